/*
 * Stream connections on real loopback sockets, driven by a libuv loop on the test thread: an
 * idle connection is closed after the idle time (and the next message opens a new one), a
 * CRLFCRLF keep-alive ping gets a CRLF pong (RFC 5626 §3.5.1), a stream split byte by byte
 * still delivers whole messages. Every wait is an event with a bound (a guard timer).
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parley/error.h"
#include "transport/tp.h"

typedef struct fixture {
    pl_loop *loop;
    tp_layer *server, *client;
    tp_addr server_addr;
    int received;
    int client_down;
    int client_down_err;
    uint64_t down_conn;
    uv_timer_t guard;
    bool guard_fired;
    bool (*done)(struct fixture *f);
} fixture;

static const char msg[] = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n"
                          "Via: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKconn1\r\n"
                          "From: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\n"
                          "Call-ID: conn-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

static void stop_if_done(fixture *f)
{
    if (f->done && f->done(f))
        uv_stop(pl_loop_uv(f->loop));
}

static void server_msg(void *arg, sip_msg *m, const tp_rx *rx)
{
    fixture *f = arg;
    (void)rx;
    if (!m->err.code)
        f->received++;
    sip_msg_free(m);
    stop_if_done(f);
}

static void client_down(void *arg, uint64_t id, int err)
{
    fixture *f = arg;
    f->client_down++;
    f->client_down_err = err;
    f->down_conn = id;
    stop_if_done(f);
}

static void client_msg(void *arg, sip_msg *m, const tp_rx *rx)
{
    (void)arg;
    (void)rx;
    sip_msg_free(m);
}

static void on_guard(uv_timer_t *t)
{
    fixture *f = t->data;
    f->guard_fired = true;
    uv_stop(pl_loop_uv(f->loop));
}

/* Runs the loop until f->done() or 5 s; returns whether done() came true. */
static bool run_until(fixture *f, bool (*done)(fixture *))
{
    f->done = done;
    f->guard_fired = false;
    uv_timer_start(&f->guard, on_guard, 5000, 0);
    if (!done(f))
        uv_run(pl_loop_uv(f->loop), UV_RUN_DEFAULT);
    uv_timer_stop(&f->guard);
    return done(f);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_int_equal(pl_loop_create(NULL, &f->loop), 0);
    pl_loop_set_thread(f->loop);
    uv_timer_init(pl_loop_uv(f->loop), &f->guard);
    f->guard.data = f;
    tp_config sc = {0};
    tp_handler sh = {server_msg, NULL, NULL, f};
    assert_int_equal(tp_layer_create(f->loop, &sc, &sh, &f->server), 0);
    tp_addr any;
    tp_addr_parse("tcp:127.0.0.1:0", NULL, &any);
    tp_iface *ifc;
    assert_int_equal(tp_listen(f->server, TP_TCP, &any, &ifc), 0);
    f->server_addr = *tp_iface_local(ifc);
    tp_config cc = {0};
    cc.idle_timeout_ms = 150;
    tp_handler ch = {client_msg, client_down, NULL, f};
    assert_int_equal(tp_layer_create(f->loop, &cc, &ch, &f->client), 0);
    *state = f;
    return 0;
}

static void on_guard_closed(uv_handle_t *h)
{
    (void)h;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tp_layer_destroy(f->client);
    tp_layer_destroy(f->server);
    uv_close((uv_handle_t *)&f->guard, on_guard_closed);
    uv_run(pl_loop_uv(f->loop), UV_RUN_NOWAIT);
    pl_loop_destroy(f->loop);
    free(f);
    return 0;
}

static bool got_one(fixture *f)
{
    return f->received >= 1;
}

static bool got_one_and_closed(fixture *f)
{
    return f->received >= 1 && f->client_down >= 1;
}

static bool got_two(fixture *f)
{
    return f->received >= 2;
}

static void test_idle_connection_closes_and_reopens(void **state)
{
    fixture *f = *state;
    tp_dest d;
    memset(&d, 0, sizeof(d));
    d.proto = TP_TCP;
    d.addr = f->server_addr;
    uint64_t first = 0, second = 0;
    assert_int_equal(tp_send(f->client, &d, msg, strlen(msg), &first), 0);
    assert_true(run_until(f, got_one));
    assert_true(tp_conn_alive(f->client, first));
    /* nothing more is sent: the client closes the connection after its idle time */
    assert_true(run_until(f, got_one_and_closed));
    assert_int_equal(f->client_down_err, PARLEY_E_ABORTED);
    assert_int_equal(f->down_conn, first);
    assert_false(tp_conn_alive(f->client, first));
    /* the next message opens a new connection */
    assert_int_equal(tp_send(f->client, &d, msg, strlen(msg), &second), 0);
    assert_true(second != first);
    assert_true(run_until(f, got_two));
}

/* ---- raw sockets against the server ---- */

typedef struct raw_read {
    fixture *f;
    uv_poll_t poll;
    char buf[256];
    size_t len;
} raw_read;

static void on_readable(uv_poll_t *p, int status, int events)
{
    raw_read *r = p->data;
    (void)events;
    if (status < 0)
        return;
    ssize_t n = read(p->io_watcher.fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);
    if (n > 0)
        r->len += (size_t)n;
    uv_stop(pl_loop_uv(r->f->loop));
}

static int raw_connect(fixture *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, &f->server_addr.u.sa, tp_addr_len(&f->server_addr)), 0);
    return fd;
}

static raw_read *raw_watch(fixture *f, int fd)
{
    raw_read *r = calloc(1, sizeof(*r));
    r->f = f;
    uv_poll_init(pl_loop_uv(f->loop), &r->poll, fd);
    r->poll.data = r;
    uv_poll_start(&r->poll, UV_READABLE, on_readable);
    return r;
}

static void raw_unwatch(fixture *f, raw_read *r)
{
    uv_poll_stop(&r->poll);
    uv_close((uv_handle_t *)&r->poll, on_guard_closed);
    uv_run(pl_loop_uv(f->loop), UV_RUN_NOWAIT);
    free(r);
}

static bool never(fixture *f)
{
    (void)f;
    return false;
}

static void test_keepalive_ping_gets_pong(void **state)
{
    fixture *f = *state;
    int fd = raw_connect(f);
    raw_read *r = raw_watch(f, fd);
    assert_int_equal(write(fd, "\r\n\r\n", 4), 4);
    run_until(f, never); /* on_readable stops the loop; the guard bounds it */
    assert_false(f->guard_fired);
    r->buf[r->len] = '\0';
    assert_string_equal(r->buf, "\r\n");
    raw_unwatch(f, r);
    close(fd);
}

static void test_stream_split_byte_by_byte(void **state)
{
    fixture *f = *state;
    int fd = raw_connect(f);
    /* two messages, the first one written a byte at a time */
    for (size_t i = 0; i < strlen(msg); i++) {
        assert_int_equal(write(fd, msg + i, 1), 1);
        uv_run(pl_loop_uv(f->loop), UV_RUN_NOWAIT);
    }
    assert_int_equal(write(fd, msg, strlen(msg)), (ssize_t)strlen(msg));
    assert_true(run_until(f, got_two));
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_connection_closes_and_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_ping_gets_pong, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_split_byte_by_byte, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
