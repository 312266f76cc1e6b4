/* Bodies of several parts (RFC 2046 §5.1, as SIP uses them: RFC 5621). */
#ifndef PL_SIP_MIME_H
#define PL_SIP_MIME_H

#include <stdbool.h>

#include "core/str.h"

/*
 * The part of media type want ("type/subtype", compared without case) in a multipart body:
 * ctype is the message's Content-Type value (multipart/mixed, /related or /alternative with
 * its boundary), body the message's body. True, with the part's body (its headers left out)
 * in *part, pointing into body, when:
 *  - one part has that type and a disposition of "session" or none (the first such part);
 *  - in a mixed or related body, every other part may be ignored: its Content-Disposition
 *    says handling=optional (the default is required, RFC 3261 §20.11, RFC 5621 §9.1);
 *  - the body is well formed: the parts end with the close delimiter.
 * False for any other body, and for a ctype that is not multipart. Reads body only.
 */
bool sip_multipart_find(pl_str ctype, pl_str body, const char *want, pl_str *part);

#endif
