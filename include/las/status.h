/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status codes shared by every LAS module and by the public library.
 *
 * Each code has a stable machine-readable name (las_status_name), used as the
 * "code" of HTTP error bodies, and maps to one HTTP status and one CLI exit
 * code in a single table (src/common/status.c).
 */
#ifndef LAS_STATUS_H
#define LAS_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LAS_MUST_CHECK __attribute__((warn_unused_result))
#else
#define LAS_MUST_CHECK
#endif

typedef enum {
    LAS_OK = 0,
    /* Caller errors: bad arguments or malformed input. */
    LAS_ERR_INVALID_ARGUMENT, /* a parameter is out of range or missing */
    LAS_ERR_BAD_SIZE,         /* input has the wrong length */
    LAS_ERR_MALFORMED,        /* input does not parse */
    LAS_ERR_UNSUPPORTED,      /* well-formed but of a version/kind we do not handle */
    /* Verification refusals. */
    LAS_ERR_REPORT_MAC, /* SGX REPORT MAC does not verify on this platform */
    LAS_ERR_SIGNATURE,  /* a signature does not verify */
    LAS_ERR_REFUSED,    /* valid, but a constraint (platform, mrenclave...) refuses it */
    LAS_ERR_SIMULATED,  /* produced in simulation mode and simulation is not allowed */
    /* SGX instruction errors (EGETKEY), as the SDM names them. */
    LAS_ERR_SGX_INVALID_ATTRIBUTE,
    LAS_ERR_SGX_INVALID_CPUSVN,
    LAS_ERR_SGX_INVALID_ISVSVN,
    LAS_ERR_SGX_INVALID_KEYNAME,
    LAS_ERR_SGX_GP_FAULT, /* the instruction would raise #GP (reserved bits set) */
    /* Environment errors. */
    LAS_ERR_IO,       /* a file or directory cannot be read, written or created */
    LAS_ERR_STATE,    /* a state file is corrupt: size, checksum, format or version */
    LAS_ERR_CONNECT,  /* cannot reach LAS / network error */
    LAS_ERR_PROTOCOL, /* LAS answered something unexpected */
    LAS_ERR_CRYPTO,   /* a crypto library call failed */
    LAS_ERR_NO_MEMORY,
    LAS_ERR_UNAVAILABLE, /* the service is not ready / backend missing */
    LAS_ERR_INTERNAL,
    /* Added later, so that the values above keep their numbers. */
    LAS_ERR_STATE_UNSAFE, /* a state file or directory is unsafe: a link, another owner, open to
                             others */
    LAS_ERR_LOCK,         /* a lock file cannot be opened or locked */
    LAS_STATUS_COUNT
} las_status;

/* Stable snake_case name of a status ("report_mac_invalid", ...). */
const char *las_status_name(las_status s);

/* One-line human description of a status. */
const char *las_status_message(las_status s);

/* HTTP status code to answer with when a request fails with s. */
int las_status_http(las_status s);

/*
 * Exit code of a `las` command that fails with s: 0 ok, 1 verification
 * refused, 2 usage error, 3 connection or I/O error (`las serve` has more
 * for its start-up failures; docs/cli.md).
 */
int las_status_exit_code(las_status s);

#ifdef __cplusplus
}
#endif

#endif
