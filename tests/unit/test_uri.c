/*
 * URIs (src/sip/uri.c, uri_cmp.c): sip, sips, tel and other schemes, every part and every fault
 * reason with its position; IPv4/IPv6 literals; parameter iteration; RFC 3261 §19.1.4 and
 * RFC 3966 §4 comparison.
 */
#include "test_util.h"

#include "parley/error.h"
#include "sip/uri.h"

/* Parses s (a literal: the slices point into it) and fails the test when it is not valid. */
static sip_uri U(const char *s)
{
    sip_uri u;
    const char *at = NULL, *why = NULL;
    int rc = sip_uri_parse(pl_str_c(s), &u, &at, &why);
    if (rc != 0)
        fail_msg("'%s' rejected at %ld: %s", s, at ? (long)(at - s) : -1L, why ? why : "?");
    return u;
}

/* Asserts s is rejected with this reason, the fault at byte offset `at`. */
static void bad(const char *s, const char *reason, long at)
{
    sip_uri u;
    const char *fault = NULL, *why = NULL;
    int rc = sip_uri_parse(pl_str_c(s), &u, &fault, &why);
    if (rc != PARLEY_E_PARSE)
        fail_msg("'%s' accepted, expected '%s'", s, reason);
    if (!why || strcmp(why, reason) != 0)
        fail_msg("'%s': reason '%s', expected '%s'", s, why ? why : "(null)", reason);
    if (!fault || fault - s != at)
        fail_msg("'%s' (%s): fault at %ld, expected %ld", s, reason,
                 fault ? (long)(fault - s) : -1L, at);
    /* the out-parameters are optional */
    assert_int_equal(sip_uri_parse(pl_str_c(s), &u, NULL, NULL), PARLEY_E_PARSE);
}

/* ---- sip / sips ---- */

static void test_sip_minimal(void **state)
{
    (void)state;
    sip_uri u = U("sip:example.com");
    assert_int_equal(u.kind, SIP_URI_SIP);
    assert_slice_equal(u.raw, "sip:example.com");
    assert_slice_equal(u.scheme, "sip");
    assert_false(pl_str_set(u.user));
    assert_false(pl_str_set(u.password));
    assert_slice_equal(u.host, "example.com");
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    assert_int_equal(u.port, 0);
    assert_int_equal(u.params.len, 0);
    assert_int_equal(u.headers.len, 0);
    assert_false(pl_str_set(u.headers));
    assert_false(u.lr);
    assert_false(pl_str_set(u.transport));
}

static void test_sip_full(void **state)
{
    (void)state;
    sip_uri u =
        U("sips:alice:secret@atlanta.example.com:5061;transport=tls;lr;maddr=239.255.255.1;"
          "ttl=15;user=ip;method=INVITE;x-custom=1;flag?subject=project%20x&priority=urgent");
    assert_int_equal(u.kind, SIP_URI_SIPS);
    assert_slice_equal(u.scheme, "sips");
    assert_slice_equal(u.user, "alice");
    assert_slice_equal(u.password, "secret");
    assert_slice_equal(u.host, "atlanta.example.com");
    assert_int_equal(u.port, 5061);
    assert_slice_equal(u.params, "transport=tls;lr;maddr=239.255.255.1;ttl=15;user=ip;"
                                 "method=INVITE;x-custom=1;flag");
    assert_slice_equal(u.transport, "tls");
    assert_true(u.lr);
    assert_slice_equal(u.maddr, "239.255.255.1");
    assert_slice_equal(u.ttl, "15");
    assert_slice_equal(u.user_param, "ip");
    assert_slice_equal(u.method, "INVITE");
    assert_slice_equal(u.headers, "subject=project%20x&priority=urgent");
}

