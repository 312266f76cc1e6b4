/*
 * The offer/answer contract (ucma-api.md §4): every flow with the callbacks in order on both
 * sides and the bodies on the wire: offer in INVITE, null offer (offer in the 200, answer in
 * the ACK), early media, renegotiation without an offer, no handler at all, refused offers, and
 * bodies of any content type.
 */
#include "test_util.h"

#include "world.h"

/* Flow 1: offer in the INVITE, answer in the 200. */
static void test_offer_in_invite(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_log(&w->a, "get_offer|state:Connecting:None|set_answer|accepted|state:Connected:None");
    assert_log(&w->b, B_ANSWERED_LOG);
    assert_string_equal(w->b.last_offer_seen, "offer-a-1");
    assert_string_equal(w->a.last_answer_seen, "answer-to:offer-a-1");
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    const vnet_packet *ack = vnet_find(w->n, B_ADDR, "ACK", 0);
    assert_string_equal(sp_body(inv), "offer-a-1");
    assert_string_equal(hdr(inv, "Content-Type"), "application/x-test");
    assert_string_equal(sp_body(ok), "answer-to:offer-a-1");
    assert_string_equal(hdr(ok, "Content-Type"), "application/x-test");
    assert_string_equal(sp_body(ack), "");
    assert_string_equal(hdr(ack, "Content-Length"), "0");
    assert_string_equal(hdr(ack, "Content-Type"), "");
}

/* Flow 2: null offer: the callee offers in the 200, the caller answers in the ACK (after
 * offer_in_response and parley_pending_answer_ready); the ACK cannot be delayed or sent by
 * parley_ack_send. */
static void test_null_offer(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    w->a.ack_in_callback = 1;
    w->a.rc_ack_send = 1;
    outcome o = {0}, ob = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_log(&w->b, "incoming:null");
    const vnet_packet *inv = vnet_find(w->n, B_ADDR, "INVITE", 0);
    assert_string_equal(sp_body(inv), "");
    assert_string_equal(hdr(inv, "Content-Type"), "");
    ob.n = w->n;
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob), 0);
    vnet_run(w->n, 10);
    assert_int_equal(w->a.rc_ack_send, PARLEY_E_STATE);
    assert_int_equal(parley_ack_defer(w->a.ack), PARLEY_E_STATE);
    assert_log(&w->a, "get_offer|state:Connecting:None|accepted|offer_in_response|get_answer|"
                      "state:Connected:None");
    assert_string_equal(w->a.last_offer_seen, "offer-b-1");
    assert_log(&w->b, "incoming:null|get_offer|state:Connecting:None|set_answer|"
                      "state:Connected:None|completed");
    assert_string_equal(w->b.last_answer_seen, "answer-to:offer-b-1");
    assert_string_equal(sp_body(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)), "offer-b-1");
    const vnet_packet *ack = vnet_find(w->n, B_ADDR, "ACK", 0);
    assert_string_equal(sp_body(ack), "answer-to:offer-b-1");
    assert_string_equal(hdr(ack, "Content-Type"), "application/x-test");
    assert_int_equal(w->a.rc_ready, 0);
    assert_int_equal(ob.calls, 1);
    assert_string_equal(ob.method, "ACK");
}

/* Null offer with the answer prepared later: the caller is Connected at the 2xx, the ACK (with
 * the answer and custom headers) goes when the application is ready; once only. */
static void test_null_offer_ready_later(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    w->a.defer_ready = 1;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 300);
    assert_int_equal(o.status, 200);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTING);
    assert_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    assert_non_null(w->a.pending_answer);
    vnet_run(w->n, 1000); /* the 200 comes again meanwhile: no ACK without the answer */
    assert_int_equal(sp_count(w->n, A_ADDR, "SIP/2.0 200"), 2);
    assert_null(vnet_find(w->n, B_ADDR, "ACK", 0));
    parley_header h = {"X-Test", "ready"}, bad = {"Content-Type", "x/y"}, crlf = {"X", "a\r\n"};
    assert_int_equal(parley_pending_answer_ready(w->a.pending_answer, &bad, 1),
                     PARLEY_E_HEADER_RESTRICTED);
    assert_int_equal(parley_pending_answer_ready(w->a.pending_answer, &crlf, 1), PARLEY_E_INVAL);
    assert_int_equal(parley_pending_answer_ready(w->a.pending_answer, &h, 1), 0);
    assert_int_equal(parley_pending_answer_ready(w->a.pending_answer, &h, 1), PARLEY_E_STATE);
    vnet_run(w->n, 10);
    const vnet_packet *ack = vnet_find(w->n, B_ADDR, "ACK", 0);
    assert_string_equal(sp_body(ack), "answer-to:offer-b-1");
    assert_true(sp_has(ack, "\r\nX-Test: ready\r\n"));
    assert_trans(&w->b, B_CONNECTED_TRANS);
    assert_hlog(&w->b, "state:Connected:ready|completed:ready");
    /* a later retransmission of the 200 gets the same ACK */
    size_t acks = sp_count(w->n, B_ADDR, "ACK");
    assert_int_equal(acks, 1);
}

