/*
 * predict.c -- scoring entry point: input checks, threads, output links.
 *
 * Owns sks_model_predict: it checks the input's shape, splits rows over
 * threads, converts each chunk of rows into the layout its kernel wants
 * (checking every value on the way: NaN, infinities, float32 overflow, as
 * scikit-learn's check_array does), runs the kernel (tree.c, linear.c) and
 * turns raw scores into the asked output with scikit-learn's own sequence
 * of operations (expit, softmax, OvR normalization, argmax with the first
 * maximum winning). Nothing here knows the file format.
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows converted and scored at a time per thread. Large, because each
 * tree is walked by every row of a chunk before the next tree: the more
 * rows, the more each tree's nodes are reused while cached (measured on a
 * 100-tree deep forest, 10,000 rows, one thread: 256 rows 99 ms, 2048 rows
 * 72 ms, 8192 rows 48 ms, 16384 rows 39 ms). Bounded by CHUNK_BYTES of
 * converted input. */
enum { CHUNK_MIN = 256, CHUNK_MAX = 16384, CHUNK_BYTES = 4 << 20 };

/* NumPy's pairwise summation (numpy/_core/src/umath/loops_utils.h), which
 * np.sum uses along a contiguous axis: summing in its order gives the same
 * bits as scikit-learn's prob.sum(axis=1). */
static double np_sum(const double *a, int64_t n)
{
    if (n < 8) {
        double res = 0.;
        for (int64_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        int64_t i;
        for (int j = 0; j < 8; j++)
            r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return np_sum(a, n2) + np_sum(a + n2, n - n2);
}

/* scipy.special.expit for doubles: 1 / (1 + exp(-x)), with libm's exp. */
static double expit(double x) { return 1.0 / (1.0 + exp(-x)); }

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
    double s = np_sum(p, c);
    if (s == 0) {
        for (int32_t k = 0; k < c; k++)
            p[k] = 1;
        s = c;
    }
    for (int32_t k = 0; k < c; k++)
        p[k] /= s;
}

/* utils.extmath.softmax: subtract the max, exp, divide by the sum. */
static void softmax(double *p, int32_t c, bool sequential)
{
    double m = p[0];
    for (int32_t k = 1; k < c; k++)
        if (p[k] > m)
            m = p[k];
    for (int32_t k = 0; k < c; k++)
        p[k] = exp(p[k] - m);
    double s = 0;
    if (sequential)
        for (int32_t k = 0; k < c; k++)
            s += p[k];
    else
        s = np_sum(p, c);
    for (int32_t k = 0; k < c; k++)
        p[k] /= s;
}

int sks_model_output_cols(const sks_model *m, sks_output what, int64_t *cols, sks_error *err)
{
    const sks_info *in = &m->info;
    bool clf = in->task == SKS_TASK_CLASSIFICATION;
    const char *est = in->estimator[0] ? in->estimator : "this model";
    switch (what) {
    case SKS_OUT_PREDICT:
        *cols = clf ? 1 : in->n_outputs;
        return 0;
    case SKS_OUT_PROBA:
        if (!clf || in->link == SKS_LINK_NONE || in->link == SKS_LINK_ISOLATION)
            return sks__fail(err, SKS_EUNSUPPORTED, "This '%s' has no attribute 'predict_proba'", est);
        *cols = in->n_classes;
        return 0;
    case SKS_OUT_DECISION:
        /* Classifiers that score with raw values (linear, boosted trees). */
        if (!clf || in->link == SKS_LINK_PROBA)
            return sks__fail(err, SKS_EUNSUPPORTED, "This '%s' has no attribute 'decision_function'", est);
        *cols = m->n_raw;
        return 0;
    case SKS_OUT_SCORE_SAMPLES:
        if (in->link != SKS_LINK_ISOLATION)
            return sks__fail(err, SKS_EUNSUPPORTED, "This '%s' has no attribute 'score_samples'", est);
        *cols = 1;
        return 0;
    }
    return sks__fail(err, SKS_EARG, "unknown output kind %d", (int)what);
}

/* Raw scores -> the asked output, one row. */
static void finish_row(const sks_model *m, sks_output what, double *raw, double *out)
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
    if (in->task == SKS_TASK_REGRESSION || what == SKS_OUT_DECISION) {
        memcpy(out, raw, (size_t)nr * sizeof(double));
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
    case SKS_LINK_ISOLATION:
        break; /* refused by sks_model_output_cols; regressors end above */
    }
}

