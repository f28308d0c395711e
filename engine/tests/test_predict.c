/* test_predict.c -- scoring: exact tree arithmetic, links, input checks, threads. */
#include "fixtures.h"
#include "task.h"

#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include <stdbool.h>

static sks_model *build(const sks_desc *d)
{
    sks_model *m = NULL;
    sks_error err;
    if (sks_model_from_desc(d, &m, &err) != 0) {
        fprintf(stderr, "build: %s\n", err.message);
        exit(1);
    }
    return m;
}

TEST(threshold_compares_in_float32)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    sks_model *m = build(&d);
    sks_error err;
    /* 0.1 as float32 is 0.100000001490116 > 0.1: sklearn goes right. A
     * float64 comparison would go left. */
    double x[] = {0.1, 0.0, 0.09999999, 0.0, 0.1000000015, 9.0, -1e-45, 0.0};
    double out[4], proba[12];
    sks_matrix X = fx_rows(x, 4, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 4, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 1.0); /* right, then x1 = 0 <= 2.5: class 1 */
    ASSERT_BITS(out[1], 0.0); /* left */
    ASSERT_BITS(out[2], 2.0);
    ASSERT_BITS(out[3], 0.0);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, proba, 12, 1, &err), 0, &err);
    ASSERT_BITS(proba[0], 0.0);
    ASSERT_BITS(proba[1], 0.75);
    ASSERT_BITS(proba[2], 0.25);
    ASSERT_BITS(proba[3], 1.0);
    /* float32 input gives the same answers. */
    float xf[8];
    for (int i = 0; i < 8; i++)
        xf[i] = (float)x[i];
    sks_matrix Xf = {xf, SKS_F32, 4, 2, 8, 4};
    double outf[4];
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &Xf, outf, 4, 1, &err), 0, &err);
    ASSERT(memcmp(out, outf, sizeof out) == 0);
    sks_model_free(m);
}

TEST(nan_routing_and_refusal)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    sks_model *m = build(&d);
    sks_error err;
    double x[] = {NAN, 0.0, 1.0, NAN};
    double out[2];
    sks_matrix X = fx_rows(x, 2, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 2, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 0.0); /* root sends NaN left */
    ASSERT_BITS(out[1], 2.0); /* node 2 sends NaN right */
    sks_model_free(m);

    d.allow_nan = 0;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 2, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.row, ==, 0);
    ASSERT_INT(err.column, ==, 0);
    ASSERT(strstr(err.message, "NaN") != NULL);
    sks_model_free(m);
}

TEST(infinite_and_float32_overflow_refused)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    sks_model *m = build(&d);
    sks_error err;
    double out[3];
    double big[] = {0.0, 0.0, 0.0, 0.0, 1.0, 3.5e38};
    sks_matrix X = fx_rows(big, 3, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 3, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.row, ==, 2);
    ASSERT_INT(err.column, ==, 1);
    ASSERT(strstr(err.message, "float32") != NULL);
    double inf[] = {-INFINITY, 0.0};
    X = fx_rows(inf, 1, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 1, 1, &err), SKS_EVALUE, &err);
    /* The largest float32 itself is fine. */
    double edge[] = {3.4028234663852886e38, 0.0};
    X = fx_rows(edge, 1, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 1, 1, &err), 0, &err);
    sks_model_free(m);
}

TEST(shape_and_buffer_errors)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    sks_model *m = build(&d);
    sks_error err;
    double x[6] = {0}, out[6];
    sks_matrix X = fx_rows(x, 2, 3);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 6, 1, &err), SKS_ESHAPE, &err);
    ASSERT_STR(err.message, "X has 3 features, but DecisionTreeClassifier is expecting 2 features as input.");
    X = fx_rows(x, 3, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, out, 6, 1, &err), SKS_EBUFSIZE, &err);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, out, 6, 1, &err), SKS_EUNSUPPORTED, &err);
    ASSERT_STR(err.message, "This 'DecisionTreeClassifier' has no attribute 'decision_function'");
    X = fx_rows(x, 0, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, NULL, 0, 1, &err), 0, &err);
    X.dtype = (sks_dtype)9;
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 6, 1, &err), SKS_EARG, &err);
    int64_t cols;
    ASSERT_RC(sks_model_output_cols(m, SKS_OUT_PROBA, &cols, &err), 0, &err);
    ASSERT_INT(cols, ==, 3);
    ASSERT_RC(sks_model_output_cols(m, (sks_output)7, &cols, &err), SKS_EARG, &err);
    sks_model_free(m);
}

TEST(forest_mean_in_tree_order)
{
    fx_tree t[3];
    sks_tree_desc trees[3];
    const double scale[3] = {1.0, 1.0 / 3.0, 0.1};
    for (int i = 0; i < 3; i++) {
        fx_tree_init(&t[i], scale[i]);
        trees[i] = t[i].tree;
    }
    sks_desc d = fx_classifier(trees, 3);
    sks_model *m = build(&d);
    sks_error err;
    double x[] = {1.0, 9.0};
    double p[3];
    sks_matrix X = fx_rows(x, 1, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, p, 3, 1, &err), 0, &err);
    double want = 0.0;
    for (int i = 0; i < 3; i++)
        want += 0.875 * scale[i];
    want /= 3;
    ASSERT_BITS(p[2], want);
    sks_model_free(m);
}

/* Strided, transposed, reversed and float32 inputs; 1 vs many threads. */
TEST(layouts_and_threads_agree)
{
    enum { N = 5000, TREES = 40 };
    fx_tree t[TREES];
    sks_tree_desc trees[TREES];
    for (int i = 0; i < TREES; i++) {
        fx_tree_init(&t[i], 1.0 + i);
        t[i].threshold[0] = 0.01 * i;
        trees[i] = t[i].tree;
    }
    sks_desc d = fx_classifier(trees, TREES);
    sks_model *m = build(&d);
    sks_error err;
    double *rowmajor = malloc(N * 2 * sizeof(double));
    double *colmajor = malloc(N * 2 * sizeof(double));
    uint64_t s = 42;
    for (int i = 0; i < N; i++) {
        for (int c = 0; c < 2; c++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double v = (double)(s >> 11) / 9007199254740992.0 * 5.0 - 1.0;
            rowmajor[i * 2 + c] = v;
            colmajor[c * N + i] = v;
        }
    }
    double *a = malloc(N * 3 * sizeof(double)), *b = malloc(N * 3 * sizeof(double));
    sks_matrix X = fx_rows(rowmajor, N, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, a, N * 3, 1, &err), 0, &err);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, b, N * 3, 4, &err), 0, &err);
    ASSERT(memcmp(a, b, N * 3 * sizeof(double)) == 0);
    sks_matrix F = {colmajor, SKS_F64, N, 2, 8, N * 8};
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &F, b, N * 3, 0, &err), 0, &err);
    ASSERT(memcmp(a, b, N * 3 * sizeof(double)) == 0);
    /* Rows read backwards through a negative stride. */
    sks_matrix R = {rowmajor + (N - 1) * 2, SKS_F64, N, 2, -16, 8};
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &R, b, N * 3, 2, &err), 0, &err);
    for (int i = 0; i < N; i++)
        ASSERT(memcmp(&a[i * 3], &b[(N - 1 - i) * 3], 3 * sizeof(double)) == 0);
    /* One row at a time (the tree-lane path) equals the batch. */
    for (int i = 0; i < 50; i++) {
        sks_matrix one = fx_rows(rowmajor + i * 2, 1, 2);
        double p[3];
        ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &one, p, 3, 1, &err), 0, &err);
        ASSERT(memcmp(p, &a[i * 3], sizeof p) == 0);
    }
    free(rowmajor);
    free(colmajor);
    free(a);
    free(b);
    sks_model_free(m);
}

