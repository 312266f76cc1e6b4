/*
 * bench/txn: the cost per message of the transaction layer, and per operation of the timing
 * wheel, with N = 1 ... 100000 transactions (1 ... 1000000 timers) alive. Every workload is built
 * for each N; rounds run the N in turn (rotating who goes first) so that drift of the machine
 * hits them alike, and each N is compared with N = 1 from the same run. Never asserted: this
 * prints numbers, it does not judge them.
 *
 *   bench_txn [--rounds R] [--exchanges K] [--timer-ops M] [--advance-ms MS] [--only WORK]
 *             [--instructions FILE]     (instructions per operation measured by run.sh)
 *             [--per-round]             (every round's figure, to see the noise)
 *   bench_txn --instr WORK --live N [--rounds R] (for run.sh under callgrind)
 *   bench_txn --list                              (the WORK N pairs run.sh measures)
 */
#include <malloc.h>
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
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include "bench_txn.h"

enum { MAX_ROUNDS = 101, MAX_LIVE = 8 };

/* One workload at several live counts, and for the transaction layer the same packets without
 * it (bare), measured in the same rotation. */
typedef struct group {
    const bench_work *work, *bare;
    unsigned long live[MAX_LIVE];
    size_t nlive;
} group;

static const group groups[] = {
    {&bench_txn_client, &bench_txn_client_bare, {1, 100, 1000, 10000, 100000}, 5},
    {&bench_txn_server, &bench_txn_server_bare, {1, 100, 1000, 10000, 100000}, 5},
    {&bench_wheel_add, NULL, {1, 100, 1000, 10000, 100000, 1000000}, 6},
    {&bench_wheel_advance, NULL, {1, 100, 1000, 10000, 100000, 1000000}, 6},
};
enum { NGROUPS = sizeof(groups) / sizeof(groups[0]) };

/* Index of a group's bare result, after its live counts. */
#define BARE(g) ((g)->nlive)

typedef struct result {
    double ns[MAX_ROUNDS]; /* per operation, one per round */
    double median, lo, hi;
    double paired;  /* median over rounds of this round's time / live = 1's time in that round */
    double instr;   /* per operation, < 0 when not measured */
    double slowest; /* ns: the slowest single operation while the live ones were set up */
    unsigned long slowest_at;
} result;

typedef struct options {
    int rounds;
    unsigned long exchanges, timer_ops, advance_ms;
    const char *only, *instr_file, *instr;
    unsigned long live;
    int per_round, list;
} options;

/*
 * CPU time of this thread, not wall time: on a shared machine the time another process holds
 * the CPU would otherwise be charged to whichever N was running.
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

static double median_of(const double *v, int n, double *lo, double *hi)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    if (lo)
        *lo = s[0];
    if (hi)
        *hi = s[n - 1];
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static unsigned long ops_of(const group *g, const options *o)
{
    if (g->bare)
        return o->exchanges;
    return g->work == &bench_wheel_advance ? o->advance_ms : o->timer_ops;
}

/* The group a workload (or its bare twin) belongs to; *bare says which it is. */
static const group *group_named(const char *name, int *bare)
{
    for (size_t i = 0; i < NGROUPS; i++) {
        if (strcmp(groups[i].work->name, name) == 0 ||
            (groups[i].bare && strcmp(groups[i].bare->name, name) == 0)) {
            if (bare)
                *bare = strcmp(groups[i].work->name, name) != 0;
            return &groups[i];
        }
    }
    return NULL;
}

static int check(const bench_work *work, void *w, unsigned long live, unsigned long rounds)
{
    char why[256] = "";
    if (work->check(w, rounds, why, sizeof(why)) == 0)
        return 0;
    fprintf(stderr, "bench_txn: %s at %lu live: not the work described: %s\n", work->name, live,
            why);
    return -1;
}

/* Item i of a group: its live counts, then the bare twin (live 0). */
static const bench_work *item_work(const group *g, size_t i)
{
    return i < g->nlive ? g->work : g->bare;
}

static unsigned long item_live(const group *g, size_t i)
{
    return i < g->nlive ? g->live[i] : 0;
}

/* Builds every item of the group, warms each up with one round, then times `rounds` rounds
 * in which the items take turns (rotating who goes first). */