/* Null offer and a refused offer in the 2xx: the ACK (without answer) then a BYE (RFC 3261
 * §13.2.2.4); the caller ends NotAcceptableMedia; the callee, whose offer got no answer, ends
 * NotAcceptableMedia too. */
static void test_null_offer_refused(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    w->a.refuse_offer = 1;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 100);
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Disconnected:NotAcceptableMedia:-");
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_TERMINATED);
    const vnet_packet *ack = vnet_find(w->n, B_ADDR, "ACK", 0);
    assert_non_null(ack);
    assert_string_equal(sp_body(ack), "");
    assert_non_null(vnet_find(w->n, B_ADDR, "BYE", 0));
    assert_trans(&w->b, "Incoming>Connecting:None:-|"
                        "Connecting>Disconnected:NotAcceptableMedia:ACK");
}

/* Flow 5: early media without 100rel: the answer rides in an unreliable 183 and again (the
 * same) in the 200; get_answer and set_answer run once. */
static void test_early_media(void **state)
{
    world *w = *state;
    w->b.rel100 = PARLEY_100REL_UNSUPPORTED;
    outcome o = {0};
    world_call_b(w, PARTY_RING_EARLY, &o, 10);
    const vnet_packet *p183 = vnet_find(w->n, A_ADDR, "SIP/2.0 183", 0);
    assert_non_null(p183);
    assert_string_equal(sp_body(p183), "answer-to:offer-a-1");
    assert_log(&w->a, "get_offer|state:Connecting:None|"
                      "state:Alerted:ProvisionResponseReceived|set_answer|provisional:183");
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_string_equal(sp_body(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)), "answer-to:offer-a-1");
    assert_log(&w->a, "get_offer|state:Connecting:None|"
                      "state:Alerted:ProvisionResponseReceived|set_answer|provisional:183|"
                      "accepted|state:Connected:None");
    assert_log(&w->b, B_ANSWERED_LOG);
    /* a second 18x with early media repeats the same answer without asking again */
    party_clear(&w->b);
}

/* P's 183 to inv with early media `body` on the fork of To tag `tag`; 5 ms later. */
static void p_early_183(world *w, const vnet_packet *inv, const char *tag, const char *body)
{
    sp_reply(w->n, P_ADDR, inv, 183, "Session Progress", tag,
             "Content-Type: application/x-test\r\n", body);
    vnet_run(w->n, 5);
}

/* P's 200 to inv with the answer `body` from the fork of To tag `tag`; 5 ms later. */
static void p_200(world *w, const vnet_packet *inv, const char *tag, const char *body)
{
    sp_reply(w->n, P_ADDR, inv, 200, "OK", tag,
             "Contact: <sip:x@10.0.0.9:5060>\r\n"
             "Content-Type: application/x-test\r\n",
             body);
    vnet_run(w->n, 5);
}

/* Early media from one fork, the 2xx from another: the answer in force is the 2xx's (its
 * dialog won), so set_answer runs again with it; from the same fork it does not. */
