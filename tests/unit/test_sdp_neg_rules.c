/*
 * Negotiator rules beyond the RFC examples: the flows of the session's offer/answer contract
 * (offer in INVITE, offer in the 2xx with the answer in the ACK, re-offers either way, glare),
 * refusals, the checks on answers, the o= version rule, hold and resume, payload numbering,
 * argument checks and allocation failure on every step.
 */
#include "test_sdp_util.h"

static const parley_sdp_codec PCMU = {0, NULL, 0, 0, NULL};
static const parley_sdp_codec PCMA = {8, NULL, 0, 0, NULL};
static const parley_sdp_codec G722 = {9, NULL, 0, 0, NULL};
static const parley_sdp_codec OPUS = {111, "opus", 48000, 2, "useinbandfec=1"};
static const parley_sdp_codec TE101 = {101, "telephone-event", 8000, 0, "0-16"};
static const parley_sdp_codec H264_1 = {96, "H264", 90000, 0, "packetization-mode=1"};

#define CODECS(...)  ((const parley_sdp_codec[]){__VA_ARGS__})
#define NCODECS(...) (sizeof((const parley_sdp_codec[]){__VA_ARGS__}) / sizeof(parley_sdp_codec))
#define STREAM(m, p, ...)                                                                          \
    ((parley_sdp_stream_cfg){.media = (m),                                                         \
                             .port = (p),                                                          \
                             .codecs = CODECS(__VA_ARGS__),                                        \
                             .ncodecs = NCODECS(__VA_ARGS__)})

static parley_sdp_neg *mk(const char *addr, const parley_sdp_stream_cfg *st, size_t n)
{
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.addr = addr;
    c.sess_id = 42;
    c.sess_version = 1;
    c.streams = st;
    c.nstreams = n;
    parley_sdp_neg *neg = NULL;
    assert_int_equal(parley_sdp_neg_create(&c, &neg), 0);
    return neg;
}

typedef struct text {
    const char *p;
    size_t len;
} text;

static text offer(parley_sdp_neg *n)
{
    const uint8_t *b = NULL;
    size_t len = 0;
    assert_int_equal(parley_sdp_neg_offer(n, &b, &len), 0);
    return (text){(const char *)b, len};
}

static int answer_rc(parley_sdp_neg *n, text o, text *out, parley_sdp_changes *ch)
{
    const uint8_t *b = NULL;
    size_t len = 0;
    int rc = parley_sdp_neg_answer(n, o.p, o.len, &b, &len, ch);
    if (out)
        *out = (text){(const char *)b, len};
    return rc;
}

static text answer(parley_sdp_neg *n, text o, parley_sdp_changes *ch)
{
    text a;
    assert_int_equal(answer_rc(n, o, &a, ch), 0);
    return a;
}

static text lit(const char *s)
{
    return (text){s, strlen(s)};
}

/* Copies a handed-out text (valid only until the negotiator's next call). */
static char *keep(text t)
{
    return strndup(t.p, t.len);
}

static parley_sdp *parse(text t)
{
    char *c = keep(t);
    parley_sdp *s = ts_parse(c);
    free(c);
    return s;
}

static uint64_t version_of(text t)
{
    parley_sdp *s = parse(t);
    uint64_t v = s->origin.sess_version;
    parley_sdp_free(s);
    return v;
}

static parley_sdp_dir stream_dir(const parley_sdp_neg *n, unsigned i)
{
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(n, i, &st), 0);
    return st.dir;
}

#define HEAD "v=0\r\no=peer 7 7 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n"

/* ---- the session's flows ---- */

static void test_offer_in_invite_flow(void **state)
{
    (void)state;
    parley_sdp_stream_cfg uac_s[] = {STREAM("audio", 4000, OPUS, PCMU, TE101)};
    parley_sdp_stream_cfg uas_s[] = {STREAM("audio", 5000, PCMA, PCMU, TE101)};
    parley_sdp_neg *uac = mk("192.0.2.1", uac_s, 1), *uas = mk("192.0.2.2", uas_s, 1);
    assert_int_equal(parley_sdp_neg_stream_count(uac), 0);
    assert_null(parley_sdp_neg_local(uac));
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(uac, 0, &st), PARLEY_E_NOTFOUND);
    char *o = keep(offer(uac)); /* get_offer -> INVITE */
    parley_sdp_changes c1, c2;
    text a = answer(uas, lit(o), &c1);                                    /* get_answer -> 200 */
    assert_int_equal(parley_sdp_neg_set_answer(uac, a.p, a.len, &c2), 0); /* set_answer */
    /* the offerer's order and numbers: PCMU then telephone-event (opus is not shared) */
    parley_sdp *as = parse(a);
    char buf[128];
    ts_maps(&as->media[0], buf, sizeof(buf));
    assert_string_equal(buf, "0 PCMU/8000|101 telephone-event/8000");
    assert_slice_equal(as->media[0].fmts[1].fmtp, "0-16");
    parley_sdp_free(as);
    assert_int_equal(c1.stream[0], PARLEY_SDP_CHG_ADDED);
    assert_int_equal(c2.stream[0], PARLEY_SDP_CHG_ADDED);
    assert_int_equal(parley_sdp_neg_stream(uac, 0, &st), 0);
    assert_int_equal(st.ncodecs, 2);
    assert_slice_equal(st.codecs[0].encoding, "PCMU");
    assert_slice_equal(st.remote_addr, "192.0.2.2");
    assert_int_equal(st.remote_port, 5000);
    free(o);
    parley_sdp_neg_free(uac);
    parley_sdp_neg_free(uas);
}

static void test_null_offer_flow(void **state)
{
    (void)state;
    /* INVITE without a body: the UAS offers in the 200, the UAC answers in the ACK. */
    parley_sdp_stream_cfg uac_s[] = {STREAM("audio", 4000, PCMU)};
    parley_sdp_stream_cfg uas_s[] = {STREAM("audio", 5000, PCMA, PCMU),
                                     STREAM("video", 5002, H264_1)};
    parley_sdp_neg *uac = mk("192.0.2.1", uac_s, 1), *uas = mk("192.0.2.2", uas_s, 2);
    char *o = keep(offer(uas));                            /* get_offer at the UAS -> 200 */
    assert_int_equal(parley_sdp_neg_stream_count(uas), 0); /* nothing negotiated yet */
    parley_sdp_changes cu, cs;
    text a = answer(uac, lit(o), &cu); /* offer_in_response -> get_answer -> ACK */
    assert_int_equal(cu.stream[0], PARLEY_SDP_CHG_ADDED);
    assert_int_equal(cu.stream[1], 0); /* no video here: rejected */
    assert_int_equal(parley_sdp_neg_set_answer(uas, a.p, a.len, &cs), 0); /* set_answer */
    assert_int_equal(cs.nstreams, 2);
    assert_int_equal(cs.stream[0], PARLEY_SDP_CHG_ADDED);
    assert_int_equal(cs.stream[1], 0);
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(uas, 1, &st), 0);
    assert_int_equal(st.active, 0);
    assert_int_equal(st.ncodecs, 0);
    free(o);
    parley_sdp_neg_free(uac);
    parley_sdp_neg_free(uas);
}

