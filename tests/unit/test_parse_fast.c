/*
 * The parser's fast paths (issue 11) at their edges: the header splitter's fast loop and its
 * name lookup (split.c, hdr_line.h), the URI fast path (uri_fast.h) alone and inside <...>, the
 * line search by blocks (block.h). Each fast path must give what the general way gives, or
 * leave the input to it: these tests put inputs right at the points where one hands over to the
 * other and check the results field by field.
 */
#include "msg_build.h"

#include "sip/block.h"
#include "sip/hdr_line.h"
#include "sip/uri.h"

static sip_msg *parse_raw(const char *text, int *rc)
{
    return mb_parse_text(text, strlen(text), 0, NULL, rc);
}

/* ---- header names ---- */

/* The fast lookup of p[0..n-1] in a 16-byte buffer holding it: NUL-padded, or ':'-padded. */
static sip_hdr_id line_lookup(const char *p, size_t n, char pad)
{
    char buf[32];
    memset(buf, pad, sizeof(buf));
    memcpy(buf, p, n);
    return sip_hdr_lookup_line(buf, n);
}

static void expect_same_lookup(const char *p, size_t n)
{
    sip_hdr_id slow = sip_hdr_lookup(p, n);
    for (int pad = 0; pad < 2; pad++) {
        sip_hdr_id fast = line_lookup(p, n, pad ? ':' : '\0');
        /* the fast lookup finds every known name of up to 15 characters and nothing else */
        sip_hdr_id want = n <= SIP_LINE_MAX ? slow : SIP_H_OTHER;
        if (fast != want)
            fail_msg("'%.*s': fast lookup %d, sip_hdr_lookup %d", (int)n, p, fast, slow);
    }
}

static void test_line_lookup_every_name(void **state)
{
    (void)state;
    for (unsigned id = 1; id < SIP_H_COUNT; id++) {
        const char *name = sip_hdr_table[id].name;
        size_t n = strlen(name);
        char v[3][32];
        for (size_t i = 0; i < n; i++) {
            v[0][i] = pl_tolower(name[i]);
            v[1][i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 32) : name[i];
            v[2][i] = i % 2 ? v[0][i] : v[1][i];
        }
        expect_same_lookup(name, n);
        for (int k = 0; k < 3; k++) {
            expect_same_lookup(v[k], n);
            if (n <= SIP_LINE_MAX)
                assert_int_equal(line_lookup(v[k], n, ':'), id);
        }
        char c = sip_hdr_table[id].compact;
        if (c) {
            char up = (char)(c - 32);
            assert_int_equal(line_lookup(&c, 1, ':'), id);
            assert_int_equal(line_lookup(&up, 1, ':'), id);
        }
    }
}

static void test_line_lookup_near_misses(void **state)
{
    (void)state;
    /* Each name with one character changed, cut short or made longer: the fast lookup agrees with
     * sip_hdr_lookup (which says SIP_H_OTHER for all but the odd other real name). CR is 0x0d:
     * folded with 0x20 it would pass for '-', which the masks must not allow. */
    static const char subst[] = {'\r', '\n', '\0', '-', '_', '@', '[', '{', ' ', '\t', 'x', ':'};
    for (unsigned id = 1; id < SIP_H_COUNT; id++) {
        const char *name = sip_hdr_table[id].name;
        size_t n = strlen(name);
        char b[40];
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < sizeof(subst); k++) {
                memcpy(b, name, n);
                b[i] = subst[k];
                expect_same_lookup(b, n);
            }
        }
        expect_same_lookup(name, n - 1);
        memcpy(b, name, n);
        b[n] = 's';
        expect_same_lookup(b, n + 1);
    }
    assert_int_equal(line_lookup("Call\rID", 7, ':'), SIP_H_OTHER);
    assert_int_equal(line_lookup("Call-ID", 7, ':'), SIP_H_CALL_ID);
    assert_int_equal(line_lookup("\xe9", 1, ':'), SIP_H_OTHER);
    assert_int_equal(line_lookup("z", 1, ':'), SIP_H_OTHER);
}

