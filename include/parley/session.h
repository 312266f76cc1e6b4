/*
 * parley: the signaling session (the spec's SignalingSession).
 *
 * A session is one INVITE dialog between a local and a remote participant: it is created for a
 * target (outgoing) or handed over by the endpoint's on_session callback (incoming), moves
 * through the states below, carries media descriptions through the offer/answer contract, and
 * exchanges in-session messages. docs/SESSION.md describes every flow and the choices made where
 * the model is silent.
 *
 * ---- The contract ----
 *
 * Threads. Every function here is safe from any thread. An operation checks its arguments and
 * the session's state where it is called (off the loop thread it waits until the loop has taken
 * it, never for the network), so PARLEY_E_STATE, PARLEY_E_AGAIN and PARLEY_E_INVAL come back
 * from the call itself. Its work then runs from the loop after the call returned: a call never
 * runs a callback before it returns, on any thread (libuv's rule). So the state changes an
 * operation causes are seen in on_state (and parley_session_state) after the call, never inside
 * it. Blocking (_sync) forms fail with PARLEY_E_LOOP_THREAD on the loop thread.
 *
 * Completions. An operation that returned 0 runs its completion exactly once, on the loop
 * thread: (session, result, user). A completion that comes with a state change runs after the
 * state-changed event (a successful participate after Connected, a failed one after
 * Disconnected).
 *
 * End of life. Every session ends with one on_released event: it fires once, after the
 * Disconnected state change and after every completion of the session's operations, and
 * nothing fires for the session after it. An application frees what it attached to the session
 * there. After on_released, operations return PARLEY_E_STATE; getters keep working while a
 * reference is held.
 *
 * Ownership. parley_session_create returns a reference the application owns (release it with
 * parley_session_unref). An incoming session is lent to on_session: the endpoint keeps it alive
 * until on_released has run; take a reference (parley_session_ref) to use it after that. An Idle
 * session that never participated is freed with its last reference (it is not registered
 * anywhere). Strings returned by the getters stay valid until the session is freed.
 *
 * Answers. Whatever an event hands over that needs an answer follows one pattern: answer inside
 * the callback, or call the object's _defer function there and answer later from any thread.
 * When the callback returns with neither, parley gives the default answer written beside each
 * object (parley_request: 200; parley_reinvite: accept; parley_pending_answer: ready;
 * parley_refer_request: reject 603; parley_ack: sent). on_redirecting answers by its return
 * value, or defers with PARLEY_REDIRECT_DEFER and answers later with
 * parley_session_redirect_resume. A deferred object stays valid until it
 * is answered or the session is released (then it is answered with the default, or 481/487 as
 * the RFCs want, and its functions return PARLEY_E_STATE).
 */
#ifndef PARLEY_SESSION_H
#define PARLEY_SESSION_H

#include "parley/endpoint.h"
#include "parley/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The spec's SignalingState, with its numbering. */
typedef enum parley_state {
    PARLEY_STATE_IDLE = 0,
    PARLEY_STATE_CONNECTING = 1,
    PARLEY_STATE_ALERTED = 2,
    PARLEY_STATE_CONNECTED = 3,
    PARLEY_STATE_DISCONNECTED = 4,
    PARLEY_STATE_INCOMING = 5,
    PARLEY_STATE_REDIRECTING = 6,
} parley_state;

/* The spec's SignalingTransitionReason, with its numbering. */
typedef enum parley_reason {
    PARLEY_REASON_NONE = 0,
    PARLEY_REASON_DECLINED = 1,
    PARLEY_REASON_CANCELED = 2,
    PARLEY_REASON_TERMINATED_LOCALLY = 3,
    PARLEY_REASON_TERMINATED_REMOTELY = 4,
    PARLEY_REASON_BUSY = 5,
    PARLEY_REASON_TEMPORARILY_UNAVAILABLE = 6,
    PARLEY_REASON_NOT_ACCEPTABLE = 7,
    PARLEY_REASON_NOT_ACCEPTABLE_MEDIA = 8,
    PARLEY_REASON_TIMEOUT = 9,
    PARLEY_REASON_UNREACHABLE = 10,
    PARLEY_REASON_SESSION_TIMER_EXPIRED = 11,
    PARLEY_REASON_PROVISIONAL_RESPONSE_RECEIVED = 12,
    PARLEY_REASON_SESSION_DOES_NOT_EXIST = 13,
} parley_reason;

/* "Idle", "Connecting"... and "None", "Declined"... (the model's names); static. */
const char *parley_state_name(parley_state s);
const char *parley_reason_name(parley_reason r);

/* ---- participants ---- */

typedef struct parley_participant parley_participant;

