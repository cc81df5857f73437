/* SPDX-License-Identifier: Apache-2.0 */
/* Building the objects the operator applies (manifest.h). */
#include "operator/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *las_op_labels(const char *name)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "app.kubernetes.io/name", "las",
                     "app.kubernetes.io/instance", name, "app.kubernetes.io/component",
                     "attestation", "app.kubernetes.io/part-of", "las",
                     "app.kubernetes.io/managed-by", LAS_OP_MANAGER);
}

void las_op_selector(const char *name, char *out, size_t out_len)
{
    snprintf(out, out_len,
             "app.kubernetes.io/instance=%s,app.kubernetes.io/component=attestation,"
             "app.kubernetes.io/part-of=las,app.kubernetes.io/managed-by=" LAS_OP_MANAGER,
             name);
}

static json_t *metadata(const struct las_op_owner *o, const char *name)
{
    /* No blockOwnerDeletion: that would need update on the owner's finalizers. */
    return json_pack("{s:s,s:s,s:o,s:[{s:s,s:s,s:s,s:s,s:b}]}", "name", name, "namespace",
                     o->namespace, "labels", las_op_labels(o->name), "ownerReferences",
                     "apiVersion", LAS_OP_GROUP "/" LAS_OP_VERSION, "kind", LAS_OP_KIND, "name",
                     o->name, "uid", o->uid, "controller", 1);
}

json_t *las_op_service_account(const struct las_op_owner *o)
{
    /* LAS never talks to the Kubernetes API. */
    return json_pack("{s:s,s:s,s:o,s:b}", "apiVersion", "v1", "kind", "ServiceAccount", "metadata",
                     metadata(o, o->name), "automountServiceAccountToken", 0);
}

static bool needs_sgx(const struct las_op_spec *s)
{
    return s->mode != LAS_OP_MODE_SIM;
}

static bool host_devices(const struct las_op_spec *s)
{
    return needs_sgx(s) && s->plugin == LAS_OP_PLUGIN_DISABLED;
}

static enum las_op_aesmd aesmd_in_effect(const struct las_op_spec *s)
{
    return needs_sgx(s) ? s->aesmd : LAS_OP_AESMD_NONE;
}

/* spec.resources with the SGX device-plugin resources added to limits. */
static json_t *resources(const struct las_op_spec *s, unsigned epc_mib)
{
    json_t *res = json_deep_copy(s->resources);
    if (!needs_sgx(s) || s->plugin == LAS_OP_PLUGIN_DISABLED)
        return res;
    json_t *limits = json_object_get(res, "limits");
    if (!json_is_object(limits)) {
        limits = json_object();
        json_object_set_new(res, "limits", limits);
    }
    char epc[32];
    switch (s->plugin) {
    case LAS_OP_PLUGIN_SCONE:
        json_object_set_new(limits, "sgx.k8s.io/sgx", json_integer(1));
        break;
    case LAS_OP_PLUGIN_INTEL:
        snprintf(epc, sizeof epc, "%uMi", epc_mib);
        json_object_set_new(limits, "sgx.intel.com/enclave", json_integer(1));
        json_object_set_new(limits, "sgx.intel.com/provision", json_integer(1));
        json_object_set_new(limits, "sgx.intel.com/epc", json_string(epc));
        break;
    case LAS_OP_PLUGIN_AZURE: /* the AKS plug-in counts MiB */
        json_object_set_new(limits, "sgx.intel.com/epc", json_integer(epc_mib));
        break;
    case LAS_OP_PLUGIN_DISABLED:
        break;
    }
    return res;
}

static json_t *container_security(const struct las_op_spec *s)
{
    json_t *sc = json_pack("{s:b,s:i,s:i,s:b,s:{s:s}}", "runAsNonRoot", 1, "runAsUser",
                           LAS_OP_LAS_UID, "runAsGroup", LAS_OP_LAS_UID, "readOnlyRootFilesystem",
                           1, "seccompProfile", "type", "RuntimeDefault");
    if (host_devices(s)) {
        /* Kubernetes gives hostPath device access only to privileged containers. */
        json_object_set_new(sc, "privileged", json_true());
    } else {
        json_object_set_new(sc, "allowPrivilegeEscalation", json_false());
        json_object_set_new(sc, "capabilities", json_pack("{s:[s]}", "drop", "ALL"));
    }
    return sc;
}

static json_t *sgx_mounts(const struct las_op_spec *s)
{
    json_t *m = json_array();
    if (host_devices(s)) {
        json_array_append_new(
            m, json_pack("{s:s,s:s}", "name", "sgx-enclave", "mountPath", "/dev/sgx_enclave"));
        json_array_append_new(
            m, json_pack("{s:s,s:s}", "name", "sgx-provision", "mountPath", "/dev/sgx_provision"));
    }
    enum las_op_aesmd a = aesmd_in_effect(s);
    if (a != LAS_OP_AESMD_NONE)
        json_array_append_new(m, json_pack("{s:s,s:s,s:b}", "name", "aesmd-socket", "mountPath",
                                           "/var/run/aesmd", "readOnly", a == LAS_OP_AESMD_HOST));
    return m;
}

