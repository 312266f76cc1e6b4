/*
 * Checking a description config without making it: what parley_sdp_build() refuses before
 * writing (sdp_cfg_fields_ok), and what the parser would then refuse in the text it wrote
 * (sdp_cfg_check): the negotiator takes a config exactly when parley_sdp_build() does, at a
 * fraction of the cost (no text, no parse, no allocation unless attribute lines need the
 * parser's own rules on a stream of more than 64 formats).
 *
 * sdp_cfg_check() mirrors the text parley_sdp_build() writes (build.c), line by line, by its
 * lengths (the parser's limits apply to it) and by the fields the parser checks, reading each
 * string once; free-form attribute lines go through the parser's attribute reader with the
 * state the lines before them leave.
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

/* ---- one reading of each string ---- */

/* The length of a word (sdp_cfg_is_word()), 0 when s is none. */
static size_t word_len(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (unsigned char c; (c = (unsigned char)s[n]) != 0; n++)
        if (c <= 0x20 || c == 0x7f)
            return 0;
    return n;
}

/* The length of a token (RFC 4566 token-char only: a word too), 0 when s is none. */
static size_t token_len(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (char c; (c = s[n]) != 0; n++)
        if (!sdp_is(c, SDP_C_TOKEN))
            return 0;
    return n;
}

/* The length of line text (no CR, no LF), SIZE_MAX when s is none. */
static size_t text_len(const char *s)
{
    if (!s)
        return SIZE_MAX;
    size_t n = 0;
    for (char c; (c = s[n]) != 0; n++)
        if (c == '\r' || c == '\n')
            return SIZE_MAX;
    return n;
}

size_t sdp_u64_len_long(uint64_t v)
{
    static const uint64_t pow10[20] = {1,
                                       10,
                                       100,
                                       1000,
                                       10000,
                                       100000,
                                       1000000,
                                       10000000,
                                       100000000,
                                       1000000000,
                                       10000000000u,
                                       100000000000u,
                                       1000000000000u,
                                       10000000000000u,
                                       100000000000000u,
                                       1000000000000000u,
                                       10000000000000000u,
                                       100000000000000000u,
                                       1000000000000000000u,
                                       10000000000000000000u};
    size_t lo = 1, hi = 20; /* v has between lo and hi digits */
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (v >= pow10[mid - 1])
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The parser's limits over the lines of the text (the default ones). */
typedef struct tally {
    size_t total;
    unsigned lines;
    bool over;      /* a line longer than max_line */
    size_t strings; /* bytes of the strings the negotiator copies, NUL included */
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

/* Attribute lines: line text, not empty. */
static bool attr_texts_ok(const char *const *attrs, size_t n, tally *t)
{
    if (n && !attrs)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t len = text_len(attrs[i]);
        if (len == SIZE_MAX || !len)
            return false;
        add_line(t, 2 + len);
        t->strings += len + 1;
    }
    return true;
}

/* Reads the attribute lines attrs[0..n) as the parser would, in st's state (the session's when
 * st->m is NULL, a media description's otherwise). */
static bool attr_lines_ok(sdp_pstate *st, const char *const *attrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_str v = pl_str_c(attrs[i]);
        while (v.len && sdp_is(v.p[v.len - 1], SDP_C_BLANK)) /* the line's trailing blanks */
            v.len--;
        parley_sdp_attr a;
        st->base = v.p;
        if (sdp_parse_attr(st, v, &a) != 0)
            return false;
    }
    return true;
}

/* The fields of a formats list: tokens, payload types when RTP, each once; into fmts when not
 * NULL. Returns their number, or SIZE_MAX when the parser would refuse them. */
static size_t list_formats(pl_str all, bool rtp, parley_sdp_format *fmts, sdp_pstate *st)
{
    size_t n = 0;
    const char *p = all.p, *e = all.p + all.len;
    for (pl_str f; (f = sdp_field(&p, e)).len; n++) {
        uint64_t pt = 0;
        if (n == sdp_default_limits.max_formats || !sdp_is_token(f))
            return SIZE_MAX;
        if (rtp) {
            if (!sdp_u64(f, 127, &pt) || (st->pt_seen[pt >> 6] >> (pt & 63) & 1))
                return SIZE_MAX;
            st->pt_seen[pt >> 6] |= (uint64_t)1 << (pt & 63);
            st->pt_index[pt] = (uint16_t)n;
        }
        if (fmts) {
            memset(&fmts[n], 0, sizeof(fmts[0]));
            fmts[n].fmt = f;
            fmts[n].pt = rtp ? (int)pt : -1;
        }
    }
    return n;
}

