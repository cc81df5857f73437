/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "daemon/config.h"

#include <string.h>

#include "common/hex.h"
#include "common/options.h"

las_status las_split_hostport(const char *addr, char *host, size_t host_len, uint16_t *port)
{
    const char *colon;
    const char *h = addr;
    size_t hl;
    if (addr == NULL || *addr == '\0')
        return LAS_ERR_INVALID_ARGUMENT;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (close == NULL || close[1] != ':')
            return LAS_ERR_INVALID_ARGUMENT;
        h = addr + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL || memchr(addr, ':', (size_t)(colon - addr)) != NULL)
            return LAS_ERR_INVALID_ARGUMENT;
        hl = (size_t)(colon - addr);
    }
    unsigned long p;
    if (hl == 0 || hl >= host_len || las_option_uint(colon + 1, 0, 65535, &p) != LAS_OK)
        return LAS_ERR_INVALID_ARGUMENT;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)p;
    return LAS_OK;
}

static las_status set_listen(void *config, const char *v)
{
    struct las_config *c = config;
    char host[256];
    uint16_t port;
    if (las_split_hostport(v, host, sizeof host, &port) != LAS_OK)
        return LAS_ERR_INVALID_ARGUMENT;
    return las_option_string(c->listen, sizeof c->listen, v);
}

static las_status set_state_dir(void *config, const char *v)
{
    struct las_config *c = config;
    if (*v == '\0')
        return LAS_ERR_INVALID_ARGUMENT;
    return las_option_string(c->state_dir, sizeof c->state_dir, v);
}

static las_status set_mode(void *config, const char *v)
{
    struct las_config *c = config;
    if (strcmp(v, "auto") == 0)
        c->mode = LAS_MODE_AUTO;
    else if (strcmp(v, "sim") == 0)
        c->mode = LAS_MODE_SIM;
    else if (strcmp(v, "sgx") == 0)
        c->mode = LAS_MODE_SGX;
    else
        return LAS_ERR_INVALID_ARGUMENT;
    return LAS_OK;
}

static las_status set_sim_cpusvn(void *config, const char *v)
{
    struct las_config *c = config;
    las_status st = las_hex_decode(v, c->sim_cpusvn, sizeof c->sim_cpusvn);
    c->have_sim_cpusvn = st == LAS_OK;
    return st == LAS_OK ? LAS_OK : LAS_ERR_INVALID_ARGUMENT;
}

static const char set_sim_isvsvn_range[] = "a number 0..65535";
static las_status set_sim_isvsvn(void *config, const char *v)
{
    struct las_config *c = config;
    unsigned long n;
    las_status st = las_option_uint(v, 0, 65535, &n);
    if (st == LAS_OK)
        c->sim_isvsvn = (int)n;
    return st;
}

#define UINT_SETTER(name, field, min, max)                                                         \
    LAS_OPTION_UINT_SETTER(name, struct las_config, field, min, max)
UINT_SETTER(set_threads, threads, 0, 256)
UINT_SETTER(set_max_connections, max_connections, 1, 1000000)
UINT_SETTER(set_max_connections_per_peer, max_connections_per_peer, 0, 1000000)
UINT_SETTER(set_request_timeout, request_timeout, 1, 3600)
UINT_SETTER(set_connection_timeout, connection_timeout, 1, 3600)
UINT_SETTER(set_shutdown_timeout, shutdown_timeout, 0, 3600)

static las_status set_allowed_hosts(void *config, const char *v)
{
    struct las_config *c = config;
    return las_option_string(c->allowed_hosts, sizeof c->allowed_hosts, v);
}

static las_status set_aesm_socket(void *config, const char *v)
{
    struct las_config *c = config;
    if (*v == '\0')
        return LAS_ERR_INVALID_ARGUMENT;
    return las_option_string(c->aesm_socket, sizeof c->aesm_socket, v);
}

static las_status set_allow_root(void *config, const char *v)
{
    /* A switch: the flag alone means yes; the variable says 1/0. */
    return las_option_switch(v, &((struct las_config *)config)->allow_root);
}

static las_status set_log_level(void *config, const char *v)
{
    struct las_config *c = config;
    return las_log_level_parse(v, &c->log_level) ? LAS_OK : LAS_ERR_INVALID_ARGUMENT;
}

static las_status set_log_format(void *config, const char *v)
{
    struct las_config *c = config;
    return las_log_format_parse(v, &c->log_format) ? LAS_OK : LAS_ERR_INVALID_ARGUMENT;
}

