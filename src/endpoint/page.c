/* Page-mode requests (RFC 3428 MESSAGE, and OPTIONS/INFO/NOTIFY/SERVICE/BENOTIFY) sent
 * outside any session. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/print.h"
#include "sip/uri.h"

typedef struct page_op {
    pl_list link;
    parley_endpoint *ep;
    parley_msg_type type;
    char *to_uri;
    char *to_epid;
    char *ruri; /* the Request-URI when it is not to_uri (a GRUU for to_epid) */
    char *ctype;
    void *body;
    size_t len;
    sip_kv *hdrs;
    size_t nh;
    char **routes; /* Route headers the application gave: this request's route set */
    uint32_t cseq;
    parley_endpoint_done_cb cb;
    void *user;
    ep_sender *sender;
    pl_timer start; /* called on the loop thread: the start waits for the call to return */
    char call_id[32];
    char tag[EP_TAG_LEN + 1];
    bool linked;
} page_op;

static void op_free(page_op *op)
{
    pl_loop_timer_stop(op->ep->loop, &op->start);
    if (op->linked)
        pl_list_remove(&op->link);
    if (op->sender)
        ep_sender_release(op->sender);
    pl_free(op->to_uri);
    pl_free(op->to_epid);
    pl_free(op->ruri);
    pl_free(op->ctype);
    pl_free(op->body);
    pl_free(op->hdrs);
    ep_route_set_free(op->routes);
    pl_free(op);
}

static void complete(page_op *op, int err, const sip_msg *m)
{
    parley_result r;
    char reason[128];
    ep_result_from(op->ep, &r, err, m, reason, sizeof(reason));
    if (op->cb)
        op->cb(op->ep, &r, op->user);
    op_free(op);
}

static int build(void *arg, const ep_attempt *a, sip_out *out)
{
    page_op *op = arg;
    parley_endpoint *ep = op->ep;
    pl_buf from, to, contact;
    pl_buf_init(&from, 128);
    pl_buf_init(&to, 128);
    pl_buf_init(&contact, 128);
    ep_print_self(ep, &from, NULL, NULL, op->tag);
    pl_buf_putc(&to, '<');
    pl_buf_puts(&to, op->to_uri);
    pl_buf_putc(&to, '>');
    if (op->to_epid) {
        pl_buf_puts(&to, ";epid=");
        pl_buf_puts(&to, op->to_epid);
    }
    ep_print_contact(ep, &contact, a->listener, a->hostport, a->sips);
    pl_buf ua;
    pl_buf_init(&ua, 64);
    ep_print_user_agent(ep, &ua, op->hdrs, op->nh);
    const char *method = parley_msg_type_method(op->type);
    sip_req_parts p = {
        .method = pl_str_c(method),
        .ruri = pl_str_c(op->ruri ? op->ruri : op->to_uri),
        .via = a->via,
        .from = pl_buf_str(&from),
        .to = pl_buf_str(&to),
        .call_id = pl_str_c(op->call_id),
        .cseq = op->cseq,
        .max_forwards = 70,
        /* MESSAGE carries no Contact (RFC 3428 §4); the others may */
        .contact = op->type == PARLEY_MSG_MESSAGE ? PL_STR_NULL : pl_buf_str(&contact),
        .extra = op->hdrs,
        .nextra = op->nh,
        .extra_raw = pl_buf_str(&ua),
        .content_type = op->len ? pl_str_c(op->ctype ? op->ctype : EP_TEXT_PLAIN) : PL_STR_NULL,
        .body = pl_str_make(op->body, op->len),
    };
    int rc = pl_buf_ok(&from) && pl_buf_ok(&to) && pl_buf_ok(&contact) && pl_buf_ok(&ua)
                 ? sip_build_request(out, &p)
                 : PARLEY_E_NOMEM;
    pl_buf_free(&from);
    pl_buf_free(&to);
    pl_buf_free(&contact);
    pl_buf_free(&ua);
    return rc;
}

static void on_response(void *arg, ep_sender *s, sip_msg *m)
{
    (void)s;
    if (m->status < 200)
        return;
    complete(arg, 0, m);
}

static void on_fail(void *arg, ep_sender *s, int err)
{
    (void)s;
    complete(arg, err, NULL);
}

static uint32_t next_cseq(void *arg, uint32_t last)
{
    page_op *op = arg;
    op->cseq = last + 1; /* challenged: the same request again, one up (RFC 3261 §22.2) */
    return op->cseq;
}

