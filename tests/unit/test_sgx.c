/* SPDX-License-Identifier: Apache-2.0 */
/* Wire layout of the SGX structures, checked byte by byte against the SDM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "las/sgx.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static void test_report_body_offsets(void **state)
{
    (void)state;
    struct las_sgx_report_body b;
    uint8_t wire[LAS_SGX_REPORT_BODY_SIZE];
    memset(&b, 0, sizeof b);
    b.cpusvn[0] = 0xc1;
    b.miscselect = 0x11223344;
    b.isvextprodid[0] = 0xe1;
    b.attributes.flags = 0x0102030405060708ULL;
    b.attributes.xfrm = 0xa0;
    b.mrenclave[0] = 0x4d;
    b.mrsigner[31] = 0x5e;
    b.configid[0] = 0xcf;
    b.isvprodid = 0xabcd;
    b.isvsvn = 0x0102;
    b.configsvn = 0x0304;
    b.isvfamilyid[0] = 0xfa;
    b.report_data[63] = 0x77;
    las_sgx_report_body_serialize(&b, wire);
    assert_int_equal(wire[0], 0xc1);
    assert_int_equal(wire[16], 0x44); /* MISCSELECT, little-endian */
    assert_int_equal(wire[19], 0x11);
    assert_int_equal(wire[32], 0xe1); /* ISVEXTPRODID */
    assert_int_equal(wire[48], 0x08); /* ATTRIBUTES.FLAGS */
    assert_int_equal(wire[55], 0x01);
    assert_int_equal(wire[56], 0xa0); /* ATTRIBUTES.XFRM */
    assert_int_equal(wire[64], 0x4d); /* MRENCLAVE */
    assert_int_equal(wire[128 + 31], 0x5e);
    assert_int_equal(wire[192], 0xcf); /* CONFIGID */
    assert_int_equal(wire[256], 0xcd); /* ISVPRODID */
    assert_int_equal(wire[257], 0xab);
    assert_int_equal(wire[258], 0x02); /* ISVSVN */
    assert_int_equal(wire[260], 0x04); /* CONFIGSVN */
    assert_int_equal(wire[304], 0xfa); /* ISVFAMILYID */
    assert_int_equal(wire[320 + 63], 0x77);
}

static void test_report_round_trip(void **state)
{
    (void)state;
    uint8_t wire[LAS_SGX_REPORT_SIZE], again[LAS_SGX_REPORT_SIZE];
    struct las_sgx_report r;
    fill(wire, sizeof wire, 3);
    assert_int_equal(las_sgx_report_parse(wire, sizeof wire, &r), LAS_OK);
    assert_int_equal(r.keyid[0], wire[384]);
    assert_int_equal(r.mac[15], wire[431]);
    las_sgx_report_serialize(&r, again);
    assert_memory_equal(wire, again, sizeof wire);
}

static void test_targetinfo_and_keyrequest_round_trip(void **state)
{
    (void)state;
    uint8_t wire[512], again[512];
    struct las_sgx_targetinfo ti;
    struct las_sgx_keyrequest kr;
    fill(wire, sizeof wire, 9);
    assert_int_equal(las_sgx_targetinfo_parse(wire, sizeof wire, &ti), LAS_OK);
    assert_int_equal(ti.configsvn, wire[50] | wire[51] << 8);
    las_sgx_targetinfo_serialize(&ti, again);
    assert_memory_equal(wire, again, sizeof wire);

    assert_int_equal(las_sgx_keyrequest_parse(wire, sizeof wire, &kr), LAS_OK);
    assert_int_equal(kr.keyname, wire[0] | wire[1] << 8);
    assert_int_equal(kr.isvsvn, wire[4] | wire[5] << 8);
    assert_int_equal(kr.cpusvn[0], wire[8]);
    assert_int_equal(kr.keyid[0], wire[40]);
    assert_int_equal(kr.configsvn, wire[76] | wire[77] << 8);
    las_sgx_keyrequest_serialize(&kr, again);
    assert_memory_equal(wire, again, sizeof wire);
}

static void test_wrong_sizes_rejected(void **state)
{
    (void)state;
    uint8_t wire[LAS_SGX_TARGETINFO_SIZE + 1];
    struct las_sgx_report r;
    struct las_sgx_report_body b;
    struct las_sgx_targetinfo ti;
    struct las_sgx_keyrequest kr;
    fill(wire, sizeof wire, 1);
    size_t sizes[] = {0, 1, LAS_SGX_REPORT_SIZE - 1, LAS_SGX_REPORT_SIZE + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        r.mac[0] = 0xff;
        assert_int_equal(las_sgx_report_parse(wire, sizes[i], &r), LAS_ERR_BAD_SIZE);
        assert_int_equal(r.mac[0], 0); /* zeroed on failure */
    }
    assert_int_equal(las_sgx_report_body_parse(wire, 383, &b), LAS_ERR_BAD_SIZE);
    assert_int_equal(las_sgx_targetinfo_parse(wire, 513, &ti), LAS_ERR_BAD_SIZE);
    assert_int_equal(las_sgx_keyrequest_parse(wire, 511, &kr), LAS_ERR_BAD_SIZE);
    assert_int_equal(las_sgx_report_parse(NULL, 0, &r), LAS_ERR_BAD_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_body_offsets),
        cmocka_unit_test(test_report_round_trip),
        cmocka_unit_test(test_targetinfo_and_keyrequest_round_trip),
        cmocka_unit_test(test_wrong_sizes_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
