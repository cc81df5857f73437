/* SPDX-License-Identifier: Apache-2.0 */
/* Verification of platform evidence documents and succession statements. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/reason.h"
#include "dcap/dcap_verify.h"
#include "format/evidence_json.h"
#include "format/las_enclave.h"
#include "las/evidence.h"
#include "verifier/las_pin.h"

/* SGX derives keys for older SVNs only: a statement leads to newer or equal SVNs. */
static bool is_upgrade(const struct las_succession *s)
{
    for (size_t k = 0; k < LAS_SGX_CPUSVN_SIZE; k++) {
        if (s->new_cpusvn[k] < s->old_cpusvn[k])
            return false;
    }
    return s->new_isvsvn >= s->old_isvsvn;
}

static las_status verify_successions(const json_t *list, struct las_evidence_result *res)
{
    if (list == NULL)
        return LAS_OK;
    if (!json_is_array(list) || json_array_size(list) > LAS_EVIDENCE_MAX_SUCCESSIONS)
        return las_refuse(res, LAS_ERR_MALFORMED, "succession",
                          "\"successions\" must be an array of at most %d statements",
                          LAS_EVIDENCE_MAX_SUCCESSIONS);
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n; i++) {
        struct las_succession *s = &res->successions[i];
        if (las_succession_from_json(json_array_get(list, i), s) != LAS_OK)
            return las_refuse(res, LAS_ERR_MALFORMED, "succession",
                              "succession statement %zu is malformed", i);
        if (las_succession_verify(s) != LAS_OK)
            return las_refuse(res, LAS_ERR_SIGNATURE, "succession",
                              "succession statement %zu: a signature does not verify", i);
        if (!is_upgrade(s))
            return las_refuse(res, LAS_ERR_REFUSED, "succession",
                              "succession statement %zu leads to an older CPUSVN or ISVSVN (a "
                              "downgrade, which SGX cannot make)",
                              i);
        /* Statements form one chain, oldest first, ending at this platform ID. */
        const uint8_t *next = i + 1 < n ? NULL : res->platform_id;
        if (i > 0 && memcmp(res->successions[i - 1].new_id, s->old_id, 32) != 0)
            return las_refuse(res, LAS_ERR_REFUSED, "succession",
                              "succession statement %zu does not continue statement %zu", i, i - 1);
        if (next && memcmp(s->new_id, next, 32) != 0)
            return las_refuse(res, LAS_ERR_REFUSED, "succession",
                              "the last succession statement does not lead to this platform ID");
    }
    res->n_successions = n;
    return LAS_OK;
}

/* An evidence document's fields, as read by check_format. */
struct evidence_doc {
    json_t *json;
    uint8_t body_wire[LAS_SGX_REPORT_BODY_SIZE];
    uint8_t key_cpusvn[LAS_SGX_CPUSVN_SIZE];
    uint16_t key_isvsvn;
    uint8_t *quote; /* LAS_DCAP_QUOTE_MAX bytes */
    size_t quote_len;
};

/* 0. JSON object, version 1, required fields with valid encodings and sizes. */
static las_status check_format(const uint8_t *json, size_t len, struct evidence_doc *d,
                               struct las_evidence_result *res)
{
    uint64_t version = 0, isvsvn = 0;
    size_t body_len = 0;
    if (len > LAS_EVIDENCE_MAX)
        return las_refuse(res, LAS_ERR_BAD_SIZE, "format", "evidence larger than %d bytes",
                          LAS_EVIDENCE_MAX);
    d->json = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(d->json))
        return las_refuse(res, LAS_ERR_MALFORMED, "format", "evidence is not a JSON object");
    if (las_json_get_uint(d->json, "version", 65535, &version) != LAS_OK ||
        version != LAS_EVIDENCE_VERSION)
        return las_refuse(res, LAS_ERR_UNSUPPORTED, "format", "unsupported evidence version");
    if ((d->quote = malloc(LAS_DCAP_QUOTE_MAX)) == NULL)
        return las_refuse(res, LAS_ERR_NO_MEMORY, "format", "out of memory");
    const json_t *key = json_object_get(d->json, "platform_key");
    if (las_json_get_hex(d->json, "platform_id", res->platform_id, 32) != LAS_OK ||
        las_json_get_hex(key, "cpusvn", d->key_cpusvn, 16) != LAS_OK ||
        las_json_get_uint(key, "isvsvn", 65535, &isvsvn) != LAS_OK ||
        las_json_get_base64(d->json, "report_body", d->body_wire, sizeof d->body_wire, &body_len) !=
            LAS_OK ||
        body_len != sizeof d->body_wire ||
        las_json_get_base64(d->json, "hardware_quote", d->quote, LAS_DCAP_QUOTE_MAX,
                            &d->quote_len) != LAS_OK)
        return las_refuse(res, LAS_ERR_MALFORMED, "format",
                          "evidence lacks a valid platform_id, platform_key, report_body or "
                          "hardware_quote");
    d->key_isvsvn = (uint16_t)isvsvn;
    if (las_sgx_report_body_parse(d->body_wire, sizeof d->body_wire, &res->las) != LAS_OK)
        return las_refuse(res, LAS_ERR_MALFORMED, "format", "report_body is not a REPORT body");
    return LAS_OK;
}

