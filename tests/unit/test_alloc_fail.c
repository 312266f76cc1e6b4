/*
 * Allocation failures: every allocation the message layer makes is failed in turn
 * (pl_alloc_fail_after(n) for n = 0, 1, ... until a run makes no more than n allocations) while
 * parsing, printing and rendering every message in tests/data/msg and a few large ones that need
 * more than the first arena chunk. Each run must end cleanly: PARLEY_E_NOMEM with no message, or
 * exactly the result of a run without failures. LeakSanitizer (the sanitizer build) checks that
 * every path frees what it took.
 */
#include "msg_build.h"

#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "core/alloc.h"
#include "sip/print.h"

static int reset_alloc(void **state)
{
    (void)state;
    pl_alloc_fail_after(-1);
    return 0;
}

typedef struct outcome {
    int rc;
    char *json;    /* NULL when no message */
    char *printed; /* NULL unless valid */
} outcome;

static void outcome_free(outcome *o)
{
    free(o->json);
    free(o->printed);
}

/* JSON of a message, without injected failures. */
static char *json_clean(const sip_msg *m, int rc)
{
    pl_buf b;
    pl_buf_init(&b, 0);
    msg_json(&b, m, rc);
    assert_true(pl_buf_ok(&b));
    return pl_buf_steal(&b, NULL);
}

static outcome parse_clean(const char *data, size_t len, unsigned flags)
{
    outcome o = {0};
    sip_msg *m = NULL;
    o.rc = sip_msg_parse(data, len, flags, NULL, &m, NULL);
    assert_non_null(m);
    o.json = json_clean(m, o.rc);
    if (o.rc == 0) {
        pl_buf b;
        pl_buf_init(&b, 0);
        sip_msg_print(&b, m);
        o.printed = pl_buf_steal(&b, NULL);
    }
    sip_msg_free(m);
    return o;
}

/* Number of allocations a clean parse makes. */
static unsigned long parse_allocs(const char *data, size_t len, unsigned flags)
{
    pl_alloc_count_reset();
    sip_msg *m = NULL;
    (void)sip_msg_parse(data, len, flags, NULL, &m, NULL);
    unsigned long n = pl_alloc_count();
    sip_msg_free(m);
    return n;
}

/* Parses with the (n+1)-th allocation and all later ones failing. */
static void parse_failing(const char *name, const char *data, size_t len, unsigned flags,
                          const outcome *want, long n)
{
    sip_msg *m = (sip_msg *)1;
    sip_error e;
    memset(&e, 0, sizeof(e));
    pl_alloc_fail_after(n);
    int rc = sip_msg_parse(data, len, flags, NULL, &m, &e);
    pl_alloc_fail_after(-1);
    if (rc == PARLEY_E_NOMEM) {
        if (m != NULL)
            fail_msg("%s, failing allocation %ld: NOMEM with a message", name, n + 1);
        assert_int_equal(e.code, PARLEY_E_NOMEM);
        return;
    }
    if (rc != want->rc)
        fail_msg("%s, failing allocation %ld: rc %d (%s: %s), expected %d or NOMEM", name, n + 1,
                 rc, m && m != (sip_msg *)1 && m->err.what ? m->err.what : "-",
                 m && m != (sip_msg *)1 && m->err.reason ? m->err.reason : "-", want->rc);
    assert_non_null(m);
    char *j = json_clean(m, rc);
    if (strcmp(j, want->json) != 0)
        fail_msg("%s, failing allocation %ld: other fields\n%s\n%s", name, n + 1, j, want->json);
    free(j);
    sip_msg_free(m);
}

