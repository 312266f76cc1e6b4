/* The Replaces header (RFC 3891 §6.1). */
#include "sip/replaces.h"

#include "sip/scan.h"

/* gen-value = token / host / quoted-string: an IPv6 reference is the one host that is no token. */
static bool skip_gen_value(sip_scan *s)
{
    if (sip_scan_peek(s) == '"') {
        pl_str q;
        return sip_scan_quoted(s, &q);
    }
    if (sip_scan_peek(s) == '[') {
        while (!sip_scan_eof(s) && *s->p != ']')
            s->p++;
        if (sip_scan_eof(s))
            return false;
        s->p++;
        return true;
    }
    return sip_scan_token(s).len > 0;
}

/* One tag parameter's value into *slot: a token, the parameter given once. */
static bool take_tag(sip_scan *s, pl_str *slot)
{
    if (slot->p || !sip_scan_sep(s, '='))
        return false;
    *slot = sip_scan_token(s);
    return slot->len > 0;
}

bool sip_replaces_parse(pl_str value, sip_replaces *out)
{
    *out = (sip_replaces){PL_STR_NULL, PL_STR_NULL, PL_STR_NULL, false};
    sip_scan s = sip_scan_of(value);
    sip_scan_lws(&s);
    /* callid = word [ "@" word ] */
    const char *start = s.p;
    pl_str w = sip_scan_class(&s, SIP_C_WORD);
    if (w.len && sip_scan_peek(&s) == '@') {
        s.p++;
        w = sip_scan_class(&s, SIP_C_WORD);
    }
    if (!w.len)
        return false;
    out->call_id = pl_str_span(start, s.p);
    bool early_seen = false;
    while (sip_scan_sep(&s, ';')) {
        pl_str name = sip_scan_token(&s);
        if (pl_str_caseeq_lit(name, "to-tag")) {
            if (!take_tag(&s, &out->to_tag))
                return false;
        } else if (pl_str_caseeq_lit(name, "from-tag")) {
            if (!take_tag(&s, &out->from_tag))
                return false;
        } else if (pl_str_caseeq_lit(name, "early-only")) {
            if (early_seen || sip_scan_sep(&s, '='))
                return false; /* a flag: once, no value */
            early_seen = out->early_only = true;
        } else if (!name.len || (sip_scan_sep(&s, '=') && !skip_gen_value(&s))) {
            return false;
        }
    }
    sip_scan_lws(&s);
    return sip_scan_eof(&s) && out->to_tag.len && out->from_tag.len;
}
