/*
 * Redirection: the callee's side (302 or another 3xx with a list of Contacts, targets that
 * loop back refused) and the caller's (targets followed by q, TRY_ALL by default, TRY_THIS,
 * SKIP_THIS, TRY_NONE, at most 8 redirections, terminate while redirecting), and the caller's
 * deferred answer (PARLEY_REDIRECT_DEFER, then parley_session_redirect_resume from the loop's
 * thread or another, terminate or the endpoint's stop).
 */
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>

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

/* A Contact of a 3xx with headers (allowed there, RFC 3261 §19.1.1): the next INVITE's
 * Request-URI is the URI without them (headers are not allowed in a Request-URI, and C would
 * answer 400), and they are not applied; on_redirecting sees the Contact as written. */
static void test_redirect_contact_headers(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 302, "Moved", "r1", "Contact: <" C_URI "?Replaces=2&X-A=b>\r\n",
             NULL);
    vnet_run(w->n, 5);
    assert_string_equal(w->a.redirect_seen[0], C_URI "?Replaces=2&X-A=b");
    const vnet_packet *next = vnet_find(w->n, C_ADDR, "INVITE", 0);
    assert_non_null(next);
    assert_true(sp_has(next, "INVITE " C_URI " SIP/2.0\r\n"));
    assert_string_equal(hdr(next, "Replaces"), "");
    assert_string_equal(hdr(next, "X-A"), "");
    assert_string_equal(hdr(next, "To"), "<" P_URI ">");
    assert_int_equal(parley_session_participate(w->c.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
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

/* ---- a deferred answer: PARLEY_REDIRECT_DEFER, then parley_session_redirect_resume ---- */

/* A's on_redirecting defers (then answers each later question with acts[1..n)); A calls B,
 * which redirects to C then D; 50 ms later the call waits in Redirecting, nothing sent. */
static void call_b_deferring(world *w, outcome *o, const parley_redirect_action *acts, int n)
{
    w->a.redirect_actions[0] = PARLEY_REDIRECT_DEFER;
    for (int i = 1; i < n; i++)
        w->a.redirect_actions[i] = acts[i];
    w->a.nredirect_actions = n < 1 ? 1 : n;
    world_call(w, B_URI, o);
    vnet_run(w->n, 50);
    assert_int_equal(o->calls, 0);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_REDIRECTING);
    assert_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
    assert_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
}

/* DEFER, then TRY_THIS with headers: nothing moves until the resume, nothing inside it; then
 * the INVITE goes to that target with the headers (and participate's CSeq + 1). */
static void test_defer_then_try_this(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    outcome o = {0};
    call_b_deferring(w, &o, NULL, 1);
    size_t before = vnet_count(w->n);
    vnet_run(w->n, 60000); /* a user who takes a minute: the call waits */
    assert_int_equal(vnet_count_match(w->n, A_ADDR, "INVITE"), 1);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, ""), 0);
    assert_int_equal(o.calls, 0);
    static const parley_header h[] = {{"X-Test", "resumed"}};
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_THIS, h, 1), 0);
    /* nothing inside the call; once per deferral */
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_REDIRECTING);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, ""), 0);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_THIS, NULL, 0),
                     PARLEY_E_STATE);
    vnet_run(w->n, 50);
    outcome_assert_once(&o, 200);
    const vnet_packet *inv = vnet_find(w->n, C_ADDR, "INVITE", 0);
    assert_non_null(inv);
    assert_string_equal(hdr(inv, "X-Test"), "resumed");
    assert_string_equal(hdr_nth(inv, "CSeq", 0), "2 INVITE");
    assert_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Redirecting:None|"
                      "redirecting:0/2:100|state:Connecting:None|set_answer|accepted|"
                      "state:Connected:None");
    assert_int_equal(parley_session_state(w->c.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_ALL, NULL, 0),
                     PARLEY_E_STATE);
}

/* DEFER, then TRY_NONE: participate fails with the 3xx, as a TRY_NONE returned at once. */
static void test_defer_then_try_none(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    outcome o = {0};
    call_b_deferring(w, &o, NULL, 1);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_NONE, NULL, 0), 0);
    vnet_run(w->n, 50);
    outcome_assert_once(&o, 302);
    assert_int_equal(o.error, PARLEY_E_FAILURE_RESPONSE);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Disconnected:None:302");
    assert_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
    assert_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_ALL, NULL, 0),
                     PARLEY_E_STATE);
}

/* Deferred twice: TRY_THIS to C, which fails 486; asked about D, A defers again; TRY_NONE then
 * ends with C's failure (not the 3xx), as the non-deferred path does. */
