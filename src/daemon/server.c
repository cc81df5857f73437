/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/hex.h"
#include "common/log.h"
#include "daemon/acceptor.h"
#include "daemon/host_check.h"
#include "daemon/metrics.h"
#include "identity/platform_state.h"
#include "identity/quote_sign.h"
#include "version.h"

#define METRICS_BUFFER_SIZE 16384
/*
 * libmicrohttpd's memory per connection: request line and headers, and the
 * answer's headers. It clears all of it after every request (a memset that
 * also evicts a signature's worth of cache), so it is small: LAS's requests
 * have a few hundred bytes of headers (docs/http-api.md, Limits).
 */
#define CONNECTION_MEMORY 4096
/* --max-connections when not given, if the descriptor limit allows it (docs/operations.md). */
#define DEFAULT_MAX_CONNECTIONS 4096
/* The descriptor limit LAS raises its soft limit to (within the hard limit) at start. */
#define WANTED_FD_LIMIT 65536
/* Descriptors LAS needs besides its connections: standard streams, the listening socket,
 * the acceptor's two, each worker's wake-up, state and log files, the AESM socket. */
#define RESERVED_FDS(threads) (64 + 2 * (threads))
/* Oversized chunked bodies are read and dropped up to this many bytes, then the connection. */
#define MAX_DISCARDED_BODY 65536

/*
 * One libmicrohttpd daemon with one thread per worker: the acceptor gives
 * each new connection to the worker with the fewest (libmicrohttpd's own
 * thread pool would pick by descriptor number, which can leave 5 of 8
 * connections on one of two workers).
 */
struct http_worker {
    struct las_server *server;
    struct MHD_Daemon *mhd;
    /* Connections handed to this worker and not reported closed; only the
     * acceptor adds, workers subtract. */
    _Atomic unsigned open;
    /* Requests begun and not completed on this worker (graceful stop). Per worker: one
     * counter for all would be written by every CPU on every request. */
    _Atomic long in_flight;
} __attribute__((aligned(64)));

struct las_server {
    struct http_worker *workers;
    unsigned n_workers;
    unsigned next_worker; /* where the acceptor's search starts (ties go round) */
    struct las_acceptor *acceptor;
    struct las_host_check *hosts; /* NULL without a listener (las_server_new alone) */
    int listen_fd;
    uint16_t port;
    struct las_backend *backend;
    const struct las_platform_key *key;
    struct las_metrics metrics;
    uint8_t target_info[LAS_SGX_TARGETINFO_SIZE];
    const struct las_platform_state *state;
    /* The evidence document, built at start or at the first request after
     * hardware quotes became available; immutable once set. */
    pthread_mutex_t evidence_lock;
    char *evidence;
    size_t evidence_len;
    _Atomic int stopping;
};

/*
 * Per-request state. One per connection, allocated when the connection
 * starts and reused by each of its requests (libmicrohttpd handles one
 * request of a connection at a time): no allocation per request.
 */
struct request {
    int fd; /* the connection's descriptor, for the acceptor's deadlines */
    struct timespec start;
    enum las_route route;
    int status;
    size_t body_len;
    int body_too_large;
    size_t discarded; /* bytes of an oversized chunked body thrown away */
    uint8_t body[LAS_SGX_REPORT_SIZE];
};

static uint64_t elapsed_ns(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000000ull +
           (uint64_t)(now.tv_nsec - start->tv_nsec);
}

static void respond(struct las_http_response *r, int status, const char *type, const void *body,
                    size_t len, enum las_http_body kind)
{
    r->status = status;
    r->content_type = type;
    r->kind = kind;
    if (kind == LAS_HTTP_BODY_INLINE) {
        memcpy(r->inline_body, body, len); /* callers keep len <= sizeof inline_body */
        r->body = r->inline_body;
    } else {
        r->body = body;
    }
    r->body_len = len;
}

/* The error body of DESIGN §5: {"error":{"code":...,"message":...}}. */
static void respond_error(struct las_http_response *r, int status, const char *code,
                          const char *message)
{
    char body[512];
    json_t *obj = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    int n = snprintf(body, sizeof body, "%s\n", text ? text : "{}");
    free(text);
    json_decref(obj);
    if (n < 0 || (size_t)n >= sizeof body)
        n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"\"}}\n", code);
    respond(r, status, "application/json", body, (size_t)n, LAS_HTTP_BODY_INLINE);
}

