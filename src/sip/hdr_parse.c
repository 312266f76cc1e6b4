/* Typed parsing of the header fields the stack routes on (RFC 3261 §20, §25). */
#include <stddef.h>

#include "parley/error.h"
#include "sip/parse_int.h"
#include "sip/uri_fast.h"

bool sip_scan_quoted(sip_scan *s, pl_str *out)
{
    const char *start = s->p;
    s->p++; /* opening quote */
    while (s->p < s->end) {
        if (sip_is((unsigned char)*s->p, SIP_C_QDTEXT)) {
            s->p++;
            continue;
        }
        char c = *s->p;
        if (c == '"') {
            s->p++;
            *out = pl_str_span(start, s->p);
            return true;
        }
        if (c == '\\') {
            /* quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F) */
            if (s->p + 1 >= s->end || s->p[1] == '\n' || s->p[1] == '\r' ||
                (unsigned char)s->p[1] > 0x7f)
                return false;
            s->p += 2;
            continue;
        }
        if ((unsigned char)c < 0x20 && c != '\t' && c != '\r' && c != '\n')
            return false;
        if (c == 0x7f)
            return false;
        s->p++; /* HT, CR, LF */
    }
    s->p = start;
    return false;
}

/* What a parameter list's well-known parameters are noted into. */
typedef enum param_owner { PARAMS_PLAIN, PARAMS_NADDR, PARAMS_VIA } param_owner;

/* Known parameters by length, then letters (the names hold letters only). */
static inline void note_naddr_param(sip_naddr *na, pl_str name, pl_str value)
{
    if (name.len == 3 && sip_eq_letters(name.p, "tag", 3))
        na->tag = value;
    else if (name.len == 4 && sip_eq_letters(name.p, "epid", 4))
        na->epid = value;
    else if (name.len == 7 && sip_eq_letters(name.p, "expires", 7))
        na->expires = value;
    else if (name.len == 1 && sip_eq_letters(name.p, "q", 1))
        na->q = value;
}

static inline void note_via_param(sip_via *v, pl_str name, pl_str value)
{
    switch (name.len) {
    case 6:
        if (sip_eq_letters(name.p, "branch", 6))
            v->branch = value;
        break;
    case 8:
        if (sip_eq_letters(name.p, "received", 8))
            v->received = value;
        break;
    case 5:
        if (sip_eq_letters(name.p, "rport", 5)) {
            v->rport = value;
            v->has_rport = true;
        } else if (sip_eq_letters(name.p, "maddr", 5)) {
            v->maddr = value;
        }
        break;
    case 3:
        if (sip_eq_letters(name.p, "ttl", 3))
            v->ttl = value;
        break;
    default:
        break;
    }
}

static inline const char *skip_lws(const char *p, const char *end)
{
    while (p < end && sip_is_lws_char(*p))
        p++;
    return p;
}

/*
 * *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string. With colon_values, values may also hold ':'
 * (Via received= carries a bare IPv6 address). On a fault s->p is where it was found. The
 * cursor is kept in a local: a parameter list is the longest run of work on one value.
 */
static inline __attribute__((always_inline)) bool parse_gen_params(sip_scan *s, pl_str *params,
                                                                   param_owner owner, void *obj,
                                                                   bool colon_values,
                                                                   const char **reason)
{
    const char *p = s->p, *end = s->end, *first = NULL, *last = NULL;
    for (;;) {
        /* SWS ";" SWS, most often a bare ';' */
        const char *q = p < end && *p == ';' ? p : skip_lws(p, end);
        if (q == end || *q != ';')
            break;
        p = skip_lws(q + 1, end);
        if (!first)
            first = p;
        const char *ne = sip_run(p, end, SIP_C_TOKEN);
        if (ne == p) {
            s->p = p;
            *reason = "empty parameter name";
            return false;
        }
        pl_str name = pl_str_span(p, ne), value = pl_str_make(ne, 0);
        p = ne;
        q = p < end && *p == '=' ? p : skip_lws(p, end);
        if (q < end && *q == '=') {
            p = skip_lws(q + 1, end);
            char c = p < end ? *p : '\0';
            if (c == '"') {
                sip_scan t = {p, end};
                if (!sip_scan_quoted(&t, &value)) {
                    s->p = t.p;
                    *reason = "unterminated quoted string";
                    return false;
                }
                p = t.p;
            } else if (c == '[') {
                const char *close = memchr(p, ']', (size_t)(end - p));
                if (!close || !sip_ipv6_ref_valid(pl_str_span(p + 1, close))) {
                    s->p = p;
                    *reason = "invalid IPv6 reference in parameter";
                    return false;
                }
                value = pl_str_span(p, close + 1);
                p = close + 1;
            } else {
                const char *vs = p;
                for (;;) {
                    p = sip_run(p, end, SIP_C_TOKEN);
                    if (!colon_values || p == end || *p != ':')
                        break;
                    p++;
                }
                value = pl_str_span(vs, p);
                if (value.len == 0) {
                    s->p = p;
                    *reason = "empty parameter value";
                    return false;
                }
            }
        }
        last = p;
        if (owner == PARAMS_NADDR)
            note_naddr_param(obj, name, value);
        else if (owner == PARAMS_VIA)
            note_via_param(obj, name, value);
    }
    s->p = p;
    *params = first ? pl_str_span(first, last) : pl_str_make(p, 0);
    return true;
}

