/*
 * internal.h -- declarations shared by the engine's own files.
 *
 * Nothing outside engine/ includes this. It holds the model's in-memory
 * form (the compiled scoring plan), the bounded msgpack reader the loader
 * uses, and the error helpers. Public names live in skscore.h.
 */
#ifndef SKS_INTERNAL_H
#define SKS_INTERNAL_H

#include "skscore.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* ------------------------------------------------------------- errors */

/* Records code and a printf-style message in err (if not NULL); returns
 * code so callers can `return sks__fail(...)`. */
int sks__fail(sks_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sks__failv(sks_error *err, int code, const char *fmt, va_list ap);
void sks__error_clear(sks_error *err);

/* --------------------------------------------------- compiled tree plan */

/*
 * One node of the compiled forest, 16 bytes. All trees share one array,
 * each laid out in pre-order from its root, so an internal node i's left
 * child is i + 1 and its right child i + 1 + skip (skip: the size of the
 * left subtree). Internal nodes: go left when (float)x <= thr, or when x is
 * NaN and the SKS__MISSING_LEFT bit of `feature` is set. Leaves have
 * skip = -1, feature 0 and thr = NaN: their "right child" is themselves,
 * so a walk that keeps stepping stays put; `slot` is the leaf's row of
 * the forest's values.
 */
typedef struct sks__node {
    float thr;
    uint32_t feature; /* feature index | SKS__MISSING_LEFT */
    int32_t skip;     /* right child - left child; -1 in leaves */
    int32_t slot;     /* leaves: value slot */
} sks__node;

/* The float64 layout (HistGradientBoosting, LightGBM: x and thresholds
 * compared as float64), same conventions, 16 bytes: a leaf's value slot
 * is the low 32 bits of its thr, a quiet NaN (tree.c: set_leaf, slot_f64). */
typedef struct sks__node64 {
    double thr;
    uint32_t feature;
    int32_t skip;
} sks__node64;

#define SKS__MISSING_LEFT 0x80000000u
#define SKS__FEATURE_MASK 0x7fffffffu

typedef struct sks__forest {
    sks__node *nodes;     /* float32 comparisons, or NULL */
    sks__node64 *nodes64; /* float64 comparisons, or NULL */
    int64_t n_nodes;
    int32_t n_trees;
    int32_t *roots;  /* n_trees */
    int32_t *depth;  /* n_trees: each tree's deepest leaf (root: 0) */
    int32_t *shallow; /* n_trees: each tree's shallowest leaf */
    double *values;  /* n_slots x leaf_width */
    int64_t n_slots;
    int32_t n_values;   /* raw score columns */
    int32_t leaf_width; /* values per leaf: n_values, or 1 with tree_col */
    int32_t *tree_col;  /* NULL, or per tree the column its leaf adds to */
    double *base;       /* NULL, or n_values starting scores (sum) */
    sks_aggregation aggregation;
    int32_t max_depth;
    uint32_t *cat_bitsets; /* NULL, or n x 16 words (left set, known set) */
    int32_t *node_cat;     /* with cat_bitsets: per node, -1 or its split's
                              bitset pair (kept out of the walked nodes) */
    sks_cat_rule cat_rule;
    bool sum_f32;    /* each tree's value added in float32 (XGBoost) */
    bool round_rows; /* nodes64 rows rounded to float32 first (XGBoost's
                        categorical forests walk the float64 layout) */
    /* NULL, or the forest's trees (or their top levels) again as complete
     * binary trees of clevels[t] levels (tree.c: build_complete): tree t's
     * nodes from cnode_off[t] of cthr (their thresholds) and cfoff, whether
     * NaN goes left at each from cmiss + cnode_off[t]
     * (-1: yes, 0: no); per position of the last level, from cleaf_off[t],
     * either the leaf's values (cleaf, leaf_width each: whole trees) or the
     * compiled node reached (ctop: top levels). */
    void *cthr;      /* float, or double with nodes64 */
    int32_t *cfoff;  /* the split's column in the transposed block, times cstride */
    int8_t *cmiss;
    double *cleaf;
    int32_t *ctop, *clevels, *cnode_off, *cleaf_off;
    /* The complete walks read rows from a transposed block: column k of
     * it (k < n_ccols) is feature ccols[k], cstride rows of it. */
    int32_t *ccols, n_ccols, cstride;
    /* NULL, or the leaf masks layout (tree.c: build_masks, mask_trees),
     * float64 forests whose trees have at most 64 leaves: tree t's splits
     * are qoff[t] .. qoff[t + 1] - 1 of qthr (threshold), qcol (column in
     * the transposed block, times cstride), qmiss (all ones: NaN goes
     * left) and qkeep (the leaves not in the split's left subtree: bit k
     * for the tree's leaf k, left to right); its leaf k's value slot is
     * qslot[t] + k. */
    double *qthr;
    int32_t *qcol, *qoff, *qslot;
    int64_t *qmiss;
    uint64_t *qkeep;
    double *cover;   /* NULL, or per compiled node its cover (format 1.3):
                        what contributions need (shap.c) */
    double *expected; /* with cover: n_values, each raw column's expected
                         value (the bias of contributions) */
    int32_t shap_q;   /* with cover: Gauss-Legendre points of shap.c's walk */
    double *shap_t, *shap_u, *shap_a, *shap_b; /* their places t in [0,1],
                                                  1 - t, weights, and
                                                  weights / (1 - t) (one block) */
    double *shap_share; /* with cover: per node, its share of its parent's cover */
    int32_t *shap_up;   /* with cover: per split, how many levels above it
                           the path last split on its feature, or 0 */
} sks__forest;

typedef struct sks__linear {
    int32_t n_targets;
    double *coef;      /* n_targets x n_features */
    double *intercept; /* n_targets */
} sks__linear;

struct sks_model {
    sks_info info;
    char **feature_names; /* NULL or n_features */
    int64_t *int_labels;
    double *float_labels;
    char **str_labels;
    char **meta_keys, **meta_values;
    char *strings[6]; /* owned: producer_version, source, source_version,
                         estimator, label_dtype, (spare) */
    char checksum[65];
    int32_t n_raw;    /* raw score columns per row */
    double link_params[2];
    bool positive_at_zero;
    sks__forest forest;
    sks__linear linear;
    struct sks__step *steps; /* n_steps */
    int32_t est_width;       /* columns the estimator reads */
    int32_t *est_origin;     /* with steps: per estimator column, the input
                                column it still is, or -1 (error messages) */
    int32_t *est_source;     /* with steps: per estimator column, the input
                                column its value comes from, or SKS__SRC_*
                                (contributions per input column) */
    int mixed_step;          /* 0, or 1 + the kind of the first step that
                                makes a column from several input columns */
    int32_t prep_width;      /* widest row along the steps */
    struct sks__vocab *vocab; /* NULL, or per input column (n == 0: numeric) */
    uint8_t *ignored;         /* NULL, or per input column: read as NaN */
};

enum { SKS__SRC_MIXED = -1, SKS__SRC_CONST = -2 };

/* A compiled encode column: cats and map as in sks_encoding; origin is the
 * input column it comes from (for error messages), or -1. */
typedef struct sks__enc {
    int32_t n_cats;
    double *cats;
    double *map;
    bool onehot, unknown_error;
    int32_t width; /* output columns: 1 for ordinal */
    int32_t origin;
    int32_t dense; /* cats[i] == i for i < dense: looked up by index */
} sks__enc;

/* A compiled preprocessing step: the description's fields with the span
 * resolved against the row's width before the step. */
typedef struct sks__step {
    sks_step_kind kind;
    sks_op op;
    bool cast, round;
    bool missing_set;       /* fill_nan, indicator: missing is `missing`, not NaN */
    double missing;
    sks_check check;        /* what the step refuses in its span */
    int32_t *origin;        /* per column of the row before the step: the
                               input column it is, or -1 (error messages) */
    int32_t offset, width;  /* span */
    int32_t w_in, w_out;    /* row widths before and after */
    double *values;         /* elementwise: width */
    int32_t n_index;
    int32_t *index;         /* select, indicator */
    sks__enc *enc;          /* encode: width */
    sks_norm norm;
    int32_t n_terms;
    int32_t *term_a, *term_b;
} sks__step;

/* A string column's vocabulary: strings in code order, and an open
 * addressing hash table of their codes (code + 1; 0: empty slot). */
typedef struct sks__vocab {
    int32_t n;
    char **s;
    size_t *len;
    int32_t *table;
    uint64_t mask; /* table size - 1 (a power of two, >= 2n) */
} sks__vocab;

/* FNV-1a over n bytes: the vocabulary tables' hash. */
static inline uint64_t sks__hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

/* format.c: the file's names of step kinds, operations, norms and checks,
 * indexed by their enums (sks_op and sks_norm start at 1: [0] is NULL). The
 * writer, the reader and error messages share them. */
extern const char *const sks__step_names[6];
extern const char *const sks__op_names[6];
extern const char *const sks__norm_names[4];
extern const char *const sks__check_names[3];

/* steps.c: checks the input's vocabularies and the steps over the row they
 * work on; gives the estimator's width, and (when not NULL) the row's width
 * before each step (widths, n_steps) and each step's resolved span width
 * (spans, n_steps). */
int sks__steps_check(const sks_desc *d, int32_t *est_width, int32_t *widths, int32_t *spans,
                     sks_error *err);

/* The most columns a row may have, anywhere. */
#define SKS__MAX_FEATURES (1 << 24)

/* steps.c: the preprocessing steps built into m (and freed with it). */
int sks__steps_build(const sks_desc *d, sks_model *m, sks_error *err);
void sks__steps_free(sks_model *m);

/* model.c: copies the engine keeps, and the strings check. */
int sks__check_strs(sks_error *err, const char *const *v, int32_t n, const char *what, bool unique);
char **sks__dup_strs(const char *const *v, int32_t n, bool *fail);
void sks__free_strs(char **v, int32_t n);
void *sks__dup_mem(const void *p, size_t n, bool *fail);

/* model.c (the builder is called by load.c, never by the format files) */
int sks__desc_validate(const sks_desc *d, sks_error *err);
/* contract.c: a caller's description as this engine's struct (fields past
 * its struct_size zero); SKS_EARG when struct_size is unset. */
int sks__desc_accept(const sks_desc *in, sks_desc *out, sks_error *err);
int sks__model_build(const sks_desc *d, const char *producer_version,
                     int format_minor, const char *checksum_hex,
                     sks_model **out, sks_error *err);

/* links.c: NumPy's pairwise sum (np.sum along a contiguous axis), in
 * float64 and float32; and one row's raw scores (m->n_raw) into the asked
 * output (out may be raw). */
double sks__np_sum(const double *a, int64_t n);
float sks__np_sum_f32(const float *a, int64_t n);
void sks__finish_row(const sks_model *m, sks_output what, double *raw, double *out);
/* The same for rows i < n of raw (m->n_raw apart, written over) into out
 * (cols apart). */
void sks__finish_rows(const sks_model *m, sks_output what, double *raw, int32_t n, double *out, int64_t cols);
/* Whether sks__softmax_lanes can finish what for m (a softmax of at most
 * eight classes on a CPU with AVX-512), and that finish: the
 * probabilities of eight rows whose finite raw scores are stored a class
 * at a time (raw[k * 8 + i]), into out (cols apart), with sks__finish_row's
 * bits. */
bool sks__softmax_lanes_fit(const sks_model *m, sks_output what);
void sks__softmax_lanes(const sks_model *m, const double *raw, double *out, int64_t cols);

/* cpu.c: the kernels use AVX2 (AVX-512) where the CPU has it unless
 * sks__avx2 (sks__avx512) is 0, as the tests of the baseline kernels set
 * it; sks__avx2 = 0 keeps them off AVX-512 too. */
extern int sks__avx2, sks__avx512;
bool sks__cpu_avx2(void);
bool sks__cpu_avx512(void);

/* tree.c */
int sks__forest_compile(const sks_desc *d, sks__forest *f, sks_error *err);
void sks__forest_dispose(sks__forest *f);
/* Bytes of scratch sks__forest_score needs for rows of n_features values. */
size_t sks__forest_scratch(const sks__forest *f, int32_t n_features);
/* Raw scores for n rows whose values sit row-major in x (n x n_features,
 * float32, or float64 when the forest has nodes64); out is n x n_values;
 * scratch holds sks__forest_scratch(f, n_features) bytes, aligned as
 * malloc aligns. */
void sks__forest_score(const sks__forest *f, const void *x, int32_t n,
                       int32_t n_features, bool has_nan, void *scratch,
                       double *out);
/* Whether the batch walks take the forest's rows in blocks through every
 * tree (it fits the cache: boosted trees), or its trees one at a time over
 * all the rows (larger forests; predict.c splits those by trees). */
bool sks__forest_walks_blocks(const sks__forest *f);
/* The same sums in steps, for threads that share one block of rows of a
 * forest that does not walk in blocks (predict.c: score_trees; such a
 * forest has no categorical splits): sks__forest_begin sets n rows' sums
 * to where they start; sks__forest_leaves walks trees [t0, t1) and keeps,
 * for tree t and row r, the leaf's value slot at slots[t x n + r];
 * sks__forest_add adds trees [t0, t1)'s leaves to the sums, tree by tree;
 * after the last tree, sks__forest_end. Added in tree order, the bits are
 * sks__forest_score's. */
void sks__forest_begin(const sks__forest *f, int32_t n, double *out);
void sks__forest_leaves(const sks__forest *f, const void *x, int32_t n,
                        int32_t n_features, bool has_nan, int32_t t0,
                        int32_t t1, int32_t *slots);
void sks__forest_add(const sks__forest *f, const int32_t *slots, int32_t n,
                     int32_t t0, int32_t t1, double *out);
void sks__forest_end(const sks__forest *f, int32_t n, double *out);

/* tree.c: one node of the compiled forest, for walks other than the
 * kernels' (shap.c): whether a row (laid out as sks__forest_score reads
 * it) goes left at split i, as the kernels decide; the right child's skip
 * (-1 at a leaf); the split's feature; a leaf's leaf_width values. */
bool sks__node_left(const sks__forest *f, int32_t i, const void *row);

static inline int32_t sks__node_skip(const sks__forest *f, int32_t i)
{
    return f->nodes64 != NULL ? f->nodes64[i].skip : f->nodes[i].skip;
}

static inline int32_t sks__node_feature(const sks__forest *f, int32_t i)
{
    return (int32_t)((f->nodes64 != NULL ? f->nodes64[i].feature : f->nodes[i].feature) & SKS__FEATURE_MASK);
}

static inline const double *sks__leaf_values(const sks__forest *f, int32_t i)
{
    int32_t slot;
    if (f->nodes64 != NULL) { /* the low 32 bits of the leaf's NaN threshold (tree.c: set_leaf) */
        uint64_t bits;
        memcpy(&bits, &f->nodes64[i].thr, sizeof bits);
        slot = (int32_t)(uint32_t)bits;
    } else {
        slot = f->nodes[i].slot;
    }
    return &f->values[(size_t)slot * (size_t)f->leaf_width];
}

/* shap.c: path-dependent TreeSHAP (Lundberg et al. 2020).
 * Scratch doubles contributions need per row; the contributions of one row
 * of n_features values (float32, or float64 with nodes64, as the walks
 * read them) into out: n_values runs of n_features + 1 doubles, the
 * expected value last in each. sks__forest_expected fills f->expected. */
size_t sks__shap_scratch(const sks__forest *f);
void sks__shap_row(const sks__forest *f, const void *row, int32_t n_features, double *scratch, double *out);
int sks__forest_expected(sks__forest *f, sks_error *err);

/* linear.c: rows per block of the feature-major input. */
enum { SKS__LIN_BLOCK = 8 };
/* Raw scores for n <= SKS__LIN_BLOCK rows stored feature-major in xt
 * (n_features x SKS__LIN_BLOCK, zero-padded),
 * out is n x n_targets. */
void sks__linear_score(const sks__linear *l, const double *xt, int32_t n,
                       int32_t n_features, double *out);
/* The same bits for a full block of SKS__LIN_BLOCK contiguous float64 rows
 * read where they are (row i at (char *)x + i * row_stride), without the
 * feature-major copy: 1, or 0 when some sum (before the intercept) is not
 * finite; -1 when this CPU has no kernel for it (one needs AVX-512), out
 * untouched. Rows are not checked: a value that is not finite makes every
 * sum of its row NaN or infinite. out is SKS__LIN_BLOCK x n_targets, or
 * with by_target n_targets x SKS__LIN_BLOCK (a target's eight rows
 * together, as sks__softmax_lanes reads them). */
int sks__linear_score_rows(const sks__linear *l, const double *x, int64_t row_stride,
                           int32_t n_features, double *out, bool by_target);

/* pool.c: the process's persistent scoring threads. Runs fn(ctx) on the
 * calling thread and on up to n_threads - 1 pool threads at once (fn
 * claims its own share of the work, so late or slow helpers do less);
 * returns when every run of fn has returned, and no pool thread starts
 * fn(ctx) after that. n_threads <= 1: fn(ctx) here only. */
enum { SKS__POOL_MAX = 256 };
void sks__pool_run(int n_threads, void (*fn)(void *), void *ctx);
/* CPUs this process may use: its affinity mask, capped by its cgroup's CPU
 * quota (v2 cpu.max, v1 cfs_quota_us) rounded up; asked once. */
int sks__pool_cpus(void);
/* One turn of a spin-wait (x86's pause: cheaper for the CPU's other
 * hyperthread and for power than a bare loop), for the waits that are
 * usually microseconds (pool.c, predict.c). */
static inline void sks__spin_pause(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#endif
}

/* sha256 of data as 64 lowercase hex chars + NUL. */
void sks__sha256_hex(const void *data, size_t len, char hex[65]);

/* ----------------------------------------------- bounded msgpack reader
 *
 * Reads msgpack in place, never allocating and never reading past end.
 * Every accessor checks type and bounds and fails with SKS_EFORMAT naming
 * the byte offset. */
typedef struct sks__mp {
    const uint8_t *base, *p, *end;
    sks_error *err;
} sks__mp;

int sks__mp_map(sks__mp *r, uint32_t *n);
int sks__mp_array(sks__mp *r, uint32_t *n);
int sks__mp_str(sks__mp *r, const char **s, uint32_t *len);
int sks__mp_bin(sks__mp *r, const uint8_t **b, uint32_t *len);
int sks__mp_int(sks__mp *r, int64_t *v);
int sks__mp_float(sks__mp *r, double *v); /* float32/64 or integer */
int sks__mp_bool(sks__mp *r, bool *v);
bool sks__mp_is_nil(const sks__mp *r);
int sks__mp_nil(sks__mp *r);
int sks__mp_skip(sks__mp *r, int depth);
int64_t sks__mp_offset(const sks__mp *r);

#endif
