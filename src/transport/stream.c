/*
 * Stream transports (TCP, and TLS over it): listening points, connections opened or accepted,
 * the connection cache, framing of the byte stream into messages (RFC 3261 §18.3), keep-alive
 * pongs (RFC 5626 §3.5.1), and closing on idleness or failure.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "transport/tp_int.h"

typedef struct stream_iface {
    tp_iface base;
    uv_tcp_t server;
} stream_iface;

typedef struct write_req {
    uv_write_t req;
    tp_conn *conn;
    char data[];
} write_req;

static uint64_t conn_addr_hash(tp_layer *tp, tp_proto proto, const tp_addr *a)
{
    return tp_addr_hash(tp->conns_by_addr.seed + (uint64_t)proto, a);
}

static bool match_id(const pl_hnode *n, const void *key)
{
    return pl_container_of(n, tp_conn, by_id)->id == *(const uint64_t *)key;
}

typedef struct addr_key {
    tp_proto proto;
    const tp_addr *addr;
    const char *host;
} addr_key;

static bool match_addr(const pl_hnode *n, const void *key)
{
    const tp_conn *c = pl_container_of(n, tp_conn, by_addr);
    const addr_key *k = key;
    if (c->closing || c->draining || c->proto != k->proto || !tp_addr_eq(&c->remote, k->addr))
        return false;
    /* a server proved one domain on this connection: another domain behind the same address
     * gets its own connection and its own check */
    if (c->proto == TP_TLS && c->outgoing && k->host && k->host[0])
        return pl_str_casecmp_eq(pl_str_c(c->host), pl_str_c(k->host));
    return true;
}

tp_conn *tp_conn_find(tp_layer *tp, uint64_t id)
{
    pl_hnode *n =
        pl_hash_find(&tp->conns_by_id, pl_hash_bytes(tp->conns_by_id.seed, &id, 8), match_id, &id);
    return n ? pl_container_of(n, tp_conn, by_id) : NULL;
}

tp_conn *tp_conn_find_addr(tp_layer *tp, tp_proto proto, const tp_addr *remote, const char *host)
{
    addr_key k = {proto, remote, host};
    pl_hnode *n =
        pl_hash_find(&tp->conns_by_addr, conn_addr_hash(tp, proto, remote), match_addr, &k);
    return n ? pl_container_of(n, tp_conn, by_addr) : NULL;
}

static void on_idle(pl_timer *t, void *arg);

static void touch(tp_conn *c)
{
    c->last_activity = pl_loop_now(c->tp->loop);
}

static void arm_idle(tp_conn *c)
{
    unsigned ms = c->tp->cfg.idle_timeout_ms;
    if (ms)
        pl_loop_timer_start(c->tp->loop, &c->idle, ms, on_idle, c);
}

static void on_idle(pl_timer *t, void *arg)
{
    (void)t;
    tp_conn *c = arg;
    if (c->draining) {
        tp_conn_close(c, c->drain_err);
        return;
    }
    uint64_t now = pl_loop_now(c->tp->loop);
    uint64_t limit = c->tp->cfg.idle_timeout_ms;
    if (now - c->last_activity >= limit) {
        tp_conn_close(c, PARLEY_E_ABORTED);
        return;
    }
    pl_loop_timer_start(c->tp->loop, &c->idle, limit - (now - c->last_activity), on_idle, c);
}

static tp_conn *conn_new(tp_layer *tp, tp_proto proto, const tp_addr *remote)
{
    tp_conn *c = pl_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->tp = tp;
    c->id = tp->next_conn_id++;
    c->proto = proto;
    c->remote = *remote;
    pl_buf_init(&c->rbuf, 0);
    pl_buf_init(&c->pending, 0);
    pl_buf_init(&c->pending_lens, 0);
    size_t msg_max = tp->cfg.limits.max_size ? tp->cfg.limits.max_size : 65536;
    c->rbuf.max = tp->cfg.max_conn_buffer > msg_max ? tp->cfg.max_conn_buffer : 2 * msg_max;
    pl_timer_init(&c->idle);
    uv_tcp_init(pl_loop_uv(tp->loop), &c->tcp);
    c->tcp.data = c;
    tp->open_handles++;
    tp->stats.connections++;
    pl_list_insert_tail(&tp->conns, &c->link);
    pl_hash_insert(&tp->conns_by_id, &c->by_id, pl_hash_bytes(tp->conns_by_id.seed, &c->id, 8));
    pl_hash_insert(&tp->conns_by_addr, &c->by_addr, conn_addr_hash(tp, proto, remote));
    touch(c);
    arm_idle(c);
    return c;
}

