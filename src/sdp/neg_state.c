/* The negotiated session as the application sees it: stream views, hold state, changes. */
#include "core/alloc.h"
#include "parley/error.h"
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

void neg_keep_sent(parley_sdp_neg *neg, const char *lo, size_t len)
{
    if (!neg->sent.p || (uintptr_t)neg->sent.p - (uintptr_t)lo >= len)
        return;
    char *copy = pl_malloc(neg->sent.len + 1);
    if (copy) {
        memcpy(copy, neg->sent.p, neg->sent.len);
        copy[neg->sent.len] = '\0';
    }
    pl_free(neg->sent_own);
    neg->sent_own = copy;
    /* Out of memory: the rule of RFC 3264 §8 then has nothing to compare with, and the next
     * description goes out with the version of the last one; the peer takes it as unchanged,
     * which a session whose memory ran out is. */
    neg->sent = copy ? pl_str_make(copy, neg->sent.len) : PL_STR_NULL;
}

void neg_drop(parley_sdp_neg *neg, parley_sdp *doc)
{
    if (!doc)
        return;
    pl_str t = sdp_doc_of(doc)->data;
    neg_keep_sent(neg, t.p, t.len + 1);
    parley_sdp_free(doc);
}

int neg_cur_load(const parley_sdp_neg *cneg)
{
    parley_sdp_neg *neg = (parley_sdp_neg *)(uintptr_t)cneg; /* what is cached changes */
    neg_session *c = &neg->cur;
    if (!c->done || c->local)
        return 0;
    parley_sdp *l = NULL, *r = NULL;
    /* both texts were parsed (ours written and checked against the parser) with these
     * limits: they parse again to the same model */
    int rc = sdp_doc_parse(c->local_text.p, c->local_text.len, NULL, &l, NULL);
    if (!rc)
        rc = sdp_doc_parse(c->remote_text.p, c->remote_text.len, NULL, &r, NULL);
    if (rc) {
        parley_sdp_free(l);
        return rc == PARLEY_E_NOMEM ? rc : PARLEY_E_NOMEM; /* only memory can fail here */
    }
    c->local = l;
    c->remote = r;
    return 0;
}

/* Keeps the session's descriptions as one block of text and frees their models; without
 * memory for the block the models stay and hold the texts. */
static void keep_as_text(neg_session *c)
{
    if (c->on_stack) {
        char *r = c->text + c->local_text.len + 1;
        memcpy(r, c->remote_text.p, c->remote_text.len);
        r[c->remote_text.len] = '\0';
        c->remote_text = pl_str_make(r, c->remote_text.len);
        c->local = c->remote = NULL;
        c->on_stack = false;
        return;
    }
    pl_str lt = sdp_doc_of(c->local)->data, rt = sdp_doc_of(c->remote)->data;
    char *b = pl_malloc(lt.len + rt.len + 2);
    if (!b) {
        c->text = NULL;
        c->local_text = lt;
        c->remote_text = rt;
        return;
    }
    memcpy(b, lt.p, lt.len);
    b[lt.len] = '\0';
    memcpy(b + lt.len + 1, rt.p, rt.len);
    b[lt.len + 1 + rt.len] = '\0';
    parley_sdp_free(c->local);
    parley_sdp_free(c->remote);
    c->local = c->remote = NULL;
    c->text = b;
    c->local_text = pl_str_make(b, lt.len);
    c->remote_text = pl_str_make(b + lt.len + 1, rt.len);
}

void neg_cur_free(neg_session *c)
{
    parley_sdp_free(c->local);
    parley_sdp_free(c->remote);
    pl_free(c->text);
}

void neg_commit(parley_sdp_neg *neg, neg_session *next, parley_sdp_changes *changes)
{
    parley_sdp_changes c;
    memset(&c, 0, sizeof(c));
    neg->reanswer = false; /* set again by set_answer after its commit */
    c.nstreams = next->nslots;
    unsigned active = 0, local = 0, remote = 0;
    next->remote_holds = next->local_holds = 0;
    for (unsigned i = 0; i < next->nslots; i++) {
        neg_view o, n;
        neg_view_of(&neg->cur, i, &o);
        neg_view_of(next, i, &n);
        c.stream[i] = stream_changes(&o, &n);
        c.flags |= c.stream[i];
        if (n.active) {
            /* the answerer to an offer that does not send cannot refuse what is not sent: it
             * holds as it did (both false on a line new to the session) */
            const parley_sdp_media *offer = next->local_offered ? n.local : n.remote;
            bool unsaid = !neg_dir_send(offer->dir) && o.active;
            bool lh = n.local_refuses ||
                      (unsaid && !next->local_offered && (neg->cur.local_holds >> i & 1));
            bool rh = n.remote_refuses ||
                      (unsaid && next->local_offered && (neg->cur.remote_holds >> i & 1));
            active++;
            local += lh;
            remote += rh;
            next->local_holds |= (uint16_t)(lh << i);
            next->remote_holds |= (uint16_t)(rh << i);
        }
    }
    /* Held when every active stream is refused (none active: nobody holds). */
    next->hold = !active ? 0
                         : (local == active ? PARLEY_SDP_HOLD_LOCAL : 0) |
                               (remote == active ? PARLEY_SDP_HOLD_REMOTE : 0);
    c.hold = next->hold;
    if (c.hold != neg->cur.hold)
        c.flags |= PARLEY_SDP_CHG_HOLD;
    /* the last text sent may be our text in what goes (we only ever send our own) */
    if (neg->cur.done)
        neg_keep_sent(neg, neg->cur.local_text.p, neg->cur.local_text.len + 1);
    /* our offer, when it was the last sent, moves with it */
    bool sent_is_next = !next->on_stack && neg->sent.p == sdp_doc_of(next->local)->data.p;
    neg_cur_free(&neg->cur);
    neg->cur = *next;
    neg->cur.done = true;
    keep_as_text(&neg->cur);
    if (sent_is_next)
        neg->sent = neg->cur.local_text;
    if (changes)
        *changes = c;
}
