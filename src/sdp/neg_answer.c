/*
 * Answering offers and checking answers (RFC 3264 §6, §7, §8).
 *
 * Answer rules: for each offered m= line in order, the stream bound to it (on a re-offer) or
 * the first free local stream of the same media type and protocol that has a codec in common
 * answers it; the answer lists the offered formats it supports in the offerer's order with the
 * offerer's payload numbers; the direction mirrors the offer's, limited by ours. A stream whose
 * only common formats carry no media (telephone-event, CN, RED, FEC, RTX) is rejected unless
 * the offer had nothing else. Every other line is rejected with port 0, in place.
 */
#include "parley/error.h"
#include "core/alloc.h"
#include "sdp/neg.h"

bool neg_codec_match(const neg_codec *c, const parley_sdp_format *f)
{
    /* sdp_codec_match(), cheapest test first; names mostly come in the same case */
    if (f->pt < 0 || f->rate != c->rate ||
        (f->channels ? f->channels : 1) != (c->channels ? c->channels : 1) ||
        f->encoding.len != c->name.len || !f->encoding.len ||
        (memcmp(f->encoding.p, c->name.p, c->name.len) != 0 &&
         !pl_str_casecmp_eq(f->encoding, c->name)))
        return false;
    /* H.264 streams only interoperate with the same packetization mode. */
    return c->h264_mode < 0 || neg_h264_mode(f->fmtp) == c->h264_mode;
}

static const neg_codec *find_codec(const neg_cap *c, const parley_sdp_format *f)
{
    if (f->pt < 0 || !f->encoding.len)
        return NULL;
    for (size_t k = 0; k < c->ncodecs; k++)
        if (neg_codec_match(&c->codecs[k], f))
            return &c->codecs[k];
    return NULL;
}

static bool in_list(pl_str list, pl_str fmt)
{
    const char *p = list.p, *e = list.p + list.len;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        const char *s = p;
        while (p < e && *p != ' ' && *p != '\t')
            p++;
        if (s == p)
            return false;
        if (pl_str_eq(pl_str_span(s, p), fmt))
            return true;
    }
}

/* TAKEN_LIST: a non-RTP format the stream lists; else 1 + the index of the local codec. */
enum { TAKEN_NONE = 0, TAKEN_LIST = 255 };

/* What of c takes offered format f. */
static uint8_t takes_format(const neg_cap *c, bool rtp, const parley_sdp_format *f)
{
    if (rtp) {
        const neg_codec *cc = find_codec(c, f);
        return cc ? (uint8_t)(1 + (cc - c->codecs)) : TAKEN_NONE;
    }
    return !c->ncodecs && c->formats.p && in_list(c->formats, f->fmt) ? TAKEN_LIST : TAKEN_NONE;
}

/* Whether c can answer m; taken[] receives what takes each format (a line has at most 256). */
static bool cap_accepts(const parley_sdp_neg *neg, int k, const parley_sdp_media *m, uint8_t *taken)
{
    const neg_cap *c = &neg->caps[k];
    if ((neg->removed >> k & 1) || !c->port || !pl_str_casecmp_eq(m->media, c->media) ||
        !pl_str_casecmp_eq(m->proto, c->proto))
        return false;
    bool rtp = sdp_proto_is_rtp(m->proto); /* as written in the offer ("RTP" is case-sensitive) */
    bool real_offered = false, real_taken = false, any = false;
    for (size_t i = 0; i < m->nfmts; i++) {
        const parley_sdp_format *f = &m->fmts[i];
        bool aux = rtp && sdp_codec_is_aux(f->encoding);
        real_offered |= !aux;
        if ((taken[i] = takes_format(c, rtp, f)) != TAKEN_NONE) {
            any = true;
            real_taken |= !aux;
        }
    }
    return any && (real_taken || !real_offered);
}

typedef struct answer_plan {
    const parley_sdp *offer;
    int cap[PARLEY_SDP_MAX_STREAMS];
    uint8_t taken[PARLEY_SDP_MAX_STREAMS][256]; /* of the line's capability, per format */
} answer_plan;

