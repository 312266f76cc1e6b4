/*
 * The offer/answer negotiator: the exchanges of RFC 4317 and RFC 3264 §10 played between two
 * negotiators configured like the RFCs' Alice and Bob, each description checked field by field
 * against the RFC's (tests/data/sdp), then the rules one by one: null offers, glare, rollback,
 * refusals, answer checks, version rules, hold and resume, payload numbering, allocation failure.
 */
#include "test_sdp_util.h"

static const parley_sdp_codec PCMU = {0, NULL, 0, 0, NULL};
static const parley_sdp_codec PCMA = {8, NULL, 0, 0, NULL};
static const parley_sdp_codec ILBC97 = {97, "iLBC", 8000, 0, NULL};
static const parley_sdp_codec ILBC99 = {99, "iLBC", 8000, 0, NULL};
static const parley_sdp_codec TE98 = {98, "telephone-event", 8000, 0, NULL};
static const parley_sdp_codec TE101 = {101, "telephone-event", 8000, 0, NULL};
static const parley_sdp_codec H261 = {31, NULL, 0, 0, NULL};
static const parley_sdp_codec MPV = {32, NULL, 0, 0, NULL};

#define CODECS(...)  ((const parley_sdp_codec[]){__VA_ARGS__})
#define NCODECS(...) (sizeof((const parley_sdp_codec[]){__VA_ARGS__}) / sizeof(parley_sdp_codec))
#define STREAM(m, p, ...)                                                                          \
    ((parley_sdp_stream_cfg){.media = (m),                                                         \
                             .port = (p),                                                          \
                             .codecs = CODECS(__VA_ARGS__),                                        \
                             .ncodecs = NCODECS(__VA_ARGS__)})

static parley_sdp_neg *mk(const char *user, uint64_t id, const char *addr,
                          const parley_sdp_stream_cfg *st, size_t n)
{
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.user = user;
    c.sess_id = id;
    c.sess_version = id;
    c.addr = addr;
    c.name = "";
    c.streams = st;
    c.nstreams = n;
    parley_sdp_neg *neg = NULL;
    assert_int_equal(parley_sdp_neg_create(&c, &neg), 0);
    return neg;
}

#define ALICE_ADDR "host.atlanta.example.com"
#define BOB_ADDR   "host.biloxi.example.com"
static parley_sdp_neg *alice(const parley_sdp_stream_cfg *st, size_t n)
{
    return mk("alice", 2890844526u, ALICE_ADDR, st, n);
}
static parley_sdp_neg *bob(const parley_sdp_stream_cfg *st, size_t n)
{
    return mk("bob", 2808844564u, BOB_ADDR, st, n);
}

/* A description handed out by a negotiator (text valid until its next call). */
typedef struct text {
    const char *p;
    size_t len;
} text;

static text do_offer(parley_sdp_neg *n)
{
    const uint8_t *b = NULL;
    size_t len = 0;
    assert_int_equal(parley_sdp_neg_offer(n, &b, &len), 0);
    assert_int_equal(strlen((const char *)b), len);
    return (text){(const char *)b, len};
}

static text do_answer(parley_sdp_neg *n, text offer, parley_sdp_changes *ch)
{
    const uint8_t *b = NULL;
    size_t len = 0;
    int rc = parley_sdp_neg_answer(n, offer.p, offer.len, &b, &len, ch);
    if (rc)
        fail_msg("answer failed (%d) for:\n%.*s", rc, (int)offer.len, offer.p);
    return (text){(const char *)b, len};
}

static void do_set_answer(parley_sdp_neg *n, text answer, parley_sdp_changes *ch)
{
    int rc = parley_sdp_neg_set_answer(n, answer.p, answer.len, ch);
    if (rc)
        fail_msg("set_answer failed (%d) for:\n%.*s", rc, (int)answer.len, answer.p);
}

/* Asserts that t describes exactly what RFC file `name` does, field by field. */
static void assert_is(text t, const char *name)
{
    char *copy = strndup(t.p, t.len);
    parley_sdp *ours = ts_parse(copy), *theirs = ts_parse_file(name);
    if (!sdp_equal(ours, theirs, 0)) {
        char *want = ts_print(theirs);
        fail_msg("description differs from %s:\n--- ours\n%s--- %s\n%s", name, copy, name, want);
    }
    parley_sdp_free(ours);
    parley_sdp_free(theirs);
    free(copy);
}

/* A file's text, kept in a static buffer per slot. */
static text file_text(const char *name)
{
    static char *slots[8];
    static unsigned next;
    unsigned i = next++ % 8;
    free(slots[i]);
    size_t len = 0;
    slots[i] = ts_read(name, &len);
    return (text){slots[i], len};
}

static parley_sdp *parse_text(text t)
{
    char *copy = strndup(t.p, t.len);
    parley_sdp *s = ts_parse(copy);
    free(copy);
    return s;
}

