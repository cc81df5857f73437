/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated SGX CPU: state file handling and the SDM semantics of EREPORT/EGETKEY. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/crypto.h"
#include "common/file.h"
#include "sgx/enclu.h"
#include "sim/sim_cpu.h"
#include "backend/app_enclave.h"
#include "test_helpers.h"

struct fixture {
    char *dir;
    struct las_sim_cpu cpu;
    struct las_sim_enclave app;
    struct las_sim_enclave las;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char why[256];
    if (f == NULL || las_crypto_init() != LAS_OK || (f->dir = test_tmpdir()) == NULL)
        return -1;
    if (las_sim_cpu_open(test_dir(f->dir), NULL, &f->cpu, NULL, why, sizeof why) != LAS_OK)
        return -1;
    f->app.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    f->app.attributes.xfrm = 3;
    memset(f->app.mrenclave, 0xaa, 32);
    memset(f->app.mrsigner, 0xbb, 32);
    f->app.isvprodid = 7;
    f->app.isvsvn = 5;
    f->las = f->app;
    memset(f->las.mrenclave, 0x11, 32);
    memset(f->las.mrsigner, 0x22, 32);
    f->las.isvsvn = 3;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_tmpdir_free(f->dir);
    free(f);
    return 0;
}

static void seal_request(struct las_sgx_keyrequest *req, const struct las_sim_cpu *cpu,
                         uint16_t policy, uint16_t isvsvn)
{
    memset(req, 0, sizeof *req);
    req->keyname = LAS_SGX_KEYNAME_SEAL;
    req->keypolicy = policy;
    req->isvsvn = isvsvn;
    memcpy(req->cpusvn, cpu->cpusvn, 16);
    req->attribute_mask.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_DEBUG;
}

/* ---- state file ---- */

static void test_state_created_0600_and_reloaded(void **state)
{
    struct fixture *f = *state;
    char path[512], why[256];
    struct stat sb;
    struct las_sim_cpu again;
    struct las_sim_open_result res;
    test_path(path, sizeof path, f->dir, LAS_SIM_STATE_FILE);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, LAS_SIM_STATE_SIZE);
    assert_int_equal(las_sim_cpu_open(test_dir(f->dir), NULL, &again, &res, why, sizeof why),
                     LAS_OK);
    assert_false(res.created);
    assert_memory_equal(&again, &f->cpu, sizeof again);
    assert_memory_equal(again.cpusvn, las_sim_default_cpusvn, 16);
}

/* A client's open never creates a CPU, not even the directory or the lock file. */
static void test_open_existing_creates_nothing(void **state)
{
    struct fixture *f = *state;
    char missing[512], empty[512], lock[600], why[256];
    struct las_sim_cpu cpu;
    struct las_sim_identity id = {.isvsvn = 1};
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r;
    static const uint8_t rd[64];
    memset(&ti, 0, sizeof ti);
    test_path(missing, sizeof missing, f->dir, "typo");
    assert_int_equal(las_sim_enclave_report(missing, &id, &ti, rd, &r, why, sizeof why),
                     LAS_ERR_IO);
    assert_non_null(strstr(why, "no simulated CPU in"));
    assert_int_equal(access(missing, F_OK), -1);
    test_path(empty, sizeof empty, f->dir, "empty");
    assert_int_equal(mkdir(empty, 0700), 0);
    assert_int_equal(las_sim_cpu_open_existing(test_dir(empty), &cpu, why, sizeof why), LAS_ERR_IO);
    assert_non_null(strstr(why, "no simulated CPU in"));
    test_path(lock, sizeof lock, empty, LAS_SIM_LOCK_FILE);
    assert_int_equal(access(lock, F_OK), -1);
    /* The CPU that exists opens as with las_sim_cpu_open. */
    assert_int_equal(las_sim_cpu_open_existing(test_dir(f->dir), &cpu, why, sizeof why), LAS_OK);
    assert_memory_equal(&cpu, &f->cpu, sizeof cpu);
}

