/* SPDX-License-Identifier: Apache-2.0 */
/* List and watch (watch.h). */
#include "operator/watch.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

void las_op_sleep_ms(uint32_t ms, const atomic_bool *stop)
{
    while (ms > 0 && !(stop && atomic_load(stop))) {
        uint32_t step = ms > 100 ? 100 : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static const char *object_rv(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
}

static void set_rv(struct las_op_reflector *r, const char *rv)
{
    if (rv && strlen(rv) < sizeof r->resource_version)
        strcpy(r->resource_version, rv);
}

enum las_op_watch_result las_op_watch_event(struct las_op_reflector *r, const json_t *event)
{
    const char *type = json_string_value(json_object_get(event, "type"));
    const json_t *obj = json_object_get(event, "object");
    if (type == NULL || !json_is_object(obj))
        return LAS_OP_WATCH_ERROR;
    if (strcmp(type, "ERROR") == 0) {
        /* A Status: 410 Gone (or reason Expired) means the version is compacted away. */
        json_int_t code = json_integer_value(json_object_get(obj, "code"));
        const char *reason = json_string_value(json_object_get(obj, "reason"));
        if (code == 410 ||
            (reason && (strcmp(reason, "Expired") == 0 || strcmp(reason, "Gone") == 0)))
            return LAS_OP_WATCH_RELIST;
        return LAS_OP_WATCH_ERROR;
    }
    if (strcmp(type, "BOOKMARK") == 0) {
        set_rv(r, object_rv(obj));
        return LAS_OP_WATCH_CONTINUE;
    }
    if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
        r->upsert(r->ctx, obj);
    else if (strcmp(type, "DELETED") == 0)
        r->remove(r->ctx, obj);
    else
        return LAS_OP_WATCH_ERROR;
    set_rv(r, object_rv(obj));
    return LAS_OP_WATCH_CONTINUE;
}

/* One paged list into the cache; sets the resourceVersion to watch from. */
static las_status list(struct las_op_reflector *r, struct las_kube_conn *c, char *why,
                       size_t why_len)
{
    char cont[2048] = "", sel[1024] = "", path[4096];
    las_kube_query_escape(r->selector, sel, sizeof sel);
    r->begin_list(r->ctx);
    for (;;) {
        char cont_q[2048];
        las_kube_query_escape(cont, cont_q, sizeof cont_q);
        int n = snprintf(path, sizeof path, "%s?limit=%d%s%s%s%s", r->path, LAS_OP_LIST_PAGE,
                         sel[0] ? "&labelSelector=" : "", sel, cont[0] ? "&continue=" : "", cont_q);
        if (n < 0 || (size_t)n >= sizeof path) {
            snprintf(why, why_len, "list %s: the request path is too long", r->what);
            return LAS_ERR_INVALID_ARGUMENT;
        }
        struct las_kube_response resp;
        las_status st = las_kube_request(c, "GET", path, NULL, NULL, &resp);
        if (st != LAS_OK || resp.http_status != 200) {
            snprintf(why, why_len, "list %s: %s", r->what, resp.error);
            json_decref(resp.body);
            return st != LAS_OK ? st : LAS_ERR_PROTOCOL;
        }
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(resp.body, "items"), i, item) r->upsert(r->ctx, item);
        const json_t *meta = json_object_get(resp.body, "metadata");
        set_rv(r, json_string_value(json_object_get(meta, "resourceVersion")));
        const char *next = json_string_value(json_object_get(meta, "continue"));
        snprintf(cont, sizeof cont, "%s", next ? next : "");
        json_decref(resp.body);
        if (cont[0] == '\0')
            break;
    }
    r->end_list(r->ctx);
    atomic_store(&r->synced, true);
    return LAS_OK;
}

struct watch_ctx {
    struct las_op_reflector *r;
    enum las_op_watch_result result;
    unsigned events;
};

static bool on_event(void *p, const json_t *event)
{
    struct watch_ctx *w = p;
    w->result = las_op_watch_event(w->r, event);
    w->events++;
    return w->result == LAS_OP_WATCH_CONTINUE;
}

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

void las_op_reflector_run(struct las_op_reflector *r, struct las_kube_conn *c,
                          const atomic_bool *stop)
{
    bool need_list = true;
    char why[768];
    while (!atomic_load(stop)) {
        if (need_list) {
            if (list(r, c, why, sizeof why) != LAS_OK) {
                if (atomic_load(stop))
                    break;
                uint32_t ms = las_op_backoff_next(&r->backoff, randombytes_random());
                las_warn("%s; retrying in %u ms", why, ms);
                atomic_fetch_add(&r->restarts, 1);
                las_op_sleep_ms(ms, stop);
                continue;
            }
            need_list = false;
        }
        char sel[1024], path[4096];
        las_kube_query_escape(r->selector, sel, sizeof sel);
        snprintf(path, sizeof path,
                 "%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=%d&resourceVersion=%s%s%s",
                 r->path, LAS_OP_WATCH_SECONDS, r->resource_version,
                 sel[0] ? "&labelSelector=" : "", sel);
        struct watch_ctx w = {r, LAS_OP_WATCH_CONTINUE, 0};
        struct las_kube_response resp;
        int64_t started = mono_s();
        las_status st = las_kube_watch(c, path, LAS_OP_WATCH_SECONDS, on_event, &w, &resp);
        json_decref(resp.body);
        if (atomic_load(stop))
            break;
        bool full_term = st == LAS_OK && w.result == LAS_OP_WATCH_CONTINUE &&
                         mono_s() - started >= LAS_OP_WATCH_SECONDS - 5;
        if (full_term) {
            /* The server ended the watch as asked: go on from where it stopped. */
            las_op_backoff_reset(&r->backoff);
            continue;
        }
        if (w.result == LAS_OP_WATCH_RELIST || resp.http_status == 410) {
            las_info("watch %s: resourceVersion %s is gone (410); listing again", r->what,
                     r->resource_version);
            need_list = true;
        } else if (st != LAS_OK) {
            las_warn("watch %s: %s", r->what, resp.error);
        } else if (w.result == LAS_OP_WATCH_ERROR) {
            las_warn("watch %s: error event; listing again", r->what);
            need_list = true;
        } else {
            las_info("watch %s: dropped after %lld s", r->what, (long long)(mono_s() - started));
        }
        if (w.events > 0 && mono_s() - started > 30)
            las_op_backoff_reset(&r->backoff);
        atomic_fetch_add(&r->restarts, 1);
        uint32_t ms = las_op_backoff_next(&r->backoff, randombytes_random());
        las_op_sleep_ms(ms, stop);
    }
}
