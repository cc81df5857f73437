/* SPDX-License-Identifier: Apache-2.0 */
/* `las verify`: verify a LAS quote and explain each refusal. */
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
           "Verifies the LAS quote in file QUOTE ('-' for stdin is not supported).\n\n"
           "  --platform ID         accept only these platform IDs (repeatable)\n"
           "  --mrenclave HEX       accept only these MRENCLAVEs (repeatable)\n"
           "  --mrsigner HEX        require this MRSIGNER\n"
           "  --report-data HEX     require this report data (zero padded to 64 bytes)\n"
           "  --allow-simulation    accept quotes of a simulated LAS (no security)\n"
           "  --allow-debug         accept debug-mode enclaves\n"
           "  --policy FILE         evaluate the YAML policy in FILE (docs/policy.md); the\n"
           "                        options above tighten it (--allow-* add tolerations)\n"
           "  --at RFC3339          evaluation time for the policy's max_age and the\n"
           "                        evidence's collateral (default: now)\n"
           "  --evidence FILE       with --policy: the platform's evidence (las evidence);\n"
           "                        verified first, it vouches for the platform and gives\n"
           "                        the TCB status the policy's tolerations judge\n"
           "  --collateral FILE     DCAP collateral for the evidence's TCB status\n"
           "  --las-mrsigner HEX    pin the LAS enclave of the evidence by MRSIGNER, or\n"
           "  --las-mrenclave HEX   by MRENCLAVE (needed for hardware evidence)\n"
           "  --json                print the result as JSON\n\n"
           "Exit codes: 0 verified, 1 refused, 2 usage error (also a malformed policy),\n"
           "3 I/O error.\n");
}

/* The quote's fields, one "name: value" line each (text output of verify and --policy). */
static void print_quote_fields(const struct las_quote *q)
{
    char id[65], mre[65], mrs[65];
    las_hex_encode(q->platform_id, 32, id, 1);
    las_hex_encode(q->body.mrenclave, 32, mre, 0);
    las_hex_encode(q->body.mrsigner, 32, mrs, 0);
    printf("platform_id: %s\nsimulated:   %s\nissued_at:   %llu\n"
           "mrenclave:   %s\nmrsigner:    %s\nisvprodid:   %u\nisvsvn:      %u\n"
           "debug:       %s\n",
           id, (q->flags & LAS_QUOTE_FLAG_SIMULATED) ? "yes" : "no",
           (unsigned long long)q->issued_at, mre, mrs, q->body.isvprodid, q->body.isvsvn,
           (q->body.attributes.flags & LAS_SGX_FLAGS_DEBUG) ? "yes" : "no");
}

static void print_text(const struct las_verify_result *res)
{
    /* A quote whose signature failed is not shown as if its fields meant anything. */
    bool forged = res->status != LAS_OK && res->check && strcmp(res->check, "signature") == 0;
    if (!forged && res->quote.version != 0)
        print_quote_fields(&res->quote);
    if (res->status == LAS_OK)
        printf("OK: quote verified\n");
    else
        printf("REFUSED (%s): %s\n", res->check ? res->check : "error", res->reason);
}

static json_t *quote_json(const struct las_quote *q)
{
    char id[65], mre[65], mrs[65], rd[129], cpusvn[33];
    las_hex_encode(q->platform_id, 32, id, 1);
    las_hex_encode(q->body.mrenclave, 32, mre, 0);
    las_hex_encode(q->body.mrsigner, 32, mrs, 0);
    las_hex_encode(q->body.report_data, 64, rd, 0);
    las_hex_encode(q->cpusvn, 16, cpusvn, 0);
    return json_pack("{s:s,s:b,s:I,s:s,s:I,s:s,s:s,s:i,s:i,s:b,s:s}", "platform_id", id,
                     "simulated", (q->flags & LAS_QUOTE_FLAG_SIMULATED) != 0, "issued_at",
                     (json_int_t)q->issued_at, "platform_cpusvn", cpusvn, "platform_isvsvn",
                     (json_int_t)q->isvsvn, "mrenclave", mre, "mrsigner", mrs, "isvprodid",
                     (int)q->body.isvprodid, "isvsvn", (int)q->body.isvsvn, "debug",
                     (q->body.attributes.flags & LAS_SGX_FLAGS_DEBUG) != 0, "report_data", rd);
}

