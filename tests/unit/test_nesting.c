/* The comment-nesting limit (parley_parse_limits.max_nesting) on User-Agent and Server. */
#include "test_util.h"

#include "parley/error.h"

static const char *msg_with(const char *ua_header)
{
    static char buf[1024];
    snprintf(
        buf, sizeof(buf),
        "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: n1\r\n"
        "CSeq: 1 OPTIONS\r\n%s\r\nContent-Length: 0\r\n\r\n",
        ua_header);
    return buf;
}

static int parse_with_limit(const char *text, unsigned nesting, sip_error *err)
{
    sip_limits lim = PARLEY_PARSE_LIMITS_INIT;
    lim.max_nesting = nesting;
    sip_msg *m = NULL;
    int rc = sip_msg_parse(text, strlen(text), 0, &lim, &m, err);
    sip_msg_free(m);
    return rc;
}

static void test_depth_at_and_over_the_limit(void **state)
{
    (void)state;
    sip_error err;
    const char *three = msg_with("User-Agent: agent (a (b (c) b) a)");
    assert_int_equal(parse_with_limit(three, 3, &err), 0);
    assert_int_equal(parse_with_limit(three, 2, &err), PARLEY_E_LIMIT);
    assert_string_equal(err.what, "User-Agent");
    assert_string_equal(err.reason, "comments nested too deeply");
    assert_int_equal(err.status, 400);
    /* the offset points at the '(' that went one level too deep */
    assert_int_equal(three[err.offset], '(');
    assert_int_equal(parse_with_limit(msg_with("Server: s (x (y (z)))"), 2, &err), PARLEY_E_LIMIT);
    assert_string_equal(err.what, "Server");
}

static void test_quoted_and_escaped_parentheses_do_not_count(void **state)
{
    (void)state;
    sip_error err;
    assert_int_equal(parse_with_limit(msg_with("User-Agent: a \"((((((((\" b"), 2, &err), 0);
    assert_int_equal(parse_with_limit(msg_with("User-Agent: a (x \\( \\( \\( y)"), 1, &err), 0);
}

static void test_default_limit_and_unlimited_depth_attack(void **state)
{
    (void)state;
    char ua[600] = "User-Agent: x ";
    for (int i = 0; i < 200; i++)
        strcat(ua, "(");
    sip_error err;
    assert_int_equal(parse_with_limit(msg_with(ua), 0, &err), PARLEY_E_LIMIT); /* default 8 */
    assert_int_equal(err.offset >= 0, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth_at_and_over_the_limit),
        cmocka_unit_test(test_quoted_and_escaped_parentheses_do_not_count),
        cmocka_unit_test(test_default_limit_and_unlimited_depth_attack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
