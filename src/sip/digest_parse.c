/*
 * Reading Digest challenges and credentials (RFC 3261 §25.1 challenge / credentials, RFC 7616
 * §3.3 and §3.4): "Digest" then comma-separated name=value parameters, values as tokens or
 * quoted strings. Tolerant where peers differ harmlessly (empty list elements, quoted values
 * where a token is due, any case for the scheme and tokens); strict where a mistake could be
 * exploited: a parameter given twice, a value too long to keep, a control character inside a
 * value (CR and LF would be echoed into our own header) make the whole value unusable.
 */
#include <string.h>

#include "parley/error.h"
#include "sip/digest.h"
#include "sip/scan.h"

typedef struct auth_param {
    pl_str name;
    pl_str raw; /* with its quotes when quoted */
    bool quoted;
} auth_param;

/* Consumes the scheme; 0 when it is Digest. */
static int read_scheme(sip_scan *s)
{
    sip_scan_lws(s);
    pl_str scheme = sip_scan_token(s);
    if (!scheme.len)
        return PARLEY_E_PARSE;
    if (!pl_str_caseeq_lit(scheme, "Digest"))
        return PARLEY_E_UNSUPPORTED;
    if (!sip_scan_eof(s) && !sip_scan_lws(s))
        return PARLEY_E_PARSE; /* "Digestrealm=..." */
    return 0;
}

/* An unquoted value: tolerant of base64 nonces peers forget to quote. */
static bool value_char(char c)
{
    return c != ',' && c != '"' && !sip_is_lws_char(c) && (unsigned char)c > 0x20 &&
           (unsigned char)c < 0x7f;
}

/* The next parameter; returns 1 with *p set, 0 at the end, or a PARLEY_E_* error. */
static int next_param(sip_scan *s, auth_param *p)
{
    /* empty list elements ("a=1, , b=2") are allowed, as in RFC 7230's #rule */
    for (;;) {
        sip_scan_lws(s);
        if (sip_scan_eof(s))
            return 0;
        if (sip_scan_peek(s) != ',')
            break;
        s->p++;
    }
    p->name = sip_scan_token(s);
    if (!p->name.len || !sip_scan_sep(s, '='))
        return PARLEY_E_PARSE;
    p->quoted = sip_scan_peek(s) == '"';
    if (p->quoted) {
        if (!sip_scan_quoted(s, &p->raw))
            return PARLEY_E_PARSE; /* unterminated, or a bad escape */
    } else {
        const char *start = s->p;
        while (s->p < s->end && value_char(*s->p))
            s->p++;
        p->raw = pl_str_span(start, s->p);
        if (!p->raw.len)
            return PARLEY_E_PARSE;
    }
    sip_scan_lws(s);
    if (!sip_scan_eof(s) && sip_scan_peek(s) != ',')
        return PARLEY_E_PARSE;
    return 1;
}

/* Unescaped value into dst (cap bytes, NUL included). */
static int copy_value(const auth_param *p, char *dst, size_t cap)
{
    pl_str v = p->raw;
    if (p->quoted) {
        v.p++;
        v.len -= 2;
    }
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (p->quoted && c == '\\')
            c = v.p[++i]; /* sip_scan_quoted checked that a character follows */
        /* control characters (CR, LF, NUL, and those only an escape lets in) would not
         * survive being echoed in a quoted-string of our own */
        if (((unsigned char)c < 0x20 && c != '\t') || c == 0x7f)
            return PARLEY_E_PARSE;
        if (n + 1 >= cap)
            return PARLEY_E_LIMIT;
        dst[n++] = c;
    }
    dst[n] = '\0';
    return 0;
}

/* A short token value (algorithm, stale, qop...) unescaped into a small buffer. */
static int small_value(const auth_param *p, char *dst, size_t cap, pl_str *out)
{
    int rc = copy_value(p, dst, cap);
    if (rc)
        return rc;
    *out = pl_str_c(dst);
    return 0;
}

/* Parses a qop-options list ("auth,auth-int", tokens of other kinds skipped). */
static uint8_t qop_list(pl_str v)
{
    uint8_t set = 0;
    sip_scan s = sip_scan_of(v);
    while (!sip_scan_eof(&s)) {
        sip_scan_lws(&s);
        pl_str t = sip_scan_token(&s);
        if (pl_str_caseeq_lit(t, "auth"))
            set |= SIP_DIGEST_QOP_AUTH;
        else if (pl_str_caseeq_lit(t, "auth-int"))
            set |= SIP_DIGEST_QOP_AUTH_INT;
        sip_scan_lws(&s);
        if (sip_scan_eof(&s))
            break;
        if (sip_scan_peek(&s) != ',')
            return set; /* junk after a token: keep what was understood */
        s.p++;
    }
    return set;
}

