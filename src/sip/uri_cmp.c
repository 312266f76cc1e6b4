/* URI equality: RFC 3261 §19.1.4 for sip/sips, RFC 3966 §4 for tel. */
#include "sip/uri.h"

#include "sip/chars.h"

/* Next character of s from *i, decoding %XX. *reserved_escape tells an escaped reserved character,
 * which is not equal to the literal one; every other escape equals its character. */
static int next_char(pl_str s, size_t *i, bool *reserved_escape)
{
    unsigned char c = (unsigned char)s.p[*i];
    *reserved_escape = false;
    if (c == '%' && *i + 2 < s.len && sip_hexval(s.p[*i + 1]) >= 0 &&
        sip_hexval(s.p[*i + 2]) >= 0) {
        c = (unsigned char)(sip_hexval(s.p[*i + 1]) * 16 + sip_hexval(s.p[*i + 2]));
        *i += 3;
        *reserved_escape = sip_is(c, SIP_C_RESERVED);
        return c;
    }
    *i += 1;
    return c;
}

static bool comp_eq(pl_str a, pl_str b, bool icase)
{
    size_t i = 0, j = 0;
    while (i < a.len && j < b.len) {
        bool ea, eb;
        int ca = next_char(a, &i, &ea);
        int cb = next_char(b, &j, &eb);
        if (ea != eb)
            return false;
        if (icase) {
            ca = pl_tolower((char)ca);
            cb = pl_tolower((char)cb);
        }
        if (ca != cb)
            return false;
    }
    return i == a.len && j == b.len;
}

static bool is_special_param(pl_str name)
{
    static const char *const special[] = {"user", "ttl", "method", "maddr", "transport"};
    for (size_t k = 0; k < sizeof(special) / sizeof(special[0]); k++)
        if (comp_eq(name, pl_str_c(special[k]), true))
            return true;
    return false;
}

static bool find_param(pl_str params, pl_str name, char sep, pl_str *value)
{
    sip_param_iter it;
    pl_str n, v;
    sip_param_iter_init(&it, params, sep);
    while (sip_param_next(&it, &n, &v)) {
        if (comp_eq(n, name, true)) {
            *value = v;
            return true;
        }
    }
    return false;
}

static size_t count_params(pl_str params, char sep)
{
    sip_param_iter it;
    pl_str n, v;
    size_t c = 0;
    sip_param_iter_init(&it, params, sep);
    while (sip_param_next(&it, &n, &v))
        c++;
    return c;
}

/* Parameters of a that also occur in b must match; the special ones must occur in both. */
static bool params_one_way(pl_str a, pl_str b)
{
    sip_param_iter it;
    pl_str n, v, w;
    sip_param_iter_init(&it, a, ';');
    while (sip_param_next(&it, &n, &v)) {
        if (find_param(b, n, ';', &w)) {
            if (!comp_eq(v, w, true))
                return false;
        } else if (is_special_param(n)) {
            return false;
        }
    }
    return true;
}

/* Occurrences of the header name=value in a URI header list. */
static size_t count_header(pl_str list, pl_str name, pl_str value)
{
    sip_param_iter it;
    pl_str n, v;
    size_t c = 0;
    sip_param_iter_init(&it, list, '&');
    while (sip_param_next(&it, &n, &v))
        if (comp_eq(n, name, true) && comp_eq(v, value, false))
            c++;
    return c;
}

/* The same headers on both sides, as multisets: a header may repeat. */
static bool headers_equal(pl_str a, pl_str b)
{
    if (count_params(a, '&') != count_params(b, '&'))
        return false;
    sip_param_iter it;
    pl_str n, v;
    sip_param_iter_init(&it, a, '&');
    while (sip_param_next(&it, &n, &v)) {
        if (count_header(a, n, v) != count_header(b, n, v))
            return false;
    }
    return true;
}

static bool sip_equal(const sip_uri *a, const sip_uri *b)
{
    if (a->kind != b->kind || a->port != b->port)
        return false;
    if (!comp_eq(a->user, b->user, false) || !comp_eq(a->password, b->password, false))
        return false;
    if (pl_str_set(a->password) != pl_str_set(b->password))
        return false;
    if (!comp_eq(a->host, b->host, true))
        return false;
    if (!params_one_way(a->params, b->params) || !params_one_way(b->params, a->params))
        return false;
    return headers_equal(a->headers, b->headers);
}

static bool is_visual_separator(char c)
{
    return c == '-' || c == '.' || c == '(' || c == ')';
}

static bool tel_number_equal(pl_str a, pl_str b)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < a.len && is_visual_separator(a.p[i]))
            i++;
        while (j < b.len && is_visual_separator(b.p[j]))
            j++;
        if (i == a.len || j == b.len)
            return i == a.len && j == b.len;
        if (pl_tolower(a.p[i]) != pl_tolower(b.p[j]))
            return false;
        i++;
        j++;
    }
}

static bool tel_params_equal(pl_str a, pl_str b)
{
    if (count_params(a, ';') != count_params(b, ';'))
        return false;
    sip_param_iter it;
    pl_str n, v, w;
    sip_param_iter_init(&it, a, ';');
    while (sip_param_next(&it, &n, &v)) {
        if (!find_param(b, n, ';', &w))
            return false;
        /* a phone-context that is a global number compares without visual separators */
        bool numbers = comp_eq(n, PL_STR_LIT("phone-context"), true) && v.len && w.len &&
                       v.p[0] == '+' && w.p[0] == '+';
        if (numbers ? !tel_number_equal(v, w) : !comp_eq(v, w, true))
            return false;
    }
    return true;
}

bool sip_uri_equal(const sip_uri *a, const sip_uri *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case SIP_URI_SIP:
    case SIP_URI_SIPS:
        return sip_equal(a, b);
    case SIP_URI_TEL:
        return tel_number_equal(a->user, b->user) && tel_params_equal(a->params, b->params);
    default:
        return pl_str_casecmp_eq(a->scheme, b->scheme) &&
               pl_str_eq(pl_str_make(a->raw.p + a->scheme.len, a->raw.len - a->scheme.len),
                         pl_str_make(b->raw.p + b->scheme.len, b->raw.len - b->scheme.len));
    }
}
