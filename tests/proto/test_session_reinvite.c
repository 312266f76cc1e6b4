/*
 * Renegotiation: re-INVITEs from either side, the receiving side's accept, decline (the dialog
 * survives), provisional and cancelled, one at a time, glare (491 and its RFC 3261 §14.1 retry,
 * from one side and from both at once), 500 with Retry-After while an ACK is pending, the
 * failures that end the session (481, 408, timeout), BYE crossing a re-INVITE, loss.
 */
#include "test_util.h"

#include "world.h"

/* A calls B, B accepts; both Connected at 1003; logs cleared. */
static void connect_ab(world *w)
{
    world_connect(w);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

/* p's session starts a re-INVITE with a new offer (asserted started); r gets the outcome. */
static void reinvite(party *p, outcome *r)
{
    assert_int_equal(parley_session_renegotiate(p->s, 0, NULL, 0, outcome_cb, r), 0);
}

/* The nth (from 0) re-INVITE delivered to dst. */
static const vnet_packet *reinvite_to(world *w, const char *dst, size_t nth)
{
    /* the initial INVITE is the first one to B */
    return vnet_find(w->n, dst, "INVITE", nth + (strcmp(dst, B_ADDR) == 0 ? 1 : 0));
}

/* A renegotiates: offer in the re-INVITE, answer in the 200, ACK; B's application accepts. */
static void test_reinvite_from_caller(void **state)
{
    world *w = *state;
    connect_ab(w);
    outcome r = {0};
    r.n = w->n;
    parley_header h = {"X-Test", "reinv"};
    assert_int_equal(parley_session_renegotiate(w->a.s, 0, &h, 1, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, 0);
    assert_int_equal(r.status, 200);
    assert_log(&w->a, "get_offer|set_answer");
    assert_string_equal(w->a.last_answer_seen, "answer-to:offer-a-2");
    assert_log(&w->b, "offer_in_reinvite|get_answer|completed|reinvite_done:INVITE");
    /* the ACK carries the re-INVITE's headers too (read in on_completed) */
    assert_hlog(&w->b, "completed:reinv|reinvite_done:INVITE:reinv");
    assert_string_equal(w->b.last_offer_seen, "offer-a-2");
    const vnet_packet *inv = reinvite_to(w, B_ADDR, 0);
    assert_non_null(inv);
    char v[256];
    assert_string_equal(sp_header(inv, "CSeq", v, sizeof(v)), "2 INVITE");
    assert_string_equal(inv->first_line, "INVITE sip:node@10.0.0.2:5060 SIP/2.0");
    assert_string_equal(sp_body(inv), "offer-a-2");
    assert_true(sp_has(inv, "\r\nContact: <sip:node@10.0.0.1:5060>;epid="));
    assert_true(sp_has(inv, "\r\nX-Test: reinv\r\n"));
    char t1[64], t2[64];
    assert_string_equal(sp_tag(inv, "To", t1, sizeof(t1)), parley_session_to_tag(w->a.s));
    assert_string_equal(sp_tag(inv, "From", t2, sizeof(t2)), parley_session_from_tag(w->a.s));
    const vnet_packet *ack = sp_last(w->n, B_ADDR, "ACK");
    assert_string_equal(sp_header(ack, "CSeq", v, sizeof(v)), "2 ACK");
    assert_string_equal(sp_body(sp_last(w->n, A_ADDR, "SIP/2.0 200")), "answer-to:offer-a-2");
    assert_int_equal(w->a.ntrans, 0);
    assert_int_equal(w->b.ntrans, 0);
}

/* The callee renegotiates: its first request in the dialog. */
static void test_reinvite_from_callee(void **state)
{
    world *w = *state;
    connect_ab(w);
    outcome r = {0};
    reinvite(&w->b, &r);
    vnet_run(w->n, 10);
    assert_int_equal(r.status, 200);
    assert_log(&w->b, "get_offer|set_answer");
    assert_string_equal(w->b.last_answer_seen, "answer-to:offer-b-1");
    assert_log(&w->a, "offer_in_reinvite|get_answer|completed|reinvite_done:INVITE");
    const vnet_packet *inv = reinvite_to(w, A_ADDR, 0);
    char v[64];
    assert_string_equal(sp_header(inv, "CSeq", v, sizeof(v)), "1 INVITE");
    assert_string_equal(inv->first_line, "INVITE sip:node@10.0.0.1:5060 SIP/2.0");
    /* and the caller's next request continues its own CSeq */
    outcome m = {0};
    world_a_sends(w, PARLEY_MSG_INFO, &m);
    vnet_run(w->n, 10);
    assert_string_equal(sp_header(sp_last(w->n, B_ADDR, "INFO"), "CSeq", v, sizeof(v)), "2 INFO");
}

/* One re-INVITE at a time: a second one while ours is pending, or while the peer's waits for
 * our answer, is PARLEY_E_AGAIN with nothing sent; so is one while our 2xx waits for its ACK. */
static void test_one_at_a_time(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.defer_reinvite = 1;
    outcome r1 = {0}, r2 = {0}, r3 = {0};
    reinvite(&w->a, &r1);
    assert_int_equal(parley_session_renegotiate(w->a.s, 0, NULL, 0, outcome_cb, &r2),
                     PARLEY_E_AGAIN);
    vnet_run(w->n, 10);
    assert_non_null(w->b.pending_reinvite);
    size_t before = vnet_count(w->n);
    assert_int_equal(parley_session_renegotiate(w->b.s, 0, NULL, 0, outcome_cb, &r3),
                     PARLEY_E_AGAIN);
    assert_int_equal(parley_session_renegotiate(w->a.s, 0, NULL, 0, outcome_cb, &r2),
                     PARLEY_E_AGAIN);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count_since(w->n, before, NULL, "INVITE"), 0);
    assert_int_equal(r2.calls + r3.calls, 0);
    /* B accepts; until A's ACK arrives B may not start one either */
    world_drop(w, A_ADDR, "ACK", 0, 1);
    assert_int_equal(parley_reinvite_accept(w->b.pending_reinvite, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_session_renegotiate(w->b.s, 0, NULL, 0, outcome_cb, &r3),
                     PARLEY_E_AGAIN);
    vnet_run(w->n, 3000);
    assert_int_equal(r1.status, 200);
    reinvite(&w->b, &r3);
    vnet_run(w->n, 10);
    assert_int_equal(r3.status, 200);
}

/* A declined re-INVITE: the failure goes to the renegotiation, the old description and the
 * dialog stay; the decline carries the application's code, reason, headers and body. */
static void test_decline_keeps_dialog(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.defer_reinvite = 1;
    outcome r = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    parley_header h = {"X-Test", "no"};
    parley_content body = {"text/plain", "not now", 7};
    assert_int_equal(
        parley_reinvite_reject(w->b.pending_reinvite, 606, "Not Acceptable", &h, 1, &body), 0);
    assert_int_equal(parley_reinvite_accept(w->b.pending_reinvite, NULL, 0, NULL, NULL),
                     PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(r.status, 606);
    assert_string_equal(r.reason, "Not Acceptable");
    assert_string_equal(r.hdr, "no");
    const vnet_packet *resp = sp_last(w->n, A_ADDR, "SIP/2.0 606");
    assert_string_equal(sp_body(resp), "not now");
    assert_true(sp_has(resp, "\r\nContent-Type: text/plain\r\n"));
    assert_non_null(sp_last(w->n, B_ADDR, "ACK")); /* the transaction ACKs it */
    assert_log(&w->a, "get_offer");
    assert_string_equal(w->a.last_answer_seen, "answer-to:offer-a-1");
    world_assert_connected(w);
    /* the dialog still works, and another renegotiation too */
    w->b.defer_reinvite = 0;
    outcome m = {0}, r2 = {0};
    world_a_sends(w, PARLEY_MSG_INFO, &m);
    reinvite(&w->b, &r2);
    vnet_run(w->n, 10);
    assert_int_equal(m.status, 200);
    assert_int_equal(r2.status, 200);
    /* 0 is 488; codes outside 300-699 are refused */
    w->b.defer_reinvite = 1;
    outcome r3 = {0};
    reinvite(&w->a, &r3);
    vnet_run(w->n, 10);
    assert_int_equal(parley_reinvite_reject(w->b.pending_reinvite, 299, NULL, NULL, 0, NULL),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_reinvite_reject(w->b.pending_reinvite, 700, NULL, NULL, 0, NULL),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_reinvite_reject(w->b.pending_reinvite, 0, NULL, NULL, 0, NULL), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r3.status, 488);
}

/* An offer the application refuses (get_answer non-zero): 488, the dialog survives. */
static void test_refused_offer_488(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.refuse_offer = 1;
    outcome r = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    assert_int_equal(w->b.rc_accept, 0); /* accepted; the refusal comes from get_answer */
    assert_int_equal(r.status, 488);
    assert_log(&w->b, "offer_in_reinvite|get_answer");
    world_assert_connected(w);
    assert_int_equal(w->a.ntrans + w->b.ntrans, 0);
}

/* An offer whose content type the application does not take (get_answer returns
 * PARLEY_E_MEDIA_TYPE): 415 with its Accept, the dialog survives. */
static void test_refused_type_415(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.refuse_type = "application/x-other";
    outcome r = {0};
    size_t before = vnet_count(w->n);
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    assert_int_equal(r.status, 415);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 415"), 1);
    assert_string_equal(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 415"), "Accept"), "application/x-other");
    world_assert_connected(w);
    assert_int_equal(w->a.ntrans + w->b.ntrans, 0);
}

/* A provisional response to a re-INVITE, then the answer. */
static void test_provisional_then_accept(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.defer_reinvite = 1;
    outcome r = {0}, acc = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    parley_header h = {"X-Test", "wait"};
    assert_int_equal(parley_reinvite_provisional(w->b.pending_reinvite, 100, &h, 1),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_reinvite_provisional(w->b.pending_reinvite, 183, &h, 1), 0);
    vnet_run(w->n, 10);
    const vnet_packet *p = sp_last(w->n, A_ADDR, "SIP/2.0 183");
    assert_non_null(p);
    assert_true(sp_has(p, "\r\nX-Test: wait\r\n"));
    assert_int_equal(r.calls, 0);
    acc.n = w->n;
    assert_int_equal(parley_reinvite_accept(w->b.pending_reinvite, NULL, 0, outcome_cb, &acc), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.status, 200);
    /* the acceptance completes with the ACK */
    assert_int_equal(acc.calls, 1);
    assert_int_equal(acc.error, 0);
    assert_string_equal(acc.method, "ACK");
    assert_int_equal(w->a.provisionals, 0); /* on_provisional is for the initial INVITE */
}

/* Our renegotiation cancelled (the spec's TryCancelRenegotiateDescription): the CANCEL waits for
 * a provisional response to the re-INVITE (RFC 3261 §9.1: B's 100 Trying, 200 ms after it got
 * the re-INVITE its application keeps), B answers 487, the renegotiation completes with it and
 * the call goes on with the old description. Nothing pending: PARLEY_E_STATE. */
static void test_reinvite_cancel(void **state)
{
    world *w = *state;
    connect_ab(w);
    char old_answer[128];
    snprintf(old_answer, sizeof(old_answer), "%s", w->a.last_answer_seen);
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), PARLEY_E_STATE);
    w->b.defer_reinvite = 1;
    outcome r = {0};
    r.n = w->n;
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    assert_non_null(w->b.pending_reinvite);
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), 0);
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), 0); /* asked for already */
    vnet_run(w->n, 100);
    assert_int_equal(sp_count(w->n, B_ADDR, "CANCEL"), 0); /* no provisional yet */
    vnet_run(w->n, 200);
    assert_non_null(sp_last(w->n, A_ADDR, "SIP/2.0 100"));
    assert_int_equal(sp_count(w->n, B_ADDR, "CANCEL"), 1);
    const vnet_packet *inv = reinvite_to(w, B_ADDR, 0), *c = sp_last(w->n, B_ADDR, "CANCEL");
    char v1[128], v2[128];
    assert_string_equal(sp_header(c, "CSeq", v1, sizeof(v1)), "2 CANCEL");
    assert_string_equal(sp_header(c, "Via", v1, sizeof(v1)), sp_header(inv, "Via", v2, sizeof(v2)));
    assert_string_equal(sp_tag(c, "To", v1, sizeof(v1)), parley_session_to_tag(w->a.s));
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(r.status, 487);
    assert_log(&w->b, "offer_in_reinvite|reinvite_cancelled");
    assert_string_equal(w->a.last_answer_seen, old_answer); /* the old description stays */
    world_assert_connected(w);
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), PARLEY_E_STATE);
    /* and the next renegotiation goes through */
    w->b.defer_reinvite = 0;
    outcome r2 = {0};
    reinvite(&w->a, &r2);
    vnet_run(w->n, 10);
    outcome_assert_once(&r2, 200);
    assert_int_equal(sp_count(w->n, B_ADDR, "CANCEL"), 1);
    assert_int_equal(w->a.ntrans + w->b.ntrans, 0);
}

