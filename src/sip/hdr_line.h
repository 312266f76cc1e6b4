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
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sip/msg.h"

enum { SIP_LINE_SLOTS = 256, SIP_LINE_MAX = 15 };

typedef struct sip_line_name {
    uint64_t word[2], fold[2], mask[2];
    uint64_t len; /* a whole word: 64 bytes an entry, indexed by a shift */
} sip_line_name;

extern sip_line_name sip_line_names[SIP_H_COUNT];   /* by id */
extern uint8_t sip_line_slots[SIP_LINE_SLOTS];      /* ids by sip_line_hash, 0 ends a probe */
extern uint64_t sip_line_lenmask[SIP_LINE_MAX + 1]; /* the first n bytes of a word */
extern uint64_t sip_line_mult;       /* chosen before main() so that no two names share a slot */
extern uint8_t sip_compact_ids[128]; /* ids by compact form, either case */

/* The slot of a name of len bytes whose first 8 bytes (as loaded, beyond len too) are w0:
 * multiply-shift over its first 8 bytes folded with 0x20 and its length. */
static inline unsigned sip_line_hash(uint64_t w0, size_t len, uint64_t mult)
{
    uint64_t k = ((w0 | 0x2020202020202020ull) & sip_line_lenmask[len]) ^ len;
    return (unsigned)((k * mult) >> 56);
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
    uint64_t w0;
    memcpy(&w0, p, 8);
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
#else
    uint64_t w1;
    memcpy(&w1, p + 8, 8);
#endif
    for (unsigned h = sip_line_hash(w0, len, sip_line_mult); sip_line_slots[h];
         h = (h + 1) % SIP_LINE_SLOTS) {
        const sip_line_name *e = &sip_line_names[sip_line_slots[h]];
#if defined(__SSE2__)
        __m128i f = _mm_loadu_si128((const __m128i *)(const void *)e->fold);
        __m128i k = _mm_loadu_si128((const __m128i *)(const void *)e->mask);
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)e->word);
        __m128i eq = _mm_cmpeq_epi8(_mm_and_si128(_mm_or_si128(v, f), k), w);
        if (e->len == len && _mm_movemask_epi8(eq) == 0xffff)
            return (sip_hdr_id)sip_line_slots[h];
#else
        if (e->len == len && ((w0 | e->fold[0]) & e->mask[0]) == e->word[0] &&
            ((w1 | e->fold[1]) & e->mask[1]) == e->word[1])
            return (sip_hdr_id)sip_line_slots[h];
#endif
    }
    return SIP_H_OTHER;
}

#endif
