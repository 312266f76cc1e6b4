#include "sip/uri_fast.h"

#include "parley/error.h"
#include "sip/chars.h"

#define FAIL(at, why)                                                                              \
    do {                                                                                           \
        if (fault_at)                                                                              \
            *fault_at = (at);                                                                      \
        if (reason)                                                                                \
            *reason = (why);                                                                       \
        return PARLEY_E_PARSE;                                                                     \
    } while (0)

bool sip_ipv4_valid(pl_str t)
{
    /* most hosts are names: leave at once */
    if (t.len < 7 || t.len > 15 || !sip_is_digit(t.p[0]))
        return false;
    return sip_ipv4_end(t.p, t.p + t.len) == t.p + t.len;
}

bool sip_ipv6_valid(pl_str t)
{
    int groups = 0;
    bool gap = false;
    size_t i = 0;
    if (t.len < 2)
        return false;
    if (t.p[0] == ':') {
        if (t.p[1] != ':')
            return false;
        gap = true;
        i = 2;
        if (i == t.len)
            return true; /* "::" */
    }
    while (i < t.len) {
        size_t start = i;
        while (i < t.len && sip_hexval(t.p[i]) >= 0 && i - start < 5)
            i++;
        size_t n = i - start;
        if (i < t.len && t.p[i] == '.') {
            /* embedded IPv4 must end the address and counts as two groups */
            if (!sip_ipv4_valid(pl_str_span(t.p + start, t.p + t.len)))
                return false;
            groups += 2;
            i = t.len;
            break;
        }
        if (n == 0 || n > 4)
            return false;
        groups++;
        if (i == t.len)
            break;
        if (t.p[i] != ':')
            return false;
        i++;
        if (i < t.len && t.p[i] == ':') {
            if (gap)
                return false; /* a second "::" (or ":::") */
            gap = true;
            i++;
            if (i == t.len)
                break;
            if (t.p[i] == ':')
                return false;
        } else if (i == t.len) {
            return false; /* trailing single ':' */
        }
    }
    return gap ? groups <= 7 : groups == 8;
}

bool sip_ipv6_ref_valid(pl_str t)
{
    if (sip_ipv6_valid(t))
        return true;
    /* RFC 3261's IPv6address (taken from RFC 2373) derives hexpart "::" then ":" IPv4address:
     * "2001:db8:::192.0.2.1", which RFC 4291 forbids. RFC 5118 §4.10 asks receivers to tolerate
     * it: it is read as the address without the extra colon. */
    const char *c = t.len > 3 ? memmem(t.p, t.len, ":::", 3) : NULL;
    if (!c || t.len > 64 || !sip_ipv4_valid(pl_str_span(c + 3, t.p + t.len)))
        return false;
    char two[64];
    size_t head = (size_t)(c - t.p);
    memcpy(two, t.p, head);
    memcpy(two + head, c + 1, t.len - head - 1);
    return sip_ipv6_valid(pl_str_make(two, t.len - 1));
}

static bool is_escape(const char *p, const char *end)
{
    return end - p >= 3 && sip_hexval(p[1]) >= 0 && sip_hexval(p[2]) >= 0;
}

/* Consumes chars of class cls or %XX escapes; returns the end of the run or NULL on a bad
 * escape (with *bad set to its position). *escaped is set when the run holds an escape. */
static const char *run_escaped_note(const char *p, const char *end, unsigned cls, const char **bad,
                                    bool *escaped)
{
    for (;;) {
        p = sip_run(p, end, cls); /* cls never holds '%' (USER, PASSWORD, PARAM, HNV) */
        if (p == end || *p != '%')
            return p;
        if (!is_escape(p, end)) {
            *bad = p;
            return NULL;
        }
        *escaped = true;
        p += 3;
    }
}

static const char *run_escaped(const char *p, const char *end, unsigned cls, const char **bad)
{
    bool escaped = false;
    return run_escaped_note(p, end, cls, bad, &escaped);
}

static bool name_eq_unescaped(pl_str raw, const char *lit)
{
    size_t n = strlen(lit);
    size_t j = 0;
    for (size_t i = 0; i < raw.len; i++, j++) {
        char c = raw.p[i];
        if (c == '%' && i + 2 < raw.len) {
            int h = sip_hexval(raw.p[i + 1]), l = sip_hexval(raw.p[i + 2]);
            if (h >= 0 && l >= 0) {
                c = (char)(h * 16 + l);
                i += 2;
            }
        }
        if (j >= n || pl_tolower(c) != pl_tolower(lit[j]))
            return false;
    }
    return j == n;
}

