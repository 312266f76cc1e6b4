/* The SDP in an offer or answer: the body itself, or its part of a multipart body (RFC 5621). */
#include <string.h>

#include "parley/sdp.h"
#include "sdp/sdp.h"
#include "sip/mime.h"

static bool is_sdp_type(const char *ctype)
{
    static const char want[] = "application/sdp";
    if (!strcmp(ctype, want))
        return true; /* nearly every offer: one compare instead of a byte loop */
    size_t i = 0;
    for (; want[i]; i++)
        if (pl_tolower(ctype[i]) != want[i]) /* stops at the NUL too */
            return false;
    char c = ctype[i];
    return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

int parley_sdp_find(const parley_content *body, parley_content *sdp)
{
    if (!body || !sdp || !body->content_type)
        return 0;
    if (is_sdp_type(body->content_type)) {
        *sdp = *body;
        return 1;
    }
    pl_str part;
    if (!body->body ||
        !sip_multipart_find(pl_str_c(body->content_type), pl_str_make(body->body, body->len),
                            "application/sdp", &part))
        return 0;
    *sdp = (parley_content){"application/sdp", part.p, part.len};
    return 1;
}