static double expit(double x) { return 1.0 / (1.0 + exp(-x)); }

TEST(linear_links)
{
    sks_error err;
    double x[] = {0.5, -1.25};
    sks_matrix X = fx_rows(x, 1, 2);
    double dec[3];
    for (int k = 0; k < 3; k++)
        dec[k] = (0.0 + x[0] * fx_coef[k * 2] + x[1] * fx_coef[k * 2 + 1]) + fx_intercept[k];

    sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
    sks_model *m = build(&d);
    double out[3], lab[1];
    ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, out, 3, 1, &err), 0, &err);
    for (int k = 0; k < 3; k++)
        ASSERT_BITS(out[k], dec[k]);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, out, 3, 1, &err), 0, &err);
    double mx = fmax(dec[0], fmax(dec[1], dec[2])), e[3];
    for (int k = 0; k < 3; k++)
        e[k] = exp(dec[k] - mx);
    double sum = 0.0 + e[0] + e[1] + e[2];
    for (int k = 0; k < 3; k++)
        ASSERT_BITS(out[k], e[k] / sum);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lab, 1, 1, &err), 0, &err);
    ASSERT_BITS(lab[0], dec[0] >= dec[1] ? (dec[0] >= dec[2] ? 0.0 : 2.0) : (dec[1] >= dec[2] ? 1.0 : 2.0));
    sks_model_free(m);

    d = fx_linear(SKS_LINK_LOGISTIC_OVR);
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, out, 3, 1, &err), 0, &err);
    double p[3], ps = 0.0;
    for (int k = 0; k < 3; k++)
        ps += (p[k] = expit(dec[k]));
    for (int k = 0; k < 3; k++)
        ASSERT_BITS(out[k], p[k] / ps);
    sks_model_free(m);

    /* Binary: one score column; predict is score > 0. */
    static const int64_t two[2] = {0, 1};
    d = fx_linear(SKS_LINK_LOGISTIC);
    d.n_classes = 2;
    d.int_labels = two;
    d.n_targets = 1;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, out, 2, 1, &err), 0, &err);
    ASSERT_BITS(out[1], expit(dec[0]));
    ASSERT_BITS(out[0], 1 - expit(dec[0]));
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lab, 1, 1, &err), 0, &err);
    ASSERT_BITS(lab[0], dec[0] > 0 ? 1.0 : 0.0);
    double zero[] = {0.0, 0.0};
    sks_desc dz = d;
    static const double zi[1] = {0.0};
    dz.intercept = zi;
    sks_model *mz = build(&dz);
    sks_matrix Z = fx_rows(zero, 1, 2);
    ASSERT_RC(sks_model_predict(mz, SKS_OUT_PREDICT, &Z, lab, 1, 1, &err), 0, &err);
    ASSERT_BITS(lab[0], 0.0); /* a score of exactly 0 is the first class */
    sks_model_free(mz);
    sks_model_free(m);

    d.link = SKS_LINK_MODIFIED_HUBER;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, out, 2, 1, &err), 0, &err);
    double ph = (fmin(fmax(dec[0], -1.0), 1.0) + 1.0) / 2.0;
    ASSERT_BITS(out[1], ph);
    sks_model_free(m);

    d.link = SKS_LINK_NONE;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, out, 2, 1, &err), SKS_EUNSUPPORTED, &err);
    ASSERT(strstr(err.message, "predict_proba") != NULL);
    sks_model_free(m);

    /* NaN is never accepted by linear models. */
    d = fx_linear(SKS_LINK_SOFTMAX);
    m = build(&d);
    double nan_x[] = {1.0, 2.0, 3.0, NAN};
    sks_matrix XN = fx_rows(nan_x, 2, 2);
    double o[6];
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &XN, o, 6, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.row, ==, 1);
    ASSERT_INT(err.column, ==, 1);
    sks_model_free(m);
}

/* A linear regressor of nt targets over nf features (coef nt x nf). */
static sks_desc linear_regressor(int32_t nf, int32_t nt, const double *coef, const double *icpt)
{
    sks_desc d;
    sks_desc_init(&d);
    d.n_features = nf;
    d.task = SKS_TASK_REGRESSION;
    d.n_outputs = nt;
    d.output_2d = 1;
    d.kind = SKS_EST_LINEAR;
    d.n_targets = nt;
    d.coef = coef;
    d.intercept = icpt;
    return d;
}

/* Target t's score of a row, the reference: 0, then + x_j * coef_j in
 * feature order (one rounding each: the tests are built without FMA),
 * then + intercept. */
static double feature_order_sum(const double *row, int32_t nf, const double *coef, const double *icpt, int32_t t)
{
    double s = 0.0;
    for (int32_t j = 0; j < nf; j++)
        s += row[j] * coef[(size_t)t * (size_t)nf + (size_t)j];
    return s + icpt[t];
}

TEST(linear_regression_many_rows)
{
    enum { N = 1003, F = 13 };
    double coef[2 * F], icpt[2] = {0.5, -3.0};
    for (int j = 0; j < 2 * F; j++)
        coef[j] = (j % 7) * 0.37 - 1.1;
    sks_desc d = linear_regressor(F, 2, coef, icpt);
    sks_model *m = build(&d);
    static double x[N * F], out[N * 2];
    for (int i = 0; i < N * F; i++)
        x[i] = (i % 101) * 0.013 - 0.4;
    sks_matrix X = fx_rows(x, N, F);
    sks_error err;
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, N * 2, 2, &err), 0, &err);
    for (int i = 0; i < N; i++)
        for (int t = 0; t < 2; t++)
            ASSERT_BITS(out[i * 2 + t], feature_order_sum(&x[i * F], F, coef, icpt, t));
    sks_model_free(m);
}

/* Boosting: trees add one value each to their class's column, from a
 * base score; binary uses one column and predicts class 1 at exactly 0. */
