#include "core/loop.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/time.h>

#include "core/alloc.h"
#include "parley/error.h"

typedef struct call {
    struct call *next;
    pl_call_fn fn;
    void *arg;
} call;

struct pl_loop {
    bool is_virtual;
    bool owns_uv;
    bool closing;
    uv_loop_t *uv;
    uv_loop_t own_uv;
    uv_timer_t uv_timer; /* drives the wheel */
    uv_prepare_t prep;   /* before each poll and after it (check): what became due meanwhile */
    uv_check_t check;    /* runs there, without a zero timeout poll (a system call) first */
    pl_list flushers;
    uv_async_t async; /* wakes the loop for queued calls and stop */
    bool handles_open;
    pthread_t thread;
    bool has_thread;
    atomic_ulong thread_gen; /* a new number (never reused) each time thread is set */
    pthread_mutex_t mu;
    call *head, *tail; /* queued calls */
    bool stop_requested;
    pl_wheel wheel;
    uint64_t vnow;  /* virtual clock */
    uint64_t armed; /* deadline the uv timer is armed for, UINT64_MAX when idle */
    bool due_now;   /* a timer was started due at once: the next run_due fires it */
};

static void rearm(pl_loop *l);
static void rearm_to(pl_loop *l, uint64_t next);

static void on_uv_timer(uv_timer_t *h)
{
    pl_loop *l = h->data;
    l->armed = UINT64_MAX;
    pl_wheel_advance(&l->wheel, uv_now(l->uv));
    rearm(l);
}

/*
 * Timers that are due by now (zero-delay ones above all: the session layer runs the work of
 * public calls from one) run right after the I/O that started them (check) or right before the
 * loop would poll (prepare), instead of through a uv timer of timeout 0, which costs one more
 * poll (epoll_wait) per batch. A few rounds at most: what keeps restarting itself with no
 * delay still goes through the uv timer, so the loop keeps polling for I/O meanwhile.
 */
static void run_due(pl_loop *l)
{
    uint64_t now = uv_now(l->uv);
    /* armed is never later than the wheel's next expiry (a timer that starts earlier rearms,
     * but for one due at once, which due_now notes): when it is still ahead, nothing is due
     * and the wheel need not be looked at */
    if (l->armed <= now || l->due_now) {
        l->due_now = false;
        uint64_t next = pl_wheel_next(&l->wheel);
        for (int round = 0; round < 4 && next <= now; round++) {
            pl_wheel_advance(&l->wheel, now);
            next = pl_wheel_next(&l->wheel);
        }
        rearm_to(l, next); /* the wheel's next as the loop left it: not looked up again */
    }
    pl_list_each_safe(pos, tmp, &l->flushers)
    {
        pl_flusher *f = pl_container_of(pos, pl_flusher, link);
        f->fn(f->arg);
    }
    if (l->due_now) /* started by a flusher: the poll that may come next must not wait */
        rearm(l);
}

void pl_loop_flusher_add(pl_loop *l, pl_flusher *f, void (*fn)(void *arg), void *arg)
{
    f->fn = fn;
    f->arg = arg;
    pl_list_insert_tail(&l->flushers, &f->link);
}

void pl_loop_flusher_remove(pl_loop *l, pl_flusher *f)
{
    (void)l;
    if (pl_list_linked(&f->link))
        pl_list_remove(&f->link);
}

static void on_prepare(uv_prepare_t *h)
{
    run_due(h->data);
}

static void on_check(uv_check_t *h)
{
    run_due(h->data);
}

static void run_queue(pl_loop *l)
{
    for (;;) {
        pthread_mutex_lock(&l->mu);
        call *c = l->head;
        if (c) {
            l->head = c->next;
            if (!l->head)
                l->tail = NULL;
        }
        pthread_mutex_unlock(&l->mu);
        if (!c)
            return;
        c->fn(c->arg);
        pl_free(c);
    }
}

static void on_async(uv_async_t *h)
{
    pl_loop *l = h->data;
    run_queue(l);
    pthread_mutex_lock(&l->mu);
    bool stop = l->stop_requested;
    pthread_mutex_unlock(&l->mu);
    if (stop)
        uv_stop(l->uv);
    rearm(l);
}

/* Arms the uv timer for next, the wheel's pl_wheel_next(). */
static void rearm_to(pl_loop *l, uint64_t next)
{
    if (l->is_virtual || !l->handles_open)
        return;
    if (next == l->armed)
        return;
    l->armed = next;
    if (next == UINT64_MAX) {
        uv_timer_stop(&l->uv_timer);
        return;
    }
    uint64_t now = uv_now(l->uv);
    uv_timer_start(&l->uv_timer, on_uv_timer, next > now ? next - now : 0, 0);
}