void sip_param_iter_init(sip_param_iter *it, pl_str params, char sep)
{
    it->p = params.p;
    it->end = params.len ? params.p + params.len : params.p; /* absent slices are NULL */
    it->sep = sep;
}

static bool lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool sip_param_next(sip_param_iter *it, pl_str *name, pl_str *value)
{
    const char *p = it->p, *end = it->end;
    while (p < end && (lws(*p) || *p == it->sep))
        p++;
    if (p >= end) {
        it->p = p;
        return false;
    }
    const char *ns = p;
    while (p < end && *p != '=' && *p != it->sep && !lws(*p))
        p++;
    *name = pl_str_span(ns, p);
    while (p < end && lws(*p))
        p++;
    *value = pl_str_make(p, 0);
    if (p < end && *p == '=') {
        p++;
        while (p < end && lws(*p))
            p++;
        const char *vs = p;
        if (p < end && *p == '"') {
            p++;
            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end)
                    p++;
                p++;
            }
            if (p < end)
                p++;
        } else {
            while (p < end && *p != it->sep && !lws(*p))
                p++;
        }
        *value = pl_str_span(vs, p);
    }
    it->p = p;
    return true;
}

bool sip_param_find(pl_str params, const char *name, pl_str *value)
{
    sip_param_iter it;
    pl_str n, v;
    sip_param_iter_init(&it, params, ';');
    while (sip_param_next(&it, &n, &v)) {
        if (pl_str_caseeq_lit(n, name)) {
            if (value)
                *value = v;
            return true;
        }
    }
    return false;
}

size_t sip_unescape(pl_str s, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == '%' && i + 2 < s.len && sip_hexval(s.p[i + 1]) >= 0 &&
            sip_hexval(s.p[i + 2]) >= 0) {
            out[o++] = (char)(sip_hexval(s.p[i + 1]) * 16 + sip_hexval(s.p[i + 2]));
            i += 2;
        } else {
            out[o++] = s.p[i];
        }
    }
    return o;
}

static void note_uri_param(sip_uri *u, pl_str name, pl_str value, bool escaped)
{
    if (!escaped) {
        sip_uri_note_param(u, name, value);
        return;
    }
    if (name_eq_unescaped(name, "lr"))
        u->lr = true;
    else if (name_eq_unescaped(name, "transport"))
        u->transport = value;
    else if (name_eq_unescaped(name, "maddr"))
        u->maddr = value;
    else if (name_eq_unescaped(name, "user"))
        u->user_param = value;
    else if (name_eq_unescaped(name, "method"))
        u->method = value;
    else if (name_eq_unescaped(name, "ttl"))
        u->ttl = value;
}

/* ;pname[=pvalue] ... up to '?' or end. p points after the first ';'. */
static int parse_uri_params(sip_uri *u, const char *p, const char *end, const char **next,
                            const char **fault_at, const char **reason)
{
    const char *start = p;
    for (;;) {
        const char *bad = NULL;
        bool escaped = false;
        const char *ne = run_escaped_note(p, end, SIP_C_PARAM, &bad, &escaped);
        if (!ne)
            FAIL(bad, "bad escape in URI parameter");
        if (ne == p)
            FAIL(p, "empty URI parameter name");
        pl_str name = pl_str_span(p, ne), value = pl_str_make(ne, 0);
        p = ne;
        if (p < end && *p == '=') {
            const char *vs = ++p;
            const char *ve = run_escaped(p, end, SIP_C_PARAM, &bad);
            if (!ve)
                FAIL(bad, "bad escape in URI parameter");
            if (ve == vs)
                FAIL(vs, "empty URI parameter value");
            value = pl_str_span(vs, ve);
            p = ve;
        }
        note_uri_param(u, name, value, escaped);
        if (p < end && *p == ';') {
            p++;
            continue;
        }
        break;
    }
    u->params = pl_str_span(start, p);
    *next = p;
    return 0;
}

static int parse_uri_headers(sip_uri *u, const char *p, const char *end, const char **fault_at,
                             const char **reason)
{
    const char *start = p;
    for (;;) {
        const char *bad = NULL;
        const char *ne = run_escaped(p, end, SIP_C_HNV, &bad);
        if (!ne)
            FAIL(bad, "bad escape in URI header");
        if (ne == p)
            FAIL(p, "empty URI header name");
        p = ne;
        if (p >= end || *p != '=')
            FAIL(p, "URI header without '='");
        p++;
        const char *ve = run_escaped(p, end, SIP_C_HNV, &bad);
        if (!ve)
            FAIL(bad, "bad escape in URI header");
        p = ve;
        if (p < end && *p == '&') {
            p++;
            continue;
        }
        break;
    }
    if (p != end)
        FAIL(p, "invalid character in URI headers");
    u->headers = pl_str_span(start, end);
    return 0;
}