/* The lines of one stream but its attribute lines: m=, its c=, a=rtpmap and a=fmtp per codec,
 * a=ptime, the direction attribute; and the fields parley_sdp_build() checks. */
static int check_stream(const parley_sdp_stream_cfg *s, pl_str session_addr, tally *t)
{
    size_t media = token_len(s->media);
    pl_str proto = PL_STR_LIT("RTP/AVP");
    bool rtp = true;
    if (s->proto) {
        proto = pl_str_make(s->proto, word_len(s->proto));
        t->strings += proto.len + 1;
        if (!sdp_proto_ok(proto, &rtp))
            return PARLEY_E_INVAL;
    }
    if (!media || (s->ncodecs && !s->codecs) || s->dir > PARLEY_SDP_INACTIVE ||
        !attr_texts_ok(s->attrs, s->nattrs, t))
        return PARLEY_E_INVAL;
    t->strings += media + 1;
    size_t width = 0; /* the m= line's formats */
    if (!s->ncodecs) {
        size_t len = text_len(s->formats);
        if (len == SIZE_MAX)
            return PARLEY_E_INVAL;
        pl_str all = pl_str_trim(pl_str_make(s->formats, len));
        sdp_pstate st;
        memset(&st, 0, offsetof(sdp_pstate, pt_index));
        if (!all.len || list_formats(all, rtp, NULL, &st) == SIZE_MAX)
            return PARLEY_E_INVAL;
        width = 1 + all.len;
        t->strings += len + 1;
    }
    uint64_t seen[2] = {0, 0};
    for (size_t i = 0; i < s->ncodecs; i++) {
        const parley_sdp_codec *c = &s->codecs[i];
        if (c->pt < 0 || c->pt > 127)
            return PARLEY_E_INVAL;
        unsigned pt = (unsigned)c->pt;
        size_t ptw = pt < 10 ? 1 : pt < 100 ? 2 : 3;
        width += 1 + ptw;
        if (rtp && (seen[pt >> 6] >> (pt & 63) & 1))
            return PARLEY_E_INVAL; /* "payload type listed twice" */
        seen[pt >> 6] |= (uint64_t)1 << (pt & 63);
        if (c->name) {
            size_t name = token_len(c->name);
            if (!name || !c->rate)
                return PARLEY_E_INVAL;
            add_line(t, 11 + ptw + name + sdp_u64_len(c->rate) +
                            (c->channels ? 1 + sdp_u64_len(c->channels) : 0));
            t->strings += name + 1;
        }
        if (c->fmtp) {
            size_t len = text_len(c->fmtp);
            if (len == SIZE_MAX)
                return PARLEY_E_INVAL;
            add_line(t, 8 + ptw + len);
            t->strings += len + 1;
        }
        if (!rtp) { /* formats found by their text: the first of equal ones takes both lines */
            for (size_t k = 0; k < i; k++)
                if (s->codecs[k].pt == c->pt &&
                    ((c->name && s->codecs[k].name) || (c->fmtp && s->codecs[k].fmtp)))
                    return PARLEY_E_INVAL; /* "a=rtpmap repeated", "a=fmtp repeated" */
        }
    }
    add_line(t, 4 + media + sdp_u64_len(s->port) + proto.len + width);
    if (s->addr) {
        pl_str a = pl_str_make(s->addr, word_len(s->addr));
        if (!a.len)
            return PARLEY_E_INVAL;
        t->strings += a.len + 1;
        if (!pl_str_eq(a, session_addr)) {
            if (!sdp_cfg_addr_ok(a))
                return PARLEY_E_INVAL;
            add_line(t, 9 + a.len); /* c=IN IP4 <addr> */
        }
    }
    if (s->ptime) {
        if (s->ptime > 100000)
            return PARLEY_E_INVAL;
        add_line(t, 8 + sdp_u64_len(s->ptime));
    }
    if (s->dir != PARLEY_SDP_DIR_UNSET)
        add_line(t, 10);
    return 0;
}

/* The attribute lines of a stream, read against its formats and what the lines above them set
 * on them. */
