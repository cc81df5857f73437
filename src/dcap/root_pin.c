/* SPDX-License-Identifier: Apache-2.0 */
/* Root CA pins, and reading them from PEM certificates. */
#include "dcap/root_pin.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <limits.h>
#include <openssl/pem.h>
#include <string.h>

#include "common/crypto.h"
#include "dcap/dcap_quote.h"
#include "dcap/pck.h"

las_status las_dcap_root_pin(X509 *cert, uint8_t out[static LAS_DCAP_ROOT_PIN_SIZE])
{
    uint8_t *spki = NULL;
    size_t len = 0;
    las_status st = las_x509_spki(cert, &spki, &len);
    if (st == LAS_OK)
        st = las_sha256(spki, len, out);
    OPENSSL_free(spki);
    return st;
}

/* The next certificate of bio, NULL at the end (no further PEM block) or on an error. */
static X509 *next_cert(BIO *bio, bool *error)
{
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (cert == NULL) {
        unsigned long e = ERR_peek_last_error();
        *error = !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
        ERR_clear_error();
    }
    return cert;
}

las_status las_dcap_root_pins_from_pem(const uint8_t *pem, size_t len,
                                       uint8_t (*pins)[LAS_DCAP_ROOT_PIN_SIZE], size_t max,
                                       size_t *n)
{
    las_status st = LAS_OK;
    bool error = false;
    X509 *cert;
    *n = 0;
    if (pem == NULL || len == 0 || len > INT_MAX)
        return LAS_ERR_MALFORMED;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return LAS_ERR_NO_MEMORY;
    while (st == LAS_OK && (cert = next_cert(bio, &error)) != NULL) {
        if (*n == max)
            st = LAS_ERR_BAD_SIZE;
        else if (las_dcap_root_pin(cert, pins[*n]) == LAS_OK)
            (*n)++;
        else
            st = LAS_ERR_MALFORMED;
        X509_free(cert);
    }
    BIO_free(bio);
    if (st == LAS_OK && (error || *n == 0))
        st = LAS_ERR_MALFORMED;
    if (st != LAS_OK) {
        memset(pins, 0, max * LAS_DCAP_ROOT_PIN_SIZE);
        *n = 0;
    }
    return st;
}

las_status las_dcap_quote_root_pin(const uint8_t *quote, size_t len,
                                   uint8_t out[static LAS_DCAP_ROOT_PIN_SIZE])
{
    struct las_dcap_quote q;
    struct las_x509_chain chain = {0};
    las_status st = las_dcap_quote_parse(quote, len, &q, NULL, 0);
    if (st == LAS_OK)
        st = las_pem_chain_parse(q.pck_chain, q.pck_chain_len, &chain, NULL, 0);
    if (st == LAS_OK)
        st = chain.n > 0 ? las_dcap_root_pin(chain.certs[chain.n - 1], out) : LAS_ERR_MALFORMED;
    las_x509_chain_free(&chain);
    return st;
}
