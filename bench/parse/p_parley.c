/* parley: parley_msg_parse + parley_msg_unref, the path every received datagram takes. */
#include <string.h>

#include "bench.h"
#include "parley/msg.h"
#include "sip/msg.h" /* nvia, for the cross-check only */

static int parley_init(void)
{
    return 0;
}

static int parley_parse(const char *data, size_t len)
{
    parley_msg *m = NULL;
    int rc = parley_msg_parse(data, len, 0, NULL, &m, NULL);
    parley_msg_unref(m);
    return rc;
}

static int parley_facts(const char *data, size_t len, bench_facts *f)
{
    parley_msg *m = NULL;
    int rc = parley_msg_parse(data, len, 0, NULL, &m, NULL);
    if (rc == 0) {
        f->is_request = parley_msg_is_request(m);
        f->status = parley_msg_status(m);
        parley_slice s = parley_msg_method(m);
        bench_copy(f->method, sizeof(f->method), s.p, s.len);
        s = parley_msg_call_id(m);
        bench_copy(f->call_id, sizeof(f->call_id), s.p, s.len);
        f->cseq = parley_msg_cseq(m, NULL);
        f->nvia = m->nvia;
        f->content_length = (long)m->content_length;
    }
    parley_msg_unref(m);
    return rc;
}

const bench_parser bench_parley = {
    "parley",     "parley_msg_parse(datagram) + parley_msg_unref", parley_init, parley_parse,
    parley_facts,
};
