/*
 * Registrations (RFC 3261 §10) against a scripted registrar on the virtual network: the
 * REGISTER's shape (+sip.instance, epid, Supported: gruu), the refresh at half the granted
 * expiry, 423 answered with Min-Expires, failures, unregistering one contact of several, the
 * REGISTER challenged and answered, the GRUU as the Contact of sessions, is_forked for an
 * INVITE retargeted to our contact, and the unregistering REGISTER at the endpoint's stop.
 */
#include "test_util.h"

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/registration.h"
#include "world.h"

#define REGISTRAR "sip:" P_ADDR
#define AOR       "sip:alice@example.com"
#define A_CONTACT "sip:alice@" A_ADDR

typedef struct reg_log {
    char lines[16][256];
    int n;
    int finals;
} reg_log;

static void on_event(parley_registration *r, const parley_registration_event *ev, void *user)
{
    (void)r;
    reg_log *l = user;
    if (ev->state == PARLEY_REG_FAILED || ev->state == PARLEY_REG_UNREGISTERED)
        l->finals++;
    if (l->n < 16)
        snprintf(l->lines[l->n++], sizeof(l->lines[0]), "%s:%u:%d:%d:%s:%s",
                 parley_reg_state_name(ev->state), ev->expires, ev->status, ev->error,
                 ev->contact ? ev->contact : "-", ev->gruu ? ev->gruu : "-");
}

static const parley_credential creds[] = {{NULL, "alice", "secret"}};

static int setup(void **state)
{
    parley_endpoint_config ca = PARLEY_ENDPOINT_CONFIG_INIT;
    ca.uri = AOR;
    ca.epid = "epida";
    ca.credentials = creds;
    ca.ncredentials = 1;
    const parley_endpoint_config *cfg[2] = {&ca, NULL};
    static const char *const peers[] = {P_ADDR, NULL};
    *state = world_new(2, cfg, peers);
    return 0;
}

/* A's registration (expires s, contact NULL: its own) logging into l, cleared first. */
static parley_registration *reg_start(world *w, reg_log *l, unsigned expires, const char *contact)
{
    memset(l, 0, sizeof(*l));
    parley_registration_config c = PARLEY_REGISTRATION_CONFIG_INIT;
    c.registrar = REGISTRAR;
    c.expires = expires;
    c.contact = contact;
    c.on_event = on_event;
    c.user = l;
    parley_registration *r = NULL;
    assert_int_equal(parley_registration_create(w->a.ep, &c, &r), 0);
    assert_int_equal(l->n, 0); /* nothing inside the call */
    return r;
}

/* reg_start, then 5 ms: the first REGISTER is at the registrar. */
static parley_registration *reg_started(world *w, reg_log *l, unsigned expires, const char *contact)
{
    parley_registration *r = reg_start(w, l, expires, contact);
    vnet_run(w->n, 5);
    return r;
}

/* The nth (from 0) REGISTER the registrar got. */
static const vnet_packet *reg_nth(world *w, size_t nth)
{
    return vnet_find(w->n, P_ADDR, "REGISTER", nth);
}

/* The registrar's 401 with a Digest challenge (nonce "nr"); 5 ms later. */
static void challenge_401(world *w, const vnet_packet *reg)
{
    sp_reply(w->n, P_ADDR, reg, 401, "Unauthorized", "reg",
             "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"nr\", qop=\"auth\"\r\n",
             NULL);
    vnet_run(w->n, 5);
}

/* The registrar's plain 200 (to an unregistering REGISTER); 5 ms later. */
static void ok_plain(world *w, const vnet_packet *reg)
{
    sp_reply(w->n, P_ADDR, reg, 200, "OK", "reg", NULL, NULL);
    vnet_run(w->n, 5);
}

/* Carol's INVITE reaches A's contact through the registrar with To `to` (branch, tag and
 * Call-ID made from id); 5 ms later. */
static void carol_invites(world *w, const char *id, const char *to)
{
    char head[1024];
    snprintf(head, sizeof(head),
             "INVITE " A_CONTACT " SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=z9hG4bKf%s\r\n"
             "From: <sip:carol@example.com>;tag=c%s\r\nTo: <%s>\r\nCall-ID: fork-%s\r\n"
             "CSeq: 1 INVITE\r\nContact: <sip:carol@" P_ADDR ">\r\nMax-Forwards: 69\r\n",
             id, id, to, id);
    sp_send(w->n, P_ADDR, A_ADDR, head, NULL);
    vnet_run(w->n, 5);
}

