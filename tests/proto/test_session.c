/*
 * The signaling session between two endpoints on the virtual network: every flow of the
 * offer/answer contract, every state transition, glare, crossings and loss.
 */
#include "test_util.h"

#include "world.h"

static void connect_call(world *w, outcome *o)
{
    w->b.on_incoming = 1;
    parley_session *s = party_call(&w->a, B_URI);
    assert_non_null(s);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_IDLE);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, o), 0);
    vnet_run(w->n, 100);
}

static void test_basic_call_message_bye(void **state)
{
    world *w = *state;
    outcome o = {0};
    connect_call(w, &o);
    if (o.calls != 1) {
        party_dump(&w->a);
        party_dump(&w->b);
        vnet_dump(w->n);
    }
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, 0);
    assert_int_equal(o.status, 200);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_string_equal(w->b.last_offer_seen, "offer-a-1");
    assert_string_equal(w->a.last_answer_seen, "answer-to:offer-a-1");
    assert_true(party_saw(&w->a, "state:Connecting:None"));
    assert_true(party_saw(&w->a, "state:Connected:None"));
    assert_true(party_saw(&w->a, "accepted"));
    assert_true(party_saw(&w->b, "state:Connecting:None"));
    assert_true(party_saw(&w->b, "state:Connected:None"));
    assert_true(party_saw(&w->b, "completed"));
    /* identity */
    assert_string_equal(parley_session_call_id(w->a.s), parley_session_call_id(w->b.s));
    assert_string_equal(parley_session_from_tag(w->a.s), parley_session_from_tag(w->b.s));
    assert_string_equal(parley_session_to_tag(w->a.s), parley_session_to_tag(w->b.s));
    assert_true(parley_session_is_incoming(w->b.s));
    assert_false(parley_session_is_incoming(w->a.s));

    /* a message each way, with a custom header */
    outcome m1 = {0}, m2 = {0};
    parley_content body = {NULL, "hi bob", 6};
    parley_header h = {"X-Test", "one"};
    assert_int_equal(
        parley_session_send_message(w->a.s, PARLEY_MSG_MESSAGE, &body, &h, 1, outcome_cb, &m1), 0);
    parley_content info = {"application/json", "{\"k\":1}", 7};
    assert_int_equal(
        parley_session_send_message(w->b.s, PARLEY_MSG_INFO, &info, NULL, 0, outcome_cb, &m2), 0);
    vnet_run(w->n, 100);
    assert_int_equal(m1.status, 200);
    assert_int_equal(m2.status, 200);
    assert_string_equal(w->b.last_message, "hi bob");
    assert_string_equal(w->b.last_header, "one");
    assert_string_equal(w->b.last_message_type, "MESSAGE");
    assert_string_equal(w->a.last_message, "{\"k\":1}");
    assert_string_equal(w->a.last_message_type, "INFO");

    /* BYE from the caller */
    outcome t = {0};
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 100);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.status, 200);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_DISCONNECTED);
    assert_true(party_saw(&w->a, "state:Disconnected:TerminatedLocally"));
    assert_true(party_saw(&w->b, "state:Disconnected:TerminatedRemotely"));
    assert_true(party_saw(&w->b, "remote_end:BYE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_basic_call_message_bye, world_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