static void test_early_media_other_fork_answers(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    p_early_183(w, inv, "f1", "early-f1");
    assert_string_equal(w->a.last_answer_seen, "early-f1");
    p_200(w, inv, "f2", "final-f2");
    assert_int_equal(o.status, 200);
    assert_string_equal(w->a.last_answer_seen, "final-f2");
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Alerted:ProvisionResponseReceived|"
                      "set_answer|provisional:183|set_answer|accepted|state:Connected:None");

    /* the same fork: its 2xx repeats the early answer, set_answer is not called again */
    party_clear(&w->a);
    outcome o2 = {0};
    inv = world_call_peer(w, P_URI, &o2);
    p_early_183(w, inv, "g1", "early-g1");
    p_200(w, inv, "g1", "early-g1");
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Alerted:ProvisionResponseReceived|"
                      "set_answer|provisional:183|accepted|state:Connected:None");
}

/* Early media, then a redirection: the target's early answer is reported in its turn. */
static int setup_abc(void **state)
{
    *state = world_new(3, NULL, NULL);
    return 0;
}

static void test_early_media_then_redirect(void **state)
{
    world *w = *state;
    party *c = &w->c;
    c->on_incoming = PARTY_RING_EARLY;
    outcome o = {0};
    world_call_b(w, PARTY_RING_EARLY, &o, 10);
    parley_address to_c = {C_URI, NULL};
    assert_int_equal(parley_session_redirect(w->b.s, 0, &to_c, 1, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_participate(c->s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    assert_log(&w->a, "get_offer|state:Connecting:None|state:Alerted:ProvisionResponseReceived|"
                      "set_answer|provisional:183|state:Redirecting:None|redirecting:0/1:0|"
                      "state:Connecting:None|state:Alerted:ProvisionResponseReceived|"
                      "set_answer|provisional:183|accepted|state:Connected:None");
}

/* With an offer/answer contract but no offer_in_reinvite, a re-INVITE is accepted by itself. */
static void test_reinvite_without_callback_accepted(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0}, r = {0};
    /* the party's contract without offer_in_reinvite, set before participating */
    parley_session *s = party_call(&w->a, B_URI);
    parley_oa_ops ops = *party_oa_ops();
    ops.offer_in_reinvite = NULL;
    assert_int_equal(parley_session_set_offer_answer(s, &ops, &w->a), 0);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    /* once the session runs, the contract stays what it was */
    assert_int_equal(parley_session_set_offer_answer(s, party_oa_ops(), &w->a), PARLEY_E_STATE);
    party_clear(&w->a);
    assert_int_equal(parley_session_renegotiate(w->b.s, 0, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.status, 200);
    assert_log(&w->a, "get_answer|completed|reinvite_done:INVITE");
    assert_string_equal(w->b.last_answer_seen, "answer-to:offer-b-1");
}

/* Without 100rel early media needs an offer in the INVITE (an offer in an unreliable 1xx is not
 * allowed, RFC 3262 §5); an offer the callee refuses for early media cannot be answered by a
 * 200 either: 488. */
static void test_early_media_refusals(void **state)
{
    world *w = *state;
    w->a.null_offer = 1;
    w->a.rel100 = PARLEY_100REL_UNSUPPORTED;
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    /* the caller supports 100rel (the default), the callee here does not */
    parley_session_settings st = PARLEY_SESSION_SETTINGS_INIT;
    st.rel100 = PARLEY_100REL_UNSUPPORTED;
    assert_int_equal(parley_session_set_settings(w->b.s, &st), 0);
    size_t before = vnet_count(w->n);
    assert_int_equal(
        parley_session_provisional(w->b.s, 183, NULL, NULL, 0, PARLEY_PROV_EARLY_MEDIA),
        PARLEY_E_UNSUPPORTED);
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 300);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 183"), 0);

    party_clear(&w->a);
    party_clear(&w->b);
    w->a.null_offer = 0;
    w->b.refuse_offer = 1;
    outcome o2 = {0};
    world_call(w, B_URI, &o2);
    vnet_run(w->n, 10);
    before = vnet_count(w->n);
    assert_int_equal(
        parley_session_provisional(w->b.s, 183, NULL, NULL, 0, PARLEY_PROV_EARLY_MEDIA), 0);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 18"), 0);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 488"), 1);
    assert_trans(&w->b, "Incoming>Disconnected:NotAcceptableMedia:-");
    assert_int_equal(o2.status, 488);
}

/* The callee refuses the INVITE's offer: 488, Disconnected NotAcceptableMedia on both sides,
 * its participate completes with PARLEY_E_ABORTED. */
