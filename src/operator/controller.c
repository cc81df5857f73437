/* SPDX-License-Identifier: Apache-2.0 */
/* The cache and the controller (controller.h). */
#include "operator/controller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/log.h"
#include "las/client.h"
#include "operator/manifest.h"
#include "operator/spec.h"
#include "operator/verify.h"

#define COLLATERAL_MAX (1u << 20)

/* ---- the cache --------------------------------------------------------- */

void las_op_store_init(struct las_op_store *s, size_t max_resources, size_t max_pods,
                       struct las_op_metrics *m)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->changed, NULL);
    s->cap_res = max_resources;
    s->cap_pods = max_pods;
    s->res = calloc(max_resources, sizeof *s->res);
    s->pods = calloc(max_pods, sizeof *s->pods);
    s->metrics = m;
    if (s->res == NULL || s->pods == NULL)
        abort(); /* at start-up only: the limits are the configuration's */
}

void las_op_store_free(struct las_op_store *s)
{
    for (size_t i = 0; i < s->n_res; i++) {
        json_decref(s->res[i].spec);
        json_decref(s->res[i].status);
    }
    free(s->res);
    free(s->pods);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->changed);
}

static void wake(struct las_op_store *s)
{
    s->wake = true;
    pthread_cond_broadcast(&s->changed);
}

static const char *meta_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

static struct las_op_resource *find_resource(struct las_op_store *s, const char *name)
{
    for (size_t i = 0; i < s->n_res; i++) {
        if (strcmp(s->res[i].name, name) == 0)
            return &s->res[i];
    }
    return NULL;
}

static void mark_owner_dirty(struct las_op_store *s, const char *owner)
{
    struct las_op_resource *r = find_resource(s, owner);
    if (r)
        r->dirty = true;
}

void las_op_store_resources_begin(void *ctx)
{
    struct las_op_store *s = ctx;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n_res; i++)
        s->res[i].stale = true;
    pthread_mutex_unlock(&s->mu);
}

/*
 * What the controller needs of the status on the object: the conditions (for
 * their transition times) and each node's name and verified ID (for Events
 * across a change of leader). Keeping only that saves about 2 KiB per node.
 */
static json_t *slim_status(const json_t *status)
{
    json_t *nodes = json_array();
    size_t i;
    const json_t *n;
    json_array_foreach(json_object_get(status, "nodes"), i, n)
    {
        const json_t *name = json_object_get(n, "name"), *id = json_object_get(n, "platformID");
        if (json_is_string(name) && json_is_string(id))
            json_array_append_new(nodes, json_pack("{s:O,s:O,s:b}", "name", name, "platformID", id,
                                                   "verified",
                                                   json_is_true(json_object_get(n, "verified"))));
    }
    json_t *conds = json_deep_copy(json_object_get(status, "conditions"));
    return json_pack("{s:o,s:o}", "conditions", conds ? conds : json_array(), "nodes", nodes);
}

void las_op_store_resource_upsert(void *ctx, const json_t *obj)
{
    struct las_op_store *s = ctx;
    const char *name = meta_str(obj, "name"), *uid = meta_str(obj, "uid");
    if (name == NULL || uid == NULL || strlen(name) > LAS_OP_NAME_MAX || strlen(uid) >= 64) {
        las_warn("ignoring a LocalAttestationService without a valid name and uid (names have "
                 "at most %d characters)",
                 LAS_OP_NAME_MAX);
        return;
    }
    int64_t generation =
        json_integer_value(json_object_get(json_object_get(obj, "metadata"), "generation"));
    pthread_mutex_lock(&s->mu);
    struct las_op_resource *r = find_resource(s, name);
    if (r == NULL) {
        if (s->n_res == s->cap_res) {
            pthread_mutex_unlock(&s->mu);
            atomic_fetch_add(&s->metrics->resources_dropped, 1);
            las_warn("ignoring LocalAttestationService %s: --max-resources (%zu) reached", name,
                     s->cap_res);
            return;
        }
        r = &s->res[s->n_res++];
        memset(r, 0, sizeof *r);
        strcpy(r->name, name);
        r->dirty = true;
    }
    if (strcmp(r->uid, uid) != 0 || r->generation != generation)
        r->dirty = true;
    strcpy(r->uid, uid);
    r->generation = generation;
    r->stale = false;
    json_decref(r->spec);
    json_decref(r->status);
    r->spec = json_deep_copy(json_object_get(obj, "spec"));
    r->status = slim_status(json_object_get(obj, "status"));
    if (r->dirty)
        wake(s);
    pthread_mutex_unlock(&s->mu);
}

