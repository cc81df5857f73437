/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP client of LAS on libcurl. */
#include "las/client.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/curl_api.h"

/* Largest answer accepted from LAS (the platform document is the largest). */
#define MAX_RESPONSE (256 * 1024)

struct las_client {
    const struct las_curl_api *curl_api; /* NULL until the first request */
    CURL *curl;
    long timeout_ms;
    char base[300];
    char error[512];
    /* Response body of the current request. */
    uint8_t *body;
    size_t body_len;
    bool too_large;
};

const char *las_client_resolve_addr(const char *flag)
{
    const char *v;
    if (flag && *flag)
        return flag;
    if ((v = getenv("LAS_ADDR")) && *v)
        return v;
    if ((v = getenv("SCONE_LAS_ADDR")) && *v)
        return v;
    return LAS_DEFAULT_ADDR;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct las_client *c = userdata;
    size_t n = size * nmemb;
    if (n > MAX_RESPONSE - c->body_len) {
        c->too_large = true;
        return 0; /* aborts the transfer */
    }
    uint8_t *grown = realloc(c->body, c->body_len + n + 1);
    if (grown == NULL)
        return 0;
    c->body = grown;
    memcpy(c->body + c->body_len, ptr, n);
    c->body_len += n;
    c->body[c->body_len] = '\0';
    return n;
}

/*
 * "HOST:PORT" or "[V6]:PORT", PORT 1-65535 in decimal: without this check
 * libcurl would take "host" as port 80 and "host:1x" as some URL of its own.
 */
static bool addr_valid(const char *addr)
{
    const char *port;
    if (addr[0] == '[') {
        size_t n = strspn(addr + 1, "0123456789abcdefABCDEF:.");
        if (n == 0 || addr[1 + n] != ']' || addr[2 + n] != ':')
            return false;
        port = addr + 3 + n;
    } else {
        size_t n =
            strspn(addr, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
        if (n == 0 || addr[n] != ':')
            return false;
        port = addr + n + 1;
    }
    size_t digits = strspn(port, "0123456789");
    if (digits == 0 || digits > 5 || port[digits] != '\0' || port[0] == '0')
        return false;
    return strtoul(port, NULL, 10) <= 65535;
}

las_status las_client_new(const char *addr, long timeout_ms, struct las_client **out)
{
    *out = NULL;
    if (addr == NULL || !addr_valid(addr))
        return LAS_ERR_INVALID_ARGUMENT;
    struct las_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return LAS_ERR_NO_MEMORY;
    if (snprintf(c->base, sizeof c->base, "http://%s", addr) >= (int)sizeof c->base) {
        free(c);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000L;
    *out = c;
    return LAS_OK;
}

/* libcurl and the connection's handle, at the first request (curl_api.h says why). */
static las_status open_curl(struct las_client *c)
{
    const char *why = NULL;
    if (c->curl != NULL)
        return LAS_OK;
    if (las_curl_api_get(&c->curl_api, &why) != LAS_OK) {
        snprintf(c->error, sizeof c->error, "%s", why);
        return LAS_ERR_IO;
    }
    const struct las_curl_api *api = c->curl_api;
    c->curl = api->easy_init();
    if (c->curl == NULL) {
        snprintf(c->error, sizeof c->error, "curl_easy_init failed");
        return LAS_ERR_NO_MEMORY;
    }
    api->easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
    api->easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    api->easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    api->easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    api->easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    api->easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http");
    api->easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
    return LAS_OK;
}

void las_client_free(struct las_client *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        c->curl_api->easy_cleanup(c->curl);
    free(c->body);
    free(c);
}

const char *las_client_last_error(const struct las_client *c)
{
    return c->error;
}

/* Maps the "code" of a LAS error body back to a status. */
static las_status status_from_code(const char *code)
{
    for (int s = 1; s < LAS_STATUS_COUNT; s++) {
        if (strcmp(las_status_name((las_status)s), code) == 0)
            return (las_status)s;
    }
    return LAS_ERR_PROTOCOL;
}

static las_status server_error(struct las_client *c, long http_status)
{
    las_status st = LAS_ERR_PROTOCOL;
    json_t *root = json_loadb((const char *)c->body, c->body_len, 0, NULL);
    const char *code = NULL, *message = NULL;
    if (root &&
        json_unpack(root, "{s:{s:s,s:s}}", "error", "code", &code, "message", &message) == 0) {
        st = status_from_code(code);
        snprintf(c->error, sizeof c->error, "LAS answered %ld %s: %s", http_status, code, message);
    } else {
        snprintf(c->error, sizeof c->error, "LAS answered HTTP %ld", http_status);
    }
    json_decref(root);
    return st;
}

/* One request; on success c->body holds the answer and its length. */
static las_status perform(struct las_client *c, const char *path, const uint8_t *post,
                          size_t post_len, const char *want_type)
{
    char url[400];
    struct curl_slist *headers = NULL;
    las_status st = LAS_OK;

    free(c->body);
    c->body = NULL;
    c->body_len = 0;
    c->too_large = false;
    c->error[0] = '\0';
    st = open_curl(c);
    if (st != LAS_OK)
        return st;
    const struct las_curl_api *api = c->curl_api;
    snprintf(url, sizeof url, "%s%s", c->base, path);
    api->easy_setopt(c->curl, CURLOPT_URL, url);
    if (post) {
        headers = api->slist_append(headers, "Content-Type: application/octet-stream");
        headers = api->slist_append(headers, "Expect:");
        api->easy_setopt(c->curl, CURLOPT_POST, 1L);
        api->easy_setopt(c->curl, CURLOPT_POSTFIELDS, (const char *)post);
        api->easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)post_len);
    } else {
        api->easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    }
    api->easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = api->easy_perform(c->curl);
    api->easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    api->slist_free_all(headers);
    if (c->too_large) {
        snprintf(c->error, sizeof c->error, "answer from %s is larger than %d bytes", url,
                 MAX_RESPONSE);
        return LAS_ERR_PROTOCOL;
    }
    if (rc != CURLE_OK) {
        snprintf(c->error, sizeof c->error, "cannot reach LAS at %s: %s", c->base + 7,
                 api->easy_strerror(rc));
        return LAS_ERR_CONNECT;
    }
    long http_status = 0;
    api->easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &http_status);
    if (http_status != 200)
        return server_error(c, http_status);
    char *type = NULL;
    api->easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &type);
    if (want_type && (type == NULL || strncmp(type, want_type, strlen(want_type)) != 0)) {
        snprintf(c->error, sizeof c->error, "unexpected content type from %s: %s", url,
                 type ? type : "(none)");
        st = LAS_ERR_PROTOCOL;
    }
    return st;
}

