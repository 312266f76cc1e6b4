/* The ladder in a terminal: one column per endpoint, one line per message. */
#include <stdlib.h>
#include <string.h>

#include "ladder.h"

#define TIME_W     14 /* "+12345.678ms " */
#define MIN_COL_W  26
#define MAX_LEGEND 20

typedef struct layout {
    int *pos; /* per column: its bar's offset in the line, or -1 when not shown */
    size_t width;
} layout;

static bool shown(const ladder_msg *m, int call)
{
    return call < 0 || m->call == (unsigned)call;
}

static int make_layout(const cli_ladder *l, int call, layout *lay)
{
    lay->pos = malloc((l->ncols ? l->ncols : 1) * sizeof(int));
    if (!lay->pos)
        return -1;
    size_t w = MIN_COL_W;
    for (size_t i = 0; i < l->ncols; i++) {
        lay->pos[i] = -1;
        if (strlen(l->cols[i]) + 2 > w)
            w = strlen(l->cols[i]) + 2;
    }
    for (size_t i = 0; i < l->nmsgs; i++)
        if (shown(&l->msgs[i], call))
            lay->pos[l->msgs[i].src] = lay->pos[l->msgs[i].dst] = 0;
    size_t x = TIME_W + w / 2;
    for (size_t i = 0; i < l->ncols; i++)
        if (lay->pos[i] == 0) {
            lay->pos[i] = (int)x;
            x += w;
        }
    lay->width = x - w / 2 + 24; /* room for a self-message's label after the last bar */
    return 0;
}

/* A line of spaces with the bars, into buf (lay->width + 1 bytes). */
static void bars(const cli_ladder *l, const layout *lay, char *buf)
{
    memset(buf, ' ', lay->width);
    buf[lay->width] = '\0';
    for (size_t i = 0; i < l->ncols; i++)
        if (lay->pos[i] >= 0)
            buf[lay->pos[i]] = '|';
}

static void put_trimmed(FILE *f, char *line)
{
    size_t n = strlen(line);
    while (n && line[n - 1] == ' ')
        line[--n] = '\0';
    fprintf(f, "%s\n", line);
}

static void arrow(const ladder_msg *m, const layout *lay, char *line)
{
    char label[80];
    ladder_label(m, label, sizeof(label));
    int a = lay->pos[m->src], b = lay->pos[m->dst];
    if (a == b) { /* to itself: after the bar, as far as the line goes */
        char text[120];
        int n = snprintf(text, sizeof(text), "<- %s (to itself)", label);
        size_t room = lay->width - (size_t)a - 1;
        memcpy(line + a + 1, text, (size_t)n < room ? (size_t)n : room);
        return;
    }
    int lo = a < b ? a : b, hi = a < b ? b : a;
    for (int x = lo + 1; x < hi; x++)
        line[x] = '-';
    if (a < b)
        line[hi - 1] = '>';
    else
        line[lo + 1] = '<';
    /* the label sits on the shaft, after the head or the tail, cut to fit */
    int room = hi - lo - 5;
    int n = (int)strlen(label) < room ? (int)strlen(label) : room;
    if (n > 0)
        memcpy(line + lo + 3, label, (size_t)n);
}

int ladder_print_text(cli_ladder *l, FILE *f, int call)
{
    ladder_sort(l);
    layout lay;
    if (make_layout(l, call, &lay) != 0)
        return -1;
    char *line = malloc(lay.width + 96);
    if (!line) {
        free(lay.pos);
        return -1;
    }
    if (call < 0 && l->ncalls > 1) {
        for (size_t i = 0; i < l->ncalls && i < MAX_LEGEND; i++)
            fprintf(f, "call %zu: Call-ID %s\n", i + 1, l->calls[i]);
        if (l->ncalls > MAX_LEGEND)
            fprintf(f, "... and %zu more calls\n", l->ncalls - MAX_LEGEND);
        fputc('\n', f);
    } else if (call >= 0 && (size_t)call < l->ncalls) {
        fprintf(f, "Call-ID %s\n\n", l->calls[call]);
    }
    /* the endpoints' names, centred over their bars */
    memset(line, ' ', lay.width);
    line[lay.width] = '\0';
    for (size_t i = 0; i < l->ncols; i++) {
        if (lay.pos[i] < 0)
            continue;
        size_t n = strlen(l->cols[i]);
        size_t at = (size_t)lay.pos[i] > n / 2 ? (size_t)lay.pos[i] - n / 2 : 0;
        memcpy(line + at, l->cols[i], n);
    }
    put_trimmed(f, line);
    bars(l, &lay, line);
    put_trimmed(f, line);
    uint64_t t0 = 0;
    bool first = true;
    for (size_t i = 0; i < l->nmsgs; i++) {
        const ladder_msg *m = &l->msgs[i];
        if (!shown(m, call))
            continue;
        if (first)
            t0 = m->time_us;
        first = false;
        bars(l, &lay, line);
        char t[32];
        int tn = ladder_reltime(m->time_us - t0, t, sizeof(t));
        memcpy(line, t, (size_t)tn < TIME_W ? (size_t)tn : TIME_W - 1);
        arrow(m, &lay, line);
        size_t n = strlen(line);
        while (n && line[n - 1] == ' ')
            line[--n] = '\0';
        if (call < 0 && l->ncalls > 1)
            snprintf(line + n, 96, "   [call %u]", m->call + 1);
        else if (strcmp(m->transport, "UDP"))
            snprintf(line + n, 96, "   [%s]", m->transport);
        put_trimmed(f, line);
    }
    if (l->dropped)
        fprintf(f, "(%zu more messages left out: the ladder holds at most %d messages, %u MiB)\n",
                l->dropped, LADDER_MAX_MSGS, LADDER_MAX_BYTES >> 20);
    free(line);
    free(lay.pos);
    return ferror(f) ? -1 : 0;
}
