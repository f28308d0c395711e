/*
 * job.h -- one thread's share of a predict call, as predict.c (input
 * checks, kernels) and steps.c (preprocessing) both see it: the input, the
 * rows, the first bad value found, the steps' scratch rows.
 *
 * Included by predict.c and steps.c only.
 */
#ifndef SKS_JOB_H
#define SKS_JOB_H

#include "internal.h"

#include <stdbool.h>
#include <string.h>

typedef struct job {
    const sks_model *m;
    sks_output what;
    const sks_matrix *X; /* the input: a matrix, */
    const sks_table *T;  /* or a table (then X is NULL) */
    bool f32;            /* the input is float32 (a table: every numeric column) */
    double *out;
    int64_t cols;
    int64_t r0, r1;
    /* first bad value in this job's rows */
    int bad; /* 0, 'n' NaN, 'i' infinity/too large, 'I' infinity before
                a step, 'N' NaN before a step, 'u' a category the encoder
                refuses */
    bool bad_derived; /* bad_col is a column the steps made, not an input's */
    int64_t bad_row, bad_col;
    double bad_value;
    bool nomem;
    /* Models with preprocessing steps, and table input: two rows of
     * prep_width scratch, and the one holding the steps' result. */
    double *prep, *prep2, *row;
} job;

/* A float32 or float64 at p (any alignment), as a double. */
static inline double read_num(const char *p, bool f32)
{
    if (f32) {
        float f;
        memcpy(&f, p, sizeof f);
        return f;
    }
    double d;
    memcpy(&d, p, sizeof d);
    return d;
}

static inline double read_x(const sks_matrix *X, int64_t r, int64_t c)
{
    return read_num((const char *)X->data + r * X->row_stride + c * X->col_stride, X->dtype == SKS_F32);
}

static inline bool set_bad(job *j, int kind, int64_t r, int64_t c)
{
    j->bad = kind;
    j->bad_row = r;
    j->bad_col = c;
    return false;
}

/* A bad value in column c of a row the steps made: named by the input
 * column it still is (origin), or, when the steps made it, by c itself,
 * marked as a preprocessed column. */
static inline bool set_bad_in_row(job *j, int kind, int64_t r, int32_t origin, int64_t c)
{
    j->bad_derived = origin < 0;
    return set_bad(j, kind, r, origin < 0 ? c : origin);
}

/* steps.c: row r through the model's preprocessing steps into j->row;
 * false (with j->bad set) at a value a step's check refuses. */
bool sks__steps_row(job *j, int64_t r);

#endif
