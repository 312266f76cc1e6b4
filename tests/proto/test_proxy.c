/*
 * The outbound proxy (RFC 3261 §8.1.2) on the virtual network: every request outside a dialog
 * (INVITE, MESSAGE, OPTIONS) carries it as a pre-loaded Route with ;lr and goes to it, the
 * CANCEL carries the INVITE's Route, in the dialog the Record-Route set wins; the per-session
 * and per-message overrides; and targeting one endpoint of a user through the proxy (the
 * public GRUU made from its epid).
 */
#include "test_util.h"

#include "endpoint/ep.h"
#include "world.h"

#define R_ADDR  "10.0.0.8:5060" /* another proxy */
#define PROXY   "<sip:" P_ADDR ";lr>"
#define AOR_BOB "sip:bob@example.com"

static int setup(void **state)
{
    parley_endpoint_config ca = PARLEY_ENDPOINT_CONFIG_INIT;
    ca.uri = "sip:alice@10.0.0.1:5060";
    ca.outbound_proxy = "sip:" P_ADDR; /* ";lr" added */
    ca.on_message = NULL;
    const parley_endpoint_config *cfg[2] = {&ca, NULL};
    static const char *const peers[] = {P_ADDR, R_ADDR, NULL};
    *state = world_new(2, cfg, peers);
    return 0;
}

/* A sends a page-mode request of type t to `to` (body, hdrs: NULL for none); d gets the
 * outcome. Returns what the send returned. */
static int a_sends(world *w, parley_msg_type t, const parley_address *to,
                   const parley_content *body, const parley_header *h, size_t nh, page_done *d)
{
    return parley_endpoint_send_message(w->a.ep, t, to, body, h, nh, page_done_cb, d);
}

static void test_invite_through_proxy(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, B_URI, &o);
    /* to the proxy, for Bob: Request-URI unchanged, the proxy as a loose route */
    assert_string_equal(inv->first_line, "INVITE " B_URI " SIP/2.0");
    assert_string_equal(hdr(inv, "Route"), PROXY);
    assert_null(vnet_find(w->n, B_ADDR, "INVITE", 0));
    /* the proxy record-routes: the dialog's requests go through it */
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "b1",
             "Record-Route: <sip:" P_ADDR ";lr>\r\nContact: <" B_URI ">\r\n", NULL);
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
    const vnet_packet *ack = vnet_find(w->n, P_ADDR, "ACK", 0);
    assert_non_null(ack);
    assert_string_equal(ack->first_line, "ACK " B_URI " SIP/2.0");
    assert_string_equal(hdr(ack, "Route"), PROXY);
    world_end_a(w, 5);
    const vnet_packet *bye = vnet_find(w->n, P_ADDR, "BYE", 0);
    assert_non_null(bye);
    assert_string_equal(hdr(bye, "Route"), PROXY);
}

static void test_dialog_without_record_route(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    /* the proxy did not record-route: in the dialog, straight to the remote target */
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "b1", "Contact: <sip:bob@" R_ADDR ">\r\n", NULL);
    vnet_run(w->n, 5);
    const vnet_packet *ack = vnet_find(w->n, R_ADDR, "ACK", 0);
    assert_non_null(ack);
    assert_string_equal(hdr(ack, "Route"), "");
}