static json_t *probe(const char *path, int period, int failures)
{
    return json_pack("{s:{s:s,s:s},s:i,s:i,s:i}", "httpGet", "path", path, "port", "http",
                     "periodSeconds", period, "failureThreshold", failures, "timeoutSeconds", 2);
}

static json_t *las_container(const struct las_op_spec *s, const char *image)
{
    char listen[32];
    snprintf(listen, sizeof listen, "0.0.0.0:%u", s->port);
    json_t *args = json_pack("[s,s,s,s,s,s,s,s,s,s,s]", "serve", "--listen", listen, "--state-dir",
                             LAS_OP_STATE_MOUNT, "--mode", las_op_mode_name(s->mode), "--log-level",
                             s->log_level, "--log-format", s->log_format);
    /* The same settings as variables: a Gramine manifest fixes argv and passes LAS_* through. */
    /* LAS answers only Host names of its own (docs/http-api.md): applications and
     * --evidence-via host reach it at the node's address, which is not the pod's. */
    json_t *env =
        json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},"
                  "{s:s,s:{s:{s:s}}},{s:s,s:{s:{s:s}}},{s:s,s:s}]",
                  "name", "LAS_LISTEN", "value", listen, "name", "LAS_STATE_DIR", "value",
                  LAS_OP_STATE_MOUNT, "name", "LAS_MODE", "value", las_op_mode_name(s->mode),
                  "name", "LAS_LOG_LEVEL", "value", s->log_level, "name", "LAS_LOG_FORMAT", "value",
                  s->log_format, "name", "NODE_NAME", "valueFrom", "fieldRef", "fieldPath",
                  "spec.nodeName", "name", "HOST_IP", "valueFrom", "fieldRef", "fieldPath",
                  "status.hostIP", "name", "LAS_ALLOWED_HOSTS", "value", "$(HOST_IP)");
    if (s->have_sim_cpusvn && s->mode != LAS_OP_MODE_SGX) {
        json_array_append_new(args, json_string("--sim-cpusvn"));
        json_array_append_new(args, json_string(s->sim_cpusvn));
        json_array_append_new(
            env, json_pack("{s:s,s:s}", "name", "LAS_SIM_CPUSVN", "value", s->sim_cpusvn));
    }
    json_t *port =
        json_pack("{s:s,s:i,s:s}", "name", "http", "containerPort", s->port, "protocol", "TCP");
    if (s->host_port)
        json_object_set_new(port, "hostPort", json_integer(s->host_port));
    json_t *mounts = json_pack("[{s:s,s:s}]", "name", "state", "mountPath", LAS_OP_STATE_MOUNT);
    json_t *more = sgx_mounts(s);
    json_array_extend(mounts, more);
    json_decref(more);
    json_t *c = json_pack("{s:s,s:s,s:s,s:o,s:o,s:[o],s:o,s:o,s:o,s:o,s:o,s:o}", "name", "las",
                          "image", image, "imagePullPolicy", s->image_pull_policy, "args", args,
                          "env", env, "ports", port, "startupProbe", probe("/healthz", 2, 60),
                          "livenessProbe", probe("/healthz", 10, 3), "readinessProbe",
                          probe("/readyz", 5, 2), "securityContext", container_security(s),
                          "resources", resources(s, s->sgx_epc_mib), "volumeMounts", mounts);
    return c;
}

static json_t *aesmd_container(const struct las_op_spec *s)
{
    struct las_op_spec small = *s;
    small.resources = json_object();
    json_t *c =
        json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "name", "aesmd", "image", s->aesmd_image,
                  "imagePullPolicy", s->image_pull_policy, "securityContext", container_security(s),
                  "resources", resources(&small, 32), "volumeMounts", sgx_mounts(s));
    json_decref(small.resources);
    /* The sidecar writes its socket. */
    json_t *m;
    size_t i;
    json_array_foreach(json_object_get(c, "volumeMounts"), i, m) json_object_del(m, "readOnly");
    return c;
}

/*
 * kubelet creates a missing hostPath directory as root, mode 0755: this
 * init container (root, only CHOWN and FOWNER) hands it to LAS's user.
 */
