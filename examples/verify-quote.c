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
 * What this program decides, and why each step is there (docs/verifier.md):
 *  1. The signature must verify under the platform key the quote names.
 *     That alone proves nothing: anyone can make a key and sign.
 *  2. So the platform ID must be one we pinned: that is the trust anchor.
 *     A policy that pins nothing accepts nothing.
 *  3. Simulated quotes (from `las serve --mode sim`) carry no security and are
 *     refused unless --allow-simulation says this is a test.
 *  4. Freshness: the library refuses quotes older than the policy's max_age
 *     (600 s by default), but within that a captured quote could be replayed.
 *     Give the application a fresh random nonce, have it put the nonce in its
 *     REPORT's report data, and pass the same value with --report-data: the
 *     policy then requires it (attestation.nonce: exact) and an old quote,
 *     which carries another value, is refused.
 * A real relying party also pins the enclave it expects (mrenclaves or
 * mrsigner in struct las_policy); this example leaves that out.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <las/policy.h>
#include <las/quote.h>
#include <las/verifier.h>

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

/* 1 to 64 bytes of hex; *len is their number. */
static bool parse_nonce(const char *hex, uint8_t out[static LAS_NONCE_MAX], size_t *len)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 != 0 || n > 2 * LAS_NONCE_MAX)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return true;
}

int main(int argc, char **argv)
{
    static struct las_policy policy;
    struct las_verify_args args;
    uint8_t nonce[LAS_NONCE_MAX];
    int i = 1;

    /* The empty policy trusts nothing; everything below only adds to it. */
    las_policy_init(&policy);
    memset(&args, 0, sizeof args);
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--allow-simulation") == 0) {
            policy.tolerate |= LAS_TOLERATE_SIMULATION;
        } else if (strcmp(argv[i], "--report-data") == 0 && i + 1 < argc) {
            if (!parse_nonce(argv[++i], nonce, &args.nonce_len)) {
                fprintf(stderr, "verify-quote: --report-data needs 1 to 64 bytes of hex\n");
                return 2;
            }
            args.nonce = nonce;
            policy.nonce = LAS_NONCE_EXACT; /* report data = the nonce, zero padded */
        } else {
            return usage();
        }
    }
    if (argc - i < 2 || argc - i - 1 > LAS_POLICY_MAX_PLATFORMS)
        return usage();
    const char *quote_path = argv[i++];

    /* The trust anchor: the platforms we trust, and no other. */
    for (size_t n = 0; i < argc; i++, n++) {
        if (las_platform_id_parse(argv[i], policy.platforms[n]) != LAS_OK) {
            fprintf(stderr, "verify-quote: %s is not a platform ID (64 hex digits)\n", argv[i]);
            return 2;
        }
        policy.n_platforms = n + 1;
    }

    uint8_t quote[LAS_QUOTE_SIZE + 1];
    size_t len;
    if (!read_quote(quote_path, quote, &len))
        return 2;

    /* One call checks the signature, then every rule of the policy. */
    static struct las_verdict v;
    las_status st = las_quote_verify(&policy, quote, len, &args, &v);
    if (st != LAS_OK) {
        /* v.check names the refusing rule, v.reason says why in words. */
        printf("REFUSED (%s): %s\n", v.check ? v.check : las_status_name(st), v.reason);
        return 1;
    }

    /* Trusted: the REPORT body inside is what the application's enclave is. */
    char id[LAS_PLATFORM_ID_HEX_SIZE];
    las_platform_id_format(v.quote.platform_id, id);
    printf("OK: quote from platform %s%s, ISVPRODID %u, ISVSVN %u\n", id,
           (v.quote.flags & LAS_QUOTE_FLAG_SIMULATED) ? " (simulated)" : "", v.quote.body.isvprodid,
           v.quote.body.isvsvn);
    return 0;
}
