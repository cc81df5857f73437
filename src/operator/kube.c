/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes REST API client (kube.h). */
#include "operator/kube.h"

#include <curl/curl.h>
#include <libgen.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/file.h"
#include "operator/yaml_json.h"

#define KUBECONFIG_MAX (1u << 20)
#define PEM_MAX        (256u << 10)
#define TOKEN_MAX      (64u << 10)

struct las_kube {
    char server[512];
    char namespace[254];
    uint8_t *ca, *cert, *key; /* PEM, or NULL */
    size_t ca_len, cert_len, key_len;
    bool insecure;
    char token_file[LAS_PATH_MAX]; /* "" when the token is fixed (or absent) */
    char *token;                   /* NULL: no bearer token */
    time_t token_read_at;
    pthread_mutex_t mu; /* token, token_read_at */
};

struct las_kube_conn {
    struct las_kube *k;
    CURL *curl;
    const atomic_bool *stop;
};

__attribute__((format(printf, 3, 4))) static las_status fail(char *why, size_t why_len,
                                                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return LAS_ERR_INVALID_ARGUMENT;
}

const char *las_kube_server(const struct las_kube *k)
{
    return k->server;
}

const char *las_kube_namespace(const struct las_kube *k)
{
    return k->namespace;
}

void las_kube_free(struct las_kube *k)
{
    if (k == NULL)
        return;
    free(k->ca);
    free(k->cert);
    if (k->key) {
        las_wipe(k->key, k->key_len);
        free(k->key);
    }
    if (k->token) {
        las_wipe(k->token, strlen(k->token));
        free(k->token);
    }
    pthread_mutex_destroy(&k->mu);
    free(k);
}

/* Reads a token file; strips the trailing newline. */
static las_status read_token(const char *path, char **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    las_status st = las_file_read(path, TOKEN_MAX, &buf, &len);
    if (st != LAS_OK)
        return st;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    char *tok = malloc(len + 1);
    if (tok == NULL || len == 0 || memchr(buf, '\n', len) || memchr(buf, '\0', len)) {
        free(tok);
        las_wipe(buf, len);
        free(buf);
        return tok ? LAS_ERR_MALFORMED : LAS_ERR_NO_MEMORY;
    }
    memcpy(tok, buf, len);
    tok[len] = '\0';
    las_wipe(buf, len);
    free(buf);
    *out = tok;
    return LAS_OK;
}

/* A PEM value from inline base64 (…-data) or a file path (relative to base_dir). */
static las_status pem_from(const json_t *obj, const char *data_key, const char *file_key,
                           const char *base_dir, uint8_t **out, size_t *out_len, char *why,
                           size_t why_len)
{
    const char *data = json_string_value(json_object_get(obj, data_key));
    const char *file = json_string_value(json_object_get(obj, file_key));
    if (data) {
        size_t n = strlen(data);
        uint8_t *buf = malloc(n + 1);
        size_t len = 0;
        if (buf == NULL || sodium_base642bin(buf, n, data, n, " \r\n\t", &len, NULL,
                                             sodium_base64_VARIANT_ORIGINAL) != 0) {
            free(buf);
            return fail(why, why_len, "%s is not valid base64", data_key);
        }
        buf[len] = '\0';
        *out = buf;
        *out_len = len;
        return LAS_OK;
    }
    if (file) {
        char joined[LAS_PATH_MAX];
        const char *path = file; /* absolute, or relative to the kubeconfig's directory */
        if (file[0] != '/') {
            if (las_path_join(joined, sizeof joined, base_dir, file) != LAS_OK)
                return fail(why, why_len, "%s: path too long (%zu characters)", file_key,
                            strlen(file));
            path = joined;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        if (las_file_read(path, PEM_MAX, &buf, &len) != LAS_OK)
            return fail(why, why_len, "cannot read %s %s", file_key, path);
        *out = buf;
        *out_len = len;
    }
    return LAS_OK;
}

/* The entry named name in a kubeconfig list ("clusters", "users", "contexts"), or NULL. */
static const json_t *named(const json_t *cfg, const char *list, const char *name, const char *inner)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(cfg, list), i, e)
    {
        const char *n = json_string_value(json_object_get(e, "name"));
        if (n && name && strcmp(n, name) == 0)
            return json_object_get(e, inner);
    }
    return NULL;
}

