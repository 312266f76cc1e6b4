/*
 * Digest authentication (src/sip/digest*.c): the RFC 2617 §3.5 and RFC 7616 §3.9.1 vectors,
 * SHA-512/256 checked against the openssl CLI, challenge and credentials parsing of hostile
 * input, choosing among several challenges, the client's retry rules and nonce counts, and the
 * server: round trips for every algorithm and qop, replays, expiry and the failure count on a
 * virtual clock (time is a parameter: nothing sleeps).
 */
#include "test_util.h"

#include <ctype.h>
#include <unistd.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "sip/digest.h"

/* ---- helpers ---- */

static sip_digest_challenge CH(const char *value)
{
    sip_digest_challenge c;
    int rc = sip_digest_challenge_parse(pl_str_c(value), false, &c);
    if (rc)
        fail_msg("challenge '%s' refused: %s", value, parley_strerror(rc));
    return c;
}

static int ch_rc(const char *value)
{
    sip_digest_challenge c;
    return sip_digest_challenge_parse(pl_str_c(value), false, &c);
}

/* The credentials printed for c (static buffer). */
static const char *answer(const sip_digest_challenge *c, const char *user, const char *pass,
                          const char *method, const char *uri, const char *cnonce, uint32_t nc)
{
    static char text[4096];
    sip_digest_answer a = {.username = user,
                           .password = pass,
                           .method = pl_str_c(method),
                           .uri = pl_str_c(uri),
                           .nc = nc,
                           .cnonce = cnonce};
    pl_buf b;
    pl_buf_init(&b, 256);
    int rc = sip_digest_authorize(c, &a, &b);
    if (rc)
        fail_msg("authorize: %s", parley_strerror(rc));
    pl_buf_terminate(&b);
    snprintf(text, sizeof(text), "%s", b.data);
    pl_buf_free(&b);
    return text;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' lacks '%s'", hay, needle);
}

static void assert_lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle))
        fail_msg("'%s' has '%s'", hay, needle);
}

/* A response carrying the given header lines (each ending in CRLF). */
static sip_msg *response_with(const char *lines)
{
    char text[8192];
    snprintf(text, sizeof(text),
             "SIP/2.0 401 Unauthorized\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
             "From: <sip:a@example.com>;tag=1\r\n"
             "To: <sip:b@example.com>;tag=2\r\n"
             "Call-ID: c1\r\n"
             "CSeq: 1 INVITE\r\n"
             "%s"
             "Content-Length: 0\r\n\r\n",
             lines);
    int rc;
    sip_msg *m = tu_parse(text, &rc);
    assert_int_equal(rc, 0);
    return m;
}

/* ---- the RFC vectors ---- */

