/*
 * Growable output buffer for printing protocol text. Errors are sticky: after a failed growth
 * every further write is ignored and pl_buf_ok() is false, so printers need not check each call.
 */
#ifndef PL_BUF_H
#define PL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

typedef struct pl_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;  /* growth limit, 0 = none */
    int err;     /* 0 or a PARLEY_E_* */
    bool borrow; /* data is the caller's storage (pl_buf_init_on): never freed or reallocated */
} pl_buf;

void pl_buf_init(pl_buf *b, size_t cap_hint);
/* Starts on the caller's storage (usually on the stack): a message that fits costs no
 * allocation; one that outgrows it moves to the heap. pl_buf_free/pl_buf_steal as usual. */
void pl_buf_init_on(pl_buf *b, char *storage, size_t size);
void pl_buf_free(pl_buf *b);
void pl_buf_reset(pl_buf *b);
/* The slow path of pl_buf_reserve: grows the buffer. */
bool pl_buf_grow(pl_buf *b, size_t extra);
void pl_buf_puts(pl_buf *b, const char *s);
void pl_buf_put_u64(pl_buf *b, uint64_t v);
void pl_buf_put_i64(pl_buf *b, int64_t v);
void pl_buf_printf(pl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pl_buf_vprintf(pl_buf *b, const char *fmt, va_list ap);
/* NUL-terminates without counting the NUL in len. */
void pl_buf_terminate(pl_buf *b);
/* Hands the data over (NUL-terminated); the buffer becomes empty. NULL on error. */
char *pl_buf_steal(pl_buf *b, size_t *len);

/* Room for extra more bytes (and a terminating NUL). */
static inline bool pl_buf_reserve(pl_buf *b, size_t extra)
{
    if (__builtin_expect(!b->err && extra <= b->cap - b->len, 1))
        return true;
    return pl_buf_grow(b, extra);
}

static inline void pl_buf_put(pl_buf *b, const void *p, size_t n)
{
    if (n == 0 || !pl_buf_reserve(b, n))
        return;
    __builtin_memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void pl_buf_putc(pl_buf *b, char c)
{
    if (!pl_buf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
}

static inline void pl_buf_put_str(pl_buf *b, pl_str s)
{
    pl_buf_put(b, s.p, s.len);
}

/* A string literal, its length known at compile time. */
#define pl_buf_put_lit(b, lit) pl_buf_put((b), "" lit, sizeof(lit) - 1)

static inline bool pl_buf_ok(const pl_buf *b)
{
    return b->err == 0;
}

static inline pl_str pl_buf_str(const pl_buf *b)
{
    return (pl_str){b->data, b->len};
}

#endif
