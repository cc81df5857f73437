/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies: loading (strictness, with the line and column of each error) and
 * evaluation of every rule and toleration in both directions, table-driven.
 * Quotes are signed by a simulated platform key, as LAS signs them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "common/rfc3339.h"
#include "format/las_enclave.h"
#include "identity/platform_key.h"
#include "identity/quote_sign.h"
#include "las/client.h"
#include "las/policy.h"
#include "las/verifier.h"
#include "backend/app_enclave.h"
#include "test_helpers.h"

#define T0     1800000000ull /* issue time of the test quotes */
#define NOW    (T0 + 10)     /* default evaluation time */
#define HEX_A  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C  "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define OTHER  "7777777777777777777777777777777777777777777777777777777777777777"
#define PINNED "platforms: [$PID]\n"
/* Hardware evidence counts only for a pinned LAS enclave: make_evidence's is HEX_A. */
#define LAS_PIN "evidence: {las_mrsigner: " HEX_A "}\n"
#define ZERO64  "0000000000000000000000000000000000000000000000000000000000000000"
#define ZERO60  "000000000000000000000000000000000000000000000000000000000000"
#define ZERO58  "0000000000000000000000000000000000000000000000000000000000"
#define ROOT_E  "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define N_RULES 15

struct fixture {
    char *dir;
    struct las_backend *backend;
    struct las_platform_key key;
    struct las_sgx_report_body body; /* a simulated app's REPORT body */
    char pid[LAS_PLATFORM_ID_HEX_SIZE];
};

static struct fixture *fx;

/* Quotes the cases evaluate: the default one and one variation each. */
enum quote_kind {
    Q_DEFAULT, /* not simulated, not debug, mrenclave AA.., mrsigner BB.., prodid 7, svn 5,
                  report data 01 02 00.., issued at T0 */
    Q_SIM,
    Q_DEBUG,
    Q_BAD_SIGNATURE,
    Q_SHORT,
};

/* Verified platform evidence the cases pass (as las_evidence_verify would return it). */
enum facts_kind {
    F_NONE,
    F_UP_TO_DATE,
    F_SW_HARDENING,
    F_CONFIGURATION,
    F_CONFIGURATION_AND_SW,
    F_OUT_OF_DATE,
    F_OUT_OF_DATE_CONFIGURATION,
    F_REVOKED,
    F_NO_COLLATERAL,
    F_SIMULATED,           /* simulated evidence of the simulated LAS, its root pinned as ROOT_E */
    F_SIMULATED_OTHER_LAS, /* the same, but from a LAS enclave with MRSIGNER HEX_A */
    F_OTHER_PLATFORM,      /* evidence for another platform ID */
    F_UNVERIFIED,          /* a result that las_evidence_verify refused */
};

static const char advisories[][LAS_DCAP_ADVISORY_SIZE] = {"INTEL-SA-00334", "INTEL-SA-00615"};

struct eval_case {
    const char *name;
    const char *policy; /* $PID is replaced by the test platform's ID */
    enum quote_kind quote;
    enum facts_kind facts;
    size_t n_advisories; /* first n of advisories[] in the facts */
    uint64_t now;        /* 0: NOW */
    las_status want;
    const char *refused; /* the refusing rule, NULL when accepted */
    const char *check;   /* optionally: this check must have outcome */
    enum las_check_outcome outcome;
};

