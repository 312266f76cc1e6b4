/*
 * Every row of the transition table (ucma-api.md §2), one test each: the states, the reasons and
 * the message that caused each change, in order, on both sides, with what went on the wire.
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

/* A calls uri and participates; o gets the outcome. */
static parley_session *call(world *w, const char *uri, outcome *o)
{
    parley_session *s = party_call(&w->a, uri);
    assert_non_null(s);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_IDLE);
    o->n = w->n;
    o->s = s;
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, o), 0);
    return s;
}

/* call to B_URI; ms later. Returns A's session. */
static parley_session *call_b(world *w, outcome *o, uint64_t ms)
{
    parley_session *s = call(w, B_URI, o);
    vnet_run(w->n, ms);
    return s;
}

/* B participates in its newest session; ob (its n set) gets the outcome. */
static void b_participates(world *w, outcome *ob)
{
    ob->n = w->n;
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, ob), 0);
}

/* Idle -> Connecting (Participate, INVITE sent), and the callee's session starts Incoming
 * without any state-changed event. */
static void test_idle_to_connecting_and_incoming(void **state)
{
    world *w = *state;
    /* static: the call is still pending when the teardown ends it and completes it */
    static outcome o;
    memset(&o, 0, sizeof(o));
    parley_session *s = call(w, B_URI, &o);
    /* no callback inside the call: nothing has run yet, not even get_offer */
    assert_int_equal(w->a.ntrans + w->a.nlog, 0);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_IDLE);
    /* the loop runs the operation (at the same millisecond): the change is reported before
     * anything reached the network */
    vnet_run(w->n, 0);
    assert_trans(&w->a, "Idle>Connecting:None:-");
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTING);
    assert_non_null(parley_session_from_tag(s));
    assert_null(parley_session_to_tag(s));
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), 1);
    assert_string_equal(vnet_get(w->n, 0)->first_line, "INVITE sip:bob@10.0.0.2:5060 SIP/2.0");
    assert_non_null(w->b.s);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_INCOMING);
    assert_int_equal(w->b.ntrans, 0);
    assert_log(&w->b, "incoming");
    /* the incoming session knows the From tag at once, the To tag once it answered */
    assert_string_equal(parley_session_from_tag(w->b.s), parley_session_from_tag(s));
    assert_null(parley_session_to_tag(w->b.s));
    assert_true(parley_session_is_incoming(w->b.s));
    assert_false(parley_session_is_incoming(s));
    assert_int_equal(o.calls, 0);
}

/* Idle -> Disconnected (Terminate): nothing on the wire. */
static void test_idle_terminate(void **state)
{
    world *w = *state;
    parley_session *s = party_call(&w->a, B_URI);
    outcome t = {0};
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    assert_int_equal(w->a.ntrans + t.calls, 0);
    vnet_run(w->n, 0);
    assert_trans(&w->a, "Idle>Disconnected:TerminatedLocally:-");
    assert_int_equal(t.calls, 1);
    assert_int_equal(w->a.released, 1); /* the last event */
    assert_int_equal(t.error, 0);
    vnet_run(w->n, 1000);
    assert_int_equal(vnet_count(w->n), 0);
    /* a dead session cannot participate */
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), PARLEY_E_STATE);
    vnet_run(w->n, 1000);
    assert_int_equal(vnet_count(w->n), 0);
}

/* Connecting -> Alerted on a 180; a second 1xx changes nothing; 100 Trying alerts nobody. */
static void test_connecting_to_alerted(void **state)
{
    world *w = *state;
    static outcome o; /* still pending at the teardown, which completes it */
    memset(&o, 0, sizeof(o));
    call_b(w, &o, 300); /* B leaves it Incoming: its transaction sends 100 Trying at 200 ms */
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 100 Trying", 0));
    assert_trans(&w->a, "Idle>Connecting:None:-");
    assert_int_equal(w->a.provisionals, 0);
    assert_int_equal(parley_session_provisional(w->b.s, 180, NULL, NULL, 0, 0), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_provisional(w->b.s, 182, "Queued", NULL, 0, 0), 0);
    vnet_run(w->n, 10);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Alerted:ProvisionResponseReceived:180");
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Alerted:ProvisionResponseReceived|"
                      "provisional:180|provisional:182");
    /* the callee's To tag is known once it answered; the caller's ToTag waits for Connected
     * (several early dialogs may exist) */
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_ALERTED);
    assert_non_null(parley_session_to_tag(w->b.s));
    assert_null(parley_session_to_tag(w->a.s));
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_INCOMING);
    assert_int_equal(o.calls, 0);
}

