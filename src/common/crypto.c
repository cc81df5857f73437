/* SPDX-License-Identifier: Apache-2.0 */
#include "common/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <pthread.h>
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
 * A CMAC context with the AES-128-CBC cipher already fetched, keyed with an
 * all-zero (public) key: EVP_MAC_CTX_dup refuses to copy an unkeyed CMAC.
 * Fetching the algorithms on every call (as EVP_Q_mac does) took two thirds
 * of the time of a CMAC over a REPORT body (bench/RESULTS.md). Created once,
 * only read afterwards; never freed (it holds no secret).
 */
static EVP_MAC_CTX *cmac_template;
static pthread_once_t cmac_once = PTHREAD_ONCE_INIT;

static void cmac_template_init(void)
{
    static const uint8_t zero_key[16];
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context keeps its own reference */
    if (ctx != NULL && EVP_MAC_init(ctx, zero_key, sizeof zero_key, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    cmac_template = ctx;
}

las_status las_aes_cmac(const uint8_t key[static 16], const uint8_t *msg, size_t len,
                        uint8_t mac[static LAS_CMAC_SIZE])
{
    las_status st = LAS_ERR_CRYPTO;
    size_t out_len = 0;
    EVP_MAC_CTX *ctx = NULL;

    if (pthread_once(&cmac_once, cmac_template_init) != 0 || cmac_template == NULL)
        goto out;
    /* A private copy per call: the keyed state is wiped when it is freed. */
    ctx = EVP_MAC_CTX_dup(cmac_template);
    if (ctx != NULL && EVP_MAC_init(ctx, key, 16, NULL) == 1 &&
        EVP_MAC_update(ctx, msg, len) == 1 &&
        EVP_MAC_final(ctx, mac, &out_len, LAS_CMAC_SIZE) == 1 && out_len == LAS_CMAC_SIZE)
        st = LAS_OK;
out:
    EVP_MAC_CTX_free(ctx);
    if (st != LAS_OK)
        memset(mac, 0, LAS_CMAC_SIZE);
    return st;
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