/* Every name, long and compact form, as a line of a message: found by id with its value. */
static void test_every_name_in_a_message(void **state)
{
    (void)state;
    for (unsigned id = SIP_H_ACCEPT; id < SIP_H_COUNT; id++) {
        const char *name = sip_hdr_table[id].name;
        char lower[40], extra[128];
        size_t n = strlen(name);
        for (size_t i = 0; i <= n; i++)
            lower[i] = pl_tolower(name[i]);
        const char *forms[] = {name, lower, NULL};
        char compact[2] = {sip_hdr_table[id].compact, '\0'};
        if (compact[0])
            forms[2] = compact;
        for (int f = 0; f < 3 && forms[f]; f++) {
            snprintf(extra, sizeof(extra), "%s: x-%u\r\n", forms[f], id);
            int rc;
            sip_msg *m = MB_PARSE(&rc, .extra = extra);
            const sip_hdr *h = sip_hdr_first(m, (sip_hdr_id)id);
            if (!h)
                fail_msg("'%s' not found (%d: %s)", forms[f], rc,
                         m->err.reason ? m->err.reason : "-");
            char want[16];
            snprintf(want, sizeof(want), "x-%u", id);
            assert_slice_equal(h->value, want);
            assert_slice_equal(h->name, forms[f]);
            sip_msg_free(m);
        }
    }
}

/* ---- the splitter's fast loop and where it hands over ---- */

