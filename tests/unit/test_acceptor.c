/* SPDX-License-Identifier: Apache-2.0 */
/* The accepting thread of las serve (src/daemon/acceptor.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
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

static void test_limit_holds_clients_in_the_backlog(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    struct taken t = {0};
    struct las_acceptor *a = NULL;
    char why[256];
    int lfd = listener(&sin), c[3];

    assert_int_equal(las_acceptor_start(lfd, 2, take, &t, &a, why, sizeof why), LAS_OK);
    for (int i = 0; i < 3; i++)
        c[i] = client(&sin);
    assert_int_equal(wait_count(&t, 2), 2);
    pause_ms(100);
    assert_int_equal(atomic_load(&t.count), 2); /* the third waits */
    las_acceptor_closed(a);
    assert_int_equal(wait_count(&t, 3), 3); /* a close lets it in */

    /* A refused hand-over gives its slot back: with one slot free, a refused
     * connection and then another that must still be taken. */
    las_acceptor_closed(a);
    t.refuse = true;
    int r = client(&sin);
    pause_ms(100);
    t.refuse = false;
    int d = client(&sin);
    assert_int_equal(wait_count(&t, 4), 4);

    las_acceptor_free(a);
    for (int i = 0; i < atomic_load(&t.count); i++)
        close(t.fds[i]);
    for (int i = 0; i < 3; i++)
        close(c[i]);
    close(r);
    close(d);
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

    assert_int_equal(las_acceptor_start(not_listening, 4, take, &t, &a, why, sizeof why), LAS_OK);
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
        cmocka_unit_test(test_broken_socket_does_not_spin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
