#include "dialog/dlg.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "sip/print.h"
#include "sip/uri.h"

static char *dup_str(pl_str s)
{
    return s.p ? pl_str_dup(s) : pl_str_dup(PL_STR_LIT(""));
}

static bool in_block(const dlg *d, const char *p)
{
    return p >= d->strs && p < d->strs + d->strs_len;
}

static void free_str(dlg *d, char *p)
{
    if (p && !in_block(d, p))
        pl_free(p);
}

/* A dialog with room for n bytes of strings after it. */
static dlg *alloc_dlg(size_t n)
{
    dlg *d = pl_calloc(1, sizeof(*d) + n);
    if (!d)
        return NULL;
    d->strs_len = (uint32_t)n; /* a message's strings: far below 4 GiB */
    pl_list_init(&d->link);
    return d;
}

/* Copies the pieces of parts, one after the other, NUL-terminated, at *at in d's strings. */
static char *put_strs(dlg *d, size_t *at, const pl_str *parts, size_t nparts)
{
    char *p = d->strs + *at;
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].len)
            memcpy(d->strs + *at, parts[i].p, parts[i].len);
        *at += parts[i].len;
    }
    d->strs[(*at)++] = '\0';
    return p;
}

static char *put_str(dlg *d, size_t *at, pl_str v)
{
    return put_strs(d, at, &v, 1);
}

static void free_routes(dlg *d)
{
    for (size_t i = 0; i < d->nroutes; i++)
        pl_free(d->routes[i]);
    pl_free(d->routes);
    d->routes = NULL;
    d->nroutes = 0;
}

/* Route set from Record-Route values: in order (UAS) or reversed (UAC). */
static void set_routes(dlg *d, const sip_naddr *rr, bool reverse)
{
    free_routes(d);
    size_t n = 0;
    for (const sip_naddr *r = rr; r; r = r->next)
        n++;
    if (!n)
        return;
    d->routes = pl_calloc(n, sizeof(char *));
    if (!d->routes)
        return;
    size_t i = 0;
    for (const sip_naddr *r = rr; r; r = r->next, i++) {
        size_t at = reverse ? n - 1 - i : i;
        d->routes[at] = dup_str(r->raw);
    }
    d->nroutes = (uint32_t)n;
}

/* A Contact's URI as a remote target: without URI headers, which a Request-URI may not carry
 * (RFC 3261 §19.1.1: a dialog's Contact has none; sent on, they would make requests that the
 * peer's parser, and ours, refuse). */
static pl_str contact_target(const sip_naddr *c)
{
    pl_str t = c->uri.raw;
    if (c->uri.headers.len && c->uri.kind != SIP_URI_OTHER)
        t.len = (size_t)(c->uri.headers.p - 1 - t.p);
    return t;
}

static void set_target(dlg *d, const sip_msg *m)
{
    if (!m->contact)
        return;
    char *t = dup_str(contact_target(m->contact));
    if (!t)
        return;
    free_str(d, d->remote_target);
    d->remote_target = t;
}

/* The remote target of a new dialog: the Contact of m, else fallback. */
static pl_str first_target(const sip_msg *m, pl_str fallback)
{
    return m->contact ? contact_target(m->contact) : fallback;
}

dlg *dlg_new_uac(const char *call_id, const char *local_hdr, const char *local_tag, uint32_t cseq,
                 const char *request_uri, const sip_msg *resp)
{
    const sip_hdr *to = sip_hdr_first(resp, SIP_H_TO);
    pl_str cid = pl_str_c(call_id), ltag = pl_str_c(local_tag), lhdr = pl_str_c(local_hdr);
    pl_str rtag = resp->to->tag, rhdr = to ? to->value : PL_STR_NULL;
    pl_str target = first_target(resp, request_uri ? pl_str_c(request_uri)
                                       : resp->to  ? resp->to->uri.raw
                                                   : PL_STR_NULL);
    dlg *d = alloc_dlg(cid.len + ltag.len + lhdr.len + rtag.len + rhdr.len + target.len + 6);
    if (!d)
        return NULL;
    size_t at = 0;
    d->uac = true;
    d->early = resp->status < 200;
    d->call_id = put_str(d, &at, cid);
    d->local_tag = put_str(d, &at, ltag);
    d->local_hdr = put_str(d, &at, lhdr);
    d->remote_tag = put_str(d, &at, rtag);
    d->call_id_len = (uint32_t)cid.len;
    d->local_tag_len = (uint32_t)ltag.len;
    d->remote_tag_len = (uint32_t)rtag.len;
    d->remote_hdr = put_str(d, &at, rhdr);
    if (target.len)
        d->remote_target = put_str(d, &at, target);
    d->local_cseq = cseq;
    /* RFC 3261 §12.1.2: the request went to a sips Request-URI */
    d->secure = request_uri && !strncasecmp(request_uri, "sips:", 5);
    set_routes(d, resp->record_route, true);
    return d;
}

