/* RFC 3261 §25 character classes, as one table lookup each. */
#ifndef SIP_CHARS_H
#define SIP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SIP_C_ALNUM = 1u << 0,
    SIP_C_TOKEN = 1u << 1,      /* token */
    SIP_C_WORD = 1u << 2,       /* word (Call-ID) */
    SIP_C_UNRESERVED = 1u << 3, /* alphanum / mark */
    SIP_C_USER = 1u << 4,       /* unreserved / user-unreserved (escaped handled apart) */
    SIP_C_PASSWORD = 1u << 5,   /* unreserved / & = + $ , */
    SIP_C_PARAM = 1u << 6,      /* unreserved / param-unreserved */
    SIP_C_HNV = 1u << 7,        /* unreserved / hnv-unreserved */
    SIP_C_HOST = 1u << 8,       /* hostname characters (alnum - . and _ as a tolerance) */
    SIP_C_HEX = 1u << 9,
    SIP_C_DIGIT = 1u << 10,
    SIP_C_RESERVED = 1u << 11, /* ; / ? : @ & = + $ , */
    SIP_C_URIC = 1u << 12,     /* reserved / unreserved (absoluteURI bodies, escaped apart) */
    SIP_C_SCHEME = 1u << 13,   /* ALPHA DIGIT + - . */
    /* what a quoted-string takes as it is: any octet but '"', '\\', DEL and the controls other
     * than HT, CR, LF (these belong to LWS) */
    SIP_C_QDTEXT = 1u << 14,
};

extern const uint16_t sip_char_class[256];

static inline bool sip_is(unsigned char c, unsigned cls)
{
    return (sip_char_class[c] & cls) != 0;
}

/* Whether the n bytes at p are a token (RFC 3261 §25: at least one token character). */
static inline bool sip_is_token(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!sip_is((unsigned char)p[i], SIP_C_TOKEN))
            return false;
    return n > 0;
}

/*
 * The end of the run of class cls characters at p (p itself when there is none). Four at a time
 * with one bounds check: the parser's hottest loop, one table test per character.
 */
static inline const char *sip_run(const char *p, const char *end, unsigned cls)
{
    while (end - p >= 4) {
        if (!sip_is((unsigned char)p[0], cls))
            return p;
        if (!sip_is((unsigned char)p[1], cls))
            return p + 1;
        if (!sip_is((unsigned char)p[2], cls))
            return p + 2;
        if (!sip_is((unsigned char)p[3], cls))
            return p + 3;
        p += 4;
    }
    while (p < end && sip_is((unsigned char)*p, cls))
        p++;
    return p;
}

/* p[0..n-1] equals lower[0..n-1] in any case; lower holds lower-case letters only (so that
 * setting bit 0x20 folds exactly the letters that can match). */
static inline bool sip_eq_letters(const char *p, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != lower[i])
            return false;
    return true;
}

static inline bool sip_is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static inline int sip_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
