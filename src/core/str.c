#include "core/str.h"

#include "core/alloc.h"

static bool is_trim_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

pl_str pl_str_trim(pl_str s)
{
    while (s.len && is_trim_space(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len && is_trim_space(s.p[s.len - 1]))
        s.len--;
    return s;
}

bool pl_str_to_u64(pl_str s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c < '0' || c > '9')
            return false;
        unsigned d = (unsigned)(c - '0');
        if (d > max || v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

char *pl_str_dup(pl_str s)
{
    if (!s.p)
        return NULL;
    char *r = pl_malloc(s.len + 1);
    if (!r)
        return NULL;
    memcpy(r, s.p, s.len);
    r[s.len] = '\0';
    return r;
}
