/*
 * Session getters from another thread (session.h: participant getters and properties are safe
 * from any thread; a string stays valid until the session is freed, a newer value does not
 * free it). Alice's endpoint runs on its own loop thread and calls a scripted callee on a raw
 * UDP socket that rings from two endpoints of Bob in turn ("Bob Desk" and "Bob Laptop", each
 * its own To tag and epid, as a forking proxy would deliver them) and answers from a third
 * ("Bob Mobile"): at each response Alice's loop replaces the remote participant's name, epid,
 * contact and tag.
 * Meanwhile a second thread reads every getter of the same session and walks the strings it
 * got, over many calls. Under ASan a string freed while it could still be read fails the test;
 * in any build a reader must only ever see one of the values that were set.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parley/parley.h"

#define CALLS 100

/* ---- the scripted callee: one UDP socket, two "endpoints" of Bob ---- */

typedef struct callee {
    int fd;
    int port;
    atomic_int stop;
} callee;

/* Copies the header line "Name: ..." (with its CRLF) of msg into out; "" when absent. */
static void copy_line(const char *msg, const char *name, char *out, size_t size)
{
    char key[32];
    snprintf(key, sizeof(key), "\r\n%s:", name);
    const char *p = strstr(msg, key);
    const char *e = p ? strstr(p + 2, "\r\n") : NULL;
    snprintf(out, size, "%.*s", p && e ? (int)(e - p - 2) : 0, p ? p + 2 : "");
}

static void reply(callee *c, const struct sockaddr_in *to, const char *status, const char *to_hdr,
                  const char *head, const char *contact)
{
    char buf[2048];
    int n = snprintf(buf, sizeof(buf), "SIP/2.0 %s\r\n%s%s\r\n%sContent-Length: 0\r\n\r\n", status,
                     head, to_hdr, contact);
    sendto(c->fd, buf, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to));
}

