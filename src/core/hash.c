#include "core/hash.h"

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"

int pl_hash_init(pl_hash *h, size_t initial)
{
    size_t n = 16;
    while (n < initial)
        n *= 2;
    h->buckets = pl_calloc(n, sizeof(*h->buckets));
    if (!h->buckets)
        return PARLEY_E_NOMEM;
    h->nbuckets = n;
    h->count = 0;
    h->seed = pl_rand_u64() | 1;
    return 0;
}

void pl_hash_free(pl_hash *h)
{
    pl_free(h->buckets);
    h->buckets = NULL;
    h->nbuckets = h->count = 0;
}

static void grow(pl_hash *h)
{
    size_t n = h->nbuckets * 2;
    pl_hnode **b = pl_calloc(n, sizeof(*b));
    if (!b)
        return; /* keep working with longer chains */
    for (size_t i = 0; i < h->nbuckets; i++) {
        pl_hnode *e = h->buckets[i];
        while (e) {
            pl_hnode *next = e->next;
            size_t j = e->hash & (n - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    pl_free(h->buckets);
    h->buckets = b;
    h->nbuckets = n;
}

void pl_hash_insert(pl_hash *h, pl_hnode *n, uint64_t hash)
{
    if (h->count >= h->nbuckets)
        grow(h);
    n->hash = hash;
    size_t i = hash & (h->nbuckets - 1);
    n->next = h->buckets[i];
    h->buckets[i] = n;
    h->count++;
}

void pl_hash_remove(pl_hash *h, pl_hnode *n)
{
    pl_hnode **pp = &h->buckets[n->hash & (h->nbuckets - 1)];
    while (*pp) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            h->count--;
            return;
        }
        pp = &(*pp)->next;
    }
}

pl_hnode *pl_hash_find(const pl_hash *h, uint64_t hash,
                       bool (*match)(const pl_hnode *, const void *), const void *key)
{
    for (pl_hnode *e = h->buckets[hash & (h->nbuckets - 1)]; e; e = e->next)
        if (e->hash == hash && match(e, key))
            return e;
    return NULL;
}

uint64_t pl_hash_bytes(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = seed;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

uint64_t pl_hash_bytes_nocase(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = seed;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 0x100000001b3ull;
    }
    return h;
}