static void drop_resource(struct las_op_store *s, size_t i)
{
    json_decref(s->res[i].spec);
    json_decref(s->res[i].status);
    s->res[i] = s->res[--s->n_res];
    wake(s);
}

void las_op_store_resource_remove(void *ctx, const json_t *obj)
{
    struct las_op_store *s = ctx;
    const char *name = meta_str(obj, "name");
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; name && i < s->n_res; i++) {
        if (strcmp(s->res[i].name, name) == 0) {
            drop_resource(s, i);
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

void las_op_store_resources_end(void *ctx)
{
    struct las_op_store *s = ctx;
    pthread_mutex_lock(&s->mu);
    for (size_t i = s->n_res; i-- > 0;) {
        if (s->res[i].stale)
            drop_resource(s, i);
    }
    atomic_store(&s->metrics->resources, s->n_res);
    pthread_mutex_unlock(&s->mu);
}

bool las_op_pod_from_json(const json_t *obj, struct las_op_pod *p)
{
    memset(p, 0, sizeof *p);
    const json_t *meta = json_object_get(obj, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *uid = json_string_value(json_object_get(meta, "uid"));
    const char *owner = json_string_value(
        json_object_get(json_object_get(meta, "labels"), "app.kubernetes.io/instance"));
    if (!name || !uid || !owner || strlen(name) >= sizeof p->name || strlen(uid) >= sizeof p->uid ||
        strlen(owner) >= sizeof p->owner)
        return false;
    strcpy(p->name, name);
    strcpy(p->uid, uid);
    strcpy(p->owner, owner);
    const char *node = json_string_value(json_object_get(json_object_get(obj, "spec"), "nodeName"));
    const json_t *st = json_object_get(obj, "status");
    const char *ip = json_string_value(json_object_get(st, "podIP"));
    const char *host_ip = json_string_value(json_object_get(st, "hostIP"));
    if (host_ip && strlen(host_ip) < sizeof p->host_ip)
        strcpy(p->host_ip, host_ip);
    if (node && strlen(node) < sizeof p->node)
        strcpy(p->node, node);
    if (ip && strlen(ip) < sizeof p->ip)
        strcpy(p->ip, ip);
    p->terminating = json_object_get(meta, "deletionTimestamp") != NULL;
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(st, "conditions"), i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *status = json_string_value(json_object_get(c, "status"));
        if (type && status && strcmp(type, "Ready") == 0)
            p->ready = strcmp(status, "True") == 0;
    }
    return true;
}

void las_op_store_pods_begin(void *ctx)
{
    struct las_op_store *s = ctx;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n_pods; i++)
        s->pods[i].stale = true;
    pthread_mutex_unlock(&s->mu);
}

void las_op_store_pod_upsert(void *ctx, const json_t *obj)
{
    struct las_op_store *s = ctx;
    struct las_op_pod p;
    if (!las_op_pod_from_json(obj, &p))
        return;
    pthread_mutex_lock(&s->mu);
    size_t i;
    for (i = 0; i < s->n_pods && strcmp(s->pods[i].name, p.name) != 0; i++)
        ;
    if (i == s->n_pods) {
        if (s->n_pods == s->cap_pods) {
            pthread_mutex_unlock(&s->mu);
            atomic_fetch_add(&s->metrics->pods_dropped, 1);
            las_warn("ignoring LAS pod %s: --max-nodes (%zu) reached", p.name, s->cap_pods);
            return;
        }
        s->n_pods++;
    }
    s->pods[i] = p;
    mark_owner_dirty(s, p.owner);
    wake(s);
    pthread_mutex_unlock(&s->mu);
}

void las_op_store_pod_remove(void *ctx, const json_t *obj)
{
    struct las_op_store *s = ctx;
    const char *name = meta_str(obj, "name");
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; name && i < s->n_pods; i++) {
        if (strcmp(s->pods[i].name, name) == 0) {
            mark_owner_dirty(s, s->pods[i].owner);
            s->pods[i] = s->pods[--s->n_pods];
            wake(s);
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

void las_op_store_pods_end(void *ctx)
{
    struct las_op_store *s = ctx;
    pthread_mutex_lock(&s->mu);
    for (size_t i = s->n_pods; i-- > 0;) {
        if (s->pods[i].stale) {
            mark_owner_dirty(s, s->pods[i].owner);
            s->pods[i] = s->pods[--s->n_pods];
        }
    }
    wake(s);
    pthread_mutex_unlock(&s->mu);
}

/* ---- the node table ---------------------------------------------------- */

static int cmp_node(const void *a, const void *b)
{
    return strcmp(((const struct las_op_node *)a)->name, ((const struct las_op_node *)b)->name);
}

void las_op_nodes_sync(struct las_op_node **nodes, size_t *n_nodes, size_t *cap,
                       const struct las_op_pod *pods, size_t n_pods, int64_t desired, int64_t now)
{
    bool *has_pod = calloc(*n_nodes + n_pods + 1, sizeof *has_pod);
    if (has_pod == NULL)
        return;
    /* Pods that run (not terminating) win over terminating ones; ready ones over the rest. */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < n_pods; i++) {
            const struct las_op_pod *p = &pods[i];
            int rank = p->terminating ? 2 : p->ready ? 0 : 1;
            if (rank != pass || p->node[0] == '\0')
                continue;
            size_t k;
            for (k = 0; k < *n_nodes && strcmp((*nodes)[k].name, p->node) != 0; k++)
                ;
            if (k < *n_nodes && has_pod[k])
                continue; /* a better pod on this node was taken already */
            if (k == *n_nodes) {
                if (*n_nodes == *cap) {
                    size_t ncap = *cap ? *cap * 2 : 8;
                    struct las_op_node *nn = realloc(*nodes, ncap * sizeof *nn);
                    if (nn == NULL)
                        continue;
                    *nodes = nn;
                    *cap = ncap;
                }
                struct las_op_node *n = &(*nodes)[(*n_nodes)++];
                memset(n, 0, sizeof *n);
                snprintf(n->name, sizeof n->name, "%s", p->node);
                n->last_transition = now;
            }
            struct las_op_node *n = &(*nodes)[k];
            has_pod[k] = true;
            snprintf(n->pod, sizeof n->pod, "%s", p->name);
            snprintf(n->pod_uid, sizeof n->pod_uid, "%s", p->uid);
            snprintf(n->pod_ip, sizeof n->pod_ip, "%s", p->ip);
            snprintf(n->host_ip, sizeof n->host_ip, "%s", p->host_ip);
            las_op_node_set_ready(n, p->ready && !p->terminating, now);
        }
    }
    size_t with_pods = 0;
    for (size_t k = 0; k < *n_nodes; k++) {
        struct las_op_node *n = &(*nodes)[k];
        if (has_pod[k]) {
            with_pods++;
            continue;
        }
        n->pod[0] = n->pod_uid[0] = n->pod_ip[0] = n->host_ip[0] = '\0';
        las_op_node_set_ready(n, false, now);
    }
    /* The DaemonSet no longer wants a pod on nodes left without one: forget them. */
    if (desired >= 0 && (int64_t)with_pods >= desired) {
        size_t out = 0;
        for (size_t k = 0; k < *n_nodes; k++) {
            if (has_pod[k])
                (*nodes)[out++] = (*nodes)[k];
        }
        *n_nodes = out;
    }
    free(has_pod);
    qsort(*nodes, *n_nodes, sizeof **nodes, cmp_node);
}

/* ---- the controller ---------------------------------------------------- */

struct managed {
    char name[LAS_OP_NAME_MAX + 1], uid[64];
    struct las_op_node *nodes;
    size_t n_nodes, cap;
    uint8_t applied[32]; /* hash of the last applied ServiceAccount and DaemonSet */
    uint8_t trust[32];   /* hash of the trust settings and collateral in use */
    char *status;        /* the last status written (compact JSON) */
    char *platforms;     /* the last ConfigMap line written */
    int64_t last_full;   /* monotonic seconds of the last full sweep */
    bool seeded;         /* node IDs taken over from the status on the object */
};

struct las_op_controller {
    const struct las_op_config *cfg;
    struct las_kube *kube;
    char ns[254];
    struct las_op_store *store;
    struct las_op_metrics *m;
    struct las_kube_conn *conn;
    struct managed *managed;
    size_t n_managed;
};

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct las_op_controller *las_op_controller_new(const struct las_op_config *cfg,
                                                struct las_kube *kube, const char *namespace,
                                                struct las_op_store *store,
                                                struct las_op_metrics *m)
{
    struct las_op_controller *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->cfg = cfg;
    c->kube = kube;
    snprintf(c->ns, sizeof c->ns, "%s", namespace);
    c->store = store;
    c->m = m;
    return c;
}

static void managed_clear(struct managed *mg)
{
    free(mg->nodes);
    free(mg->status);
    free(mg->platforms);
    memset(mg, 0, sizeof *mg);
}

void las_op_controller_free(struct las_op_controller *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_managed; i++)
        managed_clear(&c->managed[i]);
    free(c->managed);
    las_kube_conn_free(c->conn);
    free(c);
}

