/*
 * mkmodel.c -- writes small model files for the gateway tests through the
 * engine's public API (sks_desc_save), so the gateway can be tested without
 * the Python exporter. Usage: mkmodel OUTDIR
 *
 *   iris.skm     DecisionTreeClassifier, string labels, 4 named features
 *   reg.skm      LinearRegression, 4 features, no names
 *   logreg.skm   LogisticRegression (binary), int labels 0/1, named features
 *   flags.skm    DecisionTreeClassifier, bool labels (label_dtype "bool")
 *   flabel.skm   DecisionTreeClassifier, float labels 1.0 / 2.5
 *
 * mkmodel OUTDIR big N_TREES writes only big.skm: a RandomForestRegressor
 * of N_TREES complete trees of depth 14 on 4 features (~1 MB of file per
 * tree), for tests that need a model slow to load (signals during reloads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skscore.h"

static const char *const iris_names[] = {"sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                                          "petal width (cm)"};

static int save(const sks_desc *d, const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    sks_error err;
    int rc = sks_desc_save(d, path, &err);
    if (rc != 0) {
        fprintf(stderr, "mkmodel: %s: %s\n", file, err.message);
        return 1;
    }
    return 0;
}

/* A forest of complete trees of depth 14: every internal node splits
 * feature (node % 4) at a threshold that depends on the node. */
static int save_big(const char *dir, int n_trees)
{
    enum { DEPTH = 14, N = (1 << (DEPTH + 1)) - 1 };
    int32_t *left = malloc(N * sizeof *left), *right = malloc(N * sizeof *right), *feat = malloc(N * sizeof *feat);
    double *thr = malloc(N * sizeof *thr), *val = malloc(N * sizeof *val);
    sks_tree_desc *trees = malloc((size_t)n_trees * sizeof *trees);
    if (!left || !right || !feat || !thr || !val || !trees) {
        fprintf(stderr, "mkmodel: out of memory\n");
        return 1;
    }
    for (int32_t i = 0; i < N; i++) {
        int leaf = 2 * i + 1 >= N;
        left[i] = leaf ? -1 : 2 * i + 1;
        right[i] = leaf ? -1 : 2 * i + 2;
        feat[i] = i % 4;
        thr[i] = (double)(i % 97) / 16.0;
        val[i] = (double)(i % 1000) / 100.0;
    }
    for (int t = 0; t < n_trees; t++)
        trees[t] = (sks_tree_desc){N, left, right, feat, thr, NULL, val, NULL};
    sks_desc d;
    sks_desc_init(&d);
    d.source = "scikit-learn";
    d.source_version = "1.5.0";
    d.estimator = "RandomForestRegressor";
    d.n_features = 4;
    d.task = SKS_TASK_REGRESSION;
    d.n_outputs = 1;
    d.label_kind = SKS_LABEL_NONE;
    d.link = SKS_LINK_NONE;
    d.kind = SKS_EST_TREES;
    d.n_trees = n_trees;
    d.trees = trees;
    d.n_values = 1;
    d.aggregation = SKS_AGG_MEAN;
    d.compare = SKS_CMP_F32_LE;
    int rc = save(&d, dir, "big.skm");
    free(left), free(right), free(feat), free(thr), free(val), free(trees);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[2], "big") == 0)
        return save_big(argv[1], atoi(argv[3]) > 0 ? atoi(argv[3]) : 1);
    if (argc != 2) {
        fprintf(stderr, "usage: mkmodel OUTDIR [big N_TREES]\n");
        return 2;
    }
    const char *dir = argv[1];
    int fails = 0;

    /* A tree like one fitted on iris. */
    static const int32_t left[] = {1, -1, 3, -1, -1}, right[] = {2, -1, 4, -1, -1}, feat[] = {2, 0, 3, 0, 0};
    static const double thr[] = {2.45, 0, 1.75, 0, 0};
    static const double val3[] = {0.333, 0.333, 0.334, 1, 0, 0, 0, 0.5, 0.5, 0, 0.907, 0.093, 0, 0.022, 0.978};
    sks_tree_desc tree = {5, left, right, feat, thr, NULL, val3, NULL};
    static const char *const iris_labels[] = {"setosa", "versicolor", "virginica"};
    sks_desc d;
    sks_desc_init(&d);
    d.source = "scikit-learn";
    d.source_version = "1.5.0";
    d.estimator = "DecisionTreeClassifier";
    d.n_features = 4;
    d.feature_names = iris_names;
    d.task = SKS_TASK_CLASSIFICATION;
    d.n_outputs = 1;
    d.label_kind = SKS_LABEL_STR;
    d.n_classes = 3;
    d.str_labels = iris_labels;
    d.label_dtype = "<U10";
    d.link = SKS_LINK_PROBA;
    d.kind = SKS_EST_TREES;
    d.n_trees = 1;
    d.trees = &tree;
    d.n_values = 3;
    d.aggregation = SKS_AGG_SINGLE;
    d.compare = SKS_CMP_F32_LE;
    /* the training samples at each node, as iris's would be (format 1.3:
     * the gateway's contributions need them) */
    static const double iris_cover[] = {150, 50, 100, 54, 46};
    const double *covers[1] = {iris_cover};
    d.tree_cover = covers;
    fails += save(&d, dir, "iris.skm");
    d.tree_cover = NULL;

    /* Bool and float labels: two classes. */
    static const double val2[] = {0.5, 0.5, 1, 0, 0.5, 0.5, 0.9, 0.1, 0.2, 0.8};
    sks_tree_desc tree2 = {5, left, right, feat, thr, NULL, val2, NULL};
    static const int64_t bool_labels[] = {0, 1};
    d.trees = &tree2;
    d.n_values = 2;
    d.n_classes = 2;
    d.label_kind = SKS_LABEL_INT;
    d.str_labels = NULL;
    d.int_labels = bool_labels;
    d.label_dtype = "bool";
    fails += save(&d, dir, "flags.skm");
    static const double float_labels[] = {1.0, 2.5};
    d.label_kind = SKS_LABEL_FLOAT;
    d.int_labels = NULL;
    d.float_labels = float_labels;
    d.label_dtype = "float64";
    fails += save(&d, dir, "flabel.skm");

    /* Linear regression. */
    static const double coef[] = {0.5, -0.25, 1.0, 2.0}, icpt[] = {0.1};
    sks_desc_init(&d);
    d.source = "scikit-learn";
    d.source_version = "1.5.0";
    d.estimator = "LinearRegression";
    d.n_features = 4;
    d.task = SKS_TASK_REGRESSION;
    d.n_outputs = 1;
    d.label_kind = SKS_LABEL_NONE;
    d.link = SKS_LINK_NONE;
    d.kind = SKS_EST_LINEAR;
    d.n_targets = 1;
    d.coef = coef;
    d.intercept = icpt;
    fails += save(&d, dir, "reg.skm");

    /* Binary logistic regression. */
    static const int64_t int_labels[] = {0, 1};
    d.estimator = "LogisticRegression";
    d.feature_names = iris_names;
    d.task = SKS_TASK_CLASSIFICATION;
    d.n_outputs = 1;
    d.label_kind = SKS_LABEL_INT;
    d.n_classes = 2;
    d.int_labels = int_labels;
    d.label_dtype = "int64";
    d.link = SKS_LINK_LOGISTIC;
    fails += save(&d, dir, "logreg.skm");
    return fails ? 1 : 0;
}
