/* The transport layer: listening points, dispatch of received bytes, sending. */
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "transport/tp_int.h"

int tp_layer_create(pl_loop *loop, const tp_config *cfg, const tp_handler *h, tp_layer **out)
{
    tp_layer *tp = pl_calloc(1, sizeof(*tp));
    if (!tp)
        return PARLEY_E_NOMEM;
    tp->loop = loop;
    tp->cfg = *cfg;
    tp->h = *h;
    pl_list_init(&tp->ifaces);
    pl_list_init(&tp->conns);
    tp->next_conn_id = 1;
    if (tp_peers_init(&tp->conn_peers) || pl_hash_init(&tp->conns_by_id, 16) ||
        pl_hash_init(&tp->conns_by_addr, 16)) {
        pl_hash_free(&tp->conns_by_id);
        pl_hash_free(&tp->conns_by_addr);
        tp_peers_free(&tp->conn_peers);
        pl_free(tp);
        return PARLEY_E_NOMEM;
    }
    /* TLS files named in the configuration are loaded now, so that a wrong path fails here
     * and not at the first connection; without any, the context (and the system's store) is
     * only loaded when TLS is first used */
    const tp_tls_config *t = &cfg->tls;
    if (t->cert_file || t->key_file || t->ca_file || t->client_cert || t->client_key) {
        int rc = tp_tls_ctx_create(t, &tp->tls);
        if (rc) {
            pl_hash_free(&tp->conns_by_id);
            pl_hash_free(&tp->conns_by_addr);
            tp_peers_free(&tp->conn_peers);
            pl_free(tp);
            return rc;
        }
    }
    *out = tp;
    return 0;
}

static void maybe_free(tp_layer *tp)
{
    if (!tp->destroying || tp->open_handles || !pl_list_empty(&tp->conns))
        return;
    pl_hash_free(&tp->conns_by_id);
    pl_hash_free(&tp->conns_by_addr);
    tp_peers_free(&tp->conn_peers);
    tp_tls_ctx_free(tp->tls);
    pl_free(tp->read_buf);
    pl_free(tp);
}

void tp_handle_closed(tp_layer *tp)
{
    tp->open_handles--;
    maybe_free(tp);
}

void tp_layer_destroy(tp_layer *tp)
{
    if (!tp)
        return;
    tp->destroying = true;
    tp->open_handles++; /* hold the layer while closing */
    pl_list_each_safe(pos, tmp, &tp->conns)
    {
        tp_conn *c = pl_container_of(pos, tp_conn, link);
        tp_conn_close(c, PARLEY_E_ABORTED);
    }
    pl_list_each_safe(pos, tmp, &tp->ifaces)
    {
        tp_iface *ifc = pl_container_of(pos, tp_iface, link);
        pl_list_remove(&ifc->link);
        ifc->ops->close(ifc);
    }
    tp_handle_closed(tp);
}

const tp_stats *tp_layer_stats(const tp_layer *tp)
{
    return &tp->stats;
}

pl_loop *tp_loop(tp_layer *tp)
{
    return tp->loop;
}

void tp_iface_attach(tp_layer *tp, tp_iface *ifc)
{
    ifc->tp = tp;
    pl_list_insert_tail(&tp->ifaces, &ifc->link);
}

int tp_listen(tp_layer *tp, tp_proto proto, const tp_addr *addr, tp_iface **out)
{
    if (pl_loop_is_virtual(tp->loop))
        return PARLEY_E_UNSUPPORTED; /* virtual endpoints attach a test network instead */
    switch (proto) {
    case TP_UDP:
        return tp_udp_listen(tp, addr, out);
    case TP_TCP:
    case TP_TLS:
        return tp_stream_listen(tp, proto, addr, out);
    default:
        return PARLEY_E_INVAL;
    }
}

const tp_addr *tp_iface_local(const tp_iface *ifc)
{
    return &ifc->local;
}

tp_proto tp_iface_proto(const tp_iface *ifc)
{
    return ifc->proto;
}