static void test_reinvite_without_offer(void **state)
{
    (void)state;
    /* The peer re-INVITEs without an offer: we offer in the 200 (same content: same version),
     * the answer comes in the ACK. */
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    parley_sdp_neg *a = mk("192.0.2.1", s, 1), *b = mk("192.0.2.2", s, 1);
    char *o1 = keep(offer(a));
    text an = answer(b, lit(o1), NULL);
    assert_int_equal(parley_sdp_neg_set_answer(a, an.p, an.len, NULL), 0);
    text o2 = offer(a);
    /* identical text */
    assert_int_equal(o2.len, strlen(o1));
    assert_int_equal(memcmp(o2.p, o1, o2.len), 0);
    char *o2c = keep(o2);
    parley_sdp_changes c;
    an = answer(b, lit(o2c), &c);
    assert_int_equal(c.flags, 0);
    assert_int_equal(parley_sdp_neg_set_answer(a, an.p, an.len, &c), 0);
    assert_int_equal(c.flags, 0);
    free(o1);
    free(o2c);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_glare_and_rollback(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    parley_sdp_neg *a = mk("192.0.2.1", s, 1), *b = mk("192.0.2.2", s, 1);
    char *o = keep(offer(a));
    text an = answer(b, lit(o), NULL);
    assert_int_equal(parley_sdp_neg_set_answer(a, an.p, an.len, NULL), 0);
    free(o);
    /* both re-offer at once (hold on one side, a new address on the other) */
    assert_int_equal(parley_sdp_neg_set_dir(a, -1, PARLEY_SDP_SENDONLY), 0);
    char *oa = keep(offer(a));
    assert_int_equal(parley_sdp_neg_set_addr(b, -1, "192.0.2.22", 0), 0);
    char *ob = keep(offer(b));
    /* A wins: B answers A's offer, which drops B's own */
    parley_sdp_changes cb;
    an = answer(b, lit(oa), &cb);
    assert_int_equal(cb.hold, PARLEY_SDP_HOLD_REMOTE);
    assert_int_equal(parley_sdp_neg_set_answer(b, an.p, an.len, NULL), PARLEY_E_STATE);
    char *anc = keep(an);
    assert_int_equal(parley_sdp_neg_set_answer(a, anc, strlen(anc), NULL), 0);
    assert_int_equal(stream_dir(a, 0), PARLEY_SDP_SENDONLY);
    /* B's refused offer is dropped; its next offer still carries the new address, with a
     * version above every one it sent (the offer, then the answer) */
    assert_int_equal(parley_sdp_neg_rollback(b), PARLEY_E_STATE);
    uint64_t answered = version_of(lit(anc));
    assert_true(answered == version_of(lit(ob)) + 1);
    text ob2 = offer(b);
    assert_true(version_of(ob2) == answered + 1);
    assert_int_equal(parley_sdp_neg_rollback(b), 0);
    assert_int_equal(parley_sdp_neg_rollback(b), PARLEY_E_STATE);
    const parley_sdp *lb = parley_sdp_neg_local(b);
    assert_slice_equal(lb->conn->address, "192.0.2.22"); /* the answer carried it already */
    free(oa);
    free(ob);
    free(anc);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

/* ---- refusals ---- */

static void test_no_common_codec_is_refused(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, G722, TE101)};
    parley_sdp_neg *n = mk("192.0.2.1", s, 1);
    text out;
    /* telephone-event alone carries no media: still refused */
    assert_int_equal(answer_rc(n,
                               lit(HEAD "m=audio 6000 RTP/AVP 0 101\r\n"
                                        "a=rtpmap:101 telephone-event/8000\r\n"),
                               &out, NULL),
                     PARLEY_E_UNSUPPORTED);
    assert_int_equal(answer_rc(n, lit(HEAD "m=video 6000 RTP/AVP 31\r\n"), &out, NULL),
                     PARLEY_E_UNSUPPORTED);
    assert_int_equal(answer_rc(n, lit(HEAD "m=audio 6000 RTP/SAVP 9\r\n"), &out, NULL),
                     PARLEY_E_UNSUPPORTED);              /* no SRTP here */
    assert_int_equal(parley_sdp_neg_stream_count(n), 0); /* nothing negotiated */
    /* a later acceptable offer works, and an offer with no active stream is answered */
    text a = answer(n, lit(HEAD "m=audio 6000 RTP/AVP 9\r\n"), NULL);
    assert_true(a.len > 0);
    assert_int_equal(parley_sdp_neg_stream_count(n), 1);
    assert_int_equal(answer_rc(n, lit(HEAD "m=audio 0 RTP/AVP 9\r\n"), &out, NULL), 0);
    parley_sdp_neg_free(n);
}

static void test_h264_needs_the_same_packetization_mode(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("video", 4000, H264_1)};
    parley_sdp_neg *n = mk("192.0.2.1", s, 1);
    text out;
    assert_int_equal(answer_rc(n,
                               lit(HEAD "m=video 6000 RTP/AVP 100\r\n"
                                        "a=rtpmap:100 H264/90000\r\n"
                                        "a=fmtp:100 profile-level-id=42e01f\r\n"),
                               &out, NULL),
                     PARLEY_E_UNSUPPORTED);
    out = answer(n,
                 lit(HEAD "m=video 6000 RTP/AVP 100 101\r\na=rtpmap:100 H264/90000\r\n"
                          "a=fmtp:100 profile-level-id=42e01f\r\na=rtpmap:101 H264/90000\r\n"
                          "a=fmtp:101 profile-level-id=42e01f;packetization-mode=1\r\n"),
                 NULL);
    parley_sdp *s2 = parse(out);
    assert_int_equal(s2->media[0].nfmts, 1);
    assert_int_equal(s2->media[0].fmts[0].pt, 101);
    assert_slice_equal(s2->media[0].fmts[0].fmtp, "packetization-mode=1");
    parley_sdp_free(s2);
    parley_sdp_neg_free(n);
}

