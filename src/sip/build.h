/*
 * Building outgoing messages. A request is printed once into a buffer that also remembers where
 * its parts are (spans), so that the transaction layer can later build the ACK or CANCEL that
 * RFC 3261 derives from it without parsing its own text again.
 */
#ifndef SIP_BUILD_H
#define SIP_BUILD_H

#include "core/buf.h"
#include "sip/msg.h"

typedef struct sip_span {
    uint32_t off;
    uint32_t len;
} sip_span;

static inline pl_str sip_span_str(const pl_buf *b, sip_span s)
{
    return pl_str_make(b->data + s.off, s.len);
}

/* An extra header as the application gives it (NUL-terminated name and value). */
typedef struct sip_kv {
    const char *name;
    const char *value;
} sip_kv;

typedef struct sip_out {
    pl_buf buf;
    uint8_t method_id;
    sip_span method, ruri, via, from, to, call_id, routes; /* routes: whole "Route: ..\r\n" lines */
    uint32_t cseq;
} sip_out;

/* Parts of a request. Every pl_str is copied; absent ones are left out. */
typedef struct sip_req_parts {
    pl_str method;
    pl_str ruri;
    pl_str via;      /* the top Via value: "SIP/2.0/UDP host:port;branch=...;rport" */
    pl_str from, to; /* full header values, tags included */
    pl_str call_id;
    uint32_t cseq;
    int max_forwards;     /* < 0: 70 */
    const pl_str *routes; /* Route values, in order */
    size_t nroutes;
    pl_str contact;      /* Contact value, or empty */
    const sip_kv *extra; /* more headers, printed as given */
    size_t nextra;
    pl_str extra_raw; /* preformatted header lines ("Name: v\r\n"...) */
    pl_str content_type;
    pl_str body;
} sip_req_parts;

void sip_out_init(sip_out *o);
void sip_out_free(sip_out *o);
/* Prints the request; returns 0 or PARLEY_E_NOMEM. */
int sip_build_request(sip_out *o, const sip_req_parts *p);
/* Adds "Route: <value>\r\n" lines after the request's own Route lines (the spans follow, so a
 * CANCEL derived later carries them too: RFC 3261 §9.1). Returns 0 or PARLEY_E_NOMEM. */
int sip_out_add_routes(sip_out *o, const pl_str *routes, size_t n);
/* Adds preformatted header lines ("Name: v\r\n"...) at the end of the header section of a
 * built request (before the blank line; no span moves). Returns 0, PARLEY_E_NOMEM, or
 * PARLEY_E_INVAL when the buffer holds no complete header section. */
int sip_out_add_lines(sip_out *o, pl_str lines);
/*
 * CANCEL for o (RFC 3261 §9.1): same Request-URI, top Via, From, To, Call-ID, CSeq number and
 * Route set. ACK for a non-2xx final response (§17.1.1.3): the same but with the response's To.
 */
int sip_build_cancel(const sip_out *o, pl_buf *b, const sip_kv *extra, size_t nextra);
int sip_build_ack_non2xx(const sip_out *o, const sip_msg *resp, pl_buf *b);

/* Response to req: status line, the request's Via list (the top one stamped with received and
 * rport per RFC 3261 §18.2.1 and RFC 3581), From, To (with to_tag added when the request's To
 * has none), Call-ID and CSeq. The caller appends more headers, then sip_print_body. */
typedef struct sip_resp_opts {
    pl_str received; /* source IP of the request (textual), or empty */
    unsigned rport;  /* source port, filled into a bare ;rport */
    pl_str to_tag;
} sip_resp_opts;
void sip_print_response_head(pl_buf *b, const sip_msg *req, unsigned status, pl_str reason,
                             const sip_resp_opts *o);

/* Prints one Via element, optionally stamping received/rport. */
void sip_print_via(pl_buf *b, const sip_via *v, const sip_resp_opts *stamp);

/* Header names the stack owns: applications may not add them as custom headers. */
bool sip_header_restricted(pl_str name);
/* A header value the stack may print as given: no CR, LF or other control byte (HT allowed).
 * Reason phrases are checked with it too. */
bool sip_header_value_ok(const char *value);
/* A Content-Type the stack may print: "type/subtype" (tokens), then nothing or ";" parameters,
 * all of it sip_header_value_ok. */
bool sip_media_type_ok(const char *ct);
/* A custom header the application may add: restricted names, empty names, non-token names and
 * values that are not sip_header_value_ok are refused (no header injection). Returns 0 or
 * PARLEY_E_*. */
int sip_header_check(const char *name, const char *value);

#endif
