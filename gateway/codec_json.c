/*
 * codec_json.c -- the JSON request decoder and the answer writer.
 *
 * A purpose-built decoder for request bodies (why not a library:
 * docs/GATEWAY.md, "JSON"). It reads RFC 8259 JSON plus the NaN, Infinity
 * and -Infinity literals Python's json module writes, into a gw_val tree in
 * the request's arena. Numbers are parsed to the correctly rounded float64
 * (decimal.c: Clinger's exact path, Eisel-Lemire, strtod for the rest) --
 * never straight to float32; on x86-64 most of them in one SSE2 pass
 * (number_sse2), the rest, and any within 33 bytes of the body's ends,
 * byte by byte. Strings are checked to be UTF-8 (the engine's
 * sks_utf8_seq); nesting deeper than GW_MAX_DEPTH, over-long numbers,
 * numbers out of float64 range and trailing bytes are errors naming the
 * byte offset.
 *
 * For /predict (gw_json_decode_rows) the root object's "instances" and
 * "inputs", when arrays of equal-length arrays of numbers, are read
 * straight into a float64 matrix (GW_ROWS) rather than a gw_val per
 * number; anything else in them sends the decoder back to the tree, which
 * alone decides what is refused and with which words.
 *
 * The writer half (gw_w_*) emits JSON or, through codec_msgpack.c, msgpack.
 * No h2o here: the fuzz target links this file alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "decimal.h"
#include "gw/codec.h"
#include "skscore.h"

typedef struct jp {
    const char *p, *end, *start;
    const char *sse_lo, *sse_hi; /* a number starting in [lo, hi] has number_sse2's room */
    gw_arena *a;
    char *err;
    size_t errlen;
    gw_val *vs; /* scratch stack of array items being collected */
    size_t vlen, vcap;
    gw_member *ms; /* scratch stack of object members */
    size_t mlen, mcap;
    double *xs; /* scratch matrix of the rows path */
    size_t xcap;
    int depth;
    int rows; /* gw_json_decode_rows */
} jp;

static int fail(jp *j, const char *what)
{
    if (j->err[0] == 0)
        snprintf(j->err, j->errlen, "invalid JSON at byte %zu: %s", (size_t)(j->p - j->start), what);
    return -1;
}

static inline void skip_ws(jp *j)
{
    /* one test of a bit per byte: most calls see no space, or one */
    const uint64_t ws = 1ull << ' ' | 1ull << '\n' | 1ull << '\r' | 1ull << '\t';
    const char *p = j->p;
    while (p < j->end && (unsigned char)*p <= ' ' && (ws >> *p & 1))
        p++;
    j->p = p;
}

static int parse_value(jp *j, gw_val *out);

/* A number starts at c: '-' or a digit. A bit of one mask, not two tests:
 * in a body of numbers the sign is a coin toss, and a branch on it
 * mispredicts half the time. */
static inline int starts_number(char c)
{
    const uint64_t first = 1ull << '-' | 0x3FFull << '0';
    return (unsigned char)c < 64 && (first >> c & 1);
}

/* The value of eight ASCII digits read as one little-endian word
 * (Lemire's SWAR conversion). */
static inline uint64_t eight_digits_value(uint64_t v)
{
    v -= 0x3030303030303030u;
    v = v * 10 + (v >> 8); /* pairs */
    return (((v & 0x000000FF000000FFu) * 0x000F424000000064u) +
            (((v >> 16) & 0x000000FF000000FFu) * 0x0000271000000001u)) >> 32;
}

static const uint64_t pow10_u64[17] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
                                       10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
                                       1000000000000000, 10000000000000000};

/* Reads the digits at p, keeping the first 19 significant ones in *mant
 * (leading zeros are not significant) and counting the rest in *dropped;
 * returns the first byte after them. Eight bytes at a time: a number's
 * digit runs vary in length, and a loop per digit mispredicts its exit
 * once per run -- a fifth of a numeric body's decode time. */
