/*
 * Counting what each peer address holds (connections it opened, requests in flight), so that
 * one address cannot take what a limit shares among all. A peer is a host: an IPv4 address, or
 * an IPv6 /64 (one subscriber usually owns a whole /64, so counting single IPv6 addresses would
 * let one host use 2^64 of them); an IPv4-mapped IPv6 address counts as its IPv4 address.
 * Entries exist only while their count is above zero: the table never holds more entries than
 * the things it counts.
 */
#ifndef TP_PEER_H
#define TP_PEER_H

#include "core/hash.h"
#include "core/list.h"
#include "transport/tp.h"

typedef struct tp_peer tp_peer;

#define TP_PEER_SPARES 4

typedef struct tp_peer_table {
    pl_hash h;
    pl_list all;
    /* entries whose count fell to 0, kept for the next peer instead of freed and allocated
     * again for every request of a lone peer */
    struct tp_peer *spare[TP_PEER_SPARES];
    unsigned nspare;
} tp_peer_table;

int tp_peers_init(tp_peer_table *t);
/* Frees every entry left (their holders must not drop them afterwards). */
void tp_peers_free(tp_peer_table *t);
/* How many holds a's peer has (0 when it has no entry). */
unsigned tp_peers_count(const tp_peer_table *t, const tp_addr *a);
/* One more hold on a's peer; returns its entry (to drop later), NULL when out of memory (then
 * nothing is counted). */
tp_peer *tp_peers_hold(tp_peer_table *t, const tp_addr *a);
/* Drops a hold taken by tp_peers_hold (NULL is ignored); the entry goes with its last hold. */
void tp_peers_drop(tp_peer_table *t, tp_peer *p);
/* Number of peers with an entry. */
size_t tp_peers_size(const tp_peer_table *t);

#endif
