/*
 * RFC 3261 §17 transactions with the RFC 6026 changes: INVITE and non-INVITE, client and server,
 * timers A to M, matching of responses (§17.1.3) and requests (§17.2.3, with the RFC 2543
 * fallback), the ACK for non-2xx responses, absorption of retransmissions, 100 Trying.
 *
 * Every transaction lives in the layer's hash tables (O(1) matching) and on the loop's timing
 * wheel. The TU (transaction user: endpoint, dialogs, sessions) learns what happens through the
 * callbacks it gave; it never frees a transaction: it detaches from it (txn_*_detach) and the
 * transaction finishes its own life (absorbing retransmissions) and frees itself.
 */
#ifndef TXN_TXN_H
#define TXN_TXN_H

#include "core/loop.h"
#include "sip/build.h"
#include "sip/msg.h"
#include "transport/tp.h"

typedef struct txn_layer txn_layer;
typedef struct txn_client txn_client;
typedef struct txn_server txn_server;

typedef struct txn_timers {
    unsigned t1, t2, t4; /* ms; 0 = 500, 4000, 5000 */
    unsigned trying_ms;  /* INVITE: 100 Trying if the TU is silent this long; 0 = 200 */
} txn_timers;

typedef enum txn_state {
    TXN_CALLING = 1, /* INVITE client */
    TXN_TRYING,      /* non-INVITE client and server */
    TXN_PROCEEDING,
    TXN_COMPLETED,
    TXN_CONFIRMED, /* INVITE server */
    TXN_ACCEPTED,  /* RFC 6026 INVITE client and server */
    TXN_TERMINATED,
} txn_state;

const char *txn_state_name(txn_state s);

/* What a client transaction reports to its TU. */
typedef struct txn_client_cb {
    /* Every response that matched: provisional, final, and (INVITE, Accepted state) 2xx
     * retransmissions. m is borrowed for the call. */
    void (*on_response)(void *tu, txn_client *t, sip_msg *m);
    /* No final response: PARLEY_E_TIMEOUT (Timer B/F), PARLEY_E_CONNECT, PARLEY_E_TLS,
     * PARLEY_E_NOROUTE... */
    void (*on_fail)(void *tu, txn_client *t, int err);
} txn_client_cb;

/* What the layer hands to the TU above it. */
typedef struct txn_handler {
    /* A new request (not ACK). The TU answers through txn_server_respond, now or later. */
    void (*on_request)(void *arg, txn_server *t, sip_msg *m, const tp_rx *rx);
    /* An ACK no INVITE server transaction absorbed (the ACK for a 2xx). m is borrowed. */
    void (*on_ack)(void *arg, sip_msg *m, const tp_rx *rx);
    /* A response no client transaction matched (e.g. a 2xx from another fork). Borrowed. */
    void (*on_stray_response)(void *arg, sip_msg *m, const tp_rx *rx);
    /* A request that could not be parsed well enough to answer is dropped; counted here. */
    void *arg;
    /* A 2xx matching one of our INVITE client transactions (Accepted, Timer M running) whose TU
     * has gone: it is still owed an ACK, and a BYE for the dialog nobody wants. inv_dest is
     * where the INVITE went. Borrowed. May be NULL. */
    void (*on_orphan_2xx)(void *arg, const sip_msg *m, const tp_dest *inv_dest);
    /* A new request (not ACK, nor a CANCEL whose INVITE is live) about to become a server
     * transaction: false refuses it, the handler having answered it statelessly
     * (txn_reply_stateless), so that a refused flood costs no state. May be NULL. */
    bool (*admit)(void *arg, const sip_msg *m, const tp_rx *rx);
} txn_handler;

typedef struct txn_stats {
    unsigned long dropped;      /* unanswerable malformed messages */
    unsigned long bad_requests; /* malformed requests answered statelessly (400, 414, 505, 513) */
    unsigned long retransmissions_absorbed;
    unsigned clients, servers; /* live transactions */
} txn_stats;

int txn_layer_create(pl_loop *loop, tp_layer *tp, const txn_timers *timers, const txn_handler *h,
                     txn_layer **out);
/* Terminates every transaction at once (no callbacks) and frees the layer. */
void txn_layer_destroy(txn_layer *l);
const txn_stats *txn_layer_stats(const txn_layer *l);
const txn_timers *txn_layer_timers(const txn_layer *l);

