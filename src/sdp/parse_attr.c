/*
 * a= lines. Every attribute is kept in order as (name, value); the well-known ones also fill the
 * typed views: direction (RFC 3264 §5.1), rtpmap and fmtp (RFC 4566 §6), ptime and maxptime,
 * rtcp (RFC 3605), rtcp-mux (RFC 5761).
 *
 * Tolerances: blanks after the ':' of a typed attribute; a=fmtp without parameters; a=ptime
 * with a fraction ("20.0", read as 20); a=rtpmap or a=fmtp naming a format that is not on the m=
 * line (kept, not linked); a dynamic payload type without a=rtpmap (encoding left empty).
 */
#include "sdp/parse_int.h"

static parley_sdp_format *find_format(sdp_pstate *st, pl_str fmt, const char *what, int *rc)
{
    parley_sdp_media *m = st->m;
    *rc = 0;
    if (st->m_rtp) {
        uint64_t pt;
        if (!sdp_u64(fmt, 127, &pt)) {
            *rc = sdp_fail(st, PARLEY_E_PARSE, fmt.p, what,
                           "payload type is not a number from 0 to 127");
            return NULL;
        }
        return sdp_pt_format(st, (unsigned)pt);
    }
    if (!fmt.len) {
        *rc = sdp_fail(st, PARLEY_E_PARSE, fmt.p, what, "missing format");
        return NULL;
    }
    for (size_t i = 0; i < m->nfmts; i++)
        if (pl_str_eq(m->fmts[i].fmt, fmt))
            return (parley_sdp_format *)&m->fmts[i];
    return NULL;
}

/* a=rtpmap:<pt> <token>/<digits>[/<token>] with the payload type on an RTP m= line and no
 * a=rtpmap for it yet. */
static bool rtpmap_fast(sdp_pstate *st, const char *p, const char *e)
{
    uint64_t pt, rate;
    const char *q = sdp_digits(p, e, 3, &pt);
    if (!st->m_rtp || !q || pt > 127 || q == e || *q != ' ')
        return false;
    const char *enc = q + 1, *slash = sdp_span(enc, e, SDP_C_TOKEN);
    if (slash == enc || slash == e || *slash != '/')
        return false;
    const char *r = slash + 1;
    q = sdp_digits(r, e, 9, &rate); /* 9 digits fit in 32 bits */
    if (!q)
        return false;
    pl_str params = PL_STR_NULL;
    if (q < e) {
        if (*q != '/')
            return false;
        const char *pe = sdp_span(q + 1, e, SDP_C_TOKEN);
        if (pe == q + 1 || pe != e)
            return false;
        params = pl_str_span(q + 1, e);
    }
    parley_sdp_format *f = sdp_pt_format(st, (unsigned)pt);
    if (!f)
        return true; /* a format not on the m= line: kept, not linked */
    if (f->has_rtpmap)
        return false;
    f->has_rtpmap = 1;
    f->encoding = pl_str_span(enc, slash);
    f->rate = (uint32_t)rate;
    f->enc_params = params;
    uint64_t ch = 0;
    f->channels = params.p && sdp_u64(params, 255, &ch) ? (unsigned)ch : 0;
    return true;
}

/* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] */
static int parse_rtpmap(sdp_pstate *st, pl_str v)
{
    const char *p = v.p, *e = v.p + v.len;
    if (rtpmap_fast(st, p, e))
        return 0;
    pl_str fmt = sdp_field(&p, e), map = sdp_field(&p, e);
    if (!map.len || sdp_field(&p, e).len)
        return sdp_fail(st, PARLEY_E_PARSE, v.p, "a=rtpmap",
                        "a=rtpmap needs <payload type> <encoding>/<rate>");
    const char *end = map.p + map.len;
    const char *s1 = memchr(map.p, '/', map.len);
    if (!s1 && sdp_is_token(map))
        return 0; /* a name without a clock rate (a=rtpmap:31 LPC in RFC 4475's messages):
                     kept as written, not linked; the format stays as the m= line has it */
    if (!s1)
        return sdp_fail(st, PARLEY_E_PARSE, map.p, "a=rtpmap", "missing clock rate");
    pl_str enc = pl_str_span(map.p, s1);
    const char *s2 = memchr(s1 + 1, '/', (size_t)(end - s1 - 1));
    pl_str rate = pl_str_span(s1 + 1, s2 ? s2 : end);
    pl_str params = s2 ? pl_str_span(s2 + 1, end) : PL_STR_NULL;
    uint64_t r;
    if (!sdp_is_token(enc))
        return sdp_fail(st, PARLEY_E_PARSE, enc.p, "a=rtpmap", "invalid encoding name");
    if (!sdp_u64(rate, UINT32_MAX, &r))
        return sdp_fail(st, PARLEY_E_PARSE, rate.p, "a=rtpmap", "invalid clock rate");
    if (s2 && !sdp_is_token(params))
        return sdp_fail(st, PARLEY_E_PARSE, params.p, "a=rtpmap", "invalid encoding parameters");
    int rc;
    parley_sdp_format *f = find_format(st, fmt, "a=rtpmap", &rc);
    if (!f)
        return rc;
    if (f->has_rtpmap)
        return sdp_fail(st, PARLEY_E_PARSE, fmt.p, "a=rtpmap", "a=rtpmap repeated for a format");
    f->has_rtpmap = 1;
    f->encoding = enc;
    f->rate = (uint32_t)r;
    f->enc_params = params;
    uint64_t ch = 0;
    f->channels = params.p && sdp_u64(params, 255, &ch) ? (unsigned)ch : 0;
    return 0;
}

