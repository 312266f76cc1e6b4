/*
 * An INVITE with Replaces (RFC 3891 §3) at the endpoint whose dialog it names: A and B talk,
 * C calls B (or A) naming that dialog. Matched (Call-ID, to-tag = the receiver's tag, from-tag
 * = the peer's), the new session reaches on_session with the one it replaces; accepting it ends
 * the old one (BYE, or CANCEL of our own INVITE still ringing). Each refusal of §3: 400
 * (malformed, twice, with Join, on another method), 481 (no such dialog, an incoming call still
 * ringing), 486 (early-only on a confirmed dialog), 603 (terminated, also when the dialog ends
 * before the application accepts).
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

/* "call-id;to-tag=<s's local tag>;from-tag=<s's remote tag>" and extra: the Replaces naming
 * s's dialog as its own endpoint sees it. */
static const char *replaces_of(const parley_session *s, const char *extra)
{
    static char v[256];
    snprintf(v, sizeof(v), "%s;to-tag=%s;from-tag=%s%s", parley_session_call_id(s),
             parley_session_local_tag(s), parley_session_remote_tag(s), extra);
    return v;
}

/* C calls uri with a Replaces header of value `replaces` (and `require`, when not NULL, as a
 * Require header); 20 ms later. o gets participate's outcome. */
static parley_session *c_replaces(world *w, const char *uri, const char *replaces,
                                  const char *require, outcome *o)
{
    parley_header h[2] = {{"Replaces", replaces}, {"Require", require}};
    parley_session *s = party_call(&w->c, uri);
    assert_non_null(s);
    assert_int_equal(parley_session_participate(s, h, require ? 2 : 1, outcome_cb, o), 0);
    vnet_run(w->n, 20);
    return s;
}

/* A confirmed dialog replaced: B answers C 200 and sends A a BYE; A's call ends remotely, B's
 * old session locally (the terminate path), B's new one is up with C. Require: replaces is
 * taken, and Supported lists it. */
static void test_replaces_confirmed_dialog(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_session *old = parley_session_ref(w->b.s);
    char cid[128];
    snprintf(cid, sizeof(cid), "%s", parley_session_call_id(old));
    outcome o = {0};
    c_replaces(w, B_URI, replaces_of(old, ""), "replaces", &o);
    assert_int_equal(o.status, 200);
    assert_int_equal(w->b.replacing, 1);
    assert_string_equal(w->b.replaces_seen, cid);
    assert_ptr_not_equal(w->b.s, old);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_trans(&w->a, "Connected>Disconnected:TerminatedRemotely:BYE");
    /* B: the new session, then the old one ended as a terminate ends it */
    assert_trans(&w->b, "Incoming>Connecting:None:-|Connected>Disconnected:TerminatedLocally:-|"
                        "Connecting>Connected:None:ACK");
    const vnet_packet *bye = vnet_find(w->n, A_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(hdr(bye, "Call-ID"), cid);
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 1);
    assert_non_null(inv);
    assert_string_equal(hdr(inv, "Supported"), "100rel, timer, ms-benotify, replaces");
    /* B's 200 to C went before its BYE to A */
    const vnet_packet *ok = sp_last(w->n, C_ADDR, "SIP/2.0 200");
    assert_non_null(ok);
    assert_true(ok->sent_at <= bye->sent_at);
    parley_session_unref(old);
}

/* An attended transfer's last step: the transferee calls the Refer-To URI
 * "<B>?Replaces=<escaped>" (what a REFER from A would name); the URI's header becomes the
 * INVITE's Replaces, and B replaces its call with A. */
static void test_replaces_from_refer_to_uri(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_session *old = parley_session_ref(w->b.s);
    char uri[640], v[256], esc[512];
    snprintf(v, sizeof(v), "%s", replaces_of(old, ""));
    size_t k = 0;
    for (const char *c = v; *c && k + 4 < sizeof(esc); c++) {
        if (*c == '@' || *c == ';' || *c == '=')
            k += (size_t)snprintf(esc + k, sizeof(esc) - k, "%%%02X", (unsigned char)*c);
        else
            esc[k++] = *c;
    }
    esc[k] = '\0';
    snprintf(uri, sizeof(uri), B_URI "?Replaces=%s", esc);
    parley_session *s = party_call(&w->c, uri);
    assert_non_null(s);
    outcome o = {0};
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o.status, 200);
    assert_string_equal(hdr(vnet_find(w->n, B_ADDR, "INVITE", 1), "Replaces"), v);
    assert_int_equal(w->b.replacing, 1);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    parley_session_unref(old);
}

/* No dialog of B's has those tags (or that Call-ID): 481, nothing reaches the application, the
 * call stays. */