static void test_sip_rfc3261_examples(void **state)
{
    (void)state;
    /* RFC 3261 §19.1.3 */
    sip_uri u = U("sip:alice@atlanta.com");
    assert_slice_equal(u.user, "alice");
    assert_slice_equal(u.host, "atlanta.com");

    u = U("sip:alice:secretword@atlanta.com;transport=tcp");
    assert_slice_equal(u.password, "secretword");
    assert_slice_equal(u.transport, "tcp");

    u = U("sips:alice@atlanta.com?subject=project%20x&priority=urgent");
    assert_int_equal(u.kind, SIP_URI_SIPS);
    assert_slice_equal(u.headers, "subject=project%20x&priority=urgent");

    u = U("sip:+1-212-555-1212:1234@gateway.com;user=phone");
    assert_slice_equal(u.user, "+1-212-555-1212");
    assert_slice_equal(u.password, "1234");
    assert_slice_equal(u.user_param, "phone");

    u = U("sips:1212@gateway.com");
    assert_slice_equal(u.user, "1212");

    u = U("sip:alice@192.0.2.4");
    assert_slice_equal(u.host, "192.0.2.4");
    assert_int_equal(u.host_type, SIP_HOST_IPV4);

    u = U("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
    assert_false(pl_str_set(u.user));
    assert_slice_equal(u.host, "atlanta.com");
    assert_slice_equal(u.method, "REGISTER");
    assert_slice_equal(u.headers, "to=alice%40atlanta.com");

    /* the user part may hold ';' '=' '?' '/': the userinfo ends at the '@' */
    u = U("sip:alice;day=tuesday@atlanta.com");
    assert_slice_equal(u.user, "alice;day=tuesday");
    assert_slice_equal(u.host, "atlanta.com");
    assert_int_equal(u.params.len, 0);
}

static void test_sip_scheme_case(void **state)
{
    (void)state;
    assert_int_equal(U("SIP:a@example.com").kind, SIP_URI_SIP);
    assert_int_equal(U("Sip:a@example.com").kind, SIP_URI_SIP);
    assert_int_equal(U("SIPS:a@example.com").kind, SIP_URI_SIPS);
    assert_int_equal(U("sIpS:a@example.com").kind, SIP_URI_SIPS);
    assert_int_equal(U("TEL:+1").kind, SIP_URI_TEL);
    assert_slice_equal(U("SIP:a@example.com").scheme, "SIP");
}

static void test_sip_user_chars(void **state)
{
    (void)state;
    /* unreserved / user-unreserved (& = + $ , ; ? /) / escaped */
    sip_uri u = U("sip:a-_.!~*'()&=+$,;?/%41@h");
    assert_slice_equal(u.user, "a-_.!~*'()&=+$,;?/%41");
    assert_false(pl_str_set(u.password));
    /* password: unreserved / & = + $ , / escaped; may be empty */
    u = U("sip:u:p-_.!~*'()&=+$,%7e@h");
    assert_slice_equal(u.password, "p-_.!~*'()&=+$,%7e");
    u = U("sip:u:@h");
    assert_true(pl_str_set(u.password));
    assert_int_equal(u.password.len, 0);
    /* escapes stay escaped in the slices (zero-copy) */
    u = U("sip:%61lice@h");
    assert_slice_equal(u.user, "%61lice");
    /* the escaped NUL is legal (RFC 4475 escnull) */
    u = U("sip:null-%00-null@h");
    assert_slice_equal(u.user, "null-%00-null");
    /* the first '@' ends the userinfo */
    u = U("sip:host;x=a@b");
    assert_slice_equal(u.user, "host;x=a");
    assert_slice_equal(u.host, "b");
}

static void test_sip_hosts(void **state)
{
    (void)state;
    sip_uri u = U("sip:a@EXAMPLE.Com");
    assert_slice_equal(u.host, "EXAMPLE.Com");
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    u = U("sip:a@example.com."); /* fully qualified, trailing dot */
    assert_slice_equal(u.host, "example.com.");
    u = U("sip:a@localhost");
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    u = U("sip:a@my_host.example.com"); /* '_' tolerated */
    assert_slice_equal(u.host, "my_host.example.com");
    u = U("sip:a@x-1.y--z.com");
    assert_slice_equal(u.host, "x-1.y--z.com");
    u = U("sip:a@255.255.255.255");
    assert_int_equal(u.host_type, SIP_HOST_IPV4);
    u = U("sip:a@0.0.0.0");
    assert_int_equal(u.host_type, SIP_HOST_IPV4);
    /* digits that are no IPv4 address are kept as a name (judgment: no strict toplabel check) */
    u = U("sip:a@256.1.1.1");
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    u = U("sip:a@1.2.3");
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    u = U("sip:a@[2001:db8::1]");
    assert_slice_equal(u.host, "2001:db8::1"); /* without the brackets */
    assert_int_equal(u.host_type, SIP_HOST_IPV6);
    assert_int_equal(u.port, 0);
    u = U("sip:[2001:DB8::10]:5070;transport=udp");
    assert_slice_equal(u.host, "2001:DB8::10");
    assert_int_equal(u.port, 5070);
    assert_slice_equal(u.transport, "udp");
    u = U("sip:a@[::ffff:192.0.2.1]:1");
    assert_slice_equal(u.host, "::ffff:192.0.2.1");
    assert_int_equal(u.port, 1);
    /* RFC 5118 §4.4: inside the brackets everything is address, so no port */
    u = U("sip:a@[2001:db8::10:5070]");
    assert_slice_equal(u.host, "2001:db8::10:5070");
    assert_int_equal(u.port, 0);
}

static void test_sip_ports(void **state)
{
    (void)state;
    assert_int_equal(U("sip:h:1").port, 1);
    assert_int_equal(U("sip:h:5060").port, 5060);
    assert_int_equal(U("sip:h:65535").port, 65535);
    assert_int_equal(U("sip:h:005060").port, 5060);
    assert_int_equal(U("sip:u@1.2.3.4:5061;lr").port, 5061);
    assert_int_equal(U("sip:u@h:5061?a=b").port, 5061);
    bad("sip:h:0", "port out of range", 6); /* judgment: 0 is no port to send to */
    bad("sip:h:00", "port out of range", 6);
    bad("sip:h:65536", "port out of range", 6);
    bad("sip:h:99999999999999999999", "port out of range", 6);
    bad("sip:h:", "missing port number", 6);
    bad("sip:h:;lr", "missing port number", 6);
    bad("sip:h:50a", "invalid character in URI", 8);
    bad("sip:h:-1", "missing port number", 6);
    bad("sip:[::1]:", "missing port number", 10);
}

static void test_sip_params(void **state)
{
    (void)state;
    sip_uri u = U("sip:h;lr");
    assert_true(u.lr);
    assert_slice_equal(u.params, "lr");
    u = U("sip:h;lr=on"); /* RFC 2543 style lr=on still marks loose routing */
    assert_true(u.lr);
    u = U("sip:h;LR");
    assert_true(u.lr);
    u = U("sip:h;TRANSPORT=TCP;Maddr=[2001:db8::1];TTL=1;USER=phone;Method=BYE");
    assert_slice_equal(u.transport, "TCP");
    assert_slice_equal(u.maddr, "[2001:db8::1]");
    assert_slice_equal(u.ttl, "1");
    assert_slice_equal(u.user_param, "phone");
    assert_slice_equal(u.method, "BYE");
    /* escaped names are the same names (RFC 4475 esc01: ;%6C%72 is lr) */
    u = U("sip:h;%6C%72;%74ransport=tcp;%6d%61%64%64%72=x.example.com");
    assert_true(u.lr);
    assert_slice_equal(u.transport, "tcp");
    assert_slice_equal(u.maddr, "x.example.com");
    /* names that only start like a known one are other parameters */
    u = U("sip:h;lrx;transports=tcp;ttl2=3");
    assert_false(u.lr);
    assert_false(pl_str_set(u.transport));
    assert_false(pl_str_set(u.ttl));
    /* param-unreserved characters in names and values */
    u = U("sip:h;a[]/:&+$-_.!~*'()%20=[]/:&+$-_.!~*'()%20");
    assert_slice_equal(u.params, "a[]/:&+$-_.!~*'()%20=[]/:&+$-_.!~*'()%20");
    /* parameters end at '?' */
    u = U("sip:h;p=1?h=2");
    assert_slice_equal(u.params, "p=1");
    assert_slice_equal(u.headers, "h=2");
    /* RFC 4475 semiuri: params after a user part with ';' */
    u = U("sip:user;par=u%40example.net@example.com;lr");
    assert_slice_equal(u.user, "user;par=u%40example.net");
    assert_true(u.lr);
}

static void test_sip_headers(void **state)
{
    (void)state;
    sip_uri u = U("sip:h?Subject=hi&Call-ID=a%40b&Empty=");
    assert_slice_equal(u.headers, "Subject=hi&Call-ID=a%40b&Empty=");
    u = U("sip:h?to=sip:bob%40biloxi.com"); /* ':' is hnv-unreserved */
    assert_slice_equal(u.headers, "to=sip:bob%40biloxi.com");
    u = U("sip:h?a=[]/?:+$");
    assert_slice_equal(u.headers, "a=[]/?:+$");
}

static void test_sip_faults(void **state)
{
    (void)state;
    bad("", "empty URI", 0);
    bad("1sip:h", "URI must start with a scheme", 0);
    bad("<sip:h>", "URI must start with a scheme", 0);
    bad(" sip:h", "URI must start with a scheme", 0);
    bad("sip", "missing ':' after URI scheme", 3);
    bad("si p:h", "missing ':' after URI scheme", 2);
    bad("sip:", "missing host", 4);
    bad("sip:a@", "missing host", 6);
    bad("sip:@h", "empty URI user", 4);
    bad("sip::pw@h", "empty URI user", 4);
    bad("sip:a%4@h", "bad escape in URI user", 5);
    bad("sip:a%zz@h", "bad escape in URI user", 5);
    bad("sip:a%@h", "bad escape in URI user", 5);
    bad("sip:a\"b@h", "invalid character in URI user", 5);
    bad("sip:a b@h", "invalid character in URI user", 5);
    bad("sip:a[b@h", "invalid character in URI user", 5);
    bad("sip:u:p%g0@h", "bad escape in URI password", 7);
    bad("sip:u:p;q@h", "invalid character in URI password", 7);
    bad("sip:u:p:q@h", "invalid character in URI password", 7);
    bad("sip:u:p?@h", "invalid character in URI password", 7);
    bad("sip:[2001:db8::1", "unterminated IPv6 reference", 4);
    bad("sip:[2001:db8:::1]", "invalid IPv6 address", 5);
    bad("sip:[1.2.3.4]", "invalid IPv6 address", 5);
    bad("sip:[]", "invalid IPv6 address", 5);
    bad("sip:2001:db8::1", "missing port number", 9);
    bad("sip:a@.example.com", "empty label in host name", 6);
    bad("sip:a@example..com", "empty label in host name", 14);
    bad("sip:a@.", "empty label in host name", 6);
    bad("sip:a@-example.com", "host label starts or ends with '-'", 6);
    bad("sip:a@example-.com", "host label starts or ends with '-'", 6);
    bad("sip:a@x.-y", "host label starts or ends with '-'", 8);
    bad("sip:a@exa%6dple.com", "invalid character in URI", 9);
    bad("sip:a@h;", "empty URI parameter name", 8);
    bad("sip:a@h;;lr", "empty URI parameter name", 8);
    bad("sip:a@h;=1", "empty URI parameter name", 8);
    bad("sip:a@h;x=", "empty URI parameter value", 10);
    bad("sip:a@h;x=;lr", "empty URI parameter value", 10);
    bad("sip:a@h;x%2=1", "bad escape in URI parameter", 9);
    bad("sip:a@h;x=%g1", "bad escape in URI parameter", 10);
    bad("sip:a@h;x=1,2", "invalid character in URI", 11);
    bad("sip:a@h;x=\"q\"", "empty URI parameter value", 10); /* no quoted values in URIs */
    bad("sip:a@h?", "empty URI header name", 8);
    bad("sip:a@h?=v", "empty URI header name", 8);
    bad("sip:a@h?a=b&", "empty URI header name", 12);
    bad("sip:a@h?a", "URI header without '='", 9);
    bad("sip:a@h?a&b=c", "URI header without '='", 9);
    bad("sip:a@h?a%=b", "bad escape in URI header", 9);
    bad("sip:a@h?a=%4", "bad escape in URI header", 10);
    bad("sip:a@h?a=b c", "invalid character in URI headers", 11);
    bad("sip:a@h?a=b;c", "invalid character in URI headers", 11);
    bad("sip:a@h?a=b?c=d", "invalid character in URI headers", 13); /* hvalue "b?c", then '=' */
    bad("sip:a@h>", "invalid character in URI", 7);
    bad("sip:a@h x", "invalid character in URI", 7);
    bad("sip:a@h:5060x", "invalid character in URI", 12);
    bad("sip:a@[::1]x", "invalid character in URI", 11);
}

static void test_sip_header_value_question_mark(void **state)
{
    (void)state;
    /* '?' is hnv-unreserved: after the first one it is part of a header name or value */
    sip_uri u;
    const char *at = NULL, *why = NULL;
    const char *s = "sip:a@h?a=b?c";
    assert_int_equal(sip_uri_parse(pl_str_c(s), &u, &at, &why), 0);
    assert_slice_equal(u.headers, "a=b?c");
}

/* ---- tel ---- */

static void test_tel(void **state)
{
    (void)state;
    sip_uri u = U("tel:+1-201-555-0123");
    assert_int_equal(u.kind, SIP_URI_TEL);
    assert_slice_equal(u.scheme, "tel");
    assert_slice_equal(u.user, "+1-201-555-0123");
    assert_false(pl_str_set(u.host));
    u = U("tel:7042;phone-context=example.com");
    assert_slice_equal(u.user, "7042");
    assert_slice_equal(u.params, "phone-context=example.com");
    u = U("tel:863-1234;phone-context=+1-914-555");
    assert_slice_equal(u.user, "863-1234");
    u = U("tel:+1(201)555.0123;ext=1234;isub=1411");
    assert_slice_equal(u.user, "+1(201)555.0123");
    assert_slice_equal(u.params, "ext=1234;isub=1411");
    u = U("tel:*21#;phone-context=example.com");
    assert_slice_equal(u.user, "*21#");
    u = U("tel:ABCdef;phone-context=example.com"); /* local numbers may use hex digits */
    assert_slice_equal(u.user, "ABCdef");
}

static void test_tel_faults(void **state)
{
    (void)state;
    bad("tel:", "empty telephone number", 4);
    bad("tel:;x=1", "empty telephone number", 4);
    bad("tel:+1+2", "invalid telephone number", 4);
    bad("tel:+", "invalid telephone number", 4);
    bad("tel:+-.()", "invalid telephone number", 4);
    bad("tel:1+2", "invalid telephone number", 4);
    bad("tel:-.", "invalid telephone number", 4);
    bad("tel:+1A", "invalid telephone number", 4); /* a global number has decimal digits only */
    bad("tel:+1*2", "invalid telephone number", 4);
    bad("tel:123x", "invalid character in tel URI", 7);
    bad("tel:123@h", "invalid character in tel URI", 7);
    bad("tel:123;", "empty URI parameter name", 8);
    bad("tel:123;a=", "empty URI parameter value", 10);
    bad("tel:123?a=b", "invalid character in tel URI", 7);
}

/* ---- other schemes ---- */

static void test_other_schemes(void **state)
{
    (void)state;
    sip_uri u = U("mailto:alice@example.com");
    assert_int_equal(u.kind, SIP_URI_OTHER);
    assert_slice_equal(u.scheme, "mailto");
    assert_slice_equal(u.raw, "mailto:alice@example.com");
    assert_false(pl_str_set(u.host));
    u = U("http://www.example.com/a/b?c=d#frag");
    assert_slice_equal(u.scheme, "http");
    u = U("urn:service:sos");
    assert_slice_equal(u.scheme, "urn");
    u = U("x-a.b+c:%20opaque");
    assert_slice_equal(u.scheme, "x-a.b+c");
    u = U("h323:[2001:db8::1]");
    assert_int_equal(u.kind, SIP_URI_OTHER);
    u = U("sipx:a@b"); /* only exactly sip/sips/tel are parsed */
    assert_int_equal(u.kind, SIP_URI_OTHER);
    bad("mailto:", "empty URI after scheme", 7);
    bad("mailto:a b", "invalid character in URI", 8);
    bad("mailto:a<b", "invalid character in URI", 8);
    bad("mailto:a%2", "bad escape in URI", 8);
    bad("mailto:a%", "bad escape in URI", 8);
    bad("mailto:\"x\"", "invalid character in URI", 7);
}

/* A URI the parser accepts can be printed between '<' and '>' in a header as it is: no byte
 * outside the URI grammar (controls, SP, '"', '<', '>', non-ASCII) passes, in any part of any
 * scheme. The API's checks of the URIs an application gives (redirect targets, REFER's
 * Refer-To, session and page-mode targets) rest on this. */
static void test_unprintable_bytes_refused(void **state)
{
    (void)state;
    static const char *const prefixes[] = {
        "sip:",      "sip:a",      "sip:a@b",    "sip:a:pw@b", "sip:a@b:5",
        "sip:a@b;p", "sip:a@b;p=", "sip:a@b?h=", "sip:[::1",   "sips:a@b",
        "tel:+1",    "tel:+1;p=",  "x:",         "x:a",        "x:a?b",
    };
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
        for (int c = 0; c < 256; c++) {
            if (c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>')
                continue;
            char text[32];
            size_t n = strlen(prefixes[i]);
            memcpy(text, prefixes[i], n);
            text[n] = (char)c;
            text[n + 1] = 'x'; /* the byte inside the URI, not only at its end */
            sip_uri u;
            if (sip_uri_parse(pl_str_make(text, n + 2), &u, NULL, NULL) == 0)
                fail_msg("'%s' + byte 0x%02x accepted", prefixes[i], c);
        }
    }
}

/* ---- IP literals ---- */

static bool v6(const char *s)
{
    return sip_ipv6_valid(pl_str_c(s));
}

static bool v4(const char *s)
{
    return sip_ipv4_valid(pl_str_c(s));
}

static void test_ipv4_valid(void **state)
{
    (void)state;
    assert_true(v4("0.0.0.0"));
    assert_true(v4("192.0.2.1"));
    assert_true(v4("255.255.255.255"));
    assert_true(v4("001.002.003.004")); /* 1*3DIGIT: leading zeros allowed */
    assert_false(v4(""));
    assert_false(v4("1"));
    assert_false(v4("1.2.3"));
    assert_false(v4("1.2.3.4.5"));
    assert_false(v4("1.2.3.4."));
    assert_false(v4(".1.2.3.4"));
    assert_false(v4("1..2.3"));
    assert_false(v4("256.1.1.1"));
    assert_false(v4("1.1.1.256"));
    assert_false(v4("1.1.1.999"));
    assert_false(v4("0001.1.1.1"));
    assert_false(v4("1.2.3.a"));
    assert_false(v4("1.2.3.4 "));
    assert_false(v4(" 1.2.3.4"));
    assert_false(v4("1.2.3.-4"));
    assert_false(v4("::1"));
    assert_false(v4("example.com"));
    assert_false(sip_ipv4_valid(PL_STR_NULL));
}

static void test_ipv6_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "::",
        "::1",
        "1::",
        "1::2",
        "2001:db8::10",
        "2001:DB8:0:0:0:0:0:1",
        "0:0:0:0:0:0:0:0",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "1::8",
        "1:2:3:4:5::8",
        "0001:0:0:0:0:0:0:1",
        "::ffff:192.0.2.1",
        "::192.0.2.1",
        "1:2:3:4:5:6:192.0.2.1",
        "1::5:6:255.255.255.255",
        "2001:db8::9:255",
    };
    static const char *const bogus[] = {
        "",
        ":",
        "1",
        ":::",
        "1:::2",
        ":1::",
        "::1:",
        "1:",
        ":1",
        "1::2::3",
        "::1::",
        "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "12345::",
        "1:2:3:4:5:6:7:12345",
        "g::1",
        "2001:db8::1g",
        "1.2.3.4",
        "::1.2.3",
        "::256.1.1.1",
        "::1.2.3.4:5",
        "::1.2.3.4.5",
        "1:2:3:4:5:6:7:1.2.3.4",
        "1:2:3:4:5:1.2.3.4",
        "::ffff:1234.0.0.1",
        "[::1]",
        "::1%eth0",
        " ::1",
        "::1 ",
        "2001:db8:::1",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!v6(good[i]))
            fail_msg("'%s' rejected as IPv6", good[i]);
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++)
        if (v6(bogus[i]))
            fail_msg("'%s' accepted as IPv6", bogus[i]);
}

