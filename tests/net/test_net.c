/*
 * Transports on real loopback sockets: UDP, TCP (reuse, refused, broken, idle close), the
 * UDP->TCP switch for large requests, TLS with certificates made at test time by the openssl
 * CLI, RFC 3263 failover against a real DNS server (dnsmasq), threads and shutdown.
 * Every wait is on an event, bounded.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net_util.h"
#include "parley/endpoint.h"

#define WAIT_MS 10000

typedef struct peer {
    parley_endpoint *ep;
    nu_event got;
    pthread_mutex_t mu;
    int messages;
    char last_body[4096];
    char last_transport[8];
    char last_contact[128]; /* Contact of the last request received that had one */
    char remotes[8][64];    /* remote address of each received MESSAGE */
    char sent_local[64];    /* local address of the last MESSAGE it sent */
    char sent_transport[8];
    int nremotes;
    int respond; /* answer with this code (0: default 200) */
} peer;

static void on_message(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    peer *p = user;
    parley_slice b = parley_msg_body(parley_request_msg(req));
    pthread_mutex_lock(&p->mu);
    p->messages++;
    snprintf(p->last_body, sizeof(p->last_body), "%.*s", (int)b.len, b.p);
    pthread_mutex_unlock(&p->mu);
    if (p->respond)
        parley_request_respond(req, p->respond, NULL, NULL, NULL, 0);
    nu_event_signal(&p->got);
}

static void on_trace(parley_endpoint *ep, const parley_trace_event *ev, void *user)
{
    (void)ep;
    peer *p = user;
    if (ev->sent) {
        if (ev->len >= 7 && !memcmp(ev->data, "MESSAGE", 7)) {
            pthread_mutex_lock(&p->mu);
            snprintf(p->sent_local, sizeof(p->sent_local), "%s", ev->local);
            snprintf(p->sent_transport, sizeof(p->sent_transport), "%s", ev->transport);
            pthread_mutex_unlock(&p->mu);
        }
        return;
    }
    const char *c = memmem(ev->data, ev->len, "\r\nContact: ", 11);
    if (c) {
        const char *e = memmem(c + 2, ev->len - (size_t)(c + 2 - ev->data), "\r\n", 2);
        pthread_mutex_lock(&p->mu);
        snprintf(p->last_contact, sizeof(p->last_contact), "%.*s", e ? (int)(e - c - 11) : 0,
                 c + 11);
        pthread_mutex_unlock(&p->mu);
    }
    if (ev->len < 7 || memcmp(ev->data, "MESSAGE", 7) != 0)
        return;
    pthread_mutex_lock(&p->mu);
    snprintf(p->last_transport, sizeof(p->last_transport), "%s", ev->transport);
    if (p->nremotes < 8)
        snprintf(p->remotes[p->nremotes++], 64, "%s", ev->remote);
    pthread_mutex_unlock(&p->mu);
}

static parley_endpoint *start(const char *const *listen, peer *p, parley_endpoint_config *extra)
{
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    if (extra)
        cfg = *extra;
    cfg.listen = listen;
    if (p) {
        memset(p, 0, sizeof(*p));
        nu_event_init(&p->got);
        pthread_mutex_init(&p->mu, NULL);
        cfg.on_message = on_message;
        cfg.on_trace = on_trace;
        cfg.user = p;
    }
    parley_endpoint *ep = NULL;
    int rc = parley_endpoint_create(&cfg, &ep);
    if (rc)
        fail_msg("endpoint create: %s", parley_strerror(rc));
    assert_int_equal(parley_endpoint_start(ep), 0);
    if (p)
        p->ep = ep;
    return ep;
}

static void stop(parley_endpoint *ep)
{
    assert_int_equal(parley_endpoint_stop(ep), 0);
    parley_endpoint_unref(ep);
}

static int send_type(parley_endpoint *ep, parley_msg_type type, const char *uri, const char *text,
                     int *status)
{
    parley_address to = {uri, NULL};
    parley_content body = {NULL, text, strlen(text)};
    parley_result *r = NULL;
    int rc = parley_endpoint_send_message_sync(ep, type, &to, &body, NULL, 0, &r);
    *status = r ? r->status : 0;
    parley_result_free(r);
    return rc;
}

