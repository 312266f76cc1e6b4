/* Sessions: creation, properties, states, the registry of dialogs, the endpoint's hooks. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rand.h"
#include "parley/error.h"
#include "parley/sdp.h"
#include "session/sess.h"
#include "sip/print.h"
#include "sip/reason.h"
#include "sip/uri.h"

typedef struct grave {
    pl_list link;
    char *s;
} grave;

const char *parley_state_name(parley_state s)
{
    static const char *const names[] = {"Idle",         "Connecting", "Alerted",    "Connected",
                                        "Disconnected", "Incoming",   "Redirecting"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *parley_reason_name(parley_reason r)
{
    static const char *const names[] = {"None",
                                        "Declined",
                                        "Canceled",
                                        "TerminatedLocally",
                                        "TerminatedRemotely",
                                        "Busy",
                                        "TemporarilyUnavailable",
                                        "NotAcceptable",
                                        "NotAcceptableMedia",
                                        "Timeout",
                                        "Unreachable",
                                        "SessionTimerExpired",
                                        "ProvisionResponseReceived",
                                        "SessionDoesNotExist"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* ---- hooks the endpoint calls ---- */

static void on_ack_hook(parley_endpoint *ep, sip_msg *m, const tp_rx *rx)
{
    sess_registry *reg = ep->sessions;
    if (!reg || !m->to || !m->from)
        return;
    dlg *d = dlg_table_find(&reg->dialogs, m->call_id, m->to->tag, m->from->tag);
    parley_session *s = d ? sess_from_dialog(d) : NULL;
    if (!s)
        return;
    sess_note_rx(s, rx);
    sess_on_ack(s, m);
}

/* ---- the Call-ID index ---- */

typedef struct call_key {
    pl_str call_id;
    bool (*match)(const parley_session *s, const void *key);
    const void *key;
} call_key;

static bool match_call(const pl_hnode *n, const void *key)
{
    const parley_session *s = pl_container_of(n, parley_session, call_node);
    const call_key *k = key;
    return pl_str_eq(pl_str_c(s->call_id), k->call_id) && k->match(s, k->key);
}

parley_session *sess_find_by_call_id(sess_registry *reg, pl_str call_id,
                                     bool (*match)(const parley_session *s, const void *key),
                                     const void *key)
{
    call_key k = {call_id, match, key};
    pl_hnode *n =
        pl_hash_find(&reg->by_call_id, pl_hash_str(reg->by_call_id.seed, call_id), match_call, &k);
    return n ? pl_container_of(n, parley_session, call_node) : NULL;
}

void sess_link_registered(parley_session *s)
{
    pl_list_insert_tail(&s->reg->sessions, &s->link);
    s->registered = true;
    if (s->call_id)
        pl_hash_insert(&s->reg->by_call_id, &s->call_node,
                       pl_hash_str(s->reg->by_call_id.seed, pl_str_c(s->call_id)));
}

void sess_unlink_registered(parley_session *s)
{
    pl_list_remove(&s->link);
    s->registered = false;
    if (s->call_id)
        pl_hash_remove(&s->reg->by_call_id, &s->call_node);
}

/* Our INVITE's session (UAC) that this response's From tag names. */
static bool ours_by_from_tag(const parley_session *s, const void *key)
{
    const sip_msg *m = key;
    return !s->incoming && s->local_tag && pl_str_eq(pl_str_c(s->local_tag), m->from->tag);
}

static void on_stray_hook(parley_endpoint *ep, sip_msg *m, const tp_rx *rx)
{
    sess_registry *reg = ep->sessions;
    if (!reg || m->status < 200 || m->status >= 300 || m->cseq.method_id != SIP_METHOD_INVITE ||
        !m->from || !m->to)
        return;
    /* a 2xx retransmission after the INVITE transaction ended, or a 2xx from another fork */
    parley_session *s = sess_find_by_call_id(reg, m->call_id, ours_by_from_tag, m);
    if (s) {
        sess_note_rx(s, rx);
        sess_uac_stray(s, m);
    }
}

static bool dialog_known_hook(parley_endpoint *ep, const sip_msg *m)
{
    sess_registry *reg = ep->sessions;
    return reg && m->to && m->from &&
           dlg_table_find(&reg->dialogs, m->call_id, m->to->tag, m->from->tag) != NULL;
}

