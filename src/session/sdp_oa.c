/* The SDP negotiator as a ready offer/answer implementation for sessions. */
#include "parley/error.h"
#include "parley/sdp.h"
#include "session/sess.h"

static int neg_get_offer(parley_session *s, parley_content *out, void *user)
{
    (void)s;
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_offer(user, &body, &len);
    if (rc)
        return rc;
    out->content_type = "application/sdp";
    out->body = body;
    out->len = len;
    return 0;
}

static int neg_get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                          void *user)
{
    (void)s;
    parley_content sdp;
    if (!parley_sdp_find(offer, &sdp)) {
        out->content_type = "application/sdp"; /* what we take: 415 with it as Accept */
        return PARLEY_E_MEDIA_TYPE;
    }
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_answer(user, sdp.body, sdp.len, &body, &len, NULL);
    if (rc)
        return rc;
    out->content_type = "application/sdp";
    out->body = body;
    out->len = len;
    return 0;
}

static void neg_set_answer(parley_session *s, const parley_content *answer, void *user)
{
    (void)s;
    parley_content sdp;
    if (parley_sdp_find(answer, &sdp))
        parley_sdp_neg_set_answer(user, sdp.body, sdp.len, NULL);
    else
        parley_sdp_neg_rollback(user);
}

/* offer_in_response and offer_in_reinvite are left out: their defaults (answer at once,
 * accept) are what a negotiator wants */
static const parley_oa_ops sdp_ops = {
    neg_get_offer, neg_get_answer, neg_set_answer, NULL, NULL, NULL,
};

typedef struct use_args {
    const parley_sdp_cfg *cfg;
} use_args;

static void use_sdp_on_loop(sess_call *c)
{
    use_args *a = c->args;
    parley_session *s = c->s;
    bool incoming_ok = s->incoming && s->state == PARLEY_STATE_INCOMING;
    bool outgoing_ok = !s->incoming && s->state == PARLEY_STATE_IDLE;
    if ((!incoming_ok && !outgoing_ok) || s->participate || s->ending || s->released) {
        c->rc = PARLEY_E_STATE;
        return;
    }
    /* a negotiator of the session's own: its o= id and version belong to this session only */
    parley_sdp_neg *neg = NULL;
    c->rc = parley_sdp_neg_create(a->cfg, &neg);
    if (c->rc)
        return;
    parley_sdp_neg_free(s->neg);
    s->neg = neg;
    sess_set_oa(s, NULL);
    s->oa = &sdp_ops; /* static: nothing to share */
    s->oa_user = neg;
    s->has_oa = true;
}

int parley_session_use_sdp(parley_session *s, const parley_sdp_cfg *cfg)
{
    if (!s || !cfg)
        return PARLEY_E_INVAL;
    use_args a = {cfg};
    sess_call c = {s, use_sdp_on_loop, 0, &a};
    return sess_run(s, &c);
}

parley_sdp_neg *parley_session_sdp(parley_session *s)
{
    return s ? s->neg : NULL;
}
