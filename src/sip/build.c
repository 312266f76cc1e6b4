#include "sip/build.h"

#include <string.h>

#include "parley/error.h"
#include "sip/chars.h"
#include "sip/print.h"
#include "sip/uri.h"

void sip_out_init(sip_out *o)
{
    memset(o, 0, sizeof(*o));
    pl_buf_init(&o->buf, 0);
}

void sip_out_free(sip_out *o)
{
    pl_buf_free(&o->buf);
}

static sip_span put_span(pl_buf *b, pl_str s)
{
    sip_span sp = {(uint32_t)b->len, (uint32_t)s.len};
    pl_buf_put_str(b, s);
    return sp;
}

static void put_header_start(pl_buf *b, const char *name)
{
    pl_buf_puts(b, name);
    pl_buf_put(b, ": ", 2);
}

int sip_build_request(sip_out *o, const sip_req_parts *p)
{
    pl_buf *b = &o->buf;
    pl_buf_reset(b);
    pl_buf_reserve(b, 512 + p->body.len + p->extra_raw.len);
    o->method_id = (uint8_t)sip_method_from_str(p->method);
    o->cseq = p->cseq;
    o->method = put_span(b, p->method);
    pl_buf_putc(b, ' ');
    o->ruri = put_span(b, p->ruri);
    pl_buf_put(b, " SIP/2.0\r\n", 10);
    put_header_start(b, "Via");
    o->via = put_span(b, p->via);
    pl_buf_put(b, "\r\n", 2);
    o->routes.off = (uint32_t)b->len;
    for (size_t i = 0; i < p->nroutes; i++)
        sip_print_header(b, PL_STR_LIT("Route"), p->routes[i]);
    o->routes.len = (uint32_t)(b->len - o->routes.off);
    pl_buf_puts(b, "Max-Forwards: ");
    pl_buf_put_u64(b, p->max_forwards < 0 ? 70 : (uint64_t)p->max_forwards);
    pl_buf_put(b, "\r\n", 2);
    put_header_start(b, "From");
    o->from = put_span(b, p->from);
    pl_buf_put(b, "\r\n", 2);
    put_header_start(b, "To");
    o->to = put_span(b, p->to);
    pl_buf_put(b, "\r\n", 2);
    put_header_start(b, "Call-ID");
    o->call_id = put_span(b, p->call_id);
    pl_buf_put(b, "\r\n", 2);
    pl_buf_puts(b, "CSeq: ");
    pl_buf_put_u64(b, p->cseq);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, p->method);
    pl_buf_put(b, "\r\n", 2);
    if (p->contact.len)
        sip_print_header(b, PL_STR_LIT("Contact"), p->contact);
    for (size_t i = 0; i < p->nextra; i++)
        sip_print_header(b, pl_str_c(p->extra[i].name), pl_str_c(p->extra[i].value));
    pl_buf_put_str(b, p->extra_raw);
    sip_print_body(b, p->content_type, p->body);
    return pl_buf_ok(b) ? 0 : PARLEY_E_NOMEM;
}

/* Opens a gap of n bytes at offset at (the bytes after it move up); spans at or after it move
 * with them, a span that holds `at` inside (or ends there, for grow_end) grows by n. */
static int insert_at(sip_out *o, size_t at, pl_str text, sip_span *grow_end)
{
    pl_buf *b = &o->buf;
    if (!text.len)
        return 0;
    if (!pl_buf_reserve(b, text.len))
        return PARLEY_E_NOMEM;
    memmove(b->data + at + text.len, b->data + at, b->len - at);
    memcpy(b->data + at, text.p, text.len);
    b->len += text.len;
    sip_span *spans[] = {&o->method, &o->ruri, &o->via, &o->from, &o->to, &o->call_id, &o->routes};
    for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
        if (spans[i] == grow_end)
            spans[i]->len += (uint32_t)text.len;
        else if (spans[i]->off >= at && spans[i]->len)
            spans[i]->off += (uint32_t)text.len;
    }
    return 0;
}