static void rearm(pl_loop *l)
{
    if (!l->is_virtual && l->handles_open)
        rearm_to(l, pl_wheel_next(&l->wheel));
}

static pl_loop *alloc_loop(void)
{
    pl_loop *l = pl_calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    l->armed = UINT64_MAX;
    pl_list_init(&l->flushers);
    return l;
}

int pl_loop_create(uv_loop_t *uv, pl_loop **out)
{
    pl_loop *l = alloc_loop();
    if (!l)
        return PARLEY_E_NOMEM;
    if (!uv) {
        if (uv_loop_init(&l->own_uv) != 0) {
            pthread_mutex_destroy(&l->mu);
            pl_free(l);
            return PARLEY_E_IO;
        }
        uv = &l->own_uv;
        l->owns_uv = true;
    }
    l->uv = uv;
    uv_timer_init(uv, &l->uv_timer);
    l->uv_timer.data = l;
    uv_async_init(uv, &l->async, on_async);
    l->async.data = l;
    uv_prepare_init(uv, &l->prep);
    l->prep.data = l;
    uv_prepare_start(&l->prep, on_prepare);
    uv_unref((uv_handle_t *)&l->prep); /* they never keep a loop alive by themselves */
    uv_check_init(uv, &l->check);
    l->check.data = l;
    uv_check_start(&l->check, on_check);
    uv_unref((uv_handle_t *)&l->check);
    l->handles_open = true;
    uv_update_time(uv);
    pl_wheel_init(&l->wheel, uv_now(uv));
    *out = l;
    return 0;
}

int pl_loop_create_virtual(uint64_t now, pl_loop **out)
{
    pl_loop *l = alloc_loop();
    if (!l)
        return PARLEY_E_NOMEM;
    l->is_virtual = true;
    l->vnow = now;
    pl_loop_set_thread(l);
    pl_wheel_init(&l->wheel, now);
    *out = l;
    return 0;
}

static void on_handle_closed(uv_handle_t *h)
{
    (void)h;
}

void pl_loop_destroy(pl_loop *l)
{
    if (!l)
        return;
    /* calls queued while the loop was stopping still run, so that what they carry is
     * released; their owners see the loop is gone (they check their own stopped state) */
    pthread_mutex_lock(&l->mu);
    l->closing = true; /* from now on pl_loop_call refuses: the caller keeps its data */
    pthread_mutex_unlock(&l->mu);
    run_queue(l);
    if (l->handles_open) {
        uv_close((uv_handle_t *)&l->uv_timer, on_handle_closed);
        uv_close((uv_handle_t *)&l->async, on_handle_closed);
        uv_close((uv_handle_t *)&l->prep, on_handle_closed);
        uv_close((uv_handle_t *)&l->check, on_handle_closed);
        l->handles_open = false;
        /* let the close callbacks run */
        uv_run(l->uv, UV_RUN_NOWAIT);
        if (l->owns_uv) {
            while (uv_loop_close(&l->own_uv) == UV_EBUSY)
                uv_run(&l->own_uv, UV_RUN_ONCE);
        }
    }
    pthread_mutex_destroy(&l->mu);
    pl_free(l);
}

bool pl_loop_is_virtual(const pl_loop *l)
{
    return l->is_virtual;
}

uv_loop_t *pl_loop_uv(pl_loop *l)
{
    return l->is_virtual ? NULL : l->uv;
}

uint64_t pl_loop_now(pl_loop *l)
{
    return l->is_virtual ? l->vnow : uv_now(l->uv);
}

