/*
 * Redirection of our INVITE (RFC 3261 §8.1.3.4): the Contacts of a 3xx, highest q first, tried
 * in turn with a new CSeq, on_redirecting asked about each (the model's Redirecting event and
 * RedirectAction), or its answer deferred (PARLEY_REDIRECT_DEFER) and given later with
 * parley_session_redirect_resume from any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

#define MAX_REDIRECTS 8

/* Contacts of a 3xx, highest q first (RFC 3261 §8.1.3.4), without loops back to us. */
void sess_redirect_collect(parley_session *s, const sip_msg *m)
{
    sip_msg_free(s->uac->redirect_msg);
    s->uac->redirect_msg = parley_msg_ref((sip_msg *)m);
    for (size_t i = 0; i < s->uac->ntargets; i++)
        pl_free(s->uac->targets[i]);
    pl_free(s->uac->targets);
    s->uac->targets = NULL;
    s->uac->ntargets = s->uac->next_target = 0;
    s->uac->redirect_all = false;
    size_t n = 0;
    for (const sip_naddr *c = m->contact; c; c = c->next)
        n++;
    if (!n)
        return;
    s->uac->targets = pl_calloc(n, sizeof(char *));
    double *q = pl_calloc(n, sizeof(double));
    if (!s->uac->targets || !q) {
        pl_free(q);
        return;
    }
    for (const sip_naddr *c = m->contact; c; c = c->next) {
        if (c->uri.kind != SIP_URI_SIP && c->uri.kind != SIP_URI_SIPS)
            continue;
        double qv = 1.0;
        if (c->q.len) {
            char tmp[16];
            snprintf(tmp, sizeof(tmp), "%.*s", (int)c->q.len, c->q.p);
            qv = atof(tmp);
        }
        size_t at = s->uac->ntargets++;
        while (at > 0 && q[at - 1] < qv) {
            s->uac->targets[at] = s->uac->targets[at - 1];
            q[at] = q[at - 1];
            at--;
        }
        s->uac->targets[at] = pl_str_dup(c->uri.raw);
        q[at] = qv;
    }
    pl_free(q);
}

/* on_redirecting deferred its answer: the session waits in Redirecting, nothing sent, with the
 * response (m, or the transport error err) that ends the call if the answer is TRY_NONE. */
static void defer_redirect(parley_session *s, const sip_msg *m, int err)
{
    sip_msg_free(s->uac->defer_msg);
    s->uac->defer_msg = m ? parley_msg_ref((sip_msg *)m) : NULL;
    s->uac->defer_err = err;
    s->uac->redirect_deferred = true;
}

/* Whether on_redirecting is to be asked about the next target. */
static bool will_ask(const parley_session *s)
{
    return s->cbs->on_redirecting && !s->uac->redirect_all && !s->released;
}

/* What on_redirecting answers for target cur; *no_memory when it could not be asked. */
static parley_redirect_action ask_redirecting(parley_session *s, size_t cur, bool *no_memory)
{
    parley_address *addrs = pl_calloc(s->uac->ntargets, sizeof(*addrs));
    if (!addrs) {
        *no_memory = true;
        return PARLEY_REDIRECT_TRY_NONE;
    }
    for (size_t i = 0; i < s->uac->ntargets; i++)
        addrs[i].uri = s->uac->targets[i];
    parley_redirect r = {s->uac->redirect_msg, addrs, s->uac->ntargets, cur, NULL, 0};
    parley_redirect_action act = s->cbs->on_redirecting(s, &r, s->cbs_user);
    pl_free(addrs);
    if (r.nheaders && ep_check_headers(r.headers, r.nheaders) == 0)
        sess_uac_print_headers(s, r.headers, r.nheaders);
    return act;
}

/* Tries the next redirection target (response m, or transport error err, led here), asking
 * on_redirecting, or applying `given` (>= 0: the action parley_session_redirect_resume gave)
 * to the first target; false when none is left or wanted. */
