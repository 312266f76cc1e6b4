/*
 * A test party: an endpoint on the virtual network with a session-event recorder and a simple
 * offer/answer implementation (text bodies "offer-N"/"answer-to:offer-N"), so that protocol
 * tests can assert what each side saw, in order.
 */
#ifndef PARLEY_TEST_PARTY_H
#define PARLEY_TEST_PARTY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/session.h"
#include "vnet.h"

#define PARTY_LOG 64

typedef struct party {
    const char *name;
    parley_endpoint *ep;
    parley_session *s; /* the newest session (referenced) */
    vnet *n;
    /* behaviour */
    int on_incoming;       /* 0 leave Incoming, 1 accept, 2 reject(reject_code), 3 ring 180 */
    int reject_code;
    int refuse_offer;      /* get_answer returns non-zero */
    int null_offer;        /* get_offer gives no body */
    int defer_reinvite;    /* keep the peer's re-INVITE unanswered */
    int decline_reinvite;  /* decline the peer's re-INVITE with 488 */
    int delay_ack;         /* in on_accepted */
    int defer_ready;       /* in offer_in_response: keep the pending answer */
    int no_oa;             /* no offer/answer contract at all */
    int offers;            /* counter for offer bodies */
    /* what happened */
    char log[PARTY_LOG][96];
    int nlog;
    parley_state states[16];
    parley_reason reasons[16];
    int nstates;
    char last_offer_seen[128];
    char last_answer_seen[128];
    char last_message[256];
    char last_message_type[32];
    char last_header[128];
    int messages;
    int provisionals;
    int accepted;
    int completed;
    int remote_ends;
    int reinvites;
    int refers;
    int participant_changes;
    parley_reinvite *pending_reinvite;
    parley_pending_answer *pending_answer;
    parley_ack *ack;
    parley_request *deferred;
    char offer_buf[128];
    char answer_buf[160];
} party;

/* Completion recorder. */
typedef struct outcome {
    int calls;
    int error;
    int status;
    char reason[64];
} outcome;

void party_init(party *p, vnet *n, const char *name, const char *addr);
/* Starts an outgoing session from p to uri. */
parley_session *party_call(party *p, const char *uri);
void party_log(party *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when the log has entry `what`. */
int party_saw(const party *p, const char *what);
void party_dump(const party *p);
void outcome_cb(void *user, const parley_result *r);
void party_attach(party *p, parley_session *s);
/* Drops the party's session reference (before vnet_free). */
void party_release(party *p);

#endif
