/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known-answer tests: RFC 4493 (AES-CMAC), RFC 8032 (Ed25519), RFC 5869
 * (HKDF); and LAS's AES-CMAC (Nettle) against OpenSSL's on random inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "common/crypto.h"
#include "common/hex.h"

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    assert_int_equal(las_hex_decode(hex, out, n), LAS_OK);
    return n;
}

static void test_aes_cmac_rfc4493(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *mac;
    } cases[] = {
        {0, "bb1d6929e95937287fa37d129b756746"},
        {16, "070a16b46b4d4144f79bdd9dd04a287c"},
        {40, "dfa66747de9ae63030ca32611497c827"},
        {64, "51f0bebf7e3b9d92fc49741779363cfe"},
    };
    uint8_t key[16], msg[64], expect[16], mac[16];
    unhex("2b7e151628aed2a6abf7158809cf4f3c", key);
    unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
          msg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unhex(cases[i].mac, expect);
        assert_int_equal(las_aes_cmac(key, msg, cases[i].len, mac), LAS_OK);
        assert_memory_equal(mac, expect, 16);
        struct las_cmac_key k;
        las_cmac_key_init(&k, key);
        memset(mac, 0, sizeof mac);
        las_cmac_keyed(&k, msg, cases[i].len, mac);
        assert_memory_equal(mac, expect, 16);
        /* The prepared key is only read: a second message under it agrees too. */
        las_cmac_keyed(&k, msg, cases[i].len, mac);
        assert_memory_equal(mac, expect, 16);
    }
}

/* OpenSSL's AES-128-CMAC of msg, the reference for the cross-check below. */
static void openssl_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t out_len = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    assert_non_null(mac);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    assert_non_null(ctx);
    assert_int_equal(EVP_MAC_init(ctx, key, 16, params), 1);
    assert_int_equal(EVP_MAC_update(ctx, msg, len), 1);
    assert_int_equal(EVP_MAC_final(ctx, out, &out_len, 16), 1);
    assert_int_equal(out_len, 16);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

/* Every length from 0 to 3 blocks past a REPORT body (384 bytes), random keys and messages. */
static void test_aes_cmac_matches_openssl(void **state)
{
    (void)state;
    uint8_t key[16], msg[432], mine[16], theirs[16];
    for (size_t len = 0; len <= sizeof msg; len++) {
        las_random_bytes(key, sizeof key);
        las_random_bytes(msg, len);
        openssl_cmac(key, msg, len, theirs);
        assert_int_equal(las_aes_cmac(key, msg, len, mine), LAS_OK);
        assert_memory_equal(mine, theirs, 16);
    }
}

static void test_ed25519_rfc8032(void **state)
{
    (void)state;
    static const struct {
        const char *seed, *pk, *msg, *sig;
    } cases[] = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
         "39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f"
         "3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67"
         "f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t seed[32], pk_expect[32], msg[8], sig_expect[64];
        uint8_t pk[32], sk[64], sig[64];
        unhex(cases[i].seed, seed);
        unhex(cases[i].pk, pk_expect);
        size_t mlen = unhex(cases[i].msg, msg);
        unhex(cases[i].sig, sig_expect);
        assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
        assert_memory_equal(pk, pk_expect, 32);
        assert_int_equal(crypto_sign_detached(sig, NULL, msg, mlen, sk), 0);
        assert_memory_equal(sig, sig_expect, 64);
        assert_int_equal(crypto_sign_verify_detached(sig, msg, mlen, pk), 0);
        sig[0] ^= 1;
        assert_int_not_equal(crypto_sign_verify_detached(sig, msg, mlen, pk), 0);
    }
}

static void test_hkdf_rfc5869(void **state)
{
    (void)state;
    uint8_t ikm[22], salt[13], info[10], okm[42], expect[42];
    memset(ikm, 0x0b, sizeof ikm);
    unhex("000102030405060708090a0b0c", salt);
    unhex("f0f1f2f3f4f5f6f7f8f9", info);
    /* Test case 1 */
    unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
          expect);
    assert_int_equal(las_hkdf_sha256(ikm, 22, salt, 13, info, 10, okm, 42), LAS_OK);
    assert_memory_equal(okm, expect, 42);
    /* Test case 3: empty salt and info */
    unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
          expect);
    assert_int_equal(las_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, okm, 42), LAS_OK);
    assert_memory_equal(okm, expect, 42);
}

static void test_sha256_and_ct_equal(void **state)
{
    (void)state;
    uint8_t d[32], expect[32];
    unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", expect);
    assert_int_equal(las_sha256("abc", 3, d), LAS_OK);
    assert_memory_equal(d, expect, 32);
    assert_true(las_ct_equal(d, expect, 32));
    d[31] ^= 0x80;
    assert_false(las_ct_equal(d, expect, 32));
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t out[2];
    char text[5];
    assert_int_equal(las_hex_decode("aB0f", out, 2), LAS_OK);
    assert_int_equal(out[0], 0xab);
    assert_int_equal(out[1], 0x0f);
    las_hex_encode(out, 2, text, 1);
    assert_string_equal(text, "AB0F");
    las_hex_encode(out, 2, text, 0);
    assert_string_equal(text, "ab0f");
    assert_int_equal(las_hex_decode("ab0", out, 2), LAS_ERR_BAD_SIZE);
    assert_int_equal(las_hex_decode("ab0g", out, 2), LAS_ERR_MALFORMED);
    assert_int_equal(out[0], 0);
    assert_int_equal(las_hex_decode(" ab0", out, 2), LAS_ERR_MALFORMED);
    assert_int_equal(las_hex_decode("0xab", out, 2), LAS_ERR_MALFORMED);
    assert_int_equal(las_hex_decode("ab-0", out, 2), LAS_ERR_MALFORMED);
    assert_int_equal(las_hex_decode(NULL, out, 2), LAS_ERR_BAD_SIZE);
}

static int setup(void **state)
{
    (void)state;
    return las_crypto_init() == LAS_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aes_cmac_rfc4493),    cmocka_unit_test(test_aes_cmac_matches_openssl),
        cmocka_unit_test(test_ed25519_rfc8032),     cmocka_unit_test(test_hkdf_rfc5869),
        cmocka_unit_test(test_sha256_and_ct_equal), cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
