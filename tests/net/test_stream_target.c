/*
 * A peer that calls over TCP with a Contact naming no transport (SIPp's built-in uac over -t t1:
 * "Contact: sip:sipp@127.0.0.1:PORT", sent from PORT): our requests in that dialog go over TCP,
 * on its connection, not over UDP to a port where nothing listens (RFC 3263 §4.1 would pick
 * UDP for such a URI; the peer has shown it speaks TCP there). The peer is a raw socket on real
 * loopback; every wait is on a socket or an event, with a bound.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_util.h"
#include "parley/session.h"
#include "parley/sdp.h"

#define SDP_P                                                                                      \
    "v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 "      \
    "RTP/AVP 0\r\n"
static nu_event got_session, got_result;
static parley_session *incoming;
static int result_status, result_error;

static void on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                       void *user)
{
    (void)ep, (void)info, (void)user;
    parley_session_ref(s);
    incoming = s;
    static const parley_sdp_codec codecs[] = {{0, "PCMU", 8000, 0, NULL}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = 20000;
    audio.codecs = codecs;
    audio.ncodecs = 1;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.user = "parley";
    cfg.addr = "127.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    assert_int_equal(parley_session_use_sdp(s, &cfg), 0);
    parley_session_participate(s, NULL, 0, NULL, NULL);
    nu_event_signal(&got_session);
}

static void on_session_plain(parley_endpoint *ep, parley_session *s,
                             const parley_incoming_info *info, void *user)
{
    (void)ep, (void)info, (void)user;
    parley_session_ref(s);
    incoming = s;
    parley_session_participate(s, NULL, 0, NULL, NULL);
    nu_event_signal(&got_session);
}

static void on_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s, (void)user;
    result_status = r->status;
    result_error = r->error;
    nu_event_signal(&got_result);
}

/* Reads from fd until buf holds needle and the header section after it ends, at most
 * timeout_ms; buf keeps what was read (NUL-terminated). */
static bool read_until(int fd, char *buf, size_t size, const char *needle, int timeout_ms)
{
    size_t len = 0;
    buf[0] = '\0';
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        const char *at = strstr(buf, needle);
        if (at && strstr(at, "\r\n\r\n"))
            return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        struct pollfd p = {fd, POLLIN, 0};
        if (spent >= timeout_ms || len + 1 >= size || poll(&p, 1, (int)(timeout_ms - spent)) <= 0)
            return false;
        ssize_t r = read(fd, buf + len, size - 1 - len);
        if (r <= 0)
            return false;
        len += (size_t)r;
        buf[len] = '\0';
    }
}

/* The value of header name in the message starting at msg, into out. */
static void header(const char *msg, const char *name, char *out, size_t size)
{
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s: ", name);
    const char *p = strstr(msg, key);
    assert_non_null(p);
    p += strlen(key);
    size_t n = strcspn(p, "\r");
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

static void test_tcp_dialog_without_transport_in_contact(void **state)
{
    (void)state;
    nu_event_init(&got_session);
    nu_event_init(&got_result);
    const char *listen[] = {"udp:127.0.0.1:0", "tcp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = listen;
    parley_endpoint *ep = NULL;
    assert_int_equal(parley_endpoint_create(&cfg, &ep), 0);
    assert_int_equal(parley_endpoint_set_session_cb(ep, on_session, NULL), 0);
    assert_int_equal(parley_endpoint_start(ep), 0);
    char addr[96];
    assert_int_equal(parley_endpoint_local_addr(ep, 1, addr, sizeof(addr)), 0);
    int port = atoi(strrchr(addr, ':') + 1);

    /* the peer: a TCP connection from a port of its own, which its Contact names */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in me = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
    socklen_t ml = sizeof(me);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &ml), 0);
    int my_port = ntohs(me.sin_port);
    int ufd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind(ufd, (struct sockaddr *)&me, sizeof(me)), 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);

    char msg[2048], buf[8192];
    int n = snprintf(msg, sizeof(msg),
                     "INVITE sip:b@127.0.0.1:%d SIP/2.0\r\n"
                     "Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKst1\r\n"
                     "From: sipp <sip:sipp@127.0.0.1:%d>;tag=st1\r\nTo: <sip:b@127.0.0.1:%d>\r\n"
                     "Call-ID: stream-target-1\r\nCSeq: 1 INVITE\r\n"
                     "Contact: sip:sipp@127.0.0.1:%d\r\nMax-Forwards: 70\r\n"
                     "Content-Type: application/sdp\r\n"
                     "Content-Length: %d\r\n\r\n%s",
                     port, my_port, my_port, port, my_port, (int)strlen(SDP_P), SDP_P);
    assert_int_equal(write(fd, msg, (size_t)n), n);
    assert_true(nu_event_wait(&got_session, 1, 3000));
    assert_true(read_until(fd, buf, sizeof(buf), "SIP/2.0 200", 3000));
    char to_hdr[256];
    header(strstr(buf, "SIP/2.0 200"), "To", to_hdr, sizeof(to_hdr));
    n = snprintf(msg, sizeof(msg),
                 "ACK sip:b@127.0.0.1:%d SIP/2.0\r\n"
                 "Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKst2\r\n"
                 "From: sipp <sip:sipp@127.0.0.1:%d>;tag=st1\r\nTo: %s\r\n"
                 "Call-ID: stream-target-1\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
                 "Content-Length: 0\r\n\r\n",
                 port, my_port, my_port, to_hdr);
    assert_int_equal(write(fd, msg, (size_t)n), n);

    /* our INFO comes over the peer's connection (it went over UDP, to a port with nothing
     * behind it: "connection failure") */
    parley_content body = {"text/plain", "ping", 4};
    assert_int_equal(
        parley_session_send_message(incoming, PARLEY_MSG_INFO, &body, NULL, 0, on_done, NULL), 0);
    assert_true(read_until(fd, buf, sizeof(buf), "INFO sip:sipp@127.0.0.1:", 3000));
    const char *info = strstr(buf, "INFO sip:");
    char via[256], from[256], cseq[64];
    header(info, "Via", via, sizeof(via));
    header(info, "From", from, sizeof(from));
    header(info, "To", to_hdr, sizeof(to_hdr));
    header(info, "CSeq", cseq, sizeof(cseq));
    assert_non_null(strstr(via, "SIP/2.0/TCP "));
    n = snprintf(msg, sizeof(msg),
                 "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\n"
                 "Call-ID: stream-target-1\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
                 via, from, to_hdr, cseq);
    assert_int_equal(write(fd, msg, (size_t)n), n);
    assert_true(nu_event_wait(&got_result, 1, 3000));
    assert_int_equal(result_error, 0);
    assert_int_equal(result_status, 200);

    /* our re-INVITE goes on the connection too, and so does the ACK of its 2xx (it went over
     * UDP to the Contact's port, where SIPp -t t1 has nothing) */
    nu_event_init(&got_result);
    assert_int_equal(parley_session_renegotiate(incoming, 0, NULL, 0, on_done, NULL), 0);
    assert_true(read_until(fd, buf, sizeof(buf), "INVITE sip:sipp@127.0.0.1:", 3000));
    const char *re = strstr(buf, "INVITE sip:");
    header(re, "Via", via, sizeof(via));
    header(re, "From", from, sizeof(from));
    header(re, "To", to_hdr, sizeof(to_hdr));
    header(re, "CSeq", cseq, sizeof(cseq));
    n = snprintf(msg, sizeof(msg),
                 "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\n"
                 "Call-ID: stream-target-1\r\nCSeq: %s\r\nContact: sip:sipp@127.0.0.1:%d\r\n"
                 "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
                 via, from, to_hdr, cseq, my_port, (int)strlen(SDP_P), SDP_P);
    assert_int_equal(write(fd, msg, (size_t)n), n);
    assert_true(nu_event_wait(&got_result, 1, 3000));
    assert_int_equal(result_error, 0);
    assert_int_equal(result_status, 200);
    assert_true(read_until(fd, buf, sizeof(buf), "ACK sip:", 3000));
    close(ufd);

    close(fd);
    parley_session_unref(incoming);
    parley_endpoint_unref(ep);
}

