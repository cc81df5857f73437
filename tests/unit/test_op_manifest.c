/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The objects the operator applies, and the shipped operator manifests: the
 * DaemonSet as the chart makes it, ownership, the ConfigMap, RBAC with
 * exactly the verbs the operator uses, a restricted-compatible operator pod.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "operator/manifest.h"
#include "operator/spec.h"
#include "operator/yaml_json.h"
#include "version.h"

static const struct las_op_owner owner = {"las", "las-ns", "1234-uid"};
static const struct las_op_manifest_config mcfg = {"localhost/las:9"};

static json_t *ds_for(const char *spec_json, struct las_op_spec *s)
{
    char why[256];
    json_t *j = json_loads(spec_json, 0, NULL);
    assert_non_null(j);
    assert_int_equal(las_op_spec_parse(j, s, why, sizeof why), LAS_OK);
    json_decref(j);
    json_t *ds = las_op_daemonset(&owner, s, &mcfg);
    assert_non_null(ds);
    return ds;
}

/* The value at a path of object keys and array indexes ("spec.template.spec.containers.0"). */
static json_t *at(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && j;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)atoi(tok));
        else
            j = json_object_get(j, tok);
    }
    return j;
}

static const char *str(json_t *j, const char *path)
{
    return json_string_value(at(j, path));
}