/* RFC 2617 §3.5 (MD5, qop=auth; the password has a capital O there). */
static void test_rfc2617_md5(void **state)
{
    (void)state;
    sip_digest_challenge c = CH("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                                "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                                "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    assert_int_equal(c.alg, SIP_DIGEST_MD5);
    assert_false(c.has_alg);
    assert_int_equal(c.qop, SIP_DIGEST_QOP_AUTH | SIP_DIGEST_QOP_AUTH_INT);
    const char *h = answer(&c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", 1);
    assert_string_equal(h, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                           "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
                           "response=\"6629fae49393a05397450978507c4ef1\", "
                           "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", cnonce=\"0a4f113b\", "
                           "qop=auth, nc=00000001");
}

#define RFC7616_NONCE  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define RFC7616_OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define RFC7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define RFC7616_SHA256                                                                             \
    "WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "           \
    "algorithm=SHA-256, nonce=\"" RFC7616_NONCE "\", opaque=\"" RFC7616_OPAQUE "\"\r\n"
#define RFC7616_MD5                                                                                \
    "WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "           \
    "algorithm=MD5, nonce=\"" RFC7616_NONCE "\", opaque=\"" RFC7616_OPAQUE "\"\r\n"

/* RFC 7616 §3.9.1: one realm, SHA-256 and MD5 offered; the password is "Circle of Life". */
static void test_rfc7616_sha256_and_md5(void **state)
{
    (void)state;
    const char *orders[] = {RFC7616_SHA256 RFC7616_MD5, RFC7616_MD5 RFC7616_SHA256};
    for (int i = 0; i < 2; i++) {
        sip_msg *m = response_with(orders[i]);
        sip_digest_challenge c[4];
        assert_int_equal(sip_digest_challenges(m, c, 4), 1);
        assert_int_equal(c[0].alg, SIP_DIGEST_SHA256); /* the stronger, wherever it is */
        const char *h =
            answer(&c[0], "Mufasa", "Circle of Life", "GET", "/dir/index.html", RFC7616_CNONCE, 1);
        assert_contains(h, "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db58"
                           "56cb6c1\"");
        assert_contains(h, "algorithm=SHA-256");
        assert_contains(h, "opaque=\"" RFC7616_OPAQUE "\"");
        sip_msg_free(m);
    }
    sip_digest_challenge md5 = CH(&RFC7616_MD5[strlen("WWW-Authenticate: ")]);
    const char *h =
        answer(&md5, "Mufasa", "Circle of Life", "GET", "/dir/index.html", RFC7616_CNONCE, 1);
    assert_contains(h, "response=\"8ca523f5e9506fed4657c9700eebdbec\"");
    assert_contains(h, "algorithm=MD5,");
}

/* hex SHA-512/256 of text by the openssl command line. */
static void openssl_sha512_256(const char *text, char *out)
{
    char path[] = "/tmp/parley-digest-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "openssl dgst -sha512-256 -r %s", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256] = "";
    char *got = fgets(line, sizeof(line), p);
    int st = pclose(p);
    unlink(path);
    if (!got || st != 0)
        skip(); /* an openssl CLI without SHA-512/256 */
    assert_true(strlen(line) > 64);
    memcpy(out, line, 64);
    out[64] = '\0';
}

static void test_sha512_256_against_openssl(void **state)
{
    (void)state;
    const char *user = "Mufasa", *realm = "api@example.org", *pass = "Circle of Life";
    const char *nonce = "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", *uri = "/doe.json";
    char text[512], ha1[65], ha2[65], expect[65];
    snprintf(text, sizeof(text), "%s:%s:%s", user, realm, pass);
    openssl_sha512_256(text, ha1);
    snprintf(text, sizeof(text), "GET:%s", uri);
    openssl_sha512_256(text, ha2);
    snprintf(text, sizeof(text), "%s:%s:00000001:%s:auth:%s", ha1, nonce,
             "NTg6RKcb9boFIAS3KrFK9BGeh", ha2);
    openssl_sha512_256(text, expect);

    char ours[SIP_DIGEST_MAX_HEX + 1];
    pl_str parts[] = {pl_str_c(user), pl_str_c(realm), pl_str_c(pass)};
    assert_int_equal(sip_digest_hash(SIP_DIGEST_SHA512_256, parts, 3, ours), 0);
    assert_string_equal(ours, ha1);
    char chal[512];
    snprintf(chal, sizeof(chal),
             "Digest realm=\"%s\", qop=\"auth\", algorithm=SHA-512-256, nonce=\"%s\"", realm,
             nonce);
    sip_digest_challenge c = CH(chal);
    const char *h = answer(&c, user, pass, "GET", uri, "NTg6RKcb9boFIAS3KrFK9BGeh", 1);
    char want[128];
    snprintf(want, sizeof(want), "response=\"%s\"", expect);
    assert_contains(h, want);
    assert_contains(h, "algorithm=SHA-512-256");
}

/* The RFC 2069 form (no qop): response = H(HA1:nonce:HA2), no cnonce, nc or qop sent. */
static void test_rfc2069_form(void **state)
{
    (void)state;
    sip_digest_challenge c = CH("Digest realm=\"r\", nonce=\"n1\"");
    assert_int_equal(c.qop, 0);
    char ha1[65], ha2[65], expect[65], want[128];
    pl_str p1[] = {PL_STR_LIT("bob"), PL_STR_LIT("r"), PL_STR_LIT("pw")};
    pl_str p2[] = {PL_STR_LIT("REGISTER"), PL_STR_LIT("sip:example.com")};
    sip_digest_hash(SIP_DIGEST_MD5, p1, 3, ha1);
    sip_digest_hash(SIP_DIGEST_MD5, p2, 2, ha2);
    pl_str p3[] = {pl_str_c(ha1), PL_STR_LIT("n1"), pl_str_c(ha2)};
    sip_digest_hash(SIP_DIGEST_MD5, p3, 3, expect);
    const char *h = answer(&c, "bob", "pw", "REGISTER", "sip:example.com", NULL, 1);
    snprintf(want, sizeof(want), "response=\"%s\"", expect);
    assert_contains(h, want);
    assert_lacks(h, "cnonce");
    assert_lacks(h, "qop");
    assert_lacks(h, "nc=");
    assert_lacks(h, "algorithm");
}

/* qop=auth-int alone: the body is hashed into HA2. */
static void test_auth_int_hashes_body(void **state)
{
    (void)state;
    sip_digest_challenge c = CH("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\", algorithm=MD5");
    sip_digest_answer a = {.username = "u",
                           .password = "p",
                           .method = PL_STR_LIT("MESSAGE"),
                           .uri = PL_STR_LIT("sip:b@r"),
                           .body = PL_STR_LIT("hello"),
                           .nc = 1,
                           .cnonce = "c"};
    char ha1[65], hb[65], ha2[65], expect[65], want[128];
    pl_str p1[] = {PL_STR_LIT("u"), PL_STR_LIT("r"), PL_STR_LIT("p")};
    sip_digest_hash(SIP_DIGEST_MD5, p1, 3, ha1);
    pl_str pb = PL_STR_LIT("hello");
    sip_digest_hash(SIP_DIGEST_MD5, &pb, 1, hb);
    pl_str p2[] = {PL_STR_LIT("MESSAGE"), PL_STR_LIT("sip:b@r"), pl_str_c(hb)};
    sip_digest_hash(SIP_DIGEST_MD5, p2, 3, ha2);
    pl_str p3[] = {pl_str_c(ha1),   PL_STR_LIT("n"),        PL_STR_LIT("00000001"),
                   PL_STR_LIT("c"), PL_STR_LIT("auth-int"), pl_str_c(ha2)};
    sip_digest_hash(SIP_DIGEST_MD5, p3, 6, expect);
    pl_buf b;
    pl_buf_init(&b, 256);
    assert_int_equal(sip_digest_authorize(&c, &a, &b), 0);
    pl_buf_terminate(&b);
    snprintf(want, sizeof(want), "response=\"%s\"", expect);
    assert_contains(b.data, want);
    assert_contains(b.data, "qop=auth-int");
    pl_buf_free(&b);
}

/* An HA1 instead of the password gives the same answer; a wrong-sized one is refused. */
static void test_ha1_instead_of_password(void **state)
{
    (void)state;
    sip_digest_challenge c = CH("Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=SHA-256");
    char ha1[65];
    pl_str p[] = {PL_STR_LIT("u"), PL_STR_LIT("r"), PL_STR_LIT("secret")};
    sip_digest_hash(SIP_DIGEST_SHA256, p, 3, ha1);
    char with_pass[1024];
    snprintf(with_pass, sizeof(with_pass), "%s", answer(&c, "u", "secret", "BYE", "sip:x", "c", 3));
    for (char *q = ha1; *q; q++)
        *q = (char)toupper((unsigned char)*q); /* hex case does not matter */
    sip_digest_answer a = {.username = "u",
                           .ha1 = ha1,
                           .method = PL_STR_LIT("BYE"),
                           .uri = PL_STR_LIT("sip:x"),
                           .nc = 3,
                           .cnonce = "c"};
    pl_buf b;
    pl_buf_init(&b, 256);
    assert_int_equal(sip_digest_authorize(&c, &a, &b), 0);
    pl_buf_terminate(&b);
    assert_string_equal(b.data, with_pass);
    pl_buf_reset(&b);
    a.ha1 = "0123456789abcdef0123456789abcdef"; /* an MD5-sized HA1 for SHA-256 */
    assert_int_equal(sip_digest_authorize(&c, &a, &b), PARLEY_E_INVAL);
    a.ha1 = NULL; /* neither */
    assert_int_equal(sip_digest_authorize(&c, &a, &b), PARLEY_E_INVAL);
    a.password = "x";
    a.username = "evil\r\nVia: x";
    assert_int_equal(sip_digest_authorize(&c, &a, &b), PARLEY_E_INVAL);
    pl_buf_free(&b);
}

/* userhash=true: the username goes out as H(username:realm). */
static void test_userhash(void **state)
{
    (void)state;
    sip_digest_challenge c =
        CH("Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=SHA-256, userhash=true");
    char uh[65], want[128];
    pl_str p[] = {PL_STR_LIT("Mufasa"), PL_STR_LIT("r")};
    sip_digest_hash(SIP_DIGEST_SHA256, p, 2, uh);
    const char *h = answer(&c, "Mufasa", "pw", "INVITE", "sip:x", "c", 1);
    snprintf(want, sizeof(want), "Digest username=\"%s\"", uh);
    assert_contains(h, want);
    assert_contains(h, "userhash=true");
}

/* ---- parsing ---- */

static void test_challenge_syntax(void **state)
{
    (void)state;
    sip_digest_challenge c = CH(
        "dIgEsT  realm = \"a\\\"b\\\\c\" ,, nonce=abc/def+=, domain=\"sip:x sip:y\", "
        "charset=UTF-8, foo=\"x,y=z\", algorithm=\"sha-256-SESS\", qop=\"auth-int , bogus,auth\","
        " stale=TRUE, opaque=\"\"");
    assert_string_equal(c.realm, "a\"b\\c");
    assert_string_equal(c.nonce, "abc/def+=");
    assert_int_equal(c.alg, SIP_DIGEST_SHA256_SESS);
    assert_int_equal(c.qop, SIP_DIGEST_QOP_AUTH | SIP_DIGEST_QOP_AUTH_INT);
    assert_true(c.stale);
    assert_true(c.has_opaque);
    assert_string_equal(c.opaque, "");
    /* the realm goes back escaped */
    const char *h = answer(&c, "u", "p", "OPTIONS", "sip:x", "c", 1);
    assert_contains(h, "realm=\"a\\\"b\\\\c\"");
    assert_contains(h, "opaque=\"\"");
    assert_contains(h, "algorithm=SHA-256-sess");

    c = CH("Digest realm=r,nonce=n,qop=auth,stale=false");
    assert_false(c.stale);
    assert_int_equal(c.qop, SIP_DIGEST_QOP_AUTH);
}

static void test_challenge_refused(void **state)
{
    (void)state;
    assert_int_equal(ch_rc("Basic realm=\"r\""), PARLEY_E_UNSUPPORTED);
    assert_int_equal(ch_rc("NTLM"), PARLEY_E_UNSUPPORTED);
    assert_int_equal(ch_rc(""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("   "), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest"), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digestrealm=\"r\", nonce=\"n\""), PARLEY_E_UNSUPPORTED);
    assert_int_equal(ch_rc("Digest realm=\"r\""), PARLEY_E_PARSE); /* no nonce */
    assert_int_equal(ch_rc("Digest nonce=\"n\""), PARLEY_E_PARSE); /* no realm */
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r, nonce=\"n\""), PARLEY_E_PARSE); /* unterminated */
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"n"), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\\"), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\" x, nonce=\"n\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=, nonce=\"n\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest =\"r\", nonce=\"n\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm \"r\", nonce=\"n\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\", realm=\"s\", nonce=\"n\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"n\", nonce=\"m\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\r\n x\", nonce=\"n\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"a\\\x1c\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"a\\\x7f\""), PARLEY_E_PARSE);
    assert_int_equal(ch_rc("Digest realm=\"r\tq\", nonce=\"n\""), 0); /* a tab is text */
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"n\", algorithm=SHA3-256"),
                     PARLEY_E_UNSUPPORTED);
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5"),
                     PARLEY_E_UNSUPPORTED);
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\""),
                     PARLEY_E_UNSUPPORTED);
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"),
                     PARLEY_E_UNSUPPORTED); /* -sess without qop: no cnonce to hash */
    assert_int_equal(ch_rc("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess, qop=auth"), 0);
}

