/*
 * The API contract of session.h and the flows the new user's programs broke on: no callback
 * inside the call that caused it (a B2BUA ending its other leg), one on_released after
 * everything, completions with their session, the Reason header of the BYE or CANCEL, the 3xx
 * in on_redirecting, parley_request_type, REFER progress and its end, deferred answers, one
 * negotiator per session, 488 for offers nobody can answer, merged capabilities, crossing BYEs,
 * a CANCEL whose INVITE never gets its final answer.
 */
#include "test_util.h"

#include "world.h"

/* a, b, c and the scripted peer P */
static int setup(void **state)
{
    static const char *const peers[] = {P_ADDR, NULL};
    *state = world_new(3, NULL, peers);
    return 0;
}

/* ---- no callback inside the call ---- */

/* A B2BUA's shape: when its leg to B is Connected it ends its leg to C from inside that
 * callback (its own lock held, so to speak). The other leg's events come after the call
 * returned, never inside it. */
static int inside_call;
static parley_session *other_leg;

static void end_other_leg(party *p, const char *event)
{
    if (inside_call)
        p->bad++; /* an event of the other leg fired inside our terminate call */
    if (strcmp(event, "state:Connected:None") || !other_leg || p != p->hook_arg)
        return;
    inside_call = 1;
    assert_int_equal(parley_session_terminate(other_leg, NULL, 0, NULL, NULL), 0);
    inside_call = 0;
    other_leg = NULL;
}

static void test_b2bua_terminate_in_callback(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    w->c.on_incoming = PARTY_RING;
    outcome oc = {0}, ob = {0};
    parley_session *leg_c = party_call(&w->a, C_URI);
    assert_int_equal(parley_session_participate(leg_c, NULL, 0, outcome_cb, &oc), 0);
    parley_session_ref(leg_c);
    vnet_run(w->n, 10);
    other_leg = leg_c;
    w->a.hook = end_other_leg;
    w->a.hook_arg = &w->a;
    parley_session *leg_b = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(leg_b, NULL, 0, outcome_cb, &ob), 0);
    vnet_run(w->n, 50);
    assert_int_equal(ob.status, 200);
    assert_int_equal(parley_session_state(leg_c), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(oc.error, PARLEY_E_TERMINATED); /* the CANCELled leg's participate */
    assert_int_equal(w->a.bad, 0);
    assert_non_null(vnet_find(w->n, C_ADDR, "CANCEL", 0));
    parley_session_unref(leg_c);
}

/* ---- one end-of-life event ---- */

/* What an application attaches to a session and frees in on_released: any callback after it
 * would touch freed memory (ASan says so in the sanitizer build). */
typedef struct app_state {
    char seq[512];
    size_t len;
} app_state;

static char released_seq[512];

static void add(app_state *a, const char *what)
{
    a->len +=
        (size_t)snprintf(a->seq + a->len, sizeof(a->seq) - a->len, "%s%s", a->len ? "|" : "", what);
}

static void app_on_state(parley_session *s, const parley_state_change *ev, void *user)
{
    (void)s;
    char t[48];
    snprintf(t, sizeof(t), "state:%s", parley_state_name(ev->state));
    add(user, t);
}

static void app_done(parley_session *s, const parley_result *r, void *user)
{
    app_state *a = parley_session_user(s);
    char t[48];
    snprintf(t, sizeof(t), "%s:%d", (const char *)user, r->status);
    add(a, t);
}

static void app_on_released(parley_session *s, void *user)
{
    app_state *a = user;
    add(a, "released");
    snprintf(released_seq, sizeof(released_seq), "%s", a->seq);
    free(a);
    parley_session_set_user(s, NULL);
}

