/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/acceptor.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

/* How long to wait before accepting again when accept cannot work (listening socket broken...). */
#define RESOURCE_BACKOFF_NS (10 * 1000 * 1000)
/* Per-connection accept errors in a row before they count as a persistent fault. */
#define MAX_CONSECUTIVE_FAILURES 64
/* How often deadlines are checked: a request gets its timeout plus at most this. */
#define SWEEP_INTERVAL_NS (250 * 1000 * 1000ull)
/* At the limit only a connection that has waited this long for its request is evicted. */
#define EVICT_MIN_WAIT_NS (1000 * 1000 * 1000ull)
/* ... and at most this many at a time. */
#define EVICT_BATCH 16
#define NS_PER_S    1000000000ull

/* What a refused client reads before the close (it may not read it: the close is what counts). */
static const char refusal_answer[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: "
    "close\r\nContent-Length: 91\r\n\r\n"
    "{\"error\":{\"code\":\"too_many_connections\",\"message\":\"too many connections; retry "
    "later\"}}\n";

/* A peer as the per-peer limit counts it: an IPv4 address, or an IPv6 /64. */
struct peer_key {
    uint8_t family; /* 4 or 6 */
    uint8_t bytes[8];
};

struct peer_entry {
    struct peer_key key;
    uint32_t count; /* 0: empty */
    uint64_t hash;
};

/* One per descriptor number. */
struct conn_slot {
    /* When the connection became ready for its current request (CLOCK_MONOTONIC_COARSE
     * ns), 0 while a request is in and being answered. Written by the HTTP threads. */
    _Atomic uint64_t waiting_since;
    /* Under the lock: */
    bool in_use;
    bool closing; /* shut down by the acceptor; the HTTP server will report the close */
    bool evicted; /* ... to make room at the limit */
    struct peer_key peer;
} __attribute__((aligned(64))); /* the workers write their connections' slots: no sharing */

struct las_acceptor {
    struct las_acceptor_config cfg;
    int wake_fd;  /* eventfd: a connection closed below the limit, or stop */
    int spare_fd; /* kept open to be given up when accept runs out of descriptors */
    pthread_t thread;
    _Atomic unsigned open;
    _Atomic bool stopping;
    bool joined;
    bool in_trouble;   /* accept cannot work; logged once per episode (back_off) */
    bool out_of_fds;   /* accept ran out of descriptors; logged once per episode */
    unsigned failures; /* per-connection accept errors in a row */
    uint64_t next_sweep;
    uint64_t no_victim_until; /* at the limit, nobody could be evicted: do not look before */

    pthread_mutex_t lock; /* slots' in_use/closing/peer, peers, evicting */
    struct conn_slot *slots;
    size_t n_slots; /* the descriptor limit at start */
    int max_fd;     /* highest descriptor in use so far (sweep bound) */
    struct peer_entry *peers;
    size_t peers_mask;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    _Atomic unsigned evicting; /* evicted connections whose close is not reported yet */
};

static uint64_t coarse_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void bump(_Atomic uint64_t *counter)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static void wake(struct las_acceptor *a)
{
    uint64_t one = 1;
    /* Cannot fail but with an overflowing counter, which still leaves it readable. */
    ssize_t n = write(a->wake_fd, &one, sizeof one);
    (void)n;
}

static void drain_wake(struct las_acceptor *a)
{
    uint64_t value;
    ssize_t n = read(a->wake_fd, &value, sizeof value);
    (void)n; /* EAGAIN: a concurrent reader got it; nothing is lost, the state is re-checked */
}

/* Any descriptor does as the spare; an eventfd needs no file (the image has no /dev). */
static int spare_descriptor(void)
{
    return eventfd(0, EFD_CLOEXEC);
}

static void free_slots(struct las_acceptor *a)
{
    if (a->slots != NULL)
        munmap(a->slots, a->n_slots * sizeof *a->slots);
    a->slots = NULL;
}

/* ---- peers ----------------------------------------------------------------- */

static struct peer_key peer_of(const struct sockaddr *addr, socklen_t len)
{
    struct peer_key k;
    memset(&k, 0, sizeof k);
    if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        k.family = 4;
        memcpy(k.bytes, &((const struct sockaddr_in *)addr)->sin_addr, 4);
    } else if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const uint8_t *b = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
        static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, v4_mapped, sizeof v4_mapped) == 0) {
            k.family = 4;
            memcpy(k.bytes, b + 12, 4);
        } else {
            /* One host usually has a whole /64: count it as one peer. */
            k.family = 6;
            memcpy(k.bytes, b, 8);
        }
    }
    return k;
}

