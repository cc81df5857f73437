/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Platform evidence on the command line: `las evidence` (fetch),
 * `las verify-evidence` (verify a file), `las platform-ids` (fetch and verify
 * many LAS instances and print the policy line).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/rfc3339.h"
#include "format/evidence_json.h"
#include "las/client.h"
#include "las/evidence.h"
#include "las/policy.h"

#define MAX_ADDRS 1024

/* Options shared by verify-evidence and platform-ids. */
struct verify_args {
    struct las_evidence_options opt;
    uint8_t mrenclave[32], mrsigner[32];
    uint8_t sim_roots[LAS_POLICY_MAX_SIM_ROOTS][LAS_DCAP_ROOT_PIN_SIZE];
    size_t n_sim_roots;
    uint8_t *collateral;
    bool json;
};

enum {
    O_COLL = 1000,
    O_AT,
    O_SIM,
    O_MRE,
    O_MRS,
    O_JSON,
    O_LAS,
    O_FILE,
    O_OUT,
    O_SIM_ROOT,
    O_UNKNOWN_TCB,
};

/* Handles one shared option; 0 when handled, an exit code otherwise, -1 if not ours. */
static int verify_option(const char *cmd, int c, struct verify_args *a)
{
    int rc;
    size_t len = 0;
    switch (c) {
    case O_COLL:
        free(a->collateral); /* a repeated --collateral: the last one counts */
        a->collateral = NULL;
        rc = las_cli_read_input(cmd, "collateral file", optarg, LAS_DCAP_COLLATERAL_MAX,
                                &a->collateral, &len);
        if (rc != LAS_EXIT_OK)
            return rc;
        a->opt.collateral = a->collateral;
        a->opt.collateral_len = len;
        return 0;
    case O_AT:
        if (las_rfc3339_parse(optarg, &a->opt.at) != LAS_OK)
            return las_cli_usage_error(cmd, "--at needs an RFC 3339 time");
        return 0;
    case O_SIM:
        a->opt.allow_simulation = true;
        return 0;
    case O_UNKNOWN_TCB:
        a->opt.allow_unknown_tcb = true;
        return 0;
    case O_MRE:
        if (las_hex_decode(optarg, a->mrenclave, 32) != LAS_OK)
            return las_cli_usage_error(cmd, "--las-mrenclave needs 64 hex digits");
        a->opt.las_mrenclave = a->mrenclave;
        return 0;
    case O_MRS:
        if (las_hex_decode(optarg, a->mrsigner, 32) != LAS_OK)
            return las_cli_usage_error(cmd, "--las-mrsigner needs 64 hex digits");
        a->opt.las_mrsigner = a->mrsigner;
        return 0;
    case O_SIM_ROOT: {
        rc = las_cli_add_sim_roots(cmd, optarg, a->sim_roots, LAS_POLICY_MAX_SIM_ROOTS,
                                   &a->n_sim_roots);
        a->opt.sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])a->sim_roots;
        a->opt.n_sim_roots = a->n_sim_roots;
        return rc;
    }
    case O_JSON:
        a->json = true;
        return 0;
    default:
        return -1;
    }
}

#define VERIFY_LONG_OPTIONS                                                                        \
    {"collateral", required_argument, NULL, O_COLL}, {"at", required_argument, NULL, O_AT},        \
        {"allow-simulation", no_argument, NULL, O_SIM},                                            \
        {"allow-unknown-tcb", no_argument, NULL, O_UNKNOWN_TCB},                                   \
        {"las-mrenclave", required_argument, NULL, O_MRE},                                         \
        {"las-mrsigner", required_argument, NULL, O_MRS},                                          \
        {"sim-root", required_argument, NULL, O_SIM_ROOT},                                         \
    {                                                                                              \
        "json", no_argument, NULL, O_JSON                                                          \
    }