static int measure(const group *g, const options *o, result *res)
{
    void *w[MAX_LIVE + 1] = {0};
    size_t n = g->nlive + (g->bare ? 1 : 0);
    unsigned long ops = ops_of(g, o);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        w[i] = item_work(g, i)->create(item_live(g, i), ops);
        if (!w[i]) {
            fprintf(stderr, "bench_txn: %s at %lu live: out of memory\n", item_work(g, i)->name,
                    item_live(g, i));
            rc = -1;
        }
    }
    for (size_t i = 0; i < n && !rc; i++) {
        item_work(g, i)->prepare(w[i]);
        item_work(g, i)->round(w[i]);
    }
    for (int r = 0; r < o->rounds && !rc; r++) {
        for (size_t k = 0; k < n; k++) {
            size_t i = (k + (size_t)r) % n;
            const bench_work *work = item_work(g, i);
            work->prepare(w[i]);
            double t0 = now();
            work->round(w[i]);
            res[i].ns[r] = (now() - t0) * 1e9 / (double)ops;
        }
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const bench_work *work = item_work(g, i);
        rc = check(work, w[i], item_live(g, i), (unsigned long)o->rounds + 1);
        res[i].slowest = work->slowest ? work->slowest(w[i], &res[i].slowest_at) : -1;
    }
    for (size_t i = 0; i < n; i++)
        if (w[i])
            item_work(g, i)->destroy(w[i]);
    for (size_t i = 0; i < n && !rc; i++) {
        double q[MAX_ROUNDS];
        for (int r = 0; r < o->rounds; r++)
            q[r] = res[i].ns[r] / res[0].ns[r];
        res[i].median = median_of(res[i].ns, o->rounds, &res[i].lo, &res[i].hi);
        res[i].paired = median_of(q, o->rounds, NULL, NULL);
    }
    for (size_t i = 0; i < n && !rc && o->per_round; i++) {
        printf("%s %lu ns/op by round:", item_work(g, i)->name, item_live(g, i));
        for (int r = 0; r < o->rounds; r++)
            printf(" %.0f", res[i].ns[r]);
        printf("\n");
    }
    return rc;
}

typedef result results[MAX_LIVE + 1];

/* Lines "WORK LIVE INSTRUCTIONS-PER-OPERATION" written by run.sh. */
static void read_instructions(const char *path, results *res)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_txn: %s: cannot read: instructions left out\n", path);
        return;
    }
    char name[64];
    unsigned long live;
    double v;
    while (fscanf(f, "%63s %lu %lf", name, &live, &v) == 3) {
        int bare = 0;
        const group *g = group_named(name, &bare);
        if (g && bare)
            res[g - groups][BARE(g)].instr = v;
        for (size_t i = 0; g && !bare && i < g->nlive; i++)
            if (g->live[i] == live)
                res[g - groups][i].instr = v;
    }
    fclose(f);
}

/* The transaction layer's own instructions: the exchange minus the same packets without the
 * layer (< 0 when unknown). */
static double own_instr(const group *g, const result *res, size_t i)
{
    const result *b = &res[BARE(g)];
    return g->bare && res[i].instr >= 0 && b->instr >= 0 ? res[i].instr - b->instr : -1;
}

static void fmt_num(char *out, size_t n, double v)
{
    if (v >= 0)
        snprintf(out, n, "%.0f", v);
    else
        snprintf(out, n, "-");
}

static void fmt_ratio(char *out, size_t n, double v, double base)
{
    if (v >= 0 && base > 0)
        snprintf(out, n, "%.2fx", v / base);
    else
        snprintf(out, n, "-");
}

static void report_group(const group *g, const result *res)
{
    for (size_t i = 0; i < g->nlive; i++) {
        const result *r = &res[i];
        char rt[16], instr[32], ri[16], oi[32], ro[16];
        fmt_ratio(rt, sizeof(rt), r->paired, 1);
        fmt_num(instr, sizeof(instr), r->instr);
        fmt_ratio(ri, sizeof(ri), r->instr, res[0].instr);
        fmt_num(oi, sizeof(oi), own_instr(g, res, i));
        fmt_ratio(ro, sizeof(ro), own_instr(g, res, i), own_instr(g, res, 0));
        printf("  %-13s %7lu %8.0f %6.1f%% %7s %9s %7s %9s %7s\n", i ? "" : g->work->name,
               g->live[i], r->median, 100.0 * (r->hi - r->lo) / r->median, rt, instr, ri, oi, ro);
    }
    if (g->bare) {
        const result *b = &res[BARE(g)];
        char instr[32];
        fmt_num(instr, sizeof(instr), b->instr);
        printf("  %-13s %7s %8.0f %6.1f%% %7s %9s\n", g->bare->name, "-", b->median,
               100.0 * (b->hi - b->lo) / b->median, "", instr);
    }
}

