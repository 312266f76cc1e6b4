/* The transaction layer: creation, dispatch of received messages, stateless 400s. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"
#include "sip/print.h"
#include "txn/txn_int.h"

const char *txn_state_name(txn_state s)
{
    switch (s) {
    case TXN_CALLING:
        return "Calling";
    case TXN_TRYING:
        return "Trying";
    case TXN_PROCEEDING:
        return "Proceeding";
    case TXN_COMPLETED:
        return "Completed";
    case TXN_CONFIRMED:
        return "Confirmed";
    case TXN_ACCEPTED:
        return "Accepted";
    case TXN_TERMINATED:
        return "Terminated";
    default:
        return "?";
    }
}

uint64_t txn_t1(const txn_layer *l)
{
    return l->timers.t1;
}
uint64_t txn_t2(const txn_layer *l)
{
    return l->timers.t2;
}
uint64_t txn_t4(const txn_layer *l)
{
    return l->timers.t4;
}

int txn_layer_create(pl_loop *loop, tp_layer *tp, const txn_timers *timers, const txn_handler *h,
                     txn_layer **out)
{
    txn_layer *l = pl_calloc(1, sizeof(*l));
    if (!l)
        return PARLEY_E_NOMEM;
    l->loop = loop;
    l->tp = tp;
    l->timers = timers ? *timers : (txn_timers){0};
    if (!l->timers.t1)
        l->timers.t1 = 500;
    if (!l->timers.t2)
        l->timers.t2 = 4000;
    if (!l->timers.t4)
        l->timers.t4 = 5000;
    if (!l->timers.trying_ms)
        l->timers.trying_ms = 200;
    l->h = *h;
    pl_list_init(&l->all_clients);
    pl_list_init(&l->all_servers);
    pl_list_init(&l->trying);
    pl_timer_init(&l->trying_timer);
    if (tp_peers_init(&l->peers) || pl_hash_init(&l->clients, 64) ||
        pl_hash_init(&l->servers, 64) || pl_hash_init(&l->watches, 16)) {
        pl_hash_free(&l->clients);
        pl_hash_free(&l->servers);
        tp_peers_free(&l->peers);
        pl_free(l);
        return PARLEY_E_NOMEM;
    }
    *out = l;
    return 0;
}

void txn_layer_destroy(txn_layer *l)
{
    if (!l)
        return;
    l->destroying = true;
    pl_list_each_safe(pos, tmp, &l->all_clients)
    {
        txn_client_kill(pl_container_of(pos, txn_client, link));
    }
    pl_list_each_safe(pos, tmp, &l->all_servers)
    {
        txn_server_kill(pl_container_of(pos, txn_server, link));
    }
    pl_loop_timer_stop(l->loop, &l->trying_timer);
    /* watches are freed with their last transaction */
    pl_hash_free(&l->clients);
    pl_hash_free(&l->servers);
    pl_hash_free(&l->watches);
    tp_peers_free(&l->peers);
    pl_free(l);
}

unsigned txn_server_count_from(const txn_layer *l, const tp_addr *a)
{
    return tp_peers_count(&l->peers, a);
}

const txn_stats *txn_layer_stats(const txn_layer *l)
{
    return &l->stats;
}

const txn_timers *txn_layer_timers(const txn_layer *l)
{
    return &l->timers;
}

void txn_new_branch(char *out)
{
    memcpy(out, "z9hG4bK", 7);
    pl_rand_token(out + 7, 20); /* ~103 bits */
}

/* ---- connection watches: O(1) failure of the transactions on a broken connection ---- */

static bool match_watch(const pl_hnode *n, const void *key)
{
    return pl_container_of(n, conn_watch, node)->conn_id == *(const uint64_t *)key;
}

static uint64_t watch_hash(const txn_layer *l, uint64_t id)
{
    return pl_hash_bytes(l->watches.seed, &id, sizeof(id));
}

void txn_watch_add(txn_layer *l, txn_client *t)
{
    uint64_t h = watch_hash(l, t->conn_id);
    pl_hnode *n = pl_hash_find(&l->watches, h, match_watch, &t->conn_id);
    conn_watch *w;
    if (n) {
        w = pl_container_of(n, conn_watch, node);
    } else {
        w = pl_malloc(sizeof(*w));
        if (!w)
            return; /* the transaction then times out instead of failing at once */
        w->conn_id = t->conn_id;
        pl_list_init(&w->txns);
        pl_hash_insert(&l->watches, &w->node, h);
    }
    pl_list_insert_tail(&w->txns, &t->conn_link);
}

