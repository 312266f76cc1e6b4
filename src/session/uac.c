/*
 * The outgoing INVITE (RFC 3261 §13.2): early dialogs per To tag, the 2xx and its ACK (the UAC
 * core's, resent for every 2xx retransmission), forks answering after the first 2xx (ACK then
 * BYE), CANCEL once a provisional arrived, failures mapped to reasons; a 3xx goes to
 * redirect.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/print.h"
#include "sip/uri.h"

parley_reason sess_reason_for_status(int status)
{
    switch (status) {
    case 486:
    case 600:
        return PARLEY_REASON_BUSY;
    case 480:
        return PARLEY_REASON_TEMPORARILY_UNAVAILABLE;
    case 603:
        return PARLEY_REASON_DECLINED;
    case 406:
        return PARLEY_REASON_NOT_ACCEPTABLE;
    case 488:
    case 606:
        return PARLEY_REASON_NOT_ACCEPTABLE_MEDIA;
    case 404:
    case 604:
        return PARLEY_REASON_UNREACHABLE;
    case 481:
        return PARLEY_REASON_SESSION_DOES_NOT_EXIST;
    case 408:
        return PARLEY_REASON_TIMEOUT;
    case 487:
        return PARLEY_REASON_CANCELED;
    default:
        return PARLEY_REASON_NONE;
    }
}

parley_reason sess_reason_for_error(int err)
{
    return err == PARLEY_E_TIMEOUT ? PARLEY_REASON_TIMEOUT : PARLEY_REASON_UNREACHABLE;
}

/* ---- building the INVITE ---- */

static int build_invite(void *arg, const ep_attempt *a, sip_out *out)
{
    parley_session *s = arg;
    pl_buf to, contact, extra;
    pl_buf_init(&to, 128);
    pl_buf_init(&contact, 128);
    pl_buf_init(&extra, 256);
    pl_buf_putc(&to, '<');
    pl_buf_puts(&to, s->target_uri);
    pl_buf_putc(&to, '>');
    if (s->target_epid) {
        pl_buf_puts(&to, ";epid=");
        pl_buf_puts(&to, s->target_epid);
    }
    ep_print_contact(s->ep, &contact, a->listener, a->hostport, a->sips);
    pl_buf_terminate(&contact);
    if (contact.data)
        sess_set_local_contact(s, contact.data);
    ep_print_user_agent(s->ep, &extra, s->uac->inv_hdrs, s->uac->inv_nh);
    if (s->uac->inv_extra)
        pl_buf_puts(&extra, s->uac->inv_extra); /* capabilities and the application's headers */
    if (s->rel100 == PARLEY_100REL_REQUIRED &&
        !sess_headers_list(s->uac->inv_hdrs, s->uac->inv_nh, "Require", "100rel"))
        pl_buf_puts(&extra, "Require: 100rel\r\n");
    sess_timer_print_request(s, &extra, true, s->uac->inv_hdrs, s->uac->inv_nh);
    sip_req_parts p = {
        .method = PL_STR_LIT("INVITE"),
        .ruri = pl_str_c(s->request_uri),
        .via = a->via,
        .from = pl_str_c(s->uac->inv_local_hdr),
        .to = pl_buf_str(&to),
        .call_id = pl_str_c(s->call_id),
        .cseq = s->inv_cseq,
        .max_forwards = 70,
        .contact = pl_buf_str(&contact),
        .extra_raw = pl_buf_str(&extra),
        .content_type = s->uac->inv_body.data ? pl_str_c(s->uac->inv_body.ctype) : PL_STR_NULL,
        .body = pl_str_make(s->uac->inv_body.data, s->uac->inv_body.len),
    };
    int rc = pl_buf_ok(&to) && pl_buf_ok(&contact) && pl_buf_ok(&extra) ? sip_build_request(out, &p)
                                                                        : PARLEY_E_NOMEM;
    pl_buf_free(&to);
    pl_buf_free(&contact);
    pl_buf_free(&extra);
    return rc;
}

/* ---- the ACK for a 2xx (RFC 3261 §13.2.2.4) ---- */

/* Where in-dialog messages without a transaction (ACK) go: the next hop when it is numeric,
 * else where the INVITE went. */
/* Where a request in dialog d goes; inv is where the INVITE went (its connection is reused when
 * the next hop is the same). */
static void next_hop_dest(const parley_session *s, const dlg *d, const tp_dest *inv, tp_dest *out)
{
    char hop[512];
    if (s)
        sess_next_hop(s, d, hop, sizeof(hop));
    else
        dlg_next_hop(d, hop, sizeof(hop));
    sip_uri u;
    memset(out, 0, sizeof(*out));
    if (inv)
        *out = *inv;
    if (sip_uri_parse(pl_str_c(hop), &u, NULL, NULL) == 0) {
        tp_proto p = u.transport.len
                         ? tp_proto_parse(u.transport)
                         : (u.kind == SIP_URI_SIPS ? TP_TLS : (inv ? inv->proto : TP_UDP));
        if (p == TP_NONE)
            p = TP_UDP;
        tp_addr a;
        if (tp_addr_from_host(u.host, u.port ? u.port : tp_default_port(p), &a) == 0) {
            if (!inv || !tp_addr_eq(&a, &inv->addr) || p != inv->proto)
                out->conn_id = 0;
            out->proto = p;
            out->addr = a;
            snprintf(out->host, sizeof(out->host), "%.*s", (int)u.host.len, u.host.p);
        }
    }
}

