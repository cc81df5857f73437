/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing and checking of a LocalAttestationService spec (spec.h). */
#include "operator/spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"

static const char *const mode_names[] = {"sgx", "sim", "auto"};
static const char *const plugin_names[] = {"intel", "scone", "azure", "disabled"};
static const char *const aesmd_names[] = {"host", "sidecar", "none"};

const char *las_op_mode_name(enum las_op_mode m)
{
    return mode_names[m];
}

const char *las_op_plugin_name(enum las_op_plugin p)
{
    return plugin_names[p];
}

const char *las_op_aesmd_name(enum las_op_aesmd a)
{
    return aesmd_names[a];
}

bool las_op_dns_label(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

__attribute__((format(printf, 3, 4))) static las_status bad(char *why, size_t why_len,
                                                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return LAS_ERR_INVALID_ARGUMENT;
}

/* A string field: absent keeps *out (the default). */
static las_status get_string(const json_t *obj, const char *key, const char *path, char *out,
                             size_t cap, char *why, size_t why_len)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return LAS_OK;
    if (!json_is_string(v))
        return bad(why, why_len, "%s: must be a string", path);
    if (json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v))
        return bad(why, why_len, "%s: longer than %zu characters", path, cap - 1);
    strcpy(out, json_string_value(v));
    return LAS_OK;
}

static las_status get_enum(const json_t *obj, const char *key, const char *path,
                           const char *const *names, size_t n, int *out, char *why, size_t why_len)
{
    char buf[32] = "";
    if (get_string(obj, key, path, buf, sizeof buf, why, why_len) != LAS_OK)
        return LAS_ERR_INVALID_ARGUMENT;
    if (buf[0] == '\0' && json_object_get(obj, key) == NULL)
        return LAS_OK;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(buf, names[i]) == 0) {
            *out = (int)i;
            return LAS_OK;
        }
    }
    char list[128] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                 names[i]);
    return bad(why, why_len, "%s: unsupported value \"%s\": supported values: %s", path, buf, list);
}

static las_status get_uint(const json_t *obj, const char *key, const char *path, unsigned min,
                           unsigned max, unsigned *out, char *why, size_t why_len)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return LAS_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return bad(why, why_len, "%s: must be an integer from %u to %u", path, min, max);
    *out = (unsigned)json_integer_value(v);
    return LAS_OK;
}

static las_status get_hex32(const json_t *obj, const char *key, const char *path, bool *have,
                            uint8_t out[static 32], char *why, size_t why_len)
{
    char buf[65] = "";
    if (get_string(obj, key, path, buf, sizeof buf, why, why_len) != LAS_OK)
        return bad(why, why_len, "%s: must be 64 hex digits", path);
    if (buf[0] == '\0')
        return LAS_OK;
    if (strlen(buf) != 64 || las_hex_decode(buf, out, 32) != LAS_OK)
        return bad(why, why_len, "%s: must be 64 hex digits", path);
    *have = true;
    return LAS_OK;
}

/* An object or array passed on to the DaemonSet as it is (the schema checked its shape). */
static las_status get_passthrough(const json_t *obj, const char *key, const char *path, bool array,
                                  json_t **out, char *why, size_t why_len)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = array ? json_array() : json_object();
    } else {
        if (array ? !json_is_array(v) : !json_is_object(v))
            return bad(why, why_len, "%s: must be %s", path, array ? "a list" : "an object");
        *out = json_deep_copy(v);
    }
    return *out ? LAS_OK : bad(why, why_len, "%s: out of memory", path);
}

static las_status parse_pull_secrets(const json_t *spec, struct las_op_spec *s, char *why,
                                     size_t why_len)
{
    if (get_passthrough(spec, "imagePullSecrets", "spec.imagePullSecrets", true,
                        &s->image_pull_secrets, why, why_len) != LAS_OK)
        return LAS_ERR_INVALID_ARGUMENT;
    size_t i;
    json_t *item;
    json_array_foreach(s->image_pull_secrets, i, item)
    {
        const json_t *name = json_object_get(item, "name");
        if (!json_is_object(item) || !json_is_string(name) ||
            !las_op_dns_label(json_string_value(name), 253))
            return bad(why, why_len, "spec.imagePullSecrets[%zu].name: must be a secret name", i);
    }
    return LAS_OK;
}

