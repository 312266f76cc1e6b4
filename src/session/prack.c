/*
 * Reliable provisional responses (RFC 3262).
 *
 * UAS: a reliable 1xx carries Require: 100rel and an RSeq one higher than the last; it is
 * retransmitted at T1, doubling, until its PRACK (RAck = RSeq, CSeq, INVITE) arrives; the next
 * reliable 1xx and the 2xx wait for it (§3); after 64*T1 without PRACK the INVITE is answered
 * 504 and the session ends. An offer in a reliable 1xx is answered in its PRACK; a PRACK may
 * also bring a new offer, answered in its 200.
 *
 * UAC: each early dialog (fork) keeps the RSeq of the last reliable 1xx taken; a 1xx with the
 * next RSeq is taken and PRACKed (its answer to an offer in the 1xx rides in the PRACK), older
 * ones (retransmissions) and ones out of order are ignored (§4).
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/print.h"

/* ---- UAS ---- */

static void rel_free(sess_rel *r)
{
    if (!r)
        return;
    if (pl_list_linked(&r->link))
        pl_list_remove(&r->link);
    pl_buf_free(&r->resp);
    pl_free(r);
}

static void on_rel_timer(pl_timer *t, void *arg);

static void rel_transmit(parley_session *s, sess_rel *r)
{
    const txn_timers *tt = txn_layer_timers(s->ep->txn);
    if (s->inv_txn)
        txn_server_respond(s->inv_txn, (unsigned)r->code, r->resp.data, r->resp.len);
    s->prack->rel_out = r;
    s->prack->rel_interval = tt->t1;
    s->prack->rel_deadline = pl_loop_now(s->ep->loop) + 64ull * tt->t1;
    pl_loop_timer_start(s->ep->loop, &s->prack->rel_timer, tt->t1, on_rel_timer, s);
}

static void on_rel_timer(pl_timer *t, void *arg)
{
    (void)t;
    parley_session *s = arg;
    sess_rel *r = s->prack ? s->prack->rel_out : NULL;
    if (!r || !s->inv_txn)
        return;
    uint64_t now = pl_loop_now(s->ep->loop);
    if (now >= s->prack->rel_deadline) {
        /* no PRACK for 64*T1: the INVITE is rejected with a 5xx (§3) */
        parley_session_ref(s);
        sess_rel_stop(s);
        sess_uas_final(s, 504, NULL, NULL, 0, PL_STR_NULL);
        sess_final fin = {&s->prack->accept_waiting, PARLEY_E_TIMEOUT, NULL};
        sess_end_with(s, PARLEY_REASON_TIMEOUT, NULL, &fin, 1);
        parley_session_unref(s);
        return;
    }
    txn_server_respond(s->inv_txn, (unsigned)r->code, r->resp.data, r->resp.len);
    s->prack->rel_interval *= 2;
    uint64_t left = s->prack->rel_deadline - now;
    pl_loop_timer_start(s->ep->loop, &s->prack->rel_timer,
                        s->prack->rel_interval < left ? s->prack->rel_interval : left, on_rel_timer,
                        s);
}

int sess_rel_send(parley_session *s, int code, pl_buf *head, const sess_body *body, bool offered,
                  bool answered, const sip_kv *h, size_t nh)
{
    if (!s->prack) {
        s->prack = pl_calloc(1, sizeof(*s->prack));
        if (!s->prack)
            return PARLEY_E_NOMEM;
        pl_list_init(&s->prack->rel_queue);
        pl_timer_init(&s->prack->rel_timer);
    }
    sess_rel *r = pl_calloc(1, sizeof(*r));
    if (!r)
        return PARLEY_E_NOMEM;
    pl_list_init(&r->link);
    if (!s->prack->rseq_next)
        s->prack->rseq_next = 1 + (uint32_t)pl_rand_below(1u << 30); /* §3: 1 to 2^31-1 */
    r->code = code;
    r->rseq = s->prack->rseq_next++;
    r->offered = offered;
    r->answered = answered;
    pl_buf_init(&r->resp, head->len + 64 + (body ? body->len : 0));
    pl_buf_put(&r->resp, head->data, head->len);
    if (!sess_headers_list(h, nh, "Require", "100rel"))
        pl_buf_puts(&r->resp, "Require: 100rel\r\n");
    pl_buf_printf(&r->resp, "RSeq: %u\r\n", (unsigned)r->rseq);
    if (body && body->data)
        sip_print_body(&r->resp, pl_str_c(body->ctype), pl_str_make(body->data, body->len));
    else
        sip_print_body(&r->resp, PL_STR_NULL, PL_STR_NULL);
    if (!pl_buf_ok(&r->resp)) {
        rel_free(r);
        return PARLEY_E_NOMEM;
    }
    if (offered)
        s->early_offered = true;
    if (s->prack->rel_out)
        pl_list_insert_tail(&s->prack->rel_queue, &r->link); /* §3: one unacknowledged at a time */
    else
        rel_transmit(s, r);
    return 0;
}

