/*
 * v2.c -- the Open Inference Protocol (KServe V2) infer request and answer,
 * with the binary data extension.
 *
 * Inputs: one tensor of shape [rows, features] (or [features]: one row), or
 * one tensor per feature, each of shape [rows] or [rows, 1], named by the
 * model's feature names. Datatypes BOOL, UINT8..64, INT8..64, FP32, FP64
 * (numbers) and BYTES (text: a number written as text, e.g. "5.1", for
 * numeric columns; the string itself for string columns, JSON null being
 * Python's None). A model with string columns takes one BYTES tensor or
 * one tensor per feature, BYTES for its string columns; columns it ignores
 * take any datatype. "data" may be flat or nested; with the binary
 * extension an input's bytes follow the JSON header
 * (parameters.binary_data_size), little-endian, BYTES elements as a 4-byte
 * length and the bytes. Outputs: "predict", "predict_proba",
 * "decision_function", each in JSON or binary (parameters.binary_data, or
 * binary_data_output for all). Every number becomes a float64 first (exact
 * for all these types), as the seed path does; strings stay where they are
 * (in the body) until scored. No h2o here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw/request.h"
#include "gw/metrics.h"
#include "gw/log.h"


typedef struct dtype_info {
    const char *name;
    int size; /* bytes per element in binary; 0 for BYTES */
    int kind; /* 0 float, 1 signed, 2 unsigned, 3 bool, 4 bytes */
} dtype_info;

static const dtype_info dtypes[] = {
    {"BOOL", 1, 3},   {"UINT8", 1, 2},  {"UINT16", 2, 2}, {"UINT32", 4, 2}, {"UINT64", 8, 2},
    {"INT8", 1, 1},   {"INT16", 2, 1},  {"INT32", 4, 1},  {"INT64", 8, 1},  {"FP32", 4, 0},
    {"FP64", 8, 0},   {"BYTES", 0, 4},
};

static const dtype_info *find_dtype(const gw_val *v)
{
    if (v == NULL || v->type != GW_STR)
        return NULL;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (gw_str_eq(v, dtypes[i].name))
            return &dtypes[i];
    return NULL;
}

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static double from_bits(const dtype_info *dt, const unsigned char *p)
{
    uint64_t v = le(p, dt->size);
    switch (dt->kind) {
    case 0:
        if (dt->size == 4) {
            uint32_t u = (uint32_t)v;
            float f;
            memcpy(&f, &u, 4);
            return (double)f;
        } else {
            double d;
            memcpy(&d, &v, 8);
            return d;
        }
    case 1:
        switch (dt->size) {
        case 1: return (double)(int8_t)v;
        case 2: return (double)(int16_t)v;
        case 4: return (double)(int32_t)v;
        default: return (double)(int64_t)v;
        }
    case 3:
        return v ? 1.0 : 0.0;
    default:
        return (double)v;
    }
}

typedef struct tensor {
    const char *name;
    char namebuf[80];
    const dtype_info *dt;
    int64_t shape[8];
    int ndim;
    size_t count;
    double *x;        /* the elements as float64 (BYTES: once converted) */
    const char **s;   /* BYTES: the elements as text, len[i] bytes each */
    size_t *len;
} tensor;

/* The elements nested JSON data holds. */
static size_t leaves(const gw_val *v)
{
    if (v->type != GW_ARR)
        return 1;
    size_t n = 0;
    for (uint32_t i = 0; i < v->n; i++)
        n += leaves(&v->u.items[i]);
    return n;
}