static uint64_t peer_hash(const struct las_acceptor *a, const struct peer_key *k)
{
    uint8_t in[sizeof k->bytes + 1], out[crypto_shorthash_BYTES];
    uint64_t h;
    in[0] = k->family;
    memcpy(in + 1, k->bytes, sizeof k->bytes);
    /* Keyed (SipHash): a peer cannot choose addresses that share a probe chain. */
    crypto_shorthash(out, in, sizeof in, a->hash_key);
    memcpy(&h, out, sizeof h);
    return h;
}

static bool same_peer(const struct peer_key *x, const struct peer_key *y)
{
    return x->family == y->family && memcmp(x->bytes, y->bytes, sizeof x->bytes) == 0;
}

/* The entry of k, or the empty one where it would go. Under the lock. */
static struct peer_entry *peer_find(struct las_acceptor *a, const struct peer_key *k, uint64_t h)
{
    size_t i = (size_t)h & a->peers_mask;
    while (a->peers[i].count != 0 && !same_peer(&a->peers[i].key, k))
        i = (i + 1) & a->peers_mask;
    return &a->peers[i];
}

/* Removes one connection of k; empties the entry at zero (backward-shift deletion). */
static void peer_release(struct las_acceptor *a, const struct peer_key *k)
{
    struct peer_entry *e = peer_find(a, k, peer_hash(a, k));
    if (e->count == 0 || --e->count > 0)
        return;
    size_t hole = (size_t)(e - a->peers);
    for (size_t j = (hole + 1) & a->peers_mask; a->peers[j].count != 0;
         j = (j + 1) & a->peers_mask) {
        size_t home = (size_t)a->peers[j].hash & a->peers_mask;
        /* Entry j may fill the hole unless its home lies cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            a->peers[hole] = a->peers[j];
            a->peers[j].count = 0;
            hole = j;
        }
    }
}

/* ---- connections ---------------------------------------------------------- */

/*
 * Forgets the connection in slot fd. Under the lock. A slot found in use at
 * accept time belongs to a connection the HTTP server dropped without
 * reporting it (it does so when it cannot allocate a new connection's
 * memory): its count is given back then.
 */
static void slot_release(struct las_acceptor *a, int fd)
{
    struct conn_slot *s = &a->slots[fd];
    if (!s->in_use)
        return;
    if (s->evicted)
        atomic_fetch_sub(&a->evicting, 1);
    if (a->cfg.max_per_peer > 0)
        peer_release(a, &s->peer);
    s->in_use = false;
    s->closing = false;
    s->evicted = false;
    atomic_store_explicit(&s->waiting_since, 0, memory_order_relaxed);
    atomic_fetch_sub(&a->open, 1);
}

/* Tells a refused client why and closes its connection. */
static void refuse(int fd)
{
    ssize_t n = send(fd, refusal_answer, sizeof refusal_answer - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)n; /* best effort: the close is the answer */
    close(fd);
}

/*
 * Admits fd from peer: false (fd closed) if the peer is at its limit or fd
 * is beyond the slot table.
 */
static bool admit(struct las_acceptor *a, int fd, const struct sockaddr *addr, socklen_t len)
{
    if (fd < 0 || (size_t)fd >= a->n_slots) {
        las_warn("http: descriptor %d beyond the limit LAS started with; connection refused", fd);
        refuse(fd);
        return false;
    }
    struct peer_key k = peer_of(addr, len);
    bool ok = true;
    pthread_mutex_lock(&a->lock);
    slot_release(a, fd); /* a connection that was never reported closed */
    if (a->cfg.max_per_peer > 0) {
        uint64_t h = peer_hash(a, &k);
        struct peer_entry *e = peer_find(a, &k, h);
        if (e->count >= a->cfg.max_per_peer) {
            ok = false;
        } else {
            if (e->count == 0) {
                e->key = k;
                e->hash = h;
            }
            e->count++;
        }
    }
    if (ok) {
        struct conn_slot *s = &a->slots[fd];
        s->in_use = true;
        s->closing = false;
        s->peer = k;
        atomic_store_explicit(&s->waiting_since, coarse_now_ns(), memory_order_relaxed);
        atomic_fetch_add(&a->open, 1);
        if (fd > a->max_fd)
            a->max_fd = fd;
    }
    pthread_mutex_unlock(&a->lock);
    if (!ok) {
        if (a->cfg.metrics)
            bump(&a->cfg.metrics->connections_refused[LAS_CONN_REFUSED_PEER_LIMIT]);
        las_debug("http: a peer is at its connection limit (%u); connection refused",
                  a->cfg.max_per_peer);
        refuse(fd);
    }
    return ok;
}

/* Ends the connection on slot fd; the HTTP server sees the socket closed and reports it. */
static void shut(struct las_acceptor *a, int fd)
{
    a->slots[fd].closing = true;
    shutdown(fd, SHUT_RDWR);
}

/*
 * How long the connection in slot fd has waited for its next request, or 0:
 * no connection there, one being closed, or one whose request is in (or
 * whose wait began only now). Under a->lock.
 */
static uint64_t waited_ns(const struct las_acceptor *a, int fd, uint64_t now)
{
    const struct conn_slot *s = &a->slots[fd];
    if (!s->in_use || s->closing)
        return 0;
    uint64_t since = atomic_load_explicit(&s->waiting_since, memory_order_relaxed);
    return since != 0 && now > since ? now - since : 0;
}

/* Closes every connection that owes its request beyond the deadline. */
static void sweep(struct las_acceptor *a, uint64_t now)
{
    uint64_t limit = (uint64_t)a->cfg.request_timeout_s * NS_PER_S;
    unsigned closed = 0;
    pthread_mutex_lock(&a->lock);
    for (int fd = 0; fd <= a->max_fd; fd++) {
        uint64_t waited = waited_ns(a, fd, now);
        if (waited > 0 && waited >= limit) {
            shut(a, fd);
            closed++;
        }
    }
    pthread_mutex_unlock(&a->lock);
    if (closed > 0) {
        if (a->cfg.metrics)
            atomic_fetch_add_explicit(
                &a->cfg.metrics->connections_closed[LAS_CONN_CLOSED_REQUEST_TIMEOUT], closed,
                memory_order_relaxed);
        las_debug("http: closed %u connection(s) that sent no whole request within %us", closed,
                  a->cfg.request_timeout_s);
    }
}

/*
 * At the limit: closes the EVICT_BATCH connections that have waited longest
 * for their request, of those that have waited at least EVICT_MIN_WAIT_NS
 * (clients that just connected are about to send). A batch, not one: while
 * clients queue in the backlog (an attacker's reconnections among them),
 * each round trip to the workers then frees room for many. False: nobody
 * to evict.
 */
static bool evict(struct las_acceptor *a, uint64_t now)
{
    int victim[EVICT_BATCH];
    uint64_t waited_of[EVICT_BATCH];
    unsigned n = 0;
    pthread_mutex_lock(&a->lock);
    for (int fd = 0; fd <= a->max_fd; fd++) {
        uint64_t waited = waited_ns(a, fd, now);
        if (waited < EVICT_MIN_WAIT_NS) /* also: not waiting */
            continue;
        if (n == EVICT_BATCH && waited <= waited_of[n - 1])
            continue;
        /* Keep the batch sorted, longest wait first. */
        unsigned i = n < EVICT_BATCH ? n++ : n - 1;
        while (i > 0 && waited_of[i - 1] < waited) {
            victim[i] = victim[i - 1];
            waited_of[i] = waited_of[i - 1];
            i--;
        }
        victim[i] = fd;
        waited_of[i] = waited;
    }
    for (unsigned i = 0; i < n; i++) {
        shut(a, victim[i]);
        a->slots[victim[i]].evicted = true;
    }
    atomic_fetch_add(&a->evicting, n);
    pthread_mutex_unlock(&a->lock);
    if (n > 0 && a->cfg.metrics)
        atomic_fetch_add_explicit(&a->cfg.metrics->connections_closed[LAS_CONN_CLOSED_EVICTED], n,
                                  memory_order_relaxed);
    return n > 0;
}

/*
 * Something keeps accept from working (no memory, the listening socket
 * broken): says so once per episode, then waits a little instead of
 * spinning; connections wait in the backlog meanwhile.
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

/*
 * Out of descriptors: gives up the spare one to accept the next waiting
 * client and close it at once (it learns to retry instead of hanging), then
 * takes the spare back. Without a spare (someone else took the descriptor),
 * backs off.
 */
static bool shed_one(struct las_acceptor *a, int err)
{
    if (!a->out_of_fds)
        las_error("http: out of file descriptors (%s): closing new connections at once until "
                  "some are free (see --max-connections, LimitNOFILE)",
                  strerror(err));
    a->out_of_fds = true;
    if (a->spare_fd < 0) {
        a->spare_fd = spare_descriptor();
        back_off(a, "no spare descriptor", err);
        return false;
    }
    close(a->spare_fd);
    a->spare_fd = -1;
    int fd = accept4(a->cfg.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    bool got = fd >= 0;
    if (got) {
        refuse(fd);
        if (a->cfg.metrics)
            bump(&a->cfg.metrics->connections_refused[LAS_CONN_REFUSED_NO_DESCRIPTORS]);
    }
    a->spare_fd = spare_descriptor();
    return got;
}

/* false: nothing more to accept now (go back to poll). */
static bool accept_one(struct las_acceptor *a)
{
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;
    int fd = accept4(a->cfg.listen_fd, (struct sockaddr *)&peer, &peer_len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        switch (err) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
            return false;
        case EMFILE:
        case ENFILE:
            return shed_one(a, err);
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
            /* ENOBUFS, ENOMEM, or the socket itself (EBADF, EINVAL...). */
            back_off(a, "accept", err);
            return false;
        }
    }
    if (a->in_trouble || a->out_of_fds)
        las_info("http: accepting connections again");
    a->in_trouble = false;
    a->out_of_fds = false;
    a->failures = 0;
    if (!admit(a, fd, (const struct sockaddr *)&peer, peer_len))
        return true;
    if (!a->cfg.add(a->cfg.cls, fd, (const struct sockaddr *)&peer, peer_len)) {
        /* add() closed fd; nobody else can have its number before our next accept. */
        pthread_mutex_lock(&a->lock);
        slot_release(a, fd);
        pthread_mutex_unlock(&a->lock);
    }
    return true;
}

static void *accept_loop(void *arg)
{
    struct las_acceptor *a = arg;
    pthread_setname_np(pthread_self(), "las-accept"); /* as top -H shows it; cosmetic */
    while (!atomic_load(&a->stopping)) {
        uint64_t now = coarse_now_ns();
        bool full = atomic_load(&a->open) >= a->cfg.max_connections;
        /*
         * At the limit the listening socket is watched only while someone
         * may be evicted, and not while an evicted connection's close is
         * awaited (the close wakes us); otherwise waiting clients would make
         * poll return at once, again and again.
         */
        bool watch_listen = !full || (now >= a->no_victim_until && atomic_load(&a->evicting) == 0);
        int timeout_ms = -1;
        if (full || (a->cfg.request_timeout_s > 0 && atomic_load(&a->open) > 0))
            timeout_ms = (int)(SWEEP_INTERVAL_NS / 1000000);
        struct pollfd p[2] = {
            {.fd = a->wake_fd, .events = POLLIN},
            {.fd = a->cfg.listen_fd, .events = POLLIN},
        };
        if (poll(p, watch_listen ? 2 : 1, timeout_ms) < 0) {
            if (errno != EINTR)
                back_off(a, "poll", errno);
            continue;
        }
        if (p[0].revents & POLLIN)
            drain_wake(a);
        now = coarse_now_ns();
        if (a->cfg.request_timeout_s > 0 && now >= a->next_sweep) {
            sweep(a, now);
            a->next_sweep = now + SWEEP_INTERVAL_NS;
        }
        if (!watch_listen)
            continue;
        if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            back_off(a, "the listening socket", p[1].revents & POLLNVAL ? EBADF : EINVAL);
            continue;
        }
        if (!(p[1].revents & POLLIN))
            continue;
        if (atomic_load(&a->open) >= a->cfg.max_connections) {
            /* Someone waits: make room if a connection has long owed its request. */
            if (!evict(a, now))
                a->no_victim_until = now + SWEEP_INTERVAL_NS;
            continue;
        }
        while (atomic_load(&a->open) < a->cfg.max_connections && !atomic_load(&a->stopping) &&
               accept_one(a))
            ;
    }
    return NULL;
}

las_status las_acceptor_start(const struct las_acceptor_config *cfg, struct las_acceptor **out,
                              char *why, size_t why_len)
{
    *out = NULL;
    struct rlimit rl;
    if (cfg->max_connections == 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(why, why_len, "invalid connection limit");
        return LAS_ERR_INVALID_ARGUMENT;
    }
    struct las_acceptor *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(why, why_len, "out of memory");
        return LAS_ERR_NO_MEMORY;
    }
    a->cfg = *cfg;
    a->wake_fd = -1;
    a->spare_fd = -1;
    a->max_fd = -1;
    /* One slot per possible descriptor: pages are touched only where descriptors are used. */
    a->n_slots =
        rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 24) ? (1u << 24) : (size_t)rl.rlim_cur;
    size_t peers = 16;
    while (peers < 2 * (size_t)cfg->max_connections)
        peers *= 2;
    a->peers_mask = peers - 1;
    /* Zero pages, touched only where descriptors are used, aligned for the slots' lines. */
    a->slots = mmap(NULL, a->n_slots * sizeof *a->slots, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a->slots == MAP_FAILED)
        a->slots = NULL;
    a->peers = calloc(peers, sizeof *a->peers);
    if (a->slots == NULL || a->peers == NULL) {
        snprintf(why, why_len, "out of memory");
        goto fail_nomem;
    }
    randombytes_buf(a->hash_key, sizeof a->hash_key);
    pthread_mutex_init(&a->lock, NULL);
    a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    a->spare_fd = spare_descriptor();
    if (a->wake_fd < 0 || a->spare_fd < 0) {
        snprintf(why, why_len, "cannot create the acceptor's descriptors: %s", strerror(errno));
        goto fail;
    }
    /* Before the thread runs: connections it accepts may close (and report to *out) at once. */
    *out = a;
    int err = pthread_create(&a->thread, NULL, accept_loop, a);
    if (err != 0) {
        snprintf(why, why_len, "cannot start the accepting thread: %s", strerror(err));
        *out = NULL;
        goto fail;
    }
    return LAS_OK;
