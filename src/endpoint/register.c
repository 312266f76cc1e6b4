/*
 * Registrations (RFC 3261 §10): one contact bound to an address of record at a registrar,
 * refreshed at half the granted expiry, 423 answered with Min-Expires, removed with expires 0
 * on request; the Contact carries the RFC 5626 instance id and the endpoint id, and asks for a
 * GRUU (RFC 5627). See include/parley/registration.h for the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "endpoint/ep.h"
#include "parley/error.h"
#include "sip/print.h"
#include "sip/uri.h"

#define DEFAULT_EXPIRES 3600
#define MAX_423         3 /* Min-Expires retries in a row */

struct parley_registration {
    atomic_uint refs;
    pl_list link; /* in ep->registrations while active (the endpoint's reference) */
    parley_endpoint *ep;
    _Atomic(parley_reg_state) state;
    atomic_bool stop_called;
    bool linked;
    bool started;
    bool unregistering;
    bool final;
    /* configuration (copied) */
    char *registrar;
    char *aor;
    char *contact_cfg;
    char *instance;
    char **routes; /* NULL: the endpoint's outbound proxy */
    char *no_routes[1];
    bool own_routes;
    bool gruu_wanted;
    sip_kv *hdrs;
    size_t nh;
    unsigned expires; /* what we ask for (raised by a 423) */
    parley_registration_cb cb;
    void *user;
    /* protocol state */
    char call_id[32];
    char tag[EP_TAG_LEN + 1];
    uint32_t cseq;
    unsigned cur_expires; /* in the REGISTER out now (0: unregistering) */
    unsigned n423;
    ep_sender *sender;
    char *contact; /* the contact URI the last REGISTER carried */
    char *gruu, *temp_gruu;
    tp_dest last_dest; /* where the last answered REGISTER went */
    bool have_dest;
    char *last_auth; /* its credentials lines */
    pl_timer start_timer, stop_timer, refresh;
};

static const char *const state_names[] = {"Registering", "Registered", "Refreshing", "Failed",
                                          "Unregistered"};

const char *parley_reg_state_name(parley_reg_state st)
{
    return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?";
}

static void reg_free(parley_registration *r)
{
    pl_free(r->registrar);
    pl_free(r->aor);
    pl_free(r->contact_cfg);
    pl_free(r->instance);
    if (r->own_routes)
        ep_route_set_free(r->routes);
    pl_free(r->hdrs);
    pl_free(r->contact);
    pl_free(r->gruu);
    pl_free(r->temp_gruu);
    pl_free(r->last_auth);
    ep_release(r->ep);
    pl_free(r);
}

parley_registration *parley_registration_ref(parley_registration *r)
{
    if (r)
        atomic_fetch_add(&r->refs, 1);
    return r;
}

void parley_registration_unref(parley_registration *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1)
        reg_free(r);
}

parley_reg_state parley_registration_state(const parley_registration *r)
{
    return r ? atomic_load(&r->state) : PARLEY_REG_FAILED;
}

/* ---- events ---- */

/* Stops a timer that holds a reference of its own (start, stop) and drops that reference. */
static void stop_held_timer(parley_registration *r, pl_timer *t)
{
    if (!pl_timer_active(t))
        return;
    pl_loop_timer_stop(r->ep->loop, t);
    parley_registration_unref(r);
}

static void unlink_reg(parley_registration *r)
{
    pl_loop_timer_stop(r->ep->loop, &r->refresh);
    stop_held_timer(r, &r->start_timer);
    stop_held_timer(r, &r->stop_timer);
    if (r->sender) {
        ep_sender_release(r->sender);
        r->sender = NULL;
    }
    if (r->linked) {
        pl_list_remove(&r->link);
        r->linked = false;
        parley_registration_unref(r); /* the endpoint's */
    }
}

