/*
 * message/sipfrag bodies (RFC 3420, src/sip/sipfrag.c): the status lines REFER progress NOTIFYs
 * carry (RFC 3515), request lines, header-only fragments, bodies, the tolerated forms, and
 * garbage rejected with a reason and an offset.
 */
#include "test_util.h"

#include "parley/error.h"
#include "sip/sipfrag.h"

static sip_sipfrag parse_ok(const char *text)
{
    sip_sipfrag f;
    int rc = sip_sipfrag_parse(text, strlen(text), &f);
    if (rc != 0)
        fail_msg("'%s' rejected: %s at %zu", text, f.error, f.error_offset);
    return f;
}

static void test_status_lines(void **state)
{
    (void)state;
    sip_sipfrag f = parse_ok("SIP/2.0 180 Ringing\r\n");
    assert_true(f.has_start);
    assert_true(f.is_response);
    assert_int_equal(f.status, 180);
    assert_slice_equal(f.reason, "Ringing");
    assert_int_equal(f.nheaders, 0);
    assert_int_equal(f.headers.len, 0);
    assert_int_equal(f.body.len, 0);
    assert_null(f.error);
    f = parse_ok("SIP/2.0 100 Trying\r\n");
    assert_int_equal(f.status, 100);
    f = parse_ok("SIP/2.0 603 Declined\r\n");
    assert_int_equal(f.status, 603);
    assert_slice_equal(f.reason, "Declined");
    /* a reason of several words, with UTF-8 */
    f = parse_ok("SIP/2.0 503 Service Unavailable \xc3\xa9t\xc3\xa9\r\n");
    assert_slice_equal(f.reason, "Service Unavailable \xc3\xa9t\xc3\xa9");
    /* an empty reason, with and without its SP */
    f = parse_ok("SIP/2.0 200 \r\n");
    assert_int_equal(f.reason.len, 0);
    f = parse_ok("SIP/2.0 200\r\n");
    assert_int_equal(f.status, 200);
    assert_int_equal(f.reason.len, 0);
    /* "SIP" in any case, as in messages */
    f = parse_ok("sip/2.0 486 Busy Here\r\n");
    assert_int_equal(f.status, 486);
}

static void test_tolerated_line_ends(void **state)
{
    (void)state;
    /* no line end at all (peers send this), a bare LF, a CR alone at the end */
    static const char *const texts[] = {"SIP/2.0 200 OK", "SIP/2.0 200 OK\n", "SIP/2.0 200 OK\r"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        sip_sipfrag f = parse_ok(texts[i]);
        assert_int_equal(f.status, 200);
        assert_slice_equal(f.reason, "OK");
    }
    sip_sipfrag f = parse_ok("SIP/2.0 200 OK\nContact: <sip:a@h>\n\nbody");
    assert_int_equal(f.nheaders, 1);
    assert_slice_equal(f.body, "body");
}

static void test_headers_and_body(void **state)
{
    (void)state;
    sip_sipfrag f = parse_ok("SIP/2.0 200 OK\r\n"
                             "Contact: <sip:alice@h>\r\n"
                             "X-Folded: a\r\n  b\r\n"
                             "i: call-1\r\n"
                             "Content-Type: text/plain\r\n"
                             "Content-Length: 5\r\n"
                             "\r\n"
                             "hello");
    assert_int_equal(f.status, 200);
    assert_int_equal(f.nheaders, 5);
    assert_memory_equal(f.headers.p, "Contact:", 8);
    assert_int_equal(f.headers.p[f.headers.len - 1], '\n');
    assert_slice_equal(f.body, "hello");
    pl_str v;
    assert_true(sip_sipfrag_header(&f, pl_str_c("contact"), 0, &v));
    assert_slice_equal(v, "<sip:alice@h>");
    assert_true(sip_sipfrag_header(&f, pl_str_c("X-Folded"), 0, &v));
    assert_slice_equal(v, "a\r\n  b");
    /* compact forms match their long names, both ways */
    assert_true(sip_sipfrag_header(&f, pl_str_c("Call-ID"), 0, &v));
    assert_slice_equal(v, "call-1");
    assert_true(sip_sipfrag_header(&f, pl_str_c("c"), 0, &v));
    assert_slice_equal(v, "text/plain");
    assert_false(sip_sipfrag_header(&f, pl_str_c("Contact"), 1, &v));
    assert_false(sip_sipfrag_header(&f, pl_str_c("Subject"), 0, &v));
    /* an empty line and no body */
    f = parse_ok("SIP/2.0 200 OK\r\n\r\n");
    assert_int_equal(f.body.len, 0);
}

static void test_request_lines(void **state)
{
    (void)state;
    sip_sipfrag f = parse_ok("INVITE sip:alice@atlanta.example.com SIP/2.0\r\n");
    assert_true(f.has_start);
    assert_false(f.is_response);
    assert_int_equal(f.status, 0);
    assert_slice_equal(f.method, "INVITE");
    assert_slice_equal(f.request_uri, "sip:alice@atlanta.example.com");
    f = parse_ok("REGISTER sip:registrar.example.com SIP/2.0\r\nTo: <sip:b@h>\r\n");
    assert_slice_equal(f.method, "REGISTER");
    assert_int_equal(f.nheaders, 1);
}

static void test_header_only(void **state)
{
    (void)state;
    /* RFC 3420 §3.1: a fragment need not have a start line */
    sip_sipfrag f = parse_ok("From: Alice <sip:alice@atlanta.example.com>;tag=1\r\n"
                             "To : Bob <sip:bob@biloxi.example.com>\r\n");
    assert_false(f.has_start);
    assert_false(f.is_response);
    assert_int_equal(f.nheaders, 2);
    pl_str v;
    assert_true(sip_sipfrag_header(&f, pl_str_c("to"), 0, &v));
    assert_slice_equal(v, "Bob <sip:bob@biloxi.example.com>");
}