static void test_released_last(void **state)
{
    world *w = *state;
    app_state *a = calloc(1, sizeof(*a));
    parley_address to = {P_URI, NULL};
    parley_session *s = NULL;
    assert_int_equal(parley_session_create(w->a.ep, &to, NULL, &s), 0);
    parley_session_cbs cbs = {0};
    cbs.on_state = app_on_state;
    cbs.on_released = app_on_released;
    assert_int_equal(parley_session_set_callbacks(s, &cbs, a), 0);
    parley_session_set_user(s, a);
    released_seq[0] = '\0';
    assert_int_equal(parley_session_participate(s, NULL, 0, app_done, "participate"), 0);
    vnet_run(w->n, 5);
    const vnet_packet *inv = sp_last(w->n, P_ADDR, "INVITE");
    assert_non_null(inv);
    sp_reply(w->n, P_ADDR, inv, 486, "Busy Here", "p1", NULL, NULL);
    vnet_run(w->n, 5);
    /* a failed participate completes after the Disconnected change, on_released comes after
     * both (the application freed its state there) */
    assert_string_equal(released_seq,
                        "state:Connecting|state:Disconnected|participate:486|released");
    /* nothing fires after it; operations are refused */
    assert_int_equal(parley_session_terminate(s, NULL, 0, NULL, NULL), PARLEY_E_STATE);
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), PARLEY_E_STATE);
    vnet_run(w->n, 40000);
    parley_session_unref(s);
}

/* An idle session dropped by the application is freed at once: nothing keeps it. */
static void test_idle_session_freed(void **state)
{
    world *w = *state;
    parley_address to = {B_URI, NULL};
    parley_session *s = NULL;
    assert_int_equal(parley_session_create(w->a.ep, &to, NULL, &s), 0);
    parley_session_unref(s); /* (LeakSanitizer fails the test if something kept it) */
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), 0);
}

/* The target given at creation (the spec's SessionTarget), with its endpoint id;
 * redirection; an incoming session's is the INVITE's Request-URI. */
static void test_session_target(void **state)
{
    world *w = *state;
    parley_address to = {B_URI, "b0epid"}, got = {NULL, NULL};
    parley_session *s = NULL;
    assert_int_equal(parley_session_create(w->a.ep, &to, NULL, &s), 0);
    assert_int_equal(parley_session_target(s, NULL), PARLEY_E_INVAL);
    assert_int_equal(parley_session_target(NULL, &got), PARLEY_E_INVAL);
    assert_int_equal(parley_session_target(s, &got), 0);
    assert_string_equal(got.uri, B_URI);
    assert_string_equal(got.epid, "b0epid");
    parley_session_unref(s);
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    outcome_assert_once(&o, 200);
    assert_int_equal(parley_session_target(w->a.s, &got), 0);
    assert_string_equal(got.uri, B_URI);
    assert_null(got.epid);
    assert_int_equal(parley_session_target(w->b.s, &got), 0);
    assert_string_equal(got.uri, B_URI);
    assert_null(got.epid);
    /* a redirection does not change it: B sends A on to C, who answers */
    static const parley_address to_c = {C_URI, NULL};
    party_redirect_to(&w->b, &to_c, 1);
    w->c.on_incoming = PARTY_ACCEPT;
    outcome o2 = {0};
    world_call(w, B_URI, &o2);
    vnet_run(w->n, 20);
    outcome_assert_once(&o2, 200);
    assert_string_equal(parley_session_remote_tag(w->a.s), parley_session_local_tag(w->c.s));
    assert_int_equal(parley_session_target(w->a.s, &got), 0);
    assert_string_equal(got.uri, B_URI);
}

/* ---- crossing BYEs (RFC 5407 §3.6) ---- */

static void test_crossing_byes(void **state)
{
    world *w = *state;
    world_connect(w);
    size_t before = vnet_count(w->n);
    outcome ta = {0}, tb = {0};
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &ta), 0);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, outcome_cb, &tb), 0);
    vnet_run(w->n, 100);
    /* each BYE reached a dialog that still knew it: 200, no 481 */
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "BYE"), 1);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "BYE"), 1);
    assert_int_equal(sp_count_since(w->n, before, NULL, "SIP/2.0 481"), 0);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "SIP/2.0 200"), 1);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 200"), 1);
    assert_int_equal(ta.calls, 1);
    assert_int_equal(ta.error, 0);
    assert_int_equal(tb.calls, 1);
    assert_int_equal(tb.error, 0);
    assert_trans(&w->a, "Connected>Disconnected:TerminatedLocally:-");
    assert_trans(&w->b, "Connected>Disconnected:TerminatedLocally:-");
    /* after the BYEs the dialog is gone: a late request gets 481 */
    vnet_run(w->n, 40000);
    assert_int_equal(w->a.released + w->b.released, 2);
}

