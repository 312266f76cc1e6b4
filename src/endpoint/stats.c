/* parley_endpoint_read_stats: the figures of every layer, read on the loop thread. */
#include <string.h>

#include "endpoint/ep.h"
#include "parley/error.h"

void ep_stats_read(parley_endpoint *ep, parley_endpoint_stats *out)
{
    if (ep->stopped) {
        *out = ep->last;
        return;
    }
    memset(out, 0, sizeof(*out));
    out->size = sizeof(*out);
    out->sessions = ep->nsessions;
    out->half_open = ep->nhalf_open;
    if (ep->txn) {
        const txn_stats *ts = txn_layer_stats(ep->txn);
        out->server_transactions = ts->servers;
        out->client_transactions = ts->clients;
        out->malformed_dropped = ts->dropped;
        out->malformed_answered = ts->bad_requests;
    }
    out->transactions = out->server_transactions + out->client_transactions;
    if (ep->tp) {
        const tp_stats *ps = tp_layer_stats(ep->tp);
        out->connections = ps->connections;
        out->connections_refused = ps->connections_refused;
        out->slow_closed = ps->slow_closed;
        out->overflow_closed = ps->overflow_closed;
    }
    out->rejected_sessions = ep->refused.sessions;
    out->rejected_half_open = ep->refused.half_open;
    out->rejected_transactions = ep->refused.transactions;
    out->rejected_peer = ep->refused.peer;
    out->rejected_503 = out->rejected_sessions + out->rejected_half_open +
                        out->rejected_transactions + out->rejected_peer;
}

typedef struct stats_wait {
    parley_endpoint *ep;
    parley_endpoint_stats st;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} stats_wait;

static void read_on_loop(void *arg)
{
    stats_wait *w = arg;
    ep_stats_read(w->ep, &w->st);
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int parley_endpoint_read_stats(parley_endpoint *ep, parley_endpoint_stats *out)
{
    if (!ep || !out || out->size < sizeof(out->size))
        return PARLEY_E_INVAL;
    size_t size = out->size < sizeof(*out) ? out->size : sizeof(*out);
    stats_wait w = {ep, {0}, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    if (ep->stopped || pl_loop_on_thread(ep->loop) || pl_loop_is_virtual(ep->loop) ||
        !ep->running) {
        /* nothing else runs the endpoint's state right now */
        ep_stats_read(ep, &w.st);
    } else if (pl_loop_call(ep->loop, read_on_loop, &w) == 0) {
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu); /* the loop takes queued calls in order */
        pthread_mutex_unlock(&w.mu);
    } else {
        ep_stats_read(ep, &w.st); /* the loop is going: stop has the last figures */
    }
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    w.st.size = out->size;
    memcpy(out, &w.st, size);
    return 0;
}
