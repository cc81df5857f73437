/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated application enclave (sim mode only). */
#include "backend/app_enclave.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/file.h"
#include "common/reason.h"
#include "sim/sim_cpu.h"

void las_sim_default_mrsigner(uint8_t out[static LAS_SGX_HASH_SIZE])
{
    static const char label[] = "LAS simulated application signer";
    if (las_sha256(label, sizeof label - 1, out) != LAS_OK)
        abort();
}

las_status las_sim_enclave_report(const char *state_dir, const struct las_sim_identity *id,
                                  const struct las_sgx_targetinfo *target,
                                  const uint8_t report_data[static 64], struct las_sgx_report *out,
                                  char *why, size_t why_len)
{
    struct las_sim_cpu cpu;
    struct las_sim_enclave self;
    struct las_dir dir;

    memset(out, 0, sizeof *out);
    /* The simulated CPU is LAS's: a client never creates one (a typo would be another machine). */
    las_status st = las_dir_open(state_dir, false, &dir, why, why_len);
    if (st == LAS_ERR_IO)
        las_fail(st, why, why_len,
                 "no simulated CPU in %s (%s): use the state directory of the running `las serve "
                 "--mode sim`",
                 state_dir, strerror(errno));
    if (st != LAS_OK)
        return st;
    st = las_sim_cpu_open_existing(&dir, &cpu, why, why_len);
    las_dir_close(&dir);
    if (st != LAS_OK)
        return st;
    memset(&self, 0, sizeof self);
    self.attributes.flags = LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_MODE64BIT;
    if (id->debug)
        self.attributes.flags |= LAS_SGX_FLAGS_DEBUG;
    self.attributes.xfrm = 0x3;
    memcpy(self.mrenclave, id->mrenclave, 32);
    memcpy(self.mrsigner, id->mrsigner, 32);
    self.isvprodid = id->isvprodid;
    self.isvsvn = id->isvsvn;
    st = las_sim_ereport(&cpu, &self, target, report_data, out);
    las_wipe(&cpu, sizeof cpu);
    return st;
}
