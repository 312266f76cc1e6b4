/*
 * The stream framer (src/sip/frame.c): splitting SIP messages out of a TCP/TLS byte stream by
 * their Content-Length, skipping keep-alive CRLFs (RFC 5626 §3.5.1), never claiming a message
 * before its last byte has arrived.
 */
#include "msg_build.h"

static const char MSG1[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
                           "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                           "From: <sip:alice@example.com>;tag=1\r\n"
                           "To: <sip:bob@example.com>\r\n"
                           "Call-ID: one@h\r\n"
                           "CSeq: 1 INVITE\r\n"
                           "Content-Type: application/sdp\r\n"
                           "Content-Length: 12\r\n"
                           "\r\n"
                           "v=0\r\n\r\nx\r\n\r\n"; /* the body holds empty lines itself */

static const char MSG2[] = "SIP/2.0 200 OK\r\n"
                           "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                           "From: <sip:alice@example.com>;tag=1\r\n"
                           "To: <sip:bob@example.com>;tag=2\r\n"
                           "Call-ID: two@h\r\n"
                           "CSeq: 1 INVITE\r\n"
                           "l: 0\r\n"
                           "\r\n";

static const char MSG3[] = "BYE sip:alice@example.com SIP/2.0\n" /* bare LF throughout */
                           "Via: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK3\n"
                           "From: <sip:bob@example.com>;tag=2\n"
                           "To: <sip:alice@example.com>;tag=1\n"
                           "Call-ID: three@h\n"
                           "CSeq: 2 BYE\n"
                           "content-length:\n"
                           " 4\n"
                           "\n"
                           "body";

static int frame(const char *data, size_t len, size_t *skip, size_t *msg_len)
{
    *skip = 99;
    *msg_len = 99;
    int rc = sip_frame(data, len, NULL, skip, msg_len);
    assert_true(*skip <= len);
    if (rc == 0)
        assert_true(*skip + *msg_len <= len);
    else
        assert_int_equal(*msg_len, 0);
    return rc;
}

static void test_single_message(void **state)
{
    (void)state;
    size_t skip, len;
    assert_int_equal(frame(MSG1, sizeof(MSG1) - 1, &skip, &len), 0);
    assert_int_equal(skip, 0);
    assert_int_equal(len, sizeof(MSG1) - 1);
    assert_int_equal(frame(MSG2, sizeof(MSG2) - 1, &skip, &len), 0);
    assert_int_equal(len, sizeof(MSG2) - 1);
    assert_int_equal(frame(MSG3, sizeof(MSG3) - 1, &skip, &len), 0);
    assert_int_equal(len, sizeof(MSG3) - 1);
}

/* Concatenates the pieces into one malloc'd buffer. */
static char *concat(const char *const *parts, size_t n, size_t *total)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]);
    char *buf = malloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + o, parts[i], strlen(parts[i]));
        o += strlen(parts[i]);
    }
    buf[len] = '\0';
    *total = len;
    return buf;
}

