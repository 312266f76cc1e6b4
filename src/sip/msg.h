/*
 * The SIP message model: a parsed request or response whose every value is a slice into the
 * message's own copy of its bytes. One allocation holds the message, its bytes and the first
 * chunk of its arena; headers, Via and address lists live in the arena.
 */
#ifndef SIP_MSG_H
#define SIP_MSG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"
#include "parley/msg.h"

typedef struct parley_msg sip_msg;
typedef parley_parse_error sip_error;
typedef parley_parse_limits sip_limits;

/* Methods the stack knows by name; anything else is SIP_METHOD_OTHER with its text kept. */
typedef enum sip_method {
    SIP_METHOD_OTHER = 0,
    SIP_METHOD_INVITE,
    SIP_METHOD_ACK,
    SIP_METHOD_BYE,
    SIP_METHOD_CANCEL,
    SIP_METHOD_OPTIONS,
    SIP_METHOD_REGISTER,
    SIP_METHOD_MESSAGE,
    SIP_METHOD_INFO,
    SIP_METHOD_REFER,
    SIP_METHOD_NOTIFY,
    SIP_METHOD_SUBSCRIBE,
    SIP_METHOD_UPDATE,
    SIP_METHOD_PRACK,
    SIP_METHOD_PUBLISH,
    SIP_METHOD_BENOTIFY,
    SIP_METHOD_SERVICE,
    SIP_METHOD_COUNT
} sip_method;

sip_method sip_method_from_str(pl_str s);
const char *sip_method_name(sip_method m); /* NULL for SIP_METHOD_OTHER */

/* Header ids. The first group is parsed eagerly; the rest on demand. */
typedef enum sip_hdr_id {
    SIP_H_OTHER = 0,
    SIP_H_VIA,
    SIP_H_FROM,
    SIP_H_TO,
    SIP_H_CALL_ID,
    SIP_H_CSEQ,
    SIP_H_MAX_FORWARDS,
    SIP_H_CONTACT,
    SIP_H_ROUTE,
    SIP_H_RECORD_ROUTE,
    SIP_H_CONTENT_TYPE,
    SIP_H_CONTENT_LENGTH,
    /* on demand */
    SIP_H_ACCEPT,
    SIP_H_ACCEPT_CONTACT,
    SIP_H_ACCEPT_ENCODING,
    SIP_H_ACCEPT_LANGUAGE,
    SIP_H_ALERT_INFO,
    SIP_H_ALLOW,
    SIP_H_ALLOW_EVENTS,
    SIP_H_AUTHENTICATION_INFO,
    SIP_H_AUTHORIZATION,
    SIP_H_CALL_INFO,
    SIP_H_CONTENT_DISPOSITION,
    SIP_H_CONTENT_ENCODING,
    SIP_H_CONTENT_LANGUAGE,
    SIP_H_DATE,
    SIP_H_ERROR_INFO,
    SIP_H_EVENT,
    SIP_H_EXPIRES,
    SIP_H_IDENTITY,
    SIP_H_IDENTITY_INFO,
    SIP_H_IN_REPLY_TO,
    SIP_H_MIME_VERSION,
    SIP_H_MIN_EXPIRES,
    SIP_H_MIN_SE,
    SIP_H_ORGANIZATION,
    SIP_H_PATH,
    SIP_H_PRIORITY,
    SIP_H_PROXY_AUTHENTICATE,
    SIP_H_PROXY_AUTHORIZATION,
    SIP_H_PROXY_REQUIRE,
    SIP_H_RACK,
    SIP_H_REASON,
    SIP_H_REFER_SUB,
    SIP_H_REFER_TO,
    SIP_H_REFERRED_BY,
    SIP_H_REJECT_CONTACT,
    SIP_H_REPLACES,
    SIP_H_REPLY_TO,
    SIP_H_REQUEST_DISPOSITION,
    SIP_H_REQUIRE,
    SIP_H_RETRY_AFTER,
    SIP_H_RSEQ,
    SIP_H_SERVER,
    SIP_H_SERVICE_ROUTE,
    SIP_H_SESSION_EXPIRES,
    SIP_H_SIP_ETAG,
    SIP_H_SIP_IF_MATCH,
    SIP_H_SUBJECT,
    SIP_H_SUBSCRIPTION_STATE,
    SIP_H_SUPPORTED,
    SIP_H_TIMESTAMP,
    SIP_H_UNSUPPORTED,
    SIP_H_USER_AGENT,
    SIP_H_WARNING,
    SIP_H_WWW_AUTHENTICATE,
    SIP_H_COUNT
} sip_hdr_id;

