/* Private to the transport layer. */
#ifndef TP_INT_H
#define TP_INT_H

#include <uv.h>

#include "core/timer.h"
#include "transport/deadline.h"
#include "transport/peer.h"
#include "transport/tp.h"

typedef struct tp_tls_ctx tp_tls_ctx;
typedef struct tp_tls tp_tls;

struct tp_conn {
    pl_hnode by_id;
    pl_hnode by_addr;
    pl_list link;
    tp_layer *tp;
    tp_iface *listener; /* accepting side: the listening point */
    uint64_t id;
    tp_proto proto;
    tp_addr remote;
    tp_addr local;
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    bool outgoing;
    bool connected; /* TCP connected and, for TLS, handshake done */
    bool closing;
    bool draining; /* no more messages: reads are dropped until the peer closes (tp_conn_drain) */
    int drain_err;
    uv_shutdown_t shutdown_req;
    pl_buf rbuf;         /* received plaintext not framed yet */
    pl_buf pending;      /* plaintext queued until the connection is up */
    pl_buf pending_lens; /* the length (size_t) of each message in pending, traced when sent */
    pl_timer idle;
    uint64_t last_activity;
    /* for the message being received (and an accepted TLS handshake) */
    tp_deadline deadline;
    /* accepted: the hold on its peer's connection count */
    tp_peer *peer;
    tp_tls *tls;
    char host[256]; /* outgoing: the identity the server must prove (tp_dest.host) */
};

struct tp_layer {
    pl_loop *loop;
    tp_config cfg;
    tp_handler h;
    pl_list ifaces;
    pl_list conns;
    pl_hash conns_by_id;
    pl_hash conns_by_addr;
    uint64_t next_conn_id;
    tp_tls_ctx *tls;
    /* what the last TLS failure was ("" before any), for the result it ends (tp_tls_failure) */
    char tls_failure[320];
    /* where stream reads land (the loop thread's only), made at the first read: not a
     * thread-local array, which every thread of the program would carry */
    char *read_buf;
    unsigned open_handles; /* uv handles still closing */
    /* accepted connections per peer */
    tp_peer_table conn_peers;
    tp_stats stats;
    bool destroying;
    /* the last route source asked for a wildcard listener (wildcard_source): towards route_dst */
    bool route_known;
    tp_addr route_dst, route_src;
};

/* tp.c */
void tp_handle_closed(tp_layer *tp);
void tp_trace(tp_layer *tp, bool sent, tp_proto proto, const tp_addr *local, const tp_addr *remote,
              const char *data, size_t len);
void tp_deliver(tp_layer *tp, const tp_rx *rx, const char *data, size_t len, unsigned flags);

/* guard.c: the limits on stream connections */
/* An accepted connection whose peer is known: false when a limit refuses it (counted; the
 * caller closes it). */
bool tp_guard_accept(tp_conn *c);
/* After received bytes were framed: `taken` bytes left the buffer (messages, keep-alives). */
void tp_guard_received(tp_conn *c, size_t taken);
/* Before len more bytes are queued for the peer: false (and c closing) past the limit. */
bool tp_guard_send(tp_conn *c, size_t len);
/* The connection closes: drops what it held. */
void tp_guard_closed(tp_conn *c);

/* udp.c */
int tp_udp_listen(tp_layer *tp, const tp_addr *addr, tp_iface **out);

/* stream.c */
int tp_stream_listen(tp_layer *tp, tp_proto proto, const tp_addr *addr, tp_iface **out);
tp_conn *tp_conn_find(tp_layer *tp, uint64_t id);
/* An open connection to remote. An outgoing TLS connection is only reused for the same host
 * (the identity it verified); NULL or "" matches any. */
tp_conn *tp_conn_find_addr(tp_layer *tp, tp_proto proto, const tp_addr *remote, const char *host);
int tp_conn_open(tp_layer *tp, const tp_dest *dst, tp_conn **out);
int tp_conn_send(tp_conn *c, const char *data, size_t len);
/* The connection's local address (bound as soon as it connects out). */
void tp_conn_local(tp_conn *c, tp_addr *local);
void tp_conn_close(tp_conn *c, int err);
/* Closes c gracefully after what was sent on it: see stream.c. */
void tp_conn_drain(tp_conn *c, int err);

/* One step of reading a byte stream (a connection's, or a test's): leading CRLFs are skipped
 * (pong called for a CRLFCRLF ping among them), then the first message is delivered. Returns 0
 * (delivered), PARLEY_E_INCOMPLETE (more bytes needed), PARLEY_E_LIMIT (the message is over the
 * size limit: what arrived of it was delivered for a 513, and the stream must end) or
 * PARLEY_E_PARSE (unframable: the stream must end). *used: bytes of data consumed. */
typedef struct tp_stream_in {
    tp_layer *tp;
    tp_rx rx;
    void (*pong)(void *arg); /* may be NULL */
    void *arg;
} tp_stream_in;
int tp_stream_next(const tp_stream_in *in, const char *data, size_t len, size_t *used);
/* called by tls.c: plaintext arrived / ciphertext must go out / handshake done */
void tp_conn_on_plain(tp_conn *c, const char *data, size_t len);
int tp_conn_write_raw(tp_conn *c, const char *data, size_t len);
void tp_conn_up(tp_conn *c);

/* tls.c */
int tp_tls_ctx_create(const tp_tls_config *cfg, tp_tls_ctx **out);
void tp_tls_ctx_free(tp_tls_ctx *ctx);
int tp_tls_start(tp_conn *c, tp_tls_ctx *ctx, bool server);
void tp_tls_free(tp_tls *t);
/* ciphertext from the socket */
int tp_tls_on_data(tp_conn *c, const char *data, size_t len);
/* plaintext to send (only once the handshake is done) */
int tp_tls_write(tp_conn *c, const char *data, size_t len);

/* tls_ident.c: whether cert names host (a SIP domain or an IP address) as RFC 5922 asks */
typedef struct x509_st X509;
bool tp_tls_identity_ok(X509 *cert, const char *host);

#endif
