/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/host_check.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

#define MAX_NAME           253 /* a DNS name */
#define MAX_NAMES          32
#define REFRESH_INTERVAL_S 5

struct address {
    int family; /* AF_INET or AF_INET6 */
    uint8_t bytes[16];
};

/* The machine's interface addresses at one moment; replaced whole, never changed. */
struct address_list {
    struct address_list *retired; /* older lists, freed with the check */
    size_t count;
    struct address addr[];
};

struct las_host_check {
    bool off;
    char names[MAX_NAMES][MAX_NAME + 1];
    size_t n_names;
    struct address fixed[MAX_NAMES]; /* the listen address, loopback, --allowed-hosts */
    size_t n_fixed;
    _Atomic(struct address_list *) local;
    pthread_mutex_t refresh_lock;
    time_t refreshed; /* under refresh_lock */
};

/* An IPv4 or IPv6 literal (without brackets) as an address. */
static bool parse_address(const char *s, struct address *out)
{
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, s, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, out->bytes) == 1) {
        /* ::ffff:a.b.c.d is a.b.c.d. */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(out->bytes, mapped, sizeof mapped) == 0) {
            memmove(out->bytes, out->bytes + 12, 4);
            memset(out->bytes + 4, 0, 12);
            out->family = AF_INET;
        } else {
            out->family = AF_INET6;
        }
        return true;
    }
    return false;
}