TEST(boosted_trees)
{
    /* Stump on x0 at 0.5: leaves -1.25 / +0.75. */
    int32_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, f[3] = {0, 0, 0};
    double th[3] = {0.5, 0, 0}, v0[3] = {0, -1.25, 0.75}, v1[3] = {0, 0.5, -0.5};
    sks_tree_desc trees[4] = {{3, l, r, f, th, NULL, v0, NULL}, {3, l, r, f, th, NULL, v1, NULL},
                              {3, l, r, f, th, NULL, v1, NULL}, {3, l, r, f, th, NULL, v0, NULL}};
    static const int64_t labels[3] = {10, 20, 30};
    sks_desc d = fx_summed_trees(labels, 3, SKS_CMP_F32_LE);

    /* Binary, exponential loss: base 0.5; trees 0 and 3 in column 0. */
    double base1[1] = {0.5};
    int32_t out1[2] = {0, 0};
    sks_tree_desc bin[2] = {trees[0], trees[3]};
    d.n_classes = 2;
    d.n_trees = 2;
    d.trees = bin;
    d.n_values = 1;
    d.base = base1;
    d.tree_output = out1;
    d.link = SKS_LINK_HALF_LOGISTIC;
    d.positive_at_zero = 1;
    sks_model *m = build(&d);
    sks_error err;
    double x[2] = {0.0, 1.0}, raw[2], p[4], lab[2];
    sks_matrix X = fx_rows(x, 2, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, raw, 2, 1, &err), 0, &err);
    ASSERT_BITS(raw[0], (0.5 + -1.25) + -1.25);
    ASSERT_BITS(raw[1], (0.5 + 0.75) + 0.75);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, p, 4, 1, &err), 0, &err);
    ASSERT_BITS(p[1], 1.0 / (1.0 + exp(-(2 * raw[0]))));
    ASSERT_BITS(p[0], 1 - p[1]);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lab, 2, 1, &err), 0, &err);
    ASSERT_BITS(lab[0], 0.0);
    ASSERT_BITS(lab[1], 1.0);
    sks_model_free(m);
    /* A raw score of exactly 0 is class 1 here (class 0 for linear). */
    double zero_base[1] = {2.5};
    d.base = zero_base;
    m = build(&d);
    double xz[1] = {0.0};
    X = fx_rows(xz, 1, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, raw, 1, 1, &err), 0, &err);
    ASSERT_BITS(raw[0], 0.0);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lab, 1, 1, &err), 0, &err);
    ASSERT_BITS(lab[0], 1.0);
    sks_model_free(m);

    /* Three classes, two stages: trees (stage, class) in order. */
    double base3[3] = {0.1, -0.2, 0.3};
    int32_t out3[4] = {0, 1, 2, 0};
    d.n_classes = 3;
    d.n_trees = 4;
    d.trees = trees;
    d.n_values = 3;
    d.base = base3;
    d.tree_output = out3;
    d.link = SKS_LINK_SOFTMAX;
    m = build(&d);
    /* Many rows (the row-lane path) and one row (the tree-lane path). */
    enum { N = 40 };
    double xs[N], outs[N * 3];
    for (int i = 0; i < N; i++)
        xs[i] = (i % 3) * 0.4;
    X = fx_rows(xs, N, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, outs, N * 3, 1, &err), 0, &err);
    for (int i = 0; i < N; i++) {
        int left = (float)xs[i] <= 0.5;
        double want0 = (0.1 + (left ? -1.25 : 0.75)) + (left ? -1.25 : 0.75);
        double want1 = -0.2 + (left ? 0.5 : -0.5), want2 = 0.3 + (left ? 0.5 : -0.5);
        ASSERT_BITS(outs[i * 3], want0);
        ASSERT_BITS(outs[i * 3 + 1], want1);
        ASSERT_BITS(outs[i * 3 + 2], want2);
        double one[3];
        sks_matrix X1 = fx_rows(&xs[i], 1, 1);
        ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X1, one, 3, 1, &err), 0, &err);
        ASSERT(memcmp(one, &outs[i * 3], sizeof one) == 0);
    }
    sks_model_free(m);
}

/* HistGradientBoosting: float64 comparisons (0.1 <= 0.1 goes left, where
 * float32 would go right), infinities taken when the model allows them. */
TEST(float64_comparisons)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    d.compare = SKS_CMP_F64_LE;
    d.allow_inf = 1;
    sks_model *m = build(&d);
    sks_error err;
    double x[] = {0.1, 0.0, 0.1000000015, INFINITY, -INFINITY, 0.0, NAN, 1.0}, out[4];
    sks_matrix X = fx_rows(x, 4, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 4, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 0.0); /* 0.1 <= 0.1 in float64: left */
    ASSERT_BITS(out[1], 2.0); /* right, then inf > 2.5: right */
    ASSERT_BITS(out[2], 0.0); /* -inf: left */
    ASSERT_BITS(out[3], 0.0); /* NaN goes left at the root */
    sks_model_free(m);
    d.allow_inf = 0;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 4, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.row, ==, 1);
    ASSERT(strstr(err.message, "float64") != NULL);
    sks_model_free(m);
    /* Float32 comparisons take infinities too (IsolationForest): the
     * float32 floor of a threshold keeps them on the right side. */
    d.compare = SKS_CMP_F32_LE;
    d.allow_inf = 1;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 4, 1, &err), 0, &err);
    ASSERT_BITS(out[1], 2.0);
    ASSERT_BITS(out[2], 0.0);
    sks_model_free(m);
}

/* softmax_seq (LightGBM) sums the class exponentials left to right;
 * softmax (scikit-learn) in NumPy's pairwise order. With 9 classes the two
 * sums differ in the last bit for these scores (found by search). */
TEST(softmax_sequential_sum)
{
    enum { K = 9 };
    static const double scores[K] = {-0.314, 1.458, 1.96, 1.802, 1.315, 0.357, -1.208, -0.004, 0.656};
    static const int64_t labels[K] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    int32_t l[1] = {-1}, r[1] = {-1}, f[1] = {0}, out[K];
    double th[1] = {0}, v[1] = {0};
    sks_tree_desc trees[K];
    for (int k = 0; k < K; k++) {
        trees[k] = (sks_tree_desc){1, l, r, f, th, NULL, v, NULL};
        out[k] = k;
    }
    sks_desc d = fx_summed_trees(labels, K, SKS_CMP_F64_LE);
    d.n_trees = K;
    d.trees = trees;
    d.n_values = K;
    d.base = scores;
    d.tree_output = out;
    d.link = SKS_LINK_SOFTMAX_SEQ;
    sks_model *m = build(&d);
    sks_error err;
    double x[1] = {0.0}, seq[K], pairwise[K];
    sks_matrix X = fx_rows(x, 1, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, seq, K, 1, &err), 0, &err);
    sks_model_free(m);
    double mx = scores[0], e[K], s = 0;
    for (int k = 1; k < K; k++)
        mx = scores[k] > mx ? scores[k] : mx;
    for (int k = 0; k < K; k++)
        s += e[k] = exp(scores[k] - mx);
    for (int k = 0; k < K; k++)
        ASSERT_BITS(seq[k], e[k] / s);
    d.link = SKS_LINK_SOFTMAX;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, pairwise, K, 1, &err), 0, &err);
    sks_model_free(m);
    ASSERT(memcmp(seq, pairwise, sizeof seq) != 0);
}

/* XGBoost (format 1.2): (float)x < t, float32 sums from the base, and the
 * float32 sigmoid / softmax / exp. */
static float xgb_sigmoid(float x)
{
    float e = expf(88.7f < -x ? 88.7f : -x);
    return 1.0f / (e + 1.0f + 1e-16f);
}

