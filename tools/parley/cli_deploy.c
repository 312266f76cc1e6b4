#include "cli_deploy.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_common.h"
#include "json.h"

static const struct {
    const char *name;
    unsigned group;
} options[] = {
    {"--proxy", CLI_DEPLOY_PROXY},
    {"--auth-user", CLI_DEPLOY_AUTH},
    {"--password", CLI_DEPLOY_AUTH},
    {"--registrar", CLI_DEPLOY_REGISTER},
    {"--aor", CLI_DEPLOY_REGISTER},
    {"--expires", CLI_DEPLOY_REGISTER},
    {"--instance", CLI_DEPLOY_REGISTER},
    {"--require-auth", CLI_DEPLOY_SERVER},
    {"--realm", CLI_DEPLOY_SERVER},
    {"--endpoint-id", CLI_DEPLOY_EPID},
    {"--auth-algorithms", CLI_DEPLOY_SERVER},
};

/* --auth-algorithms LIST: comma-separated Digest algorithm names, checked here so that a typo
 * is a usage error rather than the endpoint's "invalid argument". */
static int take_algorithms(cli_deploy *d, const char *v)
{
    static const char *const known[] = {"MD5",          "MD5-sess",    "SHA-256",
                                        "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"};
    size_t n = strlen(v);
    if (!n || n >= sizeof(d->algs_buf))
        goto bad;
    memcpy(d->algs_buf, v, n + 1);
    d->nalgs = 0;
    for (char *save = NULL, *tok = strtok_r(d->algs_buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        size_t k = 0, nk = sizeof(known) / sizeof(known[0]);
        while (k < nk && strcasecmp(known[k], tok))
            k++;
        if (k == nk || d->nalgs + 1 >= sizeof(d->algs) / sizeof(d->algs[0]))
            goto bad;
        d->algs[d->nalgs++] = tok;
    }
    d->algs[d->nalgs] = NULL;
    if (d->nalgs)
        return 1;
bad:
    fprintf(stderr,
            "parley: bad --auth-algorithms '%s' (comma-separated: MD5, SHA-256, SHA-512-256, "
            "or a -sess form)\n",
            v);
    return -1;
}

int cli_deploy_option(cli_deploy *d, unsigned allowed, int argc, char **argv, int *i,
                      const char *usage)
{
    const char *a = argv[*i];
    size_t k = 0, n = sizeof(options) / sizeof(options[0]);
    while (k < n && strcmp(options[k].name, a))
        k++;
    if (k == n || !(options[k].group & allowed))
        return 0;
    const char *v = cli_arg(argc, argv, i, usage);
    if (!v)
        return -1;
    if (!strcmp(a, "--proxy")) {
        d->proxy = v;
    } else if (!strcmp(a, "--auth-user")) {
        d->auth_user = v;
    } else if (!strcmp(a, "--password")) {
        d->password = v;
    } else if (!strcmp(a, "--registrar")) {
        d->registrar = v;
    } else if (!strcmp(a, "--aor")) {
        d->aor = v;
    } else if (!strcmp(a, "--instance")) {
        /* what the endpoint takes (RFC 5626 §4.1: a URN that fits in the quoted
         * +sip.instance parameter): said here, not as "cannot listen" later */
        bool ok = !strncasecmp(v, "urn:", 4) && v[4] && strlen(v) <= 200;
        for (const unsigned char *p = (const unsigned char *)v; ok && *p; p++)
            ok = *p > ' ' && *p < 0x7f && !strchr("\"\\<>", *p);
        if (!ok) {
            fprintf(stderr, "parley: bad --instance '%s' (a URN, e.g. urn:uuid:...)\n", v);
            return -1;
        }
        d->instance = v;
    } else if (!strcmp(a, "--require-auth")) {
        d->require_auth = v;
    } else if (!strcmp(a, "--realm")) {
        d->realm = v;
    } else if (!strcmp(a, "--endpoint-id")) {
        d->epid = v;
    } else if (!strcmp(a, "--auth-algorithms")) {
        return take_algorithms(d, v);
    } else { /* --expires */
        char *end;
        long secs = strtol(v, &end, 10);
        if (!*v || *end || secs < 1 || secs > 86400 * 7) {
            fprintf(stderr, "parley: bad --expires '%s' (seconds, 1 to 604800)\n", v);
            return -1;
        }
        d->expires = (unsigned)secs;
    }
    return 1;
}

int cli_deploy_check(cli_deploy *d, const char *cmd)
{
    if (d->password && !*d->password) {
        fprintf(stderr, "parley %s: --password is empty\n", cmd);
        return -1;
    }
    if (d->auth_user && !d->password) {
        fprintf(stderr, "parley %s: --auth-user needs --password\n", cmd);
        return -1;
    }
    if ((d->realm || d->nalgs) && !d->require_auth) {
        fprintf(stderr, "parley %s: --realm and --auth-algorithms go with --require-auth\n", cmd);
        return -1;
    }
    if ((d->aor || d->expires || d->instance) && !d->registrar) {
        fprintf(stderr, "parley %s: --aor, --expires and --instance go with --registrar\n", cmd);
        return -1;
    }
    return 0;
}

/* The host[:port] part of a SIP URI ("" when it cannot be found). */
static void uri_hostport(const char *uri, char *out, size_t size)
{
    const char *p = strchr(uri, ':');
    out[0] = '\0';
    if (!p)
        return;
    p++;
    const char *at = strchr(p, '@'), *end = p + strcspn(p, ";?>");
    if (at && at < end)
        p = at + 1;
    snprintf(out, size, "%.*s", (int)(end - p), p);
}

const char *cli_deploy_aor(cli_deploy *d, const char *user)
{
    if (!d->registrar)
        return NULL;
    if (d->aor)
        return d->aor;
    char hp[200];
    uri_hostport(d->registrar, hp, sizeof(hp));
    /* the registrar's host without its port: the domain of the address of record */
    char *colon = hp[0] == '[' ? strstr(hp, "]:") : strrchr(hp, ':');
    if (colon)
        colon[hp[0] == '[' ? 1 : 0] = '\0';
    snprintf(d->aor_buf, sizeof(d->aor_buf), "sip:%s@%s", user ? user : "parley", hp);
    return d->aor_buf;
}

void cli_deploy_config(cli_deploy *d, parley_endpoint_config *cfg, const char *from_uri)
{
    cfg->outbound_proxy = d->proxy;
    if (d->epid)
        cfg->epid = d->epid;
    cfg->instance = d->instance;
    if (d->password) {
        const char *user = d->auth_user;
        if (!user) {
            /* the user part of the From URI */
            const char *p = from_uri ? strchr(from_uri, ':') : NULL;
            const char *at = p ? strchr(p, '@') : NULL;
            snprintf(d->user_buf, sizeof(d->user_buf), "%.*s", p && at ? (int)(at - p - 1) : 6,
                     p && at ? p + 1 : "parley");
            user = d->user_buf;
        }
        d->cred = (parley_credential){NULL, user, d->password};
        cfg->credentials = &d->cred;
        cfg->ncredentials = 1;
    }
    if (d->require_auth) {
        cfg->auth_password = d->require_auth;
        cfg->auth_realm = d->realm;
        if (d->nalgs)
            cfg->auth_algorithms = d->algs;
    }
}

void cli_registration_json(pl_buf *b, const parley_registration_event *ev)
{
    static const char *const names[] = {"registering", "registered", "refreshing", "failed",
                                        "unregistered"};
    pl_buf_puts(b, "{\"event\":\"registration\",\"state\":");
    json_cstr(b, (unsigned)ev->state < 5 ? names[ev->state] : "unknown");
    bool failed =
        ev->state == PARLEY_REG_FAILED || (ev->state == PARLEY_REG_UNREGISTERED && ev->error);
    if (failed) /* right after the state: "state":"failed","status":403 */
        pl_buf_printf(b, ",\"status\":%d", ev->status);
    pl_buf_puts(b, ",\"aor\":");
    json_cstr(b, ev->aor ? ev->aor : "");
    pl_buf_puts(b, ",\"contact\":");
    json_cstr(b, ev->contact ? ev->contact : "");
    if (ev->state == PARLEY_REG_REGISTERED)
        pl_buf_printf(b, ",\"expires\":%u", ev->expires);
    if (ev->gruu && ev->state == PARLEY_REG_REGISTERED) {
        pl_buf_puts(b, ",\"gruu\":");
        json_cstr(b, ev->gruu);
    }
    if (failed) {
        pl_buf_puts(b, ",\"error\":");
        json_cstr(b, parley_err_name(ev->error));
        if (!ev->status && ev->reason && *ev->reason) { /* what TLS refused */
            pl_buf_puts(b, ",\"detail\":");
            json_cstr(b, ev->reason);
        }
    }
    pl_buf_putc(b, '}');
}