static void respond_status_error(struct las_http_response *r, las_status st)
{
    respond_error(r, las_status_http(st), las_status_name(st), las_status_message(st));
}

static enum las_route route_of(const char *url)
{
    static const struct {
        const char *path;
        enum las_route route;
    } routes[] = {
        {"/v1/target-info", LAS_ROUTE_TARGET_INFO},
        {"/v1/quote", LAS_ROUTE_QUOTE},
        {"/v1/platform", LAS_ROUTE_PLATFORM},
        {"/healthz", LAS_ROUTE_HEALTHZ},
        {"/readyz", LAS_ROUTE_READYZ},
        {"/metrics", LAS_ROUTE_METRICS},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(url, routes[i].path) == 0)
            return routes[i].route;
    }
    return LAS_ROUTE_OTHER;
}

static void handle_quote(struct las_server *s, const uint8_t *body, size_t body_len,
                         bool body_too_large, struct las_http_response *r)
{
    struct las_sgx_report report;
    uint8_t quote[LAS_QUOTE_SIZE];
    las_status st;

    if (body_too_large || body_len != LAS_SGX_REPORT_SIZE) {
        las_metrics_quote(&s->metrics, LAS_ERR_BAD_SIZE);
        char msg[160];
        if (body_too_large)
            snprintf(msg, sizeof msg, "the body must be a %d-byte SGX REPORT; got more",
                     LAS_SGX_REPORT_SIZE);
        else
            snprintf(msg, sizeof msg, "the body must be a %d-byte SGX REPORT; got %zu bytes",
                     LAS_SGX_REPORT_SIZE, body_len);
        respond_error(r, 400, las_status_name(LAS_ERR_BAD_SIZE), msg);
        return;
    }
    st = las_sgx_report_parse(body, body_len, &report);
    if (st == LAS_OK)
        st = s->backend->ops->verify_report(s->backend, &report);
    if (st == LAS_OK) {
        uint16_t flags = s->backend->simulated ? LAS_QUOTE_FLAG_SIMULATED : 0;
        st = las_quote_sign(s->key, flags, (uint64_t)time(NULL), &report.body, quote);
    }
    las_metrics_quote(&s->metrics, st);
    if (st != LAS_OK) {
        if (st == LAS_ERR_REPORT_MAC)
            las_debug("quote refused: REPORT MAC invalid");
        else
            las_warn("quote failed: %s", las_status_message(st));
        respond_status_error(r, st);
        return;
    }
    respond(r, 200, "application/octet-stream", quote, sizeof quote, LAS_HTTP_BODY_INLINE);
}

static void handle_metrics(struct las_server *s, struct las_http_response *r)
{
    char *buf = malloc(METRICS_BUFFER_SIZE);
    if (buf == NULL) {
        respond_status_error(r, LAS_ERR_NO_MEMORY);
        return;
    }
    size_t n =
        las_metrics_render(&s->metrics, LAS_VERSION, s->backend->name, buf, METRICS_BUFFER_SIZE);
    if (n == 0) {
        free(buf);
        respond_status_error(r, LAS_ERR_INTERNAL);
        return;
    }
    respond(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf, n, LAS_HTTP_BODY_HEAP);
}

static void handle_platform(struct las_server *s, struct las_http_response *r);

void las_server_handle(struct las_server *s, const char *method, const char *url,
                       const uint8_t *body, size_t body_len, bool body_too_large,
                       struct las_http_response *r)
{
    enum las_route route = route_of(url);
    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int is_post = strcmp(method, "POST") == 0;

    memset(r, 0, sizeof *r);
    if (route == LAS_ROUTE_OTHER) {
        respond_error(r, 404, "not_found", "no such resource");
        return;
    }
    if (route == LAS_ROUTE_QUOTE ? !is_post : !is_get) {
        respond_error(r, 405, "method_not_allowed", "method not allowed here");
        r->allow = route == LAS_ROUTE_QUOTE ? "POST" : "GET, HEAD";
        return;
    }

