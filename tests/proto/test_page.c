/*
 * Page-mode messaging and the endpoint's own answers, between endpoints on the virtual
 * network: delivery exactly once under loss, duplication and reordering on each leg.
 */
#include "test_util.h"

#include "parley/endpoint.h"
#include "vnet.h"

#define A    "10.0.0.1:5060"
#define B    "10.0.0.2:5060"
#define PEER "10.0.0.9:5060"

typedef struct app {
    int messages;
    char last_body[256];
    char last_header[128];
    int defer;                /* defer the answer */
    parley_request *deferred; /* the one kept */
    int respond_code;         /* answer in the callback with this code (0: default) */
} app;

typedef struct done {
    int calls;
    int error;
    int status;
    char reason[64];
    uint64_t at;
    vnet *n;
} done;

static void on_message(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    app *a = user;
    a->messages++;
    const parley_msg *m = parley_request_msg(req);
    parley_slice body = parley_msg_body(m);
    snprintf(a->last_body, sizeof(a->last_body), "%.*s", (int)body.len, body.p);
    parley_slice v;
    a->last_header[0] = '\0';
    if (parley_msg_header(m, "X-Color", 0, &v) == 0)
        snprintf(a->last_header, sizeof(a->last_header), "%.*s", (int)v.len, v.p);
    if (a->defer) {
        assert_int_equal(parley_request_defer(req), 0);
        a->deferred = req;
    } else if (a->respond_code) {
        parley_header h = {"X-Reply", "yes"};
        assert_int_equal(parley_request_respond(req, a->respond_code, NULL, NULL, &h, 1), 0);
    }
}

static void on_done(parley_endpoint *ep, const parley_result *r, void *user)
{
    (void)ep;
    done *d = user;
    d->calls++;
    d->error = r->error;
    d->status = r->status;
    snprintf(d->reason, sizeof(d->reason), "%s", r->reason);
    d->at = vnet_now(d->n);
}

typedef struct world {
    vnet *n;
    parley_endpoint *a, *b;
    app app_b;
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    w->n = vnet_new(1000);
    w->a = vnet_endpoint(w->n, A, NULL);
    parley_endpoint_config cb = PARLEY_ENDPOINT_CONFIG_INIT;
    cb.on_message = on_message;
    cb.user = &w->app_b;
    cb.max_message_body = 100;
    w->b = vnet_endpoint(w->n, B, &cb);
    vnet_peer(w->n, PEER);
    assert_non_null(w->a);
    assert_non_null(w->b);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    vnet_free(w->n);
    free(w);
    return 0;
}

/* A page-mode request of type t from `from` to uri, with body (NULL: none) and no headers, the
 * send asserted accepted; d (its n set) gets the outcome. */
static void send_page(world *w, parley_endpoint *from, parley_msg_type t, const char *uri,
                      const parley_content *body, done *d)
{
    d->n = w->n;
    parley_address to = {uri, NULL};
    assert_int_equal(parley_endpoint_send_message(from, t, &to, body, NULL, 0, on_done, d), 0);
}

/* Asserts that the request completed once, with status. */
static void assert_done_once(const done *d, int status)
{
    assert_int_equal(d->calls, 1);
    assert_int_equal(d->status, status);
}

/* A's MESSAGE to B with the text and an X-Color header; d (its n set) gets the outcome. */
static void send_text(world *w, const char *text, done *d)
{
    d->n = w->n;
    parley_address to = {"sip:bob@10.0.0.2:5060", NULL};
    parley_content body = {NULL, text, strlen(text)};
    parley_header h = {"X-Color", "blue"};
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, &body, &h, 1, on_done, d), 0);
}

static void test_message_delivered(void **state)
{
    world *w = *state;
    done d = {0};
    send_text(w, "hello", &d);
    vnet_run(w->n, 100);
    assert_int_equal(w->app_b.messages, 1);
    assert_string_equal(w->app_b.last_body, "hello");
    assert_string_equal(w->app_b.last_header, "blue");
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.error, 0);
    assert_int_equal(d.status, 200);
    const vnet_packet *req = vnet_find(w->n, B, "MESSAGE", 0);
    assert_non_null(req);
    assert_non_null(strstr(req->data, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(req->data, ";rport\r\n"));
    assert_null(strstr(req->data, "\r\nContact:")); /* RFC 3428: no Contact in MESSAGE */
    const vnet_packet *ok = vnet_find(w->n, A, "SIP/2.0 200", 0);
    assert_non_null(ok);
    assert_non_null(strstr(ok->data, ";rport=5060;received=10.0.0.1"));
    assert_non_null(strstr(ok->data, "To: <sip:bob@10.0.0.2:5060>;tag="));
}

