/*
 * Where an outgoing session's INVITE goes: its pre-loaded route set (the outbound proxy of the
 * session's options or the endpoint's, RFC 3261 §8.1.2) and, for a target that names one
 * endpoint of a user (AoR + epid) reached through a proxy, that endpoint's public GRUU as the
 * Request-URI (RFC 5627; docs/SESSION.md "Targeting one endpoint"): a proxy routes a GRUU to
 * the one contact registered with that instance, while it knows nothing of epid.
 */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/build.h"
#include "sip/uri.h"

int sess_target_setup(parley_session *s, const parley_session_opts *o)
{
    if (o && o->proxy) {
        s->routes = pl_calloc(2, sizeof(char *)); /* "": an empty set */
        if (!s->routes)
            return PARLEY_E_NOMEM;
        if (*o->proxy) {
            int rc = ep_route_value(o->proxy, &s->routes[0]);
            if (rc)
                return rc;
        }
    }
    bool routed = s->routes ? s->routes[0] != NULL : s->ep->proxy_route != NULL;
    if (!s->target_epid || !routed || (o && o->request_uri))
        return 0;
    char *gruu = NULL;
    int rc = ep_epid_gruu(s->target_uri, s->target_epid, &gruu);
    if (rc || !gruu)
        return rc;
    sess_strfree(s, s->request_uri);
    s->request_uri = gruu;
    return 0;
}

pl_str sess_uri_split(const char *uri, pl_str *headers)
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

sip_kv *sess_invite_headers(const parley_session *s, const sip_kv *h, size_t nh, size_t *n)
{
    pl_str raw = pl_str_c(s->uri_headers);
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
            if (ok && !pl_str_caseeq_lit(pl_str_c(name), "body") && !ep_headers_have(h, nh, name) &&
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

void sess_target_free(parley_session *s)
{
    ep_route_set_free(s->routes);
    s->routes = NULL;
}
