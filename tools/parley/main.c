/* parley: a command-line SIP user agent and message tool. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"parse", cmd_parse, "parse FILE|-        parse one SIP message, print it as JSON"},
    {"send", cmd_send, "send URI TEXT       send a page-mode MESSAGE, print the final status"},
    {"listen", cmd_listen, "listen              answer sessions and messages, print JSON lines"},
    {"call", cmd_call, "call URI            place a call, run the steps asked, hang up"},
    {"demo", cmd_demo, "demo                show what parley does, end to end"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: parley COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %s\n", commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "parley: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_ERROR;
}
