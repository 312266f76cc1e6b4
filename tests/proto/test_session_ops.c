/*
 * The session operations and their refusals: participate (twice, after a CANCEL),
 * provisional, terminate in every state (CANCEL only after a provisional, CANCEL crossing a
 * 200, BYE, decline), pending operations failed by terminate, reject.
 */
#include "test_util.h"

#include "world.h"

/* A second participate fails with PARLEY_E_STATE and sends nothing, on both sides. */
static void test_participate_twice(void **state)
{
    world *w = *state;
    outcome o = {0}, o2 = {0}, ob = {0}, ob2 = {0};
    parley_session *s = world_call(w, B_URI, &o);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o2), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "INVITE"), 1);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob), 0);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob2), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count_match(w->n, B_ADDR, "SIP/2.0 200"), 1);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o2), PARLEY_E_STATE);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob2), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(o.calls, 1);
    assert_int_equal(ob.calls, 1);
    assert_int_equal(o2.calls + ob2.calls, 0);
    assert_int_equal(vnet_count(w->n), 3);
}

/* Provisional responses: 101-199 only, on an Incoming session only, reason phrases as given;
 * each one reaches the caller. */
static void test_provisional(void **state)
{
    world *w = *state;
    outcome o = {0};
    parley_session *s = world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    parley_session *b = w->b.s;
    assert_int_equal(parley_session_provisional(b, 100, NULL, NULL, 0, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_provisional(b, 200, NULL, NULL, 0, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_provisional(s, 180, NULL, NULL, 0, 0), PARLEY_E_STATE);
    assert_int_equal(parley_session_provisional(b, 101, NULL, NULL, 0, 0), 0);
    assert_int_equal(parley_session_provisional(b, 181, "Call Is Being Forwarded", NULL, 0, 0), 0);
    assert_int_equal(parley_session_provisional(b, 199, "Early Dialog Terminated", NULL, 0, 0), 0);
    vnet_run(w->n, 10);
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Alerted:ProvisionResponseReceived|"
                      "provisional:101|provisional:181|provisional:199");
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 181 Call Is Being Forwarded", 0));
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 101 ", 0));
    /* all with the same To tag: one early dialog */
    char t1[64], t2[64];
    sp_tag(vnet_find(w->n, A_ADDR, "SIP/2.0 101", 0), "To", t1, sizeof(t1));
    sp_tag(vnet_find(w->n, A_ADDR, "SIP/2.0 199", 0), "To", t2, sizeof(t2));
    assert_string_equal(t1, t2);
    assert_string_equal(t1, parley_session_to_tag(b));
    assert_int_equal(parley_session_participate(b, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_session_provisional(b, 180, NULL, NULL, 0, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
}

/* Terminate before any provisional: no CANCEL yet; the callee answers 200 straight away:
 * the 2xx is ACKed and BYEd; participate fails with PARLEY_E_TERMINATED, terminate completes
 * with the BYE's answer. */
static void test_terminate_before_provisional_then_200(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0};
    parley_session *s = world_call(w, B_URI, &o);
    t.n = w->n;
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 1);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_null(vnet_find(w->n, B_ADDR, "CANCEL", 0));
    assert_non_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    assert_non_null(vnet_find(w->n, B_ADDR, "BYE", 0));
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Disconnected:TerminatedLocally:200");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(o.status, 200); /* the peer did answer */
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    assert_int_equal(t.status, 200);
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
}

/* CANCEL and 200 cross: the callee answers while the caller cancels. The callee's transaction
 * answers the CANCEL 200 without a 487 (the INVITE was answered); the caller ACKs the 2xx and
 * sends BYE; both end. */
static void test_cancel_200_crossing(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0}, ob = {0};
    parley_session *s = world_call_b(w, PARTY_RING, &o, 10);
    ob.n = t.n = w->n;
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob), 0);
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 100);
    const vnet_packet *cancel = vnet_find(w->n, B_ADDR, "CANCEL", 0);
    assert_non_null(cancel);
    /* the 200s A got: the INVITE's, the CANCEL's, the BYE's */
    assert_int_equal(sp_count(w->n, A_ADDR, "SIP/2.0 200"), 3);
    assert_string_equal(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)->method, "INVITE");
    assert_string_equal(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 1)->method, "CANCEL");
    assert_string_equal(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 2)->method, "BYE");
    assert_null(vnet_find(w->n, A_ADDR, "SIP/2.0 487", 0));
    assert_non_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    assert_non_null(vnet_find(w->n, B_ADDR, "BYE", 0));
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Disconnected:TerminatedLocally:200");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(o.status, 200); /* the peer did answer */
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    assert_int_equal(t.status, 200);
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
    assert_int_equal(ob.calls, 1);
    assert_int_equal(ob.error, 0);
    assert_int_equal(w->b.remote_ends, 1); /* the BYE; the CANCEL came too late to count */
    vnet_run(w->n, 40000);
    assert_int_equal(sp_count(w->n, B_ADDR, "BYE"), 1);
}

