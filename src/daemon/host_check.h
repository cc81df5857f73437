/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which Host header values `las serve` answers (docs/security.md, "DNS
 * rebinding"). A web page whose name an attacker re-points at 127.0.0.1 or
 * at the node is same-origin with LAS in the browser, but its requests carry
 * the attacker's name in Host: only names and addresses of this LAS are
 * answered:
 * - the host of --listen, unless it is a wildcard (0.0.0.0, ::);
 * - localhost, and the loopback addresses;
 * - every address of this machine's interfaces (re-read when an unknown
 *   address arrives, at most every 5 s, so a new address is picked up);
 * - what --allowed-hosts adds (names or addresses, comma-separated); "*"
 *   there turns the check off.
 * A request without Host (HTTP/1.0) is answered: browsers always send one.
 * Names compare case-insensitively, a trailing dot ignored; the port is not
 * compared.
 */
#ifndef LAS_HOST_CHECK_H
#define LAS_HOST_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "las/status.h"

struct las_host_check;

/*
 * listen_host: the host part of --listen; allowed: the --allowed-hosts list
 * (may be NULL or empty). LAS_ERR_INVALID_ARGUMENT with a reason for a bad
 * entry.
 */
LAS_MUST_CHECK las_status las_host_check_new(const char *listen_host, const char *allowed,
                                             struct las_host_check **out, char *why,
                                             size_t why_len);

/* Whether a request with this Host header value (NULL: none) is answered. Thread-safe. */
bool las_host_check_allows(struct las_host_check *h, const char *host_header);

/* Whether the check is off ("*"). */
bool las_host_check_is_off(const struct las_host_check *h);

void las_host_check_free(struct las_host_check *h);

#endif
