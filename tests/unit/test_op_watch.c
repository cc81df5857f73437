/* SPDX-License-Identifier: Apache-2.0 */
/* Watch events, back-off, and the caches the watches fill. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "operator/backoff.h"
#include "operator/controller.h"
#include "operator/watch.h"

struct cache {
    int upserts, removes;
    char last[64];
};

static void up(void *ctx, const json_t *obj)
{
    struct cache *c = ctx;
    c->upserts++;
    snprintf(c->last, sizeof c->last, "%s",
             json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")));
}

static void rm(void *ctx, const json_t *obj)
{
    (void)obj;
    ((struct cache *)ctx)->removes++;
}

static enum las_op_watch_result event(struct las_op_reflector *r, const char *text)
{
    json_t *e = json_loads(text, 0, NULL);
    assert_non_null(e);
    enum las_op_watch_result res = las_op_watch_event(r, e);
    json_decref(e);
    return res;
}

static void test_events_move_the_version(void **state)
{
    (void)state;
    struct cache c = {0};
    struct las_op_reflector r = {.what = "pods", .upsert = up, .remove = rm, .ctx = &c};
    strcpy(r.resource_version, "10");
    assert_int_equal(event(&r, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\","
                               "\"resourceVersion\":\"11\"}}}"),
                     LAS_OP_WATCH_CONTINUE);
    assert_int_equal(c.upserts, 1);
    assert_string_equal(c.last, "a");
    assert_string_equal(r.resource_version, "11");
    assert_int_equal(event(&r, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\","
                               "\"resourceVersion\":\"12\"}}}"),
                     LAS_OP_WATCH_CONTINUE);
    assert_int_equal(c.upserts, 2);
    assert_int_equal(event(&r, "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\","
                               "\"resourceVersion\":\"13\"}}}"),
                     LAS_OP_WATCH_CONTINUE);
    assert_int_equal(c.removes, 1);
    assert_string_equal(r.resource_version, "13");
    /* A bookmark moves the version on and touches no object. */
    assert_int_equal(event(&r, "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{"
                               "\"resourceVersion\":\"20\"}}}"),
                     LAS_OP_WATCH_CONTINUE);
    assert_string_equal(r.resource_version, "20");
    assert_int_equal(c.upserts + c.removes, 3);
}

static void test_gone_and_errors(void **state)
{
    (void)state;
    struct cache c = {0};
    struct las_op_reflector r = {.what = "pods", .upsert = up, .remove = rm, .ctx = &c};
    strcpy(r.resource_version, "5");
    /* 410 Gone: list again. */
    assert_int_equal(event(&r, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
                               "\"reason\":\"Expired\",\"message\":\"too old resource version\"}}"),
                     LAS_OP_WATCH_RELIST);
    assert_int_equal(event(&r, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
                               "\"reason\":\"Gone\"}}"),
                     LAS_OP_WATCH_RELIST);
    assert_int_equal(
        event(&r, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500}}"),
        LAS_OP_WATCH_ERROR);
    assert_int_equal(event(&r, "{\"type\":\"SURPRISE\",\"object\":{}}"), LAS_OP_WATCH_ERROR);
    assert_int_equal(event(&r, "{\"type\":\"ADDED\"}"), LAS_OP_WATCH_ERROR);
    assert_int_equal(event(&r, "{\"object\":{}}"), LAS_OP_WATCH_ERROR);
    assert_int_equal(c.upserts + c.removes, 0);
    assert_string_equal(r.resource_version, "5");
    /* An absurd version is not taken. */
    char big[200];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char text[400];
    snprintf(text, sizeof text,
             "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"%s\"}}}", big);
    assert_int_equal(event(&r, text), LAS_OP_WATCH_CONTINUE);
    assert_string_equal(r.resource_version, "5");
}