static las_status parse_node_selector(struct las_op_spec *s, char *why, size_t why_len)
{
    const char *key;
    json_t *v;
    json_object_foreach(s->node_selector, key, v)
    {
        if (!json_is_string(v))
            return bad(why, why_len, "spec.nodeSelector.%s: must be a string", key);
    }
    return LAS_OK;
}

static las_status parse_trust(const json_t *spec, struct las_op_trust *t, char *why, size_t why_len)
{
    const json_t *v = json_object_get(spec, "verification");
    if (v == NULL || json_is_null(v))
        return LAS_OK;
    if (!json_is_object(v))
        return bad(why, why_len, "spec.verification: must be an object");
    const json_t *allow = json_object_get(v, "allowSimulation");
    if (allow != NULL && !json_is_boolean(allow))
        return bad(why, why_len, "spec.verification.allowSimulation: must be true or false");
    t->allow_simulation = json_is_true(allow);
    const json_t *unknown = json_object_get(v, "allowUnknownTcb");
    if (unknown != NULL && !json_is_boolean(unknown))
        return bad(why, why_len, "spec.verification.allowUnknownTcb: must be true or false");
    t->allow_unknown_tcb = json_is_true(unknown);
    if (get_hex32(v, "lasMrsigner", "spec.verification.lasMrsigner", &t->have_mrsigner, t->mrsigner,
                  why, why_len) != LAS_OK ||
        get_hex32(v, "lasMrenclave", "spec.verification.lasMrenclave", &t->have_mrenclave,
                  t->mrenclave, why, why_len) != LAS_OK)
        return LAS_ERR_INVALID_ARGUMENT;
    const json_t *c = json_object_get(v, "collateral");
    if (c == NULL || json_is_null(c))
        return LAS_OK;
    if (!json_is_object(c))
        return bad(why, why_len, "spec.verification.collateral: must be an object");
    strcpy(t->collateral_key, "collateral.json");
    if (get_string(c, "configMap", "spec.verification.collateral.configMap",
                   t->collateral_configmap, sizeof t->collateral_configmap, why,
                   why_len) != LAS_OK ||
        get_string(c, "key", "spec.verification.collateral.key", t->collateral_key,
                   sizeof t->collateral_key, why, why_len) != LAS_OK)
        return LAS_ERR_INVALID_ARGUMENT;
    if (!las_op_dns_label(t->collateral_configmap, 253))
        return bad(why, why_len,
                   "spec.verification.collateral.configMap: must be a ConfigMap name");
    if (t->collateral_key[0] == '\0' || strchr(t->collateral_key, '/'))
        return bad(why, why_len, "spec.verification.collateral.key: must be a ConfigMap key");
    return LAS_OK;
}

static void defaults(struct las_op_spec *s)
{
    memset(s, 0, sizeof *s);
    strcpy(s->image_pull_policy, "IfNotPresent");
    s->mode = LAS_OP_MODE_SGX; /* fail closed: simulation only when asked for */
    s->plugin = LAS_OP_PLUGIN_INTEL;
    s->sgx_epc_mib = 512;
    s->aesmd = LAS_OP_AESMD_HOST;
    strcpy(s->aesmd_host_path, "/var/run/aesmd");
    s->port = 18766;
    s->host_port = 18766;
    strcpy(s->log_level, "info");
    strcpy(s->log_format, "text");
    strcpy(s->state_dir, "/var/lib/las");
}