static const struct eval_case eval_cases[] = {
    /* signature and platform authentication */
    {"pinned platform accepts", PINNED, Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, "mrenclave",
     LAS_CHECK_SKIPPED},
    {"empty policy refuses an unauthenticated platform", "{}\n", Q_DEFAULT, F_NONE, 0, 0,
     LAS_ERR_REFUSED, "platform", NULL, 0},
    {"evidence of the pinned LAS vouches for an unpinned platform", LAS_PIN, Q_DEFAULT,
     F_UP_TO_DATE, 0, 0, LAS_OK, NULL, "platform", LAS_CHECK_PASS},
    {"hardware evidence vouches for nothing without a LAS pin", "{}\n", Q_DEFAULT, F_UP_TO_DATE, 0,
     0, LAS_ERR_REFUSED, "evidence", "platform", LAS_CHECK_FAIL},
    {"hardware evidence of a pinned platform needs a LAS pin too", PINNED, Q_DEFAULT, F_UP_TO_DATE,
     0, 0, LAS_ERR_REFUSED, "evidence", "platform", LAS_CHECK_PASS},
    {"other pinned platform refuses", "platforms: [" OTHER "]\n", Q_DEFAULT, F_NONE, 0, 0,
     LAS_ERR_REFUSED, "platform", NULL, 0},
    {"any of two pinned platforms", "platforms:\n  - " OTHER "\n  - $PID\n", Q_DEFAULT, F_NONE, 0,
     0, LAS_OK, NULL, "platform", LAS_CHECK_PASS},
    {"evidence of another platform refuses", PINNED, Q_DEFAULT, F_OTHER_PLATFORM, 0, 0,
     LAS_ERR_REFUSED, "evidence", NULL, 0},
    {"bad signature refuses, the rest is skipped", PINNED, Q_BAD_SIGNATURE, F_NONE, 0, 0,
     LAS_ERR_SIGNATURE, "signature", "platform", LAS_CHECK_SKIPPED},
    {"short quote refuses", PINNED, Q_SHORT, F_NONE, 0, 0, LAS_ERR_BAD_SIZE, "signature", NULL, 0},
    /* simulation */
    {"simulated quote refused", PINNED, Q_SIM, F_NONE, 0, 0, LAS_ERR_SIMULATED, "simulation", NULL,
     0},
    {"simulated quote tolerated", PINNED "security:\n  tolerate: [simulation]\n", Q_SIM, F_NONE, 0,
     0, LAS_OK, NULL, "simulation", LAS_CHECK_PASS},
    {"simulated evidence refused", PINNED, Q_DEFAULT, F_SIMULATED, 0, 0, LAS_ERR_SIMULATED,
     "simulation", NULL, 0},
    {"simulated evidence tolerated", PINNED "security: {tolerate: [simulation]}\n", Q_DEFAULT,
     F_SIMULATED, 0, 0, LAS_OK, NULL, NULL, 0},
    {"tolerating simulation and debug trusts no platform",
     "security:\n  tolerate: [simulation, debug-mode]\n", Q_SIM, F_NONE, 0, 0, LAS_ERR_REFUSED,
     "platform", "simulation", LAS_CHECK_PASS},
    {"simulated evidence with an unpinned root vouches for nothing",
     "security:\n  tolerate: [simulation]\n", Q_SIM, F_SIMULATED, 0, 0, LAS_ERR_REFUSED, "platform",
     "evidence", LAS_CHECK_PASS},
    {"simulated evidence of another LAS vouches for nothing without a LAS pin",
     "evidence: {sim_roots: [" ROOT_E "]}\nsecurity:\n  tolerate: [simulation]\n", Q_SIM,
     F_SIMULATED_OTHER_LAS, 0, 0, LAS_ERR_REFUSED, "evidence", "platform", LAS_CHECK_FAIL},
    {"simulated evidence of a pinned LAS enclave vouches",
     "evidence: {sim_roots: [" ROOT_E "], las_mrsigner: " HEX_A "}\nsecurity:\n  tolerate: "
     "[simulation]\n",
     Q_SIM, F_SIMULATED_OTHER_LAS, 0, 0, LAS_OK, NULL, "platform", LAS_CHECK_PASS},
    {"simulated evidence with a pinned root vouches",
     "evidence: {sim_roots: [" ROOT_E "]}\nsecurity:\n  tolerate: [simulation]\n", Q_SIM,
     F_SIMULATED, 0, 0, LAS_OK, NULL, "platform", LAS_CHECK_PASS},
    {"refused evidence is refused", PINNED, Q_DEFAULT, F_UNVERIFIED, 0, 0, LAS_ERR_REFUSED,
     "evidence", "platform", LAS_CHECK_PASS},
    {"evidence of another LAS enclave than the pinned one",
     PINNED "evidence: {las_mrsigner: " HEX_C "}\n", Q_DEFAULT, F_UP_TO_DATE, 0, 0, LAS_ERR_REFUSED,
     "evidence", NULL, 0},
    {"evidence of the pinned LAS enclave", PINNED "evidence: {las_mrsigner: " HEX_A "}\n",
     Q_DEFAULT, F_UP_TO_DATE, 0, 0, LAS_OK, NULL, "evidence", LAS_CHECK_PASS},
    /* debug */
    {"debug enclave refused", PINNED, Q_DEBUG, F_NONE, 0, 0, LAS_ERR_REFUSED, "debug", NULL, 0},
    {"debug enclave tolerated", PINNED "security:\n  tolerate: [debug-mode]\n", Q_DEBUG, F_NONE, 0,
     0, LAS_OK, NULL, "debug", LAS_CHECK_PASS},
    /* identity */
    {"mrenclave listed", PINNED "attestation:\n  mrenclave: [" HEX_A "]\n", Q_DEFAULT, F_NONE, 0, 0,
     LAS_OK, NULL, "mrenclave", LAS_CHECK_PASS},
    {"mrenclave not listed", PINNED "attestation:\n  mrenclave: [" HEX_C "]\n", Q_DEFAULT, F_NONE,
     0, 0, LAS_ERR_REFUSED, "mrenclave", NULL, 0},
    {"mrenclave any of", PINNED "attestation:\n  mrenclave:\n    - " HEX_C "\n    - " HEX_A "\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, NULL, 0},
    {"mrenclave upper-case hex",
     PINNED "attestation:\n  mrenclave: "
            "[AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA]\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, NULL, 0},
    {"mrsigner matches", PINNED "attestation:\n  signer:\n    mrsigner: " HEX_B "\n", Q_DEFAULT,
     F_NONE, 0, 0, LAS_OK, NULL, "mrsigner", LAS_CHECK_PASS},
    {"mrsigner differs", PINNED "attestation:\n  signer:\n    mrsigner: " HEX_C "\n", Q_DEFAULT,
     F_NONE, 0, 0, LAS_ERR_REFUSED, "mrsigner", NULL, 0},
    {"isvprodid matches", PINNED "attestation: {signer: {mrsigner: " HEX_B ", isvprodid: 7}}\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, "isvprodid", LAS_CHECK_PASS},
    {"isvprodid differs", PINNED "attestation: {signer: {mrsigner: " HEX_B ", isvprodid: 8}}\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_ERR_REFUSED, "isvprodid", NULL, 0},
    {"isvsvn_min reached", PINNED "attestation: {signer: {mrsigner: " HEX_B ", isvsvn_min: 5}}\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, "isvsvn_min", LAS_CHECK_PASS},
    {"isvsvn_min not reached",
     PINNED "attestation: {signer: {mrsigner: " HEX_B ", isvsvn_min: 6}}\n", Q_DEFAULT, F_NONE, 0,
     0, LAS_ERR_REFUSED, "isvsvn_min", NULL, 0},
    {"isvsvn_max respected", PINNED "attestation: {signer: {mrsigner: " HEX_B ", isvsvn_max: 5}}\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, "isvsvn_max", LAS_CHECK_PASS},
    {"isvsvn_max exceeded", PINNED "attestation: {signer: {mrsigner: " HEX_B ", isvsvn_max: 4}}\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_ERR_REFUSED, "isvsvn_max", NULL, 0},
    {"svn bounds with mrenclave instead of mrsigner",
     PINNED "attestation:\n  mrenclave: [" HEX_A "]\n  signer: {isvsvn_min: 1, isvsvn_max: 9}\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, NULL, 0},
    {"report_data zero padded", PINNED "attestation:\n  report_data: \"0102\"\n", Q_DEFAULT, F_NONE,
     0, 0, LAS_OK, NULL, "report_data", LAS_CHECK_PASS},
    {"report_data of all 64 bytes", PINNED "attestation:\n  report_data: 0102" ZERO64 ZERO60 "\n",
     Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, "report_data", LAS_CHECK_PASS},
    {"report_data differs in its last byte",
     PINNED "attestation:\n  report_data: 0102" ZERO64 ZERO58 "01\n", Q_DEFAULT, F_NONE, 0, 0,
     LAS_ERR_REFUSED, "report_data", NULL, 0},
    {"report_data differs", PINNED "attestation:\n  report_data: \"0103\"\n", Q_DEFAULT, F_NONE, 0,
     0, LAS_ERR_REFUSED, "report_data", NULL, 0},
    /* freshness */
    {"max_age exactly reached", PINNED "attestation: {max_age: 10}\n", Q_DEFAULT, F_NONE, 0, 0,
     LAS_OK, NULL, "max_age", LAS_CHECK_PASS},
    {"max_age exceeded", PINNED "attestation: {max_age: 9}\n", Q_DEFAULT, F_NONE, 0, 0,
     LAS_ERR_REFUSED, "max_age", NULL, 0},
    {"future quote within the clock skew", PINNED "attestation: {max_age: 60}\n", Q_DEFAULT, F_NONE,
     0, T0 - LAS_POLICY_CLOCK_SKEW, LAS_OK, NULL, "max_age", LAS_CHECK_PASS},
    {"future quote beyond the clock skew", PINNED "attestation: {max_age: 60}\n", Q_DEFAULT, F_NONE,
     0, T0 - LAS_POLICY_CLOCK_SKEW - 1, LAS_ERR_REFUSED, "max_age", NULL, 0},
    {"no max_age: the default applies", PINNED, Q_DEFAULT, F_NONE, 0,
     T0 + LAS_POLICY_DEFAULT_MAX_AGE + 1, LAS_ERR_REFUSED, "max_age", NULL, 0},
    {"no max_age: within the default", PINNED, Q_DEFAULT, F_NONE, 0,
     T0 + LAS_POLICY_DEFAULT_MAX_AGE, LAS_OK, NULL, "max_age", LAS_CHECK_PASS},
    {"no max_age: a future quote is still refused", PINNED, Q_DEFAULT, F_NONE, 0,
     T0 - LAS_POLICY_CLOCK_SKEW - 1, LAS_ERR_REFUSED, "max_age", NULL, 0},
    {"a long max_age does not admit the future", PINNED "attestation: {max_age: 315360000}\n",
     Q_DEFAULT, F_NONE, 0, T0 - LAS_POLICY_CLOCK_SKEW - 1, LAS_ERR_REFUSED, "max_age", NULL, 0},
    /* TCB status and tolerations */
    {"no evidence: TCB skipped", PINNED, Q_DEFAULT, F_NONE, 0, 0, LAS_OK, NULL, "tcb",
     LAS_CHECK_SKIPPED},
    {"UpToDate accepted", PINNED LAS_PIN, Q_DEFAULT, F_UP_TO_DATE, 0, 0, LAS_OK, NULL, "tcb",
     LAS_CHECK_PASS},
    {"UpToDate with advisories listed", PINNED LAS_PIN, Q_DEFAULT, F_UP_TO_DATE, 2, 0, LAS_OK, NULL,
     "advisories", LAS_CHECK_PASS},
    {"hardware evidence without collateral: TCB Unknown refused", PINNED LAS_PIN, Q_DEFAULT,
     F_NO_COLLATERAL, 0, 0, LAS_ERR_REFUSED, "tcb", "advisories", LAS_CHECK_SKIPPED},
    {"hardware evidence without collateral vouches for nothing", LAS_PIN, Q_DEFAULT,
     F_NO_COLLATERAL, 0, 0, LAS_ERR_REFUSED, "tcb", "platform", LAS_CHECK_PASS},
    {"hardware evidence without collateral: unknown-tcb tolerated",
     PINNED LAS_PIN "security: {tolerate: [unknown-tcb]}\n", Q_DEFAULT, F_NO_COLLATERAL, 0, 0,
     LAS_OK, NULL, "tcb", LAS_CHECK_PASS},
    {"unknown-tcb tolerates no known status",
     PINNED LAS_PIN "security: {tolerate: [unknown-tcb]}\n", Q_DEFAULT, F_OUT_OF_DATE, 0, 0,
     LAS_ERR_REFUSED, "tcb", NULL, 0},
    {"simulated evidence has no collateral: TCB skipped",
     PINNED "security: {tolerate: [simulation]}\n", Q_DEFAULT, F_SIMULATED, 0, 0, LAS_OK, NULL,
     "tcb", LAS_CHECK_SKIPPED},
    {"SWHardeningNeeded refused", PINNED LAS_PIN, Q_DEFAULT, F_SW_HARDENING, 0, 0, LAS_ERR_REFUSED,
     "tcb", NULL, 0},
    {"SWHardeningNeeded tolerated, advisories ignored",
     PINNED LAS_PIN "security:\n  tolerate: [software-hardening-needed]\n  ignore_advisories: "
                    "[INTEL-SA-00615, INTEL-SA-00334]\n",
     Q_DEFAULT, F_SW_HARDENING, 2, 0, LAS_OK, NULL, "advisories", LAS_CHECK_PASS},
    {"SWHardeningNeeded tolerated, advisory not ignored",
     PINNED LAS_PIN "security:\n  tolerate: [software-hardening-needed]\n", Q_DEFAULT,
     F_SW_HARDENING, 1, 0, LAS_ERR_REFUSED, "advisories", "tcb", LAS_CHECK_PASS},
    {"SWHardeningNeeded tolerated, one of two advisories ignored",
     PINNED LAS_PIN "security:\n  tolerate: [software-hardening-needed]\n  ignore_advisories: "
                    "[INTEL-SA-00334]\n",
     Q_DEFAULT, F_SW_HARDENING, 2, 0, LAS_ERR_REFUSED, "advisories", NULL, 0},
    {"ConfigurationNeeded tolerated",
     PINNED LAS_PIN "security: {tolerate: [configuration-needed]}\n", Q_DEFAULT, F_CONFIGURATION, 0,
     0, LAS_OK, NULL, "tcb", LAS_CHECK_PASS},
    {"ConfigurationNeeded needs its own toleration",
     PINNED LAS_PIN "security: {tolerate: [software-hardening-needed, outdated-tcb]}\n", Q_DEFAULT,
     F_CONFIGURATION, 0, 0, LAS_ERR_REFUSED, "tcb", NULL, 0},
    {"ConfigurationAndSWHardeningNeeded with both",
     PINNED LAS_PIN "security: {tolerate: [configuration-needed, software-hardening-needed]}\n",
     Q_DEFAULT, F_CONFIGURATION_AND_SW, 0, 0, LAS_OK, NULL, NULL, 0},
    {"ConfigurationAndSWHardeningNeeded with one",
     PINNED LAS_PIN "security: {tolerate: [configuration-needed]}\n", Q_DEFAULT,
     F_CONFIGURATION_AND_SW, 0, 0, LAS_ERR_REFUSED, "tcb", NULL, 0},
    {"OutOfDate refused", PINNED LAS_PIN, Q_DEFAULT, F_OUT_OF_DATE, 0, 0, LAS_ERR_REFUSED, "tcb",
     NULL, 0},
    {"OutOfDate tolerated with its advisories",
     PINNED LAS_PIN
     "security:\n  tolerate: [outdated-tcb]\n  ignore_advisories: [INTEL-SA-00334]\n",
     Q_DEFAULT, F_OUT_OF_DATE, 1, 0, LAS_OK, NULL, NULL, 0},
    {"OutOfDateConfigurationNeeded with outdated-tcb only",
     PINNED LAS_PIN "security: {tolerate: [outdated-tcb]}\n", Q_DEFAULT,
     F_OUT_OF_DATE_CONFIGURATION, 0, 0, LAS_ERR_REFUSED, "tcb", NULL, 0},
    {"OutOfDateConfigurationNeeded with both",
     PINNED LAS_PIN "security: {tolerate: [outdated-tcb, configuration-needed]}\n", Q_DEFAULT,
     F_OUT_OF_DATE_CONFIGURATION, 0, 0, LAS_OK, NULL, NULL, 0},
    {"Revoked is never tolerated",
     PINNED LAS_PIN "security:\n  tolerate: [outdated-tcb, configuration-needed, "
                    "software-hardening-needed, debug-mode, simulation]\n",
     Q_DEFAULT, F_REVOKED, 0, 0, LAS_ERR_REFUSED, "tcb", NULL, 0},
    /* combined */
    {"first failing rule in order names the refusal", "platforms: [" OTHER "]\n", Q_DEBUG, F_NONE,
     0, 0, LAS_ERR_REFUSED, "platform", "debug", LAS_CHECK_FAIL},
    {"name and version are accepted", "version: 1\nname: \"prod: payments\"\n" PINNED, Q_DEFAULT,
     F_NONE, 0, 0, LAS_OK, NULL, NULL, 0},
};

/* Replaces every $PID in tmpl with the test platform's ID. */
static void expand(const char *tmpl, char *out, size_t n)
{
    size_t o = 0;
    for (const char *s = tmpl; *s && o + 1 < n; s++) {
        if (strncmp(s, "$PID", 4) == 0 && o + 64 < n) {
            memcpy(out + o, fx->pid, 64);
            o += 64;
            s += 3;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

static void make_quote(enum quote_kind kind, uint8_t out[LAS_QUOTE_SIZE])
{
    struct las_sgx_report_body body = fx->body;
    uint16_t flags = 0;
    if (kind == Q_SIM)
        flags = LAS_QUOTE_FLAG_SIMULATED;
    if (kind == Q_DEBUG)
        body.attributes.flags |= LAS_SGX_FLAGS_DEBUG;
    assert_int_equal(las_quote_sign(&fx->key, flags, T0, &body, out), LAS_OK);
    if (kind == Q_BAD_SIGNATURE)
        out[LAS_QUOTE_SIZE - 1] ^= 0x01;
}

/* The evidence result of kind, or NULL for F_NONE. */
static const struct las_evidence_result *make_evidence(enum facts_kind kind, size_t n_adv,
                                                       struct las_evidence_result *ev)
{
    static const enum las_tcb_status status[] = {
        [F_UP_TO_DATE] = LAS_TCB_UP_TO_DATE,
        [F_SW_HARDENING] = LAS_TCB_SW_HARDENING_NEEDED,
        [F_CONFIGURATION] = LAS_TCB_CONFIGURATION_NEEDED,
        [F_CONFIGURATION_AND_SW] = LAS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
        [F_OUT_OF_DATE] = LAS_TCB_OUT_OF_DATE,
        [F_OUT_OF_DATE_CONFIGURATION] = LAS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
        [F_REVOKED] = LAS_TCB_REVOKED,
        [F_NO_COLLATERAL] = LAS_TCB_UNKNOWN,
        [F_SIMULATED] = LAS_TCB_UNKNOWN, /* no collateral exists for simulated platforms */
        [F_SIMULATED_OTHER_LAS] = LAS_TCB_UNKNOWN,
        [F_OTHER_PLATFORM] = LAS_TCB_UP_TO_DATE,
        [F_UNVERIFIED] = LAS_TCB_UP_TO_DATE,
    };
    memset(ev, 0, sizeof *ev);
    if (kind == F_NONE)
        return NULL;
    ev->verified = kind != F_UNVERIFIED;
    ev->status = ev->verified ? LAS_OK : LAS_ERR_SIGNATURE;
    ev->check = ev->verified ? NULL : "hardware_quote";
    snprintf(ev->reason, sizeof ev->reason, "%s", ev->verified ? "" : "quote_signature: forged");
    ev->simulated = kind == F_SIMULATED || kind == F_SIMULATED_OTHER_LAS;
    ev->anchor = ev->simulated ? LAS_ANCHOR_SIM_ROOT : LAS_ANCHOR_INTEL_ROOT;
    ev->dcap.simulated = ev->simulated;
    memset(ev->dcap.root_pin, 0xee, sizeof ev->dcap.root_pin);
    ev->dcap.tcb_status = status[kind];
    for (size_t i = 0; i < n_adv; i++)
        memcpy(ev->dcap.advisories[i], advisories[i], LAS_DCAP_ADVISORY_SIZE);
    ev->dcap.n_advisories = n_adv;
    static const uint8_t simulated_las[32] = LAS_SIMULATED_LAS_MRSIGNER;
    if (kind == F_SIMULATED)
        memcpy(ev->las.mrsigner, simulated_las, 32);
    else
        memset(ev->las.mrsigner, 0xaa, 32);
    memcpy(ev->platform_id, fx->key.public_key, 32);
    if (kind == F_OTHER_PLATFORM)
        memset(ev->platform_id, 0x77, 32);
    return ev;
}

static const struct las_check *find_check(const struct las_verdict *v, const char *name)
{
    for (size_t i = 0; i < v->n_checks; i++) {
        if (strcmp(v->checks[i].name, name) == 0)
            return &v->checks[i];
    }
    return NULL;
}

/* The verdict's invariants: every rule reported in order; the first failure decides. */
static void check_verdict(const char *name, const struct las_verdict *v, const char *refused)
{
    assert_int_equal(v->n_checks, N_RULES);
    assert_string_equal(v->checks[0].name, "signature");
    assert_string_equal(v->checks[N_RULES - 1].name, "advisories");
    if (refused == NULL) {
        assert_null(v->check);
        for (size_t k = 0; k < v->n_checks; k++)
            assert_int_not_equal(v->checks[k].outcome, LAS_CHECK_FAIL);
        return;
    }
    assert_non_null(v->check);
    if (strcmp(v->check, refused) != 0)
        fail_msg("case '%s': refused by %s, want %s (%s)", name, v->check, refused, v->reason);
    const struct las_check *chk = find_check(v, refused);
    assert_non_null(chk);
    assert_int_equal(chk->outcome, LAS_CHECK_FAIL);
    assert_string_equal(v->reason, chk->reason);
    assert_true(strlen(v->reason) > 10);
}

static void test_evaluation_table(void **state)
{
    static struct las_policy pol;
    static struct las_verdict v;
    static struct las_evidence_result ev;
    char yaml[4096];
    uint8_t quote[LAS_QUOTE_SIZE];
    struct las_policy_error err;
    (void)state;

    for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
        const struct eval_case *c = &eval_cases[i];
        print_message("case %zu: %s\n", i, c->name);
        expand(c->policy, yaml, sizeof yaml);
        las_status st = las_policy_load((const uint8_t *)yaml, strlen(yaml), &pol, &err);
        if (st != LAS_OK)
            fail_msg("case '%s': policy does not load: %zu:%zu: %s", c->name, err.line, err.column,
                     err.message);
        make_quote(c->quote, quote);
        struct las_verify_args args = {
            .now = (int64_t)(c->now ? c->now : NOW),
            .evidence = make_evidence(c->facts, c->n_advisories, &ev),
        };
        size_t len = c->quote == Q_SHORT ? LAS_QUOTE_SIZE - 1 : LAS_QUOTE_SIZE;
        st = las_quote_verify(&pol, quote, len, &args, &v);
        if (st != c->want)
            fail_msg("case '%s': status %s, want %s (refused by %s: %s)", c->name,
                     las_status_name(st), las_status_name(c->want), v.check ? v.check : "-",
                     v.reason);
        assert_int_equal(v.status, st);
        check_verdict(c->name, &v, c->refused);
        if (c->check) {
            const struct las_check *chk = find_check(&v, c->check);
            assert_non_null(chk);
            if (chk->outcome != c->outcome)
                fail_msg("case '%s': check %s is %s, want %s (%s)", c->name, c->check,
                         las_check_outcome_name(chk->outcome), las_check_outcome_name(c->outcome),
                         chk->reason);
        }
    }
}

/* Malformed policies: each error names its line and column (from 1). */
struct bad_case {
    const char *yaml;
    size_t line, column;
    const char *message; /* a substring of the error */
};

static const struct bad_case bad_cases[] = {
    {"platfroms: [" OTHER "]\n", 1, 1, "unknown key 'platfroms'"},
    {"attestation:\n  mrenclav: [" HEX_A "]\n", 2, 3, "unknown key 'mrenclav' in attestation"},
    {"security:\n  tolerate: []\n  ignore: []\n", 3, 3, "unknown key 'ignore'"},
    {"platforms: " OTHER "\n", 1, 12, "platforms must be a list, found a scalar"},
    {"attestation: [1]\n", 1, 14, "attestation must be a mapping"},
    {"attestation:\n  max_age: \"10\"\n", 2, 12, "found a quoted string"},
    {"attestation:\n  max_age: ten\n", 2, 12, "must be a decimal number"},
    {"attestation:\n  max_age: 0\n", 2, 12, "out of range"},
    {"attestation:\n  max_age: 315360001\n", 2, 12, "out of range"},
    {"attestation:\n  signer: {mrsigner: " HEX_B ", isvsvn_min: 65536}\n", 2, 100, "out of range"},
    {"attestation:\n  signer: {mrsigner: " HEX_B ", isvprodid: -1}\n", 2, 99, "decimal number"},
    {"attestation:\n  signer: {mrsigner: " HEX_B ", isvsvn_min: 010}\n", 2, 100, "leading zeros"},
    {"attestation:\n  signer:\n    isvsvn_min: 3\n", 2, 3, "need mrsigner"},
    {"attestation:\n  signer: {mrsigner: " HEX_B ", isvsvn_min: 4, isvsvn_max: 3}\n", 2, 3,
     "isvsvn_min 4 is above isvsvn_max 3"},
    {"platforms:\n  - 777777777777777777777777777777777777777777777777777777777777777g\n", 2, 5,
     "'g' at position 64 is not a hex digit"},
    {"platforms:\n  - 77777777\n", 2, 5, "exactly 64 hex digits"},
    {"attestation:\n  signer:\n    mrsigner: 0xbbbb\n", 3, 15, "exactly 64 hex digits"},
    {"attestation:\n  report_data: abc\n", 2, 16, "even number of hex digits"},
    {"attestation:\n  report_data: " HEX_A HEX_A "00\n", 2, 16, "at most 128"},
    {"attestation:\n  report_data: zz\n", 2, 16, "not a hex digit"},
    {"name: a\nname: b\n", 2, 1, "duplicate key 'name'"},
    {"attestation:\n  max_age: 1\n  max_age: 2\n", 3, 3, "duplicate key 'max_age'"},
    {"security:\n  tolerate: [debug]\n", 2, 14, "unknown toleration 'debug'"},
    {"security:\n  tolerate: [Simulation]\n", 2, 14, "unknown toleration"},
    {"security:\n  ignore_advisories: [SA-00334]\n", 2, 23, "not an Intel advisory ID"},
    {"security:\n  ignore_advisories: [INTEL-SA-334]\n", 2, 23, "not an Intel advisory ID"},
    {"", 1, 1, "empty policy"},
    {"# only a comment\n", 2, 1, "empty policy"},
    {"- a\n- b\n", 1, 1, "must be a mapping (key: value), found a list"},
    {"just a string\n", 1, 1, "found a scalar"},
    {"---\n", 2, 1, "found an empty value"},
    {"platforms: []\n", 1, 12, "must not be empty"},
    {"attestation:\n  mrenclave: []\n", 2, 14, "must not be empty"},
    {"name:\n", 1, 6, "found an empty value"},
    {"name: \"a\\tb\"\n", 1, 7, "control characters"},
    {"version: 2\n", 1, 10, "unsupported policy version"},
    {"version: \"1\"\n", 1, 10, "quoted string"},
    {"name: &n x\n", 1, 7, "anchors"},
    {"name: !!str x\n", 1, 7, "tags"},
    {"name: x\n---\nname: y\n", 2, 1, "one YAML document"},
    {"platforms: [\n", 2, 1, "YAML syntax error"},
    {"attestation:\n  max_age: 5\n max_age: 6\n", 3, 2, "YAML syntax error"},
    {"? [a]\n: b\n", 1, 3, "keys in the policy must be names"},
    {"\"name\\0x\": a\n", 1, 1, "unknown key"},
    {"security:\n  tolerate: simulation\n", 2, 13, "security.tolerate must be a list"},
    {"attestation:\n  nonce: yes\n", 2, 10, "must be exact or prefix"},
    {"evidence:\n  las_mrsigner: abcd\n", 2, 17, "exactly 64 hex digits"},
    {"evidence:\n  sim_roots: []\n", 2, 14, "must not be empty"},
    {"evidence:\n  sim_root: [" HEX_A "]\n", 2, 3, "unknown key 'sim_root' in evidence"},
    {"platforms: [" OTHER "]\nfollow_successions: \"true\"\n", 2, 21, "true or false"},
};

static void test_malformed_table(void **state)
{
    static struct las_policy pol;
    struct las_policy_error err;
    size_t failures = 0;
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        memset(&pol, 0xee, sizeof pol);
        las_status st = las_policy_load((const uint8_t *)c->yaml, strlen(c->yaml), &pol, &err);
        if (st != LAS_ERR_MALFORMED || err.line != c->line || err.column != c->column ||
            strstr(err.message, c->message) == NULL) {
            print_error("case %zu (%s): status %s at %zu:%zu '%s', want %zu:%zu '%s'\n", i, c->yaml,
                        las_status_name(st), err.line, err.column, err.message, c->line, c->column,
                        c->message);
            failures++;
        }
        /* The output is zeroed on failure: nothing half-parsed leaks out. */
        assert_int_equal(pol.n_platforms, 0);
        assert_int_equal(pol.tolerate, 0);
        assert_int_equal(pol.name[0], 0);
    }
    assert_int_equal(failures, 0);
}

/* "platforms:\n  - ID\n" n times: the entry beyond the maximum is named. */
static void test_too_many_entries(void **state)
{
    static char yaml[16 * 1024];
    static struct las_policy pol;
    struct las_policy_error err;
    size_t o = 0;
    (void)state;
    o += (size_t)snprintf(yaml, sizeof yaml, "platforms:\n");
    for (int i = 0; i <= LAS_POLICY_MAX_PLATFORMS; i++)
        o += (size_t)snprintf(yaml + o, sizeof yaml - o, "  - %064x\n", i);
    assert_int_equal(las_policy_load((const uint8_t *)yaml, o, &pol, &err), LAS_ERR_MALFORMED);
    assert_int_equal(err.line, LAS_POLICY_MAX_PLATFORMS + 2);
    assert_int_equal(err.column, 5);
    assert_non_null(strstr(err.message, "too many entries (at most 64)"));
    /* Exactly the maximum is fine. */
    char *last =
        strstr(yaml, "  - 0000000000000000000000000000000000000000000000000000000000000040");
    assert_non_null(last);
    assert_int_equal(las_policy_load((const uint8_t *)yaml, (size_t)(last - yaml), &pol, &err),
                     LAS_OK);
    assert_int_equal(pol.n_platforms, LAS_POLICY_MAX_PLATFORMS);
    assert_int_equal(pol.platforms[63][31], 63);

    o = (size_t)snprintf(yaml, sizeof yaml, "security:\n  ignore_advisories:\n");
    for (int i = 0; i <= LAS_POLICY_MAX_ADVISORIES; i++)
        o += (size_t)snprintf(yaml + o, sizeof yaml - o, "    - INTEL-SA-%05d\n", i);
    assert_int_equal(las_policy_load((const uint8_t *)yaml, o, &pol, &err), LAS_ERR_MALFORMED);
    assert_int_equal(err.line, LAS_POLICY_MAX_ADVISORIES + 3);
    assert_int_equal(err.column, 7);

    o = (size_t)snprintf(yaml, sizeof yaml, "attestation:\n  mrenclave:\n");
    for (int i = 0; i <= LAS_POLICY_MAX_MRENCLAVES; i++)
        o += (size_t)snprintf(yaml + o, sizeof yaml - o, "    - %064x\n", i);
    assert_int_equal(las_policy_load((const uint8_t *)yaml, o, &pol, &err), LAS_ERR_MALFORMED);
    assert_int_equal(err.line, LAS_POLICY_MAX_MRENCLAVES + 3);
}

static void test_too_large_and_arguments(void **state)
{
    static uint8_t big[LAS_POLICY_MAX_SIZE + 1];
    static struct las_policy pol;
    struct las_policy_error err;
    (void)state;
    memset(big, '#', sizeof big);
    assert_int_equal(las_policy_load(big, sizeof big, &pol, &err), LAS_ERR_BAD_SIZE);
    assert_non_null(strstr(err.message, "too large"));
    assert_int_equal(las_policy_load(big, sizeof big - 1, &pol, &err), LAS_ERR_MALFORMED);
    assert_int_equal(las_policy_load(NULL, 0, &pol, NULL), LAS_ERR_MALFORMED);
    assert_int_equal(las_policy_load((const uint8_t *)"{}", 2, NULL, &err),
                     LAS_ERR_INVALID_ARGUMENT);
    assert_int_equal(las_policy_load_file("/nonexistent/policy.yaml", &pol, &err), LAS_ERR_IO);
}

/* A full policy lands in the struct field by field. */
static void test_fields_parsed(void **state)
{
    static struct las_policy pol;
    struct las_policy_error err;
    const char *yaml = "version: 1\n"
                       "name: production payments\n"
                       "platforms:\n  - " OTHER "\n"
                       "attestation:\n"
                       "  mrenclave: [" HEX_A ", " HEX_C "]\n"
                       "  signer:\n"
                       "    mrsigner: " HEX_B "\n"
                       "    isvprodid: 65535\n"
                       "    isvsvn_min: 0\n"
                       "    isvsvn_max: 65535\n"
                       "  report_data: \"\"\n"
                       "  nonce: exact\n"
                       "  max_age: 315360000\n"
                       "follow_successions: true\n"
                       "evidence:\n"
                       "  las_mrsigner: " HEX_C "\n"
                       "  las_mrenclave: " HEX_A "\n"
                       "  sim_roots: [" ROOT_E "]\n"
                       "security:\n"
                       "  tolerate: [debug-mode, simulation, outdated-tcb,\n"
                       "             software-hardening-needed, configuration-needed,\n"
                       "             unknown-tcb]\n"
                       "  ignore_advisories: [INTEL-SA-00615]\n";
    (void)state;
    assert_int_equal(las_policy_load((const uint8_t *)yaml, strlen(yaml), &pol, &err), LAS_OK);
    assert_string_equal(pol.name, "production payments");
    assert_int_equal(pol.version, 1);
    assert_int_equal(pol.n_platforms, 1);
    assert_int_equal(pol.platforms[0][0], 0x77);
    assert_int_equal(pol.n_mrenclaves, 2);
    assert_int_equal(pol.mrenclaves[1][31], 0xcc);
    assert_true(pol.has_mrsigner && pol.mrsigner[5] == 0xbb);
    assert_true(pol.has_isvprodid && pol.isvprodid == 65535);
    assert_true(pol.has_isvsvn_min && pol.isvsvn_min == 0);
    assert_true(pol.has_isvsvn_max && pol.isvsvn_max == 65535);
    assert_true(pol.has_report_data);
    for (int i = 0; i < 64; i++)
        assert_int_equal(pol.report_data[i], 0);
    assert_true(pol.has_max_age && pol.max_age == 315360000);
    assert_int_equal(pol.nonce, LAS_NONCE_EXACT);
    assert_true(pol.follow_successions);
    assert_true(pol.has_las_mrsigner && pol.las_mrsigner[0] == 0xcc);
    assert_true(pol.has_las_mrenclave && pol.las_mrenclave[31] == 0xaa);
    assert_int_equal(pol.n_sim_roots, 1);
    assert_int_equal(pol.sim_roots[0][7], 0xee);
    struct las_evidence_options eo;
    las_policy_evidence_options(&pol, &eo);
    assert_true(eo.allow_simulation && eo.follow_successions && eo.allow_unknown_tcb);
    assert_ptr_equal(eo.las_mrsigner, pol.las_mrsigner);
    assert_int_equal(eo.n_platforms, 1);
    assert_int_equal(eo.n_sim_roots, 1);
    assert_int_equal(pol.tolerate, 0x3f);
    assert_int_equal(pol.n_ignore_advisories, 1);
    assert_string_equal(pol.ignore_advisories[0], "INTEL-SA-00615");
    assert_string_equal(las_policy_toleration_name(LAS_TOLERATE_OUTDATED_TCB), "outdated-tcb");
    assert_string_equal(las_policy_toleration_name(LAS_TOLERATE_UNKNOWN_TCB), "unknown-tcb");
    assert_null(las_policy_toleration_name(1u << 20));
    /* Without the toleration, evidence is verified fail-closed. */
    pol.tolerate &= ~(uint32_t)LAS_TOLERATE_UNKNOWN_TCB;
    las_policy_evidence_options(&pol, &eo);
    assert_false(eo.allow_unknown_tcb);
}

/*
 * Hardware evidence verified without collateral: the refusal says what to
 * supply or tolerate, and the toleration is named in the accepted verdict.
 */
static void test_unknown_tcb_explained(void **state)
{
    static struct las_policy pol;
    static struct las_verdict v;
    static struct las_evidence_result ev;
    uint8_t quote[LAS_QUOTE_SIZE];
    char yaml[512];
    (void)state;
    make_quote(Q_DEFAULT, quote);
    struct las_verify_args args = {.now = NOW, .evidence = make_evidence(F_NO_COLLATERAL, 0, &ev)};
    expand(PINNED LAS_PIN, yaml, sizeof yaml);
    assert_int_equal(las_policy_load((const uint8_t *)yaml, strlen(yaml), &pol, NULL), LAS_OK);
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "tcb");
    assert_non_null(strstr(v.reason, "TCB status Unknown"));
    assert_non_null(strstr(v.reason, "--collateral FILE"));
    assert_non_null(strstr(v.reason, "unknown-tcb"));
    assert_non_null(strstr(v.reason, "--allow-unknown-tcb"));
    pol.tolerate |= LAS_TOLERATE_UNKNOWN_TCB;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_OK);
    const struct las_check *tcb = find_check(&v, "tcb");
    assert_int_equal(tcb->outcome, LAS_CHECK_PASS);
    assert_non_null(strstr(tcb->reason, "TCB status Unknown"));
    assert_non_null(strstr(tcb->reason, "tolerated (unknown-tcb)"));
    assert_int_equal(find_check(&v, "advisories")->outcome, LAS_CHECK_SKIPPED);
}

/*
 * Every truncation and many single-byte changes of a full policy either load
 * or fail with a position and a message (run under the sanitizers in CI).
 */
static void test_mutations(void **state)
{
    static const char full[] = "version: 1\n"
                               "name: \"prod\"\n"
                               "platforms: [" OTHER "]\n"
                               "attestation:\n"
                               "  mrenclave:\n    - " HEX_A "\n"
                               "  signer: {mrsigner: " HEX_B ", isvprodid: 1, isvsvn_min: 3}\n"
                               "  report_data: '0011'\n"
                               "  max_age: 60\n"
                               "security:\n"
                               "  tolerate: [simulation]\n"
                               "  ignore_advisories: [INTEL-SA-00334]\n";
    static const char replacements[] = {':', ' ', '-', '[', ']',  '{', '}', 'x',  '\n',
                                        '"', '&', '*', '!', '\t', '#', '0', '\0', '\xff'};
    static struct las_policy pol;
    struct las_policy_error err;
    char buf[sizeof full];
    size_t accepted = 0, refused = 0;
    (void)state;
    for (size_t len = 0; len < sizeof full; len++) {
        las_status st = las_policy_load((const uint8_t *)full, len, &pol, &err);
        assert_true(st == LAS_OK || (st == LAS_ERR_MALFORMED && err.line >= 1 && err.column >= 1 &&
                                     err.message[0] != '\0'));
    }
    for (size_t i = 0; i < sizeof full - 1; i++) {
        for (size_t r = 0; r < sizeof replacements; r++) {
            memcpy(buf, full, sizeof full);
            buf[i] = replacements[r];
            las_status st = las_policy_load((const uint8_t *)buf, sizeof full - 1, &pol, &err);
            if (st == LAS_OK) {
                accepted++;
                continue;
            }
            assert_int_equal(st, LAS_ERR_MALFORMED);
            assert_true(err.line >= 1 && err.line <= 14 && err.column >= 1);
            assert_true(err.message[0] != '\0');
            refused++;
        }
    }
    assert_int_equal(las_policy_load((const uint8_t *)full, sizeof full - 1, &pol, &err), LAS_OK);
    assert_true(accepted > 0 && refused > accepted);
}

static void test_verify_arguments(void **state)
{
    static struct las_policy pol;
    static struct las_verdict v;
    static struct las_evidence_result ev;
    uint8_t quote[LAS_QUOTE_SIZE], nonce[LAS_NONCE_MAX + 1] = {0};
    (void)state;
    assert_int_equal(las_policy_load((const uint8_t *)"{}", 2, &pol, NULL), LAS_OK);
    make_quote(Q_DEFAULT, quote);
    struct las_verify_args args = {.now = NOW};
    assert_int_equal(las_quote_verify(NULL, quote, sizeof quote, &args, &v),
                     LAS_ERR_INVALID_ARGUMENT);
    assert_string_equal(v.check, "arguments");
    args.now = -1;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v),
                     LAS_ERR_INVALID_ARGUMENT);
    args.now = NOW;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, NULL),
                     LAS_ERR_INVALID_ARGUMENT);
    args.nonce = nonce;
    args.nonce_len = LAS_NONCE_MAX + 1;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v),
                     LAS_ERR_INVALID_ARGUMENT);
    args.nonce_len = 0;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v),
                     LAS_ERR_INVALID_ARGUMENT);
    /* The empty policy, from YAML or las_policy_init, trusts nothing. */
    args.nonce = NULL;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "platform");
    las_policy_init(&pol);
    pol.tolerate = ~0u;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "platform");
    /* A zeroed evidence result (never verified) vouches for nothing, even with a matching ID. */
    memset(&ev, 0, sizeof ev);
    memcpy(ev.platform_id, fx->key.public_key, 32);
    args.evidence = &ev;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    assert_string_equal(v.check, "evidence");
    assert_int_equal(find_check(&v, "platform")->outcome, LAS_CHECK_FAIL);
    /* A policy struct that was never initialized (version 0) is refused as an argument. */
    memset(&pol, 0, sizeof pol);
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, NULL, &v),
                     LAS_ERR_INVALID_ARGUMENT);
}

