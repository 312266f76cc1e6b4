/*
 * SDP parsing (RFC 4566 §5, RFC 8866 §5). Two passes over the text: the first checks the line
 * structure and counts what each array needs, so the description, its copy of the text and every
 * array fit in one allocation; the second fills the model with slices into the copy.
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

static const parley_sdp_time permanent = {0, 0, NULL, 0};

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

/* The line at p: content [p, return), trailing blanks dropped; *next = start of the next. */
static const char *line_end(const char *p, const char *end, const char **next, const char **raw)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (le > p && le[-1] == '\r')
        le--;
    *raw = le;
    while (le > p && (le[-1] == ' ' || le[-1] == '\t'))
        le--;
    return le;
}

#define LINE_CACHE 256

typedef struct counts {
    size_t media, fmts, attrs, bw, conns, times, reps, emails, phones, others;
    /* [start, end) of the first non-empty lines, so that pass 2 need not split them again */
    uint32_t line[LINE_CACHE][2];
    unsigned nlines; /* non-empty lines */
} counts;

static unsigned count_fields(const char *p, const char *e)
{
    unsigned n = 0;
    while (sdp_field(&p, e).len)
        n++;
    return n;
}

/* Pass 1: structure and sizes. */
static int count_lines(sdp_pstate *st, const char *p, const char *end, counts *c)
{
    unsigned lines = 0;
    while (p < end) {
        const char *next, *raw;
        const char *le = line_end(p, end, &next, &raw);
        if (++lines > st->lim->max_lines)
            return sdp_fail(st, PARLEY_E_LIMIT, p, "SDP", "too many lines");
        if ((size_t)(raw - p) > st->lim->max_line)
            return sdp_fail(st, PARLEY_E_LIMIT, p, "SDP", "line too long");
        const char *cr = memchr(p, '\r', (size_t)(raw - p));
        if (cr)
            return sdp_fail(st, PARLEY_E_PARSE, cr, "SDP", "bare CR inside a line");
        if (le == p) {
            p = next;
            continue;
        }
        if (le - p < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z')
            return sdp_fail(st, PARLEY_E_PARSE, p, "SDP", "line is not <type>=<value>");
        if (c->nlines < LINE_CACHE) {
            c->line[c->nlines][0] = (uint32_t)(p - st->base);
            c->line[c->nlines][1] = (uint32_t)(le - st->base);
        }
        c->nlines++;
        switch (p[0]) {
        case 'm': {
            unsigned f = count_fields(p + 2, le);
            f = f > 3 ? f - 3 : 0;
            if (++c->media > st->lim->max_media)
                return sdp_fail(st, PARLEY_E_LIMIT, p, "m=", "too many media descriptions");
            if (f > st->lim->max_formats)
                return sdp_fail(st, PARLEY_E_LIMIT, p, "m=", "too many formats");
            c->fmts += f;
            break;
        }
        case 'a':
            c->attrs++;
            break;
        case 'b':
            c->bw++;
            break;
        case 'c':
            c->conns++;
            break;
        case 't':
            c->times++;
            break;
        case 'r':
            c->reps++;
            break;
        case 'e':
            c->emails++;
            break;
        case 'p':
            c->phones++;
            break;
        case 'v':
        case 'o':
        case 's':
        case 'i':
        case 'u':
        case 'z':
        case 'k':
            break;
        default:
            c->others++;
            break;
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
    return al8(c->media * sizeof(parley_sdp_media)) + al8(c->fmts * sizeof(parley_sdp_format)) +
           al8(c->attrs * sizeof(parley_sdp_attr)) + al8(c->bw * sizeof(parley_sdp_bw)) +
           al8(c->conns * sizeof(parley_sdp_conn)) + al8(c->times * sizeof(parley_sdp_time)) +
           al8((c->reps + c->emails + c->phones + c->others) * sizeof(pl_str)) + 8;
}

static void carve(sdp_pstate *st, pl_arena *a, const counts *c)
{
    st->media = pl_arena_zalloc(a, c->media * sizeof(parley_sdp_media));
    st->fmts = pl_arena_alloc(a, c->fmts * sizeof(parley_sdp_format));
    st->attrs = pl_arena_alloc(a, c->attrs * sizeof(parley_sdp_attr));
    st->bw = pl_arena_alloc(a, c->bw * sizeof(parley_sdp_bw));
    st->conns = pl_arena_alloc(a, c->conns * sizeof(parley_sdp_conn));
    st->times = pl_arena_alloc(a, c->times * sizeof(parley_sdp_time));
    st->reps = pl_arena_alloc(a, (c->reps + c->emails + c->phones + c->others) * sizeof(pl_str));
    st->emails = st->reps + c->reps;
    st->phones = st->emails + c->emails;
    st->others = st->phones + c->phones;
}

static uint32_t bit(char type)
{
    return 1u << (type - 'a');
}

/* Where each line type may appear, and the singletons: at most one per session (v o s i u c k
 * z) or per media (i k). */
static int check_place(sdp_pstate *st, const char *line)
{
    char t = line[0];
    const uint32_t session_only = bit('v') | bit('o') | bit('s') | bit('u') | bit('e') | bit('p') |
                                  bit('t') | bit('r') | bit('z');
    if (st->m && (session_only & bit(t)))
        return sdp_fail(st, PARLEY_E_PARSE, line, "SDP",
                        "session-level line inside a media description");
    uint32_t *seen = st->m ? &st->seen_media : &st->seen_session;
    uint32_t once = st->m ? (bit('i') | bit('k'))
                          : (bit('v') | bit('o') | bit('s') | bit('i') | bit('u') | bit('c') |
                             bit('k') | bit('z'));
    if ((once & bit(t)) && (*seen & bit(t)))
        return sdp_fail(st, PARLEY_E_PARSE, line, "SDP", "line type repeated in one section");
    *seen |= bit(t);
    return 0;
}

static int start_media(sdp_pstate *st, pl_str value)
{
    parley_sdp *s = st->s;
    parley_sdp_media *m = &st->media[s->nmedia++];
    st->m = m;
    st->seen_media = 0;
    m->fmts = st->fmts + st->nfmts;
    m->attrs = st->attrs + st->nattrs;
    m->conns = st->conns + st->nconns;
    m->bw = st->bw + st->nbw;
    m->others = st->others + st->nothers;
    m->dir = PARLEY_SDP_DIR_UNSET;
    return sdp_parse_media(st, value, m);
}

static int fill_line(sdp_pstate *st, const char *line, pl_str v)
{
    parley_sdp *s = st->s;
    parley_sdp_media *m = st->m;
    char t = line[0];
    if (t == 'm')
        return start_media(st, v);
    int rc = check_place(st, line);
    if (rc)
        return rc;
    switch (t) {
    case 'v':
        if (!pl_str_eq_lit(v, "0"))
            return sdp_fail(st, PARLEY_E_PARSE, v.p, "v=", "unsupported SDP version");
        return 0;
    case 'o':
        return sdp_parse_origin(st, v);
    case 's':
        s->name = v;
        return 0; /* "s=" empty is tolerated like "s= " */
    case 'i':
        if (m)
            m->info = v;
        else
            s->info = v;
        return 0;
    case 'u':
        s->uri = v;
        return 0;
    case 'e':
        s->emails = st->emails;
        st->emails[s->nemails++] = v;
        return 0;
    case 'p':
        s->phones = st->phones;
        st->phones[s->nphones++] = v;
        return 0;
    case 'c': {
        parley_sdp_conn *c = &st->conns[st->nconns++];
        if (m)
            m->nconns++;
        else
            s->conn = c;
        return sdp_parse_conn(st, v, c);
    }
    case 'b': {
        parley_sdp_bw *b = &st->bw[st->nbw++];
        if (m)
            m->nbw++;
        else
            s->nbw++;
        return sdp_parse_bw(st, v, b);
    }
    case 't': {
        parley_sdp_time *tm = &st->times[s->ntimes++];
        tm->repeats = st->reps + st->nreps;
        tm->nrepeats = 0;
        return sdp_parse_time(st, v, tm);
    }
    case 'r':
        if (!s->ntimes)
            return sdp_fail(st, PARLEY_E_PARSE, line, "r=", "r= before any t=");
        rc = sdp_parse_repeat(st, v);
        if (!rc) {
            st->reps[st->nreps++] = v;
            ((parley_sdp_time *)&s->times[s->ntimes - 1])->nrepeats++;
        }
        return rc;
    case 'z':
        s->zone = v;
        return sdp_parse_zone(st, v);
    case 'k':
        if (m)
            m->key = v;
        else
            s->key = v;
        return 0;
    case 'a': {
        parley_sdp_attr *a = &st->attrs[st->nattrs++];
        if (m)
            m->nattrs++;
        else
            s->nattrs++;
        return sdp_parse_attr(st, v, a);
    }
    default: /* unknown type: kept whole */
        st->others[st->nothers++] = pl_str_span(line, v.p + v.len);
        if (m)
            m->nothers++;
        else
            s->nothers++;
        return 0;
    }
}

static int fill_one(sdp_pstate *st, const char *p, const char *le, bool *first)
{
    if (*first && p[0] != 'v')
        return sdp_fail(st, PARLEY_E_PARSE, p, "v=", "the first line must be v=");
    *first = false;
    return fill_line(st, p, pl_str_span(p + 2, le));
}

/* Pass 2: fills the model. */
static int fill(sdp_pstate *st, const char *p, const char *end, const counts *c)
{
    parley_sdp *s = st->s;
    bool first = true;
    s->bw = st->bw;
    s->attrs = st->attrs;
    s->others = st->others;
    s->times = st->times;
    s->media = st->media;
    if (c->nlines <= LINE_CACHE) {
        for (unsigned i = 0; i < c->nlines; i++) {
            int rc = fill_one(st, p + c->line[i][0], p + c->line[i][1], &first);
            if (rc)
                return rc;
        }
    } else {
        while (p < end) {
            const char *next, *raw;
            const char *le = line_end(p, end, &next, &raw);
            if (le != p) {
                int rc = fill_one(st, p, le, &first);
                if (rc)
                    return rc;
            }
            p = next;
        }
    }
    if (first)
        return sdp_fail(st, PARLEY_E_PARSE, end, "v=", "empty description");
    if (!(st->seen_session & bit('o')))
        return sdp_fail(st, PARLEY_E_PARSE, end, "o=", "missing o= line");
    if (!s->name.p)
        s->name = pl_str_make("", 0);
    if (!s->ntimes) {
        s->times = &permanent;
        s->ntimes = 1;
    }
    for (size_t i = 0; i < s->nmedia; i++) {
        parley_sdp_media *m = &st->media[i];
        if (!m->dir_explicit)
            m->dir = s->dir != PARLEY_SDP_DIR_UNSET ? s->dir : PARLEY_SDP_SENDRECV;
        if (m->port && !m->nconns && !s->conn)
            return sdp_fail(st, PARLEY_E_PARSE, m->media.p,
                            "c=", "no connection address for an active media description");
    }
    return 0;
}

int sdp_doc_parse(const char *text, size_t len, const parley_sdp_limits *limits, parley_sdp **out,
                  parley_parse_error *err)
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
    memset(&st, 0, sizeof(st));
    st.base = text;
    st.err = err;
    st.lim = &lim;
    if (err)
        memset(err, 0, sizeof(*err));
    if (len > lim.max_size || len > UINT32_MAX) /* line bounds are kept as 32-bit offsets */
        return sdp_fail(&st, PARLEY_E_LIMIT, NULL, "SDP", "description too large");
    const char *nul = len ? memchr(text, '\0', len) : NULL;
    if (nul)
        return sdp_fail(&st, PARLEY_E_PARSE, nul, "SDP", "NUL byte");
    counts c;
    memset(&c, 0, offsetof(counts, line));
    c.nlines = 0;
    int rc = count_lines(&st, text, text + len, &c);
    if (rc)
        return rc;
    size_t head = al8(sizeof(sdp_doc)) + al8(len + 1);
    size_t arrays = arrays_size(&c);
    char *block = pl_malloc(head + arrays);
    if (!block)
        return sdp_fail(&st, PARLEY_E_NOMEM, NULL, "SDP", "out of memory");
    sdp_doc *d = (sdp_doc *)block;
    memset(d, 0, sizeof(*d));
    char *copy = block + al8(sizeof(sdp_doc));
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    d->data = pl_str_make(copy, len);
    pl_arena_init(&d->arena, block + head, arrays, 0);
    carve(&st, &d->arena, &c);
    st.s = &d->pub;
    st.base = copy;
    rc = fill(&st, copy, copy + len, &c);
    if (rc) {
        pl_arena_release(&d->arena);
        pl_free(d);
        return rc;
    }
    *out = &d->pub;
    return 0;
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
    sdp_doc *d = sdp_doc_of(sdp);
    pl_arena_release(&d->arena);
    pl_free(d);
}