tp_iface *tp_find_iface(tp_layer *tp, tp_proto proto, int family)
{
    pl_list_each(pos, &tp->ifaces)
    {
        tp_iface *ifc = pl_container_of(pos, tp_iface, link);
        if (ifc->proto == proto && (!family || ifc->local.u.sa.sa_family == family))
            return ifc;
    }
    return NULL;
}

tp_iface *tp_next_iface(tp_layer *tp, tp_iface *prev)
{
    pl_list *n = prev ? prev->link.next : tp->ifaces.next;
    return n == &tp->ifaces ? NULL : pl_container_of(n, tp_iface, link);
}

void tp_trace(tp_layer *tp, bool sent, tp_proto proto, const tp_addr *local, const tp_addr *remote,
              const char *data, size_t len)
{
    if (tp->h.on_trace)
        tp->h.on_trace(tp->h.arg, sent, proto, local, remote, data, len);
}

void tp_deliver(tp_layer *tp, const tp_rx *rx, const char *data, size_t len, unsigned flags)
{
    tp_trace(tp, false, rx->proto, &rx->local, &rx->remote, data, len);
    sip_msg *m = NULL;
    int rc = sip_msg_parse(data, len, flags, &tp->cfg.limits, &m, NULL);
    if (!m) {
        (void)rc; /* out of memory: the datagram is lost, like one dropped by the network */
        return;
    }
    tp->h.on_msg(tp->h.arg, m, rx);
}

