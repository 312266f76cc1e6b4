/* The negotiated session as the application sees it: stream views, hold state, changes. */
#include "sdp/neg.h"

bool neg_dir_send(parley_sdp_dir d)
{
    return d == PARLEY_SDP_SENDRECV || d == PARLEY_SDP_SENDONLY || d == PARLEY_SDP_DIR_UNSET;
}

bool neg_dir_recv(parley_sdp_dir d)
{
    return d == PARLEY_SDP_SENDRECV || d == PARLEY_SDP_RECVONLY || d == PARLEY_SDP_DIR_UNSET;
}

pl_str neg_media_addr(const parley_sdp *s, const parley_sdp_media *m)
{
    if (m->nconns)
        return m->conns[0].address;
    return s->conn ? s->conn->address : PL_STR_NULL;
}

/* RFC 2543 hold (RFC 3264 §8.4): a connection address of all zeros. */
static bool is_null_addr(pl_str a)
{
    return pl_str_eq_lit(a, "0.0.0.0") || pl_str_eq_lit(a, "::");
}

void neg_view_of(const neg_session *s, unsigned i, neg_view *v)
{
    memset(v, 0, sizeof(*v));
    if (!s->local || !s->remote || i >= s->nslots)
        return;
    const parley_sdp_media *L = &s->local->media[i], *R = &s->remote->media[i];
    v->local = L;
    v->remote = R;
    v->media = L->media;
    v->local_addr = neg_media_addr(s->local, L);
    v->local_port = L->port;
    v->remote_addr = neg_media_addr(s->remote, R);
    v->remote_port = R->port;
    v->active = L->port && R->port;
    if (!v->active)
        return;
    const parley_sdp_media *answer = s->local_offered ? R : L;
    v->codecs = answer->fmts;
    v->ncodecs = answer->nfmts;
    bool null_addr = is_null_addr(v->remote_addr);
    v->send = neg_dir_send(L->dir) && neg_dir_recv(R->dir) && !null_addr;
    v->recv = neg_dir_recv(L->dir) && neg_dir_send(R->dir);
    if (R->rtcp_port)
        v->remote_rtcp = R->rtcp_port;
    else if (L->rtcp_mux && R->rtcp_mux)
        v->remote_rtcp = R->port;
    else
        v->remote_rtcp = (uint16_t)(R->port + 1);
    /* A side holds when it declines to receive what the other side would send (an answer
     * forced to inactive by an inactive offer holds nobody). */
    v->local_refuses = !neg_dir_recv(L->dir) && (s->local_offered || neg_dir_send(R->dir));
    v->remote_refuses =
        null_addr || (!neg_dir_recv(R->dir) && (!s->local_offered || neg_dir_send(L->dir)));
}

static bool opt_eq(pl_str a, pl_str b)
{
    return (a.p == NULL) == (b.p == NULL) && pl_str_eq(a, b);
}

static bool codecs_eq(const neg_view *a, const neg_view *b)
{
    if (a->ncodecs != b->ncodecs)
        return false;
    for (size_t i = 0; i < a->ncodecs; i++) {
        const parley_sdp_format *x = &a->codecs[i], *y = &b->codecs[i];
        if (!pl_str_eq(x->fmt, y->fmt) || !pl_str_casecmp_eq(x->encoding, y->encoding) ||
            x->rate != y->rate || x->channels != y->channels || !opt_eq(x->fmtp, y->fmtp))
            return false;
    }
    return true;
}

static unsigned stream_changes(const neg_view *o, const neg_view *n)
{
    if (!o->active)
        return n->active ? PARLEY_SDP_CHG_ADDED : 0;
    if (!n->active)
        return PARLEY_SDP_CHG_REMOVED;
    unsigned f = 0;
    if (o->send != n->send || o->recv != n->recv)
        f |= PARLEY_SDP_CHG_DIR;
    if (!pl_str_eq(o->remote_addr, n->remote_addr) || o->remote_port != n->remote_port ||
        o->remote_rtcp != n->remote_rtcp)
        f |= PARLEY_SDP_CHG_ADDR;
    if (!codecs_eq(o, n))
        f |= PARLEY_SDP_CHG_CODECS;
    return f;
}

void neg_drop(parley_sdp_neg *neg, parley_sdp *doc)
{
    if (!doc)
        return;
    if (doc != neg->sent) {
        parley_sdp_free(doc);
        return;
    }
    if (neg->sent_keep != doc)
        parley_sdp_free(neg->sent_keep);
    neg->sent_keep = doc;
}

void neg_commit(parley_sdp_neg *neg, neg_session *next, parley_sdp_changes *changes)
{
    parley_sdp_changes c;
    memset(&c, 0, sizeof(c));
    c.nstreams = next->nslots;
    unsigned active = 0, local = 0, remote = 0;
    for (unsigned i = 0; i < next->nslots; i++) {
        neg_view o, n;
        neg_view_of(&neg->cur, i, &o);
        neg_view_of(next, i, &n);
        c.stream[i] = stream_changes(&o, &n);
        c.flags |= c.stream[i];
        if (n.active) {
            active++;
            local += n.local_refuses;
            remote += n.remote_refuses;
        }
    }
    /* Held when every active stream is refused (none active: nobody holds). */
    next->hold = !active ? 0
                         : (local == active ? PARLEY_SDP_HOLD_LOCAL : 0) |
                               (remote == active ? PARLEY_SDP_HOLD_REMOTE : 0);
    c.hold = next->hold;
    if (c.hold != neg->cur.hold)
        c.flags |= PARLEY_SDP_CHG_HOLD;
    neg_drop(neg, neg->cur.local);
    parley_sdp_free(neg->cur.remote);
    neg->cur = *next;
    if (changes)
        *changes = c;
}
