/*
 * NUL bytes (RFC 3261 §25.1 allows one only as the escaped octet of a quoted-pair), and what the
 * parser still reads past a fault so that the request can be answered: after the first fault of
 * the header section, and past every limit, Via, From, To, Call-ID and CSeq are still collected
 * (a bounded number of fields, with bounded work), so the transaction layer can send its 400,
 * 414 or 513 instead of dropping the request.
 */
#include "msg_build.h"

#include "parley/msg.h"

/* Parses text with every '`' turned into a NUL byte. */
static sip_msg *parse_nul(const char *text, unsigned flags, const sip_limits *lim, int *rc)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    memcpy(copy, text, len + 1);
    for (size_t i = 0; i < len; i++)
        if (copy[i] == '`')
            copy[i] = '\0';
    sip_msg *m = mb_parse_text(copy, len, flags, lim, rc);
    free(copy);
    return m;
}

/* Offset of the first '`' in text. */
static long nul_at(const char *text)
{
    return (long)(strchr(text, '`') - text);
}

static void assert_fault(const sip_msg *m, int rc, int code, int status, const char *what,
                         const char *reason, long offset)
{
    if (rc != code || strcmp(m->err.reason, reason) != 0 || strcmp(m->err.what, what) != 0)
        fail_msg("got %d %s: %s, expected %d %s: %s", rc, m->err.what, m->err.reason, code, what,
                 reason);
    assert_int_equal(m->err.status, status);
    assert_int_equal(m->err.offset, offset);
}

/* What a stateless answer needs is there. */
static void assert_answerable(const sip_msg *m)
{
    assert_non_null(m->via);
    assert_non_null(m->from);
    assert_non_null(m->to);
    assert_slice_equal(m->call_id, "c1");
    assert_true(m->has_cseq);
    assert_int_equal(m->cseq.num, 7);
}

#define VIA   "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKs1\r\n"
#define FROM  "From: <sip:a@h>;tag=f\r\n"
#define TO    "To: <sip:b@h>\r\n"
#define CID   "Call-ID: c1\r\n"
#define CSEQ  "CSeq: 7 INVITE\r\n"
#define START "INVITE sip:b@h SIP/2.0\r\n"
#define TAIL  "Content-Length: 0\r\n\r\n"

/* ---- NUL bytes ---- */

static void test_nul_in_start_line(void **state)
{
    (void)state;
    int rc;
    const char *t = "INVITE sip:b`@h SIP/2.0\r\n" VIA FROM TO CID CSEQ TAIL;
    sip_msg *m = parse_nul(t, 0, NULL, &rc);
    assert_fault(m, rc, PARLEY_E_PARSE, 400, "Request-Line", "NUL byte in start line", nul_at(t));
    assert_slice_equal(m->method, "INVITE");
    assert_answerable(m);
    sip_msg_free(m);
    t = "SIP/2.0 404 Not` Found\r\n" VIA FROM TO CID CSEQ TAIL;
    m = parse_nul(t, 0, NULL, &rc);
    assert_fault(m, rc, PARLEY_E_PARSE, 400, "Status-Line", "NUL byte in start line", nul_at(t));
    assert_int_equal(m->status, 404);
    sip_msg_free(m);
}

static void test_nul_in_header_name(void **state)
{
    (void)state;
    int rc;
    static const char *const texts[] = {
        START VIA FROM "Sub`ject: hi\r\n" TO CID CSEQ TAIL,
        START VIA FROM "`Subject: hi\r\n" TO CID CSEQ TAIL,
        START VIA FROM "Subject`: hi\r\n" TO CID CSEQ TAIL,
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        sip_msg *m = parse_nul(texts[i], 0, NULL, &rc);
        assert_fault(m, rc, PARLEY_E_PARSE, 400, "headers", "NUL byte in header name",
                     nul_at(texts[i]));
        assert_answerable(m); /* the fields after the broken one are still read */
        sip_msg_free(m);
    }
}

