/*
 * linear.c -- the linear models' kernel: raw = X . coef^T + intercept.
 *
 * Rows come feature-major in blocks of SKS__LIN_BLOCK, so the inner loop
 * runs across rows: each row's sum is still formed in feature order, one
 * rounding per step (no fused multiply-add: the engine is built with
 * -ffp-contract=off), while the compiler vectorizes across rows. Targets
 * are done four at a time so four independent sums hide the add latency.
 * The function is cloned per instruction set (AVX-512, AVX2, baseline) and
 * picked at load time; every clone does the same operations in the same
 * order, so the results are identical on every CPU. They differ from
 * scikit-learn's BLAS product only in summation order (docs/EXACTNESS.md).
 */
#include "internal.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

enum { B = SKS__LIN_BLOCK, TG = 4 };

/* Four doubles as one vector (GCC/clang vector extension): lane r is row
 * r of a half block. Four, not B: a vector of B doubles was split badly
 * for AVX2 (its sums went through the stack: 2.8x the instructions). */
typedef double v4 __attribute__((vector_size(4 * sizeof(double))));

/* An unaligned load of four doubles, as a macro: a function returning a
 * vector type would change the ABI between the clones. */
#define LOAD_V4(dst, p) __builtin_memcpy(&(dst), (p), sizeof(v4))

CLONES
void sks__linear_score(const sks__linear *l, const double *restrict xt, int32_t n,
                       int32_t n_features, double *restrict out)
{
    _Static_assert(B == 8, "a block is two vectors of four rows");
    const int32_t nt = l->n_targets;
    const size_t nf = (size_t)n_features;
    int32_t t0 = 0;
    /* xt always holds B columns per feature; the tail is zero-padded. */
    for (; t0 + TG <= nt; t0 += TG) {
        const double *w0 = &l->coef[(size_t)t0 * nf], *w1 = w0 + nf, *w2 = w1 + nf, *w3 = w2 + nf;
        v4 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
        for (size_t j = 0; j < nf; j++) {
            v4 x, y;
            LOAD_V4(x, &xt[j * B]);
            LOAD_V4(y, &xt[j * B + 4]);
            a0 += x * w0[j];
            b0 += y * w0[j];
            a1 += x * w1[j];
            b1 += y * w1[j];
            a2 += x * w2[j];
            b2 += y * w2[j];
            a3 += x * w3[j];
            b3 += y * w3[j];
        }
        for (int32_t r = 0; r < n; r++) {
            double *o = &out[(size_t)r * (size_t)nt + t0];
            o[0] = (r < 4 ? a0[r & 3] : b0[r & 3]) + l->intercept[t0];
            o[1] = (r < 4 ? a1[r & 3] : b1[r & 3]) + l->intercept[t0 + 1];
            o[2] = (r < 4 ? a2[r & 3] : b2[r & 3]) + l->intercept[t0 + 2];
            o[3] = (r < 4 ? a3[r & 3] : b3[r & 3]) + l->intercept[t0 + 3];
        }
    }
    for (; t0 < nt; t0++) {
        const double *w = &l->coef[(size_t)t0 * nf];
        v4 a = {0}, b = {0};
        for (size_t j = 0; j < nf; j++) {
            v4 x, y;
            LOAD_V4(x, &xt[j * B]);
            LOAD_V4(y, &xt[j * B + 4]);
            a += x * w[j];
            b += y * w[j];
        }
        for (int32_t r = 0; r < n; r++)
            out[(size_t)r * (size_t)nt + t0] = (r < 4 ? a[r & 3] : b[r & 3]) + l->intercept[t0];
    }
}

/*
 * Rows read where they are. On a CPU with AVX-512, a full block of
 * contiguous float64 rows is not copied feature-major first: the kernel
 * below loads eight values of each of the block's eight rows and
 * transposes them in registers, so each vector again holds one feature of
 * the eight rows, and each row's sum takes the same steps as above: 0, then
 * + x_j * w_j in feature order, one rounding each, then + intercept. The
 * copy (predict.c: block_f64t) took about 300 instructions a row at 100
 * features. The same in AVX2, four rows by four values (two passes for
 * five targets, a broadcast per coefficient and row group), was slower
 * than the copy and the kernel above on the machines here: not kept.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define ROW(x, stride, i) ((const double *)(const void *)((const char *)(x) + (i) * (stride)))

/* Values j..j+7 of eight rows (masked lanes are not read, and are 0),
 * transposed: f[q] holds value j+q of the eight rows. */
