#include "json.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    unsigned cp = c & (0xff >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void json_str(pl_buf *b, pl_str s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s.p;
    pl_buf_putc(b, '"');
    size_t i = 0;
    while (i < s.len) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            pl_buf_putc(b, '\\');
            pl_buf_putc(b, (char)c);
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            pl_buf_putc(b, (char)c);
            i++;
        } else if (c == '\n') {
            pl_buf_puts(b, "\\n");
            i++;
        } else if (c == '\r') {
            pl_buf_puts(b, "\\r");
            i++;
        } else if (c == '\t') {
            pl_buf_puts(b, "\\t");
            i++;
        } else if (c >= 0x80) {
            size_t n = utf8_len(p + i, s.len - i);
            if (n) {
                pl_buf_put(b, p + i, n);
                i += n;
            } else {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                pl_buf_put(b, e, 6);
                i++;
            }
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            pl_buf_put(b, e, 6);
            i++;
        }
    }
    pl_buf_putc(b, '"');
}

void json_cstr(pl_buf *b, const char *s)
{
    json_str(b, pl_str_c(s));
}

void json_key(pl_buf *b, bool *first, const char *key)
{
    if (!*first)
        pl_buf_putc(b, ',');
    *first = false;
    json_cstr(b, key);
    pl_buf_putc(b, ':');
}
