/*
 * request.c -- the seed, KServe V1 and msgpack-block request shapes, scoring,
 * and the answers to them.
 *
 * Input is a decoded gw_val tree (JSON or msgpack: same shapes; the JSON
 * decoder may hand "instances"/"inputs" over as a GW_ROWS matrix); output is
 * an sks_matrix for the engine (an sks_table over the same float64 rows
 * for models with string or ignored columns), and after scoring an answer
 * written with gw_writer. Shapes (docs/PROTOCOL.md):
 *   {"features": [x, ...] | {name: x, ...}}            -> {"prediction": ..}
 *   {"instances" | "inputs": [[x, ...] | {name: x}, ...]} -> {"predictions": [..]}
 *   {"block": <bin>, "dtype": "float32"|"float64", "shape": [rows, cols]}
 * plus "outputs": ["predict", "predict_proba", "decision_function"].
 * Structural problems are 400 (a value of the wrong type for its column
 * too), rows over the limit 413, inputs the model cannot take (feature
 * count or names, NaN, unknown categories, blocks for string columns) 422
 * with the engine's words.
 * Labels keep the JSON type Python's json gives the estimator's predict().
 * No h2o here.
 */
#include <stdarg.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "gw/request.h"
#include "gw/metrics.h"
#include "gw/log.h"

int gw_errf(gw_err *e, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->status = status;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* GW_OUT_* bit i is sks_output i. */
unsigned gw_output_bit(const char *s, size_t n)
{
    sks_output what;
    return sks_output_from_name(s, n, &what) == 0 && (int)what < GW_N_OUTPUTS ? 1u << what : 0;
}

static char output_names[160];

static void fill_output_names(void)
{
    size_t at = 0;
    for (int i = 0; i < GW_N_OUTPUTS; i++)
        at += (size_t)snprintf(output_names + at, sizeof output_names - at, "%s%s",
                               i == 0 ? "" : (i == GW_N_OUTPUTS - 1 ? " or " : ", "), sks_output_name((sks_output)i));
}

const char *gw_output_names(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fill_output_names);
    return output_names;
}

const char *gw_output_name(unsigned bit)
{
    return bit != 0 && (bit & (bit - 1)) == 0 ? sks_output_name((sks_output)__builtin_ctz(bit)) : "?";
}

/* Quoted, shortened copy of a key for error messages. */
static const char *show(char *buf, size_t size, const char *s, size_t n)
{
    size_t max = size - 8;
    snprintf(buf, size, "\"%.*s%s\"", (int)(n > max ? max : n), s, n > max ? "..." : "");
    return buf;
}

static int parse_outputs(const gw_val *v, const char *q, size_t qn, unsigned *out, gw_err *e)
{
    unsigned bits = 0;
    if (v != NULL) {
        if (v->type == GW_STR) {
            bits = gw_output_bit(v->u.s, v->n);
            if (bits == 0)
                return gw_errf(e, 400, "unknown output \"%.*s\"; expected %s",
                               (int)(v->n > 64 ? 64 : v->n), v->u.s, gw_output_names());
        } else if (v->type == GW_ARR) {
            for (uint32_t i = 0; i < v->n; i++) {
                const gw_val *s = &v->u.items[i];
                if (s->type != GW_STR)
                    return gw_errf(e, 400, "outputs[%u] is %s, not a string", i, gw_type_name(s->type));
                unsigned b = gw_output_bit(s->u.s, s->n);
                if (b == 0)
                    return gw_errf(e, 400,
                                   "unknown output \"%.*s\"; expected %s",
                                   (int)(s->n > 64 ? 64 : s->n), s->u.s, gw_output_names());
                bits |= b;
            }
        } else {
            return gw_errf(e, 400, "\"outputs\" must be an array of strings");
        }
    } else if (q != NULL) {
        size_t i = 0;
        while (i <= qn) {
            size_t j = i;
            while (j < qn && q[j] != ',')
                j++;
            if (j > i) {
                unsigned b = gw_output_bit(q + i, j - i);
                if (b == 0)
                    return gw_errf(e, 400,
                                   "unknown output \"%.*s\" in ?outputs=; expected %s",
                                   (int)(j - i > 64 ? 64 : j - i), q + i, gw_output_names());
                bits |= b;
            }
            i = j + 1;
        }
    }
    if (bits == 0 && (v != NULL || q != NULL))
        return gw_errf(e, 400, "\"outputs\" is empty");
    *out = bits ? bits : GW_OUT_PREDICT;
    return 0;
}

