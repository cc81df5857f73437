/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: LAS's HTTP request handling on a server without sockets
 * over a simulated CPU in a temporary state directory, twice per input:
 * 1. las_server_handle: byte 0 picks the method (bit 7: the body was cut
 *    for size), then the URL up to the first '\n', then the body;
 * 2. las_server_handle_bytes: the whole input as the bytes one connection
 *    receives, through the HTTP parser (libhttp-parser) and LAS's request
 *    glue, as the HTTP workers run them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "common/crypto.h"
#include "common/log.h"
#include "daemon/server.h"
#include "fuzz.h"
#include "identity/platform_key.h"
#include "identity/platform_state.h"

#define MAX_URL 512

static struct las_server *server;
static struct las_backend *backend;
static struct las_platform_key *key;
static struct las_platform_state state;
static char state_dir[] = "/tmp/las-fuzz-http-XXXXXX";

static void remove_state(void)
{
    las_server_free(server);
    las_backend_close(backend);
    las_secret_free(key);
    char cmd[sizeof state_dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", state_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_http: could not remove %s\n", state_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char why[256];
    (void)argc;
    (void)argv;
    las_log_configure(LAS_LOG_ERROR, LAS_LOG_TEXT);
    if (las_crypto_init() != LAS_OK || mkdtemp(state_dir) == NULL)
        return 1;
    static struct las_dir dir;
    struct las_backend_sim_config cfg = {.state_dir = &dir, .isvsvn_override = -1};
    key = las_secret_alloc(sizeof *key);
    if (key == NULL || las_dir_open(state_dir, false, &dir, why, sizeof why) != LAS_OK ||
        las_backend_sim_open(&cfg, &backend, why, sizeof why) != LAS_OK ||
        las_platform_key_derive(backend, backend->identity.cpusvn, backend->identity.isvsvn, key) !=
            LAS_OK ||
        las_platform_identity_update(backend, key, &dir, &state, why, sizeof why) != LAS_OK ||
        las_server_new(backend, key, &state, &server, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "fuzz_http: cannot set up a server: %s\n", why);
        return 1;
    }
    atexit(remove_state);
    return 0;
}

/* What one connection would have been sent: every answer begins with a status line. */
struct wire {
    size_t len, answers;
    bool bad;
};

static void on_wire(void *cls, const void *data, size_t len)
{
    struct wire *w = cls;
    static const char status_line[] = "HTTP/1.1 ";
    /* each answer is handed over as its head, then its body (if any) */
    if (len >= sizeof status_line - 1 && memcmp(data, status_line, sizeof status_line - 1) == 0)
        w->answers++;
    else if (w->len == 0)
        w->bad = true;
    w->len += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET",    "POST",    "HEAD", "PUT",
                                          "DELETE", "OPTIONS", "get",  ""};
    char url[MAX_URL + 1];
    if (size < 1)
        return 0;
    const char *method = methods[(data[0] & 0x7f) % (sizeof methods / sizeof methods[0])];
    bool cut = (data[0] & 0x80) != 0;
    const uint8_t *p = data + 1, *end = data + size;
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    size_t url_len = (size_t)((nl ? nl : end) - p);
    if (url_len > MAX_URL)
        url_len = MAX_URL;
    memcpy(url, p, url_len);
    url[url_len] = '\0';
    const uint8_t *body = nl ? nl + 1 : end;
    size_t body_len = (size_t)(end - body);
    /* As the glue does: at most one REPORT's worth of body is kept. */
    if (body_len > LAS_SGX_REPORT_SIZE) {
        body_len = LAS_SGX_REPORT_SIZE;
        cut = true;
    }

    struct las_http_response r;
    las_server_handle(server, method, url, body, body_len, cut, &r);
    FUZZ_ASSERT(r.status >= 200 && r.status <= 599);
    FUZZ_ASSERT(r.content_type != NULL && (r.body != NULL || r.body_len == 0));
    FUZZ_ASSERT((r.status == 405) == (r.allow != NULL));
    if (r.status == 200 && strcmp(url, "/v1/quote") == 0)
        FUZZ_ASSERT(r.body_len == LAS_QUOTE_SIZE && !cut && body_len == LAS_SGX_REPORT_SIZE);
    if (r.status >= 400) /* every error LAS itself answers has the JSON error body */
        FUZZ_ASSERT(r.body_len > 10 && memcmp(r.body, "{\"error\":", 9) == 0);
    las_http_response_release(&r);

    struct wire wire = {0};
    las_server_handle_bytes(server, data, size, on_wire, &wire);
    FUZZ_ASSERT(!wire.bad);
    FUZZ_ASSERT(wire.answers <= size / 16 + 1); /* no answer without a request's bytes */
    return 0;
}
