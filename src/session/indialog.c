/*
 * Requests inside a dialog: receiving (BYE, MESSAGE and friends, REFER, re-INVITE dispatch)
 * and sending (messages, BYE, REFER, NOTIFY), with RFC 3261 §12.2 CSeq rules and the §12.2.1.2
 * rule that a 481 or 408 ends the dialog.
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
    pl_buf contact, extra;
    pl_buf_init(&contact, 128);
    pl_buf_init(&extra, 128);
    bool target_refresh = !strcmp(op->method, "INVITE") || !strcmp(op->method, "REFER") ||
                          !strcmp(op->method, "NOTIFY");
    if (target_refresh)
        ep_print_contact(s->ep, &contact, a->listener, a->hostport);
    if (!strcmp(op->method, "INVITE"))
        sess_print_common(s, &extra);
    pl_buf_puts(&extra, "User-Agent: ");
    pl_buf_puts(&extra, s->ep->user_agent);
    pl_buf_puts(&extra, "\r\n");
    dlg_req r = {
        .method = op->method,
        .cseq = op->cseq,
        .via = a->via,
        .contact = pl_buf_str(&contact),
        .extra = op->hdrs,
        .nextra = op->nh,
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

/* After a final response m (NULL: a failure err): RFC 3261 §12.2.1.2. */
static bool dialog_gone(parley_session *s, const sip_msg *m, int err)
{
    int status = m ? m->status : 0;
    if (status == 481) {
        sess_end(s, PARLEY_REASON_SESSION_DOES_NOT_EXIST, m);
        return true;
    }
    if (status == 408 || err == PARLEY_E_TIMEOUT) {
        sess_send_bye(s, NULL, 0, NULL);
        sess_end(s, PARLEY_REASON_TIMEOUT, m);
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
    if (m->status < 300 && op->kind == OP_REFER && s->dlg)
        dlg_refresh_target(s->dlg, m);
    sess_op_complete(op, 0, m);
    if (s->state == PARLEY_STATE_CONNECTED)
        dialog_gone(s, m, 0);
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
        dialog_gone(s, NULL, err);
    parley_session_unref(s);
}

static const ep_send_ops in_dialog_ops = {build_in_dialog, on_response, on_fail};

/* BENOTIFY is never answered: sent once, without a transaction. */
static int send_unanswered(parley_session *s, sess_op *op)
{
    char hop[512];
    dlg_next_hop(s->dlg, hop, sizeof(hop));
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
        d.addr = s->last_rx.remote; /* a name: use where the peer spoke from */
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
    dlg_next_hop(s->dlg, hop, sizeof(hop));
    return ep_sender_start(s->ep, hop, &in_dialog_ops, op, &op->sender);
}

/* ---- BYE ---- */

static void on_bye_response(void *arg, ep_sender *snd, sip_msg *m)
{
    sess_op *op = arg;
    (void)snd;
    if (m->status >= 200)
        sess_op_complete(op, 0, m);
}

static void on_bye_fail(void *arg, ep_sender *snd, int err)
{
    (void)snd;
    sess_op_complete(arg, err, NULL);
}

static const ep_send_ops bye_ops = {build_in_dialog, on_bye_response, on_bye_fail};

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
    dlg_next_hop(s->dlg, hop, sizeof(hop));
    op->kind = OP_TERMINATE;
    op->cseq = ++s->dlg->local_cseq;
    /* the session outlives the application's reference until the BYE is answered */
    op->holds_session = true;
    parley_session_ref(s);
    int rc = ep_sender_start(s->ep, hop, &bye_ops, op, &op->sender);
    if (rc)
        sess_op_complete(op, rc, NULL);
}

/* ---- receiving ---- */

static int refer_notify(parley_refer_in *in, int code, const char *text, bool final);

