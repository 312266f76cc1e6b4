/*
 * The client side of Digest: choosing among the challenges of a 401/407, printing the
 * credentials that answer them, the per-endpoint cache of nonces and counts, and the rule that
 * one request answers each realm once (RFC 3261 §22.2: a second challenge means the
 * credentials are wrong, unless it says the nonce was stale).
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/rand.h"
#include "parley/error.h"
#include "sip/chars.h"
#include "sip/digest.h"

const char *sip_digest_answer_header(const sip_digest_challenge *c)
{
    return c->proxy ? "Proxy-Authorization" : "Authorization";
}

/* Index of the challenge for (proxy, realm) among the first n, or -1. */
static int find_realm(const sip_digest_challenge *list, size_t n, const sip_digest_challenge *c)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].proxy == c->proxy && !strcmp(list[i].realm, c->realm))
            return (int)i;
    return -1;
}

size_t sip_digest_challenges(const sip_msg *m, sip_digest_challenge *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nhdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        if (h->id != SIP_H_WWW_AUTHENTICATE && h->id != SIP_H_PROXY_AUTHENTICATE)
            continue;
        sip_digest_challenge c;
        if (sip_digest_challenge_parse(h->value, h->id == SIP_H_PROXY_AUTHENTICATE, &c) != 0)
            continue;
        int at = find_realm(out, n, &c);
        if (at >= 0) {
            if (sip_digest_alg_strength(c.alg) > sip_digest_alg_strength(out[at].alg))
                out[at] = c;
        } else if (n < max) {
            out[n++] = c;
        }
    }
    return n;
}

static bool printable(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n <= max && !strpbrk(s, "\r\n");
}

static bool printable_str(pl_str s)
{
    return !memchr(s.p, '\r', s.len) && !memchr(s.p, '\n', s.len) && !memchr(s.p, '\0', s.len);
}

/* The HA1 to use: the caller's (lowercased, checked) or H(username:realm:password). */
static int make_ha1(const sip_digest_challenge *c, const sip_digest_answer *a, char *out)
{
    sip_digest_alg alg = (sip_digest_alg)c->alg;
    if (a->ha1) {
        size_t len = strlen(a->ha1);
        if (len != sip_digest_alg_hex_len(alg))
            return PARLEY_E_INVAL;
        for (size_t i = 0; i < len; i++) {
            if (sip_hexval(a->ha1[i]) < 0)
                return PARLEY_E_INVAL;
            out[i] = pl_tolower(a->ha1[i]);
        }
        out[len] = '\0';
        return 0;
    }
    if (!a->password)
        return PARLEY_E_INVAL;
    pl_str parts[] = {pl_str_c(a->username), pl_str_c(c->realm), pl_str_c(a->password)};
    return sip_digest_hash(alg, parts, 3, out);
}

static void put_param(pl_buf *b, const char *name, pl_str value, bool quoted)
{
    pl_buf_puts(b, ", ");
    pl_buf_puts(b, name);
    pl_buf_putc(b, '=');
    if (quoted)
        sip_digest_put_quoted(b, value);
    else
        pl_buf_put_str(b, value);
}

int sip_digest_authorize(const sip_digest_challenge *c, const sip_digest_answer *a, pl_buf *out)
{
    if (!a->username || !printable(a->username, SIP_DIGEST_MAX_VALUE) || !a->method.len ||
        !printable_str(a->method) || !printable_str(a->uri) || a->uri.len > SIP_DIGEST_MAX_URI ||
        (a->cnonce && !printable(a->cnonce, SIP_DIGEST_MAX_VALUE)))
        return PARLEY_E_INVAL;
    sip_digest_alg alg = (sip_digest_alg)c->alg;
    unsigned qop = (c->qop & SIP_DIGEST_QOP_AUTH)       ? SIP_DIGEST_QOP_AUTH
                   : (c->qop & SIP_DIGEST_QOP_AUTH_INT) ? SIP_DIGEST_QOP_AUTH_INT
                                                        : 0;
    char ha1[SIP_DIGEST_MAX_HEX + 1], resp[SIP_DIGEST_MAX_HEX + 1], user[SIP_DIGEST_MAX_HEX + 1];
    char cnonce[33];
    if (!a->cnonce)
        pl_rand_token(cnonce, 24);
    pl_str cn = a->cnonce ? pl_str_c(a->cnonce) : pl_str_c(cnonce);
    int rc = make_ha1(c, a, ha1);
    if (!rc)
        rc = sip_digest_response(alg, ha1, pl_str_c(c->nonce), cn, a->nc, qop, a->method, a->uri,
                                 a->body, resp);
    pl_str username = pl_str_c(a->username);
    if (!rc && c->userhash) {
        /* RFC 7616 §3.4.4: the server finds the user by H(username:realm) */
        pl_str parts[] = {username, pl_str_c(c->realm)};
        rc = sip_digest_hash(alg, parts, 2, user);
        username = pl_str_c(user);
    }
    if (rc)
        return rc;
    pl_buf_puts(out, "Digest username=");
    sip_digest_put_quoted(out, username);
    put_param(out, "realm", pl_str_c(c->realm), true);
    put_param(out, "nonce", pl_str_c(c->nonce), true);
    put_param(out, "uri", a->uri, true);
    put_param(out, "response", pl_str_c(resp), true);
    if (c->has_alg)
        put_param(out, "algorithm", pl_str_c(sip_digest_alg_name(alg)), false);
    if (c->has_opaque)
        put_param(out, "opaque", pl_str_c(c->opaque), true);
    if (qop) {
        char nc[9];
        snprintf(nc, sizeof(nc), "%08x", (unsigned)a->nc);
        put_param(out, "cnonce", cn, true);
        put_param(out, "qop",
                  qop == SIP_DIGEST_QOP_AUTH ? PL_STR_LIT("auth") : PL_STR_LIT("auth-int"), false);
        put_param(out, "nc", pl_str_c(nc), false);
    }
    if (c->userhash)
        pl_buf_puts(out, ", userhash=true");
    return pl_buf_ok(out) ? 0 : PARLEY_E_NOMEM;
}