typedef struct job {
    const sks_model *m;
    sks_output what;
    const sks_matrix *X;
    double *out;
    int64_t cols;
    int64_t r0, r1;
    /* first bad value in this job's rows */
    int bad; /* 0, 'n' NaN, 'i' infinity/too large */
    int64_t bad_row, bad_col;
    bool nomem;
    double *prep; /* n_cols scratch for models with preprocessing steps */
} job;

static inline double read_x(const sks_matrix *X, int64_t r, int64_t c)
{
    const char *p = (const char *)X->data + r * X->row_stride + c * X->col_stride;
    if (X->dtype == SKS_F32) {
        float f;
        memcpy(&f, p, sizeof f);
        return f;
    }
    double d;
    memcpy(&d, p, sizeof d);
    return d;
}

/* Copies row r into dst as T (float or double); contiguous rows of either
 * dtype take a loop the compiler vectorizes. Returns the sum of x * 0
 * over the row: NaN exactly when some value converted to T is NaN or
 * infinite, so the common all-finite case costs one test per row. */
#define DEFINE_LOAD_ROW(name, T)                                                       \
    static inline T name(const sks_matrix *X, int64_t r, T *dst, int64_t dst_step)     \
    {                                                                                  \
        const int64_t nc = X->n_cols;                                                  \
        const char *p = (const char *)X->data + r * X->row_stride;                     \
        T probe = 0;                                                                   \
        if (X->dtype == SKS_F64 && X->col_stride == sizeof(double)) {                  \
            const double *v = (const double *)(const void *)p;                         \
            for (int64_t c = 0; c < nc; c++) {                                         \
                T x = (T)v[c];                                                         \
                dst[c * dst_step] = x;                                                 \
                probe += x * 0;                                                        \
            }                                                                          \
        } else if (X->dtype == SKS_F32 && X->col_stride == sizeof(float)) {            \
            const float *v = (const float *)(const void *)p;                           \
            for (int64_t c = 0; c < nc; c++) {                                         \
                T x = (T)v[c];                                                         \
                dst[c * dst_step] = x;                                                 \
                probe += x * 0;                                                        \
            }                                                                          \
        } else {                                                                       \
            for (int64_t c = 0; c < nc; c++) {                                         \
                T x = (T)read_x(X, r, c);                                              \
                dst[c * dst_step] = x;                                                 \
                probe += x * 0;                                                        \
            }                                                                          \
        }                                                                              \
        return probe;                                                                  \
    }
DEFINE_LOAD_ROW(load_row_f32, float)
DEFINE_LOAD_ROW(load_row_f64, double)

/* Row r has a NaN or infinity somewhere: find the first one sklearn would
 * refuse (a NaN the model allows is skipped). Returns false if none. */
static bool find_bad(job *j, int64_t r, bool as_f32, bool allow_nan, bool allow_inf)
{
    for (int64_t c = 0; c < j->X->n_cols; c++) {
        double v = read_x(j->X, r, c);
        if (as_f32)
            v = (float)v;
        if (isfinite(v) || (isnan(v) && allow_nan) || (isinf(v) && allow_inf))
            continue;
        j->bad = isnan(v) ? 'n' : 'i';
        j->bad_row = r;
        j->bad_col = c;
        return true;
    }
    return false;
}

static bool set_bad(job *j, int kind, int64_t r, int64_t c)
{
    j->bad = kind;
    j->bad_row = r;
    j->bad_col = c;
    return false;
}

/* Models with preprocessing steps: row r through the steps into j->prep,
 * as scikit-learn's scalers and imputers compute in place (float64, and
 * rounded back to float32 after each step when X is float32). Infinite
 * inputs are refused, as the transformers' check_array does; NaN flows on
 * (imputers fill it; the estimator's check comes after). */