/* Connecting -> Connected on a 2xx without any provisional (first 2xx wins). */
static void test_connecting_to_connected(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    call_b(w, &o, 10);
    assert_trans(&w->a, A_CONNECTED_TRANS);
    assert_log(&w->a, "get_offer|state:Connecting:None|set_answer|accepted|state:Connected:None");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, 0);
    assert_int_equal(o.status, 200);
    assert_int_equal(o.at, 1002);
    assert_int_equal(o.state, PARLEY_STATE_CONNECTED); /* the state changes first */
    /* UAS: Incoming -> Connecting (200 sent) -> Connected (ACK) */
    assert_trans(&w->b, B_CONNECTED_TRANS);
    assert_log(&w->b, B_ANSWERED_LOG);
    assert_int_equal(vnet_count(w->n), 3); /* INVITE, 200, ACK: no 100 Trying (answered first) */
    assert_string_equal(vnet_get(w->n, 2)->first_line, "ACK sip:node@10.0.0.2:5060 SIP/2.0");
}

/* Alerted -> Connected. */
static void test_alerted_to_connected(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_RING;
    outcome o = {0}, ob = {0};
    call_b(w, &o, 10);
    b_participates(w, &ob);
    vnet_run(w->n, 10);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Connected:None:200");
    assert_int_equal(o.status, 200);
    /* the UAS's participate completes on the ACK, with the ACK */
    assert_int_equal(ob.calls, 1);
    assert_int_equal(ob.error, 0);
    assert_string_equal(ob.method, "ACK");
    assert_int_equal(ob.at, 1012);
}

/* Connecting -> Redirecting on a 3xx, Redirecting -> Connecting with the new INVITE, then
 * Connected with the target. */
static void test_connecting_to_redirecting_to_connecting(void **state)
{
    world *w = *state;
    parley_address to_c = {C_URI, NULL};
    party_redirect_to(&w->b, &to_c, 1);
    w->c.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    parley_session *s = call_b(w, &o, 20);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Connecting:None:302|Connecting>Connected:None:200");
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Redirecting:None|"
                      "redirecting:0/1:0|state:Connecting:None|set_answer|accepted|"
                      "state:Connected:None");
    assert_string_equal(w->a.redirect_seen[0], C_URI);
    assert_int_equal(o.status, 200);
    /* the new INVITE: same Call-ID, From and To, next CSeq, to the target */
    const vnet_packet *inv1 = vnet_find(w->n, B_ADDR, "INVITE", 0);
    const vnet_packet *inv2 = vnet_find(w->n, C_ADDR, "INVITE", 0);
    assert_non_null(inv2);
    assert_string_equal(inv2->first_line, "INVITE sip:carol@10.0.0.3:5060 SIP/2.0");
    char v1[256], v2[256];
    assert_string_equal(sp_header(inv1, "Call-ID", v1, sizeof(v1)),
                        sp_header(inv2, "Call-ID", v2, sizeof(v2)));
    assert_string_equal(sp_header(inv1, "From", v1, sizeof(v1)),
                        sp_header(inv2, "From", v2, sizeof(v2)));
    assert_string_equal(sp_header(inv1, "To", v1, sizeof(v1)),
                        sp_header(inv2, "To", v2, sizeof(v2)));
    assert_string_equal(sp_header(inv2, "CSeq", v2, sizeof(v2)), "2 INVITE");
    assert_string_equal(sp_body(inv2), "offer-a-1"); /* the same offer */
    /* the 302 was ACKed by the transaction */
    assert_non_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    assert_trans(&w->b, "Incoming>Disconnected:Declined:-");
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTED);
    assert_string_equal(parley_session_call_id(s), parley_session_call_id(w->c.s));
}

