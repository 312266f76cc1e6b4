/*
 * The timing wheel alone (core/timer.c), with N timers alive on it.
 *
 * wheel-add:     N timers spread over the next 64*T1 (32 s, where SIP's timers live); one
 *                operation re-arms one of 256 probe timers the way a transaction does
 *                (pl_wheel_cancel, then pl_wheel_add at a random delay in the same range).
 *                Time does not move.
 * wheel-advance: N timers between 2 and 4.5 hours ahead (the wheel's top level: nothing of
 *                them may fire or cascade during the rounds); one operation advances the wheel
 *                by 1 ms and asks for its next deadline, as the loop does to re-arm its libuv
 *                timer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_txn.h"
#include "core/timer.h"

enum { PROBES = 256, DELAYS = 4096 };
#define NEAR_SPAN_MS 32000ull
#define FAR_FROM_MS  (2ull * 3600 * 1000)
#define FAR_SPAN_MS  (5ull * 1800 * 1000)

typedef struct wheel_work {
    pl_wheel w;
    pl_timer *live;
    unsigned long nlive, ops, seq;
    uint64_t now, rng;
    unsigned long fired;
    pl_timer probes[PROBES];
    uint64_t delays[DELAYS];
} wheel_work;

static volatile uint64_t sink;

static uint64_t next_rand(wheel_work *ww)
{
    /* xorshift64*: the same timers in every run */
    ww->rng ^= ww->rng >> 12;
    ww->rng ^= ww->rng << 25;
    ww->rng ^= ww->rng >> 27;
    return ww->rng * 0x2545f4914f6cdd1dull;
}

static void on_fire(pl_timer *t, void *arg)
{
    (void)t;
    ((wheel_work *)arg)->fired++;
}

static void wheel_destroy(void *w)
{
    wheel_work *ww = w;
    if (!ww)
        return;
    free(ww->live);
    free(ww);
}

static wheel_work *wheel_create(unsigned long live, unsigned long ops, uint64_t from, uint64_t span)
{
    wheel_work *ww = calloc(1, sizeof(*ww));
    if (!ww)
        return NULL;
    ww->live = calloc(live ? live : 1, sizeof(*ww->live));
    if (!ww->live) {
        wheel_destroy(ww);
        return NULL;
    }
    ww->nlive = live;
    ww->ops = ops;
    ww->rng = 0x9e3779b97f4a7c15ull;
    pl_wheel_init(&ww->w, 0);
    for (unsigned long i = 0; i < live; i++) {
        pl_timer_init(&ww->live[i]);
        pl_wheel_add(&ww->w, &ww->live[i], from + next_rand(ww) % span, on_fire, ww);
    }
    for (unsigned i = 0; i < PROBES; i++)
        pl_timer_init(&ww->probes[i]);
    for (unsigned i = 0; i < DELAYS; i++)
        ww->delays[i] = 1 + next_rand(ww) % NEAR_SPAN_MS;
    return ww;
}

static void nothing(void *w)
{
    (void)w;
}

/* ---- add + cancel ---- */

static void *add_create(unsigned long live, unsigned long ops)
{
    return wheel_create(live, ops, 1, NEAR_SPAN_MS);
}

static void add_round(void *w)
{
    wheel_work *ww = w;
    for (unsigned long i = 0; i < ww->ops; i++) {
        unsigned long s = ww->seq++;
        pl_timer *t = &ww->probes[s % PROBES];
        pl_wheel_cancel(&ww->w, t);
        pl_wheel_add(&ww->w, t, ww->w.cur + ww->delays[s % DELAYS], on_fire, ww);
    }
}

static int add_check(void *w, unsigned long rounds, char *why, size_t n)
{
    (void)rounds;
    wheel_work *ww = w;
    unsigned long want = ww->nlive + (ww->seq < PROBES ? ww->seq : PROBES);
    if (ww->w.count != want || ww->fired) {
        snprintf(why, n, "%u timers on the wheel (want %lu), %lu fired", ww->w.count, want,
                 ww->fired);
        return -1;
    }
    return 0;
}

/* ---- advancing ---- */

static void *advance_create(unsigned long live, unsigned long ops)
{
    return wheel_create(live, ops, FAR_FROM_MS, FAR_SPAN_MS);
}

static void advance_round(void *w)
{
    wheel_work *ww = w;
    uint64_t acc = 0;
    for (unsigned long i = 0; i < ww->ops; i++) {
        pl_wheel_advance(&ww->w, ++ww->now);
        acc ^= pl_wheel_next(&ww->w);
    }
    sink = acc;
}

static int advance_check(void *w, unsigned long rounds, char *why, size_t n)
{
    (void)rounds;
    wheel_work *ww = w;
    if (ww->w.count != ww->nlive || ww->fired || ww->now >= FAR_FROM_MS) {
        snprintf(why, n, "%u timers on the wheel (want %lu), %lu fired, %llu ms advanced",
                 ww->w.count, ww->nlive, ww->fired, (unsigned long long)ww->now);
        return -1;
    }
    return 0;
}

const bench_work bench_wheel_add = {
    "wheel-add", "op",          "pl_wheel_cancel + pl_wheel_add of a probe timer, 1 ms..32 s ahead",
    add_create,  nothing,       add_round,
    add_check,   wheel_destroy,
};

const bench_work bench_wheel_advance = {
    "wheel-advance",
    "ms",
    "pl_wheel_advance by 1 ms + pl_wheel_next; the live timers are 2..4.5 h ahead",
    advance_create,
    nothing,
    advance_round,
    advance_check,
    wheel_destroy,
    NULL,
};
