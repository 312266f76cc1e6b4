/* The offer/answer contract's glue: calling the application and copying what it gives. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "parley/error.h"
#include "session/sess.h"
#include "sip/scan.h"

#define DEFAULT_MEDIA_TYPE "application/sdp"

/* The content type nearly every body has, shared instead of copied for each. */
static char sdp_ctype[] = DEFAULT_MEDIA_TYPE;

char *sess_ctype_dup(const char *ctype)
{
    if (!strcmp(ctype, sdp_ctype))
        return sdp_ctype;
    return pl_str_dup(pl_str_c(ctype));
}

void sess_ctype_free(char *ctype)
{
    if (ctype != sdp_ctype)
        pl_free(ctype);
}

void sess_body_free(sess_body *b)
{
    sess_ctype_free(b->ctype);
    pl_free(b->data);
    memset(b, 0, sizeof(*b));
}

static int copy_content(const parley_content *c, sess_body *out)
{
    memset(out, 0, sizeof(*out));
    if (!c->body)
        return 0;
    if (c->content_type && !sip_media_type_ok(c->content_type))
        return PARLEY_E_INVAL; /* it would go out as the Content-Type line */
    out->ctype = sess_ctype_dup(c->content_type ? c->content_type : DEFAULT_MEDIA_TYPE);
    out->data = pl_malloc(c->len ? c->len : 1);
    if (!out->ctype || !out->data) {
        sess_body_free(out);
        return PARLEY_E_NOMEM;
    }
    memcpy(out->data, c->body, c->len);
    out->len = c->len;
    return 0;
}

/* Keeps a copy of a description in force (a refresh repeats ours; theirs tells a refresh from
 * a new offer). */
static void keep(sess_body *slot, const char *ctype, const void *data, size_t len)
{
    sess_body_free(slot);
    if (!data)
        return;
    parley_content c = {ctype, data, len};
    copy_content(&c, slot);
}

int sess_get_offer(parley_session *s, sess_body *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->has_oa || !s->oa->get_offer)
        return 0;
    parley_content c = {0};
    parley_session_ref(s);
    int rc = s->oa->get_offer(s, &c, s->oa_user);
    parley_session_unref(s);
    if (rc)
        return rc;
    rc = copy_content(&c, out);
    if (!rc && out->data)
        keep(&s->local_desc, out->ctype, out->data, out->len);
    return rc;
}

bool sess_msg_has_body(const sip_msg *m)
{
    return m && m->body.len > 0;
}

bool sess_offer_unanswered(const sess_op *op, const sip_msg *m)
{
    return op->kind != OP_REFRESH && op->body && !sess_msg_has_body(m);
}

void sess_content_of(const sip_msg *m, parley_content *c, char *ctype_buf, size_t size)
{
    const sip_hdr *ct = sip_hdr_first(m, SIP_H_CONTENT_TYPE);
    size_t n = ct ? ct->value.len : 0;
    if (n >= size)
        n = size - 1; /* cut like the snprintf it replaces; size is never 0 */
    if (n)
        memcpy(ctype_buf, ct->value.p, n);
    ctype_buf[n] = '\0';
    c->content_type = ctype_buf;
    c->body = m->body.p;
    c->len = m->body.len;
}

/* Whether types is a list an Accept line may carry: media ranges ("type/subtype" tokens, "*"
 * allowed, parameters after ';'), comma-separated, none empty. */
static bool accept_list_ok(const char *types, size_t len)
{
    if (!len || !sip_header_value_ok(types))
        return false;
    pl_str rest = pl_str_make(types, len), item;
    while (sip_list_next(&rest, &item)) {
        char one[sizeof(((sess_refusal *)0)->line)];
        if (!item.len || item.len >= sizeof(one))
            return false;
        memcpy(one, item.p, item.len);
        one[item.len] = '\0';
        if (!sip_media_type_ok(one))
            return false;
    }
    return true;
}

static void set_refusal(sess_refusal *why, int rc, const char *types)
{
    if (!why)
        return;
    sess_refusal_init(why);
    if (rc != PARLEY_E_MEDIA_TYPE)
        return;
    if (!types)
        types = DEFAULT_MEDIA_TYPE;
    size_t n = strlen(types);
    static const char name[] = "Accept: ";
    if (n + sizeof(name) + 1 > sizeof(why->line) || !accept_list_ok(types, n))
        return; /* the application's list cannot go out: the plain refusal */
    why->code = 415;
    why->len = (size_t)snprintf(why->line, sizeof(why->line), "%s%s\r\n", name, types);
}

