/* Splitting SIP messages out of a TCP/TLS byte stream (RFC 3261 §18.3, RFC 5626 §3.5.1). */
#include "parley/error.h"
#include "sip/msg.h"
#include "sip/scan.h"

/* Finds the empty line that ends the header section; returns the first body byte or NULL. */
static const char *find_body(const char *p, const char *end, const char **hdr_end)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        const char *q = nl + 1;
        if (q < end && *q == '\n') {
            *hdr_end = q;
            return q + 1;
        }
        if (q + 1 < end && q[0] == '\r' && q[1] == '\n') {
            *hdr_end = q;
            return q + 2;
        }
        if (q + 1 >= end && q < end && *q == '\r')
            return NULL; /* need one more byte to tell */
        p = q;
    }
    return NULL;
}

static bool is_content_length(pl_str name)
{
    return pl_str_caseeq_lit(name, "Content-Length") || pl_str_caseeq_lit(name, "l");
}

/* Looks for Content-Length in the header section. 1 found, 0 absent, -1 malformed. */
static int content_length(const char *p, const char *end, uint64_t *out)
{
    int found = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (*p != ' ' && *p != '\t') {
            const char *c = memchr(p, ':', (size_t)(le - p));
            if (c) {
                pl_str name = pl_str_trim(pl_str_span(p, c));
                if (is_content_length(name)) {
                    /* the value may be folded onto following lines */
                    const char *ve = le;
                    while (ve + 1 < end && (ve[1] == ' ' || ve[1] == '\t')) {
                        const char *n2 = memchr(ve + 1, '\n', (size_t)(end - ve - 1));
                        ve = n2 ? n2 : end;
                    }
                    uint64_t v;
                    if (found || !pl_str_to_u64(pl_str_trim(pl_str_span(c + 1, ve)), INT32_MAX, &v))
                        return -1;
                    *out = v;
                    found = 1;
                }
            }
        }
        p = nl ? nl + 1 : end;
    }
    return found;
}

int sip_frame(const char *data, size_t len, const sip_limits *lim, size_t *skip, size_t *msg_len)
{
    const sip_limits *l = lim ? lim : &sip_default_limits;
    size_t max = l->max_size ? l->max_size : sip_default_limits.max_size;
    const char *p = data, *end = data + len;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    *skip = (size_t)(p - data);
    *msg_len = 0;
    if (p == end)
        return PARLEY_E_INCOMPLETE;
    const char *hdr_end = NULL;
    const char *body = find_body(p, end, &hdr_end);
    if (!body)
        return (size_t)(end - p) > max ? PARLEY_E_LIMIT : PARLEY_E_INCOMPLETE;
    uint64_t cl = 0;
    const char *first_nl = memchr(p, '\n', (size_t)(hdr_end - p));
    int r = content_length(first_nl ? first_nl + 1 : hdr_end, hdr_end, &cl);
    if (r < 0)
        return PARLEY_E_PARSE;
    size_t total = (size_t)(body - p) + (size_t)cl;
    if (total > max)
        return PARLEY_E_LIMIT;
    if ((size_t)(end - p) < total)
        return PARLEY_E_INCOMPLETE;
    *msg_len = total;
    return 0;
}
