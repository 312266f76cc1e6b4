#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"

void pl_buf_init(pl_buf *b, size_t cap_hint)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = 0;
    b->err = 0;
    b->borrow = false;
    if (cap_hint)
        pl_buf_reserve(b, cap_hint);
}

void pl_buf_init_on(pl_buf *b, char *storage, size_t size)
{
    b->data = storage;
    b->len = 0;
    b->cap = size ? size - 1 : 0; /* room kept for a terminating NUL */
    b->max = 0;
    b->err = 0;
    b->borrow = size > 0;
    if (!size)
        b->data = NULL;
}

void pl_buf_free(pl_buf *b)
{
    if (!b->borrow)
        pl_free(b->data);
    b->borrow = false;
    b->data = NULL;
    b->len = b->cap = 0;
}

void pl_buf_reset(pl_buf *b)
{
    b->len = 0;
    b->err = 0;
}

bool pl_buf_grow(pl_buf *b, size_t extra)
{
    if (b->err)
        return false;
    if (extra <= b->cap - b->len)
        return true;
    /* bounded so that neither the sum nor the doubling below can wrap around */
    if (extra > (size_t)PTRDIFF_MAX - 1 - b->len) {
        b->err = PARLEY_E_LIMIT;
        return false;
    }
    size_t need = b->len + extra + 1; /* room for a terminating NUL */
    if (b->max && need > b->max + 1) {
        b->err = PARLEY_E_LIMIT;
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    /* a first allocation is a malloc, which may come from the loop thread's cache of medium
     * blocks (realloc never does) */
    char *d = b->borrow || !b->data ? pl_malloc(cap) : pl_realloc(b->data, cap);
    if (!d) {
        b->err = PARLEY_E_NOMEM;
        return false;
    }
    if (b->borrow && b->len)
        memcpy(d, b->data, b->len);
    b->borrow = false;
    b->data = d;
    b->cap = cap - 1;
    return true;
}

void pl_buf_puts(pl_buf *b, const char *s)
{
    pl_buf_put(b, s, strlen(s));
}

/* "00" to "99": numbers are printed two digits per division (status codes, ports and lengths
 * are on every message's path). */
static const char two_digits[201] = "00010203040506070809101112131415161718192021222324252627282930"
                                    "31323334353637383940414243444546474849505152535455565758596061"
                                    "62636465666768697071727374757677787980818283848586878889909192"
                                    "93949596979899";

void pl_buf_put_u64(pl_buf *b, uint64_t v)
{
    /* the digit count first, so that the digits go straight into the buffer from the end */
    size_t n = 1;
    for (uint64_t p = 10; n < 20 && v >= p; p *= 10)
        n++;
    if (!pl_buf_reserve(b, n))
        return;
    char *d = b->data + b->len + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        d -= 2;
        memcpy(d, two_digits + 2 * r, 2);
    }
    if (v >= 10) {
        d -= 2;
        memcpy(d, two_digits + 2 * v, 2);
    } else {
        *--d = (char)('0' + v);
    }
    b->len += n;
}

void pl_buf_put_i64(pl_buf *b, int64_t v)
{
    if (v < 0) {
        pl_buf_putc(b, '-');
        pl_buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        pl_buf_put_u64(b, (uint64_t)v);
    }
}

void pl_buf_vprintf(pl_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return;
    va_list ap2;
    va_copy(ap2, ap);
    char small[128];
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->err = PARLEY_E_INVAL;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        pl_buf_put(b, small, (size_t)n);
        return;
    }
    if (!pl_buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void pl_buf_printf(pl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pl_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void pl_buf_terminate(pl_buf *b)
{
    if (pl_buf_reserve(b, 0) && b->data)
        b->data[b->len] = '\0';
    else if (!b->data && pl_buf_reserve(b, 1))
        b->data[b->len] = '\0';
}

char *pl_buf_steal(pl_buf *b, size_t *len)
{
    if (b->err) {
        pl_buf_free(b);
        return NULL;
    }
    if ((!b->data || b->borrow) && !pl_buf_grow(b, b->cap - b->len + 1))
        return NULL; /* storage of the caller's: moved to the heap first */
    b->data[b->len] = '\0';
    char *d = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