/* Server transactions from a's peer (see transport/peer.h) whose request has no final answer
 * yet: the requests that peer has in flight. */
unsigned txn_server_count_from(const txn_layer *l, const tp_addr *a);
/* Answers m without a transaction: Via, From, To (with a tag derived from the request, the
 * same for its retransmissions), Call-ID, CSeq, then extra header lines, no body. */
void txn_reply_stateless(txn_layer *l, const sip_msg *m, const tp_rx *rx, unsigned status,
                         const char *reason, pl_str extra);

/* Feed from the transport: takes ownership of m. */
void txn_layer_recv(txn_layer *l, sip_msg *m, const tp_rx *rx);
/* A stream connection went down: transactions waiting on it fail at once. */
void txn_layer_conn_down(txn_layer *l, uint64_t conn_id, int err);
/* ICMP said datagrams to dst cannot be delivered: the client transactions over UDP to dst with
 * no response yet fail with err, from the loop (not inside this call). */
void txn_layer_unreachable(txn_layer *l, const tp_addr *dst, int err);

/* ---- client transactions ---- */

/* A fresh branch: the magic cookie and 96 bits of randomness. out holds at least 32 bytes. */
void txn_new_branch(char *out);

/*
 * Sends the request in *req (its top Via must carry `branch`) to dst and starts a client
 * transaction. Takes the request text over (req->buf is moved; the caller keeps the spans). The
 * transaction keeps it to retransmit and to build the ACK for a non-2xx answer. On an error
 * known at once the TU still hears about it through on_fail, never from inside this call.
 */
int txn_client_start(txn_layer *l, sip_out *req, const char *branch, const tp_dest *dst,
                     const txn_client_cb *cb, void *tu, txn_client **out);
/* Stops callbacks to the TU; the transaction runs out its timers and frees itself. */
void txn_client_detach(txn_client *t);
txn_state txn_client_state(const txn_client *t);
/* The request the transaction sends (with its spans), e.g. to build a CANCEL. */
const sip_out *txn_client_request(const txn_client *t);
const char *txn_client_branch(const txn_client *t);
const tp_dest *txn_client_dest(const txn_client *t);
/* Sends a CANCEL for this INVITE (a new non-INVITE transaction with the same branch). */
int txn_client_cancel(txn_client *t, const sip_kv *extra, size_t nextra, const txn_client_cb *cb,
                      void *tu, txn_client **out);

/* ---- server transactions ---- */

/* Sends a response (text printed by the TU, see sip_print_response_head). status decides the
 * state change. Returns 0 or an error; the transaction keeps the text for retransmissions. */
int txn_server_respond(txn_server *t, unsigned status, const char *data, size_t len);
/* Convenience: prints and sends a response with no body and the given extra header lines. */
int txn_server_reply(txn_server *t, unsigned status, const char *reason, pl_str to_tag,
                     pl_str extra_raw);
/* Prints the response head for this transaction's request (Via stamped for the source). */
void txn_server_print_head(txn_server *t, pl_buf *b, unsigned status, pl_str reason, pl_str to_tag);
const sip_msg *txn_server_request(const txn_server *t);
const tp_rx *txn_server_rx(const txn_server *t);
txn_state txn_server_state(const txn_server *t);
/* The INVITE server transaction a CANCEL transaction targets, or NULL. */
txn_server *txn_server_cancel_target(txn_layer *l, const txn_server *cancel);
/* The To tag of the last response t sent (pointing into it: valid until its next response),
 * empty when none is kept or it had none. */
pl_str txn_server_last_to_tag(const txn_server *t);

typedef struct txn_server_cb {
    /* Timer H fired (no ACK for a non-2xx final), or a response could not be sent. */
    void (*on_fail)(void *tu, txn_server *t, int err);
    /* The INVITE was CANCELled (after the 200 to the CANCEL was sent). */
    void (*on_cancel)(void *tu, txn_server *t, sip_msg *cancel);
    /* The ACK for a non-2xx final response arrived (INVITE). Borrowed. */
    void (*on_ack)(void *tu, txn_server *t, sip_msg *ack);
} txn_server_cb;
void txn_server_set_tu(txn_server *t, const txn_server_cb *cb, void *tu);
/* The destination responses go to (RFC 3261 §18.2.2, RFC 3581). */
void txn_response_dest(const sip_msg *req, const tp_rx *rx, tp_dest *out);

#endif
