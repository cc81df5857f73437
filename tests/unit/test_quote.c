/* SPDX-License-Identifier: Apache-2.0 */
/* LAS quote v1: signing, parsing, and verification in both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "identity/platform_key.h"
#include "identity/quote_sign.h"
#include "las/client.h"
#include "las/verifier.h"
#include "sim/sim_cpu.h"
#include "backend/app_enclave.h"
#include "test_helpers.h"

struct fixture {
    char *dir;
    struct las_backend *backend;
    struct las_platform_key key;
    struct las_sgx_report report; /* a simulated app's REPORT for LAS */
    uint8_t quote[LAS_QUOTE_SIZE];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char why[256];
    struct las_sgx_targetinfo ti;
    struct las_sim_identity id = {.isvprodid = 3, .isvsvn = 9};
    uint8_t rd[64] = {0xde, 0xad};
    if (f == NULL || (f->dir = test_tmpdir()) == NULL)
        return -1;
    struct las_backend_sim_config cfg = {test_dir(f->dir), NULL, -1};
    if (las_backend_sim_open(&cfg, &f->backend, why, sizeof why) != LAS_OK ||
        las_platform_key_derive(f->backend, f->backend->identity.cpusvn,
                                f->backend->identity.isvsvn, &f->key) != LAS_OK)
        return -1;
    memset(id.mrenclave, 0x5a, 32);
    las_sim_default_mrsigner(id.mrsigner);
    if (f->backend->ops->target_info(f->backend, &ti) != LAS_OK ||
        las_sim_enclave_report(f->dir, &id, &ti, rd, &f->report, why, sizeof why) != LAS_OK ||
        las_quote_sign(&f->key, LAS_QUOTE_FLAG_SIMULATED, 1700000000, &f->report.body, f->quote) !=
            LAS_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    las_backend_close(f->backend);
    test_tmpdir_free(f->dir);
    free(f);
    return 0;
}

static void test_layout_and_round_trip(void **state)
{
    struct fixture *f = *state;
    struct las_quote q;
    uint8_t again[LAS_QUOTE_SIZE];
    assert_memory_equal(f->quote, "LASQ", 4);
    assert_int_equal(f->quote[4], 1); /* version */
    assert_int_equal(f->quote[6], LAS_QUOTE_FLAG_SIMULATED);
    assert_memory_equal(f->quote + 16, f->key.public_key, 32);
    assert_memory_equal(f->quote + 48, f->key.cpusvn, 16);
    assert_int_equal(f->quote[64] | f->quote[65] << 8, f->key.isvsvn);
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE];
    las_sgx_report_body_serialize(&f->report.body, body);
    assert_memory_equal(f->quote + 72, body, sizeof body);

    assert_int_equal(las_quote_check_signature(f->quote, sizeof f->quote, &q), LAS_OK);
    assert_true(q.issued_at == 1700000000);
    assert_int_equal(q.body.isvsvn, 9);
    las_quote_serialize(&q, again);
    assert_memory_equal(again, f->quote, sizeof again);
}

/* The policy the tests start from: this platform pinned, simulation tolerated. */
static void pinned_policy(const struct fixture *f, struct las_policy *pol)
{
    las_policy_init(pol);
    memcpy(pol->platforms[0], f->key.public_key, 32);
    pol->n_platforms = 1;
    pol->tolerate = LAS_TOLERATE_SIMULATION;
    pol->has_max_age = true;
    pol->max_age = LAS_POLICY_MAX_AGE_LIMIT; /* the fixture's quote is from 2023 */
}

static las_status verify(const struct las_policy *pol, const uint8_t *q, size_t len,
                         struct las_verdict *v)
{
    struct las_verify_args args = {.now = 1700000000};
    return las_quote_verify(pol, q, len, &args, v);
}

static void test_every_flipped_quote_byte_refused(void **state)
{
    struct fixture *f = *state;
    static struct las_policy pol;
    static struct las_verdict v;
    pinned_policy(f, &pol);
    assert_int_equal(verify(&pol, f->quote, sizeof f->quote, &v), LAS_OK);
    for (size_t i = 0; i < LAS_QUOTE_SIZE; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            f->quote[i] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(verify(&pol, f->quote, sizeof f->quote, &v), LAS_OK);
            f->quote[i] ^= (uint8_t)(1u << bit);
        }
    }
    assert_int_equal(verify(&pol, f->quote, sizeof f->quote, &v), LAS_OK);
}

