/*
 * REFER (RFC 3515, Referred-By of RFC 3892) in both directions.
 *
 * Received: the application accepts (202, then NOTIFYs of the implicit subscription with
 * message/sipfrag bodies) or rejects, in on_refer or after deferring. Sent: our REFER opens an
 * implicit subscription identified by its CSeq (the Event id); each NOTIFY's sipfrag status line
 * is reported through on_refer_progress until one ends the subscription (Subscription-State
 * terminated, a final status, its expiry, the session's end, or parley_session_refer_end).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/scan.h"
#include "sip/parse_int.h"
#include "sip/print.h"
#include "sip/uri.h"

#define SUB_GRACE_MS    32000u /* past the expiry a NOTIFY may still be on its way */
#define SUB_FIRST_MS    64000u /* the first NOTIFY must come soon after the 202 (§2.4.4) */
#define SUB_MAX_EXPIRES 3600u  /* a peer's expires beyond this is taken as this */

/* ---- received ---- */

void sess_refer_request_free(parley_refer_request *in)
{
    if (!in)
        return;
    if (in->t)
        txn_server_set_tu(in->t, NULL, NULL);
    pl_list_remove(&in->link);
    sip_msg_free(in->req);
    pl_free(in->target);
    pl_free(in->method);
    pl_free(in->epid);
    pl_free(in);
}

static int refer_notify(parley_refer_request *in, int code, const char *text, bool final);

/* The final answer to a REFER: 2xx starts the implicit subscription (and its first NOTIFY). */
static void refer_answer(parley_refer_request *in, int code, const char *reason, const sip_kv *h,
                         size_t nh)
{
    parley_session *s = in->s;
    if (in->answered || !in->t || !s->dlg)
        return;
    sess_answer_with(s, in->t, code, reason, PL_STR_NULL, h, nh);
    in->answered = true;
    txn_server_set_tu(in->t, NULL, NULL);
    in->t = NULL;
    if (code >= 200 && code < 300) {
        in->accepted = true;
        refer_notify(in, 100, "Trying", false); /* RFC 3515 §2.4.4: an immediate NOTIFY */
    }
}

static const txn_server_cb refer_txn_cb = {0};

/* A NOTIFY of the implicit subscription with a message/sipfrag body (RFC 3515 §2.4.5). */
static int refer_notify(parley_refer_request *in, int code, const char *text, bool final)
{
    parley_session *s = in->s;
    if (!in->accepted || in->ended || !s->dlg || s->state == PARLEY_STATE_DISCONNECTED)
        return PARLEY_E_STATE;
    sess_op *op = sess_op_new(s, OP_REFER_NOTIFY, NULL, NULL);
    if (!op)
        return PARLEY_E_NOMEM;
    op->arg = in; /* lives as long as the session, which outlives its operations */
    char frag[160], state[64], event[40];
    int n = snprintf(frag, sizeof(frag), "SIP/2.0 %d %s\r\n", code,
                     text ? text : sip_reason_phrase((unsigned)code));
    snprintf(state, sizeof(state), final ? "terminated;reason=noresource" : "active;expires=60");
    snprintf(event, sizeof(event), "refer;id=%u", (unsigned)in->req->cseq.num);
    parley_header hs[2] = {{"Event", event}, {"Subscription-State", state}};
    op->method = "NOTIFY";
    op->ctype = sess_ctype_dup("message/sipfrag;version=2.0");
    op->body = pl_malloc((size_t)n);
    op->hdrs = ep_copy_headers(hs, 2);
    op->nh = 2;
    if (!op->ctype || !op->body || !op->hdrs) {
        sess_op_complete(op, PARLEY_E_NOMEM, NULL);
        return PARLEY_E_NOMEM;
    }
    memcpy(op->body, frag, (size_t)n);
    op->len = (size_t)n;
    if (final)
        in->ended = true;
    int rc = sess_send_in_dialog(s, op);
    if (rc)
        sess_op_complete(op, rc, NULL);
    return rc;
}

