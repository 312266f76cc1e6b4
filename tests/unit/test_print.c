/*
 * Printing (src/sip/print.c): the builders, the canonical reprint of a parsed message and the
 * round trip parse(print(parse(x))) on every test message, display names, reason phrases.
 */
#include "msg_build.h"

#include "core/alloc.h"
#include "sip/build.h"
#include "sip/print.h"

static char *printed(const sip_msg *m)
{
    pl_buf b;
    pl_buf_init(&b, 0);
    sip_msg_print(&b, m);
    assert_true(pl_buf_ok(&b));
    return pl_buf_steal(&b, NULL);
}

/* parse(print(m)) is valid with the same fields, and printing is idempotent. */
static void assert_roundtrip(const sip_msg *m)
{
    tu_assert_roundtrip(m);
    char *once = printed(m);
    sip_msg *again = NULL;
    assert_int_equal(sip_msg_parse(once, strlen(once), 0, NULL, &again, NULL), 0);
    char *twice = printed(again);
    assert_string_equal(once, twice);
    /* and a stream parse of the printed text consumes exactly the printed message when it
     * carried a Content-Length */
    if (m->content_length >= 0) {
        size_t skip, len;
        assert_int_equal(sip_frame(once, strlen(once), NULL, &skip, &len), 0);
        assert_int_equal(skip + len, strlen(once));
    }
    free(once);
    free(twice);
    sip_msg_free(again);
}

/* ---- builders ---- */

static void test_start_lines(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    sip_print_request_line(&b, PL_STR_LIT("INVITE"), PL_STR_LIT("sip:bob@example.com"));
    assert_slice_equal(pl_buf_str(&b), "INVITE sip:bob@example.com SIP/2.0\r\n");
    pl_buf_reset(&b);
    sip_print_status_line(&b, 200, PL_STR_LIT("OK"));
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 200 OK\r\n");
    pl_buf_reset(&b);
    sip_print_status_line(&b, 100, PL_STR_NULL);
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 100 \r\n");
    pl_buf_reset(&b);
    sip_print_status_line(&b, 699, pl_str_c(sip_reason_phrase(699)));
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 699 \r\n");
    pl_buf_reset(&b);
    sip_print_status_line(&b, 999, PL_STR_LIT("x"));
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 999 x\r\n");
    pl_buf_reset(&b); /* outside the three digits: still the number as it is */
    sip_print_status_line(&b, 1000, PL_STR_LIT("x"));
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 1000 x\r\n");
    pl_buf_reset(&b);
    sip_print_status_line(&b, 99, PL_STR_LIT("x"));
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 99 x\r\n");
    pl_buf_reset(&b);
    sip_print_status_line(&b, 486, PL_STR_LIT("Busy Here"));
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 486 Busy Here\r\n");
    pl_buf_free(&b);
}

static void test_print_header(void **state)
{
    (void)state;
    static const struct {
        const char *value, *out;
    } cases[] = {
        {"plain", "X: plain\r\n"},
        {"", "X: \r\n"},
        {"a   b\t\tc", "X: a   b\t\tc\r\n"}, /* blanks without a line break stay */
        {"a\r\n b", "X: a b\r\n"},           /* a fold is one space */
        {"a \r\n\t  b", "X: a b\r\n"},       /* with the blanks around it */
        {"a\r\n b\r\n\tc", "X: a b c\r\n"},
        {"a\n b", "X: a b\r\n"}, /* bare LF folds too */
        {"\"q\r\n uoted\"", "X: \"q uoted\"\r\n"},
    };
    pl_buf b;
    pl_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pl_buf_reset(&b);
        sip_print_header(&b, PL_STR_LIT("X"), pl_str_c(cases[i].value));
        assert_slice_equal(pl_buf_str(&b), cases[i].out);
    }
    pl_buf_free(&b);
}

