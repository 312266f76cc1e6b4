/*
 * Requests inside a dialog: receiving (BYE, MESSAGE and friends, REFER, re-INVITE dispatch)
 * and sending (messages, BYE, REFER, NOTIFY), with RFC 3261 §12.2 CSeq rules and the §12.2.1.2
 * rule that a 481 or 408 (or no answer, or a transport error) ends the dialog.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/parse_int.h"
#include "sip/print.h"
#include "sip/uri.h"

/* ---- sending ---- */

static int build_in_dialog(void *arg, const ep_attempt *a, sip_out *out)
{
    sess_op *op = arg;
    parley_session *s = op->s;
    char contact_room[256], extra_room[1024];
    pl_buf contact, extra;
    pl_buf_init_on(&contact, contact_room, sizeof(contact_room));
    pl_buf_init_on(&extra, extra_room, sizeof(extra_room));
    bool target_refresh = !strcmp(op->method, "INVITE") || !strcmp(op->method, "REFER") ||
                          !strcmp(op->method, "NOTIFY");
    if (target_refresh)
        ep_print_contact(s->ep, &contact, a->listener, a->hostport,
                         a->sips || (s->dlg && s->dlg->secure));
    sip_kv room[8], *owned;
    size_t nh;
    const sip_kv *h = sess_with_request_headers(s, op->hdrs, op->nh, false, room, 8, &owned, &nh);
    ep_print_user_agent(s->ep, &extra, h, nh);
    sess_print_headers(s, &extra, h, nh);
    pl_free(owned);
    dlg_req r = {
        .method = op->method,
        .cseq = op->cseq,
        .via = a->via,
        .contact = pl_buf_str(&contact),
        .extra_raw = pl_buf_str(&extra),
        .content_type = op->body || op->ctype ? pl_str_c(op->ctype) : PL_STR_NULL,
        .body = pl_str_make(op->body, op->len),
    };
    int rc = pl_buf_ok(&contact) && pl_buf_ok(&extra) ? dlg_build_request(s->dlg, &r, out)
                                                      : PARLEY_E_NOMEM;
    pl_buf_free(&contact);
    pl_buf_free(&extra);
    return rc;
}

bool sess_dialog_gone(parley_session *s, const sip_msg *m, int err)
{
    if (s->state == PARLEY_STATE_DISCONNECTED)
        return false;
    int status = m ? m->status : 0;
    if (status == 481) {
        sess_end(s, PARLEY_REASON_SESSION_DOES_NOT_EXIST, m);
        return true;
    }
    if (status == 408 || err == PARLEY_E_TIMEOUT || err == PARLEY_E_CONNECT) {
        sess_send_bye(s, NULL, 0, NULL);
        sess_end(s, err == PARLEY_E_CONNECT ? PARLEY_REASON_UNREACHABLE : PARLEY_REASON_TIMEOUT, m);
        return true;
    }
    return false;
}

static void on_response(void *arg, ep_sender *snd, sip_msg *m)
{
    sess_op *op = arg;
    parley_session *s = op->s;
    (void)snd;
    if (m->status < 200)
        return;
    parley_session_ref(s);
    if (m->status < 300 && op->kind == OP_REFER && s->dlg) {
        dlg_refresh_target(s->dlg, m);
        sess_note_remote_target(s, m);
    }
    if (op->kind == OP_REFER)
        sess_refer_sub_answered(s, op, m);
    /* a 481 to a NOTIFY of a REFER's subscription ends that subscription only, not the
     * session (RFC 5057 §5.1: the usage the request was sent in; the referrer ended it, e.g.
     * parley_session_refer_end): no more NOTIFYs go */
    bool sub_gone = op->kind == OP_REFER_NOTIFY && m->status == 481;
    parley_refer_request *ended = NULL;
    if (sub_gone && !((parley_refer_request *)op->arg)->ended) {
        ended = op->arg;
        ended->ended = true;
    }
    sess_op_complete(op, 0, m);
    if (ended && s->cbs->on_refer_ended && !s->released)
        s->cbs->on_refer_ended(s, ended, s->cbs_user); /* once per subscription */
    if (s->state == PARLEY_STATE_CONNECTED && !sub_gone)
        sess_dialog_gone(s, m, 0);
    parley_session_unref(s);
}

static void on_fail(void *arg, ep_sender *snd, int err)
{
    sess_op *op = arg;
    parley_session *s = op->s;
    (void)snd;
    parley_session_ref(s);
    sess_op_complete(op, err, NULL);
    if (s->state == PARLEY_STATE_CONNECTED)
        sess_dialog_gone(s, NULL, err);
    parley_session_unref(s);
}

