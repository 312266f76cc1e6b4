/*
 * UPDATE (RFC 3311): renegotiation without touching the INVITE state, in early and confirmed
 * dialogs, and the session refresh of RFC 4028 when the peer allows it.
 *
 * Ours: an offer from get_offer (a refresh carries none), a 2xx brings the answer (set_answer),
 * a 491 is retried once after the RFC 3261 §14.1 wait; 481, 408, no answer and a transport error
 * end the session (sess_dialog_gone).
 * Theirs: an offer while ours is outstanding (an UPDATE's, a re-INVITE's, or in an early dialog
 * the INVITE's or a reliable 1xx's) gets 491; while their re-INVITE's or INVITE's offer waits
 * for our answer, 500 with Retry-After (§5.2); otherwise get_answer answers it in the 200 (488 on
 * refusal); without a body it is a refresh.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/print.h"

/* The dialog an UPDATE goes in: the confirmed one, else (early) the one our offer/answer was
 * done with. */
static dlg *update_dialog(parley_session *s)
{
    if (s->dlg || !s->uac)
        return s->dlg;
    pl_list_each(pos, &s->uac->early)
    {
        dlg *d = pl_container_of(pos, dlg, link);
        if (s->answer_tag && !strcmp(d->remote_tag, s->answer_tag))
            return d;
    }
    return NULL;
}

static int build_update(void *arg, const ep_attempt *a, sip_out *out)
{
    sess_op *op = arg;
    dlg *d = update_dialog(op->s);
    if (!d)
        return PARLEY_E_STATE;
    return sess_build_offer_request(op->s, d, "UPDATE", op->cseq, op, a, out);
}

static void on_update_response(void *arg, ep_sender *snd, sip_msg *m);
static void on_update_fail(void *arg, ep_sender *snd, int err);

/* A challenged UPDATE goes again with its dialog's next CSeq (RFC 3261 §12.2.1.1, §22.2). */
static uint32_t update_next_cseq(void *arg, uint32_t last)
{
    sess_op *op = arg;
    (void)last;
    return sess_op_next_cseq(op, update_dialog(op->s));
}

static const ep_send_ops update_ops = {build_update, on_update_response, on_update_fail,
                                       update_next_cseq};

static int send_update(parley_session *s, sess_op *op)
{
    dlg *d = update_dialog(s);
    if (!d)
        return PARLEY_E_STATE;
    if (op->sender) {
        ep_sender_release(op->sender);
        op->sender = NULL;
    }
    op->cseq = ++d->local_cseq;
    char hop[512];
    sess_next_hop(s, d, hop, sizeof(hop));
    return ep_sender_start(s->ep, hop, &update_ops, op, &op->sender);
}

int sess_update_start(parley_session *s, sess_op *op)
{
    if (op->kind != OP_REFRESH) {
        sess_body offer;
        if (sess_get_offer(s, &offer) != 0)
            return PARLEY_E_ABORTED;
        if (!offer.data)
            return PARLEY_E_STATE; /* an UPDATE for renegotiation carries an offer */
        op->ctype = offer.ctype;
        op->body = offer.data;
        op->len = offer.len;
        s->our_offer_pending = true;
    }
    op->method = "UPDATE";
    s->upd = op;
    s->upd_retried = false;
    s->st_retried = false; /* each request may be retried once after 422 (RFC 4028 §7.4) */
    int rc = send_update(s, op);
    if (rc) {
        s->upd = NULL;
        s->our_offer_pending = false;
    }
    return rc;
}

static void on_glare_timer(pl_timer *t, void *arg)
{
    (void)t;
    parley_session *s = arg;
    sess_op *op = s->upd;
    if (!op)
        return;
    int rc = send_update(s, op);
    if (rc)
        sess_op_complete(op, rc, NULL);
}

static void update_done(parley_session *s, sess_op *op, int err, const sip_msg *m)
{
    bool refresh = op->kind == OP_REFRESH;
    s->upd = NULL;
    if (!refresh)
        s->our_offer_pending = false;
    sess_op_complete(op, err, m);
    if (refresh)
        sess_timer_refresh_done(s, !err && m && m->status < 300);
}

static void on_update_response(void *arg, ep_sender *snd, sip_msg *m)
{
    sess_op *op = arg;
    parley_session *s = op->s;
    (void)snd;
    if (m->status < 200)
        return;
    parley_session_ref(s);
    sess_note_peer(s, m);
    if (m->status < 300) {
        dlg *d = update_dialog(s);
        if (d) {
            dlg_refresh_target(d, m);
            if (d == s->dlg)
                sess_note_remote_target(s, m);
        }
        bool unanswered = sess_offer_unanswered(op, m); /* (SIPp's -aa: a bare 200) */
        if (op->kind != OP_REFRESH)
            sess_set_answer(s, m);
        sess_timer_on_response(s, m, false);
        update_done(s, op, unanswered ? PARLEY_E_UNUSABLE : 0, m);
    } else if (m->status == 491 && !s->upd_retried && sess_timer_slot(&s->upd_glare)) {
        /* glare (RFC 3311 §5.2): again after RFC 3261 §14.1's wait */
        s->upd_retried = true;
        uint64_t wait = s->incoming ? pl_rand_below(201) * 10 : 2100 + pl_rand_below(191) * 10;
        pl_loop_timer_start(s->ep->loop, s->upd_glare, wait, on_glare_timer, s);
    } else if (m->status == 422 && sess_timer_on_422(s, m)) {
        int rc = send_update(s, op); /* a larger interval (RFC 4028 §7.4) */
        if (rc)
            update_done(s, op, rc, NULL);
    } else {
        update_done(s, op, 0, m);
        if (m->status != 408 || s->state == PARLEY_STATE_CONNECTED)
            sess_dialog_gone(s, m, 0); /* (an early UPDATE's 408 leaves the INVITE to go on) */
    }
    parley_session_unref(s);
}

