/*
 * Loss on each leg of a call, with the exact virtual times of the retransmissions that repair
 * it: INVITE, 1xx, 200, ACK (the UAS core retransmits its 2xx, the UAC core re-sends its ACK),
 * the 2xx never ACKed (BYE, Timeout, after 64*T1), BYE, its answer, CANCEL, and random loss.
 */
#include "test_util.h"

#include "world.h"

/* The callee's end by the caller's BYE. */
#define B_ENDED_BY_BYE B_CONNECTED_TRANS ENDED_BY_BYE_TRANS

/* Asserts that each side saw the call connect once. */
static void assert_connected_once(world *w)
{
    assert_trans(&w->a, A_CONNECTED_TRANS);
    assert_trans(&w->b, B_CONNECTED_TRANS);
    assert_int_equal(w->a.accepted, 1);
    assert_int_equal(w->b.completed, 1);
}

/* The first packet from src starting with prefix is lost; A calls B, who accepts; 3 s later. */
static void call_losing_first(world *w, const char *src, const char *prefix, outcome *o)
{
    world_drop(w, src, prefix, 0, 1);
    world_call_b(w, PARTY_ACCEPT, o, 3000);
}

/* The INVITE is lost: retransmitted at T1, the call completes; the callee sees one session. */
static void test_lost_invite(void **state)
{
    world *w = *state;
    outcome o = {0};
    call_losing_first(w, A_ADDR, "INVITE", &o);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "INVITE"), 2);
    assert_int_equal(vnet_get(w->n, 1)->sent_at, 1500);
    outcome_assert_once(&o, 200);
    assert_int_equal(o.at, 1502);
    assert_connected_once(w);
    assert_log(&w->b, B_ANSWERED_LOG);
}

/* The 180 is lost: nothing repeats it; the 200 connects straight from Connecting. */
static void test_lost_ringing(void **state)
{
    world *w = *state;
    world_drop(w, B_ADDR, "SIP/2.0 180", 0, 1);
    outcome o = {0};
    world_call_b(w, PARTY_RING, &o, 100);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "INVITE"), 1); /* Timer A: not yet */
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 100);
    assert_connected_once(w);
    assert_int_equal(w->a.provisionals, 0);
}

/* The 200 is lost: the UAS core retransmits it T1 after the first; the caller's INVITE
 * retransmission meanwhile is absorbed (no second session, no second 200 from the
 * transaction). */
static void test_lost_200(void **state)
{
    world *w = *state;
    outcome o = {0};
    call_losing_first(w, B_ADDR, "SIP/2.0 200", &o);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "INVITE"), 2); /* Timer A at 1500 */
    assert_int_equal(vnet_count_match(w->n, B_ADDR, "SIP/2.0 200"), 2);
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_int_equal(ok->sent_at, 1501);
    assert_int_equal(o.at, 1502);
    assert_connected_once(w);
    assert_log(&w->b, B_ANSWERED_LOG);
    /* the retransmission is the same response */
    assert_string_equal(vnet_get(w->n, 1)->data, ok->data);
}

/* The ACK is lost: the 2xx comes again at T1 and the caller re-sends the same ACK; the call
 * completes once on both sides. */
static void test_lost_ack(void **state)
{
    world *w = *state;
    outcome o = {0};
    call_losing_first(w, A_ADDR, "ACK", &o);
    assert_int_equal(vnet_count_match(w->n, B_ADDR, "SIP/2.0 200"), 2);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "ACK"), 2);
    const vnet_packet *ack1 = vnet_get(w->n, 2), *ack2 = vnet_find(w->n, B_ADDR, "ACK", 0);
    assert_true(ack1->dropped);
    assert_int_equal(ack2->sent_at, 1502);
    assert_string_equal(ack1->data, ack2->data);
    assert_connected_once(w);
    int i = party_index(&w->b, "state:Connected:None", 0);
    assert_int_equal(w->b.log_at[i], 1503);
    assert_int_equal(o.calls, 1);
}

/* The 2xx is never ACKed: retransmitted at T1, 2T1, 4T1... capped at T2, then at 64*T1 the UAS
 * gives up: BYE, Disconnected with reason Timeout, participate fails with PARLEY_E_TIMEOUT. */
static void test_2xx_never_acked(void **state)
{
    world *w = *state;
    world_drop(w, A_ADDR, "ACK", 0, 0);
    outcome o = {0}, ob = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    ob.n = w->n;
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob), 0);
    uint64_t t0 = vnet_now(w->n);
    vnet_run(w->n, 40000);
    static const uint64_t at[] = {0,     500,   1500,  3500,  7500, 11500,
                                  15500, 19500, 23500, 27500, 31500};
    size_t n = 0;
    for (size_t i = 0; i < vnet_count(w->n); i++) {
        const vnet_packet *p = vnet_get(w->n, i);
        if (!strcmp(p->src, B_ADDR) && p->status == 200 && !strcmp(p->method, "INVITE")) {
            assert_true(n < 11);
            assert_int_equal(p->sent_at, t0 + at[n]);
            n++;
        }
    }
    assert_int_equal(n, 11);
    const vnet_packet *bye = vnet_find(w->n, A_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_int_equal(bye->sent_at, t0 + 32000);
    assert_int_equal(ob.calls, 1);
    assert_int_equal(ob.error, PARLEY_E_TIMEOUT);
    assert_int_equal(ob.at, t0 + 32000);
    assert_trans(&w->b, "Incoming>Connecting:None:-|Connecting>Disconnected:Timeout:-");
    /* the caller ACKed every one (all lost) and then heard the BYE */
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "ACK"), 11);
    assert_trans(&w->a, A_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
    assert_int_equal(w->a.accepted, 1);
}

