/* SPDX-License-Identifier: Apache-2.0 */
#include "sim/sim_cpu.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/file.h"
#include "common/reason.h"

static const uint8_t state_magic[8] = {'L', 'A', 'S', 'S', 'I', 'M', 'C', 'P'};
enum { STATE_VERSION = 1, STATE_BODY_SIZE = LAS_SIM_STATE_SIZE - LAS_SHA256_SIZE };

const uint8_t las_sim_default_cpusvn[LAS_SGX_CPUSVN_SIZE] = {
    0x0f, 0x0f, 0x02, 0x04, 0xff, 0x80, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* Domain string of the simulated key derivation (see docs/simulation.md). */
static const char kdf_label[] = "LAS simulated SGX key derivation v1";

/* Flags that EGETKEY always includes in SEAL key derivation (SDM: INIT, DEBUG). */
#define SEAL_ATTRIBUTES_FORCED (LAS_SGX_FLAGS_INIT | LAS_SGX_FLAGS_DEBUG)

/* The KEYDEPENDENCIES of the SDM's EGETKEY/EREPORT pseudo-code. */
struct key_dependencies {
    uint16_t keyname;
    uint16_t isvprodid;
    uint16_t isvsvn;
    uint16_t configsvn;
    uint8_t owner_epoch[16];
    struct las_sgx_attributes attributes;
    struct las_sgx_attributes attribute_mask;
    uint8_t mrenclave[32];
    uint8_t mrsigner[32];
    uint8_t keyid[32];
    uint8_t cpusvn[16];
    uint32_t miscselect;
    uint32_t miscmask;
    uint8_t configid[64];
    uint8_t isvfamilyid[16];
    uint8_t isvextprodid[16];
};

enum { KEYDEP_SIZE = 8 + 16 + 16 + 16 + 32 + 32 + 32 + 16 + 4 + 4 + 64 + 16 + 16 };

static las_status derive_key(const struct las_sim_cpu *cpu, const struct key_dependencies *d,
                             uint8_t key[static LAS_SGX_KEY_SIZE])
{
    uint8_t msg[sizeof kdf_label + KEYDEP_SIZE];
    struct las_writer w;
    las_writer_init(&w, msg, sizeof msg);
    las_write_bytes(&w, kdf_label, sizeof kdf_label);
    las_write_u16le(&w, d->keyname);
    las_write_u16le(&w, d->isvprodid);
    las_write_u16le(&w, d->isvsvn);
    las_write_u16le(&w, d->configsvn);
    las_write_bytes(&w, d->owner_epoch, 16);
    las_write_u64le(&w, d->attributes.flags);
    las_write_u64le(&w, d->attributes.xfrm);
    las_write_u64le(&w, d->attribute_mask.flags);
    las_write_u64le(&w, d->attribute_mask.xfrm);
    las_write_bytes(&w, d->mrenclave, 32);
    las_write_bytes(&w, d->mrsigner, 32);
    las_write_bytes(&w, d->keyid, 32);
    las_write_bytes(&w, d->cpusvn, 16);
    las_write_u32le(&w, d->miscselect);
    las_write_u32le(&w, d->miscmask);
    las_write_bytes(&w, d->configid, 64);
    las_write_bytes(&w, d->isvfamilyid, 16);
    las_write_bytes(&w, d->isvextprodid, 16);
    las_status st = las_writer_end(&w);
    if (st == LAS_OK)
        st = las_aes_cmac(cpu->seal_fuses, msg, sizeof msg, key);
    las_wipe(msg, sizeof msg);
    return st;
}

bool las_sim_cpusvn_le(const uint8_t a[static 16], const uint8_t b[static 16])
{
    for (int i = 0; i < 16; i++) {
        if (a[i] > b[i])
            return false;
    }
    return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

void las_sim_enclave_targetinfo(const struct las_sim_enclave *self, struct las_sgx_targetinfo *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->mrenclave, self->mrenclave, sizeof out->mrenclave);
    out->attributes = self->attributes;
    out->miscselect = self->miscselect;
    if (self->attributes.flags & LAS_SGX_FLAGS_KSS) {
        out->configsvn = self->configsvn;
        memcpy(out->configid, self->configid, sizeof out->configid);
    }
}

las_status las_sim_ereport(const struct las_sim_cpu *cpu, const struct las_sim_enclave *self,
                           const struct las_sgx_targetinfo *target,
                           const uint8_t report_data[static 64], struct las_sgx_report *out)
{
    struct las_sgx_report r;
    memset(&r, 0, sizeof r);
    memcpy(r.body.cpusvn, cpu->cpusvn, 16);
    r.body.miscselect = self->miscselect;
    memcpy(r.body.isvextprodid, self->isvextprodid, 16);
    r.body.attributes = self->attributes;
    memcpy(r.body.mrenclave, self->mrenclave, 32);
    memcpy(r.body.mrsigner, self->mrsigner, 32);
    memcpy(r.body.configid, self->configid, 64);
    r.body.isvprodid = self->isvprodid;
    r.body.isvsvn = self->isvsvn;
    r.body.configsvn = self->configsvn;
    memcpy(r.body.isvfamilyid, self->isvfamilyid, 16);
    memcpy(r.body.report_data, report_data, 64);
    memcpy(r.keyid, cpu->report_keyid, 32);

    /* The MAC key is the *target's* REPORT key, so only the target can check it. */
    struct key_dependencies d;
    memset(&d, 0, sizeof d);
    d.keyname = LAS_SGX_KEYNAME_REPORT;
    memcpy(d.owner_epoch, cpu->owner_epoch, 16);
    d.attributes = target->attributes;
    memcpy(d.mrenclave, target->mrenclave, 32);
    memcpy(d.keyid, cpu->report_keyid, 32);
    memcpy(d.cpusvn, cpu->cpusvn, 16);
    d.miscselect = target->miscselect;
    if (target->attributes.flags & LAS_SGX_FLAGS_KSS) {
        memcpy(d.configid, target->configid, 64);
        d.configsvn = target->configsvn;
    }
    uint8_t key[LAS_SGX_KEY_SIZE];
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE];
    las_sgx_report_body_serialize(&r.body, body);
    las_status st = derive_key(cpu, &d, key);
    if (st == LAS_OK)
        st = las_aes_cmac(key, body, sizeof body, r.mac);
    las_wipe(key, sizeof key);
    las_wipe(&d, sizeof d);
    if (st == LAS_OK)
        *out = r;
    else
        memset(out, 0, sizeof *out);
    return st;
}