TEST(xgboost_float32_arithmetic)
{
    /* Stump on x0 at 0.5 ("<"): leaves 1e-8 (left) and 0.25 (right). */
    const float tiny = 1e-8f;
    int32_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, f[3] = {0, 0, 0};
    double th[3] = {0.5, 0, 0}, v[3] = {0, tiny, 0.25};
    uint8_t ml[3] = {1, 0, 0};
    sks_tree_desc tr = {3, l, r, f, th, ml, v, NULL};
    sks_tree_desc trees[6] = {tr, tr, tr, tr, tr, tr};
    static const int64_t labels[3] = {0, 1, 2};
    sks_desc d = fx_xgb_regressor(trees, 2);
    double base1[1] = {1.0};
    d.base = base1;
    sks_model *m = build(&d);
    sks_error err;
    /* 0.5 goes right; the float32 below it left; a double just below 0.5
     * rounds to 0.5 and goes right; NaN the default side (left); inf right. */
    double x[5] = {0.5, (double)nextafterf(0.5f, 0.0f), 0.5 - 1e-10, NAN, INFINITY}, out[5];
    sks_matrix X = fx_rows(x, 5, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 5, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 1.5);
    ASSERT_BITS(out[1], 1.0); /* (1 + 1e-8) + 1e-8 in float32 is 1; in float64 it is not */
    ASSERT(1.0 + tiny + tiny != 1.0);
    ASSERT_BITS(out[2], 1.5);
    ASSERT_BITS(out[3], 1.0);
    ASSERT_BITS(out[4], 1.5);
    sks_info info = SKS_INFO_INIT;
    sks_model_info(m, &info);
    ASSERT_INT(info.output_dtype, ==, SKS_F32);
    sks_model_free(m);
#ifdef __SSE__
    /* A split at 0.0 is stored as the subnormal below it: a caller running
     * with denormals-are-zero and flush-to-zero must not turn 0 < 0 true. */
    th[0] = 0.0;
    m = build(&d);
    double z[1] = {0.0}, zo[1];
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040u);
    X = fx_rows(z, 1, 1);
    int rc = sks_model_predict(m, SKS_OUT_PREDICT, &X, zo, 1, 1, &err);
    _mm_setcsr(csr);
    ASSERT_RC(rc, 0, &err);
    ASSERT_BITS(zo[0], 1.5);
    sks_model_free(m);
    th[0] = 0.5;
#endif

    /* exp_f32 regressor; many rows take the tree-major path. */
    d.link = SKS_LINK_EXP_F32;
    m = build(&d);
    enum { N = 40 };
    double xs[N], outs[N];
    for (int i = 0; i < N; i++)
        xs[i] = (i % 2) ? 0.75 : 0.25;
    X = fx_rows(xs, N, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, outs, N, 1, &err), 0, &err);
    for (int i = 0; i < N; i++)
        ASSERT_BITS(outs[i], (double)expf((i % 2) ? 1.5f : 1.0f));
    sks_model_free(m);

    /* Binary classifier, logistic_f32: proba [1-p, p], class 1 when p > 0.5. */
    d.task = SKS_TASK_CLASSIFICATION;
    d.label_kind = SKS_LABEL_INT;
    d.int_labels = labels;
    d.n_classes = 2;
    double base_neg[1] = {-1.5};
    d.base = base_neg;
    d.link = SKS_LINK_LOGISTIC_F32;
    m = build(&d);
    double p[4], lab[2], x2[2] = {0.25, 0.75};
    X = fx_rows(x2, 2, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, p, 4, 1, &err), 0, &err);
    float m0 = (float)((float)(-1.5f + tiny) + tiny), m1 = -1.0f;
    ASSERT_BITS(p[1], (double)xgb_sigmoid(m0));
    ASSERT_BITS(p[0], (double)(1.0f - xgb_sigmoid(m0)));
    ASSERT_BITS(p[3], (double)xgb_sigmoid(m1));
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lab, 2, 1, &err), 0, &err);
    ASSERT_BITS(lab[0], 0.0);
    ASSERT_BITS(lab[1], 0.0);
    sks_model_free(m);

    /* Three classes, two rounds; softmax_f32. Class 2's base equals class
     * 0's margin after its trees, so the labels differ by rule: the first
     * largest probability (softprob) vs the first largest margin. */
    double base3[3] = {0.5, -0.25, 1.0};
    int32_t out3[6] = {0, 1, 2, 0, 1, 2};
    d.n_classes = 3;
    d.n_trees = 6;
    d.n_values = 3;
    d.base = base3;
    d.tree_output = out3;
    d.link = SKS_LINK_SOFTMAX_F32;
    m = build(&d);
    double x1[1] = {0.75}, raw[3], pr[3], lb[1];
    X = fx_rows(x1, 1, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, raw, 3, 1, &err), 0, &err);
    ASSERT_BITS(raw[0], 1.0);
    ASSERT_BITS(raw[2], 1.5);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, pr, 3, 1, &err), 0, &err);
    float mx = 1.5f, e[3] = {expf(1.0f - mx), expf(0.25f - mx), expf(1.5f - mx)};
    double s = (double)e[0] + (double)e[1] + (double)e[2];
    for (int k = 0; k < 3; k++)
        ASSERT_BITS(pr[k], (double)(e[k] / (float)s));
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lb, 1, 1, &err), 0, &err);
    ASSERT_BITS(lb[0], 2.0);
    sks_model_free(m);
    d.link_params[0] = 1; /* multi:softmax: argmax of the margins */
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lb, 1, 1, &err), 0, &err);
    ASSERT_BITS(lb[0], 2.0);
    sks_model_free(m);
}

/* XGBoost's categorical rule: x (float32) truncated to an int goes right
 * when it is in the set; negative, >= 2^24 or out-of-set values go left;
 * NaN the default side. */
TEST(xgboost_categorical_splits)
{
    int32_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, f[3] = {0, 0, 0}, cat[3] = {0, -1, -1};
    double th[3] = {0, 0, 0}, v[3] = {0, -1.0, 1.0};
    uint8_t ml[3] = {0, 0, 0};
    sks_tree_desc tr = {3, l, r, f, th, ml, v, cat};
    sks_tree_desc trees[2] = {tr, tr};
    uint32_t bits[16] = {0};
    bits[0] = (1u << 2) | (1u << 5);
    bits[7] = 1u << 31; /* category 255 */
    sks_desc d = fx_xgb_regressor(trees, 2);
    d.n_cat_bitsets = 1;
    d.cat_bitsets = bits;
    d.cat_rule = SKS_CAT_XGBOOST;
    sks_model *m = build(&d);
    sks_error err;
    double x[10] = {2, 2.7, 5, 3, -1, -0.5, 255, 256, 16777216.0 + 4, NAN}, out[10];
    /* -0.5 truncates to 0, but XGBoost tests x < 0 first; NaN goes right here */
    double want[10] = {2, 2, 2, -2, -2, -2, 2, -2, -2, 2};
    sks_matrix X = fx_rows(x, 10, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 10, 1, &err), 0, &err);
    for (int i = 0; i < 10; i++)
        ASSERT_BITS(out[i], want[i]);
    /* 16777215.5 rounds to 2^24 in float32: out of range, left. */
    bits[0] = 0xffffffffu;
    sks_model_free(m);
    m = build(&d);
    double xr[1] = {16777215.5};
    X = fx_rows(xr, 1, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 1, 1, &err), 0, &err);
    ASSERT_BITS(out[0], -2.0);
    sks_model_free(m);
    ml[0] = 1; /* NaN goes the default side */
    m = build(&d);
    double xn[1] = {NAN};
    X = fx_rows(xn, 1, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 1, 1, &err), 0, &err);
    ASSERT_BITS(out[0], -2.0);
    sks_model_free(m);
    ml[0] = 0;
    m = build(&d);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 1, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 2.0);
    sks_model_free(m);
}

