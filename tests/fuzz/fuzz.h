/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the fuzz targets (tests/fuzz/fuzz_<parser>.c): each defines
 * LLVMFuzzerTestOneInput over one parser. Built with libFuzzer when LAS_FUZZ
 * is on, and always with replay.c, which runs a target over its corpus as a
 * CTest test (no libFuzzer needed).
 */
#ifndef LAS_FUZZ_H
#define LAS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken invariant: abort so that the fuzzer reports the input. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#endif
