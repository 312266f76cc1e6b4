/* The intrusive hash table, across its incremental doublings and halvings. */
#include <string.h>

#include "test_util.h"

#include "core/hash.h"
#include "core/list.h"

typedef struct item {
    pl_hnode node;
    uint64_t key;
    bool in;
} item;

static bool match(const pl_hnode *n, const void *key)
{
    return pl_container_of(n, item, node)->key == *(const uint64_t *)key;
}

static uint64_t h_of(const pl_hash *h, uint64_t k)
{
    return pl_hash_bytes(h->seed, &k, sizeof(k));
}

static item *find(pl_hash *h, uint64_t k)
{
    pl_hnode *n = pl_hash_find(h, h_of(h, k), match, &k);
    return n ? pl_container_of(n, item, node) : NULL;
}

static void test_growth_keeps_every_entry(void **state)
{
    (void)state;
    enum { N = 200000 };
    item *items = calloc(N, sizeof(*items));
    pl_hash h;
    assert_int_equal(pl_hash_init(&h, 16), 0);
    for (uint64_t i = 0; i < N; i++) {
        items[i].key = i * 7919;
        pl_hash_insert(&h, &items[i].node, h_of(&h, items[i].key));
        items[i].in = true;
        /* while the table doubles, removals and lookups of old and new entries keep working */
        if (i % 3 == 0 && i > 10) {
            item *victim = &items[i - 10];
            if (victim->in) {
                pl_hash_remove(&h, &victim->node);
                victim->in = false;
            }
        }
        if (i % 1000 == 0) {
            for (uint64_t j = 0; j <= i; j += 97)
                assert_true((find(&h, items[j].key) != NULL) == items[j].in);
        }
    }
    size_t live = 0;
    for (uint64_t i = 0; i < N; i++) {
        assert_true((find(&h, items[i].key) != NULL) == items[i].in);
        live += items[i].in;
    }
    assert_int_equal(h.count, live);
    assert_true(h.nbuckets >= live / 2);
    assert_null(find(&h, 1)); /* not a multiple of 7919 */
    pl_hash_free(&h);
    free(items);
}

/* A table a flood grew gives its buckets back as the entries go, never below its initial size,
 * and every entry stays findable while it shrinks. */
static void test_shrinks_after_a_flood(void **state)
{
    (void)state;
    enum { N = 100000 };
    item *items = calloc(N, sizeof(*items));
    pl_hash h;
    assert_int_equal(pl_hash_init(&h, 64), 0);
    for (uint64_t i = 0; i < N; i++) {
        items[i].key = i * 7919;
        pl_hash_insert(&h, &items[i].node, h_of(&h, items[i].key));
        items[i].in = true;
    }
    assert_true(h.nbuckets >= N / 2);
    for (uint64_t i = 0; i < N - 10; i++) {
        pl_hash_remove(&h, &items[i].node);
        items[i].in = false;
        if (i % 997 == 0) {
            for (uint64_t j = 0; j < N; j += 101)
                assert_true((find(&h, items[j].key) != NULL) == items[j].in);
        }
    }
    for (uint64_t i = N - 10; i < N; i++)
        assert_non_null(find(&h, items[i].key));
    assert_int_equal(h.count, 10);
    assert_true(h.nbuckets <= 256);
    assert_true(h.nbuckets >= 64);
    /* and it grows again */
    for (uint64_t i = 0; i < 1000; i++) {
        pl_hash_insert(&h, &items[i].node, h_of(&h, items[i].key));
        items[i].in = true;
    }
    for (uint64_t i = 0; i < N; i++)
        assert_true((find(&h, items[i].key) != NULL) == items[i].in);
    pl_hash_free(&h);
    free(items);
}

/* Hosts that differ only in case hash the same at every length (the word loop and its tail);
 * other bytes and other lengths do not. */
static void test_nocase_hash_folds_letters_only(void **state)
{
    (void)state;
    const char *lower = "host-name.example.org.0123456789";
    const char *upper = "HOST-NAME.EXAMPLE.ORG.0123456789";
    const char *other = "host-name.example.org.0123456780";
    uint64_t seed = 0x1234567u;
    for (size_t n = 0; n <= strlen(lower); n++) {
        assert_true(pl_hash_bytes_nocase(seed, lower, n) == pl_hash_bytes_nocase(seed, upper, n));
        if (n)
            assert_true(pl_hash_bytes_nocase(seed, lower, n) !=
                        pl_hash_bytes_nocase(seed, lower, n - 1));
    }
    assert_true(pl_hash_bytes_nocase(seed, lower, strlen(lower)) !=
                pl_hash_bytes_nocase(seed, other, strlen(other)));
    assert_true(pl_hash_bytes_nocase(seed, "10.0.0.1", 8) !=
                pl_hash_bytes_nocase(seed, "10.0.0.2", 8));
    assert_true(pl_hash_bytes_nocase(seed, "a", 1) != pl_hash_bytes_nocase(seed + 2, "a", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growth_keeps_every_entry),
        cmocka_unit_test(test_shrinks_after_a_flood),
        cmocka_unit_test(test_nocase_hash_folds_letters_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
