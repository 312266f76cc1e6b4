#include "vnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"

#define MAX_NODES 64

typedef struct vnode {
    char name[64];
    tp_addr addr;
    parley_endpoint *ep;
    tp_iface *ifc; /* NULL for scripted peers and after the endpoint closed it */
    bool gone;     /* its process is gone: datagrams to it come back as ICMP unreachable */
} vnode;

typedef struct viface {
    tp_iface base;
    vnet *n;
    vnode *node;
} viface;

typedef struct inflight {
    pl_timer t;
    vnet *n;
    size_t index;
    struct inflight *next_free;
} inflight;

struct vnet {
    pl_loop *loop;
    unsigned delay;
    double loss;
    uint64_t rng;
    vnet_rule rule;
    void *rule_arg;
    vnode nodes[MAX_NODES];
    size_t nnodes;
    vnet_packet *log;
    size_t nlog, caplog;
    size_t inflight_count;
};

vnet *vnet_new(uint64_t start_ms)
{
    vnet *n = calloc(1, sizeof(*n));
    pl_loop_create_virtual(start_ms, &n->loop);
    n->delay = 1;
    return n;
}

pl_loop *vnet_loop(vnet *n)
{
    return n->loop;
}

uint64_t vnet_now(vnet *n)
{
    return pl_loop_now(n->loop);
}

void vnet_set_delay(vnet *n, unsigned ms)
{
    n->delay = ms;
}

void vnet_set_loss(vnet *n, double p, uint64_t seed)
{
    n->loss = p;
    n->rng = seed ? seed : 1;
}

void vnet_set_rule(vnet *n, vnet_rule rule, void *arg)
{
    n->rule = rule;
    n->rule_arg = arg;
}

static double next_random(vnet *n)
{
    /* xorshift64*: deterministic per seed */
    n->rng ^= n->rng >> 12;
    n->rng ^= n->rng << 25;
    n->rng ^= n->rng >> 27;
    return (double)((n->rng * 0x2545f4914f6cdd1dull) >> 11) / (double)(1ull << 53);
}

static vnode *find_node(vnet *n, const tp_addr *a)
{
    for (size_t i = 0; i < n->nnodes; i++)
        if (tp_addr_eq(&n->nodes[i].addr, a))
            return &n->nodes[i];
    return NULL;
}

static void describe(vnet_packet *p)
{
    const char *nl = memchr(p->data, '\n', p->len);
    size_t l = nl ? (size_t)(nl - p->data) : p->len;
    if (l && p->data[l - 1] == '\r')
        l--;
    if (l >= sizeof(p->first_line))
        l = sizeof(p->first_line) - 1;
    memcpy(p->first_line, p->data, l);
    p->first_line[l] = '\0';
    if (!strncmp(p->first_line, "SIP/2.0 ", 8)) {
        p->status = atoi(p->first_line + 8);
        const char *cseq = strstr(p->data, "\nCSeq:");
        if (cseq)
            sscanf(cseq + 6, "%*u %31s", p->method);
    } else {
        sscanf(p->first_line, "%31s", p->method);
    }
}

static void on_deliver(pl_timer *t, void *arg)
{
    (void)t;
    inflight *f = arg;
    vnet *n = f->n;
    vnet_packet *p = &n->log[f->index];
    p->deliver_at = pl_loop_now(n->loop);
    tp_addr src, dst;
    tp_addr_parse(p->src, NULL, &src);
    tp_addr_parse(p->dst, NULL, &dst);
    vnode *node = find_node(n, &dst);
    n->inflight_count--;
    free(f);
    if (node && node->gone) {
        /* what a host says for a closed port (RFC 3261 §18.4): the sender learns it */
        vnode *from = find_node(n, &src);
        if (from && from->ifc)
            tp_iface_unreachable(from->ifc, &dst, PARLEY_E_CONNECT);
        return;
    }
    if (node && node->ifc) {
        /* the log may grow (and move) while the receiver answers: deliver a copy */
        size_t len = p->len;
        char *copy = malloc(len + 1);
        memcpy(copy, p->data, len);
        tp_iface_deliver(node->ifc, &src, copy, len);
        free(copy);
    }
}

