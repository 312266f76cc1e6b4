/*
 * Session timers (RFC 4028), reliable provisional responses (RFC 3262), UPDATE (RFC 3311) and
 * early media per fork, on the virtual network and clock: an 1800 s session timer runs in
 * milliseconds of test time.
 */
#include "test_util.h"

#include "world.h"

/* a, b, c and the scripted peer P; B's endpoint configured by cb (NULL: the defaults) */
static int setup_b(void **state, const parley_endpoint_config *cb)
{
    static const char *const peers[] = {P_ADDR, NULL};
    const parley_endpoint_config *cfg[3] = {NULL, cb, NULL};
    *state = world_new(3, cfg, peers);
    return 0;
}

static int setup(void **state)
{
    return setup_b(state, NULL);
}

/* B's endpoint without 100rel, then one that requires it */
static int setup_b_no_100rel(void **state)
{
    parley_endpoint_config cb = PARLEY_ENDPOINT_CONFIG_INIT;
    cb.rel100 = PARLEY_100REL_UNSUPPORTED;
    return setup_b(state, &cb);
}

static int setup_b_requires_100rel(void **state)
{
    parley_endpoint_config cb = PARLEY_ENDPOINT_CONFIG_INIT;
    cb.rel100 = PARLEY_100REL_REQUIRED;
    return setup_b(state, &cb);
}

/* P's Allow without UPDATE: its refreshes come as re-INVITEs */
#define ALLOW_NO_UPDATE "Allow: INVITE, ACK, BYE\r\n"

/* A calls P, which answers 200 (To tag p1, Contact <P_URI>, then `allow`, a Content-Type and
 * Session-Expires `se`, the body "answer-p-1"); ms later. Returns the INVITE. */
static const vnet_packet *peer_answers_timer(world *w, outcome *o, const char *allow,
                                             const char *se, uint64_t ms)
{
    const vnet_packet *inv = world_call_peer(w, P_URI, o);
    char extra[256];
    snprintf(extra, sizeof(extra),
             "Contact: <" P_URI ">\r\n%sContent-Type: application/x-test\r\n"
             "Session-Expires: %s\r\n",
             allow, se);
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "p1", extra, "answer-p-1");
    vnet_run(w->n, ms);
    return inv;
}

/* P sends A an INVITE with an offer that supports 100rel (branch, From tag and Call-ID made
 * from id); 10 ms later. */
static void peer_invites_100rel(world *w, const char *id)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bK%s\r\nFrom: <" P_URI ">;tag=%s\r\nTo: <sip:node@10.0.0.1:5060>\r\n"
             "Call-ID: %s@p\r\nCSeq: 1 INVITE\r\nContact: <" P_URI ">\r\nMax-Forwards: 70\r\n"
             "Supported: 100rel\r\nContent-Type: application/x-test\r\n",
             id, id, id);
    sp_send(w->n, P_ADDR, A_ADDR, head, "offer-p");
    vnet_run(w->n, 10);
}

/* Asserts that the PRACK's RAck names the reliable 183's RSeq and INVITE 1. */
static void assert_rack(const vnet_packet *p183, const vnet_packet *prack)
{
    char rack[64];
    snprintf(rack, sizeof(rack), "%s 1 INVITE", hdr(p183, "RSeq"));
    assert_string_equal(hdr(prack, "RAck"), rack);
}

/* Asserts that A saw one early media event (a 183) and B one PRACK. */
static void assert_one_early_183(world *w)
{
    assert_int_equal(w->a.nxlog, 1);
    assert_int_equal(strncmp(w->a.xlog[0], "early_media:183:", 16), 0);
}

/* B participates in its ringing session; 20 ms later A's call has its 200. */
static void b_answers(world *w, const outcome *o)
{
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o->status, 200);
}

/* P takes the nth PRACK it got: asserts its To tag and its RAck (NULL: not checked) or body
 * (NULL: not checked), answers it 200; 2 ms later. */
static void peer_oks_prack(world *w, size_t nth, const char *tag, const char *rack,
                           const char *body)
{
    const vnet_packet *pr = vnet_find(w->n, P_ADDR, "PRACK", nth);
    char t[64];
    assert_string_equal(sp_tag(pr, "To", t, sizeof(t)), tag);
    if (rack)
        assert_string_equal(hdr(pr, "RAck"), rack);
    if (body)
        assert_string_equal(sp_body(pr), body);
    sp_reply(w->n, P_ADDR, pr, 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 2);
}

/* A sends an UPDATE with a new offer; r gets the outcome. */
static void a_updates(world *w, outcome *r)
{
    assert_int_equal(
        parley_session_renegotiate(w->a.s, PARLEY_RENEGOTIATE_UPDATE, NULL, 0, outcome_cb, r), 0);
}

/* Asserts that B's 200 to A's UPDATE answered offer-a-2 and each side's application saw that
 * one exchange. */
static void assert_update_answered(world *w)
{
    assert_string_equal(sp_body(sp_last(w->n, A_ADDR, "SIP/2.0 200")), "answer-to:offer-a-2");
    assert_log(&w->a, "get_offer|set_answer");
    assert_log(&w->b, "get_answer");
    assert_xlog(&w->b, "update:offer");
}

/* ---- session timers ---- */

/* A asks for 1800 s; B takes it and leaves the refreshes to A (refresher=uac, Require:
 * timer); A refreshes every 900 s by UPDATE (B allows it), without asking its application. */
static void test_timer_refresh_by_update(void **state)
{
    world *w = *state;
    w->a.session_expires = 1800;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 20);
    assert_int_equal(o.status, 200);
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    assert_string_equal(hdr(inv, "Session-Expires"), "1800");
    assert_string_equal(hdr(inv, "Min-SE"), "90");
    assert_non_null(strstr(hdr(inv, "Supported"), "timer"));
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_string_equal(hdr(ok, "Session-Expires"), "1800;refresher=uac");
    assert_string_equal(hdr(ok, "Require"), "timer");
    unsigned iv = 0;
    int we = -1;
    assert_int_equal(parley_session_timer(w->a.s, &iv, &we), 0);
    assert_int_equal(iv, 1800);
    assert_int_equal(we, 1);
    assert_int_equal(parley_session_timer(w->b.s, &iv, &we), 0);
    assert_int_equal(we, 0);
    assert_true(parley_session_update_allowed(w->a.s));
    party_clear(&w->a);
    party_clear(&w->b);
    size_t before = vnet_count(w->n);
    vnet_run(w->n, 899000);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "UPDATE"), 0);
    vnet_run(w->n, 2000);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "UPDATE"), 1);
    const vnet_packet *upd = sp_last(w->n, B_ADDR, "UPDATE");
    assert_string_equal(hdr(upd, "Session-Expires"), "1800;refresher=uac");
    assert_string_equal(sp_body(upd), ""); /* a refresh carries no offer */
    assert_string_equal(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 200"), "Session-Expires"),
                        "1800;refresher=uac");
    /* three hours on: refreshed every 900 s, the session stands, nobody asked the apps */
    vnet_run(w->n, 3 * 3600 * 1000);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "UPDATE"), 13);
    world_assert_connected(w);
    assert_log(&w->a, "");
    assert_log(&w->b, "");
    assert_int_equal(w->a.nxlog, 13);
    assert_string_equal(w->a.xlog[0], "refresh:UPDATE:local");
    assert_string_equal(w->b.xlog[0], "update:nooffer");
    assert_string_equal(w->b.xlog[1], "refresh:UPDATE:remote");
}