static void assert_stream(const parley_sdp_neg *n, unsigned i, int active, parley_sdp_dir dir,
                          const char *raddr, unsigned rport, const char *codecs)
{
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(n, i, &st), 0);
    assert_int_equal(st.active, active);
    if (!active)
        return;
    if (st.dir != dir)
        fail_msg("stream %u: dir %s, want %s", i, parley_sdp_dir_name(st.dir),
                 parley_sdp_dir_name(dir));
    assert_slice_equal(st.remote_addr, raddr);
    assert_int_equal(st.remote_port, rport);
    char buf[256];
    size_t w = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < st.ncodecs; k++)
        w += (size_t)snprintf(buf + w, sizeof(buf) - w, "%s%d %.*s", k ? "|" : "", st.codecs[k].pt,
                              (int)st.codecs[k].encoding.len, st.codecs[k].encoding.p);
    assert_string_equal(buf, codecs);
}

/* ---- forks: answers from several UAs to one offer (RFC 3261 §13.2.2.4) ---- */

/* Each fork of a forked INVITE answers the same offer; the session goes with the answer taken
 * last (the 2xx after another fork's early answer): set_answer takes it in place of the first
 * until the next offer, rollback or answer of ours. A bad one leaves the session as it was. */
static void test_answers_from_forks(void **state)
{
    (void)state;
    parley_sdp_stream_cfg sa[] = {STREAM("audio", 49170, PCMU, PCMA)};
    parley_sdp_stream_cfg sb[] = {STREAM("audio", 3456, PCMA)};
    parley_sdp_stream_cfg sc[] = {STREAM("audio", 5000, PCMU)};
    parley_sdp_neg *a = alice(sa, 1), *b = bob(sb, 1), *c = mk("carol", 7, "192.0.2.7", sc, 1);
    text offer = do_offer(a);
    char *offer_copy = strndup(offer.p, offer.len);
    text off = {offer_copy, offer.len};
    text ans_b = do_answer(b, off, NULL);
    do_set_answer(a, ans_b, NULL); /* bob's 183 */
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 3456, "8 PCMA");
    text ans_c = do_answer(c, off, NULL);
    parley_sdp_changes ch;
    do_set_answer(a, ans_c, &ch); /* carol's 200 */
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, "192.0.2.7", 5000, "0 PCMU");
    assert_true(ch.flags & PARLEY_SDP_CHG_ADDR);
    assert_true(ch.flags & PARLEY_SDP_CHG_CODECS);
    /* a third answer that does not fit the offer: refused, carol's stays */
    static const char bad[] = "v=0\r\no=x 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n"
                              "t=0 0\r\nm=video 7000 RTP/AVP 31\r\n";
    assert_int_equal(parley_sdp_neg_set_answer(a, bad, sizeof(bad) - 1, NULL), PARLEY_E_UNUSABLE);
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, "192.0.2.7", 5000, "0 PCMU");
    do_set_answer(a, ans_b, NULL); /* bob's again, as another 2xx */
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 3456, "8 PCMA");
    /* a new offer: answers to the old one are no more taken, once it is rolled back either */
    do_offer(a);
    assert_int_equal(parley_sdp_neg_rollback(a), 0);
    assert_int_equal(parley_sdp_neg_set_answer(a, ans_c.p, ans_c.len, NULL), PARLEY_E_STATE);
    /* nor after we answered an offer of theirs */
    parley_sdp_neg *d = bob(sb, 1);
    text off_d = do_offer(d);
    do_answer(a, off_d, NULL);
    assert_int_equal(parley_sdp_neg_set_answer(a, ans_c.p, ans_c.len, NULL), PARLEY_E_STATE);
    free(offer_copy);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
    parley_sdp_neg_free(c);
    parley_sdp_neg_free(d);
}

/* ---- RFC 4317 §2: codec negotiation and selection ---- */

