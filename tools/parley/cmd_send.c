/*
 * parley send URI TEXT [--from URI] [--bind ADDR] [--transport udp|tcp|tls]
 *                      [--header "Name: value"]... [--content-type TYPE] [--ca FILE] [--insecure]
 *                      [--client-cert FILE --client-key FILE]
 *                      [--trace] [--pcap FILE] [--ladder FILE.html]
 *                      [--proxy URI] [--auth-user NAME --password SECRET]
 * Sends a page-mode MESSAGE and prints the final status line. Exit 0 on 2xx, 1 on another
 * final response, 2 on a local error (usage, no route, timeout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_deploy.h"
#include "parley/endpoint.h"
#include "trace_out.h"

static const char usage[] =
    "usage: parley send URI TEXT [--from URI] [--bind ADDR] [--transport udp|tcp|tls]\n"
    "                   [--header \"Name: value\"]... [--content-type TYPE] [--ca FILE]\n"
    "                   [--insecure] " CLI_TLS_USAGE "\n"
    "                   [--proxy URI] [--auth-user NAME --password SECRET]\n"
    "                   " CLI_TRACE_USAGE "\n"
    "Sends a page-mode MESSAGE with TEXT as its body and prints the final response's status\n"
    "line. Exit 0 on 2xx, 1 on another final response, 2 on a local error.\n";

static void on_trace(parley_endpoint *ep, const parley_trace_event *ev, void *user)
{
    (void)ep;
    cli_tracer_event(user, ev);
}

/* The target with ;transport= set as asked, unless the URI names it already (a parameter is
 * never printed twice). */
static char *target_uri(const char *uri, const char *transport)
{
    size_t n = strlen(uri) + 32;
    char *out = malloc(n);
    if (!out)
        return NULL;
    char named[8];
    if (!transport || cli_uri_transport(uri, named, sizeof(named))) {
        snprintf(out, n, "%s", uri);
        return out;
    }
    const char *q = strchr(uri, '?');
    size_t head = q ? (size_t)(q - uri) : strlen(uri);
    snprintf(out, n, "%.*s;transport=%s%s", (int)head, uri, transport, q ? q : "");
    return out;
}