/* URI, endpoint id (epid), display name, contact URI and GRUU; NULL when unknown. Safe from any
 * thread; a string stays valid until the session is freed (a newer value does not free it).
 * The GRUU (RFC 5627) is the contact URI when it is one (it has a "gr" parameter): for the
 * local participant, the public GRUU of a registration of the endpoint (parley/registration.h);
 * a session created for it reaches that one endpoint of the user. */
const char *parley_participant_uri(const parley_participant *p);
const char *parley_participant_epid(const parley_participant *p);
const char *parley_participant_name(const parley_participant *p);
const char *parley_participant_contact(const parley_participant *p);
const char *parley_participant_gruu(const parley_participant *p);

/* Bits of the participant-changed event (the spec's ParticipantPropertyChanges). */
enum {
    PARLEY_PCHG_NAME = 1,
    PARLEY_PCHG_EPID = 2,
    PARLEY_PCHG_GRUU = 4,
    PARLEY_PCHG_FEATURES = 8,
};

/* ---- settings (the spec's session timer and 100rel properties) ---- */

/* No session timer for this session, whatever the endpoint's. */
#define PARLEY_SESSION_TIMER_OFF 0xffffffffu

/* Zero fields take the endpoint's value (parley_endpoint_config). */
typedef struct parley_session_settings {
    unsigned session_expires; /* desired Session-Expires (s), or PARLEY_SESSION_TIMER_OFF */
    unsigned min_se;          /* smallest interval accepted (s); at least 90 */
    parley_100rel rel100;     /* reliable provisional responses */
} parley_session_settings;
#define PARLEY_SESSION_SETTINGS_INIT PARLEY_ZERO_INIT

/* ---- creation ---- */

/* The spec's SignalingSessionSettings. Every field may be NULL. */
typedef struct parley_session_opts {
    const char *call_id;     /* generated when NULL */
    const char *local_uri;   /* our From URI; default: the endpoint's URI */
    const char *local_name;  /* our display name; default: the endpoint's */
    const char *request_uri; /* Request-URI when it differs from the target */
    const char *proxy;       /* outbound proxy for this session's INVITE (a pre-loaded Route,
                                see parley_endpoint_config.outbound_proxy); NULL: the
                                endpoint's; "": none. Requests in the dialog follow its
                                Record-Route set whatever this says */
} parley_session_opts;
#define PARLEY_SESSION_OPTS_INIT PARLEY_ZERO_INIT

/* An outgoing session to target, in state Idle; *out is the caller's reference. Headers in
 * the target URI (RFC 3261 §19.1.5: "sip:bob@h?Replaces=...&Subject=hi", as a REFER's
 * Refer-To may carry for an attended transfer) are not part of the INVITE's Request-URI or To:
 * they go on the INVITE as header fields, decoded, one per name (participate's header of that
 * name wins, compact forms alike, else the URI's first); "body" and the body's headers
 * (Content-Disposition, -Encoding, -Language, MIME-Version), the stack's own headers and values
 * that fail the custom-header checks are left out. */
int parley_session_create(parley_endpoint *ep, const parley_address *target,
                          const parley_session_opts *opts, parley_session **out);
/* Takes a reference; returns s. Any thread. */
parley_session *parley_session_ref(parley_session *s);
/* Drops a reference (NULL is ignored); the last one frees the session. Any thread, callbacks
 * included (parley holds its own reference while it runs a callback of the session). */
void parley_session_unref(parley_session *s);

/* What on_session hands over with an incoming session (borrowed for the callback). */
typedef struct parley_incoming_info {
    const parley_msg *request;   /* the INVITE */
    const parley_content *offer; /* its body, or NULL for a null offer */
    int is_forked; /* a proxy retargeted the INVITE to one of this endpoint's registered
                      contacts (its Request-URI is our contact or GRUU while To names the
                      registration's address of record), so it may ring other contacts of the
                      user too: decline with 486, not 603 (docs/SESSION.md, "Forking") */
    /* The INVITE's Replaces header (RFC 3891) names this session of the endpoint, which it is to
     * replace (an attended transfer's target, a call pickup), or NULL. Borrowed like the rest:
     * valid during the callback, on the loop thread (parley_session_ref keeps it longer). A
     * Replaces the endpoint cannot honour never gets here: 400 (malformed, more than one), 481
     * (no such dialog, or an incoming call still ringing: a dialog this side did not
     * initiate), 486 (early-only on a confirmed dialog), 603 (it terminated). Accepting the new
     * session (participate: its 200 goes) terminates this one as parley_session_terminate
     * does (BYE; CANCEL when it is our call still ringing); rejecting, redirecting or
     * terminating the new one, or its caller's CANCEL, leaves it as it is. If it has ended by
     * the time the new one is accepted, the INVITE is answered 603, the new session ends
     * Declined and participate's cb gets PARLEY_E_TERMINATED. */
    parley_session *replaces;
} parley_incoming_info;

