/*
 * bench/parse: messages per second and allocations per message of parley's SIP parser against
 * Sofia-SIP's and libre's, on the same corpus (tests/data/msg/ *.sip, read at run time), in the
 * same process. Every parser parses and frees each message; the figures are medians over
 * rounds, and each round runs the parsers in turn (rotating who goes first) so that drift of
 * the machine hits them alike. Never asserted: this prints numbers, it does not judge them.
 *
 *   bench_parse [--corpus DIR] [--rounds R] [--passes N] [--per-message]
 *   bench_parse --instr NAME [--passes N]   (for run.sh under callgrind or perf stat)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "alloc_count.h"
#include "bench.h"

#ifndef BENCH_CORPUS_DIR
#define BENCH_CORPUS_DIR "tests/data/msg"
#endif

enum { MAX_MSGS = 256, MAX_ROUNDS = 101 };

typedef struct corpus_msg {
    char name[64];
    char *data;
    size_t len;
} corpus_msg;

typedef struct corpus {
    corpus_msg msg[MAX_MSGS];
    size_t n;
    size_t bytes;
} corpus;

/* The parsers compared; the first is parley, the next two are the competitors of the goal, the
 * rest are informative. */
static const bench_parser *const parsers[] = {&bench_parley, &bench_sofia, &bench_libre,
                                              &bench_libre_full};
enum { NPARSERS = sizeof(parsers) / sizeof(parsers[0]), NGOAL = 3 };

typedef struct result {
    double rate[MAX_ROUNDS]; /* messages per second, one per round */
    double median, lo, hi;
    double allocs, bytes; /* per message */
    long leaked;          /* allocations minus frees over the counted passes */
} result;

static volatile int sink;

void bench_copy(char *dst, size_t cap, const char *p, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, p, n);
    dst[n] = '\0';
}

/* ---- corpus ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const corpus_msg *)a)->name, ((const corpus_msg *)b)->name);
}

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

static int load_corpus(corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_parse: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || nl >= sizeof(c->msg[0].name) || strcmp(e->d_name + nl - 4, ".sip") != 0)
            continue;
        if (c->n == MAX_MSGS)
            break;
        corpus_msg *m = &c->msg[c->n];
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (read_file(path, &m->data, &m->len) != 0) {
            fprintf(stderr, "bench_parse: cannot read %s\n", path);
            closedir(d);
            return -1;
        }
        memcpy(m->name, e->d_name, nl - 4);
        m->name[nl - 4] = '\0';
        c->n++;
    }
    closedir(d);
    if (!c->n) {
        fprintf(stderr, "bench_parse: no *.sip files in %s\n", dir);
        return -1;
    }
    qsort(c->msg, c->n, sizeof(c->msg[0]), by_name);
    return 0;
}

static void drop_msg(corpus *c, size_t i)
{
    free(c->msg[i].data);
    memmove(&c->msg[i], &c->msg[i + 1], (c->n - i - 1) * sizeof(c->msg[0]));
    c->n--;
}

static int same_facts(const bench_facts *a, const bench_facts *b)
{
    return a->is_request == b->is_request && a->status == b->status &&
           strcmp(a->method, b->method) == 0 && strcmp(a->call_id, b->call_id) == 0 &&
           a->cseq == b->cseq && a->nvia == b->nvia && a->content_length == b->content_length;
}

/*
 * Every parser must accept every message and read the same facts from it, or the comparison
 * would not be of the same work. A message some parser rejects is left out (and said so); a
 * disagreement on the facts is an error.
 */
static int check_corpus(corpus *c)
{
    int disagree = 0;
    for (size_t i = 0; i < c->n;) {
        bench_facts f[NPARSERS];
        int rejected = 0;
        for (size_t p = 0; p < NPARSERS; p++) {
            memset(&f[p], 0, sizeof(f[p]));
            if (parsers[p]->facts(c->msg[i].data, c->msg[i].len, &f[p]) != 0) {
                fprintf(stderr, "bench_parse: %s rejects %s.sip: left out of the corpus\n",
                        parsers[p]->name, c->msg[i].name);
                rejected = 1;
            }
        }
        if (rejected) {
            drop_msg(c, i);
            continue;
        }
        for (size_t p = 1; p < NPARSERS; p++) {
            if (!same_facts(&f[0], &f[p])) {
                fprintf(stderr,
                        "bench_parse: %s.sip: %s reads (%d %s %s %lu via=%u clen=%ld), "
                        "%s reads (%d %s %s %lu via=%u clen=%ld)\n",
                        c->msg[i].name, parsers[0]->name, f[0].status, f[0].method, f[0].call_id,
                        f[0].cseq, f[0].nvia, f[0].content_length, parsers[p]->name, f[p].status,
                        f[p].method, f[p].call_id, f[p].cseq, f[p].nvia, f[p].content_length);
                disagree = 1;
            }
        }
        i++;
    }
    c->bytes = 0;
    for (size_t i = 0; i < c->n; i++)
        c->bytes += c->msg[i].len;
    if (!c->n)
        fprintf(stderr, "bench_parse: no message is accepted by every parser\n");
    return disagree || !c->n ? -1 : 0;
}

