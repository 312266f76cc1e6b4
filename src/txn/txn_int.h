/* Private to the transaction layer. */
#ifndef TXN_INT_H
#define TXN_INT_H

#include "core/hash.h"
#include "core/timer.h"
#include "transport/peer.h"
#include "txn/txn.h"

struct txn_layer {
    pl_loop *loop;
    tp_layer *tp;
    txn_timers timers;
    txn_handler h;
    pl_hash clients; /* by branch + method */
    pl_hash servers; /* by branch + sent-by + method class, or the RFC 2543 key */
    pl_hash watches; /* conn_id -> client transactions waiting on that connection */
    /* server transactions not answered yet (final), per peer */
    tp_peer_table peers;
    txn_stats stats;
    bool destroying;
    pl_list all_clients, all_servers;
    /* INVITE server transactions that have sent nothing yet, oldest first: each is due its
     * 100 Trying trying_ms after it began, so this order is also their deadlines' (one timer
     * for them all, not one started and stopped per INVITE) */
    pl_list trying;
    pl_timer trying_timer; /* for the oldest's deadline, or earlier (then set again) */
    /* the last source address a response's Via received was made from, and its text */
    tp_addr received_of;
    char received[64];
    size_t received_len; /* 0: none yet */
};

typedef struct conn_watch {
    pl_hnode node;
    uint64_t conn_id;
    pl_list txns;
} conn_watch;

struct txn_client {
    pl_hnode node;
    pl_list link;      /* all_clients */
    pl_list conn_link; /* in a conn_watch */
    txn_layer *l;
    unsigned refs;
    uint8_t method_id;
    txn_state state;
    bool reliable;
    char branch[48];
    sip_out req;
    tp_dest dest;
    uint64_t conn_id;
    pl_timer retrans; /* A or E */
    pl_timer wait;    /* B or F, then D, K or M */
    unsigned interval;
    pl_buf ack; /* ACK for a non-2xx final, resent for its retransmissions */
    txn_client_cb cb;
    void *tu;
    int fail_err; /* failure to report from a timer (errors known at start) */
};

struct txn_server {
    pl_hnode node;
    pl_list link; /* all_servers */
    txn_layer *l;
    unsigned refs;
    uint8_t method_id;
    txn_state state;
    bool reliable;
    bool rfc2543;
    sip_msg *req; /* until answered and left by its TU: then only key (RFC 3261 matching) */
    /* what matching needs once the request is gone: the top Via's branch and sent-by, and the
     * method (for an extension method), copied into key_room at the end of the transaction's own
     * block (sized for them when it was made): no allocation of its own */
    pl_str key_branch, key_host, key_method;
    uint16_t key_port;
    bool dispatching; /* its request is being handed to the TU: it stays until that returns */
    tp_rx rx;
    /* where responses go (RFC 3261 §18.2.2): rx's address with this port; over TCP or TLS rx's
     * connection, or a new one to the top Via's sent-by host (the request's, then key_host).
     * Kept as this port rather than a tp_dest (296 bytes with its host buffer) */
    uint16_t dest_port;
    tp_peer *peer; /* the hold on its peer's count of unanswered requests, until the final */
    unsigned last_status;
    pl_buf last;           /* last response sent, for retransmissions */
    char accepted_tag[24]; /* an INVITE's To tag as txn_server_print_head printed it (or read
                              from its 2xx before Accepted frees it), for a CANCEL's 200 */
    pl_timer retrans;      /* G */
    pl_list trying_link;   /* in the layer's trying list until a response goes */
    uint64_t trying_at;    /* when its 100 Trying is due */
    pl_timer wait;         /* H, I, J, L, or the TU silence limit */
    unsigned interval;
    txn_server_cb cb;
    void *tu;
    bool has_tu;     /* the TU holds a reference */
    size_t key_size; /* bytes of key_room */
    char key_room[]; /* the matching key once the request is shed (RFC 3261 transactions) */
};

/* server.c: the layer's 100 Trying timer (txn.c arms and stops it with the layer). */
void txn_server_on_trying(pl_timer *tm, void *arg);

/* server.c: drops the request of an answered transaction no TU holds (keeps a matching key). */
void txn_server_shed_request(txn_server *t);

/* client.c */
void txn_client_recv(txn_layer *l, txn_client *t, sip_msg *m);
txn_client *txn_client_match(txn_layer *l, const sip_msg *m);
void txn_client_conn_down(txn_client *t, int err);
/* Its destination is unreachable (txn_layer_unreachable): fails from the loop if it has had no
 * response yet. */
void txn_client_unreachable(txn_client *t, int err);
/* Ends the transaction now (no callbacks) and drops the layer's reference. */
void txn_client_kill(txn_client *t);

/* server.c */
txn_server *txn_server_match(txn_layer *l, const sip_msg *m, bool for_cancel);
/* The transaction of request m (as txn_server_match without for_cancel), and in *hash the key's
 * hash, which txn_server_new takes when there is none: a request's key is hashed once. */
txn_server *txn_server_lookup(txn_layer *l, const sip_msg *m, uint64_t *hash);
void txn_server_recv_retransmit(txn_server *t, sip_msg *m, const tp_rx *rx);
txn_server *txn_server_new(txn_layer *l, sip_msg *m, const tp_rx *rx, uint64_t hash);
/* Ends the transaction now (no callbacks) and drops the layer's reference. */
void txn_server_kill(txn_server *t);
void txn_server_unref(txn_server *t);

/* txn.c */
void txn_watch_add(txn_layer *l, txn_client *t);
void txn_watch_remove(txn_layer *l, txn_client *t);
uint64_t txn_t1(const txn_layer *l);
uint64_t txn_t2(const txn_layer *l);
uint64_t txn_t4(const txn_layer *l);

#endif