static void emit(parley_registration *r, parley_reg_state st, int err, const sip_msg *m,
                 unsigned expires)
{
    if (r->final)
        return;
    atomic_store(&r->state, st);
    bool final = st == PARLEY_REG_FAILED || st == PARLEY_REG_UNREGISTERED;
    parley_registration_ref(r); /* across the callback and the unlinking */
    if (final) {
        r->final = true;
        unlink_reg(r);
    }
    char reason[128];
    parley_result res;
    ep_result_from(&res, err, m, reason, sizeof(reason));
    parley_registration_event ev = {
        .state = st,
        .expires = expires,
        .error = st == PARLEY_REG_UNREGISTERED && !err && res.status < 300 ? 0 : res.error,
        .status = res.status,
        .reason = res.reason,
        .aor = r->aor,
        .contact = r->contact ? r->contact : r->contact_cfg,
        .gruu = r->gruu,
        .temp_gruu = r->temp_gruu,
        .response = m,
    };
    if (st == PARLEY_REG_REGISTERED || st == PARLEY_REG_REFRESHING)
        ev.error = 0;
    if (r->cb)
        r->cb(r, &ev, r->user);
    parley_registration_unref(r);
}

/* ---- the REGISTER ---- */

static int build(void *arg, const ep_attempt *a, sip_out *out)
{
    parley_registration *r = arg;
    parley_endpoint *ep = r->ep;
    pl_buf from, to, contact, extra, uri;
    pl_buf_init(&from, 128);
    pl_buf_init(&to, 128);
    pl_buf_init(&contact, 256);
    pl_buf_init(&extra, 128);
    pl_buf_init(&uri, 128);
    if (r->contact_cfg)
        pl_buf_puts(&uri, r->contact_cfg);
    else
        ep_print_contact_uri(ep, &uri, a->listener, a->hostport);
    pl_buf_terminate(&uri);
    if (pl_buf_ok(&uri) && (!r->contact || strcmp(r->contact, uri.data))) {
        char *c = pl_str_dup(pl_buf_str(&uri));
        if (c) {
            pl_free(r->contact);
            r->contact = c;
        }
    }
    ep_print_self(ep, &from, r->aor, NULL, r->tag);
    pl_buf_putc(&to, '<');
    pl_buf_puts(&to, r->aor);
    pl_buf_putc(&to, '>');
    /* RFC 5626 §4.1: the instance id as a quoted Contact parameter; the epid beside it */
    pl_buf_putc(&contact, '<');
    pl_buf_put_str(&contact, pl_buf_str(&uri));
    pl_buf_puts(&contact, ">;+sip.instance=\"<");
    pl_buf_puts(&contact, r->instance);
    pl_buf_puts(&contact, ">\";epid=");
    pl_buf_puts(&contact, ep->epid);
    if (!r->cur_expires)
        pl_buf_puts(&contact, ";expires=0"); /* this binding only: not "*" */
    pl_buf_puts(&extra, "Expires: ");
    pl_buf_put_u64(&extra, r->cur_expires);
    pl_buf_puts(&extra, "\r\n");
    if (r->gruu_wanted)
        pl_buf_puts(&extra, "Supported: gruu\r\n");
    pl_buf_puts(&extra, "User-Agent: ");
    pl_buf_puts(&extra, ep->user_agent);
    pl_buf_puts(&extra, "\r\n");
    sip_req_parts p = {
        .method = PL_STR_LIT("REGISTER"),
        .ruri = pl_str_c(r->registrar),
        .via = a->via,
        .from = pl_buf_str(&from),
        .to = pl_buf_str(&to),
        .call_id = pl_str_c(r->call_id),
        .cseq = r->cseq,
        .max_forwards = 70,
        .contact = pl_buf_str(&contact),
        .extra = r->hdrs,
        .nextra = r->nh,
        .extra_raw = pl_buf_str(&extra),
    };
    bool ok = pl_buf_ok(&from) && pl_buf_ok(&to) && pl_buf_ok(&contact) && pl_buf_ok(&extra) &&
              pl_buf_ok(&uri);
    int rc = ok ? sip_build_request(out, &p) : PARLEY_E_NOMEM;
    pl_buf_free(&from);
    pl_buf_free(&to);
    pl_buf_free(&contact);
    pl_buf_free(&extra);
    pl_buf_free(&uri);
    return rc;
}

