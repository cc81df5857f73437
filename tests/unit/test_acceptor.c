/* SPDX-License-Identifier: Apache-2.0 */
/* The accepting thread of las serve (src/daemon/acceptor.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "daemon/acceptor.h"

#define MAX_FDS 16

/* What the acceptor handed over. */
struct taken {
    _Atomic int count;
    int fds[MAX_FDS];
    bool refuse; /* answer false, as a refusing HTTP server would */
};

static bool take(void *cls, int fd, const struct sockaddr *addr, socklen_t len)
{
    struct taken *t = cls;
    (void)addr;
    (void)len;
    int i = atomic_load(&t->count);
    if (t->refuse || i >= MAX_FDS) {
        close(fd);
        return false;
    }
    t->fds[i] = fd;
    atomic_store(&t->count, i + 1);
    return true;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to 2 s for count to reach want; returns the count seen. */
static int wait_count(struct taken *t, int want)
{
    for (int i = 0; i < 200 && atomic_load(&t->count) < want; i++)
        pause_ms(10);
    return atomic_load(&t->count);
}

static int listener(struct sockaddr_in *sin)
{
    socklen_t len = sizeof *sin;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof *sin), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
    return fd;
}

static int client(const struct sockaddr_in *sin)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    /* Completes in the kernel's backlog even while the acceptor does not accept. */
    assert_int_equal(connect(fd, (const struct sockaddr *)sin, sizeof *sin), 0);
    return fd;
}

static struct las_acceptor *start(int lfd, unsigned max, unsigned per_peer, unsigned timeout_s,
                                  struct taken *t, struct las_metrics *m)
{
    struct las_acceptor *a = NULL;
    char why[256];
    struct las_acceptor_config cfg = {
        .listen_fd = lfd,
        .max_connections = max,
        .max_per_peer = per_peer,
        .request_timeout_s = timeout_s,
        .add = take,
        .cls = t,
        .metrics = m,
    };
    assert_int_equal(las_acceptor_start(&cfg, &a, why, sizeof why), LAS_OK);
    return a;
}

/* The HTTP server's part when a connection ends: report, then close. */
static void server_close(struct las_acceptor *a, int fd)
{
    las_acceptor_closed(a, fd);
    close(fd);
}

/* A client connected from 127.0.0.N. */
static int client_from(const struct sockaddr_in *sin, int n)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000000u | n)};
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
    assert_int_equal(connect(fd, (const struct sockaddr *)sin, sizeof *sin), 0);
    return fd;
}

/* Whether the server closed fd within ms (EOF or reset, after any answer bytes). */
static bool closed_within(int fd, long ms)
{
    char buf[512];
    for (long waited = 0; waited <= ms; waited += 10) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return true;
        if (n > 0)
            continue;
        pause_ms(10);
    }
    return false;
}

static void test_limit_holds_clients_in_the_backlog(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    struct taken t = {0};
    int lfd = listener(&sin), c[3];
    struct las_acceptor *a = start(lfd, 2, 0, 0, &t, NULL);

    for (int i = 0; i < 3; i++)
        c[i] = client(&sin);
    assert_int_equal(wait_count(&t, 2), 2);
    /* Both taken connections are "busy" (a request in): nobody may be evicted. */
    las_acceptor_request_received(a, t.fds[0]);
    las_acceptor_request_received(a, t.fds[1]);
    pause_ms(1500);
    assert_int_equal(atomic_load(&t.count), 2); /* the third waits */
    server_close(a, t.fds[0]);
    assert_int_equal(wait_count(&t, 3), 3); /* a close lets it in */
    las_acceptor_request_received(a, t.fds[2]);

    /* A refused hand-over gives its slot back: with one slot free, a refused
     * connection and then another that must still be taken. */
    server_close(a, t.fds[1]);
    t.refuse = true;
    int r = client(&sin);
    pause_ms(100);
    t.refuse = false;
    int d = client(&sin);
    assert_int_equal(wait_count(&t, 4), 4);

    las_acceptor_free(a);
    for (int i = 2; i < atomic_load(&t.count); i++)
        close(t.fds[i]);
    for (int i = 0; i < 3; i++)
        close(c[i]);
    close(r);
    close(d);
    close(lfd);
}

/* At the limit, the connection that has waited longest for its request makes room. */
static void test_limit_evicts_the_longest_waiting(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    struct taken t = {0};
    struct las_metrics m;
    las_metrics_init(&m);
    int lfd = listener(&sin);
    struct las_acceptor *a = start(lfd, 2, 0, 0, &t, &m);

    int idle = client(&sin);
    assert_int_equal(wait_count(&t, 1), 1);
    pause_ms(50);
    int busy = client(&sin);
    assert_int_equal(wait_count(&t, 2), 2);
    las_acceptor_request_received(a, t.fds[1]); /* busy is being answered: never a victim */
    pause_ms(1100);
    int late = client(&sin);
    /* The idle connection (waiting over 1 s) is shut down to make room... */
    assert_true(closed_within(t.fds[0], 2000));
    assert_true(closed_within(idle, 2000));
    server_close(a, t.fds[0]);
    /* ...and the new client is taken; the busy one is untouched. */
    assert_int_equal(wait_count(&t, 3), 3);
    assert_false(closed_within(busy, 100));
    assert_int_equal(atomic_load(&m.connections_closed[LAS_CONN_CLOSED_EVICTED]), 1);

    las_acceptor_free(a);
    close(t.fds[1]);
    close(t.fds[2]);
    close(idle);
    close(busy);
    close(late);
    close(lfd);
}

