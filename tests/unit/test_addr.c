/* Numeric hosts to socket addresses (transport/addr.c). */
#include "test_util.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_hosts),
        cmocka_unit_test(test_three_colon_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
