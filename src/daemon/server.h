/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP/1.1 server of `las serve`, on libmicrohttpd (see docs/http-api.md). */
#ifndef LAS_SERVER_H
#define LAS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "daemon/config.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"
#include "las/status.h"

struct las_server;

/*
 * Binds cfg->listen and starts serving. The backend, key and state must
 * outlive the server. On failure why explains (e.g. "address already in use");
 * LAS_ERR_UNAVAILABLE when the address cannot be bound (in use, not a local
 * address, privileged port).
 */
LAS_MUST_CHECK las_status las_server_start(const struct las_config *cfg, struct las_backend *b,
                                           const struct las_platform_key *key,
                                           const struct las_platform_state *state,
                                           struct las_server **out, char *why, size_t why_len);

/* The port actually bound (useful with port 0). */
uint16_t las_server_port(const struct las_server *s);

/*
 * Graceful stop: stop accepting, wait up to timeout_s for in-flight
 * requests, then close everything and free s.
 */
void las_server_stop(struct las_server *s, unsigned timeout_s);

#endif
