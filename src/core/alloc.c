#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long fail_after = -1;
static atomic_ulong count;

static int should_fail(void)
{
    long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (n < 0)
        return 0;
    if (n == 0)
        return 1;
    atomic_fetch_sub_explicit(&fail_after, 1, memory_order_relaxed);
    return 0;
}

void *pl_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    return malloc(n ? n : 1);
}

void *pl_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    return calloc(n ? n : 1, size ? size : 1);
}

void *pl_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    return realloc(p, n ? n : 1);
}

void pl_free(void *p)
{
    free(p);
}

void pl_alloc_fail_after(long n)
{
    atomic_store(&fail_after, n);
}

unsigned long pl_alloc_count(void)
{
    return atomic_load(&count);
}

void pl_alloc_count_reset(void)
{
    atomic_store(&count, 0);
}
