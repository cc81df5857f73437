/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/acceptor.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

/* How long to wait before accepting again when accept cannot work (out of descriptors...). */
#define RESOURCE_BACKOFF_NS (10 * 1000 * 1000)
/* Per-connection accept errors in a row before they count as a persistent fault. */
#define MAX_CONSECUTIVE_FAILURES 64

struct las_acceptor {
    int listen_fd;
    int wake_fd; /* eventfd: a connection closed below the limit, or stop */
    unsigned limit;
    las_acceptor_add_fn add;
    void *cls;
    pthread_t thread;
    _Atomic unsigned open;
    _Atomic bool stopping;
    bool joined;
    bool in_trouble;   /* accept cannot work; logged once per episode (back_off) */
    unsigned failures; /* per-connection accept errors in a row */
};

static void wake(struct las_acceptor *a)
{
    uint64_t one = 1;
    /* Cannot fail but with an overflowing counter, which still leaves it readable. */
    ssize_t n = write(a->wake_fd, &one, sizeof one);
    (void)n;
}

static void drain_wake(struct las_acceptor *a)
{
    uint64_t count;
    ssize_t n = read(a->wake_fd, &count, sizeof count);
    (void)n; /* EAGAIN: a concurrent reader got it; nothing is lost, the state is re-checked */
}

/*
 * Something keeps accept from working (no descriptors or memory left, the
 * listening socket broken): says so once per episode, then waits a little
 * instead of spinning; connections wait in the backlog meanwhile.
 */
static void back_off(struct las_acceptor *a, const char *what, int err)
{
    if (!a->in_trouble)
        las_error("http: cannot accept connections: %s: %s (retrying every 10 ms)", what,
                  strerror(err));
    a->in_trouble = true;
    a->failures = 0;
    nanosleep(&(struct timespec){0, RESOURCE_BACKOFF_NS}, NULL);
}

/* false: nothing more to accept now (go back to poll). */
static bool accept_one(struct las_acceptor *a)
{
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;
    int fd =
        accept4(a->listen_fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        switch (err) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
            return false;
        case ECONNABORTED:
        case EINTR:
        case EPROTO:
        case EPERM:
        case ENETDOWN:
        case ENETUNREACH:
        case EHOSTDOWN:
        case EHOSTUNREACH:
        case ENONET:
        case ENOPROTOOPT:
        case EOPNOTSUPP:
            /* About one connection (accept(2)): go on with the next, unless it persists. */
            las_debug("http: accept: %s", strerror(err));
            if (++a->failures < MAX_CONSECUTIVE_FAILURES)
                return true;
            back_off(a, "accept keeps failing", err);
            return false;
        default:
            /* EMFILE, ENFILE, ENOBUFS, ENOMEM, or the socket itself (EBADF, EINVAL...). */
            back_off(a, "accept", err);
            return false;
        }
    }
    if (a->in_trouble)
        las_info("http: accepting connections again");
    a->in_trouble = false;
    a->failures = 0;
    atomic_fetch_add(&a->open, 1);
    if (!a->add(a->cls, fd, (const struct sockaddr *)&peer, peer_len))
        atomic_fetch_sub(&a->open, 1);
    return true;
}

static void *accept_loop(void *arg)
{
    struct las_acceptor *a = arg;
    pthread_setname_np(pthread_self(), "las-accept"); /* as top -H shows it; cosmetic */
    while (!atomic_load(&a->stopping)) {
        bool full = atomic_load(&a->open) >= a->limit;
        struct pollfd p[2] = {
            {.fd = a->wake_fd, .events = POLLIN},
            {.fd = a->listen_fd, .events = POLLIN},
        };
        /* At the limit only a close (or stop) can wake us: clients wait in the backlog. */
        if (poll(p, full ? 1 : 2, -1) < 0) {
            if (errno != EINTR)
                back_off(a, "poll", errno);
            continue;
        }
        if (p[0].revents & POLLIN)
            drain_wake(a);
        if (full)
            continue;
        if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            back_off(a, "the listening socket", p[1].revents & POLLNVAL ? EBADF : EINVAL);
            continue;
        }
        if (p[1].revents & POLLIN) {
            while (atomic_load(&a->open) < a->limit && !atomic_load(&a->stopping) && accept_one(a))
                ;
        }
    }
    return NULL;
}

las_status las_acceptor_start(int listen_fd, unsigned limit, las_acceptor_add_fn add, void *cls,
                              struct las_acceptor **out, char *why, size_t why_len)
{
    *out = NULL;
    struct las_acceptor *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(why, why_len, "out of memory");
        return LAS_ERR_NO_MEMORY;
    }
    a->listen_fd = listen_fd;
    a->limit = limit;
    a->add = add;
    a->cls = cls;
    a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (a->wake_fd < 0) {
        snprintf(why, why_len, "cannot create an eventfd: %s", strerror(errno));
        free(a);
        return LAS_ERR_IO;
    }
    /* Before the thread runs: connections it accepts may close (and report to *out) at once. */
    *out = a;
    int err = pthread_create(&a->thread, NULL, accept_loop, a);
    if (err != 0) {
        snprintf(why, why_len, "cannot start the accepting thread: %s", strerror(err));
        *out = NULL;
        close(a->wake_fd);
        free(a);
        return LAS_ERR_IO;
    }
    return LAS_OK;
}

/*
 * Every connection handed over reports its close here, once: libmicrohttpd
 * notifies a close for each connection it started. (One it takes and then
 * fails to start, for lack of memory, is never reported and keeps a slot.)
 */
void las_acceptor_closed(struct las_acceptor *a)
{
    /* Only a close at the limit can matter to a thread waiting for one. */
    if (atomic_fetch_sub(&a->open, 1) >= a->limit)
        wake(a);
}

void las_acceptor_stop(struct las_acceptor *a)
{
    if (a == NULL || a->joined)
        return;
    atomic_store(&a->stopping, true);
    wake(a);
    pthread_join(a->thread, NULL);
    a->joined = true;
}

void las_acceptor_free(struct las_acceptor *a)
{
    if (a == NULL)
        return;
    las_acceptor_stop(a);
    close(a->wake_fd);
    free(a);
}
