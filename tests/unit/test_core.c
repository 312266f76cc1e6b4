/*
 * src/core: the growable print buffer (pl_buf), the per-message bump allocator (pl_arena),
 * string slices (pl_str), the allocation hooks and parley_strerror.
 */
#include "test_util.h"

#include <limits.h>
#include <wchar.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "parley/error.h"

static int reset_alloc(void **state)
{
    (void)state;
    pl_alloc_fail_after(-1);
    return 0;
}

/* ---- pl_buf ---- */

static void test_buf_init_empty(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_true(pl_buf_ok(&b));
    /* an empty put allocates nothing */
    pl_buf_put(&b, "x", 0);
    assert_null(b.data);
    pl_buf_free(&b);
    pl_buf_free(&b); /* twice is harmless */
    assert_null(b.data);
}

static void test_buf_init_hint(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 1000);
    assert_non_null(b.data);
    assert_true(b.cap >= 1000);
    size_t cap = b.cap;
    char block[1000];
    memset(block, 'q', sizeof(block));
    unsigned long before = pl_alloc_count();
    pl_buf_put(&b, block, sizeof(block));
    assert_int_equal(pl_alloc_count(), before); /* the hint was enough: no regrowth */
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 1000);
    pl_buf_free(&b);
}

static void test_buf_growth_keeps_content(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    for (int i = 0; i < 100000; i++)
        pl_buf_putc(&b, (char)('a' + i % 26));
    assert_true(pl_buf_ok(&b));
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= b.len);
    for (int i = 0; i < 100000; i++)
        if (b.data[i] != (char)('a' + i % 26))
            fail_msg("byte %d changed while growing", i);
    pl_buf_free(&b);
}

static void test_buf_growth_doubles(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_putc(&b, 'x');
    size_t first = b.cap;
    assert_true(first >= 1);
    unsigned long before = pl_alloc_count();
    /* appending 64 KiB one byte at a time reallocates O(log n) times, not O(n) */
    for (int i = 0; i < 65536; i++)
        pl_buf_putc(&b, 'y');
    assert_true(pl_alloc_count() - before <= 12);
    pl_buf_free(&b);
}

static void test_buf_puts_and_str(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 4);
    pl_buf_puts(&b, "Via");
    pl_buf_putc(&b, ':');
    pl_buf_put_str(&b, PL_STR_LIT(" SIP/2.0/UDP"));
    pl_buf_put_str(&b, PL_STR_NULL); /* absent slice adds nothing */
    pl_buf_puts(&b, "");
    assert_slice_equal(pl_buf_str(&b), "Via: SIP/2.0/UDP");
    pl_buf_free(&b);
}

static void test_buf_numbers(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_put_u64(&b, 0);
    pl_buf_putc(&b, ' ');
    pl_buf_put_u64(&b, 5060);
    pl_buf_putc(&b, ' ');
    pl_buf_put_u64(&b, UINT64_MAX);
    pl_buf_putc(&b, ' ');
    pl_buf_put_i64(&b, 0);
    pl_buf_putc(&b, ' ');
    pl_buf_put_i64(&b, -1);
    pl_buf_putc(&b, ' ');
    pl_buf_put_i64(&b, INT64_MAX);
    pl_buf_putc(&b, ' ');
    pl_buf_put_i64(&b, INT64_MIN);
    assert_slice_equal(pl_buf_str(&b), "0 5060 18446744073709551615 0 -1 9223372036854775807 "
                                       "-9223372036854775808");
    pl_buf_free(&b);
    /* every digit count, at both ends (the digits go two at a time from the end) */
    uint64_t p = 1;
    for (int digits = 1; digits <= 20; digits++) {
        uint64_t lo = p, hi = digits == 20 ? UINT64_MAX : p * 10 - 1;
        for (int k = 0; k < 2; k++) {
            uint64_t v = k ? hi : (digits == 1 ? 0 : lo);
            char want[24];
            snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
            pl_buf_init(&b, 0);
            pl_buf_put_u64(&b, v);
            assert_slice_equal(pl_buf_str(&b), want);
            pl_buf_free(&b);
        }
        if (digits < 20)
            p *= 10;
    }
}

