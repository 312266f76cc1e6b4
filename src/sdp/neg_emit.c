/*
 * Our descriptions, text and model made together: each writer puts a line's pieces, then fills
 * the model with what the line says, as the parser would read it. Lines of our own making (v o
 * s c t m, rtpmap, fmtp, ptime, direction) are filled from the values written; the attribute
 * lines of the config go through the parser's own attribute reader. Nothing is parsed back.
 *
 * The writers run twice: measuring (the text's length, the arrays' sizes, the parser's limits),
 * then writing the text and the model into the block of a new description, of the exact size.
 *
 * Builds without NDEBUG check every description made here against the parser's reading of its
 * text (same verdict, same fields), so that the tests catch any drift between the two.
 */
#include "core/alloc.h"
#include "parley/error.h"
#include "sdp/neg.h"
#include "sdp/parse_int.h"

struct emit {
    char *w; /* where the text goes (room for it all); NULL while measuring */
    size_t len;
    /* Single pass (emit_single()): w has room for cap bytes and the model's arrays are a
     * scratch's; what does not fit sets overflow, measuring goes on instead of writing (the
     * text) or lands in the array's last entry (the model), and the description is made again
     * the measured way. 0: the arrays and w are sized by a measuring pass. */
    size_t cap;
    bool overflow;
    size_t line; /* start of the current line */
    unsigned lines;
    bool too_long;
    size_t n[SDP_N_NONE + 1], fmts; /* what the arrays need */
    unsigned mfmts;                 /* formats on the current m= line */
    int err;
    sdp_pstate *st; /* the model being filled */
};

/* Decimal digits of v, small values first. */
static inline size_t digits(uint64_t v)
{
    return v < 10       ? 1
           : v < 100    ? 2
           : v < 1000   ? 3
           : v < 10000  ? 4
           : v < 100000 ? 5
                        : sdp_u64_len(v);
}

/* Whether the text and the model are being written. */
static inline bool writing(const emit *e)
{
    return e->w != NULL;
}

/* memcpy() of the short pieces of a line without a call: two overlapping moves */
static inline __attribute__((always_inline)) void copy(char *d, const char *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        memcpy(d, s, n);
    }
}

/* Single pass: w has no room for n more bytes; from here on e only measures. */
static bool out_of_room(emit *e, size_t n)
{
    if (!e->cap || e->len + n <= e->cap)
        return false;
    e->overflow = true;
    e->w = NULL;
    return true;
}

static inline __attribute__((always_inline)) void put(emit *e, const void *p, size_t n)
{
    if (writing(e) && !out_of_room(e, n))
        copy(e->w + e->len, p, n);
    e->len += n;
}

/* Puts s and returns where it is in the text (when writing). Inlined: a line puts many. */
static inline __attribute__((always_inline)) pl_str put_str(emit *e, pl_str s)
{
    pl_str at = {writing(e) ? e->w + e->len : NULL, s.len};
    put(e, s.p, s.len);
    return at;
}

static pl_str put_u64(emit *e, uint64_t v)
{
    char num[20];
    size_t n = writing(e) ? sdp_u64_str(num, v) : digits(v);
    pl_str at = {writing(e) ? e->w + e->len : NULL, n};
    put(e, num, n);
    return at;
}

static void begin(emit *e, const char *type)
{
    e->line = e->len;
    put(e, type, 2);
}

static void end(emit *e, unsigned slot)
{
    if (e->len - e->line > sdp_default_limits.max_line)
        e->too_long = true;
    e->lines++;
    e->n[slot]++;
    put(e, "\r\n", 2);
}

/* Measuring: a whole line of n bytes (CRLF aside) of array slot `slot`. Returns whether e is
 * measuring (then the line is accounted for), so that writers measure by their line's formula. */
static bool measured(emit *e, size_t n, unsigned slot)
{
    if (writing(e) && !out_of_room(e, n + 2))
        return false;
    if (n > sdp_default_limits.max_line)
        e->too_long = true;
    e->len += n + 2;
    e->lines++;
    e->n[slot]++;
    return true;
}

