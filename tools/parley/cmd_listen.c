/*
 * parley listen [--bind ADDR]... [--user NAME] [--trace] [--cert FILE --key FILE] [--ca FILE]
 *               [--accept TYPE]...
 * Receives requests and prints one JSON line per event on standard output until SIGINT or
 * SIGTERM, then exits 0. The first line says where it listens:
 *   {"event":"listening","addresses":["udp:127.0.0.1:5070"]}
 * Each page-mode MESSAGE:
 *   {"event":"message","type":"MESSAGE","from":"sip:a@h","content_type":"text/plain",
 *    "body":"hi","headers":{"X-Custom":"v"}}
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
#include "listen_json.h"
#include "parley/endpoint.h"

static const char usage[] =
    "usage: parley listen [--bind ADDR]... [--user NAME] [--trace] [--cert FILE --key FILE]\n"
    "                     [--ca FILE] [--accept TYPE]...\n";

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
    (void)user;
    pl_buf b;
    pl_buf_init(&b, 512);
    listen_message_json(&b, parley_request_msg(req));
    listen_emit(&b);
    pl_buf_free(&b);
}

int cmd_listen(int argc, char **argv)
{
    cli_list binds = {0}, accept = {0};
    const char *user = NULL, *cert = NULL, *key = NULL, *ca = NULL;
    bool trace = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--bind") || !strcmp(a, "--accept")) {
            if (!(v = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
            if (!cli_list_add(a[2] == 'b' ? &binds : &accept, v)) {
                fprintf(stderr, "parley listen: too many %s options\n", a);
                return CLI_ERROR;
            }
        } else if (!strcmp(a, "--user")) {
            if (!(user = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--cert")) {
            if (!(cert = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--key")) {
            if (!(key = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--ca")) {
            if (!(ca = cli_arg(argc, argv, &i, usage)))
                return CLI_ERROR;
        } else if (!strcmp(a, "--trace")) {
            trace = true;
        } else {
            fprintf(stderr, "parley listen: unknown argument '%s'\n%s", a, usage);
            return CLI_ERROR;
        }
    }
    if (!binds.n)
        cli_list_add(&binds, "udp:127.0.0.1:5070");
    char uri[160] = "";
    if (user) {
        /* sip:user@<first bind's host and port> */
        const char *hp = strchr(binds.items[0], ':');
        hp = hp && (!strncmp(binds.items[0], "udp:", 4) || !strncmp(binds.items[0], "tcp:", 4) ||
                    !strncmp(binds.items[0], "tls:", 4))
                 ? hp + 1
                 : binds.items[0];
        snprintf(uri, sizeof(uri), "sip:%s@%s", user, hp);
    }
    cli_block_signals();
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.uri = user ? uri : NULL;
    cfg.listen = binds.items;
    cfg.tls_cert = cert;
    cfg.tls_key = key;
    cfg.tls_ca = ca;
    cfg.accept_types = accept.n ? accept.items : NULL;
    cfg.on_message = on_message;
    cfg.on_trace = trace ? cli_trace : NULL;
    parley_endpoint *ep = NULL;
    int err = parley_endpoint_create(&cfg, &ep);
    if (!err)
        err = parley_endpoint_start(ep);
    if (err) {
        fprintf(stderr, "parley listen: cannot listen: %s\n", parley_strerror(err));
        parley_endpoint_unref(ep);
        return CLI_ERROR;
    }
    pl_buf b;
    pl_buf_init(&b, 256);
    pl_buf_puts(&b, "{\"event\":\"listening\",\"uri\":");
    json_cstr(&b, parley_endpoint_uri(ep));
    pl_buf_puts(&b, ",\"addresses\":[");
    char addr[96];
    for (size_t i = 0; parley_endpoint_local_addr(ep, i, addr, sizeof(addr)) == 0; i++) {
        if (i)
            pl_buf_putc(&b, ',');
        json_cstr(&b, addr);
    }
    pl_buf_puts(&b, "]}");
    listen_emit(&b);
    pl_buf_free(&b);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    parley_endpoint_stop(ep);
    parley_endpoint_unref(ep);
    return CLI_OK;
}
