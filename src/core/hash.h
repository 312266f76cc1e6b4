/*
 * Intrusive hash table with chaining: the caller embeds a pl_hnode and supplies the hash and
 * the comparison. Buckets double when the load passes 1, so lookups stay O(1) on average
 * whatever the number of entries; the doubling is incremental (every insert and remove moves
 * two buckets of the old array, lookups search both meanwhile), so no single operation pays
 * for rehashing the whole table. They halve the same way when the load falls under 1/8 (never
 * below the initial size), so a table a flood grew does not keep its buckets for ever.
 */
#ifndef PL_HASH_H
#define PL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

typedef struct pl_hnode {
    struct pl_hnode *next;
    uint64_t hash;
} pl_hnode;

typedef struct pl_hash {
    pl_hnode **buckets;
    size_t nbuckets; /* power of two */
    pl_hnode **old;  /* the previous array while its entries move over, or NULL */
    size_t nold;
    size_t moved; /* buckets of old already moved */
    size_t count;
    size_t min;    /* the initial size: never shrunk below */
    uint64_t seed; /* random per table: hash with it so that peers cannot aim at one chain */
} pl_hash;

int pl_hash_init(pl_hash *h, size_t initial);
void pl_hash_free(pl_hash *h);
/* Inserts n with its precomputed hash (duplicates allowed; lookups find the newest first). */
void pl_hash_insert(pl_hash *h, pl_hnode *n, uint64_t hash);
void pl_hash_remove(pl_hash *h, pl_hnode *n);
/* First node with this hash for which match(node, key) is true, or NULL. */
pl_hnode *pl_hash_find(const pl_hash *h, uint64_t hash,
                       bool (*match)(const pl_hnode *, const void *), const void *key);

/* FNV-1a style 64-bit hashing of byte runs; pl_hash_mix to combine. Case-insensitive variant
 * for tokens compared case-insensitively. */
uint64_t pl_hash_bytes(uint64_t seed, const void *p, size_t n);
uint64_t pl_hash_bytes_nocase(uint64_t seed, const void *p, size_t n);
static inline uint64_t pl_hash_str(uint64_t seed, pl_str s)
{
    return pl_hash_bytes(seed, s.p, s.len);
}
/* One word (a key that fits in 8 bytes: an address, an id), mixed as pl_hash_bytes mixes each
 * word, without its loop and tail: inline, two multiplications. */
static inline uint64_t pl_hash_word(uint64_t seed, uint64_t w)
{
    __uint128_t r = (__uint128_t)(seed ^ w) * 0xa0761d6478bd642full;
    uint64_t h = (uint64_t)r ^ (uint64_t)(r >> 64);
    r = (__uint128_t)h * 0x8ebc6af09c88c6e3ull;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}
#define PL_HASH_SEED 0xcbf29ce484222325ull

#endif
