/*
 * What every thread of a program that links parley carries: parley's thread-local variables
 * (the PT_TLS segment of the executable that links it statically, or of libparley.so). Each
 * new thread gets a zeroed copy, so its size is memory per thread of the whole program, the
 * application's threads included. A 64 KiB read buffer there made each ring thread of
 * `parley listen --answer ring:S` (one per ringing call) cost 64 KiB: 1000 ringing calls from
 * SIPp took 84 MB instead of 24 MB.
 */
#include "test_util.h"

#include <link.h>

#include "parley/endpoint.h"

static int add_tls(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    size_t *total = data;
    bool ours = !info->dlpi_name[0] || strstr(info->dlpi_name, "libparley");
    for (int i = 0; ours && i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_TLS)
            *total += info->dlpi_phdr[i].p_memsz;
    return 0;
}

static void test_thread_local_storage_is_small(void **state)
{
    (void)state;
    /* a program with an endpoint on TCP: the whole library is linked in */
    const char *listen[] = {"tcp:127.0.0.1:0", NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = listen;
    parley_endpoint *ep = NULL;
    assert_int_equal(parley_endpoint_create(&cfg, &ep), 0);
    parley_endpoint_unref(ep);
    size_t total = 0;
    dl_iterate_phdr(add_tls, &total);
    if (total >= 8192)
        fprintf(stderr, "thread-local storage: %zu bytes per thread\n", total);
    assert_true(total < 8192);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_local_storage_is_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
