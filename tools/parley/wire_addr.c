#include "wire_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wire_addr_parse(const char *s, wire_addr *a)
{
    memset(a, 0, sizeof(*a));
    char host[64];
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
            return false;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(host))
            return false;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port > 65535)
        return false;
    if (inet_pton(AF_INET, host, a->ip) == 1)
        a->family = 4;
    else if (inet_pton(AF_INET6, host, a->ip) == 1)
        a->family = 6;
    else
        return false;
    a->port = (uint16_t)port;
    return true;
}

char *wire_addr_str(const wire_addr *a, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (a->family == 4 || a->family == 6)
        inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, ip, sizeof(ip));
    snprintf(out, size, a->family == 6 ? "[%s]:%u" : "%s:%u", ip, a->port);
    return out;
}

bool wire_addr_eq(const wire_addr *a, const wire_addr *b)
{
    return a->family == b->family && a->port == b->port &&
           !memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4);
}

bool wire_addr_vague(const wire_addr *a)
{
    static const uint8_t zero[16];
    return a->family == 0 || a->port == 0 || !memcmp(a->ip, zero, a->family == 6 ? 16 : 4);
}

bool wire_addr_match(const wire_addr *a, const wire_addr *b)
{
    if (wire_addr_eq(a, b))
        return true;
    if (!wire_addr_vague(a) && !wire_addr_vague(b))
        return false;
    return !a->port || !b->port || a->port == b->port;
}