static void test_challenge_huge_values(void **state)
{
    (void)state;
    char big[SIP_DIGEST_MAX_VALUE + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char v[1024];
    snprintf(v, sizeof(v), "Digest realm=\"%s\", nonce=\"n\"", big);
    assert_int_equal(ch_rc(v), PARLEY_E_LIMIT);
    snprintf(v, sizeof(v), "Digest realm=\"r\", nonce=%s", big);
    assert_int_equal(ch_rc(v), PARLEY_E_LIMIT);
    snprintf(v, sizeof(v), "Digest realm=\"r\", nonce=\"n\", opaque=\"%s\"", big);
    assert_int_equal(ch_rc(v), PARLEY_E_LIMIT);
    /* exactly at the limit is kept whole */
    big[SIP_DIGEST_MAX_VALUE] = '\0';
    snprintf(v, sizeof(v), "Digest realm=\"%s\", nonce=\"n\"", big);
    sip_digest_challenge c = CH(v);
    assert_int_equal(strlen(c.realm), SIP_DIGEST_MAX_VALUE);
    /* an absurd algorithm or qop value only makes the challenge unusable */
    snprintf(v, sizeof(v), "Digest realm=\"r\", nonce=\"n\", algorithm=\"%s\"", big);
    assert_int_equal(ch_rc(v), PARLEY_E_UNSUPPORTED);
    /* a megabyte of parameters: refused as a whole, in bounded work */
    size_t n = 1 << 20;
    char *huge = malloc(n + 64);
    strcpy(huge, "Digest realm=\"r\", nonce=\"n\"");
    size_t len = strlen(huge);
    while (len + 8 < n) {
        memcpy(huge + len, ", x=\"y\"", 7);
        len += 7;
    }
    huge[len] = '\0';
    assert_int_equal(ch_rc(huge), 0); /* unknown parameters are skipped */
    huge[len - 1] = 'y';              /* ...but the last quote is gone */
    assert_int_equal(ch_rc(huge), PARLEY_E_PARSE);
    free(huge);
}

/* Mutations of a valid challenge and credentials: never a crash, a leak or an odd code. */
static void test_parse_mutations(void **state)
{
    (void)state;
    const char *seeds[] = {
        "Digest realm=\"a\\\"b\", nonce=\"xyz\", qop=\"auth,auth-int\", algorithm=SHA-256, "
        "opaque=\"o\", stale=true, userhash=false",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response="
        "\"0123456789abcdef0123456789abcdef\", algorithm=MD5, cnonce=\"c\", qop=auth, nc=00000001",
    };
    const char alphabet[] = "\"\\,= \t\r\nDigestarn0";
    uint64_t seed = 12345;
    for (int round = 0; round < 20000; round++) {
        const char *base = seeds[round % 2];
        char buf[512];
        size_t len = strlen(base);
        memcpy(buf, base, len);
        int edits = 1 + round % 4;
        for (int e = 0; e < edits; e++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(seed >> 33) % len;
            unsigned op = (unsigned)(seed >> 20) % 3;
            char ch = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
            if (op == 0) {
                buf[at] = ch;
            } else if (op == 1 && len + 1 < sizeof(buf)) {
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = ch;
                len++;
            } else if (len > 1) {
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            }
        }
        /* not NUL-terminated on purpose: the parsers take a slice */
        sip_digest_challenge c;
        sip_digest_credentials cr;
        int rc1 = sip_digest_challenge_parse(pl_str_make(buf, len), false, &c);
        int rc2 = sip_digest_credentials_parse(pl_str_make(buf, len), &cr);
        assert_true(rc1 == 0 || rc1 == PARLEY_E_PARSE || rc1 == PARLEY_E_UNSUPPORTED ||
                    rc1 == PARLEY_E_LIMIT);
        assert_true(rc2 == 0 || rc2 == PARLEY_E_PARSE || rc2 == PARLEY_E_UNSUPPORTED ||
                    rc2 == PARLEY_E_LIMIT);
        if (rc1 == 0) {
            assert_non_null(memchr(c.realm, '\0', sizeof(c.realm)));
            assert_null(strpbrk(c.realm, "\r\n"));
            assert_null(strpbrk(c.nonce, "\r\n"));
        }
    }
}

static void test_credentials_parse(void **state)
{
    (void)state;
    sip_digest_credentials c;
    assert_int_equal(
        sip_digest_credentials_parse(
            PL_STR_LIT("Digest username=\"Mufasa\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", "
                       "response=\"6629FAE49393A05397450978507C4EF1\", algorithm=MD5, "
                       "cnonce=\"0a4f113b\", qop=auth, nc=0000000a, opaque=\"o\""),
            &c),
        0);
    assert_string_equal(c.username, "Mufasa");
    assert_string_equal(c.uri, "sip:a@b");
    assert_string_equal(c.response, "6629fae49393a05397450978507c4ef1");
    assert_int_equal(c.nc, 10);
    assert_int_equal(c.qop, SIP_DIGEST_QOP_AUTH);
    assert_true(c.has_opaque && c.has_cnonce && c.has_nc);
    const char *bad[] = {
        "Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"00\"",      /* user */
        "Digest username=\"u\", nonce=\"n\", uri=\"u\", response=\"00\"",   /* realm */
        "Digest username=\"u\", realm=\"r\", uri=\"u\", response=\"00\"",   /* nonce */
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"00\"", /* uri */
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\"",       /* response */
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"zz\"", /* hex */
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"00\", nc=1",
        "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"00\", "
        "nc=0000000g",
        "Digest username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"u\", "
        "response=\"00\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sip_digest_credentials_parse(pl_str_c(bad[i]), &c) != PARLEY_E_PARSE)
            fail_msg("accepted: %s", bad[i]);
    assert_int_equal(sip_digest_credentials_parse(
                         PL_STR_LIT("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", "
                                    "response=\"00\", qop=auth-conf"),
                         &c),
                     PARLEY_E_UNSUPPORTED);
    char big[2 * SIP_DIGEST_MAX_URI], v[3 * SIP_DIGEST_MAX_URI];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(v, sizeof(v),
             "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"%s\", response=\"00\"", big);
    assert_int_equal(sip_digest_credentials_parse(pl_str_c(v), &c), PARLEY_E_LIMIT);
}

/* ---- choosing among challenges ---- */

static void test_challenges_of_response(void **state)
{
    (void)state;
    sip_msg *m = response_with(
        "WWW-Authenticate: Digest realm=\"a\", nonce=\"1\", algorithm=MD5, qop=\"auth\"\r\n"
        "WWW-Authenticate: Basic realm=\"a\"\r\n"
        "Proxy-Authenticate: Digest realm=\"p\", nonce=\"2\", algorithm=SHA-256, qop=\"auth\"\r\n"
        "WWW-Authenticate: Digest realm=\"a\", nonce=\"3\", algorithm=SHA-512-256, qop=\"auth\"\r\n"
        "WWW-Authenticate: Digest realm=\"a\", nonce=\"4\", algorithm=SHA-256, qop=\"auth\"\r\n"
        "WWW-Authenticate: Digest realm=\"a\", nonce=\"5\", algorithm=SHA-512-256-sess, "
        "qop=\"auth\"\r\n"
        "WWW-Authenticate: Digest realm=\"b\", nonce=\"6\", algorithm=SHA3, qop=\"auth\"\r\n"
        "WWW-Authenticate: Digest realm=\"c\", nonce=\"7\r\n");
    sip_digest_challenge c[8];
    size_t n = sip_digest_challenges(m, c, 8);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].realm, "a");
    assert_false(c[0].proxy);
    assert_int_equal(c[0].alg, SIP_DIGEST_SHA512_256);
    assert_string_equal(c[0].nonce, "3");
    assert_string_equal(c[1].realm, "p");
    assert_true(c[1].proxy);
    assert_string_equal(sip_digest_answer_header(&c[1]), "Proxy-Authorization");
    assert_string_equal(sip_digest_answer_header(&c[0]), "Authorization");
    /* bounded by the caller's array */
    assert_int_equal(sip_digest_challenges(m, c, 1), 1);
    sip_msg_free(m);
}

