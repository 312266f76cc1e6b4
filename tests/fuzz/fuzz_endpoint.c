/*
 * Fuzzes a whole endpoint: transport, parser, transactions, dialogs, sessions, the UAS core and
 * the UAC side, on the virtual network and clock (tests/proto/vnet.c), so that timers fire and
 * what the endpoint sends is logged. The endpoint accepts every incoming session with an SDP
 * negotiator, so INVITEs form dialogs that ACKs, BYEs, re-INVITEs, CANCELs and in-dialog
 * requests reach; and commands make it act: place calls (with or without an offer, 100rel,
 * session timer, Digest credentials alice/secret, 3xx followed), re-INVITE, send MESSAGE/INFO,
 * REFER, accept REFERs and report their progress, end sessions; register at a peer and stop;
 * send page-mode requests; keep incoming page-mode requests and re-INVITEs and answer them later
 * (endpoint_act.c lists them).
 *
 * The input is a sequence of records separated by 0xFF (a byte UTF-8 never uses). A record's
 * first byte says what it is, the rest is its payload:
 *   op % 4 == 0   a datagram from peer A; or, when the payload starts with "!", a command
 *                 for the endpoint ("!call late require", "!bye #1"; endpoint_act.c)
 *   op % 4 == 1   a datagram from peer B
 *   op % 4 == 2   stream bytes from peer A, read by the transport's stream code
 *                 (tp_stream_next) as a TCP connection would; an unframable or oversize
 *                 message ends that "connection", and the next bytes start another
 *   op % 4 == 3   time passes: (op / 4) * 40 ms
 * When the FIRST record is the command "!auth" (options: proxy, md5, more), the endpoint is
 * made to challenge incoming requests (Digest, password "secret" for any user, realm "fz"; host:
 * the host of its URI):
 * 401 (proxy: 407), SHA-256 and MD5 (md5: MD5 only), INVITE, MESSAGE and REFER (more: INVITE,
 * MESSAGE, OPTIONS and BYE). Anywhere else "!auth" is an unknown command (ignored), so inputs
 * that do not start with it meet an endpoint that challenges nothing.
 * In a payload, tokens become what the endpoint sent, so that a peer's message can name the
 * dialog or transaction the endpoint made (its tags, branches and Call-IDs are random; the
 * generator is seeded per input so that a crash replays):
 *   $T  the To tag of the last response the endpoint sent (a dialog it answered), $R its
 *       RSeq (a reliable provisional, for the RAck of a PRACK)
 *   $B  the top Via branch, $C the Call-ID, $F the From tag, $N the CSeq number and $M the
 *       CSeq method of the last request it sent (ACK aside): a response to it
 *   $b, $n  the branch and CSeq number of the last INVITE it sent (its 2xx after a PRACK)
 *   $K  the Contact URI of the last request it sent (a registrar's 200 names the binding)
 *   $A  credentials (alice/secret) answering the first challenge of the last 401/407 it sent,
 *       for the method and Request-URI of the request this payload starts with (nc 1, a fixed
 *       cnonce: the same token twice is a replay); $a the same with a wrong password
 * Every record is followed by 2 ms; the input ends with 40 s (every transaction timer runs
 * out) before the endpoint is freed. tests/fuzz/seeds_endpoint.py writes the seeds;
 * FUZZ_ENDPOINT_DUMP=1 lists what went over the network for an input (=full: whole messages).
 *
 * Invariants: no crash, leak or sanitizer report; what the endpoint sends parses (failure
 * responses aside: see check_sent).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "endpoint_act.h"
#include "parley/error.h"
#include "sip/digest.h"
#include "transport/tp_int.h"
#include "vnet.h"

#define EP     "10.0.0.1:5060"
#define PEER_A "10.0.0.9:5060"
#define PEER_B "10.0.0.8:5062"
#define SEP    0xff

typedef struct run {
    vnet *n;
    parley_endpoint *ep;
    act *act; /* the endpoint's own actions, and every session */
    /* the "TCP connection" from peer A */
    char *stream;
    size_t stream_len;
    uint64_t conn_id;
} run;

