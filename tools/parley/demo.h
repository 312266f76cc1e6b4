/*
 * parley demo, what its three files share: cmd_demo.c (options, the endpoints' start and stop),
 * demo_people.c (Alice, Bob and Carol: their endpoints and callbacks, run on the endpoints' loop
 * threads) and demo_steps.c (the narrated steps, on the main thread). The callbacks write what
 * they saw into demo_ev under demo_mu and broadcast demo_cv; the steps wait on it with a bound.
 * Nothing here is thread-safe beyond that: every name is the demo's, for one run per process.
 */
#ifndef PARLEY_TOOL_DEMO_H
#define PARLEY_TOOL_DEMO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "parley/parley.h"
#include "trace_out.h"

typedef enum demo_mode {
    DEMO_RING_ACCEPT,  /* 180, then 200 */
    DEMO_RING_ONLY,    /* 180 and nothing more */
    DEMO_REJECT_BUSY,  /* 486 */
    DEMO_REDIRECT,     /* 302 to Carol */
    DEMO_EARLY_ACCEPT, /* 183 with early media (reliably), then 200 */
} demo_mode;

typedef struct demo_person {
    const char *name;
    parley_endpoint *ep;
    char addr[96]; /* "127.0.0.1:PORT" */
    char uri[128];
    uint16_t media_port;
    _Atomic demo_mode answer; /* how it answers the next incoming session */
} demo_person;

extern demo_person demo_alice, demo_bob, demo_carol;

/* Each session has its own negotiator (made from the person's media config), wrapped so that
 * the main thread asks for hold or a null offer and the loop thread applies it. */
typedef struct demo_leg {
    demo_person *owner;
    parley_sdp_neg *neg;
    _Atomic int want_dir;         /* 0 keep, else a parley_sdp_dir for the next offer */
    bool null_offer;              /* the first offer is a null one */
    parley_session *bob_to_carol; /* Bob's transfer call, for the REFER's progress */
    parley_refer_request *refer;  /* on the transfer leg: the REFER it reports to */
} demo_leg;

/* What the events said, read by the steps (under demo_mu). */
typedef struct demo_events {
    int messages[3], infos[3]; /* per person: alice, bob, carol */
    char last_header[3][64];   /* the X-Demo of the last message or INFO */
    int provisionals, early_media, pracks, updates, rejected_491;
    bool alice_held; /* Alice's negotiator saw Bob hold */
    bool carol_got_answer_in_ack;
    int refer_status[8];
    int nrefer_status;
    bool refer_final;
    parley_state state[3]; /* each person's newest session */
    parley_reason reason[3];
    int released;
    int bob_renegotiated;      /* completions of Bob's renegotiations */
    parley_session *bob_first; /* Bob's side of the first session */
    int challenges;            /* 401s Carol sent */
    int carol_pages;           /* page-mode MESSAGEs Carol's application took */
    char carol_page_user[32];  /* the Digest user name of the last one */
} demo_events;

extern demo_events demo_ev;
extern pthread_mutex_t demo_mu;
extern pthread_cond_t demo_cv;
extern cli_tracer demo_tracer; /* --pcap and --ladder: every endpoint traces into it */
/* The glare step's rendezvous in get_offer: -1 off; else how many of the two are there. */
extern int demo_glare_waiting;
extern int demo_failures; /* steps that did not behave as they said */

/* Starts p's endpoint on a free UDP port of 127.0.0.1 (Carol challenges MESSAGE, the others
 * carry credentials); 0 or a PARLEY_E_ code. Main thread. */
int demo_start_person(demo_person *p, const char *display);
/* Callbacks and a negotiator of its own for session s of person p; NULL without memory. The leg
 * is freed when the session is released. One thread per person (p's media port is taken
 * without a lock): Alice's sessions from the main thread, Bob's and Carol's from their loop
 * threads. */
demo_leg *demo_attach(demo_person *p, parley_session *s);
/* Completion of Bob's renegotiation in the glare step: counts it in demo_ev. */
void demo_bob_reneg_done(parley_session *s, const parley_result *r, void *user);
/* Runs and narrates every step (main thread, endpoints started). */
void demo_run_steps(void);

#endif
