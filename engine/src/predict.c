/*
 * predict.c -- scoring entry point: input checks, threads, the kernels.
 *
 * Owns sks_model_predict: it checks the input's shape, splits rows over
 * threads (pool.c), converts each chunk of rows into the layout its kernel
 * wants (checking every value on the way: NaN, infinities, float32
 * overflow, as scikit-learn's check_array does), has steps.c run the
 * preprocessing steps, runs the kernel (tree.c, linear.c), and has links.c
 * turn each row's raw scores into the asked output. Nothing here knows the
 * file format.
 */
#define _POSIX_C_SOURCE 200809L
#include "job.h"

#include <float.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Rows converted and scored at a time per thread. Large, because each
 * tree is walked by every row of a chunk before the next tree: the more
 * rows, the more each tree's nodes are reused while cached (measured on a
 * 100-tree deep forest, 10,000 rows, one thread: 256 rows 99 ms, 2048 rows
 * 72 ms, 8192 rows 48 ms, 16384 rows 39 ms). Bounded by CHUNK_BYTES of
 * converted input. */
enum { CHUNK_MIN = 256, CHUNK_MAX = 16384, CHUNK_BYTES = 4 << 20 };



/* Copies row r into dst as T (float or double); contiguous rows of either
 * dtype take a loop the compiler vectorizes. Returns the sum of x * 0
 * over the row: NaN exactly when some value converted to T is NaN or
 * infinite, so the common all-finite case costs one test per row. The sum
 * goes in four lanes (its terms are 0 or NaN: any order gives the same
 * answer); in one, it was a chain of dependent adds, four cycles a value. */
#define LOAD_ROW_LOOP(T, VAL)                                                          \
    do {                                                                               \
        int64_t c = 0;                                                                 \
        for (; c + 4 <= nc; c += 4)                                                    \
            for (int k = 0; k < 4; k++) {                                              \
                T x = (T)VAL(c + k);                                                   \
                dst[(c + k) * dst_step] = x;                                           \
                lane[k] += x * 0;                                                      \
            }                                                                          \
        for (; c < nc; c++) {                                                          \
            T x = (T)VAL(c);                                                           \
            dst[c * dst_step] = x;                                                     \
            lane[0] += x * 0;                                                          \
        }                                                                              \
    } while (0)
#define F64_AT(c) f64[c]
#define F32_AT(c) f32[c]
#define ANY_AT(c) read_x(X, r, c)
#define DEFINE_LOAD_ROW(name, T)                                                       \
    static inline T name(const sks_matrix *X, int64_t r, T *dst, int64_t dst_step)     \
    {                                                                                  \
        const int64_t nc = X->n_cols;                                                  \
        const char *p = (const char *)X->data + r * X->row_stride;                     \
        T lane[4] = {0, 0, 0, 0};                                                      \
        if (X->dtype == SKS_F64 && X->col_stride == sizeof(double)) {                  \
            const double *f64 = (const double *)(const void *)p;                       \
            LOAD_ROW_LOOP(T, F64_AT);                                                  \
        } else if (X->dtype == SKS_F32 && X->col_stride == sizeof(float)) {            \
            const float *f32 = (const float *)(const void *)p;                         \
            LOAD_ROW_LOOP(T, F32_AT);                                                  \
        } else {                                                                       \
            LOAD_ROW_LOOP(T, ANY_AT);                                                  \
        }                                                                              \
        return (lane[0] + lane[1]) + (lane[2] + lane[3]);                              \
    }
DEFINE_LOAD_ROW(load_row_f32, float)
DEFINE_LOAD_ROW(load_row_f64, double)

/* Row r has a NaN or infinity somewhere: find the first one sklearn would
 * refuse (a NaN the model allows is skipped). Returns false if none. */
static bool find_bad(job *j, int64_t r, bool as_f32, bool allow_nan, bool allow_inf)
{
    for (int64_t c = 0; c < j->X->n_cols; c++) {
        double v = read_x(j->X, r, c);
        if (as_f32)
            v = (float)v;
        if (isfinite(v) || (isnan(v) && allow_nan) || (isinf(v) && allow_inf))
            continue;
        j->bad = isnan(v) ? 'n' : 'i';
        j->bad_row = r;
        j->bad_col = c;
        return true;
    }
    return false;
}

/* The input column that estimator column c still is (all are, without steps). */
static inline int32_t est_origin(const job *j, int64_t c)
{
    return j->m->est_origin != NULL ? j->m->est_origin[c] : (int32_t)c;
}

/* After the steps: the estimator's own input check on j->row, converted
 * to T at dst (step apart). */
#define DEFINE_STORE_PREP(name, T)                                                         \
    static bool name(job *j, int64_t r, T *dst, int64_t step, bool *has_nan)              \
    {                                                                                      \
        const sks_info *in = &j->m->info;                                                  \
        for (int64_t c = 0; c < j->m->est_width; c++) {                                    \
            T x = (T)j->row[c];                                                            \
            dst[c * step] = x;                                                             \
            if (isnan(x) && !in->allow_nan)                                                \
                return set_bad_in_row(j, 'n', r, est_origin(j, c), c);                            \
            if (isinf(x) && !in->allow_inf)                                                \
                return set_bad_in_row(j, 'i', r, est_origin(j, c), c);                            \
            *has_nan |= !isfinite(x);                                                      \
        }                                                                                  \
        return true;                                                                       \
    }