static void test_bad_offers(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU), STREAM("video", 4002, H264_1)};
    parley_sdp_neg *n = mk("192.0.2.1", s, 2);
    text out;
    assert_int_equal(answer_rc(n, lit("v=0\r\nbad\r\n"), &out, NULL), PARLEY_E_PARSE);
    assert_int_equal(answer_rc(n, (text){NULL, 4}, &out, NULL), PARLEY_E_INVAL);
    char big[4096];
    size_t len = (size_t)snprintf(big, sizeof(big), "%s", HEAD);
    for (int i = 0; i < PARLEY_SDP_MAX_STREAMS + 1; i++)
        len += (size_t)snprintf(big + len, sizeof(big) - len, "m=audio %d RTP/AVP 0\r\n",
                                6000 + 2 * i);
    assert_int_equal(answer_rc(n, lit(big), &out, NULL), PARLEY_E_LIMIT);
    /* an established session: m= lines cannot disappear or change type while active */
    answer(n,
           lit(HEAD "m=audio 6000 RTP/AVP 0\r\nm=video 6002 RTP/AVP 96\r\n"
                    "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"),
           NULL);
    assert_int_equal(answer_rc(n, lit(HEAD "m=audio 6000 RTP/AVP 0\r\n"), &out, NULL),
                     PARLEY_E_UNUSABLE);
    assert_int_equal(
        answer_rc(n, lit(HEAD "m=audio 6000 RTP/AVP 0\r\nm=audio 6002 RTP/AVP 0\r\n"), &out, NULL),
        PARLEY_E_UNUSABLE);
    assert_int_equal(parley_sdp_neg_stream_count(n), 2);
    /* a removed line may come back with another media type (RFC 3264 §8.1) */
    answer(n, lit(HEAD "m=audio 6000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n"), NULL);
    text a = answer(n, lit(HEAD "m=audio 6000 RTP/AVP 0\r\nm=audio 6002 RTP/AVP 0\r\n"), NULL);
    parley_sdp *as = parse(a);
    assert_int_equal(as->media[1].port, 0); /* our only audio stream is on line 0 */
    parley_sdp_free(as);
    parley_sdp_neg_free(n);
}

/* ---- checking answers ---- */

static void test_answer_checks(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU, OPUS), STREAM("video", 4002, H264_1)};
    static const struct {
        const char *body;
        int rc;
    } cases[] = {
        {HEAD "m=audio 6000 RTP/AVP 0\r\n", PARLEY_E_UNUSABLE}, /* a line short */
        {HEAD "m=audio 6000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\nm=audio 7000 RTP/AVP 0\r\n",
         PARLEY_E_UNUSABLE}, /* a line more */
        {HEAD "m=video 6000 RTP/AVP 96\r\nm=video 0 RTP/AVP 96\r\n", PARLEY_E_UNUSABLE},
        {HEAD "m=audio 6000 RTP/AVP 8\r\nm=video 0 RTP/AVP 96\r\n", PARLEY_E_UNUSABLE},
        {HEAD "m=audio 6000 RTP/AVP 0 120\r\na=rtpmap:120 G7221/16000\r\n"
              "m=video 0 RTP/AVP 96\r\n",
         PARLEY_E_UNUSABLE}, /* not offered */
        {HEAD "m=audio 6000 RTP/AVP 111\r\na=rtpmap:111 PCMA/8000\r\nm=video 0 RTP/AVP 96\r\n",
         PARLEY_E_UNUSABLE}, /* offered number, other codec */
        {HEAD "m=audio 6000 RTP/SAVP 0\r\nm=video 0 RTP/AVP 96\r\n", PARLEY_E_UNUSABLE},
        {HEAD "m=audio 6000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\nx\r\n", PARLEY_E_PARSE},
        /* fine: renumbered opus (RFC 4317 §2.3), an inherited mapping, a rejected line */
        {HEAD "m=audio 6000 RTP/AVP 100 0\r\na=rtpmap:100 OPUS/48000/2\r\n"
              "m=video 0 RTP/AVP 96\r\n",
         0},
        {HEAD "m=audio 6000 RTP/AVP 111\r\nm=video 6002 RTP/AVP 96\r\n", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parley_sdp_neg *n = mk("192.0.2.1", s, 2);
        offer(n);
        int rc = parley_sdp_neg_set_answer(n, cases[i].body, strlen(cases[i].body), NULL);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d", i, rc);
        if (rc) { /* the offer is dropped; nothing negotiated */
            assert_int_equal(parley_sdp_neg_stream_count(n), 0);
            assert_int_equal(
                parley_sdp_neg_set_answer(n, cases[i].body, strlen(cases[i].body), NULL),
                PARLEY_E_STATE);
        } else {
            assert_int_equal(parley_sdp_neg_stream_count(n), 2);
        }
        parley_sdp_neg_free(n);
    }
    parley_sdp_neg *n = mk("192.0.2.1", s, 2);
    assert_int_equal(parley_sdp_neg_set_answer(n, HEAD, strlen(HEAD), NULL), PARLEY_E_STATE);
    parley_sdp_neg_free(n);
}

static void test_answer_direction_tolerance(void **state)
{
    (void)state;
    /* We hold with sendonly; a sloppy peer answers sendrecv: read as recvonly. */
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    s[0].dir = PARLEY_SDP_SENDONLY;
    parley_sdp_neg *n = mk("192.0.2.1", s, 1);
    offer(n);
    const char *a = HEAD "m=audio 6000 RTP/AVP 0\r\n";
    parley_sdp_changes c;
    assert_int_equal(parley_sdp_neg_set_answer(n, a, strlen(a), &c), 0);
    assert_int_equal(stream_dir(n, 0), PARLEY_SDP_SENDONLY);
    assert_int_equal(c.hold, PARLEY_SDP_HOLD_LOCAL);
    parley_sdp_neg_free(n);
}

/* ---- versions, hold and resume ---- */

