#include "cli_common.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

bool cli_list_add(cli_list *l, const char *s)
{
    if (l->n >= CLI_MAX_LIST)
        return false;
    l->items[l->n++] = s;
    l->items[l->n] = NULL;
    return true;
}

int cli_headers_add(cli_headers *hs, const char *text)
{
    const char *colon = strchr(text, ':');
    if (!colon || colon == text || hs->n >= CLI_MAX_LIST)
        return PARLEY_E_INVAL;
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (!copy)
        return PARLEY_E_NOMEM;
    memcpy(copy, text, len + 1);
    char *c = copy + (colon - text);
    *c = '\0';
    char *name_end = c;
    while (name_end > copy && (name_end[-1] == ' ' || name_end[-1] == '\t'))
        *--name_end = '\0';
    char *value = c + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    hs->storage[hs->n] = copy;
    hs->h[hs->n].name = copy;
    hs->h[hs->n].value = value;
    hs->n++;
    return 0;
}

void cli_headers_free(cli_headers *hs)
{
    for (size_t i = 0; i < hs->n; i++)
        free(hs->storage[i]);
    hs->n = 0;
}

const char *cli_arg(int argc, char **argv, int *i, const char *usage)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "parley: %s needs a value\n%s", argv[*i], usage);
        return NULL;
    }
    return argv[++*i];
}

void cli_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

bool cli_uri_transport(const char *uri, char *out, size_t size)
{
    if (!size)
        return false;
    out[0] = '\0';
    /* parameters sit between the host part and any ?headers */
    const char *q = strchr(uri, '?');
    size_t end = q ? (size_t)(q - uri) : strlen(uri);
    for (size_t i = 0; i + 11 <= end; i++) {
        if (uri[i] == ';' && !strncasecmp(uri + i + 1, "transport=", 10)) {
            const char *v = uri + i + 11;
            size_t n = 0;
            while (v + n < uri + end && v[n] != ';' && n + 1 < size) {
                out[n] = (char)tolower((unsigned char)v[n]);
                n++;
            }
            out[n] = '\0';
            return n > 0;
        }
    }
    if (!strncasecmp(uri, "sips:", 5)) {
        snprintf(out, size, "tls");
        return true;
    }
    return false;
}

bool cli_host_name(const char *h, char *out, size_t size)
{
    size_t n = strcspn(h, ":;?>");
    if (!n || n >= size)
        return false;
    memcpy(out, h, n);
    out[n] = '\0';
    return true;
}

const char *cli_uri_host(const char *uri)
{
    const char *h = strchr(uri, ':'); /* past the scheme */
    h = h ? h + 1 : uri;
    const char *at = memchr(h, '@', strcspn(h, ";?>"));
    return at ? at + 1 : h;
}

bool cli_hop_v6(const char *hop)
{
    if (!hop)
        return false;
    const char *h = cli_uri_host(hop);
    if (*h == '[')
        return true;
    char name[256];
    if (!cli_host_name(h, name, sizeof(name)))
        return false;
    struct in_addr a4;
    if (inet_pton(AF_INET, name, &a4) == 1)
        return false;
    /* a name: IPv6 only when it has no IPv4 address (RFC 3263's SRV and NAPTR records are
       the endpoint's to follow; a name without A or AAAA records stays on IPv4) */
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res = NULL;
    if (getaddrinfo(name, NULL, &hints, &res) != 0)
        return false;
    bool v4 = false, v6 = false;
    for (const struct addrinfo *a = res; a; a = a->ai_next) {
        v4 |= a->ai_family == AF_INET;
        v6 |= a->ai_family == AF_INET6;
    }
    freeaddrinfo(res);
    return v6 && !v4;
}