static void expect_bad(const char *text, size_t len, const char *why, size_t offset)
{
    sip_sipfrag f;
    memset(&f, 0x5a, sizeof(f));
    int rc = sip_sipfrag_parse(text, len, &f);
    if (rc != PARLEY_E_PARSE)
        fail_msg("'%.*s' accepted", (int)len, text);
    if (!f.error || strcmp(f.error, why) != 0)
        fail_msg("'%.*s': '%s', expected '%s'", (int)len, text, f.error ? f.error : "(null)", why);
    if (f.error_offset != offset)
        fail_msg("'%.*s': offset %zu, expected %zu", (int)len, text, f.error_offset, offset);
    /* nothing but the error is left in the result */
    assert_false(f.has_start);
    assert_int_equal(f.status, 0);
    assert_int_equal(f.nheaders, 0);
    assert_null(f.reason.p);
}

#define BAD(text, why, offset) expect_bad(text, sizeof(text) - 1, why, offset)

static void test_garbage_rejected(void **state)
{
    (void)state;
    BAD("", "empty fragment", 0);
    BAD("\r\n", "empty fragment", 0);
    BAD("\r\nSIP/2.0 200 OK\r\n", "empty fragment", 0);
    BAD("hello", "neither a start line nor a header field", 0);
    BAD("hello world", "neither a start line nor a header field", 0);
    BAD("INVITE sip:a@h", "neither a start line nor a header field", 0);
    BAD("<html>", "neither a start line nor a header field", 0);
    BAD("SIP/2.0", "status code is not three digits", 7);
    BAD("SIP/2.0 20 OK", "status code is not three digits", 8);
    BAD("SIP/2.0 2000 OK", "status code is not three digits", 8);
    BAD("SIP/2.0 2x0 OK", "status code is not three digits", 8);
    BAD("SIP/2.0 099 Low", "status code out of range", 8);
    BAD("SIP/2.0 700 High", "status code out of range", 8);
    BAD("SIP/3.0 200 OK", "not a SIP/2.0 status line", 0);
    BAD("SIP/2.0x 200 OK", "not a SIP/2.0 status line", 0);
    BAD("INVITE sip:a@h SIP/3.0", "not a SIP/2.0 request line", 15);
    BAD("INVITE sip:a b@h SIP/2.0", "invalid character in URI user", 12);
    BAD("INVITE <sip:a@h> SIP/2.0", "URI must start with a scheme", 7);
    BAD("SIP/2.0 200 OK\r\nnot a header\r\n", "malformed header field", 16);
    BAD("SIP/2.0 200 OK\r\nbody without an empty line", "malformed header field", 16);
    BAD("SIP/2.0 200 OK\r\n folded\r\n", "continuation line without a header field", 16);
    BAD("SIP/2.0 200 O\rK\r\n", "bare CR inside a line", 13);
    BAD("SIP/2.0 200 O\0K\r\n", "NUL byte", 13);
    BAD("SIP/2.0 200 OK\r\nX-A: a\0b\r\n", "NUL byte", 22);
    BAD("SIP/2.0 200 OK\r\n: empty name\r\n", "malformed header field", 16);
    /* a NUL in the body is data */
    static const char body[] = "SIP/2.0 200 OK\r\n\r\na\0b";
    sip_sipfrag f;
    assert_int_equal(sip_sipfrag_parse(body, sizeof(body) - 1, &f), 0);
    assert_int_equal(f.body.len, 3);
}

static void test_arguments(void **state)
{
    (void)state;
    sip_sipfrag f;
    assert_int_equal(sip_sipfrag_parse("SIP/2.0 200 OK", 14, NULL), PARLEY_E_INVAL);
    assert_int_equal(sip_sipfrag_parse(NULL, 1, &f), PARLEY_E_INVAL);
    assert_int_equal(sip_sipfrag_parse(NULL, 0, &f), PARLEY_E_PARSE);
    assert_string_equal(f.error, "empty fragment");
    /* only the given length is read: the rest of the buffer is not the fragment */
    assert_int_equal(sip_sipfrag_parse("SIP/2.0 200 OK\r\ngarbage", 16, &f), 0);
    assert_int_equal(f.status, 200);
}

static void test_large_fragment_linear(void **state)
{
    (void)state;
    /* many header fields and a long body: read once, nothing stored per field */
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_puts(&b, "SIP/2.0 183 Session Progress\r\n");
    for (int i = 0; i < 20000; i++)
        pl_buf_printf(&b, "X-%d: %d\r\n", i, i);
    pl_buf_puts(&b, "\r\n");
    for (int i = 0; i < 100000; i++)
        pl_buf_putc(&b, 'x');
    sip_sipfrag f;
    assert_int_equal(sip_sipfrag_parse(b.data, b.len, &f), 0);
    assert_int_equal(f.nheaders, 20000);
    assert_int_equal(f.body.len, 100000);
    pl_str v;
    assert_true(sip_sipfrag_header(&f, pl_str_c("X-19999"), 0, &v));
    assert_slice_equal(v, "19999");
    pl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_lines),     cmocka_unit_test(test_tolerated_line_ends),
        cmocka_unit_test(test_headers_and_body), cmocka_unit_test(test_request_lines),
        cmocka_unit_test(test_header_only),      cmocka_unit_test(test_garbage_rejected),
        cmocka_unit_test(test_arguments),        cmocka_unit_test(test_large_fragment_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
