/* Value checks shared by the parser and the builders (RFC 4566 §9 / RFC 8866 §9 grammar). */
#include <arpa/inet.h>

#include "sdp/sdp.h"

/* token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E */
const uint8_t sdp_token_chars[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

bool sdp_is_token(pl_str s)
{
    if (!s.len)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!sdp_token_chars[(unsigned char)s.p[i]])
            return false;
    return true;
}

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

bool sdp_u64(pl_str s, uint64_t max, uint64_t *out)
{
    if (s.len == 0 || s.len > 20)
        return false;
    if (s.len < 19) { /* cannot overflow: the common case, without division */
        uint64_t v = 0;
        for (size_t i = 0; i < s.len; i++) {
            unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
            if (d > 9)
                return false;
            v = v * 10 + d;
        }
        if (v > max)
            return false;
        *out = v;
        return true;
    }
    return pl_str_to_u64(s, max, out);
}

static bool is_ip4_literal(pl_str a)
{
    unsigned parts = 0;
    size_t i = 0;
    while (i <= a.len) {
        size_t s = i;
        unsigned v = 0;
        while (i < a.len && a.p[i] >= '0' && a.p[i] <= '9') {
            v = v * 10 + (unsigned)(a.p[i] - '0');
            if (i - s >= 3 || v > 255)
                return false;
            i++;
        }
        if (i == s)
            return false;
        parts++;
        if (i == a.len)
            break;
        if (a.p[i] != '.' || parts == 4)
            return false;
        i++;
    }
    return parts == 4;
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
    bool alpha = false;
    for (size_t i = 0; i < a.len; i++) {
        char c = a.p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')
            alpha = true;
        else if (!(c >= '0' && c <= '9') && c != '.')
            return false;
    }
    return a.len > 0 && alpha;
}

int sdp_check_addr(pl_str nettype, pl_str addrtype, pl_str addr)
{
    if (!sdp_is_token(nettype) || !sdp_is_token(addrtype) || !is_non_ws(addr))
        return -1;
    /* Tolerance: "in ip4" in any case; the grammar's literals are case-insensitive anyway. */
    if (!pl_str_caseeq_lit(nettype, "IN"))
        return PARLEY_SDP_ADDR_OTHER;
    bool has_colon = memchr(addr.p, ':', addr.len) != NULL;
    if (pl_str_caseeq_lit(addrtype, "IP4")) {
        if (has_colon)
            return -1;
        return is_ip4_literal(addr) || is_fqdn(addr) ? PARLEY_SDP_ADDR_IP4 : -1;
    }
    if (pl_str_caseeq_lit(addrtype, "IP6")) {
        if (has_colon)
            return is_ip6_literal(addr) ? PARLEY_SDP_ADDR_IP6 : -1;
        return is_fqdn(addr) ? PARLEY_SDP_ADDR_IP6 : -1;
    }
    return PARLEY_SDP_ADDR_OTHER;
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
