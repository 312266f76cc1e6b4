/*
 * Message parsing: start line, header fields, body, then the routing headers eagerly and the
 * checks that make a well-formed message usable (RFC 3261 §7, §8.2, §18.3, §20).
 *
 * Tolerances (each is on purpose and tested):
 *  - bare LF ends a line like CRLF (common in hand-written and some legacy traffic);
 *  - CRLFs before the start line are skipped on datagrams too (RFC 3261 §7.5 asks it of streams);
 *  - '_' is accepted in host names (seen in real deployments);
 *  - a status line may lack the SP before an empty reason phrase;
 *  - Via received= may hold a bracketed IPv6 reference (RFC 5118 §4.5);
 *  - an IPv6 reference may hold RFC 3261's "::" ":" IPv4address form (RFC 5118 §4.10, uri.c).
 */
#include <stddef.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "sip/parse_int.h"
#include "sip/uri.h"
#include "sip/uri_fast.h"

const sip_limits sip_default_limits = PARLEY_PARSE_LIMITS_INIT;

static int severity(int code)
{
    switch (code) {
    case PARLEY_E_NOMEM:
        return 4;
    case PARLEY_E_LIMIT:
        return 3;
    case PARLEY_E_PARSE:
        return 2;
    case PARLEY_E_UNUSABLE:
        return 1;
    default:
        return 0;
    }
}

void sip_fault(sip_msg *m, int code, const char *at, int status, const char *what,
               const char *reason)
{
    if (severity(code) <= severity(m->err.code))
        return;
    m->err.code = code;
    m->err.offset = at ? (long)(at - m->data.p) : -1;
    m->err.status = status;
    m->err.what = what;
    m->err.reason = reason;
}

/* ---- start line ---- */

static bool parse_version(pl_str v)
{
    /* "SIP" "/" 1*DIGIT "." 1*DIGIT, "SIP" case-insensitive */
    if (v.len == 7 && memcmp(v.p, "SIP/2.0", 7) == 0)
        return true;
    if (v.len < 7 || !pl_str_caseeq_lit(pl_str_make(v.p, 4), "SIP/"))
        return false;
    size_t i = 4, d = 0;
    while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9')
        i++, d++;
    if (!d || i >= v.len || v.p[i] != '.')
        return false;
    i++;
    d = 0;
    while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9')
        i++, d++;
    return d && i == v.len;
}

static void check_version(sip_msg *m, pl_str v)
{
    if (!parse_version(v)) {
        sip_fault(m, PARLEY_E_PARSE, v.p, 400, "Request-Line", "malformed SIP version");
        return;
    }
    m->version = v;
    if (!pl_str_eq_lit(pl_str_make(v.p + 4, v.len - 4), "2.0"))
        sip_fault(m, PARLEY_E_UNUSABLE, v.p, 505, "SIP-Version", "unsupported SIP version");
}

static void parse_status_line(sip_msg *m, pl_str line)
{
    const char *what = "Status-Line";
    const char *sp = memchr(line.p, ' ', line.len);
    pl_str version = sp ? pl_str_span(line.p, sp) : line;
    if (!parse_version(version)) {
        sip_fault(m, PARLEY_E_PARSE, line.p, 400, what, "malformed SIP version");
        return;
    }
    m->version = version;
    if (!pl_str_eq_lit(pl_str_make(version.p + 4, version.len - 4), "2.0"))
        sip_fault(m, PARLEY_E_UNUSABLE, version.p, 505, what, "unsupported SIP version");
    if (!sp) {
        sip_fault(m, PARLEY_E_PARSE, line.p + line.len, 400, what, "missing status code");
        return;
    }
    const char *p = sp + 1, *end = line.p + line.len;
    const char *cs = p;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    if (p - cs != 3 || (p < end && *p != ' ')) {
        sip_fault(m, PARLEY_E_PARSE, cs, 400, what, "status code is not three digits");
        return;
    }
    unsigned code = (unsigned)((cs[0] - '0') * 100 + (cs[1] - '0') * 10 + (cs[2] - '0'));
    if (code < 100 || code > 699) {
        sip_fault(m, PARLEY_E_PARSE, cs, 400, what, "status code out of range");
        return;
    }
    m->status = (uint16_t)code;
    m->reason = p < end ? pl_str_span(p + 1, end) : pl_str_make(end, 0);
}

