#include "party.h"

#include <ctype.h>
#include <stdarg.h>
#include <strings.h>

void party_log(party *p, const char *fmt, ...)
{
    if (!strncmp(fmt, "BAD", 3))
        p->bad++; /* kept past party_clear: world_teardown fails the test */
    if (p->nlog >= PARTY_LOG)
        return;
    int i = p->nlog++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->log[i], sizeof(p->log[0]), fmt, ap);
    va_end(ap);
    p->log_at[i] = p->n ? vnet_now(p->n) : 0;
    if (p->hook)
        p->hook(p, p->log[i]);
}

int party_index(const party *p, const char *what, int from)
{
    for (int i = from < 0 ? 0 : from; i < p->nlog; i++)
        if (!strcmp(p->log[i], what))
            return i;
    return -1;
}

int party_saw(const party *p, const char *what)
{
    return party_index(p, what, 0) >= 0;
}

void party_dump(const party *p)
{
    for (int i = 0; i < p->nlog; i++)
        fprintf(stderr, "%s[%d] t=%llu %s\n", p->name, i, (unsigned long long)p->log_at[i],
                p->log[i]);
    for (int i = 0; i < p->ntrans; i++)
        fprintf(stderr, "%s trans[%d] %s\n", p->name, i, p->trans[i]);
    for (int i = 0; i < p->nhlog; i++)
        fprintf(stderr, "%s hlog[%d] %s\n", p->name, i, p->hlog[i]);
}

static const char *join(char (*items)[96], int n, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? "|" : "", items[i]);
    return buf;
}

const char *party_log_str(const party *p, char *buf, size_t size)
{
    return join((char(*)[96])p->log, p->nlog, buf, size);
}

const char *party_trans_str(const party *p, char *buf, size_t size)
{
    return join((char(*)[96])p->trans, p->ntrans, buf, size);
}

const char *party_hlog_str(const party *p, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < p->nhlog && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? "|" : "", p->hlog[i]);
    return buf;
}

const char *party_xlog_str(const party *p, char *buf, size_t size)
{
    return join((char(*)[96])p->xlog, p->nxlog, buf, size);
}

static void xlog(party *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xlog(party *p, const char *fmt, ...)
{
    if (p->nxlog >= PARTY_TRANS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->xlog[p->nxlog++], sizeof(p->xlog[0]), fmt, ap);
    va_end(ap);
}

void party_clear(party *p)
{
    p->nlog = p->ntrans = p->nhlog = p->nstates = p->nxlog = 0;
    p->messages = p->provisionals = p->accepted = p->completed = p->remote_ends = 0;
    p->reinvites = p->refers = p->participant_changes = p->redirecting_calls = 0;
}

/* Records "event:value" when m carries X-Test. */
static void note_hdr(party *p, const char *event, const parley_msg *m)
{
    parley_slice v;
    if (!m || p->nhlog >= PARTY_TRANS || parley_msg_header(m, "X-Test", 0, &v) != 0)
        return;
    snprintf(p->hlog[p->nhlog++], sizeof(p->hlog[0]), "%s:%.*s", event, (int)v.len, v.p);
}

void outcome_cb(parley_session *s, const parley_result *r, void *user)
{
    outcome *o = user;
    o->session = s;
    o->calls++;
    o->error = r->error;
    o->status = r->status;
    snprintf(o->reason, sizeof(o->reason), "%s", r->reason ? r->reason : "");
    o->hdr[0] = o->method[0] = '\0';
    parley_slice v;
    if (r->msg && parley_msg_header(r->msg, "X-Test", 0, &v) == 0)
        snprintf(o->hdr, sizeof(o->hdr), "%.*s", (int)v.len, v.p);
    if (r->msg && parley_msg_is_request(r->msg)) {
        v = parley_msg_method(r->msg);
        snprintf(o->method, sizeof(o->method), "%.*s", (int)v.len, v.p);
    }
    if (o->n)
        o->at = vnet_now(o->n);
    if (o->s)
        o->state = parley_session_state(o->s);
}

void page_done_cb(parley_endpoint *ep, const parley_result *r, void *user)
{
    (void)ep;
    page_done *d = user;
    d->calls++;
    d->error = r->error;
    d->status = r->status;
}

/* ---- offer/answer ---- */

static int get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    party *p = user;
    party_log(p, "get_offer");
    if (p->refuse_get_offer)
        return -1;
    if (p->null_offer) {
        out->body = NULL;
        return 0;
    }
    snprintf(p->offer_buf, sizeof(p->offer_buf), "offer-%s-%d", p->name, ++p->offers);
    out->content_type = p->offer_ctype ? p->offer_ctype : "application/x-test";
    out->body = p->offer_buf;
    out->len = strlen(p->offer_buf);
    return 0;
}