static void test_refused_offer_488(void **state)
{
    world *w = *state;
    w->b.refuse_offer = 1;
    outcome o = {0}, ob = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob), 0);
    assert_int_equal(ob.calls, 0);
    ob.s = w->b.s;
    vnet_run(w->n, 10);
    assert_int_equal(ob.calls, 1);
    assert_int_equal(ob.error, PARLEY_E_ABORTED);
    assert_int_equal(ob.state, PARLEY_STATE_DISCONNECTED); /* it completes after the change */
    assert_trans(&w->b, "Incoming>Disconnected:NotAcceptableMedia:-");
    assert_trans(&w->a, "Idle>Connecting:None:-|Connecting>Disconnected:NotAcceptableMedia:488");
    assert_int_equal(o.status, 488);
    assert_null(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0));
}

/* get_answer refuses the offer's content type (PARLEY_E_MEDIA_TYPE): 415 Unsupported Media
 * Type with an Accept listing the types it names (RFC 3261 §21.4.13), not 488; a list no
 * Accept line can carry falls back to 488. The same for early media's answer. */
static void test_unsupported_type_415(void **state)
{
    world *w = *state;
    static const struct {
        const char *types;
        int status;
        const char *accept; /* "" for none */
    } cases[] = {
        {"application/x-test, text/plain;charset=UTF-8", 415,
         "application/x-test, text/plain;charset=UTF-8"},
        {"application/*", 415, "application/*"},
        {"not a type", 488, ""},
        {"application/x-test,,text/plain", 488, ""},
        {"text/plain\r\nX-Injected: 1", 488, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        party_clear(&w->a);
        party_clear(&w->b);
        w->b.refuse_type = cases[i].types;
        outcome o = {0}, ob = {0};
        size_t before = vnet_count(w->n);
        world_call(w, B_URI, &o);
        vnet_run(w->n, 10);
        assert_int_equal(parley_session_participate(w->b.s, NULL, 0, outcome_cb, &ob), 0);
        vnet_run(w->n, 10);
        assert_int_equal(ob.error, PARLEY_E_ABORTED);
        assert_trans(&w->b, "Incoming>Disconnected:NotAcceptableMedia:-");
        assert_int_equal(o.status, cases[i].status);
        char prefix[16];
        snprintf(prefix, sizeof(prefix), "SIP/2.0 %d", cases[i].status);
        assert_int_equal(sp_count_since(w->n, before, B_ADDR, prefix), 1);
        const vnet_packet *r = sp_last(w->n, A_ADDR, prefix);
        assert_string_equal(hdr(r, "Accept"), cases[i].accept);
        assert_string_equal(hdr(r, "X-Injected"), "");
        assert_string_equal(hdr(r, "Content-Length"), "0");
        vnet_run(w->n, 100);
    }

    /* the answer for early media is refused the same way: 415 instead of the 183 */
    party_clear(&w->a);
    party_clear(&w->b);
    w->b.refuse_type = "application/x-test";
    outcome o = {0};
    world_call(w, B_URI, &o);
    vnet_run(w->n, 10);
    size_t before = vnet_count(w->n);
    assert_int_equal(
        parley_session_provisional(w->b.s, 183, NULL, NULL, 0, PARLEY_PROV_EARLY_MEDIA), 0);
    vnet_run(w->n, 10);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 18"), 0);
    assert_int_equal(sp_count_since(w->n, before, B_ADDR, "SIP/2.0 415"), 1);
    assert_string_equal(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 415"), "Accept"), "application/x-test");
    assert_trans(&w->b, "Incoming>Disconnected:NotAcceptableMedia:-");
    assert_int_equal(o.status, 415);
}

/* The ready SDP contract (parley_session_use_sdp) takes application/sdp, alone or as the
 * session part of a multipart body whose other parts are optional (RFC 5621): an INVITE whose
 * offer is of another type (RFC 4475 §3.3.6, invut) gets 415 with "Accept: application/sdp";
 * an SDP offer it cannot answer still gets 488. */
static void test_sdp_contract_415(void **state)
{
    world *w = *state;
    w->a.use_sdp = 40000;
    w->a.on_incoming = PARTY_ACCEPT;
    static const struct {
        const char *ctype; /* NULL: no Content-Type */
        const char *body;
        int status;
    } cases[] = {
        {"application/unknownformat", "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n", 415},
        {NULL, "v=0\r\n", 415},
        {"application/sdpx", "v=0\r\n", 415},
        {"multipart/mixed;boundary=x", "--x\r\n\r\nv=0\r\n--x--\r\n", 415},
        {"application/sdp", "v=0\r\n", 488}, /* read as SDP, and refused */
        /* SIP-T (RFC 3204, RFC 5621): the SDP part is the offer, the ISUP part optional */
        {"multipart/mixed;boundary=unique-boundary-1",
         "--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n"
         "v=0\r\no=p 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
         "m=audio 5004 RTP/AVP 0\r\n\r\n--unique-boundary-1\r\n"
         "Content-Type: application/ISUP;version=itu-t92+\r\n"
         "Content-Disposition: signal;handling=optional\r\n\r\n\x01\x7f\r\n"
         "--unique-boundary-1--\r\n",
         200},
        /* the same with the ISUP part required: 415 */
        {"multipart/mixed;boundary=u",
         "--u\r\nContent-Type: application/sdp\r\n\r\n"
         "v=0\r\no=p 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
         "m=audio 5004 RTP/AVP 0\r\n\r\n--u\r\nContent-Type: application/ISUP\r\n"
         "Content-Disposition: signal;handling=required\r\n\r\n\x01\x7f\r\n--u--\r\n",
         415},
        {"Application/SDP ; x=1",
         "v=0\r\no=p 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
         "m=audio 5004 RTP/AVP 0\r\n",
         200},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char head[1024], ct[128] = "", prefix[16], cid[32];
        if (cases[i].ctype)
            snprintf(ct, sizeof(ct), "Content-Type: %s\r\n", cases[i].ctype);
        snprintf(head, sizeof(head),
                 "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
                 ";branch=z9hG4bKut%zu\r\nFrom: <" P_URI ">;tag=ut%zu\r\n"
                 "To: <sip:node@10.0.0.1:5060>\r\nCall-ID: ut%zu@p\r\nCSeq: 1 INVITE\r\n"
                 "Contact: <" P_URI ">\r\nMax-Forwards: 70\r\n%s",
                 i, i, i, ct);
        sp_send(w->n, P_ADDR, A_ADDR, head, cases[i].body);
        vnet_run(w->n, 10);
        snprintf(prefix, sizeof(prefix), "SIP/2.0 %d", cases[i].status);
        snprintf(cid, sizeof(cid), "ut%zu@p", i);
        const vnet_packet *r = sp_last(w->n, P_ADDR, prefix);
        if (!r || strcmp(hdr(r, "Call-ID"), cid) != 0)
            vnet_dump(w->n);
        assert_non_null(r);
        assert_string_equal(hdr(r, "Call-ID"), cid);
        assert_string_equal(hdr(r, "Accept"), cases[i].status == 415 ? "application/sdp" : "");
        if (cases[i].status == 200) /* the answer is plain SDP, to the offer's one stream */
            assert_string_equal(hdr(r, "Content-Type"), "application/sdp");
    }
}

/* A calls B (who accepts) while A's get_offer cannot give an offer: participate completes
 * with PARLEY_E_ABORTED, nothing is sent, the session stays Idle. Returns it, and o. */
static parley_session *call_without_offer(world *w, outcome *o)
{
    w->b.on_incoming = PARTY_ACCEPT;
    parley_session *s = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, o), 0);
    vnet_run(w->n, 10);
    assert_int_equal(vnet_count(w->n), 0);
    assert_int_equal(o->calls, 1);
    assert_int_equal(o->error, PARLEY_E_ABORTED);
    assert_int_equal(parley_session_state(s), PARLEY_STATE_IDLE);
    o->calls = 0;
    return s;
}