/* ---- the cache ---- */

typedef struct cache_entry {
    sip_digest_challenge ch;
    uint32_t nc;
    uint64_t used; /* LRU stamp; 0 = free */
} cache_entry;

struct sip_digest_cache {
    size_t max;
    uint64_t tick;
    cache_entry e[];
};

int sip_digest_cache_create(size_t max, sip_digest_cache **out)
{
    if (!max)
        max = 16;
    sip_digest_cache *c = pl_calloc(1, sizeof(*c) + max * sizeof(cache_entry));
    if (!c)
        return PARLEY_E_NOMEM;
    c->max = max;
    *out = c;
    return 0;
}

void sip_digest_cache_free(sip_digest_cache *c)
{
    pl_free(c);
}

static cache_entry *cache_find(sip_digest_cache *c, pl_str realm, bool proxy)
{
    for (size_t i = 0; i < c->max; i++) {
        cache_entry *e = &c->e[i];
        if (e->used && e->ch.proxy == proxy && pl_str_eq(pl_str_c(e->ch.realm), realm))
            return e;
    }
    return NULL;
}

void sip_digest_cache_put(sip_digest_cache *c, const sip_digest_challenge *ch)
{
    cache_entry *e = cache_find(c, pl_str_c(ch->realm), ch->proxy);
    if (!e) {
        e = &c->e[0];
        for (size_t i = 1; i < c->max && e->used; i++)
            if (c->e[i].used < e->used)
                e = &c->e[i];
        e->nc = 0;
    } else if (strcmp(e->ch.nonce, ch->nonce) != 0) {
        e->nc = 0;
    }
    e->ch = *ch;
    e->used = ++c->tick;
}

const sip_digest_challenge *sip_digest_cache_next(sip_digest_cache *c, pl_str realm, bool proxy,
                                                  uint32_t *nc)
{
    cache_entry *e = cache_find(c, realm, proxy);
    if (!e)
        return NULL;
    e->used = ++c->tick;
    *nc = ++e->nc;
    return &e->ch;
}

void sip_digest_cache_drop(sip_digest_cache *c, pl_str realm, bool proxy)
{
    cache_entry *e = cache_find(c, realm, proxy);
    if (e)
        memset(e, 0, sizeof(*e));
}

/* ---- answering a 401/407 ---- */

static uint64_t realm_key(const sip_digest_challenge *c)
{
    uint64_t h = pl_hash_bytes(PL_HASH_SEED, c->realm, strlen(c->realm));
    return c->proxy ? ~h : h;
}

/* The request's record of realm: NULL when it never answered it. */
static int retry_find(sip_digest_retry *st, uint64_t key)
{
    for (int i = 0; i < st->n; i++)
        if (st->realms[i].key == key)
            return i;
    return -1;
}

/* Appends the line answering c with a ("Authorization: ..." or "Proxy-Authorization: ...",
 * CRLF-ended); nothing when sip_digest_authorize fails, whose result it returns. */
