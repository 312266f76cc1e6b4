/*
 * Differential fuzzer (bench/parse/difffuzz/run.sh): REV's message parser (its symbols renamed
 * old_*) against this tree's. The first byte of an input picks the flags and limits: bit 0 a
 * stream, bit 1 small limits (scaled by the upper bits), bit 2 SIP_PARSE_TOO_LARGE; the rest is
 * the message, parsed from a buffer of exactly its size. Any difference in the return code, the
 * fault or a field of the message (slices compared as offsets into each copy), or of the same
 * bytes parsed as one URI, aborts naming it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/error.h"
#include "sip/msg.h"
#include "sip/uri.h"

int old_sip_msg_parse(const char *data, size_t len, unsigned flags, const sip_limits *lim,
                      sip_msg **out, sip_error *err);
void old_sip_msg_free(sip_msg *m);
int old_sip_uri_parse(pl_str text, sip_uri *u, const char **fault_at, const char **reason);

static const char *ctx;

static void fail(const char *what)
{
    fprintf(stderr, "DIFF in %s: %s\n", ctx, what);
    abort();
}

static void cmp_str(pl_str a, const char *abase, pl_str b, const char *bbase, const char *what)
{
    if (a.len != b.len)
        fail(what);
    if ((a.p == NULL) != (b.p == NULL))
        fail(what);
    if (a.p && (a.p - abase) != (b.p - bbase)) {
        fprintf(stderr, "%s: off %ld vs %ld len %zu\n", what, (long)(a.p - abase),
                (long)(b.p - bbase), a.len);
        fail(what);
    }
}

#define S(f) cmp_str(a->f, ab, b->f, bb, #f)

static void cmp_uri(const sip_uri *a, const char *ab, const sip_uri *b, const char *bb)
{
    S(raw);
    S(scheme);
    S(user);
    S(password);
    S(host);
    S(params);
    S(headers);
    S(transport);
    S(maddr);
    S(user_param);
    S(method);
    S(ttl);
    if (a->port != b->port || a->kind != b->kind || a->host_type != b->host_type || a->lr != b->lr)
        fail("uri scalars");
}

static void cmp_naddr(const sip_naddr *a, const char *ab, const sip_naddr *b, const char *bb)
{
    for (; a || b; a = a->next, b = b->next) {
        if (!a || !b)
            fail("naddr count");
        S(raw);
        S(display);
        cmp_uri(&a->uri, ab, &b->uri, bb);
        S(params);
        S(tag);
        S(epid);
        S(expires);
        S(q);
        if (a->bracketed != b->bracketed)
            fail("bracketed");
    }
}

static void cmp_via(const sip_via *a, const char *ab, const sip_via *b, const char *bb)
{
    for (; a || b; a = a->next, b = b->next) {
        if (!a || !b)
            fail("via count");
        S(raw);
        S(protocol);
        S(version);
        S(transport);
        S(host);
        S(params);
        S(branch);
        S(received);
        S(rport);
        S(maddr);
        S(ttl);
        if (a->port != b->port || a->host_type != b->host_type || a->has_rport != b->has_rport)
            fail("via scalars");
    }
}

static void cmp_err(const sip_error *a, const sip_error *b)
{
    if (a->code != b->code || a->offset != b->offset || a->status != b->status) {
        fprintf(stderr, "err %d/%ld/%d %s: %s vs %d/%ld/%d %s: %s\n", a->code, a->offset, a->status,
                a->what, a->reason, b->code, b->offset, b->status, b->what, b->reason);
        fail("err");
    }
    if ((a->what == NULL) != (b->what == NULL) || (a->what && strcmp(a->what, b->what)))
        fail("err what");
    if ((a->reason == NULL) != (b->reason == NULL) || (a->reason && strcmp(a->reason, b->reason))) {
        fprintf(stderr, "reason '%s' vs '%s'\n", a->reason, b->reason);
        fail("err reason");
    }
}

static void cmp_msg(const sip_msg *a, const sip_msg *b)
{
    const char *ab = a->data.p, *bb = b->data.p;
    if (a->is_request != b->is_request || a->method_id != b->method_id || a->status != b->status)
        fail("start scalars");
    S(method);
    S(version);
    S(reason);
    cmp_uri(&a->ruri, ab, &b->ruri, bb);
    if (a->nhdrs != b->nhdrs)
        fail("nhdrs");
    for (unsigned i = 0; i < a->nhdrs; i++) {
        const sip_hdr *x = &a->hdrs[i], *y = &b->hdrs[i];
        cmp_str(x->name, ab, y->name, bb, "hdr name");
        cmp_str(x->value, ab, y->value, bb, "hdr value");
        if (x->offset != y->offset || x->id != y->id || x->next != y->next)
            fail("hdr scalars");
    }
    if (memcmp(a->first, b->first, sizeof(a->first)))
        fail("first");
    cmp_via(a->via, ab, b->via, bb);
    if (a->nvia != b->nvia)
        fail("nvia");
    cmp_naddr(a->from, ab, b->from, bb);
    cmp_naddr(a->to, ab, b->to, bb);
    cmp_naddr(a->contact, ab, b->contact, bb);
    cmp_naddr(a->route, ab, b->route, bb);
    cmp_naddr(a->record_route, ab, b->record_route, bb);
    if (a->contact_star != b->contact_star)
        fail("star");
    S(call_id);
    if (a->cseq.num != b->cseq.num || a->cseq.method_id != b->cseq.method_id ||
        a->has_cseq != b->has_cseq)
        fail("cseq");
    S(cseq.method);
    if (a->max_forwards != b->max_forwards || a->content_length != b->content_length)
        fail("mf/cl");
    S(ctype.type);
    S(ctype.subtype);
    S(ctype.params);
    S(body);
    if (a->data.len != b->data.len || a->consumed != b->consumed)
        fail("data/consumed");
    cmp_err(&a->err, &b->err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    /* the message in a buffer of exactly its size, so that ASan sees any read past it */
    char *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    sip_limits lim = {0};
    if (sel & 2) {
        lim.max_size = 64 + (sel >> 3) * 8;
        lim.max_line = 24 + (sel >> 4) * 6;
        lim.max_headers = 2 + (sel >> 5);
        lim.max_list = 1 + (sel >> 6);
        lim.max_nesting = 1 + (sel >> 6);
    }
    unsigned flags = (sel & 1) | ((sel & 4) ? SIP_PARSE_TOO_LARGE : 0);
    ctx = "msg";
    sip_msg *a = NULL, *b = NULL;
    sip_error ea = {0}, eb = {0};
    int ra = old_sip_msg_parse(copy, n, flags, &lim, &a, &ea);
    int rb = sip_msg_parse(copy, n, flags, &lim, &b, &eb);
    if (ra != rb)
        fail("rc");
    cmp_err(&ea, &eb);
    if ((a == NULL) != (b == NULL))
        fail("msg null");
    if (a)
        cmp_msg(a, b);
    old_sip_msg_free(a);
    sip_msg_free(b);

    ctx = "uri";
    sip_uri ua, ub;
    const char *fa = NULL, *fb = NULL, *wa = NULL, *wb = NULL;
    ra = old_sip_uri_parse(pl_str_make(copy, n), &ua, &fa, &wa);
    rb = sip_uri_parse(pl_str_make(copy, n), &ub, &fb, &wb);
    if (ra != rb || fa != fb)
        fail("uri rc/fault");
    if ((wa == NULL) != (wb == NULL) || (wa && strcmp(wa, wb)))
        fail("uri reason");
    if (ra == 0)
        cmp_uri(&ua, copy, &ub, copy);
    free(copy);
    return 0;
}