static struct managed *managed_get(struct las_op_controller *c, const char *name, const char *uid)
{
    for (size_t i = 0; i < c->n_managed; i++) {
        struct managed *mg = &c->managed[i];
        if (strcmp(mg->name, name) == 0) {
            if (strcmp(mg->uid, uid) != 0) { /* deleted and created again */
                managed_clear(mg);
                snprintf(mg->name, sizeof mg->name, "%s", name);
                snprintf(mg->uid, sizeof mg->uid, "%s", uid);
            }
            return mg;
        }
    }
    struct managed *nm = realloc(c->managed, (c->n_managed + 1) * sizeof *nm);
    if (nm == NULL)
        return NULL;
    c->managed = nm;
    struct managed *mg = &c->managed[c->n_managed++];
    memset(mg, 0, sizeof *mg);
    snprintf(mg->name, sizeof mg->name, "%s", name);
    snprintf(mg->uid, sizeof mg->uid, "%s", uid);
    return mg;
}

/*
 * A new leader (or a restarted one) takes the last verified ID of each node
 * from the status on the object, so that an ID change across a change of
 * leader still gets its Event. The IDs are only compared, never published:
 * the new leader verifies every node's evidence itself before listing it.
 */
static void seed_nodes(struct managed *mg, const json_t *status)
{
    mg->seeded = true;
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(status, "nodes"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *id = json_string_value(json_object_get(e, "platformID"));
        if (!name || !id || !json_is_true(json_object_get(e, "verified")) || strlen(id) != 64 ||
            strlen(name) >= sizeof mg->nodes->name)
            continue;
        if (mg->n_nodes == mg->cap) {
            size_t ncap = mg->cap ? mg->cap * 2 : 8;
            struct las_op_node *nn = realloc(mg->nodes, ncap * sizeof *nn);
            if (nn == NULL)
                return;
            mg->nodes = nn;
            mg->cap = ncap;
        }
        struct las_op_node *n = &mg->nodes[mg->n_nodes++];
        memset(n, 0, sizeof *n);
        strcpy(n->name, name);
        strcpy(n->last_verified_id, id);
        n->last_transition = time(NULL);
    }
}

