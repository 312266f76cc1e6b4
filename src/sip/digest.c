/*
 * Digest algorithms and the response computation of RFC 7616 §3.4 (RFC 2617 §3.2.2 for the
 * RFC 2069 form), shared by the client and server sides. Hashes through OpenSSL EVP.
 */
#include <openssl/evp.h>
#include <stdio.h>

#include "parley/error.h"
#include "sip/digest.h"

static const char *const alg_names[SIP_DIGEST_ALG_COUNT] = {
    [SIP_DIGEST_MD5] = "MD5",
    [SIP_DIGEST_MD5_SESS] = "MD5-sess",
    [SIP_DIGEST_SHA256] = "SHA-256",
    [SIP_DIGEST_SHA256_SESS] = "SHA-256-sess",
    [SIP_DIGEST_SHA512_256] = "SHA-512-256",
    [SIP_DIGEST_SHA512_256_SESS] = "SHA-512-256-sess",
};

const char *sip_digest_alg_name(sip_digest_alg a)
{
    return (unsigned)a < SIP_DIGEST_ALG_COUNT ? alg_names[a] : NULL;
}

sip_digest_alg sip_digest_alg_parse(pl_str s)
{
    for (int a = SIP_DIGEST_MD5; a < SIP_DIGEST_ALG_COUNT; a++)
        if (pl_str_caseeq_lit(s, alg_names[a]))
            return (sip_digest_alg)a;
    return SIP_DIGEST_ALG_NONE;
}

static bool is_sess(sip_digest_alg a)
{
    return a == SIP_DIGEST_MD5_SESS || a == SIP_DIGEST_SHA256_SESS ||
           a == SIP_DIGEST_SHA512_256_SESS;
}

int sip_digest_alg_strength(sip_digest_alg a)
{
    switch (a) {
    case SIP_DIGEST_SHA512_256:
        return 6;
    case SIP_DIGEST_SHA512_256_SESS:
        return 5;
    case SIP_DIGEST_SHA256:
        return 4;
    case SIP_DIGEST_SHA256_SESS:
        return 3;
    case SIP_DIGEST_MD5:
        return 2;
    case SIP_DIGEST_MD5_SESS:
        return 1;
    default:
        return 0;
    }
}

size_t sip_digest_alg_hex_len(sip_digest_alg a)
{
    if (a == SIP_DIGEST_MD5 || a == SIP_DIGEST_MD5_SESS)
        return 32;
    return sip_digest_alg_strength(a) ? 64 : 0;
}

static const EVP_MD *alg_md(sip_digest_alg a)
{
    switch (a) {
    case SIP_DIGEST_MD5:
    case SIP_DIGEST_MD5_SESS:
        return EVP_md5();
    case SIP_DIGEST_SHA256:
    case SIP_DIGEST_SHA256_SESS:
        return EVP_sha256();
    case SIP_DIGEST_SHA512_256:
    case SIP_DIGEST_SHA512_256_SESS:
        return EVP_sha512_256(); /* "SHA512-256" in OpenSSL 3's names */
    default:
        return NULL;
    }
}

int sip_digest_hash(sip_digest_alg alg, const pl_str *p, size_t n, char *out)
{
    const EVP_MD *md = alg_md(alg);
    if (!md)
        return PARLEY_E_UNSUPPORTED;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return PARLEY_E_NOMEM;
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    int ok = EVP_DigestInit_ex(ctx, md, NULL);
    for (size_t i = 0; ok && i < n; i++) {
        if (i)
            ok = EVP_DigestUpdate(ctx, ":", 1);
        if (ok && p[i].len)
            ok = EVP_DigestUpdate(ctx, p[i].p, p[i].len);
    }
    if (ok)
        ok = EVP_DigestFinal_ex(ctx, h, &hlen);
    EVP_MD_CTX_free(ctx);
    if (!ok || hlen * 2 > SIP_DIGEST_MAX_HEX)
        return PARLEY_E_NOMEM; /* a provider failure: nothing the caller did wrong */
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < hlen; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[2 * hlen] = '\0';
    return 0;
}

int sip_digest_response(sip_digest_alg alg, const char *ha1, pl_str nonce, pl_str cnonce,
                        uint32_t nc, unsigned qop, pl_str method, pl_str uri, pl_str body,
                        char *out)
{
    char a1[SIP_DIGEST_MAX_HEX + 1], ha2[SIP_DIGEST_MAX_HEX + 1], hbody[SIP_DIGEST_MAX_HEX + 1];
    int rc = 0;
    pl_str h1 = pl_str_c(ha1);
    if (is_sess(alg)) {
        /* -sess: HA1 = H(H(user:realm:pass):nonce:cnonce) (RFC 7616 §3.4.2) */
        pl_str parts[] = {h1, nonce, cnonce};
        rc = sip_digest_hash(alg, parts, 3, a1);
        h1 = pl_str_c(a1);
    }
    if (!rc && qop == SIP_DIGEST_QOP_AUTH_INT) {
        rc = sip_digest_hash(alg, &body, 1, hbody);
        pl_str parts[] = {method, uri, pl_str_c(hbody)};
        if (!rc)
            rc = sip_digest_hash(alg, parts, 3, ha2);
    } else if (!rc) {
        pl_str parts[] = {method, uri};
        rc = sip_digest_hash(alg, parts, 2, ha2);
    }
    if (rc)
        return rc;
    if (!qop) {
        pl_str parts[] = {h1, nonce, pl_str_c(ha2)};
        return sip_digest_hash(alg, parts, 3, out);
    }
    char ncs[9];
    snprintf(ncs, sizeof(ncs), "%08x", (unsigned)nc);
    pl_str q = qop == SIP_DIGEST_QOP_AUTH_INT ? PL_STR_LIT("auth-int") : PL_STR_LIT("auth");
    pl_str parts[] = {h1, nonce, pl_str_c(ncs), cnonce, q, pl_str_c(ha2)};
    return sip_digest_hash(alg, parts, 6, out);
}

void sip_digest_put_quoted(pl_buf *b, pl_str s)
{
    pl_buf_putc(b, '"');
    size_t from = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == '"' || s.p[i] == '\\') {
            pl_buf_put(b, s.p + from, i - from);
            pl_buf_putc(b, '\\');
            from = i;
        }
    }
    pl_buf_put(b, s.p + from, s.len - from);
    pl_buf_putc(b, '"');
}
