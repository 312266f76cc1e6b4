/*
 * The incoming INVITE (RFC 3261 §13.3): the session handed to the application in state
 * Incoming, provisional responses (with early media), the 200 retransmitted by the UAS core
 * until the ACK (T1 doubling to T2, given up after 64*T1 with a BYE), rejection, redirection,
 * and the caller's CANCEL.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/print.h"
#include "sip/uri.h"

/* ---- responses to the INVITE ---- */

/* The head of a response to the INVITE; with contact (1xx, 2xx): our Contact, capabilities and
 * the application's headers h; without: h as they are. */
static void print_response_fresh(parley_session *s, txn_server *t, pl_buf *b, int code,
                                 const char *reason, bool contact, const sip_kv *h, size_t nh);

/*
 * The 180 and the 200 of an INVITE have the same head after their status lines (Via, From, To
 * with our tag, Call-ID, CSeq, Record-Route, Server, Contact, Allow, Supported) when the
 * application adds no header: the first one's is kept and the next one only copies it.
 */
static void print_response(parley_session *s, txn_server *t, pl_buf *b, int code,
                           const char *reason, bool contact, const sip_kv *h, size_t nh)
{
    bool same_head = contact && code > 100 && code < 300 && nh == 0;
    if (same_head && s->head_txn == t && s->head) {
        sip_print_status_line(b, (unsigned)code,
                              pl_str_c(reason ? reason : sip_reason_phrase((unsigned)code)));
        pl_buf_put(b, s->head->data, s->head->len);
        return;
    }
    size_t start = b->len;
    print_response_fresh(s, t, b, code, reason, contact, h, nh);
    if (!same_head || !pl_buf_ok(b))
        return;
    const char *eol = memchr(b->data + start, '\n', b->len - start);
    if (eol && sess_resend_set(&s->head, NULL, eol + 1, (size_t)(b->data + b->len - eol - 1)))
        s->head_txn = t;
}

static void print_response_fresh(parley_session *s, txn_server *t, pl_buf *b, int code,
                                 const char *reason, bool contact, const sip_kv *h, size_t nh)
{
    /* our tag, and our epid beside it (MS-SIPRE), as in the dialog's local To value */
    const sip_msg *req = txn_server_request(t);
    char tag_room[160];
    pl_buf tag;
    pl_buf_init_on(&tag, tag_room, sizeof(tag_room));
    pl_buf_puts(&tag, s->dlg->local_tag);
    if (!req->to || !pl_str_set(req->to->epid)) {
        pl_buf_put_lit(&tag, ";epid=");
        pl_buf_puts(&tag, s->ep->epid);
    }
    txn_server_print_head(t, b, (unsigned)code, pl_str_c(reason),
                          code > 100 ? pl_buf_str(&tag) : PL_STR_NULL);
    pl_buf_free(&tag);
    if (code > 100 && code < 300) {
        /* a response that makes a dialog copies the Record-Route (RFC 3261 §12.1.1) */
        for (const sip_hdr *rr = sip_hdr_first(req, SIP_H_RECORD_ROUTE); rr;
             rr = sip_hdr_next(req, rr))
            sip_print_header(b, PL_STR_LIT("Record-Route"), rr->value);
    }
    ep_print_server(s->ep, b, h, nh);
    if (contact) {
        const tp_rx *rx = txn_server_rx(t);
        char c_room[256];
        pl_buf c;
        pl_buf_init_on(&c, c_room, sizeof(c_room));
        /* sips as RFC 3261 §12.1.1 says (dlg_request_secure) */
        ep_print_contact_for(s->ep, &c, rx->proto, &rx->remote, dlg_request_secure(req));
        pl_buf_terminate(&c);
        if (pl_buf_ok(&c))
            sess_set_local_contact(s, c.data);
        pl_buf_put_lit(b, "Contact: ");
        pl_buf_put_str(b, pl_buf_str(&c));
        pl_buf_put_lit(b, "\r\n");
        pl_buf_free(&c);
        sess_print_common(s, b, h, nh);
    } else {
        sess_print_headers(s, b, h, nh);
    }
    if (code > 100)
        s->to_tag_known = true;
}

