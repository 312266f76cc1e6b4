/*
 * parley demo: Alice, Bob and Carol, three endpoints in this process on loopback (real UDP
 * sockets, free ports), play the whole session model and narrate each step in one line: an
 * INVITE with an SDP offer that rings and is accepted, MESSAGE and INFO with a custom header
 * both ways, hold and resume by re-INVITE, a renegotiation glare resolved by 491 and retry, an
 * UPDATE, a REFER to Carol with its NOTIFY progress, a null-offer session, a rejected one, a
 * redirected one, a cancelled one, a MESSAGE that Carol challenges (Digest, 401) and Alice
 * answers with her credentials, and the BYE. It ends with the first session's call flow in the
 * terminal and the HTML page written. Exit 0 only when every step behaved as it said.
 * parley demo [--pcap FILE] [--ladder FILE.html]
 * This file: options, the endpoints' start and stop, the summary; the people and their callbacks
 * are in demo_people.c, the steps in demo_steps.c (demo.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "demo.h"

static const char usage[] =
    "usage: parley demo [--pcap FILE] [--ladder FILE.html]\n"
    "Alice, Bob and Carol, three endpoints in this process on loopback, play the whole\n"
    "session model and narrate it step by step; it ends with the first session's call flow\n"
    "and the HTML page written (--ladder, default $TMPDIR/parley-demo.html). Exit 0 when\n"
    "every step behaved as it said, 1 when one did not, 2 on a usage or I/O error.\n";

/* --pcap, --ladder, --help; 1 to run, else the exit code. */
static int demo_options(int argc, char **argv, int *rc)
{
    static char html[512];
    cli_tracer_init(&demo_tracer);
    demo_tracer.keep_ladder = true;
    for (int i = 1; i < argc; i++) {
        int t = cli_is_help(argv[i])
                    ? 0
                    : cli_tracer_option(&demo_tracer, argc, argv, &i, "demo", usage);
        if (t < 0 || (t == 0 && !cli_is_help(argv[i])) || demo_tracer.text) {
            *rc = t < 0 ? CLI_ERROR : cli_usage_error("demo", "unknown option", argv[i], usage);
            return 0;
        }
        if (t == 0) {
            fputs(usage, stdout);
            *rc = CLI_OK;
            return 0;
        }
    }
    if (!demo_tracer.ladder_path) {
        const char *tmp = getenv("TMPDIR");
        snprintf(html, sizeof(html), "%s/parley-demo.html", tmp && *tmp ? tmp : "/tmp");
        demo_tracer.ladder_path = html;
    }
    *rc = cli_tracer_open(&demo_tracer, "demo") == 0 ? CLI_OK : CLI_ERROR;
    return *rc == CLI_OK;
}

int cmd_demo(int argc, char **argv)
{
    int rc;
    if (!demo_options(argc, argv, &rc)) {
        cli_tracer_free(&demo_tracer);
        return rc;
    }
    printf("parley demo: Alice, Bob and Carol, three endpoints in this process, talk SIP over\n"
           "UDP on 127.0.0.1 and play the signaling session model, one step a line.\n\n");
    int err = demo_start_person(&demo_alice, "Alice");
    if (!err)
        err = demo_start_person(&demo_bob, "Bob");
    if (!err)
        err = demo_start_person(&demo_carol, "Carol");
    if (err) {
        fprintf(stderr, "parley demo: cannot start the endpoints: %s\n", parley_strerror(err));
        demo_failures++;
    } else {
        printf("  Alice %s, Bob %s, Carol %s\n\n", demo_alice.addr, demo_bob.addr, demo_carol.addr);
        demo_run_steps();
        printf("\n  Not in this demo (they need a registrar and a forking proxy): registration\n"
               "  and forking; see README.md, \"Behind a proxy\".\n");
    }
    demo_person *all[] = {&demo_alice, &demo_bob, &demo_carol};
    for (int i = 0; i < 3; i++)
        if (all[i]->ep)
            parley_endpoint_stop(all[i]->ep); /* every session ends and is released here */
    parley_session_unref(demo_ev.bob_first);
    for (int i = 0; i < 3; i++)
        parley_endpoint_unref(all[i]->ep);
    /* a page or capture that cannot be written is a local error (exit 2, as for the other
     * commands), not a step that misbehaved */
    bool unwritten = cli_tracer_finish(&demo_tracer, "demo", "parley demo") != 0;
    cli_tracer_demo_summary(&demo_tracer);
    cli_tracer_free(&demo_tracer);
    printf("\n%s\n", demo_failures ? "demo: some steps did not behave as they said (see above)"
                     : unwritten   ? "demo: every step behaved, but a file could not be written "
                                     "(see above)"
                                   : "demo: done, every step behaved. Next: `parley listen` and "
                                     "`parley call` do the same between processes; see README.md.");
    return demo_failures ? CLI_FAIL : unwritten ? CLI_ERROR : CLI_OK;
}
