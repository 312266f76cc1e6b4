/*
 * A cursor over one header value. Values keep their folded lines, so every "whitespace" skip
 * here also skips CR and LF: inside a value they only ever appear as part of LWS (the header
 * splitter guarantees that a line break inside a value is followed by SP or HT).
 */
#ifndef SIP_SCAN_H
#define SIP_SCAN_H

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
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
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
    while (s->p < s->end && sip_is((unsigned char)*s->p, cls))
        s->p++;
    return pl_str_span(start, s->p);
}

static inline pl_str sip_scan_token(sip_scan *s)
{
    return sip_scan_class(s, SIP_C_TOKEN);
}

/*
 * quoted-string starting at s->p (which must be '"'). On success *out spans the string with its
 * quotes. On failure (unterminated, bad quoted-pair) s->p points at the fault.
 */
bool sip_scan_quoted(sip_scan *s, pl_str *out);

#endif