static void print_json_object(json_t *o)
{
    char *text = json_dumps(o, JSON_INDENT(2));
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(o);
}

static void print_json(const struct las_verify_result *res)
{
    json_t *o = json_object();
    json_object_set_new(o, "verified", json_boolean(res->status == LAS_OK));
    if (res->status != LAS_OK) {
        json_object_set_new(o, "check", json_string(res->check ? res->check : "error"));
        json_object_set_new(o, "code", json_string(las_status_name(res->status)));
        json_object_set_new(o, "reason", json_string(res->reason));
    }
    if (res->quote.version != 0)
        json_object_set_new(o, "quote", quote_json(&res->quote));
    print_json_object(o);
}

static void print_policy_text(const char *path, const struct las_policy *pol,
                              const struct las_policy_verdict *v)
{
    char at[LAS_RFC3339_SIZE];
    las_rfc3339_format(v->evaluated_at, at);
    printf("policy:      %s%s%s%s\n", path, pol->name[0] ? " (" : "", pol->name,
           pol->name[0] ? ")" : "");
    printf("evaluated:   %s\n", at);
    if (v->quote_valid)
        print_quote_fields(&v->quote);
    printf("checks:\n");
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct las_policy_check *c = &v->checks[i];
        const char *mark = c->outcome == LAS_CHECK_PASS   ? "pass"
                           : c->outcome == LAS_CHECK_FAIL ? "FAIL"
                                                          : "skip";
        printf("  %-4s  %-11s  %s\n", mark, c->name, c->reason);
    }
    if (v->status == LAS_OK)
        printf("OK: quote verified\n");
    else
        printf("REFUSED (%s): %s\n", v->refused_by ? v->refused_by : "error", v->reason);
}

static void print_policy_json(const char *path, const struct las_policy *pol,
                              const struct las_policy_verdict *v)
{
    char at[LAS_RFC3339_SIZE];
    json_t *o = json_object(), *checks = json_array();
    las_rfc3339_format(v->evaluated_at, at);
    json_object_set_new(o, "verified", json_boolean(v->status == LAS_OK));
    if (v->status != LAS_OK) {
        json_object_set_new(o, "check", json_string(v->refused_by ? v->refused_by : "error"));
        json_object_set_new(o, "code", json_string(las_status_name(v->status)));
        json_object_set_new(o, "reason", json_string(v->reason));
    }
    json_object_set_new(o, "policy",
                        json_pack("{s:s,s:s?,s:i}", "file", path, "name",
                                  pol->name[0] ? pol->name : NULL, "version", (int)pol->version));
    json_object_set_new(o, "evaluated_at", json_string(at));
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct las_policy_check *c = &v->checks[i];
        json_array_append_new(checks,
                              json_pack("{s:s,s:s,s:s}", "name", c->name, "outcome",
                                        las_check_outcome_name(c->outcome), "reason", c->reason));
    }
    json_object_set_new(o, "checks", checks);
    if (v->quote_valid)
        json_object_set_new(o, "quote", quote_json(&v->quote));
    print_json_object(o);
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

/*
 * Command-line constraints tighten the policy: a quote must satisfy both.
 * Constraints that no quote could satisfy together are a usage error.
 */
