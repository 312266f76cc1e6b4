/* parley listen --stats: the endpoint's counters every SECONDS (see listen_stats.h). */
#include "listen_stats.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "listen_json.h"

/* The resident set of this process in KiB (/proc/self/statm), 0 when unknown. */
static unsigned long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, resident = 0;
    int n = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? resident * (unsigned long)page / 1024 : 0;
}

static void put_u64(pl_buf *b, const char *key, uint64_t v)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), ",\"%s\":%llu", key, (unsigned long long)v);
    pl_buf_puts(b, tmp);
}

void listen_stats_json(pl_buf *b, parley_endpoint *ep)
{
    parley_endpoint_stats st = PARLEY_ENDPOINT_STATS_INIT;
    parley_endpoint_read_stats(ep, &st);
    pl_buf_puts(b, "{\"event\":\"stats\"");
    put_u64(b, "sessions", st.sessions);
    put_u64(b, "half_open", st.half_open);
    put_u64(b, "transactions", st.transactions);
    put_u64(b, "server_transactions", st.server_transactions);
    put_u64(b, "client_transactions", st.client_transactions);
    put_u64(b, "connections", st.connections);
    put_u64(b, "rejected_503", st.rejected_503);
    put_u64(b, "rejected_sessions", st.rejected_sessions);
    put_u64(b, "rejected_half_open", st.rejected_half_open);
    put_u64(b, "rejected_transactions", st.rejected_transactions);
    put_u64(b, "rejected_peer", st.rejected_peer);
    put_u64(b, "connections_refused", st.connections_refused);
    put_u64(b, "slow_closed", st.slow_closed);
    put_u64(b, "overflow_closed", st.overflow_closed);
    put_u64(b, "malformed_dropped", st.malformed_dropped);
    put_u64(b, "malformed_answered", st.malformed_answered);
    put_u64(b, "rss_kb", rss_kb());
    pl_buf_putc(b, '}');
}

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stop;
    parley_endpoint *ep;
    unsigned seconds;
} st = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static void emit(void)
{
    pl_buf b;
    pl_buf_init(&b, 512);
    listen_stats_json(&b, st.ep);
    listen_emit(&b);
    pl_buf_free(&b);
}

static void *stats_thread(void *arg)
{
    (void)arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&st.mu);
    while (!st.stop) {
        next.tv_sec += st.seconds; /* a fixed rhythm, whatever printing took */
        int rc = 0;
        while (!st.stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&st.cv, &st.mu, &next);
        pthread_mutex_unlock(&st.mu);
        emit();
        pthread_mutex_lock(&st.mu);
    }
    pthread_mutex_unlock(&st.mu);
    return NULL;
}

int listen_stats_start(parley_endpoint *ep, unsigned seconds)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_destroy(&st.cv);
    pthread_cond_init(&st.cv, &ca);
    pthread_condattr_destroy(&ca);
    st.ep = ep;
    st.seconds = seconds;
    st.stop = false;
    if (pthread_create(&st.thread, NULL, stats_thread, NULL) != 0)
        return -1;
    st.running = true;
    return 0;
}

void listen_stats_stop(void)
{
    if (!st.running)
        return;
    pthread_mutex_lock(&st.mu);
    st.stop = true;
    pthread_cond_signal(&st.cv);
    pthread_mutex_unlock(&st.mu);
    pthread_join(st.thread, NULL);
    st.running = false;
}
