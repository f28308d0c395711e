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
