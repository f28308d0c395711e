/*
 * links.c -- raw scores into the asked output, as the model's library turns
 * them: expit, softmax (NumPy's pairwise sum, or left to right as LightGBM
 * sums), one-vs-rest normalisation, modified Huber, exp, the isolation
 * forest's score, XGBoost's float32 links, and argmax with the first
 * maximum winning.
 *
 * One row at a time, in the library's own sequence of floating-point
 * operations (docs/EXACTNESS.md): nothing here may be reordered or fused.
 * The kernels (tree.c, linear.c) give the raw scores; predict.c calls
 * sks__finish_row for each row. Also NumPy's pairwise summation, which the
 * preprocessing steps' L1 norm uses too.
 */
#include "internal.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* NumPy's pairwise summation (numpy/_core/src/umath/loops_utils.h), which
 * np.sum uses along a contiguous axis: summing in its order gives the same
 * bits as scikit-learn's prob.sum(axis=1). T is the array's dtype (float32
 * arrays sum in float32), or a vector of them, each lane summing in that
 * order (sks__softmax_lanes). */
#define DEFINE_NP_SUM(attr, name, T)                                                    \
    attr T name(const T *a, int64_t n)                                                  \
    {                                                                                   \
        if (n < 8) {                                                                    \
            T res = {0};                                                                \
            for (int64_t i = 0; i < n; i++)                                             \
                res += a[i];                                                            \
            return res;                                                                 \
        }                                                                               \
        if (n <= 128) {                                                                 \
            T r[8];                                                                     \
            int64_t i;                                                                  \
            for (int j = 0; j < 8; j++)                                                 \
                r[j] = a[j];                                                            \
            for (i = 8; i < n - (n % 8); i += 8)                                        \
                for (int j = 0; j < 8; j++)                                             \
                    r[j] += a[i + j];                                                   \
            T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));  \
            for (; i < n; i++)                                                          \
                res += a[i];                                                            \
            return res;                                                                 \
        }                                                                               \
        int64_t n2 = n / 2;                                                             \
        n2 -= n2 % 8;                                                                   \
        return name(a, n2) + name(a + n2, n - n2);                                      \
    }
DEFINE_NP_SUM(, sks__np_sum, double)
DEFINE_NP_SUM(, sks__np_sum_f32, float)

/* scipy.special.expit for doubles: 1 / (1 + exp(-x)), with libm's exp. */
static double expit(double x) { return 1.0 / (1.0 + exp(-x)); }

/* XGBoost's common::Sigmoid(float) (src/common/math.h), in float32. */
static float sigmoid_f32(float x)
{
    const float eps = 1e-16f;
    float e = expf(88.7f < -x ? 88.7f : -x); /* std::min(-x, 88.7f): NaN stays NaN */
    return 1.0f / (e + 1.0f + eps);
}

/* XGBoost's common::Softmax over float32 scores: the max by fmaxf, the
 * exps summed in float64, each divided by the sum as float32. */
static void softmax_f32(const double *d, double *p, int32_t c) /* p may be d */
{
    float m = (float)d[0];
    for (int32_t k = 1; k < c; k++)
        m = fmaxf((float)d[k], m);
    double s = 0;
    for (int32_t k = 0; k < c; k++) {
        float e = expf((float)d[k] - m);
        p[k] = e;
        s += e;
    }
    for (int32_t k = 0; k < c; k++)
        p[k] = (float)p[k] / (float)s;
}

static int64_t argmax(const double *v, int32_t n)
{
    int32_t best = 0;
    for (int32_t k = 1; k < n; k++)
        if (v[k] > v[best])
            best = k;
    return best;
}

/* Divides p by its (NumPy-ordered) sum; an all-zero row becomes uniform,
 * as in scikit-learn's _predict_proba_lr. */
static void ovr_normalize(double *p, int32_t c)
{
    double s = sks__np_sum(p, c);
    if (s == 0) {
        for (int32_t k = 0; k < c; k++)
            p[k] = 1;
        s = c;
    }
    for (int32_t k = 0; k < c; k++)
        p[k] /= s;
}

/* utils.extmath.softmax in three steps (sks__finish_rows runs each over a
 * block of rows): subtract the max, exp, divide by the sum. p may be d. */