static bool same_address(const struct address *a, const struct address *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

static bool is_wildcard(const struct address *a)
{
    static const uint8_t zero[16] = {0};
    return memcmp(a->bytes, zero, sizeof zero) == 0;
}

static bool is_loopback(const struct address *a)
{
    static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return a->family == AF_INET ? a->bytes[0] == 127
                                : memcmp(a->bytes, v6_loopback, sizeof v6_loopback) == 0;
}

/*
 * The host of a Host header or list entry, lower-case, without brackets,
 * port or trailing dot, into out; false if it is malformed or too long.
 */
static bool host_part(const char *value, char out[MAX_NAME + 1])
{
    const char *start = value, *end;
    if (*value == '[') {
        start = value + 1;
        end = strchr(start, ']');
        if (end == NULL || (end[1] != '\0' && end[1] != ':'))
            return false;
    } else {
        end = strchr(value, ':');
        if (end == NULL)
            end = value + strlen(value);
        else if (strchr(end + 1, ':') != NULL)
            return false; /* an IPv6 address must be in brackets */
    }
    size_t len = (size_t)(end - start);
    if (len > 0 && start[len - 1] == '.' && *value != '[')
        len--;
    if (len == 0 || len > MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = start[i];
        if ((unsigned char)c <= ' ' || c == '/' || c == '@' || c == '\\')
            return false;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[len] = '\0';
    return true;
}

static struct address_list *read_local_addresses(void)
{
    struct ifaddrs *ifs = NULL;
    size_t n = 0;
    if (getifaddrs(&ifs) != 0)
        ifs = NULL;
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next)
        n += i->ifa_addr &&
             (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6);
    struct address_list *l = calloc(1, sizeof *l + n * sizeof l->addr[0]);
    if (l == NULL) {
        freeifaddrs(ifs);
        return NULL;
    }
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        if (i->ifa_addr == NULL)
            continue;
        struct address *a = &l->addr[l->count];
        memset(a, 0, sizeof *a);
        if (i->ifa_addr->sa_family == AF_INET) {
            a->family = AF_INET;
            memcpy(a->bytes, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
            l->count++;
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            a->family = AF_INET6;
            memcpy(a->bytes, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
            l->count++;
        }
    }
    if (ifs)
        freeifaddrs(ifs);
    return l;
}

static bool in_list(const struct address_list *l, const struct address *a)
{
    for (size_t i = 0; l && i < l->count; i++) {
        if (same_address(&l->addr[i], a))
            return true;
    }
    return false;
}

static bool same_list(const struct address_list *x, const struct address_list *y)
{
    if (x == NULL || y == NULL || x->count != y->count)
        return false;
    for (size_t i = 0; i < x->count; i++) {
        if (!in_list(y, &x->addr[i]))
            return false;
    }
    return true;
}

/* Re-reads the interface addresses, at most every REFRESH_INTERVAL_S; true if a is local now. */
static bool refresh_and_find(struct las_host_check *h, const struct address *a)
{
    bool found = false;
    pthread_mutex_lock(&h->refresh_lock);
    time_t now = time(NULL);
    if (now - h->refreshed >= REFRESH_INTERVAL_S) {
        h->refreshed = now;
        struct address_list *fresh = read_local_addresses(), *old = atomic_load(&h->local);
        if (fresh && !same_list(fresh, old)) {
            /* Readers may still walk the old list: it is kept until the check is freed. */
            fresh->retired = old;
            atomic_store(&h->local, fresh);
        } else {
            free(fresh);
        }
    }
    found = in_list(atomic_load(&h->local), a);
    pthread_mutex_unlock(&h->refresh_lock);
    return found;
}

static las_status add_entry(struct las_host_check *h, const char *entry, char *why, size_t why_len)
{
    char host[MAX_NAME + 1];
    struct address a;
    if (parse_address(entry, &a)) { /* also a bare IPv6 address */
        if (h->n_fixed == MAX_NAMES)
            goto too_many;
        h->fixed[h->n_fixed++] = a;
        return LAS_OK;
    }
    if (!host_part(entry, host)) {
        snprintf(why, why_len, "invalid host '%s' in the allowed hosts", entry);
        return LAS_ERR_INVALID_ARGUMENT;
    }
    if (parse_address(host, &a)) {
        if (h->n_fixed == MAX_NAMES)
            goto too_many;
        h->fixed[h->n_fixed++] = a;
        return LAS_OK;
    }
    if (h->n_names == MAX_NAMES)
        goto too_many;
    strcpy(h->names[h->n_names++], host);
    return LAS_OK;
too_many:
    snprintf(why, why_len, "more than %d allowed hosts", MAX_NAMES);
    return LAS_ERR_INVALID_ARGUMENT;
}

las_status las_host_check_new(const char *listen_host, const char *allowed,
                              struct las_host_check **out, char *why, size_t why_len)
{
    *out = NULL;
    struct las_host_check *h = calloc(1, sizeof *h);
    if (h == NULL) {
        snprintf(why, why_len, "out of memory");
        return LAS_ERR_NO_MEMORY;
    }
    pthread_mutex_init(&h->refresh_lock, NULL);
    las_status st = add_entry(h, "localhost", why, why_len);
    struct address listen_addr;
    if (st == LAS_OK && listen_host && *listen_host &&
        !(parse_address(listen_host, &listen_addr) && is_wildcard(&listen_addr)))
        st = add_entry(h, listen_host, why, why_len);
    if (st == LAS_OK && allowed && strcmp(allowed, "*") == 0) {
        h->off = true;
    } else if (st == LAS_OK && allowed) {
        char entry[MAX_NAME + 8];
        for (const char *p = allowed; st == LAS_OK && *p;) {
            size_t len = strcspn(p, ",");
            while (len > 0 && (*p == ' ' || *p == '\t'))
                p++, len--;
            size_t used = len;
            while (used > 0 && (p[used - 1] == ' ' || p[used - 1] == '\t'))
                used--;
            if (used >= sizeof entry) {
                snprintf(why, why_len, "an allowed host longer than %d characters", MAX_NAME);
                st = LAS_ERR_INVALID_ARGUMENT;
                break;
            }
            if (used > 0) {
                memcpy(entry, p, used);
                entry[used] = '\0';
                if (strcmp(entry, "*") == 0) {
                    snprintf(why, why_len, "'*' turns the Host check off and stands alone");
                    st = LAS_ERR_INVALID_ARGUMENT;
                    break;
                }
                st = add_entry(h, entry, why, why_len);
            }
            p += len;
            if (*p == ',')
                p++;
        }
    }
    if (st != LAS_OK) {
        las_host_check_free(h);
        return st;
    }
    atomic_store(&h->local, read_local_addresses());
    h->refreshed = time(NULL);
    *out = h;
    return LAS_OK;
}

bool las_host_check_allows(struct las_host_check *h, const char *host_header)
{
    char host[MAX_NAME + 1];
    struct address a;
    if (h->off || host_header == NULL)
        return true;
    if (!host_part(host_header, host))
        return false;
    if (!parse_address(host, &a)) {
        for (size_t i = 0; i < h->n_names; i++) {
            if (strcmp(h->names[i], host) == 0)
                return true;
        }
        return false;
    }
    if (is_loopback(&a))
        return true;
    for (size_t i = 0; i < h->n_fixed; i++) {
        if (same_address(&h->fixed[i], &a))
            return true;
    }
    if (in_list(atomic_load(&h->local), &a))
        return true;
    return refresh_and_find(h, &a);
}

bool las_host_check_is_off(const struct las_host_check *h)
{
    return h->off;
}

void las_host_check_free(struct las_host_check *h)
{
    if (h == NULL)
        return;
    struct address_list *l = atomic_load(&h->local);
    while (l) {
        struct address_list *next = l->retired;
        free(l);
        l = next;
    }
    pthread_mutex_destroy(&h->refresh_lock);
    free(h);
}
