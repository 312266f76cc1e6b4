/*
 * Transaction layer on the virtual network: every timer and state of RFC 3261 §17 and RFC 6026,
 * driven by a scripted peer, with exact virtual times.
 */
#include "test_util.h"

#include "parley/error.h"
#include "txn/txn.h"
#include "vnet.h"

#define ME   "10.0.0.1:5060"
#define PEER "10.0.0.9:5060"

typedef struct fixture {
    vnet *n;
    tp_layer *tp;
    txn_layer *txn;
    /* server side TU */
    txn_server *last_server;
    int requests;
    int acks; /* ACKs handed to the TU (2xx ACKs) */
    int strays;
    int server_fails;
    int server_fail_err;
    int cancels;
    int server_acks; /* ACKs for non-2xx reported to the server TU */
    /* client side TU */
    int responses;
    int last_status;
    int client_fails;
    int client_fail_err;
    uint64_t fail_at;
} fixture;

static void on_msg(void *arg, sip_msg *m, const tp_rx *rx)
{
    fixture *f = arg;
    txn_layer_recv(f->txn, m, rx);
}

static void on_request(void *arg, txn_server *t, sip_msg *m, const tp_rx *rx)
{
    (void)m;
    (void)rx;
    fixture *f = arg;
    f->requests++;
    f->last_server = t;
}

static void on_ack(void *arg, sip_msg *m, const tp_rx *rx)
{
    (void)m;
    (void)rx;
    ((fixture *)arg)->acks++;
}

static void on_stray(void *arg, sip_msg *m, const tp_rx *rx)
{
    (void)m;
    (void)rx;
    ((fixture *)arg)->strays++;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->n = vnet_new(1000);
    tp_handler th = {on_msg, NULL, NULL, f};
    f->tp = vnet_transport(f->n, ME, &th);
    txn_handler h = {on_request, on_ack, on_stray, f};
    txn_layer_create(vnet_loop(f->n), f->tp, NULL, &h, &f->txn);
    vnet_peer(f->n, PEER);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    txn_layer_destroy(f->txn);
    tp_layer_destroy(f->tp);
    vnet_free(f->n);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static void inject(fixture *f, const char *fmt, const char *branch, const char *method,
                   const char *extra)
{
    char text[1024];
    snprintf(text, sizeof(text), fmt, branch, method, extra ? extra : "");
    vnet_inject(f->n, PEER, ME, text);
}

static const char request_fmt[] = "%2$s sip:me@10.0.0.1:5060 SIP/2.0\r\n"
                                  "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=%1$s\r\n"
                                  "Max-Forwards: 70\r\n"
                                  "From: <sip:peer@10.0.0.9>;tag=p1\r\n"
                                  "To: <sip:me@10.0.0.1>%3$s\r\n"
                                  "Call-ID: call-1@10.0.0.9\r\n"
                                  "CSeq: 1 %2$s\r\n"
                                  "Content-Length: 0\r\n\r\n";

static size_t count_from_me(fixture *f, const char *prefix)
{
    return vnet_count_match(f->n, ME, prefix);
}

/* Send times (virtual ms) of the packets from me starting with prefix. */
static size_t times_from_me(fixture *f, const char *prefix, uint64_t *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < vnet_count(f->n) && k < max; i++) {
        const vnet_packet *p = vnet_get(f->n, i);
        if (!strcmp(p->src, ME) && !strncmp(p->first_line, prefix, strlen(prefix)))
            out[k++] = p->sent_at;
    }
    return k;
}

static void reply(fixture *f, unsigned status)
{
    assert_non_null(f->last_server);
    assert_int_equal(
        txn_server_reply(f->last_server, status, NULL, PL_STR_LIT("srv1"), PL_STR_NULL), 0);
}

static void on_server_fail(void *tu, txn_server *t, int err)
{
    (void)t;
    fixture *f = tu;
    f->server_fails++;
    f->server_fail_err = err;
}

static void on_server_cancel(void *tu, txn_server *t, sip_msg *cancel)
{
    (void)cancel;
    fixture *f = tu;
    f->cancels++;
    txn_server_reply(t, 487, NULL, PL_STR_LIT("srv1"), PL_STR_NULL);
}

static void on_server_ack(void *tu, txn_server *t, sip_msg *ack)
{
    (void)t;
    (void)ack;
    ((fixture *)tu)->server_acks++;
}

static const txn_server_cb server_cb = {on_server_fail, on_server_cancel, on_server_ack};

/* ---- INVITE server ---- */

