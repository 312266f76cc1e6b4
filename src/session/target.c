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
#include "sip/uri.h"

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

/*
 * The next hop of a request in dialog d: its first route, or its remote target. A target that
 * names no transport (SIPp's built-in scenarios send "Contact: sip:sipp@IP:PORT" over TCP),
 * at the very address and port the peer speaks to us from over TCP or TLS (so not a UDP-only
 * caller whose large INVITE went over TCP from another port), is reached over that transport,
 * where RFC 3263 §4.1 would pick UDP (a SHOULD): the peer has shown it takes that transport
 * there, and may take nothing else (SIPp -t t1 listens on TCP only; its connection is reused).
 * A route set decides by itself; sips: is TLS anyway.
 */
void sess_next_hop(const parley_session *s, const dlg *d, char *out, size_t size)
{
    dlg_next_hop(d, out, size);
    if (d->nroutes || !s->has_rx || !tp_proto_reliable(s->rx_proto))
        return;
    sip_uri u;
    if (sip_uri_parse(pl_str_c(out), &u, NULL, NULL) != 0 || u.kind != SIP_URI_SIP ||
        u.transport.len || u.maddr.len || u.headers.len)
        return;
    uint16_t port = u.port ? u.port : 5060;
    tp_addr target, peer = s->rx_addr;
    if (tp_addr_from_host(u.host, port, &target) != 0 || !tp_addr_eq(&target, &peer))
        return;
    size_t len = strlen(out);
    const char *param = s->rx_proto == TP_TLS ? ";transport=tls" : ";transport=tcp";
    if (len + strlen(param) < size)
        memcpy(out + len, param, strlen(param) + 1);
}