static json_t *state_dir_init(const char *image, const struct las_op_spec *s)
{
    return json_pack("{s:s,s:s,s:s,s:[s,s,s],s:{s:b,s:i,s:i,s:b,s:b,s:{s:[s],s:[s,s]},s:{s:s}},"
                     "s:{s:{s:s,s:s},s:{s:s}},s:[{s:s,s:s}]}",
                     "name", "state-dir-owner", "image", image, "imagePullPolicy",
                     s->image_pull_policy, "command", "/usr/bin/las-operator", "init-state-dir",
                     LAS_OP_STATE_MOUNT, "securityContext", "runAsNonRoot", 0, "runAsUser", 0,
                     "runAsGroup", 0, "readOnlyRootFilesystem", 1, "allowPrivilegeEscalation", 0,
                     "capabilities", "drop", "ALL", "add", "CHOWN", "FOWNER", "seccompProfile",
                     "type", "RuntimeDefault", "resources", "requests", "cpu", "10m", "memory",
                     "8Mi", "limits", "memory", "16Mi", "volumeMounts", "name", "state",
                     "mountPath", LAS_OP_STATE_MOUNT);
}

static json_t *volumes(const struct las_op_spec *s)
{
    json_t *v = json_pack("[{s:s,s:{s:s,s:s}}]", "name", "state", "hostPath", "path", s->state_dir,
                          "type", "DirectoryOrCreate");
    if (host_devices(s)) {
        json_array_append_new(v, json_pack("{s:s,s:{s:s,s:s}}", "name", "sgx-enclave", "hostPath",
                                           "path", "/dev/sgx_enclave", "type", "CharDevice"));
        json_array_append_new(v, json_pack("{s:s,s:{s:s,s:s}}", "name", "sgx-provision", "hostPath",
                                           "path", "/dev/sgx_provision", "type", "CharDevice"));
    }
    switch (aesmd_in_effect(s)) {
    case LAS_OP_AESMD_HOST:
        json_array_append_new(v,
                              json_pack("{s:s,s:{s:s,s:s}}", "name", "aesmd-socket", "hostPath",
                                        "path", s->aesmd_host_path, "type", "DirectoryOrCreate"));
        break;
    case LAS_OP_AESMD_SIDECAR:
        json_array_append_new(v, json_pack("{s:s,s:{s:s,s:s}}", "name", "aesmd-socket", "emptyDir",
                                           "medium", "Memory", "sizeLimit", "1Mi"));
        break;
    case LAS_OP_AESMD_NONE:
        break;
    }
    return v;
}

json_t *las_op_daemonset(const struct las_op_owner *o, const struct las_op_spec *s,
                         const struct las_op_manifest_config *cfg)
{
    const char *image = s->image[0] ? s->image : cfg->default_image;
    json_t *containers = json_pack("[o]", las_container(s, image));
    if (aesmd_in_effect(s) == LAS_OP_AESMD_SIDECAR)
        json_array_append_new(containers, aesmd_container(s));
    json_t *pod =
        json_pack("{s:s,s:b,s:i,s:{s:b,s:i,s:i,s:{s:s}},s:[o],s:o,s:o,s:o,s:o}",
                  "serviceAccountName", o->name, "automountServiceAccountToken", 0,
                  "terminationGracePeriodSeconds", 30, "securityContext", "runAsNonRoot", 1,
                  "runAsUser", LAS_OP_LAS_UID, "runAsGroup", LAS_OP_LAS_UID, "seccompProfile",
                  "type", "RuntimeDefault", "initContainers", state_dir_init(cfg->default_image, s),
                  "containers", containers, "volumes", volumes(s), "nodeSelector",
                  json_deep_copy(s->node_selector), "tolerations", json_deep_copy(s->tolerations));
    if (json_array_size(s->image_pull_secrets) > 0)
        json_object_set_new(pod, "imagePullSecrets", json_deep_copy(s->image_pull_secrets));
    json_t *selector = json_pack("{s:s,s:s}", "app.kubernetes.io/name", "las",
                                 "app.kubernetes.io/instance", o->name);
    return json_pack("{s:s,s:s,s:o,s:{s:{s:o},s:{s:s,s:{s:i}},s:{s:{s:o},s:o}}}", "apiVersion",
                     "apps/v1", "kind", "DaemonSet", "metadata", metadata(o, o->name), "spec",
                     "selector", "matchLabels", selector, "updateStrategy", "type", "RollingUpdate",
                     "rollingUpdate", "maxUnavailable", 1, "template", "metadata", "labels",
                     las_op_labels(o->name), "spec", pod);
}

char *las_op_platforms_line(const char *const *ids, size_t n)
{
    size_t cap = sizeof "platforms: []\n" + n * 66;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t len = (size_t)snprintf(out, cap, "platforms: [");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", ids[i]);
    snprintf(out + len, cap - len, "]\n");
    return out;
}

json_t *las_op_platforms_configmap(const struct las_op_owner *o, const char *const *ids, size_t n)
{
    char name[LAS_OP_NAME_MAX + sizeof "-platforms"];
    snprintf(name, sizeof name, "%s-platforms", o->name);
    char *line = las_op_platforms_line(ids, n);
    if (line == NULL)
        return NULL;
    json_t *cm = json_pack("{s:s,s:s,s:o,s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                           "metadata", metadata(o, name), "data", "platforms.yaml", line);
    free(line);
    return cm;
}