/* A new incoming session, in state Incoming: set its callbacks and offer/answer contract here,
 * then participate, reject, redirect or terminate it (now or later). */
typedef void (*parley_session_cb)(parley_endpoint *ep, parley_session *s,
                                  const parley_incoming_info *info, void *user);
/* Sets the endpoint's incoming-session callback (NULL: INVITEs are answered 480). */
int parley_endpoint_set_session_cb(parley_endpoint *ep, parley_session_cb cb, void *user);

/* ---- the offer/answer contract (the spec's IOfferAnswer) ---- */

typedef struct parley_pending_answer parley_pending_answer;
typedef struct parley_reinvite parley_reinvite;

/*
 * All optional; a NULL ops pointer means "no media negotiation": no bodies at all. Contents the
 * application fills (out) must stay valid until the callback returns (parley copies them). An
 * INVITE or re-INVITE that carries an offer on a session with no get_answer is refused with 488.
 */
typedef struct parley_oa_ops {
    /* An offer must go out (initial INVITE, 200 to an INVITE without offer, our re-INVITE).
     * Leave out->body NULL for a null offer (not allowed for a re-INVITE). Non-zero refuses. */
    int (*get_offer)(parley_session *s, parley_content *out, void *user);
    /* An answer must go out for offer. Non-zero refuses the offer (488 Not Acceptable Here);
     * PARLEY_E_MEDIA_TYPE refuses its content type instead (415 Unsupported Media Type, RFC 3261
     * §21.4.13), with an Accept header listing out->content_type: the media types the contract
     * takes, comma-separated (NULL: "application/sdp"; a list no Accept line can carry gets
     * 488). parley_sdp_find (parley/sdp.h) finds the SDP in a body. */
    int (*get_answer)(parley_session *s, const parley_content *offer, parley_content *out,
                      void *user);
    /* An answer came in (2xx, 1xx early media, or the ACK after our offer in a 200). */
    void (*set_answer)(parley_session *s, const parley_content *answer, void *user);
    /* Our INVITE had no offer and the 2xx carries one: answer with parley_pending_answer_ready
     * (parley then calls get_answer and puts the answer in the ACK), now or after
     * parley_pending_answer_defer. Default (NULL, or no answer): ready at once. */
    void (*offer_in_response)(parley_session *s, parley_pending_answer *p,
                              const parley_content *offer, void *user);
    /* The peer sent a re-INVITE (offer may be NULL): parley_reinvite_accept or _reject, now or
     * after parley_reinvite_defer. Default (NULL, or no answer): accept. */
    void (*offer_in_reinvite)(parley_session *s, parley_reinvite *r, const parley_content *offer,
                              void *user);
    /* The peer CANCELled a re-INVITE we had not answered yet (parley sent the 487). May be NULL. */
    void (*reinvite_cancelled)(parley_session *s, parley_reinvite *r, void *user);
} parley_oa_ops;

/* Settings (copied): before participating, or in on_session; PARLEY_E_STATE later,
 * PARLEY_E_INVAL for a session_expires below 90 or below min_se. */
int parley_session_set_settings(parley_session *s, const parley_session_settings *settings);

/* Headers (copied) for every request of the session, those the stack sends on its own
 * included: PRACK, a session refresh (re-INVITE or UPDATE), the BYE when the session timer
 * expires, the ACK of a 2xx, a CANCEL, as well as the INVITE, BYE, MESSAGE... the application
 * sends. Each goes after the request's own headers, unless they name it (long or compact form
 * alike: the request's own wins). Not on the ACK of a non-2xx, which RFC 3261 §17.1.1.3 makes
 * from the INVITE, nor on the ACK and BYE parley sends another fork's late 2xx.
 * A second call replaces the set; n 0 clears it. Before participating or in on_session:
 * PARLEY_E_STATE later; PARLEY_E_HEADER_RESTRICTED or PARLEY_E_INVAL for a header no
 * application may set (as for every custom header). Any thread. */
int parley_session_set_request_headers(parley_session *s, const parley_header *h, size_t n);

/* Sets the contract (copied) before participating or in on_session; PARLEY_E_STATE later. */
int parley_session_set_offer_answer(parley_session *s, const parley_oa_ops *ops, void *user);

/*
 * The ready implementation of the contract: the session gets its own SDP negotiator
 * (parley/sdp.h) made from cfg (copied: one cfg may serve every session; sess_id 0 lets each
 * session pick its own o= id), so that INVITEs, null-offer INVITEs and re-INVITEs from either
 * side negotiate SDP with no SDP code in the application (offers in 2xx are answered at once,
 * re-INVITEs accepted, offers without a common codec refused with 488, bodies that are not SDP
 * with 415 and "Accept: application/sdp"). Before participating.
 */