static bool has_lws(pl_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (sip_is_lws_char(s.p[i]))
            return true;
    return false;
}

/* A fault before the URI is read: what is set so far stays, the rest of *na is zero. */
static bool naddr_fault(sip_scan *s, sip_naddr *na, const char *p, const char *at, const char *why,
                        const char **fault_at, const char **reason)
{
    memset(&na->uri, 0, sizeof(na->uri));
    s->p = p;
    *fault_at = at;
    *reason = why;
    return false;
}

/* The name-addr reader, inlined into the field loop below (the hot caller: its cursor stays in
 * registers, no call per value) and wrapped once for the other callers. */
static inline __attribute__((always_inline)) bool
parse_naddr(sip_scan *s, sip_naddr *na, const char **fault_at, const char **reason)
{
    /* every field but the URI, which sip_uri_parse clears itself */
    na->raw = na->display = na->params = na->tag = na->epid = na->expires = na->q = PL_STR_NULL;
    na->next = NULL;
    na->bracketed = false;
    const char *p = skip_lws(s->p, s->end), *end = s->end;
    const char *start = p;
    char c = p < end ? *p : '\0';
    if (c == '"') {
        /* plain characters up to the closing quote; escapes and faults the long way */
        const char *q = sip_run(p + 1, end, SIP_C_QDTEXT);
        if (q < end && *q == '"') {
            na->display = pl_str_span(p, q + 1);
            p = q + 1;
        } else {
            sip_scan t = {p, end};
            if (!sip_scan_quoted(&t, &na->display))
                return naddr_fault(s, na, t.p, t.p, "unterminated quoted string", fault_at, reason);
            p = t.p;
        }
        p = skip_lws(p, end);
        if (p == end || *p != '<')
            return naddr_fault(s, na, p, p, "expected '<' after display name", fault_at, reason);
    } else if (c != '<') {
        /* *(token LWS) followed by '<' is a display name; anything else is an addr-spec */
        const char *t = p, *dend = NULL;
        for (;;) {
            const char *te = sip_run(t, end, SIP_C_TOKEN);
            if (te == t)
                break;
            dend = te;
            t = skip_lws(te, end);
        }
        if (dend && t < end && *t == '<') {
            na->display = pl_str_span(start, dend);
            p = t;
        }
    }
    const char *uri_fault = NULL;
    const char *uri_reason = NULL;
    if (p < end && *p == '<') {
        const char *open = p;
        /* the fast path stops at the '>' (no part of a URI holds one): the first '>' */
        const char *close = sip_uri_fast_run(open + 1, end, &na->uri);
        if (close && close < end && *close == '>') {
            na->uri.raw = pl_str_span(open + 1, close);
        } else {
            close = memchr(open, '>', (size_t)(end - open));
            if (!close)
                return naddr_fault(s, na, p, open, "missing '>'", fault_at, reason);
            pl_str text = pl_str_span(open + 1, close);
            if (sip_uri_parse(text, &na->uri, &uri_fault, &uri_reason) != 0) {
                /* the URI parser refuses whitespace anyway: say so plainly when that was it */
                bool ws = has_lws(text);
                s->p = p;
                *fault_at = ws ? open + 1 : uri_fault;
                *reason = ws ? "whitespace inside <URI>" : uri_reason;
                return false;
            }
        }
        na->bracketed = true;
        p = close + 1;
    } else {
        const char *us = p;
        while (p < end && *p != ';' && *p != ',' && !sip_is_lws_char(*p)) {
            if (*p == '?' || *p == '<' || *p == '>' || *p == '"')
                return naddr_fault(s, na, p, p,
                                   *p == '?' ? "URI with headers must be enclosed in <>"
                                             : "invalid character in address",
                                   fault_at, reason);
            p++;
        }
        if (sip_uri_parse(pl_str_span(us, p), &na->uri, &uri_fault, &uri_reason) != 0) {
            s->p = p;
            *fault_at = uri_fault;
            *reason = uri_reason;
            return false;
        }
    }
    s->p = p;
    if (!parse_gen_params(s, &na->params, PARAMS_NADDR, na, false, reason)) {
        *fault_at = s->p;
        return false;
    }
    na->raw = pl_str_span(start, s->p);
    return true;
}