static void test_ipv6_reference_three_colons(void **state)
{
    (void)state;
    /* RFC 5118 §4.10: RFC 3261's ABNF derives hexpart "::" then ":" IPv4address; RFC 4291 does
     * not. References tolerate that one shape (read without the extra colon), nothing else. */
    static const char *const tolerated[] = {
        "2001:db8:::192.0.2.1",
        ":::192.0.2.1",
        "1:2:3:4:5:::1.2.3.4",
        "2001:DB8:::255.255.255.255",
    };
    static const char *const bogus[] = {
        "2001:db8:::1",          /* no IPv4 address after the colons */
        "2001:db8::::192.0.2.1", /* four */
        "2001:db8:::192.0.2",    /* no IPv4 address */
        "1:2:3:4:5:6:::1.2.3.4", /* nine groups without the extra colon */
        "2001:::db8::1.2.3.4",   /* not before the IPv4 address, and two gaps */
        "2001::db8:::1.2.3.4",   /* two gaps */
        ":::",
        "::::1.2.3.4",
    };
    for (size_t i = 0; i < sizeof(tolerated) / sizeof(tolerated[0]); i++) {
        if (v6(tolerated[i]))
            fail_msg("'%s' is not RFC 4291 text", tolerated[i]);
        if (!sip_ipv6_ref_valid(pl_str_c(tolerated[i])))
            fail_msg("'%s' not tolerated in a reference", tolerated[i]);
    }
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++)
        if (sip_ipv6_ref_valid(pl_str_c(bogus[i])))
            fail_msg("'%s' accepted in a reference", bogus[i]);
    /* RFC 4291 text stays accepted */
    assert_true(sip_ipv6_ref_valid(pl_str_c("2001:db8::192.0.2.1")));
    /* in a URI host, a Via sent-by and a Via parameter */
    sip_uri u = U("sip:user@[2001:db8:::192.0.2.1]:5070");
    assert_int_equal(u.host_type, SIP_HOST_IPV6);
    assert_slice_equal(u.host, "2001:db8:::192.0.2.1"); /* as written */
    assert_int_equal(u.port, 5070);
}

