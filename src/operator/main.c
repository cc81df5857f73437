/* SPDX-License-Identifier: Apache-2.0 */
/*
 * las-operator: keeps LAS running in a Kubernetes cluster and publishes every
 * node's verified platform ID (docs/operator.md). Threads: one list+watch per
 * cached kind, the leader elector, the controller, and libmicrohttpd's for
 * /healthz, /readyz and /metrics; the main thread waits for SIGTERM/SIGINT.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/exit_code.h"
#include "common/hex.h"
#include "common/log.h"
#include "operator/controller.h"
#include "operator/health.h"
#include "operator/kube.h"
#include "operator/lease.h"
#include "operator/manifest.h"
#include "operator/opconfig.h"
#include "operator/spec.h"
#include "operator/watch.h"
#include "version.h"

static const struct {
    int code;
    const char *meaning;
} exit_codes[] = {
    {LAS_EXIT_OK, "stopped by SIGTERM or SIGINT (the Lease released)"},
    {LAS_EXIT_USAGE, "usage error (unknown flag, bad value)"},
    {LAS_EXIT_IO, "start-up failure: no usable cluster configuration (kubeconfig, service "
                  "account), or init-state-dir failed"},
    {LAS_EXIT_LISTEN, "cannot listen on --listen"},
    {LAS_EXIT_ROOT, "refused to run as root (use --allow-root / LAS_OPERATOR_ALLOW_ROOT=1)"},
};

static void usage(FILE *out)
{
    las_op_config_usage(out);
    fprintf(out, "\nExit codes:\n");
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++)
        fprintf(out, "  %d  %s\n", exit_codes[i].code, exit_codes[i].meaning);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * `las-operator init-state-dir DIR`, the DaemonSet's init container (root,
 * CHOWN and FOWNER only): kubelet creates a missing hostPath as root 0755;
 * LAS's user must own it, and nobody else may read it. Without
 * DAC_READ_SEARCH, root cannot open a directory that LAS already owns with
 * mode 0700 (every start after the first), so the directory is opened with
 * O_PATH, which needs no permission on the directory itself, and changed
 * through that descriptor: fchownat(AT_EMPTY_PATH), and chmod through
 * /proc/self/fd (fchmod refuses an O_PATH descriptor).
 */
static int init_state_dir(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: las-operator init-state-dir DIR\n");
        return LAS_EXIT_USAGE;
    }
    int fd = open(argv[1], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "las-operator: %s: %s\n", argv[1], strerror(errno));
        return LAS_EXIT_IO;
    }
    int rc = LAS_EXIT_OK;
    char self[64];
    struct stat st;
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "las-operator: %s: %s\n", argv[1], strerror(errno));
        rc = LAS_EXIT_IO;
    } else if (st.st_uid == LAS_OP_LAS_UID && st.st_gid == LAS_OP_LAS_UID &&
               (st.st_mode & 07777) == 0700) {
        printf("%s: owner %d:%d, mode 0700 already\n", argv[1], LAS_OP_LAS_UID, LAS_OP_LAS_UID);
    } else if (fchownat(fd, "", LAS_OP_LAS_UID, LAS_OP_LAS_UID, AT_EMPTY_PATH) != 0 ||
               chmod(self, 0700) != 0) {
        fprintf(stderr, "las-operator: %s: %s\n", argv[1], strerror(errno));
        rc = LAS_EXIT_IO;
    } else {
        printf("%s: owner %d:%d, mode 0700\n", argv[1], LAS_OP_LAS_UID, LAS_OP_LAS_UID);
    }
    close(fd);
    return rc;
}

struct app {
    struct las_op_config cfg;
    struct las_kube *kube;
    char ns[254];
    atomic_bool stop;
    struct las_op_metrics metrics;
    struct las_op_store store;
    struct las_op_reflector resources, pods;
    struct las_op_elector elector;
    atomic_int_fast64_t leading_until; /* monotonic ms; 0 when not leading */
    struct las_op_health_state health;
    struct las_op_controller *controller;
};

static bool leading(void *ctx)
{
    struct app *a = ctx;
    int64_t now = mono_ms();
    atomic_store(&a->health.heartbeat, now / 1000);
    return now < atomic_load(&a->leading_until);
}

struct reflector_job {
    struct app *app;
    struct las_op_reflector *r;
};

static void *run_reflector(void *p)
{
    struct reflector_job *j = p;
    struct las_kube_conn *c = NULL;
    if (las_kube_conn_new(j->app->kube, &j->app->stop, &c) != LAS_OK) {
        las_error("watch %s: out of memory", j->r->what);
        return NULL;
    }
    las_op_reflector_run(j->r, c, &j->app->stop);
    las_kube_conn_free(c);
    return NULL;
}

