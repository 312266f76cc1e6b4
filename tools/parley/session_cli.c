#include "session_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rand.h"
#include "json.h"
#include "listen_json.h"

void cli_app_init(cli_app *app)
{
    memset(app, 0, sizeof(*app));
    pthread_mutex_init(&app->mu, NULL);
    pthread_cond_init(&app->cv, NULL);
    snprintf(app->local_ip, sizeof(app->local_ip), "127.0.0.1");
    cli_tracer_init(&app->tracer);
}

void cli_app_free(cli_app *app)
{
    pthread_mutex_lock(&app->mu);
    app->stopping = true;
    pthread_cond_broadcast(&app->cv);
    while (app->helpers > 0)
        pthread_cond_wait(&app->cv, &app->mu); /* each wakes on `stopping` and leaves */
    pthread_mutex_unlock(&app->mu);
    cli_call *c = app->calls;
    while (c) {
        cli_call *n = c->next;
        parley_session_unref(c->s);
        parley_sdp_neg_free(c->neg);
        free(c->sdp);
        free(c);
        c = n;
    }
    app->calls = NULL;
    cli_headers_free(&app->pending);
}

void cli_emit(cli_app *app, pl_buf *line)
{
    if (!app->quiet)
        listen_emit(line);
}

static void notify(cli_app *app)
{
    pthread_mutex_lock(&app->mu);
    pthread_cond_broadcast(&app->cv);
    pthread_mutex_unlock(&app->mu);
}

bool cli_wait(cli_app *app, bool (*cond)(cli_call *), cli_call *c, long timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_ms >= 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&app->mu);
    int rc = 0;
    while (!cond(c) && !app->stopping && rc != ETIMEDOUT) {
        if (timeout_ms >= 0)
            rc = pthread_cond_timedwait(&app->cv, &app->mu, &until);
        else
            pthread_cond_wait(&app->cv, &app->mu);
    }
    bool ok = cond(c);
    pthread_mutex_unlock(&app->mu);
    return ok;
}

void cli_bind_ip(const char *bind, char *out, size_t size)
{
    const char *h = bind;
    if (!strncmp(h, "udp:", 4) || !strncmp(h, "tcp:", 4) || !strncmp(h, "tls:", 4))
        h += 4;
    if (*h == '[') {
        const char *e = strchr(h, ']');
        snprintf(out, size, "%.*s", e ? (int)(e - h - 1) : 0, h + 1);
        return;
    }
    const char *colon = strrchr(h, ':');
    snprintf(out, size, "%.*s", colon ? (int)(colon - h) : (int)strlen(h), h);
}

/* ---- JSON lines ---- */

static void start_event(pl_buf *b, const char *event, const cli_call *c)
{
    pl_buf_puts(b, "{\"event\":");
    json_cstr(b, event);
    pl_buf_puts(b, ",\"call_id\":");
    json_cstr(b, c->call_id);
}

static void lower(char *out, size_t size, const char *in)
{
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
    out[i] = '\0';
}

void cli_emit_result(cli_app *app, const char *op, const char *call_id, const parley_result *r)
{
    pl_buf b;
    pl_buf_init(&b, 256);
    pl_buf_puts(&b, "{\"event\":\"result\",\"op\":");
    json_cstr(&b, op);
    if (call_id && *call_id) {
        pl_buf_puts(&b, ",\"call_id\":");
        json_cstr(&b, call_id);
    }
    if (r->status) {
        pl_buf_printf(&b, ",\"status\":%d,\"reason\":", r->status);
        json_cstr(&b, r->reason ? r->reason : "");
    }
    if (r->error && r->error != PARLEY_E_FAILURE_RESPONSE) {
        pl_buf_puts(&b, ",\"error\":");
        json_cstr(&b, parley_strerror(r->error));
    }
    pl_buf_printf(&b, ",\"ok\":%s}", r->error ? "false" : "true");
    cli_emit(app, &b);
    pl_buf_free(&b);
}

cli_result_ctx *cli_result_ctx_new(cli_app *app, const char *op, const char *call_id)
{
    cli_result_ctx *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->app = app;
    snprintf(x->op, sizeof(x->op), "%s", op);
    snprintf(x->call_id, sizeof(x->call_id), "%s", call_id ? call_id : "");
    return x;
}

