/* The endpoint: configuration, listening points, the loop thread, life cycle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/uri.h"

#define PARLEY_VERSION_STRING "parley/0.1"

static char *dup_or_null(const char *s)
{
    return s ? pl_str_dup(pl_str_c(s)) : NULL;
}

/* "type/subtype", each a token (an Accept media range without parameters; "*" is a token). */
static bool media_range_ok(const char *r)
{
    const char *slash = strchr(r, '/');
    return slash && sip_is_token(r, (size_t)(slash - r)) &&
           sip_is_token(slash + 1, strlen(slash + 1));
}

/* "name: value\r\n" in a new string; *len its length. NULL without memory. */
static char *header_line(const char *name, const char *value, size_t *len)
{
    size_t n = strlen(name), v = strlen(value);
    char *l = pl_malloc(n + v + 5);
    if (!l)
        return NULL;
    memcpy(l, name, n);
    memcpy(l + n, ": ", 2);
    memcpy(l + n + 2, value, v);
    memcpy(l + n + 2 + v, "\r\n", 3);
    *len = n + v + 4;
    return l;
}

static char **dup_list(const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    char **out = pl_calloc(n + 1, sizeof(char *));
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[i] = pl_str_dup(pl_str_c(list[i]));
        if (!out[i]) {
            for (size_t j = 0; j < i; j++)
                pl_free(out[j]);
            pl_free(out);
            return NULL;
        }
    }
    return out;
}

static void free_list(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        pl_free(list[i]);
    pl_free(list);
}

/* ---- transport events ---- */

static void on_msg(void *arg, sip_msg *m, const tp_rx *rx)
{
    parley_endpoint *ep = arg;
    if (ep->stopping) {
        sip_msg_free(m);
        return;
    }
    txn_layer_recv(ep->txn, m, rx);
}

static void on_conn_down(void *arg, uint64_t conn_id, int err)
{
    parley_endpoint *ep = arg;
    if (ep->txn)
        txn_layer_conn_down(ep->txn, conn_id, err);
}

static void on_unreachable(void *arg, const tp_addr *dst, int err)
{
    parley_endpoint *ep = arg;
    if (ep->txn)
        txn_layer_unreachable(ep->txn, dst, err);
}

static void on_trace(void *arg, bool sent, tp_proto proto, const tp_addr *local,
                     const tp_addr *remote, const char *data, size_t len)
{
    parley_endpoint *ep = arg;
    if (!ep->cfg.on_trace)
        return;
    char l[64], r[64];
    tp_addr here; /* a wildcard bind's real address towards the peer */
    tp_trace_local(ep->tp, local, remote, &here);
    parley_trace_event ev = {
        .sent = sent,
        .transport = tp_proto_name(proto),
        .local = tp_addr_str(&here, l, sizeof(l)),
        .remote = tp_addr_str(remote, r, sizeof(r)),
        .data = data,
        .len = len,
        .time_us = pl_loop_wall_us(ep->loop),
    };
    ep->cfg.on_trace(ep, &ev, ep->cfg.user);
}

/* ---- configuration ---- */

static void free_config(parley_endpoint *ep)
{
    pl_free(ep->uri);
    pl_free(ep->display);
    pl_free(ep->epid);
    pl_free(ep->server_line);
    pl_free(ep->ua_line);
    pl_free(ep->user);
    free_list(ep->accept);
    for (size_t i = 0; i < ep->nlisten; i++)
        pl_free(ep->listen[i]);
    pl_free(ep->listen);
    pl_free((char *)ep->cfg.tls_cert);
    pl_free((char *)ep->cfg.tls_key);
    pl_free((char *)ep->cfg.tls_ca);
    pl_free((char *)ep->cfg.tls_client_cert);
    pl_free((char *)ep->cfg.tls_client_key);
    pl_free((char *)ep->cfg.dns_servers);
    pl_free(ep->instance);
    pl_free(ep->proxy_route);
    ep_auth_free(ep);
}

