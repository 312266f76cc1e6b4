/*
 * Limits on stream connections, against peers that take more than their share: connections in
 * total and per peer (an accepted connection beyond either is closed at once, before it costs
 * a buffer or a TLS handshake), the time to deliver a whole message (a peer trickling bytes is
 * cut off however often it sends), and the bytes queued for a peer that does not read.
 * Connections we open ourselves are counted but never refused: our own requests and responses
 * need them.
 */
#include "parley/error.h"
#include "transport/tp_int.h"

static void deadline_expired(void *arg)
{
    tp_conn *c = arg;
    c->tp->stats.slow_closed++;
    tp_conn_close(c, PARLEY_E_TIMEOUT);
}

bool tp_guard_accept(tp_conn *c)
{
    tp_layer *tp = c->tp;
    const tp_config *cfg = &tp->cfg;
    /* this connection is already counted in stats.connections */
    if ((cfg->max_connections && tp->stats.connections > cfg->max_connections) ||
        (cfg->max_conn_per_address &&
         tp_peers_count(&tp->conn_peers, &c->remote) >= cfg->max_conn_per_address)) {
        tp->stats.connections_refused++;
        return false;
    }
    c->peer = tp_peers_hold(&tp->conn_peers, &c->remote);
    tp_deadline_init(&c->deadline, tp->loop, cfg->message_timeout_ms, deadline_expired, c);
    if (c->proto == TP_TLS)
        tp_deadline_start(&c->deadline); /* the handshake must end in time too */
    return true;
}

void tp_guard_received(tp_conn *c, size_t taken)
{
    if (c->closing)
        return;
    if (!c->deadline.expired) /* outgoing connections: the same deadline */
        tp_deadline_init(&c->deadline, c->tp->loop, c->tp->cfg.message_timeout_ms, deadline_expired,
                         c);
    tp_deadline_update(&c->deadline, c->rbuf.len, taken > 0);
}

bool tp_guard_send(tp_conn *c, size_t len)
{
    size_t max = c->tp->cfg.max_conn_buffer;
    if (!max)
        return true;
    size_t queued = c->pending.len + uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
    if (queued + len <= max)
        return true;
    c->tp->stats.overflow_closed++;
    tp_conn_close(c, PARLEY_E_LIMIT);
    return false;
}

void tp_guard_closed(tp_conn *c)
{
    if (c->deadline.expired)
        tp_deadline_stop(&c->deadline);
    if (c->peer)
        tp_peers_drop(&c->tp->conn_peers, c->peer);
    c->peer = NULL;
}
