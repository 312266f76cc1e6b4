/*
 * One transaction layer on a bare vnet transport (tests/proto/vnet.c) at ME, and a scripted
 * peer at PEER, on the virtual clock. N transactions are started first and stay alive, their
 * timers on the wheel; a round then runs K complete exchanges next to them.
 *
 * client: N non-INVITE client transactions in Trying (Timers E and F armed: the rounds end long
 *         before E's first 500 ms). One exchange: txn_client_start (the request crosses vnet),
 *         the peer's 200 is injected, matched by branch, moves the transaction to Completed and
 *         Timer K (T4, set to 1 ms so that a round leaves N transactions alive, not N + K)
 *         terminates and frees it.
 * server: N non-INVITE server transactions the TU never answers (Trying, the 64*T1 limit
 *         armed). One exchange: an INVITE from the peer (no match, a new transaction, the TU
 *         answers 486 from its callback), the INVITE's retransmission (matched, the 486 sent
 *         again), the ACK (matched, Confirmed), Timer I (T4 = 1 ms) terminates and frees it.
 *
 * Everything that is not the exchange itself (building the requests the client TU would build,
 * printing what the peer sends) is done in prepare, outside the timing.
 *
 * client-bare, server-bare: the same packets without a transaction layer (the requests and
 * responses the layer would send are sent with tp_send, what arrives is parsed and freed): the
 * cost of the virtual network, the transport and the parser, which main.c subtracts to show the
 * layer's own cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_txn.h"
#include "txn/txn.h"
#include "vnet.h"

#define ME        "10.0.0.1:5060"
#define PEER      "10.0.0.9:5060"
#define START_MS  1000
#define TEXT_SIZE 512

typedef struct harness {
    vnet *n;
    tp_layer *tp;
    txn_layer *txn; /* NULL for the bare workloads */
    bool server;
    unsigned long live, k;
    tp_dest peer;
    unsigned long seq; /* numbers Call-IDs and tags (fixed width: every N parses the same) */
    /* the next round, prepared outside the timing */
    sip_out *req; /* client: K requests */
    char (*branch)[32];
    char (*text)[TEXT_SIZE]; /* client: K responses; server: INVITE, INVITE, ACK per exchange */
    char (*resp)[TEXT_SIZE]; /* server-bare: the 486 the layer would print for each INVITE */
    unsigned long next_resp;
    /* what happened, for check() */
    unsigned long responses, client_fails, invites, others, reply_errors, strays;
    int setup_err;
    double slowest_ns; /* slowest txn_client_start while starting the N */
    unsigned long slowest_at;
} harness;

static void on_msg(void *arg, sip_msg *m, const tp_rx *rx)
{
    txn_layer_recv(((harness *)arg)->txn, m, rx);
}

/* Bare: what the layer would send for this message (the 486 for an INVITE and for its
 * retransmission), then the message is freed as the layer frees it. */
static void on_msg_bare(void *arg, sip_msg *m, const tp_rx *rx)
{
    (void)rx;
    harness *h = arg;
    if (m->is_request && m->method_id == SIP_METHOD_INVITE) {
        h->invites++;
        const char *r = h->resp[h->next_resp++ / 2];
        tp_send(h->tp, &h->peer, r, strlen(r), NULL);
    } else if (!m->is_request) {
        h->responses++;
    }
    sip_msg_free(m);
}

static void on_request(void *arg, txn_server *t, sip_msg *m, const tp_rx *rx)
{
    (void)rx;
    harness *h = arg;
    if (m->method_id != SIP_METHOD_INVITE) {
        h->others++; /* one of the N: never answered */
        return;
    }
    h->invites++;
    if (txn_server_reply(t, 486, NULL, PL_STR_LIT("srv1"), PL_STR_NULL) != 0)
        h->reply_errors++;
}

static void on_ack(void *arg, sip_msg *m, const tp_rx *rx)
{
    (void)m;
    (void)rx;
    ((harness *)arg)->strays++; /* an ACK no transaction took: not expected here */
}

static void on_stray(void *arg, sip_msg *m, const tp_rx *rx)
{
    (void)m;
    (void)rx;
    ((harness *)arg)->strays++;
}

static void on_response(void *tu, txn_client *t, sip_msg *m)
{
    (void)t;
    (void)m;
    ((harness *)tu)->responses++;
}

