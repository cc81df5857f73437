/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text written piece by piece into a caller's fixed buffer (the /metrics
 * pages of the daemon and of the operator). A piece that does not fit
 * marks the text as overflowed and nothing more is written: the caller
 * gets all of it or none.
 */
#ifndef LAS_TEXT_H
#define LAS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct las_text {
    char *buf;
    size_t cap, len;
    bool overflow;
};

void las_text_init(struct las_text *t, char *buf, size_t cap);

/* Appends a formatted piece, NUL-terminated, unless an earlier one overflowed. */
__attribute__((format(printf, 2, 3))) void las_text_printf(struct las_text *t, const char *fmt,
                                                           ...);

/* The length of the text, or 0 when a piece did not fit. */
size_t las_text_len(const struct las_text *t);

#endif