bool sip_parse_naddr(sip_scan *s, sip_naddr *na, const char **fault_at, const char **reason)
{
    return parse_naddr(s, na, fault_at, reason);
}

bool sip_parse_naddr_field(sip_msg *m, const sip_hdr *h, const sip_limits *lim, bool list,
                           sip_naddr ***tail)
{
    const char *name = sip_hdr_table[h->id].name;
    sip_scan s = sip_scan_of(h->value);
    if (h->id == SIP_H_CONTACT && h->value.len == 1 && h->value.p[0] == '*') {
        m->contact_star = true;
        return true;
    }
    unsigned count = 0;
    for (;;) {
        const char *at = NULL, *why = NULL;
        sip_naddr *na = pl_arena_alloc(&m->arena, sizeof(*na));
        if (!na) {
            sip_fault(m, PARLEY_E_NOMEM, h->value.p, 500, name, "out of memory");
            return false;
        }
        if (!parse_naddr(&s, na, &at, &why)) {
            sip_fault(m, PARLEY_E_PARSE, at, 400, name, why);
            return false;
        }
        if (++count > lim->max_list) {
            sip_fault(m, PARLEY_E_LIMIT, na->raw.p, 400, name, "too many values in one field");
            return false;
        }
        na->next = NULL;
        **tail = na;
        *tail = &na->next;
        sip_scan_lws(&s);
        if (sip_scan_eof(&s))
            return true;
        if (!list || sip_scan_peek(&s) != ',') {
            sip_fault(m, PARLEY_E_PARSE, s.p, 400, name, "unexpected text after address");
            return false;
        }
        s.p++;
    }
}

/* protocol-name SLASH protocol-version SLASH, as far as the transport */
static bool parse_sent_protocol(sip_scan *s, sip_via *v, const char **fault_at, const char **reason)
{
    v->protocol = sip_scan_token(s);
    if (!v->protocol.len || !sip_scan_sep(s, '/')) {
        *fault_at = s->p;
        *reason = "malformed sent-protocol";
        return false;
    }
    v->version = sip_scan_token(s);
    if (!v->version.len || !sip_scan_sep(s, '/')) {
        *fault_at = s->p;
        *reason = "malformed sent-protocol";
        return false;
    }
    return true;
}

static bool via_fault(sip_scan *s, const char *p, const char *at, const char *why,
                      const char **fault_at, const char **reason)
{
    s->p = p;
    *fault_at = at;
    *reason = why;
    return false;
}

/* One via-parm. The cursor is kept in a local and stored back at the end (or at a fault). */
static bool parse_via(sip_scan *s, sip_via *v, const char **fault_at, const char **reason)
{
    /* field by field: a memset of the whole becomes a string store, one count per word */
    v->raw = v->protocol = v->version = v->transport = v->host = v->params = PL_STR_NULL;
    v->branch = v->received = v->rport = v->maddr = v->ttl = PL_STR_NULL;
    v->next = NULL;
    v->port = 0;
    v->host_type = SIP_HOST_NONE;
    v->has_rport = false;
    const char *p = skip_lws(s->p, s->end), *end = s->end;
    const char *start = p;
    if (end - p > 8 && memcmp(p, "SIP/2.0/", 8) == 0 && !sip_is_lws_char(p[8])) {
        /* what nearly every Via starts with, read as the way below reads it */
        v->protocol = pl_str_make(p, 3);
        v->version = pl_str_make(p + 4, 3);
        p += 8;
    } else {
        s->p = p;
        if (!parse_sent_protocol(s, v, fault_at, reason))
            return false;
        p = s->p;
    }
    const char *q = sip_run(p, end, SIP_C_TOKEN);
    v->transport = pl_str_span(p, q);
    if (q == p)
        return via_fault(s, p, p, "missing transport", fault_at, reason);
    p = skip_lws(q, end);
    if (p == q)
        return via_fault(s, p, p, "missing space before sent-by", fault_at, reason);
    if (p < end && *p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close || !sip_ipv6_ref_valid(pl_str_span(p + 1, close)))
            return via_fault(s, p, p, "invalid IPv6 reference", fault_at, reason);
        v->host = pl_str_span(p + 1, close);
        v->host_type = SIP_HOST_IPV6;
        p = close + 1;
    } else if (p < end && sip_is_digit(*p) && (q = sip_ipv4_host(p, end)) != NULL) {
        v->host = pl_str_span(p, q);
        v->host_type = SIP_HOST_IPV4;
        p = q;
    } else {
        q = sip_run(p, end, SIP_C_HOST);
        if (q == p)
            return via_fault(s, p, p, "missing host", fault_at, reason);
        v->host = pl_str_span(p, q);
        v->host_type = sip_ipv4_valid(v->host) ? SIP_HOST_IPV4 : SIP_HOST_NAME;
        p = q;
    }
    /* SWS ":" SWS port */
    q = p < end && *p == ':' ? p : skip_lws(p, end);
    if (q < end && *q == ':') {
        p = skip_lws(q + 1, end);
        q = sip_run(p, end, SIP_C_DIGIT);
        uint64_t pv;
        if (!sip_digits_value(pl_str_span(p, q), 65535, &pv) || pv == 0)
            return via_fault(s, q, p, "invalid port", fault_at, reason);
        v->port = (uint16_t)pv;
        p = q;
    }
    s->p = p;
    if (!parse_gen_params(s, &v->params, PARAMS_VIA, v, true, reason)) {
        *fault_at = s->p;
        return false;
    }
    v->raw = pl_str_span(start, s->p);
    return true;
}

