/*
 * parley: the signaling session (the spec's SignalingSession).
 *
 * A session is one INVITE dialog between a local and a remote participant: it is created for a
 * target (outgoing) or handed over by the endpoint's on_session callback (incoming), moves
 * through the states below, carries media descriptions through the offer/answer contract, and
 * exchanges in-session messages. See docs/SESSION.md for every flow and the choices made where
 * the model is silent.
 *
 * Ownership: parley_session_create returns a reference the application owns. An incoming
 * session is lent to on_session; the endpoint keeps it alive until it is Disconnected, so take a
 * reference (parley_session_ref) to use it after that. Strings returned by the getters stay
 * valid until the session is freed.
 *
 * Threads: every function is safe from any thread. An operation called off the loop thread
 * waits until the loop thread has taken it (not for the network): so a state error is always
 * returned by the call itself, and once a call returned 0 its callback runs exactly once, on
 * the loop thread. Blocking (_sync) forms fail with PARLEY_E_LOOP_THREAD on the loop thread.
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

/* "Idle", "Connecting"... and "None", "Declined"... (the model's names). */
const char *parley_state_name(parley_state s);
const char *parley_reason_name(parley_reason r);

/* ---- participants ---- */

typedef struct parley_participant parley_participant;

/* URI, endpoint id, display name and contact; NULL when unknown. */
const char *parley_participant_uri(const parley_participant *p);
const char *parley_participant_epid(const parley_participant *p);
const char *parley_participant_name(const parley_participant *p);
const char *parley_participant_contact(const parley_participant *p);

/* Bits of the participant-changed event (the spec's ParticipantPropertyChanges). */
enum {
    PARLEY_PCHG_NAME = 1,
    PARLEY_PCHG_EPID = 2,
    PARLEY_PCHG_GRUU = 4,
    PARLEY_PCHG_FEATURES = 8,
};

/* ---- creation ---- */

/* The spec's SignalingSessionSettings. Every field may be NULL. */
typedef struct parley_session_opts {
    const char *call_id;     /* generated when NULL */
    const char *local_uri;   /* our From URI; default: the endpoint's URI */
    const char *local_name;  /* our display name; default: the endpoint's */
    const char *request_uri; /* Request-URI when it differs from the target */
} parley_session_opts;
#define PARLEY_SESSION_OPTS_INIT                                                                   \
    {                                                                                              \
        0                                                                                          \
    }

/* An outgoing session to target, in state Idle. */
int parley_session_create(parley_endpoint *ep, const parley_address *target,
                          const parley_session_opts *opts, parley_session **out);
parley_session *parley_session_ref(parley_session *s);
void parley_session_unref(parley_session *s);

/* What on_session hands over with an incoming session (borrowed for the callback). */
typedef struct parley_incoming_info {
    const parley_msg *request;   /* the INVITE */
    const parley_content *offer; /* its body, or NULL for a null offer */
    int is_forked;               /* the INVITE was forked by a proxy (see docs/SESSION.md) */
} parley_incoming_info;

typedef void (*parley_session_cb)(parley_endpoint *ep, parley_session *s,
                                  const parley_incoming_info *info, void *user);
/* Sets the endpoint's incoming-session callback (NULL: INVITEs are answered 480). */
int parley_endpoint_set_session_cb(parley_endpoint *ep, parley_session_cb cb, void *user);

/* ---- the offer/answer contract (the spec's IOfferAnswer) ---- */

typedef struct parley_pending_answer parley_pending_answer;
typedef struct parley_reinvite parley_reinvite;

/*
 * All optional; a NULL ops pointer means "no media negotiation": no bodies at all. Contents the
 * application fills (out) must stay valid until the callback's session call returns to the
 * loop (parley copies them before it sends).
 */
typedef struct parley_oa_ops {
    /* An offer must go out (initial INVITE, 200 to an INVITE without offer, our re-INVITE).
     * Leave out->body NULL for a null offer (not allowed for a re-INVITE). Non-zero refuses. */
    int (*get_offer)(parley_session *s, parley_content *out, void *user);
    /* An answer must go out for offer. Non-zero refuses the offer (488 Not Acceptable Here). */
    int (*get_answer)(parley_session *s, const parley_content *offer, parley_content *out,
                      void *user);
    /* An answer came in (2xx, 1xx early media, or the ACK after our offer in a 200). */
    void (*set_answer)(parley_session *s, const parley_content *answer, void *user);
    /* Our INVITE had no offer and the 2xx carries one: prepare, then parley_pending_answer_ready
     * (now or later); parley then calls get_answer and puts the answer in the ACK. */
    void (*offer_in_response)(parley_session *s, parley_pending_answer *p,
                              const parley_content *offer, void *user);
    /* The peer sent a re-INVITE (offer may be NULL): parley_reinvite_accept or _decline.
     * When NULL, re-INVITEs are accepted. */
    void (*offer_in_reinvite)(parley_session *s, parley_reinvite *r, const parley_content *offer,
                              void *user);
    /* The peer CANCELled a re-INVITE we had not answered yet (parley sends the 487). */
    void (*reinvite_cancelled)(parley_session *s, parley_reinvite *r, void *user);
} parley_oa_ops;