static void parse_request_line(sip_msg *m, pl_str line)
{
    const char *what = "Request-Line";
    const char *end = line.p + line.len;
    /* a method is most often shorter than 16 bytes: its SP is in the line's first block */
    unsigned sps = line.len >= 16 ? sip_block_eq(line.p, ' ') : 0;
    const char *sp1 = sps ? line.p + __builtin_ctz(sps) : memchr(line.p, ' ', line.len);
    if (!sp1) {
        sip_fault(m, PARLEY_E_PARSE, end, 400, what, "missing Request-URI and SIP version");
        return;
    }
    pl_str method = pl_str_span(line.p, sp1);
    sip_method id = sip_method_from_str(method);
    /* a known method is a token; any other is checked */
    const char *bad = id == SIP_METHOD_OTHER ? sip_run(method.p, sp1, SIP_C_TOKEN) : sp1;
    if (bad != sp1) {
        sip_fault(m, PARLEY_E_PARSE, bad, 400, what, "invalid character in method");
        return;
    }
    if (!method.len) {
        sip_fault(m, PARLEY_E_PARSE, line.p, 400, what, "empty method");
        return;
    }
    m->method = method;
    m->method_id = (uint8_t)id;
    if (end[-1] == ' ' || end[-1] == '\t') {
        sip_fault(m, PARLEY_E_PARSE, end - 1, 400, what, "trailing whitespace in Request-Line");
        return;
    }
    /* the last SP: nearly always the one before "SIP/2.0" */
    const char *sp2 = end - 8;
    if (end - sp1 < 9 || memcmp(sp2, " SIP/2.0", 8) != 0) {
        sp2 = end - 1;
        while (sp2 > sp1 && *sp2 != ' ')
            sp2--;
    }
    if (sp2 == sp1) {
        sip_fault(m, PARLEY_E_PARSE, end, 400, what, "missing SIP version");
        return;
    }
    pl_str uri = pl_str_span(sp1 + 1, sp2);
    /* A URI that parses holds no whitespace; one that does not is searched for it, since
     * whitespace is the fault to report first (before the version's). */
    const char *at = NULL, *why = NULL;
    /* The fast path over the rest of the line: it stops at the SP (no part of a URI holds one),
     * and with the version after the URI it has the room to read an address without a bounds
     * check per digit. Stopping anywhere else, the URI is read alone, the general way too. */
    bool uri_ok = sip_uri_fast_run(uri.p, end, &m->ruri) == sp2;
    if (uri_ok)
        m->ruri.raw = uri;
    else
        uri_ok = sip_uri_parse(uri, &m->ruri, &at, &why) == 0;
    for (size_t i = 0; !uri_ok && i < uri.len; i++) {
        if (uri.p[i] == ' ' || uri.p[i] == '\t') {
            sip_fault(m, PARLEY_E_PARSE, uri.p + i, 400, "Request-URI",
                      "whitespace in Request-URI");
            memset(&m->ruri, 0, sizeof(m->ruri));
            return;
        }
    }
    check_version(m, pl_str_span(sp2 + 1, end));
    if (!uri_ok) {
        sip_fault(m, PARLEY_E_PARSE, at, 400, "Request-URI", why);
        m->ruri.raw = uri;
        return;
    }
    if (m->ruri.headers.len && m->ruri.kind != SIP_URI_OTHER)
        sip_fault(m, PARLEY_E_UNUSABLE, m->ruri.headers.p - 1, 400, "Request-URI",
                  "headers are not allowed in the Request-URI");
}

/* ---- typed fields and usability ---- */

/* Comments ("(...)", RFC 3261 §25.1) nest; a hostile peer could nest them without end. Only the
 * depth is checked here (the values are read on demand). */