/* IsolationForest: summed path lengths -> score_samples, decision, -1/1. */
TEST(isolation_link)
{
    int32_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, f[3] = {0, 0, 0};
    double th[3] = {0.5, 0, 0}, v[3] = {0, 1.5, 7.25};
    sks_tree_desc trees[2] = {{3, l, r, f, th, NULL, v, NULL}, {3, l, r, f, th, NULL, v, NULL}};
    static const int64_t labels[2] = {-1, 1};
    sks_desc d = fx_summed_trees(labels, 2, SKS_CMP_F32_LE);
    d.allow_nan = 1;
    d.allow_inf = 1;
    d.link = SKS_LINK_ISOLATION;
    d.link_params[0] = 2 * 5.0;
    d.link_params[1] = -0.5;
    d.n_trees = 2;
    d.trees = trees;
    d.n_values = 1;
    sks_model *m = build(&d);
    sks_error err;
    double x[2] = {0.0, 1.0}, s[2], dec[2], lab[2];
    sks_matrix X = fx_rows(x, 2, 1);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_SCORE_SAMPLES, &X, s, 2, 1, &err), 0, &err);
    ASSERT_BITS(s[0], -pow(2.0, -((0.0 + 1.5 + 1.5) / 10.0)));
    ASSERT_BITS(s[1], -pow(2.0, -((0.0 + 7.25 + 7.25) / 10.0)));
    ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, dec, 2, 1, &err), 0, &err);
    ASSERT_BITS(dec[0], s[0] + 0.5);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, lab, 2, 1, &err), 0, &err);
    ASSERT_BITS(lab[0], dec[0] < 0 ? 0.0 : 1.0);
    ASSERT_BITS(lab[1], dec[1] < 0 ? 0.0 : 1.0);
    ASSERT(lab[0] != lab[1]);
    double p[4];
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, p, 4, 1, &err), SKS_EUNSUPPORTED, &err);
    sks_model_free(m);
}

/* Random trees for walks_agree_with_a_plain_walk: lopsided, of any depth
 * up to max_depth, with NaN sent either way. */
typedef struct rnd_forest {
    int32_t n_trees, n_features;
    sks_tree_desc *trees;
    int32_t *out; /* per tree, the raw score column it adds to */
    uint64_t s;
    int grid; /* 0, or thresholds are multiples of 1 / grid (ties with rows on it) */
} rnd_forest;

static uint64_t rnd_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static double rnd_unit(uint64_t *s) { return (double)rnd_next(s) / 9007199254740992.0; }

static int32_t rnd_grow(rnd_forest *rf, int32_t *left, int32_t *right, int32_t *feature, double *thr,
                        uint8_t *ml, double *value, int32_t *n, int32_t cap, int depth, int max_depth,
                        double p_leaf)
{
    int32_t me = (*n)++;
    if (depth == max_depth || *n + 2 > cap || (depth > 0 && rnd_unit(&rf->s) < p_leaf)) {
        left[me] = right[me] = -1;
        feature[me] = 0;
        thr[me] = 0.0;
        ml[me] = 0;
        value[me] = rnd_unit(&rf->s) - 0.5;
        return me;
    }
    feature[me] = (int32_t)(rnd_next(&rf->s) % (uint64_t)rf->n_features);
    thr[me] = rnd_unit(&rf->s) * 2.0 - 1.0;
    if (rf->grid > 0)
        thr[me] = round(thr[me] * rf->grid) / rf->grid;
    ml[me] = rnd_next(&rf->s) & 1;
    value[me] = 0.0;
    /* The left subtree leaves room for the right child. */
    left[me] = rnd_grow(rf, left, right, feature, thr, ml, value, n, cap - 1, depth + 1, max_depth, p_leaf);
    right[me] = rnd_grow(rf, left, right, feature, thr, ml, value, n, cap, depth + 1, max_depth, p_leaf);
    return me;
}

static void rnd_forest_init(rnd_forest *rf, int32_t n_trees, int32_t n_features, int32_t cap, int max_depth,
                            double p_leaf, int grid)
{
    rf->n_trees = n_trees;
    rf->n_features = n_features;
    rf->s = 7;
    rf->grid = grid;
    rf->trees = calloc((size_t)n_trees, sizeof(sks_tree_desc));
    rf->out = malloc((size_t)n_trees * sizeof(int32_t));
    for (int32_t t = 0; t < n_trees; t++) {
        int32_t *left = malloc((size_t)cap * 3 * sizeof(int32_t));
        double *thr = malloc((size_t)cap * 2 * sizeof(double));
        uint8_t *ml = malloc((size_t)cap);
        int32_t n = 0;
        rnd_grow(rf, left, left + cap, left + 2 * cap, thr, ml, thr + cap, &n, cap, 0, max_depth, p_leaf);
        rf->trees[t] = (sks_tree_desc){n, left, left + cap, left + 2 * cap, thr, ml, thr + cap, NULL};
        rf->out[t] = t % 3;
    }
}

static void rnd_forest_dispose(rnd_forest *rf)
{
    for (int32_t t = 0; t < rf->n_trees; t++) {
        free((void *)rf->trees[t].left);
        free((void *)rf->trees[t].threshold);
        free((void *)rf->trees[t].missing_left);
    }
    free(rf->trees);
    free(rf->out);
}

/* rf as a model: 3 raw score columns from base (softmax), tree t adding
 * to column out[t], NaN allowed. */
static sks_desc rnd_forest_desc(const rnd_forest *rf, const int64_t *labels, const double *base, sks_compare cmp)
{
    sks_desc d = fx_summed_trees(labels, 3, cmp);
    d.n_features = rf->n_features;
    d.n_trees = rf->n_trees;
    d.trees = rf->trees;
    d.n_values = 3;
    d.base = base;
    d.tree_output = rf->out;
    d.link = SKS_LINK_SOFTMAX;
    d.allow_nan = 1;
    return d;
}

/* Raw scores the plain way: each row through each tree in order, one node
 * at a time, summed in tree order from the base. */
static void rnd_forest_score(const rnd_forest *rf, const double *base, bool f32, const double *x, int32_t n,
                             double *raw)
{
    for (int32_t r = 0; r < n; r++) {
        const double *row = x + (size_t)r * (size_t)rf->n_features;
        for (int c = 0; c < 3; c++)
            raw[r * 3 + c] = base[c];
        for (int32_t t = 0; t < rf->n_trees; t++) {
            const sks_tree_desc *tr = &rf->trees[t];
            int32_t i = 0;
            while (tr->left[i] != -1) {
                double v = row[tr->feature[i]];
                bool left = isnan(v) ? tr->missing_left[i] : (f32 ? (double)(float)v : v) <= tr->threshold[i];
                i = left ? tr->left[i] : tr->right[i];
            }
            raw[r * 3 + rf->out[t]] += tr->value[i];
        }
    }
}


extern int sks__avx2, sks__avx512; /* cpu.c: 0 keeps the kernels off AVX2 (AVX-512) */

/* The linear kernels (the feature-major one after a copy, and on AVX-512
 * rows read where they are, linear.c) give the feature-order sum's bits
 * for every count of features and targets around their vector widths and
 * target groups, blocks and a short tail, rows with a gap after them (NaN
 * there: never read), on every kernel this CPU can run and at 1-3
 * threads; a value that is not finite is named at its row and column in
 * any block, while scores that overflow from finite values are returned. */
