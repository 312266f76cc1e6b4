/*
 * The whole-message deadline of stream connections on the virtual clock: a receiver that frames
 * with sip_frame as the connections do, fed by peers sending at chosen paces. A peer trickling
 * one byte every 100 ms is cut off exactly at the deadline (each byte would have reset an idle
 * timer); whole messages sent slowly, a message in two parts within the deadline, and
 * keep-alives between messages never are; the next message's time starts when one ends.
 */
#include "test_util.h"

#include "core/buf.h"
#include "core/loop.h"
#include "parley/error.h"
#include "sip/msg.h"
#include "transport/deadline.h"

typedef struct receiver {
    pl_loop *loop;
    tp_deadline d;
    pl_buf buf;
    int messages;
    bool cut;
    uint64_t cut_at;
} receiver;

static void expired(void *arg)
{
    receiver *r = arg;
    r->cut = true;
    r->cut_at = pl_loop_now(r->loop);
}

static void rx_init(receiver *r, unsigned ms)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(pl_loop_create_virtual(1000, &r->loop), 0);
    pl_buf_init(&r->buf, 0);
    tp_deadline_init(&r->d, r->loop, ms, expired, r);
}

static void rx_free(receiver *r)
{
    tp_deadline_stop(&r->d);
    pl_buf_free(&r->buf);
    pl_loop_destroy(r->loop);
}

/* Bytes arrive: frame what is whole, then tell the deadline (as stream.c does). */
static void rx_bytes(receiver *r, const char *data, size_t len)
{
    if (r->cut)
        return;
    pl_buf_put(&r->buf, data, len);
    size_t off = 0;
    for (;;) {
        size_t skip = 0, mlen = 0;
        int rc = sip_frame(r->buf.data + off, r->buf.len - off, NULL, &skip, &mlen);
        off += skip;
        if (rc == PARLEY_E_INCOMPLETE)
            break;
        assert_int_equal(rc, 0);
        off += mlen;
        r->messages++;
    }
    memmove(r->buf.data, r->buf.data + off, r->buf.len - off);
    r->buf.len -= off;
    tp_deadline_update(&r->d, r->buf.len, off > 0);
}

static const char msg[] = "OPTIONS sip:a@10.0.0.1 SIP/2.0\r\n"
                          "Via: SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bKdl\r\n"
                          "From: <sip:b@10.0.0.2>;tag=1\r\nTo: <sip:a@10.0.0.1>\r\n"
                          "Call-ID: dl-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

static void test_trickle_is_cut_at_the_deadline(void **state)
{
    (void)state;
    receiver r;
    rx_init(&r, 20000);
    uint64_t first = pl_loop_now(r.loop);
    /* the slowloris: one header byte every 100 ms, for ever */
    for (size_t i = 0; !r.cut && i < 100000; i++) {
        rx_bytes(&r, &msg[i % (sizeof(msg) - 5)], 1); /* never the blank line */
        pl_loop_advance(r.loop, 100);
    }
    assert_true(r.cut);
    assert_int_equal(r.cut_at - first, 20000);
    assert_int_equal(r.messages, 0);
    rx_free(&r);
}

static void test_slow_whole_messages_pass(void **state)
{
    (void)state;
    receiver r;
    rx_init(&r, 20000);
    /* a message every minute for an hour, each whole at once */
    for (int i = 0; i < 60; i++) {
        rx_bytes(&r, msg, sizeof(msg) - 1);
        pl_loop_advance(r.loop, 60000);
    }
    assert_false(r.cut);
    assert_int_equal(r.messages, 60);
    /* keep-alives between them cost nothing and start nothing */
    for (int i = 0; i < 100; i++) {
        rx_bytes(&r, "\r\n\r\n", 4);
        pl_loop_advance(r.loop, 30000);
    }
    assert_false(r.cut);
    rx_free(&r);
}

static void test_parts_within_the_deadline(void **state)
{
    (void)state;
    receiver r;
    rx_init(&r, 20000);
    size_t half = (sizeof(msg) - 1) / 2;
    rx_bytes(&r, msg, half);
    pl_loop_advance(r.loop, 19999);
    rx_bytes(&r, msg + half, sizeof(msg) - 1 - half);
    pl_loop_advance(r.loop, 60000);
    assert_false(r.cut);
    assert_int_equal(r.messages, 1);
    rx_free(&r);
}

/* A message ending in the same read as the next one starts: the next one gets its own time. */
static void test_next_message_starts_its_own_clock(void **state)
{
    (void)state;
    receiver r;
    rx_init(&r, 20000);
    size_t half = (sizeof(msg) - 1) / 2;
    rx_bytes(&r, msg, half);
    pl_loop_advance(r.loop, 15000);
    char two[2 * sizeof(msg)];
    size_t rest = sizeof(msg) - 1 - half;
    memcpy(two, msg + half, rest);
    memcpy(two + rest, msg, 10);
    uint64_t second = pl_loop_now(r.loop);
    rx_bytes(&r, two, rest + 10);
    assert_int_equal(r.messages, 1);
    pl_loop_advance(r.loop, 30000);
    assert_true(r.cut);
    assert_int_equal(r.cut_at - second, 20000);
    rx_free(&r);
}

static void test_zero_means_no_deadline(void **state)
{
    (void)state;
    receiver r;
    rx_init(&r, 0);
    rx_bytes(&r, msg, 10);
    pl_loop_advance(r.loop, 3600 * 1000);
    assert_false(r.cut);
    rx_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trickle_is_cut_at_the_deadline),
        cmocka_unit_test(test_slow_whole_messages_pass),
        cmocka_unit_test(test_parts_within_the_deadline),
        cmocka_unit_test(test_next_message_starts_its_own_clock),
        cmocka_unit_test(test_zero_means_no_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
