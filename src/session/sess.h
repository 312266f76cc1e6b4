/* Private to the session layer. */
#ifndef SESS_SESS_H
#define SESS_SESS_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/timer.h"
#include "dialog/dlg.h"
#include "endpoint/ep.h"
#include "parley/session.h"

struct parley_participant {
    /* the strings are swapped atomically (set_prop) and read so by the getters (get_prop) */
    char *uri;
    char *epid;
    char *name;
    char *contact;
    char *gruu; /* the contact URI when it is a GRUU (RFC 5627: a "gr" parameter) */
};

typedef enum sess_op_kind {
    OP_PARTICIPATE = 1,
    OP_TERMINATE,
    OP_REINVITE,
    OP_MESSAGE,
    OP_REFER,
    OP_REINVITE_ACCEPT,
    OP_REFRESH,      /* a session refresh (RFC 4028): repeats the description, asks nobody */
    OP_UPDATE,       /* renegotiation by UPDATE */
    OP_PRACK,        /* our PRACK for a reliable 1xx */
    OP_REFER_NOTIFY, /* a NOTIFY of a REFER's subscription we serve (arg: the refer request) */
} sess_op_kind;

/* Who refreshes, as the refresher parameter says it (relative to the request's sender). */
typedef enum sess_refresher {
    SESS_REFRESHER_NONE = 0,
    SESS_REFRESHER_UAC,
    SESS_REFRESHER_UAS,
} sess_refresher;

/* A reliable provisional response of ours (RFC 3262), queued or waiting for its PRACK. */
typedef struct sess_rel {
    pl_list link;
    int code;
    uint32_t rseq;
    bool offered;  /* it carries our offer: its PRACK brings the answer */
    bool answered; /* it carries our answer to the INVITE's offer */
    pl_buf resp;
} sess_rel;

/*
 * Work of a public call, run from the loop after the call returned (the API contract: no
 * callback inside the call that caused it). Tasks of an endpoint run in the order they were
 * queued, from a zero-delay timer; each holds a reference on its session while queued.
 */
typedef struct sess_task {
    pl_list link; /* in the registry's tasks while queued */
    parley_session *s;
    void (*run)(struct sess_task *t);
    void (*free)(struct sess_task *t); /* after run (NULL: nothing to free) */
} sess_task;

/* One pending operation with its completion. */
typedef struct sess_op {
    pl_list link; /* in s->ops */
    parley_session *s;
    sess_op_kind kind;
    parley_session_done_cb cb;
    void *user;
    sess_task task;                    /* its start, while queued */
    void (*start)(struct sess_op *op); /* what the task runs */
    void *arg;                         /* the start's own data (a reinvite, a refer target...) */
    ep_sender *sender;                 /* the request it sent, if any */
    /* message / refer: what to send */
    const char *method;
    char *ctype;
    void *body;
    size_t len;
    sip_kv *hdrs;
    size_t nh;
    uint32_t cseq; /* in-dialog requests: taken when the operation starts */
    bool done;
    bool holds_session; /* a reference on s, dropped on completion */
} sess_op;

struct parley_ack {
    parley_session *s;
    pl_list held; /* answers given inside on_accepted */
    bool deferred;
    bool sent; /* or queued to be sent */
    bool in_callback;
};

struct parley_pending_answer {
    parley_session *s;
    pl_list held; /* answers given inside offer_in_response */
    bool active;  /* waiting for ready */
    bool deferred;
    bool answering; /* ready was called: its task will send the ACK */
    bool in_callback;
    sip_msg *offer; /* the 2xx that carried the offer (a reference) */
};

struct parley_reinvite {
    pl_list link; /* in s->rins, freed with the session */
    pl_list held; /* answers given inside offer_in_reinvite */
    parley_session *s;
    txn_server *t;
    sip_msg *req;
    bool had_offer;
    bool refresh; /* a session refresh: answered with our description, nobody asked */
    bool answered;
    bool answering; /* an answer was called for: its task sends it */
    bool deferred;
    bool in_callback;
};

struct parley_refer_request {
    pl_list link; /* in s->refers, freed with the session */
    pl_list held; /* answers given inside on_refer */
    parley_session *s;
    txn_server *t;
    sip_msg *req;
    bool answered;
    bool answering;
    bool deferred;
    bool in_callback;
    bool accepting;    /* the answer queued is an acceptance */
    bool notify_final; /* the final NOTIFY is queued: no more */
    bool accepted;
    bool ended;
    char *target;
    char *method;
    char *epid;
};

/* A REFER we sent whose implicit subscription is active (RFC 3515 §2.4.4). */
typedef struct sess_refer_sub {
    pl_list link; /* in s->refer_subs */
    parley_session *s;
    uint32_t id; /* the REFER's CSeq */
    void *op_user;
    bool accepted; /* its 2xx came */
    bool ending;   /* parley_session_refer_end was called */
    uint8_t state; /* parley_refer_state of the last NOTIFY (ACCEPTED before the first) */
    pl_timer expiry;
} sess_refer_sub;

/* The peer's description in force, as the session compares it (a refresh repeats it byte for
 * byte, RFC 4028): its length and two 64-bit digests under the registry's secret seeds, instead
 * of a copy of the text (a held session kept about 200 bytes for it). Two different bodies of
 * the same length pass for the same only at a chance of 2^-128, and a peer cannot aim at it
 * without the seeds; the worst it could get is its own new offer answered as a refresh. */
typedef struct sess_digest {
    uint64_t h[2];
    size_t len;
    bool set;
} sess_digest;

/* A body the application gave (copied). */
typedef struct sess_body {
    char *ctype;
    void *data;
    size_t len;
} sess_body;

