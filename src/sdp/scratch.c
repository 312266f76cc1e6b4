/* The model made on the stack, and its move into a description block of the exact size. */
#include "parley/error.h"
#include "sdp/parse_int.h"

void sdp_scratch_init(sdp_scratch *sc)
{
    memset(&sc->st, 0, offsetof(sdp_pstate, pt_index));
    memset(&sc->pub, 0, sizeof(sc->pub));
    memset(&sc->time, 0, sizeof(sc->time));
    sc->st.s = &sc->pub;
    sc->st.media = sc->media;
    sc->st.fmts = sc->fmts;
    sc->st.attrs = sc->attrs;
    sc->st.conns = sc->conns;
    sc->st.times = &sc->time;
    sc->pub.times = &sc->time;
    sc->pub.media = sc->media;
    sc->pub.attrs = sc->attrs;
}

/* The model moved into its block: arrays copied, slices moved from text to the copy. */
#define MOVE(x, from, to) ((x) = (to) + ((x) - (from)))

static void rebase(pl_str *s, const char *text, size_t len, ptrdiff_t delta)
{
    if ((uintptr_t)s->p - (uintptr_t)text <= len) /* NULL and static names stay */
        s->p += delta;
}

int sdp_scratch_settle(sdp_scratch *f, const char *text, size_t len, parley_sdp **out)
{
    sdp_pstate *st = &f->st;
    parley_sdp *pub = &f->pub;
    sdp_lines c;
    memset(&c, 0, offsetof(sdp_lines, line));
    c.n[SDP_N_MEDIA] = pub->nmedia;
    c.fmts = st->nfmts;
    c.n[SDP_N_ATTRS] = st->nattrs;
    c.n[SDP_N_CONNS] = st->nconns;
    c.n[SDP_N_TIMES] = pub->ntimes;
    sdp_pstate to;
    sdp_doc *d = sdp_doc_new(text, len, &c, &to);
    if (!d)
        return PARLEY_E_NOMEM;
    ptrdiff_t delta = d->data.p - text;
    parley_sdp *s = &d->pub;
    *s = *pub;
    memcpy(to.media, f->media, pub->nmedia * sizeof(*to.media));
    memcpy(to.fmts, f->fmts, st->nfmts * sizeof(*to.fmts));
    memcpy(to.attrs, f->attrs, st->nattrs * sizeof(*to.attrs));
    memcpy(to.conns, f->conns, st->nconns * sizeof(*to.conns));
    s->media = to.media;
    s->attrs = to.attrs;
    s->bw = to.bw;
    s->others = to.others;
    if (pub->ntimes) {
        to.times[0] = f->time;
        to.times[0].repeats = to.reps;
        s->times = to.times;
    } else {
        s->times = &sdp_permanent; /* the implied t=0 0 */
        s->ntimes = 1;
    }
    if (s->conn)
        MOVE(s->conn, f->conns, to.conns);
    parley_sdp_origin *o = &s->origin;
    rebase(&o->username, text, len, delta);
    rebase(&o->sess_id, text, len, delta);
    rebase(&o->nettype, text, len, delta);
    rebase(&o->addrtype, text, len, delta);
    rebase(&o->address, text, len, delta);
    rebase(&s->name, text, len, delta);
    for (size_t i = 0; i < s->nmedia; i++) {
        parley_sdp_media *m = &to.media[i];
        MOVE(m->fmts, f->fmts, to.fmts);
        MOVE(m->attrs, f->attrs, to.attrs);
        MOVE(m->conns, f->conns, to.conns);
        m->bw = to.bw;
        m->others = to.others;
        rebase(&m->media, text, len, delta);
        rebase(&m->proto, text, len, delta);
        rebase(&m->rtcp_addr, text, len, delta);
    }
    for (size_t i = 0; i < st->nfmts; i++) {
        parley_sdp_format *fm = &to.fmts[i];
        rebase(&fm->fmt, text, len, delta);
        rebase(&fm->encoding, text, len, delta);
        rebase(&fm->enc_params, text, len, delta);
        rebase(&fm->fmtp, text, len, delta);
    }
    for (size_t i = 0; i < st->nattrs; i++) {
        rebase(&to.attrs[i].name, text, len, delta);
        rebase(&to.attrs[i].value, text, len, delta);
    }
    for (size_t i = 0; i < st->nconns; i++) {
        rebase(&to.conns[i].nettype, text, len, delta);
        rebase(&to.conns[i].addrtype, text, len, delta);
        rebase(&to.conns[i].address, text, len, delta);
    }
    *out = s;
    return 0;
}
