/* Writing our descriptions: the common head, m= sections from capabilities, offers. */
#include <stdio.h>

#include "parley/error.h"
#include "sdp/neg.h"

pl_str neg_cap_addr(const parley_sdp_neg *neg, const neg_cap *c)
{
    return pl_str_c(c->addr ? c->addr : neg->addr);
}

static void write_all(const parley_sdp_neg *neg, neg_body_fn body, void *ctx, uint64_t ver,
                      pl_buf *b)
{
    pl_buf_reset(b);
    sdp_w_head(b, pl_str_c(neg->user), neg->sess_id, ver, pl_str_c(neg->oaddr), pl_str_c(neg->addr),
               pl_str_c(neg->name));
    for (size_t i = 0; i < neg->nattrs; i++)
        sdp_w_attr_line(b, pl_str_c(neg->attrs[i]));
    body(neg, ctx, b);
}

int neg_write(parley_sdp_neg *neg, neg_body_fn body, void *ctx, pl_buf *text, uint64_t *version,
              parley_sdp **out)
{
    uint64_t v = neg->sent_version;
    pl_buf_init(text, neg->sent.len ? neg->sent.len + 64 : 1024);
    write_all(neg, body, ctx, v, text);
    /* RFC 3264 §8: the version goes up by one exactly when the content changes. */
    if (neg->sent_any && pl_buf_ok(text) &&
        !(text->len == neg->sent.len && memcmp(text->data, neg->sent.data, text->len) == 0)) {
        if (v == UINT64_MAX) {
            pl_buf_free(text);
            return PARLEY_E_LIMIT;
        }
        write_all(neg, body, ctx, ++v, text);
    }
    int rc = sdp_parse_built(text, out);
    if (rc) {
        pl_buf_free(text);
        return rc;
    }
    pl_buf_terminate(text);
    *version = v;
    return 0;
}

void neg_hand_out(parley_sdp_neg *neg, pl_buf *text, uint64_t version, const uint8_t **body,
                  size_t *len)
{
    pl_buf_free(&neg->sent);
    neg->sent = *text;
    neg->sent_version = version;
    neg->sent_any = true;
    if (body)
        *body = (const uint8_t *)neg->sent.data;
    if (len)
        *len = neg->sent.len;
}

static pl_str pt_str(int pt, char buf[8])
{
    snprintf(buf, 8, "%d", pt);
    return pl_str_c(buf);
}

static bool pt_taken(int pt, const int *pts, size_t n, const parley_sdp_media *prev,
                     const neg_codec *c)
{
    for (size_t i = 0; i < n; i++)
        if (pts[i] == pt)
            return true;
    if (prev) /* a number the stream used for another codec must keep its meaning */
        for (size_t i = 0; i < prev->nfmts; i++) {
            const parley_sdp_format *f = &prev->fmts[i];
            if (f->pt == pt && !sdp_codec_match(f->encoding, f->rate, f->channels,
                                                pl_str_c(c->name), c->rate, c->channels))
                return true;
        }
    return false;
}

/* Payload numbers: those the stream already used for the same codecs, else the configured
 * ones, else a free dynamic number. */
static void number_codecs(const neg_cap *c, const parley_sdp_media *prev, int *pts)
{
    for (size_t k = 0; k < c->ncodecs; k++) {
        const neg_codec *cc = &c->codecs[k];
        int pt = cc->pt;
        if (prev)
            for (size_t i = 0; i < prev->nfmts; i++) {
                const parley_sdp_format *f = &prev->fmts[i];
                if (f->pt >= 0 && sdp_codec_match(f->encoding, f->rate, f->channels,
                                                  pl_str_c(cc->name), cc->rate, cc->channels)) {
                    pt = f->pt;
                    break;
                }
            }
        if (pt_taken(pt, pts, k, prev, cc))
            for (pt = 96; pt < 128 && pt_taken(pt, pts, k, prev, cc); pt++)
                ;
        pts[k] = pt < 128 ? pt : cc->pt;
    }
}

