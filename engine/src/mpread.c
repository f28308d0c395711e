/*
 * mpread.c -- a bounded, allocation-free msgpack reader for model files.
 *
 * Why not msgpack-c's unpacker: it allocates an object per declared array
 * or map element before reading any of them, so a five-byte header can
 * demand gigabytes. Model files are untrusted; this reader walks the bytes
 * in place, checks every length against what is left, and fails with the
 * byte offset of the first thing that is wrong. It only reads: the writer
 * (format_write.c) uses msgpack-c's packer.
 */
#include "internal.h"

#include <string.h>

int64_t sks__mp_offset(const sks__mp *r) { return (int64_t)(r->p - r->base); }

static int bad(sks__mp *r, const char *what)
{
    if (r->err != NULL)
        r->err->offset = sks__mp_offset(r);
    if (r->p >= r->end)
        return sks__fail(r->err, SKS_ETRUNCATED,
                         "model body ends at byte %lld while reading %s",
                         (long long)sks__mp_offset(r), what);
    return sks__fail(r->err, SKS_EFORMAT,
                     "expected %s at body byte %lld (found msgpack type 0x%02x)",
                     what, (long long)sks__mp_offset(r), r->p[0]);
}

static bool need(const sks__mp *r, size_t n) { return (size_t)(r->end - r->p) >= n; }

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Reads a length-prefixed header: fix form (mask), or 8/16/32-bit forms. */
static int len_header(sks__mp *r, uint8_t fixbase, uint8_t fixmask, int fixmax,
                      const uint8_t codes[3], uint32_t *n, const char *what)
{
    if (!need(r, 1))
        return bad(r, what);
    uint8_t c = r->p[0];
    if (fixmax > 0 && (c & ~fixmask) == fixbase) {
        *n = c & fixmask;
        r->p += 1;
        return 0;
    }
    static const int widths[3] = {1, 2, 4};
    for (int i = 0; i < 3; i++) {
        if (codes[i] != 0 && c == codes[i]) {
            if (!need(r, 1 + (size_t)widths[i]))
                return bad(r, what);
            *n = (uint32_t)be(r->p + 1, widths[i]);
            r->p += 1 + widths[i];
            return 0;
        }
    }
    return bad(r, what);
}

int sks__mp_map(sks__mp *r, uint32_t *n)
{
    static const uint8_t codes[3] = {0, 0xde, 0xdf};
    const uint8_t *start = r->p;
    int rc = len_header(r, 0x80, 0x0f, 15, codes, n, "a map");
    /* Each entry takes at least two bytes: a larger count cannot be real. */
    if (rc == 0 && (uint64_t)*n * 2 > (uint64_t)(r->end - r->p)) {
        r->p = start;
        return bad(r, "a map whose entries fit in the file");
    }
    return rc;
}

int sks__mp_array(sks__mp *r, uint32_t *n)
{
    static const uint8_t codes[3] = {0, 0xdc, 0xdd};
    const uint8_t *start = r->p;
    int rc = len_header(r, 0x90, 0x0f, 15, codes, n, "an array");
    if (rc == 0 && (uint64_t)*n > (uint64_t)(r->end - r->p)) {
        r->p = start;
        return bad(r, "an array whose elements fit in the file");
    }
    return rc;
}

int sks__mp_str(sks__mp *r, const char **s, uint32_t *len)
{
    static const uint8_t codes[3] = {0xd9, 0xda, 0xdb};
    const uint8_t *start = r->p;
    int rc = len_header(r, 0xa0, 0x1f, 31, codes, len, "a string");
    if (rc != 0)
        return rc;
    if (!need(r, *len)) {
        r->p = start;
        return bad(r, "a string that fits in the file");
    }
    *s = (const char *)r->p;
    r->p += *len;
    return 0;
}

int sks__mp_bin(sks__mp *r, const uint8_t **b, uint32_t *len)
{
    static const uint8_t codes[3] = {0xc4, 0xc5, 0xc6};
    const uint8_t *start = r->p;
    int rc = len_header(r, 0, 0, 0, codes, len, "binary data");
    if (rc != 0)
        return rc;
    if (!need(r, *len)) {
        r->p = start;
        return bad(r, "binary data that fits in the file");
    }
    *b = r->p;
    r->p += *len;
    return 0;
}

