/* Server transactions (RFC 3261 §17.2, RFC 6026 §7.1). */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "sip/print.h"
#include "txn/txn_int.h"

#define MAGIC "z9hG4bK"

static bool rfc3261_branch(const sip_via *v)
{
    return v && v->branch.len > 7 && memcmp(v->branch.p, MAGIC, 7) == 0;
}

/* ACK belongs to the INVITE transaction; everything else to its own method. */
static unsigned method_class(const sip_msg *m)
{
    return m->method_id == SIP_METHOD_ACK ? SIP_METHOD_INVITE : m->method_id;
}

static uint64_t server_hash(const txn_layer *l, const sip_msg *m, unsigned mclass)
{
    uint64_t h = l->servers.seed ^ ((uint64_t)mclass * 0x9e3779b97f4a7c15ull);
    const sip_via *v = m->via;
    if (rfc3261_branch(v)) {
        /* the port goes in with the host's seed: mixed by the host's hashing */
        h = pl_hash_str(h, v->branch) ^ ((uint64_t)v->port << 40);
        return pl_hash_bytes_nocase(h, v->host.p, v->host.len);
    }
    /* RFC 2543: Call-ID, CSeq number, From tag and the top Via identify the transaction */
    h = pl_hash_str(h, m->call_id);
    h = pl_hash_bytes(h, &m->cseq.num, sizeof(m->cseq.num));
    if (m->from)
        h = pl_hash_str(h, m->from->tag);
    return v ? pl_hash_str(h, v->raw) : h;
}

typedef struct server_key {
    const sip_msg *m;
    unsigned mclass;
} server_key;

static bool same_method(const txn_server *t, const sip_msg *m, unsigned mclass)
{
    if (t->method_id != mclass)
        return false;
    return mclass != SIP_METHOD_OTHER ||
           pl_str_eq(t->req ? t->req->method : t->key_method, m->method);
}

static bool match_server(const pl_hnode *n, const void *key)
{
    const txn_server *t = pl_container_of(n, txn_server, node);
    const server_key *k = key;
    const sip_msg *m = k->m, *r = t->req;
    if (t->state == TXN_TERMINATED || !same_method(t, m, k->mclass))
        return false;
    const sip_via *a = m->via;
    if (!r) /* answered and shed: an RFC 3261 transaction (those of RFC 2543 keep theirs) */
        return rfc3261_branch(a) && pl_str_eq(a->branch, t->key_branch) &&
               pl_str_casecmp_eq(a->host, t->key_host) && a->port == t->key_port;
    const sip_via *b = r->via;
    if (rfc3261_branch(a)) {
        return pl_str_eq(a->branch, b->branch) && pl_str_casecmp_eq(a->host, b->host) &&
               a->port == b->port;
    }
    if (t->rfc2543 == false)
        return false;
    bool ok = pl_str_eq(m->call_id, r->call_id) && m->cseq.num == r->cseq.num &&
              pl_str_eq(a->raw, b->raw) && m->from && r->from &&
              pl_str_eq(m->from->tag, r->from->tag);
    if (ok && m->method_id != SIP_METHOD_ACK)
        ok = pl_str_eq(m->ruri.raw, r->ruri.raw) && m->to && r->to &&
             pl_str_eq(m->to->tag, r->to->tag);
    return ok;
}

static txn_server *find_server(txn_layer *l, const sip_msg *m, unsigned mclass, uint64_t hash)
{
    server_key k = {m, mclass};
    pl_hnode *n = pl_hash_find(&l->servers, hash, match_server, &k);
    return n ? pl_container_of(n, txn_server, node) : NULL;
}

txn_server *txn_server_match(txn_layer *l, const sip_msg *m, bool for_cancel)
{
    if (!m->via)
        return NULL;
    unsigned mclass = for_cancel ? SIP_METHOD_INVITE : method_class(m);
    return find_server(l, m, mclass, server_hash(l, m, mclass));
}

txn_server *txn_server_lookup(txn_layer *l, const sip_msg *m, uint64_t *hash)
{
    unsigned mclass = method_class(m);
    *hash = server_hash(l, m, mclass);
    return m->via ? find_server(l, m, mclass, *hash) : NULL;
}

txn_server *txn_server_cancel_target(txn_layer *l, const txn_server *cancel)
{
    return txn_server_match(l, cancel->req, true);
}

