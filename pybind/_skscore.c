/*
 * _skscore.c -- the CPython extension over the skscore engine.
 *
 * Owns the Python face of the engine: the Model type (a loaded sks_model),
 * the conversion of an exporter's description (a dict of plain values and
 * NumPy arrays, built by skscore/exporters/) into an sks_desc, the
 * conversion of NumPy inputs into an sks_matrix, and the mapping of engine
 * error codes to Python exceptions. It must not score, parse or write model
 * files: the engine does all of that, so the notebook and the gateway share
 * one code path. Inputs other than float32/float64 ndarrays are turned into
 * one by skscore/_input.py (pandas, lists, other dtypes), in Python, where
 * scikit-learn's wording of input errors is easy to follow; that module
 * hands its converters in at import, so nothing here imports the package.
 *
 * Shape follows CPython's Modules/_bz2module.c: module state, a heap type,
 * one error-mapping function, goto-error cleanup.
 */
#define PY_SSIZE_T_CLEAN
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <Python.h>
#include <numpy/arrayobject.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skscore.h"

/* ------------------------------------------------------------ module state */

typedef struct {
    PyTypeObject *model_type;
    PyObject *model_file_error; /* skscore.ModelFileError(ValueError) */
    PyObject *as_array;         /* the package's input converters, handed in */
    PyObject *as_table;         /* by _set_input_converters (see there) */
} module_state;

static struct PyModuleDef skscore_module;

static module_state *get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

typedef struct {
    PyObject_HEAD
    sks_model *model;
    sks_info info;           /* its strings belong to model */
    PyObject *classes;       /* ndarray of labels, or NULL (regressors) */
    PyObject *feature_names; /* ndarray of str (object), or NULL */
    int has_proba, has_decision, has_score_samples;
} ModelObject;

/* ------------------------------------------------------------------ errors */

/* Raises the Python exception for an engine failure. path (may be NULL)
 * is the file involved, for OS errors; loading says whether a description
 * error (SKS_EINVALID) came from a file, which makes it a file error. */
static PyObject *raise_engine_error(module_state *st, int rc, const sks_error *err, PyObject *path,
                                    int loading)
{
    const char *msg = (err != NULL && err->message[0]) ? err->message : sks_strerror(rc);
    PyObject *exc_type;
    switch (rc) {
    case SKS_ENOMEM:
        return PyErr_NoMemory();
    case SKS_EIO:
        if (path != NULL) {
            /* The engine's message says what failed; errno says why, and
             * picks the OSError subclass (FileNotFoundError, ...). */
            PyObject *bytes = NULL;
            struct stat sb;
            int e = EIO;
            if (PyUnicode_FSConverter(path, &bytes)) {
                if (stat(PyBytes_AS_STRING(bytes), &sb) != 0)
                    e = errno;
                else if (loading && S_ISDIR(sb.st_mode))
                    e = EISDIR;
                Py_DECREF(bytes);
            } else {
                PyErr_Clear();
            }
            if (!loading && e == ENOENT)
                e = EIO; /* saving: the file need not exist; say what the engine said */
            if (e != EIO) {
                PyObject *args = Py_BuildValue("(isO)", e, strerror(e), path);
                if (args != NULL) {
                    PyErr_SetObject(PyExc_OSError, args);
                    Py_DECREF(args);
                }
                return NULL;
            }
        }
        PyErr_SetString(PyExc_OSError, msg);
        return NULL;
    case SKS_EMAGIC:
    case SKS_EVERSION:
    case SKS_ETRUNCATED:
    case SKS_ECHECKSUM:
    case SKS_EFORMAT:
        exc_type = st->model_file_error;
        break;
    case SKS_EINVALID:
        exc_type = loading ? st->model_file_error : PyExc_ValueError;
        break;
    case SKS_EUNSUPPORTED:
        exc_type = PyExc_AttributeError;
        break;
    case SKS_ETHREAD:
        exc_type = PyExc_RuntimeError;
        break;
    case SKS_EBUFSIZE:
        exc_type = PyExc_SystemError; /* our bug, not the caller's */
        break;
    default: /* SKS_EARG, SKS_ESHAPE, SKS_EVALUE */
        exc_type = PyExc_ValueError;
        break;
    }
    if (exc_type == st->model_file_error) {
        /* ModelFileError(message, code, offset): the code's symbolic name
         * and the byte offset in the file (or -1). */
        PyObject *exc = PyObject_CallFunction(exc_type, "ssL", msg, sks_errname(rc),
                                              (long long)(err != NULL ? err->offset : -1));
        if (exc != NULL) {
            PyErr_SetObject(exc_type, exc);
            Py_DECREF(exc);
        }
        return NULL;
    }
    PyErr_SetString(exc_type, msg);
    return NULL;
}

/* --------------------------------------------------- description from dict
 *
 * The exporter passes a dict whose keys are sks_desc's field names. Counts
 * the engine cannot check against the arrays themselves (n_nodes, n_classes,
 * n_targets, n_trees) are taken from the arrays here, so a description can
 * never make the engine read past the end of a buffer.
 */

typedef struct {
    sks_desc d;
    sks_tree_desc *trees;
    sks_step_desc *steps;
    const char **feature_names, **labels, **meta_keys, **meta_values;
    void **mem; /* other PyMem blocks d points into */
    size_t n_mem;
    PyObject *keep; /* list: every object d points into stays alive */
} desc_buf;

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

static void desc_buf_dispose(desc_buf *b)
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

static int get_tree(desc_buf *b, PyObject *tree, int32_t n_values, sks_tree_desc *t)
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

static int desc_from_dict(PyObject *dict, desc_buf *b)
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
        for (Py_ssize_t i = 0; i < n; i++)
            if (get_tree(b, PySequence_Fast_GET_ITEM(seq, i), d->tree_output != NULL ? 1 : d->n_values,
                         &b->trees[i]) < 0)
                return -1;
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

