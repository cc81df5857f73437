/* SPDX-License-Identifier: Apache-2.0 */
/* `las serve`: options, usage, then the daemon (src/daemon/daemon.c). */
#include <stdio.h>

#include "cli/cli.h"
#include "common/log.h"
#include "daemon/config.h"
#include "daemon/daemon.h"

static void serve_usage(FILE *out)
{
    las_config_usage(out);
    fprintf(out, "\nExit codes:\n");
    for (int code = 0; code < LAS_EXIT_COUNT; code++) {
        const char *meaning = las_exit_code_meaning(code, true);
        if (meaning != NULL)
            fprintf(out, "  %d  %s\n", code, meaning);
    }
}

int las_cmd_serve(int argc, char **argv)
{
    struct las_config cfg;
    char why[512];
    bool help = false;

    /* Defaults, then LAS_* variables, then flags. */
    las_config_defaults(&cfg);
    if (las_config_from_env(&cfg, why, sizeof why) != LAS_OK ||
        las_config_from_args(&cfg, argc, argv, &help, why, sizeof why) != LAS_OK)
        return las_cli_usage_error("serve", "%s", why);
    if (help) {
        serve_usage(stdout);
        return LAS_EXIT_OK;
    }
    las_log_configure(cfg.log_level, cfg.log_format);
    return las_daemon_run(&cfg);
}