/* Our BYE answered 481 (theirs was processed first and the dialog is gone): the session is
 * over all the same; terminate succeeds. */
static void test_bye_answered_481_succeeds(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0};
    const vnet_packet *inv = world_connect_peer(w, "p1", &o);
    (void)inv;
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 5);
    const vnet_packet *bye = sp_last(w->n, P_ADDR, "BYE");
    assert_non_null(bye);
    sp_reply(w->n, P_ADDR, bye, 481, "Call/Transaction Does Not Exist", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.status, 481);
    assert_int_equal(t.error, 0);
}

/* ---- CANCEL answered 200, INVITE never finished: given up after 64*T1 (RFC 3261 §9.1) ---- */

static void test_cancel_without_487(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    sp_reply(w->n, P_ADDR, inv, 180, "Ringing", "p1", NULL, NULL);
    vnet_run(w->n, 5);
    t.n = w->n;
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 5);
    const vnet_packet *cancel = sp_last(w->n, P_ADDR, "CANCEL");
    assert_non_null(cancel);
    uint64_t cancelled_at = vnet_now(w->n);
    sp_reply(w->n, P_ADDR, cancel, 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 31000);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_ALERTED); /* still waiting */
    vnet_run(w->n, 2000);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    assert_true(t.at - cancelled_at >= 31990 && t.at - cancelled_at <= 32010);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Disconnected:TerminatedLocally:-");
}

/* ---- the Reason header of the BYE or CANCEL (RFC 3326) ---- */

static void peer_invite_to_a(world *w, const char *call_id, const char *tag, const char *branch)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=%s\r\n"
             "From: <" P_URI ">;tag=%s\r\nTo: <sip:node@10.0.0.1:5060>\r\nCall-ID: %s\r\n"
             "CSeq: 1 INVITE\r\nContact: <" P_URI ">\r\nMax-Forwards: 70\r\n",
             branch, tag, call_id);
    sp_send(w->n, P_ADDR, A_ADDR, head, NULL);
    vnet_run(w->n, 5);
}