/* Flattens nested JSON data row-major into t (*n elements so far). */
static int flatten(const gw_val *v, tensor *t, size_t *n, gw_err *e)
{
    if (v->type == GW_ARR) {
        for (uint32_t i = 0; i < v->n; i++)
            if (flatten(&v->u.items[i], t, n, e) != 0)
                return -1;
        return 0;
    }
    if (*n >= t->count)
        return gw_errf(e, 400, "input \"%s\": \"data\" has more elements than its shape", t->name);
    const dtype_info *dt = t->dt;
    if (dt->kind == 4) {
        /* null: Python's None, for string columns (an extension: BYTES
         * elements are strings). */
        if (v->type != GW_STR && v->type != GW_NULL)
            return gw_errf(e, 400, "input \"%s\": BYTES element %zu is %s, not a string", t->name, *n,
                           gw_type_name(v->type));
        t->s[*n] = v->type == GW_STR ? v->u.s : SKS_STR_NONE;
        t->len[*n] = v->type == GW_STR ? v->n : 0;
        (*n)++;
        return 0;
    }
    double x;
    if (dt->kind == 3) {
        if (v->type != GW_BOOL)
            return gw_errf(e, 400, "input \"%s\": BOOL element %zu is %s", t->name, *n, gw_type_name(v->type));
        x = v->u.b;
    } else {
        if (v->type != GW_NUM)
            return gw_errf(e, 400, "input \"%s\": element %zu is %s, not a number", t->name, *n,
                           gw_type_name(v->type));
        x = v->u.num;
        if (dt->kind != 0 && ((v->flags & GW_F_INT) == 0 || (dt->kind == 2 && x < 0)))
            return gw_errf(e, 400, "input \"%s\": element %zu is not a valid %s", t->name, *n, dt->name);
    }
    t->x[(*n)++] = x;
    return 0;
}

/* BYTES element i of t, for a numeric column: a number written as text. */
static int text_number(tensor *t, size_t i, gw_err *e)
{
    if (t->s[i] == SKS_STR_NONE || gw_parse_number(t->s[i], t->len[i], &t->x[i]) != 0)
        return gw_errf(e, 400, "input \"%s\": BYTES element %zu is not a number written as text", t->name, i);
    return 0;
}

static int text_numbers(tensor *t, gw_err *e)
{
    for (size_t i = 0; i < t->count; i++)
        if (text_number(t, i, e) != 0)
            return -1;
    return 0;
}

