/* SPDX-License-Identifier: Apache-2.0 */
#include "common/buf.h"

#include <string.h>

void las_reader_init(struct las_reader *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = buf ? len : 0;
    r->pos = 0;
    r->failed = false;
}

/* Claims n bytes; NULL (and a sticky failure) when they are not there. */
static const uint8_t *reader_take(struct las_reader *r, size_t n)
{
    if (r->failed || n > r->len - r->pos) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *p = r->buf + r->pos;
    r->pos += n;
    return p;
}

void las_read_bytes(struct las_reader *r, void *out, size_t n)
{
    const uint8_t *p = reader_take(r, n);
    if (p)
        memcpy(out, p, n);
    else
        memset(out, 0, n);
}

void las_read_skip(struct las_reader *r, size_t n)
{
    (void)reader_take(r, n);
}

void las_read_view(struct las_reader *r, const uint8_t **out, size_t n)
{
    *out = reader_take(r, n);
}

void las_read_u8(struct las_reader *r, uint8_t *out)
{
    const uint8_t *p = reader_take(r, 1);
    *out = p ? p[0] : 0;
}

void las_read_u16le(struct las_reader *r, uint16_t *out)
{
    const uint8_t *p = reader_take(r, 2);
    *out = p ? (uint16_t)(p[0] | (p[1] << 8)) : 0;
}

void las_read_u32le(struct las_reader *r, uint32_t *out)
{
    const uint8_t *p = reader_take(r, 4);
    *out =
        p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

void las_read_u64le(struct las_reader *r, uint64_t *out)
{
    const uint8_t *p = reader_take(r, 8);
    uint64_t v = 0;
    if (p) {
        for (int i = 7; i >= 0; i--)
            v = v << 8 | p[i];
    }
    *out = v;
}

size_t las_reader_remaining(const struct las_reader *r)
{
    return r->failed ? 0 : r->len - r->pos;
}

las_status las_reader_status(const struct las_reader *r)
{
    return r->failed ? LAS_ERR_MALFORMED : LAS_OK;
}

las_status las_reader_end(const struct las_reader *r)
{
    if (r->failed || r->pos != r->len)
        return LAS_ERR_MALFORMED;
    return LAS_OK;
}

void las_writer_init(struct las_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->pos = 0;
    w->failed = false;
}

static uint8_t *writer_take(struct las_writer *w, size_t n)
{
    if (w->failed || n > w->cap - w->pos) {
        w->failed = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->pos;
    w->pos += n;
    return p;
}

void las_write_bytes(struct las_writer *w, const void *in, size_t n)
{
    uint8_t *p = writer_take(w, n);
    if (p && n)
        memcpy(p, in, n);
}

void las_write_zeros(struct las_writer *w, size_t n)
{
    uint8_t *p = writer_take(w, n);
    if (p)
        memset(p, 0, n);
}

void las_write_u16le(struct las_writer *w, uint16_t v)
{
    uint8_t *p = writer_take(w, 2);
    if (p) {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    }
}

void las_write_u32le(struct las_writer *w, uint32_t v)
{
    uint8_t *p = writer_take(w, 4);
    if (p) {
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)(v >> (8 * i));
    }
}

void las_write_u64le(struct las_writer *w, uint64_t v)
{
    uint8_t *p = writer_take(w, 8);
    if (p) {
        for (int i = 0; i < 8; i++)
            p[i] = (uint8_t)(v >> (8 * i));
    }
}

las_status las_writer_end(const struct las_writer *w)
{
    if (w->failed || w->pos != w->cap)
        return LAS_ERR_INTERNAL;
    return LAS_OK;
}
