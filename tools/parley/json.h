/* Minimal JSON writer for the CLI's one-line outputs. */
#ifndef PARLEY_CLI_JSON_H
#define PARLEY_CLI_JSON_H

#include "core/buf.h"

/* A JSON string of the bytes s: control characters escaped, valid UTF-8 kept, any other byte
 * written as \u00XX so that the output is always valid JSON. */
void json_str(pl_buf *b, pl_str s);
void json_cstr(pl_buf *b, const char *s);
/* "key": with a leading comma unless *first; clears *first. */
void json_key(pl_buf *b, bool *first, const char *key);

#endif