static int read_input(const gw_val *in, size_t idx, const char **bin, const char *bin_end, const gw_limits *lim,
                      gw_arena *a, tensor *t, gw_err *e)
{
    if (in->type != GW_OBJ)
        return gw_errf(e, 400, "inputs[%zu] must be an object", idx);
    const gw_val *nm = gw_obj_get(in, "name"), *sh = gw_obj_get(in, "shape"), *dtv = gw_obj_get(in, "datatype");
    const gw_val *data = gw_obj_get(in, "data"), *params = gw_obj_get(in, "parameters");
    if (nm == NULL || nm->type != GW_STR)
        return gw_errf(e, 400, "inputs[%zu] needs a \"name\" string", idx);
    snprintf(t->namebuf, sizeof t->namebuf, "%.*s", (int)(nm->n > 64 ? 64 : nm->n), nm->u.s);
    t->name = t->namebuf;
    const dtype_info *dt = t->dt = find_dtype(dtv);
    if (dt == NULL)
        return gw_errf(e, 400, "input \"%s\": \"datatype\" must be one of BOOL, UINT8..UINT64, INT8..INT64, FP32, "
                               "FP64, BYTES", t->name);
    if (sh == NULL || sh->type != GW_ARR || sh->n == 0 || sh->n > 8)
        return gw_errf(e, 400, "input \"%s\": \"shape\" must be an array of 1 to 8 sizes", t->name);
    t->ndim = (int)sh->n;
    double count = 1;
    for (uint32_t i = 0; i < sh->n; i++) {
        const gw_val *d = &sh->u.items[i];
        if (d->type != GW_NUM || !(d->u.num >= 0) || d->u.num != floor(d->u.num) || d->u.num > 1e12)
            return gw_errf(e, 400, "input \"%s\": shape[%u] is not a non-negative integer", t->name, i);
        t->shape[i] = (int64_t)d->u.num;
        count *= d->u.num;
    }
    if (lim->max_rows > 0 && t->shape[0] > lim->max_rows)
        return gw_errf(e, 413, "input \"%s\" has %lld rows; the limit is %lld", t->name, (long long)t->shape[0],
                       (long long)lim->max_rows);
    if (count > 1e9)
        return gw_errf(e, 413, "input \"%s\" is too large", t->name);
    t->count = (size_t)count;
    /* The shape's elements must be in the request before they get memory:
     * a shape alone (a few bytes) could otherwise ask for gigabytes. */
    const gw_val *bds = params ? gw_obj_get(params, "binary_data_size") : NULL;
    double size = 0;
    if (bds != NULL) {
        if (bds->type != GW_NUM || !(bds->u.num >= 0) || bds->u.num != floor(bds->u.num))
            return gw_errf(e, 400, "input \"%s\": binary_data_size must be a non-negative integer", t->name);
        size = bds->u.num;
        if (size > (double)(bin_end - *bin))
            return gw_errf(e, 400, "input \"%s\": binary_data_size %.0f is more than the %zu binary bytes left", t->name,
                           size, (size_t)(bin_end - *bin));
        if (dt->kind != 4 && (size_t)size != t->count * (size_t)dt->size)
            return gw_errf(e, 400, "input \"%s\": binary_data_size is %.0f; shape and %s need %zu", t->name, size,
                           dt->name, t->count * (size_t)dt->size);
        if (dt->kind == 4 && t->count > (size_t)size / 4)
            return gw_errf(e, 400, "input \"%s\": the shape's %zu BYTES elements need at least %zu binary bytes; "
                                   "binary_data_size is %.0f", t->name, t->count, t->count * 4, size);
    } else {
        if (data == NULL)
            return gw_errf(e, 400, "input \"%s\" has no \"data\" (nor parameters.binary_data_size)", t->name);
        size_t n = leaves(data);
        if (n != t->count)
            return gw_errf(e, 400, "input \"%s\": \"data\" has %zu elements; the shape says %zu", t->name, n, t->count);
    }
    size_t alloc = t->count ? t->count : 1;
    t->x = gw_arena_alloc(a, alloc * sizeof(double));
    t->s = NULL;
    t->len = NULL;
    if (dt->kind == 4) {
        t->s = gw_arena_alloc(a, alloc * sizeof *t->s);
        t->len = gw_arena_alloc(a, alloc * sizeof *t->len);
    }
    if (t->x == NULL || (dt->kind == 4 && (t->s == NULL || t->len == NULL)))
        return gw_errf(e, 500, "out of memory");
    if (bds != NULL) {
        const unsigned char *p = (const unsigned char *)*bin, *end = p + (size_t)size;
        *bin += (size_t)size;
        if (dt->kind == 4) {
            size_t i = 0;
            while (p < end) {
                if (end - p < 4)
                    return gw_errf(e, 400, "input \"%s\": truncated BYTES element length", t->name);
                uint64_t l = le(p, 4);
                p += 4;
                if ((uint64_t)(end - p) < l)
                    return gw_errf(e, 400, "input \"%s\": truncated BYTES element", t->name);
                if (i >= t->count)
                    return gw_errf(e, 400, "input \"%s\": more BYTES elements than its shape", t->name);
                t->s[i] = (const char *)p;
                t->len[i] = (size_t)l;
                p += l;
                i++;
            }
            if (i != t->count)
                return gw_errf(e, 400, "input \"%s\": %zu BYTES elements; the shape says %zu", t->name, i, t->count);
        } else {
            for (size_t i = 0; i < t->count; i++)
                t->x[i] = from_bits(dt, p + i * (size_t)dt->size);
        }
        return 0;
    }
    size_t n = 0;
    if (flatten(data, t, &n, e) != 0)
        return -1;
    if (n != t->count)
        return gw_errf(e, 400, "input \"%s\": \"data\" has %zu elements; the shape says %zu", t->name, n, t->count);
    return 0;
}

/* Which feature per-feature tensor t is, with its shape checked; -1 with
 * e filled if none. */
static int32_t feature_of(const gw_model *m, const tensor *t, int64_t rows, unsigned char *seen, gw_err *e)
{
    int32_t f = gw_model_feature(m, t->name, strlen(t->name));
    if (f < 0) {
        char hint[220];
        gw_feature_hint(m, t->name, strlen(t->name), hint, sizeof hint);
        return gw_errf(e, 422, "input \"%s\" is not one of the model's feature names%s", t->name, hint);
    }
    if (seen[f])
        return gw_errf(e, 422, "feature \"%s\" is sent twice", t->name);
    seen[f] = 1;
    if ((t->ndim != 1 && !(t->ndim == 2 && t->shape[1] == 1)) || t->shape[0] != rows)
        return gw_errf(e, 422, "input \"%s\" must have shape [%lld] (one value per row, like the other "
                               "inputs)", t->name, (long long)rows);
    return f;
}

static const double nan_cell = NAN; /* an ignored column: stride 0 */

