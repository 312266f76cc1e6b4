/*
 * Custom headers: on every request and response the application causes (INVITE, 1xx, 200,
 * ACK, MESSAGE and its answer, re-INVITE and its answers, REFER, BYE, CANCEL, rejections,
 * redirections, declines), read back on every message received; the stack's own headers
 * refused with PARLEY_E_HEADER_RESTRICTED and malformed ones with PARLEY_E_INVAL, with nothing
 * sent. The configured user agent in User-Agent and Server; configured values refused when
 * malformed.
 */
#include "test_util.h"

#include "world.h"

/* a, b and c */
static int setup(void **state)
{
    *state = world_new(3, NULL, NULL);
    return 0;
}

#define XT(v) ((parley_header){"X-Test", v})

static void has_xtest(world *w, const char *dst, const char *prefix, const char *value)
{
    const vnet_packet *p = sp_last(w->n, dst, prefix);
    char want[128];
    snprintf(want, sizeof(want), "\r\nX-Test: %s\r\n", value);
    if (!p || !sp_has(p, want))
        vnet_dump(w->n);
    assert_non_null(p);
    assert_true(sp_has(p, want));
}

/* A target URI's headers (RFC 3261 §19.1.5) go on the INVITE as header fields, decoded, and
 * not in its Request-URI or To (where they are not allowed): an attended transfer's
 * "?Replaces=..." becomes a Replaces header. One per name, compact forms alike: the
 * application's own, else the URI's first; "body" and the body's headers, the stack's own
 * headers and values that would inject lines are left out. */
static void test_target_uri_headers(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    parley_session *s =
        party_call(&w->a, B_URI "?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2&Subject=uri"
                                "&X-Note=two%20words&Via=SIP%2F2.0%2FUDP%20evil&body=x"
                                "&X-Inj=a%0D%0AVia:%20y&X-Nul=a%00b&s=compact"
                                "&Content-Encoding=gzip&X-Note=again");
    assert_non_null(s);
    parley_header app[1] = {{"Subject", "app"}};
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, app, 1, outcome_cb, &o), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o.status, 481); /* B has no dialog abc@h to replace (RFC 3891 §3) */
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    assert_non_null(inv);
    assert_true(sp_has(inv, "INVITE " B_URI " SIP/2.0\r\n"));
    assert_string_equal(hdr(inv, "To"), "<" B_URI ">");
    assert_string_equal(hdr(inv, "Replaces"), "abc@h;to-tag=1;from-tag=2");
    assert_string_equal(hdr(inv, "Subject"), "app");
    assert_string_equal(hdr_nth(inv, "Subject", 1), "");
    assert_string_equal(hdr(inv, "X-Note"), "two words");
    assert_string_equal(hdr_nth(inv, "X-Note", 1), ""); /* once per name: the first */
    assert_false(sp_has(inv, "compact"));               /* Subject's compact form: the app's wins */
    assert_string_equal(hdr(inv, "Content-Encoding"), ""); /* the stack writes the body */
    assert_string_equal(hdr(inv, "X-Inj"), "");
    assert_string_equal(hdr(inv, "X-Nul"), "");
    assert_string_equal(hdr(inv, "body"), "");
    assert_false(sp_has(inv, "evil"));
    assert_false(sp_has(inv, "Via: y"));
    parley_address t = {0};
    assert_int_equal(parley_session_target(s, &t), 0);
    assert_string_equal(t.uri, B_URI);
    /* the ACK (of the 481) carries none of them; nor do the ACK and BYE of a call that is up */
    const vnet_packet *ack = vnet_find(w->n, B_ADDR, "ACK", 0);
    assert_non_null(ack);
    assert_string_equal(hdr(ack, "Replaces"), "");
    s = party_call(&w->a, B_URI "?Subject=uri&X-Note=n");
    outcome o2 = {0};
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o2), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o2.status, 200);
    assert_string_equal(hdr(vnet_find(w->n, B_ADDR, "INVITE", 1), "X-Note"), "n");
    ack = vnet_find(w->n, B_ADDR, "ACK", 1);
    assert_non_null(ack);
    assert_string_equal(hdr(ack, "X-Note"), "");
    assert_int_equal(parley_session_terminate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 20);
    const vnet_packet *bye = vnet_find(w->n, B_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_false(sp_has(bye, "?"));
    assert_string_equal(hdr(bye, "X-Note"), "");
    assert_string_equal(hdr(bye, "Subject"), "");
}

