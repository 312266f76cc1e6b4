/*
 * Locating SIP servers (RFC 3263) with c-ares: NAPTR, then SRV, then AAAA/A, giving an ordered
 * list of (transport, address) targets to try in turn. Numeric hosts skip DNS.
 */
#ifndef TP_RESOLVE_H
#define TP_RESOLVE_H

#include "core/loop.h"
#include "sip/msg.h"
#include "transport/tp.h"

#define TP_MAX_TARGETS 16

typedef struct tp_target {
    tp_proto proto;
    tp_addr addr;
    char host[256]; /* the name the address was found for (TLS verification) */
} tp_target;

typedef struct tp_resolver tp_resolver;
typedef struct tp_resolve_req tp_resolve_req;
/* err 0 with n >= 1 targets, or PARLEY_E_NOROUTE / PARLEY_E_NOMEM with n = 0. */
typedef void (*tp_resolve_cb)(void *arg, int err, const tp_target *targets, size_t n);

/* servers: "ip[:port],..." to use instead of the system's resolv.conf, or NULL. */
int tp_resolver_create(pl_loop *loop, const char *servers, tp_resolver **out);
void tp_resolver_destroy(tp_resolver *r);

/*
 * Resolves uri (sip or sips). `supported` is a bit set of (1 << TP_UDP | 1 << TP_TCP ...) the
 * caller can use. cb runs exactly once, never from inside this call; *req (may be NULL) lets the
 * caller cancel, after which cb does not run.
 */
int tp_resolve(tp_resolver *r, const sip_uri *uri, unsigned supported, tp_resolve_cb cb, void *arg,
               tp_resolve_req **req);
void tp_resolve_cancel(tp_resolve_req *req);

/* The transport and port RFC 3263 picks without DNS, when it can (numeric host, explicit port
 * or transport parameter); used by callers that only need the protocol. */
tp_proto tp_uri_transport(const sip_uri *uri);

#endif
