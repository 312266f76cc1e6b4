/*
 * The scheme of our Contact over TLS follows the request's (RFC 3261 §8.1.1.8, §12.1.1; RFC 5630
 * §3.1.3): a call to "sip:...;transport=tls" gets sip Contacts with ;transport=tls on both sides,
 * a call to a sips URI sips Contacts. A sips Contact answering a sip request obliges the caller to
 * TLS on every hop of the dialog, and a caller without sips cannot even ACK it: baresip 1.0
 * (libre before 2.0 sends to sip URIs only) dropped such a call with "Function not implemented"
 * (tests/interop/test_tls_peers.sh). Real loopback, certificates made by the openssl CLI; every
 * wait is bounded.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_util.h"
#include "parley/session.h"

static nu_event got_session;
static parley_session *incoming;

static void on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                       void *user)
{
    (void)ep, (void)info, (void)user;
    parley_session_ref(s);
    incoming = s;
    parley_session_participate(s, NULL, 0, NULL, NULL);
    nu_event_signal(&got_session);
}

/* A re-INVITE from x, answered 200. */
static void reinvite_ok(parley_session *x)
{
    parley_result *r = NULL;
    assert_int_equal(parley_session_renegotiate_sync(x, 0, NULL, 0, &r), 0);
    assert_int_equal(r->status, 200);
    parley_result_free(r);
}

static char dir[64];

static void make_certs(void)
{
    snprintf(dir, sizeof(dir), "/tmp/parley-tlsc-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char ca_key[128], ca_crt[128], key[128], csr[128], crt[128], ext[128];
    snprintf(ca_key, sizeof(ca_key), "%s/ca.key", dir);
    snprintf(ca_crt, sizeof(ca_crt), "%s/ca.crt", dir);
    snprintf(key, sizeof(key), "%s/server.key", dir);
    snprintf(csr, sizeof(csr), "%s/server.csr", dir);
    snprintf(crt, sizeof(crt), "%s/server.crt", dir);
    snprintf(ext, sizeof(ext), "%s/ext.cnf", dir);
    FILE *f = fopen(ext, "w");
    assert_non_null(f);
    fprintf(f, "subjectAltName=IP:127.0.0.1\n");
    fclose(f);
    char *a1[] = {"openssl", "req",   "-x509", "-newkey", "rsa:2048",
                  "-nodes",  "-days", "2",     "-subj",   "/CN=parley contact CA",
                  "-keyout", ca_key,  "-out",  ca_crt,    NULL};
    char *a2[] = {"openssl",       "req",     "-newkey", "rsa:2048", "-nodes", "-subj",
                  "/CN=127.0.0.1", "-keyout", key,       "-out",     csr,      NULL};
    char *a3[] = {
        "openssl",         "x509",  "-req", "-in",      csr, "-CA",  ca_crt, "-CAkey", ca_key,
        "-CAcreateserial", "-days", "2",    "-extfile", ext, "-out", crt,    NULL};
    assert_int_equal(nu_run(a1), 0);
    assert_int_equal(nu_run(a2), 0);
    assert_int_equal(nu_run(a3), 0);
}

/* The contact URI begins with scheme ("sip:" or "sips:") and names TLS. */
static void contact_is(const char *who, const char *contact, const char *scheme)
{
    print_message("%s: %s\n", who, contact ? contact : "(none)");
    assert_non_null(contact);
    assert_int_equal(strncasecmp(contact, scheme, strlen(scheme)), 0);
    assert_non_null(strstr(contact, ";transport=tls"));
}

/* a calls uri (b answers); both sides' contacts, ours and the peer's, begin with scheme */
static void call(parley_endpoint *a, const char *uri, const char *scheme)
{
    nu_event_init(&got_session);
    incoming = NULL;
    parley_address to = {uri, NULL};
    parley_session *s = NULL;
    assert_int_equal(parley_session_create(a, &to, NULL, &s), 0);
    parley_result *r = NULL;
    assert_int_equal(parley_session_participate_sync(s, NULL, 0, &r), 0);
    assert_non_null(r);
    assert_int_equal(r->status, 200);
    parley_result_free(r);
    assert_true(nu_event_wait(&got_session, 1, 3000));
    contact_is("caller's own", parley_participant_contact(parley_session_local(s)), scheme);
    contact_is("callee's, at the caller", parley_participant_contact(parley_session_remote(s)),
               scheme);
    contact_is("caller's, at the callee",
               parley_participant_contact(parley_session_remote(incoming)), scheme);
    /* target refreshes keep the scheme: our re-INVITE, and theirs (the 2xx we answer with) */
    reinvite_ok(s);
    contact_is("caller's own, after its re-INVITE",
               parley_participant_contact(parley_session_local(s)), scheme);
    contact_is("caller's, at the callee, after the re-INVITE",
               parley_participant_contact(parley_session_remote(incoming)), scheme);
    reinvite_ok(incoming);
    contact_is("callee's own, after its re-INVITE",
               parley_participant_contact(parley_session_local(incoming)), scheme);
    contact_is("caller's, in its 2xx to the callee's re-INVITE",
               parley_participant_contact(parley_session_remote(incoming)), scheme);
    r = NULL;
    assert_int_equal(parley_session_terminate_sync(s, NULL, 0, &r), 0);
    parley_result_free(r);
    parley_session_unref(s);
    parley_session_unref(incoming);
}

static void test_contact_scheme_follows_request(void **state)
{
    (void)state;
    if (access("/usr/bin/openssl", X_OK) != 0) {
        print_message("SKIP: the openssl command line tool is not installed\n");
        skip();
    }
    make_certs();
    char crt[128], key[128], ca[128], lb[64], uri[128];
    snprintf(crt, sizeof(crt), "%s/server.crt", dir);
    snprintf(key, sizeof(key), "%s/server.key", dir);
    snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
    int port = nu_free_port(SOCK_STREAM);
    snprintf(lb, sizeof(lb), "tls:127.0.0.1:%d", port);
    const char *listen_b[] = {lb, NULL}, *listen_a[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = listen_b;
    cfg.tls_cert = crt;
    cfg.tls_key = key;
    parley_endpoint *b = NULL, *a = NULL;
    assert_int_equal(parley_endpoint_create(&cfg, &b), 0);
    assert_int_equal(parley_endpoint_set_session_cb(b, on_session, NULL), 0);
    assert_int_equal(parley_endpoint_start(b), 0);
    parley_endpoint_config acfg = PARLEY_ENDPOINT_CONFIG_INIT;
    acfg.listen = listen_a;
    acfg.tls_ca = ca;
    assert_int_equal(parley_endpoint_create(&acfg, &a), 0);
    assert_int_equal(parley_endpoint_start(a), 0);

    snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%d;transport=tls", port);
    call(a, uri, "sip:");
    snprintf(uri, sizeof(uri), "sips:b@127.0.0.1:%d", port);
    call(a, uri, "sips:");

    parley_endpoint_unref(a);
    parley_endpoint_unref(b);
    char *rm[] = {"rm", "-rf", dir, NULL};
    nu_run(rm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contact_scheme_follows_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
