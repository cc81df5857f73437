/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy evaluation: every rule of docs/policy.md, in its order, each
 * recorded with its outcome so that the verdict explains itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "las/policy.h"

/* The tolerations a TCB status needs; UINT32_MAX for never tolerable. */
static uint32_t tcb_needs(enum las_tcb_status s)
{
    switch (s) {
    case LAS_TCB_UP_TO_DATE:
        return 0;
    case LAS_TCB_SW_HARDENING_NEEDED:
        return LAS_TOLERATE_SW_HARDENING_NEEDED;
    case LAS_TCB_CONFIGURATION_NEEDED:
        return LAS_TOLERATE_CONFIGURATION_NEEDED;
    case LAS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return LAS_TOLERATE_CONFIGURATION_NEEDED | LAS_TOLERATE_SW_HARDENING_NEEDED;
    case LAS_TCB_OUT_OF_DATE:
        return LAS_TOLERATE_OUTDATED_TCB;
    case LAS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED:
        return LAS_TOLERATE_OUTDATED_TCB | LAS_TOLERATE_CONFIGURATION_NEEDED;
    default:
        return UINT32_MAX;
    }
}

const char *las_check_outcome_name(enum las_check_outcome o)
{
    switch (o) {
    case LAS_CHECK_PASS:
        return "pass";
    case LAS_CHECK_FAIL:
        return "fail";
    case LAS_CHECK_SKIPPED:
        return "skipped";
    }
    return "unknown";
}

/* Adds a check; the first failure decides the verdict's status. */
__attribute__((format(printf, 5, 6))) static void
record(struct las_policy_verdict *v, const char *name, enum las_check_outcome outcome,
       las_status fail_status, const char *fmt, ...)
{
    va_list ap;
    if (v->n_checks == LAS_POLICY_MAX_CHECKS)
        return; /* cannot happen: the rule list is fixed and shorter */
    struct las_policy_check *c = &v->checks[v->n_checks++];
    c->name = name;
    c->outcome = outcome;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    if (outcome == LAS_CHECK_FAIL && v->refused_by == NULL) {
        v->status = fail_status;
        v->refused_by = name;
        memcpy(v->reason, c->reason, sizeof v->reason);
    }
}

static bool any_of(const uint8_t *value, const uint8_t (*set)[32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(value, set[i], 32) == 0)
            return true;
    }
    return false;
}

static bool ignored(const struct las_policy *pol, const char *advisory)
{
    for (size_t i = 0; i < pol->n_ignore_advisories; i++) {
        if (strncmp(pol->ignore_advisories[i], advisory, LAS_DCAP_ADVISORY_SIZE) == 0)
            return true;
    }
    return false;
}

/* Names the tolerations in bits ("outdated-tcb, configuration-needed"). */
static void toleration_list(uint32_t bits, char *out, size_t n)
{
    out[0] = '\0';
    for (uint32_t bit = 1; bit != 0 && bit <= bits; bit <<= 1) {
        const char *name = las_policy_toleration_name(bit);
        size_t used = strlen(out);
        if ((bits & bit) && name)
            snprintf(out + used, n - used, "%s%s", used ? ", " : "", name);
    }
}

static void check_signature(struct las_policy_verdict *v, const uint8_t *buf, size_t len)
{
    char id[LAS_PLATFORM_ID_HEX_SIZE];
    las_status st = las_quote_check_signature(buf, len, &v->quote);
    switch (st) {
    case LAS_OK:
        v->quote_valid = true;
        las_platform_id_format(v->quote.platform_id, id);
        record(v, "signature", LAS_CHECK_PASS, LAS_OK,
               "LAS quote v1, signature verifies under platform ID %s", id);
        return;
    case LAS_ERR_BAD_SIZE:
        record(v, "signature", LAS_CHECK_FAIL, st, "not a LAS quote: %zu bytes, expected %d", len,
               LAS_QUOTE_SIZE);
        return;
    case LAS_ERR_UNSUPPORTED:
        record(v, "signature", LAS_CHECK_FAIL, st, "unsupported LAS quote version or flags");
        return;
    case LAS_ERR_SIGNATURE:
        record(v, "signature", LAS_CHECK_FAIL, st,
               "signature does not verify under the platform ID in the quote");
        return;
    default:
        record(v, "signature", LAS_CHECK_FAIL, LAS_ERR_MALFORMED,
               "not a LAS quote (bad magic or reserved bytes)");
        return;
    }
}

static bool have_evidence(const struct las_policy_platform *pf)
{
    return pf != NULL && pf->present;
}

