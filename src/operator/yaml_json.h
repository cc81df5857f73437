/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML documents (a kubeconfig, the CRD file) as jansson trees, through
 * libyaml. Scalars become strings, except that plain (unquoted) true/false
 * become booleans and plain decimal integers become integers, which is all
 * that the operator's inputs use. Anchors and aliases are refused.
 */
#ifndef LAS_OP_YAML_JSON_H
#define LAS_OP_YAML_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

#define LAS_OP_YAML_MAX_DEPTH 64

/* The first document of buf; why names the line of a syntax error. */
LAS_MUST_CHECK las_status las_op_yaml_load(const uint8_t *buf, size_t len, json_t **out, char *why,
                                           size_t why_len);

#endif
