/* Helpers shared by the C tests (header-only; each test is one executable). */
#ifndef PARLEY_TEST_UTIL_H
#define PARLEY_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/buf.h"
#include "msg_json.h"
#include "sip/msg.h"
#include "sip/print.h"

/* Reads a whole file; NULL if it cannot be read. Free with free(). */
static inline char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static inline int tu_dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The `parley parse` JSON of a message, malloc'd. */
static inline char *tu_json(const sip_msg *m, int rc)
{
    pl_buf b;
    pl_buf_init(&b, 512);
    msg_json(&b, m, rc);
    return pl_buf_steal(&b, NULL);
}

/* Parses text (NUL-terminated) as a datagram; asserts a message came back. */
static inline sip_msg *tu_parse(const char *text, int *rc)
{
    sip_msg *m = NULL;
    *rc = sip_msg_parse(text, strlen(text), 0, NULL, &m, NULL);
    assert_non_null(m);
    return m;
}

/* Asserts that printing m and parsing the text again gives the same JSON fields. */
static inline void tu_assert_roundtrip(const sip_msg *m)
{
    pl_buf b;
    pl_buf_init(&b, m->data.len + 64);
    sip_msg_print(&b, m);
    assert_true(pl_buf_ok(&b));
    sip_msg *again = NULL;
    int rc = sip_msg_parse(b.data, b.len, 0, NULL, &again, NULL);
    assert_int_equal(rc, 0);
    char *j1 = tu_json(m, 0), *j2 = tu_json(again, 0);
    assert_string_equal(j1, j2);
    free(j1);
    free(j2);
    sip_msg_free(again);
    pl_buf_free(&b);
}

static inline int tu_slice_eq(pl_str s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}
#define assert_slice_equal(s, lit)                                                                 \
    do {                                                                                           \
        pl_str s_ = (s);                                                                           \
        if (!tu_slice_eq(s_, lit))                                                                 \
            fail_msg("slice '%.*s' != '%s'", (int)s_.len, s_.p ? s_.p : "", lit);                  \
    } while (0)

/* Sorted names of the regular files in dir ending with suffix; NULL-terminated, free with
 * tu_free_list(). */
static inline int tu_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}
static inline char **tu_list_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t n = 0, cap = 16, sl = strlen(suffix);
    char **v = malloc(cap * sizeof(*v));
    struct dirent *e;
    while (v && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix))
            continue;
        if (n + 2 > cap) {
            cap *= 2;
            char **nv = realloc(v, cap * sizeof(*v));
            if (!nv)
                break;
            v = nv;
        }
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (!v)
        return NULL;
    v[n] = NULL;
    qsort(v, n, sizeof(*v), tu_cmp_names);
    return v;
}
static inline void tu_free_list(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Reads PARLEY_TEST_DATA/sub/name; fails the test when it cannot. */
static inline char *tu_read_data(const char *sub, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/%s", PARLEY_TEST_DATA, sub, name);
    char *data = tu_read_file(path, len);
    if (!data)
        fail_msg("cannot read %s", path);
    return data;
}

#endif
