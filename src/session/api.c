/*
 * The session operations: participate, terminate, renegotiate, and their blocking forms. Each
 * checks the state where it is called (on the loop: sess_run) and queues its work, which runs
 * from the loop once the call returned (sess_op_queue): so no callback runs inside the call.
 */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

typedef struct op_args {
    const parley_header *h;
    size_t nh;
    unsigned flags;
    parley_session_done_cb cb;
    void *user;
    void (*on_loop)(sess_call *c);
} op_args;

/* Removes an operation that never started (its callback is not called). */
static void drop(sess_op *op)
{
    op->cb = NULL;
    sess_op_complete(op, 0, NULL);
}

/* A new operation holding a copy of the call's headers, or NULL (c->rc says why). */
static sess_op *new_op(sess_call *c, sess_op_kind kind)
{
    op_args *a = c->args;
    sess_op *op = sess_op_new(c->s, kind, a->cb, a->user);
    if (op) {
        /* no headers: none copied (NULL with nh 0), no allocation */
        op->hdrs = a->nh ? ep_copy_headers(a->h, a->nh) : NULL;
        op->nh = a->nh;
        if (op->hdrs || !a->nh)
            return op;
        drop(op);
    }
    c->rc = PARLEY_E_NOMEM;
    return NULL;
}

/* ---- participate ---- */

static bool can_participate(const parley_session *s)
{
    if (s->participate || s->ending || s->answer_queued || s->released)
        return false;
    if (!s->incoming)
        return s->state == PARLEY_STATE_IDLE;
    return s->state == PARLEY_STATE_INCOMING && s->inv_txn;
}

static void participate_start(sess_op *op)
{
    parley_session *s = op->s;
    s->participate = NULL; /* the slot held the queued operation; the flows set it again */
    /* (a terminate called after it runs after it: it CANCELs or BYEs what this starts) */
    if (s->state == PARLEY_STATE_DISCONNECTED) {
        sess_op_complete(op, PARLEY_E_TERMINATED, NULL);
        return;
    }
    int rc = s->incoming ? sess_uas_accept(s, op, op->hdrs, op->nh)
                         : sess_uac_start(s, op, op->hdrs, op->nh);
    if (rc)
        sess_op_complete(op, rc, NULL);
}

static void participate_on_loop(sess_call *c)
{
    parley_session *s = c->s;
    if (!can_participate(s)) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_op *op = new_op(c, OP_PARTICIPATE);
    if (!op)
        return;
    s->participate = op; /* a second participate is refused at once */
    if (!s->incoming)
        sess_register(s);
    sess_op_queue(op, participate_start);
    c->rc = 0;
}

/* ---- terminate ---- */

static void terminate_start(sess_op *op)
{
    parley_session *s = op->s;
    parley_session_ref(s);
    if (s->remote_ending && s->state != PARLEY_STATE_DISCONNECTED) {
        /* the peer's BYE or CANCEL is ending the session with its reason: nothing to send
         * (sess_end completes op) */
        s->terminate = op;
        parley_session_unref(s);
        return;
    }
    switch ((parley_state)s->state) {
    case PARLEY_STATE_IDLE:
    case PARLEY_STATE_REDIRECTING:
    case PARLEY_STATE_DISCONNECTED:
        if (s->terminate) {
            sess_op_complete(op, 0, NULL); /* one before it ends the session */
            break;
        }
        s->terminate = op;
        if (s->state == PARLEY_STATE_REDIRECTING)
            sess_uac_terminate(s);
        sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        /* ending the session may have completed (and freed) op already: then it is NULL */
        sess_op_complete(s->terminate, 0, NULL);
        break;
    case PARLEY_STATE_INCOMING:
        /* rejecting: 486 when the INVITE was forked (a 603 would end every fork) */
        s->terminate = op;
        sess_uas_final(s, s->forked ? 486 : 603, NULL, op->hdrs, op->nh, PL_STR_NULL);
        sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        sess_op_complete(s->terminate, 0, NULL);
        break;
    case PARLEY_STATE_CONNECTING:
    case PARLEY_STATE_ALERTED:
        if (s->terminate) {
            /* a CANCEL is under way already: this one completes with the session */
            break;
        }
        s->terminate = op;
        if (!s->incoming)
            sess_uac_terminate(s);
        /* incoming: our 200 waits for its ACK; the BYE may only follow it (RFC 3261 §15) */
        break;
    case PARLEY_STATE_CONNECTED:
        if (s->terminate && s->bye_sent)
            break; /* the BYE is out: this one completes with the session */
        s->terminate = op;
        sess_uac_ack_pending(s);
        sess_send_bye(s, op->hdrs, op->nh, op);
        sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        break;
    }
    parley_session_unref(s);
}

static void terminate_on_loop(sess_call *c)
{
    parley_session *s = c->s;
    if (s->released) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_op *op = new_op(c, OP_TERMINATE);
    if (!op)
        return;
    s->ending = true;
    sess_op_queue(op, terminate_start);
    c->rc = 0;
}