/* Marks name as seen; false when it was seen before. */
static bool first_time(unsigned *seen, unsigned bit)
{
    if (*seen & bit)
        return false;
    *seen |= bit;
    return true;
}

enum {
    P_REALM = 1,
    P_NONCE = 2,
    P_OPAQUE = 4,
    P_STALE = 8,
    P_ALG = 16,
    P_QOP = 32,
    P_USERHASH = 64,
    P_USERNAME = 128,
    P_URI = 256,
    P_RESPONSE = 512,
    P_CNONCE = 1024,
    P_NC = 2048,
};

/* The scheme, then each parameter of value handed to take (which records it in obj and its bit
 * in *seen): 0, or the first error of the scan or of take. */
static int read_params(pl_str value, int (*take)(void *obj, const auth_param *p, unsigned *seen),
                       void *obj, unsigned *seen)
{
    sip_scan s = sip_scan_of(value);
    int rc = read_scheme(&s);
    if (rc)
        return rc;
    auth_param p;
    while ((rc = next_param(&s, &p)) == 1) {
        rc = take(obj, &p, seen);
        if (rc)
            return rc;
    }
    return rc;
}

static int challenge_param(void *obj, const auth_param *p, unsigned *seen)
{
    sip_digest_challenge *c = obj;
    char small[64];
    pl_str v;
    int rc = 0;
    if (pl_str_caseeq_lit(p->name, "realm")) {
        rc = first_time(seen, P_REALM) ? copy_value(p, c->realm, sizeof(c->realm)) : PARLEY_E_PARSE;
    } else if (pl_str_caseeq_lit(p->name, "nonce")) {
        rc = first_time(seen, P_NONCE) ? copy_value(p, c->nonce, sizeof(c->nonce)) : PARLEY_E_PARSE;
    } else if (pl_str_caseeq_lit(p->name, "opaque")) {
        rc = first_time(seen, P_OPAQUE) ? copy_value(p, c->opaque, sizeof(c->opaque))
                                        : PARLEY_E_PARSE;
        c->has_opaque = true;
    } else if (pl_str_caseeq_lit(p->name, "stale")) {
        if (!first_time(seen, P_STALE))
            return PARLEY_E_PARSE;
        if (small_value(p, small, sizeof(small), &v) == 0)
            c->stale = pl_str_caseeq_lit(v, "true");
    } else if (pl_str_caseeq_lit(p->name, "userhash")) {
        if (!first_time(seen, P_USERHASH))
            return PARLEY_E_PARSE;
        if (small_value(p, small, sizeof(small), &v) == 0)
            c->userhash = pl_str_caseeq_lit(v, "true");
    } else if (pl_str_caseeq_lit(p->name, "algorithm")) {
        if (!first_time(seen, P_ALG))
            return PARLEY_E_PARSE;
        rc = small_value(p, small, sizeof(small), &v);
        c->alg = rc ? SIP_DIGEST_ALG_NONE : (uint8_t)sip_digest_alg_parse(v);
        c->has_alg = true;
        rc = 0; /* an unknown (or absurdly long) algorithm makes the challenge unsupported */
    } else if (pl_str_caseeq_lit(p->name, "qop")) {
        if (!first_time(seen, P_QOP))
            return PARLEY_E_PARSE;
        char list[SIP_DIGEST_MAX_VALUE + 1];
        rc = copy_value(p, list, sizeof(list));
        c->qop = rc ? 0 : qop_list(pl_str_c(list));
        rc = 0; /* present, even when nothing in it is usable: see the caller */
    }
    /* domain, charset and extensions: not needed to answer */
    return rc;
}

int sip_digest_challenge_parse(pl_str value, bool proxy, sip_digest_challenge *out)
{
    memset(out, 0, sizeof(*out));
    out->proxy = proxy;
    out->alg = SIP_DIGEST_MD5;
    unsigned seen = 0;
    int rc = read_params(value, challenge_param, out, &seen);
    if (rc)
        return rc;
    if (!(seen & P_REALM) || !(seen & P_NONCE) || !out->nonce[0])
        return PARLEY_E_PARSE;
    if (out->alg == SIP_DIGEST_ALG_NONE)
        return PARLEY_E_UNSUPPORTED;
    if ((seen & P_QOP) && !out->qop)
        return PARLEY_E_UNSUPPORTED; /* only qop values we do not know (auth-conf...) */
    if (!out->qop && out->alg != SIP_DIGEST_MD5 && out->alg != SIP_DIGEST_SHA256 &&
        out->alg != SIP_DIGEST_SHA512_256)
        return PARLEY_E_UNSUPPORTED; /* -sess needs a cnonce, which needs a qop */
    return 0;
}

