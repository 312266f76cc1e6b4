/*
 * parley listen [--bind ADDR]... [--user NAME]
 *               [--answer auto|ring:SECONDS|early:SECONDS|reject:CODE|redirect:URI[,URI...]|
 *                         null-offer]
 *               [--refer accept|reject] [--quiet] [--cert FILE --key FILE] [--ca FILE]
 *               [--verify-client] [--client-cert FILE --client-key FILE]
 *               [--insecure] [--accept TYPE]... [--100rel none|supported|required]
 *               [--session-timer SECONDS] [--min-se SECONDS] [--trace] [--pcap FILE]
 *               [--ladder FILE.html]
 *               [--max-sessions N] [--max-transactions N] [--stats SECONDS]
 *               [--registrar URI [--aor URI] [--expires SECONDS] [--instance URN]]
 *               [--proxy URI] [--auth-user NAME --password SECRET]
 *               [--require-auth SECRET [--realm REALM] [--auth-algorithms LIST]]
 *               [--endpoint-id ID]
 * Answers sessions (SDP from the negotiator) and page-mode messages, prints one JSON line per
 * event, and reads commands on standard input, one a line, applied to the newest session:
 *   message TEXT | info TEXT | header NAME: VALUE | reinvite | update | hold | resume |
 *   refer URI | bye
 * SIGINT or SIGTERM end it cleanly (exit 0), after hanging up its sessions (BYE, each answer
 * awaited 2 s at most), unregistering (a second signal stops waiting for the registrar) and
 * writing the --pcap and --ladder files. With --registrar
 * it registers the listening contact (README "Behind a proxy") and prints a registration line per
 * event; a failed registration ends it with exit 1.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "core/buf.h"
#include "json.h"
#include "listen_hangup.h"
#include "listen_json.h"
#include "listen_register.h"
#include "listen_stats.h"
#include "session_cli.h"
#include "sip/uri.h"

static const char usage[] =
    "usage: parley listen [--bind ADDR]... [--user NAME]\n"
    "         [--answer auto|ring:SECONDS|early:SECONDS|reject:CODE|redirect:URI[,URI...]|\n"
    "                   null-offer]\n"
    "         [--refer accept|reject] [--quiet] [--cert FILE --key FILE] [--ca FILE]\n"
    "         [--verify-client] " CLI_TLS_USAGE "\n"
    "         [--insecure] [--accept TYPE]... [--max-sessions N] [--max-transactions N]\n"
    "         [--stats SECONDS]\n"
    "         [--registrar URI [--aor URI] [--expires SECONDS] [--instance URN]]\n"
    "         [--proxy URI] [--auth-user NAME --password SECRET]\n"
    "         [--require-auth SECRET [--realm REALM] [--auth-algorithms LIST]]\n"
    "         [--endpoint-id ID]\n"
    "         " CLI_EXT_USAGE "\n"
    "         " CLI_TRACE_USAGE "\n"
    "Answers sessions and page-mode messages, prints one JSON line per event, and reads\n"
    "commands on standard input (message TEXT, info TEXT, header NAME: VALUE, reinvite,\n"
    "update, hold, resume, refer URI, bye). ADDR is udp:HOST:PORT, tcp:HOST:PORT or\n"
    "tls:HOST:PORT, HOST an IPv6 literal in brackets ([::1]) (default udp:127.0.0.1:5070,\n"
    "or udp:[::1]:5070 for a --proxy or --registrar on an IPv6 literal). --answer early:S\n"
    "sends 183 with the SDP answer (reliably when the caller supports 100rel), then 200\n"
    "after S seconds. Runs until SIGINT or SIGTERM, which hang up its sessions (exit 0; a\n"
    "second one ends it at once).\n";

static void on_trace(parley_endpoint *ep, const parley_trace_event *ev, void *user)
{
    (void)ep;
    cli_tracer_event(&((cli_app *)user)->tracer, ev);
}

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

void listen_emit(pl_buf *line)
{
    pl_buf_putc(line, '\n');
    pthread_mutex_lock(&out_mu);
    fwrite(line->data, 1, line->len, stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static void on_message(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    cli_app *app = user;
    pl_buf b;
    pl_buf_init(&b, 512);
    listen_message_json(&b, parley_request_msg(req));
    cli_emit(app, &b);
    pl_buf_free(&b);
}

static int parse_answer(cli_app *app, const char *v)
{
    if (!strcmp(v, "auto")) {
        app->answer = ANSWER_AUTO;
    } else if (!strcmp(v, "null-offer")) {
        app->answer = ANSWER_NULL_OFFER;
    } else if (!strncmp(v, "ring:", 5) || !strncmp(v, "early:", 6)) {
        bool early = v[0] == 'e';
        const char *n = v + (early ? 6 : 5);
        char *end;
        long secs = strtol(n, &end, 10);
        if (!*n || *end || secs < 0 || secs > 86400)
            return -1;
        app->answer = early ? ANSWER_EARLY : ANSWER_RING;
        app->ring_secs = (unsigned)secs;
    } else if (!strncmp(v, "reject:", 7)) {
        char *end;
        long code = strtol(v + 7, &end, 10);
        if (!v[7] || *end || code < 400 || code > 699)
            return -1;
        app->answer = ANSWER_REJECT;
        app->reject_code = (int)code;
    } else if (!strncmp(v, "redirect:", 9) && v[9]) {
        app->answer = ANSWER_REDIRECT;
        static char list[4096];
        snprintf(list, sizeof(list), "%s", v + 9);
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            /* the check parley_session_redirect makes: refused here, not by a 500 per call */
            sip_uri u;
            if (sip_uri_parse(pl_str_c(t), &u, NULL, NULL) != 0 ||
                !cli_list_add(&app->redirects, t))
                return -1;
        }
    } else {
        return -1;
    }
    return 0;
}

