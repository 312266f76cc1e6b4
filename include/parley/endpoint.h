/*
 * parley: the endpoint (the spec's RealTimeEndpoint).
 *
 * An endpoint owns the transports (UDP, TCP, TLS listening points), the transactions, and the
 * sessions; it answers what nobody else does (OPTIONS, unknown methods) and carries page-mode
 * messages. All of its state belongs to one event-loop thread: either its own
 * (parley_endpoint_start) or an application's libuv loop (config.loop). Every function here is
 * safe from any thread; callbacks run on the loop thread; a blocking (_sync) call made on the
 * loop thread fails at once with PARLEY_E_LOOP_THREAD.
 */
#ifndef PARLEY_ENDPOINT_H
#define PARLEY_ENDPOINT_H

#include "parley/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uv_loop_s;

/* One SIP message crossing the wire, for traces. Borrowed for the callback. */
typedef struct parley_trace_event {
    int sent;              /* 1 sent, 0 received */
    const char *transport; /* "UDP", "TCP", "TLS" */
    const char *local;     /* "127.0.0.1:5060": the real local address, also of a new
                              connection (a wildcard bind: the source towards remote) */
    const char *remote;
    const char *data; /* the bytes, not NUL-terminated */
    size_t len;
    uint64_t time_us; /* wall clock, microseconds since the epoch */
} parley_trace_event;

/* Every SIP message sent or received (may be NULL: no trace). Runs on the loop thread. */
typedef void (*parley_trace_cb)(parley_endpoint *ep, const parley_trace_event *ev, void *user);

/*
 * A request received outside any session (page mode). Answer it with parley_request_respond
 * from the callback or, after parley_request_defer, later from any thread. When the callback
 * returns without doing either, parley answers 200 OK. req is valid until it is answered (or,
 * when neither answered nor deferred, until the callback returns).
 */
typedef void (*parley_request_cb)(parley_endpoint *ep, parley_request *req, void *user);

/* Digest credentials (RFC 3261 §22, RFC 7616) for one realm. */
typedef struct parley_credential {
    const char *realm;    /* the realm they answer ("" or NULL: any realm) */
    const char *username; /* required */
    const char *password; /* required */
} parley_credential;

/*
 * Credentials for a realm that challenged one of our requests (401/407), when the
 * configuration's list has none for it: fill out->username and out->password and return 0, or
 * return non-zero to have none (the operation then fails with PARLEY_E_AUTH and the status).
 * The strings must stay valid until the callback is called again or the endpoint is freed.
 * Runs on the loop thread, synchronously: it must answer at once (no network lookups).
 */
typedef int (*parley_credentials_cb)(parley_endpoint *ep, const char *realm, parley_credential *out,
                                     void *user);

/*
 * The password of a user who answered our challenge: set *password and return 0, or return
 * non-zero for an unknown user (counted as a failure, like a wrong password). The string must
 * stay valid until the callback is called again or the endpoint is freed. Loop thread,
 * synchronous.
 */
typedef int (*parley_auth_secret_cb)(parley_endpoint *ep, const char *realm, const char *username,
                                     const char **password, void *user);