static void check_comment_nesting(sip_msg *m, const sip_hdr *h, unsigned max)
{
    unsigned depth = 0;
    bool quoted = false;
    for (size_t i = 0; i < h->value.len; i++) {
        char c = h->value.p[i];
        if (c == '\\') {
            i++; /* quoted-pair: the next character is taken as it is */
        } else if (c == '"' && depth == 0) {
            quoted = !quoted;
        } else if (!quoted && c == '(') {
            if (++depth > max) {
                sip_fault(m, PARLEY_E_LIMIT, h->value.p + i, 400, sip_hdr_table[h->id].name,
                          "comments nested too deeply");
                return;
            }
        } else if (!quoted && c == ')' && depth) {
            depth--;
        }
    }
}

static void parse_routing_headers(sip_msg *m, const sip_limits *lim)
{
    sip_via **via_tail = &m->via;
    sip_naddr **contact_tail = &m->contact, **route_tail = &m->route, **rr_tail = &m->record_route;
    for (uint16_t i = 0; i < m->nhdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        sip_hdr_id id = (sip_hdr_id)h->id;
        if (m->err.code) { /* most messages have no fault: one test */
            if (m->err.code == PARLEY_E_NOMEM)
                return;
            /* past a limit, only what an answer needs is worth the work */
            if (m->err.code == PARLEY_E_LIMIT && !sip_answer_field(id))
                continue;
        }
        /* the first field of its id (the usual case) is settled by one compare */
        if (m->first[id] != i && id != SIP_H_OTHER && (sip_hdr_table[id].flags & SIP_HF_SINGLE)) {
            sip_fault(m, PARLEY_E_UNUSABLE, m->data.p + h->offset, 400, sip_hdr_table[id].name,
                      "header field appears more than once");
            continue;
        }
        uint64_t v;
        switch (id) {
        case SIP_H_VIA:
            sip_parse_via_field(m, h, lim, &via_tail);
            break;
        case SIP_H_FROM:
        case SIP_H_TO: {
            sip_naddr *one = NULL, **tail = &one;
            if (sip_parse_naddr_field(m, h, lim, false, &tail)) {
                if (id == SIP_H_FROM)
                    m->from = one;
                else
                    m->to = one;
            }
            break;
        }
        case SIP_H_CONTACT:
            sip_parse_naddr_field(m, h, lim, true, &contact_tail);
            break;
        case SIP_H_ROUTE:
            sip_parse_naddr_field(m, h, lim, true, &route_tail);
            break;
        case SIP_H_RECORD_ROUTE:
            sip_parse_naddr_field(m, h, lim, true, &rr_tail);
            break;
        case SIP_H_CALL_ID:
            sip_check_call_id(m, h);
            break;
        case SIP_H_CSEQ:
            sip_parse_cseq_field(m, h);
            break;
        case SIP_H_MAX_FORWARDS:
            if (sip_parse_uint_field(m, h, 255, &v))
                m->max_forwards = (int)v;
            break;
        case SIP_H_CONTENT_LENGTH:
            if (sip_parse_uint_field(m, h, INT32_MAX, &v))
                m->content_length = (int64_t)v;
            break;
        case SIP_H_CONTENT_TYPE:
            sip_parse_ctype_field(m, h);
            break;
        case SIP_H_DATE:
            sip_check_date(m, h);
            break;
        case SIP_H_USER_AGENT:
        case SIP_H_SERVER:
            check_comment_nesting(m, h, lim->max_nesting);
            break;
        default:
            break;
        }
    }
}

/* The CSeq method is the request's: two known methods are the same text exactly when they have
 * the same id. */
static bool same_method(const sip_msg *m)
{
    if (m->method_id != SIP_METHOD_OTHER && m->cseq.method_id != SIP_METHOD_OTHER)
        return m->method_id == m->cseq.method_id;
    return pl_str_eq(m->cseq.method, m->method);
}

