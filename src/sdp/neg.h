/*
 * The offer/answer negotiator (RFC 3264). It keeps the local capabilities (one neg_cap per local
 * stream), the negotiated session as the pair of descriptions of the last completed exchange
 * with the capability bound to each m= line, our pending offer, and the text of the last
 * description we sent (for the o= version rule of RFC 3264 §8).
 *
 * A completed exchange is kept as text: the two descriptions in one block (about 500 bytes for
 * a call's audio stream where their models take about 2.5 KiB), parsed again only when
 * something reads them (neg_cur_load(): the next offer or answer, the stream views, the
 * local and remote getters) and kept parsed until the next exchange completes. A session
 * held for hours costs its texts, not their models.
 *
 * Memory: parley_sdp_neg_create() makes one block (the store) holding the negotiator, its
 * capabilities and a copy of every string of the config. parley_sdp_neg_clone() makes only a
 * negotiator, which shares the store of the one it copies: the store is read-only and counted,
 * and freed with the last negotiator using it. Changes allocate apart, per negotiator: the
 * capability array is copied on the first change to one (caps_own: the store's is shared), an
 * address set by parley_sdp_neg_set_addr() is owned through addr_own, a stream added by
 * parley_sdp_neg_add_stream() keeps its arrays and strings in cap->block. Whether a stream is
 * still to offer or removed is per negotiator too (bits of want_offer and removed).
 */
#ifndef SDP_NEG_H
#define SDP_NEG_H

#include <stdatomic.h>

#include "sdp/parse_int.h"
#include "sdp/sdp.h"

#define NEG_MAX_CAPS (2 * PARLEY_SDP_MAX_STREAMS)
_Static_assert(NEG_MAX_CAPS <= 32, "capability indexes are int8_t, their flags uint32_t bits");

typedef struct neg_codec {
    pl_str name; /* never empty: the static name is filled in for static types */
    pl_str fmtp; /* p NULL: none */
    int pt;
    uint32_t rate;
    unsigned channels;
    int h264_mode; /* packetization-mode of an H.264 codec (RFC 6184 §8.1), -1 for others */
} neg_codec;

typedef struct neg_cap {
    pl_str media, proto;
    pl_str addr;    /* p NULL: the session address */
    char *addr_own; /* addr's own copy after parley_sdp_neg_set_addr(), else NULL */
    uint16_t port;
    parley_sdp_dir dir;
    bool rtp; /* proto carries RTP */
    neg_codec *codecs;
    size_t ncodecs;
    pl_str formats;  /* non-RTP streams: the format list, trimmed (p NULL when none) */
    size_t nformats; /* its fields */
    unsigned ptime;
    pl_str *attrs;
    size_t nattrs;
    unsigned flags;
    void *block; /* a stream added later: its arrays and strings (else they are in the store) */
} neg_cap;

/* The block parley_sdp_neg_create() makes: this header, the negotiator, the capabilities, their
 * arrays and strings. Read-only once made but for refs. */
typedef struct neg_store {
    _Atomic unsigned refs;  /* negotiators using it */
    uint64_t first_version; /* the o= version the config asked for */
} neg_store;

/* One side of an exchange, as the parsed descriptions and the capability of each m= line. */
typedef struct neg_session {
    bool done;                  /* an exchange completed */
    parley_sdp *local, *remote; /* its descriptions; NULL while kept as text only */
    char *text;                 /* the block of their texts (NULL: the models hold them) */
    pl_str local_text, remote_text;
    /* a session being committed whose models are the caller's scratch: text is its block,
     * local_text at its start with room after it for remote_text (still the caller's) */
    bool on_stack;
    bool local_offered;
    unsigned nslots;
    int8_t cap[PARLEY_SDP_MAX_STREAMS]; /* capability bound to each m= line, -1 when none */
    unsigned hold;                      /* PARLEY_SDP_HOLD_* of this session */
    /* bit i: the peer (remote_holds), we (local_holds) hold m= line i: decline to receive it.
     * An answer to an offer that does not send cannot say it (it is inactive or sendonly
     * whatever the answerer wants), so then the bit is kept from the exchange before: the
     * hold of a line the peer holds is offered inactive (RFC 3264 §8.4) on every re-offer, and
     * neither side's hold is forgotten when the other's inactive offer is answered */
    uint16_t remote_holds, local_holds;
} neg_session;
_Static_assert(PARLEY_SDP_MAX_STREAMS <= 16, "the hold masks have a bit per m= line");