/* The registrar's 200: the binding with the expiry granted and, when gruu is set, GRUUs. */
static void ok_200(world *w, const vnet_packet *reg, unsigned expires, const char *gruu)
{
    char extra[1024];
    snprintf(extra, sizeof(extra), "Contact: %s;expires=%u%s%s%s\r\n", hdr(reg, "Contact"), expires,
             gruu ? ";pub-gruu=\"" : "", gruu ? gruu : "",
             gruu ? "\";temp-gruu=\"sip:tgruu.1@example.com;gr\"" : "");
    sp_reply(w->n, P_ADDR, reg, 200, "OK", "reg", extra, NULL);
    vnet_run(w->n, 5);
}

static void test_register_refresh_unregister(void **state)
{
    world *w = *state;
    static reg_log l;
    parley_registration *r = reg_started(w, &l, 600, NULL);
    const vnet_packet *reg = reg_nth(w, 0);
    assert_non_null(reg);
    assert_string_equal(reg->first_line, "REGISTER " REGISTRAR " SIP/2.0");
    assert_string_equal(hdr(reg, "To"), "<" AOR ">");
    assert_non_null(strstr(hdr(reg, "From"), "<" AOR ">;tag="));
    char contact[256];
    snprintf(contact, sizeof(contact), "<" A_CONTACT ">;+sip.instance=\"<%s>\";epid=epida",
             parley_endpoint_instance(w->a.ep));
    assert_string_equal(hdr(reg, "Contact"), contact);
    assert_string_equal(hdr(reg, "Expires"), "600");
    assert_string_equal(hdr(reg, "Supported"), "gruu");
    assert_string_equal(hdr(reg, "CSeq"), "1 REGISTER");
    assert_int_equal(parley_registration_state(r), PARLEY_REG_REGISTERING);
    /* granted 300 s, with GRUUs */
    ok_200(w, reg, 300, "sip:alice@example.com;gr=urn:uuid:x");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.lines[0],
                        "Registered:300:200:0:" A_CONTACT ":sip:alice@example.com;gr=urn:uuid:x");
    assert_int_equal(parley_registration_state(r), PARLEY_REG_REGISTERED);
    /* the refresh at half of it, same Call-ID, next CSeq */
    vnet_run(w->n, 149000);
    assert_int_equal(sp_count(w->n, P_ADDR, "REGISTER"), 1);
    vnet_run(w->n, 1000);
    assert_int_equal(sp_count(w->n, P_ADDR, "REGISTER"), 2);
    assert_string_equal(l.lines[1],
                        "Refreshing:0:0:0:" A_CONTACT ":sip:alice@example.com;gr=urn:uuid:x");
    const vnet_packet *re = reg_nth(w, 1);
    assert_string_equal(hdr(re, "Call-ID"), hdr(reg, "Call-ID"));
    assert_string_equal(hdr(re, "CSeq"), "2 REGISTER");
    ok_200(w, re, 300, NULL);
    assert_string_equal(l.lines[2], "Registered:300:200:0:" A_CONTACT ":-");
    /* unregister: this contact with expires 0 */
    assert_int_equal(parley_registration_stop(r), 0);
    assert_int_equal(parley_registration_stop(r), PARLEY_E_STATE);
    assert_int_equal(l.n, 3);
    vnet_run(w->n, 5);
    const vnet_packet *un = reg_nth(w, 2);
    assert_non_null(un);
    assert_string_equal(hdr(un, "Expires"), "0");
    assert_non_null(strstr(hdr(un, "Contact"), "<" A_CONTACT ">;"));
    assert_non_null(strstr(hdr(un, "Contact"), ";expires=0"));
    assert_string_equal(hdr(un, "CSeq"), "3 REGISTER");
    ok_plain(w, un);
    assert_string_equal(l.lines[3], "Unregistered:0:200:0:" A_CONTACT ":-");
    assert_int_equal(l.finals, 1);
    assert_int_equal(parley_registration_state(r), PARLEY_REG_UNREGISTERED);
    /* nothing more: no refresh */
    vnet_run(w->n, 400000);
    assert_int_equal(sp_count(w->n, P_ADDR, "REGISTER"), 3);
    assert_int_equal(l.n, 4);
    parley_registration_unref(r);
}