static void answer(parley_session *s, txn_server *t, int code, const char *reason, pl_str extra)
{
    pl_buf b;
    pl_buf_init(&b, 512);
    txn_server_print_head(t, &b, (unsigned)code, pl_str_c(reason), pl_str_c(s->dlg->local_tag));
    pl_buf_puts(&b, "Server: ");
    pl_buf_puts(&b, s->ep->user_agent);
    pl_buf_puts(&b, "\r\n");
    pl_buf_put_str(&b, extra);
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    if (pl_buf_ok(&b))
        txn_server_respond(t, (unsigned)code, b.data, b.len);
    pl_buf_free(&b);
}

static void on_bye(parley_session *s, txn_server *t, sip_msg *m)
{
    parley_session_ref(s);
    answer(s, t, 200, NULL, PL_STR_NULL);
    /* RFC 3261 §15.1.2: pending requests of the dialog get 487 */
    if (s->inv_txn)
        sess_uas_final(s, 487, NULL, NULL, 0, PL_STR_NULL);
    s->remote_ending = true;
    if (s->cbs.on_remote_end)
        s->cbs.on_remote_end(s, m, s->cbs_user);
    sess_end(s, PARLEY_REASON_TERMINATED_REMOTELY, m);
    parley_session_unref(s);
}

static void on_message(parley_session *s, txn_server *t, sip_msg *m)
{
    parley_request *req = ep_request_new(s->ep, t, s);
    if (!req) {
        answer(s, t, 500, NULL, PL_STR_NULL);
        return;
    }
    bool benotify = m->method_id == SIP_METHOD_BENOTIFY;
    if (s->cbs.on_message)
        s->cbs.on_message(s, req, s->cbs_user);
    /* BENOTIFY is never answered; everything else gets 200 unless the application answered */
    ep_request_finish(req, benotify ? 0 : 200);
}

/* ---- REFER received (RFC 3515) ---- */

void sess_refer_in_free(parley_refer_in *in)
{
    if (!in)
        return;
    if (in->t)
        txn_server_set_tu(in->t, NULL, NULL);
    pl_list_remove(&in->link);
    pl_free(in->target);
    pl_free(in->method);
    pl_free(in->epid);
    pl_free(in);
}

/* The final answer to a REFER: 202 starts the implicit subscription (and its first NOTIFY). */
static int refer_answer(parley_refer_in *in, int code, const char *reason, const sip_kv *h,
                        size_t nh)
{
    parley_session *s = in->s;
    if (in->answered || !in->t || !s->dlg)
        return PARLEY_E_STATE;
    pl_buf extra;
    pl_buf_init(&extra, 128);
    ep_print_headers(&extra, h, nh);
    answer(s, in->t, code, reason, pl_buf_str(&extra));
    pl_buf_free(&extra);
    in->answered = true;
    txn_server_set_tu(in->t, NULL, NULL);
    in->t = NULL;
    if (code >= 200 && code < 300) {
        in->accepted = true;
        refer_notify(in, 100, "Trying", false); /* RFC 3515 §2.4.4: an immediate NOTIFY */
    }
    return 0;
}

static const txn_server_cb refer_txn_cb = {0};

/* A NOTIFY of the implicit subscription with a message/sipfrag body (RFC 3515 §2.4.5). */
static int refer_notify(parley_refer_in *in, int code, const char *text, bool final)
{
    parley_session *s = in->s;
    if (!in->accepted || in->ended || !s->dlg || s->state == PARLEY_STATE_DISCONNECTED)
        return PARLEY_E_STATE;
    sess_op *op = sess_op_new(s, OP_MESSAGE, NULL, NULL);
    if (!op)
        return PARLEY_E_NOMEM;
    char frag[160], state[64];
    int n = snprintf(frag, sizeof(frag), "SIP/2.0 %d %s\r\n", code,
                     text ? text : sip_reason_phrase((unsigned)code));
    snprintf(state, sizeof(state), final ? "terminated;reason=noresource" : "active;expires=60");
    parley_header hs[2] = {{"Event", "refer"}, {"Subscription-State", state}};
    op->method = "NOTIFY";
    op->ctype = pl_str_dup(PL_STR_LIT("message/sipfrag;version=2.0"));
    op->body = pl_malloc((size_t)n);
    op->hdrs = ep_copy_headers(hs, 2);
    op->nh = 2;
    if (!op->ctype || !op->body || !op->hdrs) {
        sess_op_complete(op, PARLEY_E_NOMEM, NULL);
        return PARLEY_E_NOMEM;
    }
    memcpy(op->body, frag, (size_t)n);
    op->len = (size_t)n;
    if (final)
        in->ended = true;
    int rc = sess_send_in_dialog(s, op);
    if (rc)
        sess_op_complete(op, rc, NULL);
    return rc;
}