int sip_out_add_routes(sip_out *o, const pl_str *routes, size_t n)
{
    if (!n)
        return 0;
    pl_buf lines;
    pl_buf_init(&lines, 64 * n);
    for (size_t i = 0; i < n; i++)
        sip_print_header(&lines, PL_STR_LIT("Route"), routes[i]);
    int rc = pl_buf_ok(&lines)
                 ? insert_at(o, o->routes.off + o->routes.len, pl_buf_str(&lines), &o->routes)
                 : PARLEY_E_NOMEM;
    pl_buf_free(&lines);
    return rc;
}

int sip_out_add_lines(sip_out *o, pl_str lines)
{
    const pl_buf *b = &o->buf;
    const char *end = NULL;
    for (size_t i = 0; i + 4 <= b->len; i++) {
        if (!memcmp(b->data + i, "\r\n\r\n", 4)) {
            end = b->data + i + 2;
            break;
        }
    }
    if (!end)
        return PARLEY_E_INVAL;
    return insert_at(o, (size_t)(end - b->data), lines, NULL);
}

static void put_derived(const sip_out *o, pl_buf *b, const char *method, pl_str to)
{
    const pl_buf *src = &o->buf;
    pl_buf_puts(b, method);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, sip_span_str(src, o->ruri));
    pl_buf_put(b, " SIP/2.0\r\nVia: ", 15);
    pl_buf_put_str(b, sip_span_str(src, o->via));
    pl_buf_put(b, "\r\n", 2);
    pl_buf_put_str(b, sip_span_str(src, o->routes));
    pl_buf_puts(b, "Max-Forwards: 70\r\nFrom: ");
    pl_buf_put_str(b, sip_span_str(src, o->from));
    pl_buf_puts(b, "\r\nTo: ");
    pl_buf_put_str(b, to);
    pl_buf_puts(b, "\r\nCall-ID: ");
    pl_buf_put_str(b, sip_span_str(src, o->call_id));
    pl_buf_puts(b, "\r\nCSeq: ");
    pl_buf_put_u64(b, o->cseq);
    pl_buf_putc(b, ' ');
    pl_buf_puts(b, method);
    pl_buf_put(b, "\r\n", 2);
}

int sip_build_cancel(const sip_out *o, pl_buf *b, const sip_kv *extra, size_t nextra)
{
    put_derived(o, b, "CANCEL", sip_span_str(&o->buf, o->to));
    for (size_t i = 0; i < nextra; i++)
        sip_print_header(b, pl_str_c(extra[i].name), pl_str_c(extra[i].value));
    sip_print_body(b, PL_STR_NULL, PL_STR_NULL);
    return pl_buf_ok(b) ? 0 : PARLEY_E_NOMEM;
}

int sip_build_ack_non2xx(const sip_out *o, const sip_msg *resp, pl_buf *b)
{
    const sip_hdr *to = sip_hdr_first(resp, SIP_H_TO);
    put_derived(o, b, "ACK", to ? to->value : sip_span_str(&o->buf, o->to));
    sip_print_body(b, PL_STR_NULL, PL_STR_NULL);
    return pl_buf_ok(b) ? 0 : PARLEY_E_NOMEM;
}

/* Whether s holds a byte up to SP (whitespace or a control), eight bytes a word at a time: the
 * subtraction sets the high bit of a byte below 0x21 (or of a later one it borrowed from, only
 * when there is such a byte), and ~w keeps bytes of 0x80 and more out. */
static bool has_space_or_ctl(pl_str s)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= s.len; i += 8) {
        uint64_t w;
        memcpy(&w, s.p + i, 8);
        if ((w - 0x21 * ones) & ~w & highs)
            return true;
    }
    for (; i < s.len; i++)
        if ((unsigned char)s.p[i] <= ' ')
            return true;
    return false;
}

/* Whether s holds a control byte (below SP), eight bytes a word at a time, as has_space_or_ctl. */
static bool has_ctl(pl_str s)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= s.len; i += 8) {
        uint64_t w;
        memcpy(&w, s.p + i, 8);
        if ((w - 0x20 * ones) & ~w & highs)
            return true;
    }
    for (; i < s.len; i++)
        if ((unsigned char)s.p[i] < ' ')
            return true;
    return false;
}

/* The Via's parameters one by one, without received (stamped after them) and with our rport
 * value, whitespace dropped. */
