/* SPDX-License-Identifier: Apache-2.0 */
/* TCB info and QE identity parsing and the TCB status evaluation. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/reason.h"
#include "common/hex.h"
#include "common/rfc3339.h"
#include "dcap/collateral.h"

static const struct {
    enum las_tcb_status status;
    const char *name;
} tcb_names[] = {
    {LAS_TCB_UP_TO_DATE, "UpToDate"},
    {LAS_TCB_SW_HARDENING_NEEDED, "SWHardeningNeeded"},
    {LAS_TCB_CONFIGURATION_NEEDED, "ConfigurationNeeded"},
    {LAS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, "ConfigurationAndSWHardeningNeeded"},
    {LAS_TCB_OUT_OF_DATE, "OutOfDate"},
    {LAS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, "OutOfDateConfigurationNeeded"},
    {LAS_TCB_REVOKED, "Revoked"},
};

const char *las_tcb_status_name(enum las_tcb_status s)
{
    for (size_t i = 0; i < sizeof tcb_names / sizeof tcb_names[0]; i++) {
        if (tcb_names[i].status == s)
            return tcb_names[i].name;
    }
    return "Unknown";
}

enum las_tcb_status las_tcb_status_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof tcb_names / sizeof tcb_names[0]; i++) {
        if (strcmp(tcb_names[i].name, s) == 0)
            return tcb_names[i].status;
    }
    return LAS_TCB_UNKNOWN;
}

/* ---- JSON field helpers (each returns 1 on success) ----------------------- */

static int get_int(json_t *o, const char *key, json_int_t max, json_int_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return 0;
    *out = json_integer_value(v);
    return *out >= 0 && *out <= max;
}

static int get_hex(json_t *o, const char *key, uint8_t *out, size_t n)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && las_hex_decode(s, out, n) == LAS_OK;
}

static int get_time(json_t *o, const char *key, int64_t *out)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && las_rfc3339_parse(s, out) == LAS_OK;
}

static int get_status(json_t *o, enum las_tcb_status *out)
{
    *out = las_tcb_status_parse(json_string_value(json_object_get(o, "tcbStatus")));
    return *out != LAS_TCB_UNKNOWN;
}

static int get_advisories(json_t *o, struct las_tcb_advisories *adv)
{
    json_t *a = json_object_get(o, "advisoryIDs"), *v;
    size_t i;
    adv->n = 0;
    if (a == NULL)
        return 1;
    if (!json_is_array(a) || json_array_size(a) > LAS_TCB_MAX_LEVEL_ADVISORY)
        return 0;
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);
        if (s == NULL || strlen(s) == 0 || strlen(s) >= LAS_DCAP_ADVISORY_SIZE)
            return 0;
        snprintf(adv->ids[adv->n++], LAS_DCAP_ADVISORY_SIZE, "%s", s);
    }
    return 1;
}