static bool cap_taken(const parley_sdp_neg *neg, const answer_plan *p, unsigned line, int k)
{
    for (unsigned i = 0; i < line; i++)
        if (p->cap[i] == k)
            return true;
    /* bound to a later line that stays active */
    for (unsigned j = line + 1; j < neg->cur.nslots && j < p->offer->nmedia; j++)
        if (neg->cur.cap[j] == k && p->offer->media[j].port)
            return true;
    return false;
}

static int plan_answer(const parley_sdp_neg *neg, answer_plan *p)
{
    const parley_sdp *o = p->offer;
    const neg_session *cur = &neg->cur;
    if (o->nmedia > PARLEY_SDP_MAX_STREAMS)
        return PARLEY_E_LIMIT;
    if (cur->local && o->nmedia < cur->nslots)
        return PARLEY_E_UNUSABLE; /* RFC 3264 §8: m= lines are never removed */
    bool offered = false, accepted = false;
    for (unsigned i = 0; i < o->nmedia; i++) {
        const parley_sdp_media *m = &o->media[i];
        p->cap[i] = -1;
        if (cur->local && i < cur->nslots && m->port && cur->local->media[i].port &&
            cur->remote->media[i].port && !pl_str_casecmp_eq(m->media, cur->remote->media[i].media))
            return PARLEY_E_UNUSABLE; /* an active line cannot change its media type */
        if (!m->port)
            continue;
        offered = true;
        int prev = cur->local && i < cur->nslots ? cur->cap[i] : -1;
        if (prev >= 0 && cap_accepts(neg, prev, m, p->taken[i])) {
            p->cap[i] = prev;
        } else {
            for (size_t k = 0; k < neg->ncaps; k++)
                if (!cap_taken(neg, p, i, (int)k) && cap_accepts(neg, (int)k, m, p->taken[i])) {
                    p->cap[i] = (int)k;
                    break;
                }
        }
        accepted |= p->cap[i] >= 0;
    }
    return offered && !accepted ? PARLEY_E_UNSUPPORTED : 0;
}

/* RFC 3264 §6.1: the answer mirrors the offer's direction, limited by what we want. */
static parley_sdp_dir answer_dir(parley_sdp_dir offer, parley_sdp_dir want)
{
    bool send = neg_dir_recv(offer) && neg_dir_send(want);
    bool recv = neg_dir_send(offer) && neg_dir_recv(want);
    return send && recv ? PARLEY_SDP_SENDRECV
           : send       ? PARLEY_SDP_SENDONLY
           : recv       ? PARLEY_SDP_RECVONLY
                        : PARLEY_SDP_INACTIVE;
}

static void write_accepted(const parley_sdp_neg *neg, const neg_cap *c, const parley_sdp_media *m,
                           const uint8_t *taken, emit *e)
{
    bool rtp = sdp_proto_is_rtp(m->proto);
    size_t n = m->nfmts;
    emit_mline(e, m->media, c->port, m->proto, rtp);
    for (size_t i = 0; i < n; i++)
        if (taken[i] != TAKEN_NONE)
            emit_fmt(e, m->fmts[i].fmt, m->fmts[i].pt);
    emit_mline_end(e);
    pl_str addr = neg_cap_addr(neg, c);
    if (!pl_str_eq(addr, neg->addr))
        emit_conn(e, addr);
    for (size_t i = 0; rtp && i < n; i++) {
        const parley_sdp_format *f = &m->fmts[i];
        if (taken[i] == TAKEN_NONE)
            continue;
        const neg_codec *cc = &c->codecs[taken[i] - 1];
        emit_rtpmap(e, f->fmt, f->pt, f->encoding, f->rate, f->enc_params);
        if (cc->fmtp.p)
            emit_fmtp(e, f->fmt, f->pt, cc->fmtp);
    }
    if (c->ptime)
        emit_ptime(e, c->ptime);
    parley_sdp_dir d = answer_dir(m->dir, c->dir);
    if (d != PARLEY_SDP_SENDRECV)
        emit_dir(e, d);
    for (size_t i = 0; i < c->nattrs; i++)
        emit_attr(e, c->attrs[i]);
}