/* ---- commands on standard input ---- */

static void run_command(cli_app *app, cli_call *c, const char *cmd, char *arg);

static void command(cli_app *app, char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = '\0';
    const char *cmd = line;
    if (!*cmd)
        return;
    if (!strcmp(cmd, "header")) {
        if (!arg || cli_headers_add(&app->pending, arg) != 0)
            fprintf(stderr, "parley listen: header wants \"NAME: VALUE\"\n");
        return;
    }
    cli_call *c = cli_newest_call(app);
    if (!c) {
        parley_result r = {PARLEY_E_STATE, 0, "", NULL};
        cli_emit_result(app, cmd, NULL, &r);
        return;
    }
    run_command(app, c, cmd, arg);
    cli_call_unref(c);
}

/* A command for call c (held by the caller). */
static void run_command(cli_app *app, cli_call *c, const char *cmd, char *arg)
{
    cli_result_ctx *x = cli_result_ctx_new(app, cmd, c->call_id);
    if (!x) {
        parley_result r = {PARLEY_E_NOMEM, 0, "", NULL};
        cli_emit_result(app, cmd, c->call_id, &r);
        cli_headers_free(&app->pending);
        return;
    }
    const parley_header *h = app->pending.h;
    size_t nh = app->pending.n;
    int rc;
    if (!strcmp(cmd, "message") || !strcmp(cmd, "info")) {
        parley_content body = {NULL, arg ? arg : "", arg ? strlen(arg) : 0};
        rc = parley_session_send_message(c->s, cmd[0] == 'm' ? PARLEY_MSG_MESSAGE : PARLEY_MSG_INFO,
                                         &body, h, nh, cli_result_cb, x);
    } else if (!strcmp(cmd, "reinvite") || !strcmp(cmd, "hold") || !strcmp(cmd, "resume") ||
               !strcmp(cmd, "update")) {
        unsigned flags = cmd[0] == 'u' ? PARLEY_RENEGOTIATE_UPDATE : 0;
        if (c->neg && (cmd[0] == 'h' || !strcmp(cmd, "resume"))) {
            /* the direction goes with this renegotiation's offer, and stays only when it
             * succeeds (cli_result_cb) */
            x->dir_call = cli_call_ref(c);
            rc = cli_call_renegotiate_dir(c,
                                          cmd[0] == 'h' ? PARLEY_SDP_SENDONLY : PARLEY_SDP_SENDRECV,
                                          flags, h, nh, cli_result_cb, x);
            if (rc)
                cli_call_unref(x->dir_call);
        } else {
            rc = parley_session_renegotiate(c->s, flags, h, nh, cli_result_cb, x);
        }
    } else if (!strcmp(cmd, "refer")) {
        parley_address to = {arg ? arg : "", NULL};
        rc = parley_session_refer(c->s, &to, h, nh, cli_result_cb, x);
    } else if (!strcmp(cmd, "bye")) {
        rc = cli_call_hangup(c, h, nh, cli_result_cb, x);
    } else {
        fprintf(stderr, "parley listen: unknown command '%s'\n", cmd);
        free(x);
        return;
    }
    if (rc) {
        parley_result r = {rc, 0, "", NULL};
        cli_emit_result(app, cmd, c->call_id, &r);
        free(x);
    }
    cli_headers_free(&app->pending); /* used by this request only */
}

