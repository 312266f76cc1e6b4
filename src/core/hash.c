#include "core/hash.h"

#include <string.h>

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
    h->min = n;
    h->old = NULL;
    h->nold = h->moved = 0;
    h->count = 0;
    h->seed = pl_rand_u64() | 1;
    return 0;
}

void pl_hash_free(pl_hash *h)
{
    pl_free(h->buckets);
    pl_free(h->old);
    h->buckets = h->old = NULL;
    h->nbuckets = h->nold = h->moved = h->count = 0;
}

/* Moves up to `n` buckets of the old array into the current one. */
static void migrate(pl_hash *h, size_t n)
{
    while (h->old && n--) {
        pl_hnode *e = h->old[h->moved];
        while (e) {
            pl_hnode *next = e->next;
            size_t j = e->hash & (h->nbuckets - 1);
            e->next = h->buckets[j];
            h->buckets[j] = e;
            e = next;
        }
        h->old[h->moved] = NULL;
        if (++h->moved == h->nold) {
            pl_free(h->old);
            h->old = NULL;
            h->nold = h->moved = 0;
        }
    }
}

/* A new array of n buckets; the current one becomes the old one, whose entries move over
 * (migrate works for any size: an entry goes where its hash says in the new array). */
static void resize(pl_hash *h, size_t n)
{
    if (h->old)
        migrate(h, h->nold); /* cannot happen with 2 moves per insert, kept for safety */
    pl_hnode **b = pl_calloc(n, sizeof(*b));
    if (!b)
        return; /* keep working with longer chains */
    h->old = h->buckets;
    h->nold = h->nbuckets;
    h->moved = 0;
    h->buckets = b;
    h->nbuckets = n;
}

static void grow(pl_hash *h)
{
    resize(h, h->nbuckets * 2);
}

/* The chain holding hash: in the old array when its bucket there has not moved yet. */
static pl_hnode **chain(const pl_hash *h, uint64_t hash)
{
    if (h->old) {
        size_t i = hash & (h->nold - 1);
        if (i >= h->moved)
            return &h->old[i];
    }
    return &h->buckets[hash & (h->nbuckets - 1)];
}

void pl_hash_insert(pl_hash *h, pl_hnode *n, uint64_t hash)
{
    migrate(h, 2);
    if (h->count >= h->nbuckets && !h->old)
        grow(h);
    n->hash = hash;
    pl_hnode **pp = chain(h, hash);
    n->next = *pp;
    *pp = n;
    h->count++;
}

void pl_hash_remove(pl_hash *h, pl_hnode *n)
{
    /* a shrinking table has at most one entry per four buckets: moving many buckets per
     * removal costs little and keeps up with a table emptying fast */
    migrate(h, h->old && h->nold > h->nbuckets ? 32 : 2);
    pl_hnode **pp = chain(h, n->hash);
    while (*pp) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            h->count--;
            if (!h->old && h->nbuckets > h->min && h->count < h->nbuckets / 8)
                resize(h, h->nbuckets / 2);
            return;
        }
        pp = &(*pp)->next;
    }
}

pl_hnode *pl_hash_find(const pl_hash *h, uint64_t hash,
                       bool (*match)(const pl_hnode *, const void *), const void *key)
{
    for (pl_hnode *e = *chain(h, hash); e; e = e->next)
        if (e->hash == hash && match(e, key))
            return e;
    return NULL;
}

/* The 128-bit product of a and b folded to 64 bits: a strong mix for one multiplication. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * The last n bytes (1 to 7) at s as one word, without a byte loop (a variable-length memcpy is
 * one): a string of 8 bytes or more gives its last 8, the first of them already hashed; a shorter
 * one two 4-byte or three 1-byte loads that may overlap. The length is hashed too, so for a given
 * length each tail is one word and different tails different words.
 */
static inline uint64_t tail(const unsigned char *s, size_t n, size_t whole)
{
    if (whole >= 8) {
        uint64_t w;
        memcpy(&w, s + n - 8, 8);
        return w;
    }
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        return lo | (uint64_t)hi << 32;
    }
    return s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16;
}

/* Eight bytes at a time (hashing Call-IDs, tags and branches is on every message's path); the
 * table's random seed goes in first, so peers cannot aim at one chain. */
uint64_t pl_hash_bytes(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    const size_t whole = n;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = fold_mul(h ^ w, 0xa0761d6478bd642full);
        s += 8;
        n -= 8;
    }
    if (n)
        h = fold_mul(h ^ tail(s, n, whole), 0xe7037ed1a0b428dbull);
    return fold_mul(h, 0x8ebc6af09c88c6e3ull);
}

/*
 * As pl_hash_bytes, of the bytes with bit 0x20 set: 'A'..'Z' become 'a'..'z', so that strings
 * equal but for case hash the same. A few other bytes fold together too ('_' with DEL, '@' with
 * '`'), which only makes them collide: the table's match compares for real. Eight bytes at a
 * time, as pl_hash_bytes (Via hosts are hashed on every request's way to its transaction).
 */
uint64_t pl_hash_bytes_nocase(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    const size_t whole = n;
    const uint64_t fold = 0x2020202020202020ull;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = fold_mul(h ^ (w | fold), 0xa0761d6478bd642full);
        s += 8;
        n -= 8;
    }
    if (n) /* every byte tail() reads is one of the string's: folded as the others */
        h = fold_mul(h ^ (tail(s, n, whole) | fold), 0xe7037ed1a0b428dbull);
    return fold_mul(h, 0x8ebc6af09c88c6e3ull);
}