/* _save(desc, path) */
static PyObject *mod_save(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    module_state *st = get_state(module);
    desc_buf b;
    PyObject *path = NULL, *result = NULL;
    sks_error err;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_save(desc, path) takes 2 arguments");
        return NULL;
    }
    if (desc_from_dict(args[0], &b) < 0)
        goto error;
    if (!PyUnicode_FSConverter(args[1], &path))
        goto error;
    int rc = sks_desc_save(&b.d, PyBytes_AS_STRING(path), &err);
    if (rc != 0) {
        raise_engine_error(st, rc, &err, args[1], 0);
        goto error;
    }
    result = Py_NewRef(Py_None);
error:
    desc_buf_dispose(&b);
    Py_XDECREF(path);
    return result;
}

/* _serialize(desc) -> bytes */
static PyObject *mod_serialize(PyObject *module, PyObject *desc)
{
    module_state *st = get_state(module);
    desc_buf b;
    PyObject *result = NULL;
    void *buf = NULL;
    size_t len = 0;
    sks_error err;
    if (desc_from_dict(desc, &b) < 0)
        goto error;
    int rc = sks_desc_serialize(&b.d, &buf, &len, &err);
    if (rc != 0) {
        raise_engine_error(st, rc, &err, NULL, 0);
        goto error;
    }
    result = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
error:
    sks_free(buf);
    desc_buf_dispose(&b);
    return result;
}

/* -------------------------------------------------------------- the Model */

/* classes_ with the dtype the exporter recorded (label_dtype), when that
 * dtype fits the labels' kind; otherwise NumPy's own choice. */
static PyObject *make_classes(const ModelObject *self)
{
    const sks_info *in = &self->info;
    PyObject *list = PyList_New(in->n_classes), *arr = NULL;
    const char *kinds;
    if (list == NULL)
        return NULL;
    for (int32_t i = 0; i < in->n_classes; i++) {
        PyObject *item;
        switch (in->label_kind) {
        case SKS_LABEL_INT: item = PyLong_FromLongLong(sks_model_label_int(self->model, i)); break;
        case SKS_LABEL_FLOAT: item = PyFloat_FromDouble(sks_model_label_float(self->model, i)); break;
        default: item = PyUnicode_FromString(sks_model_label_str(self->model, i)); break;
        }
        if (item == NULL)
            goto error;
        PyList_SET_ITEM(list, i, item);
    }
    switch (in->label_kind) {
    case SKS_LABEL_INT: kinds = "iubO"; break;
    case SKS_LABEL_FLOAT: kinds = "fO"; break;
    default: kinds = "USO"; break;
    }
    if (in->label_dtype != NULL && in->label_dtype[0]) {
        PyArray_Descr *descr = NULL;
        PyObject *name = PyUnicode_FromString(in->label_dtype);
        if (name != NULL && PyArray_DescrConverter(name, &descr) && strchr(kinds, descr->kind) != NULL) {
            arr = PyArray_FromAny(list, descr, 1, 1, NPY_ARRAY_DEFAULT | NPY_ARRAY_FORCECAST, NULL);
            descr = NULL; /* stolen */
        }
        Py_XDECREF(descr);
        Py_XDECREF(name);
        if (arr == NULL)
            PyErr_Clear(); /* an odd dtype hint in a file is no reason to fail */
    }
    if (arr == NULL)
        arr = PyArray_FromAny(list, NULL, 1, 1, NPY_ARRAY_DEFAULT, NULL);
error:
    Py_DECREF(list);
    return arr;
}

static PyObject *make_feature_names(const ModelObject *self)
{
    npy_intp n = self->info.n_features;
    PyArrayObject *arr = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_OBJECT);
    if (arr == NULL)
        return NULL;
    for (npy_intp i = 0; i < n; i++) {
        const char *s = sks_model_feature_name(self->model, (int32_t)i);
        PyObject *name = PyUnicode_FromString(s != NULL ? s : "");
        if (name == NULL) {
            Py_DECREF(arr);
            return NULL;
        }
        PyObject **slot = (PyObject **)PyArray_GETPTR1(arr, i);
        Py_XSETREF(*slot, name);
    }
    return (PyObject *)arr;
}

/* Takes ownership of m (freed on failure). */
static PyObject *model_wrap(module_state *st, sks_model *m)
{
    ModelObject *self = PyObject_New(ModelObject, st->model_type);
    sks_error err;
    int64_t cols;
    if (self == NULL) {
        sks_model_free(m);
        return NULL;
    }
    self->model = m;
    self->classes = NULL;
    self->feature_names = NULL;
    self->info = (sks_info)SKS_INFO_INIT;
    sks_model_info(m, &self->info);
    self->has_proba = sks_model_output_cols(m, SKS_OUT_PROBA, &cols, &err) == 0;
    self->has_decision = sks_model_output_cols(m, SKS_OUT_DECISION, &cols, &err) == 0;
    self->has_score_samples = sks_model_output_cols(m, SKS_OUT_SCORE_SAMPLES, &cols, &err) == 0;
    if (self->info.task == SKS_TASK_CLASSIFICATION && (self->classes = make_classes(self)) == NULL)
        goto error;
    if (self->info.has_feature_names && (self->feature_names = make_feature_names(self)) == NULL)
        goto error;
    return (PyObject *)self;
error:
    Py_DECREF(self);
    return NULL;
}