static pthread_mutex_t cmd_mu = PTHREAD_MUTEX_INITIALIZER;
static bool closing;

static void *stdin_thread(void *arg)
{
    cli_app *app = arg;
    char line[4096];
    while (fgets(line, sizeof(line), stdin)) {
        pthread_mutex_lock(&cmd_mu);
        if (closing) {
            pthread_mutex_unlock(&cmd_mu);
            break;
        }
        command(app, line);
        pthread_mutex_unlock(&cmd_mu);
    }
    return NULL;
}

/* After the first SIGINT or SIGTERM: the next one cuts the wait for the registrar's answer
 * to the un-REGISTER (up to 32 s when it never answers), so a second Ctrl-C ends at once. */
static void *second_signal(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    if (sigwait(&set, &sig) == 0)
        listen_register_abort();
    return NULL;
}

int cmd_listen(int argc, char **argv)
{
    cli_list binds = {0}, accept = {0};
    const char *user = NULL, *cert = NULL, *key = NULL, *ca = NULL;
    bool insecure = false;
    cli_ext ext = {0};
    cli_tls tls = {0};
    unsigned max_sessions = 0, max_txns = 0, stats_secs = 0;
    static cli_app app;
    static cli_deploy dep;
    cli_app_init(&app);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int t = cli_deploy_option(&dep, ~0u, argc, argv, &i, usage);
        if (t < 0)
            return CLI_ERROR;
        if (t)
            continue;
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            return CLI_OK;
        } else if ((t = cli_tracer_option(&app.tracer, argc, argv, &i, "listen", usage)) != 0 ||
                   (t = cli_ext_option(&ext, argc, argv, &i, "listen", usage)) != 0) {
            if (t < 0)
                return CLI_ERROR;
        } else if (!strcmp(a, "--bind") || !strcmp(a, "--accept")) {
            if (!(v = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
            if (!cli_list_add(a[2] == 'b' ? &binds : &accept, v)) {
                fprintf(stderr, "parley listen: too many %s options\n", a);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "--user")) {
            if (!(user = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--answer")) {
            if (!(v = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
            if (parse_answer(&app, v) != 0) {
                fprintf(stderr, "parley listen: bad --answer '%s'\n%s", v, usage);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "--refer")) {
            if (!(v = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
            if (strcmp(v, "accept") && strcmp(v, "reject")) {
                fprintf(stderr, "parley listen: bad --refer '%s'\n%s", v, usage);
                return CLI_ERROR;
            }
            app.refer_accept = v[0] == 'a';
        } else if (!strcmp(a, "--cert")) {
            if (!(cert = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--key")) {
            if (!(key = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--ca")) {
            if (!(ca = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--max-sessions") || !strcmp(a, "--max-transactions") ||
                   !strcmp(a, "--stats")) {
            if (!(v = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
            char *end;
            unsigned long n = strtoul(v, &end, 10);
            bool stats = a[2] == 's', txns = a[6] == 't';
            if (!*v || *end || *v == '-' || n < 1 || n > (stats ? 86400ul : 10000000ul)) {
                fprintf(stderr, "parley listen: bad %s '%s'\n%s", a, v, usage);
                return CLI_ERROR;
            }
            *(stats ? &stats_secs : txns ? &max_txns : &max_sessions) = (unsigned)n;
        } else if (!strcmp(a, "--insecure")) {
            insecure = true;
        } else if (!strcmp(a, "--quiet")) {
            app.quiet = true;
        } else if ((t = cli_tls_option(&tls, argc, argv, &i, true, usage)) != 0) {
            if (t < 0)
                return CLI_ERROR;
        } else {
            fprintf(stderr, "parley listen: unknown argument '%s'\n%s", a, usage);
            return CLI_ERROR;
        }
    }
    if (cli_deploy_check(&dep, "listen") != 0 || cli_tls_check(&tls, "listen", usage) != 0)
        return CLI_ERROR;
    if (tls.verify_client && !cert) {
        cli_usage_error("listen", "--verify-client needs --cert and --key", NULL, usage);
        return CLI_ERROR;
    }
    if (!binds.n) { /* on [::1] when the first hop (proxy, else registrar) is IPv6 only */
        const char *hop = dep.proxy ? dep.proxy : dep.registrar;
        cli_list_add(&binds, cli_hop_v6(hop) ? "udp:[::1]:5070" : "udp:127.0.0.1:5070");
    }
    for (size_t i = 0; i < binds.n; i++)
        cli_note_bind(&app, binds.items[i]);
    char uri[160] = "";
    if (user) {
        char hp[128];
        const char *b0 = binds.items[0];
        snprintf(hp, sizeof(hp), "%s", strchr(b0, ':') && b0[3] == ':' ? b0 + 4 : b0);
        snprintf(uri, sizeof(uri), "sip:%s@%s", user, hp);
    }
    if (cli_tracer_open(&app.tracer, "listen") != 0)
        return CLI_ERROR;
    cli_block_signals();
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    const char *aor = cli_deploy_aor(&dep, user);
    cfg.uri = aor ? aor : user ? uri : NULL; /* registered: calls go out from the AoR */
    cli_deploy_config(&dep, &cfg, cfg.uri);
    cfg.listen = binds.items;
    cfg.tls_cert = cert;
    cfg.tls_key = key;
    cfg.tls_ca = ca;
    cfg.tls_insecure = insecure;
    cli_tls_apply(&tls, &cfg);
    if (insecure)
        cli_warn_insecure();
    cfg.accept_types = accept.n ? accept.items : NULL;
    cfg.on_message = on_message;
    cfg.on_trace = cli_tracer_wanted(&app.tracer) ? on_trace : NULL;
    cli_ext_apply(&ext, &cfg);
    cfg.user = &app;
    cfg.max_sessions = max_sessions;
    cfg.max_server_transactions = max_txns;
    int err = parley_endpoint_create(&cfg, &app.ep);
    if (!err)
        err = parley_endpoint_set_session_cb(app.ep, cli_on_session, &app);
    if (!err)
        err = parley_endpoint_start(app.ep);
    if (err) {
        fprintf(stderr, "parley listen: cannot listen: %s\n", parley_strerror(err));
        parley_endpoint_unref(app.ep);
        cli_tracer_free(&app.tracer);
        return CLI_ERROR;
    }
    pl_buf b;
    pl_buf_init(&b, 256);
    pl_buf_puts(&b, "{\"event\":\"listening\",\"uri\":");
    json_cstr(&b, parley_endpoint_uri(app.ep));
    pl_buf_puts(&b, ",\"addresses\":[");
    char addr[96];
    for (size_t i = 0; parley_endpoint_local_addr(app.ep, i, addr, sizeof(addr)) == 0; i++) {
        if (i)
            pl_buf_putc(&b, ',');
        json_cstr(&b, addr);
    }
    pl_buf_puts(&b, "]}");
    cli_emit(&app, &b);
    pl_buf_free(&b);

    if (aor && (err = listen_register_start(&app, &dep, aor)) != 0) {
        fprintf(stderr, "parley listen: cannot register: %s\n", parley_strerror(err));
        parley_endpoint_stop(app.ep);
        cli_app_free(&app);
        parley_endpoint_unref(app.ep);
        cli_tracer_free(&app.tracer);
        return CLI_ERROR;
    }
    if (stats_secs && listen_stats_start(app.ep, stats_secs) != 0)
        fprintf(stderr, "parley listen: cannot print stats\n");

    pthread_t reader;
    bool have_reader = pthread_create(&reader, NULL, stdin_thread, &app) == 0;
    if (have_reader)
        pthread_detach(reader); /* it may sit in a read until the process exits */

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    /* a second signal while unregistering waits for the registrar: stop waiting */
    pthread_t second;
    if (pthread_create(&second, NULL, second_signal, NULL) == 0)
        pthread_detach(second);
    pthread_mutex_lock(&cmd_mu); /* no command runs past this point */
    closing = true;
    pthread_mutex_unlock(&cmd_mu);
    bool failed = listen_register_failed();
    listen_hang_up_all(&app, 2000); /* the peers learn the sessions ended */
    listen_register_stop();         /* the binding goes before the endpoint does */
    listen_stats_stop();
    parley_endpoint_stop(app.ep);
    cli_app_free(&app);
    parley_endpoint_unref(app.ep);
    int rc = cli_tracer_finish(&app.tracer, "listen", "parley listen") == 0 ? CLI_OK : CLI_ERROR;
    cli_tracer_free(&app.tracer);
    return failed ? CLI_FAIL : rc;
}