/* ---- the client's rules across retries ---- */

typedef struct creds {
    const char *realm, *user, *pass;
    int asked;
} creds;

static bool lookup(void *arg, pl_str realm, sip_digest_alg alg, const char **user,
                   const char **pass, const char **ha1)
{
    (void)alg;
    creds *c = arg;
    c->asked++;
    for (; c->realm; c++) {
        if (pl_str_eq(realm, pl_str_c(c->realm))) {
            *user = c->user;
            *pass = c->pass;
            *ha1 = NULL;
            return true;
        }
    }
    return false;
}

static int respond(sip_digest_cache *cache, sip_digest_retry *st, const char *lines, pl_buf *out,
                   creds *cr)
{
    sip_msg *m = response_with(lines);
    pl_buf_reset(out);
    int rc = sip_digest_respond(cache, st, m, PL_STR_LIT("INVITE"), PL_STR_LIT("sip:b@example.com"),
                                PL_STR_NULL, lookup, cr, out);
    pl_buf_terminate(out);
    sip_msg_free(m);
    return rc;
}

static void test_respond_rules(void **state)
{
    (void)state;
    creds cr[] = {{"a", "alice", "pw", 0}, {"p", "alice-p", "pw2", 0}, {NULL, NULL, NULL, 0}};
    sip_digest_cache *cache;
    assert_int_equal(sip_digest_cache_create(4, &cache), 0);
    sip_digest_retry st;
    memset(&st, 0, sizeof(st));
    pl_buf b;
    pl_buf_init(&b, 512);
    /* a proxy and a server challenge at once: both answered */
    const char *both = "WWW-Authenticate: Digest realm=\"a\", nonce=\"n1\", qop=\"auth\"\r\n"
                       "Proxy-Authenticate: Digest realm=\"p\", nonce=\"q1\", qop=\"auth\"\r\n";
    assert_int_equal(respond(cache, &st, both, &b, cr), 0);
    assert_contains(b.data, "Authorization: Digest username=\"alice\", realm=\"a\", nonce=\"n1\"");
    assert_contains(b.data, "Proxy-Authorization: Digest username=\"alice-p\", realm=\"p\"");
    assert_contains(b.data, "nc=00000001\r\n");
    /* the same realm again without stale: wrong credentials, no loop */
    sip_digest_retry st2 = st;
    assert_int_equal(respond(cache, &st2,
                             "WWW-Authenticate: Digest realm=\"a\", nonce=\"n2\", qop=auth\r\n", &b,
                             cr),
                     PARLEY_E_AUTH);
    uint32_t nc;
    assert_null(sip_digest_cache_next(cache, PL_STR_LIT("a"), false, &nc)); /* forgotten */
    /* stale=true: answered again with the new nonce, twice at most */
    const char *stale =
        "WWW-Authenticate: Digest realm=\"a\", nonce=\"n3\", qop=auth, stale=true\r\n";
    assert_int_equal(respond(cache, &st, stale, &b, cr), 0);
    assert_contains(b.data, "nonce=\"n3\"");
    assert_contains(b.data, "nc=00000001");
    assert_int_equal(respond(cache, &st, stale, &b, cr), 0);
    assert_contains(b.data, "nc=00000002"); /* the same nonce: the count goes on */
    assert_int_equal(respond(cache, &st, stale, &b, cr), PARLEY_E_AUTH);
    /* no credentials for the only realm */
    memset(&st, 0, sizeof(st));
    assert_int_equal(
        respond(cache, &st, "WWW-Authenticate: Digest realm=\"zz\", nonce=\"n\"\r\n", &b, cr),
        PARLEY_E_AUTH);
    /* nothing answerable */
    assert_int_equal(respond(cache, &st, "WWW-Authenticate: Basic realm=\"a\"\r\n", &b, cr),
                     PARLEY_E_UNSUPPORTED);
    assert_int_equal(respond(cache, &st, "", &b, cr), PARLEY_E_UNSUPPORTED);
    /* two realms, credentials for one: that one is answered */
    memset(&st, 0, sizeof(st));
    assert_int_equal(respond(cache, &st,
                             "WWW-Authenticate: Digest realm=\"zz\", nonce=\"n\"\r\n"
                             "WWW-Authenticate: Digest realm=\"a\", nonce=\"n9\"\r\n",
                             &b, cr),
                     0);
    assert_contains(b.data, "realm=\"a\"");
    assert_lacks(b.data, "realm=\"zz\"");
    /* without a cache every nonce is used once */
    memset(&st, 0, sizeof(st));
    assert_int_equal(respond(NULL, &st, both, &b, cr), 0);
    assert_contains(b.data, "nc=00000001");
    pl_buf_free(&b);
    sip_digest_cache_free(cache);
}