DEFINE_STORE_PREP(store_prep_f32, float)
DEFINE_STORE_PREP(store_prep_f64, double)

/* Converts rows [r0, r0+n) to float32 row-major, checking as sklearn's
 * check_array(dtype=float32) does. Returns false at the first bad value. */
static bool load_f32(job *j, int64_t r0, int32_t n, float *dst, bool *has_nan)
{
    const int64_t nc = j->m->est_width;
    const bool allow_nan = j->m->info.allow_nan;
    if (j->prep != NULL) {
        for (int32_t i = 0; i < n; i++)
            if (!sks__steps_row(j, r0 + i) || !store_prep_f32(j, r0 + i, dst + (size_t)i * (size_t)nc, 1, has_nan))
                return false;
        return true;
    }
    for (int32_t i = 0; i < n; i++) {
        float probe = load_row_f32(j->X, r0 + i, dst + (size_t)i * (size_t)nc, 1);
        if (probe != 0) { /* NaN: something was not finite */
            if (find_bad(j, r0 + i, true, allow_nan, j->m->info.allow_inf))
                return false;
            *has_nan = true; /* NaN, or only allowed infinities */
        }
    }
    return true;
}

/* Converts rows [r0, r0+n) to float64 row-major for float64-comparing
 * trees, which take infinities when the model says so. */
static bool load_f64(job *j, int64_t r0, int32_t n, double *dst, bool *has_nan)
{
    const int64_t nc = j->m->est_width;
    const sks_info *in = &j->m->info;
    if (j->prep != NULL) {
        for (int32_t i = 0; i < n; i++)
            if (!sks__steps_row(j, r0 + i) || !store_prep_f64(j, r0 + i, dst + (size_t)i * (size_t)nc, 1, has_nan))
                return false;
        return true;
    }
    for (int32_t i = 0; i < n; i++) {
        double probe = load_row_f64(j->X, r0 + i, dst + (size_t)i * (size_t)nc, 1);
        if (probe != 0) {
            if (find_bad(j, r0 + i, false, in->allow_nan, in->allow_inf))
                return false;
            *has_nan = true; /* NaN, or only infinities: the NaN walk is right for both */
        }
    }
    return true;
}

/* Rows [r0, r0 + n) are a full linear block of the input's own
 * contiguous float64 rows (no preprocessing): block_f64t and the kernel
 * that reads rows in place take them as they are. */
static bool contiguous_block(const job *j, int32_t n)
{
    return n == SKS__LIN_BLOCK && j->prep == NULL && j->X->dtype == SKS_F64 && j->X->col_stride == sizeof(double);
}

#ifdef __SSE2__
/* A full block of contiguous float64 rows into dst, feature-major, two
 * features of two rows at a time (a 2 x 2 transpose: two loads, two
 * unpacks, two stores), each row's x * 0 summed on the way in its own
 * lane (NaN when a value is NaN or infinite). False when some row has
 * one: the caller then goes row by row to name it. Scalar, the same
 * transpose took about 650 instructions a row at 100 features, the most
 * of a linear model's time. */
static bool block_f64t(const sks_matrix *X, int64_t r0, int64_t nc, double *dst)
{
    enum { B = SKS__LIN_BLOCK };
    const double *row[B];
    for (int i = 0; i < B; i++)
        row[i] = (const double *)(const void *)((const char *)X->data + (r0 + i) * X->row_stride);
    __m128d probe[B / 2], zero = _mm_setzero_pd();
    for (int i = 0; i < B / 2; i++)
        probe[i] = zero;
    int64_t c = 0;
    for (; c + 2 <= nc; c += 2)
        for (int i = 0; i < B; i += 2) {
            __m128d a = _mm_loadu_pd(row[i] + c), b = _mm_loadu_pd(row[i + 1] + c);
            _mm_storeu_pd(dst + (size_t)c * B + (size_t)i, _mm_unpacklo_pd(a, b));
            _mm_storeu_pd(dst + (size_t)(c + 1) * B + (size_t)i, _mm_unpackhi_pd(a, b));
            probe[i / 2] = _mm_add_pd(probe[i / 2], _mm_add_pd(_mm_mul_pd(a, zero), _mm_mul_pd(b, zero)));
        }
    for (; c < nc; c++)
        for (int i = 0; i < B; i += 2) {
            __m128d v = _mm_set_pd(row[i + 1][c], row[i][c]);
            _mm_storeu_pd(dst + (size_t)c * B + (size_t)i, v);
            probe[i / 2] = _mm_add_pd(probe[i / 2], _mm_mul_pd(v, zero));
        }
    __m128d all = _mm_add_pd(_mm_add_pd(probe[0], probe[1]), _mm_add_pd(probe[2], probe[3]));
    return _mm_movemask_pd(_mm_cmpunord_pd(all, all)) == 0;
}
#endif

