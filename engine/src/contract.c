/*
 * contract.c -- what a loaded model takes and gives, as every caller must
 * present it: each input column's kind, each output's columns, shape and
 * dtype, and the names of the engine's enums.
 *
 * The Python extension and each of the gateway's protocols return the same
 * outputs; the rules for the shape (1-D or 2-D) and dtype (float64,
 * float32, class labels) of each are the model's library's, and live here
 * once, so a new output or a new library is added in one place. Scores
 * nothing and reads no file: predict.c writes the doubles this describes.
 */
#include "internal.h"

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
    }
    return sks__fail(err, SKS_EARG, "unknown output kind %d", (int)what);
}

int sks_model_output_spec(const sks_model *m, sks_output what, sks_dtype input_dtype, sks_output_spec *spec,
                          sks_error *err)
{
    /* The first release's struct ends after `values`. */
    size_t first = offsetof(sks_output_spec, values) + sizeof spec->values;
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
    if (what == SKS_OUT_PROBA)
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
    else if (in->output_dtype == SKS_F32 ||
             (in->coef_dtype == SKS_F32 && in->intercept_dtype == SKS_F32 && input_dtype == SKS_F32))
        s.values = SKS_VALUES_F32;
    else
        s.values = SKS_VALUES_F64;

    memcpy(spec, &s, spec->struct_size < sizeof s ? spec->struct_size : sizeof s);
    return 0;
}

/* ---------------------------------------------------------------- names */

static const char *const OUTPUT_NAMES[] = {
    [SKS_OUT_PREDICT] = "predict",
    [SKS_OUT_PROBA] = "predict_proba",
    [SKS_OUT_DECISION] = "decision_function",
    [SKS_OUT_SCORE_SAMPLES] = "score_samples",
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

const char *sks_dtype_name(int dtype)
{
    switch (dtype) {
    case 0: return "";
    case SKS_F32: return "float32";
    case SKS_F64: return "float64";
    }
    return "unknown";
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