static inline const char *digits(const char *p, const char *e, uint64_t *mant, int *nsig, int *dropped)
{
    if (*nsig == 0)
        while (p < e && *p == '0')
            p++;
    while (e - p >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        /* Non-zero bytes at the non-digits; a carry out of a non-digit
         * byte can only touch the bytes after the first non-digit. */
        uint64_t nd = ((v & 0xF0F0F0F0F0F0F0F0u) | (((v + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) >> 4)) ^
                      0x3333333333333333u;
        unsigned n = nd ? (unsigned)__builtin_ctzll(nd) / 8 : 8;
        if (*nsig + (int)n > 19)
            break;
        if (n == 8) {
            *mant = *mant * 100000000u + eight_digits_value(v);
        } else if (n > 0) {
            /* the n digits into the high bytes, '0's below */
            uint64_t w = v << (64 - 8 * n) | 0x3030303030303030u >> (8 * n);
            *mant = *mant * pow10_u64[n] + eight_digits_value(w);
        }
        *nsig += (int)n;
        p += n;
        if (n < 8)
            return p;
    }
    for (; p < e && (unsigned char)(*p - '0') < 10; p++) {
        if (*nsig < 19) {
            *mant = *mant * 10 + (uint64_t)(*p - '0');
            ++*nsig;
        } else {
            ++*dropped;
        }
    }
    return p;
}

#if defined(__SSE2__) && defined(__x86_64__)
/* Bit i set when byte i of v is an ASCII digit. */
static inline unsigned digit_bits(__m128i v)
{
    /* '0'..'9' move to the bottom of the signed byte range, alone there */
    __m128i t = _mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0')));
    return (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(t, _mm_set1_epi8((char)(0x80 + 10))));
}

/* The common number -- d+ or d+.d+ with at most 8 digits before the
 * point, 16 after and 19 in all, or 0.d+ with 20 after, then perhaps an
 * exponent of one or two digits -- read in one pass over 32 bytes: where
 * its digit runs end comes from one classification of the 32 bytes, and
 * both runs are converted at once, right-aligned in SSE2 lanes (the point
 * sits between them, so no run is read twice nor shifted). Returns 1 with
 * j->p, *x and *is_int set, or 0 to leave the number to number()'s general
 * path -- longer numbers, a syntax error, -Infinity.
 * The caller guarantees 33 bytes from j->p and 16 before it: nothing here
 * reads outside [j->p - 16, j->p + 33). */
static inline __attribute__((always_inline)) int number_sse2(jp *j, double *x, int *is_int)
{
    /* loadu(lanes + n): the last n of 16 byte lanes set */
    static const char lanes[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    const char *s = j->p;
    int neg = *s == '-';
    const char *p = s + neg;
    uint64_t nd = ~(uint64_t)(digit_bits(_mm_loadu_si128((const __m128i *)p)) |
                              digit_bits(_mm_loadu_si128((const __m128i *)(p + 16))) << 16);
    unsigned i0 = (unsigned)__builtin_ctzll(nd); /* integer digits */
    if (i0 - 1 >= 8 || (*p == '0' && i0 > 1))
        return 0;
    /* the digits end at i1; the last 16 at most of them (the low run,
     * ll digits) are converted apart from those before (the high run, hl
     * digits ending at he: the integer digits, or in 0.000ddd the first of
     * the fraction's -- at most 4, the first of 4 a zero, so that the
     * significand stays below 10^19) */
    int frac = p[i0] == '.';
    unsigned i1 = frac ? (unsigned)__builtin_ctzll(nd & ~0ull << (i0 + 1)) : i0;
    unsigned fl = frac ? i1 - i0 - 1 : 0, ll = frac ? fl : i0, hl = frac ? i0 : 0, he = i0;
    if (ll - 1 >= 16) {
        if (ll == 0 || *p != '0' || ll > 20 || (ll == 20 && p[2] != '0'))
            return 0;
        hl = ll - 16;
        he = i1 - 16;
        ll = 16;
    } else if (i1 > 20) { /* 19 digits at most */
        return 0;
    }
    int q = -(int)fl;
    unsigned end = i1;
    if ((p[i1] | 0x20) == 'e') {
        /* an exponent of one or two digits: none can overflow */
        unsigned k = i1 + 1 + (p[i1 + 1] == '-' || p[i1 + 1] == '+');
        end = (unsigned)__builtin_ctzll(nd & ~0ull << k);
        if (end - k - 1 >= 2)
            return 0;
        int ev = end - k == 1 ? p[k] - '0' : (p[k] - '0') * 10 + p[k + 1] - '0';
        q += p[i1 + 1] == '-' ? -ev : ev;
    }

    /* Each run's digits as values, the lanes before it zeroed; then pairs,
     * fours and eights of digits by multiply-adds of 16-bit lanes. */
    const __m128i zero = _mm_setzero_si128(), c0 = _mm_set1_epi8('0');
    __m128i f = _mm_and_si128(_mm_sub_epi8(_mm_loadu_si128((const __m128i *)(p + i1 - 16)), c0),
                              _mm_loadu_si128((const __m128i *)(lanes + ll)));
    __m128i h = _mm_and_si128(_mm_sub_epi8(_mm_loadl_epi64((const __m128i *)(p + he - 8)), c0),
                              _mm_loadl_epi64((const __m128i *)(lanes + 8 + hl)));
    const __m128i m10 = _mm_set1_epi32(10 | 1 << 16), m100 = _mm_set1_epi32(100 | 1 << 16),
                  m10000 = _mm_set1_epi32(10000 | 1 << 16);
    __m128i f2 = _mm_packs_epi32(_mm_madd_epi16(_mm_unpacklo_epi8(f, zero), m10),
                                 _mm_madd_epi16(_mm_unpackhi_epi8(f, zero), m10));
    __m128i h2 = _mm_madd_epi16(_mm_unpacklo_epi8(h, zero), m10);
    __m128i f4 = _mm_madd_epi16(f2, m100), h4 = _mm_madd_epi16(_mm_packs_epi32(h2, h2), m100);
    __m128i e8 = _mm_madd_epi16(_mm_packs_epi32(f4, h4), m10000); /* low's high 8, low's low 8, high, high */
    uint64_t lv = (uint64_t)_mm_cvtsi128_si64(e8);
    uint64_t hv = (uint32_t)_mm_cvtsi128_si32(_mm_unpackhi_epi64(e8, e8));
    uint64_t mant = hv * pow10_u64[ll] + (lv & 0xFFFFFFFF) * 100000000u + (lv >> 32);

    p += end;
    if (gw_decimal_to_double(mant, q, neg, 0, s, (size_t)(p - s), x) != 0)
        return 0; /* out of memory: the general path says so */
    *is_int = !frac && end == i1;
    j->p = p;
    return 1;
}
#endif

/* The number at j->p (JSON, or Python's -Infinity / Infinity) into *x;
 * *is_int says it was written as an integer. The generic tree and the rows
 * path (parse_rows) both read numbers here, so they accept the same texts,
 * read them to the same bits and refuse the rest with the same words.
 * Inlined into both: a call per number measured ~5% of a numeric body. */
static inline __attribute__((always_inline)) int number(jp *j, double *x, int *is_int)
{
#if defined(__SSE2__) && defined(__x86_64__)
    if (j->p >= j->sse_lo && j->p <= j->sse_hi && number_sse2(j, x, is_int))
        return 0;
#endif
    const char *s = j->p, *p = s, *e = j->end;
    int neg = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    if (p < e && *p == 'I') {
        if (e - p >= 8 && memcmp(p, "Infinity", 8) == 0) {
            j->p = p + 8;
            *x = neg ? -INFINITY : INFINITY;
            *is_int = 0;
            return 0;
        }
        return fail(j, "bad literal");
    }
    if (p >= e || (unsigned char)(*p - '0') >= 10)
        return fail(j, "expected a value");
    uint64_t mant = 0;
    int nsig = 0, dropped = 0;
    *is_int = 1;
    if (*p == '0') {
        p++;
        if (p < e && (unsigned char)(*p - '0') < 10)
            return fail(j, "leading zeros are not allowed in numbers");
    } else {
        p = digits(p, e, &mant, &nsig, &dropped);
    }
    const char *frac0 = p, *frac1 = p;
    if (p < e && *p == '.') {
        *is_int = 0;
        frac0 = ++p;
        p = digits(p, e, &mant, &nsig, &dropped);
        if (p == frac0)
            return fail(j, "expected a digit after the decimal point");
        frac1 = p;
    }
    int exp10 = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        *is_int = 0;
        p++;
        int eneg = 0;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= e || (unsigned char)(*p - '0') >= 10)
            return fail(j, "expected a digit in the exponent");
        for (; p < e && (unsigned char)(*p - '0') < 10; p++)
            if (exp10 < 100000)
                exp10 = exp10 * 10 + (*p - '0');
        if (eneg)
            exp10 = -exp10;
    }
    if (p - s > GW_MAX_NUMBER_CHARS)
        return fail(j, "number has too many characters");
    /* value = (integer and fraction digits) * 10^(exp10 - fraction length) */
    int q = exp10 - (int)(frac1 - frac0) + dropped;
    if (gw_decimal_to_double(mant, q, neg, dropped > 0, s, (size_t)(p - s), x) != 0)
        return fail(j, "out of memory");
    if (isinf(*x)) {
        j->p = s;
        return fail(j, "number is too large for a float64");
    }
    j->p = p;
    return 0;
}

