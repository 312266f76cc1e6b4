#include "party.h"

#include <stdarg.h>

void party_log(party *p, const char *fmt, ...)
{
    if (p->nlog >= PARTY_LOG)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->log[p->nlog++], sizeof(p->log[0]), fmt, ap);
    va_end(ap);
}

int party_saw(const party *p, const char *what)
{
    for (int i = 0; i < p->nlog; i++)
        if (!strcmp(p->log[i], what))
            return 1;
    return 0;
}

void party_dump(const party *p)
{
    for (int i = 0; i < p->nlog; i++)
        fprintf(stderr, "%s[%d] %s\n", p->name, i, p->log[i]);
}

void outcome_cb(void *user, const parley_result *r)
{
    outcome *o = user;
    o->calls++;
    o->error = r->error;
    o->status = r->status;
    snprintf(o->reason, sizeof(o->reason), "%s", r->reason ? r->reason : "");
}

/* ---- offer/answer ---- */

static int get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    party *p = user;
    if (p->null_offer) {
        out->body = NULL;
        return 0;
    }
    snprintf(p->offer_buf, sizeof(p->offer_buf), "offer-%s-%d", p->name, ++p->offers);
    out->content_type = "application/x-test";
    out->body = p->offer_buf;
    out->len = strlen(p->offer_buf);
    party_log(p, "get_offer");
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
    if (p->defer_ready)
        p->pending_answer = pa;
    else
        parley_pending_answer_ready(pa, NULL, 0);
}

static void offer_in_reinvite(parley_session *s, parley_reinvite *r, const parley_content *offer,
                              void *user)
{
    (void)s;
    party *p = user;
    p->reinvites++;
    party_log(p, offer ? "offer_in_reinvite" : "offer_in_reinvite:null");
    if (offer)
        snprintf(p->last_offer_seen, sizeof(p->last_offer_seen), "%.*s", (int)offer->len,
                 (const char *)offer->body);
    if (p->defer_reinvite)
        p->pending_reinvite = r;
    else if (p->decline_reinvite)
        parley_reinvite_decline(r, 488, NULL, NULL, 0, NULL, NULL, NULL);
    else
        parley_reinvite_accept(r, NULL, 0, NULL, NULL);
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

/* ---- events ---- */

static void on_state(parley_session *s, parley_state prev, parley_state now, parley_reason why,
                     const parley_msg *trigger, void *user)
{
    (void)s;
    (void)prev;
    (void)trigger;
    party *p = user;
    if (p->nstates < 16) {
        p->states[p->nstates] = now;
        p->reasons[p->nstates] = why;
        p->nstates++;
    }
    party_log(p, "state:%s:%s", parley_state_name(now), parley_reason_name(why));
}

static void on_message(parley_session *s, parley_request *req, void *user)
{
    (void)s;
    party *p = user;
    const parley_msg *m = parley_request_msg(req);
    parley_slice b = parley_msg_body(m), meth = parley_msg_method(m), v;
    snprintf(p->last_message, sizeof(p->last_message), "%.*s", (int)b.len, b.p);
    snprintf(p->last_message_type, sizeof(p->last_message_type), "%.*s", (int)meth.len, meth.p);
    p->last_header[0] = '\0';
    if (parley_msg_header(m, "X-Test", 0, &v) == 0)
        snprintf(p->last_header, sizeof(p->last_header), "%.*s", (int)v.len, v.p);
    p->messages++;
    party_log(p, "message:%s", p->last_message_type);
}

static void on_accepted(parley_session *s, const parley_msg *resp, parley_ack *ack, void *user)
{
    (void)s;
    (void)resp;
    party *p = user;
    p->accepted++;
    party_log(p, "accepted");
    if (p->delay_ack) {
        parley_ack_delay(ack);
        p->ack = ack;
    }
}

static void on_completed(parley_session *s, const parley_msg *ack, void *user)
{
    (void)s;
    (void)ack;
    party *p = user;
    p->completed++;
    party_log(p, "completed");
}

static void on_remote_end(parley_session *s, const parley_msg *req, void *user)
{
    (void)s;
    party *p = user;
    parley_slice m = parley_msg_method(req);
    p->remote_ends++;
    party_log(p, "remote_end:%.*s", (int)m.len, m.p);
}

static void on_provisional(parley_session *s, const parley_msg *resp, void *user)
{
    (void)s;
    party *p = user;
    p->provisionals++;
    party_log(p, "provisional:%d", parley_msg_status(resp));
}

static void on_participant(parley_session *s, const parley_participant *pp, unsigned mask,
                           void *user)
{
    (void)s;
    (void)pp;
    party *p = user;
    p->participant_changes++;
    party_log(p, "participant:%u", mask);
}

static void on_refer(parley_session *s, parley_refer_in *in, const parley_address *target,
                     const char *method, void *user)
{
    (void)s;
    (void)method;
    party *p = user;
    p->refers++;
    party_log(p, "refer:%s", target->uri);
    parley_refer_in_accept(in, NULL, 0);
    parley_refer_in_notify(in, 200, "OK", 1);
}

static void on_reinvite(parley_session *s, const parley_msg *m, void *user)
{
    (void)s;
    (void)m;
    party_log(user, "reinvite_done");
}

static const parley_session_cbs cbs = {
    on_state,    on_message,     on_refer,       NULL,       on_accepted,
    on_completed, on_remote_end, on_provisional, on_participant, on_reinvite,
};

void party_attach(party *p, parley_session *s)
{
    parley_session_set_callbacks(s, &cbs, p);
    if (!p->no_oa)
        parley_session_set_offer_answer(s, &oa_ops, p);
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
    party_log(p, info->offer ? "incoming" : "incoming:null");
    if (info->offer)
        snprintf(p->last_offer_seen, sizeof(p->last_offer_seen), "%.*s", (int)info->offer->len,
                 (const char *)info->offer->body);
    switch (p->on_incoming) {
    case 1:
        parley_session_participate(s, NULL, 0, NULL, NULL);
        break;
    case 2:
        parley_session_reject(s, p->reject_code, NULL, NULL, 0);
        break;
    case 3:
        parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        break;
    default:
        break;
    }
}

void party_init(party *p, vnet *n, const char *name, const char *addr)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    p->n = n;
    p->ep = vnet_endpoint(n, addr, NULL);
    parley_endpoint_set_session_cb(p->ep, on_session, p);
}

parley_session *party_call(party *p, const char *uri)
{
    parley_address to = {uri, NULL};
    parley_session *s = NULL;
    if (parley_session_create(p->ep, &to, NULL, &s) != 0)
        return NULL;
    if (p->s)
        parley_session_unref(p->s);
    p->s = s;
    party_attach(p, s);
    return s;
}

void party_release(party *p)
{
    if (p->s)
        parley_session_unref(p->s);
    p->s = NULL;
}
