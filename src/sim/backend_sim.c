/* SPDX-License-Identifier: Apache-2.0 */
/* The sim backend: LAS as a simulated enclave on the simulated SGX CPU. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/log.h"
#include "sgx/enclu.h"
#include "sgx/report_mac.h"
#include "sim/backend_sim.h"
#include "sim/sim_cpu.h"
#include "sim/sim_qe.h"
#include "version.h"

struct sim_impl {
    struct las_sim_cpu cpu; /* holds the simulated fuses: kept in locked memory */
    struct las_sim_enclave self;
    struct las_sim_qe *qe; /* the simulated quoting enclave, for hardware quotes */
    /*
     * LAS's REPORT key for the KEYID of this boot (the one every REPORT made
     * on this simulated CPU carries), derived and prepared for CMAC once at
     * open: a simulated EGETKEY costs a CMAC, and the AES key schedule
     * another part of one, per attestation. Read-only afterwards, so the
     * server threads share it without a lock; in this locked allocation.
     */
    struct las_cmac_key report_key;
    uint8_t report_keyid[LAS_SGX_KEYID_SIZE];
};

static las_status sim_report_key(struct sim_impl *s, const uint8_t keyid[static LAS_SGX_KEYID_SIZE],
                                 uint8_t key[static LAS_SGX_KEY_SIZE])
{
    struct las_sgx_keyrequest req;
    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_REPORT;
    memcpy(req.keyid, keyid, sizeof req.keyid);
    return las_sgx_error_status(las_sim_egetkey(&s->cpu, &s->self, &req, key));
}

static struct sim_impl *impl_of(struct las_backend *b)
{
    return b->impl;
}

static las_status sim_target_info(struct las_backend *b, struct las_sgx_targetinfo *out)
{
    las_sim_enclave_targetinfo(&impl_of(b)->self, out);
    return LAS_OK;
}

static las_status sim_verify_report(struct las_backend *b, const struct las_sgx_report *report)
{
    struct sim_impl *s = impl_of(b);

    /*
     * A REPORT is good for one boot: one with another KEYID was made before
     * the simulated CPU's last boot (or on no CPU at all). Deriving a key for
     * the KEYID it carries would make it verify again, so it is refused. The
     * KEYID is public (it travels in the REPORT): no constant-time compare.
     */
    if (memcmp(report->keyid, s->report_keyid, sizeof s->report_keyid) != 0)
        return LAS_ERR_REPORT_MAC;
    return las_report_mac_check_keyed(&s->report_key, report);
}

static las_status sim_seal_key(struct las_backend *b, const struct las_sgx_keyrequest *req,
                               uint8_t key[static LAS_SGX_KEY_SIZE])
{
    struct sim_impl *s = impl_of(b);
    return las_sgx_error_status(las_sim_egetkey(&s->cpu, &s->self, req, key));
}

static las_status sim_own_report(struct las_backend *b, const struct las_sgx_targetinfo *target,
                                 const uint8_t report_data[static 64], struct las_sgx_report *out)
{
    struct sim_impl *s = impl_of(b);
    return las_sim_ereport(&s->cpu, &s->self, target, report_data, out);
}

static las_status sim_hardware_quote(struct las_backend *b, const uint8_t report_data[static 64],
                                     struct las_sgx_report_body *las_body, uint8_t *quote,
                                     size_t cap, size_t *quote_len)
{
    struct sim_impl *s = impl_of(b);
    struct las_sgx_targetinfo qe_target;
    struct las_sgx_report report;

    memset(las_body, 0, sizeof *las_body);
    *quote_len = 0;
    /* As on hardware: a REPORT of LAS for the QE, which checks it and signs a quote. */
    las_sim_qe_target_info(s->qe, &qe_target);
    las_status st = las_sim_ereport(&s->cpu, &s->self, &qe_target, report_data, &report);
    if (st == LAS_OK)
        st = las_sim_qe_quote(s->qe, &report, quote, cap, quote_len);
    if (st == LAS_OK)
        *las_body = report.body;
    return st;
}

static bool sim_quote_ready(struct las_backend *b, char *why, size_t why_len)
{
    (void)b;
    snprintf(why, why_len, "ok");
    return true;
}