void cli_default_listen(const char *hop, const char *transport, const char *bind,
                        const char *listen[3], char *tcp_buf, size_t size)
{
    bool v6 = !bind && cli_hop_v6(hop); /* (resolving only when the bind is ours to pick) */
    const char *udp = v6 ? "udp:[::1]:0" : "udp:127.0.0.1:0";
    listen[0] = bind ? bind : udp;
    listen[1] = listen[2] = NULL;
    if (!transport || strcasecmp(transport, "tcp") || (bind && !strncasecmp(bind, "tcp:", 4)))
        return;
    const char *colon = bind ? strchr(bind, ':') : NULL, *port = bind ? strrchr(bind, ':') : NULL;
    if (!bind) {
        listen[0] = v6 ? "tcp:[::1]:0" : "tcp:127.0.0.1:0";
    } else if (colon && port > colon) {
        /* --bind udp:HOST:PORT and a TCP target: TCP on HOST as well */
        snprintf(tcp_buf, size, "tcp:%.*s:0", (int)(port - colon - 1), colon + 1);
        listen[0] = tcp_buf;
    } else {
        return; /* not an address the endpoint takes: it says so */
    }
    listen[1] = bind ? bind : udp;
}

void cli_warn_insecure(void)
{
    fprintf(stderr, "parley: warning: TLS certificate verification is off (--insecure)\n");
}

bool cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cli_usage_error(const char *cmd, const char *what, const char *arg, const char *usage)
{
    if (arg)
        fprintf(stderr, "parley %s: %s '%s'\n%s", cmd, what, arg, usage);
    else
        fprintf(stderr, "parley %s: %s\n%s", cmd, what, usage);
    return CLI_ERROR;
}

int cli_ext_option(cli_ext *x, int argc, char **argv, int *i, const char *cmd, const char *usage)
{
    const char *a = argv[*i];
    bool rel = !strcmp(a, "--100rel"), st = !strcmp(a, "--session-timer"),
         min = !strcmp(a, "--min-se");
    if (!rel && !st && !min)
        return 0;
    const char *v = cli_arg(argc, argv, i, usage);
    if (!v)
        return -1;
    if (rel) {
        if (!strcmp(v, "none"))
            x->rel100 = PARLEY_100REL_UNSUPPORTED;
        else if (!strcmp(v, "supported"))
            x->rel100 = PARLEY_100REL_SUPPORTED;
        else if (!strcmp(v, "required"))
            x->rel100 = PARLEY_100REL_REQUIRED;
        else
            return cli_usage_error(cmd, "--100rel takes none, supported or required", v, usage)
                       ? -1
                       : -1;
        return 1;
    }
    char *end;
    long n = strtol(v, &end, 10);
    /* a session interval below 90 s is not allowed (RFC 4028 §4); 0 turns the timer off */
    if (!*v || *end || n < 0 || n > 86400 || (n && n < 90)) {
        cli_usage_error(cmd, "bad number of seconds (0, or 90 to 86400)", v, usage);
        return -1;
    }
    if (st)
        x->session_timer = (unsigned)n;
    else
        x->min_se = (unsigned)n;
    return 1;
}

int cli_tls_option(cli_tls *t, int argc, char **argv, int *i, bool listening, const char *usage)
{
    const char *a = argv[*i];
    if (listening && !strcmp(a, "--verify-client")) {
        t->verify_client = true;
        return 1;
    }
    bool cert = !strcmp(a, "--client-cert");
    if (!cert && strcmp(a, "--client-key"))
        return 0;
    const char *v = cli_arg(argc, argv, i, usage);
    if (!v)
        return -1;
    *(cert ? &t->client_cert : &t->client_key) = v;
    return 1;
}

int cli_tls_check(const cli_tls *t, const char *cmd, const char *usage)
{
    if (!t->client_cert != !t->client_key) {
        cli_usage_error(cmd, "--client-cert and --client-key go together", NULL, usage);
        return -1;
    }
    return 0;
}

void cli_tls_apply(const cli_tls *t, parley_endpoint_config *cfg)
{
    cfg->tls_client_cert = t->client_cert;
    cfg->tls_client_key = t->client_key;
    cfg->tls_verify_client = t->verify_client;
}

void cli_ext_apply(const cli_ext *x, parley_endpoint_config *cfg)
{
    cfg->rel100 = x->rel100 ? x->rel100 : PARLEY_100REL_SUPPORTED;
    cfg->session_expires = x->session_timer;
    cfg->min_se = x->min_se;
    if (cfg->session_expires && cfg->min_se > cfg->session_expires)
        cfg->session_expires = cfg->min_se;
}
