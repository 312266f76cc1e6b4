/* parley listen: answering each incoming session as --answer says (auto, ring:S, early,
 * reject:CODE, redirect:URIs, null-offer), one that replaces a call (RFC 3891) at once; one
 * ringer thread for the delayed answers. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "json.h"
#include "listen_json.h"
#include "session_cli.h"

struct ring_job {
    struct ring_job *next;
    cli_call *c;
    struct timespec at; /* when it is answered (CLOCK_REALTIME, as app->cv waits) */
};

static bool not_incoming(cli_call *c)
{
    return c->ended || parley_session_state(c->s) != PARLEY_STATE_INCOMING;
}

static bool due(const struct timespec *at)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > at->tv_sec || (now.tv_sec == at->tv_sec && now.tv_nsec >= at->tv_nsec);
}

/* Under app->mu: takes the queue's first job off. */
static struct ring_job *ring_pop(cli_app *app)
{
    struct ring_job *j = app->ring_head;
    app->ring_head = j->next;
    if (!app->ring_head)
        app->ring_tail = NULL;
    return j;
}

/* The one ringer thread: answers each call of the queue at its time, unless the caller gave up
 * first (--answer early: its 183 with early media went first; ring:S a 180). app->cv wakes it
 * on every session event, so a call that ended at the queue's head is let go at once; one
 * further back waits its turn (at most S). On `stopping` it lets every call go and leaves. */
static void *ringer(void *arg)
{
    cli_app *app = arg;
    pthread_mutex_lock(&app->mu);
    while (!app->stopping) {
        struct ring_job *j = app->ring_head;
        if (!j) {
            pthread_cond_wait(&app->cv, &app->mu);
            continue;
        }
        bool gone = not_incoming(j->c);
        if (!gone && !due(&j->at)) {
            pthread_cond_timedwait(&app->cv, &app->mu, &j->at);
            continue;
        }
        ring_pop(app);
        pthread_mutex_unlock(&app->mu);
        if (!gone)
            parley_session_participate(j->c->s, NULL, 0, NULL, NULL);
        cli_call_unref(j->c);
        free(j);
        pthread_mutex_lock(&app->mu);
    }
    struct ring_job *left = app->ring_head;
    app->ring_head = app->ring_tail = NULL;
    pthread_mutex_unlock(&app->mu);
    while (left) {
        struct ring_job *n = left->next;
        cli_call_unref(left->c);
        free(left);
        left = n;
    }
    pthread_mutex_lock(&app->mu);
    app->helpers--;
    pthread_cond_broadcast(&app->cv);
    pthread_mutex_unlock(&app->mu);
    return NULL;
}

/* Queues call c for its answer in app->ring_secs, starting the ringer with the first call.
 * Returns false when it cannot (no memory, no thread): the caller refuses the call. */
static bool ring_later(cli_app *app, cli_call *c)
{
    struct ring_job *j = calloc(1, sizeof(*j));
    if (!j)
        return false;
    clock_gettime(CLOCK_REALTIME, &j->at);
    j->at.tv_sec += (time_t)app->ring_secs;
    j->c = cli_call_ref(c);
    pthread_mutex_lock(&app->mu);
    pthread_t th;
    if (app->stopping || (!app->ringer_on && pthread_create(&th, NULL, ringer, app) != 0)) {
        pthread_mutex_unlock(&app->mu); /* (stopping: the ringer may have gone already) */
        cli_call_unref(j->c);
        free(j);
        return false;
    }
    if (!app->ringer_on) {
        pthread_detach(th);
        app->ringer_on = true;
        app->helpers++;
    }
    if (app->ring_tail)
        app->ring_tail->next = j;
    else
        app->ring_head = j;
    app->ring_tail = j;
    pthread_cond_broadcast(&app->cv);
    pthread_mutex_unlock(&app->mu);
    return true;
}

void cli_on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                    void *user)
{
    (void)ep;
    cli_app *app = user;
    cli_call *c = cli_call_new(app, s, app->answer != ANSWER_NULL_OFFER);
    if (!c) {
        parley_session_reject(s, 500, NULL, NULL, 0);
        return;
    }
    cli_call_attach(c);
    pl_buf b;
    if (cli_begin_event(&b, "incoming", c)) {
        const parley_participant *rp = parley_session_remote(s);
        pl_buf_puts(&b, ",\"from\":");
        json_cstr(&b, parley_participant_uri(rp) ? parley_participant_uri(rp) : "");
        if (parley_participant_name(rp)) {
            pl_buf_puts(&b, ",\"display\":");
            json_cstr(&b, parley_participant_name(rp));
        }
        pl_buf_printf(&b, ",\"offer\":%s", info->offer ? "true" : "false");
        if (info->is_forked)
            pl_buf_puts(&b, ",\"forked\":true");
        if (info->replaces) {
            pl_buf_puts(&b, ",\"replaces\":");
            json_cstr(&b, parley_session_call_id(info->replaces));
        }
        listen_custom_headers_json(&b, info->request);
        pl_buf_putc(&b, '}');
        cli_end_event(c, &b);
    }
    cli_notify(app);
    bool answers = app->answer != ANSWER_REJECT && app->answer != ANSWER_REDIRECT;
    parley_content sdp;
    if (answers && info->offer && !parley_sdp_find(info->offer, &sdp)) {
        /* an offer that is not SDP: refused at once (get_answer's 415 with Accept), before
         * anything rings for a call that cannot be answered (RFC 3261 §8.2.3) */
        parley_session_participate(s, NULL, 0, NULL, NULL);
        return;
    }
    if (info->replaces && app->answer != ANSWER_REJECT) {
        /* it replaces a call of ours (RFC 3891): that one was answered already, so this one is
         * answered at once, without alerting (§3), whatever --answer says but reject:CODE */
        parley_session_participate(s, NULL, 0, NULL, NULL);
        return;
    }
    switch (app->answer) {
    case ANSWER_REJECT:
        parley_session_reject(s, app->reject_code, NULL, NULL, 0);
        break;
    case ANSWER_REDIRECT: {
        parley_address t[CLI_MAX_LIST];
        for (size_t i = 0; i < app->redirects.n; i++)
            t[i] = (parley_address){app->redirects.items[i], NULL};
        if (parley_session_redirect(s, 302, t, app->redirects.n, NULL, 0) != 0)
            parley_session_reject(s, 500, NULL, NULL, 0);
        break;
    }
    case ANSWER_EARLY:
    case ANSWER_RING: {
        if (app->answer == ANSWER_EARLY)
            parley_session_provisional(s, 183, "Session Progress", NULL, 0,
                                       PARLEY_PROV_EARLY_MEDIA);
        else
            parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        if (!ring_later(app, c))
            parley_session_reject(s, 500, NULL, NULL, 0);
        break;
    }
    default:
        parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        parley_session_participate(s, NULL, 0, NULL, NULL);
        break;
    }
}