int parley_session_set_offer_answer(parley_session *s, const parley_oa_ops *ops, void *user);

typedef struct parley_sdp_neg parley_sdp_neg;
/*
 * The ready implementation of the contract: plugs an SDP negotiator (parley/sdp.h) into the
 * session, so that INVITEs, null-offer INVITEs and re-INVITEs from either side negotiate SDP
 * with no SDP code in the application (offers in 2xx are answered at once, re-INVITEs
 * accepted, offers without a common codec refused with 488). The negotiator must outlive the
 * session's use of it; parley calls it on the loop thread only.
 */
int parley_session_use_sdp(parley_session *s, parley_sdp_neg *neg);

/* Sends the ACK with the answer (GetAnswer is called now). Once only. */
int parley_pending_answer_ready(parley_pending_answer *p, const parley_header *headers,
                                size_t nheaders);
/* Accepts the peer's re-INVITE: 200 with our answer (or our offer when it had none); cb gets
 * the ACK. */
int parley_reinvite_accept(parley_reinvite *r, const parley_header *headers, size_t nheaders,
                           parley_done_cb cb, void *user);
/* Declines it with code (300-699, 0 = 488); the dialog survives. cb runs when it is sent. */
int parley_reinvite_decline(parley_reinvite *r, int code, const char *reason,
                            const parley_header *headers, size_t nheaders,
                            const parley_content *body, parley_done_cb cb, void *user);
/* A provisional response (101-199) to the re-INVITE. */
int parley_reinvite_provisional(parley_reinvite *r, int code, const parley_header *headers,
                                size_t nheaders);

/* ---- events ---- */

typedef struct parley_ack parley_ack;
/* In on_accepted: keep the ACK; send it later with parley_ack_send. */
int parley_ack_delay(parley_ack *a);
/* Sends the ACK (with custom headers). PARLEY_E_STATE after a null-offer INVITE (the ACK then
 * carries the answer: use parley_pending_answer_ready). */
int parley_ack_send(parley_ack *a, const parley_header *headers, size_t nheaders);

typedef struct parley_refer_in parley_refer_in;

typedef enum parley_redirect_action {
    PARLEY_REDIRECT_TRY_ALL = 0,
    PARLEY_REDIRECT_TRY_NONE = 1,
    PARLEY_REDIRECT_TRY_THIS = 2,
    PARLEY_REDIRECT_SKIP_THIS = 3,
} parley_redirect_action;

typedef struct parley_session_cbs {
    void (*on_state)(parley_session *s, parley_state prev, parley_state now, parley_reason why,
                     const parley_msg *trigger, void *user);
    /* MESSAGE, INFO, OPTIONS, NOTIFY, SERVICE, BENOTIFY inside the session: answer with
     * parley_request_respond or defer; otherwise parley answers 200 (BENOTIFY: nothing). */
    void (*on_message)(parley_session *s, parley_request *req, void *user);
    /* A REFER: parley_refer_in_accept or _decline; when NULL, REFER is declined (603). */
    void (*on_refer)(parley_session *s, parley_refer_in *in, const parley_address *target,
                     const char *method, void *user);
    /* A 3xx came for our INVITE. Return what to do; the default (no callback) is TRY_ALL. */
    parley_redirect_action (*on_redirecting)(parley_session *s, const parley_address *targets,
                                             size_t n, size_t current, void *user);
    /* The INVITE got its 2xx: ack is there to delay the ACK or add headers to it. */
    void (*on_accepted)(parley_session *s, const parley_msg *response, parley_ack *ack, void *user);
    /* The ACK for our 2xx arrived (the INVITE transaction is complete). */
    void (*on_completed)(parley_session *s, const parley_msg *ack, void *user);
    /* The peer sent BYE or CANCEL. */
    void (*on_remote_end)(parley_session *s, const parley_msg *request, void *user);
    /* A 101-199 response to our INVITE (one per early dialog / fork). */
    void (*on_provisional)(parley_session *s, const parley_msg *response, void *user);
    /* The remote participant's display name or endpoint id changed. */
    void (*on_participant_changed)(parley_session *s, const parley_participant *p, unsigned changed,
                                   void *user);
    /* The peer's re-INVITE was handled (headers of the request; after the ACK). */
    void (*on_reinvite)(parley_session *s, const parley_msg *request, void *user);
} parley_session_cbs;

/* Set before participating. */
int parley_session_set_callbacks(parley_session *s, const parley_session_cbs *cbs, void *user);

/* ---- operations ---- */

/*
 * Outgoing (Idle): sends the INVITE (offer from get_offer, or none); cb gets the 2xx (error 0),
 * a failure response (PARLEY_E_FAILURE_RESPONSE), PARLEY_E_TIMEOUT, PARLEY_E_CONNECT...
 * Incoming (Incoming): sends the 200 (answer, or an offer when the INVITE had none); cb gets the
 * ACK. PARLEY_E_STATE in any other state (including after the caller CANCELled), with nothing
 * sent.
 */
