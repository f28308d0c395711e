/*
 * skscore.h -- the skscore engine's public API (the only header users include).
 *
 * The engine scores trained models exactly as their training library does,
 * from one versioned model file (.skm, specified in docs/FORMAT.md):
 * scikit-learn's decision trees, random and extra-trees forests, gradient
 * boosting and histogram gradient boosting, isolation forests and linear
 * models, XGBoost and LightGBM boosted trees, each behind the preprocessing
 * steps of a fitted Pipeline or ColumnTransformer (scalers, imputers,
 * encoders of numbers and strings, normalisers, polynomial terms). It reads
 * and writes that file; nothing else does.
 *
 * Binary compatibility: structs a caller fills or receives (sks_desc,
 * sks_info, sks_output_spec) start with struct_size, set by the caller
 * (sks_desc_init, SKS_INFO_INIT, SKS_OUTPUT_SPEC_INIT); fields are only
 * ever added at their end, so a program built against an older header
 * keeps working with a newer library: the engine reads missing fields as
 * zero and writes only the fields the caller's struct has. The element
 * structs sks_tree_desc and sks_step_desc are frozen (they come in arrays);
 * new per-tree or per-step data is added to sks_desc as parallel arrays.
 *
 * Conventions
 *   - Functions that can fail return 0 (SKS_OK) or a negative SKS_E* code,
 *     and fill the caller's sks_error (which may be NULL) with a message
 *     naming what is wrong and where.
 *   - Strings are NUL-terminated UTF-8. Pointers returned by the engine stay
 *     valid while the object they came from lives.
 *   - A loaded sks_model is immutable: any number of threads may score it at
 *     once without locking. sks_model_free(NULL) is a no-op.
 *   - No global state: nothing here keeps a "last error".
 */
#ifndef SKSCORE_H
#define SKSCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SKS_VERSION "0.1.0"
/* The library's own version at run time (SKS_VERSION of the engine that
 * was built, which a program linked against a shared library may not have
 * been compiled with), and the format version it writes. */
const char *sks_version(void);
void sks_format_version(int *major, int *minor);
/* The model file format version this engine writes. It reads every
 * version with the same major number and a minor number <= this one. */
#define SKS_FORMAT_MAJOR 1
#define SKS_FORMAT_MINOR 3

/* ---------------------------------------------------------------- errors */

#define SKS_ERRNO_MAP(X)                                                      \
    X(NOMEM, -1, "out of memory")                                             \
    X(IO, -2, "cannot read or write the file")                                \
    X(MAGIC, -3, "not a skscore model file")                                  \
    X(VERSION, -4, "unsupported model file format version")                   \
    X(TRUNCATED, -5, "model file is truncated")                               \
    X(CHECKSUM, -6, "model file checksum does not match its contents")        \
    X(FORMAT, -7, "malformed model file")                                     \
    X(INVALID, -8, "invalid model description")                               \
    X(ARG, -9, "invalid argument")                                            \
    X(SHAPE, -10, "input has the wrong shape")                                \
    X(VALUE, -11, "input contains a value the model cannot take")             \
    X(UNSUPPORTED, -12, "this model does not provide that output")            \
    X(BUFSIZE, -13, "output buffer is too small")                             \
    X(THREAD, -14, "cannot start a scoring thread")

typedef enum sks_status {
    SKS_OK = 0,
#define SKS__ERRNO_ENUM(name, code, text) SKS_E##name = code,
    SKS_ERRNO_MAP(SKS__ERRNO_ENUM)
#undef SKS__ERRNO_ENUM
} sks_status;

/* A static description of an error code; never NULL (unknown codes get
 * "unknown error"). */
const char *sks_strerror(int code);

/* The symbolic name of an error code, e.g. "SKS_EFORMAT"; never NULL. */
const char *sks_errname(int code);

typedef struct sks_error {
    int code;          /* the code the function returned */
    int64_t offset;    /* byte offset in the model file, or -1 */
    int64_t row;       /* input row for SHAPE/VALUE errors, or -1 */
    int64_t column;    /* input column for SHAPE/VALUE errors, or -1 */
    char message[320]; /* full sentence: what is wrong and where */
} sks_error;

/* ----------------------------------------------------- model description
 *
 * A neutral, caller-owned description of a fitted model. Exporters (the
 * Python package) fill it; the engine validates it completely, then either
 * writes it to a file (sks_desc_save) or compiles it (sks_model_from_desc).
 * The engine copies what it keeps: the description may be freed after the
 * call returns.
 */

