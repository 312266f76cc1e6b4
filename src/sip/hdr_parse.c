/* Typed parsing of the header fields the stack routes on (RFC 3261 §20, §25). */
#include "parley/error.h"
#include "sip/parse_int.h"
#include "sip/uri.h"

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

typedef void (*param_note_fn)(void *obj, pl_str name, pl_str value);

/*
 * *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string. With colon_values, values may also hold ':'
 * (Via received= carries a bare IPv6 address).
 */
static bool parse_gen_params(sip_scan *s, pl_str *params, param_note_fn note, void *obj,
                             bool colon_values, const char **reason)
{
    const char *first = NULL, *last = NULL;
    while (sip_scan_sep(s, ';')) {
        if (!first)
            first = s->p;
        pl_str name = sip_scan_token(s);
        if (name.len == 0) {
            *reason = "empty parameter name";
            return false;
        }
        pl_str value = pl_str_make(s->p, 0);
        if (sip_scan_sep(s, '=')) {
            char c = sip_scan_peek(s);
            if (c == '"') {
                if (!sip_scan_quoted(s, &value)) {
                    *reason = "unterminated quoted string";
                    return false;
                }
            } else if (c == '[') {
                const char *close = memchr(s->p, ']', (size_t)(s->end - s->p));
                if (!close || !sip_ipv6_ref_valid(pl_str_span(s->p + 1, close))) {
                    *reason = "invalid IPv6 reference in parameter";
                    return false;
                }
                value = pl_str_span(s->p, close + 1);
                s->p = close + 1;
            } else {
                const char *vs = s->p;
                while (s->p < s->end && (sip_is((unsigned char)*s->p, SIP_C_TOKEN) ||
                                         (colon_values && *s->p == ':')))
                    s->p++;
                value = pl_str_span(vs, s->p);
                if (value.len == 0) {
                    *reason = "empty parameter value";
                    return false;
                }
            }
        }
        last = s->p;
        if (note)
            note(obj, name, value);
    }
    *params = first ? pl_str_span(first, last) : pl_str_make(s->p, 0);
    return true;
}

static void note_naddr_param(void *obj, pl_str name, pl_str value)
{
    sip_naddr *na = obj;
    if (pl_str_caseeq_lit(name, "tag"))
        na->tag = value;
    else if (pl_str_caseeq_lit(name, "epid"))
        na->epid = value;
    else if (pl_str_caseeq_lit(name, "expires"))
        na->expires = value;
    else if (pl_str_caseeq_lit(name, "q"))
        na->q = value;
}

static bool has_lws(pl_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (sip_is_lws_char(s.p[i]))
            return true;
    return false;
}

