/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 3339 time stamps ("2025-01-01T00:00:00Z", "2025-01-01T01:00:00.5+01:00")
 * on top of libc's strptime, timegm and gmtime_r: UTC throughout, so no
 * result depends on TZ, and only digits are parsed, so none on the locale.
 */
#ifndef LAS_RFC3339_H
#define LAS_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

/* "YYYY-MM-DDTHH:MM:SSZ" plus NUL. */
#define LAS_RFC3339_SIZE 21

/*
 * Parses a full RFC 3339 date-time (section 5.6): 'T' or 't' separator,
 * optional fraction (truncated), 'Z'/'z' or a +HH:MM/-HH:MM offset. Leap
 * seconds (":60"), days that do not exist and times before the epoch are
 * refused. The whole string must be consumed.
 */
LAS_MUST_CHECK las_status las_rfc3339_parse(const char *s, int64_t *out);

/* Formats seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (UTC), or "out-of-range". */
void las_rfc3339_format(int64_t t, char out[static LAS_RFC3339_SIZE]);

#endif