/* Credentials at once for the realms an earlier request needed: the cached challenges with the
 * next nonce count, a line for each realm remembered; nothing without a cache, a remembered
 * realm or credentials. */
static void test_reauthorize(void **state)
{
    (void)state;
    creds cr[] = {{"a", "alice", "pw", 0}, {"p", "alice-p", "pw2", 0}, {NULL, NULL, NULL, 0}};
    sip_digest_cache *cache;
    assert_int_equal(sip_digest_cache_create(4, &cache), 0);
    sip_digest_retry st;
    memset(&st, 0, sizeof(st));
    pl_buf prev, b;
    pl_buf_init(&prev, 512);
    pl_buf_init(&b, 512);
    const char *both = "WWW-Authenticate: Digest realm=\"a\", nonce=\"n1\", qop=\"auth\"\r\n"
                       "Proxy-Authenticate: Digest realm=\"p\", nonce=\"q1\"\r\n";
    assert_int_equal(respond(cache, &st, both, &prev, cr), 0);
    pl_str ruri = PL_STR_LIT("sip:registrar.example.com");
    assert_int_equal(sip_digest_reauthorize(cache, pl_buf_str(&prev), PL_STR_LIT("REGISTER"), ruri,
                                            PL_STR_NULL, lookup, cr, &b),
                     0);
    pl_buf_terminate(&b);
    assert_contains(b.data, "Authorization: Digest username=\"alice\", realm=\"a\", nonce=\"n1\", "
                            "uri=\"sip:registrar.example.com\"");
    assert_contains(b.data, "nc=00000002");
    assert_contains(b.data, "Proxy-Authorization: Digest username=\"alice-p\", realm=\"p\", "
                            "nonce=\"q1\"");
    /* they parse as a server reads them */
    sip_digest_credentials c;
    const char *line = strstr(b.data, "Authorization: Digest username=\"alice\"");
    const char *eol = strstr(line, "\r\n");
    assert_int_equal(
        sip_digest_credentials_parse(pl_str_make(line + 15, (size_t)(eol - line - 15)), &c), 0);
    assert_int_equal(c.nc, 2);
    assert_string_equal(c.uri, "sip:registrar.example.com");
    /* again: the count goes on */
    pl_buf_reset(&b);
    assert_int_equal(sip_digest_reauthorize(cache, pl_buf_str(&prev), PL_STR_LIT("REGISTER"), ruri,
                                            PL_STR_NULL, lookup, cr, &b),
                     0);
    pl_buf_terminate(&b);
    assert_contains(b.data, "nc=00000003");
    /* a realm the cache forgot, lines that are not credentials, no cache, no credentials */
    sip_digest_cache_drop(cache, PL_STR_LIT("a"), false);
    sip_digest_cache_drop(cache, PL_STR_LIT("p"), true);
    pl_buf_reset(&b);
    assert_int_equal(sip_digest_reauthorize(cache, pl_buf_str(&prev), PL_STR_LIT("REGISTER"), ruri,
                                            PL_STR_NULL, lookup, cr, &b),
                     PARLEY_E_NOTFOUND);
    assert_int_equal(b.len, 0);
    assert_int_equal(sip_digest_reauthorize(cache, PL_STR_LIT("X-Other: 1\r\nAuthorization\r\n"),
                                            PL_STR_LIT("REGISTER"), ruri, PL_STR_NULL, lookup, cr,
                                            &b),
                     PARLEY_E_NOTFOUND);
    assert_int_equal(sip_digest_reauthorize(NULL, pl_buf_str(&prev), PL_STR_LIT("REGISTER"), ruri,
                                            PL_STR_NULL, lookup, cr, &b),
                     PARLEY_E_NOTFOUND);
    memset(&st, 0, sizeof(st));
    assert_int_equal(respond(cache, &st, both, &prev, cr), 0);
    creds none[] = {{NULL, NULL, NULL, 0}};
    assert_int_equal(sip_digest_reauthorize(cache, pl_buf_str(&prev), PL_STR_LIT("REGISTER"), ruri,
                                            PL_STR_NULL, lookup, none, &b),
                     PARLEY_E_NOTFOUND);
    assert_int_equal(b.len, 0);
    pl_buf_free(&prev);
    pl_buf_free(&b);
    sip_digest_cache_free(cache);
}

static void test_cache_counts_and_evicts(void **state)
{
    (void)state;
    sip_digest_cache *c;
    assert_int_equal(sip_digest_cache_create(2, &c), 0);
    sip_digest_challenge a = CH("Digest realm=\"a\", nonce=\"1\", qop=auth");
    sip_digest_challenge b = CH("Digest realm=\"b\", nonce=\"1\", qop=auth");
    sip_digest_challenge d = CH("Digest realm=\"d\", nonce=\"1\", qop=auth");
    uint32_t nc = 0;
    sip_digest_cache_put(c, &a);
    assert_non_null(sip_digest_cache_next(c, PL_STR_LIT("a"), false, &nc));
    assert_int_equal(nc, 1);
    sip_digest_cache_next(c, PL_STR_LIT("a"), false, &nc);
    assert_int_equal(nc, 2);
    assert_null(sip_digest_cache_next(c, PL_STR_LIT("a"), true, &nc)); /* not a proxy realm */
    sip_digest_cache_put(c, &a); /* the same nonce: the count goes on */
    sip_digest_cache_next(c, PL_STR_LIT("a"), false, &nc);
    assert_int_equal(nc, 3);
    sip_digest_challenge a2 = CH("Digest realm=\"a\", nonce=\"2\", qop=auth");
    sip_digest_cache_put(c, &a2);
    const sip_digest_challenge *got = sip_digest_cache_next(c, PL_STR_LIT("a"), false, &nc);
    assert_int_equal(nc, 1);
    assert_string_equal(got->nonce, "2");
    sip_digest_cache_put(c, &b);
    sip_digest_cache_next(c, PL_STR_LIT("a"), false, &nc); /* a is now the most recent */
    sip_digest_cache_put(c, &d);                           /* b goes */
    assert_null(sip_digest_cache_next(c, PL_STR_LIT("b"), false, &nc));
    assert_non_null(sip_digest_cache_next(c, PL_STR_LIT("a"), false, &nc));
    assert_non_null(sip_digest_cache_next(c, PL_STR_LIT("d"), false, &nc));
    sip_digest_cache_drop(c, PL_STR_LIT("d"), false);
    assert_null(sip_digest_cache_next(c, PL_STR_LIT("d"), false, &nc));
    sip_digest_cache_free(c);
}

/* ---- server ---- */

typedef struct users {
    const char *user, *pass, *ha1;
} users;

static bool secret(void *arg, pl_str realm, pl_str user, sip_digest_alg alg, const char **pass,
                   const char **ha1)
{
    (void)alg;
    assert_true(pl_str_eq(realm, PL_STR_LIT("parley.test")));
    for (users *u = arg; u->user; u++) {
        if (pl_str_eq(user, pl_str_c(u->user))) {
            *pass = u->pass;
            *ha1 = u->ha1;
            return true;
        }
    }
    return false;
}