static void test_423_and_failure(void **state)
{
    world *w = *state;
    static reg_log l;
    parley_registration *r = reg_started(w, &l, 60, NULL);
    sp_reply(w->n, P_ADDR, reg_nth(w, 0), 423, "Interval Too Brief", "reg", "Min-Expires: 1200\r\n",
             NULL);
    vnet_run(w->n, 5);
    const vnet_packet *again = reg_nth(w, 1);
    assert_non_null(again);
    assert_string_equal(hdr(again, "Expires"), "1200");
    assert_string_equal(hdr(again, "CSeq"), "2 REGISTER");
    assert_int_equal(l.n, 0);
    /* then the registrar refuses: failed, final */
    sp_reply(w->n, P_ADDR, again, 403, "Forbidden", "reg", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.lines[0], "Failed:0:403:-12:" A_CONTACT ":-");
    assert_int_equal(parley_registration_stop(r), PARLEY_E_STATE);
    vnet_run(w->n, 5000);
    assert_int_equal(sp_count(w->n, P_ADDR, "REGISTER"), 2);
    parley_registration_unref(r);
}

static void test_challenged_register(void **state)
{
    world *w = *state;
    static reg_log l;
    parley_registration *r = reg_started(w, &l, 600, NULL);
    challenge_401(w, reg_nth(w, 0));
    const vnet_packet *again = reg_nth(w, 1);
    assert_non_null(again);
    assert_string_equal(hdr(again, "CSeq"), "2 REGISTER");
    assert_non_null(strstr(hdr(again, "Authorization"), "uri=\"" REGISTRAR "\""));
    ok_200(w, again, 600, NULL);
    assert_string_equal(l.lines[0], "Registered:600:200:0:" A_CONTACT ":-");
    assert_non_null(strstr(hdr(again, "Authorization"), "nc=00000001"));
    /* the refresh carries credentials at once (RFC 3261 §22.3): the same nonce, counted on */
    vnet_run(w->n, 300000);
    const vnet_packet *re = reg_nth(w, 2);
    assert_non_null(re);
    assert_string_equal(hdr(re, "CSeq"), "3 REGISTER");
    assert_non_null(strstr(hdr(re, "Authorization"), "nonce=\"nr\""));
    assert_non_null(strstr(hdr(re, "Authorization"), "nc=00000002"));
    assert_non_null(strstr(hdr(re, "Authorization"), "uri=\"" REGISTRAR "\""));
    ok_200(w, re, 600, NULL);
    assert_string_equal(l.lines[2], "Registered:600:200:0:" A_CONTACT ":-");
    assert_int_equal(sp_count(w->n, P_ADDR, "REGISTER"), 3);
    /* the next refresh: the registrar no longer takes that nonce (stale): a challenge with a
     * new one, answered as any other, and the refresh after it counts on from the new nonce */
    vnet_run(w->n, 300000);
    const vnet_packet *re2 = reg_nth(w, 3);
    assert_non_null(re2);
    assert_non_null(strstr(hdr(re2, "Authorization"), "nc=00000003"));
    sp_reply(w->n, P_ADDR, re2, 401, "Unauthorized", "reg",
             "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"nr2\", qop=\"auth\", "
             "stale=true\r\n",
             NULL);
    vnet_run(w->n, 5);
    const vnet_packet *re3 = reg_nth(w, 4);
    assert_non_null(re3);
    assert_string_equal(hdr(re3, "CSeq"), "5 REGISTER");
    assert_non_null(strstr(hdr(re3, "Authorization"), "nonce=\"nr2\""));
    assert_non_null(strstr(hdr(re3, "Authorization"), "nc=00000001"));
    ok_200(w, re3, 600, NULL);
    vnet_run(w->n, 300000);
    const vnet_packet *re4 = reg_nth(w, 5);
    assert_non_null(re4);
    assert_non_null(strstr(hdr(re4, "Authorization"), "nonce=\"nr2\""));
    assert_non_null(strstr(hdr(re4, "Authorization"), "nc=00000002"));
    parley_registration_unref(r); /* the endpoint keeps it registered */
    vnet_run(w->n, 5);
    assert_int_equal(l.finals, 0);
}

