/* RFC 3263 server location on c-ares, driven by the endpoint's libuv loop. */
#include "transport/resolve.h"

#include <arpa/nameser.h>
#include <ares.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"

#define MAX_SRV        16
#define ADDRS_PER_NAME 4

typedef struct poll_entry {
    pl_list link;
    uv_poll_t poll;
    ares_socket_t fd;
    struct tp_resolver *r;
} poll_entry;

struct tp_resolver {
    pl_loop *loop;
    ares_channel ch;
    bool have_ares;
    pl_timer timeout;
    pl_list polls;
    pl_list reqs;
};

typedef struct srv_item {
    char name[256];
    uint16_t port;
    uint16_t priority;
    uint16_t weight;
    tp_proto proto;
    int rank; /* position after NAPTR/SRV ordering */
    tp_addr addrs[ADDRS_PER_NAME];
    int naddr;
} srv_item;

struct tp_resolve_req {
    pl_list link;
    tp_resolver *r;
    tp_resolve_cb cb;
    void *arg;
    bool cancelled;
    bool finished;
    int pending; /* DNS queries in flight */
    unsigned supported;
    char host[256];
    uint16_t port;
    tp_proto forced;
    bool sips;
    int stage; /* what the pending queries are for */
    srv_item items[MAX_SRV];
    int nitems;
    int err;
    tp_target out[TP_MAX_TARGETS];
    size_t nout;
    pl_timer deliver;
};

enum { STAGE_NAPTR = 1, STAGE_SRV, STAGE_ADDR, STAGE_PLAIN_ADDR };

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_status;

static void init_ares(void)
{
    ares_init_status = ares_library_init(ARES_LIB_INIT_ALL);
}

/* ---- libuv glue ---- */

static void arm_timeout(tp_resolver *r);

static void on_poll(uv_poll_t *h, int status, int events)
{
    poll_entry *p = h->data;
    tp_resolver *r = p->r;
    ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;
    if (status < 0 || (events & UV_READABLE))
        rfd = p->fd;
    if (status < 0 || (events & UV_WRITABLE))
        wfd = p->fd;
    ares_process_fd(r->ch, rfd, wfd);
    arm_timeout(r);
}

static void on_poll_closed(uv_handle_t *h)
{
    pl_free(h->data);
}

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    tp_resolver *r = data;
    poll_entry *p = NULL;
    pl_list_each(pos, &r->polls)
    {
        poll_entry *e = pl_container_of(pos, poll_entry, link);
        if (e->fd == fd) {
            p = e;
            break;
        }
    }
    if (!readable && !writable) {
        if (p) {
            pl_list_remove(&p->link);
            uv_poll_stop(&p->poll);
            uv_close((uv_handle_t *)&p->poll, on_poll_closed);
        }
        return;
    }
    if (!p) {
        p = pl_calloc(1, sizeof(*p));
        if (!p)
            return;
        p->fd = fd;
        p->r = r;
        if (uv_poll_init_socket(pl_loop_uv(r->loop), &p->poll, fd) != 0) {
            pl_free(p);
            return;
        }
        p->poll.data = p;
        pl_list_insert_tail(&r->polls, &p->link);
    }
    uv_poll_start(&p->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0), on_poll);
}

static void on_timeout(pl_timer *t, void *arg)
{
    (void)t;
    tp_resolver *r = arg;
    ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    arm_timeout(r);
}

static void arm_timeout(tp_resolver *r)
{
    struct timeval tv;
    if (!r->have_ares || !ares_timeout(r->ch, NULL, &tv)) {
        pl_loop_timer_stop(r->loop, &r->timeout);
        return;
    }
    uint64_t ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000 + 1;
    pl_loop_timer_start(r->loop, &r->timeout, ms, on_timeout, r);
}

int tp_resolver_create(pl_loop *loop, const char *servers, tp_resolver **out)
{
    tp_resolver *r = pl_calloc(1, sizeof(*r));
    if (!r)
        return PARLEY_E_NOMEM;
    r->loop = loop;
    pl_timer_init(&r->timeout);
    pl_list_init(&r->polls);
    pl_list_init(&r->reqs);
    pthread_once(&ares_once, init_ares);
    if (!pl_loop_is_virtual(loop) && ares_init_status == ARES_SUCCESS) {
        struct ares_options o;
        memset(&o, 0, sizeof(o));
        o.sock_state_cb = sock_state;
        o.sock_state_cb_data = r;
        o.timeout = 2000;
        o.tries = 2;
        int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
        if (ares_init_options(&r->ch, &o, mask) == ARES_SUCCESS) {
            r->have_ares = true;
            if (servers && *servers && ares_set_servers_ports_csv(r->ch, servers) != ARES_SUCCESS) {
                ares_destroy(r->ch);
                pl_free(r);
                return PARLEY_E_INVAL;
            }
        }
    }
    *out = r;
    return 0;
}

