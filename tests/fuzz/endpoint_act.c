/*
 * The endpoint's own actions for fuzz_endpoint (see endpoint_act.h). A command is a verb and
 * option words separated by spaces, e.g. "call B late require timer hdr":
 *   call      a session to peer A (option B: peer B) with an SDP offer (late: none, the offer
 *             comes in the 2xx or a reliable 1xx), 100rel as the endpoint's default (require:
 *             Require: 100rel; no100rel: unsupported), a session timer of 90 s (timer), a
 *             custom header (hdr), 3xx redirections followed (none: refused; later: the
 *             answer deferred, PARLEY_REDIRECT_DEFER, for resume); REFERs that come
 *             in the session are accepted; defer: the ACK of the 2xx (or, late, the answer
 *             in it) waits for the command ack
 *   reinvite  a re-INVITE with a new offer (update: by UPDATE; hold/resume: the stream's
 *             direction sendonly/sendrecv first)
 *   recancel  cancel the session's pending renegotiation (parley_session_renegotiate_cancel)
 *   resume    answer a deferred redirection (parley_session_redirect_resume) with a custom
 *             header: TRY_ALL (none: TRY_NONE, this: TRY_THIS, skip: SKIP_THIS)
 *   message   a MESSAGE with a custom header (info, options, notify, service, benotify: that
 *             method instead)
 *   refer     REFER the peer to peer B (replaces: with a Replaces in the Refer-To)
 *   referend  end the subscription of the last REFER sent
 *   notify    progress of the last REFER accepted: 180 (final: 200, fail: 503, both final)
 *   ack       send the ACK (or the answer) the call kept
 *   bye       terminate (CANCEL while early, BYE when connected, reject when incoming)
 *   accept    incoming sessions from now on accept REFERs (as calls do)
 *   ring      incoming sessions from now on get a 180 (early: 183 with early media; rel:
 *             reliable, RFC 3262) and wait for answer, reject or redirect (the default is to
 *             answer at once)
 *   answer    participate (answer an incoming session that rang)
 *   reject    answer it 486; redirect: 302 to peer B
 *   defer     from now on (words page, reinvite): incoming page-mode requests are kept for
 *             respond; incoming sessions keep the peer's re-INVITEs (their own negotiator,
 *             offer_in_reinvite + parley_reinvite_defer) for reaccept/rereject
 *   respond   answer the oldest page-mode request kept: 200 (fail: 486; prov: a 180 first)
 *   reaccept  accept the re-INVITE a session kept; rereject: reject it 488; either with prov:
 *             a 183 to it instead (it stays kept)
 *   register  register at peer A (B: peer B) for 3600 s (short: 60), with a custom header
 *             (nogruu: no GRUU asked); challenges are answered with the credentials
 *   unregister  stop the newest registration (#k: registration k)
 *   send      a request outside any session to peer A (B: peer B), MESSAGE with a body and a
 *             custom header (info, options, notify, service, benotify: that method; nobody:
 *             no body; route: a Route header of its own instead)
 * Calls are told of forks (on_early_dialog, on_fork_ignored).
 * Every command but call, accept, ring, defer, respond, register, unregister and send acts on
 * the newest session, or on session k (0-9, in the order they appeared, incoming ones included)
 * with the option "#k". Return codes are ignored: a refused operation (wrong state, one already
 * pending) is a valid outcome.
 */
#include "endpoint_act.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/msg.h"
#include "parley/registration.h"
#include "parley/sdp.h"

#define MAX_SESSIONS 32
#define MAX_WORDS    8
#define MAX_REGS     4
#define MAX_DEFERRED 8

typedef struct act_session {
    parley_session *s;
    parley_refer_request *refer;    /* the last REFER it accepted, NULL when none */
    parley_sdp_neg *neg;            /* a late-offer call's own negotiator, else NULL */
    int invited;                    /* that call's INVITE went (without an offer) */
    int defer;                      /* the call keeps its ACK (or the answer in it) for "ack" */
    parley_ack *ack;                /* the ACK kept, NULL when none */
    parley_pending_answer *pending; /* the answer to an offer in a 2xx kept, NULL when none */
    parley_reinvite *reinvite;      /* the peer's re-INVITE kept, NULL when none */
} act_session;

