/* SPDX-License-Identifier: Apache-2.0 */
/* ENCLU on architectures without SGX: every leaf reports #GP. */
#include "sgx/enclu.h"

static long no_egetkey(void *ctx, const uint8_t *keyrequest, uint8_t *key)
{
    (void)ctx;
    (void)keyrequest;
    (void)key;
    return -1;
}

static long no_ereport(void *ctx, const uint8_t *targetinfo, const uint8_t *report_data,
                       uint8_t *report)
{
    (void)ctx;
    (void)targetinfo;
    (void)report_data;
    (void)report;
    return -1;
}

const struct las_enclu las_enclu_hardware = {no_egetkey, no_ereport, 0};
