/*
 * The server side of Digest: stateless nonces (the time they were made, random bytes, and a
 * MAC with a secret of this server, so no table of issued nonces is needed and every nonce
 * expires), verification of credentials, a bounded table of the nonce counts seen (replays),
 * and a bounded count of bad credentials per user (so the caller can answer 403).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/list.h"
#include "core/rand.h"
#include "parley/error.h"
#include "sip/chars.h"
#include "sip/digest.h"

#define NONCE_RAW 16 /* 8 bytes of time, 8 random */
#define NONCE_MAC 16 /* HMAC-SHA256 truncated */
#define NONCE_HEX (2 * (NONCE_RAW + NONCE_MAC))
#define KEY_LEN   16

/* What is known of one nonce's counts: the highest nc and a window of the 64 below it. */
typedef struct replay_entry {
    pl_hnode node;
    uint8_t id[NONCE_RAW];
    uint64_t made; /* the nonce's timestamp */
    uint32_t max_nc;
    uint64_t window; /* bit i: max_nc - i was used */
    bool live;
} replay_entry;

typedef struct fail_entry {
    pl_hnode node;
    uint8_t key[KEY_LEN]; /* MAC of the username: fixed size, and not chosen by the peer */
    unsigned count;
    uint64_t last;
    bool live;
} fail_entry;

struct sip_digest_server {
    char *realm;
    unsigned algs;
    bool auth_int;
    uint64_t lifetime;
    unsigned max_failures;
    uint64_t failure_window;
    uint8_t secret[32];

    pl_hash replay_by_id;
    replay_entry *replay;
    size_t nreplay, replay_next;
    bool evicted;
    uint64_t watermark; /* newest timestamp of a nonce pushed out of the table */

    pl_hash fail_by_key;
    fail_entry *fail;
    size_t nfail, fail_next;
};

static const sip_digest_alg by_strength[] = {
    SIP_DIGEST_SHA512_256, SIP_DIGEST_SHA512_256_SESS, SIP_DIGEST_SHA256, SIP_DIGEST_SHA256_SESS,
    SIP_DIGEST_MD5,        SIP_DIGEST_MD5_SESS,
};

void sip_digest_server_free(sip_digest_server *s)
{
    if (!s)
        return;
    pl_hash_free(&s->replay_by_id);
    pl_hash_free(&s->fail_by_key);
    pl_free(s->replay);
    pl_free(s->fail);
    pl_free(s->realm);
    OPENSSL_cleanse(s->secret, sizeof(s->secret));
    pl_free(s);
}

int sip_digest_server_create(const sip_digest_server_config *cfg, sip_digest_server **out)
{
    unsigned all = ((1u << SIP_DIGEST_ALG_COUNT) - 1) & ~1u;
    if (!cfg->realm || !cfg->realm[0] || strpbrk(cfg->realm, "\r\n") ||
        strlen(cfg->realm) > SIP_DIGEST_MAX_VALUE || (cfg->algs & ~all))
        return PARLEY_E_INVAL;
    sip_digest_server *s = pl_calloc(1, sizeof(*s));
    if (!s)
        return PARLEY_E_NOMEM;
    s->algs = cfg->algs ? cfg->algs : (1u << SIP_DIGEST_SHA256 | 1u << SIP_DIGEST_MD5);
    s->auth_int = cfg->auth_int;
    s->lifetime = cfg->nonce_lifetime_ms ? cfg->nonce_lifetime_ms : 300000;
    s->max_failures = cfg->max_failures ? cfg->max_failures : 5;
    s->failure_window = cfg->failure_window_ms ? cfg->failure_window_ms : 60000;
    s->nreplay = cfg->replay_slots ? cfg->replay_slots : 4096;
    s->nfail = cfg->failure_slots ? cfg->failure_slots : 1024;
    pl_rand_bytes(s->secret, sizeof(s->secret));
    s->realm = pl_str_dup(pl_str_c(cfg->realm));
    s->replay = pl_calloc(s->nreplay, sizeof(*s->replay));
    s->fail = pl_calloc(s->nfail, sizeof(*s->fail));
    int h1 = pl_hash_init(&s->replay_by_id, 64), h2 = pl_hash_init(&s->fail_by_key, 64);
    if (!s->realm || !s->replay || !s->fail || h1 || h2) {
        sip_digest_server_free(s);
        return PARLEY_E_NOMEM;
    }
    *out = s;
    return 0;
}

