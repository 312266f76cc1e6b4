/* The parley command-line tool: one function per subcommand. */
#ifndef PARLEY_CLI_H
#define PARLEY_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes shared by every subcommand: 0 success (also --help), 1 the operation failed (a
 * failure response, an invalid message), 2 a local error: bad usage (unknown option, missing
 * value; the usage then goes to standard error), I/O, no route, timeout. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_ERROR = 2 };

int cmd_parse(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_ladder(int argc, char **argv);

/* Reads a whole file ("-" for standard input) into a malloc'd buffer; NULL on error. */
char *cli_read_file(const char *path, size_t max, size_t *len);

/* "-h" or "--help": every subcommand then prints its usage to standard output, exit 0. */
bool cli_is_help(const char *arg);
/* Prints "parley CMD: what 'arg'" and the usage to standard error; returns CLI_ERROR. */
int cli_usage_error(const char *cmd, const char *what, const char *arg, const char *usage);

#endif