bool sess_redirect_follow(parley_session *s, const sip_msg *m, int err, int given)
{
    while (s->uac->next_target < s->uac->ntargets && s->inv_cseq < MAX_REDIRECTS + 1) {
        size_t cur = s->uac->next_target;
        parley_redirect_action act =
            given >= 0 ? (parley_redirect_action)given : PARLEY_REDIRECT_TRY_ALL;
        if (given < 0 && will_ask(s)) {
            bool no_memory = false;
            act = ask_redirecting(s, cur, &no_memory);
            if (no_memory)
                return false;
            if (s->ending && s->state != PARLEY_STATE_DISCONNECTED) {
                /* terminate was called from the callback: the call ends here */
                sess_uac_fail_invite(s, PARLEY_E_TERMINATED, PARLEY_REASON_TERMINATED_LOCALLY,
                                     NULL);
                return true;
            }
            if (s->state == PARLEY_STATE_DISCONNECTED || s->uac->cancel_wanted)
                return false;
            if (act == PARLEY_REDIRECT_DEFER) {
                defer_redirect(s, m, err);
                return true;
            }
        }
        given = -1; /* later targets: the callback is asked */
        if (act == PARLEY_REDIRECT_TRY_NONE)
            return false;
        if (act == PARLEY_REDIRECT_TRY_ALL)
            s->uac->redirect_all = true; /* every target of this list, without asking again */
        s->uac->next_target++;
        if (act == PARLEY_REDIRECT_SKIP_THIS)
            continue;
        char *old = s->request_uri;
        pl_str hdrs; /* a Contact's headers are not applied, and a Request-URI holds none */
        s->request_uri = pl_str_dup(ep_uri_split(s->uac->targets[cur], &hdrs));
        if (!s->request_uri) {
            s->request_uri = old;
            return false;
        }
        sess_keep_string(s, old);
        s->inv_cseq++; /* RFC 3261 §8.1.3.4: same Call-ID, From and To, new CSeq */
        sess_set_state(s, PARLEY_STATE_CONNECTING, PARLEY_REASON_NONE, m);
        if (sess_uac_send_invite(s) == 0)
            return true;
    }
    return false;
}

/* ---- a deferred redirection (PARLEY_REDIRECT_DEFER), resumed from any thread ---- */

typedef struct resume_args {
    parley_redirect_action action;
    const parley_header *hdrs;
    size_t nh;
} resume_args;

/* Redirection goes on as if on_redirecting had returned the action given (w->code). */
static void resume_work(sess_work *w)
{
    parley_session *s = w->task.s;
    sess_uac *u = s->uac;
    if (!u || !u->redirect_resuming)
        return; /* the session ended since the call */
    u->redirect_resuming = false;
    sip_msg *m = u->defer_msg;
    int err = u->defer_err;
    u->defer_msg = NULL;
    if (s->ending || s->state != PARLEY_STATE_REDIRECTING) {
        /* terminate was called after the resume: its work (next in the queue) ends the call,
         * nothing is sent */
        sip_msg_free(m);
        return;
    }
    if (w->nh) {
        parley_header *h = pl_calloc(w->nh, sizeof(*h));
        for (size_t i = 0; h && i < w->nh; i++)
            h[i] = (parley_header){w->hdrs[i].name, w->hdrs[i].value};
        if (h)
            sess_uac_print_headers(s, h, w->nh);
        pl_free(h);
    }
    parley_session_ref(s);
    if (!sess_redirect_follow(s, m, err, w->code)) {
        if (m)
            sess_uac_fail_invite(s, PARLEY_E_FAILURE_RESPONSE, sess_reason_for_status(m->status),
                                 m);
        else
            sess_uac_fail_invite(s, err, sess_reason_for_error(err), NULL);
    }
    sip_msg_free(m);
    parley_session_unref(s);
}

static void resume_on_loop(sess_call *c)
{
    parley_session *s = c->s;
    const resume_args *a = c->args;
    sess_uac *u = s->uac;
    if (!u || !u->redirect_deferred || s->ending || s->released ||
        s->state != PARLEY_STATE_REDIRECTING) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_work *w = sess_work_new(s, resume_work, a->hdrs, a->nh);
    if (!w) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    w->code = (int)a->action;
    u->redirect_deferred = false; /* once per deferral */
    u->redirect_resuming = true;
    sess_work_queue(s, w, NULL);
    c->rc = 0;
}

int parley_session_redirect_resume(parley_session *s, parley_redirect_action action,
                                   const parley_header *headers, size_t nheaders)
{
    if (!s)
        return PARLEY_E_INVAL;
    switch (action) {
    case PARLEY_REDIRECT_TRY_ALL:
    case PARLEY_REDIRECT_TRY_NONE:
    case PARLEY_REDIRECT_TRY_THIS:
    case PARLEY_REDIRECT_SKIP_THIS:
        break;
    default:
        return PARLEY_E_INVAL; /* DEFER (it is deferred already), or no action at all */
    }
    int rc = sess_header_check(headers, nheaders);
    if (rc)
        return rc;
    resume_args a = {action, headers, nheaders};
    sess_call c = {s, resume_on_loop, 0, &a};
    return sess_run(s, &c);
}