static void on_fail(void *tu, txn_client *t, int err)
{
    (void)t;
    (void)err;
    ((harness *)tu)->client_fails++;
}

static const txn_client_cb client_cb = {on_response, on_fail};

static int build_request(harness *h, sip_out *out, const char *method, const char *branch)
{
    char via[96], call_id[64];
    snprintf(via, sizeof(via), "SIP/2.0/UDP " ME ";branch=%s", branch);
    snprintf(call_id, sizeof(call_id), "%08lu-cli@10.0.0.1", h->seq++);
    sip_req_parts p = {
        .method = pl_str_c(method),
        .ruri = PL_STR_LIT("sip:peer@10.0.0.9:5060"),
        .via = pl_str_c(via),
        .from = PL_STR_LIT("<sip:bench@10.0.0.1>;tag=c1"),
        .to = PL_STR_LIT("<sip:peer@10.0.0.9>"),
        .call_id = pl_str_c(call_id),
        .cseq = 1,
        .max_forwards = 70,
    };
    sip_out_init(out);
    return sip_build_request(out, &p);
}

/* What the peer sends: a 200 for one of our requests, or a request of its own. */
static void print_response(char *out, const char *branch, const sip_out *req)
{
    pl_str call_id = sip_span_str(&req->buf, req->call_id);
    snprintf(out, TEXT_SIZE,
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP " ME ";branch=%s\r\n"
             "From: <sip:bench@10.0.0.1>;tag=c1\r\n"
             "To: <sip:peer@10.0.0.9>;tag=p1\r\n"
             "Call-ID: %.*s\r\n"
             "CSeq: 1 OPTIONS\r\n"
             "Content-Length: 0\r\n\r\n",
             branch, (int)call_id.len, call_id.p);
}

/* The 486 the layer prints for the INVITE of print_request. */
static void print_486(char *out, const char *branch, unsigned long id)
{
    snprintf(out, TEXT_SIZE,
             "SIP/2.0 486 Busy Here\r\n"
             "Via: SIP/2.0/UDP " PEER ";branch=%s\r\n"
             "From: <sip:peer@10.0.0.9>;tag=p%08lu\r\n"
             "To: <sip:bench@10.0.0.1>;tag=srv1\r\n"
             "Call-ID: %08lu-srv@10.0.0.9\r\n"
             "CSeq: 1 INVITE\r\n"
             "Content-Length: 0\r\n\r\n",
             branch, id, id);
}

static void print_request(char *out, const char *method, const char *branch, unsigned long id,
                          const char *to_tag)
{
    snprintf(out, TEXT_SIZE,
             "%s sip:bench@10.0.0.1:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP " PEER ";branch=%s\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:peer@10.0.0.9>;tag=p%08lu\r\n"
             "To: <sip:bench@10.0.0.1>%s%s\r\n"
             "Call-ID: %08lu-srv@10.0.0.9\r\n"
             "CSeq: 1 %s\r\n"
             "Content-Length: 0\r\n\r\n",
             method, branch, id, to_tag ? ";tag=" : "", to_tag ? to_tag : "", id, method);
}

static void free_requests(harness *h)
{
    if (!h->req)
        return;
    for (unsigned long i = 0; i < h->k; i++)
        sip_out_free(&h->req[i]);
}

static void destroy(void *w)
{
    harness *h = w;
    if (!h)
        return;
    free_requests(h);
    if (h->txn)
        txn_layer_destroy(h->txn);
    if (h->tp)
        tp_layer_destroy(h->tp);
    if (h->n)
        vnet_free(h->n);
    free(h->req);
    free(h->branch);
    free(h->text);
    free(h->resp);
    free(h);
}

