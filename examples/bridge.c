/*
 * A two-leg bridge (the shape of a B2BUA): every session that reaches the bridge is passed on
 * to a fixed target as a new session, and the offer and answer go through unchanged, in both
 * directions: an offer in the caller's INVITE is the callee's offer, the callee's answer is
 * the caller's; a null offer (INVITE without SDP) makes the callee offer in its 200, the
 * bridge offers that to the caller in its 200, and the caller's answer (in its ACK) goes on in
 * the ACK to the callee. A hangup on either leg ends the other. Re-INVITEs are refused (488):
 * renegotiation through the bridge is left out of this example.
 *
 * Everything runs on the bridge endpoint's loop thread, so the bridge needs no lock; and no
 * callback runs inside a parley call, so ending one leg from the other's callback is safe. The
 * bridge is freed when both legs were released.
 *
 * main() plays caller (A) and callee (C) around the bridge (B) on loopback: one call with an
 * offer, one with a null offer. Exit 0 when both calls connected with the right descriptions
 * on each side and all four legs were released. Build: cc bridge.c $(pkg-config --cflags
 * --libs parley)
 */
#include <parley/parley.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the bridge ---- */

typedef struct content_copy {
    char type[128];
    char *body; /* NULL: none */
    size_t len;
} content_copy;

typedef struct bridge {
    parley_session *in, *out; /* references held until both legs are released */
    content_copy offer, answer;
    parley_pending_answer *pend; /* the callee's offer waits for the caller's answer */
    int released;
} bridge;

static char target[128]; /* where the bridge sends every call */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int legs_released;

static void keep(content_copy *c, const parley_content *from)
{
    free(c->body);
    c->body = NULL;
    c->len = 0;
    snprintf(c->type, sizeof(c->type), "%s", from && from->content_type ? from->content_type : "");
    if (from && from->body) {
        c->body = malloc(from->len ? from->len : 1);
        if (c->body) {
            memcpy(c->body, from->body, from->len);
            c->len = from->len;
        }
    }
}

static void give(const content_copy *c, parley_content *out)
{
    out->content_type = c->type[0] ? c->type : NULL;
    out->body = c->body;
    out->len = c->len;
}

static void bridge_unref_leg(bridge *b)
{
    if (++b->released < 2)
        return;
    parley_session_unref(b->in);
    parley_session_unref(b->out);
    free(b->offer.body);
    free(b->answer.body);
    free(b);
    pthread_mutex_lock(&mu);
    legs_released += 2;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void leg_released(parley_session *s, void *user)
{
    (void)s;
    bridge_unref_leg(user);
}

/* A leg that ends ends the other (terminate on a session that ended already does nothing). */
static void leg_state(parley_session *s, const parley_state_change *ev, void *user)
{
    bridge *b = user;
    if (ev->state != PARLEY_STATE_DISCONNECTED)
        return;
    parley_session *other = s == b->in ? b->out : b->in;
    if (parley_session_state(other) != PARLEY_STATE_DISCONNECTED)
        parley_session_terminate(other, NULL, 0, NULL, NULL);
}

/* Both legs: what goes out is what came in from the other side. */
static int leg_get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    give(&((bridge *)user)->offer, out); /* NULL body: a null offer, as the caller made it */
    return 0;
}

static int leg_get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                          void *user)
{
    (void)s, (void)offer;
    give(&((bridge *)user)->answer, out);
    return 0;
}

/* The caller answered (in its ACK) the offer the callee made in its 200: on to the callee. */
static void in_set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    bridge *b = user;
    keep(&b->answer, answer);
    if (b->pend) {
        parley_pending_answer_ready(b->pend, NULL, 0);
        b->pend = NULL;
    }
}

/* The callee answered our (the caller's) offer. */
static void out_set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    keep(&((bridge *)user)->answer, answer);
}

/* Null offer: the callee offered in its 200; the caller must answer it first. */
static void out_offer_in_response(parley_session *s, parley_pending_answer *p,
                                  const parley_content *offer, void *user)
{
    (void)s;
    bridge *b = user;
    keep(&b->offer, offer);
    if (parley_pending_answer_defer(p) == 0)
        b->pend = p;
}