static void test_print_body(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    sip_print_body(&b, PL_STR_LIT("application/sdp"), PL_STR_LIT("v=0\r\n"));
    assert_slice_equal(pl_buf_str(&b),
                       "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n");
    pl_buf_reset(&b);
    sip_print_body(&b, PL_STR_LIT("application/sdp"), PL_STR_NULL); /* no body: no type */
    assert_slice_equal(pl_buf_str(&b), "Content-Length: 0\r\n\r\n");
    pl_buf_reset(&b);
    sip_print_body(&b, PL_STR_NULL, PL_STR_LIT("abc"));
    assert_slice_equal(pl_buf_str(&b), "Content-Length: 3\r\n\r\nabc");
    pl_buf_reset(&b);
    sip_print_body(&b, PL_STR_LIT("x/y"), pl_str_make("a\0b", 3)); /* any byte */
    assert_int_equal(b.len, strlen("Content-Type: x/y\r\nContent-Length: 3\r\n\r\n") + 3);
    assert_memory_equal(b.data + b.len - 3, "a\0b", 3);
    pl_buf_free(&b);
}

static void test_build_then_parse(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    sip_print_request_line(&b, PL_STR_LIT("MESSAGE"), PL_STR_LIT("sip:bob@[2001:db8::1]:5070"));
    sip_print_header(&b, PL_STR_LIT("Via"), PL_STR_LIT("SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKb"));
    sip_print_header(&b, PL_STR_LIT("Max-Forwards"), PL_STR_LIT("70"));
    sip_print_header(&b, PL_STR_LIT("From"), PL_STR_LIT("\"A \\\"B\\\"\" <sip:a@h>;tag=t"));
    sip_print_header(&b, PL_STR_LIT("To"), PL_STR_LIT("<sip:bob@h>"));
    sip_print_header(&b, PL_STR_LIT("Call-ID"), PL_STR_LIT("built@h"));
    sip_print_header(&b, PL_STR_LIT("CSeq"), PL_STR_LIT("9 MESSAGE"));
    sip_print_header(&b, PL_STR_LIT("X-Multi"), PL_STR_LIT("one\r\n two"));
    sip_print_body(&b, PL_STR_LIT("text/plain;charset=UTF-8"), PL_STR_LIT("Watson, come here."));
    assert_true(pl_buf_ok(&b));
    int rc;
    sip_msg *m = mb_parse_text(b.data, b.len, PARLEY_PARSE_STREAM, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_slice_equal(m->method, "MESSAGE");
    assert_slice_equal(m->ruri.host, "2001:db8::1");
    assert_int_equal(m->ruri.port, 5070);
    assert_slice_equal(m->via->transport, "TCP");
    assert_int_equal(m->max_forwards, 70);
    assert_slice_equal(m->from->display, "\"A \\\"B\\\"\"");
    assert_slice_equal(m->from->tag, "t");
    assert_slice_equal(m->call_id, "built@h");
    assert_int_equal(m->cseq.num, 9);
    assert_slice_equal(m->ctype.params, "charset=UTF-8");
    assert_int_equal(m->content_length, 18);
    assert_slice_equal(m->body, "Watson, come here.");
    pl_str v;
    assert_int_equal(parley_msg_header(m, "X-Multi", 0, &v), 0);
    assert_slice_equal(v, "one two");
    assert_int_equal(m->consumed, b.len);
    assert_roundtrip(m);
    sip_msg_free(m);
    pl_buf_free(&b);

    /* a response built the same way */
    pl_buf_init(&b, 0);
    sip_print_status_line(&b, 486, pl_str_c(sip_reason_phrase(486)));
    sip_print_header(&b, PL_STR_LIT("Via"), PL_STR_LIT("SIP/2.0/UDP h;branch=z9hG4bKr;rport=5"));
    sip_print_header(&b, PL_STR_LIT("From"), PL_STR_LIT("<sip:a@h>;tag=1"));
    sip_print_header(&b, PL_STR_LIT("To"), PL_STR_LIT("<sip:b@h>;tag=2"));
    sip_print_header(&b, PL_STR_LIT("Call-ID"), PL_STR_LIT("r@h"));
    sip_print_header(&b, PL_STR_LIT("CSeq"), PL_STR_LIT("1 INVITE"));
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    m = mb_parse_text(b.data, b.len, PARLEY_PARSE_STREAM, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_int_equal(m->status, 486);
    assert_slice_equal(m->reason, "Busy Here");
    assert_int_equal(m->content_length, 0);
    assert_roundtrip(m);
    sip_msg_free(m);
    pl_buf_free(&b);
}

/* ---- canonical reprint ---- */

static void test_canonical_form(void **state)
{
    (void)state;
    static const char text[] = "\r\n"
                               "OPTIONS sip:b@h SIP/2.0\n"
                               "v:SIP/2.0/UDP h;branch=z9hG4bKc\n"
                               "f:   <sip:a@h>;tag=1\t\n"
                               "t:\t<sip:b@h>\n"
                               "i: \n c@h\n"
                               "CSEQ: 1 OPTIONS\n"
                               "x-custom:  kept   as\r\n written\n"
                               "X-Empty:\n"
                               "l: 3\n"
                               "\n"
                               "abcEXTRA";
    int rc;
    sip_msg *m = mb_parse_text(text, sizeof(text) - 1, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    char *p = printed(m);
    assert_string_equal(p, "OPTIONS sip:b@h SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP h;branch=z9hG4bKc\r\n"
                           "From: <sip:a@h>;tag=1\r\n"
                           "To: <sip:b@h>\r\n"
                           "Call-ID: c@h\r\n"
                           "CSeq: 1 OPTIONS\r\n"
                           "x-custom: kept   as written\r\n"
                           "X-Empty: \r\n"
                           "Content-Length: 3\r\n"
                           "\r\n"
                           "abc");
    free(p);
    assert_roundtrip(m);
    /* parley_msg_print gives the same text, snprintf-like */
    char *want = printed(m);
    size_t n = strlen(want);
    assert_int_equal(parley_msg_print(m, NULL, 0), n);
    char small[8];
    memset(small, 'Z', sizeof(small));
    assert_int_equal(parley_msg_print(m, small, sizeof(small)), n);
    assert_memory_equal(small, want, 7);
    assert_int_equal(small[7], '\0');
    char *full = malloc(n + 1);
    assert_int_equal(parley_msg_print(m, full, n + 1), n);
    assert_string_equal(full, want);
    memset(full, 'Z', n + 1);
    assert_int_equal(parley_msg_print(m, full, n), n); /* one short: the last byte is cut */
    assert_memory_equal(full, want, n - 1);
    assert_int_equal(full[n - 1], '\0');
    char one = 'Z';
    assert_int_equal(parley_msg_print(m, &one, 1), n);
    assert_int_equal(one, '\0');
    free(full);
    free(want);
    sip_msg_free(m);
}

static void test_response_reprint(void **state)
{
    (void)state;
    int rc;
    sip_msg *m = MB_PARSE(&rc, .start = "SIP/2.0 100", .cseq = "CSeq: 1 INVITE");
    mb_assert_valid(m, rc);
    char *p = printed(m);
    assert_memory_equal(p, "SIP/2.0 100 \r\n", 14); /* the tolerated missing SP is restored */
    free(p);
    assert_roundtrip(m);
    sip_msg_free(m);
}

/* A response's top Via: parameters as they came (copied whole when there is nothing to stamp
 * into them and no whitespace to drop, else one by one), then received and our rport. */
static void test_stamped_via(void **state)
{
    (void)state;
    static const struct {
        const char *via, *received;
        unsigned rport;
        const char *want;
    } cases[] = {
        {"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1"},
        {"Via: SIP/2.0/UDP h.example;branch=z9hG4bKa1;maddr=[2001:db8::1];x=\"q\\\"s;t\";lr",
         "192.0.2.9", 5060,
         "SIP/2.0/UDP h.example;branch=z9hG4bKa1;maddr=[2001:db8::1];x=\"q\\\"s;t\";lr"
         ";received=192.0.2.9"},
        {"Via: SIP/2.0/UDP 192.0.2.1:5060 ; branch=z9hG4bKa1 ;ttl=1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;ttl=1"},
        {"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1;x=\"a b\"", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1;x=\"a b\""},
        {"Via: SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKa1", "192.0.2.1", 5070,
         "SIP/2.0/UDP 192.0.2.1;rport=5070;branch=z9hG4bKa1;received=192.0.2.1"},
        {"Via: SIP/2.0/UDP h.example;received=198.51.100.1;branch=z9hG4bKa1", "192.0.2.2", 5060,
         "SIP/2.0/UDP h.example;branch=z9hG4bKa1;received=192.0.2.2"},
        {"Via: SIP/2.0/TCP h.example", "192.0.2.3", 5060,
         "SIP/2.0/TCP h.example;received=192.0.2.3"},
        {"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1", "", 0,
         "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1"},
        /* copied whole only when the text is what the parts print: each of these is not */
        {"Via: SIP/2.0/UDP 192.0.2.1:05060;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1"},
        {"Via: SIP/2.0/UDP\t192.0.2.1:5060;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1"},
        {"Via: SIP/2.0/UDP  192.0.2.1:5060;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1"},
        {"Via: SIP /2.0/UDP 192.0.2.1;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1"},
        {"Via: SIP/2.0/ UDP 192.0.2.1;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1"},
        {"Via: SIP/2.0/UDP 192.0.2.1: 5060;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1"},
        {"Via: SIP/2.0/UDP 192.0.2.1 :5060;branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1"},
        {"Via: SIP/2.0/UDP 192.0.2.1:5060; branch=z9hG4bKa1", "192.0.2.1", 5060,
         "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1"},
        /* and these are, copied as they came (case, IPv6, no port, no parameters) */
        {"Via: sip/2.0/udp [2001:DB8::1]:5062;Branch=z9hG4bKa1", "2001:db8::1", 5060,
         "sip/2.0/udp [2001:DB8::1]:5062;Branch=z9hG4bKa1"},
        {"Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKa1", "2001:db8::2", 5060,
         "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKa1;received=2001:db8::2"},
        {"Via: SIP/2.0/UDP 192.0.2.1:9", "192.0.2.1", 5060, "SIP/2.0/UDP 192.0.2.1:9"},
        {"Via: SIP/2.0/TLS H.Example:65535;branch=z9hG4bKa1", "h.example", 5060,
         "SIP/2.0/TLS H.Example:65535;branch=z9hG4bKa1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        sip_msg *m = MB_PARSE(&rc, .via = cases[i].via);
        mb_assert_valid(m, rc);
        sip_resp_opts o = {pl_str_c(cases[i].received), cases[i].rport, PL_STR_NULL};
        pl_buf b;
        pl_buf_init(&b, 0);
        sip_print_via(&b, m->via, &o);
        pl_buf_terminate(&b);
        assert_true(pl_buf_ok(&b));
        assert_string_equal(b.data, cases[i].want);
        pl_buf_free(&b);
        sip_msg_free(m);
    }
}

/* A response's From, To (with our tag), Call-ID and CSeq: canonical names, one line each,
 * whatever form the request used (copied whole when it used exactly that form). */
static void test_response_head_fields(void **state)
{
    (void)state;
    static const char want[] = "SIP/2.0 180 Ringing\r\n"
                               "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKdflt\r\n"
                               "From: <sip:alice@example.com>;tag=a1\r\n"
                               "To: <sip:bob@example.com>;tag=t9\r\n"
                               "Call-ID: call-1@example.com\r\n"
                               "CSeq: 1 INVITE\r\n";
    static const struct {
        const char *from, *to, *call_id, *cseq;
    } cases[] = {
        {NULL, NULL, NULL, NULL},
        {"f: <sip:alice@example.com>;tag=a1", "t:<sip:bob@example.com>", "i:  call-1@example.com",
         "CSeq:1 INVITE"},
        {"FROM: <sip:alice@example.com>;tag=a1", "To : <sip:bob@example.com>",
         "call-id: call-1@example.com", "CSeq: 1 INVITE  "},
        {"From: <sip:alice@example.com>\r\n ;tag=a1", "To:\r\n <sip:bob@example.com>",
         "Call-ID: call-1@example.com", "CSeq: 1\r\n\tINVITE"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        sip_msg *m = MB_PARSE(&rc, .from = cases[i].from, .to = cases[i].to,
                              .call_id = cases[i].call_id, .cseq = cases[i].cseq);
        mb_assert_valid(m, rc);
        sip_resp_opts o = {pl_str_c("192.0.2.1"), 5060, pl_str_c("t9")};
        pl_buf b;
        pl_buf_init(&b, 0);
        sip_print_response_head(&b, m, 180, PL_STR_NULL, &o);
        pl_buf_terminate(&b);
        assert_true(pl_buf_ok(&b));
        if (i == 3) /* a folded value is unfolded: its line break and indent become one SP */
            assert_string_equal(b.data, "SIP/2.0 180 Ringing\r\n"
                                        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKdflt\r\n"
                                        "From: <sip:alice@example.com> ;tag=a1\r\n"
                                        "To: <sip:bob@example.com>;tag=t9\r\n"
                                        "Call-ID: call-1@example.com\r\n"
                                        "CSeq: 1 INVITE\r\n");
        else
            assert_string_equal(b.data, want);
        pl_buf_free(&b);
        sip_msg_free(m);
    }
}

static void test_roundtrip_data_files(void **state)
{
    (void)state;
    char **files = tu_list_dir(PARLEY_TEST_DATA "/msg", ".sip");
    assert_non_null(files);
    size_t count = 0;
    for (size_t i = 0; files[i]; i++, count++) {
        size_t n;
        char *data = tu_read_data("msg", files[i], &n);
        int rc;
        sip_msg *m = mb_parse_text(data, n, 0, NULL, &rc);
        if (rc != 0)
            fail_msg("%s: %s: %s", files[i], m->err.what, m->err.reason);
        assert_int_equal(m->consumed, n);
        assert_roundtrip(m);
        /* files already in canonical form print back byte for byte */
        char *p = printed(m);
        bool compact = strstr(files[i], "compact") != NULL;
        if (!compact && strcmp(p, data) != 0)
            fail_msg("%s does not print back as it was", files[i]);
        free(p);
        sip_msg_free(m);
        free(data);
    }
    assert_true(count >= 12);
    tu_free_list(files);
}

static void test_roundtrip_built_messages(void **state)
{
    (void)state;
    /* the tricky messages of the parser tests, printed and parsed again */
    static const mb_parts cases[] = {
        {0},
        {.start = "SIP/2.0 603 D\xc3\xa9"
                  "clin\xc3\xa9"},
        {.start = "SIP/2.0 180", .cseq = "CSeq: 2 INVITE"},
        {.start = "NEW-METHOD.x!%*_+`'~ sip:b@h SIP/2.0", .cseq = "CSeq: 1 NEW-METHOD.x!%*_+`'~"},
        {.start = "OPTIONS urn:service:sos?x=y SIP/2.0", .cseq = "CSeq: 1 OPTIONS"},
        {.start = "INVITE sips:bob@[2001:db8::1]:5061;transport=tls SIP/2.0"},
        {.via = "Via: SIP / 2.0 / UDP   h.example.com : 5060 ; branch = z9hG4bKw ;\r\n rport"},
        {.via = "Via: SIP/2.0/UDP [2001:db8::9:1]:5070;received=[2001:db8::9:255];branch=z9"},
        {.via = "Via: SIP/2.0/UDP a;branch=z9hG4bK1 ,SIP/2.0/TCP b:5070;branch=z9hG4bK2,\r\n "
                "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bK3",
         .extra = "v: SIP/2.0/SCTP c;branch=z9hG4bK4\r\n"},
        {.from = "From: \"Alice \\\"Al\\\" O'Neil \\\\ <x>\" <sip:alice@example.com>;tag=19"},
        {.from = "From:\r\n \"A\r\n B\" <sip:a@h>\r\n ;tag=1", .to = "To: Bob\r\n Smith <sip:b@h>"},
        {.from = "From: Alice  Smith\t<sip:alice@h>;tag=t1", .to = "To:Bob<sip:bob@h>"},
        {.from = "From: sip:alice@h;transport=tcp;tag=4", .to = "To: sip:bob@h"},
        {.from = "From: \"\" <sip:a@h>;tag=x", .to = "To: \"J\xc3\xb6rg\\\x01\" <sip:j@h>"},
        {.extra = "Contact: \"Doe, John\" <sip:jd@h;transport=tcp>;q=0.7;expires=3600, "
                  "<sip:a,b@h>;p=\"x,y\" ,sip:c@h;q=1\r\n"},
        {.extra = "Contact: *\r\n"},
        {.extra = "Route: <sip:p1@h;lr>, <sip:p2@h;lr>\r\nRecord-Route: <sip:[::1];lr>\r\n"},
        {.call_id = "i: a-.!%*_+`'~()<>:\\\"/[]?{}@a-.!%*_+`'~()<>:\\\"/[]?{}"},
        {.cseq = "cseq:\t0007\r\n   INVITE  ", .max_forwards = "Max-Forwards: 0"},
        {.extra = "Content-Type: multipart/mixed ; boundary=\"unique boundary\"\r\n",
         .body = "--unique boundary--\r\n"},
        {.cl = "", .body = "no length\r\n\r\n"},
        {.cl = "l: 3", .body = "abcdef"},
        {.cl = "Content-Length:\r\n 2", .body = "ok"},
        {.extra =
             "Subject \t:   spaced out  \t\r\nX-Empty:\r\nX-Folded: one\r\n two\r\n\tthree\r\n"},
        {.raw = "OPTIONS sip:b@h SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@h>\nTo: <sip:b@h>\n"
                "Call-ID: lf\nCSeq: 1 OPTIONS\n\n"},
        {.raw = "\r\n\r\nBYE sip:b@h SIP/2.0\r\nv: SIP/2.0/UDP h\r\nf: <sip:a@h>;tag=1\r\n"
                "t: <sip:b@h>;tag=2\r\ni: c\r\nCSeq: 5 BYE\r\nl: 0\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        sip_msg *m = mb_parse(&cases[i], &rc);
        if (rc != 0)
            fail_msg("case %zu: %s: %s", i, m->err.what, m->err.reason);
        assert_roundtrip(m);
        sip_msg_free(m);
    }
}

static void test_print_display(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Bob", "Bob"},
        {"Alice  Smith", "Alice  Smith"},
        {"\"Alice\"", "Alice"},
        {"\"\"", ""},
        {"\"a \\\"b\\\" \\\\ c\"", "a \"b\" \\ c"},
        {"\"A\r\n B\"", "A B"},
        {"\"A \r\n\t B\"", "A B"},
        {"Bob\r\n Smith", "Bob Smith"},
        {"\"tab\\\tx\"", "tab\tx"},
        {"\"", "\""}, /* not a quoted string: as written */
        {"a\"b", "a\"b"},
        {"", ""},
    };
    pl_buf b;
    pl_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pl_buf_reset(&b);
        sip_print_display(&b, pl_str_c(cases[i].in));
        if (!tu_slice_eq(pl_buf_str(&b), cases[i].out))
            fail_msg("display '%s' printed as '%.*s', expected '%s'", cases[i].in, (int)b.len,
                     b.data ? b.data : "", cases[i].out);
    }
    pl_buf_free(&b);
}

static void test_reason_phrases(void **state)
{
    (void)state;
    /* RFC 3261 §21, and the extensions the stack uses */
    static const struct {
        unsigned code;
        const char *phrase;
    } known[] = {
        {100, "Trying"},
        {180, "Ringing"},
        {181, "Call Is Being Forwarded"},
        {182, "Queued"},
        {183, "Session Progress"},
        {199, "Early Dialog Terminated"},
        {200, "OK"},
        {202, "Accepted"},
        {204, "No Notification"},
        {300, "Multiple Choices"},
        {301, "Moved Permanently"},
        {302, "Moved Temporarily"},
        {305, "Use Proxy"},
        {380, "Alternative Service"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {402, "Payment Required"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {407, "Proxy Authentication Required"},
        {408, "Request Timeout"},
        {410, "Gone"},
        {413, "Request Entity Too Large"},
        {414, "Request-URI Too Long"},
        {415, "Unsupported Media Type"},
        {416, "Unsupported URI Scheme"},
        {420, "Bad Extension"},
        {421, "Extension Required"},
        {422, "Session Interval Too Small"},
        {423, "Interval Too Brief"},
        {480, "Temporarily Unavailable"},
        {481, "Call/Transaction Does Not Exist"},
        {482, "Loop Detected"},
        {483, "Too Many Hops"},
        {484, "Address Incomplete"},
        {485, "Ambiguous"},
        {486, "Busy Here"},
        {487, "Request Terminated"},
        {488, "Not Acceptable Here"},
        {489, "Bad Event"},
        {491, "Request Pending"},
        {493, "Undecipherable"},
        {500, "Server Internal Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Server Time-out"},
        {505, "Version Not Supported"},
        {513, "Message Too Large"},
        {600, "Busy Everywhere"},
        {603, "Decline"},
        {604, "Does Not Exist Anywhere"},
        {606, "Not Acceptable"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        assert_string_equal(sip_reason_phrase(known[i].code), known[i].phrase);
    static const unsigned unknown[] = {0,   1,   99,  101, 201, 299,  399,
                                       409, 499, 599, 699, 700, 1000, 4294967295u};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_string_equal(sip_reason_phrase(unknown[i]), "");
}

static void test_print_nomem(void **state)
{
    (void)state;
    int rc;
    sip_msg *m = MB_PARSE(&rc, .body = "abc");
    mb_assert_valid(m, rc);
    /* a failing buffer: the error is sticky, parley_msg_print reports 0 and an empty string */
    pl_buf b;
    pl_buf_init(&b, 0);
    b.max = 20;
    sip_msg_print(&b, m);
    assert_int_equal(b.err, PARLEY_E_LIMIT);
    pl_buf_free(&b);
    char out[16] = "unchanged";
    pl_alloc_fail_after(0);
    size_t n = parley_msg_print(m, out, sizeof(out));
    pl_alloc_fail_after(-1);
    assert_int_equal(n, 0);
    assert_string_equal(out, "");
    sip_msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_lines),
        cmocka_unit_test(test_print_header),
        cmocka_unit_test(test_print_body),
        cmocka_unit_test(test_build_then_parse),
        cmocka_unit_test(test_canonical_form),
        cmocka_unit_test(test_response_reprint),
        cmocka_unit_test(test_stamped_via),
        cmocka_unit_test(test_response_head_fields),
        cmocka_unit_test(test_roundtrip_data_files),
        cmocka_unit_test(test_roundtrip_built_messages),
        cmocka_unit_test(test_print_display),
        cmocka_unit_test(test_reason_phrases),
        cmocka_unit_test(test_print_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