void ep_refresh_addresses(parley_endpoint *ep)
{
    for (size_t i = 0; i < ep->nlisten; i++)
        pl_free(ep->listen[i]);
    pl_free(ep->listen);
    ep->listen = NULL;
    ep->nlisten = 0;
    size_t n = 0;
    for (tp_iface *i = tp_next_iface(ep->tp, NULL); i; i = tp_next_iface(ep->tp, i))
        n++;
    ep->listen = pl_calloc(n + 1, sizeof(char *));
    if (!ep->listen)
        return;
    for (tp_iface *i = tp_next_iface(ep->tp, NULL); i; i = tp_next_iface(ep->tp, i)) {
        char a[80], full[96];
        tp_addr_str(tp_iface_local(i), a, sizeof(a));
        const char *p = tp_proto_name(tp_iface_proto(i));
        snprintf(full, sizeof(full), "%c%c%c:%s", p[0] + 32, p[1] + 32, p[2] + 32, a);
        ep->listen[ep->nlisten] = pl_str_dup(pl_str_c(full));
        if (ep->listen[ep->nlisten])
            ep->nlisten++;
    }
    if (!ep->cfg.uri && ep->nlisten) {
        /* sip:parley@<first address> */
        const char *hp = strchr(ep->listen[0], ':') + 1;
        char u[128];
        snprintf(u, sizeof(u), "sip:%s@%s", ep->user ? ep->user : "parley", hp);
        pl_free(ep->uri);
        ep->uri = pl_str_dup(pl_str_c(u));
    }
}

