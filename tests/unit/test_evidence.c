/* SPDX-License-Identifier: Apache-2.0 */
/* Platform evidence and succession statements, both directions of every check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/file.h"
#include "format/evidence_json.h"
#include "format/las_enclave.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "las/evidence.h"
#include "test_helpers.h"

struct platform {
    char *dir;
    struct las_backend *b;
    struct las_platform_key key;
    struct las_platform_state state;
    char *doc;
    size_t len;
};

static int open_platform(struct platform *p, const char *dir, int isvsvn)
{
    char why[256];
    struct las_backend_sim_config cfg = {dir, NULL, isvsvn};
    if (las_backend_sim_open(&cfg, &p->b, why, sizeof why) != LAS_OK ||
        las_platform_key_derive(p->b, p->b->identity.cpusvn, p->b->identity.isvsvn, &p->key) !=
            LAS_OK ||
        las_platform_identity_update(p->b, &p->key, dir, &p->state, why, sizeof why) != LAS_OK ||
        las_evidence_build(p->b, &p->key, &p->state, "test", &p->doc, &p->len) != LAS_OK) {
        fprintf(stderr, "open_platform: %s\n", why);
        return -1;
    }
    return 0;
}

static void close_platform(struct platform *p)
{
    las_backend_close(p->b);
    free(p->doc);
    p->b = NULL;
    p->doc = NULL;
}

struct fixture {
    struct platform a, b;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL || (f->a.dir = test_tmpdir()) == NULL || (f->b.dir = test_tmpdir()) == NULL ||
        open_platform(&f->a, f->a.dir, -1) != 0 || open_platform(&f->b, f->b.dir, -1) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close_platform(&f->a);
    close_platform(&f->b);
    test_tmpdir_free(f->a.dir);
    test_tmpdir_free(f->b.dir);
    free(f);
    return 0;
}

static const struct las_evidence_options sim_ok = {.allow_simulation = true};

static las_status verify_json(json_t *doc, const struct las_evidence_options *opt,
                              struct las_evidence_result *res)
{
    char *text = json_dumps(doc, 0);
    las_status st = las_evidence_verify((const uint8_t *)text, strlen(text), opt, res);
    free(text);
    return st;
}

static void test_verifies_and_names_the_platform(void **state)
{
    struct fixture *f = *state;
    static struct las_evidence_result res;
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &sim_ok, &res), LAS_OK);
    assert_memory_equal(res.platform_id, f->a.key.public_key, 32);
    assert_true(res.simulated);
    assert_int_equal(res.las.isvprodid, LAS_ISVPRODID);
    assert_int_equal(res.n_successions, 0);
    /* Without allowing simulation it is refused, naming the hardware quote. */
    struct las_evidence_options strict = {0};
    assert_int_not_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &strict, &res), LAS_OK);
    assert_string_equal(res.check, "hardware_quote");
}

static void test_pinned_las_identity(void **state)
{
    struct fixture *f = *state;
    static struct las_evidence_result res;
    uint8_t other[32];
    memset(other, 0x42, 32);
    struct las_evidence_options opt = sim_ok;
    opt.las_mrenclave = f->a.b->identity.mrenclave;
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &opt, &res), LAS_OK);
    opt.las_mrenclave = other;
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &opt, &res),
                     LAS_ERR_REFUSED);
    assert_string_equal(res.check, "las_identity");
    opt.las_mrenclave = NULL;
    opt.las_mrsigner = other;
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &opt, &res),
                     LAS_ERR_REFUSED);
    assert_string_equal(res.check, "las_identity");
}

static void test_tampered_documents_refused(void **state)
{
    struct fixture *f = *state;
    static struct las_evidence_result res;
    json_t *a = json_loads(f->a.doc, 0, NULL), *b = json_loads(f->b.doc, 0, NULL);
    json_t *doc;

    /* Another platform's ID in A's document: the attested report data does not bind it. */
    doc = json_deep_copy(a);
    json_object_set(doc, "platform_id", json_object_get(b, "platform_id"));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_REFUSED);
    assert_string_equal(res.check, "binding");
    json_decref(doc);

    /* B's quote and report body with A's ID (a forged document). */
    doc = json_deep_copy(a);
    json_object_set(doc, "hardware_quote", json_object_get(b, "hardware_quote"));
    json_object_set(doc, "report_body", json_object_get(b, "report_body"));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_REFUSED);
    assert_string_equal(res.check, "binding");
    json_decref(doc);

    /* A report body that the quote does not cover. */
    doc = json_deep_copy(a);
    json_object_set(doc, "report_body", json_object_get(b, "report_body"));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_REFUSED);
    assert_string_equal(res.check, "report_body");
    json_decref(doc);

    /* Claimed key SVNs that differ from the attested ones. */
    doc = json_deep_copy(a);
    json_object_set_new(json_object_get(doc, "platform_key"), "isvsvn", json_integer(7));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_REFUSED);
    assert_string_equal(res.check, "binding");
    json_decref(doc);

    /* Claiming hardware while the quote is simulated. */
    doc = json_deep_copy(a);
    json_object_set_new(doc, "simulated", json_false());
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_REFUSED);
    json_decref(doc);

    /* A flipped byte inside the quote. */
    uint8_t quote[LAS_DCAP_QUOTE_MAX];
    size_t qlen;
    assert_int_equal(las_json_get_base64(a, "hardware_quote", quote, sizeof quote, &qlen), LAS_OK);
    quote[100] ^= 1;
    doc = json_deep_copy(a);
    json_object_set_new(doc, "hardware_quote", las_json_base64(quote, qlen));
    assert_int_not_equal(verify_json(doc, &sim_ok, &res), LAS_OK);
    assert_string_equal(res.check, "hardware_quote");
    json_decref(doc);

    /* Format errors. */
    doc = json_deep_copy(a);
    json_object_set_new(doc, "version", json_integer(2));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_UNSUPPORTED);
    json_object_set_new(doc, "version", json_integer(1));
    json_object_set_new(doc, "report_body", json_string("not base64!"));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_MALFORMED);
    json_decref(doc);
    assert_int_equal(las_evidence_verify((const uint8_t *)"[]", 2, &sim_ok, &res),
                     LAS_ERR_MALFORMED);
    static const char dup[] = "{\"version\":1,\"version\":1}";
    assert_int_equal(las_evidence_verify((const uint8_t *)dup, sizeof dup - 1, &sim_ok, &res),
                     LAS_ERR_MALFORMED);
    assert_int_equal(
        las_evidence_verify((const uint8_t *)f->a.doc, LAS_EVIDENCE_MAX + 1, &sim_ok, &res),
        LAS_ERR_BAD_SIZE);
    json_decref(a);
    json_decref(b);
}

