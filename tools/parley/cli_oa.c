/* The CLI's offer/answer: each call's SDP negotiator (cloned from one per app and media
 * address: with binds of both families, or a wildcard, each call's address is its peer's
 * family's), with the options of parley call (--sdp FILE, --no-offer) and the headers of every
 * request, and the "media" line that reports each completed exchange. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static parley_sdp_neg *make_proto(const char *addr)
{
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
    cfg.addr = addr;
    cfg.streams = &audio;
    cfg.nstreams = 1;
    parley_sdp_neg *neg = NULL;
    parley_sdp_neg_create(&cfg, &neg);
    return neg;
}

/* The negotiator of a new call: a clone of the app's (made once, on first use) with an RTP
 * port of its own; for another address than local_ip, of the one kept for the last such
 * address (o= and c= both say it). */
int cli_new_neg(cli_app *app, const char *addr, parley_sdp_neg **out)
{
    pthread_mutex_lock(&app->mu);
    parley_sdp_neg **proto = &app->sdp_proto;
    if (addr && strcmp(addr, app->local_ip)) {
        proto = &app->sdp_other;
        if (*proto && strcmp(app->other_ip, addr)) {
            parley_sdp_neg_free(*proto); /* its clones keep what they share with it */
            *proto = NULL;
        }
        if (!*proto)
            snprintf(app->other_ip, sizeof(app->other_ip), "%s", addr);
    }
    if (!*proto)
        *proto = make_proto(proto == &app->sdp_proto ? app->local_ip : app->other_ip);
    int rc = *proto ? parley_sdp_neg_clone(*proto, out) : PARLEY_E_NOMEM;
    pthread_mutex_unlock(&app->mu);
    if (!rc && (rc = parley_sdp_neg_set_addr(*out, 0, NULL,
                                             (uint16_t)(20000 + 2 * pl_rand_below(10000)))) != 0) {
        parley_sdp_neg_free(*out);
        *out = NULL;
    }
    return rc;
}

static bool is_wildcard_ip(const char *ip)
{
    return !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
}

void cli_note_bind(cli_app *app, const char *bind)
{
    char ip[64];
    cli_bind_ip(bind, ip, sizeof(ip));
    bool first = !app->bind_ip4[0] && !app->bind_ip6[0];
    if (first)
        snprintf(app->local_ip, sizeof(app->local_ip), "%s", ip);
    char *slot = strchr(ip, ':') ? app->bind_ip6 : app->bind_ip4;
    if (!slot[0])
        snprintf(slot, sizeof(app->bind_ip4), "%s", ip);
    app->media_per_call = (app->bind_ip4[0] && app->bind_ip6[0]) || is_wildcard_ip(app->bind_ip4) ||
                          is_wildcard_ip(app->bind_ip6);
}

/* The IP literal that host text starts with ("[::1]:5060", "127.0.0.1;transport=tcp"). */
static bool literal_ip(const char *h, struct sockaddr_storage *out)
{
    char tmp[64];
    size_t n = 0;
    bool v6 = *h == '[';
    if (v6)
        h++;
    while (h[n] && n + 1 < sizeof(tmp) && (v6 ? h[n] != ']' : !strchr(":;?>", h[n])))
        n++;
    memcpy(tmp, h, n);
    tmp[n] = '\0';
    memset(out, 0, sizeof(*out));
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
    struct sockaddr_in *a4 = (struct sockaddr_in *)out;
    if (v6 && inet_pton(AF_INET6, tmp, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(9); /* any port: only a route is asked for */
        return true;
    }
    if (!v6 && inet_pton(AF_INET, tmp, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(9);
        return true;
    }
    return false;
}

/* The first address host (a name, up to its port or parameters) resolves to in a family the
 * app has a bind of (the system's resolver: the call is being set up on this thread). */
static bool resolved_ip(const cli_app *app, const char *h, struct sockaddr_storage *out)
{
    char name[256];
    if (!cli_host_name(h, name, sizeof(name)))
        return false;
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res = NULL;
    if (getaddrinfo(name, "9", &hints, &res) != 0)
        return false;
    bool found = false;
    for (const struct addrinfo *a = res; a && !found; a = a->ai_next) {
        bool v6 = a->ai_family == AF_INET6;
        if ((v6 ? app->bind_ip6 : app->bind_ip4)[0] && (v6 || a->ai_family == AF_INET) &&
            a->ai_addrlen <= sizeof(*out)) {
            memset(out, 0, sizeof(*out));
            memcpy(out, a->ai_addr, a->ai_addrlen);
            found = true;
        }
    }
    freeaddrinfo(res);
    return found;
}

/* The peer's address: where the session's last request came from, else the host of the target
 * URI ("sip:bob@[::1]:5070") when it is an IP literal, else what its name resolves to. */
static bool peer_of(const cli_app *app, parley_session *s, struct sockaddr_storage *out)
{
    char buf[128];
    if (parley_session_peer_addr(s, buf, sizeof(buf), NULL) == 0)
        return literal_ip(buf, out);
    parley_address t;
    if (parley_session_target(s, &t) != 0 || !t.uri)
        return false;
    if (!strchr(t.uri, ':')) /* no scheme */
        return false;
    const char *host = cli_uri_host(t.uri);
    return literal_ip(host, out) ||
           (app->resolve_targets && *host != '[' && resolved_ip(app, host, out));
}

/* The source address the kernel picks towards peer (a connected UDP socket sends nothing). */
static bool route_source(const struct sockaddr_storage *peer, char *out, size_t size)
{
    int fd = socket(peer->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_storage src;
    socklen_t len = sizeof(src);
    bool v6 = peer->ss_family == AF_INET6;
    socklen_t plen = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    bool ok = connect(fd, (const struct sockaddr *)peer, plen) == 0 &&
              getsockname(fd, (struct sockaddr *)&src, &len) == 0 &&
              inet_ntop(peer->ss_family,
                        v6 ? (const void *)&((struct sockaddr_in6 *)&src)->sin6_addr
                           : (const void *)&((struct sockaddr_in *)&src)->sin_addr,
                        out, (socklen_t)size) != NULL;
    close(fd);
    return ok;
}

/* route_source with the app's one-entry memory: the calls of one peer (a proxy, a load
 * generator) ask the kernel once, not with four system calls per call. */
static bool route_source_kept(cli_app *app, const struct sockaddr_storage *peer, char *out,
                              size_t size)
{
    pthread_mutex_lock(&app->mu);
    bool same = app->route_src[0] && !memcmp(&app->route_peer, peer, sizeof(*peer));
    if (same)
        snprintf(out, size, "%s", app->route_src);
    pthread_mutex_unlock(&app->mu);
    if (same)
        return true;
    if (!route_source(peer, out, size))
        return false;
    pthread_mutex_lock(&app->mu);
    app->route_peer = *peer;
    snprintf(app->route_src, sizeof(app->route_src), "%s", out);
    pthread_mutex_unlock(&app->mu);
    return true;
}

bool cli_media_addr(cli_app *app, parley_session *s, char *out, size_t size)
{
    struct sockaddr_storage peer;
    if (!peer_of(app, s, &peer))
        return false;
    const char *ip = peer.ss_family == AF_INET6 ? app->bind_ip6 : app->bind_ip4;
    if (!ip[0])
        return false; /* no bind of the peer's family: the session cannot reach it anyway */
    if (is_wildcard_ip(ip))
        return route_source_kept(app, &peer, out, size);
    snprintf(out, size, "%s", ip);
    return true;
}
