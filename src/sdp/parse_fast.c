/*
 * The usual form of a description read in one pass: what phones, SIPp and parley itself write.
 * Lines v=0, o= and c= with "IN IP4" and an IPv4 literal, s=, t=0 0, m= lines of RTP/AVP with
 * payload type numbers, a= lines (rtpmap, fmtp, ptime and directions read here, the others by
 * the general attribute parser), single SP between fields, no trailing blanks, no empty lines.
 *
 * Each line is scanned once, its end found by the scan of its last field; the model and its
 * arrays are built on the stack with slices into the caller's text, then moved into one block
 * of the exact size, as the general parser makes it. Anything else, valid or not, returns 1 and
 * the general parser (parse.c) reads the text from its start: it gives the same model for what
 * this file accepts, and the faults, in their order, for what it does not.
 */
#include "sdp/parse_int.h"

typedef sdp_scratch fast;
#define F_MEDIA SDP_SCR_MEDIA
#define F_FMTS  SDP_SCR_FMTS
#define F_ATTRS SDP_SCR_ATTRS
#define F_CONNS SDP_SCR_CONNS

static uint32_t bit(char type)
{
    return 1u << (type - 'a');
}

/* The start of the next line when p ends this one (CRLF, LF, or the end of the text, where a
 * lone CR also ends it), else NULL. */
static inline const char *eol(const char *p, const char *end)
{
    if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
        return p + 2;
    if (p == end)
        return end;
    if (*p == '\n')
        return p + 1;
    if (*p == '\r' && (p + 1 == end || p[1] == '\n'))
        return p + 1 == end ? end : p + 2;
    return NULL;
}

/* Free text from p to the end of the line, trailing blanks dropped: its end, or NULL when it
 * holds a CR (the general parser reports it). */
static const char *text_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *raw = nl ? nl : end;
    if (raw > p && raw[-1] == '\r')
        raw--;
    if (raw > p && memchr(p, '\r', (size_t)(raw - p)))
        return NULL;
    while (raw > p && sdp_is(raw[-1], SDP_C_BLANK))
        raw--;
    return raw;
}

/* A dotted quad at p (sdp_is_ip4_literal() in the scan): its end, or NULL. */
static const char *ip4_literal(const char *q, const char *end)
{
    for (int part = 0; part < 4; part++) {
        if (part && (q == end || *q++ != '.'))
            return NULL;
        const char *s = q;
        unsigned v = 0;
        while (q < end && q - s < 3 && (unsigned)(*q - '0') <= 9)
            v = v * 10 + (unsigned)(*q++ - '0');
        if (q == s || v > 255)
            return NULL;
    }
    return q;
}

/* "IN IP4 <IPv4 literal or host name>": the end of the address, or NULL. The caller wants the
 * line to end there: "1.2.3.4/127" or "1.2.3.4.5" are left to the general parser. */
static const char *inet4(const char *p, const char *end, pl_str *net, pl_str *type, pl_str *addr,
                         const pl_str *known)
{
    if (end - p < 8 || memcmp(p, "IN IP4 ", 7) != 0)
        return NULL;
    const char *a = p + 7, *q;
    if (known->len && (size_t)(end - a) >= known->len && memcmp(a, known->p, known->len) == 0 &&
        (end - a == (ptrdiff_t)known->len || !sdp_is(a[known->len], SDP_C_HOST))) {
        q = a + known->len; /* the address of the o= line again (c= mostly): checked there */
    } else if (!(q = ip4_literal(a, end)) || (q < end && sdp_is(*q, SDP_C_HOST))) {
        /* a host name: one letter at least */
        unsigned cls = 0;
        for (q = a; q < end && sdp_is(*q, SDP_C_HOST); q++)
            cls |= sdp_chars[(unsigned char)*q];
        if (!(cls & SDP_C_ALPHA))
            return NULL;
    }
    *addr = pl_str_span(a, q);
    *net = pl_str_make(p, 2);
    *type = pl_str_make(p + 3, 3);
    return q;
}

/* o=<user> <digits> <digits> IN IP4 <IPv4 literal> */
static const char *origin(parley_sdp_origin *o, const char *p, const char *end)
{
    const char *u = p;
    while (p < end && ((unsigned char)*p > 0x20 && *p != 0x7f)) /* non-ws-string */
        p++;
    if (p == u || p == end || *p != ' ')
        return NULL;
    o->username = pl_str_span(u, p);
    const char *id = ++p;
    p = sdp_span(p, end, SDP_C_DIGIT);
    if (p == id || p == end || *p != ' ')
        return NULL;
    o->sess_id = pl_str_span(id, p);
    uint64_t ver;
    p = sdp_digits(p + 1, end, 18, &ver); /* 18 digits cannot overflow */
    if (!p || p == end || *p != ' ')
        return NULL;
    o->sess_version = ver;
    o->family = PARLEY_SDP_ADDR_IP4;
    static const pl_str none = {NULL, 0};
    return inet4(p + 1, end, &o->nettype, &o->addrtype, &o->address, &none);
}

