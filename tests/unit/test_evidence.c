/* SPDX-License-Identifier: Apache-2.0 */
/* Platform evidence and succession statements, both directions of every check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/file.h"
#include "format/evidence_json.h"
#include "format/las_enclave.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "identity/quote_sign.h"
#include "las/dcap.h"
#include "las/verifier.h"
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
    struct las_backend_sim_config cfg = {test_dir(dir), NULL, isvsvn};
    if (las_backend_sim_open(&cfg, &p->b, why, sizeof why) != LAS_OK ||
        las_platform_key_derive(p->b, p->b->identity.cpusvn, p->b->identity.isvsvn, &p->key) !=
            LAS_OK ||
        las_platform_identity_update(p->b, &p->key, test_dir(dir), &p->state, why, sizeof why) !=
            LAS_OK ||
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

/* Simulation tolerated, both fixture platforms' simulated roots pinned. */
static uint8_t root_pins[2][LAS_DCAP_ROOT_PIN_SIZE];
static struct las_evidence_options sim_ok = {.allow_simulation = true};

static int pin_root(const char *dir, uint8_t pin[LAS_DCAP_ROOT_PIN_SIZE])
{
    char path[1024];
    uint8_t *pem = NULL;
    size_t len = 0, n = 0;
    test_path(path, sizeof path, dir, "sim-qe-root-ca.pem");
    if (las_file_read(path, 8192, &pem, &len) != LAS_OK)
        return -1;
    las_status st = las_dcap_root_pins_from_pem(pem, len, (uint8_t(*)[32])pin, 1, &n);
    free(pem);
    return st == LAS_OK && n == 1 ? 0 : -1;
}

struct fixture {
    struct platform a, b;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL || (f->a.dir = test_tmpdir()) == NULL || (f->b.dir = test_tmpdir()) == NULL ||
        open_platform(&f->a, f->a.dir, -1) != 0 || open_platform(&f->b, f->b.dir, -1) != 0 ||
        pin_root(f->a.dir, root_pins[0]) != 0 || pin_root(f->b.dir, root_pins[1]) != 0)
        return -1;
    sim_ok.sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])root_pins;
    sim_ok.n_sim_roots = 2;
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
    assert_true(res.verified);
    assert_int_equal(res.anchor, LAS_ANCHOR_SIM_ROOT);
    assert_memory_equal(res.dcap.root_pin, root_pins[0], LAS_DCAP_ROOT_PIN_SIZE);
    /* Without allowing simulation it is refused, naming the hardware quote. */
    struct las_evidence_options strict = {0};
    assert_int_not_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &strict, &res), LAS_OK);
    assert_string_equal(res.check, "hardware_quote");
    assert_false(res.verified);
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, NULL, &res),
                     LAS_ERR_INVALID_ARGUMENT);
}

/* Tolerating simulation is no trust anchor: the root, the platform or a predecessor is. */
static void test_simulated_evidence_needs_an_anchor(void **state)
{
    struct fixture *f = *state;
    static struct las_evidence_result res;
    struct las_evidence_options opt = {.allow_simulation = true};
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &opt, &res),
                     LAS_ERR_REFUSED);
    assert_string_equal(res.check, "anchor");
    assert_non_null(strstr(res.reason, "--sim-root"));
    assert_false(res.verified);
    /* Another platform's root does not anchor this platform's evidence. */
    opt.sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])root_pins + 1;
    opt.n_sim_roots = 1;
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &opt, &res),
                     LAS_ERR_REFUSED);
    assert_string_equal(res.check, "anchor");
    /* Its pinned platform ID does. */
    uint8_t ids[1][32];
    memcpy(ids[0], f->a.key.public_key, 32);
    opt.platforms = (const uint8_t(*)[32])ids;
    opt.n_platforms = 1;
    assert_int_equal(las_evidence_verify((uint8_t *)f->a.doc, f->a.len, &opt, &res), LAS_OK);
    assert_int_equal(res.anchor, LAS_ANCHOR_PLATFORM);
    opt.n_sim_roots = 0;
    assert_int_equal(las_evidence_verify((uint8_t *)f->b.doc, f->b.len, &opt, &res),
                     LAS_ERR_REFUSED);
    assert_string_equal(res.check, "anchor");
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