struct act {
    parley_endpoint *ep;
    char uri_a[64], uri_b[64];
    act_session sessions[MAX_SESSIONS]; /* each holds a reference */
    size_t n;
    int accept_refers;   /* incoming sessions accept REFERs */
    int ring;            /* incoming sessions wait for "answer" after a provisional: 0 (no, the
                            default), 180, or 183 (with early media) */
    unsigned ring_flags; /* PARLEY_PROV_* of that provisional */
    unsigned refer_id;   /* the CSeq of the last REFER sent (its subscription id) */
    int defer_pages;     /* incoming page-mode requests wait for "respond" */
    int defer_reinvites; /* incoming sessions keep the peer's re-INVITEs for "reaccept" */
    parley_registration *regs[MAX_REGS]; /* each holds a reference */
    size_t nregs;
    parley_request *deferred[MAX_DEFERRED]; /* page-mode requests kept, oldest first */
    size_t ndeferred;
};

/* ---- the session API, in one place (it is being reworked: issue 8) ---- */

static const parley_sdp_codec codecs[] = {{0, NULL, 8000, 0, NULL}, {8, NULL, 8000, 0, NULL}};
static const parley_header custom[] = {{"X-Fuzz", "1"}, {"Subject", "fuzz"}};

static void sdp_cfg(parley_sdp_cfg *cfg, parley_sdp_stream_cfg *audio)
{
    *audio = (parley_sdp_stream_cfg)PARLEY_SDP_STREAM_CFG_INIT;
    audio->media = "audio";
    audio->port = 4000;
    audio->codecs = codecs;
    audio->ncodecs = 2;
    *cfg = (parley_sdp_cfg)PARLEY_SDP_CFG_INIT;
    cfg->sess_id = 1;
    cfg->addr = "10.0.0.1";
    cfg->streams = audio;
    cfg->nstreams = 1;
}

static int use_sdp(parley_session *s)
{
    parley_sdp_stream_cfg audio;
    parley_sdp_cfg cfg;
    sdp_cfg(&cfg, &audio);
    return parley_session_use_sdp(s, &cfg);
}

/* A late-offer call: the INVITE goes without an offer, the rest through its own negotiator. */
static int late_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    act_session *as = user;
    const uint8_t *body;
    if (!as->invited) {
        as->invited = 1;
        return 0; /* out->body stays NULL */
    }
    if (parley_sdp_neg_offer(as->neg, &body, &out->len) != 0)
        return -1;
    out->content_type = "application/sdp";
    out->body = body;
    return 0;
}

static int late_answer(parley_session *s, const parley_content *offer, parley_content *out,
                       void *user)
{
    (void)s;
    act_session *as = user;
    const uint8_t *body;
    if (parley_sdp_neg_answer(as->neg, offer->body, offer->len, &body, &out->len, NULL) != 0)
        return -1;
    out->content_type = "application/sdp";
    out->body = body;
    return 0;
}

static void late_set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    act_session *as = user;
    parley_sdp_neg_set_answer(as->neg, answer->body, answer->len, NULL);
}

/* An incoming session that defers re-INVITEs: its own negotiator offers as usual. */
static int own_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    act_session *as = user;
    const uint8_t *body;
    if (parley_sdp_neg_offer(as->neg, &body, &out->len) != 0)
        return -1;
    out->content_type = "application/sdp";
    out->body = body;
    return 0;
}

static void offer_in_reinvite(parley_session *s, parley_reinvite *r, const parley_content *offer,
                              void *user)
{
    (void)s;
    (void)offer;
    act_session *as = user;
    if (parley_reinvite_msg(r) && parley_reinvite_defer(r) == 0)
        as->reinvite = r; /* valid until the session is freed */
}

static void reinvite_cancelled(parley_session *s, parley_reinvite *r, void *user)
{
    (void)s;
    act_session *as = user;
    if (as->reinvite == r)
        as->reinvite = NULL;
}

static act_session *find(act *a, parley_session *s)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->sessions[i].s == s)
            return &a->sessions[i];
    return NULL;
}

static void offer_in_response(parley_session *s, parley_pending_answer *p,
                              const parley_content *offer, void *user)
{
    (void)s;
    (void)offer;
    act_session *as = user;
    if (as->defer && parley_pending_answer_defer(p) == 0)
        as->pending = p;
}

static void on_accepted(parley_session *s, const parley_msg *response, parley_ack *ack, void *user)
{
    (void)response;
    act_session *as = find(user, s);
    if (as && as->defer && parley_ack_defer(ack) == 0)
        as->ack = ack;
}