TEST(linear_kernels_agree)
{
    enum { N = 45, GAP = 3 };
    static const int32_t nfs[] = {1, 7, 8, 9, 13, 100}, nts[] = {1, 3, 5, 8, 9, 17};
    sks_error err;
    uint64_t s = 11;
    for (size_t a = 0; a < sizeof nfs / sizeof nfs[0]; a++)
        for (size_t b = 0; b < sizeof nts / sizeof nts[0]; b++) {
            const int32_t nf = nfs[a], nt = nts[b], w = nf + GAP;
            double *coef = malloc((size_t)nt * (size_t)nf * sizeof(double)), *icpt = malloc((size_t)nt * sizeof(double));
            double *x = malloc((size_t)N * (size_t)w * sizeof(double)), *want = malloc((size_t)N * (size_t)nt * sizeof(double));
            double *got = malloc((size_t)N * (size_t)nt * sizeof(double));
            for (int32_t i = 0; i < nt * nf; i++) /* mixed magnitudes and signs: the order shows in the bits */
                coef[i] = (rnd_unit(&s) - 0.5) * pow(10.0, (double)(rnd_next(&s) % 5) - 2.0);
            for (int32_t t = 0; t < nt; t++)
                icpt[t] = rnd_unit(&s) - 0.5;
            for (int32_t i = 0; i < N; i++)
                for (int32_t j = 0; j < w; j++)
                    x[(size_t)i * (size_t)w + (size_t)j] =
                        j < nf ? (rnd_unit(&s) - 0.5) * pow(10.0, (double)(rnd_next(&s) % 7) - 3.0) : NAN;
            for (int32_t i = 0; i < N; i++)
                for (int32_t t = 0; t < nt; t++)
                    want[(size_t)i * (size_t)nt + (size_t)t] =
                        feature_order_sum(&x[(size_t)i * (size_t)w], nf, coef, icpt, t);
            sks_desc d = linear_regressor(nf, nt, coef, icpt);
            sks_model *m = build(&d);
            sks_matrix X = {x, SKS_F64, N, nf, (int64_t)w * 8, 8};
            for (int isa = 0; isa < 3; isa++) {
                sks__avx512 = isa == 1 ? 0 : -1;
                sks__avx2 = isa == 2 ? 0 : -1;
                for (int threads = 1; threads <= 3; threads++) {
                    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, got, (size_t)N * (size_t)nt, threads, &err), 0,
                              &err);
                    for (int32_t i = 0; i < N * nt; i++)
                        ASSERT_BITS(got[i], want[i]);
                }
                /* A bad value in a full block (row 19), another later (30),
                 * and one in the tail (42): the first is named. */
                double *bad = &x[(size_t)19 * (size_t)w + (size_t)(nf - 1)], keep = *bad;
                double keep30 = x[(size_t)30 * (size_t)w], keep42 = x[(size_t)42 * (size_t)w];
                x[(size_t)30 * (size_t)w] = NAN;
                x[(size_t)42 * (size_t)w] = -INFINITY;
                for (int k = 0; k < 2; k++) {
                    *bad = k ? NAN : INFINITY;
                    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, got, (size_t)N * (size_t)nt, 1, &err),
                              SKS_EVALUE, &err);
                    ASSERT_INT(err.row, ==, 19);
                    ASSERT_INT(err.column, ==, nf - 1);
                }
                *bad = keep;
                ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, got, (size_t)N * (size_t)nt, 2, &err), SKS_EVALUE,
                          &err);
                ASSERT_INT(err.row, ==, 30);
                x[(size_t)30 * (size_t)w] = keep30;
                ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, got, (size_t)N * (size_t)nt, 1, &err), SKS_EVALUE,
                          &err);
                ASSERT_INT(err.row, ==, 42);
                x[(size_t)42 * (size_t)w] = keep42;
                /* Finite values whose scores overflow: returned as they sum. */
                double big[8 * (100 + GAP)];
                for (int32_t i = 0; i < 8 * w; i++)
                    big[i] = i % w < nf ? 1e308 * (i % 3 ? 1 : -1) : NAN;
                sks_matrix XB = {big, SKS_F64, 8, nf, (int64_t)w * 8, 8};
                ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &XB, got, (size_t)8 * (size_t)nt, 1, &err), 0, &err);
                for (int32_t i = 0; i < 8; i++)
                    for (int32_t t = 0; t < nt; t++)
                        ASSERT_BITS(got[(size_t)i * (size_t)nt + (size_t)t],
                                    feature_order_sum(&big[(size_t)i * (size_t)w], nf, coef, icpt, t));
            }
            sks__avx512 = sks__avx2 = -1;
            sks_model_free(m);
            free(coef);
            free(icpt);
            free(x);
            free(want);
            free(got);
        }
}

/* Softmax probabilities finished a block of rows at a time (links.c:
 * sks__finish_rows, which asks no exp of the maximum's difference) give
 * the bits of the plain per-row softmax -- exp of every difference, the
 * maximum's too -- wherever the maximum sits, with ties at the maximum,
 * on rows whose scores overflow to an infinite maximum (inf - inf: NaN),
 * at 1 and 2 threads, with rows in vector lanes (links.c:
 * sks__softmax_lanes, up to eight classes on a CPU with AVX-512) and
 * without. Each class's score is its own feature (coef the identity). The
 * boosted models' parity suites take the block finish over hundreds of
 * rows. */
double sks__np_sum(const double *a, int64_t n); /* links.c: NumPy's pairwise sum */

TEST(softmax_rows_agree_with_one_row)
{
    enum { N = 150 };
    static const int32_t ncs[] = {3, 4, 5, 8, 9, 17};
    static int64_t labels[17];
    for (int k = 0; k < 17; k++)
        labels[k] = k;
    uint64_t s = 5;
    sks_error err;
    for (size_t a = 0; a < sizeof ncs / sizeof ncs[0]; a++) {
        const int32_t c = ncs[a];
        double *coef = calloc((size_t)c * (size_t)c, sizeof(double)), *icpt = calloc((size_t)c, sizeof(double));
        double *x = malloc((size_t)N * (size_t)c * sizeof(double)), *got = malloc((size_t)N * (size_t)c * sizeof(double));
        for (int32_t k = 0; k < c; k++)
            coef[(size_t)k * (size_t)c + (size_t)k] = 1.0;
        for (int32_t i = 0; i < N; i++) {
            double *r = &x[(size_t)i * (size_t)c];
            for (int32_t k = 0; k < c; k++)
                r[k] = (rnd_unit(&s) - 0.5) * 40.0;
            if (i % 7 == 3) /* ties at the maximum */
                r[(i / 7) % c] = r[(i / 7 + 1) % c] = 30.0;
            if (i % 11 == 5) /* every class equal */
                for (int32_t k = 0; k < c; k++)
                    r[k] = -2.5;
            if (i % 13 == 6) /* the first class the largest, then the last */
                r[(i / 13) % 2 ? c - 1 : 0] = 25.0;
        }
        /* Two rows whose scores overflow: 1e308 * 10 is +inf, once alone
         * and once with a second infinite class. */
        coef[0] = 10.0;
        x[(size_t)40 * (size_t)c] = 1e308;
        x[(size_t)41 * (size_t)c] = 1e308;
        x[(size_t)41 * (size_t)c + 1] = 1e308;
        coef[(size_t)1 * (size_t)c + 1] = 10.0;
        sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
        d.n_features = c;
        d.n_classes = c;
        d.int_labels = labels;
        d.n_targets = c;
        d.coef = coef;
        d.intercept = icpt;
        sks_model *m = build(&d);
        sks_matrix X = fx_rows(x, N, c);
        for (int run = 0; run < 4; run++) {
            const int threads = 1 + run % 2;
            sks__avx512 = run < 2 ? -1 : 0; /* rows in lanes (sks__softmax_lanes), then not */
            ASSERT_RC(sks_model_predict(m, SKS_OUT_PROBA, &X, got, (size_t)N * (size_t)c, threads, &err), 0, &err);
            for (int32_t i = 0; i < N; i++) {
                double e[17], mx = -INFINITY, sum;
                for (int32_t k = 0; k < c; k++) {
                    e[k] = feature_order_sum(&x[(size_t)i * (size_t)c], c, coef, icpt, k);
                    mx = k == 0 || e[k] > mx ? e[k] : mx;
                }
                for (int32_t k = 0; k < c; k++)
                    e[k] = exp(e[k] - mx);
                sum = sks__np_sum(e, c);
                for (int32_t k = 0; k < c; k++)
                    ASSERT_BITS(got[(size_t)i * (size_t)c + (size_t)k], e[k] / sum);
            }
            ASSERT(isnan(got[(size_t)40 * (size_t)c])); /* inf - inf */
        }
        sks__avx512 = -1;
        sks_model_free(m);
        free(coef);
        free(icpt);
        free(x);
        free(got);
    }
}

