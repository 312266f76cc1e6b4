/*
 * UDP listening points: a socket of our own watched by the libuv loop (uv_poll), read with
 * recvmmsg and written with sendmmsg.
 *
 * Receiving: one recvmmsg per readiness takes up to UDP_BATCH datagrams; only a full batch is
 * followed by another read. A short batch means the socket is empty, and the poll, which is
 * level-triggered, wakes the loop again when more comes: no read that can only fail with
 * EAGAIN (libuv's own UDP reading makes one per wakeup).
 *
 * Sending: datagrams are copied into the listening point's queue and go out together once per
 * loop iteration (pl_loop_flusher), so the responses one request produces (the 180 and the 200
 * of an INVITE) cost one system call. A full queue goes out at once. What the kernel cannot
 * take (EAGAIN) waits for the socket to be writable; what it refuses is dropped, as a lost
 * datagram would be (the transactions retransmit or time out).
 *
 * ICMP errors (IP_RECVERR): port, host or network unreachable for a datagram we sent are read
 * off the socket's error queue and reported with the address it went to, so that a request to
 * a closed port fails at once instead of after Timer B or F (RFC 3261 §18.4). At most
 * UDP_ERRORS per wakeup: a flood of them cannot hold the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "transport/tp_int.h"

#define UDP_BATCH       16
#define UDP_READS       4 /* full batches read per readiness before the loop goes on */
#define UDP_DGRAM_MAX   65536
#define UDP_QUEUE_MSGS  32
#define UDP_QUEUE_BYTES (256 * 1024)
#define UDP_ERRORS      16 /* ICMP errors read per wakeup */

typedef struct udp_out {
    tp_addr dst;
    size_t off, len; /* in the queue's bytes */
} udp_out;

typedef struct udp_iface {
    tp_iface base;
    int fd;
    uv_poll_t poll;
    int events; /* what the poll watches */
    char *rbuf; /* room for UDP_BATCH datagrams */
    struct mmsghdr rmsg[UDP_BATCH];
    struct iovec riov[UDP_BATCH];
    struct sockaddr_storage rsrc[UDP_BATCH];
    /* the send queue */
    udp_out out[UDP_QUEUE_MSGS];
    unsigned nout, sent; /* queued, and the first not sent yet */
    char *obuf;          /* UDP_QUEUE_BYTES */
    size_t olen;
    pl_flusher flusher;
    bool closing;
} udp_iface;

/* The socket address the kernel wrote (IPv4 or IPv6) as a tp_addr. */
static inline void addr_of(const void *sa, tp_addr *a)
{
    memset(a, 0, sizeof(*a));
    memcpy(&a->u, sa,
           ((const struct sockaddr *)sa)->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                : sizeof(struct sockaddr_in));
}

static void deliver_batch(udp_iface *u, int n)
{
    for (int i = 0; i < n && !u->closing; i++) {
        struct msghdr *h = &u->rmsg[i].msg_hdr;
        if (h->msg_flags & MSG_TRUNC)
            continue; /* larger than any SIP message we accept */
        tp_addr src;
        addr_of(h->msg_name, &src);
        tp_iface_deliver(&u->base, &src, u->riov[i].iov_base, u->rmsg[i].msg_len);
    }
}

/* The header of receive slot i, as recvmmsg takes it. */
static void reset_slot(udp_iface *u, int i)
{
    u->riov[i].iov_base = u->rbuf + (size_t)i * UDP_DGRAM_MAX;
    u->riov[i].iov_len = UDP_DGRAM_MAX;
    struct msghdr *h = &u->rmsg[i].msg_hdr;
    memset(h, 0, sizeof(*h));
    h->msg_name = &u->rsrc[i];
    h->msg_namelen = sizeof(u->rsrc[i]);
    h->msg_iov = &u->riov[i];
    h->msg_iovlen = 1;
}

static void read_some(udp_iface *u)
{
    for (int reads = 0; reads < UDP_READS && !u->closing; reads++) {
        int n;
        do
            n = recvmmsg(u->fd, u->rmsg, UDP_BATCH, MSG_DONTWAIT, NULL);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            return; /* empty (EAGAIN), or an error the next datagram may not have */
        deliver_batch(u, n);
        /* the kernel wrote (name length, flags, length) into the first n slots only: they are
         * set up again, the others are still as tp_udp_listen set them */
        for (int i = 0; i < n; i++)
            reset_slot(u, i);
        if (n < UDP_BATCH)
            return; /* the socket is empty: the poll says when more comes */
    }
}