static bool array_has(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

static void test_owned_and_labelled(void **state)
{
    (void)state;
    struct las_op_spec s;
    json_t *ds = ds_for("{\"mode\":\"sim\"}", &s);
    assert_string_equal(str(ds, "kind"), "DaemonSet");
    assert_string_equal(str(ds, "metadata.name"), "las");
    assert_string_equal(str(ds, "metadata.namespace"), "las-ns");
    assert_string_equal(str(ds, "metadata.ownerReferences.0.uid"), "1234-uid");
    assert_string_equal(str(ds, "metadata.ownerReferences.0.kind"), "LocalAttestationService");
    assert_string_equal(str(ds, "metadata.ownerReferences.0.apiVersion"), "las.dev/v1alpha1");
    assert_true(json_is_true(at(ds, "metadata.ownerReferences.0.controller")));
    /* The labels that scripts/get-platform-ids selects by. */
    json_t *labels = at(ds, "spec.template.metadata.labels");
    assert_string_equal(json_string_value(json_object_get(labels, "app.kubernetes.io/instance")),
                        "las");
    assert_string_equal(json_string_value(json_object_get(labels, "app.kubernetes.io/component")),
                        "attestation");
    assert_string_equal(json_string_value(json_object_get(labels, "app.kubernetes.io/part-of")),
                        "las");
    assert_string_equal(json_string_value(json_object_get(labels, "app.kubernetes.io/managed-by")),
                        "las-operator");
    /* The selector is a subset of the template's labels. */
    const char *k;
    json_t *v;
    json_object_foreach(at(ds, "spec.selector.matchLabels"), k, v)
        assert_string_equal(json_string_value(json_object_get(labels, k)), json_string_value(v));
    char sel[512];
    las_op_selector("las", sel, sizeof sel);
    assert_non_null(strstr(sel, "app.kubernetes.io/instance=las"));
    json_t *sa = las_op_service_account(&owner);
    assert_true(json_is_false(at(sa, "automountServiceAccountToken")));
    assert_string_equal(str(sa, "metadata.ownerReferences.0.uid"), "1234-uid");
    assert_string_equal(str(ds, "spec.template.spec.serviceAccountName"), "las");
    assert_true(json_is_false(at(ds, "spec.template.spec.automountServiceAccountToken")));
    json_decref(sa);
    json_decref(ds);
    las_op_spec_free(&s);
}

static void test_sim_pod(void **state)
{
    (void)state;
    struct las_op_spec s;
    json_t *ds = ds_for("{\"mode\":\"sim\",\"simCpusvn\":\"0102030405060708090a0b0c0d0e0f10\","
                        "\"hostPort\":18766,\"tolerations\":[{\"operator\":\"Exists\"}]}",
                        &s);
    json_t *c = at(ds, "spec.template.spec.containers.0");
    assert_string_equal(str(c, "image"), "localhost/las:9"); /* the operator's default */
    json_t *args = at(c, "args");
    assert_string_equal(str(args, "0"), "serve");
    assert_true(array_has(args, "0.0.0.0:18766"));
    assert_true(array_has(args, "sim"));
    assert_true(array_has(args, "--sim-cpusvn"));
    assert_true(array_has(args, "0102030405060708090a0b0c0d0e0f10"));
    assert_int_equal(json_integer_value(at(c, "ports.0.hostPort")), 18766);
    assert_string_equal(str(c, "readinessProbe.httpGet.path"), "/readyz");
    /* Sim mode: no SGX resources, no AESM, no devices. */
    assert_null(json_object_get(at(c, "resources.limits"), "sgx.intel.com/epc"));
    assert_int_equal(json_array_size(at(ds, "spec.template.spec.containers")), 1);
    assert_int_equal(json_array_size(at(ds, "spec.template.spec.volumes")), 1);
    assert_string_equal(str(ds, "spec.template.spec.volumes.0.hostPath.path"), "/var/lib/las");
    /* Hardened container; the init container hands the state directory to uid 10001. */
    assert_true(json_is_true(at(c, "securityContext.readOnlyRootFilesystem")));
    assert_true(json_is_false(at(c, "securityContext.allowPrivilegeEscalation")));
    assert_string_equal(str(c, "securityContext.capabilities.drop.0"), "ALL");
    json_t *init = at(ds, "spec.template.spec.initContainers.0");
    assert_string_equal(str(init, "image"), "localhost/las:9");
    assert_string_equal(str(init, "command.1"), "init-state-dir");
    assert_string_equal(str(ds, "spec.template.spec.tolerations.0.operator"), "Exists");
    json_decref(ds);
    las_op_spec_free(&s);

    /* No host port; the spec's image. */
    ds = ds_for("{\"mode\":\"sim\",\"hostPort\":0,\"image\":\"reg/las:2\"}", &s);
    c = at(ds, "spec.template.spec.containers.0");
    assert_null(at(c, "ports.0.hostPort"));
    assert_string_equal(str(c, "image"), "reg/las:2");
    assert_false(array_has(at(c, "args"), "--sim-cpusvn"));
    json_decref(ds);
    las_op_spec_free(&s);
}

static void test_sgx_pods(void **state)
{
    (void)state;
    struct las_op_spec s;
    /* Intel plugin, host AESM: device-plugin resources, the AESM socket read-only. */
    json_t *ds = ds_for("{\"simCpusvn\":\"0102030405060708090a0b0c0d0e0f10\","
                        "\"resources\":{\"limits\":{\"memory\":\"256Mi\"}}}",
                        &s);
    json_t *c = at(ds, "spec.template.spec.containers.0");
    assert_true(array_has(at(c, "args"), "sgx"));
    assert_false(array_has(at(c, "args"), "--sim-cpusvn")); /* sim only */
    json_t *limits = at(c, "resources.limits");
    assert_string_equal(json_string_value(json_object_get(limits, "sgx.intel.com/epc")), "512Mi");
    assert_int_equal(json_integer_value(json_object_get(limits, "sgx.intel.com/enclave")), 1);
    assert_string_equal(json_string_value(json_object_get(limits, "memory")), "256Mi");
    assert_string_equal(str(c, "volumeMounts.1.mountPath"), "/var/run/aesmd");
    assert_true(json_is_true(at(c, "volumeMounts.1.readOnly")));
    assert_null(at(c, "securityContext.privileged"));
    json_decref(ds);
    las_op_spec_free(&s);

    /* No device plugin: host devices, which only a privileged container gets. */
    ds = ds_for("{\"sgxDevicePlugin\":\"disabled\",\"aesmd\":\"none\"}", &s);
    c = at(ds, "spec.template.spec.containers.0");
    assert_true(json_is_true(at(c, "securityContext.privileged")));
    assert_null(at(c, "securityContext.allowPrivilegeEscalation"));
    assert_null(json_object_get(at(c, "resources.limits"), "sgx.intel.com/epc"));
    assert_string_equal(str(ds, "spec.template.spec.volumes.1.hostPath.path"), "/dev/sgx_enclave");
    assert_int_equal(json_array_size(at(ds, "spec.template.spec.volumes")), 3);
    json_decref(ds);
    las_op_spec_free(&s);

    /* AESM sidecar, Azure plugin (EPC counted in MiB). */
    ds = ds_for("{\"sgxDevicePlugin\":\"azure\",\"aesmd\":\"sidecar\",\"aesmdImage\":\"x/aesmd:1\","
                "\"sgxEpcMiB\":64}",
                &s);
    assert_int_equal(json_array_size(at(ds, "spec.template.spec.containers")), 2);
    json_t *side = at(ds, "spec.template.spec.containers.1");
    assert_string_equal(str(side, "image"), "x/aesmd:1");
    assert_null(at(side, "volumeMounts.0.readOnly"));
    c = at(ds, "spec.template.spec.containers.0");
    assert_int_equal(
        json_integer_value(json_object_get(at(c, "resources.limits"), "sgx.intel.com/epc")), 64);
    assert_string_equal(str(ds, "spec.template.spec.volumes.1.emptyDir.medium"), "Memory");
    json_decref(ds);
    las_op_spec_free(&s);
}

static void test_platforms_configmap(void **state)
{
    (void)state;
    const char *ids[] = {"AAAA", "BBBB"};
    json_t *cm = las_op_platforms_configmap(&owner, ids, 2);
    assert_string_equal(str(cm, "metadata.name"), "las-platforms");
    assert_string_equal(str(cm, "metadata.ownerReferences.0.uid"), "1234-uid");
    assert_string_equal(json_string_value(json_object_get(at(cm, "data"), "platforms.yaml")),
                        "platforms: [AAAA, BBBB]\n");
    json_decref(cm);
    char *line = las_op_platforms_line(NULL, 0);
    assert_string_equal(line, "platforms: []\n");
    free(line);
}

static json_t *load_docs(const char *name, json_t **docs, size_t max, size_t *n)
{
    const char *src = getenv("LAS_SOURCE_DIR");
    if (src == NULL)
        return NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/deploy/operator/%s", src, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    /* One YAML document after another, split at the "---" lines. */
    *n = 0;
    char *p = buf;
    while (p && *n < max) {
        char *sep = strstr(p, "\n---\n");
        size_t l = sep ? (size_t)(sep - p) : strlen(p);
        char why[256];
        assert_int_equal(las_op_yaml_load((const uint8_t *)p, l, &docs[*n], why, sizeof why),
                         LAS_OK);
        (*n)++;
        p = sep ? sep + 5 : NULL;
    }
    return docs[0];
}

static json_t *find_kind(json_t **docs, size_t n, const char *kind)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(str(docs[i], "kind"), kind) == 0)
            return docs[i];
    }
    fail_msg("no %s in operator.yaml", kind);
    return NULL;
}

