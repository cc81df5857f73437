/* SPDX-License-Identifier: Apache-2.0 */
/* `las attest`: act as a simulated application enclave and obtain a LAS quote. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/app_enclave.h"
#include "cli/cli.h"
#include "common/crypto.h"
#include "common/file.h"
#include "common/hex.h"
#include "las/client.h"

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
    las_cli_print_exit_codes(stdout, "the LAS quote was written",
                             "LAS refused the REPORT (e.g. report_mac_invalid: another CPU)");
}

/*
 * Whether the simulated CPU in state_dir is out of this user's reach (no
 * permission on the directory or on the files las attest reads: the lock
 * and the state file that the las serve using it made, mode 0600). If so,
 * prints which user runs, which path it cannot use and whose it is, and
 * returns true; else false (the simulator's own message says more).
 */
static bool report_state_permission(const char *state_dir)
{
    static const struct {
        const char *name; /* NULL: the directory itself */
        int mode;
    } needed[] = {{NULL, R_OK | X_OK}, {"sim-cpu.lock", R_OK}, {"sim-cpu.state", R_OK}};
    char path[4096];
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        if (needed[i].name == NULL)
            snprintf(path, sizeof path, "%s", state_dir);
        else if (las_path_join(path, sizeof path, state_dir, needed[i].name) != LAS_OK)
            return false;
        if (access(path, needed[i].mode) == 0 || (errno != EACCES && errno != EPERM))
            continue;
        int err = errno;
        uid_t uid = geteuid();
        struct passwd *me = getpwuid(uid);
        char user[300];
        snprintf(user, sizeof user, "%s (uid %u)", me ? me->pw_name : "?", (unsigned)uid);
        las_cli_error("cannot use the simulated CPU in %s as user %s: %s: %s", state_dir, user,
                      path, strerror(err));
        struct stat sb;
        if (stat(path, &sb) == 0 || stat(state_dir, &sb) == 0) {
            struct passwd *owner = getpwuid(sb.st_uid);
            fprintf(stderr,
                    "las: it belongs to user %s (uid %u), mode %04o: run las attest as the user "
                    "that runs las serve (e.g. sudo -u %s las attest ...)\n",
                    owner ? owner->pw_name : "?", (unsigned)sb.st_uid,
                    (unsigned)(sb.st_mode & 07777), owner ? owner->pw_name : "#UID");
        } else {
            fprintf(stderr,
                    "las: a directory above it is not searchable by %s: run las attest "
                    "as the user that runs las serve\n",
                    user);
        }
        return true;
    }
    return false;
}

/* What the options ask for. */
struct attest_args {
    const char *addr, *state_dir, *enclave_file, *out, *report_out, *gramine_dir;
    bool have_mrenclave, gramine, identity_given;
    struct las_sim_identity id;
    uint8_t report_data[64];
};

/* Returned by the option steps when the command goes on. */
#define ATTEST_GO_ON (-1)

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

static const struct option attest_opts[] = {
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

/* The options that choose the simulated enclave's identity (and its CPU). */
static int identity_option(int c, const char *arg, struct attest_args *a)
{
    struct las_sim_identity *id = &a->id;
    if (c == O_MRE) {
        if (las_hex_decode(arg, id->mrenclave, 32) != LAS_OK)
            return las_cli_usage_error("attest", "--mrenclave needs 64 hex digits");
        a->have_mrenclave = true;
        return ATTEST_GO_ON;
    }
    a->identity_given = true;
    switch (c) {
    case O_STATE:
        a->state_dir = arg;
        break;
    case O_FILE:
        a->enclave_file = arg;
        break;
    case O_MRS:
        if (las_hex_decode(arg, id->mrsigner, 32) != LAS_OK)
            return las_cli_usage_error("attest", "--mrsigner needs 64 hex digits");
        break;
    case O_PROD:
        if (las_cli_parse_u16(arg, &id->isvprodid) != LAS_OK)
            return las_cli_usage_error("attest", "--isvprodid needs a number 0..65535");
        break;
    case O_SVN:
        if (las_cli_parse_u16(arg, &id->isvsvn) != LAS_OK)
            return las_cli_usage_error("attest", "--isvsvn needs a number 0..65535");
        break;
    default: /* O_DEBUG */
        id->debug = true;
        break;
    }
    return ATTEST_GO_ON;
}

/* Reads argv into *a; ATTEST_GO_ON, or the exit code (--help, usage errors). */
static int parse_options(int argc, char **argv, struct attest_args *a)
{
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:", attest_opts, NULL)) != -1) {
        switch (c) {
        case O_LAS:
            a->addr = optarg;
            break;
        case O_STATE ... O_DEBUG:
            if ((rc = identity_option(c, optarg, a)) != ATTEST_GO_ON)
                return rc;
            break;
        case O_RD:
            if (las_cli_hex_padded(optarg, a->report_data, sizeof a->report_data) != LAS_OK)
                return las_cli_usage_error("attest",
                                           "--report-data needs an even number of hex digits, "
                                           "at most 128");
            break;
        case O_OUT:
            a->out = optarg;
            break;
        case O_ROUT:
            a->report_out = optarg;
            break;
        case O_GDIR: /* implies --gramine */
            a->gramine_dir = optarg;
            a->gramine = true;
            break;
        case O_GRAMINE:
            a->gramine = true;
            break;
        case 'h':
            attest_usage();
            return LAS_EXIT_OK;
        default:
            return las_cli_option_error("attest", c, argv);
        }
    }
    if (optind != argc)
        return las_cli_usage_error("attest", "unexpected argument '%s'", argv[optind]);
    return ATTEST_GO_ON;
}