static void print_body(pl_buf *b, const sess_body *body)
{
    if (body && body->data)
        sip_print_body(b, pl_str_c(body->ctype), pl_str_make(body->data, body->len));
    else
        sip_print_body(b, PL_STR_NULL, PL_STR_NULL);
}

int sess_uas_final(parley_session *s, int code, const char *reason, const sip_kv *h, size_t nh,
                   pl_str extra_raw)
{
    txn_server *t = s->inv_txn;
    if (!t)
        return PARLEY_E_STATE;
    char room[1536];
    pl_buf b;
    pl_buf_init_on(&b, room, sizeof(room));
    /* a 3xx lists the alternatives as its Contacts (extra_raw), never this endpoint */
    print_response(s, t, &b, code, reason, code < 300, h, nh);
    pl_buf_put_str(&b, extra_raw);
    print_body(&b, NULL);
    int rc = pl_buf_ok(&b) ? txn_server_respond(t, (unsigned)code, b.data, b.len) : PARLEY_E_NOMEM;
    pl_buf_free(&b);
    txn_server_set_tu(t, NULL, NULL);
    s->inv_txn = NULL;
    sess_resend_free(&s->head); /* the next INVITE transaction prints its own */
    sess_rel_stop(s);           /* a final answer ends the reliable provisionals too */
    return rc;
}

/* Whether a 1xx with these flags goes reliably (RFC 3262): when asked, for early media to a
 * caller that supports it, and always under a REQUIRED policy. */
bool sess_uas_reliable(const parley_session *s, unsigned flags)
{
    if (s->rel100 == PARLEY_100REL_UNSUPPORTED || !s->peer_100rel)
        return false;
    /* an INVITE that requires 100rel gets every non-100 provisional reliably (RFC 3262 §3) */
    return (flags & (PARLEY_PROV_RELIABLE | PARLEY_PROV_EARLY_MEDIA)) ||
           s->rel100 == PARLEY_100REL_REQUIRED ||
           sess_has_option(s->inv_req, SIP_H_REQUIRE, "100rel");
}

int sess_uas_provisional(parley_session *s, int code, const char *reason, const sip_kv *h,
                         size_t nh, unsigned flags, sess_refusal *why)
{
    txn_server *t = s->inv_txn;
    if (!t)
        return PARLEY_E_STATE;
    sess_body ans = {0};
    bool media = (flags & PARLEY_PROV_EARLY_MEDIA) && s->has_oa;
    bool reliable = sess_uas_reliable(s, flags);
    bool offered = false;
    if (reliable && s->has_oa && !sess_msg_has_body(s->inv_req) && !s->early_offered_done)
        media = true; /* an INVITE without offer: the first reliable 1xx carries ours (RFC 3261
                       * §13.2.1, RFC 3262 §5), early media asked for or not */
    if (media && !sess_msg_has_body(s->inv_req)) {
        /* our offer in the 1xx: only reliably, and only once (RFC 3262 §5) */
        if (!reliable)
            return PARLEY_E_UNSUPPORTED;
        if (s->early_offered || s->early_answered)
            media = false;
        else if (sess_get_offer(s, &ans) != 0) {
            sess_refusal_init(why);
            return PARLEY_E_ABORTED;
        }
        offered = media && ans.data;
        media = offered;
    } else if (media) {
        if (!s->early_answered) {
            if (sess_get_answer(s, s->inv_req, &ans, why) != 0)
                return PARLEY_E_ABORTED;
            if (ans.data) {
                s->early_answer = ans; /* kept for the 200 to repeat (not freed below) */
                s->early_answered = true;
            }
        } else {
            ans = s->early_answer;
        }
    }
    char room[2048];
    pl_buf b;
    pl_buf_init_on(&b, room, sizeof(room));
    print_response(s, t, &b, code, reason, true, h, nh);
    int rc;
    if (reliable) {
        rc = pl_buf_ok(&b) ? sess_rel_send(s, code, &b, media ? &ans : NULL, offered,
                                           media && !offered, h, nh)
                           : PARLEY_E_NOMEM;
        if (!rc && media && !offered)
            s->early_reliable = true; /* the answer went reliably: the 200 repeats nothing */
    } else {
        print_body(&b, media ? &ans : NULL);
        rc = pl_buf_ok(&b) ? txn_server_respond(t, (unsigned)code, b.data, b.len) : PARLEY_E_NOMEM;
    }
    pl_buf_free(&b);
    if (media && ans.data != s->early_answer.data)
        sess_body_free(&ans);
    return rc;
}

