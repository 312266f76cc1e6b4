#include "core/rand.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

/*
 * Each thread reads the kernel's bytes into its own pool: no lock shared by every tag and
 * branch of the loop thread and every thread making identifiers. A byte handed out is cleared
 * from the pool (what was given cannot be read back from it later).
 */
static _Thread_local unsigned char pool[512];
static _Thread_local size_t pool_left;

/* Tests (pl_rand_seed_for_tests): one deterministic splitmix64 sequence for all threads, under
 * a lock; test_mode says whether it is on without taking the lock. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t test_state;
static atomic_bool test_mode;

static uint64_t splitmix(void)
{
    uint64_t z = (test_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void refill(void)
{
    size_t got = 0;
    while (got < sizeof(pool)) {
        ssize_t r = getrandom(pool + got, sizeof(pool) - got, 0);
        if (r > 0)
            got += (size_t)r;
    }
    pool_left = sizeof(pool);
}

static bool test_bytes(unsigned char *o, size_t n)
{
    pthread_mutex_lock(&mu);
    bool on = test_state != 0;
    while (on && n) {
        uint64_t v = splitmix();
        size_t k = n < 8 ? n : 8;
        memcpy(o, &v, k);
        o += k;
        n -= k;
    }
    pthread_mutex_unlock(&mu);
    return on;
}

void pl_rand_bytes(void *out, size_t n)
{
    unsigned char *o = out;
    if (atomic_load_explicit(&test_mode, memory_order_relaxed) && test_bytes(o, n))
        return;
    while (n) {
        if (!pool_left)
            refill();
        size_t k = n < pool_left ? n : pool_left;
        memcpy(o, pool + sizeof(pool) - pool_left, k);
        memset(pool + sizeof(pool) - pool_left, 0, k);
        pool_left -= k;
        o += k;
        n -= k;
    }
}

uint64_t pl_rand_u64(void)
{
    uint64_t v;
    pl_rand_bytes(&v, sizeof(v));
    return v;
}

uint64_t pl_rand_below(uint64_t bound)
{
    if (bound <= 1)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do
        v = pl_rand_u64();
    while (v >= limit);
    return v % bound;
}

void pl_rand_token(char *out, size_t n)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    unsigned char raw[64];
    size_t i = 0;
    while (i < n) {
        size_t k = n - i < sizeof(raw) ? n - i : sizeof(raw);
        pl_rand_bytes(raw, k);
        for (size_t j = 0; j < k; j++) {
            /* 252 = 7 * 36: reject the top values to stay uniform */
            while (raw[j] >= 252)
                pl_rand_bytes(&raw[j], 1);
            out[i + j] = alphabet[raw[j] % 36];
        }
        i += k;
    }
    out[n] = '\0';
}

void pl_rand_seed_for_tests(uint64_t seed)
{
    pthread_mutex_lock(&mu);
    test_state = seed;
    atomic_store(&test_mode, seed != 0);
    pthread_mutex_unlock(&mu);
}
