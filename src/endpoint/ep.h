/* Private to the endpoint: its structure and the pieces the session layer builds on. */
#ifndef EP_EP_H
#define EP_EP_H

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/loop.h"
#include "parley/endpoint.h"
#include "parley/registration.h"
#include "sip/build.h"
#include "sip/chars.h"
#include "sip/digest.h"
#include "sip/msg.h"
#include "transport/resolve.h"
#include "transport/tp.h"
#include "txn/txn.h"

#define EP_TAG_LEN 12

/* The limits in force (the configuration's, defaults filled in; UINT_MAX: off). */
typedef struct ep_limits {
    unsigned sessions, half_open, server_txns, per_peer;
    unsigned retry_after_s;
} ep_limits;

/* What the limits refused, by cause. */
typedef struct ep_refusals {
    unsigned long sessions, half_open, transactions, peer;
} ep_refusals;

/* A page-mode request seen lately (merged.c). */
typedef struct ep_recent_page {
    uint64_t key;   /* Call-ID, From tag and CSeq, hashed */
    uint64_t until; /* loop time (ms) it is forgotten */
} ep_recent_page;
/* How many are remembered: past that many page-mode requests in 64*T1, the oldest is forgotten
 * early (a merged copy of it would then be delivered): bounded memory under a flood. */
#define EP_RECENT_PAGES 256

struct parley_endpoint {
    atomic_uint refs;  /* public references: the last one stops the endpoint */
    atomic_uint holds; /* internal ones (sessions), plus one while refs > 0: the memory */
    pl_loop *loop;
    bool owns_loop;  /* created its own pl_loop (not a test's virtual one) */
    bool own_thread; /* started with parley_endpoint_start */
    bool running;
    bool stopping;
    bool stopped;
    pthread_t thread;
    tp_layer *tp;
    txn_layer *txn;
    tp_resolver *res;

    /* configuration, copied */
    parley_endpoint_config cfg;
    char *uri;
    char *display;
    char *epid;
    /* "Server: <user agent>\r\n" and "User-Agent: <user agent>\r\n", made once (the value is
     * the configuration's, checked as a header value, or "parley/<version>") */
    char *server_line, *ua_line;
    size_t server_len, ua_len;
    char *user;    /* user part of uri, for Contact */
    char **accept; /* NULL-terminated */
    size_t max_body;
    char **listen; /* resolved listening points, "udp:127.0.0.1:5060" */
    size_t nlisten;

    char *instance;    /* RFC 5626 instance id */
    char *proxy_route; /* the outbound proxy as a Route value "<uri;lr>", or NULL */

    /* Digest (auth.c) */
    parley_credential *creds; /* copied from the configuration */
    size_t ncreds;
    sip_digest_cache *digest_cache;   /* client: last challenge and count per realm */
    sip_digest_server *digest_server; /* server: NULL when incoming requests are not checked */
    char **auth_methods;              /* NULL-terminated methods to challenge */
    char *auth_password;

    pl_list senders;       /* ep_sender in flight */
    pl_list registrations; /* parley_registration still active (register.c) */
    pl_list requests;      /* parley_request deferred by the application */
    pl_list pages;         /* page-mode operations in flight */
    ep_recent_page recent_pages[EP_RECENT_PAGES]; /* merged.c, a ring */
    size_t recent_next;
    uint64_t recent_seed; /* merged.c's hash seed, random (0: not drawn yet) */

    ep_limits lim;
    ep_refusals refused;
    /* the load the limits look at, kept by the session layer */
    unsigned nsessions;  /* sessions in the registry (until on_released) */
    unsigned nhalf_open; /* incoming sessions Incoming or Connecting (2xx sent, no ACK yet) */
    parley_endpoint_stats last; /* the figures when the layers went (parley_endpoint_stop) */
    /* ep_local_hostport's last answer (loop thread): the address and its "host:port", so that
     * each response's Contact does not format the same address again */
    tp_addr hostport_of;
    char hostport[INET6_ADDRSTRLEN + 8];
    size_t hostport_len; /* 0: none yet */
    /* memory.c: giving memory back once a load passed */
    pl_timer trim_timer;
    unsigned long load_peak;
    unsigned long trims;