/* Keeps an INVITE's To tag (bounded; an empty or longer one is not kept) for the 200 to a
 * CANCEL that crosses its 2xx (RFC 3261 §9.2). */
static void keep_tag(txn_server *t, pl_str tag)
{
    if (tag.len && tag.len < sizeof(t->accepted_tag)) {
        memcpy(t->accepted_tag, tag.p, tag.len);
        t->accepted_tag[tag.len] = '\0';
    }
}

pl_str txn_server_last_to_tag(const txn_server *t)
{
    /* our own text: the To line is printed "To: " whatever form the request used (sip/build.c) */
    if (t->accepted_tag[0]) /* kept by txn_server_print_head (an INVITE's) */
        return pl_str_c(t->accepted_tag);
    const char *p = t->last.data;
    if (!p)
        return PL_STR_NULL;
    const char *end = p + t->last.len, *line = memmem(p, t->last.len, "\r\nTo: ", 6);
    if (!line)
        return PL_STR_NULL;
    line += 6;
    const char *eol = memchr(line, '\r', (size_t)(end - line));
    if (!eol)
        return PL_STR_NULL;
    /* parameters follow the name-addr's '>' (a tag-like text inside the URI is not one) */
    const char *gt = memrchr(line, '>', (size_t)(eol - line));
    const char *from = gt ? gt : line;
    const char *tag = memmem(from, (size_t)(eol - from), ";tag=", 5);
    if (!tag)
        return PL_STR_NULL;
    tag += 5;
    const char *te = tag;
    while (te < eol && *te != ';' && *te != ' ' && *te != '\t')
        te++;
    return pl_str_span(tag, te);
}

static void free_server(txn_server *t)
{
    sip_msg_free(t->req);
    pl_buf_free(&t->last);
    pl_free(t);
}

void txn_server_unref(txn_server *t)
{
    if (--t->refs == 0)
        free_server(t);
}

/* No 100 Trying due any more (a response went, or the transaction ended). */
static void trying_remove(txn_server *t)
{
    if (pl_list_linked(&t->trying_link))
        pl_list_remove(&t->trying_link);
}

static void terminate(txn_server *t)
{
    if (t->state == TXN_TERMINATED)
        return;
    txn_layer *l = t->l;
    t->state = TXN_TERMINATED;
    trying_remove(t);
    pl_loop_timer_stop(l->loop, &t->retrans);
    pl_loop_timer_stop(l->loop, &t->wait);
    if (!l->destroying) /* else the whole table goes at once: no chain to unlink from */
        pl_hash_remove(&l->servers, &t->node);
    pl_list_remove(&t->link);
    l->stats.servers--;
    tp_peers_drop(&l->peers, t->peer);
    t->peer = NULL;
    txn_server_unref(t);
}

void txn_server_kill(txn_server *t)
{
    terminate(t);
}

static int send_last(txn_server *t)
{
    tp_dest d;
    d.proto = t->rx.proto;
    d.conn_id = t->rx.conn_id;
    d.addr = t->rx.remote;
    tp_addr_set_port(&d.addr, t->dest_port);
    pl_str host = t->req && t->req->via ? t->req->via->host : t->key_host;
    if (!t->reliable || host.len >= sizeof(d.host))
        host.len = 0; /* as txn_response_dest(): UDP goes by address only */
    if (host.len)
        memcpy(d.host, host.p, host.len);
    d.host[host.len] = '\0';
    return tp_send(t->l->tp, &d, t->last.data, t->last.len, NULL);
}

static void fail(txn_server *t, int err)
{
    t->refs++;
    if (t->cb.on_fail)
        t->cb.on_fail(t->tu, t, err);
    terminate(t);
    txn_server_unref(t);
}

static void on_wait(pl_timer *tm, void *arg)
{
    (void)tm;
    txn_server *t = arg;
    if (t->state == TXN_COMPLETED && t->method_id == SIP_METHOD_INVITE)
        fail(t, PARLEY_E_TIMEOUT); /* Timer H: the ACK never came */
    else
        terminate(t); /* Timer I, J, L, or the TU never answered a non-INVITE */
}

/*
 * RFC 3261 §17.2.1: an INVITE the TU has not answered within trying_ms gets a 100 Trying. The
 * list is in the order the transactions began, all with the same delay: the ones due are at its
 * head, and the timer goes again for the first one that is not.
 */
