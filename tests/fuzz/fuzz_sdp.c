/*
 * Fuzzes the SDP layer: parsing, printing and the negotiator. Invariants checked: no crash or
 * leak; a description that parses prints to text that parses to an equal description and prints
 * the same again; the negotiator answers any parsable offer with a parsable answer or a clean
 * error, and takes any input as an answer without harm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "parley/error.h"
#include "parley/sdp.h"
#include "sdp/sdp.h"

static void check_roundtrip(const parley_sdp *s)
{
    pl_buf a, b;
    pl_buf_init(&a, 1024);
    pl_buf_init(&b, 1024);
    sdp_doc_print(&a, s);
    parley_sdp *again = NULL;
    if (!pl_buf_ok(&a) || sdp_doc_parse(a.data, a.len, NULL, &again, NULL) != 0)
        abort(); /* a valid description prints valid text */
    if (!sdp_equal(s, again, 0))
        abort(); /* with the same fields */
    sdp_doc_print(&b, again);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort(); /* and printing is stable */
    parley_sdp_free(again);
    pl_buf_free(&a);
    pl_buf_free(&b);
}

static parley_sdp_neg *make_neg(void)
{
    static const parley_sdp_codec audio[] = {{0, NULL, 0, 0, NULL},
                                             {8, NULL, 0, 0, NULL},
                                             {96, "opus", 48000, 2, "useinbandfec=1"},
                                             {101, "telephone-event", 8000, 0, "0-16"}};
    static const parley_sdp_codec video[] = {{97, "H264", 90000, 0, "packetization-mode=1"},
                                             {98, "VP8", 90000, 0, NULL}};
    parley_sdp_stream_cfg st[3] = {PARLEY_SDP_STREAM_CFG_INIT, PARLEY_SDP_STREAM_CFG_INIT,
                                   PARLEY_SDP_STREAM_CFG_INIT};
    st[0].media = "audio";
    st[0].port = 4000;
    st[0].codecs = audio;
    st[0].ncodecs = 4;
    st[1].media = "video";
    st[1].port = 4002;
    st[1].codecs = video;
    st[1].ncodecs = 2;
    st[2].media = "image";
    st[2].port = 4004;
    st[2].proto = "udptl";
    st[2].formats = "t38";
    st[2].flags = PARLEY_SDP_STREAM_ANSWER_ONLY;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.addr = "192.0.2.1";
    cfg.sess_id = 1;
    cfg.streams = st;
    cfg.nstreams = 3;
    parley_sdp_neg *neg = NULL;
    if (parley_sdp_neg_create(&cfg, &neg) != 0)
        abort();
    return neg;
}

static void check_parses(const uint8_t *body, size_t len)
{
    parley_sdp *s = NULL;
    if (sdp_doc_parse((const char *)body, len, NULL, &s, NULL) != 0)
        abort(); /* everything the negotiator hands out parses */
    parley_sdp_free(s);
}

static void exercise_negotiator(const char *p, size_t size)
{
    parley_sdp_neg *neg = make_neg();
    const uint8_t *body;
    size_t len;
    parley_sdp_changes ch;
    /* as the answerer, twice (initial offer, then the same as a re-offer) */
    for (int i = 0; i < 2; i++)
        if (parley_sdp_neg_answer(neg, p, size, &body, &len, &ch) == 0)
            check_parses(body, len);
    /* as the offerer taking the input as the answer */
    if (parley_sdp_neg_offer(neg, &body, &len) == 0) {
        check_parses(body, len);
        if (parley_sdp_neg_set_answer(neg, p, size, &ch) == 0) {
            parley_sdp_stream st;
            for (unsigned i = 0; i < parley_sdp_neg_stream_count(neg); i++)
                if (parley_sdp_neg_stream(neg, i, &st) != 0)
                    abort();
            parley_sdp_neg_set_dir(neg, -1, PARLEY_SDP_SENDONLY);
            if (parley_sdp_neg_offer(neg, &body, &len) == 0)
                check_parses(body, len);
        }
    }
    parley_sdp_neg_free(neg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    parley_sdp *s = NULL;
    parley_parse_error err;
    int rc = parley_sdp_parse(p, size, NULL, &s, &err);
    if (rc == 0) {
        check_roundtrip(s);
        parley_sdp_free(s);
    } else if (s || (err.offset > (long)size) || !err.reason) {
        abort(); /* failures leave nothing behind and say where and why */
    }
    exercise_negotiator(p, size);
    return 0;
}