    /* hooks the session layer installs */
    void *sessions;
    /* in-dialog request (To tag present): true when a dialog took it */
    bool (*dialog_request)(parley_endpoint *ep, txn_server *t, sip_msg *m, const tp_rx *rx);
    /* INVITE outside a dialog */
    void (*invite_request)(parley_endpoint *ep, txn_server *t, sip_msg *m, const tp_rx *rx);
    void (*dialog_ack)(parley_endpoint *ep, sip_msg *m, const tp_rx *rx);
    void (*dialog_stray)(parley_endpoint *ep, sip_msg *m, const tp_rx *rx);
    void (*dialog_orphan_2xx)(parley_endpoint *ep, const sip_msg *m, const tp_dest *inv);
    /* whether an in-dialog request (To tag present) names a dialog we have */
    bool (*dialog_known)(parley_endpoint *ep, const sip_msg *m);
    void (*shutdown_sessions)(parley_endpoint *ep);
};

/* endpoint.c */
/* Sessions hold their endpoint's memory without keeping it running: the endpoint owns its live
 * sessions, so a session holding a public reference would keep it alive forever. */
parley_endpoint *ep_hold(parley_endpoint *ep);
void ep_release(parley_endpoint *ep);
int ep_create_on(const parley_endpoint_config *cfg, pl_loop *loop, parley_endpoint **out);
/* Tears everything down on the loop thread (idempotent). */
void ep_shutdown(parley_endpoint *ep);
/* Listening point bookkeeping after a driver attached (the tests' virtual network). */
void ep_refresh_addresses(parley_endpoint *ep);
/* Runs fn on the loop thread; PARLEY_E_TERMINATED once the endpoint stopped. */
int ep_call(parley_endpoint *ep, pl_call_fn fn, void *arg);
/* The local address requests to dst leave from, as "host:port" (IPv6 in brackets): a listener
 * of proto, or of the transport we do listen on when proto has none; *listener (may be NULL) is
 * that listener's transport. */
int ep_local_hostport(parley_endpoint *ep, tp_proto proto, const tp_addr *dst, char *out,
                      size_t size, tp_proto *listener);
/* Our Contact naming the listener (transport, "host:port") from ep_local_hostport:
 * "<sip:user@host:port;transport=tcp>;epid=...". Its scheme is sips when sips is set (the
 * request's Request-URI or top Route, or the dialog, is sips: RFC 3261 §8.1.1.8, §12.1.1) and
 * the listener is TLS; over TLS otherwise it is sip with ;transport=tls, as the request's
 * (RFC 5630 §3.1.3: a sips Contact would oblige the peer to TLS on every hop, and peers
 * without sips, libre's before 2.0, cannot send to one). */
void ep_print_contact(parley_endpoint *ep, pl_buf *b, tp_proto listener, const char *hostport,
                      bool sips);
/* The bare URI of that Contact (no GRUU, no brackets): "sip:user@host:port;transport=tcp". */
void ep_print_contact_uri(parley_endpoint *ep, pl_buf *b, tp_proto proto, const char *hostport,
                          bool sips);
/* The same for a message to dst over proto (a response: no attempt at hand). */
void ep_print_contact_for(parley_endpoint *ep, pl_buf *b, tp_proto proto, const tp_addr *dst,
                          bool sips);
/* Our own From/To value: "Display" <uri>;tag=...;epid=... */
void ep_print_self(parley_endpoint *ep, pl_buf *b, const char *local_uri, const char *display,
                   const char *tag);
/* The head of a response to t's request outside a dialog (txn_server_print_head): its To tag is
 * tag (NULL: none) with our epid beside it unless the request's To names one already, as the
 * session's responses print it (the spec's EndpointId is on our From, To and Contact). */
void ep_print_head(parley_endpoint *ep, txn_server *t, pl_buf *b, unsigned status,
                   const char *reason, const char *tag);
void ep_new_tag(char *out); /* EP_TAG_LEN + 1 bytes */
void ep_new_call_id(parley_endpoint *ep, char *out, size_t size);
/* Checks an application's headers; returns 0 or PARLEY_E_HEADER_RESTRICTED / PARLEY_E_INVAL. */
int ep_check_headers(const parley_header *h, size_t n);
/* Copies headers into one allocation (sip_kv array followed by the strings). */
sip_kv *ep_copy_headers(const parley_header *h, size_t n);
/* uri_headers.c. uri without its headers (RFC 3261 §19.1.5: "sip:b@h?Replaces=x" names a
 * request to sip:b@h carrying Replaces: x; a Request-URI and a To may not hold them);
 * *headers: the escaped headers ("a=b&c=d"), empty when there are none. A URI that does not
 * parse is returned whole. */
