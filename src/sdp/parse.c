/*
 * SDP parsing (RFC 4566 §5, RFC 8866 §5). Pass 1 checks the line structure and counts what each
 * array needs; pass 2 (parse_fill.c) fills the model with slices into the description's copy of
 * the text. A description is one allocation: the model, the copy and every array.
 *
 * Tolerances (each on purpose, named in docs/SDP.md and tested):
 *  - bare LF ends a line like CRLF, and the last line may lack its line end;
 *  - trailing SP/HT at the end of a line are ignored, and empty lines are skipped;
 *  - fields are separated by runs of SP/HT where the grammar has one SP;
 *  - lines of unknown types ("y=", "f=") are kept, not fatal as RFC 4566 §5 would have it;
 *  - the lines of a section may come in any order (v= first, m= starting media sections);
 *  - a missing s= reads as "s= " and a missing t= as "t=0 0";
 *  - a rejected stream (port 0) may have no format and no c=;
 *  - the other tolerances live with their fields (parse_line.c, parse_attr.c, fields.c).
 */
#include <stddef.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "sdp/parse_int.h"

const parley_sdp_limits sdp_default_limits = PARLEY_SDP_LIMITS_INIT;

int sdp_fail(sdp_pstate *st, int code, const char *at, const char *what, const char *reason)
{
    if (st->err) {
        st->err->code = code;
        st->err->offset = at ? (long)(at - st->base) : -1;
        st->err->status = 400;
        st->err->what = what;
        st->err->reason = reason;
    }
    return code;
}

/* The line at p: content [p, return), trailing blanks dropped; *next = start of the next; *raw =
 * the end of the line before its CRLF or LF. */
static inline const char *line_end(const char *p, const char *end, const char **next,
                                   const char **raw)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (le > p && le[-1] == '\r')
        le--;
    *raw = le;
    while (le > p && sdp_is(le[-1], SDP_C_BLANK))
        le--;
    return le;
}

typedef sdp_lines counts;
#define LINE_CACHE SDP_LINE_CACHE

const uint8_t sdp_type_slot[26] = {
    SDP_N_ATTRS,  SDP_N_BW,     SDP_N_CONNS, SDP_N_OTHERS, SDP_N_EMAILS, SDP_N_OTHERS,
    SDP_N_OTHERS, SDP_N_OTHERS, SDP_N_NONE,  SDP_N_OTHERS, SDP_N_NONE,   SDP_N_OTHERS,
    SDP_N_MEDIA,  SDP_N_OTHERS, SDP_N_NONE,  SDP_N_PHONES, SDP_N_OTHERS, SDP_N_REPS,
    SDP_N_NONE,   SDP_N_TIMES,  SDP_N_NONE,  SDP_N_NONE,   SDP_N_OTHERS, SDP_N_OTHERS,
    SDP_N_OTHERS, SDP_N_NONE,
};

unsigned sdp_count_fields(const char *p, const char *e)
{
    unsigned n = 0;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        if (p == e)
            return n;
        n++;
        while (p < e && *p != ' ' && *p != '\t')
            p++;
    }
}