/* Alerted -> Redirecting. */
static void test_alerted_to_redirecting(void **state)
{
    world *w = *state;
    parley_address to_c = {C_URI, NULL};
    w->b.on_incoming = PARTY_RING;
    w->c.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    call_b(w, &o, 10);
    assert_int_equal(parley_session_redirect(w->b.s, 0, &to_c, 1, NULL, 0), 0);
    vnet_run(w->n, 20);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Redirecting:None:302|Redirecting>Connecting:None:302|"
                        "Connecting>Connected:None:200");
    assert_int_equal(o.status, 200);
}

/* Redirecting -> Disconnected: the application says TryNone (reason per the final response). */
static void test_redirecting_try_none(void **state)
{
    world *w = *state;
    parley_address to_c = {C_URI, NULL};
    party_redirect_to(&w->b, &to_c, 1);
    w->a.redirect_actions[0] = PARLEY_REDIRECT_TRY_NONE;
    w->a.nredirect_actions = 1;
    outcome o = {0};
    call_b(w, &o, 20);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Disconnected:None:302");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(o.status, 302);
    assert_null(vnet_find(w->n, C_ADDR, "INVITE", 0));
}

/* Redirecting -> Disconnected: no target left (every target failed; the last one's reason). */
static void test_redirecting_no_target_left(void **state)
{
    world *w = *state;
    parley_address targets[2] = {{C_URI, NULL}, {P_URI, NULL}};
    party_redirect_to(&w->b, targets, 2);
    w->c.on_incoming = PARTY_REJECT;
    w->c.reject_code = 486;
    outcome o = {0};
    call_b(w, &o, 20);
    /* C said busy: the next target */
    const vnet_packet *inv = vnet_find(w->n, P_ADDR, "INVITE", 0);
    assert_non_null(inv);
    sp_reply(w->n, P_ADDR, inv, 480, "Temporarily Unavailable", "ptag", NULL, NULL);
    vnet_run(w->n, 20);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Redirecting:None:302|"
                        "Redirecting>Connecting:None:302|Connecting>Redirecting:None:486|"
                        "Redirecting>Connecting:None:486|"
                        "Connecting>Disconnected:TemporarilyUnavailable:480");
    assert_int_equal(o.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(o.status, 480);
    char cseq[64];
    assert_string_equal(sp_header(inv, "CSeq", cseq, sizeof(cseq)), "3 INVITE");
}

typedef struct code_reason {
    int code;
    parley_reason reason;
} code_reason;

static const code_reason failure_map[] = {
    {486, PARLEY_REASON_BUSY},
    {600, PARLEY_REASON_BUSY},
    {480, PARLEY_REASON_TEMPORARILY_UNAVAILABLE},
    {603, PARLEY_REASON_DECLINED},
    {406, PARLEY_REASON_NOT_ACCEPTABLE},
    {488, PARLEY_REASON_NOT_ACCEPTABLE_MEDIA},
    {606, PARLEY_REASON_NOT_ACCEPTABLE_MEDIA},
    {404, PARLEY_REASON_UNREACHABLE},
    {604, PARLEY_REASON_UNREACHABLE},
    {481, PARLEY_REASON_SESSION_DOES_NOT_EXIST},
    {408, PARLEY_REASON_TIMEOUT},
    /* not named by the model: no reason */
    {403, PARLEY_REASON_NONE},
    {500, PARLEY_REASON_NONE},
    {503, PARLEY_REASON_NONE},
};

/* Connecting -> Disconnected and Alerted -> Disconnected on 4xx-6xx, each code to its reason;
 * the callee's rejection is Declined whatever the code. */