/* Every walk (one row, small batches, blocks of rows, tree by tree over a
 * forest too large for the block walk, the leaf masks of float64 forests
 * of at most 64 leaves a tree, with and without AVX2), both comparisons,
 * with and without NaN: the same bits as one node at a time, in tree
 * order. */
TEST(walks_agree_with_a_plain_walk)
{
    enum { N = 700, NF = 5 };
    static const int64_t labels[3] = {0, 1, 2};
    static const double base[3] = {0.25, -0.5, 0.125};
    /* 61 trees of up to 200 nodes and depth 14; 30 trees of 14,000 nodes
     * (over 4 MB of nodes: walked tree by tree); 45 nearly complete trees
     * of depth 7 (the complete layout, tree.c: build_complete); 70 trees of
     * at most 31 leaves, lopsided, up to 15 deep, thresholds and rows on a
     * grid of 1/8 (ties), as LightGBM's; 40 trees of at most 64 leaves, up
     * to 30 deep, on a grid of 1/16 (tree.c: mask_trees, with the float64
     * comparison). */
    static const struct { int32_t trees, cap; int depth; double p_leaf; int grid; } shapes[5] = {
        {61, 200, 14, 0.3, 0}, {30, 14000, 40, 0.02, 0}, {45, 300, 7, 0.04, 0}, {70, 61, 15, 0.25, 8},
        {40, 127, 30, 0.1, 16}};
    static const int32_t batches[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 300, N};
    double *x = malloc(N * NF * sizeof(double)), *xg = malloc(N * NF * sizeof(double));
    double *want = malloc(N * 3 * sizeof(double)), *got = malloc(N * 3 * sizeof(double));
    uint64_t s = 3;
    for (int i = 0; i < N * NF; i++)
        x[i] = rnd_unit(&s) * 2.2 - 1.1;
    for (int sh = 0; sh < 5; sh++) {
        rnd_forest rf;
        rnd_forest_init(&rf, shapes[sh].trees, 5, shapes[sh].cap, shapes[sh].depth, shapes[sh].p_leaf,
                        shapes[sh].grid);
        for (int cmp = 0; cmp < 2; cmp++) {
            sks_desc d = rnd_forest_desc(&rf, labels, base, cmp ? SKS_CMP_F64_LE : SKS_CMP_F32_LE);
            sks_model *m = build(&d);
            sks_error err;
            for (int nan = 0; nan < 2; nan++) {
                for (int i = 0; i < N * NF; i++)
                    xg[i] = nan && i % 7 == 0 ? NAN : rf.grid > 0 ? round(x[i] * rf.grid) / rf.grid : x[i];
                rnd_forest_score(&rf, base, !cmp, xg, N, want);
                for (int isa = 0; isa < 2; isa++) {
                    sks__avx2 = isa ? 0 : -1;
                    for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
                        /* More threads: the forest split by trees (predict.c: score_trees) */
                        for (int threads = 1; threads <= (batches[b] >= 100 ? 3 : 1); threads++) {
                            for (int32_t r0 = 0; r0 < N; r0 += batches[b]) {
                                int32_t n = N - r0 < batches[b] ? N - r0 : batches[b];
                                sks_matrix X = fx_rows(xg + (size_t)r0 * NF, n, NF);
                                ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, got + (size_t)r0 * 3,
                                                            (size_t)n * 3, threads, &err),
                                          0, &err);
                            }
                            for (int i = 0; i < N * 3; i++)
                                ASSERT_BITS(got[i], want[i]);
                        }
                    }
                    sks__avx2 = -1;
                }
            }
            sks_model_free(m);
        }
        rnd_forest_dispose(&rf);
    }
    free(x);
    free(xg);
    free(want);
    free(got);
}

/* Threads share a large forest's work by trees, over chunks of rows
 * (predict.c: score_trees): 2,100 trees of up to 400 nodes (more than the
 * block walk takes) make chunks of about 1,000 rows, so 2,600 rows take
 * three, the last one short. Every thread count gives the plain walk's
 * bits; a refused value is reported at the input's first bad row,
 * whichever thread converts it. */
TEST(trees_split_across_threads)
{
    enum { N = 2600, NF = 5 };
    static const int64_t labels[3] = {0, 1, 2};
    static const double base[3] = {0.5, 0.25, -1.0};
    double *x = malloc(N * NF * sizeof(double));
    double *want = malloc(N * 3 * sizeof(double)), *got = malloc(N * 3 * sizeof(double));
    uint64_t s = 11;
    for (int i = 0; i < N * NF; i++)
        x[i] = i % 13 == 0 ? NAN : rnd_unit(&s) * 2.2 - 1.1;
    rnd_forest rf;
    rnd_forest_init(&rf, 2100, NF, 400, 16, 0.05, 0);
    sks_error err;
    for (int cmp = 0; cmp < 2; cmp++) {
        sks_desc d = rnd_forest_desc(&rf, labels, base, cmp ? SKS_CMP_F64_LE : SKS_CMP_F32_LE);
        sks_model *m = build(&d);
        rnd_forest_score(&rf, base, !cmp, x, N, want);
        sks_matrix X = fx_rows(x, N, NF);
        for (int threads = 1; threads <= 4; threads++) {
            memset(got, 0, N * 3 * sizeof(double));
            ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, got, N * 3, threads, &err), 0, &err);
            for (int i = 0; i < N * 3; i++)
                ASSERT_BITS(got[i], want[i]);
        }
        sks_model_free(m);

        d.allow_nan = 0;
        m = build(&d);
        double *keep = malloc(N * NF * sizeof(double));
        memcpy(keep, x, N * NF * sizeof(double));
        for (int i = 0; i < N * NF; i++)
            if (isnan(x[i]))
                x[i] = 0.25;
        x[1200 * NF + 3] = NAN; /* chunk 2's first part: the first */
        x[1700 * NF + 0] = NAN; /* its second part */
        x[2300 * NF + 1] = NAN; /* chunk 3 */
        for (int threads = 1; threads <= 4; threads++) {
            ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, got, N * 3, threads, &err), SKS_EVALUE, &err);
            ASSERT_INT(err.row, ==, 1200);
            ASSERT_INT(err.column, ==, 3);
        }
        memcpy(x, keep, N * NF * sizeof(double));
        free(keep);
        sks_model_free(m);
    }
    rnd_forest_dispose(&rf);
    free(x);
    free(want);
    free(got);
}