uint64_t pl_loop_wall_us(pl_loop *l)
{
    if (l->is_virtual)
        return l->vnow * 1000;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

void pl_loop_timer_start(pl_loop *l, pl_timer *t, uint64_t delay_ms, pl_timer_fn fn, void *arg)
{
    uint64_t expires = pl_loop_now(l) + delay_ms;
    if (delay_ms && pl_timer_active(t) && t->expires == expires && t->fn == fn && t->arg == arg)
        return; /* set so already (a non-INVITE's Timer J started in the millisecond the limit on
                 * its TU was): placing it again would only move it behind the timers of that
                 * millisecond, and the uv timer is armed no later than it */
    pl_wheel_add(&l->wheel, t, expires, fn, arg);
    if (l->is_virtual || t->expires >= l->armed)
        return;
    if (delay_ms == 0 && l->handles_open) {
        /*
         * Due at once (the session layer's work queue): run_due fires it before the loop polls
         * again, as it would through a uv timer of timeout 0, without arming that timer now and
         * again for the later deadline once it fired (two uv_timer_start per queued batch).
         * Every place a loop-thread callback runs is followed by a run_due (check, prepare) or
         * a rearm (uv timer, async) before the next poll.
         */
        l->due_now = true;
        return;
    }
    rearm(l);
}

void pl_loop_timer_stop(pl_loop *l, pl_timer *t)
{
    pl_wheel_cancel(&l->wheel, t);
}

/* Numbers for thread_gen, shared by all loops: a (loop, number) pair names one setting of one
 * loop's thread, even after that loop is freed and another is made at its address. */
static atomic_ulong thread_gens = 1;

/* The last answer of pl_loop_on_thread on this thread, and for which setting it holds: the
 * session layer asks on every public call, and the answer only changes when the thread is set. */
static _Thread_local const pl_loop *asked_loop;
static _Thread_local unsigned long asked_gen;
static _Thread_local bool asked_on;

bool pl_loop_on_thread(pl_loop *l)
{
    if (asked_loop == l && asked_gen == atomic_load_explicit(&l->thread_gen, memory_order_acquire))
        return asked_on;
    pthread_mutex_lock(&l->mu);
    bool on = l->has_thread && pthread_equal(l->thread, pthread_self());
    unsigned long gen = atomic_load_explicit(&l->thread_gen, memory_order_relaxed);
    pthread_mutex_unlock(&l->mu);
    asked_loop = l;
    asked_gen = gen;
    asked_on = on;
    return on;
}

void pl_loop_set_thread_id(pl_loop *l, pthread_t t)
{
    unsigned long gen = atomic_fetch_add_explicit(&thread_gens, 1, memory_order_relaxed);
    pthread_mutex_lock(&l->mu);
    l->thread = t;
    l->has_thread = true;
    atomic_store_explicit(&l->thread_gen, gen, memory_order_release);
    pthread_mutex_unlock(&l->mu);
}

void pl_loop_set_thread(pl_loop *l)
{
    pl_loop_set_thread_id(l, pthread_self());
}

static int enqueue(pl_loop *l, pl_call_fn fn, void *arg)
{
    call *c = pl_malloc(sizeof(*c));
    if (!c)
        return PARLEY_E_NOMEM;
    c->fn = fn;
    c->arg = arg;
    c->next = NULL;
    pthread_mutex_lock(&l->mu);
    if (l->closing) {
        pthread_mutex_unlock(&l->mu);
        pl_free(c);
        return PARLEY_E_TERMINATED;
    }
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
    pthread_mutex_unlock(&l->mu);
    if (!l->is_virtual)
        uv_async_send(&l->async);
    return 0;
}

int pl_loop_call(pl_loop *l, pl_call_fn fn, void *arg)
{
    if (pl_loop_on_thread(l)) {
        fn(arg);
        return 0;
    }
    return enqueue(l, fn, arg);
}

int pl_loop_post(pl_loop *l, pl_call_fn fn, void *arg)
{
    return enqueue(l, fn, arg);
}

void pl_loop_close_queue(pl_loop *l)
{
    pthread_mutex_lock(&l->mu);
    l->closing = true;
    pthread_mutex_unlock(&l->mu);
    run_queue(l);
}

void pl_loop_run(pl_loop *l)
{
    pl_loop_set_thread(l);
    rearm(l);
    uv_run(l->uv, UV_RUN_DEFAULT);
}

void pl_loop_stop(pl_loop *l)
{
    pthread_mutex_lock(&l->mu);
    l->stop_requested = true;
    pthread_mutex_unlock(&l->mu);
    if (!l->is_virtual)
        uv_async_send(&l->async);
}

void pl_loop_drain(pl_loop *l)
{
    /* posted calls may post more calls or start zero-delay timers: loop until quiet (bounded) */
    for (int round = 0; round < 100000; round++) {
        bool busy = l->head != NULL || pl_wheel_has_due(&l->wheel);
        run_queue(l);
        pl_wheel_advance(&l->wheel, l->vnow);
        if (!busy && !l->head && !pl_wheel_has_due(&l->wheel))
            return;
    }
}

void pl_loop_advance(pl_loop *l, uint64_t ms)
{
    uint64_t target = l->vnow + ms;
    pl_loop_drain(l);
    while (l->vnow < target) {
        uint64_t next = pl_wheel_next(&l->wheel);
        l->vnow = next < target ? next : target;
        pl_loop_drain(l);
    }
}