static void test_cancel_carries_route(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_ring_peer(w, B_URI, "b1", &o);
    world_end_a(w, 5);
    const vnet_packet *cancel = vnet_find(w->n, P_ADDR, "CANCEL", 0);
    assert_non_null(cancel);
    assert_string_equal(cancel->first_line, "CANCEL " B_URI " SIP/2.0");
    assert_string_equal(hdr(cancel, "Route"), PROXY); /* RFC 3261 §9.1 */
    sp_reply(w->n, P_ADDR, cancel, 200, "OK", "b1", NULL, NULL);
    sp_reply(w->n, P_ADDR, inv, 487, "Request Terminated", "b1", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(o.calls, 1);
}

static void test_page_mode_through_proxy(void **state)
{
    world *w = *state;
    static page_done d; /* the requests stay unanswered: they complete when the world ends */
    d = (page_done){0};
    parley_address to = {B_URI, NULL};
    parley_content body = {NULL, "hi", 2};
    assert_int_equal(a_sends(w, PARLEY_MSG_MESSAGE, &to, &body, NULL, 0, &d), 0);
    assert_int_equal(a_sends(w, PARLEY_MSG_OPTIONS, &to, NULL, NULL, 0, &d), 0);
    vnet_run(w->n, 5);
    assert_int_equal(a_sends(w, PARLEY_MSG_BENOTIFY, &to, NULL, NULL, 0, &d), 0);
    vnet_run(w->n, 5);
    const vnet_packet *m = vnet_find(w->n, P_ADDR, "MESSAGE", 0);
    const vnet_packet *opt = vnet_find(w->n, P_ADDR, "OPTIONS", 0);
    const vnet_packet *be = vnet_find(w->n, P_ADDR, "BENOTIFY", 0);
    assert_non_null(be);
    assert_string_equal(hdr(be, "Route"), PROXY);
    assert_non_null(m);
    assert_non_null(opt);
    assert_string_equal(hdr(m, "Route"), PROXY);
    assert_string_equal(hdr(opt, "Route"), PROXY);
    assert_int_equal(sp_count(w->n, B_ADDR, "MESSAGE"), 0);
}

static void test_page_mode_route_override(void **state)
{
    world *w = *state;
    static page_done d;
    d = (page_done){0};
    parley_address to = {B_URI, NULL};
    /* Route headers are this request's route set: they replace the outbound proxy */
    parley_header h[3] = {
        {"Route", "<sip:" R_ADDR ";lr>"}, {"X-Test", "1"}, {"route", "sip:" P_ADDR}};
    assert_int_equal(a_sends(w, PARLEY_MSG_MESSAGE, &to, NULL, h, 3, &d), 0);
    vnet_run(w->n, 5);
    const vnet_packet *m = vnet_find(w->n, R_ADDR, "MESSAGE", 0);
    assert_non_null(m);
    assert_string_equal(hdr_nth(m, "Route", 0), "<sip:" R_ADDR ";lr>");
    assert_string_equal(hdr_nth(m, "Route", 1), PROXY);
    assert_string_equal(hdr(m, "X-Test"), "1");
    assert_int_equal(sp_count(w->n, P_ADDR, "MESSAGE"), 0);
    /* a bad one is refused in the call */
    parley_header bad = {"Route", "<tel:+1234>"};
    assert_int_equal(a_sends(w, PARLEY_MSG_MESSAGE, &to, NULL, &bad, 1, &d), PARLEY_E_INVAL);
    parley_header list = {"Route", "<sip:a;lr>, <sip:b;lr>"};
    assert_int_equal(a_sends(w, PARLEY_MSG_MESSAGE, &to, NULL, &list, 1, &d), PARLEY_E_INVAL);
}

static void test_session_proxy_override(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    parley_address to = {B_URI, NULL};
    /* another proxy for this session */
    parley_session_opts o1 = PARLEY_SESSION_OPTS_INIT;
    o1.proxy = "sip:" R_ADDR;
    parley_session *s = party_call_to(&w->a, &to, &o1);
    assert_non_null(s);
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    const vnet_packet *inv = vnet_find(w->n, R_ADDR, "INVITE", 0);
    assert_non_null(inv);
    assert_string_equal(hdr(inv, "Route"), "<sip:" R_ADDR ";lr>");
    /* none: straight to the target */
    parley_session_opts o2 = PARLEY_SESSION_OPTS_INIT;
    o2.proxy = "";
    s = party_call_to(&w->a, &to, &o2);
    outcome oc = {0};
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &oc), 0);
    vnet_run(w->n, 10);
    const vnet_packet *direct = vnet_find(w->n, B_ADDR, "INVITE", 0);
    assert_non_null(direct);
    assert_string_equal(hdr(direct, "Route"), "");
    assert_int_equal(oc.status, 200);
    /* a bad proxy is refused when the session is made */
    parley_session_opts o3 = PARLEY_SESSION_OPTS_INIT;
    o3.proxy = "mailto:x@y";
    parley_session *bad = NULL;
    assert_int_equal(parley_session_create(w->a.ep, &to, &o3, &bad), PARLEY_E_INVAL);
    assert_null(bad);
}

