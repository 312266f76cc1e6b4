/*
 * An echo bot: it answers every session (SDP through parley_session_use_sdp) and sends every
 * in-session MESSAGE back to whoever sent it, with an X-Echo header. The per-session state is
 * the application's own, freed in on_released (after it nothing fires for the session).
 *
 * main() plays a caller against the bot over UDP on loopback: call, two messages, hang up. Exit
 * 0 when both echoes came back and the bot released its session. Build: cc echo_bot.c
 * $(pkg-config --cflags --libs parley)
 */
#include <parley/parley.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the bot ---- */

typedef struct bot_session {
    unsigned echoed; /* messages sent back in this session */
} bot_session;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int bot_released, caller_echoes;

static int use_sdp(parley_session *s, uint16_t port)
{
    static const parley_sdp_codec pcmu[] = {{0, "PCMU", 8000, 0, NULL}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = port;
    audio.codecs = pcmu;
    audio.ncodecs = 1;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.addr = "127.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    return parley_session_use_sdp(s, &cfg);
}

static void bot_on_message(parley_session *s, parley_request *req, void *user)
{
    bot_session *b = user;
    const parley_msg *m = parley_request_msg(req);
    if (parley_request_type(req) != PARLEY_MSG_MESSAGE)
        return; /* INFO, OPTIONS...: parley answers 200 */
    parley_slice body = parley_msg_body(m), ct = {NULL, 0};
    parley_msg_header(m, "Content-Type", 0, &ct);
    char type[128];
    snprintf(type, sizeof(type), "%.*s", (int)ct.len, ct.p);
    parley_request_respond(req, 200, NULL, NULL, NULL, 0);
    /* the echo: a call from inside the callback is fine, it goes once the callback returned */
    char n[16];
    snprintf(n, sizeof(n), "%u", ++b->echoed);
    parley_header h = {"X-Echo", n};
    parley_content echo = {ct.len ? type : NULL, body.p, body.len};
    parley_session_send_message(s, PARLEY_MSG_MESSAGE, &echo, &h, 1, NULL, NULL);
}

static void bot_on_released(parley_session *s, void *user)
{
    (void)s;
    free(user); /* nothing fires for this session any more */
    pthread_mutex_lock(&mu);
    bot_released++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void bot_on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                           void *user)
{
    (void)ep, (void)info, (void)user;
    bot_session *b = calloc(1, sizeof(*b));
    if (!b) {
        parley_session_reject(s, 503, NULL, NULL, 0);
        return;
    }
    parley_session_cbs cbs = {0};
    cbs.on_message = bot_on_message;
    cbs.on_released = bot_on_released;
    parley_session_set_callbacks(s, &cbs, b);
    use_sdp(s, 42000);
    parley_session_participate(s, NULL, 0, NULL, NULL);
}

/* ---- the caller ---- */

static void caller_on_message(parley_session *s, parley_request *req, void *user)
{
    (void)s, (void)user;
    const parley_msg *m = parley_request_msg(req);
    parley_slice body = parley_msg_body(m), n = {NULL, 0};
    parley_msg_header(m, "X-Echo", 0, &n);
    printf("caller got echo %.*s: \"%.*s\"\n", (int)n.len, n.p, (int)body.len, body.p);
    pthread_mutex_lock(&mu);
    caller_echoes++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits (5 s at most) until *counter reaches n. */
static int wait_for(int *counter, int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (*counter < n && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    int ok = *counter >= n;
    pthread_mutex_unlock(&mu);
    return ok;
}

int main(void)
{
    int failed = 1;
    const char *listen[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config bc = PARLEY_ENDPOINT_CONFIG_INIT, cc = PARLEY_ENDPOINT_CONFIG_INIT;
    bc.uri = "sip:echo@127.0.0.1";
    bc.listen = listen;
    cc.uri = "sip:caller@127.0.0.1";
    cc.listen = listen;
    parley_endpoint *bot = NULL, *caller = NULL;
    parley_session *call = NULL;
    if (parley_endpoint_create(&bc, &bot) || parley_endpoint_create(&cc, &caller) ||
        parley_endpoint_set_session_cb(bot, bot_on_session, NULL) || parley_endpoint_start(bot) ||
        parley_endpoint_start(caller))
        goto out;
    char addr[64], target[96];
    parley_endpoint_local_addr(bot, 0, addr, sizeof(addr));
    snprintf(target, sizeof(target), "sip:echo@%s", addr + 4);
    parley_address to = {target, NULL};
    if (parley_session_create(caller, &to, NULL, &call))
        goto out;
    parley_session_cbs cbs = {0};
    cbs.on_message = caller_on_message;
    parley_session_set_callbacks(call, &cbs, NULL);
    use_sdp(call, 40000);
    parley_result *r = NULL;
    int err = parley_session_participate_sync(call, NULL, 0, &r);
    parley_result_free(r);
    if (err)
        goto out;
    const char *lines[] = {"hello bot", "are you there?"};
    for (int i = 0; i < 2; i++) {
        parley_content text = {"text/plain", lines[i], strlen(lines[i])};
        if (parley_session_send_message_sync(call, PARLEY_MSG_MESSAGE, &text, NULL, 0, &r))
            goto out;
        parley_result_free(r);
    }
    if (!wait_for(&caller_echoes, 2))
        goto out;
    parley_session_terminate_sync(call, NULL, 0, &r);
    parley_result_free(r);
    failed = !wait_for(&bot_released, 1);
out:
    parley_session_unref(call);
    if (caller)
        parley_endpoint_stop(caller);
    if (bot)
        parley_endpoint_stop(bot);
    parley_endpoint_unref(caller);
    parley_endpoint_unref(bot);
    printf("echo bot: %s\n", failed ? "FAILED" : "ok");
    return failed;
}