/* Element types of numbers the engine reads or describes. */
typedef enum sks_dtype { SKS_DTYPE_NONE = 0, SKS_F32 = 1, SKS_F64 = 2 } sks_dtype;

typedef enum sks_task {
    SKS_TASK_REGRESSION = 1,
    SKS_TASK_CLASSIFICATION = 2
} sks_task;

typedef enum sks_label_kind {
    SKS_LABEL_NONE = 0, /* regression: no labels */
    SKS_LABEL_INT = 1,  /* int64 labels */
    SKS_LABEL_FLOAT = 2,/* float64 labels */
    SKS_LABEL_STR = 3   /* UTF-8 string labels */
} sks_label_kind;

/* How per-row raw scores become predict_proba / predict. */
typedef enum sks_link {
    SKS_LINK_NONE = 0,          /* regression, or a classifier without proba */
    SKS_LINK_PROBA = 1,         /* raw scores already are probabilities (trees) */
    SKS_LINK_LOGISTIC = 2,      /* binary: p = expit(d), proba = [1-p, p] */
    SKS_LINK_LOGISTIC_OVR = 3,  /* multiclass: expit each, divide by row sum */
    SKS_LINK_SOFTMAX = 4,       /* multiclass: softmax(d) */
    SKS_LINK_SOFTMAX_BINARY = 5,/* binary: softmax([-d, d]) */
    SKS_LINK_MODIFIED_HUBER = 6,/* (clip(d,-1,1)+1)/2, OvR-normalized */
    SKS_LINK_HALF_LOGISTIC = 7, /* binary: p = expit(2 d), proba = [1-p, p]
                                   (gradient boosting, exponential loss) */
    SKS_LINK_EXP = 8,           /* regressors: predict = exp(raw) (poisson,
                                   gamma losses) */
    SKS_LINK_ISOLATION = 9,     /* IsolationForest: raw = summed path
                                   lengths d; score_samples = -2^(-d / p0)
                                   (-0.5 when p0 == 0); decision = score -
                                   p1; predict: class 0 (-1) when decision
                                   < 0, else class 1 (1) */
    SKS_LINK_SOFTMAX_SEQ = 10,  /* multiclass: softmax(d) with the classes
                                   summed left to right (LightGBM's order),
                                   not pairwise */
    /* XGBoost's float32 transforms (src/common/math.h), d rounded to
     * float32 first: */
    SKS_LINK_LOGISTIC_F32 = 11, /* p = 1 / (expf(min(-d, 88.7)) + 1 + 1e-16)
                                   in float32. Binary classifiers: proba =
                                   [1-p, p], predict class 1 when p > 0.5;
                                   regressors: predict = p */
    SKS_LINK_SOFTMAX_F32 = 12,  /* multiclass: expf(d - max) in float32,
                                   summed in float64, each divided by the
                                   sum as float32. predict: the first
                                   largest probability, or with
                                   link_params[0] == 1 the first largest d
                                   (multi:softmax) */
    SKS_LINK_EXP_F32 = 13       /* regressors: predict = expf(d) */
} sks_link;

/* How the trees of an ensemble are combined, per row and in tree order. */
typedef enum sks_aggregation {
    SKS_AGG_SINGLE = 0, /* one tree: the leaf value itself */
    SKS_AGG_MEAN = 1,   /* forest: 0 + v1 + v2 + ... then / n_trees */
    SKS_AGG_SUM = 2     /* base + v1 + v2 + ... (base 0 unless given) */
} sks_aggregation;

/* How a node compares a feature value x with its float64 threshold t. */
typedef enum sks_compare {
    SKS_CMP_F32_LE = 1, /* scikit-learn trees: (float)x <= t goes left */
    SKS_CMP_F64_LE = 2, /* HistGradientBoosting: x <= t in float64 */
    SKS_CMP_F32_LT = 3  /* XGBoost: (float)x < t goes left */
} sks_compare;

typedef enum sks_cat_rule {
    SKS_CAT_SKLEARN = 0,  /* HistGradientBoosting's categorical splits */
    SKS_CAT_LIGHTGBM = 1, /* LightGBM's */
    SKS_CAT_XGBOOST = 2   /* XGBoost's */
} sks_cat_rule;

