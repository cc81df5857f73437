/* SPDX-License-Identifier: Apache-2.0 */
/* Output and trust-anchor options shared by the verifying commands. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/hex.h"
#include "las/dcap.h"
#include "las/quote.h"

/* Larger than any file of root certificates worth reading. */
#define SIM_ROOT_FILE_MAX (64 * 1024)

void las_cli_print_refusal(FILE *out, const char *prefix, const char *check, const char *reason)
{
    fprintf(out, "%sREFUSED (%s): %s\n", prefix ? prefix : "", check ? check : "error",
            reason ? reason : "");
}

const char *las_cli_tcb_text(enum las_tcb_status s, bool simulated)
{
    if (s != LAS_TCB_UNKNOWN)
        return las_tcb_status_name(s);
    return simulated ? "Unknown (simulated: no collateral exists)"
                     : "Unknown (no collateral; tolerated: revocation and TCB level unchecked)";
}

void las_cli_json_verdict(json_t *o, las_status st, const char *check, const char *reason)
{
    json_object_set_new(o, "verified", json_boolean(st == LAS_OK));
    if (st == LAS_OK)
        return;
    json_object_set_new(o, "check", json_string(check ? check : "error"));
    json_object_set_new(o, "code", json_string(las_status_name(st)));
    json_object_set_new(o, "reason", json_string(reason ? reason : ""));
}

void las_cli_print_quote(const struct las_quote *q)
{
    char id[LAS_PLATFORM_ID_HEX_SIZE], mre[65], mrs[65], rd[129];
    las_platform_id_format(q->platform_id, id);
    las_hex_encode(q->body.mrenclave, 32, mre, 0);
    las_hex_encode(q->body.mrsigner, 32, mrs, 0);
    las_hex_encode(q->body.report_data, 64, rd, 0);
    printf("platform_id: %s\nsimulated:   %s\nissued_at:   %" PRIu64 "\n"
           "mrenclave:   %s\nmrsigner:    %s\nisvprodid:   %u\nisvsvn:      %u\n"
           "debug:       %s\nreport_data: %s\n",
           id, (q->flags & LAS_QUOTE_FLAG_SIMULATED) ? "yes" : "no", q->issued_at, mre, mrs,
           q->body.isvprodid, q->body.isvsvn,
           (q->body.attributes.flags & LAS_SGX_FLAGS_DEBUG) ? "yes" : "no", rd);
}

/* A string jansson never produces from a quote field: \x01, a tag, digits, \x01. */
#define U64_MARK_OPEN  "\001u64:"
#define U64_MARK_CLOSE "\001"
#define U64_JSON_OPEN  "\"\\u0001u64:"
#define U64_JSON_CLOSE "\\u0001\""

json_t *las_cli_json_u64(uint64_t v)
{
    char text[48];
    if (v <= INT64_MAX)
        return json_integer((json_int_t)v);
    snprintf(text, sizeof text, U64_MARK_OPEN "%" PRIu64 U64_MARK_CLOSE, v);
    return json_string(text);
}

/* Replaces every marked string of las_cli_json_u64 by its digits, in place. */
static void unmark_u64(char *text)
{
    char *at;
    while ((at = strstr(text, U64_JSON_OPEN)) != NULL) {
        char *digits = at + strlen(U64_JSON_OPEN);
        char *end = strstr(digits, U64_JSON_CLOSE);
        if (end == NULL)
            return;
        size_t n = (size_t)(end - digits);
        memmove(at, digits, n);
        memmove(at + n, end + strlen(U64_JSON_CLOSE), strlen(end + strlen(U64_JSON_CLOSE)) + 1);
    }
}

void las_cli_print_json(json_t *o)
{
    char *text = json_dumps(o, JSON_INDENT(2));
    if (text) {
        unmark_u64(text);
        printf("%s\n", text);
    }
    free(text);
    json_decref(o);
}

json_t *las_cli_quote_json(const struct las_quote *q)
{
    char id[65], mre[65], mrs[65], rd[129], cpusvn[33];
    las_platform_id_format(q->platform_id, id);
    las_hex_encode(q->body.mrenclave, 32, mre, 0);
    las_hex_encode(q->body.mrsigner, 32, mrs, 0);
    las_hex_encode(q->body.report_data, 64, rd, 0);
    las_hex_encode(q->cpusvn, 16, cpusvn, 0);
    return json_pack("{s:s,s:b,s:o,s:s,s:i,s:s,s:s,s:i,s:i,s:b,s:s}", "platform_id", id,
                     "simulated", (q->flags & LAS_QUOTE_FLAG_SIMULATED) != 0, "issued_at",
                     las_cli_json_u64(q->issued_at), "platform_cpusvn", cpusvn, "platform_isvsvn",
                     (int)q->isvsvn, "mrenclave", mre, "mrsigner", mrs, "isvprodid",
                     (int)q->body.isvprodid, "isvsvn", (int)q->body.isvsvn, "debug",
                     (q->body.attributes.flags & LAS_SGX_FLAGS_DEBUG) != 0, "report_data", rd);
}

int las_cli_add_sim_roots(const char *cmd, const char *value, uint8_t (*pins)[32], size_t max,
                          size_t *n)
{
    uint8_t *pem = NULL;
    size_t len = 0, got = 0;
    if (*n == max)
        return las_cli_usage_error(cmd, "at most %zu --sim-root pins", max);
    if (strlen(value) == 2 * LAS_DCAP_ROOT_PIN_SIZE &&
        las_hex_decode(value, pins[*n], 32) == LAS_OK) {
        (*n)++;
        return LAS_EXIT_OK;
    }
    int rc = las_cli_read_input(cmd, "--sim-root file (PEM; or give 64 hex digits)", value,
                                SIM_ROOT_FILE_MAX, &pem, &len);
    if (rc != LAS_EXIT_OK)
        return rc;
    las_status st = las_dcap_root_pins_from_pem(pem, len, pins + *n, max - *n, &got);
    free(pem);
    if (st != LAS_OK)
        return las_cli_usage_error(cmd, "--sim-root %s: %s", value,
                                   st == LAS_ERR_BAD_SIZE ? "too many certificates"
                                                          : "no PEM certificate in it");
    *n += got;
    return LAS_EXIT_OK;
}