/* One call through every request and response with headers of the application's. */
static void test_headers_everywhere_in_a_call(void **state)
{
    world *w = *state;
    parley_session *s = party_call(&w->a, B_URI);
    parley_header inv[2] = {XT("inv"), {"Subject", "hello there"}};
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, inv, 2, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "INVITE", "inv");
    assert_true(sp_has(sp_last(w->n, B_ADDR, "INVITE"), "\r\nSubject: hello there\r\n"));
    /* 1xx */
    parley_header ring = XT("ring");
    assert_int_equal(parley_session_provisional(w->b.s, 180, NULL, &ring, 1, 0), 0);
    vnet_run(w->n, 10);
    has_xtest(w, A_ADDR, "SIP/2.0 180", "ring");
    /* 200, and the ACK sent from on_accepted */
    parley_header ack = XT("ack");
    w->a.ack_in_callback = 1;
    w->a.hdrs = &ack;
    w->a.nhdrs = 1;
    parley_header ok = XT("ok");
    assert_int_equal(parley_session_participate(w->b.s, &ok, 1, NULL, NULL), 0);
    vnet_run(w->n, 10);
    has_xtest(w, A_ADDR, "SIP/2.0 200", "ok");
    has_xtest(w, B_ADDR, "ACK", "ack");
    assert_int_equal(w->a.rc_ack_send, 0);
    assert_string_equal(o.hdr, "ok");
    w->a.hdrs = NULL;
    w->a.nhdrs = 0;
    /* MESSAGE and its answer */
    parley_header msg = XT("msg"), msgok = XT("msgok");
    w->b.msg_code = 200;
    w->b.hdrs = &msgok;
    w->b.nhdrs = 1;
    outcome m = {0};
    assert_int_equal(
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, NULL, &msg, 1, outcome_cb, &m), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "MESSAGE", "msg");
    has_xtest(w, A_ADDR, "SIP/2.0 200", "msgok");
    assert_string_equal(m.hdr, "msgok");
    /* re-INVITE and the acceptance (B's party answers with its hdrs) */
    parley_header reinv = XT("reinv"), reok = XT("reok");
    w->b.hdrs = &reok;
    outcome r = {0};
    assert_int_equal(parley_session_renegotiate(s, 0, &reinv, 1, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "INVITE", "reinv");
    has_xtest(w, A_ADDR, "SIP/2.0 200", "reok");
    /* the ACK of the re-INVITE's 2xx carries the re-INVITE's headers (nothing else gives the
     * application this ACK) */
    has_xtest(w, B_ADDR, "ACK", "reinv");
    assert_string_equal(r.hdr, "reok");
    /* the callee's re-INVITE declined with headers */
    parley_header decl = XT("redecl");
    w->a.decline_reinvite = 488;
    w->a.hdrs = &decl;
    w->a.nhdrs = 1;
    outcome r2 = {0};
    assert_int_equal(parley_session_renegotiate(w->b.s, 0, NULL, 0, outcome_cb, &r2), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "SIP/2.0 488", "redecl");
    assert_string_equal(r2.hdr, "redecl");
    /* REFER */
    parley_header ref = XT("refer");
    parley_address target = {C_URI, NULL};
    outcome rf = {0};
    assert_int_equal(parley_session_refer(s, &target, &ref, 1, outcome_cb, &rf), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "REFER", "refer");
    assert_int_equal(rf.status, 202);
    /* BYE */
    parley_header bye = XT("bye");
    assert_int_equal(parley_session_terminate(s, &bye, 1, NULL, NULL), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "BYE", "bye");
    /* and the receivers read them all */
    assert_hlog(&w->b, "incoming:inv|state:Connected:ack|completed:ack|message:MESSAGE:msg|"
                       "completed:reinv|reinvite_done:INVITE:reinv|remote_end:BYE:bye|"
                       "state:Disconnected:bye");
    assert_hlog(&w->a, "state:Alerted:ring|provisional:180:ring|accepted:ok|state:Connected:ok");
}