static int get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                      void *user)
{
    (void)s;
    party *p = user;
    snprintf(p->last_offer_seen, sizeof(p->last_offer_seen), "%.*s", (int)offer->len,
             (const char *)offer->body);
    party_log(p, "get_answer");
    if (p->refuse_offer)
        return -1;
    if (p->refuse_type) {
        out->content_type = p->refuse_type;
        return PARLEY_E_MEDIA_TYPE;
    }
    snprintf(p->answer_buf, sizeof(p->answer_buf), "answer-to:%.*s", (int)offer->len,
             (const char *)offer->body);
    out->content_type = "application/x-test";
    out->body = p->answer_buf;
    out->len = strlen(p->answer_buf);
    return 0;
}

static void set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    party *p = user;
    snprintf(p->last_answer_seen, sizeof(p->last_answer_seen), "%.*s", (int)answer->len,
             (const char *)answer->body);
    party_log(p, "set_answer");
}

static void offer_in_response(parley_session *s, parley_pending_answer *pa,
                              const parley_content *offer, void *user)
{
    (void)s;
    party *p = user;
    snprintf(p->last_offer_seen, sizeof(p->last_offer_seen), "%.*s", (int)offer->len,
             (const char *)offer->body);
    party_log(p, "offer_in_response");
    if (p->defer_ready) {
        p->rc_ready = parley_pending_answer_defer(pa);
        p->pending_answer = pa;
    } else {
        p->rc_ready = parley_pending_answer_ready(pa, p->hdrs, p->nhdrs);
    }
}

static void offer_in_reinvite(parley_session *s, parley_reinvite *r, const parley_content *offer,
                              void *user)
{
    (void)s;
    party *p = user;
    p->reinvites++;
    if (offer)
        snprintf(p->last_offer_seen, sizeof(p->last_offer_seen), "%.*s", (int)offer->len,
                 (const char *)offer->body);
    party_log(p, offer ? "offer_in_reinvite" : "offer_in_reinvite:null");
    if (p->defer_reinvite) {
        p->rc_accept = parley_reinvite_defer(r);
        p->pending_reinvite = r;
    } else if (p->decline_reinvite) {
        p->rc_accept =
            parley_reinvite_reject(r, p->decline_reinvite, NULL, p->hdrs, p->nhdrs, NULL);
    } else {
        p->rc_accept = parley_reinvite_accept(r, p->hdrs, p->nhdrs, NULL, NULL);
    }
}

static void reinvite_cancelled(parley_session *s, parley_reinvite *r, void *user)
{
    (void)s;
    (void)r;
    party *p = user;
    p->pending_reinvite = NULL;
    party_log(p, "reinvite_cancelled");
}

static const parley_oa_ops oa_ops = {get_offer,         get_answer,        set_answer,
                                     offer_in_response, offer_in_reinvite, reinvite_cancelled};

const parley_oa_ops *party_oa_ops(void)
{
    return &oa_ops;
}

/* ---- events ---- */

static void describe_msg(const parley_msg *m, char *out, size_t size)
{
    if (!m) {
        snprintf(out, size, "-");
    } else if (parley_msg_is_request(m)) {
        parley_slice meth = parley_msg_method(m);
        snprintf(out, size, "%.*s", (int)meth.len, meth.p);
    } else {
        snprintf(out, size, "%d", parley_msg_status(m));
    }
}

/* Marks a released session (its user slot): an event after on_released is a bug. */
static char released_mark;

static void check_alive(party *p, parley_session *s, const char *event)
{
    if (parley_session_user(s) == &released_mark)
        party_log(p, "BAD: %s after released", event);
}