static int num_of(const gw_val *v, double *x)
{
    if (v->type == GW_NUM) {
        *x = v->u.num;
        return 0;
    }
    if (v->type == GW_NULL) { /* as numpy reads None in a float array */
        *x = NAN;
        return 0;
    }
    return -1;
}

/* Rows for a model with string or ignored columns: numbers go into the
 * row-major matrix as for other models (NaN in the other columns), and
 * each string column gets its rows' pointers and lengths, as sks_table
 * wants them. The strings point into the body or the arena, which outlive
 * the scoring. */
typedef struct str_rows {
    const char ***s; /* per column: n_rows pointers, or NULL */
    size_t **len;
} str_rows;

/* v as row r of column c with its model's kind; -1 when v has the wrong
 * type. String columns take Python's two missing values: null is None and
 * NaN is float('nan') (scikit-learn tells them apart). */
static int typed_cell(const gw_val *v, sks_input_kind kind, double *x, const str_rows *sr, int64_t c, int64_t r)
{
    if (kind == SKS_INPUT_NUMBER)
        return num_of(v, x);
    *x = NAN;
    if (kind == SKS_INPUT_IGNORED)
        return 0;
    if (v->type == GW_STR) {
        sr->s[c][r] = v->u.s;
        sr->len[c][r] = v->n;
    } else if (v->type == GW_NULL) {
        sr->s[c][r] = SKS_STR_NONE;
        sr->len[c][r] = 0;
    } else if (v->type == GW_NUM && isnan(v->u.num)) {
        sr->s[c][r] = NULL;
        sr->len[c][r] = 0;
    } else {
        return -1;
    }
    return 0;
}

/* The 400 for a value of the wrong type; col is "[3]" or "[\"name\"]". */
static int wrong_type(gw_err *e, const char *where, const char *col, const gw_val *v, sks_input_kind kind)
{
    return gw_errf(e, 400, "%s%s is %s, not %s", where, col, gw_type_name(v->type),
                   kind == SKS_INPUT_STRING ? "a string (or null)" : "a number");
}

/* The same for column c of an array row, naming the feature if it can. */
static int wrong_type_at(gw_err *e, const gw_model *m, const char *where, int64_t c, const gw_val *v)
{
    char col[120], k[100];
    const char *fn = c < m->info.n_features ? sks_model_feature_name(m->m, (int32_t)c) : NULL;
    if (fn != NULL)
        snprintf(col, sizeof col, "[%lld] (%s)", (long long)c, show(k, sizeof k, fn, strlen(fn)));
    else
        snprintf(col, sizeof col, "[%lld]", (long long)c);
    return wrong_type(e, where, col, v, gw_col_kind(m, c));
}

/* Fills row r of X (n_cols wide) from an object keyed by feature names. */
static int named_row(const gw_val *obj, const gw_model *m, double *row, int64_t n_cols, const str_rows *sr,
                     int64_t r, const char *where, unsigned char *seen, gw_err *e)
{
    char k[120];
    if (m->fn_table == NULL)
        return gw_errf(e, 422, "%s is keyed by feature name, but this model was exported without feature names; "
                               "send rows as arrays of %d %s", where, m->info.n_features, m->col_kind ? "values" : "numbers");
    memset(seen, 0, (size_t)n_cols);
    for (uint32_t i = 0; i < obj->n; i++) {
        const gw_member *mem = &obj->u.mem[i];
        int32_t f = gw_model_feature(m, mem->key, mem->klen);
        if (f < 0) {
            char hint[220];
            gw_feature_hint(m, mem->key, mem->klen, hint, sizeof hint);
            return gw_errf(e, 422, "%s has an unknown feature %s%s", where, show(k, sizeof k, mem->key, mem->klen),
                           hint);
        }
        if (seen[f])
            return gw_errf(e, 422, "%s names feature %s twice", where, show(k, sizeof k, mem->key, mem->klen));
        seen[f] = 1;
        sks_input_kind kind = gw_col_kind(m, f);
        if ((m->col_kind == NULL ? num_of(&mem->val, &row[f]) : typed_cell(&mem->val, kind, &row[f], sr, f, r)) != 0) {
            char col[124];
            snprintf(col, sizeof col, "[%s]", show(k, sizeof k, mem->key, mem->klen));
            return wrong_type(e, where, col, &mem->val, kind);
        }
    }
    for (int64_t c = 0; c < n_cols; c++)
        if (!seen[c]) {
            const char *fn = sks_model_feature_name(m->m, (int32_t)c);
            return gw_errf(e, 422, "%s is missing feature %s (the model takes %d features)", where,
                           show(k, sizeof k, fn, strlen(fn)), m->info.n_features);
        }
    return 0;
}

