/*
 * The call-flow ("ladder") model behind --ladder and `parley ladder`: SIP messages between
 * endpoints, one column per endpoint address (in order of first appearance), one arrow per
 * message, sessions told apart by Call-ID. Messages are parsed with parley_msg_parse; bytes
 * that do not start like a SIP message are left out. Renderers: ladder_text.c (terminal),
 * ladder_html.c (a self-contained HTML page with an SVG).
 * Not thread-safe: callers serialise (cli_tracer holds a lock).
 */
#ifndef PARLEY_CLI_LADDER_H
#define PARLEY_CLI_LADDER_H

#include <stdbool.h>
#include <stdio.h>

#include "parley/endpoint.h"
#include "parley/msg.h"

/* Bounds: a long-running `parley listen --ladder` must not grow without limit. Messages past
 * them are counted in `dropped` and the renderers say so. */
#define LADDER_MAX_MSGS  20000
#define LADDER_MAX_BYTES (64u << 20)
#define LADDER_MAX_COLS  32

typedef struct ladder_msg {
    uint64_t time_us;
    unsigned src, dst;     /* column indexes */
    unsigned call;         /* index into calls */
    const char *transport; /* "UDP", "TCP", "TLS" (static) */
    parley_msg *m;         /* the parsed message (owns a copy of its bytes) */
    size_t len;            /* its size on the wire */
} ladder_msg;

typedef struct cli_ladder {
    char **cols; /* "127.0.0.1:5060" */
    size_t ncols;
    char **calls; /* Call-ID values ("" for none) */
    size_t ncalls;
    long *slots; /* hash table of indexes into calls */
    size_t nslots;
    ladder_msg *msgs;
    size_t nmsgs, cap;
    size_t bytes;
    size_t dropped; /* SIP messages left out: a bound was reached, or out of memory */
} cli_ladder;

void ladder_init(cli_ladder *l);
void ladder_free(cli_ladder *l);

/* Adds one message from src to dst ("ip:port" text). Returns 1 when added, 0 when the bytes
 * are not a SIP message, -1 when it was dropped (a bound, or out of memory). */
int ladder_add(cli_ladder *l, uint64_t time_us, const char *transport, const char *src,
               const char *dst, const char *data, size_t len);
/* The same for a trace event: a sent message goes local -> remote, a received one the other
 * way. */
int ladder_add_event(cli_ladder *l, const parley_trace_event *ev);

/* Orders the messages by time (stable: equal times keep their order of arrival). */
void ladder_sort(cli_ladder *l);

/* The arrow's label: "INVITE", "180 Ringing"; " (SDP)" when the body is SDP. */
void ladder_label(const ladder_msg *m, char *buf, size_t size);

/* A time since the first message: "+12.345ms" under a second, "+1.234s" after. */
int ladder_reltime(uint64_t dt_us, char *buf, size_t size);

/* Terminal rendering (ladder_text.c): only the messages of call index `call`, or all when
 * call < 0. Returns 0, or -1 when writing failed. */
int ladder_print_text(cli_ladder *l, FILE *f, int call);

/* HTML rendering (ladder_html.c): a self-contained page (inline CSS, JS and SVG, nothing
 * loaded from the network), titled with `title`. Returns 0, or -1 when writing failed. */
int ladder_write_html(cli_ladder *l, FILE *f, const char *title);
/* The same into a file path. Returns 0, or -1 with errno set. */
int ladder_write_html_file(cli_ladder *l, const char *path, const char *title);

#endif
