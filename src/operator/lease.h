/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leader election with a coordination.k8s.io/v1 Lease, as client-go does
 * it: the holder renews every retry period; another candidate takes the
 * Lease only when it has seen the same record unchanged for a whole lease
 * duration by its own clock (no comparison of clocks across machines); a
 * leader that could not renew within the renew deadline stops writing; a
 * graceful shutdown releases the Lease so that a standby takes over at once.
 */
#ifndef LAS_OP_LEASE_H
#define LAS_OP_LEASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "las/status.h"
#include "operator/kube.h"

struct las_op_lease_record {
    bool exists;
    char holder[256];
    char renew_time[40];
    char acquire_time[40];
    int64_t duration_s;
    int64_t transitions;
    char resource_version[64];
};

struct las_op_elector {
    char name[254], namespace[254], identity[254];
    int64_t lease_ms, renew_deadline_ms;
    /* What this candidate last saw of the record, and when (monotonic ms). */
    char observed_holder[256], observed_renew[40];
    int64_t observed_at;
    bool leader;
    int64_t renewed_at; /* monotonic ms of the last successful renewal */
};

enum las_op_lease_action {
    LAS_OP_LEASE_CREATE, /* no Lease yet */
    LAS_OP_LEASE_TAKE,   /* empty or expired: take it over */
    LAS_OP_LEASE_RENEW,  /* ours */
    LAS_OP_LEASE_WAIT,   /* another candidate holds it */
};

/* Reads a Lease object (NULL: it does not exist). */
void las_op_lease_parse(const json_t *obj, struct las_op_lease_record *out);

/* What to do with the record seen at now_ms (monotonic); updates the observation. */
enum las_op_lease_action las_op_lease_decide(struct las_op_elector *e,
                                             const struct las_op_lease_record *r, int64_t now_ms);

/* The Lease to write for action (CREATE, TAKE, RENEW), stamped with wall-clock now_us. */
json_t *las_op_lease_object(const struct las_op_elector *e, const struct las_op_lease_record *r,
                            enum las_op_lease_action action, int64_t now_us);

/* True while this candidate leads: it holds the Lease, renewed within the deadline. */
bool las_op_elector_leading(const struct las_op_elector *e, int64_t now_ms);

/*
 * One round against the API server: read the Lease, decide, write. Returns
 * true when this candidate leads afterwards. why gets a reason on failure.
 */
bool las_op_lease_round(struct las_op_elector *e, struct las_kube_conn *c, int64_t now_ms,
                        char *why, size_t why_len);

/* Gives the Lease up if this candidate holds it (graceful shutdown). */
LAS_MUST_CHECK las_status las_op_lease_release(struct las_op_elector *e, struct las_kube_conn *c,
                                               char *why, size_t why_len);

/* "2006-01-02T15:04:05.000000Z" (MicroTime) of now_us. */
void las_op_micro_time(int64_t now_us, char *out, size_t out_len);

#endif
