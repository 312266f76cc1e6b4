#include "parley/error.h"

const char *parley_strerror(int err)
{
    switch (err) {
    case PARLEY_OK:
        return "success";
    case PARLEY_E_INVAL:
        return "invalid argument";
    case PARLEY_E_NOMEM:
        return "out of memory";
    case PARLEY_E_PARSE:
        return "malformed input";
    case PARLEY_E_UNUSABLE:
        return "unusable message";
    case PARLEY_E_LIMIT:
        return "limit exceeded";
    case PARLEY_E_INCOMPLETE:
        return "incomplete input";
    case PARLEY_E_STATE:
        return "not allowed in this state";
    case PARLEY_E_LOOP_THREAD:
        return "blocking call on the loop thread";
    case PARLEY_E_TIMEOUT:
        return "timed out";
    case PARLEY_E_CONNECT:
        return "connection failure";
    case PARLEY_E_TLS:
        return "TLS failure";
    case PARLEY_E_FAILURE_RESPONSE:
        return "failure response";
    case PARLEY_E_TERMINATED:
        return "terminated";
    case PARLEY_E_ABORTED:
        return "aborted";
    case PARLEY_E_AGAIN:
        return "try again";
    case PARLEY_E_HEADER_RESTRICTED:
        return "header owned by the stack";
    case PARLEY_E_AUTH:
        return "authentication failed";
    case PARLEY_E_POLICY:
        return "refused by policy";
    case PARLEY_E_NOROUTE:
        return "no route to target";
    case PARLEY_E_IO:
        return "I/O error";
    case PARLEY_E_NOTFOUND:
        return "not found";
    case PARLEY_E_UNSUPPORTED:
        return "not supported";
    case PARLEY_E_EXISTS:
        return "already exists";
    default:
        return "unknown error";
    }
}
