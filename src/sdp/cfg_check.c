/*
 * Checking a description config without making it: what parley_sdp_build() refuses before
 * writing (sdp_cfg_fields_ok), and what the parser would then refuse in the text it wrote
 * (sdp_cfg_check): the negotiator takes a config exactly when parley_sdp_build() does, at a
 * fraction of the cost (no text, no parse, no allocation unless attribute lines need the
 * parser's own rules).
 *
 * The text parley_sdp_build() writes (build.c), line by line, is mirrored here by its lengths
 * (the parser's limits apply to it) and by the fields the parser checks; free-form attribute
 * lines go through the parser's attribute reader with the state the lines before them leave.
 */
#include "core/alloc.h"
#include "parley/error.h"
#include "sdp/parse_int.h"

/* A value that fits in one field: no blank, no line break, not empty. */
bool sdp_cfg_is_word(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

static bool is_line_text(const char *s)
{
    return s && sdp_is_text(pl_str_c(s));
}

static bool attrs_ok(const char *const *attrs, size_t n)
{
    if (n && !attrs)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_line_text(attrs[i]) || !*attrs[i])
            return false;
    return true;
}

static bool stream_ok(const parley_sdp_stream_cfg *st)
{
    if (!sdp_cfg_is_word(st->media) || (st->proto && !sdp_cfg_is_word(st->proto)) ||
        (st->addr && !sdp_cfg_is_word(st->addr)) || (st->ncodecs && !st->codecs) ||
        st->dir > PARLEY_SDP_INACTIVE || !attrs_ok(st->attrs, st->nattrs))
        return false;
    if (!st->ncodecs)
        return is_line_text(st->formats) && pl_str_trim(pl_str_c(st->formats)).len;
    for (size_t i = 0; i < st->ncodecs; i++) {
        const parley_sdp_codec *c = &st->codecs[i];
        if (c->pt < 0 || c->pt > 127 || (c->name && (!sdp_cfg_is_word(c->name) || !c->rate)) ||
            (c->fmtp && !is_line_text(c->fmtp)))
            return false;
    }
    return true;
}

bool sdp_cfg_fields_ok(const parley_sdp_cfg *cfg)
{
    if (!cfg || !sdp_cfg_is_word(cfg->addr) || (cfg->user && !sdp_cfg_is_word(cfg->user)) ||
        (cfg->name && !is_line_text(cfg->name)) || !attrs_ok(cfg->attrs, cfg->nattrs) ||
        (cfg->nstreams && !cfg->streams))
        return false;
    for (size_t i = 0; i < cfg->nstreams; i++)
        if (!stream_ok(&cfg->streams[i]))
            return false;
    return true;
}

/* ---- the text parley_sdp_build() would write, by its lengths ---- */

size_t sdp_u64_len(uint64_t v)
{
    size_t n = 1;
    for (uint64_t p = 10; v >= p; p *= 10) {
        n++;
        if (n == 20) /* 10^19 is the last power of ten below 2^64 */
            break;
    }
    return n;
}

/* The parser's limits over the lines of the text (the default ones). */
typedef struct tally {
    size_t total;
    unsigned lines;
    bool over; /* a line longer than max_line */
} tally;

static void add_line(tally *t, size_t n)
{
    t->total += n + 2; /* CRLF */
    t->lines++;
    if (n > sdp_default_limits.max_line)
        t->over = true;
}

/* An address the o= and c= lines can carry: check_addr with the type its ':' gives. */
bool sdp_cfg_addr_ok(pl_str a)
{
    return a.len && sdp_check_addr(PL_STR_LIT("IN"), sdp_addrtype_of(a), a) >= 0;
}

/* Reads the attribute lines attrs[0..n) as the parser would, in st's state (the session's when
 * st->m is NULL, a media description's otherwise). */
static bool attr_lines_ok(sdp_pstate *st, const char *const *attrs, size_t n, tally *t)
{
    for (size_t i = 0; i < n; i++) {
        pl_str v = pl_str_c(attrs[i]);
        add_line(t, 2 + v.len);
        while (v.len && sdp_is(v.p[v.len - 1], SDP_C_BLANK)) /* the line's trailing blanks */
            v.len--;
        parley_sdp_attr a;
        st->base = v.p;
        if (sdp_parse_attr(st, v, &a) != 0)
            return false;
    }
    return true;
}