static void watch(udp_iface *u, int events);

/* Sends what is queued; keeps what the kernel cannot take now. */
static void flush(udp_iface *u)
{
    while (u->sent < u->nout) {
        struct mmsghdr msgs[UDP_QUEUE_MSGS];
        struct iovec iov[UDP_QUEUE_MSGS];
        unsigned n = u->nout - u->sent;
        for (unsigned i = 0; i < n; i++) {
            const udp_out *o = &u->out[u->sent + i];
            iov[i].iov_base = u->obuf + o->off;
            iov[i].iov_len = o->len;
            memset(&msgs[i], 0, sizeof(msgs[i]));
            msgs[i].msg_hdr.msg_name = (void *)&o->dst.u.sa;
            msgs[i].msg_hdr.msg_namelen = o->dst.u.sa.sa_family == AF_INET6
                                              ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int r;
        if (n == 1)
            r = sendmsg(u->fd, &msgs[0].msg_hdr, MSG_DONTWAIT) >= 0 ? 1 : -1;
        else
            r = sendmmsg(u->fd, msgs, n, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                watch(u, UV_READABLE | UV_WRITABLE); /* the rest when the socket drains */
                return;
            }
            r = 1; /* refused (no route, unreachable...): that one is lost, the rest go on */
        }
        u->sent += (unsigned)r;
    }
    u->nout = u->sent = 0;
    u->olen = 0;
    if (u->events & UV_WRITABLE)
        watch(u, UV_READABLE);
}

static void on_flush(void *arg)
{
    udp_iface *u = arg;
    if (u->nout > u->sent && !(u->events & UV_WRITABLE))
        flush(u);
}

/* The ICMP errors queued on the socket: each "unreachable" is reported with the address the
 * datagram went to (the error's msg_name); others (fragmentation needed, TTL) are dropped. */
