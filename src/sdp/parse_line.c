/*
 * The typed lines of a description: o=, c=, m=, b=, t=, r=, z=.
 *
 * Tolerances here: "IN"/"IP4"/"IP6" in any case; '_' in host names; a /ttl on a unicast IPv4
 * address is read as written (the grammar ties it to multicast); an IPv6 literal in brackets
 * (SIPp writes "o=... IN IP6 [::1]"): kept as written in o=, read without them in c=.
 */
#include <stdint.h>

#include "sdp/parse_int.h"

static bool is_digits(pl_str s)
{
    if (!s.len)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

/* non-ws-string = 1*(VCHAR / %x80-FF): fields split on blanks hold no SP/HT already. */
static bool is_vchars(pl_str s)
{
    if (!s.len)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.p[i] < 0x21 || s.p[i] == 0x7f)
            return false;
    return true;
}

/* "IN IP4 " then an IPv4 literal to the end: the address, or an empty slice. */
static pl_str inet4_tail(const char *p, const char *e)
{
    if (e - p < 8 || memcmp(p, "IN IP4 ", 7) != 0)
        return PL_STR_NULL;
    pl_str a = pl_str_span(p + 7, e);
    return sdp_is_ip4_literal(a) ? a : PL_STR_NULL;
}

/* o=<user> <digits> <digits> IN IP4 <IPv4 literal> */
static bool origin_fast(parley_sdp_origin *o, const char *p, const char *e)
{
    /* non-ws-string: VCHAR / %x80-FF, i.e. neither a control byte nor SP */
    const char *u = p;
    while (p < e && ((unsigned char)*p > 0x20 && *p != 0x7f))
        p++;
    if (p == u || p == e || *p != ' ')
        return false;
    o->username = pl_str_span(u, p);
    uint64_t id, ver;
    const char *q = sdp_digits(++p, e, 19, &id);
    if (!q || q == e || *q != ' ')
        return false;
    o->sess_id = pl_str_span(p, q);
    p = sdp_digits(q + 1, e, 18, &ver); /* 18 digits cannot overflow */
    if (!p || p == e || *p != ' ')
        return false;
    o->sess_version = ver;
    o->address = inet4_tail(p + 1, e);
    if (!o->address.len)
        return false;
    o->nettype = pl_str_make(p + 1, 2);
    o->addrtype = pl_str_make(p + 4, 3);
    o->family = PARLEY_SDP_ADDR_IP4;
    return true;
}

int sdp_parse_origin(sdp_pstate *st, pl_str v)
{
    const char *p = v.p, *e = v.p + v.len;
    parley_sdp_origin *o = &st->s->origin;
    if (origin_fast(o, p, e))
        return 0;
    o->username = sdp_field(&p, e);
    o->sess_id = sdp_field(&p, e);
    pl_str ver = sdp_field(&p, e);
    o->nettype = sdp_field(&p, e);
    o->addrtype = sdp_field(&p, e);
    o->address = sdp_field(&p, e);
    if (!o->address.len)
        return sdp_fail(st, PARLEY_E_PARSE, e, "o=", "o= needs six fields");
    if (sdp_field(&p, e).len)
        return sdp_fail(st, PARLEY_E_PARSE, o->address.p + o->address.len,
                        "o=", "too many fields in o=");
    if (!is_vchars(o->username))
        return sdp_fail(st, PARLEY_E_PARSE, o->username.p, "o=", "invalid username");
    if (!is_digits(o->sess_id))
        return sdp_fail(st, PARLEY_E_PARSE, o->sess_id.p, "o=", "sess-id is not a number");
    if (!sdp_u64(ver, UINT64_MAX, &o->sess_version))
        return sdp_fail(st, PARLEY_E_PARSE, ver.p,
                        "o=", "sess-version is not a number or too large");
    /* the address only names the origin: a bracketed IPv6 literal is kept as written */
    o->family = sdp_check_addr(o->nettype, o->addrtype, sdp_unbracket(o->addrtype, o->address));
    if (o->family < 0)
        return sdp_fail(st, PARLEY_E_PARSE, o->nettype.p, "o=", "invalid address");
    return 0;
}

