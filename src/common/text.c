/* SPDX-License-Identifier: Apache-2.0 */
#include "common/text.h"

#include <stdarg.h>
#include <stdio.h>

void las_text_init(struct las_text *t, char *buf, size_t cap)
{
    *t = (struct las_text){.buf = buf, .cap = cap, .len = 0, .overflow = cap == 0};
}

void las_text_printf(struct las_text *t, const char *fmt, ...)
{
    if (t->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len)
        t->overflow = true;
    else
        t->len += (size_t)n;
}

size_t las_text_len(const struct las_text *t)
{
    return t->overflow ? 0 : t->len;
}
