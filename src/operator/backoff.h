/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exponential back-off with jitter for reconnecting watches and retrying
 * requests: base, doubling up to max, each delay drawn from [d/2, d].
 */
#ifndef LAS_OP_BACKOFF_H
#define LAS_OP_BACKOFF_H

#include <stdint.h>

struct las_op_backoff {
    uint32_t base_ms, max_ms;
    uint32_t current_ms; /* 0: the next delay is base_ms */
};

void las_op_backoff_init(struct las_op_backoff *b, uint32_t base_ms, uint32_t max_ms);
/* The next delay; random is any 32-bit value (the jitter). */
uint32_t las_op_backoff_next(struct las_op_backoff *b, uint32_t random);
/* After a success: the next delay starts at base_ms again. */
void las_op_backoff_reset(struct las_op_backoff *b);

#endif
