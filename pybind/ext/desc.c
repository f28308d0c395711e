/*
 * desc.c -- an exporter's description (a dict of plain values and NumPy
 * arrays, built by skscore/exporters/) into the engine's sks_desc.
 *
 * Every count the engine cannot check against the arrays themselves is
 * taken from the arrays here, so no description can make the engine read
 * past a buffer; what the description means is the engine's to check.
 */
#include "ext.h"

#include <string.h>

/* --------------------------------------------------- description from dict
 *
 * The exporter passes a dict whose keys are sks_desc's field names. Counts
 * the engine cannot check against the arrays themselves (n_nodes, n_classes,
 * n_targets, n_trees) are taken from the arrays here, so a description can
 * never make the engine read past the end of a buffer.
 */



/* Zeroed memory freed with the description. */
static void *buf_alloc(desc_buf *b, size_t n)
{
    void **mem = PyMem_Realloc(b->mem, (b->n_mem + 1) * sizeof(void *));
    void *p = mem != NULL ? PyMem_Calloc(n ? n : 1, 1) : NULL;
    if (mem != NULL)
        b->mem = mem;
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    b->mem[b->n_mem++] = p;
    return p;
}

void desc_buf_dispose(desc_buf *b)
{
    for (size_t i = 0; i < b->n_mem; i++)
        PyMem_Free(b->mem[i]);
    PyMem_Free(b->mem);
    PyMem_Free(b->trees);
    PyMem_Free(b->steps);
    PyMem_Free((void *)b->feature_names);
    PyMem_Free((void *)b->labels);
    PyMem_Free((void *)b->meta_keys);
    PyMem_Free((void *)b->meta_values);
    Py_XDECREF(b->keep);
}

/* Looks key up in dict and keeps the value alive; *out is NULL (and 0 is
 * returned) when the key is absent or None and not required. */
static int get_item(desc_buf *b, PyObject *dict, const char *key, int required, PyObject **out)
{
    PyObject *v = PyDict_GetItemString(dict, key);
    *out = NULL;
    if (v == NULL || v == Py_None) {
        if (required) {
            PyErr_Format(PyExc_KeyError, "model description: '%s' is missing", key);
            return -1;
        }
        return 0;
    }
    if (PyList_Append(b->keep, v) < 0)
        return -1;
    *out = v;
    return 0;
}

static int get_int32(desc_buf *b, PyObject *dict, const char *key, int32_t *out)
{
    PyObject *v;
    if (get_item(b, dict, key, 1, &v) < 0)
        return -1;
    long long x = PyLong_AsLongLong(v);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (x < INT32_MIN || x > INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "model description: '%s' is %lld, out of range", key, x);
        return -1;
    }
    *out = (int32_t)x;
    return 0;
}

static int get_int32_or(desc_buf *b, PyObject *dict, const char *key, int32_t dflt, int32_t *out)
{
    PyObject *v = PyDict_GetItemString(dict, key);
    if (v == NULL || v == Py_None) {
        *out = dflt;
        return 0;
    }
    return get_int32(b, dict, key, out);
}

static int get_bool(desc_buf *b, PyObject *dict, const char *key, int *out)
{
    PyObject *v;
    if (get_item(b, dict, key, 0, &v) < 0)
        return -1;
    if (v == NULL) {
        *out = 0;
        return 0;
    }
    int t = PyObject_IsTrue(v);
    if (t < 0)
        return -1;
    *out = t;
    return 0;
}

/* UTF-8 of a str, refusing embedded NULs (the engine takes C strings). */
static const char *utf8_of(PyObject *v, const char *what)
{
    if (!PyUnicode_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, not %.80s", what, Py_TYPE(v)->tp_name);
        return NULL;
    }
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(v, &n);
    if (s != NULL && (Py_ssize_t)strlen(s) != n) {
        PyErr_Format(PyExc_ValueError, "%s contains a NUL character", what);
        return NULL;
    }
    return s;
}

static int get_str(desc_buf *b, PyObject *dict, const char *key, const char **out)
{
    PyObject *v;
    *out = NULL;
    if (get_item(b, dict, key, 0, &v) < 0)
        return -1;
    if (v != NULL && (*out = utf8_of(v, key)) == NULL)
        return -1;
    return 0;
}

