/* SPDX-License-Identifier: Apache-2.0 */
#include "sgx/report_mac.h"

#include "common/crypto.h"

las_status las_report_mac_check(const uint8_t report_key[static LAS_SGX_KEY_SIZE],
                                const struct las_sgx_report *report)
{
    uint8_t body[LAS_SGX_REPORT_BODY_SIZE], mac[LAS_SGX_MAC_SIZE];
    las_sgx_report_body_serialize(&report->body, body);
    las_status st = las_aes_cmac(report_key, body, sizeof body, mac);
    if (st == LAS_OK && !las_ct_equal(mac, report->mac, sizeof mac))
        st = LAS_ERR_REPORT_MAC;
    return st;
}
