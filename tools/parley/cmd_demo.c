/*
 * parley demo: Alice, Bob and Carol, three endpoints in this process on loopback (real UDP
 * sockets, free ports), play the whole session model and narrate each step in one line: an
 * INVITE with an SDP offer that rings and is accepted, MESSAGE and INFO with a custom header
 * both ways, hold and resume by re-INVITE, a renegotiation glare resolved by 491 and retry, an
 * UPDATE, a REFER to Carol with its NOTIFY progress, a null-offer session, a rejected one, a
 * redirected one, a cancelled one, a MESSAGE that Carol challenges (Digest, 401) and Alice
 * answers with her credentials, and the BYE. It ends with the first session's call flow in the
 * terminal and the HTML page written. Exit 0 only when every step behaved as it said.
 * parley demo [--pcap FILE] [--ladder FILE.html]
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "parley/parley.h"
#include "trace_out.h"

static const char usage[] =
    "usage: parley demo [--pcap FILE] [--ladder FILE.html]\n"
    "Alice, Bob and Carol, three endpoints in this process on loopback, play the whole\n"
    "session model and narrate it step by step; it ends with the first session's call flow\n"
    "and the HTML page written (--ladder, default $TMPDIR/parley-demo.html). Exit 0 when\n"
    "every step behaved as it said.\n";

#define WAIT_MS 8000

static cli_tracer tracer; /* --pcap and --ladder: every endpoint traces into it */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

/* ---- the three people ---- */

typedef enum mode {
    RING_ACCEPT,  /* 180, then 200 */
    RING_ONLY,    /* 180 and nothing more */
    REJECT_BUSY,  /* 486 */
    REDIRECT,     /* 302 to Carol */
    EARLY_ACCEPT, /* 183 with early media (reliably), then 200 */
} mode;

typedef struct person {
    const char *name;
    parley_endpoint *ep;
    char addr[96]; /* "127.0.0.1:PORT" */
    char uri[128];
    uint16_t media_port;
    _Atomic mode answer; /* how it answers the next incoming session */
} person;

/* Carol asks for Digest (RFC 3261 section 22) on MESSAGE, only that method: the session steps
 * stay unchallenged. Alice knows the password, Bob has a wrong one. */
#define DEMO_REALM     "demo.parley"
#define CAROL_PASSWORD "carol's secret"

static person alice = {"alice", NULL, "", "", 40000, RING_ACCEPT};
static person bob = {"bob", NULL, "", "", 42000, RING_ACCEPT};
static person carol = {"carol", NULL, "", "", 44000, RING_ACCEPT};

/* What the events said, read by the steps (under mu). */
static struct {
    int messages[3], infos[3]; /* per person: alice, bob, carol */
    char last_header[3][64];   /* the X-Demo of the last message or INFO */
    int provisionals, early_media, pracks, updates, rejected_491;
    bool alice_held; /* Alice's negotiator saw Bob hold */
    bool carol_got_answer_in_ack;
    int refer_status[8];
    int nrefer_status;
    bool refer_final;
    parley_state state[3]; /* each person's newest session */
    parley_reason reason[3];
    int released;
    int bob_renegotiated;      /* completions of Bob's renegotiations */
    parley_session *bob_first; /* Bob's side of the first session */
    int challenges;            /* 401s Carol sent */
    int carol_pages;           /* page-mode MESSAGEs Carol's application took */
    char carol_page_user[32];  /* the Digest user name of the last one */
} ev;

static int index_of(const person *p)
{
    return p == &alice ? 0 : p == &bob ? 1 : 2;
}

static void signal_all(void)
{
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void bob_reneg_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s, (void)r, (void)user;
    pthread_mutex_lock(&mu);
    ev.bob_renegotiated++;
    signal_all();
}

/* Waits until cond() holds (WAIT_MS at most). */
static bool wait_until(bool (*cond)(void))
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (!cond() && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    bool ok = cond();
    pthread_mutex_unlock(&mu);
    return ok;
}

