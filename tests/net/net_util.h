/*
 * Helpers for tests on real sockets (loopback only): waiting for events with a bound,
 * starting helper processes (dnsmasq, openssl) and stopping them by PID.
 */
#ifndef PARLEY_NET_UTIL_H
#define PARLEY_NET_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* A counter that callbacks bump and the test waits on. */
typedef struct nu_event {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int count;
} nu_event;

static inline void nu_event_init(nu_event *e)
{
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    e->count = 0;
}

static inline void nu_event_signal(nu_event *e)
{
    pthread_mutex_lock(&e->mu);
    e->count++;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Waits until the counter reaches n, at most timeout_ms. True when it did. */
static inline bool nu_event_wait(nu_event *e, int n, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->mu);
    int rc = 0;
    while (e->count < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&e->cv, &e->mu, &until);
    bool ok = e->count >= n;
    pthread_mutex_unlock(&e->mu);
    return ok;
}

/* Starts argv with its standard error (and output) on a pipe; returns the PID or -1. */
static inline pid_t nu_spawn(char *const argv[], int *out_fd)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    if (out_fd)
        *out_fd = fds[0];
    else
        close(fds[0]);
    return pid;
}

/* Reads fd until a line holding `needle` shows up, at most timeout_ms. */
static inline bool nu_wait_output(int fd, const char *needle, int timeout_ms)
{
    char buf[8192];
    size_t len = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (spent >= timeout_ms)
            return false;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)(timeout_ms - spent)) <= 0)
            return false;
        if (len == sizeof(buf) - 1)
            len = 0;
        ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (r <= 0)
            return false;
        len += (size_t)r;
        buf[len] = '\0';
        if (strstr(buf, needle))
            return true;
    }
}

/* Runs a command to completion (bounded by the command itself); returns its exit status. */
static inline int nu_run(char *const argv[])
{
    pid_t pid = nu_spawn(argv, NULL);
    if (pid < 0)
        return -1;
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline void nu_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
}

/* A port nobody listens on right now (bound, read, released). */
static inline int nu_free_port(int type)
{
    /* a port the kernel gives a socket of this type that the other type can bind too (tests
     * listen on UDP and TCP at one port): a TCP connection of another process may hold the
     * kernel's UDP pick as its local port (the ephemeral ranges are shared) */
    int other = type == SOCK_DGRAM ? SOCK_STREAM : SOCK_DGRAM;
    int port = 0;
    for (int tries = 0; tries < 50; tries++) {
        int fd = socket(AF_INET, type, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
        socklen_t l = sizeof(a);
        bind(fd, (struct sockaddr *)&a, sizeof(a));
        getsockname(fd, (struct sockaddr *)&a, &l);
        port = ntohs(a.sin_port);
        int fd2 = socket(AF_INET, other, 0);
        int one = 1;
        setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* as libuv binds */
        bool both = bind(fd2, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd2);
        close(fd);
        if (both)
            break;
    }
    return port;
}

#endif