/* The caller's application gives no offer (get_offer refuses): participate completes with
 * PARLEY_E_ABORTED, nothing is sent, the session stays Idle and can try again. */
static void test_get_offer_refused(void **state)
{
    world *w = *state;
    w->a.refuse_get_offer = 1;
    outcome o = {0};
    parley_session *s = call_without_offer(w, &o);
    assert_int_equal(w->a.ntrans, 0);
    w->a.refuse_get_offer = 0;
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
}

/* An offer whose content type would break the message (a line break in it) is refused as if
 * get_offer had refused: nothing is sent. One with parameters goes out as given. */
static void test_offer_content_type_checked(void **state)
{
    world *w = *state;
    w->a.offer_ctype = "application/x-test\r\nX-Evil: 1";
    outcome o = {0};
    parley_session *s = call_without_offer(w, &o);
    w->a.offer_ctype = "application/x-test; version=2";
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    assert_true(sp_has(sp_last(w->n, B_ADDR, "INVITE"),
                       "\r\nContent-Type: application/x-test; version=2\r\n"));
}

/* The scripted peer's request to A (CSeq 1) in the call of A's INVITE inv, From P_URI with tag,
 * To `to`; an INVITE with Contact <P_URI>; extra header lines after Max-Forwards, then body.
 * 5 ms later. */