#define VERIFY_HELP                                                                                \
    "  --collateral FILE     DCAP collateral (JSON) to evaluate the TCB status; without\n"         \
    "                        it hardware evidence is refused (TCB status unknown)\n"               \
    "  --allow-unknown-tcb   accept hardware evidence without collateral (TCB status\n"            \
    "                        Unknown: revocation and TCB level unchecked)\n"                       \
    "  --at RFC3339          evaluate at this time instead of now\n"                               \
    "  --allow-simulation    tolerate simulated evidence (no security; pin its root)\n"            \
    "  --las-mrsigner HEX    the MRSIGNER of your LAS release (or:)\n"                             \
    "  --las-mrenclave HEX   the MRENCLAVE of your LAS release\n"                                  \
    "  --sim-root FILE|PIN   trust this simulated root CA (sim-qe-root-ca.pem of that\n"           \
    "                        LAS, or its pin as las inspect prints it); repeatable\n"              \
    "  --json                print JSON\n"

static void successions_text(FILE *out, const struct las_evidence_result *r, const char *prefix)
{
    for (size_t i = 0; i < r->n_successions; i++) {
        char o[65], n[65];
        las_platform_id_format(r->successions[i].old_id, o);
        las_platform_id_format(r->successions[i].new_id, n);
        fprintf(out, "%ssuccession: %s -> %s (isvsvn %u -> %u)\n", prefix, o, n,
                r->successions[i].old_isvsvn, r->successions[i].new_isvsvn);
    }
}

/* What anchored verified evidence, in words. */
static const char *anchor_name(enum las_evidence_anchor a)
{
    switch (a) {
    case LAS_ANCHOR_INTEL_ROOT:
        return "Intel SGX root CA";
    case LAS_ANCHOR_SIM_ROOT:
        return "pinned simulated root CA";
    case LAS_ANCHOR_PLATFORM:
        return "pinned platform ID";
    case LAS_ANCHOR_SUCCESSION:
        return "succession from a pinned platform ID";
    default:
        return "none";
    }
}

static json_t *result_json(const struct las_evidence_result *r, const char *source)
{
    char id[65];
    json_t *o = json_object();
    if (source)
        json_object_set_new(o, "source", json_string(source));
    las_cli_json_verdict(o, r->status, r->check, r->reason);
    if (r->status != LAS_OK)
        return o;
    las_platform_id_format(r->platform_id, id);
    json_object_set_new(o, "platform_id", json_string(id));
    json_object_set_new(o, "simulated", json_boolean(r->simulated));
    json_object_set_new(o, "anchor", json_string(anchor_name(r->anchor)));
    json_object_set_new(o, "root_pin", las_json_hex(r->dcap.root_pin, LAS_DCAP_ROOT_PIN_SIZE, 0));
    json_object_set_new(o, "tcb_status", json_string(las_tcb_status_name(r->dcap.tcb_status)));
    json_t *adv = json_array();
    for (size_t i = 0; i < r->dcap.n_advisories; i++)
        json_array_append_new(adv, json_string(r->dcap.advisories[i]));
    json_object_set_new(o, "advisories", adv);
    json_t *succ = json_array();
    for (size_t i = 0; i < r->n_successions; i++) {
        char a[65], b[65];
        las_platform_id_format(r->successions[i].old_id, a);
        las_platform_id_format(r->successions[i].new_id, b);
        json_array_append_new(succ, json_pack("{s:s,s:s,s:i,s:i}", "old_platform_id", a,
                                              "new_platform_id", b, "old_isvsvn",
                                              (int)r->successions[i].old_isvsvn, "new_isvsvn",
                                              (int)r->successions[i].new_isvsvn));
    }
    json_object_set_new(o, "successions", succ);
    return o;
}