    switch (route) {
    case LAS_ROUTE_TARGET_INFO:
        respond(r, 200, "application/octet-stream", s->target_info, sizeof s->target_info,
                LAS_HTTP_BODY_STATIC);
        return;
    case LAS_ROUTE_QUOTE:
        handle_quote(s, body, body_len, body_too_large, r);
        return;
    case LAS_ROUTE_PLATFORM:
        handle_platform(s, r);
        return;
    case LAS_ROUTE_HEALTHZ:
        respond(r, 200, "text/plain", "ok\n", 3, LAS_HTTP_BODY_STATIC);
        return;
    case LAS_ROUTE_READYZ: {
        if (atomic_load(&s->stopping)) {
            respond_error(r, 503, "unavailable", "LAS is shutting down");
            return;
        }
        char why[256];
        if (!s->backend->ops->quote_ready(s->backend, why, sizeof why)) {
            respond_error(r, 503, "unavailable", why);
            return;
        }
        respond(r, 200, "text/plain", "ready\n", 6, LAS_HTTP_BODY_STATIC);
        return;
    }
    case LAS_ROUTE_METRICS:
        handle_metrics(s, r);
        return;
    default:
        respond_error(r, 404, "not_found", "no such resource");
        return;
    }
}

void las_http_response_release(struct las_http_response *r)
{
    if (r->kind == LAS_HTTP_BODY_HEAP)
        free((void *)r->body);
    memset(r, 0, sizeof *r);
}

/* ---- libmicrohttpd glue ------------------------------------------------- */

/* Queues r on conn; the response's body is copied, kept or handed over as its kind says. */
static enum MHD_Result send_response(struct MHD_Connection *conn, struct request *rq,
                                     struct las_http_response *r)
{
    static const enum MHD_ResponseMemoryMode modes[] = {
        [LAS_HTTP_BODY_STATIC] = MHD_RESPMEM_PERSISTENT,
        [LAS_HTTP_BODY_INLINE] = MHD_RESPMEM_MUST_COPY,
        [LAS_HTTP_BODY_HEAP] = MHD_RESPMEM_MUST_FREE,
    };
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->body_len, (void *)r->body, modes[r->kind]);
    if (resp == NULL) {
        las_http_response_release(r);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    enum MHD_Result result = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp); /* owns a heap body from here */
    rq->status = r->status;
    return result;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, struct request *rq, int status,
                                  const char *code, const char *message)
{
    struct las_http_response r;
    memset(&r, 0, sizeof r);
    respond_error(&r, status, code, message);
    return send_response(conn, rq, &r);
}

