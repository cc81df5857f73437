/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing and serialization of the SDM's SGX structures. */
#include "las/sgx.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

/* Every size and offset below is the SDM's (Vol. 3D, ch. 38). */
#define CHECK_OFFSET(type, field, off)                                                             \
    _Static_assert(offsetof(struct type, field) == (off), #type "." #field " offset")

_Static_assert(sizeof(struct las_sgx_attributes) == 16, "ATTRIBUTES size");
_Static_assert(sizeof(struct las_sgx_report_body) == LAS_SGX_REPORT_BODY_SIZE, "body size");
CHECK_OFFSET(las_sgx_report_body, cpusvn, 0);
CHECK_OFFSET(las_sgx_report_body, miscselect, 16);
CHECK_OFFSET(las_sgx_report_body, reserved1, 20);
CHECK_OFFSET(las_sgx_report_body, isvextprodid, 32);
CHECK_OFFSET(las_sgx_report_body, attributes, 48);
CHECK_OFFSET(las_sgx_report_body, mrenclave, 64);
CHECK_OFFSET(las_sgx_report_body, reserved2, 96);
CHECK_OFFSET(las_sgx_report_body, mrsigner, 128);
CHECK_OFFSET(las_sgx_report_body, reserved3, 160);
CHECK_OFFSET(las_sgx_report_body, configid, 192);
CHECK_OFFSET(las_sgx_report_body, isvprodid, 256);
CHECK_OFFSET(las_sgx_report_body, isvsvn, 258);
CHECK_OFFSET(las_sgx_report_body, configsvn, 260);
CHECK_OFFSET(las_sgx_report_body, reserved4, 262);
CHECK_OFFSET(las_sgx_report_body, isvfamilyid, 304);
CHECK_OFFSET(las_sgx_report_body, report_data, 320);

_Static_assert(sizeof(struct las_sgx_report) == LAS_SGX_REPORT_SIZE, "REPORT size");
CHECK_OFFSET(las_sgx_report, body, 0);
CHECK_OFFSET(las_sgx_report, keyid, 384);
CHECK_OFFSET(las_sgx_report, mac, 416);

_Static_assert(sizeof(struct las_sgx_targetinfo) == LAS_SGX_TARGETINFO_SIZE, "TARGETINFO size");
CHECK_OFFSET(las_sgx_targetinfo, mrenclave, 0);
CHECK_OFFSET(las_sgx_targetinfo, attributes, 32);
CHECK_OFFSET(las_sgx_targetinfo, reserved1, 48);
CHECK_OFFSET(las_sgx_targetinfo, configsvn, 50);
CHECK_OFFSET(las_sgx_targetinfo, miscselect, 52);
CHECK_OFFSET(las_sgx_targetinfo, reserved2, 56);
CHECK_OFFSET(las_sgx_targetinfo, configid, 64);
CHECK_OFFSET(las_sgx_targetinfo, reserved3, 128);

_Static_assert(sizeof(struct las_sgx_keyrequest) == LAS_SGX_KEYREQUEST_SIZE, "KEYREQUEST size");
CHECK_OFFSET(las_sgx_keyrequest, keyname, 0);
CHECK_OFFSET(las_sgx_keyrequest, keypolicy, 2);
CHECK_OFFSET(las_sgx_keyrequest, isvsvn, 4);
CHECK_OFFSET(las_sgx_keyrequest, reserved1, 6);
CHECK_OFFSET(las_sgx_keyrequest, cpusvn, 8);
CHECK_OFFSET(las_sgx_keyrequest, attribute_mask, 24);
CHECK_OFFSET(las_sgx_keyrequest, keyid, 40);
CHECK_OFFSET(las_sgx_keyrequest, miscmask, 72);
CHECK_OFFSET(las_sgx_keyrequest, configsvn, 76);
CHECK_OFFSET(las_sgx_keyrequest, reserved2, 78);

static void read_attributes(struct las_reader *r, struct las_sgx_attributes *a)
{
    las_read_u64le(r, &a->flags);
    las_read_u64le(r, &a->xfrm);
}

static void write_attributes(struct las_writer *w, const struct las_sgx_attributes *a)
{
    las_write_u64le(w, a->flags);
    las_write_u64le(w, a->xfrm);
}

static void read_body(struct las_reader *r, struct las_sgx_report_body *b)
{
    las_read_bytes(r, b->cpusvn, sizeof b->cpusvn);
    las_read_u32le(r, &b->miscselect);
    las_read_bytes(r, b->reserved1, sizeof b->reserved1);
    las_read_bytes(r, b->isvextprodid, sizeof b->isvextprodid);
    read_attributes(r, &b->attributes);
    las_read_bytes(r, b->mrenclave, sizeof b->mrenclave);
    las_read_bytes(r, b->reserved2, sizeof b->reserved2);
    las_read_bytes(r, b->mrsigner, sizeof b->mrsigner);
    las_read_bytes(r, b->reserved3, sizeof b->reserved3);
    las_read_bytes(r, b->configid, sizeof b->configid);
    las_read_u16le(r, &b->isvprodid);
    las_read_u16le(r, &b->isvsvn);
    las_read_u16le(r, &b->configsvn);
    las_read_bytes(r, b->reserved4, sizeof b->reserved4);
    las_read_bytes(r, b->isvfamilyid, sizeof b->isvfamilyid);
    las_read_bytes(r, b->report_data, sizeof b->report_data);
}

static void write_body(struct las_writer *w, const struct las_sgx_report_body *b)
{
    las_write_bytes(w, b->cpusvn, sizeof b->cpusvn);
    las_write_u32le(w, b->miscselect);
    las_write_bytes(w, b->reserved1, sizeof b->reserved1);
    las_write_bytes(w, b->isvextprodid, sizeof b->isvextprodid);
    write_attributes(w, &b->attributes);
    las_write_bytes(w, b->mrenclave, sizeof b->mrenclave);
    las_write_bytes(w, b->reserved2, sizeof b->reserved2);
    las_write_bytes(w, b->mrsigner, sizeof b->mrsigner);
    las_write_bytes(w, b->reserved3, sizeof b->reserved3);
    las_write_bytes(w, b->configid, sizeof b->configid);
    las_write_u16le(w, b->isvprodid);
    las_write_u16le(w, b->isvsvn);
    las_write_u16le(w, b->configsvn);
    las_write_bytes(w, b->reserved4, sizeof b->reserved4);
    las_write_bytes(w, b->isvfamilyid, sizeof b->isvfamilyid);
    las_write_bytes(w, b->report_data, sizeof b->report_data);
}

/* Common tail of every parser: exact size, then all-or-nothing output. */
static las_status finish_parse(const struct las_reader *r, void *out, size_t out_size)
{
    las_status st = las_reader_end(r);
    if (st != LAS_OK)
        memset(out, 0, out_size);
    return st;
}

static void finish_write(const struct las_writer *w)
{
    /* Fixed-size structs into fixed-size buffers: a mismatch is a bug. */
    if (las_writer_end(w) != LAS_OK)
        abort();
}

las_status las_sgx_report_body_parse(const uint8_t *buf, size_t len,
                                     struct las_sgx_report_body *out)
{
    struct las_reader r;
    if (len != LAS_SGX_REPORT_BODY_SIZE) {
        memset(out, 0, sizeof *out);
        return LAS_ERR_BAD_SIZE;
    }
    las_reader_init(&r, buf, len);
    read_body(&r, out);
    return finish_parse(&r, out, sizeof *out);
}

las_status las_sgx_report_parse(const uint8_t *buf, size_t len, struct las_sgx_report *out)
{
    struct las_reader r;
    if (len != LAS_SGX_REPORT_SIZE) {
        memset(out, 0, sizeof *out);
        return LAS_ERR_BAD_SIZE;
    }
    las_reader_init(&r, buf, len);
    read_body(&r, &out->body);
    las_read_bytes(&r, out->keyid, sizeof out->keyid);
    las_read_bytes(&r, out->mac, sizeof out->mac);
    return finish_parse(&r, out, sizeof *out);
}

las_status las_sgx_targetinfo_parse(const uint8_t *buf, size_t len, struct las_sgx_targetinfo *out)
{
    struct las_reader r;
    if (len != LAS_SGX_TARGETINFO_SIZE) {
        memset(out, 0, sizeof *out);
        return LAS_ERR_BAD_SIZE;
    }
    las_reader_init(&r, buf, len);
    las_read_bytes(&r, out->mrenclave, sizeof out->mrenclave);
    read_attributes(&r, &out->attributes);
    las_read_bytes(&r, out->reserved1, sizeof out->reserved1);
    las_read_u16le(&r, &out->configsvn);
    las_read_u32le(&r, &out->miscselect);
    las_read_bytes(&r, out->reserved2, sizeof out->reserved2);
    las_read_bytes(&r, out->configid, sizeof out->configid);
    las_read_bytes(&r, out->reserved3, sizeof out->reserved3);
    return finish_parse(&r, out, sizeof *out);
}

las_status las_sgx_keyrequest_parse(const uint8_t *buf, size_t len, struct las_sgx_keyrequest *out)
{
    struct las_reader r;
    if (len != LAS_SGX_KEYREQUEST_SIZE) {
        memset(out, 0, sizeof *out);
        return LAS_ERR_BAD_SIZE;
    }
    las_reader_init(&r, buf, len);
    las_read_u16le(&r, &out->keyname);
    las_read_u16le(&r, &out->keypolicy);
    las_read_u16le(&r, &out->isvsvn);
    las_read_bytes(&r, out->reserved1, sizeof out->reserved1);
    las_read_bytes(&r, out->cpusvn, sizeof out->cpusvn);
    read_attributes(&r, &out->attribute_mask);
    las_read_bytes(&r, out->keyid, sizeof out->keyid);
    las_read_u32le(&r, &out->miscmask);
    las_read_u16le(&r, &out->configsvn);
    las_read_bytes(&r, out->reserved2, sizeof out->reserved2);
    return finish_parse(&r, out, sizeof *out);
}

void las_sgx_report_body_serialize(const struct las_sgx_report_body *in,
                                   uint8_t out[static LAS_SGX_REPORT_BODY_SIZE])
{
    struct las_writer w;
    las_writer_init(&w, out, LAS_SGX_REPORT_BODY_SIZE);
    write_body(&w, in);
    finish_write(&w);
}

void las_sgx_report_serialize(const struct las_sgx_report *in,
                              uint8_t out[static LAS_SGX_REPORT_SIZE])
{
    struct las_writer w;
    las_writer_init(&w, out, LAS_SGX_REPORT_SIZE);
    write_body(&w, &in->body);
    las_write_bytes(&w, in->keyid, sizeof in->keyid);
    las_write_bytes(&w, in->mac, sizeof in->mac);
    finish_write(&w);
}

void las_sgx_targetinfo_serialize(const struct las_sgx_targetinfo *in,
                                  uint8_t out[static LAS_SGX_TARGETINFO_SIZE])
{
    struct las_writer w;
    las_writer_init(&w, out, LAS_SGX_TARGETINFO_SIZE);
    las_write_bytes(&w, in->mrenclave, sizeof in->mrenclave);
    write_attributes(&w, &in->attributes);
    las_write_bytes(&w, in->reserved1, sizeof in->reserved1);
    las_write_u16le(&w, in->configsvn);
    las_write_u32le(&w, in->miscselect);
    las_write_bytes(&w, in->reserved2, sizeof in->reserved2);
    las_write_bytes(&w, in->configid, sizeof in->configid);
    las_write_bytes(&w, in->reserved3, sizeof in->reserved3);
    finish_write(&w);
}

void las_sgx_keyrequest_serialize(const struct las_sgx_keyrequest *in,
                                  uint8_t out[static LAS_SGX_KEYREQUEST_SIZE])
{
    struct las_writer w;
    las_writer_init(&w, out, LAS_SGX_KEYREQUEST_SIZE);
    las_write_u16le(&w, in->keyname);
    las_write_u16le(&w, in->keypolicy);
    las_write_u16le(&w, in->isvsvn);
    las_write_bytes(&w, in->reserved1, sizeof in->reserved1);
    las_write_bytes(&w, in->cpusvn, sizeof in->cpusvn);
    write_attributes(&w, &in->attribute_mask);
    las_write_bytes(&w, in->keyid, sizeof in->keyid);
    las_write_u32le(&w, in->miscmask);
    las_write_u16le(&w, in->configsvn);
    las_write_bytes(&w, in->reserved2, sizeof in->reserved2);
    finish_write(&w);
}
