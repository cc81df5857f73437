/* SPDX-License-Identifier: Apache-2.0 */
/* REPORTs for LAS from applications that run under Gramine. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "common/reason.h"
#include "las/client.h"

las_status las_gramine_report(const char *attestation_dir, const struct las_sgx_targetinfo *target,
                              const uint8_t report_data[static 64], struct las_sgx_report *out,
                              char *why, size_t why_len)
{
    char ti_path[LAS_PATH_MAX], rd_path[LAS_PATH_MAX], report_path[LAS_PATH_MAX];
    uint8_t ti[LAS_SGX_TARGETINFO_SIZE];
    uint8_t *buf = NULL;
    size_t len = 0;
    las_status st;

    memset(out, 0, sizeof *out);
    if (las_path_join(ti_path, sizeof ti_path, attestation_dir, "target_info") != LAS_OK ||
        las_path_join(rd_path, sizeof rd_path, attestation_dir, "user_report_data") != LAS_OK ||
        las_path_join(report_path, sizeof report_path, attestation_dir, "report") != LAS_OK)
        return las_fail(LAS_ERR_INVALID_ARGUMENT, why, why_len,
                        "attestation directory path is too long");
    las_sgx_targetinfo_serialize(target, ti);
    if (las_file_write_existing(ti_path, ti, sizeof ti) != LAS_OK)
        return las_fail(LAS_ERR_IO, why, why_len,
                        "cannot write %s: %s (not running under Gramine?)", ti_path,
                        strerror(errno));
    if (las_file_write_existing(rd_path, report_data, 64) != LAS_OK)
        return las_fail(LAS_ERR_IO, why, why_len, "cannot write %s: %s", rd_path, strerror(errno));
    st = las_file_read(report_path, LAS_SGX_REPORT_SIZE, &buf, &len);
    if (st != LAS_OK)
        return las_fail(LAS_ERR_IO, why, why_len, "cannot read %s: %s", report_path,
                        strerror(errno));
    st = las_sgx_report_parse(buf, len, out);
    if (st != LAS_OK)
        las_fail(st, why, why_len, "%s gave %zu bytes, not a %d-byte REPORT", report_path, len,
                 LAS_SGX_REPORT_SIZE);
    free(buf);
    return st;
}
