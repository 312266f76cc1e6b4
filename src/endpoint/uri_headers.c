/*
 * Headers in a URI (RFC 3261 §19.1.5): "sip:bob@h?Replaces=...&Subject=hi" names a request to
 * sip:bob@h carrying those header fields. A Request-URI and a To may not hold them (§19.1.1),
 * so a target URI is split: the URI for the request line and To, its headers, decoded, added to
 * the request's own.
 */
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "sip/build.h"
#include "sip/msg.h"
#include "sip/uri.h"

pl_str ep_uri_split(const char *uri, pl_str *headers)
{
    sip_uri u;
    pl_str all = pl_str_c(uri);
    *headers = PL_STR_NULL;
    if (!uri || sip_uri_parse(all, &u, NULL, NULL) != 0 || !u.headers.len)
        return all;
    *headers = u.headers;
    return pl_str_span(all.p, u.headers.p - 1); /* up to the '?' */
}

/* Decodes the escaped s into out, NUL-terminated; false when it holds a NUL itself. */
static bool decode(pl_str s, char *out)
{
    size_t n = sip_unescape(s, out);
    out[n] = '\0';
    return !memchr(out, '\0', n);
}

/* Whether one of h[0..n) is the header name, long or compact form alike. */
static bool named(const parley_header *h, size_t n, const char *name)
{
    sip_hdr_id id = sip_hdr_lookup(name, strlen(name));
    for (size_t i = 0; i < n; i++)
        if (ep_header_name_is(h[i].name, name, id))
            return true;
    return false;
}

/* The body's own headers (and the body itself): the stack writes the body, so a URI's would
 * describe another one (a Content-Encoding: gzip over plain SDP). */
static bool about_body(const char *name)
{
    switch (sip_hdr_lookup(name, strlen(name))) {
    case SIP_H_CONTENT_DISPOSITION:
    case SIP_H_CONTENT_ENCODING:
    case SIP_H_CONTENT_LANGUAGE:
    case SIP_H_MIME_VERSION:
        return true;
    default:
        return pl_str_caseeq_lit(pl_str_c(name), "body");
    }
}

sip_kv *ep_with_uri_headers(const sip_kv *h, size_t nh, pl_str raw, size_t *n)
{
    size_t cap = nh + 1;
    for (size_t i = 0; i < raw.len; i++)
        cap += raw.p[i] == '&';
    parley_header *ph = pl_calloc(cap, sizeof(*ph));
    char *dec = pl_malloc(raw.len + 2 * cap); /* decoding never lengthens; a NUL after each */
    sip_kv *kv = NULL;
    if (!ph || !dec)
        goto out;
    size_t k = 0, off = 0;
    for (; k < nh; k++)
        ph[k] = (parley_header){h[k].name, h[k].value};
    const char *p = raw.p, *end = raw.len ? raw.p + raw.len : raw.p;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (eq) {
            char *name = dec + off;
            bool ok = decode(pl_str_span(p, eq), name);
            char *value = name + strlen(name) + 1;
            ok = ok && decode(pl_str_span(eq + 1, e), value);
            /* once per name: the application's, else the URI's first */
            if (ok && !about_body(name) && !named(ph, k, name) &&
                sip_header_check(name, value) == 0) {
                ph[k++] = (parley_header){name, value};
                off += strlen(name) + strlen(value) + 2;
            }
        }
        p = amp ? amp + 1 : end;
    }
    kv = ep_copy_headers(ph, k);
    *n = k;
out:
    pl_free(ph);
    pl_free(dec);
    return kv;
}
