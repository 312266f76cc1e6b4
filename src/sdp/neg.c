/* The negotiator's life cycle, local changes and queries. */
#include <stdatomic.h>
#include <time.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "sdp/neg.h"

static size_t al8(size_t n)
{
    return (n + 7) & ~(size_t)7;
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

static void set_sess_id(parley_sdp_neg *neg, uint64_t id)
{
    neg->sess_id = id ? id : clock_sess_id();
    neg->sess_id_len = (uint32_t)sdp_u64_str(neg->sess_id_str, neg->sess_id);
}

/* The streams a first offer carries: all but the answer-only ones. */
static uint32_t offerable(const neg_cap *caps, size_t n)
{
    uint32_t bits = 0;
    for (size_t k = 0; k < n; k++)
        if (!(caps[k].flags & PARLEY_SDP_STREAM_ANSWER_ONLY))
            bits |= (uint32_t)1 << k;
    return bits;
}

/* The negotiator made inside store's block (the creator's). */
static parley_sdp_neg *store_neg(neg_store *st)
{
    return (parley_sdp_neg *)((char *)st + al8(sizeof(neg_store)));
}

int parley_sdp_neg_create(const parley_sdp_cfg *local, parley_sdp_neg **out)
{
    if (!out)
        return PARLEY_E_INVAL;
    *out = NULL;
    if (!local || local->nstreams > PARLEY_SDP_MAX_STREAMS)
        return PARLEY_E_INVAL;
    size_t strings;
    int rc = neg_check_cfg(local, local->streams, local->nstreams, &strings);
    if (rc)
        return rc;
    /* One block: the store's header, the negotiator, its capabilities and their arrays, then
     * the strings. */
    size_t n = local->nstreams;
    size_t arrays = al8(sizeof(neg_store)) + al8(sizeof(parley_sdp_neg)) +
                    al8(n * sizeof(neg_cap)) + al8(local->nattrs * sizeof(pl_str));
    for (size_t i = 0; i < n; i++)
        arrays += neg_cap_arrays(&local->streams[i]);
    char *block = pl_malloc(arrays + strings);
    if (!block)
        return PARLEY_E_NOMEM;
    neg_store *st = (neg_store *)block;
    atomic_init(&st->refs, 1);
    st->first_version = local->sess_version;
    parley_sdp_neg *neg = store_neg(st);
    memset(neg, 0, sizeof(*neg));
    neg->store = st;
    char *mem = (char *)neg + al8(sizeof(*neg)), *str = block + arrays;
    neg->caps = (neg_cap *)mem;
    neg->caps_room = n;
    mem += al8(n * sizeof(neg_cap));
    neg->attrs = (pl_str *)mem;
    mem += al8(local->nattrs * sizeof(pl_str));
    neg->user = local->user ? neg_copy_str(local->user, &str) : PL_STR_LIT("-");
    neg->name = local->name ? neg_copy_str(local->name, &str) : PL_STR_LIT("-");
    neg->addr = neg->oaddr = neg_copy_str(local->addr, &str);
    for (size_t i = 0; i < local->nattrs; i++)
        neg->attrs[i] = neg_copy_str(local->attrs[i], &str);
    neg->nattrs = local->nattrs;
    for (size_t i = 0; i < n; i++)
        neg_pack_cap(&neg->caps[i], &local->streams[i], &mem, &str);
    neg->ncaps = n;
    neg->want_offer = offerable(neg->caps, n);
    set_sess_id(neg, local->sess_id);
    neg->sent_version = local->sess_version;
    *out = neg;
    return 0;
}

static bool caps_shared(const parley_sdp_neg *neg)
{
    return neg->caps != neg->caps_own;
}

static void caps_free(neg_cap *caps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_free(caps[i].addr_own);
        pl_free(caps[i].block);
    }
    pl_free(caps);
}

/* Gives neg a capability array of its own with room for room entries (copy on write: the
 * store's is shared). Returns 0 or PARLEY_E_NOMEM (nothing changed). */
static int own_caps(parley_sdp_neg *neg, size_t room)
{
    if (!caps_shared(neg) && neg->caps_room >= room)
        return 0;
    neg_cap *caps = pl_malloc(room * sizeof(neg_cap));
    if (!caps)
        return PARLEY_E_NOMEM;
    /* the store's entries own nothing; an own array's are moved, with what they own */
    memcpy(caps, neg->caps, neg->ncaps * sizeof(neg_cap));
    pl_free(neg->caps_own);
    neg->caps = neg->caps_own = caps;
    neg->caps_room = room;
    return 0;
}

