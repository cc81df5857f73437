/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Daemon configuration: defaults, then LAS_* environment variables, then
 * command-line flags, all through one table of options (config.c) so a flag
 * and its variable always parse the same way.
 */
#ifndef LAS_CONFIG_H
#define LAS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/log.h"
#include "las/status.h"

enum las_mode { LAS_MODE_AUTO, LAS_MODE_SIM, LAS_MODE_SGX };

struct las_config {
    char listen[256];
    char state_dir[1024];
    enum las_mode mode;
    bool have_sim_cpusvn;
    uint8_t sim_cpusvn[16];
    int sim_isvsvn;                    /* -1: the built-in LAS ISVSVN */
    unsigned threads;                  /* 0: one per CPU */
    unsigned max_connections;          /* concurrent connections; 0: from the descriptor limit */
    unsigned max_connections_per_peer; /* per peer address (IPv6: /64); 0: no limit */
    unsigned request_timeout;          /* seconds for a whole request to arrive once one may come */
    unsigned connection_timeout;       /* seconds of inactivity before a connection is closed */
    unsigned shutdown_timeout;         /* seconds to wait for in-flight requests on SIGTERM */
    char allowed_hosts[1024];          /* extra Host values, comma-separated; "*": no Host check */
    char aesm_socket[512];
    enum las_log_level log_level;
    enum las_log_format log_format;
    bool allow_root; /* run even with effective uid 0 */
};

#define LAS_DEFAULT_LISTEN    "127.0.0.1:18766"
#define LAS_DEFAULT_STATE_DIR "las-state"

void las_config_defaults(struct las_config *c);

/* Applies every LAS_* variable that is set. why names the bad one. */
LAS_MUST_CHECK las_status las_config_from_env(struct las_config *c, char *why, size_t why_len);

/*
 * Applies the flags of argv (argv[0] is the subcommand) with getopt_long,
 * from the same option table as the variables: "--name VALUE",
 * "--name=VALUE", unique abbreviations, "--" ends the options.
 * LAS_ERR_INVALID_ARGUMENT with a reason for an unknown flag, a missing or
 * bad value, a value given to a switch, or an argument that is not a flag.
 * *help is set when --help or -h is given.
 */
LAS_MUST_CHECK las_status las_config_from_args(struct las_config *c, int argc, char **argv,
                                               bool *help, char *why, size_t why_len);

/* Writes the usage of `las serve` (every option, its variable, its default). */
void las_config_usage(FILE *out);

/* Logs the effective configuration, one line per option. */
void las_config_log(const struct las_config *c);

const char *las_mode_name(enum las_mode m);

/* Splits "HOST:PORT" or "[V6]:PORT" into host and port. */
LAS_MUST_CHECK las_status las_split_hostport(const char *addr, char *host, size_t host_len,
                                             uint16_t *port);

#endif
