/*
 * Reading the extension headers the session needs: option tags (Supported, Require), Allow,
 * Session-Expires and Min-SE (RFC 4028), RSeq and RAck (RFC 3262). Values that do not parse
 * count as absent; numbers are bounded.
 */
#include <string.h>

#include "session/sess.h"
#include "sip/scan.h"
#include "sip/uri.h"

/* Each comma-separated item of the header fields id (trimmed) until fn returns true. */
static bool any_item(const sip_msg *m, sip_hdr_id id, bool (*fn)(pl_str item, const void *arg),
                     const void *arg)
{
    for (const sip_hdr *h = m ? sip_hdr_first(m, id) : NULL; h; h = sip_hdr_next(m, h)) {
        pl_str v = h->value, item;
        for (int i = 0; i < 64 && sip_list_next(&v, &item); i++)
            if (item.len && fn(item, arg))
                return true;
    }
    return false;
}

static bool same_word(pl_str item, const void *arg)
{
    return pl_str_casecmp_eq(item, pl_str_c(arg));
}

bool sess_has_option(const sip_msg *m, sip_hdr_id id, const char *tag)
{
    return any_item(m, id, same_word, tag);
}

bool sess_msg_allows(const sip_msg *m, const char *method)
{
    return any_item(m, SIP_H_ALLOW, same_word, method);
}

bool sess_msg_has_allow(const sip_msg *m)
{
    return m && sip_hdr_first(m, SIP_H_ALLOW) != NULL;
}

/* A media range that admits application/sdp with a q-value above 0. */
static bool admits_sdp(pl_str item, const void *arg)
{
    (void)arg;
    pl_str params;
    pl_str range = sip_value_head(item, &params);
    const char *slash = memchr(range.p, '/', range.len);
    if (!slash)
        return false;
    pl_str type = pl_str_trim(pl_str_span(range.p, slash));
    pl_str sub = pl_str_trim(pl_str_span(slash + 1, range.p + range.len));
    bool any_type = pl_str_caseeq_lit(type, "*");
    if (!(any_type ? pl_str_caseeq_lit(sub, "*")
                   : pl_str_caseeq_lit(type, "application") &&
                         (pl_str_caseeq_lit(sub, "sdp") || pl_str_caseeq_lit(sub, "*"))))
        return false;
    /* its q-value: q=0 (0, 0.0, 0.00, 0.000) says "not this one" */
    pl_str q;
    if (!sip_param_find(params, "q", &q))
        return true;
    bool zero = q.len && q.p[0] == '0';
    for (size_t i = 1; zero && i < q.len; i++)
        zero = q.p[i] == '0' || (i == 1 && q.p[i] == '.');
    return !zero;
}

bool sess_accepts_sdp(const sip_msg *m)
{
    return !sip_hdr_first(m, SIP_H_ACCEPT) || any_item(m, SIP_H_ACCEPT, admits_sdp, NULL);
}

/* A decimal number of at most 10 digits that fits in 32 bits. */
static bool number(pl_str s, uint32_t *out)
{
    if (!s.len || s.len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    if (v > 0xffffffffu)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool sess_session_expires(const sip_msg *m, unsigned *delta, sess_refresher *who)
{
    const sip_hdr *h = m ? sip_hdr_first(m, SIP_H_SESSION_EXPIRES) : NULL;
    return h && sess_session_expires_value(h->value, delta, who);
}

bool sess_session_expires_value(pl_str value, unsigned *delta, sess_refresher *who)
{
    sip_scan sc = sip_scan_of(value);
    sip_scan_lws(&sc);
    pl_str digits = sip_scan_class(&sc, SIP_C_DIGIT);
    uint32_t v;
    if (!number(digits, &v) || v == 0)
        return false;
    *delta = v;
    *who = SESS_REFRESHER_NONE;
    while (sip_scan_sep(&sc, ';')) {
        pl_str name = sip_scan_token(&sc);
        if (!sip_scan_sep(&sc, '='))
            continue;
        pl_str val = sip_scan_token(&sc);
        if (pl_str_casecmp_eq(name, PL_STR_LIT("refresher"))) {
            if (pl_str_casecmp_eq(val, PL_STR_LIT("uac")))
                *who = SESS_REFRESHER_UAC;
            else if (pl_str_casecmp_eq(val, PL_STR_LIT("uas")))
                *who = SESS_REFRESHER_UAS;
        }
    }
    return true;
}

unsigned sess_min_se(const sip_msg *m)
{
    const sip_hdr *h = m ? sip_hdr_first(m, SIP_H_MIN_SE) : NULL;
    if (!h)
        return 0;
    sip_scan sc = sip_scan_of(h->value);
    sip_scan_lws(&sc);
    uint32_t v;
    return number(sip_scan_class(&sc, SIP_C_DIGIT), &v) ? v : 0;
}

bool sess_rseq(const sip_msg *m, uint32_t *rseq)
{
    const sip_hdr *h = m ? sip_hdr_first(m, SIP_H_RSEQ) : NULL;
    return h && number(pl_str_trim(h->value), rseq) && *rseq > 0;
}

bool sess_rack(const sip_msg *m, uint32_t *rseq, uint32_t *cseq, pl_str *method)
{
    const sip_hdr *h = m ? sip_hdr_first(m, SIP_H_RACK) : NULL;
    if (!h)
        return false;
    sip_scan sc = sip_scan_of(h->value);
    sip_scan_lws(&sc);
    if (!number(sip_scan_class(&sc, SIP_C_DIGIT), rseq) || !sip_scan_lws(&sc) ||
        !number(sip_scan_class(&sc, SIP_C_DIGIT), cseq) || !sip_scan_lws(&sc))
        return false;
    *method = sip_scan_token(&sc);
    return method->len > 0;
}

void sess_note_peer(parley_session *s, const sip_msg *m)
{
    if (sess_msg_has_allow(m))
        s->peer_update = sess_msg_allows(m, "UPDATE");
    if (sess_has_option(m, SIP_H_SUPPORTED, "100rel") ||
        sess_has_option(m, SIP_H_REQUIRE, "100rel"))
        s->peer_100rel = true;
    if (sess_has_option(m, SIP_H_SUPPORTED, "timer") || sess_has_option(m, SIP_H_REQUIRE, "timer"))
        s->peer_timer = true;
}