void cli_result_cb(void *user, const parley_result *r)
{
    cli_result_ctx *x = user;
    cli_emit_result(x->app, x->op, x->call_id, r);
    free(x);
}

/* ---- session events ---- */

static void on_state(parley_session *s, parley_state prev, parley_state now, parley_reason why,
                     const parley_msg *trigger, void *user)
{
    (void)s;
    cli_call *c = user;
    char st[32], pv[32];
    lower(st, sizeof(st), parley_state_name(now));
    lower(pv, sizeof(pv), parley_state_name(prev));
    pl_buf b;
    pl_buf_init(&b, 256);
    start_event(&b, "state", c);
    pl_buf_puts(&b, ",\"state\":");
    json_cstr(&b, st);
    pl_buf_puts(&b, ",\"previous\":");
    json_cstr(&b, pv);
    pl_buf_puts(&b, ",\"reason\":");
    json_cstr(&b, parley_reason_name(why));
    if (trigger && parley_msg_status(trigger))
        pl_buf_printf(&b, ",\"status\":%d", parley_msg_status(trigger));
    pl_buf_putc(&b, '}');
    cli_emit(c->app, &b);
    pl_buf_free(&b);
    pthread_mutex_lock(&c->app->mu);
    if (now == PARLEY_STATE_CONNECTED)
        c->connected = true;
    if (now == PARLEY_STATE_DISCONNECTED)
        c->ended = true;
    pthread_cond_broadcast(&c->app->cv);
    pthread_mutex_unlock(&c->app->mu);
    if (c->refer_from && (now == PARLEY_STATE_CONNECTED || now == PARLEY_STATE_DISCONNECTED) &&
        trigger) {
        /* a transfer we made for a REFER: its outcome ends the implicit subscription */
        int code = now == PARLEY_STATE_CONNECTED ? 200 : parley_msg_status(trigger);
        parley_slice r = parley_msg_reason(trigger);
        char text[64];
        snprintf(text, sizeof(text), "%.*s", (int)r.len, r.p);
        if (code >= 200)
            parley_refer_in_notify(c->refer_from, code, text, 1);
        c->refer_from = NULL;
    } else if (c->refer_from && now == PARLEY_STATE_DISCONNECTED) {
        parley_refer_in_notify(c->refer_from, 503, "Service Unavailable", 1);
        c->refer_from = NULL;
    }
}

static void on_message(parley_session *s, parley_request *req, void *user)
{
    (void)s;
    cli_call *c = user;
    const parley_msg *m = parley_request_msg(req);
    pl_buf b;
    pl_buf_init(&b, 512);
    start_event(&b, "message", c);
    pl_buf_puts(&b, ",\"type\":");
    json_str(&b, parley_msg_method(m));
    pl_buf_puts(&b, ",\"content_type\":");
    parley_slice ct = {NULL, 0};
    parley_msg_header(m, "Content-Type", 0, &ct);
    json_str(&b, ct);
    pl_buf_puts(&b, ",\"body\":");
    json_str(&b, parley_msg_body(m));
    listen_custom_headers_json(&b, m);
    pl_buf_putc(&b, '}');
    cli_emit(c->app, &b);
    pl_buf_free(&b);
}

static void on_refer(parley_session *s, parley_refer_in *in, const parley_address *target,
                     const char *method, void *user)
{
    (void)s;
    (void)method;
    cli_call *c = user;
    cli_app *app = c->app;
    pl_buf b;
    pl_buf_init(&b, 256);
    start_event(&b, "refer", c);
    pl_buf_puts(&b, ",\"target\":");
    json_cstr(&b, target->uri);
    pl_buf_printf(&b, ",\"accepted\":%s}", app->refer_accept ? "true" : "false");
    cli_emit(app, &b);
    pl_buf_free(&b);
    if (!app->refer_accept) {
        parley_refer_in_decline(in, 603, NULL, NULL, 0);
        return;
    }
    if (parley_refer_in_accept(in, NULL, 0) != 0)
        return;
    /* act on it: call the target and report the outcome in NOTIFYs */
    parley_session *t = NULL;
    if (parley_session_create(app->ep, target, NULL, &t) != 0) {
        parley_refer_in_notify(in, 503, "Service Unavailable", 1);
        return;
    }
    cli_call *nc = cli_call_new(app, t, true);
    parley_session_unref(t);
    if (!nc) {
        parley_refer_in_notify(in, 503, "Service Unavailable", 1);
        return;
    }
    nc->refer_from = in;
    cli_call_attach(nc);
    if (parley_session_participate(nc->s, NULL, 0, NULL, NULL) != 0) {
        parley_refer_in_notify(in, 503, "Service Unavailable", 1);
        nc->refer_from = NULL;
    }
}

