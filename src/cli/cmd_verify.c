/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `las verify`: the flags and the policy file compile into one struct
 * las_policy, las_quote_verify decides, and the verdict lists every rule.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/rfc3339.h"
#include "las/evidence.h"
#include "las/policy.h"
#include "las/verifier.h"

#define MAX_LIST 64

static void verify_usage(void)
{
    printf("usage: las verify QUOTE [OPTIONS]\n"
           "Verifies the LAS quote in file QUOTE against a policy: the YAML file of --policy\n"
           "and the flags below, which tighten it (docs/verifier.md). Trusts nothing by\n"
           "default: the platform must be pinned (--platform, a policy's platforms), the\n"
           "verified successor of a pinned one (--follow-successions with --evidence), or,\n"
           "when none is pinned, vouched for by its evidence (--evidence).\n"
           "Any one of QUOTE and the files of --policy, --evidence, --collateral may be '-':\n"
           "stdin.\n\n"
           "  --policy FILE         the YAML policy (docs/policy.md)\n"
           "  --platform ID         trust this platform ID (repeatable)\n"
           "  --follow-successions  also trust verified successors of the pinned IDs\n"
           "  --mrenclave HEX       accept only these MRENCLAVEs (repeatable)\n"
           "  --mrsigner HEX        require this MRSIGNER\n"
           "  --report-data HEX     require this report data (zero padded to 64 bytes)\n"
           "  --nonce HEX           the nonce you chose for this quote: the report data must\n"
           "                        start with it (or equal it: attestation.nonce: exact)\n"
           "  --max-age SECONDS     the oldest quote accepted (default %d)\n"
           "  --allow-simulation    tolerate a simulated LAS (no security)\n"
           "  --allow-debug         tolerate debug-mode enclaves\n"
           "  --at RFC3339          evaluation time (default: now)\n"
           "  --evidence FILE       the platform's evidence (las evidence), verified first\n"
           "  --collateral FILE     DCAP collateral for the evidence's TCB status (without it\n"
           "                        hardware evidence is refused: its TCB status is unknown)\n"
           "  --allow-unknown-tcb   accept hardware evidence without collateral (TCB status\n"
           "                        Unknown; as security.tolerate: unknown-tcb)\n"
           "  --las-mrsigner HEX    the LAS enclave the evidence must come from, by MRSIGNER\n"
           "  --las-mrenclave HEX   or by MRENCLAVE (needed for hardware evidence)\n"
           "  --sim-root FILE|PIN   trust this simulated root CA for simulated evidence\n"
           "                        (sim-qe-root-ca.pem of that LAS, or its pin); repeatable\n"
           "  --json                print the verdict as JSON\n\n"
           "Exit codes: 0 verified, 1 refused, 2 usage error (also a malformed policy),\n"
           "3 I/O error. `las inspect` decodes a quote without verifying it.\n",
           LAS_POLICY_DEFAULT_MAX_AGE);
}

/* Everything the command line says, before it becomes a policy. */
struct verify_flags {
    uint8_t platforms[MAX_LIST][32], mrenclaves[MAX_LIST][32];
    size_t n_platforms, n_mrenclaves;
    bool has_mrsigner, has_report_data, has_max_age, has_las_mrsigner, has_las_mrenclave;
    uint8_t mrsigner[32], report_data[64], las_mrsigner[32], las_mrenclave[32];
    uint64_t max_age;
    uint8_t nonce[LAS_NONCE_MAX];
    size_t nonce_len; /* 0: no --nonce */
    uint8_t sim_roots[LAS_POLICY_MAX_SIM_ROOTS][32];
    size_t n_sim_roots;
    bool allow_simulation, allow_debug, allow_unknown_tcb, follow_successions, json, have_at;
    int64_t at;
    const char *policy_path, *evidence_path, *collateral_path;
};

enum {
    O_PLATFORM = 1,
    O_MRE,
    O_MRS,
    O_RD,
    O_NONCE,
    O_MAX_AGE,
    O_SIM,
    O_DEBUG,
    O_FOLLOW,
    O_JSON,
    O_POLICY,
    O_AT,
    O_EVIDENCE,
    O_COLL,
    O_LMRS,
    O_LMRE,
    O_SIM_ROOT,
    O_UNKNOWN_TCB,
};

