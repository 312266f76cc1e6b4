/*
 * parley: SDP (RFC 4566 / RFC 8866) descriptions and an RFC 3264 offer/answer negotiator.
 *
 * Two parts:
 *
 *  - The SDP library: parley_sdp_parse() turns text into a read-only parley_sdp whose every text
 *    field is a parley_slice into the description's own copy of the bytes (zero-copy, one
 *    allocation); parley_sdp_print() writes it back; parley_sdp_build() makes a description
 *    from a plain config (media, codecs, addresses, ports, direction); parley_sdp_bump_origin()
 *    keeps the o= line of successive offers right (RFC 3264 §8).
 *
 *  - The negotiator (parley_sdp_neg): given the local capabilities it makes offers, answers
 *    offers and checks answers, and reports what changed in a parley_sdp_changes. Each callback
 *    of the session's offer/answer contract is one call into it:
 *
 *        get_offer:  return parley_sdp_neg_offer(neg, &out->body, &out->len);
 *        get_answer: return parley_sdp_neg_answer(neg, in->body, in->len, &out->body,
 *                                                 &out->len, &changes);
 *        set_answer: parley_sdp_neg_set_answer(neg, in->body, in->len, &changes);
 *
 * Text fields are parley_slice values: not NUL-terminated; a field that is absent has p == NULL
 * (an empty but present field has p != NULL and len == 0). Nothing here is thread-safe: use one
 * description or negotiator from one thread at a time.
 */
#ifndef PARLEY_SDP_H
#define PARLEY_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "parley/msg.h"   /* parley_slice, parley_parse_error */
#include "parley/types.h" /* parley_content */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the description model (read-only for applications) ---- */

/* Media direction (RFC 3264 §5.1). UNSET means no direction attribute: sendrecv by default. */
typedef enum parley_sdp_dir {
    PARLEY_SDP_DIR_UNSET = 0,
    PARLEY_SDP_SENDRECV = 1,
    PARLEY_SDP_SENDONLY = 2,
    PARLEY_SDP_RECVONLY = 3,
    PARLEY_SDP_INACTIVE = 4,
} parley_sdp_dir;

/* Address family of a c=, o= or a=rtcp address, from its addrtype. */
enum {
    PARLEY_SDP_ADDR_OTHER = 0, /* a network or address type other than IN IP4 / IN IP6 */
    PARLEY_SDP_ADDR_IP4 = 4,
    PARLEY_SDP_ADDR_IP6 = 6,
};

typedef struct parley_sdp_origin { /* o= */
    parley_slice username;
    parley_slice sess_id; /* digits as written */
    uint64_t sess_version;
    parley_slice nettype, addrtype, address;
    int family; /* PARLEY_SDP_ADDR_* */
} parley_sdp_origin;

typedef struct parley_sdp_conn { /* c= */
    parley_slice nettype, addrtype;
    parley_slice address; /* without the /ttl and /count suffixes */
    int family;           /* PARLEY_SDP_ADDR_* */
    int ttl;              /* IPv4 multicast TTL, -1 when absent */
    unsigned count;       /* number of addresses, 0 when absent */
} parley_sdp_conn;

typedef struct parley_sdp_bw { /* b= */
    parley_slice type;         /* "AS", "CT", "TIAS"... */
    uint64_t value;
} parley_sdp_bw;

typedef struct parley_sdp_time { /* t= and its r= lines */
    uint64_t start, stop;
    const parley_slice *repeats; /* values of the r= lines, as written */
    size_t nrepeats;
} parley_sdp_time;

typedef struct parley_sdp_attr { /* a=name[:value] */
    parley_slice name;
    parley_slice value; /* p == NULL for a property attribute (no ':') */
} parley_sdp_attr;

