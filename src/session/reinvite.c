/*
 * Renegotiation (RFC 3261 §14, RFC 3264 §8): our re-INVITE with its 491 glare retry, and the
 * peer's re-INVITE handed to the application through the offer/answer contract (accept,
 * decline, provisional, cancelled). One re-INVITE at a time in each direction; a crossing one
 * gets 491, one arriving while our 2xx waits for its ACK gets 500 with Retry-After.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/print.h"

/* ---- ours ---- */

static int build_reinvite(void *arg, const ep_attempt *a, sip_out *out);
static void on_reinvite_response(void *arg, ep_sender *snd, sip_msg *m);
static void on_reinvite_fail(void *arg, ep_sender *snd, int err);
static uint32_t reinvite_next_cseq(void *arg, uint32_t last);
static const ep_send_ops reinvite_ops = {build_reinvite, on_reinvite_response, on_reinvite_fail,
                                         reinvite_next_cseq};

/* Challenged: again with the dialog's next CSeq (RFC 3261 §22.2). */
static uint32_t reinvite_next_cseq(void *arg, uint32_t last)
{
    parley_session *s = arg;
    (void)last;
    if (!s->reinv || !s->dlg)
        return 0;
    s->reinv_cseq = ++s->dlg->local_cseq;
    return s->reinv_cseq;
}

int sess_build_offer_request(parley_session *s, dlg *d, const char *method, uint32_t cseq,
                             const sess_op *op, const ep_attempt *a, sip_out *out)
{
    char contact_room[256], extra_room[1024];
    pl_buf contact, extra;
    pl_buf_init_on(&contact, contact_room, sizeof(contact_room));
    pl_buf_init_on(&extra, extra_room, sizeof(extra_room));
    ep_print_contact(s->ep, &contact, a->listener, a->hostport,
                     a->sips || d->secure); /* a target refresh */
    sip_kv room[8], *owned;
    size_t nh;
    const sip_kv *h = sess_with_request_headers(s, op->hdrs, op->nh, false, room, 8, &owned, &nh);
    sess_print_common(s, &extra, h, nh);
    sess_timer_print_request(s, &extra, false, h, nh);
    ep_print_user_agent(s->ep, &extra, h, nh);
    pl_free(owned);
    dlg_req r = {
        .method = method,
        .cseq = cseq,
        .via = a->via,
        .contact = pl_buf_str(&contact),
        .extra_raw = pl_buf_str(&extra),
        .content_type = op->body ? pl_str_c(op->ctype) : PL_STR_NULL,
        .body = pl_str_make(op->body, op->len),
    };
    int rc =
        pl_buf_ok(&contact) && pl_buf_ok(&extra) ? dlg_build_request(d, &r, out) : PARLEY_E_NOMEM;
    pl_buf_free(&contact);
    pl_buf_free(&extra);
    return rc;
}

static int build_reinvite(void *arg, const ep_attempt *a, sip_out *out)
{
    parley_session *s = arg;
    if (!s->reinv)
        return PARLEY_E_STATE;
    return sess_build_offer_request(s, s->dlg, "INVITE", s->reinv_cseq, s->reinv, a, out);
}

static void release_sender(ep_sender **snd)
{
    if (*snd) {
        ep_sender_release(*snd);
        *snd = NULL;
    }
}

/* The sender reports to the session, not to the operation: once a 2xx came it stays (as
 * reack_snd) after the operation completed, so that 2xx retransmissions are ACKed again
 * (RFC 3261 §13.2.2.4), until a newer re-INVITE got its 2xx (the peer then had the ACK: it
 * answers 500 to a re-INVITE while it waits for one). */
static int send_reinvite(parley_session *s)
{
    release_sender(&s->reinv_snd);
    s->reinv_cancel_sent = false; /* a new transaction */
    s->reinv_cseq = ++s->dlg->local_cseq;
    char hop[512];
    sess_next_hop(s, s->dlg, hop, sizeof(hop));
    return ep_sender_start(s->ep, hop, &reinvite_ops, s, &s->reinv_snd);
}

