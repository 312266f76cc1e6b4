/*
 * Where the CLI's traced SIP messages go: --trace (text on standard error), --pcap FILE (a
 * capture file, pcap.h) and --ladder FILE.html (a call-flow page, ladder.h), shared by listen,
 * call, send and demo. An endpoint's trace callback hands each event to cli_tracer_event.
 *
 * When both ends of a message are in this process (the demo's endpoints), the endpoint that
 * sent it and the one that received it both trace it: the capture and the ladder keep it once
 * (a received message matching a sent one, same addresses and bytes, is the same packet).
 */
#ifndef PARLEY_CLI_TRACE_OUT_H
#define PARLEY_CLI_TRACE_OUT_H

#include <pthread.h>
#include <stdbool.h>

#include "ladder.h"
#include "parley/endpoint.h"
#include "pcap.h"
#include "wire_addr.h"

#define CLI_TRACE_SEEN 256 /* messages remembered for the duplicate check */

typedef struct cli_trace_seen {
    uint64_t hash;
    size_t len;
    wire_addr src, dst;
    bool sent, live;
} cli_trace_seen;

typedef struct cli_tracer {
    bool text;               /* --trace */
    const char *pcap_path;   /* --pcap FILE */
    const char *ladder_path; /* --ladder FILE.html */
    bool keep_ladder;        /* collect the ladder even without --ladder (the demo prints it) */
    pthread_mutex_t mu;
    pcap_writer *pcap;
    cli_ladder lad;
    cli_trace_seen seen[CLI_TRACE_SEEN];
    size_t next_seen;
} cli_tracer;

/* The options every network command takes, for its usage text. */
#define CLI_TRACE_USAGE "[--trace] [--pcap FILE] [--ladder FILE.html]"

void cli_tracer_init(cli_tracer *t);
/* Takes argv[*i] when it is --trace, --pcap FILE or --ladder FILE (advancing *i past the value).
 * Returns 1 when taken, 0 when it is another option, -1 when the value is missing (the error
 * and the usage are printed). */
int cli_tracer_option(cli_tracer *t, int argc, char **argv, int *i, const char *cmd,
                      const char *usage);
/* Whether an endpoint should trace at all. */
bool cli_tracer_wanted(const cli_tracer *t);
/* Creates the pcap file, before the endpoint starts. Returns 0, or prints why and returns -1. */
int cli_tracer_open(cli_tracer *t, const char *cmd);
/* One traced message (from any thread). */
void cli_tracer_event(cli_tracer *t, const parley_trace_event *ev);
/* After the endpoints stopped: closes the pcap file and writes the ladder page titled `title`.
 * Returns 0, or prints what failed and returns -1. The ladder stays readable until
 * cli_tracer_free. */
int cli_tracer_finish(cli_tracer *t, const char *cmd, const char *title);
void cli_tracer_free(cli_tracer *t);

/* The demo's ending: the first session's ladder on standard output, then the files written. */
void cli_tracer_demo_summary(cli_tracer *t);

#endif