/* ---- measuring ---- */

static __attribute__((noinline)) void run_passes(const bench_parser *p, const corpus *c,
                                                 long passes)
{
    int acc = 0;
    for (long k = 0; k < passes; k++)
        for (size_t i = 0; i < c->n; i++)
            acc |= p->parse(c->msg[i].data, c->msg[i].len);
    sink = acc;
}

/*
 * CPU time of this thread, not wall time: on a shared machine the time another process holds
 * the CPU would otherwise be charged to whichever parser was running.
 */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void count_allocs(const bench_parser *p, const corpus *c, result *r)
{
    enum { PASSES = 10 };
    run_passes(p, c, 1); /* one-time set-up inside the library is not per message */
    alloc_count_start();
    run_passes(p, c, PASSES);
    alloc_stats s = alloc_count_stop();
    double msgs = (double)PASSES * (double)c->n;
    r->allocs = (double)s.allocs / msgs;
    r->bytes = (double)s.bytes / msgs;
    r->leaked = (long)s.allocs - (long)s.frees;
}

static void per_message_allocs(const corpus *c)
{
    printf("\nallocations per message (calls/bytes):\n  %-10s", "message");
    for (size_t p = 0; p < NPARSERS; p++)
        printf(" %16s", parsers[p]->name);
    printf("\n");
    for (size_t i = 0; i < c->n; i++) {
        corpus one = {.n = 1};
        one.msg[0] = c->msg[i];
        printf("  %-10s", c->msg[i].name);
        for (size_t p = 0; p < NPARSERS; p++) {
            result r;
            count_allocs(parsers[p], &one, &r);
            char cell[32];
            snprintf(cell, sizeof(cell), "%.0f/%.0f", r.allocs, r.bytes);
            printf(" %16s", cell);
        }
        printf("\n");
    }
}

static void time_rounds(const corpus *c, int rounds, long passes, result *res)
{
    for (size_t p = 0; p < NPARSERS; p++)
        run_passes(parsers[p], c, passes / 10 + 1); /* warm-up */
    for (int r = 0; r < rounds; r++) {
        for (size_t k = 0; k < NPARSERS; k++) {
            size_t p = (k + (size_t)r) % NPARSERS;
            double t0 = now();
            run_passes(parsers[p], c, passes);
            double t = now() - t0;
            res[p].rate[r] = (double)passes * (double)c->n / t;
        }
    }
    for (size_t p = 0; p < NPARSERS; p++) {
        double sorted[MAX_ROUNDS];
        memcpy(sorted, res[p].rate, sizeof(double) * (size_t)rounds);
        qsort(sorted, (size_t)rounds, sizeof(double), cmp_double);
        res[p].median =
            rounds % 2 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
        res[p].lo = sorted[0];
        res[p].hi = sorted[rounds - 1];
    }
}

/* parley over the faster competitor, round by round: the spread of the goal's figure. */
static void round_ratios(int rounds, const result *res, double *lo, double *mid, double *hi)
{
    double q[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        double best = res[1].rate[r] > res[2].rate[r] ? res[1].rate[r] : res[2].rate[r];
        q[r] = res[0].rate[r] / best;
    }
    qsort(q, (size_t)rounds, sizeof(double), cmp_double);
    *lo = q[0];
    *mid = rounds % 2 ? q[rounds / 2] : (q[rounds / 2 - 1] + q[rounds / 2]) / 2;
    *hi = q[rounds - 1];
}