/* Refuses options that contradict each other; fills in the default MRENCLAVE. */
static int check_options(struct attest_args *a)
{
    if (strcmp(a->out, "-") == 0 && isatty(STDOUT_FILENO))
        return las_cli_usage_error("attest", "refusing to write the binary quote to a terminal: "
                                             "use --out FILE or a redirection");
    if (a->gramine && (a->identity_given || a->have_mrenclave))
        return las_cli_usage_error("attest", "--gramine uses the enclave's real identity: "
                                             "identity and --state-dir flags do not apply");
    if (a->enclave_file && a->have_mrenclave)
        return las_cli_usage_error("attest", "give --enclave-file or --mrenclave, not both");
    if (a->enclave_file) {
        if (las_sha256_file(a->enclave_file, a->id.mrenclave) != LAS_OK) {
            las_cli_error("cannot read --enclave-file %s: %s", a->enclave_file, strerror(errno));
            return LAS_EXIT_IO;
        }
    } else if (!a->have_mrenclave) {
        static const char label[] = "LAS simulated application enclave";
        if (las_sha256(label, sizeof label - 1, a->id.mrenclave) != LAS_OK)
            return LAS_EXIT_IO;
    }
    return ATTEST_GO_ON;
}

/* LAS's target info, then the enclave's REPORT for it (also to --report-out). */
static int make_report(struct las_client *client, const struct attest_args *a,
                       struct las_sgx_report *report)
{
    struct las_sgx_targetinfo target;
    uint8_t report_wire[LAS_SGX_REPORT_SIZE];
    char why[512];
    las_status st = las_client_target_info(client, &target);
    if (st != LAS_OK) {
        las_cli_error("%s", las_client_last_error(client));
        return LAS_EXIT_IO;
    }
    if (a->gramine)
        st = las_gramine_report(a->gramine_dir, &target, a->report_data, report, why, sizeof why);
    else
        st = las_sim_enclave_report(a->state_dir, &a->id, &target, a->report_data, report, why,
                                    sizeof why);
    if (st != LAS_OK) {
        if (a->gramine || !report_state_permission(a->state_dir))
            las_cli_error("%s: %s", a->gramine ? "gramine" : "simulated enclave", why);
        return LAS_EXIT_IO;
    }
    if (a->report_out) {
        las_sgx_report_serialize(report, report_wire);
        if (las_cli_write_file(a->report_out, report_wire, sizeof report_wire) != LAS_OK)
            return LAS_EXIT_IO;
    }
    return ATTEST_GO_ON;
}

/* Sends the REPORT to LAS and writes the LAS quote it answers to a->out. */
static int write_quote(struct las_client *client, const struct attest_args *a,
                       const struct las_sgx_report *report)
{
    uint8_t quote[LAS_QUOTE_SIZE];
    char mre[65];
    las_status st = las_client_quote(client, report, quote);
    if (st != LAS_OK) {
        las_cli_error("%s", las_client_last_error(client));
        if (st == LAS_ERR_REPORT_MAC)
            fprintf(stderr, "las: hint: in sim mode, las attest and las serve must use the same "
                            "--state-dir (same simulated CPU)\n");
        return las_status_exit_code(st);
    }
    if (las_cli_write_file(a->out, quote, sizeof quote) != LAS_OK)
        return LAS_EXIT_IO;
    las_hex_encode(report->body.mrenclave, 32, mre, 0);
    fprintf(stderr, "las: quote for mrenclave %s written to %s\n", mre,
            strcmp(a->out, "-") == 0 ? "stdout" : a->out);
    return LAS_EXIT_OK;
}

int las_cmd_attest(int argc, char **argv)
{
    struct attest_args a = {.out = "-", .gramine_dir = LAS_GRAMINE_DEFAULT_DIR};
    struct las_client *client = NULL;
    struct las_sgx_report report;
    int rc;

    las_sim_default_mrsigner(a.id.mrsigner);
    if ((rc = parse_options(argc, argv, &a)) != ATTEST_GO_ON ||
        (rc = check_options(&a)) != ATTEST_GO_ON)
        return rc;
    a.state_dir = las_cli_state_dir(a.state_dir);
    if ((rc = las_cli_client_new("attest", a.addr, &client)) != LAS_EXIT_OK)
        return rc;
    rc = make_report(client, &a, &report);
    if (rc == ATTEST_GO_ON)
        rc = write_quote(client, &a, &report);
    las_client_free(client);
    return rc;
}
