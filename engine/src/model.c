/*
 * model.c -- checking a model description and building the loaded model.
 *
 * Owns sks__desc_validate, the one place where a description's sizes,
 * indices, tree shapes, labels and strings are checked, whether the
 * description came from an exporter (before writing a file) or from a file
 * being loaded. After it, nothing downstream checks again. Also owns the
 * model object's lifetime and the inspection getters. Scoring lives in
 * predict.c, tree.c and linear.c.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FEATURES = SKS__MAX_FEATURES, MAX_CLASSES = 1 << 24, MAX_TREES = 1 << 24 };

static int check_str(sks_error *err, const char *s, const char *what, int64_t i)
{
    if (s == NULL)
        return sks__fail(err, SKS_EINVALID, "%s[%lld] is missing", what, (long long)i);
    if (!sks_utf8_valid(s, strlen(s)))
        return sks__fail(err, SKS_EINVALID, "%s[%lld] is not valid UTF-8", what, (long long)i);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Strings must be valid and, where they name things, unique. */
int sks__check_strs(sks_error *err, const char *const *v, int32_t n, const char *what, bool unique)
{
    for (int32_t i = 0; i < n; i++) {
        int rc = check_str(err, v[i], what, i);
        if (rc != 0)
            return rc;
    }
    if (!unique || n < 2)
        return 0;
    const char **sorted = malloc((size_t)n * sizeof(*sorted));
    if (sorted == NULL)
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    memcpy(sorted, v, (size_t)n * sizeof(*sorted));
    qsort(sorted, (size_t)n, sizeof(*sorted), cmp_str);
    int rc = 0;
    for (int32_t i = 1; i < n && rc == 0; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            rc = sks__fail(err, SKS_EINVALID, "%s has \"%.64s\" twice", what, sorted[i]);
    free(sorted);
    return rc;
}

/* Whether v is a float32 number (or NaN): what float32 sums need of their
 * base and leaf values. */
static bool is_f32(double v) { return (double)(float)v == v || isnan(v); }

/* Every node reachable from the root exactly once (no cycles, no shared
 * subtrees); children in range; leaves are leaves on both sides. */
static int check_tree(const sks_desc *d, int32_t t, int32_t nf, sks_error *err)
{
    const sks_tree_desc *tr = &d->trees[t];
    int32_t n = tr->n_nodes;
    if (n < 1 || tr->left == NULL || tr->right == NULL || tr->feature == NULL ||
        tr->threshold == NULL || tr->value == NULL)
        return sks__fail(err, SKS_EINVALID, "trees[%d]: no nodes, or a node array is missing", t);
    const double *cover = d->tree_cover != NULL ? d->tree_cover[t] : NULL;
    if (d->tree_cover != NULL && cover == NULL)
        return sks__fail(err, SKS_EINVALID, "trees[%d] has no covers while other trees have: every tree or none", t);
    for (int32_t i = 0; i < n; i++) {
        int32_t l = tr->left[i], r = tr->right[i];
        if (cover != NULL && (!isfinite(cover[i]) || cover[i] < 0 || (l != -1 && cover[i] == 0)))
            return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: cover %.17g is not a finite number %s", t, i,
                             cover[i], l != -1 ? "> 0 (a split)" : ">= 0");
        if ((l == -1) != (r == -1))
            return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: one child is a leaf marker (-1), the other is %d", t, i, l == -1 ? r : l);
        if (l == -1) {
            int32_t lw = d->tree_output != NULL ? 1 : d->n_values;
            for (int32_t k = 0; d->sum_f32 && k < lw; k++) {
                double v = tr->value[(size_t)i * (size_t)lw + (size_t)k];
                if (!is_f32(v))
                    return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: value %.17g is not a float32 number (float32 sums)",
                                     t, i, v);
            }
            continue;
        }
        if (l <= 0 || l >= n || r <= 0 || r >= n)
            return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: child %d is outside 1..%d", t, i, (l <= 0 || l >= n) ? l : r, n - 1);
        if (tr->feature[i] < 0 || tr->feature[i] >= nf)
            return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: feature %d is outside 0..%d", t, i, tr->feature[i], nf - 1);
        if (tr->cat != NULL && tr->cat[i] != -1) {
            if (tr->cat[i] < 0 || tr->cat[i] >= d->n_cat_bitsets || d->cat_bitsets == NULL)
                return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: categorical bitsets %d are outside 0..%d", t, i,
                                 tr->cat[i], d->n_cat_bitsets - 1);
            if (d->cat_rule == SKS_CAT_LIGHTGBM && tr->missing_left != NULL && tr->missing_left[i])
                return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: LightGBM categorical splits send NaN right", t, i);
        } else if (isnan(tr->threshold[i]) || (d->compare == SKS_CMP_F32_LT && tr->threshold[i] == -INFINITY)) {
            return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: threshold is %s", t, i,
                             isnan(tr->threshold[i]) ? "NaN" : "-inf, which \"f32_lt\" cannot compare with");
        }
        if (tr->missing_left != NULL && tr->missing_left[i] > 1)
            return sks__fail(err, SKS_EINVALID, "trees[%d] node %d: missing_left is %d, not 0 or 1", t, i, tr->missing_left[i]);
    }
    uint8_t *seen = calloc((size_t)n, 1);
    int32_t *stack = malloc((size_t)n * sizeof(int32_t));
    int rc = 0;
    if (seen == NULL || stack == NULL) {
        rc = sks__fail(err, SKS_ENOMEM, "out of memory");
        goto done;
    }
    int32_t top = 0;
    stack[top++] = 0;
    while (top > 0 && rc == 0) {
        int32_t i = stack[--top];
        if (seen[i]) {
            rc = sks__fail(err, SKS_EINVALID, "trees[%d] node %d is reached twice: the tree has a cycle or a shared subtree", t, i);
            break;
        }
        seen[i] = 1;
        if (tr->left[i] != -1) {
            /* n pushes at most: each node is pushed by its one parent. */
            if (top + 2 > n) {
                rc = sks__fail(err, SKS_EINVALID, "trees[%d] node %d is reached twice: the tree has a cycle or a shared subtree", t, i);
                break;
            }
            stack[top++] = tr->right[i];
            stack[top++] = tr->left[i];
        }
    }