/* What only an outgoing session's INVITE needs (uac.c): allocated by sess_uac_start, so that
 * an incoming session does not carry it; it lives as long as the session (the application may
 * hold its ack and pending-answer handles). */
typedef struct sess_uac {
    char *inv_local_hdr;
    char *inv_extra;  /* the INVITE's capabilities and custom header lines */
    sip_kv *inv_hdrs; /* participate's headers (and those on_redirecting added) */
    size_t inv_nh;
    sess_body inv_body; /* the INVITE's offer, for redirected attempts */
    tp_dest *inv_dest;  /* where the INVITE went, kept once its sender is let go (settled) */
    struct parley_ack ack_ctl;
    struct parley_pending_answer pend;
    char **targets; /* redirection targets */
    size_t ntargets, next_target;
    sip_msg *redirect_msg; /* the 3xx the targets came from */
    sip_msg *defer_msg;    /* on_redirecting deferred: the response that led to the redirection
                              (the 3xx or the last target's failure), NULL after a transport
                              error (defer_err) */
    int defer_err;
    pl_timer cancel_timer; /* the INVITE's own Expires until a CANCEL goes; then our CANCEL
                              got 200 but the INVITE no final answer: 64*T1 */
    pl_list early;         /* early dialogs, one per To tag */
    pl_list forks;         /* other forks' dialogs whose 2xx we ACKed and BYEd */
    pl_list fork_oa;       /* sess_fork_oa, the early offers of forks we answered */
    bool inv_offer;
    bool inv_provisional;
    bool cancel_wanted;
    bool cancel_sent;
    bool redirect_all;      /* the application said TRY_ALL for this list */
    bool redirect_deferred; /* on_redirecting returned DEFER: waiting for redirect_resume */
    bool redirect_resuming; /* redirect_resume was called: its work is queued */
} sess_uac;

/* UAS: our reliable provisional responses (RFC 3262), allocated with the first one (prack.c),
 * so that a session that sends none does not carry it; freed with the session. */
typedef struct sess_prack {
    pl_list rel_queue; /* sess_rel waiting for the one before them */
    sess_rel *rel_out; /* sent, waiting for its PRACK */
    pl_timer rel_timer;
    uint64_t rel_deadline;
    unsigned rel_interval;
    uint32_t rseq_next;
    sess_op *accept_waiting; /* participate: the 200 waits for the PRACKs */
} sess_prack;

/* What a session hands the application for in-dialog REFERs and re-INVITEs (and the
 * subscriptions of the REFERs it sent), freed with it: allocated for the first of them, so that
 * a session that has none does not carry three list heads. */
typedef struct sess_lists {
    pl_list refers;           /* REFERs received (parley_refer_request) */
    pl_list refer_subs;       /* subscriptions of REFERs we sent (sess_refer_sub) */
    pl_list rins;             /* every parley_reinvite given to the application */
    parley_session *replaced; /* the session this one's INVITE replaces (RFC 3891), a
                                 reference, until our 200 goes (it is then terminated) or this
                                 one ends (replaces.c): here, not in every session */
} sess_lists;
/* The session's lists, allocated (empty) when absent; NULL when out of memory. */
sess_lists *sess_lists_get(parley_session *s);

/* Per endpoint: the dialogs, the sessions and the tasks of public calls. */
/* A message resent on a peer's retransmissions or a timer (the ACK of a 2xx, our 2xx until its
 * ACK), where it goes: allocated only while a session needs it. */
/* A message kept to be sent again, in one allocation with its bytes. */
typedef struct sess_resend {
    tp_dest dest; /* where (unset for a kept head, which is only copied) */
    size_t len;
    char data[];
} sess_resend;
/* Keeps data[0..len) (and dest, when not NULL) in the slot, replacing what it held; returns it,
 * or NULL when out of memory (the slot is then empty). */
sess_resend *sess_resend_set(sess_resend **slot, const tp_dest *dest, const char *data, size_t len);
void sess_resend_free(sess_resend **slot);
/* A timer only some sessions start (a glare wait), allocated by its first start: NULL when out
 * of memory. sess_timer_slot_free stops and frees it. */
pl_timer *sess_timer_slot(pl_timer **slot);
void sess_timer_slot_free(parley_session *s, pl_timer **slot);

typedef struct sess_registry sess_registry;
/* The first registered session with this Call-ID for which match(s, key) holds, or NULL. */
parley_session *sess_find_by_call_id(sess_registry *reg, pl_str call_id,
                                     bool (*match)(const parley_session *s, const void *key),
                                     const void *key);

/* The callbacks or the offer/answer contract a session was given: one copy shared by the
 * sessions given the same ones in a row (a server gives every session the same), instead of
 * 192 bytes in each (shared_ops.c). */
typedef struct sess_shared_ops sess_shared_ops;

typedef struct sess_registry {
    parley_endpoint *ep;
    pl_hash dialogs;
    pl_hash by_call_id; /* the sessions of sessions, by Call-ID: O(1) for merged requests and
                           stray 2xx, however many sessions are alive */
    pl_list sessions;   /* not yet Disconnected */
    pl_list ended;      /* Disconnected, on_released still to come */
    parley_session_cb on_session;
    void *on_session_user;
    pl_list tasks;
    pl_timer task_timer;
    sess_shared_ops *last_cbs, *last_oa; /* the last copies made (a reference each) */
    uint64_t digest_seed[2];             /* sess_digest's, random */
} sess_registry;

/*
 * A session. Fields are grouped by size within each part (pointers, then 32-bit numbers, then
 * flags) so that a held session carries no padding; its strings are in the pool at its end,
 * sized when it is allocated.
 */