void tp_iface_deliver(tp_iface *ifc, const tp_addr *src, const char *data, size_t len)
{
    /* a lone CRLF or CRLFCRLF datagram is a keep-alive (RFC 5626 §4.4.1): ignore it */
    size_t i = 0;
    while (i < len && (data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i == len)
        return;
    tp_rx rx = {.proto = ifc->proto, .remote = *src, .local = ifc->local, .conn_id = 0};
    tp_deliver(ifc->tp, &rx, data, len, 0);
}

void tp_iface_unreachable(tp_iface *ifc, const tp_addr *dst, int err)
{
    tp_layer *tp = ifc->tp;
    if (tp->h.on_unreachable && !tp->destroying)
        tp->h.on_unreachable(tp->h.arg, dst, err);
}

static tp_iface *pick_iface(tp_layer *tp, tp_proto proto, const tp_addr *dst)
{
    tp_iface *any = NULL;
    pl_list_each(pos, &tp->ifaces)
    {
        tp_iface *ifc = pl_container_of(pos, tp_iface, link);
        if (ifc->proto != proto)
            continue;
        if (ifc->local.u.sa.sa_family == dst->u.sa.sa_family)
            return ifc;
        if (!any)
            any = ifc;
    }
    return any;
}

int tp_send(tp_layer *tp, const tp_dest *dst, const char *data, size_t len, uint64_t *conn_id)
{
    if (conn_id)
        *conn_id = 0;
    if (tp->destroying)
        return PARLEY_E_TERMINATED;
    if (dst->proto == TP_UDP) {
        tp_iface *ifc = pick_iface(tp, TP_UDP, &dst->addr);
        if (!ifc)
            return PARLEY_E_NOROUTE;
        int rc = ifc->ops->send(ifc, &dst->addr, data, len);
        if (rc == 0)
            tp_trace(tp, true, TP_UDP, &ifc->local, &dst->addr, data, len);
        return rc;
    }
    if (dst->proto != TP_TCP && dst->proto != TP_TLS)
        return PARLEY_E_UNSUPPORTED;
    if (pl_loop_is_virtual(tp->loop))
        return PARLEY_E_NOROUTE;
    tp_conn *c = NULL;
    if (dst->conn_id)
        c = tp_conn_find(tp, dst->conn_id);
    if (!c)
        c = tp_conn_find_addr(tp, dst->proto, &dst->addr, dst->host);
    if (!c) {
        int rc = tp_conn_open(tp, dst, &c);
        if (rc)
            return rc;
    }
    if (conn_id)
        *conn_id = c->id;
    return tp_conn_send(c, data, len);
}

int tp_conn_prepare(tp_layer *tp, const tp_dest *dst, uint64_t *conn_id, tp_addr *local)
{
    if (tp->destroying)
        return PARLEY_E_TERMINATED;
    if ((dst->proto != TP_TCP && dst->proto != TP_TLS) || pl_loop_is_virtual(tp->loop))
        return PARLEY_E_UNSUPPORTED;
    tp_conn *c = dst->conn_id ? tp_conn_find(tp, dst->conn_id) : NULL;
    if (!c)
        c = tp_conn_find_addr(tp, dst->proto, &dst->addr, dst->host);
    if (!c) {
        int rc = tp_conn_open(tp, dst, &c);
        if (rc)
            return rc;
    }
    tp_conn_local(c, local);
    *conn_id = c->id;
    return 0;
}

int tp_conn_local_to(tp_layer *tp, tp_proto proto, const tp_addr *dst, tp_addr *local)
{
    tp_conn *c = tp_conn_find_addr(tp, proto, dst, NULL);
    if (!c)
        return PARLEY_E_NOTFOUND;
    tp_conn_local(c, local);
    return 0;
}

bool tp_conn_alive(tp_layer *tp, uint64_t conn_id)
{
    tp_conn *c = tp_conn_find(tp, conn_id);
    return c && !c->closing;
}

static bool is_wildcard(const tp_addr *a)
{
    static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
    if (a->u.sa.sa_family == AF_INET6)
        return memcmp(&a->u.in6.sin6_addr, &any6, sizeof(any6)) == 0;
    return a->u.in4.sin_addr.s_addr == htonl(INADDR_ANY);
}

/* The source address the kernel would pick towards dst (a connected UDP socket sends nothing). */
static void route_source(const tp_addr *dst, tp_addr *local)
{
    int fd = socket(dst->u.sa.sa_family, SOCK_DGRAM, 0);
    if (fd < 0)
        return;
    tp_addr src;
    socklen_t len = sizeof(src.u);
    if (connect(fd, &dst->u.sa, tp_addr_len(dst)) == 0 && getsockname(fd, &src.u.sa, &len) == 0 &&
        src.u.sa.sa_family == local->u.sa.sa_family) {
        tp_addr_set_port(&src, tp_addr_port(local));
        *local = src;
    }
    close(fd);
}

/* The address a wildcard listener's local sends from towards dst, with local's port, into out
 * (which may be local): the layer keeps the last answer, so the messages of one peer ask the
 * kernel once (four system calls each time). */
static void wildcard_source(tp_layer *tp, const tp_addr *local, const tp_addr *dst, tp_addr *out)
{
    uint16_t port = tp_addr_port(local);
    if (!tp->route_known || !tp_addr_eq(&tp->route_dst, dst) ||
        tp->route_src.u.sa.sa_family != local->u.sa.sa_family) {
        tp_addr src = *local;
        route_source(dst, &src);
        tp->route_dst = *dst;
        tp->route_src = src;
        tp->route_known = true;
    }
    *out = tp->route_src;
    tp_addr_set_port(out, port);
}

void tp_trace_local(tp_layer *tp, const tp_addr *local, const tp_addr *remote, tp_addr *out)
{
    *out = *local;
    if (is_wildcard(local))
        wildcard_source(tp, local, remote, out);
}

int tp_local_for(tp_layer *tp, tp_proto proto, const tp_addr *dst, tp_addr *local,
                 tp_proto *listener)
{
    tp_iface *ifc = pick_iface(tp, proto, dst);
    if (!ifc && proto == TP_TLS)
        ifc = pick_iface(tp, TP_TCP, dst);
    if (!ifc)
        ifc = pick_iface(tp, TP_UDP, dst);
    if (!ifc)
        ifc = pick_iface(tp, TP_TCP, dst);
    if (!ifc)
        return PARLEY_E_NOROUTE;
    *local = ifc->local;
    if (listener)
        *listener = ifc->proto;
    if (is_wildcard(local))
        wildcard_source(tp, local, dst, local);
    return 0;
}
