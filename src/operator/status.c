/* SPDX-License-Identifier: Apache-2.0 */
/* Status, platform list and Events of one resource (status.h). */
#include "operator/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void las_op_time_format(int64_t t, char *out, size_t out_len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, out_len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, out_len, "1970-01-01T00:00:00Z");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t las_op_platforms(const struct las_op_node *nodes, size_t n_nodes, const char **ids)
{
    size_t n = 0;
    for (size_t i = 0; i < n_nodes; i++) {
        if (nodes[i].checked && nodes[i].verdict.verified)
            ids[n++] = nodes[i].verdict.platform_id;
    }
    qsort(ids, n, sizeof *ids, cmp_str);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out == 0 || strcmp(ids[out - 1], ids[i]) != 0)
            ids[out++] = ids[i];
    }
    return out;
}

static const char *node_reason(const struct las_op_node *n)
{
    if (n->fetch_error[0])
        return n->fetch_error;
    if (!n->checked)
        return n->pod[0] ? "evidence not fetched yet" : "no LAS pod on this node";
    return n->verdict.verified ? NULL : n->verdict.reason;
}

static json_t *succession_json(const struct las_op_succession *s)
{
    char when[32];
    las_op_time_format((int64_t)s->issued_at, when, sizeof when);
    return json_pack("{s:s,s:s,s:i,s:i,s:s,s:s,s:s,s:b}", "from", s->old_id, "to", s->new_id,
                     "fromIsvsvn", (json_int_t)s->old_isvsvn, "toIsvsvn", (json_int_t)s->new_isvsvn,
                     "fromCpusvn", s->old_cpusvn, "toCpusvn", s->new_cpusvn, "issuedAt", when,
                     "verified", 1);
}

static json_t *node_json(const struct las_op_node *n)
{
    char when[32];
    las_op_time_format(n->last_transition, when, sizeof when);
    bool verified = n->checked && n->verdict.verified && !n->fetch_error[0];
    json_t *o = json_pack("{s:s,s:b,s:b,s:b,s:s}", "name", n->name, "verified", verified,
                          "simulated", n->checked && n->verdict.simulated, "ready", n->ready,
                          "lastTransitionTime", when);
    /*
     * What is not known yet (no evidence checked) is left out, not written as
     * "": Kubernetes 1.20 built with Go >= 1.16 refuses an empty string in a
     * custom resource as if it were null (kubernetes/kubernetes#99804), which
     * would make the whole status write fail.
     */
    if (n->checked && n->verdict.claimed_id[0])
        json_object_set_new(o, "platformID", json_string(n->verdict.claimed_id));
    if (n->checked && n->verdict.tcb_status[0])
        json_object_set_new(o, "tcbStatus", json_string(n->verdict.tcb_status));
    if (n->pod[0])
        json_object_set_new(o, "pod", json_string(n->pod));
    const char *why = node_reason(n);
    if (why && why[0] && !verified)
        json_object_set_new(o, "reason", json_string(why));
    if (n->checked && n->verdict.verified && n->verdict.n_successions > 0)
        json_object_set_new(o, "lastSuccession",
                            succession_json(&n->verdict.successions[n->verdict.n_successions - 1]));
    return o;
}

/* One condition; keeps the previous transition time while the status stays the same. */
static json_t *condition(const json_t *previous, const char *type, bool status, const char *reason,
                         const char *message, int64_t generation, int64_t now)
{
    const char *st = status ? "True" : "False";
    char when[32];
    las_op_time_format(now, when, sizeof when);
    const char *keep = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(previous, "conditions"), i, c)
    {
        if (json_is_string(json_object_get(c, "type")) &&
            strcmp(json_string_value(json_object_get(c, "type")), type) == 0 &&
            json_is_string(json_object_get(c, "status")) &&
            strcmp(json_string_value(json_object_get(c, "status")), st) == 0)
            keep = json_string_value(json_object_get(c, "lastTransitionTime"));
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "type", type, "status", st, "reason", reason,
                     "message", message, "observedGeneration", (json_int_t)generation,
                     "lastTransitionTime", keep ? keep : when);
}

