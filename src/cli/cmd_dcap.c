/* SPDX-License-Identifier: Apache-2.0 */
/* `las dcap verify`: verify an Intel DCAP quote, optionally with collateral. */
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
#include "las/dcap.h"
#include "las/quote.h"

static void dcap_usage(FILE *out)
{
    fprintf(out,
            "usage: las dcap verify QUOTE [OPTIONS]\n"
            "Verifies the Intel DCAP quote (SGX, version 3 or 4) in file QUOTE: its signatures,\n"
            "the PCK certificate chain to the pinned Intel SGX Root CA and, with collateral,\n"
            "the TCB status and advisories (docs/dcap.md). QUOTE '-' is stdin.\n\n"
            "  --collateral FILE     collateral JSON (TCB info, QE identity, CRLs); without it\n"
            "                        a hardware quote is refused: its TCB status is unknown\n"
            "  --allow-unknown-tcb   accept a hardware quote without collateral (TCB status\n"
            "                        Unknown: revocation and TCB level unchecked)\n"
            "  --at RFC3339          evaluate at this time (default: now), e.g.\n"
            "                        2025-07-01T00:00:00Z or 2025-07-01T02:00:00+02:00\n"
            "  --allow-simulation    tolerate a chain to a pinned simulated root CA (no security)\n"
            "  --sim-root FILE|PIN   the simulated root CA to trust (sim-qe-root-ca.pem of that\n"
            "                        LAS, or its pin as las inspect prints it); repeatable\n"
            "  --json                print the result as JSON\n\n"
            "Exit codes: 0 verified, 1 refused, 2 usage error, 3 I/O error.\n");
}

static void attributes_hex(const struct las_sgx_attributes *a, char out[33])
{
    uint8_t raw[16];
    for (int i = 0; i < 8; i++) {
        raw[i] = (uint8_t)(a->flags >> (8 * i));
        raw[8 + i] = (uint8_t)(a->xfrm >> (8 * i));
    }
    las_hex_encode(raw, sizeof raw, out, 0);
}

static void print_text(const struct las_dcap_result *r, int64_t at)
{
    if (r->status != LAS_OK) {
        las_cli_print_refusal(stdout, "", r->check, r->reason);
        return;
    }
    const struct las_sgx_report_body *b = &r->body;
    char mre[65], mrs[65], rd[129], attr[33], fmspc[13], pceid[5], when[LAS_RFC3339_SIZE];
    las_hex_encode(b->mrenclave, 32, mre, 0);
    las_hex_encode(b->mrsigner, 32, mrs, 0);
    las_hex_encode(b->report_data, 64, rd, 0);
    las_hex_encode(r->fmspc, 6, fmspc, 1);
    las_hex_encode(r->pceid, 2, pceid, 1);
    attributes_hex(&b->attributes, attr);
    las_rfc3339_format(at, when);
    printf("verdict:     verified\n"
           "version:     %u\n"
           "simulated:   %s\n"
           "at:          %s\n"
           "tcb_status:  %s\n"
           "advisories:  ",
           r->version, r->simulated ? "yes (no security)" : "no", when,
           las_cli_tcb_text(r->tcb_status, r->simulated));
    for (size_t i = 0; i < r->n_advisories; i++)
        printf("%s%s", i ? ", " : "", r->advisories[i]);
    printf("%s\n", r->n_advisories ? "" : "none");
    printf("fmspc:       %s\n"
           "pce_id:      %s\n"
           "mrenclave:   %s\n"
           "mrsigner:    %s\n"
           "isvprodid:   %u\n"
           "isvsvn:      %u\n"
           "attributes:  %s\n"
           "debug:       %s\n"
           "report_data: %s\n"
           "OK: DCAP quote verified\n",
           fmspc, pceid, mre, mrs, b->isvprodid, b->isvsvn, attr,
           (b->attributes.flags & LAS_SGX_FLAGS_DEBUG) ? "yes" : "no", rd);
}

