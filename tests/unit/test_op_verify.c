/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How the operator decides that a node's ID is verified: real evidence of
 * simulated platforms, through the project's verifier, under the trust
 * settings a spec can give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "format/las_enclave.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "operator/status.h"
#include "operator/verify.h"
#include "test_helpers.h"

struct platform {
    char *dir;
    char id[65];
    char *doc;
    size_t len;
};

/* Starts a simulated LAS on dir (ISVSVN isvsvn, -1: built-in) and takes its evidence. */
static int evidence(struct platform *p, int isvsvn)
{
    char why[256];
    struct las_backend *b = NULL;
    struct las_platform_key key;
    static struct las_platform_state st;
    struct las_backend_sim_config cfg = {test_dir(p->dir), NULL, isvsvn};
    free(p->doc);
    p->doc = NULL;
    int rc = -1;
    if (las_backend_sim_open(&cfg, &b, why, sizeof why) == LAS_OK &&
        las_platform_key_derive(b, b->identity.cpusvn, b->identity.isvsvn, &key) == LAS_OK &&
        las_platform_identity_update(b, &key, test_dir(p->dir), &st, why, sizeof why) == LAS_OK &&
        las_evidence_build(b, &key, &st, "test", &p->doc, &p->len) == LAS_OK) {
        las_hex_encode(key.public_key, 32, p->id, 1);
        rc = 0;
    }
    las_backend_close(b);
    return rc;
}

static int setup(void **state)
{
    static struct platform p;
    if (las_crypto_init() != LAS_OK)
        return -1;
    p.dir = test_tmpdir();
    if (p.dir == NULL || evidence(&p, -1) != 0)
        return -1;
    *state = &p;
    return 0;
}

static int teardown(void **state)
{
    struct platform *p = *state;
    free(p->doc);
    test_tmpdir_free(p->dir);
    return 0;
}

static void test_simulation_allowed_verifies(void **state)
{
    struct platform *p = *state;
    struct las_op_trust t = {.allow_simulation = true};
    struct las_op_verdict v;
    las_op_verify_evidence((uint8_t *)p->doc, p->len, &t, NULL, 0, &v);
    assert_true(v.verified);
    assert_true(v.simulated);
    assert_string_equal(v.platform_id, p->id);
    assert_string_equal(v.claimed_id, p->id);
    assert_string_equal(v.tcb_status, "NotEvaluated");
    assert_string_equal(v.reason, "");
    assert_int_equal(v.n_successions, 0);
}

/* The default trust (allowSimulation false): simulated evidence is refused, its ID not given. */
static void test_fails_closed(void **state)
{
    struct platform *p = *state;
    struct las_op_trust t = {0};
    struct las_op_verdict v;
    las_op_verify_evidence((uint8_t *)p->doc, p->len, &t, NULL, 0, &v);
    assert_false(v.verified);
    assert_string_equal(v.platform_id, "");
    assert_string_equal(v.claimed_id, p->id); /* shown as claimed, never listed */
    assert_true(v.simulated);                 /* the document's own claim */
    assert_non_null(strstr(v.reason, "hardware_quote"));
}

static void test_other_signer_pinned(void **state)
{
    struct platform *p = *state;
    struct las_op_trust t = {.allow_simulation = true, .have_mrsigner = true};
    memset(t.mrsigner, 0x42, 32);
    struct las_op_verdict v;
    las_op_verify_evidence((uint8_t *)p->doc, p->len, &t, NULL, 0, &v);
    assert_false(v.verified);
    assert_non_null(strstr(v.reason, "las_identity"));
    assert_non_null(strstr(v.reason, "MRSIGNER"));
    /* An MRENCLAVE pin that does not match either. */
    struct las_op_trust e = {.allow_simulation = true, .have_mrenclave = true};
    las_op_verify_evidence((uint8_t *)p->doc, p->len, &e, NULL, 0, &v);
    assert_false(v.verified);
    assert_non_null(strstr(v.reason, "MRENCLAVE"));
}