/* The line's content after "x=" up to here, trailing blanks dropped, as the parser sees it. */
static pl_str value(const emit *e)
{
    const char *p = e->w + e->line + 2, *q = e->w + e->len;
    while (q > p && sdp_is(q[-1], SDP_C_BLANK))
        q--;
    return pl_str_span(p, q);
}

/* Writing: the cursor at the start of a new line (e->line set). */
static inline char *line_at(emit *e)
{
    e->line = e->len;
    return e->w + e->len;
}

/* Writing: copies s at *p, advances, returns where it is. */
static inline __attribute__((always_inline)) pl_str w_str(char **p, pl_str s)
{
    pl_str at = {*p, s.len};
    copy(*p, s.p, s.len);
    *p += s.len;
    return at;
}

static inline pl_str w_u64(char **p, uint64_t v)
{
    pl_str at = {*p, sdp_u64_str(*p, v)};
    *p += at.len;
    return at;
}

/* A literal (constant size: no call). */
#define W_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) += sizeof(lit) - 1)

/* Writing: the line ends at p; its model is filled. */
static inline void w_end(emit *e, char *p, unsigned slot)
{
    e->len = (size_t)(p - e->w);
    end(e, slot);
}

static void fail(emit *e)
{
    if (!e->err)
        e->err = PARLEY_E_INVAL;
}

static pl_str addrtype(pl_str addr, int *family)
{
    bool v6 = memchr(addr.p, ':', addr.len) != NULL;
    *family = v6 ? PARLEY_SDP_ADDR_IP6 : PARLEY_SDP_ADDR_IP4;
    return v6 ? PL_STR_LIT("IP6") : PL_STR_LIT("IP4");
}

/* A new attribute entry of the current level. */
static parley_sdp_attr *new_attr(emit *e)
{
    sdp_pstate *st = e->st;
    if (st->m)
        st->m->nattrs++;
    else
        st->s->nattrs++;
    if (e->cap && st->nattrs >= SDP_SCR_ATTRS - 1) {
        e->overflow = true;
        return &st->attrs[SDP_SCR_ATTRS - 1];
    }
    return &st->attrs[st->nattrs++];
}

/* The format of the current media the parser's a=rtpmap / a=fmtp finder gives fmt. */
static parley_sdp_format *format_of(emit *e, pl_str fmt, int pt)
{
    sdp_pstate *st = e->st;
    if (st->m_rtp)
        return pt >= 0 ? sdp_pt_format(st, (unsigned)pt) : NULL;
    for (size_t i = 0; i < st->m->nfmts; i++)
        if (pl_str_eq(st->m->fmts[i].fmt, fmt))
            return (parley_sdp_format *)&st->m->fmts[i];
    return NULL;
}

static void emit_head(emit *e, const parley_sdp_neg *neg, uint64_t ver)
{
    if (measured(e, 3, SDP_N_NONE)) {
        measured(e, 12 + neg->user.len + neg->sess_id_len + digits(ver) + neg->oaddr.len,
                 SDP_N_NONE);
        measured(e, 2 + (neg->name.len ? neg->name.len : 1), SDP_N_NONE);
        emit_conn(e, neg->addr);
        measured(e, 5, SDP_N_TIMES);
        for (size_t i = 0; i < neg->nattrs; i++)
            emit_attr(e, neg->attrs[i]);
        return;
    }
    sdp_pstate *st = e->st;
    parley_sdp *s = st->s;
    char *p = line_at(e);
    W_LIT(p, "v=0");
    w_end(e, p, SDP_N_NONE);
    parley_sdp_origin *o = &s->origin;
    p = line_at(e);
    W_LIT(p, "o=");
    o->username = w_str(&p, neg->user);
    *p++ = ' ';
    o->sess_id = w_str(&p, pl_str_make(neg->sess_id_str, neg->sess_id_len));
    *p++ = ' ';
    w_u64(&p, ver);
    o->sess_version = ver;
    *p++ = ' ';
    o->nettype = pl_str_make(p, 2);
    W_LIT(p, "IN ");
    o->addrtype = w_str(&p, addrtype(neg->oaddr, &o->family));
    *p++ = ' ';
    o->address = w_str(&p, neg->oaddr);
    w_end(e, p, SDP_N_NONE);
    p = line_at(e);
    W_LIT(p, "s=");
    w_str(&p, neg->name.len ? neg->name : PL_STR_LIT(" "));
    e->len = (size_t)(p - e->w);
    s->name = value(e);
    w_end(e, p, SDP_N_NONE);
    emit_conn(e, neg->addr);
    p = line_at(e);
    W_LIT(p, "t=0 0");
    parley_sdp_time *t = &st->times[s->ntimes++];
    memset(t, 0, sizeof(*t));
    t->repeats = st->reps;
    w_end(e, p, SDP_N_TIMES);
    for (size_t i = 0; i < neg->nattrs; i++)
        emit_attr(e, neg->attrs[i]);
}