/* A provisional came already: the CANCEL goes at once. A 2xx that comes first wins: the
 * renegotiation succeeds and no CANCEL goes. */
static void test_reinvite_cancel_after_183_or_too_late(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.defer_reinvite = 1;
    outcome r = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    assert_int_equal(parley_reinvite_provisional(w->b.pending_reinvite, 183, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), 0);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count(w->n, B_ADDR, "CANCEL"), 1);
    outcome_assert_once(&r, 487);
    world_assert_connected(w);

    /* B answers before the cancel has gone anywhere: the answer completes it */
    outcome r2 = {0}, acc = {0};
    reinvite(&w->a, &r2);
    vnet_run(w->n, 10);
    assert_int_equal(parley_reinvite_accept(w->b.pending_reinvite, NULL, 0, outcome_cb, &acc), 0);
    vnet_run(w->n, 0); /* the 200 is on its way (1 ms a hop), no 1xx went before it */
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), 0);
    vnet_run(w->n, 500);
    outcome_assert_once(&r2, 200);
    assert_int_equal(acc.calls, 1);
    assert_int_equal(sp_count(w->n, B_ADDR, "CANCEL"), 1); /* only the first one's */
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), PARLEY_E_STATE);
    world_assert_connected(w);
}

/* A re-INVITE waiting to go again after a 491, or a renegotiation not started yet: it completes
 * PARLEY_E_ABORTED and nothing more goes on the wire. */
