/*
 * Private to the endpoint's registrations: the object, shared by registration.c (the public
 * calls, life cycle and events, the endpoint's side) and register.c (the REGISTER itself).
 */
#ifndef EP_REG_H
#define EP_REG_H

#include "endpoint/ep.h"

#define REG_DEFAULT_EXPIRES 3600

struct parley_registration {
    atomic_uint refs;
    pl_list link; /* in ep->registrations while active (the endpoint's reference) */
    parley_endpoint *ep;
    _Atomic(parley_reg_state) state;
    atomic_bool stop_called;
    bool linked;
    bool started;
    bool unregistering;
    bool final;
    /* configuration (copied) */
    char *registrar;
    char *aor;
    char *contact_cfg;
    char *instance;
    char **routes; /* NULL: the endpoint's outbound proxy */
    char *no_routes[1];
    bool own_routes;
    bool gruu_wanted;
    sip_kv *hdrs;
    size_t nh;
    unsigned expires; /* what we ask for (raised by a 423) */
    parley_registration_cb cb;
    void *user;
    /* protocol state */
    char call_id[32];
    char tag[EP_TAG_LEN + 1];
    uint32_t cseq;
    unsigned cur_expires; /* in the REGISTER out now (0: unregistering) */
    unsigned n423;
    ep_sender *sender;
    char *contact; /* the contact URI the last REGISTER carried */
    char *gruu, *temp_gruu;
    tp_dest last_dest; /* where the last answered REGISTER went */
    bool have_dest;
    char *last_auth; /* its credentials lines */
    pl_timer start_timer, stop_timer, refresh;
};

/* registration.c */
/* Reports an event (FAILED and UNREGISTERED are final: the registration leaves the endpoint). */
void reg_emit(parley_registration *r, parley_reg_state st, int err, const sip_msg *m,
              unsigned expires);

/* register.c */
/* Sends a REGISTER asking for expires (0: removes this contact). */
void reg_send(parley_registration *r, unsigned expires);
/* The unregistering REGISTER at the endpoint's stop: once, where the last one went, without a
 * transaction. */
void reg_unregister_now(parley_registration *r);

#endif