static void on_refer(parley_session *s, txn_server *t, sip_msg *m)
{
    /* exactly one Refer-To (RFC 3515 §2.4.1) */
    const sip_hdr *rt = sip_hdr_first(m, SIP_H_REFER_TO);
    sip_naddr target;
    const char *at = NULL, *why = NULL;
    sip_scan sc = rt ? sip_scan_of(rt->value) : (sip_scan){NULL, NULL};
    if (!rt || sip_hdr_next(m, rt) || !sip_parse_naddr(&sc, &target, &at, &why)) {
        answer(s, t, 400, "Bad Refer-To", PL_STR_NULL);
        return;
    }
    if (!s->cbs.on_refer) {
        answer(s, t, 603, NULL, PL_STR_NULL);
        return;
    }
    parley_refer_in *in = pl_calloc(1, sizeof(*in));
    if (!in) {
        answer(s, t, 500, NULL, PL_STR_NULL);
        return;
    }
    in->s = s;
    in->t = t;
    in->target = pl_str_dup(target.uri.raw);
    in->method = target.uri.method.len ? pl_str_dup(target.uri.method) : NULL;
    in->epid = pl_str_set(target.epid) ? pl_str_dup(target.epid) : NULL;
    txn_server_set_tu(t, &refer_txn_cb, in);
    pl_list_insert_tail(&s->refers, &in->link);
    parley_address addr = {in->target, in->epid};
    s->cbs.on_refer(s, in, &addr, in->method, s->cbs_user);
    if (!in->answered)
        refer_answer(in, 603, NULL, NULL, 0);
}

/* ---- REFER: the application's answers ---- */

typedef struct refer_args {
    parley_refer_in *in;
    int code;
    const char *reason;
    const parley_header *h;
    size_t nh;
    bool final;
} refer_args;

static void refer_accept_on_loop(sess_call *c)
{
    refer_args *a = c->args;
    sip_kv *kv = ep_copy_headers(a->h, a->nh);
    if (!kv) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    c->rc = refer_answer(a->in, a->code, a->reason, kv, a->nh);
    pl_free(kv);
}

int parley_refer_in_accept(parley_refer_in *in, const parley_header *headers, size_t nheaders)
{
    if (!in)
        return PARLEY_E_INVAL;
    int rc = sess_header_check(headers, nheaders);
    if (rc)
        return rc;
    refer_args a = {in, 202, NULL, headers, nheaders, false};
    sess_call c = {in->s, refer_accept_on_loop, 0, &a};
    return sess_run(in->s, &c);
}

int parley_refer_in_decline(parley_refer_in *in, int code, const char *reason,
                            const parley_header *headers, size_t nheaders)
{
    if (!in || (code && (code < 400 || code > 699)))
        return PARLEY_E_INVAL;
    int rc = sess_header_check(headers, nheaders);
    if (rc)
        return rc;
    refer_args a = {in, code ? code : 603, reason, headers, nheaders, false};
    sess_call c = {in->s, refer_accept_on_loop, 0, &a};
    return sess_run(in->s, &c);
}

static void refer_notify_on_loop(sess_call *c)
{
    refer_args *a = c->args;
    c->rc = refer_notify(a->in, a->code, a->reason, a->final);
}

