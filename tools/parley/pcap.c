#include "pcap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_addr.h"

#define LINKTYPE_RAW 101
#define PKT_MAX      65535
#define IP4_HDR      20
#define IP6_HDR      40
#define UDP_HDR      8
#define TCP_HDR      20
/* a TCP segment's payload: an IPv4 packet must stay within 65535 bytes */
#define SEG_MAX   (PKT_MAX - IP6_HDR - TCP_HDR)
#define MAX_FLOWS 256

enum { TCP_SYN = 2, TCP_PSH = 8, TCP_ACK = 16 };

/* A reconstructed TCP connection: a is the side that sent first (the client). */
typedef struct flow {
    wire_addr a, b;
    uint32_t seq_a, seq_b; /* next sequence number each side sends */
    uint64_t last_used;
} flow;

struct pcap_writer {
    pthread_mutex_t mu;
    FILE *f;
    int err; /* first errno of a failed write */
    uint16_t ip_id;
    uint64_t clock; /* event counter, for the least recently used flow */
    flow flows[MAX_FLOWS];
    size_t nflows;
    uint8_t pkt[PKT_MAX];
};

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (; n > 1; p += 2, n -= 2)
        acc += (uint32_t)p[0] << 8 | p[1];
    if (n)
        acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* The file is written in the host's byte order, which the magic number tells readers. */
static void put_file(pcap_writer *w, const void *p, size_t n)
{
    if (!w->err && fwrite(p, 1, n, w->f) != n)
        w->err = errno ? errno : EIO;
}

int pcap_writer_open(const char *path, pcap_writer **out)
{
    *out = NULL;
    pcap_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    w->f = fopen(path, "wb");
    if (!w->f) {
        int e = errno;
        free(w);
        errno = e;
        return -1;
    }
    pthread_mutex_init(&w->mu, NULL);
    struct {
        uint32_t magic;
        uint16_t major, minor;
        int32_t zone;
        uint32_t sigfigs, snaplen, linktype;
    } hdr = {0xa1b2c3d4, 2, 4, 0, 0, PKT_MAX, LINKTYPE_RAW};
    put_file(w, &hdr, sizeof(hdr));
    fflush(w->f);
    *out = w;
    return 0;
}

