/* String slices: (pointer, length) views into someone else's bytes. */
#ifndef PL_STR_H
#define PL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parley/msg.h"

typedef parley_slice pl_str;

#define PL_STR_NULL   ((pl_str){NULL, 0})
#define PL_STR_LIT(s) ((pl_str){(s), sizeof(s) - 1})

static inline pl_str pl_str_make(const char *p, size_t len)
{
    return (pl_str){p, len};
}

static inline pl_str pl_str_c(const char *s)
{
    return (pl_str){s, s ? strlen(s) : 0};
}

static inline pl_str pl_str_span(const char *from, const char *to)
{
    return (pl_str){from, (size_t)(to - from)};
}

static inline bool pl_str_empty(pl_str s)
{
    return s.len == 0;
}

/* True for a slice that was set (even to zero length); NULL pointer means absent. */
static inline bool pl_str_set(pl_str s)
{
    return s.p != NULL;
}

static inline char pl_tolower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* Inline so that comparisons with literals fold strlen and reject on length first. */
static inline bool pl_str_eq(pl_str a, pl_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool pl_str_casecmp_eq(pl_str a, pl_str b)
{
    if (a.len != b.len)
        return false;
    /* equal bytes first: the strings compared (hosts, tokens) are mostly written alike */
    for (size_t i = 0; i < a.len; i++)
        if (a.p[i] != b.p[i] && pl_tolower(a.p[i]) != pl_tolower(b.p[i]))
            return false;
    return true;
}

/* case-sensitive */
static inline bool pl_str_eq_lit(pl_str a, const char *lit)
{
    return pl_str_eq(a, pl_str_c(lit));
}

/* case-insensitive (ASCII) */
static inline bool pl_str_caseeq_lit(pl_str a, const char *lit)
{
    return pl_str_casecmp_eq(a, pl_str_c(lit));
}

pl_str pl_str_trim(pl_str s); /* strips SP, HT, CR, LF both ends */

/* Parses 1*DIGIT covering the whole slice into *out; fails on overflow past max. */
bool pl_str_to_u64(pl_str s, uint64_t max, uint64_t *out);

/* Copies s into a NUL-terminated malloc'd string (NULL on failure or absent s). */
char *pl_str_dup(pl_str s);

#endif
