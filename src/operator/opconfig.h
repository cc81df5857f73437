/* SPDX-License-Identifier: Apache-2.0 */
/*
 * las-operator's configuration, as `las serve` does it: defaults, then
 * LAS_OPERATOR_* variables, then flags, through one table of options; the
 * effective configuration is logged at start-up (docs/operator.md).
 */
#ifndef LAS_OP_CONFIG_H
#define LAS_OP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/log.h"
#include "las/status.h"

struct las_op_config {
    char kubeconfig[1024]; /* "" = in-cluster */
    char context[254];
    char namespace[254]; /* "" = the service account's (or the kubeconfig context's) */
    char listen[256];
    char image[512];    /* default LAS image; also runs the state-directory init container */
    char identity[254]; /* leader-election identity; "" = hostname and pid */
    char lease_name[254];
    unsigned lease_duration, renew_deadline, retry_period; /* seconds */
    unsigned resync;           /* seconds between full sweeps of a resource */
    unsigned evidence_timeout; /* seconds for one GET /v1/platform */
    bool evidence_via_host;    /* ask LAS at the node's IP and host port, not the pod's IP */
    unsigned max_nodes;        /* LAS pods tracked in all */
    unsigned max_resources;    /* LocalAttestationServices tracked */
    enum las_log_level log_level;
    enum las_log_format log_format;
    bool allow_root;
};

#define LAS_OP_DEFAULT_LISTEN "127.0.0.1:18767"

void las_op_config_defaults(struct las_op_config *c);
LAS_MUST_CHECK las_status las_op_config_from_env(struct las_op_config *c, char *why,
                                                 size_t why_len);
/* argv[0] is the program; --help sets *help. */
LAS_MUST_CHECK las_status las_op_config_from_args(struct las_op_config *c, int argc, char **argv,
                                                  bool *help, char *why, size_t why_len);
/* Rules across options (renew deadline below the lease duration, ...). */
LAS_MUST_CHECK las_status las_op_config_check(const struct las_op_config *c, char *why,
                                              size_t why_len);
void las_op_config_usage(FILE *out);
void las_op_config_log(const struct las_op_config *c);

#endif
