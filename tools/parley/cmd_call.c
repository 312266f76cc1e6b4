/*
 * parley call URI [--from URI] [--bind ADDR] [--transport T] [--no-offer] [--sdp FILE]
 *                 [--header "N: v"]... [--message TEXT]... [--info TEXT] [--reinvite]
 *                 [--hold] [--resume]
 *                 [--refer URI] [--wait SECONDS] [--hangup-after SECONDS] [--endpoint-id ID]
 *                 [--ca FILE] [--insecure] [--client-cert FILE --client-key FILE] [--update]
 *                 [--100rel none|supported|required]
 *                 [--session-timer SECONDS] [--min-se SECONDS] [--quiet] [--trace]
 *                 [--pcap FILE] [--ladder FILE.html]
 *                 [--target-epid ID] [--proxy URI] [--auth-user NAME --password SECRET]
 * Places a call (custom headers go on every request it sends), follows redirections, then does
 * what the flags say in their order on the command line, hangs up and prints the same JSON
 * lines as parley listen. --hangup-after also bounds the ringing (the call is CANCELled when
 * nobody answered by then); SIGINT/SIGTERM hang up (CANCEL or BYE). Exit 0 when every step
 * succeeded; 1 when a step got a failure response (the last line holds its status); 2 for a local
 * error (usage, no route, timeout). A forked call prints an "early" line per early dialog and a
 * "fork_ignored" line per later 2xx it ACKed and ended. --target-epid aims at one endpoint of
 * the user (through a proxy: its GRUU, docs/SESSION.md).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_deploy.h"
#include "session_cli.h"

static const char usage[] =
    "usage: parley call URI [--from URI] [--bind ADDR] [--transport udp|tcp|tls] [--no-offer]\n"
    "                   [--sdp FILE] [--header \"Name: value\"]... [--message TEXT]...\n"
    "                   [--info TEXT]... [--reinvite]... [--hold]... [--resume]...\n"
    "                   [--refer URI]... [--wait SECONDS]...\n"
    "                   [--hangup-after SECONDS] [--endpoint-id ID] [--ca FILE] [--insecure]\n"
    "                   " CLI_TLS_USAGE "\n"
    "                   [--update] [--quiet] [--target-epid ID]\n"
    "                   [--proxy URI] [--auth-user NAME --password SECRET]\n"
    "                   " CLI_EXT_USAGE "\n"
    "                   " CLI_TRACE_USAGE "\n"
    "Places a call, runs the steps (--message, --info, --reinvite, --hold, --resume, --refer,\n"
    "--wait) in their order, hangs up, and prints one JSON line per event. Exit 0 when every\n"
    "step succeeded, 1 when one got a failure response, 2 on a local error.\n";

static void on_trace(parley_endpoint *ep, const parley_trace_event *ev, void *user)
{
    (void)ep;
    cli_tracer_event(&((cli_app *)user)->tracer, ev);
}

enum { STEP_MESSAGE, STEP_INFO, STEP_REINVITE, STEP_HOLD, STEP_RESUME, STEP_REFER, STEP_WAIT };

typedef struct step {
    int kind;
    const char *arg;
    double secs;
} step;

#define MAX_STEPS 64

static bool ended(cli_call *c)
{
    return c->ended;
}

#define REFER_WAIT_MS 300000 /* a referred call may ring for a while */

static bool refer_done(cli_call *c)
{
    return c->refer_final || c->ended;
}

static double parse_secs(const char *v)
{
    char *end;
    double d = strtod(v, &end);
    return (!*v || *end || d < 0 || d > 86400) ? -1 : d;
}

/* Exit code for an operation's outcome: 0 success, 1 failure response, 2 local error. */
static int exit_code(const parley_result *r)
{
    if (r->error == 0)
        return CLI_OK;
    /* a final failure response (also the 487 after our own CANCEL) is a failed step, and so
     * is a 2xx that cannot be used (one without the answer to our offer) */
    bool peer = r->error == PARLEY_E_FAILURE_RESPONSE || r->status >= 300 ||
                (r->status && r->error == PARLEY_E_UNUSABLE);
    return peer ? CLI_FAIL : CLI_ERROR;
}

/* Prints the result line of an operation and returns its exit code. */
static int report(cli_app *app, cli_call *c, const char *op, int rc, parley_result *r)
{
    parley_result local = {rc, 0, "", NULL};
    const parley_result *res = r ? r : &local;
    cli_emit_result(app, op, c->call_id, res);
    int code = exit_code(res);
    parley_result_free(r);
    return code;
}