static users the_users[] = {{"alice", "wonderland", NULL}, {"bob", "builder", NULL}, {0}};

static sip_digest_server *server(unsigned algs, bool auth_int, unsigned lifetime, size_t slots)
{
    sip_digest_server_config cfg = {.realm = "parley.test",
                                    .algs = algs,
                                    .auth_int = auth_int,
                                    .nonce_lifetime_ms = lifetime,
                                    .replay_slots = slots,
                                    .max_failures = 3,
                                    .failure_window_ms = 10000};
    sip_digest_server *s = NULL;
    assert_int_equal(sip_digest_server_create(&cfg, &s), 0);
    return s;
}

/* The first challenge the server prints (its strongest), parsed back. */
static sip_digest_challenge challenge_of(sip_digest_server *s, bool proxy, bool stale, uint64_t now,
                                         size_t *lines)
{
    pl_buf b;
    pl_buf_init(&b, 512);
    assert_int_equal(sip_digest_server_challenge(s, proxy, stale, now, &b), 0);
    sip_msg *m = response_with(pl_buf_ok(&b) ? (pl_buf_terminate(&b), b.data) : "");
    sip_digest_challenge c[4];
    assert_int_equal(sip_digest_challenges(m, c, 4), 1);
    if (lines) {
        *lines = 0;
        for (const char *p = b.data; (p = strstr(p, "\r\n")); p += 2)
            (*lines)++;
    }
    sip_msg_free(m);
    pl_buf_free(&b);
    assert_int_equal(c[0].proxy, proxy);
    assert_int_equal(c[0].stale, stale);
    return c[0];
}

static sip_digest_verdict check(sip_digest_server *s, const sip_digest_challenge *c,
                                const char *user, const char *pass, uint32_t nc, uint64_t now)
{
    const char *h = answer(c, user, pass, "INVITE", "sip:bob@parley.test", NULL, nc);
    sip_digest_result r;
    assert_int_equal(sip_digest_server_check(s, pl_str_c(h), PL_STR_LIT("INVITE"), PL_STR_NULL,
                                             secret, the_users, now, &r),
                     0);
    return r.verdict;
}

static void test_server_round_trip_every_algorithm(void **state)
{
    (void)state;
    for (int alg = SIP_DIGEST_MD5; alg < SIP_DIGEST_ALG_COUNT; alg++) {
        for (int qop = SIP_DIGEST_QOP_AUTH; qop <= SIP_DIGEST_QOP_AUTH_INT; qop++) {
            sip_digest_server *s = server(1u << alg, true, 0, 0);
            sip_digest_challenge c = challenge_of(s, false, false, 1000, NULL);
            assert_int_equal(c.alg, alg);
            assert_true(c.has_alg);
            assert_int_equal(c.qop, SIP_DIGEST_QOP_AUTH | SIP_DIGEST_QOP_AUTH_INT);
            c.qop = (uint8_t)qop; /* make the client take this one */
            sip_digest_answer a = {.username = "alice",
                                   .password = "wonderland",
                                   .method = PL_STR_LIT("MESSAGE"),
                                   .uri = PL_STR_LIT("sip:bob@parley.test"),
                                   .body = PL_STR_LIT("hi there"),
                                   .nc = 1};
            pl_buf b;
            pl_buf_init(&b, 512);
            assert_int_equal(sip_digest_authorize(&c, &a, &b), 0);
            sip_digest_result r;
            assert_int_equal(sip_digest_server_check(s, pl_buf_str(&b), PL_STR_LIT("MESSAGE"),
                                                     PL_STR_LIT("hi there"), secret, the_users,
                                                     2000, &r),
                             0);
            if (r.verdict != SIP_DIGEST_OK)
                fail_msg("%s qop %d: verdict %d", sip_digest_alg_name(alg), qop, r.verdict);
            assert_string_equal(r.username, "alice");
            /* another body breaks auth-int, not auth */
            a.nc = 2;
            pl_buf_reset(&b);
            assert_int_equal(sip_digest_authorize(&c, &a, &b), 0);
            assert_int_equal(sip_digest_server_check(s, pl_buf_str(&b), PL_STR_LIT("MESSAGE"),
                                                     PL_STR_LIT("changed"), secret, the_users, 2000,
                                                     &r),
                             0);
            assert_int_equal(r.verdict,
                             qop == SIP_DIGEST_QOP_AUTH ? SIP_DIGEST_OK : SIP_DIGEST_BAD);
            pl_buf_free(&b);
            sip_digest_server_free(s);
        }
    }
}

static void test_server_challenge_lines(void **state)
{
    (void)state;
    sip_digest_server *s = server(0, false, 0, 0);
    pl_buf b;
    pl_buf_init(&b, 512);
    assert_int_equal(sip_digest_server_challenge(s, true, true, 5, &b), 0);
    pl_buf_terminate(&b);
    /* SHA-256 then MD5 by default, one nonce, qop auth only */
    const char *sha = strstr(b.data, "Proxy-Authenticate: Digest realm=\"parley.test\", nonce=\"");
    assert_ptr_equal(sha, b.data);
    assert_contains(b.data, "algorithm=SHA-256, qop=\"auth\", stale=true\r\n");
    const char *md5 = strstr(b.data, "algorithm=MD5");
    assert_non_null(md5);
    assert_true(md5 > strstr(b.data, "algorithm=SHA-256"));
    char n1[80], n2[80];
    assert_int_equal(sscanf(b.data, "%*[^\"]\"%*[^\"]\", nonce=\"%79[^\"]", n1), 1);
    assert_int_equal(sscanf(strstr(b.data, "\r\n") + 2, "%*[^\"]\"%*[^\"]\", nonce=\"%79[^\"]", n2),
                     1);
    assert_string_equal(n1, n2);
    pl_buf_free(&b);
    sip_digest_server_free(s);
    sip_digest_server_config bad = {.realm = NULL};
    assert_int_equal(sip_digest_server_create(&bad, &s), PARLEY_E_INVAL);
    bad.realm = "a\r\nb";
    assert_int_equal(sip_digest_server_create(&bad, &s), PARLEY_E_INVAL);
    bad.realm = "r";
    bad.algs = 1u << 30;
    assert_int_equal(sip_digest_server_create(&bad, &s), PARLEY_E_INVAL);
}

