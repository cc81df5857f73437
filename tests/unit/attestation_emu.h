/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An emulated Gramine /dev/attestation for tests: regular files for
 * attestation_type and my_target_info, FIFOs for user_report_data,
 * target_info, quote and report, served by a thread that plays Gramine for
 * one simulated enclave on the simulated CPU. It serves a fixed number of
 * exchanges, then exits, so tests stay deterministic.
 */
#ifndef LAS_TEST_ATTESTATION_EMU_H
#define LAS_TEST_ATTESTATION_EMU_H

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "las/dcap.h"
#include "sim/sim_qe.h"
#include "sim/sim_cpu.h"
#include "test_helpers.h"

enum emu_mode { EMU_QUOTE, EMU_REPORT };

struct attestation_emu {
    char dir[512];
    enum emu_mode mode;
    int exchanges;
    const struct las_sim_cpu *cpu;
    const struct las_sim_enclave *self;
    struct las_sim_qe *qe; /* when set, quotes come from the simulated QE */
    pthread_t thread;
    uint8_t last_report_data[64];
    int served;
};

#define EMU_QUOTE_MAGIC "EMULATED-QUOTE:"

static int emu_read_fifo(const char *dir, const char *name, uint8_t *buf, size_t len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    return got == len ? 0 : -1;
}

static int emu_write_fifo(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    int ok = write(fd, buf, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

static void *emu_main(void *arg)
{
    struct attestation_emu *e = arg;
    for (int i = 0; i < e->exchanges; i++) {
        struct las_sgx_targetinfo ti;
        struct las_sgx_report r;
        uint8_t ti_wire[LAS_SGX_TARGETINFO_SIZE], rd[64];
        if (e->mode == EMU_REPORT) {
            if (emu_read_fifo(e->dir, "target_info", ti_wire, sizeof ti_wire) != 0 ||
                las_sgx_targetinfo_parse(ti_wire, sizeof ti_wire, &ti) != LAS_OK)
                return NULL;
        } else {
            las_sim_enclave_targetinfo(e->self, &ti);
        }
        if (emu_read_fifo(e->dir, "user_report_data", rd, sizeof rd) != 0)
            return NULL;
        memcpy(e->last_report_data, rd, 64);
        if (las_sim_ereport(e->cpu, e->self, &ti, rd, &r) != LAS_OK)
            return NULL;
        if (e->mode == EMU_REPORT) {
            uint8_t wire[LAS_SGX_REPORT_SIZE];
            las_sgx_report_serialize(&r, wire);
            if (emu_write_fifo(e->dir, "report", wire, sizeof wire) != 0)
                return NULL;
        } else if (e->qe) {
            /* As Gramine does: a REPORT for the QE, which turns it into a quote. */
            static uint8_t quote[LAS_DCAP_QUOTE_MAX];
            struct las_sgx_targetinfo qe_ti;
            struct las_sgx_report for_qe;
            size_t len = 0;
            las_sim_qe_target_info(e->qe, &qe_ti);
            if (las_sim_ereport(e->cpu, e->self, &qe_ti, rd, &for_qe) != LAS_OK ||
                las_sim_qe_quote(e->qe, &for_qe, quote, sizeof quote, &len) != LAS_OK ||
                emu_write_fifo(e->dir, "quote", quote, len) != 0)
                return NULL;
        } else {
            /* Stands in for a DCAP quote: a marker and the report body it covers. */
            uint8_t quote[sizeof EMU_QUOTE_MAGIC - 1 + LAS_SGX_REPORT_BODY_SIZE];
            memcpy(quote, EMU_QUOTE_MAGIC, sizeof EMU_QUOTE_MAGIC - 1);
            las_sgx_report_body_serialize(&r.body, quote + sizeof EMU_QUOTE_MAGIC - 1);
            if (emu_write_fifo(e->dir, "quote", quote, sizeof quote) != 0)
                return NULL;
        }
        e->served++;
    }
    return NULL;
}

/* Lays out the directory (dir must exist). */
static int emu_prepare(struct attestation_emu *e, const char *dir, const struct las_sim_cpu *cpu,
                       const struct las_sim_enclave *self)
{
    char path[600];
    struct las_sgx_targetinfo ti;
    uint8_t wire[LAS_SGX_TARGETINFO_SIZE];
    memset(e, 0, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "%s", dir);
    e->cpu = cpu;
    e->self = self;
    snprintf(path, sizeof path, "%s/attestation_type", dir);
    if (test_write_file(path, "dcap", 4, 0444) != 0)
        return -1;
    las_sim_enclave_targetinfo(self, &ti);
    las_sgx_targetinfo_serialize(&ti, wire);
    snprintf(path, sizeof path, "%s/my_target_info", dir);
    if (test_write_file(path, wire, sizeof wire, 0444) != 0)
        return -1;
    static const char *const fifos[] = {"user_report_data", "target_info", "quote", "report"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, fifos[i]);
        if (mkfifo(path, 0600) != 0)
            return -1;
    }
    return 0;
}

static int emu_start(struct attestation_emu *e, enum emu_mode mode, int exchanges)
{
    e->mode = mode;
    e->exchanges = exchanges;
    e->served = 0;
    return pthread_create(&e->thread, NULL, emu_main, e);
}

static void emu_join(struct attestation_emu *e)
{
    pthread_join(e->thread, NULL);
}

#endif