static void test_succession_on_las_update(void **state)
{
    struct fixture *f = *state;
    static struct las_evidence_result res;
    struct platform up = {0}, again = {0}, down = {0};
    uint8_t old_id[32];
    memcpy(old_id, f->a.key.public_key, 32);
    close_platform(&f->a);

    /* LAS update: ISVSVN 1 -> 2 on the same platform. */
    assert_int_equal(open_platform(&up, f->a.dir, LAS_ISVSVN + 1), 0);
    assert_memory_not_equal(up.key.public_key, old_id, 32);
    assert_int_equal(up.state.n_successions, 1);
    assert_int_equal(las_evidence_verify((uint8_t *)up.doc, up.len, &sim_ok, &res), LAS_OK);
    assert_int_equal(res.n_successions, 1);
    assert_memory_equal(res.successions[0].old_id, old_id, 32);
    assert_memory_equal(res.successions[0].new_id, up.key.public_key, 32);
    assert_int_equal(res.successions[0].old_isvsvn, LAS_ISVSVN);
    assert_int_equal(res.successions[0].new_isvsvn, LAS_ISVSVN + 1);
    assert_int_equal(las_succession_verify(&res.successions[0]), LAS_OK);

    /* Tampered statements are refused. */
    json_t *doc = json_loads(up.doc, 0, NULL);
    json_t *s0 = json_array_get(json_object_get(doc, "successions"), 0);
    json_object_set_new(s0, "old_isvsvn", json_integer(0));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_SIGNATURE);
    assert_string_equal(res.check, "succession");
    json_object_set_new(s0, "old_isvsvn", json_integer(LAS_ISVSVN));
    json_object_set_new(s0, "new_platform_id", json_string("AA"));
    assert_int_equal(verify_json(doc, &sim_ok, &res), LAS_ERR_MALFORMED);
    json_decref(doc);
    close_platform(&up);

    /* A restart keeps the statement and publishes no new one. */
    assert_int_equal(open_platform(&again, f->a.dir, LAS_ISVSVN + 1), 0);
    assert_int_equal(again.state.n_successions, 1);
    close_platform(&again);

    /* A downgrade cannot be followed: SGX derives no key for a newer ISVSVN. */
    assert_int_equal(open_platform(&down, f->a.dir, LAS_ISVSVN), 0);
    assert_memory_equal(down.key.public_key, old_id, 32);
    /* The chain is broken: no statement leads to the current ID, none is published. */
    assert_int_equal(down.state.n_successions, 0);
    assert_int_equal(las_evidence_verify((uint8_t *)down.doc, down.len, &sim_ok, &res), LAS_OK);
    assert_int_equal(res.n_successions, 0);
    close_platform(&down);
    assert_int_equal(open_platform(&f->a, f->a.dir, -1), 0);
}

static void test_succession_list_is_bounded_chain(void **state)
{
    struct fixture *f = *state;
    static struct las_evidence_result res;
    close_platform(&f->a);
    for (int svn = LAS_ISVSVN + 1; svn <= LAS_ISVSVN + LAS_EVIDENCE_MAX_SUCCESSIONS + 2; svn++) {
        struct platform p = {0};
        assert_int_equal(open_platform(&p, f->a.dir, svn), 0);
        assert_int_equal(las_evidence_verify((uint8_t *)p.doc, p.len, &sim_ok, &res), LAS_OK);
        close_platform(&p);
    }
    assert_int_equal(res.n_successions, LAS_EVIDENCE_MAX_SUCCESSIONS);
    for (size_t i = 1; i < res.n_successions; i++)
        assert_memory_equal(res.successions[i - 1].new_id, res.successions[i].old_id, 32);
    assert_int_equal(open_platform(&f->a, f->a.dir, -1), 0);
}

static void test_corrupt_state_refused(void **state)
{
    struct fixture *f = *state;
    char path[1024], why[512];
    struct las_platform_state st;
    test_path(path, sizeof path, f->b.dir, LAS_PLATFORM_STATE_FILE);
    assert_int_equal(las_file_write_atomic(path, "{\"platform_id\": 1}", 18, 0644, 0), LAS_OK);
    assert_int_equal(las_platform_state_load(f->b.dir, &st, why, sizeof why), LAS_ERR_STATE);
    assert_non_null(strstr(why, "corrupt"));
    assert_false(st.present);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verifies_and_names_the_platform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_las_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_documents_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_succession_on_las_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_succession_list_is_bounded_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_state_refused, setup, teardown),
    };
    if (las_crypto_init() != LAS_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