/* The checks pass 1 makes on one line: 0, or the fault. *le is the end of its content. */
static int check_line(sdp_pstate *st, unsigned lines, const char *p, const char *le,
                      const char *raw)
{
    if (lines > st->lim->max_lines)
        return sdp_fail(st, PARLEY_E_LIMIT, p, "SDP", "too many lines");
    if ((size_t)(raw - p) > st->lim->max_line)
        return sdp_fail(st, PARLEY_E_LIMIT, p, "SDP", "line too long");
    const char *cr = memchr(p, '\r', (size_t)(raw - p));
    if (cr)
        return sdp_fail(st, PARLEY_E_PARSE, cr, "SDP", "bare CR inside a line");
    if (le != p && (le - p < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z'))
        return sdp_fail(st, PARLEY_E_PARSE, p, "SDP", "line is not <type>=<value>");
    return 0;
}

/* Pass 1: structure and sizes. */
static int count_lines(sdp_pstate *st, const char *p, const char *end, counts *c)
{
    unsigned lines = 0;
    while (p < end) {
        const char *next, *raw;
        const char *le = line_end(p, end, &next, &raw);
        int rc = check_line(st, ++lines, p, le, raw);
        if (rc)
            return rc;
        if (le == p) {
            p = next;
            continue;
        }
        if (c->nlines < LINE_CACHE) {
            c->line[c->nlines][0] = (uint32_t)(p - st->base);
            c->line[c->nlines][1] = (uint32_t)(le - st->base);
        }
        c->nlines++;
        unsigned slot = sdp_type_slot[p[0] - 'a'];
        c->n[slot]++;
        if (slot == SDP_N_MEDIA) {
            unsigned f = sdp_count_fields(p + 2, le);
            f = f > 3 ? f - 3 : 0;
            if (c->n[SDP_N_MEDIA] > st->lim->max_media)
                return sdp_fail(st, PARLEY_E_LIMIT, p, "m=", "too many media descriptions");
            if (f > st->lim->max_formats)
                return sdp_fail(st, PARLEY_E_LIMIT, p, "m=", "too many formats");
            c->fmts += f;
        }
        p = next;
    }
    return 0;
}

static size_t al8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t arrays_size(const counts *c)
{
    return al8(c->n[SDP_N_MEDIA] * sizeof(parley_sdp_media)) +
           al8(c->fmts * sizeof(parley_sdp_format)) +
           al8(c->n[SDP_N_ATTRS] * sizeof(parley_sdp_attr)) +
           al8(c->n[SDP_N_BW] * sizeof(parley_sdp_bw)) +
           al8(c->n[SDP_N_CONNS] * sizeof(parley_sdp_conn)) +
           al8(c->n[SDP_N_TIMES] * sizeof(parley_sdp_time)) +
           al8((c->n[SDP_N_REPS] + c->n[SDP_N_EMAILS] + c->n[SDP_N_PHONES] + c->n[SDP_N_OTHERS]) *
               sizeof(pl_str));
}

/* Cuts the arrays out of mem (arrays_size() bytes; entries are written whole when filled). */
static void carve(sdp_pstate *st, char *mem, const counts *c)
{
    st->media = (parley_sdp_media *)mem;
    mem += al8(c->n[SDP_N_MEDIA] * sizeof(parley_sdp_media));
    st->fmts = (parley_sdp_format *)mem;
    mem += al8(c->fmts * sizeof(parley_sdp_format));
    st->attrs = (parley_sdp_attr *)mem;
    mem += al8(c->n[SDP_N_ATTRS] * sizeof(parley_sdp_attr));
    st->bw = (parley_sdp_bw *)mem;
    mem += al8(c->n[SDP_N_BW] * sizeof(parley_sdp_bw));
    st->conns = (parley_sdp_conn *)mem;
    mem += al8(c->n[SDP_N_CONNS] * sizeof(parley_sdp_conn));
    st->times = (parley_sdp_time *)mem;
    mem += al8(c->n[SDP_N_TIMES] * sizeof(parley_sdp_time));
    st->reps = (pl_str *)mem;
    st->emails = st->reps + c->n[SDP_N_REPS];
    st->phones = st->emails + c->n[SDP_N_EMAILS];
    st->others = st->phones + c->n[SDP_N_PHONES];
}

/* Pass 2 over the lines pass 1 found. */
static int fill(sdp_pstate *st, const char *p, const char *end, const counts *c)
{
    bool first = true;
    sdp_fill_begin(st);
    if (c->nlines <= LINE_CACHE) {
        for (unsigned i = 0; i < c->nlines; i++) {
            int rc = sdp_fill_one(st, p + c->line[i][0], p + c->line[i][1], &first);
            if (rc)
                return rc;
        }
    } else {
        while (p < end) {
            const char *next, *raw;
            const char *le = line_end(p, end, &next, &raw);
            if (le != p) {
                int rc = sdp_fill_one(st, p, le, &first);
                if (rc)
                    return rc;
            }
            p = next;
        }
    }
    return sdp_fill_end(st, end, first);
}

/* The description's block: the model and the copy of text[0..len), then `extra` bytes. */
static sdp_doc *new_doc(const char *text, size_t len, size_t extra, char **after)
{
    size_t head = al8(sizeof(sdp_doc)) + al8(len + 1);
    char *block = pl_malloc(head + extra);
    if (!block)
        return NULL;
    sdp_doc *d = (sdp_doc *)block;
    memset(d, 0, sizeof(*d));
    char *copy = block + al8(sizeof(sdp_doc));
    if (text && len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    d->data = pl_str_make(copy, len);
    *after = block + head;
    return d;
}

sdp_doc *sdp_doc_new(const char *text, size_t len, const sdp_lines *c, sdp_pstate *st)
{
    char *arrays;
    sdp_doc *d = new_doc(text, len, arrays_size(c), &arrays);
    if (d)
        carve(st, arrays, c);
    return d;
}

/* Allocates the description of text[0..len) whose lines pass 1 (or the writer) split and
 * counted in c, and fills it (pass 2). */
static int make_doc(sdp_pstate *st, const char *text, size_t len, const counts *c, parley_sdp **out)
{
    sdp_doc *d = sdp_doc_new(text, len, c, st);
    if (!d)
        return sdp_fail(st, PARLEY_E_NOMEM, NULL, "SDP", "out of memory");
    st->s = &d->pub;
    st->base = d->data.p;
    int rc = fill(st, d->data.p, d->data.p + len, c);
    if (rc) {
        pl_free(d);
        return rc;
    }
    *out = &d->pub;
    return 0;
}

/* ---- entry points ---- */

static void init_state(sdp_pstate *st, const char *text, const parley_sdp_limits *lim,
                       parley_parse_error *err)
{
    memset(st, 0, offsetof(sdp_pstate, pt_index));
    st->base = text;
    st->err = err;
    st->lim = lim;
    if (err)
        memset(err, 0, sizeof(*err));
}

static int parse(const char *text, size_t len, const parley_sdp_limits *limits, parley_sdp **out,
                 parley_parse_error *err, bool fast, sdp_scratch *sc)
{
    if (!out || (!text && len))
        return PARLEY_E_INVAL;
    *out = NULL;
    parley_sdp_limits lim = sdp_default_limits;
    if (limits) {
        if (limits->max_size)
            lim.max_size = limits->max_size;
        if (limits->max_line)
            lim.max_line = limits->max_line;
        if (limits->max_lines)
            lim.max_lines = limits->max_lines;
        if (limits->max_media)
            lim.max_media = limits->max_media;
        if (limits->max_formats)
            lim.max_formats = limits->max_formats;
    }
    sdp_pstate st;
    init_state(&st, text, &lim, err);
    if (len > lim.max_size || len > UINT32_MAX) /* line bounds are kept as 32-bit offsets */
        return sdp_fail(&st, PARLEY_E_LIMIT, NULL, "SDP", "description too large");
    const char *nul = len ? memchr(text, '\0', len) : NULL;
    if (nul)
        return sdp_fail(&st, PARLEY_E_PARSE, nul, "SDP", "NUL byte");
    if (sc && sdp_parse_fast_model(text, len, &lim, sc) == 0) {
        *out = &sc->pub;
        return 0;
    }
    if (fast && !sc && sdp_parse_fast(text, len, &lim, out) == 0)
        return 0;
    counts c;
    memset(&c, 0, offsetof(counts, line));
    c.nlines = 0;
    int rc = count_lines(&st, text, text + len, &c);
    if (rc)
        return rc;
    return make_doc(&st, text, len, &c, out);
}

int sdp_doc_parse(const char *text, size_t len, const parley_sdp_limits *limits, parley_sdp **out,
                  parley_parse_error *err)
{
    return parse(text, len, limits, out, err, true, NULL);
}

int sdp_doc_parse_scratch(const char *text, size_t len, sdp_scratch *sc, parley_sdp **out)
{
    return parse(text, len, NULL, out, NULL, true, sc);
}

int sdp_doc_parse_general(const char *text, size_t len, const parley_sdp_limits *limits,
                          parley_sdp **out, parley_parse_error *err)
{
    return parse(text, len, limits, out, err, false, NULL);
}

int sdp_doc_from_lines(const char *text, size_t len, const sdp_lines *lines, parley_sdp **out)
{
    sdp_pstate st;
    init_state(&st, text, &sdp_default_limits, NULL);
    *out = NULL;
    return make_doc(&st, text, len, lines, out);
}

int parley_sdp_parse(const void *text, size_t len, const parley_sdp_limits *limits,
                     parley_sdp **out, parley_parse_error *err)
{
    return sdp_doc_parse(text, len, limits, out, err);
}

void parley_sdp_free(parley_sdp *sdp)
{
    if (!sdp)
        return;
    pl_free(sdp_doc_of(sdp));
}