static int merge_flags(struct las_policy *pol, const struct las_verify_options *opt)
{
    if (opt->n_platforms > 0) {
        if (pol->n_platforms == 0) {
            memcpy(pol->platforms, opt->platforms, opt->n_platforms * 32);
            pol->n_platforms = opt->n_platforms;
        } else if ((pol->n_platforms = intersect(pol->platforms, pol->n_platforms, opt->platforms,
                                                 opt->n_platforms)) == 0) {
            return las_cli_usage_error("verify", "no --platform is among the policy's platforms");
        }
    }
    if (opt->n_mrenclaves > 0) {
        if (pol->n_mrenclaves == 0) {
            memcpy(pol->mrenclaves, opt->mrenclaves, opt->n_mrenclaves * 32);
            pol->n_mrenclaves = opt->n_mrenclaves;
        } else if ((pol->n_mrenclaves = intersect(pol->mrenclaves, pol->n_mrenclaves,
                                                  opt->mrenclaves, opt->n_mrenclaves)) == 0) {
            return las_cli_usage_error("verify",
                                       "no --mrenclave is among the policy's mrenclave values");
        }
    }
    if (opt->mrsigner) {
        if (pol->has_mrsigner && memcmp(pol->mrsigner, opt->mrsigner, 32) != 0)
            return las_cli_usage_error("verify", "--mrsigner contradicts the policy's mrsigner");
        memcpy(pol->mrsigner, opt->mrsigner, 32);
        pol->has_mrsigner = true;
    }
    if (opt->report_data) {
        if (pol->has_report_data && memcmp(pol->report_data, opt->report_data, 64) != 0)
            return las_cli_usage_error("verify",
                                       "--report-data contradicts the policy's report_data");
        memcpy(pol->report_data, opt->report_data, 64);
        pol->has_report_data = true;
    }
    if (opt->allow_simulation)
        pol->tolerate |= LAS_TOLERATE_SIMULATION;
    if (opt->allow_debug)
        pol->tolerate |= LAS_TOLERATE_DEBUG_MODE;
    return LAS_EXIT_OK;
}

/* Loads the policy and merges the command-line constraints; an exit code. */
static int load_policy(const char *path, const struct las_verify_options *opt,
                       struct las_policy *pol)
{
    struct las_policy_error err;
    las_status st = las_policy_load_file(path, pol, &err);
    if (st == LAS_ERR_IO) {
        las_cli_error("cannot read policy file %s", path);
        return LAS_EXIT_IO;
    }
    if (st != LAS_OK) {
        fprintf(stderr, "las verify: %s:%zu:%zu: %s\n", path, err.line, err.column, err.message);
        return LAS_EXIT_USAGE;
    }
    return merge_flags(pol, opt);
}

/* Evidence for --evidence: where it is and how to verify it. */
struct evidence_args {
    const char *path;
    const char *collateral_path;
    uint8_t las_mrsigner[32], las_mrenclave[32];
    bool have_mrsigner, have_mrenclave;
};

/*
 * Verifies the platform evidence and turns its verdict into the facts the
 * policy judges. An exit code; LAS_EXIT_OK when the evidence verified.
 */
static int verify_evidence(const struct evidence_args *ea, const struct las_policy *pol, int64_t at,
                           struct las_evidence_result *res, struct las_policy_platform *facts)
{
    uint8_t *doc = NULL, *coll = NULL;
    size_t doc_len = 0, coll_len = 0;
    int rc = LAS_EXIT_IO;
    if (las_file_read(ea->path, LAS_EVIDENCE_MAX, &doc, &doc_len) != LAS_OK) {
        las_cli_error("cannot read evidence %s", ea->path);
        goto out;
    }
    if (ea->collateral_path &&
        las_file_read(ea->collateral_path, LAS_DCAP_COLLATERAL_MAX, &coll, &coll_len) != LAS_OK) {
        las_cli_error("cannot read collateral %s", ea->collateral_path);
        goto out;
    }
    struct las_evidence_options opt = {
        .collateral = coll,
        .collateral_len = coll_len,
        .at = at,
        .allow_simulation = (pol->tolerate & LAS_TOLERATE_SIMULATION) != 0,
        .las_mrenclave = ea->have_mrenclave ? ea->las_mrenclave : NULL,
        .las_mrsigner = ea->have_mrsigner ? ea->las_mrsigner : NULL,
    };
    if (las_evidence_verify(doc, doc_len, &opt, res) != LAS_OK) {
        printf("REFUSED (evidence): %s: %s\n", res->check ? res->check : "error", res->reason);
        rc = LAS_EXIT_REFUSED;
        goto out;
    }
    memset(facts, 0, sizeof *facts);
    facts->present = true;
    facts->simulated = res->simulated;
    facts->tcb_status = res->dcap.tcb_status;
    facts->advisories = (const char(*)[LAS_DCAP_ADVISORY_SIZE])res->dcap.advisories;
    facts->n_advisories = res->dcap.n_advisories;
    memcpy(facts->platform_id, res->platform_id, sizeof facts->platform_id);
    rc = LAS_EXIT_OK;
out:
    free(doc);
    free(coll);
    return rc;
}