static void test_backoff(void **state)
{
    (void)state;
    struct las_op_backoff b;
    las_op_backoff_init(&b, 500, 30000);
    /* With no jitter drawn the delays are the lower bounds: d/2 of 500, 1000, 2000, ... */
    uint32_t want[] = {250, 500, 1000, 2000, 4000, 8000, 15000, 15000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(las_op_backoff_next(&b, 0), want[i]);
    /* Every delay stays within [d/2, d] whatever the random value. */
    las_op_backoff_reset(&b);
    for (uint32_t i = 0; i < 20; i++) {
        uint32_t d = las_op_backoff_next(&b, 0xffffffffu - i * 7919u);
        assert_true(d <= 30000 && d >= 250);
    }
    assert_int_equal(b.current_ms, 30000);
    las_op_backoff_reset(&b);
    assert_int_equal(las_op_backoff_next(&b, 0), 250);
}

static const char *pod_json =
    "{\"metadata\":{\"name\":\"las-abcde\",\"uid\":\"u1\",\"labels\":{"
    "\"app.kubernetes.io/instance\":\"las\"}},\"spec\":{\"nodeName\":\"node-1\"},"
    "\"status\":{\"podIP\":\"10.1.2.3\",\"hostIP\":\"10.0.0.11\",\"conditions\":[{\"type\":\"Initialized\",\"status\":"
    "\"True\"},{\"type\":\"Ready\",\"status\":\"True\"}]}}";

static void test_pod_from_json(void **state)
{
    (void)state;
    json_t *j = json_loads(pod_json, 0, NULL);
    struct las_op_pod p;
    assert_true(las_op_pod_from_json(j, &p));
    assert_string_equal(p.name, "las-abcde");
    assert_string_equal(p.node, "node-1");
    assert_string_equal(p.ip, "10.1.2.3");
    assert_string_equal(p.host_ip, "10.0.0.11");
    assert_string_equal(p.owner, "las");
    assert_true(p.ready);
    assert_false(p.terminating);
    json_object_set_new(json_object_get(j, "metadata"), "deletionTimestamp",
                        json_string("2026-01-01T00:00:00Z"));
    assert_true(las_op_pod_from_json(j, &p));
    assert_true(p.terminating);
    /* Not ours (no instance label): ignored. */
    json_object_del(json_object_get(json_object_get(j, "metadata"), "labels"),
                    "app.kubernetes.io/instance");
    assert_false(las_op_pod_from_json(j, &p));
    json_decref(j);
}

static void test_store(void **state)
{
    (void)state;
    static struct las_op_metrics m;
    struct las_op_store s;
    las_op_store_init(&s, 2, 2, &m);
    json_t *cr = json_loads("{\"metadata\":{\"name\":\"las\",\"uid\":\"u\",\"generation\":1},"
                            "\"spec\":{\"mode\":\"sim\"}}",
                            0, NULL);
    las_op_store_resource_upsert(&s, cr);
    assert_int_equal(s.n_res, 1);
    assert_true(s.res[0].dirty);
    s.res[0].dirty = false;
    /* A status-only change (same generation) does not call for a reconcile... */
    json_object_set_new(cr, "status", json_pack("{s:i}", "observedGeneration", 1));
    las_op_store_resource_upsert(&s, cr);
    assert_false(s.res[0].dirty);
    /* ...a spec change does, and so does a change of one of its pods. */
    json_object_set_new(json_object_get(cr, "metadata"), "generation", json_integer(2));
    las_op_store_resource_upsert(&s, cr);
    assert_true(s.res[0].dirty);
    s.res[0].dirty = false;
    json_t *pod = json_loads(pod_json, 0, NULL);
    las_op_store_pod_upsert(&s, pod);
    assert_int_equal(s.n_pods, 1);
    assert_true(s.res[0].dirty);
    /* Bounded: pods beyond the limit are counted and ignored. */
    json_object_set_new(json_object_get(pod, "metadata"), "name", json_string("p2"));
    las_op_store_pod_upsert(&s, pod);
    json_object_set_new(json_object_get(pod, "metadata"), "name", json_string("p3"));
    las_op_store_pod_upsert(&s, pod);
    assert_int_equal(s.n_pods, 2);
    assert_int_equal(m.pods_dropped, 1);
    /* A relist that no longer names a pod removes it. */
    json_object_set_new(json_object_get(pod, "metadata"), "name", json_string("p2"));
    las_op_store_pods_begin(&s);
    las_op_store_pod_upsert(&s, pod);
    las_op_store_pods_end(&s);
    assert_int_equal(s.n_pods, 1);
    assert_string_equal(s.pods[0].name, "p2");
    las_op_store_pod_remove(&s, pod);
    assert_int_equal(s.n_pods, 0);
    las_op_store_resources_begin(&s);
    las_op_store_resources_end(&s);
    assert_int_equal(s.n_res, 0);
    json_decref(pod);
    json_decref(cr);
    las_op_store_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_move_the_version),
        cmocka_unit_test(test_gone_and_errors),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_pod_from_json),
        cmocka_unit_test(test_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