static int use_late_sdp(act_session *as)
{
    parley_sdp_stream_cfg audio;
    parley_sdp_cfg cfg;
    sdp_cfg(&cfg, &audio);
    if (parley_sdp_neg_create(&cfg, &as->neg) != 0)
        return -1;
    parley_oa_ops ops = {late_offer, late_answer, late_set_answer, offer_in_response, NULL, NULL};
    return parley_session_set_offer_answer(as->s, &ops, as);
}

static int use_deferring_sdp(act_session *as)
{
    parley_sdp_stream_cfg audio;
    parley_sdp_cfg cfg;
    sdp_cfg(&cfg, &audio);
    if (parley_sdp_neg_create(&cfg, &as->neg) != 0)
        return -1;
    parley_oa_ops ops = {own_offer, late_answer,       late_set_answer,
                         NULL,      offer_in_reinvite, reinvite_cancelled};
    return parley_session_set_offer_answer(as->s, &ops, as);
}

static void on_refer(parley_session *s, parley_refer_request *r, const parley_address *target,
                     const char *method, void *user)
{
    (void)target;
    (void)method;
    act_session *as = find(user, s);
    if (as && parley_refer_request_accept(r, custom, 1) == 0)
        as->refer = r; /* valid until the session is freed: notify later */
}

static parley_redirect_action redirect_all(parley_session *s, parley_redirect *r, void *user)
{
    (void)s;
    (void)user;
    r->headers = custom;
    r->nheaders = 1;
    return PARLEY_REDIRECT_TRY_ALL;
}

static parley_redirect_action redirect_none(parley_session *s, parley_redirect *r, void *user)
{
    (void)s;
    (void)r;
    (void)user;
    return PARLEY_REDIRECT_TRY_NONE;
}

static parley_redirect_action redirect_later(parley_session *s, parley_redirect *r, void *user)
{
    (void)s;
    (void)r;
    (void)user;
    return PARLEY_REDIRECT_DEFER;
}

/* Forks: nothing to do but be told (the paths behind these callbacks run only with them). */
static void on_early_dialog(parley_session *s, const parley_early_dialog *d, void *user)
{
    (void)s;
    (void)d;
    (void)user;
}

static void on_fork_ignored(parley_session *s, const parley_msg *response, void *user)
{
    (void)s;
    (void)response;
    (void)user;
}

static act_session *add(act *a, parley_session *s)
{
    if (a->n == MAX_SESSIONS)
        return NULL;
    act_session *as = &a->sessions[a->n++];
    as->s = parley_session_ref(s);
    as->refer = NULL;
    as->neg = NULL;
    as->invited = 0;
    as->defer = 0;
    as->ack = NULL;
    as->pending = NULL;
    as->reinvite = NULL;
    return as;
}

void act_on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                    void *user)
{
    (void)ep;
    (void)info;
    act *a = user;
    if (a->n == MAX_SESSIONS) {
        parley_session_reject(s, 486, NULL, NULL, 0);
        return;
    }
    act_session *as = add(a, s);
    if ((a->defer_reinvites ? use_deferring_sdp(as) : use_sdp(s)) != 0) {
        parley_session_reject(s, 486, NULL, NULL, 0);
        return;
    }
    if (a->accept_refers) {
        parley_session_cbs cbs = {0};
        cbs.on_refer = on_refer;
        parley_session_set_callbacks(s, &cbs, a);
    }
    if (a->ring)
        parley_session_provisional(s, a->ring, NULL, custom, 1, a->ring_flags);
    else
        parley_session_participate(s, NULL, 0, NULL, NULL);
}

/* ---- commands ---- */

typedef struct words {
    char buf[256];
    const char *w[MAX_WORDS];
    size_t n;
} words;

static void split(words *ws, const char *cmd, size_t len)
{
    if (len >= sizeof(ws->buf))
        len = sizeof(ws->buf) - 1;
    memcpy(ws->buf, cmd, len);
    ws->buf[len] = '\0';
    ws->n = 0;
    for (char *save = NULL, *t = strtok_r(ws->buf, " ", &save); t && ws->n < MAX_WORDS;
         t = strtok_r(NULL, " ", &save))
        ws->w[ws->n++] = t;
}

static int has(const words *ws, const char *word)
{
    for (size_t i = 1; i < ws->n; i++)
        if (strcmp(ws->w[i], word) == 0)
            return 1;
    return 0;
}