/* The trace: everything into the capture and ladder; 491s counted for the glare step, Carol's
 * 401s for the Digest step. */
static void on_trace(parley_endpoint *ep, const parley_trace_event *e, void *user)
{
    (void)user;
    cli_tracer_event(&tracer, e);
    bool glare = e->sent && e->len > 11 && !memcmp(e->data, "SIP/2.0 491", 11);
    bool challenge =
        e->sent && ep == carol.ep && e->len > 11 && !memcmp(e->data, "SIP/2.0 401", 11);
    if (glare || challenge) {
        pthread_mutex_lock(&mu);
        ev.rejected_491 += glare;
        ev.challenges += challenge;
        signal_all();
    }
}

/* Carol's page-mode MESSAGEs: only those that passed her Digest check get here (200). */
static void carol_on_page(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep, (void)user;
    parley_slice auth = {"", 0};
    parley_msg_header(parley_request_msg(req), "Authorization", 0, &auth);
    const char *u = memmem(auth.p, auth.len, "username=\"", 10);
    const char *end = u ? memchr(u + 10, '"', auth.len - (size_t)(u + 10 - auth.p)) : NULL;
    pthread_mutex_lock(&mu);
    ev.carol_pages++;
    snprintf(ev.carol_page_user, sizeof(ev.carol_page_user), "%.*s", end ? (int)(end - u - 10) : 0,
             end ? u + 10 : "");
    signal_all();
}

/* ---- one leg of a session, with its offer/answer ---- */

/* Each session has its own negotiator (made from the person's media config), wrapped so that
 * the main thread asks for hold or a null offer and the loop thread applies it. */
typedef struct leg {
    person *owner;
    parley_sdp_neg *neg;
    _Atomic int want_dir;         /* 0 keep, else a parley_sdp_dir for the next offer */
    bool null_offer;              /* the first offer is a null one */
    parley_session *bob_to_carol; /* Bob's transfer call, for the REFER's progress */
    parley_refer_request *refer;  /* on the transfer leg: the REFER it reports to */
} leg;

static parley_sdp_neg *make_neg(uint16_t port)
{
    static const parley_sdp_codec codecs[] = {{0, "PCMU", 8000, 0, NULL},
                                              {8, "PCMA", 8000, 0, NULL}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = port;
    audio.codecs = codecs;
    audio.ncodecs = 2;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.user = "parley";
    cfg.addr = "127.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    parley_sdp_neg *neg = NULL;
    return parley_sdp_neg_create(&cfg, &neg) == 0 ? neg : NULL;
}

/* The glare step's rendezvous: Alice's and Bob's loop threads each stop in get_offer, before
 * their re-INVITE leaves, until the other is there too; then both INVITEs are in flight before
 * either is received, and each side answers the other's with 491 (RFC 3261 section 14.2). */
static int glare_waiting = -1; /* -1 off; else how many of the two are at the rendezvous */

static void glare_rendezvous(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2; /* bounded: if the other never comes, the step fails and says so */
    pthread_mutex_lock(&mu);
    if (glare_waiting < 0) {
        pthread_mutex_unlock(&mu);
        return;
    }
    if (++glare_waiting >= 2)
        glare_waiting = -1; /* both here: the retries after the 491s go unhindered */
    int rc = 0;
    while (glare_waiting >= 0 && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    glare_waiting = -1;
    signal_all();
}

static int get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    leg *l = user;
    glare_rendezvous();
    if (l->null_offer) {
        l->null_offer = false;
        out->body = NULL;
        return 0;
    }
    int dir = atomic_exchange(&l->want_dir, 0);
    if (dir)
        parley_sdp_neg_set_dir(l->neg, -1, (parley_sdp_dir)dir);
    const uint8_t *body;
    size_t len;
    if (parley_sdp_neg_offer(l->neg, &body, &len) != 0)
        return -1;
    *out = (parley_content){"application/sdp", body, len};
    return 0;
}

static int get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                      void *user)
{
    (void)s;
    leg *l = user;
    const uint8_t *body;
    size_t len;
    if (parley_sdp_neg_answer(l->neg, offer->body, offer->len, &body, &len, NULL) != 0)
        return -1;
    *out = (parley_content){"application/sdp", body, len};
    return 0;
}

