/*
 * Overload limits on the virtual network (issue 12): each limit is pushed past by a flood of
 * scripted peers; the requests beyond it get 503 with Retry-After (stateless: the same To tag
 * for a retransmission), the endpoint's counters say so, and a call established before the
 * flood still ends with its BYE answered. When the flood's state runs out (timers), the limit
 * admits again and nothing is left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "world.h"

#define Q_ADDR "10.0.0.10:5060" /* a second scripted peer */

static world *limited_world(const parley_endpoint_config *b_cfg)
{
    const parley_endpoint_config *cfgs[2] = {NULL, b_cfg};
    static const char *const peers[] = {P_ADDR, Q_ADDR, NULL};
    return world_new(2, cfgs, peers);
}

/* limited_world with A's call to B up before the flood. */
static world *connected_world(const parley_endpoint_config *b_cfg)
{
    world *w = limited_world(b_cfg);
    world_connect(w);
    return w;
}

static parley_endpoint_stats stats_of(parley_endpoint *ep)
{
    parley_endpoint_stats st = PARLEY_ENDPOINT_STATS_INIT;
    assert_int_equal(parley_endpoint_read_stats(ep, &st), 0);
    return st;
}

/* An INVITE from src to B with its own Call-ID, From tag and branch (number i). */
static void invite_from(world *w, const char *src, int i)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE " B_URI " SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKfl%d\r\n"
             "From: <sip:flood@%s>;tag=f%d\r\nTo: <" B_URI ">\r\nCall-ID: flood-%d\r\n"
             "CSeq: 1 INVITE\r\nContact: <sip:flood@%s>\r\nMax-Forwards: 70\r\n"
             "Content-Type: application/x-test\r\n",
             src, i, src, i, i, src);
    sp_send(w->n, src, B_ADDR, head, "offer-flood");
}

/* INVITEs number first..first+count-1 from src to B (invite_from); 5 ms later. */
static void invites_from(world *w, const char *src, int first, int count)
{
    for (int i = first; i < first + count; i++)
        invite_from(w, src, i);
    vnet_run(w->n, 5);
}

/* P cancels its INVITE number 0; 5 ms later. */
static void cancel_first(world *w)
{
    sp_send(w->n, P_ADDR, B_ADDR,
            "CANCEL " B_URI " SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKfl0\r\n"
            "From: <sip:flood@" P_ADDR ">;tag=f0\r\nTo: <" B_URI ">\r\nCall-ID: flood-0\r\n"
            "CSeq: 1 CANCEL\r\nMax-Forwards: 70\r\n",
            NULL);
    vnet_run(w->n, 5);
}

/* P's request in the dialog of its INVITE number i (B's To tag `tag`, branch z9hG4bK<branch>),
 * with a text/plain body (NULL: none); 5 ms later. */
static void in_dialog_from_p(world *w, const char *method, const char *branch, int i,
                             const char *tag, int cseq, const char *body)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "%s " B_URI " SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bK%s\r\n"
             "From: <sip:flood@" P_ADDR ">;tag=f%d\r\nTo: <" B_URI ">;tag=%s\r\n"
             "Call-ID: flood-%d\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n%s",
             method, branch, i, tag, i, cseq, method, body ? "Content-Type: text/plain\r\n" : "");
    sp_send(w->n, P_ADDR, B_ADDR, head, body);
    vnet_run(w->n, 5);
}

static void options_from(world *w, const char *src, int i)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "OPTIONS " B_URI " SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKop%d\r\n"
             "From: <sip:flood@%s>;tag=o%d\r\nTo: <" B_URI ">\r\nCall-ID: options-%d\r\n"
             "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n",
             src, i, src, i, i);
    sp_send(w->n, src, B_ADDR, head, NULL);
}

/* Checks every 503 delivered to dst (NULL: any) says Retry-After in [lo, hi); returns how many
 * there were. */