typedef enum sks_estimator_kind {
    SKS_EST_TREES = 1,
    SKS_EST_LINEAR = 2
} sks_estimator_kind;

/* One decision tree, nodes indexed from 0 (the root). */
typedef struct sks_tree_desc {
    int32_t n_nodes;
    const int32_t *left;         /* child index, or -1 for a leaf */
    const int32_t *right;        /* child index, or -1 for a leaf */
    const int32_t *feature;      /* feature index (ignored for leaves) */
    const double *threshold;     /* split threshold (ignored for leaves) */
    const uint8_t *missing_left; /* 1: NaN goes left; NULL: all go right */
    const double *value;         /* n_nodes x n_values, row-major */
    const int32_t *cat;          /* NULL, or per node -1 (threshold split)
                                    or the categorical split's bitsets
                                    (sks_desc.cat_bitsets; float64
                                    comparisons only) */
} sks_tree_desc;

/* Preprocessing steps (a Pipeline's transformers, a ColumnTransformer's
 * branches), applied in order before the estimator to a row of working
 * columns. The row starts as the input's n_features columns (string
 * columns hold their vocabulary codes, below); a step works on the span
 * [offset, offset + width) of the current row, or on the whole row, and
 * may change the row's width. Arithmetic is float64; with float32 X a
 * step's results are rounded to float32 unless it sets no_round (the step's
 * result is float64 in scikit-learn), as scikit-learn keeps float32 X
 * float32. */
typedef enum sks_step_kind {
    SKS_STEP_ELEMENTWISE = 0, /* x[j] = x[j] OP values[j] over the span */
    SKS_STEP_SELECT = 1,      /* the row becomes x[index[0]], ..., x[index[n_index-1]]
                                 (a ColumnTransformer's column selection; repeats allowed) */
    SKS_STEP_ENCODE = 2,      /* each span column is replaced by its encoding
                                 (OrdinalEncoder, OneHotEncoder) */
    SKS_STEP_INDICATOR = 3,   /* appends after the span, for each index[k] (a
                                 column of the span), 1.0 if it is NaN else 0.0
                                 (SimpleImputer's add_indicator) */
    SKS_STEP_NORMALIZE = 4,   /* the span divided by its norm (Normalizer) */
    SKS_STEP_POLY = 5         /* the span replaced by n_terms products
                                 (PolynomialFeatures) */
} sks_step_kind;

typedef enum sks_op {
    SKS_OP_SUB = 1,     /* x - v   (StandardScaler mean, RobustScaler center) */
    SKS_OP_DIV = 2,     /* x / v   (scale_) */
    SKS_OP_MUL = 3,     /* x * v   (MinMaxScaler scale_) */
    SKS_OP_ADD = 4,     /* x + v   (MinMaxScaler min_) */
    SKS_OP_FILL_NAN = 5 /* v where x is NaN (SimpleImputer statistics_) */
} sks_op;

/* How one column of an encode step becomes its outputs. The value x is
 * looked up in cats (exact float64 equality; NaN matches a NaN category,
 * which may only be the last). Found at index i: out = map[i]; not found:
 * out = map[n_cats], or an input error when unknown_error is set.
 * Ordinal: one output column holding out (NaN allowed); one-hot: width
 * output columns, all 0.0 except 1.0 at slot out (out == -1: none). String columns hold vocabulary codes, so their
 * categories are codes. */
typedef struct sks_encoding {
    int32_t n_cats;
    const double *cats;  /* n_cats, ascending, NaN only last */
    int onehot;          /* 0: ordinal, one output; 1: one-hot */
    int32_t width;       /* one-hot: output columns (0 when every
                            category is dropped) */
    const double *map;   /* n_cats + 1 */
    int unknown_error;
} sks_encoding;

typedef enum sks_norm { SKS_NORM_L1 = 1, SKS_NORM_L2 = 2, SKS_NORM_MAX = 3 } sks_norm;

typedef enum sks_check {
    SKS_CHECK_INF = 0,    /* infinities (scalers, imputers, encoders: NaN
                             allowed); the default, as in format 1.0 */
    SKS_CHECK_NONE = 1,   /* nothing (a column selection, a transformer's
                             later operations) */
    SKS_CHECK_FINITE = 2  /* NaN and infinities (Normalizer,
                             PolynomialFeatures) */
} sks_check;

/* The code of Python's None in a string column (scikit-learn's encoders
 * and imputers tell None from NaN). */