/* Pointer and length arrays for the string columns of n rows. */
static int str_rows_init(str_rows *sr, const gw_model *m, int64_t n, int64_t cols, gw_arena *a)
{
    sr->s = gw_arena_alloc(a, (size_t)cols * sizeof *sr->s);
    sr->len = gw_arena_alloc(a, (size_t)cols * sizeof *sr->len);
    if (sr->s == NULL || sr->len == NULL)
        return -1;
    for (int64_t c = 0; c < cols; c++) {
        sr->s[c] = NULL;
        sr->len[c] = NULL;
        if (gw_col_kind(m, c) != SKS_INPUT_STRING)
            continue;
        sr->s[c] = gw_arena_alloc(a, (size_t)n * sizeof **sr->s);
        sr->len[c] = gw_arena_alloc(a, (size_t)n * sizeof **sr->len);
        if (sr->s[c] == NULL || sr->len[c] == NULL)
            return -1;
    }
    return 0;
}

/* The table over x (n rows of cols doubles) and the string columns. */
static int rows_table(gw_batch *b, const double *x, const str_rows *sr, int64_t n, int64_t cols, gw_arena *a)
{
    sks_column *tc = gw_arena_alloc(a, (size_t)cols * sizeof *tc);
    if (tc == NULL)
        return -1;
    for (int64_t c = 0; c < cols; c++) {
        if (sr->s[c] != NULL)
            tc[c] = (sks_column){.kind = SKS_COL_STR, .str = sr->s[c], .len = sr->len[c]};
        else
            tc[c] = (sks_column){.kind = SKS_COL_F64, .data = x + c, .stride = cols * (int64_t)sizeof(double)};
    }
    b->T = (sks_table){.n_rows = n, .n_cols = cols, .cols = tc};
    return 0;
}

/* X as the engine takes it: n rows of cols doubles, row-major. */
static void set_matrix(gw_batch *b, const double *x, int64_t n, int64_t cols)
{
    b->X.data = x;
    b->X.dtype = SKS_F64;
    b->X.n_rows = n;
    b->X.n_cols = cols;
    b->X.row_stride = cols * (int64_t)sizeof(double);
    b->X.col_stride = sizeof(double);
}

/* Rows the JSON decoder read straight into a matrix (GW_ROWS: every row an
 * array of the same number of numbers). A numeric model scores it where it
 * lies; a model with string or ignored columns takes it cell by cell, as
 * an array of rows, with the same words for a number in a string column. */
static int decoded_matrix(const gw_val *rows, const char *key, const gw_model *m, gw_arena *a, gw_batch *b,
                          gw_err *e)
{
    int64_t n = rows->n, cols = rows->u.rows->cols;
    const double *x = rows->u.rows->x;
    if (m->col_kind == NULL) {
        set_matrix(b, x, n, cols);
        return 0;
    }
    str_rows sr;
    double *xt = gw_arena_alloc(a, (size_t)n * (size_t)cols * sizeof(double));
    if (xt == NULL || str_rows_init(&sr, m, n, cols, a) != 0)
        return gw_errf(e, 500, "out of memory");
    for (int64_t r = 0; r < n; r++)
        for (int64_t c = 0; c < cols; c++) {
            gw_val v = {.type = GW_NUM, .u.num = x[r * cols + c]};
            if (typed_cell(&v, gw_col_kind(m, c), &xt[r * cols + c], &sr, c, r) != 0) {
                char where[96];
                snprintf(where, sizeof where, "%s[%lld]", key, (long long)r);
                return wrong_type_at(e, m, where, c, &v);
            }
        }
    return rows_table(b, xt, &sr, n, cols, a) == 0 ? 0 : gw_errf(e, 500, "out of memory");
}

