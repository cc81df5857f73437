/* SPDX-License-Identifier: Apache-2.0 */
#include "identity/platform_state.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/reason.h"
#include "format/evidence_json.h"

las_status las_platform_state_load(const struct las_dir *dir, struct las_platform_state *out,
                                   char *why, size_t why_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    uint64_t isvsvn;
    struct stat sb;
    bool missing = false;

    memset(out, 0, sizeof *out);
    las_status st = las_dir_read(dir, LAS_PLATFORM_STATE_FILE, LAS_PLATFORM_STATE_MAX, &buf, &len,
                                 &sb, &missing, why, why_len);
    if (st == LAS_ERR_BAD_SIZE)
        return las_fail(LAS_ERR_STATE, why, why_len, "%s/%s is corrupt: larger than %d bytes",
                        dir->path, LAS_PLATFORM_STATE_FILE, LAS_PLATFORM_STATE_MAX);
    if (st != LAS_OK || missing) /* missing: the first run */
        return st;
    doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *list = json_object_get(doc, "successions");
    if (!json_is_object(doc) ||
        las_json_get_hex(doc, "platform_id", out->platform_id, 32) != LAS_OK ||
        las_json_get_hex(doc, "cpusvn", out->cpusvn, 16) != LAS_OK ||
        las_json_get_uint(doc, "isvsvn", 65535, &isvsvn) != LAS_OK || !json_is_array(list) ||
        json_array_size(list) > LAS_EVIDENCE_MAX_SUCCESSIONS) {
        st = LAS_ERR_STATE;
        goto corrupt;
    }
    out->isvsvn = (uint16_t)isvsvn;
    for (size_t i = 0; i < json_array_size(list); i++) {
        if (las_succession_from_json(json_array_get(list, i), &out->successions[i]) != LAS_OK ||
            las_succession_verify(&out->successions[i]) != LAS_OK) {
            st = LAS_ERR_STATE;
            goto corrupt;
        }
    }
    out->n_successions = json_array_size(list);
    out->present = true;
    st = LAS_OK;
    goto out;
corrupt:
    las_fail(st, why, why_len,
             "%s/%s is corrupt; it holds public data only (last platform ID, succession "
             "statements): fix it or remove it to start afresh",
             dir->path, LAS_PLATFORM_STATE_FILE);
    memset(out, 0, sizeof *out);
out:
    json_decref(doc);
    free(buf);
    return st;
}

las_status las_platform_state_store(const struct las_dir *dir,
                                    const struct las_platform_state *state, char *why,
                                    size_t why_len)
{
    las_status st = LAS_ERR_NO_MEMORY;
    json_t *list = json_array();
    json_t *doc = json_object();
    char *text = NULL;

    if (list == NULL || doc == NULL)
        goto fail_memory;
    for (size_t i = 0; i < state->n_successions; i++) {
        if (json_array_append_new(list, las_succession_to_json(&state->successions[i])) != 0)
            goto fail_memory;
    }
    if (json_object_set_new(doc, "platform_id", las_json_hex(state->platform_id, 32, 1)) != 0 ||
        json_object_set_new(doc, "cpusvn", las_json_hex(state->cpusvn, 16, 0)) != 0 ||
        json_object_set_new(doc, "isvsvn", json_integer(state->isvsvn)) != 0 ||
        json_object_set(doc, "successions", list) != 0)
        goto fail_memory;
    text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL)
        goto fail_memory;
    st = las_dir_write_atomic(dir, LAS_PLATFORM_STATE_FILE, text, strlen(text), 0644, false, why,
                              why_len);
    goto out;
fail_memory:
    snprintf(why, why_len, "out of memory");
out:
    free(text);
    json_decref(list);
    json_decref(doc);
    return st;
}