pl_str ep_uri_split(const char *uri, pl_str *headers);
/* h, then the URI headers raw (escaped, as ep_uri_split gives them) a request may carry:
 * decoded, one per name (long or compact form; h's, else the URI's first), no "body" nor the
 * body's headers (Content-Disposition, -Encoding, -Language, MIME-Version), none of the
 * stack's own (sip_header_check). A copy (as ep_copy_headers) with its count in *n; NULL when
 * out of memory. */
sip_kv *ep_with_uri_headers(const sip_kv *h, size_t nh, pl_str raw, size_t *n);
/* Appends "Name: value\r\n" for each. */
void ep_print_headers(pl_buf *b, const sip_kv *h, size_t n);
bool ep_accepts_type(parley_endpoint *ep, pl_str type, pl_str subtype);
/* A body in a coding parley cannot undo: Content-Encoding names one other than identity (the
 * only one OPTIONS' Accept-Encoding lists). A request with one gets 415 with
 * EP_ACCEPT_ENCODING (RFC 3261 §8.2.3), in a session or out of one. */
bool ep_unknown_encoding(const sip_msg *m);
#define EP_ACCEPT_ENCODING "Accept-Encoding: identity\r\n"
/* What parley takes, as Allow and Supported print it: the methods of a request outside a
 * dialog (MESSAGE only with a page-mode handler), those of a dialog (session/sess.h:
 * SESS_ALLOW); the extensions of its sessions, with and without reliable provisionals. */
#define EP_ALLOW_OUTSIDE     "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER"
#define EP_ALLOW_DIALOG_ONLY ", PRACK, UPDATE"
#define EP_SUPPORTED_100REL  "Supported: 100rel, timer, ms-benotify, replaces"
#define EP_SUPPORTED_PLAIN   "Supported: timer, ms-benotify, replaces"

/* The content type of a message body the application gave none for, in a session or out of
 * one (issue 5 spells it so) */
#define EP_TEXT_PLAIN "text/plain; charset=UTF-8"

/* The Allow line (CRLF included) for what this endpoint takes outside a dialog; with
 * dialogs, also the methods only its dialogs take (PRACK, UPDATE): what an OPTIONS asks. */
void ep_print_allow(parley_endpoint *ep, pl_buf *b, bool dialogs);
/* The Accept, Accept-Encoding and Accept-Language lines of an answer to OPTIONS (RFC 3261
 * §11.2), in a dialog or out of one. */
void ep_print_accept(parley_endpoint *ep, pl_buf *b);

/* merged.c: true when m (a page-mode request outside a dialog) is a copy, on another branch,
 * of one seen within 64*T1 (RFC 3261 §8.2.2.2: answer 482); otherwise remembers it. */
bool ep_page_merged(parley_endpoint *ep, const sip_msg *m);

/* core.c: incoming requests outside dialogs */
void ep_on_request(void *arg, txn_server *t, sip_msg *m, const tp_rx *rx);
void ep_on_ack(void *arg, sip_msg *m, const tp_rx *rx);
void ep_on_stray_response(void *arg, sip_msg *m, const tp_rx *rx);
void ep_on_orphan_2xx(void *arg, const sip_msg *m, const tp_dest *inv);
/* Answers a server transaction with the standard headers (Server, To tag) and extra lines. */
int ep_reply(parley_endpoint *ep, txn_server *t, unsigned status, const char *reason,
             pl_str extra_raw);

/* request.c: parley_request */
parley_request *ep_request_new(parley_endpoint *ep, txn_server *t, parley_session *s);
/* After the callback: answer with `status` (0: never answered) unless the application answered
 * or deferred. */
void ep_request_finish(parley_request *req, unsigned status);
/* The same, the default answer carrying extra header lines (each ending in CRLF). */
void ep_request_finish_extra(parley_request *req, unsigned status, pl_str extra);
void ep_requests_abort(parley_endpoint *ep);

/* result.c: blocking calls and copied results */
typedef struct ep_waiter ep_waiter;
ep_waiter *ep_waiter_new(void);
void ep_waiter_done(void *waiter, const parley_result *r); /* a parley_done_cb */
/* Waits for completion, hands the copied result over, and drops the waiter. */
int ep_waiter_wait(ep_waiter *w, parley_result **out);
void ep_waiter_cancel(ep_waiter *w, int err); /* when the operation never started */
parley_result *ep_result_copy(const parley_result *r);
/* Fills a result from a final response (or an error when m is NULL). */
void ep_result_from(parley_endpoint *ep, parley_result *r, int err, const sip_msg *m,
                    char *reason_buf, size_t size);

