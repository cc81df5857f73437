/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Locale-independent RFC 3339 time stamps ("2025-01-01T00:00:00Z",
 * "2025-01-01T01:00:00.5+01:00") and civil-date arithmetic, so no caller
 * depends on TZ, setlocale or timegm.
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
 * seconds (":60") and times before the epoch are refused. The whole string
 * must be consumed.
 */
LAS_MUST_CHECK las_status las_rfc3339_parse(const char *s, int64_t *out);

/* Formats seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
void las_rfc3339_format(int64_t t, char out[static LAS_RFC3339_SIZE]);

/*
 * Seconds since the epoch of a proleptic Gregorian UTC date; fields must
 * already be in range (month 1-12, day 1-31, ...).
 */
int64_t las_epoch_from_civil(int64_t year, int month, int day, int hour, int min, int sec);

#endif
