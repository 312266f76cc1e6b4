/* libFuzzer target: the capture reader behind `parley ladder` (pcap and pcapng, every link
 * layer, IPv4/IPv6, UDP and TCP reassembly) and the ladder renderers fed with what it finds. */
#include <stdint.h>
#include <stdio.h>

#include "ladder.h"
#include "pcap_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add(void *user, const parley_trace_event *ev)
{
    ladder_add_event(user, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    cli_ladder l;
    ladder_init(&l);
    char err[160];
    pcap_read_stream(f, add, &l, err, sizeof(err));
    fclose(f);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        ladder_print_text(&l, out, -1);
        ladder_write_html(&l, out, "fuzz");
        fclose(out);
    }
    ladder_free(&l);
    return 0;
}