/* A peer without UPDATE: the refresh is a re-INVITE repeating our description unchanged; the
 * application is asked for nothing (no get_offer, no set_answer). */
static void test_timer_refresh_by_reinvite(void **state)
{
    world *w = *state;
    w->a.session_expires = 90;
    outcome o = {0};
    peer_answers_timer(w, &o, ALLOW_NO_UPDATE, "90;refresher=uac", 5);
    assert_int_equal(o.status, 200);
    assert_false(parley_session_update_allowed(w->a.s));
    party_clear(&w->a);
    size_t before = vnet_count(w->n);
    vnet_run(w->n, 45000);
    const vnet_packet *re = vnet_find(w->n, P_ADDR, "INVITE", 1);
    assert_non_null(re);
    assert_string_equal(sp_body(re), "offer-a-1"); /* the description in force, again */
    assert_string_equal(hdr(re, "Session-Expires"), "90;refresher=uac");
    sp_reply(w->n, P_ADDR, re, 200, "OK", NULL,
             "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n"
             "Session-Expires: 90;refresher=uac\r\n",
             "answer-p-1");
    vnet_run(w->n, 5);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "ACK"), 1);
    assert_log(&w->a, "");
    assert_xlog(&w->a, "refresh:INVITE:local");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
}

/* The callee adds a session timer the caller did not ask for (it supports it) and refreshes
 * itself (refresher=uas); the caller, not refreshing, keeps the session while refreshes come. */
static void test_timer_uas_refresher(void **state)
{
    world *w = *state;
    w->b.session_expires = 600;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 20);
    assert_string_equal(hdr(vnet_find(w->n, B_ADDR, "INVITE", 0), "Session-Expires"), "");
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_string_equal(hdr(ok, "Session-Expires"), "600;refresher=uas");
    assert_string_equal(hdr(ok, "Require"), "");
    int we = -1;
    assert_int_equal(parley_session_timer(w->b.s, NULL, &we), 0);
    assert_int_equal(we, 1);
    assert_int_equal(parley_session_timer(w->a.s, NULL, &we), 0);
    assert_int_equal(we, 0);
    vnet_run(w->n, 3600 * 1000 + 100);
    assert_int_equal(sp_count(w->n, A_ADDR, "UPDATE"), 12); /* every 300 s, from B */
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
}

/* The applications' own Session-Expires and Min-SE go instead of the stack's, one header field
 * each (RFC 4028 §4), and set the timer: A asks for 600 s with a Min-SE of 120 although it is
 * configured for 1800; B's 200 says 600 s, refreshed by B (B's own configuration would have
 * left the refreshes to A). */
static void test_timer_app_headers(void **state)
{
    world *w = *state;
    w->a.session_expires = 1800;
    static const parley_header b_hdrs[] = {{"Session-Expires", "600;refresher=uas"}};
    w->b.session_expires = 1800;
    w->b.hdrs = b_hdrs;
    w->b.nhdrs = 1;
    w->b.on_incoming = PARTY_ACCEPT;
    static const parley_header a_hdrs[] = {{"x", "600"}, {"Min-SE", "120"}};
    outcome o = {.n = w->n};
    parley_session *s = party_call(&w->a, B_URI);
    assert_non_null(s);
    assert_int_equal(parley_session_participate(s, a_hdrs, 2, outcome_cb, &o), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o.status, 200);
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    assert_string_equal(hdr(inv, "x"), "600");
    assert_string_equal(hdr(inv, "Session-Expires"), "");
    assert_string_equal(hdr(inv, "Min-SE"), "120");
    assert_string_equal(hdr_nth(inv, "Min-SE", 1), "");
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_string_equal(hdr(ok, "Session-Expires"), "600;refresher=uas");
    assert_string_equal(hdr_nth(ok, "Session-Expires", 1), "");
    assert_string_equal(hdr(ok, "Require"), "");
    unsigned iv = 0;
    int we = -1;
    assert_int_equal(parley_session_timer(w->a.s, &iv, &we), 0);
    assert_int_equal(iv, 600);
    assert_int_equal(we, 0);
    assert_int_equal(parley_session_timer(w->b.s, &iv, &we), 0);
    assert_int_equal(iv, 600);
    assert_int_equal(we, 1);
    /* B refreshes every 300 s; the refresh is the stack's own, one Session-Expires */
    size_t before = vnet_count(w->n);
    vnet_run(w->n, 301000);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "UPDATE"), 1);
    const vnet_packet *upd = sp_last(w->n, A_ADDR, "UPDATE");
    assert_string_equal(hdr(upd, "Session-Expires"), "600;refresher=uac");
    assert_string_equal(hdr_nth(upd, "Session-Expires", 1), "");
    world_assert_connected(w);
}

/* P sends A an INVITE with an offer (branch, tags and Call-ID from id) and the extra lines
 * `extra`; 10 ms later. */
static void peer_invites_with(world *w, const char *id, const char *extra)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bK%s\r\nFrom: <" P_URI ">;tag=%s\r\nTo: <sip:node@10.0.0.1:5060>\r\n"
             "Call-ID: %s@p\r\nCSeq: 1 INVITE\r\nContact: <" P_URI ">\r\nMax-Forwards: 70\r\n"
             "%sContent-Type: application/x-test\r\n",
             id, id, id, extra);
    sp_send(w->n, P_ADDR, A_ADDR, head, "offer-p");
    vnet_run(w->n, 10);
}

/* On a 2xx the application's Session-Expires sets the interval and the refresher, within what
 * RFC 4028 §9 allows a UAS: the stack prints the one header field with its refresher (and
 * Require: timer when the caller refreshes); below the Min-SE it is raised to it; "uac" for a
 * caller without timer support becomes "uas". */