static void test_version_rule(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    parley_sdp_neg *a = mk("192.0.2.1", s, 1), *b = mk("192.0.2.2", s, 1);
    char *o = keep(offer(a));
    assert_true(version_of(lit(o)) == 1);
    assert_true(version_of(offer(a)) == 1); /* same content again: same version */
    text an = answer(b, lit(o), NULL);
    assert_true(version_of(an) == 1);
    assert_int_equal(parley_sdp_neg_set_answer(a, an.p, an.len, NULL), 0);
    assert_int_equal(parley_sdp_neg_set_dir(a, 0, PARLEY_SDP_INACTIVE), 0);
    assert_true(version_of(offer(a)) == 2);
    assert_true(version_of(offer(a)) == 2);
    assert_int_equal(parley_sdp_neg_set_dir(a, 0, PARLEY_SDP_SENDRECV), 0);
    assert_true(version_of(offer(a)) == 3); /* back to the first content, still a change */
    parley_sdp *l = parse(offer(a));
    assert_slice_equal(l->origin.sess_id, "42");
    assert_slice_equal(l->origin.address, "192.0.2.1");
    parley_sdp_free(l);
    free(o);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_hold_and_resume(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU), STREAM("video", 4002, H264_1)};
    parley_sdp_neg *a = mk("192.0.2.1", s, 2), *b = mk("192.0.2.2", s, 2);
    char *o = keep(offer(a));
    text an = answer(b, lit(o), NULL);
    assert_int_equal(parley_sdp_neg_set_answer(a, an.p, an.len, NULL), 0);
    free(o);
    static const struct {
        parley_sdp_dir set, a_sees, b_sees;
        unsigned a_hold, b_hold;
        const char *b_answers;
    } steps[] = {
        {PARLEY_SDP_SENDONLY, PARLEY_SDP_SENDONLY, PARLEY_SDP_RECVONLY, PARLEY_SDP_HOLD_LOCAL,
         PARLEY_SDP_HOLD_REMOTE, "recvonly"},
        {PARLEY_SDP_INACTIVE, PARLEY_SDP_INACTIVE, PARLEY_SDP_INACTIVE, PARLEY_SDP_HOLD_LOCAL,
         PARLEY_SDP_HOLD_REMOTE, "inactive"},
        {PARLEY_SDP_RECVONLY, PARLEY_SDP_RECVONLY, PARLEY_SDP_SENDONLY, 0, 0, "sendonly"},
        {PARLEY_SDP_SENDRECV, PARLEY_SDP_SENDRECV, PARLEY_SDP_SENDRECV, 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        assert_int_equal(parley_sdp_neg_set_dir(a, -1, steps[i].set), 0);
        o = keep(offer(a));
        parley_sdp_changes ca, cb;
        an = answer(b, lit(o), &cb);
        parley_sdp *as = parse(an);
        for (int m = 0; m < 2; m++) {
            const parley_sdp_attr *d =
                parley_sdp_attr_find(as->media[m].attrs, as->media[m].nattrs,
                                     steps[i].b_answers ? steps[i].b_answers : "sendrecv", 0);
            if (steps[i].b_answers)
                assert_non_null(d);
            else
                assert_null(d); /* sendrecv is implied */
        }
        parley_sdp_free(as);
        assert_int_equal(parley_sdp_neg_set_answer(a, an.p, an.len, &ca), 0);
        assert_int_equal(stream_dir(a, 0), steps[i].a_sees);
        assert_int_equal(stream_dir(a, 1), steps[i].a_sees);
        assert_int_equal(stream_dir(b, 0), steps[i].b_sees);
        assert_int_equal(ca.hold, steps[i].a_hold);
        assert_int_equal(cb.hold, steps[i].b_hold);
        assert_int_equal(parley_sdp_neg_hold(a), steps[i].a_hold);
        assert_int_equal(ca.stream[0], PARLEY_SDP_CHG_DIR);
        assert_int_equal(cb.stream[1], PARLEY_SDP_CHG_DIR);
        free(o);
    }
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

/* The direction of the audio line of description t. */
static parley_sdp_dir dir_in(text t)
{
    parley_sdp *d = parse(t);
    parley_sdp_dir dir = d->media[0].dir ? d->media[0].dir : PARLEY_SDP_SENDRECV;
    parley_sdp_free(d);
    return dir;
}

/* One exchange: `from` offers, `to` answers; returns the direction of the offer and, in
 * *answered, of the answer. */
static parley_sdp_dir exchange(parley_sdp_neg *from, parley_sdp_neg *to, parley_sdp_dir *answered)
{
    char *o = keep(offer(from));
    parley_sdp_dir offered = dir_in(lit(o));
    text an = answer(to, lit(o), NULL);
    *answered = dir_in(an);
    assert_int_equal(parley_sdp_neg_set_answer(from, an.p, an.len, NULL), 0);
    free(o);
    return offered;
}

/* RFC 3264 §8.4: a stream the peer holds (we are recvonly) is put on hold with inactive, not
 * sendonly; and an inactive offer, which the answer cannot refuse anything of, leaves both
 * sides' holds as they were: re-offers stay inactive, nobody's hold is forgotten. */
static void test_hold_when_held(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    parley_sdp_neg *a = mk("192.0.2.1", s, 1), *b = mk("192.0.2.2", s, 1);
    parley_sdp_dir ans;
    assert_int_equal(exchange(a, b, &ans), PARLEY_SDP_SENDRECV);
    /* b holds a */
    assert_int_equal(parley_sdp_neg_set_dir(b, -1, PARLEY_SDP_SENDONLY), 0);
    assert_int_equal(exchange(b, a, &ans), PARLEY_SDP_SENDONLY);
    assert_int_equal(ans, PARLEY_SDP_RECVONLY);
    assert_int_equal(parley_sdp_neg_hold(a), PARLEY_SDP_HOLD_REMOTE);
    /* a holds too: inactive; then a and b re-offer as they are (session refreshes): inactive
     * both, the holds stay */
    assert_int_equal(parley_sdp_neg_set_dir(a, -1, PARLEY_SDP_SENDONLY), 0);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(exchange(a, b, &ans), PARLEY_SDP_INACTIVE);
        assert_int_equal(ans, PARLEY_SDP_INACTIVE);
        assert_int_equal(parley_sdp_neg_hold(a), PARLEY_SDP_HOLD_LOCAL | PARLEY_SDP_HOLD_REMOTE);
        assert_int_equal(parley_sdp_neg_hold(b), PARLEY_SDP_HOLD_LOCAL | PARLEY_SDP_HOLD_REMOTE);
        assert_int_equal(exchange(b, a, &ans), PARLEY_SDP_INACTIVE); /* a holds b too */
        assert_int_equal(ans, PARLEY_SDP_INACTIVE);
        assert_int_equal(parley_sdp_neg_hold(a), PARLEY_SDP_HOLD_LOCAL | PARLEY_SDP_HOLD_REMOTE);
        assert_int_equal(parley_sdp_neg_hold(b), PARLEY_SDP_HOLD_LOCAL | PARLEY_SDP_HOLD_REMOTE);
    }
    /* b resumes: a, still holding, answers sendonly, and its next offer says sendonly again */
    assert_int_equal(parley_sdp_neg_set_dir(b, -1, PARLEY_SDP_SENDRECV), 0);
    assert_int_equal(exchange(b, a, &ans), PARLEY_SDP_SENDRECV);
    assert_int_equal(ans, PARLEY_SDP_SENDONLY);
    assert_int_equal(parley_sdp_neg_hold(a), PARLEY_SDP_HOLD_LOCAL);
    assert_int_equal(parley_sdp_neg_hold(b), PARLEY_SDP_HOLD_REMOTE);
    assert_int_equal(exchange(a, b, &ans), PARLEY_SDP_SENDONLY);
    assert_int_equal(ans, PARLEY_SDP_RECVONLY);
    /* a resumes */
    assert_int_equal(parley_sdp_neg_set_dir(a, -1, PARLEY_SDP_SENDRECV), 0);
    assert_int_equal(exchange(a, b, &ans), PARLEY_SDP_SENDRECV);
    assert_int_equal(ans, PARLEY_SDP_SENDRECV);
    assert_int_equal(parley_sdp_neg_hold(a), 0);
    assert_int_equal(parley_sdp_neg_hold(b), 0);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_answer_dir_follows_local_wish(void **state)
{
    (void)state;
    /* We want to send only (music on hold); a sendrecv offer is answered sendonly, a sendonly
     * offer inactive. */
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    s[0].dir = PARLEY_SDP_SENDONLY;
    parley_sdp_neg *n = mk("192.0.2.1", s, 1);
    parley_sdp *as = parse(answer(n, lit(HEAD "m=audio 6000 RTP/AVP 0\r\n"), NULL));
    assert_int_equal(as->media[0].dir, PARLEY_SDP_SENDONLY);
    parley_sdp_free(as);
    as = parse(answer(n, lit(HEAD "m=audio 6000 RTP/AVP 0\r\na=sendonly\r\n"), NULL));
    assert_int_equal(as->media[0].dir, PARLEY_SDP_INACTIVE);
    parley_sdp_free(as);
    /* a session-level direction in the offer applies to its media */
    as = parse(answer(n, lit(HEAD "a=recvonly\r\nm=audio 6000 RTP/AVP 0\r\n"), NULL));
    assert_int_equal(as->media[0].dir, PARLEY_SDP_SENDONLY);
    parley_sdp_free(as);
    parley_sdp_neg_free(n);
}

/* ---- payload numbering across exchanges ---- */

static void test_reoffer_keeps_negotiated_numbers(void **state)
{
    (void)state;
    /* We answered opus as 96 and telephone-event as 111 (the peer's numbers). Our re-offer must
     * keep them, and give our own 111 (opus) a free number instead of reusing 111. */
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, OPUS, TE101, PCMU)};
    parley_sdp_neg *n = mk("192.0.2.1", s, 1);
    answer(n,
           lit(HEAD "m=audio 6000 RTP/AVP 96 111\r\na=rtpmap:96 opus/48000/2\r\n"
                    "a=rtpmap:111 telephone-event/8000\r\n"),
           NULL);
    parley_sdp *o = parse(offer(n));
    char buf[256];
    ts_maps(&o->media[0], buf, sizeof(buf));
    assert_string_equal(buf, "96 opus/48000/2|111 telephone-event/8000|0 PCMU/8000");
    assert_slice_equal(o->media[0].fmts[0].fmtp, "useinbandfec=1");
    assert_slice_equal(o->media[0].fmts[1].fmtp, "0-16");
    parley_sdp_free(o);
    parley_sdp_neg_free(n);
}

