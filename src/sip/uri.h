/* SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), and other schemes as opaque text. */
#ifndef SIP_URI_H
#define SIP_URI_H

#include "core/buf.h"
#include "sip/chars.h"
#include "sip/msg.h"

/*
 * Parses the whole of `text` as a URI into *u (slices into text). Returns 0 or PARLEY_E_PARSE with
 * *fault_at / *reason set (both may be NULL).
 */
int sip_uri_parse(pl_str text, sip_uri *u, const char **fault_at, const char **reason);

/* RFC 3261 §19.1.4 comparison for sip/sips; RFC 3966 §4 for tel; exact text for others. */
bool sip_uri_equal(const sip_uri *a, const sip_uri *b);

/* True if text is an IPv6 address (RFC 4291 text form, no brackets). */
bool sip_ipv6_valid(pl_str text);
/* The inside of an IPv6 reference ("[...]"): sip_ipv6_valid, or the RFC 3261 ABNF form with
 * three colons before an embedded IPv4 address that RFC 5118 §4.10 asks to tolerate. */
bool sip_ipv6_ref_valid(pl_str text);
/* True if text is a dotted-quad IPv4 address. */
bool sip_ipv4_valid(pl_str text);

static inline bool sip_is_digit(char c)
{
    return (unsigned)(c - '0') <= 9;
}

/* 1 to 3 digits worth at most 255 at p: returns their end, or NULL. */
static inline const char *sip_ipv4_octet(const char *p, const char *end)
{
    if (p == end || !sip_is_digit(*p))
        return NULL;
    unsigned v = (unsigned)(*p++ - '0');
    if (p < end && sip_is_digit(*p)) {
        v = v * 10 + (unsigned)(*p++ - '0');
        if (p < end && sip_is_digit(*p)) {
            v = v * 10 + (unsigned)(*p++ - '0');
            if (p < end && sip_is_digit(*p))
                return NULL;
        }
    }
    return v <= 255 ? p : NULL;
}

/* A dotted quad at p: returns its end, or NULL when p..end does not start with one. */
static inline const char *sip_ipv4_end(const char *p, const char *end)
{
    if (end - p >= 16) {
        /* A quad and the byte after its longest octet fit in 16 bytes: the octets are read
         * without a bounds check per digit (most hosts of a call are addresses). */
        for (int part = 0;; part++) {
            if (!sip_is_digit(p[0]))
                return NULL;
            if (!sip_is_digit(p[1])) {
                p += 1;
            } else if (!sip_is_digit(p[2])) {
                p += 2;
            } else {
                unsigned v = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
                             (unsigned)(p[2] - '0');
                if (sip_is_digit(p[3]) || v > 255)
                    return NULL;
                p += 3;
            }
            if (part == 3)
                return p;
            if (*p != '.')
                return NULL;
            p++;
        }
    }
    for (int part = 0; part < 3; part++) {
        p = sip_ipv4_octet(p, end);
        if (!p || p == end || *p != '.')
            return NULL;
        p++;
    }
    return sip_ipv4_octet(p, end);
}

/*
 * The end of a host at p that is an IPv4 address: a dotted quad that no host character
 * follows, so that it is the whole of the host's characters (sip_ipv4_valid of their run). NULL
 * when the host is anything else. Hosts are classified on the way, in one pass.
 */
static inline const char *sip_ipv4_host(const char *p, const char *end)
{
    const char *q = sip_ipv4_end(p, end);
    return q && (q == end || !sip_is((unsigned char)*q, SIP_C_HOST)) ? q : NULL;
}

/*
 * Iterates ;name[=value] parameters in a URI or header parameter slice (no leading ';').
 * Returns false at the end. LWS around ';' and '=' is skipped. value is empty without '='.
 */
typedef struct sip_param_iter {
    const char *p;
    const char *end;
    char sep; /* ';' for parameters, '&' for URI headers */
} sip_param_iter;

void sip_param_iter_init(sip_param_iter *it, pl_str params, char sep);
bool sip_param_next(sip_param_iter *it, pl_str *name, pl_str *value);
/* Finds parameter `name` (case-insensitive). Returns true and the value when present. */
bool sip_param_find(pl_str params, const char *name, pl_str *value);

/* Decodes %XX escapes of s into out (which must hold s.len bytes); returns the decoded length. */
size_t sip_unescape(pl_str s, char *out);

/* Appends the URI text. */
void sip_print_uri(pl_buf *b, const sip_uri *u);

#endif