static void peer_to_a(world *w, const vnet_packet *inv, const char *method, const char *branch,
                      const char *tag, const char *to, const char *extra, const char *body)
{
    char head[2048];
    snprintf(head, sizeof(head),
             "%s sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=%s\r\n"
             "From: <" P_URI ">;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n"
             "%sMax-Forwards: 70\r\n%s",
             method, branch, tag, to, hdr(inv, "Call-ID"), method,
             strcmp(method, "INVITE") ? "" : "Contact: <" P_URI ">\r\n", extra ? extra : "");
    sp_send(w->n, P_ADDR, A_ADDR, head, body);
    vnet_run(w->n, 5);
}

/* Flow 4 without an offer: the peer's re-INVITE has no body; we offer in the 200 and take the
 * answer from the ACK. */
static void test_reinvite_without_offer(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_connect_peer(w, "pt", &o);
    assert_int_equal(o.status, 200);
    party_clear(&w->a);
    peer_to_a(w, inv, "INVITE", "z9hG4bKnoo", "pt", hdr(inv, "From"), "X-Test: reinv\r\n", NULL);
    const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
    assert_string_equal(sp_body(ok), "offer-a-2");
    assert_log(&w->a, "offer_in_reinvite:null|get_offer");
    peer_to_a(w, inv, "ACK", "z9hG4bKnooa", "pt", hdr(ok, "To"),
              "Content-Type: application/x-test\r\n", "answer-p-2");
    assert_log(&w->a, "offer_in_reinvite:null|get_offer|set_answer|completed|"
                      "reinvite_done:INVITE");
    assert_hlog(&w->a, "reinvite_done:INVITE:reinv");
    assert_string_equal(w->a.last_answer_seen, "answer-p-2");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
}

/* The peer's re-INVITE had no offer, we offered in the 200 and its ACK brings no answer: the
 * session cannot stand (as for the initial INVITE): BYE, NotAcceptableMedia. */
static void test_reinvite_offer_unanswered(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_connect_peer(w, "pu", &o);
    peer_to_a(w, inv, "INVITE", "z9hG4bKun", "pu", hdr(inv, "From"), NULL, NULL);
    peer_to_a(w, inv, "ACK", "z9hG4bKuna", "pu", hdr(sp_last(w->n, P_ADDR, "SIP/2.0 200"), "To"),
              NULL, NULL);
    assert_trans(&w->a, A_CONNECTED_TRANS "|Connected>Disconnected:NotAcceptableMedia:ACK");
    assert_non_null(sp_last(w->n, P_ADDR, "BYE"));
}

/* Flow 6: no offer/answer handler on either side: no bodies anywhere, re-INVITEs included. */
static void test_no_handler(void **state)
{
    world *w = *state;
    w->a.no_oa = 1;
    w->b.no_oa = 1;
    outcome o = {0};
    parley_session *s = world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_int_equal(o.status, 200);
    world_reinvite_each_way(w, s);
    for (size_t i = 0; i < vnet_count(w->n); i++) {
        const vnet_packet *p = vnet_get(w->n, i);
        assert_string_equal(sp_body(p), "");
        assert_string_equal(hdr(p, "Content-Type"), "");
    }
    assert_log(&w->a, "state:Connecting:None|accepted|state:Connected:None|completed|"
                      "reinvite_done:INVITE");
    assert_log(&w->b, "incoming:null|state:Connecting:None|state:Connected:None|completed|"
                      "completed|reinvite_done:INVITE");
}

/* A caller without handler meets a callee with one: the callee offers in its 200, the ACK
 * brings no answer, and the callee ends the session (BYE, NotAcceptableMedia). */
