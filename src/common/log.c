/* SPDX-License-Identifier: Apache-2.0 */
#include "common/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Process-wide configuration, set once at start-up before threads exist. */
static enum las_log_level log_min_level = LAS_LOG_INFO;
static enum las_log_format log_format = LAS_LOG_TEXT;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void las_log_configure(enum las_log_level min_level, enum las_log_format format)
{
    log_min_level = min_level;
    log_format = format;
}

bool las_log_level_parse(const char *s, enum las_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum las_log_level)i;
            return true;
        }
    }
    return false;
}

bool las_log_format_parse(const char *s, enum las_log_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = LAS_LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = LAS_LOG_JSON;
    else
        return false;
    return true;
}

bool las_log_enabled(enum las_log_level level)
{
    return level >= log_min_level;
}

static void write_all(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

void las_log(enum las_log_level level, const char *fmt, ...)
{
    if (!las_log_enabled(level))
        return;

    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timespec ts;
    struct tm tm;
    char when[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);

    if (log_format == LAS_LOG_JSON) {
        json_t *obj =
            json_pack("{s:s,s:s,s:s}", "time", when, "level", level_names[level], "msg", msg);
        char *line = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
        if (line) {
            char out[4096];
            int n = snprintf(out, sizeof out, "%s\n", line);
            if (n > 0 && (size_t)n < sizeof out)
                write_all(out, (size_t)n);
        }
        free(line);
        json_decref(obj);
        return;
    }
    char line[2200];
    int n = snprintf(line, sizeof line, "%s %s %s\n", when, level_names[level], msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = sizeof line - 1;
        line[n - 1] = '\n';
    }
    write_all(line, (size_t)n);
}