/* ---- the 2xx and its retransmission until the ACK ---- */

static void on_ok_timer(pl_timer *tm, void *arg)
{
    (void)tm;
    parley_session *s = arg;
    if (!s->ok_pending)
        return;
    pl_loop *loop = s->ep->loop;
    if (pl_loop_now(loop) >= s->ok_deadline) {
        /* no ACK for 64*T1: the dialog is confirmed but the session ends (§13.3.1.4) */
        s->ok_pending = false;
        sess_send_bye(s, NULL, 0, NULL);
        sess_final fin = {&s->ok_op, PARLEY_E_TIMEOUT, NULL};
        sess_end_with(s, PARLEY_REASON_TIMEOUT, NULL, &fin, 1);
        return;
    }
    if (s->ok)
        tp_send(s->ep->tp, &s->ok->dest, s->ok->data, s->ok->len, NULL);
    const txn_timers *tt = txn_layer_timers(s->ep->txn);
    s->ok_interval = s->ok_interval * 2 < tt->t2 ? s->ok_interval * 2 : tt->t2;
    uint64_t left = s->ok_deadline - pl_loop_now(loop);
    pl_loop_timer_start(loop, &s->ok_timer, s->ok_interval < left ? s->ok_interval : left,
                        on_ok_timer, s);
}

void sess_send_2xx(parley_session *s, txn_server *t, pl_buf *resp, bool offered, sess_op *op)
{
    const txn_timers *tt = txn_layer_timers(s->ep->txn);
    /* what the retransmissions need, before the transaction may let its request go */
    tp_dest d;
    txn_response_dest(txn_server_request(t), txn_server_rx(t), &d);
    sess_resend_set(&s->ok, &d, resp->data, resp->len);
    s->ok_cseq = txn_server_request(t)->cseq.num;
    txn_server_respond(t, 200, resp->data, resp->len);
    s->ok_interval = tt->t1;
    s->ok_deadline = pl_loop_now(s->ep->loop) + 64ull * tt->t1;
    s->ok_pending = true;
    s->ok_offered = offered;
    s->ok_op = op;
    pl_loop_timer_start(s->ep->loop, &s->ok_timer, tt->t1, on_ok_timer, s);
}

void sess_stop_2xx(parley_session *s)
{
    s->ok_pending = false;
    pl_loop_timer_stop(s->ep->loop, &s->ok_timer);
    sess_resend_free(&s->ok); /* its ACK came (or never will): nothing kept while it lasts */
}

void sess_on_ack(parley_session *s, sip_msg *ack)
{
    if (!s->ok_pending || ack->cseq.num != s->ok_cseq)
        return; /* a retransmitted ACK, or one for an older 2xx */
    sess_stop_2xx(s);
    parley_session_ref(s);
    sess_op *op = s->ok_op;
    bool initial = s->state == PARLEY_STATE_CONNECTING;
    if (s->ok_offered) {
        if (!sess_msg_has_body(ack) && s->has_oa && s->oa->set_answer) {
            /* we offered in the 2xx and the ACK brought no answer: the session cannot stand */
            sess_send_bye(s, NULL, 0, NULL);
            sess_final fin = {&s->ok_op, PARLEY_E_FAILURE_RESPONSE, ack};
            sess_end_with(s, PARLEY_REASON_NOT_ACCEPTABLE_MEDIA, ack, &fin, 1);
            parley_session_unref(s);
            return;
        }
        sess_set_answer(s, ack);
    }
    if (initial)
        sess_set_state(s, PARLEY_STATE_CONNECTED, PARLEY_REASON_NONE, ack);
    if (s->cbs->on_completed && !s->released)
        s->cbs->on_completed(s, ack, s->cbs_user);
    if (!initial && s->cbs->on_reinvite && s->ok_req && !s->ok_refresh && !s->released)
        s->cbs->on_reinvite(s, s->ok_req, s->cbs_user); /* the re-INVITE, handled */
    sip_msg_free(s->ok_req);
    s->ok_req = NULL;
    sess_op_complete(op, 0, ack);
    if (s->terminate && s->state == PARLEY_STATE_CONNECTED) {
        /* terminate was called while our 200 waited for this ACK */
        sess_op *t = s->terminate;
        sess_send_bye(s, t->hdrs, t->nh, t);
        sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
    }
    sess_reinvite_resume(s); /* our re-INVITE may have waited for this INVITE to finish */
    parley_session_unref(s);
}

