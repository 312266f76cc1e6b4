/*
 * The endpoint's RFC 5626 instance id. Unless configured it is a name-based UUID (RFC 4122
 * §4.3, version 5: SHA-1) of the endpoint id in parley's own namespace, so that it is as stable
 * as the epid, and so that anyone who knows a parley endpoint's epid knows its instance id, and
 * with it the public GRUU a registrar such as Kamailio makes for it (the AoR with
 * ";gr=<instance>"): that is how a session aimed at AoR + epid reaches that one endpoint
 * through a proxy (docs/SESSION.md, "Targeting one endpoint").
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "endpoint/ep.h"
#include "core/buf.h"
#include "parley/error.h"
#include "sip/uri.h"

/* parley's namespace UUID (drawn once at random; never change it: it would change every
 * derived instance id) */
static const unsigned char ns[16] = {0x3b, 0x6e, 0x1f, 0x52, 0x8c, 0x0d, 0x4a, 0x97,
                                     0xb1, 0x24, 0x5e, 0xc8, 0x70, 0x39, 0xd6, 0xa3};

int ep_instance_for_epid(const char *epid, char *out, size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
             EVP_DigestUpdate(ctx, ns, sizeof(ns)) && EVP_DigestUpdate(ctx, epid, strlen(epid)) &&
             EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (!ok || mdlen < 16)
        return PARLEY_E_NOMEM;
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    int n = snprintf(
        out, size, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
        md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11],
        md[12], md[13], md[14], md[15]);
    return n > 0 && (size_t)n < size ? 0 : PARLEY_E_INVAL;
}

bool ep_instance_valid(const char *instance)
{
    /* a URN (RFC 5626 §4.1: "urn:" and no characters that would break the quoted Contact
     * parameter it travels in) */
    if (strncasecmp(instance, "urn:", 4) != 0 || strlen(instance) > 200 || !instance[4])
        return false;
    for (const char *p = instance; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '\\' || *p == '<' || *p == '>' ||
            (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

int ep_epid_gruu(const char *aor, const char *epid, char **out)
{
    /* the public GRUU (RFC 5627 §3.1) a registrar like Kamailio makes: the AoR (its scheme, user
     * and host; no parameters) with ";gr=<instance id>" */
    *out = NULL;
    sip_uri u;
    if (sip_uri_parse(pl_str_c(aor), &u, NULL, NULL) != 0 ||
        (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS))
        return PARLEY_E_INVAL;
    pl_str gr;
    if (sip_param_find(u.params, "gr", &gr))
        return 0; /* a GRUU already */
    char inst[64];
    int rc = ep_instance_for_epid(epid, inst, sizeof(inst));
    if (rc)
        return rc;
    pl_buf b;
    pl_buf_init(&b, strlen(aor) + 64);
    pl_buf_put_str(&b, u.scheme);
    pl_buf_putc(&b, ':');
    if (u.user.len) {
        pl_buf_put_str(&b, u.user);
        pl_buf_putc(&b, '@');
    }
    if (u.host_type == SIP_HOST_IPV6) {
        pl_buf_putc(&b, '[');
        pl_buf_put_str(&b, u.host);
        pl_buf_putc(&b, ']');
    } else {
        pl_buf_put_str(&b, u.host);
    }
    if (u.port) {
        pl_buf_putc(&b, ':');
        pl_buf_put_u64(&b, u.port);
    }
    pl_buf_puts(&b, ";gr=");
    pl_buf_puts(&b, inst);
    *out = pl_buf_steal(&b, NULL);
    return *out ? 0 : PARLEY_E_NOMEM;
}