static void test_defer_after_target_failure(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_REJECT, 486);
    outcome o = {0};
    const parley_redirect_action acts[2] = {PARLEY_REDIRECT_DEFER, PARLEY_REDIRECT_DEFER};
    call_b_deferring(w, &o, acts, 2);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_THIS, NULL, 0), 0);
    vnet_run(w->n, 50);
    assert_non_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
    assert_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
    assert_int_equal(o.calls, 0);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_REDIRECTING);
    assert_int_equal(w->a.redirect_status, 302); /* the callback still sees the 3xx */
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_NONE, NULL, 0), 0);
    vnet_run(w->n, 50);
    outcome_assert_once(&o, 486);
    assert_int_equal(o.error, PARLEY_E_FAILURE_RESPONSE);
    assert_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Redirecting:None|"
                      "redirecting:0/2:100|state:Connecting:None|state:Redirecting:None|"
                      "redirecting:1/2:100|state:Disconnected:Busy");
}

/* SKIP_THIS from a resume: the callback is asked about the next target (TRY_ALL here). */
static void test_defer_then_skip_this(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    outcome o = {0};
    const parley_redirect_action acts[2] = {PARLEY_REDIRECT_DEFER, PARLEY_REDIRECT_TRY_ALL};
    call_b_deferring(w, &o, acts, 2);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_SKIP_THIS, NULL, 0), 0);
    vnet_run(w->n, 50);
    outcome_assert_once(&o, 200);
    assert_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
    assert_string_equal(hdr_nth(vnet_find(w->n, D_ADDR, "INVITE", 0), "CSeq", 0), "2 INVITE");
    assert_int_equal(w->a.redirecting_calls, 2);
}

/* A target that cannot be reached (ICMP port unreachable), then DEFER and TRY_NONE: the
 * transport error, as without deferral. */
static void test_defer_after_transport_error(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    vnet_gone(w->n, C_ADDR);
    outcome o = {0};
    w->a.redirect_actions[0] = PARLEY_REDIRECT_TRY_THIS;
    w->a.redirect_actions[1] = PARLEY_REDIRECT_DEFER;
    w->a.nredirect_actions = 2;
    world_call(w, B_URI, &o);
    vnet_run(w->n, 50);
    assert_int_equal(o.calls, 0);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_REDIRECTING);
    assert_int_equal(w->a.redirecting_calls, 2);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_NONE, NULL, 0), 0);
    vnet_run(w->n, 50);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_CONNECT);
    assert_int_equal(w->a.reasons[w->a.nstates - 1], PARLEY_REASON_UNREACHABLE);
    assert_null(vnet_find(w->n, D_ADDR, "INVITE", 0));
}

/* Wrong uses: refused where called, the deferral kept; a session that never deferred. */
static void test_resume_refusals(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    parley_session *idle = party_call(&w->d, B_URI);
    assert_int_equal(parley_session_redirect_resume(idle, PARLEY_REDIRECT_TRY_ALL, NULL, 0),
                     PARLEY_E_STATE); /* (d keeps its reference) */
    outcome o = {0};
    call_b_deferring(w, &o, NULL, 1);
    parley_session *s = w->a.s;
    static const parley_header via[] = {{"Via", "SIP/2.0/UDP x"}}, crlf[] = {{"X-A", "a\r\nb"}};
    assert_int_equal(parley_session_redirect_resume(NULL, PARLEY_REDIRECT_TRY_ALL, NULL, 0),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect_resume(s, PARLEY_REDIRECT_DEFER, NULL, 0),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect_resume(s, (parley_redirect_action)7, NULL, 0),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect_resume(s, PARLEY_REDIRECT_TRY_ALL, NULL, 1),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect_resume(s, PARLEY_REDIRECT_TRY_ALL, crlf, 1),
                     PARLEY_E_INVAL);
    assert_int_equal(parley_session_redirect_resume(s, PARLEY_REDIRECT_TRY_ALL, via, 1),
                     PARLEY_E_HEADER_RESTRICTED);
    vnet_run(w->n, 50);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_REDIRECTING);
    assert_int_equal(o.calls, 0);
    assert_int_equal(parley_session_redirect_resume(s, PARLEY_REDIRECT_TRY_ALL, NULL, 0), 0);
    vnet_run(w->n, 50);
    outcome_assert_once(&o, 200);
    /* a connected session has nothing deferred */
    assert_int_equal(parley_session_redirect_resume(s, PARLEY_REDIRECT_TRY_ALL, NULL, 0),
                     PARLEY_E_STATE);
}