void sess_on_refer(parley_session *s, txn_server *t, sip_msg *m)
{
    /* exactly one Refer-To (RFC 3515 §2.4.1) */
    const sip_hdr *rt = sip_hdr_first(m, SIP_H_REFER_TO);
    sip_naddr target;
    const char *at = NULL, *why = NULL;
    sip_scan sc = rt ? sip_scan_of(rt->value) : (sip_scan){NULL, NULL};
    if (!rt || sip_hdr_next(m, rt) || !sip_parse_naddr(&sc, &target, &at, &why)) {
        sess_answer(s, t, 400, "Bad Refer-To", PL_STR_NULL);
        return;
    }
    if (!s->cbs->on_refer || s->released) {
        sess_answer(s, t, 603, NULL, PL_STR_NULL);
        return;
    }
    parley_refer_request *in = sess_lists_get(s) ? pl_calloc(1, sizeof(*in)) : NULL;
    if (!in) {
        sess_answer(s, t, 500, NULL, PL_STR_NULL);
        return;
    }
    in->s = s;
    in->t = t;
    pl_list_init(&in->held);
    in->req = parley_msg_ref(m);
    in->target = pl_str_dup(target.uri.raw);
    in->method = target.uri.method.len ? pl_str_dup(target.uri.method) : NULL;
    in->epid = pl_str_set(target.epid) ? pl_str_dup(target.epid) : NULL;
    txn_server_set_tu(t, &refer_txn_cb, in);
    pl_list_insert_tail(&s->lists->refers, &in->link);
    parley_address addr = {in->target, in->epid};
    parley_session_ref(s);
    in->in_callback = true;
    s->cbs->on_refer(s, in, &addr, in->method, s->cbs_user);
    in->in_callback = false;
    sess_tasks_run_held(&in->held);
    /* the default: rejected */
    if (!in->answered && !in->answering && !in->deferred)
        refer_answer(in, 603, NULL, NULL, 0);
    parley_session_unref(s);
}

/* ---- received: the application's answers ---- */

static int answerable(parley_refer_request *in)
{
    if (in->answered || in->answering || in->s->released || (!in->in_callback && !in->deferred))
        return PARLEY_E_STATE;
    return 0;
}

int parley_refer_request_defer(parley_refer_request *r)
{
    if (!r)
        return PARLEY_E_INVAL;
    if (!r->in_callback || r->deferred || r->answered || r->answering)
        return PARLEY_E_STATE;
    r->deferred = true;
    return 0;
}

const parley_msg *parley_refer_request_msg(const parley_refer_request *r)
{
    return r ? r->req : NULL;
}

static void answer_work(sess_work *w)
{
    parley_refer_request *in = w->obj;
    refer_answer(in, w->code, w->reason, w->hdrs, w->nh);
}

static void notify_work(sess_work *w)
{
    refer_notify(w->obj, w->code, w->reason, w->flags != 0);
}

typedef struct refer_args {
    parley_refer_request *in;
    bool notify; /* a NOTIFY (code is the sipfrag's), else the answer to the REFER */
    int code;
    const char *reason;
    const parley_header *h;
    size_t nh;
    bool final;
} refer_args;