/* A challenged request goes again with the dialog's next CSeq (RFC 3261 §12.2.1.1, §22.2). */
static uint32_t in_dialog_next_cseq(void *arg, uint32_t last)
{
    sess_op *op = arg;
    (void)last;
    uint32_t old = op->cseq;
    if (!sess_op_next_cseq(op, op->s->dlg))
        return 0;
    if (op->kind == OP_REFER)
        sess_refer_sub_renumber(op->s, old, op->cseq);
    return op->cseq;
}

static const ep_send_ops in_dialog_ops = {build_in_dialog, on_response, on_fail,
                                          in_dialog_next_cseq};

/* BENOTIFY is never answered: sent once, without a transaction. */
static int send_unanswered(parley_session *s, sess_op *op)
{
    char hop[512];
    sess_next_hop(s, s->dlg, hop, sizeof(hop));
    sip_uri u;
    tp_dest d;
    memset(&d, 0, sizeof(d));
    if (sip_uri_parse(pl_str_c(hop), &u, NULL, NULL) != 0)
        return PARLEY_E_NOROUTE;
    d.proto = u.transport.len ? tp_proto_parse(u.transport) : TP_UDP;
    if (d.proto == TP_NONE)
        d.proto = TP_UDP;
    if (tp_addr_from_host(u.host, u.port ? u.port : tp_default_port(d.proto), &d.addr) != 0) {
        if (!s->has_rx)
            return PARLEY_E_NOROUTE;
        d.addr = s->rx_addr; /* a name: use where the peer spoke from */
    }
    ep_attempt a;
    ep_attempt_init(s->ep, &a, &d);
    sip_out out;
    sip_out_init(&out);
    int rc = build_in_dialog(op, &a, &out);
    if (!rc)
        rc = tp_send(s->ep->tp, &d, out.buf.data, out.buf.len, NULL);
    sip_out_free(&out);
    sess_op_complete(op, rc, NULL);
    return 0;
}

int sess_send_in_dialog(parley_session *s, sess_op *op)
{
    if (!s->dlg)
        return PARLEY_E_STATE;
    /* the number is taken now, in the order of the calls, not when the next hop is resolved:
     * a re-INVITE started after this request must not carry a lower one (RFC 3261 §12.2.1.1) */
    op->cseq = ++s->dlg->local_cseq;
    if (!strcmp(op->method, "BENOTIFY"))
        return send_unanswered(s, op);
    char hop[512];
    sess_next_hop(s, s->dlg, hop, sizeof(hop));
    return ep_sender_start(s->ep, hop, &in_dialog_ops, op, &op->sender);
}

/* ---- BYE ---- */

/* The dialog stays in the table while our BYE is out, so that a BYE crossing it still finds it
 * (RFC 5407 §3.6): once the BYE is answered, nothing more belongs to the dialog. */
static void bye_done(sess_op *op, int err, const sip_msg *m)
{
    parley_session *s = op->s;
    parley_session_ref(s);
    s->bye_pending = false;
    if (s->dlg && s->state == PARLEY_STATE_DISCONNECTED)
        dlg_table_remove(&s->reg->dialogs, s->dlg);
    sess_op_complete(op, err, m);
    parley_session_unref(s);
}

static void on_bye_response(void *arg, ep_sender *snd, sip_msg *m)
{
    (void)snd;
    if (m->status >= 200)
        bye_done(arg, 0, m);
}

static void on_bye_fail(void *arg, ep_sender *snd, int err)
{
    (void)snd;
    bye_done(arg, err, NULL);
}

static const ep_send_ops bye_ops = {build_in_dialog, on_bye_response, on_bye_fail,
                                    in_dialog_next_cseq};

void sess_send_bye(parley_session *s, const sip_kv *h, size_t nh, sess_op *op)
{
    if (!s->dlg || s->bye_sent) {
        sess_op_complete(op, 0, NULL);
        return;
    }
    s->bye_sent = true;
    bool own = op == NULL;
    if (own) {
        /* nobody waits for this one: an operation without completion */
        op = sess_op_new(s, OP_TERMINATE, NULL, NULL);
        if (!op)
            return;
    }
    op->method = "BYE";
    if (h && nh && h != op->hdrs) { /* a terminate's op already holds its own copy */
        pl_free(op->hdrs);
        op->hdrs = ep_copy_headers((const parley_header *)h, nh);
        op->nh = op->hdrs ? nh : 0;
    }
    char hop[512];
    sess_next_hop(s, s->dlg, hop, sizeof(hop));
    op->kind = OP_TERMINATE;
    op->cseq = ++s->dlg->local_cseq;
    /* the session outlives the application's reference until the BYE is answered */
    op->holds_session = true;
    parley_session_ref(s);
    s->bye_pending = true;
    int rc = ep_sender_start(s->ep, hop, &bye_ops, op, &op->sender);
    if (rc)
        bye_done(op, rc, NULL);
}

