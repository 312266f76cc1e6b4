/* parley listen: answering each incoming session as --answer says (auto, ring:S, early,
 * reject:CODE, redirect:URIs, null-offer), a ring thread per delayed answer. */
#include <pthread.h>
#include <stdlib.h>

#include "json.h"
#include "listen_json.h"
#include "session_cli.h"

typedef struct ring_job {
    cli_app *app;
    cli_call *c;
} ring_job;

static bool not_incoming(cli_call *c)
{
    return c->ended || parley_session_state(c->s) != PARLEY_STATE_INCOMING;
}

static void *ring_thread(void *arg)
{
    ring_job *j = arg;
    /* (--answer early: the 183 with early media went first; ring:S a 180) */
    /* answer after the ring time unless the caller gave up first */
    if (!cli_wait(j->app, not_incoming, j->c, (long)j->app->ring_secs * 1000) && !j->app->stopping)
        parley_session_participate(j->c->s, NULL, 0, NULL, NULL);
    cli_call_unref(j->c);
    pthread_mutex_lock(&j->app->mu);
    j->app->helpers--;
    pthread_cond_broadcast(&j->app->cv);
    pthread_mutex_unlock(&j->app->mu);
    free(j);
    return NULL;
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
        ring_job *j = calloc(1, sizeof(*j));
        pthread_t th;
        if (j) {
            j->app = app;
            j->c = cli_call_ref(c);
            pthread_mutex_lock(&app->mu);
            app->helpers++;
            pthread_mutex_unlock(&app->mu);
            if (pthread_create(&th, NULL, ring_thread, j) == 0) {
                pthread_detach(th);
            } else {
                pthread_mutex_lock(&app->mu);
                app->helpers--;
                pthread_mutex_unlock(&app->mu);
                cli_call_unref(j->c);
                free(j);
            }
        }
        break;
    }
    default:
        parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        parley_session_participate(s, NULL, 0, NULL, NULL);
        break;
    }
}
