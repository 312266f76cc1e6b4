/*
 * Forking made visible to the caller (RFC 3261 §13.2.2): every early dialog of our INVITE is
 * reported once, with what identifies the endpoint that rings (To tag, Contact, epid) and its
 * early answer; every later 2xx of another fork, which the UAC core ACKs and BYEs, is reported
 * once as an ignored fork. With an INVITE without offer, each fork may offer in a reliable 1xx:
 * each gets its own answer in its PRACK, and the fork whose 2xx makes the session decides which
 * exchange is in force.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "parley/error.h"
#include "session/sess.h"

void sess_fork_early(parley_session *s, const sip_msg *m, bool with_answer)
{
    if (!s->cbs->on_early_dialog || s->released || !m->to)
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
    s->cbs->on_early_dialog(s, &d, s->cbs_user);
    parley_session_unref(s);
}

void sess_fork_ignored(parley_session *s, const sip_msg *m)
{
    if (!s->cbs->on_fork_ignored || s->released)
        return;
    parley_session_ref(s);
    s->cbs->on_fork_ignored(s, m, s->cbs_user);
    parley_session_unref(s);
}

/* ---- early offers per fork ---- */

static int body_copy(sess_body *to, const sess_body *from)
{
    memset(to, 0, sizeof(*to));
    if (!from->data)
        return 0;
    to->ctype = from->ctype ? sess_ctype_dup(from->ctype) : NULL;
    to->data = pl_malloc(from->len ? from->len : 1);
    if ((from->ctype && !to->ctype) || !to->data) {
        sess_body_free(to);
        return PARLEY_E_NOMEM;
    }
    memcpy(to->data, from->data, from->len);
    to->len = from->len;
    return 0;
}

static sess_fork_oa *find_oa(const parley_session *s, pl_str tag)
{
    if (!s->uac)
        return NULL;
    pl_list_each(pos, &s->uac->fork_oa)
    {
        sess_fork_oa *r = pl_container_of(pos, sess_fork_oa, link);
        if (pl_str_eq(pl_str_c(r->tag), tag))
            return r;
    }
    return NULL;
}

static void free_oa(sess_fork_oa *r)
{
    pl_list_remove(&r->link);
    pl_free(r->tag);
    sess_body_free(&r->answer);
    pl_free(r);
}

bool sess_fork_oa_done(const parley_session *s, pl_str tag)
{
    return find_oa(s, tag) != NULL;
}

int sess_fork_oa_add(parley_session *s, pl_str tag)
{
    if (!s->uac)
        return PARLEY_E_STATE; /* only an INVITE of ours forks */
    sess_fork_oa *r = pl_calloc(1, sizeof(*r));
    if (!r)
        return PARLEY_E_NOMEM;
    pl_list_init(&r->link);
    r->tag = pl_str_dup(tag);
    r->offer = s->remote_desc;
    if (!r->tag || body_copy(&r->answer, &s->local_desc)) {
        pl_free(r->tag);
        pl_free(r);
        return PARLEY_E_NOMEM;
    }
    pl_list_insert_tail(&s->uac->fork_oa, &r->link);
    return 0;
}

bool sess_fork_oa_take(parley_session *s, pl_str tag)
{
    sess_fork_oa *r = find_oa(s, tag);
    if (r) {
        /* another fork may have offered (and been answered) since: this one's exchange counts */
        sess_body_free(&s->local_desc);
        s->remote_desc = r->offer;
        s->local_desc = r->answer;
        memset(&r->answer, 0, sizeof(r->answer));
    }
    sess_fork_oa_clear(s);
    return r != NULL;
}

void sess_fork_oa_clear(parley_session *s)
{
    while (s->uac && !pl_list_empty(&s->uac->fork_oa))
        free_oa(pl_container_of(s->uac->fork_oa.next, sess_fork_oa, link));
}
