/*
 * codec_msgpack.c -- the msgpack request decoder and the msgpack half of the
 * answer writer.
 *
 * Decoding is one validating pass over the bytes that builds the same gw_val
 * tree as the JSON decoder. It does not use msgpack-c's unpacker, because
 * that allocates msgpack_object arrays from the *declared* element count
 * before reading the elements (a 5-byte body declaring 2^32-1 elements asks
 * for ~100 GB) and builds a second tree we would copy anyway. Here every
 * declared count is checked against the bytes left (each element takes at
 * least one byte) before anything is allocated; nesting is bounded by
 * GW_MAX_DEPTH; ext types are refused; the value must end exactly at the end
 * of the body (msgpack-c's unpack_next reports success with trailing bytes).
 * str and bin values point into the body; str must be UTF-8.
 *
 * Encoding uses msgpack-c's packer writing into a gw_buf. No h2o here.
 */
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <string.h>

#include "gw/codec.h"
#include "skscore.h"

typedef struct mr {
    const uint8_t *p, *end, *start;
    gw_arena *a;
    char *err;
    size_t errlen;
    int depth;
} mr;

static int mfail(mr *r, const char *what)
{
    if (r->err[0] == 0)
        snprintf(r->err, r->errlen, "invalid msgpack at byte %zu: %s", (size_t)(r->p - r->start), what);
    return -1;
}

static int need(mr *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n)
        return mfail(r, "truncated");
    return 0;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static int read_value(mr *r, gw_val *out);

static int read_container(mr *r, gw_val *out, uint64_t n, int is_map)
{
    size_t left = (size_t)(r->end - r->p);
    if (n > left / (is_map ? 2 : 1))
        return mfail(r, is_map ? "map declares more entries than the bytes left" : "array declares more elements than the bytes left");
    if (++r->depth > GW_MAX_DEPTH)
        return mfail(r, "nesting is too deep");
    out->n = (uint32_t)n;
    if (is_map) {
        out->type = GW_OBJ;
        out->u.mem = NULL;
        if (n > 0 && (out->u.mem = gw_arena_alloc(r->a, n * sizeof(gw_member))) == NULL)
            return mfail(r, "out of memory");
        for (uint64_t i = 0; i < n; i++) {
            gw_val k;
            if (read_value(r, &k) != 0)
                return -1;
            if (k.type != GW_STR)
                return mfail(r, "map keys must be strings");
            out->u.mem[i].key = k.u.s;
            out->u.mem[i].klen = k.n;
            if (read_value(r, &out->u.mem[i].val) != 0)
                return -1;
        }
    } else {
        out->type = GW_ARR;
        out->u.items = NULL;
        if (n > 0 && (out->u.items = gw_arena_alloc(r->a, n * sizeof(gw_val))) == NULL)
            return mfail(r, "out of memory");
        for (uint64_t i = 0; i < n; i++)
            if (read_value(r, &out->u.items[i]) != 0)
                return -1;
    }
    r->depth--;
    return 0;
}

static int read_bytes(mr *r, gw_val *out, uint64_t n, int is_str)
{
    if (need(r, n) != 0)
        return -1;
    if (is_str && !sks_utf8_valid((const char *)r->p, n))
        return mfail(r, "invalid UTF-8 in string");
    out->type = is_str ? GW_STR : GW_BIN;
    out->n = (uint32_t)n;
    out->u.bin = r->p;
    r->p += n;
    return 0;
}

