/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common/file.c: the state directory as OpenBSD's daemons handle theirs.
 * fsync, renameat and linkat are wrapped at link time (-Wl,--wrap, see
 * tests/CMakeLists.txt) so that the order of an atomic replace can be seen:
 * the file is synced before its rename, the directory after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "test_helpers.h"

/* ---- what the wrapped calls saw ------------------------------------------- */

enum event { EV_SYNC_FILE = 1, EV_SYNC_DIR, EV_RENAME, EV_LINK };
static enum event events[16];
static size_t n_events;

static void record(enum event e)
{
    if (n_events < sizeof events / sizeof events[0])
        events[n_events++] = e;
}

int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __wrap_fsync(int fd)
{
    struct stat sb;
    if (fstat(fd, &sb) == 0)
        record(S_ISDIR(sb.st_mode) ? EV_SYNC_DIR : EV_SYNC_FILE);
    return __real_fsync(fd);
}

int __real_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
int __wrap_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
int __wrap_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    record(EV_RENAME);
    return __real_renameat(olddirfd, oldpath, newdirfd, newpath);
}

int __real_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
int __wrap_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
int __wrap_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    record(EV_LINK);
    return __real_linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}

/* ---- fixture ----------------------------------------------------------------- */

struct fixture {
    char *dir;
    struct las_dir d;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char why[256];
    if (f == NULL || (f->dir = test_tmpdir()) == NULL)
        return -1;
    if (las_dir_open(f->dir, false, &f->d, why, sizeof why) != LAS_OK)
        return -1;
    n_events = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    las_dir_close(&f->d);
    test_tmpdir_free(f->dir);
    free(f);
    return 0;
}

/* The number of entries of dir whose name contains ".tmp.". */
static int temporaries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void assert_content(const char *dir, const char *name, const char *want)
{
    char path[600];
    uint8_t *buf = NULL;
    size_t len = 0;
    test_path(path, sizeof path, dir, name);
    assert_int_equal(las_file_read(path, 4096, &buf, &len), LAS_OK);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
    free(buf);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_path_join_refuses_truncation(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(las_path_join(out, sizeof out, "abc", "def"), LAS_OK); /* 7 + NUL */
    assert_string_equal(out, "abc/def");
    assert_int_equal(las_path_join(out, sizeof out, "abc", "defg"), LAS_ERR_INVALID_ARGUMENT);
    assert_string_equal(out, ""); /* never a truncated path */
    assert_int_equal(las_path_join(out, 0, "a", "b"), LAS_ERR_INVALID_ARGUMENT);
}

/* A replace: file synced, renamed, then the directory synced; exact mode, nothing left. */
static void test_atomic_replace_syncs_file_then_directory(void **state)
{
    struct fixture *f = *state;
    char why[256], path[600];
    struct stat sb;
    assert_int_equal(las_dir_write_atomic(&f->d, "x.json", "one", 3, 0600, false, why, sizeof why),
                     LAS_OK);
    n_events = 0;
    assert_int_equal(las_dir_write_atomic(&f->d, "x.json", "two!", 4, 0640, false, why, sizeof why),
                     LAS_OK);
    assert_int_equal(n_events, 3);
    assert_int_equal(events[0], EV_SYNC_FILE);
    assert_int_equal(events[1], EV_RENAME);
    assert_int_equal(events[2], EV_SYNC_DIR);
    assert_content(f->dir, "x.json", "two!");
    test_path(path, sizeof path, f->dir, "x.json");
    assert_int_equal(lstat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640); /* fchmod: not subject to the umask */
    assert_int_equal(temporaries(f->dir), 0);
}

/* Exclusive: linked, not renamed; a second one fails with EEXIST and changes nothing. */
static void test_exclusive_write_never_replaces(void **state)
{
    struct fixture *f = *state;
    char why[256];
    assert_int_equal(las_dir_write_atomic(&f->d, "c.pem", "first", 5, 0644, true, why, sizeof why),
                     LAS_OK);
    assert_int_equal(n_events, 3);
    assert_int_equal(events[0], EV_SYNC_FILE);
    assert_int_equal(events[1], EV_LINK);
    assert_int_equal(events[2], EV_SYNC_DIR);
    errno = 0;
    assert_int_equal(las_dir_write_atomic(&f->d, "c.pem", "second", 6, 0644, true, why, sizeof why),
                     LAS_ERR_IO);
    assert_int_equal(errno, EEXIST);
    assert_non_null(strstr(why, "c.pem"));
    assert_content(f->dir, "c.pem", "first");
    assert_int_equal(temporaries(f->dir), 0);
}

/* A write that fails at the rename (a directory holds the name) leaves no temporary. */
static void test_failed_write_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    char why[256], path[600], long_name[300];
    test_path(path, sizeof path, f->dir, "busy");
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(las_dir_write_atomic(&f->d, "busy", "x", 1, 0600, false, why, sizeof why),
                     LAS_ERR_IO);
    assert_non_null(strstr(why, "cannot write"));
    assert_int_equal(temporaries(f->dir), 0);
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_not_equal(
        las_dir_write_atomic(&f->d, long_name, "x", 1, 0600, false, why, sizeof why), LAS_OK);
    assert_int_equal(temporaries(f->dir), 0);
}

