#include "trace_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void cli_tracer_init(cli_tracer *t)
{
    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    ladder_init(&t->lad);
}

int cli_tracer_option(cli_tracer *t, int argc, char **argv, int *i, const char *cmd,
                      const char *usage)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--trace")) {
        t->text = true;
        return 1;
    }
    if (strcmp(a, "--pcap") && strcmp(a, "--ladder"))
        return 0;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "missing the value of", a, usage);
        return -1;
    }
    if (a[2] == 'p')
        t->pcap_path = argv[++*i];
    else
        t->ladder_path = argv[++*i];
    return 1;
}

bool cli_tracer_wanted(const cli_tracer *t)
{
    return t->text || t->pcap_path || t->ladder_path || t->keep_ladder;
}

int cli_tracer_open(cli_tracer *t, const char *cmd)
{
    if (t->pcap_path && pcap_writer_open(t->pcap_path, &t->pcap) != 0) {
        fprintf(stderr, "parley %s: cannot write %s: %s\n", cmd, t->pcap_path, strerror(errno));
        return -1;
    }
    return 0;
}

static void print_text(const parley_trace_event *ev)
{
    time_t sec = (time_t)(ev->time_us / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    flockfile(stderr);
    fprintf(stderr, "--- %02d:%02d:%02d.%06u %s %s %s -> %s (%zu bytes)\n", tm.tm_hour, tm.tm_min,
            tm.tm_sec, (unsigned)(ev->time_us % 1000000), ev->sent ? "sent" : "recv", ev->transport,
            ev->sent ? ev->local : ev->remote, ev->sent ? ev->remote : ev->local, ev->len);
    fwrite(ev->data, 1, ev->len, stderr);
    if (ev->len && ev->data[ev->len - 1] != '\n')
        fputc('\n', stderr);
    funlockfile(stderr);
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h;
}

/* Whether ev is the other end's view of a message already traced (then forgotten, so that a
 * retransmission, the same bytes again, counts anew); otherwise it is remembered. */
static bool duplicate(cli_tracer *t, const parley_trace_event *ev)
{
    cli_trace_seen x = {hash_bytes(ev->data, ev->len), ev->len, {0}, {0}, ev->sent != 0, true};
    wire_addr_parse(ev->sent ? ev->local : ev->remote, &x.src);
    wire_addr_parse(ev->sent ? ev->remote : ev->local, &x.dst);
    for (size_t i = 0; i < CLI_TRACE_SEEN; i++) {
        cli_trace_seen *s = &t->seen[i];
        if (s->live && s->sent != x.sent && s->len == x.len && s->hash == x.hash &&
            wire_addr_match(&s->src, &x.src) && wire_addr_match(&s->dst, &x.dst)) {
            s->live = false;
            return true;
        }
    }
    t->seen[t->next_seen] = x;
    t->next_seen = (t->next_seen + 1) % CLI_TRACE_SEEN;
    return false;
}

void cli_tracer_event(cli_tracer *t, const parley_trace_event *ev)
{
    if (t->text)
        print_text(ev);
    if (!t->pcap && !t->ladder_path && !t->keep_ladder)
        return;
    pthread_mutex_lock(&t->mu);
    if (!duplicate(t, ev)) {
        if (t->pcap)
            pcap_writer_event(t->pcap, ev);
        if (t->ladder_path || t->keep_ladder)
            ladder_add_event(&t->lad, ev);
    }
    pthread_mutex_unlock(&t->mu);
}

int cli_tracer_finish(cli_tracer *t, const char *cmd, const char *title)
{
    int rc = 0;
    pthread_mutex_lock(&t->mu);
    if (t->pcap && pcap_writer_close(t->pcap) != 0) {
        fprintf(stderr, "parley %s: writing %s: %s\n", cmd, t->pcap_path, strerror(errno));
        rc = -1;
    }
    t->pcap = NULL;
    if (t->ladder_path && ladder_write_html_file(&t->lad, t->ladder_path, title) != 0) {
        fprintf(stderr, "parley %s: writing %s: %s\n", cmd, t->ladder_path, strerror(errno));
        rc = -1;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void cli_tracer_free(cli_tracer *t)
{
    pcap_writer_close(t->pcap);
    t->pcap = NULL;
    ladder_free(&t->lad);
    pthread_mutex_destroy(&t->mu);
}

void cli_tracer_demo_summary(cli_tracer *t)
{
    pthread_mutex_lock(&t->mu);
    if (t->lad.nmsgs) {
        printf("\nThe first session's call flow:\n\n");
        fflush(stdout);
        ladder_sort(&t->lad);
        ladder_print_text(&t->lad, stdout, (int)t->lad.msgs[0].call);
    }
    if (t->ladder_path)
        printf("\nCall-flow diagram (all sessions, click an arrow for the message): %s\n",
               t->ladder_path);
    if (t->pcap_path)
        printf("Capture for Wireshark/tshark: %s\n", t->pcap_path);
    fflush(stdout);
    pthread_mutex_unlock(&t->mu);
}