static int parse_nc(pl_str v, uint32_t *out)
{
    if (v.len != 8)
        return PARLEY_E_PARSE;
    uint32_t n = 0;
    for (size_t i = 0; i < 8; i++) {
        int d = sip_hexval(v.p[i]);
        if (d < 0)
            return PARLEY_E_PARSE;
        n = n << 4 | (uint32_t)d;
    }
    *out = n;
    return 0;
}

static int credentials_string(sip_digest_credentials *c, const auth_param *p, unsigned *seen)
{
    struct {
        const char *name;
        unsigned bit;
        char *dst;
        size_t cap;
        bool *flag;
    } fields[] = {
        {"username", P_USERNAME, c->username, sizeof(c->username), NULL},
        {"realm", P_REALM, c->realm, sizeof(c->realm), NULL},
        {"nonce", P_NONCE, c->nonce, sizeof(c->nonce), NULL},
        {"uri", P_URI, c->uri, sizeof(c->uri), NULL},
        {"cnonce", P_CNONCE, c->cnonce, sizeof(c->cnonce), &c->has_cnonce},
        {"opaque", P_OPAQUE, c->opaque, sizeof(c->opaque), &c->has_opaque},
        {"response", P_RESPONSE, c->response, sizeof(c->response), NULL},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (!pl_str_caseeq_lit(p->name, fields[i].name))
            continue;
        if (!first_time(seen, fields[i].bit))
            return PARLEY_E_PARSE;
        if (fields[i].flag)
            *fields[i].flag = true;
        return copy_value(p, fields[i].dst, fields[i].cap);
    }
    return 1; /* not one of these */
}

static int credentials_param(void *obj, const auth_param *p, unsigned *seen)
{
    sip_digest_credentials *c = obj;
    int rc = credentials_string(c, p, seen);
    if (rc <= 0)
        return rc;
    char small[64];
    pl_str v;
    if (pl_str_caseeq_lit(p->name, "algorithm")) {
        if (!first_time(seen, P_ALG))
            return PARLEY_E_PARSE;
        rc = small_value(p, small, sizeof(small), &v);
        c->alg = rc ? SIP_DIGEST_ALG_NONE : (uint8_t)sip_digest_alg_parse(v);
        c->has_alg = true;
        return 0;
    }
    if (pl_str_caseeq_lit(p->name, "qop")) {
        if (!first_time(seen, P_QOP) || small_value(p, small, sizeof(small), &v))
            return PARLEY_E_PARSE;
        c->has_qop = true;
        c->qop = pl_str_caseeq_lit(v, "auth")       ? SIP_DIGEST_QOP_AUTH
                 : pl_str_caseeq_lit(v, "auth-int") ? SIP_DIGEST_QOP_AUTH_INT
                                                    : 0;
        return 0;
    }
    if (pl_str_caseeq_lit(p->name, "nc")) {
        if (!first_time(seen, P_NC) || small_value(p, small, sizeof(small), &v))
            return PARLEY_E_PARSE;
        c->has_nc = true;
        return parse_nc(v, &c->nc);
    }
    if (pl_str_caseeq_lit(p->name, "userhash")) {
        if (!first_time(seen, P_USERHASH))
            return PARLEY_E_PARSE;
        if (small_value(p, small, sizeof(small), &v) == 0)
            c->userhash = pl_str_caseeq_lit(v, "true");
        return 0;
    }
    return 0; /* username*, charset, extensions */
}

int sip_digest_credentials_parse(pl_str value, sip_digest_credentials *out)
{
    memset(out, 0, sizeof(*out));
    out->alg = SIP_DIGEST_MD5;
    unsigned seen = 0;
    int rc = read_params(value, credentials_param, out, &seen);
    if (rc)
        return rc;
    unsigned need = P_USERNAME | P_REALM | P_NONCE | P_URI | P_RESPONSE;
    if ((seen & need) != need)
        return PARLEY_E_PARSE;
    if (out->alg == SIP_DIGEST_ALG_NONE || (out->has_qop && !out->qop))
        return PARLEY_E_UNSUPPORTED;
    /* hex digits compare case-insensitively: keep them lowercase */
    for (char *r = out->response; *r; r++) {
        if (sip_hexval(*r) < 0)
            return PARLEY_E_PARSE;
        *r = pl_tolower(*r);
    }
    return 0;
}
