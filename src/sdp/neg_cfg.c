/*
 * The negotiator's local capabilities: checking a config (what parley_sdp_build() would take,
 * and what the negotiator needs beyond it) and copying a stream's config into a block.
 */
#include "core/alloc.h"
#include "parley/error.h"
#include "sdp/neg.h"

/* What parley_sdp_build() cannot check: the negotiator needs a port and named codecs. */
static bool stream_usable(const parley_sdp_stream_cfg *s)
{
    if (!s->port || (!s->ncodecs && !s->formats) || s->ncodecs > 64 || (s->ncodecs && !s->codecs))
        return false;
    for (size_t i = 0; i < s->ncodecs; i++)
        if (!s->codecs[i].name && !sdp_static(s->codecs[i].pt))
            return false;
    return true;
}

int neg_check_cfg(const parley_sdp_cfg *cfg, const parley_sdp_stream_cfg *streams, size_t n,
                  size_t *strings)
{
    if (n && !streams)
        return PARLEY_E_INVAL;
    for (size_t i = 0; i < n; i++)
        if (!stream_usable(&streams[i]))
            return PARLEY_E_INVAL;
    parley_sdp_cfg c = *cfg;
    c.streams = streams;
    c.nstreams = n;
    return sdp_cfg_check(&c, strings);
}

static size_t al8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

size_t neg_cap_arrays(const parley_sdp_stream_cfg *s)
{
    return al8(s->ncodecs * sizeof(neg_codec)) + al8(s->nattrs * sizeof(pl_str));
}

pl_str neg_copy_str(const char *s, char **mem)
{
    if (!s)
        return PL_STR_NULL;
    char *d = *mem, *p = d;
    while ((*p++ = *s++) != 0) /* config strings are short: no call */
        ;
    *mem = p;
    return pl_str_make(d, (size_t)(p - d - 1));
}

/* packetization-mode of an H.264 fmtp (RFC 6184 §8.1), 0 when absent. */
int neg_h264_mode(pl_str fmtp)
{
    static const char key[] = "packetization-mode=";
    const size_t kl = sizeof(key) - 1;
    for (size_t i = 0; fmtp.p && i + kl < fmtp.len; i++)
        if ((i == 0 || fmtp.p[i - 1] == ';' || fmtp.p[i - 1] == ' ') &&
            memcmp(fmtp.p + i, key, kl) == 0)
            return fmtp.p[i + kl] - '0';
    return 0;
}

void neg_pack_cap(neg_cap *c, const parley_sdp_stream_cfg *s, char **arrays, char **mem)
{
    memset(c, 0, sizeof(*c));
    c->codecs = (neg_codec *)*arrays;
    *arrays += al8(s->ncodecs * sizeof(neg_codec));
    c->attrs = (pl_str *)*arrays;
    *arrays += al8(s->nattrs * sizeof(pl_str));
    c->port = s->port;
    c->dir = s->dir;
    c->ptime = s->ptime;
    c->flags = s->flags;
    c->media = neg_copy_str(s->media, mem);
    c->proto = s->proto ? neg_copy_str(s->proto, mem) : PL_STR_LIT("RTP/AVP");
    c->rtp = sdp_proto_is_rtp(c->proto);
    c->addr = neg_copy_str(s->addr, mem);
    if (!s->ncodecs) { /* a non-RTP stream's format list */
        pl_str f = neg_copy_str(s->formats, mem);
        c->formats = pl_str_trim(f);
        c->nformats = sdp_count_fields(c->formats.p, c->formats.p + c->formats.len);
    }
    for (size_t i = 0; i < s->nattrs; i++)
        c->attrs[i] = neg_copy_str(s->attrs[i], mem);
    c->nattrs = s->nattrs;
    for (size_t i = 0; i < s->ncodecs; i++) {
        const parley_sdp_codec *in = &s->codecs[i];
        neg_codec *cc = &c->codecs[i];
        const sdp_static_pt *sp = sdp_static(in->pt);
        cc->pt = in->pt;
        cc->rate = in->name ? in->rate : sp->rate;
        cc->channels = in->name ? in->channels : (sp->channels > 1 ? sp->channels : 0);
        cc->name = in->name ? neg_copy_str(in->name, mem) : sp->name;
        cc->fmtp = neg_copy_str(in->fmtp, mem);
        cc->h264_mode = pl_str_caseeq_lit(cc->name, "H264") ? neg_h264_mode(cc->fmtp) : -1;
    }
    c->ncodecs = s->ncodecs;
}

/* Copies s (absent stays absent; static names stay where they are) to *mem, advancing it. */
static pl_str copy_slice(pl_str s, char **mem)
{
    if (!s.p)
        return s;
    char *d = *mem;
    memcpy(d, s.p, s.len);
    d[s.len] = '\0';
    *mem = d + s.len + 1;
    return pl_str_make(d, s.len);
}

static size_t slice_room(pl_str s)
{
    return s.p ? s.len + 1 : 0;
}

int neg_copy_cap(neg_cap *d, const neg_cap *c)
{
    size_t arrays = al8(c->ncodecs * sizeof(neg_codec)) + al8(c->nattrs * sizeof(pl_str));
    size_t strings =
        slice_room(c->media) + slice_room(c->proto) + slice_room(c->addr) + slice_room(c->formats);
    for (size_t i = 0; i < c->ncodecs; i++)
        strings += slice_room(c->codecs[i].name) + slice_room(c->codecs[i].fmtp);
    for (size_t i = 0; i < c->nattrs; i++)
        strings += slice_room(c->attrs[i]);
    char *block = pl_malloc(arrays + strings);
    if (!block)
        return PARLEY_E_NOMEM;
    char *mem = block + arrays;
    *d = *c;
    d->block = block;
    d->addr_own = NULL;
    d->codecs = (neg_codec *)block;
    d->attrs = (pl_str *)(block + al8(c->ncodecs * sizeof(neg_codec)));
    d->media = copy_slice(c->media, &mem);
    d->proto = copy_slice(c->proto, &mem);
    d->addr = copy_slice(c->addr, &mem); /* an address set later included */
    d->formats = copy_slice(c->formats, &mem);
    for (size_t i = 0; i < c->ncodecs; i++) {
        d->codecs[i] = c->codecs[i];
        d->codecs[i].name = copy_slice(c->codecs[i].name, &mem);
        d->codecs[i].fmtp = copy_slice(c->codecs[i].fmtp, &mem);
    }
    for (size_t i = 0; i < c->nattrs; i++)
        d->attrs[i] = copy_slice(c->attrs[i], &mem);
    return 0;
}