/* CANCEL (terminate's headers), rejection, redirection and decline. */
static void test_headers_on_endings(void **state)
{
    world *w = *state;
    /* CANCEL */
    w->b.on_incoming = PARTY_RING;
    parley_session *s = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    parley_header cancel = XT("cancel");
    assert_int_equal(parley_session_terminate(s, &cancel, 1, NULL, NULL), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "CANCEL", "cancel");
    assert_hlog(&w->b, "remote_end:CANCEL:cancel|state:Disconnected:cancel");

    /* rejection */
    party_clear(&w->a);
    party_clear(&w->b);
    parley_header rej = XT("rej");
    w->b.on_incoming = PARTY_REJECT;
    w->b.reject_code = 486;
    w->b.hdrs = &rej;
    w->b.nhdrs = 1;
    outcome o = {0};
    s = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    has_xtest(w, A_ADDR, "SIP/2.0 486", "rej");
    assert_string_equal(o.hdr, "rej");
    assert_hlog(&w->a, "state:Disconnected:rej");

    /* redirection: the 3xx carries the callee's headers; the redirected INVITE the caller's */
    party_clear(&w->a);
    parley_header redir = XT("redir");
    parley_address to_c = {C_URI, NULL};
    party_redirect_to(&w->b, &to_c, 1);
    w->b.hdrs = &redir;
    w->c.on_incoming = PARTY_ACCEPT;
    parley_header inv = XT("inv2");
    s = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(s, &inv, 1, NULL, NULL), 0);
    vnet_run(w->n, 20);
    has_xtest(w, A_ADDR, "SIP/2.0 302", "redir");
    has_xtest(w, C_ADDR, "INVITE", "inv2");
    assert_hlog(&w->a, "state:Redirecting:redir|state:Connecting:redir");
    assert_hlog(&w->c, "incoming:inv2");
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTED);

    /* decline of an incoming session by terminate */
    party_clear(&w->a);
    parley_header decl = XT("decl");
    w->b.on_incoming = PARTY_DECLINE;
    w->b.hdrs = &decl;
    s = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    has_xtest(w, A_ADDR, "SIP/2.0 603", "decl");
}

/* Headers the stack owns, names that are not tokens, values with CR or LF: refused by every
 * call that takes headers, with nothing sent and nothing changed. */
typedef struct bad {
    parley_header h;
    int rc;
} bad;