/* One format of an m= line, with its a=rtpmap and a=fmtp when given. */
typedef struct parley_sdp_format {
    parley_slice fmt;        /* the format token as written ("0", "97", "t38", "*") */
    int pt;                  /* RTP payload type 0-127, or -1 for a non-RTP format */
    int has_rtpmap;          /* 1 when an a=rtpmap names it */
    parley_slice encoding;   /* "PCMU", "opus": from a=rtpmap, else from the RFC 3551 table for
                                static payload types, else empty */
    uint32_t rate;           /* clock rate, 0 when unknown */
    parley_slice enc_params; /* encoding parameters after the rate (p == NULL when none) */
    unsigned channels;       /* enc_params as a number (audio channels), 0 when none */
    parley_slice fmtp;       /* a=fmtp parameters (p == NULL when none) */
} parley_sdp_format;

typedef struct parley_sdp_media { /* m= and its lines */
    parley_slice media;           /* "audio", "video", "application"... */
    uint16_t port;                /* 0: the stream is rejected or removed */
    unsigned nports;              /* m=<port>/<number of ports>, 0 when absent */
    parley_slice proto;           /* "RTP/AVP", "RTP/SAVPF", "udptl"... */
    const parley_sdp_format *fmts;
    size_t nfmts;
    parley_slice info;            /* i= */
    const parley_sdp_conn *conns; /* c= lines of this media (empty: the session's applies) */
    size_t nconns;
    const parley_sdp_bw *bw;
    size_t nbw;
    parley_slice key;             /* k= */
    const parley_sdp_attr *attrs; /* every a= line, in order, known ones included */
    size_t nattrs;
    const parley_slice *others; /* lines of unknown types ("y=..."), whole, in order */
    size_t nothers;
    /* typed views of well-known attributes */
    parley_sdp_dir dir;       /* effective: this media's attribute, else the session's, else
                                 PARLEY_SDP_SENDRECV */
    int dir_explicit;         /* 1 when this media has a direction attribute */
    unsigned ptime, maxptime; /* milliseconds, 0 when absent */
    uint16_t rtcp_port;       /* a=rtcp (RFC 3605), 0 when absent */
    parley_slice rtcp_addr;   /* a=rtcp address, p == NULL when absent */
    int rtcp_mux;             /* a=rtcp-mux present */
} parley_sdp_media;

/*
 * A session description. Made by parley_sdp_parse() or parley_sdp_build() only (never declare
 * one); released with parley_sdp_free(). Every pointer and slice in it stays valid until then.
 */
typedef struct parley_sdp {
    unsigned version; /* v= (0) */
    parley_sdp_origin origin;
    parley_slice name;          /* s= (empty for "s= ") */
    parley_slice info;          /* i= */
    parley_slice uri;           /* u= */
    const parley_slice *emails; /* e= */
    size_t nemails;
    const parley_slice *phones; /* p= */
    size_t nphones;
    const parley_sdp_conn *conn; /* session c=, NULL when absent */
    const parley_sdp_bw *bw;
    size_t nbw;
    const parley_sdp_time *times;
    size_t ntimes;
    parley_slice zone; /* z= value as written */
    parley_slice key;  /* k= */
    const parley_sdp_attr *attrs;
    size_t nattrs;
    const parley_slice *others;
    size_t nothers;
    parley_sdp_dir dir; /* session-level direction attribute, UNSET when absent */
    const parley_sdp_media *media;
    size_t nmedia;
} parley_sdp;

/* ---- parsing and printing ---- */

/* Limits against hostile input. Zero fields take the default shown. */
typedef struct parley_sdp_limits {
    size_t max_size;      /* whole description, default 65536 bytes */
    size_t max_line;      /* one line, default 8192 bytes */
    unsigned max_lines;   /* lines, default 4096 */
    unsigned max_media;   /* m= lines, default 64 */
    unsigned max_formats; /* formats on one m= line, default 256 */
} parley_sdp_limits;
#define PARLEY_SDP_LIMITS_INIT                                                                     \
    {                                                                                              \
        65536, 8192, 4096, 64, 256                                                                 \
    }

/*
 * Parses an SDP description from text[0..len). Returns 0 and a new description in *out (free it
 * with parley_sdp_free), or: PARLEY_E_PARSE for malformed text, PARLEY_E_LIMIT when a limit was
 * hit, PARLEY_E_NOMEM, PARLEY_E_INVAL for bad arguments; then *out is NULL. The text is copied:
 * the caller keeps ownership of it. err (may be NULL) says where and why: offset of the fault,
 * what = the line type at fault ("m=", "a=rtpmap"...), status 400. limits may be NULL. The
 * tolerances (bare LF, trailing spaces, unknown line types...) are listed in docs/SDP.md.
 */