bool sip_parse_naddr(sip_scan *s, sip_naddr *na, const char **fault_at, const char **reason)
{
    memset(na, 0, sizeof(*na));
    sip_scan_lws(s);
    const char *start = s->p;
    char c = sip_scan_peek(s);
    if (c == '"') {
        if (!sip_scan_quoted(s, &na->display)) {
            *fault_at = s->p;
            *reason = "unterminated quoted string";
            return false;
        }
        sip_scan_lws(s);
        if (sip_scan_peek(s) != '<') {
            *fault_at = s->p;
            *reason = "expected '<' after display name";
            return false;
        }
    } else if (c != '<') {
        /* *(token LWS) followed by '<' is a display name; anything else is an addr-spec */
        sip_scan t = *s;
        const char *dend = NULL;
        for (;;) {
            pl_str tok = sip_scan_token(&t);
            if (tok.len == 0)
                break;
            dend = t.p;
            sip_scan_lws(&t);
        }
        if (dend && sip_scan_peek(&t) == '<') {
            na->display = pl_str_span(start, dend);
            s->p = t.p;
        }
    }
    const char *uri_fault = NULL;
    const char *uri_reason = NULL;
    if (sip_scan_peek(s) == '<') {
        const char *open = s->p;
        const char *close = memchr(open, '>', (size_t)(s->end - open));
        if (!close) {
            *fault_at = open;
            *reason = "missing '>'";
            return false;
        }
        pl_str text = pl_str_span(open + 1, close);
        if (sip_uri_parse(text, &na->uri, &uri_fault, &uri_reason) != 0) {
            /* the URI parser refuses whitespace anyway: say so plainly when that was it */
            bool ws = has_lws(text);
            *fault_at = ws ? open + 1 : uri_fault;
            *reason = ws ? "whitespace inside <URI>" : uri_reason;
            return false;
        }
        na->bracketed = true;
        s->p = close + 1;
    } else {
        const char *us = s->p;
        while (s->p < s->end && *s->p != ';' && *s->p != ',' && !sip_is_lws_char(*s->p)) {
            if (*s->p == '?' || *s->p == '<' || *s->p == '>' || *s->p == '"') {
                *fault_at = s->p;
                *reason = *s->p == '?' ? "URI with headers must be enclosed in <>"
                                       : "invalid character in address";
                return false;
            }
            s->p++;
        }
        if (sip_uri_parse(pl_str_span(us, s->p), &na->uri, &uri_fault, &uri_reason) != 0) {
            *fault_at = uri_fault;
            *reason = uri_reason;
            return false;
        }
    }
    if (!parse_gen_params(s, &na->params, note_naddr_param, na, false, reason)) {
        *fault_at = s->p;
        return false;
    }
    na->raw = pl_str_span(start, s->p);
    return true;
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
        if (!sip_parse_naddr(&s, na, &at, &why)) {
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

static void note_via_param(void *obj, pl_str name, pl_str value)
{
    sip_via *v = obj;
    if (pl_str_caseeq_lit(name, "branch"))
        v->branch = value;
    else if (pl_str_caseeq_lit(name, "received"))
        v->received = value;
    else if (pl_str_caseeq_lit(name, "rport")) {
        v->rport = value;
        v->has_rport = true;
    } else if (pl_str_caseeq_lit(name, "maddr"))
        v->maddr = value;
    else if (pl_str_caseeq_lit(name, "ttl"))
        v->ttl = value;
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

static bool parse_via(sip_scan *s, sip_via *v, const char **fault_at, const char **reason)
{
    memset(v, 0, sizeof(*v));
    sip_scan_lws(s);
    const char *start = s->p;
    if (s->end - s->p > 8 && memcmp(s->p, "SIP/2.0/", 8) == 0 && !sip_is_lws_char(s->p[8])) {
        /* what nearly every Via starts with, read as the way below reads it */
        v->protocol = pl_str_make(s->p, 3);
        v->version = pl_str_make(s->p + 4, 3);
        s->p += 8;
    } else if (!parse_sent_protocol(s, v, fault_at, reason)) {
        return false;
    }
    v->transport = sip_scan_token(s);
    if (!v->transport.len) {
        *fault_at = s->p;
        *reason = "missing transport";
        return false;
    }
    if (!sip_scan_lws(s)) {
        *fault_at = s->p;
        *reason = "missing space before sent-by";
        return false;
    }
    const char *quad;
    if (sip_scan_peek(s) == '[') {
        const char *close = memchr(s->p, ']', (size_t)(s->end - s->p));
        if (!close || !sip_ipv6_ref_valid(pl_str_span(s->p + 1, close))) {
            *fault_at = s->p;
            *reason = "invalid IPv6 reference";
            return false;
        }
        v->host = pl_str_span(s->p + 1, close);
        v->host_type = SIP_HOST_IPV6;
        s->p = close + 1;
    } else if (s->p < s->end && sip_is_digit(*s->p) && (quad = sip_ipv4_host(s->p, s->end))) {
        v->host = pl_str_span(s->p, quad);
        v->host_type = SIP_HOST_IPV4;
        s->p = quad;
    } else {
        v->host = sip_scan_class(s, SIP_C_HOST);
        if (!v->host.len) {
            *fault_at = s->p;
            *reason = "missing host";
            return false;
        }
        v->host_type = sip_ipv4_valid(v->host) ? SIP_HOST_IPV4 : SIP_HOST_NAME;
    }
    if (sip_scan_sep(s, ':')) {
        pl_str port = sip_scan_class(s, SIP_C_DIGIT);
        uint64_t pv;
        if (!sip_digits_value(port, 65535, &pv) || pv == 0) {
            *fault_at = port.p;
            *reason = "invalid port";
            return false;
        }
        v->port = (uint16_t)pv;
    }
    if (!parse_gen_params(s, &v->params, note_via_param, v, true, reason)) {
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

bool sip_parse_cseq_field(sip_msg *m, const sip_hdr *h)
{
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
    if (!parse_gen_params(&s, &params, NULL, NULL, false, &why)) {
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
