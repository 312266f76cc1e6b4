/*
 * bench/parse: one adapter per parser under test, each in its own translation unit so that the
 * three libraries' headers (which share names such as struct sip_msg) never meet.
 */
#ifndef BENCH_PARSE_H
#define BENCH_PARSE_H

#include <stddef.h>

/* What a parser read from one message, compared across parsers before anything is timed. */
typedef struct bench_facts {
    int is_request;
    int status;      /* responses */
    char method[24]; /* requests: the request method */
    char call_id[128];
    unsigned long cseq;
    unsigned nvia;       /* Via values (a comma list counts each value) */
    long content_length; /* -1 when absent */
} bench_facts;

typedef struct bench_parser {
    const char *name;
    const char *what; /* one line: the calls timed */
    /* One-time library set-up; 0 when usable. */
    int (*init)(void);
    /* Parses one message and frees everything it allocated. 0 when the message was accepted. */
    int (*parse)(const char *data, size_t len);
    /* Parses, fills *f, frees. 0 when the message was accepted. */
    int (*facts)(const char *data, size_t len, bench_facts *f);
} bench_parser;

extern const bench_parser bench_parley;
extern const bench_parser bench_sofia;
extern const bench_parser bench_libre;
extern const bench_parser bench_libre_full;

/* Copies at most cap-1 bytes of (p, n) into dst, NUL-terminated. */
void bench_copy(char *dst, size_t cap, const char *p, size_t n);

#endif
