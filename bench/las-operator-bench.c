/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a sweep of las-operator costs per node, on this machine, with the
 * operator's own code: verifying one node's evidence (real evidence of
 * simulated platforms), hashing it (the check that skips verification when
 * nothing changed), building and serialising the status of N nodes, and the
 * memory per node (sizes of the operator's structures, and jansson's
 * allocations counted). The fetch over the network is measured on the test
 * cluster (tests/cluster/test_operator.sh). Figures only: no targets.
 *
 * usage: las-operator-bench [--nodes N] [--verifications N]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/hex.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "operator/controller.h"
#include "operator/status.h"
#include "operator/verify.h"

#define PLATFORMS 4

static size_t live_bytes;

static void *counting_malloc(size_t n)
{
    size_t *p = malloc(n + sizeof(size_t) * 2);
    if (p == NULL)
        return NULL;
    p[0] = n;
    live_bytes += n;
    return p + 2;
}

static void counting_free(void *q)
{
    if (q == NULL)
        return;
    size_t *p = (size_t *)q - 2;
    live_bytes -= p[0];
    free(p);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Evidence of a fresh simulated platform in a temporary directory. */
static int make_evidence(char **doc, size_t *len)
{
    char tmpl[] = "/tmp/las-opbench-XXXXXX", why[256];
    char *dir = mkdtemp(tmpl);
    struct las_backend *b = NULL;
    struct las_platform_key key;
    static struct las_platform_state st;
    struct las_dir state_dir = {.fd = -1};
    struct las_backend_sim_config cfg = {&state_dir, NULL, -1};
    int rc = -1;
    if (dir && las_dir_open(dir, false, &state_dir, why, sizeof why) == LAS_OK &&
        las_backend_sim_open(&cfg, &b, why, sizeof why) == LAS_OK &&
        las_platform_key_derive(b, b->identity.cpusvn, b->identity.isvsvn, &key) == LAS_OK &&
        las_platform_identity_update(b, &key, &state_dir, &st, why, sizeof why) == LAS_OK &&
        las_evidence_build(b, &key, &st, "bench", doc, len) == LAS_OK)
        rc = 0;
    las_backend_close(b);
    las_dir_close(&state_dir);
    if (dir) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "las-operator-bench: could not remove %s\n", dir);
    }
    return rc;
}

int main(int argc, char **argv)
{
    size_t nodes = 1000, runs = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--nodes") == 0)
            nodes = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--verifications") == 0)
            runs = strtoul(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: las-operator-bench [--nodes N] [--verifications N]\n");
            return 2;
        }
    }
    if (nodes == 0 || runs == 0 || las_crypto_init() != LAS_OK)
        return 2;
    setenv("LAS_LOG_LEVEL", "error", 1);

    char *docs[PLATFORMS];
    size_t lens[PLATFORMS];
    for (int i = 0; i < PLATFORMS; i++) {
        if (make_evidence(&docs[i], &lens[i]) != 0) {
            fprintf(stderr, "las-operator-bench: cannot make simulated evidence\n");
            return 3;
        }
    }
    struct las_op_trust trust = {.allow_simulation = true};
    struct las_op_verdict v;

    /* 1. Verification and hashing, per node. */
    double t0 = now_s();
    for (size_t i = 0; i < runs; i++) {
        las_op_verify_evidence((uint8_t *)docs[i % PLATFORMS], lens[i % PLATFORMS], &trust, NULL, 0,
                               &v);
        if (!v.verified) {
            fprintf(stderr, "las-operator-bench: evidence refused: %s\n", v.reason);
            return 3;
        }
    }
    double verify_s = (now_s() - t0) / (double)runs;
    uint8_t h[32];
    t0 = now_s();
    for (size_t i = 0; i < runs * 10; i++) {
        if (las_sha256(docs[i % PLATFORMS], lens[i % PLATFORMS], h) != LAS_OK)
            return 3;
    }
    double hash_s = (now_s() - t0) / (double)(runs * 10);

    /* 2. The status of N verified nodes, each with the verdict of real evidence. */
    struct las_op_node *table = calloc(nodes, sizeof *table);
    if (table == NULL)
        return 3;
    for (size_t i = 0; i < nodes; i++) {
        struct las_op_event ev;
        snprintf(table[i].name, sizeof table[i].name, "node-%05zu.cluster.internal", i);
        snprintf(table[i].pod, sizeof table[i].pod, "las-%05zx", i);
        table[i].ready = true;
        las_op_verify_evidence((uint8_t *)docs[i % PLATFORMS], lens[i % PLATFORMS], &trust, NULL, 0,
                               &v);
        las_op_node_set_verdict(&table[i], &v, 1700000000, &ev);
    }
    struct las_op_status_input in = {
        .generation = 1,
        .nodes = table,
        .n_nodes = nodes,
        .ds = {true, 1, 1, (int64_t)nodes, (int64_t)nodes, (int64_t)nodes, (int64_t)nodes},
        .now = 1700000000,
    };
    json_set_alloc_funcs(counting_malloc, counting_free);
    size_t before = live_bytes;
    t0 = now_s();
    json_t *status = las_op_status_build(&in);
    char *text = json_dumps(status, JSON_COMPACT | JSON_SORT_KEYS);
    double status_s = now_s() - t0;
    size_t tree_bytes = live_bytes - before - (text ? strlen(text) + 1 : 0);
    size_t text_bytes = text ? strlen(text) : 0;
    /* The slim copy the cache keeps (controller.c): conditions, names and IDs. */
    before = live_bytes;
    json_t *obj =
        json_pack("{s:{s:s,s:s},s:O}", "metadata", "name", "las", "uid", "u", "status", status);
    json_t *reparsed = json_loads(text, 0, NULL);
    size_t parsed_bytes = live_bytes - before;
    json_decref(obj);
    json_decref(reparsed);

    printf("las-operator-bench: %zu nodes, %zu verifications of simulated evidence (%zu bytes)\n",
           nodes, runs, lens[0]);
    printf("per node: verify evidence %.1f us, hash evidence %.2f us, status entry %zu bytes of "
           "JSON, built and serialised in %.2f us\n",
           verify_s * 1e6, hash_s * 1e6, text_bytes / nodes, status_s * 1e6 / (double)nodes);
    printf("memory per node: struct las_op_node %zu B, struct las_op_pod %zu B, status tree %zu B "
           "(a parsed status: %zu B)\n",
           sizeof(struct las_op_node), sizeof(struct las_op_pod), tree_bytes / nodes,
           parsed_bytes / nodes);
    printf("a sweep of 1,000 nodes, CPU in the operator: %.1f ms when no evidence changed "
           "(hash + status), %.1f ms when all of it changed (+ verification); plus the fetches\n",
           (hash_s + status_s / (double)nodes) * 1000 * 1e3,
           (hash_s + verify_s + status_s / (double)nodes) * 1000 * 1e3);
    counting_free(text); /* allocated by jansson, through the counting allocator */
    json_decref(status);
    free(table);
    for (int i = 0; i < PLATFORMS; i++)
        free(docs[i]);
    return 0;
}
