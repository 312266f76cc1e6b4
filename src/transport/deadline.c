/* The whole-message deadline of stream connections (see deadline.h). */
#include "transport/deadline.h"

static void on_expired(pl_timer *t, void *arg)
{
    (void)t;
    tp_deadline *d = arg;
    d->expired(d->arg);
}

void tp_deadline_init(tp_deadline *d, pl_loop *loop, unsigned ms, void (*expired)(void *arg),
                      void *arg)
{
    pl_timer_init(&d->t);
    d->loop = loop;
    d->ms = ms;
    d->expired = expired;
    d->arg = arg;
}

void tp_deadline_start(tp_deadline *d)
{
    if (d->ms && !pl_timer_active(&d->t))
        pl_loop_timer_start(d->loop, &d->t, d->ms, on_expired, d);
}

void tp_deadline_update(tp_deadline *d, size_t waiting, bool ended)
{
    if (!waiting) {
        tp_deadline_stop(d);
        return;
    }
    if (ended)
        tp_deadline_stop(d); /* the bytes waiting begin the next message: its own time */
    tp_deadline_start(d);
}

void tp_deadline_stop(tp_deadline *d)
{
    if (pl_timer_active(&d->t))
        pl_loop_timer_stop(d->loop, &d->t);
}
