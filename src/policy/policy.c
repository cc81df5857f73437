/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy documents: YAML read with libyaml's event API into a fixed struct.
 *
 * The grammar is small and fixed (docs/policy.md), so the parser walks the
 * event stream by recursive descent and refuses anything it does not know
 * at the event where it appears, naming that event's line and column. YAML
 * features a policy never needs (aliases, anchors, tags, several documents)
 * are refused too: they only make a security document harder to read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <yaml.h>

#include "common/file.h"
#include "las/policy.h"

/* Entries of security.tolerate (repeating one is harmless, but not without bound). */
#define MAX_TOLERATE_ENTRIES 16

struct parser {
    yaml_parser_t yaml;
    yaml_event_t ev; /* the current event, valid when have_ev */
    bool have_ev;
    struct las_policy *policy;
    struct las_policy_error *err;
    yaml_mark_t signer_mark; /* where attestation.signer was given */
    yaml_mark_t follow_mark; /* where follow_successions was given */
};

/* A key of one mapping: its name and the handler of its value. */
struct key_rule {
    const char *name;
    las_status (*parse)(struct parser *p, const yaml_mark_t *key);
};

__attribute__((format(printf, 3, 4))) static las_status
fail_at(struct parser *p, const yaml_mark_t *mark, const char *fmt, ...)
{
    va_list ap;
    if (p->err->message[0] != '\0')
        return LAS_ERR_MALFORMED; /* keep the first error */
    p->err->line = mark->line + 1;
    p->err->column = mark->column + 1;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return LAS_ERR_MALFORMED;
}

static las_status syntax_error(struct parser *p)
{
    const char *problem = p->yaml.problem ? p->yaml.problem : "unreadable YAML";
    if (p->yaml.error == YAML_MEMORY_ERROR) {
        snprintf(p->err->message, sizeof p->err->message, "out of memory while parsing");
        return LAS_ERR_NO_MEMORY;
    }
    if (p->yaml.context)
        return fail_at(p, &p->yaml.problem_mark, "YAML syntax error: %s %s", p->yaml.context,
                       problem);
    return fail_at(p, &p->yaml.problem_mark, "YAML syntax error: %s", problem);
}

/* Advances to the next event, refusing the YAML features policies do not use. */
LAS_MUST_CHECK static las_status next_event(struct parser *p)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (p->have_ev) {
        yaml_event_delete(&p->ev);
        p->have_ev = false;
    }
    if (!yaml_parser_parse(&p->yaml, &p->ev))
        return syntax_error(p);
    p->have_ev = true;
    switch (p->ev.type) {
    case YAML_ALIAS_EVENT:
        return fail_at(p, &p->ev.start_mark, "aliases (*name) are not allowed in a policy");
    case YAML_SCALAR_EVENT:
        anchor = p->ev.data.scalar.anchor;
        tag = p->ev.data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = p->ev.data.sequence_start.anchor;
        tag = p->ev.data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = p->ev.data.mapping_start.anchor;
        tag = p->ev.data.mapping_start.tag;
        break;
    default:
        break;
    }
    if (anchor)
        return fail_at(p, &p->ev.start_mark, "anchors (&name) are not allowed in a policy");
    if (tag)
        return fail_at(p, &p->ev.start_mark, "tags (!tag) are not allowed in a policy");
    return LAS_OK;
}

static bool is_null_scalar(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What the current event is, for "expected X, found Y" messages. */
static const char *found(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (is_null_scalar(ev))
            return "an empty value";
        return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "a scalar" : "a quoted string";
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    default:
        return "the end of a block";
    }
}

/*
 * The current event must be a non-empty scalar without NUL bytes; *value
 * points into the event (valid until the next event).
 */
LAS_MUST_CHECK static las_status expect_scalar(struct parser *p, const char *field,
                                               const char *want, const char **value)
{
    if (p->ev.type != YAML_SCALAR_EVENT || is_null_scalar(&p->ev))
        return fail_at(p, &p->ev.start_mark, "%s must be %s, found %s", field, want, found(&p->ev));
    *value = (const char *)p->ev.data.scalar.value;
    if (strlen(*value) != p->ev.data.scalar.length)
        return fail_at(p, &p->ev.start_mark, "%s contains a NUL character", field);
    return LAS_OK;
}

/*
 * Hex of an even number of digits, at most max bytes (exactly max when
 * exact), into out zero padded to max bytes. Either case, no prefix.
 */