static void test_non_rtp_stream(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU), PARLEY_SDP_STREAM_CFG_INIT};
    s[1].media = "image";
    s[1].port = 4004;
    s[1].proto = "udptl";
    s[1].formats = "t38";
    s[1].attrs = (const char *const[]){"T38FaxVersion:0", "T38FaxRateManagement:transferredTCF"};
    s[1].nattrs = 2;
    s[1].flags = PARLEY_SDP_STREAM_ANSWER_ONLY;
    parley_sdp_neg *n = mk("192.0.2.1", s, 2);
    parley_sdp *o = parse(offer(n));
    assert_int_equal(o->nmedia, 1); /* answer-only streams are not offered */
    parley_sdp_free(o);
    parley_sdp_neg_rollback(n);
    /* a fax switch: audio removed, image added */
    parley_sdp *a = parse(answer(n,
                                 lit(HEAD "m=audio 0 RTP/AVP 0\r\nm=image 6004 udptl t38\r\n"
                                          "a=T38FaxVersion:0\r\n"),
                                 NULL));
    assert_int_equal(a->media[0].port, 0);
    assert_int_equal(a->media[1].port, 4004);
    assert_slice_equal(a->media[1].fmts[0].fmt, "t38");
    assert_non_null(
        parley_sdp_attr_find(a->media[1].attrs, a->media[1].nattrs, "T38FaxRateManagement", 0));
    parley_sdp_free(a);
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(n, 1, &st), 0);
    assert_int_equal(st.active, 1);
    assert_slice_equal(st.codecs[0].fmt, "t38");
    parley_sdp_neg_free(n);
}

static void test_rtcp_ports(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU), STREAM("audio", 4002, PCMU)};
    s[0].attrs = (const char *const[]){"rtcp-mux"};
    s[0].nattrs = 1;
    parley_sdp_neg *n = mk("192.0.2.1", s, 2);
    answer(n,
           lit(HEAD "m=audio 6000 RTP/AVP 0\r\na=rtcp-mux\r\n"
                    "m=audio 6002 RTP/AVP 0\r\na=rtcp:7000 IN IP4 198.51.100.9\r\n"),
           NULL);
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(n, 0, &st), 0);
    assert_int_equal(st.remote_rtcp_port, 6000);
    assert_int_equal(parley_sdp_neg_stream(n, 1, &st), 0);
    assert_int_equal(st.remote_rtcp_port, 7000);
    parley_sdp_neg_free(n);
}