/* Server-side apply of obj at path under the operator's field manager. */
static las_status apply(struct las_op_controller *c, const char *path, const json_t *obj, char *why,
                        size_t why_len)
{
    char full[1024];
    snprintf(full, sizeof full, "%s?fieldManager=" LAS_OP_MANAGER "&force=true", path);
    struct las_kube_response resp;
    las_status st =
        las_kube_request(c->conn, "PATCH", full, "application/apply-patch+yaml", obj, &resp);
    json_decref(resp.body);
    if (st == LAS_OK && resp.http_status != 200 && resp.http_status != 201)
        st = LAS_ERR_REFUSED;
    if (st != LAS_OK)
        snprintf(why, why_len, "apply %s: %s", path, resp.error);
    else
        atomic_fetch_add(&c->m->applies, 1);
    return st;
}

static void hash_json(const json_t *a, const json_t *b, uint8_t out[32])
{
    char *sa = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
    char *sb = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    size_t la = sa ? strlen(sa) : 0, lb = sb ? strlen(sb) : 0;
    char *joined = malloc(la + lb + 2);
    memset(out, 0, 32);
    if (joined) {
        memcpy(joined, sa ? sa : "", la);
        joined[la] = '\n';
        memcpy(joined + la + 1, sb ? sb : "", lb);
        if (las_sha256(joined, la + lb + 1, out) != LAS_OK)
            memset(out, 0, 32);
    }
    free(joined);
    free(sa);
    free(sb);
}

static void read_ds_status(struct las_op_controller *c, const char *name,
                           struct las_op_ds_status *ds)
{
    char path[512];
    snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/daemonsets/%s", c->ns, name);
    struct las_kube_response resp;
    memset(ds, 0, sizeof *ds);
    if (las_kube_request(c->conn, "GET", path, NULL, NULL, &resp) == LAS_OK &&
        resp.http_status == 200) {
        const json_t *st = json_object_get(resp.body, "status");
        ds->found = true;
        ds->generation = json_integer_value(
            json_object_get(json_object_get(resp.body, "metadata"), "generation"));
        ds->observed_generation = json_integer_value(json_object_get(st, "observedGeneration"));
        ds->desired = json_integer_value(json_object_get(st, "desiredNumberScheduled"));
        ds->current = json_integer_value(json_object_get(st, "currentNumberScheduled"));
        ds->ready = json_integer_value(json_object_get(st, "numberReady"));
        ds->updated = json_integer_value(json_object_get(st, "updatedNumberScheduled"));
    }
    json_decref(resp.body);
}