las_status las_client_target_info(struct las_client *c, struct las_sgx_targetinfo *out)
{
    memset(out, 0, sizeof *out);
    las_status st = perform(c, "/v1/target-info", NULL, 0, "application/octet-stream");
    if (st != LAS_OK)
        return st;
    st = las_sgx_targetinfo_parse(c->body, c->body_len, out);
    if (st != LAS_OK) {
        snprintf(c->error, sizeof c->error, "target info of %zu bytes, expected %d", c->body_len,
                 LAS_SGX_TARGETINFO_SIZE);
        return LAS_ERR_PROTOCOL;
    }
    return LAS_OK;
}

las_status las_client_quote(struct las_client *c, const struct las_sgx_report *report,
                            uint8_t quote[static LAS_QUOTE_SIZE])
{
    uint8_t wire[LAS_SGX_REPORT_SIZE];
    memset(quote, 0, LAS_QUOTE_SIZE);
    las_sgx_report_serialize(report, wire);
    las_status st = perform(c, "/v1/quote", wire, sizeof wire, "application/octet-stream");
    if (st != LAS_OK)
        return st;
    if (c->body_len != LAS_QUOTE_SIZE) {
        snprintf(c->error, sizeof c->error, "quote of %zu bytes, expected %d", c->body_len,
                 LAS_QUOTE_SIZE);
        return LAS_ERR_PROTOCOL;
    }
    memcpy(quote, c->body, LAS_QUOTE_SIZE);
    return LAS_OK;
}

las_status las_client_platform(struct las_client *c, char **json_out)
{
    *json_out = NULL;
    las_status st = perform(c, "/v1/platform", NULL, 0, "application/json");
    if (st != LAS_OK)
        return st;
    *json_out = strndup((const char *)c->body, c->body_len);
    return *json_out ? LAS_OK : LAS_ERR_NO_MEMORY;
}

las_status las_client_platform_id(struct las_client *c, uint8_t id[static LAS_PLATFORM_ID_SIZE])
{
    char *doc = NULL;
    memset(id, 0, LAS_PLATFORM_ID_SIZE);
    las_status st = las_client_platform(c, &doc);
    if (st != LAS_OK)
        return st;
    json_t *root = json_loads(doc, 0, NULL);
    const char *hex = NULL;
    if (root == NULL || json_unpack(root, "{s:s}", "platform_id", &hex) != 0 ||
        las_platform_id_parse(hex, id) != LAS_OK) {
        snprintf(c->error, sizeof c->error, "platform document has no valid platform_id");
        st = LAS_ERR_PROTOCOL;
    }
    json_decref(root);
    free(doc);
    return st;
}
