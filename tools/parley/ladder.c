#include "ladder.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parley/error.h"

void ladder_init(cli_ladder *l)
{
    memset(l, 0, sizeof(*l));
}

void ladder_free(cli_ladder *l)
{
    for (size_t i = 0; i < l->ncols; i++)
        free(l->cols[i]);
    for (size_t i = 0; i < l->ncalls; i++)
        free(l->calls[i]);
    for (size_t i = 0; i < l->nmsgs; i++)
        parley_msg_unref(l->msgs[i].m);
    free(l->cols);
    free(l->calls);
    free(l->slots);
    free(l->msgs);
    memset(l, 0, sizeof(*l));
}

/* The column of an address, added when new; -1 when all columns are taken or out of
 * memory. */
static long intern_col(cli_ladder *l, const char *s)
{
    for (size_t i = 0; i < l->ncols; i++)
        if (!strcmp(l->cols[i], s))
            return (long)i;
    if (l->ncols >= LADDER_MAX_COLS)
        return -1;
    char **grown = realloc(l->cols, (l->ncols + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    l->cols = grown;
    if (!(grown[l->ncols] = strdup(s)))
        return -1;
    return (long)l->ncols++;
}

static uint64_t hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h;
}

/* The index of a Call-ID in l->calls, added when new (an open-addressing table of indexes,
 * kept at most half full: captures with thousands of calls stay linear); -1 when out of
 * memory. */
static long intern_call(cli_ladder *l, const char *p, size_t n)
{
    if (2 * (l->ncalls + 1) > l->nslots) {
        size_t nslots = l->nslots ? 2 * l->nslots : 64;
        long *slots = malloc(nslots * sizeof(*slots));
        if (!slots)
            return -1;
        for (size_t i = 0; i < nslots; i++)
            slots[i] = -1;
        for (size_t i = 0; i < l->ncalls; i++) {
            size_t j = hash(l->calls[i], strlen(l->calls[i])) & (nslots - 1);
            while (slots[j] >= 0)
                j = (j + 1) & (nslots - 1);
            slots[j] = (long)i;
        }
        free(l->slots);
        l->slots = slots;
        l->nslots = nslots;
    }
    size_t j = hash(p, n) & (l->nslots - 1);
    for (; l->slots[j] >= 0; j = (j + 1) & (l->nslots - 1)) {
        const char *c = l->calls[l->slots[j]];
        if (strlen(c) == n && !memcmp(c, p, n))
            return l->slots[j];
    }
    char **grown = realloc(l->calls, (l->ncalls + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    l->calls = grown;
    char *copy = malloc(n + 1);
    if (!copy)
        return -1;
    memcpy(copy, p, n);
    copy[n] = '\0';
    grown[l->ncalls] = copy;
    l->slots[j] = (long)l->ncalls;
    return (long)l->ncalls++;
}

/* Whether the parse found a start line: a method, or a status code. */
static bool looks_sip(const parley_msg *m)
{
    return parley_msg_status(m) > 0 || parley_msg_method(m).len > 0;
}

int ladder_add(cli_ladder *l, uint64_t time_us, const char *transport, const char *src,
               const char *dst, const char *data, size_t len)
{
    if (len < 8 || memcmp(data, "\r\n", 2) == 0)
        return 0; /* keep-alives and stray bytes */
    parley_msg *m = NULL;
    int rc = parley_msg_parse(data, len, 0, NULL, &m, NULL);
    if (!m) {
        l->dropped += rc == PARLEY_E_NOMEM;
        return rc == PARLEY_E_NOMEM ? -1 : 0;
    }
    if (!looks_sip(m)) {
        parley_msg_unref(m);
        return 0;
    }
    if (l->nmsgs >= LADDER_MAX_MSGS || l->bytes + len > LADDER_MAX_BYTES)
        goto drop;
    if (l->nmsgs == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ladder_msg *grown = realloc(l->msgs, cap * sizeof(*grown));
        if (!grown)
            goto drop;
        l->msgs = grown;
        l->cap = cap;
    }
    parley_slice cid = parley_msg_call_id(m);
    long s = intern_col(l, src);
    long d = s < 0 ? -1 : intern_col(l, dst);
    long c = d < 0 ? -1 : intern_call(l, cid.p ? cid.p : "", cid.len);
    if (c < 0)
        goto drop;
    const char *tp = !strcmp(transport, "TCP") ? "TCP" : !strcmp(transport, "TLS") ? "TLS" : "UDP";
    l->msgs[l->nmsgs++] = (ladder_msg){time_us, (unsigned)s, (unsigned)d, (unsigned)c, tp, m, len};
    l->bytes += len;
    return 1;
drop:
    parley_msg_unref(m);
    l->dropped++;
    return -1;
}

int ladder_add_event(cli_ladder *l, const parley_trace_event *ev)
{
    return ladder_add(l, ev->time_us, ev->transport, ev->sent ? ev->local : ev->remote,
                      ev->sent ? ev->remote : ev->local, ev->data, ev->len);
}

void ladder_sort(cli_ladder *l)
{
    /* insertion sort: the input is nearly in order (two loop threads at most interleave) */
    for (size_t i = 1; i < l->nmsgs; i++) {
        ladder_msg x = l->msgs[i];
        size_t j = i;
        for (; j > 0 && l->msgs[j - 1].time_us > x.time_us; j--)
            l->msgs[j] = l->msgs[j - 1];
        l->msgs[j] = x;
    }
}

static bool is_sdp(const parley_msg *m)
{
    parley_slice ct;
    if (parley_msg_body(m).len == 0 || parley_msg_header(m, "Content-Type", 0, &ct) != 0)
        return false;
    return ct.len >= 15 && !strncasecmp(ct.p, "application/sdp", 15);
}

void ladder_label(const ladder_msg *lm, char *buf, size_t size)
{
    const parley_msg *m = lm->m;
    const char *sdp = is_sdp(m) ? " (SDP)" : "";
    if (parley_msg_is_request(m)) {
        parley_slice meth = parley_msg_method(m);
        snprintf(buf, size, "%.*s%s", (int)meth.len, meth.p, sdp);
    } else {
        parley_slice r = parley_msg_reason(m);
        snprintf(buf, size, "%d %.*s%s", parley_msg_status(m), (int)r.len, r.p, sdp);
    }
    /* a label is one line: control characters (from a hostile reason phrase) become '?' */
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

int ladder_reltime(uint64_t dt_us, char *buf, size_t size)
{
    double dt = (double)dt_us;
    return dt < 1e6 ? snprintf(buf, size, "+%.3fms", dt / 1e3)
                    : snprintf(buf, size, "+%.3fs", dt / 1e6);
}
