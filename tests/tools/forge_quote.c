/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: forges a LAS quote as an attacker would, with a freshly
 * generated Ed25519 key instead of a LAS platform key.
 *   las_test_forge_quote IN OUT [sim|hw] [ISSUED_AT]
 * Takes the REPORT body of the quote IN, signs it with a random key (flags:
 * simulated with "sim", none with "hw", the default) and writes the forged
 * quote to OUT. Prints the forger's platform ID (its public key) on stdout.
 * The signature is valid: only a verifier that checks whose key signed can
 * refuse it.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/file.h"
#include "identity/quote_sign.h"

int main(int argc, char **argv)
{
    struct las_platform_key key;
    struct las_quote q;
    uint8_t *in = NULL, out[LAS_QUOTE_SIZE];
    size_t len = 0;
    char id[LAS_PLATFORM_ID_HEX_SIZE];

    if (argc < 3 || argc > 5 || las_crypto_init() != LAS_OK) {
        fprintf(stderr, "usage: las_test_forge_quote IN OUT [sim|hw] [ISSUED_AT]\n");
        return 2;
    }
    bool sim = argc >= 4 && strcmp(argv[3], "sim") == 0;
    uint64_t issued_at = (uint64_t)time(NULL);
    if (argc == 5) {
        errno = 0;
        issued_at = strtoull(argv[4], NULL, 10);
        if (errno != 0) {
            fprintf(stderr, "las_test_forge_quote: bad ISSUED_AT\n");
            return 2;
        }
    }
    if (las_file_read(argv[1], LAS_QUOTE_SIZE, &in, &len) != LAS_OK ||
        las_quote_parse(in, len, &q) != LAS_OK) {
        fprintf(stderr, "las_test_forge_quote: %s is not a LAS quote\n", argv[1]);
        free(in);
        return 1;
    }
    free(in);
    memset(&key, 0, sizeof key);
    crypto_sign_keypair(key.public_key, key.secret_key);
    memcpy(key.cpusvn, q.cpusvn, sizeof key.cpusvn);
    key.isvsvn = q.isvsvn;
    if (las_quote_sign(&key, sim ? LAS_QUOTE_FLAG_SIMULATED : 0, issued_at, &q.body, out) !=
        LAS_OK) {
        fprintf(stderr, "las_test_forge_quote: cannot sign the forgery\n");
        return 1;
    }
    FILE *f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(out, 1, sizeof out, f) != sizeof out || fclose(f) != 0) {
        fprintf(stderr, "las_test_forge_quote: cannot write %s\n", argv[2]);
        return 1;
    }
    las_platform_id_format(key.public_key, id);
    las_wipe(&key, sizeof key);
    printf("%s\n", id);
    return 0;
}