static void test_buf_printf_short_and_long(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_printf(&b, "%s %u %s", "SIP/2.0", 200u, "OK");
    assert_slice_equal(pl_buf_str(&b), "SIP/2.0 200 OK");
    /* longer than the 128-byte scratch: formatted a second time straight into the buffer */
    char big[600];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    pl_buf_printf(&b, "[%s]%d", big, 42);
    assert_true(pl_buf_ok(&b));
    assert_int_equal(b.len, 14 + 1 + 599 + 1 + 2);
    assert_memory_equal(b.data + 14, "[zzz", 4);
    assert_memory_equal(b.data + b.len - 4, "z]42", 4);
    /* exactly 127 and 128 characters: either side of the scratch size */
    pl_buf_reset(&b);
    pl_buf_printf(&b, "%.*s", 127, big);
    assert_int_equal(b.len, 127);
    pl_buf_printf(&b, "%.*s", 128, big);
    assert_int_equal(b.len, 255);
    pl_buf_free(&b);
}

static void test_buf_printf_encoding_error(void **state)
{
    (void)state;
    /* a lone surrogate cannot be converted to a multibyte string: vsnprintf fails with -1 */
    static const wchar_t bad[] = {(wchar_t)0xD800, 0};
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_puts(&b, "ok");
    pl_buf_printf(&b, "%ls", bad);
    assert_false(pl_buf_ok(&b));
    assert_int_equal(b.err, PARLEY_E_INVAL);
    assert_int_equal(b.len, 2);
    pl_buf_free(&b);
}

static void test_buf_max_limit(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    b.max = 10;
    pl_buf_put(&b, "0123456789", 10); /* exactly the limit */
    assert_true(pl_buf_ok(&b));
    assert_true(b.cap <= 10);
    pl_buf_putc(&b, 'x'); /* one more */
    assert_false(pl_buf_ok(&b));
    assert_int_equal(b.err, PARLEY_E_LIMIT);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "0123456789", 10);
    pl_buf_free(&b);
}

static void test_buf_errors_are_sticky(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    b.max = 4;
    pl_buf_puts(&b, "abcdef");
    assert_int_equal(b.err, PARLEY_E_LIMIT);
    size_t len = b.len;
    /* every later write is ignored, even ones that would fit */
    pl_buf_putc(&b, 'a');
    pl_buf_puts(&b, "b");
    pl_buf_put_u64(&b, 1);
    pl_buf_put_i64(&b, -1);
    pl_buf_printf(&b, "%d", 1);
    pl_buf_put_str(&b, PL_STR_LIT("c"));
    assert_false(pl_buf_reserve(&b, 0));
    assert_int_equal(b.len, len);
    assert_int_equal(b.err, PARLEY_E_LIMIT);
    /* steal on an errored buffer gives NULL and frees */
    size_t out = 99;
    assert_null(pl_buf_steal(&b, &out));
    assert_null(b.data);
    /* reset clears the error */
    pl_buf_reset(&b);
    assert_true(pl_buf_ok(&b));
    pl_buf_puts(&b, "ab");
    assert_true(pl_buf_ok(&b));
    assert_slice_equal(pl_buf_str(&b), "ab");
    pl_buf_free(&b);
}

static void test_buf_nomem_is_sticky(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_alloc_fail_after(0);
    pl_buf_puts(&b, "hello");
    pl_alloc_fail_after(-1);
    assert_int_equal(b.err, PARLEY_E_NOMEM);
    assert_null(b.data);
    pl_buf_puts(&b, "hello"); /* memory is back, but the error stays */
    assert_int_equal(b.len, 0);
    assert_null(pl_buf_steal(&b, NULL));

    /* failing a regrowth keeps the old data intact until freed */
    pl_buf_init(&b, 8);
    pl_buf_puts(&b, "12345678");
    pl_alloc_fail_after(0);
    for (int i = 0; i < 1000; i++)
        pl_buf_putc(&b, 'x');
    pl_alloc_fail_after(-1);
    assert_int_equal(b.err, PARLEY_E_NOMEM);
    assert_true(b.len >= 8);
    assert_memory_equal(b.data, "12345678", 8);
    pl_buf_free(&b);
}

