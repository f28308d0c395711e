/*
 * ext.h -- what the extension's files share: the module's state, the Model
 * object, and each file's entry points.
 *
 * The extension (skscore._skscore) is the Python face of the engine, split
 * by concern, as CPython's larger modules are:
 *   module.c  module state, engine errors -> exceptions, the module's
 *             functions (_load_file, _save, ...) and its initialisation;
 *   desc.c    an exporter's description (a dict) -> sks_desc;
 *   model.c   the Model type: inputs -> sks_matrix/sks_table, scoring
 *             through the engine, results shaped by the engine's output
 *             spec, and the model's attributes.
 * It must not score, parse or write model files (the engine does, so a
 * notebook and a pod share one code path), and imports nothing from the
 * package above it: skscore/_input.py hands its input converters in.
 */
#ifndef SKSCORE_EXT_H
#define SKSCORE_EXT_H

#define PY_SSIZE_T_CLEAN
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
/* One NumPy API table for the module's files; module.c imports it. */
#define PY_ARRAY_UNIQUE_SYMBOL skscore_ext_ARRAY_API
#ifndef SKSCORE_EXT_IMPORTS_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <Python.h>
#include <numpy/arrayobject.h>

#include "skscore.h"

typedef struct {
    PyTypeObject *model_type;
    PyObject *model_file_error; /* skscore.ModelFileError(ValueError) */
    PyObject *as_array;         /* the package's input converters, handed in */
    PyObject *as_table;         /* by _set_input_converters (module.c) */
} module_state;

static inline module_state *get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

typedef struct {
    PyObject_HEAD
    sks_model *model;
    sks_info info;           /* its strings belong to model */
    PyObject *classes;       /* ndarray of labels, or NULL (regressors) */
    PyObject *feature_names; /* ndarray of str (object), or NULL */
    PyObject *input_kinds;   /* tuple: per input column "number", "string" or
                                "ignored" (what every table call reads) */
    int has_proba, has_decision, has_score_samples, has_contributions;
} ModelObject;

/* module.c: raises the Python exception for an engine failure (NULL). path
 * (may be NULL) is the file involved, for OS errors; loading says whether a
 * description error (SKS_EINVALID) came from a file, which makes it a file
 * error. */
PyObject *raise_engine_error(module_state *st, int rc, const sks_error *err, PyObject *path, int loading);

/* desc.c: the description dict an exporter built, as an sks_desc that
 * points into b (and into the objects b keeps alive). 0, or -1 with an
 * exception set; dispose of b either way. */
typedef struct {
    sks_desc d;
    sks_tree_desc *trees;
    sks_step_desc *steps;
    const char **feature_names, **labels, **meta_keys, **meta_values;
    void **mem; /* other PyMem blocks d points into */
    size_t n_mem;
    PyObject *keep; /* list: every object d points into stays alive */
} desc_buf;
int desc_from_dict(PyObject *dict, desc_buf *b);
void desc_buf_dispose(desc_buf *b);

/* model.c: the Model type's spec, and a new Model owning m (m is freed on
 * failure). */
extern PyType_Spec Model_spec;
PyObject *model_wrap(module_state *st, sks_model *m);

#endif
