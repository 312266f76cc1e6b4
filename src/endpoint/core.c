/*
 * The endpoint's UAS core for requests outside sessions (RFC 3261 §8.2): scheme and extension
 * checks, OPTIONS, page-mode requests, and the answers to what nobody handles (481, 405, 501).
 */
#include <string.h>

#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/print.h"
#include "sip/scan.h"
#include "sip/uri.h"

int ep_reply(parley_endpoint *ep, txn_server *t, unsigned status, const char *reason,
             pl_str extra_raw)
{
    char tag[EP_TAG_LEN + 1];
    ep_new_tag(tag);
    char room[1536];
    pl_buf b;
    pl_buf_init_on(&b, room, sizeof(room));
    ep_print_head(ep, t, &b, status, reason, status > 100 ? tag : NULL);
    ep_print_server(ep, &b, NULL, 0);
    pl_buf_put_str(&b, extra_raw);
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    int rc = pl_buf_ok(&b) ? txn_server_respond(t, status, b.data, b.len) : PARLEY_E_NOMEM;
    pl_buf_free(&b);
    return rc;
}

static void reply_with_allow(parley_endpoint *ep, txn_server *t, unsigned status)
{
    pl_buf x;
    pl_buf_init(&x, 128);
    ep_print_allow(ep, &x, false);
    ep_reply(ep, t, status, NULL, pl_buf_str(&x));
    pl_buf_free(&x);
}

/* Option tags this endpoint implements (RFC 3261 §8.2.2.3). */
static bool supported_option(pl_str tag)
{
    return pl_str_caseeq_lit(tag, "ms-benotify") || pl_str_caseeq_lit(tag, "100rel") ||
           pl_str_caseeq_lit(tag, "timer") || pl_str_caseeq_lit(tag, "replaces");
}

/* Answers 420 when Require names an extension we lack; returns true when it did. */
static bool check_require(parley_endpoint *ep, txn_server *t, const sip_msg *m)
{
    pl_buf bad;
    pl_buf_init(&bad, 0);
    for (const sip_hdr *h = sip_hdr_first(m, SIP_H_REQUIRE); h; h = sip_hdr_next(m, h)) {
        pl_str v = h->value, item;
        while (sip_list_next(&v, &item)) {
            if (item.len && !supported_option(item)) {
                pl_buf_puts(&bad, bad.len ? ", " : "Unsupported: ");
                pl_buf_put_str(&bad, item);
            }
        }
    }
    if (!bad.len) {
        pl_buf_free(&bad);
        return false;
    }
    pl_buf_puts(&bad, "\r\n");
    ep_reply(ep, t, 420, NULL, pl_buf_str(&bad));
    pl_buf_free(&bad);
    return true;
}

void ep_print_accept(parley_endpoint *ep, pl_buf *b)
{
    pl_buf_puts(b, "Accept: application/sdp");
    for (size_t i = 0; ep->accept[i]; i++) {
        pl_buf_puts(b, ", ");
        pl_buf_puts(b, ep->accept[i]);
    }
    pl_buf_puts(b, "\r\n" EP_ACCEPT_ENCODING "Accept-Language: en\r\n");
}

static void answer_options(parley_endpoint *ep, txn_server *t)
{
    pl_buf x;
    pl_buf_init(&x, 256);
    ep_print_allow(ep, &x, true);
    ep_print_accept(ep, &x);
    /* the extensions its sessions take (RFC 3261 §11.2), as their INVITEs and 2xx say */
    pl_buf_puts(&x, ep->cfg.rel100 == PARLEY_100REL_UNSUPPORTED ? EP_SUPPORTED_PLAIN "\r\n"
                                                                : EP_SUPPORTED_100REL "\r\n");
    ep_reply(ep, t, 200, NULL, pl_buf_str(&x));
    pl_buf_free(&x);
}

bool ep_unknown_encoding(const sip_msg *m)
{
    for (const sip_hdr *h = sip_hdr_first(m, SIP_H_CONTENT_ENCODING); h; h = sip_hdr_next(m, h)) {
        pl_str v = h->value, item;
        while (sip_list_next(&v, &item))
            if (item.len && !pl_str_caseeq_lit(item, "identity"))
                return true;
    }
    return false;
}

