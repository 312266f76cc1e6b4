/* JSON lines the listening and calling commands print. */
#ifndef PARLEY_CLI_LISTEN_JSON_H
#define PARLEY_CLI_LISTEN_JSON_H

#include "core/buf.h"
#include "parley/msg.h"

/* Writes a finished line (adds the newline) to standard output, atomically. */
void listen_emit(pl_buf *line);
/* {"event":"message","type":..,"from":..,"content_type":..,"body":..,"headers":{..}} */
void listen_message_json(pl_buf *b, const parley_msg *m);
/* ,"headers":{...}: the headers an application added (not those the stack owns or adds). */
void listen_custom_headers_json(pl_buf *b, const parley_msg *m);

#endif