static void test_buf_reserve_huge(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_puts(&b, "x");
    /* sizes no allocator can give fail cleanly (and quickly) instead of wrapping around */
    assert_false(pl_buf_reserve(&b, SIZE_MAX / 2));
    assert_false(pl_buf_ok(&b));
    assert_int_equal(b.len, 1);
    assert_memory_equal(b.data, "x", 1);
    pl_buf_reset(&b);
    assert_false(pl_buf_reserve(&b, SIZE_MAX - 1));
    assert_false(pl_buf_ok(&b));
    pl_buf_reset(&b);
    assert_false(pl_buf_reserve(&b, SIZE_MAX));
    assert_false(pl_buf_ok(&b));
    pl_buf_reset(&b);
    volatile size_t huge = SIZE_MAX; /* a length no buffer could hold (not seen at compile time) */
    pl_buf_put(&b, "0123456789", huge);
    assert_false(pl_buf_ok(&b));
    assert_int_equal(b.len, 0);
    pl_buf_free(&b);
}

static void test_buf_terminate(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_terminate(&b); /* on an empty buffer: allocates room for the NUL */
    assert_non_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    pl_buf_puts(&b, "abc");
    pl_buf_terminate(&b);
    assert_int_equal(b.len, 3); /* the NUL is not counted */
    assert_string_equal(b.data, "abc");
    /* a buffer filled to its capacity still has room for the NUL */
    pl_buf_reset(&b);
    while (b.len < b.cap)
        pl_buf_putc(&b, 'f');
    size_t cap = b.cap;
    pl_buf_terminate(&b);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.data[b.len], '\0');
    pl_buf_free(&b);
}

static void test_buf_steal(void **state)
{
    (void)state;
    pl_buf b;
    pl_buf_init(&b, 0);
    size_t len = 99;
    char *s = pl_buf_steal(&b, &len); /* nothing written: an empty string */
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    pl_free(s);
    pl_buf_puts(&b, "INVITE");
    s = pl_buf_steal(&b, &len);
    assert_string_equal(s, "INVITE");
    assert_int_equal(len, 6);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    pl_free(s);
    /* the buffer is usable again */
    pl_buf_puts(&b, "BYE");
    s = pl_buf_steal(&b, NULL);
    assert_string_equal(s, "BYE");
    pl_free(s);
}

/* ---- pl_arena ---- */

static bool aligned8(const void *p)
{
    return ((uintptr_t)p & 7u) == 0;
}

static void test_arena_alignment(void **state)
{
    (void)state;
    _Alignas(8) char mem[256];
    pl_arena a;
    /* a misaligned first chunk is aligned up */
    pl_arena_init(&a, mem + 1, sizeof(mem) - 1, 0);
    char *p1 = pl_arena_alloc(&a, 1);
    char *p2 = pl_arena_alloc(&a, 3);
    char *p3 = pl_arena_alloc(&a, 8);
    char *p4 = pl_arena_alloc(&a, 9);
    char *p5 = pl_arena_alloc(&a, 1);
    assert_true(aligned8(p1) && aligned8(p2) && aligned8(p3) && aligned8(p4) && aligned8(p5));
    assert_ptr_equal(p1, mem + 8);
    assert_int_equal(p2 - p1, 8);
    assert_int_equal(p3 - p2, 8);
    assert_int_equal(p4 - p3, 8);
    assert_int_equal(p5 - p4, 16);
    assert_true(p5 + 8 <= mem + sizeof(mem));
    assert_int_equal(a.used, 8 + 8 + 8 + 16 + 8);
    pl_arena_release(&a);
}

