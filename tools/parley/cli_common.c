#include "cli_common.h"

#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_list_add(cli_list *l, const char *s)
{
    if (l->n >= CLI_MAX_LIST)
        return false;
    l->items[l->n++] = s;
    l->items[l->n] = NULL;
    return true;
}

int cli_headers_add(cli_headers *hs, const char *text)
{
    const char *colon = strchr(text, ':');
    if (!colon || colon == text || hs->n >= CLI_MAX_LIST)
        return PARLEY_E_INVAL;
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (!copy)
        return PARLEY_E_NOMEM;
    memcpy(copy, text, len + 1);
    char *c = copy + (colon - text);
    *c = '\0';
    char *name_end = c;
    while (name_end > copy && (name_end[-1] == ' ' || name_end[-1] == '\t'))
        *--name_end = '\0';
    char *value = c + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    hs->storage[hs->n] = copy;
    hs->h[hs->n].name = copy;
    hs->h[hs->n].value = value;
    hs->n++;
    return 0;
}

void cli_headers_free(cli_headers *hs)
{
    for (size_t i = 0; i < hs->n; i++)
        free(hs->storage[i]);
    hs->n = 0;
}

const char *cli_arg(int argc, char **argv, int *i, const char *usage)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "parley: %s needs a value\n%s", argv[*i], usage);
        return NULL;
    }
    return argv[++*i];
}

void cli_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

bool cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cli_usage_error(const char *cmd, const char *what, const char *arg, const char *usage)
{
    if (arg)
        fprintf(stderr, "parley %s: %s '%s'\n%s", cmd, what, arg, usage);
    else
        fprintf(stderr, "parley %s: %s\n%s", cmd, what, usage);
    return CLI_ERROR;
}
