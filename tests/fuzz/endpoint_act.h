/*
 * What fuzz_endpoint makes the endpoint DO (rather than receive): place calls, renegotiate,
 * send in-session messages, REFER, accept REFERs and report their progress, end sessions,
 * register, send page-mode requests, answer kept page-mode requests and re-INVITEs. Only
 * the public API (the headers of include/parley) is used, as an application would. The sessions,
 * incoming and outgoing, are kept in one table so that a command can name any of them.
 */
#ifndef PARLEY_FUZZ_ENDPOINT_ACT_H
#define PARLEY_FUZZ_ENDPOINT_ACT_H

#include <stddef.h>

#include "parley/session.h"

typedef struct act act;

/* The actions of endpoint ep, whose peers are peer_a and peer_b ("10.0.0.9:5060"). */
act *act_new(parley_endpoint *ep, const char *peer_a, const char *peer_b);
/* Drops every session reference the table holds (before the endpoint is freed). */
void act_drop(act *a);
/* Frees the rest (the late-offer negotiators), once the endpoint and its sessions are gone. */
void act_free(act *a);
/* The endpoint's incoming-session callback (user: the act). */
void act_on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                    void *user);
/* The endpoint's page-mode callback: answered 200 by parley, or kept (after "defer page"). */
void act_on_page(act *a, parley_request *req);
/* Runs one command (the text after the record's "!" prefix; see fuzz_endpoint.c). */
void act_command(act *a, const char *cmd, size_t len);

#endif