static void test_arena_first_chunk_then_extra(void **state)
{
    (void)state;
    _Alignas(8) char mem[64];
    pl_arena a;
    pl_arena_init(&a, mem, sizeof(mem), 0);
    unsigned long before = pl_alloc_count();
    for (int i = 0; i < 8; i++) {
        char *p = pl_arena_alloc(&a, 8);
        assert_true(p >= mem && p + 8 <= mem + sizeof(mem));
    }
    assert_int_equal(pl_alloc_count(), before); /* the owner's chunk served all of it */
    char *q = pl_arena_alloc(&a, 8);            /* full: a malloc'd chunk */
    assert_non_null(q);
    assert_true(q < mem || q >= mem + sizeof(mem));
    assert_true(aligned8(q));
    assert_int_equal(pl_alloc_count(), before + 1);
    /* the chunk (4 KiB) serves the next small allocations */
    for (int i = 0; i < 100; i++)
        assert_non_null(pl_arena_alloc(&a, 16));
    assert_int_equal(pl_alloc_count(), before + 1);
    /* an allocation larger than a chunk gets one of its own size */
    char *big = pl_arena_alloc(&a, 10000);
    assert_non_null(big);
    memset(big, 0x5a, 10000);
    assert_int_equal(pl_alloc_count(), before + 2);
    pl_arena_release(&a); /* LeakSanitizer checks the chunks went back */
    assert_null(a.extra);
}

static void test_arena_zero_capacity_first_chunk(void **state)
{
    (void)state;
    _Alignas(8) char mem[8];
    pl_arena a;
    /* 3 bytes starting one past an 8-byte boundary: nothing usable after alignment */
    pl_arena_init(&a, mem + 1, 3, 0);
    char *p = pl_arena_alloc(&a, 1);
    assert_non_null(p);
    assert_true(p < mem || p >= mem + sizeof(mem));
    pl_arena_release(&a);
}

static void test_arena_limit(void **state)
{
    (void)state;
    _Alignas(8) char mem[256];
    pl_arena a;
    pl_arena_init(&a, mem, sizeof(mem), 32);
    assert_non_null(pl_arena_alloc(&a, 16));
    assert_non_null(pl_arena_alloc(&a, 9)); /* rounded to 16: used = 32, the limit */
    assert_int_equal(a.used, 32);
    assert_null(pl_arena_alloc(&a, 1)); /* past the limit although the chunk has room */
    assert_int_equal(a.used, 32);
    assert_non_null(pl_arena_alloc(&a, 0)); /* zero bytes always fit */
    pl_arena_release(&a);
}

static void test_arena_huge(void **state)
{
    (void)state;
    _Alignas(8) char mem[64];
    pl_arena a;
    pl_arena_init(&a, mem, sizeof(mem), 0);
    /* sizes that would wrap around when rounded or when adding the chunk header */
    assert_null(pl_arena_alloc(&a, SIZE_MAX));
    assert_null(pl_arena_alloc(&a, SIZE_MAX - 3));
    assert_null(pl_arena_alloc(&a, SIZE_MAX - 20));
    assert_int_equal(a.used, 0);
    assert_non_null(pl_arena_alloc(&a, 8)); /* still usable */
    pl_arena_release(&a);
}

static void test_arena_nomem(void **state)
{
    (void)state;
    _Alignas(8) char mem[16];
    pl_arena a;
    pl_arena_init(&a, mem, sizeof(mem), 0);
    assert_non_null(pl_arena_alloc(&a, 16));
    pl_alloc_fail_after(0);
    assert_null(pl_arena_alloc(&a, 8));
    assert_null(pl_arena_zalloc(&a, 8));
    pl_alloc_fail_after(-1);
    assert_int_equal(a.used, 16);
    assert_null(a.extra);
    assert_non_null(pl_arena_alloc(&a, 8));
    pl_arena_release(&a);
}

