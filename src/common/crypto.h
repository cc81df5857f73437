/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Thin, must-check wrappers over OpenSSL 3 libcrypto (SHA-256, HKDF), Nettle
 * (AES-CMAC) and libsodium (randomness, constant-time comparison, wiping),
 * so the rest of LAS never touches library-specific error conventions.
 */
#ifndef LAS_CRYPTO_H
#define LAS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/aes.h>
#include <nettle/cmac.h>

#include "las/status.h"

#define LAS_SHA256_SIZE 32
#define LAS_CMAC_SIZE   16

/* Initializes libsodium; call once before any other function here. */
LAS_MUST_CHECK las_status las_crypto_init(void);

/* AES-128-CMAC (NIST SP 800-38B, RFC 4493). */
LAS_MUST_CHECK las_status las_aes_cmac(const uint8_t key[static 16], const uint8_t *msg, size_t len,
                                       uint8_t mac[static LAS_CMAC_SIZE]);

/*
 * An AES-128-CMAC key prepared for many messages: the AES key schedule and
 * the two CMAC subkeys, computed once by las_cmac_key_init. It is secret
 * (the key can be recovered from it): keep it in las_secret_alloc memory,
 * and las_wipe it when done. las_cmac_keyed only reads it, so threads may
 * share one.
 */
struct las_cmac_key {
    struct aes128_ctx cipher;
    struct cmac128_key subkeys;
};

void las_cmac_key_init(struct las_cmac_key *k, const uint8_t key[static 16]);

/* AES-128-CMAC of msg under a prepared key; its result equals las_aes_cmac's. */
void las_cmac_keyed(const struct las_cmac_key *k, const uint8_t *msg, size_t len,
                    uint8_t mac[static LAS_CMAC_SIZE]);

LAS_MUST_CHECK las_status las_sha256(const void *data, size_t len,
                                     uint8_t out[static LAS_SHA256_SIZE]);

/* SHA-256 of a file's contents, read in chunks (any size). */
LAS_MUST_CHECK las_status las_sha256_file(const char *path, uint8_t out[static LAS_SHA256_SIZE]);

/* HKDF-SHA256 (RFC 5869): extract with salt (may be empty), expand with info. */
LAS_MUST_CHECK las_status las_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
                                          size_t salt_len, const uint8_t *info, size_t info_len,
                                          uint8_t *out, size_t out_len);

void las_random_bytes(void *out, size_t n);

/* Constant-time equality of two n-byte buffers. */
bool las_ct_equal(const void *a, const void *b, size_t n);

/* Wipes n bytes so the compiler cannot elide it. */
void las_wipe(void *p, size_t n);

/*
 * Allocates n bytes for key material: guard pages, excluded from core dumps
 * (sodium_malloc), and locked in RAM. libsodium ignores a failing mlock;
 * this checks it and logs one clear warning per process (the memory is still
 * returned: LAS keeps running, but the key may reach swap). NULL if out of
 * memory. Free with las_secret_free, which wipes.
 */
void *las_secret_alloc(size_t n);
void las_secret_free(void *p);

/* Whether every las_secret_alloc so far was locked in RAM. */
bool las_secret_all_locked(void);

#endif