bool sip_parse_via_field(sip_msg *m, const sip_hdr *h, const sip_limits *lim, sip_via ***tail)
{
    sip_scan s = sip_scan_of(h->value);
    unsigned count = 0;
    for (;;) {
        const char *at = NULL, *why = NULL;
        sip_via *v = pl_arena_alloc(&m->arena, sizeof(*v));
        if (!v) {
            sip_fault(m, PARLEY_E_NOMEM, h->value.p, 500, "Via", "out of memory");
            return false;
        }
        if (!parse_via(&s, v, &at, &why)) {
            sip_fault(m, PARLEY_E_PARSE, at, 400, "Via", why);
            return false;
        }
        if (++count > lim->max_list) {
            sip_fault(m, PARLEY_E_LIMIT, v->raw.p, 400, "Via", "too many values in one field");
            return false;
        }
        if (m->nvia >= 1024) { /* however they are spread over fields */
            sip_fault(m, PARLEY_E_LIMIT, v->raw.p, 400, "Via", "too many Via values");
            return false;
        }
        v->next = NULL;
        **tail = v;
        *tail = &v->next;
        m->nvia++;
        sip_scan_lws(&s);
        if (sip_scan_eof(&s))
            return true;
        if (sip_scan_peek(&s) != ',') {
            sip_fault(m, PARLEY_E_PARSE, s.p, 400, "Via", "unexpected text after Via value");
            return false;
        }
        s.p++;
    }
}

/*
 * A request's CSeq as nearly every one is written: up to ten digits, one SP, the request's own
 * method (a token, checked with the Request-Line). What the general reading below makes of the
 * same value, without its passes over the method; false when the value is anything else.
 */
static bool cseq_of_request(sip_msg *m, const sip_hdr *h)
{
    size_t ml = m->method.len;
    if (!ml || h->value.len < ml + 2)
        return false;
    const char *p = h->value.p, *ms = p + h->value.len - ml;
    if (ms[-1] != ' ')
        return false;
    for (size_t i = 0; i < ml; i++)
        if (ms[i] != m->method.p[i])
            return false;
    const char *d = p;
    uint64_t v = 0;
    for (; d < ms - 1 && d - p < 10 && sip_is_digit(*d); d++)
        v = v * 10 + (uint64_t)(*d - '0');
    if (d != ms - 1 || d == p || v > UINT32_MAX)
        return false;
    m->cseq.num = (uint32_t)v;
    m->cseq.method = pl_str_make(ms, ml);
    m->cseq.method_id = m->method_id;
    m->has_cseq = true;
    return true;
}

bool sip_parse_cseq_field(sip_msg *m, const sip_hdr *h)
{
    if (cseq_of_request(m, h))
        return true;
    sip_scan s = sip_scan_of(h->value);
    pl_str num = sip_scan_class(&s, SIP_C_DIGIT);
    uint64_t v;
    if (!num.len) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "CSeq", "missing sequence number");
        return false;
    }
    if (!sip_digits_value(num, UINT32_MAX, &v)) {
        sip_fault(m, PARLEY_E_PARSE, num.p, 400, "CSeq", "sequence number too large");
        return false;
    }
    if (!sip_scan_lws(&s)) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "CSeq", "missing space before method");
        return false;
    }
    pl_str method = sip_scan_token(&s);
    sip_scan_lws(&s);
    if (!method.len || !sip_scan_eof(&s)) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "CSeq", "malformed method");
        return false;
    }
    m->cseq.num = (uint32_t)v;
    m->cseq.method = method;
    m->cseq.method_id = (uint8_t)sip_method_from_str(method);
    m->has_cseq = true;
    return true;
}

