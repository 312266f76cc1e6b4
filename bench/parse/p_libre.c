/*
 * libre: the bytes go into a new mbuf (as libre's UDP receive path allocates one per datagram,
 * and as parley and Sofia copy the bytes into their message), then sip_msg_decode(), which
 * parses the start line, the first Via, From, To, CSeq, Content-Type and the Request-URI and
 * keeps every other header as a slice. Both are freed with mem_deref().
 *
 * libre-full adds what parley also does eagerly: every Via value and every Contact, Route and
 * Record-Route value decoded (sip_via_decode / sip_addr_decode over the header lists).
 */
#include <re.h>

#include "bench.h"

static int libre_init_once(void)
{
    static int done, rc;
    if (!done) {
        rc = libre_init();
        done = 1;
    }
    return rc;
}

static struct sip_msg *decode(const char *data, size_t len, struct mbuf **mbp)
{
    struct mbuf *mb = mbuf_alloc(len);
    struct sip_msg *msg = NULL;
    *mbp = mb;
    if (!mb || mbuf_write_mem(mb, (const uint8_t *)data, len) != 0)
        return NULL;
    mb->pos = 0;
    if (sip_msg_decode(&msg, mb) != 0)
        return NULL;
    return msg;
}

static int libre_parse(const char *data, size_t len)
{
    struct mbuf *mb;
    struct sip_msg *msg = decode(data, len, &mb);
    mem_deref(msg);
    mem_deref(mb);
    return msg ? 0 : -1;
}

static bool via_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
    struct sip_via via;
    (void)msg;
    if (sip_via_decode(&via, &hdr->val) != 0)
        *(int *)arg = -1;
    return false;
}

static bool addr_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
    struct sip_addr addr;
    (void)msg;
    if (sip_addr_decode(&addr, &hdr->val) != 0)
        *(int *)arg = -1;
    return false;
}

static int decode_routing(const struct sip_msg *msg)
{
    int rc = 0;
    sip_msg_hdr_apply(msg, true, SIP_HDR_VIA, via_h, &rc);
    sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, addr_h, &rc);
    sip_msg_hdr_apply(msg, true, SIP_HDR_ROUTE, addr_h, &rc);
    sip_msg_hdr_apply(msg, true, SIP_HDR_RECORD_ROUTE, addr_h, &rc);
    return rc;
}

static int libre_full_parse(const char *data, size_t len)
{
    struct mbuf *mb;
    struct sip_msg *msg = decode(data, len, &mb);
    int rc = msg ? decode_routing(msg) : -1;
    mem_deref(msg);
    mem_deref(mb);
    return rc;
}

static int facts(const char *data, size_t len, bench_facts *f, bool full)
{
    struct mbuf *mb;
    struct sip_msg *msg = decode(data, len, &mb);
    int rc = msg ? 0 : -1;
    if (msg && full)
        rc = decode_routing(msg);
    if (rc == 0) {
        f->is_request = msg->req;
        f->status = msg->scode;
        if (msg->req)
            bench_copy(f->method, sizeof(f->method), msg->met.p, msg->met.l);
        bench_copy(f->call_id, sizeof(f->call_id), msg->callid.p, msg->callid.l);
        f->cseq = msg->cseq.num;
        f->nvia = sip_msg_hdr_count(msg, SIP_HDR_VIA);
        f->content_length = pl_isset(&msg->clen) ? (long)pl_u32(&msg->clen) : -1;
    }
    mem_deref(msg);
    mem_deref(mb);
    return rc;
}

static int libre_facts(const char *data, size_t len, bench_facts *f)
{
    return facts(data, len, f, false);
}

static int libre_full_facts(const char *data, size_t len, bench_facts *f)
{
    return facts(data, len, f, true);
}

const bench_parser bench_libre = {
    "libre",     "mbuf_alloc + write + sip_msg_decode + mem_deref x2", libre_init_once, libre_parse,
    libre_facts,
};

const bench_parser bench_libre_full = {
    "libre-full",
    "libre + sip_via_decode/sip_addr_decode on every Via, Contact, Route, Record-Route",
    libre_init_once,
    libre_full_parse,
    libre_full_facts,
};