struct parley_session {
    atomic_uint refs;
    _Atomic(parley_state) state; /* written on the loop thread, read anywhere */
    pl_list link;       /* in the registry's sessions while not Disconnected, then in ended */
    pl_hnode call_node; /* in the registry's by_call_id while registered */
    sess_task release_task;
    parley_endpoint *ep;
    sess_registry *reg;
    pl_list graveyard; /* replaced strings, freed with the session */
    char *call_id;
    char *local_tag;
    char *remote_tag;
    parley_participant local, remote;
    char *target_uri;
    char *target_epid;
    char *request_uri;
    char *uri_headers; /* the target URI's headers, escaped ("a=b&c=d"): for the INVITE */
    char **routes;     /* the INVITE's pre-loaded route set (target.c); NULL: the endpoint's */
    const parley_session_cbs *cbs; /* never NULL: a shared copy (cbs_shared), or all NULL */
    void *cbs_user;
    const parley_oa_ops *oa; /* never NULL: a shared copy (oa_shared), static, or all NULL */
    void *oa_user;
    void *app_user;
    tp_addr rx_addr;   /* where the peer last spoke from (has_rx)... */
    tp_proto rx_proto; /* ...and over what */
    pl_list ops;
    sess_lists *lists; /* REFERs and re-INVITEs handed over, from the first (sess_lists_get) */
    struct parley_sdp_neg *neg; /* parley_session_use_sdp's own negotiator */
    sip_kv *req_hdrs;   /* parley_session_set_request_headers' (nreq_hdrs of them), or NULL */
    uint16_t pool_size; /* of pool[] */
    uint16_t pool_used;
    uint16_t nreq_hdrs;
    bool registered;    /* in sessions (and by_call_id) */
    bool reg_ref;       /* the registry holds a reference, until on_released */
    bool released;      /* on_released has run */
    bool ending;        /* terminate was called */
    bool answer_queued; /* incoming: reject or redirect was called; its work is queued */
    bool reinv_queued;  /* renegotiate was called; its task has not run yet */
    bool incoming;
    bool forked;
    bool to_tag_known; /* incoming: our tag went out */
    bool has_oa;
    bool cbs_shared; /* cbs is in a sess_shared_ops (shared_ops.c) */
    bool oa_shared;  /* oa is */
    bool has_rx;

    /* settings (RFC 4028, RFC 3262), resolved from the endpoint's and the session's */
    bool peer_100rel;     /* the peer supports 100rel */
    bool peer_timer;      /* the peer supports the session timer (Supported: timer) */
    bool peer_update;     /* the peer's Allow lists UPDATE */
    unsigned se_want;     /* Session-Expires to ask for, 0: none */
    unsigned min_se;      /* the smallest interval we accept */
    parley_100rel rel100; /* UNSUPPORTED, SUPPORTED or REQUIRED */
    /* the session timer in force (timer.c) */
    unsigned st_interval;     /* 0: none */
    unsigned st_min_se;       /* the negotiated Min-SE */
    unsigned st_last;         /* the interval asked for in our last request */
    unsigned refresh_retries; /* seconds waited for an exchange under way to end */
    bool st_refresher;        /* this side refreshes */
    bool st_retried;          /* this request's 422 was answered by a retry */
    bool refresh_due;         /* our refresh is out: its answer re-arms the timer */
    bool our_offer_pending;   /* we sent an offer and wait for its answer */
    parley_reason end_reason; /* (with the ending, below: here it fills a hole) */
    pl_timer *st_timer;       /* allocated when it is first armed (sess_timer_slot) */
    /* the descriptions in force, for refreshes that repeat them (content.c) */
    sess_body local_desc;
    sess_digest remote_desc;
    sess_prack *prack;       /* our reliable provisional responses, from the first one (prack.c) */
    bool early_offered;      /* our offer went in a reliable 1xx, its answer in the PRACK */
    bool early_reliable;     /* UAS: our answer went in a reliable 1xx */
    bool early_offered_done; /* UAS: our offer in a reliable 1xx got its answer (PRACK) */
    /* our UPDATE (update.c) */
    bool upd_retried;
    uint32_t reinv_cseq; /* our re-INVITE's (below: here it fills a hole) */
    sess_op *upd;
    pl_timer *upd_glare; /* allocated by a 491's wait (sess_timer_slot) */
    sip_msg *end_msg;    /* the BYE or CANCEL that ended the session (for its Reason) */

    dlg *dlg; /* the dialog (confirmed; for an incoming session, from the start) */

    /* outgoing INVITE (the rest of its state is in uac, allocated when it starts) */
    sess_uac *uac;
    sess_op *participate;
    ep_sender *inv;
    char *answer_tag;  /* the To tag of the 1xx that brought the answer (early media) */
    sess_resend *ack;  /* the ACK for the 2xx, resent on retransmissions */
    uint32_t inv_cseq; /* the INVITE's CSeq, ours or (incoming) the caller's */
    bool answer_seen;
    bool acked;

    /* incoming INVITE */
    bool early_answered;
    txn_server *inv_txn;
    sip_msg *inv_req;
    sess_body early_answer; /* our answer in a 1xx (early_answered), for the 200 to repeat */

