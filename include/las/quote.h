/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LAS quote v1: an application enclave's REPORT body, vouched for by LAS
 * with the platform key. Fixed size, little-endian; the byte layout is in
 * docs/quote-format.md.
 */
#ifndef LAS_QUOTE_H
#define LAS_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "las/sgx.h"
#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAS_QUOTE_SIZE           520
#define LAS_QUOTE_SIGNED_SIZE    456 /* bytes covered by the signature */
#define LAS_QUOTE_VERSION        1
#define LAS_QUOTE_FLAG_SIMULATED 0x0001
#define LAS_QUOTE_FLAGS_KNOWN    0x0001
#define LAS_PLATFORM_ID_SIZE     32
#define LAS_PLATFORM_ID_HEX_SIZE 65 /* 64 upper-case hex digits and a NUL */
#define LAS_SIGNATURE_SIZE       64

/* Domain-separation string prefixed to the signed bytes (NUL excluded). */
#define LAS_QUOTE_SIGNING_CONTEXT "LAS quote v1\n"

struct las_quote {
    uint16_t version;
    uint16_t flags;
    uint64_t issued_at; /* seconds since the Unix epoch, UTC */
    uint8_t platform_id[LAS_PLATFORM_ID_SIZE];
    uint8_t cpusvn[LAS_SGX_CPUSVN_SIZE]; /* under which the platform key was derived */
    uint16_t isvsvn;                     /* LAS ISVSVN under which it was derived */
    struct las_sgx_report_body body;     /* the application's REPORT body, verbatim */
    uint8_t signature[LAS_SIGNATURE_SIZE];
};

/*
 * Parses a quote: exact size, known magic and version, no unknown flags,
 * zero reserved bytes. Does not check the signature. *out zeroed on failure.
 */
LAS_MUST_CHECK las_status las_quote_parse(const uint8_t *buf, size_t len, struct las_quote *out);

/* Serializes q (signature included) into its wire form. */
void las_quote_serialize(const struct las_quote *q, uint8_t out[static LAS_QUOTE_SIZE]);

/*
 * Parses buf and checks its Ed25519 signature under the platform ID it
 * carries. LAS_ERR_SIGNATURE when it does not verify. This proves only that
 * the holder of that platform key signed it: callers must also check that the
 * platform ID is one they trust (las_quote_verify does).
 */
LAS_MUST_CHECK las_status las_quote_check_signature(const uint8_t *buf, size_t len,
                                                    struct las_quote *out);

/* Formats a platform ID as 64 upper-case hex digits. */
void las_platform_id_format(const uint8_t id[static LAS_PLATFORM_ID_SIZE],
                            char out[static LAS_PLATFORM_ID_HEX_SIZE]);

/* Parses 64 hex digits (either case) into a platform ID. */
LAS_MUST_CHECK las_status las_platform_id_parse(const char *hex,
                                                uint8_t id[static LAS_PLATFORM_ID_SIZE]);

#ifdef __cplusplus
}
#endif

#endif
