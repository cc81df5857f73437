/* SPDX-License-Identifier: Apache-2.0 */
#include "common/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/reason.h"

las_status las_path_join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) {
        if (size > 0)
            out[0] = '\0';
        return LAS_ERR_INVALID_ARGUMENT;
    }
    return LAS_OK;
}

/* Reads up to max bytes of fd, and one more to tell a larger file. */
static las_status read_all(int fd, size_t max, uint8_t **out, size_t *out_len)
{
    size_t cap = max + 1, len = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return LAS_ERR_NO_MEMORY;
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            free(buf);
            errno = saved;
            return LAS_ERR_IO;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max) {
        sodium_memzero(buf, len); /* it may be a secret of the wrong size */
        free(buf);
        return LAS_ERR_BAD_SIZE;
    }
    *out = buf;
    *out_len = len;
    return LAS_OK;
}

las_status las_file_read_fd(int fd, size_t max, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    return read_all(fd, max, out, out_len);
}

las_status las_file_read(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return LAS_ERR_IO;
    las_status st = read_all(fd, max, out, out_len);
    int saved = errno;
    close(fd);
    errno = saved;
    return st;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

las_status las_file_write_existing(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return LAS_ERR_IO;
    int failed = write_full(fd, data, len) != 0;
    int saved = errno;
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    errno = saved;
    return failed ? LAS_ERR_IO : LAS_OK;
}

/* ---- the state directory --------------------------------------------------- */

las_status las_dir_open(const char *path, bool create, struct las_dir *out, char *why,
                        size_t why_len)
{
    struct stat sb;
    out->fd = -1;
    out->path[0] = '\0';
    if (*path == '\0' || strlen(path) >= sizeof out->path)
        return las_fail(LAS_ERR_INVALID_ARGUMENT, why, why_len,
                        "state directory path is empty or too long");
    memcpy(out->path, path, strlen(path) + 1);
    if (create && mkdir(path, 0700) != 0 && errno != EEXIST)
        return las_fail(LAS_ERR_IO, why, why_len, "cannot create state directory %s: %s", path,
                        strerror(errno));
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return las_fail(LAS_ERR_IO, why, why_len, "cannot open state directory %s: %s", path,
                        strerror(errno));
    if (fstat(fd, &sb) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return las_fail(LAS_ERR_IO, why, why_len, "cannot stat state directory %s: %s", path,
                        strerror(saved));
    }
    if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
        close(fd);
        return las_fail(LAS_ERR_STATE_UNSAFE, why, why_len,
                        "state directory %s is writable by group or others (mode %04o): they "
                        "could plant or replace files that LAS trusts; run chmod go-w on it",
                        path, (unsigned)(sb.st_mode & 07777));
    }
    out->fd = fd;
    return LAS_OK;
}

