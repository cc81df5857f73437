/* SPDX-License-Identifier: Apache-2.0 */
#include "sim/enclu_sim.h"

#include <string.h>

#include "common/crypto.h"

static int aligned(const void *p, uintptr_t alignment)
{
    return ((uintptr_t)p % alignment) == 0;
}

static long sim_egetkey(void *ctx, const uint8_t *keyrequest, uint8_t *key)
{
    struct las_enclu_sim *e = ctx;
    struct las_sgx_keyrequest req;
    e->calls++;
    if (!aligned(keyrequest, LAS_ENCLU_KEYREQUEST_ALIGN) || !aligned(key, LAS_ENCLU_KEY_ALIGN))
        return -1;
    if (las_sgx_keyrequest_parse(keyrequest, LAS_SGX_KEYREQUEST_SIZE, &req) != LAS_OK)
        return -1;
    return las_sim_egetkey(e->cpu, e->self, &req, key);
}

static long sim_ereport(void *ctx, const uint8_t *targetinfo, const uint8_t *report_data,
                        uint8_t *report)
{
    struct las_enclu_sim *e = ctx;
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r;
    e->calls++;
    if (!aligned(targetinfo, LAS_ENCLU_TARGETINFO_ALIGN) ||
        !aligned(report_data, LAS_ENCLU_REPORTDATA_ALIGN) ||
        !aligned(report, LAS_ENCLU_REPORT_ALIGN))
        return -1;
    if (las_sgx_targetinfo_parse(targetinfo, LAS_SGX_TARGETINFO_SIZE, &ti) != LAS_OK ||
        las_sim_ereport(e->cpu, e->self, &ti, report_data, &r) != LAS_OK)
        return -1;
    las_sgx_report_serialize(&r, report);
    return 0;
}

void las_enclu_sim_init(struct las_enclu_sim *e, const struct las_sim_cpu *cpu,
                        const struct las_sim_enclave *self)
{
    memset(e, 0, sizeof *e);
    e->ops.egetkey = sim_egetkey;
    e->ops.ereport = sim_ereport;
    e->ops.ctx = e;
    e->cpu = cpu;
    e->self = self;
}
