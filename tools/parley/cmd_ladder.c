/*
 * parley ladder FILE.pcap [-o FILE.html]
 * Draws the call flow of the SIP messages in a capture (pcap or pcapng, from parley --pcap,
 * tshark, tcpdump...): as text on standard output, or as an HTML page with -o. Exit 0 when
 * it drew at least one message, 1 when the capture holds no SIP message, 2 for a usage error
 * or a file that cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ladder.h"
#include "pcap_read.h"

static const char usage[] =
    "usage: parley ladder FILE.pcap [-o FILE.html]\n"
    "Draws the call flow of the SIP messages (over UDP or TCP) in a capture file (pcap or\n"
    "pcapng; - reads standard input): a text ladder on standard output, or with\n"
    "-o (--output) a self-contained HTML page (click an arrow to see the message). Exit 0 when\n"
    "it drew a message, 1 when the capture holds no SIP message, 2 on a usage or read error.\n";

static void on_message(void *user, const parley_trace_event *ev)
{
    ladder_add_event(user, ev);
}

int cmd_ladder(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("ladder", "missing the value of", a, usage);
            out = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("ladder", "unknown option", a, usage);
        } else if (!in) {
            in = a;
        } else {
            return cli_usage_error("ladder", "unexpected argument", a, usage);
        }
    }
    if (!in)
        return cli_usage_error("ladder", "missing the capture FILE", NULL, usage);
    cli_ladder l;
    ladder_init(&l);
    char err[160];
    int rc = CLI_OK;
    if (pcap_read_file(in, on_message, &l, err, sizeof(err)) != 0) {
        fprintf(stderr, "parley ladder: %s: %s\n", in, err);
        rc = CLI_ERROR;
    } else if (l.nmsgs == 0) {
        fprintf(stderr, "parley ladder: %s: no SIP message found\n", in);
        rc = CLI_FAIL;
    } else if (out) {
        if (ladder_write_html_file(&l, out, in) != 0) {
            fprintf(stderr, "parley ladder: cannot write %s: %s\n", out, strerror(errno));
            rc = CLI_ERROR;
        }
    } else if (ladder_print_text(&l, stdout, -1) != 0 || fflush(stdout) != 0) {
        rc = CLI_ERROR;
    }
    ladder_free(&l);
    return rc;
}