/* ---- descriptions past the usual size ---- */

/* An answer too large for the writer's stack arrays is made the general way, the offer's model
 * moved to a block first; the session it makes is read and renegotiated like any other. */
static void test_answer_past_the_usual_size(void **state)
{
    (void)state;
    enum { NATTRS = 70 }; /* over the 64 attribute lines of a model on the stack */
    char names[NATTRS][16];
    const char *attrs[NATTRS];
    for (int i = 0; i < NATTRS; i++) {
        snprintf(names[i], sizeof(names[i]), "x-n:%d", i);
        attrs[i] = names[i];
    }
    parley_sdp_stream_cfg st = STREAM("audio", 4000, PCMU);
    st.attrs = attrs;
    st.nattrs = NATTRS;
    for (long fail = -1; fail < 40; fail++) {
        parley_sdp_neg *n = mk("192.0.2.1", &st, 1);
        text o = lit(HEAD "m=audio 5000 RTP/AVP 0 8\r\n");
        pl_alloc_fail_after(fail);
        text a;
        int rc = answer_rc(n, o, &a, NULL);
        pl_alloc_fail_after(-1);
        if (fail >= 0 && rc) {
            assert_int_equal(rc, PARLEY_E_NOMEM);
            assert_int_equal(parley_sdp_neg_stream_count(n), 0); /* nothing negotiated */
            parley_sdp_neg_free(n);
            continue;
        }
        assert_int_equal(rc, 0);
        parley_sdp *p = parse(a);
        assert_int_equal(p->nmedia, 1);
        assert_int_equal(p->media[0].nattrs, NATTRS + 1); /* and the rtpmap */
        parley_sdp_free(p);
        assert_int_equal(parley_sdp_neg_stream_count(n), 1);
        assert_int_equal(stream_dir(n, 0), PARLEY_SDP_SENDRECV);
        /* a re-offer putting the call on hold is answered against the session kept */
        o = lit("v=0\r\no=peer 7 8 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\n"
                "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=sendonly\r\n");
        parley_sdp_changes ch;
        answer(n, o, &ch);
        assert_true(ch.hold & PARLEY_SDP_HOLD_REMOTE);
        assert_int_equal(stream_dir(n, 0), PARLEY_SDP_RECVONLY);
        parley_sdp_neg_free(n);
    }
}

/* An answer whose text is longer than the writer's room on the stack (4 KiB) is made the
 * general way, whole. */
static void test_answer_text_past_the_stack(void **state)
{
    (void)state;
    enum { NATTRS = 10, LEN = 600 };
    static char names[NATTRS][LEN + 16];
    const char *attrs[NATTRS];
    for (int i = 0; i < NATTRS; i++) {
        int n = snprintf(names[i], sizeof(names[i]), "x-long%d:", i);
        memset(names[i] + n, 'a' + i, LEN);
        names[i][n + LEN] = '\0';
        attrs[i] = names[i];
    }
    parley_sdp_stream_cfg st = STREAM("audio", 4000, PCMU);
    st.attrs = attrs;
    st.nattrs = NATTRS;
    parley_sdp_neg *n = mk("192.0.2.1", &st, 1);
    text a = answer(n, lit(HEAD "m=audio 5000 RTP/AVP 0\r\n"), NULL);
    assert_true(a.len > 6000);
    parley_sdp *p = parse(a);
    assert_int_equal(p->media[0].nattrs, NATTRS + 1);
    assert_int_equal(p->media[0].attrs[NATTRS].value.len, LEN);
    parley_sdp_free(p);
    parley_sdp_stream s0;
    assert_int_equal(parley_sdp_neg_stream(n, 0, &s0), 0);
    assert_int_equal(s0.remote_port, 5000);
    parley_sdp_neg_free(n);
}

/* An offer with more m= lines than a model on the stack holds is read the general way. */
static void test_offer_past_the_usual_size(void **state)
{
    (void)state;
    parley_sdp_stream_cfg st = STREAM("audio", 4000, PCMU);
    parley_sdp_neg *n = mk("192.0.2.1", &st, 1);
    char o[2048] = HEAD;
    for (int i = 0; i < 12; i++) /* the first audio line is taken, the others refused */
        snprintf(o + strlen(o), sizeof(o) - strlen(o), "m=%s %d RTP/AVP 0\r\n",
                 i % 2 ? "audio" : "video", 5000 + 2 * i);
    text a = answer(n, lit(o), NULL);
    parley_sdp *p = parse(a);
    assert_int_equal(p->nmedia, 12);
    assert_int_equal(p->media[0].port, 0);
    assert_int_equal(p->media[1].port, 4000);
    for (int i = 2; i < 12; i++)
        assert_int_equal(p->media[i].port, 0);
    parley_sdp_free(p);
    const parley_sdp *remote = parley_sdp_neg_remote(n);
    assert_non_null(remote);
    assert_int_equal(remote->nmedia, 12);
    assert_ptr_equal(parley_sdp_neg_remote(n), remote); /* parsed once, kept until a change */
    parley_sdp_neg_free(n);
}

/* ---- clones ---- */

static uint16_t offered_port(parley_sdp_neg *n, unsigned line, pl_str *sess_id, uint64_t *ver)
{
    parley_sdp *o = parse(offer(n));
    uint16_t port = line < o->nmedia ? o->media[line].port : 0;
    static char id[32];
    snprintf(id, sizeof(id), "%.*s", (int)o->origin.sess_id.len, o->origin.sess_id.p);
    *sess_id = pl_str_c(id);
    *ver = o->origin.sess_version;
    parley_sdp_free(o);
    return port;
}

/* A clone has its prototype's capabilities as they are, none of its exchanges, a session id of
 * its own and the config's version; clones change their own copy only, and outlive the
 * prototype (ASan checks what they share). */
