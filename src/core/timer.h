/*
 * Timers on a hierarchical timing wheel (4 levels of 64 slots, 1 ms ticks, an overflow list past
 * 4.6 hours). Adding and cancelling are O(1); advancing costs the timers that fire plus a
 * bounded amount per 64 ms of time passed, whatever the number of live timers. Timers that
 * expire on the same millisecond fire in the order they were started.
 */
#ifndef PL_TIMER_H
#define PL_TIMER_H

#include <stdint.h>

#include "core/list.h"

typedef struct pl_timer pl_timer;
typedef void (*pl_timer_fn)(pl_timer *t, void *arg);

struct pl_timer {
    pl_list link; /* in a wheel slot; unlinked when idle */
    uint64_t expires;
    pl_timer_fn fn;
    void *arg;
};

#define PL_WHEEL_LEVELS 4
#define PL_WHEEL_BITS   6
#define PL_WHEEL_SLOTS  (1u << PL_WHEEL_BITS)

typedef struct pl_wheel {
    uint64_t cur; /* next tick to process: every timer with expires < cur has fired */
    uint64_t occupied[PL_WHEEL_LEVELS];
    pl_list slots[PL_WHEEL_LEVELS][PL_WHEEL_SLOTS];
    pl_list overflow;
    pl_list due; /* started for a tick already processed (a zero delay): fire at the next advance */
    unsigned count;
} pl_wheel;

void pl_wheel_init(pl_wheel *w, uint64_t now);
void pl_timer_init(pl_timer *t);
/* (Re)arms t to fire at absolute time `expires` (ms); a past time fires at the next advance. */
void pl_wheel_add(pl_wheel *w, pl_timer *t, uint64_t expires, pl_timer_fn fn, void *arg);
void pl_wheel_cancel(pl_wheel *w, pl_timer *t);
static inline int pl_timer_active(const pl_timer *t)
{
    return pl_list_linked(&t->link);
}
/* Fires, in time order, every timer due at or before `now`. Callbacks may add or cancel timers. */
void pl_wheel_advance(pl_wheel *w, uint64_t now);
/* Earliest time at which advancing can do something (fire or cascade); UINT64_MAX when empty.
 * With timers due already, a time before the current tick: advance at once. */
uint64_t pl_wheel_next(const pl_wheel *w);
/* Whether timers wait that the next advance fires whatever its time. */
static inline int pl_wheel_has_due(const pl_wheel *w)
{
    return !pl_list_empty(&w->due);
}

#endif
