/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/buf.h"

static void test_reads_little_endian(void **state)
{
    (void)state;
    const uint8_t in[] = {0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xef, 0xcd,
                          0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0xaa, 0xbb};
    struct las_reader r;
    uint8_t u8, tail[2];
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    las_reader_init(&r, in, sizeof in);
    las_read_u8(&r, &u8);
    las_read_u16le(&r, &u16);
    las_read_u32le(&r, &u32);
    las_read_u64le(&r, &u64);
    las_read_bytes(&r, tail, 2);
    assert_int_equal(las_reader_end(&r), LAS_OK);
    assert_int_equal(u8, 0x01);
    assert_int_equal(u16, 0x1234);
    assert_int_equal(u32, 0x12345678);
    assert_true(u64 == 0x0123456789abcdefULL);
    assert_int_equal(tail[0], 0xaa);
    assert_int_equal(tail[1], 0xbb);
}

static void test_short_input_fails_and_zeroes(void **state)
{
    (void)state;
    const uint8_t in[] = {1, 2, 3};
    struct las_reader r;
    uint32_t v = 0xffffffff;
    uint8_t b = 0xff;
    las_reader_init(&r, in, sizeof in);
    las_read_u32le(&r, &v);
    assert_int_equal(v, 0);
    /* Sticky: a read that would fit after a failure still fails. */
    las_read_u8(&r, &b);
    assert_int_equal(b, 0);
    assert_int_equal(las_reader_status(&r), LAS_ERR_MALFORMED);
    assert_int_equal(las_reader_end(&r), LAS_ERR_MALFORMED);
    assert_int_equal(las_reader_remaining(&r), 0);
}

static void test_trailing_bytes_rejected(void **state)
{
    (void)state;
    const uint8_t in[] = {1, 2, 3};
    struct las_reader r;
    uint16_t v;
    las_reader_init(&r, in, sizeof in);
    las_read_u16le(&r, &v);
    assert_int_equal(las_reader_status(&r), LAS_OK);
    assert_int_equal(las_reader_remaining(&r), 1);
    assert_int_equal(las_reader_end(&r), LAS_ERR_MALFORMED);
}

static void test_huge_length_does_not_wrap(void **state)
{
    (void)state;
    const uint8_t in[4] = {0};
    struct las_reader r;
    const uint8_t *view = in;
    las_reader_init(&r, in, sizeof in);
    las_read_skip(&r, 2);
    las_read_view(&r, &view, SIZE_MAX - 1);
    assert_null(view);
    assert_int_equal(las_reader_status(&r), LAS_ERR_MALFORMED);
}

static void test_writer_round_trip_and_overflow(void **state)
{
    (void)state;
    uint8_t out[15];
    struct las_writer w;
    las_writer_init(&w, out, sizeof out);
    las_write_bytes(&w, "\x01", 1);
    las_write_u16le(&w, 0x1234);
    las_write_u32le(&w, 0x12345678);
    las_write_u64le(&w, 0x0123456789abcdefULL);
    assert_int_equal(las_writer_end(&w), LAS_OK);
    assert_int_equal(out[1], 0x34);
    assert_int_equal(out[2], 0x12);
    assert_int_equal(out[7], 0xef);
    assert_int_equal(out[14], 0x01);

    las_writer_init(&w, out, sizeof out);
    las_write_zeros(&w, 14);
    las_write_u16le(&w, 1); /* one byte too many */
    assert_int_not_equal(las_writer_end(&w), LAS_OK);

    las_writer_init(&w, out, sizeof out);
    las_write_zeros(&w, 14); /* one byte short */
    assert_int_not_equal(las_writer_end(&w), LAS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_little_endian),
        cmocka_unit_test(test_short_input_fails_and_zeroes),
        cmocka_unit_test(test_trailing_bytes_rejected),
        cmocka_unit_test(test_huge_length_does_not_wrap),
        cmocka_unit_test(test_writer_round_trip_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
