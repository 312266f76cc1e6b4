/* Printing SIP text: messages from parts, and a parsed message back in canonical form. */
#ifndef SIP_PRINT_H
#define SIP_PRINT_H

#include "core/buf.h"
#include "sip/msg.h"

void sip_print_request_line(pl_buf *b, pl_str method, pl_str ruri);
void sip_print_status_line(pl_buf *b, unsigned status, pl_str reason);
/* "Name: value\r\n"; a folded value is unfolded to single spaces. */
void sip_print_header(pl_buf *b, pl_str name, pl_str value);
/* Content-Type (only with a body), Content-Length, the empty line and the body. */
void sip_print_body(pl_buf *b, pl_str content_type, pl_str body);

/* A display name as a user sees it: quotes removed, quoted-pairs resolved, folded line breaks
 * (LWS) turned into single spaces. */
void sip_print_display(pl_buf *b, pl_str display);

/* Canonical form of a parsed message: long header names, unfolded values, same body. */
void sip_msg_print(pl_buf *b, const sip_msg *m);

/* RFC 3261 §21 reason phrase for a status code ("" when none is known). */
const char *sip_reason_phrase(unsigned status);

#endif
