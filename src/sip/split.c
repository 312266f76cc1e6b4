/*
 * Splitting the header section into fields (RFC 3261 §7.3), with the faults that belong to the
 * section itself: bare CR, NUL bytes, lines that are not fields, the line and count limits.
 *
 * A fault does not end the scan. From the first fault on, only the fields a response copies
 * from its request (Via, From, To, Call-ID, CSeq: RFC 3261 §8.2.6.2) are still collected, and at
 * most SALVAGE_MAX of them, so that a request over a limit or with one broken line can still be
 * answered 400 or 513 instead of vanishing. The scan stays linear in the input (itself bounded
 * by max_size) and stores a bounded number of fields.
 */
#include "parley/error.h"
#include "sip/hdr_line.h"
#include "sip/parse_int.h"

/* Fields kept after a fault: a Via per proxy on the path plus the four single ones. */
#define SALVAGE_MAX 32

typedef struct splitter {
    sip_msg *m;
    const sip_limits *lim;
    const char *lo, *end;       /* the message's bytes */
    uint16_t last[SIP_H_COUNT]; /* the last field of each id, to chain the next one */
    bool salvage;               /* a fault was recorded: keep only what an answer needs */
    unsigned salvaged;
    /* the field being collected (its folded lines included) */
    const char *field, *colon;
    pl_str name;
    sip_hdr_id id; /* of name */
    bool bad;      /* the field broke a rule: dropped when it ends */
    bool nul;      /* its value holds a NUL byte: checked when it ends */
} splitter;

bool sip_answer_field(sip_hdr_id id)
{
    return id == SIP_H_VIA || id == SIP_H_FROM || id == SIP_H_TO || id == SIP_H_CALL_ID ||
           id == SIP_H_CSEQ;
}

/* The first fault of the section is recorded; every later one only drops what it touches. */
static void fault(splitter *sp, int code, const char *at, const char *what, const char *reason)
{
    if (!sp->salvage)
        sip_fault(sp->m, code, at, 400, what, reason);
    sp->salvage = true;
}

static inline bool add_header(sip_msg *m, sip_hdr_id id, pl_str name, pl_str value,
                              const char *line, uint16_t *last)
{
    if (m->nhdrs == m->hdr_cap) {
        /* nhdrs stays below 0xffff (see keep_field): so may the capacity */
        uint16_t cap = m->hdr_cap > 0x7fff ? 0xffff : (uint16_t)(m->hdr_cap * 2);
        sip_hdr *n = pl_arena_alloc(&m->arena, sizeof(sip_hdr) * cap);
        if (!n)
            return false;
        memcpy(n, m->hdrs, sizeof(sip_hdr) * m->nhdrs);
        m->hdrs = n;
        m->hdr_cap = cap;
    }
    uint16_t i = m->nhdrs++;
    sip_hdr *h = &m->hdrs[i];
    h->name = name;
    h->value = value;
    h->offset = (uint32_t)(line - m->data.p);
    h->id = (uint16_t)id;
    h->next = SIP_HDR_NONE;
    if (id != SIP_H_OTHER) {
        if (last[id] == SIP_HDR_NONE)
            m->first[id] = i;
        else
            m->hdrs[last[id]].next = i;
        last[id] = i;
    }
    return true;
}

/*
 * Trims LWS (which may hold line breaks) at both ends. The end goes first so that an empty value
 * stays just after its colon, where a fault about it points, rather than on the next line.
 */
static pl_str trim_value(const char *s, const char *e)
{
    while (e > s && sip_is_lws_char(e[-1]))
        e--;
    while (s < e && sip_is_lws_char(*s))
        s++;
    return pl_str_span(s, e);
}

/* The fault's "what" for a field: its canonical name when the stack knows it. */
static const char *field_what(sip_hdr_id id)
{
    return id == SIP_H_OTHER ? "headers" : sip_hdr_table[id].name;
}

/*
 * RFC 3261 §25.1 lets a NUL appear only as the escaped octet of a quoted-pair, inside a quoted
 * string or a comment (RFC 4475's intmeth has one in a display name). Returns the first NUL of
 * p..e that is not one, or NULL. Called only for the rare fields that hold a NUL at all.
 */
