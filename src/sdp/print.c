/* Printing: RFC 4566 line order, CRLF line ends, attributes and unknown lines in their order. */
#include "sdp/sdp.h"

static void put_line(pl_buf *b, const char *type, pl_str v)
{
    pl_buf_put(b, type, 2);
    pl_buf_put_str(b, v);
    pl_buf_put(b, "\r\n", 2);
}

static void put_opt(pl_buf *b, const char *type, pl_str v)
{
    if (v.p)
        put_line(b, type, v);
}

static void put_conn(pl_buf *b, const parley_sdp_conn *c)
{
    pl_buf_put(b, "c=", 2);
    pl_buf_put_str(b, c->nettype);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, c->addrtype);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, c->address);
    if (c->ttl >= 0) {
        pl_buf_putc(b, '/');
        pl_buf_put_u64(b, (uint64_t)c->ttl);
    }
    if (c->count) {
        pl_buf_putc(b, '/');
        pl_buf_put_u64(b, c->count);
    }
    pl_buf_put(b, "\r\n", 2);
}

static void put_bw(pl_buf *b, const parley_sdp_bw *bw, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_buf_put(b, "b=", 2);
        pl_buf_put_str(b, bw[i].type);
        pl_buf_putc(b, ':');
        pl_buf_put_u64(b, bw[i].value);
        pl_buf_put(b, "\r\n", 2);
    }
}

static void put_attrs(pl_buf *b, const parley_sdp_attr *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_buf_put(b, "a=", 2);
        pl_buf_put_str(b, a[i].name);
        if (a[i].value.p) {
            pl_buf_putc(b, ':');
            pl_buf_put_str(b, a[i].value);
        }
        pl_buf_put(b, "\r\n", 2);
    }
}

static void put_others(pl_buf *b, const pl_str *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_buf_put_str(b, o[i]);
        pl_buf_put(b, "\r\n", 2);
    }
}

static void put_origin(pl_buf *b, const parley_sdp_origin *o)
{
    pl_buf_put(b, "o=", 2);
    pl_buf_put_str(b, o->username);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, o->sess_id);
    pl_buf_putc(b, ' ');
    pl_buf_put_u64(b, o->sess_version);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, o->nettype);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, o->addrtype);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, o->address);
    pl_buf_put(b, "\r\n", 2);
}

static void put_times(pl_buf *b, const parley_sdp *s)
{
    if (!s->ntimes)
        pl_buf_put(b, "t=0 0\r\n", 7);
    for (size_t i = 0; i < s->ntimes; i++) {
        const parley_sdp_time *t = &s->times[i];
        pl_buf_put(b, "t=", 2);
        pl_buf_put_u64(b, t->start);
        pl_buf_putc(b, ' ');
        pl_buf_put_u64(b, t->stop);
        pl_buf_put(b, "\r\n", 2);
        for (size_t r = 0; r < t->nrepeats; r++)
            put_line(b, "r=", t->repeats[r]);
    }
}

static void put_media(pl_buf *b, const parley_sdp_media *m)
{
    pl_buf_put(b, "m=", 2);
    pl_buf_put_str(b, m->media);
    pl_buf_putc(b, ' ');
    pl_buf_put_u64(b, m->port);
    if (m->nports) {
        pl_buf_putc(b, '/');
        pl_buf_put_u64(b, m->nports);
    }
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, m->proto);
    for (size_t i = 0; i < m->nfmts; i++) {
        pl_buf_putc(b, ' ');
        pl_buf_put_str(b, m->fmts[i].fmt);
    }
    pl_buf_put(b, "\r\n", 2);
    put_opt(b, "i=", m->info);
    for (size_t i = 0; i < m->nconns; i++)
        put_conn(b, &m->conns[i]);
    put_bw(b, m->bw, m->nbw);
    put_opt(b, "k=", m->key);
    put_attrs(b, m->attrs, m->nattrs);
    put_others(b, m->others, m->nothers);
}

void sdp_doc_print(pl_buf *b, const parley_sdp *s)
{
    pl_buf_put(b, "v=0\r\n", 5);
    put_origin(b, &s->origin);
    if (s->name.len)
        put_line(b, "s=", s->name);
    else
        pl_buf_put(b, "s= \r\n", 5); /* RFC 4566 §5.3: a single space for "no name" */
    put_opt(b, "i=", s->info);
    put_opt(b, "u=", s->uri);
    for (size_t i = 0; i < s->nemails; i++)
        put_line(b, "e=", s->emails[i]);
    for (size_t i = 0; i < s->nphones; i++)
        put_line(b, "p=", s->phones[i]);
    if (s->conn)
        put_conn(b, s->conn);
    put_bw(b, s->bw, s->nbw);
    put_times(b, s);
    put_opt(b, "z=", s->zone);
    put_opt(b, "k=", s->key);
    put_attrs(b, s->attrs, s->nattrs);
    put_others(b, s->others, s->nothers);
    for (size_t i = 0; i < s->nmedia; i++)
        put_media(b, &s->media[i]);
}

size_t parley_sdp_print(const parley_sdp *sdp, char *buf, size_t size)
{
    if (!sdp)
        return 0;
    pl_buf b;
    pl_buf_init(&b, 1024);
    sdp_doc_print(&b, sdp);
    size_t n = pl_buf_ok(&b) ? b.len : 0;
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        if (c)
            memcpy(buf, b.data, c);
        buf[c] = '\0';
    }
    pl_buf_free(&b);
    return n;
}