static int add_id(uint8_t (*list)[32], size_t *n, const char *hex, const char *flag)
{
    if (*n == MAX_LIST)
        return las_cli_usage_error("verify", "at most %d %s", MAX_LIST, flag);
    if (las_hex_decode(hex, list[*n], 32) != LAS_OK)
        return las_cli_usage_error("verify", "%s needs 64 hex digits", flag);
    (*n)++;
    return LAS_EXIT_OK;
}

static int set_hash(uint8_t out[32], bool *has, const char *hex, const char *flag)
{
    if (las_hex_decode(hex, out, 32) != LAS_OK)
        return las_cli_usage_error("verify", "%s needs 64 hex digits", flag);
    *has = true;
    return LAS_EXIT_OK;
}

static int set_nonce(struct verify_flags *f, const char *hex)
{
    size_t len = strlen(hex);
    if (len == 0 || len % 2 != 0 || len / 2 > LAS_NONCE_MAX ||
        las_hex_decode(hex, f->nonce, len / 2) != LAS_OK)
        return las_cli_usage_error("verify", "--nonce needs 2 to 128 hex digits, an even number");
    f->nonce_len = len / 2;
    return LAS_EXIT_OK;
}

static int set_max_age(struct verify_flags *f, const char *text)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || v < 1 || v > LAS_POLICY_MAX_AGE_LIMIT)
        return las_cli_usage_error("verify", "--max-age needs seconds, 1 to %llu",
                                   (unsigned long long)LAS_POLICY_MAX_AGE_LIMIT);
    f->max_age = v;
    f->has_max_age = true;
    return LAS_EXIT_OK;
}

/* The options that become policy rules about the quote. */
static int quote_option(int c, struct verify_flags *f)
{
    switch (c) {
    case O_PLATFORM:
        return add_id(f->platforms, &f->n_platforms, optarg, "--platform");
    case O_MRE:
        return add_id(f->mrenclaves, &f->n_mrenclaves, optarg, "--mrenclave");
    case O_MRS:
        return set_hash(f->mrsigner, &f->has_mrsigner, optarg, "--mrsigner");
    case O_RD:
        if (las_cli_hex_padded(optarg, f->report_data, sizeof f->report_data) != LAS_OK)
            return las_cli_usage_error("verify", "--report-data needs an even number of hex "
                                                 "digits, at most 128");
        f->has_report_data = true;
        return LAS_EXIT_OK;
    case O_NONCE:
        return set_nonce(f, optarg);
    case O_MAX_AGE:
        return set_max_age(f, optarg);
    case O_SIM:
        f->allow_simulation = true;
        return LAS_EXIT_OK;
    case O_DEBUG:
        f->allow_debug = true;
        return LAS_EXIT_OK;
    case O_UNKNOWN_TCB:
        f->allow_unknown_tcb = true;
        return LAS_EXIT_OK;
    case O_FOLLOW:
        f->follow_successions = true;
        return LAS_EXIT_OK;
    default:
        return -1;
    }
}

/* The options about files, evidence and output. */
static int other_option(int c, struct verify_flags *f)
{
    switch (c) {
    case O_POLICY:
        f->policy_path = optarg;
        return LAS_EXIT_OK;
    case O_EVIDENCE:
        f->evidence_path = optarg;
        return LAS_EXIT_OK;
    case O_COLL:
        f->collateral_path = optarg;
        return LAS_EXIT_OK;
    case O_LMRS:
        return set_hash(f->las_mrsigner, &f->has_las_mrsigner, optarg, "--las-mrsigner");
    case O_LMRE:
        return set_hash(f->las_mrenclave, &f->has_las_mrenclave, optarg, "--las-mrenclave");
    case O_SIM_ROOT:
        return las_cli_add_sim_roots("verify", optarg, f->sim_roots, LAS_POLICY_MAX_SIM_ROOTS,
                                     &f->n_sim_roots);
    case O_AT:
        if (las_rfc3339_parse(optarg, &f->at) != LAS_OK || f->at <= 0)
            return las_cli_usage_error("verify", "--at needs an RFC 3339 time such as "
                                                 "2026-01-31T12:00:00Z");
        f->have_at = true;
        return LAS_EXIT_OK;
    case O_JSON:
        f->json = true;
        return LAS_EXIT_OK;
    default:
        return las_cli_usage_error("verify", "invalid option");
    }
}