/* a=fmtp:<format> <format specific parameters> */
static int parse_fmtp(sdp_pstate *st, pl_str v)
{
    const char *p = v.p, *e = v.p + v.len;
    pl_str fmt = sdp_field(&p, e);
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    int rc;
    parley_sdp_format *f = find_format(st, fmt, "a=fmtp", &rc);
    if (!f)
        return rc;
    if (f->fmtp.p)
        return sdp_fail(st, PARLEY_E_PARSE, fmt.p, "a=fmtp", "a=fmtp repeated for a format");
    f->fmtp = pl_str_span(p, e);
    return 0;
}

/* milliseconds: 1*DIGIT, a fraction tolerated and dropped */
static int parse_ms(sdp_pstate *st, pl_str v, const char *what, unsigned *out)
{
    pl_str t = pl_str_trim(v);
    const char *dot = memchr(t.p, '.', t.len);
    pl_str whole = dot ? pl_str_span(t.p, dot) : t;
    uint64_t ms, frac;
    if (!sdp_u64(whole, 100000, &ms) ||
        (dot && !sdp_u64(pl_str_span(dot + 1, t.p + t.len), UINT64_MAX, &frac)))
        return sdp_fail(st, PARLEY_E_PARSE, v.p, what, "invalid milliseconds");
    *out = (unsigned)ms;
    return 0;
}

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] */
static int parse_rtcp(sdp_pstate *st, pl_str v)
{
    parley_sdp_media *m = st->m;
    const char *p = v.p, *e = v.p + v.len;
    pl_str port = sdp_field(&p, e), net = sdp_field(&p, e), at = sdp_field(&p, e),
           addr = sdp_unbracket(at, sdp_field(&p, e));
    uint64_t n;
    if (!sdp_u64(port, 65535, &n))
        return sdp_fail(st, PARLEY_E_PARSE, v.p, "a=rtcp", "invalid port");
    if (net.len && (!addr.len || sdp_field(&p, e).len || sdp_check_addr(net, at, addr) < 0))
        return sdp_fail(st, PARLEY_E_PARSE, net.p, "a=rtcp", "invalid address");
    m->rtcp_port = (uint16_t)n;
    m->rtcp_addr = net.len ? addr : PL_STR_NULL;
    return 0;
}

int sdp_parse_attr(sdp_pstate *st, pl_str v, parley_sdp_attr *a)
{
    /* The name runs to the first ':'; ':' is no token-char, so the scan for the name's end
     * checks it on the way: stopping anywhere else than at ':' or the end means a bad name. */
    const char *q = v.p, *e = v.p + v.len;
    while (q < e && sdp_is(*q, SDP_C_TOKEN))
        q++;
    const char *colon = q < e && *q == ':' ? q : NULL;
    if (q == v.p || (q < e && !colon))
        return sdp_fail(st, PARLEY_E_PARSE, v.p, "a=", "invalid attribute name");
    a->name = pl_str_span(v.p, q);
    a->value = colon ? pl_str_span(colon + 1, e) : PL_STR_NULL;
    parley_sdp_media *m = st->m;
    parley_sdp_dir d = sdp_dir_from(a->name);
    if (d != PARLEY_SDP_DIR_UNSET) {
        if (a->value.p)
            return sdp_fail(st, PARLEY_E_PARSE, colon, "a=", "direction attribute with a value");
        if (m ? m->dir_explicit : st->s->dir != PARLEY_SDP_DIR_UNSET)
            return sdp_fail(st, PARLEY_E_PARSE, v.p, "a=", "more than one direction attribute");
        if (m) {
            m->dir = d;
            m->dir_explicit = 1;
        } else {
            st->s->dir = d;
        }
        return 0;
    }
    if (!m)
        return 0;
    pl_str n = a->name, val = a->value;
    if (!val.p) /* typed parsers report a missing value as an empty one, right after the name */
        val = pl_str_make(n.p + n.len, 0);
    switch (n.len) {
    case 4:
        if (memcmp(n.p, "fmtp", 4) == 0)
            return parse_fmtp(st, val);
        if (memcmp(n.p, "rtcp", 4) == 0)
            return parse_rtcp(st, val);
        break;
    case 5:
        if (memcmp(n.p, "ptime", 5) == 0)
            return parse_ms(st, val, "a=ptime", &m->ptime);
        break;
    case 6:
        if (memcmp(n.p, "rtpmap", 6) == 0)
            return parse_rtpmap(st, val);
        break;
    case 8:
        if (memcmp(n.p, "maxptime", 8) == 0)
            return parse_ms(st, val, "a=maxptime", &m->maxptime);
        if (memcmp(n.p, "rtcp-mux", 8) == 0)
            m->rtcp_mux = 1;
        break;
    default:
        break;
    }
    return 0;
}