static void expect_refused_unchanged(const char *dir, const char *path, las_status want,
                                     const char *needle)
{
    char why[512];
    uint8_t *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0;
    struct las_sim_cpu cpu;
    assert_int_equal(las_file_read(path, 4096, &before, &blen), LAS_OK);
    assert_int_equal(las_sim_cpu_open(test_dir(dir), NULL, &cpu, NULL, why, sizeof why), want);
    assert_non_null(strstr(why, needle));
    assert_int_equal(las_file_read(path, 4096, &after, &alen), LAS_OK);
    assert_int_equal(alen, blen);
    assert_memory_equal(before, after, blen); /* nothing overwritten */
    uint8_t zero[sizeof cpu] = {0};
    assert_memory_equal(&cpu, zero, sizeof cpu);
    free(before);
    free(after);
}

static void test_corrupt_truncated_and_open_state_refused(void **state)
{
    struct fixture *f = *state;
    char path[512];
    uint8_t *img = NULL;
    size_t len = 0;
    test_path(path, sizeof path, f->dir, LAS_SIM_STATE_FILE);
    assert_int_equal(las_file_read(path, 4096, &img, &len), LAS_OK);

    img[20] ^= 1; /* a fuse bit: the checksum no longer matches */
    assert_int_equal(test_write_file(path, img, len, 0600), 0);
    expect_refused_unchanged(f->dir, path, LAS_ERR_STATE, "corrupt");

    img[20] ^= 1;
    assert_int_equal(test_write_file(path, img, len - 1, 0600), 0);
    expect_refused_unchanged(f->dir, path, LAS_ERR_STATE, "wrong size");

    assert_int_equal(test_write_file(path, img, len, 0644), 0);
    expect_refused_unchanged(f->dir, path, LAS_ERR_STATE_UNSAFE, "chmod 600");

    /* A symbolic link at the state file's path is not followed: the target stays as it is. */
    char target[600];
    test_path(target, sizeof target, f->dir, "elsewhere.state");
    assert_int_equal(test_write_file(target, img, len, 0600), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink(target, path), 0);
    expect_refused_unchanged(f->dir, target, LAS_ERR_STATE_UNSAFE, "is a symbolic link");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rename(target, path), 0);

    /* Restored: accepted again, same CPU. */
    struct las_sim_cpu cpu;
    char why[256];
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(las_sim_cpu_open(test_dir(f->dir), NULL, &cpu, NULL, why, sizeof why), LAS_OK);
    assert_memory_equal(cpu.seal_fuses, f->cpu.seal_fuses, 16);
    free(img);
}

static void test_cpusvn_override_persists(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char why[256];
    uint8_t svn[16] = {9, 9, 9};
    struct las_sim_cpu a, b;
    struct las_sim_open_result res;
    assert_int_equal(las_sim_cpu_open(test_dir(dir), NULL, &a, &res, why, sizeof why), LAS_OK);
    assert_true(res.created);
    assert_int_equal(las_sim_cpu_open(test_dir(dir), svn, &b, &res, why, sizeof why), LAS_OK);
    assert_true(res.cpusvn_changed);
    assert_memory_equal(b.cpusvn, svn, 16);
    assert_memory_equal(b.seal_fuses, a.seal_fuses, 16); /* same CPU, new microcode */
    assert_int_equal(las_sim_cpu_open(test_dir(dir), NULL, &b, &res, why, sizeof why), LAS_OK);
    assert_false(res.cpusvn_changed);
    assert_memory_equal(b.cpusvn, svn, 16);
    test_tmpdir_free(dir);
}

static void test_state_parse_rejects_bad_images(void **state)
{
    struct fixture *f = *state;
    uint8_t img[LAS_SIM_STATE_SIZE];
    struct las_sim_cpu cpu;
    las_sim_cpu_serialize(&f->cpu, img);
    assert_int_equal(las_sim_cpu_parse(img, sizeof img, &cpu), LAS_OK);
    for (size_t i = 0; i < sizeof img; i++) {
        img[i] ^= 0x01;
        assert_int_not_equal(las_sim_cpu_parse(img, sizeof img, &cpu), LAS_OK);
        img[i] ^= 0x01;
    }
    assert_int_equal(las_sim_cpu_parse(img, sizeof img - 1, &cpu), LAS_ERR_BAD_SIZE);
}

/* ---- EREPORT / EGETKEY ---- */

