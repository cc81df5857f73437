/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the unit tests (temporary state directories). */
#ifndef LAS_TEST_HELPERS_H
#define LAS_TEST_HELPERS_H

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"

static int test_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Creates a fresh temporary directory; the caller frees it with test_tmpdir_free. */
static inline char *test_tmpdir(void)
{
    char tmpl[] = "/tmp/las-unit-XXXXXX";
    char *dir = mkdtemp(tmpl);
    return dir ? strdup(dir) : NULL;
}

static inline void test_tmpdir_free(char *dir)
{
    if (dir) {
        nftw(dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
    }
}

static inline void test_path(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/*
 * The directory path, opened (and created if missing) for the functions
 * that take a struct las_dir. Each call opens it afresh into a ring of 16
 * slots, closing what the slot held before: the result stays valid for the
 * next 15 calls, longer than any caller here needs it (during one call).
 * Aborts the test when the directory cannot be opened.
 */
static inline const struct las_dir *test_dir(const char *path)
{
    static struct las_dir ring[16];
    static unsigned next;
    char why[512];
    if (next == 0) {
        for (unsigned i = 0; i < 16; i++)
            ring[i].fd = -1;
    }
    struct las_dir *d = &ring[next++ % 16];
    las_dir_close(d);
    if (las_dir_open(path, true, d, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "test_dir: %s\n", why);
        abort();
    }
    return d;
}

/* Replaces the file path with data and exactly the given mode (no checks: tests plant files). */
static inline int test_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = write(fd, data, len) == (ssize_t)len && fchmod(fd, mode) == 0;
    return close(fd) == 0 && ok ? 0 : -1;
}

#endif
