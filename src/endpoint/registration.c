/*
 * Registrations (RFC 3261 §10), the public side: creating, stopping and releasing them, their
 * events (include/parley/registration.h has the contract), and what the endpoint asks of them
 * (the unregistering at its stop, its GRUU, whether an INVITE was retargeted to us).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "endpoint/reg.h"
#include "parley/error.h"
#include "sip/uri.h"

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

void reg_emit(parley_registration *r, parley_reg_state st, int err, const sip_msg *m,
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
    ep_result_from(r->ep, &res, err, m, reason, sizeof(reason));
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
            reg_emit(r, PARLEY_REG_FAILED, PARLEY_E_TERMINATED, NULL, 0);
        else if (atomic_load(&r->stop_called))
            reg_emit(r, PARLEY_REG_UNREGISTERED, 0, NULL, 0); /* never sent: nothing to remove */
        else
            reg_send(r, r->expires);
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
    r->expires = cfg->expires ? cfg->expires : REG_DEFAULT_EXPIRES;
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
            reg_send(r, 0);
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
void ep_registrations_abort(parley_endpoint *ep)
{
    while (!pl_list_empty(&ep->registrations)) {
        parley_registration *r = pl_container_of(ep->registrations.next, parley_registration, link);
        parley_registration_ref(r);
        if (r->started && !r->final)
            reg_unregister_now(r);
        r->started = true; /* a start still queued (ep_call) only drops its reference */
        reg_emit(r, PARLEY_REG_UNREGISTERED, PARLEY_E_TERMINATED, NULL, 0);
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
