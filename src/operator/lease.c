/* SPDX-License-Identifier: Apache-2.0 */
/* Leader election with a Lease (lease.h). */
#include "operator/lease.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void las_op_micro_time(int64_t now_us, char *out, size_t out_len)
{
    time_t t = (time_t)(now_us / 1000000);
    struct tm tm;
    char base[32];
    if (gmtime_r(&t, &tm) == NULL || strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        snprintf(base, sizeof base, "1970-01-01T00:00:00");
    int n = snprintf(out, out_len, "%s.%06ldZ", base, (long)(now_us % 1000000));
    /* Only a year beyond 9999 is longer than the callers' buffers. */
    if (n < 0 || (size_t)n >= out_len)
        snprintf(out, out_len, "1970-01-01T00:00:00.000000Z");
}

static void copy_str(char *dst, size_t cap, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(dst, cap, "%s", s ? s : "");
}

void las_op_lease_parse(const json_t *obj, struct las_op_lease_record *r)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(obj))
        return;
    r->exists = true;
    const json_t *spec = json_object_get(obj, "spec");
    copy_str(r->holder, sizeof r->holder, json_object_get(spec, "holderIdentity"));
    copy_str(r->renew_time, sizeof r->renew_time, json_object_get(spec, "renewTime"));
    copy_str(r->acquire_time, sizeof r->acquire_time, json_object_get(spec, "acquireTime"));
    r->duration_s = json_integer_value(json_object_get(spec, "leaseDurationSeconds"));
    r->transitions = json_integer_value(json_object_get(spec, "leaseTransitions"));
    copy_str(r->resource_version, sizeof r->resource_version,
             json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
}

enum las_op_lease_action las_op_lease_decide(struct las_op_elector *e,
                                             const struct las_op_lease_record *r, int64_t now_ms)
{
    if (!r->exists)
        return LAS_OP_LEASE_CREATE;
    if (strcmp(r->holder, e->identity) == 0)
        return LAS_OP_LEASE_RENEW;
    if (strcmp(r->holder, e->observed_holder) != 0 ||
        strcmp(r->renew_time, e->observed_renew) != 0 || e->observed_at == 0) {
        snprintf(e->observed_holder, sizeof e->observed_holder, "%s", r->holder);
        snprintf(e->observed_renew, sizeof e->observed_renew, "%s", r->renew_time);
        e->observed_at = now_ms;
    }
    if (r->holder[0] == '\0')
        return LAS_OP_LEASE_TAKE;
    /* The holder's own duration counts; ours when it names none. */
    int64_t duration_ms = r->duration_s > 0 ? r->duration_s * 1000 : e->lease_ms;
    if (now_ms - e->observed_at > duration_ms)
        return LAS_OP_LEASE_TAKE;
    return LAS_OP_LEASE_WAIT;
}

json_t *las_op_lease_object(const struct las_op_elector *e, const struct las_op_lease_record *r,
                            enum las_op_lease_action action, int64_t now_us)
{
    char now[40];
    las_op_micro_time(now_us, now, sizeof now);
    bool renew = action == LAS_OP_LEASE_RENEW;
    int64_t transitions = r->transitions + (action == LAS_OP_LEASE_TAKE && r->holder[0] ? 1 : 0);
    json_t *meta = json_pack("{s:s,s:s}", "name", e->name, "namespace", e->namespace);
    if (action != LAS_OP_LEASE_CREATE)
        json_object_set_new(meta, "resourceVersion", json_string(r->resource_version));
    return json_pack("{s:s,s:s,s:o,s:{s:s,s:I,s:s,s:s,s:I}}", "apiVersion",
                     "coordination.k8s.io/v1", "kind", "Lease", "metadata", meta, "spec",
                     "holderIdentity", e->identity, "leaseDurationSeconds",
                     (json_int_t)(e->lease_ms / 1000), "acquireTime",
                     renew && r->acquire_time[0] ? r->acquire_time : now, "renewTime", now,
                     "leaseTransitions", (json_int_t)transitions);
}

