/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prometheus metrics of the daemon: lock-free counters updated on the request
 * path, rendered in the text exposition format on GET /metrics.
 */
#ifndef LAS_METRICS_H
#define LAS_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

enum las_route {
    LAS_ROUTE_TARGET_INFO,
    LAS_ROUTE_QUOTE,
    LAS_ROUTE_PLATFORM,
    LAS_ROUTE_HEALTHZ,
    LAS_ROUTE_READYZ,
    LAS_ROUTE_METRICS,
    LAS_ROUTE_OTHER,
    LAS_ROUTE_COUNT
};

/* Why the acceptor turned a connection away, or closed it before it asked anything. */
enum las_conn_refusal {
    LAS_CONN_REFUSED_PEER_LIMIT,     /* the peer already had --max-connections-per-peer */
    LAS_CONN_REFUSED_NO_DESCRIPTORS, /* accept ran out of file descriptors */
    LAS_CONN_REFUSED_COUNT
};
enum las_conn_close {
    LAS_CONN_CLOSED_REQUEST_TIMEOUT, /* no whole request within --request-timeout */
    LAS_CONN_CLOSED_EVICTED,         /* at --max-connections, the longest-waiting made room */
    LAS_CONN_CLOSED_COUNT
};

#define LAS_METRICS_CODES   10 /* distinct HTTP status codes tracked */
#define LAS_METRICS_BUCKETS 14

/*
 * The per-request counters, one copy per thread (up to LAS_METRICS_SHARDS,
 * then shared): two HTTP workers incrementing the same cache lines on every
 * request would make each increment wait for the other CPU. /metrics adds
 * the copies up.
 */
#define LAS_METRICS_SHARDS 16
struct las_metrics_shard {
    _Atomic uint64_t requests[LAS_ROUTE_COUNT][LAS_METRICS_CODES];
    _Atomic uint64_t quotes[LAS_STATUS_COUNT];
    _Atomic uint64_t duration_buckets[LAS_METRICS_BUCKETS]; /* cumulative on output */
    _Atomic uint64_t duration_count;
    _Atomic uint64_t duration_sum_ns;
} __attribute__((aligned(64)));

struct las_metrics {
    struct las_metrics_shard shard[LAS_METRICS_SHARDS];
    _Atomic uint64_t connections_open;
    _Atomic uint64_t connections_refused[LAS_CONN_REFUSED_COUNT];
    _Atomic uint64_t connections_closed[LAS_CONN_CLOSED_COUNT];
    double start_time;
};

void las_metrics_init(struct las_metrics *m);
void las_metrics_request(struct las_metrics *m, enum las_route route, int http_status,
                         uint64_t duration_ns);
void las_metrics_quote(struct las_metrics *m, las_status outcome);

/*
 * Renders all metrics into buf (NUL-terminated); returns the length, or 0 if
 * buf is too small.
 */
size_t las_metrics_render(const struct las_metrics *m, const char *version, const char *mode,
                          char *buf, size_t cap);

#endif
