/* The intrusive hash table, across its incremental doublings. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growth_keeps_every_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
