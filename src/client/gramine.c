/* SPDX-License-Identifier: Apache-2.0 */
/* REPORTs for LAS from applications that run under Gramine. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "las/client.h"

las_status las_gramine_report(const char *attestation_dir, const struct las_sgx_targetinfo *target,
                              const uint8_t report_data[static 64], struct las_sgx_report *out,
                              char *why, size_t why_len)
{
    char path[600];
    uint8_t ti[LAS_SGX_TARGETINFO_SIZE];
    uint8_t *buf = NULL;
    size_t len = 0;
    las_status st;

    memset(out, 0, sizeof *out);
    las_sgx_targetinfo_serialize(target, ti);
    snprintf(path, sizeof path, "%s/target_info", attestation_dir);
    if (las_file_write_existing(path, ti, sizeof ti) != LAS_OK) {
        snprintf(why, why_len, "cannot write %s: %s (not running under Gramine?)", path,
                 strerror(errno));
        return LAS_ERR_IO;
    }
    snprintf(path, sizeof path, "%s/user_report_data", attestation_dir);
    if (las_file_write_existing(path, report_data, 64) != LAS_OK) {
        snprintf(why, why_len, "cannot write %s: %s", path, strerror(errno));
        return LAS_ERR_IO;
    }
    snprintf(path, sizeof path, "%s/report", attestation_dir);
    st = las_file_read(path, LAS_SGX_REPORT_SIZE, &buf, &len);
    if (st != LAS_OK) {
        snprintf(why, why_len, "cannot read %s: %s", path, strerror(errno));
        return LAS_ERR_IO;
    }
    st = las_sgx_report_parse(buf, len, out);
    if (st != LAS_OK)
        snprintf(why, why_len, "%s gave %zu bytes, not a %d-byte REPORT", path, len,
                 LAS_SGX_REPORT_SIZE);
    free(buf);
    return st;
}
