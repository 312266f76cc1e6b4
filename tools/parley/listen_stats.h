/* parley listen --stats SECONDS: one {"event":"stats",...} line every SECONDS. */
#ifndef PARLEY_CLI_LISTEN_STATS_H
#define PARLEY_CLI_LISTEN_STATS_H

#include "core/buf.h"
#include "parley/endpoint.h"

/* {"event":"stats","sessions":..,...,"rss_kb":..}: the endpoint's counters and the process's
 * resident memory. */
void listen_stats_json(pl_buf *b, parley_endpoint *ep);
/* Starts a thread printing the line every `seconds` (and once more when stopped); 0 when it
 * runs. */
int listen_stats_start(parley_endpoint *ep, unsigned seconds);
/* Stops it (before the endpoint is stopped). Nothing when it was not started. */
void listen_stats_stop(void);

#endif