static void test_tampered_and_garbage(void **state)
{
    struct platform *p = *state;
    struct las_op_trust t = {.allow_simulation = true};
    struct las_op_verdict v;
    /* The document claims another platform ID than its hardware quote binds. */
    json_t *doc = json_loads(p->doc, 0, NULL);
    json_object_set_new(doc, "platform_id",
                        json_string("00000000000000000000000000000000000000000000000000000000000"
                                    "00001"));
    char *text = json_dumps(doc, 0);
    las_op_verify_evidence((uint8_t *)text, strlen(text), &t, NULL, 0, &v);
    assert_false(v.verified);
    assert_non_null(strstr(v.reason, "binding"));
    free(text);
    json_decref(doc);
    las_op_verify_evidence((const uint8_t *)"not json", 8, &t, NULL, 0, &v);
    assert_false(v.verified);
    assert_string_equal(v.claimed_id, "");
    assert_non_null(strstr(v.reason, "format"));
    /* Collateral that is not collateral: refused, not ignored. */
    las_op_verify_evidence((uint8_t *)p->doc, p->len, &t, (const uint8_t *)"{}", 2, &v);
    assert_false(v.verified);
}

/* A LAS update changes the ID; its evidence carries a verified succession from the old one. */
static void test_succession_links_ids(void **state)
{
    struct platform *p = *state;
    struct las_op_trust t = {.allow_simulation = true};
    struct las_op_verdict before, after;
    las_op_verify_evidence((uint8_t *)p->doc, p->len, &t, NULL, 0, &before);
    assert_true(before.verified);
    char old_id[65];
    strcpy(old_id, p->id);
    assert_int_equal(evidence(p, LAS_ISVSVN + 1), 0);
    assert_string_not_equal(p->id, old_id);
    las_op_verify_evidence((uint8_t *)p->doc, p->len, &t, NULL, 0, &after);
    assert_true(after.verified);
    assert_int_equal(after.n_successions, 1);
    assert_string_equal(after.successions[0].old_id, old_id);
    assert_string_equal(after.successions[0].new_id, p->id);
    assert_int_equal(after.successions[0].new_isvsvn, LAS_ISVSVN + 1);
    assert_true(las_op_verdict_succeeds(&after, old_id));
    assert_false(las_op_verdict_succeeds(&after, p->id));
    assert_false(las_op_verdict_succeeds(&before, old_id));

    /* Through the node table: one PlatformIDChanged Event that names the succession. */
    struct las_op_node n;
    struct las_op_event ev;
    memset(&n, 0, sizeof n);
    strcpy(n.name, "node-1");
    las_op_node_set_verdict(&n, &before, 1, &ev);
    assert_int_equal(ev.kind, LAS_OP_EVENT_NONE);
    las_op_node_set_verdict(&n, &after, 2, &ev);
    assert_int_equal(ev.kind, LAS_OP_EVENT_ID_CHANGED);
    assert_false(ev.warning);
    assert_non_null(strstr(ev.message, old_id));
    assert_non_null(strstr(ev.message, "a verified succession statement links"));
    /* The status shows it as the node's last succession. */
    struct las_op_status_input in = {.generation = 1, .nodes = &n, .n_nodes = 1, .now = 3};
    json_t *s = las_op_status_build(&in);
    json_t *ls = json_object_get(json_array_get(json_object_get(s, "nodes"), 0), "lastSuccession");
    assert_string_equal(json_string_value(json_object_get(ls, "from")), old_id);
    assert_string_equal(json_string_value(json_object_get(ls, "to")), p->id);
    assert_true(json_is_true(json_object_get(ls, "verified")));
    json_decref(s);
    /* Back to the original ISVSVN for the other tests (a downgrade: new chain, same old ID). */
    assert_int_equal(evidence(p, -1), 0);
    assert_string_equal(p->id, old_id);
}

