/*
 * Giving memory back after a load has passed. Everything a call used is freed when it ends,
 * but glibc's malloc keeps freed memory in its heaps (the pieces of thousands of sessions are
 * interleaved with the few that remain, so the heap top rarely shrinks by itself): after a
 * flood of 20,000 INVITEs the process kept most of its peak resident. Once the load the
 * endpoint holds (sessions and transactions) has fallen by 3/8 of its peak (sessions held open
 * while the transactions that set them up end: the transactions' memory comes back), and at most
 * every few seconds, malloc_trim hands the free pages back to the kernel. The check runs on a
 * timer armed only while a load is there, so an idle endpoint has no timer.
 */
#include "endpoint/ep.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define TRIM_CHECK_MS 5000
#define TRIM_MIN_PEAK 256 /* below this the heap is small: nothing worth a trim */

static unsigned long load(parley_endpoint *ep)
{
    const txn_stats *ts = txn_layer_stats(ep->txn);
    return (unsigned long)ep->nsessions + ts->servers + ts->clients;
}

static void on_check(pl_timer *t, void *arg)
{
    (void)t;
    parley_endpoint *ep = arg;
    if (ep->stopping || !ep->txn)
        return;
    unsigned long now = load(ep);
    if (now * 8 > ep->load_peak * 5) {
        pl_loop_timer_start(ep->loop, &ep->trim_timer, TRIM_CHECK_MS, on_check, ep);
        return;
    }
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    ep->trims++;
    ep->load_peak = now;
}

void ep_memory_note_load(parley_endpoint *ep)
{
    unsigned long now = load(ep);
    if (now > ep->load_peak)
        ep->load_peak = now;
    if (ep->load_peak >= TRIM_MIN_PEAK && !pl_timer_active(&ep->trim_timer))
        pl_loop_timer_start(ep->loop, &ep->trim_timer, TRIM_CHECK_MS, on_check, ep);
}

void ep_memory_stop(parley_endpoint *ep)
{
    pl_loop_timer_stop(ep->loop, &ep->trim_timer);
}