/* The format list of a stream: its codecs' payload types, else the fields of its formats. */
static int check_formats(const parley_sdp_stream_cfg *s, bool rtp, parley_sdp_format *fmts,
                         size_t *nfmts, size_t *width, sdp_pstate *st)
{
    *nfmts = 0;
    *width = 0;
    if (s->ncodecs) {
        for (size_t i = 0; i < s->ncodecs; i++) {
            unsigned pt = (unsigned)s->codecs[i].pt;
            *width += 1 + sdp_u64_len(pt);
            if (rtp) {
                if (st->pt_seen[pt >> 6] >> (pt & 63) & 1)
                    return PARLEY_E_INVAL; /* "payload type listed twice" */
                st->pt_seen[pt >> 6] |= (uint64_t)1 << (pt & 63);
                st->pt_index[pt] = (uint16_t)i;
            }
        }
        *nfmts = s->ncodecs;
        return 0;
    }
    pl_str all = pl_str_trim(pl_str_c(s->formats));
    *width = 1 + all.len;
    const char *p = all.p, *e = all.p + all.len;
    for (pl_str f; (f = sdp_field(&p, e)).len;) {
        if (*nfmts == sdp_default_limits.max_formats || !sdp_is_token(f))
            return PARLEY_E_INVAL;
        uint64_t pt = 0;
        if (rtp) {
            if (!sdp_u64(f, 127, &pt) || (st->pt_seen[pt >> 6] >> (pt & 63) & 1))
                return PARLEY_E_INVAL;
            st->pt_seen[pt >> 6] |= (uint64_t)1 << (pt & 63);
            st->pt_index[pt] = (uint16_t)*nfmts;
        }
        if (fmts) {
            memset(&fmts[*nfmts], 0, sizeof(fmts[0]));
            fmts[*nfmts].fmt = f;
            fmts[*nfmts].pt = rtp ? (int)pt : -1;
        }
        (*nfmts)++;
    }
    return 0;
}

/* The lines of one stream: m=, its c=, a=rtpmap and a=fmtp per codec, a=ptime, the direction
 * attribute, its attribute lines. */
