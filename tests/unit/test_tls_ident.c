/*
 * RFC 5922 identity matching (src/transport/tls_ident.c) on certificates made by the openssl
 * CLI: dNSName entries (exact, any case, no wildcards), sip: URI entries (domain only), IP
 * address entries, and the CN only when the certificate has no subjectAltName at all.
 */
#include "test_util.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transport/tp_int.h"

static char dir[64];

/* A self-signed certificate with this subject CN and subjectAltName ("" for none). */
static X509 *make(const char *cn, const char *san)
{
    char cmd[1024], file[128];
    static int n;
    snprintf(file, sizeof(file), "%s/c%d.pem", dir, n++);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -key %s/k.pem -days 2 -subj '/CN=%s' %s%s%s -out %s >/dev/null "
             "2>&1",
             dir, cn, san[0] ? "-addext 'subjectAltName=" : "", san, san[0] ? "'" : "", file);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static int setup(void **state)
{
    (void)state;
    if (system("openssl version >/dev/null 2>&1") != 0)
        return -1;
    snprintf(dir, sizeof(dir), "/tmp/parley-ident-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out %s/k.pem "
             "2>/dev/null",
             dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_dns_entries(void **state)
{
    (void)state;
    X509 *x = make("ignored.example", "DNS:sip.example.com,DNS:Other.Example.org");
    assert_true(tp_tls_identity_ok(x, "sip.example.com"));
    assert_true(tp_tls_identity_ok(x, "SIP.Example.COM"));  /* any case */
    assert_true(tp_tls_identity_ok(x, "sip.example.com.")); /* absolute form */
    assert_true(tp_tls_identity_ok(x, "other.example.org"));
    assert_false(tp_tls_identity_ok(x, "example.com"));
    assert_false(tp_tls_identity_ok(x, "a.sip.example.com"));
    assert_false(tp_tls_identity_ok(x, "ignored.example")); /* a SAN is there: no CN */
    assert_false(tp_tls_identity_ok(x, ""));
    assert_false(tp_tls_identity_ok(x, NULL));
    X509_free(x);
}

static void test_no_wildcards(void **state)
{
    (void)state;
    X509 *x = make("*.example.com", "DNS:*.example.com");
    assert_false(tp_tls_identity_ok(x, "sip.example.com"));
    assert_false(tp_tls_identity_ok(x, "example.com"));
    X509_free(x);
    x = make("*.example.com", ""); /* nor in a CN */
    assert_false(tp_tls_identity_ok(x, "sip.example.com"));
    X509_free(x);
}

static void test_sip_uri_entries(void **state)
{
    (void)state;
    X509 *x = make("x", "URI:sip:example.com");
    assert_true(tp_tls_identity_ok(x, "example.com"));
    assert_true(tp_tls_identity_ok(x, "Example.Com"));
    assert_false(tp_tls_identity_ok(x, "sip.example.com"));
    X509_free(x);
    x = make("x", "URI:SIP:Example.com.");
    assert_true(tp_tls_identity_ok(x, "example.com"));
    X509_free(x);
    /* a user's address, a port, parameters, another scheme: not a domain identity */
    const char *not_domains[] = {"URI:sip:alice@example.com",         "URI:sip:example.com:5061",
                                 "URI:sip:example.com;transport=tls", "URI:sips:example.com",
                                 "URI:https://example.com",           "URI:sip:"};
    for (size_t i = 0; i < sizeof(not_domains) / sizeof(not_domains[0]); i++) {
        x = make("example.com", not_domains[i]);
        if (tp_tls_identity_ok(x, "example.com"))
            fail_msg("%s accepted", not_domains[i]);
        X509_free(x);
    }
}

static void test_ip_entries(void **state)
{
    (void)state;
    X509 *x = make("127.0.0.1", "IP:127.0.0.1,IP:::1,DNS:127.0.0.2");
    assert_true(tp_tls_identity_ok(x, "127.0.0.1"));
    assert_true(tp_tls_identity_ok(x, "::1"));
    assert_false(tp_tls_identity_ok(x, "127.0.0.2")); /* an address is only an IP entry */
    assert_false(tp_tls_identity_ok(x, "127.0.0.3"));
    X509_free(x);
    x = make("127.0.0.1", ""); /* nor the CN */
    assert_false(tp_tls_identity_ok(x, "127.0.0.1"));
    X509_free(x);
}

static void test_cn_only_without_san(void **state)
{
    (void)state;
    X509 *x = make("legacy.example.com", "");
    assert_true(tp_tls_identity_ok(x, "legacy.example.com"));
    assert_false(tp_tls_identity_ok(x, "other.example.com"));
    X509_free(x);
    /* any subjectAltName (here only an IP) and the CN no longer counts */
    x = make("legacy.example.com", "IP:192.0.2.1");
    assert_false(tp_tls_identity_ok(x, "legacy.example.com"));
    X509_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_entries),         cmocka_unit_test(test_no_wildcards),
        cmocka_unit_test(test_sip_uri_entries),     cmocka_unit_test(test_ip_entries),
        cmocka_unit_test(test_cn_only_without_san),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
