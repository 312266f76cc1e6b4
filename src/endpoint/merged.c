/*
 * Merged page-mode requests (RFC 3261 §8.2.2.2): the same request reaching us twice on two
 * branches (a proxy forked it to two of our contacts) has the same From tag, Call-ID and CSeq
 * but no transaction in common, so the transaction layer cannot absorb the copy; the UAS core
 * answers it 482 so that the application gets the message once.
 */
#include "endpoint/ep.h"

/* The request's identity outside its branch, as one word (a collision between two live
 * requests needs 2^64 luck). */
static uint64_t page_key(const sip_msg *m)
{
    uint64_t h = pl_hash_str(0x9e3779b97f4a7c15ull, m->call_id);
    h = pl_hash_str(h, m->from ? m->from->tag : PL_STR_NULL);
    h = pl_hash_str(h, m->cseq.method);
    return pl_hash_bytes(h, &m->cseq.num, sizeof(m->cseq.num));
}

bool ep_page_merged(parley_endpoint *ep, const sip_msg *m)
{
    uint64_t key = page_key(m), now = pl_loop_now(ep->loop);
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