static void maybe_free_req(tp_resolve_req *q)
{
    if ((q->cancelled || q->finished) && q->pending == 0 && !pl_timer_active(&q->deliver)) {
        pl_list_remove(&q->link);
        pl_free(q);
    }
}

void tp_resolver_destroy(tp_resolver *r)
{
    if (!r)
        return;
    pl_list_each_safe(pos, tmp, &r->reqs)
    {
        tp_resolve_req *q = pl_container_of(pos, tp_resolve_req, link);
        tp_resolve_cancel(q);
    }
    if (r->have_ares)
        ares_destroy(r->ch); /* runs the pending query callbacks with ARES_EDESTRUCTION */
    pl_loop_timer_stop(r->loop, &r->timeout);
    pl_list_each_safe(pos, tmp, &r->polls)
    {
        poll_entry *p = pl_container_of(pos, poll_entry, link);
        pl_list_remove(&p->link);
        uv_poll_stop(&p->poll);
        uv_close((uv_handle_t *)&p->poll, on_poll_closed);
    }
    pl_list_each_safe(pos, tmp, &r->reqs)
    {
        tp_resolve_req *q = pl_container_of(pos, tp_resolve_req, link);
        pl_list_remove(&q->link);
        pl_free(q);
    }
    pl_free(r);
}

/* ---- request stages ---- */

static void on_deliver(pl_timer *t, void *arg)
{
    (void)t;
    tp_resolve_req *q = arg;
    if (!q->cancelled)
        q->cb(q->arg, q->nout ? 0 : (q->err ? q->err : PARLEY_E_NOROUTE), q->out, q->nout);
    q->finished = true;
    maybe_free_req(q);
}

static void finish(tp_resolve_req *q)
{
    q->finished = true;
    pl_loop_timer_start(q->r->loop, &q->deliver, 0, on_deliver, q);
}

static void add_target(tp_resolve_req *q, tp_proto proto, const tp_addr *a, const char *host)
{
    if (q->nout >= TP_MAX_TARGETS || !(q->supported & (1u << proto)))
        return;
    tp_target *t = &q->out[q->nout++];
    t->proto = proto;
    t->addr = *a;
    snprintf(t->host, sizeof(t->host), "%s", host);
}

static void compose(tp_resolve_req *q)
{
    for (int i = 0; i < q->nitems; i++) {
        srv_item *it = &q->items[i];
        for (int k = 0; k < it->naddr; k++) {
            tp_addr a = it->addrs[k];
            tp_addr_set_port(&a, it->port);
            add_target(q, it->proto, &a, q->host);
        }
    }
    finish(q);
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    (void)timeouts;
    srv_item *it = arg;
    if (status == ARES_SUCCESS && res) {
        for (struct ares_addrinfo_node *n = res->nodes; n && it->naddr < ADDRS_PER_NAME;
             n = n->ai_next) {
            if (n->ai_family != AF_INET && n->ai_family != AF_INET6)
                continue;
            tp_addr a;
            memset(&a, 0, sizeof(a));
            memcpy(&a.u, n->ai_addr, n->ai_addrlen < sizeof(a.u) ? n->ai_addrlen : sizeof(a.u));
            it->addrs[it->naddr++] = a;
        }
    }
    if (res)
        ares_freeaddrinfo(res);
}

typedef struct addr_query {
    tp_resolve_req *q;
    int index;
} addr_query;

static void on_addr_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    addr_query *aq = arg;
    tp_resolve_req *q = aq->q;
    on_addrinfo(&q->items[aq->index], status, timeouts, res);
    pl_free(aq);
    q->pending--;
    if (q->cancelled) {
        maybe_free_req(q);
        return;
    }
    if (q->pending == 0)
        compose(q);
}

static void lookup_addresses(tp_resolve_req *q)
{
    q->stage = STAGE_ADDR;
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    int started = 0;
    q->pending++; /* guard: callbacks may run inside ares_getaddrinfo */
    for (int i = 0; i < q->nitems; i++) {
        addr_query *aq = pl_malloc(sizeof(*aq));
        if (!aq)
            continue;
        aq->q = q;
        aq->index = i;
        q->pending++;
        started++;
        ares_getaddrinfo(q->r->ch, q->items[i].name, NULL, &hints, on_addr_done, aq);
    }
    q->pending--;
    arm_timeout(q->r);
    if (q->cancelled)
        maybe_free_req(q);
    else if (q->pending == 0)
        compose(q);
    (void)started;
}

