/* parley_sdp_build() and parley_sdp_bump_origin(). */
#include "parley/error.h"
#include "sdp/sdp.h"

static void write_stream(pl_buf *b, const parley_sdp_stream_cfg *st, pl_str session_addr)
{
    pl_str proto = st->proto ? pl_str_c(st->proto) : PL_STR_LIT("RTP/AVP");
    sdp_w_mline(b, pl_str_c(st->media), st->port, proto);
    char num[20], ch[20];
    if (st->ncodecs) {
        for (size_t i = 0; i < st->ncodecs; i++) /* 0-127: checked */
            sdp_w_fmt(b, pl_str_make(num, sdp_u64_str(num, (unsigned)st->codecs[i].pt)));
    } else {
        sdp_w_fmt(b, pl_str_trim(pl_str_c(st->formats)));
    }
    sdp_w_eol(b);
    if (st->addr && !pl_str_eq(pl_str_c(st->addr), session_addr))
        sdp_w_conn(b, pl_str_c(st->addr));
    for (size_t i = 0; i < st->ncodecs; i++) {
        const parley_sdp_codec *c = &st->codecs[i];
        pl_str pt = pl_str_make(num, sdp_u64_str(num, (unsigned)c->pt));
        pl_str chs = pl_str_make(ch, c->channels ? sdp_u64_str(ch, c->channels) : 0);
        if (c->name)
            sdp_w_rtpmap(b, pt, pl_str_c(c->name), c->rate, chs);
        if (c->fmtp)
            sdp_w_fmtp(b, pt, pl_str_c(c->fmtp));
    }
    if (st->ptime) {
        pl_buf_put(b, "a=ptime:", 8);
        pl_buf_put_u64(b, st->ptime);
        sdp_w_eol(b);
    }
    if (st->dir != PARLEY_SDP_DIR_UNSET)
        sdp_w_attr(b, pl_str_c(parley_sdp_dir_name(st->dir)), PL_STR_NULL);
    for (size_t i = 0; i < st->nattrs; i++)
        sdp_w_attr_line(b, pl_str_c(st->attrs[i]));
}

int parley_sdp_build(const parley_sdp_cfg *cfg, parley_sdp **out)
{
    if (!out)
        return PARLEY_E_INVAL;
    *out = NULL;
    if (!sdp_cfg_fields_ok(cfg))
        return PARLEY_E_INVAL;
    pl_buf b;
    pl_buf_init(&b, 512);
    pl_str addr = pl_str_c(cfg->addr);
    sdp_w_head(&b, pl_str_c(cfg->user ? cfg->user : "-"), cfg->sess_id, cfg->sess_version, addr,
               addr, pl_str_c(cfg->name ? cfg->name : "-"));
    for (size_t i = 0; i < cfg->nattrs; i++)
        sdp_w_attr_line(&b, pl_str_c(cfg->attrs[i]));
    for (size_t i = 0; i < cfg->nstreams; i++)
        write_stream(&b, &cfg->streams[i], addr);
    int rc = sdp_parse_built(&b, out);
    pl_buf_free(&b);
    return rc;
}

int parley_sdp_bump_origin(parley_sdp *next, const parley_sdp *prev, int *bumped)
{
    if (bumped)
        *bumped = 0;
    if (!next || !prev)
        return PARLEY_E_INVAL;
    const parley_sdp_origin *a = &next->origin, *b = &prev->origin;
    if (!pl_str_eq(a->username, b->username) || !pl_str_eq(a->sess_id, b->sess_id) ||
        !pl_str_casecmp_eq(a->nettype, b->nettype) ||
        !pl_str_casecmp_eq(a->addrtype, b->addrtype) || !pl_str_eq(a->address, b->address))
        return PARLEY_E_INVAL;
    if (sdp_equal(next, prev, SDP_EQ_IGNORE_VERSION)) {
        next->origin.sess_version = prev->origin.sess_version;
        return 0;
    }
    if (prev->origin.sess_version == UINT64_MAX)
        return PARLEY_E_INVAL;
    next->origin.sess_version = prev->origin.sess_version + 1;
    if (bumped)
        *bumped = 1;
    return 0;
}