typedef struct parley_endpoint_config {
    const char *uri;                 /* own address of record, "sip:alice@example.com"; default
                                        sip:parley@<first listening address> */
    const char *display_name;        /* for From */
    const char *epid;                /* the endpoint id (a token: PARLEY_E_INVAL otherwise);
                                        generated once when NULL; sent as ;epid= on our From,
                                        Contact and the To of our answers */
    const char *const *listen;       /* NULL-terminated: "udp:127.0.0.1:5060", "tcp:[::1]:5060",
                                        "tls:127.0.0.1:5061"; port 0 picks a free port */
    const char *tls_cert;            /* PEM certificate chain for tls: listening points */
    const char *tls_key;             /* its PEM private key */
    const char *tls_ca;              /* PEM CAs that TLS peers must chain to; NULL: the
                                        system's store (OpenSSL's default paths, which honour
                                        SSL_CERT_FILE and SSL_CERT_DIR) */
    int tls_insecure;                /* nonzero: do not verify the servers we connect to over
                                        TLS (any certificate, any name). Off by default: a
                                        server must chain to tls_ca (or the system's store)
                                        and name the target's SIP domain (RFC 5922: a DNS or
                                        sip: URI subjectAltName, no wildcards; an IP address
                                        entry for a numeric host), else the operation fails
                                        with PARLEY_E_TLS */
    const char *tls_client_cert;     /* PEM certificate chain presented when we connect out
                                        (mutual TLS); needs tls_client_key */
    const char *tls_client_key;      /* its PEM private key */
    int tls_verify_client;           /* nonzero: tls: listening points require a client
                                        certificate chaining to tls_ca (or the system's store) */
    unsigned t1_ms, t2_ms, t4_ms;    /* RFC 3261 timers; 0 = 500, 4000, 5000 */
    unsigned session_expires;        /* RFC 4028 session timer (seconds) sessions ask for; 0:
                                        none (a peer's Session-Expires is honoured all the
                                        same) */
    unsigned min_se;                 /* the smallest session interval we accept; 0 = 90 */
    parley_100rel rel100;            /* reliable provisional responses; DEFAULT = SUPPORTED */
    unsigned idle_timeout_ms;        /* close idle TCP/TLS connections; 0 = 120000 */
    parley_parse_limits limits;      /* zero fields take the defaults */
    size_t max_message_body;         /* larger page-mode bodies get 413; 0 = 65536 */
    const char *const *accept_types; /* NULL-terminated MIME types accepted in MESSAGE (415
                                        otherwise); NULL = text/plain and message/cpim;
                                        each "type/subtype" of tokens (PARLEY_E_INVAL
                                        otherwise); entries may use "*" for the type
                                        or the subtype (star, slash, star: all) */
    const char *user_agent;          /* User-Agent / Server value; NULL = "parley/<version>";
                                        CR, LF or another control byte: PARLEY_E_INVAL; a
                                        message's own custom one replaces it */
    const char *dns_servers;         /* "127.0.0.1:5353,..." instead of /etc/resolv.conf */
    struct uv_loop_s *loop;          /* run on this libuv loop (create the endpoint on the thread
                                        that runs it); NULL: parley_endpoint_start runs a thread */
    /* ---- behind a proxy (README "Behind a proxy") ---- */
    const char *outbound_proxy; /* "sip:proxy.example.com;transport=tcp": every request outside
                                   a dialog (INVITE, MESSAGE, REGISTER, OPTIONS...) carries it as
                                   a pre-loaded Route (";lr" added: a loose router, RFC 3261
                                   §8.1.2) and goes there first; requests in a dialog follow
                                   its Record-Route set. NULL: none */
    const char *instance;       /* RFC 5626 instance id ("urn:uuid:..."), the +sip.instance of
                                   registered Contacts; NULL: a name-based UUID made from epid
                                   (stable as long as epid is) */
    const parley_credential *credentials; /* answer 401/407 challenges (copied); the entry for
                                             the realm, else one with no realm */
    size_t ncredentials;
    parley_credentials_cb on_credentials; /* asked when credentials has nothing for the realm;
                                             may be NULL */
    /* Challenging incoming requests (Digest, RFC 3261 §22): on when auth_password or
     * on_auth_secret is set. */
    const char *auth_password;            /* any user name, this password */
    parley_auth_secret_cb on_auth_secret; /* or each user's own; may be NULL */
    const char *auth_realm;               /* our realm; NULL: the host of uri */
    const char *const *auth_methods;      /* NULL-terminated methods to challenge; NULL:
                                             INVITE, MESSAGE, REFER (in and out of dialogs).
                                             ACK and CANCEL cannot be challenged: listing one
                                             fails the create with PARLEY_E_INVAL */
    const char *const *auth_algorithms;   /* NULL-terminated Digest algorithms to offer: "MD5",
                                             "SHA-256", "SHA-512-256" or a "-sess" form; one
                                             challenge each, strongest first (RFC 8760 §2.4).
                                             NULL: SHA-256 and MD5. A peer that knows only MD5
                                             and reads only the first challenge (SIPp's
                                             [authentication], older phones) needs {"MD5",
                                             NULL}. An unknown name or an empty list fails the
                                             create with PARLEY_E_INVAL */
    int auth_proxy;                       /* nonzero: challenge with 407 and Proxy-Authenticate
                                             (an endpoint fronting others, like a proxy); 0:
                                             401 and WWW-Authenticate (a user agent) */
    parley_request_cb on_message; /* page-mode MESSAGE (and INFO/NOTIFY...) outside sessions;
                                     may be NULL: they are answered 405 */
    parley_trace_cb on_trace;     /* every SIP message sent and received; may be NULL */
    void *user;                   /* passed to on_message, on_trace, on_credentials and
                                     on_auth_secret */
    /*
     * Limits against overload (see README, "Limits"). 0 takes the default (chosen for a
     * 2-core machine); PARLEY_UNLIMITED turns a limit off. A new request beyond a limit gets
     * 503 Service Unavailable with Retry-After (RFC 3261 §21.5.4), sent without keeping any
     * state; a connection beyond a limit is closed as soon as it is accepted. What was admitted
     * is never refused by them: requests inside an established dialog and CANCELs of live
     * INVITEs pass (up to twice max_server_transactions, the hard bound).
     */
    /* Sessions alive, both directions: an INVITE beyond it is refused (the application's own
     * calls are not). 0 = 10000. */
    unsigned max_sessions;
    /* Incoming INVITEs not answered yet, or answered 2xx and not ACKed yet. 0 = 1024. */
    unsigned max_half_open;
    /* Server transactions (a UDP one lives 32 s after its answer, about 1 KiB then). 0 = 262144
     * (about 4000 calls/s with a BYE each). */
    unsigned max_server_transactions;
    /* Requests from one peer address (IPv6: one /64) not answered yet (no final response):
     * what it has in flight. 0 = 1024. Behind a proxy, raise it: every request comes from
     * the proxy's address. */
    unsigned max_in_flight_per_peer;
    /* TCP/TLS connections, both directions: accepted ones beyond it are closed, our own are
     * never refused. 0 = 1024, at most the process's descriptor limit less 64. */
    unsigned max_connections;
    /* Accepted connections from one peer address (IPv6: one /64). 0 = half of max_connections
     * (512 by default). */
    unsigned max_connections_per_address;
    /* Bytes queued for a peer that does not read before its connection is closed; also the
     * receive buffer, when larger than twice the message size limit. 0 = 262144. */
    unsigned max_connection_buffer;
    /* A whole message (header section and body) must arrive on a TCP/TLS connection within
     * this time of its first byte, and an accepted TLS handshake end within it, else the
     * connection is closed. 0 = 20000. */
    unsigned message_timeout_ms;
    /* The 503s say Retry-After: a random value in [v, 2v) seconds, so that refused clients do
     * not all come back at once. 0 = 5. */
    unsigned retry_after_s;
} parley_endpoint_config;

