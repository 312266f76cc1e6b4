/*
 * Dialogs (RFC 3261 §12) against scripted peers: early dialogs per To tag and forked 2xx
 * responses (the extra one ACKed and BYEd), participants and their changes, route sets from
 * Record-Route (loose and strict), remote target refresh, CSeq in both directions, and 481 for
 * requests that match no dialog.
 */
#include "test_util.h"

#include "world.h"

#define P_BOB_URI "sip:bob@10.0.0.9:5060" /* the scripted peer P answers as Bob */
#define F1_ADDR   "10.0.0.21:5060"
#define F2_ADDR   "10.0.0.22:5060"
#define F3_ADDR   "10.0.0.23:5060"
#define R1_ADDR   "10.0.0.31:5060"
#define R2_ADDR   "10.0.0.32:5060"

/* Alice and Bob (URIs, display names and endpoint ids), and scripted peers: P, the forks F1-F3
 * and the routers R1, R2 */
static int setup(void **state)
{
    parley_endpoint_config ca = PARLEY_ENDPOINT_CONFIG_INIT, cb = PARLEY_ENDPOINT_CONFIG_INIT;
    ca.uri = "sip:alice@10.0.0.1:5060";
    ca.display_name = "Alice";
    ca.epid = "epida";
    cb.uri = "sip:bob@10.0.0.2:5060";
    cb.display_name = "Bob";
    cb.epid = "epidb";
    const parley_endpoint_config *cfg[2] = {&ca, &cb};
    static const char *const peers[] = {P_ADDR, F1_ADDR, F2_ADDR, F3_ADDR, R1_ADDR, R2_ADDR, NULL};
    *state = world_new(2, cfg, peers);
    return 0;
}

/* A response from P to A's INVITE inv ("SIP/2.0 <status>") from the endpoint `name` with To tag
 * and epid; with Contact <sip:bob@contact> when contact is set, and a body of type
 * application/x-test when body is set. 5 ms later. */
static void fork_reply(world *w, const vnet_packet *inv, const char *status, const char *name,
                       const char *tag, const char *epid, const char *contact, const char *body)
{
    char head[2048], ct[128] = "";
    if (contact)
        snprintf(ct, sizeof(ct), "Contact: <sip:bob@%s>\r\n", contact);
    snprintf(head, sizeof(head),
             "SIP/2.0 %s\r\nVia: %s\r\nFrom: %s\r\n"
             "To: \"%s\" <" P_BOB_URI ">;tag=%s;epid=%s\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n%s%s",
             status, hdr(inv, "Via"), hdr(inv, "From"), name, tag, epid, hdr(inv, "Call-ID"), ct,
             body ? "Content-Type: application/x-test\r\n" : "");
    sp_send(w->n, P_ADDR, A_ADDR, head, body);
    vnet_run(w->n, 5);
}

/* A request from src to A in the dialog of A's INVITE inv: From P_BOB_URI with tag, To and
 * Call-ID from inv, CSeq cseq, then `contact` (a header line, or "") before Max-Forwards. 5 ms
 * later. */
static void peer_request(world *w, const char *src, const vnet_packet *inv, const char *method,
                         const char *branch, const char *tag, unsigned cseq, const char *contact)
{
    char head[2048];
    snprintf(head, sizeof(head),
             "%s sip:alice@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\n"
             "From: <" P_BOB_URI ">;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n"
             "%sMax-Forwards: 70\r\n",
             method, src, branch, tag, hdr(inv, "From"), hdr(inv, "Call-ID"), cseq, method,
             contact);
    sp_send(w->n, src, A_ADDR, head, NULL);
    vnet_run(w->n, 5);
}

/* A forked INVITE: two endpoints ring (two early dialogs), the second answers first and the
 * first answers too: the second 2xx is ACKed and BYEd, the session stays with the first
 * answerer; the remote participant follows the endpoint that spoke last, with events. */
/* A calls Bob through P, which answers 200 (To tag `tag`, the header lines extra, body);
 * 5 ms later. Returns the INVITE. */
static const vnet_packet *bob_answers(world *w, outcome *o, const char *tag, const char *extra,
                                      const char *body)
{
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, o);
    sp_reply(w->n, P_ADDR, inv, 200, "OK", tag, extra, body);
    vnet_run(w->n, 5);
    return inv;
}