static void test_report_mac_verifies_only_for_target(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r;
    struct las_sgx_keyrequest req;
    uint8_t rd[64] = {1, 2, 3}, key[16], mac[16], body[LAS_SGX_REPORT_BODY_SIZE];

    las_sim_enclave_targetinfo(&f->las, &ti);
    assert_int_equal(las_sim_ereport(&f->cpu, &f->app, &ti, rd, &r), LAS_OK);
    assert_memory_equal(r.body.mrenclave, f->app.mrenclave, 32);
    assert_memory_equal(r.body.report_data, rd, 64);
    assert_memory_equal(r.body.cpusvn, f->cpu.cpusvn, 16);
    assert_memory_equal(r.keyid, f->cpu.report_keyid, 32);

    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_REPORT;
    memcpy(req.keyid, r.keyid, 32);
    las_sgx_report_body_serialize(&r.body, body);

    /* The target derives the REPORT key and the MAC matches. */
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, key), LAS_SGX_SUCCESS);
    assert_int_equal(las_aes_cmac(key, body, sizeof body, mac), LAS_OK);
    assert_memory_equal(mac, r.mac, 16);

    /* Any other enclave gets another REPORT key. */
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->app, &req, key), LAS_SGX_SUCCESS);
    assert_int_equal(las_aes_cmac(key, body, sizeof body, mac), LAS_OK);
    assert_memory_not_equal(mac, r.mac, 16);

    /* Another KEYID (e.g. from another boot) gives another key too. */
    req.keyid[0] ^= 1;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, key), LAS_SGX_SUCCESS);
    assert_int_equal(las_aes_cmac(key, body, sizeof body, mac), LAS_OK);
    assert_memory_not_equal(mac, r.mac, 16);
}

static void test_report_key_depends_on_target_attributes(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r1, r2;
    uint8_t rd[64] = {0};
    las_sim_enclave_targetinfo(&f->las, &ti);
    assert_int_equal(las_sim_ereport(&f->cpu, &f->app, &ti, rd, &r1), LAS_OK);
    ti.attributes.flags |= LAS_SGX_FLAGS_DEBUG;
    assert_int_equal(las_sim_ereport(&f->cpu, &f->app, &ti, rd, &r2), LAS_OK);
    assert_memory_not_equal(r1.mac, r2.mac, 16);
}

static void test_seal_key_svn_checks(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_keyrequest req;
    uint8_t k_now[16], k_old[16], k[16];

    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, f->las.isvsvn);
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k_now), LAS_SGX_SUCCESS);

    /* An older ISVSVN is allowed and gives another key; a newer one is refused. */
    req.isvsvn = f->las.isvsvn - 1;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k_old), LAS_SGX_SUCCESS);
    assert_memory_not_equal(k_now, k_old, 16);
    req.isvsvn = f->las.isvsvn + 1;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), LAS_SGX_INVALID_ISVSVN);

    /* CPUSVN: older (every component <=) allowed, any component beyond refused. */
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, f->las.isvsvn);
    req.cpusvn[0]--;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), LAS_SGX_SUCCESS);
    assert_memory_not_equal(k, k_now, 16);
    req.cpusvn[15] = 1; /* component 15 is 0 on this CPU */
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), LAS_SGX_INVALID_CPUSVN);
    assert_int_equal(las_sgx_error_status(LAS_SGX_INVALID_CPUSVN), LAS_ERR_SGX_INVALID_CPUSVN);
}

static void test_key_names_and_reserved_bits(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_keyrequest req;
    uint8_t k[16];

    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, 0);
    req.keyname = 5;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), LAS_SGX_INVALID_KEYNAME);
    req.keyname = LAS_SGX_KEYNAME_PROVISION;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), LAS_SGX_INVALID_ATTRIBUTE);
    req.keyname = LAS_SGX_KEYNAME_PROVISION_SEAL;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), LAS_SGX_INVALID_ATTRIBUTE);
    req.keyname = LAS_SGX_KEYNAME_EINITTOKEN;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), LAS_SGX_INVALID_ATTRIBUTE);
    assert_int_equal(las_sgx_error_status(LAS_SGX_INVALID_KEYNAME), LAS_ERR_SGX_INVALID_KEYNAME);

    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER | 0x0100, 0);
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), -1); /* #GP */
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_CONFIGID, 0);
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), -1); /* needs KSS */
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, 0);
    req.reserved2[100] = 1;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, k), -1);
    assert_int_equal(las_sgx_error_status(-1), LAS_ERR_SGX_GP_FAULT);
}