/* ---- parameter iteration ---- */

static void test_param_next(void **state)
{
    (void)state;
    sip_param_iter it;
    pl_str n, v;
    sip_param_iter_init(&it, PL_STR_LIT("a=1;b ; c = 3;d=\"x;y\\\"z\";e="), ';');
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "a");
    assert_slice_equal(v, "1");
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "b");
    assert_int_equal(v.len, 0);
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "c");
    assert_slice_equal(v, "3");
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "d");
    assert_slice_equal(v, "\"x;y\\\"z\""); /* quoted, with its quotes, ';' inside kept */
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "e");
    assert_int_equal(v.len, 0);
    assert_false(sip_param_next(&it, &n, &v));
    assert_false(sip_param_next(&it, &n, &v)); /* stays at the end */

    /* empty and separator-only lists */
    sip_param_iter_init(&it, PL_STR_LIT(""), ';');
    assert_false(sip_param_next(&it, &n, &v));
    sip_param_iter_init(&it, PL_STR_NULL, ';');
    assert_false(sip_param_next(&it, &n, &v));
    sip_param_iter_init(&it, PL_STR_LIT(" ;; ;"), ';');
    assert_false(sip_param_next(&it, &n, &v));

    /* folded LWS around separators */
    sip_param_iter_init(&it, PL_STR_LIT("x\r\n =\r\n\t1\r\n ;y"), ';');
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "x");
    assert_slice_equal(v, "1");
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "y");
    assert_false(sip_param_next(&it, &n, &v));

    /* URI headers use '&' */
    sip_param_iter_init(&it, PL_STR_LIT("subject=project%20x&priority=urgent&e="), '&');
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "subject");
    assert_slice_equal(v, "project%20x");
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "priority");
    assert_slice_equal(v, "urgent");
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(n, "e");
    assert_false(sip_param_next(&it, &n, &v));

    /* an unterminated quoted value runs to the end */
    sip_param_iter_init(&it, PL_STR_LIT("q=\"abc;d"), ';');
    assert_true(sip_param_next(&it, &n, &v));
    assert_slice_equal(v, "\"abc;d");
    assert_false(sip_param_next(&it, &n, &v));
    /* a trailing backslash inside quotes does not read past the end */
    sip_param_iter_init(&it, pl_str_make("q=\"a\\", 5), ';');
    assert_true(sip_param_next(&it, &n, &v));
    assert_int_equal(v.len, 3);
    assert_false(sip_param_next(&it, &n, &v));
}