static int32_t softmax_shift(const double *d, double *p, int32_t c)
{
    double m = d[0];
    int32_t top = 0;
    for (int32_t k = 1; k < c; k++) {
        top = d[k] > m ? k : top;
        m = d[k] > m ? d[k] : m;
    }
    for (int32_t k = 0; k < c; k++)
        p[k] = d[k] - m;
    return top; /* the first maximum's class */
}

static void softmax_exp(double *p, int32_t c)
{
    for (int32_t k = 0; k < c; k++)
        p[k] = exp(p[k]);
}

/* softmax_exp over b rows (cols apart) whose maximum's difference sits at
 * top[i]. That difference is 0 unless the maximum is not finite, and
 * exp(0) is 1 exactly: it is not asked of libm (a fifth of the calls at
 * five classes). The row's last value takes its slot for the exps, so each
 * row runs c - 1 calls whatever its maximum's class -- a branch on the
 * class would be mispredicted on most rows. */
enum { SHIFT_BLOCK = 64 };
static void softmax_exp_rows(double *p, int32_t b, int32_t c, int64_t cols, const int32_t *top)
{
    double held[SHIFT_BLOCK];
    for (int32_t i = 0; i < b; i++) {
        double *r = &p[(size_t)i * (size_t)cols];
        held[i] = r[top[i]];
        r[top[i]] = r[c - 1];
    }
    for (int32_t i = 0; i < b; i++)
        softmax_exp(&p[(size_t)i * (size_t)cols], c - 1);
    for (int32_t i = 0; i < b; i++) {
        double *r = &p[(size_t)i * (size_t)cols];
        r[c - 1] = r[top[i]];
        r[top[i]] = held[i] == 0 ? 1.0 : exp(held[i]);
    }
}

static void softmax_divide(double *p, int32_t c, bool sequential)
{
    double s = 0;
    if (sequential)
        for (int32_t k = 0; k < c; k++)
            s += p[k];
    else
        s = sks__np_sum(p, c);
    for (int32_t k = 0; k < c; k++)
        p[k] /= s;
}

static void softmax(double *p, int32_t c, bool sequential)
{
    softmax_shift(p, p, c);
    softmax_exp(p, c);
    softmax_divide(p, c, sequential);
}