static int send_to(parley_endpoint *ep, const char *uri, const char *text, int *status)
{
    return send_type(ep, PARLEY_MSG_MESSAGE, uri, text, status);
}

static void test_udp_and_tcp_roundtrip(void **state)
{
    (void)state;
    int port = nu_free_port(SOCK_DGRAM);
    char u[64], t[64], uri[96];
    snprintf(u, sizeof(u), "udp:127.0.0.1:%d", port);
    snprintf(t, sizeof(t), "tcp:127.0.0.1:%d", port);
    const char *lb[] = {u, t, NULL};
    peer b;
    start(lb, &b, NULL);
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint *a = start(la, NULL, NULL);
    int status;
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d", port);
    assert_int_equal(send_to(a, uri, "over udp", &status), 0);
    assert_int_equal(status, 200);
    assert_string_equal(b.last_transport, "UDP");
    /* three messages over TCP share one connection */
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d;transport=tcp", port);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(send_to(a, uri, "over tcp", &status), 0);
        assert_int_equal(status, 200);
    }
    assert_string_equal(b.last_transport, "TCP");
    assert_int_equal(b.nremotes, 4);
    assert_string_equal(b.remotes[1], b.remotes[2]);
    assert_string_equal(b.remotes[2], b.remotes[3]);
    /* a listens on UDP only: its Contact names that listener over TCP too, not a TCP port
     * nobody listens on */
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d", port);
    assert_int_equal(send_type(a, PARLEY_MSG_OPTIONS, uri, "", &status), 0);
    char over_udp[128];
    snprintf(over_udp, sizeof(over_udp), "%s", b.last_contact);
    assert_non_null(strstr(over_udp, "<sip:127.0.0.1:"));
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d;transport=tcp", port);
    assert_int_equal(send_type(a, PARLEY_MSG_OPTIONS, uri, "", &status), 0);
    assert_string_equal(b.last_contact, over_udp);
    /* a large request leaves UDP for TCP (RFC 3261 §18.1.1) */
    char big[2001];
    memset(big, 'z', 2000);
    big[2000] = '\0';
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d", port);
    assert_int_equal(send_to(a, uri, big, &status), 0);
    assert_int_equal(status, 200);
    assert_string_equal(b.last_transport, "TCP");
    assert_int_equal(strlen(b.last_body), 2000);
    stop(a);
    stop(b.ep);
}

/* Wildcard listening points of both families on one port: [::] takes IPv6 only (it would
 * otherwise hold the port for 0.0.0.0 too, and see IPv4 peers as ::ffff:a.b.c.d), so each
 * family's requests arrive on its own listening point, from the peer's own address. */
static void test_wildcards_of_both_families(void **state)
{
    (void)state;
    int port = nu_free_port(SOCK_DGRAM);
    char u4[64], u6[64], t4[64], t6[64], uri[96];
    snprintf(u4, sizeof(u4), "udp:0.0.0.0:%d", port);
    snprintf(u6, sizeof(u6), "udp:[::]:%d", port);
    snprintf(t4, sizeof(t4), "tcp:0.0.0.0:%d", port);
    snprintf(t6, sizeof(t6), "tcp:[::]:%d", port);
    const char *lb[] = {u4, u6, t4, t6, NULL};
    peer b;
    start(lb, &b, NULL);
    const char *l4[] = {"udp:127.0.0.1:0", "tcp:127.0.0.1:0", NULL};
    const char *l6[] = {"udp:[::1]:0", "tcp:[::1]:0", NULL};
    parley_endpoint *a4 = start(l4, NULL, NULL), *a6 = start(l6, NULL, NULL);
    static const char *const tps[] = {"", ";transport=tcp"};
    int status;
    for (int i = 0; i < 2; i++) {
        snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d%s", port, tps[i]);
        assert_int_equal(send_to(a4, uri, "over IPv4", &status), 0);
        assert_int_equal(status, 200);
        snprintf(uri, sizeof(uri), "sip:b@[::1]:%d%s", port, tps[i]);
        assert_int_equal(send_to(a6, uri, "over IPv6", &status), 0);
        assert_int_equal(status, 200);
    }
    assert_int_equal(b.nremotes, 4);
    for (int i = 0; i < 4; i++)
        assert_true(!strncmp(b.remotes[i], i % 2 ? "[::1]:" : "127.0.0.1:", i % 2 ? 6 : 10));
    stop(a4);
    stop(a6);
    stop(b.ep);
}

