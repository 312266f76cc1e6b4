/*
 * TLS over the stream connections with OpenSSL 3 and memory BIOs: the socket stays with libuv,
 * OpenSSL only turns ciphertext into plaintext and back. Clients verify the server against the
 * configured CA file, by host name or IP address, and send SNI.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
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

int tp_tls_ctx_create(const tp_tls_config *cfg, tp_tls_ctx **out)
{
    tp_tls_ctx *ctx = pl_calloc(1, sizeof(*ctx));
    if (!ctx)
        return PARLEY_E_NOMEM;
    ctx->client = SSL_CTX_new(TLS_client_method());
    if (!ctx->client)
        goto fail;
    SSL_CTX_set_min_proto_version(ctx->client, TLS1_2_VERSION);
    if (cfg->ca_file) {
        if (SSL_CTX_load_verify_locations(ctx->client, cfg->ca_file, NULL) != 1)
            goto fail;
        SSL_CTX_set_verify(ctx->client, SSL_VERIFY_PEER, NULL);
    } else if (cfg->verify_peer) {
        if (SSL_CTX_set_default_verify_paths(ctx->client) != 1)
            goto fail;
        SSL_CTX_set_verify(ctx->client, SSL_VERIFY_PEER, NULL);
    }
    if (cfg->cert_file && cfg->key_file) {
        ctx->server = SSL_CTX_new(TLS_server_method());
        if (!ctx->server)
            goto fail;
        SSL_CTX_set_min_proto_version(ctx->server, TLS1_2_VERSION);
        if (SSL_CTX_use_certificate_chain_file(ctx->server, cfg->cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx->server, cfg->key_file, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx->server) != 1)
            goto fail;
    }
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
            ERR_clear_error();
            return PARLEY_E_TLS;
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
        ERR_clear_error();
        return PARLEY_E_TLS;
    }
}

int tp_tls_start(tp_conn *c, tp_tls_ctx *ctx, bool server)
{
    SSL_CTX *sctx = server ? (ctx ? ctx->server : NULL) : (ctx ? ctx->client : NULL);
    if (!sctx)
        return PARLEY_E_TLS;
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
    c->tls = t;
    if (server) {
        SSL_set_accept_state(t->ssl);
    } else {
        SSL_set_connect_state(t->ssl);
        if (c->host[0]) {
            tp_addr probe;
            bool numeric = tp_addr_from_host(pl_str_c(c->host), 0, &probe) == 0;
            if (!numeric)
                SSL_set_tlsext_host_name(t->ssl, c->host);
            X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
            if (numeric)
                X509_VERIFY_PARAM_set1_ip_asc(vp, c->host);
            else
                X509_VERIFY_PARAM_set1_host(vp, c->host, 0);
        }
    }
    return pump(c);
}

int tp_tls_on_data(tp_conn *c, const char *data, size_t len)
{
    if (!c->tls)
        return PARLEY_E_TLS;
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
        if (n <= 0) {
            ERR_clear_error();
            return PARLEY_E_TLS;
        }
        done += (size_t)n;
    }
    return flush_out(c);
}
