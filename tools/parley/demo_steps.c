/*
 * parley demo: the steps (demo.h), on the main thread. Each acts through the API's synchronous
 * calls, waits (WAIT_MS at most) for what the callbacks should have seen, and says in one line
 * what happened and whether it behaved.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "demo.h"

#define WAIT_MS 8000

/* Waits until cond() holds (WAIT_MS at most). */
static bool wait_until(bool (*cond)(void))
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&demo_mu);
    int rc = 0;
    while (!cond() && rc == 0)
        rc = pthread_cond_timedwait(&demo_cv, &demo_mu, &until);
    bool ok = cond();
    pthread_mutex_unlock(&demo_mu);
    return ok;
}

/* ---- the narration ---- */

int demo_failures;

static void say(int n, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(int n, bool ok, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    printf("  %2d. %-78s %s\n", n, line, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok)
        demo_failures++;
}

/* Alice calls uri (a null offer when asked); *out: her session (NULL on a local error). */
static int alice_calls(const char *uri, bool null_offer, parley_session **out, parley_result **r)
{
    parley_address to = {uri, NULL};
    *out = NULL;
    *r = NULL;
    int err = parley_session_create(demo_alice.ep, &to, NULL, out);
    if (err)
        return err;
    demo_leg *l = demo_attach(&demo_alice, *out);
    if (!l)
        return PARLEY_E_NOMEM;
    l->null_offer = null_offer;
    parley_header h = {"X-Demo", "hello from alice"};
    return parley_session_participate_sync(*out, &h, 1, r);
}

static void hang_up(parley_session *s)
{
    parley_result *r = NULL;
    if (s && parley_session_state(s) != PARLEY_STATE_DISCONNECTED)
        parley_session_terminate_sync(s, NULL, 0, &r);
    parley_result_free(r);
    parley_session_unref(s);
}

static int bob_target; /* the glare step waits for this many renegotiations of Bob's */

static bool bob_finished(void)
{
    return demo_ev.bob_renegotiated >= bob_target;
}

static int updates_target;
static bool bob_updated(void)
{
    return demo_ev.updates >= updates_target;
}

static int challenges_target;
static bool carol_challenged(void)
{
    return demo_ev.challenges >= challenges_target;
}

static bool alice_is_held(void)
{
    return demo_ev.alice_held;
}
static bool alice_not_held(void)
{
    return !demo_ev.alice_held;
}

static bool got_bob_reply(void)
{
    return demo_ev.messages[0] >= 1 && demo_ev.messages[1] >= 1;
}
static bool got_infos(void)
{
    return demo_ev.infos[0] >= 1 && demo_ev.infos[1] >= 1;
}
static bool refer_done(void)
{
    return demo_ev.refer_final;
}
static bool carol_connected(void)
{
    return demo_ev.state[2] == PARLEY_STATE_CONNECTED;
}
static bool carol_disconnected(void)
{
    return demo_ev.state[2] == PARLEY_STATE_DISCONNECTED;
}
static bool alice_alerted(void)
{
    return demo_ev.state[0] == PARLEY_STATE_ALERTED;
}
static bool bob_disconnected(void)
{
    return demo_ev.state[1] == PARLEY_STATE_DISCONNECTED;
}

void demo_run_steps(void)
{
    parley_result *r = NULL;
    parley_session *first = NULL, *s = NULL;
    int n = 0, err;

    /* 1, 2: the first session and its session timer */
    err = alice_calls(demo_bob.uri, false, &first, &r);
    say(++n, !err && r && r->status == 200 && demo_ev.provisionals >= 1,
        "Alice invites Bob with an SDP offer; Bob rings (180) and accepts (200, ACK)");
    parley_result_free(r);
    if (err) {
        say(++n, false, "(the rest needs the first session: %s)", parley_strerror(err));
        parley_session_unref(first);
        return;
    }
    unsigned iv = 0;
    int we = 0;
    parley_session_timer(first, &iv, &we);
    say(++n, iv == 1800 && we, "session timer: %u s, Alice refreshes (Session-Expires in the 200)",
        iv);

    /* 3, 4: MESSAGE and INFO with a custom header both ways */
    parley_content text = {"text/plain", "Hello Bob, Alice here.", 22};
    parley_header xa = {"X-Demo", "from alice"}, xb = {"X-Demo", "from bob"};
    err = parley_session_send_message_sync(first, PARLEY_MSG_MESSAGE, &text, &xa, 1, &r);
    parley_result_free(r);
    bool ok = !err && wait_until(got_bob_reply);
    pthread_mutex_lock(&demo_mu);
    ok = ok && !strcmp(demo_ev.last_header[1], "from alice") &&
         !strcmp(demo_ev.last_header[0], "from bob");
    pthread_mutex_unlock(&demo_mu);
    say(++n, ok, "MESSAGE with X-Demo from Alice; Bob answers with one of his own");
    parley_content dtmf = {"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", 25};
    err = parley_session_send_message_sync(first, PARLEY_MSG_INFO, &dtmf, &xa, 1, &r);
    parley_result_free(r);
    pthread_mutex_lock(&demo_mu);
    parley_session *bs = demo_ev.bob_first;
    pthread_mutex_unlock(&demo_mu);
    int err2 = bs ? parley_session_send_message_sync(bs, PARLEY_MSG_INFO, &dtmf, &xb, 1, &r)
                  : PARLEY_E_STATE;
    parley_result_free(r);
    say(++n, !err && !err2 && wait_until(got_infos), "INFO with X-Demo both ways (DTMF relay)");

    /* 5: hold and resume from Bob's side */
    bool held = false, resumed = false;
    if (bs) {
        demo_leg *l = parley_session_user(bs); /* the leg, kept in the session's slot */
        if (l)
            atomic_store(&l->want_dir, PARLEY_SDP_SENDONLY);
        err = parley_session_renegotiate_sync(bs, 0, NULL, 0, &r);
        parley_result_free(r);
        held = !err && wait_until(alice_is_held); /* Alice sees it once the ACK came */
        if (l)
            atomic_store(&l->want_dir, PARLEY_SDP_SENDRECV);
        err = parley_session_renegotiate_sync(bs, 0, NULL, 0, &r);
        parley_result_free(r);
        resumed = !err && wait_until(alice_not_held);
    }
    say(++n, held && resumed, "Bob holds (re-INVITE, sendonly) and resumes (sendrecv)");

    /* 6: glare: both re-INVITE at once (they meet in get_offer first), both get 491, each
     * retries after its RFC 3261 wait */
    bool glare = false;
    if (bs) {
        pthread_mutex_lock(&demo_mu);
        int before = demo_ev.rejected_491;
        bob_target = demo_ev.bob_renegotiated + 1;
        demo_glare_waiting = 0;
        pthread_mutex_unlock(&demo_mu);
        parley_result *ra = NULL;
        err = parley_session_renegotiate(bs, 0, NULL, 0, demo_bob_reneg_done, NULL);
        err2 = parley_session_renegotiate_sync(first, 0, NULL, 0, &ra);
        bool bob_done = !err && wait_until(bob_finished); /* Bob's retry ends too */
        pthread_mutex_lock(&demo_mu);
        demo_glare_waiting = -1;
        glare = demo_ev.rejected_491 >= before + 2 && bob_done && !err2 && ra && ra->status == 200;
        pthread_mutex_unlock(&demo_mu);
        parley_result_free(ra);
    }
    say(++n, glare, "renegotiation glare: both re-INVITE at once, 491, each retries and succeeds");

    /* 7: UPDATE */
    pthread_mutex_lock(&demo_mu);
    updates_target = demo_ev.updates + 1;
    pthread_mutex_unlock(&demo_mu);
    err = parley_session_renegotiate_sync(first, PARLEY_RENEGOTIATE_UPDATE, NULL, 0, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    ok = ok && wait_until(bob_updated); /* Bob's event comes on his side, after his 200 */
    say(++n, ok, "Alice renegotiates by UPDATE (RFC 3311), no ACK needed");

    /* 8: REFER to Carol, progress in NOTIFYs */
    parley_address to_carol = {demo_carol.uri, NULL};
    err = parley_session_refer_sync(first, &to_carol, NULL, 0, &r);
    ok = !err && r && r->status == 202 && wait_until(refer_done) && wait_until(carol_connected);
    parley_result_free(r);
    char seen[64] = "";
    pthread_mutex_lock(&demo_mu);
    for (int i = 0; i < demo_ev.nrefer_status; i++)
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%d", i ? ", " : "",
                 demo_ev.refer_status[i]);
    ok = ok && demo_ev.nrefer_status >= 2 && demo_ev.refer_status[demo_ev.nrefer_status - 1] == 200;
    pthread_mutex_unlock(&demo_mu);
    say(++n, ok, "Alice refers Bob to Carol (202); Bob calls her; NOTIFY progress: %s", seen);

    /* 9: a null offer */
    err = alice_calls(demo_carol.uri, true, &s, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    pthread_mutex_lock(&demo_mu);
    demo_ev.carol_got_answer_in_ack = false;
    pthread_mutex_unlock(&demo_mu);
    ok = ok && wait_until(carol_connected);
    hang_up(s);
    s = NULL;
    say(++n, ok, "a null-offer session: Carol offers in her 200, Alice answers in the ACK");

    /* 10: early media, reliably */
    demo_carol.answer = DEMO_EARLY_ACCEPT;
    pthread_mutex_lock(&demo_mu);
    int early = demo_ev.early_media, pracks = demo_ev.pracks;
    pthread_mutex_unlock(&demo_mu);
    err = alice_calls(demo_carol.uri, false, &s, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    pthread_mutex_lock(&demo_mu);
    ok = ok && demo_ev.early_media > early && demo_ev.pracks > pracks;
    pthread_mutex_unlock(&demo_mu);
    hang_up(s);
    s = NULL;
    say(++n, ok, "early media: Carol's answer in a reliable 183, Alice's PRACK, then the 200");

    /* 11: rejected */
    demo_carol.answer = DEMO_REJECT_BUSY;
    err = alice_calls(demo_carol.uri, false, &s, &r);
    ok = err == PARLEY_E_FAILURE_RESPONSE && r && r->status == 486;
    parley_result_free(r);
    hang_up(s);
    s = NULL;
    say(++n, ok, "a rejected session: Carol is busy (486 Busy Here)");

    /* 12: redirected */
    demo_carol.answer = DEMO_RING_ACCEPT;
    demo_bob.answer = DEMO_REDIRECT;
    err = alice_calls(demo_bob.uri, false, &s, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    hang_up(s);
    s = NULL;
    demo_bob.answer = DEMO_RING_ACCEPT;
    say(++n, ok, "a redirected session: Bob answers 302 to Carol, Alice follows, Carol accepts");

    /* 13: cancelled */
    demo_carol.answer = DEMO_RING_ONLY;
    pthread_mutex_lock(
        &demo_mu); /* Carol's last session ended DISCONNECTED: wait for this one's end */
    demo_ev.state[2] = PARLEY_STATE_IDLE;
    pthread_mutex_unlock(&demo_mu);
    parley_address to = {demo_carol.uri, NULL};
    ok = parley_session_create(demo_alice.ep, &to, NULL, &s) == 0 && demo_attach(&demo_alice, s) &&
         parley_session_participate(s, NULL, 0, NULL, NULL) == 0 && wait_until(alice_alerted);
    parley_session_terminate_sync(s, NULL, 0, &r);
    parley_result_free(r);
    ok = ok && wait_until(carol_disconnected);
    pthread_mutex_lock(&demo_mu);
    ok = ok && demo_ev.reason[2] == PARLEY_REASON_CANCELED;
    pthread_mutex_unlock(&demo_mu);
    parley_session_unref(s);
    say(++n, ok, "a cancelled session: Carol rings, Alice gives up (CANCEL, 487)");

    /* 14: Digest both ways: Carol challenges, Alice's endpoint answers from its credentials and
     * sends the MESSAGE again; Bob's wrong password is challenged once more and refused */
    pthread_mutex_lock(&demo_mu);
    int challenges = demo_ev.challenges, pages = demo_ev.carol_pages;
    pthread_mutex_unlock(&demo_mu);
    parley_content note = {"text/plain", "Carol, it is Alice.", 19};
    err = parley_endpoint_send_message_sync(demo_alice.ep, PARLEY_MSG_MESSAGE, &to_carol, &note,
                                            &xa, 1, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    err = parley_endpoint_send_message_sync(demo_bob.ep, PARLEY_MSG_MESSAGE, &to_carol, &note, &xb,
                                            1, &r);
    ok = ok && err == PARLEY_E_AUTH && r && r->status == 401;
    parley_result_free(r);
    challenges_target = challenges + 3; /* Alice's one, Bob's two: their traces may come after
                                           the answers that ended the sends */
    ok = ok && wait_until(carol_challenged);
    pthread_mutex_lock(&demo_mu);
    ok = ok && demo_ev.carol_pages == pages + 1 && !strcmp(demo_ev.carol_page_user, "alice");
    pthread_mutex_unlock(&demo_mu);
    say(++n, ok, "Digest: Carol challenges a MESSAGE (401); Alice's password passes, Bob's not");

    /* 15: BYE (Bob's redirecting session ended DISCONNECTED too: wait for the first's end) */
    pthread_mutex_lock(&demo_mu);
    demo_ev.state[1] = PARLEY_STATE_IDLE;
    pthread_mutex_unlock(&demo_mu);
    err = parley_session_terminate_sync(first, NULL, 0, &r);
    ok = !err && r && r->status == 200 && wait_until(bob_disconnected);
    parley_result_free(r);
    say(++n, ok, "Alice hangs up the first session (BYE, 200)");
    parley_session_unref(first);
}