static void test_failure_codes_to_reasons(void **state)
{
    world *w = *state;
    for (size_t i = 0; i < sizeof(failure_map) / sizeof(failure_map[0]); i++) {
        for (int ring = 0; ring < 2; ring++) {
            party_clear(&w->a);
            party_clear(&w->b);
            outcome o = {0};
            w->b.on_incoming = ring ? PARTY_RING : PARTY_REJECT;
            w->b.reject_code = failure_map[i].code;
            call(w, B_URI, &o);
            vnet_run(w->n, 10);
            if (ring) {
                assert_int_equal(parley_session_reject(w->b.s, failure_map[i].code, NULL, NULL, 0),
                                 0);
                vnet_run(w->n, 10);
            }
            char want[256], code[8];
            snprintf(code, sizeof(code), "%d", failure_map[i].code);
            snprintf(want, sizeof(want), "Idle>Connecting:None:-|%s%s>Disconnected:%s:%s",
                     ring ? "Connecting>Alerted:ProvisionResponseReceived:180|" : "",
                     ring ? "Alerted" : "Connecting", parley_reason_name(failure_map[i].reason),
                     code);
            assert_trans(&w->a, want);
            assert_int_equal(o.calls, 1);
            assert_int_equal(o.error, PARLEY_E_FAILURE_RESPONSE);
            assert_int_equal(o.status, failure_map[i].code);
            /* as on success, the state changes before participate completes */
            assert_int_equal(o.state, PARLEY_STATE_DISCONNECTED);
            assert_trans(&w->b, "Incoming>Disconnected:Declined:-");
            const vnet_packet *resp = sp_last(w->n, A_ADDR, "SIP/2.0 ");
            assert_int_equal(resp->status, failure_map[i].code);
            /* the transaction ACKed it */
            assert_string_equal(sp_last(w->n, B_ADDR, "")->method, "ACK");
        }
    }
}

/* Connecting -> Disconnected (Unreachable) on a transport failure. */
static void test_transport_failure_unreachable(void **state)
{
    world *w = *state;
    outcome o = {0};
    call(w, "sip:bob@10.0.0.2:5060;transport=tcp", &o); /* no TCP on the virtual network */
    assert_int_equal(o.calls, 0); /* reported from the loop, never from inside the call */
    vnet_run(w->n, 10);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Disconnected:Unreachable:-");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_NOROUTE);
    assert_int_equal(vnet_count(w->n), 0);
}

/* Connecting -> Disconnected (Timeout) when nobody answers: Timer B, 64*T1 after the INVITE,
 * which went out at 0, T1, 3T1, 7T1... */
static void test_no_answer_timeout(void **state)
{
    world *w = *state;
    outcome o = {0};
    call(w, P_URI, &o);
    vnet_run(w->n, 40000);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Disconnected:Timeout:-");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TIMEOUT);
    assert_int_equal(o.at, 1000 + 32000);
    static const uint64_t at[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
    assert_int_equal(vnet_count(w->n), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(vnet_get(w->n, i)->method, "INVITE");
        assert_int_equal(vnet_get(w->n, i)->sent_at, 1000 + at[i]);
    }
}

/* Connecting -> Disconnected by Terminate after a 100 Trying: the CANCEL goes once a
 * provisional response arrived (RFC 3261 §9.1), then the 487. */
static void test_connecting_terminate_cancel(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0};
    parley_session *s = call_b(w, &o, 50);
    t.n = w->n;
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_CONNECTING);
    vnet_run(w->n, 100);
    assert_null(vnet_find(w->n, B_ADDR, "CANCEL", 0)); /* nothing heard from B yet */
    vnet_run(w->n, 100);                               /* B's 100 Trying at 1201, here at 1202 */
    const vnet_packet *cancel = vnet_find(w->n, B_ADDR, "CANCEL", 0);
    assert_non_null(cancel);
    assert_int_equal(cancel->sent_at, 1202);
    vnet_run(w->n, 100);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Disconnected:TerminatedLocally:487");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    assert_int_equal(t.at, 1204);
    assert_trans(&w->b, "Incoming>Disconnected:Canceled:CANCEL");
    assert_log(&w->b, "incoming|remote_end:CANCEL|state:Disconnected:Canceled");
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 487", 0));
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)); /* to the CANCEL */
}

/* Alerted -> Disconnected by Terminate: CANCEL at once, 487. */
static void test_alerted_terminate_cancel(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_RING;
    outcome o = {0}, t = {0};
    parley_session *s = call_b(w, &o, 10);
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 10);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Disconnected:TerminatedLocally:487");
    assert_int_equal(vnet_find(w->n, B_ADDR, "CANCEL", 0)->sent_at, 1010);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    assert_trans(&w->b, "Incoming>Disconnected:Canceled:CANCEL");
    /* the 200 to the CANCEL has the To tag of the INVITE's responses (RFC 3261 §9.2) */
    char t180[64], t200[64], t487[64];
    sp_tag(vnet_find(w->n, A_ADDR, "SIP/2.0 180", 0), "To", t180, sizeof(t180));
    const vnet_packet *ok = sp_last(w->n, A_ADDR, "SIP/2.0 200");
    assert_string_equal(hdr(ok, "CSeq"), "1 CANCEL");
    assert_true(t180[0]);
    assert_string_equal(sp_tag(ok, "To", t200, sizeof(t200)), t180);
    assert_string_equal(sp_tag(sp_last(w->n, A_ADDR, "SIP/2.0 487"), "To", t487, sizeof(t487)),
                        t180);
    /* participating after the CANCEL fails, with nothing on the wire */
    size_t before = vnet_count(w->n);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), PARLEY_E_STATE);
    vnet_run(w->n, 100);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 200"), 0);
}