    /* our 2xx to an INVITE or re-INVITE, retransmitted until the ACK (RFC 3261 §13.3.1.4) */
    sess_resend *ok;            /* our 2xx, resent until its ACK (then freed) */
    sess_resend *head;          /* the head of our last 1xx/2xx to the INVITE (msg only)... */
    const txn_server *head_txn; /* ...of this transaction: the next response reuses it */
    pl_timer ok_timer;          /* UAS: the INVITE's Expires while Incoming, then our 2xx's
                                   retransmissions, until its ACK; UAC: how long our ACK
                                   is kept. Inside the session: every call starts it once (allocated
                                   apart, it cost a malloc and a free per call) */
    uint64_t ok_deadline;
    sess_op *ok_op; /* completes on the ACK */
    unsigned ok_interval;
    uint32_t ok_cseq;

    /* the peer's re-INVITE */
    struct parley_reinvite *rin; /* unanswered */
    sip_msg *ok_req;             /* the re-INVITE our pending 2xx answers */

    /* our re-INVITE */
    sess_op *reinv;
    ep_sender *reinv_snd;  /* the pending one's */
    ep_sender *reack_snd;  /* the last one answered 2xx: its retransmissions are ACKed again */
    sess_resend *reack;    /* its ACK, resent for 2xx retransmissions */
    pl_timer *glare_timer; /* allocated by a 491's wait (sess_timer_slot) */

    /* ending */
    sess_op *terminate;

    /* the flags of the three parts above, together (no padding) */
    bool ok_pending;
    bool ok_offered; /* the 2xx held our offer: the ACK brings the answer */
    bool ok_refresh; /* the peer's re-INVITE was a session refresh: no on_reinvite */
    bool reinv_retried;
    bool glare_waiting;     /* our re-INVITE got 491 and waits to go again */
    bool glare_due;         /* its wait ran out: it goes once no INVITE is in progress */
    bool reinv_cancel;      /* parley_session_renegotiate_cancel: CANCEL ours (or abort it) */
    bool reinv_cancel_sent; /* that CANCEL went (once per re-INVITE transaction) */
    bool bye_sent;
    bool bye_pending;   /* our BYE awaits its answer: the dialog still takes a crossing BYE */
    bool remote_ending; /* the peer's BYE or CANCEL is being handled */

    /* The session's strings (Call-ID, tags, URIs, participants) are copied here while there is
     * room (pool_size, chosen when it is allocated), instead of one allocation each; they live
     * as long as the session. */
    char pool[];
};

/* session.c */
sess_registry *sess_registry_get(parley_endpoint *ep);
/* Queues on_released once the session is Disconnected and every operation completed. */
void sess_maybe_release(parley_session *s);
/* The registry takes the session (and a reference until on_released). */
void sess_register(parley_session *s);
/* A copy of v in the session's pool (or the heap when it is full); NULL when out of memory. */
char *sess_strdup(parley_session *s, pl_str v);
/* p (a copy of v) when it is in the pool, else a new copy of v. */
char *sess_strshare(parley_session *s, char *p, pl_str v);
/* Frees what sess_strdup (or pl_str_dup) returned; nothing for a string of the pool. */
void sess_strfree(parley_session *s, char *p);
/* Puts a session in the registry's sessions (and its Call-ID index), or takes it out. */
void sess_link_registered(parley_session *s);
void sess_unlink_registered(parley_session *s);
/* A new session with one reference and its lists, buffers and timers initialised, with room
 * for pool bytes of strings (sess_strdup: past them, strings go to the heap). */
parley_session *sess_alloc(parley_endpoint *ep, size_t pool);
/* shared_ops.c: s->cbs and s->oa, as a copy shared with other sessions (NULL: none) */
void sess_shared_ops_init(parley_session *s);
int sess_set_cbs(parley_session *s, const parley_session_cbs *cbs);
int sess_set_oa(parley_session *s, const parley_oa_ops *oa);
void sess_shared_ops_unref(sess_shared_ops *o);
void sess_shared_ops_free(parley_session *s);
void sess_set_state(parley_session *s, parley_state st, parley_reason why, const sip_msg *trigger);
/* Keeps the endpoint's count of half-open incoming sessions (its max_half_open) across a state
 * change (sess_set_state does; a session created in a state counts from prev = Idle). */
void sess_count_half_open(parley_session *s, parley_state prev, parley_state st);
/* Disconnects: fails pending operations, stops timers, leaves the registry. */
void sess_end(parley_session *s, parley_reason why, const sip_msg *trigger);
/* An operation to complete with a result of its own when the session ends: the session's slot
 * that holds it (s->participate, s->terminate; NULL there once it completed). */
typedef struct sess_final {
    sess_op **slot;
    int err;
    const sip_msg *m;
} sess_final;
/* sess_end, completing fin[] (after the state change) before failing the rest. */
void sess_end_with(parley_session *s, parley_reason why, const sip_msg *trigger,
                   const sess_final *fin, size_t nfin);
void sess_attach_dialog(parley_session *s, dlg *d);
void sess_keep_string(parley_session *s, char *old);
void sess_set_remote_from(parley_session *s, const sip_naddr *na, const sip_msg *m, bool notify);
/* A target refresh in the dialog (a 2xx to our re-INVITE, UPDATE or REFER, or their re-INVITE
 * or UPDATE accepted): the remote participant's contact and GRUU follow m's Contact, and a
 * GRUU that changed is reported (PARLEY_PCHG_GRUU). */
void sess_note_remote_target(parley_session *s, const sip_msg *m);
void sess_note_rx(parley_session *s, const tp_rx *rx);
/* target.c: the next hop of a request in dialog d (dlg_next_hop, with the transport the peer
 * speaks over when its target names none and is where it speaks from) */
void sess_next_hop(const parley_session *s, const dlg *d, char *out, size_t size);
void sess_set_local_contact(parley_session *s, const char *contact);
void sess_set_remote_tag(parley_session *s, pl_str tag);
void sess_set_local_tag(parley_session *s, const char *tag);
parley_session *sess_from_dialog(dlg *d);
int sess_header_check(const parley_header *h, size_t n);