/* mac = HMAC-SHA256(secret, tag || data) truncated to KEY_LEN bytes. */
static void mac16(const sip_digest_server *s, char tag, const void *data, size_t len, uint8_t *mac)
{
    uint8_t in[1 + SIP_DIGEST_MAX_VALUE + 1], full[EVP_MAX_MD_SIZE];
    unsigned flen = 0;
    in[0] = (uint8_t)tag;
    memcpy(in + 1, data, len);
    HMAC(EVP_sha256(), s->secret, sizeof(s->secret), in, len + 1, full, &flen);
    memcpy(mac, full, KEY_LEN);
}

static void put_hex(char *out, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
}

static void make_nonce(const sip_digest_server *s, uint64_t now, char *out)
{
    uint8_t raw[NONCE_RAW + NONCE_MAC];
    for (int i = 0; i < 8; i++)
        raw[i] = (uint8_t)(now >> (56 - 8 * i));
    pl_rand_bytes(raw + 8, 8);
    mac16(s, 'n', raw, NONCE_RAW, raw + NONCE_RAW);
    put_hex(out, raw, sizeof(raw));
    out[NONCE_HEX] = '\0';
}

/* True when nonce is one of ours; fills its id and timestamp. */
static bool read_nonce(const sip_digest_server *s, const char *nonce, uint8_t *id, uint64_t *made)
{
    if (strlen(nonce) != NONCE_HEX)
        return false;
    uint8_t raw[NONCE_RAW + NONCE_MAC], mac[KEY_LEN];
    for (size_t i = 0; i < sizeof(raw); i++) {
        int hi = sip_hexval(nonce[2 * i]), lo = sip_hexval(nonce[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    mac16(s, 'n', raw, NONCE_RAW, mac);
    if (CRYPTO_memcmp(mac, raw + NONCE_RAW, KEY_LEN) != 0)
        return false;
    memcpy(id, raw, NONCE_RAW);
    *made = 0;
    for (int i = 0; i < 8; i++)
        *made = *made << 8 | raw[i];
    return true;
}

int sip_digest_server_challenge(sip_digest_server *s, bool proxy, bool stale, uint64_t now_ms,
                                pl_buf *out)
{
    char nonce[NONCE_HEX + 1];
    make_nonce(s, now_ms, nonce);
    for (size_t i = 0; i < sizeof(by_strength) / sizeof(by_strength[0]); i++) {
        sip_digest_alg a = by_strength[i];
        if (!(s->algs & (1u << a)))
            continue;
        pl_buf_puts(out, proxy ? "Proxy-Authenticate: Digest realm="
                               : "WWW-Authenticate: Digest realm=");
        sip_digest_put_quoted(out, pl_str_c(s->realm));
        pl_buf_printf(out, ", nonce=\"%s\", algorithm=%s, qop=\"%s\"%s\r\n", nonce,
                      sip_digest_alg_name(a), s->auth_int ? "auth,auth-int" : "auth",
                      stale ? ", stale=true" : "");
    }
    return pl_buf_ok(out) ? 0 : PARLEY_E_NOMEM;
}

/* ---- bounded tables ---- */

static bool match_replay(const pl_hnode *n, const void *key)
{
    const replay_entry *e = pl_container_of(n, replay_entry, node);
    return memcmp(e->id, key, NONCE_RAW) == 0;
}

static bool match_fail(const pl_hnode *n, const void *key)
{
    const fail_entry *e = pl_container_of(n, fail_entry, node);
    return memcmp(e->key, key, KEY_LEN) == 0;
}

enum { COUNT_NEW = 0, COUNT_REPLAY, COUNT_UNKNOWN };

/* Records nc for the nonce; whether it was new, used before, or cannot be known. */
static int count_use(sip_digest_server *s, const uint8_t *id, uint64_t made, uint32_t nc)
{
    uint64_t h = pl_hash_bytes(s->replay_by_id.seed, id, NONCE_RAW);
    pl_hnode *n = pl_hash_find(&s->replay_by_id, h, match_replay, id);
    if (!n) {
        /* a nonce pushed out of the table may have been used: make the client take a new one */
        if (s->evicted && made <= s->watermark)
            return COUNT_UNKNOWN;
        replay_entry *e = &s->replay[s->replay_next];
        s->replay_next = (s->replay_next + 1) % s->nreplay;
        if (e->live) {
            pl_hash_remove(&s->replay_by_id, &e->node);
            s->evicted = true;
            if (e->made > s->watermark)
                s->watermark = e->made;
        }
        memcpy(e->id, id, NONCE_RAW);
        e->made = made;
        e->max_nc = nc;
        e->window = 1;
        e->live = true;
        pl_hash_insert(&s->replay_by_id, &e->node, h);
        return COUNT_NEW;
    }
    replay_entry *e = pl_container_of(n, replay_entry, node);
    if (nc > e->max_nc) {
        uint32_t shift = nc - e->max_nc;
        e->window = (shift >= 64 ? 0 : e->window << shift) | 1;
        e->max_nc = nc;
        return COUNT_NEW;
    }
    uint32_t back = e->max_nc - nc;
    if (back >= 64 || (e->window & (1ull << back)))
        return COUNT_REPLAY; /* used, or too far behind to know */
    e->window |= 1ull << back;
    return COUNT_NEW;
}

static fail_entry *fail_find(sip_digest_server *s, const uint8_t *key, uint64_t *hash)
{
    *hash = pl_hash_bytes(s->fail_by_key.seed, key, KEY_LEN);
    pl_hnode *n = pl_hash_find(&s->fail_by_key, *hash, match_fail, key);
    return n ? pl_container_of(n, fail_entry, node) : NULL;
}

static bool locked(sip_digest_server *s, const uint8_t *key, uint64_t now)
{
    uint64_t h;
    fail_entry *e = fail_find(s, key, &h);
    return e && now - e->last < s->failure_window && e->count >= s->max_failures;
}

/* Counts a bad attempt; true when the user has now reached the limit. */
static bool count_failure(sip_digest_server *s, const uint8_t *key, uint64_t now)
{
    uint64_t h;
    fail_entry *e = fail_find(s, key, &h);
    if (!e) {
        e = &s->fail[s->fail_next];
        s->fail_next = (s->fail_next + 1) % s->nfail;
        if (e->live)
            pl_hash_remove(&s->fail_by_key, &e->node); /* the oldest user counted */
        memcpy(e->key, key, KEY_LEN);
        e->count = 0;
        e->live = true;
        pl_hash_insert(&s->fail_by_key, &e->node, h);
    } else if (now - e->last >= s->failure_window) {
        e->count = 0;
    }
    e->count++;
    e->last = now;
    return e->count >= s->max_failures;
}

static void clear_failures(sip_digest_server *s, const uint8_t *key)
{
    uint64_t h;
    fail_entry *e = fail_find(s, key, &h);
    if (e)
        e->count = 0;
}

/* ---- verification ---- */

static bool offered(const sip_digest_server *s, const sip_digest_credentials *c)
{
    if (c->userhash || !(s->algs & (1u << c->alg)))
        return false;
    /* we always offer qop, so RFC 2069 answers (no qop, nc, cnonce) are refused */
    if (!c->has_qop || !c->has_nc || !c->has_cnonce || !c->nc)
        return false;
    return c->qop == SIP_DIGEST_QOP_AUTH || (c->qop == SIP_DIGEST_QOP_AUTH_INT && s->auth_int);
}

/* The HA1 from what the application knows; false when unusable. */
static bool secret_ha1(const sip_digest_credentials *c, const char *password, const char *ha1,
                       char *out)
{
    sip_digest_alg alg = (sip_digest_alg)c->alg;
    if (ha1) {
        size_t len = strlen(ha1);
        if (len != sip_digest_alg_hex_len(alg))
            return false;
        for (size_t i = 0; i <= len; i++)
            out[i] = pl_tolower(ha1[i]);
        return true;
    }
    if (!password)
        return false;
    pl_str parts[] = {pl_str_c(c->username), pl_str_c(c->realm), pl_str_c(password)};
    return sip_digest_hash(alg, parts, 3, out) == 0;
}

static int check_parsed(sip_digest_server *s, const sip_digest_credentials *c, pl_str method,
                        pl_str body, sip_digest_secret_fn secret, void *arg, uint64_t now,
                        sip_digest_result *res)
{
    snprintf(res->username, sizeof(res->username), "%s", c->username);
    uint8_t key[KEY_LEN], id[NONCE_RAW];
    uint64_t made;
    mac16(s, 'u', c->username, strlen(c->username), key);
    if (locked(s, key, now)) {
        res->verdict = SIP_DIGEST_FORBIDDEN;
        return 0;
    }
    res->verdict = SIP_DIGEST_BAD;
    if (!offered(s, c) || !read_nonce(s, c->nonce, id, &made))
        return 0; /* not a guess at the password: not counted */
    const char *password = NULL, *ha1 = NULL;
    char h1[SIP_DIGEST_MAX_HEX + 1], expect[SIP_DIGEST_MAX_HEX + 1];
    bool known = secret(arg, pl_str_c(s->realm), pl_str_c(c->username), (sip_digest_alg)c->alg,
                        &password, &ha1) &&
                 secret_ha1(c, password, ha1, h1);
    int rc = known ? sip_digest_response((sip_digest_alg)c->alg, h1, pl_str_c(c->nonce),
                                         pl_str_c(c->cnonce), c->nc, c->qop, method,
                                         pl_str_c(c->uri), body, expect)
                   : 0;
    if (rc)
        return rc;
    size_t len = strlen(expect);
    if (!known || strlen(c->response) != len || CRYPTO_memcmp(expect, c->response, len) != 0) {
        if (count_failure(s, key, now))
            res->verdict = SIP_DIGEST_FORBIDDEN;
        return 0;
    }
    clear_failures(s, key);
    if (made > now || now - made > s->lifetime) {
        res->verdict = SIP_DIGEST_STALE;
        return 0;
    }
    int use = count_use(s, id, made, c->nc);
    res->verdict = use == COUNT_NEW      ? SIP_DIGEST_OK
                   : use == COUNT_REPLAY ? SIP_DIGEST_REPLAY
                                         : SIP_DIGEST_STALE;
    return 0;
}

int sip_digest_server_check(sip_digest_server *s, pl_str credentials, pl_str method, pl_str body,
                            sip_digest_secret_fn secret, void *arg, uint64_t now_ms,
                            sip_digest_result *res)
{
    memset(res, 0, sizeof(*res));
    sip_digest_credentials *c = pl_malloc(sizeof(*c));
    if (!c)
        return PARLEY_E_NOMEM;
    int rc = 0;
    if (sip_digest_credentials_parse(credentials, c) != 0)
        res->verdict = SIP_DIGEST_BAD;
    else if (strcmp(c->realm, s->realm) != 0)
        res->verdict = SIP_DIGEST_MISSING;
    else
        rc = check_parsed(s, c, method, body, secret, arg, now_ms, res);
    pl_free(c);
    return rc;
}

int sip_digest_server_verify(sip_digest_server *s, const sip_msg *req, bool proxy,
                             sip_digest_secret_fn secret, void *arg, uint64_t now_ms,
                             sip_digest_result *res)
{
    memset(res, 0, sizeof(*res));
    res->verdict = SIP_DIGEST_MISSING;
    sip_digest_credentials *c = pl_malloc(sizeof(*c));
    if (!c)
        return PARLEY_E_NOMEM;
    int rc = 0;
    sip_hdr_id id = proxy ? SIP_H_PROXY_AUTHORIZATION : SIP_H_AUTHORIZATION;
    for (const sip_hdr *h = sip_hdr_first(req, id); h; h = sip_hdr_next(req, h)) {
        /* credentials for other realms (another proxy's) or schemes are not ours to judge */
        if (sip_digest_credentials_parse(h->value, c) != 0 || strcmp(c->realm, s->realm) != 0)
            continue;
        rc = check_parsed(s, c, req->method, req->body, secret, arg, now_ms, res);
        break;
    }
    pl_free(c);
    return rc;
}
