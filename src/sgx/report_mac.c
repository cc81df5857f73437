/* SPDX-License-Identifier: Apache-2.0 */
#include "sgx/report_mac.h"

#include "common/crypto.h"

las_status las_report_mac_check_keyed(const struct las_cmac_key *report_key,
                                      const struct las_sgx_report *report)
{
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE], mac[LAS_SGX_MAC_SIZE];
    las_sgx_report_body_serialize(&report->body, body);
    las_cmac_keyed(report_key, body, sizeof body, mac);
    return las_ct_equal(mac, report->mac, sizeof mac) ? LAS_OK : LAS_ERR_REPORT_MAC;
}

las_status las_report_mac_check(const uint8_t report_key[static LAS_SGX_KEY_SIZE],
                                const struct las_sgx_report *report)
{
    struct las_cmac_key k;
    las_cmac_key_init(&k, report_key);
    las_status st = las_report_mac_check_keyed(&k, report);
    las_wipe(&k, sizeof k);
    return st;
}
