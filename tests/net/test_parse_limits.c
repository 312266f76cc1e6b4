/*
 * Requests past a parser limit, as a peer sees them on real loopback sockets: a UDP or TCP
 * request with too many header fields gets a stateless 400 naming the limit, one over the size
 * limit a 513; over TCP the 513 arrives in full even while the peer is still sending the
 * oversize message (the connection drains instead of resetting), and then the connection ends,
 * since the stream cannot be framed past it. Plain BSD sockets play the peer; every read is
 * bounded by poll.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parley/endpoint.h"
#include "parley/error.h"

#define WAIT_MS  5000
#define MAX_SIZE 4096

typedef struct fixture {
    parley_endpoint *ep;
    struct sockaddr_in udp, tcp;
} fixture;

static void local_addr(parley_endpoint *ep, size_t i, struct sockaddr_in *out)
{
    char buf[64];
    assert_int_equal(parley_endpoint_local_addr(ep, i, buf, sizeof(buf)), 0);
    char *colon = strrchr(buf, ':');
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)atoi(colon + 1));
    inet_pton(AF_INET, "127.0.0.1", &out->sin_addr);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    static const char *const listen[] = {"udp:127.0.0.1:0", "tcp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = listen;
    cfg.limits.max_size = MAX_SIZE;
    assert_int_equal(parley_endpoint_create(&cfg, &f->ep), 0);
    assert_int_equal(parley_endpoint_start(f->ep), 0);
    local_addr(f->ep, 0, &f->udp);
    local_addr(f->ep, 1, &f->tcp);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    assert_int_equal(parley_endpoint_stop(f->ep), 0);
    parley_endpoint_unref(f->ep);
    free(f);
    return 0;
}

/* An INVITE from transport/port with `extra` header lines and a body of body_len bytes. */
static char *invite(const char *transport, int port, const char *branch, const char *extra,
                    size_t body_len, size_t *len)
{
    pl_buf b;
    pl_buf_init(&b, 1024 + body_len);
    pl_buf_printf(&b,
                  "INVITE sip:x@127.0.0.1 SIP/2.0\r\n"
                  "Via: SIP/2.0/%s 127.0.0.1:%d;branch=%s\r\n"
                  "From: <sip:peer@127.0.0.1>;tag=p\r\nTo: <sip:x@127.0.0.1>\r\n"
                  "Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n%s"
                  "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
                  transport, port, branch, branch, extra ? extra : "", body_len);
    for (size_t i = 0; i < body_len; i++)
        pl_buf_putc(&b, 'b');
    return pl_buf_steal(&b, len);
}

static char *many_headers(int n)
{
    pl_buf b;
    pl_buf_init(&b, 0);
    for (int i = 0; i < n; i++)
        pl_buf_printf(&b, "X-H%d: %d\r\n", i, i);
    pl_buf_terminate(&b);
    return pl_buf_steal(&b, NULL);
}

/* Reads from fd until `until` shows up in what arrived (or the peer closes), at most WAIT_MS. */
static size_t read_until(int fd, char *buf, size_t size, const char *until, bool *eof)
{
    size_t len = 0;
    *eof = false;
    buf[0] = '\0';
    while (len + 1 < size && !(until && strstr(buf, until))) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, WAIT_MS) <= 0)
            break;
        ssize_t r = recv(fd, buf + len, size - 1 - len, 0);
        if (r <= 0) {
            *eof = r == 0;
            break;
        }
        len += (size_t)r;
        buf[len] = '\0';
    }
    return len;
}

static int udp_socket(struct sockaddr_in *bound)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t l = sizeof(*bound);
    getsockname(fd, (struct sockaddr *)bound, &l);
    return fd;
}

/* Sends one datagram and returns the first line of the answer ("" when none came). */
static void udp_exchange(fixture *f, const char *extra, size_t body_len, const char *branch,
                         char *first_line, size_t size)
{
    struct sockaddr_in me;
    int fd = udp_socket(&me);
    size_t len;
    char *m = invite("UDP", ntohs(me.sin_port), branch, extra, body_len, &len);
    assert_int_equal(sendto(fd, m, len, 0, (struct sockaddr *)&f->udp, sizeof(f->udp)),
                     (ssize_t)len);
    free(m);
    char buf[4096];
    bool eof;
    read_until(fd, buf, sizeof(buf), "\r\n\r\n", &eof);
    close(fd);
    assert_non_null(strstr(buf, branch)); /* the answer carries our Via */
    char *nl = strstr(buf, "\r\n");
    snprintf(first_line, size, "%.*s", nl ? (int)(nl - buf) : 0, buf);
}

