/*
 * The parser's one-pass reading of the usual form (src/sdp/parse_fast.c) against the general
 * two passes: same result, same fault, same model, for every test description, for edits of a
 * usual offer that leave the usual form, and for every prefix of it.
 */
#include <dirent.h>

#include "sdp/parse_int.h"
#include "test_sdp_util.h"

static const char offer[] = "v=0\r\n"
                            "o=sipp 5366 2353687637 IN IP4 127.0.0.1\r\n"
                            "s=-\r\n"
                            "c=IN IP4 127.0.0.1\r\n"
                            "t=0 0\r\n"
                            "m=audio 6000 RTP/AVP 0 8 101 96\r\n"
                            "a=rtpmap:0 PCMU/8000\r\n"
                            "a=rtpmap:8 PCMA/8000\r\n"
                            "a=rtpmap:101 telephone-event/8000\r\n"
                            "a=fmtp:101 0-15\r\n"
                            "a=rtpmap:96 opus/48000/2\r\n"
                            "a=ptime:20\r\n"
                            "a=rtcp-mux\r\n"
                            "a=sendrecv\r\n";

static bool slice_in(pl_str s, pl_str data)
{
    return !s.p || (s.p >= data.p && s.p + s.len <= data.p + data.len);
}

/* Every slice of s points into its own copy of the text (or is absent, or a static name). */
static void assert_slices_inside(const parley_sdp *s)
{
    pl_str data = sdp_doc_of(s)->data;
    const parley_sdp_origin *o = &s->origin;
    assert_true(slice_in(o->username, data) && slice_in(o->sess_id, data) &&
                slice_in(o->nettype, data) && slice_in(o->addrtype, data) &&
                slice_in(o->address, data));
    assert_true(!s->name.len || slice_in(s->name, data));
    for (size_t i = 0; i < s->nattrs; i++)
        assert_true(slice_in(s->attrs[i].name, data) && slice_in(s->attrs[i].value, data));
    if (s->conn)
        assert_true(slice_in(s->conn->address, data));
    for (size_t i = 0; i < s->nmedia; i++) {
        const parley_sdp_media *m = &s->media[i];
        assert_true(slice_in(m->media, data) && slice_in(m->proto, data) &&
                    slice_in(m->rtcp_addr, data));
        for (size_t k = 0; k < m->nfmts; k++) {
            const parley_sdp_format *f = &m->fmts[k];
            assert_true(slice_in(f->fmt, data) && slice_in(f->enc_params, data) &&
                        slice_in(f->fmtp, data));
            assert_true(!f->has_rtpmap || slice_in(f->encoding, data));
        }
        for (size_t k = 0; k < m->nattrs; k++)
            assert_true(slice_in(m->attrs[k].name, data) && slice_in(m->attrs[k].value, data));
        for (size_t k = 0; k < m->nconns; k++)
            assert_true(slice_in(m->conns[k].address, data));
    }
}

/* Both readings of text[0..len) agree; returns whether the one pass took it. */
static bool assert_same(const char *text, size_t len)
{
    parley_sdp *a = NULL, *b = NULL, *f = NULL;
    parley_parse_error ea, eb;
    parley_sdp_limits lim = PARLEY_SDP_LIMITS_INIT;
    bool took = sdp_parse_fast(text, len, &lim, &f) == 0;
    parley_sdp_free(f);
    int ra = sdp_doc_parse(text, len, NULL, &a, &ea);
    int rb = sdp_doc_parse_general(text, len, NULL, &b, &eb);
    if (ra != rb)
        fail_msg("one pass %d, two passes %d for:\n%.*s", ra, rb, (int)len, text);
    if (ra) {
        assert_int_equal(ea.offset, eb.offset);
        assert_string_equal(ea.reason, eb.reason);
        assert_string_equal(ea.what, eb.what);
        assert_false(took);
        return false;
    }
    if (!sdp_equal(a, b, 0))
        fail_msg("the readings differ for:\n%.*s", (int)len, text);
    assert_int_equal(a->name.p == NULL, b->name.p == NULL);
    char *pa = ts_print(a), *pb = ts_print(b);
    assert_string_equal(pa, pb);
    assert_slices_inside(a);
    free(pa);
    free(pb);
    parley_sdp_free(a);
    parley_sdp_free(b);
    return took;
}