void sess_reinvite_release(parley_session *s)
{
    release_sender(&s->reinv_snd);
    release_sender(&s->reack_snd);
}

/* Our retry after a 491, once its wait ran out and no INVITE transaction is in progress
 * either way (RFC 3261 §14.1): the peer's re-INVITE, answered or not, must be done. */
void sess_reinvite_resume(parley_session *s)
{
    sess_op *op = s->reinv;
    if (!s->glare_due || !op || s->rin || s->ok_pending || s->state != PARLEY_STATE_CONNECTED)
        return;
    s->glare_due = false;
    s->glare_waiting = false;
    int rc = send_reinvite(s);
    if (rc)
        sess_op_complete(op, rc, NULL);
}

/* CANCEL our re-INVITE (RFC 3261 §9.1): only once it had a provisional response (its client
 * transaction is Proceeding; before that the next provisional sends it), once. */
static void send_reinvite_cancel(parley_session *s)
{
    txn_client *t = s->reinv_snd ? ep_sender_txn(s->reinv_snd) : NULL;
    if (!t || s->reinv_cancel_sent)
        return;
    sip_kv room[8], *owned;
    size_t nh;
    const sip_kv *h = sess_with_request_headers(s, NULL, 0, true, room, 8, &owned, &nh);
    s->reinv_cancel_sent = txn_client_cancel(t, h, nh, NULL, NULL, NULL) == 0;
    pl_free(owned);
}

static void on_glare_timer(pl_timer *t, void *arg)
{
    (void)t;
    parley_session *s = arg;
    s->glare_due = true;
    sess_reinvite_resume(s);
}

static void on_reinvite_response(void *arg, ep_sender *snd, sip_msg *m)
{
    parley_session *s = arg;
    sess_op *op = s->reinv;
    if (m->status < 200) {
        if (snd == s->reinv_snd && op && s->reinv_cancel)
            send_reinvite_cancel(s); /* the CANCEL asked for waited for a provisional */
        return;
    }
    if (snd != s->reinv_snd || !op) {
        /* a 2xx retransmission after we finished: ACK it again */
        if (snd == s->reack_snd && m->status < 300 && s->reack && s->reack->len)
            tp_send(s->ep->tp, &s->reack->dest, s->reack->data, s->reack->len, NULL);
        return;
    }
    parley_session_ref(s);
    bool refresh = op->kind == OP_REFRESH;
    sess_note_peer(s, m);
    if (m->status < 300) {
        bool unanswered = sess_offer_unanswered(op, m); /* (it is ACKed all the same) */
        dlg_refresh_target(s->dlg, m);
        sess_note_remote_target(s, m);
        if (!refresh)
            sess_set_answer(s, m); /* a refresh repeated the description: nothing changed */
        s->our_offer_pending = false;
        pl_buf ack;
        tp_dest d;
        pl_buf_init(&ack, 0);
        /* the application has no other hold on this ACK: it carries the re-INVITE's custom
         * headers, as issue 5 wants custom headers on every request the application causes */
        if (sess_ack_for(s, s->reinv_cseq, op->hdrs, op->nh, NULL, &ack, &d) != 0 ||
            !sess_resend_set(&s->reack, &d, ack.data, ack.len))
            sess_resend_free(&s->reack); /* never the ACK of an earlier re-INVITE */
        pl_buf_free(&ack);
        release_sender(&s->reack_snd);
        s->reack_snd = s->reinv_snd;
        s->reinv_snd = NULL;
        sess_timer_on_response(s, m, false);
        sess_op_complete(op, unanswered ? PARLEY_E_UNUSABLE : 0, m);
        if (refresh)
            sess_timer_refresh_done(s, true);
    } else if (m->status == 422 && !s->reinv_cancel && sess_timer_on_422(s, m)) {
        int rc = send_reinvite(s); /* a larger interval (RFC 4028 §7.4) */
        if (rc) {
            s->our_offer_pending = false;
            sess_op_complete(op, rc, NULL);
            if (refresh)
                sess_timer_refresh_done(s, false);
        }
    } else if (m->status == 491 && !s->reinv_retried && !s->reinv_cancel &&
               sess_timer_slot(&s->glare_timer)) {
        /* glare: try once more after RFC 3261 §14.1's wait; the owner of the Call-ID (the
         * caller) waits 2.1-4 s, the other side 0-2 s, in units of 10 ms */
        s->reinv_retried = true;
        s->glare_waiting = true;
        uint64_t wait = s->incoming ? pl_rand_below(201) * 10 : 2100 + pl_rand_below(191) * 10;
        pl_loop_timer_start(s->ep->loop, s->glare_timer, wait, on_glare_timer, s);
    } else {
        s->our_offer_pending = false;
        sess_op_complete(op, 0, m); /* the old description stays */
        if (!sess_dialog_gone(s, m, 0) && refresh)
            sess_timer_refresh_done(s, false);
    }
    parley_session_unref(s);
}

