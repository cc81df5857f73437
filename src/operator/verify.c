/* SPDX-License-Identifier: Apache-2.0 */
/* The operator's one call into the evidence verifier (verify.h). */
#include "operator/verify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "dcap/root_pin.h"
#include "format/evidence_json.h"

/* What the document says about itself, for display only (never trusted). */
static void claims(const uint8_t *doc, size_t len, struct las_op_verdict *out)
{
    if (len > LAS_EVIDENCE_MAX)
        return;
    json_t *j = json_loadb((const char *)doc, len, JSON_REJECT_DUPLICATES, NULL);
    const char *id = json_string_value(json_object_get(j, "platform_id"));
    uint8_t raw[32];
    if (id && strlen(id) == 64 && las_hex_decode(id, raw, 32) == LAS_OK)
        las_hex_encode(raw, 32, out->claimed_id, 1);
    out->simulated = json_is_true(json_object_get(j, "simulated"));
    json_decref(j);
}

static void succession_copy(const struct las_succession *s, struct las_op_succession *d)
{
    las_hex_encode(s->old_id, 32, d->old_id, 1);
    las_hex_encode(s->new_id, 32, d->new_id, 1);
    las_hex_encode(s->old_cpusvn, 16, d->old_cpusvn, 0);
    las_hex_encode(s->new_cpusvn, 16, d->new_cpusvn, 0);
    d->old_isvsvn = s->old_isvsvn;
    d->new_isvsvn = s->new_isvsvn;
    d->issued_at = s->issued_at;
}

/*
 * The simulated root CA the document's hardware quote chains to. Each
 * simulated node makes its own root and the operator cannot know it in
 * advance, so with allowSimulation it trusts each node's root as the node
 * presents it (trust on first use; simulation gives no security, and the
 * node's status says simulated). Hardware evidence is anchored by Intel's
 * root, built into the verifier, whatever this returns.
 */
static bool sim_root_of(const uint8_t *doc, size_t len, uint8_t pin[LAS_DCAP_ROOT_PIN_SIZE])
{
    uint8_t *quote = malloc(LAS_DCAP_QUOTE_MAX);
    size_t qlen = 0;
    bool ok = false;
    json_t *j = quote && len <= LAS_EVIDENCE_MAX
                    ? json_loadb((const char *)doc, len, JSON_REJECT_DUPLICATES, NULL)
                    : NULL;
    if (j && las_json_get_base64(j, "hardware_quote", quote, LAS_DCAP_QUOTE_MAX, &qlen) == LAS_OK)
        ok = las_dcap_quote_root_pin(quote, qlen, pin) == LAS_OK;
    json_decref(j);
    free(quote);
    return ok;
}

/* Refused only because hardware evidence came without collateral: say what the spec can do. */
static bool unknown_tcb_refused(const struct las_evidence_result *res)
{
    return res->check && strcmp(res->check, "hardware_quote") == 0 && res->dcap.check &&
           strcmp(res->dcap.check, "collateral") == 0 && !res->dcap.simulated;
}

void las_op_verify_evidence(const uint8_t *doc, size_t len, const struct las_op_trust *trust,
                            const uint8_t *collateral, size_t collateral_len,
                            struct las_op_verdict *out)
{
    struct las_evidence_result result;
    struct las_evidence_result *res = &result;
    memset(out, 0, sizeof *out);
    strcpy(out->tcb_status, "NotEvaluated");
    claims(doc, len, out);

    struct las_evidence_options opt = {
        .collateral = collateral,
        .collateral_len = collateral_len,
        .allow_simulation = trust->allow_simulation,
        .allow_unknown_tcb = trust->allow_unknown_tcb,
        .las_mrenclave = trust->have_mrenclave ? trust->mrenclave : NULL,
        .las_mrsigner = trust->have_mrsigner ? trust->mrsigner : NULL,
    };
    uint8_t pin[1][LAS_DCAP_ROOT_PIN_SIZE];
    if (trust->allow_simulation && sim_root_of(doc, len, pin[0])) {
        opt.sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])pin;
        opt.n_sim_roots = 1;
    }
    if (las_evidence_verify(doc, len, &opt, res) != LAS_OK) {
        if (collateral == NULL && unknown_tcb_refused(res))
            snprintf(out->reason, sizeof out->reason,
                     "hardware_quote: collateral: hardware evidence without collateral (TCB status "
                     "unknown: revocation and TCB level unchecked); set "
                     "spec.verification.collateral, or spec.verification.allowUnknownTcb: true");
        else
            snprintf(out->reason, sizeof out->reason, "%.32s: %.280s",
                     res->check ? res->check : "evidence", res->reason);
        return;
    }
    if (collateral != NULL)
        snprintf(out->tcb_status, sizeof out->tcb_status, "%s",
                 las_tcb_status_name(res->dcap.tcb_status));
    if (collateral != NULL && res->dcap.tcb_status == LAS_TCB_REVOKED) {
        snprintf(out->reason, sizeof out->reason, "tcb: the platform's TCB is revoked");
        return;
    }
    out->verified = true;
    out->simulated = res->simulated;
    las_hex_encode(res->platform_id, 32, out->platform_id, 1);
    memcpy(out->claimed_id, out->platform_id, sizeof out->claimed_id);
    out->n_successions = res->n_successions;
    for (size_t i = 0; i < res->n_successions; i++)
        succession_copy(&res->successions[i], &out->successions[i]);
}

bool las_op_verdict_succeeds(const struct las_op_verdict *v, const char *old_id)
{
    if (!v->verified || old_id == NULL || old_id[0] == '\0')
        return false;
    /* A verified chain is contiguous and ends at the verdict's ID. */
    for (size_t i = 0; i < v->n_successions; i++) {
        if (strcmp(v->successions[i].old_id, old_id) == 0)
            return true;
    }
    return false;
}
