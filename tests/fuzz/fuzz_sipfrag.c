/*
 * Fuzzes the message/sipfrag parser (src/sip/sipfrag.c) and its header lookup. Invariants
 * checked: no crash or sanitizer report; a parsed fragment's slices lie inside the input and in
 * order; a response has a status of 100-699 and a start line; a failure says why and where,
 * within the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "parley/error.h"
#include "sip/sipfrag.h"

static void inside(pl_str s, const char *p, size_t size)
{
    if (s.len && (s.p < p || s.p + s.len > p + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    sip_sipfrag f;
    int rc = sip_sipfrag_parse(p, size, &f);
    if (rc != 0) {
        if (rc != PARLEY_E_PARSE || !f.error || f.error_offset > size)
            abort();
        return 0;
    }
    inside(f.reason, p, size);
    inside(f.method, p, size);
    inside(f.request_uri, p, size);
    inside(f.headers, p, size);
    inside(f.body, p, size);
    if (f.is_response && (!f.has_start || f.status < 100 || f.status > 699))
        abort();
    if (!f.has_start && !f.nheaders)
        abort();
    if (f.headers.len && f.body.len && f.body.p < f.headers.p + f.headers.len)
        abort();
    static const char *const names[] = {"Contact", "c", "X-Unknown", "to"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        pl_str v;
        for (size_t nth = 0; nth < 3 && sip_sipfrag_header(&f, pl_str_c(names[i]), nth, &v); nth++)
            inside(v, p, size);
    }
    return 0;
}