static harness *create(bool server, bool bare, unsigned long live, unsigned long k)
{
    harness *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->server = server;
    h->live = live;
    h->k = k;
    h->n = vnet_new(START_MS);
    tp_handler th = {bare ? on_msg_bare : on_msg, NULL, NULL, h};
    h->tp = h->n ? vnet_transport(h->n, ME, &th) : NULL;
    txn_handler tu = {on_request, on_ack, on_stray, h};
    /* T4 bounds Timer K (client) and Timer I (server): 1 ms ends each exchange in the round */
    txn_timers timers = {.t4 = 1};
    h->req = calloc(k, sizeof(*h->req));
    h->branch = calloc(server ? 1 : k, sizeof(*h->branch));
    h->text = calloc(server ? 3 * k : k, sizeof(*h->text));
    h->resp = bare && server ? calloc(k, sizeof(*h->resp)) : NULL;
    if (!h->tp || !h->req || !h->branch || !h->text || (bare && server && !h->resp) ||
        (!bare && txn_layer_create(vnet_loop(h->n), h->tp, &timers, &tu, &h->txn) != 0)) {
        destroy(h);
        return NULL;
    }
    vnet_peer(h->n, PEER);
    h->peer.proto = TP_UDP;
    tp_addr_parse(PEER, NULL, &h->peer.addr);
    for (unsigned long i = 0; i < k; i++)
        sip_out_init(&h->req[i]);
    return h;
}

/* ---- client ---- */

static double cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *client_create(unsigned long live, unsigned long k)
{
    harness *h = create(false, false, live, k);
    if (!h)
        return NULL;
    for (unsigned long i = 0; i < live; i++) {
        char branch[32];
        sip_out req;
        txn_new_branch(branch);
        if (build_request(h, &req, "OPTIONS", branch) != 0)
            h->setup_err = 1;
        double t0 = cpu_ns();
        if (txn_client_start(h->txn, &req, branch, &h->peer, &client_cb, h, NULL) != 0)
            h->setup_err = 1;
        double t = cpu_ns() - t0;
        if (t > h->slowest_ns) {
            h->slowest_ns = t;
            h->slowest_at = i;
        }
        sip_out_free(&req);
    }
    vnet_run(h->n, 1); /* the N requests reach the peer, which never answers */
    return h;
}

static void client_prepare(void *w)
{
    harness *h = w;
    for (unsigned long i = 0; i < h->k; i++) {
        txn_new_branch(h->branch[i]);
        if (build_request(h, &h->req[i], "OPTIONS", h->branch[i]) != 0)
            h->setup_err = 1;
        print_response(h->text[i], h->branch[i], &h->req[i]);
    }
}

static void client_round(void *w)
{
    harness *h = w;
    for (unsigned long i = 0; i < h->k; i++)
        txn_client_start(h->txn, &h->req[i], h->branch[i], &h->peer, &client_cb, h, NULL);
    for (unsigned long i = 0; i < h->k; i++)
        vnet_inject(h->n, PEER, ME, h->text[i]);
    vnet_run(h->n, 1); /* requests reach the peer, the 200s reach the layer: Completed */
    vnet_run(h->n, 1); /* Timer K */
}

/* The rounds must end before the N transactions' first retransmission (Timer E, T1 = 500 ms). */
static int check_time(harness *h, char *why, size_t n)
{
    uint64_t used = vnet_now(h->n) - START_MS;
    if (used >= 500) {
        snprintf(why, n, "%llu virtual ms used: the live transactions retransmitted",
                 (unsigned long long)used);
        return -1;
    }
    return 0;
}

static double client_slowest(void *w, unsigned long *at)
{
    harness *h = w;
    *at = h->slowest_at;
    return h->slowest_ns;
}

static int client_check(void *w, unsigned long rounds, char *why, size_t n)
{
    harness *h = w;
    const txn_stats *s = txn_layer_stats(h->txn);
    if (h->setup_err) {
        snprintf(why, n, "a request could not be built or started");
        return -1;
    }
    if (h->responses != rounds * h->k || h->client_fails || h->strays || s->clients != h->live) {
        snprintf(why, n,
                 "%lu responses for %lu exchanges, %lu failures, %lu strays, %u live clients "
                 "(want %lu)",
                 h->responses, rounds * h->k, h->client_fails, h->strays, s->clients, h->live);
        return -1;
    }
    return check_time(h, why, n);
}

/* ---- server ---- */

static void *server_create(unsigned long live, unsigned long k)
{
    harness *h = create(true, false, live, k);
    if (!h)
        return NULL;
    for (unsigned long i = 0; i < live; i++) {
        char text[TEXT_SIZE];
        txn_new_branch(h->branch[0]);
        print_request(text, "OPTIONS", h->branch[0], h->seq++, NULL);
        vnet_inject(h->n, PEER, ME, text);
    }
    vnet_run(h->n, 1); /* N server transactions, never answered */
    return h;
}

