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

static bool is_sdp(const char *ctype)
{
    /* "application/sdp", any case, parameters allowed */
    const char *want = "application/sdp";
    size_t i = 0;
    for (; want[i]; i++)
        if (!ctype[i] || pl_tolower(ctype[i]) != want[i])
            return false;
    return ctype[i] == '\0' || ctype[i] == ';' || ctype[i] == ' ';
}

static int neg_get_answer(parley_session *s, const parley_content *offer, parley_content *out,
                          void *user)
{
    (void)s;
    if (!offer->content_type || !is_sdp(offer->content_type))
        return PARLEY_E_UNSUPPORTED; /* not SDP: refused (488) */
    const uint8_t *body;
    size_t len;
    int rc = parley_sdp_neg_answer(user, offer->body, offer->len, &body, &len, NULL);
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
    if (answer->content_type && is_sdp(answer->content_type))
        parley_sdp_neg_set_answer(user, answer->body, answer->len, NULL);
    else
        parley_sdp_neg_rollback(user);
}

static void neg_offer_in_response(parley_session *s, parley_pending_answer *p,
                                  const parley_content *offer, void *user)
{
    (void)s;
    (void)offer;
    (void)user;
    parley_pending_answer_ready(p, NULL, 0);
}

static void neg_offer_in_reinvite(parley_session *s, parley_reinvite *r,
                                  const parley_content *offer, void *user)
{
    (void)s;
    (void)offer;
    (void)user;
    parley_reinvite_accept(r, NULL, 0, NULL, NULL);
}

static const parley_oa_ops sdp_ops = {
    neg_get_offer,         neg_get_answer,        neg_set_answer,
    neg_offer_in_response, neg_offer_in_reinvite, NULL,
};

int parley_session_use_sdp(parley_session *s, parley_sdp_neg *neg)
{
    if (!s || !neg)
        return PARLEY_E_INVAL;
    return parley_session_set_offer_answer(s, &sdp_ops, neg);
}