static void *callee_thread(void *arg)
{
    callee *c = arg;
    char msg[4096];
    int calls = 0;
    while (!atomic_load(&c->stop)) { /* bounded: the test stops it after its calls */
        struct pollfd pfd = {c->fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        struct sockaddr_in from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(c->fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&from, &flen);
        if (n <= 0)
            continue;
        msg[n] = '\0';
        char via[512], fr[512], to[512], cid[256], cseq[64], head[2048], uri[256];
        copy_line(msg, "Via", via, sizeof(via));
        copy_line(msg, "From", fr, sizeof(fr));
        copy_line(msg, "To", to, sizeof(to));
        copy_line(msg, "Call-ID", cid, sizeof(cid));
        copy_line(msg, "CSeq", cseq, sizeof(cseq));
        snprintf(head, sizeof(head), "%s\r\n%s\r\n%s\r\n%s\r\n", via, fr, cid, cseq);
        if (!strncmp(msg, "INVITE ", 7)) {
            const char *lt = strchr(to, '<'), *gt = lt ? strchr(lt, '>') : NULL;
            snprintf(uri, sizeof(uri), "%.*s", lt && gt ? (int)(gt - lt + 1) : 0, lt ? lt : "");
            /* the desk and the laptop ring in turn (each a fork: its own To tag), then the
             * mobile answers: every response changes who the remote participant is */
            static const char *const who[] = {"desk", "laptop", "mobile"};
            static const char *const shown[] = {"Bob Desk", "Bob Laptop", "Bob Mobile"};
            calls++;
            for (int i = 0; i <= 8; i++) {
                int k = i == 8 ? 2 : i % 2;
                char t[600], ct[128];
                snprintf(t, sizeof(t), "To: \"%s\" %s;tag=%s%d;epid=%s", shown[k], uri, who[k],
                         calls, who[k]);
                snprintf(ct, sizeof(ct), "Contact: <sip:%s@127.0.0.1:%d>\r\n", who[k], c->port);
                reply(c, &from, i == 8 ? "200 OK" : "180 Ringing", t, head, ct);
            }
        } else if (!strncmp(msg, "BYE ", 4)) {
            reply(c, &from, "200 OK", to, head, "");
        }
    }
    return NULL;
}

static int callee_open(callee *c)
{
    c->fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(c->fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    c->port = ntohs(a.sin_port);
    atomic_store(&c->stop, 0);
    return 0;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static parley_session *current; /* the call the reader looks at (referenced), or NULL */
static atomic_int done;

typedef struct reads {
    long rounds;      /* reads of a live session */
    long seen_change; /* rounds that saw the answering endpoint's name */
    long bad;         /* strings that were not what a participant's strings look like */
    size_t garbage;   /* lengths walked, so that the reads cannot be optimised away */
} reads;

static void check(reads *r, const char *v, const char *prefix)
{
    if (!v)
        return;
    size_t n = strlen(v); /* walks the whole string: freed memory shows under ASan */
    r->garbage += n;
    if (prefix && strncmp(v, prefix, strlen(prefix)) != 0)
        r->bad++;
}

/* Takes every string the getters give, holds them a while (a string replaced meanwhile must
 * stay readable: that is the window a freed one would fall into), then walks them. */
static void read_all(reads *r, parley_session *s)
{
    const parley_participant *l = parley_session_local(s), *p = parley_session_remote(s);
    const char *uri = parley_participant_uri(p), *name = parley_participant_name(p),
               *epid = parley_participant_epid(p), *contact = parley_participant_contact(p);
    const char *others[] = {
        parley_participant_gruu(p),    parley_participant_epid(l), parley_session_call_id(s),
        parley_session_from_tag(s),    parley_session_to_tag(s),   parley_session_local_tag(s),
        parley_session_remote_tag(s),  parley_participant_uri(l),  parley_participant_name(l),
        parley_participant_contact(l),
    };
    parley_state st = parley_session_state(s);
    char addr[64];
    const char *transport = NULL;
    int have_peer = parley_session_peer_addr(s, addr, sizeof(addr), &transport) == 0;
    for (volatile int spin = 0; spin < 2000; spin++)
        ;
    check(r, uri, "sip:bob@");
    check(r, name, "Bob ");
    check(r, epid, NULL);
    if (epid && strcmp(epid, "desk") && strcmp(epid, "laptop") && strcmp(epid, "mobile"))
        r->bad++;
    r->seen_change += name && !strcmp(name, "Bob Mobile");
    check(r, contact, "sip:");
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        check(r, others[i], NULL);
    check(r, others[7], "sip:alice@");
    check(r, others[8], "Alice");
    if ((int)st > PARLEY_STATE_REDIRECTING)
        r->bad++;
    if (have_peer)
        check(r, transport, NULL);
    r->rounds++;
}

static void *reader(void *arg)
{
    reads *r = arg;
    /* bounded: the main thread sets done after its CALLS calls, each bounded */
    while (!atomic_load(&done)) {
        pthread_mutex_lock(&mu);
        parley_session *s = current ? parley_session_ref(current) : NULL;
        pthread_mutex_unlock(&mu);
        if (s)
            read_all(r, s);
        parley_session_unref(s);
    }
    return NULL;
}

static void test_getters_from_another_thread(void **state)
{
    (void)state;
    callee bob;
    assert_int_equal(callee_open(&bob), 0);
    pthread_t bob_th;
    assert_int_equal(pthread_create(&bob_th, NULL, callee_thread, &bob), 0);
    const char *listen[] = {"udp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.uri = "sip:alice@127.0.0.1";
    cfg.display_name = "Alice";
    cfg.listen = listen;
    parley_endpoint *alice = NULL;
    assert_int_equal(parley_endpoint_create(&cfg, &alice), 0);
    assert_int_equal(parley_endpoint_start(alice), 0);
    char uri[128];
    snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%d", bob.port);

    reads r = {0};
    atomic_store(&done, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader, &r), 0);
    int answered = 0;
    for (int i = 0; i < CALLS; i++) {
        parley_address to = {uri, NULL};
        parley_session *s = NULL;
        assert_int_equal(parley_session_create(alice, &to, NULL, &s), 0);
        pthread_mutex_lock(&mu);
        current = parley_session_ref(s);
        pthread_mutex_unlock(&mu);
        parley_result *res = NULL;
        bool ok = parley_session_participate_sync(s, NULL, 0, &res) == 0 && res->status == 200;
        answered += ok;
        parley_result_free(res);
        res = NULL;
        parley_session_terminate_sync(s, NULL, 0, &res);
        parley_result_free(res);
        pthread_mutex_lock(&mu);
        parley_session *old = current;
        current = NULL;
        pthread_mutex_unlock(&mu);
        parley_session_unref(old);
        parley_session_unref(s);
        if (!ok)
            break; /* one failure is enough (and bounds the test by one Timer B) */
    }
    atomic_store(&done, 1);
    pthread_join(th, NULL);
    atomic_store(&bob.stop, 1);
    pthread_join(bob_th, NULL);
    close(bob.fd);
    print_message("%ld reads, %ld after the answering endpoint took over\n", r.rounds,
                  r.seen_change);
    assert_int_equal(answered, CALLS);
    assert_true(r.rounds > 0);
    assert_true(r.seen_change > 0);
    assert_int_equal(r.bad, 0);
    assert_int_equal(parley_endpoint_stop(alice), 0);
    parley_endpoint_unref(alice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getters_from_another_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