/* The failed step, held back: the steps stop at the first failure and the call hangs up, and
 * the step's result line comes after the hangup's lines, so that the last line holds the
 * failing status (issue 5's contract for exit 1). */
typedef struct failed_step {
    bool set;
    char op[16];
    char reason[128];
    parley_result res;
} failed_step;

static failed_step failed;

static void hold_back(const char *op, const parley_result *r)
{
    failed.set = true;
    snprintf(failed.op, sizeof(failed.op), "%s", op);
    snprintf(failed.reason, sizeof(failed.reason), "%s", r->reason ? r->reason : "");
    failed.res = (parley_result){r->error, r->status, failed.reason, NULL};
}

/* report() for a step: a failure's line is held back (see failed_step). */
static int step_report(cli_app *app, cli_call *c, const char *op, int rc, parley_result *r)
{
    parley_result local = {rc, 0, "", NULL};
    const parley_result *res = r ? r : &local;
    int code = exit_code(res);
    if (code == CLI_OK)
        return report(app, c, op, rc, r);
    hold_back(op, res);
    parley_result_free(r);
    return code;
}

static int hold_step(cli_app *app, cli_call *c, bool hold);

static int run_step(cli_app *app, cli_call *c, const step *st)
{
    parley_result *r = NULL;
    int rc;
    switch (st->kind) {
    case STEP_MESSAGE:
    case STEP_INFO: {
        parley_content body = {NULL, st->arg, strlen(st->arg)};
        parley_msg_type t = st->kind == STEP_MESSAGE ? PARLEY_MSG_MESSAGE : PARLEY_MSG_INFO;
        rc = parley_session_send_message_sync(c->s, t, &body, app->every, app->nevery, &r);
        return step_report(app, c, st->kind == STEP_MESSAGE ? "message" : "info", rc, r);
    }
    case STEP_HOLD:
    case STEP_RESUME:
        return hold_step(app, c, st->kind == STEP_HOLD);
    case STEP_REINVITE:
        rc = parley_session_renegotiate_sync(c->s, app->use_update ? PARLEY_RENEGOTIATE_UPDATE : 0,
                                             app->every, app->nevery, &r);
        return step_report(app, c, "reinvite", rc, r);
    case STEP_REFER: {
        parley_address to = {st->arg, NULL};
        pthread_mutex_lock(&app->mu);
        c->refer_status = 0;
        c->refer_final = false;
        c->refer_reason[0] = '\0';
        pthread_mutex_unlock(&app->mu);
        rc = parley_session_refer_sync(c->s, &to, app->every, app->nevery, &r);
        int code = step_report(app, c, "refer", rc, r);
        if (code != CLI_OK)
            return code;
        /* the transfer's outcome comes in the NOTIFYs: success only for a final 2xx (the
         * subscription ends by itself at the latest when it expires) */
        cli_wait(app, refer_done, c, REFER_WAIT_MS);
        pthread_mutex_lock(&app->mu);
        int status = c->refer_status;
        bool final = c->refer_final;
        /* no final status: the call ended first, or the subscription never said one */
        int err = status >= 300 ? PARLEY_E_FAILURE_RESPONSE
                  : c->ended    ? PARLEY_E_TERMINATED
                                : PARLEY_E_TIMEOUT;
        parley_result out = {err, status, c->refer_reason, NULL};
        if (final && status >= 200 && status < 300) {
            pthread_mutex_unlock(&app->mu);
            return CLI_OK;
        }
        hold_back("refer", &out); /* the transfer's outcome: the last NOTIFY's status */
        pthread_mutex_unlock(&app->mu);
        return CLI_FAIL;
    }
    default:
        /* events keep printing meanwhile; the wait ends early if the peer hangs up */
        cli_wait(app, ended, c, (long)(st->secs * 1000));
        return CLI_OK;
    }
}

/* ---- the INVITE: --hangup-after also bounds the ringing; SIGINT/SIGTERM hang up ---- */

typedef struct call_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    parley_result *r;
} call_wait;

static call_wait invite_wait = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, NULL};
static atomic_int interrupted; /* set by the signal thread, read by the steps */

