/*
 * Fuzzes the SIP message layer: datagram and stream parsing, the stream framer, URI parsing,
 * on-demand header access, canonical printing and the JSON rendering. Invariants checked:
 * no crash or leak, a valid message prints to text that parses valid again with the same
 * fields, the framer never claims more bytes than it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "msg_json.h"
#include "parley/error.h"
#include "sip/msg.h"
#include "sip/print.h"
#include "sip/uri.h"

static void check_roundtrip(const sip_msg *m)
{
    pl_buf a, b, printed;
    pl_buf_init(&a, 512);
    pl_buf_init(&b, 512);
    pl_buf_init(&printed, m->data.len + 64);
    sip_msg_print(&printed, m);
    sip_msg *again = NULL;
    int rc = sip_msg_parse(printed.data, printed.len, 0, NULL, &again, NULL);
    if (rc != 0)
        abort(); /* a valid message printed back must stay valid */
    msg_json(&a, m, 0);
    msg_json(&b, again, 0);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort(); /* and keep its fields */
    sip_msg_free(again);
    pl_buf_free(&a);
    pl_buf_free(&b);
    pl_buf_free(&printed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    for (unsigned flags = 0; flags <= PARLEY_PARSE_STREAM; flags += PARLEY_PARSE_STREAM) {
        sip_msg *m = NULL;
        int rc = sip_msg_parse(p, size, flags, NULL, &m, NULL);
        if (m) {
            pl_buf j;
            pl_buf_init(&j, 256);
            msg_json(&j, m, rc);
            pl_buf_free(&j);
            pl_str v;
            (void)parley_msg_header(m, "Subject", 0, &v);
            (void)parley_msg_header(m, "X-Unknown", 1, &v);
            if (rc == 0 && flags == 0 && m->consumed == size)
                check_roundtrip(m);
            sip_msg_free(m);
        }
    }
    size_t skip = 0, len = 0;
    int fr = sip_frame(p, size, NULL, &skip, &len);
    if (fr == 0 && skip + len > size)
        abort();
    sip_uri u;
    (void)sip_uri_parse(pl_str_make(p, size < 2048 ? size : 2048), &u, NULL, NULL);
    return 0;
}