static int parse_number(jp *j, gw_val *out)
{
    int is_int;
    if (number(j, &out->u.num, &is_int) != 0)
        return -1;
    out->type = GW_NUM;
    out->flags = is_int ? GW_F_INT : 0;
    out->n = 0;
    return 0;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static int parse_string(jp *j, const char **s, uint32_t *len)
{
    const unsigned char *p = (const unsigned char *)j->p + 1, *e = (const unsigned char *)j->end;
    const unsigned char *begin = p;
    int escaped = 0;
    for (;;) {
        if (p >= e) {
            j->p = (const char *)p;
            return fail(j, "unterminated string");
        }
        unsigned c = *p;
        if (c == '"')
            break;
        if (c < 0x20) {
            j->p = (const char *)p;
            return fail(j, "control character in string");
        }
        if (c == '\\') {
            escaped = 1;
            if (p + 1 >= e) {
                j->p = (const char *)p;
                return fail(j, "unterminated string");
            }
            p += 2;
            continue;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n = sks_utf8_seq((const char *)p, (size_t)(e - p));
        if (n == 0) {
            j->p = (const char *)p;
            return fail(j, "invalid UTF-8 in string");
        }
        p += n;
    }
    size_t raw = (size_t)(p - begin);
    if (raw > UINT32_MAX)
        return fail(j, "string too long");
    j->p = (const char *)p + 1;
    if (!escaped) {
        *s = (const char *)begin;
        *len = (uint32_t)raw;
        return 0;
    }
    char *o = gw_arena_alloc(j->a, raw + 1), *o0 = o;
    if (o == NULL)
        return fail(j, "out of memory");
    for (const unsigned char *q = begin; q < p;) {
        if (*q != '\\') {
            *o++ = (char)*q++;
            continue;
        }
        q++;
        switch (*q++) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (p - q < 4 || hex4((const char *)q, &cp) != 0) {
                j->p = (const char *)q;
                return fail(j, "bad \\u escape");
            }
            q += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (p - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4((const char *)q + 2, &lo) != 0 || lo < 0xdc00 ||
                    lo > 0xdfff) {
                    j->p = (const char *)q;
                    return fail(j, "unpaired surrogate in \\u escape");
                }
                q += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                j->p = (const char *)q;
                return fail(j, "unpaired surrogate in \\u escape");
            }
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xc0 | (cp >> 6));
                *o++ = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                *o++ = (char)(0xe0 | (cp >> 12));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
            } else {
                *o++ = (char)(0xf0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
            }
            break;
        }
        default:
            j->p = (const char *)q - 1;
            return fail(j, "bad escape in string");
        }
    }
    *s = o0;
    *len = (uint32_t)(o - o0);
    return 0;
}