void txn_server_on_trying(pl_timer *tm, void *arg)
{
    (void)tm;
    txn_layer *l = arg;
    uint64_t now = pl_loop_now(l->loop);
    while (!pl_list_empty(&l->trying)) {
        txn_server *t = pl_container_of(l->trying.next, txn_server, trying_link);
        if (t->trying_at > now) {
            pl_loop_timer_start(l->loop, &l->trying_timer, t->trying_at - now, txn_server_on_trying,
                                l);
            return;
        }
        pl_list_remove(&t->trying_link);
        if (t->state == TXN_PROCEEDING && !t->last.len)
            txn_server_reply(t, 100, NULL, PL_STR_NULL, PL_STR_NULL); /* the TU is slow */
    }
}

static void trying_add(txn_layer *l, txn_server *t)
{
    t->trying_at = pl_loop_now(l->loop) + l->timers.trying_ms;
    pl_list_insert_tail(&l->trying, &t->trying_link);
    /* running: set for an older transaction's deadline, no later than this one's */
    if (!pl_timer_active(&l->trying_timer))
        pl_loop_timer_start(l->loop, &l->trying_timer, l->timers.trying_ms, txn_server_on_trying,
                            l);
}

static void on_retrans(pl_timer *tm, void *arg)
{
    (void)tm;
    txn_server *t = arg;
    txn_layer *l = t->l;
    if (t->state != TXN_COMPLETED)
        return;
    send_last(t); /* Timer G */
    t->interval = t->interval * 2 < txn_t2(l) ? t->interval * 2 : (unsigned)txn_t2(l);
    pl_loop_timer_start(l->loop, &t->retrans, t->interval, on_retrans, t);
}

/*
 * The port responses to a request go to (RFC 3261 §18.2.2, RFC 3581): over TCP or TLS the
 * connection the request came on, or if it is gone a new one to the source address and the port
 * of sent-by; over UDP the source port with rport, else sent-by's port. What txn_server_new
 * keeps, without filling a tp_dest (296 bytes cleared) to read it back.
 */
static uint16_t response_port(const sip_via *v, const tp_rx *rx)
{
    if (tp_proto_reliable(rx->proto))
        return v && v->port ? v->port : tp_default_port(rx->proto);
    if (v && !v->has_rport)
        return v->port ? v->port : 5060;
    return tp_addr_port(&rx->remote);
}

/* Room for what txn_server_shed_request keeps of m: none when it keeps the request itself. */
static size_t key_size(const sip_msg *m)
{
    const sip_via *v = m->via;
    if (!rfc3261_branch(v))
        return 0;
    return v->branch.len + v->host.len + (m->method_id == SIP_METHOD_OTHER ? m->method.len : 0);
}

txn_server *txn_server_new(txn_layer *l, sip_msg *m, const tp_rx *rx, uint64_t hash)
{
    /* the key's room comes with the transaction: one allocation (and free) fewer than a copy
     * made when the request goes */
    size_t ks = key_size(m);
    txn_server *t = pl_calloc(1, sizeof(*t) + ks);
    if (!t) {
        sip_msg_free(m);
        return NULL;
    }
    t->key_size = ks;
    t->l = l;
    t->refs = 1;
    t->req = m;
    t->rx = *rx;
    t->method_id = m->method_id;
    t->reliable = tp_proto_reliable(rx->proto);
    t->rfc2543 = !rfc3261_branch(m->via);
    t->state = m->method_id == SIP_METHOD_INVITE ? TXN_PROCEEDING : TXN_TRYING;
    pl_buf_init(&t->last, 0);
    pl_timer_init(&t->retrans);
    pl_timer_init(&t->wait);
    pl_list_init(&t->trying_link);
    t->dest_port = response_port(m->via, rx);
    pl_hash_insert(&l->servers, &t->node, hash);
    pl_list_insert_tail(&l->all_servers, &t->link);
    l->stats.servers++;
    t->peer = tp_peers_hold(&l->peers, &rx->remote);
    uint64_t t1 = txn_t1(l);
    if (t->method_id == SIP_METHOD_INVITE)
        trying_add(l, t);
    else
        pl_loop_timer_start(l->loop, &t->wait, 64 * t1, on_wait, t);
    return t;
}