/* Writes one IP packet carrying a UDP datagram (tcp == NULL) or a TCP segment. */
static void put_packet(pcap_writer *w, uint64_t time_us, const wire_addr *src, const wire_addr *dst,
                       const uint32_t *tcp, unsigned flags, const char *data, size_t len)
{
    int v6 = src->family == 6 || dst->family == 6;
    size_t iph = v6 ? IP6_HDR : IP4_HDR, l4h = tcp ? TCP_HDR : UDP_HDR;
    if (len > PKT_MAX - iph - l4h)
        len = PKT_MAX - iph - l4h; /* a UDP message that large cannot exist on the wire */
    size_t l4len = l4h + len, total = iph + l4len;
    uint8_t *p = w->pkt, *l4 = p + iph;
    memset(p, 0, iph + l4h);
    int proto = tcp ? 6 : 17;
    size_t alen = v6 ? 16 : 4;
    if (v6) {
        p[0] = 0x60;
        put16(p + 4, (unsigned)l4len);
        p[6] = (uint8_t)proto;
        p[7] = 64;
    } else {
        p[0] = 0x45;
        put16(p + 2, (unsigned)total);
        put16(p + 4, w->ip_id++);
        p[6] = 0x40; /* don't fragment */
        p[8] = 64;
        p[9] = (uint8_t)proto;
    }
    memcpy(p + (v6 ? 8 : 12), src->ip, alen);
    memcpy(p + (v6 ? 24 : 16), dst->ip, alen);
    if (!v6)
        put16(p + 10, fold(sum16(0, p, IP4_HDR)));
    put16(l4, src->port);
    put16(l4 + 2, dst->port);
    if (tcp) {
        put32(l4 + 4, tcp[0]);
        put32(l4 + 8, tcp[1]);
        l4[12] = (TCP_HDR / 4) << 4;
        l4[13] = (uint8_t)flags;
        put16(l4 + 14, 65535);
    } else {
        put16(l4 + 4, (unsigned)l4len);
    }
    if (len)
        memcpy(l4 + l4h, data, len);
    /* checksum over the pseudo-header, the transport header and the payload */
    uint32_t acc = sum16(0, p + (v6 ? 8 : 12), 2 * alen);
    acc += (uint32_t)proto + (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
    uint16_t sum = fold(sum16(acc, l4, l4len));
    put16(l4 + (tcp ? 16 : 6), !tcp && !sum ? 0xffff : sum);

    uint32_t rec[4] = {(uint32_t)(time_us / 1000000), (uint32_t)(time_us % 1000000),
                       (uint32_t)total, (uint32_t)total};
    put_file(w, rec, sizeof(rec));
    put_file(w, p, total);
}

/* The connection between x and y (either direction), created with a handshake when new; x is
 * the side sending now. Vague addresses match the connection already seen with the peer. */
static flow *find_flow(pcap_writer *w, uint64_t time_us, const wire_addr *x, const wire_addr *y)
{
    flow *lru = &w->flows[0];
    for (size_t i = 0; i < w->nflows; i++) {
        flow *f = &w->flows[i];
        if ((wire_addr_match(&f->a, x) && wire_addr_match(&f->b, y)) ||
            (wire_addr_match(&f->a, y) && wire_addr_match(&f->b, x))) {
            f->last_used = ++w->clock;
            return f;
        }
        if (f->last_used < lru->last_used)
            lru = f;
    }
    flow *f = w->nflows < MAX_FLOWS ? &w->flows[w->nflows++] : lru;
    /* initial sequence numbers differ per connection, as on a real host */
    uint32_t isn = 0x10000u * (uint32_t)(w->clock + 1);
    *f = (flow){*x, *y, isn, isn + 0x8000u, ++w->clock};
    uint32_t syn[2] = {f->seq_a, 0}, synack[2] = {f->seq_b, f->seq_a + 1};
    put_packet(w, time_us, &f->a, &f->b, syn, TCP_SYN, NULL, 0);
    put_packet(w, time_us, &f->b, &f->a, synack, TCP_SYN | TCP_ACK, NULL, 0);
    f->seq_a++;
    f->seq_b++;
    uint32_t ack[2] = {f->seq_a, f->seq_b};
    put_packet(w, time_us, &f->a, &f->b, ack, TCP_ACK, NULL, 0);
    return f;
}

static void put_stream(pcap_writer *w, const parley_trace_event *ev, const wire_addr *src,
                       const wire_addr *dst)
{
    flow *f = find_flow(w, ev->time_us, src, dst);
    int from_a = wire_addr_match(&f->a, src) && wire_addr_match(&f->b, dst);
    /* a vague address is replaced by the connection's: one address pair per stream */
    const wire_addr *s = from_a ? &f->a : &f->b, *d = from_a ? &f->b : &f->a;
    uint32_t *seq = from_a ? &f->seq_a : &f->seq_b, *peer = from_a ? &f->seq_b : &f->seq_a;
    size_t off = 0;
    do {
        size_t n = ev->len - off < SEG_MAX ? ev->len - off : SEG_MAX;
        uint32_t hdr[2] = {*seq, *peer};
        put_packet(w, ev->time_us, s, d, hdr, TCP_PSH | TCP_ACK, ev->data + off, n);
        *seq += (uint32_t)n;
        off += n;
    } while (off < ev->len);
}

void pcap_writer_event(pcap_writer *w, const parley_trace_event *ev)
{
    wire_addr local, remote;
    wire_addr_parse(ev->local, &local);
    wire_addr_parse(ev->remote, &remote);
    /* an unreadable address keeps the other's family, with a zero address */
    if (!local.family)
        local.family = remote.family ? remote.family : 4;
    if (!remote.family)
        remote.family = local.family;
    const wire_addr *src = ev->sent ? &local : &remote, *dst = ev->sent ? &remote : &local;
    pthread_mutex_lock(&w->mu);
    if (!w->err) {
        if (!strcmp(ev->transport, "UDP"))
            put_packet(w, ev->time_us, src, dst, NULL, 0, ev->data, ev->len);
        else
            put_stream(w, ev, src, dst);
        if (!w->err && fflush(w->f) != 0)
            w->err = errno ? errno : EIO;
    }
    pthread_mutex_unlock(&w->mu);
}

int pcap_writer_close(pcap_writer *w)
{
    if (!w)
        return 0;
    int err = w->err;
    if (fclose(w->f) != 0 && !err)
        err = errno ? errno : EIO;
    pthread_mutex_destroy(&w->mu);
    free(w);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}
