/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accepting thread of `las serve`. libmicrohttpd's worker threads all
 * poll the listening socket and race for each new connection; the one that
 * is already awake wins, so a burst of keep-alive connections often lands
 * on one worker while the others stay idle (bench/RESULTS.md). LAS accepts
 * on one thread instead and hands each connection to the HTTP server, which
 * gives it to its least busy worker.
 */
#ifndef LAS_ACCEPTOR_H
#define LAS_ACCEPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "las/status.h"

struct las_acceptor;

/*
 * Takes a connected socket (non-blocking, close-on-exec) and its peer
 * address. Owns the socket from then on, also on failure; returns false when
 * the connection was refused (it is then closed and does not count as open).
 */
typedef bool (*las_acceptor_add_fn)(void *cls, int fd, const struct sockaddr *addr,
                                    socklen_t addr_len);

/*
 * Starts accepting on listen_fd (a listening, non-blocking socket the caller
 * keeps owning). At most `limit` connections are open at once: beyond it the
 * acceptor stops accepting, so new clients wait in the kernel's backlog
 * until las_acceptor_closed reports a closed connection. *out is set before
 * the first connection is accepted.
 */
LAS_MUST_CHECK las_status las_acceptor_start(int listen_fd, unsigned limit, las_acceptor_add_fn add,
                                             void *cls, struct las_acceptor **out, char *why,
                                             size_t why_len);

/* One connection handed to add() has closed. Any thread; lock-free. */
void las_acceptor_closed(struct las_acceptor *a);

/* Stops accepting and joins the thread; open connections are not touched. Idempotent. */
void las_acceptor_stop(struct las_acceptor *a);

/* Stops (if needed) and frees; after it, las_acceptor_closed must not be called. */
void las_acceptor_free(struct las_acceptor *a);

#endif