/* ---- accepting ---- */

/* The offer of the INVITE cannot be answered: 488 Not Acceptable Here (or 415 for a content
 * type the contract does not take), and the session ends. */
static void refuse_offer(parley_session *s, sess_op *op, const sess_refusal *why)
{
    sess_uas_final(s, why->code, NULL, NULL, 0, sess_refusal_extra(why));
    s->participate = op;
    sess_final fin = {&s->participate, PARLEY_E_ABORTED, NULL};
    sess_end_with(s, PARLEY_REASON_NOT_ACCEPTABLE_MEDIA, NULL, &fin, 1);
}

int sess_uas_accept(parley_session *s, sess_op *op, const sip_kv *kv, size_t nh)
{
    txn_server *t = s->inv_txn;
    if (!t)
        return PARLEY_E_STATE;
    if (sess_replaces_lost(s)) {
        /* the dialog this INVITE replaces ended meanwhile: declined, as a match on a terminated
         * dialog is (RFC 3891 §3) */
        sess_uas_final(s, 603, NULL, NULL, 0, PL_STR_NULL);
        s->participate = op;
        sess_final fin = {&s->participate, PARLEY_E_TERMINATED, NULL};
        sess_end_with(s, PARLEY_REASON_DECLINED, NULL, &fin, 1);
        return 0;
    }
    if (sess_rel_busy(s)) {
        /* the 200 waits until every reliable 1xx is PRACKed (RFC 3262 §3) */
        s->participate = op;
        s->prack->accept_waiting = op; /* sess_rel_busy: it exists */
        return 0;
    }
    sess_body body = {0};
    bool offered = false, kept = false; /* kept: body is the session's local_desc */
    int refused = 0;
    sess_refusal why;
    sess_refusal_init(&why);
    if (s->early_reliable || s->early_offered_done) {
        /* the offer/answer was done in a reliable 1xx and its PRACK: nothing to repeat */
    } else if (sess_msg_has_body(s->inv_req)) {
        if (s->early_answered) {
            body.ctype = sess_ctype_dup(s->early_answer.ctype);
            body.data = pl_malloc(s->early_answer.len);
            if (body.data)
                memcpy(body.data, s->early_answer.data, s->early_answer.len);
            body.len = s->early_answer.len;
        } else {
            refused = sess_get_answer_kept(s, s->inv_req, &body, &why);
            kept = true;
        }
    } else {
        refused = sess_get_offer(s, &body);
        offered = body.data != NULL;
    }
    if (refused) {
        refuse_offer(s, op, &why);
        return 0;
    }
    char room[2048];
    pl_buf b;
    pl_buf_init_on(&b, room, sizeof(room)); /* a larger body moves it to the heap */
    sip_kv *owned; /* the application's headers but Session-Expires, which the timer prints */
    size_t nprint = nh;
    const sip_kv *printed = sess_timer_2xx_headers(kv, &nprint, &owned);
    print_response(s, t, &b, 200, NULL, true, printed, nprint);
    pl_free(owned);
    sess_timer_print_response(s, s->inv_req, &b, kv, nh);
    print_body(&b, &body);
    if (!kept)
        sess_body_free(&body);
    if (!pl_buf_ok(&b)) {
        pl_buf_free(&b);
        return PARLEY_E_NOMEM;
    }
    s->participate = op;
    txn_server_set_tu(t, NULL, NULL);
    s->inv_txn = NULL;
    sess_resend_free(&s->head); /* the next INVITE transaction prints its own */
    sess_set_state(s, PARLEY_STATE_CONNECTING, PARLEY_REASON_NONE, NULL);
    sess_send_2xx(s, t, &b, offered, op);
    pl_buf_free(&b);
    sess_replaces_accepted(s); /* the 200 went: the session it replaces ends (RFC 3891 §3) */
    sess_timer_start_uas(s, s->inv_req, kv, nh); /* the 2xx sets the session timer (RFC 4028 §9) */
    /* answered: the INVITE is not needed any more (a held session keeps no copy of it) */
    sip_msg_free(s->inv_req);
    s->inv_req = NULL;
    return 0;
}

