/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/metrics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/text.h"

static const int tracked_codes[LAS_METRICS_CODES] = {200, 400, 403, 404, 405,
                                                     413, 421, 500, 503, 0};
static const double bucket_bounds[LAS_METRICS_BUCKETS - 1] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

static const char *const route_names[LAS_ROUTE_COUNT] = {
    "target_info", "quote", "platform", "healthz", "readyz", "metrics", "other"};

void las_metrics_init(struct las_metrics *m)
{
    memset(m, 0, sizeof *m);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->start_time = (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int code_index(int http_status)
{
    for (int i = 0; i < LAS_METRICS_CODES - 1; i++) {
        if (tracked_codes[i] == http_status)
            return i;
    }
    return LAS_METRICS_CODES - 1; /* "other" */
}

/* The calling thread's copy of the counters (assigned at its first request). */
static struct las_metrics_shard *my_shard(struct las_metrics *m)
{
    static _Atomic unsigned next;
    static _Thread_local unsigned mine = UINT32_MAX;
    if (mine == UINT32_MAX)
        mine = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) % LAS_METRICS_SHARDS;
    return &m->shard[mine];
}

void las_metrics_request(struct las_metrics *m, enum las_route route, int http_status,
                         uint64_t duration_ns)
{
    struct las_metrics_shard *sh = my_shard(m);
    atomic_fetch_add_explicit(&sh->requests[route][code_index(http_status)], 1,
                              memory_order_relaxed);
    double seconds = (double)duration_ns / 1e9;
    int b = 0;
    while (b < LAS_METRICS_BUCKETS - 1 && seconds > bucket_bounds[b])
        b++;
    atomic_fetch_add_explicit(&sh->duration_buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->duration_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->duration_sum_ns, duration_ns, memory_order_relaxed);
}

void las_metrics_quote(struct las_metrics *m, las_status outcome)
{
    if ((int)outcome >= 0 && outcome < LAS_STATUS_COUNT)
        atomic_fetch_add_explicit(&my_shard(m)->quotes[outcome], 1, memory_order_relaxed);
}

static uint64_t load(const _Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

/* The sum over the shards of a counter, named by its place in the first shard. */
static uint64_t total(const struct las_metrics *m, const _Atomic uint64_t *in_first)
{
    size_t offset = (size_t)((const char *)in_first - (const char *)&m->shard[0]);
    uint64_t sum = 0;
    for (int i = 0; i < LAS_METRICS_SHARDS; i++)
        sum += load((const _Atomic uint64_t *)((const char *)&m->shard[i] + offset));
    return sum;
}
#define TOTAL(m, member) total(m, &(m)->shard[0].member)

size_t las_metrics_render(const struct las_metrics *m, const char *version, const char *mode,
                          char *buf, size_t cap)
{
    struct las_text o;
    las_text_init(&o, buf, cap);

    las_text_printf(&o,
                    "# HELP las_build_info Version and platform mode of this LAS.\n"
                    "# TYPE las_build_info gauge\n"
                    "las_build_info{version=\"%s\",mode=\"%s\"} 1\n",
                    version, mode);
    las_text_printf(&o,
                    "# HELP las_start_time_seconds Start time of LAS since the Unix epoch.\n"
                    "# TYPE las_start_time_seconds gauge\n"
                    "las_start_time_seconds %.3f\n",
                    m->start_time);
    las_text_printf(&o, "# HELP las_http_requests_total HTTP requests by handler and status code.\n"
                        "# TYPE las_http_requests_total counter\n");
    for (int r = 0; r < LAS_ROUTE_COUNT; r++) {
        for (int c = 0; c < LAS_METRICS_CODES; c++) {
            uint64_t v = TOTAL(m, requests[r][c]);
            /* Always show the 200 series of real handlers, others once seen. */
            if (v == 0 && !(c == 0 && r != LAS_ROUTE_OTHER))
                continue;
            if (tracked_codes[c] != 0)
                las_text_printf(&o, "las_http_requests_total{handler=\"%s\",code=\"%d\"} %llu\n",
                                route_names[r], tracked_codes[c], (unsigned long long)v);
            else
                las_text_printf(&o, "las_http_requests_total{handler=\"%s\",code=\"other\"} %llu\n",
                                route_names[r], (unsigned long long)v);
        }
    }
    las_text_printf(&o,
                    "# HELP las_quotes_total Quote requests by outcome (issued or error code).\n"
                    "# TYPE las_quotes_total counter\n");
    for (int s = 0; s < LAS_STATUS_COUNT; s++) {
        uint64_t v = TOTAL(m, quotes[s]);
        if (v == 0 && s != LAS_OK && s != LAS_ERR_REPORT_MAC && s != LAS_ERR_BAD_SIZE)
            continue;
        las_text_printf(&o, "las_quotes_total{outcome=\"%s\"} %llu\n",
                        s == LAS_OK ? "issued" : las_status_name((las_status)s),
                        (unsigned long long)v);
    }
    las_text_printf(&o, "# HELP las_http_request_duration_seconds Time to answer an HTTP request.\n"
                        "# TYPE las_http_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (int b = 0; b < LAS_METRICS_BUCKETS; b++) {
        cumulative += TOTAL(m, duration_buckets[b]);
        if (b < LAS_METRICS_BUCKETS - 1)
            las_text_printf(&o, "las_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                            bucket_bounds[b], (unsigned long long)cumulative);
        else
            las_text_printf(&o, "las_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                            (unsigned long long)cumulative);
    }
    las_text_printf(&o, "las_http_request_duration_seconds_sum %.9f\n",
                    (double)TOTAL(m, duration_sum_ns) / 1e9);
    las_text_printf(&o, "las_http_request_duration_seconds_count %llu\n",
                    (unsigned long long)TOTAL(m, duration_count));
    las_text_printf(&o,
                    "# HELP las_http_connections_open Open client connections.\n"
                    "# TYPE las_http_connections_open gauge\n"
                    "las_http_connections_open %llu\n",
                    (unsigned long long)load(&m->connections_open));
    static const char *const refusals[LAS_CONN_REFUSED_COUNT] = {"peer_limit", "no_descriptors"};
    las_text_printf(
        &o, "# HELP las_http_connections_refused_total Connections closed at once after accept.\n"
            "# TYPE las_http_connections_refused_total counter\n");
    for (int i = 0; i < LAS_CONN_REFUSED_COUNT; i++)
        las_text_printf(&o, "las_http_connections_refused_total{reason=\"%s\"} %llu\n", refusals[i],
                        (unsigned long long)load(&m->connections_refused[i]));
    static const char *const closes[LAS_CONN_CLOSED_COUNT] = {"request_timeout", "evicted"};
    las_text_printf(
        &o, "# HELP las_http_connections_closed_total Connections LAS closed while they owed a "
            "request.\n"
            "# TYPE las_http_connections_closed_total counter\n");
    for (int i = 0; i < LAS_CONN_CLOSED_COUNT; i++)
        las_text_printf(&o, "las_http_connections_closed_total{reason=\"%s\"} %llu\n", closes[i],
                        (unsigned long long)load(&m->connections_closed[i]));
    return las_text_len(&o);
}