static void test_invite_server_100_trying_after_200ms(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKinv1", "INVITE", NULL);
    vnet_run(f->n, 150);
    assert_int_equal(f->requests, 1);
    assert_int_equal(count_from_me(f, "SIP/2.0 100"), 0);
    vnet_run(f->n, 100);
    assert_int_equal(count_from_me(f, "SIP/2.0 100"), 1);
    /* an INVITE retransmission gets the last provisional again, the TU hears nothing */
    inject(f, request_fmt, "z9hG4bKinv1", "INVITE", NULL);
    vnet_run(f->n, 10);
    assert_int_equal(f->requests, 1);
    assert_int_equal(count_from_me(f, "SIP/2.0 100"), 2);
    const vnet_packet *p = vnet_find(f->n, PEER, "SIP/2.0 100", 0);
    assert_non_null(p);
    assert_null(strstr(p->data, "tag=srv1")); /* 100 carries no To tag */
}

static void test_invite_server_no_100_when_tu_answers(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKinv2", "INVITE", NULL);
    vnet_run(f->n, 50);
    reply(f, 180);
    vnet_run(f->n, 1000);
    assert_int_equal(count_from_me(f, "SIP/2.0 100"), 0);
    assert_int_equal(count_from_me(f, "SIP/2.0 180"), 1); /* provisionals are not retransmitted */
}

/* The 100 Trying of several INVITEs waiting at once (one timer serves them all): each goes
 * 200 ms after its own INVITE came, none for one the TU answered in time, and a later INVITE
 * is not held back by an earlier one answered before its deadline. */
static void test_invite_server_100_trying_each_on_its_time(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKtryA", "INVITE", NULL);
    vnet_run(f->n, 50);
    inject(f, request_fmt, "z9hG4bKtryB", "INVITE", NULL);
    vnet_run(f->n, 10);
    reply(f, 180); /* B, answered before its 200 ms */
    vnet_run(f->n, 60);
    inject(f, request_fmt, "z9hG4bKtryC", "INVITE", NULL);
    vnet_run(f->n, 1000);
    assert_int_equal(f->requests, 3);
    uint64_t at[4];
    assert_int_equal(times_from_me(f, "SIP/2.0 100", at, 4), 2);
    assert_int_equal(at[1] - at[0], 120); /* A's and C's, as far apart as A and C came */
    const vnet_packet *a = vnet_find(f->n, PEER, "SIP/2.0 100", 0);
    const vnet_packet *c = vnet_find(f->n, PEER, "SIP/2.0 100", 1);
    assert_non_null(a);
    assert_non_null(c);
    assert_non_null(strstr(a->data, "z9hG4bKtryA"));
    assert_non_null(strstr(c->data, "z9hG4bKtryC"));
    assert_int_equal(a->sent_at - vnet_find(f->n, ME, "INVITE", 0)->deliver_at, 200);
    assert_int_equal(c->sent_at - vnet_find(f->n, ME, "INVITE", 2)->deliver_at, 200);
}

static void test_invite_server_timer_g_until_ack_then_i(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKinv3", "INVITE", NULL);
    vnet_run(f->n, 10);
    txn_server_set_tu(f->last_server, &server_cb, f);
    txn_server *t = f->last_server;
    uint64_t t0 = vnet_now(f->n);
    reply(f, 486);
    vnet_run(f->n, 9000);
    /* G: T1, 2T1, 4T1, T2, T2... after the first send: 500, 1500, 3500, 7500 */
    uint64_t at[16];
    size_t n = times_from_me(f, "SIP/2.0 486", at, 16);
    assert_int_equal(n, 5);
    assert_int_equal(at[0], t0);
    assert_int_equal(at[1] - t0, 500);
    assert_int_equal(at[2] - t0, 1500);
    assert_int_equal(at[3] - t0, 3500);
    assert_int_equal(at[4] - t0, 7500);
    assert_int_equal(txn_server_state(t), TXN_COMPLETED);
    inject(f, request_fmt, "z9hG4bKinv3", "ACK", ";tag=srv1");
    vnet_run(f->n, 10);
    assert_int_equal(txn_server_state(t), TXN_CONFIRMED);
    assert_int_equal(f->server_acks, 1);
    assert_int_equal(f->acks, 0); /* absorbed, not handed to the 2xx path */
    vnet_run(f->n, 10000);
    assert_int_equal(count_from_me(f, "SIP/2.0 486"), 5); /* no more after the ACK */
    /* Timer I (T4 = 5 s) ended it */
    assert_int_equal(txn_server_state(t), TXN_TERMINATED);
    assert_int_equal(txn_layer_stats(f->txn)->servers, 0);
    txn_server_set_tu(t, NULL, NULL);
}

static void test_invite_server_timer_h(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKinv4", "INVITE", NULL);
    vnet_run(f->n, 10);
    txn_server_set_tu(f->last_server, &server_cb, f);
    txn_server *t = f->last_server;
    reply(f, 603);
    vnet_run(f->n, 32000 - 1);
    assert_int_equal(f->server_fails, 0);
    vnet_run(f->n, 2);
    assert_int_equal(f->server_fails, 1);
    assert_int_equal(f->server_fail_err, PARLEY_E_TIMEOUT);
    size_t sent = count_from_me(f, "SIP/2.0 603");
    vnet_run(f->n, 20000);
    assert_int_equal(count_from_me(f, "SIP/2.0 603"), sent);
    assert_int_equal(txn_server_state(t), TXN_TERMINATED);
    txn_server_set_tu(t, NULL, NULL);
}