static void on_conn_closed(uv_handle_t *h)
{
    tp_conn *c = h->data;
    tp_layer *tp = c->tp;
    pl_buf_free(&c->rbuf);
    pl_buf_free(&c->pending);
    pl_buf_free(&c->pending_lens);
    tp_tls_free(c->tls);
    pl_free(c);
    tp_handle_closed(tp);
}

void tp_conn_close(tp_conn *c, int err)
{
    if (c->closing)
        return;
    tp_layer *tp = c->tp;
    c->closing = true;
    tp->stats.connections--;
    tp_guard_closed(c);
    pl_loop_timer_stop(tp->loop, &c->idle);
    pl_hash_remove(&tp->conns_by_id, &c->by_id);
    pl_hash_remove(&tp->conns_by_addr, &c->by_addr);
    pl_list_remove(&c->link);
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
    if (tp->h.on_conn_down && !tp->destroying)
        tp->h.on_conn_down(tp->h.arg, c->id, err);
}

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    tp_conn *c = w->conn;
    pl_free(w);
    if (status < 0 && status != UV_ECANCELED)
        tp_conn_close(c, PARLEY_E_CONNECT);
}

int tp_conn_write_raw(tp_conn *c, const char *data, size_t len)
{
    if (c->closing)
        return PARLEY_E_CONNECT;
    write_req *w = pl_malloc(sizeof(*w) + len);
    if (!w)
        return PARLEY_E_NOMEM;
    w->conn = c;
    memcpy(w->data, data, len);
    uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        pl_free(w);
        tp_conn_close(c, PARLEY_E_CONNECT);
        return PARLEY_E_CONNECT;
    }
    return 0;
}

static int write_plain(tp_conn *c, const char *data, size_t len)
{
    return c->tls ? tp_tls_write(c, data, len) : tp_conn_write_raw(c, data, len);
}

int tp_conn_send(tp_conn *c, const char *data, size_t len)
{
    if (c->closing || c->draining)
        return PARLEY_E_CONNECT;
    if (!tp_guard_send(c, len))
        return PARLEY_E_LIMIT;
    touch(c);
    if (!c->connected) {
        /* traced when it really leaves, with the connection's own local address */
        pl_buf_put(&c->pending, data, len);
        pl_buf_put(&c->pending_lens, &len, sizeof(len));
        return pl_buf_ok(&c->pending) && pl_buf_ok(&c->pending_lens) ? 0 : PARLEY_E_NOMEM;
    }
    int rc = write_plain(c, data, len);
    if (rc == 0)
        tp_trace(c->tp, true, c->proto, &c->local, &c->remote, data, len);
    return rc;
}

void tp_conn_up(tp_conn *c)
{
    c->connected = true;
    tp_guard_received(c, 0); /* an accepted TLS handshake's deadline ends here */
    if (c->pending.len) {
        pl_buf p = c->pending, lens = c->pending_lens;
        pl_buf_init(&c->pending, 0);
        pl_buf_init(&c->pending_lens, 0);
        if (write_plain(c, p.data, p.len) == 0) {
            size_t off = 0;
            for (size_t i = 0; i + sizeof(size_t) <= lens.len; i += sizeof(size_t)) {
                size_t n;
                memcpy(&n, lens.data + i, sizeof(n));
                if (off + n > p.len)
                    break;
                tp_trace(c->tp, true, c->proto, &c->local, &c->remote, p.data + off, n);
                off += n;
            }
        }
        pl_buf_free(&p);
        pl_buf_free(&lens);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    tp_conn *c = req->data;
    if (status < 0 && status != UV_ECANCELED)
        tp_conn_close(c, c->drain_err);
}

/*
 * Closing a socket whose peer is still sending resets the connection, and a reset can destroy
 * an answer the peer has not read yet (the 513 for a message it is still sending). So c stops
 * taking messages, its write side shuts down once the queued writes are out, what the peer
 * still sends is read and dropped, and c closes when the peer closes its side or after
 * TP_LINGER_MS, whichever comes first.
 */
#define TP_LINGER_MS 2000

void tp_conn_drain(tp_conn *c, int err)
{
    if (c->closing || c->draining)
        return;
    c->draining = true;
    c->drain_err = err;
    c->rbuf.len = 0;
    c->shutdown_req.data = c;
    if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        tp_conn_close(c, err);
        return;
    }
    pl_loop_timer_start(c->tp->loop, &c->idle, TP_LINGER_MS, on_idle, c);
}

