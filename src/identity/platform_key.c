/* SPDX-License-Identifier: Apache-2.0 */
#include "identity/platform_key.h"

#include <sodium.h>
#include <string.h>

#include "common/crypto.h"

void las_platform_key_request(const uint8_t cpusvn[static 16], uint16_t isvsvn,
                              struct las_sgx_keyrequest *req)
{
    memset(req, 0, sizeof *req);
    req->keyname = LAS_SGX_KEYNAME_SEAL;
    /* MRSIGNER: a LAS update with the same signer and ISVSVN keeps the ID. */
    req->keypolicy = LAS_SGX_KEYPOLICY_MRSIGNER;
    req->isvsvn = isvsvn;
    memcpy(req->cpusvn, cpusvn, 16);
    /* A debug LAS must never derive a production LAS's key. */
    req->attribute_mask.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_DEBUG;
    req->attribute_mask.xfrm = 0;
    memcpy(req->keyid, LAS_PLATFORM_KEYID, sizeof LAS_PLATFORM_KEYID - 1);
    req->miscmask = 0;
}

las_status las_platform_key_derive(struct las_backend *b, const uint8_t cpusvn[static 16],
                                   uint16_t isvsvn, struct las_platform_key *out)
{
    struct las_sgx_keyrequest req;
    uint8_t seal_key[LAS_SGX_KEY_SIZE], seed[crypto_sign_SEEDBYTES];

    memset(out, 0, sizeof *out);
    las_platform_key_request(cpusvn, isvsvn, &req);
    las_status st = b->ops->seal_key(b, &req, seal_key);
    if (st == LAS_OK)
        st = las_hkdf_sha256(seal_key, sizeof seal_key, NULL, 0,
                             (const uint8_t *)LAS_PLATFORM_HKDF_INFO,
                             sizeof LAS_PLATFORM_HKDF_INFO - 1, seed, sizeof seed);
    if (st == LAS_OK && crypto_sign_seed_keypair(out->public_key, out->secret_key, seed) != 0)
        st = LAS_ERR_CRYPTO;
    if (st == LAS_OK) {
        memcpy(out->cpusvn, cpusvn, 16);
        out->isvsvn = isvsvn;
    } else {
        las_wipe(out, sizeof *out);
    }
    las_wipe(seal_key, sizeof seal_key);
    las_wipe(seed, sizeof seed);
    return st;
}
