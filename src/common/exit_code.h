/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exit codes of `las`, defined here once; their meanings are a table in
 * status.c (printed by `las serve --help`, listed in docs/cli.md). Every
 * command exits 0-3 (las_status_exit_code maps each status to one); `las
 * serve` adds one code per class of start-up failure, so that supervisors
 * and scripts can tell them apart.
 */
#ifndef LAS_EXIT_CODE_H
#define LAS_EXIT_CODE_H

#include <stdbool.h>

#include "las/status.h"

enum las_exit_code {
    LAS_EXIT_OK = 0,
    LAS_EXIT_REFUSED = 1, /* verification refused */
    LAS_EXIT_USAGE = 2,
    LAS_EXIT_IO = 3, /* connection or I/O error; las serve: other start-up failures */
    /* las serve start-up failures */
    LAS_EXIT_STATE_REFUSED = 4, /* a state file corrupt or unsafe, left untouched */
    LAS_EXIT_LISTEN = 5,        /* cannot bind the listen address (in use, not local) */
    LAS_EXIT_ROOT = 6,          /* refused to run as root without --allow-root */
    LAS_EXIT_STATE_DIR = 7,     /* state directory cannot be created, read, locked or written */
    LAS_EXIT_COUNT
};

/*
 * One line saying what an exit code means for the commands, or for `las
 * serve` when serve is set; NULL for a code they never give.
 */
const char *las_exit_code_meaning(int code, bool serve);

/*
 * The exit code of `las serve` when a start-up step that works on the state
 * directory fails with s: 4 for a corrupt or unsafe state file or directory
 * (left untouched), 7 when it cannot be read, written or locked, else as
 * las_status_exit_code.
 */
int las_status_state_exit_code(las_status s);

#endif
