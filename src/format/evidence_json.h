/* SPDX-License-Identifier: Apache-2.0 */
/* JSON encoding of evidence fields shared by the evidence and the state file. */
#ifndef LAS_EVIDENCE_JSON_H
#define LAS_EVIDENCE_JSON_H

#include <jansson.h>

#include "las/evidence.h"

/* Reads a field of exactly n bytes written as 2n hex digits. */
LAS_MUST_CHECK las_status las_json_get_hex(const json_t *obj, const char *key, uint8_t *out,
                                           size_t n);
/* Reads a base64 field into out (cap bytes); *len gets the decoded size. */
LAS_MUST_CHECK las_status las_json_get_base64(const json_t *obj, const char *key, uint8_t *out,
                                              size_t cap, size_t *len);
/* Reads an integer field in [0, max]. */
LAS_MUST_CHECK las_status las_json_get_uint(const json_t *obj, const char *key, uint64_t max,
                                            uint64_t *out);

/* New JSON string holding hex (upper-case when upper) or base64 of data. */
json_t *las_json_hex(const uint8_t *data, size_t n, int upper);
json_t *las_json_base64(const uint8_t *data, size_t n);

json_t *las_succession_to_json(const struct las_succession *s);
LAS_MUST_CHECK las_status las_succession_from_json(const json_t *obj, struct las_succession *s);

#endif