/* sender.c: an out-of-dialog request with RFC 3263 resolution and failover */
typedef struct ep_sender ep_sender;
typedef struct ep_attempt {
    tp_dest dest;
    char branch[32];
    char hostport[80]; /* our address towards dest */
    tp_proto listener; /* the transport of the listener at hostport (what Contact names) */
    bool sips;         /* the request's Request-URI or top Route is sips (its Contact is) */
    pl_str via;        /* "SIP/2.0/UDP hostport;branch=...;rport" */
    char via_buf[160];
} ep_attempt;
/* An attempt towards dest: a new branch, our address towards it and the Via. */
void ep_attempt_init(parley_endpoint *ep, ep_attempt *a, const tp_dest *dest);

typedef struct ep_send_ops {
    /* Prints the request for one attempt into out (via and hostport are for this attempt). */
    int (*build)(void *arg, const ep_attempt *a, sip_out *out);
    /* Provisional responses, then the final one (also 2xx retransmissions for INVITE). */
    void (*on_response)(void *arg, ep_sender *s, sip_msg *m);
    /* No final response from any target. */
    void (*on_fail)(void *arg, ep_sender *s, int err);
    /* A 401/407 came for the request whose CSeq was `last`: the request goes again with
     * credentials (RFC 3261 §22.2) and the CSeq this returns, which build must then print (the
     * owner takes it from its own counter: a dialog's, or last + 1). 0: no retry (the challenge
     * goes to on_response). NULL: challenges are never answered. */
    uint32_t (*next_cseq)(void *arg, uint32_t last);
    /* May be NULL. The Authorization / Proxy-Authorization lines an earlier request of the
     * owner's needed ("" when none): the first attempt carries credentials for their realms at
     * once, from the endpoint's memory of their challenges (RFC 3261 §22.3), so that a
     * registrar that challenges every REGISTER is not asked twice for each refresh. */
    pl_str (*prior_auth)(void *arg);
} ep_send_ops;

/* In a dialog: next_hop is the URI to resolve (its first Route, or the remote target). */
int ep_sender_start(parley_endpoint *ep, const char *next_hop, const ep_send_ops *ops, void *arg,
                    ep_sender **out);
/* Outside a dialog (RFC 3261 §8.1.2): routes (Route values "<uri;lr>", NULL-terminated; NULL:
 * the endpoint's outbound proxy, if any) go on the request as its pre-loaded route set, and
 * the next hop is the first of them, else ruri. */
int ep_sender_start_ood(parley_endpoint *ep, const char *ruri, const char *const *routes,
                        const ep_send_ops *ops, void *arg, ep_sender **out);
/* Credentials at once for the request out (printed) for the realms of prev, the
 * Authorization / Proxy-Authorization lines an earlier request needed: appended to lines
 * (sip_digest_reauthorize with the endpoint's cache and credentials). PARLEY_E_NOTFOUND when
 * none could be made. */
int ep_reauthorize(parley_endpoint *ep, pl_str prev, const sip_out *out, pl_buf *lines);
/* The Authorization / Proxy-Authorization lines the request now carries ("" when none): the
 * ACK of a 2xx to a challenged INVITE repeats them. */
pl_str ep_sender_auth(const ep_sender *s);
/* Stops callbacks and frees the sender (its transaction lives on to absorb retransmissions). */
void ep_sender_release(ep_sender *s);
txn_client *ep_sender_txn(ep_sender *s);
const ep_attempt *ep_sender_attempt(ep_sender *s);
void ep_senders_abort(parley_endpoint *ep);

/* limits.c: overload limits */
/* The limits of cfg with the defaults filled in; the transport's part into tc. */
void ep_limits_resolve(parley_endpoint *ep, const parley_endpoint_config *cfg, tp_config *tc);
/* txn_handler.admit: a new request beyond a limit gets a stateless 503 with Retry-After. */
bool ep_admit(void *arg, const sip_msg *m, const tp_rx *rx);
/* memory.c: after a new request was admitted: tracks the load's peak and, once it fell to a
 * quarter of it, returns free heap pages to the kernel */
void ep_memory_note_load(parley_endpoint *ep);
void ep_memory_stop(parley_endpoint *ep);
/* stats.c: the figures of parley_endpoint_read_stats, read on the loop thread */
void ep_stats_read(parley_endpoint *ep, parley_endpoint_stats *out);

/* page.c */
void ep_pages_abort(parley_endpoint *ep);

