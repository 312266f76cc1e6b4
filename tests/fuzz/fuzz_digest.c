/*
 * Fuzzes Digest parsing (src/sip/digest*.c): the input is read as a challenge, as credentials,
 * and as a whole message whose challenges and credentials are read. Invariants: no crash or
 * leak, only the documented error codes; a challenge that parses is answered with credentials
 * that parse back to the same realm, nonce and opaque and whose response the server-side
 * computation agrees with; nothing read from the input carries a CR or LF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "parley/error.h"
#include "sip/digest.h"

static void check_code(int rc)
{
    if (rc != 0 && rc != PARLEY_E_PARSE && rc != PARLEY_E_UNSUPPORTED && rc != PARLEY_E_LIMIT)
        abort();
}

static void check_clean(const char *s)
{
    if (strpbrk(s, "\r\n"))
        abort();
}

/* The answer to c parses back and carries the response a server would compute. */
static void check_answer(const sip_digest_challenge *c)
{
    sip_digest_answer a = {.username = "fuzz",
                           .password = "pw",
                           .method = {"INVITE", 6},
                           .uri = {"sip:x@y", 7},
                           .body = {"b", 1},
                           .nc = 7,
                           .cnonce = "cn"};
    pl_buf b;
    pl_buf_init(&b, 512);
    if (sip_digest_authorize(c, &a, &b) != 0)
        abort();
    sip_digest_credentials cr;
    if (sip_digest_credentials_parse(pl_buf_str(&b), &cr) != 0)
        abort();
    if (strcmp(cr.realm, c->realm) || strcmp(cr.nonce, c->nonce) ||
        (c->has_opaque && strcmp(cr.opaque, c->opaque)) || cr.alg != c->alg)
        abort();
    if (!c->userhash) {
        char ha1[SIP_DIGEST_MAX_HEX + 1], expect[SIP_DIGEST_MAX_HEX + 1];
        sip_digest_alg alg = (sip_digest_alg)cr.alg;
        pl_str parts[] = {pl_str_c(cr.username), pl_str_c(cr.realm), {"pw", 2}};
        if (sip_digest_hash(alg, parts, 3, ha1) != 0 ||
            sip_digest_response(alg, ha1, pl_str_c(cr.nonce), pl_str_c(cr.cnonce), cr.nc, cr.qop,
                                a.method, pl_str_c(cr.uri), a.body, expect) != 0 ||
            strcmp(expect, cr.response) != 0)
            abort();
    }
    pl_buf_free(&b);
}

static bool secret(void *arg, pl_str realm, pl_str user, sip_digest_alg alg, const char **pass,
                   const char **ha1)
{
    (void)arg;
    (void)realm;
    (void)alg;
    (void)ha1;
    if (!user.len)
        return false;
    *pass = "pw";
    return true;
}

static sip_digest_server *the_server(void)
{
    static sip_digest_server *s;
    if (!s) {
        sip_digest_server_config cfg = {.realm = "fuzz", .algs = 0x7e, .replay_slots = 64};
        if (sip_digest_server_create(&cfg, &s) != 0)
            abort();
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_str in = {(const char *)data, size};
    sip_digest_challenge c;
    int rc = sip_digest_challenge_parse(in, size & 1, &c);
    check_code(rc);
    if (rc == 0) {
        check_clean(c.realm);
        check_clean(c.nonce);
        check_clean(c.opaque);
        check_answer(&c);
    }
    sip_digest_credentials cr;
    rc = sip_digest_credentials_parse(in, &cr);
    check_code(rc);
    if (rc == 0) {
        check_clean(cr.username);
        check_clean(cr.uri);
    }
    sip_digest_result res;
    if (sip_digest_server_check(the_server(), in, (pl_str){"INVITE", 6}, (pl_str){NULL, 0}, secret,
                                NULL, 1000, &res) != 0)
        abort();

    sip_msg *m = NULL;
    sip_msg_parse((const char *)data, size, 0, NULL, &m, NULL);
    if (m) {
        sip_digest_challenge all[SIP_DIGEST_MAX_CHALLENGES];
        size_t n = sip_digest_challenges(m, all, SIP_DIGEST_MAX_CHALLENGES);
        for (size_t i = 0; i < n; i++)
            check_answer(&all[i]);
        if (m->is_request &&
            sip_digest_server_verify(the_server(), m, false, secret, NULL, 1000, &res) != 0)
            abort();
        sip_msg_free(m);
    }
    return 0;
}