#define SKS_CODE_NONE (-2.0)

typedef struct sks_step_desc {
    /* SKS_STEP_ELEMENTWISE */
    sks_op op;
    const double *values; /* width values (or, with width 0, one per
                             current column) */
    int cast_values;      /* float32 X: values rounded to float32 first, as
                             StandardScaler does (the other scalers keep
                             them float64) */
    sks_step_kind kind;   /* 0: elementwise (format 1.0's only kind) */
    int32_t offset;       /* the span's first column */
    int32_t width;        /* the span's columns; 0: from offset to the end */
    int no_round;         /* float32 X: keep this step's results float64 */
    /* SKS_OP_FILL_NAN and SKS_STEP_INDICATOR: what counts as missing. 0:
     * NaN; 1: values equal to `missing` (SimpleImputer's missing_values: a
     * number, or SKS_CODE_NONE for None in a string column). */
    int missing_set;
    double missing;
    /* The values of its span the step refuses, as the transformer's own
     * check_array does before it transforms. */
    sks_check check;
    /* SKS_STEP_SELECT: the new row's columns; SKS_STEP_INDICATOR: span
     * columns (0-based within the span) whose NaN flags are appended. */
    int32_t n_index;
    const int32_t *index;
    /* SKS_STEP_ENCODE: one per span column. */
    const sks_encoding *enc;
    /* SKS_STEP_NORMALIZE */
    sks_norm norm;
    /* SKS_STEP_POLY: output t is 1.0 when term_a[t] == -1 and term_b[t] ==
     * -1; x[term_b[t]] (a span column) when term_a[t] == -1; else
     * out[term_a[t]] * x[term_b[t]] with term_a[t] < t (scikit-learn's
     * order of multiplication). */
    int32_t n_terms;
    const int32_t *term_a, *term_b;
} sks_step_desc;