/* attestation.nonce: the verifier's nonce, supplied at verification time. */
static void test_nonce(void **state)
{
    static const struct {
        const char *policy;
        const char *nonce; /* hex, NULL for none */
        const char *refused;
    } cases[] = {
        {PINNED, NULL, NULL},
        {PINNED, "0102", NULL}, /* given but not required: not checked */
        {PINNED "attestation: {nonce: prefix}\n", "0102", NULL},
        {PINNED "attestation: {nonce: prefix}\n", "01", NULL},
        {PINNED "attestation: {nonce: prefix}\n", "0103", "nonce"},
        {PINNED "attestation: {nonce: prefix}\n", "02", "nonce"},
        {PINNED "attestation: {nonce: prefix}\n", NULL, "nonce"},
        {PINNED "attestation: {nonce: exact}\n", "0102", NULL},
        {PINNED "attestation: {nonce: exact}\n", "010200", NULL},
        {PINNED "attestation: {nonce: exact}\n", "01", "nonce"},
        {PINNED "attestation: {nonce: exact}\n", NULL, "nonce"},
        {PINNED "attestation: {nonce: exact, report_data: \"0103\"}\n", "0102", "report_data"},
    };
    static struct las_policy pol;
    static struct las_verdict v;
    char yaml[512];
    uint8_t quote[LAS_QUOTE_SIZE], nonce[LAS_NONCE_MAX];
    (void)state;
    make_quote(Q_DEFAULT, quote);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct las_verify_args args = {.now = NOW};
        expand(cases[i].policy, yaml, sizeof yaml);
        assert_int_equal(las_policy_load((const uint8_t *)yaml, strlen(yaml), &pol, NULL), LAS_OK);
        if (cases[i].nonce) {
            args.nonce_len = strlen(cases[i].nonce) / 2;
            assert_int_equal(las_hex_decode(cases[i].nonce, nonce, args.nonce_len), LAS_OK);
            args.nonce = nonce;
        }
        las_status st = las_quote_verify(&pol, quote, sizeof quote, &args, &v);
        print_message("nonce case %zu: %s\n", i, v.check ? v.reason : "accepted");
        assert_int_equal(st, cases[i].refused ? LAS_ERR_REFUSED : LAS_OK);
        check_verdict(cases[i].policy, &v, cases[i].refused);
    }
}