int sess_get_answer_kept(parley_session *s, const sip_msg *offer_msg, sess_body *out,
                         sess_refusal *why)
{
    memset(out, 0, sizeof(*out));
    if (!s->has_oa || !s->oa->get_answer) {
        set_refusal(why, PARLEY_E_UNSUPPORTED, NULL);
        return PARLEY_E_UNSUPPORTED; /* an offer nobody can answer: 488 (RFC 3261 §13.2.1) */
    }
    char ctype[256];
    parley_content offer, ans = {0};
    sess_content_of(offer_msg, &offer, ctype, sizeof(ctype));
    parley_session_ref(s);
    int rc = s->oa->get_answer(s, &offer, &ans, s->oa_user);
    parley_session_unref(s);
    if (rc) {
        set_refusal(why, rc, ans.content_type);
        return rc;
    }
    sess_body copy;
    if ((rc = copy_content(&ans, &copy)) != 0) {
        set_refusal(why, rc, NULL);
        return rc;
    }
    sess_digest_set(s, &s->remote_desc, offer.body, offer.len);
    if (!copy.data)
        return 0; /* no answer body: our description in force stays */
    sess_body_free(&s->local_desc);
    s->local_desc = copy;
    *out = copy;
    return 0;
}

int sess_get_answer(parley_session *s, const sip_msg *offer_msg, sess_body *out, sess_refusal *why)
{
    sess_body kept;
    int rc = sess_get_answer_kept(s, offer_msg, &kept, why);
    memset(out, 0, sizeof(*out));
    if (rc || !kept.data)
        return rc;
    parley_content c = {kept.ctype, kept.data, kept.len};
    rc = copy_content(&c, out); /* the caller's own */
    if (rc)
        set_refusal(why, rc, NULL);
    return rc;
}

void sess_set_answer(parley_session *s, const sip_msg *m)
{
    if (!sess_msg_has_body(m) || !s->has_oa || !s->oa->set_answer)
        return;
    char ctype[256];
    parley_content ans;
    sess_content_of(m, &ans, ctype, sizeof(ctype));
    sess_digest_set(s, &s->remote_desc, ans.body, ans.len);
    s->our_offer_pending = false;
    parley_session_ref(s);
    s->oa->set_answer(s, &ans, s->oa_user);
    parley_session_unref(s);
}

/* Appends the comma-separated items of v not yet in line (case-insensitive) to line. */
static void merge_items(pl_buf *line, const char *v)
{
    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        const char *e = v;
        while (*e && *e != ',')
            e++;
        pl_str item = pl_str_trim(pl_str_span(v, e));
        v = e;
        if (!item.len)
            continue;
        bool have = false;
        pl_str cur = pl_buf_str(line);
        const char *colon = memchr(cur.p, ':', cur.len);
        pl_str rest = colon ? pl_str_span(colon + 1, cur.p + cur.len) : cur;
        while (rest.len && !have) {
            const char *c = memchr(rest.p, ',', rest.len);
            pl_str x = pl_str_trim(c ? pl_str_span(rest.p, c) : rest);
            have = pl_str_casecmp_eq(x, item);
            rest = c ? pl_str_span(c + 1, rest.p + rest.len) : PL_STR_NULL;
        }
        if (!have) {
            pl_buf_puts(line, ", ");
            pl_buf_put_str(line, item);
        }
    }
}

static bool is_named(const char *name, const char *want)
{
    return pl_str_casecmp_eq(pl_str_c(name), pl_str_c(want));
}

static void digest(const parley_session *s, const void *data, size_t len, uint64_t h[2])
{
    h[0] = pl_hash_bytes(s->reg->digest_seed[0], data, len);
    h[1] = pl_hash_bytes(s->reg->digest_seed[1], data, len);
}

void sess_digest_set(const parley_session *s, sess_digest *d, const void *data, size_t len)
{
    memset(d, 0, sizeof(*d));
    if (!data)
        return;
    digest(s, data, len, d->h);
    d->len = len;
    d->set = true;
}

bool sess_same_desc(const parley_session *s, const sess_digest *d, const sip_msg *m)
{
    if (!d->set || !m || m->body.len != d->len)
        return false;
    uint64_t h[2];
    digest(s, m->body.p, m->body.len, h);
    return h[0] == d->h[0] && h[1] == d->h[1];
}

