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

/* Test hooks: after `n` more successful allocations, every allocation fails (-1 = never). */
void pl_alloc_fail_after(long n);
/* Number of allocations made since the process started (or the last reset). */
unsigned long pl_alloc_count(void);
void pl_alloc_count_reset(void);

#endif