static inline int parse_host(sip_uri *u, const char *p, const char *end, const char **next,
                             const char **fault_at, const char **reason)
{
    if (p < end && *p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close)
            FAIL(p, "unterminated IPv6 reference");
        pl_str h = pl_str_span(p + 1, close);
        if (!sip_ipv6_ref_valid(h))
            FAIL(p + 1, "invalid IPv6 address");
        u->host = h;
        u->host_type = SIP_HOST_IPV6;
        *next = close + 1;
        return 0;
    }
    /*
     * One pass: labels are checked as they end (separated by single dots, none starting or
     * ending with '-'; a dot may end the name). A dotted quad passes these checks too, so the
     * first bad label is the fault whatever the host turns out to be.
     */
    const char *quad = p < end && sip_is_digit(*p) ? sip_ipv4_host(p, end) : NULL;
    if (quad) {
        u->host = pl_str_span(p, quad);
        u->host_type = SIP_HOST_IPV4;
        *next = quad;
        return 0;
    }
    const char *hs = p, *ls = p, *why = NULL;
    for (; p < end && sip_is((unsigned char)*p, SIP_C_HOST); p++) {
        if (*p != '.')
            continue;
        if (p == ls)
            why = "empty label in host name";
        else if (ls[0] == '-' || p[-1] == '-')
            why = "host label starts or ends with '-'";
        if (why)
            break;
        ls = p + 1;
    }
    if (!why && p == hs)
        FAIL(hs, "missing host");
    if (!why && p > ls && (ls[0] == '-' || p[-1] == '-'))
        why = "host label starts or ends with '-'";
    while (p < end && sip_is((unsigned char)*p, SIP_C_HOST))
        p++; /* the rest of a host at fault: it is kept as read */
    u->host = pl_str_span(hs, p);
    if (why)
        FAIL(ls, why);
    u->host_type = sip_ipv4_valid(u->host) ? SIP_HOST_IPV4 : SIP_HOST_NAME;
    *next = p;
    return 0;
}

static inline int parse_port(sip_uri *u, const char *p, const char *end, const char **next,
                             const char **fault_at, const char **reason)
{
    unsigned v = 0;
    const char *s = p;
    while (p < end && *p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned)(*p - '0');
        if (v > 65535)
            FAIL(s, "port out of range");
        p++;
    }
    if (p == s)
        FAIL(s, "missing port number");
    if (v == 0)
        FAIL(s, "port out of range");
    u->port = (uint16_t)v;
    *next = p;
    return 0;
}

/* userinfo with escapes or a password, or a fault in it; r is where the run of plain user
 * characters from p stopped, at is the first '@'. */
static int parse_userinfo(sip_uri *u, const char *p, const char *r, const char *at,
                          const char **fault_at, const char **reason)
{
    const char *bad = NULL;
    if (r < at && *r == '%')
        r = run_escaped(r, at, SIP_C_USER, &bad);
    if (!r)
        FAIL(bad, "bad escape in URI user");
    if (r != at && *r != ':')
        FAIL(r, "invalid character in URI user");
    if (r == p)
        FAIL(p, "empty URI user");
    u->user = pl_str_span(p, r);
    if (r != at) { /* ':' password */
        const char *pe = run_escaped(r + 1, at, SIP_C_PASSWORD, &bad);
        if (!pe)
            FAIL(bad, "bad escape in URI password");
        if (pe != at)
            FAIL(pe, "invalid character in URI password");
        u->password = pl_str_span(r + 1, at);
    }
    return 0;
}

