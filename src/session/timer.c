/*
 * The session timer (RFC 4028). The interval and the refresher are set by each INVITE,
 * re-INVITE or UPDATE transaction that carries Session-Expires (in its 2xx); the refresher
 * sends a refresh at half the interval (UPDATE when the peer allows it, else a re-INVITE that
 * repeats the current description: refresh.c paths in reinvite.c and update.c), the other
 * side ends the session with a BYE when no refresh came by the interval minus
 * min(32 s, interval/3) (§10). The refresher parameter is relative to the transaction: "uac"
 * is whoever sent the request that carries it.
 */
#include <stdio.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

#define MIN_SE_FLOOR 90u /* RFC 4028 §5: Min-SE is never below 90 s */

void sess_timer_init(parley_session *s)
{
    const parley_endpoint_config *c = &s->ep->cfg;
    s->se_want = c->session_expires;
    s->min_se = c->min_se >= MIN_SE_FLOOR ? c->min_se : MIN_SE_FLOOR;
    if (s->se_want && s->se_want < s->min_se)
        s->se_want = s->min_se;
    s->rel100 = c->rel100 == PARLEY_100REL_DEFAULT ? PARLEY_100REL_SUPPORTED : c->rel100;
}

void sess_timer_stop(parley_session *s)
{
    if (s->st_timer)
        pl_loop_timer_stop(s->ep->loop, s->st_timer);
    s->st_interval = 0;
}

/* ---- expiry and refresh ---- */

static void refresh_or_expire(pl_timer *t, void *arg);

static void arm(parley_session *s)
{
    pl_loop *loop = s->ep->loop;
    if (s->st_timer)
        pl_loop_timer_stop(loop, s->st_timer);
    if (!s->st_interval || s->state == PARLEY_STATE_DISCONNECTED || !sess_timer_slot(&s->st_timer))
        return; /* (out of memory: the session goes on without its timer) */
    uint64_t ms = s->st_interval * 1000ull;
    if (s->st_refresher) {
        ms /= 2; /* §10: the refresher refreshes at half the interval */
    } else {
        unsigned third = s->st_interval / 3, margin = third < 32 ? third : 32;
        ms = (uint64_t)(s->st_interval - margin) * 1000;
    }
    pl_loop_timer_start(loop, s->st_timer, ms, refresh_or_expire, s);
}

static void expire(parley_session *s)
{
    /* no refresh came (or ours could not be made): the session is gone (§10) */
    parley_session_ref(s);
    sess_uac_ack_pending(s);
    sess_send_bye(s, NULL, 0, NULL);
    sess_end(s, PARLEY_REASON_SESSION_TIMER_EXPIRED, NULL);
    parley_session_unref(s);
}

static bool offer_busy(const parley_session *s)
{
    return s->reinv || s->reinv_queued || s->rin || s->ok_pending || s->upd ||
           (!s->incoming && !s->acked) || s->our_offer_pending;
}

static void refresh_or_expire(pl_timer *t, void *arg)
{
    (void)t;
    parley_session *s = arg;
    if (s->state != PARLEY_STATE_CONNECTED || !s->dlg)
        return;
    if (!s->st_refresher) {
        expire(s);
        return;
    }
    if (s->refresh_due) {
        /* the half interval passed twice without a refresh going out: give up */
        expire(s);
        return;
    }
    if (offer_busy(s)) {
        /* an offer/answer exchange is under way (its 2xx refreshes the session too): look
         * again in a second, within the second half of the interval */
        s->refresh_retries++;
        if (s->refresh_retries * 1000ull >= s->st_interval * 500ull) {
            expire(s);
            return;
        }
        pl_loop_timer_start(s->ep->loop, s->st_timer, 1000, refresh_or_expire, s);
        return;
    }
    s->refresh_retries = 0;
    sess_op *op = sess_op_new(s, OP_REFRESH, NULL, NULL);
    if (!op) {
        expire(s);
        return;
    }
    op->hdrs = ep_copy_headers(NULL, 0);
    /* by UPDATE when the peer takes it (no body: a pure refresh), else a re-INVITE */
    int rc = s->peer_update ? sess_update_start(s, op) : sess_reinvite_start(s, op);
    if (rc) {
        sess_op_complete(op, rc, NULL);
        expire(s);
        return;
    }
    /* the refresh's answer re-arms the timer; meanwhile the session must not outlive it */
    s->refresh_due = true;
    pl_loop_timer_start(s->ep->loop, s->st_timer, s->st_interval * 500ull, refresh_or_expire, s);
    if (s->cbs->on_refresh && !s->released)
        s->cbs->on_refresh(s, s->peer_update ? "UPDATE" : "INVITE", 0, s->cbs_user);
}

