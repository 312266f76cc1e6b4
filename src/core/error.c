#include "parley/error.h"

/* One row per code: its number, symbolic name and description. */
static const struct {
    int code;
    const char *name;
    const char *text;
} codes[] = {
    {PARLEY_OK, "PARLEY_OK", "success"},
    {PARLEY_E_INVAL, "PARLEY_E_INVAL", "invalid argument"},
    {PARLEY_E_NOMEM, "PARLEY_E_NOMEM", "out of memory"},
    {PARLEY_E_PARSE, "PARLEY_E_PARSE", "malformed input"},
    {PARLEY_E_UNUSABLE, "PARLEY_E_UNUSABLE", "unusable message"},
    {PARLEY_E_LIMIT, "PARLEY_E_LIMIT", "limit exceeded"},
    {PARLEY_E_INCOMPLETE, "PARLEY_E_INCOMPLETE", "incomplete input"},
    {PARLEY_E_STATE, "PARLEY_E_STATE", "not allowed in this state"},
    {PARLEY_E_LOOP_THREAD, "PARLEY_E_LOOP_THREAD", "blocking call on the loop thread"},
    {PARLEY_E_TIMEOUT, "PARLEY_E_TIMEOUT", "timed out"},
    {PARLEY_E_CONNECT, "PARLEY_E_CONNECT", "connection failure"},
    {PARLEY_E_TLS, "PARLEY_E_TLS", "TLS failure"},
    {PARLEY_E_FAILURE_RESPONSE, "PARLEY_E_FAILURE_RESPONSE", "failure response"},
    {PARLEY_E_TERMINATED, "PARLEY_E_TERMINATED", "terminated"},
    {PARLEY_E_ABORTED, "PARLEY_E_ABORTED", "aborted"},
    {PARLEY_E_AGAIN, "PARLEY_E_AGAIN", "try again"},
    {PARLEY_E_HEADER_RESTRICTED, "PARLEY_E_HEADER_RESTRICTED", "header owned by the stack"},
    {PARLEY_E_AUTH, "PARLEY_E_AUTH", "authentication failed"},
    {PARLEY_E_POLICY, "PARLEY_E_POLICY", "refused by policy"},
    {PARLEY_E_NOROUTE, "PARLEY_E_NOROUTE", "no route to target"},
    {PARLEY_E_IO, "PARLEY_E_IO", "I/O error"},
    {PARLEY_E_NOTFOUND, "PARLEY_E_NOTFOUND", "not found"},
    {PARLEY_E_UNSUPPORTED, "PARLEY_E_UNSUPPORTED", "not supported"},
    {PARLEY_E_EXISTS, "PARLEY_E_EXISTS", "already exists"},
    {PARLEY_E_MEDIA_TYPE, "PARLEY_E_MEDIA_TYPE", "unsupported content type"},
};

/* The codes are 0, -1, -2...: the row of a code is its negation. */
static int row(int err)
{
    if (err > 0 || err <= -(int)(sizeof(codes) / sizeof(codes[0])))
        return -1;
    int i = -err;
    return codes[i].code == err ? i : -1;
}

const char *parley_strerror(int err)
{
    int i = row(err);
    return i < 0 ? "unknown error" : codes[i].text;
}

const char *parley_err_name(int err)
{
    int i = row(err);
    return i < 0 ? "PARLEY_E_UNKNOWN" : codes[i].name;
}