static int read_value(mr *r, gw_val *out)
{
    if (need(r, 1) != 0)
        return -1;
    const uint8_t *at = r->p;
    unsigned c = *r->p++;
    out->flags = 0;
    out->n = 0;
    if (c <= 0x7f || c >= 0xe0) {
        out->type = GW_NUM;
        out->flags = GW_F_INT;
        out->u.num = c <= 0x7f ? (double)c : (double)(int8_t)c;
        return 0;
    }
    if (c >= 0x80 && c <= 0x8f)
        return read_container(r, out, c & 0x0f, 1);
    if (c >= 0x90 && c <= 0x9f)
        return read_container(r, out, c & 0x0f, 0);
    if (c >= 0xa0 && c <= 0xbf)
        return read_bytes(r, out, c & 0x1f, 1);
    static const int width[] = {
        /* c4..df */ 1, 2, 4, -1, -1, -1, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, -1, -1, -1, -1, -1, 1, 2, 4, 2, 4, 2, 4};
    switch (c) {
    case 0xc0:
        out->type = GW_NULL;
        return 0;
    case 0xc2:
    case 0xc3:
        out->type = GW_BOOL;
        out->u.b = c == 0xc3;
        return 0;
    case 0xc1:
        r->p = at;
        return mfail(r, "reserved byte 0xc1");
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        r->p = at;
        return mfail(r, "ext types are not accepted");
    default:
        break;
    }
    int w = width[c - 0xc4];
    if (need(r, (size_t)w) != 0)
        return -1;
    uint64_t v = be(r->p, w);
    r->p += w;
    switch (c) {
    case 0xc4:
    case 0xc5:
    case 0xc6:
        return read_bytes(r, out, v, 0);
    case 0xca: {
        uint32_t u = (uint32_t)v;
        float f;
        memcpy(&f, &u, 4);
        out->type = GW_NUM;
        out->u.num = (double)f;
        return 0;
    }
    case 0xcb: {
        double d;
        memcpy(&d, &v, 8);
        out->type = GW_NUM;
        out->u.num = d;
        return 0;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        out->type = GW_NUM;
        out->flags = GW_F_INT;
        out->u.num = (double)v;
        return 0;
    case 0xd0:
        out->type = GW_NUM;
        out->flags = GW_F_INT;
        out->u.num = (double)(int8_t)v;
        return 0;
    case 0xd1:
        out->type = GW_NUM;
        out->flags = GW_F_INT;
        out->u.num = (double)(int16_t)v;
        return 0;
    case 0xd2:
        out->type = GW_NUM;
        out->flags = GW_F_INT;
        out->u.num = (double)(int32_t)v;
        return 0;
    case 0xd3:
        out->type = GW_NUM;
        out->flags = GW_F_INT;
        out->u.num = (double)(int64_t)v;
        return 0;
    case 0xd9:
    case 0xda:
    case 0xdb:
        return read_bytes(r, out, v, 1);
    case 0xdc:
    case 0xdd:
        return read_container(r, out, v, 0);
    case 0xde:
    case 0xdf:
        return read_container(r, out, v, 1);
    }
    r->p = at;
    return mfail(r, "unknown type byte");
}

int gw_msgpack_decode(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen)
{
    mr r = {(const uint8_t *)data, (const uint8_t *)data + len, (const uint8_t *)data, a, err, errlen, 0};
    err[0] = 0;
    if (len == 0) {
        snprintf(err, errlen, "the body is empty");
        return -1;
    }
    gw_val *root = gw_arena_alloc(a, sizeof *root);
    if (root == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (read_value(&r, root) != 0)
        return -1;
    if (r.p != r.end) {
        mfail(&r, "trailing bytes after the msgpack value");
        return -1;
    }
    *out = root;
    return 0;
}

/* ---------------------------------------------------------------- writer */

static int buf_write(void *data, const char *p, size_t n)
{
    gw_buf_put(data, p, n);
    return 0;
}

#define PK(b)                                                                                                          \
    msgpack_packer pk;                                                                                                 \
    msgpack_packer_init(&pk, (b), buf_write)

void gw_mp_map(gw_buf *b, uint32_t n)
{
    PK(b);
    msgpack_pack_map(&pk, n);
}
void gw_mp_arr(gw_buf *b, uint32_t n)
{
    PK(b);
    msgpack_pack_array(&pk, n);
}
void gw_mp_str(gw_buf *b, const char *s, size_t n)
{
    PK(b);
    msgpack_pack_str_with_body(&pk, s, n);
}
void gw_mp_double(gw_buf *b, double x)
{
    PK(b);
    msgpack_pack_double(&pk, x);
}
void gw_mp_int(gw_buf *b, int64_t x)
{
    PK(b);
    msgpack_pack_int64(&pk, x);
}
void gw_mp_bool(gw_buf *b, int v)
{
    PK(b);
    if (v)
        msgpack_pack_true(&pk);
    else
        msgpack_pack_false(&pk);
}
void gw_mp_nil(gw_buf *b)
{
    PK(b);
    msgpack_pack_nil(&pk);
}
void gw_mp_bin(gw_buf *b, const void *p, size_t n)
{
    PK(b);
    msgpack_pack_bin_with_body(&pk, p, n);
}