static void test_arena_zalloc(void **state)
{
    (void)state;
    _Alignas(8) char mem[128];
    memset(mem, 0xaa, sizeof(mem));
    pl_arena a;
    pl_arena_init(&a, mem, sizeof(mem), 0);
    unsigned char *p = pl_arena_zalloc(&a, 40);
    for (int i = 0; i < 40; i++)
        assert_int_equal(p[i], 0);
    unsigned char *q = pl_arena_zalloc(&a, 5000); /* in a malloc'd chunk */
    for (int i = 0; i < 5000; i++)
        assert_int_equal(q[i], 0);
    pl_arena_release(&a);
}

/* ---- pl_str ---- */

static void test_str_make(void **state)
{
    (void)state;
    const char *t = "Call-ID";
    pl_str s = pl_str_make(t, 4);
    assert_slice_equal(s, "Call");
    assert_slice_equal(pl_str_c(t), "Call-ID");
    assert_slice_equal(pl_str_span(t + 5, t + 7), "ID");
    assert_true(pl_str_empty(pl_str_make(t, 0)));
    assert_true(pl_str_set(pl_str_make(t, 0))); /* set, though empty */
    assert_false(pl_str_set(PL_STR_NULL));
    assert_false(pl_str_set(pl_str_c(NULL)));
    assert_int_equal(pl_str_c(NULL).len, 0);
    assert_slice_equal(PL_STR_LIT("lit"), "lit");
    assert_int_equal(pl_tolower('A'), 'a');
    assert_int_equal(pl_tolower('Z'), 'z');
    assert_int_equal(pl_tolower('a'), 'a');
    assert_int_equal(pl_tolower('@'), '@');
    assert_int_equal(pl_tolower('['), '[');
    assert_int_equal(pl_tolower((char)0xc4), (char)0xc4); /* not ASCII: unchanged */
}

static void test_str_eq(void **state)
{
    (void)state;
    assert_true(pl_str_eq(PL_STR_LIT("abc"), PL_STR_LIT("abc")));
    assert_false(pl_str_eq(PL_STR_LIT("abc"), PL_STR_LIT("abC")));
    assert_false(pl_str_eq(PL_STR_LIT("abc"), PL_STR_LIT("ab")));
    assert_true(pl_str_eq(PL_STR_NULL, PL_STR_LIT(""))); /* both empty */
    assert_true(pl_str_eq(PL_STR_NULL, PL_STR_NULL));
    assert_true(pl_str_eq_lit(PL_STR_LIT("INVITE"), "INVITE"));
    assert_false(pl_str_eq_lit(PL_STR_LIT("INVITE"), "invite"));
    /* bytes past the slice do not matter, embedded NULs do */
    assert_true(pl_str_eq(pl_str_make("ab\0x", 3), pl_str_make("ab\0y", 3)));
    assert_false(pl_str_eq(pl_str_make("ab\0x", 4), pl_str_make("ab\0y", 4)));
}

static void test_str_caseeq(void **state)
{
    (void)state;
    assert_true(pl_str_casecmp_eq(PL_STR_LIT("Content-Length"), PL_STR_LIT("content-LENGTH")));
    assert_false(pl_str_casecmp_eq(PL_STR_LIT("Content-Length"), PL_STR_LIT("Content-Lengt")));
    assert_false(pl_str_casecmp_eq(PL_STR_LIT("a"), PL_STR_LIT("b")));
    assert_true(pl_str_casecmp_eq(PL_STR_NULL, PL_STR_LIT("")));
    assert_true(pl_str_caseeq_lit(PL_STR_LIT("VIA"), "via"));
    assert_false(pl_str_caseeq_lit(PL_STR_LIT("via"), "vias"));
    /* only ASCII letters fold: '@' (0x40) is not '`' (0x60), '[' is not '{' */
    assert_false(pl_str_caseeq_lit(PL_STR_LIT("@"), "`"));
    assert_false(pl_str_caseeq_lit(PL_STR_LIT("["), "{"));
}

