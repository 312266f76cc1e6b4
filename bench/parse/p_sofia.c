/*
 * Sofia-SIP: msg_make() with the default SIP message class, which copies the bytes into a new
 * msg_t and parses every header it knows (Sofia parses eagerly), then msg_destroy().
 */
#include <string.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>

#include "bench.h"

static msg_mclass_t const *mclass;

static int sofia_init(void)
{
    mclass = sip_default_mclass();
    return mclass ? 0 : -1;
}

static int sofia_parse(const char *data, size_t len)
{
    msg_t *msg = msg_make(mclass, 0, data, (ssize_t)len);
    if (!msg)
        return -1;
    int rc = msg_has_error(msg) ? -1 : 0;
    msg_destroy(msg);
    return rc;
}

static int sofia_facts(const char *data, size_t len, bench_facts *f)
{
    msg_t *msg = msg_make(mclass, 0, data, (ssize_t)len);
    if (!msg)
        return -1;
    sip_t const *sip = sip_object(msg);
    int rc = msg_has_error(msg) || !sip || sip->sip_error ? -1 : 0;
    if (rc == 0) {
        f->is_request = sip->sip_request != NULL;
        f->status = sip->sip_status ? sip->sip_status->st_status : 0;
        if (sip->sip_request)
            bench_copy(f->method, sizeof(f->method), sip->sip_request->rq_method_name,
                       strlen(sip->sip_request->rq_method_name));
        if (sip->sip_call_id)
            bench_copy(f->call_id, sizeof(f->call_id), sip->sip_call_id->i_id,
                       strlen(sip->sip_call_id->i_id));
        f->cseq = sip->sip_cseq ? sip->sip_cseq->cs_seq : 0;
        for (sip_via_t const *v = sip->sip_via; v; v = v->v_next)
            f->nvia++;
        f->content_length = sip->sip_content_length ? (long)sip->sip_content_length->l_length : -1;
    }
    msg_destroy(msg);
    return rc;
}

const bench_parser bench_sofia = {
    "sofia", "msg_make(sip_default_mclass()) + msg_destroy", sofia_init, sofia_parse, sofia_facts,
};
