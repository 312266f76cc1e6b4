#include "listen_register.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* one registration per process: the state its events leave for the main thread */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    parley_registration *r;
    cli_app *app;
    bool failed;
    bool over; /* a final event came */
} reg = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false, false};

#define UNREGISTER_WAIT_S 40 /* beyond the REGISTER's 64*T1 transaction timeout */

static void on_event(parley_registration *r, const parley_registration_event *ev, void *user)
{
    (void)r;
    (void)user;
    if (ev->state == PARLEY_REG_REGISTERING)
        return;
    pl_buf b;
    pl_buf_init(&b, 256);
    cli_registration_json(&b, ev);
    cli_emit(reg.app, &b);
    pl_buf_free(&b);
    pthread_mutex_lock(&reg.mu);
    if (ev->state == PARLEY_REG_FAILED || ev->state == PARLEY_REG_UNREGISTERED)
        reg.over = true;
    bool failed = ev->state == PARLEY_REG_FAILED && !reg.failed;
    if (failed)
        reg.failed = true;
    pthread_cond_broadcast(&reg.cv);
    pthread_mutex_unlock(&reg.mu);
    if (failed)
        kill(getpid(), SIGTERM); /* listen's main thread waits for a signal: end it */
}

int listen_register_start(cli_app *app, cli_deploy *d, const char *aor)
{
    reg.app = app;
    parley_registration_config c = PARLEY_REGISTRATION_CONFIG_INIT;
    c.registrar = d->registrar;
    c.aor = aor;
    c.expires = d->expires;
    c.instance = d->instance;
    c.on_event = on_event;
    return parley_registration_create(app->ep, &c, &reg.r);
}

void listen_register_stop(void)
{
    if (!reg.r)
        return;
    if (parley_registration_stop(reg.r) == 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += UNREGISTER_WAIT_S;
        pthread_mutex_lock(&reg.mu);
        int rc = 0;
        while (!reg.over && rc == 0)
            rc = pthread_cond_timedwait(&reg.cv, &reg.mu, &until);
        pthread_mutex_unlock(&reg.mu);
    }
    parley_registration_unref(reg.r);
    reg.r = NULL;
}

void listen_register_abort(void)
{
    pthread_mutex_lock(&reg.mu);
    reg.over = true;
    pthread_cond_broadcast(&reg.cv);
    pthread_mutex_unlock(&reg.mu);
}

bool listen_register_failed(void)
{
    pthread_mutex_lock(&reg.mu);
    bool f = reg.failed;
    pthread_mutex_unlock(&reg.mu);
    return f;
}
