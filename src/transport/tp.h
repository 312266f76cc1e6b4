/*
 * The transport layer: listening points (UDP, TCP, TLS, or a test's virtual network), stream
 * connections with framing and a cache, and sending to an address. Received bytes are parsed
 * here and handed up as messages together with where they came from.
 */
#ifndef TP_TP_H
#define TP_TP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/list.h"
#include "core/loop.h"
#include "sip/msg.h"

typedef enum tp_proto {
    TP_NONE = 0,
    TP_UDP = 1,
    TP_TCP = 2,
    TP_TLS = 3,
} tp_proto;

typedef struct tp_addr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } u;
} tp_addr;

/* "UDP", "TCP", "TLS" (as in Via) */
const char *tp_proto_name(tp_proto p);
/* Parses "udp", "tcp", "tls" (any case); TP_NONE when unknown. */
tp_proto tp_proto_parse(pl_str s);
static inline bool tp_proto_reliable(tp_proto p)
{
    return p == TP_TCP || p == TP_TLS;
}
static inline uint16_t tp_default_port(tp_proto p)
{
    return p == TP_TLS ? 5061 : 5060;
}

/* "[proto:]host:port" with a numeric host ("127.0.0.1", "[::1]"); proto defaults to UDP. */
int tp_addr_parse(const char *text, tp_proto *proto, tp_addr *addr);
/* Numeric host (IPv4, IPv6 with or without brackets) and port; PARLEY_E_NOTFOUND when the
 * host is a name. */
int tp_addr_from_host(pl_str host, uint16_t port, tp_addr *out);
uint16_t tp_addr_port(const tp_addr *a);
void tp_addr_set_port(tp_addr *a, uint16_t port);
bool tp_addr_eq(const tp_addr *a, const tp_addr *b);
uint64_t tp_addr_hash(uint64_t seed, const tp_addr *a);
socklen_t tp_addr_len(const tp_addr *a);
/* "192.0.2.1" / "2001:db8::1" (no brackets, no port) */
void tp_addr_print_host(pl_buf *b, const tp_addr *a);
/* "192.0.2.1:5060" / "[2001:db8::1]:5060" */
void tp_addr_print(pl_buf *b, const tp_addr *a);
/* Same into a fixed buffer (at least 64 bytes); returns out. */
char *tp_addr_str(const tp_addr *a, char *out, size_t size);
/* Host only ("192.0.2.1", "2001:db8::1") into a fixed buffer (at least 48 bytes). */
char *tp_addr_host_str(const tp_addr *a, char *out, size_t size);

typedef struct tp_layer tp_layer;
typedef struct tp_iface tp_iface;
typedef struct tp_conn tp_conn;

/* Where a message came from. conn_id is 0 for datagrams. */
typedef struct tp_rx {
    tp_proto proto;
    tp_addr remote;
    tp_addr local;
    uint64_t conn_id;
} tp_rx;

/* Where to send. With conn_id set, that connection is used while it is open. */
typedef struct tp_dest {
    tp_proto proto;
    tp_addr addr;
    uint64_t conn_id;
    /* the SIP domain of the target (not the address it resolved to): TLS sends it as SNI and
     * checks the certificate against it (RFC 5922); empty: the address is checked */
    char host[256];
} tp_dest;

typedef struct tp_handler {
    /* A message arrived (the handler owns m; m->err says whether it parsed cleanly). */
    void (*on_msg)(void *arg, sip_msg *m, const tp_rx *rx);
    /* A connection closed or failed: everything waiting on it fails with err. */
    void (*on_conn_down)(void *arg, uint64_t conn_id, int err);
    /* Trace of every message sent and received. */
    void (*on_trace)(void *arg, bool sent, tp_proto proto, const tp_addr *local,
                     const tp_addr *remote, const char *data, size_t len);
    void *arg;
    /* An ICMP error said datagrams to dst cannot be delivered (port, host or network
     * unreachable; RFC 3261 §18.4): what waits on dst with no answer yet fails with err. May be
     * NULL. */
    void (*on_unreachable)(void *arg, const tp_addr *dst, int err);
} tp_handler;

typedef struct tp_tls_config {
    const char *cert_file;   /* server certificate chain (PEM) for TLS listening points */
    const char *key_file;    /* its private key (PEM) */
    const char *ca_file;     /* CAs peers must chain to; NULL: OpenSSL's default store */
    const char *client_cert; /* certificate chain (PEM) presented when we connect out */
    const char *client_key;  /* its private key (PEM) */
    bool insecure;           /* clients: accept any server certificate (no verification) */
    bool verify_client;      /* listening points: require a client certificate */
} tp_tls_config;