static int connection_fd(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

static enum MHD_Result dispatch(struct las_server *s, struct MHD_Connection *conn,
                                struct request *rq, const char *url, const char *method)
{
    struct las_http_response r;
    /* The whole request is in: its deadline (--request-timeout) no longer runs. */
    las_acceptor_request_received(s->acceptor, rq->fd);
    las_server_handle(s, method, url, rq->body, rq->body_len, rq->body_too_large, &r);
    return send_response(conn, rq, &r);
}

/*
 * No percent-decoding: LAS's paths need none, and decoding lets "%00" cut a
 * path short ("/v1/target-info%00x" would match /v1/target-info).
 */
static size_t keep_url_escaped(void *cls, struct MHD_Connection *conn, char *uri)
{
    (void)cls;
    (void)conn;
    return strlen(uri);
}

/* The request headers LAS looks at, gathered in one pass over them. */
struct request_headers {
    const char *host, *content_length;
    unsigned n_content_length, n_transfer_encoding;
    bool origin;
};

static enum MHD_Result gather_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct request_headers *h = cls;
    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        if (h->host == NULL)
            h->host = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (h->n_content_length++ == 0)
            h->content_length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        h->n_transfer_encoding++;
    } else if (strcasecmp(key, "Origin") == 0) {
        h->origin = true;
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct http_worker *w = cls;
    struct las_server *s = w->server;
    struct request *rq = *req_cls;
    (void)version;

    if (rq == NULL) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        rq = info ? info->socket_context : NULL;
        if (rq == NULL)
            return MHD_NO; /* its connection state could not be allocated */
        clock_gettime(CLOCK_MONOTONIC, &rq->start);
        rq->route = route_of(url);
        rq->status = 0;
        rq->body_len = 0;
        rq->body_too_large = 0;
        rq->discarded = 0;
        *req_cls = rq;
        atomic_fetch_add_explicit(&w->in_flight, 1, memory_order_relaxed);
        struct request_headers h = {0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, gather_header, &h);
        /* DNS rebinding: a page re-pointed at LAS carries its own name in Host. */
        if (s->hosts && !las_host_check_allows(s->hosts, h.host)) {
            las_debug("http: refused a request for another host (see --allowed-hosts)");
            return send_error(conn, rq, 421, "host_not_allowed",
                              "the Host header names neither this LAS nor its machine (see "
                              "las serve --allowed-hosts)");
        }
        /* Browsers send Origin with cross-origin (and same-origin POST) requests; LAS's
         * clients never do. No CORS answer is ever given. */
        if (h.origin)
            return send_error(conn, rq, 403, "origin_not_allowed",
                              "LAS does not answer requests from web pages");
        /* Refuse an announced oversized body before reading any of it. */
        const char *length = h.content_length;
        if (length && rq->route == LAS_ROUTE_QUOTE && strcmp(method, "POST") == 0 &&
            (strlen(length) > 6 || atol(length) > LAS_SGX_REPORT_SIZE)) {
            rq->body_too_large = 1;
            las_metrics_quote(&s->metrics, LAS_ERR_BAD_SIZE);
            char msg[96];
            snprintf(msg, sizeof msg, "the body must be a %d-byte SGX REPORT", LAS_SGX_REPORT_SIZE);
            return send_error(conn, rq, 400, las_status_name(LAS_ERR_BAD_SIZE), msg);
        }
        /* Several Content-Lengths, or one with Transfer-Encoding: the body's end is ambiguous. */
        if (h.n_content_length > 1 || (h.n_content_length > 0 && h.n_transfer_encoding > 0))
            return send_error(conn, rq, 400, las_status_name(LAS_ERR_MALFORMED),
                              "ambiguous body length (Content-Length repeated or with "
                              "Transfer-Encoding)");
        /*
         * A body sent to an unknown path or with a wrong method is refused
         * before it is read (the connection then closes); without a body the
         * answer waits for the end of the request so the connection stays
         * usable for pipelined requests.
         */
        int is_post = strcmp(method, "POST") == 0;
        int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
        int has_body = (length && strcmp(length, "0") != 0) || h.n_transfer_encoding > 0;
        if (has_body &&
            (rq->route == LAS_ROUTE_OTHER || (rq->route == LAS_ROUTE_QUOTE ? !is_post : !is_get)))
            return dispatch(s, conn, rq, url, method);
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->status != 0)
            return MHD_YES; /* already answered; discard */
        if (rq->body_too_large || n > sizeof rq->body - rq->body_len) {
            /*
             * A chunked body beyond the limit: libmicrohttpd cannot answer
             * mid-upload, so discard up to a bound and answer 400 at its end;
             * beyond the bound, drop the connection.
             */
            rq->body_too_large = 1;
            rq->discarded += n;
            return rq->discarded > MAX_DISCARDED_BODY ? MHD_NO : MHD_YES;
        }
        memcpy(rq->body + rq->body_len, upload_data, n);
        rq->body_len += n;
        return MHD_YES;
    }
    if (rq->status != 0)
        return MHD_YES;
    return dispatch(s, conn, rq, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_worker *w = cls;
    struct las_server *s = w->server;
    struct request *rq = *req_cls;
    (void)conn;
    (void)toe;
    if (rq == NULL)
        return;
    /* The answer is out: the next request's deadline starts now. */
    las_acceptor_answered(s->acceptor, rq->fd);
    las_metrics_request(&s->metrics, rq->route, rq->status, elapsed_ns(&rq->start));
    atomic_fetch_sub_explicit(&w->in_flight, 1, memory_order_relaxed);
    *req_cls = NULL; /* the struct belongs to the connection */
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_worker *w = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct request *rq = calloc(1, sizeof *rq);
        if (rq != NULL)
            rq->fd = connection_fd(conn);
        *socket_context = rq; /* NULL: its requests are refused (on_request) */
        atomic_fetch_add(&w->server->metrics.connections_open, 1);
    } else {
        /* Called before libmicrohttpd closes the descriptor: it cannot be reused yet. */
        atomic_fetch_sub(&w->server->metrics.connections_open, 1);
        atomic_fetch_sub(&w->open, 1);
        las_acceptor_closed(w->server->acceptor, connection_fd(conn));
        free(*socket_context);
        *socket_context = NULL;
    }
}