/* The caller keeps its ACK while the callee may still retransmit its 2xx (64*T1, RFC 3261
 * §13.3.1.4: a late copy within that is ACKed again) and then lets it go: a held session does
 * not carry it, and a copy of the 2xx past that time gets no ACK (the callee gave up on it long
 * before) and changes nothing. */
static void test_ack_kept_for_64_t1(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 100);
    assert_connected_once(w);
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_non_null(ok);
    char *copy = strdup(ok->data);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "ACK"), 1);
    vnet_run(w->n, 20000);
    vnet_inject(w->n, B_ADDR, A_ADDR, copy); /* 20 s after: ACKed again, the same ACK */
    vnet_run(w->n, 100);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "ACK"), 2);
    assert_string_equal(vnet_find(w->n, B_ADDR, "ACK", 0)->data,
                        vnet_find(w->n, B_ADDR, "ACK", 1)->data);
    vnet_run(w->n, 20000);
    vnet_inject(w->n, B_ADDR, A_ADDR, copy); /* 40 s after: the ACK is gone */
    vnet_run(w->n, 100);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "ACK"), 2);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(w->a.accepted, 1);
    free(copy);
}

/* A calls B, which does what on_incoming says; 10 ms later A terminates (t gets the outcome and
 * its time) and 3 s pass. */
static void call_then_terminate(world *w, int on_incoming, outcome *o, outcome *t)
{
    w->b.on_incoming = on_incoming;
    parley_session *s = world_call(w, B_URI, o);
    vnet_run(w->n, 10);
    t->n = w->n;
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, t), 0);
    vnet_run(w->n, 3000);
}

/* Asserts that A sent `method` twice (the first lost) and B got the copy at T1 (1510). */
static void assert_resent_at_t1(world *w, const char *method)
{
    assert_int_equal(vnet_count_match(w->n, A_ADDR, method), 2);
    assert_int_equal(vnet_find(w->n, B_ADDR, method, 0)->sent_at, 1510);
}

/* The BYE is lost: retransmitted at T1; the terminate completes with its 200. */
static void test_lost_bye(void **state)
{
    world *w = *state;
    world_drop(w, A_ADDR, "BYE", 0, 1);
    outcome o = {0}, t = {0};
    call_then_terminate(w, PARTY_ACCEPT, &o, &t);
    assert_resent_at_t1(w, "BYE");
    outcome_assert_once(&t, 200);
    assert_int_equal(t.at, 1512);
    assert_trans(&w->b, B_ENDED_BY_BYE);
}

/* The 200 to the BYE is lost: the BYE comes again and its transaction answers again; the
 * callee ends once. */
static void test_lost_bye_answer(void **state)
{
    world *w = *state;
    world_drop(w, B_ADDR, "SIP/2.0 200", 1, 1); /* the first 200 is the INVITE's */
    outcome o = {0}, t = {0};
    call_then_terminate(w, PARTY_ACCEPT, &o, &t);
    assert_int_equal(vnet_count_match(w->n, B_ADDR, "SIP/2.0 200"), 3);
    assert_int_equal(t.status, 200);
    assert_int_equal(t.at, 1512);
    assert_int_equal(w->b.remote_ends, 1);
}

/* The CANCEL is lost: retransmitted at T1, the 487 ends the call. */
static void test_lost_cancel(void **state)
{
    world *w = *state;
    world_drop(w, A_ADDR, "CANCEL", 0, 1);
    outcome o = {0}, t = {0};
    call_then_terminate(w, PARTY_RING, &o, &t);
    assert_resent_at_t1(w, "CANCEL");
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    assert_int_equal(t.at, 1512);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Disconnected:TerminatedLocally:487");
    assert_trans(&w->b, "Incoming>Disconnected:Canceled:CANCEL");
}

/* Random loss on every leg: many calls (INVITE, 200, ACK, a MESSAGE, BYE) all complete with
 * the same story on both sides. */
static void test_random_loss(void **state)
{
    world *w = *state;
    vnet_set_loss(w->n, 0.25, 7);
    w->b.on_incoming = PARTY_ACCEPT;
    for (int i = 0; i < 20; i++) {
        party_clear(&w->a);
        party_clear(&w->b);
        outcome o = {0}, m = {0}, t = {0};
        parley_session *s = world_call(w, B_URI, &o);
        vnet_run(w->n, 40000);
        outcome_assert_once(&o, 200);
        parley_content body = {NULL, "hello", 5};
        assert_int_equal(
            parley_session_send_message(s, PARLEY_MSG_MESSAGE, &body, NULL, 0, outcome_cb, &m), 0);
        vnet_run(w->n, 40000);
        outcome_assert_once(&m, 200);
        assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
        vnet_run(w->n, 40000);
        outcome_assert_once(&t, 200);
        assert_trans(&w->a, A_CONNECTED_TRANS ENDED_LOCALLY_TRANS);
        assert_trans(&w->b, B_ENDED_BY_BYE);
        assert_int_equal(w->b.messages, 1);
        assert_int_equal(w->a.accepted, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_lost_invite, world_setup),
        WORLD_TEST(test_lost_ringing, world_setup),
        WORLD_TEST(test_lost_200, world_setup),
        WORLD_TEST(test_lost_ack, world_setup),
        WORLD_TEST(test_2xx_never_acked, world_setup),
        WORLD_TEST(test_ack_kept_for_64_t1, world_setup),
        WORLD_TEST(test_lost_bye, world_setup),
        WORLD_TEST(test_lost_bye_answer, world_setup),
        WORLD_TEST(test_lost_cancel, world_setup),
        WORLD_TEST(test_random_loss, world_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
