/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sgx backend: LAS inside an SGX enclave under Gramine. ENCLU runs
 * through a function table (src/sgx/enclu.h) and Gramine's attestation
 * pseudo-files are read from a configurable directory, so the test suite
 * runs this file unchanged on the simulated CPU and an emulated directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/file.h"
#include "las/dcap.h"
#include "sgx/report_mac.h"
#include "sgx/enclu.h"

struct sgx_impl {
    char attestation_dir[512];
    char aesm_socket[512];
    const struct las_enclu *enclu;
    struct las_sgx_targetinfo self_target;
    /* CR_REPORT_KEYID of this boot, from LAS's own REPORT at open. */
    uint8_t report_keyid[LAS_SGX_KEYID_SIZE];
};

static struct sgx_impl *impl_of(struct las_backend *b)
{
    return b->impl;
}

static las_status attestation_path(const struct sgx_impl *s, const char *name, char *out, size_t n)
{
    return las_path_join(out, n, s->attestation_dir, name);
}

static las_status sgx_target_info(struct las_backend *b, struct las_sgx_targetinfo *out)
{
    *out = impl_of(b)->self_target;
    return LAS_OK;
}

static las_status sgx_verify_report(struct las_backend *b, const struct las_sgx_report *report)
{
    struct sgx_impl *s = impl_of(b);
    struct las_sgx_keyrequest req;
    uint8_t key[LAS_SGX_KEY_SIZE];

    /*
     * A REPORT is good for one boot. EGETKEY derives a REPORT key for any
     * KEYID it is given, so a REPORT made before a reboot (another
     * CR_REPORT_KEYID) would verify again if its own KEYID were used: refuse
     * it first. The KEYID is public: no constant-time compare.
     */
    if (memcmp(report->keyid, s->report_keyid, sizeof s->report_keyid) != 0)
        return LAS_ERR_REPORT_MAC;
    memset(&req, 0, sizeof req);
    req.keyname = LAS_SGX_KEYNAME_REPORT;
    memcpy(req.keyid, s->report_keyid, sizeof req.keyid);
    las_status st = las_enclu_egetkey(s->enclu, &req, key);
    if (st == LAS_OK)
        st = las_report_mac_check(key, report);
    las_wipe(key, sizeof key);
    return st;
}

static las_status sgx_seal_key(struct las_backend *b, const struct las_sgx_keyrequest *req,
                               uint8_t key[static LAS_SGX_KEY_SIZE])
{
    return las_enclu_egetkey(impl_of(b)->enclu, req, key);
}

static las_status sgx_own_report(struct las_backend *b, const struct las_sgx_targetinfo *target,
                                 const uint8_t report_data[static 64], struct las_sgx_report *out)
{
    return las_enclu_ereport(impl_of(b)->enclu, target, report_data, out);
}

