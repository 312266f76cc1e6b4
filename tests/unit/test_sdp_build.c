/* Building descriptions from a config, and the o= version rule of RFC 3264 §8. */
#include "test_sdp_util.h"

static const parley_sdp_codec audio[] = {{0, "PCMU", 8000, 0, NULL},
                                         {111, "opus", 48000, 2, "minptime=10"},
                                         {101, "telephone-event", 8000, 0, "0-16"}};

static parley_sdp *build_ok(const parley_sdp_cfg *c)
{
    parley_sdp *s = NULL;
    assert_int_equal(parley_sdp_build(c, &s), 0);
    assert_non_null(s);
    return s;
}

static void test_build_offer_fields(void **state)
{
    (void)state;
    parley_sdp_stream_cfg st[3] = {PARLEY_SDP_STREAM_CFG_INIT, PARLEY_SDP_STREAM_CFG_INIT,
                                   PARLEY_SDP_STREAM_CFG_INIT};
    st[0].media = "audio";
    st[0].port = 49170;
    st[0].codecs = audio;
    st[0].ncodecs = 3;
    st[0].ptime = 20;
    st[0].dir = PARLEY_SDP_SENDONLY;
    st[0].attrs = (const char *const[]){"rtcp-mux", "mid:a0"};
    st[0].nattrs = 2;
    static const parley_sdp_codec vp8 = {96, "VP8", 90000, 0, NULL};
    st[1].media = "video";
    st[1].port = 51372;
    st[1].proto = "RTP/AVPF";
    st[1].addr = "2001:db8::7";
    st[1].codecs = &vp8;
    st[1].ncodecs = 1;
    st[1].dir = PARLEY_SDP_SENDRECV; /* explicit: written */
    st[2].media = "image";
    st[2].port = 0;
    st[2].proto = "udptl";
    st[2].formats = " t38 ";
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.user = "alice";
    c.sess_id = 2890844526u;
    c.sess_version = 7;
    c.addr = "192.0.2.1";
    c.name = "call";
    c.attrs = (const char *const[]){"tool:parley", "ice-lite"};
    c.nattrs = 2;
    c.streams = st;
    c.nstreams = 3;
    parley_sdp *s = build_ok(&c);
    char *t = ts_print(s);
    assert_string_equal(t, "v=0\r\n"
                           "o=alice 2890844526 7 IN IP4 192.0.2.1\r\n"
                           "s=call\r\n"
                           "c=IN IP4 192.0.2.1\r\n"
                           "t=0 0\r\n"
                           "a=tool:parley\r\n"
                           "a=ice-lite\r\n"
                           "m=audio 49170 RTP/AVP 0 111 101\r\n"
                           "a=rtpmap:0 PCMU/8000\r\n"
                           "a=rtpmap:111 opus/48000/2\r\n"
                           "a=fmtp:111 minptime=10\r\n"
                           "a=rtpmap:101 telephone-event/8000\r\n"
                           "a=fmtp:101 0-16\r\n"
                           "a=ptime:20\r\n"
                           "a=sendonly\r\n"
                           "a=rtcp-mux\r\n"
                           "a=mid:a0\r\n"
                           "m=video 51372 RTP/AVPF 96\r\n"
                           "c=IN IP6 2001:db8::7\r\n"
                           "a=rtpmap:96 VP8/90000\r\n"
                           "a=sendrecv\r\n"
                           "m=image 0 udptl t38\r\n");
    free(t);
    assert_int_equal(s->media[0].dir, PARLEY_SDP_SENDONLY);
    assert_int_equal(s->media[0].fmts[1].channels, 2);
    assert_int_equal(s->media[0].rtcp_mux, 1);
    assert_int_equal(s->media[1].conns[0].family, PARLEY_SDP_ADDR_IP6);
    assert_int_equal(s->media[2].fmts[0].pt, -1);
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_build_defaults(void **state)
{
    (void)state;
    parley_sdp_stream_cfg st = PARLEY_SDP_STREAM_CFG_INIT;
    static const parley_sdp_codec pcma = {8, NULL, 0, 0, NULL}; /* static type: no rtpmap */
    st.media = "audio";
    st.port = 4000;
    st.codecs = &pcma;
    st.ncodecs = 1;
    st.addr = "192.0.2.1"; /* the session address: no c= of its own */
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.addr = "192.0.2.1";
    c.streams = &st;
    c.nstreams = 1;
    parley_sdp *s = build_ok(&c);
    char *t = ts_print(s);
    assert_string_equal(t, "v=0\r\no=- 0 0 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                           "t=0 0\r\nm=audio 4000 RTP/AVP 8\r\n");
    free(t);
    assert_slice_equal(s->media[0].fmts[0].encoding, "PCMA");
    parley_sdp_free(s);
    c.name = "";
    c.nstreams = 0;
    s = build_ok(&c);
    t = ts_print(s);
    assert_non_null(strstr(t, "s= \r\n"));
    free(t);
    parley_sdp_free(s);
}

static void test_build_rejects_what_cannot_be_written(void **state)
{
    (void)state;
    parley_sdp_stream_cfg st = PARLEY_SDP_STREAM_CFG_INIT;
    st.media = "audio";
    st.port = 4000;
    st.codecs = audio;
    st.ncodecs = 1;
    parley_sdp_cfg good = PARLEY_SDP_CFG_INIT;
    good.addr = "192.0.2.1";
    good.streams = &st;
    good.nstreams = 1;
    parley_sdp *s = (parley_sdp *)1;
    assert_int_equal(parley_sdp_build(NULL, &s), PARLEY_E_INVAL);
    assert_null(s);
    assert_int_equal(parley_sdp_build(&good, NULL), PARLEY_E_INVAL);
    parley_sdp_cfg c = good;
    c.addr = NULL;
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    c = good;
    c.addr = "999.1.1.1"; /* parsed back: not an address */
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    c = good;
    c.user = "al ice";
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    c = good;
    c.name = "two\r\nlines";
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    c = good;
    c.attrs = (const char *const[]){"x\ny"};
    c.nattrs = 1;
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    c.attrs = (const char *const[]){"bad name:1"};
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    parley_sdp_stream_cfg b = st;
    c = good;
    c.streams = &b;
    b.media = NULL;
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    b = st;
    b.ncodecs = 0; /* neither codecs nor formats */
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    static const parley_sdp_codec bad_pt = {128, "x", 8000, 0, NULL};
    b = st;
    b.codecs = &bad_pt;
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    static const parley_sdp_codec no_rate = {96, "x", 0, 0, NULL};
    b.codecs = &no_rate;
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    static const parley_sdp_codec bad_fmtp = {96, "x", 8000, 0, "a\r\nm=video 1 RTP/AVP 0"};
    b.codecs = &bad_fmtp;
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    b = st;
    b.dir = (parley_sdp_dir)7;
    assert_int_equal(parley_sdp_build(&c, &s), PARLEY_E_INVAL);
    assert_null(s);
}

static void test_build_out_of_memory(void **state)
{
    (void)state;
    parley_sdp_stream_cfg st = PARLEY_SDP_STREAM_CFG_INIT;
    st.media = "audio";
    st.port = 4000;
    st.codecs = audio;
    st.ncodecs = 3;
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.addr = "192.0.2.1";
    c.streams = &st;
    c.nstreams = 1;
    for (long n = 0; n < 3; n++) {
        parley_sdp *s = NULL;
        pl_alloc_fail_after(n);
        int rc = parley_sdp_build(&c, &s);
        pl_alloc_fail_after(-1);
        if (rc == 0) {
            parley_sdp_free(s);
            break;
        }
        assert_int_equal(rc, PARLEY_E_NOMEM);
        assert_null(s);
    }
}

static parley_sdp *offer_with(uint64_t version, uint16_t port, const char *addr)
{
    parley_sdp_stream_cfg st = PARLEY_SDP_STREAM_CFG_INIT;
    st.media = "audio";
    st.port = port;
    st.codecs = audio;
    st.ncodecs = 1;
    parley_sdp_cfg c = PARLEY_SDP_CFG_INIT;
    c.user = "alice";
    c.sess_id = 99;
    c.sess_version = version;
    c.addr = addr;
    c.streams = &st;
    c.nstreams = 1;
    return build_ok(&c);
}

static void test_bump_origin(void **state)
{
    (void)state;
    parley_sdp *prev = offer_with(5, 4000, "192.0.2.1");
    /* same content: the version stays whatever next had */
    parley_sdp *next = offer_with(0, 4000, "192.0.2.1");
    int bumped = -1;
    assert_int_equal(parley_sdp_bump_origin(next, prev, &bumped), 0);
    assert_int_equal(bumped, 0);
    assert_true(next->origin.sess_version == 5);
    parley_sdp_free(next);
    /* a new port: version + 1, and the printed o= line shows it */
    next = offer_with(0, 4002, "192.0.2.1");
    assert_int_equal(parley_sdp_bump_origin(next, prev, &bumped), 0);
    assert_int_equal(bumped, 1);
    assert_true(next->origin.sess_version == 6);
    char *t = ts_print(next);
    assert_non_null(strstr(t, "o=alice 99 6 IN IP4 192.0.2.1\r\n"));
    free(t);
    ts_assert_roundtrip(next);
    parley_sdp_free(next);
    /* another session (o= address differs): refused */
    next = offer_with(0, 4000, "192.0.2.2");
    assert_int_equal(parley_sdp_bump_origin(next, prev, NULL), PARLEY_E_INVAL);
    parley_sdp_free(next);
    assert_int_equal(parley_sdp_bump_origin(NULL, prev, NULL), PARLEY_E_INVAL);
    parley_sdp_free(prev);
    /* the version cannot go past 2^64-1 */
    prev = offer_with(UINT64_MAX, 4000, "192.0.2.1");
    next = offer_with(0, 4002, "192.0.2.1");
    assert_int_equal(parley_sdp_bump_origin(next, prev, &bumped), PARLEY_E_INVAL);
    assert_int_equal(bumped, 0);
    parley_sdp_free(prev);
    parley_sdp_free(next);
}

static void test_equality_sees_every_field(void **state)
{
    (void)state;
    /* The round-trip check is only as good as the equality: one change per field class. */
    static const char *const variants[] = {
        "o=- 1 3 IN IP4 192.0.2.1\r\n",
        "s=y\r\n",
        "i=info\r\n",
        "b=AS:1\r\n",
        "a=tool:x\r\n",
        "m=audio 4002 RTP/AVP 0\r\n",
        "a=rtpmap:0 PCMA/8000\r\n",
        "a=fmtp:0 x\r\n",
        "a=sendonly\r\n",
        "c=IN IP4 192.0.2.9\r\n",
        "a=ptime:30\r\n",
        "y=unknown\r\n",
    };
    const char *base = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=x\r\nc=IN IP4 192.0.2.1\r\n"
                       "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    parley_sdp *a = ts_parse(base);
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char text[512];
        const char *v = variants[i];
        if (v[0] == 'o' || v[0] == 's')
            snprintf(text, sizeof(text), "v=0\r\n%s%s", v,
                     v[0] == 'o'
                         ? "s=x\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
                         : "o=- 1 2 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                           "m=audio 4000 RTP/AVP 0\r\n");
        else if (v[0] == 'm')
            snprintf(text, sizeof(text),
                     "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=x\r\n"
                     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n%s",
                     v);
        else
            snprintf(text, sizeof(text), "%s%s", base, v);
        parley_sdp *b = ts_parse(text);
        if (sdp_equal(a, b, 0))
            fail_msg("variant %zu seen as equal", i);
        parley_sdp_free(b);
    }
    parley_sdp *b = ts_parse("v=0\r\no=- 1 3 IN IP4 192.0.2.1\r\ns=x\r\nc=IN IP4 192.0.2.1\r\n"
                             "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
    assert_false(sdp_equal(a, b, 0));
    assert_true(sdp_equal(a, b, SDP_EQ_IGNORE_VERSION));
    parley_sdp_free(b);
    parley_sdp_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_offer_fields),
        cmocka_unit_test(test_build_defaults),
        cmocka_unit_test(test_build_rejects_what_cannot_be_written),
        cmocka_unit_test(test_build_out_of_memory),
        cmocka_unit_test(test_bump_origin),
        cmocka_unit_test(test_equality_sees_every_field),
    };
    return cmocka_run_group_tests_name("sdp_build", tests, NULL, NULL);
}
