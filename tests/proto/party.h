/*
 * A test party: an endpoint on the virtual network with a session-event recorder and a simple
 * offer/answer implementation (text bodies "offer-<name>-N" / "answer-to:<offer>"), so that
 * protocol tests can assert what each side saw, in order.
 *
 * Four logs, each in the order things happened:
 *   log    every callback ("get_offer", "state:Connecting:None", "accepted", ...)
 *   trans  every state change as "Prev>Now:Reason:trigger", the trigger being the method of the
 *          request or the status of the response that caused it, or "-" for none
 *   hlog   "event:value" for every message handed to a callback that carried an X-Test header
 *   xlog   the extension events: "early_media:183:TAG:rel|unrel:offer|answer", "prack",
 *          "update:offer|nooffer", "refresh:METHOD:local|remote"
 *
 * Also helpers for scripted peers (sp_*): read headers from logged packets, answer a request,
 * inject a message with its Content-Length computed.
 */
#ifndef PARLEY_TEST_PARTY_H
#define PARLEY_TEST_PARTY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/sdp.h"
#include "parley/session.h"
#include "vnet.h"

#define PARTY_LOG   128
#define PARTY_TRANS 32

/* What a party does with an incoming session (on_incoming). */
enum {
    PARTY_LEAVE = 0,      /* stays Incoming */
    PARTY_ACCEPT = 1,     /* participate */
    PARTY_REJECT = 2,     /* reject with reject_code */
    PARTY_RING = 3,       /* 180 */
    PARTY_RING_EARLY = 4, /* 183 with early media */
    PARTY_REDIRECT = 5,   /* redirect (redirect_code, redirect_targets) */
    PARTY_DECLINE = 6,    /* terminate */
};

typedef struct party party;

