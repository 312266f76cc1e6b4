/* Per-peer counts (see peer.h). */
#include "transport/peer.h"

#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"

struct tp_peer {
    pl_hnode node;
    pl_list link;
    uint8_t key[9]; /* family (4 or 6), then 4 bytes of IPv4 or the 8 of an IPv6 /64 */
    unsigned count;
};

static void peer_key(const tp_addr *a, uint8_t key[9])
{
    memset(key, 0, 9);
    if (a->u.sa.sa_family == AF_INET6) {
        const uint8_t *b = a->u.in6.sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, mapped, 12) == 0) {
            key[0] = 4;
            memcpy(key + 1, b + 12, 4);
            return;
        }
        key[0] = 6;
        memcpy(key + 1, b, 8);
        return;
    }
    key[0] = 4;
    memcpy(key + 1, &a->u.in4.sin_addr, 4);
}

static bool match_peer(const pl_hnode *n, const void *key)
{
    return memcmp(pl_container_of(n, tp_peer, node)->key, key, 9) == 0;
}

static tp_peer *find(const tp_peer_table *t, const uint8_t key[9], uint64_t *hash)
{
    uint64_t w; /* the address part; the family goes in with the seed */
    memcpy(&w, key + 1, 8);
    *hash = pl_hash_word(t->h.seed ^ ((uint64_t)key[0] << 56), w);
    pl_hnode *n = pl_hash_find(&t->h, *hash, match_peer, key);
    return n ? pl_container_of(n, tp_peer, node) : NULL;
}

int tp_peers_init(tp_peer_table *t)
{
    pl_list_init(&t->all);
    t->nspare = 0;
    return pl_hash_init(&t->h, 16) == 0 ? 0 : PARLEY_E_NOMEM;
}

void tp_peers_free(tp_peer_table *t)
{
    while (!pl_list_empty(&t->all)) {
        tp_peer *p = pl_container_of(t->all.next, tp_peer, link);
        pl_list_remove(&p->link);
        pl_free(p);
    }
    while (t->nspare)
        pl_free(t->spare[--t->nspare]);
    pl_hash_free(&t->h);
}

unsigned tp_peers_count(const tp_peer_table *t, const tp_addr *a)
{
    uint8_t key[9];
    uint64_t hash;
    peer_key(a, key);
    tp_peer *p = find(t, key, &hash);
    return p ? p->count : 0;
}

tp_peer *tp_peers_hold(tp_peer_table *t, const tp_addr *a)
{
    uint8_t key[9];
    uint64_t hash;
    peer_key(a, key);
    tp_peer *p = find(t, key, &hash);
    if (!p) {
        p = t->nspare ? t->spare[--t->nspare] : pl_calloc(1, sizeof(*p));
        if (!p)
            return NULL;
        p->count = 0;
        memcpy(p->key, key, 9);
        pl_hash_insert(&t->h, &p->node, hash);
        pl_list_insert_tail(&t->all, &p->link);
    }
    p->count++;
    return p;
}

void tp_peers_drop(tp_peer_table *t, tp_peer *p)
{
    if (!p || --p->count)
        return;
    pl_hash_remove(&t->h, &p->node);
    pl_list_remove(&p->link);
    if (t->nspare < TP_PEER_SPARES)
        t->spare[t->nspare++] = p;
    else
        pl_free(p);
}

size_t tp_peers_size(const tp_peer_table *t)
{
    return t->h.count;
}
