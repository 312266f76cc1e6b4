/*
 * The SDP share of one UAS call, case by case, for instruction counts under callgrind: what
 * `parley listen --answer auto` does per call (one negotiator with the CLI's audio config, the
 * answer to a one-stream audio offer, the negotiator freed at the end) and the parse of that
 * offer alone. Only public API is used, so the same file builds against an older libparley to
 * give the ratios of run.sh --baseline.
 *
 * Callgrind runs with --collect-atstart=no; each case toggles collection around the measured
 * call only, so set-up (a fresh negotiator for each answer) is not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "cases.h"
#include "parley/sdp.h"

/* 0 during the warm-up run: nothing is collected then. */
static int measuring;
#define TOGGLE()                                                                                   \
    do {                                                                                           \
        if (measuring)                                                                             \
            CALLGRIND_TOGGLE_COLLECT;                                                              \
    } while (0)

/* A typical one-stream audio offer (v/o/s/c/t/m, three rtpmaps, ptime, sendrecv). */
static const char offer[] = "v=0\r\n"
                            "o=sipp 5366 2353687637 IN IP4 127.0.0.1\r\n"
                            "s=-\r\n"
                            "c=IN IP4 127.0.0.1\r\n"
                            "t=0 0\r\n"
                            "m=audio 6000 RTP/AVP 0 8 101\r\n"
                            "a=rtpmap:0 PCMU/8000\r\n"
                            "a=rtpmap:8 PCMA/8000\r\n"
                            "a=rtpmap:101 telephone-event/8000\r\n"
                            "a=ptime:20\r\n"
                            "a=sendrecv\r\n";

/* The local capabilities of `parley listen` (tools/parley/session_cli.c). */
static const parley_sdp_codec codecs[] = {
    {0, "PCMU", 8000, 0, NULL},
    {8, "PCMA", 8000, 0, NULL},
    {101, "telephone-event", 8000, 0, "0-15"},
};

static parley_sdp_neg *create(void)
{
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = 20000;
    audio.codecs = codecs;
    audio.ncodecs = 3;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.user = "parley";
    cfg.addr = "127.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    parley_sdp_neg *neg = NULL;
    if (parley_sdp_neg_create(&cfg, &neg) != 0)
        abort();
    return neg;
}

static void answer(parley_sdp_neg *neg)
{
    const uint8_t *body;
    size_t len;
    if (parley_sdp_neg_answer(neg, offer, sizeof(offer) - 1, &body, &len, NULL) != 0 || !len)
        abort();
}

static void case_neg_create(void)
{
    TOGGLE();
    parley_sdp_neg *neg = create();
    TOGGLE();
    parley_sdp_neg_free(neg);
}

static void case_answer(void)
{
    parley_sdp_neg *neg = create();
    TOGGLE();
    answer(neg);
    TOGGLE();
    parley_sdp_neg_free(neg);
}

static void case_parse(void)
{
    parley_sdp *s = NULL;
    TOGGLE();
    int rc = parley_sdp_parse(offer, sizeof(offer) - 1, NULL, &s, NULL);
    TOGGLE();
    if (rc != 0)
        abort();
    parley_sdp_free(s);
}

/* Everything the SDP layer costs one call: create, answer, free. */
static void case_call(void)
{
    TOGGLE();
    parley_sdp_neg *neg = create();
    answer(neg);
    parley_sdp_neg_free(neg);
    TOGGLE();
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"neg_create", case_neg_create},
    {"answer", case_answer},
    {"parse_offer", case_parse},
    {"call", case_call},
};
enum { NCASES = sizeof(cases) / sizeof(cases[0]) };

int bench_sdp_cases_main(int argc, char **argv)
{
    const char *name = NULL;
    unsigned iters = 200;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            for (size_t k = 0; k < NCASES; k++)
                printf("%s\n", cases[k].name);
            return 0;
        }
        if (!strcmp(argv[i], "--instr") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = (unsigned)atoi(argv[++i]);
    }
    if (iters < 1 || iters > 1000000)
        iters = 200;
    for (size_t k = 0; name && k < NCASES; k++) {
        if (strcmp(name, cases[k].name))
            continue;
        /* warm-up outside collection: the first call pays for lazy binding and heap set-up */
        cases[k].run();
        measuring = 1;
        for (unsigned i = 0; i < iters; i++)
            cases[k].run();
        printf("instr-ops: %u\n", iters);
        return 0;
    }
    fprintf(stderr, "bench_sdp: unknown case %s (see --list)\n", name ? name : "(none)");
    return 2;
}