static void test_reinvite_cancel_glare_wait_and_unstarted(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.decline_reinvite = 491;
    outcome r = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    assert_int_equal(r.calls, 0); /* 491: waiting 2.1-4 s to go again */
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), 0);
    vnet_run(w->n, 5000);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_ABORTED);
    assert_non_null(reinvite_to(w, B_ADDR, 0));
    assert_null(reinvite_to(w, B_ADDR, 1)); /* the retry never went */
    assert_int_equal(sp_count(w->n, B_ADDR, "CANCEL"), 0);
    world_assert_connected(w);

    /* cancelled before its work started: no re-INVITE at all */
    w->b.decline_reinvite = 0;
    outcome r2 = {0};
    reinvite(&w->a, &r2);
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r2.calls, 1);
    assert_int_equal(r2.error, PARLEY_E_ABORTED);
    assert_null(reinvite_to(w, B_ADDR, 1));
    /* a renegotiation after these is not cancelled by them */
    outcome r3 = {0};
    reinvite(&w->a, &r3);
    vnet_run(w->n, 10);
    outcome_assert_once(&r3, 200);
    assert_int_equal(w->a.ntrans + w->b.ntrans, 0);
    /* an UPDATE not started yet is dropped the same way; one sent cannot be CANCELled */
    outcome u1 = {0}, u2 = {0};
    assert_int_equal(
        parley_session_renegotiate(w->a.s, PARLEY_RENEGOTIATE_UPDATE, NULL, 0, outcome_cb, &u1), 0);
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), 0);
    vnet_run(w->n, 10);
    assert_int_equal(u1.calls, 1);
    assert_int_equal(u1.error, PARLEY_E_ABORTED);
    assert_int_equal(sp_count(w->n, B_ADDR, "UPDATE"), 0);
    assert_int_equal(
        parley_session_renegotiate(w->a.s, PARLEY_RENEGOTIATE_UPDATE, NULL, 0, outcome_cb, &u2), 0);
    vnet_run(w->n, 0); /* its work ran: the UPDATE is on its way */
    assert_int_equal(parley_session_renegotiate_cancel(w->a.s), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    outcome_assert_once(&u2, 200);
    assert_int_equal(sp_count(w->n, B_ADDR, "UPDATE"), 1);
}