static int print_answer(const sip_digest_challenge *c, const sip_digest_answer *a, pl_buf *hdrs)
{
    size_t mark = hdrs->len;
    pl_buf_puts(hdrs, sip_digest_answer_header(c));
    pl_buf_puts(hdrs, ": ");
    int rc = sip_digest_authorize(c, a, hdrs);
    if (rc) {
        hdrs->len = mark;
        return rc;
    }
    pl_buf_puts(hdrs, "\r\n");
    return 0;
}

/* Prints one header line answering c; 1 when there were no credentials for it. */
static int answer_one(sip_digest_cache *cache, const sip_digest_challenge *c, pl_str method,
                      pl_str ruri, pl_str body, sip_digest_lookup_fn lookup, void *arg,
                      pl_buf *hdrs)
{
    sip_digest_answer a = {.method = method, .uri = ruri, .body = body, .nc = 1};
    if (!lookup(arg, pl_str_c(c->realm), (sip_digest_alg)c->alg, &a.username, &a.password, &a.ha1))
        return 1;
    const sip_digest_challenge *use = c;
    if (cache) {
        sip_digest_cache_put(cache, c);
        use = sip_digest_cache_next(cache, pl_str_c(c->realm), c->proxy, &a.nc);
    }
    int rc = print_answer(use, &a, hdrs); /* use: c, or its cached copy (the same header) */
    if (rc)
        return rc;
    return pl_buf_ok(hdrs) ? 0 : PARLEY_E_NOMEM;
}

int sip_digest_respond(sip_digest_cache *cache, sip_digest_retry *st, const sip_msg *resp,
                       pl_str method, pl_str ruri, pl_str body, sip_digest_lookup_fn lookup,
                       void *arg, pl_buf *hdrs)
{
    sip_digest_challenge ch[SIP_DIGEST_MAX_CHALLENGES];
    size_t n = sip_digest_challenges(resp, ch, SIP_DIGEST_MAX_CHALLENGES);
    if (!n)
        return PARLEY_E_UNSUPPORTED;
    bool refused = false;
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        const sip_digest_challenge *c = &ch[i];
        uint64_t key = realm_key(c);
        int at = retry_find(st, key);
        if (at >= 0 && (!c->stale || st->realms[at].stale >= 2)) {
            refused = true;
            if (cache)
                sip_digest_cache_drop(cache, pl_str_c(c->realm), c->proxy);
            continue;
        }
        int rc = answer_one(cache, c, method, ruri, body, lookup, arg, hdrs);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue; /* no credentials for this realm: another may suffice (RFC 3261 §22.3) */
        added++;
        if (at >= 0) {
            st->realms[at].stale++;
        } else if (st->n < SIP_DIGEST_MAX_CHALLENGES) {
            st->realms[st->n].key = key;
            st->realms[st->n].stale = 0;
            st->n++;
        }
    }
    return refused || !added ? PARLEY_E_AUTH : 0;
}

/* ---- credentials before any challenge (RFC 3261 §22.3) ---- */

int sip_digest_reauthorize(sip_digest_cache *cache, pl_str prev, pl_str method, pl_str ruri,
                           pl_str body, sip_digest_lookup_fn lookup, void *arg, pl_buf *hdrs)
{
    if (!cache)
        return PARLEY_E_NOTFOUND;
    size_t added = 0;
    sip_digest_credentials cr;
    for (int lines = 0; prev.len && lines < SIP_DIGEST_MAX_CHALLENGES; lines++) {
        const char *eol = memchr(prev.p, '\n', prev.len);
        pl_str line = pl_str_make(prev.p, eol ? (size_t)(eol - prev.p) : prev.len);
        prev = eol ? pl_str_span(eol + 1, prev.p + prev.len) : PL_STR_NULL;
        const char *colon = memchr(line.p, ':', line.len);
        if (!colon)
            continue;
        pl_str name = pl_str_trim(pl_str_span(line.p, colon));
        bool proxy = pl_str_caseeq_lit(name, "Proxy-Authorization");
        if (!proxy && !pl_str_caseeq_lit(name, "Authorization"))
            continue;
        if (sip_digest_credentials_parse(pl_str_trim(pl_str_span(colon + 1, line.p + line.len)),
                                         &cr) != 0)
            continue;
        sip_digest_answer a = {.method = method, .uri = ruri, .body = body};
        const sip_digest_challenge *c =
            sip_digest_cache_next(cache, pl_str_c(cr.realm), proxy, &a.nc);
        if (!c || !lookup(arg, pl_str_c(c->realm), (sip_digest_alg)c->alg, &a.username, &a.password,
                          &a.ha1))
            continue;
        if (print_answer(c, &a, hdrs) == 0)
            added++;
    }
    if (!pl_buf_ok(hdrs))
        return PARLEY_E_NOMEM;
    return added ? 0 : PARLEY_E_NOTFOUND;
}