static void test_several_messages_in_one_buffer(void **state)
{
    (void)state;
    static const char *const parts[] = {"\r\n\r\n", MSG1, MSG2, "\r\n", MSG3, "\r\n\r\n"};
    size_t total;
    char *buf = concat(parts, 6, &total);
    static const char *const call_ids[] = {"one@h", "two@h", "three@h"};
    static const char *const bodies[] = {"v=0\r\n\r\nx\r\n\r\n", "", "body"};
    static const size_t skips[] = {4, 0, 2};
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        size_t skip, len;
        assert_int_equal(frame(buf + off, total - off, &skip, &len), 0);
        assert_int_equal(skip, skips[i]);
        int rc;
        sip_msg *m = mb_parse_text(buf + off + skip, len, PARLEY_PARSE_STREAM, NULL, &rc);
        mb_assert_valid(m, rc);
        assert_slice_equal(m->call_id, call_ids[i]);
        assert_slice_equal(m->body, bodies[i]);
        assert_int_equal(m->consumed, len); /* the parser agrees on the length */
        sip_msg_free(m);
        off += skip + len;
    }
    /* only the trailing keep-alive is left: nothing to frame, all of it skippable */
    size_t skip, len;
    assert_int_equal(frame(buf + off, total - off, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(skip, 4);
    assert_int_equal(off + skip, total);
    free(buf);
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    static const char *const parts[] = {"\r\n", MSG1, MSG2, MSG3};
    size_t total;
    char *full = concat(parts, 4, &total);
    /* feed the stream one byte at a time into a growing buffer, like a reader would */
    char *buf = malloc(total);
    size_t have = 0, off = 0, found = 0;
    size_t ends[3];
    ends[0] = 2 + strlen(MSG1);
    ends[1] = ends[0] + strlen(MSG2);
    ends[2] = ends[1] + strlen(MSG3);
    for (size_t i = 0; i < total; i++) {
        buf[have++] = full[i];
        size_t skip, len;
        int rc = frame(buf + off, have - off, &skip, &len);
        if (off + skip + len == ends[found] && rc == 0) {
            assert_int_equal(i + 1, ends[found]); /* exactly when its last byte arrives */
            off += skip + len;
            found++;
        } else {
            if (rc != PARLEY_E_INCOMPLETE)
                fail_msg("prefix of %zu bytes: %d (message %zu ends at %zu)", i + 1, rc, found,
                         ends[found]);
        }
    }
    assert_int_equal(found, 3);
    assert_int_equal(off, total);
    free(buf);
    free(full);
}

static void test_every_prefix_incomplete(void **state)
{
    (void)state;
    static const char *const msgs[] = {MSG1, MSG2, MSG3};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(msgs[k]);
        for (size_t i = 0; i < n; i++) {
            size_t skip, len;
            int rc = frame(msgs[k], i, &skip, &len);
            if (rc != PARLEY_E_INCOMPLETE)
                fail_msg("message %zu, prefix of %zu/%zu bytes: %d", k, i, n, rc);
        }
        size_t skip, len;
        assert_int_equal(frame(msgs[k], n, &skip, &len), 0);
        assert_int_equal(len, n);
    }
}