/* P calls B, B accepts and P ACKs; to_tag gets B's To tag; B's log cleared. */
static void peer_call_b(world *w, char *to_tag, size_t size)
{
    w->b.on_incoming = PARTY_ACCEPT;
    sp_send(w->n, P_ADDR, B_ADDR,
            "INVITE " B_URI " SIP/2.0\r\n"
            "Via: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKp1\r\n"
            "From: <" P_URI ">;tag=pt\r\nTo: <" B_URI ">\r\nCall-ID: peer-call\r\n"
            "CSeq: 1 INVITE\r\nContact: <" P_URI ">\r\nMax-Forwards: 70\r\n"
            "Content-Type: application/x-test\r\n",
            "offer-p-1");
    vnet_run(w->n, 10);
    sp_tag(vnet_find(w->n, P_ADDR, "SIP/2.0 200", 0), "To", to_tag, size);
    char head[1024];
    snprintf(head, sizeof(head),
             "ACK sip:node@10.0.0.2:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKp1a\r\n"
             "From: <" P_URI ">;tag=pt\r\nTo: <" B_URI ">;tag=%s\r\nCall-ID: peer-call\r\n"
             "CSeq: 1 ACK\r\nMax-Forwards: 70\r\n",
             to_tag);
    sp_send(w->n, P_ADDR, B_ADDR, head, NULL);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    party_clear(&w->b);
}

/* The headers of P's requests with an offer */
#define PEER_OFFER "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n"

/* P's request in its dialog with B (To tag to_tag), extra header lines and body (NULL: none). */
static void peer_request(world *w, const char *method, unsigned cseq, const char *branch,
                         const char *to_tag, const char *extra, const char *body)
{
    char head[2048];
    snprintf(head, sizeof(head),
             "%s sip:node@10.0.0.2:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP " P_ADDR ";branch=%s\r\n"
             "From: <" P_URI ">;tag=pt\r\nTo: <" B_URI ">;tag=%s\r\nCall-ID: peer-call\r\n"
             "CSeq: %u %s\r\nMax-Forwards: 70\r\n%s",
             method, branch, to_tag, cseq, method, extra ? extra : "");
    sp_send(w->n, P_ADDR, B_ADDR, head, body);
}

/* The peer CANCELs its re-INVITE before we answered: 487, reinvite_cancelled, the dialog
 * survives. */
static void test_reinvite_cancelled(void **state)
{
    world *w = *state;
    char tag[64];
    peer_call_b(w, tag, sizeof(tag));
    w->b.defer_reinvite = 1;
    peer_request(w, "INVITE", 2, "z9hG4bKre1", tag, PEER_OFFER, "offer-p-2");
    vnet_run(w->n, 10);
    assert_non_null(w->b.pending_reinvite);
    peer_request(w, "CANCEL", 2, "z9hG4bKre1", tag, NULL, NULL);
    vnet_run(w->n, 10);
    assert_log(&w->b, "offer_in_reinvite|reinvite_cancelled");
    const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
    assert_string_equal(ok->method, "CANCEL");
    const vnet_packet *term = sp_last(w->n, P_ADDR, "SIP/2.0 487");
    assert_non_null(term);
    assert_string_equal(term->method, "INVITE");
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(w->b.ntrans, 0);
    /* and the dialog goes on: the next re-INVITE is handled */
    w->b.defer_reinvite = 0;
    peer_request(w, "INVITE", 3, "z9hG4bKre2", tag, PEER_OFFER, "offer-p-3");
    vnet_run(w->n, 10);
    assert_string_equal(sp_body(sp_last(w->n, P_ADDR, "SIP/2.0 200")), "answer-to:offer-p-3");
}

