/*
 * Digest authentication at the endpoint (RFC 3261 §22): the credentials the sender answers
 * challenges with (the configuration's list, then the application's callback), and the UAS
 * side that challenges incoming requests (401, or 407 when configured to act like a proxy),
 * with the module's stateless nonces, replay refusal and failure lock (src/sip/digest.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/digest.h"
#include "sip/uri.h"

/* ---- client ---- */

bool ep_has_credentials(const parley_endpoint *ep)
{
    return ep->ncreds || ep->cfg.on_credentials;
}

static const parley_credential *find_cred(const parley_endpoint *ep, const char *realm)
{
    for (size_t i = 0; i < ep->ncreds; i++)
        if (ep->creds[i].realm && *ep->creds[i].realm && !strcmp(ep->creds[i].realm, realm))
            return &ep->creds[i];
    return NULL;
}

static const parley_credential *find_any(const parley_endpoint *ep)
{
    for (size_t i = 0; i < ep->ncreds; i++)
        if (!ep->creds[i].realm || !*ep->creds[i].realm)
            return &ep->creds[i];
    return NULL;
}

bool ep_credentials_lookup(void *arg, pl_str realm, sip_digest_alg alg, const char **username,
                           const char **password, const char **ha1)
{
    (void)alg;
    parley_endpoint *ep = arg;
    char r[SIP_DIGEST_MAX_VALUE + 1];
    snprintf(r, sizeof(r), "%.*s", (int)realm.len, realm.p);
    const parley_credential *c = find_cred(ep, r);
    parley_credential asked = {0};
    if (!c && ep->cfg.on_credentials && ep->cfg.on_credentials(ep, r, &asked, ep->cfg.user) == 0 &&
        asked.username && asked.password && sip_header_value_ok(asked.username))
        c = &asked; /* (a user name with a line break would have gone into the Authorization) */
    if (!c)
        c = find_any(ep);
    if (!c)
        return false;
    *username = c->username;
    *password = c->password;
    *ha1 = NULL;
    return true;
}

/* ---- server ---- */

static bool method_challenged(const parley_endpoint *ep, pl_str method)
{
    for (size_t i = 0; ep->auth_methods && ep->auth_methods[i]; i++)
        if (pl_str_eq(pl_str_c(ep->auth_methods[i]), method))
            return true;
    return false;
}

static bool secret(void *arg, pl_str realm, pl_str username, sip_digest_alg alg,
                   const char **password, const char **ha1)
{
    (void)alg;
    parley_endpoint *ep = arg;
    *ha1 = NULL;
    if (ep->cfg.on_auth_secret) {
        char r[SIP_DIGEST_MAX_VALUE + 1], u[SIP_DIGEST_MAX_VALUE + 1];
        snprintf(r, sizeof(r), "%.*s", (int)realm.len, realm.p);
        snprintf(u, sizeof(u), "%.*s", (int)username.len, username.p);
        const char *pw = NULL;
        if (ep->cfg.on_auth_secret(ep, r, u, &pw, ep->cfg.user) == 0 && pw) {
            *password = pw;
            return true;
        }
        if (!ep->auth_password)
            return false;
    }
    *password = ep->auth_password;
    return *password != NULL;
}

static void challenge(parley_endpoint *ep, txn_server *t, bool stale)
{
    bool proxy = ep->cfg.auth_proxy != 0;
    pl_buf x;
    pl_buf_init(&x, 512);
    int rc =
        sip_digest_server_challenge(ep->digest_server, proxy, stale, pl_loop_now(ep->loop), &x);
    if (rc == 0 && pl_buf_ok(&x))
        ep_reply(ep, t, proxy ? 407 : 401, NULL, pl_buf_str(&x));
    else
        ep_reply(ep, t, 500, NULL, PL_STR_NULL);
    pl_buf_free(&x);
}

bool ep_auth_check(parley_endpoint *ep, txn_server *t, const sip_msg *m)
{
    /* ACK and CANCEL cannot be challenged (RFC 3261 §22.1): there is no response to carry it */
    if (!ep->digest_server || m->method_id == SIP_METHOD_ACK || m->method_id == SIP_METHOD_CANCEL ||
        !method_challenged(ep, m->method))
        return false;
    sip_digest_result res;
    bool proxy = ep->cfg.auth_proxy != 0;
    if (sip_digest_server_verify(ep->digest_server, m, proxy, secret, ep, pl_loop_now(ep->loop),
                                 &res) != 0) {
        ep_reply(ep, t, 500, NULL, PL_STR_NULL);
        return true;
    }
    switch (res.verdict) {
    case SIP_DIGEST_OK:
        return false;
    case SIP_DIGEST_FORBIDDEN:
        ep_reply(ep, t, 403, NULL, PL_STR_NULL);
        return true;
    case SIP_DIGEST_STALE:
        challenge(ep, t, true);
        return true;
    default: /* missing, bad, a replayed count: a fresh challenge */
        challenge(ep, t, false);
        return true;
    }
}

