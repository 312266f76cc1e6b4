/* Internal to the SDP parser: the state of the fill pass and the per-line parsers. */
#ifndef SDP_PARSE_INT_H
#define SDP_PARSE_INT_H

#include <string.h>

#include "parley/error.h"
#include "sdp/sdp.h"

typedef struct sdp_pstate {
    parley_sdp *s;
    parley_sdp_media *m; /* the media description being filled, NULL at session level */
    const char *base;    /* start of the text, for error offsets */
    parley_parse_error *err;
    const parley_sdp_limits *lim;
    /* arrays cut from the description's block, filled in text order */
    parley_sdp_media *media;
    parley_sdp_format *fmts;
    parley_sdp_attr *attrs;
    parley_sdp_bw *bw;
    parley_sdp_conn *conns;
    parley_sdp_time *times;
    pl_str *reps, *emails, *phones, *others; /* r= values, e=, p=, unknown lines */
    size_t nfmts, nattrs, nbw, nconns, nreps, nothers;
    /* singletons seen at the current level (bit per line type letter) */
    uint32_t seen_session, seen_media;
    bool m_rtp;             /* the current media carries RTP */
    uint64_t pt_seen[2];    /* payload types on the current m= line, one bit each */
    uint16_t pt_index[128]; /* RTP payload type -> index in m->fmts, valid when its bit is set */
} sdp_pstate;

/* The format of the current media with payload type pt (0-127), or NULL. */
static inline parley_sdp_format *sdp_pt_format(sdp_pstate *st, unsigned pt)
{
    if (!(st->pt_seen[pt >> 6] >> (pt & 63) & 1))
        return NULL;
    return (parley_sdp_format *)&st->m->fmts[st->pt_index[pt]];
}

/* Adds RTP payload type pt (0-127), written fmt, to the current media (st->m: every caller fills
 * the media st->m names) as format fm (the slot after its last): false when the m= line listed
 * it already. A static payload type gets its encoding, rate and channels (RFC 3551). Shared by
 * the general and the fast m= parsers. */
static inline bool sdp_add_pt(sdp_pstate *st, parley_sdp_format *fm, pl_str fmt, unsigned pt)
{
    uint64_t bit = (uint64_t)1 << (pt & 63);
    if (st->pt_seen[pt >> 6] & bit)
        return false;
    st->pt_seen[pt >> 6] |= bit;
    st->pt_index[pt] = (uint16_t)st->m->nfmts;
    memset(fm, 0, sizeof(*fm));
    fm->fmt = fmt;
    fm->pt = (int)pt;
    const sdp_static_pt *sp = sdp_static(fm->pt);
    if (sp) {
        fm->encoding = sp->name;
        fm->rate = sp->rate;
        fm->channels = sp->channels > 1 ? sp->channels : 0;
    }
    st->m->nfmts++;
    return true;
}

/* The usual m= line, "<token> <port> RTP/AVP <pt>( <pt>)*" from p (end: the end of the text
 * it may run to), into m and, for its payload types (0-127, each once), fmts from st->nfmts on,
 * at most cap of them in all: the character after the last payload type, or NULL when the line
 * is not in this form (the general path then reads it). Shared by the general parser's fast
 * path and the fast model. */
const char *sdp_media_scan(sdp_pstate *st, parley_sdp_media *m, parley_sdp_format *fmts, size_t cap,
                           const char *p, const char *end);

/* Records a parse fault and returns its code. */
int sdp_fail(sdp_pstate *st, int code, const char *at, const char *what, const char *reason);

/* Next field of a line: fields are separated by runs of SP or HT (tolerance: one SP in the
 * grammar). Returns an empty slice at the end of the line. */
static inline pl_str sdp_field(const char **p, const char *e)
{
    const char *s = *p;
    while (s < e && sdp_is(*s, SDP_C_BLANK))
        s++;
    const char *q = s;
    while (q < e && !sdp_is(*q, SDP_C_BLANK))
        q++;
    *p = q;
    return pl_str_span(s, q);
}

/*
 * Fast paths. The usual form of a line (single SP between fields, "IN IP4", digits where digits
 * go) is read in one pass by the scanners below; anything else, valid or not, goes to the
 * general path, which reads the line again from its start. A fast path only accepts what the
 * general path accepts and fills exactly what it fills.
 */
/* End of the run of bytes of class cls from p. */
static inline const char *sdp_span(const char *p, const char *e, unsigned cls)
{
    while (p < e && sdp_is(*p, cls))
        p++;
    return p;
}

