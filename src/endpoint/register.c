/*
 * The REGISTER of a registration (RFC 3261 §10.2): its Contact with the RFC 5626 instance id
 * and the epid, Supported: gruu (RFC 5627), the 2xx read for our binding's granted expiry and
 * GRUUs, the refresh at half of it, 423 answered with Min-Expires, failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "endpoint/reg.h"
#include "parley/error.h"
#include "sip/print.h"
#include "sip/uri.h"

#define MAX_423 3 /* Min-Expires retries in a row */

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
        ep_print_contact_uri(ep, &uri, a->listener, a->hostport, a->sips);
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
    ep_print_user_agent(ep, &extra, r->hdrs, r->nh);
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
/* A refresh or un-REGISTER carries credentials at once for the realms the last REGISTER
 * needed. */
static pl_str prior_auth(void *arg)
{
    parley_registration *r = arg;
    return pl_str_c(r->last_auth ? r->last_auth : "");
}

static const ep_send_ops reg_ops = {build, on_response, on_fail, next_cseq, prior_auth};

void reg_send(parley_registration *r, unsigned expires)
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
        reg_emit(r, r->unregistering ? PARLEY_REG_UNREGISTERED : PARLEY_REG_FAILED, rc, NULL, 0);
}

static void on_refresh(pl_timer *t, void *arg)
{
    (void)t;
    parley_registration *r = arg;
    reg_emit(r, PARLEY_REG_REFRESHING, 0, NULL, 0);
    if (!r->final && !r->unregistering)
        reg_send(r, r->expires);
}

/* A GRUU parameter's value (quoted or plain) without its quotes, copied; NULL when absent or
 * not a whole SIP or SIPS URI: it becomes the Contact of our sessions (RFC 5627 §4.2), which
 * must be one (RFC 3261 §12.1.1), and a registrar's typo must not make our requests
 * unparsable. */
static char *param_copy(pl_str params, const char *name)
{
    pl_str v;
    if (!sip_param_find(params, name, &v) || !v.len)
        return NULL;
    if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"')
        v = pl_str_make(v.p + 1, v.len - 2);
    if (!v.len || memchr(v.p, '\\', v.len))
        return NULL; /* a GRUU needs no escapes; anything odd is not taken */
    sip_uri u;
    if (sip_uri_parse(v, &u, NULL, NULL) != 0 || (u.kind != SIP_URI_SIP && u.kind != SIP_URI_SIPS))
        return NULL;
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

static void registered(parley_registration *r, sip_msg *m)
{
    const sip_naddr *b = our_binding(r, m);
    unsigned granted = r->cur_expires;
    sip_hdr_uint(m, SIP_H_EXPIRES, &granted);
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
        reg_emit(r, PARLEY_REG_FAILED, PARLEY_E_UNUSABLE, m, 0);
        return;
    }
    r->n423 = 0;
    /* refresh at about half the granted time (at least 1 s) */
    uint64_t ms = (uint64_t)granted * 500;
    pl_loop_timer_start(r->ep->loop, &r->refresh, ms < 1000 ? 1000 : ms, on_refresh, r);
    reg_emit(r, PARLEY_REG_REGISTERED, 0, m, granted);
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
        reg_emit(r, PARLEY_REG_UNREGISTERED, 0, m, 0);
        return;
    }
    if (m->status < 300) {
        registered(r, m);
        return;
    }
    if (m->status == 423 && r->n423 < MAX_423) {
        /* RFC 3261 §10.2.8: again with at least the registrar's Min-Expires */
        unsigned min = 0;
        if (sip_hdr_uint(m, SIP_H_MIN_EXPIRES, &min) && min > r->expires) {
            r->n423++;
            r->expires = min;
            reg_send(r, min);
            return;
        }
    }
    reg_emit(r, PARLEY_REG_FAILED, 0, m, 0);
}

static void on_fail(void *arg, ep_sender *s, int err)
{
    parley_registration *r = arg;
    (void)s;
    reg_emit(r, r->unregistering ? PARLEY_REG_UNREGISTERED : PARLEY_REG_FAILED, err, NULL, 0);
}

/* ---- at the endpoint's stop ---- */

void reg_unregister_now(parley_registration *r)
{
    parley_endpoint *ep = r->ep;
    if (!r->have_dest || !r->contact || r->unregistering)
        return;
    r->cur_expires = 0;
    r->cseq++;
    ep_attempt a;
    ep_attempt_init(ep, &a, &r->last_dest);
    a.sips = !strncasecmp(r->contact, "sips:", 5); /* the contact registered, as it was */
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
    if (!rc && r->last_auth) {
        /* fresh credentials (the next nonce count), else the last ones again */
        pl_buf lines;
        pl_buf_init(&lines, 256);
        if (ep_reauthorize(ep, pl_str_c(r->last_auth), &out, &lines) == 0)
            rc = sip_out_add_lines(&out, pl_buf_str(&lines));
        else
            rc = sip_out_add_lines(&out, pl_str_c(r->last_auth));
        pl_buf_free(&lines);
    }
    if (!rc)
        tp_send(ep->tp, &a.dest, out.buf.data, out.buf.len, NULL);
    sip_out_free(&out);
}
