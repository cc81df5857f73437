/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one bounds-checked reader and writer used by every parser and
 * serializer in LAS.
 *
 * Errors are sticky: once a read runs past the end, every later read yields
 * zeros and las_reader_end() reports the failure, so a parser is a flat list
 * of reads followed by one check. las_reader_end() also rejects trailing
 * bytes. All integers are little-endian, as in every SGX structure.
 */
#ifndef LAS_BUF_H
#define LAS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

struct las_reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    bool failed;
};

void las_reader_init(struct las_reader *r, const uint8_t *buf, size_t len);
void las_read_bytes(struct las_reader *r, void *out, size_t n);
void las_read_skip(struct las_reader *r, size_t n);
/* Points *out at the next n bytes of the buffer (no copy); NULL on failure. */
void las_read_view(struct las_reader *r, const uint8_t **out, size_t n);
void las_read_u8(struct las_reader *r, uint8_t *out);
void las_read_u16le(struct las_reader *r, uint16_t *out);
void las_read_u32le(struct las_reader *r, uint32_t *out);
void las_read_u64le(struct las_reader *r, uint64_t *out);
size_t las_reader_remaining(const struct las_reader *r);
/* LAS_OK when no read failed and every byte was consumed. */
LAS_MUST_CHECK las_status las_reader_end(const struct las_reader *r);
/* LAS_OK when no read failed (trailing bytes allowed). */
LAS_MUST_CHECK las_status las_reader_status(const struct las_reader *r);

struct las_writer {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    bool failed;
};

void las_writer_init(struct las_writer *w, uint8_t *buf, size_t cap);
void las_write_bytes(struct las_writer *w, const void *in, size_t n);
void las_write_zeros(struct las_writer *w, size_t n);
void las_write_u16le(struct las_writer *w, uint16_t v);
void las_write_u32le(struct las_writer *w, uint32_t v);
void las_write_u64le(struct las_writer *w, uint64_t v);
/* LAS_OK when no write overflowed and exactly cap bytes were written. */
LAS_MUST_CHECK las_status las_writer_end(const struct las_writer *w);

#endif
