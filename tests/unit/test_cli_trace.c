/*
 * The CLI's trace outputs (tools/parley): the pcap writer read back by the capture reader
 * (UDP and TCP, IPv4 and IPv6, a connection traced with a vague local address, a message split
 * into segments), the duplicate check of cli_tracer (both ends of a message in one process),
 * the ladder model and its text and HTML renderers, and the reader on damaged files.
 */
#include "test_util.h"

#include <unistd.h>

#include "ladder.h"
#include "pcap.h"
#include "pcap_read.h"
#include "trace_out.h"

static char *request(const char *method, const char *call_id, size_t body)
{
    size_t cap = 512 + body;
    char *m = malloc(cap + 1);
    assert_non_null(m);
    int n = snprintf(m, cap,
                     "%s sip:bob@example.com SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK%s%s\r\n"
                     "From: <sip:alice@example.com>;tag=1\r\n"
                     "To: <sip:bob@example.com>\r\n"
                     "Call-ID: %s\r\n"
                     "CSeq: 1 %s\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     method, method, call_id, call_id, method, body);
    memset(m + n, 'x', body);
    m[(size_t)n + body] = '\0';
    return m;
}

static char *response(int code, const char *reason, const char *call_id)
{
    char *m = malloc(512);
    assert_non_null(m);
    snprintf(m, 512,
             "SIP/2.0 %d %s\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
             "From: <sip:alice@example.com>;tag=1\r\n"
             "To: <sip:bob@example.com>;tag=2\r\n"
             "Call-ID: %s\r\n"
             "CSeq: 1 INVITE\r\n"
             "Content-Length: 0\r\n\r\n",
             code, reason, call_id);
    return m;
}

static parley_trace_event ev(int sent, const char *tp, const char *local, const char *remote,
                             const char *data, uint64_t t)
{
    return (parley_trace_event){sent, tp, local, remote, data, strlen(data), t};
}

typedef struct got {
    size_t n;
    char src[16][64], dst[16][64], tp[16][4];
    size_t len[16];
    uint64_t time[16];
} got;

static void collect(void *user, const parley_trace_event *e)
{
    got *g = user;
    assert_true(g->n < 16);
    snprintf(g->src[g->n], 64, "%s", e->local);
    snprintf(g->dst[g->n], 64, "%s", e->remote);
    snprintf(g->tp[g->n], 4, "%s", e->transport);
    g->len[g->n] = e->len;
    g->time[g->n] = e->time_us;
    g->n++;
}

static char *temp_path(const char *suffix)
{
    char *p = malloc(64);
    assert_non_null(p);
    snprintf(p, 64, "/tmp/parley-unit-XXXXXX%s", suffix);
    int fd = mkstemps(p, (int)strlen(suffix));
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static void test_pcap_round_trip(void **state)
{
    (void)state;
    char *path = temp_path(".pcap");
    pcap_writer *w;
    assert_int_equal(pcap_writer_open(path, &w), 0);
    char *inv = request("INVITE", "c1", 0), *ok = response(200, "OK", "c1");
    char *big = request("MESSAGE", "c2", 65000), *six = request("OPTIONS", "c3", 10);
    parley_trace_event e[] = {
        ev(1, "UDP", "127.0.0.1:5060", "127.0.0.1:5070", inv, 1000001),
        ev(0, "UDP", "127.0.0.1:5060", "127.0.0.1:5070", ok, 1000002),
        /* a new TCP connection traced before its local address was known */
        ev(1, "TCP", "0.0.0.0:0", "127.0.0.1:5080", big, 2000000),
        ev(0, "TCP", "127.0.0.1:40000", "127.0.0.1:5080", ok, 2000001),
        ev(1, "TLS", "[::1]:41000", "[::1]:5061", six, 3000000),
    };
    for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
        pcap_writer_event(w, &e[i]);
    assert_int_equal(pcap_writer_close(w), 0);

    got g = {0};
    char err[128];
    assert_int_equal(pcap_read_file(path, collect, &g, err, sizeof(err)), 0);
    assert_int_equal(g.n, 5);
    assert_string_equal(g.src[0], "127.0.0.1:5060");
    assert_string_equal(g.dst[0], "127.0.0.1:5070");
    assert_int_equal(g.time[0], 1000001);
    assert_string_equal(g.src[1], "127.0.0.1:5070"); /* received: remote -> local */
    assert_string_equal(g.tp[2], "TCP");
    assert_int_equal(g.len[2], strlen(big)); /* two segments, reassembled */
    assert_string_equal(g.dst[2], "127.0.0.1:5080");
    /* the answer on that connection keeps the connection's address pair */
    assert_string_equal(g.src[3], "127.0.0.1:5080");
    assert_string_equal(g.dst[3], g.src[2]);
    assert_string_equal(g.src[4], "[::1]:41000");
    assert_string_equal(g.dst[4], "[::1]:5061");

    /* every truncation of the file: an error or fewer messages, never a fault */
    size_t len = 0;
    char *bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    char *cut = temp_path(".pcap");
    for (size_t n = 0; n < len; n += n < 200 ? 1 : 997) {
        FILE *f = fopen(cut, "wb");
        assert_non_null(f);
        fwrite(bytes, 1, n, f);
        fclose(f);
        got h = {0};
        int rc = pcap_read_file(cut, collect, &h, err, sizeof(err));
        assert_true(h.n <= 5);
        assert_true(rc == 0 || err[0]); /* a failure says why */
    }
    /* garbage after a valid header */
    memset(bytes + 24, 0xff, len - 24);
    FILE *f = fopen(cut, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    got h = {0};
    assert_int_equal(pcap_read_file(cut, collect, &h, err, sizeof(err)), -1);
    assert_int_equal(pcap_read_file("/nonexistent/x.pcap", collect, &h, err, sizeof(err)), -1);
    unlink(cut);
    unlink(path);
    free(cut);
    free(bytes);
    free(path);
    free(inv);
    free(ok);
    free(big);
    free(six);
}

/* Writes a one-packet libpcap file: link type lt, the link header hdr, then the IP packet. */
static void write_linked(const char *path, uint32_t lt, const uint8_t *hdr, size_t hlen,
                         const uint8_t *ip, size_t iplen, int swap)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t fh[6] = {0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, lt};
    uint32_t rec[4] = {7, 8, (uint32_t)(hlen + iplen), (uint32_t)(hlen + iplen)};
    if (swap) { /* a file written on a host of the other byte order */
        for (size_t i = 0; i < 6; i++)
            fh[i] = __builtin_bswap32(fh[i]);
        fh[1] = __builtin_bswap16(2) | (uint32_t)__builtin_bswap16(4) << 16;
        for (size_t i = 0; i < 4; i++)
            rec[i] = __builtin_bswap32(rec[i]);
    }
    fwrite(fh, 4, 6, f);
    fwrite(rec, 4, 4, f);
    fwrite(hdr, 1, hlen, f);
    fwrite(ip, 1, iplen, f);
    fclose(f);
}

static void test_link_layers(void **state)
{
    (void)state;
    /* one UDP datagram as LINKTYPE_RAW, from the writer; its IP packet is after the 40 bytes
     * of file and record headers */
    char *path = temp_path(".pcap");
    pcap_writer *w;
    assert_int_equal(pcap_writer_open(path, &w), 0);
    char *inv = request("INVITE", "c1", 0);
    parley_trace_event e = ev(1, "UDP", "192.0.2.1:5060", "192.0.2.2:5070", inv, 5);
    pcap_writer_event(w, &e);
    assert_int_equal(pcap_writer_close(w), 0);
    size_t len = 0;
    char *bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    const uint8_t *ip = (const uint8_t *)bytes + 40;
    size_t iplen = len - 40;

    static const uint8_t ether_vlan[] = {0, 1,  2,  3,    4, 5, 6,  7,    8,
                                         9, 10, 11, 0x81, 0, 0, 42, 0x08, 0x00};
    uint8_t sll[16] = {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
    uint8_t sll2[20] = {0x08, 0x00};
    uint8_t null_hdr[4] = {2, 0, 0, 0};
    struct {
        uint32_t lt;
        const uint8_t *hdr;
        size_t hlen;
        int swap;
    } cases[] = {{1, ether_vlan, sizeof(ether_vlan), 0},
                 {113, sll, sizeof(sll), 0},
                 {276, sll2, sizeof(sll2), 1},
                 {0, null_hdr, 4, 0},
                 {228, NULL, 0, 1},
                 {101, NULL, 0, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_linked(path, cases[i].lt, cases[i].hdr, cases[i].hlen, ip, iplen, cases[i].swap);
        got g = {0};
        char err[128];
        assert_int_equal(pcap_read_file(path, collect, &g, err, sizeof(err)), 0);
        assert_int_equal(g.n, 1);
        assert_string_equal(g.src[0], "192.0.2.1:5060");
        assert_string_equal(g.dst[0], "192.0.2.2:5070");
        assert_int_equal(g.len[0], strlen(inv));
        assert_int_equal(g.time[0], 7000008);
    }
    /* an unknown link type: no message, no error */
    write_linked(path, 147, NULL, 0, ip, iplen, 0);
    got g = {0};
    char err[128];
    assert_int_equal(pcap_read_file(path, collect, &g, err, sizeof(err)), 0);
    assert_int_equal(g.n, 0);
    unlink(path);
    free(path);
    free(bytes);
    free(inv);
}

static void test_tracer_keeps_one_copy(void **state)
{
    (void)state;
    cli_tracer t;
    cli_tracer_init(&t);
    t.keep_ladder = true;
    char *inv = request("INVITE", "c1", 0);
    /* both ends in this process: the receiver may trace before the sender */
    parley_trace_event in = ev(0, "UDP", "127.0.0.1:5070", "127.0.0.1:5060", inv, 10);
    parley_trace_event out = ev(1, "UDP", "127.0.0.1:5060", "127.0.0.1:5070", inv, 11);
    cli_tracer_event(&t, &in);
    cli_tracer_event(&t, &out);
    assert_int_equal(t.lad.nmsgs, 1);
    /* a retransmission is a new packet, seen by both ends again */
    cli_tracer_event(&t, &out);
    cli_tracer_event(&t, &in);
    assert_int_equal(t.lad.nmsgs, 2);
    /* the same bytes between other addresses are another message */
    parley_trace_event other = ev(1, "UDP", "127.0.0.1:5060", "127.0.0.1:5090", inv, 12);
    cli_tracer_event(&t, &other);
    assert_int_equal(t.lad.nmsgs, 3);
    assert_int_equal(t.lad.ncols, 3);
    cli_tracer_free(&t);
    free(inv);
}

static void test_ladder_render(void **state)
{
    (void)state;
    cli_ladder l;
    ladder_init(&l);
    char *inv = request("INVITE", "c1", 0), *ring = response(180, "Ringing", "c1");
    char *hostile = response(486, "Busy<script>alert(1)</script>", "c2");
    assert_int_equal(ladder_add(&l, 100, "UDP", "10.0.0.1:5060", "10.0.0.2:5060", inv, strlen(inv)),
                     1);
    assert_int_equal(
        ladder_add(&l, 250, "UDP", "10.0.0.2:5060", "10.0.0.1:5060", ring, strlen(ring)), 1);
    assert_int_equal(
        ladder_add(&l, 200, "TCP", "10.0.0.2:5060", "10.0.0.1:5060", hostile, strlen(hostile)), 1);
    assert_int_equal(ladder_add(&l, 300, "UDP", "10.0.0.2:5060", "10.0.0.1:5060", "\r\n\r\n", 4),
                     0);
    assert_int_equal(ladder_add(&l, 300, "UDP", "a:1", "b:2", "not sip at all", 14), 0);
    assert_int_equal(l.nmsgs, 3);
    assert_int_equal(l.ncalls, 2);
    ladder_sort(&l);
    assert_int_equal(l.msgs[1].time_us, 200);
    char label[64];
    ladder_label(&l.msgs[2], label, sizeof(label));
    assert_string_equal(label, "180 Ringing");

    char *text = NULL, *html = NULL;
    size_t tlen = 0, hlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    assert_int_equal(ladder_print_text(&l, f, -1), 0);
    fclose(f);
    assert_non_null(strstr(text, "|--INVITE"));
    assert_non_null(strstr(text, "<-180 Ringing"));
    assert_non_null(strstr(text, "call 2"));
    f = open_memstream(&html, &hlen);
    assert_int_equal(ladder_write_html(&l, f, "t<&>"), 0);
    fclose(f);
    size_t arrows = 0;
    for (const char *p = html; (p = strstr(p, "class=\"arrow\"")); p++)
        arrows++;
    assert_int_equal(arrows, 3);
    assert_null(strstr(html, "<script>alert")); /* the reason phrase is escaped */
    assert_non_null(strstr(html, "t&lt;&amp;&gt;"));
    assert_null(strstr(html, "src=")); /* nothing loaded: no scripts, images or styles */
    assert_null(strstr(html, "<link"));
    free(text);
    free(html);
    ladder_free(&l);
    free(inv);
    free(ring);
    free(hostile);
}

static void test_ladder_bounds(void **state)
{
    (void)state;
    cli_ladder l;
    ladder_init(&l);
    char *inv = request("INVITE", "c1", 0);
    for (int i = 0; i < LADDER_MAX_COLS + 5; i++) {
        char dst[32];
        snprintf(dst, sizeof(dst), "10.0.0.1:%d", 1000 + i);
        ladder_add(&l, (uint64_t)i, "UDP", "10.0.0.2:5060", dst, inv, strlen(inv));
    }
    assert_int_equal(l.ncols, LADDER_MAX_COLS);
    assert_int_equal(l.dropped, 6); /* the sender's column takes one */
    ladder_free(&l);
    free(inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_round_trip),       cmocka_unit_test(test_link_layers),
        cmocka_unit_test(test_tracer_keeps_one_copy), cmocka_unit_test(test_ladder_render),
        cmocka_unit_test(test_ladder_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
