/* Client transactions (RFC 3261 §17.1, RFC 6026 §7.2). */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "txn/txn_int.h"

static uint64_t client_hash(const txn_layer *l, pl_str branch, unsigned method)
{
    return pl_hash_str(l->clients.seed, branch) ^ ((uint64_t)method * 0x9e3779b97f4a7c15ull);
}

typedef struct client_key {
    pl_str branch;
    unsigned method;
    pl_str method_text;
} client_key;

static bool match_client(const pl_hnode *n, const void *key)
{
    const txn_client *t = pl_container_of(n, txn_client, node);
    const client_key *k = key;
    if (t->method_id != k->method || !pl_str_eq(pl_str_c(t->branch), k->branch))
        return false;
    return k->method != SIP_METHOD_OTHER ||
           pl_str_eq(sip_span_str(&t->req.buf, t->req.method), k->method_text);
}

txn_client *txn_client_match(txn_layer *l, const sip_msg *m)
{
    if (!m->via || !m->via->branch.len || !m->has_cseq)
        return NULL;
    client_key k = {m->via->branch, m->cseq.method_id, m->cseq.method};
    pl_hnode *n = pl_hash_find(&l->clients, client_hash(l, k.branch, k.method), match_client, &k);
    return n ? pl_container_of(n, txn_client, node) : NULL;
}

static void free_client(txn_client *t)
{
    sip_out_free(&t->req);
    pl_buf_free(&t->ack);
    pl_free(t);
}

static void unref(txn_client *t)
{
    if (--t->refs == 0)
        free_client(t);
}

static void terminate(txn_client *t)
{
    if (t->state == TXN_TERMINATED)
        return;
    txn_layer *l = t->l;
    t->state = TXN_TERMINATED;
    pl_loop_timer_stop(l->loop, &t->retrans);
    pl_loop_timer_stop(l->loop, &t->wait);
    pl_hash_remove(&l->clients, &t->node);
    pl_list_remove(&t->link);
    txn_watch_remove(l, t);
    l->stats.clients--;
    unref(t);
}

void txn_client_kill(txn_client *t)
{
    terminate(t);
}

static void fail(txn_client *t, int err)
{
    t->refs++;
    if (t->cb.on_fail)
        t->cb.on_fail(t->tu, t, err);
    terminate(t);
    unref(t);
}

static int send_request(txn_client *t)
{
    return tp_send(t->l->tp, &t->dest, t->req.buf.data, t->req.buf.len, NULL);
}

static void on_retrans(pl_timer *tm, void *arg)
{
    (void)tm;
    txn_client *t = arg;
    txn_layer *l = t->l;
    if (send_request(t) != 0) {
        fail(t, PARLEY_E_CONNECT);
        return;
    }
    if (t->method_id == SIP_METHOD_INVITE)
        t->interval *= 2; /* Timer A doubles without bound (B ends it) */
    else if (t->state == TXN_PROCEEDING)
        t->interval = (unsigned)txn_t2(l);
    else
        t->interval = t->interval * 2 < txn_t2(l) ? t->interval * 2 : (unsigned)txn_t2(l);
    pl_loop_timer_start(l->loop, &t->retrans, t->interval, on_retrans, t);
}

static void on_wait(pl_timer *tm, void *arg)
{
    (void)tm;
    txn_client *t = arg;
    if (t->fail_err) {
        fail(t, t->fail_err);
        return;
    }
    switch (t->state) {
    case TXN_CALLING:
    case TXN_TRYING:
    case TXN_PROCEEDING:
        fail(t, PARLEY_E_TIMEOUT); /* Timer B or F */
        break;
    default:
        terminate(t); /* Timer D, K or M */
        break;
    }
}

static void deliver(txn_client *t, sip_msg *m)
{
    if (t->cb.on_response)
        t->cb.on_response(t->tu, t, m);
}

/* After a final response: wait `ms` in this state, or end at once. */
static void linger(txn_client *t, txn_state state, uint64_t ms)
{
    t->state = state;
    pl_loop_timer_stop(t->l->loop, &t->retrans);
    if (ms == 0) {
        terminate(t);
        return;
    }
    pl_loop_timer_start(t->l->loop, &t->wait, ms, on_wait, t);
}

static void send_ack(txn_client *t, const sip_msg *resp)
{
    if (!t->ack.len && sip_build_ack_non2xx(&t->req, resp, &t->ack) != 0)
        return;
    tp_send(t->l->tp, &t->dest, t->ack.data, t->ack.len, NULL);
}

/* A 2xx goes to the TU; when the TU has gone, to the layer (it is still owed an ACK). */
static void deliver_2xx(txn_client *t, sip_msg *m)
{
    if (t->cb.on_response)
        deliver(t, m);
    else if (t->l->h.on_orphan_2xx)
        t->l->h.on_orphan_2xx(t->l->h.arg, m, &t->dest);
}

static void recv_invite(txn_layer *l, txn_client *t, sip_msg *m)
{
    unsigned s = m->status;
    switch (t->state) {
    case TXN_CALLING:
    case TXN_PROCEEDING:
        if (s < 200) {
            t->state = TXN_PROCEEDING;
            pl_loop_timer_stop(l->loop, &t->retrans);
            pl_loop_timer_stop(l->loop, &t->wait); /* Timer B only guards Calling */
            deliver(t, m);
        } else if (s < 300) {
            t->state = TXN_ACCEPTED;
            pl_loop_timer_stop(l->loop, &t->retrans);
            pl_loop_timer_start(l->loop, &t->wait, 64 * txn_t1(l), on_wait, t); /* Timer M */
            deliver_2xx(t, m);
        } else {
            send_ack(t, m);
            deliver(t, m);
            linger(t, TXN_COMPLETED, t->reliable ? 0 : 32000); /* Timer D */
        }
        break;
    case TXN_COMPLETED:
        if (s >= 300) {
            send_ack(t, m);
            l->stats.retransmissions_absorbed++;
        }
        break;
    case TXN_ACCEPTED:
        if (s >= 200 && s < 300)
            deliver_2xx(t, m); /* the TU ACKs each 2xx retransmission */
        break;
    default:
        break;
    }
}