struct parley_sdp_neg {
    pl_str user, name;
    pl_str oaddr;    /* o= address: fixed for the session (RFC 3264 §8) */
    pl_str addr;     /* session c= address */
    char *addr_own;  /* addr's own copy after parley_sdp_neg_set_addr(), else NULL */
    char *oaddr_own; /* oaddr's, when it was addr_own (a clone's) and addr changed since */
    pl_str *attrs;
    size_t nattrs;
    uint64_t sess_id;
    char sess_id_str[20]; /* its digits, written once */
    uint32_t sess_id_len;
    neg_store *store;
    neg_cap *caps; /* the store's (shared, never changed), or caps_own */
    size_t ncaps, caps_room;
    neg_cap *caps_own;
    uint32_t want_offer; /* bit k: our next offer adds caps[k] (first offer, or added since) */
    uint32_t removed;    /* bit k: caps[k] was removed from the session */
    neg_session cur;
    parley_sdp *pending; /* our offer awaiting its answer */
    int8_t pending_cap[PARLEY_SDP_MAX_STREAMS];
    /* The text of the last description we handed out: the body we gave, and what RFC 3264 §8
     * compares the next one with. It lies in cur's texts, in pending, or, once those let it go,
     * in sent_own (neg_keep_sent()). */
    pl_str sent;
    char *sent_own;
    uint64_t sent_version;
    /* the session is our offer and the answer set_answer took, with nothing since (no offer,
     * rollback or answer of ours): another fork's answer to that offer may replace it */
    bool reanswer;
};

/* Stream state derived from a session (neg_state.c). */
typedef struct neg_view {
    bool active, send, recv;
    pl_str media, local_addr, remote_addr;
    uint16_t local_port, remote_port, remote_rtcp;
    const parley_sdp_format *codecs;
    size_t ncodecs;
    const parley_sdp_media *local, *remote;
    bool local_refuses, remote_refuses; /* hold contributions */
} neg_view;

void neg_view_of(const neg_session *s, unsigned i, neg_view *v);
/* Replaces the session by next (taking its descriptions, which are then kept as text) and
 * reports the differences. The current session must be loaded (neg_cur_load()). */
void neg_commit(parley_sdp_neg *neg, neg_session *next, parley_sdp_changes *changes);
/* Parses the current session's descriptions again when they are kept as text only. Returns 0,
 * PARLEY_E_NOMEM. Changes only what is cached: callable from the const getters. */
int neg_cur_load(const parley_sdp_neg *neg);
/* Frees what a session holds (models and texts). */
void neg_cur_free(neg_session *c);
/* Frees a description of ours (pending); the text of the last one sent is kept. */
void neg_drop(parley_sdp_neg *neg, parley_sdp *doc);
/* Copies the last text sent to sent_own when it lies in [lo, lo + len), about to be freed. */
void neg_keep_sent(parley_sdp_neg *neg, const char *lo, size_t len);

/* The media's connection address: its first c=, else the session's. */
pl_str neg_media_addr(const parley_sdp *s, const parley_sdp_media *m);
bool neg_dir_send(parley_sdp_dir d);
bool neg_dir_recv(parley_sdp_dir d);
pl_str neg_cap_addr(const parley_sdp_neg *neg, const neg_cap *c);

/* Whether an offered format and a local codec are the same codec (neg_answer.c). */
bool neg_codec_match(const neg_codec *c, const parley_sdp_format *f);

/* ---- neg_cfg.c: the local capabilities ---- */

/* Checks a config the way parley_sdp_neg_create() takes it (streams[0..n) for its streams);
 * *strings receives the bytes its strings take (sdp_cfg_check()). */
int neg_check_cfg(const parley_sdp_cfg *cfg, const parley_sdp_stream_cfg *streams, size_t n,
                  size_t *strings);