/* A large request moves to TCP; when the peer has no TCP listener it goes over UDP after all
 * (RFC 3261 §18.1.1), and the trace of a new connection names its real local address. */
static void test_large_request_falls_back_to_udp(void **state)
{
    (void)state;
    int port = nu_free_port(SOCK_DGRAM);
    char u[64], uri[96];
    snprintf(u, sizeof(u), "udp:127.0.0.1:%d", port);
    const char *lb[] = {u, NULL};
    peer b, a;
    start(lb, &b, NULL);
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    start(la, &a, NULL);
    char big[2001];
    memset(big, 'y', 2000);
    big[2000] = '\0';
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d", port);
    int status;
    assert_int_equal(send_to(a.ep, uri, big, &status), 0);
    assert_int_equal(status, 200);
    assert_string_equal(b.last_transport, "UDP");
    assert_int_equal(strlen(b.last_body), 2000);

    /* over a new TCP connection the trace says where it left from */
    int tport = nu_free_port(SOCK_STREAM);
    char t[64];
    snprintf(t, sizeof(t), "tcp:127.0.0.1:%d", tport);
    const char *lc[] = {t, NULL};
    peer c;
    start(lc, &c, NULL);
    snprintf(uri, sizeof(uri), "sip:c@127.0.0.1:%d;transport=tcp", tport);
    assert_int_equal(send_to(a.ep, uri, "hello", &status), 0);
    assert_int_equal(status, 200);
    assert_string_equal(a.sent_transport, "TCP");
    assert_int_equal(strncmp(a.sent_local, "127.0.0.1:", 10), 0);
    assert_string_not_equal(a.sent_local, "127.0.0.1:0");
    stop(a.ep);
    stop(b.ep);
    stop(c.ep);
}

static void test_tcp_refused_fails_at_once(void **state)
{
    (void)state;
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint *a = start(la, NULL, NULL);
    char uri[96];
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d;transport=tcp", nu_free_port(SOCK_STREAM));
    int status;
    /* a refused connection is a transport error now, not a timeout after Timer F */
    assert_int_equal(send_to(a, uri, "anyone?", &status), PARLEY_E_CONNECT);
    assert_int_equal(status, 0);
    stop(a);
}

/* A request over UDP to a port nobody listens on fails at once when the ICMP port unreachable
 * comes back (RFC 3261 §18.4), not after Timer F; the listening point keeps receiving and
 * sending after the error (libuv stops a poll on POLLERR: it is started again). */
static void test_udp_unreachable_fails_at_once(void **state)
{
    (void)state;
    int port = nu_free_port(SOCK_DGRAM);
    char u[64], uri[96];
    snprintf(u, sizeof(u), "udp:127.0.0.1:%d", port);
    const char *la[] = {u, NULL};
    peer a;
    start(la, &a, NULL);
    const char *lb[] = {"udp:127.0.0.1:0", NULL};
    peer b;
    start(lb, &b, NULL);
    snprintf(uri, sizeof(uri), "sip:nobody@127.0.0.1:%d", nu_free_port(SOCK_DGRAM));
    int status = -1;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(send_to(a.ep, uri, "anyone?", &status), PARLEY_E_CONNECT);
        assert_int_equal(status, 0);
    }
    snprintf(uri, sizeof(uri), "sip:a@127.0.0.1:%d", port);
    assert_int_equal(send_to(b.ep, uri, "still there?", &status), 0);
    assert_int_equal(status, 200);
    assert_string_equal(a.last_body, "still there?");
    stop(a.ep);
    stop(b.ep);
}