bool sess_rel_busy(const parley_session *s)
{
    return s->prack && (s->prack->rel_out || !pl_list_empty(&s->prack->rel_queue));
}

void sess_rel_stop(parley_session *s)
{
    if (!s->prack)
        return;
    pl_loop_timer_stop(s->ep->loop, &s->prack->rel_timer);
    rel_free(s->prack->rel_out);
    s->prack->rel_out = NULL;
    while (!pl_list_empty(&s->prack->rel_queue))
        rel_free(pl_container_of(s->prack->rel_queue.next, sess_rel, link));
}

/* A 200 to the PRACK, with our answer when it brought a new offer. */
static void answer_prack(parley_session *s, txn_server *t, int code, pl_str extra,
                         const sess_body *body)
{
    pl_buf b;
    pl_buf_init(&b, 512);
    txn_server_print_head(t, &b, (unsigned)code, PL_STR_NULL, pl_str_c(s->dlg->local_tag));
    ep_print_server(s->ep, &b, NULL, 0);
    pl_buf_put_str(&b, extra);
    if (body && body->data)
        sip_print_body(&b, pl_str_c(body->ctype), pl_str_make(body->data, body->len));
    else
        sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    if (pl_buf_ok(&b))
        txn_server_respond(t, (unsigned)code, b.data, b.len);
    pl_buf_free(&b);
}

void sess_on_prack(parley_session *s, txn_server *t, sip_msg *m)
{
    uint32_t rseq, cseq;
    pl_str method;
    sess_rel *r = s->prack ? s->prack->rel_out : NULL;
    if (!sess_rack(m, &rseq, &cseq, &method) || !r || rseq != r->rseq || !s->inv_req ||
        cseq != s->inv_req->cseq.num || !pl_str_caseeq_lit(method, "INVITE")) {
        sess_answer(s, t, 481, NULL, PL_STR_NULL); /* §3: a PRACK that matches nothing */
        return;
    }
    parley_session_ref(s);
    pl_loop_timer_stop(s->ep->loop, &s->prack->rel_timer);
    s->prack->rel_out = NULL;
    sess_body ans = {0};
    sess_refusal why;
    sess_refusal_init(&why);
    int code = 200;
    if (r->offered) {
        /* our offer went in the 1xx: the PRACK brings the answer (RFC 3262 §5) */
        if (sess_msg_has_body(m))
            sess_set_answer(s, m);
        s->early_offered = false;
        s->early_offered_done = true;
    } else if (sess_msg_has_body(m)) {
        /* a new offer in the PRACK: answered in its 200 */
        if (sess_get_answer(s, m, &ans, &why) != 0)
            code = why.code;
    }
    answer_prack(s, t, code, sess_refusal_extra(&why), code == 200 ? &ans : NULL);
    sess_body_free(&ans);
    uint32_t acked = r->rseq;
    rel_free(r);
    if (s->cbs->on_prack && !s->released)
        s->cbs->on_prack(s, m, acked, s->cbs_user);
    /* the next reliable 1xx, or the 200 that waited */
    if (!pl_list_empty(&s->prack->rel_queue)) {
        sess_rel *next = pl_container_of(s->prack->rel_queue.next, sess_rel, link);
        pl_list_remove(&next->link);
        rel_transmit(s, next);
    } else if (s->prack->accept_waiting && s->state == PARLEY_STATE_INCOMING) {
        sess_op *op = s->prack->accept_waiting;
        s->prack->accept_waiting = NULL;
        int rc = sess_uas_accept(s, op, op->hdrs, op->nh);
        if (rc)
            sess_op_complete(op, rc, NULL);
    }
    parley_session_unref(s);
}