/* A caller that listens on UDP only, whose large INVITE went over TCP (RFC 3261 §18.1.1, the
 * sender's upgrade) from another port than its Contact's: the callee's request in the dialog
 * goes to the Contact over UDP as RFC 3263 says (over TCP it was refused: nobody listens there). */
static void test_upgraded_invite_udp_only_caller(void **state)
{
    (void)state;
    nu_event_init(&got_session);
    incoming = NULL;
    int bp = nu_free_port(SOCK_DGRAM);
    char bu[64], bt[64];
    snprintf(bu, sizeof(bu), "udp:127.0.0.1:%d", bp);
    snprintf(bt, sizeof(bt), "tcp:127.0.0.1:%d", bp);
    const char *lb[] = {bu, bt, NULL};
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = lb;
    parley_endpoint *b = NULL, *a = NULL;
    assert_int_equal(parley_endpoint_create(&cfg, &b), 0);
    assert_int_equal(parley_endpoint_set_session_cb(b, on_session_plain, NULL), 0);
    assert_int_equal(parley_endpoint_start(b), 0);
    cfg.listen = la;
    assert_int_equal(parley_endpoint_create(&cfg, &a), 0);
    assert_int_equal(parley_endpoint_start(a), 0);
    char addr[96], uri[128];
    assert_int_equal(parley_endpoint_local_addr(b, 0, addr, sizeof(addr)), 0);
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d", atoi(strrchr(addr, ':') + 1));
    static char pad[1600];
    memset(pad, 'x', sizeof(pad) - 1);
    parley_header big = {"X-Pad", pad};
    parley_address to = {uri, NULL};
    parley_session *s = NULL;
    assert_int_equal(parley_session_create(a, &to, NULL, &s), 0);
    parley_result *r = NULL;
    assert_int_equal(parley_session_participate_sync(s, &big, 1, &r), 0);
    assert_int_equal(r->status, 200);
    parley_result_free(r);
    assert_true(nu_event_wait(&got_session, 1, 3000));
    char pa[128] = "";
    const char *t = NULL;
    parley_session_peer_addr(incoming, pa, sizeof(pa), &t);
    assert_non_null(t);
    assert_string_equal(t, "TCP"); /* the INVITE came over TCP */
    parley_content body = {"text/plain", "ping", 4};
    r = NULL;
    assert_int_equal(
        parley_session_send_message_sync(incoming, PARLEY_MSG_INFO, &body, NULL, 0, &r), 0);
    assert_non_null(r);
    assert_int_equal(r->status, 200);
    parley_result_free(r);
    parley_session_unref(s);
    parley_session_unref(incoming);
    parley_endpoint_unref(a);
    parley_endpoint_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upgraded_invite_udp_only_caller),
        cmocka_unit_test(test_tcp_dialog_without_transport_in_contact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
