/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SGX architectural structures as defined in the Intel SDM, Vol. 3D, ch. 38
 * ("SGX data structures"): REPORT, REPORT body, TARGETINFO, KEYREQUEST.
 *
 * The structs below have exactly Intel's layout (checked field by field at
 * compile time in src/sgx/sgx_types.c) so the hardware backend can hand them
 * to ENCLU. Wire buffers are never cast to them: use the *_parse and
 * *_serialize functions, which go through the bounds-checked reader/writer.
 */
#ifndef LAS_SGX_H
#define LAS_SGX_H

#include <stddef.h>
#include <stdint.h>

#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAS_SGX_CPUSVN_SIZE      16
#define LAS_SGX_HASH_SIZE        32
#define LAS_SGX_CONFIGID_SIZE    64
#define LAS_SGX_ISVEXT_SIZE      16
#define LAS_SGX_ISVFAMILY_SIZE   16
#define LAS_SGX_REPORT_DATA_SIZE 64
#define LAS_SGX_KEYID_SIZE       32
#define LAS_SGX_MAC_SIZE         16
#define LAS_SGX_KEY_SIZE         16

#define LAS_SGX_REPORT_BODY_SIZE 384
#define LAS_SGX_REPORT_SIZE      432
#define LAS_SGX_TARGETINFO_SIZE  512
#define LAS_SGX_KEYREQUEST_SIZE  512

/* SECS.ATTRIBUTES.FLAGS bits (SDM Table 38-3). */
#define LAS_SGX_FLAGS_INIT           0x0000000000000001ULL
#define LAS_SGX_FLAGS_DEBUG          0x0000000000000002ULL
#define LAS_SGX_FLAGS_MODE64BIT      0x0000000000000004ULL
#define LAS_SGX_FLAGS_PROVISION_KEY  0x0000000000000010ULL
#define LAS_SGX_FLAGS_EINITTOKEN_KEY 0x0000000000000020ULL
#define LAS_SGX_FLAGS_CET            0x0000000000000040ULL
#define LAS_SGX_FLAGS_KSS            0x0000000000000080ULL
#define LAS_SGX_FLAGS_AEXNOTIFY      0x0000000000000400ULL

/* KEYREQUEST.KEYNAME values (SDM Table 38-21). */
enum {
    LAS_SGX_KEYNAME_EINITTOKEN = 0,
    LAS_SGX_KEYNAME_PROVISION = 1,
    LAS_SGX_KEYNAME_PROVISION_SEAL = 2,
    LAS_SGX_KEYNAME_REPORT = 3,
    LAS_SGX_KEYNAME_SEAL = 4,
};

/* KEYREQUEST.KEYPOLICY bits (SDM Table 38-22); all other bits are reserved. */
#define LAS_SGX_KEYPOLICY_MRENCLAVE    0x0001
#define LAS_SGX_KEYPOLICY_MRSIGNER     0x0002
#define LAS_SGX_KEYPOLICY_NOISVPRODID  0x0004
#define LAS_SGX_KEYPOLICY_CONFIGID     0x0008
#define LAS_SGX_KEYPOLICY_ISVFAMILYID  0x0010
#define LAS_SGX_KEYPOLICY_ISVEXTPRODID 0x0020
#define LAS_SGX_KEYPOLICY_RESERVED     0xFFC0

/* ENCLU error codes returned in RAX (SDM Table 38-4, the ones EGETKEY uses). */
enum {
    LAS_SGX_SUCCESS = 0,
    LAS_SGX_INVALID_ATTRIBUTE = 2,
    LAS_SGX_INVALID_CPUSVN = 32,
    LAS_SGX_INVALID_ISVSVN = 64,
    LAS_SGX_INVALID_KEYNAME = 256,
};

struct las_sgx_attributes {
    uint64_t flags;
    uint64_t xfrm;
};