/* Terminate of a Connected session, then the application drops its reference at once: the
 * BYE still goes and is answered, the completion runs. */
static void test_terminate_then_release(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0};
    parley_session *s = world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    party_release(&w->a);
    vnet_run(w->n, 10);
    outcome_assert_once(&t, 200);
    assert_int_equal(w->b.remote_ends, 1);
}

/* Terminate on an Incoming session of a callee that released it: declined with 603. */
static void test_terminate_incoming_and_again(void **state)
{
    world *w = *state;
    outcome o = {0}, t1 = {0}, t2 = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, outcome_cb, &t1), 0);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, outcome_cb, &t2), 0);
    assert_int_equal(t1.calls + t2.calls, 0); /* never inside the calls */
    vnet_run(w->n, 0);
    assert_int_equal(t1.calls, 1);
    assert_int_equal(t1.error, 0);
    assert_int_equal(t2.calls, 1);
    assert_int_equal(t2.error, 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 603);
    assert_int_equal(sp_count(w->n, A_ADDR, "SIP/2.0 603"), 1);
    assert_trans(&w->b, "Incoming>Disconnected:TerminatedLocally:-");
}

/* Terminate fails every pending operation with PARLEY_E_TERMINATED: a message and a
 * renegotiation waiting for the peer's answers. */