static void test_every_flipped_report_byte_refused(void **state)
{
    struct fixture *f = *state;
    uint8_t wire[LAS_SGX_REPORT_SIZE];
    struct las_sgx_report r;
    las_sgx_report_serialize(&f->report, wire);
    assert_int_equal(f->backend->ops->verify_report(f->backend, &f->report), LAS_OK);
    for (size_t i = 0; i < sizeof wire; i++) {
        wire[i] ^= 0x01;
        assert_int_equal(las_sgx_report_parse(wire, sizeof wire, &r), LAS_OK);
        assert_int_equal(f->backend->ops->verify_report(f->backend, &r), LAS_ERR_REPORT_MAC);
        wire[i] ^= 0x01;
    }
}

/*
 * A REPORT is good for one boot: one made under another KEYID (before the
 * simulated CPU's last boot) is refused even though its MAC is right for the
 * KEYID it carries; this boot's KEYID still verifies.
 */
static void test_report_with_other_keyid(void **state)
{
    struct fixture *f = *state;
    struct las_sim_cpu cpu;
    struct las_sim_enclave app;
    struct las_sgx_targetinfo ti;
    struct las_sgx_report r;
    char why[256];
    uint8_t rd[64] = {1};
    assert_int_equal(las_sim_cpu_open(test_dir(f->dir), NULL, &cpu, NULL, why, sizeof why), LAS_OK);
    assert_int_equal(f->backend->ops->target_info(f->backend, &ti), LAS_OK);
    memset(&app, 0, sizeof app);
    app.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    app.attributes.xfrm = 3;
    memset(app.mrenclave, 0x77, sizeof app.mrenclave);

    assert_int_equal(las_sim_ereport(&cpu, &app, &ti, rd, &r), LAS_OK);
    assert_int_equal(f->backend->ops->verify_report(f->backend, &r), LAS_OK);

    cpu.report_keyid[0] ^= 0xff; /* the same CPU, in its previous boot */
    assert_int_equal(las_sim_ereport(&cpu, &app, &ti, rd, &r), LAS_OK);
    assert_int_equal(f->backend->ops->verify_report(f->backend, &r), LAS_ERR_REPORT_MAC);
    assert_int_equal(f->backend->ops->verify_report(f->backend, &f->report), LAS_OK);
    las_wipe(&cpu, sizeof cpu);
}

static void test_wrong_sizes_and_versions(void **state)
{
    struct fixture *f = *state;
    static struct las_policy pol;
    static struct las_verdict v;
    struct las_quote q;
    uint8_t big[LAS_QUOTE_SIZE + 1];
    pinned_policy(f, &pol);
    memcpy(big, f->quote, LAS_QUOTE_SIZE);
    big[LAS_QUOTE_SIZE] = 0;
    assert_int_equal(verify(&pol, big, sizeof big, &v), LAS_ERR_BAD_SIZE);
    assert_string_equal(v.check, "signature");
    assert_int_equal(verify(&pol, big, LAS_QUOTE_SIZE - 1, &v), LAS_ERR_BAD_SIZE);
    assert_int_equal(las_quote_parse(NULL, 0, &q), LAS_ERR_BAD_SIZE);
    big[4] = 2; /* version 2 */
    assert_int_equal(las_quote_parse(big, LAS_QUOTE_SIZE, &q), LAS_ERR_UNSUPPORTED);
    big[4] = 1;
    big[6] = 0x80; /* unknown flag */
    assert_int_equal(las_quote_parse(big, LAS_QUOTE_SIZE, &q), LAS_ERR_UNSUPPORTED);
    big[6] = 1;
    big[70] = 1; /* reserved */
    assert_int_equal(las_quote_parse(big, LAS_QUOTE_SIZE, &q), LAS_ERR_MALFORMED);
}

