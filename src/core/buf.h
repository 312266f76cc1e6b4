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
    size_t max; /* growth limit, 0 = none */
    int err;    /* 0 or a PARLEY_E_* */
} pl_buf;

void pl_buf_init(pl_buf *b, size_t cap_hint);
void pl_buf_free(pl_buf *b);
void pl_buf_reset(pl_buf *b);
bool pl_buf_reserve(pl_buf *b, size_t extra);
void pl_buf_put(pl_buf *b, const void *p, size_t n);
void pl_buf_puts(pl_buf *b, const char *s);
void pl_buf_putc(pl_buf *b, char c);
void pl_buf_put_str(pl_buf *b, pl_str s);
void pl_buf_put_u64(pl_buf *b, uint64_t v);
void pl_buf_put_i64(pl_buf *b, int64_t v);
void pl_buf_printf(pl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pl_buf_vprintf(pl_buf *b, const char *fmt, va_list ap);
/* NUL-terminates without counting the NUL in len. */
void pl_buf_terminate(pl_buf *b);
/* Hands the data over (NUL-terminated); the buffer becomes empty. NULL on error. */
char *pl_buf_steal(pl_buf *b, size_t *len);

static inline bool pl_buf_ok(const pl_buf *b)
{
    return b->err == 0;
}

static inline pl_str pl_buf_str(const pl_buf *b)
{
    return (pl_str){b->data, b->len};
}

#endif
