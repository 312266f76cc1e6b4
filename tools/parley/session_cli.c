#include "session_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

static void call_free(cli_call *c)
{
    parley_session_unref(c->s);
    parley_sdp_neg_free(c->neg);
    free(c->sdp);
    free(c);
}

cli_call *cli_call_ref(cli_call *c)
{
    pthread_mutex_lock(&c->app->mu);
    c->refs++;
    pthread_mutex_unlock(&c->app->mu);
    return c;
}

void cli_call_unref(cli_call *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->app->mu);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&c->app->mu);
    if (last)
        call_free(c);
}

void cli_app_free(cli_app *app)
{
    pthread_mutex_lock(&app->mu);
    app->stopping = true;
    pthread_cond_broadcast(&app->cv);
    while (app->helpers > 0)
        pthread_cond_wait(&app->cv, &app->mu); /* each wakes on `stopping` and leaves */
    cli_call *c = app->calls;
    app->calls = NULL;
    for (cli_call *x = c; x; x = x->next)
        x->listed = false;
    pthread_mutex_unlock(&app->mu);
    /* calls whose sessions were never released (the endpoint released every session it ran
     * when it stopped; these never participated) */
    while (c) {
        cli_call *n = c->next;
        cli_call_unref(c);
        c = n;
    }
    cli_headers_free(&app->pending);
    parley_sdp_neg_free(app->sdp_proto); /* its clones may outlive it */
    app->sdp_proto = NULL;
    parley_sdp_neg_free(app->sdp_other);
    app->sdp_other = NULL;
}

void cli_emit(cli_app *app, pl_buf *line)
{
    if (!app->quiet)
        listen_emit(line);
}

void cli_notify(cli_app *app)
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

bool cli_begin_event(pl_buf *b, const char *event, const cli_call *c)
{
    if (c->app->quiet)
        return false;
    pl_buf_init(b, 256);
    pl_buf_puts(b, "{\"event\":");
    json_cstr(b, event);
    pl_buf_puts(b, ",\"call_id\":");
    json_cstr(b, c->call_id);
    return true;
}

