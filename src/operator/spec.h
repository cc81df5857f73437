/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LocalAttestationService custom resource: its API coordinates and its
 * spec, parsed and checked. The API server already validates the spec
 * against the CRD's schema (deploy/operator/crd.yaml); this parser checks
 * it again, applies the same defaults, and checks what the schema cannot
 * express (rules that span fields), so a bad object from any source changes
 * nothing. docs/operator.md describes every field.
 */
#ifndef LAS_OP_SPEC_H
#define LAS_OP_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

#define LAS_OP_GROUP    "las.dev"
#define LAS_OP_VERSION  "v1alpha1"
#define LAS_OP_KIND     "LocalAttestationService"
#define LAS_OP_PLURAL   "localattestationservices"
#define LAS_OP_MANAGER  "las-operator" /* server-side apply field manager, managed-by label */
#define LAS_OP_NAME_MAX 63             /* the CR name: a DNS label, so that derived names fit */

enum las_op_mode { LAS_OP_MODE_SGX, LAS_OP_MODE_SIM, LAS_OP_MODE_AUTO };
enum las_op_plugin {
    LAS_OP_PLUGIN_INTEL,
    LAS_OP_PLUGIN_SCONE,
    LAS_OP_PLUGIN_AZURE,
    LAS_OP_PLUGIN_DISABLED
};
enum las_op_aesmd { LAS_OP_AESMD_HOST, LAS_OP_AESMD_SIDECAR, LAS_OP_AESMD_NONE };

/* What a node's evidence must show to count as verified. */
struct las_op_trust {
    bool allow_simulation; /* default false: simulated evidence is refused */
    /* allowUnknownTcb, default false: hardware evidence without collateral
     * (TCB status unknown) is refused. */
    bool allow_unknown_tcb;
    bool have_mrsigner, have_mrenclave;
    uint8_t mrsigner[32], mrenclave[32];
    char collateral_configmap[254]; /* "" = none */
    char collateral_key[254];
};

struct las_op_spec {
    char image[512]; /* "" = the operator's --las-image */
    char image_pull_policy[16];
    json_t *image_pull_secrets; /* [{name}], never NULL */
    enum las_op_mode mode;
    enum las_op_plugin plugin;
    unsigned sgx_epc_mib;
    enum las_op_aesmd aesmd;
    char aesmd_host_path[256];
    char aesmd_image[512];
    unsigned port;         /* container port */
    unsigned host_port;    /* 0 = none */
    json_t *node_selector; /* object, never NULL */
    json_t *tolerations;   /* array, never NULL */
    json_t *resources;     /* object, never NULL */
    char log_level[8];
    char log_format[8];
    bool have_sim_cpusvn;
    char sim_cpusvn[33]; /* 32 hex digits, as given */
    char state_dir[256]; /* hostPath of the state directory */
    struct las_op_trust trust;
};

/*
 * Parses a CR's spec object (NULL means {}): defaults for what is absent,
 * LAS_ERR_INVALID_ARGUMENT with a reason that names the field ("spec.mode:
 * ...") for anything wrong. On success the caller frees with las_op_spec_free.
 */
LAS_MUST_CHECK las_status las_op_spec_parse(const json_t *spec, struct las_op_spec *out, char *why,
                                            size_t why_len);
void las_op_spec_free(struct las_op_spec *s);

const char *las_op_mode_name(enum las_op_mode m);
const char *las_op_plugin_name(enum las_op_plugin p);
const char *las_op_aesmd_name(enum las_op_aesmd a);

/* True for an RFC 1123 DNS label of at most max characters. */
bool las_op_dns_label(const char *s, size_t max);

#endif
