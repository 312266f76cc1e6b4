/* Pending operations of a session, and running calls on the loop thread. */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

sess_op *sess_op_new(parley_session *s, sess_op_kind kind, parley_session_done_cb cb, void *user)
{
    sess_op *op = pl_calloc(1, sizeof(*op));
    if (!op)
        return NULL;
    op->s = s;
    op->kind = kind;
    op->cb = cb;
    op->user = user;
    pl_list_init(&op->task.link);
    pl_list_insert_tail(&s->ops, &op->link);
    return op;
}

static void op_task_run(sess_task *t)
{
    sess_op *op = pl_container_of(t, sess_op, task);
    op->start(op);
}

void sess_op_queue(sess_op *op, void (*start)(sess_op *op))
{
    op->start = start;
    sess_task_queue(op->s, &op->task, op_task_run, NULL);
}

void sess_op_hold(sess_op *op, pl_list *held, void (*start)(sess_op *op))
{
    op->start = start;
    sess_task_hold(op->s, held, &op->task, op_task_run, NULL);
}

static void forget(parley_session *s, sess_op *op)
{
    if (s->participate == op)
        s->participate = NULL;
    if (s->reinv == op) {
        s->reinv = NULL;
        s->reinv_cancel = false; /* a cancel asked for applies to this one only */
    }
    if (s->terminate == op)
        s->terminate = NULL;
    if (s->ok_op == op)
        s->ok_op = NULL;
}

void sess_op_complete(sess_op *op, int err, const sip_msg *m)
{
    if (!op || op->done)
        return;
    parley_session *s = op->s;
    op->done = true;
    sess_task_cancel(&op->task); /* completed before it started (the session ended) */
    pl_list_remove(&op->link);
    forget(s, op);
    if (op->sender) {
        ep_sender_release(op->sender);
        op->sender = NULL;
    }
    parley_result r;
    char reason[128];
    ep_result_from(s->ep, &r, err, m, reason, sizeof(reason));
    if (op->kind == OP_TERMINATE && r.status == 481)
        r.error = 0; /* our BYE crossed theirs (RFC 5407 §3.6): the session is over all the same */
    parley_session_ref(s);
    if (op->cb)
        op->cb(s, &r, op->user);
    bool held = op->holds_session;
    sess_ctype_free(op->ctype);
    pl_free(op->body);
    pl_free(op->hdrs);
    pl_free(op);
    if (held)
        parley_session_unref(s);
    sess_maybe_release(s);
    parley_session_unref(s);
}

void sess_op_fail_all(parley_session *s, int err)
{
    /* a terminate whose BYE is in flight completes with the BYE's answer, not here; any other
     * terminate got what it asked for (the session is Disconnected) and succeeds;
     * completions may end other operations, so look again from the start after each */
    for (;;) {
        sess_op *victim = NULL;
        pl_list_each(pos, &s->ops)
        {
            sess_op *op = pl_container_of(pos, sess_op, link);
            if (!(op->kind == OP_TERMINATE && op->sender)) {
                victim = op;
                break;
            }
        }
        if (!victim)
            return;
        sess_op_complete(victim, victim->kind == OP_TERMINATE ? 0 : err, NULL);
    }
}

typedef struct run_wait {
    sess_call *c;
    parley_endpoint *ep;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} run_wait;

static void runner(void *arg)
{
    run_wait *w = arg;
    if (w->ep->stopped)
        w->c->rc = PARLEY_E_TERMINATED;
    else
        w->c->fn(w->c);
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int sess_run(parley_session *s, sess_call *c)
{
    c->s = s;
    return sess_run_ep(s->ep, c);
}

int sess_run_ep(parley_endpoint *ep, sess_call *c)
{
    if (pl_loop_on_thread(ep->loop)) {
        if (ep->stopped)
            return c->rc = PARLEY_E_TERMINATED;
        c->fn(c);
        return c->rc;
    }
    run_wait w = {c, ep, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    int rc = ep_call(ep, runner, &w);
    if (rc)
        return c->rc = rc;
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        pthread_cond_wait(&w.cv, &w.mu); /* the loop takes queued calls in order */
    pthread_mutex_unlock(&w.mu);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    return c->rc;
}

static void sync_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s;
    ep_waiter_done(user, r);
}

int sess_sync(parley_session *s,
              int (*start)(parley_session *, void *, parley_session_done_cb, void *), void *args,
              parley_result **out)
{
    if (out)
        *out = NULL;
    if (!s)
        return PARLEY_E_INVAL;
    if (pl_loop_on_thread(s->ep->loop))
        return PARLEY_E_LOOP_THREAD;
    ep_waiter *w = ep_waiter_new();
    if (!w)
        return PARLEY_E_NOMEM;
    int rc = start(s, args, sync_done, w);
    if (rc) {
        ep_waiter_cancel(w, rc);
        ep_waiter_wait(w, NULL);
        return rc;
    }
    return ep_waiter_wait(w, out);
}