int las_sim_egetkey(const struct las_sim_cpu *cpu, const struct las_sim_enclave *self,
                    const struct las_sgx_keyrequest *req, uint8_t key[static LAS_SGX_KEY_SIZE])
{
    memset(key, 0, LAS_SGX_KEY_SIZE);
    bool kss = (self->attributes.flags & LAS_SGX_FLAGS_KSS) != 0;
    uint16_t kss_policy_bits =
        LAS_SGX_KEYPOLICY_CONFIGID | LAS_SGX_KEYPOLICY_ISVFAMILYID | LAS_SGX_KEYPOLICY_ISVEXTPRODID;

    /* Reserved fields and policy bits must be zero; KSS bits need KSS (#GP). */
    if (!all_zero(req->reserved1, sizeof req->reserved1) ||
        !all_zero(req->reserved2, sizeof req->reserved2) ||
        (req->keypolicy & LAS_SGX_KEYPOLICY_RESERVED) ||
        (!kss && (req->keypolicy & kss_policy_bits)))
        return -1;

    struct key_dependencies d;
    memset(&d, 0, sizeof d);
    d.keyname = req->keyname;
    memcpy(d.owner_epoch, cpu->owner_epoch, 16);
    memcpy(d.keyid, req->keyid, 32);

    switch (req->keyname) {
    case LAS_SGX_KEYNAME_REPORT:
        d.attributes = self->attributes;
        memcpy(d.mrenclave, self->mrenclave, 32);
        memcpy(d.cpusvn, cpu->cpusvn, 16);
        d.miscselect = self->miscselect;
        if (kss) {
            memcpy(d.configid, self->configid, 64);
            d.configsvn = self->configsvn;
        }
        break;
    case LAS_SGX_KEYNAME_SEAL:
        if (!las_sim_cpusvn_le(req->cpusvn, cpu->cpusvn))
            return LAS_SGX_INVALID_CPUSVN;
        if (req->isvsvn > self->isvsvn || (kss && req->configsvn > self->configsvn))
            return LAS_SGX_INVALID_ISVSVN;
        /* The attributes always include INIT and DEBUG; the mask enters as requested. */
        d.attributes.flags =
            self->attributes.flags & (req->attribute_mask.flags | SEAL_ATTRIBUTES_FORCED);
        d.attributes.xfrm = self->attributes.xfrm & req->attribute_mask.xfrm;
        d.attribute_mask = req->attribute_mask;
        if (req->keypolicy & LAS_SGX_KEYPOLICY_MRENCLAVE)
            memcpy(d.mrenclave, self->mrenclave, 32);
        if (req->keypolicy & LAS_SGX_KEYPOLICY_MRSIGNER)
            memcpy(d.mrsigner, self->mrsigner, 32);
        if (!(req->keypolicy & LAS_SGX_KEYPOLICY_NOISVPRODID))
            d.isvprodid = self->isvprodid;
        if (req->keypolicy & LAS_SGX_KEYPOLICY_CONFIGID)
            memcpy(d.configid, self->configid, 64);
        if (req->keypolicy & LAS_SGX_KEYPOLICY_ISVFAMILYID)
            memcpy(d.isvfamilyid, self->isvfamilyid, 16);
        if (req->keypolicy & LAS_SGX_KEYPOLICY_ISVEXTPRODID)
            memcpy(d.isvextprodid, self->isvextprodid, 16);
        d.isvsvn = req->isvsvn;
        d.configsvn = kss ? req->configsvn : 0;
        memcpy(d.cpusvn, req->cpusvn, 16);
        d.miscmask = req->miscmask;
        d.miscselect = self->miscselect & req->miscmask;
        break;
    case LAS_SGX_KEYNAME_EINITTOKEN:
        if (!(self->attributes.flags & LAS_SGX_FLAGS_EINITTOKEN_KEY))
            return LAS_SGX_INVALID_ATTRIBUTE;
        return LAS_SGX_INVALID_KEYNAME; /* not modelled by the simulator */
    case LAS_SGX_KEYNAME_PROVISION:
    case LAS_SGX_KEYNAME_PROVISION_SEAL:
        if (!(self->attributes.flags & LAS_SGX_FLAGS_PROVISION_KEY))
            return LAS_SGX_INVALID_ATTRIBUTE;
        return LAS_SGX_INVALID_KEYNAME; /* not modelled by the simulator */
    default:
        return LAS_SGX_INVALID_KEYNAME;
    }
    las_status st = derive_key(cpu, &d, key);
    las_wipe(&d, sizeof d);
    /* A failing crypto library is not an SDM outcome: report it as a #GP. */
    return st == LAS_OK ? LAS_SGX_SUCCESS : -1;
}

