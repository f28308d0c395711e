/*
 * decimal.c -- decimal to float64 for the JSON decoder, correctly rounded,
 * without glibc's strtod on the common path.
 *
 * A 1,000-row body of 17-digit floats (what Python's json.dumps writes)
 * spent nearly all its decode time in strtod (docs/BENCHMARKS.md, "JSON
 * numbers"). Three paths, each giving the correctly rounded result:
 *
 *   1. Clinger's: w <= 2^53 and |q| <= 22 -- both operands are exact
 *      float64s, so one IEEE multiply or divide rounds correctly.
 *   2. Eisel-Lemire (Lemire, "Number Parsing at a Gigabyte per Second",
 *      2021; the bounds follow Go's strconv): the normalised w times a
 *      128-bit truncated significand of 10^q (decimal_pow10.h) brackets the
 *      exact product tightly enough to round it, unless the bracket
 *      straddles a rounding boundary -- then it says so and gives up.
 *   3. strtod on the text, for what (2) gives up on: the ambiguous
 *      products, subnormal and overflowing results, more than 19
 *      significant digits, exponents outside the table.
 *
 * It must not parse syntax (codec_json.c does) nor depend on the locale:
 * the text strtod reads is JSON, whose decimal point is '.', and the
 * gateway never calls setlocale.
 */
#include "decimal.h"

#include <stdlib.h>
#include <string.h>

#include "decimal_pow10.h"

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int gw_decimal_eisel_lemire(uint64_t w, int q, int neg, double *out)
{
    if (w == 0 || q < GW_POW10_MIN || q > GW_POW10_MAX)
        return 0;
    uint64_t thi = gw_pow10[q - GW_POW10_MIN].hi, tlo = gw_pow10[q - GW_POW10_MIN].lo;
    int clz = __builtin_clzll(w);
    uint64_t m = w << clz;

    /* X = m * T / 2^64 with T = 10^q * 2^(127 - e2) rounded down; the exact
     * X lies in [X, X + m) after the first product and in [X, X + 2) after
     * the second. Only when the low bits are all ones can the error carry
     * into the kept bits. */
    unsigned __int128 x = (unsigned __int128)m * thi;
    uint64_t xhi = (uint64_t)(x >> 64), xlo = (uint64_t)x;
    if ((xhi & 0x1FF) == 0x1FF && xlo + m < m) {
        unsigned __int128 y = (unsigned __int128)m * tlo;
        uint64_t yhi = (uint64_t)(y >> 64), ylo = (uint64_t)y;
        uint64_t mlo = xlo + yhi, mhi = xhi + (mlo < xlo);
        if ((mhi & 0x1FF) == 0x1FF && mlo + 1 == 0 && ylo + m < m)
            return 0;
        xhi = mhi;
        xlo = mlo;
    }

    /* X is in [2^126, 2^128): keep 54 bits (53 and a rounding bit). */
    unsigned msb = (unsigned)(xhi >> 63);
    uint64_t mant = xhi >> (msb + 9);
    int64_t e2 = (int64_t)gw_pow10[q - GW_POW10_MIN].e2 + 63 + (int64_t)msb - clz + 1023;

    /* Exactly half-way on the computed X: the exact X may be just above. */
    if (xlo == 0 && (xhi & 0x1FF) == 0 && (mant & 3) == 1)
        return 0;

    mant += mant & 1;
    mant >>= 1;
    if (mant >> 53) {
        mant >>= 1;
        e2++;
    }
    if (e2 < 1 || e2 > 0x7FE) /* subnormal or overflow: strtod decides */
        return 0;
    uint64_t bits = (uint64_t)e2 << 52 | (mant & ((1ull << 52) - 1)) | (uint64_t)(neg != 0) << 63;
    memcpy(out, &bits, sizeof bits);
    return 1;
}

int gw_decimal_to_double(uint64_t w, int q, int neg, int truncated, const char *text, size_t len, double *out)
{
    if (!truncated) {
        if (w == 0) {
            *out = neg ? -0.0 : 0.0;
            return 0;
        }
        if (w <= (1ull << 53) && q >= -22 && q <= 22) {
            double x = (double)w;
            x = q < 0 ? x / pow10_exact[-q] : x * pow10_exact[q];
            *out = neg ? -x : x;
            return 0;
        }
#ifndef GW_DECIMAL_STRTOD_ONLY /* the benchmark's "before" build */
        if (gw_decimal_eisel_lemire(w, q, neg, out))
            return 0;
#endif
    }
    char stackbuf[128];
    char *tmp = len < sizeof stackbuf ? stackbuf : malloc(len + 1);
    if (tmp == NULL)
        return -1;
    memcpy(tmp, text, len);
    tmp[len] = 0;
    *out = strtod(tmp, NULL);
    if (tmp != stackbuf)
        free(tmp);
    return 0;
}