enum {
    SIP_HF_LIST = 1,   /* several comma-separated values may share one line */
    SIP_HF_SINGLE = 2, /* at most one occurrence allowed */
};

typedef struct sip_hdr_info {
    const char *name; /* canonical long form */
    char compact;     /* compact form letter or 0 */
    uint8_t flags;    /* SIP_HF_* */
} sip_hdr_info;

extern const sip_hdr_info sip_hdr_table[SIP_H_COUNT];
/* Id of a header name (long or compact form, any case); SIP_H_OTHER when unknown. */
sip_hdr_id sip_hdr_lookup(const char *name, size_t len);
/* The same with the name's hash already computed (sip_hdr_hash_step over each character from
 * SIP_HDR_HASH_INIT), as the parser does while it scans the name. */
sip_hdr_id sip_hdr_lookup_hashed(const char *name, size_t len, unsigned hash);
#define SIP_HDR_HASH_INIT 2166136261u
/* c | 0x20 folds letters to lower case (and leaves other characters alike enough: a collision
 * only costs the comparison that follows). */
static inline unsigned sip_hdr_hash_step(unsigned h, char c)
{
    return (h ^ ((unsigned char)c | 0x20u)) * 16777619u;
}

#define SIP_HDR_NONE 0xffffu

typedef struct sip_hdr {
    pl_str name;     /* as written */
    pl_str value;    /* LWS trimmed at both ends; folded lines stay inside */
    uint32_t offset; /* byte offset of the field's first character */
    uint16_t id;     /* sip_hdr_id */
    uint16_t next;   /* index of the next field with the same id, or SIP_HDR_NONE */
} sip_hdr;

typedef enum sip_uri_kind {
    SIP_URI_NONE = 0,
    SIP_URI_SIP,
    SIP_URI_SIPS,
    SIP_URI_TEL,
    SIP_URI_OTHER, /* absoluteURI of another scheme: only raw and scheme are set */
} sip_uri_kind;

typedef enum sip_host_type {
    SIP_HOST_NONE = 0,
    SIP_HOST_NAME,
    SIP_HOST_IPV4,
    SIP_HOST_IPV6,
} sip_host_type;

typedef struct sip_uri {
    pl_str raw; /* the whole URI */
    pl_str scheme;
    pl_str user; /* sip/sips userinfo user, tel number */
    pl_str password;
    pl_str host;    /* IPv6 references without the brackets */
    pl_str params;  /* text after the first ';' up to '?' (no leading ';') */
    pl_str headers; /* text after '?' */
    pl_str transport, maddr, user_param, method, ttl; /* well-known parameters (raw) */
    uint16_t port;                                    /* 0 when absent */
    uint8_t kind;                                     /* sip_uri_kind */
    uint8_t host_type;
    bool lr;
} sip_uri;

/* name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route... */
typedef struct sip_naddr {
    pl_str raw;     /* the whole value element */
    pl_str display; /* as written: quoted string with its quotes, or tokens; empty if none */
    sip_uri uri;
    pl_str params;                /* header parameters after the URI, no leading ';' */
    pl_str tag, epid, expires, q; /* well-known parameters (raw values) */
    struct sip_naddr *next;
    bool bracketed; /* written as <uri> */
} sip_naddr;

typedef struct sip_via {
    pl_str raw;
    pl_str protocol, version, transport;        /* "SIP", "2.0", "UDP" */
    pl_str host;                                /* IPv6 without brackets */
    pl_str params;                              /* no leading ';' */
    pl_str branch, received, rport, maddr, ttl; /* raw values; rport empty when bare */
    struct sip_via *next;
    uint16_t port; /* 0 when absent */
    uint8_t host_type;
    bool has_rport;
} sip_via;