int parley_sdp_parse(const void *text, size_t len, const parley_sdp_limits *limits,
                     parley_sdp **out, parley_parse_error *err);

/* Releases a description and everything it holds. NULL is ignored. */
void parley_sdp_free(parley_sdp *sdp);

/*
 * The SDP in a body (an offer or answer handed to the offer/answer contract, parley/session.h):
 * 1 and *sdp set when the body is SDP (content_type "application/sdp" in any case, with or
 * without parameters: *sdp = *body) or holds it (RFC 5621: a multipart/mixed, /related or
 * /alternative body with an application/sdp part of disposition "session" or none, and no
 * other part that must be understood, i.e. every other part of a mixed or related body has
 * Content-Disposition handling=optional; *sdp then points into body->body, its type
 * "application/sdp"); 0 otherwise (get_answer then returns PARLEY_E_MEDIA_TYPE: 415). Any
 * thread.
 */
int parley_sdp_find(const parley_content *body, parley_content *sdp);

/*
 * Prints the description (CRLF line ends, RFC 4566 line order, attributes and unknown lines in
 * their order) into buf. Returns the length the full text needs; writes at most size bytes and
 * NUL-terminates when size > 0 (snprintf-like). Parsing the text gives back an equal
 * description. Returns 0 only when memory ran out.
 */
size_t parley_sdp_print(const parley_sdp *sdp, char *buf, size_t size);

/* The nth (0-based) attribute named name (case-sensitive) in attrs[0..n), or NULL. */
const parley_sdp_attr *parley_sdp_attr_find(const parley_sdp_attr *attrs, size_t n,
                                            const char *name, size_t nth);

/* "sendrecv", "sendonly", "recvonly", "inactive" ("sendrecv" for UNSET). Never NULL. */
const char *parley_sdp_dir_name(parley_sdp_dir dir);

/* ---- building ---- */

/* One RTP payload format. */
typedef struct parley_sdp_codec {
    int pt;            /* payload type 0-127 */
    const char *name;  /* encoding name for a=rtpmap; NULL: none (the negotiator takes the
                          RFC 3551 name of a static type) */
    uint32_t rate;     /* clock rate */
    unsigned channels; /* written after the rate when > 0 */
    const char *fmtp;  /* a=fmtp parameters, NULL: none */
} parley_sdp_codec;

/* parley_sdp_stream_cfg.flags, read by the negotiator only */
enum {
    /* not offered by us: kept to accept a stream of this kind the peer offers */
    PARLEY_SDP_STREAM_ANSWER_ONLY = 1,
};

/* One media stream (m= section). */
typedef struct parley_sdp_stream_cfg {
    const char *media;  /* "audio", "video"... (required) */
    uint16_t port;      /* RTP port; 0 writes a rejected stream */
    const char *proto;  /* NULL: "RTP/AVP" */
    const char *addr;   /* NULL: the session address; else a c= line of its own */
    parley_sdp_dir dir; /* UNSET: sendrecv, written as no attribute */
    const parley_sdp_codec *codecs;
    size_t ncodecs;
    const char *formats;      /* a non-RTP stream's format list ("t38", "*"), when ncodecs is 0 */
    unsigned ptime;           /* a=ptime, 0: none */
    const char *const *attrs; /* more a= lines: "name" or "name:value" */
    size_t nattrs;
    unsigned flags; /* PARLEY_SDP_STREAM_* */
} parley_sdp_stream_cfg;
#define PARLEY_SDP_STREAM_CFG_INIT                                                                 \
    {                                                                                              \
        NULL, 0, NULL, NULL, PARLEY_SDP_DIR_UNSET, NULL, 0, NULL, 0, NULL, 0, 0                    \
    }