static const struct las_option options[] = {
    {"listen", "LAS_LISTEN", set_listen, "HOST:PORT",
     "address to listen on (default " LAS_DEFAULT_LISTEN "; port 0 picks a free port)", NULL},
    {"state-dir", "LAS_STATE_DIR", set_state_dir, "DIR",
     "state directory (default ./" LAS_DEFAULT_STATE_DIR ")", NULL},
    {"mode", "LAS_MODE", set_mode, "auto|sim|sgx", "platform backend (default auto)", NULL},
    {"sim-cpusvn", "LAS_SIM_CPUSVN", set_sim_cpusvn, "HEX",
     "sim: set the simulated CPUSVN (32 hex digits), as a microcode update would", NULL},
    {"sim-isvsvn", "LAS_SIM_ISVSVN", set_sim_isvsvn, "N",
     "sim: run LAS with this ISVSVN, as a LAS update would", set_sim_isvsvn_range},
    {"threads", "LAS_THREADS", set_threads, "N", "worker threads (default: one per CPU)",
     set_threads_range},
    {"max-connections", "LAS_MAX_CONNECTIONS", set_max_connections, "N",
     "concurrent connections (default 4096, fewer if the file descriptor limit is lower)",
     set_max_connections_range},
    {"max-connections-per-peer", "LAS_MAX_CONNECTIONS_PER_PEER", set_max_connections_per_peer, "N",
     "concurrent connections per client address, IPv6 per /64 (default 64; 0: no limit)",
     set_max_connections_per_peer_range},
    {"request-timeout", "LAS_REQUEST_TIMEOUT", set_request_timeout, "SECONDS",
     "close a connection whose next request has not arrived whole this long after it could "
     "(default 10)",
     set_request_timeout_range},
    {"connection-timeout", "LAS_CONNECTION_TIMEOUT", set_connection_timeout, "SECONDS",
     "close connections idle this long (default 30)", set_connection_timeout_range},
    {"allowed-hosts", "LAS_ALLOWED_HOSTS", set_allowed_hosts, "LIST",
     "Host header values answered besides localhost, the listen host and this machine's "
     "addresses: names or addresses, comma-separated; '*' turns the check off",
     NULL},
    {"shutdown-timeout", "LAS_SHUTDOWN_TIMEOUT", set_shutdown_timeout, "SECONDS",
     "on SIGTERM, wait this long for in-flight requests (default 10)", set_shutdown_timeout_range},
    {"aesm-socket", "LAS_AESM_SOCKET", set_aesm_socket, "PATH",
     "sgx: AESM socket that quote generation needs (default /var/run/aesmd/aesm.socket)", NULL},
    {"log-level", "LAS_LOG_LEVEL", set_log_level, "debug|info|warn|error",
     "least severe level logged (default info)", NULL},
    {"log-format", "LAS_LOG_FORMAT", set_log_format, "text|json", "log format (default text)",
     NULL},
    {"allow-root", "LAS_ALLOW_ROOT", set_allow_root, NULL,
     "run even as root (refused by default; see docs/security.md)", NULL},
};

static const struct las_options table = {options, sizeof options / sizeof options[0], "las serve",
                                         36};

void las_config_defaults(struct las_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->listen, LAS_DEFAULT_LISTEN);
    strcpy(c->state_dir, LAS_DEFAULT_STATE_DIR);
    c->mode = LAS_MODE_AUTO;
    c->sim_isvsvn = -1;
    c->threads = 0;
    c->max_connections = 0; /* las_server_start picks it from the descriptor limit */
    c->max_connections_per_peer = 64;
    c->request_timeout = 10;
    c->connection_timeout = 30;
    c->shutdown_timeout = 10;
    strcpy(c->aesm_socket, "/var/run/aesmd/aesm.socket");
    c->log_level = LAS_LOG_INFO;
    c->log_format = LAS_LOG_TEXT;
}

las_status las_config_from_env(struct las_config *c, char *why, size_t why_len)
{
    return las_options_from_env(&table, c, why, why_len);
}

las_status las_config_from_args(struct las_config *c, int argc, char **argv, bool *help, char *why,
                                size_t why_len)
{
    return las_options_from_args(&table, c, argc, argv, help, why, why_len);
}

void las_config_usage(FILE *out)
{
    fprintf(out, "usage: las serve [OPTIONS]\n\nOptions (each also read from its variable):\n");
    las_options_usage(&table, out);
}

const char *las_mode_name(enum las_mode m)
{
    switch (m) {
    case LAS_MODE_SIM:
        return "sim";
    case LAS_MODE_SGX:
        return "sgx";
    default:
        return "auto";
    }
}

void las_config_log(const struct las_config *c)
{
    char cpusvn[33] = "(stored)";
    if (c->have_sim_cpusvn)
        las_hex_encode(c->sim_cpusvn, 16, cpusvn, 0);
    las_info("config: listen=%s state-dir=%s mode=%s", c->listen, c->state_dir,
             las_mode_name(c->mode));
    char max_conn[16] = "auto";
    if (c->max_connections > 0)
        snprintf(max_conn, sizeof max_conn, "%u", c->max_connections);
    las_info("config: threads=%u max-connections=%s max-connections-per-peer=%u "
             "request-timeout=%us connection-timeout=%us shutdown-timeout=%us",
             c->threads, max_conn, c->max_connections_per_peer, c->request_timeout,
             c->connection_timeout, c->shutdown_timeout);
    if (c->sim_isvsvn >= 0)
        las_info("config: sim-cpusvn=%s sim-isvsvn=%d", cpusvn, c->sim_isvsvn);
    else
        las_info("config: sim-cpusvn=%s sim-isvsvn=(built-in)", cpusvn);
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    las_info("config: allowed-hosts=%s", c->allowed_hosts[0] ? c->allowed_hosts : "(none)");
    las_info("config: aesm-socket=%s log-level=%s log-format=%s allow-root=%s", c->aesm_socket,
             levels[c->log_level], c->log_format == LAS_LOG_JSON ? "json" : "text",
             c->allow_root ? "yes" : "no");
}