void txn_server_recv_retransmit(txn_server *t, sip_msg *m, const tp_rx *rx)
{
    txn_layer *l = t->l;
    (void)rx;
    l->stats.retransmissions_absorbed++;
    if (t->method_id == SIP_METHOD_INVITE && m->method_id == SIP_METHOD_ACK) {
        if (t->state == TXN_COMPLETED) {
            t->state = TXN_CONFIRMED;
            pl_loop_timer_stop(l->loop, &t->retrans);
            t->refs++;
            if (t->cb.on_ack)
                t->cb.on_ack(t->tu, t, m);
            if (t->reliable)
                terminate(t);
            else
                pl_loop_timer_start(l->loop, &t->wait, txn_t4(l), on_wait, t); /* Timer I */
            txn_server_unref(t);
        } else if (t->state == TXN_ACCEPTED && l->h.on_ack) {
            l->h.on_ack(l->h.arg, m, rx); /* a 2xx ACK that reused the branch */
        }
        return;
    }
    switch (t->state) {
    case TXN_PROCEEDING:
    case TXN_COMPLETED:
        if (t->last.len)
            send_last(t);
        break;
    default:
        break; /* Trying (nothing sent yet), Confirmed, Accepted: absorb */
    }
}

/*
 * Once the final response went and no TU holds the transaction, the request is not needed any
 * more: what is left only absorbs retransmissions (and the ACK of a non-2xx), which the top
 * Via's branch and sent-by match. The request (several KiB with its parse) goes; the key stays.
 * A transaction without an RFC 3261 branch keeps its request to match on (RFC 2543).
 */
void txn_server_shed_request(txn_server *t)
{
    const sip_msg *r = t->req;
    if (!r || t->has_tu || t->dispatching || t->last_status < 200 || !r->via || t->rfc2543 ||
        !rfc3261_branch(r->via))
        return;
    const sip_via *v = r->via;
    pl_str method = t->method_id == SIP_METHOD_OTHER ? r->method : PL_STR_NULL;
    if (v->branch.len + v->host.len + method.len > t->key_size)
        return; /* cannot happen (the request is the one the room was sized for): keep it */
    char *k = t->key_room;
    memcpy(k, v->branch.p, v->branch.len);
    memcpy(k + v->branch.len, v->host.p, v->host.len);
    if (method.len)
        memcpy(k + v->branch.len + v->host.len, method.p, method.len);
    t->key_branch = pl_str_make(k, v->branch.len);
    t->key_host = pl_str_make(k + v->branch.len, v->host.len);
    t->key_method = pl_str_make(k + v->branch.len + v->host.len, method.len);
    t->key_port = v->port;
    sip_msg_free(t->req);
    t->req = NULL;
}

int txn_server_respond(txn_server *t, unsigned status, const char *data, size_t len)
{
    txn_layer *l = t->l;
    if (t->state != TXN_TRYING && t->state != TXN_PROCEEDING)
        return PARLEY_E_STATE;
    if (status < 100 || status > 699)
        return PARLEY_E_INVAL;
    pl_buf_reset(&t->last);
    if (!t->last.data && t->method_id == SIP_METHOD_INVITE && status < 200)
        pl_buf_reserve(&t->last, len < 1000 ? 1000 : len); /* the 180, then the 200 with SDP */
    pl_buf_put(&t->last, data, len);
    if (!pl_buf_ok(&t->last))
        return PARLEY_E_NOMEM;
    t->last_status = status;
    if (status >= 200) {
        /* answered: no longer in flight for its peer (what is left absorbs retransmissions) */
        tp_peers_drop(&l->peers, t->peer);
        t->peer = NULL;
    }
    int rc = send_last(t);
    if (status >= 200)
        txn_server_shed_request(t); /* before the state changes below: terminate() may free t */
    uint64_t t1 = txn_t1(l);
    trying_remove(t); /* something went: no 100 Trying needed any more */
    if (status < 200) {
        t->state = TXN_PROCEEDING;
    } else if (t->method_id == SIP_METHOD_INVITE) {
        pl_loop_timer_stop(l->loop, &t->retrans);
        if (status < 300) {
            t->state = TXN_ACCEPTED;
            /* a CANCEL crossing the 2xx gets its 200 with the 2xx's To tag (RFC 3261 §9.2):
             * kept by txn_server_print_head, else read from the text before it is freed */
            if (!t->accepted_tag[0])
                keep_tag(t, txn_server_last_to_tag(t));
            pl_buf_free(&t->last); /* Accepted absorbs: the TU resends its 2xx (RFC 6026) */
            pl_loop_timer_start(l->loop, &t->wait, 64 * t1, on_wait, t); /* Timer L */
        } else {
            t->state = TXN_COMPLETED;
            if (!t->reliable) {
                t->interval = (unsigned)t1;
                pl_loop_timer_start(l->loop, &t->retrans, t1, on_retrans, t); /* Timer G */
            }
            pl_loop_timer_start(l->loop, &t->wait, 64 * t1, on_wait, t); /* Timer H */
        }
    } else {
        t->state = TXN_COMPLETED;
        if (t->reliable)
            terminate(t);
        else
            pl_loop_timer_start(l->loop, &t->wait, 64 * t1, on_wait, t); /* Timer J */
    }
    return rc == 0 ? 0 : rc;
}