int las_cmd_evidence(int argc, char **argv)
{
    static const struct option opts[] = {
        {"las", required_argument, NULL, O_LAS},
        {"out", required_argument, NULL, O_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *addr = NULL, *out = "-";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == O_LAS)
            addr = optarg;
        else if (c == O_OUT)
            out = optarg;
        else if (c == 'h') {
            printf("usage: las evidence [--las HOST:PORT] [--out FILE]\n"
                   "Saves the platform evidence of a LAS (GET /v1/platform); default stdout.\n");
            las_cli_print_exit_codes(stdout, "the evidence was saved (not verified)", NULL);
            return LAS_EXIT_OK;
        } else
            return las_cli_option_error("evidence", c, argv);
    }
    if (optind != argc)
        return las_cli_usage_error("evidence", "unexpected argument '%s'", argv[optind]);
    struct las_client *client = NULL;
    char *doc = NULL;
    int addr_rc = las_cli_client_new("evidence", addr, &client);
    if (addr_rc != LAS_EXIT_OK)
        return addr_rc;
    int rc = LAS_EXIT_IO;
    if (las_client_platform(client, &doc) != LAS_OK) {
        las_cli_error("%s", las_client_last_error(client));
    } else if (strcmp(out, "-") == 0) {
        fputs(doc, stdout);
        rc = fflush(stdout) == 0 ? LAS_EXIT_OK : LAS_EXIT_IO;
    } else if (las_cli_write_file(out, doc, strlen(doc)) == LAS_OK) {
        rc = LAS_EXIT_OK;
    }
    free(doc);
    las_client_free(client);
    return rc;
}

int las_cmd_verify_evidence(int argc, char **argv)
{
    static const struct option opts[] = {
        VERIFY_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct verify_args a;
    int c, rc;
    memset(&a, 0, sizeof a);
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: las verify-evidence FILE [OPTIONS]\n"
                   "Verifies platform evidence and prints the attested platform ID.\n"
                   "FILE '-' is stdin.\n\n" VERIFY_HELP
                   "\nExit codes: 0 verified, 1 refused, 2 usage error, 3 I/O error.\n");
            free(a.collateral);
            return LAS_EXIT_OK;
        }
        rc = verify_option("verify-evidence", c, &a);
        if (rc != 0) {
            free(a.collateral);
            return rc < 0 ? las_cli_option_error("verify-evidence", c, argv) : rc;
        }
    }
    if (optind + 1 != argc) {
        free(a.collateral);
        return las_cli_usage_error("verify-evidence", "expected exactly one evidence FILE");
    }
    if (a.opt.las_mrenclave && a.opt.las_mrsigner) {
        free(a.collateral);
        return las_cli_usage_error("verify-evidence",
                                   "give --las-mrenclave or --las-mrsigner, not both");
    }
    uint8_t *doc = NULL;
    size_t len = 0;
    rc = las_cli_read_input("verify-evidence", "evidence file", argv[optind], LAS_EVIDENCE_MAX,
                            &doc, &len);
    if (rc != LAS_EXIT_OK) {
        free(a.collateral);
        return rc;
    }
    struct las_evidence_result *res = malloc(sizeof *res);
    if (res == NULL) {
        free(doc);
        free(a.collateral);
        return LAS_EXIT_IO;
    }
    las_status st = las_evidence_verify(doc, len, &a.opt, res);
    if (a.json) {
        las_cli_print_json(result_json(res, argv[optind]));
    } else if (st == LAS_OK) {
        char id[65];
        las_platform_id_format(res->platform_id, id);
        char pin[2 * LAS_DCAP_ROOT_PIN_SIZE + 1];
        las_hex_encode(res->dcap.root_pin, LAS_DCAP_ROOT_PIN_SIZE, pin, 0);
        printf("platform_id: %s\nsimulated:   %s\nanchor:      %s (root pin %s)\n"
               "tcb_status:  %s\n",
               id, res->simulated ? "yes (no security)" : "no", anchor_name(res->anchor), pin,
               las_cli_tcb_text(res->dcap.tcb_status, res->simulated));
        for (size_t i = 0; i < res->dcap.n_advisories; i++)
            printf("advisory:    %s\n", res->dcap.advisories[i]);
        successions_text(stdout, res, "");
        printf("OK: evidence verified\n");
    } else {
        las_cli_print_refusal(stdout, "", res->check, res->reason);
    }
    free(res);
    free(doc);
    free(a.collateral);
    if (st == LAS_OK)
        return LAS_EXIT_OK;
    return st == LAS_ERR_NO_MEMORY ? LAS_EXIT_IO : LAS_EXIT_REFUSED;
}

struct address_list {
    char *v[MAX_ADDRS];
    size_t n;
};

/*
 * Adds a copy of addr (checked to be HOST:PORT, so that a typo is a usage
 * error before any LAS is asked); an exit code.
 */
