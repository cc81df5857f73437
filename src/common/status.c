/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tables that give each status its name, message, HTTP status and exit
 * code, and each exit code its meaning.
 */
#include "las/status.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/exit_code.h"
#include "common/reason.h"

/* What each exit code means for the commands, and for `las serve` (NULL: never given). */
static const struct {
    const char *command;
    const char *serve;
} exit_table[LAS_EXIT_COUNT] = {
    [LAS_EXIT_OK] = {"success",
                     "stopped by SIGTERM or SIGINT after finishing in-flight requests (or --help)"},
    [LAS_EXIT_REFUSED] = {"verification refused", NULL},
    [LAS_EXIT_USAGE] = {"usage error: unknown command or option, bad value or variable",
                        "usage error: unknown flag, bad value or variable"},
    [LAS_EXIT_IO] = {"connection or I/O error",
                     "any other start-up failure: backend unavailable, key derivation"},
    [LAS_EXIT_STATE_REFUSED] = {NULL, "a state file (sim-cpu.state, platform.json, ...) is corrupt "
                                      "or unsafe, or the state directory is writable by group or "
                                      "others; left untouched"},
    [LAS_EXIT_LISTEN] = {NULL, "cannot listen: address in use or not available"},
    [LAS_EXIT_ROOT] = {NULL, "refused to run as root (use --allow-root / LAS_ALLOW_ROOT=1)"},
    [LAS_EXIT_STATE_DIR] = {NULL, "the state directory, or a file in it, cannot be created, read, "
                                  "locked or written"},
};

static const struct {
    const char *name;
    const char *message;
    int http;
    int exit_code;
} status_table[LAS_STATUS_COUNT] = {
    [LAS_OK] = {"ok", "success", 200, LAS_EXIT_OK},
    [LAS_ERR_INVALID_ARGUMENT] = {"invalid_argument", "invalid argument", 400, LAS_EXIT_USAGE},
    [LAS_ERR_BAD_SIZE] = {"bad_request_size", "input has the wrong size", 400, LAS_EXIT_REFUSED},
    [LAS_ERR_MALFORMED] = {"malformed", "input is malformed", 400, LAS_EXIT_REFUSED},
    [LAS_ERR_UNSUPPORTED] = {"unsupported", "unsupported version or kind", 400, LAS_EXIT_REFUSED},
    [LAS_ERR_REPORT_MAC] = {"report_mac_invalid",
                            "the REPORT's MAC is invalid: it was not made for this LAS on this "
                            "platform",
                            403, LAS_EXIT_REFUSED},
    [LAS_ERR_SIGNATURE] = {"signature_invalid", "signature is invalid", 403, LAS_EXIT_REFUSED},
    [LAS_ERR_REFUSED] = {"refused", "refused by a verification constraint", 403, LAS_EXIT_REFUSED},
    [LAS_ERR_SIMULATED] = {"simulation_not_allowed",
                           "produced in simulation mode, which gives no security", 403,
                           LAS_EXIT_REFUSED},
    [LAS_ERR_SGX_INVALID_ATTRIBUTE] = {"sgx_invalid_attribute", "EGETKEY: SGX_INVALID_ATTRIBUTE",
                                       500, LAS_EXIT_IO},
    [LAS_ERR_SGX_INVALID_CPUSVN] = {"sgx_invalid_cpusvn", "EGETKEY: SGX_INVALID_CPUSVN", 500,
                                    LAS_EXIT_IO},
    [LAS_ERR_SGX_INVALID_ISVSVN] = {"sgx_invalid_isvsvn", "EGETKEY: SGX_INVALID_ISVSVN", 500,
                                    LAS_EXIT_IO},
    [LAS_ERR_SGX_INVALID_KEYNAME] = {"sgx_invalid_keyname", "EGETKEY: SGX_INVALID_KEYNAME", 500,
                                     LAS_EXIT_IO},
    [LAS_ERR_SGX_GP_FAULT] = {"sgx_gp_fault", "ENCLU would raise #GP", 500, LAS_EXIT_IO},
    [LAS_ERR_IO] = {"io_error", "I/O error", 500, LAS_EXIT_IO},
    /* The name predates the unsafe and lock statuses; it is kept because it is stable. */
    [LAS_ERR_STATE] = {"state_invalid", "a state file is corrupt", 500, LAS_EXIT_IO},
    [LAS_ERR_STATE_UNSAFE] = {"state_unsafe",
                              "a state file or directory is unsafe (a symbolic link, another "
                              "owner, or open to group or others)",
                              500, LAS_EXIT_IO},
    [LAS_ERR_LOCK] = {"lock_failed", "a lock file cannot be opened or locked", 500, LAS_EXIT_IO},
    [LAS_ERR_CONNECT] = {"connect_failed", "cannot connect to LAS", 502, LAS_EXIT_IO},
    [LAS_ERR_PROTOCOL] = {"protocol_error", "unexpected answer from LAS", 502, LAS_EXIT_IO},
    [LAS_ERR_CRYPTO] = {"crypto_error", "cryptographic library error", 500, LAS_EXIT_IO},
    [LAS_ERR_NO_MEMORY] = {"out_of_memory", "out of memory", 503, LAS_EXIT_IO},
    [LAS_ERR_UNAVAILABLE] = {"unavailable", "service unavailable", 503, LAS_EXIT_IO},
    [LAS_ERR_INTERNAL] = {"internal_error", "internal error", 500, LAS_EXIT_IO},
};

static int valid(las_status s)
{
    return (int)s >= 0 && s < LAS_STATUS_COUNT && status_table[s].name != NULL;
}

const char *las_status_name(las_status s)
{
    return valid(s) ? status_table[s].name : "unknown";
}

const char *las_status_message(las_status s)
{
    return valid(s) ? status_table[s].message : "unknown error";
}

int las_status_http(las_status s)
{
    return valid(s) ? status_table[s].http : 500;
}

int las_status_exit_code(las_status s)
{
    return valid(s) ? status_table[s].exit_code : LAS_EXIT_IO;
}

const char *las_exit_code_meaning(int code, bool serve)
{
    if (code < 0 || code >= LAS_EXIT_COUNT)
        return NULL;
    return serve ? exit_table[code].serve : exit_table[code].command;
}

int las_status_state_exit_code(las_status s)
{
    switch (s) {
    case LAS_ERR_STATE:
    case LAS_ERR_STATE_UNSAFE:
        return LAS_EXIT_STATE_REFUSED;
    case LAS_ERR_IO:
    case LAS_ERR_LOCK:
        return LAS_EXIT_STATE_DIR;
    default:
        return las_status_exit_code(s);
    }
}

las_status las_refuse_into(las_status *status_out, const char **check_out, char *reason,
                           size_t size, las_status st, const char *check, const char *fmt, ...)
{
    va_list ap;
    *status_out = st;
    *check_out = check;
    va_start(ap, fmt);
    vsnprintf(reason, size, fmt, ap);
    va_end(ap);
    return st;
}

las_status las_fail(las_status st, char *reason, size_t size, const char *fmt, ...)
{
    if (reason && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, size, fmt, ap);
        va_end(ap);
    }
    return st;
}
