/*
 * The offers and answers of RFC 3264 §9-§10 and RFC 4317, written for parley from the RFCs'
 * text (tests/data/sdp/rfc*.sdp), each asserted field by field and round-tripped.
 */
#include "test_sdp_util.h"

typedef struct exp_media {
    const char *media;
    unsigned port;
    const char *fmts; /* m= formats */
    const char *maps; /* a=rtpmap lines: "pt enc/rate" joined by '|' */
    parley_sdp_dir dir;
    int dir_explicit;
    const char *conn; /* media-level c= address, NULL when none */
} exp_media;

typedef struct exp_sdp {
    const char *file;
    const char *user, *sess_id;
    uint64_t version;
    const char *origin_addr, *conn, *name;
    size_t nmedia;
    exp_media m[4];
} exp_sdp;

#define ALICE(v)                                                                                   \
    "alice", "2890844526", v, "host.atlanta.example.com", "host.atlanta.example.com", ""
#define BOB(v)       "bob", "2808844564", v, "host.biloxi.example.com", "host.biloxi.example.com", ""
#define BOB_AT(v, c) "bob", "2808844564", v, "host.biloxi.example.com", c, ""
#define ALICE3(v)    "alice", "2890844526", v, "host.anywhere.com", "host.anywhere.com", ""
#define BOB3(v)      "bob", "2890844730", v, "host.example.com", "host.example.com", ""
#define SR           PARLEY_SDP_SENDRECV, 0
#define SO           PARLEY_SDP_SENDONLY, 1
#define RO           PARLEY_SDP_RECVONLY, 1
#define IN           PARLEY_SDP_INACTIVE, 1
#define A_PCMU_PCMA_ILBC                                                                           \
    {                                                                                              \
        "audio", 49170, "0 8 97", "0 PCMU/8000|8 PCMA/8000|97 iLBC/8000", SR, NULL                 \
    }
#define V_H261_MPV(p)                                                                              \
    {                                                                                              \
        "video", p, "31 32", "31 H261/90000|32 MPV/90000", SR, NULL                                \
    }
#define A_ILBC(p, pt)                                                                              \
    {                                                                                              \
        "audio", p, #pt, #pt " iLBC/8000", SR, NULL                                                \
    }
#define V_H261(p)                                                                                  \
    {                                                                                              \
        "video", p, "31", "31 H261/90000", SR, NULL                                                \
    }
#define A_PCMU(p)                                                                                  \
    {                                                                                              \
        "audio", p, "0", "0 PCMU/8000", SR, NULL                                                   \
    }
#define A_PCMU_ILBC(p)                                                                             \
    {                                                                                              \
        "audio", p, "0 97", "0 PCMU/8000|97 iLBC/8000", SR, NULL                                   \
    }
#define TE(p, dir)                                                                                 \
    {                                                                                              \
        "audio", p, "98", "98 telephone-event/8000", dir, NULL                                     \
    }

