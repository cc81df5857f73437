/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LAS_FILE_H
#define LAS_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "las/status.h"

/*
 * Reads a whole file of at most max bytes into a malloc'd buffer (*out, to
 * be freed by the caller). Larger files fail with LAS_ERR_BAD_SIZE before
 * anything is allocated beyond max.
 */
LAS_MUST_CHECK las_status las_file_read(const char *path, size_t max, uint8_t **out,
                                        size_t *out_len);

/*
 * Writes data to path atomically: a temporary file in the same directory,
 * fsync, then rename (replace) or link (exclusive: fails with LAS_ERR_IO and
 * errno EEXIST when path exists). The file gets exactly the given mode.
 */
LAS_MUST_CHECK las_status las_file_write_atomic(const char *path, const void *data, size_t len,
                                                mode_t mode, int exclusive);

/*
 * Writes all of data to an existing file (no create, no truncate): for
 * pseudo-files such as Gramine's /dev/attestation/user_report_data.
 */
LAS_MUST_CHECK las_status las_file_write_existing(const char *path, const void *data, size_t len);

/*
 * Opens path (created with mode 0600 if missing) and takes an exclusive
 * flock on it, waiting for other holders; the lock lasts until the returned
 * descriptor is closed. -1 with a reason in why on failure.
 */
int las_file_lock(const char *path, char *why, size_t why_len);

/* Creates dir (one level) with mode if missing; fails if it is not a directory. */
LAS_MUST_CHECK las_status las_dir_ensure(const char *dir, mode_t mode);

#endif