/* The session a command acts on: "#k", else the newest; NULL when none. */
static act_session *target(act *a, const words *ws)
{
    for (size_t i = 1; i < ws->n; i++)
        if (ws->w[i][0] == '#' && ws->w[i][1] >= '0' && ws->w[i][1] <= '9') {
            size_t k = (size_t)(ws->w[i][1] - '0');
            return k < a->n ? &a->sessions[k] : NULL;
        }
    return a->n ? &a->sessions[a->n - 1] : NULL;
}

static void call(act *a, const words *ws)
{
    parley_address to = {has(ws, "B") ? a->uri_b : a->uri_a, NULL};
    parley_session *s = NULL;
    if (a->n == MAX_SESSIONS || parley_session_create(a->ep, &to, NULL, &s) != 0)
        return;
    act_session *as = add(a, s);
    parley_session_unref(s); /* the table's reference remains */
    if (has(ws, "late"))
        use_late_sdp(as);
    else
        use_sdp(as->s);
    parley_session_settings set = PARLEY_SESSION_SETTINGS_INIT;
    set.rel100 = has(ws, "require")    ? PARLEY_100REL_REQUIRED
                 : has(ws, "no100rel") ? PARLEY_100REL_UNSUPPORTED
                                       : PARLEY_100REL_DEFAULT;
    if (has(ws, "timer"))
        set.session_expires = 90;
    parley_session_set_settings(as->s, &set);
    parley_session_cbs cbs = {0};
    cbs.on_refer = on_refer;
    cbs.on_redirecting = has(ws, "none")    ? redirect_none
                         : has(ws, "later") ? redirect_later
                                            : redirect_all;
    cbs.on_accepted = on_accepted;
    cbs.on_early_dialog = on_early_dialog;
    cbs.on_fork_ignored = on_fork_ignored;
    as->defer = has(ws, "defer");
    parley_session_set_callbacks(as->s, &cbs, a);
    size_t nh = has(ws, "hdr") ? 2 : 0;
    parley_session_participate(as->s, custom, nh, NULL, NULL);
}

static void reinvite(act_session *as, const words *ws)
{
    parley_sdp_neg *neg = as->neg ? as->neg : parley_session_sdp(as->s);
    if (neg && has(ws, "hold"))
        parley_sdp_neg_set_dir(neg, 0, PARLEY_SDP_SENDONLY);
    if (neg && has(ws, "resume"))
        parley_sdp_neg_set_dir(neg, 0, PARLEY_SDP_SENDRECV);
    unsigned flags = has(ws, "update") ? PARLEY_RENEGOTIATE_UPDATE : 0;
    parley_session_renegotiate(as->s, flags, custom, 1, NULL, NULL);
}

/* The message type a command names: MESSAGE unless a word says otherwise. */
static parley_msg_type msg_type(const words *ws)
{
    static const struct {
        const char *word;
        parley_msg_type type;
    } types[] = {{"info", PARLEY_MSG_INFO},
                 {"options", PARLEY_MSG_OPTIONS},
                 {"notify", PARLEY_MSG_NOTIFY},
                 {"service", PARLEY_MSG_SERVICE},
                 {"benotify", PARLEY_MSG_BENOTIFY}};
    parley_msg_type type = PARLEY_MSG_MESSAGE;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (has(ws, types[i].word))
            type = types[i].type;
    return type;
}

static void message(act_session *as, const words *ws)
{
    parley_msg_type type = msg_type(ws);
    parley_content body = {"text/plain", "hi", 2};
    parley_session_send_message(as->s, type, &body, custom, 2, NULL, NULL);
}

static void refer_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s;
    act *a = user;
    if (r->msg)
        a->refer_id = parley_msg_cseq(r->msg, NULL);
}

static void refer(act *a, act_session *as, const words *ws)
{
    char uri[160];
    if (has(ws, "replaces"))
        snprintf(uri, sizeof(uri), "%s?Replaces=x%%40h%%3Bto-tag%%3Da%%3Bfrom-tag%%3Db", a->uri_b);
    else
        snprintf(uri, sizeof(uri), "%s", a->uri_b);
    parley_address to = {uri, NULL};
    parley_session_refer(as->s, &to, custom, 1, refer_done, a);
}

