/* SPDX-License-Identifier: Apache-2.0 */
#include "operator/backoff.h"

void las_op_backoff_init(struct las_op_backoff *b, uint32_t base_ms, uint32_t max_ms)
{
    b->base_ms = base_ms ? base_ms : 1;
    b->max_ms = max_ms < b->base_ms ? b->base_ms : max_ms;
    b->current_ms = 0;
}

uint32_t las_op_backoff_next(struct las_op_backoff *b, uint32_t random)
{
    if (b->current_ms == 0)
        b->current_ms = b->base_ms;
    else if (b->current_ms > b->max_ms / 2)
        b->current_ms = b->max_ms;
    else
        b->current_ms *= 2;
    uint32_t half = b->current_ms / 2;
    return half + (half ? random % (b->current_ms - half + 1) : 0);
}

void las_op_backoff_reset(struct las_op_backoff *b)
{
    b->current_ms = 0;
}