static void test_fast_loop_hand_over(void **state)
{
    (void)state;
    int rc;
    /* Lines the fast loop leaves to the general one, each followed by more plain lines: the
     * fields come out alike whichever loop read them. */
    static const struct {
        const char *line; /* one header line, CRLF included */
        const char *name, *value;
    } cases[] = {
        {"Subject:\tquoted tab\r\n", "Subject", "quoted tab"}, /* HT: not a plain line */
        {"Subject : space before colon\r\n", "Subject", "space before colon"},
        {"X-A-Name-Longer-Than-16: v\r\n", "X-A-Name-Longer-Than-16", "v"},
        {"Request-Disposition: no-fork\r\n", "Request-Disposition", "no-fork"}, /* 19 */
        {"X-Folded: a\r\n b\r\n", "X-Folded", "a\r\n b"},
        {"X-Empty:\r\n", "X-Empty", ""},
        {"X-Spaces:    \r\n", "X-Spaces", ""},
        {"X-Trail: v  \r\n", "X-Trail", "v"},
        {"X-Two:  v\r\n", "X-Two", "v"},
        {"X-LF: bare lf\n", "X-LF", "bare lf"},
        {"x-lower:v\r\n", "x-lower", "v"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char extra[256];
        snprintf(extra, sizeof(extra), "X-Before: 1\r\n%sX-After: 2\r\n", cases[i].line);
        sip_msg *m = MB_PARSE(&rc, .extra = extra);
        mb_assert_valid(m, rc);
        pl_str name = pl_str_c(cases[i].name);
        const sip_hdr *h = sip_hdr_find(m, name, 0);
        assert_non_null(h);
        assert_slice_equal(h->name, cases[i].name);
        assert_slice_equal(h->value, cases[i].value);
        assert_non_null(sip_hdr_find(m, pl_str_c("X-Before"), 0));
        assert_non_null(sip_hdr_find(m, pl_str_c("X-After"), 0));
        assert_int_equal(m->nvia, 1);
        assert_int_equal(m->cseq.num, 1);
        sip_msg_free(m);
    }
}

static void test_fast_loop_short_tail(void **state)
{
    (void)state;
    int rc;
    /* the last lines hold less than a block: found by the block that ends at the input's end */
    const char *msg = "BYE sip:b@h SIP/2.0\r\n"
                      "v:SIP/2.0/UDP h\r\n"
                      "f:<sip:a@h>;tag=1\r\n"
                      "t:<sip:b@h>\r\n"
                      "i:c\r\n"
                      "CSeq:2 BYE\r\n"
                      "l:0\r\n"
                      "\r\n";
    sip_msg *m = parse_raw(msg, &rc);
    mb_assert_valid(m, rc);
    assert_int_equal(m->nhdrs, 6);
    assert_slice_equal(m->call_id, "c");
    assert_int_equal(m->content_length, 0);
    assert_int_equal(m->consumed, strlen(msg));
    sip_msg_free(m);
    /* a message shorter than a block */
    m = parse_raw("A b:c SIP/2.0\r\n\r\n", &rc);
    assert_int_equal(rc, PARLEY_E_UNUSABLE);
    assert_int_equal(m->nhdrs, 0);
    sip_msg_free(m);
}

static void test_fast_loop_field_before_broken_end(void **state)
{
    (void)state;
    int rc;
    /* A field is stored only once the line after it is known to end: before a last line with no
     * LF the fault comes first, and only the fields an answer needs are kept (Subject is not). */
    sip_msg *m = parse_raw("OPTIONS sip:b@h SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                           "Subject: kept only when whole\r\n"
                           "Call-ID: c\r",
                           &rc);
    assert_int_equal(rc, PARLEY_E_PARSE);
    assert_string_equal(m->err.reason, "header section does not end with an empty line");
    assert_null(sip_hdr_first(m, SIP_H_SUBJECT));
    assert_non_null(sip_hdr_first(m, SIP_H_VIA));
    sip_msg_free(m);
    /* a NUL in the next line hands both lines over, and the NUL is the fault */
    static const char nul_msg[] = "OPTIONS sip:b@h SIP/2.0\r\nSubject: s\r\nX-N: a\0b\r\n\r\n";
    m = mb_parse_text(nul_msg, sizeof(nul_msg) - 1, 0, NULL, &rc);
    assert_int_equal(rc, PARLEY_E_PARSE);
    assert_string_equal(m->err.reason, "NUL byte in header value");
    assert_int_equal(m->err.offset, (long)(strstr(nul_msg, "X-N: a") - nul_msg + 6));
    sip_msg_free(m);
}

/* ---- URIs ---- */

/* sip_uri_parse on a heap copy of exactly the URI's bytes (a read past them is an error under
 * ASan), and the same URI inside <...> in a From header: the name-addr path reads it up to its
 * '>' with the fast path; both must agree field by field. */
static void uri_both_ways(const char *text, sip_uri *out, int *rc)
{
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, text, n);
    const char *at = NULL, *why = NULL;
    *rc = sip_uri_parse(pl_str_make(copy, n), out, &at, &why);

    char from[512];
    snprintf(from, sizeof(from), "From: <%s>;tag=t", text);
    int mrc;
    sip_msg *m = MB_PARSE(&mrc, .from = from);
    if (*rc == 0) {
        mb_assert_valid(m, mrc);
        const sip_uri *a = out, *b = &m->from->uri;
        const char *base_a = copy, *base_b = m->from->uri.raw.p;
#define SAME(f)                                                                                    \
    do {                                                                                           \
        assert_int_equal(a->f.len, b->f.len);                                                      \
        assert_int_equal(a->f.p == NULL, b->f.p == NULL);                                          \
        if (a->f.p)                                                                                \
            assert_int_equal(a->f.p - base_a, b->f.p - base_b);                                    \
    } while (0)
        SAME(raw);
        SAME(scheme);
        SAME(user);
        SAME(password);
        SAME(host);
        SAME(params);
        SAME(headers);
        SAME(transport);
        SAME(maddr);
        SAME(user_param);
        SAME(method);
        SAME(ttl);
#undef SAME
        assert_int_equal(a->port, b->port);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->host_type, b->host_type);
        assert_int_equal(a->lr, b->lr);
        assert_slice_equal(m->from->tag, "t");
    } else {
        assert_int_not_equal(mrc, 0);
        assert_string_equal(m->err.what, "From");
        if (!strchr(text, ' ')) /* with whitespace the name-addr says that instead */
            assert_string_equal(m->err.reason, why);
    }
    sip_msg_free(m);
    /* the copy must outlive *out's slices: the caller's checks read them */
    out->raw.p = text + (out->raw.p ? out->raw.p - copy : 0);
#define REBASE(f)                                                                                  \
    if (out->f.p)                                                                                  \
        out->f.p = text + (out->f.p - copy);
    REBASE(scheme)
    REBASE(user)
    REBASE(password)
    REBASE(host)
    REBASE(params)
    REBASE(headers)
    REBASE(transport)
    REBASE(maddr)
    REBASE(user_param)
    REBASE(method)
    REBASE(ttl)
