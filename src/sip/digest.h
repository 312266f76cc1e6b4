/*
 * Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760): the client side reads the
 * challenges of a 401/407 and prints the credentials that answer them; the server side makes
 * nonces, challenges requests and verifies their credentials, refusing replays.
 *
 * Hashes go through OpenSSL EVP: MD5, SHA-256 and SHA-512/256, each also in its "-sess" form.
 * Nothing here sends anything or reads a clock: callers pass the time (milliseconds on the
 * endpoint's monotonic clock), so that tests run on a virtual one. A cache or a server belongs
 * to one endpoint and is used from its loop thread only (no locks).
 *
 * Every string taken from the wire is bounded (SIP_DIGEST_MAX_VALUE, SIP_DIGEST_MAX_URI);
 * longer ones make the challenge or credentials unusable (PARLEY_E_LIMIT), never a truncation.
 */
#ifndef SIP_DIGEST_H
#define SIP_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "sip/msg.h"

#define SIP_DIGEST_MAX_VALUE      256  /* realm, nonce, opaque, username, cnonce */
#define SIP_DIGEST_MAX_URI        1024 /* the uri directive of credentials */
#define SIP_DIGEST_MAX_HEX        64   /* hex length of the longest hash (SHA-256, SHA-512/256) */
#define SIP_DIGEST_MAX_CHALLENGES 8    /* challenges read from one response */

typedef enum sip_digest_alg {
    SIP_DIGEST_ALG_NONE = 0, /* unknown: the challenge is skipped (RFC 7616 §3.3) */
    SIP_DIGEST_MD5,
    SIP_DIGEST_MD5_SESS,
    SIP_DIGEST_SHA256,
    SIP_DIGEST_SHA256_SESS,
    SIP_DIGEST_SHA512_256,
    SIP_DIGEST_SHA512_256_SESS,
    SIP_DIGEST_ALG_COUNT
} sip_digest_alg;

/* The algorithm's token as written on the wire ("SHA-512-256-sess"); NULL for NONE. */
const char *sip_digest_alg_name(sip_digest_alg a);
/* Case-insensitive; SIP_DIGEST_ALG_NONE for anything unknown. */
sip_digest_alg sip_digest_alg_parse(pl_str s);
/* Preference order of RFC 8760 / RFC 7616 §3.7: SHA-512-256 > SHA-256 > MD5 (a "-sess" form
 * ranks just below its plain form). Higher is stronger; 0 for NONE. */
int sip_digest_alg_strength(sip_digest_alg a);
/* Hex length of the algorithm's hash (32 for MD5, 64 otherwise); 0 for NONE. */
size_t sip_digest_alg_hex_len(sip_digest_alg a);

/* Quality of protection offered (bit set) or chosen (one bit). 0: none (RFC 2069 mode). */
enum {
    SIP_DIGEST_QOP_AUTH = 1,
    SIP_DIGEST_QOP_AUTH_INT = 2,
};

/*
 * A challenge from WWW-Authenticate or Proxy-Authenticate. Strings are unescaped copies (so it
 * outlives the message), NUL-terminated.
 */
typedef struct sip_digest_challenge {
    bool proxy;      /* from Proxy-Authenticate: answered in Proxy-Authorization */
    bool stale;      /* stale=true: the nonce expired, the credentials were right */
    bool userhash;   /* userhash=true: the username is sent hashed (RFC 7616 §3.4.4) */
    bool has_alg;    /* the algorithm parameter was present (it is echoed only then) */
    bool has_opaque; /* opaque was present (echoed unchanged) */
    uint8_t alg;     /* sip_digest_alg (MD5 when absent) */
    uint8_t qop;     /* SIP_DIGEST_QOP_* offered; 0 when the challenge has no qop */
    char realm[SIP_DIGEST_MAX_VALUE + 1];
    char nonce[SIP_DIGEST_MAX_VALUE + 1];
    char opaque[SIP_DIGEST_MAX_VALUE + 1];
} sip_digest_challenge;

