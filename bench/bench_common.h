/* SPDX-License-Identifier: Apache-2.0 */
/* What las-bench and las-floor measure the same way (bench/README.md). */
#ifndef LAS_BENCH_COMMON_H
#define LAS_BENCH_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

uint64_t now_ns(clockid_t clock);

struct cpu_times {
    uint64_t user_ns, system_ns;
};

/* utime and stime of process pid (all its threads); false if unreadable. */
bool proc_cpu(pid_t pid, struct cpu_times *out);

/* The same from a /proc stat file (/proc/PID/stat or /proc/PID/task/TID/stat). */
bool proc_stat_cpu(const char *path, struct cpu_times *out);

int cmp_double(const void *a, const void *b);

/* A decimal option value in [min, max]: digits only (no sign, no blanks). */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * The CPU time of one raw Ed25519 signature with libsodium's
 * crypto_sign_detached (LAS's library and call) over a message of the size
 * LAS signs, a different message each time: the median of 5 batches of
 * thread CPU time, in ns.
 */
double measure_sign_ns(unsigned iterations);

#endif
