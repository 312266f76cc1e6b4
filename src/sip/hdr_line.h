/*
 * Header names as the header splitter meets them: at the start of a line, right before the
 * colon. Each known name of at most 15 characters is kept as two 8-byte words in lower case,
 * with the bits that fold an input's letters to lower case and the mask of its length; a name is
 * found by (length, first and last letter), then compared whole, in a few word operations
 * instead of a pass over its characters. The tables are filled with hdr.c's others, before
 * main(), and read-only afterwards.
 */
#ifndef SIP_HDR_LINE_H
#define SIP_HDR_LINE_H

#include <string.h>

#include "sip/msg.h"

enum { SIP_LINE_SLOTS = 128, SIP_LINE_MAX = 15 };

typedef struct sip_line_name {
    uint64_t word[2], fold[2], mask[2];
    uint8_t len;
} sip_line_name;

extern sip_line_name sip_line_names[SIP_H_COUNT]; /* by id */
extern uint8_t sip_line_slots[SIP_LINE_SLOTS];    /* ids by sip_line_hash, 0 ends a probe */
extern uint8_t sip_compact_ids[128];              /* ids by compact form, either case */

static inline unsigned sip_line_hash(size_t len, char first, char last)
{
    return ((unsigned char)(first | 0x20) * 11u + (unsigned char)(last | 0x20) * 33u +
            (unsigned)len) %
           SIP_LINE_SLOTS;
}

/*
 * The id of the name p[0..len-1] (len >= 1) when it is a known name, long or compact form, any
 * case; SIP_H_OTHER otherwise (sip_hdr_lookup then tells). p must have 16 readable bytes.
 */
static inline sip_hdr_id sip_hdr_lookup_line(const char *p, size_t len)
{
    if (len == 1)
        return (unsigned char)p[0] < 128 ? (sip_hdr_id)sip_compact_ids[(unsigned char)p[0]]
                                         : SIP_H_OTHER;
    if (len > SIP_LINE_MAX)
        return SIP_H_OTHER;
    uint64_t w[2];
    memcpy(w, p, 16);
    for (unsigned h = sip_line_hash(len, p[0], p[len - 1]); sip_line_slots[h];
         h = (h + 1) % SIP_LINE_SLOTS) {
        const sip_line_name *e = &sip_line_names[sip_line_slots[h]];
        if (e->len == len && ((w[0] | e->fold[0]) & e->mask[0]) == e->word[0] &&
            ((w[1] | e->fold[1]) & e->mask[1]) == e->word[1])
            return (sip_hdr_id)sip_line_slots[h];
    }
    return SIP_H_OTHER;
}

#endif