/* Raw scores -> the asked output, one row. */
void sks__finish_row(const sks_model *m, sks_output what, double *raw, double *out)
{
    const sks_info *in = &m->info;
    int32_t nr = m->n_raw;
    if (in->link == SKS_LINK_ISOLATION) {
        /* sklearn: score_samples = -(2 ** -(depths / denominator)), with
         * 1 for the exponent's fraction when the denominator is 0. */
        double den = m->link_params[0];
        double score = -pow(2.0, -(den != 0 ? raw[0] / den : 1.0));
        double decision = score - m->link_params[1];
        out[0] = what == SKS_OUT_SCORE_SAMPLES ? score
               : what == SKS_OUT_DECISION      ? decision
                                               : (decision < 0 ? 0.0 : 1.0);
        return;
    }
    if (in->task == SKS_TASK_REGRESSION && in->link == SKS_LINK_EXP) {
        for (int32_t k = 0; k < nr; k++)
            out[k] = exp(raw[k]);
        return;
    }
    if (in->task == SKS_TASK_REGRESSION && (in->link == SKS_LINK_EXP_F32 || in->link == SKS_LINK_LOGISTIC_F32)) {
        for (int32_t k = 0; k < nr; k++)
            out[k] = in->link == SKS_LINK_EXP_F32 ? expf((float)raw[k]) : sigmoid_f32((float)raw[k]);
        return;
    }
    if (in->task == SKS_TASK_REGRESSION || what == SKS_OUT_DECISION) {
        memcpy(out, raw, (size_t)nr * sizeof(double));
        return;
    }
    if (what == SKS_OUT_PREDICT && in->link == SKS_LINK_LOGISTIC_F32) {
        out[0] = sigmoid_f32((float)raw[0]) > 0.5f ? 1.0 : 0.0; /* XGBClassifier: class_probs > 0.5 */
        return;
    }
    if (what == SKS_OUT_PREDICT && in->link == SKS_LINK_SOFTMAX_F32 && m->link_params[0] != 1) {
        softmax_f32(raw, raw, nr); /* XGBClassifier: argmax of the probabilities */
        out[0] = (double)argmax(raw, nr);
        return;
    }
    if (what == SKS_OUT_PREDICT) {
        if (nr > 1 || in->link == SKS_LINK_PROBA)
            out[0] = (double)argmax(raw, nr);
        else
            out[0] = (raw[0] > 0 || (raw[0] == 0 && m->positive_at_zero)) ? 1.0 : 0.0;
        return;
    }
    int32_t c = in->n_classes;
    switch (in->link) {
    case SKS_LINK_PROBA:
        memcpy(out, raw, (size_t)c * sizeof(double));
        break;
    case SKS_LINK_LOGISTIC:
    case SKS_LINK_HALF_LOGISTIC: {
        double p = expit(in->link == SKS_LINK_HALF_LOGISTIC ? 2 * raw[0] : raw[0]);
        out[0] = 1 - p;
        out[1] = p;
        break;
    }
    case SKS_LINK_LOGISTIC_OVR:
        for (int32_t k = 0; k < c; k++)
            out[k] = expit(raw[k]);
        ovr_normalize(out, c);
        break;
    case SKS_LINK_SOFTMAX:
    case SKS_LINK_SOFTMAX_SEQ:
        memcpy(out, raw, (size_t)c * sizeof(double));
        softmax(out, c, in->link == SKS_LINK_SOFTMAX_SEQ);
        break;
    case SKS_LINK_LOGISTIC_F32: {
        float p = sigmoid_f32((float)raw[0]);
        out[0] = 1.0f - p;
        out[1] = p;
        break;
    }
    case SKS_LINK_SOFTMAX_F32:
        softmax_f32(raw, out, c);
        break;
    case SKS_LINK_SOFTMAX_BINARY:
        out[0] = -raw[0];
        out[1] = raw[0];
        softmax(out, 2, false);
        break;
    case SKS_LINK_MODIFIED_HUBER:
        if (c == 2) {
            double p = (fmin(fmax(raw[0], -1.0), 1.0) + 1.0) / 2.0;
            out[0] = 1 - p;
            out[1] = p;
        } else {
            for (int32_t k = 0; k < c; k++)
                out[k] = (fmin(fmax(raw[k], -1.0), 1.0) + 1.0) / 2.0;
            ovr_normalize(out, c);
        }
        break;
    case SKS_LINK_NONE:
    case SKS_LINK_EXP:
    case SKS_LINK_EXP_F32:
    case SKS_LINK_ISOLATION:
        break; /* refused by sks_model_output_cols; regressors end above */
    }
}

/*
 * Softmax with rows in lanes: eight rows at once, each lane taking the
 * steps softmax() takes for its row -- the max by `>` in class order (a
 * vector max returns its second operand on a tie, which `d > m ? d : m`
 * keeps too; the scores are finite, so no NaN decides), the differences,
 * libm's exp of each (of those that are not 0: exp(0) is 1), NumPy's
 * pairwise sum (DEFINE_NP_SUM on vectors), and each exp divided by it (a vector division rounds as the scalar one). Row by row, the
 * max, the sum and the divisions took a sixth of a five-class
 * LogisticRegression's predict_proba.
 */
/* Softmax probabilities of one raw score per class: what the block
 * finishes below take (the rest goes row by row). */
static bool softmax_proba(const sks_model *m, sks_output what)
{
    const sks_info *in = &m->info;
    return what == SKS_OUT_PROBA && in->task == SKS_TASK_CLASSIFICATION &&
           (in->link == SKS_LINK_SOFTMAX || in->link == SKS_LINK_SOFTMAX_SEQ) && in->n_classes == m->n_raw;
}