/* ---- the caller's CANCEL and the transaction's failures ---- */

static void on_inv_cancel(void *tu, txn_server *t, sip_msg *cancel)
{
    parley_session *s = tu;
    (void)t;
    if (s->state != PARLEY_STATE_INCOMING)
        return;
    parley_session_ref(s);
    sess_uas_final(s, 487, NULL, NULL, 0, PL_STR_NULL);
    s->remote_ending = true;
    if (s->cbs->on_remote_end && !s->released)
        s->cbs->on_remote_end(s, cancel, s->cbs_user);
    sess_end(s, PARLEY_REASON_CANCELED, cancel);
    parley_session_unref(s);
}

static void on_inv_fail(void *tu, txn_server *t, int err)
{
    parley_session *s = tu;
    (void)t;
    (void)err;
    s->inv_txn = NULL;
    sess_resend_free(&s->head); /* the next INVITE transaction prints its own */
}

static const txn_server_cb inv_txn_cb = {on_inv_fail, on_inv_cancel, NULL};

/* The INVITE's Expires ran out with no final response: 487 (RFC 3261 §13.3.1.1), as if the
 * caller had CANCELled. */
static void on_inv_expired(pl_timer *tm, void *arg)
{
    parley_session *s = arg;
    (void)tm;
    if (s->state != PARLEY_STATE_INCOMING || !s->inv_txn)
        return;
    parley_session_ref(s);
    sess_uas_final(s, 487, NULL, NULL, 0, PL_STR_NULL);
    sess_end(s, PARLEY_REASON_CANCELED, NULL);
    parley_session_unref(s);
}

/* ---- a new incoming INVITE ---- */

static bool same_request(const parley_session *s, const void *key)
{
    const sip_msg *m = key;
    return s->incoming && s->remote_tag && pl_str_eq(pl_str_c(s->remote_tag), m->from->tag) &&
           s->inv_cseq == m->cseq.num;
}

static bool merged_request(sess_registry *reg, const sip_msg *m)
{
    /* RFC 3261 §8.2.2.2: the same From tag, Call-ID and CSeq on another branch */
    return sess_find_by_call_id(reg, m->call_id, same_request, m) != NULL;
}

/* Room for the strings this INVITE gives its session (each with its NUL): the pool is sized to
 * them, not to the longest there could be; a longer value later goes to the heap. */
static size_t pool_for(const parley_endpoint *ep, const sip_msg *m)
{
    size_t n = m->call_id.len + EP_TAG_LEN + m->from->tag.len + m->to->uri.raw.len +
               m->ruri.raw.len + m->from->uri.raw.len + m->from->display.len + m->from->epid.len +
               10;
    n += strlen(ep->epid) + (ep->display ? strlen(ep->display) : 0);
    if (m->contact)
        n += m->contact->uri.raw.len;
    return n + 8; /* a display name printed back may gain quotes and escapes */
}

