/*
 * Overload limits (RFC 3261 §21.5.4): what an endpoint admits before it keeps any state for a
 * request. A new request beyond a limit is answered 503 with Retry-After straight away, with
 * no transaction (a flood of refused INVITEs must not fill the table it is refused for), and
 * counted. What was admitted before is not refused: a request inside a dialog we have, or a
 * CANCEL of a live INVITE (txn.c), goes through up to a hard bound of twice the transaction
 * limit, so that established calls end normally during a flood.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/resource.h>

#include "core/rand.h"
#include "endpoint/ep.h"

/* Defaults for a 2-core machine; README "Limits" says how they were chosen. */
#define DEF_SESSIONS       10000
#define DEF_HALF_OPEN      1024
#define DEF_SERVER_TXNS    262144
#define DEF_PER_PEER       1024
#define DEF_CONNECTIONS    1024
#define DEF_CONN_BUFFER    262144
#define DEF_MSG_TIMEOUT_MS 20000
#define DEF_RETRY_AFTER_S  5
#define FD_RESERVE         64 /* descriptors kept for listeners, DNS, files of the application */

static unsigned pick(unsigned v, unsigned def)
{
    if (v == PARLEY_UNLIMITED)
        return UINT_MAX;
    return v ? v : def;
}

/* The default connection limit never promises more connections than descriptors. */
static unsigned default_connections(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
        return DEF_CONNECTIONS;
    if (r.rlim_cur <= 2 * FD_RESERVE)
        return (unsigned)(r.rlim_cur / 2);
    rlim_t room = r.rlim_cur - FD_RESERVE;
    return room < DEF_CONNECTIONS ? (unsigned)room : DEF_CONNECTIONS;
}

void ep_limits_resolve(parley_endpoint *ep, const parley_endpoint_config *cfg, tp_config *tc)
{
    ep->lim.sessions = pick(cfg->max_sessions, DEF_SESSIONS);
    ep->lim.half_open = pick(cfg->max_half_open, DEF_HALF_OPEN);
    ep->lim.server_txns = pick(cfg->max_server_transactions, DEF_SERVER_TXNS);
    ep->lim.per_peer = pick(cfg->max_in_flight_per_peer, DEF_PER_PEER);
    ep->lim.retry_after_s = cfg->retry_after_s ? cfg->retry_after_s : DEF_RETRY_AFTER_S;
    if (ep->lim.retry_after_s > 86400)
        ep->lim.retry_after_s = 86400;
    /* the transport takes 0 as "off" */
    unsigned conns = pick(cfg->max_connections, default_connections());
    /* one address may take half of the connections: the other half stays for everyone else,
     * while the clients behind one NAT, or a load generator opening a connection per call
     * (SIPp's -t tn, hundreds of calls at once), are not cut off */
    unsigned half = (conns == UINT_MAX ? DEF_CONNECTIONS : conns) / 2;
    unsigned per_addr = pick(cfg->max_connections_per_address, half ? half : 1);
    unsigned buffer = pick(cfg->max_connection_buffer, DEF_CONN_BUFFER);
    unsigned timeout = pick(cfg->message_timeout_ms, DEF_MSG_TIMEOUT_MS);
    tc->max_connections = conns == UINT_MAX ? 0 : conns;
    tc->max_conn_per_address = per_addr == UINT_MAX ? 0 : per_addr;
    tc->max_conn_buffer = buffer == UINT_MAX ? 0 : buffer;
    tc->message_timeout_ms = timeout == UINT_MAX ? 0 : timeout;
}

static bool refuse(parley_endpoint *ep, const sip_msg *m, const tp_rx *rx, unsigned long *count)
{
    (*count)++;
    unsigned base = ep->lim.retry_after_s;
    unsigned secs = base + (unsigned)(pl_rand_u64() % base);
    char room[320];
    pl_buf extra; /* on the stack unless the user agent is long */
    pl_buf_init_on(&extra, room, sizeof(room));
    pl_buf_printf(&extra, "Retry-After: %u\r\n", secs);
    ep_print_server(ep, &extra, NULL, 0);
    txn_reply_stateless(ep->txn, m, rx, 503, NULL,
                        pl_buf_ok(&extra) ? pl_buf_str(&extra) : PL_STR_NULL);
    pl_buf_free(&extra);
    return false;
}

static bool in_known_dialog(parley_endpoint *ep, const sip_msg *m)
{
    return m->to && pl_str_set(m->to->tag) && m->to->tag.len && ep->dialog_known &&
           ep->dialog_known(ep, m);
}

/* The counter of the first limit a new request (one outside any dialog) is over, or NULL. */
static unsigned long *over_limit(parley_endpoint *ep, const sip_msg *m, const tp_rx *rx,
                                 unsigned servers)
{
    const ep_limits *lim = &ep->lim;
    if (servers >= lim->server_txns)
        return &ep->refused.transactions;
    if (txn_server_count_from(ep->txn, &rx->remote) >= lim->per_peer)
        return &ep->refused.peer;
    if (m->method_id == SIP_METHOD_INVITE && ep->invite_request) {
        if (ep->nsessions >= lim->sessions)
            return &ep->refused.sessions;
        if (ep->nhalf_open >= lim->half_open)
            return &ep->refused.half_open;
    }
    return NULL;
}

bool ep_admit(void *arg, const sip_msg *m, const tp_rx *rx)
{
    parley_endpoint *ep = arg;
    unsigned servers = txn_layer_stats(ep->txn)->servers;
    /* Under every limit, a request is admitted whether or not it is in a dialog of ours: the
     * dialog is looked up only when a limit would refuse it (a BYE saves a table lookup). */
    unsigned long *over = over_limit(ep, m, rx, servers);
    if (!over) {
        ep_memory_note_load(ep);
        return true;
    }
    if (in_known_dialog(ep, m)) {
        if ((unsigned long long)servers < 2ull * ep->lim.server_txns)
            return true;
        return refuse(ep, m, rx, &ep->refused.transactions);
    }
    return refuse(ep, m, rx, over);
}