/* Per peer address at most max_per_peer; others are not affected. */
static void test_per_peer_limit(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    struct taken t = {0};
    struct las_metrics m;
    las_metrics_init(&m);
    int lfd = listener(&sin);
    struct las_acceptor *a = start(lfd, 8, 2, 0, &t, &m);

    int p1 = client_from(&sin, 2), p2 = client_from(&sin, 2);
    assert_int_equal(wait_count(&t, 2), 2);
    int p3 = client_from(&sin, 2); /* one too many from 127.0.0.2 */
    char answer[512] = {0};
    struct timeval tv = {2, 0};
    setsockopt(p3, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = recv(p3, answer, sizeof answer - 1, 0);
    assert_true(n > 0);
    assert_non_null(strstr(answer, "503"));
    assert_non_null(strstr(answer, "too_many_connections"));
    assert_true(closed_within(p3, 1000));
    int q = client_from(&sin, 3); /* another address is served */
    assert_int_equal(wait_count(&t, 3), 3);
    assert_int_equal(atomic_load(&m.connections_refused[LAS_CONN_REFUSED_PEER_LIMIT]), 1);
    /* A close gives the peer its slot back. */
    server_close(a, t.fds[0]);
    int p4 = client_from(&sin, 2);
    assert_int_equal(wait_count(&t, 4), 4);

    las_acceptor_free(a);
    for (int i = 1; i < 4; i++)
        close(t.fds[i]);
    close(p1);
    close(p2);
    close(p3);
    close(q);
    close(p4);
    close(lfd);
}

/* A request that has not arrived whole within the timeout costs its connection. */
static void test_request_deadline(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    struct taken t = {0};
    struct las_metrics m;
    las_metrics_init(&m);
    int lfd = listener(&sin);
    struct las_acceptor *a = start(lfd, 8, 0, 1, &t, &m);

    int slow = client(&sin), served = client(&sin);
    assert_int_equal(wait_count(&t, 2), 2);
    int slow_fd = t.fds[0], served_fd = t.fds[1];
    /* Which accepted descriptor belongs to which client does not matter: one of them gets its
     * request in and is being answered, the other owes it. */
    las_acceptor_request_received(a, served_fd);
    /* Sending bytes does not help: only a whole request stops the clock. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(send(slow, "G", 1, MSG_NOSIGNAL), 1);
        pause_ms(100);
    }
    assert_true(closed_within(slow_fd, 1500));
    assert_int_equal(atomic_load(&m.connections_closed[LAS_CONN_CLOSED_REQUEST_TIMEOUT]), 1);
    server_close(a, slow_fd);
    assert_false(closed_within(served_fd, 200));
    /* Its answer sent, the next request's clock starts: it runs out too. */
    las_acceptor_answered(a, served_fd);
    assert_true(closed_within(served_fd, 2000));
    server_close(a, served_fd);

    las_acceptor_free(a);
    close(slow);
    close(served);
    close(lfd);
}

/* Out of descriptors, waiting clients are closed at once, and accepting resumes later. */
static void test_out_of_descriptors(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    struct taken t = {0};
    struct las_metrics m;
    las_metrics_init(&m);
    int lfd = listener(&sin);
    struct las_acceptor *a = start(lfd, 8, 0, 0, &t, &m);
    struct rlimit saved, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);

    int c1 = client(&sin);
    assert_int_equal(wait_count(&t, 1), 1);
    /* Take every descriptor left, then a client connects. */
    int hog[64], n_hog = 0;
    int probe = dup(0);
    assert_true(probe >= 0);
    low = saved;
    low.rlim_cur = (rlim_t)probe + 3; /* room for this test's client sockets */
    close(probe);
    int c2 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int c3 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    while (n_hog < 64 && (hog[n_hog] = dup(0)) >= 0)
        n_hog++;
    assert_int_equal(errno, EMFILE);
    assert_int_equal(connect(c2, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_true(closed_within(c2, 1000)); /* not left hanging in the backlog */
    assert_int_equal(atomic_load(&t.count), 1);
    assert_true(atomic_load(&m.connections_refused[LAS_CONN_REFUSED_NO_DESCRIPTORS]) >= 1);
    /* Descriptors free again: the next client is taken. */
    for (int i = 0; i < n_hog; i++)
        close(hog[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_int_equal(connect(c3, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(wait_count(&t, 2), 2);
    assert_false(closed_within(c3, 100));

    las_acceptor_free(a);
    close(t.fds[0]);
    close(t.fds[1]);
    close(c1);
    close(c2);
    close(c3);
    close(lfd);
}

/* CPU time of the whole process, in ms. */
static double process_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A socket that cannot accept (not listening, or closed) must not make the thread spin. */
static void test_broken_socket_does_not_spin(void **state)
{
    (void)state;
    struct taken t = {0};
    struct las_acceptor *a = NULL;
    char why[256];
    int not_listening = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(not_listening >= 0);

    struct las_acceptor_config cfg = {
        .listen_fd = not_listening, .max_connections = 4, .add = take, .cls = &t};
    assert_int_equal(las_acceptor_start(&cfg, &a, why, sizeof why), LAS_OK);
    double before = process_cpu_ms();
    pause_ms(500);
    double used = process_cpu_ms() - before;
    las_acceptor_free(a);
    close(not_listening);
    /* Spinning takes most of the 500 ms; backing off every 10 ms takes about 1 ms. */
    assert_true(used < 50.0);
    assert_int_equal(atomic_load(&t.count), 0);
}

int main(void)
{
    las_log_configure(LAS_LOG_ERROR, LAS_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_holds_clients_in_the_backlog),
        cmocka_unit_test(test_limit_evicts_the_longest_waiting),
        cmocka_unit_test(test_per_peer_limit),
        cmocka_unit_test(test_request_deadline),
        cmocka_unit_test(test_out_of_descriptors),
        cmocka_unit_test(test_broken_socket_does_not_spin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
