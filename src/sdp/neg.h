/*
 * The offer/answer negotiator (RFC 3264). It keeps the local capabilities (one neg_cap per local
 * stream), the negotiated session as the pair of descriptions of the last completed exchange
 * with the capability bound to each m= line, our pending offer, and the text of the last
 * description we sent (for the o= version rule of RFC 3264 §8).
 */
#ifndef SDP_NEG_H
#define SDP_NEG_H

#include "sdp/sdp.h"

#define NEG_MAX_CAPS (2 * PARLEY_SDP_MAX_STREAMS)

typedef struct neg_codec {
    int pt;
    char *name; /* never NULL: the static name is filled in for static types */
    uint32_t rate;
    unsigned channels;
    char *fmtp; /* NULL: none */
} neg_codec;

typedef struct neg_cap {
    char *media, *proto, *addr; /* addr NULL: the session address */
    uint16_t port;
    parley_sdp_dir dir;
    neg_codec *codecs;
    size_t ncodecs;
    char *formats; /* non-RTP streams */
    unsigned ptime;
    char **attrs;
    size_t nattrs;
    unsigned flags;
    bool want_offer; /* our next offer adds it (first offer, or added since) */
    bool removed;
} neg_cap;

/* One side of an exchange, as the parsed descriptions and the capability of each m= line. */
typedef struct neg_session {
    parley_sdp *local, *remote; /* NULL before the first exchange */
    bool local_offered;
    unsigned nslots;
    int cap[PARLEY_SDP_MAX_STREAMS]; /* capability bound to each m= line, -1 when none */
} neg_session;

struct parley_sdp_neg {
    char *user, *name;
    char *oaddr; /* o= address: fixed for the session (RFC 3264 §8) */
    char *addr;  /* session c= address */
    char **attrs;
    size_t nattrs;
    uint64_t sess_id;
    neg_cap caps[NEG_MAX_CAPS];
    size_t ncaps;
    neg_session cur;
    parley_sdp *pending; /* our offer awaiting its answer */
    int pending_cap[PARLEY_SDP_MAX_STREAMS];
    pl_buf sent; /* the last description we handed out */
    uint64_t sent_version;
    bool sent_any;
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
unsigned neg_hold_of(const neg_session *s);
/* Replaces the session by next (taking its descriptions) and reports the differences. */
void neg_commit(parley_sdp_neg *neg, neg_session *next, parley_sdp_changes *changes);
void neg_session_clear(neg_session *s);

/* The media's connection address: its first c=, else the session's. */
pl_str neg_media_addr(const parley_sdp *s, const parley_sdp_media *m);
bool neg_dir_send(parley_sdp_dir d);
bool neg_dir_recv(parley_sdp_dir d);
pl_str neg_cap_addr(const parley_sdp_neg *neg, const neg_cap *c);

/*
 * Writes a description with the negotiator's o= line, head and session attributes and the m=
 * sections written by body(ctx, b), choosing the version by RFC 3264 §8 against the last text
 * sent; parses it into *out and keeps the text in *text. (neg_offer.c)
 */
typedef void (*neg_body_fn)(const parley_sdp_neg *neg, void *ctx, pl_buf *b);
int neg_write(parley_sdp_neg *neg, neg_body_fn body, void *ctx, pl_buf *text, uint64_t *version,
              parley_sdp **out);
/* Makes the text in tmp the last one sent, and hands it out. */
void neg_hand_out(parley_sdp_neg *neg, pl_buf *text, uint64_t version, const uint8_t **body,
                  size_t *len);
/* Writes an m= section for capability c with its codecs numbered after `prev` (a previous m=
 * section of ours for this stream, or NULL). */
void neg_write_cap(const parley_sdp_neg *neg, const neg_cap *c, const parley_sdp_media *prev,
                   pl_buf *b);
/* Writes a rejected (port 0) m= section echoing m's media, protocol and formats. */
void neg_write_rejected(const parley_sdp_media *m, pl_buf *b);

#endif
