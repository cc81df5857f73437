/* SPDX-License-Identifier: Apache-2.0 */
#include "common/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"

las_status las_crypto_init(void)
{
    return sodium_init() < 0 ? LAS_ERR_CRYPTO : LAS_OK;
}

/*
 * AES-128-CMAC through Nettle, not OpenSSL (docs/architecture.md, "Why
 * AES-CMAC comes from Nettle, not OpenSSL"): OpenSSL 3.0's CMAC makes one
 * provider call per 16-byte block and allocates its contexts, about 11,400
 * instructions for a REPORT body, where Nettle needs about 1,900 with a
 * prepared key. Nettle's contexts are plain structures that the caller
 * places, so a prepared key can live in locked memory.
 */
void las_cmac_key_init(struct las_cmac_key *k, const uint8_t key[static 16])
{
    aes128_set_encrypt_key(&k->cipher, key);
    cmac128_set_key(&k->subkeys, &k->cipher, (nettle_cipher_func *)aes128_encrypt);
}

void las_cmac_keyed(const struct las_cmac_key *k, const uint8_t *msg, size_t len,
                    uint8_t mac[static LAS_CMAC_SIZE])
{
    /* The running state is per message, on this stack: the key is only read. */
    struct cmac128_ctx state;
    cmac128_init(&state);
    cmac128_update(&state, &k->cipher, (nettle_cipher_func *)aes128_encrypt, len, msg);
    cmac128_digest(&state, &k->subkeys, &k->cipher, (nettle_cipher_func *)aes128_encrypt,
                   LAS_CMAC_SIZE, mac);
    las_wipe(&state, sizeof state);
}

las_status las_aes_cmac(const uint8_t key[static 16], const uint8_t *msg, size_t len,
                        uint8_t mac[static LAS_CMAC_SIZE])
{
    struct las_cmac_key k;
    las_cmac_key_init(&k, key);
    las_cmac_keyed(&k, msg, len, mac);
    las_wipe(&k, sizeof k);
    return LAS_OK;
}

las_status las_sha256(const void *data, size_t len, uint8_t out[static LAS_SHA256_SIZE])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != LAS_SHA256_SIZE)
        return LAS_ERR_CRYPTO;
    return LAS_OK;
}

las_status las_sha256_file(const char *path, uint8_t out[static LAS_SHA256_SIZE])
{
    las_status st = LAS_ERR_CRYPTO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return LAS_ERR_IO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    for (;;) {
        uint8_t chunk[65536];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = LAS_ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        if (EVP_DigestUpdate(ctx, chunk, (size_t)n) != 1)
            goto out;
    }
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == LAS_SHA256_SIZE)
        st = LAS_OK;
out:
    EVP_MD_CTX_free(ctx);
    close(fd);
    return st;
}

las_status las_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                           const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    las_status st = LAS_ERR_CRYPTO;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    if (ctx == NULL)
        goto out;
    OSSL_PARAM params[5];
    int i = 0;
    params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    if (salt_len > 0)
        params[i++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    params[i] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(ctx, out, out_len, params) == 1)
        st = LAS_OK;
    else
        memset(out, 0, out_len);
out:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return st;
}

void las_random_bytes(void *out, size_t n)
{
    randombytes_buf(out, n);
}

bool las_ct_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void las_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

static atomic_bool lock_failed;

void *las_secret_alloc(size_t n)
{
    void *p = sodium_malloc(n);
    if (p == NULL)
        return NULL;
    /* Locks do not nest: locking what sodium_malloc may have locked is harmless. */
    if (mlock(p, n) != 0) {
        int err = errno;
        if (!atomic_exchange(&lock_failed, true)) {
            struct rlimit rl = {0, 0};
            getrlimit(RLIMIT_MEMLOCK, &rl);
            las_warn("cannot lock key material in memory (mlock: %s; RLIMIT_MEMLOCK %llu bytes): "
                     "keys may be written to swap; raise the limit (ulimit -l, systemd "
                     "LimitMEMLOCK=) or grant CAP_IPC_LOCK",
                     strerror(err), (unsigned long long)rl.rlim_cur);
        }
    }
    return p;
}

void las_secret_free(void *p)
{
    sodium_free(p); /* wipes, unlocks and unmaps */
}

bool las_secret_all_locked(void)
{
    return !atomic_load(&lock_failed);
}
