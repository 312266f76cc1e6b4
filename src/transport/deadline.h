/*
 * The time a stream peer has to deliver a whole message (header section and body), counted
 * from its first byte: independent of the idle timeout, which every byte resets, so that a
 * peer trickling a message byte by byte cannot hold a connection (and its buffer) for hours.
 * The receiver tells it, after each read, how many bytes of an unfinished message wait and
 * whether a message ended since (the next one's time then starts).
 */
#ifndef TP_DEADLINE_H
#define TP_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/loop.h"

typedef struct tp_deadline {
    pl_timer t;
    pl_loop *loop;
    unsigned ms; /* 0: no deadline */
    void (*expired)(void *arg);
    void *arg;
} tp_deadline;

void tp_deadline_init(tp_deadline *d, pl_loop *loop, unsigned ms, void (*expired)(void *arg),
                      void *arg);
/* After framing: `waiting` bytes of an unfinished message are buffered; `ended` says that a
 * message (or keep-alive) was taken off the stream since the last update. */
void tp_deadline_update(tp_deadline *d, size_t waiting, bool ended);
/* Starts the clock if it is not running (a TLS handshake, which must also end in time). */
void tp_deadline_start(tp_deadline *d);
void tp_deadline_stop(tp_deadline *d);

#endif