/* Bytes the arrays of s take in neg_pack_cap(), a multiple of 8. */
size_t neg_cap_arrays(const parley_sdp_stream_cfg *s);
/* Fills c from s: its arrays cut from *arrays (8-aligned), its strings copied to *strings. */
void neg_pack_cap(neg_cap *c, const parley_sdp_stream_cfg *s, char **arrays, char **strings);
/* Copies c, its arrays and strings into a block of the copy's own (d->block). Returns 0 or
 * PARLEY_E_NOMEM (d untouched). */
int neg_copy_cap(neg_cap *d, const neg_cap *c);
/* Copies s (NUL included) to *mem, advancing it; absent stays absent. */
pl_str neg_copy_str(const char *s, char **mem);
/* packetization-mode of an H.264 fmtp (RFC 6184 §8.1), 0 when absent. */
int neg_h264_mode(pl_str fmtp);

/* ---- neg_emit.c: our descriptions, text and model made together ---- */

typedef struct emit emit;
typedef void (*neg_body_fn)(const parley_sdp_neg *neg, void *ctx, emit *e);
/* Where neg_write() puts a description. */
typedef struct neg_out {
    sdp_scratch *sc;  /* NULL: a description block (doc); else the model goes here */
    char *room;       /* with sc: where the text is written first (the model's slices) */
    size_t room_size; /* its bytes */
    size_t extra;     /* with sc: bytes to leave after the text in block */
    parley_sdp *doc;  /* the description: its block, or &sc->pub */
    char *block;      /* with sc: the block whose start is the text (the caller's to free) */
    pl_str text;      /* NUL-terminated */
} neg_out;
/*
 * Writes a description with the negotiator's o= line, head and session attributes and the m=
 * sections written by body(neg, ctx, e), choosing the version by RFC 3264 §8 against the last
 * text sent. Returns 0 with out filled, 1 when out->sc is too small for it (nothing made), or
 * PARLEY_E_INVAL (a text the parser would refuse), PARLEY_E_LIMIT, PARLEY_E_NOMEM.
 */
int neg_write(parley_sdp_neg *neg, neg_body_fn body, void *ctx, uint64_t *version, neg_out *out);
/* Makes text (pending's, or the new cur's local text) the last description sent, and hands it
 * out. */
void neg_hand_out(parley_sdp_neg *neg, pl_str text, uint64_t version, const uint8_t **body,
                  size_t *len);

/* The m= line: media, port, proto and nothing yet; returns whether proto carries RTP. */
void emit_mline(emit *e, pl_str media, uint16_t port, pl_str proto, bool rtp);
/* One more format on the m= line: fmt as written, its payload type when RTP (else -1). */
void emit_fmt(emit *e, pl_str fmt, int pt);
/* A format list of several fields (a non-RTP stream's), ending the m= line. */
void emit_fmts(emit *e, pl_str list, size_t nfields);
void emit_mline_end(emit *e);
void emit_conn(emit *e, pl_str addr);
/* a=rtpmap:<fmt> <name>/<rate>[/<params>] (params.len 0: none) */
void emit_rtpmap(emit *e, pl_str fmt, int pt, pl_str name, uint32_t rate, pl_str params);
/* a=rtpmap with the channels as params (0: none) */
void emit_rtpmap_ch(emit *e, pl_str fmt, int pt, pl_str name, uint32_t rate, unsigned channels);
void emit_fmtp(emit *e, pl_str fmt, int pt, pl_str params);
void emit_ptime(emit *e, unsigned ms);
void emit_dir(emit *e, parley_sdp_dir dir);
/* An attribute line of the config, "name" or "name:value". */
void emit_attr(emit *e, pl_str line);

/* Writes an m= section for capability c with its codecs numbered after `prev` (a previous m=
 * section of ours for this stream, or NULL), saying direction dir. (neg_offer.c) */
void neg_write_cap(const parley_sdp_neg *neg, const neg_cap *c, const parley_sdp_media *prev,
                   parley_sdp_dir dir, emit *e);
/* Writes a rejected (port 0) m= section echoing m's media, protocol and formats. */
void neg_write_rejected(const parley_sdp_media *m, emit *e);

#endif