static void test_timer_app_headers_2xx(void **state)
{
    world *w = *state;
    w->a.on_incoming = PARTY_ACCEPT;
    /* a caller without the timer: 60;refresher=uac goes as 90;refresher=uas, A refreshes */
    static const parley_header uac60[] = {{"Session-Expires", "60;refresher=uac"}};
    w->a.hdrs = uac60;
    w->a.nhdrs = 1;
    peer_invites_with(w, "se1", "");
    const vnet_packet *ok = vnet_find(w->n, P_ADDR, "SIP/2.0 200", 0);
    assert_non_null(ok);
    assert_string_equal(hdr(ok, "Session-Expires"), "90;refresher=uas");
    assert_string_equal(hdr_nth(ok, "Session-Expires", 1), "");
    assert_string_equal(hdr(ok, "Require"), "");
    unsigned iv = 0;
    int we = -1;
    assert_int_equal(parley_session_timer(w->a.s, &iv, &we), 0);
    assert_int_equal(iv, 90);
    assert_int_equal(we, 1);
    /* a caller with the timer and a value without refresher: the caller refreshes, told so */
    static const parley_header bare[] = {{"x", "1200"}};
    w->a.hdrs = bare;
    peer_invites_with(w, "se2", "Supported: timer\r\n");
    const vnet_packet *ok2 = vnet_find(w->n, P_ADDR, "SIP/2.0 200", 1);
    assert_non_null(ok2);
    assert_string_equal(hdr(ok2, "Call-ID"), "se2@p");
    assert_string_equal(hdr(ok2, "Session-Expires"), "1200;refresher=uac");
    assert_string_equal(hdr_nth(ok2, "Session-Expires", 1), "");
    assert_string_equal(hdr(ok2, "x"), "");
    assert_string_equal(hdr(ok2, "Require"), "timer");
    assert_int_equal(parley_session_timer(w->a.s, &iv, &we), 0);
    assert_int_equal(iv, 1200);
    assert_int_equal(we, 0);
}

/* The application's own Session-Expires on an INVITE that gets 422: not retried with the same
 * line; the 422 completes the call, for the application to try again with the Min-SE it names. */
static void test_timer_app_422_not_retried(void **state)
{
    world *w = *state;
    static const parley_header se300[] = {{"Session-Expires", "300"}};
    outcome o = {.n = w->n};
    parley_session *s = party_call(&w->a, B_URI);
    assert_non_null(s);
    w->b.on_incoming = PARTY_ACCEPT;
    assert_int_equal(parley_session_participate(s, se300, 1, outcome_cb, &o), 0);
    vnet_run(w->n, 30);
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 422", 0));
    assert_int_equal(sp_count(w->n, B_ADDR, "INVITE"), 1);
    outcome_assert_once(&o, 422);
}

/* 422 Session Interval Too Small (B's endpoint wants at least 1000 s: an INVITE is checked
 * before any session exists): one retry with the Min-SE it asks for. */
static int setup_b_min_se(void **state)
{
    parley_endpoint_config cb = PARLEY_ENDPOINT_CONFIG_INIT;
    cb.min_se = 1000;
    return setup_b(state, &cb);
}

static void test_timer_422_retry(void **state)
{
    world *w = *state;
    w->a.session_expires = 300;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 30);
    const vnet_packet *r422 = vnet_find(w->n, A_ADDR, "SIP/2.0 422", 0);
    assert_non_null(r422);
    assert_string_equal(hdr(r422, "Min-SE"), "1000");
    const vnet_packet *inv2 = vnet_find(w->n, B_ADDR, "INVITE", 1);
    assert_non_null(inv2);
    assert_string_equal(hdr(inv2, "Session-Expires"), "1000");
    assert_string_equal(hdr(inv2, "Min-SE"), "1000");
    assert_string_equal(hdr(inv2, "CSeq"), "2 INVITE");
    assert_int_equal(o.status, 200);
    unsigned iv = 0;
    assert_int_equal(parley_session_timer(w->a.s, &iv, NULL), 0);
    assert_int_equal(iv, 1000);
}

/* Each request may be retried once after 422 (RFC 4028 §7.4), not once in the session's life:
 * the INVITE's 422 (Min-SE 100) is retried with 100, and the refresh UPDATE's 422 (the peer
 * now wants 200) is retried too, with the Min-SE it names as its interval. */
static void test_timer_refresh_422_retry(void **state)
{
    world *w = *state;
    w->a.session_expires = 90;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 422, "Session Interval Too Small", NULL, "Min-SE: 100\r\n", NULL);
    vnet_run(w->n, 5);
    const vnet_packet *inv2 = vnet_find(w->n, P_ADDR, "INVITE", 1);
    assert_non_null(inv2);
    assert_string_equal(hdr(inv2, "Session-Expires"), "100");
    sp_reply(w->n, P_ADDR, inv2, 200, "OK", "p1",
             "Contact: <" P_URI ">\r\nAllow: INVITE, ACK, BYE, UPDATE\r\n"
             "Content-Type: application/x-test\r\nSession-Expires: 100;refresher=uac\r\n",
             "answer-p-1");
    vnet_run(w->n, 50005);
    assert_int_equal(o.status, 200);
    const vnet_packet *upd = vnet_find(w->n, P_ADDR, "UPDATE", 0);
    assert_non_null(upd);
    assert_string_equal(hdr(upd, "Session-Expires"), "100;refresher=uac");
    sp_reply(w->n, P_ADDR, upd, 422, "Session Interval Too Small", NULL, "Min-SE: 200\r\n", NULL);
    vnet_run(w->n, 5);
    const vnet_packet *upd2 = vnet_find(w->n, P_ADDR, "UPDATE", 1);
    assert_non_null(upd2);
    assert_string_not_equal(hdr(upd2, "CSeq"), hdr(upd, "CSeq"));
    assert_string_equal(hdr(upd2, "Session-Expires"), "200;refresher=uac");
    assert_string_equal(hdr(upd2, "Min-SE"), "200");
    sp_reply(w->n, P_ADDR, upd2, 200, "OK", NULL, "Session-Expires: 200;refresher=uac\r\n", NULL);
    vnet_run(w->n, 5);
    unsigned iv = 0;
    assert_int_equal(parley_session_timer(w->a.s, &iv, NULL), 0);
    assert_int_equal(iv, 200);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    /* a second 422 to the same refresh is not retried again */
    vnet_run(w->n, 100000);
    const vnet_packet *upd3 = vnet_find(w->n, P_ADDR, "UPDATE", 2);
    assert_non_null(upd3);
    sp_reply(w->n, P_ADDR, upd3, 422, "Session Interval Too Small", NULL, "Min-SE: 300\r\n", NULL);
    vnet_run(w->n, 5);
    const vnet_packet *upd4 = vnet_find(w->n, P_ADDR, "UPDATE", 3);
    assert_non_null(upd4);
    assert_string_equal(hdr(upd4, "Session-Expires"), "300;refresher=uac");
    sp_reply(w->n, P_ADDR, upd4, 422, "Session Interval Too Small", NULL, "Min-SE: 400\r\n", NULL);
    vnet_run(w->n, 5);
    assert_null(vnet_find(w->n, P_ADDR, "UPDATE", 4));
}

/* The refresher stops refreshing: the other side sends BYE at interval - min(32, interval/3)
 * and the session ends SessionTimerExpired. */