done:
    free(seen);
    free(stack);
    return rc;
}

int sks_desc_estimator_features(const sks_desc *caller, int32_t *out, sks_error *err)
{
    sks__error_clear(err);
    if (out == NULL)
        return sks__fail(err, SKS_EARG, "sks_desc_estimator_features: NULL argument");
    sks_desc d;
    int rc = sks__desc_accept(caller, &d, err);
    return rc != 0 ? rc : sks__steps_check(&d, out, NULL, NULL, err);
}

int sks__desc_validate(const sks_desc *d, sks_error *err)
{
    int rc;
    if (d->n_features < 1 || d->n_features > MAX_FEATURES)
        return sks__fail(err, SKS_EINVALID, "n_features is %d, outside 1..%d", d->n_features, MAX_FEATURES);
    if (d->feature_names != NULL &&
        (rc = sks__check_strs(err, d->feature_names, d->n_features, "feature_names", true)) != 0)
        return rc;
    const char *prov[4] = {d->source, d->source_version, d->estimator, d->label_dtype};
    for (int i = 0; i < 4; i++)
        if (prov[i] != NULL && !sks_utf8_valid(prov[i], strlen(prov[i])))
            return sks__fail(err, SKS_EINVALID, "a provenance string is not valid UTF-8");
    if (d->n_metadata < 0 || (d->n_metadata > 0 && (d->metadata_keys == NULL || d->metadata_values == NULL)))
        return sks__fail(err, SKS_EINVALID, "metadata arrays are missing");
    if ((rc = sks__check_strs(err, d->metadata_keys, d->n_metadata, "metadata keys", true)) != 0 ||
        (rc = sks__check_strs(err, d->metadata_values, d->n_metadata, "metadata values", false)) != 0)
        return rc;
    if (d->n_outputs < 1 || d->n_outputs > (1 << 20))
        return sks__fail(err, SKS_EINVALID, "n_outputs is %d, outside 1..%d", d->n_outputs, 1 << 20);
    if ((unsigned)d->link > SKS_LINK_EXP_F32)
        return sks__fail(err, SKS_EINVALID, "unknown link %d", (int)d->link);

    if (d->task == SKS_TASK_CLASSIFICATION) {
        if (d->n_outputs != 1)
            return sks__fail(err, SKS_EINVALID, "multi-output classification is not supported (n_outputs %d)", d->n_outputs);
        if (d->n_classes < 1 || d->n_classes > MAX_CLASSES)
            return sks__fail(err, SKS_EINVALID, "n_classes is %d, outside 1..%d", d->n_classes, MAX_CLASSES);
        switch (d->label_kind) {
        case SKS_LABEL_INT:
            if (d->int_labels == NULL)
                return sks__fail(err, SKS_EINVALID, "integer class labels are missing");
            break;
        case SKS_LABEL_FLOAT:
            if (d->float_labels == NULL)
                return sks__fail(err, SKS_EINVALID, "float class labels are missing");
            break;
        case SKS_LABEL_STR:
            if (d->str_labels == NULL)
                return sks__fail(err, SKS_EINVALID, "string class labels are missing");
            if ((rc = sks__check_strs(err, d->str_labels, d->n_classes, "class labels", false)) != 0)
                return rc;
            break;
        default:
            return sks__fail(err, SKS_EINVALID, "a classifier needs class labels (label kind %d)", (int)d->label_kind);
        }
    } else if (d->task != SKS_TASK_REGRESSION) {
        return sks__fail(err, SKS_EINVALID, "unknown task %d", (int)d->task);
    }

    int32_t nf;
    if ((rc = sks__steps_check(d, &nf, NULL, NULL, err)) != 0)
        return rc;

    bool clf = d->task == SKS_TASK_CLASSIFICATION;
    if (d->kind == SKS_EST_TREES) {
        if (d->n_trees < 1 || d->n_trees > MAX_TREES || d->trees == NULL)
            return sks__fail(err, SKS_EINVALID, "n_trees is %d, outside 1..%d", d->n_trees, MAX_TREES);
        if (d->compare != SKS_CMP_F32_LE && d->compare != SKS_CMP_F64_LE && d->compare != SKS_CMP_F32_LT)
            return sks__fail(err, SKS_EINVALID, "unknown comparison %d", (int)d->compare);
        if (d->n_cat_bitsets < 0 || d->n_cat_bitsets > (1 << 24) || (d->n_cat_bitsets > 0 && d->cat_bitsets == NULL))
            return sks__fail(err, SKS_EINVALID, "n_cat_bitsets is %d, outside 0..%d", d->n_cat_bitsets, 1 << 24);
        if ((unsigned)d->cat_rule > SKS_CAT_XGBOOST)
            return sks__fail(err, SKS_EINVALID, "unknown categorical rule %d", (int)d->cat_rule);
        /* The categorical walk reads float64 nodes of an ensemble; XGBoost's
         * rule goes with its comparison, the others with "f64_le". */
        if (d->n_cat_bitsets > 0 &&
            (d->compare != (d->cat_rule == SKS_CAT_XGBOOST ? SKS_CMP_F32_LT : SKS_CMP_F64_LE) ||
             d->aggregation == SKS_AGG_SINGLE))
            return sks__fail(err, SKS_EINVALID, "categorical splits need an ensemble and compare \"%s\" with rule %d",
                             d->cat_rule == SKS_CAT_XGBOOST ? "f32_lt" : "f64_le", (int)d->cat_rule);
        if (d->sum_f32 != 0 && (d->sum_f32 != 1 || d->aggregation != SKS_AGG_SUM))
            return sks__fail(err, SKS_EINVALID, "float32 sums (sum_f32 %d) need aggregation \"sum\"", d->sum_f32);
        if (d->sum_f32 && d->base != NULL)
            for (int32_t k = 0; k < d->n_values; k++)
                if (!is_f32(d->base[k]))
                    return sks__fail(err, SKS_EINVALID, "base[%d] is %.17g, not a float32 number (float32 sums)", k,
                                     d->base[k]);
        if ((unsigned)d->aggregation > SKS_AGG_SUM || (d->aggregation == SKS_AGG_SINGLE && d->n_trees != 1))
            return sks__fail(err, SKS_EINVALID, "aggregation %d does not fit %d trees", (int)d->aggregation, d->n_trees);
        /* Probability trees give n_classes values; raw-score (boosted)
         * classifiers one column when binary, else n_classes. */
        bool binary = clf && d->n_classes == 2;
        int32_t want = !clf ? d->n_outputs
                            : (d->link == SKS_LINK_PROBA ? d->n_classes : (binary ? 1 : d->n_classes));
        if (d->n_values != want)
            return sks__fail(err, SKS_EINVALID, "trees carry %d values per leaf, the output needs %d", d->n_values, want);
        bool ok;
        switch (d->link) {
        case SKS_LINK_NONE:
        case SKS_LINK_EXP:
        case SKS_LINK_EXP_F32: ok = !clf; break;
        case SKS_LINK_LOGISTIC_F32: ok = binary || !clf; break;
        case SKS_LINK_SOFTMAX_F32: ok = clf && !binary && d->n_classes > 2; break;
        case SKS_LINK_PROBA: ok = clf; break;
        case SKS_LINK_LOGISTIC:
        case SKS_LINK_HALF_LOGISTIC: ok = binary; break;
        case SKS_LINK_SOFTMAX:
        case SKS_LINK_SOFTMAX_SEQ: ok = clf && !binary && d->n_classes > 2; break;
        case SKS_LINK_ISOLATION:
            ok = binary && d->aggregation == SKS_AGG_SUM && isfinite(d->link_params[0]) &&
                 isfinite(d->link_params[1]);
            break;
        default: ok = false;
        }
        if (!ok)
            return sks__fail(err, SKS_EINVALID, "link %d does not fit a tree %s with %d classes", (int)d->link,
                             clf ? "classifier" : "regressor", d->n_classes);
        if ((d->base != NULL || d->tree_output != NULL) && d->aggregation != SKS_AGG_SUM)
            return sks__fail(err, SKS_EINVALID, "base scores and per-tree outputs need aggregation \"sum\"");
        if (d->link != SKS_LINK_PROBA && d->link != SKS_LINK_NONE && d->aggregation != SKS_AGG_SUM)
            return sks__fail(err, SKS_EINVALID, "raw-score tree classifiers need aggregation \"sum\"");
        if (d->tree_output != NULL)
            for (int32_t t = 0; t < d->n_trees; t++)
                if (d->tree_output[t] < 0 || d->tree_output[t] >= d->n_values)
                    return sks__fail(err, SKS_EINVALID, "tree_output[%d] is %d, outside 0..%d", t, d->tree_output[t], d->n_values - 1);
        for (int32_t t = 0; t < d->n_trees; t++)
            if ((rc = check_tree(d, t, nf, err)) != 0)
                return rc;
    } else if (d->kind == SKS_EST_LINEAR) {
        if (d->allow_inf || (d->allow_nan && d->n_steps == 0))
            return sks__fail(err, SKS_EINVALID, "linear models take finite inputs only");
        if ((d->coef_dtype != 0 && d->coef_dtype != SKS_F32 && d->coef_dtype != SKS_F64) ||
            (d->intercept_dtype != 0 && d->intercept_dtype != SKS_F32 && d->intercept_dtype != SKS_F64))
            return sks__fail(err, SKS_EINVALID, "linear model: unknown coefficient or intercept dtype (%d, %d)",
                             (int)d->coef_dtype, (int)d->intercept_dtype);
        if (d->coef == NULL || d->intercept == NULL)
            return sks__fail(err, SKS_EINVALID, "linear model: coef or intercept is missing");
        if ((int64_t)d->n_targets * nf > (int64_t)1 << 31)
            return sks__fail(err, SKS_EINVALID, "linear model: %d x %d coefficients is too many", d->n_targets, nf);
        if (!clf) {
            if (d->n_targets != d->n_outputs || d->link != SKS_LINK_NONE)
                return sks__fail(err, SKS_EINVALID, "linear regressor: n_targets %d must equal n_outputs %d, with link \"none\"", d->n_targets, d->n_outputs);
        } else {
            bool binary = d->n_classes == 2;
            int32_t want = binary ? 1 : d->n_classes;
            if (d->n_classes < 2 || d->n_targets != want)
                return sks__fail(err, SKS_EINVALID, "linear classifier with %d classes needs %d score columns, has %d", d->n_classes, want, d->n_targets);
            bool ok;
            switch (d->link) {
            case SKS_LINK_NONE:
            case SKS_LINK_MODIFIED_HUBER: ok = true; break;
            case SKS_LINK_LOGISTIC:
            case SKS_LINK_SOFTMAX_BINARY: ok = binary; break;
            case SKS_LINK_LOGISTIC_OVR:
            case SKS_LINK_SOFTMAX: ok = !binary; break;
            default: ok = false;
            }
            if (!ok)
                return sks__fail(err, SKS_EINVALID, "link %d does not fit a linear classifier with %d classes", (int)d->link, d->n_classes);
        }
    } else {
        return sks__fail(err, SKS_EINVALID, "unknown estimator kind %d", (int)d->kind);
    }
    return 0;
}

