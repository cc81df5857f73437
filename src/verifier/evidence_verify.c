/* SPDX-License-Identifier: Apache-2.0 */
/* Verification of platform evidence documents and succession statements. */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "format/evidence_json.h"
#include "format/las_enclave.h"
#include "las/evidence.h"

__attribute__((format(printf, 4, 5))) static las_status
refuse(struct las_evidence_result *res, las_status st, const char *check, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof res->reason, fmt, ap);
    va_end(ap);
    res->status = st;
    res->check = check;
    return st;
}

static las_status verify_successions(const json_t *list, struct las_evidence_result *res)
{
    if (list == NULL)
        return LAS_OK;
    if (!json_is_array(list) || json_array_size(list) > LAS_EVIDENCE_MAX_SUCCESSIONS)
        return refuse(res, LAS_ERR_MALFORMED, "succession",
                      "\"successions\" must be an array of at most %d statements",
                      LAS_EVIDENCE_MAX_SUCCESSIONS);
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n; i++) {
        struct las_succession *s = &res->successions[i];
        if (las_succession_from_json(json_array_get(list, i), s) != LAS_OK)
            return refuse(res, LAS_ERR_MALFORMED, "succession",
                          "succession statement %zu is malformed", i);
        if (las_succession_verify(s) != LAS_OK)
            return refuse(res, LAS_ERR_SIGNATURE, "succession",
                          "succession statement %zu: a signature does not verify", i);
        /* Statements form one chain, oldest first, ending at this platform ID. */
        const uint8_t *next = i + 1 < n ? NULL : res->platform_id;
        if (i > 0 && memcmp(res->successions[i - 1].new_id, s->old_id, 32) != 0)
            return refuse(res, LAS_ERR_REFUSED, "succession",
                          "succession statement %zu does not continue statement %zu", i, i - 1);
        if (next && memcmp(s->new_id, next, 32) != 0)
            return refuse(res, LAS_ERR_REFUSED, "succession",
                          "the last succession statement does not lead to this platform ID");
    }
    res->n_successions = n;
    return LAS_OK;
}

las_status las_evidence_verify(const uint8_t *json, size_t len,
                               const struct las_evidence_options *opt,
                               struct las_evidence_result *res)
{
    json_t *doc = NULL;
    uint8_t *quote = NULL;
    uint8_t body_wire[LAS_SGX_REPORT_BODY_SIZE], key_cpusvn[16], binding[64], quoted[384];
    uint64_t version, key_isvsvn;
    size_t body_len = 0, quote_len = 0;
    las_status st;