static void notify(act_session *as, const words *ws)
{
    if (!as->refer)
        return;
    if (has(ws, "fail"))
        parley_refer_request_notify(as->refer, 503, NULL, 1);
    else if (has(ws, "final"))
        parley_refer_request_notify(as->refer, 200, NULL, 1);
    else
        parley_refer_request_notify(as->refer, 180, "Ringing", 0);
}

static void resume(act_session *as, const words *ws)
{
    parley_redirect_action action = has(ws, "none")   ? PARLEY_REDIRECT_TRY_NONE
                                    : has(ws, "this") ? PARLEY_REDIRECT_TRY_THIS
                                    : has(ws, "skip") ? PARLEY_REDIRECT_SKIP_THIS
                                                      : PARLEY_REDIRECT_TRY_ALL;
    parley_session_redirect_resume(as->s, action, custom, 1);
}

static void redirect(act *a, act_session *as)
{
    parley_address to = {a->uri_b, NULL};
    parley_session_redirect(as->s, 302, &to, 1, custom, 1);
}

/* ---- outside sessions: page mode, registrations ---- */

static void page_done(parley_endpoint *ep, const parley_result *r, void *user)
{
    (void)ep;
    (void)r;
    (void)user;
}

/* A request of the endpoint's own outside any session, with custom headers (route: and a
 * Route of its own instead of the outbound proxy; nobody: no body). */
static void send_page(act *a, const words *ws)
{
    static const parley_header routed[] = {{"X-Fuzz", "1"}, {"Route", "<sip:10.0.0.7;lr>"}};
    parley_address to = {has(ws, "B") ? a->uri_b : a->uri_a, NULL};
    parley_content body = {NULL, "hi", 2};
    parley_endpoint_send_message(a->ep, msg_type(ws), &to, has(ws, "nobody") ? NULL : &body,
                                 has(ws, "route") ? routed : custom, 2, page_done, a);
}

static void on_reg_event(parley_registration *r, const parley_registration_event *ev, void *user)
{
    (void)user;
    /* what an application reads there */
    if (!parley_reg_state_name(ev->state) || parley_registration_state(r) > PARLEY_REG_UNREGISTERED)
        abort();
}

/* A registration at peer A (B: at peer B), 3600 s asked (short: 60), custom header. */
static void reg(act *a, const words *ws)
{
    if (a->nregs == MAX_REGS)
        return;
    parley_registration_config cfg = PARLEY_REGISTRATION_CONFIG_INIT;
    cfg.registrar = has(ws, "B") ? "sip:10.0.0.8:5062" : "sip:10.0.0.9:5060";
    cfg.expires = has(ws, "short") ? 60 : 0;
    cfg.no_gruu = has(ws, "nogruu");
    cfg.headers = custom;
    cfg.nheaders = 1;
    cfg.on_event = on_reg_event;
    cfg.user = a;
    if (parley_registration_create(a->ep, &cfg, &a->regs[a->nregs]) == 0)
        a->nregs++;
}

/* Stops the newest registration, or registration k ("#k"). */
static void unreg(act *a, const words *ws)
{
    size_t k = a->nregs ? a->nregs - 1 : 0;
    for (size_t i = 1; i < ws->n; i++)
        if (ws->w[i][0] == '#' && ws->w[i][1] >= '0' && ws->w[i][1] <= '9')
            k = (size_t)(ws->w[i][1] - '0');
    if (k < a->nregs)
        parley_registration_stop(a->regs[k]);
}

void act_on_page(act *a, parley_request *req)
{
    /* what an application reads there */
    if (!parley_request_msg(req) || parley_request_session(req) ||
        !parley_msg_type_method(parley_request_type(req)))
        abort();
    if (a->defer_pages && a->ndeferred < MAX_DEFERRED && parley_request_defer(req) == 0)
        a->deferred[a->ndeferred++] = req;
    /* else answered 200 by parley */
}

/* Answers the oldest page-mode request kept: 200 (fail: 486; prov: a 180 first). */
static void respond(act *a, const words *ws)
{
    if (!a->ndeferred)
        return;
    parley_request *req = a->deferred[0];
    if (has(ws, "prov"))
        parley_request_respond(req, 180, NULL, NULL, custom, 1);
    parley_content body = {"text/plain", "ok", 2};
    parley_request_respond(req, has(ws, "fail") ? 486 : 200, NULL, &body, custom, 1);
    memmove(a->deferred, a->deferred + 1, --a->ndeferred * sizeof(a->deferred[0]));
}