int parley_session_participate(parley_session *s, const parley_header *headers, size_t nheaders,
                               parley_done_cb cb, void *user);
int parley_session_participate_sync(parley_session *s, const parley_header *headers,
                                    size_t nheaders, parley_result **out);

enum {
    PARLEY_PROV_EARLY_MEDIA = 1, /* the answer to the INVITE's offer rides in the 1xx */
};
/* Incoming only, before participating: a 101-199 response. */
int parley_session_provisional(parley_session *s, int code, const char *reason,
                               const parley_header *headers, size_t nheaders, unsigned flags);

/* Connected: MESSAGE, INFO, OPTIONS, NOTIFY, SERVICE, or BENOTIFY (completes when sent).
 * body NULL: no body; content type NULL: text/plain;charset=UTF-8. */
int parley_session_send_message(parley_session *s, parley_msg_type type, const parley_content *body,
                                const parley_header *headers, size_t nheaders, parley_done_cb cb,
                                void *user);
int parley_session_send_message_sync(parley_session *s, parley_msg_type type,
                                     const parley_content *body, const parley_header *headers,
                                     size_t nheaders, parley_result **out);

/* Connected: a re-INVITE with a new offer (get_offer must give one). One at a time
 * (PARLEY_E_AGAIN while another is pending either way). A 491 is retried once by itself after
 * the RFC 3261 §14.1 wait; cb runs once with the outcome. A failure keeps the old description;
 * 481 or 408 ends the session. */
int parley_session_renegotiate(parley_session *s, const parley_header *headers, size_t nheaders,
                               parley_done_cb cb, void *user);
int parley_session_renegotiate_sync(parley_session *s, const parley_header *headers,
                                    size_t nheaders, parley_result **out);

/*
 * Ends the session whatever its state: Idle -> Disconnected; Connecting/Alerted -> CANCEL (sent
 * once a provisional arrived; a 2xx that crosses it is ACKed and BYEd); Connected -> BYE;
 * Incoming -> declined (603, or 486 when the INVITE was forked). Every pending operation fails
 * with PARLEY_E_TERMINATED. cb runs when the session is Disconnected.
 */
int parley_session_terminate(parley_session *s, const parley_header *headers, size_t nheaders,
                             parley_done_cb cb, void *user);
int parley_session_terminate_sync(parley_session *s, const parley_header *headers, size_t nheaders,
                                  parley_result **out);

/* Incoming, not answered yet: a final failure response (400-699, else PARLEY_E_INVAL). */
int parley_session_reject(parley_session *s, int code, const char *reason,
                          const parley_header *headers, size_t nheaders);
/* Incoming, not answered yet: a 3xx (code 0 = 302) listing the targets as Contacts. A target
 * that is this endpoint or the inviter is refused (PARLEY_E_INVAL). */
int parley_session_redirect(parley_session *s, int code, const parley_address *targets, size_t n,
                            const parley_header *headers, size_t nheaders);

/* Connected: REFER the peer to target (RFC 3515). cb gets the REFER's final response (202
 * accepted); progress comes in NOTIFYs, reported through on_message. */
int parley_session_refer(parley_session *s, const parley_address *target,
                         const parley_header *headers, size_t nheaders, parley_done_cb cb,
                         void *user);
int parley_session_refer_sync(parley_session *s, const parley_address *target,
                              const parley_header *headers, size_t nheaders, parley_result **out);

/* In on_refer: accept (202, then NOTIFYs with parley_refer_in_notify) or decline (code 0 =
 * 603). */
int parley_refer_in_accept(parley_refer_in *in, const parley_header *headers, size_t nheaders);
int parley_refer_in_decline(parley_refer_in *in, int code, const char *reason,
                            const parley_header *headers, size_t nheaders);
/* Reports the referred request's progress as a message/sipfrag NOTIFY ("SIP/2.0 <code>
 * <text>"); final = 1 ends the implicit subscription. */
int parley_refer_in_notify(parley_refer_in *in, int sipfrag_code, const char *text, int final);

/* ---- properties ---- */

const char *parley_session_call_id(const parley_session *s);
const char *parley_session_from_tag(const parley_session *s); /* NULL until known */
const char *parley_session_to_tag(const parley_session *s);   /* NULL until known */
const char *parley_session_local_tag(const parley_session *s);
const char *parley_session_remote_tag(const parley_session *s);
parley_state parley_session_state(const parley_session *s);
int parley_session_is_incoming(const parley_session *s);
const parley_participant *parley_session_local(const parley_session *s);
const parley_participant *parley_session_remote(const parley_session *s);
parley_endpoint *parley_session_endpoint(const parley_session *s);
/* The peer's address ("127.0.0.1:5060") and transport ("UDP"...) of the last message. */
int parley_session_peer_addr(const parley_session *s, char *buf, size_t size,
                             const char **transport);
/* Application data slot. */
void parley_session_set_user(parley_session *s, void *user);
void *parley_session_get_user(const parley_session *s);

#ifdef __cplusplus
}
#endif
#endif
