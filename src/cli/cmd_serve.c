/* SPDX-License-Identifier: Apache-2.0 */
/* `las serve`: the daemon's start-up, signal handling and shutdown. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "backend/backend.h"
#include "cli/cli.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "common/log.h"
#include "daemon/config.h"
#include "daemon/server.h"
#include "common/file.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "sgx/enclu.h"
#include "version.h"

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

static las_status open_backend(const struct las_config *cfg, enum las_mode mode,
                               const struct las_dir *state_dir, struct las_backend **out, char *why,
                               size_t why_len)
{
    if (mode == LAS_MODE_SGX) {
        if (cfg->have_sim_cpusvn || cfg->sim_isvsvn >= 0)
            las_warn("--sim-cpusvn and --sim-isvsvn apply to sim mode only; ignored");
        struct las_backend_sgx_config sgx_cfg = {
            .attestation_dir = LAS_GRAMINE_ATTESTATION_DIR,
            .aesm_socket = cfg->aesm_socket,
            .enclu = &las_enclu_hardware,
        };
        return las_backend_sgx_open(&sgx_cfg, out, why, why_len);
    }
    struct las_backend_sim_config sim_cfg = {
        .state_dir = state_dir,
        .cpusvn_override = cfg->have_sim_cpusvn ? cfg->sim_cpusvn : NULL,
        .isvsvn_override = cfg->sim_isvsvn,
    };
    return las_backend_sim_open(&sim_cfg, out, why, why_len);
}

static void serve_usage(FILE *out)
{
    las_config_usage(out);
    fprintf(out, "\nExit codes:\n");
    for (int code = 0; code < LAS_EXIT_COUNT; code++) {
        const char *meaning = las_exit_code_meaning(code, true);
        if (meaning != NULL)
            fprintf(out, "  %d  %s\n", code, meaning);
    }
}

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

int las_cmd_serve(int argc, char **argv)
{
    struct las_config cfg;
    char why[512];
    bool help = false;
    int rc = LAS_EXIT_IO;
    struct las_backend *backend = NULL;
    struct las_platform_key *key = NULL;
    struct las_server *server = NULL;
    enum las_mode mode;
    sigset_t stop_signals;
    static struct las_platform_state platform_state;
    struct las_dir state_dir = {.fd = -1};

    las_config_defaults(&cfg);
    if (las_config_from_env(&cfg, why, sizeof why) != LAS_OK ||
        las_config_from_args(&cfg, argc, argv, &help, why, sizeof why) != LAS_OK)
        return las_cli_usage_error("serve", "%s", why);
    if (help) {
        serve_usage(stdout);
        return LAS_EXIT_OK;
    }
    las_log_configure(cfg.log_level, cfg.log_format);
    if (root_refused(&cfg))
        return LAS_EXIT_ROOT;
    /* No core dumps of the key material, no ptrace by other processes of this user. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        las_warn("cannot disable core dumps: %s", strerror(errno));
    block_stop_signals(&stop_signals);

    las_info("LAS %s starting (pid %d)", LAS_VERSION, (int)getpid());
    las_config_log(&cfg);
    if (resolve_mode(cfg.mode, &mode) != 0)
        return LAS_EXIT_IO;

    /* Opened once: every file of LAS's state is reached through it (common/file.h). */
    las_status st = las_dir_open(cfg.state_dir, true, &state_dir, why, sizeof why);
    if (st != LAS_OK) {
        las_error("%s", why);
        rc = las_status_state_exit_code(st);
        goto out;
    }
    st = open_backend(&cfg, mode, &state_dir, &backend, why, sizeof why);
    if (st != LAS_OK) {
        las_error("cannot open the %s backend: %s", las_mode_name(mode), why);
        if (mode == LAS_MODE_SIM)
            rc = las_status_state_exit_code(st);
        goto out;
    }
    if (backend->ops->quote_ready(backend, why, sizeof why))
        las_info("hardware quotes: available%s", backend->simulated ? " (simulated QE)" : "");
    else
        las_warn("hardware quotes: %s; /readyz answers 503 until this is fixed", why);

    /* The platform key lives in locked, guarded memory, read-only once derived. */
    key = las_secret_alloc(sizeof *key);
    if (key == NULL) {
        las_error("cannot allocate locked memory for the platform key");
        goto out;
    }
    st = las_platform_key_derive(backend, backend->identity.cpusvn, backend->identity.isvsvn, key);
    if (st != LAS_OK) {
        las_error("cannot derive the platform key: %s", las_status_message(st));
        goto out;
    }
    sodium_mprotect_readonly(key);
    if (las_secret_all_locked())
        las_info("key material: in locked memory, excluded from core dumps");

    char id[LAS_PLATFORM_ID_HEX_SIZE], cpusvn[33];
    las_platform_id_format(key->public_key, id);
    las_hex_encode(key->cpusvn, 16, cpusvn, 0);
    /* Operators grep this line: the ID must stay the 8th field (docs/operations.md). */
    las_info("platform identity: Ed25519 public key %s (mode %s, cpusvn %s, isvsvn %u)", id,
             backend->name, cpusvn, (unsigned)key->isvsvn);

    /* Remember this identity; publish a succession statement when it changed. */
    st = las_platform_identity_update(backend, key, &state_dir, &platform_state, why, sizeof why);
    if (st != LAS_OK) {
        las_error("state directory %s: %s", cfg.state_dir, why);
        rc = las_status_state_exit_code(st);
        goto out;
    }

    st = las_server_start(&cfg, backend, key, &platform_state, &server, why, sizeof why);
    if (st != LAS_OK) {
        las_error("%s", why);
        if (st == LAS_ERR_UNAVAILABLE)
            rc = LAS_EXIT_LISTEN;
        goto out;
    }
    las_info("listening on %s (port %u); ready", cfg.listen, (unsigned)las_server_port(server));

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0)
        ;
    las_info("received %s: stopping (waiting up to %us for in-flight requests)",
             sig == SIGTERM ? "SIGTERM" : "SIGINT", cfg.shutdown_timeout);
    las_server_stop(server, cfg.shutdown_timeout);
    server = NULL;
    las_info("stopped");
    rc = LAS_EXIT_OK;
out:
    if (key)
        las_secret_free(key); /* wipes */
    las_backend_close(backend);
    las_dir_close(&state_dir);
    return rc;
}