/* The table for a model with string or ignored columns: from one BYTES
 * tensor ts[0] of [rows, cols] (numbers written as text in numeric
 * columns), or from one tensor per feature (by_feature[c]: the index in
 * ts of feature c's tensor, its shape checked by feature_of). */
static int v2_table(const gw_model *m, tensor *ts, const int32_t *by_feature, int64_t rows, int64_t cols,
                    gw_arena *a, sks_table *T, gw_err *e)
{
    sks_column *tc = gw_arena_alloc(a, (size_t)(cols ? cols : 1) * sizeof *tc);
    if (tc == NULL)
        return gw_errf(e, 500, "out of memory");
    for (int64_t c = 0; c < cols; c++) {
        sks_input_kind kind = gw_col_kind(m, c);
        tensor *t = by_feature ? &ts[by_feature[c]] : &ts[0];
        size_t at = by_feature ? 0 : (size_t)c, step = by_feature ? 1 : (size_t)cols; /* element (r, c) */
        if (kind == SKS_INPUT_IGNORED) {
            tc[c] = (sks_column){.kind = SKS_COL_F64, .data = &nan_cell, .stride = 0};
        } else if (kind == SKS_INPUT_NUMBER) {
            for (int64_t r = 0; t->s != NULL && r < rows; r++)
                if (text_number(t, at + (size_t)r * step, e) != 0)
                    return -1;
            tc[c] = (sks_column){.kind = SKS_COL_F64, .data = t->x + at, .stride = (int64_t)(step * sizeof(double))};
        } else if (t->s == NULL) { /* one numeric tensor for all is refused before */
            return gw_errf(e, 400, "input \"%s\" is %s, but that feature takes strings: send it as BYTES", t->name,
                           t->dt->name);
        } else if (by_feature) {
            tc[c] = (sks_column){.kind = SKS_COL_STR, .str = t->s, .len = t->len};
        } else {
            const char **s = gw_arena_alloc(a, (size_t)(rows ? rows : 1) * sizeof *s);
            size_t *len = gw_arena_alloc(a, (size_t)(rows ? rows : 1) * sizeof *len);
            if (s == NULL || len == NULL)
                return gw_errf(e, 500, "out of memory");
            for (int64_t r = 0; r < rows; r++) {
                s[r] = t->s[at + (size_t)r * step];
                len[r] = t->len[at + (size_t)r * step];
            }
            tc[c] = (sks_column){.kind = SKS_COL_STR, .str = s, .len = len};
        }
    }
    *T = (sks_table){.n_rows = rows, .n_cols = cols, .cols = tc};
    return 0;
}

/* The V2 datatype of an output the engine describes by spec: labels by
 * their kind, numbers FP32 or FP64. */
static const char *v2_datatype(const gw_model *m, const sks_output_spec *spec)
{
    if (spec->values == SKS_VALUES_F32)
        return "FP32";
    if (spec->values != SKS_VALUES_LABEL)
        return "FP64";
    switch (m->info.label_kind) {
    case SKS_LABEL_STR: return "BYTES";
    case SKS_LABEL_INT: return m->is_bool ? "BOOL" : "INT64";
    default: return "FP64";
    }
}

static void put_le(gw_buf *b, uint64_t v, int n)
{
    unsigned char tmp[8];
    for (int i = 0; i < n; i++)
        tmp[i] = (unsigned char)(v >> (8 * i));
    gw_buf_put(b, tmp, (size_t)n);
}

static void put_f64(gw_buf *b, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    put_le(b, u, 8);
}

static void put_f32(gw_buf *b, float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    put_le(b, u, 4);
}