static void test_reason_of_cancel_and_bye(void **state)
{
    world *w = *state;
    w->a.no_oa = 1;
    w->a.on_incoming = PARTY_RING;
    peer_invite_to_a(w, "r1@p", "pr1", "z9hG4bKr1");
    assert_non_null(w->a.s);
    sp_send(w->n, P_ADDR, A_ADDR,
            "CANCEL sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
            ";branch=z9hG4bKr1\r\nFrom: <" P_URI ">;tag=pr1\r\nTo: <sip:node@10.0.0.1:5060>\r\n"
            "Call-ID: r1@p\r\nCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\n"
            "Reason: SIP ;cause=200 ;text=\"Call completed elsewhere\"\r\n",
            NULL);
    vnet_run(w->n, 5);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_string_equal(w->a.sip_reason, "SIP;cause=200;text=Call completed elsewhere");

    /* a BYE with a Q.850 and a SIP reason: the SIP one */
    w->a.sip_reason[0] = '\0';
    w->a.on_incoming = PARTY_ACCEPT;
    peer_invite_to_a(w, "r2@p", "pr2", "z9hG4bKr2");
    const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
    assert_non_null(ok);
    char head[1024];
    snprintf(head, sizeof(head),
             "ACK sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bKr2a\r\nFrom: <" P_URI ">;tag=pr2\r\nTo: %s\r\nCall-ID: r2@p\r\n"
             "CSeq: 1 ACK\r\nMax-Forwards: 70\r\n",
             hdr(ok, "To"));
    sp_send(w->n, P_ADDR, A_ADDR, head, NULL);
    vnet_run(w->n, 5);
    snprintf(head, sizeof(head),
             "BYE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
             ";branch=z9hG4bKr2b\r\nFrom: <" P_URI ">;tag=pr2\r\nTo: %s\r\nCall-ID: r2@p\r\n"
             "CSeq: 2 BYE\r\nMax-Forwards: 70\r\nReason: Q.850;cause=16;text=\"Normal\", "
             "SIP;cause=480\r\n",
             hdr(ok, "To"));
    sp_send(w->n, P_ADDR, A_ADDR, head, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_string_equal(w->a.sip_reason, "SIP;cause=480;text=(none)");
}

/* ---- on_redirecting sees the 3xx and adds headers to the next INVITE ---- */

static void test_redirect_response_and_headers(void **state)
{
    world *w = *state;
    parley_address to_c = {C_URI, NULL};
    party_redirect_to(&w->b, &to_c, 1);
    w->b.redirect_code = 301;
    w->c.on_incoming = PARTY_ACCEPT;
    static const parley_header extra[] = {{"X-Test", "redirected"}};
    w->a.redirect_hdrs = extra;
    w->a.nredirect_hdrs = 1;
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 50);
    assert_int_equal(w->a.redirect_status, 301);
    assert_int_equal(o.status, 200);
    const vnet_packet *inv = vnet_find(w->n, C_ADDR, "INVITE", 0);
    assert_non_null(inv);
    assert_string_equal(hdr(inv, "X-Test"), "redirected");
    assert_null(strstr(vnet_find(w->n, B_ADDR, "INVITE", 0)->data, "X-Test"));
}

/* ---- parley_request_type ---- */

static void test_request_type(void **state)
{
    world *w = *state;
    world_connect(w);
    static const parley_msg_type types[] = {PARLEY_MSG_MESSAGE, PARLEY_MSG_INFO, PARLEY_MSG_OPTIONS,
                                            PARLEY_MSG_NOTIFY, PARLEY_MSG_SERVICE};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(parley_session_send_message(w->a.s, types[i], NULL, NULL, 0, NULL, NULL),
                         0);
        vnet_run(w->n, 10);
        assert_int_equal(w->b.last_type, types[i]);
    }
}

/* ---- REFER: a deferred acceptance, the referrer ending the subscription, its expiry ---- */