/* Headers in the target URI (RFC 3261 §19.1.5) go on the MESSAGE, decoded, and not in its
 * Request-URI or To (B would answer 400); the application's own header of a name wins. */
static void test_uri_headers(void **state)
{
    world *w = *state;
    done d = {.n = w->n};
    parley_address to = {"sip:bob@10.0.0.2:5060?X-Color=red&Subject=two%20words", NULL};
    parley_content body = {NULL, "hi", 2};
    parley_header h = {"X-Color", "blue"};
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, &body, &h, 1, on_done, &d), 0);
    vnet_run(w->n, 100);
    assert_done_once(&d, 200);
    assert_string_equal(w->app_b.last_header, "blue");
    const vnet_packet *req = vnet_find(w->n, B, "MESSAGE", 0);
    assert_non_null(req);
    assert_non_null(strstr(req->data, "MESSAGE sip:bob@10.0.0.2:5060 SIP/2.0\r\n"));
    assert_non_null(strstr(req->data, "\r\nTo: <sip:bob@10.0.0.2:5060>\r\n"));
    assert_non_null(strstr(req->data, "\r\nSubject: two words\r\n"));
    assert_null(strstr(req->data, "red"));
}

static vnet_action drop_first(void *arg, const vnet_packet *p, unsigned index)
{
    (void)index;
    const char *prefix = arg;
    static int dropped;
    vnet_action act = {0};
    if (!strncmp(p->first_line, prefix, strlen(prefix)) && dropped == 0) {
        act.drop = true;
        dropped = 1;
    }
    return act;
}

static void test_request_lost_once(void **state)
{
    world *w = *state;
    vnet_set_rule(w->n, drop_first, "MESSAGE");
    done d = {0};
    uint64_t t0 = vnet_now(w->n);
    send_text(w, "again", &d);
    vnet_run(w->n, 2000);
    assert_int_equal(w->app_b.messages, 1);
    assert_done_once(&d, 200);
    assert_int_equal(vnet_count_match(w->n, A, "MESSAGE"), 2);
    assert_true(d.at - t0 >= 500 && d.at - t0 < 600); /* retransmitted at T1 */
}

static vnet_action drop_first_200(void *arg, const vnet_packet *p, unsigned index)
{
    (void)arg;
    (void)index;
    static int dropped;
    vnet_action act = {0};
    if (!strncmp(p->first_line, "SIP/2.0 200", 11) && !dropped) {
        act.drop = true;
        dropped = 1;
    }
    return act;
}

static void test_response_lost_once(void **state)
{
    world *w = *state;
    vnet_set_rule(w->n, drop_first_200, NULL);
    done d = {0};
    send_text(w, "answer lost", &d);
    vnet_run(w->n, 2000);
    assert_int_equal(w->app_b.messages, 1); /* the retransmission is absorbed */
    assert_done_once(&d, 200);
    assert_int_equal(vnet_count_match(w->n, B, "SIP/2.0 200"), 2);
}

static vnet_action duplicate_all(void *arg, const vnet_packet *p, unsigned index)
{
    (void)arg;
    (void)p;
    vnet_action act = {0};
    act.duplicates = 2;
    act.extra_delay = (index % 3) * 7; /* and reorder against neighbours */
    return act;
}

static void test_duplicates_and_reordering(void **state)
{
    world *w = *state;
    vnet_set_rule(w->n, duplicate_all, NULL);
    done d[5] = {{0}};
    for (int i = 0; i < 5; i++)
        send_text(w, "dup", &d[i]);
    vnet_run(w->n, 1000);
    assert_int_equal(w->app_b.messages, 5);
    for (int i = 0; i < 5; i++) {
        assert_done_once(&d[i], 200);
    }
}

static void test_random_loss_each_leg(void **state)
{
    world *w = *state;
    vnet_set_loss(w->n, 0.3, 42);
    enum { N = 200 };
    static done d[N];
    memset(d, 0, sizeof(d));
    for (int i = 0; i < N; i++)
        send_text(w, "lossy", &d[i]);
    vnet_run(w->n, 40000);
    int ok = 0, failed = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(d[i].calls, 1);
        if (d[i].status == 200)
            ok++;
        else
            failed++;
    }
    /* with 30% loss per packet, 11 tries make a lost transaction very unlikely */
    assert_int_equal(ok, N);
    assert_int_equal(w->app_b.messages, N);
}