typedef struct sip_cseq {
    uint32_t num;
    pl_str method;
    uint8_t method_id;
} sip_cseq;

typedef struct sip_ctype {
    pl_str type, subtype, params; /* params: after the first ';', no leading ';' */
} sip_ctype;

struct parley_msg {
    atomic_uint refs;
    bool is_request;
    uint8_t method_id; /* sip_method */
    uint16_t status;
    pl_str method;
    pl_str version;
    pl_str reason;
    sip_uri ruri;

    sip_hdr *hdrs;
    uint16_t nhdrs;
    uint16_t hdr_cap;
    uint16_t first[SIP_H_COUNT]; /* first field index per id, SIP_HDR_NONE when absent */

    sip_via *via; /* topmost first */
    unsigned nvia;
    sip_naddr *from; /* NULL when absent */
    sip_naddr *to;
    sip_naddr *contact; /* list, NULL when absent */
    bool contact_star;
    sip_naddr *route;
    sip_naddr *record_route;
    pl_str call_id;
    sip_cseq cseq;
    bool has_cseq;
    int max_forwards;       /* -1 when absent */
    sip_ctype ctype;        /* empty when absent */
    int64_t content_length; /* -1 when absent */
    pl_str body;

    pl_str data;     /* this message's copy of the input */
    size_t consumed; /* bytes of the input that form this message */
    sip_error err;   /* first fault found; code 0 when none */

    pl_arena arena;
    /* Transport annotations, set by the receiving transport. */
    void *source;
};

extern const sip_limits sip_default_limits;

/* Internal parse flag, beside the public PARLEY_PARSE_*: data is the start of a message the
 * stream framer found larger than max_size. It gets the 513 fault and its header section is
 * searched for what an answer needs, as for an oversize datagram. */
#define SIP_PARSE_TOO_LARGE 0x100u

/* Parsing (parse.c). Flags are PARLEY_PARSE_* and SIP_PARSE_TOO_LARGE. See parley_msg_parse for
 * the contract; past a limit the message still holds Via, From, To, Call-ID and CSeq when they
 * could be read (a 400, 414 or 513 is then possible), and at most max_size bytes of input. */
int sip_msg_parse(const char *data, size_t len, unsigned flags, const sip_limits *lim,
                  sip_msg **out, sip_error *err);
/* Drops a reference (messages are reference-counted: see parley_msg_ref); the last one frees. */
void sip_msg_free(sip_msg *m);

/*
 * Stream framing (frame.c): looks at the start of a TCP/TLS byte stream. Leading CRLFs
 * (keep-alives) are counted into *skip. Returns 0 with *msg_len = length of the first complete
 * message after the skipped bytes; PARLEY_E_INCOMPLETE when more bytes are needed;
 * PARLEY_E_PARSE or PARLEY_E_LIMIT when the stream cannot be framed (close it).
 */
int sip_frame(const char *data, size_t len, const sip_limits *lim, size_t *skip, size_t *msg_len);

/* Header access. */
static inline const sip_hdr *sip_hdr_first(const sip_msg *m, sip_hdr_id id)
{
    uint16_t i = m->first[id];
    return i == SIP_HDR_NONE ? NULL : &m->hdrs[i];
}
static inline const sip_hdr *sip_hdr_next(const sip_msg *m, const sip_hdr *h)
{
    return h->next == SIP_HDR_NONE ? NULL : &m->hdrs[h->next];
}
/* nth field with this name (any id, compact forms included). */
const sip_hdr *sip_hdr_find(const sip_msg *m, pl_str name, size_t nth);
/* A delta-seconds value (Expires, Min-Expires...): true and *out when v is digits (at most
 * 2^32-1) with only white space around them. */
bool sip_delta_seconds(pl_str v, unsigned *out);
/* The first field of id as delta-seconds (sip_delta_seconds); false when absent. */
bool sip_hdr_uint(const sip_msg *m, sip_hdr_id id, unsigned *out);

#endif
