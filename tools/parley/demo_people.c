/*
 * parley demo: Alice, Bob and Carol (demo.h). Each is an endpoint of this process on 127.0.0.1;
 * each session gets a leg with its own negotiator; every callback runs on the endpoint's loop
 * thread and records what it saw in demo_ev for the steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo.h"

/* Carol asks for Digest (RFC 3261 section 22) on MESSAGE, only that method: the session steps
 * stay unchallenged. Alice knows the password, Bob has a wrong one. */
#define DEMO_REALM     "demo.parley"
#define CAROL_PASSWORD "carol's secret"

demo_person demo_alice = {"alice", NULL, "", "", 40000, DEMO_RING_ACCEPT};
demo_person demo_bob = {"bob", NULL, "", "", 42000, DEMO_RING_ACCEPT};
demo_person demo_carol = {"carol", NULL, "", "", 44000, DEMO_RING_ACCEPT};

demo_events demo_ev;
pthread_mutex_t demo_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t demo_cv = PTHREAD_COND_INITIALIZER;
cli_tracer demo_tracer;

static int index_of(const demo_person *p)
{
    return p == &demo_alice ? 0 : p == &demo_bob ? 1 : 2;
}

/* Wakes the waiting steps and unlocks demo_mu (every callback locks it, records, then this). */
static void signal_all(void)
{
    pthread_cond_broadcast(&demo_cv);
    pthread_mutex_unlock(&demo_mu);
}

void demo_bob_reneg_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s, (void)r, (void)user;
    pthread_mutex_lock(&demo_mu);
    demo_ev.bob_renegotiated++;
    signal_all();
}

/* The trace: everything into the capture and ladder; 491s counted for the glare step, Carol's
 * 401s for the Digest step. */
static void on_trace(parley_endpoint *ep, const parley_trace_event *e, void *user)
{
    (void)user;
    cli_tracer_event(&demo_tracer, e);
    bool glare = e->sent && e->len > 11 && !memcmp(e->data, "SIP/2.0 491", 11);
    bool challenge =
        e->sent && ep == demo_carol.ep && e->len > 11 && !memcmp(e->data, "SIP/2.0 401", 11);
    if (glare || challenge) {
        pthread_mutex_lock(&demo_mu);
        demo_ev.rejected_491 += glare;
        demo_ev.challenges += challenge;
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
    pthread_mutex_lock(&demo_mu);
    demo_ev.carol_pages++;
    snprintf(demo_ev.carol_page_user, sizeof(demo_ev.carol_page_user), "%.*s",
             end ? (int)(end - u - 10) : 0, end ? u + 10 : "");
    signal_all();
}

/* ---- one leg of a session, with its offer/answer ---- */

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
int demo_glare_waiting = -1;

static void glare_rendezvous(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2; /* bounded: if the other never comes, the step fails and says so */
    pthread_mutex_lock(&demo_mu);
    if (demo_glare_waiting < 0) {
        pthread_mutex_unlock(&demo_mu);
        return;
    }
    if (++demo_glare_waiting >= 2)
        demo_glare_waiting = -1; /* both here: the retries after the 491s go unhindered */
    int rc = 0;
    while (demo_glare_waiting >= 0 && rc == 0)
        rc = pthread_cond_timedwait(&demo_cv, &demo_mu, &until);
    demo_glare_waiting = -1;
    signal_all();
}

static int get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    demo_leg *l = user;
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
    demo_leg *l = user;
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
    demo_leg *l = user;
    parley_sdp_neg_set_answer(l->neg, answer->body, answer->len, NULL);
}

static const parley_oa_ops oa = {get_offer, get_answer, set_answer, NULL, NULL, NULL};

/* ---- events ---- */

static void on_state(parley_session *s, const parley_state_change *e, void *user)
{
    demo_leg *l = user;
    pthread_mutex_lock(&demo_mu);
    demo_ev.state[index_of(l->owner)] = e->state;
    demo_ev.reason[index_of(l->owner)] = e->reason;
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
    demo_leg *l = user;
    const parley_msg *m = parley_request_msg(req);
    parley_slice h = {"", 0};
    parley_msg_header(m, "X-Demo", 0, &h);
    int who = index_of(l->owner);
    bool info = parley_request_type(req) == PARLEY_MSG_INFO;
    pthread_mutex_lock(&demo_mu);
    if (info)
        demo_ev.infos[who]++;
    else
        demo_ev.messages[who]++;
    snprintf(demo_ev.last_header[who], sizeof(demo_ev.last_header[who]), "%.*s", (int)h.len, h.p);
    signal_all();
    if (l->owner == &demo_bob && !info) {
        /* Bob answers a message with one of his own (from the callback: it goes after it) */
        parley_content reply = {"text/plain", "Hi Alice, Bob here.", 19};
        parley_header x = {"X-Demo", "from bob"};
        parley_session_send_message(s, PARLEY_MSG_MESSAGE, &reply, &x, 1, NULL, NULL);
    }
}