static void test_keep_alives(void **state)
{
    (void)state;
    size_t skip, len;
    assert_int_equal(frame("", 0, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(skip, 0);
    assert_int_equal(frame("\r\n", 2, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(skip, 2);
    assert_int_equal(frame("\r\n\r\n", 4, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(skip, 4);
    assert_int_equal(frame("\r", 1, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(skip, 1);
    assert_int_equal(frame("\n\n\n", 3, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(skip, 3);
    static const char *const parts[] = {"\r\n\r\n\r\n", MSG2};
    size_t total;
    char *buf = concat(parts, 2, &total);
    assert_int_equal(frame(buf, total, &skip, &len), 0);
    assert_int_equal(skip, 6);
    assert_int_equal(len, strlen(MSG2));
    /* a keep-alive followed by the start of a message */
    assert_int_equal(frame(buf, 10, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(skip, 6);
    free(buf);
}

static void frame_one(const char *headers, const char *body, int want, size_t want_body)
{
    size_t hl = strlen(headers), bl = strlen(body);
    char *buf = malloc(hl + bl + 1);
    memcpy(buf, headers, hl);
    memcpy(buf + hl, body, bl + 1);
    size_t skip, len;
    int rc = frame(buf, hl + bl, &skip, &len);
    if (rc != want)
        fail_msg("framing gave %d, expected %d:\n%s", rc, want, headers);
    if (rc == 0 && len != hl + want_body)
        fail_msg("framed %zu bytes, expected %zu:\n%s", len, hl + want_body, headers);
    free(buf);
}

#define HEAD "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKf\r\n"

static void test_content_length_forms(void **state)
{
    (void)state;
    frame_one(HEAD "Content-Length: 5\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "l: 5\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "L: 5\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "content-LENGTH: 5\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "Content-Length  :\t5 \t\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "Content-Length: 005\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "Content-Length:\r\n 5\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "Content-Length:\r\n\t\r\n 5\r\nX: y\r\n\r\n", "12345EXTRA", 0, 5);
    frame_one(HEAD "Content-Length: 0\r\n\r\n", "EXTRA", 0, 0);
    frame_one("OPTIONS sip:b@h SIP/2.0\nl: 3\n\n", "abcdef", 0, 3);
    frame_one("OPTIONS sip:b@h SIP/2.0\r\nl: 3\n\r\n", "abcdef", 0, 3);
    /* only the header section is read: the body may say anything */
    frame_one(HEAD "Content-Length: 22\r\n\r\n", "Content-Length: 99\r\n\r\nNEXT", 0, 22);
    /* other fields mentioning Content-Length do not count */
    frame_one(HEAD "X-Note: Content-Length: 99\r\nContent-Length: 2\r\n\r\n", "abcd", 0, 2);
    frame_one(HEAD "X-Content-Length: 99\r\nl: 2\r\n\r\n", "abcd", 0, 2);
    frame_one(HEAD "X-A: a\r\n Content-Length: 9\r\nl: 2\r\n\r\n", "abcd", 0, 2);
    /* and the start line is no header field */
    frame_one("l: 9 sip:b@h SIP/2.0\r\nl: 1\r\n\r\n", "abcd", 0, 1);
}

static void test_missing_content_length(void **state)
{
    (void)state;
    /* framed with an empty body: what follows is the next message's business */
    frame_one(HEAD "\r\n", "", 0, 0);
    frame_one(HEAD "X: y\r\n\r\n", "leftover", 0, 0);
    /* the parser, told the bytes came from a stream, then reports it */
    static const char msg[] = HEAD "From: <sip:a@h>\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n"
                                   "CSeq: 1 OPTIONS\r\n\r\nleftover";
    size_t skip, len;
    assert_int_equal(frame(msg, sizeof(msg) - 1, &skip, &len), 0);
    assert_int_equal(len, sizeof(msg) - 1 - 8);
    int rc;
    sip_msg *m = mb_parse_text(msg, len, PARLEY_PARSE_STREAM, NULL, &rc);
    mb_assert_fault(m, rc, PARLEY_E_UNUSABLE, 400, "Content-Length", "required on a stream", NULL);
    sip_msg_free(m);
}

static void test_bad_content_length(void **state)
{
    (void)state;
    frame_one(HEAD "Content-Length: abc\r\n\r\n", "", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length: -1\r\n\r\n", "", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length: +1\r\n\r\n", "x", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length: 1 2\r\n\r\n", "xx", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length: 1\r\n 2\r\n\r\n", "xx", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length:\r\n\r\n", "", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length: 2147483648\r\n\r\n", "", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length: 99999999999999999999999\r\n\r\n", "", PARLEY_E_PARSE, 0);
    /* two of them cannot frame, even when they agree */
    frame_one(HEAD "Content-Length: 1\r\nContent-Length: 1\r\n\r\n", "x", PARLEY_E_PARSE, 0);
    frame_one(HEAD "l: 1\r\nContent-Length: 2\r\n\r\n", "xx", PARLEY_E_PARSE, 0);
    /* a malformed value is reported as soon as the header section is complete */
    frame_one(HEAD "Content-Length: x\r\n\r\n", "", PARLEY_E_PARSE, 0);
    frame_one(HEAD "Content-Length: x\r\n\r", "", PARLEY_E_INCOMPLETE, 0);
}

static void test_limits(void **state)
{
    (void)state;
    size_t skip, len;
    size_t n = sizeof(MSG1) - 1;
    sip_limits lim = {.max_size = n};
    assert_int_equal(sip_frame(MSG1, n, &lim, &skip, &len), 0);
    assert_int_equal(len, n);
    /* a complete header section announcing more than the limit: refused before the body */
    lim.max_size = n - 1;
    assert_int_equal(sip_frame(MSG1, n, &lim, &skip, &len), PARLEY_E_LIMIT);
    assert_int_equal(sip_frame(MSG1, n - 12, &lim, &skip, &len), PARLEY_E_LIMIT);
    /* a header section that never ends: refused once past the limit, not before */
    lim.max_size = 100;
    char junk[300];
    memset(junk, 'a', sizeof(junk));
    memcpy(junk, "OPTIONS sip:b@h SIP/2.0\r\nX: ", 28);
    assert_int_equal(sip_frame(junk, 100, &lim, &skip, &len), PARLEY_E_INCOMPLETE);
    assert_int_equal(sip_frame(junk, 101, &lim, &skip, &len), PARLEY_E_LIMIT);
    assert_int_equal(sip_frame(junk, 300, &lim, &skip, &len), PARLEY_E_LIMIT);
    /* keep-alives before a message do not count against it */
    char *ka = malloc(n + 50);
    memset(ka, '\n', 50);
    memcpy(ka + 50, MSG1, n);
    lim.max_size = n;
    assert_int_equal(sip_frame(ka, n + 50, &lim, &skip, &len), 0);
    assert_int_equal(skip, 50);
    assert_int_equal(len, n);
    free(ka);
    /* the defaults (64 KiB): NULL limits or a zero max_size */
    sip_limits zero = {0};
    char *big = malloc(70000);
    int hl = snprintf(big, 200, "OPTIONS sip:b@h SIP/2.0\r\nContent-Length: %d\r\n\r\n", 65536);
    memset(big + hl, 'b', 70000 - (size_t)hl);
    assert_int_equal(sip_frame(big, 70000, NULL, &skip, &len), PARLEY_E_LIMIT);
    assert_int_equal(sip_frame(big, 70000, &zero, &skip, &len), PARLEY_E_LIMIT);
    hl = snprintf(big, 200, "OPTIONS sip:b@h SIP/2.0\r\nContent-Length: %d\r\n\r\n", 65536 - 50);
    assert_int_equal(hl, 50); /* so that the message is exactly 64 KiB */
    assert_int_equal(sip_frame(big, 70000, NULL, &skip, &len), 0);
    assert_int_equal(len, 65536);
    assert_int_equal(sip_frame(big, 70000, &zero, &skip, &len), 0);
    free(big);
}

static void test_framed_equals_parsed(void **state)
{
    (void)state;
    /* every message in tests/data/msg frames to exactly its length, stream-parses alone */
    char **files = tu_list_dir(PARLEY_TEST_DATA "/msg", ".sip");
    assert_non_null(files);
    size_t count = 0;
    for (size_t i = 0; files[i]; i++, count++) {
        size_t n;
        char *data = tu_read_data("msg", files[i], &n);
        size_t skip, len;
        int rc = sip_frame(data, n, NULL, &skip, &len);
        if (rc != 0 || skip + len != n)
            fail_msg("%s: rc %d, %zu+%zu of %zu bytes", files[i], rc, skip, len, n);
        sip_msg *m = mb_parse_text(data + skip, len, PARLEY_PARSE_STREAM, NULL, &rc);
        if (rc != 0)
            fail_msg("%s: %s: %s", files[i], m->err.what, m->err.reason);
        assert_int_equal(m->consumed, len);
        sip_msg_free(m);
        free(data);
    }
    assert_true(count >= 12);
    tu_free_list(files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_message),
        cmocka_unit_test(test_several_messages_in_one_buffer),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_every_prefix_incomplete),
        cmocka_unit_test(test_keep_alives),
        cmocka_unit_test(test_content_length_forms),
        cmocka_unit_test(test_missing_content_length),
        cmocka_unit_test(test_bad_content_length),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_framed_equals_parsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
