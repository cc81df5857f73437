/* SPDX-License-Identifier: Apache-2.0 */
/* Leader election decisions and the Lease objects written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "operator/lease.h"

static struct las_op_elector elector(const char *me)
{
    struct las_op_elector e;
    memset(&e, 0, sizeof e);
    strcpy(e.name, "las-operator");
    strcpy(e.namespace, "las");
    strcpy(e.identity, me);
    e.lease_ms = 15000;
    e.renew_deadline_ms = 10000;
    return e;
}

static struct las_op_lease_record record(const char *holder, const char *renew, int64_t dur)
{
    struct las_op_lease_record r;
    memset(&r, 0, sizeof r);
    r.exists = true;
    strcpy(r.holder, holder);
    strcpy(r.renew_time, renew);
    r.duration_s = dur;
    r.transitions = 3;
    strcpy(r.resource_version, "77");
    return r;
}

static void test_decisions(void **state)
{
    (void)state;
    struct las_op_elector e = elector("b");
    struct las_op_lease_record none = {0};
    assert_int_equal(las_op_lease_decide(&e, &none, 1000), LAS_OP_LEASE_CREATE);
    struct las_op_lease_record mine = record("b", "t1", 15);
    assert_int_equal(las_op_lease_decide(&e, &mine, 1000), LAS_OP_LEASE_RENEW);
    struct las_op_lease_record empty = record("", "t1", 1);
    assert_int_equal(las_op_lease_decide(&e, &empty, 1000), LAS_OP_LEASE_TAKE);

    /* Another holder: wait while its record changes or is younger than its duration here. */
    struct las_op_lease_record a1 = record("a", "t1", 15);
    assert_int_equal(las_op_lease_decide(&e, &a1, 10000), LAS_OP_LEASE_WAIT);
    assert_int_equal(las_op_lease_decide(&e, &a1, 24000), LAS_OP_LEASE_WAIT);
    struct las_op_lease_record a2 = record("a", "t2", 15); /* renewed */
    assert_int_equal(las_op_lease_decide(&e, &a2, 26000), LAS_OP_LEASE_WAIT);
    assert_int_equal(las_op_lease_decide(&e, &a2, 40000), LAS_OP_LEASE_WAIT);
    /* Unchanged for longer than 15 s by our clock: the holder is gone. */
    assert_int_equal(las_op_lease_decide(&e, &a2, 41001), LAS_OP_LEASE_TAKE);
    /* The holder's own duration counts. */
    struct las_op_elector f = elector("c");
    struct las_op_lease_record short_lease = record("a", "t9", 2);
    assert_int_equal(las_op_lease_decide(&f, &short_lease, 5000), LAS_OP_LEASE_WAIT);
    assert_int_equal(las_op_lease_decide(&f, &short_lease, 7001), LAS_OP_LEASE_TAKE);
}

static void test_leading_needs_recent_renewal(void **state)
{
    (void)state;
    struct las_op_elector e = elector("b");
    assert_false(las_op_elector_leading(&e, 1000));
    e.leader = true;
    e.renewed_at = 1000;
    assert_true(las_op_elector_leading(&e, 10999));
    assert_false(las_op_elector_leading(&e, 11000)); /* renew deadline passed: stop writing */
}

static void test_objects(void **state)
{
    (void)state;
    struct las_op_elector e = elector("pod-b");
    struct las_op_lease_record r = record("pod-a", "2026-01-01T00:00:00.000000Z", 15);
    strcpy(r.acquire_time, "2025-12-31T00:00:00.000000Z");
    int64_t now = 1700000000123456;
    json_t *take = las_op_lease_object(&e, &r, LAS_OP_LEASE_TAKE, now);
    json_t *spec = json_object_get(take, "spec");
    assert_string_equal(json_string_value(json_object_get(spec, "holderIdentity")), "pod-b");
    assert_int_equal(json_integer_value(json_object_get(spec, "leaseDurationSeconds")), 15);
    assert_int_equal(json_integer_value(json_object_get(spec, "leaseTransitions")), 4);
    assert_string_equal(json_string_value(json_object_get(spec, "renewTime")),
                        "2023-11-14T22:13:20.123456Z");
    assert_string_equal(json_string_value(json_object_get(spec, "acquireTime")),
                        "2023-11-14T22:13:20.123456Z");
    /* Optimistic concurrency: the write carries the version read. */
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(take, "metadata"), "resourceVersion")),
        "77");
    json_decref(take);
    r = record("pod-b", "x", 15);
    strcpy(r.acquire_time, "2025-12-31T00:00:00.000000Z");
    json_t *renew = las_op_lease_object(&e, &r, LAS_OP_LEASE_RENEW, now);
    spec = json_object_get(renew, "spec");
    assert_string_equal(json_string_value(json_object_get(spec, "acquireTime")),
                        "2025-12-31T00:00:00.000000Z");
    assert_int_equal(json_integer_value(json_object_get(spec, "leaseTransitions")), 3);
    json_decref(renew);
    struct las_op_lease_record none = {0};
    json_t *create = las_op_lease_object(&e, &none, LAS_OP_LEASE_CREATE, now);
    assert_null(json_object_get(json_object_get(create, "metadata"), "resourceVersion"));
    assert_string_equal(json_string_value(json_object_get(create, "kind")), "Lease");
    json_decref(create);
}

static void test_parse(void **state)
{
    (void)state;
    json_t *obj = json_loads("{\"metadata\":{\"resourceVersion\":\"12\"},\"spec\":{"
                             "\"holderIdentity\":\"x\",\"leaseDurationSeconds\":9,"
                             "\"renewTime\":\"r\",\"leaseTransitions\":2}}",
                             0, NULL);
    struct las_op_lease_record r;
    las_op_lease_parse(obj, &r);
    assert_true(r.exists);
    assert_string_equal(r.holder, "x");
    assert_int_equal(r.duration_s, 9);
    assert_int_equal(r.transitions, 2);
    assert_string_equal(r.resource_version, "12");
    json_decref(obj);
    las_op_lease_parse(NULL, &r);
    assert_false(r.exists);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_leading_needs_recent_renewal),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
