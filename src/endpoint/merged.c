/*
 * Merged page-mode requests (RFC 3261 §8.2.2.2): the same request reaching us twice on two
 * branches (a proxy forked it to two of our contacts) has the same From tag, Call-ID and CSeq
 * but no transaction in common, so the transaction layer cannot absorb the copy; the UAS core
 * answers it 482 so that the application gets the message once.
 */
#include "core/rand.h"
#include "endpoint/ep.h"

/* The request's identity outside its branch, as one word (a collision between two live
 * requests needs 2^64 luck; the seed is the endpoint's own, drawn at random, so that nobody can
 * make one request's key collide with another's on purpose and get it refused 482). */
static uint64_t page_key(parley_endpoint *ep, const sip_msg *m)
{
    while (!ep->recent_seed)
        ep->recent_seed = pl_rand_u64();
    uint64_t h = pl_hash_str(ep->recent_seed, m->call_id);
    h = pl_hash_str(h, m->from ? m->from->tag : PL_STR_NULL);
    h = pl_hash_str(h, m->cseq.method);
    return pl_hash_bytes(h, &m->cseq.num, sizeof(m->cseq.num));
}

bool ep_page_merged(parley_endpoint *ep, const sip_msg *m)
{
    uint64_t key = page_key(ep, m), now = pl_loop_now(ep->loop);
    for (size_t i = 0; i < EP_RECENT_PAGES; i++)
        if (ep->recent_pages[i].key == key && ep->recent_pages[i].until > now)
            return true;
    /* as long as its server transaction can be alive: 64*T1 (Timer J over UDP) */
    const txn_timers *tm = txn_layer_timers(ep->txn);
    ep_recent_page *slot = &ep->recent_pages[ep->recent_next++ % EP_RECENT_PAGES];
    slot->key = key;
    slot->until = now + 64ull * tm->t1;
    return false;
}
