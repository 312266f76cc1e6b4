/*
 * Sessions in the CLI: per-call state (an SDP negotiator from parley/sdp.h), the session
 * callbacks that print one JSON line per event, and the offer/answer glue with the custom
 * headers the user asked for.
 */
#ifndef PARLEY_CLI_SESSION_H
#define PARLEY_CLI_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "cli_common.h"
#include "core/buf.h"
#include "parley/parley.h"
#include "trace_out.h"

typedef struct cli_app cli_app;

typedef struct cli_call {
    int refs;              /* app->calls' own, plus one per thread using it (under app->mu) */
    int refer_status;      /* parley call --refer: the last progress status */
    char refer_reason[64]; /* and its reason phrase (for the step's failure line) */
    cli_app *app;
    parley_session *s;
    parley_sdp_neg *neg; /* NULL: no offer/answer at all (no bodies); used on the loop thread */
    char *sdp;           /* parley call --sdp FILE: this offer instead of the negotiator's */
    size_t sdp_len;
    parley_refer_request *refer_from; /* a transfer made for this REFER: NOTIFY its progress */
    struct cli_call *next;
    struct cli_call *prev; /* app->calls is doubly linked: a release unlinks in O(1) */
    /* hold and resume (under app->mu; the negotiator itself is used on the loop thread only,
     * in get_offer and get_answer, as parley/sdp.h wants): the direction asked for, taken by
     * our next offer; the one our offers and answers carry (UNSET: the configured one); the
     * one before it, restored when the hold or resume whose offer carries it fails */
    parley_sdp_dir dir_asked; /* UNSET: none asked */
    parley_sdp_dir dir_want;
    parley_sdp_dir dir_undo;
    parley_sdp_dir dir_applied; /* what the negotiator has (loop thread only) */
    bool dir_in_offer;          /* dir_want came from a hold or resume not yet over */
    atomic_bool dir_dirty;      /* dir_asked or dir_want changed: get_offer and get_answer of a
                                   call never held take no lock (set and cleared under mu) */
    bool null_offer_once;       /* the next offer is a null offer (parley call --no-offer) */
    bool ended;
    bool connected;
    bool hangup_local; /* terminate was called (for the "by" of the terminated line) */
    bool refer_final;  /* its subscription ended */
    bool listed;       /* in app->calls */
    char call_id[];    /* the session's, in the call's own allocation (one per held call) */
} cli_call;

enum { ANSWER_AUTO, ANSWER_RING, ANSWER_REJECT, ANSWER_REDIRECT, ANSWER_NULL_OFFER, ANSWER_EARLY };

struct cli_app {
    parley_endpoint *ep;
    bool quiet;
    char local_ip[64];
    /* the first bind of each family ("" when none); when there are both, or one is a wildcard,
       each call's media address is chosen for its peer (media_per_call: cli_media_addr) */
    char bind_ip4[64], bind_ip6[64];
    bool media_per_call;
    bool resolve_targets; /* cli_media_addr may resolve a target's name (parley call's thread,
                             never the loop's) */
    /* for a wildcard bind: the last peer cli_media_addr asked the kernel's source address
       towards, and that address ("" when none yet); under mu */
    struct sockaddr_storage route_peer;
    char route_src[64];
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled on every session event */
    cli_call *calls;   /* newest first */
    bool stopping;
    int helpers; /* the ringer thread while it runs (cli_app_free waits for it) */
    /* --answer ring:S and early:S: the calls waiting for their answer, in arrival order (so in
       deadline order: S is the same for each), served by one ringer thread (listen_answer.c),
       started with the first; under mu */
    struct ring_job *ring_head, *ring_tail;
    bool ringer_on;
    parley_sdp_neg *sdp_proto; /* what each call's negotiator is cloned from (under mu) */
    parley_sdp_neg *sdp_other; /* the same for other_ip, a media address not local_ip */
    char other_ip[64];
    /* parley listen */
    int answer;
    unsigned ring_secs;
    int reject_code;
    cli_list redirects;
    bool refer_accept;
    cli_headers pending; /* `header N: V` lines for the next request */
    cli_tracer tracer;   /* --trace, --pcap, --ladder (the command frees it) */
    /* parley call: headers on every request */
    const parley_header *every;
    size_t nevery;
    /* both: renegotiate by UPDATE (parley call --update) */
    bool use_update;
};

