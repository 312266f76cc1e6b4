/*
 * Descriptions parsed per second: parley_sdp_parse() against Sofia-SIP's sdp_parse() on the
 * same inputs, in the same run, alternating rounds so that both see the same machine state.
 * Each parse includes what an application pays for one description: the copy of the text, the
 * parse into a model with rtpmaps resolved, and freeing it. The figure is the median round.
 * Informative only: nothing fails on a slow result.
 *
 * Usage: bench_sdp [--dir DIR] [--rounds N] [--passes N] [name...]
 *        bench_sdp --list | --instr CASE [--iters N]   (cases.c, for run.sh under callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include "cases.h"
#include "parley/sdp.h"

#define MAX_INPUTS 32

typedef struct input {
    char name[64];
    char *text;
    size_t len;
} input;

static const char *const default_names[] = {
    "sip-phone",
    "webrtc",
    "rfc4317-2.1-offer",
    "rfc4317-2.4-answer",
    "rfc3264-10.1-offer2",
    "rfc4317-4.1-offer2",
    "ipv6",
    "t38",
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int read_input(const char *dir, const char *name, input *in)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.sdp", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    in->text = malloc((size_t)n + 1);
    if (!in->text || fread(in->text, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    in->text[n] = '\0';
    in->len = (size_t)n;
    snprintf(in->name, sizeof(in->name), "%s", name);
    return 0;
}

static int parley_once(const input *in)
{
    parley_sdp *s;
    if (parley_sdp_parse(in->text, in->len, NULL, &s, NULL) != 0)
        return -1;
    int n = (int)s->nmedia;
    parley_sdp_free(s);
    return n;
}

static int sofia_once(su_home_t *home, const input *in)
{
    sdp_parser_t *p = sdp_parse(home, in->text, (issize_t)in->len, 0);
    sdp_session_t *s = sdp_session(p);
    int n = -1;
    if (s) {
        n = 0;
        for (sdp_media_t *m = s->sdp_media; m; m = m->m_next)
            n++;
    }
    sdp_parser_free(p);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ns per description over passes * n inputs; one round. */
static double round_parley(const input *in, size_t n, unsigned passes)
{
    double t0 = now_ns();
    for (unsigned p = 0; p < passes; p++)
        for (size_t i = 0; i < n; i++)
            if (parley_once(&in[i]) < 0)
                abort();
    return (now_ns() - t0) / ((double)passes * (double)n);
}

static double round_sofia(su_home_t *home, const input *in, size_t n, unsigned passes)
{
    double t0 = now_ns();
    for (unsigned p = 0; p < passes; p++)
        for (size_t i = 0; i < n; i++)
            if (sofia_once(home, &in[i]) < 0)
                abort();
    return (now_ns() - t0) / ((double)passes * (double)n);
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--list") || !strcmp(argv[i], "--instr"))
            return bench_sdp_cases_main(argc, argv);
    const char *dir = BENCH_SDP_DIR;
    unsigned rounds = 11, passes = 2000;
    const char *names[MAX_INPUTS];
    size_t nnames = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--passes") && i + 1 < argc)
            passes = (unsigned)atoi(argv[++i]);
        else if (nnames < MAX_INPUTS)
            names[nnames++] = argv[i];
    }
    if (!nnames)
        for (size_t i = 0; i < sizeof(default_names) / sizeof(default_names[0]); i++)
            names[nnames++] = default_names[i];
    if (rounds < 1 || rounds > 101)
        rounds = 11;
    su_home_t *home = su_home_new(sizeof(su_home_t));
    input in[MAX_INPUTS];
    size_t n = 0;
    for (size_t i = 0; i < nnames; i++) {
        if (read_input(dir, names[i], &in[n]) != 0) {
            fprintf(stderr, "bench_sdp: cannot read %s/%s.sdp\n", dir, names[i]);
            return 1;
        }
        int a = parley_once(&in[n]), b = sofia_once(home, &in[n]);
        if (a < 0 || b < 0 || a != b) {
            printf("skipped %-22s parley %d media, sofia %d media\n", names[i], a, b);
            free(in[n].text);
            continue;
        }
        n++;
    }
    if (!n)
        return 1;
    printf("%-22s %6s %12s %12s %7s\n", "description", "bytes", "parley ns", "sofia ns", "ratio");
    double rp[101], rs[101];
    for (size_t i = 0; i < n; i++) {
        for (unsigned r = 0; r < rounds; r++) {
            rp[r] = round_parley(&in[i], 1, passes);
            rs[r] = round_sofia(home, &in[i], 1, passes);
        }
        double p = median(rp, rounds), s = median(rs, rounds);
        printf("%-22s %6zu %12.0f %12.0f %6.2fx\n", in[i].name, in[i].len, p, s, s / p);
    }
    for (unsigned r = 0; r < rounds; r++) {
        rp[r] = round_parley(in, n, passes);
        rs[r] = round_sofia(home, in, n, passes);
    }
    double p = median(rp, rounds), s = median(rs, rounds);
    printf("all %zu descriptions: parley %.0f/s, sofia %.0f/s, ratio %.2fx (goal >= 2x)\n", n,
           1e9 / p, 1e9 / s, s / p);
    for (size_t i = 0; i < n; i++)
        free(in[i].text);
    su_home_unref(home);
    return 0;
}