    memset(res, 0, sizeof *res);
    if (len > LAS_EVIDENCE_MAX)
        return refuse(res, LAS_ERR_BAD_SIZE, "format", "evidence larger than %d bytes",
                      LAS_EVIDENCE_MAX);
    doc = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(doc)) {
        st = refuse(res, LAS_ERR_MALFORMED, "format", "evidence is not a JSON object");
        goto out;
    }
    if (las_json_get_uint(doc, "version", 65535, &version) != LAS_OK ||
        version != LAS_EVIDENCE_VERSION) {
        st = refuse(res, LAS_ERR_UNSUPPORTED, "format", "unsupported evidence version");
        goto out;
    }
    quote = malloc(LAS_DCAP_QUOTE_MAX);
    if (quote == NULL) {
        st = refuse(res, LAS_ERR_NO_MEMORY, "format", "out of memory");
        goto out;
    }
    const json_t *key = json_object_get(doc, "platform_key");
    if (las_json_get_hex(doc, "platform_id", res->platform_id, 32) != LAS_OK ||
        las_json_get_hex(key, "cpusvn", key_cpusvn, 16) != LAS_OK ||
        las_json_get_uint(key, "isvsvn", 65535, &key_isvsvn) != LAS_OK ||
        las_json_get_base64(doc, "report_body", body_wire, sizeof body_wire, &body_len) != LAS_OK ||
        body_len != sizeof body_wire ||
        las_json_get_base64(doc, "hardware_quote", quote, LAS_DCAP_QUOTE_MAX, &quote_len) !=
            LAS_OK) {
        st = refuse(res, LAS_ERR_MALFORMED, "format",
                    "evidence lacks a valid platform_id, platform_key, report_body or "
                    "hardware_quote");
        goto out;
    }
    if (las_sgx_report_body_parse(body_wire, sizeof body_wire, &res->las) != LAS_OK) {
        st = refuse(res, LAS_ERR_MALFORMED, "format", "report_body is not a REPORT body");
        goto out;
    }

    /* 1. The hardware quote: genuine SGX (or, when allowed, the simulated QE). */
    struct las_dcap_verify_options dopt = {opt->collateral, opt->collateral_len, opt->at,
                                           opt->allow_simulation};
    st = las_dcap_verify(quote, quote_len, &dopt, &res->dcap);
    if (st != LAS_OK) {
        st = refuse(res, st, "hardware_quote", "hardware quote refused (%s): %s",
                    res->dcap.check ? res->dcap.check : "dcap", res->dcap.reason);
        goto out;
    }
    res->simulated = res->dcap.simulated;

    /* 2. It covers exactly the LAS report body of the document. */
    las_sgx_report_body_serialize(&res->dcap.body, quoted);
    if (memcmp(quoted, body_wire, sizeof quoted) != 0) {
        st = refuse(res, LAS_ERR_REFUSED, "report_body",
                    "the hardware quote covers another report body than the document's");
        goto out;
    }

    /* 3. That report body binds the platform ID and the SVNs of its key. */
    las_evidence_report_data(res->platform_id, key_cpusvn, (uint16_t)key_isvsvn, binding);
    if (memcmp(binding, res->las.report_data, 64) != 0) {
        st = refuse(res, LAS_ERR_REFUSED, "binding",
                    "the attested report data does not bind this platform ID");
        goto out;
    }
    if (memcmp(key_cpusvn, res->las.cpusvn, 16) != 0 || key_isvsvn != res->las.isvsvn) {
        st = refuse(res, LAS_ERR_REFUSED, "binding",
                    "the platform key was not derived under the attested CPUSVN/ISVSVN");
        goto out;
    }

    /* 4. The enclave is LAS. */
    uint8_t sim_mrsigner[32];
    las_enclave_sim_mrsigner(sim_mrsigner);
    const uint8_t *want_signer = opt->las_mrsigner;
    if (opt->las_mrenclave == NULL && want_signer == NULL) {
        if (!res->simulated) {
            st = refuse(res, LAS_ERR_REFUSED, "las_identity",
                        "LAS enclave not pinned: pass the MRSIGNER or MRENCLAVE of your LAS "
                        "release (--las-mrsigner / --las-mrenclave)");
            goto out;
        }
        want_signer = sim_mrsigner;
    }
    char hex[65];
    if (opt->las_mrenclave && memcmp(opt->las_mrenclave, res->las.mrenclave, 32) != 0) {
        las_hex_encode(res->las.mrenclave, 32, hex, 0);
        st = refuse(res, LAS_ERR_REFUSED, "las_identity", "LAS MRENCLAVE %s is not the pinned one",
                    hex);
        goto out;
    }
    if (want_signer && memcmp(want_signer, res->las.mrsigner, 32) != 0) {
        las_hex_encode(res->las.mrsigner, 32, hex, 0);
        st = refuse(res, LAS_ERR_REFUSED, "las_identity", "LAS MRSIGNER %s is not the pinned one",
                    hex);
        goto out;
    }
    if (res->las.isvprodid != LAS_ISVPRODID) {
        st = refuse(res, LAS_ERR_REFUSED, "las_identity", "enclave ISVPRODID %u is not LAS's (%u)",
                    res->las.isvprodid, LAS_ISVPRODID);
        goto out;
    }
    if (res->las.attributes.flags & LAS_SGX_FLAGS_DEBUG) {
        st = refuse(res, LAS_ERR_REFUSED, "las_identity",
                    "LAS runs as a debug enclave: its keys are readable by the host");
        goto out;
    }
    const json_t *claimed = json_object_get(doc, "simulated");
    if (json_is_boolean(claimed) && json_boolean_value(claimed) != res->simulated) {
        st = refuse(res, LAS_ERR_REFUSED, "format",
                    "the document's \"simulated\" flag contradicts its hardware quote");
        goto out;
    }

    /* 5. Succession statements. */
    st = verify_successions(json_object_get(doc, "successions"), res);
    if (st != LAS_OK)
        goto out;
    res->status = LAS_OK;
    st = LAS_OK;
out:
    free(quote);
    json_decref(doc);
    if (st != LAS_OK)
        memset(res->platform_id, 0, sizeof res->platform_id);
    return st;
}