void emit_conn(emit *e, pl_str addr)
{
    if (measured(e, 9 + addr.len, SDP_N_CONNS))
        return;
    sdp_pstate *st = e->st;
    parley_sdp_conn *c = &st->conns[st->nconns];
    if (e->cap && st->nconns >= SDP_SCR_CONNS - 1)
        e->overflow = true;
    else
        st->nconns++;
    char *p = line_at(e);
    W_LIT(p, "c=");
    c->nettype = pl_str_make(p, 2);
    W_LIT(p, "IN ");
    c->addrtype = w_str(&p, addrtype(addr, &c->family));
    *p++ = ' ';
    c->address = w_str(&p, addr);
    c->ttl = -1;
    c->count = 0;
    if (st->m)
        st->m->nconns++;
    else
        st->s->conn = c;
    w_end(e, p, SDP_N_CONNS);
}

void emit_mline(emit *e, pl_str media, uint16_t port, pl_str proto, bool rtp)
{
    begin(e, "m=");
    pl_str md = put_str(e, media);
    put(e, " ", 1);
    put_u64(e, port);
    put(e, " ", 1);
    pl_str pr = put_str(e, proto);
    e->mfmts = 0;
    sdp_pstate *st = e->st;
    if (!writing(e))
        return;
    parley_sdp_media *m = &st->media[st->s->nmedia];
    if (e->cap && st->s->nmedia >= SDP_SCR_MEDIA - 1)
        e->overflow = true;
    else
        st->s->nmedia++;
    memset(m, 0, sizeof(*m));
    m->media = md;
    m->port = port;
    m->proto = pr;
    m->fmts = st->fmts + st->nfmts;
    m->attrs = st->attrs + st->nattrs;
    m->conns = st->conns + st->nconns;
    m->bw = st->bw;
    m->others = st->others;
    m->dir = PARLEY_SDP_DIR_UNSET;
    st->m = m;
    st->m_rtp = rtp;
    st->pt_seen[0] = st->pt_seen[1] = 0;
}

/* The model of one format on the m= line (the parser's add_format). */
static void add_fmt(emit *e, pl_str fmt, int pt)
{
    sdp_pstate *st = e->st;
    parley_sdp_media *m = st->m;
    if (e->cap && st->nfmts >= SDP_SCR_FMTS - 1) {
        e->overflow = true;
        return;
    }
    parley_sdp_format *f = &st->fmts[st->nfmts++];
    memset(f, 0, sizeof(*f));
    f->fmt = fmt;
    f->pt = -1;
    m->nfmts++;
    if (!st->m_rtp)
        return;
    uint64_t bit = (uint64_t)1 << (pt & 63);
    if (pt < 0 || pt > 127 || (st->pt_seen[pt >> 6] & bit)) {
        fail(e); /* "payload type listed twice", or no payload type */
        return;
    }
    st->pt_seen[pt >> 6] |= bit;
    st->pt_index[pt] = (uint16_t)(m->nfmts - 1);
    f->pt = pt;
    const sdp_static_pt *sp = sdp_static(pt);
    if (sp) {
        f->encoding = sp->name;
        f->rate = sp->rate;
        f->channels = sp->channels > 1 ? sp->channels : 0;
    }
}

void emit_fmt(emit *e, pl_str fmt, int pt)
{
    put(e, " ", 1);
    pl_str f = put_str(e, fmt);
    e->mfmts++;
    e->fmts++;
    if (writing(e))
        add_fmt(e, f, pt);
}