static void test_invite_server_accepted_timer_l(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKinv5", "INVITE", NULL);
    vnet_run(f->n, 10);
    txn_server_set_tu(f->last_server, &server_cb, f);
    txn_server *t = f->last_server;
    reply(f, 200);
    assert_int_equal(txn_server_state(t), TXN_ACCEPTED);
    /* RFC 6026: a retransmitted INVITE is absorbed, not passed up, not answered by the txn */
    inject(f, request_fmt, "z9hG4bKinv5", "INVITE", NULL);
    vnet_run(f->n, 10);
    assert_int_equal(f->requests, 1);
    assert_int_equal(count_from_me(f, "SIP/2.0 200"), 1);
    /* the ACK for a 2xx has its own branch: it goes to the TU */
    inject(f, request_fmt, "z9hG4bKack5", "ACK", ";tag=srv1");
    vnet_run(f->n, 10);
    assert_int_equal(f->acks, 1);
    vnet_run(f->n, 32000);
    assert_int_equal(txn_server_state(t), TXN_TERMINATED); /* Timer L */
    txn_server_set_tu(t, NULL, NULL);
}

static void test_cancel(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKinv6", "INVITE", NULL);
    vnet_run(f->n, 10);
    txn_server_set_tu(f->last_server, &server_cb, f);
    txn_server *t = f->last_server;
    reply(f, 180);
    inject(f, request_fmt, "z9hG4bKinv6", "CANCEL", NULL);
    vnet_run(f->n, 10);
    assert_int_equal(f->cancels, 1);
    const vnet_packet *ok = vnet_find(f->n, PEER, "SIP/2.0 200", 0);
    assert_non_null(ok);
    assert_string_equal(ok->method, "CANCEL");
    assert_non_null(vnet_find(f->n, PEER, "SIP/2.0 487", 0));
    assert_int_equal(txn_server_state(t), TXN_COMPLETED);
    /* every response but 100 has a To tag (RFC 3261 §8.2.6.2): the 200 to the CANCEL the one
     * of the INVITE's 180 (§9.2) */
    char to[128];
    vnet_header_line(ok, "To", to, sizeof(to));
    assert_string_equal(to, "To: <sip:me@10.0.0.1>;tag=srv1");
    /* a CANCEL for nothing gets 481, with a tag derived from it (the same when it comes again) */
    inject(f, request_fmt, "z9hG4bKnothing", "CANCEL", NULL);
    vnet_run(f->n, 10);
    inject(f, request_fmt, "z9hG4bKnothing", "CANCEL", NULL);
    vnet_run(f->n, 10);
    const vnet_packet *n1 = vnet_find(f->n, PEER, "SIP/2.0 481", 0);
    const vnet_packet *n2 = vnet_find(f->n, PEER, "SIP/2.0 481", 1);
    assert_non_null(n1);
    assert_non_null(n2);
    char t1[128], t2[128];
    vnet_header_line(n1, "To", t1, sizeof(t1));
    vnet_header_line(n2, "To", t2, sizeof(t2));
    assert_int_equal(strncmp(t1, "To: <sip:me@10.0.0.1>;tag=", 26), 0);
    assert_true(strlen(t1) > 26);
    assert_string_equal(t1, t2);
    txn_server_set_tu(t, NULL, NULL);

    /* an INVITE answered by nothing with a tag yet: the 200 to its CANCEL gets a derived one */
    inject(f, request_fmt, "z9hG4bKinv7", "INVITE", NULL);
    vnet_run(f->n, 10);
    txn_server *t7 = f->last_server;
    txn_server_set_tu(t7, &server_cb, f);
    size_t before = vnet_count(f->n);
    inject(f, request_fmt, "z9hG4bKinv7", "CANCEL", NULL);
    vnet_run(f->n, 10);
    const vnet_packet *ok7 = NULL;
    for (size_t i = before; i < vnet_count(f->n) && !ok7; i++) {
        const vnet_packet *p = vnet_get(f->n, i);
        if (!strncmp(p->first_line, "SIP/2.0 200", 11))
            ok7 = p;
    }
    assert_non_null(ok7);
    vnet_header_line(ok7, "To", t1, sizeof(t1));
    assert_int_equal(strncmp(t1, "To: <sip:me@10.0.0.1>;tag=", 26), 0);
    assert_true(strlen(t1) > 26);
    txn_server_set_tu(t7, NULL, NULL);

    /* a CANCEL that crosses the INVITE's 2xx (the transaction Accepted, its text gone): the
     * 200 to it still has the 2xx's To tag (§9.2); it had one derived from the CANCEL */
    inject(f, request_fmt, "z9hG4bKinv8", "INVITE", NULL);
    vnet_run(f->n, 10);
    txn_server *t8 = f->last_server;
    txn_server_set_tu(t8, &server_cb, f);
    reply(f, 200);
    assert_int_equal(txn_server_state(t8), TXN_ACCEPTED);
    int cancels = f->cancels;
    before = vnet_count(f->n);
    inject(f, request_fmt, "z9hG4bKinv8", "CANCEL", NULL);
    vnet_run(f->n, 10);
    const vnet_packet *ok8 = NULL;
    for (size_t i = before; i < vnet_count(f->n) && !ok8; i++) {
        const vnet_packet *p = vnet_get(f->n, i);
        if (!strncmp(p->first_line, "SIP/2.0 200", 11))
            ok8 = p;
    }
    assert_non_null(ok8);
    assert_string_equal(ok8->method, "CANCEL");
    vnet_header_line(ok8, "To", t1, sizeof(t1));
    assert_string_equal(t1, "To: <sip:me@10.0.0.1>;tag=srv1");
    assert_int_equal(f->cancels, cancels); /* answered: the CANCEL has no effect */
    txn_server_set_tu(t8, NULL, NULL);
}