void sess_on_invite(parley_endpoint *ep, txn_server *t, sip_msg *m, const tp_rx *rx)
{
    sess_registry *reg = ep->sessions;
    if (!reg || !reg->on_session) {
        ep_reply(ep, t, 480, NULL, PL_STR_NULL);
        return;
    }
    if (merged_request(reg, m)) {
        ep_reply(ep, t, 482, NULL, PL_STR_NULL);
        return;
    }
    /* the endpoint's extension policy, before any session exists (RFC 3262, RFC 4028) */
    const parley_endpoint_config *cfg = &ep->cfg;
    bool caller_100rel = sess_has_option(m, SIP_H_SUPPORTED, "100rel") ||
                         sess_has_option(m, SIP_H_REQUIRE, "100rel");
    if (cfg->rel100 == PARLEY_100REL_UNSUPPORTED && sess_has_option(m, SIP_H_REQUIRE, "100rel")) {
        ep_reply(ep, t, 420, NULL, PL_STR_LIT("Unsupported: 100rel\r\n"));
        return;
    }
    if (cfg->rel100 == PARLEY_100REL_REQUIRED && !caller_100rel) {
        ep_reply(ep, t, 421, NULL, PL_STR_LIT("Require: 100rel\r\n"));
        return;
    }
    if (!sess_accepts_sdp(m)) {
        /* every answer a session could give (an answer, or an offer in the 2xx) is SDP: 406
         * (RFC 3261 §21.4.7; RFC 4475 §3.3.15, sdp01) */
        ep_reply(ep, t, 406, NULL, PL_STR_NULL);
        return;
    }
    parley_session *replaced;
    int status = sess_replaces_match(reg, m, &replaced);
    if (status) {
        ep_reply(ep, t, (unsigned)status, NULL, PL_STR_NULL);
        return;
    }
    parley_session *s = sess_alloc(ep, pool_for(ep, m)); /* its reference is the registry's */
    if (!s) {
        ep_reply(ep, t, 500, NULL, PL_STR_NULL);
        return;
    }
    s->reg = reg;
    s->incoming = true;
    s->forked = ep_retargeted(ep, m); /* a proxy retargeted it to this contact: maybe forked */
    s->state = PARLEY_STATE_INCOMING;
    char tag[EP_TAG_LEN + 1];
    ep_new_tag(tag);
    s->call_id = sess_strdup(s, m->call_id);
    s->local_tag = sess_strdup(s, pl_str_c(tag));
    s->remote_tag = sess_strdup(s, m->from->tag);
    s->local.uri = sess_strdup(s, m->to->uri.raw);
    s->local.epid = sess_strdup(s, pl_str_c(ep->epid));
    s->local.name = ep->display ? sess_strdup(s, pl_str_c(ep->display)) : NULL;
    s->target_uri = sess_strdup(s, m->ruri.raw);
    s->request_uri = sess_strshare(s, s->target_uri, m->ruri.raw); /* the same, unless moved */
    s->dlg = dlg_new_uas(m, tag, ep->epid);
    s->inv_req = parley_msg_ref(m);
    s->inv_cseq = m->cseq.num;
    if (!s->call_id || !s->local_tag || !s->remote_tag || !s->local.uri || !s->local.epid ||
        !s->dlg || !s->target_uri || !s->request_uri) {
        ep_reply(ep, t, 500, NULL, PL_STR_NULL);
        parley_session_unref(s);
        return;
    }
    sess_set_remote_from(s, m->from, m, false);
    sess_note_rx(s, rx);
    sess_note_peer(s, m);
    if (sess_timer_check_request(s, m) == 422) {
        /* Session Interval Too Small (RFC 4028 §9): our Min-SE in the 422 */
        pl_buf x;
        pl_buf_init(&x, 32);
        sess_timer_print_min_se(s, &x);
        ep_reply(ep, t, 422, NULL, pl_buf_str(&x));
        pl_buf_free(&x);
        parley_session_unref(s);
        return;
    }
    if (sess_replaces_keep(s, replaced) != 0) {
        ep_reply(ep, t, 500, NULL, PL_STR_NULL);
        parley_session_unref(s);
        return;
    }
    sess_link_registered(s);
    s->reg_ref = true; /* sess_alloc's reference is the registry's, until on_released */
    ep->nsessions++;
    sess_count_half_open(s, PARLEY_STATE_IDLE, s->state);
    sess_attach_dialog(s, s->dlg);
    s->inv_txn = t;
    txn_server_set_tu(t, &inv_txn_cb, s);
    unsigned expires;
    if (sip_hdr_uint(m, SIP_H_EXPIRES, &expires) && expires > 0)
        /* ok_timer is free until a 2xx needs it for its retransmissions (and sess_end stops it) */
        pl_loop_timer_start(ep->loop, &s->ok_timer, (uint64_t)expires * 1000, on_inv_expired, s);

    char ctype[256];
    parley_content offer;
    bool has_offer = sess_msg_has_body(m);
    if (has_offer)
        sess_content_of(m, &offer, ctype, sizeof(ctype));
    parley_incoming_info info = {m, has_offer ? &offer : NULL, s->forked, replaced};
    parley_session_ref(s);
    reg->on_session(ep, s, &info, reg->on_session_user);
    parley_session_unref(s);
}