bool dlg_request_secure(const sip_msg *req)
{
    if (req->ruri.kind == SIP_URI_SIPS)
        return true;
    if (req->record_route)
        return req->record_route->uri.kind == SIP_URI_SIPS;
    return req->contact && req->contact->uri.kind == SIP_URI_SIPS;
}

dlg *dlg_new_uas(const sip_msg *req, const char *local_tag, const char *epid)
{
    const sip_hdr *from = sip_hdr_first(req, SIP_H_FROM), *to = sip_hdr_first(req, SIP_H_TO);
    bool with_epid = epid && !(req->to && pl_str_set(req->to->epid));
    /* our To value: theirs with our tag (and our epid) */
    pl_str mine[] = {to ? to->value : PL_STR_NULL, PL_STR_LIT(";tag="), pl_str_c(local_tag),
                     with_epid ? PL_STR_LIT(";epid=") : PL_STR_NULL,
                     with_epid ? pl_str_c(epid) : PL_STR_NULL};
    size_t mine_len = 0;
    for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
        mine_len += mine[i].len;
    pl_str cid = req->call_id, ltag = pl_str_c(local_tag), rtag = req->from->tag;
    pl_str rhdr = from ? from->value : PL_STR_NULL;
    pl_str target = first_target(req, req->from->uri.raw);
    dlg *d = alloc_dlg(cid.len + ltag.len + rtag.len + rhdr.len + mine_len + target.len + 6);
    if (!d)
        return NULL;
    size_t at = 0;
    d->call_id = put_str(d, &at, cid);
    d->local_tag = put_str(d, &at, ltag);
    d->remote_tag = put_str(d, &at, rtag);
    d->call_id_len = (uint32_t)cid.len;
    d->local_tag_len = (uint32_t)ltag.len;
    d->remote_tag_len = (uint32_t)rtag.len;
    d->remote_hdr = put_str(d, &at, rhdr);
    d->local_hdr = put_strs(d, &at, mine, sizeof(mine) / sizeof(mine[0]));
    if (target.len)
        d->remote_target = put_str(d, &at, target);
    d->remote_cseq = req->cseq.num;
    d->remote_cseq_set = true;
    d->local_cseq = 0;
    d->secure = dlg_request_secure(req);
    set_routes(d, req->record_route, false);
    return d;
}

void dlg_free(dlg *d)
{
    if (!d)
        return;
    free_str(d, d->call_id);
    free_str(d, d->local_tag);
    free_str(d, d->remote_tag);
    free_str(d, d->local_hdr);
    free_str(d, d->remote_hdr);
    free_str(d, d->remote_target);
    free_routes(d);
    pl_free(d);
}

void dlg_update_from_response(dlg *d, const sip_msg *resp, bool final_2xx)
{
    set_target(d, resp);
    if (final_2xx && d->uac) {
        /* the 2xx's Record-Route is the route set of the confirmed dialog */
        set_routes(d, resp->record_route, true);
        const sip_hdr *to = sip_hdr_first(resp, SIP_H_TO);
        if (to) {
            char *h = dup_str(to->value);
            if (h) {
                free_str(d, d->remote_hdr);
                d->remote_hdr = h;
            }
        }
        d->early = false;
    }
}

void dlg_refresh_target(dlg *d, const sip_msg *m)
{
    set_target(d, m);
}

bool dlg_accept_cseq(dlg *d, const sip_msg *req)
{
    if (req->method_id == SIP_METHOD_ACK || req->method_id == SIP_METHOD_CANCEL)
        return true;
    if (d->remote_cseq_set && req->cseq.num < d->remote_cseq)
        return false;
    d->remote_cseq = req->cseq.num;
    d->remote_cseq_set = true;
    return true;
}