/* Doubles a scratch stack (first: `first` items of `size` bytes). */
static int grow(jp *j, void **items, size_t *cap, size_t size, size_t first)
{
    size_t n = *cap ? *cap * 2 : first;
    void *p = realloc(*items, n * size);
    if (p == NULL)
        return fail(j, "out of memory");
    *items = p;
    *cap = n;
    return 0;
}

static int grow_vals(jp *j) { return grow(j, (void **)&j->vs, &j->vcap, sizeof *j->vs, 256); }

static int push_val(jp *j, const gw_val *v)
{
    if (j->vlen == j->vcap && grow_vals(j) != 0)
        return -1;
    j->vs[j->vlen++] = *v;
    return 0;
}

static int push_mem(jp *j, const gw_member *m)
{
    if (j->mlen == j->mcap && grow(j, (void **)&j->ms, &j->mcap, sizeof *j->ms, 64) != 0)
        return -1;
    j->ms[j->mlen++] = *m;
    return 0;
}

/* After an array's element: 1 past a ',' and the spaces after it, 0 past
 * the closing ']', -1 at anything else, -2 at the end of the body. */
static inline int array_next(jp *j)
{
    const char *p = j->p;
    if (j->end - p > 2 && p[0] == ',' && p[1] == ' ' && (unsigned char)p[2] > ' ') {
        j->p = p + 2; /* json.dumps's separator, in one test */
        return 1;
    }
    skip_ws(j);
    if (j->p >= j->end)
        return -2;
    if (*j->p == ',') {
        j->p++;
        skip_ws(j);
        return 1;
    }
    if (*j->p == ']') {
        j->p++;
        return 0;
    }
    return -1;
}