static void print_via_params(pl_buf *b, const sip_via *v, const sip_resp_opts *stamp)
{
    sip_param_iter it;
    pl_str n, val;
    sip_param_iter_init(&it, v->params, ';');
    while (sip_param_next(&it, &n, &val)) {
        if (pl_str_caseeq_lit(n, "received"))
            continue;
        pl_buf_putc(b, ';');
        pl_buf_put_str(b, n);
        if (pl_str_caseeq_lit(n, "rport") && stamp->rport && !val.len) {
            pl_buf_putc(b, '=');
            pl_buf_put_u64(b, stamp->rport);
        } else if (val.len) {
            pl_buf_putc(b, '=');
            pl_buf_put_str(b, val);
        }
    }
}

static size_t decimal_digits(unsigned v)
{
    return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
}

/*
 * Whether the Via as received is what the printer below makes of it with nothing stamped into
 * its parameters: "protocol/version/transport host[:port][;params]", one SP, no other
 * whitespace, the port without leading zeros. The parts are slices of raw, so their places and
 * raw's length tell: any whitespace or leading zero the parser skipped makes raw longer than
 * its parts printed, and a gap where a separator goes would be whitespace.
 */
static bool via_canonical(const sip_via *v)
{
    const char *r = v->raw.p;
    size_t head = v->protocol.len + v->version.len + v->transport.len + 2; /* up to the SP */
    bool v6 = v->host_type == SIP_HOST_IPV6;
    size_t len = head + 1 + v->host.len + (v6 ? 2 : 0) +
                 (v->port ? 1 + decimal_digits(v->port) : 0) +
                 (v->params.len ? 1 + v->params.len : 0);
    return v->raw.len == len && v->protocol.p == r && v->version.p == r + v->protocol.len + 1 &&
           v->transport.p == v->version.p + v->version.len + 1 && r[head] == ' ' &&
           v->host.p == r + head + 1 + (v6 ? 1 : 0) &&
           (!v->params.len || v->params.p + v->params.len == r + len);
}

void sip_print_via(pl_buf *b, const sip_via *v, const sip_resp_opts *stamp)
{
    if (!stamp) {
        pl_buf_put_str(b, v->raw);
        return;
    }
    bool keep_params = !v->has_rport && !pl_str_set(v->received) && !has_space_or_ctl(v->params);
    if (keep_params && via_canonical(v)) {
        /* the usual Via: what the pieces below would print is the received text, copied
         * whole (one copy instead of eleven pieces and a number) */
        pl_buf_put_str(b, v->raw);
        goto stamp_received;
    }
    pl_buf_put_str(b, v->protocol);
    pl_buf_putc(b, '/');
    pl_buf_put_str(b, v->version);
    pl_buf_putc(b, '/');
    pl_buf_put_str(b, v->transport);
    pl_buf_putc(b, ' ');
    if (v->host_type == SIP_HOST_IPV6) {
        pl_buf_putc(b, '[');
        pl_buf_put_str(b, v->host);
        pl_buf_putc(b, ']');
    } else {
        pl_buf_put_str(b, v->host);
    }
    if (v->port) {
        pl_buf_putc(b, ':');
        pl_buf_put_u64(b, v->port);
    }
    if (keep_params) {
        /* nothing to stamp into the list and nothing to drop from it, no whitespace to drop:
         * the loop below would copy it as it is */
        if (v->params.len) {
            pl_buf_putc(b, ';');
            pl_buf_put_str(b, v->params);
        }
    } else {
        print_via_params(b, v, stamp);
    }
stamp_received:
    /* RFC 3261 §18.2.1: received when the sent-by host differs; RFC 3581: always with rport */
    if (stamp->received.len && (v->has_rport || !pl_str_casecmp_eq(v->host, stamp->received))) {
        pl_buf_puts(b, ";received=");
        pl_buf_put_str(b, stamp->received);
    } else if (pl_str_set(v->received)) {
        pl_buf_puts(b, ";received=");
        pl_buf_put_str(b, v->received);
    }
}

/*
 * The request's field h as sip_print_header prints it under the name canon. When the request
 * wrote it just so ("From: value" on one line: the usual case), that is the bytes it came in:
 * copied in one piece.
 */
