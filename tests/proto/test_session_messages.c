/*
 * In-session messages: every message type both ways (BENOTIFY never answered, complete when
 * sent), Connected required, the receiver's answers (default 200, any code with a body and
 * headers, deferred), 415 for a body in an unknown coding, failures that end the session (408,
 * timeout), REFER with its NOTIFYs.
 */
#include "test_util.h"

#include "world.h"

/* MESSAGE, INFO, OPTIONS, NOTIFY, SERVICE both ways: received with their type and body,
 * answered 200 by default. */
static void test_every_type_both_ways(void **state)
{
    world *w = *state;
    world_connect(w);
    static const parley_msg_type types[] = {PARLEY_MSG_MESSAGE, PARLEY_MSG_INFO, PARLEY_MSG_OPTIONS,
                                            PARLEY_MSG_NOTIFY, PARLEY_MSG_SERVICE};
    for (int dir = 0; dir < 2; dir++) {
        party *from = dir ? &w->b : &w->a, *to = dir ? &w->a : &w->b;
        const char *dst = dir ? A_ADDR : B_ADDR;
        for (size_t i = 0; i < 5; i++) {
            const char *method = parley_msg_type_method(types[i]);
            char text[64];
            snprintf(text, sizeof(text), "body of %s", method);
            parley_content body = {"text/x-note", text, strlen(text)};
            outcome m = {0};
            assert_int_equal(
                parley_session_send_message(from->s, types[i], &body, NULL, 0, outcome_cb, &m), 0);
            vnet_run(w->n, 10);
            assert_int_equal(m.calls, 1);
            assert_int_equal(m.error, 0);
            assert_int_equal(m.status, 200);
            assert_string_equal(to->last_message_type, method);
            assert_string_equal(to->last_message, text);
            const vnet_packet *p = sp_last(w->n, dst, method);
            assert_non_null(p);
            assert_string_equal(hdr(p, "Content-Type"), "text/x-note");
            char cseq[64];
            snprintf(cseq, sizeof(cseq), "%zu %s", i + (dir ? 1 : 2), method);
            assert_string_equal(hdr(p, "CSeq"), cseq);
        }
    }
    assert_log(&w->b, "message:MESSAGE|message:INFO|message:OPTIONS|message:NOTIFY|"
                      "message:SERVICE");
    assert_log(&w->a, "message:MESSAGE|message:INFO|message:OPTIONS|message:NOTIFY|"
                      "message:SERVICE");
    assert_int_equal(w->a.ntrans + w->b.ntrans, 0);
}

/* The default 200 to an OPTIONS in a session says what the session takes, as out of a dialog
 * (RFC 3261 §11.2: Allow, Accept, Accept-Encoding, Accept-Language and Supported SHOULD be in
 * a 2xx to OPTIONS); it had none of them. Other requests' 200 stay bare. */
static void test_options_answer_capabilities(void **state)
{
    world *w = *state;
    world_connect(w);
    outcome m = {0};
    assert_int_equal(
        parley_session_send_message(w->a.s, PARLEY_MSG_OPTIONS, NULL, NULL, 0, outcome_cb, &m), 0);
    vnet_run(w->n, 10);
    outcome_assert_once(&m, 200);
    const vnet_packet *ok = sp_last(w->n, A_ADDR, "SIP/2.0 200");
    assert_non_null(ok);
    assert_string_equal(hdr(ok, "CSeq"), "2 OPTIONS");
    assert_string_equal(hdr(ok, "Allow"),
                        "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER, MESSAGE, PRACK, "
                        "UPDATE");
    assert_string_equal(hdr(ok, "Supported"), "100rel, timer, ms-benotify, replaces");
    assert_string_equal(hdr(ok, "Accept"), "application/sdp, text/plain, message/cpim");
    assert_string_equal(hdr(ok, "Accept-Encoding"), "identity");
    assert_string_equal(hdr(ok, "Accept-Language"), "en");
    outcome i = {0};
    assert_int_equal(
        parley_session_send_message(w->a.s, PARLEY_MSG_INFO, NULL, NULL, 0, outcome_cb, &i), 0);
    vnet_run(w->n, 10);
    outcome_assert_once(&i, 200);
    ok = sp_last(w->n, A_ADDR, "SIP/2.0 200");
    assert_string_equal(hdr(ok, "CSeq"), "3 INFO");
    assert_false(sp_has(ok, "\r\nAllow:"));
    assert_false(sp_has(ok, "\r\nAccept:"));
}