static const bad bads[] = {
    {{"Via", "SIP/2.0/UDP x"}, PARLEY_E_HEADER_RESTRICTED},
    {{"v", "SIP/2.0/UDP x"}, PARLEY_E_HEADER_RESTRICTED},
    {{"From", "<sip:x@y>"}, PARLEY_E_HEADER_RESTRICTED},
    {{"f", "<sip:x@y>"}, PARLEY_E_HEADER_RESTRICTED},
    {{"TO", "<sip:x@y>"}, PARLEY_E_HEADER_RESTRICTED},
    {{"call-id", "x"}, PARLEY_E_HEADER_RESTRICTED},
    {{"i", "x"}, PARLEY_E_HEADER_RESTRICTED},
    {{"CSeq", "1 INVITE"}, PARLEY_E_HEADER_RESTRICTED},
    {{"Max-Forwards", "1"}, PARLEY_E_HEADER_RESTRICTED},
    {{"Contact", "<sip:x@y>"}, PARLEY_E_HEADER_RESTRICTED},
    {{"m", "<sip:x@y>"}, PARLEY_E_HEADER_RESTRICTED},
    {{"Route", "<sip:x@y;lr>"}, PARLEY_E_HEADER_RESTRICTED},
    {{"Record-Route", "<sip:x@y;lr>"}, PARLEY_E_HEADER_RESTRICTED},
    {{"Content-Type", "text/plain"}, PARLEY_E_HEADER_RESTRICTED},
    {{"c", "text/plain"}, PARLEY_E_HEADER_RESTRICTED},
    {{"Content-Length", "0"}, PARLEY_E_HEADER_RESTRICTED},
    {{"l", "0"}, PARLEY_E_HEADER_RESTRICTED},
    {{"RAck", "1 1 INVITE"}, PARLEY_E_HEADER_RESTRICTED},
    {{"RSeq", "1"}, PARLEY_E_HEADER_RESTRICTED},
    {{"X-Ok", "a\r\nVia: injected"}, PARLEY_E_INVAL},
    {{"X-Ok", "a\rb"}, PARLEY_E_INVAL},
    {{"X-Ok", "a\nb"}, PARLEY_E_INVAL},
    {{"X Bad", "v"}, PARLEY_E_INVAL},
    {{"X-Bad:", "v"}, PARLEY_E_INVAL},
    {{"", "v"}, PARLEY_E_INVAL},
    {{"X-Bad\r\n", "v"}, PARLEY_E_INVAL},
};

/* Reason phrases and content types are printed into messages too: with a line break or
 * another control byte, or a content type that is not type/subtype, they are refused. */
static const char *const bad_reasons[] = {"Busy\r\nX-Evil: 1", "Busy\n", "Busy\x01"};
static const char *const bad_ctypes[] = {
    "text/plain\r\nX-Evil: 1", "text", "text/", "/plain", "text/plain x", "text/pl\x7f"};

static void check_bad_text(party *p, parley_session *s, int phase)
{
    for (size_t i = 0; i < sizeof(bad_reasons) / sizeof(bad_reasons[0]); i++) {
        const char *r = bad_reasons[i];
        if (phase == 1) {
            assert_int_equal(parley_session_provisional(s, 180, r, NULL, 0, 0), PARLEY_E_INVAL);
            assert_int_equal(parley_session_reject(s, 486, r, NULL, 0), PARLEY_E_INVAL);
        } else if (phase == 3) {
            assert_int_equal(parley_reinvite_reject(p->pending_reinvite, 488, r, NULL, 0, NULL),
                             PARLEY_E_INVAL);
            assert_int_equal(parley_request_respond(p->deferred, 200, r, NULL, NULL, 0),
                             PARLEY_E_INVAL);
        }
    }
    for (size_t i = 0; i < sizeof(bad_ctypes) / sizeof(bad_ctypes[0]); i++) {
        parley_content c = {bad_ctypes[i], "x", 1};
        if (phase == 2) {
            assert_int_equal(
                parley_session_send_message(s, PARLEY_MSG_MESSAGE, &c, NULL, 0, NULL, NULL),
                PARLEY_E_INVAL);
        } else if (phase == 3) {
            assert_int_equal(parley_reinvite_reject(p->pending_reinvite, 488, NULL, NULL, 0, &c),
                             PARLEY_E_INVAL);
            assert_int_equal(parley_request_respond(p->deferred, 200, NULL, &c, NULL, 0),
                             PARLEY_E_INVAL);
        }
    }
}