static void on_page(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    run *r = user;
    act_on_page(r->act, req);
}

/* answers the challenges of the seeds (any realm) */
static const parley_credential creds[] = {{NULL, "alice", "secret"}};
static const char *const md5_only[] = {"MD5", NULL};
static const char *const challenged[] = {"INVITE", "MESSAGE", "OPTIONS", "BYE", NULL};

/* Whether the input's first record is the command "!auth ...": the endpoint challenges. */
static int auth_record(const uint8_t *p, size_t len)
{
    return len >= 6 && p[0] % 4 == 0 && memcmp(p + 1, "!auth", 5) == 0 && (len == 6 || p[6] == ' ');
}

/* Whether the auth record (p, len) has option word. */
static int auth_has(const uint8_t *p, size_t len, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 6; i + wl <= len; i++)
        if (p[i - 1] == ' ' && memcmp(p + i, word, wl) == 0 && (i + wl == len || p[i + wl] == ' '))
            return 1;
    return 0;
}

/* auth (p, len): the auth record, or NULL for an endpoint that challenges nothing. */
static void start(run *r, const uint8_t *auth, size_t len)
{
    pl_rand_seed_for_tests(1);
    r->n = vnet_new(1000);
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.on_message = on_page;
    cfg.credentials = creds;
    cfg.ncredentials = 1;
    cfg.user = r;
    if (auth) {
        cfg.auth_password = "secret";
        cfg.auth_realm = auth_has(auth, len, "host") ? NULL : "fz";
        cfg.auth_proxy = auth_has(auth, len, "proxy");
        if (auth_has(auth, len, "md5"))
            cfg.auth_algorithms = md5_only;
        if (auth_has(auth, len, "more"))
            cfg.auth_methods = challenged;
    }
    r->ep = vnet_endpoint(r->n, EP, &cfg);
    if (!r->ep)
        abort();
    r->act = act_new(r->ep, PEER_A, PEER_B);
    parley_endpoint_set_session_cb(r->ep, act_on_session, r->act);
    vnet_peer(r->n, PEER_A);
    vnet_peer(r->n, PEER_B);
    r->conn_id = 1000;
}

/* ---- the records ---- */

/* The last message the endpoint sent that is a response (want_response), else a request
 * other than ACK (of method, when not NULL); NULL when none. */
static const char *last_sent(run *r, int want_response, const char *method)
{
    for (size_t i = vnet_count(r->n); i-- > 0;) {
        const vnet_packet *p = vnet_get(r->n, i);
        if (strcmp(p->src, EP) != 0 || !p->status != !want_response)
            continue;
        if (!want_response &&
            (strcmp(p->method, "ACK") == 0 || (method && strcmp(p->method, method) != 0)))
            continue;
        return p->data;
    }
    return NULL;
}

/* Copies into out the value of header name in msg (its line), from after param when param is
 * not NULL (";tag=", ";branch="), up to a delimiter in stop; "" when absent. */
