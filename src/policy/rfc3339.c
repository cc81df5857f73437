/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 date-times for evaluation times (`las verify --at`). */
#include <string.h>
#include <time.h>

#include "las/policy.h"

/* Reads exactly n decimal digits at *s and advances; -1 on anything else. */
static long digits(const char **s, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += n;
    return v;
}

static bool expect(const char **s, char c)
{
    if (**s != c)
        return false;
    (*s)++;
    return true;
}

static int days_in_month(long year, long month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

las_status las_time_parse_rfc3339(const char *s, int64_t *out)
{
    long year, mon, day, hour, min, sec, off = 0;
    if (out)
        *out = 0;
    if (s == NULL || out == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    if ((year = digits(&s, 4)) < 0 || !expect(&s, '-') || (mon = digits(&s, 2)) < 0 ||
        !expect(&s, '-') || (day = digits(&s, 2)) < 0)
        return LAS_ERR_INVALID_ARGUMENT;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return LAS_ERR_INVALID_ARGUMENT;
    s++;
    if ((hour = digits(&s, 2)) < 0 || !expect(&s, ':') || (min = digits(&s, 2)) < 0 ||
        !expect(&s, ':') || (sec = digits(&s, 2)) < 0)
        return LAS_ERR_INVALID_ARGUMENT;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return LAS_ERR_INVALID_ARGUMENT;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1;
        long oh, om;
        s++;
        if ((oh = digits(&s, 2)) < 0 || !expect(&s, ':') || (om = digits(&s, 2)) < 0 || oh > 23 ||
            om > 59)
            return LAS_ERR_INVALID_ARGUMENT;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return LAS_ERR_INVALID_ARGUMENT;
    }
    if (*s != '\0' || year < 1970 || mon < 1 || mon > 12 || day < 1 ||
        day > days_in_month(year, mon) || hour > 23 || min > 59 || sec > 60)
        return LAS_ERR_INVALID_ARGUMENT;

    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)(year - 1900);
    tm.tm_mon = (int)(mon - 1);
    tm.tm_mday = (int)day;
    tm.tm_hour = (int)hour;
    tm.tm_min = (int)min;
    tm.tm_sec = (int)sec; /* a leap second :60 counts as the next second */
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || (int64_t)t - off < 0)
        return LAS_ERR_INVALID_ARGUMENT;
    *out = (int64_t)t - off;
    return LAS_OK;
}