/* BENOTIFY: sent once without a transaction, completes when sent; never answered. */
static void test_benotify(void **state)
{
    world *w = *state;
    world_connect(w);
    outcome m = {0};
    parley_content body = {"application/xml", "<x/>", 4};
    size_t before = vnet_count(w->n);
    assert_int_equal(
        parley_session_send_message(w->a.s, PARLEY_MSG_BENOTIFY, &body, NULL, 0, outcome_cb, &m),
        0);
    assert_int_equal(m.calls, 0); /* never inside the call */
    vnet_run(w->n, 0);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.error, 0);
    assert_int_equal(m.status, 0);
    assert_ptr_equal(m.session, w->a.s); /* the completion names its session */
    vnet_run(w->n, 40000);
    assert_int_equal(w->b.messages, 1);
    assert_string_equal(w->b.last_message_type, "BENOTIFY");
    assert_int_equal(vnet_count(w->n) - before, 1); /* no retransmission, no answer */
    assert_string_equal(vnet_get(w->n, before)->method, "BENOTIFY");
    assert_int_equal(m.calls, 1);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
}

/* Messages need Connected: PARLEY_E_STATE, nothing sent, in every other state. */
static void test_needs_connected(void **state)
{
    world *w = *state;
    w->a.delay_ack = 1;
    parley_session *s = party_call(&w->a, B_URI);
    outcome m = {0};
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, NULL, NULL, 0, NULL, NULL),
                     PARLEY_E_STATE); /* Idle */
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, NULL, NULL, 0, NULL, NULL),
                     PARLEY_E_STATE); /* Connecting */
    vnet_run(w->n, 10);
    assert_int_equal(
        parley_session_send_message(w->b.s, PARLEY_MSG_INFO, NULL, NULL, 0, NULL, NULL),
        PARLEY_E_STATE); /* Incoming */
    assert_int_equal(parley_session_provisional(w->b.s, 180, NULL, NULL, 0, 0), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, NULL, NULL, 0, NULL, NULL),
                     PARLEY_E_STATE); /* Alerted */
    assert_int_equal(parley_session_participate(w->b.s, NULL, 0, NULL, NULL), 0);
    assert_int_equal(
        parley_session_send_message(w->b.s, PARLEY_MSG_INFO, NULL, NULL, 0, NULL, NULL),
        PARLEY_E_STATE); /* Connecting (the 200 waits for its ACK) */
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_terminate(s, NULL, 0, NULL, NULL), 0);
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, NULL, NULL, 0, outcome_cb, &m),
                     PARLEY_E_STATE); /* Disconnected */
    vnet_run(w->n, 100);
    assert_int_equal(m.calls, 0);
    for (size_t i = 0; i < vnet_count(w->n); i++)
        assert_string_not_equal(vnet_get(w->n, i)->method, "INFO");
    /* bad arguments */
    assert_int_equal(parley_session_send_message(s, (parley_msg_type)99, NULL, NULL, 0, NULL, NULL),
                     PARLEY_E_INVAL);
    parley_content broken = {"text/plain", NULL, 3};
    assert_int_equal(parley_session_send_message(s, PARLEY_MSG_INFO, &broken, NULL, 0, NULL, NULL),
                     PARLEY_E_INVAL);
}

/* The receiver answers with any code, a reason, a body and headers; or without a body the
 * request carries no Content-Type. */
static void test_receiver_answers(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_header h = {"X-Test", "busy"};
    w->b.msg_code = 486;
    w->b.msg_reply = "call later";
    w->b.hdrs = &h;
    w->b.nhdrs = 1;
    outcome m = {0};
    world_a_sends(w, PARLEY_MSG_MESSAGE, &m);
    vnet_run(w->n, 10);
    const vnet_packet *req = sp_last(w->n, B_ADDR, "MESSAGE");
    assert_string_equal(hdr(req, "Content-Type"), "");
    assert_string_equal(hdr(req, "Content-Length"), "0");
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(m.status, 486);
    assert_string_equal(m.reason, "Busy Here");
    assert_string_equal(m.hdr, "busy");
    const vnet_packet *resp = sp_last(w->n, A_ADDR, "SIP/2.0 486");
    assert_string_equal(sp_body(resp), "call later");
    assert_string_equal(hdr(resp, "Content-Type"), "text/plain");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    /* a 2xx other than 200 */
    w->b.msg_code = 202;
    outcome m2 = {0};
    world_a_sends(w, PARLEY_MSG_INFO, &m2);
    vnet_run(w->n, 10);
    assert_int_equal(m2.error, 0);
    assert_int_equal(m2.status, 202);
}

/* A body in a coding parley cannot undo (Content-Encoding other than identity) gets 415 with
 * Accept-Encoding, as in page mode (RFC 3261 §8.2.3), and is not handed up; identity passes. */