static void vsend_from(vnet *n, const tp_addr *src, const tp_addr *dst, const char *data,
                       size_t len)
{
    if (n->nlog == n->caplog) {
        n->caplog = n->caplog ? n->caplog * 2 : 256;
        n->log = realloc(n->log, n->caplog * sizeof(*n->log));
    }
    size_t index = n->nlog++;
    vnet_packet *p = &n->log[index];
    memset(p, 0, sizeof(*p));
    p->sent_at = pl_loop_now(n->loop);
    tp_addr_str(src, p->src, sizeof(p->src));
    tp_addr_str(dst, p->dst, sizeof(p->dst));
    p->data = malloc(len + 1);
    memcpy(p->data, data, len);
    p->data[len] = '\0';
    p->len = len;
    describe(p);
    vnet_action act = {0};
    if (n->rule)
        act = n->rule(n->rule_arg, p, (unsigned)index);
    if (!act.drop && n->loss > 0 && next_random(n) < n->loss)
        act.drop = true;
    p = &n->log[index];
    if (act.drop) {
        p->dropped = true;
        return;
    }
    for (unsigned c = 0; c <= act.duplicates; c++) {
        inflight *f = calloc(1, sizeof(*f));
        f->n = n;
        f->index = index;
        pl_timer_init(&f->t);
        n->inflight_count++;
        pl_loop_timer_start(n->loop, &f->t, n->delay + act.extra_delay + c, on_deliver, f);
    }
}

static int viface_send(tp_iface *ifc, const tp_addr *dst, const char *data, size_t len)
{
    viface *v = (viface *)ifc;
    vsend_from(v->n, &ifc->local, dst, data, len);
    return 0;
}

static void viface_close(tp_iface *ifc)
{
    viface *v = (viface *)ifc;
    if (v->node)
        v->node->ifc = NULL;
    free(v);
}

static const tp_iface_ops viface_ops = {viface_send, viface_close};

parley_endpoint *vnet_endpoint(vnet *n, const char *addr, const parley_endpoint_config *cfg)
{
    parley_endpoint_config c = PARLEY_ENDPOINT_CONFIG_INIT;
    if (cfg)
        c = *cfg;
    char uri[96];
    if (!c.uri) {
        snprintf(uri, sizeof(uri), "sip:node@%s", addr);
        c.uri = uri;
    }
    parley_endpoint *ep = NULL;
    if (ep_create_on(&c, n->loop, &ep) != 0)
        return NULL;
    vnode *node = &n->nodes[n->nnodes++];
    snprintf(node->name, sizeof(node->name), "%s", addr);
    tp_addr_parse(addr, NULL, &node->addr);
    node->ep = ep;
    viface *v = calloc(1, sizeof(*v));
    v->base.ops = &viface_ops;
    v->base.proto = TP_UDP;
    v->base.local = node->addr;
    v->n = n;
    v->node = node;
    node->ifc = &v->base;
    tp_iface_attach(ep->tp, &v->base);
    ep_refresh_addresses(ep);
    return ep;
}

tp_layer *vnet_transport(vnet *n, const char *addr, const tp_handler *h)
{
    tp_config tc = {0};
    tp_layer *tp = NULL;
    if (tp_layer_create(n->loop, &tc, h, &tp) != 0)
        return NULL;
    vnode *node = &n->nodes[n->nnodes++];
    snprintf(node->name, sizeof(node->name), "%s", addr);
    tp_addr_parse(addr, NULL, &node->addr);
    viface *v = calloc(1, sizeof(*v));
    v->base.ops = &viface_ops;
    v->base.proto = TP_UDP;
    v->base.local = node->addr;
    v->n = n;
    v->node = node;
    node->ifc = &v->base;
    tp_iface_attach(tp, &v->base);
    return tp;
}

