/*
 * Pass 2 of the parser: one line at a time into the model, in text order, into the arrays the
 * state points at (parse.c sizes them). Where each line type may appear, the singletons, and the
 * checks once every line is in.
 */
#include "sdp/parse_int.h"

const parley_sdp_time sdp_permanent = {0, 0, NULL, 0};

static uint32_t bit(char type)
{
    return 1u << (type - 'a');
}

/* Where each line type may appear, and the singletons: at most one per session (v o s i u c k
 * z) or per media (i k). */
static int check_place(sdp_pstate *st, const char *line)
{
    char t = line[0];
    const uint32_t session_only = bit('v') | bit('o') | bit('s') | bit('u') | bit('e') | bit('p') |
                                  bit('t') | bit('r') | bit('z');
    if (st->m && (session_only & bit(t)))
        return sdp_fail(st, PARLEY_E_PARSE, line, "SDP",
                        "session-level line inside a media description");
    uint32_t *seen = st->m ? &st->seen_media : &st->seen_session;
    uint32_t once = st->m ? (bit('i') | bit('k'))
                          : (bit('v') | bit('o') | bit('s') | bit('i') | bit('u') | bit('c') |
                             bit('k') | bit('z'));
    if ((once & bit(t)) && (*seen & bit(t)))
        return sdp_fail(st, PARLEY_E_PARSE, line, "SDP", "line type repeated in one section");
    *seen |= bit(t);
    return 0;
}

static int start_media(sdp_pstate *st, pl_str value)
{
    parley_sdp *s = st->s;
    parley_sdp_media *m = &st->media[s->nmedia++];
    memset(m, 0, sizeof(*m));
    st->m = m;
    st->seen_media = 0;
    m->fmts = st->fmts + st->nfmts;
    m->attrs = st->attrs + st->nattrs;
    m->conns = st->conns + st->nconns;
    m->bw = st->bw + st->nbw;
    m->others = st->others + st->nothers;
    m->dir = PARLEY_SDP_DIR_UNSET;
    return sdp_parse_media(st, value, m);
}

static int fill_line(sdp_pstate *st, const char *line, pl_str v)
{
    parley_sdp *s = st->s;
    parley_sdp_media *m = st->m;
    char t = line[0];
    if (t == 'm')
        return start_media(st, v);
    int rc = check_place(st, line);
    if (rc)
        return rc;
    switch (t) {
    case 'v':
        if (!pl_str_eq_lit(v, "0"))
            return sdp_fail(st, PARLEY_E_PARSE, v.p, "v=", "unsupported SDP version");
        return 0;
    case 'o':
        return sdp_parse_origin(st, v);
    case 's':
        s->name = v;
        return 0; /* "s=" empty is tolerated like "s= " */
    case 'i':
        if (m)
            m->info = v;
        else
            s->info = v;
        return 0;
    case 'u':
        s->uri = v;
        return 0;
    case 'e':
        s->emails = st->emails;
        st->emails[s->nemails++] = v;
        return 0;
    case 'p':
        s->phones = st->phones;
        st->phones[s->nphones++] = v;
        return 0;
    case 'c': {
        parley_sdp_conn *c = &st->conns[st->nconns++];
        if (m)
            m->nconns++;
        else
            s->conn = c;
        return sdp_parse_conn(st, v, c);
    }
    case 'b': {
        parley_sdp_bw *b = &st->bw[st->nbw++];
        if (m)
            m->nbw++;
        else
            s->nbw++;
        return sdp_parse_bw(st, v, b);
    }
    case 't': {
        parley_sdp_time *tm = &st->times[s->ntimes++];
        tm->repeats = st->reps + st->nreps;
        tm->nrepeats = 0;
        return sdp_parse_time(st, v, tm);
    }
    case 'r':
        if (!s->ntimes)
            return sdp_fail(st, PARLEY_E_PARSE, line, "r=", "r= before any t=");
        rc = sdp_parse_repeat(st, v);
        if (!rc) {
            st->reps[st->nreps++] = v;
            ((parley_sdp_time *)&s->times[s->ntimes - 1])->nrepeats++;
        }
        return rc;
    case 'z':
        s->zone = v;
        return sdp_parse_zone(st, v);
    case 'k':
        if (m)
            m->key = v;
        else
            s->key = v;
        return 0;
    case 'a': {
        parley_sdp_attr *a = &st->attrs[st->nattrs++];
        if (m)
            m->nattrs++;
        else
            s->nattrs++;
        return sdp_parse_attr(st, v, a);
    }
    default: /* unknown type: kept whole */
        st->others[st->nothers++] = pl_str_span(line, v.p + v.len);
        if (m)
            m->nothers++;
        else
            s->nothers++;
        return 0;
    }
}

int sdp_fill_one(sdp_pstate *st, const char *p, const char *le, bool *first)
{
    if (*first && p[0] != 'v')
        return sdp_fail(st, PARLEY_E_PARSE, p, "v=", "the first line must be v=");
    *first = false;
    return fill_line(st, p, pl_str_span(p + 2, le));
}

void sdp_fill_begin(sdp_pstate *st)
{
    parley_sdp *s = st->s;
    s->bw = st->bw;
    s->attrs = st->attrs;
    s->others = st->others;
    s->times = st->times;
    s->media = st->media;
}

/* What is checked once every line is in. */
int sdp_fill_end(sdp_pstate *st, const char *end, bool first)
{
    parley_sdp *s = st->s;
    if (first)
        return sdp_fail(st, PARLEY_E_PARSE, end, "v=", "empty description");
    if (!(st->seen_session & bit('o')))
        return sdp_fail(st, PARLEY_E_PARSE, end, "o=", "missing o= line");
    if (!s->name.p)
        s->name = pl_str_make("", 0);
    if (!s->ntimes) {
        s->times = &sdp_permanent;
        s->ntimes = 1;
    }
    for (size_t i = 0; i < s->nmedia; i++) {
        parley_sdp_media *m = &st->media[i];
        if (!m->dir_explicit)
            m->dir = s->dir != PARLEY_SDP_DIR_UNSET ? s->dir : PARLEY_SDP_SENDRECV;
        if (m->port && !m->nconns && !s->conn)
            return sdp_fail(st, PARLEY_E_PARSE, m->media.p,
                            "c=", "no connection address for an active media description");
    }
    return 0;
}