static void test_refer_deferred_and_ended(void **state)
{
    world *w = *state;
    world_connect(w);
    w->b.refer_defer = 1;
    outcome r = {0};
    parley_address target = {C_URI, NULL};
    assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.calls, 0); /* the REFER is not answered yet */
    assert_int_equal(w->b.refer_rc, 0);
    assert_non_null(w->b.refer_req);
    assert_null(sp_last(w->n, A_ADDR, "SIP/2.0 202")); /* deferred: no answer yet */
    /* the REFER is there to read */
    parley_slice m = parley_msg_method(parley_refer_request_msg(w->b.refer_req));
    assert_int_equal(m.len, 5);
    /* answered later, outside the callback */
    assert_int_equal(parley_refer_request_accept(w->b.refer_req, NULL, 0), 0);
    assert_int_equal(parley_refer_request_accept(w->b.refer_req, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_non_null(sp_last(w->n, A_ADDR, "SIP/2.0 202"));
    assert_int_equal(r.status, 202);
    assert_log(&w->a, "refer_progress:100");
    assert_int_equal(w->a.refer_state, PARLEY_REFER_TRYING);
    /* the referrer ends the subscription: one final event, after the call returned */
    const vnet_packet *refer = sp_last(w->n, B_ADDR, "REFER");
    uint32_t id = (uint32_t)atoi(hdr(refer, "CSeq"));
    assert_int_equal(parley_session_refer_end(w->a.s, id + 7), PARLEY_E_NOTFOUND);
    assert_int_equal(parley_session_refer_end(w->a.s, id), 0);
    assert_log(&w->a, "refer_progress:100");
    vnet_run(w->n, 0);
    assert_log(&w->a, "refer_progress:100|refer_progress:0:final");
    assert_int_equal(w->a.refer_state, PARLEY_REFER_TRYING); /* no outcome: the last state */
    assert_int_equal(parley_session_refer_end(w->a.s, id), PARLEY_E_NOTFOUND);
    /* a NOTIFY for it now gets 481 */
    assert_int_equal(parley_refer_request_notify(w->b.refer_req, 180, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_non_null(sp_last(w->n, B_ADDR, "SIP/2.0 481"));
    assert_log(&w->a, "refer_progress:100|refer_progress:0:final");
    /* that 481 ends B's subscription, not the call (RFC 5057 §5.1): it ended the session
     * (SessionDoesNotExist), the referrer's unsubscribing hung up the call it was in */
    world_assert_connected(w);
    /* B's application is told, once (the model's ReferNotifier.SubscriptionTerminated) */
    assert_int_equal(w->b.refers_ended, 1);
    assert_ptr_equal(w->b.refer_ended_req, w->b.refer_req);
    assert_int_equal(parley_refer_request_notify(w->b.refer_req, 200, NULL, 1), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count(w->n, A_ADDR, "NOTIFY"), 2); /* the 100 and the 180 */
    assert_int_equal(w->b.refers_ended, 1);
    outcome info = {0};
    world_a_sends(w, PARLEY_MSG_INFO, &info);
    vnet_run(w->n, 10);
    outcome_assert_once(&info, 200);
}

/* The model's ReferState from each NOTIFY's sipfrag: 180 Alerted, 486 Failed; a second REFER:
 * 302 Redirected (a final status ends the subscription, RFC 3515 §2.4.5). */
static void test_refer_states(void **state)
{
    world *w = *state;
    world_connect(w);
    w->b.refer_defer = 1;
    parley_address target = {C_URI, NULL};
    static const struct {
        int code, final, state;
    } steps[] = {{180, 0, PARLEY_REFER_ALERTED},
                 {486, 1, PARLEY_REFER_FAILED},
                 {302, 1, PARLEY_REFER_REDIRECTED}};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (i != 1) {
            assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, NULL, NULL), 0);
            vnet_run(w->n, 10);
            assert_int_equal(parley_refer_request_accept(w->b.refer_req, NULL, 0), 0);
            vnet_run(w->n, 10);
            assert_int_equal(w->a.refer_state, PARLEY_REFER_TRYING);
        }
        assert_int_equal(
            parley_refer_request_notify(w->b.refer_req, steps[i].code, NULL, steps[i].final), 0);
        vnet_run(w->n, 10);
        assert_int_equal(w->a.refer_state, steps[i].state);
    }
    assert_log(&w->a, "refer_progress:100|refer_progress:180|refer_progress:486:final|"
                      "refer_progress:100|refer_progress:302:final");
    assert_int_equal(w->b.refers_ended, 0); /* B ended them itself: no event */
}

static void test_refer_subscription_expires(void **state)
{
    world *w = *state;
    world_connect(w);
    w->b.refer_no_notify = 1; /* accepted; the final NOTIFY never comes */
    parley_address target = {C_URI, NULL};
    assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_log(&w->a, "refer_progress:100");
    vnet_run(w->n, 60000 + 31000); /* active;expires=60, then some grace */
    assert_log(&w->a, "refer_progress:100");
    vnet_run(w->n, 2000);
    assert_log(&w->a, "refer_progress:100|refer_progress:0:final");
}

/* ---- one negotiator per session ---- */

static void origin(const vnet_packet *p, char *id, size_t size, unsigned long long *version)
{
    const char *o = strstr(sp_body(p), "o=");
    assert_non_null(o);
    char user[32];
    assert_int_equal(sscanf(o, "o=%31s %63s %llu", user, id, version), 3);
    (void)size;
}