/* Copies proto's own capability array (its changes) into neg. Returns 0 or PARLEY_E_NOMEM. */
static int copy_own_caps(parley_sdp_neg *neg, const parley_sdp_neg *proto)
{
    neg_cap *caps = pl_malloc(proto->caps_room * sizeof(neg_cap));
    if (!caps)
        return PARLEY_E_NOMEM;
    for (size_t k = 0; k < proto->ncaps; k++) {
        const neg_cap *c = &proto->caps[k];
        if (!c->addr_own && !c->block) {
            caps[k] = *c; /* all in the store */
        } else if (neg_copy_cap(&caps[k], c)) {
            caps_free(caps, k);
            return PARLEY_E_NOMEM;
        }
    }
    neg->caps = neg->caps_own = caps;
    neg->caps_room = proto->caps_room;
    return 0;
}

int parley_sdp_neg_clone(const parley_sdp_neg *proto, parley_sdp_neg **out)
{
    if (!out)
        return PARLEY_E_INVAL;
    *out = NULL;
    if (!proto)
        return PARLEY_E_INVAL;
    parley_sdp_neg *neg = pl_malloc(sizeof(*neg));
    if (!neg)
        return PARLEY_E_NOMEM;
    memset(neg, 0, sizeof(*neg));
    neg->store = proto->store;
    neg->user = proto->user;
    neg->name = proto->name;
    neg->attrs = proto->attrs;
    neg->nattrs = proto->nattrs;
    neg->addr = neg->oaddr = proto->addr;
    neg->caps = proto->caps;
    neg->ncaps = proto->ncaps;
    neg->caps_room = proto->ncaps;
    neg->removed = proto->removed;
    neg->want_offer = offerable(proto->caps, proto->ncaps) & ~proto->removed;
    int rc = 0;
    if (proto->addr_own) {
        neg->addr_own = pl_str_dup(proto->addr);
        rc = neg->addr_own ? 0 : PARLEY_E_NOMEM;
        neg->addr = neg->oaddr = pl_str_c(neg->addr_own ? neg->addr_own : "");
    }
    if (!rc && !caps_shared(proto)) /* proto's changes are its own: copied */
        rc = copy_own_caps(neg, proto);
    if (rc) {
        pl_free(neg->addr_own);
        pl_free(neg);
        return rc;
    }
    atomic_fetch_add_explicit(&neg->store->refs, 1, memory_order_relaxed);
    set_sess_id(neg, 0); /* its own session: a new o= id (RFC 4566 §5.2) */
    neg->sent_version = neg->store->first_version;
    *out = neg;
    return 0;
}

void parley_sdp_neg_free(parley_sdp_neg *neg)
{
    if (!neg)
        return;
    if (!caps_shared(neg))
        caps_free(neg->caps_own, neg->ncaps);
    pl_free(neg->addr_own);
    pl_free(neg->oaddr_own);
    neg_cur_free(&neg->cur);
    parley_sdp_free(neg->pending);
    pl_free(neg->sent_own);
    neg_store *st = neg->store;
    if (neg != store_neg(st))
        pl_free(neg);
    /* the creator's negotiator is part of the store: it goes with the last user */
    if (atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) == 1)
        pl_free(st);
}

int parley_sdp_neg_rollback(parley_sdp_neg *neg)
{
    if (!neg)
        return PARLEY_E_INVAL;
    if (!neg->pending)
        return PARLEY_E_STATE;
    neg_drop(neg, neg->pending);
    neg->pending = NULL;
    neg->reanswer = false;
    return 0;
}

/* The capability of index: bound to negotiated line index, or before the first exchange
 * completes the stream at index of the config; -1 when none. */
static int cap_index(const parley_sdp_neg *neg, int index)
{
    if (index < 0)
        return -1;
    if (!neg->cur.done)
        return (size_t)index < neg->ncaps ? index : -1;
    return (unsigned)index < neg->cur.nslots ? neg->cur.cap[index] : -1;
}

/* The same as a capability neg may change (its own copy), or NULL: no such stream (*rc
 * PARLEY_E_INVAL) or no memory for the copy (*rc PARLEY_E_NOMEM). */
