/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small client of the Kubernetes REST API on libcurl and jansson: the
 * cluster's address and credentials (in-cluster service account, or a
 * kubeconfig), JSON requests, and watch streams. One las_kube is shared by
 * every thread; each thread makes its own las_kube_conn.
 */
#ifndef LAS_OP_KUBE_H
#define LAS_OP_KUBE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "las/status.h"

#define LAS_KUBE_SA_DIR        "/var/run/secrets/kubernetes.io/serviceaccount"
#define LAS_KUBE_RESPONSE_MAX  (32u << 20) /* one response (a list page) */
#define LAS_KUBE_EVENT_MAX     (4u << 20)  /* one watch event (one object) */
#define LAS_KUBE_TOKEN_REFRESH 60          /* seconds between re-reads of a token file */

struct las_kube;
struct las_kube_conn;

/*
 * Loads the cluster configuration: from the kubeconfig file when path is
 * non-NULL (context: NULL for its current-context), else in-cluster from
 * $KUBERNETES_SERVICE_HOST/_PORT and the service account files under
 * sa_dir (normally LAS_KUBE_SA_DIR). why says what is missing or wrong.
 */
LAS_MUST_CHECK las_status las_kube_load(const char *kubeconfig, const char *context,
                                        const char *sa_dir, struct las_kube **out, char *why,
                                        size_t why_len);
void las_kube_free(struct las_kube *k);

/* The API server's URL, and the namespace the configuration names ("" if none). */
const char *las_kube_server(const struct las_kube *k);
const char *las_kube_namespace(const struct las_kube *k);

/* stop, when non-NULL, aborts transfers in progress once it becomes true. */
LAS_MUST_CHECK las_status las_kube_conn_new(struct las_kube *k, const atomic_bool *stop,
                                            struct las_kube_conn **out);
void las_kube_conn_free(struct las_kube_conn *c);

struct las_kube_response {
    long http_status; /* 0 when no answer came */
    json_t *body;     /* the parsed answer (a Status object on errors), or NULL */
    char error[512];  /* transport failure, or the Status message of an error answer */
};

/*
 * One request: method, path (with query), and a body (NULL: none) sent with
 * content_type (NULL: application/json). LAS_OK when an answer came, whatever
 * its status; LAS_ERR_CONNECT or LAS_ERR_PROTOCOL otherwise. The caller
 * frees resp->body with json_decref.
 */
LAS_MUST_CHECK las_status las_kube_request(struct las_kube_conn *c, const char *method,
                                           const char *path, const char *content_type,
                                           const json_t *body, struct las_kube_response *resp);

/* Called for every watch event; return false to end the watch. */
typedef bool (*las_kube_event_fn)(void *ctx, const json_t *event);

/*
 * Watches path (a list URL with watch=1 and resourceVersion): calls fn for
 * each event until the server ends the stream (LAS_OK), fn returns false
 * (LAS_OK), the stop flag is set (LAS_ERR_UNAVAILABLE) or an error
 * (LAS_ERR_CONNECT, LAS_ERR_PROTOCOL; resp->http_status and error say more).
 */
LAS_MUST_CHECK las_status las_kube_watch(struct las_kube_conn *c, const char *path,
                                         long max_seconds, las_kube_event_fn fn, void *ctx,
                                         struct las_kube_response *resp);

/* Percent-encodes s for a query value into out. */
void las_kube_query_escape(const char *s, char *out, size_t out_len);

#endif
