/* The `parley parse` JSON form of a parsed message. */
#ifndef PARLEY_CLI_MSG_JSON_H
#define PARLEY_CLI_MSG_JSON_H

#include "core/buf.h"
#include "sip/msg.h"

/* Appends one JSON object (no newline) describing m; rc is the parse result. */
void msg_json(pl_buf *b, const sip_msg *m, int rc);

#endif