/* task.c: the work of public calls, run from the loop after the calls returned */
/* Queues t (run then free, in order with every other task of the endpoint). */
void sess_task_queue(parley_session *s, sess_task *t, void (*run)(sess_task *),
                     void (*free_fn)(sess_task *));
/* The same into a list its owner runs itself (sess_tasks_run_held): an answer given inside the
 * callback that handed over its object runs as soon as that callback returned. */
void sess_task_hold(parley_session *s, pl_list *held, sess_task *t, void (*run)(sess_task *),
                    void (*free_fn)(sess_task *));
void sess_tasks_run_held(pl_list *held);
/* Takes t out of the queue without running it (its free is not called). */
void sess_task_cancel(sess_task *t);
/* Runs every queued task now (endpoint shutdown), bounded. */
void sess_tasks_drain(sess_registry *reg);

/* The work of a public call without a completion of its own (answers, responses). */
typedef struct sess_work {
    sess_task task;
    void (*fn)(struct sess_work *w);
    void *obj; /* the handle it is about (reinvite, refer request, ack, pending answer) */
    int code;
    unsigned flags;
    char *reason;
    sip_kv *hdrs;
    size_t nh;
    sess_body body;
    char *extra; /* header lines printed already (a redirection's Contacts) */
} sess_work;
/* A work item for s with a copy of the headers; NULL when out of memory. */
sess_work *sess_work_new(parley_session *s, void (*fn)(sess_work *w), const parley_header *h,
                         size_t nh);
/* Queues w (held: into that list instead, see sess_task_hold). */
void sess_work_queue(parley_session *s, sess_work *w, pl_list *held);
void sess_work_free(sess_work *w); /* one that was not queued */

/* op.c */
sess_op *sess_op_new(parley_session *s, sess_op_kind kind, parley_session_done_cb cb, void *user);
/* Starts op from the loop once the public call returned (held: see sess_task_hold). */
void sess_op_queue(sess_op *op, void (*start)(sess_op *op));
void sess_op_hold(sess_op *op, pl_list *held, void (*start)(sess_op *op));
void sess_op_complete(sess_op *op, int err, const sip_msg *m);
/* A challenged request of op goes again with dialog d's next CSeq (RFC 3261 §12.2.1.1, §22.2):
 * that number, kept in op->cseq; 0 without a dialog (the request is not sent again). */
static inline uint32_t sess_op_next_cseq(sess_op *op, dlg *d)
{
    if (!d)
        return 0;
    op->cseq = ++d->local_cseq;
    return op->cseq;
}
void sess_op_fail_all(parley_session *s, int err);
/* Runs fn(arg) on the loop thread and waits until it ran; returns what fn stored in *rc. */
typedef struct sess_call {
    parley_session *s;
    void (*fn)(struct sess_call *c);
    int rc;
    void *args;
} sess_call;
int sess_run(parley_session *s, sess_call *c);
/* The same for work of the endpoint's with no session yet (c->s stays NULL). */
int sess_run_ep(parley_endpoint *ep, sess_call *c);
/* Blocking helper for the _sync forms. */
int sess_sync(parley_session *s,
              int (*start)(parley_session *, void *args, parley_session_done_cb, void *),
              void *args, parley_result **out);

/* content.c: offer/answer helpers */
void sess_body_free(sess_body *b);
/* Calls get_offer / get_answer and copies the result; *had says whether a body came back.
 * Returns 0, or non-zero when the application refused. */
int sess_get_offer(parley_session *s, sess_body *out);
/* How an offer the application refused is answered: 415 Unsupported Media Type with the
 * contract's Accept when get_answer returned PARLEY_E_MEDIA_TYPE (RFC 3261 §21.4.13), else
 * 488 Not Acceptable Here (§13.3.1.1). */
typedef struct sess_refusal {
    int code;   /* 488 or 415 */
    size_t len; /* of line: "Accept: <types>\r\n" for a 415, nothing for a 488 */
    char line[264];
} sess_refusal;
/* A plain 488 refusal, what a refusal is until get_answer says otherwise (set field by field:
 * an initializer would clear the line's bytes on every answer). */
static inline void sess_refusal_init(sess_refusal *r)
{
    r->code = 488;
    r->len = 0;
}
/* The refusal's extra header lines, for the response functions that take them. */
static inline pl_str sess_refusal_extra(const sess_refusal *r)
{
    return pl_str_make(r->line, r->len);
}
/* why (may be NULL) says how to answer a refusal: set whenever the result is non-zero. */
int sess_get_answer(parley_session *s, const sip_msg *offer_msg, sess_body *out, sess_refusal *why);
/* The same without a copy of its own: *out is the session's local_desc (not to be freed, valid
 * until the next description in force), or empty when the application answered with none. */
int sess_get_answer_kept(parley_session *s, const sip_msg *offer_msg, sess_body *out,
                         sess_refusal *why);
void sess_set_answer(parley_session *s, const sip_msg *m);
bool sess_msg_has_body(const sip_msg *m);
/* A 2xx m to our re-INVITE or UPDATE op that carried an offer and brings no answer (RFC 3261
 * §13.2.1, RFC 3311 §5.2): the description in force stays and the renegotiation fails. A
 * refresh repeats the description and needs none. */
bool sess_offer_unanswered(const sess_op *op, const sip_msg *m);
/* Content types of bodies: "application/sdp" is one shared string, others are copies; free
 * them with sess_ctype_free, never pl_free. */