/* ---- hardware evidence, around Intel's real quote (../shared/testdata) ---------------- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    static char buf[1 << 15];
    char *copy = NULL;
    if (f) {
        *len = fread(buf, 1, sizeof buf, f);
        copy = malloc(*len + 1);
        if (copy) {
            memcpy(copy, buf, *len);
            copy[*len] = '\0';
        }
        fclose(f);
    }
    return copy;
}

static json_t *base64_json(const uint8_t *p, size_t n)
{
    size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(size);
    assert_non_null(text);
    sodium_bin2base64(text, size, p, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(text);
    free(text);
    return j;
}

/*
 * Hardware evidence without collateral is refused, and the reason names the
 * spec fields that change that; allowUnknownTcb lets the hardware quote
 * through (to the binding check: no LAS ran where that quote was made), as
 * collateral does. The collateral's validity ended in 2025 and the
 * operator verifies at the current time: with it, the quote is refused by
 * a collateral check, which shows that the collateral was the one used.
 */
static void test_hardware_evidence_needs_collateral(void **state)
{
    (void)state;
    char path[4096];
    size_t qlen = 0, clen = 0;
    snprintf(path, sizeof path, "%s/../shared/testdata/dcap/phala_sgx_quote.bin",
             getenv("LAS_SOURCE_DIR"));
    uint8_t *quote = (uint8_t *)read_all(path, &qlen);
    snprintf(path, sizeof path, "%s/../shared/testdata/dcap/phala_sgx_quote_collateral.json",
             getenv("LAS_SOURCE_DIR"));
    char *col = read_all(path, &clen);
    assert_non_null(quote);
    assert_non_null(col);
    assert_true(qlen > 48 + 384);
    json_t *doc = json_pack("{s:i,s:s,s:{s:s,s:i},s:o,s:s,s:o}", "version", 1, "platform_id",
                            "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
                            "platform_key", "cpusvn", "00000000000000000000000000000000", "isvsvn",
                            0, "report_body", base64_json(quote + 48, 384), "quote_format", "dcap",
                            "hardware_quote", base64_json(quote, qlen));
    char *text = json_dumps(doc, 0);
    struct las_op_trust t = {.have_mrsigner = true};
    assert_int_equal(
        las_hex_decode("815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6",
                       t.mrsigner, 32),
        LAS_OK);
    struct las_op_verdict v;
    las_op_verify_evidence((uint8_t *)text, strlen(text), &t, NULL, 0, &v);
    assert_false(v.verified);
    assert_false(v.simulated);
    assert_string_equal(v.platform_id, "");
    assert_non_null(strstr(v.reason, "hardware_quote: collateral"));
    assert_non_null(strstr(v.reason, "spec.verification.collateral"));
    assert_non_null(strstr(v.reason, "spec.verification.allowUnknownTcb"));
    t.allow_unknown_tcb = true;
    las_op_verify_evidence((uint8_t *)text, strlen(text), &t, NULL, 0, &v);
    assert_false(v.verified);
    assert_non_null(strstr(v.reason, "binding"));
    t.allow_unknown_tcb = false;
    las_op_verify_evidence((uint8_t *)text, strlen(text), &t, (uint8_t *)col, clen, &v);
    assert_false(v.verified);
    assert_null(strstr(v.reason, "allowUnknownTcb"));
    assert_null(strstr(v.reason, "no collateral"));
    assert_non_null(strstr(v.reason, "hardware_quote: "));
    free(text);
    json_decref(doc);
    free(col);
    free(quote);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulation_allowed_verifies),
        cmocka_unit_test(test_fails_closed),
        cmocka_unit_test(test_other_signer_pinned),
        cmocka_unit_test(test_tampered_and_garbage),
        cmocka_unit_test(test_succession_links_ids),
    };
    const struct CMUnitTest real[] = {
        cmocka_unit_test(test_hardware_evidence_needs_collateral),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    if (rc != 0)
        return rc;
    char path[4096];
    const char *src = getenv("LAS_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/../shared/testdata/dcap/phala_sgx_quote.bin", src ? src : ".");
    if (src == NULL || access(path, R_OK) != 0) {
        fprintf(stderr, "SKIP: %s is absent; the hardware-evidence test did not run\n", path);
        return 77;
    }
    return cmocka_run_group_tests_name("hardware_evidence", real, NULL, NULL);
}
