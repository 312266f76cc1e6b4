/*
 * TCP streams out of a capture: each direction of a connection is a byte stream; segments are
 * appended in sequence order (a retransmission's already-seen bytes are skipped) and complete
 * SIP messages are cut out by their Content-Length (sip_frame, the transport's own framing).
 * A gap (a segment the capture missed) or bytes that cannot be framed (not SIP) drop what was
 * buffered and start again at the next segment. Bounded: 256 directions, each buffering at
 * most twice the 64 KiB message limit.
 */
#include <stdlib.h>
#include <string.h>

#include "pcap_read.h"
#include "parley/error.h"
#include "sip/msg.h"

#define MAX_DIRS 256
#define MAX_BUF  (2 * 65536)

enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4 };

typedef struct direction {
    wire_addr src, dst;
    bool used, synced;
    uint32_t next; /* the next sequence number expected */
    uint8_t *buf;
    size_t len;
    uint64_t last; /* for the least recently used */
} direction;

struct pcap_tcp {
    direction dirs[MAX_DIRS];
    uint64_t clock;
};

pcap_tcp *pcap_tcp_new(void)
{
    return calloc(1, sizeof(pcap_tcp));
}

void pcap_tcp_free(pcap_tcp *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < MAX_DIRS; i++)
        free(t->dirs[i].buf);
    free(t);
}

static direction *find(pcap_tcp *t, const wire_addr *src, const wire_addr *dst)
{
    direction *lru = &t->dirs[0];
    for (size_t i = 0; i < MAX_DIRS; i++) {
        direction *x = &t->dirs[i];
        if (x->used && wire_addr_eq(&x->src, src) && wire_addr_eq(&x->dst, dst)) {
            x->last = ++t->clock;
            return x;
        }
        if (!x->used || (lru->used && x->last < lru->last))
            lru = x;
    }
    free(lru->buf);
    *lru = (direction){*src, *dst, true, false, 0, NULL, 0, ++t->clock};
    return lru;
}

/* Cuts the complete messages at the start of the buffer. */
static void frame(pcap_decoder *d, direction *x, uint64_t time_us)
{
    size_t at = 0;
    while (at < x->len) {
        size_t skip = 0, n = 0;
        int rc = sip_frame((const char *)x->buf + at, x->len - at, &sip_default_limits, &skip, &n);
        if (rc == PARLEY_E_INCOMPLETE) {
            at += skip;
            break;
        }
        if (rc != 0) { /* not SIP, or damaged: start again with the next segment */
            at = x->len;
            break;
        }
        pcap_decode_emit(d, "TCP", &x->src, &x->dst, time_us, x->buf + at + skip, n);
        at += skip + n;
    }
    memmove(x->buf, x->buf + at, x->len - at);
    x->len -= at;
}

void pcap_tcp_segment(pcap_decoder *d, const wire_addr *src, const wire_addr *dst, uint32_t seq,
                      unsigned flags, uint64_t time_us, const uint8_t *p, size_t len)
{
    direction *x = find(d->tcp, src, dst);
    if (flags & (TH_SYN | TH_RST)) {
        x->len = 0;
        x->synced = (flags & TH_SYN) != 0;
        x->next = seq + 1;
        return;
    }
    if (!x->synced) { /* the capture started mid-connection: take it from here */
        x->synced = true;
        x->next = seq;
    }
    int32_t ahead = (int32_t)(seq - x->next);
    if (ahead > 0) { /* bytes missing from the capture */
        x->len = 0;
        x->next = seq;
    } else if (ahead < 0) { /* a retransmission: skip what we have */
        size_t seen = (size_t) - (int64_t)ahead;
        if (seen >= len)
            return;
        p += seen;
        len -= seen;
    }
    x->next += (uint32_t)len;
    if (len) {
        if (x->len + len > MAX_BUF) {
            x->len = 0; /* no message that large: not SIP */
            return;
        }
        if (!x->buf && !(x->buf = malloc(MAX_BUF)))
            return;
        memcpy(x->buf + x->len, p, len);
        x->len += len;
        frame(d, x, time_us);
    }
    if (flags & TH_FIN)
        x->len = 0;
}
