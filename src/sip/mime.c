/* Bodies of several parts: finding the one a layer above can use (RFC 2046 §5.1, RFC 5621). */
#include "sip/mime.h"

#include <string.h>

#include "sip/scan.h"
#include "sip/uri.h"

/* The boundary of a multipart type; *mixed: every part counts (not alternatives). */
static bool boundary_of(pl_str ctype, bool *mixed, pl_str *b)
{
    pl_str params;
    pl_str type = sip_value_head(ctype, &params);
    if (pl_str_caseeq_lit(type, "multipart/alternative"))
        *mixed = false;
    else if (pl_str_caseeq_lit(type, "multipart/mixed") ||
             pl_str_caseeq_lit(type, "multipart/related"))
        *mixed = true;
    else
        return false;
    if (!sip_param_find(params, "boundary", b))
        return false;
    if (b->len >= 2 && b->p[0] == '"' && b->p[b->len - 1] == '"') {
        b->p++; /* a boundary's characters need no escapes (RFC 2046 §5.1.1 bchars) */
        b->len -= 2;
    }
    return b->len >= 1 && b->len <= 70;
}

/* The next "--" boundary at or after p that starts a line of the body [start, end) and is
 * followed by "--", white space or the line's end (a longer boundary is another one). */
static const char *delimiter(const char *p, const char *start, const char *end, pl_str b)
{
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), b.p, b.len);
        if (!hit)
            return NULL;
        const char *d = hit - 2, *after = hit + b.len;
        if (hit - start >= 2 && d[0] == '-' && d[1] == '-' && (d == start || d[-1] == '\n') &&
            (after == end || *after == '-' || *after == ' ' || *after == '\t' || *after == '\r' ||
             *after == '\n'))
            return d;
        p = hit + 1;
    }
    return NULL;
}

typedef struct search {
    const char *want;
    bool mixed;
    bool found;   /* *part is set */
    bool blocked; /* a part that must be understood is not the one taken */
    pl_str *part;
} search;

/* One part (between its delimiter line and the next delimiter's line break). */
static void take(search *s, pl_str p)
{
    const char *c = p.p, *end = p.p + p.len;
    pl_str type = PL_STR_NULL, disp = PL_STR_NULL;
    bool headers_end = false;
    while (c < end && !headers_end) {
        const char *nl = memchr(c, '\n', (size_t)(end - c));
        pl_str line = pl_str_span(c, nl ? nl : end);
        c = nl ? nl + 1 : end;
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        if (!line.len) {
            headers_end = true;
            break;
        }
        const char *colon = memchr(line.p, ':', line.len);
        if (!colon)
            continue;
        pl_str name = pl_str_trim(pl_str_span(line.p, colon));
        pl_str value = pl_str_trim(pl_str_span(colon + 1, line.p + line.len));
        if (pl_str_caseeq_lit(name, "Content-Type"))
            type = value;
        else if (pl_str_caseeq_lit(name, "Content-Disposition"))
            disp = value;
    }
    pl_str dparams, handling;
    pl_str dtype = sip_value_head(disp, &dparams);
    bool session = !dtype.len || pl_str_caseeq_lit(dtype, "session");
    if (headers_end && !s->found && session &&
        pl_str_casecmp_eq(sip_value_head(type, NULL), pl_str_c(s->want))) {
        s->found = true;
        *s->part = pl_str_span(c, end);
        return;
    }
    if (!s->mixed)
        return; /* alternatives: the one taken is enough */
    bool optional =
        sip_param_find(dparams, "handling", &handling) && pl_str_caseeq_lit(handling, "optional");
    if (!optional)
        s->blocked = true;
}

bool sip_multipart_find(pl_str ctype, pl_str body, const char *want, pl_str *part)
{
    search s = {want, false, false, false, part};
    pl_str b;
    if (!ctype.p || !body.p || !boundary_of(ctype, &s.mixed, &b))
        return false;
    const char *start = body.p, *end = body.p + body.len;
    const char *d = delimiter(start, start, end, b);
    while (d) {
        const char *after = d + 2 + b.len;
        if (end - after >= 2 && after[0] == '-' && after[1] == '-')
            return s.found && !s.blocked; /* the close delimiter */
        const char *nl = memchr(after, '\n', (size_t)(end - after));
        if (!nl)
            break;
        const char *ps = nl + 1, *next = delimiter(ps, start, end, b);
        if (!next)
            break;
        const char *pe = next; /* the line break before a delimiter is the delimiter's */
        if (pe > ps && pe[-1] == '\n')
            pe--;
        if (pe > ps && pe[-1] == '\r')
            pe--;
        take(&s, pl_str_span(ps, pe));
        d = next;
    }
    return false; /* no close delimiter: not a whole body */
}
