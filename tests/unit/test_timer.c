/*
 * The timing wheel through the virtual loop: every timer fires at its exact virtual time,
 * whatever the levels it went through and wherever the clock stopped before.
 */
#include "test_util.h"

#include "core/loop.h"

typedef struct fired {
    pl_loop *loop;
    uint64_t at;
    int calls;
} fired;

static void on_fire(pl_timer *t, void *arg)
{
    (void)t;
    fired *f = arg;
    f->at = pl_loop_now(f->loop);
    f->calls++;
}

/* A timer waiting for the cascade of a level-1 or level-2 slot while the clock stopped just
 * before that slot's start (the cascade of the tick the clock stopped at has not run yet). */
static void test_due_cascade_at_the_stop(void **state)
{
    (void)state;
    static const uint64_t delays[] = {70, 100, 4100, 5000, 32000, 262200};
    for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
        for (uint64_t start = 0; start < 3; start++) {
            pl_loop *l = NULL;
            assert_int_equal(pl_loop_create_virtual(start * 1031, &l), 0);
            fired f = {l, 0, 0};
            pl_timer t;
            pl_timer_init(&t);
            uint64_t t0 = pl_loop_now(l);
            pl_loop_timer_start(l, &t, delays[i], on_fire, &f);
            /* stop just before every slot boundary the timer's deadline lies after */
            uint64_t deadline = t0 + delays[i];
            uint64_t stops[] = {(deadline & ~(uint64_t)63) - 1, (deadline & ~(uint64_t)4095) - 1};
            for (size_t k = 0; k < 2; k++)
                if (stops[k] > pl_loop_now(l) && stops[k] < deadline)
                    pl_loop_advance(l, stops[k] - pl_loop_now(l));
            pl_loop_advance(l, deadline + 1000000 - pl_loop_now(l));
            assert_int_equal(f.calls, 1);
            assert_int_equal(f.at, deadline);
            pl_loop_destroy(l);
        }
    }
}

/* A zero delay fires at the next advance, at the same virtual time, from any point of the
 * clock; a timer restarting itself with a zero delay does not hang the loop (a wheel advance
 * fires only what was due when it began, and the virtual loop's drain is bounded). */
typedef struct again {
    pl_loop *loop;
    pl_timer t;
    int calls;
} again;

static void on_again(pl_timer *t, void *arg)
{
    again *a = arg;
    a->calls++;
    pl_loop_timer_start(a->loop, t, 0, on_again, a);
}

static void test_zero_delay_fires_now(void **state)
{
    (void)state;
    pl_loop *l = NULL;
    assert_int_equal(pl_loop_create_virtual(1000, &l), 0);
    static const uint64_t steps[] = {0, 1, 62, 1, 4033, 262144};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        pl_loop_advance(l, steps[i]);
        fired f = {l, 0, 0};
        pl_timer t;
        pl_timer_init(&t);
        uint64_t t0 = pl_loop_now(l);
        pl_loop_timer_start(l, &t, 0, on_fire, &f);
        pl_loop_advance(l, 0);
        assert_int_equal(f.calls, 1);
        assert_int_equal(f.at, t0);
    }
    /* the wheel's raw interface: a past deadline fires at the next advance, whatever its time */
    pl_wheel w;
    pl_wheel_init(&w, 500);
    pl_wheel_advance(&w, 700);
    fired f = {l, 0, 0};
    pl_timer t;
    pl_timer_init(&t);
    pl_wheel_add(&w, &t, 650, on_fire, &f);
    assert_true(pl_wheel_next(&w) <= 700);
    pl_wheel_advance(&w, 700);
    assert_int_equal(f.calls, 1);
    assert_int_equal(pl_wheel_next(&w), UINT64_MAX);

    again a = {l, {{0}}, 0};
    pl_timer_init(&a.t);
    pl_loop_timer_start(l, &a.t, 0, on_again, &a);
    pl_loop_advance(l, 0);
    assert_true(a.calls >= 1);
    int before = a.calls;
    pl_loop_timer_stop(l, &a.t);
    pl_loop_advance(l, 10);
    assert_int_equal(a.calls, before);
    pl_loop_destroy(l);
}

/* Many timers at random deadlines, the clock moved in random steps: each fires once, on time. */
static void test_random_deadlines(void **state)
{
    (void)state;
    enum { N = 500 };
    pl_loop *l = NULL;
    assert_int_equal(pl_loop_create_virtual(12345, &l), 0);
    static pl_timer t[N];
    static fired f[N];
    uint64_t seed = 99, deadline[N];
    for (int i = 0; i < N; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t d = (seed >> 33) % 300000;
        pl_timer_init(&t[i]);
        f[i] = (fired){l, 0, 0};
        deadline[i] = pl_loop_now(l) + d;
        pl_loop_timer_start(l, &t[i], d, on_fire, &f[i]);
    }
    for (int step = 0; step < 20000 && pl_loop_now(l) < 12345 + 300001; step++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        pl_loop_advance(l, 1 + (seed >> 33) % 97);
    }
    pl_loop_advance(l, 400000);
    for (int i = 0; i < N; i++) {
        assert_int_equal(f[i].calls, 1);
        assert_int_equal(f[i].at, deadline[i]);
    }
    pl_loop_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_cascade_at_the_stop),
        cmocka_unit_test(test_random_deadlines),
        cmocka_unit_test(test_zero_delay_fires_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
