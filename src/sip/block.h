/*
 * Searches over 16-byte blocks for the parser's hot loops: the bytes that end or break a line
 * (CR, LF, NUL) and single characters. SSE2 (always there on x86-64) when the compiler offers
 * it, a plain loop elsewhere; both read exactly the 16 bytes at p, so a caller must have 16
 * readable bytes there. Bit i of a mask stands for p[i].
 */
#ifndef SIP_BLOCK_H
#define SIP_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>

static inline __m128i sip_block_load(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* The positions of c in p[0..15]. */
static inline unsigned sip_block_eq(const char *p, char c)
{
    __m128i v = sip_block_load(p);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* The positions of the bytes 0x00..0x0d in p[0..15], NUL, LF and CR among them: two operations
 * where three compares take five (HT and the other controls are rare in a header). */
static inline unsigned sip_block_low(const char *p)
{
    __m128i v = sip_block_load(p);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x0d)), v));
}

#else

static inline unsigned sip_block_eq(const char *p, char c)
{
    unsigned m = 0;
    for (unsigned i = 0; i < 16; i++)
        m |= (unsigned)(p[i] == c) << i;
    return m;
}

static inline unsigned sip_block_low(const char *p)
{
    unsigned m = 0;
    for (unsigned i = 0; i < 16; i++)
        m |= (unsigned)((unsigned char)p[i] <= 0x0d) << i;
    return m;
}

#endif

/*
 * The first byte 0x00..0x0d in p..end, or end. lo..end must be readable, lo <= p: the last block
 * is read so that it ends at end (overlapping bytes already searched) rather than past it.
 */
static inline const char *sip_find_low(const char *lo, const char *p, const char *end)
{
    while (end - p >= 16) {
        unsigned m = sip_block_low(p);
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
    if (p == end)
        return end;
    if (end - lo >= 16) {
        /* bytes before p are shifted out */
        unsigned m = sip_block_low(end - 16) >> (16 - (end - p));
        return m ? p + __builtin_ctz(m) : end;
    }
    while (p < end && (unsigned char)*p > 0x0d)
        p++;
    return p;
}

/* The first CR, LF or NUL in p..end, or end (lo as for sip_find_low). */
static inline const char *sip_find_ctl(const char *lo, const char *p, const char *end)
{
    for (;;) {
        p = sip_find_low(lo, p, end);
        if (p == end || *p == '\r' || *p == '\n' || *p == '\0')
            return p;
        p++;
    }
}

#endif