static const exp_sdp rfc4317[] = {
    {"rfc4317-2.1-offer", ALICE(2890844526), 2, {A_PCMU_PCMA_ILBC, V_H261_MPV(51372)}},
    {"rfc4317-2.1-answer",
     BOB(2808844564),
     2,
     {A_PCMU(49174), {"video", 49170, "32", "32 MPV/90000", SR, NULL}}},
    {"rfc4317-2.2-offer", ALICE(2890844526), 2, {A_PCMU_PCMA_ILBC, V_H261_MPV(51372)}},
    {"rfc4317-2.2-answer",
     BOB(2808844564),
     2,
     {{"audio", 49172, "0 8", "0 PCMU/8000|8 PCMA/8000", SR, NULL}, V_H261(0)}},
    {"rfc4317-2.2-offer2", ALICE(2890844527), 2, {A_PCMU(51372), V_H261(0)}},
    {"rfc4317-2.2-answer2", BOB(2808844565), 2, {A_PCMU(49172), V_H261(0)}},
    {"rfc4317-2.3-offer", ALICE(2890844526), 2, {A_PCMU_PCMA_ILBC, V_H261_MPV(51372)}},
    {"rfc4317-2.3-answer", BOB(2808844564), 2, {A_ILBC(49172, 99), V_H261(51374)}},
    {"rfc4317-2.4-offer", ALICE(2890844526), 2, {A_PCMU_ILBC(49170), TE(49172, SO)}},
    {"rfc4317-2.4-answer", BOB(2808844564), 2, {A_ILBC(49172, 97), TE(49174, RO)}},
    {"rfc4317-2.5-offer", ALICE(2890844526), 2, {A_ILBC(49170, 97), V_H261(51372)}},
    {"rfc4317-2.5-answer", BOB(2808844564), 2, {A_ILBC(49174, 97), V_H261(49170)}},
    {"rfc4317-2.5-offer2",
     BOB_AT(2808844565, "newhost.biloxi.example.com"),
     2,
     {A_ILBC(49178, 97), V_H261(49188)}},
    {"rfc4317-2.5-answer2", ALICE(2890844526), 2, {A_ILBC(49170, 97), V_H261(51372)}},
    {"rfc4317-2.6-offer",
     ALICE(2890844526),
     2,
     {A_PCMU(49170),
      {"audio", 51372, "97 101", "97 iLBC/8000|101 telephone-event/8000", SR, NULL}}},
    {"rfc4317-2.6-answer",
     BOB(2808844564),
     2,
     {A_PCMU(0), {"audio", 49170, "97 101", "97 iLBC/8000|101 telephone-event/8000", SR, NULL}}},
    {"rfc4317-2.7-offer", ALICE(2890844526), 2, {A_ILBC(49170, 99), V_H261(51372)}},
    {"rfc4317-2.7-answer", BOB(2808844564), 2, {A_ILBC(49172, 99), V_H261(51374)}},
    {"rfc4317-2.7-offer2", ALICE(2890844527), 2, {A_ILBC(49170, 99), V_H261_MPV(51372)}},
    {"rfc4317-2.7-answer2", BOB(2808844565), 2, {A_ILBC(49172, 99), V_H261_MPV(51374)}},
    {"rfc4317-2.8-offer", ALICE(2890844526), 2, {A_PCMU_PCMA_ILBC, V_H261_MPV(51372)}},
    {"rfc4317-2.8-answer",
     BOB(2808844564),
     2,
     {A_PCMU(49174), {"video", 49172, "32", "32 MPV/90000", SR, "otherhost.biloxi.example.com"}}},
    {"rfc4317-3.1-offer", ALICE(2890844526), 1, {A_PCMU_ILBC(49170)}},
    {"rfc4317-3.1-answer",
     BOB_AT(2808844564, "placeholder.biloxi.example.com"),
     1,
     {{"audio", 49172, "97", "97 iLBC/8000", SO, NULL}}},
    {"rfc4317-3.1-offer2", BOB(2808844565), 1, {A_ILBC(49170, 97)}},
    {"rfc4317-3.1-answer2", ALICE(2890844527), 1, {A_ILBC(49178, 97)}},
    {"rfc4317-3.2-offer", ALICE(2890844526), 2, {A_PCMU_ILBC(49170), TE(49172, SO)}},
    {"rfc4317-3.2-answer", BOB(2808844564), 2, {A_ILBC(49172, 97), TE(49174, RO)}},
    {"rfc4317-3.2-offer2",
     BOB(2808844565),
     2,
     {{"audio", 49172, "97", "97 iLBC/8000", SO, NULL}, TE(49174, RO)}},
    {"rfc4317-3.2-answer2", ALICE(2890844527), 2, {A_PCMU_ILBC(49170), TE(49172, SO)}},
    {"rfc4317-4.1-offer", ALICE(2890844526), 1, {A_PCMU_ILBC(49170)}},
    {"rfc4317-4.1-answer", BOB(2808844564), 1, {A_ILBC(49170, 97)}},
    {"rfc4317-4.1-offer2",
     BOB(2808844565),
     2,
     {A_ILBC(49170, 97),
      {"audio", 48282, "98", "98 telephone-event/8000", RO, "mediaserver.biloxi.example.com"}}},
    {"rfc4317-4.1-answer2",
     ALICE(2890844527),
     2,
     {A_ILBC(49170, 97),
      {"audio", 49172, "98", "98 telephone-event/8000", SO, "host.atlanta.example.com"}}},
    {"rfc4317-4.2-offer", ALICE(2890844526), 1, {A_PCMU(49170)}},
    {"rfc4317-4.2-answer", BOB(2808844564), 1, {A_PCMU(49172)}},
    {"rfc4317-4.2-offer2", ALICE(2890844527), 2, {A_PCMU(49170), V_H261(49172)}},
    {"rfc4317-4.2-answer2", BOB(2808844565), 2, {A_PCMU(49172), V_H261(49168)}},
    {"rfc4317-4.3-offer", ALICE(2890844526), 2, {A_ILBC(49170, 97), V_H261(51372)}},
    {"rfc4317-4.3-answer", BOB(2808844564), 2, {A_ILBC(49174, 97), V_H261(49170)}},
    {"rfc4317-4.3-offer2", BOB(2808844565), 2, {A_ILBC(49174, 97), V_H261(0)}},
    {"rfc4317-4.3-answer2", ALICE(2890844527), 2, {A_ILBC(49170, 97), V_H261(0)}},
    {"rfc4317-5.1-offer", ALICE(2890844526), 0, {{NULL}}},
    {"rfc4317-5.1-answer", BOB(2808844564), 0, {{NULL}}},
    {"rfc4317-5.1-offer2", ALICE(2890844527), 1, {A_ILBC(49170, 97)}},
    {"rfc4317-5.1-answer2", BOB(2808844565), 1, {A_ILBC(49172, 97)}},
    {"rfc4317-5.2-offer",
     "alice",
     "2890844526",
     2890844526,
     "host.atlanta.example.com",
     "0.0.0.0",
     "",
     1,
     {A_ILBC(23442, 97)}},
    {"rfc4317-5.2-answer", BOB(2808844564), 1, {A_ILBC(49170, 97)}},
    {"rfc4317-5.2-offer2", ALICE(2890844527), 1, {A_ILBC(49170, 97)}},
    {"rfc4317-5.2-answer2", BOB(2808844564), 1, {A_ILBC(49170, 97)}},
    {"rfc4317-5.3-offer", ALICE(2890844526), 1, {A_ILBC(49170, 97)}},
    {"rfc4317-5.3-answer", BOB_AT(2808844564, "0.0.0.0"), 1, {A_ILBC(9322, 97)}},
    {"rfc4317-5.3-offer2", BOB(2808844565), 1, {A_ILBC(49172, 97)}},
    {"rfc4317-5.3-answer2", ALICE(2890844526), 1, {A_ILBC(49170, 97)}},
};