static void check_mandatory(sip_msg *m)
{
    static const struct {
        sip_hdr_id id;
        const char *name;
    } need[] = {{SIP_H_VIA, "Via"},
                {SIP_H_FROM, "From"},
                {SIP_H_TO, "To"},
                {SIP_H_CALL_ID, "Call-ID"},
                {SIP_H_CSEQ, "CSeq"}};
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (m->first[need[i].id] == SIP_HDR_NONE)
            sip_fault(m, PARLEY_E_UNUSABLE, NULL, 400, need[i].name,
                      "missing mandatory header field");
    if (m->is_request && m->has_cseq && m->method.len && !same_method(m))
        sip_fault(m, PARLEY_E_UNUSABLE, m->data.p + m->hdrs[m->first[SIP_H_CSEQ]].offset, 400,
                  "CSeq", "method does not match the request method");
}

static void take_body(sip_msg *m, const char *body, const char *end, unsigned flags)
{
    size_t avail = (size_t)(end - body);
    if (m->content_length < 0) {
        if (flags & PARLEY_PARSE_STREAM) {
            sip_fault(m, PARLEY_E_UNUSABLE, NULL, 400, "Content-Length", "required on a stream");
            m->body = pl_str_make(body, 0);
            m->consumed = (size_t)(body - m->data.p);
            return;
        }
        m->body = pl_str_make(body, avail);
    } else if ((uint64_t)m->content_length > avail) {
        const sip_hdr *h = &m->hdrs[m->first[SIP_H_CONTENT_LENGTH]];
        sip_fault(m, PARLEY_E_UNUSABLE, h->value.p, 400, "Content-Length", "larger than the body");
        m->body = pl_str_make(body, avail);
    } else {
        m->body = pl_str_make(body, (size_t)m->content_length);
    }
    m->consumed = (size_t)(m->body.p + m->body.len - m->data.p);
}

static size_t arena_hint(size_t len)
{
    size_t n = 2048 + 3 * len;
    return n > 32768 ? 32768 : n;
}

static sip_limits merge_limits(const sip_limits *lim)
{
    sip_limits l = sip_default_limits;
    if (lim) {
        if (lim->max_size)
            l.max_size = lim->max_size;
        if (lim->max_headers)
            l.max_headers = lim->max_headers > 0xfffe ? 0xfffe : lim->max_headers;
        if (lim->max_line)
            l.max_line = lim->max_line;
        if (lim->max_list)
            l.max_list = lim->max_list;
        if (lim->max_nesting)
            l.max_nesting = lim->max_nesting;
    }
    return l;
}

static sip_msg *msg_alloc(const char *data, size_t len)
{
    size_t hint = arena_hint(len);
    size_t hdr_bytes = 16 * sizeof(sip_hdr);
    char *block = pl_malloc(sizeof(sip_msg) + len + 1 + hdr_bytes + hint);
    if (!block)
        return NULL;
    sip_msg *m = (sip_msg *)block;
    /* zero all but first[] (all ones below) */
    size_t after_first = offsetof(sip_msg, first) + sizeof(m->first);
    memset(m, 0, offsetof(sip_msg, first));
    memset((char *)m + after_first, 0, sizeof(*m) - after_first);
    atomic_init(&m->refs, 1);
    char *copy = block + sizeof(sip_msg);
    if (len) /* data may be NULL when len is 0 */
        memcpy(copy, data, len);
    copy[len] = '\0';
    m->data = pl_str_make(copy, len);
    m->max_forwards = -1;
    m->content_length = -1;
    memset(m->first, 0xff, sizeof(m->first));
    pl_arena_init(&m->arena, copy + len + 1, hdr_bytes + hint, 0);
    m->hdrs = pl_arena_alloc(&m->arena, hdr_bytes);
    m->hdr_cap = 16;
    return m;
}

static const sip_error nomem_error = {PARLEY_E_NOMEM, -1, 500, "message", "out of memory"};

/*
 * A request line over the limit: the method is read (an answer must know the request is no ACK)
 * and a request whose method is sound is answered 414 (RFC 3261 §21.4.15), its header section
 * salvaged. Anything else over the limit is not read further.
 */
