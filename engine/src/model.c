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

enum { MAX_FEATURES = 1 << 24, MAX_CLASSES = 1 << 24, MAX_TREES = 1 << 24 };

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
static int check_strs(sks_error *err, const char *const *v, int32_t n, const char *what, bool unique)
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
    for (int32_t i = 0; i < n; i++) {
        int32_t l = tr->left[i], r = tr->right[i];
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

/* ------------------------------------------------ preprocessing steps */

enum { MAX_STEPS = 1024, MAX_VOCAB = 1 << 24 };


/* One-past-the-end checks of a span against the row before the step. */
static int span_of(const sks_step_desc *st, int32_t s, int32_t w, int32_t *width, sks_error *err)
{
    if (st->offset < 0 || st->offset > w)
        return sks__fail(err, SKS_EINVALID, "steps[%d] (%s): offset %d is outside the row's %d columns", s,
                         sks__step_names[st->kind], st->offset, w);
    int32_t wd = st->width == 0 ? w - st->offset : st->width;
    if (wd < 1 || wd > w - st->offset)
        return sks__fail(err, SKS_EINVALID, "steps[%d] (%s): %d columns from column %d do not fit the row's %d", s,
                         sks__step_names[st->kind], wd, st->offset, w);
    *width = wd;
    return 0;
}

static int no_codes(const uint8_t *code, int32_t off, int32_t wd, int32_t s, sks_step_kind kind, sks_error *err)
{
    for (int32_t j = off; j < off + wd; j++)
        if (code[j])
            return sks__fail(err, SKS_EINVALID,
                             "steps[%d] (%s) reads column %d, which holds string codes: only encode steps may", s,
                             sks__step_names[kind], j);
    return 0;
}

static int check_encoding(const sks_encoding *e, int32_t s, int32_t j, sks_error *err)
{
    if (e->n_cats < 0 || e->n_cats > MAX_VOCAB || (e->n_cats > 0 && e->cats == NULL) || e->map == NULL ||
        (e->onehot && (e->width < 0 || e->width > MAX_FEATURES)))
        return sks__fail(err, SKS_EINVALID, "steps[%d] (encode) column %d: categories, width or map are missing or out of range", s, j);
    for (int32_t i = 0; i < e->n_cats; i++) {
        double c = e->cats[i];
        if (isnan(c) ? i != e->n_cats - 1 : (isinf(c) || (i > 0 && !(e->cats[i - 1] < c))))
            return sks__fail(err, SKS_EINVALID,
                             "steps[%d] (encode) column %d: categories must be finite, strictly ascending, NaN only last (category %d)",
                             s, j, i);
    }
    for (int32_t i = 0; i <= e->n_cats; i++) {
        double v = e->map[i];
        bool ok = e->onehot ? (v == floor(v) && v >= -1 && v < e->width) : !isinf(v);
        if (!ok && !(i == e->n_cats && e->unknown_error))
            return sks__fail(err, SKS_EINVALID, "steps[%d] (encode) column %d: map[%d] is %g, %s", s, j, i, v,
                             e->onehot ? "not a slot in -1..width-1" : "infinite");
    }
    return 0;
}

/* Where column j of the row after step st comes from: a column of the row
 * before it (w_in wide, the step's span `span` columns from st->offset), or
 * -1 when the step computed it (an encoding, a missing flag, a product).
 * The row after it is w_out wide. The scorer moves columns the same way
 * (predict.c, prep_row); here it carries what is known about them. */
static int32_t source_column(const sks_step_desc *st, int32_t span, int32_t w_in, int32_t w_out, int32_t j)
{
    int32_t end = st->offset + span, added = w_out - w_in;
    switch (st->kind) {
    case SKS_STEP_SELECT:
        return st->index[j];
    case SKS_STEP_ELEMENTWISE:
    case SKS_STEP_NORMALIZE:
        return j; /* in place */
    case SKS_STEP_INDICATOR: /* flags inserted after the span */
        return j < end ? j : (j < end + added ? -1 : j - added);
    default: /* encode, poly: the span is replaced by the step's output */
        return j < st->offset ? j : (j < end + added ? -1 : j - added);
    }
}

int sks__steps_check(const sks_desc *d, int32_t *est_width, int32_t *widths, int32_t *spans, sks_error *err)
{
    int rc = 0;
    if (d->n_steps < 0 || d->n_steps > MAX_STEPS || (d->n_steps > 0 && d->steps == NULL))
        return sks__fail(err, SKS_EINVALID, "n_steps is %d, outside 0..%d", d->n_steps, MAX_STEPS);
    if (d->vocab != NULL) {
        if (d->vocab_size == NULL)
            return sks__fail(err, SKS_EINVALID, "vocabulary sizes are missing");
        for (int32_t c = 0; c < d->n_features; c++) {
            if (d->vocab[c] == NULL)
                continue;
            if (d->vocab_size[c] < 1 || d->vocab_size[c] > MAX_VOCAB)
                return sks__fail(err, SKS_EINVALID, "input column %d: vocabulary of %d strings, outside 1..%d", c,
                                 d->vocab_size[c], MAX_VOCAB);
            char what[48];
            snprintf(what, sizeof what, "input column %d's vocabulary", c);
            if ((rc = check_strs(err, d->vocab[c], d->vocab_size[c], what, true)) != 0)
                return rc;
        }
    }
    if (d->ignored != NULL) {
        if (d->n_steps == 0)
            return sks__fail(err, SKS_EINVALID, "only models with preprocessing steps may ignore input columns");
        for (int32_t c = 0; c < d->n_features; c++)
            if (d->ignored[c] > 1 || (d->ignored[c] && d->vocab != NULL && d->vocab[c] != NULL))
                return sks__fail(err, SKS_EINVALID, "input column %d: ignored is %d (0 or 1, and not for string columns)", c,
                                 d->ignored[c]);
    }
    /* code[j]: column j of the current row holds string codes. */
    int32_t w = d->n_features;
    if (w < 1 || w > MAX_FEATURES)
        return sks__fail(err, SKS_EINVALID, "n_features is %d, outside 1..%d", w, MAX_FEATURES);
    uint8_t *code = calloc((size_t)w, 1);
    if (code == NULL)
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    for (int32_t c = 0; c < w; c++)
        code[c] = d->vocab != NULL && d->vocab[c] != NULL;
    for (int32_t s = 0; s < d->n_steps && rc == 0; s++) {
        const sks_step_desc *st = &d->steps[s];
        int32_t wd = 0;
        int64_t w2 = w;
        if (widths != NULL)
            widths[s] = w;
        if (st->missing_set && !isfinite(st->missing)) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d]: the missing-value marker must be finite (NaN is the default)", s);
            break;
        }
        if ((unsigned)st->check > SKS_CHECK_FINITE) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d]: unknown check %d", s, (int)st->check);
            break;
        }
        if ((unsigned)st->kind > SKS_STEP_POLY) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d]: unknown kind %d", s, (int)st->kind);
            break;
        }
        if (st->kind != SKS_STEP_SELECT && (rc = span_of(st, s, w, &wd, err)) != 0)
            break;
        switch (st->kind) {
        case SKS_STEP_ELEMENTWISE:
            if (st->op < SKS_OP_SUB || st->op > SKS_OP_FILL_NAN || st->values == NULL)
                rc = sks__fail(err, SKS_EINVALID, "steps[%d]: unknown operation %d or no values", s, (int)st->op);
            else if (st->op != SKS_OP_FILL_NAN)
                rc = no_codes(code, st->offset, wd, s, st->kind, err);
            break;
        case SKS_STEP_SELECT:
            if (st->n_index < 1 || st->n_index > MAX_FEATURES || st->index == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (select): %d columns, outside 1..%d", s, st->n_index, MAX_FEATURES);
                break;
            }
            for (int32_t k = 0; k < st->n_index && rc == 0; k++)
                if (st->index[k] < 0 || st->index[k] >= w)
                    rc = sks__fail(err, SKS_EINVALID, "steps[%d] (select): column %d is outside 0..%d", s, st->index[k], w - 1);
            w2 = st->n_index;
            break;
        case SKS_STEP_ENCODE:
            if (st->enc == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (encode): no encodings", s);
                break;
            }
            w2 = w - wd;
            for (int32_t j = 0; j < wd && rc == 0; j++) {
                rc = check_encoding(&st->enc[j], s, j, err);
                w2 += st->enc[j].onehot ? st->enc[j].width : 1;
            }
            break;
        case SKS_STEP_INDICATOR:
            if (st->n_index < 1 || st->n_index > wd || st->index == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (indicator): %d flags for a span of %d", s, st->n_index, wd);
                break;
            }
            for (int32_t k = 0; k < st->n_index && rc == 0; k++)
                if (st->index[k] < 0 || st->index[k] >= wd)
                    rc = sks__fail(err, SKS_EINVALID, "steps[%d] (indicator): column %d is outside 0..%d", s, st->index[k], wd - 1);
            w2 = (int64_t)w + st->n_index;
            break;
        case SKS_STEP_NORMALIZE:
            if (st->norm < SKS_NORM_L1 || st->norm > SKS_NORM_MAX)
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (normalize): unknown norm %d", s, (int)st->norm);
            else
                rc = no_codes(code, st->offset, wd, s, st->kind, err);
            break;
        case SKS_STEP_POLY:
            if (st->n_terms < 1 || st->n_terms > MAX_FEATURES || st->term_a == NULL || st->term_b == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (poly): %d terms, outside 1..%d", s, st->n_terms, MAX_FEATURES);
                break;
            }
            for (int32_t t = 0; t < st->n_terms && rc == 0; t++) {
                int32_t a = st->term_a[t], b = st->term_b[t];
                if (!(a == -1 && b == -1) && !(a >= -1 && a < t && b >= 0 && b < wd))
                    rc = sks__fail(err, SKS_EINVALID, "steps[%d] (poly) term %d: (%d, %d) is not -1/an earlier term and a span column", s, t, a, b);
            }
            if (rc == 0)
                rc = no_codes(code, st->offset, wd, s, st->kind, err);
            w2 = (int64_t)w - wd + st->n_terms;
            break;
        }
        if (rc != 0)
            break;
        if (w2 < 1 || w2 > MAX_FEATURES) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d] (%s) makes the row %lld columns wide, outside 1..%d", s,
                           sks__step_names[st->kind], (long long)w2, MAX_FEATURES);
            break;
        }
        if (spans != NULL)
            spans[s] = wd;
        /* The new row's code flags. */
        uint8_t *next = calloc((size_t)w2, 1);
        if (next == NULL) {
            rc = sks__fail(err, SKS_ENOMEM, "out of memory");
            break;
        }
        for (int32_t j = 0; j < (int32_t)w2; j++) {
            int32_t src = source_column(st, wd, w, (int32_t)w2, j);
            next[j] = src >= 0 && code[src];
        }
        free(code);
        code = next;
        w = (int32_t)w2;
    }
    for (int32_t j = 0; j < w && rc == 0; j++)
        if (code[j])
            rc = sks__fail(err, SKS_EINVALID, "column %d reaches the estimator holding string codes: encode it first", j);
    free(code);
    if (rc == 0)
        *est_width = w;
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
        (rc = check_strs(err, d->feature_names, d->n_features, "feature_names", true)) != 0)
        return rc;
    const char *prov[4] = {d->source, d->source_version, d->estimator, d->label_dtype};
    for (int i = 0; i < 4; i++)
        if (prov[i] != NULL && !sks_utf8_valid(prov[i], strlen(prov[i])))
            return sks__fail(err, SKS_EINVALID, "a provenance string is not valid UTF-8");
    if (d->n_metadata < 0 || (d->n_metadata > 0 && (d->metadata_keys == NULL || d->metadata_values == NULL)))
        return sks__fail(err, SKS_EINVALID, "metadata arrays are missing");
    if ((rc = check_strs(err, d->metadata_keys, d->n_metadata, "metadata keys", true)) != 0 ||
        (rc = check_strs(err, d->metadata_values, d->n_metadata, "metadata values", false)) != 0)
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
            if ((rc = check_strs(err, d->str_labels, d->n_classes, "class labels", false)) != 0)
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