static json_t *load_object(const uint8_t *buf, size_t len)
{
    json_error_t err;
    json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
    if (root && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- TCB info ------------------------------------------------------------ */

static int tcb_level_parse(json_t *lv, int version, struct las_tcb_level *out)
{
    json_t *tcb = json_object_get(lv, "tcb");
    json_int_t n = 0;
    if (!json_is_object(tcb))
        return 0;
    if (version == 3) {
        json_t *comps = json_object_get(tcb, "sgxtcbcomponents");
        if (!json_is_array(comps) || json_array_size(comps) != LAS_SGX_TCB_COMPONENTS)
            return 0;
        for (size_t k = 0; k < LAS_SGX_TCB_COMPONENTS; k++) {
            json_t *c = json_array_get(comps, k);
            if (!json_is_object(c) || !get_int(c, "svn", 255, &n))
                return 0;
            out->comp_svn[k] = (uint8_t)n;
        }
    } else {
        for (size_t k = 0; k < LAS_SGX_TCB_COMPONENTS; k++) {
            char key[32];
            snprintf(key, sizeof key, "sgxtcbcomp%02zusvn", k + 1);
            if (!get_int(tcb, key, 255, &n))
                return 0;
            out->comp_svn[k] = (uint8_t)n;
        }
    }
    if (!get_int(tcb, "pcesvn", 65535, &n))
        return 0;
    out->pcesvn = (uint16_t)n;
    return get_status(lv, &out->status) && get_advisories(lv, &out->adv);
}

las_status las_tcb_info_parse(const uint8_t *buf, size_t len, struct las_tcb_info *out,
                              char *reason, size_t reason_size)
{
    json_t *root = load_object(buf, len), *levels, *lv;
    json_int_t version = 0, tcb_type = 0;
    const char *id;
    size_t i;
    las_status st = LAS_ERR_MALFORMED;

    memset(out, 0, sizeof *out);
    if (root == NULL) {
        las_fail(st, reason, reason_size, "TCB info is not a JSON object");
        goto out;
    }
    if (!get_int(root, "version", 100, &version) || (version != 2 && version != 3)) {
        st = las_fail(LAS_ERR_UNSUPPORTED, reason, reason_size,
                      "TCB info version is not supported (2 and 3 are)");
        goto out;
    }
    out->version = (int)version;
    id = json_string_value(json_object_get(root, "id"));
    if ((version == 3 && id == NULL) || (id && strcmp(id, "SGX") != 0)) {
        st = las_fail(LAS_ERR_UNSUPPORTED, reason, reason_size,
                      "TCB info id \"%s\" is not supported (only \"SGX\")", id ? id : "");
        goto out;
    }
    if (json_object_get(root, "tcbType") &&
        (!get_int(root, "tcbType", 100, &tcb_type) || tcb_type != 0)) {
        st = las_fail(LAS_ERR_UNSUPPORTED, reason, reason_size, "TCB info tcbType is not 0");
        goto out;
    }
    if (!get_time(root, "issueDate", &out->issue_date) ||
        !get_time(root, "nextUpdate", &out->next_update)) {
        las_fail(st, reason, reason_size, "TCB info issueDate/nextUpdate are not RFC 3339 times");
        goto out;
    }
    if (!get_hex(root, "fmspc", out->fmspc, sizeof out->fmspc) ||
        !get_hex(root, "pceId", out->pceid, sizeof out->pceid)) {
        las_fail(st, reason, reason_size, "TCB info fmspc/pceId are not 6/2 bytes of hex");
        goto out;
    }
    levels = json_object_get(root, "tcbLevels");
    if (!json_is_array(levels) || json_array_size(levels) == 0 ||
        json_array_size(levels) > LAS_TCB_MAX_LEVELS) {
        las_fail(st, reason, reason_size, "TCB info needs 1 to %d tcbLevels", LAS_TCB_MAX_LEVELS);
        goto out;
    }
    json_array_foreach(levels, i, lv)
    {
        if (!json_is_object(lv) || !tcb_level_parse(lv, out->version, &out->levels[i])) {
            las_fail(st, reason, reason_size, "TCB info tcbLevels[%zu] is malformed", i);
            goto out;
        }
    }
    out->n_levels = json_array_size(levels);
    st = LAS_OK;
out:
    json_decref(root);
    if (st != LAS_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* ---- QE identity ----------------------------------------------------------- */

static int get_u32_hex(json_t *o, const char *key, uint32_t *out)
{
    uint8_t b[4];
    if (!get_hex(o, key, b, sizeof b))
        return 0;
    /* Written as a number, most significant digit first. */
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return 1;
}

las_status las_qe_identity_parse(const uint8_t *buf, size_t len, struct las_qe_identity *out,
                                 char *reason, size_t reason_size)
{
    json_t *root = load_object(buf, len), *levels, *lv;
    json_int_t n = 0;
    const char *id;
    size_t i;
    las_status st = LAS_ERR_MALFORMED;

    memset(out, 0, sizeof *out);
    if (root == NULL) {
        las_fail(st, reason, reason_size, "QE identity is not a JSON object");
        goto out;
    }
    if (!get_int(root, "version", 100, &n) || n != 2) {
        st = las_fail(LAS_ERR_UNSUPPORTED, reason, reason_size,
                      "QE identity version is not supported (2 is)");
        goto out;
    }
    out->version = 2;
    id = json_string_value(json_object_get(root, "id"));
    if (id == NULL || strcmp(id, "QE") != 0) {
        st = las_fail(LAS_ERR_UNSUPPORTED, reason, reason_size,
                      "enclave identity id \"%s\" is not the quoting enclave's (\"QE\")",
                      id ? id : "");
        goto out;
    }
    if (!get_time(root, "issueDate", &out->issue_date) ||
        !get_time(root, "nextUpdate", &out->next_update)) {
        las_fail(st, reason, reason_size,
                 "QE identity issueDate/nextUpdate are not RFC 3339 times");
        goto out;
    }
    if (!get_u32_hex(root, "miscselect", &out->miscselect) ||
        !get_u32_hex(root, "miscselectMask", &out->miscselect_mask) ||
        !get_hex(root, "attributes", out->attributes, sizeof out->attributes) ||
        !get_hex(root, "attributesMask", out->attributes_mask, sizeof out->attributes_mask) ||
        !get_hex(root, "mrsigner", out->mrsigner, sizeof out->mrsigner) ||
        !get_int(root, "isvprodid", 65535, &n)) {
        las_fail(st, reason, reason_size,
                 "QE identity miscselect/attributes/mrsigner/isvprodid are missing or malformed");
        goto out;
    }
    out->isvprodid = (uint16_t)n;
    levels = json_object_get(root, "tcbLevels");
    if (!json_is_array(levels) || json_array_size(levels) == 0 ||
        json_array_size(levels) > LAS_TCB_MAX_LEVELS) {
        las_fail(st, reason, reason_size, "QE identity needs 1 to %d tcbLevels",
                 LAS_TCB_MAX_LEVELS);
        goto out;
    }
    json_array_foreach(levels, i, lv)
    {
        struct las_qe_tcb_level *l = &out->levels[i];
        json_t *tcb = json_object_get(lv, "tcb");
        if (!json_is_object(tcb) || !get_int(tcb, "isvsvn", 65535, &n) ||
            !get_status(lv, &l->status) || !get_advisories(lv, &l->adv)) {
            las_fail(st, reason, reason_size, "QE identity tcbLevels[%zu] is malformed", i);
            goto out;
        }
        l->isvsvn = (uint16_t)n;
    }
    out->n_levels = json_array_size(levels);
    st = LAS_OK;
out:
    json_decref(root);
    if (st != LAS_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* ---- evaluation ------------------------------------------------------------ */

static void add_advisories(struct las_dcap_result *res, const struct las_tcb_advisories *adv)
{
    for (size_t i = 0; i < adv->n; i++) {
        int dup = 0;
        for (size_t k = 0; k < res->n_advisories; k++)
            dup |= strcmp(res->advisories[k], adv->ids[i]) == 0;
        if (!dup && res->n_advisories < LAS_DCAP_MAX_ADVISORIES)
            snprintf(res->advisories[res->n_advisories++], LAS_DCAP_ADVISORY_SIZE, "%s",
                     adv->ids[i]);
    }
}

las_status las_tcb_evaluate(const struct las_tcb_info *tcb, const struct las_qe_identity *qe,
                            const struct las_pck_info *pck, uint16_t qe_isvsvn,
                            struct las_dcap_result *res)
{
    const struct las_tcb_level *plat = NULL;
    const struct las_qe_tcb_level *qel = NULL;
    enum las_tcb_status status;

    res->tcb_status = LAS_TCB_UNKNOWN;
    res->n_advisories = 0;
    /* Levels are ordered newest first: the first one the platform reaches. */
    for (size_t i = 0; i < tcb->n_levels && plat == NULL; i++) {
        const struct las_tcb_level *l = &tcb->levels[i];
        int ok = pck->pcesvn >= l->pcesvn;
        for (size_t k = 0; k < LAS_SGX_TCB_COMPONENTS; k++)
            ok &= pck->comp_svn[k] >= l->comp_svn[k];
        if (ok)
            plat = l;
    }
    if (plat == NULL) {
        res->check = "tcb_level";
        snprintf(res->reason, sizeof res->reason,
                 "the platform's TCB (PCK certificate SVNs, PCESVN %u) is below every TCB level "
                 "of the TCB info: TCB not supported",
                 pck->pcesvn);
        return LAS_ERR_REFUSED;
    }
    for (size_t i = 0; i < qe->n_levels && qel == NULL; i++) {
        if (qe->levels[i].isvsvn <= qe_isvsvn)
            qel = &qe->levels[i];
    }

    status = plat->status;
    if (qel == NULL || qel->status == LAS_TCB_REVOKED) {
        status = LAS_TCB_REVOKED;
    } else if (qel->status == LAS_TCB_OUT_OF_DATE) {
        /* An outdated QE makes a current platform outdated (Intel QvL's rule). */
        if (status == LAS_TCB_UP_TO_DATE || status == LAS_TCB_SW_HARDENING_NEEDED)
            status = LAS_TCB_OUT_OF_DATE;
        else if (status == LAS_TCB_CONFIGURATION_NEEDED ||
                 status == LAS_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            status = LAS_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    res->tcb_status = status;
    add_advisories(res, &plat->adv);
    if (qel)
        add_advisories(res, &qel->adv);
    if (status == LAS_TCB_REVOKED) {
        res->check = "tcb_status";
        snprintf(res->reason, sizeof res->reason, "%s",
                 plat->status == LAS_TCB_REVOKED
                     ? "the platform's TCB level is revoked"
                     : "the quoting enclave's ISVSVN is revoked (no QE identity TCB level)");
        return LAS_ERR_REFUSED;
    }
    return LAS_OK;
}