static void test_sdp_negotiator_per_session(void **state)
{
    world *w = *state;
    w->a.use_sdp = 40000;
    w->b.use_sdp = 41000;
    w->c.use_sdp = 42000;
    w->b.on_incoming = PARTY_ACCEPT;
    w->c.on_incoming = PARTY_ACCEPT;
    outcome o1 = {0}, o2 = {0};
    parley_session *s1 = party_call(&w->a, B_URI);
    parley_session_ref(s1);
    assert_int_equal(parley_session_participate(s1, NULL, 0, outcome_cb, &o1), 0);
    parley_session *s2 = party_call(&w->a, C_URI);
    assert_int_equal(parley_session_participate(s2, NULL, 0, outcome_cb, &o2), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o1.status, 200);
    assert_int_equal(o2.status, 200);
    char id1[64], id2[64];
    unsigned long long v1, v2;
    origin(vnet_find(w->n, B_ADDR, "INVITE", 0), id1, sizeof(id1), &v1);
    origin(vnet_find(w->n, C_ADDR, "INVITE", 0), id2, sizeof(id2), &v2);
    assert_string_not_equal(id1, id2); /* each session its own o= id */
    assert_int_equal(v1, v2);
    /* the answers too */
    char a1[64], a2[64];
    unsigned long long av1, av2;
    origin(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0), a1, sizeof(a1), &av1);
    origin(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 1), a2, sizeof(a2), &av2);
    assert_string_not_equal(a1, a2);
    /* a new description of session 1 (hold): its version +1, whatever session 2 did */
    parley_sdp_neg_set_dir(parley_session_sdp(s2), -1, PARLEY_SDP_SENDONLY);
    assert_int_equal(parley_session_renegotiate(s2, 0, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 20);
    parley_sdp_neg_set_dir(parley_session_sdp(s1), -1, PARLEY_SDP_SENDONLY);
    assert_int_equal(parley_session_renegotiate(s1, 0, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 20);
    char id3[64];
    unsigned long long v3;
    origin(vnet_find(w->n, B_ADDR, "INVITE", 1), id3, sizeof(id3), &v3);
    assert_string_equal(id3, id1);
    assert_int_equal(v3, v1 + 1);
    parley_session_unref(s1);
}

/* ---- an offer nobody can answer: 488 (RFC 3261 §13.2.1) ---- */

static void test_offer_without_contract_488(void **state)
{
    world *w = *state;
    w->b.no_oa = 1;
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 20);
    assert_int_equal(o.status, 488);
    assert_null(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0));
    assert_trans(&w->b, "Incoming>Disconnected:NotAcceptableMedia:-");

    /* a session made without bodies (null offer to a callee without contract), then a
     * re-INVITE with an offer: 488, the dialog stays */
    party_clear(&w->a);
    party_clear(&w->b);
    w->a.null_offer = 1;
    outcome o2 = {0}, r = {0};
    world_call(w, B_URI, &o2);
    vnet_run(w->n, 20);
    assert_int_equal(o2.status, 200);
    w->a.null_offer = 0;
    assert_int_equal(parley_session_renegotiate(w->a.s, 0, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 20);
    assert_int_equal(r.status, 488);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);

    /* a contract without get_answer cannot answer an offer either: 488, nothing else sent */
    party_clear(&w->a);
    party_clear(&w->b);
    w->b.no_oa = 0;
    w->b.no_get_answer = 1;
    size_t before = vnet_count(w->n);
    outcome o3 = {0};
    world_call(w, B_URI, &o3);
    vnet_run(w->n, 20);
    assert_int_equal(o3.status, 488);
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "SIP/2.0 200"), 0);
    assert_trans(&w->b, "Incoming>Disconnected:NotAcceptableMedia:-");
}

/* ---- the application's Supported/Allow/Require merged with the stack's ---- */