static void on_reinvite_fail(void *arg, ep_sender *snd, int err)
{
    parley_session *s = arg;
    sess_op *op = s->reinv;
    if (snd != s->reinv_snd || !op)
        return;
    parley_session_ref(s);
    bool refresh = op->kind == OP_REFRESH;
    s->our_offer_pending = false;
    sess_op_complete(op, err, NULL);
    if (refresh)
        sess_timer_refresh_done(s, false); /* the refresh got no answer: the session is gone */
    else
        sess_dialog_gone(s, NULL, err);
    parley_session_unref(s);
}

int sess_reinvite_start(parley_session *s, sess_op *op)
{
    sess_body offer = {0};
    if (op->kind == OP_REFRESH) {
        /* a session refresh repeats the description in force, unchanged (RFC 4028 §7.4): the
         * application is not asked */
        if (s->local_desc.data) {
            parley_content c = {s->local_desc.ctype, s->local_desc.data, s->local_desc.len};
            offer.ctype = sess_ctype_dup(c.content_type);
            offer.data = pl_malloc(c.len ? c.len : 1);
            if (!offer.ctype || !offer.data) {
                sess_body_free(&offer);
                return PARLEY_E_NOMEM;
            }
            memcpy(offer.data, c.body, c.len);
            offer.len = c.len;
        }
    } else {
        int rc = sess_get_offer(s, &offer);
        if (rc)
            return PARLEY_E_ABORTED;
        if (!offer.data && s->has_oa)
            return PARLEY_E_STATE; /* a re-INVITE must carry an offer */
    }
    int rc;
    if (offer.data)
        s->our_offer_pending = true;
    op->method = "INVITE";
    op->ctype = offer.ctype;
    op->body = offer.data;
    op->len = offer.len;
    s->reinv = op;
    s->reinv_retried = false;
    s->st_retried = false; /* each request may be retried once after 422 (RFC 4028 §7.4) */
    rc = send_reinvite(s);
    if (rc) {
        s->reinv = NULL;
        s->our_offer_pending = false;
    }
    return rc;
}

/* ---- cancelling ours (the spec's TryCancelRenegotiateDescription) ---- */

static void cancel_work(sess_work *w)
{
    parley_session *s = w->task.s;
    sess_op *op = s->reinv;
    if (!op || !s->reinv_cancel)
        return; /* answered meanwhile: the renegotiation completed as usual */
    if (s->glare_waiting) {
        /* it got 491 and waits to go again (RFC 3261 §14.1): it does not go */
        pl_loop_timer_stop(s->ep->loop, s->glare_timer);
        s->glare_waiting = false;
        s->glare_due = false;
        s->our_offer_pending = false;
        sess_op_complete(op, PARLEY_E_ABORTED, NULL);
        return;
    }
    send_reinvite_cancel(s);
}

