/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What LAS remembers between runs (public data only): the last platform ID
 * with the CPUSVN/ISVSVN it was derived under, and the succession statements
 * published so far. Kept in STATE_DIR/platform.json (docs/evidence.md).
 */
#ifndef LAS_PLATFORM_STATE_H
#define LAS_PLATFORM_STATE_H

#include <stdbool.h>

#include "backend/backend.h"
#include "common/file.h"
#include "identity/platform_key.h"
#include "las/evidence.h"

#define LAS_PLATFORM_STATE_FILE "platform.json"
#define LAS_PLATFORM_STATE_MAX  (64 * 1024)

struct las_platform_state {
    bool present;
    uint8_t platform_id[LAS_PLATFORM_ID_SIZE];
    uint8_t cpusvn[LAS_SGX_CPUSVN_SIZE];
    uint16_t isvsvn;
    struct las_succession successions[LAS_EVIDENCE_MAX_SUCCESSIONS];
    size_t n_successions;
};

/*
 * Loads STATE_DIR/platform.json (present=false when there is none). A corrupt
 * file is refused with LAS_ERR_STATE, a symbolic link or anything but a
 * regular file with LAS_ERR_STATE_UNSAFE, an unreadable one with LAS_ERR_IO.
 */
LAS_MUST_CHECK las_status las_platform_state_load(const struct las_dir *dir,
                                                  struct las_platform_state *out, char *why,
                                                  size_t why_len);

LAS_MUST_CHECK las_status las_platform_state_store(const struct las_dir *dir,
                                                   const struct las_platform_state *state,
                                                   char *why, size_t why_len);

/* Signs "old became new" with both keys. */
LAS_MUST_CHECK las_status las_succession_sign(const struct las_platform_key *old_key,
                                              const struct las_platform_key *new_key,
                                              uint64_t issued_at, struct las_succession *out);

/*
 * Start-up step: compares the remembered identity with the current key. When
 * CPUSVN or ISVSVN changed and the old key can still be derived (SGX allows
 * only older SVNs), appends a succession statement and logs it loudly. Then
 * remembers the current identity, writing platform.json only when it differs
 * from the stored one. Never fails the start for a succession that cannot be
 * made; fails as las_platform_state_load does, or with LAS_ERR_IO when the
 * new identity cannot be written. Leftover temporaries of an interrupted
 * write are removed first.
 */
LAS_MUST_CHECK las_status las_platform_identity_update(struct las_backend *b,
                                                       const struct las_platform_key *key,
                                                       const struct las_dir *dir,
                                                       struct las_platform_state *state, char *why,
                                                       size_t why_len);

/*
 * Builds the evidence document (JSON, malloc'd, NUL-terminated): obtains a
 * hardware quote over LAS's report binding the platform ID.
 */
LAS_MUST_CHECK las_status las_evidence_build(struct las_backend *b,
                                             const struct las_platform_key *key,
                                             const struct las_platform_state *state,
                                             const char *las_version, char **json_out,
                                             size_t *len_out);

#endif