static int rows_matrix(const gw_val *rows, const char *key, const gw_model *m, const gw_limits *lim, gw_arena *a,
                       gw_batch *b, gw_err *e)
{
    char where[96];
    if (rows->type != GW_ARR && rows->type != GW_ROWS)
        return gw_errf(e, 400, "\"%s\" must be an array of rows, not %s", key, gw_type_name(rows->type));
    int64_t n = rows->n;
    if (n == 0)
        return gw_errf(e, 400, "\"%s\" is empty: send at least one row", key);
    if (lim->max_rows > 0 && n > lim->max_rows)
        return gw_errf(e, 413, "the batch has %lld rows; the limit is %lld", (long long)n, (long long)lim->max_rows);
    if (rows->type == GW_ROWS)
        return decoded_matrix(rows, key, m, a, b, e);
    const gw_val *r0 = &rows->u.items[0];
    int64_t cols;
    if (r0->type == GW_ARR) {
        cols = r0->n;
    } else if (r0->type == GW_OBJ) {
        cols = m->info.n_features;
    } else {
        return gw_errf(e, 400, "%s[0] is %s; each row must be an array of %s or an object keyed by feature name",
                       key, gw_type_name(r0->type), m->col_kind ? "values" : "numbers");
    }
    if (cols > 0 && (size_t)n > SIZE_MAX / sizeof(double) / (size_t)cols)
        return gw_errf(e, 413, "the batch is too large");
    unsigned char *seen = NULL;
    double *x = gw_arena_alloc(a, (size_t)n * (size_t)(cols ? cols : 1) * sizeof(double));
    str_rows sr = {NULL, NULL};
    if (x == NULL || (m->col_kind != NULL && str_rows_init(&sr, m, n, cols, a) != 0))
        return gw_errf(e, 500, "out of memory");
    for (int64_t r = 0; r < n; r++) {
        const gw_val *row = &rows->u.items[r];
        double *xr = x + r * cols;
        snprintf(where, sizeof where, "%s[%lld]", key, (long long)r);
        if (row->type != r0->type)
            return gw_errf(e, 400, "%s is %s but %s[0] is %s; rows must all be arrays or all objects", where,
                           gw_type_name(row->type), key, gw_type_name(r0->type));
        if (row->type == GW_OBJ) {
            if (seen == NULL && (seen = gw_arena_alloc(a, (size_t)cols + 1)) == NULL)
                return gw_errf(e, 500, "out of memory");
            if (named_row(row, m, xr, cols, &sr, r, where, seen, e) != 0)
                return -1;
            continue;
        }
        if ((int64_t)row->n != cols)
            return gw_errf(e, 422, "%s has %u values but %s[0] has %lld (the model takes %d features)", where, row->n,
                           key, (long long)cols, m->info.n_features);
        if (m->col_kind == NULL) {
            for (int64_t c = 0; c < cols; c++)
                if (num_of(&row->u.items[c], &xr[c]) != 0)
                    return wrong_type_at(e, m, where, c, &row->u.items[c]);
        } else {
            for (int64_t c = 0; c < cols; c++)
                if (typed_cell(&row->u.items[c], gw_col_kind(m, c), &xr[c], &sr, c, r) != 0)
                    return wrong_type_at(e, m, where, c, &row->u.items[c]);
        }
    }
    if (m->col_kind != NULL)
        return rows_table(b, x, &sr, n, cols, a) == 0 ? 0 : gw_errf(e, 500, "out of memory");
    set_matrix(b, x, n, cols);
    return 0;
}