static uint32_t next_cseq(void *arg, uint32_t last)
{
    parley_registration *r = arg;
    (void)last;
    return ++r->cseq;
}

static void on_response(void *arg, ep_sender *s, sip_msg *m);
static void on_fail(void *arg, ep_sender *s, int err);
static const ep_send_ops reg_ops = {build, on_response, on_fail, next_cseq};

static void send_register(parley_registration *r, unsigned expires)
{
    if (r->sender) {
        ep_sender_release(r->sender);
        r->sender = NULL;
    }
    r->cur_expires = expires;
    r->unregistering = expires == 0;
    r->cseq++;
    const char *const *routes = (const char *const *)r->routes;
    int rc = ep_sender_start_ood(r->ep, r->registrar, routes, &reg_ops, r, &r->sender);
    if (rc)
        emit(r, r->unregistering ? PARLEY_REG_UNREGISTERED : PARLEY_REG_FAILED, rc, NULL, 0);
}

static void on_refresh(pl_timer *t, void *arg)
{
    (void)t;
    parley_registration *r = arg;
    emit(r, PARLEY_REG_REFRESHING, 0, NULL, 0);
    if (!r->final && !r->unregistering)
        send_register(r, r->expires);
}

/* A quoted or plain parameter value without its quotes, copied; NULL when absent. */
static char *param_copy(pl_str params, const char *name)
{
    pl_str v;
    if (!sip_param_find(params, name, &v) || !v.len)
        return NULL;
    if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"')
        v = pl_str_make(v.p + 1, v.len - 2);
    if (!v.len || memchr(v.p, '\\', v.len))
        return NULL; /* a GRUU needs no escapes; anything odd is not taken */
    return pl_str_dup(v);
}

/* Our binding among the Contacts of a 2xx: the same URI, or our instance id. */
static const sip_naddr *our_binding(parley_registration *r, const sip_msg *m)
{
    sip_uri mine;
    bool have = r->contact && sip_uri_parse(pl_str_c(r->contact), &mine, NULL, NULL) == 0;
    for (const sip_naddr *c = m->contact; c; c = c->next)
        if (have && sip_uri_equal(&c->uri, &mine))
            return c;
    for (const sip_naddr *c = m->contact; c; c = c->next) {
        pl_str v;
        if (sip_param_find(c->params, "+sip.instance", &v) && v.len > 4 &&
            pl_str_eq(pl_str_make(v.p + 2, v.len - 4), pl_str_c(r->instance)))
            return c;
    }
    return NULL;
}

static unsigned header_uint(const sip_msg *m, int id, unsigned dflt)
{
    const sip_hdr *h = sip_hdr_first(m, id);
    uint64_t v;
    if (h && pl_str_to_u64(pl_str_trim(h->value), UINT32_MAX, &v))
        return (unsigned)v;
    return dflt;
}

static void registered(parley_registration *r, sip_msg *m)
{
    const sip_naddr *b = our_binding(r, m);
    unsigned granted = header_uint(m, SIP_H_EXPIRES, r->cur_expires);
    uint64_t v;
    if (b && b->expires.len && pl_str_to_u64(b->expires, UINT32_MAX, &v))
        granted = (unsigned)v;
    if (b) {
        char *g = param_copy(b->params, "pub-gruu"), *tg = param_copy(b->params, "temp-gruu");
        pl_free(r->gruu);
        pl_free(r->temp_gruu);
        r->gruu = g;
        r->temp_gruu = tg;
    }
    if (!granted) {
        /* the registrar kept nothing: no binding to refresh */
        emit(r, PARLEY_REG_FAILED, PARLEY_E_UNUSABLE, m, 0);
        return;
    }
    r->n423 = 0;
    /* refresh at about half the granted time (at least 1 s) */
    uint64_t ms = (uint64_t)granted * 500;
    pl_loop_timer_start(r->ep->loop, &r->refresh, ms < 1000 ? 1000 : ms, on_refresh, r);
    emit(r, PARLEY_REG_REGISTERED, 0, m, granted);
}

