/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the unit tests (temporary state directories). */
#ifndef LAS_TEST_HELPERS_H
#define LAS_TEST_HELPERS_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