static void test_timer_expires(void **state)
{
    world *w = *state;
    w->a.session_expires = 120;
    outcome o = {0};
    peer_answers_timer(w, &o, "", "120;refresher=uas", 5);
    uint64_t at = vnet_now(w->n);
    vnet_run(w->n, 87000);
    assert_null(sp_last(w->n, P_ADDR, "BYE"));
    vnet_run(w->n, 2000);
    const vnet_packet *bye = vnet_find(w->n, P_ADDR, "BYE", 0);
    assert_non_null(bye);
    if (!(bye->sent_at - at >= 87990 && bye->sent_at - at <= 88010))
        fail_msg("BYE %llu ms after the 200", (unsigned long long)(bye->sent_at - at));
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(w->a.reasons[w->a.nstates - 1], PARLEY_REASON_SESSION_TIMER_EXPIRED);
}

/* A refresh re-INVITE that meets 491 waits and tries again (RFC 3261 §14.1); one that meets
 * 481 ends the session. */
static void test_timer_refresh_491_then_481(void **state)
{
    world *w = *state;
    w->a.session_expires = 90;
    outcome o = {0};
    peer_answers_timer(w, &o, ALLOW_NO_UPDATE, "90;refresher=uac", 45005);
    const vnet_packet *re = vnet_find(w->n, P_ADDR, "INVITE", 1);
    assert_non_null(re);
    sp_reply(w->n, P_ADDR, re, 491, "Request Pending", NULL, NULL, NULL);
    vnet_run(w->n, 5000);
    const vnet_packet *again = vnet_find(w->n, P_ADDR, "INVITE", 2);
    assert_non_null(again);
    assert_string_equal(sp_body(again), "offer-a-1");
    sp_reply(w->n, P_ADDR, again, 481, "Call/Transaction Does Not Exist", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
}

/* The first refresh UPDATE is lost: its transaction sends it again; nothing else changes. */
static void test_timer_refresh_lost_once(void **state)
{
    world *w = *state;
    w->a.session_expires = 90;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 20);
    world_drop(w, A_ADDR, "UPDATE", 0, 1);
    vnet_run(w->n, 46000);
    assert_int_equal(sp_count(w->n, B_ADDR, "UPDATE"), 1);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "UPDATE"), 2);
    vnet_run(w->n, 600000);
    world_assert_connected(w);
}

/* ---- reliable provisional responses ---- */

/* Offer in the INVITE, answer in a reliable 183 (Require: 100rel, RSeq), PRACK (RAck), its
 * 200; the callee's 200 waits for the PRACK and repeats no SDP. */
static void test_100rel_answer_in_183(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_call_b(w, PARTY_RING_EARLY, &o, 20);
    const vnet_packet *p183 = vnet_find(w->n, A_ADDR, "SIP/2.0 183", 0);
    assert_non_null(p183);
    assert_string_equal(hdr(p183, "Require"), "100rel");
    assert_string_not_equal(hdr(p183, "RSeq"), "");
    assert_string_equal(sp_body(p183), "answer-to:offer-a-1");
    const vnet_packet *prack = vnet_find(w->n, B_ADDR, "PRACK", 0);
    assert_non_null(prack);
    assert_rack(p183, prack);
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)); /* the PRACK's */
    assert_one_early_183(w);
    assert_non_null(strstr(w->a.xlog[0], ":rel:answer"));
    assert_xlog(&w->b, "prack");
    b_answers(w, &o);
    const vnet_packet *ok = sp_last(w->n, A_ADDR, "SIP/2.0 200");
    assert_string_equal(hdr(ok, "CSeq"), "1 INVITE");
    assert_string_equal(sp_body(ok), ""); /* the answer went reliably: not repeated */
    assert_log(&w->b, B_ANSWERED_LOG);
}

/* No offer in the INVITE: the callee's offer rides in a reliable 183, the answer in the
 * PRACK; the 200 and the ACK carry nothing. */
static void test_100rel_offer_in_183(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    outcome o = {0};
    world_call_b(w, PARTY_RING_EARLY, &o, 20);
    const vnet_packet *p183 = vnet_find(w->n, A_ADDR, "SIP/2.0 183", 0);
    assert_string_equal(sp_body(p183), "offer-b-1");
    const vnet_packet *prack = vnet_find(w->n, B_ADDR, "PRACK", 0);
    assert_string_equal(sp_body(prack), "answer-to:offer-b-1");
    assert_string_equal(w->b.last_answer_seen, "answer-to:offer-b-1");
    b_answers(w, &o);
    assert_string_equal(sp_body(sp_last(w->n, A_ADDR, "SIP/2.0 200")), "");
    assert_string_equal(sp_body(vnet_find(w->n, B_ADDR, "ACK", 0)), "");
    char x[512];
    party_xlog_str(&w->a, x, sizeof(x));
    assert_non_null(strstr(x, ":rel:offer"));
    assert_int_equal(party_index(&w->a, "offer_in_response", 0), -1);
}

/* No offer in the INVITE and a reliable 180 without early media asked for: the first reliable
 * non-failure response must carry the offer all the same (RFC 3261 §13.2.1, RFC 3262 §5); the
 * answer comes in the PRACK, a second reliable 180 and the 200 carry nothing. */
static void test_100rel_offer_in_reliable_180(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    outcome o = {0};
    world_call_b(w, PARTY_LEAVE, &o, 20);
    assert_int_equal(parley_session_provisional(w->b.s, 180, NULL, NULL, 0, PARLEY_PROV_RELIABLE),
                     0);
    vnet_run(w->n, 20);
    const vnet_packet *p180 = vnet_find(w->n, A_ADDR, "SIP/2.0 180", 0);
    assert_non_null(p180);
    assert_string_equal(hdr(p180, "Require"), "100rel");
    assert_string_equal(sp_body(p180), "offer-b-1");
    const vnet_packet *prack = vnet_find(w->n, B_ADDR, "PRACK", 0);
    assert_non_null(prack);
    assert_string_equal(sp_body(prack), "answer-to:offer-b-1");
    assert_string_equal(w->b.last_answer_seen, "answer-to:offer-b-1");
    assert_int_equal(parley_session_provisional(w->b.s, 180, NULL, NULL, 0, PARLEY_PROV_RELIABLE),
                     0);
    vnet_run(w->n, 20);
    const vnet_packet *again = vnet_find(w->n, A_ADDR, "SIP/2.0 180", 1);
    assert_non_null(again);
    assert_string_equal(sp_body(again), "");
    b_answers(w, &o);
    assert_int_equal(o.status, 200);
    assert_string_equal(sp_body(sp_last(w->n, A_ADDR, "SIP/2.0 200")), "");
    assert_string_equal(sp_body(vnet_find(w->n, B_ADDR, "ACK", 0)), "");
}

/* The PRACK is lost: the 183 comes again (T1), the PRACK's transaction sends it again; the 200
 * the callee asked for meanwhile waits for it. */
