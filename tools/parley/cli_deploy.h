/*
 * The CLI's options for real deployments, shared by listen, call and send: the outbound proxy
 * (--proxy), Digest credentials (--auth-user, --password), and for listen the registration
 * (--registrar, --aor, --expires, --instance) and challenging incoming requests
 * (--require-auth, --realm, --auth-algorithms). Each command takes them with one call in its
 * option loop.
 */
#ifndef PARLEY_CLI_DEPLOY_H
#define PARLEY_CLI_DEPLOY_H

#include <stdbool.h>

#include "core/buf.h"
#include "parley/registration.h"

enum {
    CLI_DEPLOY_PROXY = 1,    /* --proxy */
    CLI_DEPLOY_AUTH = 2,     /* --auth-user, --password */
    CLI_DEPLOY_REGISTER = 4, /* --registrar, --aor, --expires, --instance */
    CLI_DEPLOY_SERVER = 8,   /* --require-auth, --realm, --auth-algorithms */
    CLI_DEPLOY_EPID = 16,    /* --endpoint-id (listen; call has its own) */
};

typedef struct cli_deploy {
    const char *proxy;
    const char *auth_user;
    const char *password;
    const char *registrar;
    const char *aor;
    const char *instance;
    const char *require_auth;
    const char *realm;
    const char *epid;
    unsigned expires;
    /* --auth-algorithms: the names (pointers into algs_buf), NULL-terminated; nalgs 0: none */
    const char *algs[8];
    size_t nalgs;
    char algs_buf[128];
    /* filled by cli_deploy_config */
    char user_buf[128];
    char aor_buf[256];
    parley_credential cred;
} cli_deploy;

/* When argv[*i] is one of the options in `allowed`, takes it (and its value): returns 1; 0 when
 * it is none of them; -1 after printing an error (missing or bad value). */
int cli_deploy_option(cli_deploy *d, unsigned allowed, int argc, char **argv, int *i,
                      const char *usage);
/* Checks the options together (a --password needs a user...): 0, or -1 after printing. */
int cli_deploy_check(cli_deploy *d, const char *cmd);
/* The address of record to register: --aor, or sip:USER@HOST with HOST the registrar's host
 * (user NULL: "parley"). NULL without --registrar. */
const char *cli_deploy_aor(cli_deploy *d, const char *user);
/* Puts the options into the endpoint configuration; from_uri is the URI the requests go out
 * with (the user part is the default --auth-user). */
void cli_deploy_config(cli_deploy *d, parley_endpoint_config *cfg, const char *from_uri);

/* A registration line: {"event":"registration","state":...,"aor":...,"contact":...,
 * "expires":N} (registered, with "gruu" when one came); a failure puts "status" right after
 * the state and "error" (the PARLEY_E_* name) at the end. */
void cli_registration_json(pl_buf *b, const parley_registration_event *ev);

#endif
