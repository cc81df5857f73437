/* SPDX-License-Identifier: Apache-2.0 */
#include "common/rfc3339.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"

/*
 * Reads the next bytes of r if they have the shape of pattern ('9' a digit,
 * 'T' either case of it, any other character itself) into out, 'T' upper
 * case. strptime alone would also take one-digit fields and leading blanks.
 */
static bool read_shape(struct las_reader *r, const char *pattern, char *out)
{
    size_t n = strlen(pattern);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = 0;
        las_read_u8(r, &c);
        if (pattern[i] == '9' && (c < '0' || c > '9'))
            return false;
        if (pattern[i] == 'T' && c != 'T' && c != 't')
            return false;
        if (pattern[i] != '9' && pattern[i] != 'T' && c != (uint8_t)pattern[i])
            return false;
        out[i] = pattern[i] == 'T' ? 'T' : (char)c;
    }
    out[n] = '\0';
    return las_reader_status(r) == LAS_OK;
}

/* strptime over a string of exactly the expected shape, in the C locale's digits. */
static bool fields(const char *text, const char *format, struct tm *tm)
{
    const char *end = strptime(text, format, tm);
    return end != NULL && *end == '\0';
}

/* Whether tm names a real UTC second: timegm normalizes Feb 29 of a common year or ":60". */
static bool real_time(const struct tm *tm, time_t *out)
{
    struct tm copy = *tm, back;
    *out = timegm(&copy);
    return gmtime_r(out, &back) != NULL && back.tm_year == tm->tm_year &&
           back.tm_mon == tm->tm_mon && back.tm_mday == tm->tm_mday &&
           back.tm_hour == tm->tm_hour && back.tm_min == tm->tm_min && back.tm_sec == tm->tm_sec;
}

las_status las_rfc3339_parse(const char *s, int64_t *out)
{
    char date[sizeof "2025-01-01T00:00:00"], offset[sizeof "00:00"];
    struct tm tm, off;
    struct las_reader r;
    uint8_t c = 0;
    int64_t shift = 0;
    time_t t;

    *out = 0;
    if (s == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    memset(&tm, 0, sizeof tm);
    memset(&off, 0, sizeof off);
    las_reader_init(&r, (const uint8_t *)s, strlen(s));
    if (!read_shape(&r, "9999-99-99T99:99:99", date) || !fields(date, "%Y-%m-%dT%H:%M:%S", &tm))
        return LAS_ERR_MALFORMED;
    las_read_u8(&r, &c);
    if (c == '.') { /* a fraction: at least one digit, truncated */
        las_read_u8(&r, &c);
        if (c < '0' || c > '9')
            return LAS_ERR_MALFORMED;
        while (c >= '0' && c <= '9')
            las_read_u8(&r, &c);
    }
    if (c == '+' || c == '-') {
        if (!read_shape(&r, "99:99", offset) || !fields(offset, "%H:%M", &off))
            return LAS_ERR_MALFORMED;
        shift = (c == '+' ? 1 : -1) * ((int64_t)off.tm_hour * 3600 + off.tm_min * 60);
    } else if (c != 'Z' && c != 'z') {
        return LAS_ERR_MALFORMED;
    }
    if (las_reader_end(&r) != LAS_OK || !real_time(&tm, &t) || (int64_t)t - shift < 0)
        return LAS_ERR_MALFORMED; /* nothing LAS checks predates the epoch */
    *out = (int64_t)t - shift;
    return LAS_OK;
}

void las_rfc3339_format(int64_t t, char out[static LAS_RFC3339_SIZE])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 ||
        strftime(out, LAS_RFC3339_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) != LAS_RFC3339_SIZE - 1)
        snprintf(out, LAS_RFC3339_SIZE, "%s", "out-of-range");
}
