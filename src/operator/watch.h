/* SPDX-License-Identifier: Apache-2.0 */
/*
 * List and watch of one kind of object, kept in a cache by callbacks: list
 * (paged), then watch from the list's resourceVersion; bookmarks move the
 * resourceVersion on; a 410 Gone (the version was compacted away) means a
 * fresh list; errors and dropped watches reconnect after a back-off.
 */
#ifndef LAS_OP_WATCH_H
#define LAS_OP_WATCH_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "operator/backoff.h"
#include "operator/kube.h"

#define LAS_OP_LIST_PAGE     250 /* objects per list page */
#define LAS_OP_WATCH_SECONDS 300 /* the server ends each watch after about this long */

struct las_op_reflector {
    const char *what;   /* for logs: "pods", ... */
    char path[1024];    /* the collection, e.g. /api/v1/namespaces/NS/pods */
    char selector[512]; /* label selector, "" for none */
    /* Callbacks on the cache (any thread-safety is theirs). */
    void (*begin_list)(void *ctx); /* a full list starts */
    void (*upsert)(void *ctx, const json_t *obj);
    void (*remove)(void *ctx, const json_t *obj);
    void (*end_list)(void *ctx); /* the list is complete: what it did not name is gone */
    void *ctx;
    /* State. */
    char resource_version[64];
    struct las_op_backoff backoff;
    atomic_uint_fast64_t restarts; /* reconnects after an error, 410 or drop */
    atomic_bool synced;            /* a full list has completed */
};

enum las_op_watch_result {
    LAS_OP_WATCH_CONTINUE,
    LAS_OP_WATCH_RELIST, /* 410 Gone: the resourceVersion is too old */
    LAS_OP_WATCH_ERROR,  /* an ERROR event or a malformed one */
};

/* Applies one watch event to the cache and the resourceVersion. */
enum las_op_watch_result las_op_watch_event(struct las_op_reflector *r, const json_t *event);

/* Runs list+watch until *stop (checked at least every second). */
void las_op_reflector_run(struct las_op_reflector *r, struct las_kube_conn *c,
                          const atomic_bool *stop);

/* Sleeps ms milliseconds, or less when *stop becomes true. */
void las_op_sleep_ms(uint32_t ms, const atomic_bool *stop);

#endif
