/* message/sipfrag (RFC 3420): sipfrag = [ start-line ] *message-header [ CRLF [ message-body ] ] */
#include "sip/sipfrag.h"

#include "parley/error.h"
#include "sip/chars.h"
#include "sip/msg.h"
#include "sip/scan.h"
#include "sip/uri.h"

typedef struct cursor {
    const char *start; /* of the input, for offsets */
    const char *p, *end;
    sip_sipfrag *out;
} cursor;

static int fail(cursor *c, const char *at, const char *why)
{
    c->out->error = why;
    c->out->error_offset = (size_t)(at - c->start);
    return PARLEY_E_PARSE;
}

/* The line at c->p without its line end (CRLF, bare LF, or the end of the input); *next is the
 * line after it. */
static pl_str peek_line(const cursor *c, const char **next)
{
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *le = nl ? nl : c->end;
    if (le > c->p && le[-1] == '\r')
        le--;
    *next = nl ? nl + 1 : c->end;
    return pl_str_span(c->p, le);
}

/* NUL and CR have no place in a line (a CR only ends one). */
static int check_octets(cursor *c, pl_str line)
{
    const char *bad = memchr(line.p, '\0', line.len);
    if (bad)
        return fail(c, bad, "NUL byte");
    bad = memchr(line.p, '\r', line.len);
    if (bad)
        return fail(c, bad, "bare CR inside a line");
    return 0;
}

/* Where the ':' of a header field line is, or NULL when the line is none. */
static const char *field_colon(pl_str line)
{
    const char *q = line.p, *e = line.p + line.len;
    while (q < e && sip_is((unsigned char)*q, SIP_C_TOKEN))
        q++;
    if (q == line.p)
        return NULL;
    while (q < e && sip_is_wsp(*q))
        q++;
    return q < e && *q == ':' ? q : NULL;
}

static bool is_sip20(pl_str v)
{
    return pl_str_caseeq_lit(v, "SIP/2.0");
}

static int status_line(cursor *c, pl_str line)
{
    sip_sipfrag *f = c->out;
    const char *e = line.p + line.len;
    const char *sp = memchr(line.p, ' ', line.len);
    if (!is_sip20(pl_str_span(line.p, sp ? sp : e)))
        return fail(c, line.p, "not a SIP/2.0 status line");
    const char *code = sp ? sp + 1 : e;
    if (e - code < 3 || (e - code > 3 && code[3] != ' '))
        return fail(c, code, "status code is not three digits");
    unsigned v = 0;
    for (int i = 0; i < 3; i++) {
        if (code[i] < '0' || code[i] > '9')
            return fail(c, code, "status code is not three digits");
        v = v * 10 + (unsigned)(code[i] - '0');
    }
    if (v < 100 || v > 699)
        return fail(c, code, "status code out of range");
    f->is_response = true;
    f->status = (uint16_t)v;
    f->reason = e - code > 3 ? pl_str_span(code + 4, e) : pl_str_make(e, 0);
    return 0;
}

static int request_line(cursor *c, pl_str line)
{
    sip_sipfrag *f = c->out;
    const char *e = line.p + line.len;
    const char *sp1 = memchr(line.p, ' ', line.len);
    const char *sp2 = e;
    while (sp2 > line.p && sp2[-1] != ' ')
        sp2--;
    pl_str version = pl_str_span(sp2, e);
    if (!sp1 || sp2 - 1 <= sp1 || !sip_is_token(line.p, (size_t)(sp1 - line.p)) ||
        version.len < 4 || !pl_str_caseeq_lit(pl_str_make(sp2, 4), "SIP/"))
        return fail(c, line.p, "neither a start line nor a header field");
    if (!is_sip20(version))
        return fail(c, sp2, "not a SIP/2.0 request line");
    pl_str uri = pl_str_span(sp1 + 1, sp2 - 1);
    sip_uri u;
    const char *at = NULL, *why = NULL;
    if (sip_uri_parse(uri, &u, &at, &why) != 0)
        return fail(c, at ? at : uri.p, why ? why : "malformed Request-URI");
    f->method = pl_str_span(line.p, sp1);
    f->request_uri = uri;
    return 0;
}

/* The first line: a start line, or already the first header field (then nothing is read). */
static int start_line(cursor *c)
{
    const char *next;
    pl_str line = peek_line(c, &next);
    int rc = check_octets(c, line);
    if (rc)
        return rc;
    if (!line.len)
        return fail(c, line.p, "empty fragment");
    if (field_colon(line))
        return 0;
    c->out->has_start = true;
    bool status = line.len >= 4 && pl_str_caseeq_lit(pl_str_make(line.p, 4), "SIP/");
    rc = status ? status_line(c, line) : request_line(c, line);
    c->p = next;
    return rc;
}

static int header_lines(cursor *c)
{
    sip_sipfrag *f = c->out;
    const char *first = c->p;
    bool in_field = false;
    while (c->p < c->end) {
        const char *next;
        pl_str line = peek_line(c, &next);
        int rc = check_octets(c, line);
        if (rc)
            return rc;
        if (!line.len) { /* the empty line: a body may follow */
            f->body = pl_str_span(next, c->end);
            break;
        }
        if (sip_is_wsp(*line.p)) {
            if (!in_field)
                return fail(c, line.p, "continuation line without a header field");
        } else if (field_colon(line)) {
            f->nheaders++;
            in_field = true;
        } else {
            return fail(c, line.p, "malformed header field");
        }
        c->p = next;
    }
    f->headers = pl_str_span(first, c->p);
    return 0;
}

int sip_sipfrag_parse(const char *p, size_t len, sip_sipfrag *out)
{
    if (!out || (!p && len))
        return PARLEY_E_INVAL;
    memset(out, 0, sizeof(*out));
    if (!len) {
        out->error = "empty fragment";
        return PARLEY_E_PARSE;
    }
    cursor c = {p, p, p + len, out};
    int rc = start_line(&c);
    if (!rc)
        rc = header_lines(&c);
    if (!rc && !out->has_start && !out->nheaders)
        rc = fail(&c, p, "empty fragment");
    if (rc) {
        const char *why = out->error;
        size_t at = out->error_offset;
        memset(out, 0, sizeof(*out));
        out->error = why;
        out->error_offset = at;
    }
    return rc;
}

bool sip_sipfrag_header(const sip_sipfrag *f, pl_str name, size_t nth, pl_str *value)
{
    sip_hdr_id want = sip_hdr_lookup(name.p, name.len);
    cursor c = {f->headers.p, f->headers.p, f->headers.p + f->headers.len, NULL};
    while (c.p < c.end) {
        const char *next;
        pl_str line = peek_line(&c, &next);
        const char *colon = field_colon(line);
        if (!colon) { /* parsed fragments hold fields only: never taken */
            c.p = next;
            continue;
        }
        /* the field runs on over its continuation lines */
        const char *fe = line.p + line.len;
        while (next < c.end && sip_is_wsp(*next)) {
            c.p = next;
            pl_str more = peek_line(&c, &next);
            fe = more.p + more.len;
        }
        c.p = next;
        pl_str n = pl_str_trim(pl_str_span(line.p, colon));
        bool match =
            want != SIP_H_OTHER ? sip_hdr_lookup(n.p, n.len) == want : pl_str_casecmp_eq(n, name);
        if (match && nth-- == 0) {
            const char *vs = colon + 1;
            while (vs < fe && sip_is_lws_char(*vs))
                vs++;
            while (fe > vs && sip_is_lws_char(fe[-1]))
                fe--;
            *value = pl_str_span(vs, fe);
            return true;
        }
    }
    return false;
}
