/* fixtures.h -- small model descriptions the engine's C tests share. */
#ifndef SKS_FIXTURES_H
#define SKS_FIXTURES_H

#include "skscore.h"

#include <string.h>

/* A stump on feature 0 at 0.1 (not a float32: (float)0.1 > 0.1), NaN goes
 * left, then a split on feature 1 at 2.5; 3 classes with string labels. */
typedef struct fx_tree {
    int32_t left[5], right[5], feature[5];
    double threshold[5];
    uint8_t missing_left[5];
    double value[5 * 3];
    sks_tree_desc tree;
} fx_tree;

static const char *const fx_labels[3] = {"setosa", "versicolor", "virginica"};
static const char *const fx_names[2] = {"sepal length", "petal width"};
static const char *const fx_keys[2] = {"owner", "stage"};
static const char *const fx_vals[2] = {"risk-team", "prod"};

static inline void fx_tree_init(fx_tree *t, double scale)
{
    /* 0: x0 <= 0.1 ? 1 : 2;  2: x1 <= 2.5 ? 3 : 4 */
    int32_t l[5] = {1, -1, 3, -1, -1}, r[5] = {2, -1, 4, -1, -1}, f[5] = {0, -2, 1, -2, -2};
    double th[5] = {0.1, -2, 2.5, -2, -2};
    uint8_t ml[5] = {1, 0, 0, 0, 0};
    double v[15] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0.75, 0.25, 0, 0.125, 0.875};
    memcpy(t->left, l, sizeof l);
    memcpy(t->right, r, sizeof r);
    memcpy(t->feature, f, sizeof f);
    memcpy(t->threshold, th, sizeof th);
    memcpy(t->missing_left, ml, sizeof ml);
    for (int i = 0; i < 15; i++)
        t->value[i] = v[i] * scale;
    t->tree = (sks_tree_desc){5, t->left, t->right, t->feature, t->threshold, t->missing_left, t->value, NULL};
}

static inline sks_desc fx_classifier(const sks_tree_desc *trees, int32_t n_trees)
{
    sks_desc d;
    sks_desc_init(&d);
    d.source = "scikit-learn";
    d.source_version = "1.9.1";
    d.estimator = n_trees == 1 ? "DecisionTreeClassifier" : "RandomForestClassifier";
    d.n_features = 2;
    d.feature_names = fx_names;
    d.allow_nan = 1;
    d.task = SKS_TASK_CLASSIFICATION;
    d.n_outputs = 1;
    d.label_kind = SKS_LABEL_STR;
    d.n_classes = 3;
    d.str_labels = fx_labels;
    d.label_dtype = "<U10";
    d.link = SKS_LINK_PROBA;
    d.n_metadata = 2;
    d.metadata_keys = fx_keys;
    d.metadata_values = fx_vals;
    d.kind = SKS_EST_TREES;
    d.n_trees = n_trees;
    d.trees = trees;
    d.n_values = 3;
    d.aggregation = n_trees == 1 ? SKS_AGG_SINGLE : SKS_AGG_MEAN;
    d.compare = SKS_CMP_F32_LE;
    return d;
}

static const int64_t fx_int_labels[3] = {-1, 4, 7};

/* A 3-class linear classifier over 2 features. */
static const double fx_coef[6] = {1.5, -2.0, 0.25, 0.5, -1.0, 3.0};
static const double fx_intercept[3] = {0.1, -0.2, 0.3};

static inline sks_desc fx_linear(sks_link link)
{
    sks_desc d;
    sks_desc_init(&d);
    d.source = "scikit-learn";
    d.source_version = "1.9.1";
    d.estimator = "LogisticRegression";
    d.n_features = 2;
    d.task = SKS_TASK_CLASSIFICATION;
    d.n_outputs = 1;
    d.label_kind = SKS_LABEL_INT;
    d.n_classes = 3;
    d.int_labels = fx_int_labels;
    d.label_dtype = "int64";
    d.link = link;
    d.kind = SKS_EST_LINEAR;
    d.n_targets = 3;
    d.coef = fx_coef;
    d.intercept = fx_intercept;
    return d;
}

/* A summed tree ensemble over one feature with integer labels (boosting,
 * IsolationForest); callers set the trees, outputs and link. */