/* A list of str; *n its length. */
static int get_str_list(desc_buf *b, PyObject *dict, const char *key, const char ***out, Py_ssize_t *n)
{
    PyObject *v, *seq;
    *out = NULL;
    *n = 0;
    if (get_item(b, dict, key, 0, &v) < 0 || v == NULL)
        return v == NULL && !PyErr_Occurred() ? 0 : -1;
    if ((seq = PySequence_Fast(v, "model description: expected a list of str")) == NULL)
        return -1;
    int rc = PyList_Append(b->keep, seq);
    Py_DECREF(seq);
    if (rc < 0)
        return -1;
    *n = PySequence_Fast_GET_SIZE(seq);
    const char **s = PyMem_Calloc(*n > 0 ? (size_t)*n : 1, sizeof *s);
    if (s == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *out = s;
    for (Py_ssize_t i = 0; i < *n; i++)
        if ((s[i] = utf8_of(PySequence_Fast_GET_ITEM(seq, i), key)) == NULL)
            return -1;
    return 0;
}

/* A C-contiguous array of exactly typenum (no unsafe casts) and ndim
 * dimensions; dims receives its shape. */
static int get_array(desc_buf *b, PyObject *dict, const char *key, int required, int typenum, int ndim,
                     npy_intp *dims, const void **data)
{
    PyObject *v;
    *data = NULL;
    if (get_item(b, dict, key, required, &v) < 0)
        return -1;
    if (v == NULL)
        return 0;
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(v, typenum, ndim, ndim, NPY_ARRAY_IN_ARRAY);
    if (a == NULL)
        return -1;
    int rc = PyList_Append(b->keep, (PyObject *)a);
    Py_DECREF(a);
    if (rc < 0)
        return -1;
    for (int i = 0; i < ndim; i++)
        dims[i] = PyArray_DIM(a, i);
    *data = PyArray_DATA(a);
    return 0;
}

static int bad_size(const char *what, npy_intp got, npy_intp want)
{
    PyErr_Format(PyExc_ValueError, "model description: %s has %zd elements, expected %zd", what,
                 (Py_ssize_t)got, (Py_ssize_t)want);
    return -1;
}

static int get_tree(desc_buf *b, PyObject *tree, int32_t n_values, sks_tree_desc *t, const double **cover)
{
    npy_intp n, m, dims[2];
    if (!PyDict_Check(tree)) {
        PyErr_SetString(PyExc_TypeError, "model description: each tree must be a dict");
        return -1;
    }
    if (get_array(b, tree, "left", 1, NPY_INT32, 1, &n, (const void **)&t->left) < 0)
        return -1;
    if (n < 1 || n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "model description: a tree has no nodes, or too many");
        return -1;
    }
    t->n_nodes = (int32_t)n;
    if (get_array(b, tree, "right", 1, NPY_INT32, 1, &m, (const void **)&t->right) < 0)
        return -1;
    if (m != n)
        return bad_size("right", m, n);
    if (get_array(b, tree, "feature", 1, NPY_INT32, 1, &m, (const void **)&t->feature) < 0)
        return -1;
    if (m != n)
        return bad_size("feature", m, n);
    if (get_array(b, tree, "threshold", 1, NPY_FLOAT64, 1, &m, (const void **)&t->threshold) < 0)
        return -1;
    if (m != n)
        return bad_size("threshold", m, n);
    m = n;
    if (get_array(b, tree, "missing_left", 0, NPY_UINT8, 1, &m, (const void **)&t->missing_left) < 0)
        return -1;
    if (m != n)
        return bad_size("missing_left", m, n);
    m = n;
    if (get_array(b, tree, "cat", 0, NPY_INT32, 1, &m, (const void **)&t->cat) < 0)
        return -1;
    if (m != n)
        return bad_size("cat", m, n);
    m = n;
    if (get_array(b, tree, "cover", 0, NPY_FLOAT64, 1, &m, (const void **)cover) < 0)
        return -1;
    if (m != n)
        return bad_size("cover", m, n);
    if (get_array(b, tree, "value", 1, NPY_FLOAT64, 2, dims, (const void **)&t->value) < 0)
        return -1;
    if (dims[0] != n || dims[1] != n_values) {
        PyErr_Format(PyExc_ValueError, "model description: value has shape (%zd, %zd), expected (%zd, %d)",
                     (Py_ssize_t)dims[0], (Py_ssize_t)dims[1], (Py_ssize_t)n, (int)n_values);
        return -1;
    }
    return 0;
}