/* Splits "addr/a[/b]" at its slashes; returns the number of suffixes (0-2) or -1. */
static int split_slashes(pl_str all, pl_str *addr, pl_str sfx[2])
{
    const char *s1 = memchr(all.p, '/', all.len);
    if (!s1) {
        *addr = all;
        return 0;
    }
    *addr = pl_str_span(all.p, s1);
    const char *end = all.p + all.len;
    const char *s2 = memchr(s1 + 1, '/', (size_t)(end - s1 - 1));
    sfx[0] = pl_str_span(s1 + 1, s2 ? s2 : end);
    if (!s2)
        return 1;
    sfx[1] = pl_str_span(s2 + 1, end);
    return memchr(sfx[1].p, '/', sfx[1].len) ? -1 : 2;
}

int sdp_parse_conn(sdp_pstate *st, pl_str v, parley_sdp_conn *c)
{
    const char *p = v.p, *e = v.p + v.len;
    c->address = inet4_tail(p, e); /* no '/' suffix: an IPv4 literal has none */
    if (c->address.len) {
        c->nettype = pl_str_make(p, 2);
        c->addrtype = pl_str_make(p + 3, 3);
        c->family = PARLEY_SDP_ADDR_IP4;
        c->ttl = -1;
        c->count = 0;
        return 0;
    }
    c->nettype = sdp_field(&p, e);
    c->addrtype = sdp_field(&p, e);
    pl_str all = sdp_field(&p, e);
    c->ttl = -1;
    c->count = 0;
    if (!all.len)
        return sdp_fail(st, PARLEY_E_PARSE, e, "c=", "c= needs three fields");
    if (sdp_field(&p, e).len)
        return sdp_fail(st, PARLEY_E_PARSE, all.p + all.len, "c=", "too many fields in c=");
    all = sdp_unbracket(c->addrtype, all); /* (no '/' suffix after the brackets) */
    c->address = all;
    bool in = pl_str_caseeq_lit(c->nettype, "IN");
    bool ip4 = in && pl_str_caseeq_lit(c->addrtype, "IP4");
    bool ip6 = in && pl_str_caseeq_lit(c->addrtype, "IP6");
    if (ip4 || ip6) {
        pl_str sfx[2];
        int n = split_slashes(all, &c->address, sfx);
        uint64_t a, b;
        if (n < 0 || (ip6 && n > 1))
            return sdp_fail(st, PARLEY_E_PARSE, all.p, "c=", "too many '/' suffixes");
        if (n >= 1 && !sdp_u64(sfx[0], ip4 ? 255 : 65535, &a))
            return sdp_fail(st, PARLEY_E_PARSE, sfx[0].p,
                            "c=", ip4 ? "invalid TTL" : "invalid address count");
        if (n == 2 && (!sdp_u64(sfx[1], 65535, &b) || b == 0))
            return sdp_fail(st, PARLEY_E_PARSE, sfx[1].p, "c=", "invalid address count");
        if (ip4 && n >= 1)
            c->ttl = (int)a;
        if (ip6 && n == 1) {
            if (a == 0)
                return sdp_fail(st, PARLEY_E_PARSE, sfx[0].p, "c=", "invalid address count");
            c->count = (unsigned)a;
        }
        if (n == 2)
            c->count = (unsigned)b;
    }
    c->family = sdp_check_addr(c->nettype, c->addrtype, c->address);
    if (c->family < 0)
        return sdp_fail(st, PARLEY_E_PARSE, c->nettype.p, "c=", "invalid address");
    return 0;
}

/* token *("/" token), and whether one of its tokens is "RTP" (sdp_proto_is_rtp) in one pass. */
bool sdp_proto_ok(pl_str s, bool *rtp)
{
    if (s.len == 7 && memcmp(s.p, "RTP/AVP", 7) == 0) {
        *rtp = true;
        return true;
    }
    *rtp = false;
    size_t start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i == s.len || s.p[i] == '/') {
            if (i == start)
                return false;
            if (i - start == 3 && memcmp(s.p + start, "RTP", 3) == 0)
                *rtp = true;
            start = i + 1;
        } else if (!sdp_is(s.p[i], SDP_C_TOKEN)) {
            return false;
        }
    }
    return true;
}