static void on_invite_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s;
    call_wait *w = user;
    parley_result *copy = NULL;
    /* keep what the result says after the callback (the message itself is not needed) */
    copy = calloc(1, sizeof(*copy) + 128);
    if (copy) {
        char *reason = (char *)(copy + 1);
        snprintf(reason, 128, "%s", r->reason ? r->reason : "");
        *copy = (parley_result){r->error, r->status, reason, NULL};
    }
    pthread_mutex_lock(&w->mu);
    w->r = copy;
    w->done = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* --hold and --resume, as parley listen's hold and resume: the offer says sendonly (RFC 3264
 * §8.4), then sendrecv again; the peer's answer says what it does (recvonly, inactive...). The
 * direction goes out with the renegotiation's offer and stays only when it succeeds: the
 * completion (loop thread) settles it before the step's result is reported. */
typedef struct dir_wait {
    call_wait w;
    cli_call *c;
} dir_wait;

static dir_wait hold_wait = {{PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, NULL},
                             NULL};

static void on_hold_done(parley_session *s, const parley_result *r, void *user)
{
    dir_wait *d = user;
    cli_call_dir_done(d->c, r->error == 0);
    on_invite_done(s, r, &d->w);
}

static int hold_step(cli_app *app, cli_call *c, bool hold)
{
    const char *op = hold ? "hold" : "resume";
    hold_wait.c = c;
    int rc = cli_call_renegotiate_dir(c, hold ? PARLEY_SDP_SENDONLY : PARLEY_SDP_SENDRECV,
                                      app->use_update ? PARLEY_RENEGOTIATE_UPDATE : 0, app->every,
                                      app->nevery, on_hold_done, &hold_wait);
    if (rc)
        return step_report(app, c, op, rc, NULL);
    pthread_mutex_lock(&hold_wait.w.mu);
    while (!hold_wait.w.done)
        pthread_cond_wait(&hold_wait.w.cv, &hold_wait.w.mu); /* bounded by the transaction */
    parley_result *r = hold_wait.w.r;
    hold_wait.w.r = NULL;
    hold_wait.w.done = false;
    pthread_mutex_unlock(&hold_wait.w.mu);
    return step_report(app, c, op, r ? r->error : PARLEY_E_NOMEM, r);
}

/* The hangup of the call (terminate: CANCEL, or BYE): done when the session is Disconnected
 * and a BYE that went has its answer. Nothing is kept of the result: nobody need wait. */
static call_wait hangup_wait = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, NULL};

static void on_hangup_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s;
    (void)r;
    call_wait *w = user;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* After the call, over TCP or TLS, parley call waits for the peer to close the connection, at
 * most LINGER_MS, as a UA that stays up keeps it: the peer may still be in its end-of-call
 * wait (SIPp's uas scenario ends with a 4 s timewait, and a connection closed under it fails
 * the call). A signal ends the wait. Not through an outbound proxy (--proxy): the connection
 * is the proxy's, which keeps its connections for reuse (Kamailio's live 120 s), so the wait
 * only delayed the exit by LINGER_MS, and closing it ends nothing of the callee's. */
#define LINGER_MS      5000
#define LINGER_STEP_MS 50

static bool never(cli_call *c)
{
    (void)c;
    return false;
}

static void linger(cli_app *app)
{
    for (int i = 0; i < LINGER_MS / LINGER_STEP_MS && !interrupted; i++) {
        parley_endpoint_stats st = PARLEY_ENDPOINT_STATS_INIT;
        if (parley_endpoint_read_stats(app->ep, &st) != 0 || st.connections == 0)
            return;
        cli_wait(app, never, NULL, LINGER_STEP_MS); /* (stats are read without app->mu) */
    }
}

static void *signal_thread(void *arg)
{
    cli_call *c = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig;
    if (sigwait(&set, &sig) == 0) {
        interrupted = 1;
        cli_call_hangup(c, c->app->every, c->app->nevery, on_hangup_done, &hangup_wait);
    }
    return NULL;
}

/* Sends the INVITE and waits for its outcome; after hangup_after seconds without an answer the
 * call is CANCELled (the INVITE then ends with 487). Returns the exit code so far. */
