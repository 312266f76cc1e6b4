/* The session operations: participate, terminate, renegotiate, and their blocking forms. */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

typedef struct op_args {
    const parley_header *h;
    size_t nh;
    parley_done_cb cb;
    void *user;
    void (*on_loop)(sess_call *c);
} op_args;

/* Removes an operation that never started (its callback is not called). */
static void drop(sess_op *op)
{
    op->cb = NULL;
    sess_op_complete(op, 0, NULL);
}

static void participate_on_loop(sess_call *c)
{
    op_args *a = c->args;
    parley_session *s = c->s;
    bool outgoing = !s->incoming && s->state == PARLEY_STATE_IDLE;
    bool incoming = s->incoming && s->state == PARLEY_STATE_INCOMING && s->inv_txn;
    if ((!outgoing && !incoming) || s->participate) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_op *op = sess_op_new(s, OP_PARTICIPATE, a->cb, a->user);
    if (!op) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    c->rc = outgoing ? sess_uac_start(s, op, a->h, a->nh) : sess_uas_accept(s, op, a->h, a->nh);
    if (c->rc)
        drop(op);
}

static void terminate_on_loop(sess_call *c)
{
    op_args *a = c->args;
    parley_session *s = c->s;
    sess_op *op = sess_op_new(s, OP_TERMINATE, a->cb, a->user);
    if (!op) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    op->hdrs = ep_copy_headers(a->h, a->nh);
    op->nh = a->nh;
    if (!op->hdrs) {
        drop(op);
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    c->rc = 0;
    if (s->remote_ending && s->state != PARLEY_STATE_DISCONNECTED) {
        /* from on_remote_end: the peer's BYE or CANCEL ends the session right after, with its
         * reason; nothing to send (sess_end completes op) */
        s->terminate = op;
        return;
    }
    parley_session_ref(s);
    switch ((parley_state)s->state) {
    case PARLEY_STATE_IDLE:
    case PARLEY_STATE_REDIRECTING:
    case PARLEY_STATE_DISCONNECTED:
        s->terminate = op;
        if (s->state == PARLEY_STATE_REDIRECTING)
            sess_uac_terminate(s);
        sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        /* ending the session may have completed (and freed) op already: then it is NULL */
        sess_op_complete(s->terminate, 0, NULL);
        break;
    case PARLEY_STATE_INCOMING:
        /* declining: 486 when the INVITE was forked (a 603 would end every fork) */
        s->terminate = op;
        sess_uas_final(s, s->forked ? 486 : 603, NULL, op->hdrs, op->nh, PL_STR_NULL);
        sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        sess_op_complete(s->terminate, 0, NULL);
        break;
    case PARLEY_STATE_CONNECTING:
    case PARLEY_STATE_ALERTED:
        if (s->incoming) {
            /* our 200 waits for its ACK: the BYE may only follow the ACK (RFC 3261 §15) */
            s->terminate = op;
            break;
        }
        s->terminate = op;
        sess_uac_terminate(s);
        break;
    case PARLEY_STATE_CONNECTED:
        s->terminate = op;
        sess_uac_ack_pending(s);
        sess_send_bye(s, op->hdrs, op->nh, op);
        sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        break;
    }
    parley_session_unref(s);
}

static void renegotiate_on_loop(sess_call *c)
{
    op_args *a = c->args;
    parley_session *s = c->s;
    if (s->state != PARLEY_STATE_CONNECTED || !s->dlg) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_op *op = sess_op_new(s, OP_REINVITE, a->cb, a->user);
    if (!op) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    op->hdrs = ep_copy_headers(a->h, a->nh);
    op->nh = a->nh;
    c->rc = op->hdrs ? sess_reinvite_start(s, op) : PARLEY_E_NOMEM;
    if (c->rc)
        drop(op);
}

/* ---- the public forms: arguments checked here, the work done on the loop ---- */

static int start_op(parley_session *s, void *args, parley_done_cb cb, void *user)
{
    op_args *a = args;
    a->cb = cb;
    a->user = user;
    sess_call c = {s, a->on_loop, 0, a};
    return sess_run(s, &c);
}

static int run_op(parley_session *s, void (*on_loop)(sess_call *c), const parley_header *h,
                  size_t nh, parley_done_cb cb, void *user, bool sync, parley_result **out)
{
    if (!s)
        return PARLEY_E_INVAL;
    int rc = sess_header_check(h, nh);
    if (rc)
        return rc;
    op_args a = {h, nh, NULL, NULL, on_loop};
    return sync ? sess_sync(s, start_op, &a, out) : start_op(s, &a, cb, user);
}

int parley_session_participate(parley_session *s, const parley_header *headers, size_t nheaders,
                               parley_done_cb cb, void *user)
{
    return run_op(s, participate_on_loop, headers, nheaders, cb, user, false, NULL);
}

int parley_session_participate_sync(parley_session *s, const parley_header *headers,
                                    size_t nheaders, parley_result **out)
{
    return run_op(s, participate_on_loop, headers, nheaders, NULL, NULL, true, out);
}

int parley_session_terminate(parley_session *s, const parley_header *headers, size_t nheaders,
                             parley_done_cb cb, void *user)
{
    return run_op(s, terminate_on_loop, headers, nheaders, cb, user, false, NULL);
}

int parley_session_terminate_sync(parley_session *s, const parley_header *headers, size_t nheaders,
                                  parley_result **out)
{
    return run_op(s, terminate_on_loop, headers, nheaders, NULL, NULL, true, out);
}

int parley_session_renegotiate(parley_session *s, const parley_header *headers, size_t nheaders,
                               parley_done_cb cb, void *user)
{
    return run_op(s, renegotiate_on_loop, headers, nheaders, cb, user, false, NULL);
}

int parley_session_renegotiate_sync(parley_session *s, const parley_header *headers,
                                    size_t nheaders, parley_result **out)
{
    return run_op(s, renegotiate_on_loop, headers, nheaders, NULL, NULL, true, out);
}
