/* Field-by-field equality of descriptions: what "parse(print(x)) == x" means. */
#include "sdp/sdp.h"

static bool opt_eq(pl_str a, pl_str b)
{
    return (a.p == NULL) == (b.p == NULL) && pl_str_eq(a, b);
}

static bool strs_eq(const pl_str *a, size_t na, const pl_str *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!pl_str_eq(a[i], b[i]))
            return false;
    return true;
}

static bool conn_eq(const parley_sdp_conn *a, const parley_sdp_conn *b)
{
    return pl_str_eq(a->nettype, b->nettype) && pl_str_eq(a->addrtype, b->addrtype) &&
           pl_str_eq(a->address, b->address) && a->family == b->family && a->ttl == b->ttl &&
           a->count == b->count;
}

static bool conns_eq(const parley_sdp_conn *a, size_t na, const parley_sdp_conn *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!conn_eq(&a[i], &b[i]))
            return false;
    return true;
}

static bool bw_eq(const parley_sdp_bw *a, size_t na, const parley_sdp_bw *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!pl_str_eq(a[i].type, b[i].type) || a[i].value != b[i].value)
            return false;
    return true;
}

static bool attrs_eq(const parley_sdp_attr *a, size_t na, const parley_sdp_attr *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!pl_str_eq(a[i].name, b[i].name) || !opt_eq(a[i].value, b[i].value))
            return false;
    return true;
}

bool sdp_format_equal(const parley_sdp_format *a, const parley_sdp_format *b)
{
    return pl_str_eq(a->fmt, b->fmt) && a->pt == b->pt && a->has_rtpmap == b->has_rtpmap &&
           pl_str_eq(a->encoding, b->encoding) && a->rate == b->rate &&
           opt_eq(a->enc_params, b->enc_params) && a->channels == b->channels &&
           opt_eq(a->fmtp, b->fmtp);
}

bool sdp_media_equal(const parley_sdp_media *a, const parley_sdp_media *b)
{
    if (!pl_str_eq(a->media, b->media) || a->port != b->port || a->nports != b->nports ||
        !pl_str_eq(a->proto, b->proto) || a->nfmts != b->nfmts || !opt_eq(a->info, b->info) ||
        !opt_eq(a->key, b->key) || a->dir != b->dir || a->dir_explicit != b->dir_explicit ||
        a->ptime != b->ptime || a->maxptime != b->maxptime || a->rtcp_port != b->rtcp_port ||
        !opt_eq(a->rtcp_addr, b->rtcp_addr) || a->rtcp_mux != b->rtcp_mux)
        return false;
    for (size_t i = 0; i < a->nfmts; i++)
        if (!sdp_format_equal(&a->fmts[i], &b->fmts[i]))
            return false;
    return conns_eq(a->conns, a->nconns, b->conns, b->nconns) &&
           bw_eq(a->bw, a->nbw, b->bw, b->nbw) &&
           attrs_eq(a->attrs, a->nattrs, b->attrs, b->nattrs) &&
           strs_eq(a->others, a->nothers, b->others, b->nothers);
}

static bool origin_eq(const parley_sdp_origin *a, const parley_sdp_origin *b, unsigned flags)
{
    return pl_str_eq(a->username, b->username) && pl_str_eq(a->sess_id, b->sess_id) &&
           ((flags & SDP_EQ_IGNORE_VERSION) || a->sess_version == b->sess_version) &&
           pl_str_eq(a->nettype, b->nettype) && pl_str_eq(a->addrtype, b->addrtype) &&
           pl_str_eq(a->address, b->address) && a->family == b->family;
}

static bool times_eq(const parley_sdp *a, const parley_sdp *b)
{
    if (a->ntimes != b->ntimes)
        return false;
    for (size_t i = 0; i < a->ntimes; i++) {
        const parley_sdp_time *x = &a->times[i], *y = &b->times[i];
        if (x->start != y->start || x->stop != y->stop ||
            !strs_eq(x->repeats, x->nrepeats, y->repeats, y->nrepeats))
            return false;
    }
    return true;
}

bool sdp_equal(const parley_sdp *a, const parley_sdp *b, unsigned flags)
{
    if (a->version != b->version || !origin_eq(&a->origin, &b->origin, flags) ||
        !pl_str_eq(a->name, b->name) || !opt_eq(a->info, b->info) || !opt_eq(a->uri, b->uri) ||
        !strs_eq(a->emails, a->nemails, b->emails, b->nemails) ||
        !strs_eq(a->phones, a->nphones, b->phones, b->nphones) ||
        (a->conn == NULL) != (b->conn == NULL) || (a->conn && !conn_eq(a->conn, b->conn)) ||
        !bw_eq(a->bw, a->nbw, b->bw, b->nbw) || !times_eq(a, b) || !opt_eq(a->zone, b->zone) ||
        !opt_eq(a->key, b->key) || !attrs_eq(a->attrs, a->nattrs, b->attrs, b->nattrs) ||
        !strs_eq(a->others, a->nothers, b->others, b->nothers) || a->dir != b->dir ||
        a->nmedia != b->nmedia)
        return false;
    for (size_t i = 0; i < a->nmedia; i++)
        if (!sdp_media_equal(&a->media[i], &b->media[i]))
            return false;
    return true;
}
