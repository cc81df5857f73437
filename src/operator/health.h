/* SPDX-License-Identifier: Apache-2.0 */
/*
 * las-operator's own HTTP endpoints: /healthz (the process and its threads
 * run), /readyz (the caches are filled: this replica can lead), /metrics
 * (Prometheus text format; docs/operator.md lists every series).
 */
#ifndef LAS_OP_HEALTH_H
#define LAS_OP_HEALTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "las/status.h"
#include "operator/controller.h"
#include "operator/watch.h"

struct las_op_health_state {
    struct las_op_metrics *metrics;
    struct las_op_reflector *reflectors[2];
    atomic_bool leader;
    atomic_int_fast64_t heartbeat; /* monotonic seconds: the controller loop last ran */
    int64_t stall_limit;           /* /healthz fails when the heartbeat is older */
};

struct las_op_health;

/* Parses a numeric "IP:PORT" or "[IPv6]:PORT" (getaddrinfo, no name lookup). */
LAS_MUST_CHECK las_status las_op_listen_parse(const char *addr, struct sockaddr_storage *out);

/* Listens on addr ("HOST:PORT"); why says why not. */
LAS_MUST_CHECK las_status las_op_health_start(const char *addr, struct las_op_health_state *st,
                                              struct las_op_health **out, uint16_t *port, char *why,
                                              size_t why_len);
void las_op_health_stop(struct las_op_health *h);

/* The /metrics text into buf; returns its length (0: it did not fit). */
size_t las_op_metrics_render(const struct las_op_health_state *st, char *buf, size_t cap);

#endif