/* Converts up to SKS__LIN_BLOCK rows to float64 feature-major blocks. */
static bool load_f64t(job *j, int64_t r0, int32_t n, double *dst)
{
    const int64_t nc = j->m->est_width;
    bool ignored = false;
#ifdef __SSE2__
    _Static_assert(SKS__LIN_BLOCK == 8, "block_f64t takes four pairs of rows");
    if (contiguous_block(j, n) && block_f64t(j->X, r0, nc, dst))
        return true;
#endif
    for (int32_t i = 0; i < n; i++) {
        if (j->prep != NULL) {
            if (!sks__steps_row(j, r0 + i) || !store_prep_f64(j, r0 + i, dst + i, SKS__LIN_BLOCK, &ignored))
                return false;
            continue;
        }
        double probe = load_row_f64(j->X, r0 + i, dst + i, SKS__LIN_BLOCK);
        if (probe != 0 && find_bad(j, r0 + i, false, false, false))
            return false;
    }
    for (int32_t i = n; i < SKS__LIN_BLOCK; i++)
        for (int64_t c = 0; c < nc; c++)
            dst[(size_t)c * SKS__LIN_BLOCK + (size_t)i] = 0.0;
    return true;
}

/* A full block of contiguous float64 rows scored where they are (linear.c:
 * sks__linear_score_rows), when this CPU has a kernel for it and every
 * sum is finite: a value that is not finite would have made its row's
 * sums NaN or infinite, so a block with one goes through load_f64t, which
 * names it (sums that overflow take the same way and get the same bits). */
static bool linear_in_place(job *j, int64_t r0, int32_t n, double *raw, bool by_target)
{
    const sks_matrix *X = j->X;
    if (!contiguous_block(j, n))
        return false;
    const double *x = (const double *)(const void *)((const char *)X->data + r0 * X->row_stride);
    return sks__linear_score_rows(&j->m->linear, x, X->row_stride, (int32_t)j->m->est_width, raw, by_target) == 1;
}

/* One predict call's rows, shared by the threads scoring them (pool.c):
 * each takes a job of its own (its scratch and its first bad value) and
 * claims blocks of rows from `next` until none are left. */
typedef struct share {
    job proto;            /* what every job starts as (r0, r1 unset) */
    job *jobs;            /* one per thread that joined */
    int max_jobs;
    _Atomic int joined;
    _Atomic int64_t next; /* first row not yet claimed (by trees: first part) */
    int64_t n_rows, block; /* smallest claim */
    int64_t split, align;  /* a claim takes 1/split of the rows left, a multiple of align */
    _Atomic bool stop;    /* a bad value or no memory: claim no more */
    /* Forests split by trees (score_trees): */
    bool by_trees;
    int32_t chunk, tree_block, tree_parts; /* rows per chunk; trees per part, parts */
    void *xbuf;                /* the chunk's rows, converted */
    int32_t *slots;            /* their leaves, tree by tree */
    double *sums;              /* their sums */
    _Atomic int64_t *walked;   /* per tree part: 1 + the chunk it was last walked for */
    _Atomic int64_t done;      /* parts finished */
    _Atomic int64_t added;     /* tree parts added to the sums, over all chunks */
    _Atomic bool adding;       /* a thread is adding one */
    _Atomic int64_t nan_chunk; /* 1 + the last chunk with a NaN or infinity */
} share;

static void score_rows(share *s, job *j);

/* One row's contributions into out (n_raw runs of n_features + 1): the
 * estimator's columns' (est: n_raw runs of est_width + 1), each added to
 * the input column its value comes from (steps.c: est_source; a constant
 * column has none and no contribution); the bias stays last. */
static void contributions(const sks_model *m, const void *row, double *scratch, double *est, double *out)
{
    const int32_t nc = m->est_width, nf = m->info.n_features;
    if (m->est_source == NULL) { /* no steps: the estimator's columns are the input's */
        sks__shap_row(&m->forest, row, nc, scratch, out);
        return;
    }
    sks__shap_row(&m->forest, row, nc, scratch, est);
    for (int32_t k = 0; k < m->n_raw; k++) {
        const double *e = est + (size_t)k * ((size_t)nc + 1);
        double *o = out + (size_t)k * ((size_t)nf + 1);
        memset(o, 0, (size_t)nf * sizeof(double));
        for (int32_t c = 0; c < nc; c++)
            if (m->est_source[c] >= 0)
                o[m->est_source[c]] += e[c];
        o[nf] = e[nc];
    }
}

/* Scores with subnormals honoured: a caller's thread may run with
 * denormals-are-zero / flush-to-zero set (a library built with -ffast-math
 * sets them process-wide), which would read a subnormal threshold (the
 * float32 below 0.0 of an XGBoost split) or input as 0. */
static void run_share(void *arg)
{
    share *s = arg;
    int id = atomic_fetch_add(&s->joined, 1);
    if (id >= s->max_jobs)
        return;
    job *j = &s->jobs[id];
    *j = s->proto;
#ifdef __SSE__
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr & ~0x8040u); /* clear DAZ (bit 6) and FTZ (bit 15) */
    score_rows(s, j);
    _mm_setcsr(csr);
#else
    score_rows(s, j);
#endif
}