static void check_all_refused(world *w, party *p, parley_session *s, int phase)
{
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        /* a good header first: the bad one must still be found */
        parley_header hs[2] = {XT("fine"), bads[i].h};
        int want = bads[i].rc;
        switch (phase) {
        case 0: /* outgoing Idle */
            assert_int_equal(parley_session_participate(s, hs, 2, NULL, NULL), want);
            assert_int_equal(parley_session_terminate(s, hs, 2, NULL, NULL), want);
            break;
        case 1: /* incoming */
            assert_int_equal(parley_session_provisional(s, 180, NULL, hs, 2, 0), want);
            assert_int_equal(parley_session_participate(s, hs, 2, NULL, NULL), want);
            assert_int_equal(parley_session_reject(s, 486, NULL, hs, 2), want);
            {
                parley_address t = {C_URI, NULL};
                assert_int_equal(parley_session_redirect(s, 0, &t, 1, hs, 2), want);
            }
            assert_int_equal(parley_session_terminate(s, hs, 2, NULL, NULL), want);
            break;
        case 2: /* connected */
            assert_int_equal(
                parley_session_send_message(s, PARLEY_MSG_MESSAGE, NULL, hs, 2, NULL, NULL), want);
            assert_int_equal(parley_session_renegotiate(s, 0, hs, 2, NULL, NULL), want);
            {
                parley_address t = {C_URI, NULL};
                assert_int_equal(parley_session_refer(s, &t, hs, 2, NULL, NULL), want);
            }
            assert_int_equal(parley_session_terminate(s, hs, 2, NULL, NULL), want);
            break;
        case 3: /* handles given to the application */
            assert_int_equal(parley_reinvite_accept(p->pending_reinvite, hs, 2, NULL, NULL), want);
            assert_int_equal(parley_reinvite_reject(p->pending_reinvite, 488, NULL, hs, 2, NULL),
                             want);
            assert_int_equal(parley_reinvite_provisional(p->pending_reinvite, 180, hs, 2), want);
            assert_int_equal(parley_request_respond(p->deferred, 200, NULL, NULL, hs, 2), want);
            break;
        case 4:
            assert_int_equal(parley_ack_send(p->ack, hs, 2), want);
            break;
        default:
            break;
        }
    }
    (void)w;
    check_bad_text(p, s, phase);
}