static void test_4317_2_1(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU, PCMA, ILBC97),
                                  STREAM("video", 51372, H261, MPV)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49174, PCMU), STREAM("video", 49170, MPV)};
    parley_sdp_neg *a = alice(as, 2), *b = bob(bs, 2);
    parley_sdp_changes ca, cb;
    text o = do_offer(a);
    assert_is(o, "rfc4317-2.1-offer");
    text ans = do_answer(b, o, &cb);
    assert_is(ans, "rfc4317-2.1-answer");
    do_set_answer(a, ans, &ca);
    assert_int_equal(ca.nstreams, 2);
    assert_int_equal(ca.stream[0], PARLEY_SDP_CHG_ADDED);
    assert_int_equal(ca.stream[1], PARLEY_SDP_CHG_ADDED);
    assert_int_equal(ca.flags, PARLEY_SDP_CHG_ADDED);
    assert_int_equal(ca.hold, 0);
    assert_int_equal(cb.flags, PARLEY_SDP_CHG_ADDED);
    assert_int_equal(parley_sdp_neg_stream_count(a), 2);
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 49174, "0 PCMU");
    assert_stream(a, 1, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 49170, "32 MPV");
    assert_stream(b, 0, 1, PARLEY_SDP_SENDRECV, ALICE_ADDR, 49170, "0 PCMU");
    assert_stream(b, 1, 1, PARLEY_SDP_SENDRECV, ALICE_ADDR, 51372, "32 MPV");
    parley_sdp_stream st;
    assert_int_equal(parley_sdp_neg_stream(a, 0, &st), 0);
    assert_slice_equal(st.media, "audio");
    assert_slice_equal(st.local_addr, ALICE_ADDR);
    assert_int_equal(st.local_port, 49170);
    assert_int_equal(st.remote_rtcp_port, 49175);
    assert_non_null(st.local);
    assert_non_null(st.remote);
    assert_int_equal(parley_sdp_neg_stream(a, 2, &st), PARLEY_E_NOTFOUND);
    assert_true(parley_sdp_neg_local(a)->origin.sess_version == 2890844526u);
    assert_slice_equal(parley_sdp_neg_remote(a)->origin.username, "bob");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_2_2(void **state)
{
    (void)state;
    /* Bob takes PCMU and PCMA and has no video: the video line is rejected in place. */
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49172, PCMU, PCMA)};
    parley_sdp_neg *b = bob(bs, 1);
    parley_sdp_changes cb;
    text ans = do_answer(b, file_text("rfc4317-2.2-offer"), &cb);
    parley_sdp *s = parse_text(ans), *want = ts_parse_file("rfc4317-2.2-answer");
    assert_true(sdp_media_equal(&s->media[0], &want->media[0]));
    assert_true(s->origin.sess_version == 2808844564u);
    /* The rejected line echoes every offered format (RFC 3264 §6); the RFC's lists one. */
    char buf[128];
    ts_fmts(&s->media[1], buf, sizeof(buf));
    assert_string_equal(buf, "31 32");
    assert_int_equal(s->media[1].port, 0);
    ts_maps(&s->media[1], buf, sizeof(buf));
    assert_string_equal(buf, "31 H261/90000|32 MPV/90000");
    assert_int_equal(cb.stream[0], PARLEY_SDP_CHG_ADDED);
    assert_int_equal(cb.stream[1], 0);
    assert_stream(b, 0, 1, PARLEY_SDP_SENDRECV, ALICE_ADDR, 49170, "0 PCMU|8 PCMA");
    assert_stream(b, 1, 0, 0, NULL, 0, NULL);
    parley_sdp_free(s);
    parley_sdp_free(want);
    /* Alice locks the codec and moves her port: the answer narrows too, version + 1. */
    ans = do_answer(b, file_text("rfc4317-2.2-offer2"), &cb);
    assert_is(ans, "rfc4317-2.2-answer2");
    assert_int_equal(cb.stream[0], PARLEY_SDP_CHG_CODECS | PARLEY_SDP_CHG_ADDR);
    assert_stream(b, 0, 1, PARLEY_SDP_SENDRECV, ALICE_ADDR, 51372, "0 PCMU");
    parley_sdp_neg_free(b);
}

static void test_4317_2_3(void **state)
{
    (void)state;
    /* Bob answers iLBC as 99 where Alice offered 97: the same codec, so Alice accepts. */
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU, PCMA, ILBC97),
                                  STREAM("video", 51372, H261, MPV)};
    parley_sdp_neg *a = alice(as, 2);
    do_offer(a);
    parley_sdp_changes ca;
    do_set_answer(a, file_text("rfc4317-2.3-answer"), &ca);
    assert_int_equal(ca.flags, PARLEY_SDP_CHG_ADDED);
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 49172, "99 iLBC");
    assert_stream(a, 1, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 51374, "31 H261");
    parley_sdp_neg_free(a);
    /* parley's Bob keeps the offerer's number (RFC 3264 §6.1 recommends it) */
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49172, ILBC99), STREAM("video", 51374, H261)};
    parley_sdp_neg *b = bob(bs, 2);
    text ans = do_answer(b, file_text("rfc4317-2.3-offer"), NULL);
    parley_sdp *s = parse_text(ans), *want = ts_parse_file("rfc4317-2.3-answer");
    char buf[128];
    ts_maps(&s->media[0], buf, sizeof(buf));
    assert_string_equal(buf, "97 iLBC/8000");
    assert_true(sdp_media_equal(&s->media[1], &want->media[1]));
    parley_sdp_free(s);
    parley_sdp_free(want);
    parley_sdp_neg_free(b);
}

