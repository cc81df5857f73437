/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the `las` command-line tool. */
#ifndef LAS_CLI_H
#define LAS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "common/exit_code.h"
#include "las/dcap.h"
#include "las/status.h"

struct las_cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *help;
};

int las_cmd_serve(int argc, char **argv);
int las_cmd_id(int argc, char **argv);
int las_cmd_attest(int argc, char **argv);
int las_cmd_verify(int argc, char **argv);
int las_cmd_inspect(int argc, char **argv);
int las_cmd_dcap(int argc, char **argv);
int las_cmd_version(int argc, char **argv);
int las_cmd_evidence(int argc, char **argv);
int las_cmd_verify_evidence(int argc, char **argv);
int las_cmd_platform_ids(int argc, char **argv);

/* "las: <message>" on stderr. */
__attribute__((format(printf, 1, 2))) void las_cli_error(const char *fmt, ...);

/* Prints "las <cmd>: <message>" and a hint to --help; returns LAS_EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int las_cli_usage_error(const char *cmd, const char *fmt,
                                                              ...);

struct las_client;

/* The expected form of a LAS address, for usage errors and --help. */
#define LAS_CLI_ADDR_FORM "HOST:PORT (e.g. 127.0.0.1:18766, las.example:18766 or [::1]:18766)"

/*
 * A client for the address las_client_resolve_addr(flag) gives; one not of
 * the form HOST:PORT is a usage error of cmd that names the expected form
 * and where the address came from (--las, $LAS_ADDR, $SCONE_LAS_ADDR).
 * Returns an exit code; *out is set only with LAS_EXIT_OK.
 */
int las_cli_client_new(const char *cmd, const char *flag, struct las_client **out);

/* The same for an address from elsewhere; from says where ("--las", "FILE"). */
int las_cli_client_at(const char *cmd, const char *addr, const char *from, struct las_client **out);

/*
 * The "Exit codes:" paragraph of a command's --help: 0 ok, 1 refused (left
 * out when NULL: the command refuses nothing), 2 usage error and 3
 * connection or I/O error, in the words of the `las --help` table.
 */
void las_cli_print_exit_codes(FILE *out, const char *ok, const char *refused);

/*
 * The usage error for what getopt_long returned as c ('?' unknown,
 * ambiguous or given a value it takes none; ':' missing its value; else an
 * option this command does not take), naming the option as typed. The
 * commands parse with opterr = 0 (set in main.c) and an optstring that
 * starts with ':', so that getopt prints nothing itself.
 */
int las_cli_option_error(const char *cmd, int c, char **argv);

/* State directory for sim mode: flag, else $LAS_STATE_DIR, else the default. */
const char *las_cli_state_dir(const char *flag);

/*
 * Decodes up to max bytes of hex into out, zero-padding the rest (used for
 * report data). LAS_ERR_INVALID_ARGUMENT for odd length, bad digits or too long.
 */
LAS_MUST_CHECK las_status las_cli_hex_padded(const char *hex, uint8_t *out, size_t max);

/* Parses a decimal number in [0, max]. */
LAS_MUST_CHECK las_status las_cli_parse_u16(const char *s, uint16_t *out);

/* ---- output shared by the verifying commands (cli_verify.c) ---- */

struct las_quote;
struct json_t;

/*
 * The one format of a refusal, whichever verifier refused: "REFUSED (CHECK):
 * REASON" on a line of its own, after prefix (e.g. "las: ADDR: "; "" for none).
 */
void las_cli_print_refusal(FILE *out, const char *prefix, const char *check, const char *reason);

/* Adds the {"verified", and when refused "check", "code", "reason"} members to o. */
void las_cli_json_verdict(struct json_t *o, las_status st, const char *check, const char *reason);

/*
 * A TCB status in words: Intel's name, or for LAS_TCB_UNKNOWN why it is
 * unknown (simulated, or hardware verified without collateral, tolerated).
 */
const char *las_cli_tcb_text(enum las_tcb_status s, bool simulated);

/* The quote's fields, one "name: value" line each. */
void las_cli_print_quote(const struct las_quote *q);

/* The quote as a JSON object (issued_at exact over its whole 64-bit range). */
struct json_t *las_cli_quote_json(const struct las_quote *q);

/*
 * An unsigned 64-bit JSON number. jansson's integers are signed, so values
 * above INT64_MAX are carried as a marker that las_cli_print_json writes as
 * the exact decimal number.
 */
struct json_t *las_cli_json_u64(uint64_t v);

/* Prints o (indented, a newline after it) to stdout and releases it. */
void las_cli_print_json(struct json_t *o);

/*
 * --sim-root VALUE: 64 hex digits (a root pin, as `las inspect` prints it) or
 * a file of PEM certificates (sim-qe-root-ca.pem of a simulated LAS's state
 * directory). Adds the pins to pins[*n] (at most max); an exit code.
 */
int las_cli_add_sim_roots(const char *cmd, const char *value, uint8_t (*pins)[32], size_t max,
                          size_t *n);

/*
 * The one way the commands read an input file: all of path, at most max
 * bytes, into a malloc'd *buf. "-" reads stdin (once per run; a second "-"
 * is a usage error of cmd), with the same limit. On failure it says why on
 * stderr, naming what the file is ("quote file", "policy file"): the errno
 * text, "it is a directory", or the size limit. Returns an exit code: 3 when
 * the file cannot be read, 1 when it is larger than max (its content is
 * refused unread), 2 for a second "-".
 */
int las_cli_read_input(const char *cmd, const char *what, const char *path, size_t max,
                       uint8_t **buf, size_t *len);

/* Writes a whole file ("-" = stdout, refused when stdout is a terminal). */
LAS_MUST_CHECK las_status las_cli_write_file(const char *path, const void *data, size_t len);

#endif