static void on_response(void *arg, ep_sender *s, sip_msg *m)
{
    parley_registration *r = arg;
    if (m->status < 200)
        return;
    r->last_dest = ep_sender_attempt(s)->dest;
    r->have_dest = true;
    pl_str auth = ep_sender_auth(s);
    pl_free(r->last_auth);
    r->last_auth = auth.len ? pl_str_dup(auth) : NULL;
    if (r->unregistering) {
        emit(r, PARLEY_REG_UNREGISTERED, 0, m, 0);
        return;
    }
    if (m->status < 300) {
        registered(r, m);
        return;
    }
    if (m->status == 423 && r->n423 < MAX_423) {
        /* RFC 3261 §10.2.8: again with at least the registrar's Min-Expires */
        unsigned min = header_uint(m, SIP_H_MIN_EXPIRES, 0);
        if (min > r->expires) {
            r->n423++;
            r->expires = min;
            send_register(r, min);
            return;
        }
    }
    emit(r, PARLEY_REG_FAILED, 0, m, 0);
}

static void on_fail(void *arg, ep_sender *s, int err)
{
    parley_registration *r = arg;
    (void)s;
    emit(r, r->unregistering ? PARLEY_REG_UNREGISTERED : PARLEY_REG_FAILED, err, NULL, 0);
}

/* ---- life cycle ---- */

static void start_on_loop(void *arg)
{
    parley_registration *r = arg;
    pl_loop_timer_stop(r->ep->loop, &r->start_timer);
    if (!r->linked && !r->final) {
        /* made off the loop thread: the endpoint takes it here */
        pl_list_insert_tail(&r->ep->registrations, &r->link);
        r->linked = true;
    }
    if (!r->started && !r->final) {
        r->started = true;
        if (r->ep->stopped || r->ep->stopping)
            emit(r, PARLEY_REG_FAILED, PARLEY_E_TERMINATED, NULL, 0);
        else if (atomic_load(&r->stop_called))
            emit(r, PARLEY_REG_UNREGISTERED, 0, NULL, 0); /* never sent: nothing to remove */
        else
            send_register(r, r->expires);
    }
    parley_registration_unref(r); /* the start's */
}

static void start_timer(pl_timer *t, void *arg)
{
    (void)t;
    start_on_loop(arg);
}

static int copy_config(parley_registration *r, const parley_registration_config *cfg)
{
    parley_endpoint *ep = r->ep;
    sip_uri u;
    if (!cfg->registrar || sip_uri_parse(pl_str_c(cfg->registrar), &u, NULL, NULL) != 0 ||
        (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS))
        return PARLEY_E_INVAL;
    const char *aor = cfg->aor ? cfg->aor : ep->uri;
    if (sip_uri_parse(pl_str_c(aor), &u, NULL, NULL) != 0 ||
        (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS))
        return PARLEY_E_INVAL;
    if (cfg->contact && (sip_uri_parse(pl_str_c(cfg->contact), &u, NULL, NULL) != 0 ||
                         (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS)))
        return PARLEY_E_INVAL;
    if (cfg->instance && !ep_instance_valid(cfg->instance))
        return PARLEY_E_INVAL;
    int rc = ep_check_headers(cfg->headers, cfg->nheaders);
    if (rc)
        return rc;
    r->registrar = pl_str_dup(pl_str_c(cfg->registrar));
    r->aor = pl_str_dup(pl_str_c(aor));
    r->contact_cfg = cfg->contact ? pl_str_dup(pl_str_c(cfg->contact)) : NULL;
    r->instance = pl_str_dup(pl_str_c(cfg->instance ? cfg->instance : ep->instance));
    r->hdrs = ep_copy_headers(cfg->headers, cfg->nheaders);
    r->nh = cfg->nheaders;
    if (!r->registrar || !r->aor || (cfg->contact && !r->contact_cfg) || !r->instance || !r->hdrs)
        return PARLEY_E_NOMEM;
    if (cfg->proxy && !*cfg->proxy) {
        r->routes = r->no_routes; /* no route set at all */
    } else if (cfg->proxy) {
        r->routes = pl_calloc(2, sizeof(char *));
        if (!r->routes)
            return PARLEY_E_NOMEM;
        r->own_routes = true;
        rc = ep_route_value(cfg->proxy, &r->routes[0]);
        if (rc)
            return rc;
    }
    r->expires = cfg->expires ? cfg->expires : DEFAULT_EXPIRES;
    r->gruu_wanted = !cfg->no_gruu;
    r->cb = cfg->on_event;
    r->user = cfg->user;
    return 0;
}

