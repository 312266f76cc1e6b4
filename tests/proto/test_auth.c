/*
 * Digest authentication wired into the endpoint (RFC 3261 §22, RFC 7616), on the virtual
 * network. Client: a 401/407 to an INVITE, a BYE, a MESSAGE... is answered once with
 * credentials (CSeq + 1, a new branch, the ACK of the 2xx repeating them), several challenges
 * at once, stale=true retried, a second challenge failing with PARLEY_E_AUTH, no credentials
 * failing the same way, CANCEL never retried. Server: INVITE and MESSAGE challenged (401, or
 * 407 when configured), wrong passwords refused then locked out with 403, replays and expired
 * nonces challenged again, ACK and CANCEL never challenged.
 */
#include "test_util.h"

#include "sip/digest.h"
#include "world.h"

#define CHALLENGE_407                                                                              \
    "Proxy-Authenticate: Digest realm=\"proxy.example\", nonce=\"n1\", qop=\"auth\"\r\n"

static const parley_credential creds[] = {
    {"a.example", "user-a", "pw-a"},
    {NULL, "alice", "secret"},
};

/* A: credentials (one for realm a.example, one for any realm) and the callback for realm
 * cb.example; B: challenges INVITE, MESSAGE and REFER with the password "secret" in realm
 * b.example; C: no credentials; P: the scripted challenger. */
static int cb_calls;
static int on_credentials(parley_endpoint *ep, const char *realm, parley_credential *out,
                          void *user)
{
    (void)ep;
    (void)user;
    cb_calls++;
    if (!strcmp(realm, "evil.example")) { /* a user name that would add a header line */
        out->username = "x\r\nX-Evil: 1";
        out->password = "cb-pw";
        return 0;
    }
    if (strcmp(realm, "cb.example"))
        return -1;
    out->username = "from-callback";
    out->password = "cb-pw";
    return 0;
}

static int b_messages;
static void b_on_message(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    (void)req;
    (void)user;
    b_messages++;
}

static const char *const *b_algorithms; /* B's auth_algorithms for the next setup */

static int setup_with(void **state, int auth_proxy)
{
    parley_endpoint_config ca = PARLEY_ENDPOINT_CONFIG_INIT, cb = PARLEY_ENDPOINT_CONFIG_INIT,
                           cc = PARLEY_ENDPOINT_CONFIG_INIT;
    ca.uri = "sip:alice@10.0.0.1:5060";
    ca.credentials = creds;
    ca.ncredentials = 2;
    ca.on_credentials = on_credentials;
    cb.uri = "sip:bob@10.0.0.2:5060";
    cb.auth_password = "secret";
    cb.auth_realm = "b.example";
    cb.auth_proxy = auth_proxy;
    cb.auth_algorithms = b_algorithms;
    b_algorithms = NULL;
    cb.on_message = b_on_message;
    cc.uri = "sip:carol@10.0.0.3:5060";
    const parley_endpoint_config *cfg[3] = {&ca, &cb, &cc};
    static const char *const peers[] = {P_ADDR, NULL};
    *state = world_new(3, cfg, peers);
    cb_calls = 0;
    b_messages = 0;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 0);
}

static int setup_proxy_style(void **state)
{
    return setup_with(state, 1);
}

static int setup_md5_only(void **state)
{
    static const char *const md5[] = {"MD5", NULL};
    b_algorithms = md5;
    return setup_with(state, 0);
}

/* The Digest response the credentials in `value` should carry for password pw. */
static void assert_response_ok(const char *value, const char *pw, const char *method,
                               const char *body)
{
    sip_digest_credentials c;
    assert_int_equal(sip_digest_credentials_parse(pl_str_c(value), &c), 0);
    char ha1[SIP_DIGEST_MAX_HEX + 1], expect[SIP_DIGEST_MAX_HEX + 1];
    pl_str parts[3] = {pl_str_c(c.username), pl_str_c(c.realm), pl_str_c(pw)};
    assert_int_equal(sip_digest_hash((sip_digest_alg)c.alg, parts, 3, ha1), 0);
    assert_int_equal(sip_digest_response((sip_digest_alg)c.alg, ha1, pl_str_c(c.nonce),
                                         pl_str_c(c.cnonce), c.nc, c.qop, pl_str_c(method),
                                         pl_str_c(c.uri), pl_str_c(body ? body : ""), expect),
                     0);
    assert_string_equal(c.response, expect);
}