static int parse_array(jp *j, gw_val *out)
{
    size_t base = j->vlen;
    j->p++; /* [ */
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
    } else {
        for (;;) {
            if (j->p < j->end && *j->p != '[' && *j->p != '{') {
                /* A scalar is parsed straight into its slot: a 16-byte copy
                 * of a value just written field by field would stall on
                 * store forwarding, a fifth of a numeric body's time. */
                if (j->vlen == j->vcap && grow_vals(j) != 0)
                    return -1;
                char c = *j->p;
                if (starts_number(c) ? parse_number(j, &j->vs[j->vlen]) != 0 : parse_value(j, &j->vs[j->vlen]) != 0)
                    return -1;
                j->vlen++;
            } else {
                gw_val v; /* nested: parsing it may move j->vs */
                if (parse_value(j, &v) != 0 || push_val(j, &v) != 0)
                    return -1;
            }
            int next = array_next(j);
            if (next == 0)
                break;
            if (next < 0)
                return fail(j, next == -2 ? "unterminated array" : "expected ',' or ']'");
        }
    }
    size_t n = j->vlen - base;
    if (n > UINT32_MAX)
        return fail(j, "array too long");
    out->type = GW_ARR;
    out->flags = 0;
    out->n = (uint32_t)n;
    out->u.items = NULL;
    if (n > 0) {
        out->u.items = gw_arena_alloc(j->a, n * sizeof(gw_val));
        if (out->u.items == NULL)
            return fail(j, "out of memory");
        memcpy(out->u.items, j->vs + base, n * sizeof(gw_val));
    }
    j->vlen = base;
    return 0;
}

/* The rows path (gw_json_decode_rows): the array at j->p read straight into
 * a float64 matrix when it is one or more arrays of the same number (one or
 * more) of numbers. Returns 0 with *out a GW_ROWS value, or 1 for anything
 * else -- another value, a row of another length, null, a syntax error --
 * with j->p and the error text as they were, for the generic parse to read
 * the array again and give the tree, or the words, gw_json_decode gives. So
 * the generic parse stays the one judge of every body it refuses; a refused
 * array costs at most one extra pass. */
static int parse_rows(jp *j, gw_val *out)
{
    skip_ws(j);
    const char *start = j->p;
    size_t n = 0, cols = 0, rows = 0;
    if (j->p >= j->end || *j->p != '[')
        return 1;
    j->p++;
    skip_ws(j);
    for (;;) {
        if (j->p >= j->end || *j->p != '[')
            goto generic;
        const char *row = j->p++;
        size_t c = 0;
        skip_ws(j);
        for (;;) {
            if (n == j->xcap && grow(j, (void **)&j->xs, &j->xcap, sizeof *j->xs, 1024) != 0)
                goto generic;
            if (j->p >= j->end)
                goto generic;
            char ch = *j->p;
            int is_int;
            if (starts_number(ch)) {
                if (number(j, &j->xs[n], &is_int) != 0)
                    goto generic;
            } else if (ch == 'N' && j->end - j->p >= 3 && memcmp(j->p, "NaN", 3) == 0) {
                j->xs[n] = NAN;
                j->p += 3;
            } else {
                goto generic;
            }
            n++;
            c++;
            int next = array_next(j);
            if (next < 0 || (next == 1 && c == cols)) /* row 0 has cols = 0 here */
                goto generic;
            if (next == 0)
                break;
        }
        if (rows == 0) {
            /* Size the matrix for rows like this one: one copy at most. */
            size_t est = (size_t)(j->end - j->p) / (size_t)(j->p - row + 1) + 1;
            cols = c;
            if (cols > UINT32_MAX)
                goto generic;
            while (j->xcap < (est + est / 8) * cols)
                if (grow(j, (void **)&j->xs, &j->xcap, sizeof *j->xs, 1024) != 0)
                    goto generic;
        } else if (c != cols) {
            goto generic;
        }
        rows++;
        int next = array_next(j);
        if (next < 0)
            goto generic;
        if (next == 0)
            break;
    }
    if (rows > UINT32_MAX)
        goto generic;
    gw_rows *r = gw_arena_alloc(j->a, sizeof *r);
    double *x = gw_arena_alloc(j->a, n * sizeof *x);
    if (r == NULL || x == NULL)
        goto generic;
    memcpy(x, j->xs, n * sizeof *x);
    r->x = x;
    r->cols = (uint32_t)cols;
    out->type = GW_ROWS;
    out->flags = 0;
    out->n = (uint32_t)rows;
    out->u.rows = r;
    return 0;
generic:
    j->p = start;
    j->err[0] = 0;
    return 1;
}