#undef REBASE
    free(copy);
}

static void test_uri_fast_and_general_forms(void **state)
{
    (void)state;
    sip_uri u;
    int rc;
    /* the fast path's own forms */
    uri_both_ways("sip:alice@atlanta.com", &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.user, "alice");
    assert_slice_equal(u.host, "atlanta.com");
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    uri_both_ways("SIP:a@192.0.2.1:5060;transport=UDP;lr;TTL=1;user=phone;method=INVITE;"
                  "maddr=239.1.1.1",
                  &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.scheme, "SIP");
    assert_int_equal(u.host_type, SIP_HOST_IPV4);
    assert_int_equal(u.port, 5060);
    assert_slice_equal(u.transport, "UDP");
    assert_true(u.lr);
    assert_slice_equal(u.ttl, "1");
    assert_slice_equal(u.user_param, "phone");
    assert_slice_equal(u.method, "INVITE");
    assert_slice_equal(u.maddr, "239.1.1.1");
    uri_both_ways("sIpS:host.example.com.:65535;transport", &u, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(u.kind, SIP_URI_SIPS);
    assert_slice_equal(u.host, "host.example.com.");
    assert_int_equal(u.port, 65535);
    assert_non_null(u.transport.p); /* a parameter without a value is set, and empty */
    assert_int_equal(u.transport.len, 0);
    /* hosts that look like addresses and are names */
    uri_both_ways("sip:1.2.3.4.5", &u, &rc);
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    uri_both_ways("sip:256.1.1.1", &u, &rc);
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    uri_both_ways("sip:1.2.3.4a", &u, &rc);
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    assert_slice_equal(u.host, "1.2.3.4a");
    uri_both_ways("sip:01.002.3.4", &u, &rc);
    assert_int_equal(u.host_type, SIP_HOST_IPV4);
    uri_both_ways("sip:255.255.255.255:5060", &u, &rc);
    assert_int_equal(u.host_type, SIP_HOST_IPV4);
    uri_both_ways("sip:1.2.3.4567", &u, &rc);
    assert_int_equal(u.host_type, SIP_HOST_NAME);
    /* an address right after the scheme is a host, unless an '@' makes it a user */
    uri_both_ways("sip:192.0.2.1:5060;lr", &u, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(u.user.p == NULL, 1);
    assert_slice_equal(u.host, "192.0.2.1");
    uri_both_ways("sip:1.2.3.4@host", &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.user, "1.2.3.4");
    assert_slice_equal(u.host, "host");
    uri_both_ways("sip:1.2.3.4;x=y@host", &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.user, "1.2.3.4;x=y");
    uri_both_ways("sip:1.2.3.4:5060@host", &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.password, "5060");
    uri_both_ways("sip:1.2.3.4:50a@host", &u, &rc);
    /* ports at the edges of the five digits read in one pass */
    uri_both_ways("sip:h:65535", &u, &rc);
    assert_int_equal(u.port, 65535);
    uri_both_ways("SiPs:h:65536", &u, &rc);
    assert_int_not_equal(rc, 0);
    uri_both_ways("sip:h:0", &u, &rc); /* whatever the general way says of these */
    uri_both_ways("sip:h:123456", &u, &rc);
    assert_int_not_equal(rc, 0);
    uri_both_ways("sip:h:;lr", &u, &rc);
    uri_both_ways("sipx:h", &u, &rc);
    assert_int_equal(u.kind, SIP_URI_OTHER);
    uri_both_ways("sis:h", &u, &rc);
    assert_int_equal(u.kind, SIP_URI_OTHER);
    /* the general way's forms */
    uri_both_ways("sip:a%40b@host", &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.user, "a%40b");
    uri_both_ways("sip:user:pa%73s@host", &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.password, "pa%73s");
    uri_both_ways("sip:host:000005060", &u, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(u.port, 5060);
    uri_both_ways("sip:host;x=a@b", &u, &rc); /* userinfo ends at the first '@' */
    assert_int_equal(rc, 0);
    assert_slice_equal(u.user, "host;x=a");
    assert_slice_equal(u.host, "b");
    uri_both_ways("sip:host;%6Cr", &u, &rc);
    assert_int_equal(rc, 0);
    assert_true(u.lr);
    uri_both_ways("sip:a@[2001:db8::1]:5060", &u, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(u.host_type, SIP_HOST_IPV6);
    uri_both_ways("sip:a@h?subject=x&priority=urgent", &u, &rc);
    assert_int_equal(rc, 0);
    assert_slice_equal(u.headers, "subject=x&priority=urgent");
    uri_both_ways("tel:+1-201-555-0123", &u, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(u.kind, SIP_URI_TEL);
    /* faults, said by the general way whatever the fast path saw first */
    static const char *const bad[] = {
        "sip:@host",   "sip:host:0",   "sip:host:65536", "sip:-bad.example.com",
        "sip:ex..com", "sip:.ex.com",  "sip:ex-.com",    "sip:a@",
        "sip:a@h:",    "sip:a@h;",     "sip:a@h;=v",     "sip:a@h;p=",
        "sip:a%4@h",   "sip:a@h;p%=v", "sip:a@h junk",   "sip:a@h:5060x",
        "sips:",       "sip:a@[::1",   "sip:a@[::g]",    "sip:a:b:c@h",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uri_both_ways(bad[i], &u, &rc);
        if (rc == 0)
            fail_msg("'%s' parsed", bad[i]);
    }
}

static void test_name_addr_stops_at_first_gt(void **state)
{
    (void)state;
    int rc;
    /* the URI ends at the first '>'; an '@' after it belongs to the header parameters' text */
    sip_msg *m = MB_PARSE(&rc, .from = "From: \"A\" <sip:a@h>;tag=1;x=\"q@r>\"");
    mb_assert_valid(m, rc);
    assert_slice_equal(m->from->uri.raw, "sip:a@h");
    assert_slice_equal(m->from->tag, "1");
    assert_slice_equal(m->from->params, "tag=1;x=\"q@r>\"");
    sip_msg_free(m);
    m = MB_PARSE(&rc, .from = "From: <sip:host>;tag=a@b");
    assert_int_not_equal(rc, 0); /* '@' is no token character */
    sip_msg_free(m);
    m = MB_PARSE(&rc, .from = "From: <sip:a@h;lr>;tag=2");
    mb_assert_valid(m, rc);
    assert_true(m->from->uri.lr);
    assert_slice_equal(m->from->uri.params, "lr");
    sip_msg_free(m);
}

/* ---- blocks ---- */

/* A dotted quad read with 16 bytes or more left (no bounds check per digit) against the same
 * bytes read to their end (one check per digit), for every follower that ends it or not. */
static void test_ipv4_long_and_short_input(void **state)
{
    (void)state;
    static const char *const quads[] = {
        "127.0.0.1", "1.2.3.4",   "0.0.0.0",   "10.20.30.40", "256.1.1.1",  "1.2.3.256",
        "1.2.3",     "1.2.3.",    "1..2.3",    "1.2.3.4.5",   "1.2.3.4567", "0001.2.3.4",
        "01.02.3.4", "a.1.1.1",   "",          "9",           "1.2.3.999",  "199.249.250.25",
        ".1.2.3",    "1.2.3.4:5", "12.34.5.6", "1.255.3.4"};
    static const char follow[] = ":>;x-@_ ";
    for (size_t i = 0; i < sizeof(quads) / sizeof(quads[0]); i++) {
        for (size_t f = 0; f < sizeof(follow) - 1; f++) {
            char shortbuf[16], longbuf[32];
            size_t n = strlen(quads[i]);
            assert_true(n + 1 < 16);
            memcpy(shortbuf, quads[i], n);
            shortbuf[n] = follow[f];
            memset(longbuf, follow[f], sizeof(longbuf));
            memcpy(longbuf, quads[i], n);
            const char *a = sip_ipv4_host(shortbuf, shortbuf + n + 1);
            const char *b = sip_ipv4_host(longbuf, longbuf + sizeof(longbuf));
            assert_int_equal(a ? a - shortbuf : -1, b ? b - longbuf : -1);
            a = sip_ipv4_end(shortbuf, shortbuf + n + 1);
            b = sip_ipv4_end(longbuf, longbuf + sizeof(longbuf));
            assert_int_equal(a ? a - shortbuf : -1, b ? b - longbuf : -1);
        }
    }
}

/* A request's CSeq of the usual form (read against the Request-Line's method) against the same
 * value in a response (read the general way): the same number, method and id, or the same
 * fault. */
static void test_cseq_request_and_response(void **state)
{
    (void)state;
    static const char *const methods[] = {"INVITE", "ACK", "BYE", "FOO", "invite"};
    static const char *const values[] = {
        "1 INVITE",   "4294967295 ACK",  "4294967296 ACK", "00000000001 BYE", "1  BYE",
        "1\t BYE",    "x BYE",           " BYE",           "1 BYEE",          "1 xBYE",
        "12 FOO",     "1 invite",        "1 INVITE x",     "2 ACK",           "0 BYE",
        "1 \r\n BYE", "123456789012 FOO"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        for (size_t j = 0; j < sizeof(values) / sizeof(values[0]); j++) {
            char start[64], cseq[80];
            snprintf(start, sizeof(start), "%s sip:bob@example.com SIP/2.0", methods[i]);
            snprintf(cseq, sizeof(cseq), "CSeq: %s", values[j]);
            int rq_rc, rs_rc;
            sip_msg *rq = MB_PARSE(&rq_rc, .start = start, .cseq = cseq);
            sip_msg *rs = MB_PARSE(&rs_rc, .start = "SIP/2.0 200 OK", .cseq = cseq);
            assert_int_equal(rq->has_cseq, rs->has_cseq);
            bool rq_fault = rq->err.what && strcmp(rq->err.what, "CSeq") == 0 && rq->err.reason &&
                            strstr(rq->err.reason, "method does not") == NULL;
            bool rs_fault = rs->err.what && strcmp(rs->err.what, "CSeq") == 0;
            assert_int_equal(rq_fault, rs_fault);
            if (rq->has_cseq) {
                assert_int_equal(rq->cseq.num, rs->cseq.num);
                assert_int_equal(rq->cseq.method.len, rs->cseq.method.len);
                assert_memory_equal(rq->cseq.method.p, rs->cseq.method.p, rs->cseq.method.len);
                assert_int_equal(rq->cseq.method_id, rs->cseq.method_id);
            }
            sip_msg_free(rq);
            sip_msg_free(rs);
        }
    }
}

static void test_find_ctl(void **state)
{
    (void)state;
    /* every length up to 40 and every position of the byte found, within a buffer that ends
     * where the input ends */
    for (size_t len = 0; len <= 40; len++) {
        for (size_t at = 0; at <= len; at++) {
            for (int k = 0; k < 5; k++) {
                static const char found[] = {'\r', '\n', '\0', '\t', '\x01'};
                char *b = malloc(len ? len : 1);
                memset(b, 'a', len);
                if (at < len)
                    b[at] = found[k];
                const char *ctl = sip_find_ctl(b, b, b + len);
                const char *low = sip_find_low(b, b, b + len);
                bool stops = at < len && k < 3; /* HT and other controls are passed over */
                assert_ptr_equal(ctl, stops ? b + at : b + len);
                assert_ptr_equal(low, at < len ? b + at : b + len);
                /* from a later start */
                if (at > 0) {
                    assert_ptr_equal(sip_find_ctl(b, b + 1, b + len), stops ? b + at : b + len);
                }
                free(b);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_lookup_every_name),
        cmocka_unit_test(test_line_lookup_near_misses),
        cmocka_unit_test(test_every_name_in_a_message),
        cmocka_unit_test(test_fast_loop_hand_over),
        cmocka_unit_test(test_fast_loop_short_tail),
        cmocka_unit_test(test_fast_loop_field_before_broken_end),
        cmocka_unit_test(test_uri_fast_and_general_forms),
        cmocka_unit_test(test_name_addr_stops_at_first_gt),
        cmocka_unit_test(test_ipv4_long_and_short_input),
        cmocka_unit_test(test_cseq_request_and_response),
        cmocka_unit_test(test_find_ctl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
