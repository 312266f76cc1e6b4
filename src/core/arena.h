/*
 * Bump allocator for everything that lives as long as one object (a parsed message). The first
 * chunk is given by the owner (usually in the same allocation as the owner); further chunks are
 * malloc'd only when it runs out, so a typical message costs one allocation in all.
 */
#ifndef PL_ARENA_H
#define PL_ARENA_H

#include <stddef.h>

typedef struct pl_arena_chunk pl_arena_chunk;

typedef struct pl_arena {
    char *cur;
    char *end;
    pl_arena_chunk *extra; /* malloc'd overflow chunks */
    size_t used;           /* bytes handed out, for the limit */
    size_t limit;          /* 0 = unlimited */
} pl_arena;

void pl_arena_init(pl_arena *a, void *mem, size_t size, size_t limit);
/* 8-byte aligned, uninitialised; NULL when out of memory or past the limit. */
void *pl_arena_alloc(pl_arena *a, size_t n);
/* Zeroed. */
void *pl_arena_zalloc(pl_arena *a, size_t n);
/* Frees the overflow chunks (the first chunk belongs to the owner). */
void pl_arena_release(pl_arena *a);

#endif
