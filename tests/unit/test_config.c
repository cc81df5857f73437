/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/config.h"

static void test_defaults(void **state)
{
    (void)state;
    struct las_config c;
    las_config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:18766");
    assert_string_equal(c.state_dir, "las-state");
    assert_int_equal(c.mode, LAS_MODE_AUTO);
    assert_int_equal(c.sim_isvsvn, -1);
    assert_false(c.have_sim_cpusvn);
}

static void test_flags_override_env(void **state)
{
    (void)state;
    struct las_config c;
    char why[256];
    bool help;
    char *argv[] = {"serve",        "--listen", "0.0.0.0:1234", "--mode=sim",
                    "--sim-isvsvn", "4",        "--sim-cpusvn", "000102030405060708090a0b0c0d0e0f"};
    las_config_defaults(&c);
    setenv("LAS_LISTEN", "127.0.0.2:99", 1);
    setenv("LAS_STATE_DIR", "/tmp/x", 1);
    setenv("LAS_LOG_FORMAT", "json", 1);
    assert_int_equal(las_config_from_env(&c, why, sizeof why), LAS_OK);
    assert_string_equal(c.listen, "127.0.0.2:99");
    assert_string_equal(c.state_dir, "/tmp/x");
    assert_int_equal(c.log_format, LAS_LOG_JSON);
    assert_int_equal(las_config_from_args(&c, 8, argv, &help, why, sizeof why), LAS_OK);
    assert_false(help);
    assert_string_equal(c.listen, "0.0.0.0:1234");
    assert_int_equal(c.mode, LAS_MODE_SIM);
    assert_int_equal(c.sim_isvsvn, 4);
    assert_true(c.have_sim_cpusvn);
    assert_int_equal(c.sim_cpusvn[15], 0x0f);
    unsetenv("LAS_LISTEN");
    unsetenv("LAS_STATE_DIR");
    unsetenv("LAS_LOG_FORMAT");
}

static void test_bad_values_named(void **state)
{
    (void)state;
    struct las_config c;
    char why[256];
    bool help;
    static const char *const bad[][2] = {
        {"--listen", "nohost"},        {"--listen", "host:99999"}, {"--mode", "hw"},
        {"--sim-cpusvn", "00"},        {"--sim-isvsvn", "-1"},     {"--threads", "x"},
        {"--connection-timeout", "0"}, {"--log-level", "loud"},    {"--bogus", "1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"serve", (char *)bad[i][0], (char *)bad[i][1]};
        las_config_defaults(&c);
        assert_int_equal(las_config_from_args(&c, 3, argv, &help, why, sizeof why),
                         LAS_ERR_INVALID_ARGUMENT);
        assert_non_null(strstr(why, bad[i][0]));
    }
    /* Flags are spelled out: getopt_long's abbreviations are refused. */
    char *abbreviated[] = {"serve", "--list", "127.0.0.1:1"};
    assert_int_equal(las_config_from_args(&c, 3, abbreviated, &help, why, sizeof why),
                     LAS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "did you mean --listen"));
    char *positional[] = {"serve", "--mode", "sim", "--", "extra"};
    assert_int_equal(las_config_from_args(&c, 5, positional, &help, why, sizeof why),
                     LAS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "unexpected argument 'extra'"));
    char *clustered[] = {"serve", "-xh"}; /* getopt is still inside the word: name the word */
    assert_int_equal(las_config_from_args(&c, 2, clustered, &help, why, sizeof why),
                     LAS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "unknown or ambiguous option '-xh'"));
    char *missing[] = {"serve", "--listen"};
    assert_int_equal(las_config_from_args(&c, 2, missing, &help, why, sizeof why),
                     LAS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "needs a value"));
    setenv("LAS_MODE", "banana", 1);
    assert_int_equal(las_config_from_env(&c, why, sizeof why), LAS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "LAS_MODE"));
    unsetenv("LAS_MODE");
}

/* --allow-root is a switch: no value on the command line; the variable says 1/0. */
static void test_allow_root_switch(void **state)
{
    (void)state;
    struct las_config c;
    char why[256];
    bool help;
    las_config_defaults(&c);
    assert_false(c.allow_root);
    char *argv[] = {"serve", "--allow-root", "--mode", "sim"};
    assert_int_equal(las_config_from_args(&c, 4, argv, &help, why, sizeof why), LAS_OK);
    assert_true(c.allow_root);
    assert_int_equal(c.mode, LAS_MODE_SIM);
    char *with_value[] = {"serve", "--allow-root=1"};
    assert_int_equal(las_config_from_args(&c, 2, with_value, &help, why, sizeof why),
                     LAS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "takes no value"));

    las_config_defaults(&c);
    setenv("LAS_ALLOW_ROOT", "1", 1);
    assert_int_equal(las_config_from_env(&c, why, sizeof why), LAS_OK);
    assert_true(c.allow_root);
    setenv("LAS_ALLOW_ROOT", "0", 1);
    assert_int_equal(las_config_from_env(&c, why, sizeof why), LAS_OK);
    assert_false(c.allow_root);
    setenv("LAS_ALLOW_ROOT", "maybe", 1);
    assert_int_equal(las_config_from_env(&c, why, sizeof why), LAS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "LAS_ALLOW_ROOT"));
    unsetenv("LAS_ALLOW_ROOT");
}

static void test_split_hostport(void **state)
{
    (void)state;
    char host[64];
    uint16_t port;
    assert_int_equal(las_split_hostport("[::1]:18766", host, sizeof host, &port), LAS_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 18766);
    assert_int_equal(las_split_hostport("node-1.local:0", host, sizeof host, &port), LAS_OK);
    assert_string_equal(host, "node-1.local");
    assert_int_equal(port, 0);
    assert_int_not_equal(las_split_hostport("::1:80", host, sizeof host, &port), LAS_OK);
    assert_int_not_equal(las_split_hostport(":80", host, sizeof host, &port), LAS_OK);
    assert_int_not_equal(las_split_hostport("a:", host, sizeof host, &port), LAS_OK);
    assert_int_not_equal(las_split_hostport("a:8x", host, sizeof host, &port), LAS_OK);
}

/* DESIGN §6: the configuration is printed at start-up, every option of it. */
static void test_log_names_every_option(void **state)
{
    (void)state;
    struct las_config c;
    char usage[4096], logged[4096];
    las_config_defaults(&c);

    FILE *u = fmemopen(usage, sizeof usage - 1, "w");
    assert_non_null(u);
    las_config_usage(u);
    fclose(u);
    usage[sizeof usage - 1] = '\0';

    /* las_log writes to fd 2: point it at a temporary file for a moment. */
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    las_log_configure(LAS_LOG_INFO, LAS_LOG_TEXT);
    las_config_log(&c);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(logged, 1, sizeof logged - 1, tmp);
    fclose(tmp);
    logged[n] = '\0';

    size_t options = 0;
    for (const char *p = strstr(usage, "\n  --"); p != NULL; p = strstr(p + 1, "\n  --")) {
        char name[64];
        size_t len = strcspn(p + 5, " \n");
        assert_true(len > 0 && len < sizeof name - 1);
        memcpy(name, p + 5, len);
        strcpy(name + len, "=");
        if (strstr(logged, name) == NULL)
            fail_msg("option --%.*s is not in the start-up log:\n%s", (int)len, p + 5, logged);
        options++;
    }
    assert_true(options >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_flags_override_env),
        cmocka_unit_test(test_bad_values_named),
        cmocka_unit_test(test_split_hostport),
        cmocka_unit_test(test_log_names_every_option),
        cmocka_unit_test(test_allow_root_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