static void cancel_on_loop(sess_call *c)
{
    parley_session *s = c->s;
    if (s->reinv && s->reinv->kind == OP_REINVITE) {
        if (s->reinv_cancel) {
            c->rc = 0; /* asked for already */
            return;
        }
        sess_work *w = sess_work_new(s, cancel_work, NULL, 0);
        if (!w) {
            c->rc = PARLEY_E_NOMEM;
            return;
        }
        s->reinv_cancel = true;
        c->rc = 0;
        sess_work_queue(s, w, NULL);
    } else if (s->reinv_queued) {
        s->reinv_cancel = true; /* its task has not run: it completes PARLEY_E_ABORTED */
        c->rc = 0;
    } else {
        c->rc = PARLEY_E_STATE; /* nothing to cancel (an UPDATE or a refresh is not ours to) */
    }
}

int parley_session_renegotiate_cancel(parley_session *s)
{
    if (!s)
        return PARLEY_E_INVAL;
    sess_call c = {s, cancel_on_loop, 0, NULL};
    return sess_run(s, &c);
}

/* ---- theirs ---- */

/* The peer's re-INVITE got its answer: the handle stays valid (answered) until the session is
 * freed, so that a late accept or decline (after a CANCEL, or a second one) is refused. */
static void retire_rin(parley_session *s)
{
    parley_reinvite *r = s->rin;
    if (!r)
        return;
    s->rin = NULL;
    r->answered = true;
    if (r->t)
        txn_server_set_tu(r->t, NULL, NULL);
    r->t = NULL;
    sip_msg_free(r->req);
    r->req = NULL;
    sess_reinvite_resume(s); /* ours may have waited for it */
}

void sess_reinvite_free_all(parley_session *s)
{
    while (s->lists && !pl_list_empty(&s->lists->rins)) {
        parley_reinvite *r = pl_container_of(s->lists->rins.next, parley_reinvite, link);
        pl_list_remove(&r->link);
        if (r->t)
            txn_server_set_tu(r->t, NULL, NULL);
        sip_msg_free(r->req);
        pl_free(r);
    }
    s->rin = NULL;
}

/* A response to their re-INVITE: h (the application's headers) merged with our capabilities
 * when it carries our Contact (2xx). */
static void respond(parley_session *s, txn_server *t, int code, const char *reason, const sip_kv *h,
                    size_t nh, pl_str extra, const sess_body *body, bool contact, pl_buf *out)
{
    txn_server_print_head(t, out, (unsigned)code, pl_str_c(reason), pl_str_c(s->dlg->local_tag));
    ep_print_server(s->ep, out, h, nh);
    if (contact) {
        const tp_rx *rx = txn_server_rx(t);
        pl_buf_puts(out, "Contact: ");
        ep_print_contact_for(s->ep, out, rx->proto, &rx->remote, s->dlg->secure);
        pl_buf_puts(out, "\r\n");
        sip_kv *owned; /* h but a Session-Expires, which the timer prints */
        size_t nprint = nh;
        const sip_kv *printed = sess_timer_2xx_headers(h, &nprint, &owned);
        sess_print_common(s, out, printed, nprint);
        pl_free(owned);
        /* the 2xx carries the session timer (RFC 4028 §9) */
        sess_timer_print_response(s, txn_server_request(t), out, h, nh);
    } else {
        sess_print_headers(s, out, h, nh);
    }
    pl_buf_put_str(out, extra);
    if (body && body->data)
        sip_print_body(out, pl_str_c(body->ctype), pl_str_make(body->data, body->len));
    else
        sip_print_body(out, PL_STR_NULL, PL_STR_NULL);
}

static void send_simple(parley_session *s, txn_server *t, int code, pl_str extra)
{
    pl_buf b;
    pl_buf_init(&b, 512);
    respond(s, t, code, NULL, NULL, 0, extra, NULL, false, &b);
    if (pl_buf_ok(&b))
        txn_server_respond(t, (unsigned)code, b.data, b.len);
    pl_buf_free(&b);
}