las_status las_succession_sign(const struct las_platform_key *old_key,
                               const struct las_platform_key *new_key, uint64_t issued_at,
                               struct las_succession *out)
{
    uint8_t msg[LAS_SUCCESSION_MESSAGE_SIZE];
    memset(out, 0, sizeof *out);
    memcpy(out->old_id, old_key->public_key, 32);
    memcpy(out->old_cpusvn, old_key->cpusvn, 16);
    out->old_isvsvn = old_key->isvsvn;
    memcpy(out->new_id, new_key->public_key, 32);
    memcpy(out->new_cpusvn, new_key->cpusvn, 16);
    out->new_isvsvn = new_key->isvsvn;
    out->issued_at = issued_at;
    las_succession_message(out, msg);
    if (crypto_sign_detached(out->old_signature, NULL, msg, sizeof msg, old_key->secret_key) != 0 ||
        crypto_sign_detached(out->new_signature, NULL, msg, sizeof msg, new_key->secret_key) != 0) {
        memset(out, 0, sizeof *out);
        return LAS_ERR_CRYPTO;
    }
    return LAS_OK;
}

/* Appends s, dropping the oldest statement when the list is full. */
static void append_succession(struct las_platform_state *state, const struct las_succession *s)
{
    if (state->n_successions == LAS_EVIDENCE_MAX_SUCCESSIONS) {
        memmove(&state->successions[0], &state->successions[1],
                (LAS_EVIDENCE_MAX_SUCCESSIONS - 1) * sizeof state->successions[0]);
        state->n_successions--;
    }
    state->successions[state->n_successions++] = *s;
}

las_status las_platform_identity_update(struct las_backend *b, const struct las_platform_key *key,
                                        const struct las_dir *dir, struct las_platform_state *state,
                                        char *why, size_t why_len)
{
    char old_hex[65], new_hex[65], old_svn[33], new_svn[33];
    /* Only LAS's start-up writes platform.json: a temporary file is a killed start's. */
    (void)las_dir_remove_temporaries(dir, LAS_PLATFORM_STATE_FILE);
    las_status st = las_platform_state_load(dir, state, why, why_len);
    if (st != LAS_OK)
        return st;
    /*
     * Nothing changed: nothing is written, so LAS starts on a read-only
     * state directory or a full disk when it has nothing new to remember.
     */
    if (state->present && memcmp(state->platform_id, key->public_key, 32) == 0 &&
        memcmp(state->cpusvn, key->cpusvn, 16) == 0 && state->isvsvn == key->isvsvn)
        return LAS_OK;
    las_platform_id_format(key->public_key, new_hex);
    las_hex_encode(key->cpusvn, 16, new_svn, 0);

    if (state->present && memcmp(state->platform_id, key->public_key, 32) != 0) {
        las_platform_id_format(state->platform_id, old_hex);
        las_hex_encode(state->cpusvn, 16, old_svn, 0);
        bool svn_changed =
            memcmp(state->cpusvn, key->cpusvn, 16) != 0 || state->isvsvn != key->isvsvn;
        struct las_platform_key *old_key = sodium_malloc(sizeof *old_key);
        las_status derived = LAS_ERR_NO_MEMORY;
        if (old_key != NULL && svn_changed)
            derived = las_platform_key_derive(b, state->cpusvn, state->isvsvn, old_key);
        if (derived == LAS_OK && memcmp(old_key->public_key, state->platform_id, 32) == 0) {
            struct las_succession s;
            st = las_succession_sign(old_key, key, (uint64_t)time(NULL), &s);
            if (st == LAS_OK) {
                append_succession(state, &s);
                las_warn("PLATFORM ID CHANGED: old platform ID %s -> new platform ID %s "
                         "(cpusvn %s -> %s, isvsvn %u -> %u); a succession statement signed by "
                         "both keys is published in the evidence: update policies that list "
                         "the old ID",
                         old_hex, new_hex, old_svn, new_svn, (unsigned)state->isvsvn,
                         (unsigned)key->isvsvn);
            }
        } else if (!svn_changed) {
            las_warn("PLATFORM ID CHANGED: %s -> %s with the same CPUSVN and ISVSVN: the "
                     "state directory belongs to another platform or LAS signer; no succession",
                     old_hex, new_hex);
        } else if (derived == LAS_ERR_SGX_INVALID_CPUSVN || derived == LAS_ERR_SGX_INVALID_ISVSVN) {
            las_warn("PLATFORM ID CHANGED: %s -> %s; the previous CPUSVN %s / ISVSVN %u is newer "
                     "than the current one (a downgrade), so its key cannot be derived and no "
                     "succession statement is published: update policies by hand",
                     old_hex, new_hex, old_svn, (unsigned)state->isvsvn);
        } else {
            las_warn("PLATFORM ID CHANGED: %s -> %s; the remembered ID does not match the key "
                     "derived for its SVNs (%s): no succession statement",
                     old_hex, new_hex, las_status_message(derived));
        }
        if (!(derived == LAS_OK && memcmp(old_key->public_key, state->platform_id, 32) == 0)) {
            /* The published chain must end at the current ID: it is broken here. */
            state->n_successions = 0;
        }
        if (old_key)
            sodium_free(old_key);
        if (st != LAS_OK) {
            snprintf(why, why_len, "cannot sign the succession statement");
            return st;
        }
    }
    memcpy(state->platform_id, key->public_key, 32);
    memcpy(state->cpusvn, key->cpusvn, 16);
    state->isvsvn = key->isvsvn;
    state->present = true;
    return las_platform_state_store(dir, state, why, why_len);
}