static void test_timeout_when_nobody_answers(void **state)
{
    world *w = *state;
    done d = {0};
    uint64_t t0 = vnet_now(w->n);
    send_page(w, w->a, PARLEY_MSG_MESSAGE, "sip:nobody@10.0.0.77:5060", NULL, &d);
    vnet_run(w->n, 40000);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.error, PARLEY_E_TIMEOUT);
    assert_int_equal(d.status, 0);
    assert_int_equal(d.at - t0, 32000);
}

static void test_app_answers_and_defers(void **state)
{
    world *w = *state;
    w->app_b.respond_code = 486;
    done d1 = {0};
    send_text(w, "busy?", &d1);
    vnet_run(w->n, 100);
    assert_int_equal(d1.status, 486);
    assert_int_equal(d1.error, PARLEY_E_FAILURE_RESPONSE);
    assert_non_null(strstr(vnet_find(w->n, A, "SIP/2.0 486", 0)->data, "X-Reply: yes\r\n"));

    w->app_b.respond_code = 0;
    w->app_b.defer = 1;
    done d2 = {0};
    send_text(w, "later", &d2);
    vnet_run(w->n, 2000);
    assert_int_equal(d2.calls, 0);
    assert_non_null(w->app_b.deferred);
    /* a second final answer is refused; a provisional first is fine */
    assert_int_equal(parley_request_respond(w->app_b.deferred, 1, NULL, NULL, NULL, 0),
                     PARLEY_E_INVAL);
    parley_content body = {"text/plain", "done", 4};
    assert_int_equal(parley_request_respond(w->app_b.deferred, 202, "Later", &body, NULL, 0), 0);
    vnet_run(w->n, 100);
    assert_done_once(&d2, 202);
    assert_string_equal(d2.reason, "Later");
}

static void test_415_and_413(void **state)
{
    world *w = *state;
    done d = {0};
    parley_content json = {"application/json", "{}", 2};
    send_page(w, w->a, PARLEY_MSG_MESSAGE, "sip:bob@10.0.0.2:5060", &json, &d);
    vnet_run(w->n, 100);
    assert_int_equal(d.status, 415);
    assert_non_null(strstr(vnet_find(w->n, A, "SIP/2.0 415", 0)->data, "Accept: text/plain"));
    char big[200];
    memset(big, 'x', sizeof(big));
    parley_content large = {"text/plain", big, sizeof(big)};
    done d2 = {0};
    send_page(w, w->a, PARLEY_MSG_MESSAGE, "sip:bob@10.0.0.2:5060", &large, &d2);
    vnet_run(w->n, 100);
    assert_int_equal(d2.status, 413);
    assert_int_equal(w->app_b.messages, 0);
}

static void test_unknown_content_encoding_415(void **state)
{
    world *w = *state;
    /* RFC 3261 §8.2.3: a body in a coding we cannot undo gets 415 with the codings we take
     * (Accept-Encoding, as OPTIONS lists them), and the application never sees it */
    parley_address to = {"sip:bob@10.0.0.2:5060", NULL};
    parley_content text = {"text/plain", "\x1f\x8b\x08", 3};
    parley_header gzip = {"Content-Encoding", "gzip"};
    done d = {.n = w->n};
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, &text, &gzip, 1, on_done, &d),
        0);
    vnet_run(w->n, 100);
    assert_done_once(&d, 415);
    const vnet_packet *r = vnet_find(w->n, A, "SIP/2.0 415", 0);
    assert_non_null(r);
    assert_non_null(strstr(r->data, "\r\nAccept-Encoding: identity\r\n"));
    assert_int_equal(w->app_b.messages, 0);
    /* identity is no coding at all: delivered */
    parley_header identity = {"Content-Encoding", "identity"};
    done d2 = {.n = w->n};
    parley_content hi = {"text/plain", "hi", 2};
    assert_int_equal(parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, &hi, &identity, 1,
                                                  on_done, &d2),
                     0);
    vnet_run(w->n, 100);
    assert_done_once(&d2, 200);
    assert_int_equal(w->app_b.messages, 1);
    assert_string_equal(w->app_b.last_body, "hi");
}