#define PARLEY_ENDPOINT_CONFIG_INIT PARLEY_ZERO_INIT
/* A limit of parley_endpoint_config that is off. */
#define PARLEY_UNLIMITED 0xffffffffu

/* Creates an endpoint and opens its listening points. Fails with PARLEY_E_TLS when a TLS
 * file of the configuration (tls_cert, tls_key, tls_ca, tls_client_cert, tls_client_key)
 * cannot be loaded or a key does not match its certificate. */
int parley_endpoint_create(const parley_endpoint_config *cfg, parley_endpoint **out);
/* Runs the endpoint's loop on a new thread (not with config.loop). */
int parley_endpoint_start(parley_endpoint *ep);
/*
 * Stops the endpoint: every session and pending operation ends (PARLEY_E_TERMINATED), every
 * active registration sends its unregistering REGISTER once without waiting for the answer
 * (then UNREGISTERED with PARLEY_E_TERMINATED), every listening point and connection closes. With
 * its own thread it blocks until the thread ended; on an application loop it must be called on that
 * loop's thread and returns at once (the loop then finishes closing the handles).
 */
int parley_endpoint_stop(parley_endpoint *ep);
parley_endpoint *parley_endpoint_ref(parley_endpoint *ep);
/* Drops a reference; the last one stops the endpoint if needed and frees it. */
void parley_endpoint_unref(parley_endpoint *ep);

/* Own address of record, endpoint id and RFC 5626 instance id ("urn:uuid:...") (valid until
 * the endpoint is freed; any thread). */
const char *parley_endpoint_uri(const parley_endpoint *ep);
const char *parley_endpoint_epid(const parley_endpoint *ep);
const char *parley_endpoint_instance(const parley_endpoint *ep);
/* The i-th listening point as "udp:127.0.0.1:5060" (the real port when 0 was asked); any
 * thread; PARLEY_E_NOTFOUND past the last one. */
int parley_endpoint_local_addr(parley_endpoint *ep, size_t i, char *buf, size_t size);

/*
 * What an endpoint holds and what it refused, for monitoring. The caller sets size to
 * sizeof(parley_endpoint_stats) (PARLEY_ENDPOINT_STATS_INIT does): fields added later sit past
 * it, so that a program built against an older header gets what it knows of.
 */