struct parley_sdp_cfg;
struct parley_sdp_neg;
int parley_session_use_sdp(parley_session *s, const struct parley_sdp_cfg *cfg);
/* The session's negotiator from parley_session_use_sdp (NULL without): to change direction or
 * address before a renegotiation. Valid until the session is freed; use it on the loop thread
 * (in a callback) or before participating. */
struct parley_sdp_neg *parley_session_sdp(parley_session *s);

/* parley_pending_answer (handed to offer_in_response): valid until answered or released. */
/* Keeps it past the callback (then answer from any thread). Only inside the callback. */
int parley_pending_answer_defer(parley_pending_answer *p);
/* Sends the ACK with the answer (get_answer is called, on the loop). Once only. */
int parley_pending_answer_ready(parley_pending_answer *p, const parley_header *headers,
                                size_t nheaders);

/* parley_reinvite (handed to offer_in_reinvite): valid until the session is freed; its
 * functions return PARLEY_E_STATE once it is answered. */
/* Keeps it past the callback (then answer from any thread). Only inside the callback. */
int parley_reinvite_defer(parley_reinvite *r);
/* The re-INVITE (borrowed: valid until the re-INVITE is answered). */
const parley_msg *parley_reinvite_msg(const parley_reinvite *r);
/* Accepts: 200 with our answer (or our offer when it had none); cb (may be NULL) gets the ACK. */
int parley_reinvite_accept(parley_reinvite *r, const parley_header *headers, size_t nheaders,
                           parley_session_done_cb cb, void *user);
/* Rejects it with code (300-699, 0 = 488); the dialog and the old description survive. */
int parley_reinvite_reject(parley_reinvite *r, int code, const char *reason,
                           const parley_header *headers, size_t nheaders,
                           const parley_content *body);
/* A provisional response (101-199) to the re-INVITE, before the answer. */
int parley_reinvite_provisional(parley_reinvite *r, int code, const parley_header *headers,
                                size_t nheaders);

/* ---- events ---- */

/* parley_ack (handed to on_accepted): the ACK of our INVITE's 2xx. Default: sent when the
 * callback returns. After a null-offer INVITE the ACK carries the answer: use the pending
 * answer instead (these return PARLEY_E_STATE). */
typedef struct parley_ack parley_ack;
/* Keeps the ACK past the callback (then parley_ack_send from any thread). Only inside. */
int parley_ack_defer(parley_ack *a);
/* Sends the ACK with custom headers. Once only. */
int parley_ack_send(parley_ack *a, const parley_header *headers, size_t nheaders);

/* An incoming REFER (RFC 3515), handed to on_refer. Default: rejected 603. Valid until the
 * session is freed. */
typedef struct parley_refer_request parley_refer_request;
/* Keeps it past the callback (then accept or reject from any thread). Only inside. */
int parley_refer_request_defer(parley_refer_request *r);
/* The REFER (borrowed: valid until it is answered). */
const parley_msg *parley_refer_request_msg(const parley_refer_request *r);
/* Accepts: 202, then the first NOTIFY ("100 Trying") of the implicit subscription. */
int parley_refer_request_accept(parley_refer_request *r, const parley_header *headers,
                                size_t nheaders);
/* Rejects with code (400-699, 0 = 603). */
int parley_refer_request_reject(parley_refer_request *r, int code, const char *reason,
                                const parley_header *headers, size_t nheaders);
/* After accepting: reports the referred request's progress as a message/sipfrag NOTIFY
 * ("SIP/2.0 <code> <text>", text NULL: the standard phrase); final = 1 ends the subscription.
 * PARLEY_E_STATE once it has ended: the final NOTIFY went, or the referrer ended it (a NOTIFY
 * got 481, which ends the subscription only, not the session: RFC 5057 §5.1). */
int parley_refer_request_notify(parley_refer_request *r, int sipfrag_code, const char *text,
                                int final);

/* What on_redirecting answers for the target r->current (the spec's RedirectAction). */
typedef enum parley_redirect_action {
    PARLEY_REDIRECT_TRY_ALL = 0,   /* this target, then every later one, without asking again */
    PARLEY_REDIRECT_TRY_NONE = 1,  /* give up: participate fails with the response at hand */
    PARLEY_REDIRECT_TRY_THIS = 2,  /* this target; ask again if another is needed */
    PARLEY_REDIRECT_SKIP_THIS = 3, /* not this one; ask about the next */
    /* Decide later (the spec's DisableAutomaticRedirection): the session stays Redirecting,
     * nothing is sent and participate stays pending until parley_session_redirect_resume (from
     * any thread) gives the action, or terminate ends the session. Headers the callback put in
     * r->headers are kept for the next INVITEs as with any other action. */
    PARLEY_REDIRECT_DEFER = 100,
} parley_redirect_action;