static void refer_on_loop(sess_call *c)
{
    refer_args *a = c->args;
    parley_refer_request *in = a->in;
    bool notify = a->notify;
    if (notify) {
        /* a NOTIFY: once accepted (or its acceptance queued), until the final one */
        bool ok = (in->accepted || (in->answering && in->accepting)) && !in->notify_final &&
                  !in->ended && !in->s->released && in->s->state == PARLEY_STATE_CONNECTED;
        c->rc = ok ? 0 : PARLEY_E_STATE;
    } else {
        c->rc = answerable(in);
    }
    if (c->rc)
        return;
    sess_work *w = sess_work_new(c->s, notify ? notify_work : answer_work, a->h, a->nh);
    if (w) {
        w->obj = in;
        w->code = a->code;
        w->flags = a->final;
        w->reason = a->reason ? pl_str_dup(pl_str_c(a->reason)) : NULL;
    }
    if (!w || (a->reason && !w->reason)) {
        sess_work_free(w);
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    if (notify) {
        in->notify_final = a->final;
    } else {
        in->answering = true;
        in->accepting = a->code < 300;
    }
    /* inside on_refer the answer goes as soon as the callback returned */
    sess_work_queue(c->s, w, in->in_callback ? &in->held : NULL);
}

static int run_refer(parley_refer_request *in, refer_args *a)
{
    if (a->reason && !sip_header_value_ok(a->reason))
        return PARLEY_E_INVAL;
    int rc = sess_header_check(a->h, a->nh);
    if (rc)
        return rc;
    sess_call c = {in->s, refer_on_loop, 0, a};
    return sess_run(in->s, &c);
}

int parley_refer_request_accept(parley_refer_request *r, const parley_header *headers,
                                size_t nheaders)
{
    if (!r)
        return PARLEY_E_INVAL;
    refer_args a = {r, false, 202, NULL, headers, nheaders, false};
    return run_refer(r, &a);
}

int parley_refer_request_reject(parley_refer_request *r, int code, const char *reason,
                                const parley_header *headers, size_t nheaders)
{
    if (!r || (code && (code < 400 || code > 699)))
        return PARLEY_E_INVAL;
    refer_args a = {r, false, code ? code : 603, reason, headers, nheaders, false};
    return run_refer(r, &a);
}

int parley_refer_request_notify(parley_refer_request *r, int sipfrag_code, const char *text,
                                int final)
{
    if (!r || sipfrag_code < 100 || sipfrag_code > 699)
        return PARLEY_E_INVAL;
    refer_args a = {r, true, sipfrag_code, text, NULL, 0, final != 0};
    return run_refer(r, &a);
}

/* ---- sent: the subscription and its progress ---- */

const char *parley_refer_state_name(parley_refer_state st)
{
    static const char *const names[] = {
        "Idle",   "ReferRequested", "ReferAccepted", "ReferRejected", "ReferFailed",
        "Trying", "Alerted",        "Succeeded",     "Failed",        "Redirected"};
    return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

static parley_refer_state state_of(int status)
{
    if (status == 100)
        return PARLEY_REFER_TRYING;
    if (status < 200)
        return PARLEY_REFER_ALERTED;
    if (status < 300)
        return PARLEY_REFER_SUCCEEDED;
    return status < 400 ? PARLEY_REFER_REDIRECTED : PARLEY_REFER_FAILED;
}

static void sub_free(sess_refer_sub *sub)
{
    pl_loop_timer_stop(sub->s->ep->loop, &sub->expiry);
    pl_list_remove(&sub->link);
    pl_free(sub);
}

/* Reports progress; a final report ends the subscription (sub is freed). */
static void report(sess_refer_sub *sub, int status, pl_str reason, bool final, const sip_msg *m)
{
    parley_session *s = sub->s;
    char text[128];
    snprintf(text, sizeof(text), "%.*s", (int)reason.len, reason.p ? reason.p : "");
    if (status >= 100 && status <= 699)
        sub->state = (uint8_t)state_of(status);
    parley_refer_progress p = {
        sub->id, sub->op_user, status, text, final, m, (parley_refer_state)sub->state};
    if (final)
        sub_free(sub);
    if (s->cbs->on_refer_progress && !s->released) {
        parley_session_ref(s);
        s->cbs->on_refer_progress(s, &p, s->cbs_user);
        parley_session_unref(s);
    }
}

static void on_sub_expired(pl_timer *t, void *arg)
{
    (void)t;
    report(arg, 0, PL_STR_LIT("subscription expired"), true, NULL);
}

static sess_refer_sub *find_sub(parley_session *s, uint32_t id, bool any)
{
    if (!s->lists)
        return NULL;
    pl_list_each(pos, &s->lists->refer_subs)
    {
        sess_refer_sub *sub = pl_container_of(pos, sess_refer_sub, link);
        if (any || sub->id == id)
            return sub;
    }
    return NULL;
}

/* The status line of a message/sipfrag body ("SIP/2.0 180 Ringing"): RFC 3420. */
static bool sipfrag_status(pl_str body, int *status, pl_str *reason)
{
    const char *p = body.p, *end = body.p + body.len;
    if (body.len < 12 || memcmp(p, "SIP/2.0 ", 8) != 0)
        return false;
    p += 8;
    int code = 0;
    for (int i = 0; i < 3; i++, p++) {
        if (*p < '0' || *p > '9')
            return false;
        code = code * 10 + (*p - '0');
    }
    if (code < 100 || code > 699 || (p < end && *p != ' ' && *p != '\r' && *p != '\n'))
        return false;
    if (p < end && *p == ' ')
        p++;
    const char *e = p;
    while (e < end && *e != '\r' && *e != '\n')
        e++;
    *status = code;
    *reason = pl_str_span(p, e);
    return true;
}

/* The value of parameter `name` of a header value ("terminated;reason=x;expires=60"), trimmed;
 * empty when absent. */
static pl_str param_of(pl_str v, const char *name)
{
    pl_str params, value;
    sip_value_head(v, &params);
    return sip_param_find(params, name, &value) ? pl_str_trim(value) : PL_STR_NULL;
}

bool sess_refer_on_notify(parley_session *s, txn_server *t, sip_msg *m)
{
    const sip_hdr *ev = sip_hdr_first(m, SIP_H_EVENT);
    if (!ev)
        return false;
    pl_str v = pl_str_trim(ev->value);
    if (!pl_str_casecmp_eq(sip_value_head(v, NULL), PL_STR_LIT("refer")))
        return false;
    /* Event: refer;id=CSeq (the id may be left out for the first REFER: §2.4.6) */
    pl_str id = param_of(v, "id");
    sess_refer_sub *sub = NULL;
    if (id.len) {
        char tmp[16];
        snprintf(tmp, sizeof(tmp), "%.*s", (int)(id.len < 15 ? id.len : 15), id.p);
        sub = find_sub(s, (uint32_t)strtoul(tmp, NULL, 10), false);
    } else {
        sub = find_sub(s, 0, true);
    }
    if (!sub) {
        sess_answer(s, t, 481, "Subscription does not exist", PL_STR_NULL);
        return true;
    }
    int status = 0;
    pl_str reason = PL_STR_NULL;
    if (!sipfrag_status(m->body, &status, &reason)) {
        sess_answer(s, t, 400, "Bad sipfrag body", PL_STR_NULL);
        return true;
    }
    sess_answer(s, t, 200, NULL, PL_STR_NULL);
    const sip_hdr *st = sip_hdr_first(m, SIP_H_SUBSCRIPTION_STATE);
    pl_str state = st ? pl_str_trim(st->value) : PL_STR_NULL;
    bool terminated = pl_str_caseeq_lit(sip_value_head(state, NULL), "terminated");
    bool final = terminated || status >= 200;
    if (!final) {
        pl_str ex = param_of(state, "expires");
        unsigned secs = 60;
        if (ex.len) {
            char tmp[16];
            snprintf(tmp, sizeof(tmp), "%.*s", (int)(ex.len < 15 ? ex.len : 15), ex.p);
            secs = (unsigned)strtoul(tmp, NULL, 10);
        }
        if (secs > SUB_MAX_EXPIRES)
            secs = SUB_MAX_EXPIRES;
        pl_loop_timer_start(s->ep->loop, &sub->expiry, secs * 1000ull + SUB_GRACE_MS,
                            on_sub_expired, sub);
    }
    report(sub, status, reason, final, m);
    return true;
}

void sess_refer_sub_renumber(parley_session *s, uint32_t old_id, uint32_t new_id)
{
    sess_refer_sub *sub = find_sub(s, old_id, false);
    if (sub)
        sub->id = new_id; /* the REFER went again (challenged): its NOTIFYs carry the new id */
}

void sess_refer_sub_answered(parley_session *s, sess_op *op, const sip_msg *m)
{
    sess_refer_sub *sub = find_sub(s, op->cseq, false);
    if (!sub)
        return;
    if (m->status >= 300) {
        sub_free(sub); /* refused: no subscription; the completion reports it */
        return;
    }
    sub->accepted = true;
}

void sess_refer_subs_end(parley_session *s)
{
    while (s->lists && !pl_list_empty(&s->lists->refer_subs)) {
        sess_refer_sub *sub = pl_container_of(s->lists->refer_subs.next, sess_refer_sub, link);
        report(sub, 0, PL_STR_LIT("session ended"), true, NULL);
    }
}

static void end_work(sess_work *w)
{
    parley_session *s = w->task.s;
    sess_refer_sub *sub = find_sub(s, (uint32_t)w->code, false);
    if (sub)
        report(sub, 0, PL_STR_LIT("ended locally"), true, NULL);
}

typedef struct end_args {
    uint32_t id;
} end_args;

static void end_on_loop(sess_call *c)
{
    end_args *a = c->args;
    parley_session *s = c->s;
    sess_refer_sub *sub = find_sub(s, a->id, false);
    if (!sub || sub->ending) {
        c->rc = PARLEY_E_NOTFOUND;
        return;
    }
    sess_work *w = sess_work_new(s, end_work, NULL, 0);
    if (!w) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    w->code = (int)a->id;
    sub->ending = true;
    c->rc = 0;
    sess_work_queue(s, w, NULL);
}

int parley_session_refer_end(parley_session *s, uint32_t id)
{
    if (!s)
        return PARLEY_E_INVAL;
    end_args a = {id};
    sess_call c = {s, end_on_loop, 0, &a};
    return sess_run(s, &c);
}

/* ---- sent: the REFER itself ---- */

static void refer_start(sess_op *op)
{
    parley_session *s = op->s;
    if (s->state != PARLEY_STATE_CONNECTED || !s->dlg) {
        sess_op_complete(op, PARLEY_E_STATE, NULL);
        return;
    }
    sess_refer_sub *sub = sess_lists_get(s) ? pl_calloc(1, sizeof(*sub)) : NULL;
    if (!sub) {
        sess_op_complete(op, PARLEY_E_NOMEM, NULL);
        return;
    }
    int rc = sess_send_in_dialog(s, op);
    if (rc) {
        pl_free(sub);
        sess_op_complete(op, rc, NULL);
        return;
    }
    /* the subscription exists from now on: a NOTIFY may overtake the 202 */
    sub->s = s;
    sub->id = op->cseq;
    sub->state = PARLEY_REFER_ACCEPTED;
    sub->op_user = op->user;
    pl_timer_init(&sub->expiry);
    pl_list_insert_tail(&s->lists->refer_subs, &sub->link);
    pl_loop_timer_start(s->ep->loop, &sub->expiry, SUB_FIRST_MS, on_sub_expired, sub);
}

static int prepare_refer(sess_op *op, const sess_req_args *a)
{
    parley_session *s = op->s;
    op->method = "REFER";
    char refer_to[600], referred_by[600];
    snprintf(refer_to, sizeof(refer_to), "<%s>%s%s", a->target->uri,
             a->target->epid ? ";epid=" : "", a->target->epid ? a->target->epid : "");
    snprintf(referred_by, sizeof(referred_by), "<%s>", s->local.uri);
    /* RFC 3515 Refer-To, RFC 3892 Referred-By, then the application's headers */
    size_t n = a->nh + 2;
    parley_header *all = pl_calloc(n, sizeof(*all));
    if (!all)
        return PARLEY_E_NOMEM;
    all[0] = (parley_header){"Refer-To", refer_to};
    all[1] = (parley_header){"Referred-By", referred_by};
    for (size_t i = 0; i < a->nh; i++)
        all[i + 2] = a->h[i];
    op->hdrs = ep_copy_headers(all, n);
    op->nh = n;
    pl_free(all);
    return op->hdrs ? 0 : PARLEY_E_NOMEM;
}

static int check_refer_target(const parley_address *target)
{
    if (!target || !target->uri)
        return PARLEY_E_INVAL;
    /* a URI the parser takes holds no byte that could not go between '<' and '>' */
    sip_uri u;
    if (sip_uri_parse(pl_str_c(target->uri), &u, NULL, NULL) != 0 || strlen(target->uri) > 500 ||
        (target->epid && (strlen(target->epid) > 60 || !ep_epid_ok(target->epid))))
        return PARLEY_E_INVAL;
    return 0;
}

int parley_session_refer(parley_session *s, const parley_address *target,
                         const parley_header *headers, size_t nheaders, parley_session_done_cb cb,
                         void *user)
{
    if (!s || check_refer_target(target))
        return PARLEY_E_INVAL;
    sess_req_args a = {0,    NULL,   headers,  nheaders,      NULL,
                       NULL, target, OP_REFER, prepare_refer, refer_start};
    return sess_request_call(s, &a, cb, user, false, NULL);
}

int parley_session_refer_sync(parley_session *s, const parley_address *target,
                              const parley_header *headers, size_t nheaders, parley_result **out)
{
    if (!s || check_refer_target(target))
        return PARLEY_E_INVAL;
    sess_req_args a = {0,    NULL,   headers,  nheaders,      NULL,
                       NULL, target, OP_REFER, prepare_refer, refer_start};
    return sess_request_call(s, &a, NULL, NULL, true, out);
}
