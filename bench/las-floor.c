/* SPDX-License-Identifier: Apache-2.0 */
/*
 * las-floor: what one attestation costs the least possible server on this
 * machine (bench/README.md, "The floor").
 *
 * A server process with --threads threads, each polling its share of the
 * connections, and --clients client threads in this process exchange the
 * same bytes as las-bench and LAS: an HTTP/1.1 POST of 432 bytes, answered
 * by an HTTP 200 with a 520-byte body. Per request the server does one
 * recv, one libsodium crypto_sign_detached over 469 bytes (what LAS signs)
 * and one send, nothing else: no HTTP parsing, no REPORT check, no quote
 * layout. Its CPU time per request, over the raw signature's, is the lowest
 * ratio any server reaches here with one TCP (or, with --unix, Unix socket)
 * exchange per attestation.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "bench_common.h"
#include "identity/quote_sign.h"
#include "las/quote.h"
#include "las/sgx.h"

#define MAX_CLIENTS 256
#define MAX_THREADS 64
#define REQUEST_HEAD                                                                               \
    "POST /v1/quote HTTP/1.1\r\nHost: floor\r\nContent-Type: "                                     \
    "application/octet-stream\r\nContent-Length: 432\r\n\r\n"
#define ANSWER_HEAD                                                                                \
    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 520\r\n\r\n"
#define REQUEST_SIZE (sizeof REQUEST_HEAD - 1 + LAS_SGX_REPORT_SIZE)
#define ANSWER_SIZE  (sizeof ANSWER_HEAD - 1 + LAS_QUOTE_SIZE)

struct options {
    unsigned clients, threads;
    uint64_t requests, warmup;
    unsigned sign_iterations;
    bool unix_socket;
    bool json;
};

/* ---- the server (a child process) ---------------------------------------- */

struct server_thread {
    pthread_t thread;
    int fds[MAX_CLIENTS];
    unsigned count;
    const unsigned char *sk;
};

/* Answers every complete request on its connections until all of them close. */
static void *serve(void *arg)
{
    struct server_thread *t = arg;
    struct pollfd p[MAX_CLIENTS];
    size_t have[MAX_CLIENTS] = {0};
    uint8_t(*in)[REQUEST_SIZE] = calloc(t->count, REQUEST_SIZE); /* one request per connection */
    uint8_t out[ANSWER_SIZE], msg[LAS_QUOTE_SIGNING_INPUT_SIZE];
    unsigned open = t->count;

    if (in == NULL) {
        fprintf(stderr, "las-floor: out of memory\n");
        exit(3);
    }
    memcpy(out, ANSWER_HEAD, sizeof ANSWER_HEAD - 1);
    memset(out + sizeof ANSWER_HEAD - 1, 0, LAS_QUOTE_SIZE);
    memset(msg, 0, sizeof msg);
    for (unsigned i = 0; i < t->count; i++)
        p[i] = (struct pollfd){.fd = t->fds[i], .events = POLLIN};
    while (open > 0) {
        if (poll(p, t->count, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("las-floor: poll");
            exit(3);
        }
        for (unsigned i = 0; i < t->count; i++) {
            if (p[i].revents == 0)
                continue;
            ssize_t n = recv(p[i].fd, in[i] + have[i], REQUEST_SIZE - have[i], 0);
            if (n <= 0) {
                close(p[i].fd);
                p[i].fd = -1; /* poll ignores it from now on */
                open--;
                continue;
            }
            have[i] += (size_t)n;
            if (have[i] < REQUEST_SIZE)
                continue;
            have[i] = 0;
            /* The signed bytes carry the REPORT body, as in a LAS quote. */
            memcpy(msg, in[i] + sizeof REQUEST_HEAD - 1, LAS_SGX_REPORT_BODY_SIZE);
            uint8_t *sig = out + ANSWER_SIZE - crypto_sign_BYTES;
            crypto_sign_detached(sig, NULL, msg, sizeof msg, t->sk);
            if (send(p[i].fd, out, sizeof out, MSG_NOSIGNAL) != (ssize_t)sizeof out) {
                perror("las-floor: send");
                exit(3);
            }
        }
    }
    free(in);
    return NULL;
}

static int server_main(int listen_fd, const struct options *o)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    static struct server_thread threads[MAX_THREADS];
    crypto_sign_keypair(pk, sk);
    for (unsigned i = 0; i < o->clients; i++) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0) {
            perror("las-floor: accept");
            return 3;
        }
        struct server_thread *t = &threads[i % o->threads];
        t->fds[t->count++] = fd;
    }
    close(listen_fd);
    for (unsigned i = 0; i < o->threads; i++) {
        threads[i].sk = sk;
        if (threads[i].count > 0 && pthread_create(&threads[i].thread, NULL, serve, &threads[i])) {
            fprintf(stderr, "las-floor: cannot start a server thread\n");
            return 3;
        }
    }
    for (unsigned i = 0; i < o->threads; i++) {
        if (threads[i].count > 0)
            pthread_join(threads[i].thread, NULL);
    }
    return 0;
}

