/* UDP listening points on libuv, receiving in batches (recvmmsg). */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "transport/tp_int.h"

#define UDP_BATCH     16
#define UDP_DGRAM_MAX 65536

typedef struct udp_iface {
    tp_iface base;
    uv_udp_t udp;
    char *rbuf; /* room for UDP_BATCH datagrams */
} udp_iface;

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    udp_iface *u = h->data;
    buf->base = u->rbuf;
    buf->len = UDP_BATCH * UDP_DGRAM_MAX;
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
    udp_iface *u = h->data;
    (void)flags;
    if (nread <= 0 || !addr)
        return; /* nothing, an error, or the end of a batch (UV_UDP_MMSG_FREE) */
    if (flags & UV_UDP_PARTIAL)
        return; /* truncated: larger than any SIP message we accept */
    tp_addr src;
    memset(&src, 0, sizeof(src));
    memcpy(&src.u, addr,
           addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
    tp_iface_deliver(&u->base, &src, buf->base, (size_t)nread);
}

typedef struct udp_send_req {
    uv_udp_send_t req;
    char data[];
} udp_send_req;

static void on_sent(uv_udp_send_t *req, int status)
{
    (void)status; /* datagrams are fire and forget; loss is the transactions' business */
    pl_free(req);
}

static int udp_send(tp_iface *ifc, const tp_addr *dst, const char *data, size_t len)
{
    udp_iface *u = (udp_iface *)ifc;
    if (len > UDP_DGRAM_MAX - 8 - 40)
        return PARLEY_E_LIMIT;
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    int r = uv_udp_try_send(&u->udp, &b, 1, &dst->u.sa);
    if (r == (int)len)
        return 0;
    if (r != UV_EAGAIN && r != UV_ENOSYS)
        return PARLEY_E_IO;
    udp_send_req *req = pl_malloc(sizeof(*req) + len);
    if (!req)
        return PARLEY_E_NOMEM;
    memcpy(req->data, data, len);
    b = uv_buf_init(req->data, (unsigned)len);
    if (uv_udp_send(&req->req, &u->udp, &b, 1, &dst->u.sa, on_sent) != 0) {
        pl_free(req);
        return PARLEY_E_IO;
    }
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    udp_iface *u = h->data;
    tp_layer *tp = u->base.tp;
    pl_free(u->rbuf);
    pl_free(u);
    tp_handle_closed(tp);
}

static void udp_close(tp_iface *ifc)
{
    udp_iface *u = (udp_iface *)ifc;
    uv_udp_recv_stop(&u->udp);
    uv_close((uv_handle_t *)&u->udp, on_closed);
}

static const tp_iface_ops udp_ops = {udp_send, udp_close};

int tp_udp_listen(tp_layer *tp, const tp_addr *addr, tp_iface **out)
{
    uv_loop_t *uv = pl_loop_uv(tp->loop);
    udp_iface *u = pl_calloc(1, sizeof(*u));
    if (!u)
        return PARLEY_E_NOMEM;
    u->rbuf = pl_malloc(UDP_BATCH * UDP_DGRAM_MAX);
    if (!u->rbuf) {
        pl_free(u);
        return PARLEY_E_NOMEM;
    }
    u->base.ops = &udp_ops;
    u->base.proto = TP_UDP;
    u->base.impl = u;
    uv_udp_init_ex(uv, &u->udp, (unsigned)addr->u.sa.sa_family | UV_UDP_RECVMMSG);
    u->udp.data = u;
    int r = uv_udp_bind(&u->udp, &addr->u.sa, 0);
    int len = (int)sizeof(u->base.local.u);
    if (r == 0)
        r = uv_udp_getsockname(&u->udp, &u->base.local.u.sa, &len);
    if (r == 0)
        r = uv_udp_recv_start(&u->udp, on_alloc, on_recv);
    tp->open_handles++;
    u->base.tp = tp;
    if (r != 0) {
        uv_close((uv_handle_t *)&u->udp, on_closed);
        return r == UV_EADDRINUSE ? PARLEY_E_EXISTS : PARLEY_E_IO;
    }
    /* a bigger receive buffer absorbs bursts while the loop is busy */
    int rcvbuf = 1 << 20;
    uv_recv_buffer_size((uv_handle_t *)&u->udp, &rcvbuf);
    tp_iface_attach(tp, &u->base);
    *out = &u->base;
    return 0;
}