/* Rows [r0, r0 + n) converted for the forest's kernels into x. */
static bool load_rows(job *j, int64_t r0, int32_t n, void *x, bool *has_nan)
{
    const sks_model *m = j->m;
    if (m->forest.nodes64 == NULL)
        return load_f32(j, r0, n, x, has_nan);
    if (!load_f64(j, r0, n, x, has_nan))
        return false;
    if (m->forest.round_rows) /* XGBoost reads float32 */
        for (size_t k = 0; k < (size_t)n * (size_t)m->est_width; k++)
            ((double *)x)[k] = (float)((double *)x)[k];
    return true;
}

/* Rows [r0, r0 + n)'s raw scores into the asked output. */
static void finish_rows(job *j, int64_t r0, int32_t n, double *raw)
{
    double *out = &j->out[(size_t)r0 * (size_t)j->cols];
    sks__finish_rows(j->m, j->what, raw, n, out, j->cols);
    if (j->m->info.output_dtype == SKS_F32) /* XGBoost's outputs are float32 (survival:aft: exp in double) */
        for (size_t i = 0; i < (size_t)n * (size_t)j->cols; i++)
            out[i] = (float)out[i];
}

/*
 * Forests split by trees. Rows go in chunks; each chunk in three rounds of
 * parts, claimed one at a time from s->next by whichever thread is free:
 * PART_ROWS rows converted into s->xbuf (and their sums begun); then
 * s->tree_block trees walked over all the chunk's rows, their leaves kept
 * in s->slots; then PART_ROWS rows' sums finished. A part starts once
 * every part of the rounds before it is done (s->done counts them: a part
 * finishes only after those before its round, so a count is enough); the
 * last round, once every tree is added (below).
 *
 * The walked trees' leaves go into the sums in tree order (the same bits
 * as one thread's): a thread that has walked a part adds it, and then any
 * later parts already walked, when the parts before it are added and no
 * other thread is adding (s->added, s->adding). Each tree is added over
 * all the chunk's rows at once, while its leaf values are still cached
 * (adding rows a few at a time over every tree missed the cache on most
 * leaves: a tenth of the instructions but a third of the time, on a
 * 100-tree deep forest).
 *
 * Every tree is still walked by all the chunk's rows at once, as one
 * thread walks it; but a thread slowed by another process now holds up
 * the call by a part at most, where a fixed share of rows held it up by
 * half the work.
 */
enum { PART_ROWS = 512 };

static int64_t chunk_parts(const share *s, int64_t n)
{
    return 2 * ((n + PART_ROWS - 1) / PART_ROWS) + s->tree_parts;
}

/* The rows [*a, *b) of row part p of a chunk of n rows. */
static void part_rows(int64_t p, int32_t n, int32_t *a, int32_t *b)
{
    *a = (int32_t)p * PART_ROWS;
    *b = n - *a < PART_ROWS ? n : *a + PART_ROWS;
}

/* The trees [*t0, *t1) of tree part q. */
static void part_trees(const share *s, int64_t q, int32_t *t0, int32_t *t1)
{
    const int32_t n_trees = s->proto.m->forest.n_trees;
    *t0 = (int32_t)q * s->tree_block;
    *t1 = n_trees - *t0 < s->tree_block ? n_trees : *t0 + s->tree_block;
}

/* Waits until *count reaches `want`; false if the call stopped. Spins a
 * while first: what is waited for is usually microseconds away, and a
 * thread that yields its CPU to another process can be off it for
 * milliseconds, holding up the call's end. */
static bool wait_for(share *s, _Atomic int64_t *count, int64_t want)
{
    for (unsigned spins = 0; atomic_load_explicit(count, memory_order_acquire) < want; spins++) {
        if (atomic_load_explicit(&s->stop, memory_order_relaxed))
            return false;
        if (spins < 2000)
            sks__spin_pause();
        else
            sched_yield();
    }
    return true;
}

/* Adds chunk k's walked tree parts to its n rows' sums, in order, while
 * the next one is walked and no other thread is adding. A thread that
 * finds the next part not walked leaves it to the one walking it, which
 * looks again after marking it walked (sequentially consistent: of the two,
 * one sees the other). */
static void add_walked(share *s, int64_t k, int32_t n)
{
    const sks__forest *f = &s->proto.m->forest;
    for (;;) {
        int64_t a = atomic_load(&s->added), q = a - k * s->tree_parts;
        if (q < 0 || q >= s->tree_parts || atomic_load(&s->walked[q]) != k + 1)
            return;
        bool idle = false;
        if (!atomic_compare_exchange_strong(&s->adding, &idle, true))
            return;
        if (atomic_load(&s->added) == a) { /* not added meanwhile */
            int32_t t0, t1;
            part_trees(s, q, &t0, &t1);
            sks__forest_add(f, s->slots, n, t0, t1, s->sums);
            atomic_store(&s->added, a + 1);
        }
        atomic_store(&s->adding, false);
    }
}