static const char *branch_of(const vnet_packet *p)
{
    const char *b = strstr(hdr(p, "Via"), "branch=");
    return b ? b : "";
}

/* P answers req with a challenge: 401 (WWW-Authenticate) or 407 (Proxy-Authenticate), To tag
 * `tag`, the header line `challenge`; 5 ms later. */
static void p_challenges(world *w, const vnet_packet *req, int code, const char *tag,
                         const char *challenge)
{
    sp_reply(w->n, P_ADDR, req, code,
             code == 407 ? "Proxy Authentication Required" : "Unauthorized", tag, challenge, NULL);
    vnet_run(w->n, 5);
}

/* The nth (from 0) INVITE P got. */
static const vnet_packet *p_invite(world *w, size_t nth)
{
    return vnet_find(w->n, P_ADDR, "INVITE", nth);
}

/* C (no credentials) calls uri; o (its n set) gets the outcome; ms later. */
static void c_calls(world *w, const char *uri, outcome *o, uint64_t ms)
{
    o->n = w->n;
    parley_session *s = party_call(&w->c, uri);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, o), 0);
    vnet_run(w->n, ms);
}

/* A calls B, who accepts; 20 ms later. Returns B's challenge to the first INVITE (a response
 * `status`, "SIP/2.0 401" or "SIP/2.0 407"), asserted there. */
static const vnet_packet *a_calls_b_challenged(world *w, outcome *o, const char *status)
{
    world_call_b(w, PARTY_ACCEPT, o, 20);
    const vnet_packet *c = vnet_find(w->n, A_ADDR, status, 0);
    assert_non_null(c);
    return c;
}

/* The second INVITE B got (the one with credentials). */
static const vnet_packet *b_invite_2(world *w)
{
    return vnet_find(w->n, B_ADDR, "INVITE", 1);
}

/* ---- client ---- */

static void test_invite_challenged_by_proxy(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv1 = world_call_peer(w, P_URI, &o);
    assert_string_equal(hdr(inv1, "CSeq"), "1 INVITE");
    assert_string_equal(hdr(inv1, "Proxy-Authorization"), "");
    p_challenges(w, inv1, 407, "px", CHALLENGE_407);
    /* the 407 is ACKed (its transaction), the INVITE goes again: CSeq 2, a new branch, the
     * same Call-ID and From tag, and credentials for the realm (the any-realm entry) */
    const vnet_packet *ack407 = vnet_find(w->n, P_ADDR, "ACK", 0);
    assert_non_null(ack407);
    assert_string_equal(hdr(ack407, "CSeq"), "1 ACK");
    const vnet_packet *inv2 = p_invite(w, 1);
    assert_non_null(inv2);
    assert_string_equal(hdr(inv2, "CSeq"), "2 INVITE");
    assert_string_not_equal(branch_of(inv1), branch_of(inv2));
    assert_string_equal(hdr(inv2, "Call-ID"), hdr(inv1, "Call-ID"));
    assert_string_equal(hdr(inv2, "From"), hdr(inv1, "From"));
    char cred[1024];
    snprintf(cred, sizeof(cred), "%s", hdr(inv2, "Proxy-Authorization"));
    assert_non_null(strstr(cred, "username=\"alice\""));
    assert_non_null(strstr(cred, "realm=\"proxy.example\""));
    assert_non_null(strstr(cred, "nc=00000001"));
    assert_non_null(strstr(cred, "uri=\"" P_URI "\""));
    assert_response_ok(cred, "secret", "INVITE", NULL);
    assert_string_equal(hdr(inv2, "Authorization"), "");
    /* the application saw nothing of it */
    assert_int_equal(o.calls, 0);
    assert_int_equal(w->a.nstates, 1); /* Connecting */
    /* 200: the ACK repeats the INVITE's credentials (RFC 3261 §22.2) */
    sp_reply(w->n, P_ADDR, inv2, 200, "OK", "p2",
             "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n", "answer");
    vnet_run(w->n, 5);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, 0);
    assert_int_equal(o.status, 200);
    const vnet_packet *ack = vnet_find(w->n, P_ADDR, "ACK", 1);
    assert_non_null(ack);
    assert_string_equal(hdr(ack, "CSeq"), "2 ACK");
    assert_string_equal(hdr(ack, "Proxy-Authorization"), cred);
    /* the dialog counts on from the INVITE that made it: BYE is 3 */
    world_end_a(w, 5);
    assert_string_equal(hdr(sp_last(w->n, P_ADDR, "BYE"), "CSeq"), "3 BYE");
}

