/* parley listen on SIGINT or SIGTERM: its sessions are hung up before the endpoint stops. */
#ifndef PARLEY_CLI_LISTEN_HANGUP_H
#define PARLEY_CLI_LISTEN_HANGUP_H

#include "session_cli.h"

/* Terminates every call of app that is not over (BYE; CANCEL for one still being placed; a
 * refusal for one still ringing) and waits until each completed, at most wait_ms: a peer that
 * does not answer its BYE is left to the endpoint's stop, which ends what is still pending.
 * Call it once, from the main thread, before parley_endpoint_stop. */
void listen_hang_up_all(cli_app *app, long wait_ms);

#endif