/* The parsed kubeconfig holds the token and maybe a private key: wipe its strings. */
static void wipe_tree(json_t *j)
{
    const char *key;
    size_t i;
    json_t *v;
    if (json_is_object(j)) {
        json_object_foreach(j, key, v) wipe_tree(v);
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) wipe_tree(v);
    } else if (json_is_string(j)) {
        /* The tree is ours and freed next. */
        las_wipe((char *)json_string_value(j), json_string_length(j));
    }
}

static las_status load_kubeconfig(struct las_kube *k, const char *path, const char *context,
                                  char *why, size_t why_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    json_t *cfg = NULL;
    las_status st = las_file_read(path, KUBECONFIG_MAX, &buf, &len);
    if (st != LAS_OK)
        return fail(why, why_len, "cannot read kubeconfig %s", path);
    char err[256];
    if (las_op_yaml_load(buf, len, &cfg, err, sizeof err) != LAS_OK) {
        las_wipe(buf, len);
        free(buf);
        return fail(why, why_len, "kubeconfig %s: %s", path, err);
    }
    las_wipe(buf, len);
    free(buf);

    char dir_buf[LAS_PATH_MAX];
    st = LAS_ERR_INVALID_ARGUMENT;
    if (strlen(path) >= sizeof dir_buf) {
        fail(why, why_len, "kubeconfig %s: path too long", path);
        goto out;
    }
    memcpy(dir_buf, path, strlen(path) + 1);
    const char *dir = dirname(dir_buf);
    const char *ctx_name =
        context ? context : json_string_value(json_object_get(cfg, "current-context"));
    const json_t *ctx = named(cfg, "contexts", ctx_name, "context");
    if (ctx == NULL) {
        fail(why, why_len, "kubeconfig %s: no context %s%s", path, ctx_name ? ctx_name : "",
             ctx_name ? "" : "(no current-context; pass --context)");
        goto out;
    }
    const char *cluster_name = json_string_value(json_object_get(ctx, "cluster"));
    const char *user_name = json_string_value(json_object_get(ctx, "user"));
    const char *ns = json_string_value(json_object_get(ctx, "namespace"));
    const json_t *cluster = named(cfg, "clusters", cluster_name, "cluster");
    const json_t *user = named(cfg, "users", user_name, "user");
    const char *server = json_string_value(json_object_get(cluster, "server"));
    if (cluster == NULL || server == NULL || strlen(server) >= sizeof k->server ||
        (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)) {
        fail(why, why_len, "kubeconfig %s: context %s has no cluster with an http(s) server", path,
             ctx_name);
        goto out;
    }
    strcpy(k->server, server);
    if (ns)
        snprintf(k->namespace, sizeof k->namespace, "%s", ns);
    k->insecure = json_is_true(json_object_get(cluster, "insecure-skip-tls-verify"));
    if (pem_from(cluster, "certificate-authority-data", "certificate-authority", dir, &k->ca,
                 &k->ca_len, why, why_len) != LAS_OK)
        goto out;
    if (user != NULL) {
        if (json_object_get(user, "exec") || json_object_get(user, "auth-provider")) {
            fail(why, why_len,
                 "kubeconfig %s: user %s authenticates with an exec or auth-provider plugin, "
                 "which las-operator does not run; use a token or a client certificate",
                 path, user_name);
            goto out;
        }
        if (pem_from(user, "client-certificate-data", "client-certificate", dir, &k->cert,
                     &k->cert_len, why, why_len) != LAS_OK ||
            pem_from(user, "client-key-data", "client-key", dir, &k->key, &k->key_len, why,
                     why_len) != LAS_OK)
            goto out;
        if ((k->cert == NULL) != (k->key == NULL)) {
            fail(why, why_len,
                 "kubeconfig %s: user %s has a client certificate without a key "
                 "or a key without a certificate",
                 path, user_name);
            goto out;
        }
        const char *token = json_string_value(json_object_get(user, "token"));
        const char *token_file = json_string_value(json_object_get(user, "tokenFile"));
        if (token && (k->token = strdup(token)) == NULL)
            goto out;
        if (!token && token_file) {
            if (strlen(token_file) >= sizeof k->token_file) {
                fail(why, why_len, "kubeconfig %s: tokenFile path too long", path);
                goto out;
            }
            memcpy(k->token_file, token_file, strlen(token_file) + 1);
        }
    }
    st = LAS_OK;
out:
    wipe_tree(cfg);
    json_decref(cfg);
    return st;
}