static void shutdown_hook(parley_endpoint *ep)
{
    sess_registry *reg = ep->sessions;
    if (!reg)
        return;
    /* every session ends, every operation completes (a BYE in flight too: the endpoint will not
     * hear its answer), the queued work runs, and each session gets its on_released */
    for (int round = 0; round < 100; round++) {
        while (!pl_list_empty(&reg->sessions)) {
            parley_session *s = pl_container_of(reg->sessions.next, parley_session, link);
            sess_end(s, PARLEY_REASON_TERMINATED_LOCALLY, NULL);
        }
        pl_list_each_safe(pos, tmp, &reg->ended)
        {
            parley_session *s = pl_container_of(pos, parley_session, link);
            parley_session_ref(s);
            while (!pl_list_empty(&s->ops))
                sess_op_complete(pl_container_of(s->ops.next, sess_op, link), 0, NULL);
            sess_maybe_release(s);
            parley_session_unref(s);
        }
        sess_tasks_drain(reg);
        if (pl_list_empty(&reg->sessions) && pl_list_empty(&reg->ended))
            break;
    }
    pl_loop_timer_stop(ep->loop, &reg->task_timer);
    pl_hash_free(&reg->dialogs);
    pl_hash_free(&reg->by_call_id);
    sess_shared_ops_unref(reg->last_cbs);
    sess_shared_ops_unref(reg->last_oa);
    pl_free(reg);
    ep->sessions = NULL;
}

sess_registry *sess_registry_get(parley_endpoint *ep)
{
    if (ep->sessions)
        return ep->sessions;
    sess_registry *reg = pl_calloc(1, sizeof(*reg));
    if (!reg)
        return NULL;
    if (pl_hash_init(&reg->dialogs, 64) != 0) {
        pl_free(reg);
        return NULL;
    }
    if (pl_hash_init(&reg->by_call_id, 64) != 0) {
        pl_hash_free(&reg->dialogs);
        pl_free(reg);
        return NULL;
    }
    reg->ep = ep;
    reg->digest_seed[0] = pl_rand_u64();
    reg->digest_seed[1] = pl_rand_u64();
    pl_list_init(&reg->sessions);
    pl_list_init(&reg->ended);
    pl_list_init(&reg->tasks);
    pl_timer_init(&reg->task_timer);
    ep->sessions = reg;
    ep->invite_request = sess_on_invite;
    ep->dialog_request = sess_on_dialog_request;
    ep->dialog_ack = on_ack_hook;
    ep->dialog_stray = on_stray_hook;
    ep->dialog_orphan_2xx = sess_orphan_2xx;
    ep->shutdown_sessions = shutdown_hook;
    ep->dialog_known = dialog_known_hook;
    return reg;
}

/* ---- life cycle ---- */

static void participant_free(parley_session *s, parley_participant *p)
{
    sess_strfree(s, p->uri);
    sess_strfree(s, p->epid);
    sess_strfree(s, p->name);
    sess_strfree(s, p->contact);
    sess_strfree(s, p->gruu);
}

static void free_session(parley_session *s)
{
    sess_op_fail_all(s, PARLEY_E_TERMINATED);
    sess_replaces_drop(s);
    sess_rel_stop(s);
    pl_free(s->prack);
    sess_timer_slot_free(s, &s->glare_timer);
    sess_timer_slot_free(s, &s->upd_glare);
    pl_loop_timer_stop(s->ep->loop, &s->ok_timer);
    sess_timer_slot_free(s, &s->st_timer);
    sess_body_free(&s->local_desc);
    parley_sdp_neg_free(s->neg);
    sip_msg_free(s->end_msg);
    dlg_free(s->dlg);
    pl_list_each_safe(pos, tmp, &s->graveyard)
    {
        grave *g = pl_container_of(pos, grave, link);
        pl_free(g->s);
        pl_free(g);
    }
    while (s->lists && !pl_list_empty(&s->lists->refers))
        sess_refer_request_free(pl_container_of(s->lists->refers.next, parley_refer_request, link));
    while (s->lists && !pl_list_empty(&s->lists->refer_subs)) {
        sess_refer_sub *sub = pl_container_of(s->lists->refer_subs.next, sess_refer_sub, link);
        pl_list_remove(&sub->link);
        pl_free(sub);
    }
    sess_reinvite_free_all(s);
    pl_free(s->lists);
    sip_msg_free(s->ok_req);
    participant_free(s, &s->local);
    participant_free(s, &s->remote);
    sess_strfree(s, s->call_id);
    sess_strfree(s, s->local_tag);
    sess_strfree(s, s->remote_tag);
    sess_strfree(s, s->target_uri);
    sess_strfree(s, s->target_epid);
    sess_strfree(s, s->request_uri);
    sess_strfree(s, s->uri_headers);
    pl_free(s->req_hdrs);
    sess_target_free(s);
    sess_uac_free(s);
    pl_free(s->answer_tag);
    sess_resend_free(&s->ack);
    sess_resend_free(&s->ok);
    sess_resend_free(&s->reack);
    sess_resend_free(&s->head);
    sess_body_free(&s->early_answer);
    sip_msg_free(s->inv_req);
    sess_shared_ops_free(s);
    ep_release(s->ep);
    pl_free(s);
}

