/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's life once its configuration is known: start-up (refusal to
 * run as root, backend choice, the state directory, the platform key, the
 * remembered identity), serving until SIGTERM or SIGINT, and shutdown.
 * `las serve` (src/cli/cmd_serve.c) parses the options and calls it.
 */
#ifndef LAS_DAEMON_H
#define LAS_DAEMON_H

#include "daemon/config.h"

/*
 * Starts LAS as configured, serves until SIGTERM or SIGINT, then stops
 * gracefully. Returns the process's exit code: 0 after a stop by a signal,
 * else the code of the start-up failure's class (common/exit_code.h), its
 * reason logged.
 */
int las_daemon_run(const struct las_config *cfg);

#endif
