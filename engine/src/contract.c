/*
 * contract.c -- what a loaded model takes and gives, as every caller must
 * present it: each input column's kind, each output's columns, shape and
 * dtype, and the names of the engine's enums.
 *
 * The Python extension and each of the gateway's protocols return the same
 * outputs; the rules for the shape (1-D or 2-D) and dtype (float64,
 * float32, class labels) of each are the model's library's, and live here
 * once, so a new output or a new library is added in one place. Also the
 * API's versions and its growable structs (a caller's struct_size read
 * here, once). Scores nothing and reads no file: predict.c writes the
 * doubles this describes.
 */
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* --------------------------------------------------------------- inputs */

sks_input_kind sks_model_input_kind(const sks_model *m, int32_t c)
{
    if (m == NULL || c < 0 || c >= m->info.n_features)
        return SKS_INPUT_NONE;
    if (m->ignored != NULL && m->ignored[c])
        return SKS_INPUT_IGNORED;
    return m->vocab != NULL && m->vocab[c].n > 0 ? SKS_INPUT_STRING : SKS_INPUT_NUMBER;
}

int32_t sks_model_input_vocab_size(const sks_model *m, int32_t c)
{
    if (sks_model_input_kind(m, c) != SKS_INPUT_STRING)
        return 0;
    return m->vocab[c].n;
}

const char *sks_model_input_vocab(const sks_model *m, int32_t c, int32_t i, size_t *len)
{
    if (i < 0 || i >= sks_model_input_vocab_size(m, c))
        return NULL;
    if (len != NULL)
        *len = m->vocab[c].len[i];
    return m->vocab[c].s[i];
}

/* -------------------------------------------------------------- outputs */

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
    case SKS_OUT_CONTRIBUTIONS:
        if (in->kind != SKS_EST_TREES)
            return sks__fail(err, SKS_EUNSUPPORTED,
                             "contributions are computed for tree models; this '%s' is a linear model", est);
        if (m->forest.cover == NULL)
            return sks__fail(err, SKS_EUNSUPPORTED,
                             "this model file (format %d.%d) has no node covers, which contributions need: "
                             "export the '%s' again with this skscore (engine %s writes format %d.%d with covers)",
                             in->format_major, in->format_minor, est, SKS_VERSION, SKS_FORMAT_MAJOR,
                             SKS_FORMAT_MINOR);
        if (m->mixed_step != 0)
            return sks__fail(err, SKS_EUNSUPPORTED,
                             "contributions are given per input column, and this '%s' has a %s step whose "
                             "columns are made from several input columns: no input column alone is "
                             "responsible for them",
                             est, m->mixed_step - 1 == SKS_STEP_POLY ? "PolynomialFeatures (poly)"
                                  : m->mixed_step - 1 == SKS_STEP_NORMALIZE ? "Normalizer (normalize)"
                                                                             : "preprocessing");
        /* per input column (a pipeline's derived columns summed back) */
        *cols = (int64_t)m->n_raw * ((int64_t)in->n_features + 1);
        return 0;
    }
    return sks__fail(err, SKS_EARG, "unknown output kind %d", (int)what);
}

int sks_model_output_spec(const sks_model *m, sks_output what, sks_dtype input_dtype, sks_output_spec *spec,
                          sks_error *err)
{
    /* The first release's struct ends after `values`. */
    size_t first = offsetof(sks_output_spec, values) + sizeof(sks_values);
    if (spec == NULL || spec->struct_size < first)
        return sks__fail(err, SKS_EARG, "sks_output_spec: set struct_size (SKS_OUTPUT_SPEC_INIT)");
    if (input_dtype != SKS_F32 && input_dtype != SKS_F64)
        return sks__fail(err, SKS_EARG, "input dtype %d is neither SKS_F32 nor SKS_F64", (int)input_dtype);
    int64_t cols;
    int rc = sks_model_output_cols(m, what, &cols, err);
    if (rc != 0)
        return rc;
    const sks_info *in = &m->info;
    bool clf = in->task == SKS_TASK_CLASSIFICATION;
    sks_output_spec s = {.struct_size = spec->struct_size, .cols = cols};

    /* Shape, as scikit-learn: predict_proba is always (n, n_classes);
     * a classifier's predict one label per row; a regressor's predict (n,)
     * unless it was fitted on a 2-D y (output_2d) or has several outputs;
     * decision_function and score_samples (n,) for one column. */
    s.groups = 1;
    if (what == SKS_OUT_CONTRIBUTIONS) {
        /* (n, features + 1), or (n, raw columns, features + 1) as
         * XGBoost's pred_contribs gives them */
        s.groups = m->n_raw;
        s.ndim = m->n_raw > 1 ? 3 : 2;
    } else if (what == SKS_OUT_PROBA)
        s.ndim = 2;
    else if (what == SKS_OUT_PREDICT && clf)
        s.ndim = 1;
    else if (what == SKS_OUT_PREDICT)
        s.ndim = in->output_2d || cols > 1 ? 2 : 1;
    else
        s.ndim = cols > 1 ? 2 : 1;

    /* Dtype: labels for a classifier's predict; float32 where the model's
     * library answers in float32 -- XGBoost always (its sums and links are
     * float32), a scikit-learn linear model with float32 coefficients and
     * intercept when X is float32 (its product stays float32); else
     * float64. */
    if (what == SKS_OUT_PREDICT && clf)
        s.values = SKS_VALUES_LABEL;
    else if (what == SKS_OUT_CONTRIBUTIONS)
        s.values = SKS_VALUES_F64; /* computed in float64, whatever the model's sums */
    else if (in->output_dtype == SKS_F32 ||
             (in->coef_dtype == SKS_F32 && in->intercept_dtype == SKS_F32 && input_dtype == SKS_F32))
        s.values = SKS_VALUES_F32;
    else
        s.values = SKS_VALUES_F64;

    memcpy(spec, &s, spec->struct_size < sizeof s ? spec->struct_size : sizeof s);
    return 0;
}