void emit_fmts(emit *e, pl_str list, size_t nfields)
{
    put(e, " ", 1);
    pl_str l = put_str(e, list);
    e->mfmts += (unsigned)nfields;
    e->fmts += nfields;
    if (!writing(e))
        return;
    const char *p = l.p, *end = l.p + l.len;
    for (pl_str f; (f = sdp_field(&p, end)).len;) {
        uint64_t pt = 0;
        if (!sdp_is_token(f) || (e->st->m_rtp && !sdp_u64(f, 127, &pt)))
            fail(e);
        add_fmt(e, f, (int)pt);
    }
}

void emit_mline_end(emit *e)
{
    if (e->mfmts > sdp_default_limits.max_formats)
        e->too_long = true;
    if (writing(e) && !e->mfmts && e->st->m->port)
        fail(e); /* "m= line without formats" */
    end(e, SDP_N_MEDIA);
}

/* An a=<name>:<value> line's entry, its value from after the ':' to the line's end (e->len). */
static parley_sdp_attr *attr_entry(emit *e, pl_str name)
{
    parley_sdp_attr *a = new_attr(e);
    pl_str v = value(e);
    a->name = name;
    a->value = pl_str_span(name.p + name.len + 1, v.p + v.len);
    return a;
}

static void rtpmap_model(emit *e, parley_sdp_format *f, pl_str name, uint32_t rate, pl_str params)
{
    if (!f)
        return; /* a format not on the m= line: kept, not linked */
    if (f->has_rtpmap) {
        fail(e); /* "a=rtpmap repeated for a format" */
        return;
    }
    uint64_t ch = 0;
    f->has_rtpmap = 1;
    f->encoding = name;
    f->rate = rate;
    f->enc_params = params;
    f->channels = params.p && sdp_u64(params, 255, &ch) ? (unsigned)ch : 0;
}

/* a=rtpmap:<fmt> <name>/<rate>[/<params> or /<channels>] */
static void rtpmap(emit *e, pl_str fmt, int pt, pl_str name, uint32_t rate, pl_str params,
                   unsigned channels)
{
    if (measured(e,
                 11 + fmt.len + name.len + digits(rate) +
                     (params.len ? 1 + params.len
                      : channels ? 1 + digits(channels)
                                 : 0),
                 SDP_N_ATTRS))
        return;
    char *p = line_at(e);
    W_LIT(p, "a=");
    pl_str an = pl_str_make(p, 6);
    W_LIT(p, "rtpmap:");
    pl_str f = w_str(&p, fmt);
    *p++ = ' ';
    pl_str n = w_str(&p, name);
    *p++ = '/';
    w_u64(&p, rate);
    pl_str pm = PL_STR_NULL;
    if (params.len) {
        *p++ = '/';
        pm = w_str(&p, params);
    } else if (channels) {
        *p++ = '/';
        pm = w_u64(&p, channels);
    }
    e->len = (size_t)(p - e->w);
    if (attr_entry(e, an))
        rtpmap_model(e, format_of(e, f, pt), n, rate, pm);
    w_end(e, p, SDP_N_ATTRS);
}

void emit_rtpmap(emit *e, pl_str fmt, int pt, pl_str name, uint32_t rate, pl_str params)
{
    rtpmap(e, fmt, pt, name, rate, params, 0);
}

void emit_rtpmap_ch(emit *e, pl_str fmt, int pt, pl_str name, uint32_t rate, unsigned channels)
{
    rtpmap(e, fmt, pt, name, rate, PL_STR_NULL, channels);
}

void emit_fmtp(emit *e, pl_str fmt, int pt, pl_str params)
{
    if (measured(e, 8 + fmt.len + params.len, SDP_N_ATTRS))
        return;
    char *p = line_at(e);
    W_LIT(p, "a=");
    pl_str an = pl_str_make(p, 4);
    W_LIT(p, "fmtp:");
    pl_str f = w_str(&p, fmt);
    *p++ = ' ';
    w_str(&p, params);
    e->len = (size_t)(p - e->w);
    if (attr_entry(e, an)) { /* the parser's parse_fmtp: format, blanks, the rest */
        pl_str v = value(e);
        const char *q = f.p + f.len, *end = v.p + v.len;
        while (q < end && sdp_is(*q, SDP_C_BLANK))
            q++;
        parley_sdp_format *fm = format_of(e, f, pt);
        if (fm && fm->fmtp.p)
            fail(e); /* "a=fmtp repeated for a format" */
        else if (fm)
            fm->fmtp = pl_str_span(q, end);
    }
    w_end(e, p, SDP_N_ATTRS);
}

