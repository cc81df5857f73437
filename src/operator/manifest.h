/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The objects the operator applies for one LocalAttestationService: its
 * ServiceAccount, its DaemonSet (one LAS per node, as the Helm chart makes
 * it) and the <name>-platforms ConfigMap. Each is a complete object for
 * server-side apply, owned by the custom resource, so that deleting the
 * resource deletes them (docs/operator.md).
 */
#ifndef LAS_OP_MANIFEST_H
#define LAS_OP_MANIFEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "operator/spec.h"

#define LAS_OP_STATE_MOUNT "/var/lib/las" /* in the container */
#define LAS_OP_LAS_UID     10001

/* The custom resource that owns what is built. */
struct las_op_owner {
    const char *name;
    const char *namespace;
    const char *uid;
};

/* What the operator adds to every DaemonSet. */
struct las_op_manifest_config {
    const char
        *default_image; /* LAS image when spec.image is empty; also runs the init container */
};

/* The pod labels of one resource's LAS pods, and the selector string over them. */
json_t *las_op_labels(const char *name);
void las_op_selector(const char *name, char *out, size_t out_len);

json_t *las_op_service_account(const struct las_op_owner *o);
json_t *las_op_daemonset(const struct las_op_owner *o, const struct las_op_spec *s,
                         const struct las_op_manifest_config *cfg);

/*
 * The ConfigMap <name>-platforms holding "platforms: [ID, ...]\n" for the n
 * IDs (64 hex digits each, already sorted) under the key platforms.yaml.
 */
json_t *las_op_platforms_configmap(const struct las_op_owner *o, const char *const *ids, size_t n);

/* "platforms: [A, B]\n" into a malloc'd string. */
char *las_op_platforms_line(const char *const *ids, size_t n);

#endif
