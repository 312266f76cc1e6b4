/*
 * RFC 4475 and RFC 5118 torture messages, read byte-exact from ../shared/conformance (never
 * copied into the project). Skips with a clear message when that directory is absent.
 */
#include "test_util.h"

#include "parley/error.h"
#include "sip/uri.h"

typedef struct expect {
    const char *file;
    int rc;     /* 0, PARLEY_E_PARSE or PARLEY_E_UNUSABLE */
    int status; /* expected answer status for invalid ones (0 = don't care) */
} expect;

static const expect rfc4475[] = {
    /* 3.1.1 valid */
    {"wsinv.dat", 0, 0},
    {"intmeth.dat", 0, 0},
    {"esc01.dat", 0, 0},
    {"escnull.dat", 0, 0},
    {"esc02.dat", 0, 0},
    {"lwsdisp.dat", 0, 0},
    {"longreq.dat", 0, 0},
    {"dblreq.dat", 0, 0},
    {"semiuri.dat", 0, 0},
    {"transports.dat", 0, 0},
    {"mpart01.dat", 0, 0},
    {"unreason.dat", 0, 0},
    {"noreason.dat", 0, 0},
    /* 3.1.2 invalid */
    {"badinv01.dat", PARLEY_E_PARSE, 400},
    {"clerr.dat", PARLEY_E_UNUSABLE, 400},
    {"ncl.dat", PARLEY_E_PARSE, 400},
    {"scalar02.dat", PARLEY_E_PARSE, 400},
    {"scalarlg.dat", PARLEY_E_PARSE, 400},
    {"quotbal.dat", PARLEY_E_PARSE, 400},
    {"ltgtruri.dat", PARLEY_E_PARSE, 400},
    {"lwsruri.dat", PARLEY_E_PARSE, 400},
    {"lwsstart.dat", PARLEY_E_PARSE, 400},
    {"trws.dat", PARLEY_E_PARSE, 400},
    {"escruri.dat", PARLEY_E_UNUSABLE, 400},
    {"baddate.dat", PARLEY_E_PARSE, 400},
    {"regbadct.dat", PARLEY_E_PARSE, 400},
    {"badaspec.dat", PARLEY_E_PARSE, 400},
    {"baddn.dat", PARLEY_E_PARSE, 400},
    {"badvers.dat", PARLEY_E_UNUSABLE, 505},
    {"mismatch01.dat", PARLEY_E_UNUSABLE, 400},
    {"mismatch02.dat", PARLEY_E_UNUSABLE, 400},
    {"bigcode.dat", PARLEY_E_PARSE, 400},
    /* 3.2 transaction layer: parses (the branch is only the cookie) */
    {"badbranch.dat", 0, 0},
    /* 3.3 application layer: well-formed; insufficient or duplicated headers are unusable */
    {"insuf.dat", PARLEY_E_UNUSABLE, 400},
    {"unkscm.dat", 0, 0},
    {"novelsc.dat", 0, 0},
    {"unksm2.dat", 0, 0},
    {"bext01.dat", 0, 0},
    {"invut.dat", 0, 0},
    {"regaut01.dat", 0, 0},
    {"multi01.dat", PARLEY_E_UNUSABLE, 400},
    {"mcl01.dat", PARLEY_E_UNUSABLE, 400},
    {"bcast.dat", 0, 0},
    {"zeromf.dat", 0, 0},
    {"cparam01.dat", 0, 0},
    {"cparam02.dat", 0, 0},
    {"regescrt.dat", 0, 0},
    /* 3.4 backward compatibility */
    {"inv2543.dat", 0, 0},
    {"sdp01.dat", 0, 0},
    /* not an RFC 4475 section, shipped in the archive: no SIP-Version, a line without ':' */
    {"test.dat", PARLEY_E_PARSE, 400},
    {"variants/baddn.crlf-terminated.dat", PARLEY_E_PARSE, 400},
    /* RFC 5118, as on the wire */
    {"rfc5118/wire/ipv6-good.dat", 0, 0},
    {"rfc5118/wire/ipv6-bad.dat", PARLEY_E_PARSE, 400},
    {"rfc5118/wire/port-ambiguous.dat", 0, 0},
    {"rfc5118/wire/port-unambiguous.dat", 0, 0},
    {"rfc5118/wire/via-received-param-with-delim.dat", 0, 0},
    {"rfc5118/wire/via-received-param-no-delim.dat", 0, 0},
    {"rfc5118/wire/ipv6-in-sdp.dat", 0, 0},
    {"rfc5118/wire/mult-ip-in-header.dat", 0, 0},
    {"rfc5118/wire/mult-ip-in-sdp.dat", 0, 0},
    {"rfc5118/wire/ipv4-mapped-ipv6.dat", 0, 0},
    /* §4.10: RFC 3261's ABNF allows the three colons; "an implementation must tolerate both" */
    {"rfc5118/wire/ipv6-bug-abnf-3-colons.dat", 0, 0},
    {"rfc5118/wire/ipv6-correct-abnf-2-colons.dat", 0, 0},
};