void txn_watch_remove(txn_layer *l, txn_client *t)
{
    if (!pl_list_linked(&t->conn_link))
        return;
    pl_list *next = t->conn_link.next;
    pl_list_remove(&t->conn_link);
    if (next->next == next) {
        /* the list became empty: next is the watch's list head */
        conn_watch *w = pl_container_of(next, conn_watch, txns);
        pl_hash_remove(&l->watches, &w->node);
        pl_free(w);
    }
}

void txn_layer_conn_down(txn_layer *l, uint64_t conn_id, int err)
{
    pl_hnode *n = pl_hash_find(&l->watches, watch_hash(l, conn_id), match_watch, &conn_id);
    if (!n)
        return;
    conn_watch *w = pl_container_of(n, conn_watch, node);
    /* detach the whole list first: failing a transaction may free the watch */
    pl_list victims;
    pl_list_init(&victims);
    pl_list_splice_tail(&victims, &w->txns);
    pl_hash_remove(&l->watches, &w->node);
    pl_free(w);
    while (!pl_list_empty(&victims)) {
        txn_client *t = pl_container_of(victims.next, txn_client, conn_link);
        pl_list_remove(&t->conn_link);
        txn_client_conn_down(t, err);
    }
}

void txn_layer_unreachable(txn_layer *l, const tp_addr *dst, int err)
{
    /* no callback runs here (each failure is from the loop), so the list stays as it is */
    pl_list_each(pos, &l->all_clients)
    {
        txn_client *t = pl_container_of(pos, txn_client, link);
        if (t->dest.proto == TP_UDP && tp_addr_eq(&t->dest.addr, dst))
            txn_client_unreachable(t, err);
    }
}

/* ---- receiving ---- */

/* A request that failed to parse gets a stateless answer when it can be routed back and
 * matched: a Via, a Call-ID and a CSeq field, copied as they came even when the CSeq's value
 * is the fault (RFC 4475 §3.1.2.4: a sequence number over 2**32-1 is answered 400). */
static bool answerable(const sip_msg *m)
{
    return m->is_request && m->via && (m->has_cseq || sip_hdr_first(m, SIP_H_CSEQ)) &&
           pl_str_set(m->call_id) && m->method_id != SIP_METHOD_ACK;
}

/* A stateless UAS derives its To tag from the request (RFC 3261 §8.2.7), so that each
 * retransmission gets the same answer; every response but 100 carries one (§8.2.6.2). tag is
 * left empty when none is due. */
static void stateless_tag(const txn_layer *l, const sip_msg *m, unsigned status, char tag[17])
{
    tag[0] = '\0';
    if (status <= 100 || (m->to && m->to->tag.len))
        return;
    uint64_t h = pl_hash_str(l->servers.seed, m->call_id);
    if (m->from)
        h = pl_hash_str(h, m->from->tag);
    if (m->via)
        h = pl_hash_str(h, m->via->branch);
    h = pl_hash_bytes(h, &m->cseq.num, sizeof(m->cseq.num));
    snprintf(tag, 17, "%016llx", (unsigned long long)h);
}

void txn_reply_stateless(txn_layer *l, const sip_msg *m, const tp_rx *rx, unsigned status,
                         const char *reason, pl_str extra)
{
    char tag[17];
    stateless_tag(l, m, status, tag);
    pl_buf b;
    pl_buf_init(&b, 512 + extra.len);
    char host[64];
    tp_addr_host_str(&rx->remote, host, sizeof(host));
    sip_resp_opts o = {pl_str_c(host), tp_addr_port(&rx->remote),
                       tag[0] ? pl_str_c(tag) : PL_STR_NULL};
    sip_print_response_head(&b, m, status, pl_str_c(reason), &o);
    pl_buf_put_str(&b, extra);
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    if (pl_buf_ok(&b)) {
        tp_dest d;
        txn_response_dest(m, rx, &d);
        tp_send(l->tp, &d, b.data, b.len, NULL);
    }
    pl_buf_free(&b);
}