static void test_4317_2_4_and_3_2(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU, ILBC97),
                                  STREAM("audio", 49172, TE98)};
    as[1].dir = PARLEY_SDP_SENDONLY;
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49172, ILBC97), STREAM("audio", 49174, TE98)};
    bs[1].dir = PARLEY_SDP_RECVONLY;
    parley_sdp_neg *a = alice(as, 2), *b = bob(bs, 2);
    text o = do_offer(a);
    assert_is(o, "rfc4317-2.4-offer");
    text ans = do_answer(b, o, NULL);
    assert_is(ans, "rfc4317-2.4-answer");
    parley_sdp_changes ca, cb;
    do_set_answer(a, ans, &ca);
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 49172, "97 iLBC");
    assert_stream(a, 1, 1, PARLEY_SDP_SENDONLY, BOB_ADDR, 49174, "98 telephone-event");
    assert_stream(b, 1, 1, PARLEY_SDP_RECVONLY, ALICE_ADDR, 49172, "98 telephone-event");
    assert_int_equal(ca.hold, 0);
    /* §3.2: Bob holds Alice's audio but not the tone stream. */
    assert_int_equal(parley_sdp_neg_set_dir(b, 0, PARLEY_SDP_SENDONLY), 0);
    o = do_offer(b);
    assert_is(o, "rfc4317-3.2-offer2");
    ans = do_answer(a, o, &ca);
    /* RFC 4317 answers the sendonly line with both its first codecs and no direction; RFC 3264
     * §6.1 wants recvonly and only offered formats, which parley writes. */
    parley_sdp *s = parse_text(ans), *want = ts_parse_file("rfc4317-3.2-answer2");
    assert_true(s->origin.sess_version == 2890844527u);
    char buf[128];
    ts_fmts(&s->media[0], buf, sizeof(buf));
    assert_string_equal(buf, "97");
    assert_int_equal(s->media[0].dir, PARLEY_SDP_RECVONLY);
    assert_int_equal(s->media[0].port, 49170);
    assert_true(sdp_media_equal(&s->media[1], &want->media[1]));
    parley_sdp_free(s);
    parley_sdp_free(want);
    assert_int_equal(ca.stream[0], PARLEY_SDP_CHG_DIR);
    assert_int_equal(ca.stream[1], 0);
    assert_int_equal(ca.hold, 0); /* the tone stream still flows */
    assert_stream(a, 0, 1, PARLEY_SDP_RECVONLY, BOB_ADDR, 49172, "97 iLBC");
    do_set_answer(b, ans, &cb);
    assert_int_equal(cb.stream[0], PARLEY_SDP_CHG_DIR);
    assert_stream(b, 0, 1, PARLEY_SDP_SENDONLY, ALICE_ADDR, 49170, "97 iLBC");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_2_5_changed_address(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, ILBC97), STREAM("video", 51372, H261)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49174, ILBC97), STREAM("video", 49170, H261)};
    parley_sdp_neg *a = alice(as, 2), *b = bob(bs, 2);
    text o = do_offer(a);
    assert_is(o, "rfc4317-2.5-offer");
    text ans = do_answer(b, o, NULL);
    assert_is(ans, "rfc4317-2.5-answer");
    do_set_answer(a, ans, NULL);
    /* Bob moves: a new connection address and ports; o= keeps its address. */
    assert_int_equal(parley_sdp_neg_set_addr(b, -1, "newhost.biloxi.example.com", 0), 0);
    assert_int_equal(parley_sdp_neg_set_addr(b, 0, NULL, 49178), 0);
    assert_int_equal(parley_sdp_neg_set_addr(b, 1, NULL, 49188), 0);
    o = do_offer(b);
    assert_is(o, "rfc4317-2.5-offer2");
    parley_sdp_changes ca, cb;
    ans = do_answer(a, o, &ca);
    assert_is(ans, "rfc4317-2.5-answer2"); /* same as before: the version stays */
    assert_int_equal(ca.stream[0], PARLEY_SDP_CHG_ADDR);
    assert_int_equal(ca.stream[1], PARLEY_SDP_CHG_ADDR);
    assert_int_equal(ca.flags, PARLEY_SDP_CHG_ADDR);
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, "newhost.biloxi.example.com", 49178, "97 iLBC");
    do_set_answer(b, ans, &cb);
    assert_int_equal(cb.flags, 0); /* nothing changed on Alice's side */
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_2_6_first_stream_declined(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU),
                                  STREAM("audio", 51372, ILBC97, TE101)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49170, ILBC97, TE101)};
    parley_sdp_neg *a = alice(as, 2), *b = bob(bs, 1);
    text o = do_offer(a);
    assert_is(o, "rfc4317-2.6-offer");
    text ans = do_answer(b, o, NULL);
    assert_is(ans, "rfc4317-2.6-answer");
    parley_sdp_changes ca;
    do_set_answer(a, ans, &ca);
    assert_int_equal(ca.stream[0], 0);
    assert_int_equal(ca.stream[1], PARLEY_SDP_CHG_ADDED);
    assert_stream(a, 0, 0, 0, NULL, 0, NULL);
    assert_stream(a, 1, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 49170, "97 iLBC|101 telephone-event");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_2_7_codec_added(void **state)
{
    (void)state;
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49172, ILBC99),
                                  STREAM("video", 51374, H261, MPV)};
    parley_sdp_neg *b = bob(bs, 2);
    assert_is(do_answer(b, file_text("rfc4317-2.7-offer"), NULL), "rfc4317-2.7-answer");
    parley_sdp_changes cb;
    assert_is(do_answer(b, file_text("rfc4317-2.7-offer2"), &cb), "rfc4317-2.7-answer2");
    assert_int_equal(cb.stream[0], 0);
    assert_int_equal(cb.stream[1], PARLEY_SDP_CHG_CODECS);
    assert_stream(b, 1, 1, PARLEY_SDP_SENDRECV, ALICE_ADDR, 51372, "31 H261|32 MPV");
    parley_sdp_neg_free(b);
}