/* An INVITE with Expires that nobody answers in time: the callee sends 487 when it runs out
 * (RFC 3261 §13.3.1) and the session ends Canceled; the caller, whose INVITE carried the
 * Expires as a custom header, CANCELs it then (§13.2.1) and ends Canceled by the 487. */
static void test_invite_expires(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_RING;
    parley_session *s = party_call(&w->a, B_URI);
    outcome o = {.n = w->n};
    parley_header h = {"Expires", "5"};
    assert_int_equal(parley_session_participate(s, &h, 1, outcome_cb, &o), 0);
    vnet_run(w->n, 4990);
    assert_string_equal(hdr(vnet_find(w->n, B_ADDR, "INVITE", 0), "Expires"), "5");
    assert_null(vnet_find(w->n, B_ADDR, "CANCEL", 0));
    assert_null(vnet_find(w->n, A_ADDR, "SIP/2.0 487", 0));
    vnet_run(w->n, 100);
    /* both timers ran out in the same millisecond: whichever came first, one 487 ends both */
    assert_int_equal(sp_count(w->n, A_ADDR, "SIP/2.0 487"), 1);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.status, 487);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Disconnected:Canceled:487");
    /* B's own timer or A's CANCEL: the same end, and one of them only */
    char b_end[256];
    party_trans_str(&w->b, b_end, sizeof(b_end));
    if (strcmp(b_end, "Incoming>Disconnected:Canceled:-") != 0)
        assert_trans(&w->b, "Incoming>Disconnected:Canceled:CANCEL");
    vnet_run(w->n, 40000);
    assert_int_equal(w->a.ntrans + w->b.ntrans, 4); /* nothing more */

    /* a callee that keeps no time (a raw peer): the caller's CANCEL, then the peer's 487 */
    party_clear(&w->a);
    s = party_call(&w->a, P_URI);
    outcome o2 = {.n = w->n};
    h.value = "2";
    assert_int_equal(parley_session_participate(s, &h, 1, outcome_cb, &o2), 0);
    vnet_run(w->n, 5);
    const vnet_packet *inv = vnet_find(w->n, P_ADDR, "INVITE", 0);
    assert_non_null(inv);
    sp_reply(w->n, P_ADDR, inv, 180, "Ringing", "p1", NULL, NULL);
    vnet_run(w->n, 1900);
    assert_null(vnet_find(w->n, P_ADDR, "CANCEL", 0));
    vnet_run(w->n, 200);
    const vnet_packet *cancel = vnet_find(w->n, P_ADDR, "CANCEL", 0);
    assert_non_null(cancel);
    assert_true(cancel->sent_at >= inv->sent_at + 2000 && cancel->sent_at <= inv->sent_at + 2001);
    sp_reply(w->n, P_ADDR, cancel, 200, "OK", NULL, NULL, NULL);
    sp_reply(w->n, P_ADDR, inv, 487, "Request Terminated", "p1", NULL, NULL);
    vnet_run(w->n, 10);
    assert_int_equal(o2.calls, 1);
    assert_int_equal(o2.status, 487);
    assert_trans(&w->a, "Idle>Connecting:None:-|"
                        "Connecting>Alerted:ProvisionResponseReceived:180|"
                        "Alerted>Disconnected:Canceled:487");
}

/* The callee alone keeps the time: a raw INVITE with Expires gets 487 when it runs out; one
 * answered before gets its 200 and nothing later; Expires 0 or not a number sets no time. */