/* The acceptor's hand-over (on its thread): to the worker with the fewest connections. */
static bool add_connection(void *cls, int fd, const struct sockaddr *addr, socklen_t addr_len)
{
    struct las_server *s = cls;
    struct http_worker *best = NULL;
    unsigned best_open = UINT_MAX;
    for (unsigned k = 0; k < s->n_workers; k++) {
        struct http_worker *w = &s->workers[(s->next_worker + k) % s->n_workers];
        unsigned open = atomic_load(&w->open);
        if (open < best_open) {
            best = w;
            best_open = open;
        }
    }
    s->next_worker = (unsigned)(best - s->workers + 1) % s->n_workers;
    atomic_fetch_add(&best->open, 1);
    if (MHD_add_connection(best->mhd, fd, addr, addr_len) == MHD_YES)
        return true;
    atomic_fetch_sub(&best->open, 1);
    las_warn("http: a new connection was refused: %s", strerror(errno));
    return false;
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    las_debug("http: %s", msg);
}

static las_status bind_listen(const char *addr, int *fd_out, uint16_t *port_out, char *why,
                              size_t why_len)
{
    char host[256], port_str[8];
    uint16_t port;
    struct addrinfo hints, *res = NULL;
    int fd = -1;

    *fd_out = -1;
    if (las_split_hostport(addr, host, sizeof host, &port) != LAS_OK) {
        snprintf(why, why_len, "invalid listen address '%s' (expected HOST:PORT)", addr);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    snprintf(port_str, sizeof port_str, "%u", port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, port_str, &hints, &res);
    if (gai != 0) {
        snprintf(why, why_len, "cannot resolve listen address '%s': %s", addr, gai_strerror(gai));
        return LAS_ERR_INVALID_ARGUMENT;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        int err = errno;
        snprintf(why, why_len, "cannot listen on %s: %s", addr, strerror(err));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        /* The address is taken or not ours: distinct from other failures (exit codes). */
        return err == EADDRINUSE || err == EADDRNOTAVAIL || err == EACCES ? LAS_ERR_UNAVAILABLE
                                                                          : LAS_ERR_IO;
    }
    freeaddrinfo(res);

    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        snprintf(why, why_len, "getsockname: %s", strerror(errno));
        close(fd);
        return LAS_ERR_IO;
    }
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    *fd_out = fd;
    return LAS_OK;
}

/*
 * The evidence of GET /v1/platform. Building it needs a hardware quote, which
 * may be unavailable for a while (AESM down): then it is retried on request.
 */
static las_status ensure_evidence(struct las_server *s)
{
    las_status st = LAS_OK;
    pthread_mutex_lock(&s->evidence_lock);
    if (s->evidence == NULL) {
        st = las_evidence_build(s->backend, s->key, s->state, LAS_VERSION, &s->evidence,
                                &s->evidence_len);
        if (st != LAS_OK)
            las_warn("platform evidence unavailable: %s", las_status_message(st));
    }
    pthread_mutex_unlock(&s->evidence_lock);
    return st;
}

static void handle_platform(struct las_server *s, struct las_http_response *r)
{
    if (ensure_evidence(s) != LAS_OK) {
        respond_error(r, 503, "evidence_unavailable",
                      "the platform evidence (hardware quote) cannot be produced now");
        return;
    }
    respond(r, 200, "application/json", s->evidence, s->evidence_len, LAS_HTTP_BODY_STATIC);
}
las_status las_server_new(struct las_backend *b, const struct las_platform_key *key,
                          const struct las_platform_state *state, struct las_server **out,
                          char *why, size_t why_len)
{
    struct las_sgx_targetinfo ti;
    *out = NULL;
    /* Aligned: its metrics shards and workers are laid out by cache line. */
    struct las_server *s = aligned_alloc(64, (sizeof *s + 63) / 64 * 64);
    if (s != NULL)
        memset(s, 0, sizeof *s);
    if (s == NULL) {
        snprintf(why, why_len, "out of memory");
        return LAS_ERR_NO_MEMORY;
    }
    s->backend = b;
    s->key = key;
    s->state = state;
    s->listen_fd = -1;
    pthread_mutex_init(&s->evidence_lock, NULL);
    las_metrics_init(&s->metrics);
    las_status st = b->ops->target_info(b, &ti);
    if (st != LAS_OK) {
        snprintf(why, why_len, "cannot get LAS's target info: %s", las_status_message(st));
        las_server_free(s);
        return st;
    }
    las_sgx_targetinfo_serialize(&ti, s->target_info);
    if (b->ops->quote_ready(b, why, why_len))
        (void)ensure_evidence(s); /* failures are logged and retried on request */
    *out = s;
    return LAS_OK;
}