static int verify_with_policy(const uint8_t *buf, size_t len, const char *policy_path,
                              const struct las_policy *pol, const struct evidence_args *ea,
                              int64_t at, bool json)
{
    static struct las_policy_verdict v;
    static struct las_evidence_result ev;
    struct las_policy_platform facts;
    const struct las_policy_platform *platform = NULL;
    if (ea->path) {
        int rc = verify_evidence(ea, pol, at, &ev, &facts);
        if (rc != LAS_EXIT_OK)
            return rc;
        platform = &facts;
    }
    las_status st = las_policy_evaluate(pol, buf, len, platform, at, &v);
    if (json)
        print_policy_json(policy_path, pol, &v);
    else
        print_policy_text(policy_path, pol, &v);
    if (st == LAS_ERR_INVALID_ARGUMENT)
        return LAS_EXIT_USAGE;
    return st == LAS_OK ? LAS_EXIT_OK : LAS_EXIT_REFUSED;
}

int las_cmd_verify(int argc, char **argv)
{
    enum {
        O_PLATFORM = 1,
        O_MRE,
        O_MRS,
        O_RD,
        O_SIM,
        O_DEBUG,
        O_JSON,
        O_POLICY,
        O_AT,
        O_EVIDENCE,
        O_COLL,
        O_LMRS,
        O_LMRE
    };
    static const struct option opts[] = {
        {"platform", required_argument, NULL, O_PLATFORM},
        {"mrenclave", required_argument, NULL, O_MRE},
        {"mrsigner", required_argument, NULL, O_MRS},
        {"report-data", required_argument, NULL, O_RD},
        {"allow-simulation", no_argument, NULL, O_SIM},
        {"allow-debug", no_argument, NULL, O_DEBUG},
        {"json", no_argument, NULL, O_JSON},
        {"policy", required_argument, NULL, O_POLICY},
        {"at", required_argument, NULL, O_AT},
        {"evidence", required_argument, NULL, O_EVIDENCE},
        {"collateral", required_argument, NULL, O_COLL},
        {"las-mrsigner", required_argument, NULL, O_LMRS},
        {"las-mrenclave", required_argument, NULL, O_LMRE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static uint8_t platforms[MAX_LIST][32], mrenclaves[MAX_LIST][32];
    uint8_t mrsigner[32], report_data[64];
    struct las_verify_options opt;
    bool json = false, have_at = false;
    const char *policy_path = NULL;
    struct evidence_args ea;
    int64_t at = 0;
    int c;

    memset(&opt, 0, sizeof opt);
    memset(&ea, 0, sizeof ea);
    opt.platforms = (const uint8_t(*)[32])platforms;
    opt.mrenclaves = (const uint8_t(*)[32])mrenclaves;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_PLATFORM:
            if (opt.n_platforms == MAX_LIST)
                return las_cli_usage_error("verify", "at most %d --platform", MAX_LIST);
            if (las_platform_id_parse(optarg, platforms[opt.n_platforms]) != LAS_OK)
                return las_cli_usage_error("verify",
                                           "--platform needs a platform ID of 64 hex digits");
            opt.n_platforms++;
            break;
        case O_MRE:
            if (opt.n_mrenclaves == MAX_LIST)
                return las_cli_usage_error("verify", "at most %d --mrenclave", MAX_LIST);
            if (las_hex_decode(optarg, mrenclaves[opt.n_mrenclaves], 32) != LAS_OK)
                return las_cli_usage_error("verify", "--mrenclave needs 64 hex digits");
            opt.n_mrenclaves++;
            break;
        case O_MRS:
            if (las_hex_decode(optarg, mrsigner, 32) != LAS_OK)
                return las_cli_usage_error("verify", "--mrsigner needs 64 hex digits");
            opt.mrsigner = mrsigner;
            break;
        case O_RD:
            if (las_cli_hex_padded(optarg, report_data, sizeof report_data) != LAS_OK)
                return las_cli_usage_error("verify",
                                           "--report-data needs an even number of hex digits, "
                                           "at most 128");
            opt.report_data = report_data;
            break;
        case O_SIM:
            opt.allow_simulation = true;
            break;
        case O_DEBUG:
            opt.allow_debug = true;
            break;
        case O_JSON:
            json = true;
            break;
        case O_POLICY:
            policy_path = optarg;
            break;
        case O_EVIDENCE:
            ea.path = optarg;
            break;
        case O_COLL:
            ea.collateral_path = optarg;
            break;
        case O_LMRS:
            if (las_hex_decode(optarg, ea.las_mrsigner, 32) != LAS_OK)
                return las_cli_usage_error("verify", "--las-mrsigner needs 64 hex digits");
            ea.have_mrsigner = true;
            break;
        case O_LMRE:
            if (las_hex_decode(optarg, ea.las_mrenclave, 32) != LAS_OK)
                return las_cli_usage_error("verify", "--las-mrenclave needs 64 hex digits");
            ea.have_mrenclave = true;
            break;
        case O_AT:
            if (las_rfc3339_parse(optarg, &at) != LAS_OK)
                return las_cli_usage_error("verify", "--at needs an RFC 3339 time such as "
                                                     "2026-01-31T12:00:00Z");
            have_at = true;
            break;
        case 'h':
            verify_usage();
            return LAS_EXIT_OK;
        default:
            return las_cli_usage_error("verify", "invalid option");
        }
    }
    if (optind + 1 != argc)
        return las_cli_usage_error("verify", "expected exactly one QUOTE file");
    if (have_at && policy_path == NULL)
        return las_cli_usage_error("verify", "--at only applies with --policy");
    if ((ea.path || ea.collateral_path || ea.have_mrsigner || ea.have_mrenclave) &&
        policy_path == NULL)
        return las_cli_usage_error("verify", "--evidence and its options apply with --policy");
    if ((ea.collateral_path || ea.have_mrsigner || ea.have_mrenclave) && ea.path == NULL)
        return las_cli_usage_error("verify", "--collateral and --las-* need --evidence");
    if (ea.have_mrsigner && ea.have_mrenclave)
        return las_cli_usage_error("verify", "give --las-mrsigner or --las-mrenclave, not both");
    static struct las_policy pol;
    if (policy_path) {
        int rc = load_policy(policy_path, &opt, &pol);
        if (rc != LAS_EXIT_OK)
            return rc;
    }

    uint8_t *buf = NULL;
    size_t len = 0;
    /* Read more than a quote so that the verifier can report the real size. */
    las_status st = las_file_read(argv[optind], 64 * 1024, &buf, &len);
    if (st != LAS_OK) {
        las_cli_error("cannot read quote file %s%s", argv[optind],
                      st == LAS_ERR_BAD_SIZE ? ": too large to be a LAS quote" : "");
        return st == LAS_ERR_BAD_SIZE ? LAS_EXIT_REFUSED : LAS_EXIT_IO;
    }
    if (policy_path) {
        if (!have_at)
            at = (int64_t)time(NULL);
        int rc = verify_with_policy(buf, len, policy_path, &pol, &ea, at, json);
        free(buf);
        return rc;
    }
    struct las_verify_result res;
    st = las_quote_verify(buf, len, &opt, &res);
    free(buf);
    if (json)
        print_json(&res);
    else
        print_text(&res);
    return st == LAS_OK ? LAS_EXIT_OK : LAS_EXIT_REFUSED;
}