static void server_prepare(void *w)
{
    harness *h = w;
    for (unsigned long i = 0; i < h->k; i++) {
        unsigned long id = h->seq++;
        txn_new_branch(h->branch[0]);
        print_request(h->text[3 * i], "INVITE", h->branch[0], id, NULL);
        memcpy(h->text[3 * i + 1], h->text[3 * i], TEXT_SIZE); /* its retransmission */
        print_request(h->text[3 * i + 2], "ACK", h->branch[0], id, "srv1");
        if (h->resp)
            print_486(h->resp[i], h->branch[0], id);
    }
    h->next_resp = 0;
}

static void server_round(void *w)
{
    harness *h = w;
    for (unsigned long i = 0; i < 3 * h->k; i++)
        vnet_inject(h->n, PEER, ME, h->text[i]);
    vnet_run(h->n, 1); /* INVITE -> 486, retransmission -> 486 again, ACK -> Confirmed */
    vnet_run(h->n, 1); /* Timer I */
}

static int server_check(void *w, unsigned long rounds, char *why, size_t n)
{
    harness *h = w;
    const txn_stats *s = txn_layer_stats(h->txn);
    unsigned long x = rounds * h->k;
    if (h->others != h->live || h->invites != x || h->reply_errors || h->strays ||
        s->retransmissions_absorbed != 2 * x || s->servers != h->live) {
        snprintf(why, n,
                 "%lu unanswered requests (want %lu), %lu INVITEs for %lu exchanges, %lu reply "
                 "errors, %lu strays, %lu absorbed (want %lu), %u live servers",
                 h->others, h->live, h->invites, x, h->reply_errors, h->strays,
                 s->retransmissions_absorbed, 2 * x, s->servers);
        return -1;
    }
    return check_time(h, why, n);
}

/* ---- the same packets without the layer ---- */

static void *client_bare_create(unsigned long live, unsigned long k)
{
    harness *h = create(false, true, 0, k);
    (void)live;
    return h;
}

static void client_bare_round(void *w)
{
    harness *h = w;
    for (unsigned long i = 0; i < h->k; i++) {
        tp_send(h->tp, &h->peer, h->req[i].buf.data, h->req[i].buf.len, NULL);
        sip_out_free(&h->req[i]); /* the layer frees the request when the transaction ends */
    }
    for (unsigned long i = 0; i < h->k; i++)
        vnet_inject(h->n, PEER, ME, h->text[i]);
    vnet_run(h->n, 1);
    vnet_run(h->n, 1);
}

static int bare_check(void *w, unsigned long rounds, char *why, size_t n)
{
    harness *h = w;
    unsigned long x = rounds * h->k;
    unsigned long got = h->server ? h->invites : h->responses;
    unsigned long want = h->server ? 2 * x : x;
    if (got != want || h->setup_err) {
        snprintf(why, n, "%lu %s, want %lu", got, h->server ? "INVITEs" : "responses", want);
        return -1;
    }
    return 0;
}

static void *server_bare_create(unsigned long live, unsigned long k)
{
    harness *h = create(true, true, 0, k);
    (void)live;
    return h;
}

const bench_work bench_txn_client = {
    "client",
    "exchange",
    "txn_client_start (OPTIONS) + the peer's 200 matched + Timer K (T4 = 1 ms) frees it",
    client_create,
    client_prepare,
    client_round,
    client_check,
    destroy,
    client_slowest,
};

const bench_work bench_txn_server = {
    "server",
    "exchange",
    "INVITE (new) + its retransmission (matched, 486 resent) + ACK (matched) + Timer I",
    server_create,
    server_prepare,
    server_round,
    server_check,
    destroy,
    NULL,
};

const bench_work bench_txn_client_bare = {
    "client-bare",
    "exchange",
    "the client's packets without the layer: tp_send the request, inject the 200, parse, free",
    client_bare_create,
    client_prepare,
    client_bare_round,
    bare_check,
    destroy,
    NULL,
};

const bench_work bench_txn_server_bare = {
    "server-bare",
    "exchange",
    "the server's packets without the layer: inject INVITE x2 + ACK, parse, tp_send two 486s",
    server_bare_create,
    server_prepare,
    server_round,
    bare_check,
    destroy,
    NULL,
};