/* One output tensor; binary outputs go to bin, described in w. */
static void write_output(gw_writer *w, gw_buf *bin, const gw_model *m, unsigned what, const double *x, int64_t n,
                         const sks_output_spec *spec, int binary)
{
    int clf_labels = spec->values == SKS_VALUES_LABEL;
    int two_d = spec->ndim >= 2, three_d = spec->ndim == 3; /* contributions: (n, groups, cols / groups) */
    int64_t cols = spec->cols, per_row = clf_labels ? 1 : cols, groups = three_d ? spec->groups : 1;
    const char *dtype = v2_datatype(m, spec);
    int f32 = spec->values == SKS_VALUES_F32; /* the values are float32 numbers */
    gw_w_map(w, 4);
    gw_w_key(w, "name");
    gw_w_cstr(w, gw_output_name(what));
    gw_w_key(w, "datatype");
    gw_w_cstr(w, dtype);
    gw_w_key(w, "shape");
    gw_w_arr(w, (uint32_t)spec->ndim);
    gw_w_int(w, n);
    if (three_d)
        gw_w_int(w, groups);
    if (two_d)
        gw_w_int(w, per_row / groups);
    gw_w_end(w);
    size_t total = (size_t)n * (size_t)per_row;
    if (binary) {
        size_t before = bin->len;
        for (size_t i = 0; i < total; i++) {
            if (!clf_labels) {
                if (f32)
                    put_f32(bin, (float)x[i]);
                else
                    put_f64(bin, x[i]);
                continue;
            }
            int32_t c = (int32_t)x[i * (size_t)cols];
            switch (m->info.label_kind) {
            case SKS_LABEL_STR: {
                const char *s = sks_model_label_str(m->m, c);
                put_le(bin, strlen(s), 4);
                gw_buf_puts(bin, s);
                break;
            }
            case SKS_LABEL_INT:
                if (m->is_bool)
                    put_le(bin, sks_model_label_int(m->m, c) != 0, 1);
                else
                    put_le(bin, (uint64_t)sks_model_label_int(m->m, c), 8);
                break;
            default:
                put_f64(bin, sks_model_label_float(m->m, c));
            }
        }
        gw_w_key(w, "parameters");
        gw_w_map(w, 1);
        gw_w_key(w, "binary_data_size");
        gw_w_int(w, (int64_t)(bin->len - before));
        gw_w_end(w);
    } else {
        gw_w_key(w, "data");
        gw_w_arr(w, (uint32_t)total);
        for (size_t i = 0; i < total; i++) {
            if (clf_labels)
                gw_write_label(w, m, x[i * (size_t)cols]);
            else
                gw_w_double(w, x[i]);
        }
        gw_w_end(w);
    }
    gw_w_end(w);
}

static int is_true(const gw_val *v) { return v != NULL && v->type == GW_BOOL && v->u.b; }