static void *run_elector(void *p)
{
    struct app *a = p;
    struct las_kube_conn *c = NULL;
    if (las_kube_conn_new(a->kube, &a->stop, &c) != LAS_OK)
        return NULL;
    bool was = false;
    char why[768] = "", last_why[768] = "";
    while (!atomic_load(&a->stop)) {
        int64_t now = mono_ms();
        why[0] = '\0';
        bool lead = las_op_lease_round(&a->elector, c, now, why, sizeof why);
        atomic_store(&a->leading_until,
                     lead ? a->elector.renewed_at + a->elector.renew_deadline_ms : 0);
        atomic_store(&a->health.leader, lead);
        if (lead != was)
            las_info("%s the Lease %s/%s as %s", lead ? "acquired" : "lost", a->ns,
                     a->cfg.lease_name, a->cfg.identity);
        else if (!lead && a->elector.observed_holder[0] && why[0] == '\0')
            las_debug("standing by: the Lease is held by %s", a->elector.observed_holder);
        if (why[0] && strcmp(why, last_why) != 0)
            las_warn("leader election: %s", why);
        snprintf(last_why, sizeof last_why, "%s", why);
        was = lead;
        las_op_sleep_ms(a->cfg.retry_period * 1000u, &a->stop);
    }
    las_kube_conn_free(c);
    return NULL;
}

static void *run_controller(void *p)
{
    struct app *a = p;
    las_op_controller_run(a->controller, &a->stop, leading, a);
    return NULL;
}

static bool root_refused(const struct las_op_config *cfg)
{
    if (geteuid() != 0)
        return false;
    if (cfg->allow_root) {
        las_warn("running as root because --allow-root was given; the operator needs no "
                 "privilege at all: run it as an unprivileged user");
        return false;
    }
    las_error("refusing to run as root: las-operator needs no privilege; run it as an "
              "unprivileged user, or pass --allow-root (LAS_OPERATOR_ALLOW_ROOT=1) (exit code %d)",
              LAS_EXIT_ROOT);
    return true;
}

static void default_identity(struct las_op_config *cfg)
{
    if (cfg->identity[0])
        return;
    char host[200] = "las-operator";
    if (gethostname(host, sizeof host) != 0)
        strcpy(host, "las-operator");
    host[sizeof host - 1] = '\0';
    uint8_t r[4];
    char hex[9];
    randombytes_buf(r, sizeof r);
    las_hex_encode(r, sizeof r, hex, 0);
    snprintf(cfg->identity, sizeof cfg->identity, "%s_%s", host, hex);
}