static void on_state(parley_session *s, const parley_state_change *ev, void *user)
{
    party *p = user;
    parley_state prev = ev->prev, now = ev->state;
    parley_reason why = ev->reason;
    const parley_msg *trigger = ev->trigger;
    check_alive(p, s, "state");
    if (ev->sip_reason)
        snprintf(p->sip_reason, sizeof(p->sip_reason), "%s;cause=%d;text=%s",
                 ev->sip_reason->protocol, ev->sip_reason->cause,
                 ev->sip_reason->text ? ev->sip_reason->text : "(none)");
    /* the property already says the new state */
    if (parley_session_state(s) != now)
        party_log(p, "BAD: state property %d during change to %d", parley_session_state(s), now);
    if (p->nstates < 16) {
        p->states[p->nstates] = now;
        p->reasons[p->nstates] = why;
        p->nstates++;
    }
    char trig[32];
    describe_msg(trigger, trig, sizeof(trig));
    if (p->ntrans < PARTY_TRANS)
        snprintf(p->trans[p->ntrans++], sizeof(p->trans[0]), "%s>%s:%s:%s", parley_state_name(prev),
                 parley_state_name(now), parley_reason_name(why), trig);
    char what[48];
    snprintf(what, sizeof(what), "state:%s", parley_state_name(now));
    note_hdr(p, what, trigger);
    party_log(p, "state:%s:%s", parley_state_name(now), parley_reason_name(why));
}

static void on_message(parley_session *s, parley_request *req, void *user)
{
    party *p = user;
    check_alive(p, s, "message");
    const parley_msg *m = parley_request_msg(req);
    parley_slice b = parley_msg_body(m), meth = parley_msg_method(m), v;
    snprintf(p->last_message, sizeof(p->last_message), "%.*s", (int)b.len, b.p);
    snprintf(p->last_message_type, sizeof(p->last_message_type), "%.*s", (int)meth.len, meth.p);
    p->last_header[0] = '\0';
    if (parley_msg_header(m, "X-Test", 0, &v) == 0)
        snprintf(p->last_header, sizeof(p->last_header), "%.*s", (int)v.len, v.p);
    p->messages++;
    p->last_type = parley_request_type(req);
    char ev[48];
    snprintf(ev, sizeof(ev), "message:%s", p->last_message_type);
    note_hdr(p, ev, m);
    party_log(p, "message:%s", p->last_message_type);
    if (p->defer_message) {
        if (parley_request_defer(req) == 0)
            p->deferred = req;
    } else if (p->msg_code) {
        parley_content body = {"text/plain", p->msg_reply, p->msg_reply ? strlen(p->msg_reply) : 0};
        parley_request_respond(req, p->msg_code, NULL, p->msg_reply ? &body : NULL, p->hdrs,
                               p->nhdrs);
    }
}

static void on_accepted(parley_session *s, const parley_msg *resp, parley_ack *ack, void *user)
{
    (void)s;
    party *p = user;
    p->accepted++;
    note_hdr(p, "accepted", resp);
    party_log(p, "accepted");
    p->ack = ack;
    if (p->delay_ack)
        p->rc_ack_send = parley_ack_defer(ack);
    else if (p->ack_in_callback)
        p->rc_ack_send = parley_ack_send(ack, p->hdrs, p->nhdrs);
}

static void on_completed(parley_session *s, const parley_msg *ack, void *user)
{
    (void)s;
    party *p = user;
    p->completed++;
    note_hdr(p, "completed", ack);
    party_log(p, "completed");
}

static void on_remote_end(parley_session *s, const parley_msg *req, void *user)
{
    (void)s;
    party *p = user;
    parley_slice m = parley_msg_method(req);
    p->remote_ends++;
    char ev[48];
    snprintf(ev, sizeof(ev), "remote_end:%.*s", (int)m.len, m.p);
    note_hdr(p, ev, req);
    party_log(p, "remote_end:%.*s", (int)m.len, m.p);
}

static void on_provisional(parley_session *s, const parley_msg *resp, void *user)
{
    (void)s;
    party *p = user;
    p->provisionals++;
    char ev[48];
    snprintf(ev, sizeof(ev), "provisional:%d", parley_msg_status(resp));
    note_hdr(p, ev, resp);
    party_log(p, "provisional:%d", parley_msg_status(resp));
}

