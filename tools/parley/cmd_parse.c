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

static const char usage[] =
    "usage: parley parse FILE|- [--stream]\n"
    "Parses one SIP message (FILE, or - for standard input) and prints it as one JSON line.\n"
    "--stream: as if the bytes came from TCP (Content-Length required). Exit 0 for a valid\n"
    "message, 1 for an invalid one, 2 for a usage or I/O error.\n";

int cmd_parse(int argc, char **argv)
{
    const char *path = NULL;
    unsigned flags = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return CLI_OK;
        } else if (!strcmp(argv[i], "--stream")) {
            flags |= PARLEY_PARSE_STREAM;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("parse", "unknown option", argv[i], usage);
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_usage_error("parse", "unexpected argument", argv[i], usage);
        }
    }
    if (!path)
        return cli_usage_error("parse", "missing the FILE", NULL, usage);
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