static void answer_body(const parley_sdp_neg *neg, void *ctx, emit *e)
{
    const answer_plan *p = ctx;
    for (unsigned i = 0; i < p->offer->nmedia; i++) {
        const parley_sdp_media *m = &p->offer->media[i];
        if (p->cap[i] >= 0)
            write_accepted(neg, &neg->caps[p->cap[i]], m, p->taken[i], e);
        else
            neg_write_rejected(m, e);
    }
}

/* The peer's description text[0..len): with sc, the usual one's model left in sc (see
 * sdp_doc_parse_scratch()), else a block. */
static int parse_peer(const void *text, size_t len, sdp_scratch *sc, parley_sdp **out)
{
    if (!text && len)
        return PARLEY_E_INVAL;
    if (!text)
        text = "";
    return sc ? sdp_doc_parse_scratch(text, len, sc, out)
              : sdp_doc_parse(text, len, NULL, out, NULL);
}

/* What an answer works with: the offer's model and ours, on the stack when they fit. */
typedef struct answer_work {
    sdp_scratch offer_sc, answer_sc;
    char room[4096]; /* the answer's text as written (answer_sc's slices) */
    parley_sdp *o;   /* &offer_sc.pub, or a block */
    pl_str offer_text;
    neg_out out;
} answer_work;

static void work_free(answer_work *w)
{
    if (w->o != &w->offer_sc.pub)
        parley_sdp_free(w->o);
    if (w->out.block)
        pl_free(w->out.block);
    else if (w->out.doc)
        parley_sdp_free(w->out.doc);
}

/*
 * Writes the answer. The usual one is made without a description block: its model on the stack,
 * its text at the start of the block the session keeps, with room for the offer's text after it
 * (keep_as_text()). One that does not fit the stack's arrays is made the general way, the
 * offer's model then moved into a block of its own too.
 */
static int write_answer(parley_sdp_neg *neg, answer_plan *plan, answer_work *w, uint64_t *version)
{
    w->out.sc = &w->answer_sc;
    w->out.room = w->room;
    w->out.room_size = sizeof(w->room);
    w->out.extra = w->offer_text.len + 1;
    int rc = neg_write(neg, answer_body, plan, version, &w->out);
    if (rc != 1)
        return rc;
    w->out.sc = NULL;
    if (w->o == &w->offer_sc.pub) {
        parley_sdp *o;
        if (sdp_scratch_settle(&w->offer_sc, w->offer_text.p, w->offer_text.len, &o))
            return PARLEY_E_NOMEM;
        w->o = o;
        plan->offer = o;
    }
    return neg_write(neg, answer_body, plan, version, &w->out);
}

int parley_sdp_neg_answer(parley_sdp_neg *neg, const void *offer, size_t len, const uint8_t **body,
                          size_t *outlen, parley_sdp_changes *changes)
{
    if (!neg)
        return PARLEY_E_INVAL;
    int rc = neg_cur_load(neg); /* a re-offer is answered against the session */
    if (rc)
        return rc;
    /* Glare or a re-offer after ours failed: our pending offer is moot either way. */
    neg_drop(neg, neg->pending);
    neg->pending = NULL;
    answer_plan plan;
    answer_work w; /* about 25 KiB: the loop thread's stack has room */
    w.offer_text = pl_str_make(offer ? offer : "", len);
    memset(&w.out, 0, sizeof(w.out));
    rc = parse_peer(offer, len, &w.offer_sc, &w.o);
    if (rc)
        return rc;
    plan.offer = w.o;
    uint64_t version;
    rc = plan_answer(neg, &plan);
    if (!rc)
        rc = write_answer(neg, &plan, &w, &version);
    if (rc) {
        work_free(&w);
        return rc;
    }
    const parley_sdp *o = w.o;
    neg_session next = {
        .local = w.out.doc, .remote = w.o, .local_offered = false, .nslots = o->nmedia};
    if (w.out.block) {
        next.on_stack = true;
        next.text = w.out.block;
        next.local_text = w.out.text;
        next.remote_text = w.offer_text;
    }
    for (unsigned i = 0; i < o->nmedia; i++) {
        next.cap[i] = (int8_t)plan.cap[i];
        if (plan.cap[i] >= 0)
            neg->want_offer &= ~((uint32_t)1 << plan.cap[i]);
    }
    neg_commit(neg, &next, changes);
    if (w.out.block && w.o != &w.offer_sc.pub)
        parley_sdp_free(w.o); /* an offer read the general way: its text is kept, not it */
    neg_hand_out(neg, neg->cur.local_text, version, body, outlen);
    return 0;
}