/* What on_redirecting sees (borrowed for the callback) and may fill. */
typedef struct parley_redirect {
    const parley_msg *response;    /* the 3xx */
    const parley_address *targets; /* its Contacts, highest q first (RFC 3261 §8.1.3.4) */
    size_t ntargets;
    size_t current; /* the target the action applies to */
    /* out: headers for the INVITE sent to the next target (copied when the callback returns) */
    const parley_header *headers;
    size_t nheaders;
} parley_redirect;

/* The Reason header (RFC 3326) of the request that ended a session. */
typedef struct parley_sip_reason {
    const char *protocol; /* "SIP", "Q.850" */
    int cause;            /* the cause parameter, 0 when absent */
    const char *text;     /* the text parameter unquoted, NULL when absent */
} parley_sip_reason;

/* The state-changed event (borrowed for the callback). */
typedef struct parley_state_change {
    parley_state prev;
    parley_state state;
    parley_reason reason;
    const parley_msg *trigger; /* the message that caused it (response, ACK, BYE, CANCEL), or NULL
                                  for local causes */
    const parley_sip_reason *sip_reason; /* the Reason header of the BYE or CANCEL that ended the
                                            session, NULL when none */
} parley_state_change;

/* An SDP (or other) description in a 1xx: early media, per early dialog (borrowed). */
typedef struct parley_early_media {
    const char *to_tag; /* the early dialog (fork) it belongs to */
    int status;         /* 183, 180... */
    int reliable;       /* came in a reliable provisional response (RFC 3262) */
    int is_offer;       /* an offer (our INVITE had none; answered in the PRACK) */
    const parley_content *content;
    const parley_msg *response;
} parley_early_media;
/* A new early dialog of our INVITE: the first provisional response with a new To tag, i.e. one
 * more endpoint of the callee that is ringing (a forking proxy, RFC 3261 §13.2.2.1). Borrowed
 * for the callback. */
typedef struct parley_early_dialog {
    const char *to_tag;           /* the dialog's remote tag */
    const parley_msg *response;   /* the provisional (180, 183...) */
    int status;                   /* its status code */
    const char *contact;          /* its Contact URI, NULL when it had none */
    const char *epid;             /* the endpoint id on its To, NULL when none */
    const parley_content *answer; /* the early answer to our offer it carries, or NULL */
} parley_early_dialog;

/* The model's ReferState, with its numbering. The REFER's own answer (ReferRequested, then
 * ReferAccepted, ReferRejected or ReferFailed) is parley_session_refer's result; the NOTIFYs
 * of its subscription bring the rest, in parley_refer_progress.state. */
typedef enum parley_refer_state {
    PARLEY_REFER_IDLE = 0,
    PARLEY_REFER_REQUESTED = 1,
    PARLEY_REFER_ACCEPTED = 2,
    PARLEY_REFER_REJECTED = 3,
    PARLEY_REFER_FAILED_SEND = 4,
    PARLEY_REFER_TRYING = 5,     /* sipfrag 100 */
    PARLEY_REFER_ALERTED = 6,    /* 101-199 */
    PARLEY_REFER_SUCCEEDED = 7,  /* 2xx */
    PARLEY_REFER_FAILED = 8,     /* 400-699 */
    PARLEY_REFER_REDIRECTED = 9, /* 3xx */
} parley_refer_state;

/* "Idle", "ReferRequested", "ReferAccepted", "ReferRejected", "ReferFailed", "Trying",
 * "Alerted", "Succeeded", "Failed", "Redirected" (the model's names); static. */
const char *parley_refer_state_name(parley_refer_state st);

/* Progress of a REFER we sent (the model's ReferState), from the NOTIFYs of its implicit
 * subscription (borrowed for the callback). */
typedef struct parley_refer_progress {
    uint32_t id;              /* the REFER's CSeq number (the NOTIFYs' Event id) */
    void *op_user;            /* the user pointer given to parley_session_refer */
    int status;               /* the sipfrag status: 100, 180, 200, 486...; 0 when the subscription
                                 ended without one (expired, or the session ended) */
    const char *reason;       /* its reason phrase ("" when none) */
    int final;                /* the subscription has ended: no more events for this REFER */
    const parley_msg *notify; /* the NOTIFY, or NULL */
    parley_refer_state state; /* what status says (TRYING...REDIRECTED); with status 0, the
                                 state the last NOTIFY gave (ACCEPTED when none came) */
} parley_refer_progress;

