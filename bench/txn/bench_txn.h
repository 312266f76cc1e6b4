/*
 * bench/txn: does the cost of one more transaction (or one more timer operation) grow with the
 * number of transactions and timers already alive? Each workload is built once per live count
 * N, then measured in rounds of `ops` operations; main.c times the rounds and compares every N
 * with N = 1 measured in the same run.
 */
#ifndef BENCH_TXN_H
#define BENCH_TXN_H

#include <stddef.h>

typedef struct bench_work {
    const char *name; /* "client", "server", "wheel-add", "wheel-advance" */
    const char *unit; /* what one operation is: "exchange", "op", "ms" */
    const char *what; /* one line for the legend: the work of one operation */
    /* Builds the workload with `live` transactions or timers alive; NULL on failure. */
    void *(*create)(unsigned long live, unsigned long ops);
    /* Untimed, before every round: messages to inject, requests to start... */
    void (*prepare)(void *w);
    /* Timed: `ops` operations. */
    void (*round)(void *w);
    /* After the rounds: 0 when the work done was the work described (else a reason in why). */
    int (*check)(void *w, unsigned long rounds, char *why, size_t n);
    void (*destroy)(void *w);
    /* Optional: the slowest single operation while create() brought up the live ones, in ns of
     * thread CPU time, and how many were alive before it (the price of a one-off O(N) step). */
    double (*slowest)(void *w, unsigned long *at);
} bench_work;

/* harness.c: one transaction layer on a virtual network, a scripted peer. */
extern const bench_work bench_txn_client;
extern const bench_work bench_txn_server;
/* The same packets without a transaction layer: what main.c subtracts. */
extern const bench_work bench_txn_client_bare;
extern const bench_work bench_txn_server_bare;
/* wheel.c: the timing wheel alone. */
extern const bench_work bench_wheel_add;
extern const bench_work bench_wheel_advance;

#endif
