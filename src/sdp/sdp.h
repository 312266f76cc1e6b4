/*
 * SDP internals. A parsed description (sdp_doc) is one allocation: the public parley_sdp, the
 * copy of the text and the arrays the text needs, sized exactly, so every slice points into the
 * block and parley_sdp_free() is one free.
 */
#ifndef SDP_SDP_H
#define SDP_SDP_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/str.h"
#include "parley/sdp.h"

typedef struct sdp_doc {
    parley_sdp pub; /* first: a parley_sdp * is an sdp_doc * */
    pl_str data;    /* the copy of the text */
} sdp_doc;

static inline sdp_doc *sdp_doc_of(const parley_sdp *s)
{
    return (sdp_doc *)(uintptr_t)s;
}

extern const parley_sdp_limits sdp_default_limits;

/* parse.c: see parley_sdp_parse(). */
int sdp_doc_parse(const char *text, size_t len, const parley_sdp_limits *lim, parley_sdp **out,
                  parley_parse_error *err);
/* The same without the one-pass reading of the usual form (parse_fast.c): what the tests compare
 * that reading with. */
int sdp_doc_parse_general(const char *text, size_t len, const parley_sdp_limits *lim,
                          parley_sdp **out, parley_parse_error *err);

/*
 * The lines of a description as pass 1 of the parser finds them (or as a writer that knows what
 * it wrote records them): how many of each kind, and the bounds of the non-empty lines, trailing
 * blanks dropped.
 */
#define SDP_LINE_CACHE 256
enum {
    SDP_N_MEDIA,
    SDP_N_ATTRS,
    SDP_N_BW,
    SDP_N_CONNS,
    SDP_N_TIMES,
    SDP_N_REPS,
    SDP_N_EMAILS,
    SDP_N_PHONES,
    SDP_N_OTHERS,
    SDP_N_NONE, /* v o s i u z k: no array entry */
};
typedef struct sdp_lines {
    size_t n[SDP_N_NONE + 1];
    size_t fmts;                      /* formats on all m= lines */
    uint32_t line[SDP_LINE_CACHE][2]; /* [start, end) offsets of the first non-empty lines */
    unsigned nlines;                  /* non-empty lines */
} sdp_lines;
/* SDP_N_* of each line type letter 'a'..'z'. */
extern const uint8_t sdp_type_slot[26];
/* Fields of [p, e), separated by runs of SP/HT. */
unsigned sdp_count_fields(const char *p, const char *e);
/*
 * Makes the description of text[0..len) whose lines are already split and counted in lines
 * (nlines <= SDP_LINE_CACHE, within the default limits, every line "<type>=<value>" without CR,
 * LF or NUL): the parser's second pass alone, with the same checks and result. (parse.c)
 */
int sdp_doc_from_lines(const char *text, size_t len, const sdp_lines *lines, parley_sdp **out);

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
/* Tolerance: an IPv6 literal written in brackets as in a SIP URI ("IN IP6 [::1]", as SIPp
 * writes its o=): the literal inside them; any other address as it is. */
pl_str sdp_unbracket(pl_str addrtype, pl_str addr);
/* dotted quad of decimal numbers 0-255, each of 1-3 digits */
bool sdp_is_ip4_literal(pl_str addr);
/* "IP6" for an address with a ':', else "IP4". */
pl_str sdp_addrtype_of(pl_str addr);
/* Character classes of the SDP grammar (fields.c), one bit each. */
enum {
    SDP_C_TOKEN = 1, /* token-char (RFC 4566 §9) */
    SDP_C_DIGIT = 2,
    SDP_C_HOST = 4,   /* what a host name may hold: ALPHA DIGIT "-" "." and, tolerated, "_" */
    SDP_C_ALPHA = 8,  /* ALPHA "-" "_": a host name needs one to be no IPv4 literal */
    SDP_C_BLANK = 16, /* SP HT: field separators */
};
extern const uint8_t sdp_chars[256];

static inline bool sdp_is(char c, unsigned cls)
{
    return (sdp_chars[(unsigned char)c] & cls) != 0;
}

/* 1*DIGIT no larger than max. */
bool sdp_u64_long(pl_str s, uint64_t max, uint64_t *out);
static inline bool sdp_u64(pl_str s, uint64_t max, uint64_t *out)
{
    if (s.len == 0 || s.len >= 19) /* 19 and 20 digits may overflow: the careful path */
        return sdp_u64_long(s, max, out);
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

static inline bool sdp_is_token(pl_str s)
{
    if (!s.len)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!sdp_is(s.p[i], SDP_C_TOKEN))
            return false;
    return true;
}
/* True when s holds none of NUL, CR, LF. */
bool sdp_is_text(pl_str s);
/* Parses "sendrecv"... into a direction; UNSET when the name is none of them. */
parley_sdp_dir sdp_dir_from(pl_str name);
/* Whether proto carries RTP (RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF...). */
bool sdp_proto_is_rtp(pl_str proto);
/* proto = token *("/" token) (parse_line.c), and *rtp = sdp_proto_is_rtp(proto). */
bool sdp_proto_ok(pl_str proto, bool *rtp);

/* cfg_check.c: configs. The field checks of parley_sdp_build() before it writes anything. */
bool sdp_cfg_fields_ok(const parley_sdp_cfg *cfg);
/* 0 when parley_sdp_build(cfg) would succeed, else PARLEY_E_INVAL (PARLEY_E_NOMEM when a
 * stream with attribute lines and more than 64 formats finds no memory to check them).
 * *strings (may be NULL) receives the bytes of cfg's strings, each NUL-terminated: user, name,
 * addr, attributes, and of each stream media, proto, addr, formats (without codecs),
 * attributes, codec names and fmtp; those set. */
int sdp_cfg_check(const parley_sdp_cfg *cfg, size_t *strings);
/* Not empty, no byte <= SP, no DEL. */
bool sdp_cfg_is_word(const char *s);
/* An address for "IN IP4" / "IN IP6" (the type its ':' gives): literal or host name. */
bool sdp_cfg_addr_ok(pl_str addr);
/* Decimal digits of v. */
size_t sdp_u64_len_long(uint64_t v);
static inline size_t sdp_u64_len(uint64_t v)
{
    return v < 10       ? 1
           : v < 100    ? 2
           : v < 1000   ? 3
           : v < 10000  ? 4
           : v < 100000 ? 5
                        : sdp_u64_len_long(v);
}
/* Writes v in decimal to out (at least 20 bytes, not NUL-terminated); returns the length. */
size_t sdp_u64_str(char *out, uint64_t v);

/* codec.c: RFC 3551 static payload types. */
typedef struct sdp_static_pt {
    pl_str name;
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