/* A TCP peer that reads the request and closes without answering. */
static void *rude_server(void *arg)
{
    int lfd = *(int *)arg;
    int c = accept(lfd, NULL, NULL);
    if (c >= 0) {
        char buf[4096];
        ssize_t r = read(c, buf, sizeof(buf));
        (void)r;
        close(c);
    }
    return NULL;
}

static void test_tcp_broken_connection_fails_transaction(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t sl = sizeof(sa);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 1), 0);
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    pthread_t th;
    pthread_create(&th, NULL, rude_server, &lfd);
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint *a = start(la, NULL, NULL);
    char uri[96];
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d;transport=tcp", ntohs(sa.sin_port));
    int status;
    assert_int_equal(send_to(a, uri, "hello", &status), PARLEY_E_CONNECT);
    pthread_join(th, NULL);
    close(lfd);
    stop(a);
}

/* ---- TLS ---- */

static char tls_dir[64];

static void make_certs(void)
{
    snprintf(tls_dir, sizeof(tls_dir), "/tmp/parley-tls-XXXXXX");
    assert_non_null(mkdtemp(tls_dir));
    char ca_key[128], ca_crt[128], key[128], csr[128], crt[128], ext[128], other[128],
        other_key[128];
    snprintf(ca_key, sizeof(ca_key), "%s/ca.key", tls_dir);
    snprintf(ca_crt, sizeof(ca_crt), "%s/ca.crt", tls_dir);
    snprintf(key, sizeof(key), "%s/server.key", tls_dir);
    snprintf(csr, sizeof(csr), "%s/server.csr", tls_dir);
    snprintf(crt, sizeof(crt), "%s/server.crt", tls_dir);
    snprintf(ext, sizeof(ext), "%s/ext.cnf", tls_dir);
    snprintf(other, sizeof(other), "%s/other.crt", tls_dir);
    snprintf(other_key, sizeof(other_key), "%s/other.key", tls_dir);
    FILE *f = fopen(ext, "w");
    fprintf(f, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    fclose(f);
    char *a1[] = {"openssl", "req",   "-x509", "-newkey", "rsa:2048",
                  "-nodes",  "-days", "2",     "-subj",   "/CN=parley test CA",
                  "-keyout", ca_key,  "-out",  ca_crt,    NULL};
    char *a2[] = {"openssl",       "req",     "-newkey", "rsa:2048", "-nodes", "-subj",
                  "/CN=localhost", "-keyout", key,       "-out",     csr,      NULL};
    char *a3[] = {
        "openssl",         "x509",  "-req", "-in",      csr, "-CA",  ca_crt, "-CAkey", ca_key,
        "-CAcreateserial", "-days", "2",    "-extfile", ext, "-out", crt,    NULL};
    char *a4[] = {"openssl", "req",     "-x509", "-newkey", "rsa:2048",
                  "-nodes",  "-days",   "2",     "-subj",   "/CN=someone else",
                  "-keyout", other_key, "-out",  other,     NULL};
    assert_int_equal(nu_run(a1), 0);
    assert_int_equal(nu_run(a2), 0);
    assert_int_equal(nu_run(a3), 0);
    assert_int_equal(nu_run(a4), 0);
}

static void test_tls(void **state)
{
    (void)state;
    make_certs();
    char crt[128], key[128], ca[128], other[128], t[64], uri[96];
    snprintf(crt, sizeof(crt), "%s/server.crt", tls_dir);
    snprintf(key, sizeof(key), "%s/server.key", tls_dir);
    snprintf(ca, sizeof(ca), "%s/ca.crt", tls_dir);
    snprintf(other, sizeof(other), "%s/other.crt", tls_dir);
    int port = nu_free_port(SOCK_STREAM);
    snprintf(t, sizeof(t), "tls:127.0.0.1:%d", port);
    const char *lb[] = {t, NULL};
    parley_endpoint_config cb = PARLEY_ENDPOINT_CONFIG_INIT;
    cb.tls_cert = crt;
    cb.tls_key = key;
    peer b;
    start(lb, &b, &cb);

    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config ca_cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    ca_cfg.tls_ca = ca;
    parley_endpoint *a = start(la, NULL, &ca_cfg);
    int status;
    snprintf(uri, sizeof(uri), "sips:b@127.0.0.1:%d", port);
    assert_int_equal(send_to(a, uri, "secret", &status), 0);
    assert_int_equal(status, 200);
    assert_string_equal(b.last_transport, "TLS");
    snprintf(uri, sizeof(uri), "sip:b@localhost:%d;transport=tls", port);
    assert_int_equal(send_to(a, uri, "by name", &status), 0);
    assert_int_equal(status, 200);
    stop(a);

    /* a client trusting another CA refuses the server: a TLS error, not a timeout */
    parley_endpoint_config wrong = PARLEY_ENDPOINT_CONFIG_INIT;
    wrong.tls_ca = other;
    parley_endpoint *c = start(la, NULL, &wrong);
    snprintf(uri, sizeof(uri), "sips:b@127.0.0.1:%d", port);
    assert_int_equal(send_to(c, uri, "nope", &status), PARLEY_E_TLS);
    stop(c);
    assert_int_equal(b.messages, 2);
    stop(b.ep);
    char *rm[] = {"rm", "-rf", tls_dir, NULL};
    nu_run(rm);
}

/* ---- RFC 3263 with a real DNS server ---- */

static void test_dns_srv_failover(void **state)
{
    (void)state;
    if (access("/usr/sbin/dnsmasq", X_OK) != 0) {
        print_message("SKIP: dnsmasq not installed (Debian package dnsmasq-base)\n");
        skip();
    }
    /* b answers; c answers 503; dead is a closed TCP port */
    int pb = nu_free_port(SOCK_STREAM), pc = nu_free_port(SOCK_STREAM);
    int dead = nu_free_port(SOCK_STREAM), dns = nu_free_port(SOCK_DGRAM);
    char lbt[64], lct[64];
    snprintf(lbt, sizeof(lbt), "tcp:127.0.0.1:%d", pb);
    snprintf(lct, sizeof(lct), "tcp:127.0.0.1:%d", pc);
    const char *lb[] = {lbt, NULL}, *lc[] = {lct, NULL};
    peer b, c;
    start(lb, &b, NULL);
    start(lc, &c, NULL);
    c.respond = 503;

    char port_opt[32], srv1[128], srv2[128], srv3[128], srv4[128];
    snprintf(port_opt, sizeof(port_opt), "--port=%d", dns);
    /* refused.test: NAPTR -> _sip._tcp with a dead target first, then b */
    snprintf(srv1, sizeof(srv1), "--srv-host=_sip._tcp.refused.test,dead.test,%d,10,10", dead);
    snprintf(srv2, sizeof(srv2), "--srv-host=_sip._tcp.refused.test,b.test,%d,20,10", pb);
    /* busy.test: no NAPTR; SRV for TCP: c (503) first, then b */
    snprintf(srv3, sizeof(srv3), "--srv-host=_sip._tcp.busy.test,c.test,%d,10,10", pc);
    snprintf(srv4, sizeof(srv4), "--srv-host=_sip._tcp.busy.test,b.test,%d,20,10", pb);
    char *argv[] = {"/usr/sbin/dnsmasq",
                    "-k",
                    "--conf-file=/dev/null",
                    port_opt,
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--no-resolv",
                    "--no-hosts",
                    "--log-facility=-",
                    "--host-record=b.test,127.0.0.1",
                    "--host-record=c.test,127.0.0.1",
                    "--host-record=dead.test,127.0.0.1",
                    "--naptr-record=refused.test,10,10,s,SIP+D2T,,_sip._tcp.refused.test",
                    srv1,
                    srv2,
                    srv3,
                    srv4,
                    NULL};
    int out = -1;
    pid_t pid = nu_spawn(argv, &out);
    assert_true(pid > 0);
    if (!nu_wait_output(out, "started", WAIT_MS)) {
        nu_stop(pid);
        fail_msg("dnsmasq did not start");
    }
    char servers[64];
    snprintf(servers, sizeof(servers), "127.0.0.1:%d", dns);
    parley_endpoint_config acfg = PARLEY_ENDPOINT_CONFIG_INIT;
    acfg.dns_servers = servers;
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint *a = start(la, NULL, &acfg);
    int status;
    /* NAPTR -> SRV: the first target refuses the connection, the second answers */
    assert_int_equal(send_to(a, "sip:bob@refused.test", "via naptr", &status), 0);
    assert_int_equal(status, 200);
    assert_int_equal(b.messages, 1);
    /* SRV only: a 503 moves on to the next target */
    assert_int_equal(send_to(a, "sip:bob@busy.test", "via srv", &status), 0);
    assert_int_equal(status, 200);
    assert_int_equal(c.messages, 1);
    assert_int_equal(b.messages, 2);
    /* A record only, explicit port */
    char uri[96];
    snprintf(uri, sizeof(uri), "sip:bob@b.test:%d;transport=tcp", pb);
    assert_int_equal(send_to(a, uri, "via A", &status), 0);
    assert_int_equal(b.messages, 3);
    /* a name nobody knows */
    assert_int_equal(send_to(a, "sip:bob@unknown.test", "lost", &status), PARLEY_E_NOROUTE);
    stop(a);
    stop(b.ep);
    stop(c.ep);
    close(out);
    nu_stop(pid);
}

/* ---- threads and shutdown ---- */

typedef struct sender_args {
    parley_endpoint *ep;
    const char *uri;
    int ok;
} sender_args;

static void *sender_thread(void *arg)
{
    sender_args *s = arg;
    for (int i = 0; i < 25; i++) {
        int status;
        if (send_to(s->ep, s->uri, "from a thread", &status) == 0 && status == 200)
            s->ok++;
    }
    return NULL;
}

static void test_calls_from_many_threads(void **state)
{
    (void)state;
    const char *lb[] = {"udp:127.0.0.1:0", NULL};
    peer b;
    start(lb, &b, NULL);
    char addr[64], uri[96];
    parley_endpoint_local_addr(b.ep, 0, addr, sizeof(addr));
    snprintf(uri, sizeof(uri), "sip:b@%s", addr + 4);
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint *a = start(la, NULL, NULL);
    pthread_t th[4];
    sender_args args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (sender_args){a, uri, 0};
        pthread_create(&th[i], NULL, sender_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].ok, 25);
    }
    assert_int_equal(b.messages, 100);
    stop(a);
    stop(b.ep);
}

