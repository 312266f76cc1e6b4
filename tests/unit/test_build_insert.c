/*
 * Adding to a built request (src/sip/build.c): the sender puts the pre-loaded route set and the
 * Digest credentials on a request its owner printed. The spans the transaction layer derives
 * the CANCEL and the non-2xx ACK from follow the moved text, the routes span grows (RFC 3261
 * §9.1: a CANCEL has the INVITE's Route lines), and the body stays after the header section.
 */
#include "test_util.h"

#include "parley/error.h"
#include "parley/msg.h"
#include "sip/build.h"

static void build_invite(sip_out *o, const pl_str *routes, size_t nroutes)
{
    sip_req_parts p = {
        .method = PL_STR_LIT("INVITE"),
        .ruri = PL_STR_LIT("sip:bob@example.com"),
        .via = PL_STR_LIT("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc"),
        .from = PL_STR_LIT("<sip:alice@example.com>;tag=f1"),
        .to = PL_STR_LIT("<sip:bob@example.com>"),
        .call_id = PL_STR_LIT("cid-1"),
        .cseq = 7,
        .routes = routes,
        .nroutes = nroutes,
        .content_type = PL_STR_LIT("application/sdp"),
        .body = PL_STR_LIT("v=0\r\n"),
    };
    sip_out_init(o);
    assert_int_equal(sip_build_request(o, &p), 0);
}

static void assert_span(const sip_out *o, sip_span s, const char *expect)
{
    pl_str v = sip_span_str(&o->buf, s);
    assert_int_equal(v.len, strlen(expect));
    assert_memory_equal(v.p, expect, v.len);
}

static void test_routes_then_lines(void **state)
{
    (void)state;
    pl_str own = PL_STR_LIT("<sip:first.example.com;lr>");
    sip_out o;
    build_invite(&o, &own, 1);
    pl_str more[2] = {PL_STR_LIT("<sip:proxy.example.com;lr>"), PL_STR_LIT("<sip:p2;lr>")};
    assert_int_equal(sip_out_add_routes(&o, more, 2), 0);
    assert_int_equal(sip_out_add_lines(&o, PL_STR_LIT("Proxy-Authorization: Digest x\r\n")), 0);
    assert_span(&o, o.ruri, "sip:bob@example.com");
    assert_span(&o, o.via, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc");
    assert_span(&o, o.from, "<sip:alice@example.com>;tag=f1");
    assert_span(&o, o.to, "<sip:bob@example.com>");
    assert_span(&o, o.call_id, "cid-1");
    assert_span(&o, o.routes,
                "Route: <sip:first.example.com;lr>\r\nRoute: <sip:proxy.example.com;lr>\r\n"
                "Route: <sip:p2;lr>\r\n");
    /* the message parses, with its credentials, its body and a right Content-Length */
    pl_buf_terminate(&o.buf);
    int rc;
    sip_msg *m = tu_parse(o.buf.data, &rc);
    assert_int_equal(rc, 0);
    parley_slice v;
    assert_int_equal(parley_msg_header(m, "Proxy-Authorization", 0, &v), 0);
    assert_int_equal(v.len, strlen("Digest x"));
    assert_int_equal(m->body.len, 5);
    assert_memory_equal(m->body.p, "v=0\r\n", 5);
    sip_msg_free(m);
    /* the CANCEL carries all three routes */
    pl_buf c;
    pl_buf_init(&c, 256);
    assert_int_equal(sip_build_cancel(&o, &c, NULL, 0), 0);
    pl_buf_terminate(&c);
    assert_non_null(strstr(c.data, "Route: <sip:first.example.com;lr>\r\nRoute: "
                                   "<sip:proxy.example.com;lr>\r\nRoute: <sip:p2;lr>\r\n"));
    assert_non_null(strstr(c.data, "CSeq: 7 CANCEL\r\n"));
    assert_null(strstr(c.data, "Proxy-Authorization"));
    pl_buf_free(&c);
    sip_out_free(&o);
}

static void test_routes_on_request_without_any(void **state)
{
    (void)state;
    sip_out o;
    build_invite(&o, NULL, 0);
    assert_int_equal(o.routes.len, 0);
    pl_str r = PL_STR_LIT("<sip:proxy;lr>");
    assert_int_equal(sip_out_add_routes(&o, &r, 1), 0);
    assert_span(&o, o.routes, "Route: <sip:proxy;lr>\r\n");
    assert_span(&o, o.from, "<sip:alice@example.com>;tag=f1");
    /* nothing to add: nothing moves */
    size_t len = o.buf.len;
    assert_int_equal(sip_out_add_routes(&o, NULL, 0), 0);
    assert_int_equal(sip_out_add_lines(&o, PL_STR_NULL), 0);
    assert_int_equal(o.buf.len, len);
    sip_out_free(&o);
    /* a buffer with no header section is refused */
    sip_out bad;
    sip_out_init(&bad);
    pl_buf_puts(&bad.buf, "INVITE sip:x SIP/2.0\r\n");
    assert_int_equal(sip_out_add_lines(&bad, PL_STR_LIT("X: y\r\n")), PARLEY_E_INVAL);
    sip_out_free(&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_then_lines),
        cmocka_unit_test(test_routes_on_request_without_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