static const tp_dest *inv_dest(parley_session *s)
{
    if (s->inv)
        return &ep_sender_attempt(s->inv)->dest;
    return s->uac ? s->uac->inv_dest : NULL;
}

/* 64*T1 after our ACK the INVITE is over: no fork's 2xx comes through its transaction any
 * more (Timer M), no redirection or challenge can follow. Let its sender go (with the
 * transaction and the 2xx it kept, about 7 KiB of each held session) and what only its attempts
 * used; keep where it went, which the re-INVITEs' ACKs start from. */
static void settle_invite(parley_session *s)
{
    sess_uac *u = s->uac;
    if (!s->inv || !u || !s->dlg)
        return;
    if (!u->inv_dest) {
        u->inv_dest = pl_malloc(sizeof(*u->inv_dest));
        if (!u->inv_dest)
            return; /* keep the sender: it holds the destination */
        *u->inv_dest = ep_sender_attempt(s->inv)->dest;
    }
    ep_sender_release(s->inv);
    s->inv = NULL;
    pl_free(u->inv_extra);
    pl_free(u->inv_hdrs);
    u->inv_extra = NULL;
    u->inv_hdrs = NULL;
    u->inv_nh = 0;
    sess_body_free(&u->inv_body);
}

static void dialog_dest(parley_session *s, dlg *d, tp_dest *out)
{
    next_hop_dest(s, d, inv_dest(s), out);
}

/* auth: the credentials lines of the INVITE the 2xx answers (RFC 3261 §22.2: the ACK of a
 * challenged INVITE's 2xx repeats them), or empty */
static int build_ack(parley_endpoint *ep, dlg *d, uint32_t cseq, pl_str extra,
                     const sess_body *body, const tp_dest *dest, pl_buf *out)
{
    char branch[32], hostport[80], via[160];
    txn_new_branch(branch);
    if (ep_local_hostport(ep, dest->proto, &dest->addr, hostport, sizeof(hostport), NULL) != 0)
        snprintf(hostport, sizeof(hostport), "invalid.invalid");
    int n = snprintf(via, sizeof(via), "SIP/2.0/%s %s;branch=%s;rport", tp_proto_name(dest->proto),
                     hostport, branch);
    sip_out o;
    sip_out_init(&o);
    dlg_req r = {
        .method = "ACK",
        .cseq = cseq,
        .via = pl_str_make(via, (size_t)n),
        .extra_raw = extra,
        .content_type = body && body->data ? pl_str_c(body->ctype) : PL_STR_NULL,
        .body = body && body->data ? pl_str_make(body->data, body->len) : PL_STR_NULL,
    };
    int rc = dlg_build_request(d, &r, &o);
    if (!rc) {
        pl_buf_reset(out);
        pl_buf_put(out, o.buf.data, o.buf.len);
        rc = pl_buf_ok(out) ? 0 : PARLEY_E_NOMEM;
    }
    sip_out_free(&o);
    return rc;
}

/* The session's own ACK: its credentials (auth) and the application's headers h. */
static int build_session_ack(parley_session *s, uint32_t cseq, const sip_kv *h, size_t nh,
                             const sess_body *body, const tp_dest *dest, pl_str auth, pl_buf *out)
{
    char room[512];
    pl_buf x;
    pl_buf_init_on(&x, room, sizeof(room));
    pl_buf_put_str(&x, auth);
    sip_kv room_h[8], *owned;
    size_t n;
    const sip_kv *all = sess_with_request_headers(s, h, nh, false, room_h, 8, &owned, &n);
    sess_print_headers(s, &x, all, n);
    pl_free(owned);
    int rc = pl_buf_ok(&x) ? build_ack(s->ep, s->dlg, cseq, pl_buf_str(&x), body, dest, out)
                           : PARLEY_E_NOMEM;
    pl_buf_free(&x);
    return rc;
}

int sess_ack_for(parley_session *s, uint32_t cseq, const sip_kv *h, size_t nh,
                 const sess_body *body, pl_buf *out, tp_dest *dest)
{
    if (!s->dlg)
        return PARLEY_E_STATE;
    dialog_dest(s, s->dlg, dest);
    int rc = build_session_ack(s, cseq, h, nh, body, dest, ep_sender_auth(s->reinv_snd), out);
    if (!rc)
        tp_send(s->ep->tp, dest, out->data, out->len, NULL);
    return rc;
}

/* The 2xx's retransmissions are over (the UAS gives up after 64*T1, RFC 3261 §13.3.1.4):
 * its ACK need not be kept any longer (about 0.7 KiB of each held session). */
static void on_ack_kept(pl_timer *tm, void *arg)
{
    (void)tm;
    parley_session *s = arg;
    sess_resend_free(&s->ack);
    settle_invite(s);
}

void sess_send_ack(parley_session *s, const sip_kv *h, size_t nh, const sess_body *body)
{
    if (!s->dlg)
        return;
    char room[1536];
    pl_buf ack;
    tp_dest d;
    pl_buf_init_on(&ack, room, sizeof(room)); /* a larger ACK moves it to the heap */
    dialog_dest(s, s->dlg, &d);
    int rc = build_session_ack(s, s->inv_cseq, h, nh, body, &d, ep_sender_auth(s->inv), &ack);
    if (rc == 0) {
        tp_send(s->ep->tp, &d, ack.data, ack.len, NULL);
        /* kept for the 2xx's retransmissions; out of memory, they go unanswered (the callee
         * ends the call after 64*T1: RFC 3261 §13.3.1.4) */
        sess_resend_set(&s->ack, &d, ack.data, ack.len);
        s->acked = true;
        /* a caller's session has no 2xx of its own to retransmit: ok_timer times its ACK */
        const txn_timers *tt = txn_layer_timers(s->ep->txn);
        if (!s->incoming)
            pl_loop_timer_start(s->ep->loop, &s->ok_timer, 64ull * tt->t1, on_ack_kept, s);
    }
    pl_buf_free(&ack);
}

