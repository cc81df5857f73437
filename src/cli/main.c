/* SPDX-License-Identifier: Apache-2.0 */
/* `las`: one binary, subcommands from a table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/crypto.h"
#include "version.h"

static const struct las_cli_command commands[] = {
    {"serve", las_cmd_serve, "run the LAS daemon"},
    {"id", las_cmd_id, "print the platform ID of a running LAS"},
    {"attest", las_cmd_attest,
     "act as an enclave (simulated, or under Gramine) and get a LAS quote"},
    {"verify", las_cmd_verify, "verify a LAS quote against a policy or pinned platforms"},
    {"inspect", las_cmd_inspect, "decode a quote or evidence without verifying it (never OK)"},
    {"dcap", las_cmd_dcap, "verify Intel DCAP quotes"},
    {"evidence", las_cmd_evidence, "save the platform evidence of a LAS"},
    {"verify-evidence", las_cmd_verify_evidence, "verify platform evidence, print the platform ID"},
    {"platform-ids", las_cmd_platform_ids, "verify many LAS instances, print 'platforms: [...]'"},
    {"version", las_cmd_version, "print the version"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: las COMMAND [OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\nRun 'las COMMAND --help' for the options of a command.\n\nExit codes:\n");
    for (int code = 0; code < LAS_EXIT_COUNT; code++) {
        const char *meaning = las_exit_code_meaning(code, false);
        if (meaning != NULL)
            fprintf(out, "  %d  %s\n", code, meaning);
    }
    fprintf(out, "  4-7 las serve only: its start-up failures (las serve --help)\n");
}

int las_cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: las version\nPrints \"las VERSION\" (also: las --version).\n");
        las_cli_print_exit_codes(stdout, "the version was printed", NULL);
        return LAS_EXIT_OK;
    }
    if (argc > 1)
        return las_cli_usage_error("version", "unexpected argument '%s'", argv[1]);
    printf("las %s\n", LAS_VERSION);
    return LAS_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return LAS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return LAS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return las_cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            /* libcurl is loaded by the client at its first request (client/curl_api.h). */
            if (las_crypto_init() != LAS_OK) {
                las_cli_error("cannot initialize the crypto library");
                return LAS_EXIT_IO;
            }
            opterr = 0; /* the commands report bad options themselves (las_cli_option_error) */
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "las: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return LAS_EXIT_USAGE;
}