typedef struct sks_desc {
    size_t struct_size;          /* sizeof(sks_desc), by sks_desc_init */
    /* Provenance. */
    const char *source;          /* e.g. "scikit-learn" */
    const char *source_version;  /* e.g. "1.9.1" */
    const char *estimator;       /* e.g. "RandomForestClassifier" */

    /* Input schema. */
    int32_t n_features;
    const char *const *feature_names; /* NULL, or n_features names */
    int allow_nan;               /* NaN inputs accepted (else an error) */
    int allow_inf;               /* infinite inputs accepted (float64
                                    comparisons only; else an error) */
    /* String columns: NULL (all numeric), or per input column NULL
     * (numeric) or its vocabulary, vocab_size[c] >= 1 unique strings. A
     * string column's value enters the steps as its index in the
     * vocabulary, -1 when not in it, NaN when missing (NaN in Python),
     * SKS_CODE_NONE when None; only encode steps (after select, fill_nan
     * and indicator steps) may read it. */
    const char *const *const *vocab;
    const int32_t *vocab_size;
    /* NULL, or per input column 1 when no step keeps it (a
     * ColumnTransformer drops it): it may hold anything, and the steps
     * read NaN there. Only models with steps may ignore columns. */
    const uint8_t *ignored;

    /* Output schema. */
    sks_task task;
    int32_t n_outputs;           /* regression targets; 1 for classifiers */
    int output_2d;               /* predict returns (n, n_outputs) even
                                    when n_outputs == 1 */
    sks_label_kind label_kind;   /* classification: kind of class labels */
    int32_t n_classes;
    const int64_t *int_labels;   /* SKS_LABEL_INT */
    const double *float_labels;  /* SKS_LABEL_FLOAT */
    const char *const *str_labels; /* SKS_LABEL_STR */
    const char *label_dtype;     /* free-form dtype hint, e.g. "int64",
                                    "<U6", "object", "bool"; may be NULL */
    sks_link link;
    double link_params[2];       /* SKS_LINK_ISOLATION: denominator, offset */
    int positive_at_zero;        /* binary classifiers with one score column:
                                    a score of exactly 0 predicts class 1
                                    (gradient boosting); else class 0 */

    /* Free-form user metadata: string keys and values. */
    int32_t n_metadata;
    const char *const *metadata_keys;
    const char *const *metadata_values;

    /* Preprocessing steps (a Pipeline's transformers), in order; may be 0.
     * With steps, each step checks its span (sks_step_desc.check) and what
     * the last one leaves is checked against allow_nan/allow_inf. The
     * estimator reads that row (its width is the estimator's feature
     * count). */
    int32_t n_steps;
    const sks_step_desc *steps;

    /* The estimator. */
    sks_estimator_kind kind;

    /* SKS_EST_TREES: raw score per row = aggregation of n_values leaf
     * values; probability trees have n_values == n_classes (SKS_LINK_PROBA),
     * regressors n_values == n_outputs, boosted classifiers one score
     * column (binary) or n_classes. */
    int32_t n_trees;
    const sks_tree_desc *trees;
    int32_t n_values;
    sks_aggregation aggregation;
    sks_compare compare;
    const double *base;          /* SKS_AGG_SUM: n_values starting scores
                                    (the init estimator's); NULL: zeros */
    const int32_t *tree_output;  /* NULL: each tree's nodes carry n_values
                                    values. Else n_trees column indices:
                                    tree t's nodes carry one value, added to
                                    column tree_output[t] (boosting, one
                                    tree per class and stage) */
    /* Categorical splits (HistGradientBoosting): n_cat_bitsets pairs of
     * 256-bit sets, 16 words each: 8 words of categories that go left,
     * then 8 of the feature's known categories. At such a node, x NaN or
     * negative goes the missing side; else c = (uint8_t)(int32_t)x: left
     * when c is in the left set, right when in the known set, else the
     * missing side (scikit-learn's _predictor.pyx on x86-64). With
     * cat_rule SKS_CAT_LIGHTGBM (LightGBM's CategoricalDecision): NaN goes
     * right; else c = (int32_t)x: left when 0 <= c < 256 and c is in the
     * left set, else right (the known set is not used). With cat_rule
     * SKS_CAT_XGBOOST (XGBoost's common::Decision, compare
     * SKS_CMP_F32_LT): x is rounded to float32; NaN goes the missing side;
     * else right when 0 <= x < 2^24 and c = (int32_t)x is in the first
     * set (c < 256), else left (the second set is not used). */
    int32_t n_cat_bitsets;
    const uint32_t *cat_bitsets;
    sks_cat_rule cat_rule;
    /* SKS_AGG_SUM: nonzero sums in float32, as XGBoost does: the sum
     * starts at base and is rounded to float32 after each tree's value is
     * added; base and leaf values must be float32 numbers. */
    int sum_f32;

    /* SKS_EST_LINEAR: raw[t] = sum_j x[j] * coef[t][j] + intercept[t].
     * Regressors have n_targets == n_outputs; binary classifiers 1,
     * multiclass ones n_classes. */
    int32_t n_targets;
    const double *coef;          /* n_targets x (columns after the steps),
                                    row-major */
    const double *intercept;     /* n_targets */
    /* The dtypes the estimator keeps coef and intercept in (0 means
     * SKS_F64). scikit-learn fitted on float32 may keep float32 and then
     * computes X @ coef in float32 for float32 X, with the result type of
     * X, coef and intercept. The engine always scores in float64 from the
     * exact values; callers may round results to the estimator's dtype. */
    sks_dtype coef_dtype;
    sks_dtype intercept_dtype;

    /* Format 1.3, SKS_EST_TREES: NULL, or per tree its nodes' covers
     * (n_nodes each, indexed like the tree's nodes): the training weight
     * that reached each node (scikit-learn's weighted_n_node_samples,
     * HistGradientBoosting's counts, XGBoost's sum_hessian, LightGBM's
     * internal_count/leaf_count). What SKS_OUT_CONTRIBUTIONS weighs the
     * branches a row does not take by; finite, >= 0, and > 0 at splits. */
    const double *const *tree_cover;
} sks_desc;

/* Zeroes *d and sets its struct_size: the start of every description.
 * The functions below refuse a description whose struct_size is not set
 * (SKS_EARG). */
void sks_desc_init(sks_desc *d);

/* ------------------------------------------------------------- the model */

typedef struct sks_model sks_model;

/* The number of columns d's estimator reads: n_features after d's
 * preprocessing steps, which it checks (with the input's vocabularies).
 * Callers building a description use it to size coef (and check tree
 * feature indices) before the whole description is validated. */
int sks_desc_estimator_features(const sks_desc *d, int32_t *out, sks_error *err);

/* Validates d and writes it as a model file at path (written to a temporary
 * file beside it, then renamed: readers never see a partial file). */
