/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP/1.1 server of `las serve`: epoll workers, requests parsed by libhttp-parser
 * (see docs/http-api.md and docs/architecture.md). */
#ifndef LAS_SERVER_H
#define LAS_SERVER_H

#include <stdbool.h>
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

/*
 * The request handling without sockets (the HTTP workers, the fuzzer
 * and tests call it): las_server_new prepares everything but the listener;
 * las_server_handle answers one request. body_too_large says the body was
 * cut for size (only its first body_len bytes are given).
 */
LAS_MUST_CHECK las_status las_server_new(struct las_backend *b, const struct las_platform_key *key,
                                         const struct las_platform_state *state,
                                         struct las_server **out, char *why, size_t why_len);
void las_server_free(struct las_server *s);

enum las_http_body {
    LAS_HTTP_BODY_STATIC, /* body lives as long as the server */
    LAS_HTTP_BODY_INLINE, /* body is in inline_body */
    LAS_HTTP_BODY_HEAP,   /* body was malloc'd: las_http_response_release frees it */
};

struct las_http_response {
    int status;
    const char *content_type;
    const char *allow; /* the Allow header of a 405, or NULL */
    const uint8_t *body;
    size_t body_len;
    enum las_http_body kind;
    uint8_t inline_body[LAS_QUOTE_SIZE > 512 ? LAS_QUOTE_SIZE : 512];
};

void las_server_handle(struct las_server *s, const char *method, const char *url,
                       const uint8_t *body, size_t body_len, bool body_too_large,
                       struct las_http_response *r);

/*
 * The connection handling without a socket (the fuzzer and tests): data is
 * parsed as the bytes one connection receives, and each answer LAS would
 * send is handed to sink, in pieces. Stops at the first request after which
 * LAS would close the connection.
 */
void las_server_handle_bytes(struct las_server *s, const uint8_t *data, size_t len,
                             void (*sink)(void *cls, const void *data, size_t len), void *cls);

/* Frees what r owns (a heap body); r is zeroed. */
void las_http_response_release(struct las_http_response *r);

/* The port actually bound (useful with port 0). */
uint16_t las_server_port(const struct las_server *s);

/*
 * Graceful stop: stop accepting, wait up to timeout_s for in-flight
 * requests, then close everything and free s.
 */
void las_server_stop(struct las_server *s, unsigned timeout_s);

#endif