/* Reads: a link or a FIFO is refused (the FIFO without blocking), size bounded, missing told. */
static void test_read_refuses_links_fifos_and_oversize(void **state)
{
    struct fixture *f = *state;
    char why[256], path[600], target[600];
    uint8_t *buf = NULL;
    size_t len = 0;
    struct stat sb;
    bool missing = false;

    test_path(target, sizeof target, f->dir, "target");
    assert_int_equal(test_write_file(target, "secret", 6, 0600), 0);
    test_path(path, sizeof path, f->dir, "link");
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(las_dir_read(&f->d, "link", 64, &buf, &len, &sb, NULL, why, sizeof why),
                     LAS_ERR_STATE_UNSAFE);
    assert_non_null(strstr(why, "is a symbolic link"));
    assert_null(buf);

    test_path(path, sizeof path, f->dir, "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(las_dir_read(&f->d, "fifo", 64, &buf, &len, &sb, NULL, why, sizeof why),
                     LAS_ERR_STATE_UNSAFE);
    assert_non_null(strstr(why, "not a regular file"));

    assert_int_equal(las_dir_read(&f->d, "target", 5, &buf, &len, &sb, NULL, why, sizeof why),
                     LAS_ERR_BAD_SIZE);
    assert_null(buf);
    assert_int_equal(las_dir_read(&f->d, "target", 6, &buf, &len, &sb, NULL, why, sizeof why),
                     LAS_OK);
    assert_int_equal(len, 6);
    assert_true(S_ISREG(sb.st_mode));
    free(buf);
    buf = NULL;

    assert_int_equal(las_dir_read(&f->d, "absent", 6, &buf, &len, &sb, &missing, why, sizeof why),
                     LAS_OK);
    assert_true(missing);
    assert_null(buf);
    assert_int_equal(las_dir_read(&f->d, "absent", 6, &buf, &len, &sb, NULL, why, sizeof why),
                     LAS_ERR_IO);
}

/* A lock file that is a (dangling) link is refused and its target not created. */
static void test_lock_refuses_links(void **state)
{
    struct fixture *f = *state;
    char why[256], path[600], target[600];
    int fd = 123;
    test_path(target, sizeof target, f->dir, "not-there");
    test_path(path, sizeof path, f->dir, "x.lock");
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(las_dir_lock(&f->d, "x.lock", &fd, why, sizeof why), LAS_ERR_STATE_UNSAFE);
    assert_int_equal(fd, -1);
    assert_int_equal(access(target, F_OK), -1);
    assert_int_equal(las_dir_lock(&f->d, "y.lock", &fd, why, sizeof why), LAS_OK);
    assert_true(fd >= 0);
    close(fd);
}

/* The directory: created 0700 when asked, refused when group or others may write it. */
static void test_dir_open_refuses_open_directories(void **state)
{
    struct fixture *f = *state;
    char why[256], sub[600];
    struct las_dir d;
    struct stat sb;
    static const mode_t open_modes[] = {0770, 0757, 01777};

    test_path(sub, sizeof sub, f->dir, "sub");
    assert_int_equal(las_dir_open(sub, false, &d, why, sizeof why), LAS_ERR_IO);
    assert_int_equal(d.fd, -1);
    assert_int_equal(access(sub, F_OK), -1); /* not created */
    assert_int_equal(las_dir_open(sub, true, &d, why, sizeof why), LAS_OK);
    las_dir_close(&d);
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
    for (size_t i = 0; i < sizeof open_modes / sizeof open_modes[0]; i++) {
        assert_int_equal(chmod(sub, open_modes[i]), 0);
        assert_int_equal(las_dir_open(sub, false, &d, why, sizeof why), LAS_ERR_STATE_UNSAFE);
        assert_non_null(strstr(why, "chmod go-w"));
        assert_int_equal(d.fd, -1);
    }
    assert_int_equal(chmod(sub, 0700), 0);
}

/* Leftovers of killed writes of one name go; links are removed, not followed; others stay. */
static void test_remove_temporaries(void **state)
{
    struct fixture *f = *state;
    char path[600], victim[600];
    static const char *const planted[] = {"a.json.tmp.0123ab", "a.json.tmp.x", "b.json.tmp.1",
                                          "a.json.tmpx"};
    for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++) {
        test_path(path, sizeof path, f->dir, planted[i]);
        assert_int_equal(test_write_file(path, "t", 1, 0600), 0);
    }
    test_path(victim, sizeof victim, f->dir, "victim");
    assert_int_equal(test_write_file(victim, "keep", 4, 0600), 0);
    test_path(path, sizeof path, f->dir, "a.json.tmp.link");
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(las_dir_remove_temporaries(&f->d, "a.json"), 3);
    assert_content(f->dir, "victim", "keep");
    test_path(path, sizeof path, f->dir, "b.json.tmp.1");
    assert_int_equal(access(path, F_OK), 0);
    test_path(path, sizeof path, f->dir, "a.json.tmpx");
    assert_int_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_join_refuses_truncation),
        cmocka_unit_test_setup_teardown(test_atomic_replace_syncs_file_then_directory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exclusive_write_never_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_refuses_links_fifos_and_oversize, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lock_refuses_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_open_refuses_open_directories, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_temporaries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
