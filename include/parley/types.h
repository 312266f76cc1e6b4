/*
 * parley: the small value types every part of the API shares.
 *
 * Conventions: functions return 0 or a negative PARLEY_E_* code; strings are NUL-terminated
 * UTF-8; what parley hands to a callback is borrowed for the duration of the callback (unless
 * its header says otherwise); what an application hands to parley is copied before the call
 * returns.
 *
 * Callbacks (the rules every header follows):
 * - A callback never runs inside the public call that caused it, on any thread: an operation
 *   checks its arguments and the state, returns, and its work (and every event it causes) runs
 *   later from the endpoint's loop. An application is never re-entered while it holds its own
 *   state across a parley call.
 * - Callbacks run on the endpoint's loop thread, with no parley lock held.
 * - Callback types take the object first and `void *user` last; a completion receives the
 *   object it completed for.
 */
#ifndef PARLEY_TYPES_H
#define PARLEY_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"
#include "parley/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The initialiser of a zeroed config struct: {0} in C, {} in C++ (no missing-field warning). */
#ifdef __cplusplus
#define PARLEY_ZERO_INIT                                                                           \
    {                                                                                              \
    }
#else
#define PARLEY_ZERO_INIT                                                                           \
    {                                                                                              \
        0                                                                                          \
    }
#endif

typedef struct parley_endpoint parley_endpoint;
typedef struct parley_session parley_session;
typedef struct parley_request parley_request;

/* A custom header. Names the stack owns (Via, From, To, Call-ID, CSeq, Max-Forwards, Contact,
 * Route, Record-Route, Content-Type, Content-Length, RAck, RSeq) are refused with
 * PARLEY_E_HEADER_RESTRICTED (except Route for parley_endpoint_send_message, where it sets that
 * request's route set); a name that is not a token or a value holding CR, LF or another
 * control byte (HT is allowed) with PARLEY_E_INVAL. Supported and Allow are merged with the
 * stack's own values (one header field each on the wire, no value twice); a Require goes as
 * given, and the stack adds its own (100rel, timer) only when the application's does not list
 * that option already. A User-Agent on a
 * request, or a Server on a response, replaces the endpoint's (user_agent in its config). A
 * Session-Expires (or x) or Min-SE on a request goes instead of the session timer's own (one
 * header field each); a Session-Expires that parses is the interval asked for, and a 422 to it
 * is not retried. On a 2xx a Session-Expires sets the interval and refresher within RFC 4028
 * §9 (not below the Min-SE, "uac" only for a caller that supports the timer) and the stack
 * prints it, with Require: timer when the caller refreshes. */
typedef struct parley_header {
    const char *name;
    const char *value;
} parley_header;

/* A body and its MIME type (the spec's ContentDescription). body may hold any bytes.
 * content_type is "type/subtype" (tokens), then nothing or ";" parameters, with no line break
 * or other control byte: the calls that take one refuse anything else with PARLEY_E_INVAL, and a
 * get_offer or get_answer that gives one counts as having refused. Reason phrases given to
 * the calls that take one are refused the same way when they hold a control byte. */
typedef struct parley_content {
    const char *content_type;
    const void *body;
    size_t len;
} parley_content;

/* Where to send: a sip, sips or tel URI (or a GRUU), and optionally one endpoint of that user
 * (its endpoint id, "epid" everywhere in parley: sent as the epid parameter of To; through a
 * proxy the request goes to that endpoint's public GRUU, see docs/SESSION.md; a token, or the
 * call taking it returns PARLEY_E_INVAL). The spec's RealTimeAddress. */
typedef struct parley_address {
    const char *uri;
    const char *epid;
} parley_address;

/* The spec's ExtensionFeatureSupport, for reliable provisional responses (100rel, RFC 3262).
 * DEFAULT takes the endpoint's setting (whose own default is SUPPORTED). */
typedef enum parley_100rel {
    PARLEY_100REL_DEFAULT = 0,
    PARLEY_100REL_UNSUPPORTED = 1, /* never reliable; an INVITE requiring it gets 420 */
    PARLEY_100REL_SUPPORTED = 2,   /* Supported: 100rel; reliable when asked or for early media */
    PARLEY_100REL_REQUIRED = 3,    /* Require: 100rel (peers without it answer 420; INVITEs
                                      without it get 421) */
} parley_100rel;

/* The spec's MessageType: the request method a message is sent with. */
typedef enum parley_msg_type {
    PARLEY_MSG_MESSAGE = 0,
    PARLEY_MSG_INFO = 1,
    PARLEY_MSG_OPTIONS = 2,
    PARLEY_MSG_BENOTIFY = 3, /* best-effort NOTIFY: never answered, completes when sent */
    PARLEY_MSG_SERVICE = 4,
    PARLEY_MSG_NOTIFY = 5,
} parley_msg_type;

/* How an operation ended. */
typedef struct parley_result {
    int error;             /* 0, or PARLEY_E_FAILURE_RESPONSE (see status), PARLEY_E_TIMEOUT... */
    int status;            /* the final response's status code, 0 when there was none */
    const char *reason;    /* its reason phrase ("" when none); PARLEY_E_TLS without a response:
                              what TLS refused ("certificate of example.com refused: ...") */
    const parley_msg *msg; /* the message that completed it (a response, or the ACK), or NULL */
} parley_result;

/* Completion of a session operation: the session, how it ended (borrowed for the callback:
 * parley_msg_ref() r->msg to keep it), the user pointer given to the operation. Runs once, on
 * the loop thread, after the call that started the operation returned. May be NULL. */
typedef void (*parley_session_done_cb)(parley_session *s, const parley_result *r, void *user);
/* Completion of an endpoint operation; the same rules. May be NULL. */
typedef void (*parley_endpoint_done_cb)(parley_endpoint *ep, const parley_result *r, void *user);

/* Frees a result returned by a blocking (_sync) call. NULL is ignored. */
void parley_result_free(parley_result *r);

/* The SIP method name of a message type ("MESSAGE", "INFO"...). */
const char *parley_msg_type_method(parley_msg_type t);

#ifdef __cplusplus
}
#endif
#endif