static void field(const char *msg, const char *name, const char *param, const char *stop, char *out,
                  size_t size)
{
    out[0] = '\0';
    const char *h = msg ? strstr(msg, name) : NULL;
    const char *end = h ? strstr(h + 2, "\r\n") : NULL;
    if (!end)
        return;
    const char *v = h + strlen(name);
    if (param) {
        v = strstr(v, param);
        if (!v || v > end)
            return;
        v += strlen(param);
    }
    size_t len = strcspn(v, stop);
    if (len >= size)
        len = size - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

/* The credentials (alice/password) answering the first challenge of the last 401/407 the
 * endpoint sent, for the request whose start line begins payload p: method and Request-URI
 * from there, nc 1 and a fixed cnonce (so that the same token twice is a replay); "" when
 * there is no challenge or no request line. */
static void credentials(run *r, const char *password, const char *p, size_t len, char *out,
                        size_t size)
{
    out[0] = '\0';
    const char *resp = NULL;
    for (size_t i = vnet_count(r->n); i-- > 0 && !resp;) {
        const vnet_packet *pk = vnet_get(r->n, i);
        if (strcmp(pk->src, EP) == 0 && (pk->status == 401 || pk->status == 407))
            resp = pk->data;
    }
    char value[600];
    int proxy = resp && strstr(resp, "\r\nProxy-Authenticate: ") != NULL;
    field(resp, proxy ? "\r\nProxy-Authenticate: " : "\r\nWWW-Authenticate: ", NULL, "\r\n", value,
          sizeof(value));
    const char *sp1 = memchr(p, ' ', len);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - p)) : NULL;
    sip_digest_challenge ch;
    if (!value[0] || !sp2 || sip_digest_challenge_parse(pl_str_c(value), proxy, &ch) != 0)
        return;
    sip_digest_answer a = {.username = "alice",
                           .password = password,
                           .method = pl_str_make(p, (size_t)(sp1 - p)),
                           .uri = pl_str_span(sp1 + 1, sp2),
                           .nc = 1,
                           .cnonce = "fzcnonce"};
    pl_buf b;
    pl_buf_init(&b, 256);
    if (sip_digest_authorize(&ch, &a, &b) == 0 && pl_buf_ok(&b) && b.len < size) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    }
    pl_buf_free(&b);
}

/* The value of token c ("$c" in a payload p, len) into out; 0 when c is no token. */
static int token(run *r, char c, const char *p, size_t len, char *out, size_t size)
{
    const char *req = last_sent(r, 0, c == 'b' || c == 'n' ? "INVITE" : NULL);
    switch (c) {
    case 'T':
        field(last_sent(r, 1, NULL), "\r\nTo: ", ";tag=", ";>\r\n ", out, size);
        return 1;
    case 'R':
        field(last_sent(r, 1, NULL), "\r\nRSeq: ", NULL, "\r\n ", out, size);
        return 1;
    case 'B':
    case 'b':
        field(req, "\r\nVia: ", ";branch=", ";,\r\n ", out, size);
        return 1;
    case 'C':
        field(req, "\r\nCall-ID: ", NULL, "\r\n ", out, size);
        return 1;
    case 'F':
        field(req, "\r\nFrom: ", ";tag=", ";>\r\n ", out, size);
        return 1;
    case 'N':
    case 'n':
        field(req, "\r\nCSeq: ", NULL, "\r\n ", out, size);
        return 1;
    case 'K':
        field(req, "\r\nContact: <", NULL, ">", out, size);
        return 1;
    case 'A':
    case 'a':
        credentials(r, c == 'A' ? "secret" : "wrong", p, len, out, size);
        return 1;
    case 'M':
        field(req, "\r\nCSeq: ", NULL, "\r\n", out, size);
        memmove(out, out + strcspn(out, " ") + (out[strcspn(out, " ")] ? 1 : 0),
                strlen(out + strcspn(out, " ")) + 1);
        return 1;
    }
    return 0;
}

/* payload with every token replaced by its value (see the header comment); malloc'd. */
static char *substitute(run *r, const uint8_t *p, size_t len, size_t *out_len)
{
    char value[1024];
    size_t cap = len + 1;
    for (size_t i = 0; i < len; i++)
        cap += p[i] == '$' ? sizeof(value) : 0;
    char *out = malloc(cap);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '$' && i + 1 < len &&
            token(r, (char)p[i + 1], (const char *)p, len, value, sizeof(value))) {
            size_t vl = strlen(value);
            memcpy(out + o, value, vl);
            o += vl;
            i++;
        } else {
            out[o++] = (char)p[i];
        }
    }
    *out_len = o;
    return out;
}