static void Model_dealloc(ModelObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    sks_model_free(self->model);
    Py_XDECREF(self->classes);
    Py_XDECREF(self->feature_names);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

/* _load_file(path) -> Model */
static PyObject *mod_load_file(PyObject *module, PyObject *path)
{
    module_state *st = get_state(module);
    PyObject *bytes = NULL;
    sks_model *m = NULL;
    sks_error err;
    int rc;
    if (!PyUnicode_FSConverter(path, &bytes))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = sks_model_load(PyBytes_AS_STRING(bytes), &m, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(bytes);
    if (rc != 0)
        return raise_engine_error(st, rc, &err, path, 1);
    return model_wrap(st, m);
}

/* _load_bytes(buffer) -> Model */
static PyObject *mod_load_bytes(PyObject *module, PyObject *obj)
{
    module_state *st = get_state(module);
    Py_buffer view;
    sks_model *m = NULL;
    sks_error err;
    int rc;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    rc = sks_model_load_buffer(view.buf, (size_t)view.len, &m, &err);
    PyBuffer_Release(&view);
    if (rc != 0)
        return raise_engine_error(st, rc, &err, NULL, 1);
    return model_wrap(st, m);
}

/* _set_input_converters(as_array, as_table): the package's converters for
 * inputs the engine cannot read in place (DataFrames, lists, other dtypes,
 * string columns), handed in by skscore/_input.py when it is imported --
 * so that this module never imports the package it sits under. */
static PyObject *mod_set_input_converters(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    module_state *st = get_state(module);
    if (nargs != 2 || !PyCallable_Check(args[0]) || !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_set_input_converters(as_array, as_table) takes two callables");
        return NULL;
    }
    Py_XSETREF(st->as_array, Py_NewRef(args[0]));
    Py_XSETREF(st->as_table, Py_NewRef(args[1]));
    Py_RETURN_NONE;
}

/* An input the engine can read in place: a 2-D, aligned, native-endian
 * float32/float64 array, any strides. */
static int is_direct(PyObject *X)
{
    if (!PyArray_Check(X))
        return 0;
    PyArrayObject *a = (PyArrayObject *)X;
    int t = PyArray_TYPE(a);
    return PyArray_NDIM(a) == 2 && (t == NPY_FLOAT64 || t == NPY_FLOAT32) && PyArray_ISALIGNED(a) &&
           PyArray_ISNOTSWAPPED(a);
}

/* The extension imports nothing from the package above it: inputs it
 * cannot read in place go to the converters skscore/_input.py hands in at
 * import (_set_input_converters). Without them -- this module imported on
 * its own -- only 2-D float32/float64 arrays are taken. */
static PyObject *converter(PyObject *fn)
{
    if (fn == NULL)
        PyErr_SetString(PyExc_TypeError, "skscore._skscore alone takes 2-D float32/float64 arrays; import skscore "
                                         "for DataFrames, lists and string columns");
    return fn;
}

/* X as an array the engine reads in place (new reference). */
static PyArrayObject *as_input(module_state *st, ModelObject *self, PyObject *X)
{
    if (is_direct(X))
        return (PyArrayObject *)Py_NewRef(X);
    if (converter(st->as_array) == NULL)
        return NULL;
    PyObject *a = PyObject_CallFunctionObjArgs(st->as_array, (PyObject *)self, X, NULL);
    if (a != NULL && !is_direct(a)) {
        PyErr_SetString(PyExc_SystemError, "the as_array converter returned an unusable array");
        Py_CLEAR(a);
    }
    return (PyArrayObject *)a;
}

/* scikit-learn's words for an input with no rows. */
static void no_rows(ModelObject *self, npy_intp cols)
{
    PyErr_Format(PyExc_ValueError,
                 "Found array with 0 sample(s) (shape=(0, %zd)) while a minimum of 1 is required by %s.",
                 (Py_ssize_t)cols, self->info.estimator[0] ? self->info.estimator : "the model");
}

/* A string column from the as_table converter: a list or a 1-D object
 * array of Python values. */
static int is_string_column(PyObject *col)
{
    return PyList_Check(col) || (PyArray_Check(col) && PyArray_NDIM((PyArrayObject *)col) == 1 &&
                                 PyArray_TYPE((PyArrayObject *)col) == NPY_OBJECT);
}

/* The engine's cells of string column c: str as UTF-8 (the str keeps the
 * bytes), None as SKS_STR_NONE, NaN (a float NaN, pandas' NA and NaT) as
 * NULL. Anything else is a ValueError naming the column and row. */
static int string_cells(ModelObject *self, int32_t c, PyObject *col, Py_ssize_t n, const char **strs, size_t *lens)
{
    int list = PyList_Check(col);
    Py_ssize_t len = list ? PyList_GET_SIZE(col) : PyArray_DIM((PyArrayObject *)col, 0);
    if (len != n) {
        PyErr_SetString(PyExc_SystemError, "the as_table converter gave columns of unequal length");
        return -1;
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *v = list ? PyList_GET_ITEM(col, r) : *(PyObject **)PyArray_GETPTR1((PyArrayObject *)col, r);
        if (v != NULL && PyUnicode_Check(v)) {
            Py_ssize_t k;
            if ((strs[r] = PyUnicode_AsUTF8AndSize(v, &k)) == NULL)
                return -1;
            lens[r] = (size_t)k;
            continue;
        }
        lens[r] = 0;
        if (v == NULL || v == Py_None) {
            strs[r] = SKS_STR_NONE;
            continue;
        }
        strs[r] = NULL;
        const char *tn = Py_TYPE(v)->tp_name, *dot = strrchr(tn, '.');
        const char *base = dot != NULL ? dot + 1 : tn;
        if (strcmp(base, "NAType") == 0 || strcmp(base, "NaTType") == 0)
            continue;
        if (PyFloat_Check(v) || PyArray_IsScalar(v, Floating)) {
            double d = PyFloat_AsDouble(v);
            if (d != d)
                continue;
        }
        PyErr_Clear();
        const char *name = sks_model_feature_name(self->model, c);
        PyErr_Format(PyExc_ValueError,
                     "Column %d%s%s%s takes strings (the model's encoder was fitted on strings), but row %zd holds "
                     "%R (%s).",
                     (int)c, name ? " ('" : "", name ? name : "", name ? "')" : "", r, v, Py_TYPE(v)->tp_name);
        return -1;
    }
    return 0;
}

/* Scores a model with string columns from a table: the as_table converter
 * gives one entry per input column, a 1-D float32/float64 array or a list
 * of str, None and float NaN (Python's two missing values, which
 * scikit-learn's encoders tell apart). Fills *out with (n, cols) doubles. */
static int score_table(module_state *st, ModelObject *self, sks_output what, PyObject *X, int64_t cols,
                       int n_threads, PyArrayObject **out, npy_intp *n_out)
{
    int result = -1, rc = 0;
    sks_error err;
    PyObject *cols_list = NULL;
    sks_column *tc = NULL;
    const char **strs = NULL;
    size_t *lens = NULL;
    if (converter(st->as_table) == NULL)
        return -1;
    PyObject *t = PyObject_CallFunctionObjArgs(st->as_table, (PyObject *)self, X, NULL);
    if (t == NULL)
        return -1;
    Py_ssize_t n = -1;
    if (!PyArg_ParseTuple(t, "nO!", &n, &PyList_Type, &cols_list)) {
        Py_DECREF(t);
        return -1;
    }
    Py_INCREF(cols_list);
    Py_DECREF(t);
    Py_ssize_t nc = PyList_GET_SIZE(cols_list);
    if (n == 0) {
        no_rows(self, nc);
        goto done;
    }
    size_t n_str = 0;
    for (Py_ssize_t c = 0; c < nc; c++)
        if (is_string_column(PyList_GET_ITEM(cols_list, c)))
            n_str++;
    if ((tc = PyMem_Calloc((size_t)nc + 1, sizeof *tc)) == NULL ||
        (strs = PyMem_Calloc(n_str * (size_t)n + 1, sizeof *strs)) == NULL ||
        (lens = PyMem_Calloc(n_str * (size_t)n + 1, sizeof *lens)) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    size_t at = 0;
    for (Py_ssize_t c = 0; c < nc; c++) {
        PyObject *col = PyList_GET_ITEM(cols_list, c);
        if (is_string_column(col)) {
            tc[c] = (sks_column){.kind = SKS_COL_STR, .str = strs + at, .len = lens + at};
            if (string_cells(self, (int32_t)c, col, n, strs + at, lens + at) < 0)
                goto done;
            at += (size_t)n;
        } else if (PyArray_Check(col) && PyArray_NDIM((PyArrayObject *)col) == 1 &&
                   PyArray_DIM((PyArrayObject *)col, 0) == n && PyArray_ISALIGNED((PyArrayObject *)col) &&
                   PyArray_ISNOTSWAPPED((PyArrayObject *)col) &&
                   (PyArray_TYPE((PyArrayObject *)col) == NPY_FLOAT64 ||
                    PyArray_TYPE((PyArrayObject *)col) == NPY_FLOAT32)) {
            PyArrayObject *a = (PyArrayObject *)col;
            tc[c] = (sks_column){.kind = PyArray_TYPE(a) == NPY_FLOAT32 ? SKS_COL_F32 : SKS_COL_F64,
                                 .data = PyArray_DATA(a), .stride = PyArray_STRIDE(a, 0)};
        } else {
            PyErr_SetString(PyExc_SystemError, "the as_table converter returned an unusable column");
            goto done;
        }
    }
    npy_intp dims[2] = {n, (npy_intp)cols};
    if ((*out = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT64)) == NULL)
        goto done;
    sks_table T = {.n_rows = n, .n_cols = nc, .cols = tc};
    double *o = (double *)PyArray_DATA(*out);
    Py_BEGIN_ALLOW_THREADS
    rc = sks_model_predict_table(self->model, what, &T, o, (size_t)n * (size_t)cols, n_threads, &err);
    Py_END_ALLOW_THREADS
    if (rc != 0) {
        Py_CLEAR(*out);
        raise_engine_error(st, rc, &err, NULL, 0); /* unknown categories: the engine names the value */
        goto done;
    }
    *n_out = n;
    result = 0;
done:
    PyMem_Free(tc);
    PyMem_Free(strs);
    PyMem_Free(lens);
    Py_XDECREF(cols_list);
    return result;
}

static int parse_score_args(sks_output what, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                            PyObject **X, int *n_threads)
{
    const char *fn = sks_output_name(what);
    Py_ssize_t nkw = kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0;
    *X = nargs > 0 ? args[0] : NULL;
    *n_threads = 0;
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes 1 positional argument but %zd were given", fn, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i), *val = args[nargs + i];
        if (PyUnicode_CompareWithASCIIString(name, "X") == 0) {
            if (*X != NULL) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument 'X'", fn);
                return -1;
            }
            *X = val;
        } else if (PyUnicode_CompareWithASCIIString(name, "n_threads") == 0) {
            if (val == Py_None)
                continue;
            if (!PyLong_Check(val) || PyBool_Check(val)) {
                PyErr_Format(PyExc_TypeError, "%s(): n_threads must be an int or None", fn);
                return -1;
            }
            long t = PyLong_AsLong(val);
            if (t == -1 && PyErr_Occurred())
                return -1;
            *n_threads = t < 0 ? 0 : (t > 1024 ? 1024 : (int)t);
        } else {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fn, name);
            return -1;
        }
    }
    if (*X == NULL) {
        PyErr_Format(PyExc_TypeError, "%s() missing required argument 'X'", fn);
        return -1;
    }
    return 0;
}