/* ---- receiving ---- */

void sess_answer(parley_session *s, txn_server *t, int code, const char *reason, pl_str extra)
{
    sess_answer_with(s, t, code, reason, extra, NULL, 0);
}

void sess_answer_with(parley_session *s, txn_server *t, int code, const char *reason, pl_str extra,
                      const sip_kv *h, size_t nh)
{
    char room[1536];
    pl_buf b;
    pl_buf_init_on(&b, room, sizeof(room));
    txn_server_print_head(t, &b, (unsigned)code, pl_str_c(reason), pl_str_c(s->dlg->local_tag));
    ep_print_server(s->ep, &b, h, nh);
    pl_buf_put_str(&b, extra);
    sess_print_headers(s, &b, h, nh);
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    if (pl_buf_ok(&b))
        txn_server_respond(t, (unsigned)code, b.data, b.len);
    pl_buf_free(&b);
}

static void on_bye(parley_session *s, txn_server *t, sip_msg *m)
{
    parley_session_ref(s);
    sess_answer(s, t, 200, NULL, PL_STR_NULL);
    /* RFC 3261 §15.1.2: pending requests of the dialog get 487 */
    if (s->inv_txn)
        sess_uas_final(s, 487, NULL, NULL, 0, PL_STR_NULL);
    s->remote_ending = true;
    if (s->cbs->on_remote_end && !s->released)
        s->cbs->on_remote_end(s, m, s->cbs_user);
    sess_end(s, PARLEY_REASON_TERMINATED_REMOTELY, m);
    parley_session_unref(s);
}

static void on_message(parley_session *s, txn_server *t, sip_msg *m)
{
    if (m->method_id == SIP_METHOD_NOTIFY && sess_refer_on_notify(s, t, m))
        return; /* progress of a REFER we sent */
    bool benotify = m->method_id == SIP_METHOD_BENOTIFY;
    if (m->body.len && !benotify && ep_unknown_encoding(m)) {
        sess_answer(s, t, 415, NULL, PL_STR_LIT(EP_ACCEPT_ENCODING)); /* as in page mode */
        return;
    }
    parley_request *req = ep_request_new(s->ep, t, s);
    if (!req) {
        sess_answer(s, t, 500, NULL, PL_STR_NULL);
        return;
    }
    parley_session_ref(s);
    if (s->cbs->on_message && !s->released)
        s->cbs->on_message(s, req, s->cbs_user);
    /* BENOTIFY is never answered; everything else gets 200 unless the application answered;
     * the 200 to an OPTIONS says what the session takes (RFC 3261 §11.2: Allow, Accept,
     * Accept-Encoding, Accept-Language, Supported), as out of a dialog */
    if (m->method_id == SIP_METHOD_OPTIONS) {
        pl_buf x;
        pl_buf_init(&x, 320);
        sess_print_common(s, &x, NULL, 0);
        ep_print_accept(s->ep, &x);
        ep_request_finish_extra(req, 200, pl_buf_ok(&x) ? pl_buf_str(&x) : PL_STR_NULL);
        pl_buf_free(&x);
    } else {
        ep_request_finish(req, benotify ? 0 : 200);
    }
    parley_session_unref(s);
}

/* ---- the dispatcher for requests with a To tag ---- */

bool sess_on_dialog_request(parley_endpoint *ep, txn_server *t, sip_msg *m, const tp_rx *rx)
{
    sess_registry *reg = ep->sessions;
    if (!reg || !m->from)
        return false;
    dlg *d = dlg_table_find(&reg->dialogs, m->call_id, m->to->tag, m->from->tag);
    parley_session *s = sess_from_dialog(d);
    if (!s)
        return false;
    if (s->state == PARLEY_STATE_DISCONNECTED) {
        /* our BYE is out (the dialog stays until it is answered): a BYE that crossed it gets
         * 200 (RFC 5407 §3.6), anything else 481 */
        if (!s->bye_pending || d != s->dlg || m->method_id != SIP_METHOD_BYE)
            return false;
        sess_answer(s, t, 200, NULL, PL_STR_NULL);
        return true;
    }
    sess_note_rx(s, rx);
    if (d != s->dlg) {
        /* an early dialog of ours (UAC): its UPDATE is taken (RFC 3311 allows one in an early
         * dialog); anything else gets 481 */
        if (m->method_id != SIP_METHOD_UPDATE || !dlg_accept_cseq(d, m))
            return false;
        sess_on_update(s, d, t, m);
        return true;
    }
    if (!dlg_accept_cseq(d, m)) {
        sess_answer(s, t, 500, "Out of order CSeq", PL_STR_NULL);
        return true;
    }
    switch ((sip_method)m->method_id) {
    case SIP_METHOD_BYE:
        on_bye(s, t, m);
        return true;
    case SIP_METHOD_INVITE:
        sess_on_reinvite(s, t, m);
        return true;
    case SIP_METHOD_MESSAGE:
    case SIP_METHOD_INFO:
    case SIP_METHOD_OPTIONS:
    case SIP_METHOD_NOTIFY:
    case SIP_METHOD_SERVICE:
    case SIP_METHOD_BENOTIFY:
        on_message(s, t, m);
        return true;
    case SIP_METHOD_REFER:
        sess_on_refer(s, t, m);
        return true;
    case SIP_METHOD_PRACK:
        sess_on_prack(s, t, m); /* 481 when it matches no reliable 1xx of ours */
        return true;
    case SIP_METHOD_UPDATE:
        sess_on_update(s, d, t, m);
        return true;
    case SIP_METHOD_SUBSCRIBE:
    case SIP_METHOD_PUBLISH:
    case SIP_METHOD_REGISTER:
        sess_answer(s, t, 405, NULL, PL_STR_LIT(SESS_ALLOW "\r\n"));
        return true;
    default:
        sess_answer(s, t, 501, NULL, PL_STR_LIT(SESS_ALLOW "\r\n"));
        return true;
    }
}