static bool prep_row(job *j, int64_t r)
{
    const sks_model *m = j->m;
    const int64_t nc = j->X->n_cols;
    const bool f32 = j->X->dtype == SKS_F32;
    double *x = j->prep;
    for (int64_t c = 0; c < nc; c++) {
        x[c] = read_x(j->X, r, c);
        if (isinf(x[c]))
            return set_bad(j, 'I', r, c);
    }
    for (int32_t s = 0; s < m->info.n_steps; s++) {
        const double *v = &m->step_values[(size_t)s * (size_t)nc];
        const bool cast = f32 && m->step_cast[s];
        /* (double)(float)v: the value in X's dtype. With float32 operands,
         * one float64 operation rounded to float32 equals the float32
         * operation (53 >= 2 * 24 + 2 bits), so x OP v below matches
         * NumPy's float32 loop as well as its float64-then-cast one. */
#define V(c) (cast ? (double)(float)v[c] : v[c])
        switch (m->step_ops[s]) {
        case SKS_OP_SUB:
            for (int64_t c = 0; c < nc; c++)
                x[c] = x[c] - V(c);
            break;
        case SKS_OP_DIV:
            for (int64_t c = 0; c < nc; c++)
                x[c] = x[c] / V(c);
            break;
        case SKS_OP_MUL:
            for (int64_t c = 0; c < nc; c++)
                x[c] = x[c] * V(c);
            break;
        case SKS_OP_ADD:
            for (int64_t c = 0; c < nc; c++)
                x[c] = x[c] + V(c);
            break;
        case SKS_OP_FILL_NAN:
            for (int64_t c = 0; c < nc; c++)
                if (isnan(x[c]))
                    x[c] = V(c);
            break;
        }
#undef V
        if (f32)
            for (int64_t c = 0; c < nc; c++)
                x[c] = (float)x[c];
    }
    return true;
}

/* After the steps: the estimator's own input check on j->prep, converted
 * to T at dst (step apart). */
#define DEFINE_STORE_PREP(name, T)                                                         \
    static bool name(job *j, int64_t r, T *dst, int64_t step, bool *has_nan)              \
    {                                                                                      \
        const sks_info *in = &j->m->info;                                                  \
        for (int64_t c = 0; c < j->X->n_cols; c++) {                                       \
            T x = (T)j->prep[c];                                                           \
            dst[c * step] = x;                                                             \
            if (isnan(x) && !in->allow_nan)                                                \
                return set_bad(j, 'n', r, c);                                              \
            if (isinf(x) && !in->allow_inf)                                                \
                return set_bad(j, 'i', r, c);                                              \
            *has_nan |= !isfinite(x);                                                      \
        }                                                                                  \
        return true;                                                                       \
    }
DEFINE_STORE_PREP(store_prep_f32, float)
DEFINE_STORE_PREP(store_prep_f64, double)

/* Converts rows [r0, r0+n) to float32 row-major, checking as sklearn's
 * check_array(dtype=float32) does. Returns false at the first bad value. */
static bool load_f32(job *j, int64_t r0, int32_t n, float *dst, bool *has_nan)
{
    const int64_t nc = j->X->n_cols;
    const bool allow_nan = j->m->info.allow_nan;
    if (j->prep != NULL) {
        for (int32_t i = 0; i < n; i++)
            if (!prep_row(j, r0 + i) || !store_prep_f32(j, r0 + i, dst + (size_t)i * (size_t)nc, 1, has_nan))
                return false;
        return true;
    }
    for (int32_t i = 0; i < n; i++) {
        float probe = load_row_f32(j->X, r0 + i, dst + (size_t)i * (size_t)nc, 1);
        if (probe != 0) { /* NaN: something was not finite */
            if (find_bad(j, r0 + i, true, allow_nan, j->m->info.allow_inf))
                return false;
            *has_nan = true; /* NaN, or only allowed infinities */
        }
    }
    return true;
}

/* Converts rows [r0, r0+n) to float64 row-major for float64-comparing
 * trees, which take infinities when the model says so. */
static bool load_f64(job *j, int64_t r0, int32_t n, double *dst, bool *has_nan)
{
    const int64_t nc = j->X->n_cols;
    const sks_info *in = &j->m->info;
    if (j->prep != NULL) {
        for (int32_t i = 0; i < n; i++)
            if (!prep_row(j, r0 + i) || !store_prep_f64(j, r0 + i, dst + (size_t)i * (size_t)nc, 1, has_nan))
                return false;
        return true;
    }
    for (int32_t i = 0; i < n; i++) {
        double probe = load_row_f64(j->X, r0 + i, dst + (size_t)i * (size_t)nc, 1);
        if (probe != 0) {
            if (find_bad(j, r0 + i, false, in->allow_nan, in->allow_inf))
                return false;
            *has_nan = true; /* NaN, or only infinities: the NaN walk is right for both */
        }
    }
    return true;
}