static void test_second_challenge_fails(void **state)
{
    world *w = *state;
    outcome o = {0};
    p_challenges(w, world_call_peer(w, P_URI, &o), 407, "px", CHALLENGE_407);
    const vnet_packet *inv2 = p_invite(w, 1);
    assert_non_null(inv2);
    /* the same realm again, not stale: the credentials are wrong; no third INVITE */
    sp_reply(w->n, P_ADDR, inv2, 407, "Proxy Authentication Required", "px",
             "Proxy-Authenticate: Digest realm=\"proxy.example\", nonce=\"n2\", qop=\"auth\"\r\n",
             NULL);
    vnet_run(w->n, 100);
    assert_int_equal(sp_count(w->n, P_ADDR, "INVITE"), 2);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_AUTH);
    assert_int_equal(o.status, 407);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
}

static void test_stale_retried(void **state)
{
    world *w = *state;
    outcome o = {0};
    p_challenges(w, world_call_peer(w, P_URI, &o), 401, "px",
                 "WWW-Authenticate: Digest realm=\"p.example\", nonce=\"n1\", qop=\"auth\"\r\n");
    p_challenges(w, p_invite(w, 1), 401, "px",
                 "WWW-Authenticate: Digest realm=\"p.example\", nonce=\"n2\", qop=\"auth\", "
                 "stale=true\r\n");
    /* stale: the credentials were right, the nonce old; again with the new one, no question */
    const vnet_packet *inv3 = p_invite(w, 2);
    assert_non_null(inv3);
    assert_string_equal(hdr(inv3, "CSeq"), "3 INVITE");
    assert_non_null(strstr(hdr(inv3, "Authorization"), "nonce=\"n2\""));
    assert_int_equal(o.calls, 0);
    sp_reply(w->n, P_ADDR, inv3, 200, "OK", "p3", "Contact: <" P_URI ">\r\n", NULL);
    vnet_run(w->n, 5);
    assert_int_equal(o.status, 200);
}

static void test_several_challenges(void **state)
{
    world *w = *state;
    static outcome o; /* the call is still going when the teardown ends it: not on the stack */
    memset(&o, 0, sizeof(o));
    const vnet_packet *inv1 = world_call_peer(w, P_URI, &o);
    /* a server challenge for a.example and a proxy challenge for another realm at once */
    p_challenges(w, inv1, 401, "px",
                 "WWW-Authenticate: Digest realm=\"a.example\", nonce=\"na\", qop=\"auth\", "
                 "algorithm=SHA-256\r\n"
                 "Proxy-Authenticate: Digest realm=\"other.example\", nonce=\"no\"\r\n");
    const vnet_packet *inv2 = p_invite(w, 1);
    assert_non_null(inv2);
    char a[1024], px[1024];
    snprintf(a, sizeof(a), "%s", hdr(inv2, "Authorization"));
    snprintf(px, sizeof(px), "%s", hdr(inv2, "Proxy-Authorization"));
    assert_non_null(strstr(a, "username=\"user-a\"")); /* the realm's own entry */
    assert_non_null(strstr(a, "algorithm=SHA-256"));
    assert_response_ok(a, "pw-a", "INVITE", NULL);
    assert_non_null(strstr(px, "username=\"alice\"")); /* the any-realm entry */
    assert_null(strstr(px, "qop="));                   /* RFC 2069 form: none offered */
    assert_response_ok(px, "secret", "INVITE", NULL);
}

