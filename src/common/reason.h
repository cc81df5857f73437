/* SPDX-License-Identifier: Apache-2.0 */
/* Refusals that explain themselves: a status plus a human-readable reason. */
#ifndef LAS_REASON_H
#define LAS_REASON_H

#include <stddef.h>

#include "las/status.h"

/* Formats a reason into reason[size] (when reason is non-NULL) and returns st. */
__attribute__((format(printf, 4, 5))) las_status las_fail(las_status st, char *reason, size_t size,
                                                          const char *fmt, ...);

#endif
