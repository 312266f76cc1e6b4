/*
 * Redirection: the callee's side (302 or another 3xx with a list of Contacts, targets that
 * loop back refused) and the caller's (targets followed by q, TRY_ALL by default, TRY_THIS,
 * SKIP_THIS, TRY_NONE, at most 8 redirections, terminate while redirecting).
 */
#include "test_util.h"

#include "world.h"

/* a, b (its URI B_URI), c, d and the scripted peer P */
static int setup(void **state)
{
    static const char *const peers[] = {P_ADDR, NULL};
    parley_endpoint_config cb = PARLEY_ENDPOINT_CONFIG_INIT;
    cb.uri = B_URI;
    const parley_endpoint_config *cfg[4] = {NULL, &cb, NULL, NULL};
    *state = world_new(4, cfg, peers);
    return 0;
}

/* The callee's redirect: validation, and what goes on the wire. */
static void test_redirect_refusals_and_wire(void **state)
{
    world *w = *state;
    outcome o = {0};
    w->a.redirect_actions[0] = PARLEY_REDIRECT_TRY_NONE;
    w->a.nredirect_actions = 1;
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    parley_session *b = w->b.s;
    parley_address ok[2] = {{C_URI, NULL}, {D_URI, "epidd"}};
    parley_address bad_uri = {"not a uri", NULL}, bad_gt = {"sip:x@10.0.0.3>", NULL};
    parley_address self_uri = {B_URI, NULL}, self_addr = {"sip:someone@10.0.0.2:5060", NULL},
                   self_port = {"sip:someone@10.0.0.2", NULL};
    parley_address inviter = {"sip:node@10.0.0.1:5060", NULL};
    parley_address inviter_epid = {"sip:node@10.0.0.1:5060", NULL};
    inviter_epid.epid = parley_endpoint_epid(w->a.ep);
    assert_int_equal(parley_session_redirect(b, 299, ok, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 400, ok, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, ok, 0, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, NULL, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, &bad_uri, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, &bad_gt, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, &self_uri, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, &self_addr, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, &self_port, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, &inviter, 1, NULL, 0), PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect(b, 0, &inviter_epid, 1, NULL, 0), PARLEY_E_INVAL);
    parley_address list_with_self[2] = {{C_URI, NULL}, {B_URI, NULL}};
    assert_int_equal(parley_session_redirect(b, 0, list_with_self, 2, NULL, 0), PARLEY_E_INVAL);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), 1);
    assert_int_equal(parley_session_state(b), PARLEY_STATE_INCOMING);
    /* the inviter's URI with another endpoint id is another endpoint: allowed */
    parley_address other_epid = {"sip:node@10.0.0.1:5060", "someoneelse"};
    parley_address targets[3] = {ok[0], ok[1], other_epid};
    assert_int_equal(parley_session_redirect(b, 0, targets, 3, NULL, 0), 0);
    assert_int_equal(parley_session_redirect(b, 0, targets, 1, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    const vnet_packet *r = vnet_find(w->n, A_ADDR, "SIP/2.0 302 Moved Temporarily", 0);
    assert_non_null(r);
    assert_string_equal(hdr_nth(r, "Contact", 0), "<" C_URI ">");
    assert_string_equal(hdr_nth(r, "Contact", 1), "<" D_URI ">;epid=epidd");
    assert_string_equal(hdr_nth(r, "Contact", 2), "<sip:node@10.0.0.1:5060>;epid=someoneelse");
    assert_string_equal(hdr_nth(r, "Contact", 3), "");
    assert_string_equal(w->a.redirect_seen[0], C_URI "," D_URI ",sip:node@10.0.0.1:5060");
    assert_int_equal(o.status, 302);

    /* another 3xx code */
    party_clear(&w->a);
    outcome o2 = {0};
    world_call(w, B_URI, &o2);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_redirect(w->b.s, 380, ok, 1, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 380 Alternative Service", 0));
    /* too late once answered */
    outcome o3 = {0};
    w->b.on_incoming = PARTY_ACCEPT;
    world_call(w, B_URI, &o3);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_redirect(w->b.s, 0, ok, 1, NULL, 0), PARLEY_E_STATE);
}

/* B redirects to C then D; C does what c_incoming says (rejecting with reject_code), D
 * accepts. */
static void redirect_b_to_c_and_d(world *w, int c_incoming, int reject_code)
{
    static const parley_address t[2] = {{C_URI, NULL}, {D_URI, NULL}};
    party_redirect_to(&w->b, t, 2);
    w->c.on_incoming = c_incoming;
    w->c.reject_code = reject_code;
    w->d.on_incoming = PARTY_ACCEPT;
}

/* A's on_redirecting answers first, then second; A calls B (o gets the outcome); 50 ms later. */
static void call_b_choosing(world *w, outcome *o, parley_redirect_action first,
                            parley_redirect_action second)
{
    w->a.redirect_actions[0] = first;
    w->a.redirect_actions[1] = second;
    w->a.nredirect_actions = 2;
    world_call(w, B_URI, o);
    vnet_run(w->n, 50);
}

/* TRY_ALL (the default): the targets are tried in turn until one answers; the application is
 * asked once. */
static void test_try_all(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_REJECT, 486);
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 50);
    assert_int_equal(o.status, 200);
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Redirecting:None|redirecting:0/2:0|"
                      "state:Connecting:None|state:Redirecting:None|state:Connecting:None|"
                      "set_answer|accepted|state:Connected:None");
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Connecting:None:302|Connecting>Redirecting:None:486|"
                        "Redirecting>Connecting:None:486|Connecting>Connected:None:200");
    assert_string_equal(hdr_nth(vnet_find(w->n, C_ADDR, "INVITE", 0), "CSeq", 0), "2 INVITE");
    assert_string_equal(hdr_nth(vnet_find(w->n, D_ADDR, "INVITE", 0), "CSeq", 0), "3 INVITE");
    assert_int_equal(parley_session_state(w->d.s), PARLEY_STATE_CONNECTED);
}

