/* SPDX-License-Identifier: Apache-2.0 */
/* `las id`: the platform ID of a running LAS. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "las/client.h"

int las_cmd_id(int argc, char **argv)
{
    static const struct option opts[] = {
        {"las", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *addr = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            addr = optarg;
            break;
        case 'h':
            printf("usage: las id [--las HOST:PORT]\n"
                   "Prints the platform ID (64 hex digits) that the LAS at HOST:PORT "
                   "announces.\nAddress: --las, else $LAS_ADDR, else $SCONE_LAS_ADDR, else "
                   "%s.\n",
                   LAS_DEFAULT_ADDR);
            las_cli_print_exit_codes(stdout, "the ID was printed", NULL);
            return LAS_EXIT_OK;
        default:
            return las_cli_option_error("id", c, argv);
        }
    }
    if (optind != argc)
        return las_cli_usage_error("id", "unexpected argument '%s'", argv[optind]);

    struct las_client *client = NULL;
    uint8_t id[LAS_PLATFORM_ID_SIZE];
    char hex[LAS_PLATFORM_ID_HEX_SIZE];
    int rc = las_cli_client_new("id", addr, &client);
    if (rc != LAS_EXIT_OK)
        return rc;
    las_status st = las_client_platform_id(client, id);
    if (st != LAS_OK) {
        las_cli_error("%s", las_client_last_error(client));
        las_client_free(client);
        return LAS_EXIT_IO;
    }
    las_client_free(client);
    las_platform_id_format(id, hex);
    printf("%s\n", hex);
    return LAS_EXIT_OK;
}