/* An int32 array; *n its length. */
static int get_i32s(desc_buf *b, PyObject *dict, const char *key, int32_t *n, const int32_t **out)
{
    npy_intp dims[1];
    if (get_array(b, dict, key, 1, NPY_INT32, 1, dims, (const void **)out) < 0)
        return -1;
    if (dims[0] > INT32_MAX)
        return bad_size(key, dims[0], INT32_MAX);
    *n = (int32_t)dims[0];
    return 0;
}

/* One encode column: {"cats": f64[k], "onehot": bool, "width": int,
 * "map": f64[k + 1], "unknown_error": bool}. */
static int get_encoding(desc_buf *b, PyObject *dict, sks_encoding *e)
{
    npy_intp nc, nm;
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "model description: each encode column must be a dict");
        return -1;
    }
    if (get_array(b, dict, "cats", 1, NPY_FLOAT64, 1, &nc, (const void **)&e->cats) < 0 ||
        get_array(b, dict, "map", 1, NPY_FLOAT64, 1, &nm, (const void **)&e->map) < 0 ||
        get_bool(b, dict, "onehot", &e->onehot) < 0 || get_int32_or(b, dict, "width", 1, &e->width) < 0 ||
        get_bool(b, dict, "unknown_error", &e->unknown_error) < 0)
        return -1;
    if (nc > (1 << 24))
        return bad_size("cats", nc, 1 << 24);
    if (nm != nc + 1)
        return bad_size("map", nm, nc + 1);
    e->n_cats = (int32_t)nc;
    return 0;
}

/* A preprocessing step: {"kind": int (sks_step_kind, default 0), "offset",
 * "width", "no_round", and the kind's arrays}. Counts come from the arrays. */
static int get_step(desc_buf *b, PyObject *st, sks_step_desc *s)
{
    int32_t x;
    npy_intp nv;
    if (!PyDict_Check(st)) {
        PyErr_SetString(PyExc_TypeError, "model description: each step must be a dict");
        return -1;
    }
    if (get_int32_or(b, st, "kind", 0, &x) < 0)
        return -1;
    s->kind = (sks_step_kind)x;
    if (get_int32_or(b, st, "offset", 0, &s->offset) < 0 || get_bool(b, st, "no_round", &s->no_round) < 0 ||
        get_int32_or(b, st, "check", SKS_CHECK_INF, &x) < 0)
        return -1;
    s->check = (sks_check)x;
    /* "missing": what a fill or an indicator takes as missing (absent: NaN). */
    PyObject *missing = PyDict_GetItemString(st, "missing");
    if (missing != NULL && missing != Py_None) {
        s->missing = PyFloat_AsDouble(missing);
        if (s->missing == -1.0 && PyErr_Occurred())
            return -1;
        s->missing_set = 1;
    }
    switch (s->kind) {
    case SKS_STEP_ELEMENTWISE:
        if (get_int32(b, st, "op", &x) < 0 ||
            get_array(b, st, "values", 1, NPY_FLOAT64, 1, &nv, (const void **)&s->values) < 0 ||
            get_bool(b, st, "cast_values", &s->cast_values) < 0)
            return -1;
        if (nv < 1 || nv > (1 << 24))
            return bad_size("step values", nv, 1);
        s->op = (sks_op)x;
        s->width = (int32_t)nv;
        return 0;
    case SKS_STEP_SELECT:
        return get_i32s(b, st, "index", &s->n_index, &s->index);
    case SKS_STEP_INDICATOR:
        if (get_i32s(b, st, "index", &s->n_index, &s->index) < 0)
            return -1;
        return get_int32(b, st, "width", &s->width);
    case SKS_STEP_NORMALIZE:
        if (get_int32(b, st, "norm", &x) < 0)
            return -1;
        s->norm = (sks_norm)x;
        return get_int32(b, st, "width", &s->width);
    case SKS_STEP_POLY: {
        int32_t nb;
        if (get_i32s(b, st, "term_a", &s->n_terms, &s->term_a) < 0 || get_i32s(b, st, "term_b", &nb, &s->term_b) < 0)
            return -1;
        if (nb != s->n_terms)
            return bad_size("term_b", nb, s->n_terms);
        return get_int32(b, st, "width", &s->width);
    }
    case SKS_STEP_ENCODE: {
        PyObject *v;
        if (get_item(b, st, "columns", 1, &v) < 0)
            return -1;
        PyObject *seq = PySequence_Fast(v, "model description: encode columns must be a list");
        if (seq == NULL || PyList_Append(b->keep, seq) < 0) {
            Py_XDECREF(seq);
            return -1;
        }
        Py_DECREF(seq);
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (n < 1 || n > (1 << 24))
            return bad_size("encode columns", n, 1);
        sks_encoding *enc = buf_alloc(b, (size_t)n * sizeof *enc);
        if (enc == NULL)
            return -1;
        for (Py_ssize_t i = 0; i < n; i++)
            if (get_encoding(b, PySequence_Fast_GET_ITEM(seq, i), &enc[i]) < 0)
                return -1;
        s->enc = enc;
        s->width = (int32_t)n;
        return 0;
    }
    }
    PyErr_Format(PyExc_ValueError, "model description: unknown step kind %d", (int)s->kind);
    return -1;
}