static bool long_start_line(sip_msg *m, pl_str line)
{
    const char *sp = m->is_request ? memchr(line.p, ' ', line.len < 64 ? line.len : 64) : NULL;
    pl_str method = sp ? pl_str_span(line.p, sp) : PL_STR_NULL;
    for (size_t i = 0; i < method.len; i++)
        if (!sip_is((unsigned char)method.p[i], SIP_C_TOKEN))
            method.len = 0;
    if (!method.len) {
        sip_fault(m, PARLEY_E_LIMIT, line.p, 400, "message", "start line too long");
        return false;
    }
    m->method = method;
    m->method_id = (uint8_t)sip_method_from_str(method);
    sip_fault(m, PARLEY_E_LIMIT, sp + 1, 414, "Request-URI", "Request-URI too long");
    return true;
}

/* Reads the start line; returns where the header section starts, or NULL when nothing after the
 * start line can be read. */
static const char *parse_start_line(sip_msg *m, const char *p, const char *end,
                                    const sip_limits *lim)
{
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    const char *le, *cr, *nul;
    const char *nl = sip_next_line(m->data.p, p, end, &le, &cr, &nul);
    if (p == end || !nl) {
        sip_fault(m, PARLEY_E_PARSE, end, 400, "message", "no complete start line");
        return NULL;
    }
    size_t ll = (size_t)(le - p);
    if (cr) {
        sip_fault(m, PARLEY_E_PARSE, cr, 400, "message", "bare CR inside a line");
        return NULL;
    }
    pl_str line = pl_str_make(p, ll);
    m->is_request = !(line.len >= 4 && pl_str_caseeq_lit(pl_str_make(p, 4), "SIP/"));
    if (line.len > lim->max_line)
        return long_start_line(m, line) ? nl + 1 : NULL;
    if (nul)
        sip_fault(m, PARLEY_E_PARSE, nul, 400, m->is_request ? "Request-Line" : "Status-Line",
                  "NUL byte in start line");
    if (m->is_request)
        parse_request_line(m, line);
    else
        parse_status_line(m, line);
    return nl + 1;
}

int sip_msg_parse(const char *data, size_t len, unsigned flags, const sip_limits *limits,
                  sip_msg **out, sip_error *err)
{
    if (!out || (!data && len))
        return PARLEY_E_INVAL;
    *out = NULL;
    sip_limits lim = merge_limits(limits);
    /* an oversize message keeps no more than max_size bytes: enough to answer it 513 */
    bool too_big = len > lim.max_size || (flags & SIP_PARSE_TOO_LARGE);
    size_t keep = len > lim.max_size ? lim.max_size : len;
    sip_msg *m = msg_alloc(data, keep);
    if (!m) {
        if (err)
            *err = nomem_error;
        return PARLEY_E_NOMEM;
    }
    *out = m;
    if (too_big) {
        sip_fault(m, PARLEY_E_LIMIT, NULL, 513, "message", "message too large");
        m->consumed = len;
    }
    const char *end = m->data.p + keep;
    const char *hdrs = parse_start_line(m, m->data.p, end, &lim);
    if (!hdrs)
        goto done;
    /* past a limit, the header section is only searched for what an answer needs */
    const char *body =
        sip_split_headers(m, hdrs, end, &lim, m->err.code == PARLEY_E_LIMIT, too_big);
    parse_routing_headers(m, &lim);
    if (!body) {
        m->consumed = len;
        goto done;
    }
    if (m->err.code == PARLEY_E_LIMIT)
        goto done;
    check_mandatory(m);
    take_body(m, body, end, flags);
done:
    if (err)
        *err = m->err;
    int rc = m->err.code;
    if (rc == PARLEY_E_NOMEM) {
        /* a message missing some of its fields would mislead: none at all */
        sip_msg_free(m);
        *out = NULL;
    }
    return rc;
}

void sip_msg_free(sip_msg *m)
{
    if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    pl_arena_release(&m->arena);
    pl_free(m);
}
