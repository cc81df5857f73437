/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging to stderr for the daemon and the CLI (the library never logs).
 * Text: "<RFC3339 UTC time> <level> <message>"; JSON: one object per line
 * with "time", "level" and "msg". Each line is written with one write(2), so
 * lines from different threads never interleave.
 */
#ifndef LAS_LOG_H
#define LAS_LOG_H

#include <stdbool.h>

enum las_log_level { LAS_LOG_DEBUG, LAS_LOG_INFO, LAS_LOG_WARN, LAS_LOG_ERROR };
enum las_log_format { LAS_LOG_TEXT, LAS_LOG_JSON };

void las_log_configure(enum las_log_level min_level, enum las_log_format format);
/* Parses "debug|info|warn|error" / "text|json"; false when unknown. */
bool las_log_level_parse(const char *s, enum las_log_level *out);
bool las_log_format_parse(const char *s, enum las_log_format *out);
bool las_log_enabled(enum las_log_level level);

__attribute__((format(printf, 2, 3))) void las_log(enum las_log_level level, const char *fmt, ...);

#define las_debug(...) las_log(LAS_LOG_DEBUG, __VA_ARGS__)
#define las_info(...)  las_log(LAS_LOG_INFO, __VA_ARGS__)
#define las_warn(...)  las_log(LAS_LOG_WARN, __VA_ARGS__)
#define las_error(...) las_log(LAS_LOG_ERROR, __VA_ARGS__)

#endif