/*
 * 1. The hardware quote: genuine SGX, or when allowed the simulated QE of
 * some simulated platform; which simulated root may anchor it is decided by
 * check_anchor, once the platform ID is known to be bound.
 */
static las_status check_hardware_quote(const struct evidence_doc *d,
                                       const struct las_evidence_options *opt,
                                       struct las_evidence_result *res)
{
    struct las_dcap_verify_options dopt = {
        .collateral = opt->collateral,
        .collateral_len = opt->collateral_len,
        .at = opt->at,
        .allow_simulation = opt->allow_simulation,
        .collateral_verdict = opt->collateral_verdict,
        .allow_unknown_tcb = opt->allow_unknown_tcb,
    };
    las_status st = las_dcap_verify_anchored(d->quote, d->quote_len, &dopt, &las_dcap_default_trust,
                                             true, &res->dcap);
    if (st != LAS_OK)
        return las_refuse_nested(res, st, "hardware_quote", res->dcap.check, res->dcap.reason);
    res->simulated = res->dcap.simulated;
    return LAS_OK;
}

/* 2 and 3. It covers exactly the document's LAS report body, which binds the platform ID. */
static las_status check_binding(const struct evidence_doc *d, struct las_evidence_result *res)
{
    uint8_t quoted[LAS_SGX_REPORT_BODY_SIZE], binding[LAS_SGX_REPORT_DATA_SIZE];
    las_sgx_report_body_serialize(&res->dcap.body, quoted);
    if (memcmp(quoted, d->body_wire, sizeof quoted) != 0)
        return las_refuse(res, LAS_ERR_REFUSED, "report_body",
                          "the hardware quote covers another report body than the document's");
    las_evidence_report_data(res->platform_id, d->key_cpusvn, d->key_isvsvn, binding);
    if (memcmp(binding, res->las.report_data, sizeof binding) != 0)
        return las_refuse(res, LAS_ERR_REFUSED, "binding",
                          "the attested report data does not bind this platform ID");
    if (memcmp(d->key_cpusvn, res->las.cpusvn, 16) != 0 || d->key_isvsvn != res->las.isvsvn)
        return las_refuse(res, LAS_ERR_REFUSED, "binding",
                          "the platform key was not derived under the attested CPUSVN/ISVSVN");
    return LAS_OK;
}

bool las_evidence_las_pinned(const struct las_evidence_options *opt, bool simulated,
                             const struct las_sgx_report_body *las, char *why, size_t why_len)
{
    static const uint8_t simulated_las_signer[32] = LAS_SIMULATED_LAS_MRSIGNER;
    char hex[65];
    const uint8_t *want_signer = opt->las_mrsigner;
    if (opt->las_mrenclave == NULL && want_signer == NULL) {
        if (!simulated) {
            snprintf(why, why_len,
                     "LAS enclave not pinned: hardware evidence shows only some enclave on "
                     "genuine SGX; pin the MRSIGNER or MRENCLAVE of your LAS release "
                     "(--las-mrsigner / --las-mrenclave, evidence.las_mrsigner / las_mrenclave "
                     "in a policy)");
            return false;
        }
        want_signer = simulated_las_signer;
    }
    if (opt->las_mrenclave && memcmp(opt->las_mrenclave, las->mrenclave, 32) != 0) {
        las_hex_encode(las->mrenclave, 32, hex, 0);
        snprintf(why, why_len, "LAS MRENCLAVE %s is not the pinned one", hex);
        return false;
    }
    if (want_signer && memcmp(want_signer, las->mrsigner, 32) != 0) {
        las_hex_encode(las->mrsigner, 32, hex, 0);
        if (want_signer == simulated_las_signer)
            snprintf(why, why_len,
                     "LAS MRSIGNER %s is not the simulated LAS's, and no LAS enclave is pinned",
                     hex);
        else
            snprintf(why, why_len, "LAS MRSIGNER %s is not the pinned one", hex);
        return false;
    }
    return true;
}

