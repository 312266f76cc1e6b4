/* The CLI's offer/answer: each call's SDP negotiator (cloned from one per app), with the
 * options of parley call (--sdp FILE, --no-offer) and the headers of every request, and the
 * "media" line that reports each completed exchange. */
#include <pthread.h>
#include <string.h>

#include "core/rand.h"
#include "json.h"
#include "session_cli.h"

/* {"event":"media","call_id":...,"streams":[{"media":"audio","dir":"sendrecv","remote_addr":
 * "127.0.0.1","remote_port":4000,"codecs":["PCMU/8000"]},{"media":"video","active":false}]}:
 * what an exchange just negotiated, each stream's direction seen from us. Nothing is read under
 * --quiet (a negotiator keeps a completed exchange as text: reading it parses it again). */
static void emit_media(cli_call *c)
{
    pl_buf b;
    if (!cli_begin_event(&b, "media", c))
        return;
    pl_buf_puts(&b, ",\"streams\":[");
    unsigned n = parley_sdp_neg_stream_count(c->neg);
    for (unsigned i = 0; i < n; i++) {
        parley_sdp_stream st;
        if (parley_sdp_neg_stream(c->neg, i, &st) != 0)
            break;
        pl_buf_puts(&b, i ? ",{\"media\":" : "{\"media\":");
        json_str(&b, st.media);
        if (!st.active) {
            pl_buf_puts(&b, ",\"active\":false}");
            continue;
        }
        pl_buf_printf(&b, ",\"dir\":\"%s\",\"remote_addr\":", parley_sdp_dir_name(st.dir));
        json_str(&b, st.remote_addr);
        pl_buf_printf(&b, ",\"remote_port\":%u,\"codecs\":[", (unsigned)st.remote_port);
        for (size_t k = 0; k < st.ncodecs; k++) {
            const parley_sdp_format *f = &st.codecs[k];
            char name[96];
            if (f->encoding.len && f->rate)
                snprintf(name, sizeof(name), f->channels > 1 ? "%.*s/%u/%u" : "%.*s/%u",
                         (int)(f->encoding.len < 40 ? f->encoding.len : 40), f->encoding.p,
                         (unsigned)f->rate, f->channels);
            else
                snprintf(name, sizeof(name), "%.*s", (int)(f->fmt.len < 40 ? f->fmt.len : 40),
                         f->fmt.p);
            if (k)
                pl_buf_puts(&b, ",");
            json_cstr(&b, name);
        }
        pl_buf_puts(&b, "]}");
    }
    pl_buf_puts(&b, "]}");
    cli_end_event(c, &b);
}

/* Gives the negotiator the direction the call wants, on the loop thread (parley/sdp.h: one
 * thread at a time), just before it writes an offer (which takes a hold or resume asked for)
 * or an answer. */
static void apply_dir(cli_call *c, bool offer)
{
    if (!atomic_load_explicit(&c->dir_dirty, memory_order_acquire))
        return; /* dir_applied is what the call wants */
    pthread_mutex_lock(&c->app->mu);
    if (offer && c->dir_asked != PARLEY_SDP_DIR_UNSET) {
        c->dir_undo = c->dir_want;
        c->dir_want = c->dir_asked;
        c->dir_asked = PARLEY_SDP_DIR_UNSET;
        c->dir_in_offer = true;
    }
    parley_sdp_dir want = c->dir_want;
    /* an asked direction waits for an offer: answers leave it */
    atomic_store_explicit(&c->dir_dirty, c->dir_asked != PARLEY_SDP_DIR_UNSET,
                          memory_order_relaxed);
    pthread_mutex_unlock(&c->app->mu);
    if (want != c->dir_applied && parley_sdp_neg_set_dir(c->neg, -1, want) == 0)
        c->dir_applied = want;
}

static int ask_dir(cli_call *c, parley_sdp_dir d)
{
    int rc = 0;
    pthread_mutex_lock(&c->app->mu);
    if (c->dir_asked != PARLEY_SDP_DIR_UNSET || c->dir_in_offer)
        rc = PARLEY_E_AGAIN; /* one hold or resume at a time, as one renegotiation */
    else
        c->dir_asked = d;
    if (!rc)
        atomic_store_explicit(&c->dir_dirty, true, memory_order_release);
    pthread_mutex_unlock(&c->app->mu);
    return rc;
}