int gw_v2_infer(const gw_model *m, const char *json, size_t json_len, const char *bin, size_t bin_len,
                const gw_limits *lim, gw_arena *a, gw_v2_answer *ans, gw_err *e)
{
    char msg[300];
    gw_val *root;
    if (gw_json_decode(json, json_len, a, &root, msg, sizeof msg) != 0) {
        e->syntax = 1;
        return gw_errf(e, 400, "%s", msg);
    }
    if (root->type != GW_OBJ)
        return gw_errf(e, 400, "the inference request must be a JSON object");
    const gw_val *inputs = gw_obj_get(root, "inputs"), *outputs = gw_obj_get(root, "outputs");
    const gw_val *params = gw_obj_get(root, "parameters"), *id = gw_obj_get(root, "id");
    if (inputs == NULL || inputs->type != GW_ARR || inputs->n == 0)
        return gw_errf(e, 400, "\"inputs\" must be a non-empty array of tensors");
    if (id != NULL && id->type != GW_STR)
        return gw_errf(e, 400, "\"id\" must be a string");
    if (inputs->n > 4096)
        return gw_errf(e, 400, "too many inputs");
    tensor *ts = gw_arena_alloc(a, inputs->n * sizeof(tensor));
    if (ts == NULL)
        return gw_errf(e, 500, "out of memory");
    const char *bp = bin, *bend = bin + bin_len;
    for (uint32_t i = 0; i < inputs->n; i++)
        if (read_input(&inputs->u.items[i], i, &bp, bend, lim, a, &ts[i], e) != 0)
            return -1;
    if (bp != bend)
        return gw_errf(e, 400, "%zu binary bytes after the JSON header are not claimed by any input",
                       (size_t)(bend - bp));

    /* The engine's input: a row-major float64 matrix, or a table for a
     * model with string or ignored columns. */
    int32_t nf = m->info.n_features;
    gw_batch b;
    memset(&b, 0, sizeof b);
    double *x;
    int64_t rows, cols;
    if (inputs->n == 1) {
        tensor *t = &ts[0];
        if (t->ndim == 1) {
            rows = 1;
            cols = t->shape[0];
        } else if (t->ndim == 2) {
            rows = t->shape[0];
            cols = t->shape[1];
        } else {
            return gw_errf(e, 400, "input \"%s\" must have shape [rows, features] or [features]", t->name);
        }
        x = t->x;
        if (m->info.n_string_columns > 0 && t->s == NULL)
            return gw_errf(e, 422, "this model takes string columns; send one BYTES input [rows, %d] or one input "
                                   "per feature (BYTES for string columns)", nf);
        if (m->col_kind != NULL && t->s != NULL) {
            if (rows > 0 && v2_table(m, ts, NULL, rows, cols, a, &b.T, e) != 0)
                return -1;
        } else if (t->s != NULL && text_numbers(t, e) != 0) {
            return -1;
        }
    } else {
        if (m->fn_table == NULL)
            return gw_errf(e, 422, "%u inputs were sent, one per feature, but this model was exported without "
                                   "feature names; send one input of shape [rows, %d]", inputs->n, nf);
        if ((int64_t)inputs->n != nf)
            return gw_errf(e, 422, "%u inputs were sent, one per feature; the model takes %d features", inputs->n, nf);
        rows = ts[0].shape[0];
        cols = nf;
        x = m->col_kind != NULL ? NULL : gw_arena_alloc(a, (size_t)(rows ? rows : 1) * (size_t)nf * sizeof(double));
        unsigned char *seen = gw_arena_alloc(a, (size_t)nf);
        int32_t *by_feature = gw_arena_alloc(a, (size_t)nf * sizeof *by_feature);
        if ((x == NULL && m->col_kind == NULL) || seen == NULL || by_feature == NULL)
            return gw_errf(e, 500, "out of memory");
        memset(seen, 0, (size_t)nf);
        for (uint32_t i = 0; i < inputs->n; i++) {
            tensor *t = &ts[i];
            int32_t f = feature_of(m, t, rows, seen, e);
            if (f < 0)
                return -1;
            by_feature[f] = (int32_t)i;
            if (m->col_kind != NULL)
                continue;
            if (t->s != NULL && text_numbers(t, e) != 0)
                return -1;
            for (int64_t r = 0; r < rows; r++)
                x[r * nf + f] = t->x[r];
        }
        if (m->col_kind != NULL && rows > 0 && v2_table(m, ts, by_feature, rows, cols, a, &b.T, e) != 0)
            return -1;
    }
    if (rows == 0)
        return gw_errf(e, 400, "the input has no rows");
    b.X.data = x;
    b.X.dtype = SKS_F64;
    b.X.n_rows = rows;
    b.X.n_cols = cols;
    b.X.row_stride = cols * (int64_t)sizeof(double);
    b.X.col_stride = sizeof(double);

    /* Requested outputs, in request order. */
    unsigned order[GW_N_OUTPUTS] = {GW_OUT_PREDICT}, binary[GW_N_OUTPUTS] = {0};
    int n_out = 1;
    int all_binary = params != NULL && is_true(gw_obj_get(params, "binary_data_output"));
    if (outputs != NULL) {
        if (outputs->type != GW_ARR)
            return gw_errf(e, 400, "\"outputs\" must be an array");
        if (outputs->n > 0)
            n_out = 0;
        for (uint32_t i = 0; i < outputs->n; i++) {
            const gw_val *o = &outputs->u.items[i];
            const gw_val *on = o->type == GW_OBJ ? gw_obj_get(o, "name") : NULL;
            if (on == NULL || on->type != GW_STR)
                return gw_errf(e, 400, "outputs[%u] needs a \"name\"", i);
            unsigned bit = gw_output_bit(on->u.s, on->n);
            if (bit == 0)
                return gw_errf(e, 400, "unknown output \"%.*s\"; expected %s",
                               (int)(on->n > 64 ? 64 : on->n), on->u.s, gw_output_names());
            if (b.outputs & bit)
                continue;
            const gw_val *op = gw_obj_get(o, "parameters");
            binary[n_out] = op != NULL && is_true(gw_obj_get(op, "binary_data"));
            order[n_out++] = bit;
            b.outputs |= bit;
        }
    }
    if (b.outputs == 0)
        b.outputs = GW_OUT_PREDICT;
    gw_scores s;
    if (gw_score(m, &b, a, &s, e) != 0)
        return -1;
    ans->rows = rows;

    gw_writer w;
    gw_w_init(&w, 0);
    gw_w_map(&w, id ? 4 : 3);
    gw_w_key(&w, "model_name");
    gw_w_cstr(&w, m->name);
    gw_w_key(&w, "model_version");
    gw_w_cstr(&w, "1");
    if (id != NULL) {
        gw_w_key(&w, "id");
        gw_w_str(&w, id->u.s, id->n);
    }
    gw_w_key(&w, "outputs");
    gw_w_arr(&w, (uint32_t)n_out);
    for (int i = 0; i < n_out; i++) {
        unsigned bit = order[i];
        const double *vals = bit == GW_OUT_PREDICT ? s.predict
                             : bit == GW_OUT_PROBA ? s.proba
                             : bit == GW_OUT_DECISION ? s.decision
                             : bit == GW_OUT_SCORES   ? s.scores
                                                      : s.contrib;
        int bin_out = binary[i] || all_binary;
        write_output(&w, &ans->bin, m, bit, vals, rows, &s.spec[__builtin_ctz(bit)], bin_out);
        ans->has_bin |= bin_out;
    }
    gw_w_end(&w);
    gw_w_end(&w);
    ans->json = w.buf;
    if (ans->json.oom || ans->bin.oom)
        return gw_errf(e, 500, "out of memory");
    return 0;
}

