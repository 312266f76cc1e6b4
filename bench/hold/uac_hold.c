/*
 * bench/hold, the calling side: N sessions placed by one parley endpoint (the public API only)
 * towards a UAS that holds them (SIPp's built-in uas scenario, started by uac.sh), and the
 * process's VmRSS read before the first call, when the N-th is up, and --settle seconds later
 * (the INVITE client transactions of RFC 6026's Timer M, 32 s, gone). Each session offers SDP,
 * either from a negotiator of its own (parley_session_use_sdp, the simple path) or from a clone
 * of one prototype (parley_sdp_neg_clone and the application's offer/answer contract, as
 * `parley listen` and `parley call` do).
 * Prints one line: "sessions N up_kb U held_kb H heap_up_kb HU heap_held_kb HH failed F": KiB
 * of growth over the start, of the RSS (which glibc mostly does not give back: read "held" as
 * an upper bound) and of the heap in use (mallinfo2: what the sessions really hold).
 * Usage: uac_hold HOST:PORT N RATE SETTLE_S use|clone
 */
#include <malloc.h>
#include <parley/parley.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int connected, failed;

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* Bytes the allocator has handed out and not had back (all arenas): what the sessions hold,
 * whether or not the allocator returned freed pages to the system. */
static long heap_kb(void)
{
    struct mallinfo2 m = mallinfo2();
    return (long)((m.uordblks + m.hblkhd) / 1024);
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void done(parley_session *s, const parley_result *r, void *user)
{
    (void)s, (void)user;
    if (r->error == 0 && r->status == 200)
        atomic_fetch_add(&connected, 1);
    else
        atomic_fetch_add(&failed, 1);
}

/* ---- clone mode: the application's contract over a clone per session ---- */

static int get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_offer(user, &body, &len);
    if (!rc)
        *out = (parley_content){"application/sdp", body, len};
    return rc;
}

static int get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                      void *user)
{
    (void)s;
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_answer(user, offer->body, offer->len, &body, &len, NULL);
    if (!rc)
        *out = (parley_content){"application/sdp", body, len};
    return rc;
}

static void set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    parley_sdp_neg_set_answer(user, answer->body, answer->len, NULL);
}

static void released(parley_session *s, void *user)
{
    (void)s;
    parley_sdp_neg_free(user);
}

static const parley_oa_ops clone_ops = {get_offer, get_answer, set_answer, NULL, NULL, NULL};
static const parley_session_cbs clone_cbs = {.on_released = released};

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[5], "use") && strcmp(argv[5], "clone"))) {
        fprintf(stderr, "usage: uac_hold HOST:PORT N RATE SETTLE_S use|clone\n");
        return 2;
    }
    char uri[128];
    snprintf(uri, sizeof(uri), "sip:hold@%s", argv[1]);
    int n = atoi(argv[2]), rate = atoi(argv[3]), settle = atoi(argv[4]);
    bool clone = !strcmp(argv[5], "clone");
    if (n <= 0 || rate <= 0 || settle < 0)
        return 2;

    static const parley_sdp_codec codecs[] = {{0, "PCMU", 8000, 0, NULL},
                                              {8, "PCMA", 8000, 0, NULL}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = 40000;
    audio.codecs = codecs;
    audio.ncodecs = 2;
    parley_sdp_cfg sdp = PARLEY_SDP_CFG_INIT;
    sdp.addr = "127.0.0.1";
    sdp.streams = &audio;
    sdp.nstreams = 1;
    parley_sdp_neg *proto = NULL;
    if (clone && parley_sdp_neg_create(&sdp, &proto) != 0)
        return 1;

    static const char *const listen[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.uri = "sip:hold@127.0.0.1";
    cfg.listen = listen;
    parley_endpoint *ep = NULL;
    if (parley_endpoint_create(&cfg, &ep) != 0 || parley_endpoint_start(ep) != 0) {
        fprintf(stderr, "uac_hold: cannot start the endpoint\n");
        return 1;
    }
    parley_session **all = calloc((size_t)n, sizeof(*all));
    if (!all)
        return 1;
    long before = rss_kb(), heap0 = heap_kb();
    parley_address to = {uri, NULL};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        /* paced at RATE: call i leaves at t0 + i / RATE */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long due_ms = (long)i * 1000 / rate,
             at_ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (due_ms > at_ms)
            pause_ms(due_ms - at_ms);
        if (parley_session_create(ep, &to, NULL, &all[i]) != 0) {
            atomic_fetch_add(&failed, 1);
            continue;
        }
        if (clone) {
            parley_sdp_neg *neg = NULL;
            if (parley_sdp_neg_clone(proto, &neg) != 0) {
                atomic_fetch_add(&failed, 1);
                continue;
            }
            parley_session_set_callbacks(all[i], &clone_cbs, neg);
            parley_session_set_offer_answer(all[i], &clone_ops, neg);
        } else {
            parley_session_use_sdp(all[i], &sdp);
        }
        if (parley_session_participate(all[i], NULL, 0, done, NULL) != 0)
            atomic_fetch_add(&failed, 1);
    }
    /* every call answered or failed: at most n / rate + 60 s */
    for (long waited = 0; atomic_load(&connected) + atomic_load(&failed) < n &&
                          waited < (long)n * 1000 / rate + 60000;
         waited += 100)
        pause_ms(100);
    long up = rss_kb(), heap_up = heap_kb();
    pause_ms((long)settle * 1000);
    long held = rss_kb(), heap_held = heap_kb();
    printf("sessions %d up_kb %ld held_kb %ld heap_up_kb %ld heap_held_kb %ld failed %d\n",
           atomic_load(&connected), up - before, held - before, heap_up - heap0, heap_held - heap0,
           atomic_load(&failed));
    fflush(stdout);
    parley_endpoint_stop(ep); /* every session ends (BYE) and is released here */
    for (int i = 0; i < n; i++)
        parley_session_unref(all[i]);
    parley_endpoint_unref(ep);
    parley_sdp_neg_free(proto);
    free(all);
    return atomic_load(&failed) ? 1 : 0;
}
