/*
 * Every heap allocation of the library goes through these, so that tests can fail the N-th
 * allocation (proving each error path frees what it took) and benchmarks can count them.
 */
#ifndef PL_ALLOC_H
#define PL_ALLOC_H

#include <stddef.h>

void *pl_malloc(size_t n);
void *pl_calloc(size_t n, size_t size);
void *pl_realloc(void *p, size_t n);
void pl_free(void *p);
/* On (1): this thread keeps a few freed medium blocks for its next allocations (the loop
 * thread, while it runs). Off (0): the cache is emptied; call it before the thread ends. */
void pl_alloc_cache_enable(int on);
/* Whether this build has the cache (not under the sanitizers). */
int pl_alloc_cache_available(void);

/* Test hooks: after `n` more successful allocations, every allocation fails (-1 = never). */
void pl_alloc_fail_after(long n);
/* Number of allocations made since the process started (or the last reset). */
unsigned long pl_alloc_count(void);
void pl_alloc_count_reset(void);

#endif