/* The source host of a request as text (Via's received): the layer keeps the last address it
 * formatted, since a peer's responses follow each other (loop thread, as the whole layer). */
static pl_str received_of(txn_layer *l, const tp_addr *a)
{
    if (!l->received_len || !tp_addr_eq(a, &l->received_of)) {
        tp_addr_host_str(a, l->received, sizeof(l->received));
        l->received_len = strlen(l->received);
        l->received_of = *a;
    }
    return pl_str_make(l->received, l->received_len);
}

void txn_server_print_head(txn_server *t, pl_buf *b, unsigned status, pl_str reason, pl_str to_tag)
{
    /* an INVITE's tag (without the parameters that may follow it: ";epid=..."), for the 200 to
     * a CANCEL that crosses its 2xx (RFC 3261 §9.2) */
    if (t->method_id == SIP_METHOD_INVITE && to_tag.len) {
        const char *semi = memchr(to_tag.p, ';', to_tag.len);
        keep_tag(t, semi ? pl_str_span(to_tag.p, semi) : to_tag);
    }
    sip_resp_opts o = {received_of(t->l, &t->rx.remote), tp_addr_port(&t->rx.remote), to_tag};
    sip_print_response_head(b, t->req, status, reason, &o);
}

int txn_server_reply(txn_server *t, unsigned status, const char *reason, pl_str to_tag,
                     pl_str extra_raw)
{
    char room[1536];
    pl_buf b;
    pl_buf_init_on(&b, room, sizeof(room));
    txn_server_print_head(t, &b, status, pl_str_c(reason), to_tag);
    pl_buf_put_str(&b, extra_raw);
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    int rc = pl_buf_ok(&b) ? txn_server_respond(t, status, b.data, b.len) : PARLEY_E_NOMEM;
    pl_buf_free(&b);
    return rc;
}

const sip_msg *txn_server_request(const txn_server *t)
{
    return t->req;
}

const tp_rx *txn_server_rx(const txn_server *t)
{
    return &t->rx;
}

txn_state txn_server_state(const txn_server *t)
{
    return t->state;
}

void txn_server_set_tu(txn_server *t, const txn_server_cb *cb, void *tu)
{
    if (cb)
        t->cb = *cb;
    else
        memset(&t->cb, 0, sizeof(t->cb));
    t->tu = cb ? tu : NULL;
    if (cb && !t->has_tu) {
        t->has_tu = true;
        t->refs++;
    } else if (!cb && t->has_tu) {
        t->has_tu = false;
        if (t->state != TXN_TERMINATED)
            txn_server_shed_request(t);
        txn_server_unref(t);
    }
}

void txn_response_dest(const sip_msg *req, const tp_rx *rx, tp_dest *out)
{
    /* field by field: host is a string, read up to its NUL (clearing all 256 bytes of it cost
     * more than the rest of this) */
    out->proto = rx->proto;
    out->conn_id = rx->conn_id;
    out->addr = rx->remote;
    tp_addr_set_port(&out->addr, response_port(req->via, rx));
    const sip_via *v = req->via;
    size_t n = 0;
    /* a new connection's TLS server must prove the sent-by host */
    if (tp_proto_reliable(rx->proto) && v && v->host.len < sizeof(out->host)) {
        n = v->host.len;
        memcpy(out->host, v->host.p, n);
    }
    out->host[n] = '\0';
}