static void test_server_replay(void **state)
{
    (void)state;
    sip_digest_server *s = server(1u << SIP_DIGEST_SHA256, false, 0, 0);
    sip_digest_challenge c = challenge_of(s, false, false, 0, NULL);
    assert_int_equal(check(s, &c, "alice", "wonderland", 1, 10), SIP_DIGEST_OK);
    assert_int_equal(check(s, &c, "alice", "wonderland", 1, 20), SIP_DIGEST_REPLAY);
    assert_int_equal(check(s, &c, "alice", "wonderland", 2, 30), SIP_DIGEST_OK);
    assert_int_equal(check(s, &c, "alice", "wonderland", 5, 30), SIP_DIGEST_OK);
    assert_int_equal(check(s, &c, "alice", "wonderland", 4, 30), SIP_DIGEST_OK); /* late, new */
    assert_int_equal(check(s, &c, "alice", "wonderland", 4, 30), SIP_DIGEST_REPLAY);
    assert_int_equal(check(s, &c, "alice", "wonderland", 2, 30), SIP_DIGEST_REPLAY);
    assert_int_equal(check(s, &c, "alice", "wonderland", 200, 30), SIP_DIGEST_OK);
    assert_int_equal(check(s, &c, "alice", "wonderland", 100, 30), SIP_DIGEST_REPLAY); /* too old */
    /* the exact same header twice */
    const char *h = answer(&c, "bob", "builder", "BYE", "sip:x", "cn", 300);
    char copy[2048];
    snprintf(copy, sizeof(copy), "%s", h);
    sip_digest_result r;
    sip_digest_server_check(s, pl_str_c(copy), PL_STR_LIT("BYE"), PL_STR_NULL, secret, the_users,
                            40, &r);
    assert_int_equal(r.verdict, SIP_DIGEST_OK);
    sip_digest_server_check(s, pl_str_c(copy), PL_STR_LIT("BYE"), PL_STR_NULL, secret, the_users,
                            40, &r);
    assert_int_equal(r.verdict, SIP_DIGEST_REPLAY);
    sip_digest_server_free(s);
}

/* A full table pushes out its oldest nonce; that nonce is then stale, never replayable. */
static void test_server_replay_table_is_bounded(void **state)
{
    (void)state;
    sip_digest_server *s = server(1u << SIP_DIGEST_MD5, false, 0, 4);
    sip_digest_challenge c[6];
    for (int i = 0; i < 6; i++)
        c[i] = challenge_of(s, false, false, (uint64_t)i, NULL);
    for (int i = 0; i < 5; i++)
        assert_int_equal(check(s, &c[i], "alice", "wonderland", 1, 100), SIP_DIGEST_OK);
    /* c[0] was pushed out: even a new count on it is refused, as stale */
    assert_int_equal(check(s, &c[0], "alice", "wonderland", 1, 100), SIP_DIGEST_STALE);
    assert_int_equal(check(s, &c[0], "alice", "wonderland", 7, 100), SIP_DIGEST_STALE);
    /* those still in the table keep their memory */
    assert_int_equal(check(s, &c[4], "alice", "wonderland", 1, 100), SIP_DIGEST_REPLAY);
    assert_int_equal(check(s, &c[4], "alice", "wonderland", 2, 100), SIP_DIGEST_OK);
    /* a nonce made after the newest one pushed out is fine */
    assert_int_equal(check(s, &c[5], "alice", "wonderland", 1, 100), SIP_DIGEST_OK);
    /* thousands of nonces: the table never grows past its slots */
    for (int i = 0; i < 3000; i++) {
        sip_digest_challenge x = challenge_of(s, false, false, 1000 + (uint64_t)i, NULL);
        assert_int_equal(check(s, &x, "bob", "builder", 1, 1000 + (uint64_t)i), SIP_DIGEST_OK);
    }
    sip_digest_server_free(s);
}

static void test_server_expiry(void **state)
{
    (void)state;
    sip_digest_server *s = server(1u << SIP_DIGEST_SHA512_256, false, 1000, 0);
    sip_digest_challenge c = challenge_of(s, false, false, 5000, NULL);
    assert_int_equal(check(s, &c, "alice", "wonderland", 1, 5000), SIP_DIGEST_OK);
    assert_int_equal(check(s, &c, "alice", "wonderland", 2, 6000), SIP_DIGEST_OK); /* edge */
    assert_int_equal(check(s, &c, "alice", "wonderland", 3, 6001), SIP_DIGEST_STALE);
    /* stale only with the right password */
    assert_int_equal(check(s, &c, "alice", "nope", 4, 6001), SIP_DIGEST_BAD);
    /* a nonce from the future (a clock going back) is not accepted */
    sip_digest_challenge f = challenge_of(s, false, false, 9000, NULL);
    assert_int_equal(check(s, &f, "alice", "wonderland", 1, 8000), SIP_DIGEST_STALE);
    /* the stale challenge that follows works */
    sip_digest_challenge again = challenge_of(s, false, true, 6001, NULL);
    assert_int_equal(check(s, &again, "alice", "wonderland", 1, 6002), SIP_DIGEST_OK);
    sip_digest_server_free(s);
}