static void test_param_find(void **state)
{
    (void)state;
    pl_str v = PL_STR_NULL;
    pl_str params = PL_STR_LIT("transport=tcp;LR;Tag=abc;x");
    assert_true(sip_param_find(params, "tag", &v));
    assert_slice_equal(v, "abc");
    assert_true(sip_param_find(params, "lr", &v));
    assert_int_equal(v.len, 0);
    assert_true(sip_param_find(params, "TRANSPORT", NULL));
    assert_true(sip_param_find(params, "x", &v));
    assert_false(sip_param_find(params, "t", &v));
    assert_false(sip_param_find(params, "tags", &v));
    assert_false(sip_param_find(PL_STR_LIT(""), "x", &v));
    /* the first of duplicates wins */
    assert_true(sip_param_find(PL_STR_LIT("a=1;a=2"), "a", &v));
    assert_slice_equal(v, "1");
}

static void test_unescape(void **state)
{
    (void)state;
    char out[64];
    size_t n = sip_unescape(PL_STR_LIT("%61lice%20%41%7e"), out);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "alice A~", 8);
    n = sip_unescape(PL_STR_LIT("a%00b"), out);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "a\0b", 3);
    /* malformed escapes are copied as they are */
    n = sip_unescape(PL_STR_LIT("%zz%4%"), out);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "%zz%4%", 6);
    n = sip_unescape(PL_STR_LIT("%41"), out); /* escape that ends the slice */
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'A');
    n = sip_unescape(pl_str_make("%41", 2), out); /* cut short by the slice */
    assert_int_equal(n, 2);
    assert_memory_equal(out, "%4", 2);
    assert_int_equal(sip_unescape(PL_STR_LIT(""), out), 0);
}