/* Event callbacks: every one may be NULL. Everything they receive is borrowed for the call. */
typedef struct parley_session_cbs {
    void (*on_state)(parley_session *s, const parley_state_change *ev, void *user);
    /* MESSAGE, INFO, OPTIONS, NOTIFY, SERVICE, BENOTIFY inside the session (see parley_request:
     * answer, defer, or 200 by default; BENOTIFY is never answered). */
    void (*on_message)(parley_session *s, parley_request *req, void *user);
    /* A REFER to target (method: the Refer-To's method, NULL for INVITE). When NULL, REFERs are
     * rejected 603. */
    void (*on_refer)(parley_session *s, parley_refer_request *r, const parley_address *target,
                     const char *method, void *user);
    /* A NOTIFY about a REFER we sent, or the end of its subscription. */
    void (*on_refer_progress)(parley_session *s, const parley_refer_progress *p, void *user);
    /* A 3xx came for our INVITE, or a target it led to failed and more are left. Return what
     * to do with r->current (without the callback: TRY_ALL), or PARLEY_REDIRECT_DEFER to
     * decide later with parley_session_redirect_resume. */
    parley_redirect_action (*on_redirecting)(parley_session *s, parley_redirect *r, void *user);
    /* The INVITE got its 2xx: ack is there to defer the ACK or add headers to it. */
    void (*on_accepted)(parley_session *s, const parley_msg *response, parley_ack *ack, void *user);
    /* The ACK for our 2xx arrived (the INVITE transaction is complete). */
    void (*on_completed)(parley_session *s, const parley_msg *ack, void *user);
    /* The peer sent BYE or CANCEL (before the Disconnected state change). */
    void (*on_remote_end)(parley_session *s, const parley_msg *request, void *user);
    /* A 101-199 response to our INVITE (one per early dialog / fork). */
    void (*on_provisional)(parley_session *s, const parley_msg *response, void *user);
    /* The remote participant's display name, endpoint id or GRUU changed (PARLEY_PCHG_* bits;
     * the GRUU also by a target refresh in the dialog). */
    void (*on_participant_changed)(parley_session *s, const parley_participant *p, unsigned changed,
                                   void *user);
    /* The peer's re-INVITE was handled (the request; after the ACK). */
    void (*on_reinvite)(parley_session *s, const parley_msg *request, void *user);
    /* The last event: see "End of life" above. */
    void (*on_released)(parley_session *s, void *user);
    /* A 1xx to our INVITE carried a description (early media), for one early dialog. The
     * answer to our offer also goes to set_answer (the first one; at the 2xx the answering
     * fork's counts); an offer is answered in the PRACK (get_answer). */
    void (*on_early_media)(parley_session *s, const parley_early_media *em, void *user);
    /* A PRACK acknowledged our reliable provisional response with this RSeq. */
    void (*on_prack)(parley_session *s, const parley_msg *prack, uint32_t rseq, void *user);
    /* The peer's UPDATE (RFC 3311) was answered (offer: it carried one). */
    void (*on_update)(parley_session *s, const parley_msg *request, int offer, void *user);
    /* A session refresh (RFC 4028) was sent (remote 0) or received (remote 1), by method
     * ("UPDATE" or "INVITE"). A refresh repeats the current description: the offer/answer
     * contract is not asked. */
    void (*on_refresh)(parley_session *s, const char *method, int remote, void *user);
    /* Forking (docs/SESSION.md): a new early dialog of our INVITE, once per To tag, before its
     * on_provisional. */
    void (*on_early_dialog)(parley_session *s, const parley_early_dialog *d, void *user);
    /* Another fork answered 2xx after the session was established (or ended): parley ACKed and
     * BYEd that dialog (RFC 3261 §13.2.2.4). Once per fork (To tag); response is its 2xx. */
    void (*on_fork_ignored)(parley_session *s, const parley_msg *response, void *user);
    /* The referrer ended the subscription of a REFER we accepted (the model's
     * ReferNotifier.SubscriptionTerminated): our NOTIFY got 481 (RFC 5057 §5.1). r stays valid
     * as long as the session; parley_refer_request_notify on it returns PARLEY_E_STATE. */
    void (*on_refer_ended)(parley_session *s, parley_refer_request *r, void *user);
} parley_session_cbs;

/* Sets the callbacks (copied): on an outgoing session before participating, on an incoming one
 * before answering it (in on_session); PARLEY_E_STATE later. */
int parley_session_set_callbacks(parley_session *s, const parley_session_cbs *cbs, void *user);

/* ---- operations ---- */

/*
 * Outgoing (Idle): sends the INVITE (offer from get_offer, or none); cb gets the 2xx (error 0),
 * a failure response (PARLEY_E_FAILURE_RESPONSE; PARLEY_E_AUTH for a 401/407 the endpoint's
 * credentials could not answer), PARLEY_E_TIMEOUT, PARLEY_E_CONNECT...
 * Incoming (Incoming): sends the 200 (answer, or an offer when the INVITE had none); cb gets the
 * ACK. PARLEY_E_STATE in any other state, or after terminate was called, with nothing sent. If
 * the caller CANCELs before the loop ran the operation, cb gets PARLEY_E_TERMINATED.
 */
