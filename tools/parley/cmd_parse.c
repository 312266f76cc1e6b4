/* parley parse FILE|- [--stream]: one JSON line; exit 0 valid, 1 invalid, 2 usage/I-O error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/alloc.h"
#include "msg_json.h"
#include "parley/error.h"

char *cli_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= max) {
                break; /* the parser reports the size limit */
            }
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

int cmd_parse(int argc, char **argv)
{
    const char *path = NULL;
    unsigned flags = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--stream"))
            flags |= PARLEY_PARSE_STREAM;
        else if (!path && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
            path = argv[i];
        else {
            fprintf(stderr, "usage: parley parse FILE|- [--stream]\n");
            return CLI_ERROR;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: parley parse FILE|- [--stream]\n");
        return CLI_ERROR;
    }
    size_t len = 0;
    char *data = cli_read_file(path, 1u << 20, &len);
    if (!data) {
        fprintf(stderr, "parley parse: %s: %s\n", path, strerror(errno ? errno : EIO));
        return CLI_ERROR;
    }
    sip_msg *m = NULL;
    int rc = sip_msg_parse(data, len, flags, NULL, &m, NULL);
    free(data);
    if (!m) {
        fprintf(stderr, "parley parse: %s\n", parley_strerror(rc));
        return CLI_ERROR;
    }
    pl_buf b;
    pl_buf_init(&b, 1024);
    msg_json(&b, m, rc);
    pl_buf_putc(&b, '\n');
    sip_msg_free(m);
    if (!pl_buf_ok(&b)) { /* no line at all rather than a wrong one */
        fprintf(stderr, "parley parse: %s\n", parley_strerror(b.err));
        pl_buf_free(&b);
        return CLI_ERROR;
    }
    fwrite(b.data, 1, b.len, stdout);
    pl_buf_free(&b);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}