static void test_100rel_prack_lost_200_waits(void **state)
{
    world *w = *state;
    world_drop(w, A_ADDR, "PRACK", 0, 1);
    outcome o = {0};
    world_call_b(w, PARTY_RING_EARLY, &o, 20);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 100);
    assert_null(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)); /* held for the PRACK */
    vnet_run(w->n, 1000);
    assert_true(sp_count(w->n, A_ADDR, "SIP/2.0 183") >= 2);
    const vnet_packet *prack = vnet_find(w->n, B_ADDR, "PRACK", 0);
    assert_non_null(prack);
    assert_int_equal(o.status, 200);
    /* the 200 to the INVITE left after the PRACK arrived */
    for (size_t i = 0; i < vnet_count(w->n); i++) {
        const vnet_packet *p = vnet_get(w->n, i);
        if (!strcmp(p->first_line, "SIP/2.0 200 OK") && !strcmp(hdr(p, "CSeq"), "1 INVITE")) {
            assert_true(p->sent_at >= prack->deliver_at);
            break;
        }
    }
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

/* A caller that never PRACKs: the 183 is retransmitted (T1 doubling) for 64*T1, then the
 * INVITE gets 504 and the session ends. */
static void test_100rel_no_prack_504(void **state)
{
    world *w = *state;
    w->a.on_incoming = PARTY_RING_EARLY;
    peer_invites_100rel(w, "np");
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 183"), 1);
    vnet_run(w->n, 31600);
    /* again after 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s (T1 doubling) */
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 183"), 7);
    assert_null(vnet_find(w->n, P_ADDR, "SIP/2.0 504", 0));
    vnet_run(w->n, 500);
    assert_non_null(vnet_find(w->n, P_ADDR, "SIP/2.0 504", 0));
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
}

/* A PRACK that matches no reliable 1xx gets 481; the right one 200. */
static void test_prack_481(void **state)
{
    world *w = *state;
    w->a.on_incoming = PARTY_RING_EARLY;
    peer_invites_100rel(w, "pr");
    const vnet_packet *p183 = vnet_find(w->n, P_ADDR, "SIP/2.0 183", 0);
    unsigned rseq = (unsigned)atoi(hdr(p183, "RSeq"));
    char head[1024];
    for (int i = 0; i < 2; i++) {
        snprintf(head, sizeof(head),
                 "PRACK sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
                 ";branch=z9hG4bKpk%d\r\nFrom: <" P_URI ">;tag=pr\r\nTo: %s\r\nCall-ID: pr@p\r\n"
                 "CSeq: %d PRACK\r\nRAck: %u 1 INVITE\r\nMax-Forwards: 70\r\n",
                 i, hdr(p183, "To"), 2 + i, i == 0 ? rseq + 5 : rseq);
        sp_send(w->n, P_ADDR, A_ADDR, head, NULL);
        vnet_run(w->n, 5);
    }
    assert_non_null(vnet_find(w->n, P_ADDR, "SIP/2.0 481", 0));
    assert_string_equal(hdr(sp_last(w->n, P_ADDR, "SIP/2.0 200"), "CSeq"), "3 PRACK");
    assert_xlog(&w->a, "prack");
}

/* UAC: a reliable 1xx is taken once and in order (RFC 3262 §4): a retransmission is ignored,
 * one that skips an RSeq too. */
static void test_100rel_rseq_order(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    assert_non_null(strstr(hdr(inv, "Supported"), "100rel"));
    const char *rel = "Contact: <" P_URI ">\r\nRequire: 100rel\r\nRSeq: %u\r\n";
    char extra[256];
    unsigned seq[] = {10, 10, 12, 11};
    for (int i = 0; i < 4; i++) {
        snprintf(extra, sizeof(extra), rel, seq[i]);
        sp_reply(w->n, P_ADDR, inv, 180, "Ringing", "p1", extra, NULL);
        vnet_run(w->n, 5);
    }
    assert_int_equal(sp_count(w->n, P_ADDR, "PRACK"), 2);
    assert_string_equal(hdr(vnet_find(w->n, P_ADDR, "PRACK", 0), "RAck"), "10 1 INVITE");
    assert_string_equal(hdr(vnet_find(w->n, P_ADDR, "PRACK", 1), "RAck"), "11 1 INVITE");
    assert_int_equal(w->a.provisionals, 2);
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    sp_reply(w->n, P_ADDR, inv, 487, "Request Terminated", "p1", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(o.calls, 1);
}

/* Loss on every leg of a reliable 183 (RFC 3262 §3, §4): the 183 itself, the PRACK and the
 * PRACK's 200 are each lost once. The 183 comes again at T1, the PRACK's transaction sends the
 * PRACK again (Timer E) and the callee's transaction answers the copy with the same 200; each
 * side sees the exchange once, and the call connects. */
static void test_100rel_loss_every_leg(void **state)
{
    world *w = *state;
    world_drop(w, B_ADDR, "SIP/2.0 183", 0, 1);
    world_drop(w, A_ADDR, "PRACK", 0, 1);
    world_drop(w, B_ADDR, "SIP/2.0 200", 0, 1); /* the PRACK's: the callee has not answered */
    outcome o = {0};
    world_call_b(w, PARTY_RING_EARLY, &o, 5000);
    assert_true(vnet_count_match(w->n, B_ADDR, "SIP/2.0 183") >= 2);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "PRACK"), 3); /* lost, unanswered, answered */
    assert_int_equal(vnet_count_match(w->n, B_ADDR, "SIP/2.0 200"), 2);
    const vnet_packet *p183 = vnet_find(w->n, A_ADDR, "SIP/2.0 183", 0);
    const vnet_packet *pr = vnet_find(w->n, B_ADDR, "PRACK", 0);
    assert_non_null(p183);
    assert_non_null(pr);
    assert_rack(p183, pr);
    /* both copies the callee got belong to one transaction */
    assert_string_equal(hdr(sp_last(w->n, B_ADDR, "PRACK"), "Via"), hdr(pr, "Via"));
    assert_one_early_183(w);
    assert_xlog(&w->b, "prack");
    b_answers(w, &o);
    world_assert_connected(w);
}

/* UAC, forked INVITE: each early dialog has its own RSeq space and gets its own PRACK (its To
 * tag, its RAck); a duplicate on one fork is not PRACKed again, the next RSeq of another is. */
static void test_100rel_prack_per_fork(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    const char *rel = "Contact: <" P_URI ">\r\nRequire: 100rel\r\nRSeq: %u\r\n"
                      "Content-Type: application/x-test\r\n";
    struct {
        const char *tag;
        unsigned rseq;
        const char *body;
    } steps[] = {{"f1", 5, "answer-f1"},
                 {"f2", 77, "answer-f2"},
                 {"f2", 77, "answer-f2"},
                 {"f1", 6, NULL},
                 {"f2", 78, NULL}};
    char extra[256];
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        snprintf(extra, sizeof(extra), rel, steps[i].rseq);
        sp_reply(w->n, P_ADDR, inv, steps[i].body ? 183 : 180,
                 steps[i].body ? "Session Progress" : "Ringing", steps[i].tag, extra,
                 steps[i].body);
        vnet_run(w->n, 5);
    }
    assert_int_equal(sp_count(w->n, P_ADDR, "PRACK"), 4);
    static const char *const want[4][2] = {
        {"f1", "5 1 INVITE"}, {"f2", "77 1 INVITE"}, {"f1", "6 1 INVITE"}, {"f2", "78 1 INVITE"}};
    for (size_t i = 0; i < 4; i++)
        peer_oks_prack(w, i, want[i][0], want[i][1], NULL);
    assert_xlog(&w->a, "early_media:183:f1:rel:answer|early_media:183:f2:rel:answer");
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "f2",
             "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n", "answer-f2");
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
    assert_string_equal(w->a.last_answer_seen, "answer-f2");
    char tag[64];
    assert_string_equal(sp_tag(sp_last(w->n, P_ADDR, "ACK"), "To", tag, sizeof(tag)), "f2");
}