static int add_address(struct address_list *l, const char *addr, const char *from)
{
    struct las_client *client = NULL;
    int rc = las_cli_client_at("platform-ids", addr, from, &client);
    if (rc != LAS_EXIT_OK)
        return rc;
    las_client_free(client);
    if (l->n == MAX_ADDRS)
        return las_cli_usage_error("platform-ids", "more than %d addresses", MAX_ADDRS);
    if ((l->v[l->n] = strdup(addr)) == NULL)
        return LAS_EXIT_IO;
    l->n++;
    return LAS_EXIT_OK;
}

/* Reads whitespace-separated addresses ('#' starts a comment) from f; an exit code. */
static int read_addresses(FILE *f, const char *from, struct address_list *l)
{
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        for (char *tok = strtok(line, " \t\r\n,"); tok; tok = strtok(NULL, " \t\r\n,")) {
            int rc = add_address(l, tok, from);
            if (rc != LAS_EXIT_OK)
                return rc;
        }
    }
    return LAS_EXIT_OK;
}

/* Largest address list read from a file or stdin. */
#define ADDRESS_FILE_MAX (256 * 1024)

/* One --file argument ('-' for stdin); an exit code. */
static int add_address_file(const char *path, struct address_list *l)
{
    uint8_t *text = NULL;
    size_t len = 0;
    int rc =
        las_cli_read_input("platform-ids", "address file", path, ADDRESS_FILE_MAX, &text, &len);
    if (rc != LAS_EXIT_OK)
        return rc;
    FILE *f = len > 0 ? fmemopen(text, len, "r") : NULL;
    if (f != NULL) {
        rc = read_addresses(f, strcmp(path, "-") == 0 ? "from stdin" : path, l);
        fclose(f);
    } else if (len > 0) {
        las_cli_error("cannot read address file %s: %s", path, strerror(errno));
        rc = LAS_EXIT_IO;
    }
    free(text);
    return rc;
}

static void platform_ids_usage(void)
{
    printf("usage: las platform-ids [--las HOST:PORT]... [--file FILE|-] [-] [OPTIONS]\n"
           "Queries every LAS, verifies its evidence and prints the policy line\n"
           "  platforms: [ID1, ID2, ...]\n"
           "Unverifiable instances are reported on stderr and left out (exit 1).\n"
           "Addresses: --las (repeatable), --file (whitespace separated, # comments),\n"
           "'-' reads them from stdin.\n\n" VERIFY_HELP);
    las_cli_print_exit_codes(stdout, "every instance's evidence verified",
                             "an instance was unreachable or its evidence refused (left out;\n"
                             "     when none verified, no 'platforms:' line is printed)");
}

/* The options and addresses of platform-ids; -1 to go on, else an exit code. */
static int platform_ids_options(int argc, char **argv, struct address_list *l,
                                struct verify_args *a)
{
    static const struct option opts[] = {
        VERIFY_LONG_OPTIONS,
        {"las", required_argument, NULL, O_LAS},
        {"file", required_argument, NULL, O_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == O_LAS)
            rc = add_address(l, optarg, "--las");
        else if (c == O_FILE)
            rc = add_address_file(optarg, l);
        else if (c == 'h') {
            platform_ids_usage();
            return LAS_EXIT_OK;
        } else if ((rc = verify_option("platform-ids", c, a)) < 0)
            rc = las_cli_option_error("platform-ids", c, argv);
        if (rc != LAS_EXIT_OK)
            return rc;
    }
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") != 0)
            return las_cli_usage_error("platform-ids", "unexpected argument '%s'", argv[i]);
        if ((rc = add_address_file("-", l)) != LAS_EXIT_OK)
            return rc;
    }
    if (l->n == 0)
        return las_cli_usage_error("platform-ids", "no LAS address given");
    return -1;
}

/*
 * Fetches the evidence of addr and verifies it into res: LAS_EXIT_OK, else
 * (reported on stderr, naming addr once) LAS_EXIT_IO when it cannot be
 * fetched, LAS_EXIT_REFUSED when it does not verify.
 */
