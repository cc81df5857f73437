/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operator's cache of LocalAttestationServices and LAS pods (filled by
 * the watches), and the controller that reconciles each resource: apply
 * the ServiceAccount and the DaemonSet, fetch and verify every node's
 * evidence, write the status, the <name>-platforms ConfigMap and Events.
 * Only the controller thread writes to the cluster, and only while this
 * replica leads.
 */
#ifndef LAS_OP_CONTROLLER_H
#define LAS_OP_CONTROLLER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "operator/kube.h"
#include "operator/opconfig.h"
#include "operator/status.h"
#include "operator/watch.h"

struct las_op_pod {
    char name[254], uid[64], node[254], ip[64], host_ip[64];
    char owner[LAS_OP_NAME_MAX + 1]; /* app.kubernetes.io/instance */
    bool ready, terminating, stale;
};

struct las_op_resource {
    char name[LAS_OP_NAME_MAX + 1], uid[64];
    int64_t generation;
    json_t *spec, *status;
    bool stale, dirty;
};

struct las_op_metrics {
    atomic_uint_fast64_t reconciles, reconcile_errors, applies, status_writes, configmap_writes;
    atomic_uint_fast64_t events, fetches, fetch_errors, verifications, verified, refused;
    atomic_uint_fast64_t pods_dropped, resources_dropped;
    atomic_uint_fast64_t sweep_nodes, sweep_us, sweep_fetch_us, sweep_verify_us, status_bytes;
    atomic_uint_fast64_t nodes_verified, nodes_unverified, resources;
};

struct las_op_store {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    struct las_op_resource *res;
    size_t n_res, cap_res;
    struct las_op_pod *pods;
    size_t n_pods, cap_pods;
    bool wake;
    struct las_op_metrics *metrics;
};

void las_op_store_init(struct las_op_store *s, size_t max_resources, size_t max_pods,
                       struct las_op_metrics *m);
void las_op_store_free(struct las_op_store *s);

/* Reflector callbacks for the two caches (ctx: the store). */
void las_op_store_resources_begin(void *ctx);
void las_op_store_resource_upsert(void *ctx, const json_t *obj);
void las_op_store_resource_remove(void *ctx, const json_t *obj);
void las_op_store_resources_end(void *ctx);
void las_op_store_pods_begin(void *ctx);
void las_op_store_pod_upsert(void *ctx, const json_t *obj);
void las_op_store_pod_remove(void *ctx, const json_t *obj);
void las_op_store_pods_end(void *ctx);

/* Reads a pod object into p; false when it is not a pod of a resource. */
bool las_op_pod_from_json(const json_t *obj, struct las_op_pod *p);

struct las_op_controller;

struct las_op_controller *las_op_controller_new(const struct las_op_config *cfg,
                                                struct las_kube *kube, const char *namespace,
                                                struct las_op_store *store,
                                                struct las_op_metrics *m);
void las_op_controller_free(struct las_op_controller *c);

/*
 * Runs until *stop: reconciles resources whose cache changed, and each one
 * fully every resync period, while leading(ctx) says this replica leads.
 */
void las_op_controller_run(struct las_op_controller *c, const atomic_bool *stop,
                           bool (*leading)(void *ctx), void *leading_ctx);

/*
 * Brings a node table up to date with the resource's pods: one entry per
 * node that has a pod, entries of nodes without a pod kept (not ready)
 * while fewer nodes have pods than the DaemonSet wants (desired), or always
 * when that is unknown (desired < 0: the DaemonSet could not be read), so
 * that a node's last verified ID, which its next PlatformIDChanged Event
 * names, is not lost to one failed request. Pure (tests).
 */
void las_op_nodes_sync(struct las_op_node **nodes, size_t *n_nodes, size_t *cap,
                       const struct las_op_pod *pods, size_t n_pods, int64_t desired, int64_t now);

#endif