/* msg_json and sip_msg_print under failure: an error in the buffer, or the whole right text. */
static void render_failing(const char *name, const sip_msg *m, int rc, const outcome *want)
{
    for (long n = 0;; n++) {
        pl_alloc_count_reset();
        pl_alloc_fail_after(n);
        pl_buf b;
        pl_buf_init(&b, 0);
        msg_json(&b, m, rc);
        pl_buf p;
        pl_buf_init(&p, 0);
        if (rc == 0)
            sip_msg_print(&p, m);
        pl_alloc_fail_after(-1);
        unsigned long made = pl_alloc_count();
        if (pl_buf_ok(&b) && !tu_slice_eq(pl_buf_str(&b), want->json))
            fail_msg("%s, failing allocation %ld: JSON is wrong yet no error\n%.*s\n%s", name,
                     n + 1, (int)b.len, b.data ? b.data : "", want->json);
        if (rc == 0 && pl_buf_ok(&p) && !tu_slice_eq(pl_buf_str(&p), want->printed))
            fail_msg("%s, failing allocation %ld: printed text is wrong yet no error", name, n + 1);
        bool clean = pl_buf_ok(&b) && pl_buf_ok(&p);
        pl_buf_free(&b);
        pl_buf_free(&p);
        if ((long)made < n) {
            assert_true(clean); /* nothing failed: both complete */
            break;
        }
        if (n > 10000)
            fail_msg("%s: no end to the allocations", name);
    }
}

static void check_message(const char *name, const char *data, size_t len, unsigned flags)
{
    outcome want = parse_clean(data, len, flags);
    unsigned long total = parse_allocs(data, len, flags);
    assert_true(total >= 1);
    for (long n = 0; n <= (long)total; n++)
        parse_failing(name, data, len, flags, &want, n);
    sip_msg *m = NULL;
    int rc = sip_msg_parse(data, len, flags, NULL, &m, NULL);
    render_failing(name, m, rc, &want);
    sip_msg_free(m);
    outcome_free(&want);
}

static void test_data_files(void **state)
{
    (void)state;
    char **files = tu_list_dir(PARLEY_TEST_DATA "/msg", ".sip");
    assert_non_null(files);
    for (size_t i = 0; files[i]; i++) {
        size_t n;
        char *data = tu_read_data("msg", files[i], &n);
        check_message(files[i], data, n, 0);
        check_message(files[i], data, n, PARLEY_PARSE_STREAM);
        free(data);
    }
    tu_free_list(files);
}

/* A message whose lists need several arena chunks beyond the first. */
static char *big_message(int contacts, int vias, int headers)
{
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_puts(&b, "REGISTER sip:example.com SIP/2.0\r\n");
    for (int i = 0; i < vias; i++)
        pl_buf_printf(&b, "Via: SIP/2.0/UDP h%d.example.com;branch=z9hG4bK%d;rport\r\n", i, i);
    pl_buf_puts(&b, "From: \"Alice\" <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>"
                    "\r\nCall-ID: big@h\r\nCSeq: 1 REGISTER\r\n");
    for (int i = 0; i < contacts; i += 10) {
        pl_buf_puts(&b, "Contact: ");
        for (int k = i; k < i + 10 && k < contacts; k++)
            pl_buf_printf(&b, "%s<sip:c%d@192.0.2.%d>;q=0.%d", k > i ? ", " : "", k, k % 250,
                          k % 10);
        pl_buf_puts(&b, "\r\n");
    }
    for (int i = 0; i < headers; i++)
        pl_buf_printf(&b, "Route: <sip:r%d.example.com;lr>\r\nX-%d: value %d\r\n", i, i, i);
    pl_buf_puts(&b, "Content-Length: 0\r\n\r\n");
    return pl_buf_steal(&b, NULL);
}

static void test_large_messages(void **state)
{
    (void)state;
    static const int shapes[][3] = {{200, 0, 0}, {0, 60, 0}, {0, 0, 100}, {300, 50, 80}};
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char *t = big_message(shapes[i][0], shapes[i][1], shapes[i][2]);
        size_t len = strlen(t);
        unsigned long total = parse_allocs(t, len, 0);
        if (total < 2)
            fail_msg("shape %zu makes %lu allocation(s): not large enough", i, total);
        char name[32];
        snprintf(name, sizeof(name), "large message %zu", i);
        check_message(name, t, len, PARLEY_PARSE_STREAM);
        free(t);
    }
}

