/* Results handed to completions, their copies for blocking calls, and the waiting itself. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"

typedef struct result_copy {
    parley_result r;
    char reason[128];
} result_copy;

parley_result *ep_result_copy(const parley_result *r)
{
    result_copy *c = pl_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->r = *r;
    snprintf(c->reason, sizeof(c->reason), "%s", r->reason ? r->reason : "");
    c->r.reason = c->reason;
    if (r->msg)
        c->r.msg = parley_msg_ref((parley_msg *)r->msg);
    return &c->r;
}

void parley_result_free(parley_result *r)
{
    if (!r)
        return;
    parley_msg_unref((parley_msg *)r->msg);
    pl_free(r); /* r is the first member of its result_copy */
}

void ep_result_from(parley_endpoint *ep, parley_result *r, int err, const sip_msg *m,
                    char *reason_buf, size_t size)
{
    memset(r, 0, sizeof(*r));
    r->error = err;
    r->reason = "";
    if (err == PARLEY_E_TLS && !(m && !m->is_request)) {
        /* no response: the reason says what TLS refused (types.h) */
        snprintf(reason_buf, size, "%s", tp_tls_failure(ep->tp));
        r->reason = reason_buf;
    }
    if (m && !m->is_request) {
        r->status = m->status;
        snprintf(reason_buf, size, "%.*s", (int)m->reason.len, m->reason.p);
        r->reason = reason_buf;
        if ((!err || err == PARLEY_E_FAILURE_RESPONSE) && (m->status == 401 || m->status == 407))
            r->error = PARLEY_E_AUTH; /* no credentials for it, or they were refused */
        else if (!err && m->status >= 300)
            r->error = PARLEY_E_FAILURE_RESPONSE;
    }
    r->msg = m;
}

const char *parley_msg_type_method(parley_msg_type t)
{
    switch (t) {
    case PARLEY_MSG_MESSAGE:
        return "MESSAGE";
    case PARLEY_MSG_INFO:
        return "INFO";
    case PARLEY_MSG_OPTIONS:
        return "OPTIONS";
    case PARLEY_MSG_BENOTIFY:
        return "BENOTIFY";
    case PARLEY_MSG_SERVICE:
        return "SERVICE";
    case PARLEY_MSG_NOTIFY:
        return "NOTIFY";
    default:
        return NULL;
    }
}

struct ep_waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_uint refs;
    bool done;
    parley_result *result;
    int err;
};

ep_waiter *ep_waiter_new(void)
{
    ep_waiter *w = pl_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    atomic_init(&w->refs, 2); /* the waiting thread and the operation */
    return w;
}

static void waiter_unref(ep_waiter *w)
{
    if (atomic_fetch_sub(&w->refs, 1) == 1) {
        parley_result_free(w->result);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        pl_free(w);
    }
}

void ep_waiter_done(void *waiter, const parley_result *r)
{
    ep_waiter *w = waiter;
    parley_result *copy = ep_result_copy(r);
    pthread_mutex_lock(&w->mu);
    w->result = copy;
    w->err = copy ? r->error : PARLEY_E_NOMEM;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    waiter_unref(w);
}

void ep_waiter_cancel(ep_waiter *w, int err)
{
    pthread_mutex_lock(&w->mu);
    w->err = err;
    w->done = true;
    pthread_mutex_unlock(&w->mu);
    waiter_unref(w); /* the operation's reference: it never started */
}

int ep_waiter_wait(ep_waiter *w, parley_result **out)
{
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        pthread_cond_wait(&w->cv, &w->mu); /* every operation completes: timers bound them */
    int err = w->err;
    parley_result *r = w->result;
    w->result = NULL;
    pthread_mutex_unlock(&w->mu);
    waiter_unref(w);
    if (out)
        *out = r;
    else
        parley_result_free(r);
    return err;
}