static las_status load_in_cluster(struct las_kube *k, const char *sa_dir, char *why, size_t why_len)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    if (host == NULL || port == NULL || !*host || !*port)
        return fail(why, why_len,
                    "not in a cluster ($KUBERNETES_SERVICE_HOST/_PORT unset) and no --kubeconfig");
    if (strchr(host, ':'))
        snprintf(k->server, sizeof k->server, "https://[%s]:%s", host, port);
    else
        snprintf(k->server, sizeof k->server, "https://%s:%s", host, port);
    char path[LAS_PATH_MAX];
    if (las_path_join(path, sizeof path, sa_dir, "ca.crt") != LAS_OK ||
        las_path_join(k->token_file, sizeof k->token_file, sa_dir, "token") != LAS_OK)
        return fail(why, why_len, "service account directory %s: path too long", sa_dir);
    if (las_file_read(path, PEM_MAX, &k->ca, &k->ca_len) != LAS_OK)
        return fail(why, why_len, "cannot read the service account CA %s", path);
    if (las_path_join(path, sizeof path, sa_dir, "namespace") != LAS_OK)
        return fail(why, why_len, "service account directory %s: path too long", sa_dir);
    uint8_t *ns = NULL;
    size_t ns_len = 0;
    if (las_file_read(path, 253, &ns, &ns_len) == LAS_OK) {
        while (ns_len > 0 && (ns[ns_len - 1] == '\n' || ns[ns_len - 1] == ' '))
            ns_len--;
        snprintf(k->namespace, sizeof k->namespace, "%.*s", (int)ns_len, (const char *)ns);
        free(ns);
    }
    return LAS_OK;
}

las_status las_kube_load(const char *kubeconfig, const char *context, const char *sa_dir,
                         struct las_kube **out, char *why, size_t why_len)
{
    *out = NULL;
    struct las_kube *k = calloc(1, sizeof *k);
    if (k == NULL)
        return LAS_ERR_NO_MEMORY;
    pthread_mutex_init(&k->mu, NULL);
    las_status st = kubeconfig ? load_kubeconfig(k, kubeconfig, context, why, why_len)
                               : load_in_cluster(k, sa_dir, why, why_len);
    if (st == LAS_OK && k->token_file[0]) {
        if (read_token(k->token_file, &k->token) != LAS_OK)
            st = fail(why, why_len, "cannot read the token file %s", k->token_file);
        k->token_read_at = time(NULL);
    }
    if (st != LAS_OK) {
        las_kube_free(k);
        return st;
    }
    *out = k;
    return LAS_OK;
}

/* "Authorization: Bearer ..." for this request (re-reading a rotated token file); NULL if none. */
static char *auth_header(struct las_kube *k)
{
    char *h = NULL;
    pthread_mutex_lock(&k->mu);
    time_t now = time(NULL);
    if (k->token_file[0] && now - k->token_read_at >= LAS_KUBE_TOKEN_REFRESH) {
        char *fresh = NULL;
        if (read_token(k->token_file, &fresh) == LAS_OK) {
            if (k->token) {
                las_wipe(k->token, strlen(k->token));
                free(k->token);
            }
            k->token = fresh;
        }
        k->token_read_at = now;
    }
    if (k->token) {
        size_t n = strlen(k->token) + sizeof "Authorization: Bearer ";
        h = malloc(n);
        if (h)
            snprintf(h, n, "Authorization: Bearer %s", k->token);
    }
    pthread_mutex_unlock(&k->mu);
    return h;
}