static void test_capabilities_merged(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    static const parley_header caps[] = {
        {"Supported", "timer, ms-benotify"},
        {"Allow", "INVITE, PRACK"},
        {"Require", "foo"},
        {"X-Test", "caps"},
    };
    parley_session *s = party_call(&w->a, B_URI);
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, caps, 4, outcome_cb, &o), 0);
    vnet_run(w->n, 20);
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    assert_string_equal(hdr(inv, "Supported"), "100rel, timer, ms-benotify, replaces");
    assert_string_equal(hdr_nth(inv, "Supported", 1), "");
    assert_string_equal(hdr(inv, "Allow"), "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, "
                                           "REFER, MESSAGE, PRACK, UPDATE");
    assert_string_equal(hdr_nth(inv, "Allow", 1), "");
    assert_string_equal(hdr(inv, "Require"), "foo");
    assert_string_equal(hdr_nth(inv, "Require", 1), "");
    assert_string_equal(hdr(inv, "X-Test"), "caps");
    /* B does not know "foo": 420 with Unsupported (RFC 3261 §8.2.2.3) */
    assert_int_equal(o.status, 420);
    assert_string_equal(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 420"), "Unsupported"), "foo");

    /* without it the call goes through; the callee's 200 lists MESSAGE though B has no
     * page-mode handler: in a session it is always taken */
    outcome o2 = {0};
    s = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(s, caps, 2, outcome_cb, &o2), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o2.status, 200);
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_non_null(ok);
    assert_non_null(strstr(hdr(ok, "Allow"), "MESSAGE"));
    assert_string_equal(hdr_nth(ok, "Allow", 1), "");

    /* the same headers on a MESSAGE and the BYE: an Allow or Supported there is the stack's
     * merged with the application's, never the application's alone (which would say the
     * session takes INVITE and PRACK only) */
    static const char allow_all[] = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER, "
                                    "MESSAGE, PRACK, UPDATE";
    outcome om = {0}, ob = {0};
    parley_content text = {"text/plain", "hi", 2};
    assert_int_equal(
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, &text, caps, 2, outcome_cb, &om), 0);
    vnet_run(w->n, 20);
    assert_int_equal(om.status, 200);
    const vnet_packet *msg = sp_last(w->n, B_ADDR, "MESSAGE");
    assert_string_equal(hdr(msg, "Allow"), allow_all);
    assert_string_equal(hdr_nth(msg, "Allow", 1), "");
    assert_string_equal(hdr(msg, "Supported"), "100rel, timer, ms-benotify, replaces");
    assert_int_equal(parley_session_terminate(s, caps + 1, 1, outcome_cb, &ob), 0);
    vnet_run(w->n, 20);
    const vnet_packet *bye = sp_last(w->n, B_ADDR, "BYE");
    assert_string_equal(hdr(bye, "Allow"), allow_all);
    assert_string_equal(hdr_nth(bye, "Allow", 1), "");
    /* without such headers nothing is added: the 200 to the BYE carries no Allow */
    const vnet_packet *bye_ok = sp_last(w->n, A_ADDR, "SIP/2.0 200");
    assert_string_equal(hdr(bye_ok, "CSeq"), "3 BYE");
    assert_string_equal(hdr(bye_ok, "Allow"), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_b2bua_terminate_in_callback, setup),
        WORLD_TEST(test_released_last, setup),
        WORLD_TEST(test_idle_session_freed, setup),
        WORLD_TEST(test_session_target, setup),
        WORLD_TEST(test_crossing_byes, setup),
        WORLD_TEST(test_bye_answered_481_succeeds, setup),
        WORLD_TEST(test_cancel_without_487, setup),
        WORLD_TEST(test_reason_of_cancel_and_bye, setup),
        WORLD_TEST(test_redirect_response_and_headers, setup),
        WORLD_TEST(test_request_type, setup),
        WORLD_TEST(test_refer_deferred_and_ended, setup),
        WORLD_TEST(test_refer_states, setup),
        WORLD_TEST(test_refer_subscription_expires, setup),
        WORLD_TEST(test_sdp_negotiator_per_session, setup),
        WORLD_TEST(test_offer_without_contract_488, setup),
        WORLD_TEST(test_capabilities_merged, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