static void test_invite_expires_uas(void **state)
{
    world *w = *state;
    w->a.on_incoming = PARTY_RING;
    static const struct {
        const char *expires;
        int answer_at; /* ms, 0: never answered */
        int final;
    } cases[] = {
        {"Expires: 2\r\n", 0, 487},   {"Expires: 2\r\n", 1500, 200},
        {"Expires:  3 \r\n", 0, 487}, {"Expires: 0\r\n", 0, 0},
        {"Expires: soon\r\n", 0, 0},  {"Expires: 99999999999\r\n", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char head[1024], cid[32];
        snprintf(cid, sizeof(cid), "exp%zu@p", i);
        snprintf(head, sizeof(head),
                 "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
                 ";branch=z9hG4bKexp%zu\r\nFrom: <" P_URI ">;tag=exp%zu\r\n"
                 "To: <sip:node@10.0.0.1:5060>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
                 "Contact: <" P_URI ">\r\nMax-Forwards: 70\r\n%s",
                 i, i, cid, cases[i].expires);
        size_t before = vnet_count(w->n);
        party_clear(&w->a);
        sp_send(w->n, P_ADDR, A_ADDR, head, NULL);
        vnet_run(w->n, 10);
        parley_session *in = w->a.s;
        if (cases[i].answer_at) {
            vnet_run(w->n, (uint64_t)cases[i].answer_at);
            assert_int_equal(parley_session_participate(in, NULL, 0, NULL, NULL), 0);
        }
        vnet_run(w->n, 6000);
        size_t n487 = sp_count_since(w->n, before, A_ADDR, "SIP/2.0 487");
        size_t n200 = sp_count_since(w->n, before, A_ADDR, "SIP/2.0 200");
        if (cases[i].final == 487) {
            assert_int_equal(n487 > 0, 1);
            assert_trans(&w->a, "Incoming>Disconnected:Canceled:-");
        } else {
            assert_int_equal(n487, 0);
            assert_int_equal(n200 > 0, cases[i].final == 200);
            if (!cases[i].final)
                assert_int_equal(parley_session_state(in), PARLEY_STATE_INCOMING);
            parley_session_terminate(in, NULL, 0, NULL, NULL); /* 603 for the next case */
        }
        vnet_run(w->n, 40000);
    }
}

/* Incoming -> Connecting (200 sent) -> Connected (ACK received). */
static void test_incoming_participate_then_ack(void **state)
{
    world *w = *state;
    w->a.delay_ack = 1;
    outcome o = {0}, ob = {0};
    call_b(w, &o, 10);
    b_participates(w, &ob);
    assert_int_equal(w->b.ntrans, 0);
    vnet_run(w->n, 0);
    assert_trans(&w->b, "Incoming>Connecting:None:-");
    assert_non_null(parley_session_to_tag(w->b.s));
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTING);
    assert_int_equal(ob.calls, 0);
    assert_int_equal(parley_ack_send(w->a.ack, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_trans(&w->b, B_CONNECTED_TRANS);
    assert_int_equal(ob.calls, 1);
    assert_string_equal(ob.method, "ACK");
}

/* Connecting (UAS) -> Disconnected (Timeout): no ACK within 64*T1; the UAS sends BYE. */
static vnet_action drop_acks(void *arg, const vnet_packet *p, unsigned index)
{
    (void)arg;
    (void)index;
    vnet_action act = {0};
    act.drop = !strcmp(p->method, "ACK") && !p->status;
    return act;
}

static void test_uas_no_ack_timeout(void **state)
{
    world *w = *state;
    vnet_set_rule(w->n, drop_acks, NULL);
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    call_b(w, &o, 40000);
    assert_trans(&w->b, "Incoming>Connecting:None:-|Connecting>Disconnected:Timeout:-");
    int i = party_index(&w->b, "state:Disconnected:Timeout", 0);
    assert_true(i >= 0);
    assert_int_equal(w->b.log_at[i], 1001 + 32000);
    const vnet_packet *bye = vnet_find(w->n, A_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_int_equal(bye->sent_at, 1001 + 32000);
    /* the caller had its 2xx and is told by the BYE */
    assert_trans(&w->a, A_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
}

/* Incoming -> Disconnected (Canceled) was shown above; Connecting (UAS) + CANCEL: the 200 went
 * already, so the CANCEL changes nothing (RFC 3261 §9.2) and the ACK connects. */
static void test_uas_connecting_cancel_too_late(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE " B_URI " SIP/2.0\r\n"
             "Via: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKinv1\r\n"
             "From: <" P_URI ">;tag=pt\r\nTo: <" B_URI ">\r\nCall-ID: late-cancel\r\n"
             "CSeq: 1 INVITE\r\nContact: <" P_URI ">\r\nMax-Forwards: 70\r\n"
             "Content-Type: application/x-test\r\n");
    sp_send(w->n, P_ADDR, B_ADDR, head, "offer-p");
    vnet_run(w->n, 10);
    assert_trans(&w->b, "Incoming>Connecting:None:-");
    snprintf(head, sizeof(head),
             "CANCEL " B_URI " SIP/2.0\r\n"
             "Via: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKinv1\r\n"
             "From: <" P_URI ">;tag=pt\r\nTo: <" B_URI ">\r\nCall-ID: late-cancel\r\n"
             "CSeq: 1 CANCEL\r\nMax-Forwards: 70\r\n");
    sp_send(w->n, P_ADDR, B_ADDR, head, NULL);
    vnet_run(w->n, 10);
    const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
    assert_string_equal(ok->method, "CANCEL");
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTING);
    assert_null(vnet_find(w->n, P_ADDR, "SIP/2.0 487", 0));
    char tag[64];
    sp_tag(vnet_find(w->n, P_ADDR, "SIP/2.0 200", 0), "To", tag, sizeof(tag));
    snprintf(head, sizeof(head),
             "ACK sip:node@10.0.0.2:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKack1\r\n"
             "From: <" P_URI ">;tag=pt\r\nTo: <" B_URI ">;tag=%s\r\nCall-ID: late-cancel\r\n"
             "CSeq: 1 ACK\r\nMax-Forwards: 70\r\n",
             tag);
    sp_send(w->n, P_ADDR, B_ADDR, head, NULL);
    vnet_run(w->n, 10);
    assert_trans(&w->b, B_CONNECTED_TRANS);
    assert_int_equal(w->b.remote_ends, 0);
}

/* Incoming -> Disconnected: TerminateWithRejection (Declined), Terminate (TerminatedLocally,
 * 603), TerminateWithRedirection (Declined). */
static void test_incoming_reject_terminate_redirect(void **state)
{
    world *w = *state;
    outcome o = {0};
    call_b(w, &o, 10);
    assert_int_equal(parley_session_reject(w->b.s, 486, "Busy Here", NULL, 0), 0);
    assert_int_equal(w->b.ntrans, 0);
    /* one final answer: nothing else may answer once it is on its way */
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), PARLEY_E_STATE);
    assert_int_equal(parley_session_reject(w->b.s, 480, NULL, NULL, 0), PARLEY_E_STATE);
    vnet_run(w->n, 0);
    assert_trans(&w->b, "Incoming>Disconnected:Declined:-");
    vnet_run(w->n, 10);
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 486 Busy Here", 0));

    party_clear(&w->a);
    party_clear(&w->b);
    outcome o2 = {0}, t = {0};
    call_b(w, &o2, 10);
    assert_int_equal(w->b.is_forked, 0);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 0);
    assert_trans(&w->b, "Incoming>Disconnected:TerminatedLocally:-");
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    vnet_run(w->n, 10);
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 603 Decline", 0));
    assert_int_equal(o2.status, 603);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Disconnected:Declined:603");

    party_clear(&w->b);
    outcome o3 = {0};
    parley_address to_c = {C_URI, NULL};
    w->a.redirect_actions[0] = PARLEY_REDIRECT_TRY_NONE;
    w->a.nredirect_actions = 1;
    call_b(w, &o3, 10);
    assert_int_equal(parley_session_redirect(w->b.s, 0, &to_c, 1, NULL, 0), 0);
    vnet_run(w->n, 0);
    assert_trans(&w->b, "Incoming>Disconnected:Declined:-");
    vnet_run(w->n, 10);
    assert_int_equal(o3.status, 302);
}