/* The collateral named by the spec; why says what is wrong when it cannot be had. */
static las_status read_collateral(struct las_op_controller *c, const struct las_op_trust *t,
                                  char **out, size_t *out_len, char *why, size_t why_len)
{
    *out = NULL;
    *out_len = 0;
    if (t->collateral_configmap[0] == '\0')
        return LAS_OK;
    char path[1024];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps/%s", c->ns,
             t->collateral_configmap);
    struct las_kube_response resp;
    las_status st = las_kube_request(c->conn, "GET", path, NULL, NULL, &resp);
    const char *v =
        json_string_value(json_object_get(json_object_get(resp.body, "data"), t->collateral_key));
    if (st != LAS_OK || resp.http_status != 200 || v == NULL || strlen(v) > COLLATERAL_MAX) {
        snprintf(why, why_len, "collateral: ConfigMap %.64s has no key %.64s (%.200s)",
                 t->collateral_configmap, t->collateral_key,
                 resp.error[0] ? resp.error : "missing or too large");
        json_decref(resp.body);
        return LAS_ERR_UNAVAILABLE;
    }
    *out = strdup(v);
    *out_len = *out ? strlen(*out) : 0;
    json_decref(resp.body);
    return *out ? LAS_OK : LAS_ERR_NO_MEMORY;
}

static void post_event(struct las_op_controller *c, const struct managed *mg,
                       const struct las_op_event *ev)
{
    char now[32], gen[LAS_OP_NAME_MAX + 2], path[512];
    las_op_time_format(time(NULL), now, sizeof now);
    snprintf(gen, sizeof gen, "%s.", mg->name);
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/events", c->ns);
    json_t *e = json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s},s:s,s:s,s:s,s:s,s:s,s:i,s:{s:s}}",
        "apiVersion", "v1", "kind", "Event", "metadata", "generateName", gen, "namespace", c->ns,
        "involvedObject", "apiVersion", LAS_OP_GROUP "/" LAS_OP_VERSION, "kind", LAS_OP_KIND,
        "name", mg->name, "namespace", c->ns, "uid", mg->uid, "reason", ev->reason, "message",
        ev->message, "type", ev->warning ? "Warning" : "Normal", "firstTimestamp", now,
        "lastTimestamp", now, "count", 1, "source", "component", LAS_OP_MANAGER);
    struct las_kube_response resp;
    las_status st = las_kube_request(c->conn, "POST", path, NULL, e, &resp);
    json_decref(e);
    if (st != LAS_OK || resp.http_status != 201)
        las_warn("cannot post the %s Event: %s", ev->reason, resp.error);
    else
        atomic_fetch_add(&c->m->events, 1);
    json_decref(resp.body);
    if (ev->warning)
        las_warn("%s %s: %s", LAS_OP_KIND, mg->name, ev->message);
    else
        las_info("%s %s: %s", LAS_OP_KIND, mg->name, ev->message);
}

/* GET /v1/platform of the node's LAS, and the SHA-256 of what came. */
static las_status fetch_evidence(struct las_op_controller *c, const struct las_op_node *n,
                                 const struct las_op_spec *spec, char **doc, char *why,
                                 size_t why_len)
{
    char addr[96];
    const char *ip = c->cfg->evidence_via_host ? n->host_ip : n->pod_ip;
    unsigned port = c->cfg->evidence_via_host ? spec->host_port : spec->port;
    if (port == 0) {
        snprintf(why, why_len, "--evidence-via host needs a spec.hostPort");
        return LAS_ERR_INVALID_ARGUMENT;
    }
    if (strchr(ip, ':'))
        snprintf(addr, sizeof addr, "[%s]:%u", ip, port);
    else
        snprintf(addr, sizeof addr, "%s:%u", ip, port);
    struct las_client *cl = NULL;
    las_status st = las_client_new(addr, (long)c->cfg->evidence_timeout * 1000, &cl);
    if (st == LAS_OK)
        st = las_client_platform(cl, doc);
    if (st != LAS_OK)
        snprintf(why, why_len, "cannot fetch the evidence from %s: %s", addr,
                 cl ? las_client_last_error(cl) : las_status_message(st));
    las_client_free(cl);
    return st;
}