static void summary(const group *g, const result *res)
{
    size_t last = g->nlive - 1;
    char what[96], cost[160], ti[16], tt[16], oi[16];
    fmt_ratio(ti, sizeof(ti), res[last].instr, res[0].instr);
    fmt_ratio(tt, sizeof(tt), res[last].paired, 1);
    fmt_ratio(oi, sizeof(oi), own_instr(g, res, last), own_instr(g, res, 0));
    if (res[last].instr < 0 || res[0].instr < 0)
        snprintf(cost, sizeof(cost), "%s the cost%s (CPU time; no instruction counts)", tt,
                 g->work == &bench_wheel_advance ? " with 1" : " at 1");
    else if (g->bare)
        snprintf(cost, sizeof(cost),
                 "%s the cost at 1 (instructions; the layer's own: %s), %s (CPU time)", ti, oi, tt);
    else
        snprintf(cost, sizeof(cost), "%s the cost%s (instructions), %s (CPU time)", ti,
                 g->work == &bench_wheel_advance ? " with 1" : " at 1", tt);
    if (g->bare)
        snprintf(what, sizeof(what), "txn: %s cost per exchange at %lu live transactions",
                 g->work->name, g->live[last]);
    else if (g->work == &bench_wheel_add)
        snprintf(what, sizeof(what), "timers: cancel + add at %lu live timers", g->live[last]);
    else
        snprintf(what, sizeof(what), "timers: advancing 1 ms with %lu timers far ahead",
                 g->live[last]);
    printf("%s = %s\n", what, cost);
}

/* Amortized O(1) can still hide a one-off O(N) step: the slowest single operation of the set-up
 * (e.g. the insert that doubles a hash table and rehashes every entry). */
static void slowest(const group *g, const result *res)
{
    if (!g->work->slowest)
        return;
    printf("  %s: slowest single operation while bringing up the live ones (thread CPU time):\n",
           g->work->name);
    for (size_t i = 0; i < g->nlive; i++)
        printf("    live %7lu: %9.1f us, with %lu alive\n", g->live[i], res[i].slowest / 1e3,
               res[i].slowest_at);
    printf("\n");
}

static void report(const options *o, const int *ran, results *res)
{
    printf("bench/txn: cost of one more operation with N transactions or timers alive\n"
           "%d rounds per N after one warm-up round, the N in turn; thread CPU time, median of "
           "the rounds;\ninstructions from callgrind (run.sh), counted only in the measured "
           "rounds\n"
           "per round: %lu exchanges (client, server), %lu timer operations (wheel-add), "
           "%lu ms (wheel-advance)\n\n",
           o->rounds, o->exchanges, o->timer_ops, o->advance_ms);
    printf("  %-13s %7s %8s %7s %7s %9s %7s %9s %7s\n", "work", "live", "ns/op", "spread", "ratio",
           "instr/op", "ratio", "layer ins", "ratio");
    for (size_t g = 0; g < NGROUPS; g++)
        if (ran[g])
            report_group(&groups[g], res[g]);
    printf("\n");
    for (size_t g = 0; g < NGROUPS; g++) {
        if (!ran[g])
            continue;
        printf("  %-13s = one %s: %s\n", groups[g].work->name, groups[g].work->unit,
               groups[g].work->what);
        if (groups[g].bare)
            printf("  %-13s = %s\n", groups[g].bare->name, groups[g].bare->what);
    }
    printf("  live = transactions (timers) alive besides the ones the operations use\n"
           "  spread = (slowest - fastest round) / median; ratio = against live = 1 (for ns: the\n"
           "  median over rounds of the ratio within a round, the N having run in turn)\n"
           "  layer ins = instructions of the exchange minus its -bare row: the transaction "
           "layer's own\n\n");
    for (size_t g = 0; g < NGROUPS; g++)
        if (ran[g])
            slowest(&groups[g], res[g]);
    for (size_t g = 0; g < NGROUPS; g++)
        if (ran[g])
            summary(&groups[g], res[g]);
}