int sks_desc_save(const sks_desc *d, const char *path, sks_error *err);

/* Validates d and writes the model file's bytes into a buffer the engine
 * allocates; free it with sks_free. */
int sks_desc_serialize(const sks_desc *d, void **out, size_t *out_len,
                       sks_error *err);

/* Validates d and compiles it into a model, as if saved and loaded. */
int sks_model_from_desc(const sks_desc *d, sks_model **out, sks_error *err);

/* Reads, checks and compiles a model file. Every byte is untrusted: a bad
 * file gives SKS_EMAGIC/EVERSION/ETRUNCATED/ECHECKSUM/EFORMAT/EINVALID with
 * a message naming what and where, never a crash. */
int sks_model_load(const char *path, sks_model **out, sks_error *err);

/* The same from bytes in memory (not retained after the call). */
int sks_model_load_buffer(const void *data, size_t len, sks_model **out,
                          sks_error *err);

void sks_model_free(sks_model *m);

/* Frees memory the engine allocated for the caller (sks_desc_serialize). */
void sks_free(void *p);

/* ------------------------------------------------------------ inspection */

typedef struct sks_info {
    size_t struct_size;           /* set by the caller: SKS_INFO_INIT */
    int format_major, format_minor;
    const char *producer;         /* "skscore" */
    const char *producer_version; /* engine version that wrote the file */
    const char *source, *source_version, *estimator;
    const char *checksum;         /* SHA-256 of the file body, 64 hex chars */
    sks_task task;
    sks_estimator_kind kind;
    int32_t n_features;
    int32_t n_outputs;
    int output_2d;
    int32_t n_classes;            /* 0 for regressors */
    sks_label_kind label_kind;
    const char *label_dtype;      /* "" when not given */
    sks_link link;
    int allow_nan;
    int allow_inf;
    int has_feature_names;
    int32_t n_metadata;
    int32_t n_trees;              /* 0 for linear models */
    int64_t n_nodes;              /* all trees */
    int32_t max_depth;            /* deepest leaf, root at depth 0 */
    int32_t n_steps;              /* preprocessing steps */
    int32_t n_estimator_features; /* columns the estimator reads (after
                                     the steps) */
    int32_t n_string_columns;     /* input columns that take strings */
    int32_t n_ignored_columns;    /* input columns no step reads */
    sks_dtype coef_dtype;         /* linear: SKS_F32 or SKS_F64; else NONE */
    sks_dtype intercept_dtype;    /* linear: SKS_F32 or SKS_F64; else NONE */
    sks_dtype output_dtype;       /* SKS_F32: every score output is a
                                     float32 number (XGBoost: float32 sums
                                     and links), which callers may return
                                     as float32; else SKS_F64 */
} sks_info;

/* The model file's name of a link ("logistic", "softmax_f32", ...), or
 * "unknown". */
const char *sks_link_name(sks_link link);

/* Names every caller shows for the engine's enums (the extension's info
 * dict, the gateway's metadata), "unknown" for values outside them:
 * "classification"/"regression"; "trees"/"linear"; "none"/"int"/"float"/
 * "str". sks_dtype_name gives "float32"/"float64", and "" for 0 (no dtype,
 * as sks_info.coef_dtype of a tree model). */
const char *sks_task_name(sks_task task);
const char *sks_estimator_kind_name(sks_estimator_kind kind);
const char *sks_label_kind_name(sks_label_kind kind);
const char *sks_dtype_name(sks_dtype dtype);

#define SKS_INFO_INIT {.struct_size = sizeof(sks_info)}

/* Fills *info (as far as its struct_size reaches); its strings live as
 * long as m. SKS_EARG when info is NULL or its struct_size is unset. */
int sks_model_info(const sks_model *m, sks_info *info);

/* NULL when i is out of range (or the model has no feature names). */
const char *sks_model_feature_name(const sks_model *m, int32_t i);
/* Class label i of the kind in sks_info.label_kind; 0 / NULL when out of
 * range or of another kind. */
int64_t sks_model_label_int(const sks_model *m, int32_t i);
double sks_model_label_float(const sks_model *m, int32_t i);
const char *sks_model_label_str(const sks_model *m, int32_t i);
/* Metadata pair i; NULL when out of range. */
const char *sks_model_metadata_key(const sks_model *m, int32_t i);
const char *sks_model_metadata_value(const sks_model *m, int32_t i);