static void test_4317_2_8_video_elsewhere(void **state)
{
    (void)state;
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49174, PCMU), STREAM("video", 49172, MPV)};
    bs[1].addr = "otherhost.biloxi.example.com";
    parley_sdp_neg *b = bob(bs, 2);
    text ans = do_answer(b, file_text("rfc4317-2.8-offer"), NULL);
    assert_is(ans, "rfc4317-2.8-answer");
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU, PCMA, ILBC97),
                                  STREAM("video", 51372, H261, MPV)};
    parley_sdp_neg *a = alice(as, 2);
    do_offer(a);
    do_set_answer(a, ans, NULL);
    assert_stream(a, 1, 1, PARLEY_SDP_SENDRECV, "otherhost.biloxi.example.com", 49172, "32 MPV");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

/* ---- RFC 4317 §3: hold and resume ---- */

static void test_4317_3_1_hold_in_answer(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU, ILBC97)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49172, ILBC97)};
    bs[0].dir = PARLEY_SDP_SENDONLY;
    parley_sdp_neg *a = alice(as, 1), *b = bob(bs, 1);
    assert_int_equal(parley_sdp_neg_set_addr(b, -1, "placeholder.biloxi.example.com", 0), 0);
    text o = do_offer(a);
    assert_is(o, "rfc4317-3.1-offer");
    parley_sdp_changes ca, cb;
    text ans = do_answer(b, o, &cb);
    assert_is(ans, "rfc4317-3.1-answer");
    assert_int_equal(cb.hold, PARLEY_SDP_HOLD_LOCAL);
    do_set_answer(a, ans, &ca);
    assert_int_equal(ca.hold, PARLEY_SDP_HOLD_REMOTE);
    assert_true(ca.flags & PARLEY_SDP_CHG_HOLD);
    assert_int_equal(parley_sdp_neg_hold(a), PARLEY_SDP_HOLD_REMOTE);
    assert_stream(a, 0, 1, PARLEY_SDP_RECVONLY, "placeholder.biloxi.example.com", 49172, "97 iLBC");
    /* Bob takes Alice off hold from his real address; Alice moves her port. */
    assert_int_equal(parley_sdp_neg_set_addr(b, -1, BOB_ADDR, 0), 0);
    assert_int_equal(parley_sdp_neg_set_addr(b, 0, NULL, 49170), 0);
    assert_int_equal(parley_sdp_neg_set_dir(b, 0, PARLEY_SDP_SENDRECV), 0);
    o = do_offer(b);
    assert_is(o, "rfc4317-3.1-offer2");
    assert_int_equal(parley_sdp_neg_set_addr(a, 0, NULL, 49178), 0);
    ans = do_answer(a, o, &ca);
    assert_is(ans, "rfc4317-3.1-answer2");
    assert_int_equal(ca.stream[0], PARLEY_SDP_CHG_DIR | PARLEY_SDP_CHG_ADDR);
    assert_int_equal(ca.flags, PARLEY_SDP_CHG_DIR | PARLEY_SDP_CHG_ADDR | PARLEY_SDP_CHG_HOLD);
    assert_int_equal(ca.hold, 0);
    do_set_answer(b, ans, &cb);
    assert_int_equal(cb.hold, 0);
    assert_true(cb.flags & PARLEY_SDP_CHG_HOLD);
    assert_stream(b, 0, 1, PARLEY_SDP_SENDRECV, ALICE_ADDR, 49178, "97 iLBC");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

/* ---- RFC 4317 §4: streams added and removed ---- */

