/* The Reason header (RFC 3326): why a BYE or CANCEL was sent. */
#ifndef SIP_REASON_H
#define SIP_REASON_H

#include "sip/msg.h"

typedef struct sip_reason {
    pl_str protocol; /* "SIP", "Q.850", or another token */
    int cause;       /* 0 when absent or out of range */
    char text[256];  /* the text parameter unquoted (truncated), "" when absent */
    bool has_text;
} sip_reason;

/* The message's Reason: the first value whose protocol is SIP, else the first parseable one.
 * Returns 0, or PARLEY_E_NOTFOUND when there is none (or none that parses). */
int sip_reason_get(const sip_msg *m, sip_reason *out);

#endif
