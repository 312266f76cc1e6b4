/*
 * An INVITE that replaces a dialog (RFC 3891 §3): its Replaces header names a dialog of this
 * endpoint (Call-ID, to-tag = our tag, from-tag = the peer's); the new session is handed to the
 * application with the one it replaces, and once the application accepts it (its 200 goes) the
 * replaced session is terminated as the application's own terminate would (BYE, or CANCEL of
 * our INVITE that is still ringing).
 */
#include "parley/error.h"
#include "session/sess.h"
#include "sip/replaces.h"

/* A session that ended and waits for on_released (out of the dialog table): the dialog r names,
 * already terminated. */
static bool ended_match(sess_registry *reg, const sip_replaces *r)
{
    pl_list_each(pos, &reg->ended)
    {
        const parley_session *s = pl_container_of(pos, parley_session, link);
        if (s->call_id && s->local_tag && s->remote_tag &&
            pl_str_eq(pl_str_c(s->call_id), r->call_id) &&
            pl_str_eq(pl_str_c(s->local_tag), r->to_tag) &&
            pl_str_eq(pl_str_c(s->remote_tag), r->from_tag))
            return true;
    }
    return false;
}

/* §3's answer for a match on dialog d of session s: 0 (replace it), or the status. */
static int match_status(const parley_session *s, const dlg *d, bool early_only)
{
    if (s->state == PARLEY_STATE_DISCONNECTED || s->ending || s->released)
        return 603; /* already terminated (or being terminated): declined */
    /* an incoming session's dialog is confirmed by our 2xx, before its ACK (RFC 3261 §12.1.1);
     * an outgoing one's by the 2xx, before our ACK goes (on_accepted may defer it) */
    bool confirmed = s->state == PARLEY_STATE_CONNECTED ||
                     (s->incoming && s->state == PARLEY_STATE_CONNECTING) ||
                     (!s->incoming && d == s->dlg && !d->early);
    if (confirmed) {
        if (d != s->dlg)
            return 603; /* another fork's dialog, ACKed and BYEd already */
        return early_only ? 486 : 0;
    }
    if (s->incoming)
        return 481; /* an early dialog this UA did not initiate: left alone */
    /* an early dialog of our INVITE: replaced, our INVITE CANCELled */
    return d->early ? 0 : 481;
}

int sess_replaces_match(sess_registry *reg, const sip_msg *m, parley_session **old)
{
    *old = NULL;
    const sip_hdr *h = sip_hdr_first(m, SIP_H_REPLACES);
    if (!h)
        return 0;
    sip_replaces r;
    if (sip_hdr_next(m, h) || !sip_replaces_parse(h->value, &r))
        return 400; /* more than one, or malformed */
    if (sip_hdr_find(m, PL_STR_LIT("Join"), 0))
        return 400; /* contradictory semantics (RFC 3911's Join) */
    dlg *d = dlg_table_find(&reg->dialogs, r.call_id, r.to_tag, r.from_tag);
    parley_session *s = d ? sess_from_dialog(d) : NULL;
    if (!s)
        return ended_match(reg, &r) ? 603 : 481;
    int status = match_status(s, d, r.early_only);
    if (!status)
        *old = s;
    return status;
}

int sess_replaces_keep(parley_session *s, parley_session *old)
{
    if (!old)
        return 0;
    sess_lists *l = sess_lists_get(s);
    if (!l)
        return PARLEY_E_NOMEM;
    l->replaced = parley_session_ref(old);
    return 0;
}

static parley_session *replaced_of(const parley_session *s)
{
    return s->lists ? s->lists->replaced : NULL;
}

bool sess_replaces_lost(const parley_session *s)
{
    const parley_session *old = replaced_of(s);
    /* (ending: another INVITE replaced it first, or the application is ending it) */
    return old && (old->state == PARLEY_STATE_DISCONNECTED || old->released || old->ending);
}

void sess_replaces_accepted(parley_session *s)
{
    parley_session *old = replaced_of(s);
    if (!old)
        return;
    s->lists->replaced = NULL;
    /* on the loop: checked and queued here, run after this flow (its events after ours); a
     * session the application is ending already needs nothing more (PARLEY_E_STATE) */
    parley_session_terminate(old, NULL, 0, NULL, NULL);
    parley_session_unref(old);
}

void sess_replaces_drop(parley_session *s)
{
    parley_session *old = replaced_of(s);
    if (!old)
        return;
    s->lists->replaced = NULL;
    parley_session_unref(old);
}