static void sim_destroy(struct las_backend *b)
{
    las_sim_qe_close(impl_of(b)->qe);
    las_secret_free(b->impl);
    b->impl = NULL;
}

static const struct las_backend_ops sim_ops = {
    .target_info = sim_target_info,
    .verify_report = sim_verify_report,
    .seal_key = sim_seal_key,
    .own_report = sim_own_report,
    .hardware_quote = sim_hardware_quote,
    .quote_ready = sim_quote_ready,
    .destroy = sim_destroy,
};

void las_backend_sim_las_identity(int isvsvn_override, uint8_t mrenclave[static 32],
                                  uint8_t mrsigner[static 32], uint16_t *isvsvn)
{
    /* Stand-ins for the measurement and signer of a real LAS enclave build. */
    static const char enclave_label[] = "LAS simulated enclave " LAS_VERSION;
    if (las_sha256(enclave_label, sizeof enclave_label - 1, mrenclave) != LAS_OK)
        abort();
    static const uint8_t signer[32] = LAS_SIMULATED_LAS_MRSIGNER;
    memcpy(mrsigner, signer, sizeof signer);
    *isvsvn = isvsvn_override >= 0 ? (uint16_t)isvsvn_override : LAS_ISVSVN;
}

las_status las_backend_sim_open(const struct las_backend_sim_config *cfg, struct las_backend **out,
                                char *why, size_t why_len)
{
    *out = NULL;
    struct las_backend *b = calloc(1, sizeof *b);
    struct sim_impl *s = las_secret_alloc(sizeof *s);
    las_status st = LAS_ERR_NO_MEMORY;
    struct las_sim_open_result res;

    if (b == NULL || s == NULL) {
        snprintf(why, why_len, "out of memory");
        goto fail;
    }
    memset(s, 0, sizeof *s);
    st = las_sim_cpu_open(cfg->state_dir, cfg->cpusvn_override, &s->cpu, &res, why, why_len);
    if (st != LAS_OK)
        goto fail;
    if (res.created)
        las_info("simulated SGX CPU created in %s/%s", cfg->state_dir->path, LAS_SIM_STATE_FILE);
    if (res.cpusvn_changed)
        las_warn("simulated microcode update: the CPUSVN of the simulated CPU changed");
    if (res.new_boot)
        las_info("simulated CPU: new boot, new REPORT KEYID");

    st = las_sim_qe_open(cfg->state_dir, &s->qe, why, why_len);
    if (st != LAS_OK)
        goto fail;

    s->self.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    s->self.attributes.xfrm = 0x3;
    s->self.isvprodid = LAS_ISVPRODID;
    las_backend_sim_las_identity(cfg->isvsvn_override, s->self.mrenclave, s->self.mrsigner,
                                 &s->self.isvsvn);

    b->ops = &sim_ops;
    b->name = "sim";
    b->simulated = true;
    b->impl = s;

    /* LAS's identity is what EREPORT says about it. */
    struct las_sgx_targetinfo self_target;
    struct las_sgx_report self_report;
    static const uint8_t zero_data[64];
    las_sim_enclave_targetinfo(&s->self, &self_target);
    st = las_sim_ereport(&s->cpu, &s->self, &self_target, zero_data, &self_report);
    if (st != LAS_OK) {
        snprintf(why, why_len, "simulated EREPORT failed: %s", las_status_message(st));
        goto fail;
    }
    b->identity = self_report.body;
    memcpy(s->report_keyid, s->cpu.report_keyid, sizeof s->report_keyid);
    uint8_t report_key[LAS_SGX_KEY_SIZE];
    st = sim_report_key(s, s->report_keyid, report_key);
    if (st == LAS_OK)
        las_cmac_key_init(&s->report_key, report_key);
    las_wipe(report_key, sizeof report_key);
    if (st != LAS_OK) {
        snprintf(why, why_len, "simulated EGETKEY failed: %s", las_status_message(st));
        goto fail;
    }
    *out = b;
    return LAS_OK;
fail:
    if (s) {
        las_sim_qe_close(s->qe);
        las_secret_free(s);
    }
    free(b);
    return st;
}

void las_backend_close(struct las_backend *b)
{
    if (b == NULL)
        return;
    b->ops->destroy(b);
    free(b);
}