static void on_provisional(parley_session *s, const parley_msg *resp, void *user)
{
    (void)s;
    demo_leg *l = user;
    pthread_mutex_lock(&demo_mu);
    demo_ev.provisionals++;
    signal_all();
    if (l->refer)
        parley_refer_request_notify(l->refer, parley_msg_status(resp), NULL, 0);
}

static void on_reinvite(parley_session *s, const parley_msg *m, void *user)
{
    (void)s, (void)m;
    demo_leg *l = user;
    if (l->owner != &demo_alice)
        return;
    unsigned hold = parley_sdp_neg_hold(l->neg); /* on the loop thread: the negotiator's */
    pthread_mutex_lock(&demo_mu);
    demo_ev.alice_held = hold & PARLEY_SDP_HOLD_REMOTE;
    signal_all();
}

static void on_completed(parley_session *s, const parley_msg *ack, void *user)
{
    (void)s;
    demo_leg *l = user;
    if (l->owner != &demo_carol)
        return;
    pthread_mutex_lock(&demo_mu);
    demo_ev.carol_got_answer_in_ack = parley_msg_body(ack).len > 0;
    signal_all();
}

static void on_refer_progress(parley_session *s, const parley_refer_progress *p, void *user)
{
    (void)s, (void)user;
    pthread_mutex_lock(&demo_mu);
    if (demo_ev.nrefer_status < 8 && p->status)
        demo_ev.refer_status[demo_ev.nrefer_status++] = p->status;
    if (p->final)
        demo_ev.refer_final = true;
    signal_all();
}

static void on_early_media(parley_session *s, const parley_early_media *em, void *user)
{
    (void)s, (void)em, (void)user;
    pthread_mutex_lock(&demo_mu);
    demo_ev.early_media++;
    signal_all();
}

static void on_prack(parley_session *s, const parley_msg *prack, uint32_t rseq, void *user)
{
    (void)s, (void)prack, (void)rseq, (void)user;
    pthread_mutex_lock(&demo_mu);
    demo_ev.pracks++;
    signal_all();
}

static void on_update(parley_session *s, const parley_msg *req, int offer, void *user)
{
    (void)s, (void)req, (void)offer, (void)user;
    pthread_mutex_lock(&demo_mu);
    demo_ev.updates++;
    signal_all();
}

static void on_refer(parley_session *s, parley_refer_request *r, const parley_address *target,
                     const char *method, void *user);

static void on_released(parley_session *s, void *user)
{
    (void)s;
    demo_leg *l = user;
    parley_session_unref(l->bob_to_carol);
    parley_sdp_neg_free(l->neg);
    free(l);
    pthread_mutex_lock(&demo_mu);
    demo_ev.released++;
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
demo_leg *demo_attach(demo_person *p, parley_session *s)
{
    demo_leg *l = calloc(1, sizeof(*l));
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
    demo_leg *l = user;
    parley_session *t = NULL;
    if (parley_refer_request_accept(r, NULL, 0) != 0 ||
        parley_session_create(l->owner->ep, target, NULL, &t) != 0)
        return;
    demo_leg *tl = demo_attach(l->owner, t);
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
    demo_person *p = user;
    if (!demo_attach(p, s)) {
        parley_session_reject(s, 500, NULL, NULL, 0);
        return;
    }
    pthread_mutex_lock(&demo_mu);
    if (p == &demo_bob && !demo_ev.bob_first)
        demo_ev.bob_first = parley_session_ref(s);
    signal_all();
    switch ((demo_mode)p->answer) {
    case DEMO_REJECT_BUSY:
        parley_session_reject(s, 486, NULL, NULL, 0);
        break;
    case DEMO_REDIRECT: {
        parley_address to = {demo_carol.uri, NULL};
        parley_session_redirect(s, 302, &to, 1, NULL, 0);
        break;
    }
    case DEMO_RING_ONLY:
        parley_session_provisional(s, 180, NULL, NULL, 0, 0);
        break;
    case DEMO_EARLY_ACCEPT:
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

int demo_start_person(demo_person *p, const char *display)
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
    if (p == &demo_carol) {
        c.auth_password = CAROL_PASSWORD;
        c.auth_realm = DEMO_REALM;
        c.auth_methods = challenged;
        c.on_message = carol_on_page;
    } else {
        c.credentials = p == &demo_alice ? &alice_cred : &bob_cred;
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
