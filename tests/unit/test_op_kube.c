/* SPDX-License-Identifier: Apache-2.0 */
/* Cluster configuration: kubeconfig files, the in-cluster service account, YAML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "operator/kube.h"
#include "operator/yaml_json.h"
#include "test_helpers.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    test_path(path, sizeof path, dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *kubeconfig =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: test\n"
    "clusters:\n"
    "- name: c1\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443\n"
    "    certificate-authority: ca.crt\n"
    "- name: c2\n"
    "  cluster: {server: 'https://[fd00::1]:6443', certificate-authority-data: "
    "LS0tLS1CRUdJTgo=}\n"
    "contexts:\n"
    "- name: test\n"
    "  context: {cluster: c1, user: admin, namespace: las}\n"
    "- name: other\n"
    "  context: {cluster: c2, user: plugin}\n"
    "- name: broken\n"
    "  context: {cluster: nowhere, user: admin}\n"
    "users:\n"
    "- name: admin\n"
    "  user: {token: secret-token}\n"
    "- name: plugin\n"
    "  user:\n"
    "    exec: {command: aws}\n";

static void test_kubeconfig(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char path[1024], why[512];
    write_file(dir, "config", kubeconfig);
    write_file(dir, "ca.crt", "-----BEGIN CERTIFICATE-----\n");
    test_path(path, sizeof path, dir, "config");
    struct las_kube *k = NULL;
    assert_int_equal(las_kube_load(path, NULL, "/nonexistent", &k, why, sizeof why), LAS_OK);
    assert_string_equal(las_kube_server(k), "https://10.0.0.1:6443");
    assert_string_equal(las_kube_namespace(k), "las");
    las_kube_free(k);
    /* Exec plugins are not run: a clear refusal. */
    assert_int_not_equal(las_kube_load(path, "other", "/nonexistent", &k, why, sizeof why), LAS_OK);
    assert_null(k);
    assert_non_null(strstr(why, "exec"));
    assert_int_not_equal(las_kube_load(path, "broken", "/x", &k, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "broken"));
    assert_int_not_equal(las_kube_load(path, "missing", "/x", &k, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "missing"));
    /* The token never appears in a reason. */
    assert_null(strstr(why, "secret-token"));
    /* A CA file that is not there. */
    write_file(dir, "config2",
               "current-context: x\ncontexts: [{name: x, context: {cluster: c, "
               "user: u}}]\nclusters: [{name: c, cluster: {server: "
               "'https://h:1', certificate-authority: gone.crt}}]\n"
               "users: [{name: u, user: {token: t}}]\n");
    test_path(path, sizeof path, dir, "config2");
    assert_int_not_equal(las_kube_load(path, NULL, "/x", &k, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "gone.crt"));
    /* Not YAML. */
    write_file(dir, "config3", "clusters: [\n");
    test_path(path, sizeof path, dir, "config3");
    assert_int_not_equal(las_kube_load(path, NULL, "/x", &k, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "line"));
    test_path(path, sizeof path, dir, "absent");
    assert_int_not_equal(las_kube_load(path, NULL, "/x", &k, why, sizeof why), LAS_OK);
    /* A path that does not fit is refused, never truncated into another file's name. */
    static const char *const too_long[] = {"certificate-authority", "tokenFile"};
    for (size_t i = 0; i < 2; i++) {
        char name[LAS_PATH_MAX + 1], doc[3 * LAS_PATH_MAX];
        memset(name, 'n', LAS_PATH_MAX); /* one more than a path holds with its NUL */
        name[LAS_PATH_MAX] = '\0';
        snprintf(doc, sizeof doc,
                 "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                 "clusters: [{name: c, cluster: {server: 'https://h:1'%s%s}}]\n"
                 "users: [{name: u, user: {%s%s}}]\n",
                 i == 0 ? ", certificate-authority: " : "", i == 0 ? name : "",
                 i == 1 ? "tokenFile: " : "token: t", i == 1 ? name : "");
        write_file(dir, "config4", doc);
        test_path(path, sizeof path, dir, "config4");
        assert_int_not_equal(las_kube_load(path, NULL, "/x", &k, why, sizeof why), LAS_OK);
        assert_null(k);
        assert_non_null(strstr(why, too_long[i]));
        assert_non_null(strstr(why, "path too long"));
    }
    test_tmpdir_free(dir);
}

static void test_in_cluster(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char why[512];
    struct las_kube *k = NULL;
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_int_not_equal(las_kube_load(NULL, NULL, dir, &k, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "KUBERNETES_SERVICE_HOST"));
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    assert_int_not_equal(las_kube_load(NULL, NULL, dir, &k, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "ca.crt"));
    write_file(dir, "ca.crt", "-----BEGIN CERTIFICATE-----\n");
    assert_int_not_equal(las_kube_load(NULL, NULL, dir, &k, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "token"));
    write_file(dir, "token", "eyJtoken\n");
    write_file(dir, "namespace", "las-system\n");
    assert_int_equal(las_kube_load(NULL, NULL, dir, &k, why, sizeof why), LAS_OK);
    assert_string_equal(las_kube_server(k), "https://10.96.0.1:443");
    assert_string_equal(las_kube_namespace(k), "las-system");
    las_kube_free(k);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    assert_int_equal(las_kube_load(NULL, NULL, dir, &k, why, sizeof why), LAS_OK);
    assert_string_equal(las_kube_server(k), "https://[fd00::1]:443");
    las_kube_free(k);
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
    test_tmpdir_free(dir);
}

static void test_yaml(void **state)
{
    (void)state;
    json_t *j = NULL;
    char why[256];
    const char *doc = "a: 1\nb: 'x'\nc: [true, false, null, -3, '7']\nd: {e: f}\n";
    assert_int_equal(las_op_yaml_load((const uint8_t *)doc, strlen(doc), &j, why, sizeof why),
                     LAS_OK);
    assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "b")), "x");
    json_t *c = json_object_get(j, "c");
    assert_true(json_is_true(json_array_get(c, 0)));
    assert_true(json_is_false(json_array_get(c, 1)));
    assert_true(json_is_null(json_array_get(c, 2)));
    assert_int_equal(json_integer_value(json_array_get(c, 3)), -3);
    assert_string_equal(json_string_value(json_array_get(c, 4)), "7"); /* quoted: a string */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "d"), "e")), "f");
    json_decref(j);
    static const char *const bad[] = {"a: 1\na: 2\n", "a: &x 1\nb: *x\n", "[1, 2\n", "",
                                      "{[1]: 2}\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = NULL;
        assert_int_not_equal(
            las_op_yaml_load((const uint8_t *)bad[i], strlen(bad[i]), &j, why, sizeof why), LAS_OK);
        assert_null(j);
    }
    /* Nesting is bounded. */
    char deep[400];
    memset(deep, '[', 200);
    deep[200] = '\0';
    assert_int_not_equal(las_op_yaml_load((const uint8_t *)deep, 200, &j, why, sizeof why), LAS_OK);
    assert_non_null(strstr(why, "deeper"));
}

static void test_query_escape(void **state)
{
    (void)state;
    char out[128];
    las_kube_query_escape("app.kubernetes.io/instance=las,x=y z", out, sizeof out);
    assert_string_equal(out, "app.kubernetes.io%2Finstance%3Dlas%2Cx%3Dy%20z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kubeconfig),
        cmocka_unit_test(test_in_cluster),
        cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_query_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