char *sess_ctype_dup(const char *ctype);
void sess_ctype_free(char *ctype);
void sess_content_of(const sip_msg *m, parley_content *c, char *ctype_buf, size_t size);
/* The methods a session takes (its Allow). */
#define SESS_ALLOW EP_ALLOW_OUTSIDE ", MESSAGE" EP_ALLOW_DIALOG_ONLY
/* Allow and Supported (the stack's, merged with the application's h), then h's other
 * headers: for the messages that carry the stack's capabilities. */
void sess_print_common(parley_session *s, pl_buf *b, const sip_kv *h, size_t nh);
/* Whether one of the application's headers h named `name` lists `tag` (a Require the stack
 * would add is left out when the application's names that option already). */
bool sess_headers_list(const sip_kv *h, size_t nh, const char *name, const char *tag);
/* The application's headers h for the other messages of a session (ACK, BYE, MESSAGE...,
 * responses but 2xx to INVITE): as they are, but an Allow or Supported among them is merged
 * with the stack's (sess_print_common), so that it never says the session takes less. */
void sess_print_headers(parley_session *s, pl_buf *b, const sip_kv *h, size_t nh);
/* A request's headers h, then the session's headers for every request
 * (parley_session_set_request_headers) that h does not name (long or compact form): what each
 * request builder prints and hands to the stack's own header printers (User-Agent, Supported,
 * Session-Expires...), so that none goes twice. In room (nroom entries) or, when more, in
 * *owned (to pl_free; NULL otherwise); the count in *n. For a CANCEL (cancel) the session's
 * Require and Proxy-Require are left out (RFC 3261 §9.1). h alone when out of memory. */
const sip_kv *sess_with_request_headers(const parley_session *s, const sip_kv *h, size_t nh,
                                        bool cancel, sip_kv *room, size_t nroom, sip_kv **owned,
                                        size_t *n);
/* A re-INVITE or UPDATE (method) of op on dialog d with CSeq cseq, for attempt a: a target
 * refresh (Contact), the stack's Allow and Supported with op's headers, the session timer's
 * headers, op's body (reinvite.c). 0 or a PARLEY_E_ code. */
int sess_build_offer_request(parley_session *s, dlg *d, const char *method, uint32_t cseq,
                             const sess_op *op, const ep_attempt *a, sip_out *out);
/* Records the peer's description (NULL data: none) as d. */
void sess_digest_set(const parley_session *s, sess_digest *d, const void *data, size_t len);
/* Whether m's body is description d (a refresh repeats it). */
bool sess_same_desc(const parley_session *s, const sess_digest *d, const sip_msg *m);

/* uac.c */
parley_reason sess_reason_for_status(int status);
parley_reason sess_reason_for_error(int err);
/* Starts the INVITE towards the current Request-URI (again, after a redirection). */
int sess_uac_send_invite(parley_session *s);
/* The INVITE failed (err, why, the response m or NULL): the session ends. */
void sess_uac_fail_invite(parley_session *s, int err, parley_reason why, sip_msg *m);
/* The INVITE's header lines: the capabilities merged with participate's headers, then extra
 * (headers on_redirecting or a resumed redirection added for the next INVITEs; may be NULL). */
int sess_uac_print_headers(parley_session *s, const parley_header *extra, size_t nextra);

/* redirect.c: our INVITE's 3xx */
/* Takes m's Contacts as the targets, highest q first. */
void sess_redirect_collect(parley_session *s, const sip_msg *m);
/* Tries the next target (response m, or transport error err, led here), asking on_redirecting,
 * or applying `given` (>= 0: a resumed action) to the first; false when none is left or
 * wanted (the caller fails the INVITE). */
bool sess_redirect_follow(parley_session *s, const sip_msg *m, int err, int given);
int sess_uac_start(parley_session *s, sess_op *op, const sip_kv *h, size_t nh);
void sess_uac_terminate(parley_session *s);
void sess_uac_stray(parley_session *s, sip_msg *m);
/* The session ends: a deferred redirection is dropped (nothing more can resume it). */
void sess_uac_end(parley_session *s);
/* Frees s->uac (the session is freed). */
void sess_uac_free(parley_session *s);
/* A 2xx to an INVITE of a session that has ended: ACK and BYE it without a session. */
void sess_orphan_2xx(parley_endpoint *ep, const sip_msg *m, const tp_dest *inv);
void sess_send_ack(parley_session *s, const sip_kv *h, size_t nh, const sess_body *body);
/* The 2xx got no ACK yet (the application delayed it, or the answer it must carry is not
 * ready): sends it now, before a BYE (RFC 3261 §13.2.2.4: every 2xx is ACKed). */
void sess_uac_ack_pending(parley_session *s);
/* Builds and sends an ACK (with the custom headers h[0..nh)) for the 2xx to the INVITE with
 * this CSeq; keeps it in out. */
int sess_ack_for(parley_session *s, uint32_t cseq, const sip_kv *h, size_t nh,
                 const sess_body *body, pl_buf *out, tp_dest *dest);

/* target.c: the INVITE's route set and Request-URI (options, epid targets) */
int sess_target_setup(parley_session *s, const parley_session_opts *o);
void sess_target_free(parley_session *s);

/* fork.c: forking made visible; per-fork early offer/answer */
/* UAC, an INVITE without offer: the offer a fork made in a reliable 1xx and the answer its
 * PRACK carried (RFC 3262 §5). Each fork negotiates on its own; the 2xx says whose counts. */