/* Policies: a caller requiring 100rel gets 420 from a callee without it; a callee requiring
 * it answers 421 to a caller without it. */
/* A Require the applications give that names the option the stack requires already: the
 * stack adds no second "100rel" (the INVITE, the reliable 180) and no second "timer" (a 2xx
 * that leaves the refreshes to the caller). B rings with no flags and its policy only
 * supports 100rel: the INVITE requires it, so the 180 goes reliably (RFC 3262 §3). */
static void test_require_not_repeated(void **state)
{
    world *w = *state;
    w->a.rel100 = PARLEY_100REL_REQUIRED;
    w->a.session_expires = 1800;
    static const parley_header b_hdrs[] = {{"Require", "100rel, timer"}};
    w->b.hdrs = b_hdrs;
    w->b.nhdrs = 1;
    w->b.on_incoming = PARTY_RING;
    static const parley_header a_hdrs[] = {{"Require", "100rel"}};
    outcome o = {.n = w->n};
    parley_session *s = party_call(&w->a, B_URI);
    assert_non_null(s);
    assert_int_equal(parley_session_participate(s, a_hdrs, 1, outcome_cb, &o), 0);
    vnet_run(w->n, 20);
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    assert_string_equal(hdr(inv, "Require"), "100rel");
    assert_string_equal(hdr_nth(inv, "Require", 1), "");
    const vnet_packet *p180 = vnet_find(w->n, A_ADDR, "SIP/2.0 180", 0);
    assert_string_equal(hdr(p180, "Require"), "100rel, timer");
    assert_string_equal(hdr_nth(p180, "Require", 1), "");
    assert_string_not_equal(hdr(p180, "RSeq"), ""); /* B's 180 goes reliably: RFC 3262 §3 */
    assert_int_equal(parley_session_participate(w->b.s, b_hdrs, 1, NULL, NULL), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o.status, 200);
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 1); /* after the PRACK's */
    assert_string_equal(ok->method, "INVITE");
    assert_string_equal(hdr(ok, "Session-Expires"), "1800;refresher=uac");
    assert_string_equal(hdr(ok, "Require"), "100rel, timer");
    assert_string_equal(hdr_nth(ok, "Require", 1), "");
}

static void test_100rel_required_vs_none(void **state)
{
    world *w = *state;
    w->a.rel100 = PARLEY_100REL_REQUIRED;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 20);
    assert_string_equal(hdr(vnet_find(w->n, B_ADDR, "INVITE", 0), "Require"), "100rel");
    assert_int_equal(o.status, 420);
    assert_string_equal(hdr(vnet_find(w->n, A_ADDR, "SIP/2.0 420", 0), "Unsupported"), "100rel");
}

static void test_100rel_421(void **state)
{
    world *w = *state;
    w->a.rel100 = PARLEY_100REL_UNSUPPORTED;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 20);
    assert_null(strstr(hdr(vnet_find(w->n, B_ADDR, "INVITE", 0), "Supported"), "100rel"));
    assert_int_equal(o.status, 421);
    assert_string_equal(hdr(vnet_find(w->n, A_ADDR, "SIP/2.0 421", 0), "Require"), "100rel");
}

/* ---- early media per fork ---- */

static void test_early_media_per_fork(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    const char *ct = "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n";
    sp_reply(w->n, P_ADDR, inv, 183, "Session Progress", "f1", ct, "answer-f1");
    vnet_run(w->n, 5);
    sp_reply(w->n, P_ADDR, inv, 183, "Session Progress", "f2", ct, "answer-f2");
    vnet_run(w->n, 5);
    assert_xlog(&w->a, "early_media:183:f1:unrel:answer|early_media:183:f2:unrel:answer");
    assert_string_equal(w->a.last_early, "answer-f2");
    assert_string_equal(w->a.last_answer_seen, "answer-f1"); /* the first, until a 2xx */
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "f2", ct, "answer-f2");
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
    assert_string_equal(w->a.last_answer_seen, "answer-f2"); /* the fork that answered */
}

/* An INVITE without offer, forked: each fork offers in its own reliable 183 and gets its own
 * answer in its PRACK (RFC 3262 §5), each reported as early media; the 2xx of the first fork
 * makes the session, and the description in force is that fork's (a refresh re-INVITE
 * repeats the answer we gave it, not the one the other fork got). */
static void test_early_offers_per_fork(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    w->a.session_expires = 90;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    assert_string_equal(sp_body(inv), "");
    const char *rel = "Contact: <" P_URI ">\r\nRequire: 100rel\r\nRSeq: 1\r\n"
                      "Content-Type: application/x-test\r\n";
    sp_reply(w->n, P_ADDR, inv, 183, "Session Progress", "f1", rel, "offer-f1");
    vnet_run(w->n, 5);
    sp_reply(w->n, P_ADDR, inv, 183, "Session Progress", "f2", rel, "offer-f2");
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, P_ADDR, "PRACK"), 2);
    peer_oks_prack(w, 0, "f1", NULL, "answer-to:offer-f1");
    peer_oks_prack(w, 1, "f2", NULL, "answer-to:offer-f2");
    assert_xlog(&w->a, "early_media:183:f1:rel:offer|early_media:183:f2:rel:offer");
    /* the first fork answers: no body in its 2xx, none in the ACK */
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "f1",
             "Contact: <" P_URI ">\r\nAllow: INVITE, ACK, BYE\r\n"
             "Session-Expires: 90;refresher=uac\r\n",
             NULL);
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
    assert_string_equal(sp_body(sp_last(w->n, P_ADDR, "ACK")), "");
    assert_int_equal(party_index(&w->a, "offer_in_response", 0), -1);
    vnet_run(w->n, 46000);
    const vnet_packet *re = vnet_find(w->n, P_ADDR, "INVITE", 1);
    assert_non_null(re);
    char tag[64];
    assert_string_equal(sp_tag(re, "To", tag, sizeof(tag)), "f1");
    assert_string_equal(sp_body(re), "answer-to:offer-f1");
}

/* The same INVITE without offer, where the fork that answers made no early offer: its offer
 * is in the 2xx and gets its answer in the ACK, whatever the other fork did. */