static void reconcile(struct las_op_controller *c, const struct las_op_resource *r,
                      const struct las_op_pod *pods, size_t n_pods, bool full,
                      bool (*leading)(void *), void *lctx)
{
    struct managed *mg = managed_get(c, r->name, r->uid);
    if (mg == NULL)
        return;
    if (!mg->seeded)
        seed_nodes(mg, r->status);
    atomic_fetch_add(&c->m->reconciles, 1);
    struct las_op_owner owner = {r->name, c->ns, r->uid};
    struct las_op_spec spec;
    char spec_error[512] = "", apply_error[768] = "", why[768];
    bool spec_ok = las_op_spec_parse(r->spec, &spec, spec_error, sizeof spec_error) == LAS_OK;
    int64_t now = time(NULL);

    /* 1. The ServiceAccount and the DaemonSet, when they changed or at a full sweep. */
    if (spec_ok) {
        struct las_op_manifest_config mcfg = {c->cfg->image};
        json_t *sa = las_op_service_account(&owner);
        json_t *ds = las_op_daemonset(&owner, &spec, &mcfg);
        uint8_t h[32];
        hash_json(sa, ds, h);
        if ((full || memcmp(h, mg->applied, 32) != 0) && leading(lctx)) {
            char path[512];
            snprintf(path, sizeof path, "/api/v1/namespaces/%s/serviceaccounts/%s", c->ns, r->name);
            las_status st = apply(c, path, sa, apply_error, sizeof apply_error);
            if (st == LAS_OK) {
                snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/daemonsets/%s", c->ns,
                         r->name);
                st = apply(c, path, ds, apply_error, sizeof apply_error);
            }
            if (st == LAS_OK)
                memcpy(mg->applied, h, 32);
            else
                memset(mg->applied, 0, 32);
        }
        json_decref(sa);
        json_decref(ds);
    }
    if (apply_error[0]) {
        atomic_fetch_add(&c->m->reconcile_errors, 1);
        las_warn("%s %s: %s", LAS_OP_KIND, r->name, apply_error);
    }

    /* 2. Nodes, from the pods and the DaemonSet. */
    struct las_op_ds_status ds;
    read_ds_status(c, r->name, &ds);
    las_op_nodes_sync(&mg->nodes, &mg->n_nodes, &mg->cap, pods, n_pods, ds.found ? ds.desired : -1,
                      now);

    /* 3. Evidence: fetched from every ready LAS at a full sweep or when its pod changed;
     *    verified again only when the document or the trust settings changed. */
    char *collateral = NULL;
    size_t collateral_len = 0;
    char collateral_error[600] = "";
    bool trust_changed = false;
    if (spec_ok) {
        if (read_collateral(c, &spec.trust, &collateral, &collateral_len, collateral_error,
                            sizeof collateral_error) != LAS_OK)
            las_warn("%s %s: %s", LAS_OP_KIND, r->name, collateral_error);
        uint8_t th[32], buf[sizeof spec.trust + 32];
        uint8_t ch[32] = {0};
        if (collateral && las_sha256(collateral, collateral_len, ch) != LAS_OK)
            memset(ch, 0xff, sizeof ch);
        memcpy(buf, &spec.trust, sizeof spec.trust);
        memcpy(buf + sizeof spec.trust, ch, 32);
        if (collateral_error[0])
            memset(buf + sizeof spec.trust, 0xee, 32);
        if (las_sha256(buf, sizeof buf, th) == LAS_OK) {
            trust_changed = memcmp(th, mg->trust, 32) != 0;
            memcpy(mg->trust, th, 32);
        }
    }
    int64_t sweep_start = mono_us(), fetch_us = 0, verify_us = 0;
    size_t fetched = 0, verified_now = 0;
    for (size_t i = 0; spec_ok && i < mg->n_nodes; i++) {
        struct las_op_node *n = &mg->nodes[i];
        if (!leading(lctx))
            break; /* lost the Lease: leave the rest to the new leader */
        if (!n->ready || (c->cfg->evidence_via_host ? n->host_ip : n->pod_ip)[0] == '\0')
            continue;
        bool due = full || trust_changed || strcmp(n->fetched_uid, n->pod_uid) != 0;
        if (!due)
            continue;
        char *doc = NULL;
        int64_t t0 = mono_us();
        atomic_fetch_add(&c->m->fetches, 1);
        las_status st = fetch_evidence(c, n, &spec, &doc, why, sizeof why);
        fetch_us += mono_us() - t0;
        fetched++;
        if (st != LAS_OK) {
            atomic_fetch_add(&c->m->fetch_errors, 1);
            if (strcmp(n->fetch_error, why) != 0)
                las_warn("%s %s: node %s: %s", LAS_OP_KIND, r->name, n->name, why);
            snprintf(n->fetch_error, sizeof n->fetch_error, "%.*s", (int)sizeof n->fetch_error - 1,
                     why);
            continue;
        }
        n->fetch_error[0] = '\0';
        snprintf(n->fetched_uid, sizeof n->fetched_uid, "%s", n->pod_uid);
        uint8_t eh[32];
        if (las_sha256(doc, strlen(doc), eh) != LAS_OK)
            memset(eh, 0, sizeof eh);
        if (n->checked && memcmp(eh, n->evidence_hash, 32) == 0 &&
            memcmp(mg->trust, n->trust_hash, 32) == 0) {
            free(doc);
            continue; /* the same evidence under the same settings: the verdict stands */
        }
        struct las_op_verdict v;
        t0 = mono_us();
        if (collateral_error[0]) {
            memset(&v, 0, sizeof v);
            snprintf(v.reason, sizeof v.reason, "%.*s", (int)sizeof v.reason - 1, collateral_error);
            snprintf(v.tcb_status, sizeof v.tcb_status, "NotEvaluated");
        } else {
            las_op_verify_evidence((const uint8_t *)doc, strlen(doc), &spec.trust,
                                   (const uint8_t *)collateral, collateral_len, &v);
        }
        verify_us += mono_us() - t0;
        verified_now++;
        free(doc);
        atomic_fetch_add(&c->m->verifications, 1);
        atomic_fetch_add(v.verified ? &c->m->verified : &c->m->refused, 1);
        memcpy(n->evidence_hash, eh, 32);
        memcpy(n->trust_hash, mg->trust, 32);
        struct las_op_event ev;
        las_op_node_set_verdict(n, &v, now, &ev);
        if (ev.kind != LAS_OP_EVENT_NONE && leading(lctx))
            post_event(c, mg, &ev);
    }
    free(collateral);
    int64_t sweep_us = mono_us() - sweep_start;

    /* 4. The status, when it changed. */
    struct las_op_status_input in = {
        .generation = r->generation,
        .nodes = mg->nodes,
        .n_nodes = mg->n_nodes,
        .ds = ds,
        .spec_error = spec_ok ? NULL : spec_error,
        .apply_error = apply_error[0] ? apply_error : NULL,
        .previous = r->status,
        .now = now,
    };
    json_t *status = las_op_status_build(&in);
    char *dump = status ? json_dumps(status, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    size_t status_bytes = dump ? strlen(dump) : 0;
    if (dump && (mg->status == NULL || strcmp(dump, mg->status) != 0) && leading(lctx)) {
        char path[512];
        snprintf(path, sizeof path,
                 "/apis/" LAS_OP_GROUP "/" LAS_OP_VERSION "/namespaces/%s/" LAS_OP_PLURAL
                 "/%s/status",
                 c->ns, r->name);
        json_t *patch = json_pack("{s:O}", "status", status);
        struct las_kube_response resp;
        las_status st =
            las_kube_request(c->conn, "PATCH", path, "application/merge-patch+json", patch, &resp);
        json_decref(patch);
        json_decref(resp.body);
        if (st == LAS_OK && resp.http_status == 200) {
            free(mg->status);
            mg->status = dump;
            dump = NULL;
            atomic_fetch_add(&c->m->status_writes, 1);
        } else {
            atomic_fetch_add(&c->m->reconcile_errors, 1);
            las_warn("%s %s: cannot write the status: %s", LAS_OP_KIND, r->name, resp.error);
        }
    }
    free(dump);

    /* 5. The ConfigMap of verified IDs. */
    const char **ids = calloc(mg->n_nodes + 1, sizeof *ids);
    size_t n_ids = ids ? las_op_platforms(mg->nodes, mg->n_nodes, ids) : 0;
    char *line = ids ? las_op_platforms_line(ids, n_ids) : NULL;
    if (line && spec_ok && (full || mg->platforms == NULL || strcmp(line, mg->platforms) != 0) &&
        leading(lctx)) {
        json_t *cm = las_op_platforms_configmap(&owner, ids, n_ids);
        char path[512];
        snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps/%s-platforms", c->ns,
                 r->name);
        if (cm && apply(c, path, cm, why, sizeof why) == LAS_OK) {
            if (mg->platforms == NULL || strcmp(line, mg->platforms) != 0)
                las_info("%s %s: %s", LAS_OP_KIND, r->name, line);
            free(mg->platforms);
            mg->platforms = line;
            line = NULL;
            atomic_fetch_add(&c->m->configmap_writes, 1);
        } else {
            las_warn("%s %s: %s", LAS_OP_KIND, r->name, why);
        }
        json_decref(cm);
    }
    free(line);

    size_t n_ver = 0;
    for (size_t i = 0; i < mg->n_nodes; i++)
        n_ver += mg->nodes[i].checked && mg->nodes[i].verdict.verified;
    if (full) {
        /* The per-node figures docs/operator.md extrapolates from. */
        las_info("sweep %s: %zu nodes, %zu fetched in %.1f ms, %zu verified in %.1f ms, "
                 "%.1f ms in all; status %zu bytes",
                 r->name, mg->n_nodes, fetched, fetch_us / 1000.0, verified_now, verify_us / 1000.0,
                 sweep_us / 1000.0, status_bytes);
        atomic_store(&c->m->sweep_nodes, mg->n_nodes);
        atomic_store(&c->m->sweep_us, (uint64_t)sweep_us);
        atomic_store(&c->m->sweep_fetch_us, (uint64_t)fetch_us);
        atomic_store(&c->m->sweep_verify_us, (uint64_t)verify_us);
        atomic_store(&c->m->status_bytes, status_bytes);
    }
    atomic_store(&c->m->nodes_verified, n_ver);
    atomic_store(&c->m->nodes_unverified, mg->n_nodes - n_ver);
    free(ids);
    json_decref(status);
    if (spec_ok)
        las_op_spec_free(&spec);
}

