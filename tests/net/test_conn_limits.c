/*
 * Limits on TCP connections over real loopback sockets (issue 12): connections beyond the
 * per-address and total limits are closed as soon as they are accepted, a peer trickling a
 * message byte by byte is cut off at the message deadline however often it sends (while one
 * sending whole messages slowly is not), and a peer that never reads is cut off once what is
 * queued for it passes the buffer limit. A call set up before each flood still ends with its
 * BYE answered. Raw client sockets bind other loopback addresses (127.0.0.2...) to be other
 * peers. Every wait is on a socket or an event, with a bound.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net_util.h"
#include "parley/session.h"

typedef struct fixture {
    parley_endpoint *a, *b;
    int b_port;
    parley_session *call; /* A's, established */
} fixture;

static void on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                       void *user)
{
    (void)ep;
    (void)info;
    (void)user;
    parley_session_participate(s, NULL, 0, NULL, NULL);
}

static parley_endpoint *endpoint(const char *listen0, const parley_endpoint_config *base)
{
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    if (base)
        cfg = *base;
    const char *listen[] = {listen0, NULL};
    cfg.listen = listen;
    parley_endpoint *ep = NULL;
    assert_int_equal(parley_endpoint_create(&cfg, &ep), 0);
    assert_int_equal(parley_endpoint_set_session_cb(ep, on_session, NULL), 0);
    assert_int_equal(parley_endpoint_start(ep), 0);
    return ep;
}

static parley_endpoint_stats stats_of(parley_endpoint *ep)
{
    parley_endpoint_stats st = PARLEY_ENDPOINT_STATS_INIT;
    assert_int_equal(parley_endpoint_read_stats(ep, &st), 0);
    return st;
}

/* B with cfg listening on TCP, A calling it over TCP: the call is up. */
static void start(fixture *f, const parley_endpoint_config *b_cfg)
{
    memset(f, 0, sizeof(*f));
    f->b = endpoint("tcp:127.0.0.1:0", b_cfg);
    char addr[96];
    assert_int_equal(parley_endpoint_local_addr(f->b, 0, addr, sizeof(addr)), 0);
    f->b_port = atoi(strrchr(addr, ':') + 1);
    f->a = endpoint("tcp:127.0.0.1:0", NULL);
    char uri[128];
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d;transport=tcp", f->b_port);
    parley_address to = {uri, NULL};
    assert_int_equal(parley_session_create(f->a, &to, NULL, &f->call), 0);
    parley_result *r = NULL;
    assert_int_equal(parley_session_participate_sync(f->call, NULL, 0, &r), 0);
    assert_int_equal(r->status, 200);
    parley_result_free(r);
    assert_int_equal(stats_of(f->b).sessions, 1);
}

/* The call set up by start() still ends: its BYE is answered 200. */
static void end_call(fixture *f)
{
    parley_result *r = NULL;
    assert_int_equal(parley_session_terminate_sync(f->call, NULL, 0, &r), 0);
    assert_int_equal(r->status, 200);
    parley_result_free(r);
    parley_session_unref(f->call);
    parley_endpoint_unref(f->a);
    parley_endpoint_unref(f->b);
}

/* A TCP connection to B from source address src (127.0.0.x); -1 when connect failed. */
static int connect_from(fixture *f, const char *src, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    struct sockaddr_in s = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &s.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&s, sizeof(s)), 0);
    struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->b_port)};
    inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
    if (connect(fd, (struct sockaddr *)&d, sizeof(d)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether the peer closed fd within timeout_ms (EOF or reset; data read is discarded). */
static bool closed_within(int fd, int timeout_ms)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (spent >= timeout_ms)
            return false;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)(timeout_ms - spent)) <= 0)
            return false;
        char buf[4096];
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r <= 0)
            return true;
    }
}

static const char options_fmt[] = "OPTIONS sip:b@127.0.0.1 SIP/2.0\r\n"
                                  "Via: SIP/2.0/TCP %s:5060;branch=z9hG4bKcl%d\r\n"
                                  "From: <sip:x@%s>;tag=%d\r\nTo: <sip:b@127.0.0.1>\r\n"
                                  "Call-ID: cl-%d@%s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                                  "Content-Length: 0\r\n\r\n";

static int options(char *out, size_t size, const char *src, int i)
{
    return snprintf(out, size, options_fmt, src, i, src, i, i, src);
}

/* Reads from fd until a 200 OK shows up, at most timeout_ms. */
static bool answered(int fd, int timeout_ms)
{
    return nu_wait_output(fd, "SIP/2.0 200", timeout_ms);
}

