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
 * Opens the lock file path (created with mode 0600 if missing) and takes an
 * exclusive flock on it, waiting for other holders; the lock lasts until
 * *fd is closed. The file is opened read-only (a lock needs no write access,
 * so a read-only state directory can still be locked) and never through a
 * symbolic link: a symlink or anything but a regular file at path is
 * refused with LAS_ERR_STATE and its target left untouched. Other failures
 * give LAS_ERR_IO. On failure *fd is -1 and why says what went wrong.
 */
LAS_MUST_CHECK las_status las_file_lock(const char *path, int *fd, char *why, size_t why_len);

/*
 * Creates dir (one level) with mode if missing. LAS_ERR_IO (errno set) if it
 * cannot be created or is not a directory; LAS_ERR_STATE with a reason when
 * it is writable by group or others, who could then replace what LAS keeps
 * there.
 */
LAS_MUST_CHECK las_status las_dir_ensure(const char *dir, mode_t mode, char *why, size_t why_len);

/*
 * Removes what interrupted atomic writes of name left in dir: the entries
 * "<name>.tmp.*" that las_file_write_atomic creates. Call it only where no
 * other process can be writing name (under its lock). Best effort: an entry
 * that cannot be removed (a read-only directory) stays, as it is harmless.
 * Symbolic links are removed, never followed; directories stay. Returns the
 * number of entries removed.
 */
unsigned las_file_remove_temporaries(const char *dir, const char *name);

#endif