static void leg_offer_in_reinvite(parley_session *s, parley_reinvite *r,
                                  const parley_content *offer, void *user)
{
    (void)s, (void)offer, (void)user;
    parley_reinvite_reject(r, 488, NULL, NULL, 0, NULL);
}

/* The callee's leg is up (or failed): answer the caller's INVITE accordingly. */
static void out_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s;
    bridge *b = user;
    if (r->error == 0)
        parley_session_participate(b->in, NULL, 0, NULL, NULL);
    else if (r->status >= 400)
        parley_session_reject(b->in, r->status, r->reason, NULL, 0);
    else
        parley_session_reject(b->in, 502, NULL, NULL, 0);
}

static const parley_oa_ops in_oa = {leg_get_offer, leg_get_answer,        in_set_answer,
                                    NULL,          leg_offer_in_reinvite, NULL};
static const parley_oa_ops out_oa = {leg_get_offer,         leg_get_answer,        out_set_answer,
                                     out_offer_in_response, leg_offer_in_reinvite, NULL};

static void bridge_on_session(parley_endpoint *ep, parley_session *in,
                              const parley_incoming_info *info, void *user)
{
    (void)user;
    bridge *b = calloc(1, sizeof(*b));
    parley_address to = {target, NULL};
    parley_session *out = NULL;
    if (!b || parley_session_create(ep, &to, NULL, &out) != 0) {
        free(b);
        parley_session_reject(in, 503, NULL, NULL, 0);
        return;
    }
    b->in = parley_session_ref(in);
    b->out = out;
    keep(&b->offer, info->offer); /* NULL: a null offer goes on as one */
    parley_session_cbs cbs = {0};
    cbs.on_state = leg_state;
    cbs.on_released = leg_released;
    parley_session_set_callbacks(in, &cbs, b);
    parley_session_set_callbacks(out, &cbs, b);
    parley_session_set_offer_answer(in, &in_oa, b);
    parley_session_set_offer_answer(out, &out_oa, b);
    parley_session_provisional(in, 180, NULL, NULL, 0, 0);
    if (parley_session_participate(out, NULL, 0, out_done, b) != 0) {
        parley_session_reject(in, 503, NULL, NULL, 0);
        parley_session_terminate(out, NULL, 0, NULL, NULL);
    }
}

/* ---- caller and callee around it ---- */

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

static char callee_acked[4096]; /* the ACK body the callee got (the caller's answer) */

static void callee_completed(parley_session *s, const parley_msg *ack, void *user)
{
    (void)s, (void)user;
    parley_slice b = parley_msg_body(ack);
    pthread_mutex_lock(&mu);
    snprintf(callee_acked, sizeof(callee_acked), "%.*s", (int)b.len, b.p);
    pthread_mutex_unlock(&mu);
}

static void callee_on_session(parley_endpoint *ep, parley_session *s,
                              const parley_incoming_info *info, void *user)
{
    (void)ep, (void)info, (void)user;
    parley_session_cbs cbs = {0};
    cbs.on_completed = callee_completed;
    parley_session_set_callbacks(s, &cbs, NULL);
    use_sdp(s, 43000); /* the callee's media port: it must reach the caller */
    parley_session_participate(s, NULL, 0, NULL, NULL);
}

/* What the caller got from the other side: the callee's answer (in the bridge's 200) or its
 * offer (null-offer call). */
static char caller_saw[4096];

static int caller_null_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s, (void)user;
    out->body = NULL;
    return 0;
}

/* The caller's answer to the callee's offer: a negotiator of its own. */
static int caller_answer(parley_session *s, const parley_content *offer, parley_content *out,
                         void *user)
{
    (void)s;
    parley_sdp_neg *neg = user;
    snprintf(caller_saw, sizeof(caller_saw), "%.*s", (int)offer->len, (const char *)offer->body);
    const uint8_t *body;
    size_t len;
    if (parley_sdp_neg_answer(neg, offer->body, offer->len, &body, &len, NULL) != 0)
        return -1;
    out->content_type = "application/sdp";
    out->body = body;
    out->len = len;
    return 0;
}