static const exp_sdp rfc3264[] = {
    {"rfc3264-9-capabilities",
     "carol",
     "28908764872",
     28908764872u,
     "100.3.6.6",
     "192.0.2.4",
     "-",
     2,
     {{"audio", 0, "0 1 3", "0 PCMU/8000|1 1016/8000|3 GSM/8000", SR, NULL},
      {"video", 0, "31 34", "31 H261/90000|34 H263/90000", SR, NULL}}},
    {"rfc3264-10.1-offer",
     ALICE3(2890844526),
     3,
     {A_PCMU(49170), V_H261(51372), {"video", 53000, "32", "32 MPV/90000", SR, NULL}}},
    {"rfc3264-10.1-answer",
     BOB3(2890844730),
     3,
     {A_PCMU(49920),
      {"video", 0, "31", "", SR, NULL},
      {"video", 53000, "32", "32 MPV/90000", SR, NULL}}},
    {"rfc3264-10.1-offer2",
     BOB3(2890844731),
     4,
     {A_PCMU(65422),
      {"video", 0, "31", "", SR, NULL},
      {"video", 53000, "32", "32 MPV/90000", SR, NULL},
      {"audio", 51434, "110", "110 telephone-events/8000", RO, NULL}}},
    {"rfc3264-10.1-answer2",
     ALICE3(2890844527),
     4,
     {A_PCMU(49170),
      V_H261(0),
      {"video", 53000, "32", "32 MPV/90000", SR, NULL},
      {"audio", 53122, "110", "110 telephone-events/8000", SO, NULL}}},
    {"rfc3264-10.2-offer",
     ALICE3(2890844526),
     1,
     {{"audio", 62986, "0 4 18", "0 PCMU/8000|4 G723/8000|18 G729/8000", IN, NULL}}},
    {"rfc3264-10.2-answer",
     BOB3(2890844731),
     1,
     {{"audio", 54344, "0 4", "0 PCMU/8000|4 G723/8000", IN, NULL}}},
    {"rfc3264-10.2-offer2",
     ALICE3(2890844527),
     1,
     {{"audio", 62986, "4", "4 G723/8000", PARLEY_SDP_SENDRECV, 1, NULL}}},
    {"rfc3264-10.2-answer2",
     BOB3(2890844732),
     1,
     {{"audio", 54344, "4", "4 G723/8000", PARLEY_SDP_SENDRECV, 1, NULL}}},
};