/*
 * Parses one challenge (one header field value: "Digest realm=..., nonce=..."; the scheme is
 * case-insensitive, parameters may be tokens or quoted strings with escapes, unknown ones are
 * skipped). Returns 0; PARLEY_E_UNSUPPORTED for another scheme, an unknown algorithm, or a qop
 * list without auth or auth-int (or a -sess algorithm without qop, which cannot be answered);
 * PARLEY_E_PARSE for bad syntax, a duplicated parameter, a control character in a value
 * (escaped or not; a tab is fine), or no realm or nonce; PARLEY_E_LIMIT
 * for a value over SIP_DIGEST_MAX_VALUE. proxy is copied into out->proxy.
 */
int sip_digest_challenge_parse(pl_str value, bool proxy, sip_digest_challenge *out);

/*
 * Reads every WWW-Authenticate and Proxy-Authenticate field of a response, skips those that
 * cannot be answered, and keeps one challenge per (proxy, realm): the strongest algorithm
 * offered for it, the topmost among equals (RFC 8760 §2.4 lists the preferred one first; a
 * stronger one further down still wins, so that a reordering cannot downgrade us). Order of
 * the result: as the realms first appear. Returns how many were stored (at most max).
 */
size_t sip_digest_challenges(const sip_msg *m, sip_digest_challenge *out, size_t max);

/* What the client knows to answer one challenge. */
typedef struct sip_digest_answer {
    const char *username; /* required */
    const char *password; /* the password, or NULL when ha1 is given */
    const char *ha1;      /* hex H(username:realm:password) for the challenge's hash */
    pl_str method;        /* "INVITE" (for ACK and CANCEL: "INVITE" is never challenged) */
    pl_str uri;           /* the Request-URI exactly as sent */
    pl_str body;          /* the message body, hashed for qop=auth-int */
    uint32_t nc;          /* nonce count: 1 for a nonce's first use, then 2, 3... */
    const char *cnonce;   /* NULL: a fresh random one */
} sip_digest_answer;

/*
 * Prints the credentials answering c, without the header name ("Digest username=..., ..."),
 * into out: qop=auth when offered, else auth-int (hashing the body), else RFC 2069 form (no
 * qop, nc, cnonce). Returns 0; PARLEY_E_INVAL for missing or unprintable inputs (a CR, LF or
 * NUL in the username, no password nor HA1, an HA1 of the wrong length).
 */
int sip_digest_authorize(const sip_digest_challenge *c, const sip_digest_answer *a, pl_buf *out);
/* "Authorization" or "Proxy-Authorization": the header that answers c. */
const char *sip_digest_answer_header(const sip_digest_challenge *c);

/*
 * The client's memory of the last challenge per realm, with the nonce count of its nonce: the
 * next request to that realm can carry credentials at once (RFC 3261 §22.3) with nc+1. At
 * most `max` realms (LRU eviction); one per endpoint.
 */
typedef struct sip_digest_cache sip_digest_cache;
int sip_digest_cache_create(size_t max, sip_digest_cache **out); /* max 0 = 16 */
void sip_digest_cache_free(sip_digest_cache *c);
/* Remembers c for its (proxy, realm); a new nonce starts counting at 1 again. */
void sip_digest_cache_put(sip_digest_cache *c, const sip_digest_challenge *ch);
/* The remembered challenge for realm and the nonce count to use now (counted as used); NULL
 * when none. The pointer is valid until the next put. */
const sip_digest_challenge *sip_digest_cache_next(sip_digest_cache *c, pl_str realm, bool proxy,
                                                  uint32_t *nc);
/* Forgets realm (after its credentials were refused). */
void sip_digest_cache_drop(sip_digest_cache *c, pl_str realm, bool proxy);

/*
 * Credentials for a realm: sets *username and either *password or *ha1 (for the hash of alg);
 * the strings must stay valid until sip_digest_respond returns. Returns false when there are
 * none for that realm.
 */
typedef bool (*sip_digest_lookup_fn)(void *arg, pl_str realm, sip_digest_alg alg,
                                     const char **username, const char **password,
                                     const char **ha1);

/* What one request (one operation, across its retries) has answered so far. Zero it first. */
typedef struct sip_digest_retry {
    uint8_t n;
    struct {
        uint64_t key;  /* hash of (proxy, realm) */
        uint8_t stale; /* stale retries so far */
    } realms[SIP_DIGEST_MAX_CHALLENGES];
} sip_digest_retry;