static size_t check_503s(world *w, const char *dst, unsigned lo, unsigned hi)
{
    size_t n = 0;
    for (const vnet_packet *p; (p = vnet_find(w->n, dst, "SIP/2.0 503", n)); n++) {
        const char *ra = hdr(p, "Retry-After");
        assert_true(ra[0] != '\0');
        unsigned v = (unsigned)atoi(ra);
        if (v < lo || v >= hi)
            fail_msg("Retry-After %u outside [%u, %u)", v, lo, hi);
        assert_true(sp_has(p, "\r\nServer: "));
        char tag[64];
        assert_true(sp_tag(p, "To", tag, sizeof(tag))[0] != '\0');
    }
    return n;
}

/* A's call to B, established before the flood, still ends: A's BYE is answered 200. */
static void assert_call_ends(world *w)
{
    outcome bye = {0};
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &bye), 0);
    vnet_run(w->n, 10);
    assert_int_equal(bye.calls, 1);
    assert_int_equal(bye.error, 0);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
    const vnet_packet *ok = sp_last(w->n, A_ADDR, "SIP/2.0 200");
    assert_non_null(ok);
    assert_string_equal(ok->method, "BYE");
}

/* The issue's flood (INVITEs answered and never ACKed) against max_half_open. */
static void test_half_open_flood(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_half_open = 5;
    cfg.retry_after_s = 2;
    world *w = connected_world(&cfg);
    invites_from(w, P_ADDR, 0, 20);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 200"), 5);
    assert_int_equal(check_503s(w, P_ADDR, 2, 4), 15);
    parley_endpoint_stats st = stats_of(w->b.ep);
    assert_int_equal(st.half_open, 5);
    assert_int_equal(st.sessions, 6);
    assert_int_equal(st.rejected_half_open, 15);
    assert_int_equal(st.rejected_503, 15);
    assert_int_equal(st.rejected_sessions + st.rejected_transactions + st.rejected_peer, 0);
    /* the refusal kept no state: a retransmission is refused again, with the same To tag */
    const vnet_packet *first = vnet_find(w->n, P_ADDR, "SIP/2.0 503", 0);
    char tag1[64], cid[64];
    sp_tag(first, "To", tag1, sizeof(tag1));
    snprintf(cid, sizeof(cid), "%s", hdr(first, "Call-ID"));
    int i = atoi(cid + strlen("flood-"));
    size_t before = sp_count(w->n, P_ADDR, "SIP/2.0 503");
    invites_from(w, P_ADDR, i, 1);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 503"), before + 1);
    char tag2[64];
    assert_string_equal(sp_tag(sp_last(w->n, P_ADDR, "SIP/2.0 503"), "To", tag2, sizeof(tag2)),
                        tag1);
    /* the admitted INVITEs' transactions, and the established call's (Timer L) */
    assert_int_equal(stats_of(w->b.ep).server_transactions, 6);
    assert_call_ends(w);
    /* the half-open sessions end 64*T1 after their 2xx (with a BYE nobody answers) */
    vnet_run(w->n, 33000);
    st = stats_of(w->b.ep);
    assert_int_equal(st.half_open, 0);
    assert_int_equal(st.sessions, 5); /* until their BYEs give up */
    /* and a new INVITE is admitted */
    size_t oks = sp_count(w->n, Q_ADDR, "SIP/2.0 200");
    invites_from(w, Q_ADDR, 100, 1);
    assert_int_equal(sp_count(w->n, Q_ADDR, "SIP/2.0 200"), oks + 1);
    assert_int_equal(stats_of(w->b.ep).half_open, 1);
    /* once every timer ran out, nothing is left */
    vnet_run(w->n, 70000);
    st = stats_of(w->b.ep);
    assert_int_equal(st.sessions + st.half_open + st.transactions, 0);
    world_free(w);
}

/* Unanswered incoming INVITEs (ringing for ever) count as half-open too. */
static void test_unanswered_invites(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_half_open = 3;
    world *w = connected_world(&cfg);
    w->b.on_incoming = PARTY_RING;
    invites_from(w, P_ADDR, 0, 6);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 180"), 3);
    assert_int_equal(check_503s(w, P_ADDR, 5, 10), 3);
    assert_int_equal(stats_of(w->b.ep).rejected_half_open, 3);
    /* a CANCEL of a ringing INVITE is admitted whatever the load, and frees its place */
    cancel_first(w);
    const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
    assert_non_null(ok);
    assert_string_equal(ok->method, "CANCEL");
    assert_non_null(sp_last(w->n, P_ADDR, "SIP/2.0 487"));
    assert_int_equal(stats_of(w->b.ep).half_open, 2);
    invites_from(w, P_ADDR, 50, 1);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 180"), 4);
    assert_call_ends(w);
    world_free(w);
}