void sess_uac_ack_pending(parley_session *s)
{
    if (s->incoming || !s->uac || !s->dlg || s->acked)
        return;
    if (s->uac->pend.active) {
        /* the answer will not come now: the ACK goes without it */
        s->uac->pend.active = false;
        sip_msg_free(s->uac->pend.offer);
        s->uac->pend.offer = NULL;
    }
    sess_send_ack(s, NULL, 0, NULL);
    s->uac->ack_ctl.sent = true;
}

/* Another fork answered after the session was established: ACK its 2xx (each time it comes),
 * then BYE it (once). */
static void ack_fork(parley_endpoint *ep, dlg *d, uint32_t cseq, const tp_dest *inv, pl_str auth,
                     tp_dest *dest)
{
    next_hop_dest(NULL, d, inv, dest);
    pl_buf ack;
    pl_buf_init(&ack, 512);
    if (build_ack(ep, d, cseq, auth, NULL, dest, &ack) == 0)
        tp_send(ep->tp, dest, ack.data, ack.len, NULL);
    pl_buf_free(&ack);
}

static void ack_and_bye(parley_endpoint *ep, dlg *d, uint32_t cseq, const tp_dest *inv, pl_str auth)
{
    tp_dest dest;
    ack_fork(ep, d, cseq, inv, auth, &dest);
    /* the BYE: a plain request; its answer does not matter to anyone */
    char branch[32], hostport[80], via[160];
    txn_new_branch(branch);
    ep_local_hostport(ep, dest.proto, &dest.addr, hostport, sizeof(hostport), NULL);
    int n = snprintf(via, sizeof(via), "SIP/2.0/%s %s;branch=%s;rport", tp_proto_name(dest.proto),
                     hostport, branch);
    sip_out o;
    sip_out_init(&o);
    dlg_req r = {.method = "BYE", .via = pl_str_make(via, (size_t)n)};
    if (dlg_build_request(d, &r, &o) == 0)
        txn_client_start(ep->txn, &o, branch, &dest, NULL, NULL, NULL);
    sip_out_free(&o);
}

void sess_orphan_2xx(parley_endpoint *ep, const sip_msg *m, const tp_dest *inv)
{
    /* Our session for this INVITE has ended; the 2xx (a fork's, or a retransmission whose ACK
     * was lost) still gets its ACK and, as a dialog nobody wants, a BYE (RFC 3261 §13.2.2.4).
     * Our From comes back unchanged in the response. */
    const sip_hdr *from = sip_hdr_first(m, SIP_H_FROM);
    if (!from || !m->from || !m->from->tag.len || !m->to || !m->to->tag.len || !m->call_id.len)
        return;
    char *call_id = pl_str_dup(m->call_id), *tag = pl_str_dup(m->from->tag),
         *hdr = pl_str_dup(from->value);
    dlg *d = call_id && tag && hdr ? dlg_new_uac(call_id, hdr, tag, m->cseq.num, NULL, m) : NULL;
    if (d) {
        dlg_update_from_response(d, m, true);
        ack_and_bye(ep, d, m->cseq.num, inv, PL_STR_NULL);
        dlg_free(d);
    }
    pl_free(call_id);
    pl_free(tag);
    pl_free(hdr);
}

#define MAX_FORKS 16 /* forks remembered so that their 2xx retransmissions are not BYEd again */

static void kill_fork(parley_session *s, const sip_msg *m)
{
    if (!s->uac)
        return; /* no INVITE of ours went */
    size_t n = 0;
    pl_list_each(pos, &s->uac->forks)
    {
        dlg *d = pl_container_of(pos, dlg, link);
        if (m->to && pl_str_eq(pl_str_c(d->remote_tag), m->to->tag)) {
            tp_dest dest;
            ack_fork(s->ep, d, s->inv_cseq, inv_dest(s), ep_sender_auth(s->inv),
                     &dest); /* its BYE went already */
            return;
        }
        n++;
    }
    dlg *d = dlg_new_uac(s->call_id, s->uac->inv_local_hdr, s->local_tag, s->inv_cseq,
                         s->request_uri, m);
    if (!d)
        return;
    dlg_update_from_response(d, m, true);
    ack_and_bye(s->ep, d, s->inv_cseq, inv_dest(s), ep_sender_auth(s->inv));
    sess_fork_ignored(s, m);
    if (n < MAX_FORKS)
        pl_list_insert_tail(&s->uac->forks, &d->link);
    else
        dlg_free(d);
}

/* ---- ACK control handed to on_accepted ---- */

typedef struct handle_args {
    void *h;       /* the handle */
    pl_list *held; /* its list of answers given inside its callback */
    bool *in_callback;
    const parley_header *hdrs;
    size_t nh;
    void (*check)(sess_call *c); /* sets c->rc; 0 marks the handle as answering */
    void (*fn)(sess_work *w);
} handle_args;

/* Checks the handle where the call is made, then queues its work. */
static void handle_on_loop(sess_call *c)
{
    handle_args *a = c->args;
    a->check(c);
    if (c->rc)
        return;
    sess_work *w = sess_work_new(c->s, a->fn, a->hdrs, a->nh);
    if (!w) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    w->obj = a->h;
    sess_work_queue(c->s, w, *a->in_callback ? a->held : NULL);
}