/* ---- UAC ---- */

static int build_prack(void *arg, const ep_attempt *a, sip_out *out)
{
    sess_op *op = arg;
    dlg *d = op->arg;
    if (!d)
        return PARLEY_E_STATE;
    char room[512];
    pl_buf x;
    pl_buf_init_on(&x, room, sizeof(room));
    sip_kv hroom[8], *owned;
    size_t nh;
    const sip_kv *h =
        sess_with_request_headers(op->s, op->hdrs, op->nh, false, hroom, 8, &owned, &nh);
    sess_print_headers(op->s, &x, h, nh);
    pl_free(owned);
    dlg_req r = {
        .method = "PRACK",
        .cseq = op->cseq,
        .via = a->via,
        .extra_raw = pl_buf_str(&x),
        .content_type = op->body ? pl_str_c(op->ctype) : PL_STR_NULL,
        .body = pl_str_make(op->body, op->len),
    };
    int rc = pl_buf_ok(&x) ? dlg_build_request(d, &r, out) : PARLEY_E_NOMEM;
    pl_buf_free(&x);
    return rc;
}

static void on_prack_response(void *arg, ep_sender *snd, sip_msg *m)
{
    (void)snd;
    if (m->status >= 200)
        sess_op_complete(arg, 0, m);
}

static void on_prack_fail(void *arg, ep_sender *snd, int err)
{
    (void)snd;
    sess_op_complete(arg, err, NULL);
}

/* A challenged PRACK goes again with its early dialog's next CSeq, the same RAck (RFC 3261
 * §22.2, RFC 3262 §7.2). */
static uint32_t prack_next_cseq(void *arg, uint32_t last)
{
    sess_op *op = arg;
    (void)last;
    return sess_op_next_cseq(op, op->arg);
}

static const ep_send_ops prack_ops = {build_prack, on_prack_response, on_prack_fail,
                                      prack_next_cseq};

void sess_uac_prack(parley_session *s, dlg *d, const sess_body *answer)
{
    uint32_t rseq = d->rseq;
    sess_op *op = sess_op_new(s, OP_PRACK, NULL, NULL);
    if (!op)
        return;
    char rack[64];
    snprintf(rack, sizeof(rack), "%u %u INVITE", (unsigned)rseq, (unsigned)s->inv_cseq);
    parley_header h = {"RAck", rack};
    op->hdrs = ep_copy_headers(&h, 1);
    op->nh = 1;
    op->arg = d;
    if (answer && answer->data) {
        op->ctype = sess_ctype_dup(answer->ctype);
        op->body = pl_malloc(answer->len ? answer->len : 1);
        if (op->body)
            memcpy(op->body, answer->data, answer->len);
        op->len = answer->len;
    }
    if (!op->hdrs || (answer && answer->data && (!op->ctype || !op->body))) {
        sess_op_complete(op, PARLEY_E_NOMEM, NULL);
        return;
    }
    op->cseq = ++d->local_cseq;
    char hop[512];
    sess_next_hop(s, d, hop, sizeof(hop));
    int rc = ep_sender_start(s->ep, hop, &prack_ops, op, &op->sender);
    if (rc)
        sess_op_complete(op, rc, NULL);
}

bool sess_uac_reliable(dlg *d, const sip_msg *m)
{
    uint32_t rseq;
    if (!d || !sess_rseq(m, &rseq))
        return false;
    if (d->rseq_set && rseq != d->rseq + 1)
        return false; /* a retransmission (already PRACKed), or one out of order (§4) */
    d->rseq = rseq;
    d->rseq_set = true;
    return true;
}

void sess_uac_drop_pracks(parley_session *s, dlg *d)
{
    /* the early dialog goes: so do the PRACKs that would be built from it */
    for (;;) {
        sess_op *victim = NULL;
        pl_list_each(pos, &s->ops)
        {
            sess_op *op = pl_container_of(pos, sess_op, link);
            if (op->kind == OP_PRACK && op->arg == d) {
                victim = op;
                break;
            }
        }
        if (!victim)
            return;
        victim->arg = NULL;
        sess_op_complete(victim, PARLEY_E_TERMINATED, NULL);
    }
}