static void score_trees(share *s, job *j)
{
    const sks__forest *f = &j->m->forest;
    const int32_t nc = j->m->est_width, nv = f->n_values;
    const size_t xsize = f->nodes64 != NULL ? sizeof(double) : sizeof(float);
    const int64_t per_chunk = chunk_parts(s, s->chunk), full = s->n_rows / s->chunk;
    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        const int64_t i = atomic_fetch_add(&s->next, 1);
        const int64_t k = i / per_chunk < full ? i / per_chunk : full; /* the chunk */
        const int64_t start = k * per_chunk, c0 = k * s->chunk;
        const int32_t n = (int32_t)(s->n_rows - c0 < s->chunk ? s->n_rows - c0 : s->chunk);
        const int32_t rows = (int32_t)((n + PART_ROWS - 1) / PART_ROWS);
        const int64_t p = i - start; /* the part, in the chunk */
        if (c0 >= s->n_rows || p >= chunk_parts(s, n))
            break;
        if (p < rows) { /* convert, begin the sums */
            if (!wait_for(s, &s->done, start))
                break;
            int32_t a, b;
            part_rows(p, n, &a, &b);
            bool has_nan = false;
            if (!load_rows(j, c0 + a, b - a, (char *)s->xbuf + (size_t)a * (size_t)nc * xsize, &has_nan)) {
                atomic_store(&s->stop, true);
                break;
            }
            if (has_nan)
                atomic_store_explicit(&s->nan_chunk, k + 1, memory_order_relaxed);
            sks__forest_begin(f, b - a, s->sums + (size_t)a * (size_t)nv);
        } else if (p < rows + s->tree_parts) { /* walk */
            if (!wait_for(s, &s->done, start + rows))
                break;
            int64_t q = p - rows;
            int32_t t0, t1;
            part_trees(s, q, &t0, &t1);
            bool has_nan = atomic_load_explicit(&s->nan_chunk, memory_order_relaxed) == k + 1;
            sks__forest_leaves(f, s->xbuf, n, nc, has_nan, t0, t1, s->slots);
            atomic_store(&s->walked[q], k + 1);
            add_walked(s, k, n);
        } else { /* finish, once every tree is added */
            if (!wait_for(s, &s->added, (k + 1) * s->tree_parts))
                break;
            int32_t a, b;
            part_rows(p - rows - s->tree_parts, n, &a, &b);
            sks__forest_end(f, b - a, s->sums + (size_t)a * (size_t)nv);
            finish_rows(j, c0 + a, b - a, s->sums + (size_t)a * (size_t)nv);
        }
        atomic_fetch_add_explicit(&s->done, 1, memory_order_release);
    }
}

static void score_rows(share *s, job *j)
{
    const sks_model *m = j->m;
    const int64_t nc = m->est_width;
    const int32_t nr = m->n_raw;
    bool trees = m->info.kind == SKS_EST_TREES;
    const bool lanes = !trees && sks__softmax_lanes_fit(m, j->what); /* linear softmax, rows in lanes */
    bool f64 = trees && m->forest.nodes64 != NULL;
    size_t xsize = f64 ? sizeof(double) : sizeof(float);
    int64_t chunk = trees ? CHUNK_BYTES / (int64_t)((size_t)nc * xsize) : SKS__LIN_BLOCK;
    if (trees)
        chunk = chunk < CHUNK_MIN ? CHUNK_MIN : (chunk > CHUNK_MAX ? CHUNK_MAX : chunk);
    if (trees) { /* no larger than the first claim */
        int64_t biggest = s->n_rows / s->split;
        if (biggest < s->block)
            biggest = s->block;
        if (chunk > biggest)
            chunk = biggest;
    }
    /* Split by trees, the converted rows and the sums are shared (s). */
    const bool own = !s->by_trees;
    size_t xbytes = trees ? (size_t)chunk * (size_t)nc * xsize : (size_t)nc * SKS__LIN_BLOCK * sizeof(double);
    void *xbuf = own ? malloc(xbytes) : NULL;
    double *raw = own ? malloc((size_t)chunk * (size_t)nr * sizeof(double)) : NULL;
    void *scratch = trees && own ? malloc(sks__forest_scratch(&m->forest, (int32_t)nc)) : NULL;
    const bool contrib = j->what == SKS_OUT_CONTRIBUTIONS; /* trees with covers (checked) */
    /* The estimator's columns' contributions, then summed per input column. */
    const size_t est_contrib = (size_t)nr * ((size_t)nc + 1);
    double *shap = contrib ? malloc((sks__shap_scratch(&m->forest) + est_contrib) * sizeof(double)) : NULL;
    bool use_prep = m->info.n_steps > 0 || j->T != NULL;
    if (use_prep) {
        j->prep = malloc((size_t)m->prep_width * sizeof(double));
        j->prep2 = malloc((size_t)m->prep_width * sizeof(double));
    }
    if ((own && (xbuf == NULL || raw == NULL || (trees && scratch == NULL))) || (contrib && shap == NULL) ||
        (use_prep && (j->prep == NULL || j->prep2 == NULL))) {
        j->nomem = true;
        atomic_store(&s->stop, true);
        goto done;
    }
    if (s->by_trees) {
        score_trees(s, j);
        goto done;
    }
    /* Blocks are claimed in row order, so every row before a bad value is
     * scored, or holds an earlier one: the lowest bad row over all jobs is
     * the input's first. */
    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        /* Guided: a share of what is left, never under s->block. */
        int64_t b0 = atomic_load(&s->next), len = 0;
        do {
            if (b0 >= s->n_rows)
                break;
            len = (s->n_rows - b0) / s->split;
            if (len < s->block)
                len = s->block;
            if (s->align > 1)
                len = (len + s->align - 1) / s->align * s->align;
        } while (!atomic_compare_exchange_weak(&s->next, &b0, b0 + len));
        if (b0 >= s->n_rows)
            break;
        j->r0 = b0;
        j->r1 = b0 + len < s->n_rows ? b0 + len : s->n_rows;
        for (int64_t r0 = j->r0; r0 < j->r1;) {
            int32_t n;
            if (trees) {
                n = (int32_t)(j->r1 - r0 < chunk ? j->r1 - r0 : chunk);
                bool has_nan = false;
                if (!load_rows(j, r0, n, xbuf, &has_nan))
                    goto bad;
                if (contrib) {
                    for (int32_t i = 0; i < n; i++)
                        contributions(m, (const char *)xbuf + (size_t)i * (size_t)nc * xsize, shap,
                                      shap + sks__shap_scratch(&m->forest),
                                      &j->out[(size_t)(r0 + i) * (size_t)j->cols]);
                    r0 += n;
                    continue;
                }
                sks__forest_score(&m->forest, xbuf, n, (int32_t)nc, has_nan, scratch, raw);
            } else {
                n = (int32_t)(j->r1 - r0 < SKS__LIN_BLOCK ? j->r1 - r0 : SKS__LIN_BLOCK);
                if (lanes && linear_in_place(j, r0, n, raw, true)) { /* a softmax with rows in lanes */
                    sks__softmax_lanes(m, raw, &j->out[(size_t)r0 * (size_t)j->cols], j->cols);
                    r0 += n;
                    continue;
                }
                /* (where the lanes' kernel failed, the other layout would too) */
                if (lanes || !linear_in_place(j, r0, n, raw, false)) {
                    if (!load_f64t(j, r0, n, xbuf))
                        goto bad;
                    sks__linear_score(&m->linear, xbuf, n, (int32_t)nc, raw);
                }
            }
            finish_rows(j, r0, n, raw);
            r0 += n;
        }
    }
    goto done;