static int on_progress(void *p, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    const atomic_bool *stop = p;
    return stop && atomic_load(stop) ? 1 : 0;
}

las_status las_kube_conn_new(struct las_kube *k, const atomic_bool *stop,
                             struct las_kube_conn **out)
{
    *out = NULL;
    struct las_kube_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return LAS_ERR_NO_MEMORY;
    c->k = k;
    c->stop = stop;
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        free(c);
        return LAS_ERR_NO_MEMORY;
    }
    *out = c;
    return LAS_OK;
}

void las_kube_conn_free(struct las_kube_conn *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

/* The URL of a request, refused (with a message in resp) when it does not fit. */
static las_status make_url(const struct las_kube_conn *c, const char *path, char *url, size_t size,
                           struct las_kube_response *resp)
{
    int n = snprintf(url, size, "%s%s", c->k->server, path);
    if (n < 0 || (size_t)n >= size) {
        snprintf(resp->error, sizeof resp->error, "request path too long (%zu bytes)",
                 strlen(path));
        return LAS_ERR_INVALID_ARGUMENT;
    }
    return LAS_OK;
}

/* Settings common to requests and watches. */
static void setup(struct las_kube_conn *c, const char *url)
{
    struct las_kube *k = c->k;
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)c->stop);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    if (k->ca) {
        struct curl_blob ca = {k->ca, k->ca_len, CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (k->cert) {
        struct curl_blob cert = {k->cert, k->cert_len, CURL_BLOB_COPY};
        struct curl_blob key = {k->key, k->key_len, CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (k->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

struct body {
    char *buf;
    size_t len, cap, max;
    bool too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body *b = userdata;
    size_t n = size * nmemb;
    if (n > b->max - b->len) {
        b->too_big = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (nb == NULL)
            return 0;
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, ptr, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return n;
}

static void status_message(struct las_kube_response *resp)
{
    const char *msg = json_string_value(json_object_get(resp->body, "message"));
    if (resp->http_status >= 400)
        snprintf(resp->error, sizeof resp->error, "HTTP %ld: %s", resp->http_status,
                 msg ? msg : "(no message)");
}

/*
 * Performs the transfer that setup() and the caller prepared, with headers
 * and the Authorization header. The header list is freed, and the bearer
 * token wiped from it and from memory, whatever the outcome.
 */
static CURLcode perform(struct las_kube_conn *c, struct curl_slist *headers)
{
    char *auth = auth_header(c->k);
    if (auth)
        headers = curl_slist_append(headers, auth);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    for (struct curl_slist *h = headers; h; h = h->next)
        las_wipe(h->data, strlen(h->data));
    curl_slist_free_all(headers);
    if (auth) {
        las_wipe(auth, strlen(auth));
        free(auth);
    }
    return rc;
}

las_status las_kube_request(struct las_kube_conn *c, const char *method, const char *path,
                            const char *content_type, const json_t *body,
                            struct las_kube_response *resp)
{
    memset(resp, 0, sizeof *resp);
    char url[4096];
    las_status ust = make_url(c, path, url, sizeof url, resp);
    if (ust != LAS_OK)
        return ust;
    struct body b = {.max = LAS_KUBE_RESPONSE_MAX};
    char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
    char ct[128];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type ? content_type : "application/json");
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    if (payload)
        headers = curl_slist_append(headers, ct);

    setup(c, url);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 30000L);
    if (payload) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, payload);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
    }
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &b);
    CURLcode rc = perform(c, headers);
    free(payload);

    las_status st = LAS_OK;
    if (rc != CURLE_OK) {
        snprintf(resp->error, sizeof resp->error, "%s %s: %s", method, path,
                 b.too_big ? "answer too large" : curl_easy_strerror(rc));
        st = b.too_big ? LAS_ERR_PROTOCOL : LAS_ERR_CONNECT;
    } else {
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->http_status);
        if (b.len > 0)
            resp->body = json_loadb(b.buf, b.len, 0, NULL);
        if (b.len > 0 && resp->body == NULL && resp->http_status < 400) {
            snprintf(resp->error, sizeof resp->error,
                     "%s %s: HTTP %ld with a body that is not "
                     "JSON",
                     method, path, resp->http_status);
            st = LAS_ERR_PROTOCOL;
        }
        status_message(resp);
    }
    free(b.buf);
    return st;
}