/*
 * Answers a 401/407 to a request (RFC 3261 §22.2): for each challenge (see
 * sip_digest_challenges) with credentials from lookup, appends "Authorization: ...\r\n" or
 * "Proxy-Authorization: ...\r\n" to hdrs, taking the nonce count from cache (may be NULL: every
 * nonce is used once) and remembering the challenge there. Returns 0 when at least one line was
 * added; PARLEY_E_AUTH when a realm this request already answered challenges again without
 * stale=true (the credentials are wrong: no loop), after two stale retries for one realm, or
 * when no realm has credentials; PARLEY_E_UNSUPPORTED when the response has no challenge we
 * can answer. st is updated; the realms refused are dropped from cache.
 */
int sip_digest_respond(sip_digest_cache *cache, sip_digest_retry *st, const sip_msg *resp,
                       pl_str method, pl_str ruri, pl_str body, sip_digest_lookup_fn lookup,
                       void *arg, pl_buf *hdrs);

/*
 * Credentials without a challenge (RFC 3261 §22.3: a request may carry them at once), for a
 * request that an earlier one of the same kind needed: for each Authorization or
 * Proxy-Authorization line of prev (the earlier request's, "Name: value\r\n" lines) whose
 * realm the cache remembers, appends a line answering the remembered challenge with the next
 * nonce count. Returns 0 when at least one line was added; PARLEY_E_NOTFOUND when none could
 * be (no cache, nothing remembered, no credentials); PARLEY_E_NOMEM. A registrar that no longer
 * takes the nonce challenges again, and that challenge is answered as any other.
 */
int sip_digest_reauthorize(sip_digest_cache *cache, pl_str prev, pl_str method, pl_str ruri,
                           pl_str body, sip_digest_lookup_fn lookup, void *arg, pl_buf *hdrs);

/* ---- server ---- */

/* Credentials received in Authorization or Proxy-Authorization (strings unescaped). */
typedef struct sip_digest_credentials {
    bool has_alg, has_qop, has_nc, has_cnonce, has_opaque, userhash;
    uint8_t alg; /* sip_digest_alg (MD5 when absent) */
    uint8_t qop; /* the one chosen: SIP_DIGEST_QOP_AUTH or _AUTH_INT, 0 when absent */
    uint32_t nc;
    char username[SIP_DIGEST_MAX_VALUE + 1];
    char realm[SIP_DIGEST_MAX_VALUE + 1];
    char nonce[SIP_DIGEST_MAX_VALUE + 1];
    char cnonce[SIP_DIGEST_MAX_VALUE + 1];
    char opaque[SIP_DIGEST_MAX_VALUE + 1];
    char response[SIP_DIGEST_MAX_HEX + 1];
    char uri[SIP_DIGEST_MAX_URI + 1];
} sip_digest_credentials;

/* Parses one credentials value ("Digest username=..."). Same errors as the challenge parser;
 * username, realm, nonce, uri and response are required, nc must be 8 hex digits. */
int sip_digest_credentials_parse(pl_str value, sip_digest_credentials *out);

typedef struct sip_digest_server_config {
    const char *realm;          /* required; copied */
    unsigned algs;              /* bit set of (1u << sip_digest_alg); 0 = SHA-256 and MD5 */
    bool auth_int;              /* also offer qop=auth-int */
    unsigned nonce_lifetime_ms; /* a nonce older than this is stale; 0 = 300000 */
    size_t replay_slots;        /* nonces whose counts are remembered; 0 = 4096 */
    unsigned max_failures;      /* bad credentials for one user before FORBIDDEN; 0 = 5 */
    unsigned failure_window_ms; /* failures older than this are forgotten; 0 = 60000 */
    size_t failure_slots;       /* users whose failures are counted; 0 = 1024 */
} sip_digest_server_config;

typedef struct sip_digest_server sip_digest_server;
/* A server with a fresh random secret: nonces of another server (or an earlier run) are never
 * accepted. Returns PARLEY_E_INVAL without a realm or with an unknown algorithm bit. */
