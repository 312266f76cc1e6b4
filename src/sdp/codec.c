/* RTP payload formats: the RFC 3551 static table and codec identity. */
#include "sdp/sdp.h"

/* RFC 3551 §6 (and 1016 / G721 from RFC 1890, still met in old offers and RFC 3264 §9). */
#define N(s)                                                                                       \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }
static const sdp_static_pt static_pts[35] = {
    [0] = {N("PCMU"), 8000, 1, false},   [1] = {N("1016"), 8000, 1, false},
    [2] = {N("G721"), 8000, 1, false},   [3] = {N("GSM"), 8000, 1, false},
    [4] = {N("G723"), 8000, 1, false},   [5] = {N("DVI4"), 8000, 1, false},
    [6] = {N("DVI4"), 16000, 1, false},  [7] = {N("LPC"), 8000, 1, false},
    [8] = {N("PCMA"), 8000, 1, false},   [9] = {N("G722"), 8000, 1, false},
    [10] = {N("L16"), 44100, 2, false},  [11] = {N("L16"), 44100, 1, false},
    [12] = {N("QCELP"), 8000, 1, false}, [13] = {N("CN"), 8000, 1, false},
    [14] = {N("MPA"), 90000, 0, false},  [15] = {N("G728"), 8000, 1, false},
    [16] = {N("DVI4"), 11025, 1, false}, [17] = {N("DVI4"), 22050, 1, false},
    [18] = {N("G729"), 8000, 1, false},  [25] = {N("CelB"), 90000, 0, true},
    [26] = {N("JPEG"), 90000, 0, true},  [28] = {N("nv"), 90000, 0, true},
    [31] = {N("H261"), 90000, 0, true},  [32] = {N("MPV"), 90000, 0, true},
    [33] = {N("MP2T"), 90000, 0, true},  [34] = {N("H263"), 90000, 0, true},
};
#undef N

const sdp_static_pt *sdp_static(int pt)
{
    if (pt < 0 || pt >= (int)(sizeof(static_pts) / sizeof(static_pts[0])))
        return NULL;
    return static_pts[pt].name.p ? &static_pts[pt] : NULL;
}

bool sdp_codec_match(pl_str enc1, uint32_t rate1, unsigned ch1, pl_str enc2, uint32_t rate2,
                     unsigned ch2)
{
    if (!ch1)
        ch1 = 1;
    if (!ch2)
        ch2 = 1;
    return rate1 == rate2 && ch1 == ch2 && enc1.len && pl_str_casecmp_eq(enc1, enc2);
}

/* case-insensitive, the exact case tried first */
static bool is_name(pl_str enc, const char *lit, size_t n)
{
    return memcmp(enc.p, lit, n) == 0 || pl_str_casecmp_eq(enc, pl_str_make(lit, n));
}

bool sdp_codec_is_aux(pl_str enc)
{
    /* by length first: most encodings are compared with nothing */
    switch (enc.len) {
    case 2:
        return is_name(enc, "CN", 2);
    case 3:
        return is_name(enc, "red", 3) || is_name(enc, "rtx", 3);
    case 6:
        return is_name(enc, "ulpfec", 6);
    case 7:
        return is_name(enc, "flexfec", 7);
    case 15:
        return is_name(enc, "telephone-event", 15);
    case 16:
        return is_name(enc, "telephone-events", 16);
    default:
        return false;
    }
}