/* The members gw_parse_predict reads rows from. */
static int is_rows_key(const gw_member *m)
{
    return (m->klen == 9 && memcmp(m->key, "instances", 9) == 0) || (m->klen == 6 && memcmp(m->key, "inputs", 6) == 0);
}

static int parse_object(jp *j, gw_val *out)
{
    size_t base = j->mlen;
    j->p++; /* { */
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
    } else {
        for (;;) {
            gw_member m;
            skip_ws(j);
            if (j->p >= j->end || *j->p != '"')
                return fail(j, "expected a string key");
            if (parse_string(j, &m.key, &m.klen) != 0)
                return -1;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return fail(j, "expected ':'");
            j->p++;
            int rows = j->rows && j->depth == 1 && is_rows_key(&m) && parse_rows(j, &m.val) == 0;
            if ((!rows && parse_value(j, &m.val) != 0) || push_mem(j, &m) != 0)
                return -1;
            skip_ws(j);
            if (j->p >= j->end)
                return fail(j, "unterminated object");
            if (*j->p == ',') {
                j->p++;
                continue;
            }
            if (*j->p == '}') {
                j->p++;
                break;
            }
            return fail(j, "expected ',' or '}'");
        }
    }
    size_t n = j->mlen - base;
    if (n > UINT32_MAX)
        return fail(j, "object too long");
    out->type = GW_OBJ;
    out->flags = 0;
    out->n = (uint32_t)n;
    out->u.mem = NULL;
    if (n > 0) {
        out->u.mem = gw_arena_alloc(j->a, n * sizeof(gw_member));
        if (out->u.mem == NULL)
            return fail(j, "out of memory");
        memcpy(out->u.mem, j->ms + base, n * sizeof(gw_member));
    }
    j->mlen = base;
    return 0;
}

static int literal(jp *j, const char *lit, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return fail(j, "expected a value");
    j->p += n;
    return 0;
}

static int parse_value(jp *j, gw_val *out)
{
    skip_ws(j);
    if (j->p >= j->end)
        return fail(j, "unexpected end of input");
    out->flags = 0;
    out->n = 0;
    int rc;
    switch (*j->p) {
    case '{':
    case '[':
        if (++j->depth > GW_MAX_DEPTH)
            return fail(j, "nesting is too deep");
        rc = *j->p == '{' ? parse_object(j, out) : parse_array(j, out);
        j->depth--;
        return rc;
    case '"':
        out->type = GW_STR;
        return parse_string(j, &out->u.s, &out->n);
    case 't':
        out->type = GW_BOOL;
        out->u.b = 1;
        return literal(j, "true", 4);
    case 'f':
        out->type = GW_BOOL;
        out->u.b = 0;
        return literal(j, "false", 5);
    case 'n':
        out->type = GW_NULL;
        return literal(j, "null", 4);
    case 'N':
        out->type = GW_NUM;
        out->u.num = NAN;
        return literal(j, "NaN", 3);
    default:
        return parse_number(j, out);
    }
}