/* No on_redirecting at all: TRY_ALL. */
static void test_no_callback_tries_all(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_REJECT, 480);
    parley_session *s = party_call(&w->a, B_URI);
    parley_session_cbs none = {0};
    assert_int_equal(parley_session_set_callbacks(s, &none, NULL), 0);
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 50);
    assert_int_equal(o.status, 200);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(w->d.s), PARLEY_STATE_CONNECTED);
}

/* SKIP_THIS then TRY_THIS: the first target is skipped, the second tried. */
static void test_skip_this_try_this(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    outcome o = {0};
    call_b_choosing(w, &o, PARLEY_REDIRECT_SKIP_THIS, PARLEY_REDIRECT_TRY_THIS);
    assert_int_equal(o.status, 200);
    assert_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
    assert_non_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Redirecting:None|redirecting:0/2:3|"
                      "redirecting:1/2:2|state:Connecting:None|set_answer|accepted|"
                      "state:Connected:None");
    assert_string_equal(hdr_nth(vnet_find(w->n, D_ADDR, "INVITE", 0), "CSeq", 0), "2 INVITE");
}

/* TRY_THIS asks again after a failure; TRY_NONE then ends with the last failure's reason. */
static void test_try_this_then_none(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_REJECT, 486);
    outcome o = {0};
    call_b_choosing(w, &o, PARLEY_REDIRECT_TRY_THIS, PARLEY_REDIRECT_TRY_NONE);
    assert_int_equal(o.status, 486);
    assert_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Redirecting:None|redirecting:0/2:2|"
                      "state:Connecting:None|state:Redirecting:None|redirecting:1/2:1|"
                      "state:Disconnected:Busy");
}

/* Contacts are tried by descending q; a 3xx without Contacts ends the call. */
static void test_q_order_and_empty(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 302, "Moved", "r1",
             "Contact: <" C_URI ">;q=0.5, <" D_URI ">;q=1.0\r\nContact: <sip:x@10.0.0.5>;q=0.7\r\n",
             NULL);
    vnet_run(w->n, 5);
    assert_string_equal(w->a.redirect_seen[0], D_URI ","
                                                     "sip:x@10.0.0.5," C_URI);
    assert_non_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
    assert_int_equal(parley_session_participate(w->d.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);

    party_clear(&w->a);
    outcome o2 = {0};
    inv = world_call_peer(w, P_URI, &o2);
    sp_reply(w->n, P_ADDR, inv, 302, "Moved", "r2", NULL, NULL);
    vnet_run(w->n, 5);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Disconnected:None:302");
    assert_int_equal(o2.status, 302);
    assert_int_equal(w->a.redirecting_calls, 0);
}

/* Redirections that loop (B -> C -> B ...) stop after 8 (RFC 3261 §8.1.3.4 leaves the limit
 * to the UAC). */
static void test_redirect_limit(void **state)
{
    world *w = *state;
    parley_address to_c = {C_URI, NULL}, to_b = {B_URI, NULL};
    party_redirect_to(&w->b, &to_c, 1);
    party_redirect_to(&w->c, &to_b, 1);
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 100);
    if (o.calls != 1) {
        vnet_dump(w->n);
        party_dump(&w->a);
    }
    outcome_assert_once(&o, 302);
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "INVITE"), 9);
    assert_int_equal(w->a.redirecting_calls, 8);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(w->a.reasons[w->a.nstates - 1], PARLEY_REASON_NONE);
}

/* Terminate from on_redirecting: the call ends there, nothing more is sent. */
static void terminate_on_redirecting(party *p, const char *event)
{
    if (!strncmp(event, "redirecting:", 12))
        parley_session_terminate(p->s, NULL, 0, outcome_cb, p->hook_arg);
}

static void test_terminate_while_redirecting(void **state)
{
    world *w = *state;
    parley_address t[1] = {{C_URI, NULL}};
    party_redirect_to(&w->b, t, 1);
    outcome o = {0}, term = {0};
    w->a.hook = terminate_on_redirecting;
    w->a.hook_arg = &term;
    world_call(w, B_URI, &o);
    vnet_run(w->n, 50);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Disconnected:TerminatedLocally:-");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(term.calls, 1);
    assert_int_equal(term.error, 0);
    assert_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_redirect_refusals_and_wire, setup),
        WORLD_TEST(test_try_all, setup),
        WORLD_TEST(test_no_callback_tries_all, setup),
        WORLD_TEST(test_skip_this_try_this, setup),
        WORLD_TEST(test_try_this_then_none, setup),
        WORLD_TEST(test_q_order_and_empty, setup),
        WORLD_TEST(test_redirect_limit, setup),
        WORLD_TEST(test_terminate_while_redirecting, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