void cli_app_init(cli_app *app);
void cli_app_free(cli_app *app);
/* Prints a JSON line unless quiet (the buffer holds the object, without newline). */
void cli_emit(cli_app *app, pl_buf *line);
/* Starts the JSON line of an event of call c in b ({"event":EVENT,"call_id":..., no closing
 * brace); false under --quiet, b untouched: nothing is formatted that will not be printed.
 * cli_end_event prints the line and frees b. */
bool cli_begin_event(pl_buf *b, const char *event, const cli_call *c);
void cli_end_event(const cli_call *c, pl_buf *b);
/* Wakes whoever waits on the app's calls (cli_wait). */
void cli_notify(cli_app *app);
/* The negotiator of a new call (cli_oa.c): a clone of the app's, made once on first use, with an
 * RTP port of its own, for local_ip or (addr not NULL) that address. Returns 0 or a PARLEY_E_*
 * code. Any thread (the app's mutex guards the prototypes). */
int cli_new_neg(cli_app *app, const char *addr, parley_sdp_neg **out);
/* Notes a bind (every one, in order) for cli_media_addr; the first sets local_ip. */
void cli_note_bind(cli_app *app, const char *bind);
/* The address the SDP of the call for session s gives for its media when the binds leave a
 * choice (app->media_per_call), in out: the bind of the peer's family (where the session's
 * requests came from or, for a call we place, the target's literal IP, or with
 * app->resolve_targets what its name resolves to), a wildcard one replaced by the source address
 * the kernel picks towards the peer, as the Contact's is. False when the peer is not known by
 * address (local_ip then). */
bool cli_media_addr(cli_app *app, parley_session *s, char *out, size_t size);
/* The offer/answer contract of every call with a negotiator (cli_oa.c). */
extern const parley_oa_ops cli_oa_ops;

/* A call for session s (takes a reference); its negotiator offers audio on local_ip (or what
 * cli_media_addr chose). The call
 * leaves app->calls (and is freed) once its session is released. */
cli_call *cli_call_new(cli_app *app, parley_session *s, bool with_sdp);
/* Installs the callbacks and the offer/answer contract on the call's session. */
void cli_call_attach(cli_call *c);
/* The newest call that is not over (a reference: cli_call_unref it), or NULL. */
cli_call *cli_newest_call(cli_app *app);
cli_call *cli_call_ref(cli_call *c);
void cli_call_unref(cli_call *c);
/* A hold (d = PARLEY_SDP_SENDONLY) or resume (PARLEY_SDP_SENDRECV): renegotiates with d in the
 * call's offer (flags, h, nh, cb and user as parley_session_renegotiate takes them). cb must
 * call cli_call_dir_done with the outcome. Returns 0, PARLEY_E_AGAIN while an earlier hold or
 * resume is not over, or what parley_session_renegotiate returned (the direction is then
 * given back). Any thread. */
int cli_call_renegotiate_dir(cli_call *c, parley_sdp_dir d, unsigned flags, const parley_header *h,
                             size_t nh, parley_session_done_cb cb, void *user);
/* The hold or resume is over: ok keeps its direction; a failure (refused by the peer) leaves
 * the offers and answers as they were before it. Any thread. */
void cli_call_dir_done(cli_call *c, bool ok);
/* Terminates the call's session, noting the hangup is ours. */
int cli_call_hangup(cli_call *c, const parley_header *h, size_t nh, parley_session_done_cb cb,
                    void *user);

/* The endpoint's incoming-session callback for parley listen. */
void cli_on_session(parley_endpoint *ep, parley_session *s, const parley_incoming_info *info,
                    void *user);

/* {"event":"result","op":op,"call_id":..,"status":..,"reason":..,"error":..} */
void cli_emit_result(cli_app *app, const char *op, const char *call_id, const parley_result *r);

/* Waits until cond(c) or timeout_ms (< 0: forever); returns cond's final value. */
bool cli_wait(cli_app *app, bool (*cond)(cli_call *), cli_call *c, long timeout_ms);

/* Completion that prints a result line: user is a heap cli_result_ctx. */
typedef struct cli_result_ctx {
    cli_app *app;
    cli_call *dir_call; /* a hold or resume of this call (a reference): cli_call_dir_done */
    char op[16];
    char call_id[160];
} cli_result_ctx;
void cli_result_cb(parley_session *s, const parley_result *r, void *user);
cli_result_ctx *cli_result_ctx_new(cli_app *app, const char *op, const char *call_id);

/* The first IP address of a bind string ("udp:127.0.0.1:5060" -> "127.0.0.1"). */
void cli_bind_ip(const char *bind, char *out, size_t size);

#endif
