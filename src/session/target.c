/*
 * Where an outgoing session's INVITE goes: its pre-loaded route set (the outbound proxy of the
 * session's options or the endpoint's, RFC 3261 §8.1.2) and, for a target that names one
 * endpoint of a user (AoR + epid) reached through a proxy, that endpoint's public GRUU as the
 * Request-URI (RFC 5627; docs/SESSION.md "Targeting one endpoint"): a proxy routes a GRUU to
 * the one contact registered with that instance, while it knows nothing of epid.
 */
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

int sess_target_setup(parley_session *s, const parley_session_opts *o)
{
    if (o && o->proxy) {
        s->routes = pl_calloc(2, sizeof(char *)); /* "": an empty set */
        if (!s->routes)
            return PARLEY_E_NOMEM;
        if (*o->proxy) {
            int rc = ep_route_value(o->proxy, &s->routes[0]);
            if (rc)
                return rc;
        }
    }
    bool routed = s->routes ? s->routes[0] != NULL : s->ep->proxy_route != NULL;
    if (!s->target_epid || !routed || (o && o->request_uri))
        return 0;
    char *gruu = NULL;
    int rc = ep_epid_gruu(s->target_uri, s->target_epid, &gruu);
    if (rc || !gruu)
        return rc;
    sess_strfree(s, s->request_uri);
    s->request_uri = gruu;
    return 0;
}

void sess_target_free(parley_session *s)
{
    ep_route_set_free(s->routes);
    s->routes = NULL;
}