/* ---- configuration ---- */

static char *dup_c(const char *s)
{
    return s ? pl_str_dup(pl_str_c(s)) : NULL;
}

static int copy_credentials(parley_endpoint *ep, const parley_endpoint_config *cfg)
{
    if (!cfg->ncredentials)
        return 0;
    if (!cfg->credentials)
        return PARLEY_E_INVAL;
    ep->creds = pl_calloc(cfg->ncredentials, sizeof(parley_credential));
    if (!ep->creds)
        return PARLEY_E_NOMEM;
    for (size_t i = 0; i < cfg->ncredentials; i++) {
        const parley_credential *c = &cfg->credentials[i];
        if (!c->username || !c->password || !sip_header_value_ok(c->username))
            return PARLEY_E_INVAL;
        parley_credential *d = &ep->creds[ep->ncreds++];
        d->realm = dup_c(c->realm);
        d->username = dup_c(c->username);
        d->password = dup_c(c->password);
        if ((c->realm && !d->realm) || !d->username || !d->password)
            return PARLEY_E_NOMEM;
    }
    return 0;
}

/* The host of a SIP URI ("" when it has none). */
static void uri_host(const char *uri, char *out, size_t size)
{
    sip_uri u;
    out[0] = '\0';
    if (uri && sip_uri_parse(pl_str_c(uri), &u, NULL, NULL) == 0)
        snprintf(out, size, "%.*s", (int)u.host.len, u.host.p);
}

static int setup_server(parley_endpoint *ep, const parley_endpoint_config *cfg)
{
    if (!cfg->auth_password && !cfg->on_auth_secret)
        return 0;
    static const char *const defaults[] = {"INVITE", "MESSAGE", "REFER", NULL};
    const char *const *methods = cfg->auth_methods ? cfg->auth_methods : defaults;
    size_t n = 0;
    while (methods[n])
        n++;
    ep->auth_methods = pl_calloc(n + 1, sizeof(char *));
    if (!ep->auth_methods)
        return PARLEY_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(methods[i], "ACK") || !strcmp(methods[i], "CANCEL") || !*methods[i])
            return PARLEY_E_INVAL;
        ep->auth_methods[i] = dup_c(methods[i]);
        if (!ep->auth_methods[i])
            return PARLEY_E_NOMEM;
    }
    ep->auth_password = dup_c(cfg->auth_password);
    if (cfg->auth_password && !ep->auth_password)
        return PARLEY_E_NOMEM;
    char realm[256];
    if (cfg->auth_realm)
        snprintf(realm, sizeof(realm), "%s", cfg->auth_realm);
    else
        uri_host(ep->uri, realm, sizeof(realm));
    if (!realm[0] || strpbrk(realm, "\"\\\r\n"))
        return PARLEY_E_INVAL;
    sip_digest_server_config sc = {.realm = realm};
    const char *const *algs = cfg->auth_algorithms;
    for (size_t i = 0; algs && algs[i]; i++) {
        sip_digest_alg a = sip_digest_alg_parse(pl_str_c(algs[i]));
        if (a == SIP_DIGEST_ALG_NONE)
            return PARLEY_E_INVAL;
        sc.algs |= 1u << a;
    }
    if (algs && !sc.algs)
        return PARLEY_E_INVAL; /* an empty list would offer nothing, not the defaults */
    return sip_digest_server_create(&sc, &ep->digest_server);
}

int ep_auth_setup(parley_endpoint *ep, const parley_endpoint_config *cfg)
{
    int rc = copy_credentials(ep, cfg);
    if (!rc && (ep->ncreds || cfg->on_credentials))
        rc = sip_digest_cache_create(0, &ep->digest_cache);
    if (!rc)
        rc = setup_server(ep, cfg);
    return rc;
}

void ep_auth_free(parley_endpoint *ep)
{
    for (size_t i = 0; i < ep->ncreds; i++) {
        pl_free((char *)ep->creds[i].realm);
        pl_free((char *)ep->creds[i].username);
        pl_free((char *)ep->creds[i].password);
    }
    pl_free(ep->creds);
    ep->creds = NULL;
    ep->ncreds = 0;
    sip_digest_cache_free(ep->digest_cache);
    ep->digest_cache = NULL;
    sip_digest_server_free(ep->digest_server);
    ep->digest_server = NULL;
    for (size_t i = 0; ep->auth_methods && ep->auth_methods[i]; i++)
        pl_free(ep->auth_methods[i]);
    pl_free(ep->auth_methods);
    ep->auth_methods = NULL;
    pl_free(ep->auth_password);
    ep->auth_password = NULL;
}