struct party {
    const char *name;
    char addr[64];
    parley_endpoint *ep;
    parley_session *s; /* the newest session (referenced) */
    vnet *n;
    /* behaviour */
    int on_incoming;
    int reject_code;
    int redirect_code;
    const parley_address *redirect_targets;
    size_t nredirect_targets;
    int refuse_offer;                 /* get_answer returns non-zero */
    const char *refuse_type;          /* get_answer returns PARLEY_E_MEDIA_TYPE with this list */
    int refuse_get_offer;             /* get_offer returns non-zero */
    const char *offer_ctype;          /* get_offer's content type; NULL: application/x-test */
    int null_offer;                   /* get_offer gives no body */
    int defer_reinvite;               /* keep the peer's re-INVITE unanswered */
    int decline_reinvite;             /* decline the peer's re-INVITE with this code */
    int delay_ack;                    /* in on_accepted */
    int ack_in_callback;              /* in on_accepted: parley_ack_send with hdrs */
    int defer_ready;                  /* in offer_in_response: keep the pending answer */
    int no_oa;                        /* no offer/answer contract at all */
    int no_get_answer;                /* a contract without get_answer */
    int use_sdp;                      /* parley_session_use_sdp (audio on port use_sdp) instead */
    parley_100rel rel100;             /* the sessions' 100rel policy (DEFAULT: the endpoint's) */
    unsigned session_expires, min_se; /* their session timer settings (0: the endpoint's) */
    int msg_code;          /* answer in-session requests with this code (0: leave it to parley) */
    const char *msg_reply; /* body of that answer */
    int defer_message;     /* keep in-session requests unanswered */
    /* custom headers for everything the party does by itself (accept, ring, reject, redirect,
     * ACK, ready, re-INVITE answers, message answers) */
    const parley_header *hdrs;
    size_t nhdrs;
    /* on_redirecting: the actions to return, in turn (TRY_ALL once they run out) */
    parley_redirect_action redirect_actions[8];
    int nredirect_actions;
    int redirecting_calls;
    /* called after every log entry; may act on the session */
    void (*hook)(party *p, const char *event);
    void *hook_arg;
    int offers; /* counter for offer bodies */
    /* what happened */
    char log[PARTY_LOG][96];
    uint64_t log_at[PARTY_LOG];
    int nlog;
    char trans[PARTY_TRANS][96];
    int ntrans;
    char hlog[PARTY_TRANS][128];
    int nhlog;
    char xlog[PARTY_TRANS][96];
    int nxlog;
    parley_state states[16];
    parley_reason reasons[16];
    int nstates;
    int is_forked;
    char replaces_seen[128]; /* the Call-ID of the session the last incoming one replaces */
    int replacing;           /* incoming sessions that replace one (RFC 3891) */
    int rc_ack_send, rc_ready, rc_accept;
    char last_offer_seen[128];
    char last_answer_seen[128];
    char last_early[128]; /* the body of the last early media event */
    char last_message[256];
    char last_message_type[32];
    parley_msg_type last_type; /* parley_request_type of the last one */
    char last_header[128];
    char redirect_seen[8][256];
    int messages;
    int provisionals;
    int accepted;
    int completed;
    int remote_ends;
    int reinvites;
    int refers;
    int refer_decline;   /* on_refer declines with this code (0: accepts) */
    int refer_defer;     /* on_refer defers (refer_req keeps it) */
    int no_on_refer;     /* sessions get no on_refer callback */
    int refer_no_notify; /* accept without the final NOTIFY */
    parley_refer_request *refer_req;
    int refer_state;  /* parley_refer_progress.state of the last progress event */
    int refers_ended; /* on_refer_ended calls */
    parley_refer_request *refer_ended_req; /* the last one's request */
    const parley_header *redirect_hdrs;    /* on_redirecting adds these to the next INVITE */
    size_t nredirect_hdrs;
    int redirect_status;      /* the 3xx on_redirecting saw */
    int released;             /* on_released calls */
    int bad;                  /* contract violations seen (BAD log entries) */
    char sip_reason[128];     /* the last state change's Reason header */
    const char *refer_x_test; /* X-Test header on the accept or decline (NULL: none) */
    const char *refer_hname;  /* its name instead of X-Test */
    int refer_rc; /* what the accept or decline returned; when non-zero, declined plainly */
    int participant_changes;
    unsigned last_pchg;
    char pchg_name[64];
    char pchg_epid[64];
    int log_forks; /* log early dialogs ("early:<tag>:<status>") and ignored forks
                      ("fork_ignored:<tag>"); early_seen keeps what each early event said */
    char early_seen[4][256];
    int nearly;
    int forks_ignored;
    parley_reinvite *pending_reinvite;
    parley_pending_answer *pending_answer;
    parley_ack *ack;
    parley_request *deferred;
    char offer_buf[128];
    char answer_buf[160];
};

/* Completion recorder. */
typedef struct outcome {
    int calls;
    int error;
    int status;
    char reason[64];
    char hdr[64];    /* X-Test of the message that completed it */
    char method[16]; /* its method (requests) */
    uint64_t at;
    vnet *n;                 /* set it to get `at` */
    parley_session *session; /* what the completion said it completed for */
    parley_session *s;       /* set it to get `state` */
    parley_state state;      /* the session's state when the operation completed */
} outcome;

void party_init(party *p, vnet *n, const char *name, const char *addr);
/* party_init with an endpoint configuration (uri, display name, epid...). */
void party_init_cfg(party *p, vnet *n, const char *name, const char *addr,
                    const parley_endpoint_config *cfg);