/* For run.sh: one workload at one N, callgrind instrumenting only the measured rounds. */
static int run_instr(const options *o)
{
    int bare = 0;
    const group *g = group_named(o->instr, &bare);
    if (!g) {
        fprintf(stderr, "bench_txn: no workload %s\n", o->instr);
        return 2;
    }
    const bench_work *work = bare ? g->bare : g->work;
    unsigned long ops = ops_of(g, o);
    void *w = work->create(o->live, ops);
    if (!w) {
        fprintf(stderr, "bench_txn: out of memory\n");
        return 1;
    }
    work->prepare(w);
    work->round(w);
    for (int r = 0; r < o->rounds; r++) {
        work->prepare(w);
        CALLGRIND_START_INSTRUMENTATION;
        work->round(w);
        CALLGRIND_STOP_INSTRUMENTATION;
    }
    int rc = check(work, w, o->live, (unsigned long)o->rounds + 1);
    work->destroy(w);
    if (rc)
        return 1;
    printf("instr-ops: %lu\n", ops * (unsigned long)o->rounds);
    return 0;
}

/* For run.sh: every (workload, live) pair whose instructions the table shows. */
static int list_items(void)
{
    for (size_t g = 0; g < NGROUPS; g++)
        for (size_t i = 0; i < groups[g].nlive + (groups[g].bare ? 1 : 0); i++)
            printf("%s %lu\n", item_work(&groups[g], i)->name, item_live(&groups[g], i));
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_txn [--rounds R] [--exchanges K] [--timer-ops M] [--advance-ms MS]\n"
            "                 [--only WORK] [--instructions FILE] [--per-round]\n"
            "       bench_txn --instr WORK --live N [--rounds R]   (run.sh, under callgrind)\n"
            "       bench_txn --list   (the WORK N pairs run.sh measures)\n"
            "  WORK: client, server, client-bare, server-bare, wheel-add, wheel-advance\n");
}

static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--per-round") == 0) {
            o->per_round = 1;
            continue;
        }
        if (strcmp(a, "--list") == 0) {
            o->list = 1;
            continue;
        }
        if (!v)
            return -1;
        if (strcmp(a, "--rounds") == 0)
            o->rounds = atoi(v);
        else if (strcmp(a, "--exchanges") == 0)
            o->exchanges = strtoul(v, NULL, 10);
        else if (strcmp(a, "--timer-ops") == 0)
            o->timer_ops = strtoul(v, NULL, 10);
        else if (strcmp(a, "--advance-ms") == 0)
            o->advance_ms = strtoul(v, NULL, 10);
        else if (strcmp(a, "--only") == 0)
            o->only = v;
        else if (strcmp(a, "--instructions") == 0)
            o->instr_file = v;
        else if (strcmp(a, "--instr") == 0)
            o->instr = v;
        else if (strcmp(a, "--live") == 0)
            o->live = strtoul(v, NULL, 10);
        else
            return -1;
        i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options o = {.rounds = -1, .exchanges = 1000, .timer_ops = 200000, .advance_ms = 65536};
    if (parse_args(argc, argv, &o) != 0) {
        usage();
        return 2;
    }
    if (o.rounds < 0)
        o.rounds = o.instr ? 3 : 11;
    /* The transaction workloads must finish before their live transactions' first
     * retransmission (500 ms of virtual time at 2 ms per round); the advance workload before
     * its timers (2 h). */
    if (o.rounds < 1 || o.rounds > MAX_ROUNDS || !o.exchanges || !o.timer_ops || !o.advance_ms ||
        (o.rounds + 1) * o.advance_ms >= 7200000ul) {
        fprintf(stderr,
                "bench_txn: --rounds must be 1..%d, counts positive, and rounds x "
                "advance-ms under 2 hours\n",
                MAX_ROUNDS);
        return 2;
    }
    /* A fixed threshold: the virtual network's ever-growing packet log is then reallocated
     * with mremap, not copied, whatever else the process freed before. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    if (o.list)
        return list_items();
    if (o.instr)
        return run_instr(&o);

    static results res[NGROUPS];
    int ran[NGROUPS] = {0};
    for (size_t g = 0; g < NGROUPS; g++)
        for (size_t i = 0; i <= MAX_LIVE; i++)
            res[g][i].instr = -1;
    const group *only = o.only ? group_named(o.only, NULL) : NULL;
    if (o.only && !only) {
        usage();
        return 2;
    }
    if (o.instr_file)
        read_instructions(o.instr_file, res);
    for (size_t g = 0; g < NGROUPS; g++) {
        if (only && only != &groups[g])
            continue;
        if (measure(&groups[g], &o, res[g]) != 0)
            return 1;
        ran[g] = 1;
    }
    report(&o, ran, res);
    return 0;
}