static void test_print_uri(void **state)
{
    (void)state;
    sip_uri u = U("sip:%61lice@Example.COM:5060;lr?x=y");
    pl_buf b;
    pl_buf_init(&b, 0);
    sip_print_uri(&b, &u);
    assert_slice_equal(pl_buf_str(&b), "sip:%61lice@Example.COM:5060;lr?x=y"); /* verbatim */
    pl_buf_free(&b);
}

/* ---- comparison ---- */

static bool eq(const char *a, const char *b)
{
    sip_uri ua = U(a), ub = U(b);
    bool r = sip_uri_equal(&ua, &ub);
    if (r != sip_uri_equal(&ub, &ua))
        fail_msg("comparison of '%s' and '%s' is not symmetric", a, b);
    if (!sip_uri_equal(&ua, &ua) || !sip_uri_equal(&ub, &ub))
        fail_msg("'%s' or '%s' is not equal to itself", a, b);
    return r;
}

#define EQUAL(a, b)                                                                                \
    do {                                                                                           \
        if (!eq(a, b))                                                                             \
            fail_msg("'%s' != '%s', expected equal", a, b);                                        \
    } while (0)
#define NOT_EQUAL(a, b)                                                                            \
    do {                                                                                           \
        if (eq(a, b))                                                                              \
            fail_msg("'%s' == '%s', expected different", a, b);                                    \
    } while (0)

