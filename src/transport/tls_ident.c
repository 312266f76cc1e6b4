/*
 * Whether a server's certificate names the SIP domain we meant to reach (RFC 5922 §7.1-7.2):
 *   - a numeric host must be an iPAddress subjectAltName;
 *   - a name matches a dNSName entry exactly (any case, no wildcards: RFC 5922 §7.2), or a URI
 *     entry "sip:<domain>" with nothing else in it (no user, port or parameters);
 *   - the subject's CN counts only when the certificate has no subjectAltName extension at all
 *     (RFC 5922 §7.1 allows it then, for older certificates; any SAN, even of another type,
 *     means the issuer chose the SAN form and the CN is not an identity).
 */
#include <openssl/x509v3.h>
#include <string.h>

#include "core/str.h"
#include "transport/tp_int.h"

/* "sip:example.com" (scheme any case) naming exactly host (given without a trailing dot). */
static bool sip_uri_names(const ASN1_IA5STRING *uri, const char *host)
{
    const char *p = (const char *)ASN1_STRING_get0_data(uri);
    size_t len = (size_t)ASN1_STRING_length(uri);
    if (len < 5 || !pl_str_caseeq_lit(pl_str_make(p, 4), "sip:"))
        return false;
    pl_str domain = pl_str_make(p + 4, len - 4);
    if (domain.len && domain.p[domain.len - 1] == '.')
        domain.len--; /* an absolute name "example.com." is the same domain */
    for (size_t i = 0; i < domain.len; i++) {
        /* a user part, a port, parameters or headers: a user's address, not a domain */
        if (strchr("@:;?", domain.p[i]) || domain.p[i] == '\0')
            return false;
    }
    return domain.len && pl_str_casecmp_eq(domain, pl_str_c(host));
}

static bool uri_san_matches(X509 *cert, const char *host)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    bool ok = false;
    for (int i = 0; names && !ok && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_URI)
            ok = sip_uri_names(g->d.uniformResourceIdentifier, host);
    }
    GENERAL_NAMES_free(names);
    return ok;
}

bool tp_tls_identity_ok(X509 *cert, const char *name)
{
    char host[256];
    size_t len = name ? strlen(name) : 0;
    if (len && name[len - 1] == '.')
        len--;
    if (!cert || !len || len >= sizeof(host))
        return false;
    memcpy(host, name, len);
    host[len] = '\0';
    tp_addr probe;
    if (tp_addr_from_host(pl_str_c(host), 0, &probe) == 0)
        return X509_check_ip_asc(cert, host, 0) == 1;
    bool has_san = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1) >= 0;
    if (!has_san) /* the CN, as OpenSSL reads it when there are no DNS entries */
        return X509_check_host(cert, host, 0, X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1;
    return X509_check_host(cert, host, 0,
                           X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                           NULL) == 1 ||
           uri_san_matches(cert, host);
}
