/* The negotiator's life cycle, local changes and queries. */
#include <stdatomic.h>
#include <time.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "sdp/neg.h"

static char *dupz(const char *s)
{
    return s ? pl_str_dup(pl_str_c(s)) : NULL;
}

static void cap_free(neg_cap *c)
{
    pl_free(c->media);
    pl_free(c->proto);
    pl_free(c->addr);
    for (size_t i = 0; i < c->ncodecs; i++) {
        pl_free(c->codecs[i].name);
        pl_free(c->codecs[i].fmtp);
    }
    pl_free(c->codecs);
    pl_free(c->formats);
    for (size_t i = 0; i < c->nattrs; i++)
        pl_free(c->attrs[i]);
    pl_free(c->attrs);
    memset(c, 0, sizeof(*c));
}

static char **dup_lines(const char *const *lines, size_t n)
{
    char **r = pl_calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; r && i < n; i++)
        if (!(r[i] = dupz(lines[i]))) {
            while (i--)
                pl_free(r[i]);
            pl_free(r);
            return NULL;
        }
    return r;
}

static int cap_copy(neg_cap *c, const parley_sdp_stream_cfg *s)
{
    memset(c, 0, sizeof(*c));
    c->port = s->port;
    c->dir = s->dir;
    c->ptime = s->ptime;
    c->flags = s->flags;
    c->want_offer = !(s->flags & PARLEY_SDP_STREAM_ANSWER_ONLY);
    c->media = dupz(s->media);
    c->proto = dupz(s->proto ? s->proto : "RTP/AVP");
    c->addr = dupz(s->addr);
    c->formats = dupz(s->formats);
    c->attrs = dup_lines(s->attrs, s->nattrs);
    c->codecs = pl_calloc(s->ncodecs ? s->ncodecs : 1, sizeof(neg_codec));
    bool ok = c->media && c->proto && (!s->addr || c->addr) && (!s->formats || c->formats) &&
              c->attrs && c->codecs;
    if (c->attrs)
        c->nattrs = s->nattrs;
    for (size_t i = 0; ok && i < s->ncodecs; i++) {
        const parley_sdp_codec *in = &s->codecs[i];
        neg_codec *cc = &c->codecs[c->ncodecs++];
        const sdp_static_pt *sp = sdp_static(in->pt);
        cc->pt = in->pt;
        cc->rate = in->name ? in->rate : sp->rate;
        cc->channels = in->name ? in->channels : (sp->channels > 1 ? sp->channels : 0);
        cc->name = pl_str_dup(in->name ? pl_str_c(in->name) : sp->name);
        cc->fmtp = dupz(in->fmtp);
        ok = cc->name && (!in->fmtp || cc->fmtp);
    }
    if (!ok) {
        cap_free(c);
        return PARLEY_E_NOMEM;
    }
    return 0;
}

/* What parley_sdp_build() cannot check: the negotiator needs a port and named codecs. */
static bool stream_usable(const parley_sdp_stream_cfg *s)
{
    if (!s->port || (!s->ncodecs && !s->formats) || s->ncodecs > 64)
        return false;
    for (size_t i = 0; i < s->ncodecs; i++)
        if (!s->codecs[i].name && !sdp_static(s->codecs[i].pt))
            return false;
    return true;
}

/* Checks cfg (with streams[0..n)) by building it. */
static int check_cfg(const parley_sdp_cfg *cfg, const parley_sdp_stream_cfg *streams, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!stream_usable(&streams[i]))
            return PARLEY_E_INVAL;
    parley_sdp_cfg c = *cfg;
    c.streams = streams;
    c.nstreams = n;
    parley_sdp *tmp;
    int rc = parley_sdp_build(&c, &tmp);
    parley_sdp_free(tmp);
    return rc;
}

static uint64_t clock_sess_id(void)
{
    static atomic_uint seq;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* NTP seconds (RFC 4566 §5.2 recommends an NTP timestamp), microseconds, a counter */
    uint64_t ntp = (uint64_t)ts.tv_sec + 2208988800u;
    return ntp * 1000000u + (uint64_t)ts.tv_nsec / 1000u + atomic_fetch_add(&seq, 1) % 1000u;
}

int parley_sdp_neg_create(const parley_sdp_cfg *local, parley_sdp_neg **out)
{
    if (!out)
        return PARLEY_E_INVAL;
    *out = NULL;
    if (!local || local->nstreams > PARLEY_SDP_MAX_STREAMS)
        return PARLEY_E_INVAL;
    int rc = check_cfg(local, local->streams, local->nstreams);
    if (rc)
        return rc;
    parley_sdp_neg *neg = pl_calloc(1, sizeof(*neg));
    if (!neg)
        return PARLEY_E_NOMEM;
    neg->user = dupz(local->user ? local->user : "-");
    neg->addr = dupz(local->addr);
    neg->oaddr = dupz(local->addr);
    neg->name = dupz(local->name ? local->name : "-");
    neg->attrs = dup_lines(local->attrs, local->nattrs);
    if (neg->attrs)
        neg->nattrs = local->nattrs;
    neg->sess_id = local->sess_id ? local->sess_id : clock_sess_id();
    neg->sent_version = local->sess_version;
    rc = neg->user && neg->addr && neg->oaddr && neg->name && neg->attrs ? 0 : PARLEY_E_NOMEM;
    for (size_t i = 0; !rc && i < local->nstreams; i++) {
        rc = cap_copy(&neg->caps[i], &local->streams[i]);
        if (!rc)
            neg->ncaps++;
    }
    if (rc) {
        parley_sdp_neg_free(neg);
        return rc;
    }
    *out = neg;
    return 0;
}