static void test_no_handler_meets_handler(void **state)
{
    world *w = *state;
    w->a.no_oa = 1;
    outcome o = {0};
    world_call_b(w, PARTY_ACCEPT, &o, 10);
    assert_string_equal(sp_body(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)), "offer-b-1");
    assert_string_equal(sp_body(vnet_find(w->n, B_ADDR, "ACK", 0)), "");
    assert_trans(&w->b, "Incoming>Connecting:None:-|"
                        "Connecting>Disconnected:NotAcceptableMedia:ACK");
    assert_trans(&w->a, A_CONNECTED_TRANS ENDED_BY_BYE_TRANS);
}

/* Bodies of any content type, binary included (NUL and 0xFF bytes), through INVITE, 200 and
 * MESSAGE; a body without a type goes as application/sdp (offer/answer) or
 * "text/plain; charset=UTF-8" (messages: issue 5's spelling). */
static const unsigned char bin[6] = {0x00, 0xff, 'a', 0x00, '\r', '\n'};

static int bin_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    (void)user;
    out->content_type = "application/octet-stream";
    out->body = bin;
    out->len = sizeof(bin);
    return 0;
}

static int untyped_answer(parley_session *s, const parley_content *offer, parley_content *out,
                          void *user)
{
    (void)s;
    party *p = user;
    assert_int_equal(offer->len, sizeof(bin));
    assert_memory_equal(offer->body, bin, sizeof(bin));
    assert_string_equal(offer->content_type, "application/octet-stream");
    party_log(p, "get_answer:binary");
    out->content_type = NULL;
    out->body = "v=0";
    out->len = 3;
    return 0;
}

/* A's session to B whose contract offers the binary body (bin_offer), participating; o gets
 * the outcome. */
static parley_session *a_calls_b_binary(world *w, outcome *o)
{
    parley_session *s = party_call(&w->a, B_URI);
    parley_oa_ops ops = {bin_offer, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(parley_session_set_offer_answer(s, &ops, &w->a), 0);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, o), 0);
    return s;
}

static void test_bodies_of_any_type(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    parley_session *s = a_calls_b_binary(w, &o);
    vnet_run(w->n, 1);
    /* the INVITE on the wire: exact bytes */
    const vnet_packet *inv = vnet_get(w->n, 0);
    assert_string_equal(hdr(inv, "Content-Type"), "application/octet-stream");
    assert_string_equal(hdr(inv, "Content-Length"), "6");
    assert_memory_equal(inv->data + inv->len - 6, bin, 6);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);

    /* MESSAGE with a binary body and one without a type */
    outcome m1 = {0}, m2 = {0};
    parley_content c1 = {"application/octet-stream", bin, sizeof(bin)};
    parley_content c2 = {NULL, "plain", 5};
    assert_int_equal(
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, &c1, NULL, 0, outcome_cb, &m1), 0);
    vnet_run(w->n, 10);
    const vnet_packet *msg = sp_last(w->n, B_ADDR, "MESSAGE");
    assert_string_equal(hdr(msg, "Content-Type"), "application/octet-stream");
    assert_memory_equal(msg->data + msg->len - 6, bin, 6);
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, &c2, NULL, 0, outcome_cb, &m2),
                     0);
    vnet_run(w->n, 10);
    assert_string_equal(hdr(sp_last(w->n, B_ADDR, "INFO"), "Content-Type"),
                        "text/plain; charset=UTF-8");
    assert_int_equal(m1.status, 200);
    assert_int_equal(m2.status, 200);
}

/* An answer without a content type goes as application/sdp; the offer reaches get_answer with
 * its exact bytes and type. */
static void on_b_session(party *p, const char *event)
{
    if (strcmp(event, "incoming"))
        return;
    static const parley_oa_ops ops = {NULL, untyped_answer, NULL, NULL, NULL, NULL};
    parley_session_set_offer_answer(p->s, &ops, p);
    parley_session_participate(p->s, NULL, 0, NULL, NULL);
}

static void test_binary_offer_untyped_answer(void **state)
{
    world *w = *state;
    w->b.hook = on_b_session;
    outcome o = {0};
    a_calls_b_binary(w, &o);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    assert_true(party_saw(&w->b, "get_answer:binary"));
    const vnet_packet *ok = vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0);
    assert_string_equal(hdr(ok, "Content-Type"), "application/sdp");
    assert_string_equal(sp_body(ok), "v=0");
}