static char **dup_strs(const char *const *v, int32_t n, bool *fail)
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

static void free_strs(char **v, int32_t n)
{
    if (v == NULL)
        return;
    for (int32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void *dup_mem(const void *p, size_t n, bool *fail)
{
    void *c = malloc(n ? n : 1);
    if (c == NULL)
        *fail = true;
    else if (n)
        memcpy(c, p, n);
    return c;
}

static int build_vocab(const sks_desc *d, sks_model *m, sks_error *err)
{
    if (d->vocab == NULL)
        return 0;
    bool fail = false;
    m->vocab = calloc((size_t)d->n_features, sizeof(sks__vocab));
    if (m->vocab == NULL)
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    for (int32_t c = 0; c < d->n_features && !fail; c++) {
        if (d->vocab[c] == NULL)
            continue;
        sks__vocab *v = &m->vocab[c];
        int32_t n = d->vocab_size[c];
        v->s = dup_strs(d->vocab[c], n, &fail);
        v->n = v->s != NULL ? n : 0;
        v->len = malloc((size_t)n * sizeof(size_t));
        uint64_t size = 2;
        while (size < 2 * (uint64_t)n)
            size *= 2;
        v->table = calloc(size, sizeof(int32_t));
        v->mask = size - 1;
        if (fail || v->len == NULL || v->table == NULL)
            return sks__fail(err, SKS_ENOMEM, "out of memory");
        for (int32_t i = 0; i < n; i++) {
            v->len[i] = strlen(v->s[i]);
            uint64_t h = sks__hash(v->s[i], v->len[i]) & v->mask;
            while (v->table[h] != 0) /* strings are unique: no duplicates to find */
                h = (h + 1) & v->mask;
            v->table[h] = i + 1;
        }
        m->info.n_string_columns++;
    }
    return fail ? sks__fail(err, SKS_ENOMEM, "out of memory") : 0;
}

static int build_steps(const sks_desc *d, sks_model *m, sks_error *err)
{
    int32_t ns = d->n_steps, *widths = NULL, *spans = NULL, *origin = NULL;
    int rc = 0;
    bool fail = false;
    m->est_width = m->prep_width = d->n_features;
    if (ns == 0)
        return 0;
    widths = malloc((size_t)ns * sizeof(int32_t));
    spans = malloc((size_t)ns * sizeof(int32_t));
    m->steps = calloc((size_t)ns, sizeof(sks__step));
    if (widths == NULL || spans == NULL || m->steps == NULL) {
        rc = sks__fail(err, SKS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = sks__steps_check(d, &m->est_width, widths, spans, err)) != 0)
        goto done;
    m->info.n_steps = ns;
    /* origin[j]: the input column that column j of the row still is. */
    int32_t w = d->n_features;
    origin = malloc((size_t)w * sizeof(int32_t));
    if (origin == NULL) {
        rc = sks__fail(err, SKS_ENOMEM, "out of memory");
        goto done;
    }
    for (int32_t c = 0; c < w; c++)
        origin[c] = c;
    for (int32_t s = 0; s < ns; s++) {
        const sks_step_desc *sd = &d->steps[s];
        sks__step *st = &m->steps[s];
        int32_t w2 = s + 1 < ns ? widths[s + 1] : m->est_width;
        st->kind = sd->kind;
        st->op = sd->op;
        st->cast = sd->cast_values != 0;
        st->round = sd->no_round == 0;
        st->offset = sd->kind == SKS_STEP_SELECT ? 0 : sd->offset;
        st->width = sd->kind == SKS_STEP_SELECT ? w : spans[s];
        st->w_in = w;
        st->w_out = w2;
        st->norm = sd->norm;
        st->missing_set = sd->missing_set != 0;
        st->check = sd->check;
        st->origin = dup_mem(origin, (size_t)w * sizeof(int32_t), &fail);
        st->missing = sd->missing;
        size_t wd = (size_t)st->width;
        if (sd->kind == SKS_STEP_ELEMENTWISE)
            st->values = dup_mem(sd->values, wd * sizeof(double), &fail);
        if (sd->kind == SKS_STEP_SELECT || sd->kind == SKS_STEP_INDICATOR) {
            st->n_index = sd->n_index;
            st->index = dup_mem(sd->index, (size_t)sd->n_index * sizeof(int32_t), &fail);
        }
        if (sd->kind == SKS_STEP_POLY) {
            st->n_terms = sd->n_terms;
            st->term_a = dup_mem(sd->term_a, (size_t)sd->n_terms * sizeof(int32_t), &fail);
            st->term_b = dup_mem(sd->term_b, (size_t)sd->n_terms * sizeof(int32_t), &fail);
        }
        if (sd->kind == SKS_STEP_ENCODE && (st->enc = calloc(wd, sizeof(sks__enc))) != NULL) {
            for (size_t j = 0; j < wd; j++) {
                const sks_encoding *e = &sd->enc[j];
                sks__enc *c = &st->enc[j];
                c->n_cats = e->n_cats;
                c->cats = dup_mem(e->cats, (size_t)e->n_cats * sizeof(double), &fail);
                c->map = dup_mem(e->map, (size_t)(e->n_cats + 1) * sizeof(double), &fail);
                c->onehot = e->onehot != 0;
                c->width = e->onehot ? e->width : 1;
                c->unknown_error = e->unknown_error != 0;
                c->origin = origin[st->offset + (int32_t)j];
                while (c->dense < c->n_cats && c->cats[c->dense] == (double)c->dense)
                    c->dense++;
            }
        } else if (sd->kind == SKS_STEP_ENCODE) {
            fail = true;
        }
        if (fail) {
            rc = sks__fail(err, SKS_ENOMEM, "out of memory");
            goto done;
        }
        if (w2 > m->prep_width)
            m->prep_width = w2;
        /* The next row's origins. */
        int32_t *next = malloc((size_t)w2 * sizeof(int32_t));
        if (next == NULL) {
            rc = sks__fail(err, SKS_ENOMEM, "out of memory");
            goto done;
        }
        for (int32_t j = 0; j < w2; j++) {
            int32_t src = source_column(sd, spans[s], w, w2, j);
            next[j] = src >= 0 ? origin[src] : -1;
        }
        free(origin);
        origin = next;
        w = w2;
    }
    m->est_origin = origin; /* the row the estimator reads */
    origin = NULL;
done:
    free(widths);
    free(spans);
    free(origin);
    return rc;
}

static void free_steps(sks_model *m)
{
    if (m->steps == NULL)
        return;
    for (int32_t s = 0; s < m->info.n_steps; s++) {
        sks__step *st = &m->steps[s];
        free(st->values);
        free(st->index);
        free(st->term_a);
        free(st->term_b);
        free(st->origin);
        if (st->enc != NULL)
            for (int32_t j = 0; j < st->width; j++) {
                free(st->enc[j].cats);
                free(st->enc[j].map);
            }
        free(st->enc);
    }
    free(m->steps);
}

static void free_vocab(sks_model *m)
{
    if (m->vocab == NULL)
        return;
    for (int32_t c = 0; c < m->info.n_features; c++) {
        free_strs(m->vocab[c].s, m->vocab[c].n);
        free(m->vocab[c].len);
        free(m->vocab[c].table);
    }
    free(m->vocab);
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
    m->feature_names = dup_strs(d->feature_names, d->n_features, &fail);
    in->n_metadata = d->n_metadata;
    m->meta_keys = dup_strs(d->metadata_keys, d->n_metadata, &fail);
    m->meta_values = dup_strs(d->metadata_values, d->n_metadata, &fail);
    if (d->task == SKS_TASK_CLASSIFICATION) {
        in->n_classes = d->n_classes;
        in->label_kind = d->label_kind;
        size_t n = (size_t)d->n_classes;
        if (d->label_kind == SKS_LABEL_INT)
            m->int_labels = dup_mem(d->int_labels, n * 8, &fail);
        else if (d->label_kind == SKS_LABEL_FLOAT)
            m->float_labels = dup_mem(d->float_labels, n * 8, &fail);
        else
            m->str_labels = dup_strs(d->str_labels, d->n_classes, &fail);
    }
    if (fail) {
        sks_model_free(m);
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    }
    if ((rc = build_steps(d, m, err)) != 0 || (rc = build_vocab(d, m, err)) != 0) {
        sks_model_free(m);
        return rc;
    }
    in->n_estimator_features = m->est_width;
    if (d->ignored != NULL) {
        if ((m->ignored = dup_mem(d->ignored, (size_t)d->n_features, &fail)) == NULL) {
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
        m->linear.coef = dup_mem(d->coef, nc * 8, &fail);
        m->linear.intercept = dup_mem(d->intercept, (size_t)d->n_targets * 8, &fail);
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
    free_strs(m->feature_names, m->info.n_features);
    free(m->int_labels);
    free(m->float_labels);
    free_strs(m->str_labels, m->info.n_classes);
    free_strs(m->meta_keys, m->info.n_metadata);
    free_strs(m->meta_values, m->info.n_metadata);
    for (size_t i = 0; i < sizeof(m->strings) / sizeof(m->strings[0]); i++)
        free(m->strings[i]);
    sks__forest_dispose(&m->forest);
    free(m->linear.coef);
    free(m->linear.intercept);
    free_steps(m);
    free(m->est_origin);
    free_vocab(m);
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
