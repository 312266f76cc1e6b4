/*
 * TLS over the stream connections with OpenSSL 3 and memory BIOs: the socket stays with libuv,
 * OpenSSL only turns ciphertext into plaintext and back.
 *
 * Clients verify the server unless the configuration says `insecure`: its chain against the
 * configured CA file or, without one, OpenSSL's default store (which honours SSL_CERT_FILE and
 * SSL_CERT_DIR), and its identity against the SIP domain we meant to reach (RFC 5922, see
 * tls_ident.c): the host the sender resolved, or the peer's address when no name is known.
 * They send SNI with that name, and a client certificate when one is configured. A listening
 * point may require client certificates (verify_client), checked against the same store.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "transport/tp_int.h"

struct tp_tls_ctx {
    SSL_CTX *server;
    SSL_CTX *client;
};

struct tp_tls {
    SSL *ssl;
    BIO *in;  /* ciphertext from the peer */
    BIO *out; /* ciphertext to the peer */
    bool up;
};

void tp_tls_ctx_free(tp_tls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->server);
    SSL_CTX_free(ctx->client);
    pl_free(ctx);
}

/* The CAs peers must chain to: the configured file, else the system's store. */
static bool load_trust(SSL_CTX *sctx, const tp_tls_config *cfg)
{
    if (cfg->ca_file)
        return SSL_CTX_load_verify_locations(sctx, cfg->ca_file, NULL) == 1;
    return SSL_CTX_set_default_verify_paths(sctx) == 1;
}

static bool use_cert(SSL_CTX *sctx, const char *cert, const char *key)
{
    return SSL_CTX_use_certificate_chain_file(sctx, cert) == 1 &&
           SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) == 1 &&
           SSL_CTX_check_private_key(sctx) == 1;
}

/* Depth 0 of a verified chain: the server must be the one we meant (RFC 5922). Numeric hosts
 * are checked by OpenSSL itself (X509_VERIFY_PARAM_set1_ip_asc in tp_tls_start). */
static int verify_server(int ok, X509_STORE_CTX *store)
{
    if (!ok || X509_STORE_CTX_get_error_depth(store) != 0)
        return ok;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    const tp_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
    if (!c)
        return 0;
    tp_addr probe;
    if (tp_addr_from_host(pl_str_c(c->host), 0, &probe) == 0)
        return ok;
    if (!tp_tls_identity_ok(X509_STORE_CTX_get_current_cert(store), c->host)) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
        return 0;
    }
    return ok;
}

static bool client_ctx(tp_tls_ctx *ctx, const tp_tls_config *cfg)
{
    ctx->client = SSL_CTX_new(TLS_client_method());
    if (!ctx->client)
        return false;
    SSL_CTX_set_min_proto_version(ctx->client, TLS1_2_VERSION);
    if (cfg->insecure) {
        SSL_CTX_set_verify(ctx->client, SSL_VERIFY_NONE, NULL);
    } else {
        if (!load_trust(ctx->client, cfg))
            return false;
        SSL_CTX_set_verify(ctx->client, SSL_VERIFY_PEER, verify_server);
    }
    if (cfg->client_cert || cfg->client_key) {
        if (!cfg->client_cert || !cfg->client_key ||
            !use_cert(ctx->client, cfg->client_cert, cfg->client_key))
            return false;
    }
    return true;
}

static bool server_ctx(tp_tls_ctx *ctx, const tp_tls_config *cfg)
{
    ctx->server = SSL_CTX_new(TLS_server_method());
    if (!ctx->server)
        return false;
    SSL_CTX_set_min_proto_version(ctx->server, TLS1_2_VERSION);
    if (!use_cert(ctx->server, cfg->cert_file, cfg->key_file))
        return false;
    if (cfg->verify_client) {
        if (!load_trust(ctx->server, cfg))
            return false;
        if (cfg->ca_file) {
            /* tell clients which CAs we accept, so that one with several certificates picks */
            STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ca_file);
            if (names)
                SSL_CTX_set_client_CA_list(ctx->server, names);
        }
        SSL_CTX_set_verify(ctx->server, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return true;
}

int tp_tls_ctx_create(const tp_tls_config *cfg, tp_tls_ctx **out)
{
    tp_tls_ctx *ctx = pl_calloc(1, sizeof(*ctx));
    if (!ctx)
        return PARLEY_E_NOMEM;
    if (!client_ctx(ctx, cfg))
        goto fail;
    if (cfg->cert_file && cfg->key_file && !server_ctx(ctx, cfg))
        goto fail;
    *out = ctx;
    return 0;
fail:
    ERR_clear_error();
    tp_tls_ctx_free(ctx);
    return PARLEY_E_TLS;
}

void tp_tls_free(tp_tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl); /* frees both BIOs */
    pl_free(t);
}

/* Sends whatever ciphertext OpenSSL produced. */
static int flush_out(tp_conn *c)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(c->tls->out, buf, sizeof(buf))) > 0) {
        int rc = tp_conn_write_raw(c, buf, (size_t)n);
        if (rc)
            return rc;
    }
    return 0;
}