typedef struct parley_endpoint_stats {
    size_t size;
    /* now */
    uint64_t sessions;     /* alive, both directions (until their on_released) */
    uint64_t half_open;    /* incoming INVITEs unanswered, or answered 2xx and not ACKed */
    uint64_t transactions; /* server_transactions + client_transactions */
    uint64_t server_transactions;
    uint64_t client_transactions;
    uint64_t connections; /* open TCP/TLS connections, both directions */
    /* since the endpoint was created */
    uint64_t rejected_503;          /* requests refused by a limit (the sum of the four below) */
    uint64_t rejected_sessions;     /* INVITEs beyond max_sessions */
    uint64_t rejected_half_open;    /* INVITEs beyond max_half_open */
    uint64_t rejected_transactions; /* requests beyond max_server_transactions */
    uint64_t rejected_peer;         /* requests beyond max_in_flight_per_peer */
    uint64_t connections_refused;   /* accepted connections closed by a connection limit */
    uint64_t slow_closed;           /* connections closed by message_timeout_ms */
    uint64_t overflow_closed;       /* connections closed by max_connection_buffer */
    uint64_t malformed_dropped;     /* messages too malformed to answer, dropped */
    uint64_t malformed_answered;    /* malformed requests answered 400 (or 505, 513) */
} parley_endpoint_stats;

/* Every field listed (C++ warns about missing initialisers): extend it with the struct. */
#define PARLEY_ENDPOINT_STATS_INIT                                                                 \
    {                                                                                              \
        sizeof(parley_endpoint_stats), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0              \
    }

/*
 * Fills *out (up to out->size bytes). Any thread: off the loop thread it waits for the loop to
 * read them (a moment); after parley_endpoint_stop it gives the last figures (nothing alive).
 * PARLEY_E_INVAL when out->size is smaller than the size field.
 */
int parley_endpoint_read_stats(parley_endpoint *ep, parley_endpoint_stats *out);

/*
 * Sends a message outside any session (RFC 3428 page mode for MESSAGE; OPTIONS, INFO,
 * NOTIFY, SERVICE, BENOTIFY likewise). body may be NULL (no body) and its content type NULL
 * ("text/plain; charset=UTF-8"). cb gets the final response: error 0 for 2xx,
 * PARLEY_E_FAILURE_RESPONSE with the status otherwise (PARLEY_E_AUTH for a 401/407 that could
 * not be answered, see credentials), or PARLEY_E_TIMEOUT, PARLEY_E_CONNECT, PARLEY_E_TLS,
 * PARLEY_E_NOROUTE when no answer came. Route headers among headers ("<sip:proxy;lr>" or a bare
 * URI, one per header; ";lr" added) are this request's pre-loaded route set instead of the
 * endpoint's outbound_proxy (RFC 3261 §8.1.2); a malformed one is PARLEY_E_INVAL. Headers in
 * to's URI ("sip:bob@h?Subject=hi") go on the request as header fields, not in its Request-URI
 * or To, as for parley_session_create.
 */
int parley_endpoint_send_message(parley_endpoint *ep, parley_msg_type type,
                                 const parley_address *to, const parley_content *body,
                                 const parley_header *headers, size_t nheaders,
                                 parley_endpoint_done_cb cb, void *user);
/* Blocking form; *out receives the result (free with parley_result_free). Returns r->error. */
int parley_endpoint_send_message_sync(parley_endpoint *ep, parley_msg_type type,
                                      const parley_address *to, const parley_content *body,
                                      const parley_header *headers, size_t nheaders,
                                      parley_result **out);

/* ---- requests received (page mode, and in-session messages) ---- */

/*
 * A parley_request is handed to on_message (the endpoint's or a session's) and needs an answer:
 * answer it in the callback (parley_request_respond), or parley_request_defer() there and answer
 * later from any thread. Returning from the callback without either answers 200 (BENOTIFY: no
 * answer). The handle stays valid until its final answer is sent (or the callback returned,
 * when it was not deferred); the endpoint's stop answers deferred ones 503.
 */

/* The request (borrowed: valid as long as req is). Any thread. */
const parley_msg *parley_request_msg(const parley_request *req);
/* Which method it came with (PARLEY_MSG_MESSAGE, _INFO...). Any thread. */
parley_msg_type parley_request_type(const parley_request *req);
/* The session it arrived in, or NULL for page mode. Any thread. */
parley_session *parley_request_session(const parley_request *req);
/* Answers the request (100-699; reason NULL for the standard phrase; a body without a content
 * type goes as "text/plain; charset=UTF-8"). Once only, except for provisional codes. After
 * parley_request_defer, safe from any thread. */
int parley_request_respond(parley_request *req, int code, const char *reason,
                           const parley_content *body, const parley_header *headers,
                           size_t nheaders);
/* Keeps the request past the callback: the application must respond later (from any thread).
 * Only inside the callback; PARLEY_E_STATE otherwise. */
int parley_request_defer(parley_request *req);

#ifdef __cplusplus
}
#endif
#endif