static inline __attribute__((always_inline)) void copy_field(pl_buf *b, pl_str canon,
                                                             const sip_hdr *h)
{
    /* inlined: canon is a literal at every call, its compare a few loads. A value with a
     * control byte (a folded line's CR LF, a tab) goes to sip_print_header, which prints the
     * same one-line value as it is */
    pl_str v = h->value;
    if (h->name.len == canon.len && v.p == h->name.p + canon.len + 2 &&
        memcmp(h->name.p, canon.p, canon.len) == 0 && h->name.p[canon.len] == ':' &&
        h->name.p[canon.len + 1] == ' ' && v.len && !has_ctl(v)) {
        pl_buf_put(b, h->name.p, canon.len + 2 + v.len);
        pl_buf_put(b, "\r\n", 2);
        return;
    }
    sip_print_header(b, canon, v);
}

void sip_print_response_head(pl_buf *b, const sip_msg *req, unsigned status, pl_str reason,
                             const sip_resp_opts *o)
{
    if (!reason.len)
        reason = pl_str_c(sip_reason_phrase(status));
    sip_print_status_line(b, status, reason);
    for (const sip_via *v = req->via; v; v = v->next) {
        pl_buf_put(b, "Via: ", 5);
        sip_print_via(b, v, v == req->via ? o : NULL);
        pl_buf_put(b, "\r\n", 2);
    }
    const sip_hdr *h = sip_hdr_first(req, SIP_H_FROM);
    if (h)
        copy_field(b, PL_STR_LIT("From"), h);
    h = sip_hdr_first(req, SIP_H_TO);
    if (h) {
        copy_field(b, PL_STR_LIT("To"), h);
        if (req->to && !pl_str_set(req->to->tag) && o && o->to_tag.len) {
            b->len -= 2; /* before the CRLF */
            pl_buf_puts(b, ";tag=");
            pl_buf_put_str(b, o->to_tag);
            pl_buf_put(b, "\r\n", 2);
        }
    }
    h = sip_hdr_first(req, SIP_H_CALL_ID);
    if (h)
        copy_field(b, PL_STR_LIT("Call-ID"), h);
    h = sip_hdr_first(req, SIP_H_CSEQ);
    if (h)
        copy_field(b, PL_STR_LIT("CSeq"), h);
}

bool sip_header_restricted(pl_str name)
{
    static const sip_hdr_id owned[] = {
        SIP_H_VIA,          SIP_H_FROM,           SIP_H_TO,
        SIP_H_CALL_ID,      SIP_H_CSEQ,           SIP_H_MAX_FORWARDS,
        SIP_H_CONTACT,      SIP_H_ROUTE,          SIP_H_RECORD_ROUTE,
        SIP_H_CONTENT_TYPE, SIP_H_CONTENT_LENGTH, SIP_H_RACK,
        SIP_H_RSEQ,
    };
    sip_hdr_id id = sip_hdr_lookup(name.p, name.len);
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        if (id == owned[i])
            return true;
    return false;
}

bool sip_header_value_ok(const char *value)
{
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) /* CR, LF and other controls: not TEXT-UTF8 */
            return false;
    return true;
}

bool sip_media_type_ok(const char *ct)
{
    if (!ct)
        return false;
    if (!strcmp(ct, "application/sdp"))
        return true; /* nearly every body: one compare instead of two byte loops */
    if (!sip_header_value_ok(ct))
        return false;
    const char *slash = strchr(ct, '/');
    if (!slash || !sip_is_token(ct, (size_t)(slash - ct)))
        return false;
    const char *e = slash + 1;
    while (*e && sip_is((unsigned char)*e, SIP_C_TOKEN))
        e++;
    if (e == slash + 1)
        return false;
    while (*e == ' ' || *e == '\t')
        e++;
    return *e == '\0' || *e == ';'; /* parameters: any header value text */
}

int sip_header_check(const char *name, const char *value)
{
    if (!name || !value || !*name)
        return PARLEY_E_INVAL;
    for (const char *p = name; *p; p++)
        if (!sip_is((unsigned char)*p, SIP_C_TOKEN))
            return PARLEY_E_INVAL;
    if (!sip_header_value_ok(value))
        return PARLEY_E_INVAL;
    if (sip_header_restricted(pl_str_c(name)))
        return PARLEY_E_HEADER_RESTRICTED;
    return 0;
}