json_t *las_op_status_build(const struct las_op_status_input *in)
{
    const char **ids = calloc(in->n_nodes ? in->n_nodes : 1, sizeof *ids);
    if (ids == NULL)
        return NULL;
    size_t n_ids = las_op_platforms(in->nodes, in->n_nodes, ids);
    json_t *platforms = json_array();
    for (size_t i = 0; i < n_ids; i++)
        json_array_append_new(platforms, json_string(ids[i]));
    free(ids);

    json_t *nodes = json_array();
    size_t n_ready = 0, n_verified = 0, n_failed = 0;
    const struct las_op_node *first_failed = NULL;
    for (size_t i = 0; i < in->n_nodes; i++) {
        const struct las_op_node *n = &in->nodes[i];
        json_array_append_new(nodes, node_json(n));
        n_ready += n->ready;
        if (n->checked && n->verdict.verified && !n->fetch_error[0])
            n_verified++;
        else if ((n->checked && !n->verdict.verified) || n->fetch_error[0]) {
            n_failed++;
            if (first_failed == NULL)
                first_failed = n;
        }
    }

    char msg[768];
    const json_t *prev = in->previous;
    int64_t g = in->generation, now = in->now;
    json_t *conds = json_array();
    const struct las_op_ds_status *ds = &in->ds;
    bool rolled_out = ds->found && ds->observed_generation >= ds->generation &&
                      ds->updated >= ds->desired && ds->ready >= ds->desired;

    if (in->spec_error) {
        json_array_append_new(
            conds, condition(prev, "Ready", false, "InvalidSpec", in->spec_error, g, now));
        json_array_append_new(conds,
                              condition(prev, "Progressing", false, "InvalidSpec",
                                        "the spec is not applied until it is fixed", g, now));
        json_array_append_new(
            conds, condition(prev, "Degraded", true, "InvalidSpec", in->spec_error, g, now));
        goto done;
    }

    /* Progressing: the DaemonSet rolls out the current spec. */
    if (!ds->found)
        json_array_append_new(conds, condition(prev, "Progressing", true, "Creating",
                                               "the LAS DaemonSet is being created", g, now));
    else if (!rolled_out) {
        snprintf(msg, sizeof msg, "%lld of %lld LAS pods updated, %lld ready",
                 (long long)ds->updated, (long long)ds->desired, (long long)ds->ready);
        json_array_append_new(conds,
                              condition(prev, "Progressing", true, "RollingOut", msg, g, now));
    } else {
        snprintf(msg, sizeof msg, "%lld LAS pods updated and ready", (long long)ds->desired);
        json_array_append_new(
            conds, condition(prev, "Progressing", false, "RolloutComplete", msg, g, now));
    }

    /* Degraded: something is wrong that waiting will not fix. */
    if (in->apply_error)
        json_array_append_new(
            conds, condition(prev, "Degraded", true, "ApplyFailed", in->apply_error, g, now));
    else if (n_failed > 0) {
        snprintf(msg, sizeof msg, "%zu of %zu nodes not verified; %s: %s", n_failed, in->n_nodes,
                 first_failed->name, node_reason(first_failed));
        json_array_append_new(conds,
                              condition(prev, "Degraded", true, "VerificationFailed", msg, g, now));
    } else
        json_array_append_new(conds, condition(prev, "Degraded", false, "AsExpected",
                                               "no node's evidence was refused", g, now));

    /* Ready: every node runs the current LAS and its ID is verified. */
    const char *reason;
    bool all_verified = false;
    if (in->apply_error) {
        reason = "ApplyFailed";
        snprintf(msg, sizeof msg, "%s", in->apply_error);
    } else if (ds->found && ds->desired == 0) {
        reason = "NoNodes";
        snprintf(msg, sizeof msg, "no node matches the node selector and tolerations");
    } else if (!rolled_out) {
        reason = "RollingOut";
        snprintf(msg, sizeof msg, "waiting for the LAS DaemonSet to roll out");
    } else if (n_ready < in->n_nodes || (int64_t)in->n_nodes < ds->desired) {
        reason = "NodesNotReady";
        snprintf(msg, sizeof msg, "%zu of %lld nodes ready", n_ready, (long long)ds->desired);
    } else if (n_verified < in->n_nodes) {
        reason = n_failed ? "NodesUnverified" : "Verifying";
        snprintf(msg, sizeof msg, "%zu of %zu nodes verified", n_verified, in->n_nodes);
    } else {
        reason = "AllNodesVerified";
        all_verified = true;
        snprintf(msg, sizeof msg, "%zu nodes verified, %zu distinct platform IDs", n_verified,
                 n_ids);
    }
    json_array_append_new(conds, condition(prev, "Ready", all_verified, reason, msg, g, now));
done:
    return json_pack("{s:I,s:o,s:o,s:o}", "observedGeneration", (json_int_t)g, "conditions", conds,
                     "nodes", nodes, "platforms", platforms);
}

bool las_op_node_set_ready(struct las_op_node *n, bool ready, int64_t now)
{
    if (n->ready == ready)
        return false;
    n->ready = ready;
    n->last_transition = now;
    return true;
}

void las_op_node_set_verdict(struct las_op_node *n, const struct las_op_verdict *v, int64_t now,
                             struct las_op_event *ev)
{
    bool had = n->checked;
    bool was_verified = had && n->verdict.verified;
    bool same_failure = had && !n->verdict.verified && strcmp(n->verdict.reason, v->reason) == 0;
    memset(ev, 0, sizeof *ev);

    if (v->verified) {
        if (n->last_verified_id[0] && strcmp(n->last_verified_id, v->platform_id) != 0) {
            bool linked = las_op_verdict_succeeds(v, n->last_verified_id);
            ev->kind = LAS_OP_EVENT_ID_CHANGED;
            ev->reason = "PlatformIDChanged";
            ev->warning = !linked;
            snprintf(ev->message, sizeof ev->message, "node %s: platform ID %s -> %s; %s", n->name,
                     n->last_verified_id, v->platform_id,
                     linked ? "a verified succession statement links the old ID to the new one"
                            : "no verified succession statement links them: update policies "
                              "that list the old ID by hand");
        }
        if (!was_verified || strcmp(n->verdict.platform_id, v->platform_id) != 0)
            n->last_transition = now;
        snprintf(n->last_verified_id, sizeof n->last_verified_id, "%s", v->platform_id);
    } else {
        if (!same_failure) {
            ev->kind = LAS_OP_EVENT_VERIFICATION_FAILED;
            ev->reason = "VerificationFailed";
            ev->warning = true;
            snprintf(ev->message, sizeof ev->message,
                     "node %s: the evidence of platform ID %s does not verify (%s); the node is "
                     "kept out of the platform list",
                     n->name, v->claimed_id[0] ? v->claimed_id : "(none)", v->reason);
        }
        if (was_verified || !had)
            n->last_transition = now;
    }
    n->verdict = *v;
    n->checked = true;
}