void cli_end_event(const cli_call *c, pl_buf *b)
{
    cli_emit(c->app, b);
    pl_buf_free(b);
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
        if (!r->status && r->reason && *r->reason) { /* what TLS refused (parley/types.h) */
            pl_buf_puts(&b, ",\"detail\":");
            json_cstr(&b, r->reason);
        }
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

void cli_result_cb(parley_session *s, const parley_result *r, void *user)
{
    (void)s;
    cli_result_ctx *x = user;
    if (x->dir_call) {
        cli_call_dir_done(x->dir_call, r->error == 0);
        cli_call_unref(x->dir_call);
    }
    cli_emit_result(x->app, x->op, x->call_id, r);
    free(x);
}

/* ---- session events ---- */

/* Who ended the session, for the terminated line: the peer's BYE or CANCEL by its method, our
 * own hangup, rejection or timeout "local", a failure response "remote". */
static const char *ended_by(const cli_call *c, const parley_state_change *ev)
{
    if (ev->trigger && parley_msg_is_request(ev->trigger)) {
        parley_slice m = parley_msg_method(ev->trigger);
        if (m.len == 3 && !memcmp(m.p, "BYE", 3))
            return "BYE";
        if (m.len == 6 && !memcmp(m.p, "CANCEL", 6))
            return "CANCEL";
    }
    if (c->hangup_local || ev->reason == PARLEY_REASON_TERMINATED_LOCALLY || !ev->trigger)
        return "local";
    return "remote";
}

static void emit_terminated(cli_call *c, const parley_state_change *ev)
{
    pl_buf b;
    if (!cli_begin_event(&b, "terminated", c))
        return;
    pl_buf_puts(&b, ",\"by\":");
    json_cstr(&b, ended_by(c, ev));
    pl_buf_putc(&b, '}');
    cli_end_event(c, &b);
}

static void emit_state(cli_call *c, const parley_state_change *ev)
{
    pl_buf b;
    if (!cli_begin_event(&b, "state", c))
        return;
    char st[32], pv[32];
    lower(st, sizeof(st), parley_state_name(ev->state));
    lower(pv, sizeof(pv), parley_state_name(ev->prev));
    pl_buf_puts(&b, ",\"state\":");
    json_cstr(&b, st);
    pl_buf_puts(&b, ",\"previous\":");
    json_cstr(&b, pv);
    pl_buf_puts(&b, ",\"reason\":");
    json_cstr(&b, parley_reason_name(ev->reason));
    if (ev->trigger && parley_msg_status(ev->trigger))
        pl_buf_printf(&b, ",\"status\":%d", parley_msg_status(ev->trigger));
    if (ev->sip_reason) {
        pl_buf_puts(&b, ",\"sip_reason\":{\"protocol\":");
        json_cstr(&b, ev->sip_reason->protocol);
        pl_buf_printf(&b, ",\"cause\":%d", ev->sip_reason->cause);
        if (ev->sip_reason->text) {
            pl_buf_puts(&b, ",\"text\":");
            json_cstr(&b, ev->sip_reason->text);
        }
        pl_buf_putc(&b, '}');
    }
    pl_buf_putc(&b, '}');
    cli_end_event(c, &b);
}

/* A transfer made for a REFER: its progress goes back in NOTIFYs (final ends the subscription). */
static void refer_report(cli_call *c, int code, parley_slice reason, bool final)
{
    if (!c->refer_from)
        return;
    char text[64];
    snprintf(text, sizeof(text), "%.*s", (int)reason.len, reason.p ? reason.p : "");
    parley_refer_request_notify(c->refer_from, code, text[0] ? text : NULL, final);
    if (final)
        c->refer_from = NULL;
}

static void on_state(parley_session *s, const parley_state_change *ev, void *user)
{
    (void)s;
    cli_call *c = user;
    /* who ended it, then the state line (the order parley has always printed them in) */
    if (ev->state == PARLEY_STATE_DISCONNECTED)
        emit_terminated(c, ev);
    emit_state(c, ev);
    pthread_mutex_lock(&c->app->mu);
    if (ev->state == PARLEY_STATE_CONNECTED)
        c->connected = true;
    if (ev->state == PARLEY_STATE_DISCONNECTED)
        c->ended = true;
    pthread_cond_broadcast(&c->app->cv);
    pthread_mutex_unlock(&c->app->mu);
    if (ev->state == PARLEY_STATE_CONNECTED) {
        refer_report(c, 200, (parley_slice){"OK", 2}, true);
    } else if (ev->state == PARLEY_STATE_DISCONNECTED) {
        int code = ev->trigger ? parley_msg_status(ev->trigger) : 0;
        if (code >= 300)
            refer_report(c, code, parley_msg_reason(ev->trigger), true);
        else
            refer_report(c, 503, (parley_slice){"Service Unavailable", 19}, true);
    }
}

static void on_released(parley_session *s, void *user)
{
    (void)s;
    cli_call *c = user;
    cli_app *app = c->app;
    /* nothing of an ended call stays: it leaves the list and goes with its last reference */
    pthread_mutex_lock(&app->mu);
    bool listed = c->listed;
    if (listed) {
        if (c->prev)
            c->prev->next = c->next;
        else
            app->calls = c->next;
        if (c->next)
            c->next->prev = c->prev;
        c->next = c->prev = NULL;
        c->listed = false;
    }
    c->ended = true;
    pthread_cond_broadcast(&app->cv);
    pthread_mutex_unlock(&app->mu);
    if (listed)
        cli_call_unref(c);
}

static void on_message(parley_session *s, parley_request *req, void *user)
{
    (void)s;
    cli_call *c = user;
    const parley_msg *m = parley_request_msg(req);
    pl_buf b;
    if (!cli_begin_event(&b, "message", c))
        return;
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
    cli_end_event(c, &b);
}

static void on_refer(parley_session *s, parley_refer_request *in, const parley_address *target,
                     const char *method, void *user)
{
    (void)s;
    cli_call *c = user;
    cli_app *app = c->app;
    /* the target is called with INVITE: a Refer-To naming another method (RFC 3261 §19.1.1's
     * method parameter: ";method=BYE") asks for what --refer accept does not do, so it is
     * declined rather than turned into a call */
    bool invite = !method || !strcasecmp(method, "INVITE");
    bool accept = app->refer_accept && invite;
    pl_buf b;
    if (cli_begin_event(&b, "refer", c)) {
        pl_buf_puts(&b, ",\"target\":");
        json_cstr(&b, target->uri);
        if (!invite) {
            pl_buf_puts(&b, ",\"method\":");
            json_cstr(&b, method);
        }
        pl_buf_printf(&b, ",\"accepted\":%s}", accept ? "true" : "false");
        cli_end_event(c, &b);
    }
    if (!accept) {
        parley_refer_request_reject(in, 603, NULL, NULL, 0);
        return;
    }
    if (parley_refer_request_accept(in, NULL, 0) != 0)
        return;
    /* act on it: call the target and report the outcome in NOTIFYs */
    parley_session *t = NULL;
    if (parley_session_create(app->ep, target, NULL, &t) != 0) {
        parley_refer_request_notify(in, 503, "Service Unavailable", 1);
        return;
    }
    cli_call *nc = cli_call_new(app, t, true);
    parley_session_unref(t);
    if (!nc) {
        parley_refer_request_notify(in, 503, "Service Unavailable", 1);
        return;
    }
    nc->refer_from = in;
    cli_call_attach(nc);
    if (parley_session_participate(nc->s, NULL, 0, NULL, NULL) != 0) {
        parley_refer_request_notify(in, 503, "Service Unavailable", 1);
        nc->refer_from = NULL;
    }
}

static void on_refer_progress(parley_session *s, const parley_refer_progress *p, void *user)
{
    (void)s;
    cli_call *c = user;
    pthread_mutex_lock(&c->app->mu);
    if (p->status) {
        c->refer_status = p->status;
        snprintf(c->refer_reason, sizeof(c->refer_reason), "%s", p->reason ? p->reason : "");
    }
    if (p->final)
        c->refer_final = true;
    pthread_cond_broadcast(&c->app->cv);
    pthread_mutex_unlock(&c->app->mu);
    pl_buf b;
    if (!cli_begin_event(&b, "refer_progress", c))
        return;
    pl_buf_printf(&b, ",\"status\":%d,\"final\":%s}", p->status, p->final ? "true" : "false");
    cli_end_event(c, &b);
}

static void on_accepted(parley_session *s, const parley_msg *resp, parley_ack *ack, void *user)
{
    (void)s;
    (void)resp;
    cli_call *c = user;
    if (c->app->nevery)
        parley_ack_send(ack, c->app->every, c->app->nevery); /* custom headers on the ACK */
}

static void on_provisional(parley_session *s, const parley_msg *resp, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    if (cli_begin_event(&b, "provisional", c)) {
        pl_buf_printf(&b, ",\"status\":%d,\"reason\":", parley_msg_status(resp));
        json_str(&b, parley_msg_reason(resp));
        pl_buf_putc(&b, '}');
        cli_end_event(c, &b);
    }
    refer_report(c, parley_msg_status(resp), parley_msg_reason(resp), false);
}

static parley_redirect_action on_redirecting(parley_session *s, parley_redirect *r, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    if (cli_begin_event(&b, "redirecting", c)) {
        pl_buf_printf(&b, ",\"status\":%d,\"targets\":[", parley_msg_status(r->response));
        for (size_t i = 0; i < r->ntargets; i++) {
            if (i)
                pl_buf_putc(&b, ',');
            json_cstr(&b, r->targets[i].uri);
        }
        pl_buf_printf(&b, "],\"current\":%zu}", r->current);
        cli_end_event(c, &b);
    }
    return PARLEY_REDIRECT_TRY_ALL;
}

static void on_participant(parley_session *s, const parley_participant *p, unsigned mask,
                           void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    if (!cli_begin_event(&b, "participant", c))
        return;
    pl_buf_puts(&b, ",\"name\":");
    json_cstr(&b, parley_participant_name(p) ? parley_participant_name(p) : "");
    pl_buf_puts(&b, ",\"epid\":");
    json_cstr(&b, parley_participant_epid(p) ? parley_participant_epid(p) : "");
    pl_buf_printf(&b, ",\"changed\":%u}", mask);
    cli_end_event(c, &b);
}

static void on_reinvite(parley_session *s, const parley_msg *m, void *user)
{
    (void)s;
    (void)m;
    cli_call *c = user;
    pl_buf b;
    if (!cli_begin_event(&b, "reinvite", c))
        return;
    unsigned hold = c->neg ? parley_sdp_neg_hold(c->neg) : 0;
    pl_buf_printf(&b, ",\"held\":%s,\"holding\":%s}",
                  hold & PARLEY_SDP_HOLD_REMOTE ? "true" : "false",
                  hold & PARLEY_SDP_HOLD_LOCAL ? "true" : "false");
    cli_end_event(c, &b);
}

static void on_early_media(parley_session *s, const parley_early_media *em, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    if (!cli_begin_event(&b, "early_media", c))
        return;
    pl_buf_puts(&b, ",\"to_tag\":");
    json_cstr(&b, em->to_tag);
    pl_buf_printf(&b, ",\"status\":%d,\"reliable\":%s}", em->status,
                  em->reliable ? "true" : "false");
    cli_end_event(c, &b);
}

static void on_prack(parley_session *s, const parley_msg *prack, uint32_t rseq, void *user)
{
    (void)s, (void)prack;
    cli_call *c = user;
    pl_buf b;
    if (!cli_begin_event(&b, "prack", c))
        return;
    pl_buf_printf(&b, ",\"rseq\":%u}", (unsigned)rseq);
    cli_end_event(c, &b);
}

static void on_update(parley_session *s, const parley_msg *req, int offer, void *user)
{
    (void)s, (void)req;
    cli_call *c = user;
    pl_buf b;
    if (!cli_begin_event(&b, "update", c))
        return;
    pl_buf_printf(&b, ",\"offer\":%s}", offer ? "true" : "false");
    cli_end_event(c, &b);
}

static void on_refresh(parley_session *s, const char *method, int remote, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    if (!cli_begin_event(&b, "refresh", c))
        return;
    pl_buf_puts(&b, ",\"method\":");
    json_cstr(&b, method);
    pl_buf_printf(&b, ",\"by\":\"%s\"}", remote ? "remote" : "local");
    cli_end_event(c, &b);
}

/* Forking: one line per early dialog (a new To tag), and per later 2xx parley ACKed and BYEd. */
static void on_early_dialog(parley_session *s, const parley_early_dialog *d, void *user)
{
    (void)s;
    cli_call *c = user;
    pl_buf b;
    if (!cli_begin_event(&b, "early", c))
        return;
    pl_buf_puts(&b, ",\"to_tag\":");
    json_cstr(&b, d->to_tag);
    pl_buf_printf(&b, ",\"status\":%d,\"contact\":", d->status);
    json_cstr(&b, d->contact ? d->contact : "");
    pl_buf_puts(&b, ",\"epid\":");
    json_cstr(&b, d->epid ? d->epid : "");
    pl_buf_printf(&b, ",\"answer\":%s}", d->answer ? "true" : "false");
    cli_end_event(c, &b);
}

static void on_fork_ignored(parley_session *s, const parley_msg *resp, void *user)
{
    (void)s;
    cli_call *c = user;
    if (c->app->quiet) /* nothing is formatted that will not be printed */
        return;
    parley_slice to;
    pl_str tag = PL_STR_NULL;
    if (parley_msg_header(resp, "To", 0, &to) == 0) {
        const char *t = memmem(to.p, to.len, ";tag=", 5);
        if (t) {
            const char *e = t + 5;
            while (e < to.p + to.len && *e != ';' && *e != ' ' && *e != '\t')
                e++;
            tag = pl_str_span(t + 5, e);
        }
    }
    pl_buf b;
    pl_buf_init(&b, 128);
    pl_buf_puts(&b, "{\"event\":\"fork_ignored\",\"to_tag\":");
    json_str(&b, tag);
    pl_buf_puts(&b, ",\"call_id\":");
    json_cstr(&b, c->call_id);
    pl_buf_printf(&b, ",\"status\":%d}", parley_msg_status(resp));
    cli_end_event(c, &b);
}

static const parley_session_cbs cli_cbs = {
    .on_early_dialog = on_early_dialog,
    .on_fork_ignored = on_fork_ignored,
    .on_state = on_state,
    .on_message = on_message,
    .on_refer = on_refer,
    .on_refer_progress = on_refer_progress,
    .on_redirecting = on_redirecting,
    .on_accepted = on_accepted,
    .on_provisional = on_provisional,
    .on_participant_changed = on_participant,
    .on_reinvite = on_reinvite,
    .on_released = on_released,
    .on_early_media = on_early_media,
    .on_prack = on_prack,
    .on_update = on_update,
    .on_refresh = on_refresh,
};

cli_call *cli_call_new(cli_app *app, parley_session *s, bool with_sdp)
{
    const char *call_id = parley_session_call_id(s);
    size_t len = call_id ? strlen(call_id) : 0;
    cli_call *c = calloc(1, sizeof(*c) + len + 1);
    if (!c)
        return NULL;
    c->refs = 1; /* app->calls' */
    c->app = app;
    atomic_init(&c->dir_dirty, false);
    c->s = parley_session_ref(s);
    if (len)
        memcpy(c->call_id, call_id, len);
    char addr[64];
    bool other = with_sdp && app->media_per_call && cli_media_addr(app, s, addr, sizeof(addr));
    if (with_sdp && cli_new_neg(app, other ? addr : NULL, &c->neg) != 0) {
        parley_session_unref(c->s);
        free(c);
        return NULL;
    }
    pthread_mutex_lock(&app->mu);
    c->next = app->calls;
    c->prev = NULL;
    if (app->calls)
        app->calls->prev = c;
    app->calls = c;
    c->listed = true;
    pthread_mutex_unlock(&app->mu);
    return c;
}

void cli_call_attach(cli_call *c)
{
    parley_session_set_callbacks(c->s, &cli_cbs, c);
    if (c->neg || c->sdp)
        parley_session_set_offer_answer(c->s, &cli_oa_ops, c);
}

cli_call *cli_newest_call(cli_app *app)
{
    pthread_mutex_lock(&app->mu);
    cli_call *c = app->calls;
    while (c && c->ended)
        c = c->next;
    if (c)
        c->refs++;
    pthread_mutex_unlock(&app->mu);
    return c;
}

int cli_call_hangup(cli_call *c, const parley_header *h, size_t nh, parley_session_done_cb cb,
                    void *user)
{
    pthread_mutex_lock(&c->app->mu);
    c->hangup_local = true;
    pthread_mutex_unlock(&c->app->mu);
    return parley_session_terminate(c->s, h, nh, cb, user);
}