static void test_two_contacts_one_aor(void **state)
{
    world *w = *state;
    static reg_log l1, l2;
    parley_registration *r1 = reg_start(w, &l1, 600, NULL);
    parley_registration *r2 = reg_start(w, &l2, 600, "sip:alice@192.0.2.7:5062;transport=tcp");
    vnet_run(w->n, 5);
    const vnet_packet *g1 = reg_nth(w, 0);
    const vnet_packet *g2 = reg_nth(w, 1);
    char cid1[128];
    snprintf(cid1, sizeof(cid1), "%s", hdr(g1, "Call-ID"));
    assert_string_not_equal(cid1, hdr(g2, "Call-ID")); /* each on its own */
    assert_non_null(strstr(hdr(g2, "Contact"), "<sip:alice@192.0.2.7:5062;transport=tcp>;"));
    ok_200(w, g1, 600, NULL);
    ok_200(w, g2, 600, NULL);
    assert_int_equal(l1.n, 1);
    assert_int_equal(l2.n, 1);
    /* removing the second leaves the first */
    assert_int_equal(parley_registration_stop(r2), 0);
    vnet_run(w->n, 5);
    const vnet_packet *un = reg_nth(w, 2);
    assert_non_null(strstr(hdr(un, "Contact"), "192.0.2.7"));
    assert_non_null(strstr(hdr(un, "Contact"), ";expires=0"));
    ok_plain(w, un);
    assert_int_equal(l2.finals, 1);
    assert_int_equal(parley_registration_state(r1), PARLEY_REG_REGISTERED);
    vnet_run(w->n, 300000);
    const vnet_packet *re = reg_nth(w, 3);
    assert_non_null(re);
    assert_string_equal(hdr(re, "Call-ID"), cid1);
    assert_int_equal(l1.finals, 0);
    parley_registration_unref(r1);
    parley_registration_unref(r2);
}

static void test_gruu_contact_and_forked(void **state)
{
    world *w = *state;
    static reg_log l;
    parley_registration *r = reg_started(w, &l, 600, NULL);
    ok_200(w, reg_nth(w, 0), 600, "sip:alice@example.com;gr=urn:uuid:a1");
    /* our sessions' Contact is the GRUU; the local participant has it */
    outcome o = {0};
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    assert_string_equal(hdr(inv, "Contact"), "<sip:alice@example.com;gr=urn:uuid:a1>;epid=epida");
    assert_string_equal(parley_participant_gruu(parley_session_local(w->a.s)),
                        "sip:alice@example.com;gr=urn:uuid:a1");
    /* the peer answers with a GRUU Contact: the remote participant has one too */
    sp_reply(w->n, P_ADDR, inv, 200, "OK", "p1",
             "Contact: <sip:peer@example.com;gr=urn:uuid:p1>\r\n", NULL);
    vnet_run(w->n, 5);
    assert_string_equal(parley_participant_gruu(parley_session_remote(w->a.s)),
                        "sip:peer@example.com;gr=urn:uuid:p1");
    world_end_a(w, 5);

    /* an INVITE the registrar retargeted to our contact while To names the AoR: forked */
    w->a.on_incoming = PARTY_LEAVE;
    carol_invites(w, "1", AOR);
    assert_int_equal(w->a.is_forked, 1);
    /* declined with 486, not 603 (which would end every fork) */
    world_end_a(w, 5);
    assert_non_null(vnet_find(w->n, P_ADDR, "SIP/2.0 486", 0));
    /* sent straight to us (To is not the AoR): not forked */
    carol_invites(w, "2", A_CONTACT);
    assert_int_equal(w->a.is_forked, 0);
    parley_session_terminate(w->a.s, NULL, 0, NULL, NULL);
    vnet_run(w->n, 5);
    parley_registration_unref(r);
}

/* A GRUU that is no SIP URI (a registrar's typo, a space in it) is not taken: it would have
 * become our sessions' Contact and made our requests unparsable. */
static void test_gruu_malformed_not_taken(void **state)
{
    world *w = *state;
    static reg_log l;
    parley_registration *r = reg_started(w, &l, 600, NULL);
    const vnet_packet *reg = reg_nth(w, 0);
    char extra[1024];
    snprintf(extra, sizeof(extra),
             "Contact: %s;expires=600;pub-gruu=\"sip:alice@bad host;gr=x\";"
             "temp-gruu=\"tel:+123;gr\"\r\n",
             hdr(reg, "Contact"));
    sp_reply(w->n, P_ADDR, reg, 200, "OK", "reg", extra, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.lines[0], "Registered:600:200:0:" A_CONTACT ":-");
    static outcome o; /* the call completes when the world is freed */
    memset(&o, 0, sizeof(o));
    const vnet_packet *inv = world_call_peer(w, P_URI, &o);
    assert_string_equal(hdr(inv, "Contact"), "<" A_CONTACT ">;epid=epida");
    assert_null(parley_participant_gruu(parley_session_local(w->a.s)));
    world_end_a(w, 5);
    parley_registration_unref(r);
}