static PyObject *score(ModelObject *self, sks_output what, PyObject *const *args, Py_ssize_t nargs,
                       PyObject *kwnames)
{
    module_state *st = PyType_GetModuleState(Py_TYPE(self));
    PyObject *X, *result = NULL;
    PyArrayObject *in = NULL, *out = NULL, *idx = NULL;
    int n_threads, rc;
    sks_error err;

    if (parse_score_args(what, args, nargs, kwnames, &X, &n_threads) < 0)
        return NULL;
    /* n_threads <= 0: the engine's default, the CPUs this process may use
     * (affinity mask and cgroup quota, counted once: engine/src/pool.c).
     * The result's shape and dtype are the engine's rule (contract.c):
     * row-major (n, cols) doubles as the engine writes them, 1-D where the
     * model's library returns 1-D (same memory). */
    sks_output_spec spec = SKS_OUTPUT_SPEC_INIT;
    if ((rc = sks_model_output_spec(self->model, what, SKS_F64, &spec, &err)) != 0)
        return raise_engine_error(st, rc, &err, NULL, 0);
    npy_intp n;
    if (self->info.n_string_columns > 0 || self->info.n_ignored_columns > 0) {
        if (score_table(st, self, what, X, spec.cols, n_threads, &out, &n) < 0)
            goto error;
        goto scored;
    }
    if ((in = as_input(st, self, X)) == NULL)
        return NULL;
    n = PyArray_DIM(in, 0);
    if (n == 0) {
        no_rows(self, PyArray_DIM(in, 1));
        goto error;
    }
    sks_matrix m = {
        .data = PyArray_DATA(in),
        .dtype = PyArray_TYPE(in) == NPY_FLOAT32 ? SKS_F32 : SKS_F64,
        .n_rows = n,
        .n_cols = PyArray_DIM(in, 1),
        .row_stride = PyArray_STRIDE(in, 0),
        .col_stride = PyArray_STRIDE(in, 1),
    };
    if (m.dtype != SKS_F64 && (rc = sks_model_output_spec(self->model, what, m.dtype, &spec, &err)) != 0) {
        raise_engine_error(st, rc, &err, NULL, 0);
        goto error;
    }
    npy_intp dims[2] = {n, (npy_intp)spec.cols};
    /* ndim 1 only ever has one column: the same n * cols doubles */
    if ((out = (PyArrayObject *)PyArray_SimpleNew(spec.ndim, dims, NPY_FLOAT64)) == NULL)
        goto error;
    double *o = (double *)PyArray_DATA(out);
    size_t o_len = (size_t)n * (size_t)spec.cols;
    Py_BEGIN_ALLOW_THREADS
    rc = sks_model_predict(self->model, what, &m, o, o_len, n_threads, &err);
    Py_END_ALLOW_THREADS
    if (rc != 0) {
        raise_engine_error(st, rc, &err, NULL, 0);
        goto error;
    }
scored:
    if (PyArray_NDIM(out) != spec.ndim) { /* the table path's (n, 1): same memory, 1-D */
        npy_intp d1[1] = {n};
        PyArray_Dims shape = {d1, 1};
        PyArrayObject *flat = (PyArrayObject *)PyArray_Newshape(out, &shape, NPY_CORDER);
        if (flat == NULL)
            goto error;
        Py_SETREF(out, flat);
    }
    if (spec.values == SKS_VALUES_LABEL) {
        /* The engine gives class indices; labels come from classes_, so
         * they have its dtype, as scikit-learn's classes_.take(...). */
        if ((idx = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_INTP)) == NULL)
            goto error;
        npy_intp *ip = (npy_intp *)PyArray_DATA(idx);
        const double *cls = (const double *)PyArray_DATA(out);
        for (npy_intp i = 0; i < n; i++)
            ip[i] = (npy_intp)cls[i];
        result = PyArray_TakeFrom((PyArrayObject *)self->classes, (PyObject *)idx, 0, NULL, NPY_RAISE);
    } else if (spec.values == SKS_VALUES_F32) {
        result = PyArray_Cast(out, NPY_FLOAT32);
    } else {
        result = (PyObject *)out;
        out = NULL;
    }