static void on_rin_cancel(void *tu, txn_server *t, sip_msg *cancel)
{
    parley_session *s = tu;
    (void)cancel;
    parley_reinvite *r = s->rin;
    if (!r || r->answered)
        return;
    r->answered = true;
    send_simple(s, t, 487, PL_STR_NULL);
    if (s->has_oa && s->oa->reinvite_cancelled && !s->released)
        s->oa->reinvite_cancelled(s, r, s->oa_user);
    retire_rin(s);
}

static const txn_server_cb rin_txn_cb = {NULL, on_rin_cancel, NULL};

static void accept_now(parley_session *s, parley_reinvite *r, const sip_kv *h, size_t nh,
                       sess_op *op);

void sess_on_reinvite(parley_session *s, txn_server *t, sip_msg *m)
{
    sess_note_peer(s, m);
    if ((s->reinv && !s->glare_waiting) || s->upd) {
        /* ours is pending (a re-INVITE, or an UPDATE: RFC 3311 §5.2): glare (RFC 3261 §14.2) */
        send_simple(s, t, 491, PL_STR_NULL);
        return;
    }
    if (sess_timer_check_request(s, m) == 422) {
        pl_buf x;
        pl_buf_init(&x, 32);
        sess_timer_print_min_se(s, &x);
        send_simple(s, t, 422, pl_buf_str(&x));
        pl_buf_free(&x);
        return;
    }
    /* §14.2: an INVITE transaction is not over: ours waits for our ACK (UAS), or our ACK for
     * their 2xx has not gone (UAC: deferred, or the answer it carries not ready) */
    bool unacked = !s->incoming && !s->acked;
    if (s->ok_pending || s->rin || unacked || s->state != PARLEY_STATE_CONNECTED) {
        char ra[40];
        snprintf(ra, sizeof(ra), "Retry-After: %u\r\n", (unsigned)pl_rand_below(11));
        send_simple(s, t, 500, pl_str_c(ra)); /* §14.2: an ACK or a re-INVITE is pending */
        return;
    }
    parley_reinvite *r = sess_lists_get(s) ? pl_calloc(1, sizeof(*r)) : NULL;
    if (!r) {
        send_simple(s, t, 500, PL_STR_NULL);
        return;
    }
    r->s = s;
    r->t = t;
    pl_list_init(&r->held);
    r->req = parley_msg_ref(m);
    r->had_offer = sess_msg_has_body(m);
    /* a session refresh (RFC 4028) repeats the description in force: answered with ours,
     * the application is not asked */
    unsigned se;
    sess_refresher who;
    r->refresh = (s->st_interval || sess_session_expires(m, &se, &who)) &&
                 ((r->had_offer && sess_same_desc(s, &s->remote_desc, m) && s->local_desc.data) ||
                  (!r->had_offer && !s->has_oa));
    pl_list_insert_tail(&s->lists->rins, &r->link);
    s->rin = r;
    txn_server_set_tu(t, &rin_txn_cb, s);
    parley_session_ref(s);
    if (s->has_oa && s->oa->offer_in_reinvite && !s->released && !r->refresh) {
        char ctype[256];
        parley_content offer;
        if (r->had_offer)
            sess_content_of(m, &offer, ctype, sizeof(ctype));
        r->in_callback = true;
        s->oa->offer_in_reinvite(s, r, r->had_offer ? &offer : NULL, s->oa_user);
        r->in_callback = false;
        sess_tasks_run_held(&r->held);
    }
    /* the default: accept */
    if (s->rin == r && !r->answered && !r->answering && !r->deferred)
        accept_now(s, r, NULL, 0, NULL);
    parley_session_unref(s);
}

void sess_reinvite_abort(parley_session *s)
{
    parley_reinvite *r = s->rin;
    s->glare_due = s->glare_waiting = false;
    if (r && !r->answered && r->t)
        send_simple(s, r->t, 487, PL_STR_NULL);
    retire_rin(s);
}

/* ---- the application's answers to their re-INVITE ---- */