static void test_str_trim(void **state)
{
    (void)state;
    assert_slice_equal(pl_str_trim(PL_STR_LIT("  a b \t")), "a b");
    assert_slice_equal(pl_str_trim(PL_STR_LIT("\r\n\tx\r\n")), "x");
    assert_slice_equal(pl_str_trim(PL_STR_LIT(" \r\n\t ")), "");
    assert_slice_equal(pl_str_trim(PL_STR_LIT("")), "");
    assert_slice_equal(pl_str_trim(PL_STR_LIT("x")), "x");
    assert_slice_equal(pl_str_trim(PL_STR_LIT("\va\f")), "\va\f"); /* only SP HT CR LF */
    pl_str n = pl_str_trim(PL_STR_NULL);
    assert_int_equal(n.len, 0);
}

static void test_str_to_u64(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_true(pl_str_to_u64(PL_STR_LIT("0"), 10, &v));
    assert_int_equal(v, 0);
    assert_true(pl_str_to_u64(PL_STR_LIT("00070"), 255, &v));
    assert_int_equal(v, 70);
    assert_true(pl_str_to_u64(PL_STR_LIT("255"), 255, &v));
    assert_int_equal(v, 255);
    assert_false(pl_str_to_u64(PL_STR_LIT("256"), 255, &v));
    assert_true(pl_str_to_u64(PL_STR_LIT("18446744073709551615"), UINT64_MAX, &v));
    assert_true(v == UINT64_MAX);
    assert_false(pl_str_to_u64(PL_STR_LIT("18446744073709551616"), UINT64_MAX, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("99999999999999999999999"), UINT64_MAX, &v));
    assert_true(pl_str_to_u64(PL_STR_LIT("4294967295"), UINT32_MAX, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("4294967296"), UINT32_MAX, &v));
    /* single digits larger than the maximum */
    assert_false(pl_str_to_u64(PL_STR_LIT("7"), 5, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("1"), 0, &v));
    assert_true(pl_str_to_u64(PL_STR_LIT("5"), 5, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("16"), 15, &v));
    /* not numbers */
    v = 42;
    assert_false(pl_str_to_u64(PL_STR_LIT(""), 10, &v));
    assert_false(pl_str_to_u64(PL_STR_NULL, 10, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("-1"), 10, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("+1"), 10, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT(" 1"), 10, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("1 "), 10, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("1a"), 10, &v));
    assert_false(pl_str_to_u64(PL_STR_LIT("0x1"), 100, &v));
    assert_int_equal(v, 42); /* untouched on failure */
}

static void test_str_dup(void **state)
{
    (void)state;
    char *s = pl_str_dup(PL_STR_LIT("branch"));
    assert_string_equal(s, "branch");
    pl_free(s);
    s = pl_str_dup(pl_str_make("x\0y", 3));
    assert_memory_equal(s, "x\0y\0", 4);
    pl_free(s);
    s = pl_str_dup(pl_str_make("abc", 0));
    assert_string_equal(s, "");
    pl_free(s);
    assert_null(pl_str_dup(PL_STR_NULL));
    pl_alloc_fail_after(0);
    assert_null(pl_str_dup(PL_STR_LIT("x")));
    pl_alloc_fail_after(-1);
}

/* ---- allocation hooks ---- */

static void test_alloc_hooks(void **state)
{
    (void)state;
    pl_alloc_count_reset();
    assert_int_equal(pl_alloc_count(), 0);
    void *a = pl_malloc(10);
    int *c = pl_calloc(4, sizeof(int));
    assert_int_equal(c[0] | c[1] | c[2] | c[3], 0);
    a = pl_realloc(a, 100);
    void *z = pl_malloc(0); /* a real, freeable pointer */
    assert_non_null(a);
    assert_non_null(z);
    assert_int_equal(pl_alloc_count(), 4);
    pl_free(a);
    pl_free(c);
    pl_free(z);
    pl_free(NULL);

    /* fail after two more: the third and every later allocation fail until reset */
    pl_alloc_fail_after(2);
    void *p1 = pl_malloc(1), *p2 = pl_calloc(1, 1);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_null(pl_malloc(1));
    assert_null(pl_calloc(1, 1));
    void *keep = pl_malloc(1);
    assert_null(keep);
    assert_null(pl_realloc(p1, 50)); /* p1 stays valid */
    pl_alloc_fail_after(-1);
    assert_int_equal(pl_alloc_count(), 6); /* failures are not counted */
    void *p3 = pl_malloc(1);
    assert_non_null(p3);
    pl_free(p1);
    pl_free(p2);
    pl_free(p3);
}

