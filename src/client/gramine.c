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

static las_status write_whole(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return LAS_ERR_IO;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return LAS_ERR_IO;
        }
        done += (size_t)n;
    }
    return close(fd) == 0 ? LAS_OK : LAS_ERR_IO;
}

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
    if (write_whole(path, ti, sizeof ti) != LAS_OK) {
        snprintf(why, why_len, "cannot write %s: %s (not running under Gramine?)", path,
                 strerror(errno));
        return LAS_ERR_IO;
    }
    snprintf(path, sizeof path, "%s/user_report_data", attestation_dir);
    if (write_whole(path, report_data, 64) != LAS_OK) {
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