static void test_terminate_fails_pending(void **state)
{
    world *w = *state;
    w->b.defer_message = 1;
    w->b.defer_reinvite = 1;
    outcome o = {0}, m = {0}, r = {0}, t = {0};
    parley_session *s = world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_int_equal(
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, NULL, NULL, 0, outcome_cb, &m), 0);
    assert_int_equal(parley_session_renegotiate(s, 0, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_non_null(w->b.deferred);
    assert_non_null(w->b.pending_reinvite);
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    assert_int_equal(m.calls, 0);
    vnet_run(w->n, 0);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.error, PARLEY_E_TERMINATED);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_TERMINATED);
    vnet_run(w->n, 10);
    outcome_assert_once(&t, 200);
    /* the callee's unanswered re-INVITE got 487 when the BYE came; the application's late
     * answers are refused */
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 487", 0));
    assert_int_equal(parley_reinvite_accept(w->b.pending_reinvite, NULL, 0, NULL, NULL),
                     PARLEY_E_STATE);
    assert_int_equal(parley_request_respond(w->b.deferred, 200, NULL, NULL, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_int_equal(m.calls, 1);
}

/* Reject: 400-699 only, Incoming only; the reason phrase goes on the wire. */
static void test_reject(void **state)
{
    world *w = *state;
    outcome o = {0};
    parley_session *s = world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_reject(w->b.s, 399, NULL, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_reject(w->b.s, 700, NULL, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_reject(w->b.s, 200, NULL, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_reject(s, 486, NULL, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), 1);
    assert_int_equal(parley_session_reject(w->b.s, 480, "Gone Fishing", NULL, 0), 0);
    assert_int_equal(parley_session_reject(w->b.s, 486, NULL, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 480 Gone Fishing", 0));
    assert_int_equal(o.status, 480);
    assert_string_equal(o.reason, "Gone Fishing");
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Disconnected:TemporarilyUnavailable:480");
    /* after participating: too late to reject */
    party_clear(&w->b);
    outcome o2 = {0};
    world_call(w, B_URI, &o2);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_session_reject(w->b.s, 486, NULL, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(o2.status, 200);
}

/* The callee's on_remote_end and state for a CANCEL, and a BYE from the callee while its 200
 * waits for the ACK: the BYE follows the ACK. */
static void test_callee_terminate_waits_for_ack(void **state)
{
    world *w = *state;
    w->a.delay_ack = 1;
    outcome o = {0}, t = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    t.n = w->n;
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 100);
    assert_null(vnet_find(w->n, A_ADDR, "BYE", 0));
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTING);
    assert_int_equal(t.calls, 0);
    assert_int_equal(parley_ack_send(w->a.ack, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_non_null(vnet_find(w->n, A_ADDR, "BYE", 0));
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_LOCALLY_TRANS);
    outcome_assert_once(&t, 200);
    assert_trans(&w->a, A_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
}

/* The delayed ACK (InvitationAccepted.DelayAck): the 2xx comes again meanwhile and is not
 * ACKed; the ACK goes when the application sends it, once. */
static void test_delayed_ack(void **state)
{
    world *w = *state;
    w->a.delay_ack = 1;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 1000);
    assert_int_equal(o.status, 200);
    assert_int_equal(sp_count(w->n, A_ADDR, "SIP/2.0 200"), 2);
    assert_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    assert_int_equal(parley_ack_defer(w->a.ack), PARLEY_E_STATE); /* only in on_accepted */
    assert_int_equal(parley_ack_send(w->a.ack, NULL, 0), 0);
    assert_int_equal(parley_ack_send(w->a.ack, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count(w->n, B_ADDR, "ACK"), 1);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(w->a.accepted, 1);
}

/* Blocking forms refuse the loop thread (the test runs the virtual loop on its own thread). */
static void test_sync_forms_on_loop_thread(void **state)
{
    world *w = *state;
    parley_session *s = party_call(&w->a, B_URI);
    parley_result *r = (parley_result *)1;
    assert_int_equal(parley_session_participate_sync(s, NULL, 0, &r), PARLEY_E_LOOP_THREAD);
    assert_null(r);
    r = (parley_result *)1;
    assert_int_equal(parley_session_send_message_sync(s, PARLEY_MSG_INFO, NULL, NULL, 0, &r),
                     PARLEY_E_LOOP_THREAD);
    assert_null(r);
    assert_int_equal(parley_session_renegotiate_sync(s, 0, NULL, 0, &r), PARLEY_E_LOOP_THREAD);
    assert_int_equal(parley_session_terminate_sync(s, NULL, 0, &r), PARLEY_E_LOOP_THREAD);
    parley_header bad = {"Via", "x"};
    assert_int_equal(parley_session_participate_sync(s, &bad, 1, &r), PARLEY_E_HEADER_RESTRICTED);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), 0);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_IDLE);
}

/* Stopping an endpoint ends its sessions (Disconnected, TerminatedLocally, no BYE) and fails
 * their pending operations with PARLEY_E_TERMINATED. */
static void test_endpoint_stop(void **state)
{
    world *w = *state;
    w->b.defer_message = 1;
    w->a.defer_message = 1;
    outcome o = {0}, m = {0}, m2 = {0};
    parley_session *s = world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, NULL, NULL, 0, outcome_cb, &m),
                     0);
    assert_int_equal(
        parley_session_send_message(w->b.s, PARLEY_MSG_INFO, NULL, NULL, 0, outcome_cb, &m2), 0);
    vnet_run(w->n, 10); /* both deferred by their receivers */
    assert_int_equal(m.calls + m2.calls, 0);
    size_t before = vnet_count(w->n);
    assert_int_equal(parley_endpoint_stop(w->b.ep), 0);
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_LOCALLY_TRANS);
    assert_int_equal(m2.calls, 1);
    assert_int_equal(m2.error, PARLEY_E_TERMINATED);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "BYE"), 0);
    /* a call on the stopped endpoint's session is refused */
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, NULL, NULL), PARLEY_E_TERMINATED);
    /* the caller's deferred INFO got 503 from the stopping endpoint; its session stays */
    outcome_assert_once(&m, 503);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_request_respond(w->a.deferred, 200, NULL, NULL, NULL, 0), 0);
}

/* An INVITE to an endpoint that takes no sessions is answered 480; the same INVITE arriving
 * twice on different branches (a proxy forked it to us twice) gets 482 the second time. */
static void test_no_session_handler_and_merged(void **state)
{
    world *w = *state;
    assert_int_equal(parley_endpoint_set_session_cb(w->b.ep, NULL, NULL), 0);
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 480);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Disconnected:TemporarilyUnavailable:480");

    party_init(&w->b, w->n, "b2", "10.0.0.5:5060");
    vnet_peer(w->n, "10.0.0.9:5060");
    for (int i = 0; i < 2; i++) {
        char head[1024];
        snprintf(head, sizeof(head),
                 "INVITE sip:bob@10.0.0.5:5060 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKfork%d\r\n"
                 "From: <sip:p@10.0.0.9>;tag=ft\r\nTo: <sip:bob@10.0.0.5:5060>\r\n"
                 "Call-ID: merged\r\nCSeq: 1 INVITE\r\nContact: <sip:p@10.0.0.9:5060>\r\n"
                 "Max-Forwards: 70\r\n",
                 i);
        sp_send(w->n, "10.0.0.9:5060", "10.0.0.5:5060", head, NULL);
        vnet_run(w->n, 5);
    }
    const vnet_packet *r = sp_last(w->n, "10.0.0.9:5060", "SIP/2.0 482");
    assert_non_null(r);
    assert_true(sp_has(r, "branch=z9hG4bKfork1"));
    assert_log(&w->b, "incoming:null");
    party_release(&w->b);
}

