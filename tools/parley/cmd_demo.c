/*
 * parley demo: a whole signaling session between two endpoints in this process, over real UDP
 * on loopback: INVITE with an SDP offer, ringing, answer, a MESSAGE each way with a custom
 * header, an INFO, hold and resume by re-INVITE, BYE. Prints the call flow as a ladder of
 * the SIP messages on the wire and the events each side saw. Exit 0 when it all went right.
 * parley demo [--pcap FILE] [--ladder FILE.html]: at the end, the first session's ladder and
 * the HTML page (default $TMPDIR/parley-demo.html) and capture written.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "parley/parley.h"
#include "trace_out.h"

static const char usage[] =
    "usage: parley demo [--pcap FILE] [--ladder FILE.html]\n"
    "Runs a whole signaling session between endpoints in this process over loopback and\n"
    "narrates it; ends with the first session's call flow and the HTML page written\n"
    "(--ladder, default $TMPDIR/parley-demo.html). Exit 0 when every step behaved.\n";

static cli_tracer tracer; /* the demo's --pcap and --ladder: both endpoints trace into it */

#define STEP_WAIT_MS 5000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int bob_messages, alice_messages;
static char alice_addr[64], bob_addr[64];

/* ---- the ladder: one line per SIP message, printed when it is received (the receiver prints
 * before it answers, so the lines come in causal order across the two loop threads) ---- */

static void ladder(parley_endpoint *ep, const parley_trace_event *ev, void *user)
{
    (void)ep;
    cli_tracer_event(&tracer, ev);
    const char *who = user;
    if (ev->sent)
        return;
    const char *nl = memchr(ev->data, '\r', ev->len);
    int n = nl ? (int)(nl - ev->data) : (int)ev->len;
    if (n > 60)
        n = 60;
    pthread_mutex_lock(&mu);
    if (!strcmp(who, "bob"))
        printf("  alice  ----- %-60.*s ----->  bob\n", n, ev->data);
    else
        printf("  alice  <---- %-60.*s ------  bob\n", n, ev->data);
    fflush(stdout);
    pthread_mutex_unlock(&mu);
}

static void note(const char *who, const char *what)
{
    pthread_mutex_lock(&mu);
    printf("  %-5s  [%s]\n", who, what);
    fflush(stdout);
    pthread_mutex_unlock(&mu);
}

/* Each session gets its own negotiator from this (parley_session_use_sdp copies it). */
static int use_sdp(parley_session *s, unsigned port)
{
    static const parley_sdp_codec codecs[] = {{0, "PCMU", 8000, 0, NULL},
                                              {8, "PCMA", 8000, 0, NULL},
                                              {101, "telephone-event", 8000, 0, "0-15"}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = (uint16_t)port;
    audio.codecs = codecs;
    audio.ncodecs = 3;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.user = "parley";
    cfg.addr = "127.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    return parley_session_use_sdp(s, &cfg);
}

/* ---- Bob ---- */

static void bob_state(parley_session *s, const parley_state_change *ev, void *user)
{
    (void)s;
    (void)user;
    char t[96];
    snprintf(t, sizeof(t), "state %s (%s)", parley_state_name(ev->state),
             parley_reason_name(ev->reason));
    note("bob", t);
}

static void bob_message(parley_session *s, parley_request *req, void *user)
{
    (void)user;
    const parley_msg *m = parley_request_msg(req);
    parley_slice body = parley_msg_body(m), method = parley_msg_method(m), hdr = {"", 0};
    parley_msg_header(m, "X-Demo", 0, &hdr);
    char t[200];
    int n = snprintf(t, sizeof(t), "%.*s \"", (int)method.len, method.p);
    for (size_t i = 0; i < body.len && n < 120; i++) /* line breaks shown as \r\n */
        n += snprintf(t + n, sizeof(t) - (size_t)n, "%s",
                      body.p[i] == '\r'   ? "\\r"
                      : body.p[i] == '\n' ? "\\n"
                                          : (char[2]){body.p[i], 0});
    snprintf(t + n, sizeof(t) - (size_t)n, "\"%s%.*s", hdr.len ? ", X-Demo: " : "", (int)hdr.len,
             hdr.p);
    note("bob", t);
    if (method.len == 7 && !memcmp(method.p, "MESSAGE", 7)) {
        parley_content reply = {"text/plain", "Hi Alice, Bob here.", 19};
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, &reply, NULL, 0, NULL, NULL);
    }
    pthread_mutex_lock(&mu);
    bob_messages++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void bob_reinvite(parley_session *s, const parley_msg *m, void *user)
{
    (void)s;
    (void)m;
    (void)user;
    unsigned hold = parley_sdp_neg_hold(parley_session_sdp(s));
    note("bob", hold & PARLEY_SDP_HOLD_REMOTE ? "re-INVITE: Alice put me on hold"
                                              : "re-INVITE: media flowing both ways");
}

static void bob_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                        void *user)
{
    (void)ep;
    (void)user;
    const parley_participant *p = parley_session_remote(s);
    char t[160];
    snprintf(t, sizeof(t), "incoming session from %s (%s), %s",
             parley_participant_name(p) ? parley_participant_name(p) : "?",
             parley_participant_uri(p), info->offer ? "SDP offer" : "no offer");
    note("bob", t);
    parley_session_cbs cbs = {0};
    cbs.on_state = bob_state;
    cbs.on_message = bob_message;
    cbs.on_reinvite = bob_reinvite;
    parley_session_set_callbacks(s, &cbs, NULL);
    use_sdp(s, 41000);
    parley_session_provisional(s, 180, NULL, NULL, 0, 0);
    parley_header h = {"X-Demo", "answered by parley"};
    parley_session_participate(s, &h, 1, NULL, NULL);
}

