/* SPDX-License-Identifier: Apache-2.0 */
#include "client/curl_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* The soname of libcurl's ABI 4 (Debian packages libcurl4 and libcurl3-gnutls both provide it). */
#define LAS_CURL_SONAME "libcurl.so.4"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct las_curl_api api;
static las_status load_status = LAS_ERR_IO;
static char load_error[256];

/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
#define LAS_CURL_SYM(field, name)                                                                  \
    do {                                                                                           \
        *(void **)&api.field = dlsym(handle, name);                                                \
        if (api.field == NULL) {                                                                   \
            snprintf(load_error, sizeof load_error, "%s has no %s", LAS_CURL_SONAME, name);        \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void load(void)
{
    void *handle = dlopen(LAS_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *e = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load %s (package libcurl4): %s",
                 LAS_CURL_SONAME, e ? e : "unknown error");
        return;
    }
    CURLcode (*global_init)(long flags);
    *(void **)&global_init = dlsym(handle, "curl_global_init");
    if (global_init == NULL) {
        snprintf(load_error, sizeof load_error, "%s has no curl_global_init", LAS_CURL_SONAME);
        return;
    }
    LAS_CURL_SYM(easy_init, "curl_easy_init");
    LAS_CURL_SYM(easy_setopt, "curl_easy_setopt");
    LAS_CURL_SYM(easy_perform, "curl_easy_perform");
    LAS_CURL_SYM(easy_getinfo, "curl_easy_getinfo");
    LAS_CURL_SYM(easy_cleanup, "curl_easy_cleanup");
    LAS_CURL_SYM(easy_strerror, "curl_easy_strerror");
    LAS_CURL_SYM(slist_append, "curl_slist_append");
    LAS_CURL_SYM(slist_free_all, "curl_slist_free_all");
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed");
        return;
    }
    /* The handle stays open: libcurl is used until the process exits. */
    load_status = LAS_OK;
}

las_status las_curl_api_get(const struct las_curl_api **out, const char **why)
{
    *out = NULL;
    *why = NULL;
    if (pthread_once(&load_once, load) != 0 || load_status != LAS_OK) {
        *why = load_error[0] ? load_error : "cannot load libcurl";
        return LAS_ERR_IO;
    }
    *out = &api;
    return LAS_OK;
}