int parley_session_participate(parley_session *s, const parley_header *headers, size_t nheaders,
                               parley_session_done_cb cb, void *user);
int parley_session_participate_sync(parley_session *s, const parley_header *headers,
                                    size_t nheaders, parley_result **out);

enum {
    PARLEY_PROV_EARLY_MEDIA = 1, /* the answer to the INVITE's offer rides in the 1xx (with an
                                    INVITE without offer: our offer, reliable only) */
    PARLEY_PROV_RELIABLE = 2,    /* send it reliably (RFC 3262); PARLEY_E_UNSUPPORTED when the
                                    caller does not support 100rel */
};
/* Incoming only, before participating: a 101-199 response. With PARLEY_PROV_EARLY_MEDIA,
 * get_answer is called (get_offer for an INVITE without offer); a refusal answers the INVITE
 * 488 and ends the session. Early media goes reliably when the caller supports 100rel and
 * the policy allows it; every provisional does when the INVITE requires 100rel (RFC 3262 §3)
 * or the policy is PARLEY_100REL_REQUIRED. A reliable response is retransmitted until its PRACK;
 * the next reliable one and the 200 wait for it (RFC 3262 §3); without a PRACK for 64*T1 the INVITE
 * is answered 504 and the session ends. */
int parley_session_provisional(parley_session *s, int code, const char *reason,
                               const parley_header *headers, size_t nheaders, unsigned flags);

/* Connected: MESSAGE, INFO, OPTIONS, NOTIFY, SERVICE, or BENOTIFY (completes when sent).
 * body NULL: no body; content type NULL: "text/plain; charset=UTF-8". */
int parley_session_send_message(parley_session *s, parley_msg_type type, const parley_content *body,
                                const parley_header *headers, size_t nheaders,
                                parley_session_done_cb cb, void *user);
int parley_session_send_message_sync(parley_session *s, parley_msg_type type,
                                     const parley_content *body, const parley_header *headers,
                                     size_t nheaders, parley_result **out);

enum {
    PARLEY_RENEGOTIATE_UPDATE = 1, /* by UPDATE (RFC 3311) instead of re-INVITE; also in an
                                      early dialog whose offer/answer is done */
};
/* Connected: a re-INVITE (or UPDATE) with a new offer (get_offer must give one; a refusal
 * completes with PARLEY_E_ABORTED). The headers go on the re-INVITE and on the ACK of its 2xx. One
 * at a time (PARLEY_E_AGAIN while another offer is pending either way). A 491 is retried once by
 * itself after the RFC 3261 §14.1 wait; cb runs once with the outcome. A failure keeps the old
 * description; 481, 408, no answer or a transport error ends the session. A 2xx without a body
 * (no answer to the offer, against RFC 3261 §13.2.1 and RFC 3311 §5.2) is a failure too:
 * PARLEY_E_UNUSABLE with that 2xx's status (a re-INVITE's is ACKed), set_answer not called. */
int parley_session_renegotiate(parley_session *s, unsigned flags, const parley_header *headers,
                               size_t nheaders, parley_session_done_cb cb, void *user);
int parley_session_renegotiate_sync(parley_session *s, unsigned flags, const parley_header *headers,
                                    size_t nheaders, parley_result **out);
/*
 * Cancels our pending renegotiation (the spec's TryCancelRenegotiateDescription), with no
 * guarantee: a re-INVITE is CANCELled (RFC 3261 §9.1: at once when a provisional response to
 * it came, else when one comes); its completion then gets the peer's 487
 * (PARLEY_E_FAILURE_RESPONSE) and the old description stays, but a 2xx that comes first, or
 * crosses the CANCEL, completes it successfully as usual. A re-INVITE waiting to go again after
 * a 491, or a renegotiation of either kind whose work has not started yet (nothing sent),
 * completes with PARLEY_E_ABORTED and nothing more is sent. PARLEY_E_STATE when there is
 * nothing to cancel (no renegotiation pending, or an UPDATE already sent, which CANCEL cannot
 * reach). Any thread; nothing runs inside the call (the completions come from the loop).
 */
int parley_session_renegotiate_cancel(parley_session *s);

/*
 * Ends the session whatever its state: Idle -> Disconnected; Connecting/Alerted -> CANCEL (sent
 * once a provisional arrived; a 2xx that crosses it is ACKed and BYEd, and participate's cb
 * gets PARLEY_E_TERMINATED with that 2xx's status; a CANCEL whose INVITE never gets its final
 * answer ends the session after 64*T1); Connected -> BYE; Incoming ->
 * rejected (603, or 486 when the INVITE was forked). Every pending operation fails with
 * PARLEY_E_TERMINATED. cb runs when the session is Disconnected (with the BYE's answer when one
 * was sent). PARLEY_E_STATE after on_released.
 */