bad:
    atomic_store(&s->stop, true);
done:
    free(xbuf);
    free(raw);
    free(scratch);
    free(shap);
    free(j->prep);
    free(j->prep2);
    j->prep = j->prep2 = NULL;
}

static void free_shared(share *s)
{
    free(s->xbuf);
    free(s->slots);
    free(s->sums);
    free((void *)s->walked);
}

/* Scores n_rows rows of X or T (one is NULL), checked by the callers. */
static int predict_rows(const sks_model *m, sks_output what, const sks_matrix *X, const sks_table *T, int64_t n_rows,
                        bool f32, double *out, size_t out_len, int n_threads, sks_error *err)
{
    int64_t cols;
    int rc = sks_model_output_cols(m, what, &cols, err);
    if (rc != 0)
        return rc;
    const sks_info *in = &m->info;
    const char *est = in->estimator[0] ? in->estimator : "the model";
    if (n_rows == 0)
        return 0;
    if ((uint64_t)n_rows > SIZE_MAX / 8 / (uint64_t)cols || out == NULL || out_len < (size_t)n_rows * (size_t)cols)
        return sks__fail(err, SKS_EBUFSIZE, "output needs %lld x %lld values", (long long)n_rows, (long long)cols);

    /* Threads only when each gets enough work to repay waking a pool
     * thread and waiting for its last block (10-20 us here). Units: a tree
     * node visit (a few ns); linear multiply-adds run several at a time, so
     * eight count as one (LogisticRegression, 100 features x 5 classes: at
     * 100 rows 2 threads measured 0.53x of 1 when each multiply-add counted
     * as a unit; 1,000 rows gain 1.3x). */
    const bool contrib = what == SKS_OUT_CONTRIBUTIONS; /* every node of every tree, per row */
    double row_cost = contrib ? (double)in->n_nodes * (in->max_depth + 1.0)
                      : in->kind == SKS_EST_TREES
                          ? (double)in->n_trees * (in->max_depth / 2.0 + 1.0)
                          : (double)m->est_width * (double)m->linear.n_targets / 8.0;
    /* ~20,000 units per thread. */
    int64_t min_rows = (int64_t)(20000.0 / (row_cost + 1.0)) + 1;
    int64_t useful = n_rows / min_rows;
    int nt = 1;
    if (useful > 1 && n_threads != 1) {
        nt = n_threads > 0 ? n_threads : sks__pool_cpus();
        if (nt > SKS__POOL_MAX)
            nt = SKS__POOL_MAX;
        if ((int64_t)nt > useful)
            nt = (int)useful;
    }

    /* Claims. Linear models, forests walked in blocks (they fit the
     * cache: boosted trees) and contributions: a thread takes 1/(2 nt) of
     * the rows left, so claims shrink as the work runs out and a thread
     * slowed by other work takes less. Larger forests: by trees (below;
     * boosted trees split so ran 1.0-1.3x at 2 threads against 1.5-1.9x
     * with rows claimed). Larger forests with too few trees for that: one
     * equal share of rows per thread, because a chunk's rows share each
     * tree's cached nodes and smaller chunks cost more per row (CHUNK_*; on
     * a 100-tree deep forest, 10,000 rows at 2 threads, shrinking claims of
     * rows measured 1.2-1.5x slower on a quiet machine than halves). Every
     * claim repays itself (min_rows). */
    const sks__forest *f = &m->forest;
    const bool deep = in->kind == SKS_EST_TREES && !contrib && !sks__forest_walks_blocks(f);
    int64_t block = min_rows;
    int64_t split = nt > 1 ? 2 * (int64_t)nt : 1;
    if (deep && f->n_trees < 2 * nt) {
        split = nt;
        if (block < (n_rows + nt - 1) / nt)
            block = (n_rows + nt - 1) / nt;
    }
    job jobs[SKS__POOL_MAX];
    share s = {.proto = (job){.m = m, .what = what, .X = X, .T = T, .f32 = f32, .out = out, .cols = cols,
                              .bad_row = -1, .bad_col = -1},
               .jobs = jobs, .max_jobs = nt, .n_rows = n_rows, .block = block, .split = split,
               .align = in->kind == SKS_EST_TREES ? 1 : SKS__LIN_BLOCK};
    /* Larger forests with trees enough for every thread are split by
     * trees (score_trees): about 32 parts per thread, in chunks of rows
     * whose converted values fit CHUNK_BYTES and leaves SLOT_BYTES. */
    if (deep && nt > 1 && f->n_trees >= 2 * nt) {
        enum { SLOT_BYTES = 8 << 20 };
        size_t xsize = f->nodes64 != NULL ? sizeof(double) : sizeof(float);
        int64_t chunk = CHUNK_BYTES / (int64_t)((size_t)m->est_width * xsize + 1);
        int64_t by_slots = SLOT_BYTES / ((int64_t)f->n_trees * (int64_t)sizeof(int32_t));
        chunk = chunk < by_slots ? chunk : by_slots;
        chunk = chunk < PART_ROWS ? PART_ROWS : (chunk > CHUNK_MAX ? CHUNK_MAX : chunk);
        s.chunk = (int32_t)(chunk < n_rows ? chunk : n_rows);
        s.tree_block = (int32_t)((f->n_trees + 32 * nt - 1) / (32 * nt));
        s.tree_parts = (f->n_trees + s.tree_block - 1) / s.tree_block;
        s.xbuf = malloc((size_t)s.chunk * (size_t)m->est_width * xsize + 1);
        s.slots = malloc((size_t)s.chunk * (size_t)f->n_trees * sizeof(int32_t));
        s.sums = malloc((size_t)s.chunk * (size_t)f->n_values * sizeof(double));
        s.walked = malloc((size_t)s.tree_parts * sizeof *s.walked);
        if (s.xbuf == NULL || s.slots == NULL || s.sums == NULL || s.walked == NULL) {
            free_shared(&s);
            return sks__fail(err, SKS_ENOMEM, "out of memory while scoring");
        }
        for (int32_t q = 0; q < s.tree_parts; q++)
            atomic_init(&s.walked[q], 0);
        s.by_trees = true;
    }
    atomic_init(&s.joined, 0);
    atomic_init(&s.next, 0);
    atomic_init(&s.stop, false);
    atomic_init(&s.done, 0);
    atomic_init(&s.added, 0);
    atomic_init(&s.adding, false);
    atomic_init(&s.nan_chunk, 0);
    sks__pool_run(nt, run_share, &s);
    free_shared(&s);

    int joined = atomic_load(&s.joined);
    if (joined > nt)
        joined = nt;
    int first = -1; /* the job holding the input's first bad row */
    for (int t = 0; t < joined; t++) {
        if (jobs[t].nomem)
            return sks__fail(err, SKS_ENOMEM, "out of memory while scoring");
        if (jobs[t].bad && (first < 0 || jobs[t].bad_row < jobs[first].bad_row))
            first = t;
    }
    if (first >= 0) {
        int t = first;
        long long row = jobs[t].bad_row, col = jobs[t].bad_col;
        /* A column the preprocessing made (an encoder's, a product) is not
         * one the caller sent: say so. */
        const char *which = jobs[t].bad_derived ? "preprocessed column" : "column";
        if (err != NULL) {
            err->row = row;
            err->column = jobs[t].bad_derived ? -1 : col;
        }
        switch (jobs[t].bad) {
        case 'I':
            return sks__fail(err, SKS_EVALUE,
                             "Input X contains infinity or a value too large for dtype('float64') (row %lld, column %lld).",
                             row, col);
        case 'n':
            return sks__fail(err, SKS_EVALUE,
                             "Input X contains NaN (row %lld, %s %lld). %s does not accept missing values encoded as NaN natively.",
                             row, which, col, est);
        case 'N':
            return sks__fail(err, SKS_EVALUE,
                             "Input X contains NaN (row %lld, column %lld): a preprocessing step of %s "
                             "(Normalizer, PolynomialFeatures, an imputer whose missing values are not NaN) "
                             "does not accept NaN.",
                             row, col, est);
        case 'u': {
            /* The value as the caller sent it: a table's string, else the number. */
            const char *name = jobs[t].bad_derived ? NULL : sks_model_feature_name(m, (int32_t)col);
            char value[96];
            const sks_column *sc = T != NULL && !jobs[t].bad_derived && sks_model_input_kind(m, (int32_t)col) == SKS_INPUT_STRING
                                       ? &T->cols[col] : NULL;
            if (sc != NULL && sc->str[row] == SKS_STR_NONE)
                snprintf(value, sizeof value, "[None]");
            else if (sc != NULL && sc->str[row] == NULL)
                snprintf(value, sizeof value, "[nan]");
            else if (sc != NULL)
                snprintf(value, sizeof value, "['%.*s%s']", (int)(sc->len[row] < 64 ? sc->len[row] : 64), sc->str[row],
                         sc->len[row] > 64 ? "..." : "");
            else
                snprintf(value, sizeof value, "[%.17g]", jobs[t].bad_value);
            return sks__fail(err, SKS_EVALUE,
                             "Found unknown categories %s in %s %lld%s%.64s%s during transform (row %lld); "
                             "the encoder was fitted with handle_unknown='error'.",
                             value, which, col, name ? " (\"" : "", name ? name : "", name ? "\")" : "", row);
        }
        default:
            return sks__fail(err, SKS_EVALUE,
                             "Input X contains infinity or a value too large for dtype('%s') (row %lld, %s %lld).",
                             in->kind == SKS_EST_TREES && m->forest.nodes64 == NULL ? "float32" : "float64", row,
                             which, col);
        }
    }
    return 0;
}