/* max_sessions: established sessions count; their in-dialog requests are never refused. */
static void test_session_limit(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_sessions = 3;
    world *w = connected_world(&cfg);
    /* two calls from P, ACKed: B holds three sessions */
    char tags[2][64];
    for (int i = 0; i < 2; i++) {
        invites_from(w, P_ADDR, i, 1);
        const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
        assert_non_null(ok);
        sp_tag(ok, "To", tags[i], sizeof(tags[i]));
        char branch[16];
        snprintf(branch, sizeof(branch), "ack%d", i);
        in_dialog_from_p(w, "ACK", branch, i, tags[i], 1, NULL);
    }
    parley_endpoint_stats st = stats_of(w->b.ep);
    assert_int_equal(st.sessions, 3);
    assert_int_equal(st.half_open, 0);
    invites_from(w, Q_ADDR, 10, 4);
    assert_int_equal(check_503s(w, Q_ADDR, 5, 10), 4);
    assert_int_equal(stats_of(w->b.ep).rejected_sessions, 4);
    /* an in-dialog MESSAGE of an established session goes through */
    in_dialog_from_p(w, "MESSAGE", "m1", 1, tags[1], 2, "still here");
    const vnet_packet *ok = sp_last(w->n, P_ADDR, "SIP/2.0 200");
    assert_string_equal(ok->method, "MESSAGE");
    assert_string_equal(w->b.last_message, "still here");
    /* a request naming a dialog we do not have is a new request for the limits */
    assert_call_ends(w);
    /* one session gone (released): an INVITE is admitted again */
    invites_from(w, Q_ADDR, 20, 1);
    assert_int_equal(sp_count(w->n, Q_ADDR, "SIP/2.0 200"), 1);
    assert_int_equal(stats_of(w->b.ep).rejected_sessions, 4);
    world_free(w);
}

/* max_server_transactions, against OPTIONS from many addresses (UDP: each lives 64*T1). */
static void test_transaction_limit(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_server_transactions = 10;
    world *w = connected_world(&cfg);
    vnet_run(w->n, 33000); /* its INVITE transaction is gone (Timer L): the table is empty */
    assert_int_equal(stats_of(w->b.ep).server_transactions, 0);
    for (int i = 0; i < 30; i++) {
        char src[32];
        snprintf(src, sizeof(src), "10.1.0.%d:5060", i + 1);
        options_from(w, src, i);
        vnet_run(w->n, 0);
    }
    vnet_run(w->n, 5);
    size_t oks = 0;
    for (const vnet_packet *p; (p = vnet_find(w->n, NULL, "SIP/2.0 200", oks)); oks++)
        ;
    assert_int_equal(oks, 11); /* 10 OPTIONS, and the INVITE's before the flood */
    assert_int_equal(check_503s(w, NULL, 5, 10), 20);
    parley_endpoint_stats st = stats_of(w->b.ep);
    assert_int_equal(st.server_transactions, 10);
    assert_int_equal(st.rejected_transactions, 20);
    assert_int_equal(st.rejected_503, 20);
    /* the table is full, yet the established call's BYE is admitted */
    assert_call_ends(w);
    assert_int_equal(stats_of(w->b.ep).rejected_transactions, 20);
    /* Timer J frees the table: OPTIONS are answered again */
    vnet_run(w->n, 33000);
    assert_int_equal(stats_of(w->b.ep).server_transactions, 0);
    options_from(w, P_ADDR, 99);
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 200"), 1);
    world_free(w);
}

/* max_in_flight_per_peer: one address cannot keep more requests unanswered than this (here
 * INVITEs left ringing); answered ones no longer count. */
