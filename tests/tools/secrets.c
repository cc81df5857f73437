/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: prints the secrets of a simulated platform, re-derived from
 * its state directory with LAS's own functions, as search needles for the
 * secret-leak test (tests/integration/test_secrets.sh):
 *   las_test_secrets STATE_DIR
 * One line per needle: "NAME hex LOWERHEX" and "NAME b64 BASE64" (the base64
 * characters that depend only on the secret, at each of the 3 alignments
 * the secret can have inside a longer base64 text). Names starting with
 * "public_" are not secrets but controls that must be found.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/file.h"
#include "common/hex.h"
#include "sim/backend_sim.h"
#include "sim/sim_qe.h"
#include "identity/platform_key.h"
#include "sim/sim_cpu.h"

static void print_needles(const char *name, const uint8_t *secret, size_t n)
{
    char hex[2 * 64 + 1];
    if (n > 64)
        abort();
    las_hex_encode(secret, n, hex, 0);
    printf("%s hex %s\n", name, hex);
    for (size_t shift = 0; shift < 3; shift++) {
        uint8_t shifted[66] = {0};
        char b64[128];
        memcpy(shifted + shift, secret, n);
        sodium_bin2base64(b64, sizeof b64, shifted, n + shift, sodium_base64_VARIANT_ORIGINAL);
        /* Skip the quartet that mixes in the prefix; keep whole quartets of secret bytes. */
        size_t first = shift ? 4 : 0;
        size_t whole = (n + shift) / 3 * 4;
        if (whole > first + 8)
            printf("%s b64 %.*s\n", name, (int)(whole - first), b64 + first);
    }
}

/*
 * The private scalars (32 bytes, big-endian) of the simulated QE's keys on
 * cpu, derived as las_sim_qe_open does, and their public keys (x || y).
 */
static las_status
qe_private_scalars(const struct las_sim_cpu *cpu, uint8_t out[LAS_SIM_QE_PRIVATE_KEYS][32],
                   uint8_t pub[LAS_SIM_QE_PRIVATE_KEYS][LAS_SIM_QE_ECDSA_PUB_SIZE])
{
    las_status st = LAS_OK;
    memset(out, 0, LAS_SIM_QE_PRIVATE_KEYS * 32);
    for (int i = 0; i < LAS_SIM_QE_PRIVATE_KEYS && st == LAS_OK; i++) {
        EVP_PKEY *key = NULL;
        BIGNUM *d = NULL;
        st = las_sim_qe_derive_key(cpu, i, &key, pub[i]);
        if (st == LAS_OK && (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
                             BN_bn2binpad(d, out[i], 32) != 32))
            st = LAS_ERR_CRYPTO;
        BN_clear_free(d);
        EVP_PKEY_free(key);
    }
    if (st != LAS_OK)
        las_wipe(out, LAS_SIM_QE_PRIVATE_KEYS * 32);
    return st;
}

int main(int argc, char **argv)
{
    char path[LAS_PATH_MAX], why[256];
    uint8_t *image = NULL, report_key[16], seal_key[16];
    size_t len = 0;
    struct las_sim_cpu cpu;
    struct las_backend *b = NULL;
    struct las_platform_key key;
    struct las_sgx_keyrequest req;

    if (argc != 2 || las_crypto_init() != LAS_OK) {
        fprintf(stderr, "usage: las_test_secrets STATE_DIR\n");
        return 2;
    }
    if (las_path_join(path, sizeof path, argv[1], LAS_SIM_STATE_FILE) != LAS_OK ||
        las_file_read(path, LAS_SIM_STATE_SIZE, &image, &len) != LAS_OK ||
        las_sim_cpu_parse(image, len, &cpu) != LAS_OK) {
        fprintf(stderr, "las_test_secrets: cannot read %s\n", path);
        return 1;
    }
    print_needles("seal_fuses", cpu.seal_fuses, sizeof cpu.seal_fuses);
    print_needles("owner_epoch", cpu.owner_epoch, sizeof cpu.owner_epoch);

    /* LAS's REPORT key, as the sim backend derives it for LAS's simulated enclave. */
    struct las_sim_enclave las;
    memset(&las, 0, sizeof las);
    las.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    las.attributes.xfrm = 0x3;
    las.isvprodid = LAS_ISVPRODID;
    las_backend_sim_las_identity(-1, las.mrenclave, las.mrsigner, &las.isvsvn);
    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_REPORT;
    memcpy(req.keyid, cpu.report_keyid, sizeof req.keyid);
    if (las_sim_egetkey(&cpu, &las, &req, report_key) != LAS_SGX_SUCCESS)
        return 1;
    print_needles("las_report_key", report_key, sizeof report_key);

    /* The platform key's SEAL key and seed, through the backend as `las serve` does. */
    struct las_dir dir;
    struct las_backend_sim_config cfg = {.state_dir = &dir, .isvsvn_override = -1};
    if (las_dir_open(argv[1], false, &dir, why, sizeof why) != LAS_OK ||
        las_backend_sim_open(&cfg, &b, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "las_test_secrets: %s\n", why);
        return 1;
    }
    las_platform_key_request(b->identity.cpusvn, b->identity.isvsvn, &req);
    if (b->ops->seal_key(b, &req, seal_key) != LAS_OK ||
        las_platform_key_derive(b, b->identity.cpusvn, b->identity.isvsvn, &key) != LAS_OK)
        return 1;
    print_needles("platform_seal_key", seal_key, sizeof seal_key);
    /* libsodium's secret key is seed || public key; only the seed is secret. */
    print_needles("platform_seed", key.secret_key, 32);
    las_backend_close(b);

    /* The simulated QE's private keys (its certificates are in the state directory). */
    static const char *const qe_names[LAS_SIM_QE_PRIVATE_KEYS] = {
        "qe_root_ca_key", "qe_platform_ca_key", "qe_pck_key", "qe_attestation_key"};
    uint8_t scalars[LAS_SIM_QE_PRIVATE_KEYS][32], pubs[LAS_SIM_QE_PRIVATE_KEYS][64];
    if (qe_private_scalars(&cpu, scalars, pubs) != LAS_OK)
        return 1;
    for (int i = 0; i < LAS_SIM_QE_PRIVATE_KEYS; i++)
        print_needles(qe_names[i], scalars[i], 32);
    /* Not a secret: a control that the re-derivation matches the running QE (it is in every quote).
     */
    print_needles("public_qe_attestation_key", pubs[3], 64);
    las_wipe(scalars, sizeof scalars);
    las_wipe(&cpu, sizeof cpu);
    las_wipe(&key, sizeof key);
    free(image);
    return 0;
}
