/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded when the client first needs it (dlopen of libcurl.so.4).
 *
 * Why: Debian's libcurl4 is linked with LDAP, Kerberos, RTMP, SSH and more.
 * Linked normally, every program using liblas - `las serve` included, which
 * never makes an HTTP request - would map that whole tree at start. Loaded
 * here, only a process that talks to a LAS maps it (docs/deploy.md#what-the-image-holds).
 */
#ifndef LAS_CLIENT_CURL_API_H
#define LAS_CLIENT_CURL_API_H

#include <curl/curl.h>

#include "las/status.h"

/* The libcurl functions the client calls, with libcurl's own signatures. */
struct las_curl_api {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
};

/*
 * Loads libcurl once per process (thread-safe) and initializes it. On
 * failure LAS_ERR_IO, and *why (static text) says what the loader said.
 */
LAS_MUST_CHECK las_status las_curl_api_get(const struct las_curl_api **out, const char **why);

#endif
