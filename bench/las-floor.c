/* SPDX-License-Identifier: Apache-2.0 */
/*
 * las-floor: what one attestation costs the least possible server on this
 * machine (bench/README.md, "The floor").
 *
 * A server process and --clients client threads in this process exchange
 * the same bytes as las-bench and LAS: an HTTP/1.1 POST of 432 bytes,
 * answered by an HTTP 200 with a 520-byte body. In the server an accepting
 * thread deals connections round-robin to one epoll worker per CPU (or,
 * with --reuseport, each worker accepts on its own SO_REUSEPORT socket).
 * Per request a worker finds the end of the headers and the Content-Length
 * body, makes one libsodium crypto_sign_detached over 469 bytes (what LAS
 * signs) and does one send: no HTTP parsing beyond that, no REPORT check, no
 * quote layout. Its CPU time per request is the floor LAS is measured
 * against (ratio LAS / floor), over one TCP (or, with --unix, Unix socket)
 * exchange per attestation. --serve runs the server alone, for other load
 * generators (wrk).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/epoll.h>
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
#include "common/file.h"
#include "identity/quote_sign.h"
#include "las/quote.h"
#include "las/sgx.h"

#define MAX_CLIENTS 256
#define MAX_THREADS 64
#define MAX_IDLE    10000
#define REQUEST_HEAD                                                                               \
    "POST /v1/quote HTTP/1.1\r\nHost: floor\r\nContent-Type: "                                     \
    "application/octet-stream\r\nContent-Length: 432\r\n\r\n"
#define ANSWER_HEAD                                                                                \
    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 520\r\n\r\n"
#define REQUEST_SIZE (sizeof REQUEST_HEAD - 1 + LAS_SGX_REPORT_SIZE)
#define ANSWER_SIZE  (sizeof ANSWER_HEAD - 1 + LAS_QUOTE_SIZE)

struct options {
    unsigned clients, threads;
    unsigned idle; /* extra connections held open without a request */
    uint64_t requests, warmup;
    unsigned sign_iterations;
    bool unix_socket;
    bool json;
    bool reuseport;    /* each worker accepts on its own SO_REUSEPORT socket */
    bool mhd;          /* the server is libmicrohttpd doing only the signature */
    bool mhd_epoll;    /* ... in its epoll mode with MHD_USE_TURBO instead of poll */
    const char *serve; /* --serve HOST:PORT: only the server, until killed */
};

/* ---- the server (a child process) ---------------------------------------- */

/*
 * The server: an accepting thread deals connections round-robin to one
 * epoll worker per CPU (or, with --reuseport, each worker accepts on its own
 * SO_REUSEPORT socket). Per request a worker finds the end of the headers and
 * the Content-Length body, makes one crypto_sign_detached and does one send.
 */
#define CONN_BUFFER 4096
#define MAX_EVENTS  64

struct floor_conn {
    int fd;
    size_t have;
    uint8_t buf[CONN_BUFFER];
};

struct server_thread {
    pthread_t thread;
    int epoll_fd;
    int listen_fd; /* --reuseport: this worker's own listener, else -1 */
    const unsigned char *sk;
    _Atomic unsigned *open; /* connections not yet closed, all workers (0 ends a measured run) */
    bool serve_forever;
};

/* Length of a complete request at the start of buf (headers + Content-Length body), or 0. */
static size_t complete_request(const uint8_t *buf, size_t have, size_t *body_at)
{
    const uint8_t *eoh = memmem(buf, have, "\r\n\r\n", 4);
    if (eoh == NULL)
        return 0;
    size_t head = (size_t)(eoh - buf) + 4, body = 0;
    const uint8_t *cl = memmem(buf, head, "Content-Length:", 15);
    if (cl == NULL)
        cl = memmem(buf, head, "content-length:", 15);
    if (cl != NULL)
        body = strtoul((const char *)cl + 15, NULL, 10);
    if (body > CONN_BUFFER || head + body > have)
        return 0;
    *body_at = head;
    return head + body;
}