static void set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    leg *l = user;
    parley_sdp_neg_set_answer(l->neg, answer->body, answer->len, NULL);
}

static const parley_oa_ops oa = {get_offer, get_answer, set_answer, NULL, NULL, NULL};

/* ---- events ---- */

static void on_state(parley_session *s, const parley_state_change *e, void *user)
{
    leg *l = user;
    pthread_mutex_lock(&mu);
    ev.state[index_of(l->owner)] = e->state;
    ev.reason[index_of(l->owner)] = e->reason;
    signal_all();
    if (l->refer && (e->state == PARLEY_STATE_CONNECTED || e->state == PARLEY_STATE_DISCONNECTED)) {
        /* Bob's transfer: its outcome ends the REFER's subscription */
        int code = e->state == PARLEY_STATE_CONNECTED ? 200
                   : e->trigger && parley_msg_status(e->trigger) >= 300
                       ? parley_msg_status(e->trigger)
                       : 503;
        parley_refer_request_notify(l->refer, code, NULL, 1);
        l->refer = NULL;
    }
    (void)s;
}

static void on_message(parley_session *s, parley_request *req, void *user)
{
    leg *l = user;
    const parley_msg *m = parley_request_msg(req);
    parley_slice h = {"", 0};
    parley_msg_header(m, "X-Demo", 0, &h);
    int who = index_of(l->owner);
    bool info = parley_request_type(req) == PARLEY_MSG_INFO;
    pthread_mutex_lock(&mu);
    if (info)
        ev.infos[who]++;
    else
        ev.messages[who]++;
    snprintf(ev.last_header[who], sizeof(ev.last_header[who]), "%.*s", (int)h.len, h.p);
    signal_all();
    if (l->owner == &bob && !info) {
        /* Bob answers a message with one of his own (from the callback: it goes after it) */
        parley_content reply = {"text/plain", "Hi Alice, Bob here.", 19};
        parley_header x = {"X-Demo", "from bob"};
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, &reply, &x, 1, NULL, NULL);
    }
}

static void on_provisional(parley_session *s, const parley_msg *resp, void *user)
{
    (void)s;
    leg *l = user;
    pthread_mutex_lock(&mu);
    ev.provisionals++;
    signal_all();
    if (l->refer)
        parley_refer_request_notify(l->refer, parley_msg_status(resp), NULL, 0);
}

static void on_reinvite(parley_session *s, const parley_msg *m, void *user)
{
    (void)s, (void)m;
    leg *l = user;
    if (l->owner != &alice)
        return;
    unsigned hold = parley_sdp_neg_hold(l->neg); /* on the loop thread: the negotiator's */
    pthread_mutex_lock(&mu);
    ev.alice_held = hold & PARLEY_SDP_HOLD_REMOTE;
    signal_all();
}

static void on_completed(parley_session *s, const parley_msg *ack, void *user)
{
    (void)s;
    leg *l = user;
    if (l->owner != &carol)
        return;
    pthread_mutex_lock(&mu);
    ev.carol_got_answer_in_ack = parley_msg_body(ack).len > 0;
    signal_all();
}

static void on_refer_progress(parley_session *s, const parley_refer_progress *p, void *user)
{
    (void)s, (void)user;
    pthread_mutex_lock(&mu);
    if (ev.nrefer_status < 8 && p->status)
        ev.refer_status[ev.nrefer_status++] = p->status;
    if (p->final)
        ev.refer_final = true;
    signal_all();
}

static void on_early_media(parley_session *s, const parley_early_media *em, void *user)
{
    (void)s, (void)em, (void)user;
    pthread_mutex_lock(&mu);
    ev.early_media++;
    signal_all();
}

