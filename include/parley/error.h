/*
 * parley: error codes.
 *
 * Every parley function that can fail returns an int: 0 on success or one of the negative
 * PARLEY_E_* values below. The numbers are stable: they never change between releases.
 */
#ifndef PARLEY_ERROR_H
#define PARLEY_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum parley_error {
    PARLEY_OK = 0,
    PARLEY_E_INVAL = -1,       /* an argument is out of range or malformed */
    PARLEY_E_NOMEM = -2,       /* an allocation failed */
    PARLEY_E_PARSE = -3,       /* malformed input (message, URI, SDP) */
    PARLEY_E_UNUSABLE = -4,    /* well-formed message that cannot be used (missing header...) */
    PARLEY_E_LIMIT = -5,       /* a configured limit was exceeded (size, count, length) */
    PARLEY_E_INCOMPLETE = -6,  /* more bytes are needed (stream framing) */
    PARLEY_E_STATE = -7,       /* the operation is not allowed in the current state */
    PARLEY_E_LOOP_THREAD = -8, /* a blocking call was made on the endpoint's loop thread */
    PARLEY_E_TIMEOUT = -9,     /* no response (or no ACK) in time */
    PARLEY_E_CONNECT = -10,    /* no transport connection could be made, or it broke */
    PARLEY_E_TLS = -11,        /* TLS handshake or certificate verification failed */
    PARLEY_E_FAILURE_RESPONSE = -12,  /* the peer answered with a final failure (3xx-6xx) */
    PARLEY_E_TERMINATED = -13,        /* the session or endpoint was terminated meanwhile */
    PARLEY_E_ABORTED = -14,           /* the operation was abandoned (shutdown, cancel) */
    PARLEY_E_AGAIN = -15,             /* temporarily not possible; retrying later may work */
    PARLEY_E_HEADER_RESTRICTED = -16, /* a custom header names a header the stack owns */
    PARLEY_E_AUTH = -17,              /* authentication failed */
    PARLEY_E_POLICY = -18,            /* refused by policy */
    PARLEY_E_NOROUTE = -19,           /* no route to the target (DNS failure, no transport) */
    PARLEY_E_IO = -20,                /* operating-system I/O error */
    PARLEY_E_NOTFOUND = -21,          /* the thing asked for does not exist */
    PARLEY_E_UNSUPPORTED = -22,       /* not supported (scheme, transport, feature) */
    PARLEY_E_EXISTS = -23,            /* already exists / already done */
    PARLEY_E_MEDIA_TYPE = -24,        /* a body's content type is not one taken (415) */
};

/* A short, static, human-readable description of an error code (never NULL). Any thread. */
const char *parley_strerror(int err);
/* The code's symbolic name, "PARLEY_E_INVAL", "PARLEY_OK"... ("PARLEY_E_UNKNOWN" for a value
 * that is no code); static, never NULL. Any thread. */
const char *parley_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