static void page_request(parley_endpoint *ep, txn_server *t, sip_msg *m)
{
    if (!ep->cfg.on_message) {
        reply_with_allow(ep, t, 405);
        return;
    }
    if (m->body.len > ep->max_body) {
        ep_reply(ep, t, 413, NULL, PL_STR_NULL);
        return;
    }
    if (m->body.len && ep_unknown_encoding(m)) {
        /* RFC 3261 §8.2.3: 415 naming the codings understood, not a body handed up undecoded */
        ep_reply(ep, t, 415, NULL, PL_STR_LIT(EP_ACCEPT_ENCODING));
        return;
    }
    /* a body says its type (RFC 3261 §20.15: Content-Type MUST be there with one); without it
     * nothing tells the application how to read the bytes: refused as a type not accepted */
    if (m->body.len &&
        (!m->ctype.type.len || !ep_accepts_type(ep, m->ctype.type, m->ctype.subtype))) {
        pl_buf x;
        pl_buf_init(&x, 128);
        pl_buf_puts(&x, "Accept: ");
        for (size_t i = 0; ep->accept[i]; i++) {
            if (i)
                pl_buf_puts(&x, ", ");
            pl_buf_puts(&x, ep->accept[i]);
        }
        pl_buf_puts(&x, "\r\n");
        ep_reply(ep, t, 415, NULL, pl_buf_str(&x));
        pl_buf_free(&x);
        return;
    }
    if (ep_page_merged(ep, m)) {
        ep_reply(ep, t, 482, NULL, PL_STR_NULL); /* the application has it already */
        return;
    }
    parley_request *req = ep_request_new(ep, t, NULL);
    if (!req) {
        ep_reply(ep, t, 500, NULL, PL_STR_NULL);
        return;
    }
    ep->cfg.on_message(ep, req, ep->cfg.user);
    ep_request_finish(req, 200);
}

void ep_on_request(void *arg, txn_server *t, sip_msg *m, const tp_rx *rx)
{
    parley_endpoint *ep = arg;
    if (ep->stopping) {
        ep_reply(ep, t, 503, NULL, PL_STR_NULL);
        return;
    }
    if (m->ruri.kind != SIP_URI_SIP && m->ruri.kind != SIP_URI_SIPS &&
        m->ruri.kind != SIP_URI_TEL) {
        ep_reply(ep, t, 416, NULL, PL_STR_NULL);
        return;
    }
    if (m->method_id != SIP_METHOD_CANCEL && check_require(ep, t, m))
        return;
    if (m->method_id != SIP_METHOD_INVITE && m->method_id != SIP_METHOD_CANCEL &&
        m->method_id != SIP_METHOD_BENOTIFY && sip_hdr_first(m, SIP_H_REPLACES)) {
        /* Replaces is for an INVITE only (RFC 3891 §3) */
        ep_reply(ep, t, 400, NULL, PL_STR_NULL);
        return;
    }
    if (ep_auth_check(ep, t, m))
        return; /* challenged (RFC 3261 §22.2) or refused */
    bool in_dialog = m->to && pl_str_set(m->to->tag) && m->to->tag.len;
    if (in_dialog) {
        if (ep->dialog_request && ep->dialog_request(ep, t, m, rx))
            return;
        if (m->method_id == SIP_METHOD_BENOTIFY)
            return; /* never answered (MS-SIP): the transaction ends by itself */
        ep_reply(ep, t, 481, NULL, PL_STR_NULL);
        return;
    }
    switch ((sip_method)m->method_id) {
    case SIP_METHOD_OPTIONS:
        answer_options(ep, t);
        return;
    case SIP_METHOD_MESSAGE:
        page_request(ep, t, m);
        return;
    case SIP_METHOD_INVITE:
        if (ep->invite_request) {
            ep->invite_request(ep, t, m, rx);
            return;
        }
        ep_reply(ep, t, 480, NULL, PL_STR_NULL);
        return;
    case SIP_METHOD_BENOTIFY:
        return; /* best-effort NOTIFY is never answered */
    case SIP_METHOD_BYE:
    case SIP_METHOD_INFO:
    case SIP_METHOD_PRACK:
    case SIP_METHOD_UPDATE:
    case SIP_METHOD_NOTIFY:
        ep_reply(ep, t, 481, NULL, PL_STR_NULL); /* these need a dialog */
        return;
    case SIP_METHOD_REGISTER:
    case SIP_METHOD_SUBSCRIBE:
    case SIP_METHOD_PUBLISH:
    case SIP_METHOD_REFER:
    case SIP_METHOD_SERVICE:
        reply_with_allow(ep, t, 405); /* known methods this user agent does not serve */
        return;
    default:
        reply_with_allow(ep, t, 501);
        return;
    }
}

void ep_on_ack(void *arg, sip_msg *m, const tp_rx *rx)
{
    parley_endpoint *ep = arg;
    if (ep->dialog_ack)
        ep->dialog_ack(ep, m, rx);
}

void ep_on_stray_response(void *arg, sip_msg *m, const tp_rx *rx)
{
    parley_endpoint *ep = arg;
    if (ep->dialog_stray)
        ep->dialog_stray(ep, m, rx);
}

void ep_on_orphan_2xx(void *arg, const sip_msg *m, const tp_dest *inv)
{
    parley_endpoint *ep = arg;
    if (ep->dialog_orphan_2xx)
        ep->dialog_orphan_2xx(ep, m, inv);
}