typedef struct sess_fork_oa {
    pl_list link;
    char *tag;
    sess_digest offer;
    sess_body answer;
} sess_fork_oa;
/* Whether the fork with this To tag made an offer we answered. */
bool sess_fork_oa_done(const parley_session *s, pl_str tag);
/* Records the exchange get_answer just made with that fork (from s->remote_desc and
 * s->local_desc). */
int sess_fork_oa_add(parley_session *s, pl_str tag);
/* The 2xx came from the fork with this tag: its exchange, if it had one, becomes the
 * description in force (true); the records go. */
bool sess_fork_oa_take(parley_session *s, pl_str tag);
void sess_fork_oa_clear(parley_session *s);
/* A provisional opened early dialog d (its first response with this To tag). */
void sess_fork_early(parley_session *s, const sip_msg *m, bool with_answer);
/* Another fork's 2xx after the session was established: ACKed and BYEd, reported once. */
void sess_fork_ignored(parley_session *s, const sip_msg *m);

/* indialog.c: after a final response m (NULL: a failure err) to a request in the session's
 * dialog, RFC 3261 §12.2.1.2: a 481 ends the session (SessionDoesNotExist); a 408, no answer
 * or a transport error (an ICMP port unreachable, a refused or broken connection: §8.1.3.1,
 * the peer is gone as surely) sends a BYE and ends it (Timeout, Unreachable). True when it
 * ended; false for any other outcome, or a session already Disconnected. */
bool sess_dialog_gone(parley_session *s, const sip_msg *m, int err);

/* uas.c */
void sess_on_invite(parley_endpoint *ep, txn_server *t, sip_msg *m, const tp_rx *rx);
int sess_uas_accept(parley_session *s, sess_op *op, const sip_kv *h, size_t nh);
/* PARLEY_E_ABORTED when the early offer or answer was refused: *why says how to answer. */
int sess_uas_provisional(parley_session *s, int code, const char *reason, const sip_kv *h,
                         size_t nh, unsigned flags, sess_refusal *why);
bool sess_uas_reliable(const parley_session *s, unsigned flags);
int sess_uas_final(parley_session *s, int code, const char *reason, const sip_kv *h, size_t nh,
                   pl_str extra_raw);
/* Sends (and then retransmits) a 2xx until the ACK; op completes on the ACK. */
void sess_send_2xx(parley_session *s, txn_server *t, pl_buf *resp, bool offered, sess_op *op);
void sess_on_ack(parley_session *s, sip_msg *ack);
void sess_stop_2xx(parley_session *s);

/* replaces.c: an INVITE that replaces a dialog (RFC 3891 §3) */
/* The session m's Replaces header names: 0 with *old (NULL when m has none), or the status to
 * answer m with: 400 (more than one, malformed, or with a Join), 481 (no such dialog, or an
 * early dialog we did not initiate), 486 (early-only on a confirmed dialog), 603 (the dialog
 * terminated). */
int sess_replaces_match(sess_registry *reg, const sip_msg *m, parley_session **old);
/* The new session s replaces old (NULL: nothing): it keeps a reference on it. PARLEY_E_NOMEM
 * when it cannot (s->lists could not be allocated). */
int sess_replaces_keep(parley_session *s, parley_session *old);
/* Whether the session s replaces has ended since s's INVITE came: its 200 must not go (603). */
bool sess_replaces_lost(const parley_session *s);
/* s's 200 went: the session it replaces is terminated (BYE, or CANCEL of our INVITE still
 * ringing), as parley_session_terminate does. */
void sess_replaces_accepted(parley_session *s);
/* s ends (or is freed) unanswered or refused: the session it would replace stays. */
void sess_replaces_drop(parley_session *s);

/* indialog.c */
/* A public in-dialog request call (a message, a REFER): checked where it is called, prepared
 * (prepare fills the operation: method, body, headers), then started from the loop. */
typedef struct sess_req_args {
    parley_msg_type type;
    const parley_content *body;
    const parley_header *h;
    size_t nh;
    parley_session_done_cb cb;
    void *user;
    const parley_address *target;
    sess_op_kind kind;
    int (*prepare)(sess_op *op, const struct sess_req_args *a);
    void (*start)(sess_op *op); /* NULL: sess_request_start */
} sess_req_args;
int sess_request_call(parley_session *s, sess_req_args *a, parley_session_done_cb cb, void *user,
                      bool sync, parley_result **out);
void sess_request_start(sess_op *op);
/* A response in the dialog (our tag, Server) with extra header lines and no body. */
void sess_answer(parley_session *s, txn_server *t, int code, const char *reason, pl_str extra);
/* The same with the application's headers h after extra (their Server replacing ours). */
void sess_answer_with(parley_session *s, txn_server *t, int code, const char *reason, pl_str extra,
                      const sip_kv *h, size_t nh);
/* refer.c */
void sess_on_refer(parley_session *s, txn_server *t, sip_msg *m);
bool sess_on_dialog_request(parley_endpoint *ep, txn_server *t, sip_msg *m, const tp_rx *rx);
/* Sends an in-dialog request for op (method and body in op); completes op on the final
 * response. */
int sess_send_in_dialog(parley_session *s, sess_op *op);
void sess_send_bye(parley_session *s, const sip_kv *h, size_t nh, sess_op *op);
void sess_refer_request_free(struct parley_refer_request *in);
/* A NOTIFY for a REFER we sent (true when it was one). */
bool sess_refer_on_notify(parley_session *s, txn_server *t, sip_msg *m);
/* Ends every subscription of REFERs we sent (the session ends). */
void sess_refer_subs_end(parley_session *s);
/* Our REFER went again with a new CSeq (after a challenge). */
void sess_refer_sub_renumber(parley_session *s, uint32_t old_id, uint32_t new_id);
/* Our REFER got its final response. */
void sess_refer_sub_answered(parley_session *s, sess_op *op, const sip_msg *m);

