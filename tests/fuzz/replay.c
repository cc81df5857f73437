/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs a fuzz target's LLVMFuzzerTestOneInput over files and directories
 * (each regular file is one input), without libFuzzer: the corpus and every
 * regression input become a CTest test in the normal and sanitizer builds.
 *   replay_<target> PATH... [--optional PATH...]
 * A PATH before --optional must exist (a missing corpus or regressions
 * directory fails the test); one after it may be absent (the shared Intel
 * data), which is said on stderr. A target whose LLVMFuzzerInitialize exits
 * with 77 (it needs absent data) is reported by CTest as skipped.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (4 * 1024 * 1024)

static unsigned long ran;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = malloc(REPLAY_MAX_INPUT);
    size_t n = buf ? fread(buf, 1, REPLAY_MAX_INPUT, f) : 0;
    fclose(f);
    if (buf == NULL)
        return 1;
    /* An exact-size copy, so ASan sees reads past the input's end. */
    uint8_t *exact = malloc(n ? n : 1);
    if (exact == NULL) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    ran++;
    return 0;
}

static int run_path(const char *path, bool optional)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (optional) {
            fprintf(stderr, "replay: optional %s is absent, not replayed\n", path);
            return 0;
        }
        fprintf(stderr, "replay: %s is missing\n", path);
        return 1;
    }
    if (!S_ISDIR(sb.st_mode))
        return run_file(path);
    DIR *d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ., .. and .gitkeep, which keeps an empty regressions/ in git */
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        rc = run_path(child, false);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    bool optional = false;
    if (LLVMFuzzerInitialize(&argc, &argv) != 0)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--optional") == 0) {
            optional = true;
            continue;
        }
        if (run_path(argv[i], optional) != 0)
            return 1;
    }
    printf("replay: %lu inputs, no crash\n", ran);
    return ran > 0 ? 0 : 1;
}
