/* Socket addresses and transport names. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/error.h"
#include "transport/tp.h"

const char *tp_proto_name(tp_proto p)
{
    switch (p) {
    case TP_UDP:
        return "UDP";
    case TP_TCP:
        return "TCP";
    case TP_TLS:
        return "TLS";
    default:
        return "?";
    }
}

tp_proto tp_proto_parse(pl_str s)
{
    if (pl_str_caseeq_lit(s, "udp"))
        return TP_UDP;
    if (pl_str_caseeq_lit(s, "tcp"))
        return TP_TCP;
    if (pl_str_caseeq_lit(s, "tls"))
        return TP_TLS;
    return TP_NONE;
}

int tp_addr_from_host(pl_str host, uint16_t port, tp_addr *out)
{
    char tmp[64];
    if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']')
        host = pl_str_make(host.p + 1, host.len - 2);
    if (host.len == 0 || host.len >= sizeof(tmp))
        return PARLEY_E_NOTFOUND;
    memcpy(tmp, host.p, host.len);
    tmp[host.len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, tmp, &out->u.in4.sin_addr) == 1) {
        out->u.in4.sin_family = AF_INET;
        out->u.in4.sin_port = htons(port);
        return 0;
    }
    /* "2001:db8:::192.0.2.1", which the SIP parser tolerates (RFC 5118 §4.10), is the address
     * without its extra colon */
    char *three = strstr(tmp, ":::");
    if (three && strchr(three, '.'))
        memmove(three, three + 1, strlen(three));
    if (inet_pton(AF_INET6, tmp, &out->u.in6.sin6_addr) == 1) {
        out->u.in6.sin6_family = AF_INET6;
        out->u.in6.sin6_port = htons(port);
        return 0;
    }
    return PARLEY_E_NOTFOUND;
}

int tp_addr_parse(const char *text, tp_proto *proto, tp_addr *addr)
{
    if (!text)
        return PARLEY_E_INVAL;
    tp_proto p = TP_UDP;
    const char *colon = strchr(text, ':');
    if (colon && colon - text == 3) {
        tp_proto q = tp_proto_parse(pl_str_make(text, 3));
        if (q != TP_NONE) {
            p = q;
            text = colon + 1;
        }
    }
    const char *host_end;
    const char *port_sep;
    if (text[0] == '[') {
        host_end = strchr(text, ']');
        if (!host_end)
            return PARLEY_E_INVAL;
        host_end++;
        port_sep = *host_end == ':' ? host_end : NULL;
        if (*host_end && !port_sep)
            return PARLEY_E_INVAL;
    } else {
        port_sep = strrchr(text, ':');
        host_end = port_sep ? port_sep : text + strlen(text);
    }
    unsigned long port = tp_default_port(p);
    if (port_sep) {
        char *end = NULL;
        port = strtoul(port_sep + 1, &end, 10);
        if (!port_sep[1] || *end || port > 65535)
            return PARLEY_E_INVAL;
    }
    if (tp_addr_from_host(pl_str_span(text, host_end), (uint16_t)port, addr) != 0)
        return PARLEY_E_INVAL;
    if (proto)
        *proto = p;
    return 0;
}

uint16_t tp_addr_port(const tp_addr *a)
{
    return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.in6.sin6_port : a->u.in4.sin_port);
}

void tp_addr_set_port(tp_addr *a, uint16_t port)
{
    if (a->u.sa.sa_family == AF_INET6)
        a->u.in6.sin6_port = htons(port);
    else
        a->u.in4.sin_port = htons(port);
}

socklen_t tp_addr_len(const tp_addr *a)
{
    return a->u.sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

bool tp_addr_eq(const tp_addr *a, const tp_addr *b)
{
    if (a->u.sa.sa_family != b->u.sa.sa_family)
        return false;
    if (a->u.sa.sa_family == AF_INET6)
        return a->u.in6.sin6_port == b->u.in6.sin6_port &&
               memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
    return a->u.in4.sin_port == b->u.in4.sin_port &&
           a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
}

uint64_t tp_addr_hash(uint64_t seed, const tp_addr *a)
{
    if (a->u.sa.sa_family == AF_INET6) {
        uint64_t h = pl_hash_bytes(seed, &a->u.in6.sin6_addr, 16);
        return pl_hash_bytes(h, &a->u.in6.sin6_port, 2);
    }
    uint64_t h = pl_hash_bytes(seed, &a->u.in4.sin_addr, 4);
    return pl_hash_bytes(h, &a->u.in4.sin_port, 2);
}

/* Dotted quad of an IPv4 address in network order into out (at least 16 bytes), without the
 * generality of inet_ntop: this runs for every response's Via and every Contact. */
static size_t ipv4_str(const struct in_addr *in, char *out)
{
    const unsigned char *b = (const unsigned char *)&in->s_addr;
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100) {
            out[n++] = (char)('0' + v / 100);
            v %= 100;
            out[n++] = (char)('0' + v / 10);
        } else if (v >= 10) {
            out[n++] = (char)('0' + v / 10);
        }
        out[n++] = (char)('0' + v % 10);
        out[n++] = '.';
    }
    out[--n] = '\0';
    return n;
}

/* The host of a (no brackets) into out, NUL-terminated; its length. */
static size_t host_str(const tp_addr *a, char out[INET6_ADDRSTRLEN])
{
    if (a->u.sa.sa_family == AF_INET)
        return ipv4_str(&a->u.in4.sin_addr, out);
    if (a->u.sa.sa_family == AF_INET6 &&
        inet_ntop(AF_INET6, &a->u.in6.sin6_addr, out, INET6_ADDRSTRLEN))
        return strlen(out);
    memcpy(out, "?", 2);
    return 1;
}

void tp_addr_print_host(pl_buf *b, const tp_addr *a)
{
    char tmp[INET6_ADDRSTRLEN];
    size_t n = host_str(a, tmp);
    pl_buf_put(b, tmp, n);
}

void tp_addr_print(pl_buf *b, const tp_addr *a)
{
    bool v6 = a->u.sa.sa_family == AF_INET6;
    if (v6)
        pl_buf_putc(b, '[');
    tp_addr_print_host(b, a);
    if (v6)
        pl_buf_putc(b, ']');
    pl_buf_putc(b, ':');
    pl_buf_put_u64(b, tp_addr_port(a));
}

char *tp_addr_str(const tp_addr *a, char *out, size_t size)
{
    /* "[" host "]:" port: at most 1 + 45 + 2 + 5 */
    char tmp[INET6_ADDRSTRLEN + 8];
    bool v6 = a->u.sa.sa_family == AF_INET6;
    size_t n = 0;
    if (v6)
        tmp[n++] = '[';
    n += host_str(a, tmp + n);
    if (v6)
        tmp[n++] = ']';
    tmp[n++] = ':';
    char digits[6];
    size_t d = sizeof(digits);
    unsigned port = tp_addr_port(a);
    do {
        digits[--d] = (char)('0' + port % 10);
        port /= 10;
    } while (port);
    memcpy(tmp + n, digits + d, sizeof(digits) - d);
    n += sizeof(digits) - d;
    if (size) {
        size_t k = n < size ? n : size - 1; /* cut like snprintf */
        memcpy(out, tmp, k);
        out[k] = '\0';
    }
    return out;
}

char *tp_addr_host_str(const tp_addr *a, char *out, size_t size)
{
    char tmp[INET6_ADDRSTRLEN];
    size_t n = host_str(a, tmp);
    if (size) {
        size_t k = n < size ? n : size - 1;
        memcpy(out, tmp, k);
        out[k] = '\0';
    }
    return out;
}