static int block_matrix(const gw_val *root, const gw_val *blk, const gw_model *m, const gw_limits *lim, gw_arena *a,
                        gw_batch *b, gw_err *e)
{
    /* Ignored columns need no table: the engine reads NaN there. */
    if (m->info.n_string_columns > 0)
        return gw_errf(e, 422, "this model takes string columns; send rows (instances/inputs) instead of a numeric "
                               "block");
    if (blk->type != GW_BIN)
        return gw_errf(e, 400, "\"block\" must be msgpack bin data (little-endian float32 or float64), not %s",
                       gw_type_name(blk->type));
    const gw_val *dt = gw_obj_get(root, "dtype"), *sh = gw_obj_get(root, "shape");
    size_t size;
    sks_dtype dtype;
    if (gw_str_eq(dt, "float64") || gw_str_eq(dt, "<f8") || gw_str_eq(dt, "f8") || gw_str_eq(dt, "FP64")) {
        size = 8;
        dtype = SKS_F64;
    } else if (gw_str_eq(dt, "float32") || gw_str_eq(dt, "<f4") || gw_str_eq(dt, "f4") || gw_str_eq(dt, "FP32")) {
        size = 4;
        dtype = SKS_F32;
    } else {
        return gw_errf(e, 400, "\"dtype\" must be \"float32\" or \"float64\" with \"block\"");
    }
    if (sh == NULL || sh->type != GW_ARR || sh->n != 2)
        return gw_errf(e, 400, "\"shape\" must be [rows, columns] with \"block\"");
    double d0 = sh->u.items[0].u.num, d1 = sh->u.items[1].u.num;
    if (sh->u.items[0].type != GW_NUM || sh->u.items[1].type != GW_NUM || !(d0 >= 0 && d0 <= 1e12) ||
        !(d1 >= 0 && d1 <= 1e9) || d0 != floor(d0) || d1 != floor(d1))
        return gw_errf(e, 400, "\"shape\" must be two non-negative integers");
    int64_t rows = (int64_t)d0, cols = (int64_t)d1;
    if (rows == 0)
        return gw_errf(e, 400, "\"block\" is empty: send at least one row");
    if (lim->max_rows > 0 && rows > lim->max_rows)
        return gw_errf(e, 413, "the batch has %lld rows; the limit is %lld", (long long)rows, (long long)lim->max_rows);
    if ((uint64_t)rows * (uint64_t)cols * size != blk->n)
        return gw_errf(e, 400, "\"block\" has %u bytes; shape [%lld, %lld] of %s needs %llu", blk->n, (long long)rows,
                       (long long)cols, size == 8 ? "float64" : "float32",
                       (unsigned long long)((uint64_t)rows * (uint64_t)cols * size));
    const void *data = blk->u.bin;
    if (((uintptr_t)data & (size - 1)) != 0) {
        void *copy = gw_arena_alloc(a, blk->n);
        if (copy == NULL)
            return gw_errf(e, 500, "out of memory");
        memcpy(copy, data, blk->n);
        data = copy;
    }
    b->X.data = data;
    b->X.dtype = dtype;
    b->X.n_rows = rows;
    b->X.n_cols = cols;
    b->X.row_stride = cols * (int64_t)size;
    b->X.col_stride = (int64_t)size;
    return 0;
}

int gw_parse_predict(const gw_val *root, const gw_model *m, int v1, const char *qout, size_t qout_len,
                     const gw_limits *lim, gw_arena *a, gw_batch *b, gw_err *e)
{
    memset(b, 0, sizeof *b);
    if (root->type != GW_OBJ)
        return gw_errf(e, 400, "the body must be an object, not %s", gw_type_name(root->type));
    if (parse_outputs(gw_obj_get(root, "outputs"), qout, qout_len, &b->outputs, e) != 0)
        return -1;
    const gw_val *v;
    if ((v = gw_obj_get(root, "instances")) != NULL)
        return rows_matrix(v, "instances", m, lim, a, b, e);
    if ((v = gw_obj_get(root, "inputs")) != NULL)
        return rows_matrix(v, "inputs", m, lim, a, b, e);
    if ((v = gw_obj_get(root, "block")) != NULL)
        return block_matrix(root, v, m, lim, a, b, e);
    if (!v1 && (v = gw_obj_get(root, "features")) != NULL) {
        gw_val one = {.type = GW_ARR, .n = 1, .u.items = (gw_val *)v};
        if (v->type != GW_ARR && v->type != GW_OBJ)
            return gw_errf(e, 400, "\"features\" must be an array of %s or an object keyed by feature name, not %s",
                           m->col_kind ? "values" : "numbers", gw_type_name(v->type));
        if (rows_matrix(&one, "features", m, lim, a, b, e) != 0) {
            /* "features[0]..." reads oddly for one row: drop the index. */
            char *p = strstr(e->msg, "features[0]");
            if (p != NULL)
                memmove(p + 8, p + 11, strlen(p + 11) + 1);
            return -1;
        }
        b->single = 1;
        return 0;
    }
    return gw_errf(e, 400, v1 ? "expected \"instances\" (or \"inputs\"): an array of rows"
                              : "expected \"features\" (one row), \"instances\" (rows) or \"block\" (msgpack rows)");
}