static void test_clone(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU, PCMA), STREAM("video", 4002, H264_1)};
    parley_sdp_neg *proto = mk("192.0.2.1", s, 2), *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    assert_int_equal(parley_sdp_neg_clone(proto, &a), 0);
    assert_int_equal(parley_sdp_neg_clone(proto, &b), 0);
    assert_int_equal(parley_sdp_neg_set_addr(a, 0, NULL, 6000), 0); /* before any exchange */
    pl_str ida, idb, idp;
    uint64_t va, vb, vp;
    assert_int_equal(offered_port(a, 0, &ida, &va), 6000);
    char keep_a[32];
    snprintf(keep_a, sizeof(keep_a), "%.*s", (int)ida.len, ida.p);
    assert_int_equal(offered_port(b, 0, &idb, &vb), 4000); /* a's change is a's */
    assert_false(pl_str_eq(pl_str_c(keep_a), idb));
    assert_int_equal(va, 1); /* the config's version */
    assert_int_equal(vb, 1);

    /* the prototype changed: its clones from now on carry the change, earlier ones do not */
    parley_sdp_stream_cfg more = STREAM("audio", 4010, PCMA);
    assert_int_equal(parley_sdp_neg_add_stream(proto, &more), 0);
    assert_int_equal(parley_sdp_neg_set_addr(proto, -1, "192.0.2.7", 0), 0);
    assert_int_equal(parley_sdp_neg_remove_stream(proto, 1), 0); /* no video */
    assert_int_equal(parley_sdp_neg_clone(proto, &c), 0);
    assert_int_equal(offered_port(proto, 0, &idp, &vp), 4000);
    parley_sdp_neg_free(proto); /* the clones keep what they share */
    parley_sdp *o = parse(offer(c));
    assert_int_equal(o->nmedia, 2);
    assert_slice_equal(o->media[0].media, "audio");
    assert_int_equal(o->media[1].port, 4010);
    assert_slice_equal(o->conn->address, "192.0.2.7");
    parley_sdp_free(o);
    assert_int_equal(parley_sdp_neg_clone(c, &d), 0); /* a clone's clone */
    parley_sdp_neg_free(c);

    /* clones negotiate with each other like any negotiators */
    text off = offer(d);
    char *kept = keep(off);
    text ans = answer(a, lit(kept), NULL);
    assert_int_equal(parley_sdp_neg_set_answer(d, ans.p, ans.len, NULL), 0);
    free(kept);
    assert_int_equal(parley_sdp_neg_stream_count(d), 2);
    assert_int_equal(stream_dir(d, 0), PARLEY_SDP_SENDRECV);
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(d, 0, &st), 0);
    assert_int_equal(st.remote_port, 6000);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
    parley_sdp_neg_free(d);
}

/* A clone of a prototype whose address was set starts with that address in o= and c=; its own
 * new address later changes c= only: o= stays (RFC 3264 §8). That o= address was the clone's
 * copy of the first, which the second set_addr freed (read after free by every offer). */
static void test_clone_set_addr_keeps_origin(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    parley_sdp_neg *proto = mk("192.0.2.1", s, 1), *c = NULL;
    assert_int_equal(parley_sdp_neg_set_addr(proto, -1, "2001:db8::7", 0), 0);
    assert_int_equal(parley_sdp_neg_clone(proto, &c), 0);
    parley_sdp_neg_free(proto);
    assert_int_equal(parley_sdp_neg_set_addr(c, -1, "2001:db8::8", 0), 0);
    assert_int_equal(parley_sdp_neg_set_addr(c, -1, "2001:db8::9", 0), 0);
    for (int i = 0; i < 2; i++) {
        parley_sdp *o = parse(offer(c));
        assert_slice_equal(o->origin.address, "2001:db8::7");
        assert_slice_equal(o->conn->address, "2001:db8::9");
        assert_int_equal(o->origin.family, PARLEY_SDP_ADDR_IP6);
        parley_sdp_free(o);
    }
    parley_sdp_neg_free(c);
}

/* Every allocation of a clone may fail: NOMEM and nothing leaked (ASan), or a whole clone. */
static void test_clone_out_of_memory(void **state)
{
    (void)state;
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    parley_sdp_neg *proto = mk("192.0.2.1", s, 1);
    parley_sdp_stream_cfg more = STREAM("audio", 4010, PCMA);
    assert_int_equal(parley_sdp_neg_add_stream(proto, &more), 0);
    assert_int_equal(parley_sdp_neg_set_addr(proto, 0, "192.0.2.9", 0), 0);
    assert_int_equal(parley_sdp_neg_set_addr(proto, -1, "192.0.2.8", 0), 0);
    for (long n = 0;; n++) {
        parley_sdp_neg *c = NULL;
        pl_alloc_fail_after(n);
        int rc = parley_sdp_neg_clone(proto, &c);
        pl_alloc_fail_after(-1);
        if (rc == 0) {
            parley_sdp *o = parse(offer(c));
            assert_int_equal(o->nmedia, 2);
            assert_slice_equal(o->media[0].conns[0].address, "192.0.2.9");
            parley_sdp_free(o);
            parley_sdp_neg_free(c);
            break;
        }
        assert_int_equal(rc, PARLEY_E_NOMEM);
        assert_null(c);
        assert_true(n < 100);
    }
    parley_sdp_neg_free(proto);
}

/* ---- arguments and allocation failure ---- */