static neg_cap *changed_cap(parley_sdp_neg *neg, int index, int *rc)
{
    int k = cap_index(neg, index);
    *rc = k < 0 ? PARLEY_E_INVAL : own_caps(neg, neg->ncaps);
    return *rc ? NULL : &neg->caps[k];
}

int parley_sdp_neg_set_dir(parley_sdp_neg *neg, int index, parley_sdp_dir dir)
{
    if (!neg || dir > PARLEY_SDP_INACTIVE)
        return PARLEY_E_INVAL;
    int rc;
    if (index == -1) {
        if ((rc = own_caps(neg, neg->ncaps)) != 0)
            return rc;
        for (size_t i = 0; i < neg->ncaps; i++)
            neg->caps[i].dir = dir;
        return 0;
    }
    neg_cap *c = changed_cap(neg, index, &rc);
    if (c)
        c->dir = dir;
    return rc;
}

int parley_sdp_neg_set_addr(parley_sdp_neg *neg, int index, const char *addr, uint16_t port)
{
    if (!neg || (addr && !sdp_cfg_addr_ok(pl_str_c(addr))))
        return PARLEY_E_INVAL;
    pl_str *slot;
    char **own;
    neg_cap *c = NULL;
    if (index == -1) {
        if (port)
            return PARLEY_E_INVAL;
        slot = &neg->addr;
        own = &neg->addr_own;
    } else {
        int rc;
        if (!(c = changed_cap(neg, index, &rc)))
            return rc;
        slot = &c->addr;
        own = &c->addr_own;
    }
    if (addr) {
        char *copy = pl_str_dup(pl_str_c(addr));
        if (!copy)
            return PARLEY_E_NOMEM;
        if (*own && *own == neg->oaddr.p)
            neg->oaddr_own = *own; /* a clone's o= address: it stays (RFC 3264 §8) */
        else
            pl_free(*own);
        *own = copy;
        *slot = pl_str_c(copy);
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
    cfg.addr = neg->addr.p; /* NUL-terminated */
    size_t strings;
    int rc = neg_check_cfg(&cfg, stream, 1, &strings);
    if (rc)
        return rc;
    strings -= neg->addr.len + 1; /* the session's, not copied */
    if (neg->ncaps == NEG_MAX_CAPS)
        return PARLEY_E_LIMIT;
    /* full, or the store's: one of the most, of its own */
    if ((neg->ncaps == neg->caps_room || caps_shared(neg)) &&
        (rc = own_caps(neg, NEG_MAX_CAPS)) != 0)
        return rc;
    size_t arrays = neg_cap_arrays(stream);
    char *block = pl_malloc(arrays + strings);
    if (!block)
        return PARLEY_E_NOMEM;
    neg_cap *c = &neg->caps[neg->ncaps];
    char *mem = block, *str = block + arrays;
    neg_pack_cap(c, stream, &mem, &str);
    c->block = block;
    if (!(stream->flags & PARLEY_SDP_STREAM_ANSWER_ONLY))
        neg->want_offer |= (uint32_t)1 << neg->ncaps;
    neg->ncaps++;
    return 0;
}

int parley_sdp_neg_remove_stream(parley_sdp_neg *neg, unsigned index)
{
    if (!neg || index > (unsigned)PARLEY_SDP_MAX_STREAMS)
        return PARLEY_E_INVAL;
    int k = cap_index(neg, (int)index);
    if (k < 0)
        return PARLEY_E_INVAL;
    neg->removed |= (uint32_t)1 << k;
    return 0;
}

unsigned parley_sdp_neg_stream_count(const parley_sdp_neg *neg)
{
    return neg && neg->cur.done ? neg->cur.nslots : 0;
}

int parley_sdp_neg_stream(const parley_sdp_neg *neg, unsigned index, parley_sdp_stream *out)
{
    if (!neg || !out || !neg->cur.done || index >= neg->cur.nslots)
        return PARLEY_E_NOTFOUND;
    int rc = neg_cur_load(neg);
    if (rc)
        return rc;
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
    return neg ? neg->cur.hold : 0;
}

const parley_sdp *parley_sdp_neg_local(const parley_sdp_neg *neg)
{
    return neg && !neg_cur_load(neg) ? neg->cur.local : NULL;
}

const parley_sdp *parley_sdp_neg_remote(const parley_sdp_neg *neg)
{
    return neg && !neg_cur_load(neg) ? neg->cur.remote : NULL;
}