/* 4. The enclave is LAS: the pinned one (simulated evidence: the simulated LAS signer). */
static las_status check_las_identity(const struct las_evidence_options *opt,
                                     struct las_evidence_result *res)
{
    char why[sizeof res->reason];
    if (!las_evidence_las_pinned(opt, res->simulated, &res->las, why, sizeof why))
        return las_refuse(res, LAS_ERR_REFUSED, "las_identity", "%s", why);
    if (res->las.isvprodid != LAS_ISVPRODID)
        return las_refuse(res, LAS_ERR_REFUSED, "las_identity",
                          "enclave ISVPRODID %u is not LAS's (%u)", res->las.isvprodid,
                          LAS_ISVPRODID);
    if (res->las.attributes.flags & LAS_SGX_FLAGS_DEBUG)
        return las_refuse(res, LAS_ERR_REFUSED, "las_identity",
                          "LAS runs as a debug enclave: its keys are readable by the host");
    return LAS_OK;
}

/* 5. The document's "simulated" flag, when present, agrees with the quote. */
static las_status check_simulated_flag(const struct evidence_doc *d,
                                       struct las_evidence_result *res)
{
    const json_t *claimed = json_object_get(d->json, "simulated");
    if (json_is_boolean(claimed) && json_boolean_value(claimed) != res->simulated)
        return las_refuse(res, LAS_ERR_REFUSED, "format",
                          "the document's \"simulated\" flag contradicts its hardware quote");
    return LAS_OK;
}

static bool pinned(const uint8_t *value, const uint8_t (*set)[32], size_t n)
{
    for (size_t i = 0; set && i < n; i++) {
        if (memcmp(value, set[i], 32) == 0)
            return true;
    }
    return false;
}

/*
 * 7. A trust anchor. Hardware evidence has Intel's root (check 1 accepts no
 * other hardware root). Simulated evidence is anchored by a pinned simulated
 * root, its pinned platform ID, or a verified succession from a pinned ID:
 * every simulated platform makes its own root, so tolerating simulation
 * alone trusts nothing.
 */
static las_status check_anchor(const struct las_evidence_options *opt,
                               struct las_evidence_result *res)
{
    char pin[2 * LAS_DCAP_ROOT_PIN_SIZE + 1], id[LAS_PLATFORM_ID_HEX_SIZE];
    if (!res->simulated) {
        res->anchor = LAS_ANCHOR_INTEL_ROOT;
        return LAS_OK;
    }
    if (pinned(res->dcap.root_pin, opt->sim_roots, opt->n_sim_roots)) {
        res->anchor = LAS_ANCHOR_SIM_ROOT;
        return LAS_OK;
    }
    if (pinned(res->platform_id, opt->platforms, opt->n_platforms)) {
        res->anchor = LAS_ANCHOR_PLATFORM;
        return LAS_OK;
    }
    for (size_t i = 0; opt->follow_successions && i < res->n_successions; i++) {
        if (pinned(res->successions[i].old_id, opt->platforms, opt->n_platforms)) {
            res->anchor = LAS_ANCHOR_SUCCESSION;
            return LAS_OK;
        }
    }
    las_hex_encode(res->dcap.root_pin, LAS_DCAP_ROOT_PIN_SIZE, pin, 0);
    las_platform_id_format(res->platform_id, id);
    return las_refuse(res, LAS_ERR_REFUSED, "anchor",
                      "simulated evidence of platform %s has no trust anchor: neither its "
                      "simulated root CA (pin %s; --sim-root FILE, that LAS's sim-qe-root-ca.pem) "
                      "nor its platform ID is pinned",
                      id, pin);
}

las_status las_evidence_verify(const uint8_t *json, size_t len,
                               const struct las_evidence_options *opt,
                               struct las_evidence_result *res)
{
    struct evidence_doc d = {0};
    las_status st;
    if (res == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    memset(res, 0, sizeof *res);
    if (opt == NULL || (json == NULL && len > 0))
        return las_refuse(res, LAS_ERR_INVALID_ARGUMENT, "arguments", "no document or no options");
    if ((st = check_format(json, len, &d, res)) == LAS_OK &&
        (st = check_hardware_quote(&d, opt, res)) == LAS_OK &&
        (st = check_binding(&d, res)) == LAS_OK && (st = check_las_identity(opt, res)) == LAS_OK &&
        (st = check_simulated_flag(&d, res)) == LAS_OK &&
        (st = verify_successions(json_object_get(d.json, "successions"), res)) == LAS_OK)
        st = check_anchor(opt, res);
    free(d.quote);
    json_decref(d.json);
    if (st != LAS_OK) {
        memset(res->platform_id, 0, sizeof res->platform_id);
        res->anchor = LAS_ANCHOR_NONE;
        return st;
    }
    res->status = LAS_OK;
    res->verified = true;
    return LAS_OK;
}
