/*
 * Forking made visible to the caller (RFC 3261 §13.2.2): every early dialog of our INVITE is
 * reported once, with what identifies the endpoint that rings (To tag, Contact, epid) and its
 * early answer; every later 2xx of another fork, which the UAC core ACKs and BYEs, is reported
 * once as an ignored fork.
 */
#include <stdio.h>

#include "core/alloc.h"
#include "session/sess.h"

void sess_fork_early(parley_session *s, const sip_msg *m, bool with_answer)
{
    if (!s->cbs.on_early_dialog || s->released || !m->to)
        return;
    char tag[128], contact[512], epid[128], ctype[256];
    snprintf(tag, sizeof(tag), "%.*s", (int)m->to->tag.len, m->to->tag.p);
    if (m->contact)
        snprintf(contact, sizeof(contact), "%.*s", (int)m->contact->uri.raw.len,
                 m->contact->uri.raw.p);
    if (m->to->epid.len)
        snprintf(epid, sizeof(epid), "%.*s", (int)m->to->epid.len, m->to->epid.p);
    parley_content answer;
    if (with_answer)
        sess_content_of(m, &answer, ctype, sizeof(ctype));
    parley_early_dialog d = {
        .to_tag = tag,
        .response = m,
        .status = m->status,
        .contact = m->contact ? contact : NULL,
        .epid = m->to->epid.len ? epid : NULL,
        .answer = with_answer ? &answer : NULL,
    };
    parley_session_ref(s);
    s->cbs.on_early_dialog(s, &d, s->cbs_user);
    parley_session_unref(s);
}

void sess_fork_ignored(parley_session *s, const sip_msg *m)
{
    if (!s->cbs.on_fork_ignored || s->released)
        return;
    parley_session_ref(s);
    s->cbs.on_fork_ignored(s, m, s->cbs_user);
    parley_session_unref(s);
}