/* A session refresh (RFC 4028) repeats the description in force: answered with ours, the
 * application not asked. A re-INVITE whose description changed by one byte (the same length) is
 * a new offer: the application answers it. (The session keeps a digest of the peer's
 * description, not its text.) */
static void test_refresh_told_from_same_length_offer(void **state)
{
    world *w = *state;
    char tag[64];
    peer_call_b(w, tag, sizeof(tag));
    const char *extra = "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n"
                        "Session-Expires: 1800;refresher=uac\r\n";
    peer_request(w, "INVITE", 2, "z9hG4bKrf1", tag, extra, "offer-p-1");
    vnet_run(w->n, 10);
    assert_int_equal(party_index(&w->b, "offer_in_reinvite", 0), -1);
    assert_string_equal(sp_body(sp_last(w->n, P_ADDR, "SIP/2.0 200")), "answer-to:offer-p-1");
    peer_request(w, "ACK", 2, "z9hG4bKrf1a", tag, NULL, NULL);
    vnet_run(w->n, 10);
    peer_request(w, "INVITE", 3, "z9hG4bKrf2", tag, extra, "offer-p-2");
    vnet_run(w->n, 10);
    assert_true(party_index(&w->b, "offer_in_reinvite", 0) >= 0);
    assert_string_equal(sp_body(sp_last(w->n, P_ADDR, "SIP/2.0 200")), "answer-to:offer-p-2");
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

/* Glare from one side: a re-INVITE arriving while ours is pending gets 491. */
static void test_glare_491_to_crossing_reinvite(void **state)
{
    world *w = *state;
    char tag[64];
    peer_call_b(w, tag, sizeof(tag));
    outcome r = {0};
    reinvite(&w->b, &r);
    vnet_run(w->n, 10);
    assert_non_null(sp_last(w->n, P_ADDR, "INVITE"));
    peer_request(w, "INVITE", 2, "z9hG4bKgl1", tag, PEER_OFFER, "offer-p-2");
    vnet_run(w->n, 10);
    const vnet_packet *g = sp_last(w->n, P_ADDR, "SIP/2.0 491");
    assert_non_null(g);
    assert_string_equal(g->method, "INVITE");
    assert_int_equal(w->b.reinvites, 0);
    assert_int_equal(r.calls, 0);
    /* ending the session fails the pending renegotiation */
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 0);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_TERMINATED);
}

/* A 491 is retried after the RFC 3261 §14.1 wait (the Call-ID's owner: 2.1-4 s; the other
 * side 0-2 s, in 10 ms units) and reported once: with the retry's outcome. */
