/* SPDX-License-Identifier: Apache-2.0 */
/* /healthz, /readyz, /metrics of las-operator (health.h). */
#include "operator/health.h"

#include <netdb.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/text.h"
#include "version.h"

struct las_op_health {
    struct MHD_Daemon *mhd;
    struct las_op_health_state *st;
};

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static void counter(struct las_text *o, const char *name, const char *help, uint64_t v)
{
    las_text_printf(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                    (unsigned long long)v);
}

static void gauge(struct las_text *o, const char *name, const char *help, double v)
{
    las_text_printf(o, "# HELP %s %s\n# TYPE %s gauge\n%s %.6g\n", name, help, name, name, v);
}

#define LOAD(x) ((uint64_t)atomic_load(&(x)))

size_t las_op_metrics_render(const struct las_op_health_state *st, char *buf, size_t cap)
{
    struct las_text o;
    las_text_init(&o, buf, cap);
    struct las_op_metrics *m = st->metrics;
    las_text_printf(
        &o,
        "# HELP las_operator_build_info las-operator version\n"
        "# TYPE las_operator_build_info gauge\nlas_operator_build_info{version=\"%s\"} 1\n",
        LAS_VERSION);
    gauge(&o, "las_operator_leader", "1 while this replica holds the Lease",
          atomic_load(&((struct las_op_health_state *)st)->leader) ? 1 : 0);
    gauge(&o, "las_operator_resources", "LocalAttestationServices in the cache",
          (double)LOAD(m->resources));
    counter(&o, "las_operator_reconciles_total", "reconciliations of a resource",
            LOAD(m->reconciles));
    counter(&o, "las_operator_reconcile_errors_total",
            "reconciliations in which an apply or a status write failed",
            LOAD(m->reconcile_errors));
    counter(&o, "las_operator_applies_total", "server-side applies that succeeded",
            LOAD(m->applies));
    counter(&o, "las_operator_status_writes_total", "status updates written",
            LOAD(m->status_writes));
    counter(&o, "las_operator_configmap_writes_total", "<name>-platforms ConfigMap applies",
            LOAD(m->configmap_writes));
    counter(&o, "las_operator_events_total", "Kubernetes Events posted", LOAD(m->events));
    counter(&o, "las_operator_evidence_fetches_total", "GET /v1/platform requests to LAS pods",
            LOAD(m->fetches));
    counter(&o, "las_operator_evidence_fetch_errors_total", "evidence fetches that failed",
            LOAD(m->fetch_errors));
    las_text_printf(&o,
                    "# HELP las_operator_verifications_total evidence verifications by outcome\n"
                    "# TYPE las_operator_verifications_total counter\n"
                    "las_operator_verifications_total{result=\"verified\"} %llu\n"
                    "las_operator_verifications_total{result=\"refused\"} %llu\n",
                    (unsigned long long)LOAD(m->verified), (unsigned long long)LOAD(m->refused));
    las_text_printf(&o,
                    "# HELP las_operator_nodes nodes of the last reconciled resource by state\n"
                    "# TYPE las_operator_nodes gauge\n"
                    "las_operator_nodes{state=\"verified\"} %llu\n"
                    "las_operator_nodes{state=\"unverified\"} %llu\n",
                    (unsigned long long)LOAD(m->nodes_verified),
                    (unsigned long long)LOAD(m->nodes_unverified));
    gauge(&o, "las_operator_sweep_nodes", "nodes in the last full sweep",
          (double)LOAD(m->sweep_nodes));
    gauge(&o, "las_operator_sweep_seconds", "duration of the last full sweep's evidence pass",
          LOAD(m->sweep_us) / 1e6);
    gauge(&o, "las_operator_sweep_fetch_seconds", "of which fetching evidence",
          LOAD(m->sweep_fetch_us) / 1e6);
    gauge(&o, "las_operator_sweep_verify_seconds", "of which verifying evidence",
          LOAD(m->sweep_verify_us) / 1e6);
    gauge(&o, "las_operator_status_bytes", "size of the last status built",
          (double)LOAD(m->status_bytes));
    counter(&o, "las_operator_pods_dropped_total", "LAS pods ignored beyond --max-nodes",
            LOAD(m->pods_dropped));
    counter(&o, "las_operator_resources_dropped_total", "resources ignored beyond --max-resources",
            LOAD(m->resources_dropped));
    las_text_printf(
        &o, "# HELP las_operator_watch_restarts_total watch reconnections after an error, a "
            "410 Gone or a drop\n# TYPE las_operator_watch_restarts_total counter\n");
    for (size_t i = 0; i < 2; i++) {
        if (st->reflectors[i])
            las_text_printf(&o, "las_operator_watch_restarts_total{resource=\"%s\"} %llu\n",
                            st->reflectors[i]->what,
                            (unsigned long long)LOAD(st->reflectors[i]->restarts));
    }
    return las_text_len(&o);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *type,
                             const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **req)
{
    (void)version, (void)data, (void)data_size, (void)req;
    struct las_op_health *h = cls;
    struct las_op_health_state *st = h->st;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(conn, 405, "text/plain", "method not allowed\n", 19);
    if (strcmp(url, "/healthz") == 0) {
        int64_t age = mono_s() - atomic_load(&st->heartbeat);
        if (age > st->stall_limit) {
            char msg[96];
            int n =
                snprintf(msg, sizeof msg, "controller loop stalled for %lld s\n", (long long)age);
            return reply(conn, 503, "text/plain", msg, (size_t)n);
        }
        return reply(conn, 200, "text/plain", "ok\n", 3);
    }
    if (strcmp(url, "/readyz") == 0) {
        for (size_t i = 0; i < 2; i++) {
            if (st->reflectors[i] && !atomic_load(&st->reflectors[i]->synced))
                return reply(conn, 503, "text/plain", "caches not synced yet\n", 22);
        }
        return reply(conn, 200, "text/plain", "ok\n", 3);
    }
    if (strcmp(url, "/metrics") == 0) {
        char *buf = malloc(16384);
        size_t n = buf ? las_op_metrics_render(st, buf, 16384) : 0;
        enum MHD_Result r = n ? reply(conn, 200, "text/plain; version=0.0.4", buf, n)
                              : reply(conn, 500, "text/plain", "metrics too large\n", 18);
        free(buf);
        return r;
    }
    return reply(conn, 404, "text/plain", "not found\n", 10);
}