static void test_compare_rfc3261_equal(void **state)
{
    (void)state;
    /* RFC 3261 §19.1.4, the sets of equivalent URIs */
    EQUAL("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp");
    EQUAL("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5");
    EQUAL("sip:carol@chicago.com", "sip:carol@chicago.com;security=on");
    EQUAL("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on");
    EQUAL("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
          "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com");
    EQUAL("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
          "sip:alice@atlanta.com?priority=urgent&subject=project%20x");
}

static void test_compare_rfc3261_not_equal(void **state)
{
    (void)state;
    /* RFC 3261 §19.1.4, the pairs that are not equivalent */
    NOT_EQUAL("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP");
    NOT_EQUAL("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060");
    NOT_EQUAL("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp");
    NOT_EQUAL("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp");
    NOT_EQUAL("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting");
    NOT_EQUAL("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4");
    /* equality is not transitive */
    NOT_EQUAL("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off");
}

static void test_compare_rules(void **state)
{
    (void)state;
    /* scheme: sip and sips never match; the scheme itself is case-insensitive */
    NOT_EQUAL("sip:a@h", "sips:a@h");
    EQUAL("SIP:a@h", "sip:a@h");
    /* userinfo is case-sensitive, the host is not */
    NOT_EQUAL("sip:Alice@h", "sip:alice@h");
    EQUAL("sip:alice@H.EXAMPLE.com", "sip:alice@h.example.COM");
    /* user and password present or absent on both sides */
    NOT_EQUAL("sip:h", "sip:a@h");
    NOT_EQUAL("sip:a@h", "sip:a:pw@h");
    NOT_EQUAL("sip:a@h", "sip:a:@h");
    NOT_EQUAL("sip:a:pw@h", "sip:a:PW@h");
    EQUAL("sip:a:p%77@h", "sip:a:pw@h");
    /* escapes: an unreserved character equals its escape, a reserved one does not */
    EQUAL("sip:%41lice@h", "sip:Alice@h");
    EQUAL("sip:a%2dlice@h", "sip:a-lice@h");
    NOT_EQUAL("sip:a%3bb@h", "sip:a;b@h");
    EQUAL("sip:a%3bb@h", "sip:a%3Bb@h");       /* hex digits of an escape are case-insensitive */
    NOT_EQUAL("sip:%41lice@h", "sip:alice@h"); /* %41 is 'A' and the user is case-sensitive */
    /* ports: absent does not equal the default */
    NOT_EQUAL("sip:h:5060", "sip:h");
    NOT_EQUAL("sips:h:5061", "sips:h");
    NOT_EQUAL("sip:h:5060", "sip:h:5070");
    EQUAL("sip:h:05060", "sip:h:5060");
    /* IPv6 hosts compare textually, case-insensitively */
    EQUAL("sip:[2001:DB8::1]", "sip:[2001:db8::1]");
    NOT_EQUAL("sip:[2001:db8::1]", "sip:[2001:db8:0::1]"); /* judgment: no canonical form */
    /* user, ttl, method, maddr and transport must appear on both sides */
    NOT_EQUAL("sip:h;user=phone", "sip:h");
    NOT_EQUAL("sip:h;ttl=1", "sip:h");
    NOT_EQUAL("sip:h;method=INVITE", "sip:h");
    NOT_EQUAL("sip:h;maddr=1.2.3.4", "sip:h");
    NOT_EQUAL("sip:h;transport=udp", "sip:h");
    NOT_EQUAL("sip:h;%74tl=1", "sip:h"); /* escaped name, still special */
    NOT_EQUAL("sip:h;user=phone", "sip:h;user=ip");
    NOT_EQUAL("sip:h;ttl=1", "sip:h;ttl=2");
    EQUAL("sip:h;METHOD=invite", "sip:h;method=INVITE"); /* other components: case-insensitive */
    EQUAL("sip:h;maddr=X.example.com", "sip:h;MADDR=x.example.com");
    /* other parameters: ignored when in one URI only, compared when in both */
    EQUAL("sip:h;lr", "sip:h");
    EQUAL("sip:h;lr;foo=1", "sip:h;bar=2");
    NOT_EQUAL("sip:h;lr", "sip:h;lr=on");
    EQUAL("sip:h;x=A;y=b", "sip:h;Y=B;X=a");
    EQUAL("sip:h;%78=1", "sip:h;x=1");
    NOT_EQUAL("sip:h;x=1", "sip:h;x=2");
    /* headers: never ignored, order does not matter, names case-insensitive, values not */
    EQUAL("sip:h?a=1&b=2", "sip:h?b=2&a=1");
    EQUAL("sip:h?Subject=x", "sip:h?subject=x");
    NOT_EQUAL("sip:h?a=x", "sip:h?a=X");
    NOT_EQUAL("sip:h?a=1", "sip:h?a=1&b=2");
    NOT_EQUAL("sip:h?a=1&a=1", "sip:h?a=1&b=2");
    EQUAL("sip:h?x=1&x=2", "sip:h?x=2&x=1"); /* a repeated header is a multiset */
    NOT_EQUAL("sip:h?x=1&x=1", "sip:h?x=1&x=2");
    EQUAL("sip:h?a=%41", "sip:h?a=A");
    NOT_EQUAL("sip:h?a=", "sip:h");
}