static void test_usual_offer_takes_one_pass(void **state)
{
    (void)state;
    assert_true(assert_same(offer, strlen(offer)));
    /* the description does not keep pointers into the caller's text */
    char *copy = strdup(offer);
    parley_sdp *s = NULL;
    assert_int_equal(parley_sdp_parse(copy, strlen(copy), NULL, &s, NULL), 0);
    memset(copy, 'x', strlen(copy));
    free(copy);
    assert_slices_inside(s);
    assert_int_equal(s->media[0].nfmts, 4);
    assert_slice_equal(s->media[0].fmts[3].encoding, "opus");
    assert_int_equal(s->media[0].fmts[3].channels, 2);
    assert_slice_equal(s->media[0].fmts[2].fmtp, "0-15");
    assert_int_equal(s->media[0].ptime, 20);
    assert_int_equal(s->media[0].rtcp_mux, 1);
    assert_int_equal(s->media[0].dir, PARLEY_SDP_SENDRECV);
    assert_int_equal(s->media[0].dir_explicit, 1);
    parley_sdp_free(s);
}

static void test_every_file_reads_alike(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/sdp", PARLEY_TEST_DATA);
    DIR *d = opendir(dir);
    assert_non_null(d);
    unsigned n = 0, one_pass = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".sdp") != 0)
            continue;
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(l - 4), e->d_name);
        size_t len = 0;
        char *t = ts_read(name, &len);
        one_pass += assert_same(t, len);
        free(t);
        n++;
    }
    closedir(d);
    assert_true(n >= 60);
    assert_true(one_pass >= 10); /* the RFC 3264/4317 examples are mostly of the usual form */
}

/* Replaces the first `from` in offer by `to`. */
static char *edit(const char *from, const char *to)
{
    const char *at = strstr(offer, from);
    assert_non_null(at);
    size_t n = strlen(offer) - strlen(from) + strlen(to);
    char *r = malloc(n + 1);
    size_t head = (size_t)(at - offer);
    memcpy(r, offer, head);
    strcpy(r + head, to);
    strcat(r, at + strlen(from));
    return r;
}