/* A succession chain as a verified evidence result of this platform carries it. */
static void chain_evidence(struct las_evidence_result *ev, const uint8_t (*ids)[32], size_t n,
                           const uint8_t *platform)
{
    memset(ev, 0, sizeof *ev);
    ev->verified = true;
    ev->anchor = LAS_ANCHOR_INTEL_ROOT;
    ev->dcap.tcb_status = LAS_TCB_UP_TO_DATE; /* verified with collateral */
    memset(ev->las.mrsigner, 0xaa, 32);       /* the LAS enclave LAS_PIN pins */
    memcpy(ev->platform_id, platform, 32);
    for (size_t i = 0; i + 1 < n; i++) {
        memcpy(ev->successions[i].old_id, ids[i], 32);
        memcpy(ev->successions[i].new_id, ids[i + 1], 32);
    }
    ev->n_successions = n ? n - 1 : 0;
}

/* follow_successions: B is trusted as the verified successor of a pinned A. */
static void test_follow_successions(void **state)
{
    static struct las_policy pol;
    static struct las_verdict v;
    static struct las_evidence_result ev;
    uint8_t quote[LAS_QUOTE_SIZE], ids[3][32];
    char yaml[1024];
    (void)state;
    make_quote(Q_DEFAULT, quote);
    memset(ids[0], 0xa1, 32); /* A, pinned */
    memset(ids[1], 0xa2, 32); /* an intermediate ID */
    memcpy(ids[2], fx->key.public_key, 32);
    snprintf(yaml, sizeof yaml, "platforms: [%s]\nfollow_successions: true\n" LAS_PIN,
             "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1");
    assert_int_equal(las_policy_load((const uint8_t *)yaml, strlen(yaml), &pol, NULL), LAS_OK);
    assert_true(pol.follow_successions);
    struct las_verify_args args = {.now = NOW, .evidence = &ev};

    /* A chain of two updates: A -> A2 -> this platform. */
    chain_evidence(&ev, (const uint8_t(*)[32])ids, 3, fx->key.public_key);
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_OK);
    check_verdict("two updates", &v, NULL);
    assert_true(v.successor);
    assert_memory_equal(v.predecessor, ids[0], 32);
    assert_int_equal(v.succession_steps, 2);
    assert_non_null(strstr(find_check(&v, "platform")->reason, "successor of pinned platform ID"));

    /* Without a LAS pin the hardware evidence, and so its chain, counts for nothing. */
    pol.has_las_mrsigner = false;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    check_verdict("no LAS pin", &v, "evidence");
    assert_non_null(strstr(v.reason, "LAS enclave not pinned"));
    assert_false(v.successor);
    pol.has_las_mrsigner = true;

    /* The same without follow_successions: the pin alone decides. */
    pol.follow_successions = false;
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    check_verdict("not followed", &v, "platform");
    assert_false(v.successor);
    pol.follow_successions = true;

    /* A chain that starts at an untrusted ID: A2 -> this platform. */
    chain_evidence(&ev, (const uint8_t(*)[32])ids + 1, 2, fx->key.public_key);
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    check_verdict("untrusted start", &v, "platform");
    assert_non_null(strstr(v.reason, "no succession from one of them"));

    /* Evidence for another platform, with a chain from A to it. */
    uint8_t other[2][32];
    memcpy(other[0], ids[0], 32);
    memset(other[1], 0x77, 32);
    chain_evidence(&ev, (const uint8_t(*)[32])other, 2, other[1]);
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    check_verdict("another platform", &v, "evidence");
    assert_int_equal(find_check(&v, "platform")->outcome, LAS_CHECK_FAIL);

    /* A downgrade has no statement: evidence without a chain. */
    chain_evidence(&ev, (const uint8_t(*)[32])ids + 2, 1, fx->key.public_key);
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    check_verdict("downgrade", &v, "platform");

    /* A refused evidence result (a forged chain) carries nothing. */
    chain_evidence(&ev, (const uint8_t(*)[32])ids, 3, fx->key.public_key);
    ev.verified = false;
    ev.status = LAS_ERR_SIGNATURE;
    ev.check = "succession";
    assert_int_equal(las_quote_verify(&pol, quote, sizeof quote, &args, &v), LAS_ERR_REFUSED);
    check_verdict("forged chain", &v, "evidence");
    assert_int_equal(find_check(&v, "platform")->outcome, LAS_CHECK_FAIL);

    /* follow_successions without platforms is refused when loading. */
    struct las_policy_error err;
    assert_int_equal(las_policy_load((const uint8_t *)"follow_successions: true\n", 25, &pol, &err),
                     LAS_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "needs platforms"));
    assert_int_equal(las_policy_load((const uint8_t *)"follow_successions: yes\n", 24, &pol, &err),
                     LAS_ERR_MALFORMED);
}