static void on_accepted(parley_session *s, const parley_msg *resp, parley_ack *ack, void *user)
{
    (void)s;
    (void)resp;
    cli_call *c = user;
    if (c->app->nevery)
        parley_ack_send(ack, c->app->every, c->app->nevery); /* custom headers on the ACK */
}

static void on_remote_end(parley_session *s, const parley_msg *req, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    pl_buf_init(&b, 128);
    start_event(&b, "terminated", c);
    pl_buf_puts(&b, ",\"by\":");
    json_str(&b, parley_msg_method(req));
    pl_buf_putc(&b, '}');
    cli_emit(c->app, &b);
    pl_buf_free(&b);
}

static void on_provisional(parley_session *s, const parley_msg *resp, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    pl_buf_init(&b, 128);
    start_event(&b, "provisional", c);
    pl_buf_printf(&b, ",\"status\":%d,\"reason\":", parley_msg_status(resp));
    json_str(&b, parley_msg_reason(resp));
    pl_buf_putc(&b, '}');
    cli_emit(c->app, &b);
    pl_buf_free(&b);
    if (c->refer_from) {
        parley_slice r = parley_msg_reason(resp);
        char text[64];
        snprintf(text, sizeof(text), "%.*s", (int)r.len, r.p);
        parley_refer_in_notify(c->refer_from, parley_msg_status(resp), text, 0);
    }
}

static parley_redirect_action on_redirecting(parley_session *s, const parley_address *targets,
                                             size_t n, size_t current, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    pl_buf_init(&b, 256);
    start_event(&b, "redirecting", c);
    pl_buf_puts(&b, ",\"targets\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            pl_buf_putc(&b, ',');
        json_cstr(&b, targets[i].uri);
    }
    pl_buf_printf(&b, "],\"current\":%zu}", current);
    cli_emit(c->app, &b);
    pl_buf_free(&b);
    return PARLEY_REDIRECT_TRY_ALL;
}

static void on_participant(parley_session *s, const parley_participant *p, unsigned mask,
                           void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    pl_buf_init(&b, 256);
    start_event(&b, "participant", c);
    pl_buf_puts(&b, ",\"name\":");
    json_cstr(&b, parley_participant_name(p) ? parley_participant_name(p) : "");
    pl_buf_puts(&b, ",\"epid\":");
    json_cstr(&b, parley_participant_epid(p) ? parley_participant_epid(p) : "");
    pl_buf_printf(&b, ",\"changed\":%u}", mask);
    cli_emit(c->app, &b);
    pl_buf_free(&b);
}

static void on_reinvite(parley_session *s, const parley_msg *m, void *user)
{
    (void)s;
    (void)m;
    cli_call *c = user;
    pl_buf b;
    pl_buf_init(&b, 128);
    start_event(&b, "reinvite", c);
    unsigned hold = c->neg ? parley_sdp_neg_hold(c->neg) : 0;
    pl_buf_printf(&b, ",\"held\":%s,\"holding\":%s}",
                  hold & PARLEY_SDP_HOLD_REMOTE ? "true" : "false",
                  hold & PARLEY_SDP_HOLD_LOCAL ? "true" : "false");
    cli_emit(c->app, &b);
    pl_buf_free(&b);
}

static const parley_session_cbs cli_cbs = {
    on_state, on_message,    on_refer,       on_redirecting, on_accepted,
    NULL,     on_remote_end, on_provisional, on_participant, on_reinvite,
};

/* ---- offer/answer through the negotiator, with the CLI's options ---- */

static int get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    cli_call *c = user;
    if (c->null_offer_once) {
        c->null_offer_once = false;
        out->body = NULL;
        return 0;
    }
    if (c->sdp) {
        out->content_type = "application/sdp";
        out->body = c->sdp;
        out->len = c->sdp_len;
        return 0;
    }
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_offer(c->neg, &body, &len);
    if (rc)
        return rc;
    out->content_type = "application/sdp";
    out->body = body;
    out->len = len;
    return 0;
}

