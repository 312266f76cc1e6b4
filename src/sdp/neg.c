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
    /* One block: the negotiator, its capabilities and their arrays, then the strings. */
    size_t n = local->nstreams;
    size_t arrays = al8(sizeof(parley_sdp_neg)) + al8(n * sizeof(neg_cap)) +
                    al8(local->nattrs * sizeof(pl_str));
    for (size_t i = 0; i < n; i++)
        arrays += neg_cap_arrays(&local->streams[i]);
    char *block = pl_malloc(arrays + strings);
    if (!block)
        return PARLEY_E_NOMEM;
    parley_sdp_neg *neg = (parley_sdp_neg *)block;
    memset(neg, 0, sizeof(*neg));
    char *mem = block + al8(sizeof(*neg)), *str = block + arrays;
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
    neg->sess_id = local->sess_id ? local->sess_id : clock_sess_id();
    neg->sess_id_len = (uint32_t)sdp_u64_str(neg->sess_id_str, neg->sess_id);
    neg->sent_version = local->sess_version;
    *out = neg;
    return 0;
}

static void cap_free(neg_cap *c)
{
    pl_free(c->addr_own);
    pl_free(c->block);
}

void parley_sdp_neg_free(parley_sdp_neg *neg)
{
    if (!neg)
        return;
    for (size_t i = 0; i < neg->ncaps; i++)
        cap_free(&neg->caps[i]);
    pl_free(neg->caps_own);
    pl_free(neg->addr_own);
    neg_cur_free(&neg->cur);
    parley_sdp_free(neg->pending);
    pl_free(neg->sent_own);
    pl_free(neg);
}

int parley_sdp_neg_rollback(parley_sdp_neg *neg)
{
    if (!neg)
        return PARLEY_E_INVAL;
    if (!neg->pending)
        return PARLEY_E_STATE;
    neg_drop(neg, neg->pending);
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
        if (!(c = bound_cap(neg, index)))
            return PARLEY_E_INVAL;
        slot = &c->addr;
        own = &c->addr_own;
    }
    if (addr) {
        char *copy = pl_str_dup(pl_str_c(addr));
        if (!copy)
            return PARLEY_E_NOMEM;
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
    if (neg->ncaps == neg->caps_room) { /* the block's array is full: move to one of the most */
        neg_cap *caps = pl_malloc(NEG_MAX_CAPS * sizeof(neg_cap));
        if (!caps)
            return PARLEY_E_NOMEM;
        memcpy(caps, neg->caps, neg->ncaps * sizeof(neg_cap));
        pl_free(neg->caps_own);
        neg->caps = neg->caps_own = caps;
        neg->caps_room = NEG_MAX_CAPS;
    }
    size_t arrays = neg_cap_arrays(stream);
    char *block = pl_malloc(arrays + strings);
    if (!block)
        return PARLEY_E_NOMEM;
    neg_cap *c = &neg->caps[neg->ncaps];
    char *mem = block, *str = block + arrays;
    neg_pack_cap(c, stream, &mem, &str);
    c->block = block;
    neg->ncaps++;
    return 0;
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