/*
 * The simulated LAS signer that the verifier expects is the one the docs
 * derive (docs/simulation.md) and the one the sim backend gives LAS.
 */
static void test_simulated_las_signer(void **state)
{
    struct fixture *f = *state;
    static const uint8_t constant[32] = LAS_SIMULATED_LAS_MRSIGNER;
    static const char label[] = "LAS simulated enclave signer v1";
    uint8_t derived[32];
    assert_int_equal(las_sha256(label, sizeof label - 1, derived), LAS_OK);
    assert_memory_equal(constant, derived, 32);
    assert_memory_equal(f->a.b->identity.mrsigner, constant, 32);
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

/* A LAS quote of platform p, as its LAS would sign it now. */
static void sign_quote(const struct platform *p, int64_t now, uint8_t out[LAS_QUOTE_SIZE])
{
    struct las_sgx_report_body body;
    memset(&body, 0, sizeof body);
    body.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    memset(body.mrenclave, 0x5a, 32);
    assert_int_equal(las_quote_sign(&p->key, LAS_QUOTE_FLAG_SIMULATED, (uint64_t)now, &body, out),
                     LAS_OK);
}

/* las verify --policy P --evidence E, in the library: evidence first, then the quote. */
static las_status verify_with_policy(const struct las_policy *pol, const char *doc, size_t len,
                                     const uint8_t *quote, struct las_verdict *v)
{
    static struct las_evidence_result ev;
    struct las_evidence_options opt;
    las_policy_evidence_options(pol, &opt);
    las_status st = las_evidence_verify((const uint8_t *)doc, len, &opt, &ev);
    (void)st; /* a refusal is judged by las_quote_verify, through ev */
    struct las_verify_args args = {.evidence = &ev};
    return las_quote_verify(pol, quote, LAS_QUOTE_SIZE, &args, v);
}

/* Signs a succession statement old -> new with both keys, as LAS would. */
static json_t *forge_statement(const struct platform *old, const struct platform *new)
{
    struct las_succession s;
    uint8_t msg[LAS_SUCCESSION_MESSAGE_SIZE];
    memset(&s, 0, sizeof s);
    memcpy(s.old_id, old->key.public_key, 32);
    memcpy(s.old_cpusvn, old->key.cpusvn, 16);
    s.old_isvsvn = old->key.isvsvn;
    memcpy(s.new_id, new->key.public_key, 32);
    memcpy(s.new_cpusvn, new->key.cpusvn, 16);
    s.new_isvsvn = new->key.isvsvn;
    s.issued_at = 1800000000;
    las_succession_message(&s, msg);
    crypto_sign_detached(s.old_signature, NULL, msg, sizeof msg, old->key.secret_key);
    crypto_sign_detached(s.new_signature, NULL, msg, sizeof msg, new->key.secret_key);
    return las_succession_to_json(&s);
}

/*
 * follow_successions end to end: A (pinned) -> B -> C by two LAS updates on
 * one platform, then quotes of C judged with C's evidence.
 */
static void test_follow_successions(void **state)
{
    struct fixture *f = *state;
    static struct las_policy pol;
    static struct las_verdict v;
    struct platform b = {0}, c = {0}, down = {0};
    uint8_t quote[LAS_QUOTE_SIZE];
    struct platform a = f->a;
    f->a.b = NULL; /* a is closed below; f->a is reopened at the end */
    f->a.doc = NULL;
    las_backend_close(a.b);
    free(a.doc);
    a.doc = NULL;
    assert_int_equal(open_platform(&b, a.dir, LAS_ISVSVN + 1), 0);
    close_platform(&b);
    assert_int_equal(open_platform(&c, a.dir, LAS_ISVSVN + 2), 0);
    assert_int_equal(c.state.n_successions, 2);
    sign_quote(&c, (int64_t)time(NULL), quote);

    las_policy_init(&pol);
    memcpy(pol.platforms[0], a.key.public_key, 32);
    pol.n_platforms = 1;
    pol.tolerate = LAS_TOLERATE_SIMULATION;
    pol.follow_successions = true;
    /* A chain of two updates: C is accepted as the successor of A. */
    assert_int_equal(verify_with_policy(&pol, c.doc, c.len, quote, &v), LAS_OK);
    assert_true(v.successor);
    assert_memory_equal(v.predecessor, a.key.public_key, 32);
    assert_int_equal(v.succession_steps, 2);
    /* Without follow_successions, or without the evidence, it is not. */
    pol.follow_successions = false;
    assert_int_equal(verify_with_policy(&pol, c.doc, c.len, quote, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "evidence"); /* sim evidence of an unpinned platform: no anchor */
    pol.follow_successions = true;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, NULL, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "platform");

    /* A forged chain: one signature altered. */
    json_t *doc = json_loads(c.doc, 0, NULL);
    json_t *s1 = json_array_get(json_object_get(doc, "successions"), 1);
    json_object_set_new(s1, "issued_at", json_integer(1));
    char *text = json_dumps(doc, 0);
    assert_int_equal(verify_with_policy(&pol, text, strlen(text), quote, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "evidence");
    assert_non_null(strstr(v.reason, "succession"));
    free(text);
    json_decref(doc);

    /* A chain that starts at an untrusted ID: only B -> C given. */
    doc = json_loads(c.doc, 0, NULL);
    assert_int_equal(json_array_remove(json_object_get(doc, "successions"), 0), 0);
    text = json_dumps(doc, 0);
    assert_int_equal(verify_with_policy(&pol, text, strlen(text), quote, &v), LAS_ERR_REFUSED);
    free(text);
    json_decref(doc);

    /* Evidence for another platform (B's twin on another machine) with C's quote. */
    assert_int_equal(verify_with_policy(&pol, f->b.doc, f->b.len, quote, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "evidence");

    /* A downgrade (back to A's ISVSVN) publishes no statement... */
    close_platform(&c);
    assert_int_equal(open_platform(&down, a.dir, LAS_ISVSVN + 1), 0);
    assert_int_equal(down.state.n_successions, 0);
    sign_quote(&down, (int64_t)time(NULL), quote);
    pol.n_platforms = 1;
    memcpy(pol.platforms[0], c.key.public_key, 32); /* trust C, the newest */
    assert_int_equal(verify_with_policy(&pol, down.doc, down.len, quote, &v), LAS_ERR_REFUSED);
    /* ... and one made by both keys is refused as a downgrade. */
    doc = json_loads(down.doc, 0, NULL);
    json_array_append_new(json_object_get(doc, "successions"), forge_statement(&c, &down));
    text = json_dumps(doc, 0);
    assert_int_equal(verify_with_policy(&pol, text, strlen(text), quote, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "evidence");
    assert_non_null(strstr(v.reason, "downgrade"));
    free(text);
    json_decref(doc);
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
    assert_int_equal(test_write_file(path, "{\"platform_id\": 1}", 18, 0644), 0);
    assert_int_equal(las_platform_state_load(test_dir(f->b.dir), &st, why, sizeof why),
                     LAS_ERR_STATE);
    assert_non_null(strstr(why, "corrupt"));
    assert_false(st.present);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verifies_and_names_the_platform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_las_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simulated_las_signer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simulated_evidence_needs_an_anchor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_successions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_documents_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_succession_on_las_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_succession_list_is_bounded_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_state_refused, setup, teardown),
    };
    if (las_crypto_init() != LAS_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