static void on_participant(parley_session *s, const parley_participant *pp, unsigned mask,
                           void *user)
{
    (void)s;
    party *p = user;
    p->participant_changes++;
    p->last_pchg = mask;
    const char *name = parley_participant_name(pp), *epid = parley_participant_epid(pp);
    snprintf(p->pchg_name, sizeof(p->pchg_name), "%s", name ? name : "");
    snprintf(p->pchg_epid, sizeof(p->pchg_epid), "%s", epid ? epid : "");
    party_log(p, "participant:%u", mask);
}

static void on_refer(parley_session *s, parley_refer_request *in, const parley_address *target,
                     const char *method, void *user)
{
    (void)method;
    party *p = user;
    check_alive(p, s, "refer");
    p->refers++;
    party_log(p, "refer:%s", target->uri);
    p->refer_req = in;
    if (p->refer_defer) {
        p->refer_rc = parley_refer_request_defer(in);
        return;
    }
    parley_header h = {p->refer_hname ? p->refer_hname : "X-Test", p->refer_x_test};
    size_t nh = p->refer_x_test ? 1 : 0;
    p->refer_rc = p->refer_decline
                      ? parley_refer_request_reject(in, p->refer_decline, "Not Now", &h, nh)
                      : parley_refer_request_accept(in, &h, nh);
    if (p->refer_rc)
        parley_refer_request_reject(in, 0, NULL, NULL, 0);
    else if (!p->refer_decline && !p->refer_no_notify)
        parley_refer_request_notify(in, 200, "OK", 1);
}

static void on_refer_progress(parley_session *s, const parley_refer_progress *rp, void *user)
{
    party *p = user;
    check_alive(p, s, "refer_progress");
    party_log(p, "refer_progress:%d%s", rp->status, rp->final ? ":final" : "");
    p->refer_state = (int)rp->state;
}

static void on_refer_ended(parley_session *s, parley_refer_request *r, void *user)
{
    party *p = user;
    check_alive(p, s, "refer_ended");
    p->refers_ended++;
    p->refer_ended_req = r;
}

static void on_released(parley_session *s, void *user)
{
    party *p = user;
    check_alive(p, s, "released");
    if (parley_session_state(s) != PARLEY_STATE_DISCONNECTED)
        party_log(p, "BAD: released in state %d", parley_session_state(s));
    p->released++;
    parley_session_set_user(s, &released_mark);
}

static void on_reinvite(parley_session *s, const parley_msg *m, void *user)
{
    (void)s;
    party *p = user;
    char ev[48], what[32];
    describe_msg(m, what, sizeof(what));
    snprintf(ev, sizeof(ev), "reinvite_done:%s", what);
    note_hdr(p, ev, m);
    party_log(p, "reinvite_done:%s", what);
}

static parley_redirect_action on_redirecting(parley_session *s, parley_redirect *r, void *user)
{
    (void)s;
    party *p = user;
    const parley_address *targets = r->targets;
    size_t n = r->ntargets, current = r->current;
    p->redirect_status = parley_msg_status(r->response);
    if (p->redirect_hdrs) {
        r->headers = p->redirect_hdrs;
        r->nheaders = p->nredirect_hdrs;
    }
    int i = p->redirecting_calls++;
    if (i < 8) {
        size_t at = 0;
        for (size_t k = 0; k < n && at < sizeof(p->redirect_seen[0]); k++)
            at += (size_t)snprintf(p->redirect_seen[i] + at, sizeof(p->redirect_seen[0]) - at,
                                   "%s%s", k ? "," : "", targets[k].uri);
    }
    parley_redirect_action act =
        i < p->nredirect_actions ? p->redirect_actions[i] : PARLEY_REDIRECT_TRY_ALL;
    party_log(p, "redirecting:%zu/%zu:%d", current, n, (int)act);
    return act;
}

static void on_early_media(parley_session *s, const parley_early_media *em, void *user)
{
    party *p = user;
    check_alive(p, s, "early_media");
    snprintf(p->last_early, sizeof(p->last_early), "%.*s", (int)em->content->len,
             (const char *)em->content->body);
    xlog(p, "early_media:%d:%s:%s:%s", em->status, em->to_tag, em->reliable ? "rel" : "unrel",
         em->is_offer ? "offer" : "answer");
}

