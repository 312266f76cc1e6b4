#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

struct pl_arena_chunk {
    pl_arena_chunk *next;
    size_t size;
    /* data follows, 16-aligned by the struct size */
};

#define ALIGN 8u

void pl_arena_init(pl_arena *a, void *mem, size_t size, size_t limit)
{
    uintptr_t p = ((uintptr_t)mem + (ALIGN - 1)) & ~(uintptr_t)(ALIGN - 1);
    size_t lost = (size_t)(p - (uintptr_t)mem);
    a->cur = (char *)p;
    a->end = (char *)mem + (size > lost ? size : lost);
    a->extra = NULL;
    a->used = 0;
    a->limit = limit;
}

void *pl_arena_alloc(pl_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL; /* rounding up or adding the chunk header would wrap around */
    n = (n + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
    if (a->limit && a->used + n > a->limit)
        return NULL;
    if ((size_t)(a->end - a->cur) < n) {
        size_t sz = n > 4096 ? n : 4096;
        pl_arena_chunk *c = pl_malloc(sizeof(*c) + sz + ALIGN);
        if (!c)
            return NULL;
        c->next = a->extra;
        c->size = sz;
        a->extra = c;
        uintptr_t p = ((uintptr_t)(c + 1) + (ALIGN - 1)) & ~(uintptr_t)(ALIGN - 1);
        a->cur = (char *)p;
        a->end = a->cur + sz;
    }
    void *r = a->cur;
    a->cur += n;
    a->used += n;
    return r;
}

void *pl_arena_zalloc(pl_arena *a, size_t n)
{
    void *r = pl_arena_alloc(a, n);
    if (r)
        memset(r, 0, n);
    return r;
}

void pl_arena_release(pl_arena *a)
{
    pl_arena_chunk *c = a->extra;
    while (c) {
        pl_arena_chunk *n = c->next;
        pl_free(c);
        c = n;
    }
    a->extra = NULL;
}