const char *sks_model_contribution_name(const sks_model *m, int32_t j, char *buf, size_t len)
{
    if (m == NULL || buf == NULL || len < 16 || j < 0 || j > m->info.n_features)
        return NULL;
    if (j == m->info.n_features)
        return "bias";
    const char *name = sks_model_feature_name(m, j);
    if (name != NULL)
        return name;
    snprintf(buf, len, "x%d", (int)j);
    return buf;
}

/* ---------------------------------------------------------------- names */

static const char *const OUTPUT_NAMES[] = {
    [SKS_OUT_PREDICT] = "predict",
    [SKS_OUT_PROBA] = "predict_proba",
    [SKS_OUT_DECISION] = "decision_function",
    [SKS_OUT_SCORE_SAMPLES] = "score_samples",
    [SKS_OUT_CONTRIBUTIONS] = "contributions",
};
enum { N_OUTPUTS = sizeof OUTPUT_NAMES / sizeof OUTPUT_NAMES[0] };

const char *sks_output_name(sks_output what)
{
    return (unsigned)what < N_OUTPUTS ? OUTPUT_NAMES[what] : "unknown";
}

int sks_output_from_name(const char *s, size_t n, sks_output *what)
{
    for (unsigned i = 0; i < N_OUTPUTS; i++) {
        if (strlen(OUTPUT_NAMES[i]) == n && memcmp(OUTPUT_NAMES[i], s, n) == 0) {
            *what = (sks_output)i;
            return 0;
        }
    }
    return SKS_EARG;
}

const char *sks_task_name(sks_task task)
{
    switch (task) {
    case SKS_TASK_CLASSIFICATION: return "classification";
    case SKS_TASK_REGRESSION: return "regression";
    }
    return "unknown";
}

const char *sks_estimator_kind_name(sks_estimator_kind kind)
{
    switch (kind) {
    case SKS_EST_TREES: return "trees";
    case SKS_EST_LINEAR: return "linear";
    }
    return "unknown";
}

const char *sks_label_kind_name(sks_label_kind kind)
{
    switch (kind) {
    case SKS_LABEL_NONE: return "none";
    case SKS_LABEL_INT: return "int";
    case SKS_LABEL_FLOAT: return "float";
    case SKS_LABEL_STR: return "str";
    }
    return "unknown";
}

const char *sks_dtype_name(sks_dtype dtype)
{
    switch (dtype) {
    case SKS_DTYPE_NONE: return "";
    case SKS_F32: return "float32";
    case SKS_F64: return "float64";
    }
    return "unknown";
}

/* ------------------------------------------------------------- versions */

const char *sks_version(void) { return SKS_VERSION; }

void sks_format_version(int *major, int *minor)
{
    if (major != NULL)
        *major = SKS_FORMAT_MAJOR;
    if (minor != NULL)
        *minor = SKS_FORMAT_MINOR;
}

/* ------------------------------------------------- growable structures */

void sks_desc_init(sks_desc *d)
{
    memset(d, 0, sizeof *d);
    d->struct_size = sizeof *d;
}

/* The first release's sks_desc ends after intercept_dtype. */
#define DESC_V1_SIZE (offsetof(sks_desc, intercept_dtype) + sizeof(sks_dtype))

int sks__desc_accept(const sks_desc *in, sks_desc *out, sks_error *err)
{
    if (in == NULL)
        return sks__fail(err, SKS_EARG, "no model description");
    if (in->struct_size < DESC_V1_SIZE)
        return sks__fail(err, SKS_EARG, "sks_desc.struct_size is %zu: start the description with sks_desc_init",
                         in->struct_size);
    memset(out, 0, sizeof *out);
    memcpy(out, in, in->struct_size < sizeof *out ? in->struct_size : sizeof *out);
    out->struct_size = sizeof *out;
    return 0;
}

#define INFO_V1_SIZE (offsetof(sks_info, output_dtype) + sizeof(sks_dtype))

int sks_model_info(const sks_model *m, sks_info *info)
{
    if (info == NULL || info->struct_size < INFO_V1_SIZE)
        return SKS_EARG;
    size_t size = info->struct_size;
    memcpy(info, &m->info, size < sizeof m->info ? size : sizeof m->info);
    info->struct_size = size; /* the caller's, whatever the engine's is */
    return 0;
}

const char *sks_input_kind_name(sks_input_kind kind)
{
    switch (kind) {
    case SKS_INPUT_NUMBER: return "number";
    case SKS_INPUT_STRING: return "string";
    case SKS_INPUT_IGNORED: return "ignored";
    case SKS_INPUT_NONE: break;
    }
    return "unknown";
}
