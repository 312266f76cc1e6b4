/*
 * A cursor over one header value. Values keep their folded lines, so every "whitespace" skip
 * here also skips CR and LF: inside a value they only ever appear as part of LWS (the header
 * splitter guarantees that a line break inside a value is followed by SP or HT).
 */
#ifndef SIP_SCAN_H
#define SIP_SCAN_H

#include <string.h>

#include "core/str.h"
#include "sip/chars.h"

typedef struct sip_scan {
    const char *p;
    const char *end;
} sip_scan;

static inline sip_scan sip_scan_of(pl_str s)
{
    return (sip_scan){s.p, s.p + s.len};
}

static inline bool sip_scan_eof(const sip_scan *s)
{
    return s->p >= s->end;
}

static inline char sip_scan_peek(const sip_scan *s)
{
    return s->p < s->end ? *s->p : '\0';
}

static inline bool sip_is_lws_char(char c)
{
    /* one bit test: bits 9, 10, 13 and 32 are HT, LF, CR and SP */
    return (unsigned char)c <= ' ' && ((0x100002600ull >> (unsigned char)c) & 1);
}

/* Skips LWS; returns true if anything was skipped. */
static inline bool sip_scan_lws(sip_scan *s)
{
    const char *start = s->p;
    while (s->p < s->end && sip_is_lws_char(*s->p))
        s->p++;
    return s->p != start;
}

/* SWS c SWS: consumes the separator c with optional whitespace around it. */
static inline bool sip_scan_sep(sip_scan *s, char c)
{
    if (s->p < s->end && *s->p == c) { /* the usual case: no whitespace before it */
        s->p++;
        sip_scan_lws(s);
        return true;
    }
    const char *save = s->p;
    sip_scan_lws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        sip_scan_lws(s);
        return true;
    }
    s->p = save;
    return false;
}

/* Consumes a run of characters of class cls (may be empty). */
static inline pl_str sip_scan_class(sip_scan *s, unsigned cls)
{
    const char *start = s->p;
    s->p = sip_run(s->p, s->end, cls);
    return pl_str_span(start, s->p);
}

static inline pl_str sip_scan_token(sip_scan *s)
{
    return sip_scan_class(s, SIP_C_TOKEN);
}

/*
 * The value of s, which holds digits only, when it is at most max (false for an empty s). Below
 * 19 digits the sum cannot overflow: one compare at the end instead of one per digit.
 */
static inline bool sip_digits_value(pl_str s, uint64_t max, uint64_t *out)
{
    if (s.len == 0 || s.len > 18)
        return pl_str_to_u64(s, max, out);
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++)
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    if (v > max)
        return false;
    *out = v;
    return true;
}

/*
 * quoted-string starting at s->p (which must be '"'). On success *out spans the string with its
 * quotes. On failure (unterminated, bad quoted-pair) s->p points at the fault.
 */
bool sip_scan_quoted(sip_scan *s, pl_str *out);

/* A header value's first part (a media type, a disposition, an event type): up to its first ';',
 * trimmed; *params (may be NULL) is what follows that ';' (empty and NULL when none), for
 * sip_param_find. */
static inline pl_str sip_value_head(pl_str v, pl_str *params)
{
    const char *semi = v.len ? memchr(v.p, ';', v.len) : NULL;
    if (params)
        *params = semi ? pl_str_span(semi + 1, v.p + v.len) : PL_STR_NULL;
    return pl_str_trim(semi ? pl_str_span(v.p, semi) : v);
}

/* One item of a comma-separated header value (Require, Accept, Content-Encoding...): the next
 * item of *rest, trimmed (it may be empty), into *item, and *rest moves past it and its comma;
 * false once *rest is used up. */
static inline bool sip_list_next(pl_str *rest, pl_str *item)
{
    if (!rest->len)
        return false;
    const char *comma = memchr(rest->p, ',', rest->len);
    *item = pl_str_trim(comma ? pl_str_span(rest->p, comma) : *rest);
    *rest = comma ? pl_str_span(comma + 1, rest->p + rest->len) : PL_STR_NULL;
    return true;
}

#endif