/* ext.c: extension headers */
bool sess_has_option(const sip_msg *m, sip_hdr_id id, const char *tag);
bool sess_msg_allows(const sip_msg *m, const char *method);
bool sess_msg_has_allow(const sip_msg *m);
/* Whether m's Accept (none: yes) admits application/sdp: application/sdp, "application/" "*" or
 * star/star, without q=0 (RFC 3261 §20.1; an empty Accept admits nothing). */
bool sess_accepts_sdp(const sip_msg *m);
bool sess_session_expires(const sip_msg *m, unsigned *delta, sess_refresher *who);
/* The same for a Session-Expires value (delta-seconds above 0, then ;refresher=uac|uas). */
bool sess_session_expires_value(pl_str value, unsigned *delta, sess_refresher *who);
unsigned sess_min_se(const sip_msg *m);
bool sess_rseq(const sip_msg *m, uint32_t *rseq);
bool sess_rack(const sip_msg *m, uint32_t *rseq, uint32_t *cseq, pl_str *method);
/* Notes what a message from the peer says about it (Allow: UPDATE, Supported). */
void sess_note_peer(parley_session *s, const sip_msg *m);

/* timer.c: the session timer (RFC 4028) */
void sess_timer_init(parley_session *s); /* settings from the endpoint */
/* Session-Expires/Min-SE for a request of ours (initial INVITE, or a re-INVITE/UPDATE). The
 * application's own Session-Expires (or x) or Min-SE among h goes instead of the stack's (the
 * caller prints h): one header field each; a Session-Expires of the application's that parses
 * is the interval asked for, and a 422 to it is not retried (its line would go again). */
void sess_timer_print_request(parley_session *s, pl_buf *b, bool initial, const sip_kv *h,
                              size_t nh);
/* The 2xx to a request of ours that could set the timer (INVITE, re-INVITE, UPDATE). */
void sess_timer_on_response(parley_session *s, const sip_msg *m, bool initial);
/* A 422 to our request: the interval to ask for next, 0 when no retry is due. */
unsigned sess_timer_on_422(parley_session *s, const sip_msg *m);
/* A request of the peer's (INVITE, re-INVITE, UPDATE): 0, or 422 when its interval is too
 * small (print the Min-SE with sess_timer_print_min_se). */
int sess_timer_check_request(parley_session *s, const sip_msg *m);
void sess_timer_print_min_se(parley_session *s, pl_buf *b);
/* Our 2xx to that request: Session-Expires with its refresher (and Require: timer when the peer
 * refreshes) as decided for it; the timer starts (again) with sess_timer_start_uas once the
 * 2xx is sent. h are the application's headers of that 2xx: a Session-Expires among them sets
 * the interval and refresher within RFC 4028 §9 (see decide), and the caller prints h without
 * it (sess_timer_2xx_headers). */
void sess_timer_print_response(parley_session *s, const sip_msg *req, pl_buf *b, const sip_kv *h,
                               size_t nh);
void sess_timer_start_uas(parley_session *s, const sip_msg *req, const sip_kv *h, size_t nh);
/* The application's headers h for a 2xx without its Session-Expires (x), which the stack
 * prints itself: h when there is none, else a copy in *owned (pl_free it), *nh updated. */
const sip_kv *sess_timer_2xx_headers(const sip_kv *h, size_t *nh, sip_kv **owned);
void sess_timer_stop(parley_session *s);
/* A refresh of ours ended (ok: answered 2xx). */
void sess_timer_refresh_done(parley_session *s, bool ok);

/* prack.c: reliable provisional responses (RFC 3262) */
/* UAS: sends (or queues) a reliable 1xx; resp is the response without RSeq/Require lines
 * (h: the application's headers printed in it, whose Require may name 100rel already). */
int sess_rel_send(parley_session *s, int code, pl_buf *head, const sess_body *body, bool offered,
                  bool answered, const sip_kv *h, size_t nh);
/* UAS: whether the 200 must wait for PRACKs. */
bool sess_rel_busy(const parley_session *s);
void sess_rel_stop(parley_session *s);
/* UAS: a PRACK arrived. */
void sess_on_prack(parley_session *s, txn_server *t, sip_msg *m);
/* UAC: a reliable 1xx on early dialog d: true when it is the next one (its RSeq is taken);
 * false for a retransmission or one out of order (ignore it). */
bool sess_uac_reliable(dlg *d, const sip_msg *m);
/* UAC: PRACKs the reliable 1xx just taken on d (answer: to an offer in it, or NULL). */
void sess_uac_prack(parley_session *s, dlg *d, const sess_body *answer);
/* UAC: early dialog d goes away: its PRACKs in flight are dropped. */
void sess_uac_drop_pracks(parley_session *s, dlg *d);

/* update.c: UPDATE (RFC 3311) */
int sess_update_start(parley_session *s, sess_op *op);
void sess_on_update(parley_session *s, dlg *d, txn_server *t, sip_msg *m);
void sess_update_abort(parley_session *s);

/* reinvite.c */
int sess_reinvite_start(parley_session *s, sess_op *op);
void sess_on_reinvite(parley_session *s, txn_server *t, sip_msg *m);
void sess_reinvite_abort(parley_session *s);
/* Stops listening to our last re-INVITE's transaction. */
void sess_reinvite_release(parley_session *s);
void sess_reinvite_free_all(parley_session *s);
/* Sends our re-INVITE that waited for the end of an INVITE transaction, if any. */
void sess_reinvite_resume(parley_session *s);

#endif
