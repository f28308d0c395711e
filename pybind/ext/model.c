/*
 * model.c -- the Model type: a loaded sks_model with scikit-learn's face
 * (predict, predict_proba, decision_function, score_samples, classes_,
 * feature_names_in_, ...).
 *
 * 2-D float32/float64 arrays are read in place (any strides, no copy);
 * other inputs go to the converters the package handed in (module.c). The
 * engine scores with the GIL released and says, for each output, the
 * result's shape and dtype (sks_model_output_spec).
 */
#include "ext.h"

#include <string.h>


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
PyObject *model_wrap(module_state *st, sks_model *m)
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
    self->input_kinds = NULL;
    self->info = (sks_info)SKS_INFO_INIT;
    sks_model_info(m, &self->info);
    self->has_proba = sks_model_output_cols(m, SKS_OUT_PROBA, &cols, &err) == 0;
    self->has_decision = sks_model_output_cols(m, SKS_OUT_DECISION, &cols, &err) == 0;
    self->has_score_samples = sks_model_output_cols(m, SKS_OUT_SCORE_SAMPLES, &cols, &err) == 0;
    self->has_contributions = sks_model_output_cols(m, SKS_OUT_CONTRIBUTIONS, &cols, &err) == 0;
    if (self->info.task == SKS_TASK_CLASSIFICATION && (self->classes = make_classes(self)) == NULL)
        goto error;
    if (self->info.has_feature_names && (self->feature_names = make_feature_names(self)) == NULL)
        goto error;
    if ((self->input_kinds = PyTuple_New(self->info.n_features)) == NULL)
        goto error;
    for (int32_t c = 0; c < self->info.n_features; c++) {
        PyObject *k = PyUnicode_InternFromString(sks_input_kind_name(sks_model_input_kind(m, c)));
        if (k == NULL)
            goto error;
        PyTuple_SET_ITEM(self->input_kinds, c, k);
    }
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
    Py_XDECREF(self->input_kinds);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
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
    /* (n, cols) as the engine writes them; shaped as the spec says below */
    if ((out = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT64)) == NULL)
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
    if (spec.ndim != 2) { /* (n,) for one column; (n, groups, cols / groups): same memory */
        int64_t groups = spec.groups > 0 ? spec.groups : 1;
        npy_intp d3[3] = {n, (npy_intp)groups, (npy_intp)(spec.cols / groups)};
        npy_intp d1[1] = {n};
        PyArray_Dims shape = {spec.ndim == 3 ? d3 : d1, spec.ndim == 3 ? 3 : 1};
        PyArrayObject *shaped = (PyArrayObject *)PyArray_Newshape(out, &shape, NPY_CORDER);
        if (shaped == NULL)
            goto error;
        Py_SETREF(out, shaped);
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

static PyObject *Model_contributions(ModelObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    return score(self, SKS_OUT_CONTRIBUTIONS, args, nargs, kw);
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
        else if (!self->has_contributions && PyUnicode_CompareWithASCIIString(name, "contributions") == 0)
            what = SKS_OUT_CONTRIBUTIONS;
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

/* info()["inputs"]: per input column {"name": str or None, "kind":
 * "number"/"string"/"ignored", "categories": the strings a string column
 * knows, in code order, else None}. */
static PyObject *make_inputs(ModelObject *self)
{
    PyObject *list = PyList_New(self->info.n_features);
    for (int32_t c = 0; list != NULL && c < self->info.n_features; c++) {
        const char *name = self->info.has_feature_names ? sks_model_feature_name(self->model, c) : NULL;
        int32_t nv = sks_model_input_vocab_size(self->model, c);
        PyObject *cats = nv > 0 ? PyList_New(nv) : Py_NewRef(Py_None);
        for (int32_t i = 0; cats != NULL && i < nv; i++) {
            size_t len = 0;
            const char *v = sks_model_input_vocab(self->model, c, i, &len);
            PyObject *str = PyUnicode_DecodeUTF8(v, (Py_ssize_t)len, "strict");
            if (str == NULL)
                Py_CLEAR(cats);
            else
                PyList_SET_ITEM(cats, i, str);
        }
        PyObject *item = cats == NULL ? NULL
                                      : Py_BuildValue("{s:z,s:s,s:O}", "name", name, "kind",
                                                      sks_input_kind_name(sks_model_input_kind(self->model, c)),
                                                      "categories", cats);
        Py_XDECREF(cats);
        if (item == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, c, item);
    }
    return list;
}

/* info()["outputs"]["contributions"]["names"]: what each value of a raw
 * score column's run is (the engine's names: input columns, then "bias"). */
static int add_contribution_names(ModelObject *self, PyObject *item)
{
    int32_t nf = self->info.n_features;
    PyObject *names = PyList_New(nf + 1);
    for (int32_t j = 0; names != NULL && j <= nf; j++) {
        char buf[16];
        PyObject *s = PyUnicode_FromString(sks_model_contribution_name(self->model, j, buf, sizeof buf));
        if (s == NULL)
            Py_CLEAR(names);
        else
            PyList_SET_ITEM(names, j, s);
    }
    int rc = names != NULL ? PyDict_SetItemString(item, "names", names) : -1;
    Py_XDECREF(names);
    return rc;
}

/* info()["outputs"]: the outputs the model has, by name ("predict", ...),
 * each {"columns": values per row, "ndim": 1 or 2, "values": "float64",
 * "float32" or "labels"} for float64 input (the engine's output spec). */
static PyObject *make_outputs(ModelObject *self)
{
    static const sks_output all[] = {SKS_OUT_PREDICT, SKS_OUT_PROBA, SKS_OUT_DECISION, SKS_OUT_SCORE_SAMPLES,
                                     SKS_OUT_CONTRIBUTIONS};
    PyObject *d = PyDict_New();
    for (size_t k = 0; d != NULL && k < sizeof all / sizeof all[0]; k++) {
        sks_output_spec spec = SKS_OUTPUT_SPEC_INIT;
        sks_error err;
        if (sks_model_output_spec(self->model, all[k], SKS_F64, &spec, &err) != 0)
            continue; /* the model has no such output */
        const char *values = spec.values == SKS_VALUES_LABEL ? "labels"
                             : spec.values == SKS_VALUES_F32 ? sks_dtype_name(SKS_F32)
                                                             : sks_dtype_name(SKS_F64);
        PyObject *item = Py_BuildValue("{s:L,s:i,s:s}", "columns", (long long)spec.cols, "ndim", spec.ndim,
                                       "values", values);
        if (item != NULL && all[k] == SKS_OUT_CONTRIBUTIONS && add_contribution_names(self, item) < 0)
            Py_CLEAR(item);
        if (item == NULL || PyDict_SetItemString(d, sks_output_name(all[k]), item) < 0)
            Py_CLEAR(d);
        Py_XDECREF(item);
    }
    return d;
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
    PyObject *inputs = strs != NULL && ign != NULL ? make_inputs(self) : NULL;
    PyObject *outputs = inputs != NULL ? make_outputs(self) : NULL;
    if (strs == NULL || ign == NULL || w == NULL || inputs == NULL || outputs == NULL ||
        PyDict_SetItemString(info, "outputs", outputs) < 0 ||
        PyDict_SetItemString(info, "string_columns", strs) < 0 ||
        PyDict_SetItemString(info, "ignored_columns", ign) < 0 ||
        PyDict_SetItemString(info, "n_estimator_features", w) < 0 || PyDict_SetItemString(info, "inputs", inputs) < 0)
        Py_CLEAR(info);
    Py_XDECREF(strs);
    Py_XDECREF(ign);
    Py_XDECREF(w);
    Py_XDECREF(inputs);
    Py_XDECREF(outputs);
    return info;
}

/* _input_kinds(): per input column "number", "string" or "ignored", made
 * once at load (info() builds its whole dict, categories included: too much
 * for every predict call of a model with string columns). */
static PyObject *Model_input_kinds(ModelObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(self->input_kinds);
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
PyDoc_STRVAR(Model_contributions_doc,
             "contributions($self, X, *, n_threads=0)\n--\n\n"
             "Per-feature contributions (path-dependent TreeSHAP) to the model's raw score for X: "
             "probabilities for a forest classifier, the margin (decision_function) for gradient "
             "boosting, XGBoost and LightGBM, the prediction for regressors. Shape (n_samples, "
             "n_features + 1), or (n_samples, n_outputs, n_features + 1) when the raw score has "
             "several columns (classes), as XGBoost's pred_contribs; the last column is the bias "
             "(expected value): bias + the rest = the raw score. Tree models exported with node covers "
             "(format 1.3); others raise AttributeError." SCORE_DOC_TAIL);
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
    {"contributions", (PyCFunction)(void (*)(void))Model_contributions, METH_FASTCALL | METH_KEYWORDS,
     Model_contributions_doc},
    {"info", (PyCFunction)Model_info, METH_NOARGS, Model_info_doc},
    {"_input_kinds", (PyCFunction)Model_input_kinds, METH_NOARGS,
     "_input_kinds($self, /)\n--\n\nPer input column its kind: \"number\", \"string\" or \"ignored\"."},
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

PyType_Spec Model_spec = {
    .name = "skscore.Model",
    .basicsize = sizeof(ModelObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Model_slots,
};