/* RFC 2782 order: priority ascending, then weighted random within a priority. */
static void order_srv(srv_item *items, int n)
{
    for (int i = 1; i < n; i++) {
        srv_item tmp = items[i];
        int j = i;
        while (j > 0 && (items[j - 1].rank > tmp.rank ||
                         (items[j - 1].rank == tmp.rank && items[j - 1].priority > tmp.priority))) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = tmp;
    }
    int start = 0;
    while (start < n) {
        int end = start;
        while (end < n && items[end].rank == items[start].rank &&
               items[end].priority == items[start].priority)
            end++;
        for (int pos = start; pos < end - 1; pos++) {
            uint32_t sum = 0;
            for (int k = pos; k < end; k++)
                sum += items[k].weight;
            int pick = pos;
            if (sum > 0) {
                uint32_t x = (uint32_t)pl_rand_below((uint64_t)sum + 1), run = 0;
                for (int k = pos; k < end; k++) {
                    run += items[k].weight;
                    if (run >= x && items[k].weight) {
                        pick = k;
                        break;
                    }
                }
            }
            srv_item tmp = items[pos];
            items[pos] = items[pick];
            items[pick] = tmp;
        }
        start = end;
    }
}

static void plain_address_stage(tp_resolve_req *q, tp_proto proto)
{
    q->nitems = 1;
    srv_item *it = &q->items[0];
    memset(it, 0, sizeof(*it));
    snprintf(it->name, sizeof(it->name), "%s", q->host);
    it->port = q->port ? q->port : tp_default_port(proto);
    it->proto = proto;
    lookup_addresses(q);
}

static tp_proto default_proto(const tp_resolve_req *q)
{
    if (q->forced)
        return q->forced;
    return q->sips ? TP_TLS : TP_UDP;
}

typedef struct srv_query {
    tp_resolve_req *q;
    tp_proto proto;
    int rank;
} srv_query;

static void srv_stage_done(tp_resolve_req *q)
{
    if (q->nitems == 0) {
        plain_address_stage(q, default_proto(q));
        return;
    }
    order_srv(q->items, q->nitems);
    lookup_addresses(q);
}

static void on_srv(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    srv_query *sq = arg;
    tp_resolve_req *q = sq->q;
    struct ares_srv_reply *srv = NULL;
    if (status == ARES_SUCCESS && !q->cancelled &&
        ares_parse_srv_reply(abuf, alen, &srv) == ARES_SUCCESS) {
        for (struct ares_srv_reply *s = srv; s && q->nitems < MAX_SRV; s = s->next) {
            if (!strcmp(s->host, "."))
                continue; /* "service not available here" */
            srv_item *it = &q->items[q->nitems++];
            memset(it, 0, sizeof(*it));
            snprintf(it->name, sizeof(it->name), "%s", s->host);
            it->port = s->port;
            it->priority = s->priority;
            it->weight = s->weight;
            it->proto = sq->proto;
            it->rank = sq->rank;
        }
        ares_free_data(srv);
    }
    pl_free(sq);
    q->pending--;
    if (q->cancelled) {
        maybe_free_req(q);
        return;
    }
    if (q->pending == 0)
        srv_stage_done(q);
}

static void query_srv(tp_resolve_req *q, const char *name, tp_proto proto, int rank)
{
    srv_query *sq = pl_malloc(sizeof(*sq));
    if (!sq)
        return;
    sq->q = q;
    sq->proto = proto;
    sq->rank = rank;
    q->pending++;
    ares_query(q->r->ch, name, ns_c_in, ns_t_srv, on_srv, sq);
}

static void srv_without_naptr(tp_resolve_req *q)
{
    q->stage = STAGE_SRV;
    char name[300];
    q->pending++;
    int rank = 0;
    static const struct {
        tp_proto proto;
        const char *prefix;
    } order[] = {{TP_UDP, "_sip._udp"}, {TP_TCP, "_sip._tcp"}, {TP_TLS, "_sips._tcp"}};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        tp_proto p = order[i].proto;
        if (q->forced && p != q->forced)
            continue;
        if (q->sips && p != TP_TLS)
            continue;
        if (!(q->supported & (1u << p)))
            continue;
        snprintf(name, sizeof(name), "%s.%s", order[i].prefix, q->host);
        query_srv(q, name, p, rank++);
    }
    q->pending--;
    arm_timeout(q->r);
    if (q->cancelled)
        maybe_free_req(q);
    else if (q->pending == 0)
        srv_stage_done(q);
}

