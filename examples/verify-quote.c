/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A relying party in one file: reads a LAS quote and decides whether to
 * trust it, through liblas's public API only.
 *
 * Build it against the installed library (README.md, "The library"):
 *
 *     cc -o verify-quote verify-quote.c $(pkg-config --cflags --libs las)
 *
 * Run it:
 *
 *     verify-quote [--allow-simulation] [--report-data HEX] QUOTE_FILE PLATFORM_ID...
 *
 * QUOTE_FILE holds the 520 bytes an application got from LAS (for example
 * with `las attest --out`). PLATFORM_ID is a platform you trust: 64 hex
 * digits, as `las id` prints it on that machine, or better as
 * `las platform-ids` reads it from verified platform evidence
 * (docs/evidence.md). Exit code: 0 trusted, 1 refused, 2 usage or I/O error.
 *
 * What this program decides, and why each step is there:
 *  1. The signature must verify under the platform key the quote names.
 *     That alone proves nothing: anyone can make a key and sign.
 *  2. So the platform ID must be one we pinned: that is the trust anchor.
 *  3. Simulated quotes (from `las serve --mode sim`) carry no security and are
 *     refused unless --allow-simulation says this is a test.
 *  4. Freshness: a quote stays valid forever, so a replayed old quote would
 *     pass steps 1-3. Give the application a fresh random nonce, have it put
 *     the nonce in its REPORT's report data, and pass the same value with
 *     --report-data: an old quote then carries another value and is refused.
 * A real relying party also pins the enclave it expects (MRENCLAVE or
 * MRSIGNER in struct las_verify_options); this example leaves that out.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <las/quote.h>
#include <las/verifier.h>

#define MAX_PLATFORMS 16

static int usage(void)
{
    fprintf(stderr, "usage: verify-quote [--allow-simulation] [--report-data HEX] "
                    "QUOTE_FILE PLATFORM_ID...\n");
    return 2;
}

/* Reads exactly one quote's worth of bytes; a longer or shorter file is refused later. */
static bool read_quote(const char *path, uint8_t buf[static LAS_QUOTE_SIZE + 1], size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return false;
    }
    *len = fread(buf, 1, LAS_QUOTE_SIZE + 1, f);
    bool ok = !ferror(f);
    fclose(f);
    if (!ok)
        fprintf(stderr, "%s: read error\n", path);
    return ok;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Up to 64 bytes of hex, zero padded to 64 (as `las attest --report-data` does). */
static bool parse_report_data(const char *hex, uint8_t out[static 64])
{
    size_t n = strlen(hex);
    memset(out, 0, 64);
    if (n == 0 || n % 2 != 0 || n > 128)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

int main(int argc, char **argv)
{
    struct las_verify_options opt;
    uint8_t platforms[MAX_PLATFORMS][LAS_PLATFORM_ID_SIZE];
    uint8_t report_data[64];
    int i = 1;

    /* Everything not set here stays refused or unconstrained as documented in las/verifier.h. */
    memset(&opt, 0, sizeof opt);
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--allow-simulation") == 0) {
            opt.allow_simulation = true;
        } else if (strcmp(argv[i], "--report-data") == 0 && i + 1 < argc) {
            if (!parse_report_data(argv[++i], report_data)) {
                fprintf(stderr, "verify-quote: --report-data needs up to 64 bytes of hex\n");
                return 2;
            }
            opt.report_data = report_data;
        } else {
            return usage();
        }
    }
    if (argc - i < 2 || argc - i - 1 > MAX_PLATFORMS)
        return usage();
    const char *quote_path = argv[i++];

    /* The trust anchor: the platforms we trust, and no other. */
    for (size_t n = 0; i < argc; i++, n++) {
        if (las_platform_id_parse(argv[i], platforms[n]) != LAS_OK) {
            fprintf(stderr, "verify-quote: %s is not a platform ID (64 hex digits)\n", argv[i]);
            return 2;
        }
        opt.n_platforms = n + 1;
    }
    opt.platforms = (const uint8_t(*)[LAS_PLATFORM_ID_SIZE])platforms;

    uint8_t quote[LAS_QUOTE_SIZE + 1];
    size_t len;
    if (!read_quote(quote_path, quote, &len))
        return 2;

    /* One call checks the signature, then every constraint in opt. */
    struct las_verify_result res;
    las_status st = las_quote_verify(quote, len, &opt, &res);
    if (st != LAS_OK) {
        /* res.check names the refusing check, res.reason says why in words. */
        printf("REFUSED (%s): %s\n", res.check ? res.check : las_status_name(st), res.reason);
        return 1;
    }

    /* Trusted: the REPORT body inside is what the application's enclave is. */
    char id[LAS_PLATFORM_ID_HEX_SIZE];
    las_platform_id_format(res.quote.platform_id, id);
    printf("OK: quote from platform %s%s, ISVPRODID %u, ISVSVN %u\n", id,
           (res.quote.flags & LAS_QUOTE_FLAG_SIMULATED) ? " (simulated)" : "",
           res.quote.body.isvprodid, res.quote.body.isvsvn);
    return 0;
}
