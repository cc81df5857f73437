/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files. A file the user names on the command line (a policy, a quote,
 * collateral) or a pseudo-file (Gramine's /dev/attestation) is reached by
 * its path. The state directory is handled as OpenBSD's daemons handle
 * theirs: it is opened once (struct las_dir) and every file in it is
 * reached with openat(dirfd, name, O_NOFOLLOW | O_CLOEXEC) and checked with
 * fstat on the open descriptor, so neither a symbolic link nor a file
 * swapped in between a check and the open is ever followed.
 */
#ifndef LAS_FILE_H
#define LAS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "las/status.h"

#define LAS_PATH_MAX 4096

/*
 * Writes "dir/name" into out[size]. LAS_ERR_INVALID_ARGUMENT, and out
 * empty, when it does not fit: a path is never truncated.
 */
LAS_MUST_CHECK las_status las_path_join(char *out, size_t size, const char *dir, const char *name);

/*
 * Reads a whole file of at most max bytes into a malloc'd buffer (*out, to
 * be freed by the caller). Larger files fail with LAS_ERR_BAD_SIZE before
 * anything is allocated beyond max; other failures are LAS_ERR_IO with errno.
 */
LAS_MUST_CHECK las_status las_file_read(const char *path, size_t max, uint8_t **out,
                                        size_t *out_len);

/* The same for an open descriptor (e.g. stdin), read to its end; fd stays open. */
LAS_MUST_CHECK las_status las_file_read_fd(int fd, size_t max, uint8_t **out, size_t *out_len);

/*
 * Writes all of data to an existing file (no create, no truncate): for
 * pseudo-files such as Gramine's /dev/attestation/user_report_data.
 */
LAS_MUST_CHECK las_status las_file_write_existing(const char *path, const void *data, size_t len);

/* A directory opened once; its files are reached relative to fd. */
struct las_dir {
    int fd;                  /* O_RDONLY | O_DIRECTORY | O_CLOEXEC; -1 when closed */
    char path[LAS_PATH_MAX]; /* as given, for messages only */
};

/*
 * Opens the directory path, creating it (one level, mode 0700) when create
 * is set and it is missing. path itself may be a symbolic link: the
 * operator chose it. A directory writable by group or others is refused
 * with LAS_ERR_STATE_UNSAFE: they could plant or replace what LAS keeps
 * there. Otherwise failures are LAS_ERR_IO (missing, not a directory, cannot
 * be created or opened), with errno set. why says what went wrong.
 */
LAS_MUST_CHECK las_status las_dir_open(const char *path, bool create, struct las_dir *out,
                                       char *why, size_t why_len);

void las_dir_close(struct las_dir *d);

/* Whether d holds an entry called name (of any type; links not followed). */
bool las_dir_has(const struct las_dir *d, const char *name);

/*
 * Reads the regular file name of d, of at most max bytes, into a malloc'd
 * buffer (*out, freed by the caller). *sb gets fstat of the open file, for
 * the caller's own checks (owner, mode). When missing is non-NULL a file
 * that does not exist sets *missing and returns LAS_OK with *out NULL.
 * Refusals: a symbolic link or anything but a regular file is
 * LAS_ERR_STATE_UNSAFE; a larger file is LAS_ERR_BAD_SIZE; other failures
 * are LAS_ERR_IO. why names the file and the cause.
 */
LAS_MUST_CHECK las_status las_dir_read(const struct las_dir *d, const char *name, size_t max,
                                       uint8_t **out, size_t *out_len, struct stat *sb,
                                       bool *missing, char *why, size_t why_len);

/*
 * Writes data as name in d atomically: a new temporary file
 * "<name>.tmp.<random>" with exactly the given mode, written and fsync'd,
 * is renamed over name (exclusive: linked to name instead, failing with
 * errno EEXIST when name exists), then the directory is fsync'd so that the
 * new name survives a crash. Failures are LAS_ERR_IO, with errno set and
 * nothing left behind; why names the file and the cause.
 */
LAS_MUST_CHECK las_status las_dir_write_atomic(const struct las_dir *d, const char *name,
                                               const void *data, size_t len, mode_t mode,
                                               bool exclusive, char *why, size_t why_len);

/*
 * Takes an exclusive flock on the lock file name of d (created with mode
 * 0600 if missing), waiting for other holders; the lock lasts until *fd is
 * closed. The file is opened read-only, which a lock needs, so a read-only
 * state directory can still be locked. A symbolic link or anything but a
 * regular file at name is refused with LAS_ERR_STATE_UNSAFE and its target
 * left untouched; other failures are LAS_ERR_LOCK. On failure *fd is -1.
 */
LAS_MUST_CHECK las_status las_dir_lock(const struct las_dir *d, const char *name, int *fd,
                                       char *why, size_t why_len);

/*
 * Removes what interrupted atomic writes of name left in d: the entries
 * "<name>.tmp.*". Call it only where no other process can be writing name
 * (under its lock). Best effort: an entry that cannot be removed (a
 * read-only directory) stays, as it is harmless. Symbolic links are
 * removed, never followed; directories stay. Returns how many were removed.
 */
unsigned las_dir_remove_temporaries(const struct las_dir *d, const char *name);

#endif