struct watch {
    struct las_kube_conn *c;
    struct body line; /* the incomplete last line */
    las_kube_event_fn fn;
    void *ctx;
    bool ended_by_fn, bad_event;
    long http_status;
};

static size_t on_watch(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct watch *w = userdata;
    size_t n = size * nmemb;
    if (w->http_status == 0)
        curl_easy_getinfo(w->c->curl, CURLINFO_RESPONSE_CODE, &w->http_status);
    if (w->http_status != 200) /* an error Status object: keep it whole */
        return on_body(ptr, size, nmemb, &w->line);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (ptr[i] != '\n')
            continue;
        if (on_body(ptr + start, 1, i - start, &w->line) != i - start)
            return 0;
        start = i + 1;
        if (w->line.len == 0)
            continue;
        json_t *ev = json_loadb(w->line.buf, w->line.len, 0, NULL);
        w->line.len = 0;
        if (!json_is_object(ev)) {
            json_decref(ev);
            w->bad_event = true;
            return 0;
        }
        bool go_on = w->fn(w->ctx, ev);
        json_decref(ev);
        if (!go_on) {
            w->ended_by_fn = true;
            return 0;
        }
    }
    if (on_body(ptr + start, 1, n - start, &w->line) != n - start)
        return 0;
    return n;
}

las_status las_kube_watch(struct las_kube_conn *c, const char *path, long max_seconds,
                          las_kube_event_fn fn, void *ctx, struct las_kube_response *resp)
{
    memset(resp, 0, sizeof *resp);
    char url[4096];
    las_status ust = make_url(c, path, url, sizeof url, resp);
    if (ust != LAS_OK)
        return ust;
    struct watch w = {.c = c, .line = {.max = LAS_KUBE_EVENT_MAX}, .fn = fn, .ctx = ctx};
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    setup(c, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    /* The server ends a watch after timeoutSeconds; this catches one that silently died. */
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (max_seconds + 30) * 1000L);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_watch);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &w);
    CURLcode rc = perform(c, headers);
    las_status st = LAS_OK;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->http_status);
    if (w.ended_by_fn) {
        st = LAS_OK;
    } else if (c->stop && atomic_load(c->stop)) {
        snprintf(resp->error, sizeof resp->error, "stopped");
        st = LAS_ERR_UNAVAILABLE;
    } else if (resp->http_status != 200 && resp->http_status != 0) {
        if (w.line.len > 0)
            resp->body = json_loadb(w.line.buf, w.line.len, 0, NULL);
        status_message(resp);
        st = LAS_ERR_PROTOCOL;
    } else if (w.bad_event || w.line.too_big) {
        snprintf(resp->error, sizeof resp->error, "watch %s: %s", path,
                 w.bad_event ? "an event is not a JSON object" : "an event is too large");
        st = LAS_ERR_PROTOCOL;
    } else if (rc != CURLE_OK) {
        snprintf(resp->error, sizeof resp->error, "watch %s: %s", path, curl_easy_strerror(rc));
        st = LAS_ERR_CONNECT;
    }
    free(w.line.buf);
    return st;
}

void las_kube_query_escape(const char *s, char *out, size_t out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < out_len; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}