static void close_conn(struct server_thread *t, struct floor_conn *c)
{
    epoll_ctl(t->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
    atomic_fetch_sub(t->open, 1);
}

static void add_conn(struct server_thread *t, int fd)
{
    struct floor_conn *c = malloc(sizeof *c);
    if (c == NULL) {
        close(fd);
        atomic_fetch_sub(t->open, 1);
        return;
    }
    c->fd = fd;
    c->have = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        free(c);
        atomic_fetch_sub(t->open, 1);
    }
}

/* Reads what arrived on c and answers every complete request in it; false: closed. */
static bool on_readable(struct server_thread *t, struct floor_conn *c, uint8_t *out, uint8_t *msg)
{
    ssize_t n = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
    if (n <= 0)
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    c->have += (size_t)n;
    size_t body_at, len;
    while ((len = complete_request(c->buf, c->have, &body_at)) > 0) {
        /* The signed bytes carry the REPORT body, as in a LAS quote. */
        size_t body = len - body_at;
        memcpy(msg, c->buf + body_at,
               body < LAS_SGX_REPORT_BODY_SIZE ? body : LAS_SGX_REPORT_BODY_SIZE);
        crypto_sign_detached(out + ANSWER_SIZE - crypto_sign_BYTES, NULL, msg,
                             LAS_QUOTE_SIGNING_INPUT_SIZE, t->sk);
        if (send(c->fd, out, ANSWER_SIZE, MSG_NOSIGNAL) != (ssize_t)ANSWER_SIZE)
            return false;
        memmove(c->buf, c->buf + len, c->have - len);
        c->have -= len;
    }
    return c->have < sizeof c->buf; /* a request larger than the buffer: drop it */
}

static void *serve(void *arg)
{
    struct server_thread *t = arg;
    struct epoll_event ev[MAX_EVENTS];
    uint8_t out[ANSWER_SIZE], msg[LAS_QUOTE_SIGNING_INPUT_SIZE];
    memcpy(out, ANSWER_HEAD, sizeof ANSWER_HEAD - 1);
    memset(out + sizeof ANSWER_HEAD - 1, 0, LAS_QUOTE_SIZE);
    memset(msg, 0, sizeof msg);
    while (t->serve_forever || atomic_load(t->open) > 0) {
        int n = epoll_wait(t->epoll_fd, ev, MAX_EVENTS, t->serve_forever ? -1 : 100);
        if (n < 0 && errno != EINTR) {
            perror("las-floor: epoll_wait");
            exit(3);
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == NULL) { /* --reuseport: our own listener */
                int fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0)
                    add_conn(t, fd);
                continue;
            }
            struct floor_conn *c = ev[i].data.ptr;
            if (!on_readable(t, c, out, msg))
                close_conn(t, c);
        }
    }
    return NULL;
}

/* ---- --mhd: libmicrohttpd with nothing but the signature ------------------ */

/*
 * The same work as the floor's workers, inside libmicrohttpd configured as
 * LAS configures it (poll, --threads threads, 16 KiB per connection): the
 * difference to the floor is what libmicrohttpd itself costs per request.
 */
struct mhd_floor {
    const unsigned char *sk;
    _Atomic unsigned open;
};

struct mhd_request {
    size_t len;
    uint8_t body[LAS_SGX_REPORT_SIZE];
};

static enum MHD_Result mhd_answer(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    struct mhd_floor *f = cls;
    struct mhd_request *rq = *req_cls;
    (void)url;
    (void)method;
    (void)version;
    if (rq == NULL) {
        rq = calloc(1, sizeof *rq);
        *req_cls = rq;
        return rq ? MHD_YES : MHD_NO;
    }
    if (*upload_size > 0) {
        size_t room = sizeof rq->body - rq->len;
        size_t n = *upload_size < room ? *upload_size : room;
        memcpy(rq->body + rq->len, upload, n);
        rq->len += n;
        *upload_size = 0;
        return MHD_YES;
    }
    uint8_t quote[LAS_QUOTE_SIZE], msg[LAS_QUOTE_SIGNING_INPUT_SIZE];
    memset(quote, 0, sizeof quote);
    memset(msg, 0, sizeof msg);
    memcpy(msg, rq->body, LAS_SGX_REPORT_BODY_SIZE);
    crypto_sign_detached(quote + LAS_QUOTE_SIZE - crypto_sign_BYTES, NULL, msg, sizeof msg, f->sk);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof quote, quote, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
    enum MHD_Result r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return r;
}