las_status las_op_listen_parse(const char *addr, struct sockaddr_storage *out)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr || (size_t)(colon - addr) >= sizeof host)
        return LAS_ERR_INVALID_ARGUMENT;
    size_t hl = (size_t)(colon - addr);
    const char *h = addr;
    if (addr[0] == '[') { /* [v6]:port */
        if (addr[hl - 1] != ']')
            return LAS_ERR_INVALID_ARGUMENT;
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    const char *port = colon + 1;
    if (*port == '\0' || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
        atoi(port) > 65535)
        return LAS_ERR_INVALID_ARGUMENT;
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return LAS_OK;
}

las_status las_op_health_start(const char *addr, struct las_op_health_state *st,
                               struct las_op_health **out, uint16_t *port, char *why,
                               size_t why_len)
{
    struct sockaddr_storage ss;
    *out = NULL;
    if (las_op_listen_parse(addr, &ss) != LAS_OK) {
        snprintf(why, why_len, "invalid listen address %s (an IP address and a port)", addr);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    uint16_t p;
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
        p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    } else {
        p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    struct las_op_health *h = calloc(1, sizeof *h);
    if (h == NULL)
        return LAS_ERR_NO_MEMORY;
    h->st = st;
    h->mhd = MHD_start_daemon(flags, p, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
                              MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                              MHD_OPTION_END);
    if (h->mhd == NULL) {
        snprintf(why, why_len, "cannot listen on %s (in use or not a local address)", addr);
        free(h);
        return LAS_ERR_UNAVAILABLE;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : p;
    *out = h;
    return LAS_OK;
}

void las_op_health_stop(struct las_op_health *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->mhd);
    free(h);
}
