/* Counts per peer (transport/peer.c): a peer is an IPv4 address or an IPv6 /64 whatever the
 * port, an IPv4-mapped IPv6 address is its IPv4 address, and entries go with their last hold. */
#include "test_util.h"

#include "transport/peer.h"

static tp_addr addr(const char *text)
{
    tp_addr a;
    assert_int_equal(tp_addr_parse(text, NULL, &a), 0);
    return a;
}

static void test_ipv4_by_address(void **state)
{
    (void)state;
    tp_peer_table t;
    assert_int_equal(tp_peers_init(&t), 0);
    tp_addr a1 = addr("192.0.2.1:5060"), a2 = addr("192.0.2.1:40000"), b = addr("192.0.2.2:5060");
    tp_peer *p1 = tp_peers_hold(&t, &a1);
    tp_peer *p2 = tp_peers_hold(&t, &a2);
    assert_ptr_equal(p1, p2);
    assert_int_equal(tp_peers_count(&t, &a1), 2);
    assert_int_equal(tp_peers_count(&t, &b), 0);
    tp_peer *pb = tp_peers_hold(&t, &b);
    assert_int_equal(tp_peers_size(&t), 2);
    tp_peers_drop(&t, p1);
    tp_peers_drop(&t, p2);
    assert_int_equal(tp_peers_count(&t, &a1), 0);
    assert_int_equal(tp_peers_size(&t), 1); /* the entry went with its last hold */
    tp_peers_drop(&t, NULL);
    tp_peers_drop(&t, pb);
    assert_int_equal(tp_peers_size(&t), 0);
    tp_peers_free(&t);
}

static void test_ipv6_by_prefix(void **state)
{
    (void)state;
    tp_peer_table t;
    assert_int_equal(tp_peers_init(&t), 0);
    tp_addr a = addr("[2001:db8:1:2::1]:5060"), same64 = addr("[2001:db8:1:2:ffff::9]:5060"),
            other64 = addr("[2001:db8:1:3::1]:5060"), mapped = addr("[::ffff:192.0.2.7]:5060"),
            v4 = addr("192.0.2.7:5060");
    tp_peers_hold(&t, &a);
    assert_int_equal(tp_peers_count(&t, &same64), 1);
    assert_int_equal(tp_peers_count(&t, &other64), 0);
    tp_peers_hold(&t, &mapped);
    assert_int_equal(tp_peers_count(&t, &v4), 1);
    tp_peers_free(&t); /* frees what is still held */
}

static void test_many_peers(void **state)
{
    (void)state;
    tp_peer_table t;
    assert_int_equal(tp_peers_init(&t), 0);
    enum { N = 5000 };
    static tp_peer *held[N];
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof(text), "10.%d.%d.1:5060", i / 256, i % 256);
        tp_addr a = addr(text);
        held[i] = tp_peers_hold(&t, &a);
        assert_non_null(held[i]);
    }
    assert_int_equal(tp_peers_size(&t), N);
    for (int i = 0; i < N; i++)
        tp_peers_drop(&t, held[i]);
    assert_int_equal(tp_peers_size(&t), 0);
    tp_peers_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_by_address),
        cmocka_unit_test(test_ipv6_by_prefix),
        cmocka_unit_test(test_many_peers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