static void on_done_event(parley_endpoint *ep, const parley_result *r, void *user)
{
    (void)ep;
    int *err = user;
    *err = r->error;
}

static void test_stop_fails_pending_operations(void **state)
{
    (void)state;
    const char *la[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint *a = start(la, NULL, NULL);
    char uri[96];
    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d", nu_free_port(SOCK_DGRAM));
    int err = 1;
    parley_address to = {uri, NULL};
    assert_int_equal(parley_endpoint_send_message(a, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0,
                                                  on_done_event, &err),
                     0);
    /* nobody answers: stopping ends the operation at once (the stop joins the loop thread,
     * so the completion has run when it returns) */
    assert_int_equal(parley_endpoint_stop(a), 0);
    assert_int_equal(err, PARLEY_E_TERMINATED);
    assert_int_equal(parley_endpoint_send_message(a, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0,
                                                  on_done_event, &err),
                     PARLEY_E_TERMINATED);
    parley_endpoint_unref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_and_tcp_roundtrip),
        cmocka_unit_test(test_wildcards_of_both_families),
        cmocka_unit_test(test_large_request_falls_back_to_udp),
        cmocka_unit_test(test_tcp_refused_fails_at_once),
        cmocka_unit_test(test_udp_unreachable_fails_at_once),
        cmocka_unit_test(test_tcp_broken_connection_fails_transaction),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_dns_srv_failover),
        cmocka_unit_test(test_calls_from_many_threads),
        cmocka_unit_test(test_stop_fails_pending_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