/* ---- public: messages (and the frame REFER shares) ---- */

/* Starts an in-dialog request of a public call, once the call returned. */
void sess_request_start(sess_op *op)
{
    parley_session *s = op->s;
    if (s->state != PARLEY_STATE_CONNECTED || !s->dlg) {
        sess_op_complete(op, PARLEY_E_STATE, NULL);
        return;
    }
    int rc = sess_send_in_dialog(s, op);
    if (rc)
        sess_op_complete(op, rc, NULL);
}

static void request_on_loop(sess_call *c)
{
    sess_req_args *a = c->args;
    parley_session *s = c->s;
    if (s->state != PARLEY_STATE_CONNECTED || !s->dlg || s->ending || s->released) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_op *op = sess_op_new(s, a->kind, a->cb, a->user);
    c->rc = op ? a->prepare(op, a) : PARLEY_E_NOMEM;
    if (c->rc) {
        if (op) {
            op->cb = NULL;
            sess_op_complete(op, 0, NULL);
        }
        return;
    }
    sess_op_queue(op, a->start ? a->start : sess_request_start);
}

static int start_request(parley_session *s, void *args, parley_session_done_cb cb, void *user)
{
    sess_req_args *a = args;
    a->cb = cb;
    a->user = user;
    sess_call c = {s, request_on_loop, 0, a};
    return sess_run(s, &c);
}

int sess_request_call(parley_session *s, sess_req_args *a, parley_session_done_cb cb, void *user,
                      bool sync, parley_result **out)
{
    int rc = sess_header_check(a->h, a->nh);
    if (rc)
        return rc;
    return sync ? sess_sync(s, start_request, a, out) : start_request(s, a, cb, user);
}

static int prepare_message(sess_op *op, const sess_req_args *a)
{
    op->method = parley_msg_type_method(a->type);
    if (a->body && a->body->body) {
        op->ctype = sess_ctype_dup(a->body->content_type ? a->body->content_type : EP_TEXT_PLAIN);
        op->body = pl_malloc(a->body->len ? a->body->len : 1);
        if (op->body)
            memcpy(op->body, a->body->body, a->body->len);
        op->len = a->body->len;
    }
    op->hdrs = ep_copy_headers(a->h, a->nh);
    op->nh = a->nh;
    if (!op->hdrs || (a->body && a->body->body && (!op->ctype || !op->body)))
        return PARLEY_E_NOMEM;
    return 0;
}

static bool bad_message(parley_session *s, parley_msg_type type, const parley_content *body)
{
    return !s || !parley_msg_type_method(type) || !ep_content_ok(body);
}

int parley_session_send_message(parley_session *s, parley_msg_type type, const parley_content *body,
                                const parley_header *headers, size_t nheaders,
                                parley_session_done_cb cb, void *user)
{
    if (bad_message(s, type, body))
        return PARLEY_E_INVAL;
    sess_req_args a = {type, body, headers,    nheaders,        NULL,
                       NULL, NULL, OP_MESSAGE, prepare_message, NULL};
    return sess_request_call(s, &a, cb, user, false, NULL);
}

int parley_session_send_message_sync(parley_session *s, parley_msg_type type,
                                     const parley_content *body, const parley_header *headers,
                                     size_t nheaders, parley_result **out)
{
    if (bad_message(s, type, body))
        return PARLEY_E_INVAL;
    sess_req_args a = {type, body, headers,    nheaders,        NULL,
                       NULL, NULL, OP_MESSAGE, prepare_message, NULL};
    return sess_request_call(s, &a, NULL, NULL, true, out);
}
