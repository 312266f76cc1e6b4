#include "world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

world *world_new(int nparties, const parley_endpoint_config *const *cfg, const char *const *peers)
{
    static const char *const names[4] = {"a", "b", "c", "d"};
    static const char *const addrs[4] = {A_ADDR, B_ADDR, C_ADDR, D_ADDR};
    world *w = calloc(1, sizeof(*w));
    party *parties[4] = {&w->a, &w->b, &w->c, &w->d};
    w->n = vnet_new(1000);
    for (int i = 0; i < nparties && i < 4; i++)
        party_init_cfg(parties[i], w->n, names[i], addrs[i], cfg ? cfg[i] : NULL);
    for (; peers && *peers; peers++)
        vnet_peer(w->n, *peers);
    return w;
}

void world_free(world *w)
{
    party_release(&w->a);
    party_release(&w->b);
    party_release(&w->c);
    party_release(&w->d);
    vnet_free(w->n);
    /* the API contract held all along (nothing after on_released...), shutdown included */
    int bad = w->a.bad + w->b.bad + w->c.bad + w->d.bad;
    if (bad) {
        party_dump(&w->a);
        party_dump(&w->b);
    }
    free(w);
    assert_int_equal(bad, 0);
}

int world_setup(void **state)
{
    *state = world_new(2, NULL, NULL);
    return 0;
}

int world_setup_peer(void **state)
{
    static const char *const peers[] = {P_ADDR, NULL};
    *state = world_new(2, NULL, peers);
    return 0;
}

int world_teardown(void **state)
{
    world_free(*state);
    return 0;
}

void world_drop(world *w, const char *src, const char *prefix, unsigned first, unsigned count)
{
    size_t i = 0;
    while (w->drops[i].prefix)
        i++;
    assert_true(i + 1 < sizeof(w->drops) / sizeof(w->drops[0]));
    w->drops[i] = (drop_spec){src, prefix, first, count, 0, 0};
    vnet_set_rule(w->n, drop_rule, w->drops);
}

parley_session *world_call(world *w, const char *uri, outcome *o)
{
    parley_session *s = party_call(&w->a, uri);
    assert_non_null(s);
    o->n = w->n;
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, o), 0);
    return s;
}

parley_session *world_call_b(world *w, int on_incoming, outcome *o, uint64_t ms)
{
    w->b.on_incoming = on_incoming;
    parley_session *s = world_call(w, B_URI, o);
    vnet_run(w->n, ms);
    return s;
}

void outcome_assert_once(const outcome *o, int status)
{
    assert_int_equal(o->calls, 1);
    assert_int_equal(o->status, status);
}

void world_assert_connected(world *w)
{
    assert_int_equal(parley_session_state(w->a.s), PARLEY_STATE_CONNECTED);
    assert_int_equal(parley_session_state(w->b.s), PARLEY_STATE_CONNECTED);
}

void world_a_sends(world *w, parley_msg_type t, outcome *o)
{
    assert_int_equal(parley_session_send_message(w->a.s, t, NULL, NULL, 0, outcome_cb, o), 0);
}

void world_reinvite_each_way(world *w, parley_session *s)
{
    outcome r1 = {0}, r2 = {0};
    assert_int_equal(parley_session_renegotiate(s, 0, NULL, 0, outcome_cb, &r1), 0);
    vnet_run(w->n, 10);
    assert_int_equal(parley_session_renegotiate(w->b.s, 0, NULL, 0, outcome_cb, &r2), 0);
    vnet_run(w->n, 10);
    assert_int_equal(r1.status, 200);
    assert_int_equal(r2.status, 200);
}

void world_end_a(world *w, uint64_t ms)
{
    assert_int_equal(parley_session_terminate(w->a.s, NULL, 0, NULL, NULL), 0);
    vnet_run(w->n, ms);
}

void world_connect(world *w)
{
    w->b.on_incoming = PARTY_ACCEPT;
    outcome o = {0};
    parley_session *s = party_call(&w->a, B_URI);
    assert_int_equal(parley_session_participate(s, NULL, 0, outcome_cb, &o), 0);
    vnet_run(w->n, 10);
    assert_int_equal(o.status, 200);
    party_clear(&w->a);
    party_clear(&w->b);
}

const vnet_packet *world_call_peer(world *w, const char *uri, outcome *o)
{
    size_t before = sp_count(w->n, P_ADDR, "INVITE");
    world_call(w, uri, o);
    vnet_run(w->n, 5);
    const vnet_packet *inv = vnet_find(w->n, P_ADDR, "INVITE", before);
    assert_non_null(inv);
    return inv;
}

const vnet_packet *world_ring_peer(world *w, const char *uri, const char *tag, outcome *o)
{
    const vnet_packet *inv = world_call_peer(w, uri, o);
    sp_reply(w->n, P_ADDR, inv, 180, "Ringing", tag, NULL, NULL);
    vnet_run(w->n, 5);
    return inv;
}

const vnet_packet *world_connect_peer(world *w, const char *tag, outcome *o)
{
    const vnet_packet *inv = world_call_peer(w, P_URI, o);
    sp_reply(w->n, P_ADDR, inv, 200, "OK", tag,
             "Contact: <" P_URI ">\r\nContent-Type: application/x-test\r\n", "answer-p-1");
    vnet_run(w->n, 5);
    return inv;
}