/* Parses argv into f; -1 to go on, else the exit code to return now. */
static int parse_flags(int argc, char **argv, struct verify_flags *f)
{
    static const struct option opts[] = {
        {"platform", required_argument, NULL, O_PLATFORM},
        {"mrenclave", required_argument, NULL, O_MRE},
        {"mrsigner", required_argument, NULL, O_MRS},
        {"report-data", required_argument, NULL, O_RD},
        {"nonce", required_argument, NULL, O_NONCE},
        {"max-age", required_argument, NULL, O_MAX_AGE},
        {"allow-simulation", no_argument, NULL, O_SIM},
        {"allow-debug", no_argument, NULL, O_DEBUG},
        {"allow-unknown-tcb", no_argument, NULL, O_UNKNOWN_TCB},
        {"follow-successions", no_argument, NULL, O_FOLLOW},
        {"json", no_argument, NULL, O_JSON},
        {"policy", required_argument, NULL, O_POLICY},
        {"at", required_argument, NULL, O_AT},
        {"evidence", required_argument, NULL, O_EVIDENCE},
        {"collateral", required_argument, NULL, O_COLL},
        {"las-mrsigner", required_argument, NULL, O_LMRS},
        {"las-mrenclave", required_argument, NULL, O_LMRE},
        {"sim-root", required_argument, NULL, O_SIM_ROOT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'h') {
            verify_usage();
            return LAS_EXIT_OK;
        }
        if (c == '?' || c == ':')
            return las_cli_option_error("verify", c, argv);
        rc = quote_option(c, f);
        if (rc < 0)
            rc = other_option(c, f);
        if (rc != LAS_EXIT_OK)
            return rc;
    }
    if (optind + 1 != argc)
        return las_cli_usage_error("verify", "expected exactly one QUOTE file");
    if (f->collateral_path && f->evidence_path == NULL)
        return las_cli_usage_error("verify", "--collateral needs --evidence");
    const char *inputs[] = {argv[optind], f->policy_path, f->evidence_path, f->collateral_path};
    int from_stdin = 0;
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        from_stdin += inputs[i] != NULL && strcmp(inputs[i], "-") == 0;
    if (from_stdin > 1)
        return las_cli_usage_error("verify", "only one of QUOTE, --policy, --evidence and "
                                             "--collateral can be '-' (stdin)");
    return -1;
}

/* Keeps the entries of list that are also in flags; returns how many remain. */
static size_t intersect(uint8_t (*list)[32], size_t n, const uint8_t (*flags)[32], size_t n_flags)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n_flags; k++) {
            if (memcmp(list[i], flags[k], 32) == 0) {
                memmove(list[kept++], list[i], 32);
                break;
            }
        }
    }
    return kept;
}

/* A list flag tightens the policy's list: both must hold. 0 when nothing is left. */
static bool tighten_list(uint8_t (*list)[32], size_t *n, const uint8_t (*flags)[32], size_t n_flags)
{
    if (n_flags == 0)
        return true;
    if (*n == 0) {
        memcpy(list, flags, n_flags * 32);
        *n = n_flags;
        return true;
    }
    *n = intersect(list, *n, flags, n_flags);
    return *n > 0;
}

/* A value flag tightens the policy: it sets the value, or must agree with it. */
static bool tighten_value(uint8_t *value, bool *has, const uint8_t *flag, bool has_flag, size_t n)
{
    if (!has_flag)
        return true;
    if (*has && memcmp(value, flag, n) != 0)
        return false;
    memcpy(value, flag, n);
    *has = true;
    return true;
}

/*
 * The command line tightens the policy (or, without --policy, makes it): a
 * quote must satisfy both. Constraints no quote could satisfy together are
 * a usage error.
 */