static void test_replaces_no_match_481(void **state)
{
    world *w = *state;
    world_connect(w);
    char v[256];
    snprintf(v, sizeof(v), "%s;to-tag=nope;from-tag=%s", parley_session_call_id(w->b.s),
             parley_session_remote_tag(w->b.s));
    outcome o = {0};
    c_replaces(w, B_URI, v, NULL, &o);
    assert_int_equal(o.status, 481);
    outcome o2 = {0};
    c_replaces(w, B_URI, "other@h;to-tag=1;from-tag=2", NULL, &o2);
    assert_int_equal(o2.status, 481);
    /* tags swapped: to-tag is compared with B's own tag, from-tag with A's */
    snprintf(v, sizeof(v), "%s;to-tag=%s;from-tag=%s", parley_session_call_id(w->b.s),
             parley_session_remote_tag(w->b.s), parley_session_local_tag(w->b.s));
    outcome o3 = {0};
    c_replaces(w, B_URI, v, NULL, &o3);
    assert_int_equal(o3.status, 481);
    assert_int_equal(w->b.replacing, 0);
    assert_false(party_saw(&w->b, "incoming"));
    world_assert_connected(w);
    assert_int_equal(sp_count(w->n, A_ADDR, "BYE"), 0);
}

/* early-only on a confirmed dialog: 486, the call stays. */
static void test_replaces_early_only_confirmed_486(void **state)
{
    world *w = *state;
    world_connect(w);
    outcome o = {0};
    c_replaces(w, B_URI, replaces_of(w->b.s, ";early-only"), NULL, &o);
    assert_int_equal(o.status, 486);
    assert_int_equal(w->b.replacing, 0);
    world_assert_connected(w);
}

/* B's incoming call still ringing is an early dialog B did not initiate: 481, left alone. */
static void test_replaces_ringing_incoming_481(void **state)
{
    world *w = *state;
    static outcome a; /* A's call outlives the test: completed at the teardown */
    a = (outcome){0};
    world_call_b(w, PARTY_RING, &a, 10);
    parley_session *ringing = w->b.s;
    assert_int_equal(parley_session_state(ringing), PARLEY_STATE_INCOMING);
    outcome o = {0};
    c_replaces(w, B_URI, replaces_of(ringing, ""), NULL, &o);
    assert_int_equal(o.status, 481);
    assert_int_equal(w->b.replacing, 0);
    assert_ptr_equal(w->b.s, ringing);
    assert_int_equal(parley_session_state(ringing), PARLEY_STATE_INCOMING);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_ALERTED);
}

/* A's own call to B, still ringing, is an early dialog A initiated: C's INVITE replacing it
 * (a call pickup's shape; early-only allowed) is answered and A CANCELs its INVITE to B. */
