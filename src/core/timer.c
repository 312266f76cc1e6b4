#include "core/timer.h"

#define MASK (PL_WHEEL_SLOTS - 1)

void pl_wheel_init(pl_wheel *w, uint64_t now)
{
    w->cur = now;
    w->count = 0;
    for (int l = 0; l < PL_WHEEL_LEVELS; l++) {
        w->occupied[l] = 0;
        for (unsigned s = 0; s < PL_WHEEL_SLOTS; s++)
            pl_list_init(&w->slots[l][s]);
    }
    pl_list_init(&w->overflow);
    pl_list_init(&w->due);
}

void pl_timer_init(pl_timer *t)
{
    pl_list_init(&t->link);
    t->expires = 0;
    t->fn = NULL;
    t->arg = NULL;
}

static void place(pl_wheel *w, pl_timer *t)
{
    if (t->expires < w->cur) {
        pl_list_insert_tail(&w->due, &t->link);
        return;
    }
    uint64_t idx = t->expires;
    uint64_t delta = idx - w->cur;
    for (int l = 0; l < PL_WHEEL_LEVELS; l++) {
        unsigned shift = (unsigned)(PL_WHEEL_BITS * l);
        if (delta < ((uint64_t)1 << (shift + PL_WHEEL_BITS))) {
            unsigned s = (unsigned)((idx >> shift) & MASK);
            pl_list_insert_tail(&w->slots[l][s], &t->link);
            w->occupied[l] |= (uint64_t)1 << s;
            return;
        }
    }
    pl_list_insert_tail(&w->overflow, &t->link);
}

static void unlink_timer(pl_wheel *w, pl_timer *t)
{
    pl_list *next = t->link.next;
    pl_list_remove(&t->link);
    /* clear the slot's bit when it became empty: the slot head is then the old neighbour */
    if (next->next == next) {
        for (int l = 0; l < PL_WHEEL_LEVELS; l++) {
            pl_list *base = &w->slots[l][0];
            if (next >= base && next < base + PL_WHEEL_SLOTS) {
                w->occupied[l] &= ~((uint64_t)1 << (next - base));
                break;
            }
        }
    }
    w->count--;
}

void pl_wheel_add(pl_wheel *w, pl_timer *t, uint64_t expires, pl_timer_fn fn, void *arg)
{
    if (pl_timer_active(t))
        unlink_timer(w, t);
    t->expires = expires;
    t->fn = fn;
    t->arg = arg;
    place(w, t);
    w->count++;
}

void pl_wheel_cancel(pl_wheel *w, pl_timer *t)
{
    if (pl_timer_active(t))
        unlink_timer(w, t);
}

/* Re-places every timer of one slot (or the overflow list) relative to the current tick. */
static void cascade(pl_wheel *w, pl_list *slot, int level, unsigned s)
{
    pl_list tmp;
    pl_list_init(&tmp);
    pl_list_splice_tail(&tmp, slot);
    if (level >= 0)
        w->occupied[level] &= ~((uint64_t)1 << s);
    pl_list_each_safe(pos, n, &tmp)
    {
        pl_timer *t = pl_container_of(pos, pl_timer, link);
        pl_list_remove(pos);
        place(w, t);
    }
}

static void cascade_at_boundary(pl_wheel *w)
{
    for (int l = 1; l < PL_WHEEL_LEVELS; l++) {
        unsigned shift = (unsigned)(PL_WHEEL_BITS * l);
        unsigned s = (unsigned)((w->cur >> shift) & MASK);
        cascade(w, &w->slots[l][s], l, s);
        if (s != 0)
            return;
    }
    cascade(w, &w->overflow, -1, 0);
}

static void fire_slot(pl_wheel *w, unsigned s)
{
    pl_list *slot = &w->slots[0][s];
    /* callbacks may add timers to this very slot (expiring now): they fire in this pass too */
    while (!pl_list_empty(slot)) {
        pl_timer *t = pl_container_of(slot->next, pl_timer, link);
        unlink_timer(w, t);
        t->fn(t, t->arg);
    }
}