/* ---- state file ---------------------------------------------------------- */

void las_sim_cpu_serialize(const struct las_sim_cpu *cpu, uint8_t out[static LAS_SIM_STATE_SIZE])
{
    struct las_writer w;
    las_writer_init(&w, out, LAS_SIM_STATE_SIZE);
    las_write_bytes(&w, state_magic, sizeof state_magic);
    las_write_u32le(&w, STATE_VERSION);
    las_write_u32le(&w, 0);
    las_write_bytes(&w, cpu->seal_fuses, 16);
    las_write_bytes(&w, cpu->owner_epoch, 16);
    las_write_bytes(&w, cpu->cpusvn, 16);
    las_write_bytes(&w, cpu->boot_id, 16);
    las_write_bytes(&w, cpu->report_keyid, 32);
    uint8_t digest[LAS_SHA256_SIZE];
    if (las_sha256(out, STATE_BODY_SIZE, digest) != LAS_OK)
        abort();
    las_write_bytes(&w, digest, sizeof digest);
    if (las_writer_end(&w) != LAS_OK)
        abort();
}

las_status las_sim_cpu_parse(const uint8_t *buf, size_t len, struct las_sim_cpu *cpu)
{
    memset(cpu, 0, sizeof *cpu);
    if (len != LAS_SIM_STATE_SIZE)
        return LAS_ERR_BAD_SIZE;
    uint8_t magic[8], digest[LAS_SHA256_SIZE], expect[LAS_SHA256_SIZE];
    uint32_t version, reserved;
    struct las_reader r;
    las_reader_init(&r, buf, len);
    las_read_bytes(&r, magic, sizeof magic);
    las_read_u32le(&r, &version);
    las_read_u32le(&r, &reserved);
    las_read_bytes(&r, cpu->seal_fuses, 16);
    las_read_bytes(&r, cpu->owner_epoch, 16);
    las_read_bytes(&r, cpu->cpusvn, 16);
    las_read_bytes(&r, cpu->boot_id, 16);
    las_read_bytes(&r, cpu->report_keyid, 32);
    las_read_bytes(&r, digest, sizeof digest);
    las_status st = las_reader_end(&r);
    if (st == LAS_OK && las_sha256(buf, STATE_BODY_SIZE, expect) != LAS_OK)
        st = LAS_ERR_CRYPTO;
    if (st == LAS_OK && (memcmp(magic, state_magic, sizeof magic) != 0 || reserved != 0 ||
                         memcmp(digest, expect, sizeof digest) != 0))
        st = LAS_ERR_MALFORMED;
    if (st == LAS_OK && version != STATE_VERSION)
        st = LAS_ERR_UNSUPPORTED;
    if (st != LAS_OK)
        las_wipe(cpu, sizeof *cpu);
    return st;
}