bool sks__softmax_lanes_fit(const sks_model *m, sks_output what)
{
#if defined(__x86_64__) && defined(__GNUC__)
    const sks_info *in = &m->info;
    return softmax_proba(m, what) && in->link == SKS_LINK_SOFTMAX && in->output_dtype != SKS_F32 &&
           in->n_classes <= 8 && sks__cpu_avx512();
#else
    (void)m, (void)what, (void)softmax_proba;
    return false;
#endif
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

DEFINE_NP_SUM(__attribute__((target("avx512f"))) static, np_sum_lanes, __m512d)

__attribute__((target("avx512f"))) void sks__softmax_lanes(const sks_model *m, const double *raw, double *out,
                                                         int64_t cols)
{
    const int32_t c = m->info.n_classes;
    __m512d d[8], e[8], top = _mm512_loadu_pd(raw);
    for (int32_t k = 0; k < c; k++) {
        d[k] = _mm512_loadu_pd(&raw[k * 8]);
        top = _mm512_max_pd(d[k], top);
    }
    /* The differences that are not 0 packed together for libm, then back
     * in their lanes, 1 in the others. */
    double packed[64 + 8]; /* whole vectors are stored: room for the last */
    __mmask8 asked[8];
    int32_t n = 0;
    for (int32_t k = 0; k < c; k++) {
        d[k] = _mm512_sub_pd(d[k], top);
        asked[k] = _mm512_cmp_pd_mask(d[k], _mm512_setzero_pd(), _CMP_NEQ_UQ);
        /* compressed in a register, then stored: a compressing store to
         * memory is microcoded and slow on some CPUs (Zen 4) */
        _mm512_storeu_pd(&packed[n], _mm512_maskz_compress_pd(asked[k], d[k]));
        n += __builtin_popcount(asked[k]);
    }
    for (int32_t i = 0; i < n; i++)
        packed[i] = exp(packed[i]);
    n = 0;
    for (int32_t k = 0; k < c; k++) {
        e[k] = _mm512_mask_expand_pd(_mm512_set1_pd(1.0), asked[k], _mm512_loadu_pd(&packed[n]));
        n += __builtin_popcount(asked[k]);
    }
    const __m512d sum = np_sum_lanes(e, c);
    double p[8][8];
    for (int32_t k = 0; k < c; k++)
        _mm512_storeu_pd(p[k], _mm512_div_pd(e[k], sum));
    for (int32_t i = 0; i < 8; i++)
        for (int32_t k = 0; k < c; k++)
            out[(size_t)i * (size_t)cols + (size_t)k] = p[k][i];
}
#else
void sks__softmax_lanes(const sks_model *m, const double *raw, double *out, int64_t cols)
{
    (void)m, (void)raw, (void)out, (void)cols; /* sks__softmax_lanes_fit is false */
}
#endif

/* Rows i < n of raw (m->n_raw apart) -> out (cols apart). Softmax
 * probabilities go a block at a time: every row's max and differences,
 * then all the exps, then each row's sum and divisions -- the same
 * operations per row as sks__finish_row but the exp of the maximum's
 * difference (softmax_exp_rows), with the exps of several rows in flight
 * at once instead of each row's divisions waiting on its sum. */
void sks__finish_rows(const sks_model *m, sks_output what, double *raw, int32_t n, double *out, int64_t cols)
{
    const sks_info *in = &m->info;
    const int32_t c = in->n_classes, nr = m->n_raw;
    if (!softmax_proba(m, what)) {
        for (int32_t i = 0; i < n; i++)
            sks__finish_row(m, what, &raw[(size_t)i * (size_t)nr], &out[(size_t)i * (size_t)cols]);
        return;
    }
    for (int32_t i0 = 0; i0 < n; i0 += SHIFT_BLOCK) {
        const int32_t b = n - i0 < SHIFT_BLOCK ? n - i0 : SHIFT_BLOCK;
        double *o = &out[(size_t)i0 * (size_t)cols];
        int32_t top[SHIFT_BLOCK];
        for (int32_t i = 0; i < b; i++)
            top[i] = softmax_shift(&raw[(size_t)(i0 + i) * (size_t)nr], &o[(size_t)i * (size_t)cols], c);
        softmax_exp_rows(o, b, c, cols, top);
        for (int32_t i = 0; i < b; i++)
            softmax_divide(&o[(size_t)i * (size_t)cols], c, in->link == SKS_LINK_SOFTMAX_SEQ);
    }
}