int parley_registration_create(parley_endpoint *ep, const parley_registration_config *cfg,
                               parley_registration **out)
{
    if (!ep || !cfg || !out)
        return PARLEY_E_INVAL;
    *out = NULL;
    parley_registration *r = pl_calloc(1, sizeof(*r));
    if (!r)
        return PARLEY_E_NOMEM;
    r->ep = ep_hold(ep);
    atomic_init(&r->refs, 1);
    atomic_init(&r->state, PARLEY_REG_REGISTERING);
    atomic_init(&r->stop_called, false);
    pl_list_init(&r->link);
    pl_timer_init(&r->start_timer);
    pl_timer_init(&r->stop_timer);
    pl_timer_init(&r->refresh);
    int rc = copy_config(r, cfg);
    if (rc) {
        reg_free(r);
        return rc;
    }
    ep_new_call_id(ep, r->call_id, sizeof(r->call_id));
    ep_new_tag(r->tag);
    /* the endpoint's reference (while active) and the start's */
    atomic_fetch_add(&r->refs, 2);
    if (pl_loop_on_thread(ep->loop)) {
        if (ep->stopped || ep->stopping) {
            rc = PARLEY_E_TERMINATED;
        } else {
            pl_list_insert_tail(&ep->registrations, &r->link);
            r->linked = true;
            /* the work waits until this call returned */
            pl_loop_timer_start(ep->loop, &r->start_timer, 0, start_timer, r);
        }
    } else {
        rc = ep_call(ep, start_on_loop, r);
    }
    if (rc) {
        atomic_fetch_sub(&r->refs, 2);
        reg_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static void stop_on_loop(void *arg)
{
    parley_registration *r = arg;
    pl_loop_timer_stop(r->ep->loop, &r->stop_timer);
    /* (before the start ran, the start sees stop_called and reports UNREGISTERED) */
    if (!r->final && r->started) {
        pl_loop_timer_stop(r->ep->loop, &r->refresh);
        if (!r->unregistering)
            send_register(r, 0);
    }
    parley_registration_unref(r); /* the stop's */
}

static void stop_timer(pl_timer *t, void *arg)
{
    (void)t;
    stop_on_loop(arg);
}

int parley_registration_stop(parley_registration *r)
{
    if (!r)
        return PARLEY_E_INVAL;
    parley_reg_state st = atomic_load(&r->state);
    if (st == PARLEY_REG_FAILED || st == PARLEY_REG_UNREGISTERED ||
        atomic_exchange(&r->stop_called, true))
        return PARLEY_E_STATE;
    parley_registration_ref(r);
    parley_endpoint *ep = r->ep;
    int rc = 0;
    if (pl_loop_on_thread(ep->loop))
        pl_loop_timer_start(ep->loop, &r->stop_timer, 0, stop_timer, r);
    else
        rc = ep_call(ep, stop_on_loop, r);
    if (rc)
        parley_registration_unref(r);
    return rc == PARLEY_E_TERMINATED ? PARLEY_E_STATE : rc;
}

/* ---- the endpoint's side ---- */

/* The unregistering REGISTER at shutdown: once, where the last one went, no transaction. */
static void unregister_now(parley_registration *r)
{
    parley_endpoint *ep = r->ep;
    if (!r->have_dest || !r->contact || r->unregistering)
        return;
    r->cur_expires = 0;
    r->cseq++;
    ep_attempt a;
    ep_attempt_init(ep, &a, &r->last_dest);
    sip_out out;
    sip_out_init(&out);
    int rc = build(r, &a, &out);
    if (!rc && r->routes != r->no_routes) {
        char *dflt = ep->proxy_route;
        const char *route = r->routes && r->routes[0] ? r->routes[0] : dflt;
        pl_str rs = pl_str_c(route ? route : "");
        if (route)
            rc = sip_out_add_routes(&out, &rs, 1);
    }
    if (!rc && r->last_auth)
        rc = sip_out_add_lines(&out, pl_str_c(r->last_auth));
    if (!rc)
        tp_send(ep->tp, &a.dest, out.buf.data, out.buf.len, NULL);
    sip_out_free(&out);
}

void ep_registrations_abort(parley_endpoint *ep)
{
    while (!pl_list_empty(&ep->registrations)) {
        parley_registration *r = pl_container_of(ep->registrations.next, parley_registration, link);
        parley_registration_ref(r);
        if (r->started && !r->final)
            unregister_now(r);
        r->started = true; /* a start still queued (ep_call) only drops its reference */
        emit(r, PARLEY_REG_UNREGISTERED, PARLEY_E_TERMINATED, NULL, 0);
        unlink_reg(r); /* (emit did it; this guards the loop against a final one) */
        parley_registration_unref(r);
    }
}

static bool active(const parley_registration *r)
{
    parley_reg_state st = atomic_load(&r->state);
    return !r->final && (st == PARLEY_REG_REGISTERED || st == PARLEY_REG_REFRESHING);
}

const char *ep_gruu(const parley_endpoint *ep)
{
    sip_uri me;
    if (pl_list_empty(&ep->registrations) || sip_uri_parse(pl_str_c(ep->uri), &me, NULL, NULL))
        return NULL;
    pl_list_each(pos, &ep->registrations)
    {
        const parley_registration *r = pl_container_of(pos, parley_registration, link);
        sip_uri aor;
        if (active(r) && r->gruu && sip_uri_parse(pl_str_c(r->aor), &aor, NULL, NULL) == 0 &&
            sip_uri_equal(&aor, &me))
            return r->gruu;
    }
    return NULL;
}

static bool same_uri(const char *text, const sip_uri *u)
{
    sip_uri x;
    return text && sip_uri_parse(pl_str_c(text), &x, NULL, NULL) == 0 && sip_uri_equal(&x, u);
}

/* To names the address of record: the same user at the same host. The port and parameters
 * are left out: a caller writes the proxy's port where the registrar knows the AoR without it,
 * and registrars that key bindings on the user alone (Kamailio's default) route both alike. */
static bool names_aor(const char *aor, const sip_uri *to)
{
    sip_uri a;
    return sip_uri_parse(pl_str_c(aor), &a, NULL, NULL) == 0 && pl_str_eq(a.user, to->user) &&
           pl_str_casecmp_eq(a.host, to->host);
}

bool ep_retargeted(const parley_endpoint *ep, const sip_msg *m)
{
    if (!m->to)
        return false;
    pl_list_each(pos, &ep->registrations)
    {
        const parley_registration *r = pl_container_of(pos, parley_registration, link);
        if (!active(r) || !names_aor(r->aor, &m->to->uri))
            continue;
        /* a GRUU names one instance: ";gr" compares as a URI parameter like any other */
        if (same_uri(r->contact, &m->ruri) || same_uri(r->gruu, &m->ruri) ||
            same_uri(r->temp_gruu, &m->ruri))
            return true;
    }
    return false;
}