static int wrong_width(const sks_model *m, int64_t n_cols, sks_error *err)
{
    const char *est = m->info.estimator[0] ? m->info.estimator : "the model";
    if (err != NULL)
        err->column = n_cols;
    return sks__fail(err, SKS_ESHAPE, "X has %lld features, but %s is expecting %d features as input.",
                     (long long)n_cols, est, m->info.n_features);
}

int sks_model_predict(const sks_model *m, sks_output what, const sks_matrix *X, double *out, size_t out_len,
                      int n_threads, sks_error *err)
{
    sks__error_clear(err);
    if (m == NULL || X == NULL)
        return sks__fail(err, SKS_EARG, "sks_model_predict: NULL argument");
    if (X->dtype != SKS_F32 && X->dtype != SKS_F64)
        return sks__fail(err, SKS_EARG, "unknown input dtype %d", (int)X->dtype);
    if (X->n_rows < 0 || X->n_cols < 0 || (X->n_rows > 0 && X->data == NULL))
        return sks__fail(err, SKS_EARG, "input matrix has a negative size or no data");
    if (X->n_cols != m->info.n_features)
        return wrong_width(m, X->n_cols, err);
    if (m->info.n_string_columns > 0) {
        for (int32_t c = 0; c < m->info.n_features; c++)
            if (sks_model_input_kind(m, c) == SKS_INPUT_STRING) {
                const char *name = sks_model_feature_name(m, c);
                if (err != NULL)
                    err->column = c;
                return sks__fail(err, SKS_ESHAPE,
                                 "column %d%s%.64s%s takes strings, which a numeric matrix cannot hold: pass a table "
                                 "(a DataFrame, or rows with strings)",
                                 c, name ? " (\"" : "", name ? name : "", name ? "\")" : "");
            }
    }
    return predict_rows(m, what, X, NULL, X->n_rows, X->dtype == SKS_F32, out, out_len, n_threads, err);
}