static void test_no_credentials(void **state)
{
    world *w = *state;
    outcome o = {0};
    c_calls(w, P_URI, &o, 5);
    p_challenges(w, p_invite(w, 0), 401, "px",
                 "WWW-Authenticate: Digest realm=\"p.example\", nonce=\"n1\"\r\n");
    assert_int_equal(sp_count(w->n, P_ADDR, "INVITE"), 1);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.error, PARLEY_E_AUTH);
    assert_int_equal(o.status, 401);
}

static void test_bye_challenged(void **state)
{
    world *w = *state;
    outcome o = {0}, t = {0, .n = w->n};
    world_connect_peer(w, "pt", &o);
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, outcome_cb, &t), 0);
    vnet_run(w->n, 5);
    const vnet_packet *bye1 = sp_last(w->n, P_ADDR, "BYE");
    assert_string_equal(hdr(bye1, "CSeq"), "2 BYE");
    p_challenges(w, bye1, 401, NULL,
                 "WWW-Authenticate: Digest realm=\"p.example\", nonce=\"nb\", qop=\"auth\"\r\n");
    /* again with the dialog's next number */
    const vnet_packet *bye2 = sp_last(w->n, P_ADDR, "BYE");
    assert_string_equal(hdr(bye2, "CSeq"), "3 BYE");
    assert_response_ok(hdr(bye2, "Authorization"), "secret", "BYE", NULL);
    assert_int_equal(t.calls, 0);
    sp_reply(w->n, P_ADDR, bye2, 200, "OK", NULL, NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.error, 0);
}

/* A sends P a page-mode MESSAGE "hello" (d gets the outcome); returns it as P received it. */
static const vnet_packet *a_pages_p(world *w, page_done *d)
{
    parley_address to = {P_URI, NULL};
    parley_content body = {NULL, "hello", 5};
    assert_int_equal(parley_endpoint_send_message(w->a.ep, PARLEY_MSG_MESSAGE, &to, &body, NULL, 0,
                                                  page_done_cb, d),
                     0);
    vnet_run(w->n, 5);
    return vnet_find(w->n, P_ADDR, "MESSAGE", 0);
}

static void test_message_challenged_callback_credentials(void **state)
{
    world *w = *state;
    page_done d = {0};
    const vnet_packet *m1 = a_pages_p(w, &d);
    assert_string_equal(hdr(m1, "CSeq"), "1 MESSAGE");
    p_challenges(
        w, m1, 407, "px",
        "Proxy-Authenticate: Digest realm=\"cb.example\", nonce=\"nm\", qop=\"auth-int\"\r\n");
    const vnet_packet *m2 = vnet_find(w->n, P_ADDR, "MESSAGE", 1);
    assert_non_null(m2);
    assert_string_equal(hdr(m2, "CSeq"), "2 MESSAGE");
    assert_string_equal(hdr(m2, "Call-ID"), hdr(m1, "Call-ID"));
    char cred[1024];
    snprintf(cred, sizeof(cred), "%s", hdr(m2, "Proxy-Authorization"));
    assert_non_null(strstr(cred, "username=\"from-callback\""));
    assert_non_null(strstr(cred, "qop=auth-int"));
    assert_response_ok(cred, "cb-pw", "MESSAGE", "hello");
    assert_int_equal(cb_calls, 1);
    sp_reply(w->n, P_ADDR, m2, 200, "OK", "px", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.error, 0);
    assert_int_equal(d.status, 200);
}

/* The callback's credentials with a line break in the user name are not used: the entry for
 * any realm answers instead, and nothing of the name reaches the wire. */