/* ---- public operations on an incoming session ---- */

/* Each checks the state where it is called and queues its work (sess_work), which runs from the
 * loop after the call returned and checks again: the caller may have CANCELled meanwhile. */

/* Where the call is made: nothing answered the INVITE, nor is queued to. */
static bool unanswered(const parley_session *s)
{
    return s->state == PARLEY_STATE_INCOMING && s->inv_txn && !s->participate && !s->ending &&
           !s->answer_queued && !s->released;
}

/* Where the work runs: the INVITE still waits for its answer. */
static bool still_incoming(const parley_session *s)
{
    return s->state == PARLEY_STATE_INCOMING && s->inv_txn;
}

typedef struct resp_args {
    int code;
    const char *reason;
    const parley_header *h;
    size_t nh;
    unsigned flags;
    const parley_address *targets;
    size_t n;
    void (*fn)(sess_work *w);
} resp_args;

static void provisional_work(sess_work *w)
{
    parley_session *s = w->task.s;
    if (!still_incoming(s))
        return; /* (queued before a participate, it goes before the 200) */
    sess_refusal why;
    int rc = sess_uas_provisional(s, w->code, w->reason, w->hdrs, w->nh, w->flags, &why);
    if (rc == PARLEY_E_ABORTED && s->state == PARLEY_STATE_INCOMING) {
        /* the application cannot answer the offer for early media: nor for the 200 */
        sess_uas_final(s, why.code, NULL, NULL, 0, sess_refusal_extra(&why));
        sess_end(s, PARLEY_REASON_NOT_ACCEPTABLE_MEDIA, NULL);
    }
}

static void reject_work(sess_work *w)
{
    parley_session *s = w->task.s;
    if (!still_incoming(s))
        return;
    sess_uas_final(s, w->code, w->reason, w->hdrs, w->nh,
                   w->extra ? pl_str_c(w->extra) : PL_STR_NULL);
    sess_end(s, PARLEY_REASON_DECLINED, NULL);
}

/* A redirection target must not be this endpoint or the inviter (the epid counts). */
static bool loops_back(parley_session *s, const parley_address *t)
{
    sip_uri a, b;
    if (sip_uri_parse(pl_str_c(t->uri), &a, NULL, NULL) != 0)
        return true;
    if (s->remote.uri && sip_uri_parse(pl_str_c(s->remote.uri), &b, NULL, NULL) == 0 &&
        sip_uri_equal(&a, &b) && (!t->epid || !s->remote.epid || !strcmp(t->epid, s->remote.epid)))
        return true;
    /* this endpoint's own URI (not the INVITE's To: after a retargeting it names someone
     * else, who may well be the right target) */
    if (sip_uri_parse(pl_str_c(s->ep->uri), &b, NULL, NULL) == 0 && sip_uri_equal(&a, &b) &&
        (!t->epid || !strcmp(t->epid, s->ep->epid)))
        return true;
    for (size_t i = 0; i < s->ep->nlisten; i++) {
        /* the endpoint's own addresses */
        const char *hp = strchr(s->ep->listen[i], ':') + 1;
        char u[160];
        snprintf(u, sizeof(u), "sip:x@%s", hp);
        if (sip_uri_parse(pl_str_c(u), &b, NULL, NULL) == 0 && pl_str_casecmp_eq(a.host, b.host) &&
            (a.port ? a.port : 5060) == b.port)
            return true;
    }
    return false;
}

