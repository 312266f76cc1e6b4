#include "listen_hangup.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* Static, not on the caller's stack: a hangup that has not completed when the wait ends
 * completes later, inside parley_endpoint_stop (PARLEY_E_TERMINATED). */
static struct {
    cli_app *app;
    int pending; /* hangups not completed yet (under app->mu) */
} hang;

static void hangup_done(parley_session *s, const parley_result *r, void *user)
{
    (void)s, (void)r, (void)user;
    pthread_mutex_lock(&hang.app->mu);
    hang.pending--;
    pthread_cond_broadcast(&hang.app->cv);
    pthread_mutex_unlock(&hang.app->mu);
}

void listen_hang_up_all(cli_app *app, long wait_ms)
{
    hang.app = app;
    /* the calls not over, each referenced, taken under the lock and hung up outside it (a
     * call's events take the lock too) */
    pthread_mutex_lock(&app->mu);
    size_t n = 0;
    for (cli_call *c = app->calls; c; c = c->next)
        n += !c->ended;
    cli_call **live = n ? calloc(n, sizeof(*live)) : NULL;
    size_t k = 0;
    for (cli_call *c = app->calls; c && live && k < n; c = c->next)
        if (!c->ended) {
            c->refs++;
            live[k++] = c;
        }
    pthread_mutex_unlock(&app->mu);
    for (size_t i = 0; i < k; i++) {
        pthread_mutex_lock(&app->mu);
        hang.pending++;
        pthread_mutex_unlock(&app->mu);
        if (cli_call_hangup(live[i], NULL, 0, hangup_done, NULL) != 0) {
            pthread_mutex_lock(&app->mu); /* over meanwhile: nothing will complete */
            hang.pending--;
            pthread_mutex_unlock(&app->mu);
        }
        cli_call_unref(live[i]);
    }
    free(live);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&app->mu);
    int rc = 0;
    while (hang.pending > 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&app->cv, &app->mu, &until);
    pthread_mutex_unlock(&app->mu);
}