error:
    Py_XDECREF(in);
    Py_XDECREF(out);
    Py_XDECREF(idx);
    return result;
}

static PyObject *Model_predict(ModelObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    return score(self, SKS_OUT_PREDICT, args, nargs, kw);
}

static PyObject *Model_predict_proba(ModelObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    return score(self, SKS_OUT_PROBA, args, nargs, kw);
}

static PyObject *Model_decision_function(ModelObject *self, PyObject *const *args, Py_ssize_t nargs,
                                         PyObject *kw)
{
    return score(self, SKS_OUT_DECISION, args, nargs, kw);
}

static PyObject *Model_score_samples(ModelObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    return score(self, SKS_OUT_SCORE_SAMPLES, args, nargs, kw);
}

/* Like scikit-learn's available_if: a model without probabilities has no
 * predict_proba attribute at all, so hasattr() tells. */
static PyObject *Model_getattro(ModelObject *self, PyObject *name)
{
    if (PyUnicode_Check(name)) {
        sks_output what = SKS_OUT_PREDICT;
        if (!self->has_proba && PyUnicode_CompareWithASCIIString(name, "predict_proba") == 0)
            what = SKS_OUT_PROBA;
        else if (!self->has_decision && PyUnicode_CompareWithASCIIString(name, "decision_function") == 0)
            what = SKS_OUT_DECISION;
        else if (!self->has_score_samples && PyUnicode_CompareWithASCIIString(name, "score_samples") == 0)
            what = SKS_OUT_SCORE_SAMPLES;
        if (what != SKS_OUT_PREDICT) {
            module_state *st = PyType_GetModuleState(Py_TYPE(self));
            int64_t cols;
            sks_error err;
            sks_model_output_cols(self->model, what, &cols, &err);
            return raise_engine_error(st, SKS_EUNSUPPORTED, &err, NULL, 0);
        }
    }
    return PyObject_GenericGetAttr((PyObject *)self, name);
}