/* ---- renegotiate ---- */

/* UPDATE may also go in an early dialog whose offer/answer is done (RFC 3311 §5.1). */
static bool early_update_ok(const parley_session *s)
{
    if (s->incoming)
        return s->state == PARLEY_STATE_INCOMING && (s->early_reliable || s->early_offered_done) &&
               !sess_rel_busy(s);
    return s->state == PARLEY_STATE_ALERTED && s->answer_seen && s->answer_tag && s->peer_100rel;
}

static int reinvite_blocked(const parley_session *s, bool update, bool queued)
{
    bool connected = s->state == PARLEY_STATE_CONNECTED && s->dlg;
    if ((!connected && !(update && early_update_ok(s))) || (s->ending && !queued))
        return PARLEY_E_STATE;
    /* one offer at a time either way (RFC 3261 §14.1, RFC 3311 §5.1) */
    if (s->reinv || s->upd || s->rin || s->our_offer_pending || (s->reinv_queued && !queued))
        return PARLEY_E_AGAIN;
    if (!update && (s->ok_pending || (!s->incoming && !s->acked)))
        return PARLEY_E_AGAIN; /* an INVITE transaction is in progress */
    return 0;
}

static void renegotiate_start(sess_op *op)
{
    parley_session *s = op->s;
    s->reinv_queued = false;
    if (s->reinv_cancel) {
        /* parley_session_renegotiate_cancel came before it started: nothing goes */
        s->reinv_cancel = false;
        sess_op_complete(op, PARLEY_E_ABORTED, NULL);
        return;
    }
    bool update = op->kind == OP_UPDATE;
    int rc = reinvite_blocked(s, update, true);
    if (!rc)
        rc = update ? sess_update_start(s, op) : sess_reinvite_start(s, op);
    if (rc)
        sess_op_complete(op, rc, NULL);
}

static void renegotiate_on_loop(sess_call *c)
{
    parley_session *s = c->s;
    op_args *a = c->args;
    bool update = a->flags & PARLEY_RENEGOTIATE_UPDATE;
    c->rc = reinvite_blocked(s, update, false);
    if (c->rc)
        return;
    sess_op *op = new_op(c, update ? OP_UPDATE : OP_REINVITE);
    if (!op)
        return;
    s->reinv_queued = true;
    sess_op_queue(op, renegotiate_start);
}

/* ---- the public forms: arguments checked here, the work done on the loop ---- */

static int start_op(parley_session *s, void *args, parley_session_done_cb cb, void *user)
{
    op_args *a = args;
    a->cb = cb;
    a->user = user;
    sess_call c = {s, a->on_loop, 0, a};
    return sess_run(s, &c);
}

static int run_op(parley_session *s, void (*on_loop)(sess_call *c), unsigned flags,
                  const parley_header *h, size_t nh, parley_session_done_cb cb, void *user,
                  bool sync, parley_result **out)
{
    if (!s)
        return PARLEY_E_INVAL;
    int rc = sess_header_check(h, nh);
    if (rc)
        return rc;
    op_args a = {h, nh, flags, NULL, NULL, on_loop};
    return sync ? sess_sync(s, start_op, &a, out) : start_op(s, &a, cb, user);
}

int parley_session_participate(parley_session *s, const parley_header *headers, size_t nheaders,
                               parley_session_done_cb cb, void *user)
{
    return run_op(s, participate_on_loop, 0, headers, nheaders, cb, user, false, NULL);
}

int parley_session_participate_sync(parley_session *s, const parley_header *headers,
                                    size_t nheaders, parley_result **out)
{
    return run_op(s, participate_on_loop, 0, headers, nheaders, NULL, NULL, true, out);
}

int parley_session_terminate(parley_session *s, const parley_header *headers, size_t nheaders,
                             parley_session_done_cb cb, void *user)
{
    return run_op(s, terminate_on_loop, 0, headers, nheaders, cb, user, false, NULL);
}

int parley_session_terminate_sync(parley_session *s, const parley_header *headers, size_t nheaders,
                                  parley_result **out)
{
    return run_op(s, terminate_on_loop, 0, headers, nheaders, NULL, NULL, true, out);
}

int parley_session_renegotiate(parley_session *s, unsigned flags, const parley_header *headers,
                               size_t nheaders, parley_session_done_cb cb, void *user)
{
    if (flags & ~(unsigned)PARLEY_RENEGOTIATE_UPDATE)
        return PARLEY_E_INVAL;
    return run_op(s, renegotiate_on_loop, flags, headers, nheaders, cb, user, false, NULL);
}

int parley_session_renegotiate_sync(parley_session *s, unsigned flags, const parley_header *headers,
                                    size_t nheaders, parley_result **out)
{
    if (flags & ~(unsigned)PARLEY_RENEGOTIATE_UPDATE)
        return PARLEY_E_INVAL;
    return run_op(s, renegotiate_on_loop, flags, headers, nheaders, NULL, NULL, true, out);
}
