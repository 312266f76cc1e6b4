/*
 * message/sipfrag bodies (RFC 3420): a start line and/or header fields of a SIP message, as
 * NOTIFYs for a REFER (RFC 3515 §2.4.5) report the referred request's progress with:
 *
 *     SIP/2.0 180 Ringing\r\n
 *
 * Parsing is zero-copy (every slice points into the input, which must outlive the result),
 * allocates nothing, and takes time linear in the input.
 */
#ifndef SIP_SIPFRAG_H
#define SIP_SIPFRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"

typedef struct sip_sipfrag {
    bool has_start;     /* the fragment begins with a start line */
    bool is_response;   /* that start line is a Status-Line */
    uint16_t status;    /* response: 100-699; 0 otherwise */
    pl_str reason;      /* response: the reason phrase (may be empty) */
    pl_str method;      /* request: the method */
    pl_str request_uri; /* request: the Request-URI as written */
    pl_str headers;     /* the header lines as written, line ends included (empty: none) */
    unsigned nheaders;  /* header fields among them (folded lines count once) */
    pl_str body;        /* after the empty line that ends the headers (empty: none) */
    /* on failure: what is wrong (static text) and its byte offset in the input */
    const char *error;
    size_t error_offset;
} sip_sipfrag;

/*
 * Parses the fragment p[0..len). Returns 0 with *out filled; PARLEY_E_PARSE when the text is no
 * sipfrag (a first line that is neither a start line nor a header field, a malformed start line
 * or field, a NUL byte or bare CR outside the body, an empty fragment), with out->error and
 * out->error_offset set; PARLEY_E_INVAL when out is NULL or p is NULL with len > 0.
 *
 * Tolerated as in messages (src/sip/parse.c): bare LF line ends, a status line without the SP
 * before an empty reason. Also tolerated: no line end after the last line ("SIP/2.0 200 OK"),
 * which RFC 3420 requires but peers omit. Only SIP/2.0 start lines are accepted.
 */
int sip_sipfrag_parse(const char *p, size_t len, sip_sipfrag *out);

/* The value (LWS trimmed, folded lines kept) of the nth field named `name` (any case, compact
 * forms too) in a parsed fragment. Returns false when there is none. */
bool sip_sipfrag_header(const sip_sipfrag *f, pl_str name, size_t nth, pl_str *value);

#endif
