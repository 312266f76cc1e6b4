/*
 * An endpoint attached to the application's own libuv loop (config.loop): it runs when the
 * application runs its loop, callbacks come on that thread, blocking calls there fail at once,
 * and stopping it from the loop thread closes every handle so that the loop can close.
 */
#include "test_util.h"

#include <uv.h>

#include "parley/endpoint.h"

typedef struct app {
    uv_loop_t loop;
    uv_timer_t guard;
    bool guard_fired;
    int got_message;
    int done_calls;
    int done_status;
    parley_endpoint *ep;
} app;

static void on_message(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    (void)req;
    ((app *)user)->got_message++;
}

static void on_done(parley_endpoint *ep, const parley_result *r, void *user)
{
    (void)ep;
    app *a = user;
    a->done_calls++;
    a->done_status = r->status;
    /* the completion runs on the application's loop: a blocking call here must refuse */
    parley_address to = {"sip:x@127.0.0.1:9", NULL};
    parley_result *res = NULL;
    assert_int_equal(
        parley_endpoint_send_message_sync(a->ep, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0, &res),
        PARLEY_E_LOOP_THREAD);
    uv_stop(&a->loop);
}

static void on_guard(uv_timer_t *t)
{
    app *a = t->data;
    a->guard_fired = true;
    uv_stop(&a->loop);
}

static void on_closed(uv_handle_t *h)
{
    (void)h;
}

static void test_endpoint_on_application_loop(void **state)
{
    (void)state;
    app a;
    memset(&a, 0, sizeof(a));
    assert_int_equal(uv_loop_init(&a.loop), 0);
    uv_timer_init(&a.loop, &a.guard);
    a.guard.data = &a;
    uv_timer_start(&a.guard, on_guard, 10000, 0);

    const char *listen[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = listen;
    cfg.loop = &a.loop;
    cfg.on_message = on_message;
    cfg.user = &a;
    assert_int_equal(parley_endpoint_create(&cfg, &a.ep), 0);
    assert_int_equal(parley_endpoint_start(a.ep), PARLEY_E_STATE); /* no thread of its own */

    /* the endpoint sends a message to itself */
    char addr[64], uri[96];
    parley_endpoint_local_addr(a.ep, 0, addr, sizeof(addr));
    snprintf(uri, sizeof(uri), "sip:me@%s", addr + 4);
    parley_address to = {uri, NULL};
    parley_content body = {NULL, "loop", 4};
    assert_int_equal(
        parley_endpoint_send_message(a.ep, PARLEY_MSG_MESSAGE, &to, &body, NULL, 0, on_done, &a),
        0);
    uv_run(&a.loop, UV_RUN_DEFAULT); /* until on_done stops it (or the guard) */
    assert_false(a.guard_fired);
    assert_int_equal(a.got_message, 1);
    assert_int_equal(a.done_calls, 1);
    assert_int_equal(a.done_status, 200);

    /* stop on the loop thread; the loop then closes what is left */
    assert_int_equal(parley_endpoint_stop(a.ep), 0);
    parley_endpoint_unref(a.ep);
    uv_timer_stop(&a.guard);
    uv_close((uv_handle_t *)&a.guard, on_closed);
    uv_run(&a.loop, UV_RUN_DEFAULT); /* returns once no handle is left: nothing leaked open */
    assert_int_equal(uv_loop_close(&a.loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_on_application_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
