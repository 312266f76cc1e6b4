/*
 * The helpers of the SDP fast path: the integer formatter, the config check that stands in for
 * building and parsing a description (sdp_cfg_check() must take exactly what parley_sdp_build()
 * takes, and the negotiator with it), and the negotiator's descriptions made without parsing
 * (their model must be what the parser reads in their text).
 */
#include <inttypes.h>

#include "test_sdp_util.h"

/* ---- the integer formatter ---- */

static void assert_formats(uint64_t v)
{
    char want[32], got[32];
    snprintf(want, sizeof(want), "%" PRIu64, v);
    memset(got, 'x', sizeof(got));
    size_t n = sdp_u64_str(got, v);
    assert_int_equal(n, strlen(want));
    assert_int_equal(sdp_u64_len(v), n);
    assert_memory_equal(got, want, n);
    assert_int_equal(got[n], 'x'); /* nothing written past the digits */
}

static void test_u64_str(void **state)
{
    (void)state;
    uint64_t p = 1;
    for (int i = 0; i < 20; i++, p *= 10) { /* every power of ten and its neighbours */
        assert_formats(p);
        assert_formats(p - 1);
        assert_formats(p + 1);
        if (i == 19)
            break;
    }
    assert_formats(0);
    assert_formats(UINT64_MAX);
    assert_formats(UINT64_MAX - 1);
    assert_formats(UINT32_MAX);
    assert_formats(65535);
    for (uint64_t v = 0; v < 100000; v += 7)
        assert_formats(v);
    uint64_t x = 0x9e3779b97f4a7c15u; /* a few thousand values of every size */
    for (int i = 0; i < 4000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        assert_formats(x >> (i % 64));
    }
}

/* ---- the config check against parley_sdp_build() ---- */

static const parley_sdp_codec base_codecs[] = {
    {0, "PCMU", 8000, 0, NULL},
    {96, "opus", 48000, 2, "useinbandfec=1"},
    {101, "telephone-event", 8000, 0, "0-15"},
};
static const char *const base_attrs[] = {"rtcp-mux", "x-foo:bar"};

typedef struct cfgs {
    parley_sdp_cfg cfg;
    parley_sdp_stream_cfg st[2];
    parley_sdp_codec codecs[4];
    const char *attrs[4], *sattrs[2];
} cfgs;

static void base(cfgs *c)
{
    memset(c, 0, sizeof(*c));
    memcpy(c->codecs, base_codecs, sizeof(base_codecs));
    c->attrs[0] = base_attrs[0];
    c->attrs[1] = base_attrs[1];
    c->sattrs[0] = "tool:parley";
    c->st[0] = (parley_sdp_stream_cfg)PARLEY_SDP_STREAM_CFG_INIT;
    c->st[0].media = "audio";
    c->st[0].port = 4000;
    c->st[0].codecs = c->codecs;
    c->st[0].ncodecs = 3;
    c->st[0].ptime = 20;
    c->st[0].attrs = c->attrs;
    c->st[0].nattrs = 2;
    c->st[1] = (parley_sdp_stream_cfg)PARLEY_SDP_STREAM_CFG_INIT;
    c->st[1].media = "image";
    c->st[1].port = 4004;
    c->st[1].proto = "udptl";
    c->st[1].formats = "t38";
    c->cfg = (parley_sdp_cfg)PARLEY_SDP_CFG_INIT;
    c->cfg.user = "parley";
    c->cfg.addr = "192.0.2.1";
    c->cfg.name = "session";
    c->cfg.attrs = c->sattrs;
    c->cfg.nattrs = 1;
    c->cfg.streams = c->st;
    c->cfg.nstreams = 2;
}

