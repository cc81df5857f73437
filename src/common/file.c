/* SPDX-License-Identifier: Apache-2.0 */
#include "common/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

las_status las_file_read(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return LAS_ERR_IO;
    las_status st = LAS_ERR_IO;
    size_t cap = max + 1; /* one more byte to detect an oversized file */
    uint8_t *buf = malloc(cap ? cap : 1);
    size_t len = 0;
    if (buf == NULL) {
        st = LAS_ERR_NO_MEMORY;
        goto out;
    }
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max) {
        st = LAS_ERR_BAD_SIZE;
        goto out;
    }
    *out = buf;
    *out_len = len;
    buf = NULL;
    st = LAS_OK;
out:
    free(buf);
    close(fd);
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

las_status las_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                 int exclusive)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return LAS_ERR_INVALID_ARGUMENT;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return LAS_ERR_IO;
    int saved = 0;
    las_status st = LAS_ERR_IO;
    if (fchmod(fd, mode) != 0 || write_full(fd, data, len) != 0 || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        goto out;
    }
    if (close(fd) != 0) {
        saved = errno;
        goto out;
    }
    if (exclusive) {
        if (link(tmp, path) != 0) {
            saved = errno;
            goto out;
        }
    } else if (rename(tmp, path) != 0) {
        saved = errno;
        goto out;
    }
    st = LAS_OK;
out:
    unlink(tmp); /* after rename this name is gone; after link it is a second name */
    errno = saved;
    return st;
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

las_status las_dir_ensure(const char *dir, mode_t mode, char *why, size_t why_len)
{
    struct stat sb;
    if (mkdir(dir, mode) != 0 && errno != EEXIST)
        return LAS_ERR_IO;
    if (stat(dir, &sb) != 0)
        return LAS_ERR_IO;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return LAS_ERR_IO;
    }
    if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, why_len,
                 "%s is writable by group or others (mode %04o): they could replace or plant "
                 "files that LAS trusts; run chmod go-w on it",
                 dir, (unsigned)(sb.st_mode & 07777));
        return LAS_ERR_STATE;
    }
    return LAS_OK;
}

las_status las_file_lock(const char *path, int *fd_out, char *why, size_t why_len)
{
    struct stat sb;
    /* O_NONBLOCK: a FIFO planted at path must not block the open. */
    int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    *fd_out = -1;
    if (fd < 0 && errno == ELOOP) {
        snprintf(why, why_len, "lock file %s is a symbolic link: refused, not followed", path);
        return LAS_ERR_STATE;
    }
    if (fd < 0) {
        snprintf(why, why_len, "cannot open lock file %s: %s", path, strerror(errno));
        return LAS_ERR_IO;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, why_len, "lock file %s is not a regular file: refused", path);
        close(fd);
        return LAS_ERR_STATE;
    }
    if (flock(fd, LOCK_EX) != 0) {
        snprintf(why, why_len, "cannot lock %s: %s", path, strerror(errno));
        close(fd);
        return LAS_ERR_IO;
    }
    *fd_out = fd;
    return LAS_OK;
}

unsigned las_file_remove_temporaries(const char *dir, const char *name)
{
    char prefix[256];
    unsigned removed = 0;
    int n = snprintf(prefix, sizeof prefix, "%s.tmp.", name);
    DIR *d = opendir(dir);
    if (d == NULL || n < 0 || (size_t)n >= sizeof prefix) {
        if (d)
            closedir(d);
        return 0;
    }
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        /* unlinkat without AT_REMOVEDIR removes a link itself and refuses directories. */
        if (strncmp(e->d_name, prefix, (size_t)n) == 0 && unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