/* --------------------------------------------------------------- scoring */

/* A dense input matrix in any layout: element (r, c) is at
 * (const char *)data + r * row_stride + c * col_stride. */
typedef struct sks_matrix {
    const void *data;
    sks_dtype dtype;
    int64_t n_rows, n_cols;
    int64_t row_stride, col_stride; /* in bytes; may be negative */
} sks_matrix;

typedef enum sks_output {
    SKS_OUT_PREDICT = 0,  /* regressors: n_outputs values; classifiers: the
                             class index (0..n_classes-1) as a double */
    SKS_OUT_PROBA = 1,    /* classifiers with a link: n_classes columns */
    SKS_OUT_DECISION = 2, /* classifiers scored by raw scores (linear,
                             boosted trees, isolation forests): one column
                             (binary) or n_classes */
    SKS_OUT_SCORE_SAMPLES = 3, /* isolation forests: one column */
    SKS_OUT_CONTRIBUTIONS = 4  /* tree models with covers (format 1.3):
                                  path-dependent TreeSHAP of the raw score
                                  (probabilities for probability trees,
                                  margins for boosting), per raw score
                                  column (groups) one value per estimator
                                  feature and the bias (expected value)
                                  last: raw = bias + sum of the rest */
} sks_output;

/* Columns per row of an output, or SKS_EUNSUPPORTED (with a message in the
 * words of scikit-learn) when the model has no such output. */
int sks_model_output_cols(const sks_model *m, sks_output what, int64_t *cols,
                          sks_error *err);

/* What a caller hands back for an output, so that every caller (the Python
 * extension, each gateway protocol) answers with the shape and dtype the
 * model's own library returns -- the one copy of those rules.
 *
 * The engine always writes n_rows x cols doubles; `ndim` and `values` say
 * what they stand for. */
typedef enum sks_values {
    SKS_VALUES_F64 = 1,   /* float64 numbers */
    SKS_VALUES_F32 = 2,   /* float32 numbers: return each double rounded to
                             float32 (exact already for XGBoost's outputs;
                             scikit-learn's float32 linear models answer
                             float32 X in float32) */
    SKS_VALUES_LABEL = 3  /* class indices: return class label i
                             (sks_model_label_*, of sks_info.label_kind) */
} sks_values;

typedef struct sks_output_spec {
    size_t struct_size; /* set by the caller: sizeof(sks_output_spec); the
                           engine fills only the fields that fit, so a
                           caller built against an older header keeps
                           working when fields are added at the end */
    int64_t cols;       /* doubles per row the engine writes */
    int ndim;           /* 1: one value per row, shape (n_rows,);
                           2: shape (n_rows, cols); 3 (contributions of
                           several raw columns): shape (n_rows, groups,
                           cols / groups) */
    sks_values values;
    int64_t groups;     /* contributions: raw score columns explained (each
                           row's cols values are groups runs of
                           cols / groups); 1 for every other output.
                           ndim is 3 when groups > 1 */
} sks_output_spec;

#define SKS_OUTPUT_SPEC_INIT {.struct_size = sizeof(sks_output_spec)}

/* What contribution j of a row (SKS_OUT_CONTRIBUTIONS, within one raw
 * score column) is: input column j's name (the model's own string), "bias"
 * for j == n_features, or, when the model has no feature names, "x<j>"
 * written into buf (len >= 16 bytes) and returned; NULL when j is out of
 * range or buf too small. The names the gateway answers beside
 * contributions and the batch scorers' column names. */
const char *sks_model_contribution_name(const sks_model *m, int32_t j, char *buf, size_t len);

/* Fills *spec for output `what` of m scored from input of input_dtype (the
 * sks_matrix's dtype; a table counts as SKS_F64). Errors as
 * sks_model_output_cols, and SKS_EARG when spec is NULL or its struct_size
 * is smaller than the first release's. */
int sks_model_output_spec(const sks_model *m, sks_output what, sks_dtype input_dtype,
                          sks_output_spec *spec, sks_error *err);

/* The names of outputs as scikit-learn's methods: "predict",
 * "predict_proba", "decision_function", "score_samples"; "unknown" for
 * other values. sks_output_from_name parses s[0..n): 0 and *what set, or
 * SKS_EARG. */
const char *sks_output_name(sks_output what);
int sks_output_from_name(const char *s, size_t n, sks_output *what);