const char *tp_tls_failure(const tp_layer *tp)
{
    return tp->tls_failure;
}

/* Notes why c's TLS failed (tp_tls_failure): the certificate check's verdict when it refused
 * the peer, else OpenSSL's reason; then clears OpenSSL's error queue. Returns PARLEY_E_TLS. */
static int tls_failed(tp_conn *c, const char *what)
{
    char *out = c->tp->tls_failure;
    size_t size = sizeof(c->tp->tls_failure);
    const char *peer = c->host[0] ? c->host : "the peer";
    /* the verdict only when the peer was checked (not under tls_insecure's SSL_VERIFY_NONE) */
    long v = c->tls && c->tls->ssl && (SSL_get_verify_mode(c->tls->ssl) & SSL_VERIFY_PEER)
                 ? SSL_get_verify_result(c->tls->ssl)
                 : X509_V_OK;
    unsigned long e = ERR_peek_last_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    if (v != X509_V_OK)
        snprintf(out, size, "certificate of %.200s refused: %s", peer,
                 X509_verify_cert_error_string(v));
    else
        snprintf(out, size, "%s with %.200s failed%s%s", what, peer, why ? ": " : "",
                 why ? why : "");
    ERR_clear_error();
    return PARLEY_E_TLS;
}

/* Drives the handshake or reads plaintext; returns non-zero on a fatal TLS error. */
static int pump(tp_conn *c)
{
    tp_tls *t = c->tls;
    if (!t->up) {
        int r = SSL_do_handshake(t->ssl);
        if (r != 1) {
            int e = SSL_get_error(t->ssl, r);
            flush_out(c);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return 0;
            return tls_failed(c, "TLS handshake");
        }
        t->up = true;
        if (flush_out(c))
            return PARLEY_E_CONNECT;
        tp_conn_up(c);
    }
    char buf[16384];
    for (;;) {
        int n = SSL_read(t->ssl, buf, sizeof(buf));
        if (n > 0) {
            tp_conn_on_plain(c, buf, (size_t)n);
            if (c->closing)
                return 0;
            continue;
        }
        int e = SSL_get_error(t->ssl, n);
        flush_out(c);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return 0;
        if (e == SSL_ERROR_ZERO_RETURN)
            return PARLEY_E_CONNECT;
        return tls_failed(c, "TLS");
    }
}

int tp_tls_start(tp_conn *c, tp_tls_ctx *ctx, bool server)
{
    SSL_CTX *sctx = server ? (ctx ? ctx->server : NULL) : (ctx ? ctx->client : NULL);
    if (!sctx) {
        /* every PARLEY_E_TLS says why (tp_tls_failure), never an earlier failure's text */
        snprintf(c->tp->tls_failure, sizeof(c->tp->tls_failure), "no TLS %s configured",
                 server ? "certificate" : "client context");
        return PARLEY_E_TLS;
    }
    tp_tls *t = pl_calloc(1, sizeof(*t));
    if (!t)
        return PARLEY_E_NOMEM;
    t->ssl = SSL_new(sctx);
    t->in = BIO_new(BIO_s_mem());
    t->out = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->in || !t->out) {
        if (t->ssl)
            SSL_free(t->ssl);
        BIO_free(t->in);
        BIO_free(t->out);
        pl_free(t);
        return PARLEY_E_NOMEM;
    }
    SSL_set_bio(t->ssl, t->in, t->out);
    SSL_set_app_data(t->ssl, c);
    c->tls = t;
    if (server) {
        SSL_set_accept_state(t->ssl);
        return pump(c);
    }
    SSL_set_connect_state(t->ssl);
    /* without a name (a response over a new connection, a request to an address), the
     * server must prove the address we connect to: never no identity at all */
    if (!c->host[0])
        tp_addr_host_str(&c->remote, c->host, sizeof(c->host));
    tp_addr probe;
    if (tp_addr_from_host(pl_str_c(c->host), 0, &probe) == 0) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), c->host) != 1)
            return tls_failed(c, "TLS setup");
    } else if (SSL_set_tlsext_host_name(t->ssl, c->host) != 1) {
        return tls_failed(c, "TLS setup");
    }
    return pump(c);
}

int tp_tls_on_data(tp_conn *c, const char *data, size_t len)
{
    if (!c->tls) {
        snprintf(c->tp->tls_failure, sizeof(c->tp->tls_failure), "TLS data without a session");
        return PARLEY_E_TLS;
    }
    if (BIO_write(c->tls->in, data, (int)len) != (int)len)
        return PARLEY_E_NOMEM;
    return pump(c);
}

int tp_tls_write(tp_conn *c, const char *data, size_t len)
{
    tp_tls *t = c->tls;
    if (!t || !t->up)
        return PARLEY_E_STATE;
    size_t done = 0;
    while (done < len) {
        int n = SSL_write(t->ssl, data + done, (int)(len - done));
        if (n <= 0)
            return tls_failed(c, "TLS");
        done += (size_t)n;
    }
    return flush_out(c);
}