static int merge_flags(struct las_policy *pol, const struct verify_flags *f)
{
    if (!tighten_list(pol->platforms, &pol->n_platforms, (const uint8_t(*)[32])f->platforms,
                      f->n_platforms))
        return las_cli_usage_error("verify", "no --platform is among the policy's platforms");
    if (!tighten_list(pol->mrenclaves, &pol->n_mrenclaves, (const uint8_t(*)[32])f->mrenclaves,
                      f->n_mrenclaves))
        return las_cli_usage_error("verify", "no --mrenclave is among the policy's values");
    if (!tighten_value(pol->mrsigner, &pol->has_mrsigner, f->mrsigner, f->has_mrsigner, 32) ||
        !tighten_value(pol->report_data, &pol->has_report_data, f->report_data, f->has_report_data,
                       64) ||
        !tighten_value(pol->las_mrsigner, &pol->has_las_mrsigner, f->las_mrsigner,
                       f->has_las_mrsigner, 32) ||
        !tighten_value(pol->las_mrenclave, &pol->has_las_mrenclave, f->las_mrenclave,
                       f->has_las_mrenclave, 32))
        return las_cli_usage_error("verify", "a flag contradicts the policy's value");
    if (f->has_max_age && (!pol->has_max_age || f->max_age < pol->max_age)) {
        pol->max_age = f->max_age;
        pol->has_max_age = true;
    }
    if (f->nonce_len > 0 && pol->nonce == LAS_NONCE_NONE)
        pol->nonce = LAS_NONCE_PREFIX;
    if (pol->n_sim_roots + f->n_sim_roots > LAS_POLICY_MAX_SIM_ROOTS)
        return las_cli_usage_error("verify", "at most %d simulated roots in all",
                                   LAS_POLICY_MAX_SIM_ROOTS);
    memcpy(pol->sim_roots[pol->n_sim_roots], f->sim_roots, f->n_sim_roots * 32);
    pol->n_sim_roots += f->n_sim_roots;
    pol->tolerate |= (f->allow_simulation ? LAS_TOLERATE_SIMULATION : 0) |
                     (f->allow_debug ? LAS_TOLERATE_DEBUG_MODE : 0) |
                     (f->allow_unknown_tcb ? LAS_TOLERATE_UNKNOWN_TCB : 0);
    pol->follow_successions = pol->follow_successions || f->follow_successions;
    if (pol->follow_successions && pol->n_platforms == 0)
        return las_cli_usage_error("verify", "--follow-successions needs --platform: it follows "
                                             "successions from pinned platform IDs");
    return LAS_EXIT_OK;
}

/* The policy file (or the empty policy) with the flags merged in; an exit code. */
static int compile_policy(const struct verify_flags *f, struct las_policy *pol)
{
    struct las_policy_error err;
    las_policy_init(pol);
    if (f->policy_path) {
        uint8_t *text = NULL;
        size_t len = 0;
        int rc = las_cli_read_input("verify", "policy file", f->policy_path, LAS_POLICY_MAX_SIZE,
                                    &text, &len);
        if (rc != LAS_EXIT_OK) /* too large: a bad policy, as a malformed one is */
            return rc == LAS_EXIT_REFUSED ? LAS_EXIT_USAGE : rc;
        las_status st = las_policy_load(text, len, pol, &err);
        free(text);
        if (st != LAS_OK) {
            fprintf(stderr, "las verify: %s:%zu:%zu: %s\n", f->policy_path, err.line, err.column,
                    err.message);
            return LAS_EXIT_USAGE;
        }
    }
    return merge_flags(pol, f);
}

/*
 * Verifies the evidence with the policy's trust configuration. A refusal is
 * kept in ev (the evaluator reports it); only I/O errors end the command.
 */
static int verify_evidence(const struct verify_flags *f, const struct las_policy *pol, int64_t at,
                           struct las_evidence_result *ev)
{
    uint8_t *doc = NULL, *coll = NULL;
    size_t doc_len = 0, coll_len = 0;
    struct las_evidence_options opt;
    int rc = las_cli_read_input("verify", "evidence file", f->evidence_path, LAS_EVIDENCE_MAX, &doc,
                                &doc_len);
    if (rc != LAS_EXIT_OK)
        goto out;
    if (f->collateral_path &&
        (rc = las_cli_read_input("verify", "collateral file", f->collateral_path,
                                 LAS_DCAP_COLLATERAL_MAX, &coll, &coll_len)) != LAS_EXIT_OK)
        goto out;
    rc = LAS_EXIT_IO;
    las_policy_evidence_options(pol, &opt);
    opt.collateral = coll;
    opt.collateral_len = coll_len;
    opt.at = at;
    if (las_evidence_verify(doc, doc_len, &opt, ev) == LAS_ERR_NO_MEMORY) {
        las_cli_error("out of memory");
        goto out;
    }
    rc = LAS_EXIT_OK;
out:
    free(doc);
    free(coll);
    return rc;
}

static void print_policy_name(const struct verify_flags *f, const struct las_policy *pol)
{
    if (f->policy_path == NULL)
        printf("policy:      (command-line flags)\n");
    else
        printf("policy:      %s%s%s%s\n", f->policy_path, pol->name[0] ? " (" : "", pol->name,
               pol->name[0] ? ")" : "");
}

