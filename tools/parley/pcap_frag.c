/*
 * IP fragments put back together for `parley ladder` (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for
 * IPv6). A SIP message over UDP larger than the path's MTU (an INVITE with a long SDP, common
 * from softphones although RFC 3261 §18.1.1 asks for TCP) is captured as several packets; left
 * out, the ladder would miss the message. Memory is bounded: a few datagrams at once, each at
 * most 64 KiB, the oldest given up when a new one starts.
 */
#include <stdlib.h>
#include <string.h>

#include "pcap_read.h"

#define FRAG_SLOTS  8
#define FRAG_MAX    65535u             /* an IP datagram's payload never exceeds it */
#define FRAG_BLOCKS (FRAG_MAX / 8 + 1) /* offsets count in 8-byte blocks */

typedef struct frag_slot {
    bool used;
    int family;
    uint8_t src[16], dst[16];
    uint32_t id;
    int proto;
    size_t total;  /* the datagram's length, known once its last fragment came (0 before) */
    size_t blocks; /* 8-byte blocks received so far, each counted once */
    uint64_t born; /* for giving up the oldest */
    uint8_t data[FRAG_MAX];
    uint8_t seen[FRAG_BLOCKS / 8 + 1];
} frag_slot;

struct pcap_frag {
    uint64_t clock;
    frag_slot *slot[FRAG_SLOTS];
};

pcap_frag *pcap_frag_new(void)
{
    return calloc(1, sizeof(pcap_frag));
}

void pcap_frag_free(pcap_frag *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < FRAG_SLOTS; i++)
        free(f->slot[i]);
    free(f);
}

static bool same(const frag_slot *s, const pcap_frag_key *k)
{
    size_t n = k->family == 4 ? 4 : 16;
    return s->used && s->family == k->family && s->id == k->id && s->proto == k->proto &&
           !memcmp(s->src, k->src, n) && !memcmp(s->dst, k->dst, n);
}

/* The slot of k's datagram, a fresh one (a free slot, or the oldest given up), or NULL. */
static frag_slot *slot_for(pcap_frag *f, const pcap_frag_key *k)
{
    for (size_t i = 0; i < FRAG_SLOTS; i++)
        if (f->slot[i] && same(f->slot[i], k))
            return f->slot[i];
    size_t pick = 0;
    for (size_t i = 0; i < FRAG_SLOTS; i++) {
        const frag_slot *s = f->slot[i];
        if (!s || !s->used) {
            pick = i;
            break;
        }
        if (s->born < f->slot[pick]->born)
            pick = i;
    }
    frag_slot *s = f->slot[pick];
    if (!s) {
        s = malloc(sizeof(*s));
        if (!s)
            return NULL;
        f->slot[pick] = s;
    }
    s->used = true;
    s->family = k->family;
    memcpy(s->src, k->src, sizeof(s->src));
    memcpy(s->dst, k->dst, sizeof(s->dst));
    s->id = k->id;
    s->proto = k->proto;
    s->total = 0;
    s->blocks = 0;
    s->born = ++f->clock;
    memset(s->seen, 0, sizeof(s->seen));
    return s;
}

int pcap_frag_add(pcap_frag *f, const pcap_frag_key *k, size_t offset, bool more, const uint8_t *p,
                  size_t len, const uint8_t **out, size_t *outlen)
{
    /* every fragment but the last carries a multiple of 8 bytes; none reaches past 64 KiB */
    if (!f || offset > FRAG_MAX || len > FRAG_MAX - offset || (more && (len == 0 || len % 8)))
        return 0;
    frag_slot *s = slot_for(f, k);
    if (!s)
        return 0;
    size_t end = offset + len;
    if (!more) {
        if (s->total && s->total != end) {
            s->used = false; /* two different ends: a damaged datagram */
            return 0;
        }
        s->total = end;
    }
    if (s->total && end > s->total) {
        s->used = false;
        return 0;
    }
    memcpy(s->data + offset, p, len);
    for (size_t b = offset / 8; b < (end + 7) / 8; b++) {
        if (!(s->seen[b / 8] & (1u << (b % 8)))) {
            s->seen[b / 8] |= (uint8_t)(1u << (b % 8));
            s->blocks++;
        }
    }
    if (!s->total || s->blocks != (s->total + 7) / 8)
        return 0;
    s->used = false; /* complete: the data stays readable until the slot is taken again */
    *out = s->data;
    *outlen = s->total;
    return 1;
}