fail:
    if (a->wake_fd >= 0)
        close(a->wake_fd);
    if (a->spare_fd >= 0)
        close(a->spare_fd);
    pthread_mutex_destroy(&a->lock);
    free_slots(a);
    free(a->peers);
    free(a);
    return LAS_ERR_IO;
fail_nomem:
    free_slots(a);
    free(a->peers);
    free(a);
    return LAS_ERR_NO_MEMORY;
}

void las_acceptor_request_received(struct las_acceptor *a, int fd)
{
    if (fd >= 0 && (size_t)fd < a->n_slots)
        atomic_store_explicit(&a->slots[fd].waiting_since, 0, memory_order_relaxed);
}

void las_acceptor_answered(struct las_acceptor *a, int fd)
{
    if (fd >= 0 && (size_t)fd < a->n_slots)
        atomic_store_explicit(&a->slots[fd].waiting_since, coarse_now_ns(), memory_order_relaxed);
}

void las_acceptor_closed(struct las_acceptor *a, int fd)
{
    if (fd < 0 || (size_t)fd >= a->n_slots)
        return;
    pthread_mutex_lock(&a->lock);
    bool was_full = atomic_load(&a->open) >= a->cfg.max_connections;
    bool was_evicted = a->slots[fd].evicted;
    slot_release(a, fd);
    pthread_mutex_unlock(&a->lock);
    /* Only a close at the limit can matter to a thread waiting for one. */
    if (was_full || was_evicted)
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
    if (a->spare_fd >= 0)
        close(a->spare_fd);
    pthread_mutex_destroy(&a->lock);
    free_slots(a);
    free(a->peers);
    free(a);
}