static PyObject *Model_info(ModelObject *self, PyObject *Py_UNUSED(ignored))
{
    const sks_info *in = &self->info;
    PyObject *info = Py_BuildValue(
        "{s:(ii),s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:O,s:i,s:s,s:s,s:s,s:O,s:O,s:i,s:i,s:L,s:i,s:s,s:s,s:O,s:i,s:s}",
        "format_version", in->format_major, in->format_minor, "producer", in->producer, "producer_version",
        in->producer_version, "source", in->source, "source_version", in->source_version, "estimator",
        in->estimator, "checksum", in->checksum, "task", sks_task_name(in->task), "kind", sks_estimator_kind_name(in->kind),
        "n_features", (int)in->n_features, "n_outputs", (int)in->n_outputs, "output_2d",
        in->output_2d ? Py_True : Py_False, "n_classes", (int)in->n_classes, "label_kind",
        sks_label_kind_name(in->label_kind), "label_dtype", in->label_dtype, "link", sks_link_name(in->link),
        "allow_nan", in->allow_nan ? Py_True : Py_False, "has_feature_names",
        in->has_feature_names ? Py_True : Py_False, "n_metadata", (int)in->n_metadata, "n_trees",
        (int)in->n_trees, "n_nodes", (long long)in->n_nodes, "max_depth", (int)in->max_depth, "coef_dtype",
        sks_dtype_name(in->coef_dtype), "intercept_dtype", sks_dtype_name(in->intercept_dtype), "allow_inf",
        in->allow_inf ? Py_True : Py_False, "n_steps", (int)in->n_steps, "output_dtype", sks_dtype_name(in->output_dtype));
    if (info == NULL)
        return NULL;
    /* Format 1.1: the estimator's width after the steps, and the input
     * columns that take strings. */
    PyObject *strs = PyList_New(0), *ign = PyList_New(0), *w = PyLong_FromLong(in->n_estimator_features);
    for (int32_t c = 0; strs != NULL && ign != NULL && c < in->n_features; c++) {
        sks_input_kind kind = sks_model_input_kind(self->model, c);
        if (kind != SKS_INPUT_STRING && kind != SKS_INPUT_IGNORED)
            continue;
        PyObject *i = PyLong_FromLong(c);
        if (i == NULL || PyList_Append(kind == SKS_INPUT_STRING ? strs : ign, i) < 0)
            Py_CLEAR(strs);
        Py_XDECREF(i);
    }
    if (strs == NULL || ign == NULL || w == NULL || PyDict_SetItemString(info, "string_columns", strs) < 0 ||
        PyDict_SetItemString(info, "ignored_columns", ign) < 0 ||
        PyDict_SetItemString(info, "n_estimator_features", w) < 0)
        Py_CLEAR(info);
    Py_XDECREF(strs);
    Py_XDECREF(ign);
    Py_XDECREF(w);
    return info;
}