/* The URI inside a route value "<sip:...;lr>" (or the value itself). */
static pl_str route_uri(const char *route)
{
    const char *lt = strchr(route, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    return lt && gt ? pl_str_span(lt + 1, gt) : pl_str_c(route);
}

static bool route_is_loose(const char *route)
{
    sip_uri u;
    return sip_uri_parse(route_uri(route), &u, NULL, NULL) == 0 && u.lr;
}

void dlg_next_hop(const dlg *d, char *out, size_t size)
{
    if (d->nroutes) {
        pl_str u = route_uri(d->routes[0]);
        snprintf(out, size, "%.*s", (int)u.len, u.p);
    } else {
        snprintf(out, size, "%s", d->remote_target ? d->remote_target : "");
    }
}

int dlg_build_request(dlg *d, const dlg_req *r, sip_out *out)
{
    uint32_t cseq = r->cseq ? r->cseq : ++d->local_cseq;
    /* RFC 3261 §12.2.1.1: loose routing sends to the target with the whole route set; strict
     * routing puts the first route in the Request-URI and the target last */
    pl_str routes_buf[32];
    size_t n = 0;
    pl_str ruri = pl_str_c(d->remote_target ? d->remote_target : "");
    bool strict = d->nroutes && !route_is_loose(d->routes[0]);
    if (strict) {
        ruri = route_uri(d->routes[0]);
        for (size_t i = 1; i < d->nroutes && n < 31; i++)
            routes_buf[n++] = pl_str_c(d->routes[i]);
    } else {
        for (size_t i = 0; i < d->nroutes && n < 32; i++)
            routes_buf[n++] = pl_str_c(d->routes[i]);
    }
    char strict_target[520];
    if (strict && d->remote_target && n < 32) {
        snprintf(strict_target, sizeof(strict_target), "<%s>", d->remote_target);
        routes_buf[n++] = pl_str_c(strict_target);
    }
    sip_req_parts p = {
        .method = pl_str_c(r->method),
        .ruri = ruri,
        .via = r->via,
        .from = pl_str_c(d->local_hdr),
        .to = pl_str_c(d->remote_hdr),
        .call_id = pl_str_c(d->call_id),
        .cseq = cseq,
        .max_forwards = 70,
        .routes = routes_buf,
        .nroutes = n,
        .contact = r->contact,
        .extra = r->extra,
        .nextra = r->nextra,
        .extra_raw = r->extra_raw,
        .content_type = r->content_type,
        .body = r->body,
    };
    return sip_build_request(out, &p);
}

/* ---- table ---- */

typedef struct dlg_key {
    pl_str call_id, local_tag, remote_tag;
} dlg_key;

static uint64_t key_hash(const pl_hash *t, pl_str call_id, pl_str local_tag, pl_str remote_tag)
{
    uint64_t h = pl_hash_str(t->seed, call_id);
    h = pl_hash_str(h ^ 0x9e37, local_tag);
    return pl_hash_str(h ^ 0x79b9, remote_tag);
}

static pl_str call_id_of(const dlg *d)
{
    return pl_str_make(d->call_id, d->call_id_len);
}

static pl_str local_tag_of(const dlg *d)
{
    return pl_str_make(d->local_tag, d->local_tag_len);
}

static pl_str remote_tag_of(const dlg *d)
{
    return pl_str_make(d->remote_tag, d->remote_tag_len);
}

static bool match(const pl_hnode *n, const void *key)
{
    const dlg *d = pl_container_of(n, dlg, node);
    const dlg_key *k = key;
    return pl_str_eq(call_id_of(d), k->call_id) && pl_str_eq(local_tag_of(d), k->local_tag) &&
           pl_str_eq(remote_tag_of(d), k->remote_tag);
}

void dlg_table_insert(pl_hash *t, dlg *d)
{
    if (d->in_table)
        return;
    pl_hash_insert(t, &d->node, key_hash(t, call_id_of(d), local_tag_of(d), remote_tag_of(d)));
    d->in_table = true;
}

void dlg_table_remove(pl_hash *t, dlg *d)
{
    if (!d->in_table)
        return;
    pl_hash_remove(t, &d->node);
    d->in_table = false;
}

dlg *dlg_table_find(pl_hash *t, pl_str call_id, pl_str local_tag, pl_str remote_tag)
{
    dlg_key k = {call_id, local_tag, remote_tag};
    pl_hnode *n = pl_hash_find(t, key_hash(t, call_id, local_tag, remote_tag), match, &k);
    return n ? pl_container_of(n, dlg, node) : NULL;
}
