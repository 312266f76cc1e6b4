/*
 * The callbacks and the offer/answer contract of sessions, shared. A server gives every session
 * the same two structs; copied into each, they were 192 bytes of every held session. The
 * registry keeps the last copy made of each kind: a session given the same functions as the
 * one before takes a reference on it; other functions get a copy of their own. Only the last
 * copy is compared with, so setting them costs O(1) whatever the number of sessions.
 */
#include <string.h>

#include "core/alloc.h"
#include "session/sess.h"

struct sess_shared_ops {
    atomic_uint refs; /* sessions using it, plus the registry while it is its last */
    union {
        parley_session_cbs cbs;
        parley_oa_ops oa;
    } u;
};

static const parley_session_cbs no_cbs;
static const parley_oa_ops no_oa;

/* The copy a session's cbs or oa points into (the session keeps no pointer of its own). */
static sess_shared_ops *cbs_copy(const parley_session *s)
{
    return s->cbs_shared ? pl_container_of(s->cbs, sess_shared_ops, u.cbs) : NULL;
}

static sess_shared_ops *oa_copy(const parley_session *s)
{
    return s->oa_shared ? pl_container_of(s->oa, sess_shared_ops, u.oa) : NULL;
}

void sess_shared_ops_init(parley_session *s)
{
    s->cbs = &no_cbs;
    s->oa = &no_oa;
}

void sess_shared_ops_unref(sess_shared_ops *o)
{
    /* a session may be freed on any thread: the count is atomic, the copy read-only */
    if (o && atomic_fetch_sub(&o->refs, 1) == 1)
        pl_free(o);
}

/* A reference on a copy of the size bytes at ops: the registry's last one when equal. */
static sess_shared_ops *share(sess_shared_ops **last, const void *ops, size_t size)
{
    if (*last && memcmp(&(*last)->u, ops, size) == 0) {
        atomic_fetch_add(&(*last)->refs, 1);
        return *last;
    }
    sess_shared_ops *o = pl_calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    memcpy(&o->u, ops, size);
    atomic_init(&o->refs, 2); /* the caller's and the registry's */
    sess_shared_ops_unref(*last);
    *last = o;
    return o;
}

int sess_set_cbs(parley_session *s, const parley_session_cbs *cbs)
{
    sess_shared_ops *o = NULL;
    if (cbs && memcmp(cbs, &no_cbs, sizeof(no_cbs)) != 0) {
        o = share(&s->reg->last_cbs, cbs, sizeof(*cbs));
        if (!o)
            return PARLEY_E_NOMEM;
    }
    sess_shared_ops_unref(cbs_copy(s));
    s->cbs_shared = o != NULL;
    s->cbs = o ? &o->u.cbs : &no_cbs;
    return 0;
}

int sess_set_oa(parley_session *s, const parley_oa_ops *oa)
{
    sess_shared_ops *o = NULL;
    if (oa && memcmp(oa, &no_oa, sizeof(no_oa)) != 0) {
        o = share(&s->reg->last_oa, oa, sizeof(*oa));
        if (!o)
            return PARLEY_E_NOMEM;
    }
    sess_shared_ops_unref(oa_copy(s));
    s->oa_shared = o != NULL;
    s->oa = o ? &o->u.oa : &no_oa;
    return 0;
}

void sess_shared_ops_free(parley_session *s)
{
    sess_shared_ops_unref(cbs_copy(s));
    sess_shared_ops_unref(oa_copy(s));
    s->cbs_shared = s->oa_shared = false;
    sess_shared_ops_init(s);
}
