/* SPDX-License-Identifier: Apache-2.0 */
/* Platform identity (DESIGN §2): every row of the consequences table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "format/las_enclave.h"
#include "identity/platform_key.h"
#include "sim/sim_cpu.h"
#include "test_helpers.h"

static void derive_id(const char *dir, const uint8_t *cpusvn, int isvsvn, uint8_t id[32])
{
    struct las_backend_sim_config cfg = {test_dir(dir), cpusvn, isvsvn};
    struct las_backend *b = NULL;
    struct las_platform_key key;
    char why[256];
    assert_int_equal(las_backend_sim_open(&cfg, &b, why, sizeof why), LAS_OK);
    assert_int_equal(las_platform_key_derive(b, b->identity.cpusvn, b->identity.isvsvn, &key),
                     LAS_OK);
    memcpy(id, key.public_key, 32);
    assert_memory_equal(key.cpusvn, b->identity.cpusvn, 16);
    assert_int_equal(key.isvsvn, b->identity.isvsvn);
    /* The secret half is the libsodium layout: seed || public key. */
    assert_memory_equal(key.secret_key + 32, key.public_key, 32);
    las_backend_close(b);
}

static void test_restart_keeps_id(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    uint8_t a[32], b[32];
    derive_id(dir, NULL, -1, a);
    derive_id(dir, NULL, -1, b);
    assert_memory_equal(a, b, 32);
    test_tmpdir_free(dir);
}

static void test_other_machine_other_id(void **state)
{
    (void)state;
    char *d1 = test_tmpdir(), *d2 = test_tmpdir();
    uint8_t a[32], b[32];
    derive_id(d1, NULL, -1, a);
    derive_id(d2, NULL, -1, b);
    assert_memory_not_equal(a, b, 32);
    test_tmpdir_free(d1);
    test_tmpdir_free(d2);
}

static void test_microcode_update_changes_id(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    uint8_t a[32], b[32], c[32], svn[16];
    memcpy(svn, las_sim_default_cpusvn, 16);
    derive_id(dir, NULL, -1, a);
    svn[1]++;
    derive_id(dir, svn, -1, b);
    assert_memory_not_equal(a, b, 32);
    derive_id(dir, NULL, -1, c); /* the update persists: same new ID */
    assert_memory_equal(b, c, 32);
    test_tmpdir_free(dir);
}

static void test_las_update_changes_id(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    uint8_t a[32], b[32], c[32];
    derive_id(dir, NULL, LAS_ISVSVN, a);
    derive_id(dir, NULL, LAS_ISVSVN + 1, b);
    assert_memory_not_equal(a, b, 32);
    derive_id(dir, NULL, LAS_ISVSVN, c);
    assert_memory_equal(a, c, 32);
    test_tmpdir_free(dir);
}

static void test_older_keys_derivable_newer_not(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    struct las_backend_sim_config cfg = {test_dir(dir), NULL, 4};
    struct las_backend *b = NULL;
    struct las_platform_key now, old, other;
    char why[256];
    uint8_t id_at_3[32];
    derive_id(dir, NULL, 3, id_at_3);
    assert_int_equal(las_backend_sim_open(&cfg, &b, why, sizeof why), LAS_OK);
    assert_int_equal(las_platform_key_derive(b, b->identity.cpusvn, 4, &now), LAS_OK);
    /* LAS at ISVSVN 4 re-derives the key it had at ISVSVN 3 (succession). */
    assert_int_equal(las_platform_key_derive(b, b->identity.cpusvn, 3, &old), LAS_OK);
    assert_memory_equal(old.public_key, id_at_3, 32);
    assert_memory_not_equal(old.public_key, now.public_key, 32);
    assert_int_equal(las_platform_key_derive(b, b->identity.cpusvn, 5, &other),
                     LAS_ERR_SGX_INVALID_ISVSVN);
    uint8_t zero[sizeof other] = {0};
    assert_memory_equal(&other, zero, sizeof other);
    uint8_t newer[16];
    memcpy(newer, b->identity.cpusvn, 16);
    newer[0]++;
    assert_int_equal(las_platform_key_derive(b, newer, 4, &other), LAS_ERR_SGX_INVALID_CPUSVN);
    las_backend_close(b);
    test_tmpdir_free(dir);
}

static void test_key_request_is_the_documented_one(void **state)
{
    (void)state;
    struct las_sgx_keyrequest req;
    uint8_t svn[16] = {1, 2, 3};
    las_platform_key_request(svn, 7, &req);
    assert_int_equal(req.keyname, LAS_SGX_KEYNAME_SEAL);
    assert_int_equal(req.keypolicy, LAS_SGX_KEYPOLICY_MRSIGNER);
    assert_int_equal(req.isvsvn, 7);
    assert_memory_equal(req.cpusvn, svn, 16);
    assert_true(req.attribute_mask.flags == (LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_DEBUG));
    assert_memory_equal(req.keyid, "LAS platform key", 16);
    assert_int_equal(req.keyid[16], 0);
}

static int group_setup(void **state)
{
    (void)state;
    return las_crypto_init() == LAS_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_keeps_id),
        cmocka_unit_test(test_other_machine_other_id),
        cmocka_unit_test(test_microcode_update_changes_id),
        cmocka_unit_test(test_las_update_changes_id),
        cmocka_unit_test(test_older_keys_derivable_newer_not),
        cmocka_unit_test(test_key_request_is_the_documented_one),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