static sip_msg *load(const char *name, int *rc, size_t *size)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", PARLEY_TORTURE_DIR, name);
    size_t len = 0;
    char *data = tu_read_file(path, &len);
    if (!data)
        fail_msg("cannot read %s", path);
    sip_msg *m = NULL;
    *rc = sip_msg_parse(data, len, 0, NULL, &m, NULL);
    free(data);
    assert_non_null(m);
    if (size)
        *size = len;
    return m;
}

static void test_every_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4475) / sizeof(rfc4475[0]); i++) {
        int rc;
        size_t size;
        sip_msg *m = load(rfc4475[i].file, &rc, &size);
        if (rc != rfc4475[i].rc)
            fail_msg("%s: parse gave %d (%s: %s), expected %d", rfc4475[i].file, rc,
                     m->err.what ? m->err.what : "-", m->err.reason ? m->err.reason : "-",
                     rfc4475[i].rc);
        if (rc) {
            assert_non_null(m->err.reason);
            if (rfc4475[i].status && m->err.status != rfc4475[i].status)
                fail_msg("%s: status %d, expected %d", rfc4475[i].file, m->err.status,
                         rfc4475[i].status);
        } else if (m->consumed == size) {
            tu_assert_roundtrip(m);
        }
        sip_msg_free(m);
    }
}

static void test_wsinv_fields(void **state)
{
    (void)state;
    int rc;
    sip_msg *m = load("wsinv.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->method, "INVITE");
    assert_slice_equal(m->to->uri.raw, "sip:vivekg@chair-dnrc.example.com");
    assert_slice_equal(m->to->tag, "1918181833n");
    assert_slice_equal(m->from->display, "\"J Rosenberg \\\\\\\"\"");
    assert_slice_equal(m->from->tag, "98asjd8");
    assert_int_equal(m->max_forwards, 68);
    assert_int_equal(m->cseq.num, 9);
    assert_slice_equal(m->cseq.method, "INVITE");
    assert_int_equal(m->nvia, 3);
    assert_slice_equal(m->via->transport, "UDP");
    assert_slice_equal(m->via->host, "192.0.2.2");
    assert_slice_equal(m->via->branch, "390skdjuw");
    assert_slice_equal(m->via->next->transport, "TCP");
    assert_slice_equal(m->via->next->host, "spindle.example.com");
    assert_slice_equal(m->via->next->branch, "z9hG4bK9ikj8");
    assert_slice_equal(m->via->next->next->branch, "z9hG4bK30239");
    assert_slice_equal(m->contact->display, "\"Quoted string \\\"\\\"\"");
    assert_slice_equal(m->contact->q, "0.33");
    assert_true(sip_param_find(m->contact->params, "newparam", NULL));
    assert_slice_equal(m->route->uri.raw,
                       "sip:services.example.com;lr;unknownwith=value;unknown-no-value");
    assert_true(m->route->uri.lr);
    pl_str v;
    assert_int_equal(parley_msg_header(m, "NewFangledHeader", 0, &v), 0);
    assert_slice_equal(v, "newfangled value\r\n continued newfangled value");
    assert_int_equal(parley_msg_header(m, "Subject", 0, &v), 0);
    assert_int_equal(v.len, 0);
    assert_int_equal(m->body.len, 150);
    sip_msg_free(m);
}

static void test_dblreq_ignores_trailing_octets(void **state)
{
    (void)state;
    int rc;
    size_t size;
    sip_msg *m = load("dblreq.dat", &rc, &size);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->method, "REGISTER");
    assert_int_equal(m->body.len, 0);
    assert_true(m->consumed < size);
    sip_msg_free(m);
}

