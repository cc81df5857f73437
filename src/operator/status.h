/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the operator knows of one LocalAttestationService's nodes, and the
 * pure functions that turn it into the resource's status, its platform
 * list and its Events. No I/O here: the controller feeds it, the unit tests
 * drive it directly.
 */
#ifndef LAS_OP_STATUS_H
#define LAS_OP_STATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "operator/verify.h"

/* One node that runs (or ran) a LAS pod of the resource: about 3 KiB (docs/operator.md). */
struct las_op_node {
    char name[254];
    char pod[254]; /* current pod, "" when there is none */
    char pod_uid[64];
    char pod_ip[64];
    char host_ip[64];        /* the node's IP, as the pod reports it */
    bool ready;              /* the pod's Ready condition */
    int64_t last_transition; /* seconds: ready, verified or the ID last changed */
    bool checked;            /* verdict holds the verification of evidence_hash */
    uint8_t evidence_hash[32];
    uint8_t trust_hash[32]; /* of the trust settings and collateral the verdict used */
    struct las_op_verdict verdict;
    char fetch_error[160];     /* the last fetch failed ("" when it did not) */
    char fetched_uid[64];      /* the pod whose evidence was fetched last */
    char last_verified_id[65]; /* for ID-change Events */
};

/* The DaemonSet's status, as far as the conditions need it. */
struct las_op_ds_status {
    bool found;
    int64_t generation, observed_generation;
    int64_t desired, current, ready, updated;
};

struct las_op_status_input {
    int64_t generation; /* the resource's metadata.generation */
    const struct las_op_node *nodes;
    size_t n_nodes;
    struct las_op_ds_status ds;
    const char *spec_error;  /* the spec is invalid: why (or NULL) */
    const char *apply_error; /* applying the DaemonSet or ConfigMap failed: why (or NULL) */
    const json_t *previous;  /* the status now on the resource (or NULL), for transition times */
    int64_t now;
};

/* The whole status object: observedGeneration, conditions, nodes, platforms. */
json_t *las_op_status_build(const struct las_op_status_input *in);

/*
 * The distinct verified IDs of the nodes, sorted, into ids (pointers into
 * the nodes). Returns their number (at most n_nodes).
 */
size_t las_op_platforms(const struct las_op_node *nodes, size_t n_nodes, const char **ids);

enum las_op_event_kind {
    LAS_OP_EVENT_NONE,
    LAS_OP_EVENT_ID_CHANGED,          /* reason PlatformIDChanged */
    LAS_OP_EVENT_VERIFICATION_FAILED, /* reason VerificationFailed */
};

struct las_op_event {
    enum las_op_event_kind kind;
    bool warning; /* type Warning, else Normal */
    const char *reason;
    char message[768];
};

/*
 * Records a new verdict for the node's evidence and says which Event it
 * calls for: an ID change (with or without a verified succession from the
 * last verified ID), a failed verification (when it was verified before,
 * or fails for another reason than last time), or none.
 */
void las_op_node_set_verdict(struct las_op_node *n, const struct las_op_verdict *v, int64_t now,
                             struct las_op_event *ev);

/* Sets the node's readiness; true when it changed. */
bool las_op_node_set_ready(struct las_op_node *n, bool ready, int64_t now);

/* RFC 3339 UTC ("2006-01-02T15:04:05Z") of t; out has 21 bytes at least. */
void las_op_time_format(int64_t t, char *out, size_t out_len);

#endif