static void test_bad_headers_refused(void **state)
{
    world *w = *state;
    parley_session *s = party_call(&w->a, B_URI);
    size_t before = vnet_count(w->n);
    check_all_refused(w, &w->a, s, 0);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), before);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_IDLE);

    w->a.delay_ack = 1;
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    before = vnet_count(w->n);
    check_all_refused(w, &w->b, w->b.s, 1);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), before);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_INCOMING);

    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    check_all_refused(w, &w->a, NULL, 4);
    assert_int_equal(parley_ack_send(w->a.ack, NULL, 0), 0);
    vnet_run(w->n, 10);
    before = vnet_count(w->n);
    check_all_refused(w, &w->a, s, 2);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), before);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTED);

    w->b.defer_reinvite = 1;
    w->b.defer_message = 1;
    outcome r = {0}, m = {0};
    assert_int_equal(parley_session_renegotiate(s, 0, NULL, 0, outcome_cb, &r), 0);
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, NULL, NULL, 0, outcome_cb, &m),
                     0);
    vnet_run(w->n, 10);
    before = vnet_count(w->n);
    check_all_refused(w, &w->b, w->b.s, 3);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), before);
    /* the handles still work */
    assert_int_equal(parley_reinvite_accept(w->b.pending_reinvite, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_request_respond(w->b.deferred, 200, NULL, NULL, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.status, 200);
    assert_int_equal(m.status, 200);
}

/* The configured user agent: User-Agent on requests, Server on responses; one with a line break
 * or a control byte refused at creation, as an epid or Accept entry that is not what it must
 * be. */
static int setup_user_agent(void **state)
{
    parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
    c.user_agent = "acme-phone/2.0 (parley)";
    const parley_endpoint_config *cfg[] = {&c, &c};
    *state = world_new(2, cfg, NULL);
    return 0;
}

static void test_user_agent(void **state)
{
    world *w = *state;
    world_connect(w);
    assert_true(
        sp_has(sp_last(w->n, B_ADDR, "INVITE"), "\r\nUser-Agent: acme-phone/2.0 (parley)\r\n"));
    assert_true(
        sp_has(sp_last(w->n, A_ADDR, "SIP/2.0 200"), "\r\nServer: acme-phone/2.0 (parley)\r\n"));
    world_end_a(w, 10);
    assert_true(
        sp_has(sp_last(w->n, B_ADDR, "BYE"), "\r\nUser-Agent: acme-phone/2.0 (parley)\r\n"));

    static const char *const bad_ua[] = {"acme\r\nX-Evil: 1", "acme\nX-Evil: 1", "acme\x01"};
    for (size_t i = 0; i < sizeof(bad_ua) / sizeof(bad_ua[0]); i++) {
        parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
        c.user_agent = bad_ua[i];
        parley_endpoint *ep = NULL;
        assert_int_equal(parley_endpoint_create(&c, &ep), PARLEY_E_INVAL);
        assert_null(ep);
    }
    /* the other configured values printed into messages: the epid (a parameter of From and
     * To) a token, each Accept entry "type/subtype" of tokens or "*" */
    static const char *const bad_epid[] = {"", "desk;x=1", "desk\r\nX: 1", "a b"};
    for (size_t i = 0; i < sizeof(bad_epid) / sizeof(bad_epid[0]); i++) {
        parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
        c.epid = bad_epid[i];
        parley_endpoint *ep = NULL;
        assert_int_equal(parley_endpoint_create(&c, &ep), PARLEY_E_INVAL);
    }
    static const char *const bad_accept[][2] = {
        {"text", NULL}, {"text/plain\r\nX: 1", NULL}, {"text/", NULL}, {"/plain", NULL}};
    for (size_t i = 0; i < sizeof(bad_accept) / sizeof(bad_accept[0]); i++) {
        parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
        c.accept_types = bad_accept[i];
        parley_endpoint *ep = NULL;
        assert_int_equal(parley_endpoint_create(&c, &ep), PARLEY_E_INVAL);
    }
    static const char *const good_accept[] = {"text/plain", "text/*", "*/*", NULL};
    parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
    c.accept_types = good_accept;
    c.epid = "desk-1";
    parley_endpoint *ep = NULL;
    assert_int_equal(parley_endpoint_create(&c, &ep), 0);
    parley_endpoint_unref(ep);
}

/* The application's User-Agent (requests) or Server (responses) replaces the endpoint's: each
 * is one field (RFC 3261 §7.3.1), so printing both would make the message malformed. Messages
 * without one keep the endpoint's. */
static void test_own_user_agent_replaces(void **state)
{
    world *w = *state;
    parley_session *s = party_call(&w->a, B_URI);
    parley_header ua = {"User-Agent", "b2bua-leg/1"};
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, &ua, 1, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    const vnet_packet *inv = sp_last(w->n, B_ADDR, "INVITE");
    assert_string_equal(hdr(inv, "User-Agent"), "b2bua-leg/1");
    assert_string_equal(hdr_nth(inv, "User-Agent", 1), "");
    parley_header server = {"server", "far-end/2"}; /* names are case-insensitive */
    assert_int_equal(parley_session_participate(w->b.s, &server, 1, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    const vnet_packet *ok = sp_last(w->n, A_ADDR, "SIP/2.0 200");
    assert_true(sp_has(ok, "\r\nserver: far-end/2\r\n"));
    assert_false(sp_has(ok, "\r\nServer: "));

    /* in the session: a MESSAGE with its own User-Agent, then a re-INVITE without one */
    parley_header msg_ua = {"User-Agent", "b2bua-leg/2"};
    assert_int_equal(
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, NULL, &msg_ua, 1, NULL, NULL), 0);
    vnet_run(w->n, 10);
    const vnet_packet *msg = sp_last(w->n, B_ADDR, "MESSAGE");
    assert_string_equal(hdr(msg, "User-Agent"), "b2bua-leg/2");
    assert_string_equal(hdr_nth(msg, "User-Agent", 1), "");
    world_end_a(w, 10);
    const vnet_packet *bye = sp_last(w->n, B_ADDR, "BYE");
    assert_true(sp_has(bye, "\r\nUser-Agent: parley/"));
    assert_string_equal(hdr_nth(bye, "User-Agent", 1), "");

    /* page mode */
    parley_address to = {B_URI, NULL};
    parley_header page_ua = {"User-Agent", "pager/3"};
    assert_int_equal(parley_endpoint_send_message(w->a.ep, PARLEY_MSG_MESSAGE, &to, NULL, &page_ua,
                                                  1, NULL, NULL),
                     0);
    vnet_run(w->n, 10);
    const vnet_packet *page = sp_last(w->n, B_ADDR, "MESSAGE");
    assert_string_equal(hdr(page, "User-Agent"), "pager/3");
    assert_string_equal(hdr_nth(page, "User-Agent", 1), "");
}

/* A target's epid goes out as a parameter of To: one that is not a token is refused, by the
 * session and by page mode, with nothing sent. */
static void test_bad_target_epids_refused(void **state)
{
    world *w = *state;
    static const char *const bad_epids[] = {"", "a;b=1", "a\r\nX-Evil: 1", "a b", "a>"};
    for (size_t i = 0; i < sizeof(bad_epids) / sizeof(bad_epids[0]); i++) {
        parley_address to = {B_URI, bad_epids[i]};
        parley_session *s = NULL;
        assert_int_equal(parley_session_create(w->a.ep, &to, NULL, &s), PARLEY_E_INVAL);
        assert_null(s);
        assert_int_equal(parley_endpoint_send_message(w->a.ep, PARLEY_MSG_MESSAGE, &to, NULL, NULL,
                                                      0, NULL, NULL),
                         PARLEY_E_INVAL);
    }
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), 0);
    parley_address good = {B_URI, "bob-desk.1"};
    parley_session *s = NULL;
    assert_int_equal(parley_session_create(w->a.ep, &good, NULL, &s), 0);
    parley_session_unref(s);
}