/* Fires the timers that were due when this advance began; those their callbacks start with a
 * zero delay wait for the next advance (a timer restarting itself cannot spin here). */
static void fire_due(pl_wheel *w)
{
    pl_list batch;
    pl_list_init(&batch);
    pl_list_splice_tail(&batch, &w->due);
    while (!pl_list_empty(&batch)) {
        pl_timer *t = pl_container_of(batch.next, pl_timer, link);
        unlink_timer(w, t);
        t->fn(t, t->arg);
    }
}

void pl_wheel_advance(pl_wheel *w, uint64_t now)
{
    if (!pl_list_empty(&w->due))
        fire_due(w);
    while (w->cur <= now) {
        if ((w->cur & MASK) == 0)
            cascade_at_boundary(w);
        unsigned pos = (unsigned)(w->cur & MASK);
        uint64_t mask = w->occupied[0] & (~(uint64_t)0 << pos);
        if (mask) {
            uint64_t next = (w->cur & ~(uint64_t)MASK) + (uint64_t)__builtin_ctzll(mask);
            if (next > now) {
                w->cur = now + 1;
                return;
            }
            w->cur = next;
            fire_slot(w, (unsigned)(next & MASK));
            w->cur = next + 1;
            /* a timer a callback added for `next` (past now) waits in due for the next advance */
        } else {
            uint64_t boundary = (w->cur | MASK) + 1;
            if (boundary > now) {
                w->cur = now + 1;
                return;
            }
            w->cur = boundary;
        }
    }
}

static uint64_t level_next(const pl_wheel *w, int l)
{
    uint64_t occ = w->occupied[l];
    if (!occ)
        return UINT64_MAX;
    unsigned shift = (unsigned)(PL_WHEEL_BITS * l);
    uint64_t base = (w->cur >> shift) & ~(uint64_t)MASK; /* start of this rotation, in slots */
    unsigned pos = (unsigned)((w->cur >> shift) & MASK);
    if (l == 0) {
        uint64_t ahead = occ & (~(uint64_t)0 << pos);
        if (ahead)
            return base + (uint64_t)__builtin_ctzll(ahead);
        return (base + PL_WHEEL_SLOTS + (uint64_t)__builtin_ctzll(occ));
    }
    /* slot j cascades when the tick reaches its start; slots before pos wrap around, and so
     * does pos itself unless the tick sits on its start: between two advances the cascade of
     * the tick `cur` has not run yet (pl_wheel_advance runs it first thing) */
    unsigned from = (w->cur & (((uint64_t)1 << shift) - 1)) == 0 ? pos : pos + 1;
    uint64_t ahead = from < PL_WHEEL_SLOTS ? occ & (~(uint64_t)0 << from) : 0;
    uint64_t slot = ahead ? base + (uint64_t)__builtin_ctzll(ahead)
                          : base + PL_WHEEL_SLOTS + (uint64_t)__builtin_ctzll(occ);
    return slot << shift;
}

uint64_t pl_wheel_next(const pl_wheel *w)
{
    if (!pl_list_empty(&w->due))
        return w->cur - 1; /* due already; cur > 0 whenever something is due */
    uint64_t best = UINT64_MAX;
    for (int l = 0; l < PL_WHEEL_LEVELS; l++) {
        uint64_t t = level_next(w, l);
        if (t < best)
            best = t;
    }
    if (!pl_list_empty(&w->overflow)) {
        unsigned shift = (unsigned)(PL_WHEEL_BITS * PL_WHEEL_LEVELS);
        uint64_t wrap = (w->cur & (((uint64_t)1 << shift) - 1)) == 0
                            ? w->cur /* its cascade is still to run */
                            : ((w->cur >> shift) + 1) << shift;
        if (wrap < best)
            best = wrap;
    }
    return best < w->cur ? w->cur : best;
}