static int run(int argc, char **argv)
{
    static struct app a;
    char why[768];
    bool help = false;
    las_op_config_defaults(&a.cfg);
    if (las_op_config_from_env(&a.cfg, why, sizeof why) != LAS_OK ||
        las_op_config_from_args(&a.cfg, argc, argv, &help, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "las-operator: %s\nRun 'las-operator --help' for the options.\n", why);
        return LAS_EXIT_USAGE;
    }
    if (help) {
        usage(stdout);
        return LAS_EXIT_OK;
    }
    if (las_op_config_check(&a.cfg, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "las-operator: %s\nRun 'las-operator --help' for the options.\n", why);
        return LAS_EXIT_USAGE;
    }
    las_log_configure(a.cfg.log_level, a.cfg.log_format);
    if (root_refused(&a.cfg))
        return LAS_EXIT_ROOT;
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        las_error("cannot initialise libsodium or libcurl");
        return LAS_EXIT_IO;
    }
    default_identity(&a.cfg);
    las_info("las-operator %s starting (pid %d)", LAS_VERSION, (int)getpid());
    las_op_config_log(&a.cfg);

    int rc = LAS_EXIT_IO;
    pthread_t threads[4];
    size_t n_threads = 0;
    struct las_op_health *health = NULL;
    if (las_kube_load(a.cfg.kubeconfig[0] ? a.cfg.kubeconfig : NULL,
                      a.cfg.context[0] ? a.cfg.context : NULL, LAS_KUBE_SA_DIR, &a.kube, why,
                      sizeof why) != LAS_OK) {
        las_error("cluster configuration: %s", why);
        goto out;
    }
    snprintf(a.ns, sizeof a.ns, "%s",
             a.cfg.namespace[0]              ? a.cfg.namespace
             : las_kube_namespace(a.kube)[0] ? las_kube_namespace(a.kube)
                                             : "default");
    las_info("API server %s; managing namespace %s", las_kube_server(a.kube), a.ns);

    las_op_store_init(&a.store, a.cfg.max_resources, a.cfg.max_nodes, &a.metrics);
    a.resources = (struct las_op_reflector){
        .what = LAS_OP_PLURAL,
        .begin_list = las_op_store_resources_begin,
        .upsert = las_op_store_resource_upsert,
        .remove = las_op_store_resource_remove,
        .end_list = las_op_store_resources_end,
        .ctx = &a.store,
    };
    snprintf(a.resources.path, sizeof a.resources.path,
             "/apis/" LAS_OP_GROUP "/" LAS_OP_VERSION "/namespaces/%s/" LAS_OP_PLURAL, a.ns);
    a.pods = (struct las_op_reflector){
        .what = "pods",
        .begin_list = las_op_store_pods_begin,
        .upsert = las_op_store_pod_upsert,
        .remove = las_op_store_pod_remove,
        .end_list = las_op_store_pods_end,
        .ctx = &a.store,
    };
    snprintf(a.pods.path, sizeof a.pods.path, "/api/v1/namespaces/%s/pods", a.ns);
    snprintf(a.pods.selector, sizeof a.pods.selector,
             "app.kubernetes.io/managed-by=" LAS_OP_MANAGER
             ",app.kubernetes.io/component=attestation");
    las_op_backoff_init(&a.resources.backoff, 500, 30000);
    las_op_backoff_init(&a.pods.backoff, 500, 30000);

    snprintf(a.elector.name, sizeof a.elector.name, "%s", a.cfg.lease_name);
    snprintf(a.elector.namespace, sizeof a.elector.namespace, "%s", a.ns);
    snprintf(a.elector.identity, sizeof a.elector.identity, "%s", a.cfg.identity);
    a.elector.lease_ms = a.cfg.lease_duration * 1000LL;
    a.elector.renew_deadline_ms = a.cfg.renew_deadline * 1000LL;

    a.health.metrics = &a.metrics;
    a.health.reflectors[0] = &a.resources;
    a.health.reflectors[1] = &a.pods;
    a.health.stall_limit = 600;
    atomic_store(&a.health.heartbeat, mono_ms() / 1000);
    uint16_t port = 0;
    las_status st = las_op_health_start(a.cfg.listen, &a.health, &health, &port, why, sizeof why);
    if (st != LAS_OK) {
        las_error("%s", why);
        rc = st == LAS_ERR_UNAVAILABLE ? LAS_EXIT_LISTEN : LAS_EXIT_USAGE;
        goto out_store;
    }
    las_info("/healthz, /readyz and /metrics on %s (port %u)", a.cfg.listen, (unsigned)port);

    a.controller = las_op_controller_new(&a.cfg, a.kube, a.ns, &a.store, &a.metrics);
    static struct reflector_job jobs[2];
    jobs[0] = (struct reflector_job){&a, &a.resources};
    jobs[1] = (struct reflector_job){&a, &a.pods};
    if (a.controller == NULL ||
        pthread_create(&threads[n_threads++], NULL, run_reflector, &jobs[0]) != 0) {
        las_error("cannot start the watch threads");
        goto out_threads;
    }
    if (pthread_create(&threads[n_threads++], NULL, run_reflector, &jobs[1]) != 0 ||
        pthread_create(&threads[n_threads++], NULL, run_elector, &a) != 0 ||
        pthread_create(&threads[n_threads++], NULL, run_controller, &a) != 0) {
        las_error("cannot start the operator's threads");
        goto out_threads;
    }
    las_info("running; candidate %s for the Lease %s/%s", a.cfg.identity, a.ns, a.cfg.lease_name);

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0)
        ;
    las_info("received %s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    rc = LAS_EXIT_OK;
out_threads:
    atomic_store(&a.stop, true);
    pthread_mutex_lock(&a.store.mu);
    pthread_cond_broadcast(&a.store.changed);
    pthread_mutex_unlock(&a.store.mu);
    /* The controller first: no write may follow the release of the Lease. */
    for (size_t i = n_threads; i-- > 0;)
        pthread_join(threads[i], NULL);
    if (a.elector.leader) {
        struct las_kube_conn *c = NULL;
        if (las_kube_conn_new(a.kube, NULL, &c) == LAS_OK &&
            las_op_lease_release(&a.elector, c, why, sizeof why) == LAS_OK)
            las_info("released the Lease %s/%s", a.ns, a.cfg.lease_name);
        else
            las_warn("could not release the Lease (it expires by itself): %s", why);
        las_kube_conn_free(c);
    }
    las_op_controller_free(a.controller);
    las_op_health_stop(health);
out_store:
    las_op_store_free(&a.store);
out:
    las_kube_free(a.kube);
    curl_global_cleanup();
    if (rc == LAS_EXIT_OK)
        las_info("stopped");
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "version") == 0) {
        printf("las-operator %s\n", LAS_VERSION);
        return LAS_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "init-state-dir") == 0)
        return init_state_dir(argc - 1, argv + 1);
    return run(argc, argv);
}
