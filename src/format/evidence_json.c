/* SPDX-License-Identifier: Apache-2.0 */
#include "format/evidence_json.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"

las_status las_json_get_hex(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
    const json_t *v = json_object_get(obj, key);
    memset(out, 0, n);
    if (!json_is_string(v))
        return LAS_ERR_MALFORMED;
    return las_hex_decode(json_string_value(v), out, n) == LAS_OK ? LAS_OK : LAS_ERR_MALFORMED;
}

las_status las_json_get_base64(const json_t *obj, const char *key, uint8_t *out, size_t cap,
                               size_t *len)
{
    const json_t *v = json_object_get(obj, key);
    *len = 0;
    if (!json_is_string(v))
        return LAS_ERR_MALFORMED;
    const char *text = json_string_value(v);
    size_t text_len = json_string_length(v);
    /* Reject before decoding what cannot fit: 4 characters per 3 bytes. */
    if (text_len / 4 * 3 > cap + 2)
        return LAS_ERR_BAD_SIZE;
    const char *end = NULL;
    if (sodium_base642bin(out, cap, text, text_len, NULL, len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text + text_len) {
        *len = 0;
        return LAS_ERR_MALFORMED;
    }
    return LAS_OK;
}

las_status las_json_get_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return LAS_ERR_MALFORMED;
    *out = (uint64_t)json_integer_value(v);
    return LAS_OK;
}

json_t *las_json_hex(const uint8_t *data, size_t n, int upper)
{
    char *text = malloc(2 * n + 1);
    if (text == NULL)
        return NULL;
    las_hex_encode(data, n, text, upper);
    json_t *s = json_string(text);
    free(text);
    return s;
}

json_t *las_json_base64(const uint8_t *data, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(cap);
    if (text == NULL)
        return NULL;
    sodium_bin2base64(text, cap, data, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *s = json_string(text);
    free(text);
    return s;
}

json_t *las_succession_to_json(const struct las_succession *s)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    if (json_object_set_new(o, "old_platform_id", las_json_hex(s->old_id, 32, 1)) != 0 ||
        json_object_set_new(o, "old_cpusvn", las_json_hex(s->old_cpusvn, 16, 0)) != 0 ||
        json_object_set_new(o, "old_isvsvn", json_integer(s->old_isvsvn)) != 0 ||
        json_object_set_new(o, "new_platform_id", las_json_hex(s->new_id, 32, 1)) != 0 ||
        json_object_set_new(o, "new_cpusvn", las_json_hex(s->new_cpusvn, 16, 0)) != 0 ||
        json_object_set_new(o, "new_isvsvn", json_integer(s->new_isvsvn)) != 0 ||
        json_object_set_new(o, "issued_at", json_integer((json_int_t)s->issued_at)) != 0 ||
        json_object_set_new(o, "old_signature", las_json_base64(s->old_signature, 64)) != 0 ||
        json_object_set_new(o, "new_signature", las_json_base64(s->new_signature, 64)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

las_status las_succession_from_json(const json_t *obj, struct las_succession *s)
{
    uint64_t old_svn, new_svn, at;
    size_t l1 = 0, l2 = 0;
    memset(s, 0, sizeof *s);
    if (!json_is_object(obj))
        return LAS_ERR_MALFORMED;
    las_status st = LAS_OK;
    if (las_json_get_hex(obj, "old_platform_id", s->old_id, 32) != LAS_OK ||
        las_json_get_hex(obj, "old_cpusvn", s->old_cpusvn, 16) != LAS_OK ||
        las_json_get_uint(obj, "old_isvsvn", 65535, &old_svn) != LAS_OK ||
        las_json_get_hex(obj, "new_platform_id", s->new_id, 32) != LAS_OK ||
        las_json_get_hex(obj, "new_cpusvn", s->new_cpusvn, 16) != LAS_OK ||
        las_json_get_uint(obj, "new_isvsvn", 65535, &new_svn) != LAS_OK ||
        las_json_get_uint(obj, "issued_at", (uint64_t)INT64_MAX, &at) != LAS_OK ||
        las_json_get_base64(obj, "old_signature", s->old_signature, 64, &l1) != LAS_OK ||
        las_json_get_base64(obj, "new_signature", s->new_signature, 64, &l2) != LAS_OK ||
        l1 != 64 || l2 != 64)
        st = LAS_ERR_MALFORMED;
    if (st != LAS_OK) {
        memset(s, 0, sizeof *s);
        return st;
    }
    s->old_isvsvn = (uint16_t)old_svn;
    s->new_isvsvn = (uint16_t)new_svn;
    s->issued_at = at;
    return LAS_OK;
}