/* ---- parley_strerror ---- */

static void test_strerror_every_code(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *text;
    } codes[] = {
        {PARLEY_OK, "success"},
        {PARLEY_E_INVAL, "invalid argument"},
        {PARLEY_E_NOMEM, "out of memory"},
        {PARLEY_E_PARSE, "malformed input"},
        {PARLEY_E_UNUSABLE, "unusable message"},
        {PARLEY_E_LIMIT, "limit exceeded"},
        {PARLEY_E_INCOMPLETE, "incomplete input"},
        {PARLEY_E_STATE, "not allowed in this state"},
        {PARLEY_E_LOOP_THREAD, "blocking call on the loop thread"},
        {PARLEY_E_TIMEOUT, "timed out"},
        {PARLEY_E_CONNECT, "connection failure"},
        {PARLEY_E_TLS, "TLS failure"},
        {PARLEY_E_FAILURE_RESPONSE, "failure response"},
        {PARLEY_E_TERMINATED, "terminated"},
        {PARLEY_E_ABORTED, "aborted"},
        {PARLEY_E_AGAIN, "try again"},
        {PARLEY_E_HEADER_RESTRICTED, "header owned by the stack"},
        {PARLEY_E_AUTH, "authentication failed"},
        {PARLEY_E_POLICY, "refused by policy"},
        {PARLEY_E_NOROUTE, "no route to target"},
        {PARLEY_E_IO, "I/O error"},
        {PARLEY_E_NOTFOUND, "not found"},
        {PARLEY_E_UNSUPPORTED, "not supported"},
        {PARLEY_E_EXISTS, "already exists"},
        {PARLEY_E_MEDIA_TYPE, "unsupported content type"},
    };
    size_t n = sizeof(codes) / sizeof(codes[0]);
    /* the table covers 0 down to the last code without a gap: the numbers are stable */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(codes[i].code, -(int)i);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(parley_strerror(codes[i].code), codes[i].text);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(parley_strerror(codes[i].code), parley_strerror(codes[j].code));
    }
    assert_string_equal(parley_strerror(-(int)n), "unknown error");
    assert_string_equal(parley_strerror(1), "unknown error");
    assert_string_equal(parley_strerror(400), "unknown error");
    assert_string_equal(parley_strerror(INT_MIN), "unknown error");
    assert_string_equal(parley_strerror(INT_MAX), "unknown error");
    /* the symbolic names: the enum's own spelling, one per code */
    assert_string_equal(parley_err_name(PARLEY_OK), "PARLEY_OK");
    assert_string_equal(parley_err_name(PARLEY_E_INVAL), "PARLEY_E_INVAL");
    assert_string_equal(parley_err_name(PARLEY_E_HEADER_RESTRICTED), "PARLEY_E_HEADER_RESTRICTED");
    assert_string_equal(parley_err_name(PARLEY_E_EXISTS), "PARLEY_E_EXISTS");
    assert_string_equal(parley_err_name(PARLEY_E_MEDIA_TYPE), "PARLEY_E_MEDIA_TYPE");
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strncmp(parley_err_name(codes[i].code), "PARLEY_", 7), 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(parley_err_name(codes[i].code), parley_err_name(codes[j].code));
    }
    assert_string_equal(parley_err_name(-(int)n), "PARLEY_E_UNKNOWN");
    assert_string_equal(parley_err_name(INT_MIN), "PARLEY_E_UNKNOWN");
    assert_string_equal(parley_err_name(7), "PARLEY_E_UNKNOWN");
}