void neg_write_cap(const parley_sdp_neg *neg, const neg_cap *c, const parley_sdp_media *prev,
                   pl_buf *b)
{
    int pts[64];
    char num[8];
    size_t n = c->ncodecs < 64 ? c->ncodecs : 64;
    number_codecs(c, prev, pts);
    sdp_w_mline(b, pl_str_c(c->media), c->port, pl_str_c(c->proto));
    for (size_t k = 0; k < n; k++)
        sdp_w_fmt(b, pt_str(pts[k], num));
    if (!n)
        sdp_w_fmt(b, pl_str_trim(pl_str_c(c->formats)));
    sdp_w_eol(b);
    pl_str addr = neg_cap_addr(neg, c);
    if (!pl_str_eq(addr, pl_str_c(neg->addr)))
        sdp_w_conn(b, addr);
    for (size_t k = 0; k < n; k++) {
        const neg_codec *cc = &c->codecs[k];
        char ch[12] = "";
        if (cc->channels)
            snprintf(ch, sizeof(ch), "%u", cc->channels);
        sdp_w_rtpmap(b, pt_str(pts[k], num), pl_str_c(cc->name), cc->rate, pl_str_c(ch));
        if (cc->fmtp)
            sdp_w_fmtp(b, pt_str(pts[k], num), pl_str_c(cc->fmtp));
    }
    if (c->ptime) {
        pl_buf_put(b, "a=ptime:", 8);
        pl_buf_put_u64(b, c->ptime);
        sdp_w_eol(b);
    }
    if (c->dir != PARLEY_SDP_DIR_UNSET && c->dir != PARLEY_SDP_SENDRECV)
        sdp_w_attr(b, pl_str_c(parley_sdp_dir_name(c->dir)), PL_STR_NULL);
    for (size_t i = 0; i < c->nattrs; i++)
        sdp_w_attr_line(b, pl_str_c(c->attrs[i]));
}

void neg_write_rejected(const parley_sdp_media *m, pl_buf *b)
{
    sdp_w_mline(b, m->media, 0, m->proto);
    for (size_t i = 0; i < m->nfmts; i++)
        sdp_w_fmt(b, m->fmts[i].fmt);
    sdp_w_eol(b);
    for (size_t i = 0; i < m->nfmts; i++) {
        const parley_sdp_format *f = &m->fmts[i];
        if (f->pt >= 0 && f->encoding.len && f->rate)
            sdp_w_rtpmap(b, f->fmt, f->encoding, f->rate, f->enc_params);
    }
}

typedef struct offer_plan {
    unsigned n;
    int cap[PARLEY_SDP_MAX_STREAMS];
} offer_plan;

static bool is_bound(const offer_plan *p, int k)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->cap[i] == k)
            return true;
    return false;
}

/* Every m= line of the session stays in place; removed streams get port 0; streams to add
 * take new lines at the end (or a free line when the session is full, RFC 3264 §8.1). */
static int plan_offer(const parley_sdp_neg *neg, offer_plan *p)
{
    p->n = neg->cur.nslots;
    for (unsigned i = 0; i < p->n; i++) {
        int k = neg->cur.cap[i];
        p->cap[i] = (k >= 0 && neg->caps[k].removed) ? -1 : k;
    }
    for (size_t k = 0; k < neg->ncaps; k++) {
        const neg_cap *c = &neg->caps[k];
        if (!c->want_offer || c->removed || (c->flags & PARLEY_SDP_STREAM_ANSWER_ONLY) ||
            is_bound(p, (int)k))
            continue;
        unsigned slot = p->n;
        if (slot == PARLEY_SDP_MAX_STREAMS)
            for (slot = 0; slot < p->n && p->cap[slot] >= 0; slot++)
                ;
        if (slot == PARLEY_SDP_MAX_STREAMS)
            return PARLEY_E_LIMIT;
        p->cap[slot] = (int)k;
        if (slot == p->n)
            p->n++;
    }
    return 0;
}

static void offer_body(const parley_sdp_neg *neg, void *ctx, pl_buf *b)
{
    const offer_plan *p = ctx;
    const neg_session *cur = &neg->cur;
    for (unsigned i = 0; i < p->n; i++) {
        int k = p->cap[i];
        const parley_sdp_media *prev = i < cur->nslots ? &cur->local->media[i] : NULL;
        if (k >= 0)
            neg_write_cap(neg, &neg->caps[k], prev && cur->cap[i] == k ? prev : NULL, b);
        else
            neg_write_rejected(prev, b);
    }
}

int parley_sdp_neg_offer(parley_sdp_neg *neg, const uint8_t **body, size_t *len)
{
    if (!neg)
        return PARLEY_E_INVAL;
    offer_plan plan;
    int rc = plan_offer(neg, &plan);
    if (rc)
        return rc;
    pl_buf text;
    uint64_t version;
    parley_sdp *offer;
    rc = neg_write(neg, offer_body, &plan, &text, &version, &offer);
    if (rc)
        return rc;
    parley_sdp_free(neg->pending);
    neg->pending = offer;
    for (unsigned i = 0; i < plan.n; i++)
        neg->pending_cap[i] = plan.cap[i];
    neg_hand_out(neg, &text, version, body, len);
    return 0;
}