/* 200 with our answer (or offer); op (may be NULL) completes on the ACK. */
static void accept_now(parley_session *s, parley_reinvite *r, const sip_kv *h, size_t nh,
                       sess_op *op)
{
    txn_server *t = r->t;
    sess_body body = {0};
    int refused = 0;
    sess_refusal why;
    sess_refusal_init(&why);
    if (r->refresh) {
        if (s->local_desc.data) {
            body.ctype = sess_ctype_dup(s->local_desc.ctype);
            body.data = pl_malloc(s->local_desc.len ? s->local_desc.len : 1);
            if (body.data)
                memcpy(body.data, s->local_desc.data, s->local_desc.len);
            body.len = s->local_desc.len;
        }
    } else {
        refused = r->had_offer ? sess_get_answer(s, r->req, &body, &why) : sess_get_offer(s, &body);
    }
    r->answered = true;
    if (refused) {
        /* the offer cannot be answered: 488 (415 for its content type), the dialog and the old
         * description survive */
        send_simple(s, t, why.code, sess_refusal_extra(&why));
        retire_rin(s);
        sess_op_complete(op, PARLEY_E_ABORTED, NULL);
        return;
    }
    pl_buf b;
    pl_buf_init(&b, 1024 + body.len);
    respond(s, t, 200, NULL, h, nh, PL_STR_NULL, &body, true, &b);
    bool offered = !r->had_offer && body.data;
    sess_body_free(&body);
    if (!pl_buf_ok(&b)) {
        pl_buf_free(&b);
        send_simple(s, t, 500, PL_STR_NULL);
        retire_rin(s);
        sess_op_complete(op, PARLEY_E_NOMEM, NULL);
        return;
    }
    dlg_refresh_target(s->dlg, r->req); /* a successful target refresh (RFC 3261 §12.2.2) */
    sess_note_remote_target(s, r->req);
    sess_send_2xx(s, t, &b, offered, op);
    pl_buf_free(&b);
    sess_timer_start_uas(s, r->req, h, nh);
    sip_msg_free(s->ok_req);
    s->ok_req = parley_msg_ref(r->req); /* for on_reinvite once the ACK came */
    s->ok_refresh = r->refresh;
    bool refresh = r->refresh;
    retire_rin(s);
    if (refresh && s->cbs->on_refresh && !s->released)
        s->cbs->on_refresh(s, "INVITE", 1, s->cbs_user);
}

/* The handle may be answered: it is the pending one, not answered or about to be, and the call
 * comes in the callback or after the deferral. */
static int answerable(parley_reinvite *r)
{
    parley_session *s = r->s;
    if (s->rin != r || r->answered || r->answering || s->released ||
        (!r->in_callback && !r->deferred))
        return PARLEY_E_STATE;
    return 0;
}

int parley_reinvite_defer(parley_reinvite *r)
{
    if (!r)
        return PARLEY_E_INVAL;
    if (!r->in_callback || r->deferred || r->answered || r->answering)
        return PARLEY_E_STATE;
    r->deferred = true;
    return 0;
}

const parley_msg *parley_reinvite_msg(const parley_reinvite *r)
{
    return r ? r->req : NULL;
}

static void accept_start(sess_op *op)
{
    parley_session *s = op->s;
    parley_reinvite *r = op->arg;
    if (s->rin != r || r->answered || s->state != PARLEY_STATE_CONNECTED) {
        sess_op_complete(op, PARLEY_E_STATE, NULL);
        return;
    }
    accept_now(s, r, op->hdrs, op->nh, op);
}

typedef struct rin_args {
    parley_reinvite *r;
    int code;
    const char *reason;
    const parley_header *h;
    size_t nh;
    const parley_content *body;
    parley_session_done_cb cb;
    void *user;
} rin_args;