/* The Linux boot id (a UUID: 32 hex digits and dashes), or zeros when unreadable. */
static void current_boot_id(uint8_t out[static 16])
{
    char line[64];
    size_t n = 0;
    const char *end = NULL;
    memset(out, 0, 16);
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    if (f == NULL)
        return;
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    fclose(f);
    if (sodium_hex2bin(out, 16, line, strlen(line), "-", &n, &end) != 0 || n != 16 ||
        (*end != '\n' && *end != '\0'))
        memset(out, 0, 16);
}

/* Reads and checks an existing state file; never modifies it. */
static las_status load_state(const struct las_dir *dir, struct las_sim_cpu *cpu, char *why,
                             size_t why_len)
{
    struct stat sb;
    uint8_t *buf = NULL;
    size_t len = 0;
    las_status st = las_dir_read(dir, LAS_SIM_STATE_FILE, LAS_SIM_STATE_SIZE, &buf, &len, &sb, NULL,
                                 why, why_len);
    if (st == LAS_ERR_BAD_SIZE || (st == LAS_OK && len != LAS_SIM_STATE_SIZE)) {
        st = las_fail(LAS_ERR_STATE, why, why_len,
                      "%s/%s is corrupt: wrong size (expected %d bytes)", dir->path,
                      LAS_SIM_STATE_FILE, LAS_SIM_STATE_SIZE);
    } else if (st != LAS_OK) {
        /* las_dir_read said why: unsafe (a link, not a regular file) or unreadable. */
    } else if (sb.st_uid != geteuid()) {
        st = las_fail(LAS_ERR_STATE_UNSAFE, why, why_len,
                      "%s/%s is owned by uid %u, not by this user (uid %u)", dir->path,
                      LAS_SIM_STATE_FILE, (unsigned)sb.st_uid, (unsigned)geteuid());
    } else if (sb.st_mode & 077) {
        st = las_fail(LAS_ERR_STATE_UNSAFE, why, why_len,
                      "%s/%s is accessible by group or others (mode %04o); it holds the "
                      "simulated CPU's secrets: run chmod 600 on it",
                      dir->path, LAS_SIM_STATE_FILE, (unsigned)(sb.st_mode & 07777));
    } else {
        st = las_sim_cpu_parse(buf, len, cpu);
        if (st == LAS_ERR_UNSUPPORTED)
            st = las_fail(LAS_ERR_STATE, why, why_len, "%s/%s has an unsupported version",
                          dir->path, LAS_SIM_STATE_FILE);
        else if (st != LAS_OK)
            st = las_fail(LAS_ERR_STATE, why, why_len, "%s/%s is corrupt (bad magic or checksum)",
                          dir->path, LAS_SIM_STATE_FILE);
    }
    if (buf) {
        las_wipe(buf, len);
        free(buf);
    }
    return st;
}