static void recv_non_invite(txn_layer *l, txn_client *t, sip_msg *m)
{
    unsigned s = m->status;
    if (t->state != TXN_TRYING && t->state != TXN_PROCEEDING) {
        l->stats.retransmissions_absorbed++;
        return;
    }
    if (s < 200) {
        t->state = TXN_PROCEEDING;
        deliver(t, m);
        return;
    }
    pl_loop_timer_stop(l->loop, &t->wait);
    deliver(t, m);
    linger(t, TXN_COMPLETED, t->reliable ? 0 : txn_t4(l)); /* Timer K */
}

void txn_client_recv(txn_layer *l, txn_client *t, sip_msg *m)
{
    t->refs++;
    if (t->method_id == SIP_METHOD_INVITE)
        recv_invite(l, t, m);
    else
        recv_non_invite(l, t, m);
    unref(t);
}

void txn_client_conn_down(txn_client *t, int err)
{
    if (t->state == TXN_CALLING || t->state == TXN_TRYING || t->state == TXN_PROCEEDING)
        fail(t, err);
    else
        terminate(t);
}

void txn_client_unreachable(txn_client *t, int err)
{
    /* a response proves the peer is there: an ICMP after it is about something else */
    if ((t->state != TXN_CALLING && t->state != TXN_TRYING) || t->fail_err)
        return;
    t->fail_err = err;
    pl_loop_timer_stop(t->l->loop, &t->retrans);
    pl_loop_timer_start(t->l->loop, &t->wait, 0, on_wait, t);
}

int txn_client_start(txn_layer *l, sip_out *req, const char *branch, const tp_dest *dst,
                     const txn_client_cb *cb, void *tu, txn_client **out)
{
    if (out)
        *out = NULL;
    if (l->destroying)
        return PARLEY_E_TERMINATED;
    if (strlen(branch) >= sizeof(((txn_client *)0)->branch))
        return PARLEY_E_INVAL;
    txn_client *t = pl_calloc(1, sizeof(*t));
    if (!t)
        return PARLEY_E_NOMEM;
    t->l = l;
    t->refs = 1 + (out ? 1 : 0); /* the layer, and the TU when it keeps a pointer */
    t->method_id = req->method_id;
    t->req = *req;
    sip_out_init(req);
    strcpy(t->branch, branch);
    t->dest = *dst;
    t->reliable = tp_proto_reliable(dst->proto);
    pl_buf_init(&t->ack, 0);
    pl_timer_init(&t->retrans);
    pl_timer_init(&t->wait);
    pl_list_init(&t->conn_link);
    if (cb)
        t->cb = *cb;
    t->tu = tu;
    t->state = t->method_id == SIP_METHOD_INVITE ? TXN_CALLING : TXN_TRYING;
    pl_hash_insert(&l->clients, &t->node, client_hash(l, pl_str_c(t->branch), t->method_id));
    pl_list_insert_tail(&l->all_clients, &t->link);
    l->stats.clients++;
    int rc = tp_send(l->tp, &t->dest, t->req.buf.data, t->req.buf.len, &t->conn_id);
    if (rc) {
        /* report from the loop, not from inside this call */
        t->fail_err = rc;
        pl_loop_timer_start(l->loop, &t->wait, 0, on_wait, t);
    } else {
        if (t->conn_id)
            txn_watch_add(l, t);
        uint64_t t1 = txn_t1(l);
        if (!t->reliable) {
            t->interval = (unsigned)t1;
            pl_loop_timer_start(l->loop, &t->retrans, t1, on_retrans, t); /* Timer A or E */
        }
        pl_loop_timer_start(l->loop, &t->wait, 64 * t1, on_wait, t); /* Timer B or F */
    }
    if (out)
        *out = t;
    return 0;
}

void txn_client_detach(txn_client *t)
{
    if (!t)
        return;
    memset(&t->cb, 0, sizeof(t->cb));
    t->tu = NULL;
    unref(t);
}

txn_state txn_client_state(const txn_client *t)
{
    return t->state;
}

const sip_out *txn_client_request(const txn_client *t)
{
    return &t->req;
}

const char *txn_client_branch(const txn_client *t)
{
    return t->branch;
}

const tp_dest *txn_client_dest(const txn_client *t)
{
    return &t->dest;
}

int txn_client_cancel(txn_client *t, const sip_kv *extra, size_t nextra, const txn_client_cb *cb,
                      void *tu, txn_client **out)
{
    if (t->method_id != SIP_METHOD_INVITE || t->state != TXN_PROCEEDING)
        return PARLEY_E_STATE;
    sip_out c;
    sip_out_init(&c);
    int rc = sip_build_cancel(&t->req, &c.buf, extra, nextra);
    if (rc) {
        sip_out_free(&c);
        return rc;
    }
    c.method_id = SIP_METHOD_CANCEL;
    c.cseq = t->req.cseq;
    tp_dest d = t->dest;
    d.conn_id = t->conn_id;
    rc = txn_client_start(t->l, &c, t->branch, &d, cb, tu, out);
    sip_out_free(&c);
    return rc;
}