int parley_refer_in_notify(parley_refer_in *in, int sipfrag_code, const char *text, int final)
{
    if (!in || sipfrag_code < 100 || sipfrag_code > 699)
        return PARLEY_E_INVAL;
    if (text && (strchr(text, '\r') || strchr(text, '\n')))
        return PARLEY_E_INVAL;
    refer_args a = {in, sipfrag_code, text, NULL, 0, final != 0};
    sess_call c = {in->s, refer_notify_on_loop, 0, &a};
    return sess_run(in->s, &c);
}

/* ---- the dispatcher for requests with a To tag ---- */

bool sess_on_dialog_request(parley_endpoint *ep, txn_server *t, sip_msg *m, const tp_rx *rx)
{
    sess_registry *reg = ep->sessions;
    if (!reg || !m->from)
        return false;
    dlg *d = dlg_table_find(&reg->dialogs, m->call_id, m->to->tag, m->from->tag);
    parley_session *s = sess_from_dialog(d);
    if (!s || s->state == PARLEY_STATE_DISCONNECTED)
        return false;
    sess_note_rx(s, rx);
    if (d != s->dlg) {
        /* an early dialog of ours (UAC): only the peer's BYE/INFO would come here */
        return false;
    }
    if (!dlg_accept_cseq(d, m)) {
        answer(s, t, 500, "Out of order CSeq", PL_STR_NULL);
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
        on_refer(s, t, m);
        return true;
    case SIP_METHOD_PRACK:
        answer(s, t, 481, NULL, PL_STR_NULL); /* no reliable provisional was sent */
        return true;
    case SIP_METHOD_UPDATE:
    case SIP_METHOD_SUBSCRIBE:
    case SIP_METHOD_PUBLISH:
    case SIP_METHOD_REGISTER: {
        pl_buf allow;
        pl_buf_init(&allow, 128);
        ep_print_allow(ep, &allow);
        answer(s, t, 405, NULL, pl_buf_str(&allow));
        pl_buf_free(&allow);
        return true;
    }
    default: {
        pl_buf allow;
        pl_buf_init(&allow, 128);
        ep_print_allow(ep, &allow);
        answer(s, t, 501, NULL, pl_buf_str(&allow));
        pl_buf_free(&allow);
        return true;
    }
    }
}

/* ---- public: messages and REFER ---- */

typedef struct msg_args {
    parley_msg_type type;
    const parley_content *body;
    const parley_header *h;
    size_t nh;
    parley_done_cb cb;
    void *user;
    const parley_address *target;
    void (*on_loop)(sess_call *c);
} msg_args;