static void on_prack(parley_session *s, const parley_msg *prack, uint32_t rseq, void *user)
{
    (void)prack, (void)rseq;
    party *p = user;
    check_alive(p, s, "prack");
    xlog(p, "prack");
}

static void on_update(parley_session *s, const parley_msg *req, int offer, void *user)
{
    (void)req;
    party *p = user;
    check_alive(p, s, "update");
    xlog(p, "update:%s", offer ? "offer" : "nooffer");
}

static void on_refresh(parley_session *s, const char *method, int remote, void *user)
{
    party *p = user;
    check_alive(p, s, "refresh");
    xlog(p, "refresh:%s:%s", method, remote ? "remote" : "local");
}

static void on_early_dialog(parley_session *s, const parley_early_dialog *d, void *user)
{
    party *p = user;
    check_alive(p, s, "early_dialog");
    if (!p->log_forks)
        return;
    if (p->nearly < 4)
        snprintf(p->early_seen[p->nearly], sizeof(p->early_seen[0]), "%s|%d|%s|%s|%.*s", d->to_tag,
                 d->status, d->contact ? d->contact : "-", d->epid ? d->epid : "-",
                 d->answer ? (int)d->answer->len : 1,
                 d->answer ? (const char *)d->answer->body : "-");
    p->nearly++;
    party_log(p, "early:%s:%d", d->to_tag, d->status);
}

static void on_fork_ignored(parley_session *s, const parley_msg *resp, void *user)
{
    party *p = user;
    check_alive(p, s, "fork_ignored");
    if (!p->log_forks)
        return;
    p->forks_ignored++;
    parley_slice to;
    char tag[64] = "";
    if (parley_msg_header(resp, "To", 0, &to) == 0) {
        const char *t = memmem(to.p, to.len, "tag=", 4);
        if (t) {
            size_t n = 0;
            t += 4;
            while (t + n < to.p + to.len && t[n] != ';' && n + 1 < sizeof(tag))
                n++;
            snprintf(tag, sizeof(tag), "%.*s", (int)n, t);
        }
    }
    party_log(p, "fork_ignored:%s", tag);
}

static const parley_session_cbs cbs = {
    .on_early_dialog = on_early_dialog,
    .on_fork_ignored = on_fork_ignored,
    .on_refer_ended = on_refer_ended,
    .on_state = on_state,
    .on_message = on_message,
    .on_refer = on_refer,
    .on_refer_progress = on_refer_progress,
    .on_redirecting = on_redirecting,
    .on_accepted = on_accepted,
    .on_completed = on_completed,
    .on_remote_end = on_remote_end,
    .on_provisional = on_provisional,
    .on_participant_changed = on_participant,
    .on_reinvite = on_reinvite,
    .on_released = on_released,
    .on_early_media = on_early_media,
    .on_prack = on_prack,
    .on_update = on_update,
    .on_refresh = on_refresh,
};

void party_attach(party *p, parley_session *s)
{
    parley_session_cbs mine = cbs;
    if (p->no_on_refer)
        mine.on_refer = NULL;
    parley_session_set_callbacks(s, &mine, p);
    if (p->rel100 || p->session_expires || p->min_se) {
        parley_session_settings st = {p->session_expires, p->min_se, p->rel100};
        parley_session_set_settings(s, &st);
    }
    if (p->use_sdp) {
        static const parley_sdp_codec pcmu[] = {{0, "PCMU", 8000, 0, NULL}};
        parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
        audio.media = "audio";
        audio.port = (uint16_t)p->use_sdp;
        audio.codecs = pcmu;
        audio.ncodecs = 1;
        parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
        cfg.addr = "10.0.0.99";
        cfg.streams = &audio;
        cfg.nstreams = 1;
        parley_session_use_sdp(s, &cfg);
    } else if (!p->no_oa) {
        parley_oa_ops ops = oa_ops;
        if (p->no_get_answer)
            ops.get_answer = NULL;
        parley_session_set_offer_answer(s, &ops, p);
    }
}