void emit_ptime(emit *e, unsigned ms)
{
    if (measured(e, 8 + digits(ms), SDP_N_ATTRS))
        return;
    char *p = line_at(e);
    W_LIT(p, "a=");
    pl_str an = pl_str_make(p, 5);
    W_LIT(p, "ptime:");
    w_u64(&p, ms);
    e->len = (size_t)(p - e->w);
    if (attr_entry(e, an)) {
        if (ms > 100000)
            fail(e);
        e->st->m->ptime = ms;
    }
    w_end(e, p, SDP_N_ATTRS);
}

void emit_dir(emit *e, parley_sdp_dir dir)
{
    if (measured(e, 10, SDP_N_ATTRS))
        return;
    char *p = line_at(e);
    W_LIT(p, "a=");
    pl_str n = w_str(&p, pl_str_make(parley_sdp_dir_name(dir), 8));
    parley_sdp_attr *a = new_attr(e);
    parley_sdp_media *m = e->st->m;
    a->name = n;
    a->value = PL_STR_NULL;
    if (m->dir_explicit)
        fail(e);
    m->dir = dir;
    m->dir_explicit = 1;
    w_end(e, p, SDP_N_ATTRS);
}

void emit_attr(emit *e, pl_str line)
{
    if (measured(e, 2 + line.len, SDP_N_ATTRS))
        return;
    char *p = line_at(e);
    W_LIT(p, "a=");
    w_str(&p, line);
    e->len = (size_t)(p - e->w);
    if (sdp_parse_attr(e->st, value(e), new_attr(e)) != 0)
        fail(e);
    w_end(e, p, SDP_N_ATTRS);
}

/* The parser's last steps (parse_fill.c's sdp_fill_end) for what we write. */
static void finish(emit *e)
{
    parley_sdp *s = e->st->s;
    for (size_t i = 0; i < s->nmedia; i++) {
        parley_sdp_media *m = (parley_sdp_media *)&s->media[i];
        if (!m->dir_explicit)
            m->dir = s->dir != PARLEY_SDP_DIR_UNSET ? s->dir : PARLEY_SDP_SENDRECV;
    }
}

/* Whether the parser's limits refuse what e wrote. */
static bool over_limits(const emit *e)
{
    return e->too_long || e->lines > sdp_default_limits.max_lines ||
           e->len > sdp_default_limits.max_size || e->n[SDP_N_MEDIA] > sdp_default_limits.max_media;
}

#ifndef NDEBUG
#include <stdio.h>
#include <stdlib.h>
/* The parser reads the text as we made it: the same verdict, the same fields. */
static void verify(const char *text, size_t len, const parley_sdp *made)
{
    parley_sdp *p = NULL;
    int rc = sdp_doc_parse_general(text, len, NULL, &p, NULL);
    if (rc == PARLEY_E_NOMEM)
        return;
    if ((rc == 0) != (made != NULL) ||
        (made && (!sdp_equal(made, p, 0) || (made->name.p == NULL) != (p->name.p == NULL)))) {
        fprintf(stderr, "sdp: the negotiator's model differs from the parser's:\n%.*s\n", (int)len,
                text);
        abort();
    }
    parley_sdp_free(p);
}
#else
#define verify(text, len, made) ((void)0)
#endif

/*
 * The usual description in one pass: the model into out->sc, the text into out->room (the
 * caller's, out->room_size bytes), then copied to the start of a new block with out->extra
 * bytes after it. Returns 0, 1 when it does not fit the scratch or the room (nothing made), or
 * an error.
 */
