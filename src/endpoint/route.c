/*
 * The pre-loaded route set of requests outside dialogs (RFC 3261 §8.1.2): an outbound proxy
 * written as a URI becomes the Route value "<uri;lr>" (an outbound proxy is a loose router: a
 * strict-routing one would need the Request-URI rewritten, which §8.1.2 does not ask of a UAC).
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/uri.h"

int ep_route_value(const char *proxy, char **out)
{
    *out = NULL;
    pl_str text = pl_str_trim(pl_str_c(proxy));
    if (text.len >= 2 && text.p[0] == '<' && text.p[text.len - 1] == '>')
        text = pl_str_make(text.p + 1, text.len - 2);
    sip_uri u;
    if (!text.len || text.len > 400 || sip_uri_parse(text, &u, NULL, NULL) != 0 ||
        (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS) || u.headers.len)
        return PARLEY_E_INVAL;
    pl_buf b;
    pl_buf_init(&b, text.len + 8);
    pl_buf_putc(&b, '<');
    pl_buf_put_str(&b, text);
    if (!u.lr)
        pl_buf_puts(&b, ";lr");
    pl_buf_putc(&b, '>');
    *out = pl_buf_steal(&b, NULL);
    return *out ? 0 : PARLEY_E_NOMEM;
}

int ep_route_uri(const char *route, char *out, size_t size)
{
    const char *lt = strchr(route, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    pl_str uri = lt && gt ? pl_str_span(lt + 1, gt) : pl_str_trim(pl_str_c(route));
    if (!uri.len || uri.len >= size)
        return PARLEY_E_INVAL;
    memcpy(out, uri.p, uri.len);
    out[uri.len] = '\0';
    return 0;
}

int ep_route_set_from_headers(const parley_header *h, size_t n, char ***routes, size_t *nroutes)
{
    *routes = NULL;
    *nroutes = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (h[i].name && pl_str_caseeq_lit(pl_str_c(h[i].name), "Route"))
            count++;
    if (!count)
        return 0;
    char **list = pl_calloc(count + 1, sizeof(char *));
    if (!list)
        return PARLEY_E_NOMEM;
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!h[i].name || !pl_str_caseeq_lit(pl_str_c(h[i].name), "Route"))
            continue;
        if (!h[i].value || strpbrk(h[i].value, "\r\n,"))
            rc = PARLEY_E_INVAL; /* one route per header here: no lists, no injection */
        else
            rc = ep_route_value(h[i].value, &list[k++]);
    }
    if (rc) {
        for (size_t i = 0; i < k; i++)
            pl_free(list[i]);
        pl_free(list);
        return rc;
    }
    *routes = list;
    *nroutes = count;
    return 0;
}

void ep_route_set_free(char **routes)
{
    for (size_t i = 0; routes && routes[i]; i++)
        pl_free(routes[i]);
    pl_free(routes);
}
