/*
 * Builds SIP test messages from parts with sensible defaults, and asserts parse results.
 *
 *   sip_msg *m = MB_PARSE(&rc, .via = "Via: SIP/2.0/TCP h;branch=z9hG4bKx", .extra = "X: 1\r\n");
 *
 * Each header part is a whole line without its CRLF: NULL takes the default, "" leaves the line
 * out. `extra` is appended verbatim after the defaults (its lines end with CRLF). `cl` is the
 * Content-Length line: NULL computes it from the body, "" leaves it out. `raw`, when set, is the
 * whole message and every other part is ignored.
 */
#ifndef PARLEY_TEST_MSG_BUILD_H
#define PARLEY_TEST_MSG_BUILD_H

#include "test_util.h"

#include "parley/error.h"

typedef struct mb_parts {
    const char *raw;
    const char *start, *via, *from, *to, *call_id, *cseq, *max_forwards;
    const char *extra;
    const char *cl;
    const char *body;
    unsigned flags;           /* PARLEY_PARSE_* */
    const sip_limits *limits; /* NULL: defaults */
} mb_parts;

#define MB_START        "INVITE sip:bob@example.com SIP/2.0"
#define MB_VIA          "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKdflt"
#define MB_FROM         "From: <sip:alice@example.com>;tag=a1"
#define MB_TO           "To: <sip:bob@example.com>"
#define MB_CALL_ID      "Call-ID: call-1@example.com"
#define MB_CSEQ         "CSeq: 1 INVITE"
#define MB_MAX_FORWARDS "Max-Forwards: 70"

static inline void mb_line(pl_buf *b, const char *v, const char *dflt)
{
    if (!v)
        v = dflt;
    if (!*v)
        return;
    pl_buf_puts(b, v);
    pl_buf_puts(b, "\r\n");
}

/* The message text, malloc'd and NUL-terminated. */
static inline char *mb_build(const mb_parts *p)
{
    pl_buf b;
    pl_buf_init(&b, 512);
    if (p->raw) {
        pl_buf_puts(&b, p->raw);
        return pl_buf_steal(&b, NULL);
    }
    mb_line(&b, p->start, MB_START);
    mb_line(&b, p->via, MB_VIA);
    mb_line(&b, p->from, MB_FROM);
    mb_line(&b, p->to, MB_TO);
    mb_line(&b, p->call_id, MB_CALL_ID);
    mb_line(&b, p->cseq, MB_CSEQ);
    mb_line(&b, p->max_forwards, MB_MAX_FORWARDS);
    if (p->extra)
        pl_buf_puts(&b, p->extra);
    const char *body = p->body ? p->body : "";
    if (!p->cl)
        pl_buf_printf(&b, "Content-Length: %zu\r\n", strlen(body));
    else
        mb_line(&b, p->cl, "");
    pl_buf_puts(&b, "\r\n");
    pl_buf_puts(&b, body);
    return pl_buf_steal(&b, NULL);
}

/* Parses text[0..len); checks that *err and the message agree; never returns NULL. */
static inline sip_msg *mb_parse_text(const char *text, size_t len, unsigned flags,
                                     const sip_limits *lim, int *rc)
{
    sip_msg *m = NULL;
    sip_error e;
    memset(&e, 0x5a, sizeof(e));
    *rc = sip_msg_parse(text, len, flags, lim, &m, &e);
    assert_non_null(m);
    assert_int_equal(*rc, m->err.code);
    assert_int_equal(e.code, m->err.code);
    assert_int_equal(e.offset, m->err.offset);
    assert_int_equal(e.status, m->err.status);
    assert_ptr_equal(e.what, m->err.what);
    assert_ptr_equal(e.reason, m->err.reason);
    if (*rc == 0) {
        assert_null(e.reason);
        assert_int_equal(e.offset, 0);
    } else {
        assert_non_null(e.reason);
        assert_true(e.offset >= -1 && e.offset <= (long)len);
        assert_true(e.status == 400 || e.status == 414 || e.status == 505 || e.status == 513 ||
                    e.status == 500);
    }
    assert_true(m->consumed <= len);
    return m;
}

static inline sip_msg *mb_parse(const mb_parts *p, int *rc)
{
    char *t = mb_build(p);
    sip_msg *m = mb_parse_text(t, strlen(t), p->flags, p->limits, rc);
    free(t);
    return m;
}

#define MB_PARSE(rcp, ...) mb_parse(&(mb_parts){__VA_ARGS__}, (rcp))

/* Fails unless the parse succeeded, naming the fault. */
static inline void mb_assert_valid(const sip_msg *m, int rc)
{
    if (rc != 0)
        fail_msg("parse failed (%d): %s: %s at %ld", rc, m->err.what ? m->err.what : "-",
                 m->err.reason ? m->err.reason : "-", m->err.offset);
}

/*
 * Offset of `at` in the message text: the position of its first occurrence, plus the index of
 * a '|' inside it (removed before searching) that marks the faulty byte.
 */
static inline long mb_offset_of(const sip_msg *m, const char *at)
{
    char needle[256];
    size_t mark = 0, n = 0;
    for (const char *c = at; *c && n + 1 < sizeof(needle); c++) {
        if (*c == '|')
            mark = n;
        else
            needle[n++] = *c;
    }
    needle[n] = '\0';
    if (!strchr(at, '|'))
        mark = 0;
    const char *hit = strstr(m->data.p, needle);
    if (!hit)
        fail_msg("'%s' is not in the message", needle);
    return (long)(hit - m->data.p) + (long)mark;
}

/* Asserts the recorded fault; at as for mb_offset_of, NULL for offset -1. */
static inline void mb_assert_fault(const sip_msg *m, int rc, int code, int status, const char *what,
                                   const char *reason, const char *at)
{
    if (rc != code)
        fail_msg("rc %d (%s: %s), expected %d (%s: %s)", rc, m->err.what ? m->err.what : "-",
                 m->err.reason ? m->err.reason : "-", code, what, reason);
    if (!m->err.reason || strcmp(m->err.reason, reason) != 0)
        fail_msg("reason '%s', expected '%s'", m->err.reason ? m->err.reason : "(null)", reason);
    if (!m->err.what || strcmp(m->err.what, what) != 0)
        fail_msg("what '%s', expected '%s' (%s)", m->err.what ? m->err.what : "(null)", what,
                 reason);
    assert_int_equal(m->err.status, status);
    long want = at ? mb_offset_of(m, at) : -1;
    if (m->err.offset != want)
        fail_msg("%s: %s: offset %ld, expected %ld", what, reason, m->err.offset, want);
}

#endif
