/*
 * Dialogs (RFC 3261 §12): identity (Call-ID, local and remote tags), the route set, the remote
 * target, CSeq numbers, and the printing of in-dialog requests. An INVITE may have several
 * early dialogs (one per To tag of its 1xx responses); the 2xx confirms one.
 */
#ifndef DLG_DLG_H
#define DLG_DLG_H

#include "core/hash.h"
#include "core/list.h"
#include "endpoint/ep.h"
#include "sip/build.h"
#include "sip/msg.h"

typedef struct dlg {
    pl_hnode node; /* in the dialog table */
    pl_list link;  /* in its owner's list */
    void *owner;
    char *call_id;
    char *local_tag;
    char *remote_tag;
    /* their lengths, fixed with them when the dialog is made: the table compares and hashes
     * them on every in-dialog request */
    uint32_t call_id_len, local_tag_len, remote_tag_len;
    char *local_hdr;     /* our From/To value, tag included */
    char *remote_hdr;    /* the peer's, tag included */
    char *remote_target; /* Contact URI */
    char **routes;       /* Route values to send, in order */
    uint32_t nroutes;
    uint32_t local_cseq;
    uint32_t remote_cseq;
    uint32_t rseq; /* UAC: the RSeq of the last reliable 1xx taken (RFC 3262 §4) */
    bool remote_cseq_set;
    bool rseq_set;
    bool secure;
    bool in_table;
    bool early;
    bool uac; /* we sent the INVITE that made it */
    /* the identity strings above (and the first remote_hdr and remote_target) are copied here,
     * in the dialog's own allocation; later values of those that change are on the heap */
    uint32_t strs_len;
    char strs[];
} dlg;

/* UAC side: from the request we sent (From, Call-ID, CSeq, Request-URI) and a 1xx/2xx with a To
 * tag. The remote target is the response's Contact; a response without one (RFC 3261 §12.1.2
 * wants it) leaves the target where the request went: request_uri, or the To URI when NULL,
 * so that the ACK and later requests never go out with an empty Request-URI. */
dlg *dlg_new_uac(const char *call_id, const char *local_hdr, const char *local_tag, uint32_t cseq,
                 const char *request_uri, const sip_msg *resp);
/* UAS side: from the INVITE received and our tag. The remote target is its Contact, or the
 * From URI when it has none (the same reason). */
dlg *dlg_new_uas(const sip_msg *req, const char *local_tag, const char *epid);
/* Whether the dialog req makes at the UAS is secure, its Contact sips (RFC 3261 §12.1.1): a
 * sips Request-URI; else a sips top Record-Route; without Record-Route, a sips Contact. */
bool dlg_request_secure(const sip_msg *req);
void dlg_free(dlg *d);

/* Target refresh (RFC 3261 §12.2): a 2xx or re-INVITE's Contact replaces the remote target;
 * a 2xx to the initial INVITE also sets the route set of an early UAC dialog. */
void dlg_update_from_response(dlg *d, const sip_msg *resp, bool final_2xx);
void dlg_refresh_target(dlg *d, const sip_msg *m);

/* Checks a request's CSeq against the remote sequence (RFC 3261 §12.2.2): false when it is
 * out of order (answer 500); otherwise records it. */
bool dlg_accept_cseq(dlg *d, const sip_msg *req);

/* The URI to resolve to reach the peer: the first route, or the remote target. */
void dlg_next_hop(const dlg *d, char *out, size_t size);

/* Prints an in-dialog request (RFC 3261 §12.2.1.1). cseq 0 takes the next local number;
 * contact may be empty. */
typedef struct dlg_req {
    const char *method;
    uint32_t cseq;
    pl_str via;
    pl_str contact;
    const sip_kv *extra;
    size_t nextra;
    pl_str extra_raw;
    pl_str content_type;
    pl_str body;
} dlg_req;
int dlg_build_request(dlg *d, const dlg_req *r, sip_out *out);

/* Dialog table keyed by (Call-ID, local tag, remote tag). */
void dlg_table_insert(pl_hash *t, dlg *d);
void dlg_table_remove(pl_hash *t, dlg *d);
dlg *dlg_table_find(pl_hash *t, pl_str call_id, pl_str local_tag, pl_str remote_tag);

#endif
