/*
 * Soak helper (make soak): N calls to TARGET_URI, CONCURRENCY at a time; each call, once up,
 * sends one in-session MESSAGE ("call-<i>") and then hangs up. Every call must come to an end
 * by itself: its completions and its on_released all come (each bounded by the SIP timers),
 * so the program waits for the N releases (with an outer bound) and then checks that the
 * endpoint holds no session or transaction.
 * Usage: soak_calls BIND TARGET_URI N CONCURRENCY [T2_MS]
 * Prints "msg-ok <i>" for every MESSAGE answered 2xx, then a summary line
 * "calls=.. connected=.. failed=.. messages_ok=.. messages_failed=.. released=.. left=..";
 * exits 0 when every call was released and nothing is left.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parley/sdp.h"
#include "parley/session.h"

typedef struct call {
    int i;
    parley_session *s;
} call;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int n_calls, next_call, connected, failed, msg_ok, msg_failed, released;
static parley_endpoint *ep;
static const char *target;
static char local_ip[64];

static void start_next(void);

static void on_terminated(parley_session *s, const parley_result *r, void *user)
{
    (void)s;
    (void)r;
    (void)user;
}

static void on_message_done(parley_session *s, const parley_result *r, void *user)
{
    call *c = user;
    bool ok = !r->error && r->status >= 200 && r->status < 300;
    pthread_mutex_lock(&mu);
    if (ok)
        msg_ok++;
    else
        msg_failed++;
    pthread_mutex_unlock(&mu);
    if (ok)
        printf("msg-ok %d\n", c->i);
    else
        fprintf(stderr, "msg-fail %d %s %d\n", c->i, parley_err_name(r->error), r->status);
    /* a MESSAGE that timed out ended the session already (BYE + Timeout): then this fails */
    parley_session_terminate(s, NULL, 0, on_terminated, c);
}

static void on_participated(parley_session *s, const parley_result *r, void *user)
{
    call *c = user;
    pthread_mutex_lock(&mu);
    if (r->error)
        failed++;
    else
        connected++;
    pthread_mutex_unlock(&mu);
    if (r->error) {
        fprintf(stderr, "call-fail %d %s %d\n", c->i, parley_err_name(r->error), r->status);
        return; /* the session ended with it: on_released follows */
    }
    char text[32];
    snprintf(text, sizeof(text), "call-%d", c->i);
    parley_content body = {"text/plain", text, strlen(text)};
    if (parley_session_send_message(s, PARLEY_MSG_MESSAGE, &body, NULL, 0, on_message_done, c) !=
        0) {
        pthread_mutex_lock(&mu);
        msg_failed++;
        pthread_mutex_unlock(&mu);
        parley_session_terminate(s, NULL, 0, on_terminated, c);
    }
}

static void on_released(parley_session *s, void *user)
{
    call *c = user;
    (void)s;
    pthread_mutex_lock(&mu);
    released++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    start_next();
    (void)c; /* freed by main, with its session */
}

static call *calls;

static void start_next(void)
{
    pthread_mutex_lock(&mu);
    int i = next_call < n_calls ? next_call++ : -1;
    pthread_mutex_unlock(&mu);
    if (i < 0)
        return;
    call *c = &calls[i];
    c->i = i;
    parley_address to = {target, NULL};
    static const parley_session_cbs cbs = {.on_released = on_released};
    /* an SDP offer in the INVITE, as real callers make (parley listen answers it) */
    static const parley_sdp_codec pcmu[] = {{0, "PCMU", 8000, 0, NULL}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = 40000;
    audio.codecs = pcmu;
    audio.ncodecs = 1;
    parley_sdp_cfg sdp = PARLEY_SDP_CFG_INIT;
    sdp.addr = local_ip;
    sdp.streams = &audio;
    sdp.nstreams = 1;
    if (parley_session_create(ep, &to, NULL, &c->s) != 0 ||
        parley_session_set_callbacks(c->s, &cbs, c) != 0 || parley_session_use_sdp(c->s, &sdp) ||
        parley_session_participate(c->s, NULL, 0, on_participated, c) != 0) {
        fprintf(stderr, "soak_calls: cannot start call %d\n", i);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: soak_calls BIND TARGET_URI N CONCURRENCY [T2_MS]\n");
        return 2;
    }
    target = argv[2];
    /* the address of BIND ("udp:10.78.0.1:5060") for the SDP */
    const char *h = strchr(argv[1], ':');
    snprintf(local_ip, sizeof(local_ip), "%s", h ? h + 1 : "127.0.0.1");
    char *colon = strrchr(local_ip, ':');
    if (colon)
        *colon = '\0';
    n_calls = atoi(argv[3]);
    int conc = atoi(argv[4]);
    calls = calloc((size_t)n_calls, sizeof(*calls));
    const char *listen[] = {argv[1], NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = listen;
    cfg.t2_ms = argc > 5 ? (unsigned)atoi(argv[5]) : 0;
    if (parley_endpoint_create(&cfg, &ep) || parley_endpoint_start(ep)) {
        fprintf(stderr, "soak_calls: cannot start\n");
        return 2;
    }
    for (int i = 0; i < conc && i < n_calls; i++)
        start_next();
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1800; /* far beyond what the timers allow: a hang is a failure */
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (released < n_calls && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    pthread_mutex_unlock(&mu);
    /* the last BYEs' transactions (and absorbing timers) run out: wait for an empty endpoint,
     * checking once a second, at most 70 s (Timer K/D and 64*T1 are well within) */
    parley_endpoint_stats st = PARLEY_ENDPOINT_STATS_INIT;
    for (int i = 0; i < 70; i++) {
        parley_endpoint_read_stats(ep, &st);
        if (!st.sessions && !st.transactions)
            break;
        struct timespec one = {1, 0};
        pthread_mutex_lock(&mu);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += one.tv_sec;
        pthread_cond_timedwait(&cv, &mu, &until);
        pthread_mutex_unlock(&mu);
    }
    printf("calls=%d connected=%d failed=%d messages_ok=%d messages_failed=%d released=%d "
           "left=%llu\n",
           n_calls, connected, failed, msg_ok, msg_failed, released,
           (unsigned long long)(st.sessions + st.transactions));
    fflush(stdout);
    bool ok = released == n_calls && !st.sessions && !st.transactions;
    parley_endpoint_stop(ep);
    for (int i = 0; i < n_calls; i++)
        parley_session_unref(calls[i].s);
    parley_endpoint_unref(ep);
    free(calls);
    return ok ? 0 : 1;
}