static void test_callback_credentials_checked(void **state)
{
    world *w = *state;
    page_done d = {0};
    const vnet_packet *m1 = a_pages_p(w, &d);
    p_challenges(w, m1, 401, "px",
                 "WWW-Authenticate: Digest realm=\"evil.example\", nonce=\"ne\", qop=\"auth\"\r\n");
    const vnet_packet *m2 = vnet_find(w->n, P_ADDR, "MESSAGE", 1);
    assert_non_null(m2);
    assert_int_equal(cb_calls, 1);
    assert_non_null(strstr(hdr(m2, "Authorization"), "username=\"alice\""));
    assert_false(sp_has(m2, "X-Evil"));
    sp_reply(w->n, P_ADDR, m2, 200, "OK", "px", NULL, NULL);
    vnet_run(w->n, 5);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, 200);
}

static void test_cancel_not_retried(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *inv = world_ring_peer(w, P_URI, "pr", &o);
    world_end_a(w, 5);
    const vnet_packet *cancel = vnet_find(w->n, P_ADDR, "CANCEL", 0);
    assert_non_null(cancel);
    sp_reply(w->n, P_ADDR, cancel, 407, "Proxy Authentication Required", NULL, CHALLENGE_407, NULL);
    sp_reply(w->n, P_ADDR, inv, 487, "Request Terminated", "pr", NULL, NULL);
    vnet_run(w->n, 100);
    assert_int_equal(sp_count(w->n, P_ADDR, "CANCEL"), 1);
    assert_int_equal(sp_count(w->n, P_ADDR, "INVITE"), 1);
    assert_int_equal(o.calls, 1);
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_DISCONNECTED);
}

/* ---- server ---- */

static void test_server_challenges_invite(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *c = a_calls_b_challenged(w, &o, "SIP/2.0 401");
    const char *www = hdr(c, "WWW-Authenticate");
    assert_non_null(strstr(www, "realm=\"b.example\""));
    assert_non_null(strstr(www, "qop=\"auth\""));
    const vnet_packet *inv2 = b_invite_2(w);
    assert_non_null(inv2);
    assert_non_null(strstr(hdr(inv2, "Authorization"), "username=\"alice\""));
    assert_int_equal(o.status, 200);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(sp_count(w->n, B_ADDR, "ACK"), 2); /* the 401's and the 200's */
    /* BYE is not on the list: not challenged */
    world_end_a(w, 10);
    assert_int_equal(sp_count(w->n, A_ADDR, "SIP/2.0 401"), 1);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_DISCONNECTED);
}

static void test_server_proxy_style(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *c = a_calls_b_challenged(w, &o, "SIP/2.0 407");
    assert_non_null(strstr(hdr(c, "Proxy-Authenticate"), "realm=\"b.example\""));
    assert_non_null(strstr(hdr(b_invite_2(w), "Proxy-Authorization"), "realm=\"b.example\""));
    assert_int_equal(o.status, 200);
}

static void test_server_refuses_without_credentials(void **state)
{
    world *w = *state;
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    /* C has no credentials: 401 ends it */
    c_calls(w, B_URI, &o, 20);
    assert_int_equal(o.error, PARLEY_E_AUTH);
    assert_int_equal(o.status, 401);
    assert_null(w->b.s); /* B's application never saw it */
}

/* P's requests to B: challenged first, then with credentials made from B's challenge. */
typedef struct prober {
    world *w;
    sip_digest_challenge ch;
    unsigned n;
} prober;

static const vnet_packet *probe_send(prober *pr, const char *method, const char *auth_value)
{
    char head[2048], branch[32], cid[32];
    pr->n++;
    snprintf(branch, sizeof(branch), "z9hG4bKprobe%u", pr->n);
    snprintf(cid, sizeof(cid), "probe-%u", pr->n);
    snprintf(head, sizeof(head),
             "%s " B_URI " SIP/2.0\r\nVia: SIP/2.0/UDP " P_ADDR ";branch=%s\r\n"
             "From: <" P_URI ">;tag=pt%u\r\nTo: <" B_URI ">\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n"
             "Max-Forwards: 70\r\n%s%s%sContent-Type: text/plain\r\n",
             method, branch, pr->n, cid, method, auth_value ? "Authorization: " : "",
             auth_value ? auth_value : "", auth_value ? "\r\n" : "");
    size_t before = sp_count(pr->w->n, P_ADDR, "SIP/2.0");
    sp_send(pr->w->n, P_ADDR, B_ADDR, head, "hi");
    vnet_run(pr->w->n, 5);
    return vnet_find(pr->w->n, P_ADDR, "SIP/2.0", before);
}

