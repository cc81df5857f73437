/* SPDX-License-Identifier: Apache-2.0 */
/* The LocalAttestationService spec: defaults that fail closed, errors that name the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "operator/spec.h"
#include "operator/yaml_json.h"

static las_status parse(const char *json, struct las_op_spec *s, char *why, size_t why_len)
{
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    las_status st = las_op_spec_parse(j, s, why, why_len);
    json_decref(j);
    return st;
}

static void test_defaults_fail_closed(void **state)
{
    (void)state;
    struct las_op_spec s;
    char why[256];
    assert_int_equal(las_op_spec_parse(NULL, &s, why, sizeof why), LAS_OK);
    assert_int_equal(s.mode, LAS_OP_MODE_SGX);
    assert_false(s.trust.allow_simulation);
    assert_false(s.trust.allow_unknown_tcb);
    assert_false(s.trust.have_mrsigner);
    assert_false(s.trust.have_mrenclave);
    assert_false(s.have_sim_cpusvn);
    assert_string_equal(s.image, "");
    assert_int_equal(s.port, 18766);
    assert_int_equal(s.host_port, 18766);
    assert_string_equal(s.state_dir, "/var/lib/las");
    assert_int_equal(s.plugin, LAS_OP_PLUGIN_INTEL);
    assert_int_equal(s.aesmd, LAS_OP_AESMD_HOST);
    assert_true(json_is_object(s.node_selector));
    assert_true(json_is_array(s.tolerations));
    las_op_spec_free(&s);
    /* An empty verification object allows nothing either. */
    assert_int_equal(parse("{\"mode\":\"sim\",\"verification\":{}}", &s, why, sizeof why), LAS_OK);
    assert_int_equal(s.mode, LAS_OP_MODE_SIM);
    assert_false(s.trust.allow_simulation);
    las_op_spec_free(&s);
}

static void test_full_spec(void **state)
{
    (void)state;
    struct las_op_spec s;
    char why[256];
    assert_int_equal(
        parse("{\"image\":\"reg/las:1\",\"mode\":\"sim\",\"simCpusvn\":"
              "\"000102030405060708090a0b0c0d0e0f\",\"hostPort\":0,\"logLevel\":\"debug\","
              "\"nodeSelector\":{\"sgx\":\"yes\"},\"tolerations\":[{\"operator\":\"Exists\"}],"
              "\"imagePullSecrets\":[{\"name\":\"pull\"}],\"verification\":{"
              "\"allowSimulation\":true,\"allowUnknownTcb\":true,\"lasMrsigner\":"
              "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
              "\"collateral\":{\"configMap\":\"coll\"}}}",
              &s, why, sizeof why),
        LAS_OK);
    assert_string_equal(s.image, "reg/las:1");
    assert_true(s.have_sim_cpusvn);
    assert_int_equal(s.host_port, 0);
    assert_string_equal(s.log_level, "debug");
    assert_true(s.trust.allow_simulation);
    assert_true(s.trust.allow_unknown_tcb);
    assert_true(s.trust.have_mrsigner);
    assert_int_equal(s.trust.mrsigner[1], 0x11);
    assert_string_equal(s.trust.collateral_configmap, "coll");
    assert_string_equal(s.trust.collateral_key, "collateral.json");
    assert_string_equal(json_string_value(json_object_get(s.node_selector, "sgx")), "yes");
    las_op_spec_free(&s);
}

/* Each bad value is refused, and the reason names the field. */
static void test_errors_name_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *field;
    } cases[] = {
        {"{\"mode\":\"simulated\"}", "spec.mode"},
        {"{\"mode\":7}", "spec.mode"},
        {"{\"port\":0}", "spec.port"},
        {"{\"hostPort\":70000}", "spec.hostPort"},
        {"{\"simCpusvn\":\"abc\"}", "spec.simCpusvn"},
        {"{\"simCpusvn\":\"zz0102030405060708090a0b0c0d0e0f\"}", "spec.simCpusvn"},
        {"{\"verification\":{\"allowSimulation\":\"yes\"}}", "spec.verification.allowSimulation"},
        {"{\"verification\":{\"allowUnknownTcb\":1}}", "spec.verification.allowUnknownTcb"},
        {"{\"verification\":{\"lasMrsigner\":\"00\"}}", "spec.verification.lasMrsigner"},
        {"{\"verification\":{\"lasMrenclave\":5}}", "spec.verification.lasMrenclave"},
        {"{\"verification\":{\"collateral\":{\"configMap\":\"Bad_Name\"}}}",
         "spec.verification.collateral.configMap"},
        {"{\"stateDir\":\"relative\"}", "spec.stateDir"},
        {"{\"stateDir\":\"/var/../etc\"}", "spec.stateDir"},
        {"{\"aesmd\":\"sidecar\"}", "spec.aesmdImage"},
        {"{\"sgxDevicePlugin\":\"nvidia\"}", "spec.sgxDevicePlugin"},
        {"{\"logFormat\":\"xml\"}", "spec.logFormat"},
        {"{\"image\":\"a b\"}", "spec.image"},
        {"{\"nodeSelector\":{\"a\":1}}", "spec.nodeSelector.a"},
        {"{\"tolerations\":{}}", "spec.tolerations"},
        {"{\"imagePullSecrets\":[{}]}", "spec.imagePullSecrets[0].name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct las_op_spec s;
        char why[256] = "";
        assert_int_equal(parse(cases[i].spec, &s, why, sizeof why), LAS_ERR_INVALID_ARGUMENT);
        if (strncmp(why, cases[i].field, strlen(cases[i].field)) != 0)
            fail_msg("%s: reason '%s' does not start with %s", cases[i].spec, why, cases[i].field);
    }
    /* A sidecar is fine in mode sim, where AESM is not used. */
    struct las_op_spec s;
    char why[256];
    assert_int_equal(parse("{\"mode\":\"sim\",\"aesmd\":\"sidecar\"}", &s, why, sizeof why),
                     LAS_OK);
    las_op_spec_free(&s);
}

