/*
 * The event loop an endpoint lives on. Either real (a libuv loop, owned or the application's,
 * with a timer driving the timing wheel and an async handle for calls from other threads) or
 * virtual (tests: no libuv at all; time moves only when the test advances it and every call
 * runs at once on the caller's thread).
 */
#ifndef PL_LOOP_H
#define PL_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/list.h"
#include "core/timer.h"

typedef struct pl_loop pl_loop;
typedef void (*pl_call_fn)(void *arg);

/* Creates a real loop on uv (NULL: the loop owns a new uv loop). */
int pl_loop_create(uv_loop_t *uv, pl_loop **out);
/* Creates a virtual loop whose clock starts at `now` ms. */
int pl_loop_create_virtual(uint64_t now, pl_loop **out);
/* Runs the calls still queued, closes the loop's handles and frees it; on a real loop, call
 * after the loop stopped (or never ran). */
void pl_loop_destroy(pl_loop *l);

bool pl_loop_is_virtual(const pl_loop *l);
uv_loop_t *pl_loop_uv(pl_loop *l);

/* Monotonic milliseconds. */
uint64_t pl_loop_now(pl_loop *l);
/* Microseconds since the epoch for trace output (virtual loops: the virtual clock). */
uint64_t pl_loop_wall_us(pl_loop *l);

void pl_loop_timer_start(pl_loop *l, pl_timer *t, uint64_t delay_ms, pl_timer_fn fn, void *arg);
void pl_loop_timer_stop(pl_loop *l, pl_timer *t);

/*
 * A flusher runs once per loop iteration after the work that was due (before the loop polls,
 * and after the I/O it polled for): what a transport queued meanwhile goes out together (one
 * sendmmsg for the 180 and the 200 of one INVITE). Real loops only; the node stays the
 * caller's until pl_loop_flusher_remove.
 */
typedef struct pl_flusher {
    pl_list link;
    void (*fn)(void *arg);
    void *arg;
} pl_flusher;
void pl_loop_flusher_add(pl_loop *l, pl_flusher *f, void (*fn)(void *arg), void *arg);
void pl_loop_flusher_remove(pl_loop *l, pl_flusher *f);

/* The thread that runs the loop (set by pl_loop_run or pl_loop_set_thread). */
bool pl_loop_on_thread(pl_loop *l);
void pl_loop_set_thread(pl_loop *l);
void pl_loop_set_thread_id(pl_loop *l, pthread_t t);

/*
 * Runs fn(arg) on the loop thread: at once when called on it, else queued (thread-safe) and run
 * in order. Returns PARLEY_E_NOMEM, or PARLEY_E_TERMINATED when the loop is shutting down (fn is
 * then not called).
 */
int pl_loop_call(pl_loop *l, pl_call_fn fn, void *arg);
/* Same, but always queued, even from the loop thread (runs after the current callback). */
int pl_loop_post(pl_loop *l, pl_call_fn fn, void *arg);

/* After the loop thread ended: refuse further calls and run the ones still queued on the
 * calling thread (their owners see that the loop is gone). */
void pl_loop_close_queue(pl_loop *l);

/* Runs the uv loop on the calling thread until pl_loop_stop (real loops that own their uv). */
void pl_loop_run(pl_loop *l);
/* Asks a running loop to return from pl_loop_run (thread-safe). */
void pl_loop_stop(pl_loop *l);

/* Virtual loops: moves the clock forward by ms, firing timers and posted calls in order. */
void pl_loop_advance(pl_loop *l, uint64_t ms);
/* Virtual loops: runs posted calls and due timers without moving the clock. */
void pl_loop_drain(pl_loop *l);

#endif