/* A 400 (or 505, 513...) for a request that failed to parse, without a transaction. */
static void reply_stateless_error(txn_layer *l, sip_msg *m, const tp_rx *rx)
{
    unsigned status = m->err.status ? (unsigned)m->err.status : 400;
    char reason[160];
    const char *phrase = sip_reason_phrase(status);
    if (m->err.what)
        snprintf(reason, sizeof(reason), "%s (%s: %s)", phrase, m->err.what,
                 m->err.reason ? m->err.reason : "malformed");
    else
        snprintf(reason, sizeof(reason), "%s (%s)", phrase,
                 m->err.reason ? m->err.reason : "malformed");
    /* the To tag too: a To that did not parse keeps its text as it came, without one */
    char tag[17];
    stateless_tag(l, m, status, tag);
    pl_buf b;
    pl_buf_init(&b, 512);
    char host[64];
    tp_addr_host_str(&rx->remote, host, sizeof(host));
    sip_resp_opts o = {pl_str_c(host), tp_addr_port(&rx->remote),
                       tag[0] ? pl_str_c(tag) : PL_STR_NULL};
    sip_print_response_head(&b, m, status, pl_str_c(reason), &o);
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    if (pl_buf_ok(&b)) {
        tp_dest d;
        txn_response_dest(m, rx, &d);
        tp_send(l->tp, &d, b.data, b.len, NULL);
    }
    pl_buf_free(&b);
}

void txn_layer_recv(txn_layer *l, sip_msg *m, const tp_rx *rx)
{
    if (m->err.code) {
        if (answerable(m)) {
            l->stats.bad_requests++;
            reply_stateless_error(l, m, rx);
        } else {
            l->stats.dropped++;
        }
        sip_msg_free(m);
        return;
    }
    if (!m->is_request) {
        txn_client *t = txn_client_match(l, m);
        if (t)
            txn_client_recv(l, t, m);
        else if (l->h.on_stray_response)
            l->h.on_stray_response(l->h.arg, m, rx);
        sip_msg_free(m);
        return;
    }
    uint64_t hash;
    txn_server *t = txn_server_lookup(l, m, &hash);
    if (t) {
        txn_server_recv_retransmit(t, m, rx);
        sip_msg_free(m);
        return;
    }
    if (m->method_id == SIP_METHOD_ACK) {
        if (l->h.on_ack)
            l->h.on_ack(l->h.arg, m, rx);
        sip_msg_free(m);
        return;
    }
    /* a CANCEL for a live INVITE relieves the load: never refused */
    if (l->h.admit && !(m->method_id == SIP_METHOD_CANCEL && txn_server_match(l, m, true)) &&
        !l->h.admit(l->h.arg, m, rx)) {
        sip_msg_free(m);
        return;
    }
    t = txn_server_new(l, m, rx, hash); /* takes m */
    if (!t)
        return;
    /* Hold t across the dispatch: a final response over a reliable transport
     * terminates (and would free) it while the TU still reads t->req. */
    t->refs++;
    t->dispatching = true;
    if (t->method_id == SIP_METHOD_CANCEL) {
        txn_server *inv = txn_server_cancel_target(l, t);
        /* To tags (RFC 3261 §8.2.6.2): the 200 repeats the one the INVITE's responses gave
         * (§9.2), else one derived from the request, as a stateless answer's */
        char own[17];
        pl_str tag = inv ? txn_server_last_to_tag(inv) : PL_STR_NULL;
        if (!tag.len) {
            stateless_tag(l, t->req, 200, own);
            tag = pl_str_c(own);
        }
        if (!inv) {
            txn_server_reply(t, 481, NULL, tag, PL_STR_NULL);
        } else {
            txn_server_reply(t, 200, NULL, tag, PL_STR_NULL);
            if (inv->state == TXN_PROCEEDING && inv->cb.on_cancel) {
                inv->refs++;
                inv->cb.on_cancel(inv->tu, inv, t->req);
                txn_server_unref(inv);
            }
        }
    } else {
        l->h.on_request(l->h.arg, t, t->req, &t->rx);
    }
    t->dispatching = false;
    if (t->state != TXN_TERMINATED)
        txn_server_shed_request(t); /* answered during the dispatch, with no TU left */
    txn_server_unref(t);
}
