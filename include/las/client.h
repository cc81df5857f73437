/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client side of LAS: talk to a running LAS over HTTP, and make the REPORT
 * of an enclave running under Gramine. (The simulated application enclave
 * of `las attest` is part of the simulator, not of this library.)
 *
 * A las_client holds one HTTP connection (kept alive between calls); use one
 * per thread. There is no global state besides libcurl's own initialization.
 * liblas does not link libcurl: the first request loads libcurl.so.4
 * (package libcurl4) with dlopen; when it is missing, the request fails
 * with LAS_ERR_IO and las_client_last_error says so.
 */
#ifndef LAS_CLIENT_H
#define LAS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "las/quote.h"
#include "las/sgx.h"
#include "las/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LAS_DEFAULT_ADDR "127.0.0.1:18766"
#define LAS_DEFAULT_PORT 18766

struct las_client;

/*
 * The LAS address to use: flag if non-NULL, else $LAS_ADDR, else
 * $SCONE_LAS_ADDR, else LAS_DEFAULT_ADDR. Never NULL.
 */
const char *las_client_resolve_addr(const char *flag);

/*
 * Creates a client for addr ("HOST:PORT" or "[V6]:PORT", PORT 1-65535 in
 * decimal, HOST a name or an IPv4 address); timeout in ms (0: 10 s).
 * LAS_ERR_INVALID_ARGUMENT for any other form (no port, anything after it).
 */
LAS_MUST_CHECK las_status las_client_new(const char *addr, long timeout_ms,
                                         struct las_client **out);
void las_client_free(struct las_client *c);

/* Message of the last failure (server's error message or transport error). */
const char *las_client_last_error(const struct las_client *c);

/*
 * GET /v1/target-info: LAS's TARGETINFO, to make a REPORT for LAS. Not
 * authenticated (plain HTTP): a wrong TARGETINFO only makes a REPORT that
 * LAS cannot verify, so it refuses to quote it.
 */
LAS_MUST_CHECK las_status las_client_target_info(struct las_client *c,
                                                 struct las_sgx_targetinfo *out);

/*
 * POST /v1/quote: exchanges a REPORT for LAS for a signed LAS quote.
 * Checked: only that the answer is LAS_QUOTE_SIZE bytes. The quote is not
 * verified: a relying party passes it to las_quote_verify with its policy.
 */
LAS_MUST_CHECK las_status las_client_quote(struct las_client *c,
                                           const struct las_sgx_report *report,
                                           uint8_t quote[static LAS_QUOTE_SIZE]);

/*
 * GET /v1/platform: the platform evidence document (JSON, NUL-terminated,
 * malloc'd), as the LAS at that address sends it. Not verified: pass it to
 * las_evidence_verify before believing anything in it.
 */
LAS_MUST_CHECK las_status las_client_platform(struct las_client *c, char **json_out);

/*
 * GET /v1/platform, returning only the platform ID it announces. Nothing
 * about it is verified (anyone can announce any ID): never pin an ID
 * obtained this way; verify the whole document (las_client_platform and
 * las_evidence_verify, or `las platform-ids`).
 */
LAS_MUST_CHECK las_status las_client_platform_id(struct las_client *c,
                                                 uint8_t id[static LAS_PLATFORM_ID_SIZE]);

/* Gramine's attestation interface inside an SGX enclave. */
#define LAS_GRAMINE_DEFAULT_DIR "/dev/attestation"

/*
 * For applications running under Gramine: makes a REPORT of the calling
 * enclave for target with report_data, through Gramine's pseudo-files
 * (attestation_dir/target_info, user_report_data, report). attestation_dir
 * is normally LAS_GRAMINE_DEFAULT_DIR. why gets a reason on failure.
 * Checked: the sizes Gramine returns. The REPORT is MACed for target only
 * and says nothing to anyone else; its report data is what makes the quote
 * fresh, so put the relying party's nonce there.
 */
LAS_MUST_CHECK las_status las_gramine_report(const char *attestation_dir,
                                             const struct las_sgx_targetinfo *target,
                                             const uint8_t report_data[static 64],
                                             struct las_sgx_report *out, char *why, size_t why_len);

#ifdef __cplusplus
}
#endif

#endif
