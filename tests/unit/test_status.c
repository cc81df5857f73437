/* SPDX-License-Identifier: Apache-2.0 */
/* common/status.c: one meaning per status, exit codes from one table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "common/exit_code.h"
#include "las/status.h"

/* Every status has a name of its own, a message, an HTTP status and a command exit code. */
static void test_every_status_has_one_name(void **state)
{
    (void)state;
    for (int a = 0; a < LAS_STATUS_COUNT; a++) {
        const char *name = las_status_name((las_status)a);
        assert_non_null(name);
        assert_true(strlen(name) > 0);
        assert_non_null(las_status_message((las_status)a));
        int http = las_status_http((las_status)a);
        assert_true(http >= 200 && http <= 599);
        int code = las_status_exit_code((las_status)a);
        assert_true(code >= LAS_EXIT_OK && code <= LAS_EXIT_IO);
        for (int b = 0; b < a; b++)
            assert_string_not_equal(name, las_status_name((las_status)b));
    }
    /* Stable names (the code of HTTP error bodies) of the state statuses. */
    assert_string_equal(las_status_name(LAS_ERR_STATE), "state_invalid");
    assert_string_equal(las_status_name(LAS_ERR_STATE_UNSAFE), "state_unsafe");
    assert_string_equal(las_status_name(LAS_ERR_LOCK), "lock_failed");
    assert_string_equal(las_status_name(LAS_ERR_IO), "io_error");
}

/*
 * las serve's start-up on the state directory: 4 only for what is refused
 * and left untouched (corrupt, unsafe), 7 for what cannot be done (I/O,
 * lock). A read-only directory is an I/O failure, never "corrupt".
 */
static void test_state_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(las_status_state_exit_code(LAS_ERR_STATE), LAS_EXIT_STATE_REFUSED);
    assert_int_equal(las_status_state_exit_code(LAS_ERR_STATE_UNSAFE), LAS_EXIT_STATE_REFUSED);
    assert_int_equal(las_status_state_exit_code(LAS_ERR_IO), LAS_EXIT_STATE_DIR);
    assert_int_equal(las_status_state_exit_code(LAS_ERR_LOCK), LAS_EXIT_STATE_DIR);
    assert_int_equal(las_status_state_exit_code(LAS_ERR_NO_MEMORY), LAS_EXIT_IO);
    assert_int_equal(las_status_state_exit_code(LAS_ERR_INVALID_ARGUMENT), LAS_EXIT_USAGE);
    assert_int_equal(LAS_EXIT_STATE_REFUSED, 4);
    assert_int_equal(LAS_EXIT_LISTEN, 5);
    assert_int_equal(LAS_EXIT_ROOT, 6);
    assert_int_equal(LAS_EXIT_STATE_DIR, 7);
}

/* The table of meanings: commands give 0-3, las serve every code but 1. */
static void test_exit_code_meanings(void **state)
{
    (void)state;
    for (int code = 0; code < LAS_EXIT_COUNT; code++) {
        const char *command = las_exit_code_meaning(code, false);
        const char *serve = las_exit_code_meaning(code, true);
        if (code <= LAS_EXIT_IO)
            assert_non_null(command);
        else
            assert_null(command);
        if (code == LAS_EXIT_REFUSED)
            assert_null(serve);
        else
            assert_non_null(serve);
    }
    assert_null(las_exit_code_meaning(-1, true));
    assert_null(las_exit_code_meaning(LAS_EXIT_COUNT, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_status_has_one_name),
        cmocka_unit_test(test_state_exit_codes),
        cmocka_unit_test(test_exit_code_meanings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