static const ep_send_ops page_ops = {build, on_response, on_fail, next_cseq};

/* BENOTIFY is never answered: send it once, without a transaction, and complete. */
static void send_benotify(page_op *op)
{
    parley_endpoint *ep = op->ep;
    /* the route set as for any request outside a dialog: to its first hop (numeric only) */
    const char *route = op->routes ? op->routes[0] : ep->proxy_route;
    char hop[512];
    if (route && ep_route_uri(route, hop, sizeof(hop)) != 0)
        route = NULL;
    sip_uri u;
    tp_addr addr;
    int rc = sip_uri_parse(pl_str_c(route ? hop : op->to_uri), &u, NULL, NULL);
    if (!rc && tp_addr_from_host(u.host, u.port ? u.port : 5060, &addr) != 0)
        rc = PARLEY_E_NOROUTE;
    if (rc) {
        complete(op, rc == PARLEY_E_PARSE ? PARLEY_E_INVAL : rc, NULL);
        return;
    }
    tp_dest d;
    memset(&d, 0, sizeof(d));
    d.proto = u.transport.len ? tp_proto_parse(u.transport) : TP_UDP;
    if (d.proto == TP_NONE)
        d.proto = TP_UDP;
    d.addr = addr;
    ep_attempt a;
    ep_attempt_init(ep, &a, &d);
    sip_out out;
    sip_out_init(&out);
    rc = build(op, &a, &out);
    for (size_t i = 0; !rc && op->routes && op->routes[i]; i++) {
        pl_str r = pl_str_c(op->routes[i]);
        rc = sip_out_add_routes(&out, &r, 1);
    }
    if (!rc && !op->routes && ep->proxy_route) {
        pl_str r = pl_str_c(ep->proxy_route);
        rc = sip_out_add_routes(&out, &r, 1);
    }
    if (!rc)
        rc = tp_send(ep->tp, &a.dest, out.buf.data, out.buf.len, NULL);
    sip_out_free(&out);
    complete(op, rc, NULL);
}

static void start_on_loop(void *arg)
{
    page_op *op = arg;
    pl_loop_timer_stop(op->ep->loop, &op->start);
    parley_endpoint *ep = op->ep;
    if (ep->stopped || ep->stopping) {
        complete(op, PARLEY_E_TERMINATED, NULL);
        return;
    }
    ep_new_call_id(ep, op->call_id, sizeof(op->call_id));
    ep_new_tag(op->tag);
    if (op->type == PARLEY_MSG_BENOTIFY) {
        send_benotify(op);
        return;
    }
    int rc = 0;
    if (op->to_epid && (op->routes || ep->proxy_route))
        /* one endpoint of a user through a proxy: its GRUU (docs/SESSION.md, targeting) */
        rc = ep_epid_gruu(op->to_uri, op->to_epid, &op->ruri);
    if (!rc)
        rc = ep_sender_start_ood(ep, op->ruri ? op->ruri : op->to_uri,
                                 (const char *const *)op->routes, &page_ops, op, &op->sender);
    if (rc) {
        complete(op, rc, NULL);
        return;
    }
    if (!op->linked) {
        pl_list_insert_tail(&ep->pages, &op->link);
        op->linked = true;
    }
}

static void start_timer(pl_timer *t, void *arg)
{
    (void)t;
    start_on_loop(arg);
}