static void on_prack(parley_session *s, const parley_msg *prack, uint32_t rseq, void *user)
{
    (void)s, (void)prack, (void)rseq, (void)user;
    pthread_mutex_lock(&mu);
    ev.pracks++;
    signal_all();
}

static void on_update(parley_session *s, const parley_msg *req, int offer, void *user)
{
    (void)s, (void)req, (void)offer, (void)user;
    pthread_mutex_lock(&mu);
    ev.updates++;
    signal_all();
}

static void on_refer(parley_session *s, parley_refer_request *r, const parley_address *target,
                     const char *method, void *user);

static void on_released(parley_session *s, void *user)
{
    (void)s;
    leg *l = user;
    parley_session_unref(l->bob_to_carol);
    parley_sdp_neg_free(l->neg);
    free(l);
    pthread_mutex_lock(&mu);
    ev.released++;
    signal_all();
}

static const parley_session_cbs cbs = {
    .on_state = on_state,
    .on_message = on_message,
    .on_refer = on_refer,
    .on_refer_progress = on_refer_progress,
    .on_provisional = on_provisional,
    .on_completed = on_completed,
    .on_reinvite = on_reinvite,
    .on_released = on_released,
    .on_early_media = on_early_media,
    .on_prack = on_prack,
    .on_update = on_update,
};

/* Callbacks and a negotiator of its own for session s of person p. */
static leg *attach(person *p, parley_session *s)
{
    leg *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->owner = p;
    l->neg = make_neg(p->media_port);
    p->media_port += 2;
    if (!l->neg) {
        free(l);
        return NULL;
    }
    parley_session_set_callbacks(s, &cbs, l);
    parley_session_set_offer_answer(s, &oa, l);
    parley_session_set_user(s, l); /* the main thread finds the leg there (hold) */
    return l;
}

/* Bob on a REFER: accept, call the target, report its progress in NOTIFYs. */
static void on_refer(parley_session *s, parley_refer_request *r, const parley_address *target,
                     const char *method, void *user)
{
    (void)s, (void)method;
    leg *l = user;
    parley_session *t = NULL;
    if (parley_refer_request_accept(r, NULL, 0) != 0 ||
        parley_session_create(l->owner->ep, target, NULL, &t) != 0)
        return;
    leg *tl = attach(l->owner, t);
    if (!tl) {
        parley_refer_request_notify(r, 503, NULL, 1);
        parley_session_unref(t);
        return;
    }
    tl->refer = r;
    l->bob_to_carol = t; /* kept until Bob's first leg is released */
    parley_session_participate(t, NULL, 0, NULL, NULL);
}

/* An incoming session: each person answers as its mode says. */
static void on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                       void *user)
{
    (void)ep, (void)info;
    person *p = user;
    if (!attach(p, s)) {
        parley_session_reject(s, 500, NULL, NULL, 0);
        return;
    }
    pthread_mutex_lock(&mu);
    if (p == &bob && !ev.bob_first)
        ev.bob_first = parley_session_ref(s);
    signal_all();
    switch ((mode)p->answer) {
    case REJECT_BUSY:
        parley_session_reject(s, 486, NULL, NULL, 0);
        break;
    case REDIRECT: {
        parley_address to = {carol.uri, NULL};
        parley_session_redirect(s, 302, &to, 1, NULL, 0);
        break;
    }
    case RING_ONLY:
        parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        break;
    case EARLY_ACCEPT:
        parley_session_provisional(s, 183, NULL, NULL, 0, PARLEY_PROV_EARLY_MEDIA);
        parley_session_participate(s, NULL, 0, NULL, NULL); /* the 200 waits for the PRACK */
        break;
    default: {
        parley_header h = {"X-Demo", "answered by parley"};
        parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        parley_session_participate(s, &h, 1, NULL, NULL);
        break;
    }
    }
}

/* ---- the narration ---- */

static int failures;