/* parley_session_set_request_headers: on every request of the session, those the stack sends
 * by itself included (PRACK, ACK, a session refresh), after the request's own, which win by
 * name; not on responses; refused after participating and for the stack's own headers. */
static void test_request_headers(void **state)
{
    world *w = *state;
    w->a.session_expires = 90; /* A refreshes (refresher=uac) every 45 s */
    parley_session *s = party_call(&w->a, B_URI);
    parley_header every[2] = {XT("every"), {"X-Every", "1"}}, via = {"Via", "x"};
    assert_int_equal(parley_session_set_request_headers(s, &via, 1), PARLEY_E_HEADER_RESTRICTED);
    assert_int_equal(parley_session_set_request_headers(s, NULL, 1), PARLEY_E_INVAL);
    assert_int_equal(parley_session_set_request_headers(s, every, 2), 0);
    parley_header inv = XT("inv");
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, &inv, 1, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_set_request_headers(s, every, 2), PARLEY_E_STATE);
    has_xtest(w, B_ADDR, "INVITE", "inv"); /* its own X-Test, not the session's */
    const vnet_packet *invite = sp_last(w->n, B_ADDR, "INVITE");
    assert_false(sp_has(invite, "X-Test: every"));
    assert_true(sp_has(invite, "\r\nX-Every: 1\r\n"));
    /* a reliable 180: A's PRACK; the 200: A's ACK */
    assert_int_equal(parley_session_provisional(w->b.s, 180, NULL, NULL, 0, PARLEY_PROV_RELIABLE),
                     0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "PRACK", "every");
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    has_xtest(w, B_ADDR, "ACK", "every");
    /* the session refresh, an UPDATE the stack sends by itself */
    vnet_run(w->n, 46000);
    has_xtest(w, B_ADDR, "UPDATE", "every");
    assert_true(sp_has(sp_last(w->n, B_ADDR, "UPDATE"), "\r\nX-Every: 1\r\n"));
    /* B's re-INVITE: A's 200 is a response, without them */
    outcome r = {0};
    assert_int_equal(parley_session_renegotiate(w->b.s, 0, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.status, 200);
    assert_false(sp_has(sp_last(w->n, B_ADDR, "SIP/2.0 200"), "X-Every"));
    /* the BYE with a header of its own */
    parley_header bye = XT("bye");
    assert_int_equal(parley_session_terminate(s, &bye, 1, NULL, NULL), 0);
    vnet_run(w->n, 10);
    has_xtest(w, B_ADDR, "BYE", "bye");
    assert_true(sp_has(sp_last(w->n, B_ADDR, "BYE"), "\r\nX-Every: 1\r\n"));
    /* a CANCEL: terminate's headers (none here), then the session's */
    w->c.on_incoming = PARTY_RING;
    s = party_call(&w->a, C_URI);
    assert_int_equal(parley_session_set_request_headers(s, every, 2), 0);
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_terminate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    has_xtest(w, C_ADDR, "CANCEL", "every");
    assert_true(sp_has(sp_last(w->n, C_ADDR, "CANCEL"), "\r\nX-Every: 1\r\n"));
}