struct las_sgx_report_body {
    uint8_t cpusvn[LAS_SGX_CPUSVN_SIZE];           /*   0 */
    uint32_t miscselect;                           /*  16 */
    uint8_t reserved1[12];                         /*  20 */
    uint8_t isvextprodid[LAS_SGX_ISVEXT_SIZE];     /*  32 */
    struct las_sgx_attributes attributes;          /*  48 */
    uint8_t mrenclave[LAS_SGX_HASH_SIZE];          /*  64 */
    uint8_t reserved2[32];                         /*  96 */
    uint8_t mrsigner[LAS_SGX_HASH_SIZE];           /* 128 */
    uint8_t reserved3[32];                         /* 160 */
    uint8_t configid[LAS_SGX_CONFIGID_SIZE];       /* 192 */
    uint16_t isvprodid;                            /* 256 */
    uint16_t isvsvn;                               /* 258 */
    uint16_t configsvn;                            /* 260 */
    uint8_t reserved4[42];                         /* 262 */
    uint8_t isvfamilyid[LAS_SGX_ISVFAMILY_SIZE];   /* 304 */
    uint8_t report_data[LAS_SGX_REPORT_DATA_SIZE]; /* 320 */
};

struct las_sgx_report {
    struct las_sgx_report_body body;   /*   0 */
    uint8_t keyid[LAS_SGX_KEYID_SIZE]; /* 384 */
    uint8_t mac[LAS_SGX_MAC_SIZE];     /* 416 */
};

struct las_sgx_targetinfo {
    uint8_t mrenclave[LAS_SGX_HASH_SIZE];    /*   0 */
    struct las_sgx_attributes attributes;    /*  32 */
    uint8_t reserved1[2];                    /*  48 */
    uint16_t configsvn;                      /*  50 */
    uint32_t miscselect;                     /*  52 */
    uint8_t reserved2[8];                    /*  56 */
    uint8_t configid[LAS_SGX_CONFIGID_SIZE]; /*  64 */
    uint8_t reserved3[384];                  /* 128 */
};

struct las_sgx_keyrequest {
    uint16_t keyname;                         /*   0 */
    uint16_t keypolicy;                       /*   2 */
    uint16_t isvsvn;                          /*   4 */
    uint8_t reserved1[2];                     /*   6 */
    uint8_t cpusvn[LAS_SGX_CPUSVN_SIZE];      /*   8 */
    struct las_sgx_attributes attribute_mask; /*  24 */
    uint8_t keyid[LAS_SGX_KEYID_SIZE];        /*  40 */
    uint32_t miscmask;                        /*  72 */
    uint16_t configsvn;                       /*  76 */
    uint8_t reserved2[434];                   /*  78 */
};

/*
 * Parsers: buf must hold exactly the structure's size (LAS_ERR_BAD_SIZE
 * otherwise). On failure *out is zeroed. Reserved fields are kept as read;
 * the body/report parsers do not judge their content. Nothing is
 * authenticated: a REPORT's MAC can be checked only by the CPU (EGETKEY of
 * its target), and a report body is worth what the signature over it is
 * (las_quote_verify, las_dcap_verify).
 */
LAS_MUST_CHECK las_status las_sgx_report_body_parse(const uint8_t *buf, size_t len,
                                                    struct las_sgx_report_body *out);
LAS_MUST_CHECK las_status las_sgx_report_parse(const uint8_t *buf, size_t len,
                                               struct las_sgx_report *out);
LAS_MUST_CHECK las_status las_sgx_targetinfo_parse(const uint8_t *buf, size_t len,
                                                   struct las_sgx_targetinfo *out);
LAS_MUST_CHECK las_status las_sgx_keyrequest_parse(const uint8_t *buf, size_t len,
                                                   struct las_sgx_keyrequest *out);

/* Serializers: write the Intel wire layout (little-endian) into out. */
void las_sgx_report_body_serialize(const struct las_sgx_report_body *in,
                                   uint8_t out[static LAS_SGX_REPORT_BODY_SIZE]);
void las_sgx_report_serialize(const struct las_sgx_report *in,
                              uint8_t out[static LAS_SGX_REPORT_SIZE]);
void las_sgx_targetinfo_serialize(const struct las_sgx_targetinfo *in,
                                  uint8_t out[static LAS_SGX_TARGETINFO_SIZE]);
void las_sgx_keyrequest_serialize(const struct las_sgx_keyrequest *in,
                                  uint8_t out[static LAS_SGX_KEYREQUEST_SIZE]);

#ifdef __cplusplus
}
#endif

#endif