static void test_seal_key_policies(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_keyrequest req;
    struct las_sim_enclave other = f->las;
    uint8_t a[16], b[16];

    /* MRSIGNER policy: another MRENCLAVE of the same signer gets the same key. */
    memset(other.mrenclave, 0x33, 32);
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, 1);
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    assert_int_equal(las_sim_egetkey(&f->cpu, &other, &req, b), LAS_SGX_SUCCESS);
    assert_memory_equal(a, b, 16);
    /* MRENCLAVE policy: it does not. */
    req.keypolicy = LAS_SGX_KEYPOLICY_MRENCLAVE;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    assert_int_equal(las_sim_egetkey(&f->cpu, &other, &req, b), LAS_SGX_SUCCESS);
    assert_memory_not_equal(a, b, 16);

    /* ISVPRODID enters the key unless NOISVPRODID. */
    other = f->las;
    other.isvprodid++;
    req.keypolicy = LAS_SGX_KEYPOLICY_MRSIGNER;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    assert_int_equal(las_sim_egetkey(&f->cpu, &other, &req, b), LAS_SGX_SUCCESS);
    assert_memory_not_equal(a, b, 16);
    req.keypolicy |= LAS_SGX_KEYPOLICY_NOISVPRODID;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    assert_int_equal(las_sim_egetkey(&f->cpu, &other, &req, b), LAS_SGX_SUCCESS);
    assert_memory_equal(a, b, 16);

    /* DEBUG always enters a SEAL key, even with an empty attribute mask. */
    other = f->las;
    other.attributes.flags |= LAS_SGX_FLAGS_DEBUG;
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, 1);
    req.attribute_mask.flags = 0;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    assert_int_equal(las_sim_egetkey(&f->cpu, &other, &req, b), LAS_SGX_SUCCESS);
    assert_memory_not_equal(a, b, 16);
    /* An attribute outside the mask does not enter it. */
    other = f->las;
    other.attributes.xfrm = 0x7;
    assert_int_equal(las_sim_egetkey(&f->cpu, &other, &req, b), LAS_SGX_SUCCESS);
    assert_memory_equal(a, b, 16);
    req.attribute_mask.xfrm = 0x4;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    assert_int_equal(las_sim_egetkey(&f->cpu, &other, &req, b), LAS_SGX_SUCCESS);
    assert_memory_not_equal(a, b, 16);

    /* The mask enters the key as requested (SDM: KEYREQUEST.ATTRIBUTEMASK):
     * an empty mask selects the same attributes as INIT|DEBUG, yet the keys differ. */
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, 1);
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    req.attribute_mask.flags = 0;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, b), LAS_SGX_SUCCESS);
    assert_memory_not_equal(a, b, 16);

    /* KEYID separates purposes. */
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, 1);
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    req.keyid[31] = 1;
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, b), LAS_SGX_SUCCESS);
    assert_memory_not_equal(a, b, 16);
}

static void test_other_cpu_other_keys(void **state)
{
    struct fixture *f = *state;
    char *dir = test_tmpdir();
    char why[256];
    struct las_sim_cpu cpu2;
    struct las_sgx_keyrequest req;
    uint8_t a[16], b[16];
    assert_int_equal(las_sim_cpu_open(test_dir(dir), NULL, &cpu2, NULL, why, sizeof why), LAS_OK);
    seal_request(&req, &f->cpu, LAS_SGX_KEYPOLICY_MRSIGNER, 1);
    assert_int_equal(las_sim_egetkey(&f->cpu, &f->las, &req, a), LAS_SGX_SUCCESS);
    assert_int_equal(las_sim_egetkey(&cpu2, &f->las, &req, b), LAS_SGX_SUCCESS);
    assert_memory_not_equal(a, b, 16);
    test_tmpdir_free(dir);
}

static int group_setup(void **state)
{
    (void)state;
    return las_crypto_init() == LAS_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_state_created_0600_and_reloaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_existing_creates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_truncated_and_open_state_refused, setup,
                                        teardown),
        cmocka_unit_test(test_cpusvn_override_persists),
        cmocka_unit_test_setup_teardown(test_state_parse_rejects_bad_images, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_mac_verifies_only_for_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_key_depends_on_target_attributes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_seal_key_svn_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_names_and_reserved_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_key_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_cpu_other_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
