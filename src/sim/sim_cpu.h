/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated SGX CPU: the machine-wide secrets of a CPU package (seal-key
 * fuses, owner epoch, the per-boot REPORT KEYID) and its CPUSVN, kept in a
 * state file, plus EREPORT and EGETKEY with the SDM's semantics.
 *
 * Every process on a machine that opens the same state directory sees the
 * same CPU, so `las attest` (a simulated application enclave) and
 * `las serve` can exchange REPORTs exactly as enclaves on one CPU do.
 *
 * This gives no security (the fuses are a file); it exists so that all code
 * above the backend interface runs for real without SGX hardware.
 */
#ifndef LAS_SIM_CPU_H
#define LAS_SIM_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/file.h"
#include "las/sgx.h"
#include "las/status.h"

#define LAS_SIM_STATE_FILE "sim-cpu.state"
#define LAS_SIM_LOCK_FILE  "sim-cpu.lock"
#define LAS_SIM_STATE_SIZE 144

/* CPUSVN of a newly created simulated CPU. */
extern const uint8_t las_sim_default_cpusvn[LAS_SGX_CPUSVN_SIZE];

struct las_sim_cpu {
    uint8_t seal_fuses[16];  /* secret: root of every derived key */
    uint8_t owner_epoch[16]; /* secret: CR_SGXOWNEREPOCH */
    uint8_t cpusvn[LAS_SGX_CPUSVN_SIZE];
    uint8_t boot_id[16]; /* the boot for which report_keyid was drawn */
    uint8_t report_keyid[LAS_SGX_KEYID_SIZE];
};

/* The SECS fields of one (simulated) enclave that EREPORT/EGETKEY read. */
struct las_sim_enclave {
    struct las_sgx_attributes attributes;
    uint32_t miscselect;
    uint8_t mrenclave[LAS_SGX_HASH_SIZE];
    uint8_t mrsigner[LAS_SGX_HASH_SIZE];
    uint16_t isvprodid;
    uint16_t isvsvn;
    uint16_t configsvn;
    uint8_t configid[LAS_SGX_CONFIGID_SIZE];
    uint8_t isvfamilyid[LAS_SGX_ISVFAMILY_SIZE];
    uint8_t isvextprodid[LAS_SGX_ISVEXT_SIZE];
};

struct las_sim_open_result {
    bool created;        /* the state file did not exist and was created */
    bool cpusvn_changed; /* the override differed from the stored CPUSVN */
    bool new_boot;       /* a new report KEYID was drawn for this boot */
};

/*
 * Opens the simulated CPU of the state directory dir, creating its state file
 * on first use (mode 0600, written atomically). A stored file that is
 * corrupt or of another version is refused with LAS_ERR_STATE; one that is
 * not a regular file (a symbolic link too), not owned by us or accessible by
 * group or others, or a lock file that is a symbolic link, with
 * LAS_ERR_STATE_UNSAFE; a reason is in why and the file is never
 * overwritten. A file that cannot be read or written gives LAS_ERR_IO, a
 * lock that cannot be taken LAS_ERR_LOCK. Temporary files of an interrupted
 * write are removed. When cpusvn_override is given and differs, it is
 * stored (a simulated microcode update). On failure *cpu is zeroed.
 */
LAS_MUST_CHECK las_status las_sim_cpu_open(const struct las_dir *dir,
                                           const uint8_t *cpusvn_override, struct las_sim_cpu *cpu,
                                           struct las_sim_open_result *result, char *why,
                                           size_t why_len);

/*
 * As las_sim_cpu_open, for clients of a running LAS: the state file must
 * exist. Without one, LAS_ERR_IO and nothing is created (not even the lock
 * file): a mistyped directory is not a new machine.
 */
LAS_MUST_CHECK las_status las_sim_cpu_open_existing(const struct las_dir *dir,
                                                    struct las_sim_cpu *cpu, char *why,
                                                    size_t why_len);

/* Serializes / parses the state file image (exactly LAS_SIM_STATE_SIZE bytes). */
void las_sim_cpu_serialize(const struct las_sim_cpu *cpu, uint8_t out[static LAS_SIM_STATE_SIZE]);
LAS_MUST_CHECK las_status las_sim_cpu_parse(const uint8_t *buf, size_t len,
                                            struct las_sim_cpu *cpu);

/* EREPORT: a REPORT of enclave self for target, MAC'd with the target's REPORT key. */
LAS_MUST_CHECK las_status las_sim_ereport(const struct las_sim_cpu *cpu,
                                          const struct las_sim_enclave *self,
                                          const struct las_sgx_targetinfo *target,
                                          const uint8_t report_data[static 64],
                                          struct las_sgx_report *out);

/*
 * EGETKEY for enclave self. REPORT and SEAL keys are derived; the others are
 * refused as the SDM does (SGX_INVALID_ATTRIBUTE without the attribute that
 * allows them, SGX_INVALID_KEYNAME otherwise). Returns the SDM error code
 * (LAS_SGX_SUCCESS, LAS_SGX_INVALID_*) or -1 for a #GP fault.
 */
LAS_MUST_CHECK int las_sim_egetkey(const struct las_sim_cpu *cpu,
                                   const struct las_sim_enclave *self,
                                   const struct las_sgx_keyrequest *req,
                                   uint8_t key[static LAS_SGX_KEY_SIZE]);

/* The TARGETINFO another enclave uses to make a REPORT for self. */
void las_sim_enclave_targetinfo(const struct las_sim_enclave *self, struct las_sgx_targetinfo *out);

/* Whether cpusvn a is not beyond b (every component byte of a <= b). */
bool las_sim_cpusvn_le(const uint8_t a[static 16], const uint8_t b[static 16]);

#endif
