/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's start-up, signal handling and shutdown. */
#include "daemon/daemon.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/exit_code.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/log.h"
#include "daemon/server.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "sgx/enclu.h"
#include "version.h"

/* What a running LAS holds; freed in reverse order by daemon_close. */
struct daemon {
    const struct las_config *cfg;
    enum las_mode mode;
    struct las_dir state_dir;
    struct las_backend *backend;
    struct las_platform_key *key; /* locked, guarded memory, read-only once derived */
    struct las_platform_state platform_state;
    struct las_server *server;
};

/*
 * LAS faces every process on the node and holds the platform key: as root a
 * bug would hand an attacker the whole machine. Inside an SGX enclave the uid
 * is Gramine's emulation, so the manifest sets LAS_ALLOW_ROOT.
 */
static bool root_refused(const struct las_config *cfg)
{
    if (geteuid() != 0)
        return false;
    if (cfg->allow_root) {
        las_warn("running as root because --allow-root (LAS_ALLOW_ROOT=1) was given; run LAS as "
                 "an unprivileged user in production");
        return false;
    }
    las_error("refusing to run as root: LAS faces every process on the node and holds the "
              "platform key; run it as an unprivileged user, or pass --allow-root "
              "(LAS_ALLOW_ROOT=1) if you must (exit code %d)",
              LAS_EXIT_ROOT);
    return true;
}

/* Blocks the stop signals in every thread so that sigwait() gets them here. */
static void block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/*
 * Picks the backend: sgx only inside an SGX enclave (Gramine's attestation
 * files present), so ENCLU never runs where it would raise SIGILL.
 */
static int resolve_mode(enum las_mode requested, enum las_mode *out)
{
    bool in_enclave = las_backend_sgx_available(LAS_GRAMINE_ATTESTATION_DIR);
    switch (requested) {
    case LAS_MODE_SIM:
        las_warn("mode sim: using the SIMULATED backend, which gives NO SECURITY (development "
                 "and CI only); quotes and evidence are marked as simulated");
        *out = LAS_MODE_SIM;
        return 0;
    case LAS_MODE_SGX:
        if (!in_enclave) {
            las_error("mode sgx: not running inside an SGX enclave (%s/attestation_type not "
                      "found); start LAS with gramine-sgx (see docs/hardware.md) or use --mode sim",
                      LAS_GRAMINE_ATTESTATION_DIR);
            return -1;
        }
        *out = LAS_MODE_SGX;
        return 0;
    default:
        if (in_enclave) {
            las_info("mode auto: running inside an SGX enclave: using the sgx backend");
            *out = LAS_MODE_SGX;
            return 0;
        }
        las_warn("mode auto: not inside an SGX enclave; using the SIMULATED backend, which gives "
                 "NO SECURITY (development and CI only)");
        *out = LAS_MODE_SIM;
        return 0;
    }
}

/* Opens the chosen backend; the sim backend keeps its CPU in the state directory. */
static int open_backend(struct daemon *d)
{
    const struct las_config *cfg = d->cfg;
    char why[512];
    las_status st;

    if (d->mode == LAS_MODE_SGX) {
        if (cfg->have_sim_cpusvn || cfg->sim_isvsvn >= 0)
            las_warn("--sim-cpusvn and --sim-isvsvn apply to sim mode only; ignored");
        struct las_backend_sgx_config sgx_cfg = {
            .attestation_dir = LAS_GRAMINE_ATTESTATION_DIR,
            .aesm_socket = cfg->aesm_socket,
            .enclu = &las_enclu_hardware,
        };
        st = las_backend_sgx_open(&sgx_cfg, &d->backend, why, sizeof why);
    } else {
        struct las_backend_sim_config sim_cfg = {
            .state_dir = &d->state_dir,
            .cpusvn_override = cfg->have_sim_cpusvn ? cfg->sim_cpusvn : NULL,
            .isvsvn_override = cfg->sim_isvsvn,
        };
        st = las_backend_sim_open(&sim_cfg, &d->backend, why, sizeof why);
    }
    if (st != LAS_OK) {
        las_error("cannot open the %s backend: %s", las_mode_name(d->mode), why);
        return d->mode == LAS_MODE_SIM ? las_status_state_exit_code(st) : LAS_EXIT_IO;
    }
    if (d->backend->ops->quote_ready(d->backend, why, sizeof why))
        las_info("hardware quotes: available%s", d->backend->simulated ? " (simulated QE)" : "");
    else
        las_warn("hardware quotes: %s; /readyz answers 503 until this is fixed", why);
    return LAS_EXIT_OK;
}