/* An INVITE whose Accept admits no SDP (RFC 4475 §3.3.15, sdp01) gets 406 before any session
 * exists: every answer a session could give is SDP (RFC 3261 §21.4.7). Accept with SDP among
 * its ranges, or none, is taken. */
static void test_accept_without_sdp_406(void **state)
{
    world *w = *state;
    w->a.on_incoming = PARTY_REJECT;
    w->a.reject_code = 486;
    static const struct {
        const char *accept; /* NULL: no Accept */
        int status;
    } cases[] = {
        {"Accept: text/nobodyKnowsThis\r\n", 406},
        {"Accept: \r\n", 406}, /* empty: nothing acceptable (RFC 3261 §20.1) */
        {"Accept: application/sdp;q=0, text/plain\r\n", 406},
        {"Accept: */*;q=0.000\r\n", 406},
        {NULL, 486},
        {"Accept: text/plain, Application/SDP;level=1\r\n", 486},
        {"Accept: application/*;q=0.5\r\n", 486},
        {"Accept: text/html\r\nAccept: */*\r\n", 486},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char head[1024], prefix[16];
        snprintf(head, sizeof(head),
                 "INVITE sip:node@10.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR
                 ";branch=z9hG4bKacc%zu\r\nFrom: <" P_URI ">;tag=acc%zu\r\n"
                 "To: <sip:node@10.0.0.1:5060>\r\nCall-ID: acc%zu@p\r\nCSeq: 1 INVITE\r\n"
                 "Contact: <" P_URI ">\r\nMax-Forwards: 70\r\n%s"
                 "Content-Type: application/sdp\r\n",
                 i, i, i, cases[i].accept ? cases[i].accept : "");
        int nlog = w->a.nlog;
        sp_send(w->n, P_ADDR, A_ADDR, head, "v=0\r\n");
        vnet_run(w->n, 5);
        snprintf(prefix, sizeof(prefix), "SIP/2.0 %d", cases[i].status);
        const vnet_packet *r = sp_last(w->n, P_ADDR, prefix);
        char cid[32];
        snprintf(cid, sizeof(cid), "acc%zu@p", i);
        if (!r || strcmp(hdr(r, "Call-ID"), cid) != 0)
            vnet_dump(w->n);
        assert_non_null(r);
        assert_string_equal(hdr(r, "Call-ID"), cid);
        if (cases[i].status == 406) /* refused before any session: the application saw nothing */
            assert_int_equal(w->a.nlog, nlog);
        else
            assert_true(w->a.nlog > nlog);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_offer_in_invite, world_setup_peer),
        WORLD_TEST(test_accept_without_sdp_406, world_setup_peer),
        WORLD_TEST(test_null_offer, world_setup_peer),
        WORLD_TEST(test_null_offer_ready_later, world_setup_peer),
        WORLD_TEST(test_null_offer_refused, world_setup_peer),
        WORLD_TEST(test_early_media, world_setup_peer),
        WORLD_TEST(test_early_media_other_fork_answers, world_setup_peer),
        WORLD_TEST(test_reinvite_without_callback_accepted, world_setup_peer),
        WORLD_TEST(test_early_media_then_redirect, setup_abc),
        WORLD_TEST(test_early_media_refusals, world_setup_peer),
        WORLD_TEST(test_refused_offer_488, world_setup_peer),
        WORLD_TEST(test_unsupported_type_415, world_setup_peer),
        WORLD_TEST(test_sdp_contract_415, world_setup_peer),
        WORLD_TEST(test_get_offer_refused, world_setup_peer),
        WORLD_TEST(test_offer_content_type_checked, world_setup_peer),
        WORLD_TEST(test_reinvite_without_offer, world_setup_peer),
        WORLD_TEST(test_reinvite_offer_unanswered, world_setup_peer),
        WORLD_TEST(test_no_handler, world_setup_peer),
        WORLD_TEST(test_no_handler_meets_handler, world_setup_peer),
        WORLD_TEST(test_bodies_of_any_type, world_setup_peer),
        WORLD_TEST(test_binary_offer_untyped_answer, world_setup_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