void las_dir_close(struct las_dir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

bool las_dir_has(const struct las_dir *d, const char *name)
{
    struct stat sb;
    return fstatat(d->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The refusal of what openat(O_NOFOLLOW) or fstat found at name instead of a regular file. */
static las_status not_regular(const struct las_dir *d, const char *name, bool link, char *why,
                              size_t why_len)
{
    if (link)
        return las_fail(LAS_ERR_STATE_UNSAFE, why, why_len,
                        "%s/%s is a symbolic link, not a regular file: refused, not followed",
                        d->path, name);
    return las_fail(LAS_ERR_STATE_UNSAFE, why, why_len, "%s/%s is not a regular file: refused",
                    d->path, name);
}

las_status las_dir_read(const struct las_dir *d, const char *name, size_t max, uint8_t **out,
                        size_t *out_len, struct stat *sb, bool *missing, char *why, size_t why_len)
{
    las_status st;
    *out = NULL;
    *out_len = 0;
    if (missing)
        *missing = false;
    /* O_NONBLOCK: a FIFO planted at name must not block the open (fstat refuses it). */
    int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && missing) {
        *missing = true;
        return LAS_OK;
    }
    if (fd < 0 && errno == ELOOP)
        return not_regular(d, name, true, why, why_len);
    if (fd < 0)
        return las_fail(LAS_ERR_IO, why, why_len, "cannot open %s/%s: %s", d->path, name,
                        strerror(errno));
    if (fstat(fd, sb) != 0) {
        st = las_fail(LAS_ERR_IO, why, why_len, "cannot stat %s/%s: %s", d->path, name,
                      strerror(errno));
    } else if (!S_ISREG(sb->st_mode)) {
        st = not_regular(d, name, false, why, why_len);
    } else if ((uint64_t)sb->st_size > max) {
        st = las_fail(LAS_ERR_BAD_SIZE, why, why_len, "%s/%s is larger than %zu bytes", d->path,
                      name, max);
    } else {
        st = read_all(fd, max, out, out_len);
        if (st == LAS_ERR_BAD_SIZE) /* it grew while we read */
            las_fail(st, why, why_len, "%s/%s is larger than %zu bytes", d->path, name, max);
        else if (st != LAS_OK)
            las_fail(st, why, why_len, "cannot read %s/%s: %s", d->path, name, strerror(errno));
    }
    close(fd);
    return st;
}

/*
 * A directory's fsync makes a rename or link in it durable. Some file
 * systems (Gramine's emulation, some FUSE ones) cannot sync a directory and
 * say EINVAL: the rename itself is still atomic, so that is not an error.
 */
static int sync_dir(int dirfd)
{
    return fsync(dirfd) == 0 || errno == EINVAL ? 0 : -1;
}

las_status las_dir_write_atomic(const struct las_dir *d, const char *name, const void *data,
                                size_t len, mode_t mode, bool exclusive, char *why, size_t why_len)
{
    char tmp[256];
    int fd = -1, saved = 0;
    for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
        uint8_t rnd[6];
        char suffix[2 * sizeof rnd + 1];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(suffix, sizeof suffix, rnd, sizeof rnd);
        int n = snprintf(tmp, sizeof tmp, "%s.tmp.%s", name, suffix);
        if (n < 0 || (size_t)n >= sizeof tmp)
            return las_fail(LAS_ERR_INVALID_ARGUMENT, why, why_len, "file name %s is too long",
                            name);
        fd = openat(d->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return las_fail(LAS_ERR_IO, why, why_len, "cannot write %s/%s: %s", d->path, name,
                        strerror(errno));
    bool written = fchmod(fd, mode) == 0 && write_full(fd, data, len) == 0 && fsync(fd) == 0;
    saved = errno;
    if (close(fd) != 0 && written) {
        written = false;
        saved = errno;
    }
    if (written) {
        int r = exclusive ? linkat(d->fd, tmp, d->fd, name, 0) : renameat(d->fd, tmp, d->fd, name);
        written = r == 0;
        saved = errno;
    }
    /* After a rename this name is gone; after a link or a failure it must go. */
    (void)unlinkat(d->fd, tmp, 0);
    if (written && sync_dir(d->fd) != 0) {
        written = false;
        saved = errno;
    }
    if (!written) {
        errno = saved;
        return las_fail(LAS_ERR_IO, why, why_len, "cannot write %s/%s: %s", d->path, name,
                        strerror(saved));
    }
    return LAS_OK;
}

las_status las_dir_lock(const struct las_dir *d, const char *name, int *fd_out, char *why,
                        size_t why_len)
{
    struct stat sb;
    las_status st = LAS_OK;
    /* Read-only is enough for flock; O_NONBLOCK: a planted FIFO must not block the open. */
    int fd = openat(d->fd, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    *fd_out = -1;
    if (fd < 0 && errno == ELOOP)
        return not_regular(d, name, true, why, why_len);
    if (fd < 0)
        return las_fail(LAS_ERR_LOCK, why, why_len, "cannot open lock file %s/%s: %s", d->path,
                        name, strerror(errno));
    if (fstat(fd, &sb) != 0)
        st = las_fail(LAS_ERR_LOCK, why, why_len, "cannot stat lock file %s/%s: %s", d->path, name,
                      strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = not_regular(d, name, false, why, why_len);
    else if (flock(fd, LOCK_EX) != 0)
        st = las_fail(LAS_ERR_LOCK, why, why_len, "cannot lock %s/%s: %s", d->path, name,
                      strerror(errno));
    if (st != LAS_OK) {
        close(fd);
        return st;
    }
    *fd_out = fd;
    return LAS_OK;
}

unsigned las_dir_remove_temporaries(const struct las_dir *d, const char *name)
{
    char prefix[256];
    unsigned removed = 0;
    int n = snprintf(prefix, sizeof prefix, "%s.tmp.", name);
    if (n < 0 || (size_t)n >= sizeof prefix)
        return 0;
    /* fdopendir owns the descriptor it is given: a second one, of the same directory. */
    int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (dir == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        /* unlinkat without AT_REMOVEDIR removes a link itself and refuses a directory. */
        if (strncmp(e->d_name, prefix, (size_t)n) == 0 && unlinkat(d->fd, e->d_name, 0) == 0)
            removed++;
    }
    closedir(dir);
    return removed;
}