static void test_4317_4_1_stream_added_by_answerer(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU, ILBC97),
                                  STREAM("audio", 49172, TE98)};
    as[1].flags = PARLEY_SDP_STREAM_ANSWER_ONLY;
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49170, ILBC97)};
    parley_sdp_neg *a = alice(as, 2), *b = bob(bs, 1);
    text o = do_offer(a);
    assert_is(o, "rfc4317-4.1-offer");
    text ans = do_answer(b, o, NULL);
    assert_is(ans, "rfc4317-4.1-answer");
    do_set_answer(a, ans, NULL);
    parley_sdp_stream_cfg tones = STREAM("audio", 48282, TE98);
    tones.addr = "mediaserver.biloxi.example.com";
    tones.dir = PARLEY_SDP_RECVONLY;
    assert_int_equal(parley_sdp_neg_add_stream(b, &tones), 0);
    o = do_offer(b);
    assert_is(o, "rfc4317-4.1-offer2");
    parley_sdp_changes ca;
    ans = do_answer(a, o, &ca);
    /* RFC 4317 repeats Alice's session address on the new line; parley relies on the
     * session-level c= for it. */
    parley_sdp *s = parse_text(ans), *want = ts_parse_file("rfc4317-4.1-answer2");
    assert_true(s->origin.sess_version == 2890844527u);
    assert_true(sdp_media_equal(&s->media[0], &want->media[0]));
    assert_int_equal(s->media[1].port, 49172);
    assert_int_equal(s->media[1].nconns, 0);
    assert_int_equal(s->media[1].dir, PARLEY_SDP_SENDONLY);
    char buf[64];
    ts_maps(&s->media[1], buf, sizeof(buf));
    assert_string_equal(buf, "98 telephone-event/8000");
    parley_sdp_free(s);
    parley_sdp_free(want);
    assert_int_equal(ca.nstreams, 2);
    assert_int_equal(ca.stream[0], 0);
    assert_int_equal(ca.stream[1], PARLEY_SDP_CHG_ADDED);
    assert_stream(a, 1, 1, PARLEY_SDP_SENDONLY, "mediaserver.biloxi.example.com", 48282,
                  "98 telephone-event");
    parley_sdp_changes cb;
    do_set_answer(b, ans, &cb);
    assert_int_equal(cb.stream[1], PARLEY_SDP_CHG_ADDED);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_4_2_video_added(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49172, PCMU), STREAM("video", 49168, H261)};
    parley_sdp_neg *a = alice(as, 1), *b = bob(bs, 2);
    text o = do_offer(a);
    assert_is(o, "rfc4317-4.2-offer");
    text ans = do_answer(b, o, NULL);
    assert_is(ans, "rfc4317-4.2-answer");
    do_set_answer(a, ans, NULL);
    parley_sdp_stream_cfg video = STREAM("video", 49172, H261);
    assert_int_equal(parley_sdp_neg_add_stream(a, &video), 0);
    o = do_offer(a);
    assert_is(o, "rfc4317-4.2-offer2");
    parley_sdp_changes ca, cb;
    ans = do_answer(b, o, &cb);
    assert_is(ans, "rfc4317-4.2-answer2");
    assert_int_equal(cb.stream[1], PARLEY_SDP_CHG_ADDED);
    do_set_answer(a, ans, &ca);
    assert_int_equal(ca.stream[0], 0);
    assert_int_equal(ca.stream[1], PARLEY_SDP_CHG_ADDED);
    assert_stream(a, 1, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 49168, "31 H261");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_4_3_video_removed(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, ILBC97), STREAM("video", 51372, H261)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49174, ILBC97), STREAM("video", 49170, H261)};
    parley_sdp_neg *a = alice(as, 2), *b = bob(bs, 2);
    text o = do_offer(a);
    assert_is(o, "rfc4317-4.3-offer");
    text ans = do_answer(b, o, NULL);
    assert_is(ans, "rfc4317-4.3-answer");
    do_set_answer(a, ans, NULL);
    assert_int_equal(parley_sdp_neg_remove_stream(b, 1), 0);
    o = do_offer(b);
    assert_is(o, "rfc4317-4.3-offer2");
    parley_sdp_changes ca, cb;
    ans = do_answer(a, o, &ca);
    assert_is(ans, "rfc4317-4.3-answer2");
    assert_int_equal(ca.stream[0], 0);
    assert_int_equal(ca.stream[1], PARLEY_SDP_CHG_REMOVED);
    assert_int_equal(ca.nstreams, 2); /* the slot stays */
    do_set_answer(b, ans, &cb);
    assert_int_equal(cb.stream[1], PARLEY_SDP_CHG_REMOVED);
    assert_stream(b, 1, 0, 0, NULL, 0, NULL);
    /* A later offer keeps the removed line in place with port 0. */
    o = do_offer(b);
    parley_sdp *s = parse_text(o);
    assert_int_equal(s->nmedia, 2);
    assert_int_equal(s->media[1].port, 0);
    assert_true(s->origin.sess_version == 2808844565u); /* nothing changed since */
    parley_sdp_free(s);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

/* ---- RFC 4317 §5: third party call control ---- */

