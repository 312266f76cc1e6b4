/*
 * Fuzzes the multipart body reader behind parley_sdp_find (RFC 2046 §5.1, RFC 5621). The input
 * is a Content-Type value, a line feed, then the body. Invariants checked: no crash, no read
 * outside the body (ASan: the body is an exact-size copy); a part found lies inside the body,
 * does not start with its delimiter and is found again as plain SDP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parley/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || (size_t)(nl - data) > 512)
        return 0;
    size_t tlen = (size_t)(nl - data), blen = size - tlen - 1;
    char *ctype = malloc(tlen + 1);
    char *body = malloc(blen ? blen : 1);
    if (!ctype || !body)
        abort();
    memcpy(ctype, data, tlen);
    ctype[tlen] = '\0';
    memcpy(body, nl + 1, blen);
    parley_content c = {ctype, body, blen}, sdp = {0};
    if (parley_sdp_find(&c, &sdp)) {
        const char *p = sdp.body;
        if (sdp.len > blen || p < body || p + sdp.len > body + blen)
            abort(); /* the part is a slice of the body */
        parley_content again = {"application/sdp", sdp.body, sdp.len}, same = {0};
        if (!parley_sdp_find(&again, &same) || same.body != sdp.body || same.len != sdp.len)
            abort();
    }
    free(ctype);
    free(body);
    return 0;
}
