/*
 * Whether a dialog an INVITE makes at the UAS is secure, its Contact then sips (RFC 3261
 * §12.1.1, dlg_request_secure): a sips Request-URI; else a sips top Record-Route (the one
 * nearest us); without Record-Route, a sips Contact. A sip:...;transport=tls request is not
 * secure on its own (RFC 5630 §3.1.3).
 */
#include "test_util.h"

#include "dialog/dlg.h"
#include "sip/msg.h"

/* An INVITE to ruri with the Contact and Record-Route lines given ("" for none). */
static bool secure(const char *ruri, const char *contact, const char *rr)
{
    char text[1024];
    int n = snprintf(text, sizeof(text),
                     "INVITE %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK1\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\n"
                     "To: <sip:b@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n%s%s"
                     "Content-Length: 0\r\n\r\n",
                     ruri, contact, rr);
    sip_msg *m = NULL;
    assert_int_equal(sip_msg_parse(text, (size_t)n, 0, NULL, &m, NULL), 0);
    bool s = dlg_request_secure(m);
    sip_msg_free(m);
    return s;
}

static void test_dlg_request_secure(void **state)
{
    (void)state;
    const char *tls = "sip:b@127.0.0.1:5061;transport=tls";
    const char *sips_c = "Contact: <sips:a@127.0.0.1:5061>\r\n";
    const char *sip_c = "Contact: <sip:a@127.0.0.1:5061;transport=tls>\r\n";
    assert_true(secure("sips:b@127.0.0.1:5061", sip_c, ""));
    assert_false(secure(tls, sip_c, ""));
    /* no Record-Route: the Contact decides */
    assert_true(secure(tls, sips_c, ""));
    /* a Record-Route: its top entry decides, not the Contact */
    assert_false(secure(tls, sips_c, "Record-Route: <sip:p.example;lr;transport=tls>\r\n"));
    assert_true(secure(tls, sip_c,
                       "Record-Route: <sips:p.example;lr>\r\n"
                       "Record-Route: <sip:q.example;lr>\r\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dlg_request_secure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
