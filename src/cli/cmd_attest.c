/* SPDX-License-Identifier: Apache-2.0 */
/* `las attest`: act as a simulated application enclave and obtain a LAS quote. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "las/client.h"
#include "sim/sim_enclave.h"

static void attest_usage(void)
{
    printf("usage: las attest [OPTIONS]\n"
           "Acts as a simulated SGX enclave on this machine's simulated CPU: fetches the\n"
           "target info of LAS, makes a REPORT for it and writes the LAS quote.\n\n"
           "  --las HOST:PORT       LAS address (else $LAS_ADDR, $SCONE_LAS_ADDR, %s)\n"
           "  --state-dir DIR       state directory of the simulated CPU, the same as the\n"
           "                        LAS's (else $LAS_STATE_DIR, else ./las-state)\n"
           "  --enclave-file PATH   MRENCLAVE = SHA-256 of this file\n"
           "  --mrenclave HEX       MRENCLAVE (64 hex digits)\n"
           "  --mrsigner HEX        MRSIGNER (64 hex digits; default: a fixed sim signer)\n"
           "  --isvprodid N         ISVPRODID (default 0)\n"
           "  --isvsvn N            ISVSVN (default 0)\n"
           "  --debug               set the DEBUG attribute\n"
           "  --report-data HEX     up to 64 bytes of report data, zero padded\n"
           "  --out FILE            write the LAS quote here (default: stdout, not a tty)\n"
           "  --report-out FILE     also write the REPORT that was sent\n"
           "  --gramine             be the real enclave this runs in under Gramine: make the\n"
           "                        REPORT through /dev/attestation instead of simulating\n"
           "  --gramine-dir DIR     Gramine's attestation directory (default /dev/attestation)\n",
           LAS_DEFAULT_ADDR);
}

int las_cmd_attest(int argc, char **argv)
{
    enum {
        O_LAS = 1,
        O_STATE,
        O_FILE,
        O_MRE,
        O_MRS,
        O_PROD,
        O_SVN,
        O_DEBUG,
        O_RD,
        O_OUT,
        O_ROUT,
        O_GRAMINE,
        O_GDIR
    };
    static const struct option opts[] = {
        {"las", required_argument, NULL, O_LAS},
        {"state-dir", required_argument, NULL, O_STATE},
        {"enclave-file", required_argument, NULL, O_FILE},
        {"mrenclave", required_argument, NULL, O_MRE},
        {"mrsigner", required_argument, NULL, O_MRS},
        {"isvprodid", required_argument, NULL, O_PROD},
        {"isvsvn", required_argument, NULL, O_SVN},
        {"debug", no_argument, NULL, O_DEBUG},
        {"report-data", required_argument, NULL, O_RD},
        {"out", required_argument, NULL, O_OUT},
        {"report-out", required_argument, NULL, O_ROUT},
        {"gramine", no_argument, NULL, O_GRAMINE},
        {"gramine-dir", required_argument, NULL, O_GDIR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *addr = NULL, *state_dir = NULL, *enclave_file = NULL, *out = "-",
               *report_out = NULL;
    bool have_mrenclave = false, gramine = false, identity_given = false;
    const char *gramine_dir = LAS_GRAMINE_DEFAULT_DIR;
    struct las_sim_identity id;
    uint8_t report_data[64] = {0};
    int c;

    memset(&id, 0, sizeof id);
    las_sim_default_mrsigner(id.mrsigner);
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case O_LAS:
            addr = optarg;
            break;
        case O_STATE:
            identity_given = true;
            state_dir = optarg;
            break;
        case O_FILE:
            identity_given = true;
            enclave_file = optarg;
            break;
        case O_MRE:
            if (las_hex_decode(optarg, id.mrenclave, 32) != LAS_OK)
                return las_cli_usage_error("attest", "--mrenclave needs 64 hex digits");
            have_mrenclave = true;
            break;
        case O_MRS:
            identity_given = true;
            if (las_hex_decode(optarg, id.mrsigner, 32) != LAS_OK)
                return las_cli_usage_error("attest", "--mrsigner needs 64 hex digits");
            break;
        case O_PROD:
            identity_given = true;
            if (las_cli_parse_u16(optarg, &id.isvprodid) != LAS_OK)
                return las_cli_usage_error("attest", "--isvprodid needs a number 0..65535");
            break;
        case O_SVN:
            identity_given = true;
            if (las_cli_parse_u16(optarg, &id.isvsvn) != LAS_OK)
                return las_cli_usage_error("attest", "--isvsvn needs a number 0..65535");
            break;
        case O_DEBUG:
            identity_given = true;
            id.debug = true;
            break;
        case O_RD:
            if (las_cli_hex_padded(optarg, report_data, sizeof report_data) != LAS_OK)
                return las_cli_usage_error("attest",
                                           "--report-data needs an even number of hex digits, "
                                           "at most 128");
            break;
        case O_OUT:
            out = optarg;
            break;
        case O_ROUT:
            report_out = optarg;
            break;
        case O_GRAMINE:
            gramine = true;
            break;
        case O_GDIR:
            gramine = true;
            gramine_dir = optarg;
            break;
        case 'h':
            attest_usage();
            return LAS_EXIT_OK;
        default:
            return las_cli_usage_error("attest", "invalid option");
        }
    }
    if (optind != argc)
        return las_cli_usage_error("attest", "unexpected argument '%s'", argv[optind]);
    if (strcmp(out, "-") == 0 && isatty(STDOUT_FILENO))
        return las_cli_usage_error("attest", "refusing to write the binary quote to a terminal: "
                                             "use --out FILE or a redirection");
    if (gramine && (identity_given || have_mrenclave))
        return las_cli_usage_error("attest", "--gramine uses the enclave's real identity: "
                                             "identity and --state-dir flags do not apply");
    if (enclave_file && have_mrenclave)
        return las_cli_usage_error("attest", "give --enclave-file or --mrenclave, not both");
    if (enclave_file) {
        if (las_sha256_file(enclave_file, id.mrenclave) != LAS_OK) {
            las_cli_error("cannot read %s", enclave_file);
            return LAS_EXIT_IO;
        }
    } else if (!have_mrenclave) {
        static const char label[] = "LAS simulated application enclave";
        if (las_sha256(label, sizeof label - 1, id.mrenclave) != LAS_OK)
            return LAS_EXIT_IO;
    }

    int rc = LAS_EXIT_IO;
    struct las_client *client = NULL;
    struct las_sgx_targetinfo target;
    struct las_sgx_report report;
    uint8_t quote[LAS_QUOTE_SIZE], report_wire[LAS_SGX_REPORT_SIZE];
    char why[512];

    addr = las_client_resolve_addr(addr);
    state_dir = las_cli_state_dir(state_dir);
    if (las_client_new(addr, 0, &client) != LAS_OK)
        return las_cli_usage_error("attest", "invalid LAS address '%s'", addr);
    las_status st = las_client_target_info(client, &target);
    if (st != LAS_OK) {
        las_cli_error("%s", las_client_last_error(client));
        goto out;
    }
    if (gramine)
        st = las_gramine_report(gramine_dir, &target, report_data, &report, why, sizeof why);
    else
        st = las_sim_enclave_report(state_dir, &id, &target, report_data, &report, why, sizeof why);
    if (st != LAS_OK) {
        las_cli_error("%s: %s", gramine ? "gramine" : "simulated enclave", why);
        goto out;
    }
    if (report_out) {
        las_sgx_report_serialize(&report, report_wire);
        if (las_cli_write_file(report_out, report_wire, sizeof report_wire) != LAS_OK)
            goto out;
    }
    st = las_client_quote(client, &report, quote);
    if (st != LAS_OK) {
        las_cli_error("%s", las_client_last_error(client));
        if (st == LAS_ERR_REPORT_MAC)
            fprintf(stderr, "las: hint: in sim mode, las attest and las serve must use the same "
                            "--state-dir (same simulated CPU)\n");
        rc = las_status_exit_code(st);
        goto out;
    }
    if (las_cli_write_file(out, quote, sizeof quote) != LAS_OK)
        goto out;
    char mre[65];
    las_hex_encode(report.body.mrenclave, 32, mre, 0);
    fprintf(stderr, "las: quote for mrenclave %s written to %s\n", mre,
            strcmp(out, "-") == 0 ? "stdout" : out);
    rc = LAS_EXIT_OK;
out:
    las_client_free(client);
    return rc;
}
