/*
 * TLS verification on real loopback sockets, with certificates made at test time by the
 * openssl CLI: a test CA, and servers whose certificates are good, expired, not yet valid, for
 * another host, from an unknown CA, self-signed, or naming the host only by DNS name or only by
 * a sip: URI. Only the good ones connect, with tls_ca set and with the "system store" (no
 * tls_ca, SSL_CERT_FILE pointing at the test CA); failures surface as PARLEY_E_TLS on the
 * operation; tls_insecure connects to all. Also: mutual TLS, the identity being the SIP domain
 * and not the SRV target (through a dnsmasq the test starts), no wildcards, and a connection
 * verified for one name never carrying a request meant for another.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net_util.h"
#include "parley/endpoint.h"

#define WAIT_MS 10000

static char dir[64];

/* Runs a shell command in the test's directory; fails the test when it fails. */
static void sh(const char *fmt, ...)
{
    char cmd[2048];
    int n = snprintf(cmd, sizeof(cmd), "cd %s && ", dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
    va_end(ap);
    char *argv[] = {"sh", "-c", cmd, NULL};
    if (nu_run(argv) != 0)
        fail_msg("failed: %s", cmd);
}

static const char *path(const char *name)
{
    static char buf[8][128];
    static int i;
    char *p = buf[i++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

/* A certificate for the shared server key, signed by `ca` ("ca", "other-ca") with the given
 * subjectAltName ("" for none) and validity (openssl ca -startdate/-enddate, or "" for 30
 * days from now). */
static void issue(const char *name, const char *ca, const char *cn, const char *san,
                  const char *dates)
{
    sh("printf '%s%s\\n' > %s.ext && "
       "openssl req -new -key server.key -subj '/CN=%s' -out %s.csr 2>/dev/null && "
       "openssl ca -batch -config ca.cnf -cert %s.crt -keyfile %s.key -in %s.csr -out %s.crt "
       "%s -extfile %s.ext >/dev/null 2>&1",
       san[0] ? "subjectAltName=" : "basicConstraints=CA:FALSE", san, name, cn, name, ca, ca, name,
       name, dates[0] ? dates : "-days 30", name);
}

static void make_certs(void)
{
    snprintf(dir, sizeof(dir), "/tmp/parley-tlsv-XXXXXX");
    assert_non_null(mkdtemp(dir));
    FILE *f = fopen(path("ca.cnf"), "w");
    assert_non_null(f);
    fprintf(f, "[ca]\ndefault_ca = test\n[test]\ndatabase = ./index.txt\nnew_certs_dir = .\n"
               "serial = ./serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
               "[any]\ncommonName = supplied\n");
    fclose(f);
    const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    sh(": > index.txt && echo 1000 > serial");
    sh("openssl req -x509 %s -days 30 -subj '/CN=parley test CA' -keyout ca.key -out ca.crt "
       "2>/dev/null",
       ec);
    sh("openssl req -x509 %s -days 30 -subj '/CN=someone else CA' -keyout other-ca.key "
       "-out other-ca.crt 2>/dev/null",
       ec);
    sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out server.key "
       "2>/dev/null");
    const char *both = "DNS:localhost,IP:127.0.0.1";
    issue("good", "ca", "localhost", both, "");
    issue("expired", "ca", "localhost", both,
          "-startdate 20200101000000Z -enddate 20200102000000Z");
    issue("future", "ca", "localhost", both, "-startdate 20990101000000Z -enddate 20990102000000Z");
    issue("wrong", "ca", "localhost", "DNS:wrong.example,IP:192.0.2.1", "");
    issue("unknown", "other-ca", "localhost", both, "");
    issue("dnsonly", "ca", "127.0.0.1", "DNS:localhost", "");
    issue("urisan", "ca", "localhost", "URI:sip:localhost", "");
    issue("domain", "ca", "node.test", "DNS:domain.test", "");
    issue("node", "ca", "node.test", "DNS:node.test", "");
    issue("wild", "ca", "localhost", "DNS:*.wild.test", "");
    issue("client", "ca", "client", "DNS:client.example", "");
    issue("client-unknown", "other-ca", "client", "DNS:client.example", "");
    sh("openssl req -x509 -key server.key -days 30 -subj /CN=localhost "
       "-addext subjectAltName=%s -out self.crt 2>/dev/null",
       both);
    sh("cat ca.crt other-ca.crt > both-ca.crt && : > empty.pem && mkdir -p emptydir");
}

/* ---- servers: one endpoint per certificate ---- */

enum { GOOD, EXPIRED, FUTURE, WRONG, UNKNOWN, SELF, DNSONLY, URISAN, DOMAIN, NODE, WILD, MTLS, NS };
static const char *const server_cert[NS] = {"good",    "expired", "future",  "wrong",
                                            "unknown", "self",    "dnsonly", "urisan",
                                            "domain",  "node",    "wild",    "good"};
static parley_endpoint *servers[NS];
static int ports[NS];

static void on_message(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    (void)req;
    (void)user; /* answered 200 when the callback returns */
}

static parley_endpoint *start(parley_endpoint_config *cfg)
{
    parley_endpoint *ep = NULL;
    int rc = parley_endpoint_create(cfg, &ep);
    if (rc)
        fail_msg("endpoint create: %s", parley_strerror(rc));
    assert_int_equal(parley_endpoint_start(ep), 0);
    return ep;
}

static void stop(parley_endpoint *ep)
{
    assert_int_equal(parley_endpoint_stop(ep), 0);
    parley_endpoint_unref(ep);
}

static int setup(void **state)
{
    (void)state;
    make_certs();
    for (int i = 0; i < NS; i++) {
        char listen[64], crt[32];
        ports[i] = nu_free_port(SOCK_STREAM);
        snprintf(listen, sizeof(listen), "tls:127.0.0.1:%d", ports[i]);
        snprintf(crt, sizeof(crt), "%s.crt", server_cert[i]);
        const char *l[] = {listen, NULL};
        parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
        cfg.listen = l;
        cfg.tls_cert = path(crt);
        cfg.tls_key = path("server.key");
        cfg.on_message = on_message;
        if (i == MTLS) {
            cfg.tls_verify_client = 1;
            cfg.tls_ca = path("ca.crt");
        }
        servers[i] = start(&cfg);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NS; i++)
        stop(servers[i]);
    char *rm[] = {"rm", "-rf", dir, NULL};
    nu_run(rm);
    return 0;
}

/* ---- clients ---- */

static parley_endpoint *client(const char *ca, int insecure, const char *cert, const char *key)
{
    const char *l[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = l;
    cfg.tls_ca = ca;
    cfg.tls_insecure = insecure;
    cfg.tls_client_cert = cert;
    cfg.tls_client_key = key;
    return start(&cfg);
}

/* Server i's URI, by address ("sips:b@127.0.0.1:port") or by name
 * ("sip:b@localhost:port;transport=tls"). */
static void server_uri(int i, bool by_name, char *uri, size_t size)
{
    if (by_name)
        snprintf(uri, size, "sip:b@localhost:%d;transport=tls", ports[i]);
    else
        snprintf(uri, size, "sips:b@127.0.0.1:%d", ports[i]);
}

/* Sends a MESSAGE to server i (server_uri); returns the operation's error. */
static int send_to(parley_endpoint *ep, int i, bool by_name)
{
    char uri[128];
    server_uri(i, by_name, uri, sizeof(uri));
    parley_address to = {uri, NULL};
    parley_content body = {NULL, "hello", 5};
    parley_result *r = NULL;
    int rc = parley_endpoint_send_message_sync(ep, PARLEY_MSG_MESSAGE, &to, &body, NULL, 0, &r);
    if (rc == 0 && r->status != 200)
        fail_msg("%s: status %d", uri, r->status);
    parley_result_free(r);
    return rc;
}

static void expect(parley_endpoint *ep, int i, bool by_name, int want)
{
    int rc = send_to(ep, i, by_name);
    if (rc != want)
        fail_msg("%s by %s: %s (%d), expected %s", server_cert[i], by_name ? "name" : "address",
                 parley_strerror(rc), rc, parley_strerror(want));
}

/* What a verifying client must see, whatever its trust store is made of. */
static void expect_verified(parley_endpoint *c)
{
    expect(c, GOOD, false, 0);
    expect(c, GOOD, true, 0);
    const int bad[] = {EXPIRED, FUTURE, WRONG, UNKNOWN, SELF};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        expect(c, bad[k], false, PARLEY_E_TLS);
        expect(c, bad[k], true, PARLEY_E_TLS);
    }
}

static void test_with_ca_file(void **state)
{
    (void)state;
    parley_endpoint *c = client(path("ca.crt"), 0, NULL, NULL);
    expect_verified(c);
    stop(c);
}

/* A MESSAGE from c to server i (server_uri) that TLS refuses: its result (to free). */
static parley_result *tls_refused(parley_endpoint *c, int i, bool by_name)
{
    char uri[128];
    server_uri(i, by_name, uri, sizeof(uri));
    parley_address to = {uri, NULL};
    parley_result *r = NULL;
    assert_int_equal(
        parley_endpoint_send_message_sync(c, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0, &r),
        PARLEY_E_TLS);
    assert_non_null(r);
    assert_int_equal(r->status, 0);
    assert_non_null(r->reason);
    return r;
}

/* A refused server: the result's reason says what the check found, for a person (parley send
 * prints it, parley call's result line has it as "detail"): "TLS failure" alone did not say
 * whether the CA, the name or the dates were wrong. */
static void expect_reason(parley_endpoint *c, int i, bool by_name, const char *why)
{
    parley_result *r = tls_refused(c, i, by_name);
    char want[192];
    snprintf(want, sizeof(want), "certificate of %s refused: %s",
             by_name ? "localhost" : "127.0.0.1", why);
    assert_string_equal(r->reason, want);
    parley_result_free(r);
}

static void test_failure_says_why(void **state)
{
    (void)state;
    parley_endpoint *c = client(path("ca.crt"), 0, NULL, NULL);
    expect_reason(c, UNKNOWN, false, "unable to get local issuer certificate");
    expect_reason(c, EXPIRED, true, "certificate has expired");
    expect_reason(c, FUTURE, false, "certificate is not yet valid");
    expect_reason(c, WRONG, true, "hostname mismatch");
    expect_reason(c, WRONG, false, "IP address mismatch");
    stop(c);
}

static void test_with_system_store(void **state)
{
    (void)state;
    /* OpenSSL's default paths, pointed at the test CA the way a system would be configured */
    setenv("SSL_CERT_FILE", path("ca.crt"), 1);
    setenv("SSL_CERT_DIR", path("emptydir"), 1);
    parley_endpoint *c = client(NULL, 0, NULL, NULL);
    expect_verified(c);
    stop(c);
    /* a store without the test CA: even the good server is refused (verification is on by
     * default; before, no --ca meant no check at all) */
    setenv("SSL_CERT_FILE", path("empty.pem"), 1);
    c = client(NULL, 0, NULL, NULL);
    expect(c, GOOD, false, PARLEY_E_TLS);
    stop(c);
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
}

static void test_insecure_connects_to_all(void **state)
{
    (void)state;
    parley_endpoint *c = client(NULL, 1, NULL, NULL);
    const int all[] = {GOOD, EXPIRED, FUTURE, WRONG, UNKNOWN, SELF, DNSONLY, URISAN};
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
        expect(c, all[k], false, 0);
    stop(c);
}

/* RFC 5922 forms: a DNS name entry matches the name only, a sip: URI entry the domain only; a
 * connection verified for "localhost" is not reused for a request to 127.0.0.1. */
static void test_identity_forms(void **state)
{
    (void)state;
    parley_endpoint *c = client(path("ca.crt"), 0, NULL, NULL);
    expect(c, DNSONLY, true, 0);
    expect(c, DNSONLY, false, PARLEY_E_TLS); /* same address, other identity: refused */
    expect(c, DNSONLY, true, 0);             /* and the named connection still serves */
    expect(c, URISAN, true, 0);
    expect(c, URISAN, false, PARLEY_E_TLS);
    stop(c);
}

static void test_mutual_tls(void **state)
{
    (void)state;
    parley_endpoint *c = client(path("ca.crt"), 0, path("client.crt"), path("server.key"));
    expect(c, MTLS, false, 0);
    stop(c);
    c = client(path("ca.crt"), 0, NULL, NULL); /* no certificate */
    expect(c, MTLS, false, PARLEY_E_TLS);
    stop(c);
    /* a certificate the server does not trust */
    c = client(path("ca.crt"), 0, path("client-unknown.crt"), path("server.key"));
    expect(c, MTLS, false, PARLEY_E_TLS);
    stop(c);
    /* not verifying (tls_insecure) and without a certificate: the failure is the server's
     * refusal, never a verdict on the server's certificate, which was not checked */
    c = client(NULL, 1, NULL, NULL);
    parley_result *r = tls_refused(c, MTLS, false);
    assert_null(strstr(r->reason, "certificate of"));
    parley_result_free(r);
    stop(c);
}

static void test_bad_configuration_fails_at_create(void **state)
{
    (void)state;
    const char *l[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = l;
    parley_endpoint *ep = NULL;
    cfg.tls_ca = path("missing.pem");
    assert_int_equal(parley_endpoint_create(&cfg, &ep), PARLEY_E_TLS);
    cfg.tls_ca = NULL;
    cfg.tls_client_cert = path("client.crt"); /* without its key */
    assert_int_equal(parley_endpoint_create(&cfg, &ep), PARLEY_E_TLS);
    cfg.tls_client_key = path("ca.key"); /* not its key */
    assert_int_equal(parley_endpoint_create(&cfg, &ep), PARLEY_E_TLS);
    assert_null(ep);
}

/* Through DNS: the certificate must name the SIP domain of the URI, not the SRV target
 * (RFC 5922 §4), and a wildcard entry names nothing (§7.2). */
static void test_domain_not_srv_target(void **state)
{
    (void)state;
    if (access("/usr/sbin/dnsmasq", X_OK) != 0) {
        print_message("SKIP: dnsmasq not installed (Debian package dnsmasq-base)\n");
        skip();
    }
    int dns = nu_free_port(SOCK_DGRAM);
    char port_opt[32], srv1[128], srv2[128];
    snprintf(port_opt, sizeof(port_opt), "--port=%d", dns);
    snprintf(srv1, sizeof(srv1), "--srv-host=_sips._tcp.domain.test,node.test,%d,10,10",
             ports[DOMAIN]);
    snprintf(srv2, sizeof(srv2), "--srv-host=_sips._tcp.elsewhere.test,node.test,%d,10,10",
             ports[NODE]);
    char *argv[] = {"/usr/sbin/dnsmasq",
                    "-k",
                    "--conf-file=/dev/null",
                    port_opt,
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--no-resolv",
                    "--no-hosts",
                    "--log-facility=-",
                    "--host-record=node.test,127.0.0.1",
                    "--host-record=a.wild.test,127.0.0.1",
                    srv1,
                    srv2,
                    NULL};
    int out = -1;
    pid_t pid = nu_spawn(argv, &out);
    assert_true(pid > 0);
    if (!nu_wait_output(out, "started", WAIT_MS)) {
        nu_stop(pid);
        fail_msg("dnsmasq did not start");
    }
    char servers_opt[64];
    snprintf(servers_opt, sizeof(servers_opt), "127.0.0.1:%d", dns);
    const char *l[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = l;
    cfg.tls_ca = path("ca.crt");
    cfg.dns_servers = servers_opt;
    parley_endpoint *c = start(&cfg);
    parley_address to = {"sips:bob@domain.test", NULL};
    parley_result *r = NULL;
    /* SRV -> node.test, whose certificate names domain.test: accepted */
    assert_int_equal(
        parley_endpoint_send_message_sync(c, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0, &r), 0);
    parley_result_free(r);
    /* SRV -> node.test, whose certificate names node.test only: refused */
    to.uri = "sips:bob@elsewhere.test";
    assert_int_equal(
        parley_endpoint_send_message_sync(c, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0, &r),
        PARLEY_E_TLS);
    parley_result_free(r);
    /* *.wild.test does not name a.wild.test */
    char uri[96];
    snprintf(uri, sizeof(uri), "sips:bob@a.wild.test:%d", ports[WILD]);
    to.uri = uri;
    assert_int_equal(
        parley_endpoint_send_message_sync(c, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0, &r),
        PARLEY_E_TLS);
    parley_result_free(r);
    stop(c);
    close(out);
    nu_stop(pid);
}

int main(void)
{
    if (access("/usr/bin/openssl", X_OK) != 0) {
        fprintf(stderr, "SKIP: the openssl command line tool is not installed\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_with_ca_file),
        cmocka_unit_test(test_failure_says_why),
        cmocka_unit_test(test_with_system_store),
        cmocka_unit_test(test_insecure_connects_to_all),
        cmocka_unit_test(test_identity_forms),
        cmocka_unit_test(test_mutual_tls),
        cmocka_unit_test(test_bad_configuration_fails_at_create),
        cmocka_unit_test(test_domain_not_srv_target),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