static void test_replaces_our_ringing_call_cancelled(void **state)
{
    world *w = *state;
    outcome a = {0};
    parley_session *calling = parley_session_ref(world_call_b(w, PARTY_RING, &a, 10));
    assert_int_equal(parley_session_state(calling), PARLEY_STATE_ALERTED);
    char cid[128], v[256];
    snprintf(cid, sizeof(cid), "%s", parley_session_call_id(calling));
    /* to-tag: A's own (its From tag); from-tag: B's, of the 180's early dialog */
    snprintf(v, sizeof(v), "%s;to-tag=%s;from-tag=%s;early-only", cid,
             parley_session_local_tag(calling), parley_session_local_tag(w->b.s));
    w->a.on_incoming = PARTY_ACCEPT;
    party_clear(&w->a);
    outcome o = {0};
    c_replaces(w, "sip:node@" A_ADDR, v, NULL, &o);
    assert_int_equal(o.status, 200);
    assert_int_equal(w->a.replacing, 1);
    assert_string_equal(w->a.replaces_seen, cid);
    assert_int_equal(sp_count(w->n, B_ADDR, "CANCEL"), 1);
    assert_int_equal(parley_session_state(calling), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(a.error, PARLEY_E_TERMINATED);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    assert_trans(&w->b, "Incoming>Disconnected:Canceled:CANCEL");
    /* the new call is up before the CANCEL's 487 ends the old one */
    assert_trans(&w->a, "Incoming>Connecting:None:-|Connecting>Connected:None:ACK|"
                        "Alerted>Disconnected:TerminatedLocally:487");
    parley_session_unref(calling);
}

/* A dialog that has ended (B's BYE still waits for its answer): 603. */
static void test_replaces_terminated_603(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_session *old = parley_session_ref(w->b.s);
    world_drop(w, A_ADDR, "SIP/2.0 200", 0, 0); /* A's answers to B's BYE are lost */
    assert_int_equal(parley_session_terminate(old, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_DISCONNECTED);
    outcome o = {0};
    c_replaces(w, B_URI, replaces_of(old, ""), NULL, &o);
    assert_int_equal(o.status, 603);
    assert_int_equal(w->b.replacing, 0);
    parley_session_unref(old);
}

/* The application takes its time and the dialog ends meanwhile (A hangs up): accepting then
 * answers 603, the new session ends Declined, participate fails PARLEY_E_TERMINATED. */
static void test_replaces_lost_meanwhile_603(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_session *old = parley_session_ref(w->b.s);
    w->b.on_incoming = PARTY_LEAVE;
    outcome o = {0};
    c_replaces(w, B_URI, replaces_of(old, ""), NULL, &o);
    assert_int_equal(o.calls, 0);
    assert_int_equal(w->b.replacing, 1);
    parley_session *fresh = parley_session_ref(w->b.s);
    assert_int_equal(parley_session_state(fresh), PARLEY_STATE_INCOMING);
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(parley_session_state(fresh), PARLEY_STATE_INCOMING);
    outcome p = {0};
    assert_int_equal(parley_session_participate(fresh, NULL, 0, outcome_cb, &p), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 603);
    assert_int_equal(p.calls, 1);
    assert_int_equal(p.error, PARLEY_E_TERMINATED);
    assert_int_equal(parley_session_state(fresh), PARLEY_STATE_DISCONNECTED);
    assert_trans(&w->b, "Connected>Disconnected:TerminatedRemotely:BYE|"
                        "Incoming>Disconnected:Declined:-");
    parley_session_unref(fresh);
    parley_session_unref(old);
}

/* Two INVITEs replace one dialog and the application accepts both in one turn: the first
 * replaces it; for the second the dialog is being terminated already (603, participate fails
 * PARLEY_E_TERMINATED): one call replaces one, not two. */
static void test_replaces_twice_second_603(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_session *old = parley_session_ref(w->b.s);
    w->b.on_incoming = PARTY_LEAVE;
    char rep[256];
    snprintf(rep, sizeof(rep), "%s", replaces_of(old, ""));
    outcome o1 = {0}, o2 = {0};
    c_replaces(w, B_URI, rep, NULL, &o1);
    parley_session *fresh1 = parley_session_ref(w->b.s);
    parley_session *c1 = parley_session_ref(w->c.s);
    c_replaces(w, B_URI, rep, NULL, &o2);
    parley_session *fresh2 = parley_session_ref(w->b.s);
    assert_int_equal(w->b.replacing, 2);
    assert_ptr_not_equal(fresh1, fresh2);
    outcome p1 = {0}, p2 = {0};
    assert_int_equal(parley_session_participate(fresh1, NULL, 0, outcome_cb, &p1), 0);
    assert_int_equal(parley_session_participate(fresh2, NULL, 0, outcome_cb, &p2), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o1.status, 200);
    assert_int_equal(o2.status, 603);
    assert_int_equal(p2.error, PARLEY_E_TERMINATED);
    assert_int_equal(parley_session_state(fresh1), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_DISCONNECTED);
    parley_session_unref(c1);
    parley_session_unref(fresh1);
    parley_session_unref(fresh2);
    parley_session_unref(old);
}

/* Our call answered, its ACK deferred by the application (on_accepted): the dialog is
 * confirmed by the 2xx, so a Replaces naming it replaces it (not 481 as for an early one). */
static void test_replaces_answered_before_our_ack(void **state)
{
    world *w = *state;
    w->a.delay_ack = 1;
    outcome call = {0};
    world_call(w, B_URI, &call);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    parley_session *old = parley_session_ref(w->a.s);
    assert_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    assert_non_null(parley_session_remote_tag(old));
    w->a.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    c_replaces(w, "sip:alice@" A_ADDR, replaces_of(old, ""), NULL, &o);
    assert_int_equal(o.status, 200);
    assert_int_equal(w->a.replacing, 1);
    vnet_run(w->n, 50);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_DISCONNECTED);
    parley_session_unref(old);
}

/* The replacing INVITE rejected (or CANCELled by its caller): the old call stays. */
static void test_replaces_rejected_keeps_old(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_session *old = parley_session_ref(w->b.s);
    w->b.on_incoming = PARTY_REJECT;
    w->b.reject_code = 486;
    outcome o = {0};
    c_replaces(w, B_URI, replaces_of(old, ""), NULL, &o);
    assert_int_equal(o.status, 486);
    assert_int_equal(w->b.replacing, 1);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    /* CANCELled by C while B lets it ring */
    w->b.on_incoming = PARTY_RING;
    outcome o2 = {0};
    parley_session *c = c_replaces(w, B_URI, replaces_of(old, ""), NULL, &o2);
    assert_int_equal(w->b.replacing, 2);
    assert_int_equal(parley_session_terminate(c, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 20);
    assert_int_equal(o2.error, PARLEY_E_TERMINATED);
    assert_int_equal(parley_session_state(old), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(sp_count(w->n, A_ADDR, "BYE"), 0);
    parley_session_unref(old);
}

/* P sends B an INVITE (branch and From tag from n) with the extra header lines; returns B's
 * final answer's status. */
static int peer_invite_b(world *w, int n, const char *extra)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE " B_URI " SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKrp%d\r\n"
             "From: <" P_URI ">;tag=rp%d\r\nTo: <" B_URI ">\r\nCall-ID: rp%d@p\r\n"
             "CSeq: 1 INVITE\r\nContact: <" P_URI ">\r\nMax-Forwards: 70\r\n%s",
             n, n, n, extra);
    size_t before = sp_count(w->n, P_ADDR, "SIP/2.0 ");
    sp_send(w->n, P_ADDR, B_ADDR, head, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 "), before + 1);
    const vnet_packet *r = sp_last(w->n, P_ADDR, "SIP/2.0 ");
    return r->status;
}

/* Malformed, twice, with Join, or on a request other than INVITE: 400 (RFC 3891 §3, §6.1). */
static void test_replaces_bad_400(void **state)
{
    world *w = *state;
    world_connect(w);
    char ok[256], line[600];
    snprintf(ok, sizeof(ok), "%s", replaces_of(w->b.s, ""));
    static const char *const bad[] = {
        "Replaces: %s\r\nReplaces: %s\r\n", /* twice */
        "Replaces: %s, %s\r\n",             /* two values */
        "Replaces: %s\r\nJoin: %s\r\n",     /* contradictory */
    };
    for (int i = 0; i < 3; i++) {
        snprintf(line, sizeof(line), bad[i], ok, ok);
        assert_int_equal(peer_invite_b(w, i, line), 400);
    }
    static const char *const malformed[] = {
        "Replaces: \r\n",
        "Replaces: ;to-tag=1;from-tag=2\r\n",
        "Replaces: a@h;to-tag=1\r\n",
        "Replaces: a@h;from-tag=2\r\n",
        "Replaces: a@h;to-tag=;from-tag=2\r\n",
        "Replaces: a@h;to-tag=1;to-tag=1;from-tag=2\r\n",
        "Replaces: a@h;to-tag=1;from-tag=2;early-only=yes\r\n",
        "Replaces: a@h;to-tag=1;from-tag=2;;\r\n",
        "Replaces: a@h b;to-tag=1;from-tag=2\r\n",
        "Replaces: a@h;to-tag=1;from-tag=2;x=\"open\r\n",
    };
    for (int i = 0; i < (int)(sizeof(malformed) / sizeof(malformed[0])); i++)
        assert_int_equal(peer_invite_b(w, 10 + i, malformed[i]), 400);
    /* well-formed with other parameters, but no such dialog: 481 */
    assert_int_equal(
        peer_invite_b(w, 30, "Replaces: a@h ; to-tag = 1 ;x;y=\"q\";z=[::1]; from-tag=2\r\n"), 481);
    /* on an OPTIONS */
    snprintf(line, sizeof(line),
             "OPTIONS " B_URI " SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKro\r\n"
             "From: <" P_URI ">;tag=ro\r\nTo: <" B_URI ">\r\nCall-ID: ro@p\r\n"
             "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nReplaces: %s\r\n",
             ok);
    sp_send(w->n, P_ADDR, B_ADDR, line, NULL);
    vnet_run(w->n, 5);
    const vnet_packet *r = sp_last(w->n, P_ADDR, "SIP/2.0 ");
    assert_non_null(r);
    assert_string_equal(r->first_line, "SIP/2.0 400 Bad Request");
    assert_int_equal(w->b.replacing, 0);
    world_assert_connected(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_replaces_confirmed_dialog, setup),
        WORLD_TEST(test_replaces_from_refer_to_uri, setup),
        WORLD_TEST(test_replaces_no_match_481, setup),
        WORLD_TEST(test_replaces_early_only_confirmed_486, setup),
        WORLD_TEST(test_replaces_ringing_incoming_481, setup),
        WORLD_TEST(test_replaces_our_ringing_call_cancelled, setup),
        WORLD_TEST(test_replaces_terminated_603, setup),
        WORLD_TEST(test_replaces_lost_meanwhile_603, setup),
        WORLD_TEST(test_replaces_twice_second_603, setup),
        WORLD_TEST(test_replaces_answered_before_our_ack, setup),
        WORLD_TEST(test_replaces_rejected_keeps_old, setup),
        WORLD_TEST(test_replaces_bad_400, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