/* A MESSAGE from PEER to B on branch b with that Call-ID and CSeq number, the header lines
 * `extra` (each with its CRLF) and the body; the network run until it is answered. */
static void inject_page(world *w, const char *b, const char *call_id, int cseq, const char *extra,
                        const char *body)
{
    char text[768];
    snprintf(text, sizeof(text),
             "MESSAGE sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=%s\r\nMax-Forwards: 70\r\n"
             "From: <sip:peer@10.0.0.9>;tag=p1\r\nTo: <sip:bob@10.0.0.2>\r\n"
             "Call-ID: %s\r\nCSeq: %d MESSAGE\r\n%sContent-Length: %zu\r\n\r\n%s",
             b, call_id, cseq, extra, strlen(body), body);
    vnet_inject(w->n, PEER, B, text);
    vnet_run(w->n, 50);
}

static void test_body_without_type_415(void **state)
{
    world *w = *state;
    /* a body with no Content-Type (RFC 3261 §20.15: it MUST be there) cannot be read as any type
     * accepted: 415 with Accept, not handed up */
    inject_page(w, "z9hG4bKnoct", "noct", 1, "", "hello");
    const vnet_packet *r = vnet_find(w->n, PEER, "SIP/2.0", 0);
    assert_non_null(r);
    assert_string_equal(r->first_line, "SIP/2.0 415 Unsupported Media Type");
    assert_non_null(strstr(r->data, "\r\nAccept: text/plain"));
    assert_int_equal(w->app_b.messages, 0);
    /* no body, no type needed */
    inject_page(w, "z9hG4bKnoct2", "noct2", 1, "", "");
    const vnet_packet *r2 = vnet_find(w->n, PEER, "SIP/2.0", 1);
    assert_non_null(r2);
    assert_string_equal(r2->first_line, "SIP/2.0 200 OK");
    assert_int_equal(w->app_b.messages, 1);
}

#define TEXT_PLAIN "Content-Type: text/plain\r\n"

static void test_merged_message_482(void **state)
{
    world *w = *state;
    /* RFC 3261 §8.2.2.2: the same MESSAGE forked to us on two branches (same From tag,
     * Call-ID, CSeq) reaches the application once; the copy gets 482 */
    inject_page(w, "z9hG4bKfork-a", "fork", 1, TEXT_PLAIN, "hi");
    inject_page(w, "z9hG4bKfork-b", "fork", 1, TEXT_PLAIN, "hi");
    assert_int_equal(w->app_b.messages, 1);
    assert_string_equal(vnet_find(w->n, PEER, "SIP/2.0", 0)->first_line, "SIP/2.0 200 OK");
    assert_string_equal(vnet_find(w->n, PEER, "SIP/2.0", 1)->first_line,
                        "SIP/2.0 482 Loop Detected");
    /* a retransmission on the first branch is the transaction's: its 200 again */
    inject_page(w, "z9hG4bKfork-a", "fork", 1, TEXT_PLAIN, "hi");
    assert_string_equal(vnet_find(w->n, PEER, "SIP/2.0", 2)->first_line, "SIP/2.0 200 OK");
    /* the next CSeq, or another Call-ID, is another message */
    inject_page(w, "z9hG4bKfork-c", "fork", 2, TEXT_PLAIN, "hi");
    inject_page(w, "z9hG4bKfork-d", "fork-other", 1, TEXT_PLAIN, "hi");
    assert_int_equal(w->app_b.messages, 3);
    /* past 64*T1 (32 s) the first one's transaction is over: not merged any more */
    vnet_run(w->n, 33000);
    inject_page(w, "z9hG4bKfork-e", "fork", 1, TEXT_PLAIN, "hi");
    assert_int_equal(w->app_b.messages, 4);
}