/* Converts up to SKS__LIN_BLOCK rows to float64 feature-major blocks. */
static bool load_f64t(job *j, int64_t r0, int32_t n, double *dst)
{
    const int64_t nc = j->X->n_cols;
    bool ignored = false;
    for (int32_t i = 0; i < n; i++) {
        if (j->prep != NULL) {
            if (!prep_row(j, r0 + i) || !store_prep_f64(j, r0 + i, dst + i, SKS__LIN_BLOCK, &ignored))
                return false;
            continue;
        }
        double probe = load_row_f64(j->X, r0 + i, dst + i, SKS__LIN_BLOCK);
        if (probe != 0 && find_bad(j, r0 + i, false, false, false))
            return false;
    }
    for (int32_t i = n; i < SKS__LIN_BLOCK; i++)
        for (int64_t c = 0; c < nc; c++)
            dst[(size_t)c * SKS__LIN_BLOCK + (size_t)i] = 0.0;
    return true;
}

static void *run_job(void *arg)
{
    job *j = arg;
    const sks_model *m = j->m;
    const int64_t nc = j->X->n_cols;
    const int32_t nr = m->n_raw;
    bool trees = m->info.kind == SKS_EST_TREES;
    bool f64 = trees && m->forest.nodes64 != NULL;
    size_t xsize = f64 ? sizeof(double) : sizeof(float);
    int64_t chunk = trees ? CHUNK_BYTES / (int64_t)((size_t)nc * xsize) : SKS__LIN_BLOCK;
    if (trees)
        chunk = chunk < CHUNK_MIN ? CHUNK_MIN : (chunk > CHUNK_MAX ? CHUNK_MAX : chunk);
    if (chunk > j->r1 - j->r0)
        chunk = j->r1 - j->r0;
    size_t xbytes = trees ? (size_t)chunk * (size_t)nc * xsize : (size_t)nc * SKS__LIN_BLOCK * sizeof(double);
    void *xbuf = malloc(xbytes);
    double *raw = malloc((size_t)chunk * (size_t)nr * sizeof(double));
    int32_t *scratch = trees ? malloc((size_t)m->forest.n_trees * sizeof(int32_t)) : NULL;
    if (m->info.n_steps > 0)
        j->prep = malloc((size_t)nc * sizeof(double));
    if (xbuf == NULL || raw == NULL || (trees && scratch == NULL) || (m->info.n_steps > 0 && j->prep == NULL)) {
        j->nomem = true;
        goto done;
    }
    for (int64_t r0 = j->r0; r0 < j->r1;) {
        int32_t n;
        if (trees) {
            n = (int32_t)(j->r1 - r0 < chunk ? j->r1 - r0 : chunk);
            bool has_nan = false;
            if (!(f64 ? load_f64(j, r0, n, xbuf, &has_nan) : load_f32(j, r0, n, xbuf, &has_nan)))
                goto done;
            sks__forest_score(&m->forest, xbuf, n, (int32_t)nc, has_nan, scratch, raw);
        } else {
            n = (int32_t)(j->r1 - r0 < SKS__LIN_BLOCK ? j->r1 - r0 : SKS__LIN_BLOCK);
            if (!load_f64t(j, r0, n, xbuf))
                goto done;
            sks__linear_score(&m->linear, xbuf, n, (int32_t)nc, raw);
        }
        for (int32_t i = 0; i < n; i++)
            finish_row(m, j->what, &raw[(size_t)i * (size_t)nr], &j->out[(size_t)(r0 + i) * (size_t)j->cols]);
        r0 += n;
    }
done:
    free(xbuf);
    free(raw);
    free(scratch);
    free(j->prep);
    return NULL;
}

/* Online cores, asked once: sysconf() reads /sys on every call, which
 * costs more than scoring a small batch. */
static int cores;
static pthread_once_t cores_once = PTHREAD_ONCE_INIT;

static void count_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cores = n < 1 ? 1 : (n > 256 ? 256 : (int)n);
}

static int online_cores(void)
{
    pthread_once(&cores_once, count_cores);
    return cores;
}