int parley_session_terminate(parley_session *s, const parley_header *headers, size_t nheaders,
                             parley_session_done_cb cb, void *user);
int parley_session_terminate_sync(parley_session *s, const parley_header *headers, size_t nheaders,
                                  parley_result **out);

/* Incoming, not answered yet: a final failure response (400-699, else PARLEY_E_INVAL). */
int parley_session_reject(parley_session *s, int code, const char *reason,
                          const parley_header *headers, size_t nheaders);
/* Incoming, not answered yet: a 3xx (code 0 = 302) listing the targets as Contacts. A target
 * that is this endpoint or the inviter is refused (PARLEY_E_INVAL). */
int parley_session_redirect(parley_session *s, int code, const parley_address *targets, size_t n,
                            const parley_header *headers, size_t nheaders);

/*
 * Redirecting, after on_redirecting returned PARLEY_REDIRECT_DEFER (the spec's
 * ResumeRedirection): applies action (TRY_ALL, TRY_NONE, TRY_THIS or SKIP_THIS) to the target the
 * callback was asked about, with headers (copied; may be NULL) added to the INVITEs sent from now
 * on as parley_redirect.headers would be. Redirection then goes on from the loop as if the
 * callback had returned action: on_redirecting may be asked again about later targets (and may
 * defer again); TRY_NONE, or no target left, fails participate with PARLEY_E_FAILURE_RESPONSE
 * and the response that led to the redirection (the 3xx, or the last target's failure), or
 * with the last target's transport error. Any thread, callbacks included (not that
 * on_redirecting itself: its return value is its answer); nothing runs inside the call, the
 * next INVITE goes and participate completes from the loop. Once per deferral: PARLEY_E_STATE when
 * no redirection is deferred (never deferred, resumed already, terminate called, session ended);
 * PARLEY_E_INVAL for PARLEY_REDIRECT_DEFER, an unknown action or headers that could not be sent
 * (restricted ones: PARLEY_E_HEADER_RESTRICTED); PARLEY_E_TERMINATED once the endpoint has
 * stopped, as for every call.
 */
int parley_session_redirect_resume(parley_session *s, parley_redirect_action action,
                                   const parley_header *headers, size_t nheaders);

/* Connected: REFER the peer to target (RFC 3515, with Referred-By of RFC 3892). cb gets the
 * REFER's final response (202: accepted); then on_refer_progress reports each NOTIFY, with
 * op_user = user, until one is final. */
int parley_session_refer(parley_session *s, const parley_address *target,
                         const parley_header *headers, size_t nheaders, parley_session_done_cb cb,
                         void *user);
int parley_session_refer_sync(parley_session *s, const parley_address *target,
                              const parley_header *headers, size_t nheaders, parley_result **out);
/* Ends the subscription of the REFER with CSeq id from our side: its later NOTIFYs are answered
 * 481 and on_refer_progress reports it once more, final, with status 0.
 * PARLEY_E_NOTFOUND when no such subscription is active. */
int parley_session_refer_end(parley_session *s, uint32_t id);

/* ---- properties (any thread) ---- */

const char *parley_session_call_id(const parley_session *s);
const char *parley_session_from_tag(const parley_session *s); /* NULL until known */
const char *parley_session_to_tag(const parley_session *s);   /* NULL until known */
const char *parley_session_local_tag(const parley_session *s);
const char *parley_session_remote_tag(const parley_session *s);
parley_state parley_session_state(const parley_session *s);
int parley_session_is_incoming(const parley_session *s);
/* The target the session was created for (the spec's SessionTarget): its URI (without the
 * headers parley_session_create moved onto the INVITE) and endpoint id (epid NULL when none); for
 * an incoming session the INVITE's Request-URI, epid NULL. The strings stay valid until the session
 * is freed. PARLEY_E_INVAL for a NULL argument. */
int parley_session_target(const parley_session *s, parley_address *out);
const parley_participant *parley_session_local(const parley_session *s);
const parley_participant *parley_session_remote(const parley_session *s);
parley_endpoint *parley_session_endpoint(const parley_session *s);
/* The peer's address ("127.0.0.1:5060") and transport ("UDP"...) of the last message;
 * PARLEY_E_NOTFOUND before any. */
int parley_session_peer_addr(const parley_session *s, char *buf, size_t size,
                             const char **transport);
/* The session timer in force (RFC 4028): its interval (s) and whether this side refreshes;
 * PARLEY_E_NOTFOUND without one. */
int parley_session_timer(const parley_session *s, unsigned *interval, int *we_refresh);
/* Whether the remote participant allows UPDATE (its Allow header), 0 when unknown. */
int parley_session_update_allowed(const parley_session *s);
/* The application's data slot. */
void parley_session_set_user(parley_session *s, void *user);
void *parley_session_user(const parley_session *s);

#ifdef __cplusplus
}
#endif
#endif