static void mhd_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

static void mhd_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                           enum MHD_ConnectionNotificationCode toe)
{
    struct mhd_floor *f = cls;
    (void)conn;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
        atomic_fetch_sub(&f->open, 1);
}

static int mhd_server_main(int listen_fd, const struct options *o, unsigned clients, int ready_fd)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    static struct mhd_floor f;
    crypto_sign_keypair(pk, sk);
    f.sk = sk;
    atomic_store(&f.open, clients);
    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
            (o->mhd_epoll ? MHD_USE_EPOLL | MHD_USE_TURBO : MHD_USE_POLL),
        0, NULL, NULL, mhd_answer, &f, MHD_OPTION_LISTEN_SOCKET, listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)16384, MHD_OPTION_NOTIFY_COMPLETED, mhd_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, mhd_connection, &f, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "las-floor: cannot start libmicrohttpd\n");
        return 3;
    }
    if (ready_fd >= 0) {
        ssize_t w = write(ready_fd, "r", 1);
        (void)w;
        close(ready_fd);
    }
    /* A measured run ends when its clients have come and gone; --serve never ends. */
    while (clients == 0 || atomic_load(&f.open) > 0)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    MHD_stop_daemon(d);
    sodium_memzero(sk, sizeof sk);
    return 0;
}

/*
 * Serves until `clients` connections have come and gone (a measured run),
 * or forever (--serve, clients == 0).
 */
