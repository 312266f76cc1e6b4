/* Internal to the SDP parser: the state of the fill pass and the per-line parsers. */
#ifndef SDP_PARSE_INT_H
#define SDP_PARSE_INT_H

#include "parley/error.h"
#include "sdp/sdp.h"

#define SDP_NO_FMT 0xffffu

typedef struct sdp_pstate {
    parley_sdp *s;
    parley_sdp_media *m; /* the media description being filled, NULL at session level */
    const char *base;    /* start of the text, for error offsets */
    parley_parse_error *err;
    const parley_sdp_limits *lim;
    /* pools carved from the arena, filled in text order */
    parley_sdp_media *media;
    parley_sdp_format *fmts;
    parley_sdp_attr *attrs;
    parley_sdp_bw *bw;
    parley_sdp_conn *conns;
    parley_sdp_time *times;
    pl_str *reps, *emails, *phones, *others; /* r= values, e=, p=, unknown lines */
    size_t nfmts, nattrs, nbw, nconns, nreps, nothers;
    /* singletons seen at the current level (bit per line type letter) */
    uint32_t seen_session, seen_media;
    bool m_rtp;             /* the current media carries RTP */
    uint16_t pt_index[128]; /* RTP payload type -> index in m->fmts, SDP_NO_FMT when absent */
} sdp_pstate;

/* Records a parse fault and returns its code. */
int sdp_fail(sdp_pstate *st, int code, const char *at, const char *what, const char *reason);

/* Next field of a line: fields are separated by runs of SP or HT (tolerance: one SP in the
 * grammar). Returns an empty slice at the end of the line. */
static inline pl_str sdp_field(const char **p, const char *e)
{
    const char *s = *p;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    const char *q = s;
    while (q < e && *q != ' ' && *q != '\t')
        q++;
    *p = q;
    return pl_str_span(s, q);
}

/* Per-line parsers (parse_line.c): value is the text after "x=". Return 0 or a fault code. */
int sdp_parse_origin(sdp_pstate *st, pl_str value);
int sdp_parse_conn(sdp_pstate *st, pl_str value, parley_sdp_conn *c);
int sdp_parse_media(sdp_pstate *st, pl_str value, parley_sdp_media *m);
int sdp_parse_bw(sdp_pstate *st, pl_str value, parley_sdp_bw *b);
int sdp_parse_time(sdp_pstate *st, pl_str value, parley_sdp_time *t);
int sdp_parse_repeat(sdp_pstate *st, pl_str value);
int sdp_parse_zone(sdp_pstate *st, pl_str value);
/* parse_attr.c: an a= line into the current level. */
int sdp_parse_attr(sdp_pstate *st, pl_str value, parley_sdp_attr *a);

#endif