static void test_early_offer_other_fork_answers(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 183, "Session Progress", "f1",
             "Contact: <" P_URI ">\r\nRequire: 100rel\r\nRSeq: 1\r\n"
             "Content-Type: application/x-test\r\n",
             "offer-f1");
    vnet_run(w->n, 5);
    sp_reply(w->n, P_ADDR, vnet_find(w->n, P_ADDR, "PRACK", 0), 200, "OK", NULL, NULL, NULL);
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "f2",
             "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n", "offer-f2");
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
    const vnet_packet *ack = sp_last(w->n, P_ADDR, "ACK");
    char tag[64];
    assert_string_equal(sp_tag(ack, "To", tag, sizeof(tag)), "f2");
    assert_string_equal(sp_body(ack), "answer-to:offer-f2");
}

/* ---- UPDATE ---- */

static void test_update_confirmed(void **state)
{
    world *w = *state;
    world_connect(w);
    size_t before = vnet_count(w->n);
    outcome r = {0};
    a_updates(w, &r);
    vnet_run(w->n, 20);
    assert_int_equal(r.status, 200);
    const vnet_packet *upd = sp_last(w->n, B_ADDR, "UPDATE");
    assert_string_equal(sp_body(upd), "offer-a-2");
    assert_update_answered(w);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "ACK"), 0); /* UPDATE has no ACK */
}

/* An UPDATE whose offer's type the callee does not take: 415 with its Accept (RFC 3311 §5.2
 * leaves the session as it was), then an UPDATE it takes is answered. */
static void test_update_refused_type_415(void **state)
{
    world *w = *state;
    world_connect(w);
    w->b.refuse_type = "application/x-other";
    size_t before = vnet_count(w->n);
    outcome r = {0};
    a_updates(w, &r);
    vnet_run(w->n, 20);
    assert_int_equal(r.status, 415);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 415"), 1);
    assert_string_equal(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 415"), "Accept"), "application/x-other");
    w->b.refuse_type = NULL;
    outcome r2 = {0};
    a_updates(w, &r2);
    vnet_run(w->n, 20);
    assert_int_equal(r2.status, 200);
}

/* Loss on both legs of an UPDATE with an offer: the UPDATE is lost once, then its 200; the
 * UPDATE's transaction sends it again and the callee's answers the copy with the same 200 (the
 * offer is answered once, RFC 3311 §5.2). */
static void test_update_loss_every_leg(void **state)
{
    world *w = *state;
    world_connect(w);
    world_drop(w, A_ADDR, "UPDATE", 0, 1);
    world_drop(w, B_ADDR, "SIP/2.0 200", 0, 1);
    size_t before = vnet_count(w->n);
    outcome r = {0};
    a_updates(w, &r);
    vnet_run(w->n, 5000);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, 200);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "UPDATE"), 3);
    assert_int_equal(sp_count(w->n, B_ADDR, "UPDATE"), 2);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 200"), 2);
    assert_update_answered(w);
    world_assert_connected(w);
}

/* P's side of its dialog with A: P's requests come with the ACK's From/To swapped. */
typedef struct peer_dialog {
    char from[256], to[256], call_id[128];
} peer_dialog;

/* P's side of the dialog, from the ACK P got. */
static void peer_dialog_from_ack(world *w, peer_dialog *d)
{
    const vnet_packet *ack = vnet_find(w->n, P_ADDR, "ACK", 0);
    snprintf(d->from, sizeof(d->from), "%s", hdr(ack, "To"));
    snprintf(d->to, sizeof(d->to), "%s", hdr(ack, "From"));
    snprintf(d->call_id, sizeof(d->call_id), "%s", hdr(ack, "Call-ID"));
}

/* P sends A an in-dialog request (branch z9hG4bK<branch>, CSeq cseq) with body (NULL: none,
 * and no Content-Type). */
static void peer_request(world *w, const peer_dialog *d, const char *method, const char *branch,
                         int cseq, const char *body)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "%s sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bK%s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
             "Contact: <" P_URI ">\r\nMax-Forwards: 70\r\n%s",
             method, branch, d->from, d->to, d->call_id, cseq, method,
             body ? "Content-Type: application/x-test\r\n" : "");
    sp_send(w->n, P_ADDR, A_ADDR, head, body);
}

/* An UPDATE offer while ours is outstanding gets 491; while the peer's re-INVITE offer waits
 * for our answer, 500 with Retry-After (RFC 3311 §5.2); one without a body is a refresh (200). */
static void test_update_glare_and_pending(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_connect_peer(w, "p1", &o);
    peer_dialog d;
    peer_dialog_from_ack(w, &d);
    /* our UPDATE is outstanding: theirs gets 491 */
    outcome r = {0};
    a_updates(w, &r);
    vnet_run(w->n, 2);
    peer_request(w, &d, "UPDATE", "u1", 10, "offer-p-2");
    vnet_run(w->n, 3);
    assert_non_null(vnet_find(w->n, P_ADDR, "SIP/2.0 491", 0));
    const vnet_packet *mine = sp_last(w->n, P_ADDR, "UPDATE");
    sp_reply(w->n, P_ADDR, mine, 200, "OK", NULL,
             "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n", "answer-p-2");
    vnet_run(w->n, 5);
    assert_int_equal(r.status, 200);
    /* no body: a refresh, 200 */
    peer_request(w, &d, "UPDATE", "u2", 11, NULL);
    vnet_run(w->n, 5);
    assert_string_equal(hdr(sp_last(w->n, P_ADDR, "SIP/2.0 200"), "CSeq"), "11 UPDATE");
    /* their re-INVITE waits for our answer (deferred): their UPDATE offer gets 500 */
    w->a.defer_reinvite = 1;
    peer_request(w, &d, "INVITE", "u3", 12, "offer-p-3");
    vnet_run(w->n, 5);
    assert_non_null(w->a.pending_reinvite);
    peer_request(w, &d, "UPDATE", "u4", 13, "offer-p-4");
    vnet_run(w->n, 5);
    const vnet_packet *r500 = sp_last(w->n, P_ADDR, "SIP/2.0 500");
    assert_non_null(r500);
    assert_string_not_equal(hdr(r500, "Retry-After"), "");
    assert_int_equal(parley_reinvite_accept(w->a.pending_reinvite, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
}

/* The response P got to the UPDATE with CSeq cseq: its status line must start with status. */
static void assert_update_status(world *w, int cseq, const char *status)
{
    char want[32];
    snprintf(want, sizeof(want), "%d UPDATE", cseq);
    const vnet_packet *r = NULL;
    for (size_t i = 0; i < vnet_count(w->n); i++) {
        const vnet_packet *p = vnet_get(w->n, i);
        if (!strcmp(p->dst, P_ADDR) && p->status && !strcmp(hdr(p, "CSeq"), want))
            r = p;
    }
    assert_non_null(r);
    assert_int_equal(strncmp(r->first_line, status, strlen(status)), 0);
}

/* P's INVITE to A (Call-ID and From tag id, 100rel supported), with offer body or none. */
static void peer_invites(world *w, const char *id, const char *body)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bK%s\r\nFrom: <" P_URI ">;tag=%s\r\nTo: <sip:node@10.0.0.1:5060>\r\n"
             "Call-ID: %s@p\r\nCSeq: 1 INVITE\r\nContact: <" P_URI ">\r\nMax-Forwards: 70\r\n"
             "Supported: 100rel\r\n%s",
             id, id, id, body ? "Content-Type: application/x-test\r\n" : "");
    sp_send(w->n, P_ADDR, A_ADDR, head, body);
    vnet_run(w->n, 10);
}