static const char *stray_nul(const char *p, const char *e)
{
    bool quoted = false;
    unsigned depth = 0;
    for (; p < e; p++) {
        char c = *p;
        if (c == '\\' && (quoted || depth) && p + 1 < e)
            p++; /* quoted-pair: the next octet is taken as it is */
        else if (c == '\0')
            return p;
        else if (c == '"' && !depth)
            quoted = !quoted;
        else if (c == '(' && !quoted)
            depth++;
        else if (c == ')' && !quoted && depth)
            depth--;
    }
    return NULL;
}

/* Whether the field that ends at fe is stored; false only when memory ran out. */
static bool keep_field(splitter *sp, const char *fe)
{
    sip_msg *m = sp->m;
    const char *field = sp->field;
    sp->field = NULL;
    if (sp->bad)
        return true;
    const char *nul = sp->nul ? stray_nul(sp->colon + 1, fe) : NULL;
    if (nul) {
        fault(sp, PARLEY_E_PARSE, nul, field_what(sp->id), "NUL byte in header value");
        return true;
    }
    if (!sp->salvage && m->nhdrs >= sp->lim->max_headers)
        fault(sp, PARLEY_E_LIMIT, field, "headers", "too many header fields");
    if (sp->salvage) {
        /* the one field over the count limit is itself sound: it may be kept */
        if (!sip_answer_field(sp->id) || sp->salvaged >= SALVAGE_MAX || m->nhdrs >= 0xfffe)
            return true;
        sp->salvaged++;
    }
    if (!add_header(m, sp->id, sp->name, trim_value(sp->colon + 1, fe), field, sp->last)) {
        sip_fault(m, PARLEY_E_NOMEM, field, 500, "headers", "out of memory");
        return false;
    }
    return true;
}

/* Starts a field at line p..le (not a continuation); marks it bad when the line is no field. */
static void begin_field(splitter *sp, const char *p, const char *le, const char *nul)
{
    const char *q = p;
    unsigned hash = SIP_HDR_HASH_INIT; /* the name's, for its id, taken on the way */
    while (q < le && sip_is((unsigned char)*q, SIP_C_TOKEN))
        hash = sip_hdr_hash_step(hash, *q++);
    pl_str name = pl_str_span(p, q);
    sp->id = name.len ? sip_hdr_lookup_hashed(name.p, name.len, hash) : SIP_H_OTHER;
    while (q < le && (*q == ' ' || *q == '\t'))
        q++;
    sp->field = p;
    sp->colon = q;
    sp->name = name;
    sp->bad = false;
    sp->nul = nul != NULL;
    if (nul && nul == q) {
        /* the name stops at the NUL: it is inside the name, not after the colon */
        fault(sp, PARLEY_E_PARSE, nul, "headers", "NUL byte in header name");
        sp->bad = true;
    } else if (!name.len || q == le || *q != ':') {
        fault(sp, PARLEY_E_PARSE, name.len ? q : p, "headers",
              name.len ? "missing ':' after header name" : "invalid header name");
        sp->bad = true;
    }
}

static inline bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * The end of the line at p when it is plain: it ends with CRLF or LF and holds no byte up to
 * 0x0d before (no NUL, no bare CR; an HT or another such control sends the line the long way
 * too). Returns its CR or LF with *nl set to its LF, or NULL.
 */
static inline const char *plain_line(const char *lo, const char *p, const char *end,
                                     const char **nl)
{
    const char *s = sip_find_low(lo, p, end);
    if (s == end)
        return NULL;
    if (*s == '\n') {
        *nl = s;
        return s;
    }
    if (*s != '\r' || s + 1 == end || s[1] != '\n')
        return NULL;
    *nl = s + 1;
    return s;
}

/*
 * The fast loop: stores whole fields of one plain line each ("Name: value", see plain_line,
 * within the limits) as the loop in sip_split_headers would, and stops at the first
 * line that is anything else (a folded field, a fault, a limit, the end of the input), leaving
 * it and all after it to that loop. A field is stored once the next line is known to end and not
 * to continue it: whether a field before a broken last line is kept is that loop's decision.
 * Returns the line to go on from; *body is set instead when the empty line that ends the section
 * was reached.
 */
