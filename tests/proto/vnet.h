/*
 * A virtual datagram network on a virtual clock, for protocol tests: endpoints and scripted
 * peers exchange packets that the test can drop, duplicate, delay or reorder; time moves only
 * when the test advances it. Deterministic: the same test gives the same packets at the same
 * virtual times.
 */
#ifndef PARLEY_TEST_VNET_H
#define PARLEY_TEST_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "endpoint/ep.h"
#include "transport/tp.h"

typedef struct vnet vnet;

typedef struct vnet_packet {
    uint64_t sent_at;    /* virtual ms */
    uint64_t deliver_at; /* virtual ms (when delivered) */
    char src[64];
    char dst[64];
    char *data;
    size_t len;
    bool dropped;
    /* first line, e.g. "MESSAGE sip:b@10.0.0.2 SIP/2.0" or "SIP/2.0 200 OK" */
    char first_line[128];
    char method[32]; /* request method, or the CSeq method of a response */
    int status;      /* 0 for requests */
} vnet_packet;

/* What to do with a packet about to cross the network. */
typedef struct vnet_action {
    bool drop;
    unsigned duplicates;  /* extra copies */
    unsigned extra_delay; /* ms beyond the base delay (reorders against later packets) */
} vnet_action;

typedef vnet_action (*vnet_rule)(void *arg, const vnet_packet *p, unsigned index);

vnet *vnet_new(uint64_t start_ms);
void vnet_free(vnet *n);
pl_loop *vnet_loop(vnet *n);
uint64_t vnet_now(vnet *n);

/* Base one-way delay for every packet (default 1 ms). */
void vnet_set_delay(vnet *n, unsigned ms);
/* Random loss with a fixed seed (0..1). */
void vnet_set_loss(vnet *n, double p, uint64_t seed);
/* A rule consulted for every packet (index counts packets sent so far, from 0). */
void vnet_set_rule(vnet *n, vnet_rule rule, void *arg);

/* Creates an endpoint on the network's clock with a UDP listening point at addr
 * ("10.0.0.1:5060"). cfg may be NULL. */
parley_endpoint *vnet_endpoint(vnet *n, const char *addr, const parley_endpoint_config *cfg);
/* A bare transport layer (no endpoint) at addr, for tests of the layers below the endpoint.
 * Destroy it with tp_layer_destroy before vnet_free. */
tp_layer *vnet_transport(vnet *n, const char *addr, const tp_handler *h);
/* A scripted peer: a bare address whose received packets the test reads and which sends what
 * the test injects. */
void vnet_peer(vnet *n, const char *addr);
/* addr (a scripted peer or an endpoint) is a closed port from now on: each datagram sent to it
 * is answered by an ICMP port unreachable, which the sender's transport reports
 * (tp_iface_unreachable, PARLEY_E_CONNECT). */
void vnet_gone(vnet *n, const char *addr);
/* Sends raw bytes from a scripted peer (or any address) to dst. */
void vnet_inject(vnet *n, const char *src, const char *dst, const char *text);
/* The same for bytes that may hold NULs. */
void vnet_inject_bytes(vnet *n, const char *src, const char *dst, const void *data, size_t len);

/* Advances virtual time, delivering packets and firing timers in order. */
void vnet_run(vnet *n, uint64_t ms);

/* The packet log (every packet sent, delivered or dropped). */
size_t vnet_count(vnet *n);
const vnet_packet *vnet_get(vnet *n, size_t i);
/* Counts packets from src (NULL: any) whose first line starts with prefix. */
size_t vnet_count_match(vnet *n, const char *src, const char *prefix);
/* The i-th packet (0-based) delivered to dst (NULL: any) starting with prefix, or NULL. */
const vnet_packet *vnet_find(vnet *n, const char *dst, const char *prefix, size_t nth);
/* The packet's first header line named name (e.g. "To"), CRLF left out, into out ("" when it
 * has none; cut to size - 1 bytes). */
void vnet_header_line(const vnet_packet *p, const char *name, char *out, size_t size);
/* Prints the log (for debugging a failing test). */
void vnet_dump(vnet *n);

#endif