static void test_dns_label(void **state)
{
    (void)state;
    assert_true(las_op_dns_label("las", 63));
    assert_true(las_op_dns_label("a-1", 63));
    assert_false(las_op_dns_label("", 63));
    assert_false(las_op_dns_label("-a", 63));
    assert_false(las_op_dns_label("a-", 63));
    assert_false(las_op_dns_label("A", 63));
    assert_false(las_op_dns_label("abcd", 3));
}

/* The CRD's schema defaults are the parser's: a spec the API server filled in parses the same. */
static void test_crd_defaults_match(void **state)
{
    (void)state;
    const char *src = getenv("LAS_SOURCE_DIR");
    if (src == NULL)
        skip();
    char path[1024];
    snprintf(path, sizeof path, "%s/deploy/operator/crd.yaml", src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    json_t *crd = NULL;
    char why[256];
    assert_int_equal(las_op_yaml_load(buf, n, &crd, why, sizeof why), LAS_OK);
    json_t *versions = json_object_get(json_object_get(crd, "spec"), "versions");
    json_t *props = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(json_array_get(versions, 0), "schema"),
                                            "openAPIV3Schema"),
                            "properties"),
            "spec"),
        "properties");
    assert_true(json_is_object(props));
    /* Build the spec the API server would store for {} and check it matches the defaults. */
    json_t *filled = json_object();
    const char *key;
    json_t *p;
    json_object_foreach(props, key, p)
    {
        json_t *d = json_object_get(p, "default");
        if (d)
            json_object_set(filled, key, d);
    }
    json_t *ver_props = json_object_get(json_object_get(props, "verification"), "properties");
    assert_true(
        json_is_false(json_object_get(json_object_get(ver_props, "allowSimulation"), "default")));
    assert_true(
        json_is_false(json_object_get(json_object_get(ver_props, "allowUnknownTcb"), "default")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(props, "mode"), "default")), "sgx");
    struct las_op_spec a, b;
    assert_int_equal(las_op_spec_parse(filled, &a, why, sizeof why), LAS_OK);
    assert_int_equal(las_op_spec_parse(NULL, &b, why, sizeof why), LAS_OK);
    assert_int_equal(a.mode, b.mode);
    assert_int_equal(a.plugin, b.plugin);
    assert_int_equal(a.sgx_epc_mib, b.sgx_epc_mib);
    assert_int_equal(a.aesmd, b.aesmd);
    assert_string_equal(a.aesmd_host_path, b.aesmd_host_path);
    assert_int_equal(a.port, b.port);
    assert_int_equal(a.host_port, b.host_port);
    assert_string_equal(a.log_level, b.log_level);
    assert_string_equal(a.log_format, b.log_format);
    assert_string_equal(a.state_dir, b.state_dir);
    assert_string_equal(a.image_pull_policy, b.image_pull_policy);
    assert_int_equal(a.trust.allow_simulation, b.trust.allow_simulation);
    assert_int_equal(a.trust.allow_unknown_tcb, b.trust.allow_unknown_tcb);
    /* Every enum of the schema is what the parser accepts. */
    static const char *const enums[] = {"mode",     "sgxDevicePlugin", "aesmd",
                                        "logLevel", "logFormat",       "imagePullPolicy"};
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) {
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(json_object_get(props, enums[i]), "enum"), k, v)
        {
            json_t *one = json_pack("{s:O}", enums[i], v);
            if (strcmp(enums[i], "aesmd") == 0 && strcmp(json_string_value(v), "sidecar") == 0)
                json_object_set_new(one, "aesmdImage", json_string("x/aesmd:1"));
            struct las_op_spec s;
            if (las_op_spec_parse(one, &s, why, sizeof why) != LAS_OK)
                fail_msg("schema value %s=%s refused: %s", enums[i], json_string_value(v), why);
            las_op_spec_free(&s);
            json_decref(one);
        }
    }
    las_op_spec_free(&a);
    las_op_spec_free(&b);
    json_decref(filled);
    json_decref(crd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_fail_closed),  cmocka_unit_test(test_full_spec),
        cmocka_unit_test(test_errors_name_the_field), cmocka_unit_test(test_dns_label),
        cmocka_unit_test(test_crd_defaults_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
