/*
 * SDP internals. A parsed description (sdp_doc) is one allocation: the public parley_sdp, the
 * copy of the text and an arena sized exactly for the arrays the text needs, so every slice
 * points into the block and parley_sdp_free() is one free.
 */
#ifndef SDP_SDP_H
#define SDP_SDP_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "parley/sdp.h"

typedef struct sdp_doc {
    parley_sdp pub; /* first: a parley_sdp * is an sdp_doc * */
    pl_arena arena;
    pl_str data; /* the copy of the text */
} sdp_doc;

static inline sdp_doc *sdp_doc_of(const parley_sdp *s)
{
    return (sdp_doc *)(uintptr_t)s;
}

extern const parley_sdp_limits sdp_default_limits;

/* parse.c: see parley_sdp_parse(). */
int sdp_doc_parse(const char *text, size_t len, const parley_sdp_limits *lim, parley_sdp **out,
                  parley_parse_error *err);

/* print.c: appends the description's text to b. */
void sdp_doc_print(pl_buf *b, const parley_sdp *s);

/* equal.c: field-by-field equality; SDP_EQ_IGNORE_VERSION skips the o= version. */
enum { SDP_EQ_IGNORE_VERSION = 1 };
bool sdp_equal(const parley_sdp *a, const parley_sdp *b, unsigned flags);
bool sdp_media_equal(const parley_sdp_media *a, const parley_sdp_media *b);
bool sdp_format_equal(const parley_sdp_format *a, const parley_sdp_format *b);

/* fields.c: value checks shared by the parser and the builders. */
/* Validates nettype/addrtype/address; returns the PARLEY_SDP_ADDR_* family or -1. */
int sdp_check_addr(pl_str nettype, pl_str addrtype, pl_str addr);
/* "IP6" for an address with a ':', else "IP4". */
pl_str sdp_addrtype_of(pl_str addr);
/* 1*DIGIT no larger than max. */
bool sdp_u64(pl_str s, uint64_t max, uint64_t *out);
extern const uint8_t sdp_token_chars[256];
bool sdp_is_token(pl_str s);
/* True when s holds none of NUL, CR, LF. */
bool sdp_is_text(pl_str s);
/* Parses "sendrecv"... into a direction; UNSET when the name is none of them. */
parley_sdp_dir sdp_dir_from(pl_str name);
/* Whether proto carries RTP (RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF...). */
bool sdp_proto_is_rtp(pl_str proto);

/* codec.c: RFC 3551 static payload types. */
typedef struct sdp_static_pt {
    const char *name;
    uint32_t rate;
    unsigned channels;
    bool video;
} sdp_static_pt;
/* The static entry of pt, or NULL (dynamic or unassigned). */
const sdp_static_pt *sdp_static(int pt);
/* Same codec: encoding name (case-insensitive), clock rate, channels (0 counts as 1). */
bool sdp_codec_match(pl_str enc1, uint32_t rate1, unsigned ch1, pl_str enc2, uint32_t rate2,
                     unsigned ch2);
/* telephone-event, CN, RED, FEC and RTX formats: they carry no media of their own. */
bool sdp_codec_is_aux(pl_str enc);

/* write.c: line writers shared by parley_sdp_build() and the negotiator. */
/* v=, o= (with origin address oaddr), s=, the session c= (addr), t=0 0 */
void sdp_w_head(pl_buf *b, pl_str user, uint64_t id, uint64_t ver, pl_str oaddr, pl_str addr,
                pl_str name);
void sdp_w_mline(pl_buf *b, pl_str media, uint16_t port, pl_str proto);
void sdp_w_fmt(pl_buf *b, pl_str fmt); /* " fmt" on the m= line */
void sdp_w_conn(pl_buf *b, pl_str addr);
void sdp_w_rtpmap(pl_buf *b, pl_str fmt, pl_str name, uint32_t rate, pl_str params);
void sdp_w_fmtp(pl_buf *b, pl_str fmt, pl_str params);
void sdp_w_attr(pl_buf *b, pl_str name, pl_str value); /* value.p NULL: property */
void sdp_w_attr_line(pl_buf *b, pl_str line);          /* "name" or "name:value" */
void sdp_w_eol(pl_buf *b);
/* Parses built text; a failure means the caller gave values that cannot be written. */
int sdp_parse_built(const pl_buf *b, parley_sdp **out);

#endif