static void test_constraints_both_directions(void **state)
{
    struct fixture *f = *state;
    static struct las_policy pol;
    static struct las_verdict v;
    uint8_t other[32], rd[64] = {0xde, 0xad};
    memset(other, 0x77, 32);
    pinned_policy(f, &pol);

    pol.tolerate = 0;
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_ERR_SIMULATED);
    assert_string_equal(v.check, "simulation");
    pol.tolerate = LAS_TOLERATE_SIMULATION;
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_OK);

    memcpy(pol.platforms[0], other, 32);
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "platform");
    assert_non_null(strstr(v.reason, "not among"));
    /* No platform pinned: refused too, naming the anchors to supply. */
    pol.n_platforms = 0;
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "platform");
    assert_non_null(strstr(v.reason, "--platform"));
    assert_non_null(strstr(v.reason, "--evidence"));
    memcpy(pol.platforms[0], f->key.public_key, 32);
    pol.n_platforms = 1;

    memcpy(pol.mrenclaves[0], other, 32);
    memset(pol.mrenclaves[1], 0x5a, 32);
    pol.n_mrenclaves = 1;
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "mrenclave");
    pol.n_mrenclaves = 2; /* any of */
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_OK);

    pol.has_mrsigner = true;
    las_sim_default_mrsigner(pol.mrsigner);
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_OK);
    memcpy(pol.mrsigner, other, 32);
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "mrsigner");
    pol.has_mrsigner = false;

    pol.has_report_data = true;
    memcpy(pol.report_data, rd, 64);
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_OK);
    pol.report_data[63] = 1;
    assert_int_equal(verify(&pol, f->quote, LAS_QUOTE_SIZE, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "report_data");
}

/* A quote signed by a freshly made key: only a pin of that very key accepts it. */
static void test_random_key_refused(void **state)
{
    struct fixture *f = *state;
    static struct las_policy pol;
    static struct las_verdict v;
    struct las_platform_key forger;
    uint8_t forged[LAS_QUOTE_SIZE];
    memset(&forger, 0, sizeof forger);
    crypto_sign_keypair(forger.public_key, forger.secret_key);
    assert_int_equal(las_quote_sign(&forger, 0, 1700000000, &f->report.body, forged), LAS_OK);
    pinned_policy(f, &pol);
    pol.tolerate = 0;
    assert_int_equal(verify(&pol, forged, sizeof forged, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "platform");
    /* With the victim's MRSIGNER and report data required, and nothing pinned. */
    pol.n_platforms = 0;
    pol.has_mrsigner = true;
    memcpy(pol.mrsigner, f->report.body.mrsigner, 32);
    pol.has_report_data = true;
    memcpy(pol.report_data, f->report.body.report_data, 64);
    assert_int_equal(verify(&pol, forged, sizeof forged, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "platform");
    assert_int_equal(v.checks[6].outcome, LAS_CHECK_PASS); /* mrsigner matched: not enough */
    memcpy(pol.platforms[0], forger.public_key, 32);
    pol.n_platforms = 1;
    assert_int_equal(verify(&pol, forged, sizeof forged, &v), LAS_OK);
    las_wipe(&forger, sizeof forger);
}

static void test_debug_enclave_needs_allow_debug(void **state)
{
    struct fixture *f = *state;
    static struct las_policy pol;
    static struct las_verdict v;
    struct las_sgx_report_body body = f->report.body;
    uint8_t quote[LAS_QUOTE_SIZE];
    body.attributes.flags |= LAS_SGX_FLAGS_DEBUG;
    assert_int_equal(las_quote_sign(&f->key, LAS_QUOTE_FLAG_SIMULATED, 1700000000, &body, quote),
                     LAS_OK);
    pinned_policy(f, &pol);
    assert_int_equal(verify(&pol, quote, sizeof quote, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "debug");
    pol.tolerate |= LAS_TOLERATE_DEBUG_MODE;
    assert_int_equal(verify(&pol, quote, sizeof quote, &v), LAS_OK);
}

static void test_platform_id_text(void **state)
{
    struct fixture *f = *state;
    char hex[LAS_PLATFORM_ID_HEX_SIZE];
    uint8_t back[32];
    las_platform_id_format(f->key.public_key, hex);
    assert_int_equal(strlen(hex), 64);
    for (int i = 0; i < 64; i++)
        assert_true((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'A' && hex[i] <= 'F'));
    assert_int_equal(las_platform_id_parse(hex, back), LAS_OK);
    assert_memory_equal(back, f->key.public_key, 32);
    assert_int_not_equal(las_platform_id_parse("ABC", back), LAS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_round_trip),
        cmocka_unit_test(test_every_flipped_quote_byte_refused),
        cmocka_unit_test(test_every_flipped_report_byte_refused),
        cmocka_unit_test(test_report_with_other_keyid),
        cmocka_unit_test(test_wrong_sizes_and_versions),
        cmocka_unit_test(test_constraints_both_directions),
        cmocka_unit_test(test_random_key_refused),
        cmocka_unit_test(test_debug_enclave_needs_allow_debug),
        cmocka_unit_test(test_platform_id_text),
    };
    if (las_crypto_init() != LAS_OK)
        return 1;
    return cmocka_run_group_tests(tests, setup, teardown);
}