int tp_stream_next(const tp_stream_in *in, const char *data, size_t len, size_t *used)
{
    size_t skip = 0, mlen = 0;
    int rc = sip_frame(data, len, &in->tp->cfg.limits, &skip, &mlen);
    *used = skip;
    /* a CRLFCRLF ping among the skipped line ends gets a CRLF pong */
    for (size_t i = 0; in->pong && i + 3 < skip; i++) {
        if (memcmp(data + i, "\r\n\r\n", 4) == 0) {
            in->pong(in->arg);
            break;
        }
    }
    if (rc == PARLEY_E_LIMIT) {
        /* The framer cannot find where a message over the size limit ends, so the stream cannot
         * be resynchronised: what arrived of it is parsed for a 513 (sent when the header fields
         * an answer needs were read); the caller ends the stream. */
        tp_deliver(in->tp, &in->rx, data + skip, len - skip,
                   PARLEY_PARSE_STREAM | SIP_PARSE_TOO_LARGE);
        return rc;
    }
    if (rc)
        return rc;
    tp_deliver(in->tp, &in->rx, data + skip, mlen, PARLEY_PARSE_STREAM);
    *used = skip + mlen;
    return 0;
}

static void pong(void *arg)
{
    write_plain(arg, "\r\n", 2);
}

/* Frames and delivers every complete message in rbuf. */
static void frame(tp_conn *c)
{
    tp_stream_in in = {
        c->tp,
        {.proto = c->proto, .remote = c->remote, .local = c->local, .conn_id = c->id},
        pong,
        c};
    size_t off = 0;
    while (!c->closing && off < c->rbuf.len) {
        size_t used = 0;
        int rc = tp_stream_next(&in, c->rbuf.data + off, c->rbuf.len - off, &used);
        off += used;
        if (rc == PARLEY_E_INCOMPLETE)
            break;
        if (rc == PARLEY_E_LIMIT) {
            tp_conn_drain(c, PARLEY_E_LIMIT); /* after the 513 */
            return;
        }
        if (rc != 0) {
            tp_conn_close(c, PARLEY_E_PARSE);
            return;
        }
    }
    if (c->closing || c->draining)
        return;
    if (off) {
        memmove(c->rbuf.data, c->rbuf.data + off, c->rbuf.len - off);
        c->rbuf.len -= off;
    }
}

void tp_conn_on_plain(tp_conn *c, const char *data, size_t len)
{
    /* One read may bring more than the buffer holds: frame it in pieces, so that a message over
     * the limit is seen (and answered) by the framer rather than cut off by the buffer. */
    while (len && !c->closing && !c->draining) {
        size_t room = c->rbuf.max - c->rbuf.len;
        size_t n = len < room ? len : room;
        if (!n) {
            tp_conn_close(c, PARLEY_E_LIMIT); /* defensive: framing frees room before this */
            return;
        }
        size_t before = c->rbuf.len + n; /* what the buffer would hold if nothing were framed */
        pl_buf_put(&c->rbuf, data, n);
        if (!pl_buf_ok(&c->rbuf)) {
            tp_conn_close(c, PARLEY_E_NOMEM);
            return;
        }
        data += n;
        len -= n;
        frame(c);
        tp_guard_received(c, before - c->rbuf.len);
    }
}

#define TP_READ_BUF 65536

/* Every read of the layer's connections lands in one buffer: on_read takes what it holds
 * (framed, or kept in the connection's rbuf) before the next read. Without it (no memory)
 * libuv reports UV_ENOBUFS and the connection closes. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    tp_conn *c = h->data;
    tp_layer *tp = c->tp;
    if (!tp->read_buf)
        tp->read_buf = pl_malloc(TP_READ_BUF);
    buf->base = tp->read_buf;
    buf->len = tp->read_buf ? TP_READ_BUF : 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    tp_conn *c = s->data;
    if (nread == 0)
        return;
    if (nread < 0) {
        tp_conn_close(c, nread == UV_EOF ? PARLEY_E_CONNECT : PARLEY_E_CONNECT);
        return;
    }
    if (c->draining)
        return; /* read only to be dropped: see tp_conn_drain */
    touch(c);
    if (c->tls) {
        if (tp_tls_on_data(c, buf->base, (size_t)nread) != 0)
            tp_conn_close(c, PARLEY_E_TLS);
        return;
    }
    tp_conn_on_plain(c, buf->base, (size_t)nread);
}

static void fill_local(tp_conn *c)
{
    int len = (int)sizeof(c->local.u);
    uv_tcp_getsockname(&c->tcp, &c->local.u.sa, &len);
}

void tp_conn_local(tp_conn *c, tp_addr *local)
{
    if (c->local.u.sa.sa_family != AF_INET && c->local.u.sa.sa_family != AF_INET6)
        fill_local(c);
    *local = c->local;
}

static void on_connected(uv_connect_t *req, int status)
{
    tp_conn *c = req->data;
    if (c->closing)
        return;
    if (status < 0) {
        tp_conn_close(c, PARLEY_E_CONNECT);
        return;
    }
    fill_local(c);
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (c->proto == TP_TLS) {
        if (tp_tls_start(c, c->tp->tls, false) != 0)
            tp_conn_close(c, PARLEY_E_TLS);
        return; /* tp_conn_up once the handshake completes */
    }
    tp_conn_up(c);
}