static void test_forked_2xx(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    party_clear(&w->a);
    fork_reply(w, inv, "180 Ringing", "Bob Desk", "t1", "e1", F1_ADDR, NULL);
    fork_reply(w, inv, "180 Ringing", "Bob Mobile", "t2", "e2", F2_ADDR, NULL);
    /* two early dialogs; the first 180 alerted and named who rings (no event: nothing was
     * known), the second fork changed the remote participant's name and epid */
    assert_log(&w->a, "state:Alerted:ProvisionResponseReceived|provisional:180|participant:3|"
                      "provisional:180");
    assert_string_equal(w->a.pchg_name, "Bob Mobile");
    assert_string_equal(w->a.pchg_epid, "e2");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_ALERTED);
    /* the second fork answers first */
    fork_reply(w, inv, "200 OK", "Bob Mobile", "t2", "e2", F2_ADDR, "answer-f2");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.status, 200);
    assert_log(&w->a, "state:Alerted:ProvisionResponseReceived|provisional:180|participant:3|"
                      "provisional:180|set_answer|accepted|state:Connected:None");
    assert_string_equal(parley_session_to_tag(w->a.s), "t2");
    const parley_participant *r = parley_session_remote(w->a.s);
    assert_string_equal(parley_participant_name(r), "Bob Mobile");
    assert_string_equal(parley_participant_epid(r), "e2");
    assert_string_equal(parley_participant_contact(r), "sip:bob@" F2_ADDR);
    const vnet_packet *ack2 = vnet_find(w->n, F2_ADDR, "ACK", 0);
    assert_non_null(ack2);
    assert_string_equal(ack2->first_line, "ACK sip:bob@" F2_ADDR " SIP/2.0");
    assert_true(strstr(hdr(ack2, "To"), ";tag=t2") != NULL);

    /* the first fork answers too: ACK, then BYE, on its own dialog */
    fork_reply(w, inv, "200 OK", "Bob Desk", "t1", "e1", F1_ADDR, "answer-f1");
    const vnet_packet *ack1 = vnet_find(w->n, F1_ADDR, "ACK", 0);
    const vnet_packet *bye1 = vnet_find(w->n, F1_ADDR, "BYE", 0);
    assert_non_null(ack1);
    assert_non_null(bye1);
    assert_true(ack1 < bye1);
    assert_true(strstr(hdr(ack1, "To"), ";tag=t1") != NULL);
    assert_string_equal(hdr(ack1, "CSeq"), "1 ACK");
    assert_string_equal(bye1->first_line, "BYE sip:bob@" F1_ADDR " SIP/2.0");
    assert_true(strstr(hdr(bye1, "To"), ";tag=t1") != NULL);
    assert_string_equal(hdr(bye1, "CSeq"), "2 BYE");
    assert_string_equal(hdr(bye1, "Call-ID"), hdr(inv, "Call-ID"));
    /* nothing changed for the session */
    assert_int_equal(w->a.accepted, 1);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    assert_string_equal(parley_session_to_tag(w->a.s), "t2");
    assert_string_equal(parley_participant_epid(parley_session_remote(w->a.s)), "e2");
    assert_null(vnet_find(w->n, F2_ADDR, "BYE", 0));

    /* retransmissions: each 2xx is ACKed again; the killed fork is not BYEd twice */
    fork_reply(w, inv, "200 OK", "Bob Desk", "t1", "e1", F1_ADDR, "answer-f1");
    assert_int_equal(sp_count(w->n, F1_ADDR, "ACK"), 2);
    assert_int_equal(sp_count(w->n, F1_ADDR, "BYE"), 1);
    fork_reply(w, inv, "200 OK", "Bob Mobile", "t2", "e2", F2_ADDR, "answer-f2");
    assert_int_equal(sp_count(w->n, F2_ADDR, "ACK"), 2);
    assert_string_equal(sp_last(w->n, F2_ADDR, "ACK")->data, ack2->data);
    assert_int_equal(w->a.accepted, 1);
    assert_int_equal(o.calls, 1);
}

/* A fork answers after the session has ended and been released: the INVITE transaction still
 * matches its 2xx (Timer M), which gets an ACK and a BYE on its own dialog, built from the 2xx
 * alone; each retransmission is ACKed again. After Timer M nothing answers it any more. */