static void test_491_retried_once(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.decline_reinvite = 491;
    outcome r = {0};
    r.n = w->n;
    uint64_t t0 = vnet_now(w->n);
    reinvite(&w->a, &r);
    vnet_run(w->n, 10);
    assert_int_equal(r.calls, 0);
    w->b.decline_reinvite = 0;
    vnet_run(w->n, 5000);
    outcome_assert_once(&r, 200);
    const vnet_packet *first = reinvite_to(w, B_ADDR, 0), *retry = reinvite_to(w, B_ADDR, 1);
    assert_non_null(retry);
    assert_null(reinvite_to(w, B_ADDR, 2));
    /* sent at t0, 491 back at t0 + 2, then the wait */
    assert_int_equal(first->sent_at, t0);
    uint64_t wait = retry->sent_at - (t0 + 2);
    assert_true(wait >= 2100 && wait <= 4000);
    char v[64];
    assert_string_equal(sp_header(retry, "CSeq", v, sizeof(v)), "3 INVITE");
    assert_log(&w->a, "get_offer|set_answer"); /* the same offer, asked once */
    assert_string_equal(sp_body(retry), "offer-a-2");

    /* the callee is not the Call-ID's owner: it waits 0-2 s; a second 491 is the outcome */
    w->a.decline_reinvite = 491;
    outcome r2 = {0};
    uint64_t t1 = vnet_now(w->n);
    reinvite(&w->b, &r2);
    vnet_run(w->n, 5000);
    assert_int_equal(r2.calls, 1);
    assert_int_equal(r2.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(r2.status, 491);
    const vnet_packet *b1 = reinvite_to(w, A_ADDR, 0), *b2 = reinvite_to(w, A_ADDR, 1);
    assert_non_null(b2);
    assert_null(reinvite_to(w, A_ADDR, 2));
    assert_int_equal(b1->sent_at, t1);
    wait = b2->sent_at - (t1 + 2);
    assert_true(wait <= 2000);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

/* Glare from both sides at once: both re-INVITEs get 491, both are retried (the callee first,
 * its wait being shorter) and both succeed, each reported once. */
static void test_glare_both_sides(void **state)
{
    world *w = *state;
    connect_ab(w);
    outcome ra = {0}, rb = {0};
    ra.n = rb.n = w->n;
    reinvite(&w->a, &ra);
    reinvite(&w->b, &rb);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count(w->n, NULL, "SIP/2.0 491"), 2);
    vnet_run(w->n, 5000);
    outcome_assert_once(&ra, 200);
    outcome_assert_once(&rb, 200);
    assert_true(rb.at < ra.at);
    assert_string_equal(w->a.last_answer_seen, "answer-to:offer-a-2");
    assert_string_equal(w->b.last_answer_seen, "answer-to:offer-b-1");
    assert_int_equal(w->a.reinvites, 1);
    assert_int_equal(w->b.reinvites, 1);
    assert_int_equal(sp_count(w->n, NULL, "SIP/2.0 491"), 2);
    world_assert_connected(w);
}

/* Glare, and the peer's retry comes first and waits for our application: our own retry waits
 * until that re-INVITE is done (RFC 3261 §14.1: no re-INVITE while another INVITE transaction
 * is in progress in either direction), then goes. */
static void test_glare_retry_waits_for_pending_reinvite(void **state)
{
    world *w = *state;
    connect_ab(w);
    outcome ra = {0}, rb = {0};
    ra.n = rb.n = w->n;
    w->a.defer_reinvite = 1;
    uint64_t t0 = vnet_now(w->n);
    reinvite(&w->a, &ra);
    reinvite(&w->b, &rb);
    vnet_run(w->n, 4500); /* B's retry (after 0-2 s) waits in A's application; A's wait ran out */
    assert_non_null(w->a.pending_reinvite);
    assert_int_equal(ra.calls + rb.calls, 0);
    assert_int_equal(sp_count(w->n, B_ADDR, "INVITE"), 2); /* the initial one and A's first */
    assert_int_equal(sp_count(w->n, NULL, "SIP/2.0 491"), 2);
    assert_int_equal(parley_reinvite_accept(w->a.pending_reinvite, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 100);
    outcome_assert_once(&rb, 200);
    outcome_assert_once(&ra, 200);
    assert_int_equal(sp_count(w->n, NULL, "SIP/2.0 491"), 2);
    /* A's retry went once B's re-INVITE was done: after the ACK for A's 200 */
    const vnet_packet *retry = vnet_find(w->n, B_ADDR, "INVITE", 2);
    assert_non_null(retry);
    assert_true(retry->sent_at > t0 + 4500);
}

/* A re-INVITE arriving while our 2xx waits for its ACK gets 500 with Retry-After 0-10; the
 * lost ACK is repaired by the 2xx retransmission, and the dialog goes on. */
static void test_500_while_ack_pending(void **state)
{
    world *w = *state;
    connect_ab(w);
    world_drop(w, A_ADDR, "ACK", 0, 1); /* the re-INVITE's ACK (the rule counts from now) */
    outcome r1 = {0}, r2 = {0};
    reinvite(&w->a, &r1);
    vnet_run(w->n, 10);
    assert_int_equal(r1.status, 200);
    assert_int_equal(w->b.completed, 0);
    reinvite(&w->a, &r2);
    vnet_run(w->n, 10);
    assert_int_equal(r2.calls, 1);
    assert_int_equal(r2.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(r2.status, 500);
    const vnet_packet *e = sp_last(w->n, A_ADDR, "SIP/2.0 500");
    char ra[32];
    sp_header(e, "Retry-After", ra, sizeof(ra));
    assert_true(ra[0] != '\0');
    assert_true(atoi(ra) >= 0 && atoi(ra) <= 10);
    assert_int_equal(w->b.reinvites, 1);
    /* B retransmits its 2xx at T1: A ACKs it again and B completes */
    vnet_run(w->n, 1000);
    assert_int_equal(w->b.completed, 1);
    world_assert_connected(w);
    vnet_run(w->n, 40000);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_null(vnet_find(w->n, NULL, "BYE", 0));
}

/* The same for the initial INVITE: its ACK is lost and the caller, Connected, renegotiates: the
 * callee (still Connecting) answers 500 with Retry-After. */
static void test_500_while_initial_ack_pending(void **state)
{
    world *w = *state;
    world_drop(w, A_ADDR, "ACK", 0, 1);
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0}, r = {0};
    parley_session *s = world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTING);
    assert_int_equal(parley_session_renegotiate(s, 0, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.status, 500);
    assert_true(sp_has(sp_last(w->n, A_ADDR, "SIP/2.0 500"), "\r\nRetry-After: "));
    vnet_run(w->n, 1000);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

/* The other way round: our ACK for the peer's 2xx has not gone yet (the application delays
 * it, or the answer it must carry is not ready) and the peer sends a re-INVITE: 500 with
 * Retry-After too (its INVITE transaction is not over); after the ACK it is handled. */
static void test_500_while_our_ack_pending(void **state)
{
    world *w = *state;
    w->a.delay_ack = 1;
    outcome o = {0};
    const vnet_packet *inv = world_connect_peer(w, "pt", &o);
    parley_session *s = w->a.s;
    assert_int_equal(o.status, 200);
    char from[256], cid[128], head[2048];
    sp_header(inv, "From", from, sizeof(from));
    sp_header(inv, "Call-ID", cid, sizeof(cid));
    for (int i = 0; i < 2; i++) {
        snprintf(head, sizeof(head),
                 "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
                 ";branch=z9hG4bKap%d\r\n"
                 "From: <" P_URI ">;tag=pt\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d INVITE\r\n"
                 "Contact: <" P_URI ">\r\nMax-Forwards: 70\r\n"
                 "Content-Type: application/x-test\r\n",
                 i, from, cid, i + 1);
        sp_send(w->n, P_ADDR, A_ADDR, head, "offer-p-2");
        vnet_run(w->n, 5);
        if (i == 0) {
            const vnet_packet *e = sp_last(w->n, P_ADDR, "SIP/2.0 ");
            assert_int_equal(e->status, 500);
            assert_true(sp_has(e, "\r\nRetry-After: "));
            assert_int_equal(w->a.reinvites, 0);
            /* nor may we start one before our ACK went */
            assert_int_equal(parley_session_renegotiate(s, 0, NULL, 0, NULL, NULL), PARLEY_E_AGAIN);
            assert_int_equal(parley_ack_send(w->a.ack, NULL, 0), 0);
            vnet_run(w->n, 5);
        }
    }
    assert_int_equal(sp_last(w->n, P_ADDR, "SIP/2.0 ")->status, 200);
    assert_int_equal(w->a.reinvites, 1);
}

/* A 481 to a re-INVITE ends the session (SessionDoesNotExist, no BYE); a 408 ends it with a
 * BYE (Timeout); both keep the old description. */
static void test_reinvite_481_and_408_end(void **state)
{
    world *w = *state;
    connect_ab(w);
    w->b.decline_reinvite = 481;
    outcome r = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 100);
    assert_int_equal(r.status, 481);
    assert_trans(&w->a, "Connected>Disconnected:SessionDoesNotExist:481");
    assert_null(vnet_find(w->n, B_ADDR, "BYE", 0));
    assert_log(&w->a, "get_offer|state:Disconnected:SessionDoesNotExist");

    party_clear(&w->a);
    party_clear(&w->b);
    w->b.decline_reinvite = 0;
    connect_ab(w);
    w->b.decline_reinvite = 408;
    outcome r2 = {0};
    reinvite(&w->a, &r2);
    vnet_run(w->n, 100);
    assert_int_equal(r2.status, 408);
    assert_trans(&w->a, "Connected>Disconnected:Timeout:408");
    assert_non_null(sp_last(w->n, B_ADDR, "BYE"));
    assert_trans(&w->b, "Connected>Disconnected:TerminatedRemotely:BYE");
}

/* No answer at all to a re-INVITE: Timer B, then BYE and Timeout. */
static void test_reinvite_timeout(void **state)
{
    world *w = *state;
    connect_ab(w);
    world_drop(w, A_ADDR, "INVITE", 0, 0);
    outcome r = {0};
    r.n = w->n;
    uint64_t t0 = vnet_now(w->n);
    reinvite(&w->a, &r);
    vnet_run(w->n, 40000);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_TIMEOUT);
    assert_int_equal(r.at, t0 + 32000);
    assert_trans(&w->a, "Connected>Disconnected:Timeout:-");
    assert_int_equal(sp_last(w->n, B_ADDR, "BYE")->sent_at, t0 + 32000);
    assert_trans(&w->b, "Connected>Disconnected:TerminatedRemotely:BYE");
}

/* BYE and re-INVITE cross: the BYE wins on both sides; the re-INVITE meets no dialog (481) and
 * the renegotiation fails with PARLEY_E_TERMINATED. */
static void test_bye_reinvite_crossing(void **state)
{
    world *w = *state;
    connect_ab(w);
    outcome r = {0}, t = {0};
    reinvite(&w->a, &r);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 100);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_TERMINATED);
    assert_int_equal(t.status, 200);
    assert_trans(&w->a, "Connected>Disconnected:TerminatedRemotely:BYE");
    assert_trans(&w->b, "Connected>Disconnected:TerminatedLocally:-");
    assert_int_equal(sp_last(w->n, A_ADDR, "SIP/2.0 481")->status, 481);
    assert_int_equal(w->b.reinvites, 0);
    vnet_run(w->n, 40000);
    assert_int_equal(r.calls, 1);
}

