/*
 * Fuzzes a whole endpoint: transport, parser, transactions, dialogs, sessions and the UAS core,
 * on the virtual network and clock (tests/proto/vnet.c), so that timers fire and what the
 * endpoint sends is logged. The endpoint accepts every incoming session with an SDP negotiator,
 * so INVITEs form dialogs that ACKs, BYEs, re-INVITEs, CANCELs and in-dialog requests reach.
 *
 * The input is a sequence of records separated by 0xFF (a byte UTF-8 never uses). A record's
 * first byte says what it is, the rest is its payload:
 *   op % 4 == 0   a datagram from peer A          op % 4 == 1   a datagram from peer B
 *   op % 4 == 2   stream bytes from peer A, read by the transport's stream code
 *                 (tp_stream_next) as a TCP connection would; an unframable or oversize
 *                 message ends that "connection", and the next bytes start another
 *   op % 4 == 3   time passes: (op / 4) * 40 ms
 * In a payload, "$T" becomes the To tag of the last response the endpoint sent, so that a
 * request can name the dialog the endpoint made (its tags are random; the generator is seeded
 * per input so that a crash replays). Every record is followed by 2 ms; the input ends with
 * 40 s (every transaction timer runs out) before the endpoint is freed.
 *
 * Invariants: no crash, leak or sanitizer report; what the endpoint sends parses (failure
 * responses aside: see check_sent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "parley/error.h"
#include "parley/sdp.h"
#include "parley/session.h"
#include "transport/tp_int.h"
#include "vnet.h"

#define EP      "10.0.0.1:5060"
#define PEER_A  "10.0.0.9:5060"
#define PEER_B  "10.0.0.8:5062"
#define SEP     0xff
#define MAX_SESSIONS 32

typedef struct run {
    vnet *n;
    parley_endpoint *ep;
    size_t nsessions; /* accepted, each with its own negotiator (parley_session_use_sdp) */
    /* the "TCP connection" from peer A */
    char *stream;
    size_t stream_len;
    uint64_t conn_id;
} run;

/* ---- the session API, in one place (it is being reworked: issue 8) ---- */

static const parley_sdp_codec codecs[] = {{0, NULL, 8000, 0, NULL}, {8, NULL, 8000, 0, NULL}};

static void on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                       void *user)
{
    (void)ep;
    (void)info;
    run *r = user;
    parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
    audio.media = "audio";
    audio.port = 4000;
    audio.codecs = codecs;
    audio.ncodecs = 2;
    parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
    cfg.sess_id = 1;
    cfg.addr = "10.0.0.1";
    cfg.streams = &audio;
    cfg.nstreams = 1;
    if (r->nsessions == MAX_SESSIONS || parley_session_use_sdp(s, &cfg) != 0) {
        parley_session_reject(s, 486, NULL, NULL, 0);
        return;
    }
    r->nsessions++;
    parley_session_participate(s, NULL, 0, NULL, NULL);
}

static void on_page(parley_endpoint *ep, parley_request *req, void *user)
{
    (void)ep;
    (void)req;
    (void)user; /* answered 200 by parley */
}

static void start(run *r)
{
    pl_rand_seed_for_tests(1);
    r->n = vnet_new(1000);
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.on_message = on_page;
    cfg.user = r;
    r->ep = vnet_endpoint(r->n, EP, &cfg);
    if (!r->ep)
        abort();
    parley_endpoint_set_session_cb(r->ep, on_session, r);
    vnet_peer(r->n, PEER_A);
    vnet_peer(r->n, PEER_B);
    r->conn_id = 1000;
}

/* ---- the records ---- */

/* The To tag of the last response the endpoint sent, into tag ("" when none). */
static void last_tag(run *r, char *tag, size_t size)
{
    tag[0] = '\0';
    for (size_t i = vnet_count(r->n); i-- > 0;) {
        const vnet_packet *p = vnet_get(r->n, i);
        if (!p->status || strcmp(p->src, EP) != 0)
            continue;
        const char *to = strstr(p->data, "\r\nTo: ");
        const char *end = to ? strstr(to + 2, "\r\n") : NULL;
        const char *t = to ? strstr(to + 2, ";tag=") : NULL;
        if (!t || t > end)
            continue;
        t += 5;
        size_t len = strcspn(t, ";>\r\n ");
        if (len >= size)
            len = size - 1;
        memcpy(tag, t, len);
        tag[len] = '\0';
        return;
    }
}

/* payload with every "$T" replaced by the tag; malloc'd. */
static char *substitute(run *r, const uint8_t *p, size_t len, size_t *out_len)
{
    char tag[64];
    last_tag(r, tag, sizeof(tag));
    size_t tl = strlen(tag);
    char *out = malloc(len * (tl > 2 ? tl : 2) + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '$' && i + 1 < len && p[i + 1] == 'T') {
            memcpy(out + o, tag, tl);
            o += tl;
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
        if (rc != 0 && rc != PARLEY_E_NOMEM)
            abort();
        sip_msg_free(m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char stream[2 * 65536];
    run r = {.stream = stream};
    start(&r);
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *sep = memchr(p, SEP, (size_t)(end - p));
        const uint8_t *re = sep ? sep : end;
        record(&r, p, (size_t)(re - p));
        p = sep ? sep + 1 : end;
    }
    vnet_run(r.n, 40000);
    check_sent(&r);
    if (getenv("FUZZ_ENDPOINT_DUMP")) /* to see what a seed exercises */
        vnet_dump(r.n);
    vnet_free(r.n);
    pl_rand_seed_for_tests(0);
    return 0;
}
