/* parley_request: a received request the application answers, at once or later. */
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/print.h"

struct parley_request {
    pl_list link; /* in ep->requests while deferred */
    atomic_uint refs;
    parley_endpoint *ep;
    parley_session *session;
    txn_server *t;
    bool answered; /* final response sent */
    bool deferred;
    bool in_callback;
    char to_tag[EP_TAG_LEN + 1];
};

static const txn_server_cb request_txn_cb = {0};

parley_request *ep_request_new(parley_endpoint *ep, txn_server *t, parley_session *s)
{
    parley_request *r = pl_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    atomic_init(&r->refs, 1);
    r->ep = ep;
    r->session = s;
    r->t = t;
    r->in_callback = true;
    pl_list_init(&r->link);
    ep_new_tag(r->to_tag);
    txn_server_set_tu(t, &request_txn_cb, r); /* keep the transaction while we hold it */
    return r;
}

static void release_txn(parley_request *r)
{
    if (r->t) {
        txn_server_set_tu(r->t, NULL, NULL);
        r->t = NULL;
    }
}

static void unref(parley_request *r)
{
    if (atomic_fetch_sub(&r->refs, 1) == 1) {
        release_txn(r);
        pl_free(r);
    }
}

const parley_msg *parley_request_msg(const parley_request *req)
{
    return req && req->t ? txn_server_request(req->t) : NULL;
}

parley_msg_type parley_request_type(const parley_request *req)
{
    const sip_msg *m = req && req->t ? txn_server_request(req->t) : NULL;
    switch (m ? (sip_method)m->method_id : SIP_METHOD_MESSAGE) {
    case SIP_METHOD_INFO:
        return PARLEY_MSG_INFO;
    case SIP_METHOD_OPTIONS:
        return PARLEY_MSG_OPTIONS;
    case SIP_METHOD_BENOTIFY:
        return PARLEY_MSG_BENOTIFY;
    case SIP_METHOD_SERVICE:
        return PARLEY_MSG_SERVICE;
    case SIP_METHOD_NOTIFY:
        return PARLEY_MSG_NOTIFY;
    default:
        return PARLEY_MSG_MESSAGE;
    }
}

parley_session *parley_request_session(const parley_request *req)
{
    return req ? req->session : NULL;
}

typedef struct respond_op {
    parley_request *req;
    int code;
    char *reason;
    char *ctype;
    void *body;
    size_t len;
    sip_kv *hdrs;
    size_t nh;
    int rc;
} respond_op;

static int send_response(parley_request *r, int code, const char *reason, const char *ctype,
                         const void *body, size_t len, const sip_kv *h, size_t nh, pl_str extra)
{
    if (!r->t || r->answered)
        return PARLEY_E_STATE;
    pl_buf b;
    pl_buf_init(&b, 512 + len);
    /* outside a dialog the To tag is ours to give; in a dialog the request's To has its own */
    ep_print_head(r->ep, r->t, &b, (unsigned)code, reason, r->to_tag);
    ep_print_server(r->ep, &b, h, nh);
    ep_print_headers(&b, h, nh);
    pl_buf_put_str(&b, extra);
    sip_print_body(&b, pl_str_c(len ? (ctype ? ctype : EP_TEXT_PLAIN) : NULL),
                   pl_str_make(body, len));
    int rc =
        pl_buf_ok(&b) ? txn_server_respond(r->t, (unsigned)code, b.data, b.len) : PARLEY_E_NOMEM;
    pl_buf_free(&b);
    if (code >= 200) {
        r->answered = true;
        release_txn(r);
        if (r->deferred) {
            pl_list_remove(&r->link);
            r->deferred = false;
            unref(r); /* the reference the deferral took */
        }
    }
    return rc == PARLEY_E_STATE ? PARLEY_E_STATE : 0;
}

static void respond_on_loop(void *arg)
{
    respond_op *op = arg;
    parley_request *r = op->req;
    op->rc = send_response(r, op->code, op->reason, op->ctype, op->body, op->len, op->hdrs, op->nh,
                           PL_STR_NULL);
    pl_free(op->reason);
    pl_free(op->ctype);
    pl_free(op->body);
    pl_free(op->hdrs);
    pl_free(op);
    unref(r);
}

int parley_request_respond(parley_request *req, int code, const char *reason,
                           const parley_content *body, const parley_header *headers,
                           size_t nheaders)
{
    if (!req || code < 100 || code > 699 || !ep_content_ok(body) ||
        (reason && !sip_header_value_ok(reason)))
        return PARLEY_E_INVAL; /* the reason goes out in the status line */
    int rc = ep_check_headers(headers, nheaders);
    if (rc)
        return rc;
    if (req->answered)
        return PARLEY_E_STATE;
    parley_endpoint *ep = req->ep;
    if (pl_loop_on_thread(ep->loop)) {
        sip_kv *kv = ep_copy_headers(headers, nheaders);
        if (!kv)
            return PARLEY_E_NOMEM;
        rc = send_response(req, code, reason, body ? body->content_type : NULL,
                           body ? body->body : NULL, body ? body->len : 0, kv, nheaders,
                           PL_STR_NULL);
        pl_free(kv);
        return rc;
    }
    /* another thread: copy everything and hand it to the loop */
    respond_op *op = pl_calloc(1, sizeof(*op));
    if (!op)
        return PARLEY_E_NOMEM;
    op->req = req;
    op->code = code;
    op->reason = reason ? pl_str_dup(pl_str_c(reason)) : NULL;
    op->ctype = body && body->content_type ? pl_str_dup(pl_str_c(body->content_type)) : NULL;
    op->len = body ? body->len : 0;
    op->body = op->len ? pl_malloc(op->len) : NULL;
    if (op->len && op->body)
        memcpy(op->body, body->body, op->len);
    op->hdrs = ep_copy_headers(headers, nheaders);
    op->nh = nheaders;
    if ((op->len && !op->body) || !op->hdrs || (reason && !op->reason)) {
        pl_free(op->reason);
        pl_free(op->ctype);
        pl_free(op->body);
        pl_free(op->hdrs);
        pl_free(op);
        return PARLEY_E_NOMEM;
    }
    atomic_fetch_add(&req->refs, 1);
    rc = ep_call(ep, respond_on_loop, op);
    if (rc) {
        atomic_fetch_sub(&req->refs, 1);
        pl_free(op->reason);
        pl_free(op->ctype);
        pl_free(op->body);
        pl_free(op->hdrs);
        pl_free(op);
    }
    return rc;
}

int parley_request_defer(parley_request *req)
{
    if (!req)
        return PARLEY_E_INVAL;
    if (!req->in_callback || req->answered || req->deferred)
        return PARLEY_E_STATE;
    req->deferred = true;
    atomic_fetch_add(&req->refs, 1);
    pl_list_insert_tail(&req->ep->requests, &req->link);
    return 0;
}

void ep_request_finish(parley_request *req, unsigned status)
{
    ep_request_finish_extra(req, status, PL_STR_NULL);
}

void ep_request_finish_extra(parley_request *req, unsigned status, pl_str extra)
{
    req->in_callback = false;
    if (status && !req->answered && !req->deferred && req->t)
        send_response(req, (int)status, NULL, NULL, NULL, 0, NULL, 0, extra);
    unref(req);
}

void ep_requests_abort(parley_endpoint *ep)
{
    /* the endpoint is going away: deferred requests get 503 and are released */
    pl_list_each_safe(pos, tmp, &ep->requests)
    {
        parley_request *r = pl_container_of(pos, parley_request, link);
        send_response(r, 503, NULL, NULL, NULL, 0, NULL, 0, PL_STR_NULL);
    }
}