static int server_main(int listen_fd, const struct sockaddr_storage *sa, socklen_t sa_len,
                       const struct options *o, unsigned clients, int ready_fd)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    static struct server_thread threads[MAX_THREADS];
    static _Atomic unsigned open;
    if (o->mhd)
        return mhd_server_main(listen_fd, o, clients, ready_fd);
    crypto_sign_keypair(pk, sk);
    atomic_store(&open, clients);
    for (unsigned i = 0; i < o->threads; i++) {
        struct server_thread *t = &threads[i];
        *t = (struct server_thread){
            .listen_fd = -1, .sk = sk, .open = &open, .serve_forever = clients == 0};
        t->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (t->epoll_fd < 0) {
            perror("las-floor: epoll_create1");
            return 3;
        }
        if (o->reuseport) {
            /* Each worker its own listener on the same port; the kernel spreads connections. */
            int one = 1;
            t->listen_fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (t->listen_fd < 0 ||
                setsockopt(t->listen_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
                bind(t->listen_fd, (const struct sockaddr *)sa, sa_len) != 0 ||
                listen(t->listen_fd, MAX_CLIENTS) != 0) {
                perror("las-floor: SO_REUSEPORT listener");
                return 3;
            }
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
            epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, t->listen_fd, &ev);
        }
    }
    if (o->reuseport)
        close(listen_fd); /* bound with SO_REUSEPORT too; the workers' sockets take over */
    if (ready_fd >= 0) {
        ssize_t w = write(ready_fd, "r", 1);
        (void)w;
        close(ready_fd);
    }
    for (unsigned i = 0; i < o->threads; i++) {
        if (pthread_create(&threads[i].thread, NULL, serve, &threads[i]) != 0) {
            fprintf(stderr, "las-floor: cannot start a server thread\n");
            return 3;
        }
    }
    /* The accepting thread (this one): round-robin over the workers. */
    for (unsigned i = 0; !o->reuseport && (clients == 0 || i < clients); i++) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("las-floor: accept");
            return 3;
        }
        add_conn(&threads[i % o->threads], fd);
    }
    for (unsigned i = 0; i < o->threads; i++)
        pthread_join(threads[i].thread, NULL);
    sodium_memzero(sk, sizeof sk);
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
    uint8_t answer[CONN_BUFFER];
    randombytes_buf(req + sizeof REQUEST_HEAD - 1, 64); /* a fresh report_data each time */
    if (send(c->fd, req, REQUEST_SIZE, MSG_NOSIGNAL) != (ssize_t)REQUEST_SIZE)
        return false;
    /* Any HTTP/1.1 200 with a 520-byte body (--mhd answers with more headers). */
    size_t got = 0, len = 0, body_at = 0;
    while (len == 0 || got < len) {
        ssize_t n = recv(c->fd, answer + got, sizeof answer - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
        if (len == 0 && (len = complete_request(answer, got, &body_at)) == 0 &&
            got == sizeof answer)
            return false;
        if (len == 0) {
            const uint8_t *eoh = memmem(answer, got, "\r\n\r\n", 4);
            if (eoh != NULL && memmem(answer, (size_t)(eoh - answer), "ength: 520", 10) == NULL)
                return false;
        }
    }
    return got == len && len - body_at == LAS_QUOTE_SIZE &&
           memcmp(answer, "HTTP/1.1 200 ", 13) == 0;
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
            "  --reuseport          each server thread accepts on its own SO_REUSEPORT socket\n"
            "                       (default: one accepting thread deals connections round-robin)\n"
            "  --mhd                the server is libmicrohttpd (poll, --threads threads, as LAS\n"
            "                       sets it up) doing only the signature: what it costs itself\n"
            "  --mhd-epoll          the same in libmicrohttpd's epoll mode with MHD_USE_TURBO\n"
            "  --idle N             meanwhile hold N more connections open that send nothing\n"
            "  --serve HOST:PORT    run only the server there, until killed (e.g. for wrk)\n"
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
        {"reuseport", no_argument, NULL, 'p'},
        {"mhd", no_argument, NULL, 'm'},
        {"mhd-epoll", no_argument, NULL, 'e'},
        {"idle", required_argument, NULL, 'i'},
        {"serve", required_argument, NULL, 'S'},
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
        case 'p':
            o->reuseport = true;
            break;
        case 'm':
            o->mhd = true;
            break;
        case 'i':
            ok = parse_u64(optarg, 0, MAX_IDLE, &v);
            o->idle = (unsigned)v;
            break;
        case 'e':
            o->mhd = o->mhd_epoll = true;
            break;
        case 'S':
            o->serve = optarg;
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
    if (o->mhd && (o->unix_socket || o->reuseport)) {
        fprintf(stderr, "las-floor: --mhd listens on TCP, with libmicrohttpd's own threads\n");
        return 2;
    }
    if (o->serve && o->unix_socket) {
        fprintf(stderr, "las-floor: --serve listens on TCP only\n");
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
        if (las_path_join(un->sun_path, sizeof un->sun_path, dir, "floor.sock") != LAS_OK)
            return -1;
        *len = sizeof *un;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof *in;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd >= 0 && o->reuseport)
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
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

/* --serve HOST:PORT: the server alone, in the foreground, until killed. */
static int serve_only(const struct options *o)
{
    char host[256];
    const char *colon = strrchr(o->serve, ':');
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    if (colon == NULL || (size_t)(colon - o->serve) >= sizeof host) {
        fprintf(stderr, "las-floor: --serve needs HOST:PORT\n");
        return 2;
    }
    memcpy(host, o->serve, (size_t)(colon - o->serve));
    host[colon - o->serve] = '\0';
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
        fprintf(stderr, "las-floor: cannot resolve %s\n", o->serve);
        return 2;
    }
    struct sockaddr_storage sa;
    socklen_t sa_len = res->ai_addrlen;
    memcpy(&sa, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    int one = 1, fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (o->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(fd, (struct sockaddr *)&sa, sa_len) != 0 || listen(fd, 1024) != 0) {
        fprintf(stderr, "las-floor: cannot listen on %s: %s\n", o->serve, strerror(errno));
        return 3;
    }
    printf("las-floor: serving on %s (%u threads%s)\n", o->serve, o->threads,
           o->reuseport ? ", SO_REUSEPORT" : "");
    fflush(stdout);
    return server_main(fd, &sa, sa_len, o, 0, -1);
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
    if (o.serve)
        return serve_only(&o);
    double sign_us = measure_sign_ns(o.sign_iterations) / 1e3;

    struct sockaddr_storage sa;
    socklen_t sa_len;
    char dir[] = "/tmp/las-floor-XXXXXX";
    int listen_fd = make_listener(&o, &sa, &sa_len, dir);
    if (listen_fd < 0) {
        fprintf(stderr, "las-floor: cannot listen: %s\n", strerror(errno));
        return 3;
    }
    /* Fork before any thread exists; the server's CPU time is then its own process's. The
     * child says when it listens (with --reuseport its own sockets exist only then). */
    int ready[2];
    if (pipe(ready) != 0) {
        perror("las-floor: pipe");
        return 3;
    }
    pid_t server = fork();
    if (server < 0) {
        perror("las-floor: fork");
        return 3;
    }
    if (server == 0) {
        close(ready[0]);
        _exit(server_main(listen_fd, &sa, sa_len, &o, o.clients + o.idle, ready[1]));
    }
    close(listen_fd);
    close(ready[1]);
    char byte;
    if (read(ready[0], &byte, 1) != 1) {
        fprintf(stderr, "las-floor: the server did not start\n");
        stop_server(server, &o, &sa, dir);
        return 3;
    }
    close(ready[0]);

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
    /* Idle connections, opened after the clients' (which the dealing thread spreads evenly). */
    static int idle_fds[MAX_IDLE];
    for (unsigned i = 0; i < o.idle; i++) {
        idle_fds[i] = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (idle_fds[i] < 0 || connect(idle_fds[i], (struct sockaddr *)&sa, sa_len) != 0) {
            fprintf(stderr, "las-floor: cannot connect: %s\n", strerror(errno));
            stop_server(server, &o, &sa, dir);
            return 3;
        }
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
        if (i == o.clients - 1) /* the server ends when every connection is gone */
            for (unsigned k = 0; k < o.idle; k++)
                close(idle_fds[k]);
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
        json_t *j = json_pack("{s:s,s:b,s:b,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f}", "transport",
                              transport, "reuseport", o.reuseport, "mhd", o.mhd, "clients",
                              (json_int_t)o.clients, "threads", (json_int_t)o.threads, "requests",
                              (json_int_t)n, "errors", (json_int_t)errors, "throughput_per_s",
                              (double)n / wall_s, "server_cpu_us", user_us + system_us,
                              "server_user_us", user_us, "server_system_us", system_us,
                              "sign_cpu_us", sign_us, "ratio", (user_us + system_us) / sign_us);
        char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
        json_decref(j);
        if (text == NULL)
            return 3;
        printf("%s\n", text);
        free(text);
    } else {
        printf("las-floor: %llu requests, %u clients, %u epoll server threads (%s), %s, %llu "
               "errors, %.0f/s\n",
               (unsigned long long)n, o.clients, o.threads,
               o.mhd         ? "libmicrohttpd's thread pool, poll"
               : o.reuseport ? "SO_REUSEPORT each"
                             : "dealt by an accepting thread",
               o.unix_socket ? "Unix-domain socket" : "loopback TCP", (unsigned long long)errors,
               (double)n / wall_s);
        printf("%-22s %.2f us per request (user %.2f + system %.2f): recv, find the request, "
               "one signature, send\n",
               "floor server CPU", user_us + system_us, user_us, system_us);
        printf("%-22s %.2f us CPU (libsodium %s)\n", "raw Ed25519 signature", sign_us,
               sodium_version_string());
        printf("%-22s %.2f (floor server CPU per request / raw signature CPU)\n", "floor ratio",
               (user_us + system_us) / sign_us);
    }
    return errors ? 1 : 0;
}