static page_op *op_new(parley_endpoint *ep, parley_msg_type type, const parley_address *to,
                       const parley_content *body, const parley_header *h, size_t nh,
                       parley_endpoint_done_cb cb, void *user, int *err)
{
    *err = PARLEY_E_INVAL;
    if (!ep || !to || !to->uri || !parley_msg_type_method(type) ||
        (to->epid && !ep_epid_ok(to->epid)))
        return NULL;
    if (!ep_content_ok(body))
        return NULL;
    if (nh && !h)
        return NULL;
    /* Route headers are this request's pre-loaded route set (RFC 3261 §8.1.2); the others are
     * checked as custom headers */
    char **routes = NULL;
    size_t nroutes = 0;
    if ((*err = ep_route_set_from_headers(h, nh, &routes, &nroutes)) != 0)
        return NULL;
    parley_header *rest = pl_calloc(nh ? nh : 1, sizeof(*rest));
    size_t nrest = 0;
    for (size_t i = 0; rest && i < nh; i++)
        if (!h[i].name || !pl_str_caseeq_lit(pl_str_c(h[i].name), "Route"))
            rest[nrest++] = h[i];
    *err = rest ? ep_check_headers(rest, nrest) : PARLEY_E_NOMEM;
    if (*err) {
        pl_free(rest);
        ep_route_set_free(routes);
        return NULL;
    }
    *err = PARLEY_E_NOMEM;
    page_op *op = pl_calloc(1, sizeof(*op));
    if (!op) {
        pl_free(rest);
        ep_route_set_free(routes);
        return NULL;
    }
    op->routes = routes;
    op->cseq = 1;
    h = rest;
    nh = nrest;
    op->ep = ep;
    pl_timer_init(&op->start);
    op->type = type;
    op->cb = cb;
    op->user = user;
    pl_str uri_hdrs; /* a URI's headers go on the request, not in its Request-URI or To */
    op->to_uri = pl_str_dup(ep_uri_split(to->uri, &uri_hdrs));
    op->to_epid = to->epid ? pl_str_dup(pl_str_c(to->epid)) : NULL;
    op->ctype = body && body->content_type ? pl_str_dup(pl_str_c(body->content_type)) : NULL;
    op->len = body ? body->len : 0;
    op->body = op->len ? pl_malloc(op->len) : NULL;
    if (op->body)
        memcpy(op->body, body->body, op->len);
    sip_kv *own = ep_copy_headers(h, nh);
    op->hdrs = own && uri_hdrs.len ? ep_with_uri_headers(own, nh, uri_hdrs, &op->nh) : own;
    if (op->hdrs != own)
        pl_free(own);
    else
        op->nh = nh;
    pl_free(rest);
    if (!op->to_uri || (to->epid && !op->to_epid) || (op->len && !op->body) || !op->hdrs ||
        (body && body->content_type && !op->ctype)) {
        op_free(op);
        return NULL;
    }
    *err = 0;
    return op;
}

int parley_endpoint_send_message(parley_endpoint *ep, parley_msg_type type,
                                 const parley_address *to, const parley_content *body,
                                 const parley_header *headers, size_t nheaders,
                                 parley_endpoint_done_cb cb, void *user)
{
    int err;
    page_op *op = op_new(ep, type, to, body, headers, nheaders, cb, user, &err);
    if (!op)
        return err;
    sip_uri u;
    if (sip_uri_parse(pl_str_c(op->to_uri), &u, NULL, NULL) != 0 ||
        (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS)) {
        op_free(op);
        return PARLEY_E_INVAL;
    }
    if (pl_loop_on_thread(ep->loop)) {
        /* no completion inside the call: the start runs once the call returned */
        if (ep->stopped)
            err = PARLEY_E_TERMINATED;
        else {
            pl_loop_timer_start(ep->loop, &op->start, 0, start_timer, op);
            pl_list_insert_tail(&ep->pages, &op->link); /* the endpoint's stop finds it */
            op->linked = true;
        }
    } else {
        err = ep_call(ep, start_on_loop, op);
    }
    if (err)
        op_free(op);
    return err;
}

static void sync_done(parley_endpoint *ep, const parley_result *r, void *user)
{
    (void)ep;
    ep_waiter_done(user, r);
}

int parley_endpoint_send_message_sync(parley_endpoint *ep, parley_msg_type type,
                                      const parley_address *to, const parley_content *body,
                                      const parley_header *headers, size_t nheaders,
                                      parley_result **out)
{
    if (out)
        *out = NULL;
    if (!ep)
        return PARLEY_E_INVAL;
    if (pl_loop_on_thread(ep->loop))
        return PARLEY_E_LOOP_THREAD;
    ep_waiter *w = ep_waiter_new();
    if (!w)
        return PARLEY_E_NOMEM;
    int rc = parley_endpoint_send_message(ep, type, to, body, headers, nheaders, sync_done, w);
    if (rc) {
        ep_waiter_cancel(w, rc);
        ep_waiter_wait(w, NULL);
        return rc;
    }
    return ep_waiter_wait(w, out);
}

void ep_pages_abort(parley_endpoint *ep)
{
    pl_list_each_safe(pos, tmp, &ep->pages)
    {
        page_op *op = pl_container_of(pos, page_op, link);
        complete(op, PARLEY_E_TERMINATED, NULL);
    }
}