static void on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                       void *user)
{
    (void)ep;
    party *p = user;
    if (p->s)
        parley_session_unref(p->s);
    p->s = parley_session_ref(s);
    party_attach(p, s);
    p->is_forked = info->is_forked;
    if (info->replaces) {
        p->replacing++;
        snprintf(p->replaces_seen, sizeof(p->replaces_seen), "%s",
                 parley_session_call_id(info->replaces));
    }
    note_hdr(p, "incoming", info->request);
    if (parley_session_state(s) != PARLEY_STATE_INCOMING)
        party_log(p, "BAD: incoming session in state %d", parley_session_state(s));
    if (info->offer)
        snprintf(p->last_offer_seen, sizeof(p->last_offer_seen), "%.*s", (int)info->offer->len,
                 (const char *)info->offer->body);
    party_log(p, info->offer ? "incoming" : "incoming:null");
    switch (p->on_incoming) {
    case PARTY_ACCEPT:
        p->rc_accept = parley_session_participate(s, p->hdrs, p->nhdrs, NULL, NULL);
        break;
    case PARTY_REJECT:
        parley_session_reject(s, p->reject_code, NULL, p->hdrs, p->nhdrs);
        break;
    case PARTY_RING:
        parley_session_provisional(s, 180, NULL, p->hdrs, p->nhdrs, 0);
        break;
    case PARTY_RING_EARLY:
        parley_session_provisional(s, 183, NULL, p->hdrs, p->nhdrs, PARLEY_PROV_EARLY_MEDIA);
        break;
    case PARTY_REDIRECT:
        parley_session_redirect(s, p->redirect_code, p->redirect_targets, p->nredirect_targets,
                                p->hdrs, p->nhdrs);
        break;
    case PARTY_DECLINE:
        parley_session_terminate(s, p->hdrs, p->nhdrs, NULL, NULL);
        break;
    default:
        break;
    }
}

void party_init_cfg(party *p, vnet *n, const char *name, const char *addr,
                    const parley_endpoint_config *cfg)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    p->n = n;
    snprintf(p->addr, sizeof(p->addr), "%s", addr);
    p->ep = vnet_endpoint(n, addr, cfg);
    parley_endpoint_set_session_cb(p->ep, on_session, p);
}

void party_init(party *p, vnet *n, const char *name, const char *addr)
{
    party_init_cfg(p, n, name, addr, NULL);
}

parley_session *party_call_to(party *p, const parley_address *to, const parley_session_opts *o)
{
    parley_session *s = NULL;
    if (parley_session_create(p->ep, to, o, &s) != 0)
        return NULL;
    if (p->s)
        parley_session_unref(p->s);
    p->s = s;
    party_attach(p, s);
    return s;
}

parley_session *party_call(party *p, const char *uri)
{
    parley_address to = {uri, NULL};
    return party_call_to(p, &to, NULL);
}

void party_redirect_to(party *p, const parley_address *t, size_t n)
{
    p->on_incoming = PARTY_REDIRECT;
    p->redirect_targets = t;
    p->nredirect_targets = n;
}

void party_release(party *p)
{
    if (p->s)
        parley_session_unref(p->s);
    p->s = NULL;
}

/* ---- scripted peers ---- */

/* The start of the value of the nth line whose header name is `name`, or NULL. */
static const char *find_header(const char *text, const char *name, size_t nth, size_t *len)
{
    size_t nl = strlen(name);
    const char *line = strstr(text, "\r\n");
    while (line) {
        line += 2;
        if (line[0] == '\r' && line[1] == '\n')
            return NULL; /* end of the headers */
        const char *end = strstr(line, "\r\n");
        if (!end)
            return NULL;
        if (!strncasecmp(line, name, nl) && (line[nl] == ':' || line[nl] == ' ') && nth-- == 0) {
            const char *v = line + nl;
            while (*v == ' ' || *v == ':')
                v++;
            *len = (size_t)(end - v);
            return v;
        }
        line = end;
    }
    return NULL;
}

const char *sp_header_nth(const vnet_packet *p, const char *name, size_t nth, char *out,
                          size_t size)
{
    size_t len = 0;
    const char *v = p ? find_header(p->data, name, nth, &len) : NULL;
    snprintf(out, size, "%.*s", v ? (int)len : 0, v ? v : "");
    return out;
}

const char *sp_header(const vnet_packet *p, const char *name, char *out, size_t size)
{
    return sp_header_nth(p, name, 0, out, size);
}

const char *hdr_nth(const vnet_packet *p, const char *name, size_t nth)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    return sp_header_nth(p, name, nth, buf[i], sizeof(buf[i]));
}