static void accept_on_loop(sess_call *c)
{
    rin_args *a = c->args;
    parley_reinvite *r = a->r;
    c->rc = answerable(r);
    if (c->rc)
        return;
    sess_op *op = sess_op_new(c->s, OP_REINVITE_ACCEPT, a->cb, a->user);
    if (op)
        op->hdrs = ep_copy_headers(a->h, a->nh);
    if (!op || !op->hdrs) {
        if (op) {
            op->cb = NULL;
            sess_op_complete(op, 0, NULL);
        }
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    op->nh = a->nh;
    op->arg = r;
    r->answering = true;
    if (r->in_callback)
        sess_op_hold(op, &r->held, accept_start); /* goes as soon as the callback returned */
    else
        sess_op_queue(op, accept_start);
}

int parley_reinvite_accept(parley_reinvite *r, const parley_header *headers, size_t nheaders,
                           parley_session_done_cb cb, void *user)
{
    if (!r)
        return PARLEY_E_INVAL;
    int rc = sess_header_check(headers, nheaders);
    if (rc)
        return rc;
    rin_args a = {r, 200, NULL, headers, nheaders, NULL, cb, user};
    sess_call c = {r->s, accept_on_loop, 0, &a};
    return sess_run(r->s, &c);
}

/* A non-2xx answer to the re-INVITE (a rejection or a provisional) from a work item. */
static void answer_work(sess_work *w)
{
    parley_session *s = w->task.s;
    parley_reinvite *r = w->obj;
    if (s->rin != r || r->answered || !r->t)
        return;
    pl_buf b;
    pl_buf_init(&b, 512);
    respond(s, r->t, w->code, w->reason, w->hdrs, w->nh, PL_STR_NULL, &w->body, false, &b);
    if (pl_buf_ok(&b))
        txn_server_respond(r->t, (unsigned)w->code, b.data, b.len);
    pl_buf_free(&b);
    if (w->code >= 200) {
        r->answered = true;
        retire_rin(s);
    }
}

static void answer_on_loop(sess_call *c)
{
    rin_args *a = c->args;
    parley_reinvite *r = a->r;
    c->rc = answerable(r);
    if (c->rc)
        return;
    sess_work *w = sess_work_new(c->s, answer_work, a->h, a->nh);
    if (w) {
        w->obj = r;
        w->code = a->code;
        w->reason = a->reason ? pl_str_dup(pl_str_c(a->reason)) : NULL;
        if (a->body && a->body->body) {
            parley_content bc = *a->body;
            if (!bc.content_type)
                bc.content_type = "text/plain";
            w->body.ctype = sess_ctype_dup(bc.content_type);
            w->body.data = pl_malloc(bc.len ? bc.len : 1);
            if (w->body.data)
                memcpy(w->body.data, bc.body, bc.len);
            w->body.len = bc.len;
        }
    }
    if (!w || (a->reason && !w->reason) || (a->body && a->body->body && !w->body.data)) {
        sess_work_free(w);
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    if (a->code >= 200)
        r->answering = true;
    sess_work_queue(c->s, w, r->in_callback ? &r->held : NULL);
}

int parley_reinvite_reject(parley_reinvite *r, int code, const char *reason,
                           const parley_header *headers, size_t nheaders,
                           const parley_content *body)
{
    if (!r || (code && (code < 300 || code > 699)) || !ep_content_ok(body) ||
        (reason && !sip_header_value_ok(reason)))
        return PARLEY_E_INVAL;
    int rc = sess_header_check(headers, nheaders);
    if (rc)
        return rc;
    rin_args a = {r, code ? code : 488, reason, headers, nheaders, body, NULL, NULL};
    sess_call c = {r->s, answer_on_loop, 0, &a};
    return sess_run(r->s, &c);
}

int parley_reinvite_provisional(parley_reinvite *r, int code, const parley_header *headers,
                                size_t nheaders)
{
    if (!r || code < 101 || code > 199)
        return PARLEY_E_INVAL;
    int rc = sess_header_check(headers, nheaders);
    if (rc)
        return rc;
    rin_args a = {r, code, NULL, headers, nheaders, NULL, NULL, NULL};
    sess_call c = {r->s, answer_on_loop, 0, &a};
    return sess_run(r->s, &c);
}