void sess_timer_refresh_done(parley_session *s, bool ok)
{
    s->refresh_due = false;
    if (!ok && s->state == PARLEY_STATE_CONNECTED)
        expire(s);
}

/* A header name that is Session-Expires, long or compact. */
static bool is_session_expires(const char *name)
{
    pl_str n = pl_str_c(name);
    return pl_str_caseeq_lit(n, "Session-Expires") || pl_str_caseeq_lit(n, "x");
}

/* The value of the application's Session-Expires among h, or NULL. */
static const char *app_se(const sip_kv *h, size_t nh)
{
    for (size_t i = 0; i < nh; i++)
        if (is_session_expires(h[i].name))
            return h[i].value;
    return NULL;
}

/* ---- our requests ---- */

void sess_timer_print_request(parley_session *s, pl_buf *b, bool initial, const sip_kv *h,
                              size_t nh)
{
    const char *app = app_se(h, nh);
    bool app_min = nh && ep_headers_have(h, nh, "Min-SE");
    unsigned se = initial ? s->se_want : s->st_interval;
    if (initial && s->st_last)
        se = s->st_last; /* a retry after 422 */
    if (se && se < s->st_min_se)
        se = s->st_min_se; /* a refresh again after 422: the Min-SE it named (§7.4) */
    unsigned app_delta;
    sess_refresher who;
    if (app && sess_session_expires_value(pl_str_c(app), &app_delta, &who))
        se = app_delta; /* the interval the application asks for */
    if (app)
        s->st_retried = true; /* its line goes again on a retry: a 422 ends the request */
    if (!se)
        return;
    s->st_last = se;
    if (!app) {
        if (initial)
            pl_buf_printf(b, "Session-Expires: %u\r\n", se);
        else /* a refresh (or a renegotiation) keeps the refresher where it is */
            pl_buf_printf(b, "Session-Expires: %u;refresher=%s\r\n", se,
                          s->st_refresher ? "uac" : "uas");
    }
    unsigned min_se = s->st_min_se > s->min_se ? s->st_min_se : s->min_se;
    if (!app_min)
        pl_buf_printf(b, "Min-SE: %u\r\n", min_se);
}

void sess_timer_on_response(parley_session *s, const sip_msg *m, bool initial)
{
    unsigned delta;
    sess_refresher who;
    if (sess_session_expires(m, &delta, &who)) {
        s->st_interval = delta;
        /* we sent the request: "uac" is us; without the parameter the UAS left it to us */
        s->st_refresher = who != SESS_REFRESHER_UAS;
    } else if (s->st_last && (initial || s->st_interval)) {
        /* we asked and the peer does not do session timers: we refresh on our own, which
         * any UA understands (re-INVITEs), so a vanished peer is noticed (§7.2) */
        s->st_interval = s->st_last;
        s->st_refresher = true;
    } else {
        s->st_interval = 0; /* a refresh without Session-Expires ends the timer */
    }
    arm(s);
}

unsigned sess_timer_on_422(parley_session *s, const sip_msg *m)
{
    unsigned need = sess_min_se(m);
    if (s->st_retried || !need || need > 86400)
        return 0;
    s->st_retried = true;
    if (need > s->st_min_se)
        s->st_min_se = need;
    unsigned se = s->st_last > need ? s->st_last : need;
    s->st_last = se;
    return se;
}

/* ---- the peer's requests ---- */

int sess_timer_check_request(parley_session *s, const sip_msg *m)
{
    unsigned delta;
    sess_refresher who;
    if (!sess_session_expires(m, &delta, &who))
        return 0;
    return delta < s->min_se ? 422 : 0; /* §9: too small for us */
}

void sess_timer_print_min_se(parley_session *s, pl_buf *b)
{
    pl_buf_printf(b, "Min-SE: %u\r\n", s->min_se);
}

