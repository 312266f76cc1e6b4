/*
 * Unpredictable identifiers (tags, branches, Call-IDs, endpoint ids) from the kernel's CSPRNG,
 * read in blocks (a pool per thread) so that one identifier costs no system call and no lock.
 * Thread-safe.
 */
#ifndef PL_RAND_H
#define PL_RAND_H

#include <stddef.h>
#include <stdint.h>

void pl_rand_bytes(void *out, size_t n);
uint64_t pl_rand_u64(void);
/* Uniform in [0, bound). */
uint64_t pl_rand_below(uint64_t bound);
/* Writes n characters of [0-9a-z] (n*~5.2 bits of randomness) and a NUL: out holds n+1. */
void pl_rand_token(char *out, size_t n);

/* Tests: makes the sequence deterministic from `seed` (0 returns to the kernel source). */
void pl_rand_seed_for_tests(uint64_t seed);

#endif