/* A whole description; also the local capabilities of a negotiator. */
typedef struct parley_sdp_cfg {
    const char *user;         /* o= username, NULL: "-" */
    uint64_t sess_id;         /* o= sess-id (the negotiator picks one when 0) */
    uint64_t sess_version;    /* o= sess-version (the negotiator's first one) */
    const char *addr;         /* o= and session c= address: IPv4 or IPv6 literal or host name
                                 (required) */
    const char *name;         /* s=, NULL: "-" */
    const char *const *attrs; /* session a= lines: "name" or "name:value" */
    size_t nattrs;
    const parley_sdp_stream_cfg *streams;
    size_t nstreams;
} parley_sdp_cfg;
#define PARLEY_SDP_CFG_INIT                                                                        \
    {                                                                                              \
        NULL, 0, 0, NULL, NULL, NULL, 0, NULL, 0                                                   \
    }

/*
 * Makes a description from cfg: v=0, o=, s=, a session c=, t=0 0, session attributes, then for
 * each stream an m= line, its own c= when its address differs, a=rtpmap and a=fmtp per codec,
 * a=ptime, the direction attribute unless UNSET, and its extra attributes. Returns 0
 * and a new description in *out (free with parley_sdp_free); PARLEY_E_INVAL when a field is
 * missing or cannot be written (line breaks, spaces in a token, a bad address or payload type),
 * PARLEY_E_NOMEM. Nothing in cfg is kept.
 */
int parley_sdp_build(const parley_sdp_cfg *cfg, parley_sdp **out);

/*
 * Makes next a new offer of the same session as prev (RFC 3264 §8): next must carry the same o=
 * username, sess-id, network type, address type and address (else PARLEY_E_INVAL). Sets next's
 * o= version to prev's + 1 when the rest of next differs from prev, to prev's when it does not.
 * *bumped (may be NULL) receives 1 when the version was incremented, else 0. Returns 0 or
 * PARLEY_E_INVAL (also when prev's version cannot be incremented).
 */
int parley_sdp_bump_origin(parley_sdp *next, const parley_sdp *prev, int *bumped);

/* ---- the offer/answer negotiator ---- */

typedef struct parley_sdp_neg parley_sdp_neg;

/* Most m= lines a negotiated session may have; longer offers are refused with PARLEY_E_LIMIT. */
#define PARLEY_SDP_MAX_STREAMS 16

/* parley_sdp_changes.stream[i] and .flags bits */
enum {
    PARLEY_SDP_CHG_ADDED = 1,   /* the stream became active (both ports nonzero) */
    PARLEY_SDP_CHG_REMOVED = 2, /* the stream stopped being active (port 0 on either side) */
    PARLEY_SDP_CHG_DIR = 4,     /* the negotiated direction changed */
    PARLEY_SDP_CHG_ADDR = 8,    /* the peer's address or port (RTP or RTCP) changed */
    PARLEY_SDP_CHG_CODECS = 16, /* the negotiated codecs changed */
    PARLEY_SDP_CHG_HOLD = 32,   /* .flags only: the hold state changed */
};

/* Hold state bits (parley_sdp_changes.hold, parley_sdp_neg_hold()) */
enum {
    PARLEY_SDP_HOLD_LOCAL = 1,  /* we hold the peer: our active streams ask for no media */
    PARLEY_SDP_HOLD_REMOTE = 2, /* the peer holds us: it asks for no media (sendonly,
                                   inactive, or the c=0.0.0.0 of RFC 2543) */
};

/* What an offer/answer exchange changed, stream by stream (index = m= line). */
typedef struct parley_sdp_changes {
    unsigned flags;    /* every stream's bits together, plus PARLEY_SDP_CHG_HOLD */
    unsigned hold;     /* PARLEY_SDP_HOLD_* after the exchange */
    unsigned nstreams; /* m= lines in the session after the exchange */
    unsigned stream[PARLEY_SDP_MAX_STREAMS];
} parley_sdp_changes;