static void on_update_fail(void *arg, ep_sender *snd, int err)
{
    sess_op *op = arg;
    parley_session *s = op->s;
    (void)snd;
    parley_session_ref(s);
    update_done(s, op, err, NULL);
    if (s->state == PARLEY_STATE_CONNECTED) /* (an early UPDATE's failure leaves the INVITE) */
        sess_dialog_gone(s, NULL, err);
    parley_session_unref(s);
}

void sess_update_abort(parley_session *s)
{
    if (s->upd_glare)
        pl_loop_timer_stop(s->ep->loop, s->upd_glare);
}

/* ---- theirs ---- */

static void respond(parley_session *s, dlg *d, txn_server *t, int code, const sip_msg *req,
                    pl_str extra, const sess_body *body)
{
    pl_buf b;
    pl_buf_init(&b, 768 + (body ? body->len : 0));
    txn_server_print_head(t, &b, (unsigned)code, PL_STR_NULL, pl_str_c(d->local_tag));
    ep_print_server(s->ep, &b, NULL, 0);
    if (code >= 200 && code < 300) {
        const tp_rx *rx = txn_server_rx(t);
        pl_buf_puts(&b, "Contact: ");
        ep_print_contact_for(s->ep, &b, rx->proto, &rx->remote,
                             d->secure || req->ruri.kind == SIP_URI_SIPS);
        pl_buf_puts(&b, "\r\n");
        sess_print_common(s, &b, NULL, 0);
        sess_timer_print_response(s, req, &b, NULL, 0);
    }
    pl_buf_put_str(&b, extra);
    if (body && body->data)
        sip_print_body(&b, pl_str_c(body->ctype), pl_str_make(body->data, body->len));
    else
        sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    if (pl_buf_ok(&b))
        txn_server_respond(t, (unsigned)code, b.data, b.len);
    pl_buf_free(&b);
}

/* Where the INVITE's own offer/answer stands while it is unanswered (RFC 3311 §5.2 counts
 * offers in the INVITE and a reliable 1xx, not only those of UPDATEs and re-INVITEs). */
typedef enum initial_oa {
    INITIAL_DONE = 0, /* complete (or never started): an UPDATE's offer may come */
    INITIAL_OURS,     /* our offer (INVITE, or a reliable 1xx) waits for its answer: 491 */
    INITIAL_THEIRS,   /* their INVITE's offer waits for our answer: 500 with Retry-After */
} initial_oa;

static initial_oa initial_oa_state(const parley_session *s)
{
    if (s->incoming) {
        if (!s->inv_txn || !s->inv_req) /* the INVITE was answered */
            return INITIAL_DONE;
        if (sess_msg_has_body(s->inv_req))
            return s->early_answered ? INITIAL_DONE : INITIAL_THEIRS;
        return s->early_offered ? INITIAL_OURS : INITIAL_DONE;
    }
    bool early = s->state == PARLEY_STATE_CONNECTING || s->state == PARLEY_STATE_ALERTED;
    return early && s->uac && s->uac->inv_offer && !s->answer_seen ? INITIAL_OURS : INITIAL_DONE;
}

void sess_on_update(parley_session *s, dlg *d, txn_server *t, sip_msg *m)
{
    parley_session_ref(s);
    sess_note_peer(s, m);
    bool offer = sess_msg_has_body(m);
    /* one without a new offer is a session refresh (RFC 4028 §7) */
    bool same = !offer || sess_same_desc(s, &s->remote_desc, m);
    if (sess_timer_check_request(s, m) == 422) {
        pl_buf x;
        pl_buf_init(&x, 32);
        sess_timer_print_min_se(s, &x);
        respond(s, d, t, 422, m, pl_buf_str(&x), NULL);
        pl_buf_free(&x);
    } else if (offer && (s->our_offer_pending || initial_oa_state(s) == INITIAL_OURS)) {
        respond(s, d, t, 491, m, PL_STR_NULL, NULL); /* offers crossed (§5.2) */
    } else if (offer && ((s->rin && s->rin->had_offer && !s->rin->answered) ||
                         initial_oa_state(s) == INITIAL_THEIRS)) {
        char ra[40];
        snprintf(ra, sizeof(ra), "Retry-After: %u\r\n", (unsigned)pl_rand_below(11));
        respond(s, d, t, 500, m, pl_str_c(ra), NULL); /* their re-INVITE's offer waits */
    } else {
        sess_body ans = {0};
        sess_refusal why;
        int refused = offer ? sess_get_answer(s, m, &ans, &why) : 0;
        if (refused) {
            respond(s, d, t, why.code, m, sess_refusal_extra(&why), NULL);
        } else {
            dlg_refresh_target(d, m); /* a target refresh (RFC 3311 §5.2) */
            if (d == s->dlg)
                sess_note_remote_target(s, m);
            respond(s, d, t, 200, m, PL_STR_NULL, &ans);
            if (s->state == PARLEY_STATE_CONNECTED)
                sess_timer_start_uas(s, m, NULL, 0);
            sess_body_free(&ans);
            if (s->cbs->on_update && !s->released)
                s->cbs->on_update(s, m, offer, s->cbs_user);
            if (same && s->st_interval && s->cbs->on_refresh && !s->released)
                s->cbs->on_refresh(s, "UPDATE", 1, s->cbs_user);
        }
    }
    parley_session_unref(s);
}
