/* The parley command-line tool: one function per subcommand. */
#ifndef PARLEY_CLI_H
#define PARLEY_CLI_H

/* Exit codes shared by every subcommand. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_ERROR = 2 };

int cmd_parse(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_call(int argc, char **argv);

/* Reads a whole file ("-" for standard input) into a malloc'd buffer; NULL on error. */
char *cli_read_file(const char *path, size_t max, size_t *len);

#endif