static void test_fork_2xx_after_end(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = bob_answers(w, &o, "t1", "Contact: <sip:bob@" F1_ADDR ">\r\n", "ans");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    world_end_a(w, 5);
    const vnet_packet *bye = vnet_find(w->n, F1_ADDR, "BYE", 0);
    assert_non_null(bye);
    sp_reply(w->n, F1_ADDR, bye, 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    party_release(&w->a);

    char head[2048];
    snprintf(head, sizeof(head),
             "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\n"
             "To: <" P_BOB_URI ">;tag=t2\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
             "Record-Route: <sip:" R1_ADDR ";lr>\r\nContact: <sip:bob@" F2_ADDR ">\r\n",
             hdr(inv, "Via"), hdr(inv, "From"), hdr(inv, "Call-ID"));
    sp_send(w->n, P_ADDR, A_ADDR, head, "late");
    vnet_run(w->n, 5);
    /* through the route set taken from the 2xx */
    const vnet_packet *ack = vnet_find(w->n, R1_ADDR, "ACK", 0);
    const vnet_packet *bye2 = vnet_find(w->n, R1_ADDR, "BYE", 0);
    assert_non_null(ack);
    assert_non_null(bye2);
    assert_true(ack < bye2);
    assert_string_equal(ack->first_line, "ACK sip:bob@" F2_ADDR " SIP/2.0");
    assert_string_equal(hdr(ack, "CSeq"), "1 ACK");
    assert_string_equal(hdr(ack, "From"), hdr(inv, "From"));
    assert_true(strstr(hdr(ack, "To"), ";tag=t2") != NULL);
    assert_string_equal(hdr(ack, "Route"), "<sip:" R1_ADDR ";lr>");
    assert_string_equal(bye2->first_line, "BYE sip:bob@" F2_ADDR " SIP/2.0");
    assert_string_equal(hdr(bye2, "CSeq"), "2 BYE");
    assert_string_equal(hdr(bye2, "Call-ID"), hdr(inv, "Call-ID"));
    assert_true(strstr(hdr(bye2, "To"), ";tag=t2") != NULL);

    /* a retransmission within Timer M is ACKed again */
    sp_send(w->n, P_ADDR, A_ADDR, head, "late");
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, R1_ADDR, "ACK"), 2);
    /* after Timer M (64*T1) the transaction is gone: a 2xx matching nothing is not answered */
    vnet_run(w->n, 64 * 500);
    size_t acks = sp_count(w->n, R1_ADDR, "ACK");
    sp_send(w->n, P_ADDR, A_ADDR, head, "late");
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, R1_ADDR, "ACK"), acks);
}

/* The endpoint that answers is not the one that rang: participant-changed on the 2xx. */
static void test_answer_from_other_endpoint(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    fork_reply(w, inv, "180 Ringing", "Bob Desk", "t1", "e1", NULL, NULL);
    /* the first 180 names who rings: no event (nothing was known) */
    assert_int_equal(w->a.participant_changes, 0);
    assert_string_equal(parley_participant_name(parley_session_remote(w->a.s)), "Bob Desk");
    fork_reply(w, inv, "200 OK", "Bob Desk", "t2", "e2", F2_ADDR, NULL);
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Alerted:ProvisionResponseReceived|"
                      "provisional:180|participant:2|accepted|state:Connected:None");
    assert_int_equal(w->a.last_pchg, PARLEY_PCHG_EPID);
    assert_string_equal(w->a.pchg_epid, "e2");
    assert_int_equal(o.status, 200);
}

/* The same endpoint changes its display name between provisionals: PARLEY_PCHG_NAME only. */
static void test_display_name_change(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    const char *names[3] = {"Bob", "Robert", "Robert"};
    for (int i = 0; i < 3; i++) {
        char status[16];
        snprintf(status, sizeof(status), "18%d X", i);
        fork_reply(w, inv, status, names[i], "tn", "e1", NULL, NULL);
    }
    assert_int_equal(w->a.participant_changes, 1);
    assert_int_equal(w->a.last_pchg, PARLEY_PCHG_NAME);
    assert_string_equal(w->a.pchg_name, "Robert");
    assert_string_equal(w->a.pchg_epid, "e1");
    assert_int_equal(w->a.provisionals, 3);
    sp_reply(w->n, P_ADDR, inv, 486, "Busy Here", "tn", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 486);
}

/* Early dialogs of a failed INVITE go away with it. */
static void test_early_dialogs_then_failure(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 180, "Ringing", "t1", NULL, NULL);
    sp_reply(w->n, P_ADDR, inv, 183, "Session Progress", "t2", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(w->a.provisionals, 2);
    sp_reply(w->n, P_ADDR, inv, 486, "Busy Here", "t3", NULL, NULL);
    vnet_run(w->n, 5);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Disconnected:Busy:486");
    /* a request on one of the dead early dialogs matches nothing */
    peer_request(w, P_ADDR, inv, "BYE", "z9hG4bKdead", "t1", 1, "");
    assert_int_equal(sp_last(w->n, P_ADDR, "SIP/2.0 ")->status, 481);
}