bool sip_parse_uint_field(sip_msg *m, const sip_hdr *h, uint64_t max, uint64_t *out)
{
    if (h->value.len && h->value.len <= 9) {
        /* a few digits, no fault possible but the range: one pass */
        uint64_t v = 0;
        size_t i = 0;
        for (; i < h->value.len && sip_is_digit(h->value.p[i]); i++)
            v = v * 10 + (uint64_t)(h->value.p[i] - '0');
        if (i == h->value.len && v <= max) {
            *out = v;
            return true;
        }
    }
    const char *name = sip_hdr_table[h->id].name;
    if (h->value.len && h->value.p[0] == '-') {
        sip_fault(m, PARLEY_E_PARSE, h->value.p, 400, name, "negative value");
        return false;
    }
    for (size_t i = 0; i < h->value.len; i++) {
        if (h->value.p[i] < '0' || h->value.p[i] > '9') {
            sip_fault(m, PARLEY_E_PARSE, h->value.p + i, 400, name, "not a number");
            return false;
        }
    }
    if (!h->value.len) {
        sip_fault(m, PARLEY_E_PARSE, h->value.p, 400, name, "empty value");
        return false;
    }
    if (!sip_digits_value(h->value, max, out)) {
        sip_fault(m, PARLEY_E_PARSE, h->value.p, 400, name, "value out of range");
        return false;
    }
    return true;
}

bool sip_parse_ctype_field(sip_msg *m, const sip_hdr *h)
{
    sip_scan s = sip_scan_of(h->value);
    pl_str type = sip_scan_token(&s);
    if (!type.len || !sip_scan_sep(&s, '/')) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "Content-Type", "malformed media type");
        return false;
    }
    pl_str sub = sip_scan_token(&s);
    if (!sub.len) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "Content-Type", "malformed media subtype");
        return false;
    }
    const char *why = NULL;
    pl_str params;
    if (!parse_gen_params(&s, &params, PARAMS_PLAIN, NULL, false, &why)) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "Content-Type", why);
        return false;
    }
    sip_scan_lws(&s);
    if (!sip_scan_eof(&s)) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "Content-Type", "unexpected text");
        return false;
    }
    m->ctype.type = type;
    m->ctype.subtype = sub;
    m->ctype.params = params;
    return true;
}

bool sip_check_call_id(sip_msg *m, const sip_hdr *h)
{
    /* callid = word [ "@" word ] */
    sip_scan s = sip_scan_of(h->value);
    pl_str w = sip_scan_class(&s, SIP_C_WORD);
    if (w.len && sip_scan_peek(&s) == '@') {
        s.p++;
        w = sip_scan_class(&s, SIP_C_WORD);
    }
    if (!w.len || !sip_scan_eof(&s)) {
        sip_fault(m, PARLEY_E_PARSE, s.p, 400, "Call-ID", "invalid character");
        return false;
    }
    m->call_id = h->value;
    return true;
}

static bool digits(const char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static bool one_of(const char *p, const char *list)
{
    for (; *list; list += 3)
        if (memcmp(p, list, 3) == 0)
            return true;
    return false;
}

bool sip_check_date(sip_msg *m, const sip_hdr *h)
{
    /* rfc1123-date = wkday "," SP date1 SP time SP "GMT", e.g. "Sat, 13 Nov 2010 23:29:00 GMT" */
    const char *p = h->value.p;
    bool ok = h->value.len == 29 && one_of(p, "MonTueWedThuFriSatSun") && p[3] == ',' &&
              p[4] == ' ' && digits(p + 5, 2) && p[7] == ' ' &&
              one_of(p + 8, "JanFebMarAprMayJunJulAugSepOctNovDec") && p[11] == ' ' &&
              digits(p + 12, 4) && p[16] == ' ' && digits(p + 17, 2) && p[19] == ':' &&
              digits(p + 20, 2) && p[22] == ':' && digits(p + 23, 2) && p[25] == ' ' &&
              memcmp(p + 26, "GMT", 3) == 0;
    if (!ok)
        sip_fault(m, PARLEY_E_PARSE, p, 400, "Date", "not an RFC 1123 date in GMT");
    return ok;
}