/* A negotiated stream, as parley_sdp_neg_stream() reports it. */
typedef struct parley_sdp_stream {
    parley_slice media; /* "audio", "video"... */
    int active;         /* 1 when both sides gave a nonzero port */
    parley_sdp_dir dir; /* what flows, seen from us: SENDONLY = we send, the peer does not */
    parley_slice local_addr;
    uint16_t local_port;
    parley_slice remote_addr; /* where we send RTP */
    uint16_t remote_port;
    uint16_t remote_rtcp_port;       /* a=rtcp port, else remote_port with rtcp-mux on both
                                        sides, else remote_port + 1 (0 when inactive) */
    const parley_sdp_format *codecs; /* the negotiated codecs, in the answer's order of
                                        preference, numbered as the peer receives them */
    size_t ncodecs;
    const parley_sdp_media *local, *remote; /* the m= sections (NULL before any exchange) */
} parley_sdp_stream;

/*
 * Creates a negotiator for the local capabilities in local: one stream config per stream we
 * offer (in order) or accept (PARLEY_SDP_STREAM_ANSWER_ONLY). The config is copied. sess_id 0
 * picks one from the clock. Returns 0 and *out, PARLEY_E_INVAL (missing address, a stream without
 * media or codecs, more than PARLEY_SDP_MAX_STREAMS streams...), PARLEY_E_NOMEM.
 */
int parley_sdp_neg_create(const parley_sdp_cfg *local, parley_sdp_neg **out);

/*
 * Creates a negotiator with proto's local capabilities as they are now (the streams, and what
 * parley_sdp_neg_set_dir(), _set_addr(), _add_stream() and _remove_stream() changed), none of
 * its exchanges, a new o= session id and the o= version of proto's config: what a softphone or a
 * B2BUA wants for each new call, without checking and copying a config again (the clones share
 * proto's capabilities, read-only, until one of them changes its own). proto is not changed and
 * may be freed before its clones. The negotiators of a family may be used from different
 * threads, each by one thread at a time. Returns 0 and *out, PARLEY_E_INVAL, PARLEY_E_NOMEM.
 */
int parley_sdp_neg_clone(const parley_sdp_neg *proto, parley_sdp_neg **out);

/* Releases the negotiator and every text and description it handed out. NULL is ignored. */
void parley_sdp_neg_free(parley_sdp_neg *neg);

/*
 * Makes an offer: the first one holds every offered stream; later ones keep every m= line of the
 * session in place (port 0 for removed or rejected ones) and carry local changes (direction,
 * address, added streams). The o= version goes up only when the content differs from the last
 * description we sent. The text (NUL-terminated) in *body, *len stays valid until the next call on
 * this negotiator or its destruction. A pending offer of ours is replaced. Returns 0,
 * PARLEY_E_NOMEM, PARLEY_E_LIMIT (no m= line slot left for an added stream).
 */
int parley_sdp_neg_offer(parley_sdp_neg *neg, const uint8_t **body, size_t *len);

/*
 * Answers the peer's offer offer[0..len) (initial offer, re-offer, or the offer of a 2xx to our
 * offerless INVITE). For each m= line, in order: the first local stream of that media and protocol
 * with a codec in common (the stream already bound to this line on a re-offer) answers with the
 * offered codecs it supports in the offerer's order and numbering, and a direction that mirrors
 * the offer's (sendonly -> recvonly...) limited by ours; other lines are rejected with port 0. A
 * pending offer of ours is dropped first (glare). The answer text follows the rule of
 * parley_sdp_neg_offer(); changes (may be NULL) reports the new session against the old.
 * Returns 0; PARLEY_E_PARSE or PARLEY_E_LIMIT for an offer that does not parse;
 * PARLEY_E_UNUSABLE for an offer that breaks RFC 3264 (fewer m= lines than the session, a
 * media type changed in an active line); PARLEY_E_UNSUPPORTED when no offered stream can be
 * accepted (the session answers 488); PARLEY_E_NOMEM. On error the negotiated session is unchanged.
 */
int parley_sdp_neg_answer(parley_sdp_neg *neg, const void *offer, size_t len, const uint8_t **body,
                          size_t *outlen, parley_sdp_changes *changes);