/* Participants on both sides of a call between two endpoints: URIs, display names, endpoint
 * ids (ours on From as UAC, on To as UAS) and contacts. */
static void test_participants(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    parley_session *s = party_call(&w->a, "sip:bob@10.0.0.2:5060");
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    const parley_participant *al = parley_session_local(s), *ar = parley_session_remote(s);
    const parley_participant *bl = parley_session_local(w->b.s),
                             *br = parley_session_remote(w->b.s);
    assert_string_equal(parley_participant_uri(al), "sip:alice@10.0.0.1:5060");
    assert_string_equal(parley_participant_epid(al), "epida");
    assert_string_equal(parley_participant_name(al), "Alice");
    assert_string_equal(parley_participant_contact(al), "sip:alice@10.0.0.1:5060");
    assert_string_equal(parley_participant_uri(br), "sip:alice@10.0.0.1:5060");
    assert_string_equal(parley_participant_epid(br), "epida");
    assert_string_equal(parley_participant_name(br), "Alice");
    assert_string_equal(parley_participant_contact(br), "sip:alice@10.0.0.1:5060");
    assert_string_equal(parley_participant_uri(bl), "sip:bob@10.0.0.2:5060");
    assert_string_equal(parley_participant_epid(bl), "epidb");
    assert_string_equal(parley_participant_contact(bl), "sip:bob@10.0.0.2:5060");
    assert_string_equal(parley_participant_uri(ar), "sip:bob@10.0.0.2:5060");
    assert_string_equal(parley_participant_epid(ar), "epidb");
    assert_string_equal(parley_participant_contact(ar), "sip:bob@10.0.0.2:5060");
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_true(strstr(hdr(inv, "From"), ";epid=epida") != NULL);
    assert_true(strstr(hdr(ok, "To"), ";epid=epidb") != NULL);
    assert_int_equal(w->a.participant_changes, 0);
    assert_int_equal(w->b.participant_changes, 0);
    /* a target with an epid: it goes on To */
    party_clear(&w->a);
    parley_address to = {"sip:bob@10.0.0.2:5060", "epidb"};
    parley_session *s2 = party_call_to(&w->a, &to, NULL);
    assert_int_equal(parley_session_participate(s2, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    inv = sp_last(w->n, B_ADDR, "INVITE");
    assert_string_equal(hdr(inv, "To"), "<sip:bob@10.0.0.2:5060>;epid=epidb");
    assert_true(strstr(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 200"), "To"), ";epid=epidb") != NULL);
}

/* Route set from Record-Route (UAC: reversed; loose routing): the ACK and the BYE go to the
 * first route with the whole set, Request-URI = the remote target. */
static void test_route_set_uac(void **state)
{
    world *w = *state;
    outcome o = {0};
    bob_answers(w, &o, "rt",
                "Record-Route: <sip:p2@" R2_ADDR ";lr>, <sip:p1@" R1_ADDR ";lr>\r\n"
                "Contact: <sip:bob@" F1_ADDR ">\r\n",
                NULL);
    assert_int_equal(o.status, 200);
    const vnet_packet *ack = vnet_find(w->n, R1_ADDR, "ACK", 0);
    assert_non_null(ack);
    assert_string_equal(ack->first_line, "ACK sip:bob@" F1_ADDR " SIP/2.0");
    assert_true(
        sp_has(ack, "\r\nRoute: <sip:p1@" R1_ADDR ";lr>\r\nRoute: <sip:p2@" R2_ADDR ";lr>\r\n"));
    outcome m = {0};
    world_a_sends(w, PARLEY_MSG_INFO, &m);
    vnet_run(w->n, 5);
    const vnet_packet *info = vnet_find(w->n, R1_ADDR, "INFO", 0);
    assert_non_null(info);
    sp_reply(w->n, R1_ADDR, info, 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(m.status, 200);
    world_end_a(w, 5);
    info = vnet_find(w->n, R1_ADDR, "INFO", 0);
    const vnet_packet *bye = vnet_find(w->n, R1_ADDR, "BYE", 0);
    assert_non_null(info);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE sip:bob@" F1_ADDR " SIP/2.0");
    assert_true(
        sp_has(bye, "\r\nRoute: <sip:p1@" R1_ADDR ";lr>\r\nRoute: <sip:p2@" R2_ADDR ";lr>\r\n"));
    assert_null(vnet_find(w->n, F1_ADDR, "BYE", 0));
}

/* 64*T1 after its ACK the caller's INVITE is settled (its sender, transaction and kept 2xx let
 * go): a re-INVITE still goes, and is ACKed, through the route set; a late copy of the first 2xx
 * matches no transaction and is not answered; the BYE goes as before. */
static void test_settled_invite(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = bob_answers(
        w, &o, "st", "Record-Route: <sip:p1@" R1_ADDR ";lr>\r\nContact: <sip:bob@" F1_ADDR ">\r\n",
        NULL);
    assert_int_equal(o.status, 200);
    assert_non_null(vnet_find(w->n, R1_ADDR, "ACK", 0));
    vnet_run(w->n, 64 * 500 + 100);

    outcome r = {0};
    assert_int_equal(parley_session_renegotiate(w->a.s, 0, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 5);
    const vnet_packet *reinv = vnet_find(w->n, R1_ADDR, "INVITE", 0);
    assert_non_null(reinv);
    assert_string_equal(reinv->first_line, "INVITE sip:bob@" F1_ADDR " SIP/2.0");
    sp_reply(w->n, R1_ADDR, reinv, 200, "OK", NULL, "Contact: <sip:bob@" F1_ADDR ">\r\n",
             "answer-2");
    vnet_run(w->n, 5);
    assert_int_equal(r.status, 200);
    assert_int_equal(sp_count(w->n, R1_ADDR, "ACK"), 2);
    assert_string_equal(hdr(sp_last(w->n, R1_ADDR, "ACK"), "CSeq"), "2 ACK");

    size_t acks = sp_count(w->n, R1_ADDR, "ACK");
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "st",
             "Record-Route: <sip:p1@" R1_ADDR ";lr>\r\nContact: <sip:bob@" F1_ADDR ">\r\n", NULL);
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, R1_ADDR, "ACK"), acks);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);

    world_end_a(w, 5);
    const vnet_packet *bye = vnet_find(w->n, R1_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE sip:bob@" F1_ADDR " SIP/2.0");
}

/* A strict router (no lr): it goes in the Request-URI, the remote target last in Route. */
static void test_route_set_strict(void **state)
{
    world *w = *state;
    outcome o = {0};
    bob_answers(w, &o, "rt",
                "Record-Route: <sip:p1@" R1_ADDR ">\r\nContact: <sip:bob@" F1_ADDR ">\r\n", NULL);
    world_end_a(w, 5);
    const vnet_packet *bye = vnet_find(w->n, R1_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE sip:p1@" R1_ADDR " SIP/2.0");
    assert_string_equal(hdr(bye, "Route"), "<sip:bob@" F1_ADDR ">");
}

/* UAS side: the route set is the INVITE's Record-Route in order; the remote target is the
 * INVITE's Contact, refreshed by an accepted re-INVITE. */
static void test_route_set_and_target_uas(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    sp_send(w->n, P_ADDR, B_ADDR,
            "INVITE sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKu1\r\n"
            "Record-Route: <sip:p1@" R1_ADDR ";lr>, <sip:p2@" R2_ADDR ";lr>\r\n"
            "From: <sip:carol@10.0.0.9>;tag=pc\r\nTo: <sip:bob@10.0.0.2:5060>\r\n"
            "Call-ID: uas-routes\r\nCSeq: 7 INVITE\r\nContact: <sip:carol@" F1_ADDR ">\r\n"
            "Max-Forwards: 70\r\nContent-Type: application/x-test\r\n",
            "offer-c");
    vnet_run(w->n, 5);
    const vnet_packet *ok = vnet_find(w->n, P_ADDR, "SIP/2.0 200", 0);
    assert_non_null(ok);
    /* the 200 echoes the Record-Route */
    assert_true(sp_has(ok, "Record-Route: <sip:p1@" R1_ADDR ";lr>, <sip:p2@" R2_ADDR ";lr>\r\n"));
    char tag[64], head[2048];
    sp_tag(ok, "To", tag, sizeof(tag));
    snprintf(head, sizeof(head),
             "ACK sip:bob@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKu2\r\n"
             "From: <sip:carol@10.0.0.9>;tag=pc\r\nTo: <sip:bob@10.0.0.2:5060>;tag=%s\r\n"
             "Call-ID: uas-routes\r\nCSeq: 7 ACK\r\nMax-Forwards: 70\r\n",
             tag);
    sp_send(w->n, P_ADDR, B_ADDR, head, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    outcome m = {0};
    assert_int_equal(
        parley_session_send_message(w->b.s, PARLEY_MSG_INFO, NULL, NULL, 0, outcome_cb, &m), 0);
    vnet_run(w->n, 5);
    const vnet_packet *info = vnet_find(w->n, R1_ADDR, "INFO", 0);
    assert_non_null(info);
    assert_string_equal(info->first_line, "INFO sip:carol@" F1_ADDR " SIP/2.0");
    assert_true(
        sp_has(info, "\r\nRoute: <sip:p1@" R1_ADDR ";lr>\r\nRoute: <sip:p2@" R2_ADDR ";lr>\r\n"));
    assert_string_equal(hdr(info, "CSeq"), "1 INFO");
    sp_reply(w->n, R1_ADDR, info, 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(m.status, 200);
    /* a re-INVITE with a new Contact refreshes the target */
    snprintf(head, sizeof(head),
             "INVITE sip:bob@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bKu3\r\n"
             "From: <sip:carol@10.0.0.9>;tag=pc\r\nTo: <sip:bob@10.0.0.2:5060>;tag=%s\r\n"
             "Call-ID: uas-routes\r\nCSeq: 8 INVITE\r\nContact: <sip:carol@" F3_ADDR ">\r\n"
             "Max-Forwards: 70\r\n",
             tag);
    sp_send(w->n, P_ADDR, B_ADDR, head, NULL);
    vnet_run(w->n, 5);
    assert_non_null(sp_last(w->n, P_ADDR, "SIP/2.0 200"));
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    const vnet_packet *bye = vnet_find(w->n, R1_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE sip:carol@" F3_ADDR " SIP/2.0");
    assert_string_equal(hdr(bye, "CSeq"), "2 BYE");
}

/* UAC side: the remote target is the 2xx's Contact (not the 1xx's), refreshed by the peer's
 * re-INVITE; the ACK goes to the 2xx's Contact. */
static void test_target_refresh_uac(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 180, "Ringing", "tr", "Contact: <sip:bob@" F1_ADDR ">\r\n", NULL);
    vnet_run(w->n, 5);
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "tr", "Contact: <sip:bob@" F2_ADDR ">\r\n", NULL);
    vnet_run(w->n, 5);
    assert_non_null(vnet_find(w->n, F2_ADDR, "ACK", 0));
    assert_null(vnet_find(w->n, F1_ADDR, "ACK", 0));
    peer_request(w, F2_ADDR, inv, "INVITE", "z9hG4bKr1", "tr", 1,
                 "Contact: <sip:bob@" F3_ADDR ">\r\n");
    const vnet_packet *ok = sp_last(w->n, F2_ADDR, "SIP/2.0 200");
    assert_non_null(ok);
    /* no offer in the re-INVITE: A offered in the 200 */
    assert_string_equal(sp_body(ok), "offer-a-2");
    world_end_a(w, 5);
    const vnet_packet *bye = vnet_find(w->n, F3_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE sip:bob@" F3_ADDR " SIP/2.0");
}

/* A 2xx without a Contact (RFC 3261 §12.1.2 wants one) leaves the dialog without a remote
 * target: the ACK and the BYE go to the INVITE's Request-URI instead of having an empty one
 * (found by fuzz_endpoint). */
static void test_2xx_without_contact(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "nc", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
    const vnet_packet *ack = vnet_find(w->n, P_ADDR, "ACK", 0);
    assert_non_null(ack);
    assert_string_equal(ack->first_line, "ACK " P_BOB_URI " SIP/2.0");
    world_end_a(w, 5);
    const vnet_packet *bye = vnet_find(w->n, P_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE " P_BOB_URI " SIP/2.0");
}

/* A 2xx whose Contact URI has headers (RFC 3261 §19.1.1: a dialog's Contact has none): the
 * target drops them, as a Request-URI may not carry any; the ACK, a re-INVITE's new Contact
 * with headers and the BYE go to the bare URI (found by fuzz_endpoint). */
static void test_contact_with_uri_headers(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "uh", "Contact: <sip:bob@" F2_ADDR "?Subject=x>\r\n",
             NULL);
    vnet_run(w->n, 5);
    const vnet_packet *ack = vnet_find(w->n, F2_ADDR, "ACK", 0);
    assert_non_null(ack);
    assert_string_equal(ack->first_line, "ACK sip:bob@" F2_ADDR " SIP/2.0");
    peer_request(w, F2_ADDR, inv, "INVITE", "z9hG4bKuh1", "uh", 1,
                 "Contact: <sip:bob@" F3_ADDR "?a=b&c=d>\r\n");
    world_end_a(w, 5);
    const vnet_packet *bye = vnet_find(w->n, F3_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE sip:bob@" F3_ADDR " SIP/2.0");
}

/* The same for an INVITE without a Contact: the UAS's BYE goes to the From URI. */
static void test_invite_without_contact(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    sp_send(w->n, P_ADDR, B_ADDR,
            "INVITE sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKnc1\r\n"
            "From: <sip:carol@" P_ADDR ">;tag=pc\r\nTo: <sip:bob@10.0.0.2:5060>\r\n"
            "Call-ID: uas-nc\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
            "Content-Type: application/x-test\r\n",
            "offer-c");
    vnet_run(w->n, 5);
    const vnet_packet *ok = vnet_find(w->n, P_ADDR, "SIP/2.0 200", 0);
    assert_non_null(ok);
    char tag[64], head[1024];
    sp_tag(ok, "To", tag, sizeof(tag));
    snprintf(head, sizeof(head),
             "ACK sip:bob@10.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bKnc2\r\nFrom: <sip:carol@" P_ADDR ">;tag=pc\r\n"
             "To: <sip:bob@10.0.0.2:5060>;tag=%s\r\nCall-ID: uas-nc\r\nCSeq: 1 ACK\r\n"
             "Max-Forwards: 70\r\n",
             tag);
    sp_send(w->n, P_ADDR, B_ADDR, head, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    const vnet_packet *bye = vnet_find(w->n, P_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(bye->first_line, "BYE sip:carol@" P_ADDR " SIP/2.0");
}

/* A target refresh moves the remote participant's contact, and its GRUU (RFC 5627) with it:
 * the peer's re-INVITE whose Contact is a GRUU reports PARLEY_PCHG_GRUU; its UPDATE back to a
 * plain Contact reports it again (no GRUU any more). */
#define BOB_GRUU "sip:bob@" F3_ADDR ";gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
static void test_target_refresh_gruu(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = bob_answers(w, &o, "tg", "Contact: <" P_BOB_URI ">\r\n", "answer-p-1");
    assert_int_equal(o.status, 200);
    const parley_participant *r = parley_session_remote(w->a.s);
    assert_null(parley_participant_gruu(r));
    party_clear(&w->a);
    char head[2048];
    snprintf(head, sizeof(head),
             "INVITE sip:alice@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bKg1\r\nFrom: <" P_BOB_URI ">;tag=tg\r\nTo: %s\r\nCall-ID: %s\r\n"
             "CSeq: 1 INVITE\r\nContact: <" BOB_GRUU ">\r\nMax-Forwards: 70\r\n"
             "Content-Type: application/x-test\r\n",
             hdr(inv, "From"), hdr(inv, "Call-ID"));
    sp_send(w->n, P_ADDR, A_ADDR, head, "offer-p-2");
    vnet_run(w->n, 5);
    assert_non_null(sp_last(w->n, P_ADDR, "SIP/2.0 200"));
    assert_int_equal(w->a.participant_changes, 1);
    assert_int_equal(w->a.last_pchg, PARLEY_PCHG_GRUU);
    assert_string_equal(parley_participant_gruu(r), BOB_GRUU);
    assert_string_equal(parley_participant_contact(r), BOB_GRUU);
    peer_request(w, F3_ADDR, inv, "ACK", "z9hG4bKg2", "tg", 1, "");
    peer_request(w, F3_ADDR, inv, "UPDATE", "z9hG4bKg3", "tg", 2,
                 "Contact: <sip:bob@" F3_ADDR ">\r\n");
    assert_string_equal(hdr(sp_last(w->n, F3_ADDR, "SIP/2.0 200"), "CSeq"), "2 UPDATE");
    assert_int_equal(w->a.participant_changes, 2);
    assert_int_equal(w->a.last_pchg, PARLEY_PCHG_GRUU);
    assert_null(parley_participant_gruu(r));
    assert_string_equal(parley_participant_contact(r), "sip:bob@" F3_ADDR);
    /* the same Contact again: nothing changed, nothing reported */
    peer_request(w, F3_ADDR, inv, "UPDATE", "z9hG4bKg4", "tg", 3,
                 "Contact: <sip:bob@" F3_ADDR ">\r\n");
    assert_int_equal(w->a.participant_changes, 2);
}

/* CSeq: ours counts up from the INVITE's; the peer's must not go down (500). */
static void test_cseq_both_ways(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = bob_answers(w, &o, "tc", "Contact: <" P_BOB_URI ">\r\n", NULL);
    outcome m1 = {0}, m2 = {0};
    world_a_sends(w, PARLEY_MSG_MESSAGE, &m1);
    vnet_run(w->n, 5);
    world_a_sends(w, PARLEY_MSG_OPTIONS, &m2);
    vnet_run(w->n, 5);
    assert_string_equal(hdr(vnet_find(w->n, P_ADDR, "MESSAGE", 0), "CSeq"), "2 MESSAGE");
    assert_string_equal(hdr(vnet_find(w->n, P_ADDR, "OPTIONS", 0), "CSeq"), "3 OPTIONS");
    sp_reply(w->n, P_ADDR, vnet_find(w->n, P_ADDR, "MESSAGE", 0), 200, "OK", NULL, NULL, NULL);
    sp_reply(w->n, P_ADDR, vnet_find(w->n, P_ADDR, "OPTIONS", 0), 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(m1.status, 200);
    assert_int_equal(m2.status, 200);
    unsigned seqs[3] = {10, 11, 4};
    for (int i = 0; i < 3; i++) {
        char branch[32];
        snprintf(branch, sizeof(branch), "z9hG4bKc%d", i);
        peer_request(w, P_ADDR, inv, "INFO", branch, "tc", seqs[i], "");
    }
    assert_int_equal(w->a.messages, 2);
    const vnet_packet *last = sp_last(w->n, P_ADDR, "SIP/2.0 ");
    assert_int_equal(last->status, 500);
    assert_string_equal(hdr(last, "CSeq"), "4 INFO");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
}

/* Requests that match no dialog get 481: unknown tags, and a dialog that ended. */
static void test_481_no_dialog(void **state)
{
    world *w = *state;
    const char *methods[] = {"BYE", "INFO", "INVITE", "MESSAGE", "NOTIFY"};
    for (int i = 0; i < 5; i++) {
        char head[1024];
        snprintf(head, sizeof(head),
                 "%s sip:alice@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
                 ";branch=z9hG4bKn%d\r\n"
                 "From: <" P_BOB_URI ">;tag=x\r\nTo: <sip:alice@10.0.0.1:5060>;tag=nope\r\n"
                 "Call-ID: no-such-call\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n",
                 methods[i], i, methods[i]);
        sp_send(w->n, P_ADDR, A_ADDR, head, NULL);
        vnet_run(w->n, 5);
        const vnet_packet *r = sp_last(w->n, P_ADDR, "SIP/2.0 ");
        assert_int_equal(r->status, 481);
        assert_string_equal(r->method, methods[i]);
    }
    /* after the end of a session */
    outcome o = {0};
    const vnet_packet *inv = bob_answers(w, &o, "te", "Contact: <" P_BOB_URI ">\r\n", NULL);
    world_end_a(w, 5);
    peer_request(w, P_ADDR, inv, "INFO", "z9hG4bKafter", "te", 9, "");
    assert_int_equal(sp_last(w->n, P_ADDR, "SIP/2.0 ")->status, 481);
    assert_int_equal(w->a.messages, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_forked_2xx, setup),
        WORLD_TEST(test_fork_2xx_after_end, setup),
        WORLD_TEST(test_answer_from_other_endpoint, setup),
        WORLD_TEST(test_display_name_change, setup),
        WORLD_TEST(test_early_dialogs_then_failure, setup),
        WORLD_TEST(test_participants, setup),
        WORLD_TEST(test_route_set_uac, setup),
        WORLD_TEST(test_route_set_strict, setup),
        WORLD_TEST(test_settled_invite, setup),
        WORLD_TEST(test_route_set_and_target_uas, setup),
        WORLD_TEST(test_target_refresh_uac, setup),
        WORLD_TEST(test_target_refresh_gruu, setup),
        WORLD_TEST(test_cseq_both_ways, setup),
        WORLD_TEST(test_2xx_without_contact, setup),
        WORLD_TEST(test_contact_with_uri_headers, setup),
        WORLD_TEST(test_invite_without_contact, setup),
        WORLD_TEST(test_481_no_dialog, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