static void print_json(const struct las_dcap_result *r, int64_t at)
{
    json_t *o = json_object();
    char when[LAS_RFC3339_SIZE];
    las_rfc3339_format(at, when);
    json_object_set_new(o, "verdict", json_string(r->status == LAS_OK ? "verified" : "refused"));
    las_cli_json_verdict(o, r->status, r->check, r->reason);
    json_object_set_new(o, "at", json_string(when));
    if (r->status != LAS_OK) {
        if (r->tcb_status != LAS_TCB_UNKNOWN)
            json_object_set_new(o, "tcb_status", json_string(las_tcb_status_name(r->tcb_status)));
    } else {
        const struct las_sgx_report_body *b = &r->body;
        char mre[65], mrs[65], rd[129], attr[33], fmspc[13], pceid[5], cpusvn[33];
        las_hex_encode(b->mrenclave, 32, mre, 0);
        las_hex_encode(b->mrsigner, 32, mrs, 0);
        las_hex_encode(b->report_data, 64, rd, 0);
        las_hex_encode(b->cpusvn, 16, cpusvn, 0);
        las_hex_encode(r->fmspc, 6, fmspc, 1);
        las_hex_encode(r->pceid, 2, pceid, 1);
        attributes_hex(&b->attributes, attr);
        json_t *adv = json_array();
        for (size_t i = 0; i < r->n_advisories; i++)
            json_array_append_new(adv, json_string(r->advisories[i]));
        json_object_set_new(o, "version", json_integer(r->version));
        json_object_set_new(o, "simulated", json_boolean(r->simulated));
        json_object_set_new(o, "tcb_status", json_string(las_tcb_status_name(r->tcb_status)));
        json_object_set_new(o, "advisories", adv);
        json_object_set_new(o, "fmspc", json_string(fmspc));
        json_object_set_new(o, "pce_id", json_string(pceid));
        json_object_set_new(
            o, "report_body",
            json_pack("{s:s,s:s,s:i,s:i,s:s,s:b,s:s,s:s,s:I}", "mrenclave", mre, "mrsigner", mrs,
                      "isvprodid", (int)b->isvprodid, "isvsvn", (int)b->isvsvn, "attributes", attr,
                      "debug", (b->attributes.flags & LAS_SGX_FLAGS_DEBUG) != 0, "report_data", rd,
                      "cpusvn", cpusvn, "miscselect", (json_int_t)b->miscselect));
    }
    las_cli_print_json(o);
}

/* What the command line of `las dcap verify` says. */
struct dcap_args {
    struct las_dcap_verify_options opt;
    uint8_t sim_roots[16][LAS_DCAP_ROOT_PIN_SIZE];
    size_t n_sim_roots;
    const char *collateral_path;
    bool json;
};

/* Parses argv into a; -1 to go on, else the exit code to return now. */
static int dcap_options(int argc, char **argv, struct dcap_args *a)
{
    enum { O_COLLATERAL = 1, O_AT, O_SIM, O_JSON, O_SIM_ROOT, O_UNKNOWN_TCB };
    static const struct option opts[] = {
        {"collateral", required_argument, NULL, O_COLLATERAL},
        {"at", required_argument, NULL, O_AT},
        {"allow-simulation", no_argument, NULL, O_SIM},
        {"allow-unknown-tcb", no_argument, NULL, O_UNKNOWN_TCB},
        {"json", no_argument, NULL, O_JSON},
        {"sim-root", required_argument, NULL, O_SIM_ROOT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = LAS_EXIT_OK;
    optind = 1;
    while (rc == LAS_EXIT_OK && (c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == O_COLLATERAL) {
            a->collateral_path = optarg;
        } else if (c == O_AT) {
            if (las_rfc3339_parse(optarg, &a->opt.at) != LAS_OK || a->opt.at <= 0)
                rc = las_cli_usage_error("dcap verify",
                                         "--at needs an RFC 3339 time after 1970, e.g. "
                                         "2025-01-01T00:00:00Z");
        } else if (c == O_SIM) {
            a->opt.allow_simulation = true;
        } else if (c == O_UNKNOWN_TCB) {
            a->opt.allow_unknown_tcb = true;
        } else if (c == O_JSON) {
            a->json = true;
        } else if (c == O_SIM_ROOT) {
            rc = las_cli_add_sim_roots("dcap verify", optarg, a->sim_roots, 16, &a->n_sim_roots);
            a->opt.sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])a->sim_roots;
            a->opt.n_sim_roots = a->n_sim_roots;
        } else if (c == 'h') {
            dcap_usage(stdout);
            return LAS_EXIT_OK;
        } else {
            rc = las_cli_option_error("dcap verify", c, argv);
        }
    }
    if (rc != LAS_EXIT_OK)
        return rc;
    if (optind + 1 != argc)
        return las_cli_usage_error("dcap verify", "expected exactly one QUOTE file");
    return -1;
}

