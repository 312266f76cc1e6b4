/* The offer/answer contract's glue: calling the application and copying what it gives. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

#define DEFAULT_MEDIA_TYPE "application/sdp"

void sess_body_free(sess_body *b)
{
    pl_free(b->ctype);
    pl_free(b->data);
    memset(b, 0, sizeof(*b));
}

static int copy_content(const parley_content *c, sess_body *out)
{
    memset(out, 0, sizeof(*out));
    if (!c->body)
        return 0;
    out->ctype = pl_str_dup(pl_str_c(c->content_type ? c->content_type : DEFAULT_MEDIA_TYPE));
    out->data = pl_malloc(c->len ? c->len : 1);
    if (!out->ctype || !out->data) {
        sess_body_free(out);
        return PARLEY_E_NOMEM;
    }
    memcpy(out->data, c->body, c->len);
    out->len = c->len;
    return 0;
}

int sess_get_offer(parley_session *s, sess_body *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->has_oa || !s->oa.get_offer)
        return 0;
    parley_content c = {0};
    int rc = s->oa.get_offer(s, &c, s->oa_user);
    if (rc)
        return rc;
    return copy_content(&c, out);
}

bool sess_msg_has_body(const sip_msg *m)
{
    return m && m->body.len > 0;
}

void sess_content_of(const sip_msg *m, parley_content *c, char *ctype_buf, size_t size)
{
    const sip_hdr *ct = sip_hdr_first(m, SIP_H_CONTENT_TYPE);
    snprintf(ctype_buf, size, "%.*s", ct ? (int)ct->value.len : 0, ct ? ct->value.p : "");
    c->content_type = ctype_buf;
    c->body = m->body.p;
    c->len = m->body.len;
}

int sess_get_answer(parley_session *s, const sip_msg *offer_msg, sess_body *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->has_oa || !s->oa.get_answer)
        return 0;
    char ctype[256];
    parley_content offer, ans = {0};
    sess_content_of(offer_msg, &offer, ctype, sizeof(ctype));
    int rc = s->oa.get_answer(s, &offer, &ans, s->oa_user);
    if (rc)
        return rc;
    return copy_content(&ans, out);
}

void sess_set_answer(parley_session *s, const sip_msg *m)
{
    if (!sess_msg_has_body(m) || !s->has_oa || !s->oa.set_answer)
        return;
    char ctype[256];
    parley_content ans;
    sess_content_of(m, &ans, ctype, sizeof(ctype));
    s->oa.set_answer(s, &ans, s->oa_user);
}

void sess_print_common(parley_session *s, pl_buf *b)
{
    ep_print_allow(s->ep, b);
    pl_buf_puts(b, "Supported: ms-benotify\r\n");
}