static void print_text(const struct verify_flags *f, const struct las_policy *pol,
                       const struct las_verdict *v)
{
    char at[LAS_RFC3339_SIZE], old[LAS_PLATFORM_ID_HEX_SIZE], now[LAS_PLATFORM_ID_HEX_SIZE];
    las_rfc3339_format(v->evaluated_at, at);
    print_policy_name(f, pol);
    printf("evaluated:   %s\n", at);
    if (v->quote_valid)
        las_cli_print_quote(&v->quote);
    printf("checks:\n");
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct las_check *c = &v->checks[i];
        const char *mark = c->outcome == LAS_CHECK_PASS   ? "pass"
                           : c->outcome == LAS_CHECK_FAIL ? "FAIL"
                                                          : "skip";
        printf("  %-4s  %-11s  %s\n", mark, c->name, c->reason);
    }
    if (v->status == LAS_OK && v->successor) {
        las_platform_id_format(v->predecessor, old);
        las_platform_id_format(v->quote.platform_id, now);
        printf("successor:   %s accepted as the successor of %s (%zu succession(s))\n", now, old,
               v->succession_steps);
    }
    if (v->status == LAS_OK)
        printf("OK: quote verified\n");
    else
        las_cli_print_refusal(stdout, "", v->check, v->reason);
}

static void print_json(const struct verify_flags *f, const struct las_policy *pol,
                       const struct las_verdict *v)
{
    char at[LAS_RFC3339_SIZE], old[LAS_PLATFORM_ID_HEX_SIZE], now[LAS_PLATFORM_ID_HEX_SIZE];
    json_t *o = json_object(), *checks = json_array();
    las_rfc3339_format(v->evaluated_at, at);
    las_cli_json_verdict(o, v->status, v->check, v->reason);
    json_object_set_new(o, "policy",
                        json_pack("{s:s?,s:s?,s:i}", "file", f->policy_path, "name",
                                  pol->name[0] ? pol->name : NULL, "version", (int)pol->version));
    json_object_set_new(o, "evaluated_at", json_string(at));
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct las_check *c = &v->checks[i];
        json_array_append_new(checks,
                              json_pack("{s:s,s:s,s:s}", "name", c->name, "outcome",
                                        las_check_outcome_name(c->outcome), "reason", c->reason));
    }
    json_object_set_new(o, "checks", checks);
    if (v->status == LAS_OK && v->successor) {
        las_platform_id_format(v->predecessor, old);
        las_platform_id_format(v->quote.platform_id, now);
        json_object_set_new(o, "successor",
                            json_pack("{s:s,s:s,s:I}", "platform_id", now, "predecessor", old,
                                      "successions", (json_int_t)v->succession_steps));
    }
    if (v->quote_valid)
        json_object_set_new(o, "quote", las_cli_quote_json(&v->quote));
    las_cli_print_json(o);
}

/* Reads the quote; more than a quote is read so that the verifier reports the real size. */
static int read_quote(const char *path, uint8_t **buf, size_t *len)
{
    return las_cli_read_input("verify", "quote file", path, 64 * 1024, buf, len);
}

int las_cmd_verify(int argc, char **argv)
{
    static struct verify_flags f;
    static struct las_policy pol;
    static struct las_evidence_result ev;
    static struct las_verdict v;
    uint8_t *buf = NULL;
    size_t len = 0;
    memset(&f, 0, sizeof f);
    int rc = parse_flags(argc, argv, &f);
    if (rc >= 0)
        return rc;
    if ((rc = compile_policy(&f, &pol)) != LAS_EXIT_OK)
        return rc;
    struct las_verify_args args = {
        .now = f.have_at ? f.at : (int64_t)time(NULL),
        .nonce = f.nonce_len ? f.nonce : NULL,
        .nonce_len = f.nonce_len,
        .evidence = f.evidence_path ? &ev : NULL,
    };
    if (f.evidence_path && (rc = verify_evidence(&f, &pol, args.now, &ev)) != LAS_EXIT_OK)
        return rc;
    if ((rc = read_quote(argv[optind], &buf, &len)) != LAS_EXIT_OK)
        return rc;
    las_status st = las_quote_verify(&pol, buf, len, &args, &v);
    free(buf);
    if (f.json)
        print_json(&f, &pol, &v);
    else
        print_text(&f, &pol, &v);
    if (st == LAS_ERR_INVALID_ARGUMENT)
        return LAS_EXIT_USAGE;
    return st == LAS_OK ? LAS_EXIT_OK : LAS_EXIT_REFUSED;
}
