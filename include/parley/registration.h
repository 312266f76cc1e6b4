/*
 * parley: registering contacts of an endpoint with a registrar (RFC 3261 §10).
 *
 * A registration binds one contact of the endpoint (the address its REGISTER leaves from, or a
 * contact URI given in the configuration) to an address of record at a registrar, keeps it
 * fresh, and removes it when asked. Several contacts of one address of record (the model's
 * multiple points of presence) are several registrations, each on its own: removing one leaves
 * the others. The REGISTER goes through the endpoint's outbound proxy and answers Digest
 * challenges with the endpoint's credentials, like any request (parley/endpoint.h).
 *
 * On the wire: Call-ID fixed per registration, CSeq counting up; Contact with the RFC 5626
 * instance id (+sip.instance, parley_endpoint_instance) and the endpoint id (epid); Supported:
 * gruu (RFC 5627) unless turned off. A 423 Interval Too Brief is answered at once with its
 * Min-Expires. The binding is refreshed at about half the expiry the registrar granted. The
 * public GRUU of a 200 becomes the Contact of this endpoint's sessions whose local URI is the
 * address of record, and the GRUU of their local participant (parley_participant_gruu).
 *
 * Events (parley_registration_cb, on the loop thread, never inside the call that caused them):
 *   REGISTERED    the registrar took the binding (each time: first, and after every refresh)
 *   REFRESHING    a refresh REGISTER went out
 *   FAILED        final: a failure response (status; PARLEY_E_AUTH for a 401/407 we could not
 *                 answer or that refused our credentials), a timeout or a transport error
 *   UNREGISTERED  final: the binding was removed (parley_registration_stop: its answer, or the
 *                 error that stopped waiting; parley_endpoint_stop: error PARLEY_E_TERMINATED)
 * After a final event nothing fires for the registration any more (its end-of-life event): the
 * application may drop its reference there. To try again after FAILED, create a new one.
 *
 * Threads: every function here is safe from any thread.
 */
#ifndef PARLEY_REGISTRATION_H
#define PARLEY_REGISTRATION_H

#include "parley/endpoint.h"
#include "parley/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct parley_registration parley_registration;

typedef enum parley_reg_state {
    PARLEY_REG_REGISTERING = 0, /* the first REGISTER is out (no event) */
    PARLEY_REG_REGISTERED = 1,
    PARLEY_REG_REFRESHING = 2,
    PARLEY_REG_FAILED = 3,
    PARLEY_REG_UNREGISTERED = 4,
} parley_reg_state;

/* "Registering", "Registered", "Refreshing", "Failed", "Unregistered"; static. */
const char *parley_reg_state_name(parley_reg_state st);

/* What a registration event says (borrowed for the callback). */
typedef struct parley_registration_event {
    parley_reg_state state;
    unsigned expires;           /* REGISTERED: the expiry the registrar granted, in seconds */
    int error;                  /* FAILED: why; UNREGISTERED: 0 when the registrar confirmed */
    int status;                 /* the final response's status code, 0 when none came */
    const char *reason;         /* its reason phrase ("" when none; PARLEY_E_TLS: what TLS
                                   refused, as parley_result's reason) */
    const char *aor;            /* the address of record */
    const char *contact;        /* the contact URI registered */
    const char *gruu;           /* the public GRUU the registrar gave (RFC 5627), NULL when none */
    const char *temp_gruu;      /* its temporary GRUU, NULL when none */
    const parley_msg *response; /* the response, or NULL */
} parley_registration_event;

/* A registration's events; may be NULL (nothing reported). */
typedef void (*parley_registration_cb)(parley_registration *r, const parley_registration_event *ev,
                                       void *user);

typedef struct parley_registration_config {
    const char *registrar; /* Request-URI of the REGISTER, "sip:example.com"; required */
    const char *aor;       /* address of record (To and From); NULL: the endpoint's uri */
    unsigned expires;      /* requested expiry in seconds; 0: 3600 */
    const char *contact;   /* the contact URI to register; NULL: the endpoint's listening point
                              the REGISTER leaves from (user part: the endpoint's) */
    const char *instance;  /* +sip.instance for this contact; NULL: the endpoint's instance.
                              Registrars may replace a binding of the same instance id
                              (RFC 5626 §6): give each contact of one endpoint its own when they
                              must coexist */
    int no_gruu;           /* nonzero: do not ask for a GRUU (no Supported: gruu) */
    const char *proxy;     /* outbound proxy for this registration's REGISTERs; NULL: the
                              endpoint's; "" for none */
    const parley_header *headers; /* custom headers on every REGISTER (copied) */
    size_t nheaders;
    parley_registration_cb on_event;
    void *user;
} parley_registration_config;
#define PARLEY_REGISTRATION_CONFIG_INIT PARLEY_ZERO_INIT

/*
 * Creates a registration and starts registering (from the loop, after the call returned).
 * *out is the caller's reference (parley_registration_unref). PARLEY_E_INVAL for a missing or
 * malformed registrar, aor, contact or instance, or a restricted header; PARLEY_E_TERMINATED
 * once the endpoint stopped.
 */
int parley_registration_create(parley_endpoint *ep, const parley_registration_config *cfg,
                               parley_registration **out);
/* Removes the binding: a REGISTER with expires 0 for this contact only, then UNREGISTERED.
 * PARLEY_E_STATE after a final event or a previous stop. */
int parley_registration_stop(parley_registration *r);
/* The state now. */
parley_reg_state parley_registration_state(const parley_registration *r);
parley_registration *parley_registration_ref(parley_registration *r);
/* Drops a reference (NULL ignored). Dropping the last one of a registration that is still
 * active does not stop it: the endpoint keeps it until stop, a final event, or its own stop. */
void parley_registration_unref(parley_registration *r);

#ifdef __cplusplus
}
#endif
#endif