static void test_esc01_escapes_kept(void **state)
{
    (void)state;
    int rc;
    sip_msg *m = load("esc01.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->ruri.user, "sips%3Auser%40example.com");
    assert_slice_equal(m->ruri.host, "example.net");
    assert_slice_equal(m->to->uri.user, "%75se%72");
    assert_true(m->contact->uri.lr); /* ;%6C%72 is an escaped lr */
    sip_msg_free(m);
}

static void test_ipv6_ports(void **state)
{
    (void)state;
    int rc;
    sip_msg *m = load("rfc5118/wire/port-ambiguous.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->ruri.host, "2001:db8::10:5070");
    assert_int_equal(m->ruri.port, 0);
    sip_msg_free(m);
    m = load("rfc5118/wire/port-unambiguous.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->ruri.host, "2001:db8::10");
    assert_int_equal(m->ruri.port, 5070);
    sip_msg_free(m);
    m = load("rfc5118/wire/via-received-param-with-delim.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->via->received, "[2001:db8::9:255]");
    sip_msg_free(m);
    m = load("rfc5118/wire/via-received-param-no-delim.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->via->received, "2001:db8::9:255");
    sip_msg_free(m);
}

static void test_ipv6_abnf_bug_tolerated(void **state)
{
    (void)state;
    int rc;
    sip_msg *m = load("rfc5118/wire/ipv6-bug-abnf-3-colons.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(m->ruri.host_type, SIP_HOST_IPV6);
    assert_slice_equal(m->ruri.host, "2001:db8:::192.0.2.1");
    assert_slice_equal(m->to->uri.host, "2001:db8:::192.0.2.1");
    sip_msg_free(m);
    m = load("rfc5118/wire/ipv6-correct-abnf-2-colons.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->ruri.host, "2001:db8::192.0.2.1");
    sip_msg_free(m);
}

static void test_responses(void **state)
{
    (void)state;
    int rc;
    sip_msg *m = load("noreason.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(m->status, 100);
    assert_int_equal(m->reason.len, 0);
    sip_msg_free(m);
    m = load("unreason.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(m->status, 200);
    assert_true(m->reason.len > 20);
    sip_msg_free(m);
    m = load("bcast.dat", &rc, NULL);
    assert_int_equal(rc, 0);
    assert_slice_equal(m->via->next->host, "255.255.255.255");
    sip_msg_free(m);
}

static void test_invalid_keep_routing_fields(void **state)
{
    (void)state;
    /* a 400 needs Via, From, To, Call-ID and CSeq even from a broken request */
    int rc;
    sip_msg *m = load("badaspec.dat", &rc, NULL);
    assert_int_equal(rc, PARLEY_E_PARSE);
    assert_non_null(m->via);
    assert_non_null(m->from);
    assert_true(m->has_cseq);
    assert_slice_equal(m->call_id, "badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3");
    assert_string_equal(m->err.what, "To");
    sip_msg_free(m);
}

int main(void)
{
    if (!tu_dir_exists(PARLEY_TORTURE_DIR)) {
        printf("SKIP: torture corpus not found at %s (it lives beside the project in\n"
               "../shared/conformance/sip-torture; a plain clone has no such directory)\n",
               PARLEY_TORTURE_DIR);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message),
        cmocka_unit_test(test_wsinv_fields),
        cmocka_unit_test(test_dblreq_ignores_trailing_octets),
        cmocka_unit_test(test_esc01_escapes_kept),
        cmocka_unit_test(test_ipv6_ports),
        cmocka_unit_test(test_ipv6_abnf_bug_tolerated),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_invalid_keep_routing_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