int desc_from_dict(PyObject *dict, desc_buf *b)
{
    sks_desc *d = &b->d;
    PyObject *v;
    int32_t x;
    npy_intp dims[2];
    Py_ssize_t n;

    memset(b, 0, sizeof *b);
    sks_desc_init(d);
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "model description must be a dict");
        return -1;
    }
    if ((b->keep = PyList_New(0)) == NULL)
        return -1;
    if (get_str(b, dict, "source", &d->source) < 0 ||
        get_str(b, dict, "source_version", &d->source_version) < 0 ||
        get_str(b, dict, "estimator", &d->estimator) < 0 || get_str(b, dict, "label_dtype", &d->label_dtype) < 0)
        return -1;

    if (get_int32(b, dict, "n_features", &d->n_features) < 0 || get_bool(b, dict, "allow_nan", &d->allow_nan) < 0 ||
        get_bool(b, dict, "allow_inf", &d->allow_inf) < 0)
        return -1;
    if (get_str_list(b, dict, "feature_names", &b->feature_names, &n) < 0)
        return -1;
    if (b->feature_names != NULL && n != d->n_features)
        return bad_size("feature_names", n, d->n_features);
    d->feature_names = b->feature_names;

    if (get_int32(b, dict, "task", &x) < 0)
        return -1;
    d->task = (sks_task)x;
    if (get_int32(b, dict, "n_outputs", &d->n_outputs) < 0 || get_bool(b, dict, "output_2d", &d->output_2d) < 0)
        return -1;
    if (get_int32(b, dict, "link", &x) < 0)
        return -1;
    d->link = (sks_link)x;
    if (get_bool(b, dict, "positive_at_zero", &d->positive_at_zero) < 0)
        return -1;
    {
        npy_intp np_ = 2;
        const double *lp = NULL;
        if (get_array(b, dict, "link_params", 0, NPY_FLOAT64, 1, &np_, (const void **)&lp) < 0)
            return -1;
        if (lp != NULL) {
            if (np_ != 2)
                return bad_size("link_params", np_, 2);
            d->link_params[0] = lp[0];
            d->link_params[1] = lp[1];
        }
    }

    if (get_int32(b, dict, "label_kind", &x) < 0)
        return -1;
    d->label_kind = (sks_label_kind)x;
    switch (d->label_kind) {
    case SKS_LABEL_INT:
        if (get_array(b, dict, "labels", 1, NPY_INT64, 1, dims, (const void **)&d->int_labels) < 0)
            return -1;
        n = dims[0];
        break;
    case SKS_LABEL_FLOAT:
        if (get_array(b, dict, "labels", 1, NPY_FLOAT64, 1, dims, (const void **)&d->float_labels) < 0)
            return -1;
        n = dims[0];
        break;
    case SKS_LABEL_STR:
        if (get_str_list(b, dict, "labels", &b->labels, &n) < 0)
            return -1;
        d->str_labels = b->labels;
        break;
    default:
        n = 0;
    }
    if (n > INT32_MAX)
        return bad_size("labels", n, INT32_MAX);
    d->n_classes = (int32_t)n;

    if (get_item(b, dict, "metadata", 0, &v) < 0)
        return -1;
    if (v != NULL) {
        if (!PyDict_Check(v)) {
            PyErr_SetString(PyExc_TypeError, "metadata must be a dict of str to str");
            return -1;
        }
        n = PyDict_Size(v);
        b->meta_keys = PyMem_Calloc(n > 0 ? (size_t)n : 1, sizeof(char *));
        b->meta_values = PyMem_Calloc(n > 0 ? (size_t)n : 1, sizeof(char *));
        if (b->meta_keys == NULL || b->meta_values == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        /* Keep a copy of the pairs: the strings must outlive the dict's
         * possible mutation by anything we call. */
        PyObject *items = PyDict_Items(v);
        if (items == NULL)
            return -1;
        int rc = PyList_Append(b->keep, items);
        Py_DECREF(items);
        if (rc < 0)
            return -1;
        n = PyList_GET_SIZE(items);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *kv = PyList_GET_ITEM(items, i);
            if ((b->meta_keys[i] = utf8_of(PyTuple_GET_ITEM(kv, 0), "a metadata key")) == NULL ||
                (b->meta_values[i] = utf8_of(PyTuple_GET_ITEM(kv, 1), "a metadata value")) == NULL)
                return -1;
        }
        if (n > INT32_MAX)
            return bad_size("metadata", n, INT32_MAX);
        d->n_metadata = (int32_t)n;
        d->metadata_keys = b->meta_keys;
        d->metadata_values = b->meta_values;
    }

    /* String columns: "vocab", a list with None (numeric) or a list of str
     * per input column. */
    if (get_item(b, dict, "vocab", 0, &v) < 0)
        return -1;
    if (v != NULL) {
        PyObject *seq = PySequence_Fast(v, "model description: vocab must be a list");
        if (seq == NULL || PyList_Append(b->keep, seq) < 0) {
            Py_XDECREF(seq);
            return -1;
        }
        Py_DECREF(seq);
        Py_ssize_t nv = PySequence_Fast_GET_SIZE(seq);
        if (nv != d->n_features)
            return bad_size("vocab", nv, d->n_features);
        const char *const **vocab = buf_alloc(b, (size_t)nv * sizeof *vocab);
        int32_t *sizes = buf_alloc(b, (size_t)nv * sizeof *sizes);
        if (vocab == NULL || sizes == NULL)
            return -1;
        for (Py_ssize_t c = 0; c < nv; c++) {
            PyObject *col = PySequence_Fast_GET_ITEM(seq, c);
            if (col == Py_None)
                continue;
            PyObject *strs = PySequence_Fast(col, "model description: a vocabulary must be a list of str");
            if (strs == NULL || PyList_Append(b->keep, strs) < 0) {
                Py_XDECREF(strs);
                return -1;
            }
            Py_DECREF(strs);
            Py_ssize_t k = PySequence_Fast_GET_SIZE(strs);
            if (k > INT32_MAX)
                return bad_size("a vocabulary", k, INT32_MAX);
            const char **words = buf_alloc(b, (size_t)k * sizeof *words);
            if (words == NULL)
                return -1;
            for (Py_ssize_t i = 0; i < k; i++)
                if ((words[i] = utf8_of(PySequence_Fast_GET_ITEM(strs, i), "a vocabulary entry")) == NULL)
                    return -1;
            vocab[c] = words;
            sizes[c] = (int32_t)k;
        }
        d->vocab = vocab;
        d->vocab_size = sizes;
    }

    /* Input columns no step keeps: "ignored", uint8[n_features] or None. */
    if (get_array(b, dict, "ignored", 0, NPY_UINT8, 1, dims, (const void **)&d->ignored) < 0)
        return -1;
    if (d->ignored != NULL && dims[0] != d->n_features)
        return bad_size("ignored", dims[0], d->n_features);

    /* Preprocessing steps: a list of dicts (get_step). */
    if (get_item(b, dict, "steps", 0, &v) < 0)
        return -1;
    if (v != NULL) {
        PyObject *seq = PySequence_Fast(v, "model description: steps must be a list");
        if (seq == NULL)
            return -1;
        int rc = PyList_Append(b->keep, seq);
        Py_DECREF(seq);
        if (rc < 0)
            return -1;
        Py_ssize_t ns = PySequence_Fast_GET_SIZE(seq);
        if (ns > 1024)
            return bad_size("steps", ns, 1024);
        if ((b->steps = PyMem_Calloc(ns > 0 ? (size_t)ns : 1, sizeof *b->steps)) == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < ns; i++)
            if (get_step(b, PySequence_Fast_GET_ITEM(seq, i), &b->steps[i]) < 0)
                return -1;
        d->n_steps = (int32_t)ns;
        d->steps = b->steps;
    }

    if (get_int32(b, dict, "kind", &x) < 0)
        return -1;
    d->kind = (sks_estimator_kind)x;
    if (d->kind == SKS_EST_TREES) {
        PyObject *seq;
        if (get_int32(b, dict, "n_values", &d->n_values) < 0 || get_int32(b, dict, "aggregation", &x) < 0)
            return -1;
        d->aggregation = (sks_aggregation)x;
        if (get_int32(b, dict, "compare", &x) < 0)
            return -1;
        d->compare = (sks_compare)x;
        npy_intp nb = d->n_values;
        if (get_array(b, dict, "base", 0, NPY_FLOAT64, 1, &nb, (const void **)&d->base) < 0)
            return -1;
        if (d->base != NULL && nb != d->n_values)
            return bad_size("base", nb, d->n_values);
        npy_intp n_out = 0;
        if (get_array(b, dict, "tree_output", 0, NPY_INT32, 1, &n_out, (const void **)&d->tree_output) < 0)
            return -1;
        /* Categorical splits: "cat_bitsets", uint32 (n, 16). */
        npy_intp cb[2] = {0, 16};
        if (get_array(b, dict, "cat_bitsets", 0, NPY_UINT32, 2, cb, (const void **)&d->cat_bitsets) < 0)
            return -1;
        if (d->cat_bitsets != NULL && (cb[1] != 16 || cb[0] < 1 || cb[0] > (1 << 24)))
            return bad_size("cat_bitsets columns", cb[1], 16);
        d->n_cat_bitsets = d->cat_bitsets != NULL ? (int32_t)cb[0] : 0;
        if (get_int32_or(b, dict, "cat_rule", SKS_CAT_SKLEARN, &x) < 0)
            return -1;
        d->cat_rule = (sks_cat_rule)x;
        if (get_int32_or(b, dict, "sum_f32", 0, &x) < 0)
            return -1;
        d->sum_f32 = x;
        if (get_item(b, dict, "trees", 1, &v) < 0)
            return -1;
        if ((seq = PySequence_Fast(v, "model description: trees must be a list")) == NULL)
            return -1;
        int rc = PyList_Append(b->keep, seq);
        Py_DECREF(seq);
        if (rc < 0)
            return -1;
        n = PySequence_Fast_GET_SIZE(seq);
        if (n > INT32_MAX)
            return bad_size("trees", n, INT32_MAX);
        if ((b->trees = PyMem_Calloc(n > 0 ? (size_t)n : 1, sizeof *b->trees)) == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (d->tree_output != NULL && n_out != n)
            return bad_size("tree_output", n_out, n);
        /* Node covers (format 1.3), per tree; kept only when every tree has them. */
        const double **covers = buf_alloc(b, (size_t)n * sizeof(*covers));
        if (covers == NULL)
            return -1;
        Py_ssize_t with_cover = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (get_tree(b, PySequence_Fast_GET_ITEM(seq, i), d->tree_output != NULL ? 1 : d->n_values,
                         &b->trees[i], &covers[i]) < 0)
                return -1;
            with_cover += covers[i] != NULL;
        }
        if (with_cover != 0 && with_cover != n) {
            PyErr_Format(PyExc_ValueError, "model description: %zd of %zd trees have a cover; every tree or none",
                         with_cover, n);
            return -1;
        }
        d->tree_cover = with_cover ? covers : NULL;
        d->n_trees = (int32_t)n;
        d->trees = b->trees;
    } else if (d->kind == SKS_EST_LINEAR) {
        if (get_array(b, dict, "coef", 1, NPY_FLOAT64, 2, dims, (const void **)&d->coef) < 0)
            return -1;
        /* The estimator reads the row the steps leave. */
        int32_t width;
        sks_error err;
        if (sks_desc_estimator_features(d, &width, &err) != 0) {
            PyErr_Format(PyExc_ValueError, "model description: %s", err.message);
            return -1;
        }
        if (dims[1] != width) {
            PyErr_Format(PyExc_ValueError, "model description: coef has %zd columns, the estimator reads %d",
                         (Py_ssize_t)dims[1], (int)width);
            return -1;
        }
        if (dims[0] < 1 || dims[0] > INT32_MAX)
            return bad_size("coef rows", dims[0], 1);
        d->n_targets = (int32_t)dims[0];
        npy_intp m;
        if (get_array(b, dict, "intercept", 1, NPY_FLOAT64, 1, &m, (const void **)&d->intercept) < 0)
            return -1;
        if (m != dims[0])
            return bad_size("intercept", m, dims[0]);
        if (get_int32(b, dict, "coef_dtype", &x) < 0)
            return -1;
        d->coef_dtype = x;
        if (get_int32(b, dict, "intercept_dtype", &x) < 0)
            return -1;
        d->intercept_dtype = x;
    }
    /* Other kinds: the engine names the problem. */
    return 0;
}