/* Starts an outgoing session from p to uri. */
parley_session *party_call(party *p, const char *uri);
parley_session *party_call_to(party *p, const parley_address *to, const parley_session_opts *o);
void party_log(party *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when the log has entry `what`. */
int party_saw(const party *p, const char *what);
/* The log's index of `what` (from `from`), or -1. */
int party_index(const party *p, const char *what, int from);
void party_dump(const party *p);
void outcome_cb(parley_session *s, const parley_result *r, void *user);
/* Completion recorder for page-mode requests (parley_endpoint_send_message). */
typedef struct page_done {
    int calls, error, status;
} page_done;
void page_done_cb(parley_endpoint *ep, const parley_result *r, void *user);
void party_attach(party *p, parley_session *s);
/* The party's offer/answer contract (user data: the party). */
const parley_oa_ops *party_oa_ops(void);
/* The party meets every incoming session with a redirect to the n targets t (kept, not
 * copied). */
void party_redirect_to(party *p, const parley_address *t, size_t n);
/* Drops the party's session reference (before vnet_free). */
void party_release(party *p);
/* The logs joined with '|'. */
const char *party_log_str(const party *p, char *buf, size_t size);
const char *party_trans_str(const party *p, char *buf, size_t size);
const char *party_hlog_str(const party *p, char *buf, size_t size);
const char *party_xlog_str(const party *p, char *buf, size_t size);
/* Forgets what was logged and counted so far (behaviour stays). */
void party_clear(party *p);

/* ---- scripted peers ---- */

/* The value of the first header `name` (case-insensitive, long form) of a packet, into out
 * ("" when absent). Returns out. */
const char *sp_header(const vnet_packet *p, const char *name, char *out, size_t size);
/* The same for the nth (from 0) header `name` of the packet. */
const char *sp_header_nth(const vnet_packet *p, const char *name, size_t nth, char *out,
                          size_t size);
/* sp_header and sp_header_nth into one of four rotating static buffers, so that a few values can
 * be used in one expression. */
const char *hdr(const vnet_packet *p, const char *name);
const char *hdr_nth(const vnet_packet *p, const char *name, size_t nth);
/* The tag parameter of a header ("" when absent). */
const char *sp_tag(const vnet_packet *p, const char *name, char *out, size_t size);
/* The body of a packet (after the blank line). */
const char *sp_body(const vnet_packet *p);
/* Sends a response to the request in p from `from`: its Via, From, To (tag added when the
 * request had none and to_tag is set), Call-ID and CSeq, then extra (raw "Name: v\r\n" lines),
 * then the body. */
void sp_reply(vnet *n, const char *from, const vnet_packet *req, int code, const char *reason,
              const char *to_tag, const char *extra, const char *body);
/* Injects head (start line and header lines, each ending in CRLF, no Content-Length) and body
 * from src to dst; Content-Length is added. */
void sp_send(vnet *n, const char *src, const char *dst, const char *head, const char *body);
/* The last packet delivered to dst (NULL: any) starting with prefix, or NULL. */
const vnet_packet *sp_last(vnet *n, const char *dst, const char *prefix);
/* Packets delivered to dst (NULL: any) starting with prefix. */
size_t sp_count(vnet *n, const char *dst, const char *prefix);
/* Packets sent by src (NULL: any) starting with prefix after (index) `from`. */
size_t sp_count_since(vnet *n, size_t from, const char *src, const char *prefix);
/* True when the packet text contains s. */
int sp_has(const vnet_packet *p, const char *s);

/* A vnet rule dropping packets: arg is an array of drop_spec ending with one whose prefix is
 * NULL. A packet from src (NULL: any) whose first line starts with prefix is dropped when it
 * is the first..first+count-1 th such packet (count 0: all from first on). */
typedef struct drop_spec {
    const char *src;
    const char *prefix;
    unsigned first, count;
    unsigned seen, dropped;
} drop_spec;
vnet_action drop_rule(void *arg, const vnet_packet *p, unsigned index);

/* cmocka helpers: compare a joined log, dumping everything on mismatch. */
#define PARTY_ASSERT_STR(getter, p, expected)                                                      \
    do {                                                                                           \
        char _buf[8192];                                                                           \
        const char *_got = getter((p), _buf, sizeof(_buf));                                        \
        if (strcmp(_got, (expected)) != 0) {                                                       \
            party_dump(p);                                                                         \
            vnet_dump((p)->n);                                                                     \
        }                                                                                          \
        assert_string_equal(_got, (expected));                                                     \
    } while (0)
#define assert_log(p, expected)   PARTY_ASSERT_STR(party_log_str, p, expected)
#define assert_trans(p, expected) PARTY_ASSERT_STR(party_trans_str, p, expected)
#define assert_hlog(p, expected)  PARTY_ASSERT_STR(party_hlog_str, p, expected)
#define assert_xlog(p, expected)  PARTY_ASSERT_STR(party_xlog_str, p, expected)

#endif