/* Alice calls uri through the bridge, then hangs up. */
static int place_call(parley_endpoint *caller, const char *uri, int null_offer, parley_sdp_neg *neg)
{
    parley_address to = {uri, NULL};
    parley_session *s = NULL;
    if (parley_session_create(caller, &to, NULL, &s))
        return -1;
    if (null_offer) {
        static parley_oa_ops ops = {caller_null_offer, caller_answer, NULL, NULL, NULL, NULL};
        parley_session_set_offer_answer(s, &ops, neg);
    } else {
        use_sdp(s, 40000); /* (the answer is read from the 2xx below) */
    }
    parley_result *r = NULL;
    int err = parley_session_participate_sync(s, NULL, 0, &r);
    if (!err && !null_offer) {
        parley_slice b = parley_msg_body(r->msg);
        snprintf(caller_saw, sizeof(caller_saw), "%.*s", (int)b.len, b.p);
    }
    parley_result_free(r);
    if (!err) {
        parley_session_terminate_sync(s, NULL, 0, &r);
        parley_result_free(r);
    }
    parley_session_unref(s);
    return err;
}

static int wait_released(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (legs_released < n && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    int ok = legs_released >= n;
    pthread_mutex_unlock(&mu);
    return ok;
}

int main(void)
{
    int failed = 1;
    const char *listen[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config ac = PARLEY_ENDPOINT_CONFIG_INIT, bc = PARLEY_ENDPOINT_CONFIG_INIT,
                           cc = PARLEY_ENDPOINT_CONFIG_INIT;
    ac.uri = "sip:alice@127.0.0.1";
    ac.listen = listen;
    bc.uri = "sip:bridge@127.0.0.1";
    bc.listen = listen;
    cc.uri = "sip:carol@127.0.0.1";
    cc.listen = listen;
    parley_endpoint *a = NULL, *b = NULL, *c = NULL;
    parley_sdp_neg *neg = NULL;
    static const parley_sdp_codec pcmu[] = {{0, "PCMU", 8000, 0, NULL}};
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = 40002;
    audio.codecs = pcmu;
    audio.ncodecs = 1;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.addr = "127.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    if (parley_sdp_neg_create(&cfg, &neg) || parley_endpoint_create(&ac, &a) ||
        parley_endpoint_create(&bc, &b) || parley_endpoint_create(&cc, &c) ||
        parley_endpoint_set_session_cb(b, bridge_on_session, NULL) ||
        parley_endpoint_set_session_cb(c, callee_on_session, NULL) || parley_endpoint_start(a) ||
        parley_endpoint_start(b) || parley_endpoint_start(c))
        goto out;
    char addr[64], bridge_uri[128];
    parley_endpoint_local_addr(c, 0, addr, sizeof(addr));
    snprintf(target, sizeof(target), "sip:carol@%s", addr + 4); /* the bridge calls Carol */
    parley_endpoint_local_addr(b, 0, addr, sizeof(addr));
    snprintf(bridge_uri, sizeof(bridge_uri), "sip:bridge@%s", addr + 4); /* Alice calls it */

    /* 1: offer in the INVITE; Carol's answer (port 43000) reaches Alice in the bridge's 200 */
    int err = place_call(a, bridge_uri, 0, NULL);
    int ok1 = !err && strstr(caller_saw, "m=audio 43000") != NULL && wait_released(2);
    pthread_mutex_lock(&mu);
    ok1 = ok1 && strstr(callee_acked, "m=audio") == NULL; /* a plain ACK */
    pthread_mutex_unlock(&mu);
    printf("bridge, offer in the INVITE: %s\n", ok1 ? "ok" : "FAILED");

    /* 2: null offer; Carol offers (43000) in her 200, Alice answers (40002) in her ACK */
    caller_saw[0] = '\0';
    err = place_call(a, bridge_uri, 1, neg);
    int ok2 = !err && strstr(caller_saw, "m=audio 43000") != NULL && wait_released(4);
    pthread_mutex_lock(&mu);
    ok2 = ok2 && strstr(callee_acked, "m=audio 40002") != NULL;
    pthread_mutex_unlock(&mu);
    printf("bridge, null offer: %s\n", ok2 ? "ok" : "FAILED");
    failed = !(ok1 && ok2);
out:
    if (a)
        parley_endpoint_stop(a);
    if (b)
        parley_endpoint_stop(b);
    if (c)
        parley_endpoint_stop(c);
    parley_endpoint_unref(a);
    parley_endpoint_unref(b);
    parley_endpoint_unref(c);
    parley_sdp_neg_free(neg);
    return failed;
}