/* An answer's RTP format is one we offered: the same number for the same codec, or another
 * number for an offered codec (RFC 4317 §2.3). */
static bool answered_format_ok(const parley_sdp_media *o, const parley_sdp_format *fa)
{
    for (size_t i = 0; i < o->nfmts; i++) {
        const parley_sdp_format *fo = &o->fmts[i];
        if (fo->pt == fa->pt)
            return !fa->has_rtpmap || !fo->encoding.len ||
                   sdp_codec_match(fa->encoding, fa->rate, fa->channels, fo->encoding, fo->rate,
                                   fo->channels);
    }
    if (!fa->has_rtpmap)
        return false;
    for (size_t i = 0; i < o->nfmts; i++) {
        const parley_sdp_format *fo = &o->fmts[i];
        if (sdp_codec_match(fa->encoding, fa->rate, fa->channels, fo->encoding, fo->rate,
                            fo->channels))
            return true;
    }
    return false;
}

static int check_answer(const parley_sdp *offer, const parley_sdp *answer)
{
    if (answer->nmedia != offer->nmedia)
        return PARLEY_E_UNUSABLE;
    for (size_t i = 0; i < offer->nmedia; i++) {
        const parley_sdp_media *o = &offer->media[i], *a = &answer->media[i];
        if (!pl_str_casecmp_eq(o->media, a->media))
            return PARLEY_E_UNUSABLE;
        if (!a->port)
            continue;
        if (!o->port || !pl_str_casecmp_eq(o->proto, a->proto))
            return PARLEY_E_UNUSABLE;
        bool rtp = sdp_proto_is_rtp(o->proto);
        for (size_t k = 0; k < a->nfmts; k++) {
            const parley_sdp_format *fa = &a->fmts[k];
            bool ok = false;
            if (rtp) {
                ok = answered_format_ok(o, fa);
            } else {
                for (size_t j = 0; j < o->nfmts && !ok; j++)
                    ok = pl_str_eq(o->fmts[j].fmt, fa->fmt);
            }
            if (!ok)
                return PARLEY_E_UNUSABLE;
        }
    }
    return 0;
}

int parley_sdp_neg_set_answer(parley_sdp_neg *neg, const void *answer, size_t len,
                              parley_sdp_changes *changes)
{
    if (!neg)
        return PARLEY_E_INVAL;
    if (!neg->pending) {
        if (!neg->reanswer)
            return PARLEY_E_STATE;
        /* another fork's answer to the offer the session was answered for (a forked INVITE:
         * each 2xx is a dialog, and the session goes with the one answered last): the offer
         * again, from the text we sent, with its capabilities still in pending_cap */
        int rc = neg_cur_load(neg);
        if (!rc)
            rc = sdp_doc_parse(neg->cur.local_text.p, neg->cur.local_text.len, NULL, &neg->pending,
                               NULL);
        if (rc)
            return rc;
    }
    parley_sdp *offer = neg->pending, *a = NULL;
    neg->pending = NULL;
    int rc = neg_cur_load(neg); /* the changes are reported against the session */
    if (!rc)
        rc = parse_peer(answer, len, NULL, &a);
    if (!rc && (rc = check_answer(offer, a)) != 0)
        parley_sdp_free(a);
    if (rc) {
        neg_drop(neg, offer);
        return rc;
    }
    neg_session next = {
        .local = offer, .remote = a, .local_offered = true, .nslots = offer->nmedia};
    for (unsigned i = 0; i < offer->nmedia; i++) {
        int k = neg->pending_cap[i];
        next.cap[i] = (int8_t)(offer->media[i].port && a->media[i].port ? k : -1);
        if (k >= 0)
            neg->want_offer &= ~((uint32_t)1 << k);
    }
    neg_commit(neg, &next, changes);
    neg->reanswer = true;
    return 0;
}