bool las_op_elector_leading(const struct las_op_elector *e, int64_t now_ms)
{
    return e->leader && now_ms - e->renewed_at < e->renew_deadline_ms;
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool las_op_lease_round(struct las_op_elector *e, struct las_kube_conn *c, int64_t now_ms,
                        char *why, size_t why_len)
{
    char path[768];
    snprintf(path, sizeof path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s",
             e->namespace, e->name);
    struct las_kube_response resp;
    struct las_op_lease_record r;
    if (las_kube_request(c, "GET", path, NULL, NULL, &resp) != LAS_OK ||
        (resp.http_status != 200 && resp.http_status != 404)) {
        snprintf(why, why_len, "cannot read the Lease: %s", resp.error);
        json_decref(resp.body);
        e->leader = las_op_elector_leading(e, now_ms);
        return e->leader;
    }
    las_op_lease_parse(resp.http_status == 200 ? resp.body : NULL, &r);
    json_decref(resp.body);

    enum las_op_lease_action a = las_op_lease_decide(e, &r, now_ms);
    if (a == LAS_OP_LEASE_WAIT) {
        e->leader = false;
        return false;
    }
    json_t *lease = las_op_lease_object(e, &r, a, wall_us());
    char create_path[768];
    snprintf(create_path, sizeof create_path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
             e->namespace);
    /* PUT with the resourceVersion read: the API server refuses it if another wrote meanwhile. */
    las_status st =
        las_kube_request(c, a == LAS_OP_LEASE_CREATE ? "POST" : "PUT",
                         a == LAS_OP_LEASE_CREATE ? create_path : path, NULL, lease, &resp);
    json_decref(lease);
    bool ok = st == LAS_OK && (resp.http_status == 200 || resp.http_status == 201);
    if (!ok)
        snprintf(why, why_len, "cannot %s the Lease: %s",
                 a == LAS_OP_LEASE_RENEW ? "renew" : "acquire", resp.error);
    json_decref(resp.body);
    if (ok) {
        e->leader = true;
        e->renewed_at = now_ms;
    } else {
        e->leader = las_op_elector_leading(e, now_ms);
    }
    return e->leader;
}

las_status las_op_lease_release(struct las_op_elector *e, struct las_kube_conn *c, char *why,
                                size_t why_len)
{
    if (!e->leader)
        return LAS_OK;
    char path[768];
    snprintf(path, sizeof path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s",
             e->namespace, e->name);
    struct las_kube_response resp;
    struct las_op_lease_record r;
    e->leader = false;
    if (las_kube_request(c, "GET", path, NULL, NULL, &resp) != LAS_OK || resp.http_status != 200) {
        snprintf(why, why_len, "cannot read the Lease: %s", resp.error);
        json_decref(resp.body);
        return LAS_ERR_CONNECT;
    }
    las_op_lease_parse(resp.body, &r);
    json_decref(resp.body);
    if (strcmp(r.holder, e->identity) != 0)
        return LAS_OK; /* someone else already holds it */
    char now[40];
    las_op_micro_time(wall_us(), now, sizeof now);
    /* An empty holder with a one-second duration: the next candidate takes it at once. */
    json_t *lease = json_pack(
        "{s:s,s:s,s:{s:s,s:s,s:s},s:{s:s,s:i,s:s,s:s,s:I}}", "apiVersion", "coordination.k8s.io/v1",
        "kind", "Lease", "metadata", "name", e->name, "namespace", e->namespace, "resourceVersion",
        r.resource_version, "spec", "holderIdentity", "", "leaseDurationSeconds", 1, "acquireTime",
        now, "renewTime", now, "leaseTransitions", (json_int_t)r.transitions);
    las_status st = las_kube_request(c, "PUT", path, NULL, lease, &resp);
    json_decref(lease);
    bool ok = st == LAS_OK && resp.http_status == 200;
    if (!ok)
        snprintf(why, why_len, "cannot release the Lease: %s", resp.error);
    json_decref(resp.body);
    return ok ? LAS_OK : LAS_ERR_CONNECT;
}
