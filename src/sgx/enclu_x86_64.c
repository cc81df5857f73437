/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The real ENCLU instruction (opcode 0F 01 D7). Executing it outside an
 * enclave raises #UD (SIGILL): callers reach it only through the sgx
 * backend, which is opened only after Gramine's /dev/attestation showed
 * that LAS runs inside an enclave.
 */
#include "sgx/enclu.h"

enum { ENCLU_EREPORT = 0, ENCLU_EGETKEY = 1 };

static long hw_egetkey(void *ctx, const uint8_t *keyrequest, uint8_t *key)
{
    long rax = ENCLU_EGETKEY;
    (void)ctx;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd7" /* ENCLU */
                     : "+a"(rax)
                     : "b"(keyrequest), "c"(key)
                     : "memory", "cc");
    return rax;
}

static long hw_ereport(void *ctx, const uint8_t *targetinfo, const uint8_t *report_data,
                       uint8_t *report)
{
    long rax = ENCLU_EREPORT;
    (void)ctx;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd7" /* ENCLU */
                     : "+a"(rax)
                     : "b"(targetinfo), "c"(report_data), "d"(report)
                     : "memory", "cc");
    return 0;
}

const struct las_enclu las_enclu_hardware = {
    .egetkey = hw_egetkey,
    .ereport = hw_ereport,
    .ctx = 0,
};