static int run_handle(parley_session *s, handle_args *a)
{
    int rc = sess_header_check(a->hdrs, a->nh);
    if (rc)
        return rc;
    sess_call c = {s, handle_on_loop, 0, a};
    return sess_run(s, &c);
}

int parley_ack_defer(parley_ack *a)
{
    if (!a)
        return PARLEY_E_INVAL;
    if (!a->in_callback || a->sent || a->deferred || a->s->uac->pend.active)
        return PARLEY_E_STATE;
    a->deferred = true;
    return 0;
}

static void ack_check(sess_call *c)
{
    parley_ack *a = ((handle_args *)c->args)->h;
    parley_session *s = a->s;
    /* (after terminate was called, its BYE goes after an ACK of its own) */
    bool ok = !a->sent && !s->uac->pend.active && s->dlg && s->state != PARLEY_STATE_DISCONNECTED &&
              !s->ending && (a->in_callback || a->deferred);
    c->rc = ok ? 0 : PARLEY_E_STATE;
    if (ok)
        a->sent = true;
}

static void ack_work(sess_work *w)
{
    parley_session *s = w->task.s;
    if (!s->dlg || s->acked || s->state == PARLEY_STATE_DISCONNECTED)
        return;
    sess_send_ack(s, w->hdrs, w->nh, NULL);
}

int parley_ack_send(parley_ack *a, const parley_header *headers, size_t nheaders)
{
    if (!a)
        return PARLEY_E_INVAL;
    handle_args x = {a, &a->held, &a->in_callback, headers, nheaders, ack_check, ack_work};
    return run_handle(a->s, &x);
}

/* ---- the null-offer flow: the answer goes in the ACK ---- */

int parley_pending_answer_defer(parley_pending_answer *p)
{
    if (!p)
        return PARLEY_E_INVAL;
    if (!p->in_callback || !p->active || p->answering || p->deferred)
        return PARLEY_E_STATE;
    p->deferred = true;
    return 0;
}

/* Sends the ACK with the answer to the offer in the 2xx (h: the application's headers). */
static void pending_answer_send(parley_session *s, const sip_kv *h, size_t nh)
{
    parley_pending_answer *p = &s->uac->pend;
    if (!p->active || !p->offer || s->state == PARLEY_STATE_DISCONNECTED)
        return;
    p->active = false;
    sess_body ans;
    int refused = sess_get_answer(s, p->offer, &ans, NULL);
    sess_send_ack(s, h, nh, refused ? NULL : &ans);
    if (!refused)
        sess_body_free(&ans);
    sip_msg_free(p->offer);
    p->offer = NULL;
    if (refused) {
        /* an offer the application cannot answer: the session cannot stand (RFC 3264 §6) */
        sess_send_bye(s, NULL, 0, NULL);
        sess_end(s, PARLEY_REASON_NOT_ACCEPTABLE_MEDIA, NULL);
    }
}

static void ready_check(sess_call *c)
{
    parley_pending_answer *p = ((handle_args *)c->args)->h;
    bool ok = p->active && p->offer && !p->answering && !p->s->ending &&
              p->s->state != PARLEY_STATE_DISCONNECTED && (p->in_callback || p->deferred);
    c->rc = ok ? 0 : PARLEY_E_STATE;
    if (ok)
        p->answering = true;
}

static void ready_work(sess_work *w)
{
    pending_answer_send(w->task.s, w->hdrs, w->nh);
}

int parley_pending_answer_ready(parley_pending_answer *p, const parley_header *headers,
                                size_t nheaders)
{
    if (!p)
        return PARLEY_E_INVAL;
    handle_args x = {p, &p->held, &p->in_callback, headers, nheaders, ready_check, ready_work};
    return run_handle(p->s, &x);
}

/* ---- responses to the INVITE ---- */

static void on_inv_response(void *arg, ep_sender *snd, sip_msg *m);
static void on_inv_fail(void *arg, ep_sender *snd, int err);
static uint32_t inv_next_cseq(void *arg, uint32_t last);
static const ep_send_ops invite_ops = {build_invite, on_inv_response, on_inv_fail, inv_next_cseq};

/* Our INVITE was challenged: it goes again with credentials and the next CSeq (RFC 3261
 * §22.2), unless we are cancelling it or a dialog stands already. */
static uint32_t inv_next_cseq(void *arg, uint32_t last)
{
    parley_session *s = arg;
    if (s->uac->cancel_wanted || s->dlg || s->state == PARLEY_STATE_DISCONNECTED)
        return 0;
    s->inv_cseq = last + 1;
    s->uac->inv_provisional = false; /* a CANCEL waits for the new transaction's provisional */
    return s->inv_cseq;
}

static dlg *find_early(parley_session *s, pl_str tag)
{
    pl_list_each(pos, &s->uac->early)
    {
        dlg *d = pl_container_of(pos, dlg, link);
        if (pl_str_eq(pl_str_c(d->remote_tag), tag))
            return d;
    }
    return NULL;
}

/* The early dialog for this response's To tag, made on first sight. */
static dlg *early_dialog(parley_session *s, const sip_msg *m)
{
    if (!m->to || !m->to->tag.len)
        return NULL;
    dlg *d = find_early(s, m->to->tag);
    if (d) {
        dlg_update_from_response(d, m, false);
        return d;
    }
    d = dlg_new_uac(s->call_id, s->uac->inv_local_hdr, s->local_tag, s->inv_cseq, s->request_uri,
                    m);
    if (!d)
        return NULL;
    pl_list_insert_tail(&s->uac->early, &d->link);
    sess_attach_dialog(s, d);
    return d;
}

