/* Line writers shared by parley_sdp_build() and the negotiator. Every text they make is parsed
 * back before anyone sees it, so a value that cannot be written is caught there. */
#include "parley/error.h"
#include "sdp/sdp.h"

/* "00" "01" ... "99": two digits per division */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

size_t sdp_u64_str(char *out, uint64_t v)
{
    size_t n = sdp_u64_len(v);
    char *p = out + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        p[0] = digit_pairs[2 * r];
        p[1] = digit_pairs[2 * r + 1];
    }
    if (v >= 10) {
        p[-1] = digit_pairs[2 * v + 1];
        p[-2] = digit_pairs[2 * v];
    } else {
        p[-1] = (char)('0' + v);
    }
    return n;
}

void sdp_w_eol(pl_buf *b)
{
    pl_buf_put(b, "\r\n", 2);
}

void sdp_w_conn(pl_buf *b, pl_str addr)
{
    pl_buf_put(b, "c=IN ", 5);
    pl_buf_put_str(b, sdp_addrtype_of(addr));
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, addr);
    sdp_w_eol(b);
}

void sdp_w_head(pl_buf *b, pl_str user, uint64_t id, uint64_t ver, pl_str oaddr, pl_str addr,
                pl_str name)
{
    pl_buf_put(b, "v=0\r\no=", 7);
    pl_buf_put_str(b, user);
    pl_buf_putc(b, ' ');
    pl_buf_put_u64(b, id);
    pl_buf_putc(b, ' ');
    pl_buf_put_u64(b, ver);
    pl_buf_put(b, " IN ", 4);
    pl_buf_put_str(b, sdp_addrtype_of(oaddr));
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, oaddr);
    pl_buf_put(b, "\r\ns=", 4);
    pl_buf_put_str(b, name.len ? name : PL_STR_LIT(" "));
    sdp_w_eol(b);
    sdp_w_conn(b, addr);
    pl_buf_put(b, "t=0 0\r\n", 7);
}

void sdp_w_mline(pl_buf *b, pl_str media, uint16_t port, pl_str proto)
{
    pl_buf_put(b, "m=", 2);
    pl_buf_put_str(b, media);
    pl_buf_putc(b, ' ');
    pl_buf_put_u64(b, port);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, proto);
}

void sdp_w_fmt(pl_buf *b, pl_str fmt)
{
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, fmt);
}

void sdp_w_rtpmap(pl_buf *b, pl_str fmt, pl_str name, uint32_t rate, pl_str params)
{
    pl_buf_put(b, "a=rtpmap:", 9);
    pl_buf_put_str(b, fmt);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, name);
    pl_buf_putc(b, '/');
    pl_buf_put_u64(b, rate);
    if (params.len) {
        pl_buf_putc(b, '/');
        pl_buf_put_str(b, params);
    }
    sdp_w_eol(b);
}

void sdp_w_fmtp(pl_buf *b, pl_str fmt, pl_str params)
{
    pl_buf_put(b, "a=fmtp:", 7);
    pl_buf_put_str(b, fmt);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, params);
    sdp_w_eol(b);
}

void sdp_w_attr(pl_buf *b, pl_str name, pl_str value)
{
    pl_buf_put(b, "a=", 2);
    pl_buf_put_str(b, name);
    if (value.p) {
        pl_buf_putc(b, ':');
        pl_buf_put_str(b, value);
    }
    sdp_w_eol(b);
}

void sdp_w_attr_line(pl_buf *b, pl_str line)
{
    pl_buf_put(b, "a=", 2);
    pl_buf_put_str(b, line);
    sdp_w_eol(b);
}

int sdp_parse_built(const pl_buf *b, parley_sdp **out)
{
    *out = NULL;
    if (!pl_buf_ok(b))
        return b->err == PARLEY_E_LIMIT ? PARLEY_E_INVAL : PARLEY_E_NOMEM;
    int rc = sdp_doc_parse(b->data, b->len, NULL, out, NULL);
    if (rc == PARLEY_E_PARSE || rc == PARLEY_E_LIMIT)
        rc = PARLEY_E_INVAL;
    return rc;
}