/* Asserts that B got A's ACK, then its BYE. */
static void assert_ack_then_bye(world *w)
{
    const vnet_packet *ack = vnet_find(w->n, B_ADDR, "ACK", 0);
    const vnet_packet *bye = vnet_find(w->n, B_ADDR, "BYE", 0);
    assert_non_null(ack);
    assert_non_null(bye);
    assert_true(ack < bye);
}

/* Terminate from inside a callback. */
static void terminate_on(party *p, const char *event)
{
    if (!strcmp(event, (const char *)p->hook_arg)) {
        p->hook = NULL;
        parley_session_terminate(p->s, NULL, 0, NULL, NULL);
    }
}

/* From on_accepted (the 2xx is there, the ACK not yet): the ACK goes, then the BYE. */
static void test_terminate_in_on_accepted(void **state)
{
    world *w = *state;
    w->a.hook = terminate_on;
    w->a.hook_arg = "accepted";
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 100);
    assert_ack_then_bye(w);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(w->a.reasons[w->a.nstates - 1], PARLEY_REASON_TERMINATED_LOCALLY);
    assert_int_equal(o.calls, 1);
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
}

/* With the ACK delayed by the application (or the answer of a null offer not ready), a
 * terminate of the Connected session ACKs the 2xx first, then sends the BYE. */
static void test_terminate_with_ack_pending(void **state)
{
    world *w = *state;
    w->a.delay_ack = 1;
    outcome o = {0};
    parley_session *s = world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTED);
    assert_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    assert_int_equal(parley_session_terminate(s, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_ack_send(w->a.ack, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_ack_then_bye(w);
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_BY_BYE_TRANS);

    party_clear(&w->a);
    party_clear(&w->b);
    w->a.delay_ack = 0;
    w->a.null_offer = 1;
    w->a.defer_ready = 1;
    parley_session *s2 = world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_non_null(w->a.pending_answer);
    size_t before = vnet_count(w->n);
    assert_int_equal(parley_session_terminate(s2, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_pending_answer_ready(w->a.pending_answer, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "ACK"), 1);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "BYE"), 1);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_DISCONNECTED);
}

/* From on_remote_end (the peer's BYE or CANCEL): nothing more is sent, the reason stays the
 * peer's. */
static void test_terminate_in_on_remote_end(void **state)
{
    world *w = *state;
    w->a.hook = terminate_on;
    w->a.hook_arg = "remote_end:BYE";
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 100);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "BYE"), 0);
    assert_trans(&w->a, A_CONNECTED_TRANS ENDED_BY_BYE_TRANS);

    party_clear(&w->a);
    party_clear(&w->b);
    w->b.hook = terminate_on;
    w->b.hook_arg = "remote_end:CANCEL";
    outcome o2 = {0};
    parley_session *s = world_call_b(w, PARTY_RING, &o2, 10);
    assert_int_equal(parley_session_terminate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 100);
    assert_trans(&w->b, "Incoming>Disconnected:Canceled:CANCEL");
    assert_int_equal(vnet_count_match(w->n, B_ADDR, "SIP/2.0 603"), 0);
    assert_int_equal(vnet_count_match(w->n, B_ADDR, "SIP/2.0 487"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_participate_twice, world_setup),
        WORLD_TEST(test_provisional, world_setup),
        WORLD_TEST(test_terminate_before_provisional_then_200, world_setup),
        WORLD_TEST(test_cancel_200_crossing, world_setup),
        WORLD_TEST(test_terminate_then_release, world_setup),
        WORLD_TEST(test_terminate_incoming_and_again, world_setup),
        WORLD_TEST(test_terminate_fails_pending, world_setup),
        WORLD_TEST(test_reject, world_setup),
        WORLD_TEST(test_callee_terminate_waits_for_ack, world_setup),
        WORLD_TEST(test_delayed_ack, world_setup),
        WORLD_TEST(test_sync_forms_on_loop_thread, world_setup),
        WORLD_TEST(test_endpoint_stop, world_setup),
        WORLD_TEST(test_no_session_handler_and_merged, world_setup),
        WORLD_TEST(test_terminate_in_on_accepted, world_setup),
        WORLD_TEST(test_terminate_in_on_remote_end, world_setup),
        WORLD_TEST(test_terminate_with_ack_pending, world_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
