/*
 * Sending a request: resolve the next hop (RFC 3263), try the targets in order, move on to the
 * next one on a transport error, a timeout or a 503 (RFC 3263 §4.3) as long as nothing but
 * those came back, and switch a large request from UDP to TCP (RFC 3261 §18.1.1). Outside a
 * dialog the pre-loaded route set (the outbound proxy, RFC 3261 §8.1.2) goes on the request and
 * its first entry is the next hop. A 401 or 407 is answered once with Digest credentials (RFC
 * 3261 §22.2): the same request again with a new branch and the CSeq its owner gives.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/digest.h"
#include "sip/uri.h"

#define UDP_MAX 1300

struct ep_sender {
    pl_list link;
    parley_endpoint *ep;
    ep_send_ops ops;
    void *arg;
    char *hop; /* the next-hop URI text (sip_uri slices point into it) */
    sip_uri uri;
    char **routes; /* the pre-loaded route set (Route values), out of dialogs only */
    pl_str *route_strs;
    size_t nroutes;
    tp_resolve_req *rq;
    tp_target targets[TP_MAX_TARGETS];
    size_t ntargets, next;
    txn_client *txn;
    ep_attempt attempt;
    pl_buf auth;              /* Authorization / Proxy-Authorization lines now sent */
    sip_digest_retry auth_st; /* the realms answered so far */
    bool provisional;         /* a 1xx came: no failover any more */
    bool upgraded;            /* this attempt went over TCP only because it is too large for UDP */
    bool no_upgrade; /* its TCP connection was refused: UDP after all (RFC 3261 §18.1.1) */
    bool released;
    bool ruri_sips; /* the Request-URI is sips (with the next hop's: a sips Contact) */
    bool preauthed; /* prior_auth was asked (once) */
    int last_err;
};

static void try_next(ep_sender *s);

static unsigned supported_transports(parley_endpoint *ep)
{
    unsigned set = 1u << TP_TCP | 1u << TP_TLS; /* client connections need no listener */
    if (tp_find_iface(ep->tp, TP_UDP, 0))
        set |= 1u << TP_UDP;
    return set;
}

static void fail(ep_sender *s, int err)
{
    if (s->ops.on_fail)
        s->ops.on_fail(s->arg, s, err);
}

/* The body of a request as printed (after the blank line). */
static pl_str request_body(const sip_out *o)
{
    const pl_buf *b = &o->buf;
    for (size_t i = 0; i + 4 <= b->len; i++)
        if (!memcmp(b->data + i, "\r\n\r\n", 4))
            return pl_str_make(b->data + i + 4, b->len - i - 4);
    return PL_STR_NULL;
}

/* A 401/407: the same request with credentials, to the same target (true when it went). */
static bool answer_challenge(ep_sender *s, txn_client *t, const sip_msg *m)
{
    parley_endpoint *ep = s->ep;
    if (!s->ops.next_cseq || !ep_has_credentials(ep))
        return false;
    const sip_out *req = txn_client_request(t);
    pl_buf lines;
    pl_buf_init(&lines, 256);
    int rc = sip_digest_respond(
        ep->digest_cache, &s->auth_st, m, sip_span_str(&req->buf, req->method),
        sip_span_str(&req->buf, req->ruri), request_body(req), ep_credentials_lookup, ep, &lines);
    uint32_t cseq = rc == 0 ? s->ops.next_cseq(s->arg, req->cseq) : 0;
    if (rc || !cseq || !pl_buf_ok(&lines)) {
        pl_buf_free(&lines);
        return false; /* the challenge goes to the owner: PARLEY_E_AUTH with its status */
    }
    pl_buf_free(&s->auth);
    s->auth = lines;
    txn_client_detach(s->txn);
    s->txn = NULL;
    s->next--; /* the target that challenged us */
    try_next(s);
    return true;
}

static void on_txn_response(void *tu, txn_client *t, sip_msg *m)
{
    ep_sender *s = tu;
    if (m->status < 200) {
        s->provisional = true;
    } else if (m->status == 503 && !s->provisional && s->next < s->ntargets) {
        s->last_err = PARLEY_E_FAILURE_RESPONSE;
        txn_client_detach(s->txn);
        s->txn = NULL;
        try_next(s);
        return;
    } else if ((m->status == 401 || m->status == 407) && answer_challenge(s, t, m)) {
        return;
    }
    if (s->ops.on_response)
        s->ops.on_response(s->arg, s, m);
}