static void check(const exp_sdp *x)
{
    parley_sdp *s = ts_parse_file(x->file);
    char buf[256];
    assert_int_equal(s->version, 0);
    assert_slice_equal(s->origin.username, x->user);
    assert_slice_equal(s->origin.sess_id, x->sess_id);
    if (s->origin.sess_version != x->version)
        fail_msg("%s: version %llu", x->file, (unsigned long long)s->origin.sess_version);
    assert_slice_equal(s->origin.nettype, "IN");
    assert_slice_equal(s->origin.addrtype, "IP4");
    assert_slice_equal(s->origin.address, x->origin_addr);
    assert_slice_equal(s->name, x->name);
    assert_non_null(s->conn);
    assert_slice_equal(s->conn->nettype, "IN");
    assert_slice_equal(s->conn->addrtype, "IP4");
    assert_slice_equal(s->conn->address, x->conn);
    assert_int_equal(s->conn->ttl, -1);
    assert_int_equal(s->conn->count, 0);
    assert_int_equal(s->ntimes, 1);
    assert_true(s->times[0].start == 0 && s->times[0].stop == 0);
    assert_int_equal(s->nattrs, 0);
    assert_int_equal(s->dir, PARLEY_SDP_DIR_UNSET);
    assert_null(s->info.p);
    assert_null(s->uri.p);
    assert_int_equal(s->nemails + s->nphones + s->nbw + s->nothers, 0);
    if (s->nmedia != x->nmedia)
        fail_msg("%s: %zu media", x->file, s->nmedia);
    for (size_t i = 0; i < x->nmedia; i++) {
        const parley_sdp_media *m = &s->media[i];
        const exp_media *e = &x->m[i];
        assert_slice_equal(m->media, e->media);
        if (m->port != e->port)
            fail_msg("%s: m[%zu] port %u", x->file, i, m->port);
        assert_int_equal(m->nports, 0);
        assert_slice_equal(m->proto, "RTP/AVP");
        ts_fmts(m, buf, sizeof(buf));
        assert_string_equal(buf, e->fmts);
        ts_maps(m, buf, sizeof(buf));
        assert_string_equal(buf, e->maps);
        for (size_t f = 0; f < m->nfmts; f++) {
            assert_true(m->fmts[f].pt >= 0 && m->fmts[f].pt < 128);
            assert_true(m->fmts[f].encoding.len > 0); /* rtpmap or the static table */
            assert_null(m->fmts[f].fmtp.p);
        }
        assert_int_equal(m->dir, e->dir);
        assert_int_equal(m->dir_explicit, e->dir_explicit);
        if (e->conn) {
            assert_int_equal(m->nconns, 1);
            assert_slice_equal(m->conns[0].address, e->conn);
        } else {
            assert_int_equal(m->nconns, 0);
        }
        size_t maps = e->maps[0] ? 1 : 0;
        for (const char *c = e->maps; *c; c++)
            maps += *c == '|';
        assert_int_equal(m->nattrs, maps + (size_t)e->dir_explicit);
        assert_int_equal(m->ptime + m->maxptime + m->rtcp_port + (unsigned)m->rtcp_mux, 0);
    }
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_rfc4317_examples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4317) / sizeof(rfc4317[0]); i++)
        check(&rfc4317[i]);
}

static void test_rfc3264_examples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc3264) / sizeof(rfc3264[0]); i++)
        check(&rfc3264[i]);
}

/* The RFC 3264 §10.2 answer carries no rtpmap for the static type it lists in §10.1's answer:
 * the encoding still comes from the RFC 3551 table. */
static void test_static_type_without_rtpmap(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse_file("rfc3264-10.1-answer");
    const parley_sdp_format *f = &s->media[1].fmts[0];
    assert_int_equal(f->pt, 31);
    assert_int_equal(f->has_rtpmap, 0);
    assert_slice_equal(f->encoding, "H261");
    assert_int_equal(f->rate, 90000);
    parley_sdp_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4317_examples),
        cmocka_unit_test(test_rfc3264_examples),
        cmocka_unit_test(test_static_type_without_rtpmap),
    };
    return cmocka_run_group_tests_name("sdp_rfc", tests, NULL, NULL);
}