static void message_on_loop(sess_call *c)
{
    msg_args *a = c->args;
    parley_session *s = c->s;
    if (s->state != PARLEY_STATE_CONNECTED || !s->dlg) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_op *op = sess_op_new(s, OP_MESSAGE, a->cb, a->user);
    if (!op) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    op->method = parley_msg_type_method(a->type);
    if (a->body && a->body->body) {
        op->ctype = pl_str_dup(
            pl_str_c(a->body->content_type ? a->body->content_type : "text/plain;charset=UTF-8"));
        op->body = pl_malloc(a->body->len ? a->body->len : 1);
        if (op->body)
            memcpy(op->body, a->body->body, a->body->len);
        op->len = a->body->len;
    }
    op->hdrs = ep_copy_headers(a->h, a->nh);
    op->nh = a->nh;
    if (!op->hdrs || (a->body && a->body->body && (!op->ctype || !op->body))) {
        op->cb = NULL;
        sess_op_complete(op, PARLEY_E_NOMEM, NULL);
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    int rc = sess_send_in_dialog(s, op);
    if (rc) {
        op->cb = NULL;
        sess_op_complete(op, rc, NULL);
    }
    c->rc = rc;
}

static void refer_on_loop(sess_call *c)
{
    msg_args *a = c->args;
    parley_session *s = c->s;
    if (s->state != PARLEY_STATE_CONNECTED || !s->dlg) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sess_op *op = sess_op_new(s, OP_REFER, a->cb, a->user);
    if (!op) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    op->method = "REFER";
    char refer_to[600], referred_by[600];
    snprintf(refer_to, sizeof(refer_to), "<%s>%s%s", a->target->uri,
             a->target->epid ? ";epid=" : "", a->target->epid ? a->target->epid : "");
    snprintf(referred_by, sizeof(referred_by), "<%s>", s->local.uri);
    /* RFC 3515 Refer-To, RFC 3892 Referred-By, then the application's headers */
    size_t n = a->nh + 2;
    parley_header *all = pl_calloc(n, sizeof(*all));
    if (!all) {
        op->cb = NULL;
        sess_op_complete(op, PARLEY_E_NOMEM, NULL);
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    all[0] = (parley_header){"Refer-To", refer_to};
    all[1] = (parley_header){"Referred-By", referred_by};
    for (size_t i = 0; i < a->nh; i++)
        all[i + 2] = a->h[i];
    op->hdrs = ep_copy_headers(all, n);
    op->nh = n;
    pl_free(all);
    int rc = op->hdrs ? sess_send_in_dialog(s, op) : PARLEY_E_NOMEM;
    if (rc) {
        op->cb = NULL;
        sess_op_complete(op, rc, NULL);
    }
    c->rc = rc;
}

static int check_refer_target(const parley_address *target)
{
    if (!target || !target->uri)
        return PARLEY_E_INVAL;
    sip_uri u;
    if (sip_uri_parse(pl_str_c(target->uri), &u, NULL, NULL) != 0 || strlen(target->uri) > 500 ||
        (target->epid && (strlen(target->epid) > 60 || strpbrk(target->epid, "\r\n;,<>\""))))
        return PARLEY_E_INVAL;
    return 0;
}

/* ---- the public forms: arguments checked here, the work done on the loop ---- */

static int start_msg(parley_session *s, void *args, parley_done_cb cb, void *user)
{
    msg_args *a = args;
    a->cb = cb;
    a->user = user;
    sess_call c = {s, a->on_loop, 0, a};
    return sess_run(s, &c);
}

static int run_msg(parley_session *s, msg_args *a, parley_done_cb cb, void *user, bool sync,
                   parley_result **out)
{
    int rc = sess_header_check(a->h, a->nh);
    if (rc)
        return rc;
    return sync ? sess_sync(s, start_msg, a, out) : start_msg(s, a, cb, user);
}

static bool bad_message(parley_session *s, parley_msg_type type, const parley_content *body)
{
    return !s || !parley_msg_type_method(type) || (body && body->len && !body->body);
}

int parley_session_send_message(parley_session *s, parley_msg_type type, const parley_content *body,
                                const parley_header *headers, size_t nheaders, parley_done_cb cb,
                                void *user)
{
    if (bad_message(s, type, body))
        return PARLEY_E_INVAL;
    msg_args a = {type, body, headers, nheaders, NULL, NULL, NULL, message_on_loop};
    return run_msg(s, &a, cb, user, false, NULL);
}

int parley_session_send_message_sync(parley_session *s, parley_msg_type type,
                                     const parley_content *body, const parley_header *headers,
                                     size_t nheaders, parley_result **out)
{
    if (bad_message(s, type, body))
        return PARLEY_E_INVAL;
    msg_args a = {type, body, headers, nheaders, NULL, NULL, NULL, message_on_loop};
    return run_msg(s, &a, NULL, NULL, true, out);
}

int parley_session_refer(parley_session *s, const parley_address *target,
                         const parley_header *headers, size_t nheaders, parley_done_cb cb,
                         void *user)
{
    if (!s || check_refer_target(target))
        return PARLEY_E_INVAL;
    msg_args a = {0, NULL, headers, nheaders, NULL, NULL, target, refer_on_loop};
    return run_msg(s, &a, cb, user, false, NULL);
}

int parley_session_refer_sync(parley_session *s, const parley_address *target,
                              const parley_header *headers, size_t nheaders, parley_result **out)
{
    if (!s || check_refer_target(target))
        return PARLEY_E_INVAL;
    msg_args a = {0, NULL, headers, nheaders, NULL, NULL, target, refer_on_loop};
    return run_msg(s, &a, NULL, NULL, true, out);
}
