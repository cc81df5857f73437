/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sgx backend's code paths, run with the simulated CPU standing in for
 * ENCLU and an emulated Gramine /dev/attestation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/file.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "las/evidence.h"
#include <jansson.h>
#include "las/client.h"
#include "las/dcap.h"
#include "sim/backend_sim.h"
#include "sim/enclu_sim.h"
#include "backend/app_enclave.h"
#include "test_helpers.h"
#include "attestation_emu.h"

struct fixture {
    char *state;  /* simulated CPU */
    char *attest; /* emulated /dev/attestation */
    struct las_sim_cpu cpu;
    struct las_sim_enclave las; /* LAS as the enclave Gramine runs */
    struct las_enclu_sim enclu;
    struct attestation_emu emu;
    struct las_backend *b;
    char aesm[600];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char why[256];
    if (f == NULL || (f->state = test_tmpdir()) == NULL || (f->attest = test_tmpdir()) == NULL)
        return -1;
    if (las_sim_cpu_open(test_dir(f->state), NULL, &f->cpu, NULL, why, sizeof why) != LAS_OK)
        return -1;
    /* The same identity the sim backend gives LAS, so the two can be compared. */
    f->las.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    f->las.attributes.xfrm = 0x3;
    f->las.isvprodid = LAS_ISVPRODID;
    las_backend_sim_las_identity(-1, f->las.mrenclave, f->las.mrsigner, &f->las.isvsvn);
    las_enclu_sim_init(&f->enclu, &f->cpu, &f->las);
    if (emu_prepare(&f->emu, f->attest, &f->cpu, &f->las) != 0)
        return -1;
    snprintf(f->aesm, sizeof f->aesm, "%s/aesm.socket", f->attest);
    struct las_backend_sgx_config cfg = {f->attest, f->aesm, &f->enclu.ops};
    if (las_backend_sgx_open(&cfg, &f->b, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "sgx open: %s\n", why);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    las_backend_close(f->b);
    test_tmpdir_free(f->state);
    test_tmpdir_free(f->attest);
    free(f);
    return 0;
}

static void test_identity_and_target_info(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_targetinfo ti, expect;
    assert_string_equal(f->b->name, "sgx");
    assert_false(f->b->simulated);
    assert_memory_equal(f->b->identity.mrenclave, f->las.mrenclave, 32);
    assert_memory_equal(f->b->identity.mrsigner, f->las.mrsigner, 32);
    assert_int_equal(f->b->identity.isvprodid, LAS_ISVPRODID);
    assert_memory_equal(f->b->identity.cpusvn, f->cpu.cpusvn, 16);
    assert_int_equal(f->b->ops->target_info(f->b, &ti), LAS_OK);
    las_sim_enclave_targetinfo(&f->las, &expect);
    assert_memory_equal(&ti, &expect, sizeof ti);
    assert_true(f->enclu.calls >= 2); /* EREPORT + EGETKEY self-check at open */
}

static void test_same_platform_key_as_sim_backend(void **state)
{
    struct fixture *f = *state;
    struct las_backend *sim = NULL;
    struct las_backend_sim_config cfg = {test_dir(f->state), NULL, -1};
    struct las_platform_key k_sgx, k_sim;
    char why[256];
    assert_int_equal(las_backend_sim_open(&cfg, &sim, why, sizeof why), LAS_OK);
    assert_int_equal(
        las_platform_key_derive(f->b, f->b->identity.cpusvn, f->b->identity.isvsvn, &k_sgx),
        LAS_OK);
    assert_int_equal(
        las_platform_key_derive(sim, sim->identity.cpusvn, sim->identity.isvsvn, &k_sim), LAS_OK);
    /* Same CPU, same enclave identity: the request construction is identical. */
    assert_memory_equal(k_sgx.public_key, k_sim.public_key, 32);
    las_backend_close(sim);
}

static void test_verify_report_and_error_mapping(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r;
    struct las_sim_identity app = {.isvsvn = 1};
    struct las_platform_key key;
    uint8_t rd[64] = {7}, svn[16];
    char why[256];
    memset(app.mrenclave, 0x44, 32);
    assert_int_equal(f->b->ops->target_info(f->b, &ti), LAS_OK);
    assert_int_equal(las_sim_enclave_report(f->state, &app, &ti, rd, &r, why, sizeof why), LAS_OK);
    assert_int_equal(f->b->ops->verify_report(f->b, &r), LAS_OK);
    r.body.isvsvn ^= 1;
    assert_int_equal(f->b->ops->verify_report(f->b, &r), LAS_ERR_REPORT_MAC);

    assert_int_equal(
        las_platform_key_derive(f->b, f->b->identity.cpusvn, f->b->identity.isvsvn + 1, &key),
        LAS_ERR_SGX_INVALID_ISVSVN);
    memcpy(svn, f->b->identity.cpusvn, 16);
    svn[3]++;
    assert_int_equal(las_platform_key_derive(f->b, svn, f->b->identity.isvsvn, &key),
                     LAS_ERR_SGX_INVALID_CPUSVN);
}

/*
 * A REPORT is good for one boot: one MAC'd under the KEYID of an earlier
 * boot of the same CPU is refused, although EGETKEY would derive its key.
 */
static void test_report_from_earlier_boot_refused(void **state)
{
    struct fixture *f = *state;
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r;
    struct las_sim_cpu earlier = f->cpu;
    struct las_sim_enclave app;
    uint8_t rd[64] = {9};
    memset(&app, 0, sizeof app);
    app.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    memset(app.mrenclave, 0x55, 32);
    assert_int_equal(f->b->ops->target_info(f->b, &ti), LAS_OK);
    assert_int_equal(las_sim_ereport(&f->cpu, &app, &ti, rd, &r), LAS_OK);
    assert_int_equal(f->b->ops->verify_report(f->b, &r), LAS_OK);

    earlier.report_keyid[31] ^= 0x01;
    assert_int_equal(las_sim_ereport(&earlier, &app, &ti, rd, &r), LAS_OK);
    assert_int_equal(f->b->ops->verify_report(f->b, &r), LAS_ERR_REPORT_MAC);
    las_wipe(&earlier, sizeof earlier);
}

static void test_misaligned_operands_fault(void **state)
{
    struct fixture *f = *state;
    _Alignas(512) uint8_t buf[1024 + 16];
    uint8_t key[32];
    struct las_sgx_keyrequest req;
    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_REPORT;
    las_sgx_keyrequest_serialize(&req, buf + 16);
    /* The wrappers align; a raw leaf on a misaligned KEYREQUEST raises #GP. */
    assert_int_equal(f->enclu.ops.egetkey(f->enclu.ops.ctx, buf + 16, key), -1);
    las_sgx_keyrequest_serialize(&req, buf);
    assert_int_equal(f->enclu.ops.egetkey(f->enclu.ops.ctx, buf, key + 1), -1);
    assert_int_equal(las_sgx_error_status(-1), LAS_ERR_SGX_GP_FAULT);
}

static void test_hardware_quote_through_attestation_files(void **state)
{
    struct fixture *f = *state;
    uint8_t rd[64], quote[LAS_DCAP_QUOTE_MAX], body[LAS_SGX_REPORT_BODY_SIZE];
    struct las_sgx_report_body las_body;
    size_t len = 0;
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(i * 3);
    assert_int_equal(emu_start(&f->emu, EMU_QUOTE, 1), 0);
    assert_int_equal(f->b->ops->hardware_quote(f->b, rd, &las_body, quote, sizeof quote, &len),
                     LAS_OK);
    emu_join(&f->emu);
    assert_int_equal(f->emu.served, 1);
    assert_memory_equal(f->emu.last_report_data, rd, 64);
    assert_int_equal(len, sizeof EMU_QUOTE_MAGIC - 1 + LAS_SGX_REPORT_BODY_SIZE);
    assert_memory_equal(las_body.report_data, rd, 64);
    /* The body we report is the one the quote covers. */
    las_sgx_report_body_serialize(&las_body, body);
    assert_memory_equal(quote + sizeof EMU_QUOTE_MAGIC - 1, body, sizeof body);

    /* A buffer too small for the quote is refused. */
    assert_int_equal(emu_start(&f->emu, EMU_QUOTE, 1), 0);
    assert_int_equal(f->b->ops->hardware_quote(f->b, rd, &las_body, quote, 10, &len),
                     LAS_ERR_BAD_SIZE);
    emu_join(&f->emu);
    assert_int_equal(len, 0);
}

static void test_evidence_through_the_sgx_backend(void **state)
{
    struct fixture *f = *state;
    struct las_platform_key key;
    struct las_platform_state ps;
    static struct las_evidence_result res;
    char *doc = NULL, why[256];
    size_t len = 0;
    memset(&ps, 0, sizeof ps);
    assert_int_equal(las_sim_qe_open(test_dir(f->state), &f->emu.qe, why, sizeof why), LAS_OK);
    assert_int_equal(
        las_platform_key_derive(f->b, f->b->identity.cpusvn, f->b->identity.isvsvn, &key), LAS_OK);
    assert_int_equal(emu_start(&f->emu, EMU_QUOTE, 1), 0);
    assert_int_equal(las_evidence_build(f->b, &key, &ps, "test", &doc, &len), LAS_OK);
    emu_join(&f->emu);

    /* The document says "sgx, not simulated"; its quote chains to the simulated
     * root here, and the verifier notices the contradiction. */
    char root_path[1024];
    uint8_t *pem = NULL, pin[1][LAS_DCAP_ROOT_PIN_SIZE];
    size_t pem_len = 0, n_pins = 0;
    test_path(root_path, sizeof root_path, f->state, "sim-qe-root-ca.pem");
    assert_int_equal(las_file_read(root_path, 8192, &pem, &pem_len), LAS_OK);
    assert_int_equal(las_dcap_root_pins_from_pem(pem, pem_len, pin, 1, &n_pins), LAS_OK);
    free(pem);
    struct las_evidence_options opt = {
        .allow_simulation = true,
        .sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])pin,
        .n_sim_roots = 1,
    };
    assert_int_equal(las_evidence_verify((uint8_t *)doc, len, &opt, &res), LAS_ERR_REFUSED);
    assert_non_null(strstr(res.reason, "contradicts"));
    /* Everything else about the assembly is right: binding, body, identity. */
    json_t *j = json_loads(doc, 0, NULL);
    json_object_set_new(j, "simulated", json_true());
    char *fixed = json_dumps(j, 0);
    assert_int_equal(las_evidence_verify((uint8_t *)fixed, strlen(fixed), &opt, &res), LAS_OK);
    assert_memory_equal(res.platform_id, key.public_key, 32);
    assert_string_equal(json_string_value(json_object_get(j, "mode")), "sgx");
    free(fixed);
    json_decref(j);
    free(doc);
    las_sim_qe_close(f->emu.qe);
    f->emu.qe = NULL;
}

