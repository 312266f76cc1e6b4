/*
 * Replaces the allocator entry points of the whole process with thin wrappers over glibc's own
 * (__libc_malloc & co, which glibc exports for exactly this use). Shared libraries reach these
 * through their PLT, so Sofia-SIP and libre are counted like libparley. Not thread-safe: the
 * benchmark is single-threaded.
 */
#include "alloc_count.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static int counting;
static alloc_stats stats;

static inline void note_alloc(const void *p, size_t n)
{
    if (__builtin_expect(counting, 0) && p) {
        stats.allocs++;
        stats.bytes += n;
    }
}

void alloc_count_start(void)
{
    stats = (alloc_stats){0, 0, 0};
    counting = 1;
}

alloc_stats alloc_count_stop(void)
{
    counting = 0;
    return stats;
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    note_alloc(p, n);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    note_alloc(p, n * size);
    return p;
}

void *realloc(void *old, size_t n)
{
    void *p = __libc_realloc(old, n);
    if (old && n == 0) {
        if (counting)
            stats.frees++;
    } else {
        note_alloc(p, n);
    }
    return p;
}

void *reallocarray(void *old, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, total);
}

void free(void *p)
{
    if (counting && p)
        stats.frees++;
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    note_alloc(p, n);
    return p;
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    void *p = memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