static void say(int n, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(int n, bool ok, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    printf("  %2d. %-78s %s\n", n, line, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok)
        failures++;
}

/* Alice calls uri (a null offer when asked); *out: her session (NULL on a local error). */
static int alice_calls(const char *uri, bool null_offer, parley_session **out, parley_result **r)
{
    parley_address to = {uri, NULL};
    *out = NULL;
    *r = NULL;
    int err = parley_session_create(alice.ep, &to, NULL, out);
    if (err)
        return err;
    leg *l = attach(&alice, *out);
    if (!l)
        return PARLEY_E_NOMEM;
    l->null_offer = null_offer;
    parley_header h = {"X-Demo", "hello from alice"};
    return parley_session_participate_sync(*out, &h, 1, r);
}

static void hang_up(parley_session *s)
{
    parley_result *r = NULL;
    if (s && parley_session_state(s) != PARLEY_STATE_DISCONNECTED)
        parley_session_terminate_sync(s, NULL, 0, &r);
    parley_result_free(r);
    parley_session_unref(s);
}

static int bob_target; /* the glare step waits for this many renegotiations of Bob's */

static bool bob_finished(void)
{
    return ev.bob_renegotiated >= bob_target;
}

static int updates_target;
static bool bob_updated(void)
{
    return ev.updates >= updates_target;
}

static int challenges_target;
static bool carol_challenged(void)
{
    return ev.challenges >= challenges_target;
}

static bool alice_is_held(void)
{
    return ev.alice_held;
}
static bool alice_not_held(void)
{
    return !ev.alice_held;
}

static bool got_bob_reply(void)
{
    return ev.messages[0] >= 1 && ev.messages[1] >= 1;
}
static bool got_infos(void)
{
    return ev.infos[0] >= 1 && ev.infos[1] >= 1;
}
static bool refer_done(void)
{
    return ev.refer_final;
}
static bool carol_connected(void)
{
    return ev.state[2] == PARLEY_STATE_CONNECTED;
}
static bool carol_disconnected(void)
{
    return ev.state[2] == PARLEY_STATE_DISCONNECTED;
}
static bool alice_alerted(void)
{
    return ev.state[0] == PARLEY_STATE_ALERTED;
}
static bool bob_disconnected(void)
{
    return ev.state[1] == PARLEY_STATE_DISCONNECTED;
}

static int start_person(person *p, const char *display)
{
    static const char *const listen[] = {"udp:127.0.0.1:0", NULL};
    static const char *const challenged[] = {"MESSAGE", NULL};
    static const parley_credential alice_cred = {DEMO_REALM, "alice", CAROL_PASSWORD};
    static const parley_credential bob_cred = {DEMO_REALM, "bob", "a wrong guess"};
    char uri[64];
    snprintf(uri, sizeof(uri), "sip:%s@127.0.0.1", p->name);
    parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
    c.uri = uri;
    c.display_name = display;
    c.listen = listen;
    c.on_trace = on_trace;
    c.session_expires = 1800; /* session timers on: the 200s say who refreshes */
    if (p == &carol) {
        c.auth_password = CAROL_PASSWORD;
        c.auth_realm = DEMO_REALM;
        c.auth_methods = challenged;
        c.on_message = carol_on_page;
    } else {
        c.credentials = p == &alice ? &alice_cred : &bob_cred;
        c.ncredentials = 1;
    }
    int err = parley_endpoint_create(&c, &p->ep);
    if (!err)
        err = parley_endpoint_set_session_cb(p->ep, on_session, p);
    if (!err)
        err = parley_endpoint_start(p->ep);
    if (err)
        return err;
    char a[80];
    parley_endpoint_local_addr(p->ep, 0, a, sizeof(a));
    snprintf(p->addr, sizeof(p->addr), "%s", a + 4);
    snprintf(p->uri, sizeof(p->uri), "sip:%s@%s", p->name, p->addr);
    return 0;
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

static void run_steps(void)
{
    parley_result *r = NULL;
    parley_session *first = NULL, *s = NULL;
    int n = 0, err;

    /* 1, 2: the first session and its session timer */
    err = alice_calls(bob.uri, false, &first, &r);
    say(++n, !err && r && r->status == 200 && ev.provisionals >= 1,
        "Alice invites Bob with an SDP offer; Bob rings (180) and accepts (200, ACK)");
    parley_result_free(r);
    if (err) {
        say(++n, false, "(the rest needs the first session: %s)", parley_strerror(err));
        parley_session_unref(first);
        return;
    }
    unsigned iv = 0;
    int we = 0;
    parley_session_timer(first, &iv, &we);
    say(++n, iv == 1800 && we, "session timer: %u s, Alice refreshes (Session-Expires in the 200)",
        iv);

    /* 3, 4: MESSAGE and INFO with a custom header both ways */
    parley_content text = {"text/plain", "Hello Bob, Alice here.", 22};
    parley_header xa = {"X-Demo", "from alice"}, xb = {"X-Demo", "from bob"};
    err = parley_session_send_message_sync(first, PARLEY_MSG_MESSAGE, &text, &xa, 1, &r);
    parley_result_free(r);
    bool ok = !err && wait_until(got_bob_reply);
    pthread_mutex_lock(&mu);
    ok = ok && !strcmp(ev.last_header[1], "from alice") && !strcmp(ev.last_header[0], "from bob");
    pthread_mutex_unlock(&mu);
    say(++n, ok, "MESSAGE with X-Demo from Alice; Bob answers with one of his own");
    parley_content dtmf = {"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", 25};
    err = parley_session_send_message_sync(first, PARLEY_MSG_INFO, &dtmf, &xa, 1, &r);
    parley_result_free(r);
    pthread_mutex_lock(&mu);
    parley_session *bs = ev.bob_first;
    pthread_mutex_unlock(&mu);
    int err2 = bs ? parley_session_send_message_sync(bs, PARLEY_MSG_INFO, &dtmf, &xb, 1, &r)
                  : PARLEY_E_STATE;
    parley_result_free(r);
    say(++n, !err && !err2 && wait_until(got_infos), "INFO with X-Demo both ways (DTMF relay)");

    /* 5: hold and resume from Bob's side */
    bool held = false, resumed = false;
    if (bs) {
        leg *l = parley_session_user(bs); /* the leg, kept in the session's slot */
        if (l)
            atomic_store(&l->want_dir, PARLEY_SDP_SENDONLY);
        err = parley_session_renegotiate_sync(bs, 0, NULL, 0, &r);
        parley_result_free(r);
        held = !err && wait_until(alice_is_held); /* Alice sees it once the ACK came */
        if (l)
            atomic_store(&l->want_dir, PARLEY_SDP_SENDRECV);
        err = parley_session_renegotiate_sync(bs, 0, NULL, 0, &r);
        parley_result_free(r);
        resumed = !err && wait_until(alice_not_held);
    }
    say(++n, held && resumed, "Bob holds (re-INVITE, sendonly) and resumes (sendrecv)");

    /* 6: glare: both re-INVITE at once (they meet in get_offer first), both get 491, each
     * retries after its RFC 3261 wait */
    bool glare = false;
    if (bs) {
        pthread_mutex_lock(&mu);
        int before = ev.rejected_491;
        bob_target = ev.bob_renegotiated + 1;
        glare_waiting = 0;
        pthread_mutex_unlock(&mu);
        parley_result *ra = NULL;
        err = parley_session_renegotiate(bs, 0, NULL, 0, bob_reneg_done, NULL);
        err2 = parley_session_renegotiate_sync(first, 0, NULL, 0, &ra);
        bool bob_done = !err && wait_until(bob_finished); /* Bob's retry ends too */
        pthread_mutex_lock(&mu);
        glare_waiting = -1;
        glare = ev.rejected_491 >= before + 2 && bob_done && !err2 && ra && ra->status == 200;
        pthread_mutex_unlock(&mu);
        parley_result_free(ra);
    }
    say(++n, glare, "renegotiation glare: both re-INVITE at once, 491, each retries and succeeds");

    /* 7: UPDATE */
    pthread_mutex_lock(&mu);
    updates_target = ev.updates + 1;
    pthread_mutex_unlock(&mu);
    err = parley_session_renegotiate_sync(first, PARLEY_RENEGOTIATE_UPDATE, NULL, 0, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    ok = ok && wait_until(bob_updated); /* Bob's event comes on his side, after his 200 */
    say(++n, ok, "Alice renegotiates by UPDATE (RFC 3311), no ACK needed");

    /* 8: REFER to Carol, progress in NOTIFYs */
    parley_address to_carol = {carol.uri, NULL};
    err = parley_session_refer_sync(first, &to_carol, NULL, 0, &r);
    ok = !err && r && r->status == 202 && wait_until(refer_done) && wait_until(carol_connected);
    parley_result_free(r);
    char seen[64] = "";
    pthread_mutex_lock(&mu);
    for (int i = 0; i < ev.nrefer_status; i++)
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%d", i ? ", " : "",
                 ev.refer_status[i]);
    ok = ok && ev.nrefer_status >= 2 && ev.refer_status[ev.nrefer_status - 1] == 200;
    pthread_mutex_unlock(&mu);
    say(++n, ok, "Alice refers Bob to Carol (202); Bob calls her; NOTIFY progress: %s", seen);

    /* 9: a null offer */
    err = alice_calls(carol.uri, true, &s, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    pthread_mutex_lock(&mu);
    ev.carol_got_answer_in_ack = false;
    pthread_mutex_unlock(&mu);
    ok = ok && wait_until(carol_connected);
    hang_up(s);
    s = NULL;
    say(++n, ok, "a null-offer session: Carol offers in her 200, Alice answers in the ACK");

    /* 10: early media, reliably */
    carol.answer = EARLY_ACCEPT;
    pthread_mutex_lock(&mu);
    int early = ev.early_media, pracks = ev.pracks;
    pthread_mutex_unlock(&mu);
    err = alice_calls(carol.uri, false, &s, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    pthread_mutex_lock(&mu);
    ok = ok && ev.early_media > early && ev.pracks > pracks;
    pthread_mutex_unlock(&mu);
    hang_up(s);
    s = NULL;
    say(++n, ok, "early media: Carol's answer in a reliable 183, Alice's PRACK, then the 200");

    /* 11: rejected */
    carol.answer = REJECT_BUSY;
    err = alice_calls(carol.uri, false, &s, &r);
    ok = err == PARLEY_E_FAILURE_RESPONSE && r && r->status == 486;
    parley_result_free(r);
    hang_up(s);
    s = NULL;
    say(++n, ok, "a rejected session: Carol is busy (486 Busy Here)");

    /* 12: redirected */
    carol.answer = RING_ACCEPT;
    bob.answer = REDIRECT;
    err = alice_calls(bob.uri, false, &s, &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    hang_up(s);
    s = NULL;
    bob.answer = RING_ACCEPT;
    say(++n, ok, "a redirected session: Bob answers 302 to Carol, Alice follows, Carol accepts");

    /* 13: cancelled */
    carol.answer = RING_ONLY;
    pthread_mutex_lock(&mu); /* Carol's last session ended DISCONNECTED: wait for this one's end */
    ev.state[2] = PARLEY_STATE_IDLE;
    pthread_mutex_unlock(&mu);
    parley_address to = {carol.uri, NULL};
    ok = parley_session_create(alice.ep, &to, NULL, &s) == 0 && attach(&alice, s) &&
         parley_session_participate(s, NULL, 0, NULL, NULL) == 0 && wait_until(alice_alerted);
    parley_session_terminate_sync(s, NULL, 0, &r);
    parley_result_free(r);
    ok = ok && wait_until(carol_disconnected);
    pthread_mutex_lock(&mu);
    ok = ok && ev.reason[2] == PARLEY_REASON_CANCELED;
    pthread_mutex_unlock(&mu);
    parley_session_unref(s);
    say(++n, ok, "a cancelled session: Carol rings, Alice gives up (CANCEL, 487)");

    /* 14: Digest both ways: Carol challenges, Alice's endpoint answers from its credentials and
     * sends the MESSAGE again; Bob's wrong password is challenged once more and refused */
    pthread_mutex_lock(&mu);
    int challenges = ev.challenges, pages = ev.carol_pages;
    pthread_mutex_unlock(&mu);
    parley_content note = {"text/plain", "Carol, it is Alice.", 19};
    err = parley_endpoint_send_message_sync(alice.ep, PARLEY_MSG_MESSAGE, &to_carol, &note, &xa, 1,
                                            &r);
    ok = !err && r && r->status == 200;
    parley_result_free(r);
    err =
        parley_endpoint_send_message_sync(bob.ep, PARLEY_MSG_MESSAGE, &to_carol, &note, &xb, 1, &r);
    ok = ok && err == PARLEY_E_AUTH && r && r->status == 401;
    parley_result_free(r);
    challenges_target = challenges + 3; /* Alice's one, Bob's two: their traces may come after
                                           the answers that ended the sends */
    ok = ok && wait_until(carol_challenged);
    pthread_mutex_lock(&mu);
    ok = ok && ev.carol_pages == pages + 1 && !strcmp(ev.carol_page_user, "alice");
    pthread_mutex_unlock(&mu);
    say(++n, ok, "Digest: Carol challenges a MESSAGE (401); Alice's password passes, Bob's not");

    /* 15: BYE (Bob's redirecting session ended DISCONNECTED too: wait for the first's end) */
    pthread_mutex_lock(&mu);
    ev.state[1] = PARLEY_STATE_IDLE;
    pthread_mutex_unlock(&mu);
    err = parley_session_terminate_sync(first, NULL, 0, &r);
    ok = !err && r && r->status == 200 && wait_until(bob_disconnected);
    parley_result_free(r);
    say(++n, ok, "Alice hangs up the first session (BYE, 200)");
    parley_session_unref(first);
}

int cmd_demo(int argc, char **argv)
{
    int rc;
    if (!demo_options(argc, argv, &rc)) {
        cli_tracer_free(&tracer);
        return rc;
    }
    printf("parley demo: Alice, Bob and Carol, three endpoints in this process, talk SIP over\n"
           "UDP on 127.0.0.1 and play the signaling session model, one step a line.\n\n");
    int err = start_person(&alice, "Alice");
    if (!err)
        err = start_person(&bob, "Bob");
    if (!err)
        err = start_person(&carol, "Carol");
    if (err) {
        fprintf(stderr, "parley demo: cannot start the endpoints: %s\n", parley_strerror(err));
        failures++;
    } else {
        printf("  Alice %s, Bob %s, Carol %s\n\n", alice.addr, bob.addr, carol.addr);
        run_steps();
        printf("\n  Not in this demo (they need a registrar and a forking proxy): registration\n"
               "  and forking; see README.md, \"Behind a proxy\".\n");
    }
    person *all[] = {&alice, &bob, &carol};
    for (int i = 0; i < 3; i++)
        if (all[i]->ep)
            parley_endpoint_stop(all[i]->ep); /* every session ends and is released here */
    parley_session_unref(ev.bob_first);
    for (int i = 0; i < 3; i++)
        parley_endpoint_unref(all[i]->ep);
    if (cli_tracer_finish(&tracer, "demo", "parley demo") != 0)
        failures++;
    cli_tracer_demo_summary(&tracer);
    cli_tracer_free(&tracer);
    printf("\n%s\n", failures ? "demo: some steps did not behave as they said (see above)"
                              : "demo: done, every step behaved. Next: `parley listen` and "
                                "`parley call` do the same between processes; see README.md.");
    return failures ? CLI_FAIL : CLI_OK;
}