/* terminate while deferred: the session ends TerminatedLocally, participate gets
 * PARLEY_E_TERMINATED, nothing is sent (no INVITE is in flight); the resume is refused. */
static void test_defer_then_terminate(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    outcome o = {0}, term = {0};
    call_b_deferring(w, &o, NULL, 1);
    size_t before = vnet_count(w->n);
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &term), 0);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_ALL, NULL, 0),
                     PARLEY_E_STATE);
    vnet_run(w->n, 50);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Disconnected:TerminatedLocally:-");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(term.calls, 1);
    assert_int_equal(term.error, 0);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, ""), 0);
}

/* The resume, then terminate before the loop ran either: the terminate wins, nothing sent. */
static void test_resume_then_terminate(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    outcome o = {0}, term = {0};
    call_b_deferring(w, &o, NULL, 1);
    size_t before = vnet_count(w->n);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_ALL, NULL, 0), 0);
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &term), 0);
    vnet_run(w->n, 50);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(term.calls, 1);
    assert_int_equal(w->a.reasons[w->a.nstates - 1], PARLEY_REASON_TERMINATED_LOCALLY);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, ""), 0);
}

/* The endpoint stops while a redirection is deferred: the session ends, participate gets
 * PARLEY_E_TERMINATED, nothing leaks (memcheck runs this). */
static void test_defer_then_endpoint_stop(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_ACCEPT, 0);
    outcome o = {0};
    call_b_deferring(w, &o, NULL, 1);
    assert_int_equal(parley_endpoint_stop(w->a.ep), 0);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Disconnected:TerminatedLocally:-");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(parley_session_redirect_resume(w->a.s, PARLEY_REDIRECT_TRY_ALL, NULL, 0),
                     PARLEY_E_TERMINATED);
    vnet_run(w->n, 50);
    assert_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
}

/* The resume from another thread: it returns once the loop took it; the INVITE and the
 * completion come from the loop (the test's thread), never from the resuming thread. */
typedef struct resumer {
    parley_session *s;
    atomic_int done;
    int rc;
} resumer;

static void *resume_thread(void *arg)
{
    resumer *r = arg;
    static const parley_header h[] = {{"X-Test", "from-thread"}};
    r->rc = parley_session_redirect_resume(r->s, PARLEY_REDIRECT_TRY_ALL, h, 1);
    atomic_store(&r->done, 1);
    return NULL;
}

static pthread_t loop_thread;
static int events_off_loop;

static void note_thread(party *p, const char *event)
{
    (void)p;
    (void)event;
    if (!pthread_equal(pthread_self(), loop_thread))
        events_off_loop++;
}

static void test_resume_from_another_thread(void **state)
{
    world *w = *state;
    redirect_b_to_c_and_d(w, PARTY_REJECT, 486);
    outcome o = {0};
    call_b_deferring(w, &o, NULL, 1);
    loop_thread = pthread_self();
    events_off_loop = 0;
    w->a.hook = note_thread;
    resumer r = {w->a.s, 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, resume_thread, &r), 0);
    while (!atomic_load(&r.done))
        vnet_run(w->n, 0); /* the loop takes the call (no virtual time passes) */
    pthread_join(t, NULL);
    assert_int_equal(r.rc, 0);
    vnet_run(w->n, 50);
    outcome_assert_once(&o, 200);
    assert_string_equal(hdr(vnet_find(w->n, C_ADDR, "INVITE", 0), "X-Test"), "from-thread");
    assert_string_equal(hdr(vnet_find(w->n, D_ADDR, "INVITE", 0), "X-Test"), "from-thread");
    assert_int_equal(w->a.redirecting_calls, 1); /* TRY_ALL: not asked again */
    assert_int_equal(events_off_loop, 0);
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
        WORLD_TEST(test_redirect_contact_headers, setup),
        WORLD_TEST(test_redirect_limit, setup),
        WORLD_TEST(test_terminate_while_redirecting, setup),
        WORLD_TEST(test_defer_then_try_this, setup),
        WORLD_TEST(test_defer_then_try_none, setup),
        WORLD_TEST(test_defer_after_target_failure, setup),
        WORLD_TEST(test_defer_then_skip_this, setup),
        WORLD_TEST(test_defer_after_transport_error, setup),
        WORLD_TEST(test_resume_refusals, setup),
        WORLD_TEST(test_defer_then_terminate, setup),
        WORLD_TEST(test_resume_then_terminate, setup),
        WORLD_TEST(test_defer_then_endpoint_stop, setup),
        WORLD_TEST(test_resume_from_another_thread, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
