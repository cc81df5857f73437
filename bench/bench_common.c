/* SPDX-License-Identifier: Apache-2.0 */
#include "bench_common.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity/quote_sign.h"

#define SIGN_BATCHES 5

uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool proc_cpu(pid_t pid, struct cpu_times *out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    return proc_stat_cpu(path, out);
}

bool proc_stat_cpu(const char *path, struct cpu_times *out)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may contain spaces: fields count from the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return false;
    unsigned long long utime = 0, stime = 0;
    /* After ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
     * cmajflt utime(14) stime(15). */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
        2)
        return false;
    long tick = sysconf(_SC_CLK_TCK);
    out->user_ns = (uint64_t)utime * (1000000000ull / (uint64_t)tick);
    out->system_ns = (uint64_t)stime * (1000000000ull / (uint64_t)tick);
    return true;
}

int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double measure_sign_ns(unsigned iterations)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    uint8_t msg[LAS_QUOTE_SIGNING_INPUT_SIZE], sig[crypto_sign_BYTES];
    double per_op[SIGN_BATCHES];
    unsigned batch = iterations / SIGN_BATCHES ? iterations / SIGN_BATCHES : 1;

    crypto_sign_keypair(pk, sk);
    randombytes_buf(msg, sizeof msg);
    for (unsigned i = 0; i < batch / 10 + 1; i++) /* warm caches */
        crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
    for (int b = 0; b < SIGN_BATCHES; b++) {
        uint64_t t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
        for (unsigned i = 0; i < batch; i++) {
            memcpy(msg, &i, sizeof i); /* a different message each time, like LAS */
            crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
        }
        per_op[b] = (double)(now_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / batch;
    }
    sodium_memzero(sk, sizeof sk);
    qsort(per_op, SIGN_BATCHES, sizeof per_op[0], cmp_double);
    return per_op[SIGN_BATCHES / 2];
}

bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}
