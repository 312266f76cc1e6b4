/* parley_sdp_build() and parley_sdp_bump_origin(). */
#include <stdio.h>

#include "parley/error.h"
#include "sdp/sdp.h"

/* A value that fits in one field: no blank, no line break, not empty. */
static bool is_word(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

static bool is_line_text(const char *s)
{
    return s && sdp_is_text(pl_str_c(s));
}

static bool attrs_ok(const char *const *attrs, size_t n)
{
    if (n && !attrs)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_line_text(attrs[i]) || !*attrs[i])
            return false;
    return true;
}

static bool stream_ok(const parley_sdp_stream_cfg *st)
{
    if (!is_word(st->media) || (st->proto && !is_word(st->proto)) ||
        (st->addr && !is_word(st->addr)) || (st->ncodecs && !st->codecs) ||
        st->dir > PARLEY_SDP_INACTIVE || !attrs_ok(st->attrs, st->nattrs))
        return false;
    if (!st->ncodecs)
        return is_line_text(st->formats) && pl_str_trim(pl_str_c(st->formats)).len;
    for (size_t i = 0; i < st->ncodecs; i++) {
        const parley_sdp_codec *c = &st->codecs[i];
        if (c->pt < 0 || c->pt > 127 || (c->name && (!is_word(c->name) || !c->rate)) ||
            (c->fmtp && !is_line_text(c->fmtp)))
            return false;
    }
    return true;
}

static void write_stream(pl_buf *b, const parley_sdp_stream_cfg *st, pl_str session_addr)
{
    pl_str proto = st->proto ? pl_str_c(st->proto) : PL_STR_LIT("RTP/AVP");
    sdp_w_mline(b, pl_str_c(st->media), st->port, proto);
    char num[8];
    if (st->ncodecs) {
        for (size_t i = 0; i < st->ncodecs; i++) {
            snprintf(num, sizeof(num), "%d", st->codecs[i].pt);
            sdp_w_fmt(b, pl_str_c(num));
        }
    } else {
        sdp_w_fmt(b, pl_str_trim(pl_str_c(st->formats)));
    }
    sdp_w_eol(b);
    if (st->addr && !pl_str_eq(pl_str_c(st->addr), session_addr))
        sdp_w_conn(b, pl_str_c(st->addr));
    for (size_t i = 0; i < st->ncodecs; i++) {
        const parley_sdp_codec *c = &st->codecs[i];
        snprintf(num, sizeof(num), "%d", c->pt);
        char ch[12] = "";
        if (c->channels)
            snprintf(ch, sizeof(ch), "%u", c->channels);
        if (c->name)
            sdp_w_rtpmap(b, pl_str_c(num), pl_str_c(c->name), c->rate, pl_str_c(ch));
        if (c->fmtp)
            sdp_w_fmtp(b, pl_str_c(num), pl_str_c(c->fmtp));
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
    if (!cfg || !is_word(cfg->addr) || (cfg->user && !is_word(cfg->user)) ||
        (cfg->name && !is_line_text(cfg->name)) || !attrs_ok(cfg->attrs, cfg->nattrs) ||
        (cfg->nstreams && !cfg->streams))
        return PARLEY_E_INVAL;
    for (size_t i = 0; i < cfg->nstreams; i++)
        if (!stream_ok(&cfg->streams[i]))
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
