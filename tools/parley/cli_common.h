/* Helpers shared by the CLI's network commands. */
#ifndef PARLEY_CLI_COMMON_H
#define PARLEY_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "parley/endpoint.h"

#define CLI_MAX_LIST 32

/* A growable list of strings taken from repeated options. */
typedef struct cli_list {
    const char *items[CLI_MAX_LIST + 1];
    size_t n;
} cli_list;

bool cli_list_add(cli_list *l, const char *s);

/* Splits "Name: value" into a parley_header (pointing into storage it owns). */
typedef struct cli_headers {
    parley_header h[CLI_MAX_LIST];
    char *storage[CLI_MAX_LIST];
    size_t n;
} cli_headers;

int cli_headers_add(cli_headers *hs, const char *text);
void cli_headers_free(cli_headers *hs);

/* --insecure: the line on standard error that says TLS servers are not verified. */
void cli_warn_insecure(void);

/* The transport= parameter of a SIP URI, lower-cased into out; false when it has none. A sips
 * URI without one says "tls". */
bool cli_uri_transport(const char *uri, char *out, size_t size);
/* Whether a command sending to hop (a SIP URI: its --proxy, --registrar or target) without
 * --bind binds [::1] rather than 127.0.0.1: hop's host is an IPv6 literal, or a name the
 * system's resolver gives IPv6 addresses only for (ip6-localhost). Main thread (it may
 * resolve). */
bool cli_hop_v6(const char *hop);
/* Where the host of a SIP URI starts: past its scheme and its user part, if any. */
const char *cli_uri_host(const char *uri);
/* The host name h starts with (up to a port, parameters, headers or '>'), NUL-terminated in
 * out; false when empty or longer than size - 1. */
bool cli_host_name(const char *h, char *out, size_t size);
/* The listening points a command that sends to hop (its first hop: the --proxy URI when there
 * is one, else the target) needs: the user's bind, else UDP on [::1] when cli_hop_v6(hop), on
 * 127.0.0.1 otherwise; and when the transport is tcp and that is not a TCP
 * bind, TCP too (on the bind's host, a free port; first, so that Via and Contact name it: RFC
 * 3261 §18.2.2 wants them to name a port of ours that answers over that transport). listen gets up
 * to two entries and a NULL; tcp_buf (at least 80 bytes) holds the TCP one when it is made from the
 * bind. */
void cli_default_listen(const char *hop, const char *transport, const char *bind,
                        const char *listen[3], char *tcp_buf, size_t size);

/* --100rel none|supported|required, --session-timer SECONDS, --min-se SECONDS (listen, call) */
typedef struct cli_ext {
    parley_100rel rel100;
    unsigned session_timer, min_se;
} cli_ext;
#define CLI_EXT_USAGE                                                                              \
    "[--100rel none|supported|required] [--session-timer SECONDS] [--min-se SECONDS]"
/* Takes argv[*i] when it is one of them (advancing past its value): 1 when taken, 0 when it is
 * another option, -1 after printing the error and the usage. */
int cli_ext_option(cli_ext *x, int argc, char **argv, int *i, const char *cmd, const char *usage);
/* Puts them in the endpoint's configuration. */
void cli_ext_apply(const cli_ext *x, parley_endpoint_config *cfg);

/* Mutual TLS: --client-cert FILE --client-key FILE (call, send, listen: the certificate we
 * present when we connect out), --verify-client (listen: our tls: listening points require a
 * client certificate that chains to --ca, or to the system's store). */
typedef struct cli_tls {
    const char *client_cert, *client_key;
    bool verify_client;
} cli_tls;
#define CLI_TLS_USAGE "[--client-cert FILE --client-key FILE]"
/* Takes argv[*i] when it is one of them (--verify-client only when listening is true): 1 when
 * taken, 0 when it is another option, -1 after printing the error and the usage. */
int cli_tls_option(cli_tls *t, int argc, char **argv, int *i, bool listening, const char *usage);
/* The two files go together: 0, or -1 after printing the error and the usage. */
int cli_tls_check(const cli_tls *t, const char *cmd, const char *usage);
/* Puts them in the endpoint's configuration. */
void cli_tls_apply(const cli_tls *t, parley_endpoint_config *cfg);

/* The value of an option taking an argument; prints usage and returns NULL when missing. */
const char *cli_arg(int argc, char **argv, int *i, const char *usage);

/* Blocks SIGINT and SIGTERM in the calling thread (and threads it creates later). */
void cli_block_signals(void);

#endif