/* ---- the clients ----------------------------------------------------------- */

struct client {
    pthread_t thread;
    const struct options *o;
    const struct sockaddr_storage *sa;
    socklen_t sa_len;
    pthread_barrier_t *barrier;
    uint64_t errors;
    int fd;
};

static bool exchange(struct client *c, uint8_t *req)
{
    uint8_t answer[ANSWER_SIZE];
    randombytes_buf(req + sizeof REQUEST_HEAD - 1, 64); /* a fresh report_data each time */
    if (send(c->fd, req, REQUEST_SIZE, MSG_NOSIGNAL) != (ssize_t)REQUEST_SIZE)
        return false;
    size_t got = 0;
    while (got < ANSWER_SIZE) {
        ssize_t n = recv(c->fd, answer + got, ANSWER_SIZE - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return memcmp(answer, ANSWER_HEAD, sizeof ANSWER_HEAD - 1) == 0;
}

static void *client_main(void *arg)
{
    struct client *c = arg;
    uint8_t req[REQUEST_SIZE];
    memcpy(req, REQUEST_HEAD, sizeof REQUEST_HEAD - 1);
    randombytes_buf(req + sizeof REQUEST_HEAD - 1, LAS_SGX_REPORT_SIZE);
    uint64_t warm = c->o->warmup / c->o->clients, timed = c->o->requests / c->o->clients;
    bool up = c->fd >= 0;
    for (uint64_t i = 0; up && i < warm; i++)
        up = exchange(c, req);
    pthread_barrier_wait(c->barrier); /* warm */
    pthread_barrier_wait(c->barrier); /* go */
    for (uint64_t i = 0; i < timed; i++) {
        if (!up || !exchange(c, req))
            c->errors++, up = false;
    }
    if (c->fd >= 0)
        close(c->fd);
    return NULL;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: las-floor [--clients N] [--threads N] [--requests N] [--warmup N] [--unix]\n"
            "                 [--sign-iterations N] [--json]\n"
            "  --clients N          client threads, one connection each (default 8)\n"
            "  --threads N          server threads (default: one per CPU, like las serve)\n"
            "  --requests N         timed requests in all (default 200000)\n"
            "  --warmup N           untimed requests first (default 5000)\n"
            "  --unix               a Unix-domain socket instead of loopback TCP\n"
            "  --sign-iterations N  raw signatures to time (default 20000)\n"
            "  --json               one JSON object instead of text\n"
            "exit: 0 ok, 1 errors, 2 usage, 3 cannot run\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"clients", required_argument, NULL, 'c'},
        {"threads", required_argument, NULL, 't'},
        {"requests", required_argument, NULL, 'r'},
        {"warmup", required_argument, NULL, 'w'},
        {"unix", no_argument, NULL, 'u'},
        {"sign-iterations", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (struct options){.clients = 8,
                          .threads = cpus < 1             ? 1
                                     : cpus > MAX_THREADS ? MAX_THREADS
                                                          : (unsigned)cpus,
                          .requests = 200000,
                          .warmup = 5000,
                          .sign_iterations = 20000};
    int c;
    uint64_t v = 0;
    int which = 0;
    while ((c = getopt_long(argc, argv, "", longopts, &which)) != -1) {
        bool ok = true;
        switch (c) {
        case 'c':
            ok = parse_u64(optarg, 1, MAX_CLIENTS, &v);
            o->clients = (unsigned)v;
            break;
        case 't':
            ok = parse_u64(optarg, 1, MAX_THREADS, &v);
            o->threads = (unsigned)v;
            break;
        case 'r':
            ok = parse_u64(optarg, 1, 1000000000, &v);
            o->requests = v;
            break;
        case 'w':
            ok = parse_u64(optarg, 0, 1000000000, &v);
            o->warmup = v;
            break;
        case 's':
            ok = parse_u64(optarg, 1, 100000000, &v);
            o->sign_iterations = (unsigned)v;
            break;
        case 'u':
            o->unix_socket = true;
            break;
        case 'j':
            o->json = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "las-floor: invalid value '%s' for --%s\n", optarg,
                    longopts[which].name);
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (o->requests < o->clients) {
        fprintf(stderr, "las-floor: --requests must be at least --clients\n");
        return 2;
    }
    return 0;
}

/* A listening socket on a free loopback port, or on a Unix socket in a fresh directory. */
static int make_listener(const struct options *o, struct sockaddr_storage *sa, socklen_t *len,
                         char *dir)
{
    int fd;
    memset(sa, 0, sizeof *sa);
    if (o->unix_socket) {
        struct sockaddr_un *un = (struct sockaddr_un *)sa;
        if (mkdtemp(dir) == NULL)
            return -1;
        un->sun_family = AF_UNIX;
        snprintf(un->sun_path, sizeof un->sun_path, "%s/floor.sock", dir);
        *len = sizeof *un;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof *in;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }
    if (fd < 0 || bind(fd, (struct sockaddr *)sa, *len) != 0 || listen(fd, MAX_CLIENTS) != 0 ||
        getsockname(fd, (struct sockaddr *)sa, len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void remove_socket(const struct options *o, const struct sockaddr_storage *sa,
                          const char *dir)
{
    if (o->unix_socket) {
        unlink(((const struct sockaddr_un *)sa)->sun_path);
        rmdir(dir);
    }
}

/* On a failure before the run: the server child is killed and reaped, the socket removed. */
static void stop_server(pid_t server, const struct options *o, const struct sockaddr_storage *sa,
                        const char *dir)
{
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
    remove_socket(o, sa, dir);
}

int main(int argc, char **argv)
{
    struct options o;
    int prc = parse_args(argc, argv, &o);
    if (prc != 0)
        return prc;
    if (sodium_init() < 0) {
        fprintf(stderr, "las-floor: cannot initialize libsodium\n");
        return 3;
    }
    double sign_us = measure_sign_ns(o.sign_iterations) / 1e3;

    struct sockaddr_storage sa;
    socklen_t sa_len;
    char dir[] = "/tmp/las-floor-XXXXXX";
    int listen_fd = make_listener(&o, &sa, &sa_len, dir);
    if (listen_fd < 0) {
        fprintf(stderr, "las-floor: cannot listen: %s\n", strerror(errno));
        return 3;
    }
    /* Fork before any thread exists; the server's CPU time is then its own process's. */
    pid_t server = fork();
    if (server < 0) {
        perror("las-floor: fork");
        return 3;
    }
    if (server == 0)
        _exit(server_main(listen_fd, &o));
    close(listen_fd);

    static struct client clients[MAX_CLIENTS];
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, o.clients + 1);
    for (unsigned i = 0; i < o.clients; i++) {
        struct client *c = &clients[i];
        *c = (struct client){.o = &o, .sa = &sa, .sa_len = sa_len, .barrier = &barrier};
        c->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sa_len) != 0) {
            fprintf(stderr, "las-floor: cannot connect: %s\n", strerror(errno));
            stop_server(server, &o, &sa, dir);
            return 3;
        }
        if (!o.unix_socket) /* as las-bench's raw client */
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    for (unsigned i = 0; i < o.clients; i++) {
        if (pthread_create(&clients[i].thread, NULL, client_main, &clients[i]) != 0) {
            /* Threads already started wait at the barrier; returning ends them. */
            fprintf(stderr, "las-floor: cannot start a client thread\n");
            stop_server(server, &o, &sa, dir);
            return 3;
        }
    }
    pthread_barrier_wait(&barrier); /* warm */
    struct cpu_times cpu0, cpu1;
    bool have_cpu = proc_cpu(server, &cpu0);
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    pthread_barrier_wait(&barrier); /* go */
    uint64_t errors = 0;
    for (unsigned i = 0; i < o.clients; i++) {
        pthread_join(clients[i].thread, NULL);
        errors += clients[i].errors;
    }
    double wall_s = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
    have_cpu = have_cpu && proc_cpu(server, &cpu1);
    int status;
    waitpid(server, &status, 0);
    remove_socket(&o, &sa, dir);
    if (!have_cpu || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "las-floor: the server failed or its CPU time is unreadable\n");
        return 3;
    }

    uint64_t n = (o.requests / o.clients) * o.clients;
    double user_us = (double)(cpu1.user_ns - cpu0.user_ns) / 1e3 / (double)n;
    double system_us = (double)(cpu1.system_ns - cpu0.system_ns) / 1e3 / (double)n;
    const char *transport = o.unix_socket ? "unix" : "tcp";
    if (o.json) {
        printf("{\"transport\":\"%s\",\"clients\":%u,\"threads\":%u,\"requests\":%llu,"
               "\"errors\":%llu,\"throughput_per_s\":%.1f,\"server_cpu_us\":%.3f,"
               "\"server_user_us\":%.3f,\"server_system_us\":%.3f,\"sign_cpu_us\":%.3f,"
               "\"ratio\":%.4f}\n",
               transport, o.clients, o.threads, (unsigned long long)n, (unsigned long long)errors,
               (double)n / wall_s, user_us + system_us, user_us, system_us, sign_us,
               (user_us + system_us) / sign_us);
    } else {
        printf("las-floor: %llu requests, %u clients, %u server threads, %s, %llu errors, "
               "%.0f/s\n",
               (unsigned long long)n, o.clients, o.threads,
               o.unix_socket ? "Unix-domain socket" : "loopback TCP", (unsigned long long)errors,
               (double)n / wall_s);
        printf("%-22s %.2f us per request (user %.2f + system %.2f): recv, one signature, "
               "send\n",
               "floor server CPU", user_us + system_us, user_us, system_us);
        printf("%-22s %.2f us CPU (libsodium %s)\n", "raw Ed25519 signature", sign_us,
               sodium_version_string());
        printf("%-22s %.2f (floor server CPU per request / raw signature CPU)\n", "floor ratio",
               (user_us + system_us) / sign_us);
    }
    return errors ? 1 : 0;
}