/* ---- Alice ---- */

static void alice_state(parley_session *s, const parley_state_change *ev, void *user)
{
    (void)s;
    (void)user;
    char t[96];
    snprintf(t, sizeof(t), "state %s (%s)", parley_state_name(ev->state),
             parley_reason_name(ev->reason));
    note("alice", t);
}

static void alice_message(parley_session *s, parley_request *req, void *user)
{
    (void)s;
    (void)user;
    parley_slice body = parley_msg_body(parley_request_msg(req));
    char t[128];
    snprintf(t, sizeof(t), "MESSAGE \"%.*s\"", (int)body.len, body.p);
    note("alice", t);
    pthread_mutex_lock(&mu);
    alice_messages++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static int wait_count(int *counter, int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STEP_WAIT_MS / 1000;
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (*counter < n && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    int ok = *counter >= n;
    pthread_mutex_unlock(&mu);
    return ok;
}

static int step(const char *what, int err, parley_result *r)
{
    char t[160];
    if (r && r->status)
        snprintf(t, sizeof(t), "%s: %d %s", what, r->status, r->reason);
    else
        snprintf(t, sizeof(t), "%s: %s", what, parley_strerror(err));
    note("alice", t);
    parley_result_free(r);
    return err;
}

/* --pcap, --ladder, --help; 1 to run, else the exit code. */
static int demo_options(int argc, char **argv, int *rc)
{
    static char html[512];
    cli_tracer_init(&tracer);
    tracer.keep_ladder = true;
    for (int i = 1; i < argc; i++) {
        int t =
            cli_is_help(argv[i]) ? 0 : cli_tracer_option(&tracer, argc, argv, &i, "demo", usage);
        if (t < 0 || (t == 0 && !cli_is_help(argv[i])) || tracer.text) {
            *rc = t < 0 ? CLI_ERROR : cli_usage_error("demo", "unknown option", argv[i], usage);
            return 0;
        }
        if (t == 0) {
            fputs(usage, stdout);
            *rc = CLI_OK;
            return 0;
        }
    }
    if (!tracer.ladder_path) {
        const char *tmp = getenv("TMPDIR");
        snprintf(html, sizeof(html), "%s/parley-demo.html", tmp && *tmp ? tmp : "/tmp");
        tracer.ladder_path = html;
    }
    *rc = cli_tracer_open(&tracer, "demo") == 0 ? CLI_OK : CLI_ERROR;
    return *rc == CLI_OK;
}

int cmd_demo(int argc, char **argv)
{
    int rc;
    if (!demo_options(argc, argv, &rc)) {
        cli_tracer_free(&tracer);
        return rc;
    }
    printf("parley demo: a signaling session between Alice and Bob, two endpoints in this\n"
           "process talking SIP over UDP on 127.0.0.1 (the ladder shows each message as it\n"
           "leaves its sender; [brackets] are what each side's application saw).\n\n");
    const char *listen[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config ac = PARLEY_ENDPOINT_CONFIG_INIT, bc = PARLEY_ENDPOINT_CONFIG_INIT;
    ac.uri = "sip:alice@127.0.0.1";
    ac.display_name = "Alice";
    ac.listen = listen;
    ac.on_trace = ladder;
    ac.user = "alice";
    bc.uri = "sip:bob@127.0.0.1";
    bc.display_name = "Bob";
    bc.listen = listen;
    bc.on_trace = ladder;
    bc.user = "bob";
    parley_endpoint *alice = NULL, *bob = NULL;
    parley_session *call = NULL;
    int err = parley_endpoint_create(&ac, &alice);
    if (!err)
        err = parley_endpoint_create(&bc, &bob);
    if (!err)
        err = parley_endpoint_set_session_cb(bob, bob_session, NULL);
    if (!err)
        err = parley_endpoint_start(alice);
    if (!err)
        err = parley_endpoint_start(bob);
    if (err) {
        fprintf(stderr, "demo: cannot start the endpoints: %s\n", parley_strerror(err));
        goto out;
    }
    parley_endpoint_local_addr(alice, 0, alice_addr, sizeof(alice_addr));
    parley_endpoint_local_addr(bob, 0, bob_addr, sizeof(bob_addr));
    printf("  alice listens on %s, bob on %s\n\n", alice_addr, bob_addr);

    char target[96];
    snprintf(target, sizeof(target), "sip:bob@%s", bob_addr + 4);
    parley_address to = {target, NULL};
    err = parley_session_create(alice, &to, NULL, &call);
    if (err)
        goto out;
    parley_session_cbs cbs = {0};
    cbs.on_state = alice_state;
    cbs.on_message = alice_message;
    parley_session_set_callbacks(call, &cbs, NULL);
    use_sdp(call, 40000);
    parley_sdp_neg *alice_neg = parley_session_sdp(call);

    parley_result *r = NULL;
    parley_header h = {"X-Demo", "hello from parley"};
    err = parley_session_participate_sync(call, &h, 1, &r);
    if ((err = step("call", err, r)))
        goto out;
    parley_content text = {"text/plain", "Hello Bob, Alice here.", 22};
    err = parley_session_send_message_sync(call, PARLEY_MSG_MESSAGE, &text, &h, 1, &r);
    if ((err = step("MESSAGE", err, r)))
        goto out;
    if (!wait_count(&alice_messages, 1)) {
        err = PARLEY_E_TIMEOUT;
        goto out;
    }
    parley_content dtmf = {"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", 25};
    err = parley_session_send_message_sync(call, PARLEY_MSG_INFO, &dtmf, NULL, 0, &r);
    if ((err = step("INFO", err, r)))
        goto out;
    parley_sdp_neg_set_dir(alice_neg, -1, PARLEY_SDP_SENDONLY);
    err = parley_session_renegotiate_sync(call, 0, NULL, 0, &r);
    if ((err = step("hold (re-INVITE)", err, r)))
        goto out;
    parley_sdp_neg_set_dir(alice_neg, -1, PARLEY_SDP_SENDRECV);
    err = parley_session_renegotiate_sync(call, 0, NULL, 0, &r);
    if ((err = step("resume (re-INVITE)", err, r)))
        goto out;
    err = parley_session_terminate_sync(call, NULL, 0, &r);
    err = step("hang up (BYE)", err, r);
out:
    parley_session_unref(call);
    if (alice)
        parley_endpoint_stop(alice);
    if (bob)
        parley_endpoint_stop(bob);
    parley_endpoint_unref(alice);
    parley_endpoint_unref(bob);
    if (cli_tracer_finish(&tracer, "demo", "parley demo") != 0 && !err)
        err = PARLEY_E_INVAL;
    cli_tracer_demo_summary(&tracer);
    cli_tracer_free(&tracer);
    printf("\n%s\n", err ? "demo: something went wrong (see above)"
                         : "demo: done. Next: `parley listen` and `parley call` do the same "
                           "between processes; see README.md.");
    return err ? CLI_FAIL : CLI_OK;
}