/* Random covers for rf's trees: a leaf 0 (no training row) one time in
 * six, else 1..10; a split the sum of its children's, or 1 when that is 0. */
static double **rnd_covers(rnd_forest *rf)
{
    double **covers = malloc((size_t)rf->n_trees * sizeof(double *));
    for (int32_t t = 0; t < rf->n_trees; t++) {
        const sks_tree_desc *tr = &rf->trees[t];
        double *c = covers[t] = malloc((size_t)tr->n_nodes * sizeof(double));
        for (int32_t i = tr->n_nodes - 1; i >= 0; i--) { /* children come after their parent */
            if (tr->left[i] == -1)
                c[i] = rnd_unit(&rf->s) < 1.0 / 6 ? 0.0 : 1.0 + (double)(rnd_next(&rf->s) % 10);
            else
                c[i] = c[tr->left[i]] + c[tr->right[i]] > 0 ? c[tr->left[i]] + c[tr->right[i]] : 1.0;
        }
    }
    return covers;
}

/* Algorithm 1 of Lundberg et al. (2020): tree tr's expected value at node
 * i when only the features in the bit set known are known, the others
 * averaged over the covers. */
static double expected_given(const sks_tree_desc *tr, const double *cover, const double *x, unsigned known, int32_t i)
{
    if (tr->left[i] == -1)
        return tr->value[i];
    int32_t j = tr->feature[i], l = tr->left[i], r = tr->right[i];
    if (known >> j & 1) {
        bool left = isnan(x[j]) ? tr->missing_left[i] : x[j] <= tr->threshold[i];
        return expected_given(tr, cover, x, known, left ? l : r);
    }
    return (cover[l] * expected_given(tr, cover, x, known, l) + cover[r] * expected_given(tr, cover, x, known, r)) /
           cover[i];
}

/* Contributions against Shapley's definition by brute force (every one of
 * the 2^5 coalitions), on random forests whose features repeat along the
 * paths, with leaves of cover 0 and NaN; then local accuracy (bias + the
 * contributions = the raw score) on deep trees over 24 features, where the
 * walk takes more Gauss points than its specialised copies do. */
TEST(contributions_are_shapley_values)
{
    static const int64_t labels[3] = {0, 1, 2};
    static const double base[3] = {0.25, -0.5, 0.125};
    static const struct { int32_t trees, nf, cap; int depth; double p_leaf; } shapes[2] = {
        {12, 5, 200, 14, 0.3}, {4, 24, 3000, 40, 0.02}};
    enum { N = 40 };
    uint64_t s = 5;
    for (int sh = 0; sh < 2; sh++) {
        const int32_t nf = shapes[sh].nf, cols = 3 * (nf + 1);
        rnd_forest rf;
        rnd_forest_init(&rf, shapes[sh].trees, nf, shapes[sh].cap, shapes[sh].depth, shapes[sh].p_leaf, 0);
        double **covers = rnd_covers(&rf);
        sks_desc d = rnd_forest_desc(&rf, labels, base, SKS_CMP_F64_LE);
        d.tree_cover = (const double *const *)covers;
        sks_model *m = build(&d);
        double *x = malloc((size_t)N * (size_t)nf * sizeof(double));
        double *got = malloc((size_t)N * (size_t)cols * sizeof(double)), raw[N * 3];
        for (int i = 0; i < N * nf; i++)
            x[i] = i % 11 == 0 ? NAN : rnd_unit(&s) * 2.2 - 1.1;
        sks_matrix X = fx_rows(x, N, nf);
        sks_error err;
        ASSERT_RC(sks_model_predict(m, SKS_OUT_CONTRIBUTIONS, &X, got, (size_t)N * (size_t)cols, 1, &err), 0, &err);
        ASSERT_RC(sks_model_predict(m, SKS_OUT_DECISION, &X, raw, N * 3, 1, &err), 0, &err);
        for (int32_t r = 0; r < N; r++) {
            const double *row = x + (size_t)r * (size_t)nf, *phi = got + (size_t)r * (size_t)cols;
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int32_t j = 0; j <= nf; j++)
                    sum += phi[c * (nf + 1) + j];
                ASSERT_NEAR(sum, raw[r * 3 + c], 1e-12 * (1 + fabs(raw[r * 3 + c])));
            }
            if (nf > 5)
                continue;
            /* v(S) per column, for every coalition S */
            double v[1 << 5][3];
            for (unsigned known = 0; known < 1u << nf; known++) {
                for (int c = 0; c < 3; c++)
                    v[known][c] = base[c];
                for (int32_t t = 0; t < rf.n_trees; t++)
                    v[known][rf.out[t]] += expected_given(&rf.trees[t], covers[t], row, known, 0);
            }
            for (int c = 0; c < 3; c++) {
                ASSERT_NEAR(phi[c * (nf + 1) + nf], v[0][c], 1e-12);
                for (int32_t j = 0; j < nf; j++) {
                    double want = 0;
                    for (unsigned known = 0; known < 1u << nf; known++) {
                        if (known >> j & 1)
                            continue;
                        int size = __builtin_popcount(known);
                        double weight = 1; /* size! (nf - size - 1)! / nf! */
                        for (int k = 1; k <= size; k++)
                            weight *= (double)k / (double)(nf - size - 1 + k);
                        weight /= nf;
                        want += weight * (v[known | 1u << j][c] - v[known][c]);
                    }
                    ASSERT_NEAR(phi[c * (nf + 1) + j], want, 1e-9 * fabs(want) + 1e-12);
                }
            }
        }
        for (int32_t t = 0; t < rf.n_trees; t++)
            free(covers[t]);
        free(covers);
        free(x);
        free(got);
        sks_model_free(m);
        rnd_forest_dispose(&rf);
    }
}

static const task_entry TESTS[] = {
    TASK(boosted_trees),
    TASK(float64_comparisons),
    TASK(isolation_link),
    TASK(softmax_sequential_sum),
    TASK(xgboost_float32_arithmetic),
    TASK(xgboost_categorical_splits),
    TASK(threshold_compares_in_float32),
    TASK(nan_routing_and_refusal),
    TASK(infinite_and_float32_overflow_refused),
    TASK(shape_and_buffer_errors),
    TASK(forest_mean_in_tree_order),
    TASK(layouts_and_threads_agree),
    TASK(walks_agree_with_a_plain_walk),
    TASK(trees_split_across_threads),
    TASK(contributions_are_shapley_values),
    TASK(linear_links),
    TASK(linear_regression_many_rows), TASK(linear_kernels_agree), TASK(softmax_rows_agree_with_one_row),
};
TASK_MAIN(TESTS)
