/*
 * parley: the small value types every part of the API shares.
 *
 * Conventions: functions return 0 or a negative PARLEY_E_* code; strings are NUL-terminated
 * UTF-8; what parley hands to a callback is borrowed for the duration of the callback; what an
 * application hands to parley is copied before the call returns.
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

typedef struct parley_endpoint parley_endpoint;
typedef struct parley_session parley_session;
typedef struct parley_request parley_request;

/* A custom header. Names the stack owns (Via, From, To, Call-ID, CSeq, Max-Forwards, Contact,
 * Route, Record-Route, Content-Type, Content-Length, RAck, RSeq) are refused with
 * PARLEY_E_HEADER_RESTRICTED; a name that is not a token or a value holding CR or LF with
 * PARLEY_E_INVAL. */
typedef struct parley_header {
    const char *name;
    const char *value;
} parley_header;

/* A body and its MIME type (the spec's ContentDescription). body may hold any bytes. */
typedef struct parley_content {
    const char *content_type;
    const void *body;
    size_t len;
} parley_content;

/* Where to send: a sip, sips or tel URI, and optionally one endpoint of that user (its epid,
 * sent as the epid parameter of To). The spec's RealTimeAddress. */
typedef struct parley_address {
    const char *uri;
    const char *epid;
} parley_address;

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
    const char *reason;    /* its reason phrase ("" when none) */
    const parley_msg *msg; /* the message that completed it (a response, or the ACK), or NULL */
} parley_result;

/* Completion of an asynchronous operation; runs on the endpoint's loop thread. */
typedef void (*parley_done_cb)(void *user, const parley_result *r);

/* Frees a result returned by a blocking (_sync) call. NULL is ignored. */
void parley_result_free(parley_result *r);

/* The SIP method name of a message type ("MESSAGE", "INFO"...). */
const char *parley_msg_type_method(parley_msg_type t);

#ifdef __cplusplus
}
#endif
#endif