static int check_stream_attrs(const parley_sdp_stream_cfg *s)
{
    bool rtp = true;
    if (s->proto)
        sdp_proto_ok(pl_str_c(s->proto), &rtp);
    size_t nfmts = s->ncodecs;
    pl_str all = PL_STR_NULL;
    if (!nfmts) {
        all = pl_str_trim(pl_str_c(s->formats));
        nfmts = sdp_count_fields(all.p, all.p + all.len);
    }
    parley_sdp_format local[64], *fmts = nfmts <= 64 ? local : pl_calloc(nfmts, sizeof(*fmts));
    char local_num[64][20]; /* the payload types as the m= line writes them */
    char(*num)[20] = s->ncodecs <= 64 ? local_num : pl_malloc(s->ncodecs * sizeof(*num));
    if (!fmts || !num) {
        if (fmts != local)
            pl_free(fmts);
        if (num != local_num)
            pl_free(num);
        return PARLEY_E_NOMEM;
    }
    sdp_pstate st;
    memset(&st, 0, offsetof(sdp_pstate, pt_index));
    st.m_rtp = rtp;
    if (!s->ncodecs)
        list_formats(all, rtp, fmts, &st);
    for (size_t i = 0; i < s->ncodecs; i++) {
        const parley_sdp_codec *c = &s->codecs[i];
        parley_sdp_format *f = &fmts[i];
        memset(f, 0, sizeof(*f));
        f->fmt = pl_str_make(num[i], sdp_u64_str(num[i], (unsigned)c->pt));
        f->pt = rtp ? c->pt : -1;
        if (rtp) {
            st.pt_seen[c->pt >> 6] |= (uint64_t)1 << (c->pt & 63);
            st.pt_index[c->pt] = (uint16_t)i;
        }
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
    bool ok = attr_lines_ok(&st, s->attrs, s->nattrs);
    if (fmts != local)
        pl_free(fmts);
    if (num != local_num)
        pl_free(num);
    return ok ? 0 : PARLEY_E_INVAL;
}

int sdp_cfg_check(const parley_sdp_cfg *cfg, size_t *strings)
{
    if (!cfg || !cfg->addr || (cfg->nstreams && !cfg->streams) ||
        cfg->nstreams > sdp_default_limits.max_media)
        return PARLEY_E_INVAL;
    tally t = {5 + 7, 2, false, 0}; /* v=0, t=0 0 */
    pl_str addr = pl_str_make(cfg->addr, word_len(cfg->addr));
    if (!sdp_cfg_addr_ok(addr))
        return PARLEY_E_INVAL;
    t.strings += addr.len + 1;
    size_t user = 1, name = 1; /* "-" when absent */
    if (cfg->user) {
        if (!(user = word_len(cfg->user)))
            return PARLEY_E_INVAL;
        t.strings += user + 1;
    }
    if (cfg->name) {
        if ((name = text_len(cfg->name)) == SIZE_MAX)
            return PARLEY_E_INVAL;
        t.strings += name + 1;
    }
    add_line(&t, 12 + user + sdp_u64_len(cfg->sess_id) + sdp_u64_len(cfg->sess_version) +
                     addr.len);          /* o= */
    add_line(&t, 2 + (name ? name : 1)); /* s= */
    add_line(&t, 9 + addr.len);          /* c= */
    if (!attr_texts_ok(cfg->attrs, cfg->nattrs, &t))
        return PARLEY_E_INVAL;
    for (size_t i = 0; i < cfg->nstreams; i++) {
        int rc = check_stream(&cfg->streams[i], addr, &t);
        if (rc)
            return rc;
    }
    if (t.over || t.lines > sdp_default_limits.max_lines || t.total > sdp_default_limits.max_size)
        return PARLEY_E_INVAL;
    /* last, what may need memory: the attribute lines as the parser reads them */
    if (cfg->nattrs) {
        sdp_pstate st;
        memset(&st, 0, offsetof(sdp_pstate, pt_index));
        parley_sdp sess;
        memset(&sess, 0, sizeof(sess));
        st.s = &sess;
        if (!attr_lines_ok(&st, cfg->attrs, cfg->nattrs))
            return PARLEY_E_INVAL;
    }
    for (size_t i = 0; i < cfg->nstreams; i++) {
        int rc = cfg->streams[i].nattrs ? check_stream_attrs(&cfg->streams[i]) : 0;
        if (rc)
            return rc;
    }
    if (strings)
        *strings = t.strings;
    return 0;
}