static int copy_config(parley_endpoint *ep, const parley_endpoint_config *cfg)
{
    ep->cfg = *cfg;
    ep->cfg.tls_cert = dup_or_null(cfg->tls_cert);
    ep->cfg.tls_key = dup_or_null(cfg->tls_key);
    ep->cfg.tls_ca = dup_or_null(cfg->tls_ca);
    ep->cfg.tls_client_cert = dup_or_null(cfg->tls_client_cert);
    ep->cfg.tls_client_key = dup_or_null(cfg->tls_client_key);
    ep->cfg.dns_servers = dup_or_null(cfg->dns_servers);
    ep->cfg.listen = NULL;
    ep->cfg.accept_types = NULL;
    /* what is copied elsewhere (auth.c) or not kept */
    ep->cfg.outbound_proxy = NULL;
    ep->cfg.instance = NULL;
    ep->cfg.credentials = NULL;
    ep->cfg.ncredentials = 0;
    ep->cfg.auth_password = NULL;
    ep->cfg.auth_realm = NULL;
    ep->cfg.auth_methods = NULL;
    ep->display = dup_or_null(cfg->display_name);
    const char *ua = cfg->user_agent ? cfg->user_agent : PARLEY_VERSION_STRING;
    if (!sip_header_value_ok(ua))
        return PARLEY_E_INVAL; /* no line breaks or control bytes into every message */
    ep->server_line = header_line("Server", ua, &ep->server_len);
    ep->ua_line = header_line("User-Agent", ua, &ep->ua_len);
    static const char *const default_accept[] = {"text/plain", "message/cpim", NULL};
    for (size_t i = 0; cfg->accept_types && cfg->accept_types[i]; i++)
        if (!media_range_ok(cfg->accept_types[i]))
            return PARLEY_E_INVAL; /* printed in Accept */
    ep->accept = dup_list(cfg->accept_types ? cfg->accept_types : default_accept);
    ep->max_body = cfg->max_message_body ? cfg->max_message_body : 65536;
    if (cfg->epid) {
        if (!ep_epid_ok(cfg->epid))
            return PARLEY_E_INVAL; /* a parameter value in every From and To */
        ep->epid = pl_str_dup(pl_str_c(cfg->epid));
    } else {
        char id[11];
        pl_rand_token(id, 10);
        ep->epid = pl_str_dup(pl_str_c(id));
    }
    if (cfg->uri) {
        sip_uri u;
        if (sip_uri_parse(pl_str_c(cfg->uri), &u, NULL, NULL) != 0 ||
            (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS))
            return PARLEY_E_INVAL;
        ep->uri = pl_str_dup(pl_str_c(cfg->uri));
        if (u.user.len)
            ep->user = pl_str_dup(u.user);
    }
    if (!ep->server_line || !ep->ua_line || !ep->accept || !ep->epid || (cfg->uri && !ep->uri))
        return PARLEY_E_NOMEM;
    if (cfg->instance) {
        if (!ep_instance_valid(cfg->instance))
            return PARLEY_E_INVAL;
        ep->instance = pl_str_dup(pl_str_c(cfg->instance));
    } else {
        char inst[64];
        if (ep_instance_for_epid(ep->epid, inst, sizeof(inst)) != 0)
            return PARLEY_E_NOMEM;
        ep->instance = pl_str_dup(pl_str_c(inst));
    }
    if (!ep->instance)
        return PARLEY_E_NOMEM;
    if (cfg->outbound_proxy) {
        int rc = ep_route_value(cfg->outbound_proxy, &ep->proxy_route);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- life cycle ---- */

static int open_listeners(parley_endpoint *ep, const char *const *listen)
{
    for (size_t i = 0; listen && listen[i]; i++) {
        tp_proto proto;
        tp_addr addr;
        if (tp_addr_parse(listen[i], &proto, &addr) != 0)
            return PARLEY_E_INVAL;
        tp_iface *ifc;
        int rc = tp_listen(ep->tp, proto, &addr, &ifc);
        if (rc)
            return rc;
    }
    return 0;
}

int ep_create_on(const parley_endpoint_config *cfg, pl_loop *loop, parley_endpoint **out)
{
    parley_endpoint *ep = pl_calloc(1, sizeof(*ep));
    if (!ep)
        return PARLEY_E_NOMEM;
    atomic_init(&ep->refs, 1);
    atomic_init(&ep->holds, 1);
    ep->loop = loop;
    pl_list_init(&ep->senders);
    pl_list_init(&ep->requests);
    pl_list_init(&ep->pages);
    pl_timer_init(&ep->trim_timer);
    pl_list_init(&ep->registrations);
    int rc = copy_config(ep, cfg);
    tp_config tc = {
        .limits = cfg->limits,
        .idle_timeout_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : 120000,
        .tls = {.cert_file = ep->cfg.tls_cert,
                .key_file = ep->cfg.tls_key,
                .ca_file = ep->cfg.tls_ca,
                .client_cert = ep->cfg.tls_client_cert,
                .client_key = ep->cfg.tls_client_key,
                .insecure = cfg->tls_insecure != 0,
                .verify_client = cfg->tls_verify_client != 0},
    };
    ep_limits_resolve(ep, cfg, &tc);
    tp_handler th = {on_msg, on_conn_down, on_trace, ep, on_unreachable};
    if (!rc)
        rc = tp_layer_create(loop, &tc, &th, &ep->tp);
    txn_timers tt = {cfg->t1_ms, cfg->t2_ms, cfg->t4_ms, 0};
    txn_handler xh = {ep_on_request,    ep_on_ack, ep_on_stray_response, ep,
                      ep_on_orphan_2xx, ep_admit};
    if (!rc)
        rc = txn_layer_create(loop, ep->tp, &tt, &xh, &ep->txn);
    if (!rc)
        rc = tp_resolver_create(loop, ep->cfg.dns_servers, &ep->res);
    if (!rc && !pl_loop_is_virtual(loop))
        rc = open_listeners(ep, cfg->listen);
    if (!rc)
        ep_refresh_addresses(ep);
    if (!rc && !ep->uri)
        ep->uri = pl_str_dup(pl_str_c("sip:parley@localhost"));
    if (!rc)
        rc = ep_auth_setup(ep, cfg); /* after the uri: the default realm is its host */
    if (rc) {
        ep_shutdown(ep);
        free_config(ep);
        pl_free(ep);
        return rc;
    }
    *out = ep;
    return 0;
}

int parley_endpoint_create(const parley_endpoint_config *cfg, parley_endpoint **out)
{
    if (!cfg || !out)
        return PARLEY_E_INVAL;
    *out = NULL;
    pl_loop *loop;
    int rc = pl_loop_create(cfg->loop, &loop);
    if (rc)
        return rc;
    /* until a loop thread runs, the creating thread owns the endpoint (so that it can set
     * callbacks before starting); an application's loop runs on the creating thread */
    pl_loop_set_thread(loop);
    rc = ep_create_on(cfg, loop, out);
    if (rc) {
        pl_loop_destroy(loop);
        return rc;
    }
    (*out)->owns_loop = true;
    if (cfg->loop)
        (*out)->running = true;
    return 0;
}

void ep_shutdown(parley_endpoint *ep)
{
    if (ep->stopped)
        return;
    ep->stopping = true;
    if (ep->shutdown_sessions)
        ep->shutdown_sessions(ep);
    ep_registrations_abort(ep);
    ep_pages_abort(ep);
    ep_senders_abort(ep);
    ep_requests_abort(ep);
    ep_memory_stop(ep);
    ep_stats_read(ep, &ep->last); /* what parley_endpoint_read_stats says from now on */
    ep->last.sessions = ep->last.half_open = ep->last.connections = 0; /* all about to go */
    ep->last.transactions = ep->last.server_transactions = ep->last.client_transactions = 0;
    tp_resolver_destroy(ep->res);
    ep->res = NULL;
    txn_layer_destroy(ep->txn);
    ep->txn = NULL;
    tp_layer_destroy(ep->tp);
    ep->tp = NULL;
    ep->stopped = true;
}

static void *loop_thread(void *arg)
{
    parley_endpoint *ep = arg;
    pl_alloc_cache_enable(1); /* this thread allocates and frees every call's blocks */
    pl_loop_run(ep->loop);
    pl_alloc_cache_enable(0);
    return NULL;
}

int parley_endpoint_start(parley_endpoint *ep)
{
    if (!ep)
        return PARLEY_E_INVAL;
    if (ep->running || ep->stopped || ep->cfg.loop || pl_loop_is_virtual(ep->loop))
        return PARLEY_E_STATE;
    ep->running = true;
    ep->own_thread = true;
    if (pthread_create(&ep->thread, NULL, loop_thread, ep) != 0) {
        ep->running = false;
        ep->own_thread = false;
        return PARLEY_E_IO;
    }
    pl_loop_set_thread_id(ep->loop, ep->thread); /* from now on calls go to that thread */
    return 0;
}

static void shutdown_on_loop(void *arg)
{
    parley_endpoint *ep = arg;
    ep_shutdown(ep);
    if (ep->own_thread)
        pl_loop_stop(ep->loop);
}

int parley_endpoint_stop(parley_endpoint *ep)
{
    if (!ep)
        return PARLEY_E_INVAL;
    if (ep->own_thread) {
        if (pl_loop_on_thread(ep->loop))
            return PARLEY_E_LOOP_THREAD;
        if (pl_loop_post(ep->loop, shutdown_on_loop, ep) != 0)
            return PARLEY_E_STATE;
        pthread_join(ep->thread, NULL);
        ep->own_thread = false;
        ep->running = false;
        pl_loop_close_queue(ep->loop); /* calls that raced with the stop run now, and fail */
        return 0;
    }
    if (ep->cfg.loop && !pl_loop_on_thread(ep->loop))
        return PARLEY_E_STATE; /* an application loop: stop it from its own thread */
    ep_shutdown(ep);
    ep->running = false;
    return 0;
}

parley_endpoint *parley_endpoint_ref(parley_endpoint *ep)
{
    if (ep)
        atomic_fetch_add(&ep->refs, 1);
    return ep;
}

void parley_endpoint_unref(parley_endpoint *ep)
{
    if (!ep || atomic_fetch_sub(&ep->refs, 1) != 1)
        return;
    if (ep->own_thread)
        parley_endpoint_stop(ep);
    else if (!ep->stopped)
        ep_shutdown(ep);
    ep_release(ep); /* the hold of the public references */
}

parley_endpoint *ep_hold(parley_endpoint *ep)
{
    atomic_fetch_add(&ep->holds, 1);
    return ep;
}

void ep_release(parley_endpoint *ep)
{
    if (!ep || atomic_fetch_sub(&ep->holds, 1) != 1)
        return;
    if (ep->owns_loop)
        pl_loop_destroy(ep->loop);
    free_config(ep);
    pl_free(ep);
}

int ep_call(parley_endpoint *ep, pl_call_fn fn, void *arg)
{
    if (ep->stopping || ep->stopped)
        return PARLEY_E_TERMINATED;
    return pl_loop_call(ep->loop, fn, arg);
}

const char *parley_endpoint_uri(const parley_endpoint *ep)
{
    return ep->uri;
}

const char *parley_endpoint_epid(const parley_endpoint *ep)
{
    return ep->epid;
}

const char *parley_endpoint_instance(const parley_endpoint *ep)
{
    return ep->instance;
}

int parley_endpoint_local_addr(parley_endpoint *ep, size_t i, char *buf, size_t size)
{
    if (!ep || !buf || !size)
        return PARLEY_E_INVAL;
    if (i >= ep->nlisten)
        return PARLEY_E_NOTFOUND;
    snprintf(buf, size, "%s", ep->listen[i]);
    return 0;
}

/* ---- helpers shared by the endpoint's modules and the session layer ---- */

/* tp_local_for for TLS: with no TLS listener but a TLS connection to dst (ours, opened for a
 * sips request), the connection is where the peer sends us requests (RFC 5923), so an ACK's
 * Via and the Contact of our answers and refreshes name it, sips (RFC 3261 §8.1.1.8, §12.1.1);
 * naming the UDP port would move the peer's next requests to a transport it may not have. */
static int tls_local_for(parley_endpoint *ep, const tp_addr *dst, tp_addr *local,
                         tp_proto *listener)
{
    tp_proto got = TP_TLS;
    int rc = tp_local_for(ep->tp, TP_TLS, dst, local, &got);
    if (!rc && got != TP_TLS && tp_conn_local_to(ep->tp, TP_TLS, dst, local) == 0)
        got = TP_TLS;
    if (listener)
        *listener = got;
    return rc;
}

int ep_local_hostport(parley_endpoint *ep, tp_proto proto, const tp_addr *dst, char *out,
                      size_t size, tp_proto *listener)
{
    tp_addr local;
    int rc = proto == TP_TLS ? tls_local_for(ep, dst, &local, listener)
                             : tp_local_for(ep->tp, proto, dst, &local, listener);
    if (rc)
        return rc;
    if (!ep->hostport_len || !tp_addr_eq(&local, &ep->hostport_of)) {
        tp_addr_str(&local, ep->hostport, sizeof(ep->hostport));
        ep->hostport_len = strlen(ep->hostport);
        ep->hostport_of = local;
    }
    if (size) {
        size_t k = ep->hostport_len < size ? ep->hostport_len : size - 1; /* as tp_addr_str */
        memcpy(out, ep->hostport, k);
        out[k] = '\0';
    }
    return 0;
}

void ep_attempt_init(parley_endpoint *ep, ep_attempt *a, const tp_dest *dest)
{
    a->dest = *dest;
    a->sips = dest->proto == TP_TLS; /* the sender narrows it to sips URIs (ep_sender) */
    txn_new_branch(a->branch);
    a->listener = dest->proto;
    if (ep_local_hostport(ep, dest->proto, &dest->addr, a->hostport, sizeof(a->hostport),
                          &a->listener) != 0)
        memcpy(a->hostport, "invalid.invalid", sizeof("invalid.invalid"));
    tp_addr local;
    if (dest->proto == TP_TLS && a->listener != TP_TLS &&
        tp_conn_prepare(ep->tp, &a->dest, &a->dest.conn_id, &local) == 0) {
        /* a TLS target and no TLS listener (no certificate to listen with): a sips Contact
         * must name TLS (RFC 3261 §8.1.1.8), so Via and Contact name the connection the request
         * goes on, which the peer reuses (RFC 5923). Over TCP the UDP listener is named: it
         * outlives the connection. */
        tp_addr_str(&local, a->hostport, sizeof(a->hostport));
        a->listener = dest->proto;
    }
    /* "SIP/2.0/UDP host:port;branch=...;rport": every piece is bounded, the whole fits */
    pl_buf v;
    pl_buf_init_on(&v, a->via_buf, sizeof(a->via_buf));
    pl_buf_put_lit(&v, "SIP/2.0/");
    pl_buf_puts(&v, tp_proto_name(dest->proto));
    pl_buf_putc(&v, ' ');
    pl_buf_puts(&v, a->hostport);
    pl_buf_put_lit(&v, ";branch=");
    pl_buf_puts(&v, a->branch);
    pl_buf_put_lit(&v, ";rport");
    a->via = v.borrow ? pl_str_make(a->via_buf, v.len) : PL_STR_LIT("SIP/2.0/UDP invalid.invalid");
    pl_buf_free(&v);
}

void ep_print_contact_for(parley_endpoint *ep, pl_buf *b, tp_proto proto, const tp_addr *dst,
                          bool sips)
{
    char hostport[80];
    tp_proto listener = proto;
    if (ep_local_hostport(ep, proto, dst, hostport, sizeof(hostport), &listener) != 0)
        snprintf(hostport, sizeof(hostport), "invalid.invalid");
    ep_print_contact(ep, b, listener, hostport, sips);
}

void ep_print_contact(parley_endpoint *ep, pl_buf *b, tp_proto proto, const char *hostport,
                      bool sips)
{
    const char *gruu = ep_gruu(ep);
    if (gruu) {
        /* registered with a GRUU: it is our Contact in dialogs (RFC 5627 §4.2); the registrar's
         * proxy routes it to whichever contact of ours is bound. A sips dialog needs a sips
         * Contact (RFC 3261 §12.1.1): a sip GRUU is named by its sips form (the same resource
         * reached over TLS, RFC 5630 §3.2; a registrar hands out the sip form) */
        pl_buf_putc(b, '<');
        if (sips && proto == TP_TLS && !strncasecmp(gruu, "sip:", 4)) {
            pl_buf_puts(b, "sips:");
            gruu += 4;
        }
        pl_buf_puts(b, gruu);
        pl_buf_puts(b, ">;epid=");
        pl_buf_puts(b, ep->epid);
        return;
    }
    pl_buf_putc(b, '<');
    ep_print_contact_uri(ep, b, proto, hostport, sips);
    pl_buf_puts(b, ">;epid=");
    pl_buf_puts(b, ep->epid);
}

void ep_print_contact_uri(parley_endpoint *ep, pl_buf *b, tp_proto proto, const char *hostport,
                          bool sips)
{
    /* proto is where we accept requests: a listener of the request's transport, else the one
     * we have (a Contact naming a TCP port nobody listens on would strand the peer's requests) */
    pl_buf_puts(b, proto == TP_TLS && sips ? "sips:" : "sip:");
    if (ep->user) {
        pl_buf_puts(b, ep->user);
        pl_buf_putc(b, '@');
    }
    pl_buf_puts(b, hostport);
    if (proto == TP_TCP)
        pl_buf_puts(b, ";transport=tcp");
    else if (proto == TP_TLS)
        pl_buf_puts(b, ";transport=tls");
}

static void put_quoted(pl_buf *b, const char *s)
{
    pl_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            pl_buf_putc(b, '\\');
        if (*s != '\r' && *s != '\n')
            pl_buf_putc(b, *s);
    }
    pl_buf_putc(b, '"');
}

void ep_print_self(parley_endpoint *ep, pl_buf *b, const char *local_uri, const char *display,
                   const char *tag)
{
    if (!display)
        display = ep->display;
    if (display && *display) {
        put_quoted(b, display);
        pl_buf_putc(b, ' ');
    }
    pl_buf_putc(b, '<');
    pl_buf_puts(b, local_uri ? local_uri : ep->uri);
    pl_buf_putc(b, '>');
    if (tag) {
        pl_buf_puts(b, ";tag=");
        pl_buf_puts(b, tag);
    }
    pl_buf_puts(b, ";epid=");
    pl_buf_puts(b, ep->epid);
}

void ep_print_head(parley_endpoint *ep, txn_server *t, pl_buf *b, unsigned status,
                   const char *reason, const char *tag)
{
    /* a request with a To tag gets none (sip_print_response_head): nothing is built for it */
    const sip_msg *req = txn_server_request(t);
    pl_buf to_tag;
    pl_buf_init(&to_tag, 0);
    if (tag && !(req->to && pl_str_set(req->to->tag))) {
        pl_buf_puts(&to_tag, tag);
        if (!req->to || !pl_str_set(req->to->epid)) {
            pl_buf_puts(&to_tag, ";epid=");
            pl_buf_puts(&to_tag, ep->epid);
        }
    }
    txn_server_print_head(t, b, status, pl_str_c(reason), pl_buf_str(&to_tag));
    if (!pl_buf_ok(&to_tag))
        b->err = to_tag.err;
    pl_buf_free(&to_tag);
}

void ep_new_tag(char *out)
{
    pl_rand_token(out, EP_TAG_LEN);
}

void ep_new_call_id(parley_endpoint *ep, char *out, size_t size)
{
    (void)ep;
    char r[25];
    pl_rand_token(r, 24);
    snprintf(out, size, "%s", r);
}

int ep_check_headers(const parley_header *h, size_t n)
{
    if (n && !h)
        return PARLEY_E_INVAL;
    for (size_t i = 0; i < n; i++) {
        int rc = sip_header_check(h[i].name, h[i].value);
        if (rc)
            return rc;
    }
    return 0;
}

sip_kv *ep_copy_headers(const parley_header *h, size_t n)
{
    size_t bytes = n * sizeof(sip_kv);
    for (size_t i = 0; i < n; i++)
        bytes += strlen(h[i].name) + strlen(h[i].value) + 2;
    sip_kv *kv = pl_malloc(bytes ? bytes : 1);
    if (!kv)
        return NULL;
    char *p = (char *)(kv + n);
    for (size_t i = 0; i < n; i++) {
        size_t a = strlen(h[i].name) + 1, v = strlen(h[i].value) + 1;
        memcpy(p, h[i].name, a);
        kv[i].name = p;
        p += a;
        memcpy(p, h[i].value, v);
        kv[i].value = p;
        p += v;
    }
    return kv;
}

bool ep_headers_have(const sip_kv *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (pl_str_casecmp_eq(pl_str_c(h[i].name), pl_str_c(name)))
            return true;
    return false;
}

bool ep_header_name_is(const char *name, const char *want, sip_hdr_id want_id)
{
    return want_id != SIP_H_OTHER ? sip_hdr_lookup(name, strlen(name)) == want_id
                                  : pl_str_casecmp_eq(pl_str_c(name), pl_str_c(want));
}

bool ep_kv_named(const sip_kv *h, size_t n, const char *name)
{
    if (!n)
        return false;
    sip_hdr_id id = sip_hdr_lookup(name, strlen(name));
    for (size_t i = 0; i < n; i++)
        if (ep_header_name_is(h[i].name, name, id))
            return true;
    return false;
}

void ep_print_headers(pl_buf *b, const sip_kv *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_buf_puts(b, h[i].name);
        pl_buf_put(b, ": ", 2);
        pl_buf_puts(b, h[i].value);
        pl_buf_put(b, "\r\n", 2);
    }
}

