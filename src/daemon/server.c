/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
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
 * A request's line and headers may take this many bytes (URL, names and
 * values, as the parser hands them over): beyond it the answer is 431, or
 * 414 when the URL alone is longer than MAX_URL (docs/http-api.md, Limits).
 */
#define MAX_HEAD 4096
#define MAX_URL  2048
/* A connection's input buffer: one read; a request of LAS's fits in one. */
#define INPUT_BUFFER 4096
/* --max-connections when not given, if the descriptor limit allows it (docs/operations.md). */
#define DEFAULT_MAX_CONNECTIONS 4096
/* The descriptor limit LAS raises its soft limit to (within the hard limit) at start. */
#define WANTED_FD_LIMIT 65536
/* Descriptors LAS needs besides its connections: standard streams, the listening socket, the
 * acceptor's two, each worker's epoll set and wake-up, state and log files, the AESM socket. */
#define RESERVED_FDS(threads) (64 + 2 * (threads))
/* Oversized chunked bodies are read and dropped up to this many bytes, then the connection. */
#define MAX_DISCARDED_BODY 65536
/* A lingering close (see conn_finish) reads and drops this much, for this long, at most. */
#define MAX_LINGER_BYTES 65536
#define LINGER_NS        2000000000ull

struct conn;

/*
 * One HTTP worker per CPU: a thread with its own epoll set. The acceptor gives each new
 * connection to the worker with the fewest: it queues the connection on the worker's hand-over list
 * and wakes it (eventfd).
 */
struct http_worker {
    struct las_server *server;
    pthread_t thread;
    bool started;
    int epoll_fd;
    int wake_fd; /* eventfd: new connections queued, or stop */
    pthread_mutex_t handover_lock;
    struct conn *handover; /* connections handed over, not yet taken by the worker */
    _Atomic bool stop;
    struct conn *conns; /* the worker's connections (its thread only, then las_server_free) */
    char date[40];      /* "Date: ...\r\n" of the current second */
    time_t date_second;
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
    unsigned connection_timeout_s;
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

/* Which request header the parser is handing over. */
enum header_kind {
    HDR_OTHER,
    HDR_HOST,
    HDR_CONTENT_LENGTH,
    HDR_TRANSFER_ENCODING,
    HDR_ORIGIN,
    HDR_EXPECT
};

/*
 * One connection and the request being read on it. The parser
 * (libhttp-parser) is fed what arrives; it stops (pauses) after each
 * request, whose answer is sent before the next request is parsed.
 */
struct conn {
    struct conn *prev, *next;
    struct http_worker *w;
    struct las_server *s;
    int fd; /* -1: no socket (las_server_handle_bytes); answers go to sink */
    void (*sink)(void *cls, const void *data, size_t len);
    void *sink_cls;
    http_parser parser;
    uint64_t last_active_ns;
    bool paused;       /* the parser stopped after a request or an early answer */
    bool answer_done;  /* the request being answered is complete once its answer is out */
    bool close_after;  /* close once the pending answer is out */
    bool watching_out; /* registered for EPOLLOUT (answer partly sent) */
    bool lingering;    /* the last answer is out: input is read and dropped until EOF */
    uint64_t linger_start_ns;
    size_t lingered;
    /* output not yet sent */
    uint8_t *out;
    size_t out_len, out_off;
    /* the current request */
    bool in_request;
    bool head_complete; /* the request line and headers are parsed */
    bool answered;      /* answered before its end: the rest is read and dropped */
    struct timespec start;
    enum las_route route;
    int status;
    size_t head_bytes;
    char url[MAX_URL + 1];
    size_t url_len;
    bool url_too_long, head_too_large;
    bool blank_in_name; /* a header name with SP or HTAB (libhttp-parser lets it through) */
    char field[24];
    size_t field_len;
    bool in_value;
    enum header_kind kind;
    char host[256];
    size_t host_len;
    unsigned n_host;
    bool host_too_long, origin;
    char expect[16]; /* the Expect value ("100-continue" is the only one known) */
    size_t expect_len;
    unsigned n_expect;
    bool send_continue; /* answer "100 Continue" once the head is parsed and no body came */
    unsigned n_content_length, n_transfer_encoding;
    size_t body_len;
    bool body_too_large, drop;
    size_t discarded;
    uint8_t body[LAS_SGX_REPORT_SIZE];
    /* input not yet parsed */
    size_t in_len, in_off;
    char in[INPUT_BUFFER];
};

static uint64_t now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}
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

