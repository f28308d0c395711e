/*
 * linear.c -- the linear models' kernel: raw = X . coef^T + intercept.
 *
 * Rows come feature-major in blocks of SKS__LIN_BLOCK, so the inner loop
 * runs across rows: each row's sum is still formed in feature order, one
 * rounding per step (no fused multiply-add: the engine is built with
 * -ffp-contract=off), while the compiler vectorizes across rows. The
 * result differs from scikit-learn's BLAS product only in summation order
 * (see docs/EXACTNESS.md for the tolerance).
 */
#include "internal.h"

void sks__linear_score(const sks__linear *l, const double *xt, int32_t n, int32_t n_features,
                       double *out)
{
    enum { B = SKS__LIN_BLOCK };
    for (int32_t t = 0; t < l->n_targets; t++) {
        const double *w = &l->coef[(size_t)t * (size_t)n_features];
        double acc[B] = {0};
        /* xt always holds B columns per feature; the tail is zero-padded. */
        for (int32_t j = 0; j < n_features; j++) {
            const double *xj = &xt[(size_t)j * B];
            const double c = w[j];
            for (int r = 0; r < B; r++)
                acc[r] += xj[r] * c;
        }
        for (int32_t r = 0; r < n; r++)
            out[(size_t)r * (size_t)l->n_targets + t] = acc[r] + l->intercept[t];
    }
}