static void test_invalid_arguments(void **state)
{
    (void)state;
    parley_sdp_neg *n = NULL, *n2 = NULL;
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    assert_int_equal(parley_sdp_neg_create(&c, &n), PARLEY_E_INVAL); /* no address */
    assert_int_equal(parley_sdp_neg_create(NULL, &n), PARLEY_E_INVAL);
    c.addr = "192.0.2.1";
    assert_int_equal(parley_sdp_neg_create(&c, NULL), PARLEY_E_INVAL);
    parley_sdp_stream_cfg bad[] = {STREAM("audio", 0, PCMU)}; /* no port */
    c.streams = bad;
    c.nstreams = 1;
    assert_int_equal(parley_sdp_neg_create(&c, &n), PARLEY_E_INVAL);
    static const parley_sdp_codec nameless = {100, NULL, 8000, 0, NULL};
    parley_sdp_stream_cfg bad2[] = {STREAM("audio", 4000, nameless)};
    c.streams = bad2;
    assert_int_equal(parley_sdp_neg_create(&c, &n), PARLEY_E_INVAL);
    parley_sdp_stream_cfg bad3[] = {PARLEY_SDP_STREAM_CFG_INIT};
    bad3[0].media = "audio";
    bad3[0].port = 4000;
    c.streams = bad3;
    assert_int_equal(parley_sdp_neg_create(&c, &n), PARLEY_E_INVAL); /* no codec */
    parley_sdp_stream_cfg bad4[] = {STREAM("au dio", 4000, PCMU)};
    c.streams = bad4;
    assert_int_equal(parley_sdp_neg_create(&c, &n), PARLEY_E_INVAL);
    c.nstreams = 0;
    c.addr = "bad addr";
    assert_int_equal(parley_sdp_neg_create(&c, &n), PARLEY_E_INVAL);
    assert_null(n);

    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, PCMU)};
    n = mk("192.0.2.1", s, 1);
    assert_int_equal(parley_sdp_neg_set_dir(n, 1, PARLEY_SDP_SENDONLY), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_set_dir(n, -1, (parley_sdp_dir)9), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_set_addr(n, -1, "1.2.3", 0), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_set_addr(n, -1, "x y", 0), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_set_addr(n, -1, NULL, 5), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_set_addr(n, 3, NULL, 5), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_set_addr(n, -1, "2001:db8::5", 0), 0);
    assert_int_equal(parley_sdp_neg_remove_stream(n, 1), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_add_stream(n, NULL), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_clone(NULL, &n2), PARLEY_E_INVAL);
    assert_null(n2);
    assert_int_equal(parley_sdp_neg_clone(n, NULL), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_add_stream(n, &bad3[0]), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_rollback(n), PARLEY_E_STATE);
    parley_sdp *o = parse(offer(n));
    assert_slice_equal(o->conn->addrtype, "IP6");
    assert_slice_equal(o->origin.addrtype, "IP4"); /* o= keeps the first address */
    parley_sdp_free(o);
    for (int i = 0; i < 40; i++) {
        parley_sdp_stream_cfg more = STREAM("audio", (uint16_t)(5000 + 2 * i), PCMU);
        int rc = parley_sdp_neg_add_stream(n, &more);
        assert_true(rc == 0 || rc == PARLEY_E_LIMIT);
    }
    const uint8_t *b;
    size_t len;
    assert_int_equal(parley_sdp_neg_offer(n, &b, &len), PARLEY_E_LIMIT);
    parley_sdp_neg_free(n);
    parley_sdp_neg_free(NULL);
    assert_int_equal(parley_sdp_neg_offer(NULL, &b, &len), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_neg_stream_count(NULL), 0);
    assert_int_equal(parley_sdp_neg_hold(NULL), 0);
}

/* One whole flow; every step may fail with PARLEY_E_NOMEM only. Returns the steps done. */
static int flow(void)
{
    parley_sdp_stream_cfg s[] = {STREAM("audio", 4000, OPUS, PCMU, TE101),
                                 STREAM("video", 4002, H264_1)};
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.addr = "192.0.2.1";
    c.name = "flow";
    c.attrs = (const char *const[]){"tool:parley"};
    c.nattrs = 1;
    c.streams = s;
    c.nstreams = 2;
    parley_sdp_neg *a = NULL, *b = NULL;
    int steps = 0, rc;
    const uint8_t *body;
    size_t len;
    char *o = NULL;
    parley_sdp_changes ch;
#define STEP(call)                                                                                 \
    do {                                                                                           \
        rc = (call);                                                                               \
        if (rc) {                                                                                  \
            assert_int_equal(rc, PARLEY_E_NOMEM);                                                  \
            goto out;                                                                              \
        }                                                                                          \
        steps++;                                                                                   \
    } while (0)
    STEP(parley_sdp_neg_create(&c, &a));
    STEP(parley_sdp_neg_create(&c, &b));
    STEP(parley_sdp_neg_offer(a, &body, &len));
    o = strndup((const char *)body, len);
    STEP(parley_sdp_neg_answer(b, o, strlen(o), &body, &len, &ch));
    STEP(parley_sdp_neg_set_answer(a, body, len, &ch));
    /* the session is kept as text: reading it parses it again, which may fail */
    parley_sdp_stream st;
    STEP(parley_sdp_neg_stream(b, 1, &st));
    assert_slice_equal(st.media, "video");
    STEP(parley_sdp_neg_local(a) ? 0 : PARLEY_E_NOMEM);
    assert_ptr_equal(parley_sdp_neg_local(a), parley_sdp_neg_local(a)); /* kept once parsed */
    STEP(parley_sdp_neg_set_addr(a, 0, "192.0.2.9", 0));
    parley_sdp_stream_cfg more = STREAM("audio", 4010, PCMA);
    STEP(parley_sdp_neg_add_stream(a, &more));
    free(o);
    o = NULL;
    STEP(parley_sdp_neg_offer(a, &body, &len));
    o = strndup((const char *)body, len);
    STEP(parley_sdp_neg_answer(b, o, strlen(o), &body, &len, &ch));
    STEP(parley_sdp_neg_set_answer(a, body, len, &ch));
#undef STEP
out:
    free(o);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
    return steps;
}

static void test_out_of_memory_everywhere(void **state)
{
    (void)state;
    int full = flow();
    assert_int_equal(full, 12);
    for (long n = 0;; n++) {
        pl_alloc_fail_after(n);
        int steps = flow();
        pl_alloc_fail_after(-1);
        if (steps == full)
            break;
        assert_true(n < 10000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer_in_invite_flow),
        cmocka_unit_test(test_null_offer_flow),
        cmocka_unit_test(test_reinvite_without_offer),
        cmocka_unit_test(test_glare_and_rollback),
        cmocka_unit_test(test_no_common_codec_is_refused),
        cmocka_unit_test(test_h264_needs_the_same_packetization_mode),
        cmocka_unit_test(test_bad_offers),
        cmocka_unit_test(test_answer_checks),
        cmocka_unit_test(test_answer_direction_tolerance),
        cmocka_unit_test(test_version_rule),
        cmocka_unit_test(test_hold_and_resume),
        cmocka_unit_test(test_hold_when_held),
        cmocka_unit_test(test_answer_dir_follows_local_wish),
        cmocka_unit_test(test_reoffer_keeps_negotiated_numbers),
        cmocka_unit_test(test_non_rtp_stream),
        cmocka_unit_test(test_rtcp_ports),
        cmocka_unit_test(test_answer_past_the_usual_size),
        cmocka_unit_test(test_answer_text_past_the_stack),
        cmocka_unit_test(test_offer_past_the_usual_size),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_clone_set_addr_keeps_origin),
        cmocka_unit_test(test_clone_out_of_memory),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_out_of_memory_everywhere),
    };
    return cmocka_run_group_tests_name("sdp_neg_rules", tests, NULL, NULL);
}