/* m=<token> <port> RTP/AVP <pt>( <pt>)* */
static const char *media(fast *f, const char *p, const char *end)
{
    sdp_pstate *st = &f->st;
    parley_sdp *s = &f->pub;
    if (s->nmedia == F_MEDIA)
        return NULL;
    parley_sdp_media *m = &f->media[s->nmedia++];
    memset(m, 0, sizeof(*m));
    st->m = m;
    st->seen_media = 0;
    m->fmts = f->fmts + st->nfmts;
    m->attrs = f->attrs + st->nattrs;
    m->conns = f->conns + st->nconns;
    m->dir = PARLEY_SDP_DIR_UNSET;
    const char *q = sdp_media_scan(st, m, f->fmts, F_FMTS, p, end);
    return q && m->nfmts <= st->lim->max_formats ? q : NULL;
}

/* rtpmap:<pt> <token>/<digits>[/<token>] after "rtpmap:" */
static const char *rtpmap(sdp_pstate *st, const char *p, const char *end)
{
    uint64_t pt, rate;
    const char *q = sdp_digits(p, end, 3, &pt);
    if (!q || pt > 127 || q == end || *q != ' ')
        return NULL;
    const char *enc = q + 1, *slash = sdp_span(enc, end, SDP_C_TOKEN);
    if (slash == enc || slash == end || *slash != '/')
        return NULL;
    q = sdp_digits(slash + 1, end, 9, &rate); /* 9 digits fit in 32 bits */
    if (!q)
        return NULL;
    pl_str params = PL_STR_NULL;
    if (q < end && *q == '/') {
        const char *pe = sdp_span(q + 1, end, SDP_C_TOKEN);
        if (pe == q + 1)
            return NULL;
        params = pl_str_span(q + 1, pe);
        q = pe;
    }
    parley_sdp_format *f = sdp_pt_format(st, (unsigned)pt);
    if (!f) /* a format not on the m= line: kept, not linked */
        return q;
    if (f->has_rtpmap)
        return NULL;
    f->has_rtpmap = 1;
    f->encoding = pl_str_span(enc, slash);
    f->rate = (uint32_t)rate;
    f->enc_params = params;
    uint64_t ch = 0;
    f->channels = params.p && sdp_u64(params, 255, &ch) ? (unsigned)ch : 0;
    return q;
}

/* fmtp:<pt> <parameters> after "fmtp:" */
static const char *fmtp(sdp_pstate *st, const char *p, const char *end)
{
    uint64_t pt;
    const char *q = sdp_digits(p, end, 3, &pt);
    if (!q || pt > 127 || end - q < 2 || q[0] != ' ' || sdp_is(q[1], SDP_C_BLANK) || q[1] == '\r' ||
        q[1] == '\n')
        return NULL;
    const char *e = text_end(q + 1, end);
    if (!e)
        return NULL;
    parley_sdp_format *f = sdp_pt_format(st, (unsigned)pt);
    if (f) {
        if (f->fmtp.p)
            return NULL;
        f->fmtp = pl_str_span(q + 1, e);
    }
    return e;
}

