/* SPDX-License-Identifier: Apache-2.0 */
#include "abuse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

#define RECONNECT_DELAY_NS (1000 * 1000 * 1000ull)
#define POLL_MS            100

/* What a slow connection sends, one byte at a time (it never gets to the end). */
static const char trickle_text[] =
    "POST /v1/quote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
    "Content-Length: 432\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

enum conn_state { CONN_WAIT, CONN_CONNECTING, CONN_OPEN };

struct conn {
    int fd;
    enum conn_state state;
    bool slow;
    bool answered_503;
    unsigned source;
    size_t sent;
    uint64_t next_ns; /* CONN_WAIT: when to connect; CONN_OPEN and slow: next byte */
};

struct abuse {
    struct abuse_config cfg;
    struct conn *conns;
    struct pollfd *pfd;
    unsigned *index; /* pfd[i] belongs to conns[index[i]] */
    unsigned n;
    pthread_t thread;
    _Atomic bool stop;
    _Atomic bool ramped;
    pthread_mutex_t lock; /* stats */
    struct abuse_stats stats;
};

static void open_conn(struct abuse *a, struct conn *c, uint64_t now)
{
    struct sockaddr_in src = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(0x7f000002u + c->source)};
    int one = 1;
    c->fd = socket(a->cfg.target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->sent = 0;
    c->answered_503 = false;
    if (c->fd < 0)
        goto retry;
    /* The port is chosen at connect: many connections per source address. */
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(c->fd, (struct sockaddr *)&src, sizeof src) != 0)
        goto retry;
    if (connect(c->fd, (const struct sockaddr *)&a->cfg.target, a->cfg.target_len) == 0) {
        c->state = CONN_OPEN;
        c->next_ns = now;
        pthread_mutex_lock(&a->lock);
        a->stats.connected++;
        a->stats.open_now++;
        pthread_mutex_unlock(&a->lock);
        return;
    }
    if (errno == EINPROGRESS) {
        c->state = CONN_CONNECTING;
        return;
    }
retry:
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = CONN_WAIT;
    c->next_ns = now + RECONNECT_DELAY_NS;
}

static void lost(struct abuse *a, struct conn *c, uint64_t now, bool by_las)
{
    bool was_open = c->state == CONN_OPEN;
    close(c->fd);
    c->fd = -1;
    c->state = CONN_WAIT;
    c->next_ns = now + RECONNECT_DELAY_NS;
    pthread_mutex_lock(&a->lock);
    a->stats.open_now -= was_open;
    if (by_las) {
        a->stats.closed_by_las++;
        a->stats.refused_503 += c->answered_503;
    }
    pthread_mutex_unlock(&a->lock);
}

static void on_event(struct abuse *a, struct conn *c, short revents, uint64_t now)
{
    if (c->state == CONN_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (revents & (POLLERR | POLLHUP))) {
            lost(a, c, now, false);
            return;
        }
        c->state = CONN_OPEN;
        c->next_ns = now;
        pthread_mutex_lock(&a->lock);
        a->stats.connected++;
        a->stats.open_now++;
        pthread_mutex_unlock(&a->lock);
        return;
    }
    char buf[512];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
        if (n >= 12 && memcmp(buf, "HTTP/1.1 503", 12) == 0)
            c->answered_503 = true;
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    lost(a, c, now, true);
}

static void *abuse_main(void *arg)
{
    struct abuse *a = arg;
    uint64_t trickle_ns = (uint64_t)a->cfg.trickle_s * 1000000000ull;
    uint64_t now = now_ns(CLOCK_MONOTONIC);
    for (unsigned i = 0; i < a->n; i++)
        open_conn(a, &a->conns[i], now);
    atomic_store(&a->ramped, true);
    while (!atomic_load(&a->stop)) {
        unsigned np = 0;
        for (unsigned i = 0; i < a->n; i++) {
            struct conn *c = &a->conns[i];
            if (c->state == CONN_WAIT)
                continue;
            a->pfd[np] = (struct pollfd){.fd = c->fd,
                                         .events = c->state == CONN_CONNECTING ? POLLOUT : POLLIN};
            a->index[np++] = i;
        }
        int r = poll(a->pfd, np, POLL_MS);
        now = now_ns(CLOCK_MONOTONIC);
        for (unsigned k = 0; r > 0 && k < np; k++) {
            if (a->pfd[k].revents != 0)
                on_event(a, &a->conns[a->index[k]], a->pfd[k].revents, now);
        }
        for (unsigned i = 0; i < a->n; i++) {
            struct conn *c = &a->conns[i];
            if (c->state == CONN_WAIT && now >= c->next_ns) {
                open_conn(a, c, now);
            } else if (c->state == CONN_OPEN && c->slow && now >= c->next_ns) {
                if (c->sent < sizeof trickle_text - 1 &&
                    send(c->fd, trickle_text + c->sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
                    c->sent++;
                c->next_ns = now + trickle_ns;
            }
        }
    }
    for (unsigned i = 0; i < a->n; i++) {
        if (a->conns[i].fd >= 0)
            close(a->conns[i].fd);
    }
    return NULL;
}

bool abuse_start(const struct abuse_config *cfg, struct abuse **out)
{
    *out = NULL;
    struct abuse *a = calloc(1, sizeof *a);
    if (a == NULL)
        return false;
    a->cfg = *cfg;
    a->n = cfg->idle + cfg->slow;
    a->conns = calloc(a->n ? a->n : 1, sizeof *a->conns);
    a->pfd = calloc(a->n ? a->n : 1, sizeof *a->pfd);
    a->index = calloc(a->n ? a->n : 1, sizeof *a->index);
    if (a->conns == NULL || a->pfd == NULL || a->index == NULL || cfg->sources == 0) {
        fprintf(stderr, "las-bench: cannot set up the abuse connections\n");
        goto fail;
    }
    for (unsigned i = 0; i < a->n; i++) {
        a->conns[i].fd = -1;
        a->conns[i].slow = i < cfg->slow;
        a->conns[i].source = i % cfg->sources;
    }
    pthread_mutex_init(&a->lock, NULL);
    if (pthread_create(&a->thread, NULL, abuse_main, a) != 0) {
        fprintf(stderr, "las-bench: cannot start the abuse thread\n");
        pthread_mutex_destroy(&a->lock);
        goto fail;
    }
    *out = a;
    return true;
fail:
    free(a->conns);
    free(a->pfd);
    free(a->index);
    free(a);
    return false;
}

void abuse_wait_ramped(struct abuse *a, unsigned timeout_ms)
{
    for (unsigned waited = 0; !atomic_load(&a->ramped) && waited < timeout_ms; waited += 10)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}

void abuse_stats(struct abuse *a, struct abuse_stats *out)
{
    pthread_mutex_lock(&a->lock);
    *out = a->stats;
    pthread_mutex_unlock(&a->lock);
}

void abuse_stop(struct abuse *a)
{
    if (a == NULL)
        return;
    atomic_store(&a->stop, true);
    pthread_join(a->thread, NULL);
    pthread_mutex_destroy(&a->lock);
    free(a->conns);
    free(a->pfd);
    free(a->index);
    free(a);
}
