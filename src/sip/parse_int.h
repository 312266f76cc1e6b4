/* Internal to the parser: fault recording and the typed value parsers. */
#ifndef SIP_PARSE_INT_H
#define SIP_PARSE_INT_H

#include "sip/msg.h"
#include "sip/scan.h"

/* Records a fault; the first fault of the highest severity (LIMIT > PARSE > UNUSABLE) wins. */
void sip_fault(sip_msg *m, int code, const char *at, int status, const char *what,
               const char *reason);

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