/* 1 to maxd (<= 19) digits at p as a number; NULL when there are none or more than maxd. */
static inline const char *sdp_digits(const char *p, const char *e, unsigned maxd, uint64_t *v)
{
    const char *s = p;
    uint64_t n = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (e - p >= 8) { /* eight bytes at once: where the digits end, and their value */
        uint64_t x, d;
        memcpy(&x, p, 8);
        /* d: each byte minus '0'; a byte below '0' borrows from the next, but only bytes after
         * the first non-digit are touched. A byte is a digit when d <= 9, i.e. neither d nor
         * d + 0x76 has its top bit. */
        d = x - 0x3030303030303030u;
        uint64_t stop = (d | (d + 0x7676767676767676u)) & 0x8080808080808080u;
        unsigned k = stop ? (unsigned)__builtin_ctzll(stop) / 8 : 8;
        if (k == 0 || k > maxd)
            return NULL;
        /* the first k digit values as the high bytes (leading zeros, the rest shifted out),
         * then combined in pairs, fours and eights */
        d <<= 8 * (8 - k);
        d = d * 10 + (d >> 8);
        d = (((d & 0x000000FF000000FFu) * (100 + (1000000ull << 32))) +
             (((d >> 16) & 0x000000FF000000FFu) * (1 + (10000ull << 32)))) >>
            32;
        n = d;
        p += k;
        if (k < 8) {
            *v = n;
            return p;
        }
    }
#endif
    while (p < e && (unsigned)(*p - '0') <= 9) {
        n = n * 10 + (unsigned)(*p - '0');
        p++;
    }
    if (p == s || (size_t)(p - s) > maxd)
        return NULL;
    *v = n;
    return p;
}

/* Per-line parsers (parse_line.c): value is the text after "x=". Return 0 or a fault code. */
int sdp_parse_origin(sdp_pstate *st, pl_str value);
int sdp_parse_conn(sdp_pstate *st, pl_str value, parley_sdp_conn *c);
int sdp_parse_media(sdp_pstate *st, pl_str value, parley_sdp_media *m);
int sdp_parse_bw(sdp_pstate *st, pl_str value, parley_sdp_bw *b);
int sdp_parse_time(sdp_pstate *st, pl_str value, parley_sdp_time *t);
int sdp_parse_repeat(sdp_pstate *st, pl_str value);
int sdp_parse_zone(sdp_pstate *st, pl_str value);
/* parse_attr.c: an a= line into the current level. */
int sdp_parse_attr(sdp_pstate *st, pl_str value, parley_sdp_attr *a);

/* parse.c: a description block for text[0..len) with arrays sized by c, carved into st's
 * array pointers (not filled); NULL when out of memory. text NULL: room for len bytes of text,
 * left for the caller to write. */
sdp_doc *sdp_doc_new(const char *text, size_t len, const sdp_lines *c, sdp_pstate *st);

/*
 * A model being made on the stack, for a description of usual size: the one-pass parser and the
 * negotiator's writer fill it with slices into a text of their own, then sdp_scratch_settle()
 * moves it into one block of the exact size. Past a capacity they take another way.
 */
enum { SDP_SCR_MEDIA = 8, SDP_SCR_FMTS = 64, SDP_SCR_ATTRS = 64, SDP_SCR_CONNS = 16 };
typedef struct sdp_scratch {
    sdp_pstate st;
    parley_sdp pub;
    parley_sdp_time time; /* the one t= line */
    parley_sdp_media media[SDP_SCR_MEDIA];
    parley_sdp_format fmts[SDP_SCR_FMTS];
    parley_sdp_attr attrs[SDP_SCR_ATTRS];
    parley_sdp_conn conns[SDP_SCR_CONNS];
} sdp_scratch;
/* scratch.c: an empty model in sc (the state's arrays are the scratch's). */
void sdp_scratch_init(sdp_scratch *sc);
/* The description of text[0..len) (the text the model's slices point into; copied): 0 and *out,
 * or PARLEY_E_NOMEM. */
int sdp_scratch_settle(sdp_scratch *sc, const char *text, size_t len, parley_sdp **out);

/* parse_fast.c: the usual form of a description (no NUL in text, size within limits) read in
 * one pass. 0 and *out, or 1: the general parser must read it (it may be valid or not). */
int sdp_parse_fast(const char *text, size_t len, const parley_sdp_limits *lim, parley_sdp **out);
/* The same, the model left in f with slices into text: 0, or 1 as above. */
/* parse.c: sdp_doc_parse() with the default limits, the model of a description of usual form
 * left in sc (*out == &sc->pub: slices into text, nothing to free), else a description block
 * (*out, freed with parley_sdp_free()). */
int sdp_doc_parse_scratch(const char *text, size_t len, sdp_scratch *sc, parley_sdp **out);
int sdp_parse_fast_model(const char *text, size_t len, const parley_sdp_limits *lim,
                         sdp_scratch *f);

/* parse_fill.c: the t=0 0 of a description without t= line. */
extern const parley_sdp_time sdp_permanent;
/* parse_fill.c: pass 2. begin, then each non-empty line [p, le) in order (first: true until the
 * first line is in), then end (first as left by the lines). Return 0 or a fault code. */
void sdp_fill_begin(sdp_pstate *st);
int sdp_fill_one(sdp_pstate *st, const char *p, const char *le, bool *first);
int sdp_fill_end(sdp_pstate *st, const char *end, bool first);

#endif