static int verify_instance(const char *addr, const struct verify_args *a,
                           struct las_evidence_result *res, json_t *all)
{
    struct las_client *client = NULL;
    char *doc = NULL, prefix[600];
    if (las_client_new(addr, 0, &client) != LAS_OK) /* checked by add_address */
        return LAS_EXIT_IO;
    if (las_client_platform(client, &doc) != LAS_OK) {
        const char *why = las_client_last_error(client);
        if (strstr(why, addr) != NULL) /* "cannot reach LAS at ADDR: ..." */
            las_cli_error("%s", why);
        else
            las_cli_error("%s: %s", addr, why);
        las_client_free(client);
        return LAS_EXIT_IO;
    }
    las_client_free(client);
    las_status st = las_evidence_verify((const uint8_t *)doc, strlen(doc), &a->opt, res);
    free(doc);
    if (a->json)
        json_array_append_new(all, result_json(res, addr));
    if (st != LAS_OK) {
        snprintf(prefix, sizeof prefix, "las: %s: evidence ", addr);
        las_cli_print_refusal(stderr, prefix, res->check, res->reason);
        return LAS_EXIT_REFUSED;
    }
    if (!a->json) {
        snprintf(prefix, sizeof prefix, "# %s: ", addr);
        successions_text(stdout, res, prefix);
        if (res->simulated)
            printf("# %s: SIMULATED platform (no security)\n", addr);
        else if (res->dcap.tcb_status == LAS_TCB_UNKNOWN)
            printf("# %s: TCB status %s\n", addr, las_cli_tcb_text(res->dcap.tcb_status, false));
    }
    return LAS_EXIT_OK;
}

/* Adds id to ids[*n] unless it is there already. */
static void add_id_once(char (*ids)[65], size_t *n, const char *id)
{
    for (size_t k = 0; k < *n; k++) {
        if (strcmp(ids[k], id) == 0)
            return;
    }
    memcpy(ids[(*n)++], id, 65);
}

/*
 * las platform-ids without its clean-up: may return anywhere; the caller
 * frees the addresses collected in l and a's allocations.
 */
static int platform_ids(int argc, char **argv, struct address_list *l, struct verify_args *a)
{
    int rc = platform_ids_options(argc, argv, l, a);
    if (rc >= 0)
        return rc;
    struct las_evidence_result *res = malloc(sizeof *res);
    char(*ids)[65] = calloc(l->n, sizeof *ids);
    json_t *all = json_array();
    size_t n_ids = 0, n_refused = 0;
    rc = LAS_EXIT_OK;
    if (res == NULL || ids == NULL || all == NULL)
        rc = LAS_EXIT_IO;
    for (size_t i = 0; rc != LAS_EXIT_IO && i < l->n; i++) {
        char id[65];
        int one = verify_instance(l->v[i], a, res, all);
        if (one != LAS_EXIT_OK) {
            n_refused += one == LAS_EXIT_REFUSED;
            rc = LAS_EXIT_REFUSED;
            continue;
        }
        las_platform_id_format(res->platform_id, id);
        add_id_once(ids, &n_ids, id);
    }
    if (rc != LAS_EXIT_IO && n_ids == 0 && !a->json) {
        /* "platforms: []" would be a policy line that trusts nothing: print none. */
        las_cli_error("no platform verified; no 'platforms:' line printed");
        if (n_refused == 0)
            rc = LAS_EXIT_IO; /* not one LAS could be asked */
    } else if (rc != LAS_EXIT_IO && a->json) {
        las_cli_print_json(all);
        all = NULL;
    } else if (rc != LAS_EXIT_IO) {
        printf("platforms: [");
        for (size_t k = 0; k < n_ids; k++)
            printf("%s%s", k ? ", " : "", ids[k]);
        printf("]\n");
    }
    json_decref(all);
    free(ids);
    free(res);
    return rc;
}

int las_cmd_platform_ids(int argc, char **argv)
{
    struct address_list l = {.n = 0};
    struct verify_args a;
    memset(&a, 0, sizeof a);
    int rc = platform_ids(argc, argv, &l, &a);
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i]);
    free(a.collateral);
    return rc;
}
