#include "msg_json.h"

#include "json.h"
#include "sip/print.h"

/* Writes a text built in a temporary buffer as a JSON string and frees the temporary. If it
 * could not be built, b fails too: a silently emptied value would be a wrong answer. */
static void json_tmp(pl_buf *b, pl_buf *tmp)
{
    if (!pl_buf_ok(tmp) && pl_buf_ok(b))
        b->err = tmp->err;
    json_str(b, pl_buf_str(tmp));
    pl_buf_free(tmp);
}

static void naddr_json(pl_buf *b, const sip_naddr *na)
{
    bool first = true;
    pl_buf_putc(b, '{');
    if (na->display.len) {
        pl_buf tmp;
        pl_buf_init(&tmp, na->display.len + 1);
        sip_print_display(&tmp, na->display);
        json_key(b, &first, "display");
        json_tmp(b, &tmp);
    }
    json_key(b, &first, "uri");
    json_str(b, na->uri.raw);
    if (pl_str_set(na->tag)) {
        json_key(b, &first, "tag");
        json_str(b, na->tag);
    }
    pl_buf_putc(b, '}');
}

static unsigned via_port(const sip_via *v)
{
    if (v->port)
        return v->port;
    return pl_str_caseeq_lit(v->transport, "TLS") ? 5061 : 5060;
}

static void via_json(pl_buf *b, const sip_via *v)
{
    bool first = true;
    pl_buf_putc(b, '{');
    json_key(b, &first, "transport");
    json_str(b, v->transport);
    json_key(b, &first, "host");
    if (v->host_type == SIP_HOST_IPV6)
        json_str(b, pl_str_make(v->host.p - 1, v->host.len + 2)); /* with its brackets */
    else
        json_str(b, v->host);
    json_key(b, &first, "port");
    pl_buf_put_u64(b, via_port(v));
    if (pl_str_set(v->branch)) {
        json_key(b, &first, "branch");
        json_str(b, v->branch);
    }
    pl_buf_putc(b, '}');
}

static void error_text(pl_buf *b, const sip_error *e)
{
    pl_buf t;
    pl_buf_init(&t, 64);
    if (e->what) {
        pl_buf_puts(&t, e->what);
        pl_buf_puts(&t, ": ");
    }
    pl_buf_puts(&t, e->reason ? e->reason : "invalid message");
    json_tmp(b, &t);
}

void msg_json(pl_buf *b, const sip_msg *m, int rc)
{
    bool first = true;
    pl_buf_putc(b, '{');
    json_key(b, &first, "valid");
    pl_buf_puts(b, rc == 0 ? "true" : "false");
    if (rc != 0) {
        json_key(b, &first, "error");
        error_text(b, &m->err);
        json_key(b, &first, "offset");
        pl_buf_put_i64(b, m->err.offset);
    }
    if (!m->is_request && m->status == 0 && !m->version.len && !m->method.len) {
        pl_buf_putc(b, '}');
        return; /* nothing readable */
    }
    json_key(b, &first, "type");
    json_cstr(b, m->is_request ? "request" : "response");
    if (m->is_request) {
        if (m->method.len) {
            json_key(b, &first, "method");
            json_str(b, m->method);
        }
        if (m->ruri.raw.len) {
            json_key(b, &first, "request_uri");
            json_str(b, m->ruri.raw);
        }
    } else if (m->status) {
        json_key(b, &first, "status");
        pl_buf_put_u64(b, m->status);
        json_key(b, &first, "reason");
        json_str(b, m->reason);
    }
    if (pl_str_set(m->call_id)) {
        json_key(b, &first, "call_id");
        json_str(b, m->call_id);
    }
    if (m->has_cseq) {
        json_key(b, &first, "cseq");
        pl_buf_puts(b, "{\"number\":");
        pl_buf_put_u64(b, m->cseq.num);
        pl_buf_puts(b, ",\"method\":");
        json_str(b, m->cseq.method);
        pl_buf_putc(b, '}');
    }
    if (m->from) {
        json_key(b, &first, "from");
        naddr_json(b, m->from);
    }
    if (m->to) {
        json_key(b, &first, "to");
        naddr_json(b, m->to);
    }
    if (m->via) {
        json_key(b, &first, "via");
        pl_buf_putc(b, '[');
        for (const sip_via *v = m->via; v; v = v->next) {
            via_json(b, v);
            if (v->next)
                pl_buf_putc(b, ',');
        }
        pl_buf_putc(b, ']');
    }
    if (m->max_forwards >= 0) {
        json_key(b, &first, "max_forwards");
        pl_buf_put_u64(b, (uint64_t)m->max_forwards);
    }
    if (m->contact || m->contact_star) {
        json_key(b, &first, "contact");
        pl_buf_putc(b, '[');
        if (m->contact_star)
            json_cstr(b, "*");
        for (const sip_naddr *c = m->contact; c; c = c->next) {
            json_str(b, c->uri.raw);
            if (c->next)
                pl_buf_putc(b, ',');
        }
        pl_buf_putc(b, ']');
    }
    if (m->ctype.type.len) {
        json_key(b, &first, "content_type");
        pl_buf t;
        pl_buf_init(&t, 64);
        pl_buf_put_str(&t, m->ctype.type);
        pl_buf_putc(&t, '/');
        pl_buf_put_str(&t, m->ctype.subtype);
        json_tmp(b, &t);
    }
    if (m->content_length >= 0) {
        json_key(b, &first, "content_length");
        pl_buf_put_u64(b, (uint64_t)m->content_length);
    }
    if (m->body.p) {
        json_key(b, &first, "body_length");
        pl_buf_put_u64(b, m->body.len);
    }
    json_key(b, &first, "header_count");
    pl_buf_put_u64(b, m->nhdrs);
    pl_buf_putc(b, '}');
}