static void test_4317_5_1_no_media_then_audio(void **state)
{
    (void)state;
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49172, ILBC97)};
    parley_sdp_neg *a = alice(NULL, 0), *b = bob(bs, 1);
    text o = do_offer(a);
    assert_is(o, "rfc4317-5.1-offer");
    parley_sdp_changes cb;
    text ans = do_answer(b, o, &cb);
    assert_is(ans, "rfc4317-5.1-answer");
    assert_int_equal(cb.nstreams, 0);
    do_set_answer(a, ans, NULL);
    parley_sdp_stream_cfg audio = STREAM("audio", 49170, ILBC97);
    assert_int_equal(parley_sdp_neg_add_stream(a, &audio), 0);
    o = do_offer(a);
    assert_is(o, "rfc4317-5.1-offer2");
    ans = do_answer(b, o, &cb);
    assert_is(ans, "rfc4317-5.1-answer2");
    assert_int_equal(cb.stream[0], PARLEY_SDP_CHG_ADDED);
    do_set_answer(a, ans, NULL);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_5_2_black_hole_offer(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 23442, ILBC97)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49170, ILBC97)};
    parley_sdp_neg *a = alice(as, 1), *b = bob(bs, 1);
    assert_int_equal(parley_sdp_neg_set_addr(a, -1, "0.0.0.0", 0), 0);
    text o = do_offer(a);
    assert_is(o, "rfc4317-5.2-offer");
    parley_sdp_changes cb;
    text ans = do_answer(b, o, &cb);
    assert_is(ans, "rfc4317-5.2-answer");
    assert_int_equal(cb.hold, PARLEY_SDP_HOLD_REMOTE); /* RFC 2543 hold */
    assert_stream(b, 0, 1, PARLEY_SDP_RECVONLY, "0.0.0.0", 23442, "97 iLBC");
    do_set_answer(a, ans, NULL);
    assert_int_equal(parley_sdp_neg_set_addr(a, -1, ALICE_ADDR, 0), 0);
    assert_int_equal(parley_sdp_neg_set_addr(a, 0, NULL, 49170), 0);
    o = do_offer(a);
    assert_is(o, "rfc4317-5.2-offer2");
    ans = do_answer(b, o, &cb);
    assert_is(ans, "rfc4317-5.2-answer2"); /* unchanged: same version */
    assert_int_equal(cb.stream[0], PARLEY_SDP_CHG_ADDR | PARLEY_SDP_CHG_DIR);
    assert_int_equal(cb.hold, 0);
    assert_true(cb.flags & PARLEY_SDP_CHG_HOLD);
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_4317_5_3_black_hole_answer(void **state)
{
    (void)state;
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, ILBC97)};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 9322, ILBC97)};
    parley_sdp_neg *a = alice(as, 1), *b = bob(bs, 1);
    assert_int_equal(parley_sdp_neg_set_addr(b, -1, "0.0.0.0", 0), 0);
    text o = do_offer(a);
    assert_is(o, "rfc4317-5.3-offer");
    text ans = do_answer(b, o, NULL);
    assert_is(ans, "rfc4317-5.3-answer");
    parley_sdp_changes ca;
    do_set_answer(a, ans, &ca);
    assert_int_equal(ca.hold, PARLEY_SDP_HOLD_REMOTE);
    assert_int_equal(parley_sdp_neg_set_addr(b, -1, BOB_ADDR, 0), 0);
    assert_int_equal(parley_sdp_neg_set_addr(b, 0, NULL, 49172), 0);
    o = do_offer(b);
    assert_is(o, "rfc4317-5.3-offer2");
    ans = do_answer(a, o, &ca);
    assert_is(ans, "rfc4317-5.3-answer2");
    assert_int_equal(ca.hold, 0);
    assert_stream(a, 0, 1, PARLEY_SDP_SENDRECV, BOB_ADDR, 49172, "97 iLBC");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

/* ---- RFC 3264 §10 ---- */