static tp_proto naptr_service(const char *service, bool sips)
{
    if (!strcasecmp(service, "SIPS+D2T"))
        return TP_TLS;
    if (sips)
        return TP_NONE;
    if (!strcasecmp(service, "SIP+D2U"))
        return TP_UDP;
    if (!strcasecmp(service, "SIP+D2T"))
        return TP_TCP;
    return TP_NONE;
}

static void on_naptr(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    tp_resolve_req *q = arg;
    q->pending--;
    if (q->cancelled) {
        maybe_free_req(q);
        return;
    }
    struct ares_naptr_reply *naptr = NULL;
    if (status != ARES_SUCCESS || ares_parse_naptr_reply(abuf, alen, &naptr) != ARES_SUCCESS) {
        srv_without_naptr(q);
        return;
    }
    /* sort the usable records by order, then preference (insertion sort of pointers) */
    struct ares_naptr_reply *use[8];
    int n = 0;
    for (struct ares_naptr_reply *r = naptr; r && n < 8; r = r->next) {
        tp_proto p = naptr_service((const char *)r->service, q->sips);
        if (p == TP_NONE || !(q->supported & (1u << p)))
            continue;
        if (strcasecmp((const char *)r->flags, "s") != 0)
            continue;
        int j = n++;
        while (j > 0 &&
               (use[j - 1]->order > r->order ||
                (use[j - 1]->order == r->order && use[j - 1]->preference > r->preference))) {
            use[j] = use[j - 1];
            j--;
        }
        use[j] = r;
    }
    if (n == 0) {
        ares_free_data(naptr);
        srv_without_naptr(q);
        return;
    }
    q->stage = STAGE_SRV;
    q->pending++;
    for (int i = 0; i < n; i++)
        query_srv(q, use[i]->replacement, naptr_service((const char *)use[i]->service, q->sips), i);
    ares_free_data(naptr);
    q->pending--;
    arm_timeout(q->r);
    if (q->cancelled)
        maybe_free_req(q);
    else if (q->pending == 0)
        srv_stage_done(q);
}

tp_proto tp_uri_transport(const sip_uri *uri)
{
    if (uri->transport.len)
        return tp_proto_parse(uri->transport);
    return uri->kind == SIP_URI_SIPS ? TP_TLS : TP_UDP;
}

int tp_resolve(tp_resolver *r, const sip_uri *uri, unsigned supported, tp_resolve_cb cb, void *arg,
               tp_resolve_req **req)
{
    if (req)
        *req = NULL;
    if (uri->kind != SIP_URI_SIP && uri->kind != SIP_URI_SIPS)
        return PARLEY_E_UNSUPPORTED;
    pl_str host = uri->maddr.len ? uri->maddr : uri->host;
    if (!host.len || host.len >= 256)
        return PARLEY_E_INVAL;
    tp_resolve_req *q = pl_calloc(1, sizeof(*q));
    if (!q)
        return PARLEY_E_NOMEM;
    q->r = r;
    q->cb = cb;
    q->arg = arg;
    q->supported = supported;
    q->sips = uri->kind == SIP_URI_SIPS;
    q->port = uri->port;
    memcpy(q->host, host.p, host.len);
    pl_timer_init(&q->deliver);
    pl_list_insert_tail(&r->reqs, &q->link);
    if (uri->transport.len) {
        q->forced = tp_proto_parse(uri->transport);
        if (q->forced == TP_NONE || (q->sips && q->forced == TP_UDP)) {
            q->err = PARLEY_E_UNSUPPORTED;
            finish(q);
            goto out;
        }
        if (q->sips)
            q->forced = TP_TLS;
    }
    tp_addr a;
    if (tp_addr_from_host(host, q->port ? q->port : tp_default_port(default_proto(q)), &a) == 0) {
        add_target(q, default_proto(q), &a, q->host);
        if (!q->nout)
            q->err = PARLEY_E_UNSUPPORTED;
        finish(q);
    } else if (!r->have_ares) {
        q->err = PARLEY_E_NOROUTE;
        finish(q);
    } else if (q->port) {
        q->stage = STAGE_PLAIN_ADDR;
        plain_address_stage(q, default_proto(q));
    } else if (q->forced) {
        srv_without_naptr(q);
    } else {
        q->stage = STAGE_NAPTR;
        q->pending++;
        ares_query(r->ch, q->host, ns_c_in, ns_t_naptr, on_naptr, q);
        arm_timeout(r);
    }
out:
    if (req)
        *req = q; /* cancellable until cb runs; invalid afterwards */
    return 0;
}

void tp_resolve_cancel(tp_resolve_req *q)
{
    if (!q || q->cancelled)
        return;
    q->cancelled = true;
    pl_loop_timer_stop(q->r->loop, &q->deliver);
    maybe_free_req(q);
}