static void test_udp_too_many_headers(void **state)
{
    fixture *f = *state;
    char line[256];
    char *extra = many_headers(250); /* 256 fields in all is the limit; header lines are short */
    udp_exchange(f, extra, 0, "z9hG4bKudp400", line, sizeof(line));
    assert_string_equal(line, "SIP/2.0 400 Bad Request (headers: too many header fields)");
    free(extra);
}

static void test_udp_oversize(void **state)
{
    fixture *f = *state;
    char line[256];
    udp_exchange(f, NULL, MAX_SIZE, "z9hG4bKudp513", line, sizeof(line));
    assert_string_equal(line, "SIP/2.0 513 Message Too Large (message: message too large)");
}

static int tcp_connect(fixture *f, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&f->tcp, sizeof(f->tcp)), 0);
    struct sockaddr_in me;
    socklen_t l = sizeof(me);
    getsockname(fd, (struct sockaddr *)&me, &l);
    *port = ntohs(me.sin_port);
    return fd;
}

static void test_tcp_too_many_headers_keeps_connection(void **state)
{
    fixture *f = *state;
    int port;
    int fd = tcp_connect(f, &port);
    char *extra = many_headers(250);
    size_t len;
    char *m = invite("TCP", port, "z9hG4bKtcp400", extra, 0, &len);
    free(extra);
    assert_int_equal(send(fd, m, len, 0), (ssize_t)len);
    free(m);
    char buf[4096];
    bool eof;
    read_until(fd, buf, sizeof(buf), "\r\n\r\n", &eof);
    assert_memory_equal(buf, "SIP/2.0 400 Bad Request (headers: too many header fields)\r\n", 59);
    /* the message was framed: the stream goes on */
    static const char options[] = "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
                                  "Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcpopt\r\n"
                                  "From: <sip:peer@127.0.0.1>;tag=p\r\nTo: <sip:x@127.0.0.1>\r\n"
                                  "Call-ID: opt\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(send(fd, options, sizeof(options) - 1, 0), (ssize_t)sizeof(options) - 1);
    read_until(fd, buf, sizeof(buf), "z9hG4bKtcpopt", &eof);
    assert_memory_equal(buf, "SIP/2.0 200 OK\r\n", 16);
    close(fd);
}

static void test_tcp_oversize_answered_then_closed(void **state)
{
    fixture *f = *state;
    int port;
    int fd = tcp_connect(f, &port);
    /* the whole message is sent at once: the endpoint reads a Content-Length it will not take,
     * answers, and must not reset the connection under the answer while the body comes in */
    size_t len;
    char *m = invite("TCP", port, "z9hG4bKtcp513", NULL, 64 * 1024, &len);
    assert_int_equal(send(fd, m, len, 0), (ssize_t)len);
    free(m);
    char buf[4096];
    bool eof;
    size_t got = read_until(fd, buf, sizeof(buf), NULL, &eof);
    assert_true(eof); /* the endpoint closed the connection after its answer */
    assert_true(got > 0);
    assert_memory_equal(buf, "SIP/2.0 513 Message Too Large (message: message too large)\r\n", 60);
    assert_non_null(strstr(buf, "branch=z9hG4bKtcp513"));
    close(fd);
}

static void test_tcp_endless_header_section(void **state)
{
    fixture *f = *state;
    int port;
    int fd = tcp_connect(f, &port);
    /* a header section that never ends: once it passes the limit, what a 513 needs was read */
    char *extra = many_headers(600);
    size_t len;
    char *m = invite("TCP", port, "z9hG4bKtcpend", extra, 0, &len);
    free(extra);
    size_t cut = (size_t)(strstr(m, "X-H599") - m); /* no empty line is sent */
    assert_true(cut > MAX_SIZE);
    assert_int_equal(send(fd, m, cut, 0), (ssize_t)cut);
    free(m);
    char buf[4096];
    bool eof;
    read_until(fd, buf, sizeof(buf), NULL, &eof);
    assert_true(eof);
    assert_memory_equal(buf, "SIP/2.0 513 Message Too Large", 29);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_udp_too_many_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_oversize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_too_many_headers_keeps_connection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tcp_oversize_answered_then_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_endless_header_section, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