static void on_txn_fail(void *tu, txn_client *t, int err)
{
    ep_sender *s = tu;
    (void)t;
    txn_client_detach(s->txn);
    s->txn = NULL;
    s->last_err = err;
    if (s->upgraded && err == PARLEY_E_CONNECT && !s->provisional) {
        /* "if the attempt to establish the connection generates ... a TCP reset, the element
         * SHOULD retry the request, using UDP" (RFC 3261 §18.1.1): the same target again */
        s->no_upgrade = true;
        s->next--;
        try_next(s);
        return;
    }
    if (!s->provisional && s->next < s->ntargets) {
        try_next(s);
        return;
    }
    fail(s, err);
}

static const txn_client_cb sender_txn_cb = {on_txn_response, on_txn_fail};

static void prepare_attempt(ep_sender *s, const tp_target *tg, tp_proto proto)
{
    tp_dest d;
    memset(&d, 0, sizeof(d));
    d.proto = proto;
    d.addr = tg->addr;
    snprintf(d.host, sizeof(d.host), "%s", tg->host);
    ep_attempt_init(s->ep, &s->attempt, &d);
    /* a sips Contact only when the Request-URI or the top Route is sips (RFC 3261 §8.1.1.8): a
     * sip URI with ;transport=tls gets a sip one over the same TLS */
    s->attempt.sips = proto == TP_TLS && (s->ruri_sips || s->uri.kind == SIP_URI_SIPS);
}

int ep_reauthorize(parley_endpoint *ep, pl_str prev, const sip_out *out, pl_buf *lines)
{
    if (!prev.len || !ep_has_credentials(ep))
        return PARLEY_E_NOTFOUND;
    return sip_digest_reauthorize(ep->digest_cache, prev, sip_span_str(&out->buf, out->method),
                                  sip_span_str(&out->buf, out->ruri), request_body(out),
                                  ep_credentials_lookup, ep, lines);
}

/* The first attempt of an owner whose earlier request needed credentials: credentials for
 * the same realms at once (the lines become s->auth, the credentials of every attempt). */
static void preauthorize(ep_sender *s, const sip_out *out)
{
    s->preauthed = true;
    pl_buf lines;
    pl_buf_init(&lines, 256);
    if (ep_reauthorize(s->ep, s->ops.prior_auth(s->arg), out, &lines) == 0) {
        pl_buf_free(&s->auth);
        s->auth = lines;
        return;
    }
    pl_buf_free(&lines);
}

/* The owner's request for this attempt, with the route set and the credentials. */
static int build(ep_sender *s, sip_out *out)
{
    int rc = s->ops.build(s->arg, &s->attempt, out);
    if (!rc)
        rc = sip_out_add_routes(out, s->route_strs, s->nroutes);
    if (!rc && !s->preauthed && s->ops.prior_auth && !s->auth.len)
        preauthorize(s, out);
    if (!rc && s->auth.len)
        rc = sip_out_add_lines(out, pl_buf_str(&s->auth));
    return rc;
}

static void try_next(ep_sender *s)
{
    while (s->next < s->ntargets) {
        const tp_target *tg = &s->targets[s->next++];
        prepare_attempt(s, tg, tg->proto);
        sip_out out;
        sip_out_init(&out);
        int rc = build(s, &out);
        bool upgrade = !rc && tg->proto == TP_UDP && out.buf.len > UDP_MAX &&
                       !s->uri.transport.len && !s->no_upgrade;
        s->no_upgrade = false;
        s->upgraded = false;
        if (upgrade) {
            /* too large for UDP without congestion control: TCP to the same address */
            prepare_attempt(s, tg, TP_TCP);
            sip_out_free(&out);
            sip_out_init(&out);
            rc = build(s, &out);
            s->upgraded = true;
        }
        if (!rc)
            rc = txn_client_start(s->ep->txn, &out, s->attempt.branch, &s->attempt.dest,
                                  &sender_txn_cb, s, &s->txn);
        sip_out_free(&out);
        if (!rc)
            return;
        s->last_err = rc;
        if (rc == PARLEY_E_CONNECT && s->upgraded) {
            s->no_upgrade = true; /* refused at once: UDP after all (RFC 3261 §18.1.1) */
            s->next--;
        }
    }
    fail(s, s->last_err ? s->last_err : PARLEY_E_NOROUTE);
}

static void on_resolved(void *arg, int err, const tp_target *targets, size_t n)
{
    ep_sender *s = arg;
    s->rq = NULL;
    if (err || !n) {
        fail(s, err ? err : PARLEY_E_NOROUTE);
        return;
    }
    memcpy(s->targets, targets, n * sizeof(*targets));
    s->ntargets = n;
    s->next = 0;
    try_next(s);
}

