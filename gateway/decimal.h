/*
 * decimal.h -- decimal to float64, correctly rounded, for the request
 * decoders, without glibc's strtod on the common path.
 *
 * The caller has checked the syntax and split the number into its first
 * 19 significant digits w and a decimal exponent q; gw_decimal_to_double
 * gives the float64 Python's float() gives for the same text. A 1,000-row
 * body of 17-digit floats (what json.dumps writes) spent nearly all its
 * decode time in strtod (docs/BENCHMARKS.md, "JSON numbers"). Three paths,
 * each correctly rounded:
 *
 *   1. Clinger's: w <= 2^53 and |q| <= 22 -- both operands are exact
 *      float64s, so one IEEE multiply or divide rounds correctly. Taken
 *      first for w < 10^15 (measured faster than path 2 on short decimals,
 *      divide included), after path 2 for w up to 2^53: repr's 16- and
 *      17-digit floats fall either side of 2^53 at random, and choosing
 *      by that, a branch no predictor can learn, measured ~5% slower on a
 *      json.dumps body (docs/BENCHMARKS.md, "JSON numbers"). The divide
 *      cannot be a multiply by 10^-k: no 10^-k (k > 0) is a float64, and
 *      rounding twice is not rounding once.
 *   2. Eisel-Lemire (Lemire, "Number Parsing at a Gigabyte per Second",
 *      2021; the bounds follow Go's strconv): the normalised w times a
 *      128-bit significand of 10^q rounded down (decimal_pow10.c, written by
 *      tools/gen_decimal_pow10.py) brackets the exact product tightly
 *      enough to round it, unless the bracket straddles a rounding boundary
 *      -- then it says so and gives up.
 *   3. strtod on the text (decimal.c), for what 1 and 2 cannot decide:
 *      more than 19 significant digits, subnormal or overflowing results,
 *      exponents outside the table, the rare ambiguous product.
 *
 * Inline because it runs once per number of every body. Depends on
 * nothing but libc; parses no syntax. The text strtod reads is JSON, whose
 * decimal point is '.', and the gateway never calls setlocale.
 */
#ifndef GW_DECIMAL_H
#define GW_DECIMAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GW_POW10_MIN (-342)
#define GW_POW10_MAX 308

/* 10^q = hi:lo * 2^(e2 - 127), hi:lo rounded down, top bit set. */
typedef struct {
    uint64_t hi, lo;
    int16_t e2;
} gw_pow10_entry;
extern const gw_pow10_entry gw_pow10[GW_POW10_MAX - GW_POW10_MIN + 1];

/* strtod on text[0..len) (no NUL needed): 0, or -1 when a number of over
 * 127 characters needed a buffer and malloc failed. */
int gw_decimal_strtod(const char *text, size_t len, double *out);

/* Path 2 alone (the fuzz target compares it with strtod): 1 and *out set
 * when (-1)^neg * w * 10^q, w != 0, is decided by the 128-bit product and
 * is a normal float64; 0 when the caller must fall back. */
static inline int gw_decimal_eisel_lemire(uint64_t w, int q, int neg, double *out)
{
    if (w == 0 || q < GW_POW10_MIN || q > GW_POW10_MAX)
        return 0;
    const gw_pow10_entry *t = &gw_pow10[q - GW_POW10_MIN];
    int clz = __builtin_clzll(w);
    uint64_t m = w << clz;

    /* X = m * T / 2^64: the exact X lies in [X, X + m) after the first
     * product and in [X, X + 2) after the second. Only when the low bits are
     * all ones can that error carry into the bits kept. */
    unsigned __int128 x = (unsigned __int128)m * t->hi;
    uint64_t xhi = (uint64_t)(x >> 64), xlo = (uint64_t)x;
    if ((xhi & 0x1FF) == 0x1FF && xlo + m < m) {
        unsigned __int128 y = (unsigned __int128)m * t->lo;
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
    int64_t e2 = (int64_t)t->e2 + 63 + (int64_t)msb - clz + 1023;

    /* Exactly half-way on the computed X: the exact X may be above it. */
    if (xlo == 0 && (xhi & 0x1FF) == 0 && (mant & 3) == 1)
        return 0;

    mant += mant & 1;
    mant >>= 1;
    if (mant >> 53) {
        mant >>= 1;
        e2++;
    }
    if (e2 < 1 || e2 > 0x7FE) /* subnormal or overflow */
        return 0;
    uint64_t bits = (uint64_t)e2 << 52 | (mant & ((1ull << 52) - 1)) | (uint64_t)(neg != 0) << 63;
    memcpy(out, &bits, sizeof bits);
    return 1;
}

/* x >= 0 (or +0.0), negated when neg, without a branch: in a body of
 * numbers the sign is a coin toss, and a branch on it mispredicts half the
 * time. */
static inline double gw_decimal_sign(double x, int neg)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits |= (uint64_t)(neg != 0) << 63;
    memcpy(&x, &bits, sizeof bits);
    return x;
}

/* *out = the float64 nearest to (-1)^neg * w * 10^q (ties to even), as
 * strtod and Python's float() round it. `w` holds the first 19 significant
 * digits at most; `truncated` says digits were dropped after them (then
 * only `text` is exact). `text`/`len` is the number as written, read by
 * strtod when paths 1 and 2 cannot decide. Overflow gives +-inf, as strtod
 * does. Returns 0, or -1 when malloc failed (see gw_decimal_strtod). */
static inline int gw_decimal_to_double(uint64_t w, int q, int neg, int truncated, const char *text, size_t len,
                                       double *out)
{
    static const double exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (!truncated) {
        if (w == 0) {
            *out = gw_decimal_sign(0.0, neg);
            return 0;
        }
        int exact_q = q >= -22 && q <= 22;
        if (w < 1000000000000000u && exact_q) {
            *out = gw_decimal_sign(q < 0 ? (double)w / exact[-q] : (double)w * exact[q], neg);
            return 0;
        }
#ifndef GW_DECIMAL_STRTOD_ONLY /* the benchmark's "before" build */
        if (gw_decimal_eisel_lemire(w, q, neg, out))
            return 0;
#endif
        if (w <= (1ull << 53) && exact_q) {
            *out = gw_decimal_sign(q < 0 ? (double)w / exact[-q] : (double)w * exact[q], neg);
            return 0;
        }
    }
    return gw_decimal_strtod(text, len, out);
}

#endif
