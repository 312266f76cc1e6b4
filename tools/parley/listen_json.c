#include "listen_json.h"

#include "json.h"
#include "sip/build.h"
#include "sip/msg.h"

/* Standard headers a stack adds on its own: not application headers. Credentials are the
 * stack's too (it checked them), and printing them would hand out a replayable response. */
static bool protocol_header(const sip_hdr *h)
{
    switch (h->id) {
    case SIP_H_AUTHORIZATION:
    case SIP_H_PROXY_AUTHORIZATION:
    case SIP_H_USER_AGENT:
    case SIP_H_SERVER:
    case SIP_H_ALLOW:
    case SIP_H_ALLOW_EVENTS:
    case SIP_H_SUPPORTED:
    case SIP_H_REQUIRE:
    case SIP_H_ACCEPT:
    case SIP_H_ACCEPT_ENCODING:
    case SIP_H_ACCEPT_LANGUAGE:
    case SIP_H_CONTENT_ENCODING:
    case SIP_H_DATE:
    case SIP_H_TIMESTAMP:
    case SIP_H_SESSION_EXPIRES:
    case SIP_H_MIN_SE:
    case SIP_H_RSEQ:
    case SIP_H_RACK:
        return true;
    default:
        return sip_header_restricted(h->name);
    }
}

void listen_custom_headers_json(pl_buf *b, const parley_msg *m)
{
    pl_buf_puts(b, ",\"headers\":{");
    bool first = true;
    for (uint16_t i = 0; i < m->nhdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        if (protocol_header(h))
            continue;
        /* one key per name: later fields with the same name are joined with ", " */
        bool seen = false;
        for (uint16_t j = 0; j < i; j++)
            if (!protocol_header(&m->hdrs[j]) && pl_str_casecmp_eq(m->hdrs[j].name, h->name))
                seen = true;
        if (seen)
            continue;
        pl_buf v;
        pl_buf_init(&v, h->value.len + 8);
        pl_buf_put_str(&v, h->value);
        for (uint16_t j = i + 1; j < m->nhdrs; j++) {
            if (pl_str_casecmp_eq(m->hdrs[j].name, h->name)) {
                pl_buf_puts(&v, ", ");
                pl_buf_put_str(&v, m->hdrs[j].value);
            }
        }
        if (!first)
            pl_buf_putc(b, ',');
        first = false;
        json_str(b, h->name);
        pl_buf_putc(b, ':');
        json_str(b, pl_buf_str(&v));
        pl_buf_free(&v);
    }
    pl_buf_putc(b, '}');
}

void listen_message_json(pl_buf *b, const parley_msg *m)
{
    pl_buf_puts(b, "{\"event\":\"message\",\"type\":");
    json_str(b, m->method);
    pl_buf_puts(b, ",\"from\":");
    json_str(b, m->from ? m->from->uri.raw : PL_STR_NULL);
    pl_buf_puts(b, ",\"content_type\":");
    const sip_hdr *ct = sip_hdr_first(m, SIP_H_CONTENT_TYPE);
    json_str(b, ct ? ct->value : PL_STR_NULL);
    pl_buf_puts(b, ",\"body\":");
    json_str(b, m->body);
    listen_custom_headers_json(b, m);
    pl_buf_putc(b, '}');
}