int sks_model_predict(const sks_model *m, sks_output what, const sks_matrix *X, double *out,
                      size_t out_len, int n_threads, sks_error *err)
{
    sks__error_clear(err);
    if (m == NULL || X == NULL)
        return sks__fail(err, SKS_EARG, "sks_model_predict: NULL argument");
    int64_t cols;
    int rc = sks_model_output_cols(m, what, &cols, err);
    if (rc != 0)
        return rc;
    const sks_info *in = &m->info;
    const char *est = in->estimator[0] ? in->estimator : "the model";
    if (X->dtype != SKS_F32 && X->dtype != SKS_F64)
        return sks__fail(err, SKS_EARG, "unknown input dtype %d", (int)X->dtype);
    if (X->n_rows < 0 || X->n_cols < 0 || (X->n_rows > 0 && X->data == NULL))
        return sks__fail(err, SKS_EARG, "input matrix has a negative size or no data");
    if (X->n_cols != in->n_features) {
        if (err != NULL)
            err->column = X->n_cols;
        return sks__fail(err, SKS_ESHAPE, "X has %lld features, but %s is expecting %d features as input.",
                         (long long)X->n_cols, est, in->n_features);
    }
    if (X->n_rows == 0)
        return 0;
    if ((uint64_t)X->n_rows > SIZE_MAX / 8 / (uint64_t)cols || out == NULL ||
        out_len < (size_t)X->n_rows * (size_t)cols)
        return sks__fail(err, SKS_EBUFSIZE, "output needs %lld x %lld values", (long long)X->n_rows,
                         (long long)cols);

    /* Threads only when each gets enough work to repay starting it. */
    double row_cost = in->kind == SKS_EST_TREES
                          ? (double)in->n_trees * (in->max_depth / 2.0 + 1.0)
                          : (double)in->n_features * (double)m->linear.n_targets;
    /* ~20,000 units (node visits or multiply-adds, a few ns each) repay
     * starting a thread (20-50 us). */
    int64_t min_rows = (int64_t)(20000.0 / (row_cost + 1.0)) + 1;
    int64_t useful = X->n_rows / min_rows;
    int nt = 1;
    if (useful > 1 && n_threads != 1) {
        nt = n_threads > 0 ? n_threads : online_cores();
        if (nt > 256)
            nt = 256;
        if ((int64_t)nt > useful)
            nt = (int)useful;
    }

    job jobs[256];
    pthread_t tids[256];
    bool started[256] = {false};
    for (int t = 0; t < nt; t++) {
        jobs[t] = (job){.m = m, .what = what, .X = X, .out = out, .cols = cols,
                        .r0 = X->n_rows * t / nt, .r1 = X->n_rows * (t + 1) / nt,
                        .bad_row = -1, .bad_col = -1};
    }
    for (int t = 1; t < nt; t++)
        started[t] = pthread_create(&tids[t], NULL, run_job, &jobs[t]) == 0;
    run_job(&jobs[0]);
    for (int t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            run_job(&jobs[t]); /* no thread to be had: do its share here */
    }
    for (int t = 0; t < nt; t++) {
        if (jobs[t].nomem)
            return sks__fail(err, SKS_ENOMEM, "out of memory while scoring");
        if (jobs[t].bad) {
            if (err != NULL) {
                err->row = jobs[t].bad_row;
                err->column = jobs[t].bad_col;
            }
            if (jobs[t].bad == 'I')
                return sks__fail(err, SKS_EVALUE,
                                 "Input X contains infinity or a value too large for dtype('float64') (row %lld, column %lld).",
                                 (long long)jobs[t].bad_row, (long long)jobs[t].bad_col);
            if (jobs[t].bad == 'n')
                return sks__fail(err, SKS_EVALUE,
                                 "Input X contains NaN (row %lld, column %lld). %s does not accept missing values encoded as NaN natively.",
                                 (long long)jobs[t].bad_row, (long long)jobs[t].bad_col, est);
            return sks__fail(err, SKS_EVALUE,
                             "Input X contains infinity or a value too large for dtype('%s') (row %lld, column %lld).",
                             in->kind == SKS_EST_TREES && m->forest.nodes64 == NULL ? "float32" : "float64",
                             (long long)jobs[t].bad_row, (long long)jobs[t].bad_col);
        }
    }
    return 0;
}