static int score(const gw_model *m, const gw_batch *b, gw_arena *a, gw_scores *s, int threads, gw_err *e);

static int engine_status(int code)
{
    switch (code) {
    case SKS_ESHAPE:
    case SKS_EVALUE:
    case SKS_EUNSUPPORTED:
        return 422;
    case SKS_EARG:
        return 400;
    default:
        return 500;
    }
}

int gw_loop_count = 1;
static _Atomic int scoring; /* loops inside gw_score now */

int gw_score(const gw_model *m, const gw_batch *b, gw_arena *a, gw_scores *s, gw_err *e)
{
    int threads = gw_loop_count - atomic_fetch_add(&scoring, 1);
    int rc = score(m, b, a, s, threads < 1 ? 1 : threads, e);
    atomic_fetch_sub(&scoring, 1);
    return rc;
}

static int score(const gw_model *m, const gw_batch *b, gw_arena *a, gw_scores *s, int threads, gw_err *e)
{
    static const sks_output what[GW_N_OUTPUTS] = {SKS_OUT_PREDICT, SKS_OUT_PROBA, SKS_OUT_DECISION,
                                                  SKS_OUT_SCORE_SAMPLES, SKS_OUT_CONTRIBUTIONS};
    double **dst[GW_N_OUTPUTS] = {&s->predict, &s->proba, &s->decision, &s->scores, &s->contrib};
    memset(s, 0, sizeof *s);
    s->n_rows = b->T.cols != NULL ? b->T.n_rows : b->X.n_rows;
    for (int i = 0; i < GW_N_OUTPUTS; i++) {
        if (!(b->outputs & (1u << i)))
            continue;
        sks_error err = {0};
        sks_output_spec *spec = &s->spec[i];
        *spec = (sks_output_spec)SKS_OUTPUT_SPEC_INIT;
        int rc = sks_model_output_spec(m->m, what[i], b->T.cols != NULL ? SKS_F64 : b->X.dtype, spec, &err);
        if (rc != 0)
            return gw_errf(e, engine_status(rc), "%s", err.message[0] ? err.message : sks_strerror(rc));
        size_t n = (size_t)s->n_rows * (size_t)spec->cols;
        double *out = gw_arena_alloc(a, (n ? n : 1) * sizeof(double));
        if (out == NULL)
            return gw_errf(e, 500, "out of memory");
        rc = b->T.cols != NULL ? sks_model_predict_table(m->m, what[i], &b->T, out, n, threads, &err)
                               : sks_model_predict(m->m, what[i], &b->X, out, n, threads, &err);
        if (rc != 0)
            return gw_errf(e, engine_status(rc), "%s", err.message[0] ? err.message : sks_strerror(rc));
        if (spec->values == SKS_VALUES_F32) /* as the model's library answers */
            for (size_t k = 0; k < n; k++)
                out[k] = (double)(float)out[k];
        *dst[i] = out;
    }
    return 0;
}

static void write_row(gw_writer *w, const double *x, int64_t cols, int scalar_if_one)
{
    if (cols == 1 && scalar_if_one) {
        gw_w_double(w, x[0]);
        return;
    }
    gw_w_arr(w, (uint32_t)cols);
    for (int64_t c = 0; c < cols; c++)
        gw_w_double(w, x[c]);
    gw_w_end(w);
}

