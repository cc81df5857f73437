/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for the protocol-abuse test (tests/integration/test_abuse.sh):
 * raw TCP clients of a LAS on 127.0.0.1 that curl cannot play.
 *
 *   las_test_rawhttp send PORT FILE [WAIT_MS]
 *       one connection; writes FILE in a single write(), then prints what
 *       comes back until the server closes or WAIT_MS (default 3000) pass;
 *       on stderr: "closed_by_server=0|1 ms=N"
 *   las_test_rawhttp churn PORT N [plain|rst|half|mixed]
 *       N rapid connect/disconnects: plain close, abortive close (RST), or
 *       close after half a request (mixed, the default: in turn); prints
 *       "connects=N failed=F"
 *   las_test_rawhttp hold PORT N SECONDS idle|slow|trickle
 *       opens N connections and keeps them for SECONDS: idle sends nothing,
 *       slow sends a request line then one header byte every 3 s (slower
 *       than the test's --connection-timeout), trickle one byte every 0.3 s;
 *       prints "opened=N closed_by_server=C first_close_ms=M"
 *
 * Exit 0 unless the tool itself fails (2: usage, 1: cannot run).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HOLD     4096
#define MAX_SEND     (4 * 1024 * 1024)
#define RESPONSE_BUF 65536

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int connect_local(unsigned port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int cmd_send(unsigned port, const char *path, long wait_ms)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 1;
    char *data = malloc(MAX_SEND);
    size_t len = data ? fread(data, 1, MAX_SEND, f) : 0;
    fclose(f);
    if (data == NULL)
        return 1;
    int fd = connect_local(port);
    if (fd < 0) {
        fprintf(stderr, "connect failed: %s\n", strerror(errno));
        free(data);
        return 1;
    }
    long start = now_ms();
    /* One write(): several pipelined requests arrive together. */
    if (len > 0 && write_all(fd, data, len) != 0)
        fprintf(stderr, "write failed: %s\n", strerror(errno));
    free(data);
    int closed = 0;
    char buf[RESPONSE_BUF];
    for (;;) {
        long left = wait_ms - (now_ms() - start);
        if (left <= 0)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r <= 0)
            break;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            closed = 1;
            break;
        }
        fwrite(buf, 1, (size_t)n, stdout);
    }
    fprintf(stderr, "closed_by_server=%d ms=%ld\n", closed, now_ms() - start);
    close(fd);
    return 0;
}

static int cmd_churn(unsigned port, long n, const char *kind)
{
    long only = strcmp(kind, "plain") == 0  ? 0
                : strcmp(kind, "rst") == 0  ? 1
                : strcmp(kind, "half") == 0 ? 2
                                            : -1;
    static const char half[] =
        "POST /v1/quote HTTP/1.1\r\nHost: localhost\r\nContent-Length: 432\r\n\r\nab";
    long failed = 0;
    for (long i = 0; i < n; i++) {
        int fd = connect_local(port);
        if (fd < 0) {
            failed++;
            continue;
        }
        switch (only >= 0 ? only : i % 3) {
        case 0:
            break; /* plain close */
        case 1: {
            struct linger lg = {1, 0}; /* abortive close: RST */
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            break;
        }
        default:
            if (write_all(fd, half, sizeof half - 1) != 0)
                failed++;
            break;
        }
        close(fd);
    }
    printf("connects=%ld failed=%ld\n", n, failed);
    return 0;
}

static int cmd_hold(unsigned port, long n, long seconds, const char *mode)
{
    static int fds[MAX_HOLD];
    static long closed_at[MAX_HOLD];
    static const char line[] = "GET /healthz HTTP/1.1\r\n";
    int slow = strcmp(mode, "slow") == 0, trickle = strcmp(mode, "trickle") == 0;
    long opened = 0, closed = 0, first_close = -1;
    if (n > MAX_HOLD)
        return 2;
    long start = now_ms();
    for (long i = 0; i < n; i++) {
        fds[i] = connect_local(port);
        closed_at[i] = -1;
        if (fds[i] < 0)
            continue;
        opened++;
        if ((slow || trickle) && write_all(fds[i], line, sizeof line - 1) != 0)
            closed_at[i] = 0;
    }
    long period = slow ? 3000 : 300, next_byte = now_ms() + period;
    while (now_ms() - start < seconds * 1000) {
        for (long i = 0; i < n; i++) {
            if (fds[i] < 0 || closed_at[i] >= 0)
                continue;
            struct pollfd p = {fds[i], POLLIN, 0};
            char buf[4096];
            if (poll(&p, 1, 0) > 0 && read(fds[i], buf, sizeof buf) <= 0)
                closed_at[i] = now_ms() - start;
        }
        if ((slow || trickle) && now_ms() >= next_byte) {
            for (long i = 0; i < n; i++) {
                if (fds[i] >= 0 && closed_at[i] < 0 && write(fds[i], "X", 1) != 1)
                    closed_at[i] = now_ms() - start;
            }
            next_byte += period;
        }
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    for (long i = 0; i < n; i++) {
        if (fds[i] < 0)
            continue;
        if (closed_at[i] >= 0) {
            closed++;
            if (first_close < 0 || closed_at[i] < first_close)
                first_close = closed_at[i];
        }
        close(fds[i]);
    }
    printf("opened=%ld closed_by_server=%ld first_close_ms=%ld\n", opened, closed, first_close);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 4 && strcmp(argv[1], "send") == 0)
        return cmd_send((unsigned)atoi(argv[2]), argv[3], argc > 4 ? atol(argv[4]) : 3000);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "churn") == 0)
        return cmd_churn((unsigned)atoi(argv[2]), atol(argv[3]), argc == 5 ? argv[4] : "mixed");
    if (argc == 6 && strcmp(argv[1], "hold") == 0)
        return cmd_hold((unsigned)atoi(argv[2]), atol(argv[3]), atol(argv[4]), argv[5]);
    fprintf(stderr, "usage: see the comment at the top of tests/tools/rawhttp.c\n");
    return 2;
}
