/*
 * The URI fast path: the forms nearly every URI of a call takes, read in one pass with all state
 * in locals. sip:/sips: (any case), a user of plain characters or none, an IPv4 address or a
 * host name, a port, parameters of plain characters. It either fills *u exactly as the general
 * parser (uri.c) would for the same text, or returns false having decided nothing: the caller
 * then runs the general parser, which clears *u first and also says what is wrong. Inline, so
 * that the name-addr and Request-URI paths have it in their own loops.
 */
#ifndef SIP_URI_FAST_H
#define SIP_URI_FAST_H

#include "sip/uri.h"

/* A URI parameter whose name holds no escape: its length picks the one known name it can be. */
static inline void sip_uri_note_param(sip_uri *u, pl_str name, pl_str value)
{
    switch (name.len) {
    case 2:
        if (sip_eq_letters(name.p, "lr", 2))
            u->lr = true;
        return;
    case 3:
        if (sip_eq_letters(name.p, "ttl", 3))
            u->ttl = value;
        return;
    case 4:
        if (sip_eq_letters(name.p, "user", 4))
            u->user_param = value;
        return;
    case 5:
        if (sip_eq_letters(name.p, "maddr", 5))
            u->maddr = value;
        return;
    case 6:
        if (sip_eq_letters(name.p, "method", 6))
            u->method = value;
        return;
    case 9:
        if (sip_eq_letters(name.p, "transport", 9))
            u->transport = value;
        return;
    default:
        return;
    }
}

/*
 * The end of a host name at p whose labels are sound (separated by single dots, none starting or
 * ending with '-', a dot may end the name), or NULL when there is none or a label is at fault.
 */
static inline const char *sip_host_name_end(const char *p, const char *end)
{
    const char *hs = p, *ls = p;
    for (; p < end && sip_is((unsigned char)*p, SIP_C_HOST); p++) {
        if (*p != '.')
            continue;
        if (p == ls || *ls == '-' || p[-1] == '-')
            return NULL;
        ls = p + 1;
    }
    if (p == hs || (p > ls && (*ls == '-' || p[-1] == '-')))
        return NULL;
    return p;
}

/*
 * The fast path over text..end, stopping at the first character that cannot continue the URI:
 * returns where it stopped, or NULL. When it stopped at a character that no part of a URI holds
 * (such as the '>' of a name-addr), *u is what the general parser makes of text..stop. u->raw is
 * left to the caller. Always inlined: gcc otherwise keeps one copy once the name-addr reader is
 * inlined into its field loop, and the call costs more than the three copies.
 */
static inline __attribute__((always_inline)) const char *
sip_uri_fast_run(const char *text, const char *end, sip_uri *u)
{
    const char *p = text;
    if (end - p < 5)
        return NULL;
    /* "sip:" or "sips:", the letters in any case: one compare of 4 bytes (little-endian
     * order; elsewhere byte by byte) */
    uint8_t kind = SIP_URI_SIP;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t w;
    memcpy(&w, p, 4);
    if ((w | 0x00202020u) == 0x3a706973u) { /* "sip:" */
        p += 4;
    } else if ((w | 0x20202020u) == 0x73706973u && p[4] == ':') { /* "sips" */
        kind = SIP_URI_SIPS;
        p += 5;
    } else {
        return NULL;
    }
#else
    if ((p[0] | 0x20) != 's' || (p[1] | 0x20) != 'i' || (p[2] | 0x20) != 'p')
        return NULL;
    if (p[3] == ':') {
        p += 4;
    } else if ((p[3] | 0x20) == 's' && p[4] == ':') {
        kind = SIP_URI_SIPS;
        p += 5;
    } else {
        return NULL;
    }
#endif
    /* every field but raw, one by one (a struct literal becomes a string store) */
    u->scheme = pl_str_span(text, p - 1);
    u->user = u->password = u->host = u->params = u->headers = PL_STR_NULL;
    u->transport = u->maddr = u->user_param = u->method = u->ttl = PL_STR_NULL;
    u->port = 0;
    u->kind = kind;
    u->host_type = SIP_HOST_NONE;
    u->lr = false;
    /* An address right after the scheme (a UAS's Contact, so the Request-URI of ACK and BYE)
     * is taken for the host without the search for a user: an '@' after it, which would have
     * made it (part of) a user, stops this run there, and no caller takes an '@' for the end of
     * a URI. An '@' right after it is a user's end: the search below. */
    const char *q = p < end && sip_is_digit(*p) ? sip_ipv4_host(p, end) : NULL;
    if (!q || (q < end && *q == '@')) {
        /* a plain user ends at the first '@'; an '@' further on means escapes or a password */
        const char *r = sip_run(p, end, SIP_C_USER);
        if (r < end && *r == '@') {
            if (r == p)
                return NULL;
            u->user = pl_str_span(p, r);
            p = r + 1;
        } else if (memchr(r, '@', (size_t)(end - r))) {
            return NULL; /* escapes or a password (or an '@' past the stop: the long way too) */
        }
        q = p < end && sip_is_digit(*p) ? sip_ipv4_host(p, end) : NULL;
    }
    if (q) {
        u->host_type = SIP_HOST_IPV4;
    } else if ((q = sip_host_name_end(p, end)) != NULL) {
        u->host_type = SIP_HOST_NAME;
    } else {
        return NULL;
    }
    u->host = pl_str_span(p, q);
    p = q;
    if (p < end && *p == ':') {
        /* at most five digits, read in the pass that finds them */
        unsigned v = 0;
        for (q = p + 1; q < end && q - p <= 5 && sip_is_digit(*q); q++)
            v = v * 10 + (unsigned)(*q - '0');
        if (q == p + 1 || (q < end && sip_is_digit(*q)) || v == 0 || v > 65535)
            return NULL; /* no port, or one the general parser reads digit by digit */
        u->port = (uint16_t)v;
        p = q;
    }
    if (p < end && *p == ';') {
        const char *ps = ++p;
        for (;;) {
            q = sip_run(p, end, SIP_C_PARAM);
            if (q == p || (q < end && *q == '%'))
                return NULL;
            pl_str name = pl_str_span(p, q), value = pl_str_make(q, 0);
            p = q;
            if (p < end && *p == '=') {
                q = sip_run(++p, end, SIP_C_PARAM);
                if (q == p || (q < end && *q == '%'))
                    return NULL;
                value = pl_str_span(p, q);
                p = q;
            }
            sip_uri_note_param(u, name, value);
            if (p == end || *p != ';')
                break;
            p++;
        }
        u->params = pl_str_span(ps, p);
    }
    return p;
}

/* The fast path over the whole of text..end (see the top of this file). */
static inline bool sip_uri_fast(const char *text, const char *end, sip_uri *u)
{
    return sip_uri_fast_run(text, end, u) == end;
}

#endif