/* The Contact lines of a redirection, or NULL (c->rc says why). */
static char *redirect_contacts(sess_call *c, const resp_args *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (!a->targets[i].uri || loops_back(c->s, &a->targets[i])) {
            c->rc = PARLEY_E_INVAL;
            return NULL;
        }
    }
    pl_buf contacts;
    pl_buf_init(&contacts, 256);
    for (size_t i = 0; i < a->n; i++) {
        pl_buf_puts(&contacts, "Contact: <");
        pl_buf_puts(&contacts, a->targets[i].uri);
        pl_buf_putc(&contacts, '>');
        if (a->targets[i].epid) {
            pl_buf_puts(&contacts, ";epid=");
            pl_buf_puts(&contacts, a->targets[i].epid);
        }
        pl_buf_puts(&contacts, "\r\n");
    }
    char *lines = pl_buf_steal(&contacts, NULL);
    if (!lines)
        c->rc = PARLEY_E_NOMEM;
    return lines;
}

static void response_on_loop(sess_call *c)
{
    resp_args *a = c->args;
    parley_session *s = c->s;
    if (!unanswered(s)) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    if (a->fn == provisional_work && (a->flags & PARLEY_PROV_EARLY_MEDIA) && s->has_oa &&
        !sess_msg_has_body(s->inv_req) && !sess_uas_reliable(s, a->flags)) {
        c->rc = PARLEY_E_UNSUPPORTED; /* an offer in a 1xx needs 100rel (RFC 3262 §5) */
        return;
    }
    if (a->fn == provisional_work && (a->flags & PARLEY_PROV_RELIABLE) &&
        !sess_uas_reliable(s, a->flags)) {
        c->rc = PARLEY_E_UNSUPPORTED; /* the caller does not support 100rel, or we do not */
        return;
    }
    c->rc = 0;
    char *extra = a->targets ? redirect_contacts(c, a) : NULL;
    if (c->rc)
        return;
    sess_work *w = sess_work_new(s, a->fn, a->h, a->nh);
    if (w) {
        w->code = a->code;
        w->flags = a->flags;
        w->reason = a->reason ? pl_str_dup(pl_str_c(a->reason)) : NULL;
    }
    if (!w || (a->reason && !w->reason)) {
        sess_work_free(w);
        pl_free(extra);
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    w->extra = extra;
    if (a->fn != provisional_work)
        s->answer_queued = true; /* the final answer is on its way: nothing else may answer */
    sess_work_queue(s, w, NULL);
}

static int run_response(parley_session *s, resp_args *a)
{
    if (a->reason && !sip_header_value_ok(a->reason))
        return PARLEY_E_INVAL;
    int rc = sess_header_check(a->h, a->nh);
    if (rc)
        return rc;
    sess_call c = {s, response_on_loop, 0, a};
    return sess_run(s, &c);
}

int parley_session_provisional(parley_session *s, int code, const char *reason,
                               const parley_header *headers, size_t nheaders, unsigned flags)
{
    if (!s || code < 101 || code > 199)
        return PARLEY_E_INVAL;
    resp_args a = {code, reason, headers, nheaders, flags, NULL, 0, provisional_work};
    return run_response(s, &a);
}

int parley_session_reject(parley_session *s, int code, const char *reason,
                          const parley_header *headers, size_t nheaders)
{
    if (!s || code < 400 || code > 699)
        return PARLEY_E_INVAL;
    resp_args a = {code, reason, headers, nheaders, 0, NULL, 0, reject_work};
    return run_response(s, &a);
}

int parley_session_redirect(parley_session *s, int code, const parley_address *targets, size_t n,
                            const parley_header *headers, size_t nheaders)
{
    if (!s || !targets || !n || (code && (code < 300 || code > 399)))
        return PARLEY_E_INVAL;
    for (size_t i = 0; i < n; i++) {
        /* a URI the parser takes holds no byte that could not go between '<' and '>' */
        sip_uri u;
        if (!targets[i].uri || sip_uri_parse(pl_str_c(targets[i].uri), &u, NULL, NULL) != 0)
            return PARLEY_E_INVAL;
        if (targets[i].epid && !ep_epid_ok(targets[i].epid))
            return PARLEY_E_INVAL;
    }
    resp_args a = {code ? code : 302, NULL, headers, nheaders, 0, targets, n, reject_work};
    return run_response(s, &a);
}
