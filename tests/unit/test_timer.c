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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