static int emit_single(const parley_sdp_neg *neg, neg_body_fn body, void *ctx, uint64_t ver,
                       neg_out *out)
{
    sdp_scratch_init(out->sc);
    sdp_pstate *st = &out->sc->st;
    parley_sdp *s = &out->sc->pub;
    st->s = s;
    s->bw = st->bw;
    s->others = st->others;
    emit e;
    memset(&e, 0, sizeof(e));
    e.st = st;
    e.w = out->room;
    e.cap = out->room_size - 1; /* and the NUL */
    emit_head(&e, neg, ver);
    body(neg, ctx, &e);
    finish(&e);
    if (e.overflow)
        return 1;
    if (over_limits(&e))
        return PARLEY_E_INVAL; /* the parser would refuse it */
    size_t len = e.len;
    out->room[len] = '\0';
    verify(out->room, len, e.err ? NULL : s);
    if (e.err)
        return e.err;
    char *block = pl_malloc(len + 1 + out->extra);
    if (!block)
        return PARLEY_E_NOMEM;
    memcpy(block, out->room, len + 1);
    out->doc = s; /* its slices point into out->room */
    out->block = block;
    out->text = pl_str_make(block, len);
    return 0;
}

/*
 * One description: with out->sc, emit_single(); else measured, then written with its model
 * into a block of the exact size. Returns 0, 1 (out->sc too small), or an error.
 */
static int emit_doc(const parley_sdp_neg *neg, neg_body_fn body, void *ctx, uint64_t ver,
                    neg_out *out)
{
    if (out->sc)
        return emit_single(neg, body, ctx, ver, out);
    emit e;
    sdp_pstate st;
    memset(&e, 0, sizeof(e));
    e.st = &st;
    emit_head(&e, neg, ver);
    body(neg, ctx, &e);
    if (over_limits(&e))
        return PARLEY_E_INVAL; /* the parser would refuse it */
    size_t len = e.len;
    sdp_lines c;
    memset(&c, 0, offsetof(sdp_lines, line));
    memcpy(c.n, e.n, sizeof(c.n));
    c.fmts = e.fmts;
    memset(&st, 0, offsetof(sdp_pstate, pt_index));
    sdp_doc *d = sdp_doc_new(NULL, len, &c, &st);
    if (!d)
        return PARLEY_E_NOMEM;
    char *text = (char *)d->data.p;
    parley_sdp *s = &d->pub;
    st.s = s;
    s->media = st.media;
    s->attrs = st.attrs;
    s->bw = st.bw;
    s->others = st.others;
    s->times = st.times;
    memset(&e, 0, sizeof(e));
    e.st = &st;
    e.w = text;
    emit_head(&e, neg, ver);
    body(neg, ctx, &e);
    finish(&e);
    text[len] = '\0';
    verify(text, len, e.err ? NULL : s);
    if (e.err) {
        parley_sdp_free(s);
        return e.err;
    }
    out->doc = s;
    out->block = NULL;
    out->text = pl_str_make(text, len);
    return 0;
}

static void out_free(neg_out *out)
{
    if (out->block)
        pl_free(out->block);
    else
        parley_sdp_free(out->doc);
    out->doc = NULL;
    out->block = NULL;
}

int neg_write(parley_sdp_neg *neg, neg_body_fn body, void *ctx, uint64_t *version, neg_out *out)
{
    uint64_t v = neg->sent_version;
    for (;;) {
        int rc = emit_doc(neg, body, ctx, v, out);
        if (rc) {
            /* a text the parser refuses differs from the last one sent, which it took */
            if (rc == PARLEY_E_INVAL && neg->sent.p && v == neg->sent_version && v == UINT64_MAX)
                rc = PARLEY_E_LIMIT;
            return rc;
        }
        /* RFC 3264 §8: the version goes up by one exactly when the content changes. */
        if (!neg->sent.p || v != neg->sent_version || pl_str_eq(out->text, neg->sent)) {
            *version = v;
            return 0;
        }
        out_free(out);
        if (v == UINT64_MAX)
            return PARLEY_E_LIMIT;
        v++;
    }
}

void neg_hand_out(parley_sdp_neg *neg, pl_str text, uint64_t version, const uint8_t **body,
                  size_t *len)
{
    pl_free(neg->sent_own); /* a retired copy is of no more use */
    neg->sent_own = NULL;
    neg->sent = text; /* NUL-terminated */
    neg->sent_version = version;
    if (body)
        *body = (const uint8_t *)text.p;
    if (len)
        *len = text.len;
}
