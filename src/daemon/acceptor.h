/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accepting thread of `las serve`: who gets a connection, and how long
 * it may keep it without asking anything.
 *
 * Worker threads that all poll the listening socket race for each new
 * connection; the one that is already awake wins, so a burst of keep-alive
 * connections often lands on one worker while the others stay idle (what
 * libmicrohttpd did, bench/RESULTS.md). LAS accepts on one thread instead
 * and hands each connection to the HTTP server (server.c), which gives it
 * to its worker with the fewest connections.
 *
 * The same thread defends the connection slots (docs/security.md,
 * "Connection exhaustion"):
 * - at most `max_connections` open; at the limit the connections that have
 *   waited longest for their next request (idle or trickling; at least 1 s,
 *   up to 16 at a time) are closed to make room, else new clients wait in
 *   the kernel's backlog;
 * - at most `max_per_peer` open per peer address (IPv6: per /64); beyond
 *   it a connection gets a 503 and is closed at once;
 * - a request must arrive whole (request line, headers and body) within
 *   `request_timeout_s` of the connection being ready for it (accepted, or
 *   its previous answer sent); otherwise the connection is closed. An
 *   inactivity timeout alone never fires for a client that sends a byte
 *   every few seconds;
 * - out of file descriptors (EMFILE, ENFILE), a spare descriptor kept for
 *   the purpose lets it accept and close each waiting client at once
 *   instead of leaving them all hanging in the backlog.
 *
 * Connections are known by their descriptor: the HTTP server reports, for
 * each one it was handed, when a request has arrived whole, when the answer
 * is out, and (before it closes the descriptor) that the connection closed.
 */
#ifndef LAS_ACCEPTOR_H
#define LAS_ACCEPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "daemon/metrics.h"
#include "las/status.h"

struct las_acceptor;

/*
 * Takes a connected socket (non-blocking, close-on-exec) and its peer
 * address. Owns the socket from then on, also on failure; returns false when
 * the connection was refused (it is then closed and does not count as open).
 */
typedef bool (*las_acceptor_add_fn)(void *cls, int fd, const struct sockaddr *addr,
                                    socklen_t addr_len);

struct las_acceptor_config {
    int listen_fd;              /* listening, non-blocking; the caller keeps owning it */
    unsigned max_connections;   /* >= 1 */
    unsigned max_per_peer;      /* 0: no per-peer limit */
    unsigned request_timeout_s; /* 0: no deadline */
    las_acceptor_add_fn add;
    void *cls;
    struct las_metrics *metrics; /* refusals and closes are counted here; may be NULL */
};

/* Starts accepting. *out is set before the first connection is accepted. */
LAS_MUST_CHECK las_status las_acceptor_start(const struct las_acceptor_config *cfg,
                                             struct las_acceptor **out, char *why, size_t why_len);

/*
 * From the HTTP server's threads, for a descriptor handed to add(): the
 * current request has arrived whole (its deadline stops); its answer is out
 * (the next request's deadline starts). Lock-free.
 */
void las_acceptor_request_received(struct las_acceptor *a, int fd);
void las_acceptor_answered(struct las_acceptor *a, int fd);

/*
 * The connection on fd closed; called before fd itself is closed, once per
 * connection handed over. Any thread.
 */
void las_acceptor_closed(struct las_acceptor *a, int fd);

/* Stops accepting and joins the thread; open connections are not touched. Idempotent. */
void las_acceptor_stop(struct las_acceptor *a);

/* Stops (if needed) and frees; after it, no other las_acceptor_* call may be made. */
void las_acceptor_free(struct las_acceptor *a);

#endif