__attribute__((target("avx512f"), always_inline)) static inline void
load8(const double *const r[8], int32_t j, __mmask8 mk, __m512d f[8])
{
    __m512d t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        __m512d a = _mm512_maskz_loadu_pd(mk, r[i] + j), b = _mm512_maskz_loadu_pd(mk, r[i + 1] + j);
        t[i] = _mm512_unpacklo_pd(a, b);     /* values 0,2,4,6 of rows i, i+1 */
        t[i + 1] = _mm512_unpackhi_pd(a, b); /* values 1,3,5,7 */
    }
    for (int h = 0; h < 8; h += 4)
        for (int p = 0; p < 2; p++) {
            u[h + p] = _mm512_shuffle_f64x2(t[h + p], t[h + p + 2], 0x88);     /* values 0,4 (1,5) of rows h..h+3 */
            u[h + p + 2] = _mm512_shuffle_f64x2(t[h + p], t[h + p + 2], 0xdd); /* values 2,6 (3,7) */
        }
    for (int q = 0; q < 4; q++) {
        f[q] = _mm512_shuffle_f64x2(u[q], u[q + 4], 0x88);
        f[q + 4] = _mm512_shuffle_f64x2(u[q], u[q + 4], 0xdd);
    }
}

/* Eight rows of one block, g targets from t0 (g a constant once inlined). */
__attribute__((target("avx512f"), always_inline)) static inline void
rows8(const sks__linear *l, const double *x, int64_t stride, int32_t nf, int32_t t0, int g, double *out,
      bool by_target, __mmask8 *bad)
{
    const double *r[8];
    for (int i = 0; i < 8; i++)
        r[i] = ROW(x, stride, i);
    const double *w = &l->coef[(size_t)t0 * (size_t)nf];
    __m512d acc[8], f[8];
    for (int k = 0; k < g; k++)
        acc[k] = _mm512_setzero_pd();
    int32_t j = 0;
    for (; j + 8 <= nf; j += 8) {
        load8(r, j, 0xff, f);
        for (int q = 0; q < 8; q++)
            for (int k = 0; k < g; k++)
                acc[k] = _mm512_add_pd(acc[k], _mm512_mul_pd(f[q], _mm512_set1_pd(w[(size_t)k * (size_t)nf + (size_t)(j + q)])));
    }
    if (j < nf) {
        load8(r, j, (__mmask8)((1u << (nf - j)) - 1u), f);
        for (int q = 0; q < 8; q++) /* q a constant: f stays in registers */
            if (q < nf - j)
                for (int k = 0; k < g; k++)
                    acc[k] = _mm512_add_pd(acc[k], _mm512_mul_pd(f[q], _mm512_set1_pd(w[(size_t)k * (size_t)nf + (size_t)(j + q)])));
    }
    const int32_t nt = l->n_targets;
    double s[8][8];
#pragma GCC unroll 8
    for (int k = 0; k < g; k++) { /* k a constant: acc stays in registers */
        /* x - x is 0 for a finite x, NaN otherwise */
        *bad |= _mm512_cmp_pd_mask(_mm512_sub_pd(acc[k], acc[k]), _mm512_setzero_pd(), _CMP_NEQ_UQ);
        if (by_target) /* each lane's sum + intercept: the scalar addition below */
            _mm512_storeu_pd(&out[(size_t)(t0 + k) * 8], _mm512_add_pd(acc[k], _mm512_set1_pd(l->intercept[t0 + k])));
        else
            _mm512_storeu_pd(s[k], acc[k]);
    }
    if (by_target)
        return;
    for (int k = 0; k < g; k++)
        for (int i = 0; i < 8; i++)
            out[(size_t)i * (size_t)nt + (size_t)(t0 + k)] = s[k][i] + l->intercept[t0 + k];
}

/* The block's targets in groups of up to eight, each group's size a
 * constant in its own copy of the loop, so its sums stay in registers. */
__attribute__((target("avx512f"))) static bool block_avx512(const sks__linear *l, const double *x, int64_t stride,
                                                          int32_t nf, double *out, bool by_target)
{
    __mmask8 bad = 0;
    for (int32_t t0 = 0; t0 < l->n_targets; t0 += 8)
        switch (l->n_targets - t0 < 8 ? l->n_targets - t0 : 8) {
        case 1: rows8(l, x, stride, nf, t0, 1, out, by_target, &bad); break;
        case 2: rows8(l, x, stride, nf, t0, 2, out, by_target, &bad); break;
        case 3: rows8(l, x, stride, nf, t0, 3, out, by_target, &bad); break;
        case 4: rows8(l, x, stride, nf, t0, 4, out, by_target, &bad); break;
        case 5: rows8(l, x, stride, nf, t0, 5, out, by_target, &bad); break;
        case 6: rows8(l, x, stride, nf, t0, 6, out, by_target, &bad); break;
        case 7: rows8(l, x, stride, nf, t0, 7, out, by_target, &bad); break;
        default: rows8(l, x, stride, nf, t0, 8, out, by_target, &bad); break;
        }
    return bad == 0;
}
#endif

int sks__linear_score_rows(const sks__linear *l, const double *x, int64_t row_stride, int32_t n_features,
                           double *out, bool by_target)
{
    _Static_assert(SKS__LIN_BLOCK == 8, "a block is one vector of eight rows");
#if defined(__x86_64__) && defined(__GNUC__)
    if (sks__cpu_avx512())
        return block_avx512(l, x, row_stride, n_features, out, by_target) ? 1 : 0;
#endif
    (void)l, (void)x, (void)row_stride, (void)n_features, (void)out, (void)by_target;
    return -1;
}