typedef struct tp_config {
    sip_limits limits;
    unsigned idle_timeout_ms; /* stream connections with no traffic are closed after this */
    tp_tls_config tls;
    /* limits against greedy peers (0: none) */
    unsigned max_connections;      /* accepted connections beyond this total are closed */
    unsigned max_conn_per_address; /* accepted ones from one peer (tp_peer_table's sense) */
    size_t max_conn_buffer;        /* bytes queued for a peer that does not read: closed past it;
                                      and the receive buffer's size when above the message size */
    unsigned message_timeout_ms;   /* a whole message must arrive within this of its first byte */
} tp_config;

/* What the layer counted. */
typedef struct tp_stats {
    unsigned connections;              /* open TCP/TLS connections, both directions */
    unsigned long connections_refused; /* accepted and closed at once by a connection limit */
    unsigned long slow_closed;         /* closed: a message did not arrive whole in time */
    unsigned long overflow_closed;     /* closed: more queued for the peer than the buffer limit */
} tp_stats;

int tp_layer_create(pl_loop *loop, const tp_config *cfg, const tp_handler *h, tp_layer **out);
/* Closes every listening point and connection; the layer is freed once the handles closed. */
void tp_layer_destroy(tp_layer *tp);
const tp_stats *tp_layer_stats(const tp_layer *tp);

/* Opens a listening point. Port 0 picks a free port; tp_iface_local tells which. */
int tp_listen(tp_layer *tp, tp_proto proto, const tp_addr *addr, tp_iface **out);
const tp_addr *tp_iface_local(const tp_iface *ifc);
tp_proto tp_iface_proto(const tp_iface *ifc);
/* The first listening point of this protocol and address family (NULL when none). */
tp_iface *tp_find_iface(tp_layer *tp, tp_proto proto, int family);
/* Iterates listening points: pass NULL to get the first. */
tp_iface *tp_next_iface(tp_layer *tp, tp_iface *prev);

/*
 * Sends one message. Datagrams go out at once; stream messages are queued on the connection
 * (opened if needed). *conn_id receives the connection used (0 for datagrams), so that a
 * failure reported by on_conn_down can be matched. Errors known at once are returned.
 */
int tp_send(tp_layer *tp, const tp_dest *dst, const char *data, size_t len, uint64_t *conn_id);

/* Whether the connection is still open. */
bool tp_conn_alive(tp_layer *tp, uint64_t conn_id);
/* The TCP/TLS connection a message to dst would go on, opened now when there is none (the
 * kernel binds its local address at once): its id and local address. For a request sent with
 * no listener of its transport, Via and Contact name that address (the peer answers and sends
 * its requests on the connection, RFC 3261 §18 and RFC 5923). */
int tp_conn_prepare(tp_layer *tp, const tp_dest *dst, uint64_t *conn_id, tp_addr *local);
/* The local address of the open connection of proto to dst (any domain), PARLEY_E_NOTFOUND
 * when there is none. */
int tp_conn_local_to(tp_layer *tp, tp_proto proto, const tp_addr *dst, tp_addr *local);
/* What a trace shows as the local address of a message exchanged with remote over a socket
 * bound to local: local itself, or for a wildcard bind (0.0.0.0, ::) the address the kernel
 * sends from towards remote (the last one looked up is kept). Loop thread. */
void tp_trace_local(tp_layer *tp, const tp_addr *local, const tp_addr *remote, tp_addr *out);
/* Local address a message to dst would leave from (for Via and Contact): a listener of proto,
 * else of another transport (TLS falls back on TCP, anything on UDP, then TCP). *listener (may
 * be NULL) is the transport of the listener taken: where we accept requests. */
int tp_local_for(tp_layer *tp, tp_proto proto, const tp_addr *dst, tp_addr *local,
                 tp_proto *listener);

/* ---- for transport drivers (udp.c, tcp.c, tls.c, and the tests' virtual network) ---- */

typedef struct tp_iface_ops {
    int (*send)(tp_iface *ifc, const tp_addr *dst, const char *data, size_t len);
    void (*close)(tp_iface *ifc);
} tp_iface_ops;

struct tp_iface {
    pl_list link;
    tp_layer *tp;
    const tp_iface_ops *ops;
    tp_proto proto;
    tp_addr local;
    void *impl;
};

/* Registers a driver's listening point with the layer. */
void tp_iface_attach(tp_layer *tp, tp_iface *ifc);
/* A driver received a datagram on ifc. */
void tp_iface_deliver(tp_iface *ifc, const tp_addr *src, const char *data, size_t len);
/* A datagram interface learned (ICMP) that dst cannot be reached: passed to on_unreachable. */
void tp_iface_unreachable(tp_iface *ifc, const tp_addr *dst, int err);
pl_loop *tp_loop(tp_layer *tp);

/* What the last TLS failure of this layer was, for a person ("certificate of 127.0.0.1 refused:
 * unable to get local issuer certificate"); "" before any. Loop thread only: a failure is
 * reported (PARLEY_E_TLS) in the same turn of the loop, so the text is that failure's. */
const char *tp_tls_failure(const tp_layer *tp);

#endif