int sks_model_predict_table(const sks_model *m, sks_output what, const sks_table *T, double *out, size_t out_len,
                            int n_threads, sks_error *err)
{
    sks__error_clear(err);
    if (m == NULL || T == NULL || (T->n_cols > 0 && T->cols == NULL))
        return sks__fail(err, SKS_EARG, "sks_model_predict_table: NULL argument");
    if (T->n_rows < 0 || T->n_cols < 0)
        return sks__fail(err, SKS_EARG, "input table has a negative size");
    if (T->n_cols != m->info.n_features)
        return wrong_width(m, T->n_cols, err);
    bool all_f32 = true;
    for (int32_t c = 0; c < m->info.n_features; c++) {
        const sks_column *col = &T->cols[c];
        sks_input_kind want = sks_model_input_kind(m, c);
        bool want_str = want == SKS_INPUT_STRING;
        bool is_str = col->kind == SKS_COL_STR;
        if (want == SKS_INPUT_IGNORED)
            continue; /* ignored: never read */
        if (col->kind != SKS_COL_F32 && col->kind != SKS_COL_F64 && !is_str)
            return sks__fail(err, SKS_EARG, "input column %d has unknown kind %d", c, (int)col->kind);
        if (T->n_rows > 0 && (is_str ? (col->str == NULL || col->len == NULL) : col->data == NULL))
            return sks__fail(err, SKS_EARG, "input column %d has no data", c);
        if (want_str != is_str) {
            const char *name = sks_model_feature_name(m, c);
            if (err != NULL)
                err->column = c;
            return sks__fail(err, SKS_ESHAPE, "column %d%s%.64s%s takes %s, not %s", c, name ? " (\"" : "",
                             name ? name : "", name ? "\")" : "", want_str ? "strings" : "numbers",
                             want_str ? "numbers" : "strings");
        }
        if (!is_str && col->kind != SKS_COL_F32)
            all_f32 = false;
    }
    bool any_num = m->info.n_string_columns < m->info.n_features;
    return predict_rows(m, what, NULL, T, T->n_rows, all_f32 && any_num, out, out_len, n_threads, err);
}