static int check_stream(const parley_sdp_stream_cfg *s, pl_str session_addr, tally *t)
{
    pl_str proto = s->proto ? pl_str_c(s->proto) : PL_STR_LIT("RTP/AVP");
    pl_str media = pl_str_c(s->media);
    bool rtp;
    if (!sdp_is_token(media) || !sdp_proto_ok(proto, &rtp))
        return PARLEY_E_INVAL;
    sdp_pstate st;
    memset(&st, 0, offsetof(sdp_pstate, pt_index));
    st.m_rtp = rtp;
    size_t nfmts, width;
    int rc = check_formats(s, rtp, NULL, &nfmts, &width, &st);
    if (rc)
        return rc;
    add_line(t, 2 + media.len + 1 + sdp_u64_len(s->port) + 1 + proto.len + width);
    if (s->addr && !pl_str_eq(pl_str_c(s->addr), session_addr)) {
        pl_str a = pl_str_c(s->addr);
        if (!sdp_cfg_addr_ok(a))
            return PARLEY_E_INVAL;
        add_line(t, 9 + a.len); /* c=IN IP4 <addr> */
    }
    for (size_t i = 0; i < s->ncodecs; i++) {
        const parley_sdp_codec *c = &s->codecs[i];
        size_t ptw = sdp_u64_len((unsigned)c->pt);
        if (c->name) {
            pl_str name = pl_str_c(c->name);
            if (!sdp_is_token(name))
                return PARLEY_E_INVAL;
            add_line(t, 9 + ptw + 1 + name.len + 1 + sdp_u64_len(c->rate) +
                            (c->channels ? 1 + sdp_u64_len(c->channels) : 0));
        }
        if (c->fmtp)
            add_line(t, 7 + ptw + 1 + strlen(c->fmtp));
        if (!rtp) { /* formats found by their text: the first of equal ones takes both lines */
            for (size_t k = 0; k < i; k++)
                if (s->codecs[k].pt == c->pt &&
                    ((c->name && s->codecs[k].name) || (c->fmtp && s->codecs[k].fmtp)))
                    return PARLEY_E_INVAL; /* "a=rtpmap repeated", "a=fmtp repeated" */
        }
    }
    if (s->ptime) {
        if (s->ptime > 100000)
            return PARLEY_E_INVAL;
        add_line(t, 8 + sdp_u64_len(s->ptime));
    }
    if (s->dir != PARLEY_SDP_DIR_UNSET)
        add_line(t, 10);
    if (!s->nattrs)
        return 0;
    /* Attribute lines read against the formats and what the lines above set on them. */
    parley_sdp_format local[64], *fmts = nfmts <= 64 ? local : pl_calloc(nfmts, sizeof(*fmts));
    char local_num[64][20]; /* the payload types as the m= line writes them */
    if (!fmts)
        return PARLEY_E_NOMEM;
    char(*num)[20] = s->ncodecs <= 64 ? local_num : pl_malloc(s->ncodecs * sizeof(*num));
    if (!num) {
        if (fmts != local)
            pl_free(fmts);
        return PARLEY_E_NOMEM;
    }
    memset(&st, 0, offsetof(sdp_pstate, pt_index));
    st.m_rtp = rtp;
    check_formats(s, rtp, fmts, &nfmts, &width, &st);
    for (size_t i = 0; i < s->ncodecs; i++) {
        const parley_sdp_codec *c = &s->codecs[i];
        parley_sdp_format *f = &fmts[i];
        memset(f, 0, sizeof(*f));
        f->fmt = pl_str_make(num[i], sdp_u64_str(num[i], (unsigned)c->pt));
        f->pt = rtp ? c->pt : -1;
        /* a=rtpmap and a=fmtp lines go to the first format of their text */
        size_t first = i;
        for (size_t k = 0; !rtp && k < i; k++)
            if (s->codecs[k].pt == c->pt) {
                first = k;
                break;
            }
        if (c->name)
            fmts[first].has_rtpmap = 1;
        if (c->fmtp)
            fmts[first].fmtp = pl_str_c(c->fmtp);
    }
    parley_sdp_media m;
    memset(&m, 0, sizeof(m));
    m.fmts = fmts;
    m.nfmts = nfmts;
    m.dir_explicit = s->dir != PARLEY_SDP_DIR_UNSET;
    parley_sdp sess;
    memset(&sess, 0, sizeof(sess));
    st.s = &sess;
    st.m = &m;
    bool ok = attr_lines_ok(&st, s->attrs, s->nattrs, t);
    if (fmts != local)
        pl_free(fmts);
    if (num != local_num)
        pl_free(num);
    return ok ? 0 : PARLEY_E_INVAL;
}

int sdp_cfg_check(const parley_sdp_cfg *cfg)
{
    if (!sdp_cfg_fields_ok(cfg) || cfg->nstreams > sdp_default_limits.max_media)
        return PARLEY_E_INVAL;
    pl_str addr = pl_str_c(cfg->addr);
    if (!sdp_cfg_addr_ok(addr))
        return PARLEY_E_INVAL;
    pl_str user = pl_str_c(cfg->user ? cfg->user : "-");
    pl_str name = pl_str_c(cfg->name ? cfg->name : "-");
    tally t = {5 + 7, 2, false}; /* v=0, t=0 0 */
    add_line(&t, 2 + user.len + 1 + sdp_u64_len(cfg->sess_id) + 1 + sdp_u64_len(cfg->sess_version) +
                     8 + addr.len);              /* o= */
    add_line(&t, 2 + (name.len ? name.len : 1)); /* s= */
    add_line(&t, 9 + addr.len);                  /* c= */
    sdp_pstate st;
    memset(&st, 0, offsetof(sdp_pstate, pt_index));
    parley_sdp sess;
    memset(&sess, 0, sizeof(sess));
    st.s = &sess;
    if (!attr_lines_ok(&st, cfg->attrs, cfg->nattrs, &t))
        return PARLEY_E_INVAL;
    for (size_t i = 0; i < cfg->nstreams; i++) {
        int rc = check_stream(&cfg->streams[i], addr, &t);
        if (rc)
            return rc;
    }
    if (t.over || t.lines > sdp_default_limits.max_lines || t.total > sdp_default_limits.max_size)
        return PARLEY_E_INVAL;
    return 0;
}