int tp_conn_open(tp_layer *tp, const tp_dest *dst, tp_conn **out)
{
    if (dst->proto == TP_TLS && !tp->tls) {
        int rc = tp_tls_ctx_create(&tp->cfg.tls, &tp->tls);
        if (rc)
            return rc;
    }
    tp_conn *c = conn_new(tp, dst->proto, &dst->addr);
    if (!c)
        return PARLEY_E_NOMEM;
    c->outgoing = true;
    snprintf(c->host, sizeof(c->host), "%s", dst->host);
    c->connect_req.data = c;
    if (uv_tcp_connect(&c->connect_req, &c->tcp, &dst->addr.u.sa, on_connected) != 0) {
        tp_conn_close(c, PARLEY_E_CONNECT);
        return PARLEY_E_CONNECT;
    }
    *out = c;
    return 0;
}

static void on_connection(uv_stream_t *server, int status)
{
    stream_iface *si = server->data;
    tp_layer *tp = si->base.tp;
    if (status < 0)
        return;
    tp_addr unknown;
    memset(&unknown, 0, sizeof(unknown));
    tp_conn *c = conn_new(tp, si->base.proto, &unknown);
    if (!c)
        return;
    c->listener = &si->base;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        tp_conn_close(c, PARLEY_E_CONNECT);
        return;
    }
    /* now that the peer is known, index the connection under its address */
    int len = (int)sizeof(c->remote.u);
    pl_hash_remove(&tp->conns_by_addr, &c->by_addr);
    uv_tcp_getpeername(&c->tcp, &c->remote.u.sa, &len);
    pl_hash_insert(&tp->conns_by_addr, &c->by_addr, conn_addr_hash(tp, c->proto, &c->remote));
    if (!tp_guard_accept(c)) {
        tp_conn_close(c, PARLEY_E_LIMIT);
        return;
    }
    fill_local(c);
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (c->proto == TP_TLS) {
        if (tp_tls_start(c, tp->tls, true) != 0)
            tp_conn_close(c, PARLEY_E_TLS);
        return;
    }
    tp_conn_up(c);
}

static void on_server_closed(uv_handle_t *h)
{
    stream_iface *si = h->data;
    tp_layer *tp = si->base.tp;
    pl_free(si);
    tp_handle_closed(tp);
}

static void stream_close(tp_iface *ifc)
{
    stream_iface *si = (stream_iface *)ifc;
    uv_close((uv_handle_t *)&si->server, on_server_closed);
}

static int stream_send(tp_iface *ifc, const tp_addr *dst, const char *data, size_t len)
{
    tp_dest d;
    memset(&d, 0, sizeof(d));
    d.proto = ifc->proto;
    d.addr = *dst;
    return tp_send(ifc->tp, &d, data, len, NULL);
}

static const tp_iface_ops stream_ops = {stream_send, stream_close};

int tp_stream_listen(tp_layer *tp, tp_proto proto, const tp_addr *addr, tp_iface **out)
{
    if (proto == TP_TLS) {
        if (!tp->cfg.tls.cert_file || !tp->cfg.tls.key_file)
            return PARLEY_E_INVAL; /* a TLS listening point needs a certificate and key */
        if (!tp->tls) {
            int rc = tp_tls_ctx_create(&tp->cfg.tls, &tp->tls);
            if (rc)
                return rc;
        }
    }
    stream_iface *si = pl_calloc(1, sizeof(*si));
    if (!si)
        return PARLEY_E_NOMEM;
    si->base.ops = &stream_ops;
    si->base.proto = proto;
    si->base.impl = si;
    si->base.tp = tp;
    uv_tcp_init(pl_loop_uv(tp->loop), &si->server);
    si->server.data = si;
    tp->open_handles++;
    /* [::] takes IPv6 only, as a UDP listening point does (udp.c, open_socket) */
    int r = uv_tcp_bind(&si->server, &addr->u.sa,
                        addr->u.sa.sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
    int len = (int)sizeof(si->base.local.u);
    if (r == 0)
        r = uv_listen((uv_stream_t *)&si->server, 128, on_connection);
    if (r == 0)
        r = uv_tcp_getsockname(&si->server, &si->base.local.u.sa, &len);
    if (r != 0) {
        uv_close((uv_handle_t *)&si->server, on_server_closed);
        return r == UV_EADDRINUSE ? PARLEY_E_EXISTS : PARLEY_E_IO;
    }
    tp_iface_attach(tp, &si->base);
    *out = &si->base;
    return 0;
}