void gw_v2_model_metadata(gw_writer *w, const gw_model *m)
{
    gw_w_map(w, 5);
    gw_w_key(w, "name");
    gw_w_cstr(w, m->name);
    gw_w_key(w, "versions");
    gw_w_arr(w, 1);
    gw_w_cstr(w, "1");
    gw_w_end(w);
    gw_w_key(w, "platform");
    gw_w_cstr(w, "skscore");
    /* String columns: one input per feature (BYTES for strings and for
     * ignored columns, which take anything), or one BYTES input when the
     * model has no feature names. */
    int32_t nf = m->info.n_features;
    int per_feature = m->info.n_string_columns > 0 && m->fn_table != NULL;
    gw_w_key(w, "inputs");
    gw_w_arr(w, per_feature ? (uint32_t)nf : 1);
    for (int32_t c = 0; c < (per_feature ? nf : 1); c++) {
        gw_w_map(w, 3);
        gw_w_key(w, "name");
        gw_w_cstr(w, per_feature ? sks_model_feature_name(m->m, c) : "input-0");
        gw_w_key(w, "datatype");
        gw_w_cstr(w, per_feature ? (gw_col_kind(m, c) == SKS_INPUT_NUMBER ? "FP64" : "BYTES")
                                 : (m->info.n_string_columns > 0 ? "BYTES" : "FP64"));
        gw_w_key(w, "shape");
        gw_w_arr(w, per_feature ? 1 : 2);
        gw_w_int(w, -1);
        if (!per_feature)
            gw_w_int(w, nf);
        gw_w_end(w);
        gw_w_end(w);
    }
    gw_w_end(w);
    int n_out = 1 + (m->cols_proba > 0) + (m->cols_decision > 0) + (m->cols_scores > 0) + (m->cols_contrib > 0);
    gw_w_key(w, "outputs");
    gw_w_arr(w, (uint32_t)n_out);
    for (int i = 0; i < GW_N_OUTPUTS; i++) {
        sks_output_spec spec = SKS_OUTPUT_SPEC_INIT; /* for V2's FP64 inputs */
        if (sks_model_output_spec(m->m, (sks_output)i, SKS_F64, &spec, NULL) != 0)
            continue;
        int two_d = spec.ndim >= 2;
        gw_w_map(w, 3);
        gw_w_key(w, "name");
        gw_w_cstr(w, sks_output_name((sks_output)i));
        gw_w_key(w, "datatype");
        gw_w_cstr(w, v2_datatype(m, &spec));
        gw_w_key(w, "shape");
        gw_w_arr(w, (uint32_t)spec.ndim);
        gw_w_int(w, -1);
        if (spec.ndim == 3)
            gw_w_int(w, spec.groups);
        if (two_d)
            gw_w_int(w, spec.ndim == 3 ? spec.cols / spec.groups : spec.cols);
        gw_w_end(w);
        gw_w_end(w);
    }
    gw_w_end(w);
    gw_w_end(w);
}
