/* SPDX-License-Identifier: Apache-2.0 */
/* The one table that maps status codes to names, HTTP status and exit codes. */
#include "las/status.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "common/reason.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

static const struct {
    const char *name;
    const char *message;
    int http;
    int exit_code;
} status_table[LAS_STATUS_COUNT] = {
    [LAS_OK] = {"ok", "success", 200, EXIT_OK},
    [LAS_ERR_INVALID_ARGUMENT] = {"invalid_argument", "invalid argument", 400, EXIT_USAGE},
    [LAS_ERR_BAD_SIZE] = {"bad_request_size", "input has the wrong size", 400, EXIT_REFUSED},
    [LAS_ERR_MALFORMED] = {"malformed", "input is malformed", 400, EXIT_REFUSED},
    [LAS_ERR_UNSUPPORTED] = {"unsupported", "unsupported version or kind", 400, EXIT_REFUSED},
    [LAS_ERR_REPORT_MAC] = {"report_mac_invalid",
                            "the REPORT's MAC is invalid: it was not made for this LAS on this "
                            "platform",
                            403, EXIT_REFUSED},
    [LAS_ERR_SIGNATURE] = {"signature_invalid", "signature is invalid", 403, EXIT_REFUSED},
    [LAS_ERR_REFUSED] = {"refused", "refused by a verification constraint", 403, EXIT_REFUSED},
    [LAS_ERR_SIMULATED] = {"simulation_not_allowed",
                           "produced in simulation mode, which gives no security", 403,
                           EXIT_REFUSED},
    [LAS_ERR_SGX_INVALID_ATTRIBUTE] = {"sgx_invalid_attribute", "EGETKEY: SGX_INVALID_ATTRIBUTE",
                                       500, EXIT_IO},
    [LAS_ERR_SGX_INVALID_CPUSVN] = {"sgx_invalid_cpusvn", "EGETKEY: SGX_INVALID_CPUSVN", 500,
                                    EXIT_IO},
    [LAS_ERR_SGX_INVALID_ISVSVN] = {"sgx_invalid_isvsvn", "EGETKEY: SGX_INVALID_ISVSVN", 500,
                                    EXIT_IO},
    [LAS_ERR_SGX_INVALID_KEYNAME] = {"sgx_invalid_keyname", "EGETKEY: SGX_INVALID_KEYNAME", 500,
                                     EXIT_IO},
    [LAS_ERR_SGX_GP_FAULT] = {"sgx_gp_fault", "ENCLU would raise #GP", 500, EXIT_IO},
    [LAS_ERR_IO] = {"io_error", "I/O error", 500, EXIT_IO},
    [LAS_ERR_STATE] = {"state_invalid", "state file is unreadable, corrupt or unsafe", 500,
                       EXIT_IO},
    [LAS_ERR_CONNECT] = {"connect_failed", "cannot connect to LAS", 502, EXIT_IO},
    [LAS_ERR_PROTOCOL] = {"protocol_error", "unexpected answer from LAS", 502, EXIT_IO},
    [LAS_ERR_CRYPTO] = {"crypto_error", "cryptographic library error", 500, EXIT_IO},
    [LAS_ERR_NO_MEMORY] = {"out_of_memory", "out of memory", 503, EXIT_IO},
    [LAS_ERR_UNAVAILABLE] = {"unavailable", "service unavailable", 503, EXIT_IO},
    [LAS_ERR_INTERNAL] = {"internal_error", "internal error", 500, EXIT_IO},
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
    return valid(s) ? status_table[s].exit_code : EXIT_IO;
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
