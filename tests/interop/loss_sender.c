/*
 * Test helper for the lossy-link test: sends N page-mode MESSAGEs ("msg-<i>") at once through
 * the asynchronous API and waits for every completion (each is bounded by Timer F).
 * Usage: loss_sender BIND TARGET_URI N [T2_MS]
 * Prints "ok=<n> failed=<n>" and exits 0 when all got a 2xx.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/endpoint.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done, ok;

static void on_done(parley_endpoint *ep, const parley_result *r, void *user)
{
    (void)ep;
    (void)user;
    pthread_mutex_lock(&mu);
    done++;
    if (!r->error && r->status >= 200 && r->status < 300)
        ok++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: loss_sender BIND TARGET_URI N [T2_MS]\n");
        return 2;
    }
    int n = atoi(argv[3]);
    const char *listen[] = {argv[1], NULL};
    parley_endpoint_config cfg = PARLEY_ENDPOINT_CONFIG_INIT;
    cfg.listen = listen;
    cfg.t2_ms = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
    parley_endpoint *ep = NULL;
    if (parley_endpoint_create(&cfg, &ep) || parley_endpoint_start(ep)) {
        fprintf(stderr, "loss_sender: cannot start\n");
        return 2;
    }
    parley_address to = {argv[2], NULL};
    int started = 0;
    for (int i = 0; i < n; i++) {
        char text[32];
        snprintf(text, sizeof(text), "msg-%d", i);
        parley_content body = {NULL, text, strlen(text)};
        if (parley_endpoint_send_message(ep, PARLEY_MSG_MESSAGE, &to, &body, NULL, 0, on_done,
                                         NULL) == 0)
            started++;
    }
    pthread_mutex_lock(&mu);
    while (done < started)
        pthread_cond_wait(&cv, &mu); /* each completion comes within Timer F */
    pthread_mutex_unlock(&mu);
    printf("ok=%d failed=%d\n", ok, n - ok);
    parley_endpoint_stop(ep);
    parley_endpoint_unref(ep);
    return ok == n ? 0 : 1;
}