static PyObject *Model_get_metadata(ModelObject *self, void *Py_UNUSED(closure))
{
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    for (int32_t i = 0; i < self->info.n_metadata; i++) {
        PyObject *v = PyUnicode_FromString(sks_model_metadata_value(self->model, i));
        if (v == NULL || PyDict_SetItemString(d, sks_model_metadata_key(self->model, i), v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

static PyObject *no_attribute(ModelObject *self, const char *attr, const char *why)
{
    PyErr_Format(PyExc_AttributeError, "This '%s' model has no attribute '%s' (%s)",
                 self->info.estimator[0] ? self->info.estimator : "skscore", attr, why);
    return NULL;
}

static PyObject *Model_get_classes(ModelObject *self, void *Py_UNUSED(closure))
{
    if (self->classes == NULL)
        return no_attribute(self, "classes_", "it is a regressor");
    return Py_NewRef(self->classes);
}

static PyObject *Model_get_feature_names(ModelObject *self, void *Py_UNUSED(closure))
{
    if (self->feature_names == NULL)
        return no_attribute(self, "feature_names_in_", "it was exported without feature names");
    return Py_NewRef(self->feature_names);
}

static PyObject *Model_get_n_features(ModelObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(self->info.n_features);
}

static PyObject *Model_get_n_outputs(ModelObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(self->info.n_outputs);
}

static PyObject *Model_get_estimator(ModelObject *self, void *Py_UNUSED(closure))
{
    return PyUnicode_FromString(self->info.estimator);
}

static PyObject *Model_get_checksum(ModelObject *self, void *Py_UNUSED(closure))
{
    return PyUnicode_FromString(self->info.checksum);
}

static PyObject *Model_repr(ModelObject *self)
{
    const sks_info *in = &self->info;
    const char *est = in->estimator[0] ? in->estimator : "unknown estimator";
    if (in->task == SKS_TASK_CLASSIFICATION)
        return PyUnicode_FromFormat("<skscore.Model %s: %d features, %d classes, checksum %.12s>", est,
                                    (int)in->n_features, (int)in->n_classes, in->checksum);
    return PyUnicode_FromFormat("<skscore.Model %s: %d features, %d outputs, checksum %.12s>", est,
                                (int)in->n_features, (int)in->n_outputs, in->checksum);
}

#define SCORE_DOC_TAIL                                                                              \
    "\n\nX: a 2-D array-like of shape (n_samples, n_features): a NumPy array (float32 and "         \
    "float64 are read in place, in any memory layout; other numeric dtypes are converted to "     \
    "float64), nested lists, or a pandas DataFrame (matched to the model's feature names by "     \
    "column name when it has them, else taken by position).\n"                                    \
    "n_threads: scoring threads; 0 or None (the default) uses every core. Small batches use "     \
    "one thread whatever is asked. The GIL is released while scoring.\n"

PyDoc_STRVAR(Model_predict_doc,
             "predict($self, X, *, n_threads=0)\n--\n\n"
             "Predict class labels (classifiers) or target values (regressors) for X, as the "
             "exported estimator's predict does: same values, shape and dtype (class labels have "
             "the dtype of classes_)." SCORE_DOC_TAIL);
PyDoc_STRVAR(Model_predict_proba_doc,
             "predict_proba($self, X, *, n_threads=0)\n--\n\n"
             "Class probabilities for X, shape (n_samples, n_classes), columns in classes_ order. "
             "Only models whose estimator has predict_proba have it (AttributeError otherwise)." SCORE_DOC_TAIL);
PyDoc_STRVAR(Model_decision_function_doc,
             "decision_function($self, X, *, n_threads=0)\n--\n\n"
             "Raw scores of a linear classifier for X: shape (n_samples,) for binary models, "
             "(n_samples, n_classes) otherwise. Tree models have none (AttributeError)." SCORE_DOC_TAIL);
PyDoc_STRVAR(Model_score_samples_doc,
             "score_samples($self, X, *, n_threads=0)\n--\n\n"
             "Anomaly scores of an IsolationForest for X, shape (n_samples,): the lower, the more "
             "abnormal. Other models have none (AttributeError)." SCORE_DOC_TAIL);
PyDoc_STRVAR(Model_info_doc, "info($self, /)\n--\n\n"
                             "A dict describing the model file: format version, producer, provenance "
                             "(source library, its version, estimator), SHA-256 checksum, task, "
                             "estimator kind, input and output schema, link, trees, nodes and depth, and "
                             "output_dtype (\"float32\" for XGBoost models, whose outputs are float32).");

static PyMethodDef Model_methods[] = {
    {"predict", (PyCFunction)(void (*)(void))Model_predict, METH_FASTCALL | METH_KEYWORDS, Model_predict_doc},
    {"predict_proba", (PyCFunction)(void (*)(void))Model_predict_proba, METH_FASTCALL | METH_KEYWORDS,
     Model_predict_proba_doc},
    {"decision_function", (PyCFunction)(void (*)(void))Model_decision_function, METH_FASTCALL | METH_KEYWORDS,
     Model_decision_function_doc},
    {"score_samples", (PyCFunction)(void (*)(void))Model_score_samples, METH_FASTCALL | METH_KEYWORDS,
     Model_score_samples_doc},
    {"info", (PyCFunction)Model_info, METH_NOARGS, Model_info_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Model_getset[] = {
    {"n_features_in_", (getter)Model_get_n_features, NULL, "Number of features (columns) X must have.", NULL},
    {"n_outputs_", (getter)Model_get_n_outputs, NULL, "Number of regression targets (1 for classifiers).", NULL},
    {"feature_names_in_", (getter)Model_get_feature_names, NULL,
     "Feature names (ndarray of str, dtype object); AttributeError when the model has none.", NULL},
    {"classes_", (getter)Model_get_classes, NULL,
     "Class labels, with the dtype of the estimator's classes_; AttributeError for regressors.", NULL},
    {"metadata", (getter)Model_get_metadata, NULL, "The user metadata stored in the file (a new dict of str).",
     NULL},
    {"estimator", (getter)Model_get_estimator, NULL, "Class name of the exported estimator.", NULL},
    {"checksum", (getter)Model_get_checksum, NULL, "SHA-256 of the model file's body (64 hex digits).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Model_doc, "A model loaded from a .skm file by the skscore engine (see skscore.load).\n\n"
                        "Immutable and safe to use from several threads at once.");

static PyType_Slot Model_slots[] = {
    {Py_tp_dealloc, Model_dealloc},
    {Py_tp_repr, Model_repr},
    {Py_tp_getattro, Model_getattro},
    {Py_tp_methods, Model_methods},
    {Py_tp_getset, Model_getset},
    {Py_tp_doc, (void *)Model_doc},
    {0, NULL},
};

static PyType_Spec Model_spec = {
    .name = "skscore.Model",
    .basicsize = sizeof(ModelObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Model_slots,
};

/* ----------------------------------------------------------------- module */

static PyMethodDef module_methods[] = {
    {"_save", (PyCFunction)(void (*)(void))mod_save, METH_FASTCALL,
     "_save(desc, path, /)\n--\n\nValidate a model description and write it as a model file."},
    {"_serialize", (PyCFunction)mod_serialize, METH_O,
     "_serialize(desc, /)\n--\n\nValidate a model description and return the model file's bytes."},
    {"_load_file", (PyCFunction)mod_load_file, METH_O,
     "_load_file(path, /)\n--\n\nRead, check and compile a model file."},
    {"_load_bytes", (PyCFunction)mod_load_bytes, METH_O,
     "_load_bytes(data, /)\n--\n\nRead, check and compile a model file's bytes."},
    {"_set_input_converters", (PyCFunction)(void (*)(void))mod_set_input_converters, METH_FASTCALL,
     "_set_input_converters(as_array, as_table, /)\n--\n\nThe package's converters for inputs other than 2-D "
     "float arrays (skscore._input registers them on import)."},
    {NULL, NULL, 0, NULL},
};

static int module_exec(PyObject *module)
{
    module_state *st = get_state(module);
    static const struct {
        const char *name;
        int value;
    } constants[] = {
        {"TASK_REGRESSION", SKS_TASK_REGRESSION},
        {"TASK_CLASSIFICATION", SKS_TASK_CLASSIFICATION},
        {"LABEL_NONE", SKS_LABEL_NONE},
        {"LABEL_INT", SKS_LABEL_INT},
        {"LABEL_FLOAT", SKS_LABEL_FLOAT},
        {"LABEL_STR", SKS_LABEL_STR},
        {"LINK_NONE", SKS_LINK_NONE},
        {"LINK_PROBA", SKS_LINK_PROBA},
        {"LINK_LOGISTIC", SKS_LINK_LOGISTIC},
        {"LINK_LOGISTIC_OVR", SKS_LINK_LOGISTIC_OVR},
        {"LINK_SOFTMAX", SKS_LINK_SOFTMAX},
        {"LINK_SOFTMAX_BINARY", SKS_LINK_SOFTMAX_BINARY},
        {"LINK_SOFTMAX_SEQ", SKS_LINK_SOFTMAX_SEQ},
        {"LINK_LOGISTIC_F32", SKS_LINK_LOGISTIC_F32},
        {"LINK_SOFTMAX_F32", SKS_LINK_SOFTMAX_F32},
        {"LINK_EXP_F32", SKS_LINK_EXP_F32},
        {"LINK_MODIFIED_HUBER", SKS_LINK_MODIFIED_HUBER},
        {"LINK_HALF_LOGISTIC", SKS_LINK_HALF_LOGISTIC},
        {"LINK_EXP", SKS_LINK_EXP},
        {"LINK_ISOLATION", SKS_LINK_ISOLATION},
        {"OP_SUB", SKS_OP_SUB},
        {"OP_DIV", SKS_OP_DIV},
        {"OP_MUL", SKS_OP_MUL},
        {"OP_ADD", SKS_OP_ADD},
        {"OP_FILL_NAN", SKS_OP_FILL_NAN},
        {"STEP_ELEMENTWISE", SKS_STEP_ELEMENTWISE},
        {"STEP_SELECT", SKS_STEP_SELECT},
        {"STEP_ENCODE", SKS_STEP_ENCODE},
        {"STEP_INDICATOR", SKS_STEP_INDICATOR},
        {"STEP_NORMALIZE", SKS_STEP_NORMALIZE},
        {"STEP_POLY", SKS_STEP_POLY},
        {"NORM_L1", SKS_NORM_L1},
        {"NORM_L2", SKS_NORM_L2},
        {"NORM_MAX", SKS_NORM_MAX},
        {"CODE_NONE", (int)SKS_CODE_NONE},
        {"CAT_SKLEARN", SKS_CAT_SKLEARN},
        {"CAT_LIGHTGBM", SKS_CAT_LIGHTGBM},
        {"CAT_XGBOOST", SKS_CAT_XGBOOST},
        {"CHECK_INF", SKS_CHECK_INF},
        {"CHECK_NONE", SKS_CHECK_NONE},
        {"CHECK_FINITE", SKS_CHECK_FINITE},
        {"CMP_F64_LE", SKS_CMP_F64_LE},
        {"CMP_F32_LT", SKS_CMP_F32_LT},
        {"AGG_SINGLE", SKS_AGG_SINGLE},
        {"AGG_MEAN", SKS_AGG_MEAN},
        {"AGG_SUM", SKS_AGG_SUM},
        {"CMP_F32_LE", SKS_CMP_F32_LE},
        {"EST_TREES", SKS_EST_TREES},
        {"EST_LINEAR", SKS_EST_LINEAR},
        {"F32", SKS_F32},
        {"F64", SKS_F64},
        {"FORMAT_MAJOR", SKS_FORMAT_MAJOR},
        {"FORMAT_MINOR", SKS_FORMAT_MINOR},
    };
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
        if (PyModule_AddIntConstant(module, constants[i].name, constants[i].value) < 0)
            return -1;
    if (PyModule_AddStringConstant(module, "ENGINE_VERSION", SKS_VERSION) < 0)
        return -1;

    st->model_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Model_spec, NULL);
    if (st->model_type == NULL || PyModule_AddObjectRef(module, "Model", (PyObject *)st->model_type) < 0)
        return -1;

    /* ModelFileError(message, code, offset) with .code and .offset. */
    PyObject *ns = PyDict_New();
    if (ns == NULL)
        return -1;
    PyObject *r = PyRun_String(
        "class ModelFileError(ValueError):\n"
        "    \"\"\"A model file the engine cannot read: not a model file, another format version,\n"
        "    truncated, a checksum mismatch, or malformed or inconsistent contents. The message\n"
        "    names what is wrong and where; .code is the engine's error name (e.g. 'SKS_EFORMAT')\n"
        "    and .offset the byte offset in the file (-1 when unknown).\"\"\"\n"
        "    def __init__(self, message, code=None, offset=-1):\n"
        "        super().__init__(message)\n"
        "        self.code = code\n"
        "        self.offset = offset\n"
        "    def __str__(self):\n"
        "        return str(self.args[0]) if self.args else ''\n"
        "ModelFileError.__module__ = 'skscore'\n",
        Py_file_input, ns, ns);
    if (r == NULL) {
        Py_DECREF(ns);
        return -1;
    }
    Py_DECREF(r);
    st->model_file_error = Py_XNewRef(PyDict_GetItemString(ns, "ModelFileError"));
    Py_DECREF(ns);
    if (st->model_file_error == NULL || PyModule_AddObjectRef(module, "ModelFileError", st->model_file_error) < 0)
        return -1;
    return 0;
}

static int module_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *st = get_state(module);
    Py_VISIT(st->model_type);
    Py_VISIT(st->model_file_error);
    Py_VISIT(st->as_array);
    Py_VISIT(st->as_table);
    return 0;
}

static int module_clear(PyObject *module)
{
    module_state *st = get_state(module);
    Py_CLEAR(st->model_type);
    Py_CLEAR(st->model_file_error);
    Py_CLEAR(st->as_array);
    Py_CLEAR(st->as_table);
    return 0;
}

static void module_free(void *module)
{
    module_clear((PyObject *)module);
}

static int numpy_exec(PyObject *Py_UNUSED(module))
{
    /* import_array() returns NULL on failure; this wrapper returns -1. */
    if (PyArray_ImportNumPyAPI() < 0)
        return -1;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, numpy_exec},
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef skscore_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "skscore._skscore",
    .m_doc = "The skscore engine, from Python (use the skscore package, not this module).",
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__skscore(void)
{
    return PyModuleDef_Init(&skscore_module);
}