void las_op_controller_run(struct las_op_controller *c, const atomic_bool *stop,
                           bool (*leading)(void *ctx), void *lctx)
{
    if (las_kube_conn_new(c->kube, stop, &c->conn) != LAS_OK) {
        las_error("controller: out of memory");
        return;
    }
    bool was_leading = false;
    struct las_op_store *s = c->store;
    while (!atomic_load(stop)) {
        bool lead = leading(lctx);
        if (lead != was_leading) {
            was_leading = lead;
            if (lead) {
                /* A new term: whatever another leader wrote is unknown, so sweep everything. */
                for (size_t i = 0; i < c->n_managed; i++) {
                    managed_clear(&c->managed[i]);
                }
                c->n_managed = 0;
            }
        }
        if (!lead) {
            las_op_sleep_ms(500, stop);
            continue;
        }
        /* Pick one resource to reconcile: a changed one first, else one due for its sweep. */
        pthread_mutex_lock(&s->mu);
        struct las_op_resource *pick = NULL;
        bool full = false;
        int64_t now = mono_s();
        for (size_t i = 0; i < s->n_res && pick == NULL; i++) {
            if (s->res[i].dirty)
                pick = &s->res[i];
        }
        for (size_t i = 0; i < s->n_res && pick == NULL; i++) {
            struct managed *mg = NULL;
            for (size_t k = 0; k < c->n_managed; k++) {
                if (strcmp(c->managed[k].name, s->res[i].name) == 0)
                    mg = &c->managed[k];
            }
            if (mg == NULL || now - mg->last_full >= (int64_t)c->cfg->resync)
                pick = &s->res[i];
        }
        if (pick == NULL) {
            /* Forget resources that are gone (their objects go with them: owner references). */
            for (size_t k = c->n_managed; k-- > 0;) {
                if (find_resource(s, c->managed[k].name) == NULL) {
                    managed_clear(&c->managed[k]);
                    c->managed[k] = c->managed[--c->n_managed];
                }
            }
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            if (!s->wake)
                pthread_cond_timedwait(&s->changed, &s->mu, &until);
            s->wake = false;
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        struct las_op_resource snap = *pick;
        pick->dirty = false;
        snap.spec = json_deep_copy(pick->spec);
        snap.status = json_deep_copy(pick->status);
        struct las_op_pod *pods = malloc((s->n_pods + 1) * sizeof *pods);
        size_t n_pods = 0;
        for (size_t i = 0; pods && i < s->n_pods; i++) {
            if (strcmp(s->pods[i].owner, snap.name) == 0)
                pods[n_pods++] = s->pods[i];
        }
        pthread_mutex_unlock(&s->mu);

        struct managed *mg = managed_get(c, snap.name, snap.uid);
        if (mg && now - mg->last_full >= (int64_t)c->cfg->resync) {
            full = true;
            mg->last_full = now;
        }
        if (pods)
            reconcile(c, &snap, pods, n_pods, full, leading, lctx);
        free(pods);
        json_decref(snap.spec);
        json_decref(snap.status);
    }
}