/*
 * Takes the peer's answer answer[0..len) to our pending offer (in the 2xx, or in the ACK after
 * we offered in a 2xx). Another answer to the same offer (the 2xx of one fork of a forked INVITE
 * after another fork's early answer) replaces the one taken, until our next offer, rollback or
 * answer. Returns 0 and fills changes (may be NULL); PARLEY_E_STATE when no offer of ours is
 * pending nor was last answered; PARLEY_E_PARSE / PARLEY_E_LIMIT for text that does not parse;
 * PARLEY_E_UNUSABLE for an answer that does not fit the offer (another number of m= lines, a
 * changed media type, a stream we rejected, a codec we did not offer); PARLEY_E_NOMEM. On error
 * the pending offer is dropped and the negotiated session is unchanged.
 */
int parley_sdp_neg_set_answer(parley_sdp_neg *neg, const void *answer, size_t len,
                              parley_sdp_changes *changes);

/* Drops our pending offer (it was refused or never answered). Returns 0 or PARLEY_E_STATE. */
int parley_sdp_neg_rollback(parley_sdp_neg *neg);

/*
 * Sets the direction we want on stream index (m= line; before the first exchange completes, the
 * stream's place in the config), or on every stream when index is -1; it goes out in the next
 * offer and limits our answers. Hold is PARLEY_SDP_SENDONLY (or INACTIVE), resume
 * PARLEY_SDP_SENDRECV; an offer holding a stream the peer holds says inactive (RFC 3264 §8.4),
 * and parley_sdp_neg_hold() keeps both holds across inactive exchanges. Returns 0,
 * PARLEY_E_INVAL (no such stream, bad direction) or PARLEY_E_NOMEM.
 */
int parley_sdp_neg_set_dir(parley_sdp_neg *neg, int index, parley_sdp_dir dir);

/*
 * Changes our address (addr, NULL keeps it) and/or RTP port (port, 0 keeps it) for stream index
 * (as in parley_sdp_neg_set_dir(): before the first exchange, the config's stream index, so
 * that each clone of a negotiator gets its own port), or the session address when index is -1.
 * Takes effect in the next offer or answer. Returns 0, PARLEY_E_INVAL, PARLEY_E_NOMEM.
 */
int parley_sdp_neg_set_addr(parley_sdp_neg *neg, int index, const char *addr, uint16_t port);

/*
 * Adds a local stream (copied) that the next offer carries as a new m= line. Returns 0,
 * PARLEY_E_INVAL, PARLEY_E_LIMIT (too many streams), PARLEY_E_NOMEM.
 */
int parley_sdp_neg_add_stream(parley_sdp_neg *neg, const parley_sdp_stream_cfg *stream);

/*
 * Removes stream index from the session: the next offer carries its m= line with port 0 (the slot
 * stays, RFC 3264 §8.2). Before the first exchange, index is the config's and the stream is
 * neither offered nor used to answer. Returns 0 or PARLEY_E_INVAL.
 */
int parley_sdp_neg_remove_stream(parley_sdp_neg *neg, unsigned index);

/* Number of m= lines in the negotiated session (0 before the first exchange completes). */
unsigned parley_sdp_neg_stream_count(const parley_sdp_neg *neg);

/*
 * Fills *out with negotiated stream index. The slices and pointers stay valid until the next call
 * that changes the negotiator. Returns 0, PARLEY_E_NOTFOUND, or PARLEY_E_NOMEM (a negotiator
 * keeps a completed exchange as text and parses it again when it is first read).
 */
int parley_sdp_neg_stream(const parley_sdp_neg *neg, unsigned index, parley_sdp_stream *out);

/* PARLEY_SDP_HOLD_* bits of the negotiated session. */
unsigned parley_sdp_neg_hold(const parley_sdp_neg *neg);

/*
 * The negotiated local and remote descriptions (NULL before the first exchange completes, or
 * when memory runs out: a negotiator keeps a completed exchange as text and parses it again
 * when it is first read), valid until the next call that changes the negotiator.
 */
const parley_sdp *parley_sdp_neg_local(const parley_sdp_neg *neg);
const parley_sdp *parley_sdp_neg_remote(const parley_sdp_neg *neg);

#ifdef __cplusplus
}
#endif
#endif