/* The loop thread's block cache: a freed medium block serves the next request of its size
 * class; counting and failure injection see every allocation; small and large ones pass by. */
static void test_alloc_cache(void **state)
{
    (void)state;
    pl_alloc_cache_enable(1);
    char *a = pl_malloc(3000);
    assert_non_null(a);
    memset(a, 'x', 3000);
    pl_free(a);
    unsigned long before = pl_alloc_count();
    char *b = pl_malloc(2900); /* the same class (3072) */
    assert_non_null(b);
    assert_int_equal(pl_alloc_count(), before + 1);
    if (pl_alloc_cache_available())
        assert_ptr_equal(a, b);
    pl_free(b);
    unsigned char *z = pl_calloc(1, 3050); /* zeroed, cached or not */
    assert_non_null(z);
    for (size_t i = 0; i < 3050; i++)
        assert_int_equal(z[i], 0);
    pl_free(z);
    pl_alloc_fail_after(0);
    assert_null(pl_malloc(3000)); /* injection wins over a cached block */
    pl_alloc_fail_after(-1);
    /* every class, from its smallest request to its largest, and beyond the cache's range */
    for (size_t n = 900; n <= 17000; n += 97) {
        char *p = pl_malloc(n);
        assert_non_null(p);
        memset(p, 1, n);
        char *q = pl_malloc(n);
        assert_non_null(q);
        memset(q, 2, n);
        pl_free(p);
        pl_free(q);
    }
    pl_alloc_cache_enable(0); /* emptied: nothing leaks (the leak checkers see it) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_cache),
        cmocka_unit_test_teardown(test_buf_init_empty, reset_alloc),
        cmocka_unit_test_teardown(test_buf_init_hint, reset_alloc),
        cmocka_unit_test_teardown(test_buf_growth_keeps_content, reset_alloc),
        cmocka_unit_test_teardown(test_buf_growth_doubles, reset_alloc),
        cmocka_unit_test_teardown(test_buf_puts_and_str, reset_alloc),
        cmocka_unit_test_teardown(test_buf_numbers, reset_alloc),
        cmocka_unit_test_teardown(test_buf_printf_short_and_long, reset_alloc),
        cmocka_unit_test_teardown(test_buf_printf_encoding_error, reset_alloc),
        cmocka_unit_test_teardown(test_buf_max_limit, reset_alloc),
        cmocka_unit_test_teardown(test_buf_errors_are_sticky, reset_alloc),
        cmocka_unit_test_teardown(test_buf_nomem_is_sticky, reset_alloc),
        cmocka_unit_test_teardown(test_buf_reserve_huge, reset_alloc),
        cmocka_unit_test_teardown(test_buf_terminate, reset_alloc),
        cmocka_unit_test_teardown(test_buf_steal, reset_alloc),
        cmocka_unit_test_teardown(test_arena_alignment, reset_alloc),
        cmocka_unit_test_teardown(test_arena_first_chunk_then_extra, reset_alloc),
        cmocka_unit_test_teardown(test_arena_zero_capacity_first_chunk, reset_alloc),
        cmocka_unit_test_teardown(test_arena_limit, reset_alloc),
        cmocka_unit_test_teardown(test_arena_huge, reset_alloc),
        cmocka_unit_test_teardown(test_arena_nomem, reset_alloc),
        cmocka_unit_test_teardown(test_arena_zalloc, reset_alloc),
        cmocka_unit_test(test_str_make),
        cmocka_unit_test(test_str_eq),
        cmocka_unit_test(test_str_caseeq),
        cmocka_unit_test(test_str_trim),
        cmocka_unit_test(test_str_to_u64),
        cmocka_unit_test_teardown(test_str_dup, reset_alloc),
        cmocka_unit_test_teardown(test_alloc_hooks, reset_alloc),
        cmocka_unit_test(test_strerror_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