las_status las_op_spec_parse(const json_t *spec, struct las_op_spec *s, char *why, size_t why_len)
{
    static const char *const pull_policies[] = {"IfNotPresent", "Always", "Never"};
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    static const char *const formats[] = {"text", "json"};
    json_t *empty = NULL;
    int mode = LAS_OP_MODE_SGX, plugin = LAS_OP_PLUGIN_INTEL, aesmd = LAS_OP_AESMD_HOST;
    int pull = 0, level = 1, format = 0;

    defaults(s);
    if (spec == NULL || json_is_null(spec))
        spec = empty = json_object();
    if (!json_is_object(spec)) {
        json_decref(empty);
        return bad(why, why_len, "spec: must be an object");
    }
    las_status st = LAS_ERR_INVALID_ARGUMENT;
    if (get_string(spec, "image", "spec.image", s->image, sizeof s->image, why, why_len) ||
        get_enum(spec, "imagePullPolicy", "spec.imagePullPolicy", pull_policies, 3, &pull, why,
                 why_len) ||
        parse_pull_secrets(spec, s, why, why_len) ||
        get_enum(spec, "mode", "spec.mode", mode_names, 3, &mode, why, why_len) ||
        get_enum(spec, "sgxDevicePlugin", "spec.sgxDevicePlugin", plugin_names, 4, &plugin, why,
                 why_len) ||
        get_uint(spec, "sgxEpcMiB", "spec.sgxEpcMiB", 1, 1048576, &s->sgx_epc_mib, why, why_len) ||
        get_enum(spec, "aesmd", "spec.aesmd", aesmd_names, 3, &aesmd, why, why_len) ||
        get_string(spec, "aesmdHostPath", "spec.aesmdHostPath", s->aesmd_host_path,
                   sizeof s->aesmd_host_path, why, why_len) ||
        get_string(spec, "aesmdImage", "spec.aesmdImage", s->aesmd_image, sizeof s->aesmd_image,
                   why, why_len) ||
        get_uint(spec, "port", "spec.port", 1, 65535, &s->port, why, why_len) ||
        get_uint(spec, "hostPort", "spec.hostPort", 0, 65535, &s->host_port, why, why_len) ||
        get_passthrough(spec, "nodeSelector", "spec.nodeSelector", false, &s->node_selector, why,
                        why_len) ||
        parse_node_selector(s, why, why_len) ||
        get_passthrough(spec, "tolerations", "spec.tolerations", true, &s->tolerations, why,
                        why_len) ||
        get_passthrough(spec, "resources", "spec.resources", false, &s->resources, why, why_len) ||
        get_enum(spec, "logLevel", "spec.logLevel", levels, 4, &level, why, why_len) ||
        get_enum(spec, "logFormat", "spec.logFormat", formats, 2, &format, why, why_len) ||
        get_string(spec, "simCpusvn", "spec.simCpusvn", s->sim_cpusvn, sizeof s->sim_cpusvn, why,
                   why_len) ||
        get_string(spec, "stateDir", "spec.stateDir", s->state_dir, sizeof s->state_dir, why,
                   why_len) ||
        parse_trust(spec, &s->trust, why, why_len))
        goto out;
    s->mode = (enum las_op_mode)mode;
    s->plugin = (enum las_op_plugin)plugin;
    s->aesmd = (enum las_op_aesmd)aesmd;
    strcpy(s->image_pull_policy, pull_policies[pull]);
    strcpy(s->log_level, levels[level]);
    strcpy(s->log_format, formats[format]);

    /* Rules across fields, or beyond what the schema of Kubernetes 1.20 can say. */
    if (strpbrk(s->image, " \t\r\n")) {
        bad(why, why_len, "spec.image: must not contain white space");
        goto out;
    }
    if (s->sim_cpusvn[0]) {
        uint8_t tmp[16];
        if (strlen(s->sim_cpusvn) != 32 || las_hex_decode(s->sim_cpusvn, tmp, 16) != LAS_OK) {
            bad(why, why_len, "spec.simCpusvn: must be 32 hex digits");
            goto out;
        }
        s->have_sim_cpusvn = true;
    }
    if (s->state_dir[0] != '/' || strstr(s->state_dir, "..") || strcmp(s->state_dir, "/") == 0) {
        bad(why, why_len, "spec.stateDir: must be an absolute host path without '..', not /");
        goto out;
    }
    if (s->aesmd_host_path[0] != '/' || strstr(s->aesmd_host_path, "..")) {
        bad(why, why_len, "spec.aesmdHostPath: must be an absolute host path without '..'");
        goto out;
    }
    if (s->mode != LAS_OP_MODE_SIM && s->aesmd == LAS_OP_AESMD_SIDECAR && !s->aesmd_image[0]) {
        bad(why, why_len, "spec.aesmdImage: required when spec.aesmd is sidecar");
        goto out;
    }
    st = LAS_OK;
out:
    json_decref(empty);
    if (st != LAS_OK)
        las_op_spec_free(s);
    return st;
}

void las_op_spec_free(struct las_op_spec *s)
{
    json_decref(s->image_pull_secrets);
    json_decref(s->node_selector);
    json_decref(s->tolerations);
    json_decref(s->resources);
    s->image_pull_secrets = s->node_selector = s->tolerations = s->resources = NULL;
}