static void write_predict_row(gw_writer *w, const gw_model *m, const double *p, const sks_output_spec *spec)
{
    if (spec->values == SKS_VALUES_LABEL) {
        gw_write_label(w, m, p[0]);
        return;
    }
    write_row(w, p, spec->cols, spec->ndim == 1);
}

/* One row's contributions: features + 1 numbers, or (ndim 3) one such
 * array per raw score column. */
static void write_contrib_row(gw_writer *w, const double *x, const sks_output_spec *spec)
{
    int64_t groups = spec->ndim == 3 ? spec->groups : 1, per = spec->cols / groups;
    if (spec->ndim == 3)
        gw_w_arr(w, (uint32_t)groups);
    for (int64_t g = 0; g < groups; g++)
        write_row(w, x + g * per, per, 0);
    if (spec->ndim == 3)
        gw_w_end(w);
}

/* What each contribution is: the engine's names (the input columns',
 * then "bias"). */
static void write_contrib_names(gw_writer *w, const gw_model *m)
{
    int32_t nf = m->info.n_features;
    gw_w_key(w, "contribution_names");
    gw_w_arr(w, (uint32_t)nf + 1);
    for (int32_t j = 0; j <= nf; j++) {
        char buf[16];
        gw_w_cstr(w, sks_model_contribution_name(m->m, j, buf, sizeof buf));
    }
    gw_w_end(w);
}

static void write_classes(gw_writer *w, const gw_model *m)
{
    gw_w_key(w, "classes");
    gw_w_arr(w, (uint32_t)m->info.n_classes);
    for (int32_t c = 0; c < m->info.n_classes; c++)
        gw_write_label(w, m, (double)c);
    gw_w_end(w);
}

void gw_answer_predict(gw_writer *w, const gw_model *m, const gw_batch *b, const gw_scores *s, int v1)
{
    (void)v1;
    int64_t n = s->n_rows;
    uint32_t keys = 0;
    keys += !!s->predict;
    keys += s->proba ? 2 : 0;
    keys += !!s->decision;
    keys += !!s->scores;
    keys += s->contrib ? 2 : 0; /* contributions, contribution_names */
    gw_w_map(w, keys);
    if (s->predict) {
        const sks_output_spec *spec = &s->spec[SKS_OUT_PREDICT];
        if (b->single) {
            gw_w_key(w, "prediction");
            write_predict_row(w, m, s->predict, spec);
        } else {
            gw_w_key(w, "predictions");
            gw_w_arr(w, (uint32_t)n);
            for (int64_t r = 0; r < n; r++)
                write_predict_row(w, m, s->predict + r * spec->cols, spec);
            gw_w_end(w);
        }
    }
    if (s->proba)
        write_classes(w, m);
    /* The other outputs, each row as its spec says: 1-D outputs one
     * number per row, 2-D an array. */
    static const char *const keys_of[4] = {NULL, "probabilities", "decision_function", "score_samples"};
    const double *vals[4] = {NULL, s->proba, s->decision, s->scores};
    for (int i = 1; i < 4; i++) {
        if (vals[i] == NULL)
            continue;
        const sks_output_spec *spec = &s->spec[i];
        gw_w_key(w, keys_of[i]);
        if (b->single) {
            write_row(w, vals[i], spec->cols, spec->ndim == 1);
        } else {
            gw_w_arr(w, (uint32_t)n);
            for (int64_t r = 0; r < n; r++)
                write_row(w, vals[i] + r * spec->cols, spec->cols, spec->ndim == 1);
            gw_w_end(w);
        }
    }
    if (s->contrib) {
        const sks_output_spec *spec = &s->spec[SKS_OUT_CONTRIBUTIONS];
        gw_w_key(w, "contributions");
        if (!b->single)
            gw_w_arr(w, (uint32_t)n);
        for (int64_t r = 0; r < (b->single ? 1 : n); r++)
            write_contrib_row(w, s->contrib + r * spec->cols, spec);
        if (!b->single)
            gw_w_end(w);
        write_contrib_names(w, m);
    }
    gw_w_end(w);
}
