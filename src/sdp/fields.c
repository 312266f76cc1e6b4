/* Value checks shared by the parser and the builders (RFC 4566 §9 / RFC 8866 §9 grammar). */
#include <arpa/inet.h>

#include "sdp/sdp.h"

/* Bits of enum SDP_C_* in sdp.h. token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 /
 * %x41-5A / %x5E-7E. One table lookup classifies a byte for every check of the grammar. */
const uint8_t sdp_chars[256] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  16, 0,  0,  0,  0,  0,  0,  /* 00 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 10 */
    16, 1,  0,  1,  1,  1,  1,  1,  0,  0,  1,  1,  0,  13, 5,  0,  /* 20 */
    7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  0,  0,  0,  0,  0,  0,  /* 30 */
    0,  13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, /* 40 */
    13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 0,  0,  0,  1,  13, /* 50 */
    1,  13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, /* 60 */
    13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 1,  1,  1,  1,  0,  /* 70 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 80 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* 90 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* a0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* b0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* c0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* d0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* e0 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  /* f0 */
};

bool sdp_is_text(pl_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '\0' || c == '\r' || c == '\n')
            return false;
    }
    return true;
}

/* non-ws-string = 1*(VCHAR / %x80-FF) */
static bool is_non_ws(pl_str s)
{
    if (!s.len)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.p[i] <= 0x20 || s.p[i] == 0x7f)
            return false;
    return true;
}

bool sdp_u64_long(pl_str s, uint64_t max, uint64_t *out)
{
    if (s.len == 0 || s.len > 20)
        return false;
    return pl_str_to_u64(s, max, out);
}

bool sdp_is_ip4_literal(pl_str a)
{
    const char *p = a.p, *e = a.p + a.len;
    for (int part = 0; part < 4; part++) {
        if (part && (p == e || *p++ != '.'))
            return false;
        const char *s = p;
        unsigned v = 0;
        while (p < e && p - s < 3 && (unsigned)(*p - '0') <= 9)
            v = v * 10 + (unsigned)(*p++ - '0');
        if (p == s || v > 255)
            return false;
    }
    return p == e;
}

static bool is_ip6_literal(pl_str a)
{
    char tmp[64];
    unsigned char bin[16];
    if (a.len >= sizeof(tmp))
        return false;
    memcpy(tmp, a.p, a.len);
    tmp[a.len] = '\0';
    return inet_pton(AF_INET6, tmp, bin) == 1;
}

/* FQDN = 4*(alpha-numeric / "-" / ".") per the grammar; '_' tolerated as in SIP host names. */
static bool is_fqdn(pl_str a)
{
    unsigned alpha = 0;
    for (size_t i = 0; i < a.len; i++) {
        unsigned c = sdp_chars[(unsigned char)a.p[i]];
        if (!(c & SDP_C_HOST))
            return false;
        alpha |= c & SDP_C_ALPHA;
    }
    return a.len > 0 && alpha;
}

/* "IN" and "IP4" / "IP6" in any case: the usual pair, checked without the general path. */
static int inet_type(pl_str nettype, pl_str addrtype)
{
    if (nettype.len != 2 || addrtype.len != 3 || (nettype.p[0] | 0x20) != 'i' ||
        (nettype.p[1] | 0x20) != 'n' || (addrtype.p[0] | 0x20) != 'i' ||
        (addrtype.p[1] | 0x20) != 'p')
        return 0;
    return addrtype.p[2] == '4' ? 4 : addrtype.p[2] == '6' ? 6 : 0;
}

int sdp_check_addr(pl_str nettype, pl_str addrtype, pl_str addr)
{
    /* IPv4 literals and host names hold neither blanks nor ':': these checks imply the
     * general ones below. */
    int t = inet_type(nettype, addrtype);
    if (t == 4)
        return sdp_is_ip4_literal(addr) || is_fqdn(addr) ? PARLEY_SDP_ADDR_IP4 : -1;
    if (t == 6 && !memchr(addr.p, ':', addr.len))
        return is_fqdn(addr) ? PARLEY_SDP_ADDR_IP6 : -1;
    if (!sdp_is_token(nettype) || !sdp_is_token(addrtype) || !is_non_ws(addr))
        return -1;
    /* Tolerance: "in ip4" in any case; the grammar's literals are case-insensitive anyway. */
    if (!pl_str_caseeq_lit(nettype, "IN"))
        return PARLEY_SDP_ADDR_OTHER;
    bool has_colon = memchr(addr.p, ':', addr.len) != NULL;
    if (pl_str_caseeq_lit(addrtype, "IP4")) {
        if (has_colon)
            return -1;
        return sdp_is_ip4_literal(addr) || is_fqdn(addr) ? PARLEY_SDP_ADDR_IP4 : -1;
    }
    if (pl_str_caseeq_lit(addrtype, "IP6")) {
        if (has_colon)
            return is_ip6_literal(addr) ? PARLEY_SDP_ADDR_IP6 : -1;
        return is_fqdn(addr) ? PARLEY_SDP_ADDR_IP6 : -1;
    }
    return PARLEY_SDP_ADDR_OTHER;
}

pl_str sdp_unbracket(pl_str addrtype, pl_str addr)
{
    if (addr.len < 4 || addr.p[0] != '[' || addr.p[addr.len - 1] != ']' ||
        !pl_str_caseeq_lit(addrtype, "IP6"))
        return addr;
    pl_str in = pl_str_make(addr.p + 1, addr.len - 2);
    return memchr(in.p, ':', in.len) ? in : addr;
}

pl_str sdp_addrtype_of(pl_str addr)
{
    return memchr(addr.p, ':', addr.len) ? PL_STR_LIT("IP6") : PL_STR_LIT("IP4");
}

parley_sdp_dir sdp_dir_from(pl_str n)
{
    if (n.len != 8)
        return PARLEY_SDP_DIR_UNSET;
    if (memcmp(n.p, "sendrecv", 8) == 0)
        return PARLEY_SDP_SENDRECV;
    if (memcmp(n.p, "sendonly", 8) == 0)
        return PARLEY_SDP_SENDONLY;
    if (memcmp(n.p, "recvonly", 8) == 0)
        return PARLEY_SDP_RECVONLY;
    if (memcmp(n.p, "inactive", 8) == 0)
        return PARLEY_SDP_INACTIVE;
    return PARLEY_SDP_DIR_UNSET;
}

const char *parley_sdp_dir_name(parley_sdp_dir dir)
{
    switch (dir) {
    case PARLEY_SDP_SENDONLY:
        return "sendonly";
    case PARLEY_SDP_RECVONLY:
        return "recvonly";
    case PARLEY_SDP_INACTIVE:
        return "inactive";
    default:
        return "sendrecv";
    }
}

bool sdp_proto_is_rtp(pl_str proto)
{
    /* RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVPF, TCP/RTP/AVP... */
    for (size_t i = 0; i + 3 <= proto.len; i++) {
        if ((i == 0 || proto.p[i - 1] == '/') && memcmp(proto.p + i, "RTP", 3) == 0 &&
            (i + 3 == proto.len || proto.p[i + 3] == '/'))
            return true;
    }
    return false;
}

const parley_sdp_attr *parley_sdp_attr_find(const parley_sdp_attr *attrs, size_t n,
                                            const char *name, size_t nth)
{
    if (!attrs || !name)
        return NULL;
    pl_str want = pl_str_c(name);
    for (size_t i = 0; i < n; i++)
        if (pl_str_eq(attrs[i].name, want) && nth-- == 0)
            return &attrs[i];
    return NULL;
}