las_status las_evidence_build(struct las_backend *b, const struct las_platform_key *key,
                              const struct las_platform_state *state, const char *las_version,
                              char **json_out, size_t *len_out)
{
    uint8_t rd[64], body_wire[LAS_SGX_REPORT_BODY_SIZE];
    struct las_sgx_report_body body;
    size_t quote_len = 0;
    las_status st = LAS_ERR_NO_MEMORY;
    json_t *doc = NULL, *list = NULL, *las = NULL, *pkey = NULL;
    uint8_t *quote = malloc(LAS_DCAP_QUOTE_MAX);

    *json_out = NULL;
    *len_out = 0;
    if (quote == NULL)
        return LAS_ERR_NO_MEMORY;
    las_evidence_report_data(key->public_key, key->cpusvn, key->isvsvn, rd);
    st = b->ops->hardware_quote(b, rd, &body, quote, LAS_DCAP_QUOTE_MAX, &quote_len);
    if (st != LAS_OK)
        goto out;
    las_sgx_report_body_serialize(&body, body_wire);

    st = LAS_ERR_NO_MEMORY;
    doc = json_object();
    list = json_array();
    las = json_object();
    pkey = json_object();
    if (!doc || !list || !las || !pkey)
        goto out;
    for (size_t i = 0; state && i < state->n_successions; i++) {
        if (json_array_append_new(list, las_succession_to_json(&state->successions[i])) != 0)
            goto out;
    }
    if (json_object_set_new(pkey, "cpusvn", las_json_hex(key->cpusvn, 16, 0)) ||
        json_object_set_new(pkey, "isvsvn", json_integer(key->isvsvn)) ||
        json_object_set_new(las, "mrenclave", las_json_hex(body.mrenclave, 32, 0)) ||
        json_object_set_new(las, "mrsigner", las_json_hex(body.mrsigner, 32, 0)) ||
        json_object_set_new(las, "isvprodid", json_integer(body.isvprodid)) ||
        json_object_set_new(las, "isvsvn", json_integer(body.isvsvn)) ||
        json_object_set_new(las, "cpusvn", las_json_hex(body.cpusvn, 16, 0)) ||
        json_object_set_new(doc, "version", json_integer(LAS_EVIDENCE_VERSION)) ||
        json_object_set_new(doc, "platform_id", las_json_hex(key->public_key, 32, 1)) ||
        json_object_set_new(doc, "mode", json_string(b->name)) ||
        json_object_set_new(doc, "simulated", json_boolean(b->simulated)) ||
        json_object_set_new(doc, "las_version", json_string(las_version)) ||
        json_object_set(doc, "platform_key", pkey) || json_object_set(doc, "las", las) ||
        json_object_set_new(doc, "report_body", las_json_base64(body_wire, sizeof body_wire)) ||
        json_object_set_new(doc, "quote_format", json_string("dcap")) ||
        json_object_set_new(doc, "hardware_quote", las_json_base64(quote, quote_len)) ||
        json_object_set(doc, "successions", list))
        goto out;
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL)
        goto out;
    *len_out = strlen(text);
    *json_out = text;
    st = LAS_OK;
out:
    json_decref(doc);
    json_decref(list);
    json_decref(las);
    json_decref(pkey);
    free(quote);
    return st;
}