static void test_server_refuses_foreign_and_odd(void **state)
{
    (void)state;
    sip_digest_server *s = server(1u << SIP_DIGEST_SHA256, false, 0, 0);
    sip_digest_server *other = server(1u << SIP_DIGEST_SHA256, false, 0, 0);
    /* a nonce another server made (another secret) */
    sip_digest_challenge c = challenge_of(other, false, false, 0, NULL);
    assert_int_equal(check(s, &c, "alice", "wonderland", 1, 1), SIP_DIGEST_BAD);
    /* a nonce altered in one digit */
    c = challenge_of(s, false, false, 0, NULL);
    c.nonce[3] = c.nonce[3] == '0' ? '1' : '0';
    assert_int_equal(check(s, &c, "alice", "wonderland", 1, 1), SIP_DIGEST_BAD);
    c = challenge_of(s, false, false, 0, NULL);
    /* an algorithm we did not offer, RFC 2069 form, userhash, another realm */
    sip_digest_challenge md5 = c;
    md5.alg = SIP_DIGEST_MD5;
    assert_int_equal(check(s, &md5, "alice", "wonderland", 1, 1), SIP_DIGEST_BAD);
    sip_digest_challenge old = c;
    old.qop = 0;
    assert_int_equal(check(s, &old, "alice", "wonderland", 1, 1), SIP_DIGEST_BAD);
    sip_digest_challenge uh = c;
    uh.userhash = true;
    assert_int_equal(check(s, &uh, "alice", "wonderland", 1, 1), SIP_DIGEST_BAD);
    sip_digest_challenge ai = c;
    ai.qop = SIP_DIGEST_QOP_AUTH_INT; /* not offered by this server */
    assert_int_equal(check(s, &ai, "alice", "wonderland", 1, 1), SIP_DIGEST_BAD);
    sip_digest_challenge realm = c;
    strcpy(realm.realm, "elsewhere");
    assert_int_equal(check(s, &realm, "alice", "wonderland", 1, 1), SIP_DIGEST_MISSING);
    /* unknown user, garbage */
    assert_int_equal(check(s, &c, "mallory", "x", 1, 1), SIP_DIGEST_BAD);
    sip_digest_result r;
    sip_digest_server_check(s, PL_STR_LIT("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), PL_STR_LIT("INVITE"),
                            PL_STR_NULL, secret, the_users, 1, &r);
    assert_int_equal(r.verdict, SIP_DIGEST_BAD);
    /* none of that burnt a count: the right answer still works */
    assert_int_equal(check(s, &c, "alice", "wonderland", 1, 1), SIP_DIGEST_OK);
    sip_digest_server_free(other);
    sip_digest_server_free(s);
}

static void test_server_ha1_secret(void **state)
{
    (void)state;
    sip_digest_server *s = server(1u << SIP_DIGEST_MD5, false, 0, 0);
    char ha1[65];
    pl_str p[] = {PL_STR_LIT("carol"), PL_STR_LIT("parley.test"), PL_STR_LIT("s3cret")};
    sip_digest_hash(SIP_DIGEST_MD5, p, 3, ha1);
    users u[] = {{"carol", NULL, ha1}, {0}};
    sip_digest_challenge c = challenge_of(s, false, false, 0, NULL);
    const char *h = answer(&c, "carol", "s3cret", "INVITE", "sip:x", NULL, 1);
    sip_digest_result r;
    sip_digest_server_check(s, pl_str_c(h), PL_STR_LIT("INVITE"), PL_STR_NULL, secret, u, 1, &r);
    assert_int_equal(r.verdict, SIP_DIGEST_OK);
    sip_digest_server_free(s);
}

static void test_server_failures_then_forbidden(void **state)
{
    (void)state;
    sip_digest_server *s = server(1u << SIP_DIGEST_SHA256, false, 60000, 0);
    sip_digest_challenge c = challenge_of(s, false, false, 0, NULL);
    assert_int_equal(check(s, &c, "alice", "a", 1, 100), SIP_DIGEST_BAD);
    assert_int_equal(check(s, &c, "alice", "b", 2, 200), SIP_DIGEST_BAD);
    assert_int_equal(check(s, &c, "alice", "c", 3, 300), SIP_DIGEST_FORBIDDEN);
    /* locked for the window, right password or not; others are not */
    assert_int_equal(check(s, &c, "alice", "wonderland", 4, 400), SIP_DIGEST_FORBIDDEN);
    assert_int_equal(check(s, &c, "bob", "builder", 5, 400), SIP_DIGEST_OK);
    /* the window (10 s) passes after the last failure */
    assert_int_equal(check(s, &c, "alice", "wonderland", 6, 10300), SIP_DIGEST_OK);
    /* a success resets the count */
    assert_int_equal(check(s, &c, "alice", "x", 7, 10400), SIP_DIGEST_BAD);
    assert_int_equal(check(s, &c, "alice", "x", 8, 10500), SIP_DIGEST_BAD);
    assert_int_equal(check(s, &c, "alice", "wonderland", 9, 10600), SIP_DIGEST_OK);
    assert_int_equal(check(s, &c, "alice", "x", 10, 10700), SIP_DIGEST_BAD);
    assert_int_equal(check(s, &c, "alice", "x", 11, 10800), SIP_DIGEST_BAD);
    /* unknown users are counted too, in a bounded table */
    for (int i = 0; i < 5000; i++) {
        char name[32];
        snprintf(name, sizeof(name), "spray%d", i);
        assert_int_equal(check(s, &c, name, "x", 100 + (uint32_t)i, 20000), SIP_DIGEST_BAD);
    }
    sip_digest_server_free(s);
}

/* The message form: the field for our realm among others; Proxy-Authorization for a proxy. */
static void test_server_verify_message(void **state)
{
    (void)state;
    sip_digest_server *s = server(1u << SIP_DIGEST_SHA256, false, 0, 0);
    sip_digest_challenge c = challenge_of(s, true, false, 0, NULL);
    const char *h = answer(&c, "bob", "builder", "MESSAGE", "sip:alice@parley.test", NULL, 1);
    char text[4096];
    snprintf(text, sizeof(text),
             "MESSAGE sip:alice@parley.test SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
             "From: <sip:bob@parley.test>;tag=1\r\n"
             "To: <sip:alice@parley.test>\r\n"
             "Call-ID: c1\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n"
             "Proxy-Authorization: Digest username=\"x\", realm=\"other\", nonce=\"n\", uri=\"u\", "
             "response=\"00\"\r\n"
             "Proxy-Authorization: Basic abc\r\n"
             "Proxy-Authorization: %s\r\n"
             "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
             h);
    int rc;
    sip_msg *m = tu_parse(text, &rc);
    assert_int_equal(rc, 0);
    sip_digest_result r;
    assert_int_equal(sip_digest_server_verify(s, m, true, secret, the_users, 1, &r), 0);
    assert_int_equal(r.verdict, SIP_DIGEST_OK);
    assert_string_equal(r.username, "bob");
    /* as a UAS it reads Authorization: there is none */
    assert_int_equal(sip_digest_server_verify(s, m, false, secret, the_users, 1, &r), 0);
    assert_int_equal(r.verdict, SIP_DIGEST_MISSING);
    sip_msg_free(m);
    sip_digest_server_free(s);
}

/* Every allocation of the server and the cache failed in turn: a clean PARLEY_E_NOMEM, no
 * leak (LeakSanitizer in the sanitizer build), and success once allocations suffice. */
static void test_allocation_failures(void **state)
{
    (void)state;
    bool created = false;
    for (long n = 0; !created && n < 64; n++) {
        sip_digest_server *s = NULL;
        sip_digest_server_config cfg = {.realm = "parley.test"};
        pl_alloc_fail_after(n);
        int rc = sip_digest_server_create(&cfg, &s);
        if (rc == 0) {
            sip_digest_challenge c;
            sip_digest_result r;
            pl_alloc_fail_after(-1);
            c = challenge_of(s, false, false, 0, NULL);
            const char *h = answer(&c, "alice", "wonderland", "INVITE", "sip:x", NULL, 1);
            pl_alloc_fail_after(0); /* the check's own allocation */
            rc = sip_digest_server_check(s, pl_str_c(h), PL_STR_LIT("INVITE"), PL_STR_NULL, secret,
                                         the_users, 1, &r);
            pl_alloc_fail_after(-1);
            assert_int_equal(rc, PARLEY_E_NOMEM);
            created = true;
        } else {
            assert_int_equal(rc, PARLEY_E_NOMEM);
            assert_null(s);
        }
        sip_digest_server_free(s);
    }
    pl_alloc_fail_after(-1);
    assert_true(created);
    sip_digest_cache *c = NULL;
    pl_alloc_fail_after(0);
    assert_int_equal(sip_digest_cache_create(4, &c), PARLEY_E_NOMEM);
    pl_alloc_fail_after(-1);
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2617_md5),
        cmocka_unit_test(test_rfc7616_sha256_and_md5),
        cmocka_unit_test(test_sha512_256_against_openssl),
        cmocka_unit_test(test_rfc2069_form),
        cmocka_unit_test(test_auth_int_hashes_body),
        cmocka_unit_test(test_ha1_instead_of_password),
        cmocka_unit_test(test_userhash),
        cmocka_unit_test(test_challenge_syntax),
        cmocka_unit_test(test_challenge_refused),
        cmocka_unit_test(test_challenge_huge_values),
        cmocka_unit_test(test_parse_mutations),
        cmocka_unit_test(test_credentials_parse),
        cmocka_unit_test(test_challenges_of_response),
        cmocka_unit_test(test_respond_rules),
        cmocka_unit_test(test_reauthorize),
        cmocka_unit_test(test_cache_counts_and_evicts),
        cmocka_unit_test(test_server_round_trip_every_algorithm),
        cmocka_unit_test(test_server_challenge_lines),
        cmocka_unit_test(test_server_replay),
        cmocka_unit_test(test_server_replay_table_is_bounded),
        cmocka_unit_test(test_server_expiry),
        cmocka_unit_test(test_server_refuses_foreign_and_odd),
        cmocka_unit_test(test_server_ha1_secret),
        cmocka_unit_test(test_server_failures_then_forbidden),
        cmocka_unit_test(test_server_verify_message),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