static void check_evidence(struct las_policy_verdict *v, const struct las_policy_platform *pf)
{
    char want[LAS_PLATFORM_ID_HEX_SIZE], got[LAS_PLATFORM_ID_HEX_SIZE];
    if (!have_evidence(pf)) {
        record(v, "evidence", LAS_CHECK_SKIPPED, LAS_OK, "no platform evidence given");
        return;
    }
    las_platform_id_format(v->quote.platform_id, want);
    if (memcmp(pf->platform_id, v->quote.platform_id, LAS_PLATFORM_ID_SIZE) != 0) {
        las_platform_id_format(pf->platform_id, got);
        record(v, "evidence", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the evidence is for platform %s, the quote comes from platform %s", got, want);
        return;
    }
    record(v, "evidence", LAS_CHECK_PASS, LAS_OK, "the evidence binds platform ID %s", want);
}

/*
 * Something must say that the platform key belongs to a genuine LAS: a
 * pinned ID (the policy author checked its evidence when collecting it) or
 * evidence given now. Without either, anyone with an Ed25519 key could
 * produce an acceptable quote; only a policy that tolerates simulation (no
 * security anyway) may go without.
 */
static void check_platform(struct las_policy_verdict *v, const struct las_policy *pol,
                           const struct las_policy_platform *pf)
{
    char id[LAS_PLATFORM_ID_HEX_SIZE];
    las_platform_id_format(v->quote.platform_id, id);
    bool vouched = have_evidence(pf) &&
                   memcmp(pf->platform_id, v->quote.platform_id, LAS_PLATFORM_ID_SIZE) == 0;
    if (pol->n_platforms > 0) {
        if (any_of(v->quote.platform_id, pol->platforms, pol->n_platforms))
            record(v, "platform", LAS_CHECK_PASS, LAS_OK, "platform ID %s is pinned", id);
        else
            record(v, "platform", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
                   "platform ID %s is not among the %zu pinned platform(s)", id, pol->n_platforms);
    } else if (vouched) {
        record(v, "platform", LAS_CHECK_PASS, LAS_OK,
               "no platforms pinned; platform ID %s is vouched for by its evidence", id);
    } else if (pol->tolerate & LAS_TOLERATE_SIMULATION) {
        record(v, "platform", LAS_CHECK_SKIPPED, LAS_OK,
               "no platforms pinned and no evidence: any platform accepted because the policy "
               "tolerates simulation");
    } else {
        record(v, "platform", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "platform ID %s is unauthenticated: the policy pins no platforms and no platform "
               "evidence was given",
               id);
    }
}

static void check_simulation(struct las_policy_verdict *v, const struct las_policy *pol,
                             const struct las_policy_platform *pf)
{
    bool quote_sim = (v->quote.flags & LAS_QUOTE_FLAG_SIMULATED) != 0;
    bool evidence_sim = have_evidence(pf) && pf->simulated;
    const char *what = quote_sim && evidence_sim ? "the quote and the evidence come"
                       : quote_sim               ? "the quote comes"
                                                 : "the evidence comes";
    if (!quote_sim && !evidence_sim)
        record(v, "simulation", LAS_CHECK_PASS, LAS_OK,
               have_evidence(pf) ? "neither the quote nor the evidence is simulated"
                                 : "the quote is not simulated");
    else if (pol->tolerate & LAS_TOLERATE_SIMULATION)
        record(v, "simulation", LAS_CHECK_PASS, LAS_OK,
               "%s from a simulated platform; tolerated (simulation)", what);
    else
        record(v, "simulation", LAS_CHECK_FAIL, LAS_ERR_SIMULATED,
               "%s from a simulated platform (no security); not tolerated (add simulation to "
               "security.tolerate)",
               what);
}

static void check_debug(struct las_policy_verdict *v, const struct las_policy *pol)
{
    if ((v->quote.body.attributes.flags & LAS_SGX_FLAGS_DEBUG) == 0)
        record(v, "debug", LAS_CHECK_PASS, LAS_OK, "the enclave is not in debug mode");
    else if (pol->tolerate & LAS_TOLERATE_DEBUG_MODE)
        record(v, "debug", LAS_CHECK_PASS, LAS_OK,
               "the enclave is in debug mode; tolerated (debug-mode)");
    else
        record(v, "debug", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the enclave is in debug mode (the host can read its memory); not tolerated "
               "(add debug-mode to security.tolerate)");
}

static void check_identity(struct las_policy_verdict *v, const struct las_policy *pol)
{
    const struct las_sgx_report_body *b = &v->quote.body;
    char hex[2 * LAS_SGX_REPORT_DATA_SIZE + 1];

    las_hex_encode(b->mrenclave, 32, hex, 0);
    if (pol->n_mrenclaves == 0)
        record(v, "mrenclave", LAS_CHECK_SKIPPED, LAS_OK, "any MRENCLAVE (none listed)");
    else if (any_of(b->mrenclave, pol->mrenclaves, pol->n_mrenclaves))
        record(v, "mrenclave", LAS_CHECK_PASS, LAS_OK, "MRENCLAVE %s is listed", hex);
    else
        record(v, "mrenclave", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "MRENCLAVE %s is not among the %zu listed", hex, pol->n_mrenclaves);

    las_hex_encode(b->mrsigner, 32, hex, 0);
    if (!pol->has_mrsigner)
        record(v, "mrsigner", LAS_CHECK_SKIPPED, LAS_OK, "any MRSIGNER (not set)");
    else if (memcmp(b->mrsigner, pol->mrsigner, 32) == 0)
        record(v, "mrsigner", LAS_CHECK_PASS, LAS_OK, "MRSIGNER %s matches", hex);
    else
        record(v, "mrsigner", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "MRSIGNER %s is not the required one", hex);

    if (!pol->has_isvprodid)
        record(v, "isvprodid", LAS_CHECK_SKIPPED, LAS_OK, "any ISVPRODID (not set)");
    else if (b->isvprodid == pol->isvprodid)
        record(v, "isvprodid", LAS_CHECK_PASS, LAS_OK, "ISVPRODID %u matches", b->isvprodid);
    else
        record(v, "isvprodid", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "ISVPRODID %u is not the required %u", b->isvprodid, pol->isvprodid);

    if (!pol->has_isvsvn_min)
        record(v, "isvsvn_min", LAS_CHECK_SKIPPED, LAS_OK, "no minimum ISVSVN");
    else if (b->isvsvn >= pol->isvsvn_min)
        record(v, "isvsvn_min", LAS_CHECK_PASS, LAS_OK, "ISVSVN %u >= %u", b->isvsvn,
               pol->isvsvn_min);
    else
        record(v, "isvsvn_min", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "ISVSVN %u is below the minimum %u", b->isvsvn, pol->isvsvn_min);

    if (!pol->has_isvsvn_max)
        record(v, "isvsvn_max", LAS_CHECK_SKIPPED, LAS_OK, "no maximum ISVSVN");
    else if (b->isvsvn <= pol->isvsvn_max)
        record(v, "isvsvn_max", LAS_CHECK_PASS, LAS_OK, "ISVSVN %u <= %u", b->isvsvn,
               pol->isvsvn_max);
    else
        record(v, "isvsvn_max", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "ISVSVN %u is above the maximum %u", b->isvsvn, pol->isvsvn_max);

    las_hex_encode(b->report_data, 64, hex, 0);
    if (!pol->has_report_data)
        record(v, "report_data", LAS_CHECK_SKIPPED, LAS_OK, "any report data (not set)");
    else if (memcmp(b->report_data, pol->report_data, 64) == 0)
        record(v, "report_data", LAS_CHECK_PASS, LAS_OK, "report data matches");
    else
        record(v, "report_data", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "report data %s differs from the expected value", hex);
}

/* Both times are checked before subtracting: issued_at comes from the quote. */
static void check_max_age(struct las_policy_verdict *v, const struct las_policy *pol, uint64_t now)
{
    uint64_t issued = v->quote.issued_at;
    if (!pol->has_max_age)
        record(v, "max_age", LAS_CHECK_SKIPPED, LAS_OK, "no maximum age (quote issued at %llu)",
               (unsigned long long)issued);
    else if (issued > now && issued - now > LAS_POLICY_CLOCK_SKEW)
        record(v, "max_age", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the quote is issued %llu s in the future (issued at %llu, now %llu; at most %d s "
               "of clock skew are tolerated)",
               (unsigned long long)(issued - now), (unsigned long long)issued,
               (unsigned long long)now, LAS_POLICY_CLOCK_SKEW);
    else if (issued <= now && now - issued > pol->max_age)
        record(v, "max_age", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the quote is %llu s old, more than max_age %llu s",
               (unsigned long long)(now - issued), (unsigned long long)pol->max_age);
    else
        record(v, "max_age", LAS_CHECK_PASS, LAS_OK, "the quote is %llu s old (max_age %llu s)",
               (unsigned long long)(issued <= now ? now - issued : 0),
               (unsigned long long)pol->max_age);
}

/*
 * TCB status and advisories come only from evidence verified with
 * collateral. Without them both rules are skipped: the platform was then
 * trusted through its pinned ID, whose evidence the policy author judged
 * when collecting it (a microcode update changes the platform ID).
 */
static void check_tcb(struct las_policy_verdict *v, const struct las_policy *pol,
                      const struct las_policy_platform *pf)
{
    char names[128], list[LAS_REASON_SIZE];
    if (!have_evidence(pf) || pf->tcb_status == LAS_TCB_UNKNOWN) {
        const char *why = have_evidence(pf) ? "the evidence was verified without collateral"
                                            : "no platform evidence given";
        record(v, "tcb", LAS_CHECK_SKIPPED, LAS_OK, "%s: TCB status not evaluated", why);
        record(v, "advisories", LAS_CHECK_SKIPPED, LAS_OK, "%s: advisories not evaluated", why);
        return;
    }
    enum las_tcb_status s = pf->tcb_status;
    uint32_t needs = tcb_needs(s);
    if (needs == 0) {
        record(v, "tcb", LAS_CHECK_PASS, LAS_OK, "TCB status UpToDate");
    } else if (needs == UINT32_MAX) {
        record(v, "tcb", LAS_CHECK_FAIL, LAS_ERR_REFUSED, "TCB status %s is never tolerated",
               las_tcb_status_name(s));
    } else if ((pol->tolerate & needs) != needs) {
        toleration_list(needs & ~pol->tolerate, names, sizeof names);
        record(v, "tcb", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "TCB status %s is not tolerated (needs security.tolerate: %s)",
               las_tcb_status_name(s), names);
    } else {
        toleration_list(needs, names, sizeof names);
        record(v, "tcb", LAS_CHECK_PASS, LAS_OK, "TCB status %s tolerated (%s)",
               las_tcb_status_name(s), names);
    }

    /* Advisories matter once the status is below UpToDate: each must be ignored by name. */
    size_t n_open = 0;
    list[0] = '\0';
    for (size_t i = 0; pf->advisories && i < pf->n_advisories; i++) {
        char id[LAS_DCAP_ADVISORY_SIZE];
        snprintf(id, sizeof id, "%.*s", LAS_DCAP_ADVISORY_SIZE - 1, pf->advisories[i]);
        if (ignored(pol, id))
            continue;
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", n_open ? ", " : "", id);
        n_open++;
    }
    if (s == LAS_TCB_UP_TO_DATE)
        record(v, "advisories", LAS_CHECK_PASS, LAS_OK,
               "TCB status UpToDate: %zu advisory(ies) listed, none apply", pf->n_advisories);
    else if (n_open > 0)
        record(v, "advisories", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "TCB status %s with advisories not in security.ignore_advisories: %s",
               las_tcb_status_name(s), list);
    else
        record(v, "advisories", LAS_CHECK_PASS, LAS_OK,
               "all %zu advisory(ies) of TCB status %s are ignored by the policy", pf->n_advisories,
               las_tcb_status_name(s));
}

static const char *const rule_order[] = {
    "signature", "evidence",   "platform",   "simulation",  "debug",   "mrenclave", "mrsigner",
    "isvprodid", "isvsvn_min", "isvsvn_max", "report_data", "max_age", "tcb",       "advisories",
};

las_status las_policy_evaluate(const struct las_policy *pol, const uint8_t *buf, size_t len,
                               const struct las_policy_platform *pf, int64_t now,
                               struct las_policy_verdict *v)
{
    if (v == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    memset(v, 0, sizeof *v);
    v->evaluated_at = now;
    if (pol == NULL || (buf == NULL && len > 0) || now < 0 ||
        (pf && pf->present && pf->n_advisories > 0 && pf->advisories == NULL)) {
        v->status = LAS_ERR_INVALID_ARGUMENT;
        return v->status;
    }
    v->status = LAS_OK;

    check_signature(v, buf, len);
    if (!v->quote_valid) {
        memset(&v->quote, 0, sizeof v->quote);
        for (size_t i = 1; i < sizeof rule_order / sizeof rule_order[0]; i++)
            record(v, rule_order[i], LAS_CHECK_SKIPPED, LAS_OK,
                   "not evaluated: the quote is not a validly signed LAS quote");
        return v->status;
    }
    check_evidence(v, pf);
    check_platform(v, pol, pf);
    check_simulation(v, pol, pf);
    check_debug(v, pol);
    check_identity(v, pol);
    check_max_age(v, pol, (uint64_t)now);
    check_tcb(v, pol, pf);
    return v->status;
}
