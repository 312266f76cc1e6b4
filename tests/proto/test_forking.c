/*
 * Forking made visible (RFC 3261 §13.2.2): a forking proxy (the scripted peer P) relays the
 * responses of several endpoints of Bob. The caller sees one early-dialog event per To tag,
 * with the provisional, the endpoint's Contact and epid and its early answer, before the
 * provisional event; the first 2xx wins; a later fork's 2xx is ACKed and BYEd and reported
 * once as an ignored fork.
 */
#include "test_util.h"

#include "world.h"

#define P_BOB_URI "sip:bob@10.0.0.9:5060"
#define F1_ADDR   "10.0.0.21:5060"
#define F2_ADDR   "10.0.0.22:5060"

static int setup(void **state)
{
    static const char *const peers[] = {P_ADDR, F1_ADDR, F2_ADDR, NULL};
    world *w = world_new(2, NULL, peers);
    w->a.log_forks = 1;
    *state = w;
    return 0;
}

/* A response relayed by P for the endpoint at contact (To tag, epid, body). 5 ms later. */
static void fork_reply_typed(world *w, const vnet_packet *inv, const char *status, const char *tag,
                             const char *epid, const char *contact, const char *ctype,
                             const char *body)
{
    char head[2048];
    snprintf(head, sizeof(head),
             "SIP/2.0 %s\r\nVia: %s\r\nFrom: %s\r\nTo: <" P_BOB_URI ">;tag=%s;epid=%s\r\n"
             "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@%s>\r\n%s%s%s",
             status, hdr(inv, "Via"), hdr(inv, "From"), tag, epid, hdr(inv, "Call-ID"), contact,
             body ? "Content-Type: " : "", body ? ctype : "", body ? "\r\n" : "");
    sp_send(w->n, P_ADDR, A_ADDR, head, body);
    vnet_run(w->n, 5);
}

static void fork_reply(world *w, const vnet_packet *inv, const char *status, const char *tag,
                       const char *epid, const char *contact, const char *body)
{
    fork_reply_typed(w, inv, status, tag, epid, contact, "application/x-test", body);
}

static void test_early_dialogs_and_ignored_fork(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    party_clear(&w->a);
    fork_reply(w, inv, "180 Ringing", "t1", "e1", F1_ADDR, NULL);
    fork_reply(w, inv, "180 Ringing", "t1", "e1", F1_ADDR, NULL); /* the same dialog again */
    fork_reply(w, inv, "183 Session Progress", "t2", "e2", F2_ADDR, "answer-f2");
    assert_log(&w->a, "state:Alerted:ProvisionResponseReceived|early:t1:180|provisional:180|"
                      "provisional:180|participant:2|early:t2:183|set_answer|provisional:183");
    assert_int_equal(w->a.nearly, 2);
    assert_string_equal(w->a.early_seen[0], "t1|180|sip:bob@" F1_ADDR "|e1|-");
    assert_string_equal(w->a.early_seen[1], "t2|183|sip:bob@" F2_ADDR "|e2|answer-f2");
    /* the second answers first; the first's 2xx is ACKed, BYEd and reported once */
    fork_reply(w, inv, "200 OK", "t2", "e2", F2_ADDR, "answer-f2");
    assert_int_equal(o.status, 200);
    fork_reply(w, inv, "200 OK", "t1", "e1", F1_ADDR, "answer-f1");
    fork_reply(w, inv, "200 OK", "t1", "e1", F1_ADDR, "answer-f1"); /* retransmitted */
    assert_int_equal(w->a.forks_ignored, 1);
    assert_true(party_saw(&w->a, "fork_ignored:t1"));
    assert_int_equal(sp_count(w->n, F1_ADDR, "ACK"), 2);
    assert_int_equal(sp_count(w->n, F1_ADDR, "BYE"), 1);
    assert_string_equal(parley_session_to_tag(w->a.s), "t2");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
}

static void test_fork_after_the_end(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    fork_reply(w, inv, "180 Ringing", "t1", "e1", F1_ADDR, NULL);
    fork_reply(w, inv, "200 OK", "t2", "e2", F2_ADDR, NULL);
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 5);
    sp_reply(w->n, F2_ADDR, sp_last(w->n, F2_ADDR, "BYE"), 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(w->a.released, 1);
    /* a fork answers after the session was released: ACKed and BYEd, no event */
    fork_reply(w, inv, "200 OK", "t1", "e1", F1_ADDR, NULL);
    assert_int_equal(sp_count(w->n, F1_ADDR, "ACK"), 1);
    assert_int_equal(sp_count(w->n, F1_ADDR, "BYE"), 1);
    assert_int_equal(w->a.forks_ignored, 0);
}

/* Offer in the INVITE: one fork answers in an unreliable 183 (early media), another rings
 * without a body and then answers in its 2xx. The description in force is the one of the
 * endpoint that answered (RFC 3261 §13.2.2.4: each 2xx makes its own dialog, and this one's
 * answer is in its 2xx): the application is given it. */
static void test_answer_of_the_fork_that_answered(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    fork_reply(w, inv, "183 Session Progress", "t1", "e1", F1_ADDR, "answer-f1");
    assert_string_equal(w->a.last_answer_seen, "answer-f1");
    fork_reply(w, inv, "180 Ringing", "t2", "e2", F2_ADDR, NULL);
    party_clear(&w->a);
    fork_reply(w, inv, "200 OK", "t2", "e2", F2_ADDR, "answer-f2");
    assert_int_equal(o.status, 200);
    assert_string_equal(parley_session_to_tag(w->a.s), "t2");
    assert_true(party_saw(&w->a, "set_answer"));
    assert_string_equal(w->a.last_answer_seen, "answer-f2");
}

/* The same with the SDP negotiator (parley_session_use_sdp): the session's media is the 2xx
 * fork's, not the early one's (the negotiator takes a second answer to its offer). */
static void test_sdp_of_the_fork_that_answered(void **state)
{
    world *w = *state;
    w->a.use_sdp = 40000;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_BOB_URI, &o);
    fork_reply_typed(w, inv, "183 Session Progress", "t1", "e1", F1_ADDR, "application/sdp",
                     "v=0\r\no=f1 1 1 IN IP4 192.0.2.11\r\ns=-\r\nc=IN IP4 192.0.2.11\r\n"
                     "t=0 0\r\nm=audio 6001 RTP/AVP 0\r\n");
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(parley_session_sdp(w->a.s), 0, &st), 0);
    assert_int_equal(st.remote_port, 6001);
    fork_reply_typed(w, inv, "200 OK", "t2", "e2", F2_ADDR, "application/sdp",
                     "v=0\r\no=f2 1 1 IN IP4 192.0.2.12\r\ns=-\r\nc=IN IP4 192.0.2.12\r\n"
                     "t=0 0\r\nm=audio 6002 RTP/AVP 0\r\n");
    assert_int_equal(o.status, 200);
    assert_string_equal(parley_session_to_tag(w->a.s), "t2");
    assert_int_equal(parley_sdp_neg_stream(parley_session_sdp(w->a.s), 0, &st), 0);
    assert_int_equal(st.active, 1);
    assert_int_equal(st.remote_port, 6002);
    assert_slice_equal(st.remote_addr, "192.0.2.12");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_early_dialogs_and_ignored_fork, setup),
        WORLD_TEST(test_fork_after_the_end, setup),
        WORLD_TEST(test_answer_of_the_fork_that_answered, setup),
        WORLD_TEST(test_sdp_of_the_fork_that_answered, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
