/* RTP payload formats: the RFC 3551 static table and codec identity. */
#include "sdp/sdp.h"

/* RFC 3551 §6 (and 1016 / G721 from RFC 1890, still met in old offers and RFC 3264 §9). */
static const sdp_static_pt static_pts[35] = {
    [0] = {"PCMU", 8000, 1, false},   [1] = {"1016", 8000, 1, false},
    [2] = {"G721", 8000, 1, false},   [3] = {"GSM", 8000, 1, false},
    [4] = {"G723", 8000, 1, false},   [5] = {"DVI4", 8000, 1, false},
    [6] = {"DVI4", 16000, 1, false},  [7] = {"LPC", 8000, 1, false},
    [8] = {"PCMA", 8000, 1, false},   [9] = {"G722", 8000, 1, false},
    [10] = {"L16", 44100, 2, false},  [11] = {"L16", 44100, 1, false},
    [12] = {"QCELP", 8000, 1, false}, [13] = {"CN", 8000, 1, false},
    [14] = {"MPA", 90000, 0, false},  [15] = {"G728", 8000, 1, false},
    [16] = {"DVI4", 11025, 1, false}, [17] = {"DVI4", 22050, 1, false},
    [18] = {"G729", 8000, 1, false},  [25] = {"CelB", 90000, 0, true},
    [26] = {"JPEG", 90000, 0, true},  [28] = {"nv", 90000, 0, true},
    [31] = {"H261", 90000, 0, true},  [32] = {"MPV", 90000, 0, true},
    [33] = {"MP2T", 90000, 0, true},  [34] = {"H263", 90000, 0, true},
};

const sdp_static_pt *sdp_static(int pt)
{
    if (pt < 0 || pt >= (int)(sizeof(static_pts) / sizeof(static_pts[0])))
        return NULL;
    return static_pts[pt].name ? &static_pts[pt] : NULL;
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

bool sdp_codec_is_aux(pl_str enc)
{
    static const char *const aux[] = {"telephone-event", "telephone-events", "CN", "red",
                                      "ulpfec",          "flexfec",          "rtx"};
    for (size_t i = 0; i < sizeof(aux) / sizeof(aux[0]); i++)
        if (pl_str_caseeq_lit(enc, aux[i]))
            return true;
    return false;
}