/* ---- HTTP/1.1 on LAS's own epoll workers, parsed by libhttp-parser -------- */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 421:
        return "Misdirected Request";
    case 417:
        return "Expectation Failed";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

/* The Date header of this second (RFC 9110 IMF-fixdate), remade once a second. */
static const char *date_header(struct http_worker *w, char *own, size_t own_len)
{
    time_t t = time(NULL);
    char *buf = w ? w->date : own;
    size_t len = w ? sizeof w->date : own_len;
    if (w == NULL || t != w->date_second) {
        struct tm tm;
        gmtime_r(&t, &tm);
        if (strftime(buf, len, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm) == 0)
            buf[0] = '\0';
        if (w)
            w->date_second = t;
    }
    return buf;
}

static void close_conn(struct conn *c);

/* Writes what is pending; false when the connection was closed (an error). */
static bool send_pending(struct conn *c, const struct iovec *iov, int n_iov)
{
    size_t total = 0;
    for (int i = 0; i < n_iov; i++)
        total += iov[i].iov_len;
    if (c->fd < 0) {
        for (int i = 0; i < n_iov; i++)
            c->sink(c->sink_cls, iov[i].iov_base, iov[i].iov_len);
        return true;
    }
    struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n_iov};
    ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return false;
        n = 0;
    }
    c->last_active_ns = now_ns();
    if ((size_t)n == total)
        return true;
    /* Partly sent: keep the rest until the socket takes it. */
    size_t rest = total - (size_t)n;
    uint8_t *out = malloc(rest);
    if (out == NULL)
        return false;
    size_t skip = (size_t)n, k = 0;
    for (int i = 0; i < n_iov; i++) {
        const uint8_t *p = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        memcpy(out + k, p + skip, len - skip);
        k += len - skip;
        skip = 0;
    }
    free(c->out);
    c->out = out;
    c->out_len = rest;
    c->out_off = 0;
    return true;
}

/* Queues (sends, as far as the socket takes it) r as the answer to the current request. */
/* An answer's head, built without printf (which cost 2,000 instructions per answer). */
struct head {
    char buf[512];
    size_t len;
    bool overflow;
};

static void head_add(struct head *h, const char *text)
{
    size_t n = strlen(text);
    if (n > sizeof h->buf - h->len) {
        h->overflow = true;
        return;
    }
    memcpy(h->buf + h->len, text, n);
    h->len += n;
}