/* P's side of the early dialog of its INVITE id, from A's provisional prov. */
static void peer_dialog_from_prov(const vnet_packet *prov, const char *id, peer_dialog *d)
{
    snprintf(d->from, sizeof(d->from), "<" P_URI ">;tag=%s", id);
    snprintf(d->to, sizeof(d->to), "%s", hdr(prov, "To"));
    snprintf(d->call_id, sizeof(d->call_id), "%s@p", id);
}

/* RFC 3311 §5.2 counts the INVITE's own offer/answer in an early dialog: an UPDATE offer while
 * our INVITE's offer (or our offer in a reliable 183) waits for its answer gets 491, one while
 * their INVITE's offer waits for our answer 500 with Retry-After; the call goes on. */
static void test_update_early_offer_pending(void **state)
{
    world *w = *state;
    /* A's call to P never ends in the test: its participate completes at the teardown, after
     * this function returned (so o is not on its stack) */
    static outcome o;
    o = (outcome){0};
    /* A calls P with an offer; P rings without an answer and sends its own offer */
    const vnet_packet *inv = world_ring_peer(w, P_URI, "e1", &o);
    peer_dialog d;
    snprintf(d.from, sizeof(d.from), "%s;tag=e1", hdr(inv, "To"));
    snprintf(d.to, sizeof(d.to), "%s", hdr(inv, "From"));
    snprintf(d.call_id, sizeof(d.call_id), "%s", hdr(inv, "Call-ID"));
    peer_request(w, &d, "UPDATE", "e1u", 1, "offer-p-9");
    vnet_run(w->n, 5);
    assert_update_status(w, 1, "SIP/2.0 491");
    assert_string_equal(w->a.last_answer_seen, "");
    /* P calls A with an offer; A rings (180, no answer) and P offers again in an UPDATE */
    w->a.on_incoming = PARTY_RING;
    peer_invites(w, "e2", "offer-p");
    peer_dialog_from_prov(vnet_find(w->n, P_ADDR, "SIP/2.0 180", 0), "e2", &d);
    peer_request(w, &d, "UPDATE", "e2u", 2, "offer-p-2");
    vnet_run(w->n, 5);
    assert_update_status(w, 2, "SIP/2.0 500");
    assert_string_not_equal(hdr(sp_last(w->n, P_ADDR, "SIP/2.0 500"), "Retry-After"), "");
    assert_int_equal(parley_session_participate(w->a.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
    assert_string_equal(hdr(ok, "CSeq"), "1 INVITE");
    assert_string_equal(sp_body(ok), "answer-to:offer-p");
    /* P calls A without an offer; A's offer goes in a reliable 183, and P offers in an UPDATE
     * before its PRACK answered it */
    w->a.on_incoming = PARTY_RING_EARLY;
    peer_invites(w, "e3", NULL);
    const vnet_packet *p183 = vnet_find(w->n, P_ADDR, "SIP/2.0 183", 0);
    assert_non_null(p183);
    assert_string_not_equal(hdr(p183, "RSeq"), "");
    peer_dialog_from_prov(p183, "e3", &d);
    peer_request(w, &d, "UPDATE", "e3u", 3, "offer-p-3");
    vnet_run(w->n, 5);
    assert_update_status(w, 3, "SIP/2.0 491");
}

/* UPDATE in an early dialog, once the offer/answer of the reliable 183 is done. */
static void test_update_early(void **state)
{
    world *w = *state;
    outcome o = {0}, r = {0};
    world_call_b(w, PARTY_RING_EARLY, &o, 20);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_ALERTED);
    /* a re-INVITE cannot go in an early dialog; an UPDATE can */
    assert_int_equal(parley_session_renegotiate(w->a.s, 0, NULL, 0, NULL, NULL), PARLEY_E_STATE);
    a_updates(w, &r);
    vnet_run(w->n, 20);
    assert_int_equal(r.status, 200);
    assert_string_equal(sp_body(sp_last(w->n, B_ADDR, "UPDATE")), "offer-a-2");
    assert_string_equal(w->a.last_answer_seen, "answer-to:offer-a-2");
    assert_xlog(&w->b, "prack|update:offer");
    b_answers(w, &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_timer_refresh_by_update, setup),
        WORLD_TEST(test_timer_refresh_by_reinvite, setup),
        WORLD_TEST(test_timer_uas_refresher, setup),
        WORLD_TEST(test_timer_app_headers, setup),
        WORLD_TEST(test_timer_app_headers_2xx, setup),
        WORLD_TEST(test_timer_app_422_not_retried, setup_b_min_se),
        WORLD_TEST(test_timer_422_retry, setup_b_min_se),
        WORLD_TEST(test_timer_refresh_422_retry, setup),
        WORLD_TEST(test_timer_expires, setup),
        WORLD_TEST(test_timer_refresh_491_then_481, setup),
        WORLD_TEST(test_timer_refresh_lost_once, setup),
        WORLD_TEST(test_100rel_answer_in_183, setup),
        WORLD_TEST(test_100rel_offer_in_183, setup),
        WORLD_TEST(test_100rel_offer_in_reliable_180, setup),
        WORLD_TEST(test_100rel_prack_lost_200_waits, setup),
        WORLD_TEST(test_100rel_no_prack_504, setup),
        WORLD_TEST(test_prack_481, setup),
        WORLD_TEST(test_100rel_rseq_order, setup),
        WORLD_TEST(test_100rel_loss_every_leg, setup),
        WORLD_TEST(test_100rel_prack_per_fork, setup),
        WORLD_TEST(test_require_not_repeated, setup),
        WORLD_TEST(test_100rel_required_vs_none, setup_b_no_100rel),
        WORLD_TEST(test_100rel_421, setup_b_requires_100rel),
        WORLD_TEST(test_early_media_per_fork, setup),
        WORLD_TEST(test_early_offers_per_fork, setup),
        WORLD_TEST(test_early_offer_other_fork_answers, setup),
        WORLD_TEST(test_update_confirmed, setup),
        WORLD_TEST(test_update_refused_type_415, setup),
        WORLD_TEST(test_update_loss_every_leg, setup),
        WORLD_TEST(test_update_glare_and_pending, setup),
        WORLD_TEST(test_update_early, setup),
        WORLD_TEST(test_update_early_offer_pending, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
