/* Helpers shared by the SDP tests (header-only; each test is one executable). */
#ifndef TEST_SDP_UTIL_H
#define TEST_SDP_UTIL_H

#include "test_util.h"

#include "core/alloc.h"
#include "parley/error.h"
#include "parley/sdp.h"
#include "sdp/sdp.h"

/* Reads tests/data/sdp/<name>.sdp; asserts it exists. Free with free(). */
static inline char *ts_read(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/sdp/%s.sdp", PARLEY_TEST_DATA, name);
    char *t = tu_read_file(path, len);
    if (!t)
        fail_msg("cannot read %s", path);
    return t;
}

/* Parses text (NUL-terminated); asserts success. */
static inline parley_sdp *ts_parse(const char *text)
{
    parley_sdp *s = NULL;
    parley_parse_error e;
    int rc = parley_sdp_parse(text, strlen(text), NULL, &s, &e);
    if (rc)
        fail_msg("parse failed (%d) at %ld, %s: %s\n%s", rc, e.offset, e.what ? e.what : "",
                 e.reason ? e.reason : "", text);
    return s;
}

static inline parley_sdp *ts_parse_file(const char *name)
{
    size_t len = 0;
    char *t = ts_read(name, &len);
    parley_sdp *s = ts_parse(t);
    free(t);
    return s;
}

/* The printed text, malloc'd. */
static inline char *ts_print(const parley_sdp *s)
{
    size_t n = parley_sdp_print(s, NULL, 0);
    assert_true(n > 0);
    char *t = malloc(n + 1);
    assert_int_equal(parley_sdp_print(s, t, n + 1), n);
    return t;
}

/* parse(print(x)) == x, and printing is stable. */
static inline void ts_assert_roundtrip(const parley_sdp *s)
{
    char *t1 = ts_print(s);
    parley_sdp *again = ts_parse(t1);
    if (!sdp_equal(s, again, 0))
        fail_msg("round trip changed the description:\n%s", t1);
    char *t2 = ts_print(again);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    parley_sdp_free(again);
}

/* Parses text and asserts the error code, and the line type at fault when what is set. */
static inline void ts_assert_error(const char *text, int code, const char *what)
{
    parley_sdp *s = (parley_sdp *)1;
    parley_parse_error e;
    int rc = parley_sdp_parse(text, strlen(text), NULL, &s, &e);
    if (rc != code)
        fail_msg("expected %d, got %d for:\n%s", code, rc, text);
    assert_null(s);
    assert_int_equal(e.code, code);
    assert_int_equal(e.status, 400);
    assert_non_null(e.reason);
    if (what)
        assert_string_equal(e.what, what);
}

/* "pt enc/rate[/params]" of every format with an rtpmap, joined by '|'. */
static inline void ts_maps(const parley_sdp_media *m, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->nfmts; i++) {
        const parley_sdp_format *f = &m->fmts[i];
        if (!f->has_rtpmap)
            continue;
        n += (size_t)snprintf(out + n, size - n, "%s%.*s %.*s/%u", n ? "|" : "", (int)f->fmt.len,
                              f->fmt.p, (int)f->encoding.len, f->encoding.p, f->rate);
        if (f->enc_params.p)
            n += (size_t)snprintf(out + n, size - n, "/%.*s", (int)f->enc_params.len,
                                  f->enc_params.p);
    }
}

/* The m= format list as text ("0 8 97"). */
static inline void ts_fmts(const parley_sdp_media *m, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->nfmts; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%.*s", i ? " " : "", (int)m->fmts[i].fmt.len,
                              m->fmts[i].fmt.p);
}

#endif
