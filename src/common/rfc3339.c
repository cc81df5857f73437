/* SPDX-License-Identifier: Apache-2.0 */
#include "common/rfc3339.h"

#include <stdio.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's civil-date algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t las_epoch_from_civil(int64_t year, int month, int day, int hour, int min, int sec)
{
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n ASCII digits (no locale, no sign, no spaces). */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

static int expect(const char **p, char a, char b)
{
    if (**p != a && **p != b)
        return 0;
    (*p)++;
    return 1;
}

las_status las_rfc3339_parse(const char *s, int64_t *out)
{
    int year, month, day, hour, min, sec, oh = 0, om = 0, sign = 0;
    const char *p = s;

    *out = 0;
    if (s == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    if (!digits(&p, 4, &year) || !expect(&p, '-', '-') || !digits(&p, 2, &month) ||
        !expect(&p, '-', '-') || !digits(&p, 2, &day) || !expect(&p, 'T', 't') ||
        !digits(&p, 2, &hour) || !expect(&p, ':', ':') || !digits(&p, 2, &min) ||
        !expect(&p, ':', ':') || !digits(&p, 2, &sec))
        return LAS_ERR_MALFORMED;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return LAS_ERR_MALFORMED;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (!digits(&p, 2, &oh) || !expect(&p, ':', ':') || !digits(&p, 2, &om))
            return LAS_ERR_MALFORMED;
    } else {
        return LAS_ERR_MALFORMED;
    }
    if (*p != '\0')
        return LAS_ERR_MALFORMED;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        min > 59 || sec > 59 || oh > 23 || om > 59)
        return LAS_ERR_MALFORMED;
    int64_t t =
        las_epoch_from_civil(year, month, day, hour, min, sec) - sign * (oh * 3600 + om * 60);
    if (t < 0)
        return LAS_ERR_MALFORMED; /* nothing LAS checks predates the epoch */
    *out = t;
    return LAS_OK;
}

void las_rfc3339_format(int64_t t, char out[static LAS_RFC3339_SIZE])
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400;
    /* Inverse of days_from_civil. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2;
    if (y < 0 || y > 9999) {
        snprintf(out, LAS_RFC3339_SIZE, "%s", "out-of-range");
        return;
    }
    char tmp[64]; /* wide enough for any int, so the compiler sees no truncation */
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d, (int)(rem / 3600),
             (int)(rem % 3600 / 60), (int)(rem % 60));
    memcpy(out, tmp, LAS_RFC3339_SIZE - 1);
    out[LAS_RFC3339_SIZE - 1] = '\0';
}