static void head_add_number(struct head *h, size_t v)
{
    char digits[24];
    size_t k = sizeof digits;
    digits[--k] = '\0';
    do {
        digits[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    head_add(h, digits + k);
}

/* Queues (sends, as far as the socket takes it) r as the answer to the current request. */
static void answer(struct conn *c, struct las_http_response *r, bool head_only)
{
    char own_date[40];
    struct head h = {.len = 0, .overflow = false};
    head_add(&h, "HTTP/1.1 ");
    head_add_number(&h, (size_t)r->status);
    head_add(&h, " ");
    head_add(&h, reason_phrase(r->status));
    head_add(&h, "\r\n");
    head_add(&h, date_header(c->w, own_date, sizeof own_date));
    head_add(&h, "Content-Type: ");
    head_add(&h, r->content_type);
    head_add(&h, "\r\nCache-Control: no-store\r\n");
    if (r->allow) {
        head_add(&h, "Allow: ");
        head_add(&h, r->allow);
        head_add(&h, "\r\n");
    }
    if (c->close_after)
        head_add(&h, "Connection: close\r\n");
    else if (c->head_complete && c->parser.http_minor == 0) /* HTTP/1.0 asked for keep-alive */
        head_add(&h, "Connection: keep-alive\r\n");
    head_add(&h, "Content-Length: ");
    head_add_number(&h, r->body_len);
    head_add(&h, "\r\n\r\n");
    c->status = r->status;
    struct iovec iov[2] = {{h.buf, h.len}, {(void *)r->body, head_only ? 0 : r->body_len}};
    if (h.overflow || !send_pending(c, iov, 2))
        c->drop = true; /* cannot answer: the connection closes */
    las_http_response_release(r);
}

/* A HEAD request (its head parsed): its answers, errors too, carry no body. */
static bool is_head(const struct conn *c)
{
    return c->head_complete && c->parser.method == HTTP_HEAD;
}

static void answer_error(struct conn *c, int status, const char *code, const char *message)
{
    struct las_http_response r;
    memset(&r, 0, sizeof r);
    respond_error(&r, status, code, message);
    answer(c, &r, is_head(c));
}

static void request_reset(struct conn *c)
{
    c->in_request = false;
    c->head_complete = false;
    c->answered = false;
    c->route = LAS_ROUTE_OTHER;
    c->status = 0;
    c->head_bytes = 0;
    c->url_len = 0;
    c->url[0] = '\0';
    c->url_too_long = c->head_too_large = false;
    c->field_len = 0;
    c->in_value = false;
    c->kind = HDR_OTHER;
    c->host_len = 0;
    c->n_host = 0;
    c->host_too_long = c->origin = false;
    c->blank_in_name = false;
    c->expect_len = 0;
    c->n_expect = 0;
    c->send_continue = false;
    c->n_content_length = c->n_transfer_encoding = 0;
    c->body_len = 0;
    c->body_too_large = false;
    c->discarded = 0;
}

static struct conn *conn_of(http_parser *p)
{
    return p->data;
}

static int on_message_begin(http_parser *p)
{
    struct conn *c = conn_of(p);
    request_reset(c);
    c->in_request = true;
    clock_gettime(CLOCK_MONOTONIC, &c->start);
    if (c->w)
        atomic_fetch_add_explicit(&c->w->in_flight, 1, memory_order_relaxed);
    return 0;
}

/* Counts the request's head; pauses the parser when it grows too large. */
static bool head_grows(struct conn *c, size_t len)
{
    c->head_bytes += len;
    if (c->head_bytes > MAX_HEAD) {
        c->head_too_large = true;
        http_parser_pause(&c->parser, 1);
        return false;
    }
    return true;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    if (c->url_len + len > MAX_URL) {
        c->url_too_long = true;
        http_parser_pause(p, 1);
        return 0;
    }
    if (!head_grows(c, len))
        return 0;
    memcpy(c->url + c->url_len, at, len);
    c->url_len += len;
    c->url[c->url_len] = '\0';
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    if (!head_grows(c, len))
        return 0;
    if (c->in_value) { /* a new header begins */
        c->in_value = false;
        c->field_len = 0;
    }
    if (memchr(at, ' ', len) || memchr(at, '\t', len))
        c->blank_in_name = true;
    size_t room = sizeof c->field - 1 - c->field_len;
    if (len > room) {
        /* Longer than any name LAS looks at: kept full and empty, so it matches none. */
        c->field_len = sizeof c->field - 1;
        c->field[0] = '\0';
        return 0;
    }
    memcpy(c->field + c->field_len, at, len);
    c->field_len += len;
    c->field[c->field_len] = '\0';
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    if (!head_grows(c, len))
        return 0;
    if (!c->in_value) { /* the first piece of a value: which header is it? */
        c->in_value = true;
        c->kind = HDR_OTHER;
        if (strcasecmp(c->field, "Host") == 0) {
            c->n_host++; /* more than one is refused */
            c->kind = c->n_host == 1 ? HDR_HOST : HDR_OTHER;
        } else if (strcasecmp(c->field, "Content-Length") == 0) {
            c->kind = HDR_CONTENT_LENGTH;
            c->n_content_length++;
        } else if (strcasecmp(c->field, "Transfer-Encoding") == 0) {
            c->kind = HDR_TRANSFER_ENCODING;
            c->n_transfer_encoding++;
        } else if (strcasecmp(c->field, "Origin") == 0) {
            c->kind = HDR_ORIGIN;
            c->origin = true;
        } else if (strcasecmp(c->field, "Expect") == 0) {
            c->kind = HDR_EXPECT;
            c->n_expect++;
        }
    }
    if (c->kind == HDR_HOST) {
        if (c->host_len + len >= sizeof c->host) {
            c->host_too_long = true;
        } else {
            memcpy(c->host + c->host_len, at, len);
            c->host_len += len;
        }
    } else if (c->kind == HDR_EXPECT) {
        size_t room = sizeof c->expect - 1 - c->expect_len;
        size_t n = len < room ? len : room;
        memcpy(c->expect + c->expect_len, at, n);
        c->expect_len += n;
        c->expect[c->expect_len] = '\0';
        if (len > room) /* longer than "100-continue": not it */
            c->expect[0] = '\0';
    }
    return 0;
}

/* The request is in whole (or answered early): its deadline no longer runs. */
static void request_received(struct conn *c)
{
    if (c->s->acceptor && c->fd >= 0)
        las_acceptor_request_received(c->s->acceptor, c->fd);
}

/* The request has a body (libhttp-parser's content_length is ULLONG_MAX without the header). */
static bool announces_body(const struct conn *c)
{
    return (c->parser.flags & F_CHUNKED) ||
           (c->n_content_length > 0 && c->parser.content_length > 0 &&
            c->parser.content_length != ULLONG_MAX);
}

/* Answers before the body is read; a request with a body then closes the connection. */
static void answer_early(struct conn *c, int status, const char *code, const char *message)
{
    request_received(c);
    bool has_body = announces_body(c);
    if (has_body || !http_should_keep_alive(&c->parser))
        c->close_after = true;
    answer_error(c, status, code, message);
    c->answered = true;
    if (has_body) {
        c->answer_done = true;
        c->paused = true;
        http_parser_pause(&c->parser, 1);
    }
}

static bool method_fits(enum las_route route, const char *method)
{
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    return route == LAS_ROUTE_QUOTE ? strcmp(method, "POST") == 0 : is_get;
}

static int on_headers_complete(http_parser *p)
{
    struct conn *c = conn_of(p);
    struct las_server *s = c->s;
    const char *method = http_method_str((enum http_method)p->method);
    c->head_complete = true;

    /* A query string is ignored; no percent-decoding ("%00" must not cut a path short). */
    char *query = strchr(c->url, '?');
    if (query)
        *query = '\0';
    c->route = route_of(c->url);
    if (p->http_major != 1) {
        c->close_after = true; /* before the answer, which then says so */
        answer_early(c, 505, "unsupported", "only HTTP/1.0 and HTTP/1.1 are spoken here");
        return 0;
    }
    /* RFC 9112 section 5.1: no whitespace between a header's name and its colon
     * ("Content-Length : 5" would slip past the checks below). */
    if (c->blank_in_name) {
        c->close_after = true;
        answer_early(c, 400, las_status_name(LAS_ERR_MALFORMED),
                     "a header name contains a space or tab");
        return 0;
    }
    /* RFC 9112 section 3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0. */
    if (c->n_host > 1 || (p->http_minor >= 1 && c->n_host == 0)) {
        answer_early(c, 400, las_status_name(LAS_ERR_MALFORMED),
                     c->n_host > 1 ? "more than one Host header"
                                   : "an HTTP/1.1 request without a Host header");
        return 0;
    }
    /* The Host value without the blanks around it. */
    while (c->host_len > 0 && (c->host[c->host_len - 1] == ' ' || c->host[c->host_len - 1] == '\t'))
        c->host_len--;
    c->host[c->host_len] = '\0';
    /* DNS rebinding: a page re-pointed at LAS carries its own name in Host. */
    if (s->hosts &&
        (c->host_too_long || !las_host_check_allows(s->hosts, c->n_host > 0 ? c->host : NULL))) {
        las_debug("http: refused a request for another host (see --allowed-hosts)");
        answer_early(c, 421, "host_not_allowed",
                     "the Host header names neither this LAS nor its machine (see "
                     "las serve --allowed-hosts)");
        return 0;
    }
    /* Browsers send Origin with cross-origin (and same-origin POST) requests; LAS's
     * clients never do. No CORS answer is ever given. */
    if (c->origin) {
        answer_early(c, 403, "origin_not_allowed", "LAS does not answer requests from web pages");
        return 0;
    }
    /* Content-Length with Transfer-Encoding: the body's end is ambiguous. */
    if (c->n_content_length > 0 && c->n_transfer_encoding > 0) {
        c->close_after = true;
        answer_early(c, 400, las_status_name(LAS_ERR_MALFORMED),
                     "ambiguous body length (Content-Length repeated or with Transfer-Encoding)");
        return 0;
    }
    /* Refuse an announced oversized body before reading any of it. */
    if (c->route == LAS_ROUTE_QUOTE && p->method == HTTP_POST && c->n_content_length > 0 &&
        p->content_length > LAS_SGX_REPORT_SIZE) {
        las_metrics_quote(&s->metrics, LAS_ERR_BAD_SIZE);
        char msg[96];
        snprintf(msg, sizeof msg, "the body must be a %d-byte SGX REPORT", LAS_SGX_REPORT_SIZE);
        answer_early(c, 400, las_status_name(LAS_ERR_BAD_SIZE), msg);
        return 0;
    }
    /* GET and HEAD ignore a body; a long one is refused before it is read. */
    if (c->route != LAS_ROUTE_QUOTE && c->route != LAS_ROUTE_OTHER && c->n_content_length > 0 &&
        p->content_length > sizeof c->body && p->content_length != ULLONG_MAX &&
        method_fits(c->route, method)) {
        char msg[96];
        snprintf(msg, sizeof msg, "a body sent with %s must not exceed %d bytes", method,
                 LAS_SGX_REPORT_SIZE);
        answer_early(c, 413, las_status_name(LAS_ERR_MALFORMED), msg);
        return 0;
    }
    /*
     * A body sent to an unknown path or with a wrong method is refused
     * before it is read (the connection then closes); without a body the
     * answer waits for the end of the request.
     */
    bool has_body = announces_body(c);
    if (has_body && (c->route == LAS_ROUTE_OTHER || !method_fits(c->route, method))) {
        struct las_http_response r;
        request_received(c);
        las_server_handle(s, method, c->url, NULL, 0, false, &r);
        c->close_after = true;
        answer(c, &r, is_head(c));
        c->answered = true;
        c->answer_done = true;
        c->paused = true;
        http_parser_pause(p, 1);
        return 0;
    }
    /*
     * Expect (RFC 9110 section 10.1.1): "100-continue" is answered "100
     * Continue" when the body is to be read and none of it has come yet (see
     * serve()); an HTTP/1.0 client's is ignored. Any other expectation: 417.
     */
    if (c->n_expect > 0) {
        char *v = c->expect;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            v[--n] = '\0';
        if (c->n_expect > 1 || strcasecmp(v, "100-continue") != 0) {
            answer_early(c, 417, "unsupported", "the only expectation known is 100-continue");
            return 0;
        }
        c->send_continue = has_body && p->http_minor >= 1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    c->send_continue = false; /* the client did not wait for it */
    if (c->body_too_large || len > sizeof c->body - c->body_len) {
        /* Beyond the limit (a chunked body): drop up to a bound, answer 400 at its end;
         * beyond the bound, drop the connection. */
        c->body_too_large = true;
        c->discarded += len;
        if (c->discarded > MAX_DISCARDED_BODY) {
            c->drop = true;
            http_parser_pause(p, 1);
        }
        return 0;
    }
    memcpy(c->body + c->body_len, at, len);
    c->body_len += len;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    struct conn *c = conn_of(p);
    if (!http_should_keep_alive(p))
        c->close_after = true;
    if (!c->answered) {
        struct las_http_response r;
        const char *method = http_method_str((enum http_method)p->method);
        request_received(c);
        las_server_handle(c->s, method, c->url, c->body, c->body_len, c->body_too_large, &r);
        answer(c, &r, is_head(c));
        c->answered = true;
    }
    c->answer_done = true;
    c->paused = true;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* The request's answer is out: count it; the next request's deadline starts. */
static void request_done(struct conn *c)
{
    if (!c->in_request)
        return;
    if (c->s->acceptor && c->fd >= 0)
        las_acceptor_answered(c->s->acceptor, c->fd);
    if (c->status != 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t ns = (uint64_t)(now.tv_sec - c->start.tv_sec) * 1000000000ull +
                      (uint64_t)(now.tv_nsec - c->start.tv_nsec);
        las_metrics_request(&c->s->metrics, c->route, c->status, ns);
    }
    if (c->w)
        atomic_fetch_sub_explicit(&c->w->in_flight, 1, memory_order_relaxed);
    c->in_request = false;
}

/* An error the parser found: answered (unless already) and the connection closes. */
static void answer_parse_error(struct conn *c)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    static const char h2_preface[] = "PRI * HTTP/2.0\r\n";
    c->close_after = true;
    if (c->answered || c->drop)
        return;
    if (!c->in_request) /* no request begun: count it as one for the metrics and the stop */
        on_message_begin(&c->parser);
    c->answered = true;
    if (c->url_too_long)
        answer_error(c, 414, "malformed", "the URL is too long");
    else if (c->head_too_large)
        answer_error(c, 431, "malformed", "the request's headers are too large");
    else if (c->in_len >= sizeof h2_preface - 1 &&
             memcmp(c->in, h2_preface, sizeof h2_preface - 1) == 0)
        answer_error(c, 505, "unsupported", "only HTTP/1.0 and HTTP/1.1 are spoken here");
    else if (e == HPE_UNEXPECTED_CONTENT_LENGTH)
        answer_error(c, 400, las_status_name(LAS_ERR_MALFORMED),
                     "ambiguous body length (Content-Length repeated or with Transfer-Encoding)");
    else
        answer_error(c, 400, las_status_name(LAS_ERR_MALFORMED), http_errno_description(e));
}

/*
 * Parses what is buffered and answers, as far as the socket lets it. Returns
 * false when the connection is to be closed now.
 */
static bool serve(struct conn *c)
{
    for (;;) {
        if (c->drop)
            return false;
        if (c->out_off < c->out_len)
            return true; /* wait until the socket takes the rest (EPOLLOUT) */
        if (c->answer_done) {
            c->answer_done = false;
            request_done(c);
            if (c->close_after)
                return false;
        }
        if (c->paused && !c->close_after) {
            c->paused = false;
            http_parser_pause(&c->parser, 0);
        }
        if (c->in_off >= c->in_len) {
            c->in_off = c->in_len = 0;
            return true; /* wait for more */
        }
        size_t n = http_parser_execute(&c->parser, &parser_settings, c->in + c->in_off,
                                       c->in_len - c->in_off);
        c->in_off += n;
        if (c->send_continue && !c->answered) { /* the head is in, no body byte yet */
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            struct iovec iov = {(void *)cont, sizeof cont - 1};
            c->send_continue = false;
            if (!send_pending(c, &iov, 1))
                c->drop = true;
        }
        enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
        if (e == HPE_PAUSED) {
            if (c->drop)
                return false;
            if (c->url_too_long || c->head_too_large) {
                c->parser.http_errno = HPE_OK;
                answer_parse_error(c);
                c->answer_done = true;
            }
            c->paused = true;
            continue;
        }
        if (e != HPE_OK) {
            answer_parse_error(c);
            c->answer_done = true;
            continue;
        }
    }
}

/* ---- the worker's event loop -------------------------------------------- */

static void conn_unlink(struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (c->w)
        c->w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

/* Closes c: reported to the acceptor first (its descriptor is not reused before). */
static void close_conn(struct conn *c)
{
    struct las_server *s = c->s;
    if (c->in_request && c->drop) /* dropped without an answer: counted as code "other" */
        las_metrics_request(&s->metrics, c->route, 0, 0);
    if (c->in_request && c->w)
        atomic_fetch_sub_explicit(&c->w->in_flight, 1, memory_order_relaxed);
    conn_unlink(c);
    atomic_fetch_sub(&s->metrics.connections_open, 1);
    atomic_fetch_sub(&c->w->open, 1);
    if (s->acceptor)
        las_acceptor_closed(s->acceptor, c->fd);
    close(c->fd);
    free(c->out);
    free(c);
}

static void watch(struct conn *c, bool out)
{
    if (out == c->watching_out)
        return;
    struct epoll_event ev = {.events = out ? EPOLLOUT : EPOLLIN, .data.ptr = c};
    if (epoll_ctl(c->w->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->watching_out = out;
}

static void conn_init(struct conn *c, struct las_server *s, struct http_worker *w, int fd)
{
    /* everything but the buffers */
    memset(c, 0, offsetof(struct conn, body));
    c->s = s;
    c->w = w;
    c->fd = fd;
    c->in_len = c->in_off = 0;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    request_reset(c);
}

/* Takes a connection the acceptor handed over: on the worker's list and in its epoll set. */
static void conn_add(struct http_worker *w, struct conn *c)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    atomic_fetch_add(&w->server->metrics.connections_open, 1);
    c->last_active_ns = now_ns();
    c->prev = NULL;
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        las_warn("http: cannot watch a new connection: %s", strerror(errno));
        close_conn(c);
    }
}

/*
 * serve() is done with c. After a last answer, closing at once with client
 * bytes unread would make the kernel reset the connection, which can cut
 * the answer short: LAS sends its FIN (shutdown) and reads and drops what
 * still comes until the client's FIN, MAX_LINGER_BYTES or LINGER_NS, then
 * closes. A connection dropped without an answer closes at once.
 */
static void conn_finish(struct conn *c)
{
    if (c->drop || c->lingering || shutdown(c->fd, SHUT_WR) != 0) {
        close_conn(c);
        return;
    }
    c->lingering = true;
    c->linger_start_ns = now_ns();
    c->lingered = 0;
    watch(c, false);
}

/* A lingering connection is readable: drop what came; close at its end or bound. */
static void conn_linger(struct conn *c)
{
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n > 0)
        c->lingered += (size_t)n;
    if (n <= 0 || c->lingered > MAX_LINGER_BYTES)
        close_conn(c);
}

static void conn_readable(struct conn *c)
{
    if (c->lingering) {
        conn_linger(c);
        return;
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close_conn(c); /* the client closed (or the acceptor shut it down) */
        return;
    }
    if (n < 0)
        return;
    c->in_len += (size_t)n;
    c->last_active_ns = now_ns();
    if (!serve(c)) {
        conn_finish(c);
        return;
    }
    watch(c, c->out_off < c->out_len);
}

static void conn_writable(struct conn *c)
{
    ssize_t n =
        send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        close_conn(c);
        return;
    }
    if (n > 0) {
        c->out_off += (size_t)n;
        c->last_active_ns = now_ns();
    }
    if (c->out_off < c->out_len)
        return;
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    if (!serve(c)) {
        conn_finish(c);
        return;
    }
    watch(c, c->out_off < c->out_len);
}

/* Closes the connections idle (no byte in or out) for longer than --connection-timeout. */
static void close_idle(struct http_worker *w)
{
    uint64_t limit = (uint64_t)w->server->connection_timeout_s * 1000000000ull;
    uint64_t now = now_ns();
    struct conn *c = w->conns;
    while (c) {
        struct conn *next = c->next;
        if ((limit > 0 && now - c->last_active_ns > limit) ||
            (c->lingering && now - c->linger_start_ns > LINGER_NS))
            close_conn(c);
        c = next;
    }
}

static void *worker_loop(void *arg)
{
    struct http_worker *w = arg;
    struct epoll_event events[64];
    uint64_t last_sweep = now_ns();
    pthread_setname_np(pthread_self(), "las-http");
    for (;;) {
        int n = epoll_wait(w->epoll_fd, events, 64, 1000);
        if (n < 0 && errno != EINTR) {
            las_error("http: epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) { /* the wake-up: new connections, or stop */
                uint64_t count;
                if (read(w->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
                    las_warn("http: reading the wake-up: %s", strerror(errno));
                if (atomic_load(&w->stop))
                    return NULL;
                pthread_mutex_lock(&w->handover_lock);
                struct conn *list = w->handover;
                w->handover = NULL;
                pthread_mutex_unlock(&w->handover_lock);
                while (list) {
                    struct conn *next = list->next;
                    conn_add(w, list);
                    list = next;
                }
                continue;
            }
            if (events[i].events & EPOLLOUT)
                conn_writable(c);
            else
                conn_readable(c);
        }
        uint64_t now = now_ns();
        if (now - last_sweep >= 1000000000ull) {
            last_sweep = now;
            close_idle(w);
        }
    }
    return NULL;
}

/* The acceptor's hand-over (on its thread): to the worker with the fewest connections. */
static bool add_connection(void *cls, int fd, const struct sockaddr *addr, socklen_t addr_len)
{
    struct las_server *s = cls;
    struct http_worker *best = NULL;
    unsigned best_open = UINT_MAX;
    (void)addr;
    (void)addr_len;
    for (unsigned k = 0; k < s->n_workers; k++) {
        struct http_worker *w = &s->workers[(s->next_worker + k) % s->n_workers];
        unsigned open = atomic_load(&w->open);
        if (open < best_open) {
            best = w;
            best_open = open;
        }
    }
    s->next_worker = (unsigned)(best - s->workers + 1) % s->n_workers;
    struct conn *c = malloc(sizeof *c);
    if (c == NULL) {
        las_warn("http: a new connection was refused: out of memory");
        close(fd);
        return false;
    }
    conn_init(c, s, best, fd);
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    atomic_fetch_add(&best->open, 1);
    pthread_mutex_lock(&best->handover_lock);
    c->next = best->handover;
    best->handover = c;
    pthread_mutex_unlock(&best->handover_lock);
    uint64_t one_more = 1;
    if (write(best->wake_fd, &one_more, sizeof one_more) != (ssize_t)sizeof one_more)
        las_warn("http: waking a worker: %s", strerror(errno));
    return true;
}

void las_server_handle_bytes(struct las_server *s, const uint8_t *data, size_t len,
                             void (*sink)(void *cls, const void *data, size_t len), void *cls)
{
    struct conn *c = malloc(sizeof *c);
    if (c == NULL)
        return;
    conn_init(c, s, NULL, -1);
    c->sink = sink;
    c->sink_cls = cls;
    while (len > 0) {
        size_t n = len < sizeof c->in - c->in_len ? len : sizeof c->in - c->in_len;
        memcpy(c->in + c->in_len, data, n);
        c->in_len += n;
        data += n;
        len -= n;
        if (!serve(c))
            break;
    }
    free(c->out);
    free(c);
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
        struct http_worker *w = &s->workers[i];
        uint64_t one = 1;
        atomic_store(&w->stop, true);
        if (w->started) {
            if (write(w->wake_fd, &one, sizeof one) != (ssize_t)sizeof one)
                las_warn("http: stopping a worker: %s", strerror(errno));
            pthread_join(w->thread, NULL);
        }
        /* Its connections close here: reported to the acceptor, then closed. */
        while (w->handover) {
            struct conn *c = w->handover;
            w->handover = c->next;
            atomic_fetch_add(&s->metrics.connections_open, 1); /* close_conn counts it out */
            c->prev = c->next = NULL;
            w->conns = c;
            close_conn(c);
        }
        while (w->conns)
            close_conn(w->conns);
        if (w->epoll_fd >= 0)
            close(w->epoll_fd);
        if (w->wake_fd >= 0)
            close(w->wake_fd);
        pthread_mutex_destroy(&w->handover_lock);
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
     * One epoll worker per CPU (libmicrohttpd's poll loop, response objects
     * and per-connection memory pool cost 15,000 instructions per request:
     * bench/RESULTS.md). No listening socket of their own: LAS's acceptor
     * thread (daemon/acceptor.h) accepts, enforces --max-connections and
     * hands each connection to a worker (its hand-over list and eventfd wake-up).
     */
    s->connection_timeout_s = cfg->connection_timeout;
    for (unsigned i = 0; i < threads; i++) {
        struct http_worker *w = &s->workers[i];
        w->server = s;
        w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        pthread_mutex_init(&w->handover_lock, NULL);
        s->n_workers++;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
        if (w->epoll_fd < 0 || w->wake_fd < 0 ||
            epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &ev) != 0 ||
            pthread_create(&w->thread, NULL, worker_loop, w) != 0) {
            snprintf(why, why_len, "cannot start the HTTP workers: %s", strerror(errno));
            st = LAS_ERR_IO;
            goto fail;
        }
        w->started = true;
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
