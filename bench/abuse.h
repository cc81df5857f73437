/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attacker of las-bench's abuse run (bench/README.md, "Abuse run"):
 * one thread holds idle and slow connections to LAS while the legitimate
 * clients attest. Idle connections send nothing; slow ones trickle one byte
 * of a request every few seconds, so an inactivity timeout never fires for
 * them. A connection LAS closes is opened again a second later, as a
 * determined attacker would. Connections come from 127.0.0.2 onwards, one
 * source address after the other (the legitimate clients use 127.0.0.1).
 */
#ifndef LAS_BENCH_ABUSE_H
#define LAS_BENCH_ABUSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct abuse_config {
    unsigned idle, slow; /* connections of each kind */
    unsigned sources;    /* source addresses 127.0.0.2 .. 127.0.0.(1 + sources) */
    unsigned trickle_s;  /* a slow connection sends one byte this often */
    struct sockaddr_storage target;
    socklen_t target_len;
};

struct abuse_stats {
    uint64_t connected;     /* connections established, reconnections included */
    uint64_t closed_by_las; /* connections LAS closed (timeouts, refusals, evictions) */
    uint64_t refused_503;   /* of those, with a 503 answer (per-peer limit, no descriptors) */
    unsigned open_now;      /* established and not closed at the moment of the call */
};

struct abuse;

/* Starts the attacker thread; false (with a message on stderr) if it cannot run. */
bool abuse_start(const struct abuse_config *cfg, struct abuse **out);

/* Waits until every connection was attempted once, up to timeout_ms. */
void abuse_wait_ramped(struct abuse *a, unsigned timeout_ms);

void abuse_stats(struct abuse *a, struct abuse_stats *out);

/* Stops the thread and closes every connection. */
void abuse_stop(struct abuse *a);

#endif