static void drop_early_dialogs(parley_session *s)
{
    pl_list_each_safe(pos, tmp, &s->uac->early)
    {
        dlg *d = pl_container_of(pos, dlg, link);
        sess_uac_drop_pracks(s, d);
        pl_list_remove(&d->link);
        dlg_table_remove(&s->reg->dialogs, d);
        dlg_free(d);
    }
}

/* Our CANCEL was sent 64*T1 ago and the INVITE still has no final response: RFC 3261 §9.1 says
 * to consider the INVITE transaction cancelled. */
static void on_cancel_timer(pl_timer *tm, void *arg)
{
    (void)tm;
    parley_session *s = arg;
    if (s->dlg || (s->state != PARLEY_STATE_CONNECTING && s->state != PARLEY_STATE_ALERTED))
        return;
    if (s->inv) {
        ep_sender_release(s->inv);
        s->inv = NULL;
    }
    sess_uac_fail_invite(s, PARLEY_E_TIMEOUT, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
}

static void send_cancel(parley_session *s)
{
    txn_client *t = s->inv ? ep_sender_txn(s->inv) : NULL;
    if (!t || s->uac->cancel_sent)
        return;
    sip_kv room[8], *owned;
    size_t nh;
    const sip_kv *h =
        sess_with_request_headers(s, s->terminate ? s->terminate->hdrs : NULL,
                                  s->terminate ? s->terminate->nh : 0, true, room, 8, &owned, &nh);
    int rc = txn_client_cancel(t, h, nh, NULL, NULL, NULL);
    pl_free(owned);
    if (rc == 0) {
        s->uac->cancel_sent = true;
        const txn_timers *tt = txn_layer_timers(s->ep->txn);
        pl_loop_timer_start(s->ep->loop, &s->uac->cancel_timer, 64ull * tt->t1, on_cancel_timer, s);
    }
}

static void early_media_event(parley_session *s, const sip_msg *m, bool reliable, bool is_offer)
{
    if (!s->cbs->on_early_media || s->released)
        return;
    char ctype[256], tag[128];
    parley_content c;
    sess_content_of(m, &c, ctype, sizeof(ctype));
    snprintf(tag, sizeof(tag), "%.*s", (int)m->to->tag.len, m->to->tag.p);
    parley_early_media em = {tag, m->status, reliable, is_offer, &c, m};
    s->cbs->on_early_media(s, &em, s->cbs_user);
}

static void on_provisional(parley_session *s, sip_msg *m)
{
    s->uac->inv_provisional = true;
    if (s->uac->cancel_wanted) {
        send_cancel(s);
        return;
    }
    if (m->status == 100)
        return; /* hop by hop: no dialog, no event */
    bool fresh = m->to && m->to->tag.len && !find_early(s, m->to->tag);
    dlg *d = early_dialog(s, m);
    /* a reliable 1xx (RFC 3262) is taken once, in RSeq order, and PRACKed */
    bool reliable = s->rel100 != PARLEY_100REL_UNSUPPORTED &&
                    sess_has_option(m, SIP_H_REQUIRE, "100rel") && sess_rseq(m, &(uint32_t){0});
    if (reliable && !sess_uac_reliable(d, m))
        return;
    sess_note_peer(s, m);
    if (reliable)
        s->peer_100rel = true;
    fresh = fresh && d;
    sess_set_remote_from(s, m->to, m, s->state == PARLEY_STATE_ALERTED);
    if (s->state == PARLEY_STATE_CONNECTING)
        sess_set_state(s, PARLEY_STATE_ALERTED, PARLEY_REASON_PROVISIONAL_RESPONSE_RECEIVED, m);
    if (fresh) /* a new early dialog (fork) first, then what its 1xx carries */
        sess_fork_early(s, m, s->uac->inv_offer && sess_msg_has_body(m));
    sess_body answer = {0};
    if (sess_msg_has_body(m)) {
        if (s->uac->inv_offer) {
            /* early media: the answer to our offer; the first one is the application's until
             * a 2xx says which fork answered */
            if (!s->answer_seen) {
                s->answer_seen = true;
                s->answer_tag = pl_str_dup(m->to->tag);
                sess_set_answer(s, m);
            }
            early_media_event(s, m, reliable, false);
        } else if (reliable && !sess_fork_oa_done(s, m->to->tag)) {
            /* our INVITE had no offer: this is this fork's offer, its answer rides in the
             * PRACK (each fork's on its own: a later one of the same fork repeats it) */
            early_media_event(s, m, true, true);
            if (sess_get_answer(s, m, &answer, NULL) == 0 && answer.data) {
                s->answer_seen = true;
                if (!s->answer_tag) /* an early UPDATE goes to the first fork answered */
                    s->answer_tag = pl_str_dup(m->to->tag);
                sess_fork_oa_add(s, m->to->tag);
            }
        }
    }
    if (reliable && s->state != PARLEY_STATE_DISCONNECTED)
        sess_uac_prack(s, d, answer.data ? &answer : NULL);
    sess_body_free(&answer);
    if (s->cbs->on_provisional && !s->released)
        s->cbs->on_provisional(s, m, s->cbs_user);
}

/* The 2xx of an INVITE we were cancelling (or hung up in on_accepted), ACKed and BYEd: the
 * session ends TerminatedLocally and the INVITE's operation with PARLEY_E_TERMINATED and that
 * 2xx (its status says the peer did answer). */
static void end_crossed(parley_session *s, const sip_msg *m)
{
    sess_final fin = {&s->participate, PARLEY_E_TERMINATED, m};
    sess_end_with(s, PARLEY_REASON_TERMINATED_LOCALLY, m, &fin, 1);
}

static void on_2xx(parley_session *s, sip_msg *m)
{
    pl_str tag = m->to ? m->to->tag : PL_STR_NULL;
    if (s->dlg) {
        if (pl_str_eq(pl_str_c(s->dlg->remote_tag), tag)) {
            if (s->acked && s->ack)
                tp_send(s->ep->tp, &s->ack->dest, s->ack->data, s->ack->len, NULL); /* again */
            return;
        }
        kill_fork(s, m); /* a second fork answered: only one establishes the session */
        return;
    }
    if (!tag.len) {
        sess_end(s, PARLEY_REASON_NONE, m); /* a 2xx without To tag cannot make a dialog */
        return;
    }
    dlg *d = find_early(s, tag);
    if (d) {
        pl_list_remove(&d->link);
    } else {
        d = dlg_new_uac(s->call_id, s->uac->inv_local_hdr, s->local_tag, s->inv_cseq,
                        s->request_uri, m);
        if (!d) {
            sess_end(s, PARLEY_REASON_NONE, m);
            return;
        }
        sess_attach_dialog(s, d);
    }
    dlg_update_from_response(d, m, true);
    s->dlg = d;
    drop_early_dialogs(s);
    sess_set_remote_tag(s, tag);
    sess_note_peer(s, m);
    /* as for provisionals: the first response that names the remote is no change of it */
    sess_set_remote_from(s, m->to, m, s->state == PARLEY_STATE_ALERTED);

    if (s->uac->cancel_wanted) {
        /* the 2xx crossed our CANCEL: ACK it, then BYE (RFC 3261 §9.1); the terminate
         * completes with the BYE's answer, as for a Connected session */
        sess_op *t = s->terminate;
        sess_send_ack(s, NULL, 0, NULL);
        sess_send_bye(s, t ? t->hdrs : NULL, t ? t->nh : 0, t);
        end_crossed(s, m);
        return;
    }
    parley_session_ref(s);
    bool null_offer = !s->uac->inv_offer;
    s->uac->ack_ctl = (struct parley_ack){.s = s, .in_callback = true};
    pl_list_init(&s->uac->ack_ctl.held);
    pl_loop_timer_stop(s->ep->loop, &s->uac->cancel_timer);
    /* the answer in force is this dialog's: again when early media came from another fork */
    if (!null_offer &&
        (!s->answer_seen || !s->answer_tag || !pl_str_eq(pl_str_c(s->answer_tag), tag))) {
        s->answer_seen = true;
        sess_set_answer(s, m);
    }
    if (sess_fork_oa_take(s, tag) && null_offer)
        null_offer = false; /* this fork's offer came in a reliable 1xx, answered in the PRACK */
    if (null_offer && sess_msg_has_body(m) && s->has_oa) {
        s->uac->pend =
            (struct parley_pending_answer){.s = s, .active = true, .offer = parley_msg_ref(m)};
        pl_list_init(&s->uac->pend.held);
    }
    if (s->cbs->on_accepted && !s->released)
        s->cbs->on_accepted(s, m, &s->uac->ack_ctl, s->cbs_user);
    s->uac->ack_ctl.in_callback = false;
    sess_tasks_run_held(&s->uac->ack_ctl.held);
    if (s->uac->pend.active) {
        if (s->oa->offer_in_response) {
            char ctype[256];
            parley_content offer;
            sess_content_of(m, &offer, ctype, sizeof(ctype));
            s->uac->pend.in_callback = true;
            s->oa->offer_in_response(s, &s->uac->pend, &offer, s->oa_user);
            s->uac->pend.in_callback = false;
            sess_tasks_run_held(&s->uac->pend.held);
        }
        /* the default: the answer goes now */
        if (!s->uac->pend.answering && !s->uac->pend.deferred)
            pending_answer_send(s, NULL, 0);
    } else if (!s->uac->ack_ctl.deferred && !s->uac->ack_ctl.sent &&
               s->state != PARLEY_STATE_DISCONNECTED) {
        sess_send_ack(s, NULL, 0, NULL);
        s->uac->ack_ctl.sent = true;
    }
    if (s->uac->cancel_wanted && s->state != PARLEY_STATE_DISCONNECTED) {
        /* terminate was called from on_accepted or offer_in_response: ACK, then BYE */
        sess_op *t = s->terminate;
        sess_uac_ack_pending(s);
        sess_send_bye(s, t ? t->hdrs : NULL, t ? t->nh : 0, t);
        end_crossed(s, m);
    }
    if (s->state != PARLEY_STATE_DISCONNECTED) {
        sess_set_state(s, PARLEY_STATE_CONNECTED, PARLEY_REASON_NONE, m);
        sess_timer_on_response(s, m, true);
        sess_op_complete(s->participate, 0, m);
    }
    parley_session_unref(s);
}

/* Starts the INVITE towards the current Request-URI (again, after a redirection). */
int sess_uac_send_invite(parley_session *s)
{
    if (s->inv) {
        ep_sender_release(s->inv);
        s->inv = NULL;
    }
    s->uac->inv_provisional = false;
    s->answer_seen = false; /* a redirection target's early media is its own */
    pl_free(s->answer_tag);
    s->answer_tag = NULL;
    sess_fork_oa_clear(s);
    return ep_sender_start_ood(s->ep, s->request_uri, (const char *const *)s->routes, &invite_ops,
                               s, &s->inv);
}

void sess_uac_fail_invite(parley_session *s, int err, parley_reason why, sip_msg *m)
{
    parley_session_ref(s);
    sess_final fin[2] = {{&s->participate, err, m}, {&s->terminate, 0, NULL}};
    if (s->terminate) {
        why = PARLEY_REASON_TERMINATED_LOCALLY;
        fin[0].err = PARLEY_E_TERMINATED; /* and terminate is done: the 487 is no failure of it */
    }
    sess_end_with(s, why, m, fin, 2);
    parley_session_unref(s);
}

/* The INVITE's header lines: the capabilities merged with participate's headers, then the
 * headers on_redirecting added for the next INVITEs (extra may be NULL). */
int sess_uac_print_headers(parley_session *s, const parley_header *extra, size_t nextra)
{
    size_t n = s->uac->inv_nh + nextra;
    parley_header *all = pl_calloc(n ? n : 1, sizeof(*all));
    if (!all)
        return PARLEY_E_NOMEM;
    for (size_t i = 0; i < s->uac->inv_nh; i++)
        all[i] = (parley_header){s->uac->inv_hdrs[i].name, s->uac->inv_hdrs[i].value};
    for (size_t i = 0; i < nextra; i++)
        all[s->uac->inv_nh + i] = extra[i];
    sip_kv *kv = ep_copy_headers(all, n);
    pl_free(all);
    if (!kv)
        return PARLEY_E_NOMEM;
    pl_buf lines;
    pl_buf_init(&lines, 256);
    sess_print_common(s, &lines, kv, n);
    char *text = pl_buf_steal(&lines, NULL);
    if (!text) {
        pl_free(kv);
        return PARLEY_E_NOMEM;
    }
    pl_free(s->uac->inv_extra);
    s->uac->inv_extra = text;
    if (nextra) {
        /* later redirections keep what was added */
        pl_free(s->uac->inv_hdrs);
        s->uac->inv_hdrs = kv;
        s->uac->inv_nh = n;
    } else {
        pl_free(kv);
    }
    return 0;
}

static void on_final_failure(parley_session *s, sip_msg *m)
{
    drop_early_dialogs(s);
    if (m->status == 422 && !s->uac->cancel_wanted && !s->ending && sess_timer_on_422(s, m)) {
        /* Session Interval Too Small: once more with the Min-SE it wants (RFC 4028 §7.4) */
        s->inv_cseq++;
        if (sess_uac_send_invite(s) == 0)
            return;
    }
    if (m->status < 400 && !s->uac->cancel_wanted) {
        sess_redirect_collect(s, m);
        sess_set_state(s, PARLEY_STATE_REDIRECTING, PARLEY_REASON_NONE, m);
        if (sess_redirect_follow(s, m, 0, -1))
            return;
    } else if (!s->uac->cancel_wanted && s->uac->next_target < s->uac->ntargets &&
               s->uac->next_target > 0) {
        /* a redirection target failed: the next one (TRY_ALL) */
        sess_set_state(s, PARLEY_STATE_REDIRECTING, PARLEY_REASON_NONE, m);
        if (sess_redirect_follow(s, m, 0, -1))
            return;
    }
    sess_uac_fail_invite(s, PARLEY_E_FAILURE_RESPONSE, sess_reason_for_status(m->status), m);
}

static void on_inv_response(void *arg, ep_sender *snd, sip_msg *m)
{
    parley_session *s = arg;
    (void)snd;
    const ep_attempt *a = ep_sender_attempt(snd);
    tp_rx rx = {a->dest.proto, a->dest.addr, a->dest.addr, 0};
    sess_note_rx(s, &rx);
    if (m->status < 200)
        on_provisional(s, m);
    else if (m->status < 300)
        on_2xx(s, m);
    else if (!s->dlg)
        on_final_failure(s, m);
}

static void on_inv_fail(void *arg, ep_sender *snd, int err)
{
    parley_session *s = arg;
    (void)snd;
    if (s->dlg)
        return; /* the session stands; a late transport error on the INVITE changes nothing */
    if (!s->uac->cancel_wanted && s->uac->next_target > 0 &&
        s->uac->next_target < s->uac->ntargets) {
        sess_set_state(s, PARLEY_STATE_REDIRECTING, PARLEY_REASON_NONE, NULL);
        if (sess_redirect_follow(s, NULL, err, -1))
            return;
    }
    sess_uac_fail_invite(s, err, sess_reason_for_error(err), NULL);
}

void sess_uac_end(parley_session *s)
{
    sess_uac *u = s->uac;
    u->redirect_deferred = false;
    u->redirect_resuming = false;
    sip_msg_free(u->defer_msg);
    u->defer_msg = NULL;
}

/* ---- starting and ending ---- */

/* The outgoing INVITE's own state, allocated by its first attempt. */
static sess_uac *uac_get(parley_session *s)
{
    if (!s->uac) {
        s->uac = pl_calloc(1, sizeof(*s->uac));
        if (s->uac) {
            pl_timer_init(&s->uac->cancel_timer);
            pl_list_init(&s->uac->early);
            pl_list_init(&s->uac->forks);
            pl_list_init(&s->uac->fork_oa);
            pl_list_init(&s->uac->ack_ctl.held);
            pl_list_init(&s->uac->pend.held);
        }
    }
    return s->uac;
}

void sess_uac_free(parley_session *s)
{
    sess_uac *u = s->uac;
    if (!u)
        return;
    pl_loop_timer_stop(s->ep->loop, &u->cancel_timer); /* (the INVITE's Expires, or CANCEL's) */
    sess_fork_oa_clear(s);
    pl_list_each_safe(pos, tmp, &u->early)
    {
        dlg *d = pl_container_of(pos, dlg, link);
        pl_list_remove(&d->link);
        dlg_free(d);
    }
    pl_list_each_safe(pos, tmp, &u->forks)
    {
        dlg *d = pl_container_of(pos, dlg, link);
        pl_list_remove(&d->link);
        dlg_free(d);
    }
    sip_msg_free(u->redirect_msg);
    sip_msg_free(u->defer_msg);
    sip_msg_free(u->pend.offer);
    for (size_t i = 0; i < u->ntargets; i++)
        pl_free(u->targets[i]);
    pl_free(u->targets);
    pl_free(u->inv_local_hdr);
    pl_free(u->inv_extra);
    pl_free(u->inv_hdrs);
    sess_body_free(&u->inv_body);
    pl_free(u->inv_dest);
    pl_free(u);
    s->uac = NULL;
}

/* The Expires our INVITE carried ran out with no final response: CANCEL it (RFC 3261 §13.2.1),
 * as terminate does. */
static void on_inv_expired(pl_timer *tm, void *arg)
{
    (void)tm;
    parley_session *s = arg;
    if (!s->dlg && !s->uac->cancel_wanted && !s->ending)
        sess_uac_terminate(s);
}

/* The application's Expires on the INVITE (delta-seconds, more than 0), if any. */
static unsigned invite_expires(const sess_uac *u)
{
    unsigned v;
    for (size_t i = 0; i < u->inv_nh; i++)
        if (pl_str_caseeq_lit(pl_str_c(u->inv_hdrs[i].name), "Expires") &&
            sip_delta_seconds(pl_str_c(u->inv_hdrs[i].value), &v))
            return v;
    return 0;
}

int sess_uac_start(parley_session *s, sess_op *op, const sip_kv *h, size_t nh)
{
    if (!uac_get(s))
        return PARLEY_E_NOMEM;
    /* what an attempt that failed here left (participate may be called again) */
    pl_free(s->uac->inv_local_hdr);
    pl_free(s->uac->inv_extra);
    pl_free(s->uac->inv_hdrs);
    s->uac->inv_local_hdr = s->uac->inv_extra = NULL;
    s->uac->inv_hdrs = NULL;
    s->uac->inv_nh = 0;
    sess_body_free(&s->uac->inv_body);
    char tag[EP_TAG_LEN + 1];
    ep_new_tag(tag);
    sess_set_local_tag(s, tag);
    pl_buf self;
    pl_buf_init(&self, 128);
    ep_print_self(s->ep, &self, s->local.uri, s->local.name, tag);
    s->uac->inv_local_hdr = pl_buf_steal(&self, NULL);
    /* participate's headers, the session's for every request, the target URI's: one per name */
    sip_kv room[8], *owned;
    size_t n;
    const sip_kv *all = sess_with_request_headers(s, h, nh, false, room, 8, &owned, &n);
    s->uac->inv_hdrs = ep_with_uri_headers(all, n, pl_str_c(s->uri_headers), &s->uac->inv_nh);
    pl_free(owned);
    if (!s->uac->inv_local_hdr || !s->uac->inv_hdrs)
        return PARLEY_E_NOMEM;
    if (sess_uac_print_headers(s, NULL, 0) != 0)
        return PARLEY_E_NOMEM;
    int rc = sess_get_offer(s, &s->uac->inv_body);
    if (rc)
        return PARLEY_E_ABORTED; /* the application gave no offer */
    s->uac->inv_offer = s->uac->inv_body.data != NULL;
    s->inv_cseq = 1;
    s->participate = op;
    rc = sess_uac_send_invite(s);
    if (rc) {
        s->participate = NULL;
        return rc;
    }
    sess_set_state(s, PARLEY_STATE_CONNECTING, PARLEY_REASON_NONE, NULL);
    unsigned expires = invite_expires(s->uac);
    if (expires) /* cancel_timer is free until a CANCEL goes (which restarts it) */
        pl_loop_timer_start(s->ep->loop, &s->uac->cancel_timer, (uint64_t)expires * 1000,
                            on_inv_expired, s);
    return 0;
}

void sess_uac_terminate(parley_session *s)
{
    switch ((parley_state)s->state) {
    case PARLEY_STATE_CONNECTING:
    case PARLEY_STATE_ALERTED:
        s->uac->cancel_wanted = true;
        if (s->uac->inv_provisional)
            send_cancel(s); /* else once a provisional arrives (RFC 3261 §9.1) */
        break;
    case PARLEY_STATE_REDIRECTING:
        sess_uac_fail_invite(s, PARLEY_E_TERMINATED, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        break;
    default:
        break;
    }
}

void sess_uac_stray(parley_session *s, sip_msg *m)
{
    if (s->dlg && m->to && pl_str_eq(pl_str_c(s->dlg->remote_tag), m->to->tag)) {
        if (s->acked && s->ack)
            tp_send(s->ep->tp, &s->ack->dest, s->ack->data, s->ack->len, NULL);
        return;
    }
    if (s->dlg || s->state == PARLEY_STATE_DISCONNECTED)
        kill_fork(s, m);
}