/* Answers the re-INVITE a session kept: accepted, rejected 488 (reject), or a 183 first
 * (prov: it stays kept). */
static void reinvite_answer(act_session *as, int reject, int prov)
{
    if (!as->reinvite)
        return;
    if (prov) {
        parley_reinvite_provisional(as->reinvite, 183, custom, 1);
        return;
    }
    if (reject)
        parley_reinvite_reject(as->reinvite, 488, NULL, custom, 1, NULL);
    else
        parley_reinvite_accept(as->reinvite, custom, 1, NULL, NULL);
    as->reinvite = NULL;
}

/* Sends the ACK or the answer kept (once: the handle is not used again). */
static void ack(act_session *as)
{
    if (as->pending)
        parley_pending_answer_ready(as->pending, custom, 1);
    else if (as->ack)
        parley_ack_send(as->ack, custom, 1);
    as->pending = NULL;
    as->ack = NULL;
}

void act_command(act *a, const char *cmd, size_t len)
{
    words ws;
    split(&ws, cmd, len);
    if (!ws.n)
        return;
    const char *verb = ws.w[0];
    if (strcmp(verb, "call") == 0) {
        call(a, &ws);
        return;
    }
    if (strcmp(verb, "accept") == 0) {
        a->accept_refers = 1;
        return;
    }
    if (strcmp(verb, "defer") == 0) {
        a->defer_pages |= has(&ws, "page");
        a->defer_reinvites |= has(&ws, "reinvite");
        return;
    }
    if (strcmp(verb, "register") == 0) {
        reg(a, &ws);
        return;
    }
    if (strcmp(verb, "unregister") == 0) {
        unreg(a, &ws);
        return;
    }
    if (strcmp(verb, "send") == 0) {
        send_page(a, &ws);
        return;
    }
    if (strcmp(verb, "respond") == 0) {
        respond(a, &ws);
        return;
    }
    if (strcmp(verb, "ring") == 0) {
        a->ring = has(&ws, "early") ? 183 : 180;
        a->ring_flags = (has(&ws, "early") ? PARLEY_PROV_EARLY_MEDIA : 0) |
                        (has(&ws, "rel") ? PARLEY_PROV_RELIABLE : 0);
        return;
    }
    act_session *as = target(a, &ws);
    if (!as)
        return;
    if (strcmp(verb, "reinvite") == 0)
        reinvite(as, &ws);
    else if (strcmp(verb, "recancel") == 0)
        parley_session_renegotiate_cancel(as->s);
    else if (strcmp(verb, "resume") == 0)
        resume(as, &ws);
    else if (strcmp(verb, "message") == 0)
        message(as, &ws);
    else if (strcmp(verb, "refer") == 0)
        refer(a, as, &ws);
    else if (strcmp(verb, "referend") == 0)
        parley_session_refer_end(as->s, a->refer_id);
    else if (strcmp(verb, "notify") == 0)
        notify(as, &ws);
    else if (strcmp(verb, "answer") == 0)
        parley_session_participate(as->s, custom, 1, NULL, NULL);
    else if (strcmp(verb, "reject") == 0)
        parley_session_reject(as->s, 486, NULL, custom, 1);
    else if (strcmp(verb, "redirect") == 0)
        redirect(a, as);
    else if (strcmp(verb, "ack") == 0)
        ack(as);
    else if (strcmp(verb, "reaccept") == 0 || strcmp(verb, "rereject") == 0)
        reinvite_answer(as, verb[2] == 'r', has(&ws, "prov"));
    else if (strcmp(verb, "bye") == 0)
        parley_session_terminate(as->s, NULL, 0, NULL, NULL);
}

act *act_new(parley_endpoint *ep, const char *peer_a, const char *peer_b)
{
    act *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->ep = ep;
    snprintf(a->uri_a, sizeof(a->uri_a), "sip:a@%s", peer_a);
    snprintf(a->uri_b, sizeof(a->uri_b), "sip:b@%s", peer_b);
    return a;
}

void act_drop(act *a)
{
    for (size_t i = 0; i < a->n; i++)
        parley_session_unref(a->sessions[i].s);
    for (size_t i = 0; i < a->nregs; i++)
        parley_registration_unref(a->regs[i]);
    /* requests still kept are answered 503 by the endpoint's stop */
}

void act_free(act *a)
{
    for (size_t i = 0; i < a->n; i++)
        parley_sdp_neg_free(a->sessions[i].neg);
    free(a);
}