static void sender_free(ep_sender *s)
{
    for (size_t i = 0; i < s->nroutes; i++)
        pl_free(s->routes[i]);
    pl_free(s->routes);
    pl_free(s->route_strs);
    pl_buf_free(&s->auth);
    pl_free(s->hop);
    pl_free(s);
}

/* Copies the route set (values) and points the next hop at its first URI. */
static int set_routes(ep_sender *s, const char *const *routes)
{
    size_t n = 0;
    while (routes && routes[n])
        n++;
    if (!n)
        return 0;
    s->routes = pl_calloc(n, sizeof(char *));
    s->route_strs = pl_calloc(n, sizeof(pl_str));
    if (!s->routes || !s->route_strs)
        return PARLEY_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        s->routes[i] = pl_str_dup(pl_str_c(routes[i]));
        if (!s->routes[i])
            return PARLEY_E_NOMEM;
        s->route_strs[i] = pl_str_c(s->routes[i]);
        s->nroutes++;
    }
    return 0;
}

static int sender_start(parley_endpoint *ep, const char *next_hop, const char *const *routes,
                        const ep_send_ops *ops, void *arg, ep_sender **out)
{
    ep_sender *s = pl_calloc(1, sizeof(*s));
    if (!s)
        return PARLEY_E_NOMEM;
    s->ep = ep;
    s->ops = *ops;
    s->arg = arg;
    pl_buf_init(&s->auth, 0);
    s->ruri_sips = !strncasecmp(next_hop, "sips:", 5);
    int rc = set_routes(s, routes);
    char first[512];
    if (!rc && s->nroutes) {
        rc = ep_route_uri(s->routes[0], first, sizeof(first));
        next_hop = first;
    }
    if (!rc) {
        s->hop = pl_str_dup(pl_str_c(next_hop));
        rc = s->hop ? 0 : PARLEY_E_NOMEM;
    }
    if (!rc)
        rc = sip_uri_parse(pl_str_c(s->hop), &s->uri, NULL, NULL);
    if (rc == 0 && s->uri.kind != SIP_URI_SIP && s->uri.kind != SIP_URI_SIPS)
        rc = PARLEY_E_UNSUPPORTED;
    if (rc == 0)
        rc = tp_resolve(ep->res, &s->uri, supported_transports(ep), on_resolved, s, &s->rq);
    if (rc) {
        sender_free(s);
        return rc == PARLEY_E_PARSE ? PARLEY_E_INVAL : rc;
    }
    pl_list_insert_tail(&ep->senders, &s->link);
    *out = s;
    return 0;
}

int ep_sender_start(parley_endpoint *ep, const char *next_hop, const ep_send_ops *ops, void *arg,
                    ep_sender **out)
{
    return sender_start(ep, next_hop, NULL, ops, arg, out);
}

int ep_sender_start_ood(parley_endpoint *ep, const char *ruri, const char *const *routes,
                        const ep_send_ops *ops, void *arg, ep_sender **out)
{
    const char *proxy[2] = {ep->proxy_route, NULL};
    return sender_start(ep, ruri, routes ? routes : proxy, ops, arg, out);
}

void ep_sender_release(ep_sender *s)
{
    if (!s)
        return;
    if (s->rq)
        tp_resolve_cancel(s->rq);
    if (s->txn)
        txn_client_detach(s->txn);
    pl_list_remove(&s->link);
    sender_free(s);
}

txn_client *ep_sender_txn(ep_sender *s)
{
    return s->txn;
}

const ep_attempt *ep_sender_attempt(ep_sender *s)
{
    return &s->attempt;
}

pl_str ep_sender_auth(const ep_sender *s)
{
    return s ? pl_buf_str(&s->auth) : PL_STR_NULL;
}

void ep_senders_abort(parley_endpoint *ep)
{
    /* owners release their senders when told (their own abort runs first); what is left (the
     * BYE of a session that ended already...) fails with PARLEY_E_TERMINATED so that its owner
     * completes, and the owner releases it as after any failure */
    while (!pl_list_empty(&ep->senders)) {
        ep_sender *s = pl_container_of(ep->senders.next, ep_sender, link);
        pl_list_remove(&s->link); /* out of the list whatever the owner does */
        pl_list_init(&s->link);
        if (s->ops.on_fail)
            fail(s, PARLEY_E_TERMINATED);
        else
            ep_sender_release(s);
    }
}