static void test_stop_unregisters(void **state)
{
    world *w = *state;
    static reg_log l;
    parley_registration *r = reg_started(w, &l, 600, NULL);
    challenge_401(w, reg_nth(w, 0));
    ok_200(w, reg_nth(w, 1), 600, NULL);
    /* the endpoint stops: the binding is removed without waiting, then the final event */
    assert_int_equal(parley_endpoint_stop(w->a.ep), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.lines[1], "Unregistered:0:0:-13:" A_CONTACT ":-");
    vnet_run(w->n, 5);
    const vnet_packet *un = reg_nth(w, 2);
    assert_non_null(un);
    assert_string_equal(hdr(un, "Expires"), "0");
    assert_string_equal(hdr(un, "CSeq"), "3 REGISTER");
    assert_non_null(strstr(hdr(un, "Authorization"), "realm=\"example.com\""));
    assert_non_null(strstr(hdr(un, "Authorization"), "nc=00000002")); /* not a replay */
    assert_int_equal(parley_registration_state(r), PARLEY_REG_UNREGISTERED);
    parley_registration_unref(r);
}

static void test_bad_config(void **state)
{
    world *w = *state;
    parley_registration_config c = PARLEY_REGISTRATION_CONFIG_INIT;
    parley_registration *r = NULL;
    assert_int_equal(parley_registration_create(w->a.ep, &c, &r), PARLEY_E_INVAL);
    c.registrar = "tel:+123";
    assert_int_equal(parley_registration_create(w->a.ep, &c, &r), PARLEY_E_INVAL);
    c.registrar = REGISTRAR;
    c.instance = "not-a-urn";
    assert_int_equal(parley_registration_create(w->a.ep, &c, &r), PARLEY_E_INVAL);
    c.instance = NULL;
    parley_header h = {"Contact", "<sip:x@y>"};
    c.headers = &h;
    c.nheaders = 1;
    assert_int_equal(parley_registration_create(w->a.ep, &c, &r), PARLEY_E_HEADER_RESTRICTED);
    assert_null(r);
    /* stopped before its start ran: nothing sent, unregistered at once */
    static reg_log l;
    memset(&l, 0, sizeof(l));
    c.headers = NULL;
    c.nheaders = 0;
    c.on_event = on_event;
    c.user = &l;
    assert_int_equal(parley_registration_create(w->a.ep, &c, &r), 0);
    assert_int_equal(parley_registration_stop(r), 0);
    vnet_run(w->n, 5);
    assert_int_equal(sp_count(w->n, P_ADDR, "REGISTER"), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.lines[0], "Unregistered:0:0:0:-:-");
    parley_registration_unref(r);
}

/* Every allocation of an endpoint with the whole deployment configuration (proxy, instance,
 * credentials, a challenging server) and of a registration fails in turn: each run ends with
 * PARLEY_E_NOMEM or works, and the sanitizer build checks that nothing leaks. */
static void test_allocation_failures(void **state)
{
    world *w = *state;
    static const char *const methods[] = {"INVITE", "REGISTER", NULL};
    parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
    c.uri = AOR;
    c.outbound_proxy = "sip:" P_ADDR;
    c.instance = "urn:uuid:00000000-0000-4000-8000-000000000001";
    c.credentials = creds;
    c.ncredentials = 1;
    c.auth_password = "pw";
    c.auth_methods = methods;
    parley_registration_config rc = PARLEY_REGISTRATION_CONFIG_INIT;
    rc.registrar = REGISTRAR;
    rc.proxy = "sip:" P_ADDR ";transport=tcp";
    parley_header h = {"X-Test", "1"};
    rc.headers = &h;
    rc.nheaders = 1;
    bool done = false;
    for (long n = 0; n < 500 && !done; n++) {
        pl_alloc_count_reset();
        pl_alloc_fail_after(n);
        parley_endpoint *ep = NULL;
        parley_registration *r = NULL;
        int e = ep_create_on(&c, vnet_loop(w->n), &ep);
        if (e == 0)
            e = parley_registration_create(ep, &rc, &r);
        bool failed_alloc = pl_alloc_count() >= (unsigned long)n; /* it may have been hit */
        pl_alloc_fail_after(-1);
        if (e)
            assert_int_equal(e, PARLEY_E_NOMEM);
        else
            done = !failed_alloc;
        parley_registration_unref(r);
        parley_endpoint_unref(ep);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_register_refresh_unregister, setup),
        WORLD_TEST(test_423_and_failure, setup),
        WORLD_TEST(test_challenged_register, setup),
        WORLD_TEST(test_two_contacts_one_aor, setup),
        WORLD_TEST(test_gruu_contact_and_forked, setup),
        WORLD_TEST(test_gruu_malformed_not_taken, setup),
        WORLD_TEST(test_stop_unregisters, setup),
        WORLD_TEST(test_bad_config, setup),
        WORLD_TEST(test_allocation_failures, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
