/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Refusals that explain themselves. One contract for every verifier (LAS
 * quote and policy, platform evidence, DCAP quote and collateral):
 *
 * - A verifier's result has three fields, `status`, `check` and `reason`.
 *   `status` is LAS_OK exactly when the input was accepted; otherwise `check`
 *   names the first check that refused (a static snake_case string, the name
 *   docs list for that verifier) and `reason` says why in one sentence that
 *   names the offending value: lower case, no final period, hex in full.
 * - las_refuse() sets the three fields at once and returns the status, so a
 *   check refuses with `return las_refuse(res, st, "name", "why %s", x);`.
 * - A verifier that refuses because one it called refused keeps the inner
 *   verdict visible: its reason is "INNER_CHECK: INNER_REASON"
 *   (las_refuse_nested), so every refusal reads "CHECK: REASON", nested or
 *   not, and tools print it as `REFUSED (CHECK): REASON`.
 *
 * Parsers below the verifiers do not decide verdicts: they explain a failure
 * to their caller with las_fail() (reason only), and the verifier refuses.
 */
#ifndef LAS_REASON_H
#define LAS_REASON_H

#include <stddef.h>

#include "las/status.h"

/*
 * Sets *status_out = st, *check_out = check and reason (size bytes, always
 * terminated); returns st. Use it through las_refuse().
 */
__attribute__((format(printf, 7, 8))) las_status
las_refuse_into(las_status *status_out, const char **check_out, char *reason, size_t size,
                las_status st, const char *check, const char *fmt, ...);

/* las_refuse(res, st, check, fmt, ...) for any result with status, check and reason[]. */
#define las_refuse(res, st, check_name, ...)                                                       \
    las_refuse_into(&(res)->status, &(res)->check, (res)->reason, sizeof(res)->reason, (st),       \
                    (check_name), __VA_ARGS__)

/* Refuses with check name, the reason being "INNER_CHECK: INNER_REASON". */
#define las_refuse_nested(res, st, check_name, inner_check, inner_reason)                          \
    las_refuse(res, st, check_name, "%s: %s", (inner_check) ? (inner_check) : "error",             \
               (inner_reason))

/* Formats a reason into reason[size] (when reason is non-NULL) and returns st. */
__attribute__((format(printf, 4, 5))) las_status las_fail(las_status st, char *reason, size_t size,
                                                          const char *fmt, ...);

#endif