/* Scores every row of X into out (n_rows x cols doubles, row-major).
 * Checks first, before writing anything: X's shape (SKS_ESHAPE), and values
 * the model cannot take (SKS_EVALUE: NaN when the model does not allow it,
 * infinities, values too large for float32 in tree models), naming the
 * first bad row and column. n_threads <= 0 uses as many threads as the
 * process has CPUs (its affinity mask, capped by a cgroup CPU quota); small
 * batches use one thread whatever is asked. The threads beyond the
 * caller's come from one pool per process, started on first use and kept
 * (a fork()ed child starts its own). Allocates per-call scratch memory;
 * safe to call from many threads on one model. */
int sks_model_predict(const sks_model *m, sks_output what, const sks_matrix *X,
                      double *out, size_t out_len, int n_threads,
                      sks_error *err);

/* ------------------------------------------------------- table input
 *
 * Models whose input has string columns (sks_info.n_string_columns > 0)
 * are scored from a table of columns, each numeric or string; any model
 * may be. Column c's kind must match the model's: numeric columns are
 * float32/float64 (element r at data + r * stride bytes), string columns
 * UTF-8 (row r is str[r], len[r] bytes, not NUL-terminated). Two missing
 * values, as Python has them: str[r] == NULL is NaN, str[r] == SKS_STR_NONE
 * is None (JSON's null). */
typedef enum sks_column_kind { SKS_COL_F32 = 1, SKS_COL_F64 = 2, SKS_COL_STR = 3 } sks_column_kind;

typedef struct sks_column {
    sks_column_kind kind;
    const void *data;           /* SKS_COL_F32 / SKS_COL_F64 */
    int64_t stride;             /* bytes between rows; may be negative */
    const char *const *str;     /* SKS_COL_STR: n_rows pointers */
    const size_t *len;          /* SKS_COL_STR: n_rows lengths */
} sks_column;

extern const char sks_str_none[1];
#define SKS_STR_NONE (sks_str_none)

typedef struct sks_table {
    int64_t n_rows;
    int64_t n_cols;
    const sks_column *cols;
} sks_table;

/* What input column c takes. */
typedef enum sks_input_kind {
    SKS_INPUT_NONE = -1,    /* c is out of range */
    SKS_INPUT_NUMBER = 0,   /* numbers (SKS_COL_F32 / SKS_COL_F64) */
    SKS_INPUT_STRING = 1,   /* strings (SKS_COL_STR) */
    SKS_INPUT_IGNORED = 2   /* no step reads it: a table may give either */
} sks_input_kind;

sks_input_kind sks_model_input_kind(const sks_model *m, int32_t c);

/* The strings a string column knows (its encoders' categories, in code
 * order): how many (0 for other columns or c out of range), and string i
 * (NUL-terminated, UTF-8; *len, when not NULL, its bytes) or NULL when i
 * is out of range. What `skscore inspect` lists as a column's categories. */
int32_t sks_model_input_vocab_size(const sks_model *m, int32_t c);
const char *sks_model_input_vocab(const sks_model *m, int32_t c, int32_t i, size_t *len);

/* "number", "string", "ignored"; "unknown" for SKS_INPUT_NONE. */
const char *sks_input_kind_name(sks_input_kind kind);

/* As sks_model_predict, from a table. A column of the wrong kind is
 * SKS_ESHAPE; a category the model's encoder refuses is SKS_EVALUE with
 * err->row and err->column set. sks_model_predict refuses models with
 * string columns (a numeric matrix cannot hold strings). */
int sks_model_predict_table(const sks_model *m, sks_output what, const sks_table *T, double *out,
                            size_t out_len, int n_threads, sks_error *err);

/* ------------------------------------------------------------ utilities
 *
 * What the engine's callers need as the engine does it, so that no caller
 * keeps its own copy. */

/* Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF) that starts at s[0], within the n
 * bytes available; 0 when none starts there (or n is 0). */
size_t sks_utf8_seq(const char *s, size_t n);

/* 1 when s[0..n) is well-formed UTF-8, else 0. */
int sks_utf8_valid(const char *s, size_t n);

/* The CPUs this process may use: its affinity mask, capped by a cgroup
 * (v2 or v1) CPU quota, at least 1. What n_threads <= 0 means. */
int sks_cpu_count(void);

#ifdef __cplusplus
}
#endif
#endif /* SKSCORE_H */
