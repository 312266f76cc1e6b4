/*
 * A signaling session between two endpoints in one process, over UDP on loopback, with the
 * public API only: Bob accepts incoming sessions; Alice calls him with an SDP offer, sends a
 * MESSAGE, gets one back, and hangs up. Build: cc hello_session.c $(pkg-config --cflags --libs
 * parley). Exit 0 when everything went as expected.
 */
#include <parley/parley.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Local media capabilities: one audio stream, PCMU and PCMA, on its own port per session.
 * parley_session_use_sdp copies it into a negotiator of the session's own. */
static int use_sdp(parley_session *s, uint16_t port)
{
    static const parley_sdp_codec codecs[] = {{0, "PCMU", 8000, 0, NULL},
                                              {8, "PCMA", 8000, 0, NULL}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = port;
    audio.codecs = codecs;
    audio.ncodecs = 2;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.addr = "127.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    return parley_session_use_sdp(s, &cfg);
}

/* ---- Bob: answers every call and replies to every message ---- */

static void bob_on_message(parley_session *s, parley_request *req, void *user)
{
    (void)user;
    parley_slice body = parley_msg_body(parley_request_msg(req));
    printf("bob   got \"%.*s\"\n", (int)body.len, body.p);
    parley_request_respond(req, 200, NULL, NULL, NULL, 0);
    parley_content reply = {"text/plain", "hello Alice", 11};
    parley_session_send_message(s, PARLEY_MSG_MESSAGE, &reply, NULL, 0, NULL, NULL);
}

static void bob_on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                           void *user)
{
    (void)ep;
    (void)user;
    printf("bob   incoming call, %s\n", info->offer ? "with an offer" : "without offer");
    parley_session_cbs cbs = {0};
    cbs.on_message = bob_on_message;
    parley_session_set_callbacks(s, &cbs, NULL);
    use_sdp(s, 41000);
    parley_session_participate(s, NULL, 0, NULL, NULL); /* 200 OK with the SDP answer */
}

/* ---- Alice ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int alice_messages;

static void alice_on_message(parley_session *s, parley_request *req, void *user)
{
    (void)s;
    (void)user;
    parley_slice body = parley_msg_body(parley_request_msg(req));
    printf("alice got \"%.*s\"\n", (int)body.len, body.p);
    pthread_mutex_lock(&mu);
    alice_messages++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits (at most 5 s) for Bob's message to reach Alice. */
static int wait_for_reply(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (alice_messages == 0 && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    int got = alice_messages;
    pthread_mutex_unlock(&mu);
    return got;
}

static void alice_on_state(parley_session *s, const parley_state_change *ev, void *user)
{
    (void)s;
    (void)user;
    printf("alice %s -> %s (%s)\n", parley_state_name(ev->prev), parley_state_name(ev->state),
           parley_reason_name(ev->reason));
}

int main(void)
{
    int failed = 1;
    const char *bob_listen[] = {"udp:127.0.0.1:0", NULL};
    const char *alice_listen[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config bc = PARLEY_ENDPOINT_CONFIG_INIT, ac = PARLEY_ENDPOINT_CONFIG_INIT;
    bc.uri = "sip:bob@127.0.0.1";
    bc.listen = bob_listen;
    ac.uri = "sip:alice@127.0.0.1";
    ac.display_name = "Alice";
    ac.listen = alice_listen;
    parley_endpoint *bob = NULL, *alice = NULL;
    parley_session *call = NULL;
    if (parley_endpoint_create(&bc, &bob) || parley_endpoint_create(&ac, &alice) ||
        parley_endpoint_set_session_cb(bob, bob_on_session, NULL) || parley_endpoint_start(bob) ||
        parley_endpoint_start(alice))
        goto out;

    /* where Bob listens ("udp:127.0.0.1:PORT") */
    char addr[64], target[96];
    parley_endpoint_local_addr(bob, 0, addr, sizeof(addr));
    snprintf(target, sizeof(target), "sip:bob@%s", addr + 4);

    parley_address to = {target, NULL};
    if (parley_session_create(alice, &to, NULL, &call))
        goto out;
    parley_session_cbs cbs = {0};
    cbs.on_state = alice_on_state;
    cbs.on_message = alice_on_message;
    parley_session_set_callbacks(call, &cbs, NULL);
    use_sdp(call, 40000);

    parley_result *r = NULL;
    int err = parley_session_participate_sync(call, NULL, 0, &r); /* INVITE ... 200, ACK */
    printf("alice call: %s, %d %s\n", parley_strerror(err), r ? r->status : 0, r ? r->reason : "");
    parley_result_free(r);
    if (err)
        goto out;

    parley_content hello = {"text/plain", "hello Bob", 9};
    parley_header custom = {"X-Greeting", "friendly"};
    err = parley_session_send_message_sync(call, PARLEY_MSG_MESSAGE, &hello, &custom, 1, &r);
    parley_result_free(r);
    if (err)
        goto out;

    if (!wait_for_reply()) /* Bob answers Alice's message with one of his own */
        goto out;
    parley_session_terminate_sync(call, NULL, 0, &r); /* BYE */
    parley_result_free(r);
    /* the session ends when the loop has run the BYE: terminate_sync waited for that */
    failed = parley_session_state(call) != PARLEY_STATE_DISCONNECTED;
out:
    parley_session_unref(call);
    if (alice)
        parley_endpoint_stop(alice);
    if (bob)
        parley_endpoint_stop(bob);
    parley_endpoint_unref(alice);
    parley_endpoint_unref(bob);
    return failed;
}