LAS_MUST_CHECK static las_status parse_hex(struct parser *p, const char *field, uint8_t *out,
                                           size_t max, bool exact)
{
    const char *v = NULL;
    /* A quoted "" is accepted where padding applies: 64 zero bytes, as --report-data "". */
    las_status st = expect_scalar(p, field, "a hex string", &v);
    if (st != LAS_OK)
        return st;
    size_t n = strlen(v);
    if (exact && n != 2 * max)
        return fail_at(p, &p->ev.start_mark,
                       "%s must be exactly %zu hex digits (%zu bytes), found %zu characters", field,
                       2 * max, max, n);
    if (!exact && (n % 2 != 0 || n > 2 * max))
        return fail_at(p, &p->ev.start_mark,
                       "%s must be an even number of hex digits, at most %zu, found %zu characters",
                       field, 2 * max, n);
    memset(out, 0, max);
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_hex2bin(out, max, v, n, NULL, &bin_len, &end) != 0 || end != v + n) {
        /* It stopped at the pair that holds the first non-digit. */
        size_t i = (size_t)(end - v);
        if (i + 1 < n && v[i] != '\0' && strchr("0123456789abcdefABCDEF", v[i]) != NULL)
            i++;
        memset(out, 0, max);
        return fail_at(p, &p->ev.start_mark, "%s: '%c' at position %zu is not a hex digit", field,
                       (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?', i + 1);
    }
    return LAS_OK;
}

/* A plain decimal integer in [min, max]: no sign, no leading zeros, no quotes. */
LAS_MUST_CHECK static las_status parse_uint(struct parser *p, const char *field, uint64_t min,
                                            uint64_t max, uint64_t *out)
{
    const char *v = NULL;
    uint64_t n = 0;
    las_status st = expect_scalar(p, field, "a number", &v);
    if (st != LAS_OK)
        return st;
    if (p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return fail_at(p, &p->ev.start_mark, "%s must be a number, found a quoted string", field);
    for (const char *c = v; *c; c++) {
        if (*c < '0' || *c > '9')
            return fail_at(p, &p->ev.start_mark, "%s must be a decimal number, found '%.40s'",
                           field, v);
        if (n > (UINT64_MAX - 9) / 10)
            return fail_at(p, &p->ev.start_mark, "%s: %.40s is out of range [%llu, %llu]", field, v,
                           (unsigned long long)min, (unsigned long long)max);
        n = n * 10 + (uint64_t)(*c - '0');
    }
    if (v[0] == '0' && v[1] != '\0')
        return fail_at(p, &p->ev.start_mark,
                       "%s: leading zeros are not allowed (YAML may read them as octal)", field);
    if (n < min || n > max)
        return fail_at(p, &p->ev.start_mark, "%s: %llu is out of range [%llu, %llu]", field,
                       (unsigned long long)n, (unsigned long long)min, (unsigned long long)max);
    *out = n;
    return LAS_OK;
}

LAS_MUST_CHECK static las_status parse_u16(struct parser *p, const char *field, uint16_t *out)
{
    uint64_t v = 0;
    las_status st = parse_uint(p, field, 0, UINT16_MAX, &v);
    *out = (uint16_t)v;
    return st;
}

/*
 * Walks a list at the current event, calling item for each entry (with the
 * entry as current event); at most max entries, at least one.
 */
LAS_MUST_CHECK static las_status
parse_list(struct parser *p, const char *field, size_t max, bool allow_empty,
           las_status (*item)(struct parser *p, const char *field, size_t index))
{
    yaml_mark_t start = p->ev.start_mark;
    size_t n = 0;
    las_status st;
    if (p->ev.type != YAML_SEQUENCE_START_EVENT)
        return fail_at(p, &p->ev.start_mark, "%s must be a list, found %s", field, found(&p->ev));
    for (;;) {
        if ((st = next_event(p)) != LAS_OK)
            return st;
        if (p->ev.type == YAML_SEQUENCE_END_EVENT)
            break;
        if (n == max)
            return fail_at(p, &p->ev.start_mark, "%s: too many entries (at most %zu)", field, max);
        if ((st = item(p, field, n)) != LAS_OK)
            return st;
        n++;
    }
    if (n == 0 && !allow_empty)
        return fail_at(p, &start,
                       "%s must not be empty (leave the key out to leave it unconstrained)", field);
    return LAS_OK;
}

/*
 * Walks a mapping at the current event: every key must be one of rules[],
 * at most once; each handler is called with the value as current event.
 */
LAS_MUST_CHECK static las_status parse_mapping(struct parser *p, const char *where,
                                               const struct key_rule *rules, size_t n_rules)
{
    size_t first_line[16] = {0};
    las_status st;
    if (p->ev.type != YAML_MAPPING_START_EVENT)
        return fail_at(p, &p->ev.start_mark, "%s must be a mapping (key: value), found %s", where,
                       found(&p->ev));
    for (;;) {
        if ((st = next_event(p)) != LAS_OK)
            return st;
        if (p->ev.type == YAML_MAPPING_END_EVENT)
            return LAS_OK;
        if (p->ev.type != YAML_SCALAR_EVENT || is_null_scalar(&p->ev))
            return fail_at(p, &p->ev.start_mark, "keys in %s must be names, found %s", where,
                           found(&p->ev));
        const char *key = (const char *)p->ev.data.scalar.value;
        yaml_mark_t key_mark = p->ev.start_mark;
        size_t i = n_rules;
        if (strlen(key) == p->ev.data.scalar.length) { /* "name\0x" is no name */
            for (i = 0; i < n_rules; i++) {
                if (strcmp(key, rules[i].name) == 0)
                    break;
            }
        }
        if (i == n_rules) {
            char known[160] = "";
            for (size_t k = 0; k < n_rules; k++) {
                size_t used = strlen(known);
                snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", rules[k].name);
            }
            return fail_at(p, &key_mark, "unknown key '%.60s' in %s (known: %s)", key, where,
                           known);
        }
        if (first_line[i] != 0)
            return fail_at(p, &key_mark, "duplicate key '%s' in %s (first given on line %zu)",
                           rules[i].name, where, first_line[i]);
        first_line[i] = key_mark.line + 1;
        if ((st = next_event(p)) != LAS_OK)
            return st;
        if ((st = rules[i].parse(p, &key_mark)) != LAS_OK)
            return st;
    }
}

/* ---- leaves ---------------------------------------------------------- */

static las_status item_platform(struct parser *p, const char *field, size_t i)
{
    (void)field;
    las_status st = parse_hex(p, "platforms entry (a platform ID)", p->policy->platforms[i],
                              LAS_PLATFORM_ID_SIZE, true);
    if (st == LAS_OK)
        p->policy->n_platforms = i + 1;
    return st;
}

static las_status item_mrenclave(struct parser *p, const char *field, size_t i)
{
    (void)field;
    las_status st = parse_hex(p, "attestation.mrenclave entry", p->policy->mrenclaves[i],
                              LAS_SGX_HASH_SIZE, true);
    if (st == LAS_OK)
        p->policy->n_mrenclaves = i + 1;
    return st;
}

static const struct {
    const char *name;
    uint32_t bit;
} tolerations[] = {
    {"debug-mode", LAS_TOLERATE_DEBUG_MODE},
    {"simulation", LAS_TOLERATE_SIMULATION},
    {"outdated-tcb", LAS_TOLERATE_OUTDATED_TCB},
    {"software-hardening-needed", LAS_TOLERATE_SW_HARDENING_NEEDED},
    {"configuration-needed", LAS_TOLERATE_CONFIGURATION_NEEDED},
    {"unknown-tcb", LAS_TOLERATE_UNKNOWN_TCB},
};

const char *las_policy_toleration_name(uint32_t bit)
{
    for (size_t i = 0; i < sizeof tolerations / sizeof tolerations[0]; i++) {
        if (tolerations[i].bit == bit)
            return tolerations[i].name;
    }
    return NULL;
}

static las_status item_toleration(struct parser *p, const char *field, size_t i)
{
    const char *v = NULL;
    (void)i;
    las_status st = expect_scalar(p, field, "a toleration name", &v);
    if (st != LAS_OK)
        return st;
    for (size_t k = 0; k < sizeof tolerations / sizeof tolerations[0]; k++) {
        if (strcmp(v, tolerations[k].name) == 0) {
            p->policy->tolerate |= tolerations[k].bit;
            return LAS_OK;
        }
    }
    return fail_at(p, &p->ev.start_mark,
                   "unknown toleration '%.60s' (known: debug-mode, simulation, outdated-tcb, "
                   "software-hardening-needed, configuration-needed, unknown-tcb)",
                   v);
}

/* Intel security advisory IDs look like INTEL-SA-00334. */
static las_status item_advisory(struct parser *p, const char *field, size_t i)
{
    static const char prefix[] = "INTEL-SA-";
    const char *v = NULL;
    las_status st = expect_scalar(p, field, "an advisory ID", &v);
    if (st != LAS_OK)
        return st;
    size_t n = strlen(v), plen = sizeof prefix - 1;
    bool ok = n == plen + 5 && strncmp(v, prefix, plen) == 0;
    for (size_t k = plen; ok && k < n; k++)
        ok = v[k] >= '0' && v[k] <= '9';
    if (!ok)
        return fail_at(p, &p->ev.start_mark,
                       "%s: '%.60s' is not an Intel advisory ID (INTEL-SA- and five digits)", field,
                       v);
    memcpy(p->policy->ignore_advisories[i], v, n + 1);
    p->policy->n_ignore_advisories = i + 1;
    return LAS_OK;
}

static las_status key_version(struct parser *p, const yaml_mark_t *key)
{
    uint64_t v = 0;
    (void)key;
    if (p->ev.type == YAML_SCALAR_EVENT && p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        strcmp((const char *)p->ev.data.scalar.value, "1") != 0 && !is_null_scalar(&p->ev))
        return fail_at(p, &p->ev.start_mark,
                       "unsupported policy version '%.20s' (this LAS reads version 1)",
                       (const char *)p->ev.data.scalar.value);
    return parse_uint(p, "version", LAS_POLICY_VERSION, LAS_POLICY_VERSION, &v);
}

static las_status key_name(struct parser *p, const yaml_mark_t *key)
{
    const char *v = NULL;
    (void)key;
    las_status st = expect_scalar(p, "name", "a string", &v);
    if (st != LAS_OK)
        return st;
    size_t n = strlen(v);
    if (n >= LAS_POLICY_NAME_SIZE)
        return fail_at(p, &p->ev.start_mark, "name is too long (at most %d bytes)",
                       LAS_POLICY_NAME_SIZE - 1);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return fail_at(p, &p->ev.start_mark, "name must not contain control characters");
    }
    memcpy(p->policy->name, v, n + 1);
    return LAS_OK;
}

static las_status key_platforms(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    return parse_list(p, "platforms", LAS_POLICY_MAX_PLATFORMS, false, item_platform);
}

static las_status key_mrenclave(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    return parse_list(p, "attestation.mrenclave", LAS_POLICY_MAX_MRENCLAVES, false, item_mrenclave);
}

static las_status key_mrsigner(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_mrsigner = true;
    return parse_hex(p, "attestation.signer.mrsigner", p->policy->mrsigner, LAS_SGX_HASH_SIZE,
                     true);
}

static las_status key_isvprodid(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_isvprodid = true;
    return parse_u16(p, "attestation.signer.isvprodid", &p->policy->isvprodid);
}

static las_status key_isvsvn_min(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_isvsvn_min = true;
    return parse_u16(p, "attestation.signer.isvsvn_min", &p->policy->isvsvn_min);
}

static las_status key_isvsvn_max(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_isvsvn_max = true;
    return parse_u16(p, "attestation.signer.isvsvn_max", &p->policy->isvsvn_max);
}

static las_status key_signer(struct parser *p, const yaml_mark_t *key)
{
    static const struct key_rule rules[] = {
        {"mrsigner", key_mrsigner},
        {"isvprodid", key_isvprodid},
        {"isvsvn_min", key_isvsvn_min},
        {"isvsvn_max", key_isvsvn_max},
    };
    struct las_policy *pol = p->policy;
    p->signer_mark = *key;
    las_status st = parse_mapping(p, "attestation.signer", rules, sizeof rules / sizeof rules[0]);
    if (st != LAS_OK)
        return st;
    if (pol->has_isvsvn_min && pol->has_isvsvn_max && pol->isvsvn_min > pol->isvsvn_max)
        return fail_at(p, key, "attestation.signer: isvsvn_min %u is above isvsvn_max %u",
                       pol->isvsvn_min, pol->isvsvn_max);
    return LAS_OK;
}

static las_status key_report_data(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_report_data = true;
    return parse_hex(p, "attestation.report_data", p->policy->report_data, LAS_SGX_REPORT_DATA_SIZE,
                     false);
}

static las_status key_max_age(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_max_age = true;
    return parse_uint(p, "attestation.max_age", 1, LAS_POLICY_MAX_AGE_LIMIT, &p->policy->max_age);
}

static las_status key_nonce(struct parser *p, const yaml_mark_t *key)
{
    const char *v = NULL;
    (void)key;
    las_status st = expect_scalar(p, "attestation.nonce", "exact or prefix", &v);
    if (st != LAS_OK)
        return st;
    if (strcmp(v, "exact") == 0)
        p->policy->nonce = LAS_NONCE_EXACT;
    else if (strcmp(v, "prefix") == 0)
        p->policy->nonce = LAS_NONCE_PREFIX;
    else
        return fail_at(p, &p->ev.start_mark,
                       "attestation.nonce must be exact or prefix, found '%.40s'", v);
    return LAS_OK;
}

static las_status key_attestation(struct parser *p, const yaml_mark_t *key)
{
    static const struct key_rule rules[] = {
        {"mrenclave", key_mrenclave}, {"signer", key_signer},   {"report_data", key_report_data},
        {"nonce", key_nonce},         {"max_age", key_max_age},
    };
    (void)key;
    return parse_mapping(p, "attestation", rules, sizeof rules / sizeof rules[0]);
}

static las_status key_tolerate(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    return parse_list(p, "security.tolerate", MAX_TOLERATE_ENTRIES, true, item_toleration);
}

static las_status key_ignore_advisories(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    return parse_list(p, "security.ignore_advisories", LAS_POLICY_MAX_ADVISORIES, true,
                      item_advisory);
}

static las_status key_security(struct parser *p, const yaml_mark_t *key)
{
    static const struct key_rule rules[] = {
        {"tolerate", key_tolerate},
        {"ignore_advisories", key_ignore_advisories},
    };
    (void)key;
    return parse_mapping(p, "security", rules, sizeof rules / sizeof rules[0]);
}

static las_status key_follow_successions(struct parser *p, const yaml_mark_t *key)
{
    const char *v = NULL;
    p->follow_mark = *key;
    las_status st = expect_scalar(p, "follow_successions", "true or false", &v);
    if (st != LAS_OK)
        return st;
    if (p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(v, "true") == 0)
        p->policy->follow_successions = true;
    else if (p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(v, "false") == 0)
        p->policy->follow_successions = false;
    else
        return fail_at(p, &p->ev.start_mark, "follow_successions must be true or false, found %s",
                       found(&p->ev));
    return LAS_OK;
}

static las_status key_las_mrsigner(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_las_mrsigner = true;
    return parse_hex(p, "evidence.las_mrsigner", p->policy->las_mrsigner, LAS_SGX_HASH_SIZE, true);
}

static las_status key_las_mrenclave(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    p->policy->has_las_mrenclave = true;
    return parse_hex(p, "evidence.las_mrenclave", p->policy->las_mrenclave, LAS_SGX_HASH_SIZE,
                     true);
}

static las_status item_sim_root(struct parser *p, const char *field, size_t i)
{
    (void)field;
    las_status st = parse_hex(p, "evidence.sim_roots entry (a root CA pin)",
                              p->policy->sim_roots[i], LAS_DCAP_ROOT_PIN_SIZE, true);
    if (st == LAS_OK)
        p->policy->n_sim_roots = i + 1;
    return st;
}

static las_status key_sim_roots(struct parser *p, const yaml_mark_t *key)
{
    (void)key;
    return parse_list(p, "evidence.sim_roots", LAS_POLICY_MAX_SIM_ROOTS, false, item_sim_root);
}

static las_status key_evidence(struct parser *p, const yaml_mark_t *key)
{
    static const struct key_rule rules[] = {
        {"las_mrsigner", key_las_mrsigner},
        {"las_mrenclave", key_las_mrenclave},
        {"sim_roots", key_sim_roots},
    };
    (void)key;
    return parse_mapping(p, "evidence", rules, sizeof rules / sizeof rules[0]);
}

/* ---- document -------------------------------------------------------- */

LAS_MUST_CHECK static las_status parse_document(struct parser *p)
{
    static const struct key_rule rules[] = {
        {"version", key_version},         {"name", key_name},
        {"platforms", key_platforms},     {"follow_successions", key_follow_successions},
        {"attestation", key_attestation}, {"evidence", key_evidence},
        {"security", key_security},
    };
    las_status st;
    if ((st = next_event(p)) != LAS_OK) /* stream start */
        return st;
    if ((st = next_event(p)) != LAS_OK)
        return st;
    if (p->ev.type == YAML_STREAM_END_EVENT)
        return fail_at(p, &p->ev.start_mark, "empty policy: expected a mapping (key: value)");
    if ((st = next_event(p)) != LAS_OK) /* after document start */
        return st;
    if (p->ev.type != YAML_MAPPING_START_EVENT)
        return fail_at(p, &p->ev.start_mark, "a policy must be a mapping (key: value), found %s",
                       found(&p->ev));
    if ((st = parse_mapping(p, "the policy", rules, sizeof rules / sizeof rules[0])) != LAS_OK)
        return st;
    /* Any enclave author picks its own ISVPRODID and ISVSVN: alone they pin nothing. */
    const struct las_policy *pol = p->policy;
    if ((pol->has_isvprodid || pol->has_isvsvn_min || pol->has_isvsvn_max) && !pol->has_mrsigner &&
        pol->n_mrenclaves == 0)
        return fail_at(p, &p->signer_mark,
                       "attestation.signer: isvprodid, isvsvn_min and isvsvn_max need mrsigner "
                       "(or attestation.mrenclave): any enclave author can choose them");
    if (pol->follow_successions && pol->n_platforms == 0)
        return fail_at(p, &p->follow_mark,
                       "follow_successions needs platforms: it follows successions from the "
                       "pinned platform IDs");
    if ((st = next_event(p)) != LAS_OK) /* document end */
        return st;
    if ((st = next_event(p)) != LAS_OK)
        return st;
    if (p->ev.type != YAML_STREAM_END_EVENT)
        return fail_at(p, &p->ev.start_mark, "a policy file holds one YAML document only");
    return LAS_OK;
}

void las_policy_init(struct las_policy *policy)
{
    memset(policy, 0, sizeof *policy);
    policy->version = LAS_POLICY_VERSION;
}

void las_policy_evidence_options(const struct las_policy *pol, struct las_evidence_options *out)
{
    memset(out, 0, sizeof *out);
    out->allow_simulation = (pol->tolerate & LAS_TOLERATE_SIMULATION) != 0;
    out->allow_unknown_tcb = (pol->tolerate & LAS_TOLERATE_UNKNOWN_TCB) != 0;
    out->las_mrsigner = pol->has_las_mrsigner ? pol->las_mrsigner : NULL;
    out->las_mrenclave = pol->has_las_mrenclave ? pol->las_mrenclave : NULL;
    out->sim_roots = (const uint8_t(*)[LAS_DCAP_ROOT_PIN_SIZE])pol->sim_roots;
    out->n_sim_roots = pol->n_sim_roots;
    out->platforms = (const uint8_t(*)[LAS_PLATFORM_ID_SIZE])pol->platforms;
    out->n_platforms = pol->n_platforms;
    out->follow_successions = pol->follow_successions;
}

las_status las_policy_load(const uint8_t *buf, size_t len, struct las_policy *out,
                           struct las_policy_error *err)
{
    struct las_policy_error scratch;
    struct parser p;
    las_status st;

    if (err == NULL)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (out == NULL || (buf == NULL && len > 0))
        return LAS_ERR_INVALID_ARGUMENT;
    las_policy_init(out);
    if (len > LAS_POLICY_MAX_SIZE) {
        err->line = 1;
        err->column = 1;
        snprintf(err->message, sizeof err->message, "policy too large: %zu bytes (at most %d)", len,
                 LAS_POLICY_MAX_SIZE);
        return LAS_ERR_BAD_SIZE;
    }
    memset(&p, 0, sizeof p);
    p.policy = out;
    p.err = err;
    if (!yaml_parser_initialize(&p.yaml))
        return LAS_ERR_NO_MEMORY;
    yaml_parser_set_input_string(&p.yaml, buf ? buf : (const unsigned char *)"", len);
    out->version = LAS_POLICY_VERSION;
    st = parse_document(&p);
    if (p.have_ev)
        yaml_event_delete(&p.ev);
    yaml_parser_delete(&p.yaml);
    if (st != LAS_OK)
        memset(out, 0, sizeof *out);
    return st;
}

las_status las_policy_load_file(const char *path, struct las_policy *out,
                                struct las_policy_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    las_status st;
    if (err)
        memset(err, 0, sizeof *err);
    if (out)
        memset(out, 0, sizeof *out);
    if (path == NULL || out == NULL)
        return LAS_ERR_INVALID_ARGUMENT;
    st = las_file_read(path, LAS_POLICY_MAX_SIZE, &buf, &len);
    if (st == LAS_ERR_BAD_SIZE && err) {
        err->line = 1;
        err->column = 1;
        snprintf(err->message, sizeof err->message, "policy too large (at most %d bytes)",
                 LAS_POLICY_MAX_SIZE);
    }
    if (st != LAS_OK)
        return st == LAS_ERR_BAD_SIZE ? st : LAS_ERR_IO;
    st = las_policy_load(buf, len, out, err);
    free(buf);
    return st;
}
