/* SPDX-License-Identifier: Apache-2.0 */
/* `las verify`: verify a LAS quote and explain each refusal. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/hex.h"
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
           "  --json                print the result as JSON\n\n"
           "Exit codes: 0 verified, 1 refused, 2 usage error, 3 I/O error.\n");
}

static void print_text(const struct las_verify_result *res)
{
    const struct las_quote *q = &res->quote;
    if (res->status == LAS_OK || res->check == NULL || strcmp(res->check, "signature") != 0) {
        char id[65], mre[65], mrs[65], cpusvn[33];
        if (q->version != 0) {
            las_hex_encode(q->platform_id, 32, id, 1);
            las_hex_encode(q->body.mrenclave, 32, mre, 0);
            las_hex_encode(q->body.mrsigner, 32, mrs, 0);
            las_hex_encode(q->cpusvn, 16, cpusvn, 0);
            printf("platform_id: %s\nsimulated:   %s\nissued_at:   %llu\n"
                   "mrenclave:   %s\nmrsigner:    %s\nisvprodid:   %u\nisvsvn:      %u\n"
                   "debug:       %s\n",
                   id, (q->flags & LAS_QUOTE_FLAG_SIMULATED) ? "yes" : "no",
                   (unsigned long long)q->issued_at, mre, mrs, q->body.isvprodid, q->body.isvsvn,
                   (q->body.attributes.flags & LAS_SGX_FLAGS_DEBUG) ? "yes" : "no");
        }
    }
    if (res->status == LAS_OK)
        printf("OK: quote verified\n");
    else
        printf("REFUSED (%s): %s\n", res->check ? res->check : "error", res->reason);
}

static void print_json(const struct las_verify_result *res)
{
    const struct las_quote *q = &res->quote;
    json_t *o = json_object();
    json_object_set_new(o, "verified", json_boolean(res->status == LAS_OK));
    if (res->status != LAS_OK) {
        json_object_set_new(o, "check", json_string(res->check ? res->check : "error"));
        json_object_set_new(o, "code", json_string(las_status_name(res->status)));
        json_object_set_new(o, "reason", json_string(res->reason));
    }
    if (q->version != 0) {
        char id[65], mre[65], mrs[65], rd[129], cpusvn[33];
        las_hex_encode(q->platform_id, 32, id, 1);
        las_hex_encode(q->body.mrenclave, 32, mre, 0);
        las_hex_encode(q->body.mrsigner, 32, mrs, 0);
        las_hex_encode(q->body.report_data, 64, rd, 0);
        las_hex_encode(q->cpusvn, 16, cpusvn, 0);
        json_t *jq = json_pack(
            "{s:s,s:b,s:I,s:s,s:I,s:s,s:s,s:i,s:i,s:b,s:s}", "platform_id", id, "simulated",
            (q->flags & LAS_QUOTE_FLAG_SIMULATED) != 0, "issued_at", (json_int_t)q->issued_at,
            "platform_cpusvn", cpusvn, "platform_isvsvn", (json_int_t)q->isvsvn, "mrenclave", mre,
            "mrsigner", mrs, "isvprodid", (int)q->body.isvprodid, "isvsvn", (int)q->body.isvsvn,
            "debug", (q->body.attributes.flags & LAS_SGX_FLAGS_DEBUG) != 0, "report_data", rd);
        json_object_set_new(o, "quote", jq);
    }
    char *text = json_dumps(o, JSON_INDENT(2));
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(o);
}

int las_cmd_verify(int argc, char **argv)
{
    enum { O_PLATFORM = 1, O_MRE, O_MRS, O_RD, O_SIM, O_DEBUG, O_JSON };
    static const struct option opts[] = {
        {"platform", required_argument, NULL, O_PLATFORM},
        {"mrenclave", required_argument, NULL, O_MRE},
        {"mrsigner", required_argument, NULL, O_MRS},
        {"report-data", required_argument, NULL, O_RD},
        {"allow-simulation", no_argument, NULL, O_SIM},
        {"allow-debug", no_argument, NULL, O_DEBUG},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static uint8_t platforms[MAX_LIST][32], mrenclaves[MAX_LIST][32];
    uint8_t mrsigner[32], report_data[64];
    struct las_verify_options opt;
    bool json = false;
    int c;

    memset(&opt, 0, sizeof opt);
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
        case 'h':
            verify_usage();
            return LAS_EXIT_OK;
        default:
            return las_cli_usage_error("verify", "invalid option");
        }
    }
    if (optind + 1 != argc)
        return las_cli_usage_error("verify", "expected exactly one QUOTE file");

    uint8_t *buf = NULL;
    size_t len = 0;
    /* One byte more than a quote lets the verifier report the real size. */
    las_status st = las_file_read(argv[optind], 64 * 1024, &buf, &len);
    if (st != LAS_OK) {
        las_cli_error("cannot read quote file %s%s", argv[optind],
                      st == LAS_ERR_BAD_SIZE ? ": too large to be a LAS quote" : "");
        return st == LAS_ERR_BAD_SIZE ? LAS_EXIT_REFUSED : LAS_EXIT_IO;
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