/* Connected -> Disconnected by Terminate (BYE) and by the peer's BYE. */
static void test_connected_bye_both_sides(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0}, t = {0};
    parley_session *s = call_b(w, &o, 10);
    t.n = w->n;
    assert_int_equal(parley_session_terminate(s, NULL, 0, outcome_cb, &t), 0);
    /* Disconnected once the loop ran it; the callback waits for the BYE's answer */
    vnet_run(w->n, 0);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(t.calls, 0);
    assert_int_equal(w->a.released, 0); /* released after the terminate's completion */
    vnet_run(w->n, 10);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
    assert_int_equal(t.status, 200);
    assert_int_equal(t.at, 1012); /* BYE at 1010, its 200 back 2 ms later */
    assert_trans(&w->a, A_CONNECTED_TRANS ENDED_LOCALLY_TRANS);
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
    assert_log(&w->b, "incoming|get_answer|state:Connecting:None|state:Connected:None|"
                      "completed|remote_end:BYE|state:Disconnected:TerminatedRemotely");
    char cseq[32];
    assert_string_equal(sp_header(vnet_find(w->n, B_ADDR, "BYE", 0), "CSeq", cseq, sizeof(cseq)),
                        "2 BYE");

    /* and the other way: the callee hangs up */
    party_clear(&w->a);
    party_clear(&w->b);
    outcome o2 = {0};
    call_b(w, &o2, 10);
    assert_int_equal(parley_session_terminate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_trans(&w->a, A_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
    assert_trans(&w->b, B_CONNECTED_TRANS ENDED_LOCALLY_TRANS);
    /* the callee's first request in the dialog: CSeq 1, From with its tag, to A's Contact */
    const vnet_packet *bye = sp_last(w->n, A_ADDR, "BYE");
    assert_string_equal(bye->first_line, "BYE sip:node@10.0.0.1:5060 SIP/2.0");
    assert_string_equal(sp_header(bye, "CSeq", cseq, sizeof(cseq)), "1 BYE");
}

/* Connected -> Disconnected (SessionDoesNotExist) on a 481 to an in-dialog request: no BYE. */
static void test_connected_481(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    w->b.msg_code = 481;
    outcome o = {0}, m = {0};
    parley_session *s = call_b(w, &o, 10);
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, NULL, NULL, 0, outcome_cb, &m),
                     0);
    vnet_run(w->n, 10);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(m.status, 481);
    assert_trans(&w->a, A_CONNECTED_TRANS "|Connected>Disconnected:SessionDoesNotExist:481");
    vnet_run(w->n, 1000);
    assert_null(vnet_find(w->n, B_ADDR, "BYE", 0));
}

