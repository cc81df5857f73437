/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the TCB info and QE identity parsers (the signed JSON objects
 * of the collateral), each on the whole input, and the TCB evaluation on
 * what parses.
 */
#include <string.h>

#include "common/crypto.h"
#include "dcap/collateral.h"
#include "fuzz.h"

static struct las_tcb_info tcb;
static struct las_qe_identity qe;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return las_crypto_init() == LAS_OK ? 0 : 1;
}

/* What a refused parse must leave (compared with memcmp: fast under the sanitizers). */
static const struct las_tcb_info zero_tcb;
static const struct las_qe_identity zero_qe;

/* LAS_OK gives a known status other than Revoked; a refusal names its check and reason. */
static void check_evaluation(const struct las_tcb_info *t, const struct las_qe_identity *q,
                             const struct las_pck_info *pck, uint16_t qe_isvsvn)
{
    struct las_dcap_result res;
    memset(&res, 0, sizeof res);
    las_status st = las_tcb_evaluate(t, q, pck, qe_isvsvn, &res);
    if (st == LAS_OK)
        FUZZ_ASSERT(res.tcb_status != LAS_TCB_UNKNOWN && res.tcb_status != LAS_TCB_REVOKED &&
                    res.n_advisories <= LAS_DCAP_MAX_ADVISORIES);
    else
        FUZZ_ASSERT(st == LAS_ERR_REFUSED && res.check != NULL && res.reason[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char reason[256];
    las_status t = las_tcb_info_parse(data, size, &tcb, reason, sizeof reason);
    if (t == LAS_OK)
        FUZZ_ASSERT((tcb.version == 2 || tcb.version == 3) && tcb.n_levels >= 1 &&
                    tcb.n_levels <= LAS_TCB_MAX_LEVELS);
    else
        FUZZ_ASSERT(memcmp(&tcb, &zero_tcb, sizeof tcb) == 0 &&
                    memchr(reason, '\0', sizeof reason));

    las_status q = las_qe_identity_parse(data, size, &qe, reason, sizeof reason);
    if (q == LAS_OK)
        FUZZ_ASSERT(qe.version == 2 && qe.n_levels >= 1 && qe.n_levels <= LAS_TCB_MAX_LEVELS);
    else
        FUZZ_ASSERT(memcmp(&qe, &zero_qe, sizeof qe) == 0 && memchr(reason, '\0', sizeof reason));

    /* What parses is evaluated against a fixed other half, at both ends of the SVN range. */
    static struct las_tcb_info any_tcb = {.n_levels = 1,
                                          .levels = {{.status = LAS_TCB_UP_TO_DATE}}};
    static struct las_qe_identity any_qe = {.n_levels = 1,
                                            .levels = {{.status = LAS_TCB_UP_TO_DATE}}};
    for (int high = 0; high < 2; high++) {
        struct las_pck_info pck;
        memset(&pck, high ? 0xff : 0, sizeof pck);
        if (t == LAS_OK)
            check_evaluation(&tcb, &any_qe, &pck, high ? 0xffff : 0);
        if (q == LAS_OK)
            check_evaluation(&any_tcb, &qe, &pck, high ? 0xffff : 0);
    }
    return 0;
}
