/*
 * The work of public calls, run from the loop after the calls returned: the API promises that
 * no callback runs inside the call that caused it (on any thread), so an operation only checks
 * and queues there. Tasks of one endpoint run in the order they were queued, from a zero-delay
 * timer of the loop (no system call to arm it).
 */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

static void run_tasks(pl_timer *tm, void *arg);

void sess_task_queue(parley_session *s, sess_task *t, void (*run)(sess_task *),
                     void (*free_fn)(sess_task *))
{
    sess_registry *reg = s->reg;
    t->s = parley_session_ref(s);
    t->run = run;
    t->free = free_fn;
    pl_list_insert_tail(&reg->tasks, &t->link);
    if (!pl_timer_active(&reg->task_timer))
        pl_loop_timer_start(reg->ep->loop, &reg->task_timer, 0, run_tasks, reg);
}

void sess_task_hold(parley_session *s, pl_list *held, sess_task *t, void (*run)(sess_task *),
                    void (*free_fn)(sess_task *))
{
    t->s = parley_session_ref(s);
    t->run = run;
    t->free = free_fn;
    pl_list_insert_tail(held, &t->link);
}

void sess_task_cancel(sess_task *t)
{
    if (!pl_list_linked(&t->link))
        return;
    pl_list_remove(&t->link);
    parley_session *s = t->s;
    t->s = NULL;
    parley_session_unref(s);
}

/* Runs the tasks in list queued before this call (those they queue wait for the next round). */
static void run_list(pl_list *list)
{
    pl_list batch;
    pl_list_init(&batch);
    pl_list_splice_tail(&batch, list);
    while (!pl_list_empty(&batch)) {
        sess_task *t = pl_container_of(batch.next, sess_task, link);
        pl_list_remove(&t->link);
        parley_session *s = t->s; /* the task's reference: dropped once it ran */
        void (*free_fn)(sess_task *) = t->free;
        t->run(t);
        if (free_fn)
            free_fn(t);
        parley_session_unref(s);
    }
}

static void run_tasks(pl_timer *tm, void *arg)
{
    (void)tm;
    sess_registry *reg = arg;
    run_list(&reg->tasks);
}

void sess_tasks_run_held(pl_list *held)
{
    run_list(held);
}

void sess_tasks_drain(sess_registry *reg)
{
    pl_loop_timer_stop(reg->ep->loop, &reg->task_timer);
    for (int round = 0; round < 10000 && !pl_list_empty(&reg->tasks); round++)
        run_list(&reg->tasks);
    pl_loop_timer_stop(reg->ep->loop, &reg->task_timer);
}

/* ---- work items of calls without a completion ---- */

static void work_run(sess_task *t)
{
    sess_work *w = pl_container_of(t, sess_work, task);
    w->fn(w);
}

void sess_work_free(sess_work *w)
{
    if (!w)
        return;
    pl_free(w->reason);
    pl_free(w->hdrs);
    pl_free(w->extra);
    sess_body_free(&w->body);
    pl_free(w);
}

static void work_free(sess_task *t)
{
    sess_work_free(pl_container_of(t, sess_work, task));
}

sess_work *sess_work_new(parley_session *s, void (*fn)(sess_work *w), const parley_header *h,
                         size_t nh)
{
    (void)s;
    sess_work *w = pl_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    pl_list_init(&w->task.link);
    w->fn = fn;
    w->hdrs = nh ? ep_copy_headers(h, nh) : NULL; /* none: no allocation */
    w->nh = nh;
    if (!w->hdrs && nh) {
        pl_free(w);
        return NULL;
    }
    return w;
}

void sess_work_queue(parley_session *s, sess_work *w, pl_list *held)
{
    if (held)
        sess_task_hold(s, held, &w->task, work_run, work_free);
    else
        sess_task_queue(s, &w->task, work_run, work_free);
}