static void test_nul_in_header_value(void **state)
{
    (void)state;
    int rc;
    static const struct {
        const char *text;
        const char *what;
    } cases[] = {
        {START VIA FROM "Subject: h`i\r\n" TO CID CSEQ TAIL, "Subject"},
        {START VIA FROM "X-Custom: `\r\n" TO CID CSEQ TAIL, "headers"},
        {START VIA FROM "X-Folded: a\r\n b`\r\n" TO CID CSEQ TAIL, "headers"},
        /* a backslash outside a quoted string or comment does not make a quoted-pair */
        {START VIA FROM "Subject: a\\`\r\n" TO CID CSEQ TAIL, "Subject"},
        /* the quoted string ended before it */
        {START VIA FROM "Subject: \"a\" \\`\r\n" TO CID CSEQ TAIL, "Subject"},
        {START VIA "From: \"a`\" <sip:a@h>;tag=f\r\n" TO CID CSEQ TAIL, "From"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sip_msg *m = parse_nul(cases[i].text, 0, NULL, &rc);
        assert_fault(m, rc, PARLEY_E_PARSE, 400, cases[i].what, "NUL byte in header value",
                     nul_at(cases[i].text));
        assert_non_null(m->via);
        assert_slice_equal(m->call_id, "c1");
        assert_true(m->has_cseq);
        sip_msg_free(m);
    }
}

static void test_nul_in_quoted_pair(void **state)
{
    (void)state;
    int rc;
    /* RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F), in a quoted string or a
     * comment (RFC 4475 §3.1.1.2 has one in a display name) */
    const char *t = START VIA "From: \"a\\`b\" <sip:a@h>;tag=f\r\n" TO CID CSEQ
                              "User-Agent: x (c\\`(d\\`))\r\nSubject: \"\\`\" \"\\\\\"\r\n" TAIL;
    sip_msg *m = parse_nul(t, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_int_equal(m->from->display.len, 6);
    assert_int_equal(m->from->display.p[3], '\0');
    sip_msg_free(m);
    /* an escaped backslash before it leaves the NUL bare */
    t = START VIA FROM "Subject: \"a\\\\`\"\r\n" TO CID CSEQ TAIL;
    m = parse_nul(t, 0, NULL, &rc);
    assert_fault(m, rc, PARLEY_E_PARSE, 400, "Subject", "NUL byte in header value", nul_at(t));
    sip_msg_free(m);
}

static void test_nul_in_body_is_data(void **state)
{
    (void)state;
    int rc;
    const char *t = START VIA FROM TO CID CSEQ "Content-Length: 3\r\n\r\na`b";
    sip_msg *m = parse_nul(t, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_int_equal(m->body.len, 3);
    assert_int_equal(m->body.p[1], '\0');
    sip_msg_free(m);
}

/* ---- after a fault in the header section ---- */

static void test_salvage_after_broken_line(void **state)
{
    (void)state;
    int rc;
    /* a line that is no field, a bare CR, a continuation without a field */
    static const char *const texts[] = {
        START VIA FROM "not a field\r\nX-A: 1\r\n" TO CID "Max-Forwards: 70\r\n" CSEQ TAIL,
        START VIA FROM "X-A: 1\r2\r\n" TO CID "Max-Forwards: 70\r\n" CSEQ TAIL,
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        sip_msg *m = mb_parse_text(texts[i], strlen(texts[i]), 0, NULL, &rc);
        assert_int_equal(rc, PARLEY_E_PARSE);
        assert_answerable(m);
        /* only what an answer needs is kept past the fault */
        assert_int_equal(m->nhdrs, 5);
        assert_int_equal(m->max_forwards, -1);
        assert_int_equal(m->body.len, 0);
        sip_msg_free(m);
    }
}

static void test_salvage_without_empty_line(void **state)
{
    (void)state;
    /* a datagram's last field ends with the datagram */
    int rc;
    const char *t = START VIA FROM TO CID CSEQ;
    sip_msg *m = mb_parse_text(t, strlen(t), 0, NULL, &rc);
    assert_int_equal(rc, PARLEY_E_PARSE);
    assert_string_equal(m->err.reason, "header section does not end with an empty line");
    assert_answerable(m);
    sip_msg_free(m);
}

static void test_salvage_too_many_headers(void **state)
{
    (void)state;
    int rc;
    const char *t = START VIA FROM "X-A: 1\r\nContact: <sip:a@h>\r\n" TO CID "Max-Forwards: 70\r\n"
                                   "X-B: 2\r\n" CSEQ TAIL;
    sip_limits lim = {.max_headers = 3};
    sip_msg *m = mb_parse_text(t, strlen(t), 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "too many header fields", "Contact:");
    assert_answerable(m);
    assert_int_equal(m->nhdrs, 6); /* Via, From, X-A; then To, Call-ID, CSeq */
    assert_null(m->contact);
    assert_int_equal(m->max_forwards, -1);
    pl_str v;
    assert_int_equal(parley_msg_header(m, "X-B", 0, &v), PARLEY_E_NOTFOUND);
    sip_msg_free(m);
    /* the field over the count is kept when an answer needs it */
    lim.max_headers = 4;
    t = START VIA FROM "X-A: 1\r\n" TO CID CSEQ TAIL;
    m = mb_parse_text(t, strlen(t), 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "too many header fields", "Call-ID");
    assert_answerable(m);
    sip_msg_free(m);
}

static void test_salvage_line_too_long(void **state)
{
    (void)state;
    int rc;
    char t[1024];
    snprintf(t, sizeof(t), START VIA FROM "Subject: %0200d\r\n" TO CID CSEQ TAIL, 0);
    sip_limits lim = {.max_line = 100};
    sip_msg *m = mb_parse_text(t, strlen(t), 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "header field too long", "Subject");
    assert_answerable(m);
    assert_int_equal(m->nhdrs, 5);
    sip_msg_free(m);
    /* a field an answer needs that is itself too long is lost: no To here */
    snprintf(t, sizeof(t), START VIA FROM "To: <sip:%0200d@h>\r\n" CID CSEQ TAIL, 0);
    m = mb_parse_text(t, strlen(t), 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "header field too long", "To:");
    assert_null(m->to);
    assert_slice_equal(m->call_id, "c1");
    sip_msg_free(m);
}

static void test_salvage_is_bounded(void **state)
{
    (void)state;
    /* after a fault, at most 32 more fields are kept, however many follow */
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_puts(&b, START VIA FROM "broken\r\n");
    for (int i = 0; i < 100; i++)
        pl_buf_printf(&b, "Via: SIP/2.0/UDP h%d;branch=z9hG4bK%d\r\n", i, i);
    pl_buf_puts(&b, TO CID CSEQ TAIL);
    int rc;
    sip_msg *m = mb_parse_text(b.data, b.len, 0, NULL, &rc);
    mb_assert_fault(m, rc, PARLEY_E_PARSE, 400, "headers", "missing ':' after header name",
                    "\r\nVia: SIP/2.0/UDP h0");
    assert_int_equal(m->nhdrs, 2 + 32);
    assert_int_equal(m->nvia, 1 + 32);
    assert_null(m->to);
    sip_msg_free(m);
    pl_buf_free(&b);
}

static void test_salvage_after_list_limit(void **state)
{
    (void)state;
    int rc;
    const char *t =
        START VIA FROM "Contact: <sip:1@h>, <sip:2@h>, <sip:3@h>\r\nRoute: <sip:r@h>\r\n"
                       "Max-Forwards: 70\r\n" TO CID CSEQ TAIL;
    sip_limits lim = {.max_list = 2};
    sip_msg *m = mb_parse_text(t, strlen(t), 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "Contact", "too many values in one field",
                    "<sip:3@h>");
    assert_answerable(m);  /* read after the fault */
    assert_null(m->route); /* not worth the work past a limit */
    assert_int_equal(m->max_forwards, -1);
    sip_msg_free(m);
    /* comments nested too deeply, likewise */
    t = START VIA FROM "User-Agent: ((((x))))\r\nRoute: <sip:r@h>\r\n" TO CID CSEQ TAIL;
    lim = (sip_limits){.max_nesting = 2};
    m = mb_parse_text(t, strlen(t), 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "User-Agent", "comments nested too deeply",
                    "((x))))");
    assert_answerable(m);
    assert_null(m->route);
    sip_msg_free(m);
}

/* ---- oversize messages ---- */

static void test_oversize_datagram(void **state)
{
    (void)state;
    int rc;
    const char *t = START VIA FROM TO CID CSEQ "Content-Length: 10\r\n\r\n0123456789";
    size_t len = strlen(t);
    sip_limits lim = {.max_size = len - 10}; /* the header section fits, the body does not */
    sip_msg *m = mb_parse_text(t, len, 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 513, "message", "message too large", NULL);
    assert_answerable(m);
    assert_int_equal(m->data.len, len - 10);
    assert_int_equal(m->consumed, len);
    assert_int_equal(m->content_length, -1); /* not needed for an answer */
    sip_msg_free(m);
    /* the limit cuts the CSeq line: a field cut off is not kept */
    lim.max_size = (size_t)(strstr(t, "INVITE\r\nContent") - t);
    m = mb_parse_text(t, len, 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 513, "message", "message too large", NULL);
    assert_false(m->has_cseq);
    assert_slice_equal(m->call_id, "c1");
    sip_msg_free(m);
    /* so is the last field before the cut, which a folded line might have continued */
    lim.max_size = (size_t)(strstr(t, "CSeq") - t);
    m = mb_parse_text(t, len, 0, &lim, &rc);
    assert_false(m->has_cseq);
    assert_false(pl_str_set(m->call_id));
    sip_msg_free(m);
}

static void test_oversize_flag(void **state)
{
    (void)state;
    /* the stream framer knows a message is too large before it has all of it */
    int rc;
    const char *t = START VIA FROM TO CID CSEQ "Content-Length: 100000\r\n\r\nabc";
    sip_msg *m = mb_parse_text(t, strlen(t), PARLEY_PARSE_STREAM | SIP_PARSE_TOO_LARGE, NULL, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 513, "message", "message too large", NULL);
    assert_answerable(m);
    assert_int_equal(m->data.len, strlen(t));
    sip_msg_free(m);
    /* the public entry point takes no internal flag */
    parley_msg *pm = NULL;
    rc = parley_msg_parse(t, strlen(t) - 3, SIP_PARSE_TOO_LARGE, NULL, &pm, NULL);
    assert_int_equal(rc, PARLEY_E_UNUSABLE); /* Content-Length larger than the body */
    parley_msg_unref(pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_in_start_line),
        cmocka_unit_test(test_nul_in_header_name),
        cmocka_unit_test(test_nul_in_header_value),
        cmocka_unit_test(test_nul_in_quoted_pair),
        cmocka_unit_test(test_nul_in_body_is_data),
        cmocka_unit_test(test_salvage_after_broken_line),
        cmocka_unit_test(test_salvage_without_empty_line),
        cmocka_unit_test(test_salvage_too_many_headers),
        cmocka_unit_test(test_salvage_line_too_long),
        cmocka_unit_test(test_salvage_is_bounded),
        cmocka_unit_test(test_salvage_after_list_limit),
        cmocka_unit_test(test_oversize_datagram),
        cmocka_unit_test(test_oversize_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