/* The smallest interval our 2xx to req may set: the Min-SE it and we need (RFC 4028 §9). */
static unsigned min_se_for(const parley_session *s, const sip_msg *req)
{
    unsigned floor = sess_min_se(req);
    return floor < s->min_se ? s->min_se : floor;
}

/* What our 2xx to req sets: the interval and who refreshes (0: no timer). A Session-Expires
 * of the application's among its headers (app) that parses sets them, within what RFC 4028
 * §9 allows a UAS: not below the Min-SE the request and we need, and "uac" refreshes only
 * when the caller supports the timer; one that does not parse is left out. */
static unsigned decide(parley_session *s, const sip_msg *req, const char *app, bool *we_refresh)
{
    unsigned delta = 0;
    sess_refresher who = SESS_REFRESHER_NONE;
    bool peer_timer = sess_has_option(req, SIP_H_SUPPORTED, "timer") ||
                      sess_has_option(req, SIP_H_REQUIRE, "timer");
    if (app && sess_session_expires_value(pl_str_c(app), &delta, &who)) {
        unsigned floor = min_se_for(s, req);
        if (delta < floor)
            delta = floor;
        if (who == SESS_REFRESHER_NONE || !peer_timer)
            who = peer_timer ? SESS_REFRESHER_UAC : SESS_REFRESHER_UAS;
    } else if (sess_session_expires(req, &delta, &who)) {
        /* the peer's interval is honoured (§9); we may lower it towards ours, not below the
         * Min-SE it and we need */
        unsigned floor = min_se_for(s, req);
        if (s->se_want && s->se_want < delta && s->se_want >= floor)
            delta = s->se_want;
        if (who == SESS_REFRESHER_NONE)
            who = peer_timer ? SESS_REFRESHER_UAC : SESS_REFRESHER_UAS;
    } else if (s->se_want && peer_timer) {
        /* the peer did not ask but supports it: we may add it, and refresh ourselves */
        delta = s->se_want;
        who = SESS_REFRESHER_UAS;
    } else {
        return 0;
    }
    *we_refresh = who == SESS_REFRESHER_UAS; /* we are the UAS of this transaction */
    return delta;
}

const sip_kv *sess_timer_2xx_headers(const sip_kv *h, size_t *nh, sip_kv **owned)
{
    *owned = NULL;
    if (!app_se(h, *nh))
        return h;
    sip_kv *out = pl_calloc(*nh, sizeof(*out));
    if (!out)
        return h; /* out of memory: the 2xx goes with both; nothing is lost */
    size_t n = 0;
    for (size_t i = 0; i < *nh; i++)
        if (!is_session_expires(h[i].name))
            out[n++] = h[i];
    *nh = n;
    *owned = out;
    return out;
}

void sess_timer_print_response(parley_session *s, const sip_msg *req, pl_buf *b, const sip_kv *h,
                               size_t nh)
{
    bool we;
    unsigned delta = decide(s, req, app_se(h, nh), &we);
    if (!delta)
        return;
    pl_buf_printf(b, "Session-Expires: %u;refresher=%s\r\n", delta, we ? "uas" : "uac");
    if (!we && !sess_headers_list(h, nh, "Require", "timer"))
        pl_buf_puts(b, "Require: timer\r\n"); /* the peer must refresh: it must know (§9) */
}

void sess_timer_start_uas(parley_session *s, const sip_msg *req, const sip_kv *h, size_t nh)
{
    bool we = false;
    unsigned delta = decide(s, req, app_se(h, nh), &we);
    s->st_interval = delta;
    s->st_refresher = we;
    s->refresh_due = false;
    unsigned req_min = sess_min_se(req);
    if (req_min > s->st_min_se)
        s->st_min_se = req_min;
    arm(s);
}

/* ---- properties ---- */

int parley_session_timer(const parley_session *s, unsigned *interval, int *we_refresh)
{
    if (!s)
        return PARLEY_E_INVAL;
    unsigned iv = s->st_interval;
    if (!iv || s->state == PARLEY_STATE_DISCONNECTED)
        return PARLEY_E_NOTFOUND;
    if (interval)
        *interval = iv;
    if (we_refresh)
        *we_refresh = s->st_refresher;
    return 0;
}

int parley_session_update_allowed(const parley_session *s)
{
    return s && s->peer_update;
}