static void test_per_peer_limit(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_in_flight_per_peer = 4;
    world *w = connected_world(&cfg);
    w->b.on_incoming = PARTY_RING;
    for (int i = 0; i < 10; i++)
        invite_from(w, P_ADDR, i);
    /* the same host from another port is the same peer */
    invite_from(w, "10.0.0.9:5099", 10);
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 180"), 4);
    assert_int_equal(check_503s(w, P_ADDR, 5, 10), 6);
    assert_int_equal(check_503s(w, "10.0.0.9:5099", 5, 10), 1);
    invites_from(w, Q_ADDR, 20, 1);
    assert_int_equal(sp_count(w->n, Q_ADDR, "SIP/2.0 180"), 1);
    parley_endpoint_stats st = stats_of(w->b.ep);
    assert_int_equal(st.rejected_peer, 7);
    assert_int_equal(st.rejected_503, 7);
    assert_call_ends(w);
    /* one ringing INVITE gets its final answer (CANCEL, 487): P may send one more */
    cancel_first(w);
    assert_non_null(sp_last(w->n, P_ADDR, "SIP/2.0 487"));
    invites_from(w, P_ADDR, 30, 1);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 180"), 5);
    assert_int_equal(stats_of(w->b.ep).rejected_peer, 7);
    world_free(w);
}

/* PARLEY_UNLIMITED turns a limit off. */
static void test_unlimited(void **state)
{
    (void)state;
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.max_in_flight_per_peer = PARLEY_UNLIMITED;
    cfg.max_server_transactions = PARLEY_UNLIMITED;
    world *w = limited_world(&cfg);
    for (int i = 0; i < 1500; i++)
        options_from(w, P_ADDR, i);
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, P_ADDR, "SIP/2.0 200"), 1500);
    assert_int_equal(stats_of(w->b.ep).rejected_503, 0);
    world_free(w);
}

/* The stats struct is versioned by its size. */
static void test_stats_size(void **state)
{
    world *w = *state;
    parley_endpoint_stats st;
    memset(&st, 0xff, sizeof(st));
    st.size = 0;
    assert_int_equal(parley_endpoint_read_stats(w->b.ep, &st), PARLEY_E_INVAL);
    assert_int_equal(parley_endpoint_read_stats(w->b.ep, NULL), PARLEY_E_INVAL);
    assert_int_equal(parley_endpoint_read_stats(NULL, &st), PARLEY_E_INVAL);
    world_connect(w);
    /* an older caller knowing only size and sessions: nothing past them is written */
    memset(&st, 0xff, sizeof(st));
    st.size = offsetof(parley_endpoint_stats, half_open);
    assert_int_equal(parley_endpoint_read_stats(w->b.ep, &st), 0);
    assert_int_equal(st.size, offsetof(parley_endpoint_stats, half_open));
    assert_int_equal(st.sessions, 1);
    assert_int_equal(st.half_open, UINT64_MAX);
    /* after stop: the last figures, nothing alive */
    parley_endpoint_stop(w->b.ep);
    parley_endpoint_stats after = stats_of(w->b.ep);
    assert_int_equal(after.sessions + after.transactions + after.connections, 0);
}

/* A peer that vanishes mid-call (no BYE): the next in-dialog request fails and the session
 * ends with the reason (Timeout), after a BYE; then nothing is left. */
static void test_peer_vanishes(void **state)
{
    world *w = *state;
    world_connect(w);
    world_drop(w, B_ADDR, "", 0, 0); /* A hears nothing from B any more... */
    world_drop(w, A_ADDR, "", 0, 0); /* ...and says nothing: A is gone */
    outcome m = {0};
    m.n = w->n;
    uint64_t sent = vnet_now(w->n);
    assert_int_equal(
        parley_session_send_message(w->b.s, PARLEY_MSG_MESSAGE, NULL, NULL, 0, outcome_cb, &m), 0);
    vnet_run(w->n, 40000);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.error, PARLEY_E_TIMEOUT);
    assert_true(m.at - sent >= 32000 && m.at - sent <= 32010); /* Timer F, 64*T1 */
    assert_trans(&w->b, "Connected>Disconnected:Timeout:-");
    assert_true(sp_count_since(w->n, 0, B_ADDR, "BYE") >= 1); /* (and its retransmissions) */
    vnet_run(w->n, 40000);                                    /* the BYE gives up too */
    assert_int_equal(w->b.released, 1);
    parley_endpoint_stats st = stats_of(w->b.ep);
    assert_int_equal(st.sessions + st.transactions, 0);
}

