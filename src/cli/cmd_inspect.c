/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `las inspect`: decodes a LAS quote, a platform evidence document or a DCAP
 * quote and shows what it claims, without a verdict. It never says OK: what
 * a file claims is worth nothing until `las verify` (or verify-evidence,
 * dcap verify) has judged it against trust anchors.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/file.h"
#include "common/hex.h"
#include "dcap/dcap_quote.h"
#include "dcap/root_pin.h"
#include "format/evidence_json.h"
#include "las/evidence.h"
#include "las/quote.h"

#define NOT_VERIFIED                                                                               \
    "NOT VERIFIED: decoded only; nothing says who holds these keys (las verify, "                  \
    "verify-evidence or dcap verify decide)"

static void inspect_usage(void)
{
    printf("usage: las inspect FILE [--json]\n"
           "Decodes a LAS quote, a platform evidence document (las evidence) or an Intel\n"
           "DCAP quote and prints its fields, including the pin of the simulated root CA\n"
           "for --sim-root. It verifies nothing and never prints OK. FILE '-' is stdin.\n\n"
           "Exit codes: 0 decoded, 1 not a file of these kinds, 2 usage error, 3 I/O error.\n");
}

static int inspect_quote(const uint8_t *buf, size_t len, bool json)
{
    struct las_quote q;
    if (las_quote_parse(buf, len, &q) != LAS_OK) {
        fprintf(stderr, "las inspect: not a valid LAS quote v1 (size, version, flags or reserved "
                        "bytes)\n");
        return LAS_EXIT_REFUSED;
    }
    struct las_quote checked;
    bool sig_ok = las_quote_check_signature(buf, len, &checked) == LAS_OK;
    const char *sig =
        sig_ok ? "valid under the platform ID it carries (anyone can make a key)" : "INVALID";
    if (json) {
        json_t *o =
            json_pack("{s:s,s:o,s:b,s:s}", "type", "las-quote", "quote", las_cli_quote_json(&q),
                      "signature_valid", sig_ok, "verdict", "not verified");
        las_cli_print_json(o);
        return LAS_EXIT_OK;
    }
    printf("type:        LAS quote v1\n");
    las_cli_print_quote(&q);
    printf("signature:   %s\n%s\n", sig, NOT_VERIFIED);
    return LAS_EXIT_OK;
}

/* The pin of the root CA a DCAP quote chains to, as hex ("" when there is none). */
static void root_pin_hex(const uint8_t *quote, size_t len, char out[65])
{
    uint8_t pin[LAS_DCAP_ROOT_PIN_SIZE];
    out[0] = '\0';
    if (las_dcap_quote_root_pin(quote, len, pin) == LAS_OK)
        las_hex_encode(pin, sizeof pin, out, 0);
}

static void print_successions(const json_t *doc)
{
    const json_t *list = json_object_get(doc, "successions");
    for (size_t i = 0; json_is_array(list) && i < json_array_size(list); i++) {
        struct las_succession s;
        char a[LAS_PLATFORM_ID_HEX_SIZE], b[LAS_PLATFORM_ID_HEX_SIZE];
        if (las_succession_from_json(json_array_get(list, i), &s) != LAS_OK) {
            printf("succession:  (statement %zu does not decode)\n", i);
            continue;
        }
        las_platform_id_format(s.old_id, a);
        las_platform_id_format(s.new_id, b);
        printf("succession:  %s -> %s (isvsvn %u -> %u)\n", a, b, s.old_isvsvn, s.new_isvsvn);
    }
}

static int inspect_evidence(const uint8_t *buf, size_t len, bool json)
{
    uint8_t id[LAS_PLATFORM_ID_SIZE], *quote = malloc(LAS_DCAP_QUOTE_MAX);
    char hex[LAS_PLATFORM_ID_HEX_SIZE], pin[65];
    size_t qlen = 0;
    int rc = LAS_EXIT_REFUSED;
    json_t *doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (quote == NULL || las_json_get_hex(doc, "platform_id", id, sizeof id) != LAS_OK ||
        las_json_get_base64(doc, "hardware_quote", quote, LAS_DCAP_QUOTE_MAX, &qlen) != LAS_OK) {
        fprintf(stderr, "las inspect: not a platform evidence document (no platform_id or "
                        "hardware_quote)\n");
        goto out;
    }
    las_platform_id_format(id, hex);
    root_pin_hex(quote, qlen, pin);
    const json_t *sim = json_object_get(doc, "simulated");
    if (json) {
        las_cli_print_json(json_pack("{s:s,s:s,s:O?,s:s?,s:s}", "type", "evidence", "platform_id",
                                     hex, "simulated", sim, "root_pin", pin[0] ? pin : NULL,
                                     "verdict", "not verified"));
    } else {
        printf("type:        platform evidence v1\nplatform_id: %s\nsimulated:   %s (as claimed)\n"
               "root_pin:    %s\n",
               hex, json_is_true(sim) ? "yes" : "no", pin[0] ? pin : "(no certificate chain)");
        print_successions(doc);
        printf("%s\n", NOT_VERIFIED);
    }
    rc = LAS_EXIT_OK;
out:
    free(quote);
    json_decref(doc);
    return rc;
}

static int inspect_dcap(const uint8_t *buf, size_t len, bool json)
{
    struct las_dcap_quote q;
    char why[256], mre[65], mrs[65], rd[129], pin[65];
    if (las_dcap_quote_parse(buf, len, &q, why, sizeof why) != LAS_OK) {
        fprintf(stderr, "las inspect: not a LAS quote, evidence or DCAP quote (%s)\n", why);
        return LAS_EXIT_REFUSED;
    }
    las_hex_encode(q.body.mrenclave, 32, mre, 0);
    las_hex_encode(q.body.mrsigner, 32, mrs, 0);
    las_hex_encode(q.body.report_data, 64, rd, 0);
    root_pin_hex(buf, len, pin);
    if (json) {
        las_cli_print_json(json_pack("{s:s,s:i,s:s,s:s,s:s,s:s?,s:s}", "type", "dcap-quote",
                                     "version", (int)q.version, "mrenclave", mre, "mrsigner", mrs,
                                     "report_data", rd, "root_pin", pin[0] ? pin : NULL, "verdict",
                                     "not verified"));
        return LAS_EXIT_OK;
    }
    printf("type:        Intel DCAP quote v%u\nmrenclave:   %s\nmrsigner:    %s\n"
           "isvprodid:   %u\nisvsvn:      %u\nreport_data: %s\nroot_pin:    %s\n%s\n",
           q.version, mre, mrs, q.body.isvprodid, q.body.isvsvn, rd, pin, NOT_VERIFIED);
    return LAS_EXIT_OK;
}

int las_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'h') {
            inspect_usage();
            return LAS_EXIT_OK;
        }
        if (c != 'j')
            return las_cli_option_error("inspect", c, argv);
        json = true;
    }
    if (optind + 1 != argc)
        return las_cli_usage_error("inspect", "expected exactly one FILE");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = las_cli_read_input("inspect", "file", argv[optind], LAS_EVIDENCE_MAX, &buf, &len);
    if (rc != LAS_EXIT_OK)
        return rc;
    if (len >= 4 && memcmp(buf, "LASQ", 4) == 0)
        rc = inspect_quote(buf, len, json);
    else if (len > 0 && (buf[0] == '{' || buf[0] == ' ' || buf[0] == '\n'))
        rc = inspect_evidence(buf, len, json);
    else
        rc = inspect_dcap(buf, len, json);
    free(buf);
    return rc;
}
