/* SPDX-License-Identifier: Apache-2.0 */
/* The Host header check of las serve (src/daemon/host_check.c). */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/host_check.h"

static struct las_host_check *make(const char *listen_host, const char *allowed)
{
    struct las_host_check *h = NULL;
    char why[256];
    assert_int_equal(las_host_check_new(listen_host, allowed, &h, why, sizeof why), LAS_OK);
    return h;
}

static void test_defaults(void **state)
{
    (void)state;
    struct las_host_check *h = make("0.0.0.0", NULL);
    const char *yes[] = {"localhost",   "localhost:18766",         "LOCALHOST.",   "LocalHost.:1",
                         "127.0.0.1",   "127.0.0.1:18766",         "127.1.2.3:80", "[::1]",
                         "[::1]:18766", "[::ffff:127.0.0.1]:18766"};
    const char *no[] = {"",
                        "evil.example",
                        "evil.example:18766",
                        "localhost.evil.example",
                        "127.0.0.1.evil.example",
                        "1.2.3.4:18766",
                        "[2001:db8::1]:18766",
                        "::1",
                        "local host",
                        "localhost/x",
                        "user@localhost",
                        "[::1"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!las_host_check_allows(h, yes[i]))
            fail_msg("refused '%s'", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (las_host_check_allows(h, no[i]))
            fail_msg("allowed '%s'", no[i]);
    }
    /* No Host at all (HTTP/1.0): browsers always send one. */
    assert_true(las_host_check_allows(h, NULL));
    assert_false(las_host_check_is_off(h));
    las_host_check_free(h);
}

/* Every address of this machine's interfaces is a name of LAS. */
static void test_local_addresses(void **state)
{
    (void)state;
    struct las_host_check *h = make("0.0.0.0", NULL);
    struct ifaddrs *ifs = NULL;
    assert_int_equal(getifaddrs(&ifs), 0);
    int checked = 0;
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        char text[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN + 8];
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, text, sizeof text);
        snprintf(host, sizeof host, "%s:18766", text);
        if (!las_host_check_allows(h, host))
            fail_msg("refused the local address %s", host);
        checked++;
    }
    freeifaddrs(ifs);
    assert_true(checked >= 1); /* at least loopback */
    las_host_check_free(h);
}

static void test_listen_host_and_list(void **state)
{
    (void)state;
    struct las_host_check *h = make(
        "las.example", " 10.99.88.77, las ,las.ns.svc.cluster.local,2001:db8::7,[2001:db8::8]:1");
    assert_true(las_host_check_allows(h, "las.example:18766"));
    assert_true(las_host_check_allows(h, "10.99.88.77:18766"));
    assert_false(las_host_check_allows(h, "10.99.88.78:18766"));
    assert_true(las_host_check_allows(h, "LAS:18766"));
    assert_true(las_host_check_allows(h, "las.ns.svc.cluster.local."));
    assert_false(las_host_check_allows(h, "las.ns"));
    assert_true(las_host_check_allows(h, "[2001:db8::7]:18766"));
    assert_true(las_host_check_allows(h, "[2001:db8::8]"));
    assert_false(las_host_check_allows(h, "evil.example"));
    las_host_check_free(h);
}

static void test_off_and_bad_lists(void **state)
{
    (void)state;
    struct las_host_check *h = make("127.0.0.1", "*");
    assert_true(las_host_check_is_off(h));
    assert_true(las_host_check_allows(h, "evil.example:18766"));
    las_host_check_free(h);
    const char *bad[] = {"a,*", "a/b", "a b", ",[::1", "x@y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[256] = "";
        h = NULL;
        if (las_host_check_new("127.0.0.1", bad[i], &h, why, sizeof why) !=
            LAS_ERR_INVALID_ARGUMENT)
            fail_msg("accepted the list '%s'", bad[i]);
        assert_null(h);
        assert_true(strlen(why) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_local_addresses),
        cmocka_unit_test(test_listen_host_and_list),
        cmocka_unit_test(test_off_and_bad_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