static char *dup_str(const char *s)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c != NULL)
        memcpy(c, s, n);
    return c;
}

char **sks__dup_strs(const char *const *v, int32_t n, bool *fail)
{
    if (v == NULL || n == 0)
        return NULL;
    char **out = calloc((size_t)n, sizeof(char *));
    if (out == NULL) {
        *fail = true;
        return NULL;
    }
    for (int32_t i = 0; i < n; i++)
        if ((out[i] = dup_str(v[i])) == NULL)
            *fail = true;
    return out;
}

void sks__free_strs(char **v, int32_t n)
{
    if (v == NULL)
        return;
    for (int32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void *sks__dup_mem(const void *p, size_t n, bool *fail)
{
    void *c = malloc(n ? n : 1);
    if (c == NULL)
        *fail = true;
    else if (n)
        memcpy(c, p, n);
    return c;
}


int sks__model_build(const sks_desc *d, const char *producer_version, int format_minor,
                     const char *checksum_hex, sks_model **out, sks_error *err)
{
    int rc = sks__desc_validate(d, err);
    if (rc != 0)
        return rc;
    sks_model *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    bool fail = false;
    sks_info *in = &m->info;
    in->format_major = SKS_FORMAT_MAJOR;
    in->format_minor = format_minor;
    in->producer = "skscore";
    const char *strs[5] = {producer_version, d->source, d->source_version, d->estimator, d->label_dtype};
    for (int i = 0; i < 5; i++)
        if ((m->strings[i] = dup_str(strs[i])) == NULL)
            fail = true;
    in->producer_version = m->strings[0];
    in->source = m->strings[1];
    in->source_version = m->strings[2];
    in->estimator = m->strings[3];
    in->label_dtype = m->strings[4];
    snprintf(m->checksum, sizeof(m->checksum), "%s", checksum_hex);
    in->checksum = m->checksum;
    in->task = d->task;
    in->kind = d->kind;
    in->n_features = d->n_features;
    in->n_outputs = d->n_outputs;
    in->output_2d = d->output_2d != 0;
    in->link = d->link;
    memcpy(m->link_params, d->link_params, sizeof(m->link_params));
    m->positive_at_zero = d->positive_at_zero != 0;
    in->allow_nan = d->allow_nan != 0;
    in->allow_inf = d->allow_inf != 0;
    in->has_feature_names = d->feature_names != NULL;
    m->feature_names = sks__dup_strs(d->feature_names, d->n_features, &fail);
    in->n_metadata = d->n_metadata;
    m->meta_keys = sks__dup_strs(d->metadata_keys, d->n_metadata, &fail);
    m->meta_values = sks__dup_strs(d->metadata_values, d->n_metadata, &fail);
    if (d->task == SKS_TASK_CLASSIFICATION) {
        in->n_classes = d->n_classes;
        in->label_kind = d->label_kind;
        size_t n = (size_t)d->n_classes;
        if (d->label_kind == SKS_LABEL_INT)
            m->int_labels = sks__dup_mem(d->int_labels, n * 8, &fail);
        else if (d->label_kind == SKS_LABEL_FLOAT)
            m->float_labels = sks__dup_mem(d->float_labels, n * 8, &fail);
        else
            m->str_labels = sks__dup_strs(d->str_labels, d->n_classes, &fail);
    }
    if (fail) {
        sks_model_free(m);
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    }
    if ((rc = sks__steps_build(d, m, err)) != 0) {
        sks_model_free(m);
        return rc;
    }
    in->n_estimator_features = m->est_width;
    if (d->ignored != NULL) {
        if ((m->ignored = sks__dup_mem(d->ignored, (size_t)d->n_features, &fail)) == NULL) {
            sks_model_free(m);
            return sks__fail(err, SKS_ENOMEM, "out of memory");
        }
        for (int32_t c = 0; c < d->n_features; c++)
            in->n_ignored_columns += m->ignored[c];
    }
    if (d->kind == SKS_EST_TREES) {
        rc = sks__forest_compile(d, &m->forest, err);
        if (rc != 0) {
            sks_model_free(m);
            return rc;
        }
        m->n_raw = d->n_values;
        in->n_trees = m->forest.n_trees;
        in->n_nodes = m->forest.n_nodes;
        in->max_depth = m->forest.max_depth;
        in->output_dtype = d->sum_f32 ? SKS_F32 : SKS_F64;
    } else {
        size_t nc = (size_t)d->n_targets * (size_t)m->est_width;
        m->linear.n_targets = d->n_targets;
        in->coef_dtype = d->coef_dtype == SKS_F32 ? SKS_F32 : SKS_F64;
        in->output_dtype = SKS_F64;
        in->intercept_dtype = d->intercept_dtype == SKS_F32 ? SKS_F32 : SKS_F64;
        m->linear.coef = sks__dup_mem(d->coef, nc * 8, &fail);
        m->linear.intercept = sks__dup_mem(d->intercept, (size_t)d->n_targets * 8, &fail);
        m->n_raw = d->n_targets;
        if (fail) {
            sks_model_free(m);
            return sks__fail(err, SKS_ENOMEM, "out of memory");
        }
    }
    *out = m;
    return 0;
}

void sks_model_free(sks_model *m)
{
    if (m == NULL)
        return;
    sks__free_strs(m->feature_names, m->info.n_features);
    free(m->int_labels);
    free(m->float_labels);
    sks__free_strs(m->str_labels, m->info.n_classes);
    sks__free_strs(m->meta_keys, m->info.n_metadata);
    sks__free_strs(m->meta_values, m->info.n_metadata);
    for (size_t i = 0; i < sizeof(m->strings) / sizeof(m->strings[0]); i++)
        free(m->strings[i]);
    sks__forest_dispose(&m->forest);
    free(m->linear.coef);
    free(m->linear.intercept);
    sks__steps_free(m);
    free(m->ignored);
    free(m);
}


const char *sks_model_feature_name(const sks_model *m, int32_t i)
{
    if (m->feature_names == NULL || i < 0 || i >= m->info.n_features)
        return NULL;
    return m->feature_names[i];
}

int64_t sks_model_label_int(const sks_model *m, int32_t i)
{
    return (m->int_labels != NULL && i >= 0 && i < m->info.n_classes) ? m->int_labels[i] : 0;
}

double sks_model_label_float(const sks_model *m, int32_t i)
{
    return (m->float_labels != NULL && i >= 0 && i < m->info.n_classes) ? m->float_labels[i] : 0.0;
}

const char *sks_model_label_str(const sks_model *m, int32_t i)
{
    return (m->str_labels != NULL && i >= 0 && i < m->info.n_classes) ? m->str_labels[i] : NULL;
}

const char *sks_model_metadata_key(const sks_model *m, int32_t i)
{
    return (i >= 0 && i < m->info.n_metadata) ? m->meta_keys[i] : NULL;
}

const char *sks_model_metadata_value(const sks_model *m, int32_t i)
{
    return (i >= 0 && i < m->info.n_metadata) ? m->meta_values[i] : NULL;
}
