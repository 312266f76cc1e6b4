/* Link layers, IP and the transport headers of captured frames (see pcap_read.h). */
#include <string.h>

#include "pcap_read.h"

enum {
    LT_NULL = 0,     /* BSD loopback: address family in host byte order */
    LT_ETHER = 1,    /* Ethernet II (what tshark -i lo records on Linux) */
    LT_RAW_OLD = 12, /* raw IP, as some systems write it */
    LT_RAW_OLD2 = 14,
    LT_RAW = 101,
    LT_LOOP = 108, /* OpenBSD loopback: family in network byte order */
    LT_SLL = 113,  /* Linux cooked capture (tcpdump -i any) */
    LT_IPV4 = 228,
    LT_IPV6 = 229,
    LT_SLL2 = 276,
};

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)be16(p) << 16 | be16(p + 2);
}

void pcap_decode_emit(pcap_decoder *d, const char *transport, const wire_addr *src,
                      const wire_addr *dst, uint64_t time_us, const uint8_t *p, size_t len)
{
    char s[64], t[64];
    parley_trace_event ev = {1,
                             transport,
                             wire_addr_str(src, s, sizeof(s)),
                             wire_addr_str(dst, t, sizeof(t)),
                             (const char *)p,
                             len,
                             time_us};
    d->cb(d->user, &ev);
}

static void transport(pcap_decoder *d, int proto, wire_addr *src, wire_addr *dst, uint64_t time_us,
                      const uint8_t *p, size_t len)
{
    if (proto == 17 && len >= 8) {
        size_t ulen = be16(p + 4);
        if (ulen >= 8 && ulen < len)
            len = ulen; /* Ethernet padding after the datagram */
        src->port = (uint16_t)be16(p);
        dst->port = (uint16_t)be16(p + 2);
        pcap_decode_emit(d, "UDP", src, dst, time_us, p + 8, len - 8);
    } else if (proto == 6 && len >= 20) {
        size_t off = (size_t)(p[12] >> 4) * 4;
        if (off < 20 || off > len)
            return;
        src->port = (uint16_t)be16(p);
        dst->port = (uint16_t)be16(p + 2);
        pcap_tcp_segment(d, src, dst, be32(p + 4), p[13], time_us, p + off, len - off);
    }
}

static void ipv4(pcap_decoder *d, uint64_t time_us, const uint8_t *p, size_t len)
{
    if (len < 20 || (p[0] >> 4) != 4)
        return;
    size_t ihl = (size_t)(p[0] & 15) * 4, total = be16(p + 2);
    if (ihl < 20 || total < ihl || total > len)
        return; /* a frame cut by the snapshot length, or damaged */
    wire_addr src = {4, {0}, 0}, dst = {4, {0}, 0};
    memcpy(src.ip, p + 12, 4);
    memcpy(dst.ip, p + 16, 4);
    unsigned frag = be16(p + 6);
    if ((frag & 0x3fff) != 0) { /* more fragments (MF), or not the first (an offset) */
        pcap_frag_key k = {4, {0}, {0}, be16(p + 4), p[9]};
        memcpy(k.src, p + 12, 4);
        memcpy(k.dst, p + 16, 4);
        const uint8_t *whole;
        size_t n;
        if (pcap_frag_add(d->frag, &k, (size_t)(frag & 0x1fff) * 8, frag & 0x2000, p + ihl,
                          total - ihl, &whole, &n))
            transport(d, p[9], &src, &dst, time_us, whole, n);
        return;
    }
    transport(d, p[9], &src, &dst, time_us, p + ihl, total - ihl);
}

static void ipv6(pcap_decoder *d, uint64_t time_us, const uint8_t *p, size_t len)
{
    if (len < 40 || (p[0] >> 4) != 6)
        return;
    size_t plen = be16(p + 4);
    if (40 + plen > len)
        return;
    wire_addr src = {6, {0}, 0}, dst = {6, {0}, 0};
    memcpy(src.ip, p + 8, 16);
    memcpy(dst.ip, p + 24, 16);
    int next = p[6];
    const uint8_t *q = p + 40;
    size_t left = plen;
    /* hop-by-hop, routing and destination options headers come before the transport */
    for (int hops = 0; (next == 0 || next == 43 || next == 60) && hops < 8; hops++) {
        if (left < 8)
            return;
        size_t n = ((size_t)q[1] + 1) * 8;
        if (n > left)
            return;
        next = q[0];
        q += n;
        left -= n;
    }
    if (next == 44) { /* a fragment header: offset, M flag and id; the datagram follows */
        if (left < 8)
            return;
        unsigned off = be16(q + 2);
        pcap_frag_key k = {6, {0}, {0}, be32(q + 4), q[0]};
        memcpy(k.src, p + 8, 16);
        memcpy(k.dst, p + 24, 16);
        const uint8_t *whole;
        size_t n;
        if (pcap_frag_add(d->frag, &k, (size_t)(off >> 3) * 8, off & 1, q + 8, left - 8, &whole,
                          &n))
            transport(d, k.proto, &src, &dst, time_us, whole, n);
        return;
    }
    transport(d, next, &src, &dst, time_us, q, left);
}

static void ip(pcap_decoder *d, uint64_t time_us, const uint8_t *p, size_t len)
{
    if (len && (p[0] >> 4) == 4)
        ipv4(d, time_us, p, len);
    else if (len && (p[0] >> 4) == 6)
        ipv6(d, time_us, p, len);
}

/* An EtherType's payload. */
static void ethertype(pcap_decoder *d, unsigned type, uint64_t time_us, const uint8_t *p,
                      size_t len)
{
    if (type == 0x0800)
        ipv4(d, time_us, p, len);
    else if (type == 0x86dd)
        ipv6(d, time_us, p, len);
}

void pcap_decode_frame(pcap_decoder *d, uint32_t linktype, uint64_t time_us, const uint8_t *p,
                       size_t len)
{
    switch (linktype) {
    case LT_ETHER: {
        if (len < 14)
            return;
        size_t off = 12;
        unsigned type = be16(p + off);
        while ((type == 0x8100 || type == 0x88a8) && off + 6 <= len) { /* VLAN tags */
            off += 4;
            type = be16(p + off);
        }
        if (off + 2 <= len)
            ethertype(d, type, time_us, p + off + 2, len - off - 2);
        return;
    }
    case LT_SLL:
        if (len >= 16)
            ethertype(d, be16(p + 14), time_us, p + 16, len - 16);
        return;
    case LT_SLL2:
        if (len >= 20)
            ethertype(d, be16(p), time_us, p + 20, len - 20);
        return;
    case LT_RAW:
    case LT_RAW_OLD:
    case LT_RAW_OLD2:
        ip(d, time_us, p, len);
        return;
    case LT_IPV4:
        ipv4(d, time_us, p, len);
        return;
    case LT_IPV6:
        ipv6(d, time_us, p, len);
        return;
    case LT_NULL:
    case LT_LOOP:
        /* the family value differs between systems (2 for IPv4; 10, 24, 28, 30 for IPv6):
         * the IP version nibble tells */
        if (len >= 4)
            ip(d, time_us, p + 4, len - 4);
        return;
    default:
        d->skipped++;
    }
}
