/*
 * Sending a request outside a dialog: resolve the next hop (RFC 3263), try the targets in order,
 * move on to the next one on a transport error, a timeout or a 503 (RFC 3263 §4.3) as long as
 * nothing but those came back, and switch a large request from UDP to TCP (RFC 3261 §18.1.1).
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/uri.h"

#define UDP_MAX 1300

struct ep_sender {
    pl_list link;
    parley_endpoint *ep;
    ep_send_ops ops;
    void *arg;
    char *hop; /* the next-hop URI text (sip_uri slices point into it) */
    sip_uri uri;
    tp_resolve_req *rq;
    tp_target targets[TP_MAX_TARGETS];
    size_t ntargets, next;
    txn_client *txn;
    ep_attempt attempt;
    bool provisional; /* a 1xx came: no failover any more */
    bool upgraded;    /* this attempt went over TCP only because it is too large for UDP */
    bool no_upgrade;  /* its TCP connection was refused: UDP after all (RFC 3261 §18.1.1) */
    bool released;
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

static void on_txn_response(void *tu, txn_client *t, sip_msg *m)
{
    ep_sender *s = tu;
    (void)t;
    if (m->status < 200) {
        s->provisional = true;
    } else if (m->status == 503 && !s->provisional && s->next < s->ntargets) {
        s->last_err = PARLEY_E_FAILURE_RESPONSE;
        txn_client_detach(s->txn);
        s->txn = NULL;
        try_next(s);
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
}

static void try_next(ep_sender *s)
{
    while (s->next < s->ntargets) {
        const tp_target *tg = &s->targets[s->next++];
        prepare_attempt(s, tg, tg->proto);
        sip_out out;
        sip_out_init(&out);
        int rc = s->ops.build(s->arg, &s->attempt, &out);
        bool upgrade = !rc && tg->proto == TP_UDP && out.buf.len > UDP_MAX &&
                       !s->uri.transport.len && !s->no_upgrade;
        s->no_upgrade = false;
        s->upgraded = false;
        if (upgrade) {
            /* too large for UDP without congestion control: TCP to the same address */
            prepare_attempt(s, tg, TP_TCP);
            sip_out_free(&out);
            sip_out_init(&out);
            rc = s->ops.build(s->arg, &s->attempt, &out);
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

int ep_sender_start(parley_endpoint *ep, const char *next_hop, const ep_send_ops *ops, void *arg,
                    ep_sender **out)
{
    ep_sender *s = pl_calloc(1, sizeof(*s));
    if (!s)
        return PARLEY_E_NOMEM;
    s->ep = ep;
    s->ops = *ops;
    s->arg = arg;
    s->hop = pl_str_dup(pl_str_c(next_hop));
    if (!s->hop) {
        pl_free(s);
        return PARLEY_E_NOMEM;
    }
    int rc = sip_uri_parse(pl_str_c(s->hop), &s->uri, NULL, NULL);
    if (rc == 0 && s->uri.kind != SIP_URI_SIP && s->uri.kind != SIP_URI_SIPS)
        rc = PARLEY_E_UNSUPPORTED;
    if (rc == 0)
        rc = tp_resolve(ep->res, &s->uri, supported_transports(ep), on_resolved, s, &s->rq);
    if (rc) {
        pl_free(s->hop);
        pl_free(s);
        return rc == PARLEY_E_PARSE ? PARLEY_E_INVAL : rc;
    }
    pl_list_insert_tail(&ep->senders, &s->link);
    *out = s;
    return 0;
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
    pl_free(s->hop);
    pl_free(s);
}

txn_client *ep_sender_txn(ep_sender *s)
{
    return s->txn;
}

const ep_attempt *ep_sender_attempt(ep_sender *s)
{
    return &s->attempt;
}

void ep_senders_abort(parley_endpoint *ep)
{
    /* owners release their senders when told (their own abort runs first); what is left (the
     * BYE of a session that ended already...) fails with PARLEY_E_TERMINATED so that its owner
     * completes, and the owner releases it as after any failure */
    while (!pl_list_empty(&ep->senders)) {
        ep_sender *s = pl_container_of(ep->senders.next, ep_sender, link);
        pl_list_remove(&s->link); /* out of the list whatever the owner does */
        if (s->ops.on_fail)
            fail(s, PARLEY_E_TERMINATED);
        else
            ep_sender_release(s);
    }
}
