/* SPDX-License-Identifier: Apache-2.0 */
/* Typed, aligned wrappers around the ENCLU leaves. */
#include "sgx/enclu.h"

#include <string.h>

#include "common/crypto.h"

las_status las_enclu_egetkey(const struct las_enclu *e, const struct las_sgx_keyrequest *req,
                             uint8_t key[static LAS_SGX_KEY_SIZE])
{
    _Alignas(LAS_ENCLU_KEYREQUEST_ALIGN) uint8_t request[LAS_SGX_KEYREQUEST_SIZE];
    _Alignas(LAS_ENCLU_KEY_ALIGN) uint8_t out[LAS_SGX_KEY_SIZE];

    las_sgx_keyrequest_serialize(req, request);
    long rax = e->egetkey(e->ctx, request, out);
    las_status st = las_sgx_error_status(rax);
    if (st == LAS_OK)
        memcpy(key, out, LAS_SGX_KEY_SIZE);
    else
        memset(key, 0, LAS_SGX_KEY_SIZE);
    las_wipe(out, sizeof out);
    return st;
}

las_status las_enclu_ereport(const struct las_enclu *e, const struct las_sgx_targetinfo *target,
                             const uint8_t report_data[static 64], struct las_sgx_report *out)
{
    _Alignas(LAS_ENCLU_TARGETINFO_ALIGN) uint8_t ti[LAS_SGX_TARGETINFO_SIZE];
    _Alignas(LAS_ENCLU_REPORTDATA_ALIGN) uint8_t rd[LAS_SGX_REPORT_DATA_SIZE];
    _Alignas(LAS_ENCLU_REPORT_ALIGN) uint8_t report[LAS_SGX_REPORT_SIZE];

    las_sgx_targetinfo_serialize(target, ti);
    memcpy(rd, report_data, sizeof rd);
    memset(out, 0, sizeof *out);
    if (e->ereport(e->ctx, ti, rd, report) != 0)
        return LAS_ERR_SGX_GP_FAULT;
    return las_sgx_report_parse(report, sizeof report, out);
}

las_status las_sgx_error_status(long code)
{
    switch (code) {
    case LAS_SGX_SUCCESS:
        return LAS_OK;
    case LAS_SGX_INVALID_ATTRIBUTE:
        return LAS_ERR_SGX_INVALID_ATTRIBUTE;
    case LAS_SGX_INVALID_CPUSVN:
        return LAS_ERR_SGX_INVALID_CPUSVN;
    case LAS_SGX_INVALID_ISVSVN:
        return LAS_ERR_SGX_INVALID_ISVSVN;
    case LAS_SGX_INVALID_KEYNAME:
        return LAS_ERR_SGX_INVALID_KEYNAME;
    case -1:
        return LAS_ERR_SGX_GP_FAULT;
    default:
        return LAS_ERR_INTERNAL;
    }
}