parley_session *parley_session_ref(parley_session *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void parley_session_unref(parley_session *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        free_session(s);
}

parley_session *sess_alloc(parley_endpoint *ep, size_t pool)
{
    if (pool > UINT16_MAX)
        pool = UINT16_MAX;
    parley_session *s = pl_calloc(1, sizeof(*s) + pool);
    if (!s)
        return NULL;
    s->pool_size = (uint16_t)pool;
    sess_shared_ops_init(s);
    atomic_init(&s->refs, 1);
    s->ep = ep_hold(ep);
    pl_list_init(&s->graveyard);
    pl_list_init(&s->ops);
    pl_list_init(&s->release_task.link);
    pl_list_init(&s->link);
    pl_timer_init(&s->ok_timer);
    sess_timer_init(s);
    return s;
}

void sess_register(parley_session *s)
{
    if (s->registered || s->reg_ref)
        return;
    sess_link_registered(s);
    s->reg_ref = true;
    s->ep->nsessions++;
    parley_session_ref(s); /* the registry's reference, until on_released */
}

static void release_run(sess_task *t)
{
    parley_session *s = t->s;
    if (s->released || !pl_list_empty(&s->ops) || s->state != PARLEY_STATE_DISCONNECTED)
        return; /* an operation came meanwhile: its completion queues this again */
    s->released = true;
    if (s->dlg)
        dlg_table_remove(&s->reg->dialogs, s->dlg);
    if (s->cbs->on_released)
        s->cbs->on_released(s, s->cbs_user);
    if (s->reg_ref) {
        if (s->registered)
            sess_unlink_registered(s);
        else if (pl_list_linked(&s->link))
            pl_list_remove(&s->link);
        s->reg_ref = false;
        s->ep->nsessions--;
        parley_session_unref(s); /* the registry's (the task holds one more) */
    }
}

void sess_maybe_release(parley_session *s)
{
    if (s->released || s->state != PARLEY_STATE_DISCONNECTED || !pl_list_empty(&s->ops) ||
        pl_list_linked(&s->release_task.link) || !s->reg)
        return;
    sess_task_queue(s, &s->release_task, release_run, NULL);
}

static bool in_pool(const parley_session *s, const char *p)
{
    return p >= s->pool && p < s->pool + s->pool_size;
}

pl_timer *sess_timer_slot(pl_timer **slot)
{
    if (!*slot) {
        *slot = pl_malloc(sizeof(**slot));
        if (*slot)
            pl_timer_init(*slot);
    }
    return *slot;
}

void sess_timer_slot_free(parley_session *s, pl_timer **slot)
{
    if (*slot) {
        pl_loop_timer_stop(s->ep->loop, *slot);
        pl_free(*slot);
        *slot = NULL;
    }
}

sess_lists *sess_lists_get(parley_session *s)
{
    if (!s->lists) {
        s->lists = pl_calloc(1, sizeof(*s->lists));
        if (s->lists) {
            pl_list_init(&s->lists->refers);
            pl_list_init(&s->lists->refer_subs);
            pl_list_init(&s->lists->rins);
        }
    }
    return s->lists;
}

sess_resend *sess_resend_set(sess_resend **slot, const tp_dest *dest, const char *data, size_t len)
{
    sess_resend *r = *slot;
    if (!r || r->len < len) { /* else the same room serves */
        pl_free(r);
        r = *slot = pl_malloc(offsetof(sess_resend, data) + len);
        if (!r)
            return NULL;
    }
    if (dest)
        r->dest = *dest;
    else
        r->dest.proto = 0, r->dest.host[0] = '\0';
    memcpy(r->data, data, len);
    r->len = len;
    return r;
}

void sess_resend_free(sess_resend **slot)
{
    pl_free(*slot);
    *slot = NULL;
}

char *sess_strdup(parley_session *s, pl_str v)
{
    if (v.len < (size_t)(s->pool_size - s->pool_used)) {
        char *p = s->pool + s->pool_used;
        if (v.len)
            memcpy(p, v.p, v.len);
        p[v.len] = '\0';
        s->pool_used = (uint16_t)(s->pool_used + v.len + 1);
        return p;
    }
    return pl_str_dup(v);
}

char *sess_strshare(parley_session *s, char *p, pl_str v)
{
    /* a string of the pool is never freed nor changed in place: two slots may hold it */
    return p && in_pool(s, p) ? p : sess_strdup(s, v);
}

void sess_strfree(parley_session *s, char *p)
{
    if (p && !in_pool(s, p))
        pl_free(p);
}

void sess_keep_string(parley_session *s, char *old)
{
    if (!old || in_pool(s, old))
        return; /* the pool lives as long as the session: a getter's copy stays valid */
    grave *g = pl_malloc(sizeof(*g));
    if (!g) {
        return; /* leaks one string rather than free what a getter may still hold */
    }
    g->s = old;
    pl_list_insert_tail(&s->graveyard, &g->link);
}

/* Replaces *slot with a copy of v under the property lock; returns whether it changed. */
static bool set_prop(parley_session *s, char **slot, pl_str v)
{
    if (*slot && v.p && pl_str_eq(pl_str_c(*slot), v))
        return false;
    if (!*slot && !v.p)
        return false;
    char *n = v.p ? sess_strdup(s, v) : NULL;
    if (v.p && !n)
        return false;
    /* a getter on another thread reads the slot at once: the old string stays (graveyard) */
    char *old = __atomic_exchange_n(slot, n, __ATOMIC_ACQ_REL);
    sess_keep_string(s, old);
    return true;
}

static bool set_prop_c(parley_session *s, char **slot, const char *v)
{
    return set_prop(s, slot, v ? pl_str_c(v) : PL_STR_NULL);
}

/* The remote contact from m's Contact, and the GRUU when it is one (a "gr" parameter, RFC
 * 5627): PARLEY_PCHG_GRUU when the GRUU changed. */
static unsigned note_contact(parley_session *s, const sip_msg *m)
{
    if (!m || !m->contact)
        return 0;
    set_prop(s, &s->remote.contact, m->contact->uri.raw);
    pl_str gr;
    bool is_gruu = sip_param_find(m->contact->uri.params, "gr", &gr);
    return set_prop(s, &s->remote.gruu, is_gruu ? m->contact->uri.raw : PL_STR_NULL)
               ? PARLEY_PCHG_GRUU
               : 0;
}

void sess_set_remote_from(parley_session *s, const sip_naddr *na, const sip_msg *m, bool notify)
{
    if (!na)
        return;
    unsigned changed = 0;
    char name_room[128];
    pl_buf name;
    pl_buf_init_on(&name, name_room, sizeof(name_room));
    sip_print_display(&name, na->display);
    pl_buf_terminate(&name);
    set_prop(s, &s->remote.uri, na->uri.raw);
    if (set_prop(s, &s->remote.name, na->display.len ? pl_buf_str(&name) : PL_STR_NULL))
        changed |= PARLEY_PCHG_NAME;
    if (pl_str_set(na->epid) && set_prop(s, &s->remote.epid, na->epid))
        changed |= PARLEY_PCHG_EPID;
    pl_buf_free(&name);
    changed |= note_contact(s, m);
    if (notify && changed && s->cbs->on_participant_changed && !s->released)
        s->cbs->on_participant_changed(s, &s->remote, changed, s->cbs_user);
}

void sess_note_remote_target(parley_session *s, const sip_msg *m)
{
    unsigned changed = note_contact(s, m);
    if (changed && s->cbs->on_participant_changed && !s->released)
        s->cbs->on_participant_changed(s, &s->remote, changed, s->cbs_user);
}

void sess_note_rx(parley_session *s, const tp_rx *rx)
{
    s->rx_addr = rx->remote;
    s->rx_proto = rx->proto;
    s->has_rx = true;
}

parley_session *sess_from_dialog(dlg *d)
{
    return d ? d->owner : NULL;
}

void sess_attach_dialog(parley_session *s, dlg *d)
{
    d->owner = s;
    dlg_table_insert(&s->reg->dialogs, d);
}

static void detach_dialogs(parley_session *s)
{
    /* while our BYE is out the dialog still answers a crossing BYE (indialog.c) */
    if (s->dlg && !s->bye_pending)
        dlg_table_remove(&s->reg->dialogs, s->dlg);
    if (!s->uac)
        return;
    pl_list_each(pos, &s->uac->early)
    {
        dlg_table_remove(&s->reg->dialogs, pl_container_of(pos, dlg, link));
    }
}

void sess_set_state(parley_session *s, parley_state st, parley_reason why, const sip_msg *trigger)
{
    parley_state prev = s->state;
    if (prev == st)
        return;
    s->state = st;
    sess_count_half_open(s, prev, st);
    if (!s->cbs->on_state || s->released)
        return;
    parley_state_change ev = {prev, st, why, trigger, NULL};
    /* the Reason header (RFC 3326) of the BYE or CANCEL that ended the session */
    sip_reason r;
    parley_sip_reason sr;
    char proto[32];
    const sip_msg *ending = st == PARLEY_STATE_DISCONNECTED ? s->end_msg : NULL;
    if (ending && sip_reason_get(ending, &r) == 0) {
        snprintf(proto, sizeof(proto), "%.*s", (int)r.protocol.len, r.protocol.p);
        sr = (parley_sip_reason){proto, r.cause, r.has_text ? r.text : NULL};
        ev.sip_reason = &sr;
    }
    parley_session_ref(s);
    s->cbs->on_state(s, &ev, s->cbs_user);
    parley_session_unref(s);
}

/* An incoming INVITE not answered yet (Incoming) or answered 2xx and not ACKed (Connecting):
 * what the endpoint's max_half_open bounds. */
static bool half_open(parley_state st)
{
    return st == PARLEY_STATE_INCOMING || st == PARLEY_STATE_CONNECTING;
}

void sess_count_half_open(parley_session *s, parley_state prev, parley_state st)
{
    if (!s->incoming || half_open(prev) == half_open(st))
        return;
    if (half_open(st))
        s->ep->nhalf_open++;
    else
        s->ep->nhalf_open--;
}

void sess_end(parley_session *s, parley_reason why, const sip_msg *trigger)
{
    sess_end_with(s, why, trigger, NULL, 0);
}

void sess_end_with(parley_session *s, parley_reason why, const sip_msg *trigger,
                   const sess_final *fin, size_t nfin)
{
    if (s->state == PARLEY_STATE_DISCONNECTED && !s->registered)
        return;
    parley_session_ref(s);
    pl_loop *loop = s->ep->loop;
    pl_loop_timer_stop(loop, &s->ok_timer);
    if (s->glare_timer)
        pl_loop_timer_stop(loop, s->glare_timer);
    s->ok_pending = false;
    if (s->inv) {
        ep_sender_release(s->inv);
        s->inv = NULL;
    }
    sess_reinvite_release(s);
    if (s->inv_txn) {
        txn_server_set_tu(s->inv_txn, NULL, NULL);
        s->inv_txn = NULL;
        sess_resend_free(&s->head); /* the next INVITE transaction prints its own */
    }
    sess_reinvite_abort(s);
    sess_update_abort(s);
    sess_timer_stop(s);
    sess_rel_stop(s);
    if (s->uac) {
        pl_loop_timer_stop(loop, &s->uac->cancel_timer);
        sess_uac_end(s);
    }
    s->end_reason = why;
    if (trigger && trigger->is_request &&
        (trigger->method_id == SIP_METHOD_BYE || trigger->method_id == SIP_METHOD_CANCEL) &&
        !s->end_msg)
        s->end_msg = parley_msg_ref((sip_msg *)trigger);
    if (s->registered && s->reg) {
        /* no message reaches the session any more; it waits in ended for on_released */
        detach_dialogs(s);
        sess_unlink_registered(s);
        pl_list_insert_tail(&s->reg->ended, &s->link);
    }
    sess_refer_subs_end(s);
    sess_replaces_drop(s); /* never accepted: the session it would replace stays */
    sess_set_state(s, PARLEY_STATE_DISCONNECTED, why, trigger);
    /* operations that end with the session complete after the state change, like those that
     * succeed with it; a slot that on_state emptied is skipped */
    for (size_t i = 0; i < nfin; i++)
        sess_op_complete(*fin[i].slot, fin[i].err, fin[i].m);
    sess_op_fail_all(s, PARLEY_E_TERMINATED);
    sess_maybe_release(s);
    parley_session_unref(s);
}

/* ---- creation ---- */

typedef struct create_args {
    parley_endpoint *ep;
    const parley_address *target;
    const parley_session_opts *opts;
    parley_session *out;
} create_args;

static size_t opt_len(const char *v)
{
    return v ? strlen(v) + 1 : 0;
}

/* Room for the strings an outgoing session takes now, and for those its answer brings (the
 * peer's tag and contact, our tag): the pool is sized to them; a longer value goes to the heap. */
static size_t create_pool(const parley_endpoint *ep, const create_args *a,
                          const parley_session_opts *o, const char *cid)
{
    const char *name = o && o->local_name ? o->local_name : ep->display;
    size_t n = opt_len(o && o->call_id ? o->call_id : cid) + 2 * opt_len(a->target->uri) +
               2 * opt_len(a->target->epid) +
               opt_len(o && o->request_uri ? o->request_uri : a->target->uri) +
               opt_len(o && o->local_uri ? o->local_uri : ep->uri) + opt_len(name) +
               opt_len(ep->epid);
    return n + EP_TAG_LEN + 1 + 112;
}

static void create_on_loop(sess_call *c)
{
    create_args *a = c->args;
    parley_endpoint *ep = a->ep;
    if (ep->stopping || ep->stopped) {
        c->rc = PARLEY_E_TERMINATED;
        return;
    }
    const parley_session_opts *o = a->opts;
    char cid[40];
    if (!o || !o->call_id)
        ep_new_call_id(ep, cid, sizeof(cid));
    sess_registry *reg = sess_registry_get(ep);
    parley_session *s = reg ? sess_alloc(ep, create_pool(ep, a, o, cid)) : NULL;
    if (!s) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    s->reg = reg;
    s->state = PARLEY_STATE_IDLE;
    s->call_id = sess_strdup(s, pl_str_c(o && o->call_id ? o->call_id : cid));
    /* a URI's headers go on the INVITE, not in its Request-URI or To (ep_with_uri_headers) */
    pl_str th, rh;
    pl_str target = ep_uri_split(a->target->uri, &th);
    pl_str ruri = ep_uri_split(o && o->request_uri ? o->request_uri : a->target->uri, &rh);
    pl_str uh = th.len ? th : rh; /* the target's headers, else the Request-URI's */
    s->target_uri = sess_strdup(s, target);
    s->target_epid = a->target->epid ? sess_strdup(s, pl_str_c(a->target->epid)) : NULL;
    s->request_uri = sess_strdup(s, ruri);
    s->uri_headers = uh.len ? sess_strdup(s, uh) : NULL;
    s->local.uri = sess_strdup(s, pl_str_c(o && o->local_uri ? o->local_uri : ep->uri));
    const char *name = o && o->local_name ? o->local_name : ep->display;
    s->local.name = name ? sess_strdup(s, pl_str_c(name)) : NULL;
    s->local.epid = sess_strdup(s, pl_str_c(ep->epid));
    s->remote.uri = sess_strdup(s, target);
    s->remote.epid = a->target->epid ? sess_strdup(s, pl_str_c(a->target->epid)) : NULL;
    if (!s->call_id || !s->target_uri || !s->request_uri || !s->local.uri || !s->local.epid ||
        !s->remote.uri || (uh.len && !s->uri_headers)) {
        free_session(s);
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    int rc = sess_target_setup(s, o);
    if (rc) {
        free_session(s);
        c->rc = rc;
        return;
    }
    /* registered when it participates: until then the caller's reference is the only one */
    a->out = s;
    c->rc = 0;
}

static bool valid_target_uri(const char *uri, bool allow_tel)
{
    sip_uri u;
    if (!uri || sip_uri_parse(pl_str_c(uri), &u, NULL, NULL) != 0)
        return false;
    return u.kind == SIP_URI_SIP || u.kind == SIP_URI_SIPS || (allow_tel && u.kind == SIP_URI_TEL);
}

int parley_session_create(parley_endpoint *ep, const parley_address *target,
                          const parley_session_opts *opts, parley_session **out)
{
    if (out)
        *out = NULL;
    if (!ep || !target || !out || !valid_target_uri(target->uri, false) ||
        (target->epid && !ep_epid_ok(target->epid)))
        return PARLEY_E_INVAL;
    if (opts && opts->request_uri && !valid_target_uri(opts->request_uri, true))
        return PARLEY_E_INVAL;
    if (opts && opts->local_uri && !valid_target_uri(opts->local_uri, false))
        return PARLEY_E_INVAL;
    create_args a = {ep, target, opts, NULL};
    sess_call c = {NULL, create_on_loop, 0, &a};
    int rc = sess_run_ep(ep, &c);
    if (rc)
        return rc;
    *out = a.out;
    return 0;
}

typedef struct cb_args {
    parley_endpoint *ep;
    parley_session_cb cb;
    void *user;
} cb_args;

static void set_session_cb_on_loop(sess_call *c)
{
    cb_args *a = c->args;
    if (a->ep->stopping || a->ep->stopped) {
        c->rc = PARLEY_E_TERMINATED;
        return;
    }
    sess_registry *reg = sess_registry_get(a->ep);
    if (!reg) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    reg->on_session = a->cb;
    reg->on_session_user = a->user;
    c->rc = 0;
}

int parley_endpoint_set_session_cb(parley_endpoint *ep, parley_session_cb cb, void *user)
{
    if (!ep)
        return PARLEY_E_INVAL;
    cb_args a = {ep, cb, user};
    sess_call c = {NULL, set_session_cb_on_loop, 0, &a};
    return sess_run_ep(ep, &c);
}

/* ---- settings ---- */

typedef struct set_args {
    const void *ops;
    void *user;
} set_args;

/* Callbacks and the contract are set before the session does anything. */
static bool settable(const parley_session *s)
{
    if (s->participate || s->ending || s->released)
        return false;
    return s->incoming ? s->state == PARLEY_STATE_INCOMING : s->state == PARLEY_STATE_IDLE;
}

static void set_cbs_on_loop(sess_call *c)
{
    set_args *a = c->args;
    parley_session *s = c->s;
    if (!settable(s)) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    c->rc = sess_set_cbs(s, a->ops);
    if (!c->rc)
        s->cbs_user = a->user;
}

int parley_session_set_callbacks(parley_session *s, const parley_session_cbs *cbs, void *user)
{
    if (!s)
        return PARLEY_E_INVAL;
    set_args a = {cbs, user};
    sess_call c = {s, set_cbs_on_loop, 0, &a};
    return sess_run(s, &c);
}

static void set_settings_on_loop(sess_call *c)
{
    const parley_session_settings *st = ((set_args *)c->args)->ops;
    parley_session *s = c->s;
    if (!settable(s)) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    unsigned min_se = st->min_se ? st->min_se : s->min_se;
    unsigned se = st->session_expires == PARLEY_SESSION_TIMER_OFF ? 0
                  : st->session_expires                           ? st->session_expires
                                                                  : s->se_want;
    if (min_se < 90 || (se && se < min_se) || (unsigned)st->rel100 > PARLEY_100REL_REQUIRED) {
        c->rc = PARLEY_E_INVAL;
        return;
    }
    s->min_se = min_se;
    s->se_want = se;
    if (st->rel100 != PARLEY_100REL_DEFAULT)
        s->rel100 = st->rel100;
    c->rc = 0;
}

typedef struct req_hdrs_args {
    const parley_header *h;
    size_t n;
} req_hdrs_args;

static void set_req_hdrs_on_loop(sess_call *c)
{
    const req_hdrs_args *a = c->args;
    parley_session *s = c->s;
    if (!settable(s)) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    sip_kv *kv = NULL;
    if (a->n && !(kv = ep_copy_headers(a->h, a->n))) {
        c->rc = PARLEY_E_NOMEM;
        return;
    }
    pl_free(s->req_hdrs);
    s->req_hdrs = kv;
    s->nreq_hdrs = (uint16_t)a->n;
    c->rc = 0;
}

int parley_session_set_request_headers(parley_session *s, const parley_header *h, size_t n)
{
    if (!s || n > UINT16_MAX)
        return PARLEY_E_INVAL;
    int rc = ep_check_headers(h, n);
    if (rc)
        return rc;
    req_hdrs_args a = {h, n};
    sess_call c = {s, set_req_hdrs_on_loop, 0, &a};
    return sess_run(s, &c);
}

int parley_session_set_settings(parley_session *s, const parley_session_settings *settings)
{
    if (!s || !settings)
        return PARLEY_E_INVAL;
    set_args a = {settings, NULL};
    sess_call c = {s, set_settings_on_loop, 0, &a};
    return sess_run(s, &c);
}

static void set_oa_on_loop(sess_call *c)
{
    set_args *a = c->args;
    parley_session *s = c->s;
    if (!settable(s)) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    c->rc = sess_set_oa(s, a->ops);
    if (c->rc)
        return;
    s->has_oa = a->ops != NULL;
    s->oa_user = a->user;
}

int parley_session_set_offer_answer(parley_session *s, const parley_oa_ops *ops, void *user)
{
    if (!s)
        return PARLEY_E_INVAL;
    set_args a = {ops, user};
    sess_call c = {s, set_oa_on_loop, 0, &a};
    return sess_run(s, &c);
}

void parley_session_set_user(parley_session *s, void *user)
{
    if (s)
        s->app_user = user;
}

void *parley_session_user(const parley_session *s)
{
    return s ? s->app_user : NULL;
}

/* ---- getters ---- */

static const char *get_prop(char *const *slot)
{
    return __atomic_load_n(slot, __ATOMIC_ACQUIRE); /* set_prop's string, whole */
}

const char *parley_session_call_id(const parley_session *s)
{
    return s ? s->call_id : NULL;
}

const char *parley_session_local_tag(const parley_session *s)
{
    if (!s)
        return NULL;
    if (s->incoming && !s->to_tag_known)
        return NULL;
    return get_prop(&s->local_tag);
}

const char *parley_session_remote_tag(const parley_session *s)
{
    return s ? get_prop(&s->remote_tag) : NULL;
}

const char *parley_session_from_tag(const parley_session *s)
{
    if (!s)
        return NULL;
    return s->incoming ? parley_session_remote_tag(s) : parley_session_local_tag(s);
}

const char *parley_session_to_tag(const parley_session *s)
{
    if (!s)
        return NULL;
    return s->incoming ? parley_session_local_tag(s) : parley_session_remote_tag(s);
}

parley_state parley_session_state(const parley_session *s)
{
    return s ? s->state : PARLEY_STATE_DISCONNECTED;
}

int parley_session_is_incoming(const parley_session *s)
{
    return s && s->incoming;
}

int parley_session_target(const parley_session *s, parley_address *out)
{
    if (!s || !out)
        return PARLEY_E_INVAL;
    /* set when the session is made and never changed: no lock (a 3xx's targets are kept apart) */
    out->uri = s->target_uri;
    out->epid = s->target_epid;
    return 0;
}

const parley_participant *parley_session_local(const parley_session *s)
{
    return s ? &s->local : NULL;
}

const parley_participant *parley_session_remote(const parley_session *s)
{
    return s ? &s->remote : NULL;
}

parley_endpoint *parley_session_endpoint(const parley_session *s)
{
    return s ? s->ep : NULL;
}

/* Participants' strings are replaced on the loop thread (the old ones stay alive): reading the
 * slot under the session's lock is enough for any thread. */
const char *parley_participant_uri(const parley_participant *p)
{
    return p ? get_prop(&p->uri) : NULL;
}

const char *parley_participant_epid(const parley_participant *p)
{
    return p ? get_prop(&p->epid) : NULL;
}

const char *parley_participant_name(const parley_participant *p)
{
    return p ? get_prop(&p->name) : NULL;
}

const char *parley_participant_contact(const parley_participant *p)
{
    return p ? get_prop(&p->contact) : NULL;
}

const char *parley_participant_gruu(const parley_participant *p)
{
    return p ? get_prop(&p->gruu) : NULL;
}

int parley_session_peer_addr(const parley_session *s, char *buf, size_t size,
                             const char **transport)
{
    if (!s || !buf || !size)
        return PARLEY_E_INVAL;
    if (!s->has_rx)
        return PARLEY_E_NOTFOUND;
    tp_addr_str(&s->rx_addr, buf, size);
    if (transport)
        *transport = tp_proto_name(s->rx_proto);
    return 0;
}

int sess_header_check(const parley_header *h, size_t n)
{
    return ep_check_headers(h, n);
}

/* Whether ";gr" (any case) appears in u: a "gr" parameter cannot be there otherwise. */
static bool may_have_gr(pl_str u)
{
    const char *p = u.p, *end = u.p + u.len;
    while ((p = memchr(p, ';', (size_t)(end - p))) != NULL && end - p >= 3) {
        if (pl_tolower(p[1]) == 'g' && pl_tolower(p[2]) == 'r')
            return true;
        p++;
    }
    return false;
}

void sess_set_local_contact(parley_session *s, const char *contact)
{
    /* the URI of our Contact value ("<uri>;epid=..."), as for the remote participant */
    const char *lt = strchr(contact, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    pl_str uri = lt && gt ? pl_str_span(lt + 1, gt) : pl_str_c(contact);
    if (!set_prop(s, &s->local.contact, uri))
        return; /* the same as before (each response repeats it): its GRUU-ness too */
    sip_uri u;
    pl_str gr;
    /* a GRUU has a "gr" parameter (RFC 5627): parsed only when ";gr" appears at all */
    bool is_gruu = may_have_gr(uri) && sip_uri_parse(uri, &u, NULL, NULL) == 0 &&
                   sip_param_find(u.params, "gr", &gr);
    set_prop(s, &s->local.gruu, is_gruu ? uri : PL_STR_NULL);
}

void sess_set_remote_tag(parley_session *s, pl_str tag)
{
    set_prop(s, &s->remote_tag, tag);
}

void sess_set_local_tag(parley_session *s, const char *tag)
{
    set_prop_c(s, &s->local_tag, tag);
}