bool ep_accepts_type(parley_endpoint *ep, pl_str type, pl_str subtype)
{
    for (size_t i = 0; ep->accept[i]; i++) {
        const char *a = ep->accept[i];
        const char *slash = strchr(a, '/');
        if (!slash)
            continue;
        pl_str at = pl_str_span(a, slash), as = pl_str_c(slash + 1);
        bool t_ok = pl_str_eq_lit(at, "*") || pl_str_casecmp_eq(at, type);
        bool s_ok = pl_str_eq_lit(as, "*") || pl_str_casecmp_eq(as, subtype);
        if (t_ok && s_ok)
            return true;
    }
    return false;
}

void ep_print_allow(parley_endpoint *ep, pl_buf *b, bool dialogs)
{
    /* outside a dialog MESSAGE is only taken with a page-mode handler (a 405 to a MESSAGE must
     * not list it); dialogs list it always (session/content.c) */
    pl_buf_put_lit(b, EP_ALLOW_OUTSIDE);
    if (ep->cfg.on_message)
        pl_buf_put_lit(b, ", MESSAGE");
    if (dialogs) /* a peer learns from OPTIONS whether it may send UPDATE */
        pl_buf_put_lit(b, EP_ALLOW_DIALOG_ONLY);
    pl_buf_puts(b, "\r\n");
}
