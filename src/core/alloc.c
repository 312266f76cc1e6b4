#include "core/alloc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define NO_CACHE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NO_CACHE 1
#endif
#endif
#if !defined(__GLIBC__)
#define NO_CACHE 1
#endif

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

/*
 * The loop thread's cache of medium blocks. glibc serves blocks up to about 1 KiB from a
 * per-thread cache, but a parsed message (a few KiB), a session or an SDP description goes
 * through its general bins: a few hundred instructions per allocation and free, several times
 * per call. While the loop thread runs (pl_alloc_cache_enable) its blocks of 1 to 16 KiB come
 * in size classes a quarter of a power of two apart, and the last few freed of each class are
 * kept for the next request of that class. Nothing else changes: every pl_malloc still counts,
 * failure injection still fails it, and sanitizer builds have no cache (a cached block would
 * hide a use after free from them).
 */
#define CACHE_MIN     1024
#define CACHE_MAX     16384
#define CACHE_CLASSES 17
#define CACHE_DEPTH   4

#ifndef NO_CACHE
static _Thread_local bool cache_on;
static _Thread_local unsigned depth[CACHE_CLASSES];
static _Thread_local void *stack[CACHE_CLASSES][CACHE_DEPTH];

static unsigned log2_floor(size_t v)
{
    return 63u - (unsigned)__builtin_clzll((unsigned long long)v);
}

/* Classes: 1024, then 2^b + k * 2^(b-2) for b = 10..13 and k = 1..4 (1280 ... 16384). */
static size_t class_size(unsigned i)
{
    if (i == 0)
        return CACHE_MIN;
    unsigned b = 10 + (i - 1) / 4, k = (i - 1) % 4 + 1;
    return ((size_t)1 << b) + k * ((size_t)1 << (b - 2));
}

/* The smallest class that holds n (CACHE_MIN <= n <= CACHE_MAX). */
static unsigned class_ceil(size_t n)
{
    if (n <= CACHE_MIN)
        return 0;
    size_t m = n - 1;
    unsigned b = log2_floor(m);
    return (b - 10) * 4 + (unsigned)((m >> (b - 2)) & 3) + 1;
}

/* The largest class a block of usable size u (>= CACHE_MIN) can serve. */
static unsigned class_floor(size_t u)
{
    if (u >= CACHE_MAX)
        return CACHE_CLASSES - 1;
    unsigned b = log2_floor(u);
    return (b - 10) * 4 + (unsigned)((u >> (b - 2)) & 3);
}

static void *cache_alloc(size_t n)
{
    unsigned i = class_ceil(n);
    if (depth[i])
        return stack[i][--depth[i]];
    return malloc(class_size(i));
}

static bool cache_free(void *p)
{
    size_t u = malloc_usable_size(p);
    if (u < CACHE_MIN)
        return false;
    unsigned i = class_floor(u);
    if (depth[i] == CACHE_DEPTH)
        return false;
    stack[i][depth[i]++] = p;
    return true;
}
#endif

int pl_alloc_cache_available(void)
{
#ifndef NO_CACHE
    return 1;
#else
    return 0;
#endif
}

void pl_alloc_cache_enable(int on)
{
#ifndef NO_CACHE
    if (!on) {
        for (unsigned i = 0; i < CACHE_CLASSES; i++)
            while (depth[i])
                free(stack[i][--depth[i]]);
    }
    cache_on = on != 0;
#else
    (void)on;
#endif
}

void *pl_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
#ifndef NO_CACHE
    if (cache_on && n >= CACHE_MIN && n <= CACHE_MAX)
        return cache_alloc(n);
#endif
    return malloc(n ? n : 1);
}

void *pl_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
#ifndef NO_CACHE
    if (cache_on && size && n <= SIZE_MAX / size && n * size >= CACHE_MIN &&
        n * size <= CACHE_MAX) {
        void *p = cache_alloc(n * size);
        return p ? memset(p, 0, n * size) : NULL;
    }
#endif
    if (size && n <= CACHE_MIN / size) {
        /* small: malloc is served from glibc's per-thread cache, calloc never is */
        size_t bytes = n * size;
        void *p = malloc(bytes ? bytes : 1);
        return p ? memset(p, 0, n * size) : NULL;
    }
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
    if (!p)
        return;
#ifndef NO_CACHE
    if (cache_on && cache_free(p))
        return;
#endif
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