static int get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                      void *user)
{
    (void)s;
    cli_call *c = user;
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_answer(c->neg, offer->body, offer->len, &body, &len, NULL);
    if (rc)
        return rc;
    out->content_type = "application/sdp";
    out->body = body;
    out->len = len;
    return 0;
}

static void set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    cli_call *c = user;
    if (!c->sdp)
        parley_sdp_neg_set_answer(c->neg, answer->body, answer->len, NULL);
}

static void offer_in_response(parley_session *s, parley_pending_answer *p,
                              const parley_content *offer, void *user)
{
    (void)s;
    (void)offer;
    cli_call *c = user;
    parley_pending_answer_ready(p, c->app->every, c->app->nevery);
}

static void offer_in_reinvite(parley_session *s, parley_reinvite *r, const parley_content *offer,
                              void *user)
{
    (void)s;
    (void)offer;
    (void)user;
    parley_reinvite_accept(r, NULL, 0, NULL, NULL);
}

static const parley_oa_ops cli_oa = {get_offer,         get_answer,        set_answer,
                                     offer_in_response, offer_in_reinvite, NULL};

cli_call *cli_call_new(cli_app *app, parley_session *s, bool with_sdp)
{
    cli_call *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->app = app;
    c->s = parley_session_ref(s);
    snprintf(c->call_id, sizeof(c->call_id), "%s", parley_session_call_id(s));
    if (with_sdp) {
        static const parley_sdp_codec codecs[] = {
            {0, "PCMU", 8000, 0, NULL},
            {8, "PCMA", 8000, 0, NULL},
            {101, "telephone-event", 8000, 0, "0-15"},
        };
        parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
        audio.media = "audio";
        audio.port = (uint16_t)(20000 + 2 * pl_rand_below(10000));
        audio.codecs = codecs;
        audio.ncodecs = 3;
        parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
        cfg.user = "parley";
        cfg.addr = app->local_ip;
        cfg.streams = &audio;
        cfg.nstreams = 1;
        if (parley_sdp_neg_create(&cfg, &c->neg) != 0) {
            parley_session_unref(c->s);
            free(c);
            return NULL;
        }
    }
    pthread_mutex_lock(&app->mu);
    c->next = app->calls;
    app->calls = c;
    pthread_mutex_unlock(&app->mu);
    return c;
}

void cli_call_attach(cli_call *c)
{
    parley_session_set_callbacks(c->s, &cli_cbs, c);
    if (c->neg || c->sdp)
        parley_session_set_offer_answer(c->s, &cli_oa, c);
}

cli_call *cli_newest_call(cli_app *app)
{
    pthread_mutex_lock(&app->mu);
    cli_call *c = app->calls;
    while (c && c->ended)
        c = c->next;
    pthread_mutex_unlock(&app->mu);
    return c;
}

/* ---- parley listen: answering ---- */

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
    /* answer after the ring time unless the caller gave up first */
    if (!cli_wait(j->app, not_incoming, j->c, (long)j->app->ring_secs * 1000) && !j->app->stopping)
        parley_session_participate(j->c->s, NULL, 0, NULL, NULL);
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
    const parley_participant *rp = parley_session_remote(s);
    pl_buf b;
    pl_buf_init(&b, 256);
    start_event(&b, "incoming", c);
    pl_buf_puts(&b, ",\"from\":");
    json_cstr(&b, parley_participant_uri(rp) ? parley_participant_uri(rp) : "");
    if (parley_participant_name(rp)) {
        pl_buf_puts(&b, ",\"display\":");
        json_cstr(&b, parley_participant_name(rp));
    }
    pl_buf_printf(&b, ",\"offer\":%s", info->offer ? "true" : "false");
    listen_custom_headers_json(&b, info->request);
    pl_buf_putc(&b, '}');
    cli_emit(app, &b);
    pl_buf_free(&b);
    notify(app);
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
    case ANSWER_RING: {
        parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        ring_job *j = calloc(1, sizeof(*j));
        pthread_t th;
        if (j) {
            j->app = app;
            j->c = c;
            pthread_mutex_lock(&app->mu);
            app->helpers++;
            pthread_mutex_unlock(&app->mu);
            if (pthread_create(&th, NULL, ring_thread, j) == 0) {
                pthread_detach(th);
            } else {
                pthread_mutex_lock(&app->mu);
                app->helpers--;
                pthread_mutex_unlock(&app->mu);
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