static void test_quote_ready_follows_aesm_socket(void **state)
{
    struct fixture *f = *state;
    char why[256];
    assert_false(f->b->ops->quote_ready(f->b, why, sizeof why));
    assert_non_null(strstr(why, "AESM"));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(f->aesm) < sizeof sa.sun_path);
    memcpy(sa.sun_path, f->aesm, strlen(f->aesm) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_true(f->b->ops->quote_ready(f->b, why, sizeof why));
    close(fd);
}

static void test_gramine_client_report(void **state)
{
    struct fixture *f = *state;
    struct las_backend *las = NULL;
    struct las_backend_sim_config cfg = {test_dir(f->state), NULL, -1};
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r;
    uint8_t rd[64] = {1, 2, 3};
    char why[256];
    /* Here the emulated Gramine runs the *application*; LAS is the sim backend. */
    assert_int_equal(las_backend_sim_open(&cfg, &las, why, sizeof why), LAS_OK);
    assert_int_equal(las->ops->target_info(las, &ti), LAS_OK);
    assert_int_equal(emu_start(&f->emu, EMU_REPORT, 1), 0);
    assert_int_equal(las_gramine_report(f->attest, &ti, rd, &r, why, sizeof why), LAS_OK);
    emu_join(&f->emu);
    assert_memory_equal(r.body.report_data, rd, 64);
    assert_int_equal(las->ops->verify_report(las, &r), LAS_OK);
    las_backend_close(las);
}

static void test_not_in_enclave(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    struct las_backend *b = (struct las_backend *)1;
    struct las_backend_sgx_config cfg = {dir, "/nonexistent", &las_enclu_hardware};
    char why[512];
    assert_false(las_backend_sgx_available(dir));
    /* Refused before any ENCLU runs: this test would die of SIGILL otherwise. */
    assert_int_equal(las_backend_sgx_open(&cfg, &b, why, sizeof why), LAS_ERR_UNAVAILABLE);
    assert_null(b);
    assert_non_null(strstr(why, "not running inside an SGX enclave"));
    test_tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identity_and_target_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_platform_key_as_sim_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_report_and_error_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_from_earlier_boot_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misaligned_operands_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hardware_quote_through_attestation_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_evidence_through_the_sgx_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quote_ready_follows_aesm_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gramine_client_report, setup, teardown),
        cmocka_unit_test(test_not_in_enclave),
    };
    if (las_crypto_init() != LAS_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