static void test_bad_headers_refused(void **state)
{
    world *w = *state;
    parley_address to = {"sip:bob@10.0.0.2:5060", NULL};
    parley_header owned = {"Call-ID", "mine"};
    parley_header injected = {"X-Evil", "a\r\nVia: SIP/2.0/UDP evil"};
    parley_header badname = {"Bad Name", "v"};
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, NULL, &owned, 1, NULL, NULL),
        PARLEY_E_HEADER_RESTRICTED);
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, NULL, &injected, 1, NULL, NULL),
        PARLEY_E_INVAL);
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, NULL, &badname, 1, NULL, NULL),
        PARLEY_E_INVAL);
    parley_address bad = {"not a uri", NULL};
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &bad, NULL, NULL, 0, NULL, NULL),
        PARLEY_E_INVAL);
    parley_content ct_injected = {"text/plain\r\nX-Evil: 1", "hi", 2}, ct_bare = {"text", "hi", 2};
    assert_int_equal(parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, &ct_injected, NULL,
                                                  0, NULL, NULL),
                     PARLEY_E_INVAL);
    assert_int_equal(
        parley_endpoint_send_message(w->a, PARLEY_MSG_MESSAGE, &to, &ct_bare, NULL, 0, NULL, NULL),
        PARLEY_E_INVAL);
    vnet_run(w->n, 100);
    assert_int_equal(vnet_count(w->n), 0); /* nothing on the wire */
}

static const char raw_fmt[] = "%s sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK%s\r\n"
                              "Max-Forwards: 70\r\n"
                              "From: <sip:peer@10.0.0.9>;tag=p1\r\n"
                              "To: <sip:bob@10.0.0.2>%s\r\n"
                              "Call-ID: raw-%s\r\n"
                              "CSeq: 1 %s\r\n%s"
                              "Content-Length: 0\r\n\r\n";

static const vnet_packet *raw_request(world *w, const char *method, const char *totag,
                                      const char *extra)
{
    static int seq;
    char text[1024], id[48];
    snprintf(id, sizeof(id), "%s%d", method, ++seq); /* a new transaction each time */
    snprintf(text, sizeof(text), raw_fmt, method, id, totag, id, method, extra);
    vnet_inject(w->n, PEER, B, text);
    vnet_run(w->n, 50);
    return vnet_find(w->n, PEER, "SIP/2.0", vnet_count_match(w->n, B, "SIP/2.0") - 1);
}