static void read_errors(udp_iface *u)
{
    for (int i = 0; i < UDP_ERRORS && !u->closing; i++) {
        struct sockaddr_storage dst;
        char ctl[256];
        char data[64]; /* the start of what we sent: not used */
        struct iovec iov = {data, sizeof(data)};
        struct msghdr h = {.msg_name = &dst,
                           .msg_namelen = sizeof(dst),
                           .msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = ctl,
                           .msg_controllen = sizeof(ctl)};
        if (recvmsg(u->fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
            return; /* the queue is empty */
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
            bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
            bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
            if (!v4 && !v6)
                continue;
            struct sock_extended_err ee;
            memcpy(&ee, CMSG_DATA(c), sizeof(ee));
            bool icmp = ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6;
            bool unreachable = ee.ee_errno == ECONNREFUSED || ee.ee_errno == EHOSTUNREACH ||
                               ee.ee_errno == ENETUNREACH;
            if (!icmp || !unreachable || h.msg_namelen < sizeof(struct sockaddr_in))
                continue;
            tp_addr a;
            addr_of(&dst, &a);
            tp_iface_unreachable(&u->base, &a, PARLEY_E_CONNECT);
        }
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    udp_iface *u = p->data;
    if (status < 0) {
        /* POLLERR: ICMP errors wait on the error queue. libuv stopped the poll: it starts again
         * once they are read (a flood beyond UDP_ERRORS makes the next wakeup read more) */
        read_errors(u);
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len); /* clears the pending error */
        int ev = u->events;
        u->events = 0;
        watch(u, ev ? ev : UV_READABLE);
        return;
    }
    if (events & UV_WRITABLE)
        flush(u);
    if (events & UV_READABLE)
        read_some(u);
}

static void watch(udp_iface *u, int events)
{
    if (u->events == events || u->closing)
        return;
    u->events = events;
    uv_poll_start(&u->poll, events, on_poll);
}

static int udp_send(tp_iface *ifc, const tp_addr *dst, const char *data, size_t len)
{
    udp_iface *u = (udp_iface *)ifc;
    if (len > UDP_DGRAM_MAX - 8 - 40)
        return PARLEY_E_LIMIT;
    if (u->closing)
        return PARLEY_E_IO;
    /* what the kernel would refuse at once is refused here, so the sender can fail over */
    int fam = u->base.local.u.sa.sa_family, to = dst->u.sa.sa_family;
    if ((to != AF_INET && to != AF_INET6) || fam != to)
        return PARLEY_E_IO;
    if (u->nout == UDP_QUEUE_MSGS || u->olen + len > UDP_QUEUE_BYTES) {
        flush(u); /* full: out now */
        if (u->nout == UDP_QUEUE_MSGS || u->olen + len > UDP_QUEUE_BYTES)
            return PARLEY_E_AGAIN; /* the kernel takes nothing: as lost as a dropped datagram */
    }
    udp_out *o = &u->out[u->nout++];
    o->dst = *dst;
    o->off = u->olen;
    o->len = len;
    memcpy(u->obuf + u->olen, data, len);
    u->olen += len;
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    udp_iface *u = h->data;
    tp_layer *tp = u->base.tp;
    close(u->fd);
    pl_free(u->rbuf);
    pl_free(u->obuf);
    pl_free(u);
    tp_handle_closed(tp);
}

static void udp_close(tp_iface *ifc)
{
    udp_iface *u = (udp_iface *)ifc;
    flush(u); /* what the last loop iteration produced (the answers to a stop) still goes */
    u->closing = true;
    pl_loop_flusher_remove(u->base.tp->loop, &u->flusher);
    uv_poll_stop(&u->poll);
    uv_close((uv_handle_t *)&u->poll, on_closed);
}

static const tp_iface_ops udp_ops = {udp_send, udp_close};

static int open_socket(const tp_addr *addr, tp_addr *local)
{
    int fd = socket(addr->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* [::] takes IPv6 only: IPv4 peers as ::ffff:a.b.c.d would get a Contact and received= they
     * cannot use, and 0.0.0.0 could not take the same port */
    int v6only = 1;
    if (addr->u.sa.sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    socklen_t alen =
        addr->u.sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (bind(fd, &addr->u.sa, alen) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    memset(local, 0, sizeof(*local));
    socklen_t len = sizeof(local->u);
    getsockname(fd, &local->u.sa, &len);
    /* a bigger receive buffer absorbs bursts while the loop is busy */
    int rcvbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    int on = 1; /* ICMP errors on the error queue (read_errors) */
    if (addr->u.sa.sa_family == AF_INET6)
        setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
    else
        setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
    return fd;
}

int tp_udp_listen(tp_layer *tp, const tp_addr *addr, tp_iface **out)
{
    uv_loop_t *uv = pl_loop_uv(tp->loop);
    udp_iface *u = pl_calloc(1, sizeof(*u));
    if (!u)
        return PARLEY_E_NOMEM;
    u->rbuf = pl_malloc((size_t)UDP_BATCH * UDP_DGRAM_MAX);
    u->obuf = pl_malloc(UDP_QUEUE_BYTES);
    if (!u->rbuf || !u->obuf) {
        pl_free(u->rbuf);
        pl_free(u->obuf);
        pl_free(u);
        return PARLEY_E_NOMEM;
    }
    for (int i = 0; i < UDP_BATCH; i++)
        reset_slot(u, i);
    u->fd = open_socket(addr, &u->base.local);
    if (u->fd < 0) {
        int e = errno;
        pl_free(u->rbuf);
        pl_free(u->obuf);
        pl_free(u);
        return e == EADDRINUSE ? PARLEY_E_EXISTS : PARLEY_E_IO;
    }
    u->base.ops = &udp_ops;
    u->base.proto = TP_UDP;
    u->base.impl = u;
    u->base.tp = tp;
    if (uv_poll_init_socket(uv, &u->poll, u->fd) != 0) {
        close(u->fd);
        pl_free(u->rbuf);
        pl_free(u->obuf);
        pl_free(u);
        return PARLEY_E_IO;
    }
    u->poll.data = u;
    tp->open_handles++;
    watch(u, UV_READABLE);
    pl_loop_flusher_add(tp->loop, &u->flusher, on_flush, u);
    tp_iface_attach(tp, &u->base);
    *out = &u->base;
    return 0;
}