static void test_unknown_encoding_415(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_content body = {"text/plain", "\x1f\x8b packed", 9};
    parley_header gzip = {"Content-Encoding", "gzip"};
    outcome m = {0};
    assert_int_equal(
        parley_session_send_message(w->a.s, PARLEY_MSG_MESSAGE, &body, &gzip, 1, outcome_cb, &m),
        0);
    vnet_run(w->n, 10);
    assert_int_equal(m.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(m.status, 415);
    assert_string_equal(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 415"), "Accept-Encoding"), "identity");
    assert_string_equal(w->b.last_message_type, "");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    parley_header identity = {"Content-Encoding", "identity"};
    outcome m2 = {0};
    assert_int_equal(
        parley_session_send_message(w->a.s, PARLEY_MSG_INFO, &body, &identity, 1, outcome_cb, &m2),
        0);
    vnet_run(w->n, 10);
    assert_int_equal(m2.status, 200);
    assert_string_equal(w->b.last_message_type, "INFO");
}

/* The receiver defers its answer and gives it later. */
static void test_receiver_defers(void **state)
{
    world *w = *state;
    world_connect(w);
    w->b.defer_message = 1;
    outcome m = {0};
    m.n = w->n;
    world_a_sends(w, PARLEY_MSG_INFO, &m);
    vnet_run(w->n, 5000);
    assert_int_equal(m.calls, 0);
    assert_non_null(w->b.deferred);
    /* the request is still readable */
    parley_slice meth = parley_msg_method(parley_request_msg(w->b.deferred));
    assert_int_equal(meth.len, 4);
    assert_int_equal(parley_request_session(w->b.deferred) == w->b.s, 1);
    parley_content body = {"application/json", "{}", 2};
    assert_int_equal(parley_request_respond(w->b.deferred, 200, "Done", &body, NULL, 0), 0);
    vnet_run(w->n, 10);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.status, 200);
    assert_string_equal(m.reason, "Done");
    assert_int_equal(m.at, 6011);
}

/* A 408 to an in-dialog request ends the session with a BYE (Timeout); so does no answer at
 * all (Timer F, 64*T1). */
static void test_408_and_timeout_end(void **state)
{
    world *w = *state;
    world_connect(w);
    w->b.msg_code = 408;
    outcome m = {0};
    world_a_sends(w, PARLEY_MSG_INFO, &m);
    vnet_run(w->n, 10);
    assert_int_equal(m.status, 408);
    assert_trans(&w->a, "Connected>Disconnected:Timeout:408");
    assert_non_null(vnet_find(w->n, B_ADDR, "BYE", 0));
    assert_trans(&w->b, "Connected>Disconnected:TerminatedRemotely:BYE");

    party_clear(&w->a);
    party_clear(&w->b);
    w->b.msg_code = 0;
    world_connect(w);
    world_drop(w, A_ADDR, "", 0, 0);
    outcome m2 = {0};
    m2.n = w->n;
    uint64_t t0 = vnet_now(w->n);
    size_t before = vnet_count(w->n);
    world_a_sends(w, PARLEY_MSG_MESSAGE, &m2);
    vnet_run(w->n, 40000);
    assert_int_equal(m2.calls, 1);
    assert_int_equal(m2.error, PARLEY_E_TIMEOUT);
    assert_int_equal(m2.at, t0 + 32000);
    assert_trans(&w->a, "Connected>Disconnected:Timeout:-");
    /* the BYE goes at once (and is retransmitted: everything from A is lost) */
    for (size_t i = before; i < vnet_count(w->n); i++) {
        const vnet_packet *p = vnet_get(w->n, i);
        if (!strcmp(p->method, "BYE")) {
            assert_int_equal(p->sent_at, t0 + 32000);
            break;
        }
    }
    assert_int_equal(sp_count_since(w->n, before, A_ADDR, "BYE"), 5);
}

/* REFER: the peer accepts (202), a first NOTIFY "100 Trying", then the final one; the
 * referrer sees them as progress events, not as messages; without on_refer the REFER is
 * declined with 603. */
static void test_refer(void **state)
{
    world *w = *state;
    world_connect(w);
    outcome r = {0};
    parley_address target = {"sip:carol@10.0.0.3:5060", "epidc"};
    assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, 202);
    const vnet_packet *refer = sp_last(w->n, B_ADDR, "REFER");
    assert_string_equal(hdr(refer, "Refer-To"), "<sip:carol@10.0.0.3:5060>;epid=epidc");
    assert_string_equal(hdr(refer, "Referred-By"), "<sip:node@10.0.0.1:5060>");
    assert_log(&w->b, "refer:sip:carol@10.0.0.3:5060");
    assert_log(&w->a, "refer_progress:100|refer_progress:200:final");
    assert_int_equal(w->a.refer_state, PARLEY_REFER_SUCCEEDED);
    assert_string_equal(parley_refer_state_name(PARLEY_REFER_SUCCEEDED), "Succeeded");
    assert_string_equal(parley_refer_state_name(PARLEY_REFER_FAILED_SEND), "ReferFailed");
    assert_string_equal(parley_refer_state_name((parley_refer_state)42), "?");
    const vnet_packet *n1 = vnet_find(w->n, A_ADDR, "NOTIFY", 0);
    const vnet_packet *n2 = vnet_find(w->n, A_ADDR, "NOTIFY", 1);
    assert_string_equal(sp_body(n1), "SIP/2.0 100 Trying\r\n");
    /* the Event id is the REFER's CSeq (RFC 3515 §2.4.6) */
    char ev[32];
    snprintf(ev, sizeof(ev), "refer;id=%u", (unsigned)atoi(hdr(refer, "CSeq")));
    assert_string_equal(hdr(n1, "Event"), ev);
    assert_string_equal(hdr(n1, "Subscription-State"), "active;expires=60");
    assert_string_equal(hdr(n1, "Content-Type"), "message/sipfrag;version=2.0");
    assert_string_equal(sp_body(n2), "SIP/2.0 200 OK\r\n");
    assert_string_equal(hdr(n2, "Subscription-State"), "terminated;reason=noresource");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);

    /* callbacks are set before a session does anything */
    parley_session_cbs none = {0};
    assert_int_equal(parley_session_set_callbacks(w->b.s, &none, NULL), PARLEY_E_STATE);

    /* no on_refer: 603 (a new call to a B without one) */
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 10);
    w->b.no_on_refer = 1;
    world_connect(w);
    outcome r2 = {0};
    assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, outcome_cb, &r2), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r2.status, 603);
    assert_int_equal(r2.error, PARLEY_E_FAILURE_RESPONSE);
}