static void test_endpoint_answers(void **state)
{
    world *w = *state;
    const vnet_packet *r = raw_request(w, "OPTIONS", "", "");
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->data, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS"));
    assert_non_null(strstr(r->data, "MESSAGE"));
    assert_non_null(strstr(r->data, "Accept: application/sdp"));
    /* what its dialogs take too (RFC 3261 §11.2): UPDATE and PRACK, 100rel and timer */
    assert_non_null(strstr(r->data, ", MESSAGE, PRACK, UPDATE\r\n"));
    assert_non_null(strstr(r->data, "Supported: 100rel, timer, ms-benotify, replaces\r\n"));
    assert_non_null(strstr(r->data, "To: <sip:bob@10.0.0.2>;tag="));
    assert_int_equal(raw_request(w, "FOOBAR", "", "")->status, 501);
    const vnet_packet *r405 = raw_request(w, "REGISTER", "", "");
    assert_int_equal(r405->status, 405);
    /* a 405 lists what this address takes outside a dialog */
    assert_non_null(strstr(r405->data, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, "
                                       "REFER, MESSAGE\r\n"));
    assert_non_null(strstr(raw_request(w, "SUBSCRIBE", "", "")->data, "Allow: "));
    assert_int_equal(raw_request(w, "BYE", "", "")->status, 481);
    assert_int_equal(raw_request(w, "INFO", ";tag=nodialog", "")->status, 481);
    const vnet_packet *ext = raw_request(w, "OPTIONS", "", "Require: foo, 100rel, timer\r\n");
    assert_int_equal(ext->status, 420);
    assert_non_null(strstr(ext->data, "Unsupported: foo\r\n")); /* 100rel, timer: ours */
    /* a BENOTIFY is never answered */
    size_t before = vnet_count_match(w->n, B, "SIP/2.0");
    vnet_inject(
        w->n, PEER, B,
        "BENOTIFY sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKbn\r\n"
        "From: <sip:p@10.0.0.9>;tag=1\r\nTo: <sip:bob@10.0.0.2>\r\nCall-ID: bn\r\n"
        "CSeq: 1 BENOTIFY\r\nContent-Length: 0\r\n\r\n");
    vnet_run(w->n, 40000);
    assert_int_equal(vnet_count_match(w->n, B, "SIP/2.0"), before);
    /* unknown URI scheme */
    vnet_inject(w->n, PEER, B,
                "OPTIONS foo:bar SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKsch\r\n"
                "From: <sip:p@10.0.0.9>;tag=1\r\nTo: <sip:bob@10.0.0.2>\r\nCall-ID: sch\r\n"
                "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
    vnet_run(w->n, 50);
    assert_non_null(vnet_find(w->n, PEER, "SIP/2.0 416", 0));
}

static void test_answers_carry_epid(void **state)
{
    world *w = *state;
    /* the endpoint id is on our From, To and Contact: the To of our answers outside a dialog
     * too, the endpoint's own (OPTIONS, 405, 501) and the application's (MESSAGE) */
    char want[128], got[256];
    snprintf(want, sizeof(want), ";epid=%s", parley_endpoint_epid(w->b));
    const char *methods[] = {"OPTIONS", "REGISTER", "FOOBAR"};
    for (size_t i = 0; i < 3; i++) {
        const vnet_packet *r = raw_request(w, methods[i], "", "");
        assert_non_null(r);
        vnet_header_line(r, "To", got, sizeof(got));
        assert_int_equal(strncmp(got, "To: <sip:bob@10.0.0.2>;tag=", 27), 0);
        assert_non_null(strstr(got, want));
        assert_string_equal(strstr(got, want), want); /* last, once */
    }
    /* a request aimed at an epid keeps it and gets no second one */
    const vnet_packet *r = raw_request(w, "OPTIONS", ";epid=theirs", "");
    assert_non_null(r);
    assert_int_equal(r->status, 200);
    vnet_header_line(r, "To", got, sizeof(got));
    assert_int_equal(strncmp(got, "To: <sip:bob@10.0.0.2>;epid=theirs;tag=", 39), 0);
    assert_null(strstr(got, want));
    done d = {0};
    send_text(w, "epid?", &d);
    vnet_run(w->n, 100);
    assert_int_equal(d.status, 200);
    const vnet_packet *ok = vnet_find(w->n, A, "SIP/2.0 200", 0);
    assert_non_null(ok);
    vnet_header_line(ok, "To", got, sizeof(got));
    assert_int_equal(strncmp(got, "To: <sip:bob@10.0.0.2:5060>;tag=", 32), 0);
    assert_non_null(strstr(got, want));
    assert_string_equal(strstr(got, want), want);
}

static void test_no_handler_gets_405(void **state)
{
    world *w = *state;
    /* A has no on_message: MESSAGE is not allowed there */
    done d = {0};
    send_page(w, w->b, PARLEY_MSG_MESSAGE, "sip:alice@10.0.0.1:5060", NULL, &d);
    vnet_run(w->n, 100);
    assert_int_equal(d.status, 405);
    const vnet_packet *r = vnet_find(w->n, B, "SIP/2.0 405", 0);
    const char *allow = strstr(r->data, "Allow: ");
    assert_non_null(allow);
    const char *eol = strstr(allow, "\r\n");
    assert_true(eol - allow < 100);
    assert_false(memmem(allow, (size_t)(eol - allow), "MESSAGE", 7) != NULL);
}

static void test_options_page_mode(void **state)
{
    world *w = *state;
    done d = {0};
    send_page(w, w->a, PARLEY_MSG_OPTIONS, "sip:bob@10.0.0.2:5060", NULL, &d);
    vnet_run(w->n, 100);
    assert_int_equal(d.status, 200);
    assert_int_equal(w->app_b.messages, 0);
    /* BENOTIFY completes when sent, with nothing to wait for */
    done b = {0};
    send_page(w, w->a, PARLEY_MSG_BENOTIFY, "sip:bob@10.0.0.2:5060", NULL, &b);
    vnet_run(w->n, 10);
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.error, 0);
    assert_int_equal(b.status, 0);
}

static void test_sync_from_loop_thread_fails(void **state)
{
    world *w = *state;
    parley_address to = {"sip:bob@10.0.0.2:5060", NULL};
    parley_result *r = (parley_result *)1;
    /* the test thread is the virtual loop's thread */
    assert_int_equal(
        parley_endpoint_send_message_sync(w->a, PARLEY_MSG_MESSAGE, &to, NULL, NULL, 0, &r),
        PARLEY_E_LOOP_THREAD);
    assert_null(r);
    vnet_run(w->n, 100);
    assert_int_equal(vnet_count(w->n), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_message_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_lost_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_lost_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_reordering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_loss_each_leg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_when_nobody_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_answers_and_defers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_415_and_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_content_encoding_415, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_without_type_415, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merged_message_482, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_headers_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_carry_epid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_handler_gets_405, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options_page_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_from_loop_thread_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