static inline sks_desc fx_summed_trees(const int64_t *labels, int32_t n_classes, sks_compare compare)
{
    sks_desc d;
    sks_desc_init(&d);
    d.n_features = 1;
    d.task = SKS_TASK_CLASSIFICATION;
    d.n_outputs = 1;
    d.label_kind = SKS_LABEL_INT;
    d.n_classes = n_classes;
    d.int_labels = labels;
    d.kind = SKS_EST_TREES;
    d.compare = compare;
    d.aggregation = SKS_AGG_SUM;
    return d;
}

/* An XGBoost-style regressor over one feature (format 1.2): float32 sums
 * of n_trees trees, "<" splits, NaN and infinities taken; no base, link
 * none (callers change what they test). */
static inline sks_desc fx_xgb_regressor(const sks_tree_desc *trees, int32_t n_trees)
{
    sks_desc d = fx_summed_trees(NULL, 0, SKS_CMP_F32_LT);
    d.estimator = "xgboost.XGBRegressor";
    d.task = SKS_TASK_REGRESSION;
    d.label_kind = SKS_LABEL_NONE;
    d.allow_nan = d.allow_inf = 1;
    d.sum_f32 = 1;
    d.n_trees = n_trees;
    d.trees = trees;
    d.n_values = 1;
    d.link = SKS_LINK_NONE;
    return d;
}

/* A pipeline over a table (format 1.1): input columns "city" (strings,
 * vocabulary paris/rome/oslo/missing), "x" (numbers) and "id" (ignored).
 * Steps: select [city, x]; fill a missing city with "missing" (code 3);
 * one-hot encode city over paris/rome/oslo (unknown and "missing": all
 * zero). A linear regressor reads [is_paris, is_rome, is_oslo, x] with
 * coef [1, 10, 100, 1000] and intercept 0.5. */
typedef struct fx_strings {
    const char *vocab_city[4];
    const char *const *vocab[3];
    int32_t vocab_size[3];
    uint8_t ignored[3];
    int32_t select[2];
    double fill[1];
    double cats[3], map[4];
    sks_encoding enc[1];
    sks_step_desc steps[3];
    double coef[4], intercept[1];
    const char *names[3];
    sks_desc d;
} fx_strings;

static inline void fx_strings_init(fx_strings *f)
{
    static const char *const city[4] = {"paris", "rome", "oslo", "missing"};
    memset(f, 0, sizeof *f);
    memcpy(f->vocab_city, city, sizeof city);
    f->vocab[0] = f->vocab_city;
    f->vocab_size[0] = 4;
    f->ignored[2] = 1;
    f->select[0] = 0;
    f->select[1] = 1;
    f->fill[0] = 3;
    for (int i = 0; i < 3; i++) {
        f->cats[i] = i;
        f->map[i] = i;
    }
    f->map[3] = -1;
    f->enc[0] = (sks_encoding){.n_cats = 3, .cats = f->cats, .onehot = 1, .width = 3, .map = f->map};
    f->steps[0] = (sks_step_desc){.kind = SKS_STEP_SELECT, .n_index = 2, .index = f->select};
    f->steps[1] = (sks_step_desc){.op = SKS_OP_FILL_NAN, .values = f->fill, .cast_values = 1, .width = 1};
    f->steps[2] = (sks_step_desc){.kind = SKS_STEP_ENCODE, .width = 1, .enc = f->enc};
    double coef[4] = {1, 10, 100, 1000};
    memcpy(f->coef, coef, sizeof coef);
    f->intercept[0] = 0.5;
    f->names[0] = "city";
    f->names[1] = "x";
    f->names[2] = "id";
    sks_desc *d = &f->d;
    sks_desc_init(d);
    d->source = "scikit-learn";
    d->estimator = "Pipeline";
    d->n_features = 3;
    d->feature_names = f->names;
    d->vocab = f->vocab;
    d->vocab_size = f->vocab_size;
    d->ignored = f->ignored;
    d->task = SKS_TASK_REGRESSION;
    d->n_outputs = 1;
    d->link = SKS_LINK_NONE;
    d->n_steps = 3;
    d->steps = f->steps;
    d->kind = SKS_EST_LINEAR;
    d->n_targets = 1;
    d->coef = f->coef;
    d->intercept = f->intercept;
}

static inline sks_matrix fx_rows(const double *x, int64_t n_rows, int64_t n_cols)
{
    return (sks_matrix){x, SKS_F64, n_rows, n_cols, n_cols * 8, 8};
}

#endif