static void stream_bytes(run *r, const char *data, size_t len)
{
    size_t max = 2 * sip_default_limits.max_size; /* what a connection buffers */
    if (r->stream_len + len > max)
        len = max - r->stream_len;
    memcpy(r->stream + r->stream_len, data, len);
    r->stream_len += len;
    tp_stream_in in = {r->ep->tp, {.proto = TP_TCP, .conn_id = r->conn_id}, NULL, NULL};
    tp_addr_parse(PEER_A, NULL, &in.rx.remote);
    tp_addr_parse(EP, NULL, &in.rx.local);
    size_t off = 0;
    while (off < r->stream_len) {
        size_t used = 0;
        int rc = tp_stream_next(&in, r->stream + off, r->stream_len - off, &used);
        off += used;
        if (rc == PARLEY_E_INCOMPLETE)
            break;
        if (rc != 0) { /* the connection ends; the next bytes come on a new one */
            off = r->stream_len;
            r->conn_id++;
            break;
        }
    }
    memmove(r->stream, r->stream + off, r->stream_len - off);
    r->stream_len -= off;
}

static void record(run *r, const uint8_t *p, size_t len)
{
    if (!len)
        return;
    unsigned op = p[0];
    if (op % 4 == 3) {
        vnet_run(r->n, (op / 4) * 40);
        return;
    }
    if (op % 4 == 0 && len > 1 && p[1] == '!') {
        act_command(r->act, (const char *)p + 2, len - 2);
        vnet_run(r->n, 2);
        return;
    }
    size_t n;
    char *data = substitute(r, p + 1, len - 1, &n);
    if (op % 4 == 2)
        stream_bytes(r, data, n);
    else
        vnet_inject_bytes(r->n, op % 4 ? PEER_B : PEER_A, EP, data, n);
    free(data);
    vnet_run(r->n, 2);
}

/* What the endpoint sent parses, but for failure responses: a stateless 400 copies the
 * request's own fields, broken ones included. */
static void check_sent(run *r)
{
    for (size_t i = 0; i < vnet_count(r->n); i++) {
        const vnet_packet *p = vnet_get(r->n, i);
        if (strcmp(p->src, EP) != 0 || p->status >= 400)
            continue;
        sip_msg *m = NULL;
        int rc = sip_msg_parse(p->data, p->len, 0, NULL, &m, NULL);
        if (rc != 0 && rc != PARLEY_E_NOMEM) { /* show what broke before crashing */
            fprintf(stderr, "sent message %zu does not parse (%d):\n%.*s\n", i, rc, (int)p->len,
                    p->data);
            abort();
        }
        sip_msg_free(m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char stream[2 * 65536];
    run r = {.stream = stream};
    const uint8_t *p = data, *end = data + size;
    const uint8_t *first_end = memchr(data, SEP, size);
    size_t first_len = first_end ? (size_t)(first_end - data) : size;
    if (auth_record(data, first_len)) {
        start(&r, data, first_len);
        p = first_end ? first_end + 1 : end;
    } else {
        start(&r, NULL, 0);
    }
    while (p < end) {
        const uint8_t *sep = memchr(p, SEP, (size_t)(end - p));
        const uint8_t *re = sep ? sep : end;
        record(&r, p, (size_t)(re - p));
        p = sep ? sep + 1 : end;
    }
    vnet_run(r.n, 40000);
    check_sent(&r);
    const char *dump = getenv("FUZZ_ENDPOINT_DUMP"); /* to see what a seed exercises */
    if (dump && strcmp(dump, "full") == 0)           /* every message whole */
        for (size_t i = 0; i < vnet_count(r.n); i++)
            fprintf(stderr, "#%zu %s -> %s\n%.*s\n", i, vnet_get(r.n, i)->src,
                    vnet_get(r.n, i)->dst, (int)vnet_get(r.n, i)->len, vnet_get(r.n, i)->data);
    else if (dump)
        vnet_dump(r.n);
    act_drop(r.act);
    vnet_free(r.n);
    act_free(r.act);
    pl_rand_seed_for_tests(0);
    return 0;
}
