/* Numeric hosts to socket addresses (transport/addr.c). */
#include "test_util.h"

#include <stdio.h>

#include "parley/error.h"
#include "transport/tp.h"

static void test_numeric_hosts(void **state)
{
    (void)state;
    tp_addr a;
    assert_int_equal(tp_addr_from_host(pl_str_c("192.0.2.1"), 5060, &a), 0);
    assert_int_equal(tp_addr_port(&a), 5060);
    assert_int_equal(tp_addr_from_host(pl_str_c("[2001:db8::1]"), 5070, &a), 0);
    assert_int_equal(tp_addr_port(&a), 5070);
    assert_int_equal(tp_addr_from_host(pl_str_c("example.com"), 5060, &a), PARLEY_E_NOTFOUND);
    assert_int_equal(tp_addr_from_host(pl_str_c(""), 5060, &a), PARLEY_E_NOTFOUND);
}

static void test_three_colon_reference(void **state)
{
    (void)state;
    /* the RFC 3261 ABNF form the parser tolerates (RFC 5118 §4.10) is the address without its
     * extra colon */
    tp_addr a, b;
    assert_int_equal(tp_addr_from_host(pl_str_c("2001:db8:::192.0.2.1"), 5060, &a), 0);
    assert_int_equal(tp_addr_from_host(pl_str_c("[2001:db8::192.0.2.1]"), 5060, &b), 0);
    assert_true(tp_addr_eq(&a, &b));
    assert_int_equal(tp_addr_from_host(pl_str_c("[2001:db8:::192.0.2.1]"), 5060, &a), 0);
    assert_true(tp_addr_eq(&a, &b));
    /* only before an IPv4 address */
    assert_int_equal(tp_addr_from_host(pl_str_c("2001:db8:::1"), 5060, &a), PARLEY_E_NOTFOUND);
}

/* Addresses to text, as inet_ntop and "%s:%u" would write them (the hot path formats its own). */
static void test_address_strings(void **state)
{
    (void)state;
    static const char *const v4[] = {"0.0.0.0",   "255.255.255.255", "10.0.100.9",
                                     "127.0.0.1", "192.168.1.20",    "1.22.103.99"};
    char out[64], want[64];
    tp_addr a;
    for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
        assert_int_equal(tp_addr_from_host(pl_str_c(v4[i]), 5060, &a), 0);
        assert_string_equal(tp_addr_host_str(&a, out, sizeof(out)), v4[i]);
        /* (not snprintf: gcc -O3 takes v4[i] for NULL after the assert above and refuses it) */
        size_t n = strlen(v4[i]);
        memcpy(want, v4[i], n);
        memcpy(want + n, ":5060", sizeof(":5060"));
        assert_string_equal(tp_addr_str(&a, out, sizeof(out)), want);
    }
    static const unsigned ports[] = {0, 1, 9, 10, 99, 100, 5060, 65535};
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        assert_int_equal(tp_addr_from_host(pl_str_c("192.0.2.1"), (uint16_t)ports[i], &a), 0);
        snprintf(want, sizeof(want), "192.0.2.1:%u", ports[i]);
        assert_string_equal(tp_addr_str(&a, out, sizeof(out)), want);
    }
    assert_int_equal(tp_addr_from_host(pl_str_c("[2001:db8::1]"), 5070, &a), 0);
    assert_string_equal(tp_addr_str(&a, out, sizeof(out)), "[2001:db8::1]:5070");
    assert_string_equal(tp_addr_host_str(&a, out, sizeof(out)), "2001:db8::1");
    /* cut to the room given, always terminated, like snprintf */
    assert_int_equal(tp_addr_from_host(pl_str_c("192.0.2.1"), 5060, &a), 0);
    assert_string_equal(tp_addr_str(&a, out, 6), "192.0");
    assert_string_equal(tp_addr_host_str(&a, out, 4), "192");
    pl_buf b;
    pl_buf_init(&b, 0);
    tp_addr_print(&b, &a);
    pl_buf_terminate(&b);
    assert_string_equal(b.data, "192.0.2.1:5060");
    pl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_hosts),
        cmocka_unit_test(test_three_colon_reference),
        cmocka_unit_test(test_address_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