static void test_3264_10_1_basic_exchange(void **state)
{
    (void)state;
    static const parley_sdp_codec TEV = {110, "telephone-events", 8000, 0, NULL};
    parley_sdp_stream_cfg as[] = {STREAM("audio", 49170, PCMU), STREAM("video", 51372, H261),
                                  STREAM("video", 53000, MPV), STREAM("audio", 53122, TEV)};
    as[3].flags = PARLEY_SDP_STREAM_ANSWER_ONLY;
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 49920, PCMU), STREAM("video", 53000, MPV)};
    parley_sdp_neg *a = mk("alice", 2890844526u, "host.anywhere.com", as, 4);
    parley_sdp_neg *b = mk("bob", 2890844730u, "host.example.com", bs, 2);
    text o = do_offer(a);
    assert_is(o, "rfc3264-10.1-offer");
    text ans = do_answer(b, o, NULL);
    parley_sdp *s = parse_text(ans), *want = ts_parse_file("rfc3264-10.1-answer");
    assert_true(sdp_media_equal(&s->media[0], &want->media[0]));
    assert_true(sdp_media_equal(&s->media[2], &want->media[2]));
    assert_int_equal(s->media[1].port, 0); /* rejected, with an rtpmap the RFC leaves out */
    assert_int_equal(s->media[1].fmts[0].pt, 31);
    parley_sdp_free(s);
    parley_sdp_free(want);
    do_set_answer(a, ans, NULL);
    /* Bob moves his audio port and adds a receive-only events stream. */
    assert_int_equal(parley_sdp_neg_set_addr(b, 0, NULL, 65422), 0);
    parley_sdp_stream_cfg ev = STREAM("audio", 51434, TEV);
    ev.dir = PARLEY_SDP_RECVONLY;
    assert_int_equal(parley_sdp_neg_add_stream(b, &ev), 0);
    o = do_offer(b);
    s = parse_text(o);
    want = ts_parse_file("rfc3264-10.1-offer2");
    assert_true(s->origin.sess_version == 2890844731u);
    assert_true(sdp_media_equal(&s->media[0], &want->media[0]));
    assert_true(sdp_media_equal(&s->media[2], &want->media[2]));
    assert_true(sdp_media_equal(&s->media[3], &want->media[3]));
    parley_sdp_free(s);
    parley_sdp_free(want);
    parley_sdp_changes ca;
    ans = do_answer(a, file_text("rfc3264-10.1-offer2"), &ca);
    assert_is(ans, "rfc3264-10.1-answer2");
    assert_int_equal(ca.stream[0], PARLEY_SDP_CHG_ADDR);
    assert_int_equal(ca.stream[1], 0);
    assert_int_equal(ca.stream[2], 0);
    assert_int_equal(ca.stream[3], PARLEY_SDP_CHG_ADDED);
    assert_stream(a, 3, 1, PARLEY_SDP_SENDONLY, "host.example.com", 51434, "110 telephone-events");
    parley_sdp_neg_free(a);
    parley_sdp_neg_free(b);
}

static void test_3264_10_2_one_of_n(void **state)
{
    (void)state;
    static const parley_sdp_codec G723 = {4, NULL, 0, 0, NULL};
    parley_sdp_stream_cfg bs[] = {STREAM("audio", 54344, PCMU, G723)};
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.user = "bob";
    c.sess_id = 2890844730u;
    c.sess_version = 2890844731u;
    c.addr = "host.example.com";
    c.name = "";
    c.streams = bs;
    c.nstreams = 1;
    parley_sdp_neg *b;
    assert_int_equal(parley_sdp_neg_create(&c, &b), 0);
    parley_sdp_changes cb;
    assert_is(do_answer(b, file_text("rfc3264-10.2-offer"), &cb), "rfc3264-10.2-answer");
    assert_stream(b, 0, 1, PARLEY_SDP_INACTIVE, "host.anywhere.com", 62986, "0 PCMU|4 G723");
    assert_int_equal(cb.hold, PARLEY_SDP_HOLD_REMOTE);
    text ans = do_answer(b, file_text("rfc3264-10.2-offer2"), &cb);
    parley_sdp *s = parse_text(ans), *want = ts_parse_file("rfc3264-10.2-answer2");
    assert_true(s->origin.sess_version == 2890844732u);
    assert_int_equal(s->media[0].dir, PARLEY_SDP_SENDRECV); /* implied: no a=sendrecv line */
    char buf[64];
    ts_maps(&s->media[0], buf, sizeof(buf));
    assert_string_equal(buf, "4 G723/8000");
    assert_int_equal(s->media[0].port, want->media[0].port);
    parley_sdp_free(s);
    parley_sdp_free(want);
    assert_int_equal(cb.stream[0], PARLEY_SDP_CHG_DIR | PARLEY_SDP_CHG_CODECS);
    assert_stream(b, 0, 1, PARLEY_SDP_SENDRECV, "host.anywhere.com", 62986, "4 G723");
    parley_sdp_neg_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_from_forks),
        cmocka_unit_test(test_4317_2_1),
        cmocka_unit_test(test_4317_2_2),
        cmocka_unit_test(test_4317_2_3),
        cmocka_unit_test(test_4317_2_4_and_3_2),
        cmocka_unit_test(test_4317_2_5_changed_address),
        cmocka_unit_test(test_4317_2_6_first_stream_declined),
        cmocka_unit_test(test_4317_2_7_codec_added),
        cmocka_unit_test(test_4317_2_8_video_elsewhere),
        cmocka_unit_test(test_4317_3_1_hold_in_answer),
        cmocka_unit_test(test_4317_4_1_stream_added_by_answerer),
        cmocka_unit_test(test_4317_4_2_video_added),
        cmocka_unit_test(test_4317_4_3_video_removed),
        cmocka_unit_test(test_4317_5_1_no_media_then_audio),
        cmocka_unit_test(test_4317_5_2_black_hole_offer),
        cmocka_unit_test(test_4317_5_3_black_hole_answer),
        cmocka_unit_test(test_3264_10_1_basic_exchange),
        cmocka_unit_test(test_3264_10_2_one_of_n),
    };
    return cmocka_run_group_tests_name("sdp_neg_rfc", tests, NULL, NULL);
}