int cmd_send(int argc, char **argv)
{
    const char *uri = NULL, *text = NULL, *from = NULL, *bind = NULL, *transport = NULL;
    const char *ctype = NULL, *ca = NULL;
    bool insecure = false;
    cli_tls tls = {0};
    cli_headers hs = {0};
    cli_tracer tracer;
    cli_tracer_init(&tracer);
    cli_deploy dep = {0};
    int rc = CLI_ERROR, t;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        t = cli_deploy_option(&dep, CLI_DEPLOY_PROXY | CLI_DEPLOY_AUTH, argc, argv, &i, usage);
        if (t < 0)
            goto out;
        if (t)
            continue;
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if ((t = cli_tracer_option(&tracer, argc, argv, &i, "send", usage)) != 0) {
            if (t < 0)
                goto out;
        } else if (!strcmp(a, "--from")) {
            if (!(from = cli_arg(argc, argv, &i, usage)))
                goto out;
        } else if (!strcmp(a, "--bind")) {
            if (!(bind = cli_arg(argc, argv, &i, usage)))
                goto out;
        } else if (!strcmp(a, "--transport")) {
            if (!(transport = cli_arg(argc, argv, &i, usage)))
                goto out;
            if (strcmp(transport, "udp") && strcmp(transport, "tcp") && strcmp(transport, "tls")) {
                fprintf(stderr, "parley send: unknown transport '%s'\n%s", transport, usage);
                goto out;
            }
        } else if (!strcmp(a, "--header")) {
            const char *h = cli_arg(argc, argv, &i, usage);
            if (!h)
                goto out;
            if (cli_headers_add(&hs, h) != 0) {
                fprintf(stderr, "parley send: bad header '%s' (want \"Name: value\")\n", h);
                goto out;
            }
        } else if (!strcmp(a, "--content-type")) {
            if (!(ctype = cli_arg(argc, argv, &i, usage)))
                goto out;
        } else if (!strcmp(a, "--ca")) {
            if (!(ca = cli_arg(argc, argv, &i, usage)))
                goto out;
        } else if (!strcmp(a, "--insecure")) {
            insecure = true;
        } else if ((t = cli_tls_option(&tls, argc, argv, &i, false, usage)) != 0) {
            if (t < 0)
                goto out;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "parley send: unknown option '%s'\n%s", a, usage);
            goto out;
        } else if (!uri) {
            uri = a;
        } else if (!text) {
            text = a;
        } else {
            fprintf(stderr, "parley send: too many arguments\n%s", usage);
            goto out;
        }
    }
    if (!uri || !text) {
        cli_usage_error("send", !uri ? "missing the URI" : "missing the TEXT", NULL, usage);
        goto out;
    }
    if (cli_deploy_check(&dep, "send") != 0 || cli_tls_check(&tls, "send", usage) != 0)
        goto out;
    char named[8];
    if (cli_uri_transport(uri, named, sizeof(named))) {
        if (transport && strcmp(transport, named)) {
            /* a sips: URI without ;transport= says TLS by its scheme, not by a parameter */
            if (!strncasecmp(uri, "sips:", 5) && !strcasestr(uri, ";transport="))
                fprintf(stderr, "parley send: --transport %s but a sips: URI needs TLS\n",
                        transport);
            else
                fprintf(stderr, "parley send: --transport %s but the URI says transport=%s\n",
                        transport, named);
            goto out;
        }
        transport = named;
    }
    char *target = target_uri(uri, transport);
    /* UDP (or --bind) and, for TCP, TCP too: the Via and Contact of a request sent over TCP
     * name a TCP port of ours that answers (RFC 3261 §18.2.2). */
    const char *listen[3];
    char tcp_listen[160];
    cli_default_listen(dep.proxy ? dep.proxy : uri, transport, bind, listen, tcp_listen,
                       sizeof(tcp_listen));
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.uri = from;
    cfg.listen = listen;
    cli_deploy_config(&dep, &cfg, from);
    cfg.tls_ca = ca;
    cfg.tls_insecure = insecure;
    cli_tls_apply(&tls, &cfg);
    if (insecure)
        cli_warn_insecure();
    cfg.on_trace = cli_tracer_wanted(&tracer) ? on_trace : NULL;
    cfg.user = &tracer;
    parley_endpoint *ep = NULL;
    if (cli_tracer_open(&tracer, "send") != 0) {
        free(target);
        goto out;
    }
    int err = target ? parley_endpoint_create(&cfg, &ep) : PARLEY_E_NOMEM;
    if (!err)
        err = parley_endpoint_start(ep);
    if (err) {
        fprintf(stderr, "parley send: cannot start: %s\n", parley_strerror(err));
        parley_endpoint_unref(ep);
        free(target);
        goto out;
    }
    parley_address to = {target, NULL};
    parley_content body = {ctype, text, strlen(text)};
    parley_result *r = NULL;
    err = parley_endpoint_send_message_sync(ep, PARLEY_MSG_MESSAGE, &to, &body, hs.h, hs.n, &r);
    if (r && r->status) {
        printf("SIP/2.0 %d %s\n", r->status, r->reason);
        rc = r->status < 300 ? CLI_OK : CLI_FAIL;
    } else if (r && r->reason && *r->reason) {
        fprintf(stderr, "parley send: %s: %s\n", parley_strerror(err), r->reason);
        rc = CLI_ERROR;
    } else {
        fprintf(stderr, "parley send: %s\n", parley_strerror(err));
        rc = CLI_ERROR;
    }
    fflush(stdout);
    parley_result_free(r);
    parley_endpoint_stop(ep);
    parley_endpoint_unref(ep);
    free(target);
    if (cli_tracer_finish(&tracer, "send", "parley send") != 0 && rc == CLI_OK)
        rc = CLI_ERROR;
out:
    cli_tracer_free(&tracer);
    cli_headers_free(&hs);
    return rc;
}