/* The verbs of the Role are exactly those the operator's code uses. */
static void test_rbac_least_privilege(void **state)
{
    (void)state;
    json_t *docs[8];
    size_t n = 0;
    if (load_docs("operator.yaml", docs, 8, &n) == NULL)
        skip();
    json_t *role = find_kind(docs, n, "Role");
    static const struct {
        const char *group, *resource, *verbs;
    } want[] = {
        {"las.dev", "localattestationservices", "list,watch"},
        {"las.dev", "localattestationservices/status", "patch"},
        {"apps", "daemonsets", "get,create,patch"},
        {"", "serviceaccounts", "create,patch"},
        {"", "configmaps", "get,create,patch"},
        {"", "pods", "list,watch"},
        {"", "events", "create"},
        {"coordination.k8s.io", "leases", "get,create,update"},
    };
    json_t *rules = at(role, "rules");
    assert_int_equal(json_array_size(rules), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *r = json_array_get(rules, i);
        assert_string_equal(str(r, "apiGroups.0"), want[i].group);
        assert_string_equal(str(r, "resources.0"), want[i].resource);
        assert_int_equal(json_array_size(at(r, "resources")), 1);
        char verbs[128] = "";
        size_t k;
        json_t *v;
        json_array_foreach(at(r, "verbs"), k, v)
            snprintf(verbs + strlen(verbs), sizeof verbs - strlen(verbs), "%s%s", k ? "," : "",
                     json_string_value(v));
        assert_string_equal(verbs, want[i].verbs);
    }
    char *text = json_dumps(role, 0);
    assert_null(strstr(text, "\"*\""));
    free(text);
    for (size_t i = 0; i < n; i++)
        json_decref(docs[i]);
}

/* The operator's pod meets the PodSecurity "restricted" level (Kubernetes 1.25's rules). */
static void test_operator_pod_restricted(void **state)
{
    (void)state;
    json_t *docs[8];
    size_t n = 0;
    if (load_docs("operator.yaml", docs, 8, &n) == NULL)
        skip();
    json_t *dep = find_kind(docs, n, "Deployment");
    json_t *pod = at(dep, "spec.template.spec");
    assert_null(json_object_get(pod, "hostNetwork"));
    assert_null(json_object_get(pod, "hostPID"));
    assert_null(json_object_get(pod, "hostIPC"));
    assert_null(json_object_get(pod, "volumes"));
    assert_true(json_is_true(at(pod, "securityContext.runAsNonRoot")));
    assert_string_equal(str(pod, "securityContext.seccompProfile.type"), "RuntimeDefault");
    size_t i;
    json_t *c;
    json_array_foreach(at(pod, "containers"), i, c)
    {
        json_t *sc = at(c, "securityContext");
        assert_true(json_is_false(at(sc, "allowPrivilegeEscalation")));
        assert_true(json_is_true(at(sc, "runAsNonRoot")));
        assert_true(json_integer_value(at(sc, "runAsUser")) > 0);
        assert_string_equal(str(sc, "capabilities.drop.0"), "ALL");
        assert_null(at(sc, "capabilities.add"));
        assert_null(at(sc, "privileged"));
        assert_string_equal(str(sc, "seccompProfile.type"), "RuntimeDefault");
        assert_null(at(c, "ports.0.hostPort"));
        /* The image is this version's. */
        char want[64];
        snprintf(want, sizeof want, "localhost/las:%s", LAS_VERSION);
        assert_string_equal(str(c, "image"), want);
        assert_string_equal(str(c, "env.0.value"), want);
    }
    assert_string_equal(str(find_kind(docs, n, "RoleBinding"), "subjects.0.name"),
                        str(dep, "spec.template.spec.serviceAccountName"));
    for (size_t k = 0; k < n; k++)
        json_decref(docs[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owned_and_labelled),
        cmocka_unit_test(test_sim_pod),
        cmocka_unit_test(test_sgx_pods),
        cmocka_unit_test(test_platforms_configmap),
        cmocka_unit_test(test_rbac_least_privilege),
        cmocka_unit_test(test_operator_pod_restricted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
