/* The Reason header (RFC 3326 §2): reason-value = protocol *(SEMI reason-params). */
#include "sip/reason.h"

#include <string.h>

#include "parley/error.h"
#include "sip/scan.h"

/* One reason-value at sc; leaves sc after it. */
static bool parse_value(sip_scan *sc, sip_reason *r)
{
    memset(r, 0, sizeof(*r));
    sip_scan_lws(sc);
    r->protocol = sip_scan_token(sc);
    if (!r->protocol.len)
        return false;
    while (sip_scan_sep(sc, ';')) {
        pl_str name = sip_scan_token(sc);
        if (!name.len)
            return false;
        if (!sip_scan_sep(sc, '='))
            continue; /* a parameter without value */
        if (sip_scan_peek(sc) == '"') {
            pl_str q;
            if (!sip_scan_quoted(sc, &q))
                return false;
            if (pl_str_casecmp_eq(name, PL_STR_LIT("text"))) {
                /* unquote: drop the quotes and the backslash of each quoted-pair */
                size_t n = 0;
                for (size_t i = 1; i + 1 < q.len && n + 1 < sizeof(r->text); i++) {
                    if (q.p[i] == '\\' && i + 2 < q.len)
                        i++;
                    r->text[n++] = q.p[i];
                }
                r->text[n] = '\0';
                r->has_text = true;
            }
            continue;
        }
        pl_str v = sip_scan_class(sc, SIP_C_TOKEN);
        if (pl_str_casecmp_eq(name, PL_STR_LIT("cause"))) {
            int cause = 0;
            for (size_t i = 0; i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && cause < 100000; i++)
                cause = cause * 10 + (v.p[i] - '0');
            r->cause = cause < 100000 ? cause : 0;
        } else if (pl_str_casecmp_eq(name, PL_STR_LIT("text"))) {
            size_t n = v.len < sizeof(r->text) - 1 ? v.len : sizeof(r->text) - 1;
            memcpy(r->text, v.p, n);
            r->text[n] = '\0';
            r->has_text = true;
        }
    }
    sip_scan_lws(sc);
    return sip_scan_eof(sc) || sip_scan_peek(sc) == ',';
}

int sip_reason_get(const sip_msg *m, sip_reason *out)
{
    bool have = false;
    sip_reason r;
    for (const sip_hdr *h = m ? sip_hdr_first(m, SIP_H_REASON) : NULL; h; h = sip_hdr_next(m, h)) {
        sip_scan sc = sip_scan_of(h->value);
        for (int i = 0; i < 16 && !sip_scan_eof(&sc); i++) {
            if (!parse_value(&sc, &r))
                break;
            if (!have || pl_str_casecmp_eq(r.protocol, PL_STR_LIT("SIP"))) {
                bool sip = pl_str_casecmp_eq(r.protocol, PL_STR_LIT("SIP"));
                *out = r;
                have = true;
                if (sip)
                    return 0;
            }
            if (!sip_scan_sep(&sc, ','))
                break;
        }
    }
    return have ? 0 : PARLEY_E_NOTFOUND;
}