static void test_rfc3339(void **state)
{
    static const struct {
        const char *text;
        las_status want;
        int64_t value;
    } cases[] = {
        {"1970-01-01T00:00:00Z", LAS_OK, 0},
        {"2027-01-15T08:00:00Z", LAS_OK, 1800000000},
        {"2027-01-15T09:00:00+01:00", LAS_OK, 1800000000},
        {"2027-01-15t07:30:00.999-00:30", LAS_OK, 1800000000},
        {"2024-02-29T00:00:00Z", LAS_OK, 1709164800},
        {"2023-02-29T00:00:00Z", LAS_ERR_INVALID_ARGUMENT, 0},
        {"2027-01-15T08:00:00", LAS_ERR_INVALID_ARGUMENT, 0},
        {"2027-01-15", LAS_ERR_INVALID_ARGUMENT, 0},
        {"2027-13-01T00:00:00Z", LAS_ERR_INVALID_ARGUMENT, 0},
        {"2027-01-15T24:00:00Z", LAS_ERR_INVALID_ARGUMENT, 0},
        {"1969-12-31T23:59:59Z", LAS_ERR_INVALID_ARGUMENT, 0},
        {"2027-01-15T08:00:00Zjunk", LAS_ERR_INVALID_ARGUMENT, 0},
        {"1800000000", LAS_ERR_INVALID_ARGUMENT, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = -1;
        las_status st = las_rfc3339_parse(cases[i].text, &t);
        if ((st == LAS_OK) != (cases[i].want == LAS_OK) || (st == LAS_OK && t != cases[i].value))
            fail_msg("%s: %s %lld", cases[i].text, las_status_name(st), (long long)t);
    }
}

static int setup(void **state)
{
    char why[256];
    struct las_sgx_targetinfo ti;
    struct las_sgx_report report;
    struct las_sim_identity id = {.isvprodid = 7, .isvsvn = 5};
    uint8_t rd[64] = {0x01, 0x02};
    (void)state;
    if ((fx = calloc(1, sizeof *fx)) == NULL || (fx->dir = test_tmpdir()) == NULL)
        return -1;
    struct las_backend_sim_config cfg = {test_dir(fx->dir), NULL, -1};
    if (las_backend_sim_open(&cfg, &fx->backend, why, sizeof why) != LAS_OK ||
        las_platform_key_derive(fx->backend, fx->backend->identity.cpusvn,
                                fx->backend->identity.isvsvn, &fx->key) != LAS_OK)
        return -1;
    memset(id.mrenclave, 0xaa, 32);
    memset(id.mrsigner, 0xbb, 32);
    if (fx->backend->ops->target_info(fx->backend, &ti) != LAS_OK ||
        las_sim_enclave_report(fx->dir, &id, &ti, rd, &report, why, sizeof why) != LAS_OK)
        return -1;
    fx->body = report.body;
    las_platform_id_format(fx->key.public_key, fx->pid);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    las_backend_close(fx->backend);
    las_wipe(&fx->key, sizeof fx->key);
    test_tmpdir_free(fx->dir);
    free(fx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evaluation_table),
        cmocka_unit_test(test_malformed_table),
        cmocka_unit_test(test_too_many_entries),
        cmocka_unit_test(test_too_large_and_arguments),
        cmocka_unit_test(test_fields_parsed),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_verify_arguments),
        cmocka_unit_test(test_nonce),
        cmocka_unit_test(test_follow_successions),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_unknown_tcb_explained),
    };
    if (las_crypto_init() != LAS_OK)
        return 1;
    return cmocka_run_group_tests(tests, setup, teardown);
}
