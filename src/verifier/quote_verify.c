/* SPDX-License-Identifier: Apache-2.0 */
/*
 * las_quote_verify, the one verifier of LAS quotes: every rule of
 * docs/verifier.md, in its order, each recorded with its outcome so that the
 * verdict explains itself. The CLI's flags and YAML policies both arrive
 * here as a struct las_policy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/hex.h"
#include "common/reason.h"
#include "las/verifier.h"
#include "verifier/las_pin.h"

/* The rules, in evaluation order: the one table of names (docs/verifier.md). */
static const char *const rule_order[] = {
    "signature",   "evidence", "platform",  "simulation", "debug",
    "mrenclave",   "mrsigner", "isvprodid", "isvsvn_min", "isvsvn_max",
    "report_data", "nonce",    "max_age",   "tcb",        "advisories",
};
_Static_assert(sizeof rule_order / sizeof rule_order[0] <= LAS_VERIFY_MAX_CHECKS, "rule table");

/* What the evaluation works from. */
struct eval {
    const struct las_policy *pol;
    const struct las_verify_args *args;
    const struct las_evidence_result *ev; /* usable evidence of this quote's platform, or NULL */
    struct las_verdict *v;
};

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

/* Adds a check; the first failure decides the verdict (las_refuse's contract). */
__attribute__((format(printf, 5, 6))) static void record(struct las_verdict *v, const char *name,
                                                         enum las_check_outcome outcome,
                                                         las_status fail_status, const char *fmt,
                                                         ...)
{
    va_list ap;
    if (v->n_checks == LAS_VERIFY_MAX_CHECKS)
        return; /* cannot happen: the rule table is shorter */
    struct las_check *c = &v->checks[v->n_checks++];
    c->name = name;
    c->outcome = outcome;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    if (outcome == LAS_CHECK_FAIL && v->check == NULL)
        (void)las_refuse(v, fail_status, name, "%s", c->reason);
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

static void check_signature(struct las_verdict *v, const uint8_t *buf, size_t len)
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

/* Decides whether the evidence given (if any) is usable for this quote. */
static void check_evidence(struct eval *e)
{
    const struct las_evidence_result *ev = e->args->evidence;
    char want[LAS_PLATFORM_ID_HEX_SIZE], got[LAS_PLATFORM_ID_HEX_SIZE], why[LAS_REASON_SIZE];
    if (ev == NULL) {
        record(e->v, "evidence", LAS_CHECK_SKIPPED, LAS_OK, "no platform evidence given");
        return;
    }
    if (!ev->verified || ev->status != LAS_OK) {
        record(e->v, "evidence", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the platform evidence was refused: %s: %s", ev->check ? ev->check : "error",
               ev->check ? ev->reason : "it was not verified");
        return;
    }
    las_platform_id_format(e->v->quote.platform_id, want);
    if (memcmp(ev->platform_id, e->v->quote.platform_id, LAS_PLATFORM_ID_SIZE) != 0) {
        las_platform_id_format(ev->platform_id, got);
        record(e->v, "evidence", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the evidence is for platform %s, the quote comes from platform %s", got, want);
        return;
    }
    /* The caller may have verified the evidence under options of its own: the policy's
     * LAS pins are applied again. */
    struct las_evidence_options pins;
    las_policy_evidence_options(e->pol, &pins);
    if (!las_evidence_las_pinned(&pins, ev->simulated, &ev->las, why, sizeof why)) {
        record(e->v, "evidence", LAS_CHECK_FAIL, LAS_ERR_REFUSED, "%s", why);
        return;
    }
    e->ev = ev;
    record(e->v, "evidence", LAS_CHECK_PASS, LAS_OK, "the evidence binds platform ID %s", want);
}

/*
 * A succession chain in the evidence from a pinned ID to the quote's
 * platform: the chain is verified and ends at the evidence's platform ID
 * (las_evidence_verify), so any statement whose old ID is pinned links it.
 * The earliest such statement is reported.
 */
static bool find_predecessor(const struct eval *e, size_t *from)
{
    if (e->ev == NULL || !e->pol->follow_successions)
        return false;
    for (size_t i = 0; i < e->ev->n_successions; i++) {
        if (any_of(e->ev->successions[i].old_id, e->pol->platforms, e->pol->n_platforms)) {
            *from = i;
            return true;
        }
    }
    return false;
}

/* Evidence that vouches on its own: anchored in a root this policy trusts. */
static bool root_anchored(const struct eval *e)
{
    if (e->ev == NULL)
        return false;
    if (!e->ev->simulated)
        return true; /* las_evidence_verify accepts hardware chains to Intel's root only */
    return any_of(e->ev->dcap.root_pin, e->pol->sim_roots, e->pol->n_sim_roots);
}

static void accept_successor(struct eval *e, size_t from, const char *id)
{
    struct las_verdict *v = e->v;
    char old[LAS_PLATFORM_ID_HEX_SIZE];
    v->successor = true;
    memcpy(v->predecessor, e->ev->successions[from].old_id, LAS_PLATFORM_ID_SIZE);
    v->succession_steps = e->ev->n_successions - from;
    las_platform_id_format(v->predecessor, old);
    record(v, "platform", LAS_CHECK_PASS, LAS_OK,
           "platform ID %s is accepted as the successor of pinned platform ID %s (%zu verified "
           "succession(s) in its evidence; follow_successions)",
           id, old, v->succession_steps);
}

/* Why an untrusted platform is refused, naming the anchors that would trust it. */
static void refuse_platform(struct eval *e, const char *id)
{
    const struct las_policy *pol = e->pol;
    if (pol->n_platforms > 0)
        record(e->v, "platform", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "platform ID %s is not among the %zu pinned platform(s)%s", id, pol->n_platforms,
               pol->follow_successions && e->ev
                   ? ", and its evidence carries no succession from one of them"
                   : "");
    else if (e->args->evidence && e->ev == NULL)
        record(e->v, "platform", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "platform ID %s is not trusted: its evidence is not usable (rule evidence) and "
               "nothing pins it (--platform ID, or platforms in a --policy file)",
               id);
    else if (e->ev)
        record(e->v, "platform", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "platform ID %s is vouched for only by simulated evidence whose root CA is not "
               "pinned: pin the root (--sim-root, evidence.sim_roots) or the platform (--platform, "
               "platforms)",
               id);
    else
        record(e->v, "platform", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "platform ID %s is not trusted: no trust anchor was given; pin the platform "
               "(--platform ID, or platforms in a --policy file) or give its platform evidence "
               "(--evidence FILE)",
               id);
}

/*
 * Something must say that the platform key belongs to a genuine LAS: a
 * pinned ID (the policy author checked its evidence when collecting it), a
 * verified succession from one, or, when the policy pins none, evidence
 * given now and anchored in a root the policy trusts. Without any, anyone
 * with an Ed25519 key could produce an acceptable quote. Tolerating
 * simulation changes nothing here.
 */
static void check_platform(struct eval *e)
{
    const struct las_policy *pol = e->pol;
    char id[LAS_PLATFORM_ID_HEX_SIZE];
    size_t from = 0;
    las_platform_id_format(e->v->quote.platform_id, id);
    if (any_of(e->v->quote.platform_id, pol->platforms, pol->n_platforms))
        record(e->v, "platform", LAS_CHECK_PASS, LAS_OK, "platform ID %s is pinned", id);
    else if (find_predecessor(e, &from))
        accept_successor(e, from, id);
    else if (pol->n_platforms == 0 && root_anchored(e))
        record(e->v, "platform", LAS_CHECK_PASS, LAS_OK,
               "no platforms pinned; platform ID %s is vouched for by its evidence (%s)", id,
               e->ev->simulated ? "a pinned simulated root CA" : "Intel SGX root CA");
    else
        refuse_platform(e, id);
}

static void check_simulation(struct eval *e)
{
    struct las_verdict *v = e->v;
    const struct las_evidence_result *given = e->args->evidence;
    bool quote_sim = (v->quote.flags & LAS_QUOTE_FLAG_SIMULATED) != 0;
    bool evidence_sim = given != NULL && given->verified && given->simulated;
    const char *what = quote_sim && evidence_sim ? "the quote and the evidence come"
                       : quote_sim               ? "the quote comes"
                                                 : "the evidence comes";
    if (!quote_sim && !evidence_sim)
        record(v, "simulation", LAS_CHECK_PASS, LAS_OK,
               given ? "neither the quote nor the evidence is simulated"
                     : "the quote is not simulated");
    else if (e->pol->tolerate & LAS_TOLERATE_SIMULATION)
        record(v, "simulation", LAS_CHECK_PASS, LAS_OK,
               "%s from a simulated platform; tolerated (simulation)", what);
    else
        record(v, "simulation", LAS_CHECK_FAIL, LAS_ERR_SIMULATED,
               "%s from a simulated platform (no security); not tolerated (add simulation to "
               "security.tolerate, or --allow-simulation)",
               what);
}

static void check_debug(struct las_verdict *v, const struct las_policy *pol)
{
    if ((v->quote.body.attributes.flags & LAS_SGX_FLAGS_DEBUG) == 0)
        record(v, "debug", LAS_CHECK_PASS, LAS_OK, "the enclave is not in debug mode");
    else if (pol->tolerate & LAS_TOLERATE_DEBUG_MODE)
        record(v, "debug", LAS_CHECK_PASS, LAS_OK,
               "the enclave is in debug mode; tolerated (debug-mode)");
    else
        record(v, "debug", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the enclave is in debug mode (the host can read its memory); not tolerated "
               "(add debug-mode to security.tolerate, or --allow-debug)");
}

static void check_measurements(struct las_verdict *v, const struct las_policy *pol)
{
    const struct las_sgx_report_body *b = &v->quote.body;
    char hex[2 * LAS_SGX_HASH_SIZE + 1];

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
}

static void check_product(struct las_verdict *v, const struct las_policy *pol)
{
    const struct las_sgx_report_body *b = &v->quote.body;
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
}

static void check_report_data(struct las_verdict *v, const struct las_policy *pol)
{
    char hex[2 * LAS_SGX_REPORT_DATA_SIZE + 1];
    las_hex_encode(v->quote.body.report_data, 64, hex, 0);
    if (!pol->has_report_data)
        record(v, "report_data", LAS_CHECK_SKIPPED, LAS_OK, "any report data (not set)");
    else if (memcmp(v->quote.body.report_data, pol->report_data, 64) == 0)
        record(v, "report_data", LAS_CHECK_PASS, LAS_OK, "report data matches");
    else
        record(v, "report_data", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "report data %s differs from the expected value", hex);
}

/* The verifier's nonce in the report data: what makes a quote fresh. */
static void check_nonce(struct eval *e)
{
    const uint8_t *rd = e->v->quote.body.report_data;
    const uint8_t *nonce = e->args->nonce;
    size_t n = e->args->nonce_len;
    bool exact = e->pol->nonce == LAS_NONCE_EXACT;
    static const uint8_t zeros[LAS_SGX_REPORT_DATA_SIZE];
    if (e->pol->nonce == LAS_NONCE_NONE) {
        record(e->v, "nonce", LAS_CHECK_SKIPPED, LAS_OK,
               nonce ? "not required by the policy (a nonce was given but is not checked)"
                     : "not required (freshness rests on max_age alone)");
        return;
    }
    if (nonce == NULL) {
        record(e->v, "nonce", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the policy requires a nonce chosen by the verifier (attestation.nonce: %s) and "
               "none was given (--nonce HEX)",
               exact ? "exact" : "prefix");
        return;
    }
    bool match = memcmp(rd, nonce, n) == 0 &&
                 (!exact || memcmp(rd + n, zeros, LAS_SGX_REPORT_DATA_SIZE - n) == 0);
    if (match)
        record(e->v, "nonce", LAS_CHECK_PASS, LAS_OK, "the report data %s the %zu-byte nonce",
               exact ? "is" : "starts with", n);
    else
        record(e->v, "nonce", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the report data does not %s the %zu-byte nonce (a replayed or foreign quote)",
               exact ? "equal" : "start with", n);
}

/*
 * Both times are checked before subtracting: issued_at comes from the quote.
 * A quote from the future is refused whatever max_age says.
 */
static void check_max_age(struct las_verdict *v, const struct las_policy *pol, uint64_t now)
{
    uint64_t issued = v->quote.issued_at;
    uint64_t max_age = pol->has_max_age ? pol->max_age : LAS_POLICY_DEFAULT_MAX_AGE;
    const char *whose = pol->has_max_age ? "" : ", the default";
    if (issued > now && issued - now > LAS_POLICY_CLOCK_SKEW)
        record(v, "max_age", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the quote is issued %llu s in the future (issued at %llu, now %llu; at most %d s "
               "of clock skew are tolerated)",
               (unsigned long long)(issued - now), (unsigned long long)issued,
               (unsigned long long)now, LAS_POLICY_CLOCK_SKEW);
    else if (issued <= now && now - issued > max_age)
        record(v, "max_age", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "the quote is %llu s old, more than max_age %llu s%s",
               (unsigned long long)(now - issued), (unsigned long long)max_age, whose);
    else
        record(v, "max_age", LAS_CHECK_PASS, LAS_OK, "the quote is %llu s old (max_age %llu s%s)",
               (unsigned long long)(issued <= now ? now - issued : 0), (unsigned long long)max_age,
               whose);
}

static void check_tcb_status(struct las_verdict *v, const struct las_policy *pol,
                             enum las_tcb_status s)
{
    char names[128];
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
}

/* Advisories matter once the status is below UpToDate: each must be ignored by name. */
static void check_advisories(struct las_verdict *v, const struct las_policy *pol,
                             const struct las_dcap_result *d)
{
    char list[LAS_REASON_SIZE];
    size_t n_open = 0;
    list[0] = '\0';
    for (size_t i = 0; i < d->n_advisories; i++) {
        char id[LAS_DCAP_ADVISORY_SIZE];
        snprintf(id, sizeof id, "%.*s", LAS_DCAP_ADVISORY_SIZE - 1, d->advisories[i]);
        if (ignored(pol, id))
            continue;
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", n_open ? ", " : "", id);
        n_open++;
    }
    const char *status = las_tcb_status_name(d->tcb_status);
    if (d->tcb_status == LAS_TCB_UP_TO_DATE)
        record(v, "advisories", LAS_CHECK_PASS, LAS_OK,
               "TCB status UpToDate: %zu advisory(ies) listed, none apply", d->n_advisories);
    else if (n_open > 0)
        record(v, "advisories", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "TCB status %s with advisories not in security.ignore_advisories: %s", status, list);
    else
        record(v, "advisories", LAS_CHECK_PASS, LAS_OK,
               "all %zu advisory(ies) of TCB status %s are ignored by the policy", d->n_advisories,
               status);
}

/*
 * Hardware evidence verified without collateral: nothing says whether the
 * platform's PCK certificate is revoked or its TCB out of date. Accepted
 * only when the policy tolerates it by name, and then said.
 */
static void check_unknown_tcb(struct las_verdict *v, const struct las_policy *pol)
{
    if (pol->tolerate & LAS_TOLERATE_UNKNOWN_TCB)
        record(v, "tcb", LAS_CHECK_PASS, LAS_OK,
               "TCB status Unknown: the evidence was verified without collateral (revocation and "
               "TCB level unchecked); tolerated (unknown-tcb)");
    else
        record(v, "tcb", LAS_CHECK_FAIL, LAS_ERR_REFUSED,
               "TCB status Unknown: the evidence was verified without collateral (revocation and "
               "TCB level unchecked); supply collateral (--collateral FILE) or tolerate it "
               "(add unknown-tcb to security.tolerate, or --allow-unknown-tcb)");
    record(v, "advisories", LAS_CHECK_SKIPPED, LAS_OK,
           "TCB status Unknown: advisories not evaluated");
}

/*
 * TCB status and advisories come from the evidence's collateral. Without
 * evidence both rules are skipped: the platform was then trusted through
 * its pinned ID, whose evidence the policy author judged when collecting it
 * (a microcode update changes the platform ID). Simulated platforms have no
 * collateral: simulation is tolerated already.
 */
static void check_tcb(struct eval *e)
{
    const struct las_evidence_result *ev = e->ev;
    if (ev == NULL || (ev->simulated && ev->dcap.tcb_status == LAS_TCB_UNKNOWN)) {
        const char *why =
            ev ? "simulated evidence has no collateral" : "no usable platform evidence";
        record(e->v, "tcb", LAS_CHECK_SKIPPED, LAS_OK, "%s: TCB status not evaluated", why);
        record(e->v, "advisories", LAS_CHECK_SKIPPED, LAS_OK, "%s: advisories not evaluated", why);
        return;
    }
    if (ev->dcap.tcb_status == LAS_TCB_UNKNOWN) {
        check_unknown_tcb(e->v, e->pol);
        return;
    }
    check_tcb_status(e->v, e->pol, ev->dcap.tcb_status);
    check_advisories(e->v, e->pol, &ev->dcap);
}

static bool valid_arguments(const struct las_policy *pol, const uint8_t *buf, size_t len,
                            const struct las_verify_args *args)
{
    if (pol == NULL || pol->version != LAS_POLICY_VERSION || (buf == NULL && len > 0))
        return false;
    if (args->now < 0)
        return false;
    if (args->nonce != NULL && (args->nonce_len == 0 || args->nonce_len > LAS_NONCE_MAX))
        return false;
    return args->nonce != NULL || args->nonce_len == 0;
}

las_status las_quote_verify(const struct las_policy *pol, const uint8_t *buf, size_t len,
                            const struct las_verify_args *args_in, struct las_verdict *v)
{
    static const struct las_verify_args no_args;
    struct las_verify_args args = args_in ? *args_in : no_args;
    if (v == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    memset(v, 0, sizeof *v);
    if (args.now == 0)
        args.now = (int64_t)time(NULL);
    v->evaluated_at = args.now;
    if (!valid_arguments(pol, buf, len, &args))
        return las_refuse(v, LAS_ERR_INVALID_ARGUMENT, "arguments",
                          "no policy, a policy of another version, no quote, a negative time or a "
                          "nonce of 0 or more than %d bytes",
                          LAS_NONCE_MAX);
    v->status = LAS_OK;

    check_signature(v, buf, len);
    if (!v->quote_valid) {
        memset(&v->quote, 0, sizeof v->quote);
        for (size_t i = 1; i < sizeof rule_order / sizeof rule_order[0]; i++)
            record(v, rule_order[i], LAS_CHECK_SKIPPED, LAS_OK,
                   "not evaluated: the quote is not a validly signed LAS quote");
        return v->status;
    }
    struct eval e = {.pol = pol, .args = &args, .ev = NULL, .v = v};
    check_evidence(&e);
    check_platform(&e);
    check_simulation(&e);
    check_debug(v, pol);
    check_measurements(v, pol);
    check_product(v, pol);
    check_report_data(v, pol);
    check_nonce(&e);
    check_max_age(v, pol, (uint64_t)args.now);
    check_tcb(&e);
    return v->status;
}
