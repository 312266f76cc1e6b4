/*
 * The world of a session test: a virtual network whose clock starts at 1000 ms, two to four
 * parties (a, b, c, d at A_ADDR..D_ADDR), scripted peers, and drop rules; and the moves most
 * tests begin with: A calls, A and B connect, A calls the scripted peer P.
 */
#ifndef PARLEY_TEST_WORLD_H
#define PARLEY_TEST_WORLD_H

#include "party.h"

#define A_ADDR "10.0.0.1:5060"
#define B_ADDR "10.0.0.2:5060"
#define C_ADDR "10.0.0.3:5060"
#define D_ADDR "10.0.0.4:5060"
#define P_ADDR "10.0.0.9:5060" /* the scripted peer */
#define B_URI  "sip:bob@10.0.0.2:5060"
#define C_URI  "sip:carol@10.0.0.3:5060"
#define D_URI  "sip:dave@10.0.0.4:5060"
#define P_URI  "sip:peer@10.0.0.9:5060"

/* The state changes (assert_trans) of A's call to B that connected, on each side, and the ends
 * that follow them. */
#define A_CONNECTED_TRANS   "Idle>Connecting:None:-|Connecting>Connected:None:200"
#define B_CONNECTED_TRANS   "Incoming>Connecting:None:-|Connecting>Connected:None:ACK"
#define ENDED_BY_BYE_TRANS  "|Connected>Disconnected:TerminatedRemotely:BYE"
#define ENDED_LOCALLY_TRANS "|Connected>Disconnected:TerminatedLocally:-"
/* B's log (assert_log) when it accepted the INVITE's offer and the call connected. */
#define B_ANSWERED_LOG "incoming|get_answer|state:Connecting:None|state:Connected:None|completed"

typedef struct world {
    vnet *n;
    party a, b, c, d; /* the ones not asked for stay zeroed */
    drop_spec drops[8];
} world;

/* A new world: nparties parties (2 to 4: a, b, c, d), party i with the endpoint configuration
 * cfg[i] (cfg or cfg[i] NULL: the defaults), then the scripted peers in peers (NULL-terminated;
 * NULL: none). */
world *world_new(int nparties, const parley_endpoint_config *const *cfg, const char *const *peers);
/* Drops the parties' session references, then the network. */
void world_free(world *w);

/* cmocka fixtures: a world of a and b; of a, b and the scripted peer P; world_teardown frees
 * any world. */
int world_setup(void **state);
int world_setup_peer(void **state);
int world_teardown(void **state);
/* A cmocka test run in a world made by setup (world_setup, world_setup_peer, or the file's). */
#define WORLD_TEST(f, setup) cmocka_unit_test_setup_teardown(f, setup, world_teardown)

/* Adds a drop rule: packets from src (NULL: any) starting with prefix, the first..first+count-1
 * th of them from now on (count 0: all from first on). */
void world_drop(world *w, const char *src, const char *prefix, unsigned first, unsigned count);

/* A calls uri and participates; o (its n set) gets the outcome. */
parley_session *world_call(world *w, const char *uri, outcome *o);
/* B meets the call with on_incoming (PARTY_ACCEPT, PARTY_RING...), A calls B (o gets the
 * outcome) and ms pass. Returns A's session. */
parley_session *world_call_b(world *w, int on_incoming, outcome *o, uint64_t ms);
/* Asserts that the operation o records completed once, with status. */
void outcome_assert_once(const outcome *o, int status);
/* Asserts that A's and B's newest sessions are Connected. */
void world_assert_connected(world *w);
/* A sends an in-session request of type t (no body, no headers) on its newest session, the
 * send asserted accepted; o gets the outcome. */
void world_a_sends(world *w, parley_msg_type t, outcome *o);
/* A's session s renegotiates, then B's newest session (a re-INVITE each, 10 ms each); both
 * outcomes are asserted 200. */
void world_reinvite_each_way(world *w, parley_session *s);
/* A ends its newest session (the terminate asserted accepted); ms later. */
void world_end_a(world *w, uint64_t ms);
/* A calls B, B accepts; 10 ms later the call is up (asserted) and both logs are cleared. */
void world_connect(world *w);
/* A calls the scripted peer P at uri (o gets the outcome); returns the INVITE P received in
 * the next 5 ms. */
const vnet_packet *world_call_peer(world *w, const char *uri, outcome *o);
/* world_call_peer to uri, and P rings (180) with To tag `tag`; 5 ms later. Returns the INVITE. */
const vnet_packet *world_ring_peer(world *w, const char *uri, const char *tag, outcome *o);
/* world_call_peer to P_URI, and P answers 200 with To tag `tag`, Contact <P_URI> and the body
 * "answer-p-1"; 5 ms later. Returns the INVITE. */
const vnet_packet *world_connect_peer(world *w, const char *tag, outcome *o);

#endif