/* The same when the peer's proxy answers the request 408. */
static void test_in_dialog_408(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_connect_peer(w, "pt", &o);
    assert_int_equal(o.status, 200);
    party_clear(&w->a);
    outcome m = {0};
    world_a_sends(w, PARLEY_MSG_INFO, &m);
    vnet_run(w->n, 5);
    const vnet_packet *info = sp_last(w->n, P_ADDR, "INFO");
    assert_non_null(info);
    sp_reply(w->n, P_ADDR, info, 408, "Request Timeout", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(m.status, 408);
    assert_trans(&w->a, "Connected>Disconnected:Timeout:408");
    assert_non_null(sp_last(w->n, P_ADDR, "BYE"));
}

/* The peer's process is gone but its host is not: the next request in the dialog meets an ICMP
 * port unreachable, a transport error (RFC 3261 §8.1.3.1) that no retransmission can mend. The
 * session ends at once, reason Unreachable (a BYE is tried), instead of staying up until a
 * session timer that may never have been negotiated. */
static void test_in_dialog_unreachable(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_connect_peer(w, "pt", &o);
    assert_int_equal(o.status, 200);
    party_clear(&w->a);
    vnet_gone(w->n, P_ADDR);
    outcome m = {0};
    m.n = w->n;
    uint64_t sent = vnet_now(w->n);
    world_a_sends(w, PARLEY_MSG_INFO, &m);
    vnet_run(w->n, 50);
    assert_int_equal(m.calls, 1);
    assert_int_equal(m.error, PARLEY_E_CONNECT);
    assert_true(m.at - sent <= 10);
    assert_trans(&w->a, "Connected>Disconnected:Unreachable:-");
    assert_non_null(sp_last(w->n, P_ADDR, "BYE"));
    vnet_run(w->n, 40000);
    parley_endpoint_stats st = stats_of(w->a.ep);
    assert_int_equal(st.sessions + st.transactions, 0);
}

/* The same for a re-INVITE and an UPDATE (sess_dialog_gone): the peer is gone at once. */
static void renegotiate_unreachable(world *w, unsigned flags)
{
    outcome o = {0};
    world_connect_peer(w, "pr", &o);
    assert_int_equal(o.status, 200);
    party_clear(&w->a);
    vnet_gone(w->n, P_ADDR);
    outcome r = {.n = w->n};
    uint64_t sent = vnet_now(w->n);
    assert_int_equal(parley_session_renegotiate(w->a.s, flags, NULL, 0, outcome_cb, &r), 0);
    vnet_run(w->n, 50);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.error, PARLEY_E_CONNECT);
    assert_true(r.at - sent <= 10);
    assert_trans(&w->a, "Connected>Disconnected:Unreachable:-");
    vnet_run(w->n, 40000);
    parley_endpoint_stats st = stats_of(w->a.ep);
    assert_int_equal(st.sessions + st.transactions, 0);
}

static void test_reinvite_unreachable(void **state)
{
    renegotiate_unreachable(*state, 0);
}

static void test_update_unreachable(void **state)
{
    renegotiate_unreachable(*state, PARLEY_RENEGOTIATE_UPDATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_open_flood),
        cmocka_unit_test(test_unanswered_invites),
        cmocka_unit_test(test_session_limit),
        cmocka_unit_test(test_transaction_limit),
        cmocka_unit_test(test_per_peer_limit),
        cmocka_unit_test(test_unlimited),
        WORLD_TEST(test_stats_size, world_setup),
        WORLD_TEST(test_peer_vanishes, world_setup),
        WORLD_TEST(test_in_dialog_408, world_setup_peer),
        WORLD_TEST(test_in_dialog_unreachable, world_setup_peer),
        WORLD_TEST(test_reinvite_unreachable, world_setup_peer),
        WORLD_TEST(test_update_unreachable, world_setup_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