static int add_format(sdp_pstate *st, parley_sdp_media *m, pl_str fmt, bool rtp)
{
    uint64_t pt;
    if (rtp && sdp_u64(fmt, 127, &pt)) { /* digits: a token */
        if (!sdp_add_pt(st, &st->fmts[st->nfmts], fmt, (unsigned)pt))
            return sdp_fail(st, PARLEY_E_PARSE, fmt.p, "m=", "payload type listed twice");
        st->nfmts++;
        return 0;
    }
    if (!sdp_is_token(fmt))
        return sdp_fail(st, PARLEY_E_PARSE, fmt.p, "m=", "invalid format");
    if (rtp)
        return sdp_fail(st, PARLEY_E_PARSE, fmt.p,
                        "m=", "RTP payload type is not a number from 0 to 127");
    parley_sdp_format *f = &st->fmts[st->nfmts++];
    memset(f, 0, sizeof(*f));
    f->fmt = fmt;
    f->pt = -1;
    m->nfmts++;
    return 0;
}

const char *sdp_media_scan(sdp_pstate *st, parley_sdp_media *m, parley_sdp_format *fmts, size_t cap,
                           const char *p, const char *end)
{
    const char *q = sdp_span(p, end, SDP_C_TOKEN);
    if (q == p || q == end || *q != ' ')
        return NULL;
    m->media = pl_str_span(p, q);
    uint64_t port;
    p = sdp_digits(q + 1, end, 5, &port);
    if (!p || port > 65535 || end - p < 10 || memcmp(p, " RTP/AVP ", 9) != 0)
        return NULL;
    m->port = (uint16_t)port;
    m->proto = pl_str_make(p + 1, 7);
    st->m_rtp = true;
    st->pt_seen[0] = st->pt_seen[1] = 0;
    p += 9;
    for (;;) {
        uint64_t pt;
        q = sdp_digits(p, end, 3, &pt);
        if (!q || pt > 127 || st->nfmts == cap)
            return NULL;
        if (!sdp_add_pt(st, &fmts[st->nfmts], pl_str_span(p, q), (unsigned)pt))
            return NULL;
        st->nfmts++;
        if (q == end || *q != ' ')
            return q;
        p = q + 1;
    }
}

int sdp_parse_media(sdp_pstate *st, pl_str v, parley_sdp_media *m)
{
    const char *p = v.p, *e = v.p + v.len;
    size_t nfmts = st->nfmts;
    if (sdp_media_scan(st, m, st->fmts, SIZE_MAX, p, e) == e) /* the usual form, whole */
        return 0;
    st->nfmts = nfmts; /* the general path starts again from the line's start */
    m->nfmts = 0;
    m->media = sdp_field(&p, e);
    pl_str port = sdp_field(&p, e);
    m->proto = sdp_field(&p, e);
    if (!m->proto.len)
        return sdp_fail(st, PARLEY_E_PARSE, e, "m=", "m= needs media, port and protocol");
    if (!sdp_is_token(m->media))
        return sdp_fail(st, PARLEY_E_PARSE, m->media.p, "m=", "invalid media type");
    uint64_t v64;
    if (!sdp_u64(port, 65535, &v64)) { /* the usual form first: no /<number of ports> */
        pl_str sfx[2], num;
        int n = split_slashes(port, &num, sfx);
        if (n != 1 || !sdp_u64(num, 65535, &v64))
            return sdp_fail(st, PARLEY_E_PARSE, port.p, "m=", "invalid port");
        m->port = (uint16_t)v64;
        if (!sdp_u64(sfx[0], 65535, &v64) || v64 == 0)
            return sdp_fail(st, PARLEY_E_PARSE, sfx[0].p, "m=", "invalid number of ports");
        m->nports = (unsigned)v64;
    } else {
        m->port = (uint16_t)v64;
    }
    bool rtp;
    if (!sdp_proto_ok(m->proto, &rtp))
        return sdp_fail(st, PARLEY_E_PARSE, m->proto.p, "m=", "invalid protocol");
    st->m_rtp = rtp;
    st->pt_seen[0] = st->pt_seen[1] = 0;
    for (;;) {
        pl_str fmt = sdp_field(&p, e);
        if (!fmt.len)
            break;
        int rc = add_format(st, m, fmt, rtp);
        if (rc)
            return rc;
    }
    if (!m->nfmts && m->port)
        return sdp_fail(st, PARLEY_E_PARSE, e, "m=", "m= line without formats");
    return 0;
}