static void test_connections_per_address_and_total(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_connections_per_address = 3;
    cfg.max_connections = 6;
    fixture f;
    start(&f, &cfg); /* A's connection is B's first */
    int fds[8];
    for (int i = 0; i < 5; i++)
        fds[i] = connect_from(&f, "127.0.0.2", 0);
    /* the connections beyond three from 127.0.0.2 are closed; the three others answer */
    assert_true(closed_within(fds[3], 3000));
    assert_true(closed_within(fds[4], 3000));
    for (int i = 0; i < 3; i++) {
        char req[512];
        int n = options(req, sizeof(req), "127.0.0.2", i);
        assert_int_equal(write(fds[i], req, (size_t)n), n);
        assert_true(answered(fds[i], 3000));
    }
    parley_endpoint_stats st = stats_of(f.b);
    assert_int_equal(st.connections_refused, 2);
    assert_int_equal(st.connections, 4);
    /* another address: two more fit in the total of six, the third does not */
    fds[5] = connect_from(&f, "127.0.0.3", 0);
    fds[6] = connect_from(&f, "127.0.0.3", 0);
    fds[7] = connect_from(&f, "127.0.0.3", 0);
    assert_true(closed_within(fds[7], 3000));
    char req[512];
    int n = options(req, sizeof(req), "127.0.0.3", 10);
    assert_int_equal(write(fds[6], req, (size_t)n), n);
    assert_true(answered(fds[6], 3000));
    st = stats_of(f.b);
    assert_int_equal(st.connections_refused, 3);
    assert_int_equal(st.connections, 6);
    end_call(&f); /* A's own connection was admitted before: its BYE goes through */
    for (int i = 0; i < 8; i++)
        close(fds[i]);
}

/* With the default limits one address may hold hundreds of connections (a load generator
 * opening one per call, as SIPp's -t tn does, or the clients behind one NAT): 100 from
 * 127.0.0.2 are all kept and answered (the default was 32, and SIPp -t tn at 100 calls/s with
 * -d 1000 lost its 33rd connection and quit). */
static void test_default_connections_per_address(void **state)
{
    (void)state;
    enum { N = 100 };
    fixture f;
    start(&f, NULL);
    int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = connect_from(&f, "127.0.0.2", 0);
        assert_true(fds[i] >= 0);
    }
    for (int i = 0; i < N; i++) {
        char req[512];
        int n = options(req, sizeof(req), "127.0.0.2", i);
        assert_int_equal(write(fds[i], req, (size_t)n), n);
        assert_true(answered(fds[i], 3000));
    }
    parley_endpoint_stats st = stats_of(f.b);
    assert_int_equal(st.connections_refused, 0);
    assert_int_equal(st.connections, N + 1);
    end_call(&f);
    for (int i = 0; i < N; i++)
        close(fds[i]);
}

static void test_slow_peer_cut_off(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.message_timeout_ms = 400;
    fixture f;
    start(&f, &cfg);
    /* one byte every 20 ms: the idle timer never fires, the message deadline does */
    int slow = connect_from(&f, "127.0.0.2", 0);
    char req[512];
    int n = options(req, sizeof(req), "127.0.0.2", 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool cut = false;
    for (int i = 0; i < n && !cut; i++) {
        if (write(slow, req + i, 1) != 1)
            break;
        cut = closed_within(slow, 20);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(cut);
    assert_true(ms >= 380 && ms < 2000);
    assert_int_equal(stats_of(f.b).slow_closed, 1);
    /* whole messages sent slowly (longer apart than the deadline) are fine */
    int patient = connect_from(&f, "127.0.0.3", 0);
    for (int i = 0; i < 2; i++) {
        n = options(req, sizeof(req), "127.0.0.3", 10 + i);
        assert_int_equal(write(patient, req, (size_t)n), n);
        assert_true(answered(patient, 3000));
        assert_false(closed_within(patient, 600));
    }
    /* a message split in two parts that both come within the deadline is fine too */
    n = options(req, sizeof(req), "127.0.0.3", 20);
    assert_int_equal(write(patient, req, 40), 40);
    assert_false(closed_within(patient, 200));
    assert_int_equal(write(patient, req + 40, (size_t)n - 40), n - 40);
    assert_true(answered(patient, 3000));
    assert_int_equal(stats_of(f.b).slow_closed, 1);
    end_call(&f);
    close(slow);
    close(patient);
}

static void test_peer_that_never_reads(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_connection_buffer = 16384;
    cfg.max_in_flight_per_peer = PARLEY_UNLIMITED;
    fixture f;
    start(&f, &cfg);
    int fd = connect_from(&f, "127.0.0.2", 4096);
    /* requests as fast as the socket takes them, answers never read */
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    bool cut = false;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; !cut; i++) {
        char req[512];
        int n = options(req, sizeof(req), "127.0.0.2", i);
        for (int off = 0; off < n && !cut;) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - t0.tv_sec > 20)
                fail_msg("never cut off");
            ssize_t w = send(fd, req + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w > 0) {
                off += (int)w;
            } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                struct pollfd p = {fd, POLLOUT, 0};
                poll(&p, 1, 100);
                cut = stats_of(f.b).overflow_closed > 0;
            } else {
                cut = true; /* reset by the peer */
            }
        }
    }
    assert_true(cut);
    assert_int_equal(stats_of(f.b).overflow_closed, 1);
    end_call(&f);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connections_per_address_and_total),
        cmocka_unit_test(test_default_connections_per_address),
        cmocka_unit_test(test_slow_peer_cut_off),
        cmocka_unit_test(test_peer_that_never_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
