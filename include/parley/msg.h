/*
 * parley: SIP messages (read-only view).
 *
 * A parley_msg is a parsed SIP request or response. It owns a copy of its bytes; every value it
 * hands out is a parley_slice (pointer + length) into that copy, valid until the message is
 * released. Slices are not NUL-terminated and may contain any byte.
 *
 * Messages reach an application in callbacks (borrowed for the duration of the callback; take a
 * reference with parley_msg_ref() to keep one) or from parley_msg_parse().
 */
#ifndef PARLEY_MSG_H
#define PARLEY_MSG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A run of bytes owned by someone else: not NUL-terminated. */
typedef struct parley_slice {
    const char *p;
    size_t len;
} parley_slice;

typedef struct parley_msg parley_msg;

/* Where and why a parse failed. */
typedef struct parley_parse_error {
    int code;           /* PARLEY_E_PARSE, PARLEY_E_UNUSABLE or PARLEY_E_LIMIT */
    long offset;        /* byte offset of the fault in the input, or -1 */
    int status;         /* the SIP status a server answers with (400, 414, 505, 513) */
    const char *what;   /* the part at fault ("Via", "Request-Line", "body"...), or NULL */
    const char *reason; /* short static text saying what is wrong */
} parley_parse_error;

/* Limits against hostile input. Zero fields take the default shown. */
typedef struct parley_parse_limits {
    size_t max_size;      /* whole message, default 65536 */
    unsigned max_headers; /* header fields, default 256 */
    size_t max_line;      /* one header field including folded lines, default 8192 */
    unsigned max_list;    /* values in one list header (Via, Contact...), default 64 */
    unsigned max_nesting; /* parenthesised comment depth, default 8 */
} parley_parse_limits;
#define PARLEY_PARSE_LIMITS_INIT                                                                   \
    {                                                                                              \
        65536, 256, 8192, 64, 8                                                                    \
    }

/* parley_msg_parse flags */
enum {
    PARLEY_PARSE_STREAM = 1, /* bytes came from a stream: Content-Length is required */
};

/*
 * Parses one message from data[0..len). Returns 0 for a valid message, PARLEY_E_PARSE for
 * malformed text, PARLEY_E_UNUSABLE for a well-formed message that cannot be processed (missing
 * mandatory header, CSeq method mismatch, unsupported version...), PARLEY_E_LIMIT when a limit was
 * hit, PARLEY_E_NOMEM. On every result but PARLEY_E_NOMEM and PARLEY_E_INVAL, *out receives the
 * message with whatever fields could be read; release it with parley_msg_unref(). err may be NULL;
 * limits may be NULL for the defaults. Past a fault or a limit the header section is still searched
 * for the fields a server needs to answer (Via, From, To, Call-ID, CSeq); a message over max_size
 * keeps only its first max_size bytes.
 */
int parley_msg_parse(const void *data, size_t len, unsigned flags,
                     const parley_parse_limits *limits, parley_msg **out, parley_parse_error *err);

/* Takes a reference. Safe from any thread. Returns m. */
parley_msg *parley_msg_ref(parley_msg *m);
/* Drops a reference; the last one frees the message. NULL is ignored. */
void parley_msg_unref(parley_msg *m);

/* 1 for a request, 0 for a response. */
int parley_msg_is_request(const parley_msg *m);
/* Request method (empty slice for a response). */
parley_slice parley_msg_method(const parley_msg *m);
/* Request-URI text (empty slice for a response). */
parley_slice parley_msg_request_uri(const parley_msg *m);
/* Status code (0 for a request) and reason phrase. */
int parley_msg_status(const parley_msg *m);
parley_slice parley_msg_reason(const parley_msg *m);
parley_slice parley_msg_call_id(const parley_msg *m);
/* CSeq number and method. */
uint32_t parley_msg_cseq(const parley_msg *m, parley_slice *method);
/* The body (empty slice when none). */
parley_slice parley_msg_body(const parley_msg *m);

/* Number of header fields (lines, after unfolding) in the message. */
size_t parley_msg_header_count(const parley_msg *m);
/* The i-th header field, in wire order: its name as written and its trimmed value. */
int parley_msg_header_at(const parley_msg *m, size_t i, parley_slice *name, parley_slice *value);
/*
 * The value of the nth (0-based) header field named `name`, matched case-insensitively and by
 * compact form ("Call-ID" finds "i"). Returns 0 and fills *value, or PARLEY_E_NOTFOUND.
 */
int parley_msg_header(const parley_msg *m, const char *name, size_t nth, parley_slice *value);

/*
 * Prints the message in canonical form (long header names, unfolded values, the header fields
 * in their order, the body) into buf. Parsing the text again gives the same fields. Returns the
 * length the full text needs; writes at most size bytes and NUL-terminates when size > 0
 * (snprintf-like).
 */
size_t parley_msg_print(const parley_msg *m, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