static void probe_challenge(prober *pr)
{
    const vnet_packet *r = probe_send(pr, "MESSAGE", NULL);
    assert_non_null(r);
    assert_int_equal(r->status, 401);
    assert_int_equal(
        sip_digest_challenge_parse(pl_str_c(hdr(r, "WWW-Authenticate")), false, &pr->ch), 0);
}

static const char *credentials(prober *pr, const char *user, const char *pw, uint32_t nc)
{
    static char out[1024];
    sip_digest_answer a = {.username = user,
                           .password = pw,
                           .method = PL_STR_LIT("MESSAGE"),
                           .uri = pl_str_c(B_URI),
                           .body = PL_STR_LIT("hi"),
                           .nc = nc,
                           .cnonce = "cafe"};
    pl_buf b;
    pl_buf_init(&b, 512);
    assert_int_equal(sip_digest_authorize(&pr->ch, &a, &b), 0);
    snprintf(out, sizeof(out), "%.*s", (int)b.len, b.data);
    pl_buf_free(&b);
    return out;
}

static void test_server_replay_and_lockout(void **state)
{
    world *w = *state;
    prober pr = {w, {0}, 0};
    probe_challenge(&pr);
    /* right: taken */
    const char *good = credentials(&pr, "anyone", "secret", 1);
    assert_int_equal(probe_send(&pr, "MESSAGE", good)->status, 200);
    assert_int_equal(b_messages, 1);
    /* the same nonce count again (a replay, even in a new request): challenged */
    assert_int_equal(probe_send(&pr, "MESSAGE", good)->status, 401);
    assert_int_equal(probe_send(&pr, "MESSAGE", credentials(&pr, "anyone", "secret", 2))->status,
                     200);
    assert_int_equal(b_messages, 2);
    /* wrong passwords: challenged again, until the fifth locks the user out (403), after which
     * even the right password is refused */
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(
            probe_send(&pr, "MESSAGE", credentials(&pr, "mallory", "guess", 10 + i))->status, 401);
    assert_int_equal(probe_send(&pr, "MESSAGE", credentials(&pr, "mallory", "guess", 15))->status,
                     403);
    assert_int_equal(probe_send(&pr, "MESSAGE", credentials(&pr, "mallory", "secret", 20))->status,
                     403);
    /* another user is not locked */
    assert_int_equal(probe_send(&pr, "MESSAGE", credentials(&pr, "anyone", "secret", 3))->status,
                     200);
    /* OPTIONS is not on the list */
    assert_int_equal(probe_send(&pr, "OPTIONS", NULL)->status, 200);
    assert_int_equal(b_messages, 3);
}

static void test_server_nonce_expires(void **state)
{
    world *w = *state;
    prober pr = {w, {0}, 0};
    probe_challenge(&pr);
    vnet_run(w->n, 301000); /* past the nonce's 5 minutes */
    const vnet_packet *r = probe_send(&pr, "MESSAGE", credentials(&pr, "anyone", "secret", 1));
    assert_int_equal(r->status, 401);
    assert_non_null(strstr(hdr(r, "WWW-Authenticate"), "stale=true"));
    assert_int_equal(b_messages, 0);
}

/* The challenge names the algorithms offered, strongest first (RFC 8760 §2.4): by default
 * SHA-256 then MD5; with auth_algorithms {"MD5"} only MD5, for peers that know nothing else and
 * read only the first challenge (SIPp). Either way the caller's answer is taken. */
