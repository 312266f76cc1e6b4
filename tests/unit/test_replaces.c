/*
 * The Replaces header's parser (src/sip/replaces.c, RFC 3891 §6.1): the dialog's Call-ID, its
 * to-tag and from-tag (exactly one each), the early-only flag; other parameters skipped; anything
 * else refused (the INVITE then gets 400).
 */
#include "test_util.h"

#include "sip/replaces.h"

static bool parse(const char *v, sip_replaces *r)
{
    return sip_replaces_parse(pl_str_c(v), r);
}

static void assert_slice(pl_str s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.p, want, s.len);
}

static void test_fields(void **state)
{
    (void)state;
    sip_replaces r;
    assert_true(parse("425928@bobster.example.org;to-tag=7743;from-tag=6472", &r));
    assert_slice(r.call_id, "425928@bobster.example.org");
    assert_slice(r.to_tag, "7743");
    assert_slice(r.from_tag, "6472");
    assert_false(r.early_only);
    /* any order, any case, white space around the separators, other parameters skipped */
    assert_true(parse("  a.b-c@[::1] ; FROM-TAG = f ;x; y=\"q;r\" ;z=[2001:db8::1];"
                      "Early-Only;To-Tag=t  ",
                      &r));
    assert_slice(r.call_id, "a.b-c@[::1]");
    assert_slice(r.to_tag, "t");
    assert_slice(r.from_tag, "f");
    assert_true(r.early_only);
    assert_true(parse("nohost;to-tag=1;from-tag=2;early-only", &r));
    assert_slice(r.call_id, "nohost");
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        ";to-tag=1;from-tag=2",             /* no Call-ID */
        "a@h",                              /* no tags */
        "a@h;to-tag=1",                     /* no from-tag */
        "a@h;from-tag=2",                   /* no to-tag */
        "a@h;to-tag=;from-tag=2",           /* an empty tag */
        "a@h;to-tag;from-tag=2",            /* a tag without value */
        "a@h;to-tag=1;to-tag=1;from-tag=2", /* a tag twice */
        "a@h;to-tag=1;from-tag=2;from-tag=2",
        "a@h;to-tag=1;from-tag=2;early-only=yes", /* the flag with a value */
        "a@h;to-tag=1;from-tag=2;early-only;early-only",
        "a@h;to-tag=1;from-tag=2;",                         /* an empty parameter */
        "a@h;to-tag=1;from-tag=2;x=\"open",                 /* an unterminated quoted string */
        "a@h;to-tag=1;from-tag=2;x=[::1",                   /* an unterminated IPv6 reference */
        "a@h b;to-tag=1;from-tag=2",                        /* two words */
        "a@h;to-tag=1;from-tag=2, b@h;to-tag=3;from-tag=4", /* two values */
        "a@;to-tag=1;from-tag=2",                           /* nothing after the @ */
        "a@h;to-tag=1 2;from-tag=3",
    };
    sip_replaces r;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &r))
            fail_msg("taken: \"%s\"", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