/* The REFER's receiver puts its own headers on the 202 and on a decline (with its code and
 * reason); stack-owned headers are refused there too. */
static void test_refer_answer_headers(void **state)
{
    world *w = *state;
    world_connect(w);
    parley_address target = {"sip:carol@10.0.0.3:5060", NULL};
    w->b.refer_x_test = "accepted-here";
    outcome r = {0};
    assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 10);
    assert_int_equal(w->b.refer_rc, 0);
    assert_int_equal(r.status, 202);
    assert_string_equal(r.hdr, "accepted-here");
    assert_string_equal(hdr(sp_last(w->n, A_ADDR, "SIP/2.0 202"), "X-Test"), "accepted-here");

    w->b.refer_decline = 480;
    w->b.refer_x_test = "declined-here";
    outcome r2 = {0};
    assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, outcome_cb, &r2), 0);
    vnet_run(w->n, 10);
    assert_int_equal(w->b.refer_rc, 0);
    assert_int_equal(r2.error, PARLEY_E_FAILURE_RESPONSE);
    assert_int_equal(r2.status, 480);
    assert_string_equal(r2.reason, "Not Now");
    assert_string_equal(r2.hdr, "declined-here");
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);

    /* a header the stack owns is refused by accept and decline alike, nothing sent; a plain
     * decline (603) still answers */
    const char *owned[] = {"Call-ID", "CSeq", "Via"};
    for (int i = 0; i < 3; i++) {
        w->b.refer_hname = owned[i];
        w->b.refer_x_test = "x";
        w->b.refer_decline = i == 2 ? 486 : 0;
        outcome r3 = {0};
        assert_int_equal(parley_session_refer(w->a.s, &target, NULL, 0, outcome_cb, &r3), 0);
        vnet_run(w->n, 10);
        assert_int_equal(w->b.refer_rc, PARLEY_E_HEADER_RESTRICTED);
        assert_int_equal(r3.status, 603);
    }
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_every_type_both_ways, world_setup),
        WORLD_TEST(test_options_answer_capabilities, world_setup),
        WORLD_TEST(test_benotify, world_setup),
        WORLD_TEST(test_needs_connected, world_setup),
        WORLD_TEST(test_receiver_answers, world_setup),
        WORLD_TEST(test_unknown_encoding_415, world_setup),
        WORLD_TEST(test_receiver_defers, world_setup),
        WORLD_TEST(test_408_and_timeout_end, world_setup),
        WORLD_TEST(test_refer, world_setup),
        WORLD_TEST(test_refer_answer_headers, world_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