/*
 * LAS's own formats, which users hand to dcap verify by mistake: what the
 * file is and the command that verifies it, or NULL. A LAS quote is
 * recognised only when it parses as one (magic, version, exact size).
 */
static bool las_format_hint(const uint8_t *buf, size_t len, const char *path, char *hint,
                            size_t size)
{
    struct las_quote q;
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (las_quote_parse(buf, len, &q) == LAS_OK)
        snprintf(hint, size,
                 "%s is a LAS quote, not an Intel DCAP quote: verify it with 'las verify %s "
                 "--policy POLICY' (or --platform ID)",
                 path, path);
    else if (i < len && buf[i] == '{')
        snprintf(hint, size,
                 "%s is JSON, not an Intel DCAP quote: LAS platform evidence is verified with "
                 "'las verify-evidence %s'",
                 path, path);
    else
        return false;
    return true;
}

static int dcap_verify(int argc, char **argv)
{
    static struct dcap_args a;
    static struct las_dcap_result res;
    uint8_t *quote = NULL, *collateral = NULL;
    size_t quote_len = 0, collateral_len = 0;
    memset(&a, 0, sizeof a);
    int rc = dcap_options(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if ((rc = las_cli_read_input("dcap verify", "quote file", argv[optind], LAS_DCAP_QUOTE_MAX,
                                 &quote, &quote_len)) != LAS_EXIT_OK ||
        (a.collateral_path &&
         (rc = las_cli_read_input("dcap verify", "collateral file", a.collateral_path,
                                  LAS_DCAP_COLLATERAL_MAX, &collateral, &collateral_len)) !=
             LAS_EXIT_OK))
        goto out;
    char hint[1024];
    if (las_format_hint(quote, quote_len, argv[optind], hint, sizeof hint)) {
        if (a.json) {
            json_t *o = json_object();
            las_cli_json_verdict(o, LAS_ERR_UNSUPPORTED, "quote_format", hint);
            las_cli_print_json(o);
        } else {
            las_cli_print_refusal(stdout, "", "quote_format", hint);
        }
        rc = LAS_EXIT_REFUSED;
        goto out;
    }
    a.opt.collateral = collateral;
    a.opt.collateral_len = collateral_len;
    if (a.opt.at == 0)
        a.opt.at = (int64_t)time(NULL);
    las_status st = las_dcap_verify(quote, quote_len, &a.opt, &res);
    if (a.json)
        print_json(&res, a.opt.at);
    else
        print_text(&res, a.opt.at);
    rc = st == LAS_OK ? LAS_EXIT_OK : las_status_exit_code(st);
    /* Every verification failure is a refusal, whatever its code maps to elsewhere. */
    if (st != LAS_OK && rc != LAS_EXIT_IO)
        rc = LAS_EXIT_REFUSED;
out:
    free(quote);
    free(collateral);
    return rc;
}

int las_cmd_dcap(int argc, char **argv)
{
    if (argc < 2) {
        dcap_usage(stderr);
        return LAS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        dcap_usage(stdout);
        return LAS_EXIT_OK;
    }
    if (strcmp(argv[1], "verify") == 0)
        return dcap_verify(argc - 1, argv + 1);
    return las_cli_usage_error("dcap", "unknown subcommand '%s' (expected 'verify')", argv[1]);
}
