/* Internal to the parser: fault recording and the typed value parsers. */
#ifndef SIP_PARSE_INT_H
#define SIP_PARSE_INT_H

#include "sip/block.h"
#include "sip/msg.h"
#include "sip/scan.h"

/*
 * The line that starts at p, in the message's bytes lo..end: returns its LF (NULL when no LF
 * follows: the line does not end), and sets *le to its end (the CR of a CRLF, the LF of a bare
 * LF; p without an LF), *cr to its first CR that is not part of the line break and *nul to its
 * first NUL byte (NULL when none). One pass over the line's bytes, a block at a time.
 */
static inline const char *sip_next_line(const char *lo, const char *p, const char *end,
                                        const char **le, const char **cr, const char **nul)
{
    *le = p;
    *cr = *nul = NULL;
    for (const char *s = p;; s++) {
        s = sip_find_ctl(lo, s, end);
        if (s == end)
            return NULL;
        if (*s == '\n') {
            *le = s;
            return s;
        }
        if (*s == '\r') {
            if (s + 1 < end && s[1] == '\n') {
                *le = s;
                return s + 1;
            }
            if (!*cr)
                *cr = s;
        } else if (!*nul) {
            *nul = s;
        }
    }
}

/* Records a fault; the first fault of the highest severity (LIMIT > PARSE > UNUSABLE) wins. */
void sip_fault(sip_msg *m, int code, const char *at, int status, const char *what,
               const char *reason);

/* The fields a response copies from its request: Via, From, To, Call-ID, CSeq. */
bool sip_answer_field(sip_hdr_id id);

/*
 * Splits the header section at p..end into m->hdrs (split.c). Returns the start of the body, or
 * NULL after a fault. With salvage (a fault was already recorded) or after its own first fault,
 * it goes on to the end of the section collecting only the fields an answer needs. cut: the
 * input is the start of a longer message, so it may end inside a field.
 */
const char *sip_split_headers(sip_msg *m, const char *p, const char *end, const sip_limits *lim,
                              bool salvage, bool cut);

/* Each parses the value of one header field into the message; false after recording a fault. */
bool sip_parse_via_field(sip_msg *m, const sip_hdr *h, const sip_limits *lim, sip_via ***tail);
bool sip_parse_naddr_field(sip_msg *m, const sip_hdr *h, const sip_limits *lim, bool list,
                           sip_naddr ***tail);
bool sip_parse_cseq_field(sip_msg *m, const sip_hdr *h);
bool sip_parse_ctype_field(sip_msg *m, const sip_hdr *h);
bool sip_check_call_id(sip_msg *m, const sip_hdr *h);
bool sip_check_date(sip_msg *m, const sip_hdr *h);
/* 1*DIGIT no larger than max; records a fault naming `what` otherwise. */
bool sip_parse_uint_field(sip_msg *m, const sip_hdr *h, uint64_t max, uint64_t *out);

/* Parses one name-addr/addr-spec with its header parameters at s (used by Refer-To & co.). */
bool sip_parse_naddr(sip_scan *s, sip_naddr *na, const char **fault_at, const char **reason);

#endif