static bool names_capabilities(const sip_kv *h, size_t nh)
{
    for (size_t i = 0; i < nh; i++)
        if (is_named(h[i].name, "Allow") || is_named(h[i].name, "Supported") ||
            is_named(h[i].name, "k"))
            return true;
    return false;
}

bool sess_headers_list(const sip_kv *h, size_t nh, const char *name, const char *tag)
{
    for (size_t i = 0; i < nh; i++) {
        if (!is_named(h[i].name, name))
            continue;
        pl_str v = pl_str_c(h[i].value), item;
        for (int k = 0; k < 64 && sip_list_next(&v, &item); k++)
            if (pl_str_casecmp_eq(item, pl_str_c(tag)))
                return true;
    }
    return false;
}

void sess_print_headers(parley_session *s, pl_buf *b, const sip_kv *h, size_t nh)
{
    if (names_capabilities(h, nh))
        sess_print_common(s, b, h, nh);
    else
        ep_print_headers(b, h, nh);
}

const sip_kv *sess_with_request_headers(const parley_session *s, const sip_kv *h, size_t nh,
                                        bool cancel, sip_kv *room, size_t nroom, sip_kv **owned,
                                        size_t *n)
{
    *owned = NULL;
    *n = nh;
    if (!s->nreq_hdrs)
        return h;
    size_t cap = nh + s->nreq_hdrs;
    sip_kv *all = cap <= nroom ? room : (*owned = pl_malloc(cap * sizeof(*all)));
    if (!all)
        return h;
    for (size_t i = 0; i < nh; i++)
        all[i] = h[i];
    size_t k = nh;
    for (size_t i = 0; i < s->nreq_hdrs; i++) {
        const char *name = s->req_hdrs[i].name;
        if (cancel && (!strcasecmp(name, "Require") || !strcasecmp(name, "Proxy-Require")))
            continue;
        if (!ep_kv_named(h, nh, name))
            all[k++] = s->req_hdrs[i];
    }
    *n = k;
    return all;
}

void sess_print_common(parley_session *s, pl_buf *b, const sip_kv *h, size_t nh)
{
    /* the stack's Allow and Supported, with what the application added merged in: one header
     * field each, no value twice; what a session takes is the same whatever the application
     * set (in-session MESSAGE is always taken) */
    static const char sup_rel[] = EP_SUPPORTED_100REL;
    static const char sup_plain[] = EP_SUPPORTED_PLAIN;
    bool merge = names_capabilities(h, nh);
    bool rel = s->rel100 != PARLEY_100REL_UNSUPPORTED;
    if (!merge) {
        /* the common case: no merging, the lines as they are */
        pl_buf_put_lit(b, SESS_ALLOW "\r\n");
        if (rel)
            pl_buf_put(b, sup_rel, sizeof(sup_rel) - 1);
        else
            pl_buf_put(b, sup_plain, sizeof(sup_plain) - 1);
        pl_buf_put_lit(b, "\r\n");
        ep_print_headers(b, h, nh);
        return;
    }
    char allow_room[256], sup_room[128];
    pl_buf allow, sup;
    pl_buf_init_on(&allow, allow_room, sizeof(allow_room));
    pl_buf_init_on(&sup, sup_room, sizeof(sup_room));
    pl_buf_put_lit(&allow, SESS_ALLOW);
    if (rel)
        pl_buf_put(&sup, sup_rel, sizeof(sup_rel) - 1);
    else
        pl_buf_put(&sup, sup_plain, sizeof(sup_plain) - 1);
    for (size_t i = 0; i < nh; i++) {
        if (is_named(h[i].name, "Allow"))
            merge_items(&allow, h[i].value);
        else if (is_named(h[i].name, "Supported") || is_named(h[i].name, "k"))
            merge_items(&sup, h[i].value);
    }
    pl_buf_put_str(b, pl_buf_str(&allow));
    pl_buf_put_lit(b, "\r\n");
    pl_buf_put_str(b, pl_buf_str(&sup));
    pl_buf_put_lit(b, "\r\n");
    pl_buf_free(&allow);
    pl_buf_free(&sup);
    /* the application's other headers */
    for (size_t i = 0; i < nh; i++) {
        if (is_named(h[i].name, "Allow") || is_named(h[i].name, "Supported") ||
            is_named(h[i].name, "k"))
            continue;
        ep_print_headers(b, &h[i], 1);
    }
}