void las_server_free(struct las_server *s)
{
    if (s == NULL)
        return;
    las_acceptor_stop(s->acceptor);
    for (unsigned i = 0; i < s->n_workers; i++) {
        if (s->workers[i].mhd) /* closes its connections: reported to the acceptor */
            MHD_stop_daemon(s->workers[i].mhd);
    }
    free(s->workers);
    las_acceptor_free(s->acceptor);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    las_host_check_free(s->hosts);
    pthread_mutex_destroy(&s->evidence_lock);
    free(s->evidence);
    free(s);
}

/*
 * Raises the soft descriptor limit towards WANTED_FD_LIMIT (or what an
 * explicit --max-connections needs), within the hard limit, and picks the
 * connection limit: --max-connections if it fits, else a refusal that says
 * what to raise; by default DEFAULT_MAX_CONNECTIONS, or fewer if the
 * descriptors do not allow it.
 */
static las_status fit_connection_limit(unsigned requested, unsigned threads, unsigned *out,
                                       char *why, size_t why_len)
{
    struct rlimit rl;
    rlim_t reserve = RESERVED_FDS(threads);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(why, why_len, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
        return LAS_ERR_IO;
    }
    rlim_t want = requested > 0 && requested + reserve > WANTED_FD_LIMIT ? requested + reserve
                                                                         : WANTED_FD_LIMIT;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        struct rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
        else
            las_warn("cannot raise the file descriptor limit to %llu: %s",
                     (unsigned long long)raised.rlim_cur, strerror(errno));
    }
    rlim_t fds = rl.rlim_cur == RLIM_INFINITY ? want : rl.rlim_cur;
    rlim_t room = fds > reserve ? fds - reserve : 0;
    if (requested > 0 && requested > room) {
        snprintf(why, why_len,
                 "--max-connections %u needs %llu file descriptors, but the limit is %llu (hard "
                 "limit %llu): raise it (LimitNOFILE=, ulimit -n) or lower --max-connections",
                 requested, (unsigned long long)(requested + reserve), (unsigned long long)fds,
                 (unsigned long long)rl.rlim_max);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    if (requested == 0 && room < 1) {
        snprintf(why, why_len,
                 "the file descriptor limit %llu leaves no room for connections (LAS keeps %llu "
                 "for itself): raise it (LimitNOFILE=, ulimit -n)",
                 (unsigned long long)fds, (unsigned long long)reserve);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    *out = requested > 0                    ? requested
           : room < DEFAULT_MAX_CONNECTIONS ? (unsigned)room
                                            : DEFAULT_MAX_CONNECTIONS;
    if (requested == 0 && *out < DEFAULT_MAX_CONNECTIONS)
        las_warn("the file descriptor limit %llu allows only %u connections (default %d): raise it "
                 "(LimitNOFILE=, ulimit -n)",
                 (unsigned long long)fds, *out, DEFAULT_MAX_CONNECTIONS);
    las_info("connections: at most %u (file descriptor limit %llu)", *out, (unsigned long long)fds);
    return LAS_OK;
}

las_status las_server_start(const struct las_config *cfg, struct las_backend *b,
                            const struct las_platform_key *key,
                            const struct las_platform_state *state, struct las_server **out,
                            char *why, size_t why_len)
{
    struct las_server *s = NULL;
    *out = NULL;
    las_status st = las_server_new(b, key, state, &s, why, why_len);
    if (st != LAS_OK)
        return st;
    st = bind_listen(cfg->listen, &s->listen_fd, &s->port, why, why_len);
    if (st != LAS_OK)
        goto fail;
    char listen_host[256];
    uint16_t listen_port;
    st = las_split_hostport(cfg->listen, listen_host, sizeof listen_host, &listen_port);
    if (st == LAS_OK)
        st = las_host_check_new(listen_host, cfg->allowed_hosts, &s->hosts, why, why_len);
    if (st != LAS_OK)
        goto fail;
    if (las_host_check_is_off(s->hosts))
        las_warn("Host check off (--allowed-hosts '*'): web pages that rebind a DNS name to "
                 "this machine can read LAS's answers");
    else
        las_info("Host check: answering localhost, this machine's addresses and the listen "
                 "host%s",
                 cfg->allowed_hosts[0] ? ", and --allowed-hosts" : "");

    unsigned threads = cfg->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    unsigned max_connections;
    st = fit_connection_limit(cfg->max_connections, threads, &max_connections, why, why_len);
    if (st != LAS_OK)
        goto fail;
    char per_peer[16] = "no limit";
    if (cfg->max_connections_per_peer > 0)
        snprintf(per_peer, sizeof per_peer, "%u", cfg->max_connections_per_peer);
    las_info("connections: %s per peer address; each request whole within %us, idle at most %us",
             per_peer, cfg->request_timeout, cfg->connection_timeout);
    s->workers = aligned_alloc(64, threads * sizeof *s->workers); /* a multiple of 64 */
    if (s->workers != NULL)
        memset(s->workers, 0, threads * sizeof *s->workers);
    if (s->workers == NULL) {
        snprintf(why, why_len, "out of memory");
        st = LAS_ERR_NO_MEMORY;
        goto fail;
    }
    /*
     * poll, not epoll: libmicrohttpd 0.9.75's epoll mode misses a client's
     * close that arrives with its last bytes, so such connections hold a slot
     * until the connection timeout (tests/integration/test_abuse.sh, churn).
     * No listening socket: LAS's acceptor thread (daemon/acceptor.h) accepts,
     * enforces --max-connections and hands each connection to a worker;
     * MHD_USE_ITC wakes the worker for it. libmicrohttpd's own limit is only
     * a backstop, set high enough that it never refuses a hand-over: twice
     * the limit, as a closed connection is reported a moment before the
     * worker stops counting it.
     */
    for (unsigned i = 0; i < threads; i++) {
        struct http_worker *w = &s->workers[i];
        w->server = s;
        w->mhd = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG,
            0, NULL, NULL, on_request, w, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
            MHD_OPTION_CONNECTION_LIMIT, 2 * max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
            cfg->connection_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, w, MHD_OPTION_UNESCAPE_CALLBACK, keep_url_escaped, NULL, MHD_OPTION_END);
        if (w->mhd == NULL) {
            snprintf(why, why_len, "cannot start the HTTP server on %s", cfg->listen);
            st = LAS_ERR_IO;
            goto fail;
        }
        s->n_workers++;
    }
    struct las_acceptor_config acfg = {
        .listen_fd = s->listen_fd,
        .max_connections = max_connections,
        .max_per_peer = cfg->max_connections_per_peer,
        .request_timeout_s = cfg->request_timeout,
        .add = add_connection,
        .cls = s,
        .metrics = &s->metrics,
    };
    st = las_acceptor_start(&acfg, &s->acceptor, why, why_len);
    if (st != LAS_OK)
        goto fail;
    *out = s;
    return LAS_OK;
fail:
    las_server_free(s);
    return st;
}

uint16_t las_server_port(const struct las_server *s)
{
    return s->port;
}

static long in_flight(struct las_server *s)
{
    long n = 0;
    for (unsigned i = 0; i < s->n_workers; i++)
        n += atomic_load(&s->workers[i].in_flight);
    return n;
}

void las_server_stop(struct las_server *s, unsigned timeout_s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, 1);
    /* Stop accepting: new connections are refused by the kernel from here. */
    las_acceptor_stop(s->acceptor);
    close(s->listen_fd);
    s->listen_fd = -1;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (in_flight(s) > 0 && elapsed_ns(&start) < timeout_s * 1000000000ull) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    long left = in_flight(s);
    if (left > 0)
        las_warn("shutdown: %ld request(s) still in flight after %us; closing them", left,
                 timeout_s);
    las_server_free(s);
}