void vnet_peer(vnet *n, const char *addr)
{
    vnode *node = &n->nodes[n->nnodes++];
    snprintf(node->name, sizeof(node->name), "%s", addr);
    tp_addr_parse(addr, NULL, &node->addr);
}

void vnet_gone(vnet *n, const char *addr)
{
    tp_addr a;
    tp_addr_parse(addr, NULL, &a);
    vnode *node = find_node(n, &a);
    if (node)
        node->gone = true;
}

void vnet_inject(vnet *n, const char *src, const char *dst, const char *text)
{
    tp_addr s, d;
    tp_addr_parse(src, NULL, &s);
    tp_addr_parse(dst, NULL, &d);
    vsend_from(n, &s, &d, text, strlen(text));
}

void vnet_inject_bytes(vnet *n, const char *src, const char *dst, const void *data, size_t len)
{
    tp_addr s, d;
    tp_addr_parse(src, NULL, &s);
    tp_addr_parse(dst, NULL, &d);
    vsend_from(n, &s, &d, data, len);
}

void vnet_run(vnet *n, uint64_t ms)
{
    pl_loop_advance(n->loop, ms);
}

size_t vnet_count(vnet *n)
{
    return n->nlog;
}

const vnet_packet *vnet_get(vnet *n, size_t i)
{
    return i < n->nlog ? &n->log[i] : NULL;
}

size_t vnet_count_match(vnet *n, const char *src, const char *prefix)
{
    size_t c = 0;
    for (size_t i = 0; i < n->nlog; i++) {
        const vnet_packet *p = &n->log[i];
        if ((!src || !strcmp(p->src, src)) && !strncmp(p->first_line, prefix, strlen(prefix)))
            c++;
    }
    return c;
}

const vnet_packet *vnet_find(vnet *n, const char *dst, const char *prefix, size_t nth)
{
    for (size_t i = 0; i < n->nlog; i++) {
        const vnet_packet *p = &n->log[i];
        if (p->dropped || !p->deliver_at)
            continue;
        if ((!dst || !strcmp(p->dst, dst)) && !strncmp(p->first_line, prefix, strlen(prefix)) &&
            nth-- == 0)
            return p;
    }
    return NULL;
}

void vnet_header_line(const vnet_packet *p, const char *name, char *out, size_t size)
{
    char needle[64];
    snprintf(needle, sizeof(needle), "\r\n%s: ", name);
    const char *line = strstr(p->data, needle);
    const char *end = line ? strstr(line + 2, "\r\n") : NULL;
    size_t n = line && end ? (size_t)(end - (line + 2)) : 0;
    if (n >= size)
        n = size - 1;
    memcpy(out, line ? line + 2 : "", n);
    out[n] = '\0';
}

void vnet_dump(vnet *n)
{
    for (size_t i = 0; i < n->nlog; i++) {
        const vnet_packet *p = &n->log[i];
        fprintf(stderr, "#%zu t=%llu %s -> %s %s%s\n", i, (unsigned long long)p->sent_at, p->src,
                p->dst, p->first_line, p->dropped ? " [dropped]" : "");
    }
}

void vnet_free(vnet *n)
{
    for (size_t i = 0; i < n->nnodes; i++)
        if (n->nodes[i].ep)
            parley_endpoint_unref(n->nodes[i].ep);
    /* packets still in flight: drain them to nowhere (an hour at most; advancing costs a step
     * per 64 ms, so stepping the whole hour every time would slow fuzzing down) */
    for (size_t i = 0; i < n->nnodes; i++)
        n->nodes[i].ifc = NULL;
    pl_loop_advance(n->loop, 0);
    for (unsigned s = 0; n->inflight_count && s < 3600; s++)
        pl_loop_advance(n->loop, 1000);
    pl_loop_destroy(n->loop);
    for (size_t i = 0; i < n->nlog; i++)
        free(n->log[i].data);
    free(n->log);
    free(n);
}