int sdp_parse_bw(sdp_pstate *st, pl_str v, parley_sdp_bw *b)
{
    const char *colon = memchr(v.p, ':', v.len);
    if (!colon)
        return sdp_fail(st, PARLEY_E_PARSE, v.p, "b=", "b= needs <type>:<bandwidth>");
    b->type = pl_str_span(v.p, colon);
    pl_str val = pl_str_span(colon + 1, v.p + v.len);
    if (!sdp_is_token(b->type))
        return sdp_fail(st, PARLEY_E_PARSE, v.p, "b=", "invalid bandwidth type");
    if (!sdp_u64(val, UINT64_MAX, &b->value))
        return sdp_fail(st, PARLEY_E_PARSE, val.p, "b=", "invalid bandwidth");
    return 0;
}

int sdp_parse_time(sdp_pstate *st, pl_str v, parley_sdp_time *t)
{
    const char *p = v.p, *e = v.p + v.len;
    if (v.len == 3 && memcmp(p, "0 0", 3) == 0) {
        t->start = t->stop = 0;
        return 0;
    }
    pl_str start = sdp_field(&p, e), stop = sdp_field(&p, e);
    if (!sdp_u64(start, UINT64_MAX, &t->start) || !sdp_u64(stop, UINT64_MAX, &t->stop))
        return sdp_fail(st, PARLEY_E_PARSE, v.p, "t=", "t= needs two times");
    if (sdp_field(&p, e).len)
        return sdp_fail(st, PARLEY_E_PARSE, stop.p + stop.len, "t=", "too many fields in t=");
    return 0;
}

/* typed-time = 1*DIGIT [fixed-len-time-unit], with an optional leading '-' when neg is set */
static bool is_typed_time(pl_str s, bool neg)
{
    if (neg && s.len && s.p[0] == '-')
        s = pl_str_make(s.p + 1, s.len - 1);
    if (s.len && strchr("dhms", s.p[s.len - 1]))
        s.len--;
    return is_digits(s) && s.len <= 20;
}

int sdp_parse_repeat(sdp_pstate *st, pl_str v)
{
    const char *p = v.p, *e = v.p + v.len;
    unsigned n = 0;
    for (pl_str f; (f = sdp_field(&p, e)).len; n++)
        if (!is_typed_time(f, false))
            return sdp_fail(st, PARLEY_E_PARSE, f.p, "r=", "invalid time");
    if (n < 3)
        return sdp_fail(st, PARLEY_E_PARSE, v.p,
                        "r=", "r= needs an interval, a duration and an offset");
    return 0;
}

int sdp_parse_zone(sdp_pstate *st, pl_str v)
{
    const char *p = v.p, *e = v.p + v.len;
    unsigned n = 0;
    for (pl_str f; (f = sdp_field(&p, e)).len; n++) {
        bool ok = (n % 2 == 0) ? is_digits(f) && f.len <= 20 : is_typed_time(f, true);
        if (!ok)
            return sdp_fail(st, PARLEY_E_PARSE, f.p, "z=", "invalid adjustment");
    }
    if (n == 0 || n % 2)
        return sdp_fail(st, PARLEY_E_PARSE, v.p, "z=", "z= needs time and offset pairs");
    return 0;
}