/* How many lines of packet p start with "name:" */
static int lines_named(const vnet_packet *p, const char *name)
{
    assert_non_null(p);
    char want[64];
    snprintf(want, sizeof(want), "\r\n%s:", name);
    int n = 0;
    for (const char *q = p->data; (q = strstr(q, want)) != NULL; q += strlen(want))
        n++;
    return n;
}

/* Session headers naming what the stack prints itself (User-Agent, Supported, Session-Expires)
 * take its place on the INVITE, the refreshes and the BYE: one line each, never two. */
static void test_request_headers_stack_names(void **state)
{
    world *w = *state;
    w->a.session_expires = 90;
    parley_session *s = party_call(&w->a, B_URI);
    parley_header mine[3] = {
        {"User-Agent", "mine/1"}, {"Supported", "x-mine"}, {"Session-Expires", "120"}};
    assert_int_equal(parley_session_set_request_headers(s, mine, 3), 0);
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    const vnet_packet *inv = sp_last(w->n, B_ADDR, "INVITE");
    assert_int_equal(lines_named(inv, "User-Agent"), 1);
    assert_true(sp_has(inv, "\r\nUser-Agent: mine/1\r\n"));
    assert_int_equal(lines_named(inv, "Supported"), 1);
    assert_non_null(strstr(hdr(inv, "Supported"), "x-mine"));
    assert_non_null(strstr(hdr(inv, "Supported"), "timer"));
    assert_int_equal(lines_named(inv, "Session-Expires"), 1);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    vnet_run(w->n, 61000); /* A refreshes at half of what B's 200 gave */
    const vnet_packet *upd = sp_last(w->n, B_ADDR, "UPDATE");
    assert_int_equal(lines_named(upd, "User-Agent"), 1);
    assert_int_equal(lines_named(upd, "Session-Expires"), 1);
    assert_int_equal(parley_session_terminate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    const vnet_packet *bye = sp_last(w->n, B_ADDR, "BYE");
    assert_int_equal(lines_named(bye, "User-Agent"), 1);
    assert_true(sp_has(bye, "\r\nUser-Agent: mine/1\r\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_headers_everywhere_in_a_call, setup),
        WORLD_TEST(test_target_uri_headers, setup),
        WORLD_TEST(test_headers_on_endings, setup),
        WORLD_TEST(test_bad_headers_refused, setup),
        WORLD_TEST(test_user_agent, setup_user_agent),
        WORLD_TEST(test_own_user_agent_replaces, setup),
        WORLD_TEST(test_bad_target_epids_refused, setup),
        WORLD_TEST(test_request_headers, setup),
        WORLD_TEST(test_request_headers_stack_names, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
