/* The public read-only message API (include/parley/msg.h) over the internal model. */
#include "core/buf.h"
#include "parley/error.h"
#include "sip/msg.h"
#include "sip/print.h"

int parley_msg_parse(const void *data, size_t len, unsigned flags,
                     const parley_parse_limits *limits, parley_msg **out, parley_parse_error *err)
{
    return sip_msg_parse(data, len, flags & PARLEY_PARSE_STREAM, limits, out, err);
}

parley_msg *parley_msg_ref(parley_msg *m)
{
    if (m)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void parley_msg_unref(parley_msg *m)
{
    sip_msg_free(m);
}

int parley_msg_is_request(const parley_msg *m)
{
    return m->is_request;
}

parley_slice parley_msg_method(const parley_msg *m)
{
    return m->is_request ? m->method : PL_STR_NULL;
}

parley_slice parley_msg_request_uri(const parley_msg *m)
{
    return m->is_request ? m->ruri.raw : PL_STR_NULL;
}

int parley_msg_status(const parley_msg *m)
{
    return m->is_request ? 0 : m->status;
}

parley_slice parley_msg_reason(const parley_msg *m)
{
    return m->reason;
}

parley_slice parley_msg_call_id(const parley_msg *m)
{
    return m->call_id;
}

uint32_t parley_msg_cseq(const parley_msg *m, parley_slice *method)
{
    if (method)
        *method = m->cseq.method;
    return m->cseq.num;
}

parley_slice parley_msg_body(const parley_msg *m)
{
    return m->body;
}

size_t parley_msg_header_count(const parley_msg *m)
{
    return m->nhdrs;
}

int parley_msg_header_at(const parley_msg *m, size_t i, parley_slice *name, parley_slice *value)
{
    if (i >= m->nhdrs)
        return PARLEY_E_NOTFOUND;
    if (name)
        *name = m->hdrs[i].name;
    if (value)
        *value = m->hdrs[i].value;
    return 0;
}

int parley_msg_header(const parley_msg *m, const char *name, size_t nth, parley_slice *value)
{
    if (!name)
        return PARLEY_E_INVAL;
    const sip_hdr *h = sip_hdr_find(m, pl_str_c(name), nth);
    if (!h)
        return PARLEY_E_NOTFOUND;
    if (value)
        *value = h->value;
    return 0;
}

size_t parley_msg_print(const parley_msg *m, char *buf, size_t size)
{
    pl_buf b;
    pl_buf_init(&b, m->data.len + 64);
    sip_msg_print(&b, m);
    size_t n = b.len;
    if (!pl_buf_ok(&b))
        n = 0;
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        if (c)
            memcpy(buf, b.data, c);
        buf[c] = '\0';
    }
    pl_buf_free(&b);
    return n;
}
