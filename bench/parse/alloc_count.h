/*
 * A malloc interposer linked into the benchmark executable: every malloc, calloc, realloc and
 * aligned allocation of the process (libparley, Sofia-SIP's su_home, libre's mem_alloc, libc
 * itself) goes through it. Counting is off unless switched on, and then costs two adds.
 */
#ifndef BENCH_ALLOC_COUNT_H
#define BENCH_ALLOC_COUNT_H

typedef struct alloc_stats {
    unsigned long allocs; /* successful allocation calls, realloc included */
    unsigned long bytes;  /* bytes asked for by those calls */
    unsigned long frees;  /* free() of a non-NULL pointer */
} alloc_stats;

void alloc_count_start(void);
/* Stops counting and returns what was counted since alloc_count_start(). */
alloc_stats alloc_count_stop(void);

#endif