static void test_invalid_messages(void **state)
{
    (void)state;
    /* the fault paths under failure: a message is still returned, or NOMEM */
    static const mb_parts cases[] = {
        {.via = "Via: SIP/2.0/UDP h:0"},
        {.from = ""},
        {.start = "SIP/2.0 099 Low"},
        {.extra = "Bad Header\r\n"},
        {.cl = "", .flags = PARLEY_PARSE_STREAM},
        {.raw = ""},
        {.from = "From: \"A\r\n B\" <sip:a@h>;tag=1", .to = "To: <sip:b@h;;>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *t = mb_build(&cases[i]);
        char name[32];
        snprintf(name, sizeof(name), "invalid case %zu", i);
        check_message(name, t, strlen(t), cases[i].flags);
        free(t);
    }
    /* a large invalid one, with a limit hit after several chunks */
    char *t = big_message(400, 0, 0);
    sip_limits lim = {.max_list = 9};
    sip_msg *m = NULL;
    assert_int_equal(sip_msg_parse(t, strlen(t), 0, &lim, &m, NULL), PARLEY_E_LIMIT);
    sip_msg_free(m);
    for (long n = 0; n < 8; n++) {
        pl_alloc_fail_after(n);
        int rc = sip_msg_parse(t, strlen(t), 0, &lim, &m, NULL);
        pl_alloc_fail_after(-1);
        assert_true(rc == PARLEY_E_NOMEM || rc == PARLEY_E_LIMIT);
        if (rc == PARLEY_E_NOMEM)
            assert_null(m);
        sip_msg_free(m);
        m = NULL;
    }
    free(t);
}

static void test_public_print_failing(void **state)
{
    (void)state;
    char *t = big_message(50, 5, 5);
    sip_msg *m = NULL;
    assert_int_equal(sip_msg_parse(t, strlen(t), 0, NULL, &m, NULL), 0);
    size_t want = parley_msg_print(m, NULL, 0);
    assert_true(want > 0);
    char *buf = malloc(want + 1);
    for (long n = 0; n < 4; n++) {
        pl_alloc_fail_after(n);
        size_t got = parley_msg_print(m, buf, want + 1);
        pl_alloc_fail_after(-1);
        assert_true(got == 0 || got == want); /* nothing, or all of it */
        if (got == 0)
            assert_string_equal(buf, "");
    }
    free(buf);
    sip_msg_free(m);
    free(t);
}

/* Runs `parley parse path` in-process with stdout captured; returns its exit code. */
static int cli_parse_captured(const char *path, long fail_after, char *out, size_t cap)
{
    char tmpl[] = "/tmp/parley-cli-XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    unlink(tmpl);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    char *argv[] = {"parse", (char *)path, NULL};
    pl_alloc_fail_after(fail_after);
    int rc = cmd_parse(2, argv);
    pl_alloc_fail_after(-1);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    ssize_t n = pread(fd, out, cap - 1, 0);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    return rc;
}

static void test_cli_parse_failing(void **state)
{
    (void)state;
    /* the CLI prints the whole right line or, out of memory, none (exit 2) */
    char path[1024];
    snprintf(path, sizeof(path), "%s/msg/200-sdp.sip", PARLEY_TEST_DATA);
    static char want[8192], got[8192];
    assert_int_equal(cli_parse_captured(path, -1, want, sizeof(want)), CLI_OK);
    assert_true(strlen(want) > 100);
    bool saw_error = false;
    for (long n = 0; n < 64; n++) {
        int rc = cli_parse_captured(path, n, got, sizeof(got));
        if (rc == CLI_ERROR) {
            assert_string_equal(got, "");
            saw_error = true;
        } else {
            assert_int_equal(rc, CLI_OK);
            assert_string_equal(got, want);
        }
    }
    assert_true(saw_error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_data_files, reset_alloc),
        cmocka_unit_test_teardown(test_large_messages, reset_alloc),
        cmocka_unit_test_teardown(test_invalid_messages, reset_alloc),
        cmocka_unit_test_teardown(test_public_print_failing, reset_alloc),
        cmocka_unit_test_teardown(test_cli_parse_failing, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