static void test_bad_outbound_proxy(void **state)
{
    world *w = *state;
    parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
    c.outbound_proxy = "sip:p.example?X=1";
    parley_endpoint *ep = NULL;
    assert_int_equal(ep_create_on(&c, vnet_loop(w->n), &ep), PARLEY_E_INVAL);
    c.outbound_proxy = "<sip:p.example;lr;transport=tcp>";
    assert_int_equal(ep_create_on(&c, vnet_loop(w->n), &ep), 0);
    assert_string_equal(ep->proxy_route, "<sip:p.example;lr;transport=tcp>");
    parley_endpoint_unref(ep);
}

/* ---- targeting one endpoint ---- */

static void test_epid_target_through_proxy(void **state)
{
    world *w = *state;
    /* the public GRUU of the endpoint whose epid is "bob-desk", as its registrar makes it */
    parley_endpoint_config cb = PARLEY_ENDPOINT_CONFIG_INIT;
    cb.epid = "bob-desk";
    parley_endpoint *desk = NULL;
    assert_int_equal(ep_create_on(&cb, vnet_loop(w->n), &desk), 0);
    char gruu[160];
    snprintf(gruu, sizeof(gruu), AOR_BOB ";gr=%s", parley_endpoint_instance(desk));
    assert_int_equal(strncmp(parley_endpoint_instance(desk), "urn:uuid:", 9), 0);
    assert_int_equal(parley_endpoint_instance(desk)[23], '5'); /* a version 5 UUID */
    parley_endpoint_unref(desk);

    parley_address to = {AOR_BOB, "bob-desk"};
    parley_session *s = party_call_to(&w->a, &to, NULL);
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    const vnet_packet *inv = vnet_find(w->n, P_ADDR, "INVITE", 0);
    assert_non_null(inv);
    char line[256];
    snprintf(line, sizeof(line), "INVITE %s SIP/2.0", gruu);
    assert_string_equal(inv->first_line, line);
    assert_string_equal(hdr(inv, "To"), "<" AOR_BOB ">;epid=bob-desk");
    /* page mode likewise */
    static page_done d;
    d = (page_done){0};
    assert_int_equal(a_sends(w, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0, &d), 0);
    vnet_run(w->n, 5);
    snprintf(line, sizeof(line), "MESSAGE %s SIP/2.0", gruu);
    assert_string_equal(vnet_find(w->n, P_ADDR, "MESSAGE", 0)->first_line, line);
    /* a GRUU target stays as it is; without a proxy the epid changes nothing */
    parley_address g = {"sip:bob@example.com;gr=urn:uuid:1", "bob-desk"};
    s = party_call_to(&w->a, &g, NULL);
    assert_int_equal(parley_session_participate(s, NULL, 0, NULL, NULL), 0);
    parley_session_opts none = PARLEY_SESSION_OPTS_INIT;
    none.proxy = "";
    parley_address direct = {B_URI, "bob-desk"};
    parley_session *s2 = NULL;
    assert_int_equal(parley_session_create(w->a.ep, &direct, &none, &s2), 0);
    assert_int_equal(parley_session_participate(s2, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, 5);
    assert_string_equal(vnet_find(w->n, P_ADDR, "INVITE", 1)->first_line,
                        "INVITE sip:bob@example.com;gr=urn:uuid:1 SIP/2.0");
    assert_string_equal(vnet_find(w->n, B_ADDR, "INVITE", 0)->first_line,
                        "INVITE " B_URI " SIP/2.0");
    parley_session_terminate(s2, NULL, 0, NULL, NULL);
    vnet_run(w->n, 5);
    parley_session_unref(s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_invite_through_proxy, setup),
        WORLD_TEST(test_dialog_without_record_route, setup),
        WORLD_TEST(test_cancel_carries_route, setup),
        WORLD_TEST(test_page_mode_through_proxy, setup),
        WORLD_TEST(test_page_mode_route_override, setup),
        WORLD_TEST(test_session_proxy_override, setup),
        WORLD_TEST(test_bad_outbound_proxy, setup),
        WORLD_TEST(test_epid_target_through_proxy, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