int sks__mp_int(sks__mp *r, int64_t *v)
{
    if (!need(r, 1))
        return bad(r, "an integer");
    uint8_t c = r->p[0];
    if (c <= 0x7f) {
        *v = c;
        r->p++;
        return 0;
    }
    if (c >= 0xe0) {
        *v = (int8_t)c;
        r->p++;
        return 0;
    }
    int w;
    bool sign;
    switch (c) {
    case 0xcc: w = 1; sign = false; break;
    case 0xcd: w = 2; sign = false; break;
    case 0xce: w = 4; sign = false; break;
    case 0xcf: w = 8; sign = false; break;
    case 0xd0: w = 1; sign = true; break;
    case 0xd1: w = 2; sign = true; break;
    case 0xd2: w = 4; sign = true; break;
    case 0xd3: w = 8; sign = true; break;
    default: return bad(r, "an integer");
    }
    if (!need(r, 1 + (size_t)w))
        return bad(r, "an integer");
    uint64_t u = be(r->p + 1, w);
    if (sign) {
        int shift = 64 - 8 * w;
        *v = (int64_t)(u << shift) >> shift;
    } else {
        if (u > INT64_MAX)
            return bad(r, "an integer below 2^63");
        *v = (int64_t)u;
    }
    r->p += 1 + w;
    return 0;
}

int sks__mp_float(sks__mp *r, double *v)
{
    if (!need(r, 1))
        return bad(r, "a number");
    uint8_t c = r->p[0];
    if (c == 0xca && need(r, 5)) {
        uint32_t u = (uint32_t)be(r->p + 1, 4);
        float f;
        memcpy(&f, &u, 4);
        *v = f;
        r->p += 5;
        return 0;
    }
    if (c == 0xcb && need(r, 9)) {
        uint64_t u = be(r->p + 1, 8);
        memcpy(v, &u, 8);
        r->p += 9;
        return 0;
    }
    int64_t i;
    if (c == 0xca || c == 0xcb || sks__mp_int(r, &i) != 0)
        return bad(r, "a number");
    *v = (double)i;
    return 0;
}

int sks__mp_bool(sks__mp *r, bool *v)
{
    if (!need(r, 1) || (r->p[0] != 0xc2 && r->p[0] != 0xc3))
        return bad(r, "true or false");
    *v = r->p[0] == 0xc3;
    r->p++;
    return 0;
}

bool sks__mp_is_nil(const sks__mp *r) { return r->p < r->end && r->p[0] == 0xc0; }

int sks__mp_nil(sks__mp *r)
{
    if (!sks__mp_is_nil(r))
        return bad(r, "nil");
    r->p++;
    return 0;
}

int sks__mp_skip(sks__mp *r, int depth)
{
    if (depth > 32)
        return bad(r, "a value nested at most 32 deep");
    if (!need(r, 1))
        return bad(r, "a value");
    uint8_t c = r->p[0];
    uint32_t n;
    const char *s;
    const uint8_t *b;
    int64_t i;
    double d;
    bool t;
    if (c == 0xc0)
        return sks__mp_nil(r);
    if (c == 0xc2 || c == 0xc3)
        return sks__mp_bool(r, &t);
    if (c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xd3))
        return sks__mp_int(r, &i);
    if (c == 0xca || c == 0xcb)
        return sks__mp_float(r, &d);
    if ((c & 0xe0) == 0xa0 || (c >= 0xd9 && c <= 0xdb))
        return sks__mp_str(r, &s, &n);
    if (c >= 0xc4 && c <= 0xc6)
        return sks__mp_bin(r, &b, &n);
    if ((c & 0xf0) == 0x90 || c == 0xdc || c == 0xdd) {
        int rc = sks__mp_array(r, &n);
        for (uint32_t k = 0; rc == 0 && k < n; k++)
            rc = sks__mp_skip(r, depth + 1);
        return rc;
    }
    if ((c & 0xf0) == 0x80 || c == 0xde || c == 0xdf) {
        int rc = sks__mp_map(r, &n);
        for (uint32_t k = 0; rc == 0 && k < 2 * n; k++)
            rc = sks__mp_skip(r, depth + 1);
        return rc;
    }
    return bad(r, "a value of a type model files use");
}