static int decode(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen, int rows)
{
    jp j;
    memset(&j, 0, sizeof j);
    j.rows = rows;
    j.p = j.start = data;
    j.end = data + len;
    /* 16 bytes before a number and 33 from it (number_sse2); an empty
     * window in a shorter body (the empty one never reaches a number) */
    j.sse_lo = len >= 49 ? data + 16 : j.end;
    j.sse_hi = len >= 49 ? j.end - 33 : data;
    j.a = a;
    j.err = err;
    j.errlen = errlen;
    err[0] = 0;
    int rc = -1;
    gw_val *root = gw_arena_alloc(a, sizeof *root);
    if (root == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    skip_ws(&j);
    if (j.p == j.end) {
        snprintf(err, errlen, "the body is empty");
        goto done;
    }
    if (parse_value(&j, root) != 0)
        goto done;
    skip_ws(&j);
    if (j.p != j.end) {
        fail(&j, "trailing bytes after the JSON document");
        goto done;
    }
    *out = root;
    rc = 0;
done:
    free(j.vs);
    free(j.ms);
    free(j.xs);
    return rc;
}

int gw_json_decode(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen)
{
    return decode(data, len, a, out, err, errlen, 0);
}

int gw_json_decode_rows(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen)
{
    return decode(data, len, a, out, err, errlen, 1);
}

/* ---------------------------------------------------------------- writer */

void gw_w_init(gw_writer *w, int msgpack)
{
    w->msgpack = msgpack;
    gw_buf_init(&w->buf);
    w->depth = 0;
    w->first[0] = 1;
    w->after_key = 0;
}

void gw_w_dispose(gw_writer *w) { gw_buf_dispose(&w->buf); }

static void sep(gw_writer *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0 && !(w->first[w->depth] & 1))
        gw_buf_put(&w->buf, ",", 1);
    w->first[w->depth] &= (uint8_t)~1u;
}

static void open(gw_writer *w, char c)
{
    sep(w);
    gw_buf_put(&w->buf, &c, 1);
    if (w->depth + 1 < GW_MAX_DEPTH)
        w->depth++;
    /* bit 0: no element yet; bit 1: an array (else a map). */
    w->first[w->depth] = (uint8_t)(1 | (c == '[' ? 2 : 0));
}

void gw_w_map(gw_writer *w, uint32_t n)
{
    if (w->msgpack) {
        gw_mp_map(&w->buf, n);
        return;
    }
    open(w, '{');
}

void gw_w_arr(gw_writer *w, uint32_t n)
{
    if (w->msgpack) {
        gw_mp_arr(&w->buf, n);
        return;
    }
    open(w, '[');
}

void gw_w_end(gw_writer *w)
{
    if (w->msgpack)
        return;
    int d = w->depth;
    if (d <= 0)
        return;
    w->depth--;
    gw_buf_put(&w->buf, w->first[d] & 2 ? "]" : "}", 1);
}

void gw_w_key(gw_writer *w, const char *k)
{
    if (w->msgpack) {
        gw_mp_str(&w->buf, k, strlen(k));
        return;
    }
    sep(w);
    gw_buf_json_str(&w->buf, k, strlen(k));
    gw_buf_put(&w->buf, ":", 1);
    w->after_key = 1;
}

void gw_w_str(gw_writer *w, const char *s, size_t n)
{
    if (w->msgpack) {
        gw_mp_str(&w->buf, s, n);
        return;
    }
    sep(w);
    gw_buf_json_str(&w->buf, s, n);
}

void gw_w_cstr(gw_writer *w, const char *s) { gw_w_str(w, s, strlen(s)); }

void gw_w_encoded(gw_writer *w, const void *p, size_t n)
{
    if (!w->msgpack)
        sep(w);
    gw_buf_put(&w->buf, p, n);
}

void gw_w_double(gw_writer *w, double x)
{
    if (w->msgpack) {
        gw_mp_double(&w->buf, x);
        return;
    }
    sep(w);
    if (!isfinite(x))
        gw_buf_put(&w->buf, "null", 4);
    else
        gw_buf_double(&w->buf, x);
}

void gw_w_int(gw_writer *w, int64_t x)
{
    if (w->msgpack) {
        gw_mp_int(&w->buf, x);
        return;
    }
    sep(w);
    gw_buf_printf(&w->buf, "%lld", (long long)x);
}

void gw_w_bool(gw_writer *w, int b)
{
    if (w->msgpack) {
        gw_mp_bool(&w->buf, b);
        return;
    }
    sep(w);
    gw_buf_puts(&w->buf, b ? "true" : "false");
}

void gw_w_null(gw_writer *w)
{
    if (w->msgpack) {
        gw_mp_nil(&w->buf);
        return;
    }
    sep(w);
    gw_buf_puts(&w->buf, "null");
}

void gw_w_bin(gw_writer *w, const void *p, size_t n)
{
    if (w->msgpack) {
        gw_mp_bin(&w->buf, p, n);
        return;
    }
    gw_w_null(w);
}