/* ---- non-INVITE server ---- */

static void test_non_invite_server_absorbs_and_timer_j(void **state)
{
    fixture *f = *state;
    inject(f, request_fmt, "z9hG4bKmsg1", "MESSAGE", NULL);
    vnet_run(f->n, 10);
    txn_server *t = f->last_server;
    txn_server_set_tu(t, &server_cb, f);
    /* Trying: a retransmission before the TU answered is absorbed silently */
    inject(f, request_fmt, "z9hG4bKmsg1", "MESSAGE", NULL);
    vnet_run(f->n, 10);
    assert_int_equal(f->requests, 1);
    assert_int_equal(vnet_count_match(f->n, ME, "SIP/2.0"), 0);
    reply(f, 200);
    inject(f, request_fmt, "z9hG4bKmsg1", "MESSAGE", NULL);
    vnet_run(f->n, 10);
    assert_int_equal(f->requests, 1);
    assert_int_equal(count_from_me(f, "SIP/2.0 200"), 2);
    assert_int_equal(txn_server_state(t), TXN_COMPLETED);
    vnet_run(f->n, 32000);
    assert_int_equal(txn_server_state(t), TXN_TERMINATED); /* Timer J = 64*T1 */
    txn_server_set_tu(t, NULL, NULL);
}

static void test_rfc2543_matching(void **state)
{
    fixture *f = *state;
    /* no magic cookie: the transaction is found by Call-ID, CSeq, From tag, Via, R-URI */
    inject(f, request_fmt, "oldstyle1", "MESSAGE", NULL);
    vnet_run(f->n, 10);
    reply(f, 200);
    inject(f, request_fmt, "oldstyle1", "MESSAGE", NULL);
    vnet_run(f->n, 10);
    assert_int_equal(f->requests, 1);
    assert_int_equal(count_from_me(f, "SIP/2.0 200"), 2);
}

/* ---- client transactions ---- */

static void on_client_response(void *tu, txn_client *t, sip_msg *m)
{
    (void)t;
    fixture *f = tu;
    f->responses++;
    f->last_status = m->status;
}

static void on_client_fail(void *tu, txn_client *t, int err)
{
    (void)t;
    fixture *f = tu;
    f->client_fails++;
    f->client_fail_err = err;
    f->fail_at = vnet_now(f->n);
}

static const txn_client_cb client_cb = {on_client_response, on_client_fail};

static txn_client *start_client(fixture *f, const char *method, const char *branch)
{
    char via[128];
    snprintf(via, sizeof(via), "SIP/2.0/UDP %s;branch=%s", ME, branch);
    sip_req_parts p = {
        .method = pl_str_c(method),
        .ruri = PL_STR_LIT("sip:peer@10.0.0.9:5060"),
        .via = pl_str_c(via),
        .from = PL_STR_LIT("<sip:me@10.0.0.1>;tag=c1"),
        .to = PL_STR_LIT("<sip:peer@10.0.0.9>"),
        .call_id = PL_STR_LIT("client-1@10.0.0.1"),
        .cseq = 7,
        .max_forwards = 70,
    };
    sip_out out;
    sip_out_init(&out);
    assert_int_equal(sip_build_request(&out, &p), 0);
    tp_dest d;
    memset(&d, 0, sizeof(d));
    d.proto = TP_UDP;
    tp_addr_parse(PEER, NULL, &d.addr);
    txn_client *t = NULL;
    assert_int_equal(txn_client_start(f->txn, &out, branch, &d, &client_cb, f, &t), 0);
    sip_out_free(&out);
    return t;
}

static void peer_respond(fixture *f, const char *branch, const char *method, int status,
                         const char *totag)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "SIP/2.0 %d Whatever\r\n"
             "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=%s\r\n"
             "From: <sip:me@10.0.0.1>;tag=c1\r\n"
             "To: <sip:peer@10.0.0.9>%s%s\r\n"
             "Call-ID: client-1@10.0.0.1\r\n"
             "CSeq: 7 %s\r\n"
             "Content-Length: 0\r\n\r\n",
             status, branch, totag ? ";tag=" : "", totag ? totag : "", method);
    vnet_inject(f->n, PEER, ME, text);
}