/* sdp_cfg_check() and the negotiator agree with parley_sdp_build(); returns build's result. */
static int assert_same_verdict(const parley_sdp_cfg *cfg)
{
    parley_sdp *s = NULL;
    int built = parley_sdp_build(cfg, &s);
    parley_sdp_free(s);
    assert_true(built == 0 || built == PARLEY_E_INVAL);
    int checked = sdp_cfg_check(cfg, NULL);
    if (checked != built)
        fail_msg("sdp_cfg_check %d, parley_sdp_build %d", checked, built);
    /* the negotiator also wants ports and codec names; those are set in these configs */
    bool usable = true;
    for (size_t i = 0; cfg->streams && i < cfg->nstreams; i++) {
        const parley_sdp_stream_cfg *st = &cfg->streams[i];
        usable &= st->port && (st->ncodecs || st->formats) && st->ncodecs <= 64 &&
                  (!st->ncodecs || st->codecs);
        for (size_t k = 0; usable && k < st->ncodecs; k++)
            usable &= st->codecs[k].name || (st->codecs[k].pt >= 0 && st->codecs[k].pt < 35);
    }
    if (usable && cfg->nstreams <= PARLEY_SDP_MAX_STREAMS) {
        parley_sdp_neg *neg = NULL;
        assert_int_equal(parley_sdp_neg_create(cfg, &neg), built);
        parley_sdp_neg_free(neg);
    }
    return built;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_check_agrees_with_build(void **state)
{
    (void)state;
    char *long_word = repeat('a', 8200), *long_text = repeat('b', 9000);
    char *long_fmtp = repeat('c', 8180), *big = repeat('d', 8000);
    static const char *const words[] = {
        "",
        " ",
        "a b",
        "a\tb",
        "x\r",
        "x\n",
        "(paren)",
        "\"q\"",
        "a/b",
        "a//b",
        "/a",
        "a/",
        "RTP/AVP",
        "rtp/avp",
        "UDP/TLS/RTP/SAVPF",
        "RTP/SAVP",
        "udptl",
        "TCP/RTP/AVP",
        "192.0.2.1",
        "192.0.2.9",
        "999.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "host.example",
        "host_name.example",
        "::1",
        "2001:db8::1",
        "::g",
        "1234",
        "x\x7f",
        "\xc3\xa9t\xc3\xa9",
        "-",
        "audio",
        "video",
        "sendonly",
        "H264",
        "iLBC",
    };
    static const char *const texts[] = {
        "",
        " ",
        "  ",
        "x ",
        " x",
        "x\r\ny",
        "sendrecv",
        "sendonly",
        "recvonly:x",
        "inactive",
        "rtcp-mux",
        "rtcp:4001",
        "rtcp:4001 IN IP4 192.0.2.1",
        "rtcp:x",
        "rtcp:99999",
        "rtcp:4001 IN IP4 999.1.1.1",
        "ptime:20",
        "ptime:x",
        "ptime:100001",
        "ptime:20.5",
        "maxptime:40",
        "maxptime:",
        "rtpmap:0 PCMU/8000",
        "rtpmap:96 opus/48000/2",
        "rtpmap:97 x/8000",
        "rtpmap:x y/1",
        "rtpmap:0",
        "rtpmap:0 (x)/8000",
        "fmtp:0 a=b",
        "fmtp:96 x",
        "fmtp:97 y",
        "fmtp:x y",
        "fmtp:",
        "x y",
        "x:y",
        ":x",
        "a b:c",
        "t38",
        "t38 x",
        "0 8",
        "0 0",
        "96 128",
        "* t38",
        "name:  spaced  ",
        "tab\tend",
    };
    static const char *const *groups[] = {words, texts};
    static const size_t sizes[] = {sizeof(words) / sizeof(words[0]),
                                   sizeof(texts) / sizeof(texts[0])};
    unsigned accepted = 0, refused = 0;
    /* each string field of the base config takes every value of both lists */
    for (int field = 0; field < 15; field++) {
        for (size_t g = 0; g < 2; g++) {
            for (size_t i = 0; i <= sizes[g] + 4; i++) {
                const char *v = i < sizes[g]        ? groups[g][i]
                                : i == sizes[g]     ? long_word
                                : i == sizes[g] + 1 ? long_text
                                : i == sizes[g] + 2 ? long_fmtp
                                : i == sizes[g] + 3 ? big
                                                    : NULL;
                cfgs c;
                base(&c);
                switch (field) {
                case 0:
                    c.cfg.user = v;
                    break;
                case 1:
                    c.cfg.addr = v;
                    break;
                case 2:
                    c.cfg.name = v;
                    break;
                case 3:
                    c.sattrs[0] = v;
                    break;
                case 4:
                    c.st[0].media = v;
                    break;
                case 5:
                    c.st[0].proto = v;
                    break;
                case 6:
                    c.st[0].addr = v;
                    break;
                case 7:
                    c.codecs[0].name = v;
                    break;
                case 8:
                    c.codecs[1].fmtp = v;
                    break;
                case 9:
                    c.attrs[0] = v;
                    break;
                case 10:
                    c.attrs[1] = v;
                    break;
                case 11:
                    c.st[1].formats = v;
                    break;
                case 12:
                    c.st[1].proto = v;
                    break;
                case 13: /* an attribute line on the non-RTP stream */
                    c.st[1].attrs = c.attrs;
                    c.st[1].nattrs = 1;
                    c.attrs[0] = v;
                    break;
                default: /* the same attribute at both levels */
                    c.sattrs[0] = v;
                    c.attrs[0] = v;
                    break;
                }
                if (assert_same_verdict(&c.cfg) == 0)
                    accepted++;
                else
                    refused++;
            }
        }
    }
    assert_true(accepted > 100 && refused > 100);
    free(long_word);
    free(long_text);
    free(long_fmtp);
    free(big);
}

static void test_check_numbers_and_shapes(void **state)
{
    (void)state;
    cfgs c;
    base(&c);
    assert_int_equal(assert_same_verdict(&c.cfg), 0);
    /* payload types: range, repeats (RTP), repeats with names or fmtp (non-RTP, found by text) */
    int pts[] = {-1, 0, 96, 101, 127, 128};
    for (size_t i = 0; i < 6; i++) {
        base(&c);
        c.codecs[0].pt = pts[i];
        assert_same_verdict(&c.cfg);
        c.st[0].proto = "udptl";
        assert_same_verdict(&c.cfg);
        c.codecs[1].fmtp = NULL;
        assert_same_verdict(&c.cfg);
        c.codecs[0].name = NULL;
        assert_same_verdict(&c.cfg);
    }
    base(&c);
    c.codecs[0].rate = 0;
    assert_int_equal(assert_same_verdict(&c.cfg), PARLEY_E_INVAL);
    base(&c);
    c.codecs[1].channels = 300; /* written as parameters the parser reads as no channel count */
    assert_int_equal(assert_same_verdict(&c.cfg), 0);
    unsigned ptimes[] = {0, 1, 100000, 100001};
    for (size_t i = 0; i < 4; i++) {
        base(&c);
        c.st[0].ptime = ptimes[i];
        assert_same_verdict(&c.cfg);
    }
    for (int d = 0; d < 6; d++) { /* with a direction attribute among the lines, or not */
        base(&c);
        c.st[0].dir = (parley_sdp_dir)d;
        assert_same_verdict(&c.cfg);
        c.attrs[1] = "recvonly";
        assert_same_verdict(&c.cfg);
        c.sattrs[0] = "inactive";
        assert_same_verdict(&c.cfg);
    }
    uint64_t ids[] = {0, 1, UINT64_MAX};
    for (size_t i = 0; i < 3; i++) {
        base(&c);
        c.cfg.sess_id = ids[i];
        c.cfg.sess_version = ids[2 - i];
        assert_int_equal(assert_same_verdict(&c.cfg), 0);
    }
    /* missing pieces */
    base(&c);
    c.cfg.nattrs = 2; /* attrs[1] is NULL */
    assert_int_equal(assert_same_verdict(&c.cfg), PARLEY_E_INVAL);
    base(&c);
    c.st[0].attrs = NULL;
    assert_int_equal(assert_same_verdict(&c.cfg), PARLEY_E_INVAL);
    base(&c);
    c.st[1].formats = NULL;
    assert_int_equal(sdp_cfg_check(&c.cfg, NULL), PARLEY_E_INVAL);
    base(&c);
    c.cfg.streams = NULL;
    assert_int_equal(assert_same_verdict(&c.cfg), PARLEY_E_INVAL);
    assert_int_equal(sdp_cfg_check(NULL, NULL), PARLEY_E_INVAL);
    /* the parser's limits on the whole text: formats on one line, lines, size */
    char *many = malloc(257 * 8 + 1);
    size_t n = 0;
    for (int i = 0; i < 257; i++)
        n += (size_t)sprintf(many + n, "f%d ", i % 10 + i);
    base(&c);
    c.st[1].formats = many;
    assert_int_equal(assert_same_verdict(&c.cfg), PARLEY_E_INVAL);
    *strrchr(many, 'f') = '\0'; /* 256 formats */
    assert_same_verdict(&c.cfg);
    free(many);
    const char **lines = calloc(4100, sizeof(char *));
    for (int i = 0; i < 4100; i++)
        lines[i] = "x-line";
    for (size_t count = 4080; count <= 4100; count += 4) {
        base(&c);
        c.st[0].attrs = lines;
        c.st[0].nattrs = count;
        assert_same_verdict(&c.cfg);
    }
    char *chunk = repeat('z', 8000);
    for (int i = 0; i < 4100; i++)
        lines[i] = chunk;
    for (size_t count = 6; count <= 10; count++) { /* around 65536 bytes */
        base(&c);
        c.st[0].attrs = lines;
        c.st[0].nattrs = count;
        assert_same_verdict(&c.cfg);
    }
    free(chunk);
    free(lines);
}

/* ---- descriptions made without parsing ---- */

/* The negotiator's local description is what the parser reads in the text it handed out. */
static void assert_model_is_text(const parley_sdp_neg *neg, const uint8_t *body, size_t len)
{
    parley_sdp *p = NULL;
    assert_int_equal(sdp_doc_parse_general((const char *)body, len, NULL, &p, NULL), 0);
    const parley_sdp *made = parley_sdp_neg_local(neg);
    assert_non_null(made);
    if (!sdp_equal(made, p, 0))
        fail_msg("the model differs from the text:\n%.*s", (int)len, (const char *)body);
    char *a = ts_print(made), *b = ts_print(p);
    assert_string_equal(a, b);
    free(a);
    free(b);
    parley_sdp_free(p);
}

static void test_answers_and_offers_model_their_text(void **state)
{
    (void)state;
    static const char *const offers[] = {
        "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
        "m=audio 5000 RTP/AVP 96 0 101\r\na=rtpmap:96 OPUS/48000/2\r\na=fmtp:96 x=1\r\n"
        "a=rtpmap:101 Telephone-Event/8000\r\na=sendonly\r\nm=video 5002 RTP/AVP 31\r\n"
        "m=image 5004 udptl t38\r\n",
        "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=x\r\nc=IN IP6 ::1\r\nt=0 0\r\na=recvonly\r\n"
        "m=audio 5000 RTP/AVP 0 8\r\nm=image 0 udptl t38\r\n",
        "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
        "m=audio 5000 rtp/avp 0\r\nm=audio 5002 RTP/AVP 0\r\nm=image 5004 udptl t38 x\r\n",
    };
    for (int variant = 0; variant < 4; variant++) {
        cfgs c;
        base(&c);
        c.st[1].flags = variant & 1 ? 0 : PARLEY_SDP_STREAM_ANSWER_ONLY;
        c.st[0].addr = variant & 2 ? "2001:db8::5" : NULL;
        c.st[0].dir = variant & 2 ? PARLEY_SDP_SENDONLY : PARLEY_SDP_DIR_UNSET;
        c.cfg.name = variant & 1 ? "  " : "session";
        c.cfg.sess_id = 7;
        for (size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
            parley_sdp_neg *a = NULL, *b = NULL;
            assert_int_equal(parley_sdp_neg_create(&c.cfg, &a), 0);
            assert_int_equal(parley_sdp_neg_create(&c.cfg, &b), 0);
            const uint8_t *body;
            size_t len;
            assert_int_equal(
                parley_sdp_neg_answer(a, offers[i], strlen(offers[i]), &body, &len, NULL), 0);
            assert_model_is_text(a, body, len);
            parley_sdp_neg_free(a);
            assert_int_equal(parley_sdp_neg_create(&c.cfg, &a), 0);
            /* our own offer, answered by the other side, and a re-offer on hold */
            assert_int_equal(parley_sdp_neg_offer(b, &body, &len), 0);
            char *o = strndup((const char *)body, len);
            const uint8_t *ans;
            size_t alen;
            assert_int_equal(parley_sdp_neg_answer(a, o, strlen(o), &ans, &alen, NULL), 0);
            assert_model_is_text(a, ans, alen);
            assert_int_equal(parley_sdp_neg_set_answer(b, ans, alen, NULL), 0);
            assert_model_is_text(b, (const uint8_t *)o, strlen(o));
            assert_int_equal(parley_sdp_neg_set_dir(b, -1, PARLEY_SDP_INACTIVE), 0);
            assert_int_equal(parley_sdp_neg_offer(b, &body, &len), 0);
            free(o);
            o = strndup((const char *)body, len);
            assert_int_equal(parley_sdp_neg_answer(a, o, strlen(o), &ans, &alen, NULL), 0);
            assert_model_is_text(a, ans, alen);
            assert_int_equal(parley_sdp_neg_set_answer(b, ans, alen, NULL), 0);
            assert_model_is_text(b, (const uint8_t *)o, strlen(o));
            free(o);
            parley_sdp_neg_free(a);
            parley_sdp_neg_free(b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64_str),
        cmocka_unit_test(test_check_agrees_with_build),
        cmocka_unit_test(test_check_numbers_and_shapes),
        cmocka_unit_test(test_answers_and_offers_model_their_text),
    };
    return cmocka_run_group_tests_name("sdp_cfg", tests, NULL, NULL);
}