/* route.c: pre-loaded route sets */
/* The Route value for an outbound proxy URI ("sip:p" or "<sip:p>" -> "<sip:p;lr>"); *out is
 * allocated. PARLEY_E_INVAL for anything but a sip/sips URI without headers. */
int ep_route_value(const char *proxy, char **out);
/* The URI inside a Route value, into out. */
int ep_route_uri(const char *route, char *out, size_t size);
/* The Route headers among an application's headers as a route set (NULL-terminated values;
 * *routes stays NULL when there are none). PARLEY_E_INVAL for a bad one. */
int ep_route_set_from_headers(const parley_header *h, size_t n, char ***routes, size_t *nroutes);
void ep_route_set_free(char **routes);

/* auth.c: Digest */
int ep_auth_setup(parley_endpoint *ep, const parley_endpoint_config *cfg);
void ep_auth_free(parley_endpoint *ep);
bool ep_has_credentials(const parley_endpoint *ep);
/* A sip_digest_lookup_fn over the configuration's credentials and callback (arg: ep). */
bool ep_credentials_lookup(void *arg, pl_str realm, sip_digest_alg alg, const char **username,
                           const char **password, const char **ha1);
/* Incoming request m needs authentication it did not give: answers it (401/407 with a
 * challenge, 403 when its user is locked out) and returns true. False: let it through. */
bool ep_auth_check(parley_endpoint *ep, txn_server *t, const sip_msg *m);

/* instance.c: RFC 5626 instance ids */
/* "urn:uuid:..." derived from an endpoint id (version 5 UUID in parley's namespace). */
int ep_instance_for_epid(const char *epid, char *out, size_t size);
bool ep_instance_valid(const char *instance);
/* The public GRUU of the parley endpoint epid registered for aor ("sip:user@host;gr=urn:uuid:.."
 * from the derived instance id), *out allocated; *out stays NULL when aor is a GRUU already. */
int ep_epid_gruu(const char *aor, const char *epid, char **out);

/* register.c: registrations */
/* Ends every registration (endpoint stop): an unregistering REGISTER goes out once, without
 * waiting, where the last one went; then UNREGISTERED with PARLEY_E_TERMINATED. */
void ep_registrations_abort(parley_endpoint *ep);
/* The public GRUU the registrar gave for the endpoint's own uri, or NULL. */
const char *ep_gruu(const parley_endpoint *ep);
/* The INVITE m came to one of our registered contacts (or GRUUs) while its To names that
 * registration's address of record: a proxy retargeted it, and may have forked it. */
bool ep_retargeted(const parley_endpoint *ep, const sip_msg *m);

/* An endpoint id we may print as the epid parameter (of From, To, Contact): a token. */
static inline bool ep_epid_ok(const char *epid)
{
    return sip_is_token(epid, strlen(epid));
}

/* A body the application gave, as the calls that send one take it: bytes when it has a length,
 * and a content type (when given) that may be printed (sip_media_type_ok). NULL is no body. */
static inline bool ep_content_ok(const parley_content *c)
{
    return !c || ((!c->len || c->body) && (!c->content_type || sip_media_type_ok(c->content_type)));
}

/* Whether the application's headers h (n of them) hold one named name (case-insensitive). */
bool ep_headers_have(const sip_kv *h, size_t n, const char *name);
/* Whether one of h is the header name, in its long or compact form alike (i and Call-ID). */
bool ep_kv_named(const sip_kv *h, size_t n, const char *name);
/* Whether name is the header want (want_id: sip_hdr_lookup's id of want), long or compact form
 * alike; a header parley does not know by case-insensitive name. */
bool ep_header_name_is(const char *name, const char *want, sip_hdr_id want_id);

/* The endpoint's Server or User-Agent header line, CRLF included, unless the application's
 * headers h of the same message name their own: theirs replaces ours, as each is one field
 * (RFC 3261 §20.35, §20.41; §7.3.1 allows no second) and a B2BUA may pass its peer's on. */
static inline void ep_print_server(const parley_endpoint *ep, pl_buf *b, const sip_kv *h, size_t nh)
{
    if (!nh || !ep_headers_have(h, nh, "Server"))
        pl_buf_put(b, ep->server_line, ep->server_len);
}
static inline void ep_print_user_agent(const parley_endpoint *ep, pl_buf *b, const sip_kv *h,
                                       size_t nh)
{
    if (!nh || !ep_headers_have(h, nh, "User-Agent"))
        pl_buf_put(b, ep->ua_line, ep->ua_len);
}

#endif