static void test_invite_client_timer_a_and_b(void **state)
{
    fixture *f = *state;
    uint64_t t0 = vnet_now(f->n);
    txn_client *t = start_client(f, "INVITE", "z9hG4bKcli1");
    vnet_run(f->n, 40000);
    uint64_t at[16];
    size_t n = times_from_me(f, "INVITE", at, 16);
    /* A doubles: 0, 500, 1500, 3500, 7500, 15500, 31500; B fires at 32000 */
    assert_int_equal(n, 7);
    const uint64_t want[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(at[i] - t0, want[i]);
    assert_int_equal(f->client_fails, 1);
    assert_int_equal(f->client_fail_err, PARLEY_E_TIMEOUT);
    assert_int_equal(f->fail_at - t0, 32000);
    txn_client_detach(t);
}

static void test_invite_client_non2xx_ack(void **state)
{
    fixture *f = *state;
    txn_client *t = start_client(f, "INVITE", "z9hG4bKcli2");
    vnet_run(f->n, 10);
    peer_respond(f, "z9hG4bKcli2", "INVITE", 180, "p9");
    vnet_run(f->n, 5000);
    assert_int_equal(txn_client_state(t), TXN_PROCEEDING);
    assert_int_equal(count_from_me(f, "INVITE"), 1); /* no retransmission after a 1xx */
    peer_respond(f, "z9hG4bKcli2", "INVITE", 486, "p9");
    vnet_run(f->n, 10);
    assert_int_equal(f->last_status, 486);
    const vnet_packet *ack = vnet_find(f->n, PEER, "ACK", 0);
    assert_non_null(ack);
    assert_non_null(strstr(ack->data, "branch=z9hG4bKcli2"));
    assert_non_null(strstr(ack->data, "To: <sip:peer@10.0.0.9>;tag=p9"));
    assert_non_null(strstr(ack->data, "CSeq: 7 ACK"));
    assert_non_null(strstr(ack->data, "Call-ID: client-1@10.0.0.1"));
    /* a retransmitted 486 gets the ACK again, the TU hears nothing more */
    int seen = f->responses;
    peer_respond(f, "z9hG4bKcli2", "INVITE", 486, "p9");
    vnet_run(f->n, 10);
    assert_int_equal(f->responses, seen);
    assert_int_equal(count_from_me(f, "ACK"), 2);
    assert_int_equal(txn_client_state(t), TXN_COMPLETED);
    vnet_run(f->n, 32000); /* Timer D */
    assert_int_equal(txn_client_state(t), TXN_TERMINATED);
    txn_client_detach(t);
}

static void test_invite_client_2xx_accepted_timer_m(void **state)
{
    fixture *f = *state;
    txn_client *t = start_client(f, "INVITE", "z9hG4bKcli3");
    vnet_run(f->n, 10);
    peer_respond(f, "z9hG4bKcli3", "INVITE", 200, "p9");
    vnet_run(f->n, 10);
    assert_int_equal(txn_client_state(t), TXN_ACCEPTED);
    assert_int_equal(count_from_me(f, "ACK"), 0); /* the 2xx ACK is the TU's */
    peer_respond(f, "z9hG4bKcli3", "INVITE", 200, "p9");
    vnet_run(f->n, 10);
    assert_int_equal(f->responses, 2); /* retransmitted 2xx reach the TU */
    vnet_run(f->n, 32000);
    assert_int_equal(txn_client_state(t), TXN_TERMINATED); /* Timer M */
    /* later 2xx (another fork) are strays */
    peer_respond(f, "z9hG4bKcli3", "INVITE", 200, "p8");
    vnet_run(f->n, 10);
    assert_int_equal(f->strays, 1);
    txn_client_detach(t);
}

static void test_client_cancel(void **state)
{
    fixture *f = *state;
    txn_client *t = start_client(f, "INVITE", "z9hG4bKcli4");
    vnet_run(f->n, 10);
    /* no provisional yet: RFC 3261 §9.1 forbids the CANCEL */
    assert_int_equal(txn_client_cancel(t, NULL, 0, NULL, NULL, NULL), PARLEY_E_STATE);
    peer_respond(f, "z9hG4bKcli4", "INVITE", 180, "p9");
    vnet_run(f->n, 10);
    assert_int_equal(txn_client_cancel(t, NULL, 0, NULL, NULL, NULL), 0);
    vnet_run(f->n, 10);
    const vnet_packet *c = vnet_find(f->n, PEER, "CANCEL", 0);
    assert_non_null(c);
    assert_non_null(strstr(c->data, "branch=z9hG4bKcli4"));
    assert_non_null(strstr(c->data, "CSeq: 7 CANCEL"));
    assert_null(strstr(c->data, "tag=p9")); /* To of the request, not of the response */
    txn_client_detach(t);
}

static void test_non_invite_client_timer_e_f_k(void **state)
{
    fixture *f = *state;
    uint64_t t0 = vnet_now(f->n);
    txn_client *t = start_client(f, "MESSAGE", "z9hG4bKcli5");
    vnet_run(f->n, 33000);
    uint64_t at[32];
    size_t n = times_from_me(f, "MESSAGE", at, 32);
    /* E: 500, 1000, 2000, then T2 = 4000 */
    const uint64_t want[] = {0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500};
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(at[i] - t0, want[i]);
    assert_int_equal(f->client_fails, 1);
    assert_int_equal(f->client_fail_err, PARLEY_E_TIMEOUT);
    assert_int_equal(f->fail_at - t0, 32000); /* Timer F */
    txn_client_detach(t);

    /* a provisional switches E to T2 at once; the final ends it and K keeps it 5 s */
    t0 = vnet_now(f->n);
    t = start_client(f, "OPTIONS", "z9hG4bKcli6");
    vnet_run(f->n, 10);
    peer_respond(f, "z9hG4bKcli6", "OPTIONS", 100, NULL);
    vnet_run(f->n, 4400);
    n = times_from_me(f, "OPTIONS", at, 32);
    assert_int_equal(n, 2);
    assert_int_equal(at[1] - t0, 500); /* E was already armed for T1; from then on T2 */
    vnet_run(f->n, 200);
    n = times_from_me(f, "OPTIONS", at, 32);
    assert_int_equal(n, 3);
    assert_int_equal(at[2] - t0, 4500);
    peer_respond(f, "z9hG4bKcli6", "OPTIONS", 200, "p9");
    vnet_run(f->n, 10);
    assert_int_equal(f->last_status, 200);
    assert_int_equal(txn_client_state(t), TXN_COMPLETED);
    vnet_run(f->n, 4980);
    assert_int_equal(txn_client_state(t), TXN_COMPLETED);
    vnet_run(f->n, 30);
    assert_int_equal(txn_client_state(t), TXN_TERMINATED); /* Timer K = T4 */
    txn_client_detach(t);
}

static void test_malformed_requests(void **state)
{
    fixture *f = *state;
    /* has Via, CSeq, Call-ID: answered 400 with the parser's reason */
    vnet_inject(f->n, PEER, ME,
                "MESSAGE sip:me@10.0.0.1 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKbad1\r\n"
                "From: <sip:peer@10.0.0.9>;tag=p1\r\n"
                "To: < sip:me@10.0.0.1 >\r\n"
                "Call-ID: bad-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n");
    vnet_run(f->n, 10);
    const vnet_packet *r = vnet_find(f->n, PEER, "SIP/2.0 400", 0);
    assert_non_null(r);
    assert_non_null(strstr(r->first_line, "To: whitespace inside <URI>"));
    assert_int_equal(f->requests, 0);
    /* no Call-ID: nothing to answer with, dropped and counted */
    unsigned long dropped = txn_layer_stats(f->txn)->dropped;
    vnet_inject(f->n, PEER, ME,
                "MESSAGE sip:me@10.0.0.1 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKbad2\r\n"
                "CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n");
    vnet_inject(f->n, PEER, ME, "garbage\r\n\r\n");
    vnet_run(f->n, 10);
    assert_int_equal(txn_layer_stats(f->txn)->dropped, dropped + 2);
    assert_int_equal(vnet_count_match(f->n, ME, "SIP/2.0 400"), 1);
    /* a SIP/3.0 request gets 505 */
    vnet_inject(f->n, PEER, ME,
                "OPTIONS sip:me@10.0.0.1 SIP/3.0\r\n"
                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKbad3\r\n"
                "From: <sip:peer@10.0.0.9>;tag=p1\r\nTo: <sip:me@10.0.0.1>\r\n"
                "Call-ID: bad-3\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
    vnet_run(f->n, 10);
    assert_non_null(vnet_find(f->n, PEER, "SIP/2.0 505", 0));
}

/* RFC 4475 §3.1.2.4 (scalar02): a CSeq number over 2**32-1 makes the request unusable, and
 * "an element receiving this request should respond with a 400 Bad Request due to the CSeq
 * error": the 400 copies the CSeq field as it came. It was dropped (its CSeq had no value the
 * parser kept). A request with no CSeq field at all is still dropped: nothing matches it. */
static void test_overlarge_cseq_answered(void **state)
{
    fixture *f = *state;
    unsigned long dropped = txn_layer_stats(f->txn)->dropped;
    vnet_inject(f->n, PEER, ME,
                "REGISTER sip:example.com SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK342sdfoi3\r\n"
                "To: <sip:user@example.com>\r\n"
                "From: <sip:user@example.com>;tag=239232jh3\r\n"
                "CSeq: 36893488147419103232 REGISTER\r\n"
                "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\r\n"
                "Max-Forwards: 300\r\nContent-Length: 0\r\n\r\n");
    vnet_run(f->n, 10);
    const vnet_packet *r = vnet_find(f->n, PEER, "SIP/2.0 400", 0);
    assert_non_null(r);
    assert_string_equal(r->first_line, "SIP/2.0 400 Bad Request (CSeq: sequence number too large)");
    char v[128];
    vnet_header_line(r, "CSeq", v, sizeof(v));
    assert_string_equal(v, "CSeq: 36893488147419103232 REGISTER");
    vnet_header_line(r, "Call-ID", v, sizeof(v));
    assert_string_equal(v, "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32");
    vnet_header_line(r, "To", v, sizeof(v));
    assert_int_equal(strncmp(v, "To: <sip:user@example.com>;tag=", 31), 0);
    assert_int_equal(f->requests, 0);
    assert_int_equal(txn_layer_stats(f->txn)->dropped, dropped);
    /* the same with no CSeq field: dropped and counted */
    vnet_inject(f->n, PEER, ME,
                "REGISTER sip:example.com SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKnocseq\r\n"
                "To: <sip:user@example.com>\r\nFrom: <sip:user@example.com>;tag=1\r\n"
                "Call-ID: nocseq\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
    vnet_run(f->n, 10);
    assert_int_equal(vnet_count_match(f->n, ME, "SIP/2.0 400"), 1);
    assert_int_equal(txn_layer_stats(f->txn)->dropped, dropped + 1);
}

static void test_malformed_answer_tags_to(void **state)
{
    fixture *f = *state;
    /* RFC 3261 §8.2.6.2: a UAS adds a To tag to every response but 100, the stateless 400 for
     * a request that parsed too badly to be handed up included (§8.2.7: derived from the
     * request, so that its retransmission gets the same tag) */
    static const char bad[] = "OPTIONS sip:me@10.0.0.1 SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKtag1\r\n"
                              "From: <sip:peer@10.0.0.9>;tag=p1\r\nTo: <sip:me@10.0.0.1>\r\n"
                              "Call-ID: tag-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    vnet_inject(f->n, PEER, ME, bad);
    vnet_run(f->n, 10);
    vnet_inject(f->n, PEER, ME, bad);
    vnet_run(f->n, 10);
    const vnet_packet *r1 = vnet_find(f->n, PEER, "SIP/2.0 400", 0);
    const vnet_packet *r2 = vnet_find(f->n, PEER, "SIP/2.0 400", 1);
    assert_non_null(r1);
    assert_non_null(r2);
    assert_string_equal(r1->first_line,
                        "SIP/2.0 400 Bad Request (CSeq: method does not match the request method)");
    char t1[128], t2[128];
    vnet_header_line(r1, "To", t1, sizeof(t1));
    vnet_header_line(r2, "To", t2, sizeof(t2));
    assert_int_equal(strncmp(t1, "To: <sip:me@10.0.0.1>;tag=", 26), 0);
    assert_true(strlen(t1) > 26);
    assert_string_equal(t1, t2);
    /* a To that already has a tag keeps it and gets no second one */
    vnet_inject(f->n, PEER, ME,
                "BYE sip:me@10.0.0.1 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKtag2\r\n"
                "From: <sip:peer@10.0.0.9>;tag=p1\r\nTo: <sip:me@10.0.0.1>;tag=m1\r\n"
                "Call-ID: tag-2\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
    vnet_run(f->n, 10);
    const vnet_packet *r3 = vnet_find(f->n, PEER, "SIP/2.0 400", 2);
    assert_non_null(r3);
    char t3[128];
    vnet_header_line(r3, "To", t3, sizeof(t3));
    assert_string_equal(t3, "To: <sip:me@10.0.0.1>;tag=m1");
}

/* A request of `extra` header lines and a body of body_len bytes from PEER, with branch b. */
static void inject_request(fixture *f, const char *b, const char *start, const char *extra,
                           size_t body_len)
{
    pl_buf m;
    pl_buf_init(&m, 1024 + body_len);
    pl_buf_printf(&m,
                  "%s\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=%s\r\n"
                  "From: <sip:peer@10.0.0.9>;tag=p1\r\nTo: <sip:me@10.0.0.1>\r\n"
                  "Call-ID: %s\r\nCSeq: 1 MESSAGE\r\n%sContent-Length: %zu\r\n\r\n",
                  start, b, b, extra, body_len);
    for (size_t i = 0; i < body_len; i++)
        pl_buf_putc(&m, 'x');
    pl_buf_terminate(&m);
    vnet_inject(f->n, PEER, ME, m.data);
    pl_buf_free(&m);
}

/* The first line of the answer to branch b ("" when none). */
static const char *answer_to(fixture *f, const char *b)
{
    for (size_t i = 0; i < vnet_count(f->n); i++) {
        const vnet_packet *p = vnet_get(f->n, i);
        if (!strcmp(p->src, ME) && p->status && strstr(p->data, b))
            return p->first_line;
    }
    return "";
}

static void test_limit_faults_answered(void **state)
{
    fixture *f = *state;
    const txn_stats *st = txn_layer_stats(f->txn);
    unsigned long answered = st->bad_requests, dropped = st->dropped;
    pl_buf many;
    pl_buf_init(&many, 0);
    for (int i = 0; i < 300; i++)
        pl_buf_printf(&many, "X-%d: %d\r\n", i, i);
    pl_buf_terminate(&many);
    /* too many header fields: Via, From, To, Call-ID and CSeq came first */
    inject_request(f, "z9hG4bKmany", "MESSAGE sip:me@10.0.0.1 SIP/2.0", many.data, 0);
    /* the size limit (64 KiB): a datagram only the virtual network can carry */
    inject_request(f, "z9hG4bKbig", "MESSAGE sip:me@10.0.0.1 SIP/2.0", "", 70000);
    /* a Request-URI over the line limit (8 KiB) */
    char start[9000];
    snprintf(start, sizeof(start), "MESSAGE sip:me@%08500d SIP/2.0", 0);
    inject_request(f, "z9hG4bKlong", start, "", 0);
    vnet_run(f->n, 10);
    assert_string_equal(answer_to(f, "z9hG4bKmany"),
                        "SIP/2.0 400 Bad Request (headers: too many header fields)");
    assert_string_equal(answer_to(f, "z9hG4bKbig"),
                        "SIP/2.0 513 Message Too Large (message: message too large)");
    assert_string_equal(answer_to(f, "z9hG4bKlong"),
                        "SIP/2.0 414 Request-URI Too Long (Request-URI: Request-URI too long)");
    assert_int_equal(f->requests, 0);
    assert_int_equal(st->bad_requests, answered + 3);
    assert_int_equal(st->dropped, dropped);
    /* past the limit with no Call-ID before or after the fault: nothing to answer with */
    vnet_inject(f->n, PEER, ME,
                "MESSAGE sip:me@10.0.0.1 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKnocid\r\nCSeq: 1 MESSAGE\r\n");
    vnet_run(f->n, 10);
    assert_string_equal(answer_to(f, "z9hG4bKnocid"), "");
    assert_int_equal(st->dropped, dropped + 1);
    pl_buf_free(&many);
}

static void test_nul_answered(void **state)
{
    fixture *f = *state;
    /* vnet_inject takes text: the NUL goes in through the transport directly */
    static const char m[] = "MESSAGE sip:me@10.0.0.1 SIP/2.0\r\n"
                            "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKnul\r\n"
                            "From: <sip:peer@10.0.0.9>;tag=p1\r\nSubject: a\0b\r\n"
                            "To: <sip:me@10.0.0.1>\r\nCall-ID: nul\r\nCSeq: 1 MESSAGE\r\n"
                            "Content-Length: 0\r\n\r\n";
    tp_addr src;
    tp_addr_parse(PEER, NULL, &src);
    tp_iface *ifc = tp_next_iface(f->tp, NULL);
    tp_iface_deliver(ifc, &src, m, sizeof(m) - 1);
    vnet_run(f->n, 10);
    assert_string_equal(answer_to(f, "z9hG4bKnul"),
                        "SIP/2.0 400 Bad Request (Subject: NUL byte in header value)");
    assert_int_equal(f->requests, 0);
}

static void test_many_transactions(void **state)
{
    fixture *f = *state;
    enum { N = 3000 };
    static txn_client *ts[N];
    for (int i = 0; i < N; i++) {
        char branch[32];
        snprintf(branch, sizeof(branch), "z9hG4bKmany%d", i);
        ts[i] = start_client(f, "OPTIONS", branch);
    }
    vnet_run(f->n, 10);
    assert_int_equal(txn_layer_stats(f->txn)->clients, N);
    for (int i = N - 1; i >= 0; i--) {
        char branch[32];
        snprintf(branch, sizeof(branch), "z9hG4bKmany%d", i);
        peer_respond(f, branch, "OPTIONS", 200, "p");
    }
    vnet_run(f->n, 10);
    assert_int_equal(f->responses, N);
    assert_int_equal(f->strays, 0);
    vnet_run(f->n, 6000);
    assert_int_equal(txn_layer_stats(f->txn)->clients, 0);
    for (int i = 0; i < N; i++)
        txn_client_detach(ts[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_invite_server_100_trying_after_200ms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_server_no_100_when_tu_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_server_100_trying_each_on_its_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invite_server_timer_g_until_ack_then_i, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invite_server_timer_h, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_server_accepted_timer_l, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_invite_server_absorbs_and_timer_j, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rfc2543_matching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_client_timer_a_and_b, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_client_non2xx_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_client_2xx_accepted_timer_m, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_invite_client_timer_e_f_k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_answer_tags_to, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlarge_cseq_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_faults_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_transactions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