static bool starts(const char *p, const char *end, const char *lit, size_t n)
{
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* A direction attribute name alone on its line: its direction, else UNSET. */
static parley_sdp_dir dir_attr(const char *p, const char *end)
{
    if (end - p < 8 || (end - p > 8 && p[8] != '\r' && p[8] != '\n'))
        return PARLEY_SDP_DIR_UNSET;
    return sdp_dir_from(pl_str_make(p, 8));
}

/* a=<attribute>: the end of its content, or NULL. */
static const char *attribute(fast *f, const char *p, const char *end)
{
    sdp_pstate *st = &f->st;
    parley_sdp_media *m = st->m;
    parley_sdp *s = &f->pub;
    if (st->nattrs == F_ATTRS)
        return NULL;
    parley_sdp_attr *a = &f->attrs[st->nattrs++];
    if (m)
        m->nattrs++;
    else
        s->nattrs++;
    const char *q = NULL;
    a->name = PL_STR_NULL;
    if (m) { /* the typed attributes of a media description */
        if (starts(p, end, "rtpmap:", 7)) {
            q = rtpmap(st, p + 7, end);
            a->name = pl_str_make(p, 6);
        } else if (starts(p, end, "fmtp:", 5)) {
            q = fmtp(st, p + 5, end);
            a->name = pl_str_make(p, 4);
        } else if (starts(p, end, "ptime:", 6)) {
            uint64_t ms;
            q = sdp_digits(p + 6, end, 6, &ms);
            if (!q || ms > 100000)
                return NULL;
            m->ptime = (unsigned)ms;
            a->name = pl_str_make(p, 5);
        } else {
            parley_sdp_dir d = dir_attr(p, end);
            if (d != PARLEY_SDP_DIR_UNSET) {
                if (m->dir_explicit)
                    return NULL;
                m->dir = d;
                m->dir_explicit = 1;
                a->name = pl_str_make(p, 8);
                a->value = PL_STR_NULL;
                return p + 8;
            }
        }
        if (q) {
            a->value = pl_str_span(a->name.p + a->name.len + 1, q);
            return q;
        }
        if (a->name.p)
            return NULL; /* a typed attribute in another form */
    }
    /* any other attribute, as the general parser reads it */
    q = text_end(p, end);
    if (!q || q == p || sdp_parse_attr(st, pl_str_span(p, q), a) != 0)
        return NULL;
    return q;
}

/* One line after its "x=": the end of its content, or NULL. */
static const char *line(fast *f, char t, const char *p, const char *end)
{
    sdp_pstate *st = &f->st;
    parley_sdp *s = &f->pub;
    const uint32_t session_once = bit('v') | bit('o') | bit('s') | bit('c');
    if (!st->m) {
        if ((session_once & bit(t)) && (st->seen_session & bit(t)))
            return NULL;
        st->seen_session |= bit(t);
    }
    switch (t) {
    case 'a':
        return attribute(f, p, end);
    case 'm':
        return media(f, p, end);
    case 'c': {
        if (st->nconns == F_CONNS)
            return NULL;
        parley_sdp_conn *c = &f->conns[st->nconns++];
        if (st->m)
            st->m->nconns++;
        else
            s->conn = c;
        c->family = PARLEY_SDP_ADDR_IP4;
        c->ttl = -1;
        c->count = 0;
        return inet4(p, end, &c->nettype, &c->addrtype, &c->address, &s->origin.address);
    }
    case 'v':
        return !st->m && p < end && *p == '0' ? p + 1 : NULL;
    case 'o':
        return st->m ? NULL : origin(&s->origin, p, end);
    case 's': {
        const char *q = st->m ? NULL : text_end(p, end);
        if (q)
            s->name = pl_str_span(p, q);
        return q;
    }
    case 't':
        if (st->m || s->ntimes || !starts(p, end, "0 0", 3))
            return NULL;
        s->ntimes = 1;
        return p + 3;
    default:
        return NULL;
    }
}

int sdp_parse_fast_model(const char *text, size_t len, const parley_sdp_limits *lim, sdp_scratch *f)
{
    sdp_scratch_init(f);
    f->st.lim = lim;
    f->st.base = text;
    const char *p = text, *end = text + len;
    unsigned lines = 0;
    if (!len || *p != 'v')
        return 1;
    while (p < end) {
        const char *start = p;
        if (++lines > lim->max_lines)
            return 1;
        if (*p == '\r' || *p == '\n') { /* an empty line */
            if (!(p = eol(p, end)))
                return 1;
            continue;
        }
        if (end - p < 2 || p[1] != '=' || *p < 'a' || *p > 'z')
            return 1;
        p = line(f, *p, p + 2, end);
        if (!p)
            return 1;
        while (p < end && sdp_is(*p, SDP_C_BLANK)) /* trailing blanks */
            p++;
        if ((size_t)(p - start) > lim->max_line || f->pub.nmedia > lim->max_media)
            return 1;
        if (!(p = eol(p, end)))
            return 1;
    }
    parley_sdp *s = &f->pub;
    if (!(f->st.seen_session & bit('o')))
        return 1;
    if (!s->name.p)
        s->name = pl_str_make("", 0);
    for (size_t i = 0; i < s->nmedia; i++) {
        parley_sdp_media *m = &f->media[i];
        if (!m->dir_explicit)
            m->dir = s->dir != PARLEY_SDP_DIR_UNSET ? s->dir : PARLEY_SDP_SENDRECV;
        if (m->port && !m->nconns && !s->conn)
            return 1;
    }
    return 0;
}

int sdp_parse_fast(const char *text, size_t len, const parley_sdp_limits *lim, parley_sdp **out)
{
    fast f;
    if (sdp_parse_fast_model(text, len, lim, &f))
        return 1;
    return sdp_scratch_settle(&f, text, len, out) ? 1 : 0; /* the general parser says NOMEM */
}
