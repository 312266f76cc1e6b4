/* parley listen --registrar: the registration of the listening contact and its JSON lines. */
#ifndef PARLEY_LISTEN_REGISTER_H
#define PARLEY_LISTEN_REGISTER_H

#include <stdbool.h>

#include "cli_deploy.h"
#include "session_cli.h"

/* Starts registering (aor at d->registrar); prints a registration line per event. A failure
 * prints its line and raises SIGTERM, so that listen's main thread ends (exit 1). */
int listen_register_start(cli_app *app, cli_deploy *d, const char *aor);
/* Unregisters and waits for the answer (bounded); prints the "unregistered" line. */
void listen_register_stop(void);
/* Ends listen_register_stop's wait now (a second SIGINT or SIGTERM): any thread. */
void listen_register_abort(void);
/* The registration failed (listen exits 1). */
bool listen_register_failed(void);

#endif
