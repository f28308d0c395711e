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

/* B doubles as one vector (GCC/clang vector extension): lane r is row r. */
typedef double vrow __attribute__((vector_size(B * sizeof(double))));

/* An unaligned load of B doubles, as a macro: a function returning a
 * vector type would change the ABI between the clones. */
#define LOAD_VROW(dst, p) __builtin_memcpy(&(dst), (p), sizeof(vrow))

CLONES
void sks__linear_score(const sks__linear *l, const double *restrict xt, int32_t n,
                       int32_t n_features, double *restrict out)
{
    const int32_t nt = l->n_targets;
    const size_t nf = (size_t)n_features;
    int32_t t0 = 0;
    /* xt always holds B columns per feature; the tail is zero-padded. */
    for (; t0 + TG <= nt; t0 += TG) {
        const double *w0 = &l->coef[(size_t)t0 * nf], *w1 = w0 + nf, *w2 = w1 + nf, *w3 = w2 + nf;
        vrow a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (size_t j = 0; j < nf; j++) {
            vrow x;
            LOAD_VROW(x, &xt[j * B]);
            a0 += x * w0[j];
            a1 += x * w1[j];
            a2 += x * w2[j];
            a3 += x * w3[j];
        }
        for (int32_t r = 0; r < n; r++) {
            double *o = &out[(size_t)r * (size_t)nt + t0];
            o[0] = a0[r] + l->intercept[t0];
            o[1] = a1[r] + l->intercept[t0 + 1];
            o[2] = a2[r] + l->intercept[t0 + 2];
            o[3] = a3[r] + l->intercept[t0 + 3];
        }
    }
    for (; t0 < nt; t0++) {
        const double *w = &l->coef[(size_t)t0 * nf];
        vrow a = {0};
        for (size_t j = 0; j < nf; j++) {
            vrow x;
            LOAD_VROW(x, &xt[j * B]);
            a += x * w[j];
        }
        for (int32_t r = 0; r < n; r++)
            out[(size_t)r * (size_t)nt + t0] = a[r] + l->intercept[t0];
    }
}