/* The ACK of a re-INVITE is lost: the 2xx comes again and is ACKed again. */
static void test_lost_reinvite_ack(void **state)
{
    world *w = *state;
    connect_ab(w);
    world_drop(w, A_ADDR, "ACK", 0, 1);
    outcome r = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 3000);
    outcome_assert_once(&r, 200);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "ACK"), 3);
    const vnet_packet *a2 = sp_last(w->n, B_ADDR, "ACK");
    char v[32];
    assert_string_equal(sp_header(a2, "CSeq", v, sizeof(v)), "2 ACK");
    assert_int_equal(w->b.completed, 1);
    vnet_run(w->n, 40000);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_null(vnet_find(w->n, NULL, "BYE", 0));
}

/* A 2xx without the answer to our offer (SIPp's -aa answers every UPDATE with a bare 200):
 * the renegotiation fails with PARLEY_E_UNUSABLE and the 2xx's status, a re-INVITE's 2xx is
 * ACKed all the same, set_answer is not called and the session stays up; the next offer is
 * answered as usual. (The renegotiations used to succeed, a hold the peer never answered
 * reported as done.) */
static void test_2xx_without_answer(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_connect_peer(w, "pt", &o);
    assert_int_equal(o.status, 200);
    party_clear(&w->a);
    outcome r = {0};
    reinvite(&w->a, &r);
    vnet_run(w->n, 5);
    const vnet_packet *re = vnet_find(w->n, P_ADDR, "INVITE", 1);
    assert_non_null(re);
    sp_reply(w->n, P_ADDR, re, 200, "OK", NULL, "Contact: <" P_URI ">\r\n", NULL);
    vnet_run(w->n, 5);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.error, PARLEY_E_UNUSABLE);
    char v[32];
    assert_string_equal(sp_header(sp_last(w->n, P_ADDR, "ACK"), "CSeq", v, sizeof(v)), "2 ACK");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);

    outcome u = {0};
    assert_int_equal(
        parley_session_renegotiate(w->a.s, PARLEY_RENEGOTIATE_UPDATE, NULL, 0, outcome_cb, &u), 0);
    vnet_run(w->n, 5);
    const vnet_packet *up = sp_last(w->n, P_ADDR, "UPDATE");
    assert_non_null(up);
    sp_reply(w->n, P_ADDR, up, 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(u.calls, 1);
    assert_int_equal(u.status, 200);
    assert_int_equal(u.error, PARLEY_E_UNUSABLE);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);

    outcome r2 = {0};
    reinvite(&w->a, &r2);
    vnet_run(w->n, 5);
    re = vnet_find(w->n, P_ADDR, "INVITE", 2);
    assert_non_null(re);
    sp_reply(w->n, P_ADDR, re, 200, "OK", NULL,
             "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n", "answer-p-2");
    vnet_run(w->n, 5);
    assert_int_equal(r2.calls, 1);
    assert_int_equal(r2.status, 200);
    assert_int_equal(r2.error, 0);
    assert_log(&w->a, "get_offer|get_offer|get_offer|set_answer");
    assert_int_equal(sp_count(w->n, P_ADDR, "ACK"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_reinvite_from_caller, world_setup_peer),
        WORLD_TEST(test_reinvite_from_callee, world_setup_peer),
        WORLD_TEST(test_one_at_a_time, world_setup_peer),
        WORLD_TEST(test_decline_keeps_dialog, world_setup_peer),
        WORLD_TEST(test_refused_offer_488, world_setup_peer),
        WORLD_TEST(test_refused_type_415, world_setup_peer),
        WORLD_TEST(test_provisional_then_accept, world_setup_peer),
        WORLD_TEST(test_reinvite_cancelled, world_setup_peer),
        WORLD_TEST(test_reinvite_cancel, world_setup_peer),
        WORLD_TEST(test_reinvite_cancel_after_183_or_too_late, world_setup_peer),
        WORLD_TEST(test_reinvite_cancel_glare_wait_and_unstarted, world_setup_peer),
        WORLD_TEST(test_refresh_told_from_same_length_offer, world_setup_peer),
        WORLD_TEST(test_glare_491_to_crossing_reinvite, world_setup_peer),
        WORLD_TEST(test_491_retried_once, world_setup_peer),
        WORLD_TEST(test_glare_both_sides, world_setup_peer),
        WORLD_TEST(test_glare_retry_waits_for_pending_reinvite, world_setup_peer),
        WORLD_TEST(test_500_while_ack_pending, world_setup_peer),
        WORLD_TEST(test_500_while_initial_ack_pending, world_setup_peer),
        WORLD_TEST(test_500_while_our_ack_pending, world_setup_peer),
        WORLD_TEST(test_reinvite_481_and_408_end, world_setup_peer),
        WORLD_TEST(test_reinvite_timeout, world_setup_peer),
        WORLD_TEST(test_bye_reinvite_crossing, world_setup_peer),
        WORLD_TEST(test_lost_reinvite_ack, world_setup_peer),
        WORLD_TEST(test_2xx_without_answer, world_setup_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