static las_status store_state(const struct las_dir *dir, const struct las_sim_cpu *cpu,
                              bool exclusive, char *why, size_t why_len)
{
    uint8_t image[LAS_SIM_STATE_SIZE];
    las_sim_cpu_serialize(cpu, image);
    las_status st = las_dir_write_atomic(dir, LAS_SIM_STATE_FILE, image, sizeof image, 0600,
                                         exclusive, why, why_len);
    las_wipe(image, sizeof image);
    return st;
}

/* A client's refusal to make a CPU where there is none (las_sim_cpu_open_existing). */
static las_status no_cpu(const char *state_dir, char *why, size_t why_len)
{
    return las_fail(LAS_ERR_IO, why, why_len,
                    "no simulated CPU in %s (no %s): use the state directory of the running "
                    "`las serve --mode sim`",
                    state_dir, LAS_SIM_STATE_FILE);
}

static las_status sim_cpu_open(const struct las_dir *dir, const uint8_t *cpusvn_override,
                               bool must_exist, struct las_sim_cpu *cpu,
                               struct las_sim_open_result *result, char *why, size_t why_len)
{
    int lock_fd = -1;
    las_status st;
    struct las_sim_open_result res = {0};
    uint8_t boot_id[16];

    memset(cpu, 0, sizeof *cpu);
    if (result)
        *result = res;
    snprintf(why, why_len, "unknown error");
    /* Checked before anything is created: a missing CPU leaves no trace. */
    if (must_exist && !las_dir_has(dir, LAS_SIM_STATE_FILE))
        return no_cpu(dir->path, why, why_len);
    /* The lock serializes processes that create or update the same CPU. */
    st = las_dir_lock(dir, LAS_SIM_LOCK_FILE, &lock_fd, why, why_len);
    if (st != LAS_OK)
        goto out;
    /* Under the lock no write is under way: a temporary file is a killed writer's. */
    (void)las_dir_remove_temporaries(dir, LAS_SIM_STATE_FILE);
    current_boot_id(boot_id);

    if (!las_dir_has(dir, LAS_SIM_STATE_FILE)) {
        if (must_exist) { /* removed since the check above */
            st = no_cpu(dir->path, why, why_len);
            goto out;
        }
        las_random_bytes(cpu->seal_fuses, sizeof cpu->seal_fuses);
        las_random_bytes(cpu->owner_epoch, sizeof cpu->owner_epoch);
        memcpy(cpu->cpusvn, cpusvn_override ? cpusvn_override : las_sim_default_cpusvn, 16);
        memcpy(cpu->boot_id, boot_id, 16);
        las_random_bytes(cpu->report_keyid, sizeof cpu->report_keyid);
        st = store_state(dir, cpu, true, why, why_len);
        res.created = st == LAS_OK;
        goto out;
    }
    st = load_state(dir, cpu, why, why_len);
    if (st != LAS_OK)
        goto out;
    bool dirty = false;
    if (cpusvn_override && memcmp(cpusvn_override, cpu->cpusvn, 16) != 0) {
        memcpy(cpu->cpusvn, cpusvn_override, 16);
        res.cpusvn_changed = true;
        dirty = true;
    }
    if (memcmp(boot_id, cpu->boot_id, 16) != 0) {
        /* CR_REPORT_KEYID is drawn anew at every boot of a real CPU. */
        memcpy(cpu->boot_id, boot_id, 16);
        las_random_bytes(cpu->report_keyid, sizeof cpu->report_keyid);
        res.new_boot = true;
        dirty = true;
    }
    if (dirty)
        st = store_state(dir, cpu, false, why, why_len);
out:
    if (lock_fd >= 0)
        close(lock_fd);
    if (st != LAS_OK)
        las_wipe(cpu, sizeof *cpu);
    else
        snprintf(why, why_len, "ok");
    if (result)
        *result = res;
    return st;
}

las_status las_sim_cpu_open(const struct las_dir *dir, const uint8_t *cpusvn_override,
                            struct las_sim_cpu *cpu, struct las_sim_open_result *result, char *why,
                            size_t why_len)
{
    return sim_cpu_open(dir, cpusvn_override, false, cpu, result, why, why_len);
}

las_status las_sim_cpu_open_existing(const struct las_dir *dir, struct las_sim_cpu *cpu, char *why,
                                     size_t why_len)
{
    return sim_cpu_open(dir, NULL, true, cpu, NULL, why, why_len);
}