void cli_call_dir_done(cli_call *c, bool ok)
{
    pthread_mutex_lock(&c->app->mu);
    if (c->dir_asked != PARLEY_SDP_DIR_UNSET) {
        c->dir_asked = PARLEY_SDP_DIR_UNSET; /* no offer took it */
    } else if (c->dir_in_offer) {
        if (!ok) {
            c->dir_want = c->dir_undo; /* the next offer or answer says it again */
            atomic_store_explicit(&c->dir_dirty, true, memory_order_release);
        }
        c->dir_in_offer = false;
    }
    pthread_mutex_unlock(&c->app->mu);
}

int cli_call_renegotiate_dir(cli_call *c, parley_sdp_dir d, unsigned flags, const parley_header *h,
                             size_t nh, parley_session_done_cb cb, void *user)
{
    int rc = ask_dir(c, d);
    if (!rc && (rc = parley_session_renegotiate(c->s, flags, h, nh, cb, user)) != 0)
        cli_call_dir_done(c, false); /* refused at once: no offer took it */
    return rc;
}

static int get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    cli_call *c = user;
    if (c->null_offer_once) {
        c->null_offer_once = false;
        out->body = NULL;
        return 0;
    }
    if (c->sdp) {
        out->content_type = "application/sdp";
        out->body = c->sdp;
        out->len = c->sdp_len;
        return 0;
    }
    apply_dir(c, true);
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_offer(c->neg, &body, &len);
    if (rc)
        return rc;
    out->content_type = "application/sdp";
    out->body = body;
    out->len = len;
    return 0;
}

static int get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                      void *user)
{
    (void)s;
    cli_call *c = user;
    parley_content sdp;
    if (!parley_sdp_find(offer, &sdp)) {
        out->content_type = "application/sdp"; /* 415 with it as Accept */
        return PARLEY_E_MEDIA_TYPE;
    }
    apply_dir(c, false);
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_answer(c->neg, sdp.body, sdp.len, &body, &len, NULL);
    if (rc)
        return rc;
    out->content_type = "application/sdp";
    out->body = body;
    out->len = len;
    emit_media(c); /* before anything else reads the negotiator: body stays valid */
    return 0;
}

static void set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    cli_call *c = user;
    parley_content sdp;
    if (!c->sdp && parley_sdp_find(answer, &sdp) &&
        parley_sdp_neg_set_answer(c->neg, sdp.body, sdp.len, NULL) == 0)
        emit_media(c);
}

static void offer_in_response(parley_session *s, parley_pending_answer *p,
                              const parley_content *offer, void *user)
{
    (void)s;
    (void)offer;
    cli_call *c = user;
    parley_pending_answer_ready(p, c->app->every, c->app->nevery);
}

const parley_oa_ops cli_oa_ops = {get_offer, get_answer, set_answer, offer_in_response, NULL, NULL};

/* The negotiator of a new call: a clone of the app's (made once, on first use) with an RTP
 * port of its own. */
int cli_new_neg(cli_app *app, parley_sdp_neg **out)
{
    pthread_mutex_lock(&app->mu);
    if (!app->sdp_proto) {
        static const parley_sdp_codec codecs[] = {
            {0, "PCMU", 8000, 0, NULL},
            {8, "PCMA", 8000, 0, NULL},
            {101, "telephone-event", 8000, 0, "0-15"},
        };
        parley_sdp_stream_cfg audio = PARLEY_SDP_STREAM_CFG_INIT;
        audio.media = "audio";
        audio.port = 20000;
        audio.codecs = codecs;
        audio.ncodecs = 3;
        parley_sdp_cfg cfg = PARLEY_SDP_CFG_INIT;
        cfg.user = "parley";
        cfg.addr = app->local_ip;
        cfg.streams = &audio;
        cfg.nstreams = 1;
        parley_sdp_neg_create(&cfg, &app->sdp_proto);
    }
    int rc = app->sdp_proto ? parley_sdp_neg_clone(app->sdp_proto, out) : PARLEY_E_NOMEM;
    pthread_mutex_unlock(&app->mu);
    if (!rc && (rc = parley_sdp_neg_set_addr(*out, 0, NULL,
                                             (uint16_t)(20000 + 2 * pl_rand_below(10000)))) != 0) {
        parley_sdp_neg_free(*out);
        *out = NULL;
    }
    return rc;
}