static las_status sgx_hardware_quote(struct las_backend *b, const uint8_t report_data[static 64],
                                     struct las_sgx_report_body *las_body, uint8_t *quote,
                                     size_t cap, size_t *quote_len)
{
    struct sgx_impl *s = impl_of(b);
    char path[LAS_PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    struct las_sgx_report self;

    memset(las_body, 0, sizeof *las_body);
    *quote_len = 0;
    /* The quote covers a REPORT of ours with this report data; its body is
     * the same whatever the target, so EREPORT gives it to us. */
    las_status st = las_enclu_ereport(s->enclu, &s->self_target, report_data, &self);
    if (st != LAS_OK)
        return st;
    if (attestation_path(s, "user_report_data", path, sizeof path) != LAS_OK ||
        las_file_write_existing(path, report_data, 64) != LAS_OK)
        return LAS_ERR_IO;
    if (attestation_path(s, "quote", path, sizeof path) != LAS_OK)
        return LAS_ERR_IO;
    st = las_file_read(path, LAS_DCAP_QUOTE_MAX, &buf, &len);
    if (st == LAS_OK && (len == 0 || len > cap))
        st = LAS_ERR_BAD_SIZE;
    if (st == LAS_OK) {
        memcpy(quote, buf, len);
        *quote_len = len;
        *las_body = self.body;
    }
    free(buf);
    return st == LAS_ERR_BAD_SIZE || st == LAS_OK ? st : LAS_ERR_UNAVAILABLE;
}

static bool sgx_quote_ready(struct las_backend *b, char *why, size_t why_len)
{
    struct sgx_impl *s = impl_of(b);
    struct stat sb;
    if (stat(s->aesm_socket, &sb) != 0 || !S_ISSOCK(sb.st_mode)) {
        snprintf(why, why_len, "AESM socket %s not found: hardware quotes (evidence) unavailable",
                 s->aesm_socket);
        return false;
    }
    snprintf(why, why_len, "ok");
    return true;
}

static void sgx_destroy(struct las_backend *b)
{
    free(b->impl);
    b->impl = NULL;
}

static const struct las_backend_ops sgx_ops = {
    .target_info = sgx_target_info,
    .verify_report = sgx_verify_report,
    .seal_key = sgx_seal_key,
    .own_report = sgx_own_report,
    .hardware_quote = sgx_hardware_quote,
    .quote_ready = sgx_quote_ready,
    .destroy = sgx_destroy,
};

bool las_backend_sgx_available(const char *attestation_dir)
{
    char path[LAS_PATH_MAX];
    if (las_path_join(path, sizeof path, attestation_dir, "attestation_type") != LAS_OK)
        return false;
    return access(path, R_OK) == 0;
}

las_status las_backend_sgx_open(const struct las_backend_sgx_config *cfg, struct las_backend **out,
                                char *why, size_t why_len)
{
    char path[LAS_PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    las_status st;
    struct las_backend *b = calloc(1, sizeof *b);
    struct sgx_impl *s = calloc(1, sizeof *s);

    *out = NULL;
    if (b == NULL || s == NULL) {
        snprintf(why, why_len, "out of memory");
        st = LAS_ERR_NO_MEMORY;
        goto fail;
    }
    if (snprintf(s->attestation_dir, sizeof s->attestation_dir, "%s", cfg->attestation_dir) >=
            (int)sizeof s->attestation_dir ||
        snprintf(s->aesm_socket, sizeof s->aesm_socket, "%s", cfg->aesm_socket) >=
            (int)sizeof s->aesm_socket) {
        snprintf(why, why_len, "path too long");
        st = LAS_ERR_INVALID_ARGUMENT;
        goto fail;
    }
    s->enclu = cfg->enclu;
    if (!las_backend_sgx_available(s->attestation_dir)) {
        snprintf(why, why_len,
                 "not running inside an SGX enclave (%s/attestation_type not found); start LAS "
                 "with gramine-sgx (docs/hardware.md) or use --mode sim",
                 s->attestation_dir);
        st = LAS_ERR_UNAVAILABLE;
        goto fail;
    }
    if (attestation_path(s, "my_target_info", path, sizeof path) != LAS_OK ||
        las_file_read(path, LAS_SGX_TARGETINFO_SIZE, &buf, &len) != LAS_OK ||
        las_sgx_targetinfo_parse(buf, len, &s->self_target) != LAS_OK) {
        snprintf(why, why_len, "cannot read LAS's target info from %s", path);
        st = LAS_ERR_IO;
        goto fail;
    }
    b->ops = &sgx_ops;
    b->name = "sgx";
    b->simulated = false;
    b->impl = s;

    static const uint8_t zero_data[64];
    struct las_sgx_report self;
    st = las_enclu_ereport(s->enclu, &s->self_target, zero_data, &self);
    if (st != LAS_OK) {
        snprintf(why, why_len, "EREPORT of LAS itself failed: %s", las_status_message(st));
        b->impl = NULL;
        goto fail;
    }
    /* A REPORT for ourselves must verify with our REPORT key: proves EGETKEY works. */
    memcpy(s->report_keyid, self.keyid, sizeof s->report_keyid);
    st = sgx_verify_report(b, &self);
    if (st != LAS_OK) {
        snprintf(why, why_len, "LAS cannot verify its own REPORT (%s): EGETKEY misbehaves",
                 las_status_message(st));
        b->impl = NULL;
        goto fail;
    }
    b->identity = self.body;
    free(buf);
    *out = b;
    return LAS_OK;
fail:
    free(buf);
    free(s);
    free(b);
    return st;
}