static int place_call(cli_app *app, cli_call *c, double hangup_after)
{
    int err =
        parley_session_participate(c->s, app->every, app->nevery, on_invite_done, &invite_wait);
    if (err) {
        parley_result local = {err, 0, "", NULL};
        cli_emit_result(app, "call", c->call_id, &local);
        return CLI_ERROR;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (hangup_after > 0) {
        long ms = (long)(hangup_after * 1000);
        until.tv_sec += ms / 1000;
        until.tv_nsec += (ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&invite_wait.mu);
    bool cancelled = false;
    while (!invite_wait.done) {
        if (hangup_after > 0 && !cancelled) {
            if (pthread_cond_timedwait(&invite_wait.cv, &invite_wait.mu, &until) == ETIMEDOUT) {
                /* nobody answered in time: CANCEL; the INVITE's final answer comes next */
                cancelled = true;
                pthread_mutex_unlock(&invite_wait.mu);
                cli_call_hangup(c, app->every, app->nevery, on_hangup_done, &hangup_wait);
                pthread_mutex_lock(&invite_wait.mu);
            }
        } else {
            pthread_cond_wait(&invite_wait.cv, &invite_wait.mu); /* bounded by Timer B */
        }
    }
    parley_result *r = invite_wait.r;
    invite_wait.r = NULL;
    pthread_mutex_unlock(&invite_wait.mu);
    /* a failed INVITE completes before the session is Disconnected: let that state line come
     * out first, so that the result (with the failing status) is the last line */
    if (!r || r->error)
        cli_wait(app, ended, c, 2000);
    /* the peer's 2xx crossed our CANCEL (hangup-after or a signal while ringing): the library
     * ACKed and BYEd it; the call was given up as with a 487, not a local error */
    bool crossed = r && r->error == PARLEY_E_TERMINATED && r->status >= 200 && r->status < 300 &&
                   (cancelled || interrupted);
    int code = report(app, c, "call", r ? r->error : PARLEY_E_NOMEM, r);
    if (crossed) {
        /* let the BYE have its answer before the endpoint stops (over TCP the connection
         * would close under it); bounded by its transaction (64*T1) */
        struct timespec bye_until;
        clock_gettime(CLOCK_REALTIME, &bye_until);
        bye_until.tv_sec += 40;
        pthread_mutex_lock(&hangup_wait.mu);
        while (!hangup_wait.done &&
               pthread_cond_timedwait(&hangup_wait.cv, &hangup_wait.mu, &bye_until) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&hangup_wait.mu);
        return CLI_FAIL;
    }
    return code;
}

/* The target with ;transport= as asked (before any ?headers), unless the URI names it
 * already (a parameter is never printed twice: RFC 3261 §19.1.1). */
static char *with_transport(const char *uri, const char *transport)
{
    size_t n = strlen(uri) + 32;
    char *out = malloc(n);
    if (!out)
        return NULL;
    const char *q = strchr(uri, '?');
    size_t head = q ? (size_t)(q - uri) : strlen(uri);
    char named[8];
    if (transport && !cli_uri_transport(uri, named, sizeof(named)))
        snprintf(out, n, "%.*s;transport=%s%s", (int)head, uri, transport, q ? q : "");
    else
        snprintf(out, n, "%s", uri);
    return out;
}

/* The options followed by a value (an unknown option is refused before its "value" is read). */
static bool takes_value(const char *a)
{
    static const char *const with_value[] = {
        "--from", "--bind",         "--transport",   "--sdp",  "--endpoint-id",
        "--ca",   "--header",       "--message",     "--info", "--refer",
        "--wait", "--hangup-after", "--target-epid", NULL};
    for (size_t i = 0; with_value[i]; i++)
        if (!strcmp(a, with_value[i]))
            return true;
    return false;
}

int cmd_call(int argc, char **argv)
{
    const char *uri = NULL, *from = NULL, *bind = NULL, *transport = NULL, *sdp_file = NULL;
    const char *epid = NULL, *ca = NULL, *target_epid = NULL;
    bool no_offer = false, insecure = false;
    static cli_deploy dep;
    double hangup_after = -1;
    step steps[MAX_STEPS];
    size_t nsteps = 0;
    cli_headers hs = {0};
    cli_call *call = NULL;
    cli_ext ext = {0};
    cli_tls tls = {0};
    static cli_app app;
    cli_app_init(&app);
    int rc = CLI_ERROR;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int t = cli_deploy_option(&dep, CLI_DEPLOY_PROXY | CLI_DEPLOY_AUTH, argc, argv, &i, usage);
        if (t < 0)
            goto out;
        if (t)
            continue;
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if ((t = cli_tracer_option(&app.tracer, argc, argv, &i, "call", usage)) != 0 ||
                   (t = cli_ext_option(&ext, argc, argv, &i, "call", usage)) != 0 ||
                   (t = cli_tls_option(&tls, argc, argv, &i, false, usage)) != 0) {
            if (t < 0)
                goto out;
        } else if (!strcmp(a, "--update")) {
            app.use_update = true;
        } else if (!strcmp(a, "--no-offer")) {
            no_offer = true;
        } else if (!strcmp(a, "--reinvite") || !strcmp(a, "--hold") || !strcmp(a, "--resume")) {
            if (nsteps == MAX_STEPS)
                goto too_many;
            int kind = !strcmp(a, "--reinvite") ? STEP_REINVITE
                       : !strcmp(a, "--hold")   ? STEP_HOLD
                                                : STEP_RESUME;
            steps[nsteps++] = (step){kind, NULL, 0};
        } else if (!strcmp(a, "--insecure")) {
            insecure = true;
        } else if (!strcmp(a, "--quiet")) {
            app.quiet = true;
        } else if (a[0] == '-' && a[1]) {
            if (!takes_value(a)) {
                rc = cli_usage_error("call", "unknown option", a, usage);
                goto out;
            }
            if (!(v = cli_arg(argc, argv, &i, usage)))
                goto out;
            if (!strcmp(a, "--from")) {
                from = v;
            } else if (!strcmp(a, "--bind")) {
                bind = v;
            } else if (!strcmp(a, "--transport")) {
                transport = v;
                if (strcmp(v, "udp") && strcmp(v, "tcp") && strcmp(v, "tls")) {
                    rc = cli_usage_error("call", "unknown transport", v, usage);
                    goto out;
                }
            } else if (!strcmp(a, "--sdp")) {
                sdp_file = v;
            } else if (!strcmp(a, "--endpoint-id")) {
                epid = v;
            } else if (!strcmp(a, "--target-epid")) {
                target_epid = v;
            } else if (!strcmp(a, "--ca")) {
                ca = v;
            } else if (!strcmp(a, "--header")) {
                if (cli_headers_add(&hs, v) != 0) {
                    fprintf(stderr, "parley call: bad header '%s' (want \"Name: value\")\n", v);
                    goto out;
                }
            } else if (!strcmp(a, "--message") || !strcmp(a, "--info") || !strcmp(a, "--refer")) {
                if (nsteps == MAX_STEPS)
                    goto too_many;
                int kind = a[2] == 'm' ? STEP_MESSAGE : a[2] == 'i' ? STEP_INFO : STEP_REFER;
                steps[nsteps++] = (step){kind, v, 0};
            } else if (!strcmp(a, "--wait") || !strcmp(a, "--hangup-after")) {
                double secs = parse_secs(v);
                if (secs < 0) {
                    rc = cli_usage_error("call", "bad number of seconds (0 to 86400)", v, usage);
                    goto out;
                }
                if (a[2] == 'w') {
                    if (nsteps == MAX_STEPS)
                        goto too_many;
                    steps[nsteps++] = (step){STEP_WAIT, NULL, secs};
                } else {
                    hangup_after = secs;
                }
            } else {
                rc = cli_usage_error("call", "unknown option", a, usage);
                goto out;
            }
        } else if (!uri) {
            uri = a;
        } else {
            rc = cli_usage_error("call", "unexpected argument", a, usage);
            goto out;
        }
    }
    if (!uri) {
        rc = cli_usage_error("call", "missing the URI", NULL, usage);
        goto out;
    }
    for (size_t i = 0; sdp_file && i < nsteps; i++) {
        /* the offer of --sdp FILE is sent as it is: no direction of ours to change */
        if (steps[i].kind == STEP_HOLD || steps[i].kind == STEP_RESUME) {
            rc = cli_usage_error("call", "--hold and --resume change parley's own offer: not with",
                                 "--sdp", usage);
            goto out;
        }
    }
    if (cli_deploy_check(&dep, "call") != 0 || cli_tls_check(&tls, "call", usage) != 0)
        goto out;
    if (cli_tracer_open(&app.tracer, "call") != 0)
        goto out;

    char named[8];
    if (cli_uri_transport(uri, named, sizeof(named))) {
        if (transport && strcasecmp(transport, named)) {
            rc = cli_usage_error("call", "--transport differs from the URI's transport=", named,
                                 usage);
            goto out;
        }
        transport = named;
    }
    cli_block_signals(); /* before any thread: SIGINT/SIGTERM go to the signal thread */
    char *target = with_transport(uri, transport);
    /* UDP (or --bind) and, for TCP, TCP too: the Via and Contact of a request sent over TCP
     * name a TCP port of ours that answers (RFC 3261 §18.2.2). */
    const char *listen[3];
    char tcp_listen[160];
    cli_default_listen(dep.proxy ? dep.proxy : uri, transport, bind, listen, tcp_listen,
                       sizeof(tcp_listen));
    for (int i = 0; i < 3 && listen[i]; i++)
        cli_note_bind(&app, listen[i]);
    app.every = hs.h;
    app.nevery = hs.n;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.uri = from;
    cfg.listen = listen;
    cfg.epid = epid;
    cli_deploy_config(&dep, &cfg, from);
    cfg.tls_ca = ca;
    cfg.tls_insecure = insecure;
    cli_tls_apply(&tls, &cfg);
    if (insecure)
        cli_warn_insecure();
    cfg.on_trace = cli_tracer_wanted(&app.tracer) ? on_trace : NULL;
    cli_ext_apply(&ext, &cfg);
    cfg.user = &app;
    int err = target ? parley_endpoint_create(&cfg, &app.ep) : PARLEY_E_NOMEM;
    if (!err)
        err = parley_endpoint_start(app.ep);
    parley_session *s = NULL;
    if (!err) {
        parley_address to = {target, target_epid};
        err = parley_session_create(app.ep, &to, NULL, &s);
    }
    /* --header on every request, those the library sends by itself too (PRACK, refreshes) */
    if (!err && app.nevery && (err = parley_session_set_request_headers(s, app.every, app.nevery)))
        parley_session_unref(s);
    if (err) {
        fprintf(stderr, "parley call: %s\n", parley_strerror(err));
        free(target);
        goto stop;
    }
    app.resolve_targets = true; /* this thread may wait for a name's address */
    cli_call *c = cli_call_new(&app, s, true);
    app.resolve_targets = false;
    parley_session_unref(s);
    if (!c) {
        free(target);
        goto stop;
    }
    call = cli_call_ref(c); /* ours: the call leaves app.calls when its session is released */
    if (sdp_file) {
        c->sdp = cli_read_file(sdp_file, 1 << 16, &c->sdp_len);
        if (!c->sdp) {
            fprintf(stderr, "parley call: cannot read %s\n", sdp_file);
            free(target);
            goto stop;
        }
    }
    c->null_offer_once = no_offer;
    cli_call_attach(c);
    pthread_t sigth;
    if (pthread_create(&sigth, NULL, signal_thread, c) == 0)
        pthread_detach(sigth); /* it stays in sigwait until a signal or the process ends */

    free(target);
    rc = place_call(&app, c, hangup_after);
    if (rc != CLI_OK)
        goto stop;
    struct timespec connected_at;
    clock_gettime(CLOCK_MONOTONIC, &connected_at);
    /* after the peer ended the call the steps left fail (a wait ends at once): a step not done
     * is not a success; after SIGTERM/SIGINT (the user's own hangup) they are not run */
    for (size_t i = 0; i < nsteps && rc == CLI_OK && !interrupted; i++)
        rc = run_step(&app, c, &steps[i]);
    if (rc == CLI_OK && hangup_after > 0 && !c->ended) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double spent = (double)(now.tv_sec - connected_at.tv_sec) +
                       (double)(now.tv_nsec - connected_at.tv_nsec) / 1e9;
        if (spent < hangup_after)
            cli_wait(&app, ended, c, (long)((hangup_after - spent) * 1000));
    }
    if (!c->ended) {
        parley_result *r = NULL;
        pthread_mutex_lock(&app.mu);
        c->hangup_local = true;
        pthread_mutex_unlock(&app.mu);
        err = parley_session_terminate_sync(c->s, app.every, app.nevery, &r);
        if (!err && (!r || !r->status)) {
            /* no BYE went: the library had ended the session meanwhile (a 408, a timeout, a
             * transport error), its lines say how; a bye line would claim a hangup */
            parley_result_free(r);
        } else {
            int bye = report(&app, c, "bye", err, r);
            if (rc == CLI_OK)
                rc = bye;
        }
    }
    if (failed.set) {
        cli_wait(&app, ended, c, 2000); /* a failure that ended the session: its lines first */
        cli_emit_result(&app, failed.op, c->call_id, &failed.res);
    }
    goto stop;

too_many:
    rc = cli_usage_error("call", "too many steps (at most 64)", NULL, usage);
    goto out;
stop:
    if (app.ep) {
        if (!dep.proxy)
            linger(&app);
        parley_endpoint_stop(app.ep);
        cli_call_unref(call);
        cli_app_free(&app);
        parley_endpoint_unref(app.ep);
    }
    if (cli_tracer_finish(&app.tracer, "call", "parley call") != 0 && rc == CLI_OK)
        rc = CLI_ERROR;
out:
    cli_tracer_free(&app.tracer);
    cli_headers_free(&hs);
    return rc;
}