int sip_digest_server_create(const sip_digest_server_config *cfg, sip_digest_server **out);
void sip_digest_server_free(sip_digest_server *s);

/*
 * Prints the challenge: one "WWW-Authenticate: Digest ...\r\n" line (Proxy-Authenticate when
 * proxy) per algorithm offered, strongest first (RFC 8760 §2.3), all with one new nonce that
 * carries now_ms and a MAC (no table: any nonce this server made is recognised until it
 * expires). stale adds stale=true.
 */
int sip_digest_server_challenge(sip_digest_server *s, bool proxy, bool stale, uint64_t now_ms,
                                pl_buf *out);

typedef enum sip_digest_verdict {
    SIP_DIGEST_OK = 0,    /* authenticated */
    SIP_DIGEST_MISSING,   /* no Digest credentials for our realm: challenge */
    SIP_DIGEST_BAD,       /* wrong response, unknown user, or a nonce we never made: challenge */
    SIP_DIGEST_STALE,     /* right credentials on an expired nonce: challenge with stale=true */
    SIP_DIGEST_REPLAY,    /* right credentials, but this nonce and nc were used before */
    SIP_DIGEST_FORBIDDEN, /* too many bad credentials for this user lately: answer 403 */
} sip_digest_verdict;

/*
 * What the server knows to check a user: the password, or the hex HA1 for the hash of alg.
 * Returns false for an unknown user. The strings must stay valid until the verify returns.
 */
typedef bool (*sip_digest_secret_fn)(void *arg, pl_str realm, pl_str username, sip_digest_alg alg,
                                     const char **password, const char **ha1);

typedef struct sip_digest_result {
    sip_digest_verdict verdict;
    char username[SIP_DIGEST_MAX_VALUE + 1]; /* who (OK, BAD, STALE, REPLAY, FORBIDDEN) */
} sip_digest_result;

/*
 * Verifies the credentials of a request for our realm (Proxy-Authorization when proxy, else
 * Authorization; the first field naming our realm counts): the nonce's MAC and age, the
 * algorithm and qop against what we offer, the response against the secret, then the nonce
 * count against those seen (a bounded table: a nonce pushed out of it is treated as stale, so
 * eviction never opens a replay). Bad credentials are counted per user; while a user has
 * max_failures within failure_window_ms the verdict is FORBIDDEN, right password or not.
 * The uri directive is hashed as sent, not compared with the Request-URI (a proxy may have
 * retargeted the request). Never call it for ACK or CANCEL: they cannot be challenged and an
 * ACK repeats its INVITE's credentials. Returns 0 (the verdict in *res) or PARLEY_E_NOMEM.
 */
int sip_digest_server_verify(sip_digest_server *s, const sip_msg *req, bool proxy,
                             sip_digest_secret_fn secret, void *arg, uint64_t now_ms,
                             sip_digest_result *res);
/* The same for one credentials value, with the request's method and body. */
int sip_digest_server_check(sip_digest_server *s, pl_str credentials, pl_str method, pl_str body,
                            sip_digest_secret_fn secret, void *arg, uint64_t now_ms,
                            sip_digest_result *res);

/* ---- hashing (digest.c), shared by both sides and the tests ---- */

/* out = hex H(p[0] ":" p[1] ":" ... p[n-1]) with the hash of alg; out holds
 * SIP_DIGEST_MAX_HEX + 1. Returns 0 or PARLEY_E_UNSUPPORTED / PARLEY_E_NOMEM. */
int sip_digest_hash(sip_digest_alg alg, const pl_str *p, size_t n, char *out);
/* The response of RFC 7616 §3.4.1 (RFC 2069 form when qop is 0). ha1 is H(user:realm:pass)
 * (the -sess step is applied here). */
int sip_digest_response(sip_digest_alg alg, const char *ha1, pl_str nonce, pl_str cnonce,
                        uint32_t nc, unsigned qop, pl_str method, pl_str uri, pl_str body,
                        char *out);
/* Prints s as a quoted-string (escaping '"' and '\\'). */
void sip_digest_put_quoted(pl_buf *b, pl_str s);

#endif
