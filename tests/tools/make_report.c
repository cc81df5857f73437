/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: writes a simulated REPORT (432 bytes) to stdout.
 *   las_test_report STATE_DIR TARGETINFO_FILE|other [DEBUG]
 * With "other", the REPORT targets an enclave that is not LAS, so LAS must
 * refuse it with report_mac_invalid. Unlike `las attest`, it creates the
 * simulated CPU of STATE_DIR when missing: tests use that for a foreign
 * machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/file.h"
#include "las/client.h"
#include "sim/sim_cpu.h"
#include "backend/app_enclave.h"

int main(int argc, char **argv)
{
    struct las_sgx_targetinfo ti;
    struct las_sim_identity id;
    struct las_sgx_report report;
    uint8_t rd[64] = {0}, wire[LAS_SGX_REPORT_SIZE];
    char why[256];

    if (argc < 3 || las_crypto_init() != LAS_OK) {
        fprintf(stderr, "usage: las_test_report STATE_DIR TARGETINFO_FILE|other\n");
        return 2;
    }
    memset(&ti, 0, sizeof ti);
    if (strcmp(argv[2], "other") == 0) {
        memset(ti.mrenclave, 0x42, sizeof ti.mrenclave);
        ti.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
        ti.attributes.xfrm = 3;
    } else {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (las_file_read(argv[2], 4096, &buf, &len) != LAS_OK ||
            las_sgx_targetinfo_parse(buf, len, &ti) != LAS_OK) {
            fprintf(stderr, "las_test_report: bad target info file\n");
            return 1;
        }
        free(buf);
    }
    memset(&id, 0, sizeof id);
    memset(id.mrenclave, 0x61, sizeof id.mrenclave);
    las_sim_default_mrsigner(id.mrsigner);
    struct las_sim_cpu cpu;
    struct las_dir dir;
    if (las_dir_open(argv[1], true, &dir, why, sizeof why) != LAS_OK ||
        las_sim_cpu_open(&dir, NULL, &cpu, NULL, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "las_test_report: %s\n", why);
        return 1;
    }
    las_dir_close(&dir);
    las_wipe(&cpu, sizeof cpu);
    if (las_sim_enclave_report(argv[1], &id, &ti, rd, &report, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "las_test_report: %s\n", why);
        return 1;
    }
    las_sgx_report_serialize(&report, wire);
    return fwrite(wire, 1, sizeof wire, stdout) == sizeof wire ? 0 : 1;
}