static void test_compare_tel(void **state)
{
    (void)state;
    /* RFC 3966 §4: visual separators do not count, global and local never match */
    EQUAL("tel:+1-201-555-0123", "tel:+12015550123");
    EQUAL("tel:+1(201)555.0123", "tel:+1-201-555-0123");
    NOT_EQUAL("tel:+12015550123", "tel:12015550123");
    NOT_EQUAL("tel:+12015550123", "tel:+12015550124");
    NOT_EQUAL("tel:+1201555012", "tel:+12015550123");
    EQUAL("tel:abc;phone-context=example.com", "tel:ABC;phone-context=example.com");
    /* parameters: in any order, all in both, case-insensitive */
    EQUAL("tel:7042;phone-context=example.com;ext=1", "tel:7042;ext=1;phone-context=Example.COM");
    NOT_EQUAL("tel:7042;phone-context=example.com", "tel:7042;phone-context=example.net");
    NOT_EQUAL("tel:+1234;ext=1", "tel:+1234");
    NOT_EQUAL("tel:+1234;isub=1", "tel:+1234;ext=1");
    /* a phone-context that is a global number compares without visual separators */
    EQUAL("tel:863-1234;phone-context=+1-914-555", "tel:8631234;phone-context=+1914555");
    NOT_EQUAL("tel:863-1234;phone-context=+1-914-555", "tel:8631234;phone-context=+1914556");
    NOT_EQUAL("tel:+1", "sip:+1@h");
}

static void test_compare_other(void **state)
{
    (void)state;
    EQUAL("mailto:a@example.com", "MAILTO:a@example.com");
    NOT_EQUAL("mailto:a@example.com", "mailto:A@example.com");
    NOT_EQUAL("mailto:a@example.com", "urn:a@example.com");
    NOT_EQUAL("mailto:a@example.com", "sip:a@example.com");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sip_minimal),
        cmocka_unit_test(test_sip_full),
        cmocka_unit_test(test_sip_rfc3261_examples),
        cmocka_unit_test(test_sip_scheme_case),
        cmocka_unit_test(test_sip_user_chars),
        cmocka_unit_test(test_sip_hosts),
        cmocka_unit_test(test_sip_ports),
        cmocka_unit_test(test_sip_params),
        cmocka_unit_test(test_sip_headers),
        cmocka_unit_test(test_sip_faults),
        cmocka_unit_test(test_sip_header_value_question_mark),
        cmocka_unit_test(test_tel),
        cmocka_unit_test(test_tel_faults),
        cmocka_unit_test(test_other_schemes),
        cmocka_unit_test(test_unprintable_bytes_refused),
        cmocka_unit_test(test_ipv4_valid),
        cmocka_unit_test(test_ipv6_valid),
        cmocka_unit_test(test_ipv6_reference_three_colons),
        cmocka_unit_test(test_param_next),
        cmocka_unit_test(test_param_find),
        cmocka_unit_test(test_unescape),
        cmocka_unit_test(test_print_uri),
        cmocka_unit_test(test_compare_rfc3261_equal),
        cmocka_unit_test(test_compare_rfc3261_not_equal),
        cmocka_unit_test(test_compare_rules),
        cmocka_unit_test(test_compare_tel),
        cmocka_unit_test(test_compare_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