/* Derives the platform key once, into locked memory, and logs the platform ID. */
static int derive_platform_key(struct daemon *d)
{
    struct las_backend *b = d->backend;
    char id[LAS_PLATFORM_ID_HEX_SIZE], cpusvn[33];

    d->key = las_secret_alloc(sizeof *d->key);
    if (d->key == NULL) {
        las_error("cannot allocate locked memory for the platform key");
        return LAS_EXIT_IO;
    }
    las_status st = las_platform_key_derive(b, b->identity.cpusvn, b->identity.isvsvn, d->key);
    if (st != LAS_OK) {
        las_error("cannot derive the platform key: %s", las_status_message(st));
        return LAS_EXIT_IO;
    }
    sodium_mprotect_readonly(d->key);
    if (las_secret_all_locked())
        las_info("key material: in locked memory, excluded from core dumps");
    las_platform_id_format(d->key->public_key, id);
    las_hex_encode(d->key->cpusvn, 16, cpusvn, 0);
    /* Operators grep this line: the ID must stay the 8th field (docs/operations.md). */
    las_info("platform identity: Ed25519 public key %s (mode %s, cpusvn %s, isvsvn %u)", id,
             b->name, cpusvn, (unsigned)d->key->isvsvn);
    return LAS_EXIT_OK;
}

/* The steps before LAS listens, each failing with its class's exit code. */
static int start(struct daemon *d)
{
    char why[512];
    int rc;
    las_status st;

    if (resolve_mode(d->cfg->mode, &d->mode) != 0)
        return LAS_EXIT_IO;
    /* Opened once: every file of LAS's state is reached through it (common/file.h). */
    st = las_dir_open(d->cfg->state_dir, true, &d->state_dir, why, sizeof why);
    if (st != LAS_OK) {
        las_error("%s", why);
        return las_status_state_exit_code(st);
    }
    if ((rc = open_backend(d)) != LAS_EXIT_OK || (rc = derive_platform_key(d)) != LAS_EXIT_OK)
        return rc;
    /* Remember this identity; publish a succession statement when it changed. */
    st = las_platform_identity_update(d->backend, d->key, &d->state_dir, &d->platform_state, why,
                                      sizeof why);
    if (st != LAS_OK) {
        las_error("state directory %s: %s", d->cfg->state_dir, why);
        return las_status_state_exit_code(st);
    }
    st = las_server_start(d->cfg, d->backend, d->key, &d->platform_state, &d->server, why,
                          sizeof why);
    if (st != LAS_OK) {
        las_error("%s", why);
        return st == LAS_ERR_UNAVAILABLE ? LAS_EXIT_LISTEN : LAS_EXIT_IO;
    }
    las_info("listening on %s (port %u); ready", d->cfg->listen,
             (unsigned)las_server_port(d->server));
    return LAS_EXIT_OK;
}

static void daemon_close(struct daemon *d)
{
    if (d->key)
        las_secret_free(d->key); /* wipes */
    las_backend_close(d->backend);
    las_dir_close(&d->state_dir);
    free(d);
}

int las_daemon_run(const struct las_config *cfg)
{
    sigset_t stop_signals;
    int sig = 0;

    if (root_refused(cfg))
        return LAS_EXIT_ROOT;
    /* No core dumps of the key material, no ptrace by other processes of this user. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        las_warn("cannot disable core dumps: %s", strerror(errno));
    block_stop_signals(&stop_signals);

    struct daemon *d = calloc(1, sizeof *d);
    if (d == NULL) {
        las_error("out of memory");
        return LAS_EXIT_IO;
    }
    d->cfg = cfg;
    d->state_dir.fd = -1;
    las_info("LAS %s starting (pid %d)", LAS_VERSION, (int)getpid());
    las_config_log(cfg);
    int rc = start(d);
    if (rc == LAS_EXIT_OK) {
        while (sigwait(&stop_signals, &sig) != 0)
            ;
        las_info("received %s: stopping (waiting up to %us for in-flight requests)",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT", cfg->shutdown_timeout);
        las_server_stop(d->server, cfg->shutdown_timeout);
        las_info("stopped");
    }
    daemon_close(d);
    return rc;
}