static int parse_sip(sip_uri *u, const char *p, const char *end, const char **fault_at,
                     const char **reason)
{
    /*
     * userinfo ends at the first '@': no character after it (host, params, headers) may be '@'.
     * The user is read on the way to it: user characters hold no '@', ':' or '%', so where
     * their run stops tells whether a plain user ends there; the rest is searched for an '@'
     * only when it does not.
     */
    const char *r = sip_run(p, end, SIP_C_USER);
    if (r < end && *r == '@') {
        if (r == p)
            FAIL(p, "empty URI user");
        u->user = pl_str_span(p, r);
        p = r + 1;
    } else {
        const char *at = memchr(r, '@', (size_t)(end - r));
        if (at) {
            int rc = parse_userinfo(u, p, r, at, fault_at, reason);
            if (rc)
                return rc;
            p = at + 1;
        }
    }
    int rc = parse_host(u, p, end, &p, fault_at, reason);
    if (rc)
        return rc;
    if (p < end && *p == ':') {
        rc = parse_port(u, p + 1, end, &p, fault_at, reason);
        if (rc)
            return rc;
    }
    if (p < end && *p == ';') {
        rc = parse_uri_params(u, p + 1, end, &p, fault_at, reason);
        if (rc)
            return rc;
    }
    if (p < end && *p == '?')
        return parse_uri_headers(u, p + 1, end, fault_at, reason);
    if (p != end)
        FAIL(p, "invalid character in URI");
    return 0;
}

static bool tel_char(char c)
{
    return sip_hexval(c) >= 0 || c == '*' || c == '#' || c == '-' || c == '.' || c == '(' ||
           c == ')' || c == '+';
}

/*
 * RFC 3966: global-number-digits = "+" *phonedigit DIGIT *phonedigit (decimal digits and visual
 * separators only); local-number-digits = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex.
 * n holds tel_char()s only.
 */
static bool tel_number_valid(pl_str n)
{
    bool global = n.p[0] == '+';
    size_t digits = 0;
    for (size_t i = global ? 1 : 0; i < n.len; i++) {
        char c = n.p[i];
        if (c == '+')
            return false;
        if (c == '-' || c == '.' || c == '(' || c == ')')
            continue;
        if (global && (c < '0' || c > '9'))
            return false;
        digits++;
    }
    return digits > 0;
}

static int parse_tel(sip_uri *u, const char *p, const char *end, const char **fault_at,
                     const char **reason)
{
    const char *s = p;
    while (p < end && tel_char(*p))
        p++;
    if (p == s)
        FAIL(s, "empty telephone number");
    if (!tel_number_valid(pl_str_span(s, p)))
        FAIL(s, "invalid telephone number");
    u->user = pl_str_span(s, p);
    if (p < end && *p == ';') {
        int rc = parse_uri_params(u, p + 1, end, &p, fault_at, reason);
        if (rc)
            return rc;
    }
    if (p != end)
        FAIL(p, "invalid character in tel URI");
    return 0;
}

static int parse_other(sip_uri *u, const char *p, const char *end, const char **fault_at,
                       const char **reason)
{
    /* absoluteURI: hier-part / opaque-part, checked as uric / escaped characters */
    if (p == end)
        FAIL(p, "empty URI after scheme");
    while (p < end) {
        if (*p == '%') {
            if (!is_escape(p, end))
                FAIL(p, "bad escape in URI");
            p += 3;
        } else if (sip_is((unsigned char)*p, SIP_C_URIC) || *p == '[' || *p == ']' || *p == '#') {
            p++;
        } else {
            FAIL(p, "invalid character in URI");
        }
    }
    (void)u;
    return 0;
}

int sip_uri_parse(pl_str text, sip_uri *u, const char **fault_at, const char **reason)
{
    if (sip_uri_fast(text.p, text.p + text.len, u)) {
        u->raw = text;
        return 0;
    }
    memset(u, 0, sizeof(*u));
    u->raw = text;
    const char *p = text.p, *end = text.p + text.len;
    if (p == end)
        FAIL(p, "empty URI");
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        FAIL(p, "URI must start with a scheme");
    while (p < end && sip_is((unsigned char)*p, SIP_C_SCHEME))
        p++;
    if (p == end || *p != ':')
        FAIL(p, "missing ':' after URI scheme");
    u->scheme = pl_str_span(text.p, p);
    p++;
    if (pl_str_caseeq_lit(u->scheme, "sip")) {
        u->kind = SIP_URI_SIP;
        return parse_sip(u, p, end, fault_at, reason);
    }
    if (pl_str_caseeq_lit(u->scheme, "sips")) {
        u->kind = SIP_URI_SIPS;
        return parse_sip(u, p, end, fault_at, reason);
    }
    if (pl_str_caseeq_lit(u->scheme, "tel")) {
        u->kind = SIP_URI_TEL;
        return parse_tel(u, p, end, fault_at, reason);
    }
    u->kind = SIP_URI_OTHER;
    return parse_other(u, p, end, fault_at, reason);
}

void sip_print_uri(pl_buf *b, const sip_uri *u)
{
    pl_buf_put_str(b, u->raw);
}