const char *hdr(const vnet_packet *p, const char *name)
{
    return hdr_nth(p, name, 0);
}

const char *sp_tag(const vnet_packet *p, const char *name, char *out, size_t size)
{
    char v[512];
    sp_header(p, name, v, sizeof(v));
    const char *t = strstr(v, ";tag=");
    size_t len = 0;
    if (t) {
        t += 5;
        while (t[len] && t[len] != ';' && t[len] != '>' && !isspace((unsigned char)t[len]))
            len++;
    }
    snprintf(out, size, "%.*s", (int)len, t ? t : "");
    return out;
}

const char *sp_body(const vnet_packet *p)
{
    const char *b = p ? strstr(p->data, "\r\n\r\n") : NULL;
    return b ? b + 4 : "";
}

void sp_send(vnet *n, const char *src, const char *dst, const char *head, const char *body)
{
    size_t hl = strlen(head), bl = body ? strlen(body) : 0;
    char *text = malloc(hl + bl + 64);
    snprintf(text, hl + bl + 64, "%sContent-Length: %zu\r\n\r\n%s", head, bl, body ? body : "");
    vnet_inject(n, src, dst, text);
    free(text);
}

void sp_reply(vnet *n, const char *from, const vnet_packet *req, int code, const char *reason,
              const char *to_tag, const char *extra, const char *body)
{
    char *head = malloc(8192);
    size_t at = (size_t)snprintf(head, 8192, "SIP/2.0 %d %s\r\n", code, reason ? reason : "X");
    size_t len;
    const char *v;
    for (size_t i = 0; (v = find_header(req->data, "Via", i, &len)) != NULL; i++)
        at += (size_t)snprintf(head + at, 8192 - at, "Via: %.*s\r\n", (int)len, v);
    static const char *const copy[] = {"From", "To", "Call-ID", "CSeq"};
    for (size_t i = 0; i < 4; i++) {
        v = find_header(req->data, copy[i], 0, &len);
        if (!v)
            continue;
        at += (size_t)snprintf(head + at, 8192 - at, "%s: %.*s", copy[i], (int)len, v);
        char val[512];
        snprintf(val, sizeof(val), "%.*s", (int)len, v);
        if (i == 1 && to_tag && !strstr(val, ";tag="))
            at += (size_t)snprintf(head + at, 8192 - at, ";tag=%s", to_tag);
        at += (size_t)snprintf(head + at, 8192 - at, "\r\n");
    }
    if (extra)
        at += (size_t)snprintf(head + at, 8192 - at, "%s", extra);
    sp_send(n, from, req->src, head, body);
    free(head);
}

const vnet_packet *sp_last(vnet *n, const char *dst, const char *prefix)
{
    const vnet_packet *last = NULL;
    for (size_t i = 0; i < vnet_count(n); i++) {
        const vnet_packet *p = vnet_get(n, i);
        if (p->dropped || !p->deliver_at)
            continue;
        if ((!dst || !strcmp(p->dst, dst)) && !strncmp(p->first_line, prefix, strlen(prefix)))
            last = p;
    }
    return last;
}

size_t sp_count(vnet *n, const char *dst, const char *prefix)
{
    size_t c = 0;
    while (vnet_find(n, dst, prefix, c))
        c++;
    return c;
}

size_t sp_count_since(vnet *n, size_t from, const char *src, const char *prefix)
{
    size_t c = 0;
    for (size_t i = from; i < vnet_count(n); i++) {
        const vnet_packet *p = vnet_get(n, i);
        if ((!src || !strcmp(p->src, src)) && !strncmp(p->first_line, prefix, strlen(prefix)))
            c++;
    }
    return c;
}

int sp_has(const vnet_packet *p, const char *s)
{
    return p && strstr(p->data, s) != NULL;
}

vnet_action drop_rule(void *arg, const vnet_packet *p, unsigned index)
{
    (void)index;
    vnet_action act = {0};
    for (drop_spec *d = arg; d->prefix; d++) {
        if ((d->src && strcmp(d->src, p->src)) ||
            strncmp(p->first_line, d->prefix, strlen(d->prefix)))
            continue;
        unsigned i = d->seen++;
        if (i >= d->first && (!d->count || i < d->first + d->count)) {
            d->dropped++;
            act.drop = true;
        }
    }
    return act;
}
