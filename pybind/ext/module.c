/*
 * module.c -- skscore._skscore itself: its state, the mapping of engine
 * errors to Python exceptions, its functions (_load_file, _load_bytes,
 * _save, _serialize, _set_input_converters) and its initialisation
 * (constants, the Model type, ModelFileError, NumPy's C API).
 *
 * Shape follows CPython's Modules/_bz2module.c: module state, a heap type,
 * one error-mapping function, goto-error cleanup.
 */
#define SKSCORE_EXT_IMPORTS_NUMPY
#include "ext.h"

#include <errno.h>
#include <string.h>

/* ------------------------------------------------------------------ errors */

/* Raises the Python exception for an engine failure. path (may be NULL)
 * is the file involved, for OS errors; loading says whether a description
 * error (SKS_EINVALID) came from a file, which makes it a file error. */
PyObject *raise_engine_error(module_state *st, int rc, const sks_error *err, PyObject *path,
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
    if (err != NULL && (err->row >= 0 || err->column >= 0)) {
        /* A bad input value: the exception also carries .row and .column
         * (None when unknown), for callers that score in batches and name
         * the row in the whole input (`skscore predict`). */
        PyObject *exc = PyObject_CallFunction(exc_type, "s", msg);
        PyObject *row = err->row >= 0 ? PyLong_FromLongLong(err->row) : Py_NewRef(Py_None);
        PyObject *col = err->column >= 0 ? PyLong_FromLongLong(err->column) : Py_NewRef(Py_None);
        if (exc != NULL && row != NULL && col != NULL && PyObject_SetAttrString(exc, "row", row) == 0 &&
            PyObject_SetAttrString(exc, "column", col) == 0)
            PyErr_SetObject(exc_type, exc);
        Py_XDECREF(exc);
        Py_XDECREF(row);
        Py_XDECREF(col);
        return NULL;
    }
    PyErr_SetString(exc_type, msg);
    return NULL;
}

/* ------------------------------------------------------- module functions */

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