static void test_edits_read_alike(void **state)
{
    (void)state;
    static const char *const edits[][2] = {
        {"s=-\r\n", "s=- \r\n"},              /* trailing blank */
        {"s=-\r\n", "s=\r\n"},                /* empty name */
        {"s=-\r\n", ""},                      /* no s= */
        {"s=-\r\n", "s=a\rb\r\n"},            /* bare CR */
        {"t=0 0\r\n", ""},                    /* no t= */
        {"t=0 0\r\n", "t=0 0\r\nt=0 0\r\n"},  /* two t= */
        {"t=0 0", "t=3034423619 3042462419"}, /* times */
        {"c=IN IP4 127.0.0.1\r\n", ""},       /* no c= for an active stream */
        {"c=IN IP4 127.0.0.1\r\n", "c=IN IP4 127.0.0.1\r\nc=IN IP4 127.0.0.1\r\n"},
        {"c=IN IP4 127.0.0.1", "c=in ip4 127.0.0.1"},     /* case */
        {"c=IN IP4 127.0.0.1", "c=IN IP4 127.0.0.1/127"}, /* ttl */
        {"c=IN IP4 127.0.0.1", "c=IN IP4 127.0.0.1.5"},
        {"c=IN IP4 127.0.0.1", "c=IN IP4 127.0.0.1a"},
        {"c=IN IP4 127.0.0.1", "c=IN IP4 1270.0.0.1"},
        {"c=IN IP4 127.0.0.1", "c=IN IP4 256.0.0.1"},
        {"c=IN IP4 127.0.0.1", "c=IN IP4 host.example"},
        {"c=IN IP4 127.0.0.1", "c=IN IP6 ::1"},
        {"o=sipp 5366", "o=sipp  5366"}, /* two blanks */
        {"o=sipp 5366", "o=sipp\t5366"}, /* tab */
        {"o=sipp 5366 2353687637", "o=sipp 5366 123456789012345678901"},
        {"o=sipp 5366 2353687637", "o=sipp 5366 18446744073709551615"},
        {"o=sipp 5366", "o=sipp 53x6"},
        {"o=sipp", "o=s\x7fpp"},
        {"v=0\r\n", "v=00\r\n"},
        {"v=0\r\n", "v=0\r\nv=0\r\n"},
        {"v=0\r\n", "\r\nv=0\r\n"}, /* empty line */
        {"m=audio 6000", "m=audio 6000/2"},
        {"m=audio 6000", "m=audio 0"},
        {"m=audio 6000", "m=audio 65536"},
        {"RTP/AVP 0 8", "RTP/SAVP 0 8"},
        {"RTP/AVP 0 8", "RTP/AVP 0 0"}, /* listed twice */
        {"RTP/AVP 0 8", "RTP/AVP 0 128"},
        {"RTP/AVP 0 8", "RTP/AVP 0 x"},
        {"101 96\r\n", "101 96 \r\n"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU/8000/1"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU/8000/"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU/8000 x"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:0  PCMU/8000"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:9 G722/8000"}, /* not on the m= line */
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000"}, /* repeated */
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:x PCMU/8000"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU/4294967296"},
        {"a=rtpmap:0 PCMU/8000", "a=rtpmap: 0 PCMU/8000"},
        {"a=fmtp:101 0-15", "a=fmtp:101"},
        {"a=fmtp:101 0-15", "a=fmtp:101 "},
        {"a=fmtp:101 0-15", "a=fmtp:101  0-15"},
        {"a=fmtp:101 0-15", "a=fmtp:101 0-15\r\na=fmtp:101 0-16"},
        {"a=fmtp:101 0-15", "a=fmtp:7 x"},
        {"a=fmtp:101 0-15", "a=fmtp:x y"},
        {"a=ptime:20", "a=ptime:20.5"},
        {"a=ptime:20", "a=ptime: 20"},
        {"a=ptime:20", "a=ptime:100001"},
        {"a=ptime:20", "a=ptime:"},
        {"a=ptime:20", "a=maxptime:40"},
        {"a=ptime:20", "a=rtcp:6001 IN IP4 127.0.0.1"},
        {"a=ptime:20", "a=ssrc:1 cname:x"},
        {"a=ptime:20", "a=x y"},
        {"a=sendrecv", "a=sendrecv\r\na=recvonly"},
        {"a=sendrecv", "a=sendrecv:x"},
        {"a=sendrecv", "a=sendrecvx"},
        {"a=sendrecv", "a=inactive"},
        {"t=0 0\r\n", "t=0 0\r\na=sendonly\r\na=group:BUNDLE 0\r\n"}, /* session attributes */
        {"t=0 0\r\n", "t=0 0\r\nb=AS:64\r\n"},
        {"t=0 0\r\n", "t=0 0\r\nm=video 0 RTP/AVP 31\r\n"},
        {"a=sendrecv\r\n", "a=sendrecv\r\nm=video 7000 RTP/AVP 31\r\nc=IN IP4 10.0.0.1\r\n"},
        {"a=sendrecv\r\n", "a=sendrecv\r\ns=x\r\n"}, /* session line in media */
        {"a=sendrecv\r\n", "a=sendrecv\r\ni=info\r\n"},
        {"a=sendrecv\r\n", "a=sendrecv"},   /* no line end */
        {"a=sendrecv\r\n", "a=sendrecv\r"}, /* lone CR at the end */
        {"a=sendrecv\r\n", "a=sendrecv\n"},
        {"a=sendrecv\r\n", "a=sendrecv\r\r\n"},
        {"\r\n", "\n"},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        char *t = edit(edits[i][0], edits[i][1]);
        assert_same(t, strlen(t));
        free(t);
    }
}

static void test_every_prefix_reads_alike(void **state)
{
    (void)state;
    for (size_t n = 0; n <= strlen(offer); n++)
        assert_same(offer, n);
}

static void test_limits_read_alike(void **state)
{
    (void)state;
    const parley_sdp_limits tight[] = {{0, 20, 0, 0, 0}, {0, 0, 5, 0, 0}, {0, 0, 0, 0, 3}};
    for (size_t i = 0; i < sizeof(tight) / sizeof(tight[0]); i++) {
        parley_sdp *a = NULL, *b = NULL;
        parley_parse_error ea, eb;
        int ra = sdp_doc_parse(offer, strlen(offer), &tight[i], &a, &ea);
        int rb = sdp_doc_parse_general(offer, strlen(offer), &tight[i], &b, &eb);
        assert_int_equal(ra, PARLEY_E_LIMIT);
        assert_int_equal(rb, PARLEY_E_LIMIT);
        assert_int_equal(ea.offset, eb.offset);
        assert_string_equal(ea.reason, eb.reason);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usual_offer_takes_one_pass),
        cmocka_unit_test(test_every_file_reads_alike),
        cmocka_unit_test(test_edits_read_alike),
        cmocka_unit_test(test_every_prefix_reads_alike),
        cmocka_unit_test(test_limits_read_alike),
    };
    return cmocka_run_group_tests_name("sdp_fast", tests, NULL, NULL);
}