/* Connected, a re-INVITE either way: no state change. */
static void test_connected_reinvite_no_change(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    parley_session *s = call_b(w, &o, 10);
    world_reinvite_each_way(w, s);
    assert_trans(&w->a, A_CONNECTED_TRANS);
    assert_trans(&w->b, B_CONNECTED_TRANS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_idle_to_connecting_and_incoming, setup),
        WORLD_TEST(test_idle_terminate, setup),
        WORLD_TEST(test_connecting_to_alerted, setup),
        WORLD_TEST(test_connecting_to_connected, setup),
        WORLD_TEST(test_alerted_to_connected, setup),
        WORLD_TEST(test_connecting_to_redirecting_to_connecting, setup),
        WORLD_TEST(test_alerted_to_redirecting, setup),
        WORLD_TEST(test_redirecting_try_none, setup),
        WORLD_TEST(test_redirecting_no_target_left, setup),
        WORLD_TEST(test_failure_codes_to_reasons, setup),
        WORLD_TEST(test_transport_failure_unreachable, setup),
        WORLD_TEST(test_no_answer_timeout, setup),
        WORLD_TEST(test_connecting_terminate_cancel, setup),
        WORLD_TEST(test_alerted_terminate_cancel, setup),
        WORLD_TEST(test_invite_expires, setup),
        WORLD_TEST(test_invite_expires_uas, setup),
        WORLD_TEST(test_incoming_participate_then_ack, setup),
        WORLD_TEST(test_uas_no_ack_timeout, setup),
        WORLD_TEST(test_uas_connecting_cancel_too_late, setup),
        WORLD_TEST(test_incoming_reject_terminate_redirect, setup),
        WORLD_TEST(test_connected_bye_both_sides, setup),
        WORLD_TEST(test_connected_481, setup),
        WORLD_TEST(test_connected_reinvite_no_change, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