static void report(const corpus *c, const char *dir, int rounds, long passes, const result *res)
{
    printf("corpus: %zu messages, %zu bytes, from %s:", c->n, c->bytes, dir);
    for (size_t i = 0; i < c->n; i++)
        printf(" %s", c->msg[i].name);
    printf("\n%d rounds x %ld passes over the corpus per parser, thread CPU time; median of the "
           "rounds\n\n",
           rounds, passes);
    printf("  %-10s %10s %9s %8s %11s %10s %10s\n", "parser", "msg/s", "ns/msg", "spread",
           "allocs/msg", "bytes/msg", "parley is");
    for (size_t p = 0; p < NPARSERS; p++) {
        const result *r = &res[p];
        char ratio[32] = "";
        if (p)
            snprintf(ratio, sizeof(ratio), "%.2fx", res[0].median / r->median);
        printf("  %-10s %10.0f %9.1f %7.1f%% %11.2f %10.0f %10s%s\n", parsers[p]->name, r->median,
               1e9 / r->median, 100.0 * (r->hi - r->lo) / r->median, r->allocs, r->bytes, ratio,
               p >= NGOAL ? "  (informative)" : "");
    }
    printf("\n");
    for (size_t p = 0; p < NPARSERS; p++)
        printf("  %-10s = %s\n", parsers[p]->name, parsers[p]->what);
    printf("  spread = (slowest - fastest round) / median\n");
    for (size_t p = 0; p < NPARSERS; p++)
        if (res[p].leaked)
            printf("  warning: %s: %ld allocations were not freed over the counted passes\n",
                   parsers[p]->name, res[p].leaked);
    double qlo, qmid, qhi;
    round_ratios(rounds, res, &qlo, &qmid, &qhi);
    printf("  parley / faster competitor, round by round: min %.2fx, median %.2fx, max %.2fx\n",
           qlo, qmid, qhi);
    size_t best = res[1].median >= res[2].median ? 1 : 2;
    printf("\nparse: parley %.0f msg/s, sofia %.0f, libre %.0f -> %.2fx the faster (%s); "
           "parley %.2f allocations/msg, %.0f bytes/msg\n",
           res[0].median, res[1].median, res[2].median, res[0].median / res[best].median,
           parsers[best]->name, res[0].allocs, res[0].bytes);
}

static const bench_parser *parser_named(const char *name)
{
    for (size_t p = 0; p < NPARSERS; p++)
        if (strcmp(parsers[p]->name, name) == 0)
            return parsers[p];
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_parse [--corpus DIR] [--rounds R] [--passes N] "
                    "[--per-message] [--instr PARSER]\n"
                    "  --instr PARSER: warm up, then run only PARSER for N passes with\n"
                    "  callgrind collection switched on (for run.sh)\n");
}

int main(int argc, char **argv)
{
    const char *dir = BENCH_CORPUS_DIR, *instr = NULL;
    int rounds = 11, per_message = 0;
    long passes = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--corpus") == 0 && v)
            dir = v, i++;
        else if (strcmp(a, "--rounds") == 0 && v)
            rounds = atoi(v), i++;
        else if (strcmp(a, "--passes") == 0 && v)
            passes = atol(v), i++;
        else if (strcmp(a, "--instr") == 0 && v)
            instr = v, i++;
        else if (strcmp(a, "--per-message") == 0)
            per_message = 1;
        else {
            usage();
            return 2;
        }
    }
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "bench_parse: --rounds must be 1..%d\n", MAX_ROUNDS);
        return 2;
    }
    static corpus c;
    if (load_corpus(&c, dir) != 0)
        return 1;
    for (size_t p = 0; p < NPARSERS; p++) {
        if (parsers[p]->init() != 0) {
            fprintf(stderr, "bench_parse: %s does not initialise\n", parsers[p]->name);
            return 1;
        }
    }
    if (check_corpus(&c) != 0)
        return 1;

    if (instr) {
        const bench_parser *p = parser_named(instr);
        if (!p) {
            usage();
            return 2;
        }
        if (passes < 0)
            passes = 200;
        run_passes(p, &c, 2);
        CALLGRIND_TOGGLE_COLLECT;
        run_passes(p, &c, passes);
        CALLGRIND_TOGGLE_COLLECT;
        printf("instr-messages: %ld\n", passes * (long)c.n);
        return 0;
    }

    if (passes < 1)
        passes = 1000;
    static result res[NPARSERS];
    for (size_t p = 0; p < NPARSERS; p++)
        count_allocs(parsers[p], &c, &res[p]);
    time_rounds(&c, rounds, passes, res);
    report(&c, dir, rounds, passes, res);
    if (per_message)
        per_message_allocs(&c);
    return 0;
}