void parley_sdp_neg_free(parley_sdp_neg *neg)
{
    if (!neg)
        return;
    for (size_t i = 0; i < neg->ncaps; i++)
        cap_free(&neg->caps[i]);
    pl_free(neg->user);
    pl_free(neg->addr);
    pl_free(neg->oaddr);
    pl_free(neg->name);
    for (size_t i = 0; neg->attrs && i < neg->nattrs; i++)
        pl_free(neg->attrs[i]);
    pl_free(neg->attrs);
    neg_session_clear(&neg->cur);
    parley_sdp_free(neg->pending);
    pl_buf_free(&neg->sent);
    pl_free(neg);
}

int parley_sdp_neg_rollback(parley_sdp_neg *neg)
{
    if (!neg)
        return PARLEY_E_INVAL;
    if (!neg->pending)
        return PARLEY_E_STATE;
    parley_sdp_free(neg->pending);
    neg->pending = NULL;
    return 0;
}

/* The capability bound to negotiated line index, or NULL. */
static neg_cap *bound_cap(parley_sdp_neg *neg, int index)
{
    if (index < 0 || (unsigned)index >= neg->cur.nslots || neg->cur.cap[index] < 0)
        return NULL;
    return &neg->caps[neg->cur.cap[index]];
}

int parley_sdp_neg_set_dir(parley_sdp_neg *neg, int index, parley_sdp_dir dir)
{
    if (!neg || dir > PARLEY_SDP_INACTIVE)
        return PARLEY_E_INVAL;
    if (index == -1) {
        for (size_t i = 0; i < neg->ncaps; i++)
            neg->caps[i].dir = dir;
        return 0;
    }
    neg_cap *c = bound_cap(neg, index);
    if (!c)
        return PARLEY_E_INVAL;
    c->dir = dir;
    return 0;
}

static bool addr_ok(const char *addr)
{
    pl_str a = pl_str_c(addr);
    return a.len && sdp_check_addr(PL_STR_LIT("IN"), sdp_addrtype_of(a), a) > 0;
}

int parley_sdp_neg_set_addr(parley_sdp_neg *neg, int index, const char *addr, uint16_t port)
{
    if (!neg || (addr && !addr_ok(addr)))
        return PARLEY_E_INVAL;
    char **slot;
    neg_cap *c = NULL;
    if (index == -1) {
        if (port)
            return PARLEY_E_INVAL;
        slot = &neg->addr;
    } else {
        if (!(c = bound_cap(neg, index)))
            return PARLEY_E_INVAL;
        slot = &c->addr;
    }
    if (addr) {
        char *copy = dupz(addr);
        if (!copy)
            return PARLEY_E_NOMEM;
        pl_free(*slot);
        *slot = copy;
    }
    if (c && port)
        c->port = port;
    return 0;
}

int parley_sdp_neg_add_stream(parley_sdp_neg *neg, const parley_sdp_stream_cfg *stream)
{
    if (!neg || !stream)
        return PARLEY_E_INVAL;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.addr = neg->addr;
    int rc = check_cfg(&cfg, stream, 1);
    if (rc)
        return rc;
    if (neg->ncaps == NEG_MAX_CAPS)
        return PARLEY_E_LIMIT;
    rc = cap_copy(&neg->caps[neg->ncaps], stream);
    if (!rc)
        neg->ncaps++;
    return rc;
}

int parley_sdp_neg_remove_stream(parley_sdp_neg *neg, unsigned index)
{
    if (!neg || index > (unsigned)PARLEY_SDP_MAX_STREAMS)
        return PARLEY_E_INVAL;
    neg_cap *c = bound_cap(neg, (int)index);
    if (!c)
        return PARLEY_E_INVAL;
    c->removed = true;
    return 0;
}

unsigned parley_sdp_neg_stream_count(const parley_sdp_neg *neg)
{
    return neg && neg->cur.local ? neg->cur.nslots : 0;
}

int parley_sdp_neg_stream(const parley_sdp_neg *neg, unsigned index, parley_sdp_stream *out)
{
    if (!neg || !out || !neg->cur.local || index >= neg->cur.nslots)
        return PARLEY_E_NOTFOUND;
    neg_view v;
    neg_view_of(&neg->cur, index, &v);
    memset(out, 0, sizeof(*out));
    out->media = v.media;
    out->active = v.active;
    out->dir = v.send && v.recv ? PARLEY_SDP_SENDRECV
               : v.send         ? PARLEY_SDP_SENDONLY
               : v.recv         ? PARLEY_SDP_RECVONLY
                                : PARLEY_SDP_INACTIVE;
    out->local_addr = v.local_addr;
    out->local_port = v.local_port;
    out->remote_addr = v.remote_addr;
    out->remote_port = v.remote_port;
    out->remote_rtcp_port = v.remote_rtcp;
    out->codecs = v.codecs;
    out->ncodecs = v.ncodecs;
    out->local = v.local;
    out->remote = v.remote;
    return 0;
}

unsigned parley_sdp_neg_hold(const parley_sdp_neg *neg)
{
    return neg ? neg_hold_of(&neg->cur) : 0;
}

const parley_sdp *parley_sdp_neg_local(const parley_sdp_neg *neg)
{
    return neg ? neg->cur.local : NULL;
}

const parley_sdp *parley_sdp_neg_remote(const parley_sdp_neg *neg)
{
    return neg ? neg->cur.remote : NULL;
}