static void test_server_default_algorithms(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *c = a_calls_b_challenged(w, &o, "SIP/2.0 401");
    assert_non_null(strstr(hdr_nth(c, "WWW-Authenticate", 0), "algorithm=SHA-256,"));
    assert_non_null(strstr(hdr_nth(c, "WWW-Authenticate", 1), "algorithm=MD5,"));
    assert_string_equal(hdr_nth(c, "WWW-Authenticate", 2), "");
    assert_non_null(strstr(hdr(b_invite_2(w), "Authorization"), "algorithm=SHA-256"));
    assert_int_equal(o.status, 200);
}

static void test_server_md5_only(void **state)
{
    world *w = *state;
    outcome o = {0};
    const vnet_packet *c = a_calls_b_challenged(w, &o, "SIP/2.0 401");
    assert_non_null(strstr(hdr_nth(c, "WWW-Authenticate", 0), "algorithm=MD5,"));
    assert_string_equal(hdr_nth(c, "WWW-Authenticate", 1), "");
    const char *cred = hdr(b_invite_2(w), "Authorization");
    assert_non_null(strstr(cred, "algorithm=MD5"));
    assert_int_equal(o.status, 200);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

/* An algorithm name the endpoint does not know, or an empty list, is refused at create. */
static void test_server_bad_algorithms(void **state)
{
    world *w = *state;
    static const char *const unknown[] = {"MD5", "SHA-1", NULL};
    static const char *const empty[] = {NULL};
    static const char *const sess[] = {"sha-512-256-SESS", NULL};
    const char *const *lists[] = {unknown, empty, sess};
    int want[] = {PARLEY_E_INVAL, PARLEY_E_INVAL, 0};
    for (size_t i = 0; i < 3; i++) {
        parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
        c.uri = "sip:dave@10.0.0.4:5060";
        c.auth_password = "pw";
        c.auth_algorithms = lists[i];
        parley_endpoint *ep = NULL;
        assert_int_equal(ep_create_on(&c, vnet_loop(w->n), &ep), want[i]);
        assert_true((ep != NULL) == (want[i] == 0));
        parley_endpoint_unref(ep);
    }
}

static void test_server_cancel_not_challenged(void **state)
{
    world *w = *state;
    outcome o = {0};
    world_call_b(w, PARTY_RING, &o, 20);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_INCOMING);
    world_end_a(w, 20);
    assert_int_equal(sp_count(w->n, A_ADDR, "SIP/2.0 401"), 1); /* the first INVITE only */
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 200", 0)); /* the CANCEL's */
    assert_non_null(vnet_find(w->n, A_ADDR, "SIP/2.0 487", 0));
    assert_int_equal(sp_count(w->n, B_ADDR, "ACK"), 2); /* the 401's and the 487's */
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_DISCONNECTED);
    assert_int_equal(w->b.remote_ends, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WORLD_TEST(test_invite_challenged_by_proxy, setup),
        WORLD_TEST(test_second_challenge_fails, setup),
        WORLD_TEST(test_stale_retried, setup),
        WORLD_TEST(test_several_challenges, setup),
        WORLD_TEST(test_no_credentials, setup),
        WORLD_TEST(test_bye_challenged, setup),
        WORLD_TEST(test_message_challenged_callback_credentials, setup),
        WORLD_TEST(test_callback_credentials_checked, setup),
        WORLD_TEST(test_cancel_not_retried, setup),
        WORLD_TEST(test_server_challenges_invite, setup),
        WORLD_TEST(test_server_proxy_style, setup_proxy_style),
        WORLD_TEST(test_server_refuses_without_credentials, setup),
        WORLD_TEST(test_server_replay_and_lockout, setup),
        WORLD_TEST(test_server_nonce_expires, setup),
        WORLD_TEST(test_server_cancel_not_challenged, setup),
        WORLD_TEST(test_server_default_algorithms, setup),
        WORLD_TEST(test_server_md5_only, setup_md5_only),
        WORLD_TEST(test_server_bad_algorithms, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
