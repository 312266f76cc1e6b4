/* Writing our offers: m= sections from capabilities, the offer's plan. */
#include "parley/error.h"
#include "sdp/neg.h"

pl_str neg_cap_addr(const parley_sdp_neg *neg, const neg_cap *c)
{
    return c->addr.p ? c->addr : neg->addr;
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
            if (f->pt == pt &&
                !sdp_codec_match(f->encoding, f->rate, f->channels, c->name, c->rate, c->channels))
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
                if (f->pt >= 0 && sdp_codec_match(f->encoding, f->rate, f->channels, cc->name,
                                                  cc->rate, cc->channels)) {
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
                   parley_sdp_dir dir, emit *e)
{
    int pts[64];
    char num[64][20];
    pl_str fmt[64];
    size_t n = c->ncodecs < 64 ? c->ncodecs : 64;
    number_codecs(c, prev, pts);
    emit_mline(e, c->media, c->port, c->proto, c->rtp);
    for (size_t k = 0; k < n; k++) {
        fmt[k] = pl_str_make(num[k], sdp_u64_str(num[k], (unsigned)pts[k]));
        emit_fmt(e, fmt[k], c->rtp ? pts[k] : -1);
    }
    if (!n)
        emit_fmts(e, c->formats, c->nformats);
    emit_mline_end(e);
    pl_str addr = neg_cap_addr(neg, c);
    if (!pl_str_eq(addr, neg->addr))
        emit_conn(e, addr);
    for (size_t k = 0; k < n; k++) {
        const neg_codec *cc = &c->codecs[k];
        int pt = c->rtp ? pts[k] : -1;
        emit_rtpmap_ch(e, fmt[k], pt, cc->name, cc->rate, cc->channels);
        if (cc->fmtp.p)
            emit_fmtp(e, fmt[k], pt, cc->fmtp);
    }
    if (c->ptime)
        emit_ptime(e, c->ptime);
    if (dir != PARLEY_SDP_DIR_UNSET && dir != PARLEY_SDP_SENDRECV)
        emit_dir(e, dir);
    for (size_t i = 0; i < c->nattrs; i++)
        emit_attr(e, c->attrs[i]);
}

void neg_write_rejected(const parley_sdp_media *m, emit *e)
{
    bool rtp = sdp_proto_is_rtp(m->proto);
    emit_mline(e, m->media, 0, m->proto, rtp);
    for (size_t i = 0; i < m->nfmts; i++)
        emit_fmt(e, m->fmts[i].fmt, m->fmts[i].pt);
    emit_mline_end(e);
    for (size_t i = 0; i < m->nfmts; i++) {
        const parley_sdp_format *f = &m->fmts[i];
        if (f->pt >= 0 && f->encoding.len && f->rate)
            emit_rtpmap(e, f->fmt, f->pt, f->encoding, f->rate, f->enc_params);
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
        p->cap[i] = (k >= 0 && (neg->removed >> k & 1)) ? -1 : k;
    }
    for (size_t k = 0; k < neg->ncaps; k++) {
        const neg_cap *c = &neg->caps[k];
        if (!(neg->want_offer >> k & 1) || (neg->removed >> k & 1) ||
            (c->flags & PARLEY_SDP_STREAM_ANSWER_ONLY) || is_bound(p, (int)k))
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

static void offer_body(const parley_sdp_neg *neg, void *ctx, emit *e)
{
    const offer_plan *p = ctx;
    const neg_session *cur = &neg->cur;
    for (unsigned i = 0; i < p->n; i++) {
        int k = p->cap[i];
        const parley_sdp_media *prev = i < cur->nslots ? &cur->local->media[i] : NULL;
        if (k >= 0) {
            const neg_cap *c = &neg->caps[k];
            bool same = prev && cur->cap[i] == k;
            /* holding a line the peer holds: inactive, not sendonly (RFC 3264 §8.4) */
            parley_sdp_dir dir =
                c->dir == PARLEY_SDP_SENDONLY && same && (cur->remote_holds >> i & 1)
                    ? PARLEY_SDP_INACTIVE
                    : c->dir;
            neg_write_cap(neg, c, same ? prev : NULL, dir, e);
        } else
            neg_write_rejected(prev, e);
    }
}

int parley_sdp_neg_offer(parley_sdp_neg *neg, const uint8_t **body, size_t *len)
{
    if (!neg)
        return PARLEY_E_INVAL;
    offer_plan plan;
    int rc = neg_cur_load(neg); /* a re-offer keeps the session's lines */
    if (!rc)
        rc = plan_offer(neg, &plan);
    if (rc)
        return rc;
    uint64_t version;
    neg_out out = {0};
    rc = neg_write(neg, offer_body, &plan, &version, &out);
    if (rc)
        return rc;
    parley_sdp *offer = out.doc;
    neg_drop(neg, neg->pending);
    neg->pending = offer;
    neg->reanswer = false; /* pending_cap is this offer's now */
    for (unsigned i = 0; i < plan.n; i++)
        neg->pending_cap[i] = (int8_t)plan.cap[i];
    neg_hand_out(neg, sdp_doc_of(offer)->data, version, body, len);
    return 0;
}
