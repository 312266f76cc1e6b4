/* parley: a command-line SIP user agent and message tool. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef PARLEY_CLI_VERSION
#define PARLEY_CLI_VERSION "unknown"
#endif

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"parse", cmd_parse, "parse FILE|-         parse one SIP message, print it as JSON"},
    {"send", cmd_send, "send URI TEXT        send a page-mode MESSAGE, print the final status"},
    {"listen", cmd_listen, "listen               answer sessions and messages, print JSON lines"},
    {"call", cmd_call, "call URI             place a call, run the steps asked, hang up"},
    {"demo", cmd_demo, "demo                 show what parley does, end to end"},
    {"ladder", cmd_ladder, "ladder FILE.pcap     draw the call flow of a capture (text or HTML)"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: parley COMMAND [ARGS]\n"
               "       parley help COMMAND | parley COMMAND --help\n"
               "       parley --version\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %s\n", commands[i].summary);
}

static int find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name))
            return (int)i;
    return -1;
}

/* parley help [COMMAND]: a command prints its own usage when asked --help; help's own is the
 * general usage (parley help --help, parley help help) */
static int help(int argc, char **argv)
{
    if (argc < 3 || (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h") ||
                                   !strcmp(argv[2], "help")))) {
        usage(stdout);
        return CLI_OK;
    }
    int i = find(argv[2]);
    if (i < 0 || argc > 3) {
        if (i < 0)
            fprintf(stderr, "parley help: unknown command '%s'\n", argv[2]);
        else
            fprintf(stderr, "parley help: one command at a time\n");
        usage(stderr);
        return CLI_ERROR;
    }
    char *args[] = {argv[2], "--help", NULL};
    return commands[i].run(2, args);
}

/*
 * glibc's allocator, tuned for a process whose heap breathes with the calls it carries: one
 * arena (the loop thread's own would grow and shrink its heap with mprotect several times per
 * call) and trimming only past 16 MiB of free memory at the top (the endpoint still gives
 * memory back with malloc_trim once a load has passed: README, "Limits").
 */
static void tune_allocator(void)
{
#ifdef M_ARENA_MAX
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    mallopt(M_TOP_PAD, 1 << 20);
#endif
}

int main(int argc, char **argv)
{
    tune_allocator();
    if (argc < 2) {
        usage(stderr);
        return CLI_ERROR;
    }
    if (cli_is_help(argv[1]) || !strcmp(argv[1], "help"))
        return help(argc, argv);
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("parley %s\n", PARLEY_CLI_VERSION);
        return CLI_OK;
    }
    int i = find(argv[1]);
    if (i >= 0)
        return commands[i].run(argc - 1, argv + 1);
    if (argv[1][0] == '-')
        fprintf(stderr, "parley: unknown option '%s'\n", argv[1]);
    else
        fprintf(stderr, "parley: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_ERROR;
}