static const char *split_fast(splitter *sp, const char *p, const char **body)
{
    sip_msg *m = sp->m;
    const char *lo = sp->lo, *end = sp->end, *nl;
    const size_t max_line = sp->lim->max_line;
    const unsigned max_headers = sp->lim->max_headers;
    const char *le = plain_line(lo, p, end, &nl);
    if (!le || *p == ' ') /* an HT is no plain line's */
        return p;
    for (;;) {
        if (le == p) {
            *body = nl + 1;
            return NULL;
        }
        /* the line after, which must not continue this one (checked here for every line but
         * the first) */
        const char *next = nl + 1, *next_nl;
        const char *next_le = plain_line(lo, next, end, &next_nl);
        if (!next_le || *next == ' ' || (size_t)(next - p) > max_line || m->nhdrs >= max_headers)
            return p;
        /* Most lines are a known name right before its colon: found by the colon's place and
         * a compare of whole words, without a pass over the name. Others are scanned as
         * begin_field does. */
        const char *q = p;
        sip_hdr_id id = SIP_H_OTHER;
        if (end - p >= 16) {
            unsigned colons = sip_block_eq(p, ':');
            size_t n = colons ? (size_t)__builtin_ctz(colons) : 0;
            if (n && p + n < le && (id = sip_hdr_lookup_line(p, n)) != SIP_H_OTHER)
                q = p + n;
        }
        const char *colon = q;
        if (q == p) {
            unsigned hash = SIP_HDR_HASH_INIT;
            while (q < le && sip_is((unsigned char)*q, SIP_C_TOKEN))
                hash = sip_hdr_hash_step(hash, *q++);
            if (q == p)
                return p;
            id = sip_hdr_lookup_hashed(p, (size_t)(q - p), hash);
            colon = q;
            while (colon < le && is_wsp(*colon))
                colon++;
            if (colon == le || *colon != ':')
                return p;
        }
        /* the value: trimmed of SP, the only whitespace a plain line holds (most often one
         * after the colon, none at the end) */
        const char *vs = colon + 1, *ve = le;
        if (ve - vs >= 2 && *vs == ' ' && vs[1] != ' ' && ve[-1] != ' ') {
            vs++;
        } else {
            /* the end first, so that an empty value stays right after its colon */
            while (ve > vs && ve[-1] == ' ')
                ve--;
            while (vs < ve && *vs == ' ')
                vs++;
        }
        if (!add_header(m, id, pl_str_span(p, q), pl_str_span(vs, ve), p, sp->last))
            return p; /* out of memory: the loop below meets it again and says so */
        p = next;
        le = next_le;
        nl = next_nl;
    }
}

const char *sip_split_headers(sip_msg *m, const char *p, const char *end, const sip_limits *lim,
                              bool salvage, bool cut)
{
    splitter sp = {.m = m, .lim = lim, .lo = m->data.p, .end = end, .salvage = salvage};
    memset(sp.last, 0xff, sizeof(sp.last));
    if (!salvage) {
        const char *body = NULL;
        p = split_fast(&sp, p, &body);
        if (!p)
            return body;
    }
    for (;;) {
        const char *le, *cr, *nul;
        const char *nl = sip_next_line(sp.lo, p, end, &le, &cr, &nul);
        bool continuation = p < le && (*p == ' ' || *p == '\t');
        bool ends_field = !continuation;
        if (!nl) {
            fault(&sp, PARLEY_E_PARSE, end, "headers",
                  "header section does not end with an empty line");
            /* The field in progress is kept when it is known whole: a line that does not
             * continue it follows, or a datagram ends right after it (input cut short, over
             * max_size, may end inside a folded field). A last line without a line end is not
             * read. */
            ends_field = (p < end && *p != ' ' && *p != '\t') || (p == end && !cut);
        }
        if (sp.field && ends_field && !keep_field(&sp, p))
            return NULL;
        if (!nl)
            return NULL;
        if (le == p) /* empty line: end of headers */
            return sp.salvage ? NULL : nl + 1;
        if (continuation) {
            if (!sp.field) {
                fault(&sp, PARLEY_E_PARSE, p, "headers",
                      "continuation line without a header field");
            } else if (nul) {
                sp.nul = true;
            }
        } else {
            begin_field(&sp, p, le, nul);
        }
        if (cr) {
            fault(&sp, PARLEY_E_PARSE, cr, "headers", "bare CR inside a line");
            sp.bad = true;
        }
        if (sp.field && !sp.bad && (size_t)(nl + 1 - sp.field) > lim->max_line) {
            fault(&sp, PARLEY_E_LIMIT, sp.field, "headers", "header field too long");
            sp.bad = true;
        }
        p = nl + 1;
    }
}
