/*
 * tree.c -- compiling tree ensembles into a scoring plan, and walking it.
 *
 * Owns the forest's memory layout (sks__node, see internal.h) and the
 * kernels that walk it. The layout was chosen by measurement on deep
 * forests (docs/BENCHMARKS.md): such forests are memory-latency bound, so
 * the kernels walk many independent (row, tree) lanes in lockstep, one step
 * per lane per pass, keeping many node loads in flight; leaves point to
 * themselves so a pass needs no per-lane branch.
 *
 * Exactness: scikit-learn casts X to float32 and compares with a float64
 * threshold t. For a float32 x, x <= t exactly when x <= w, w the largest
 * float32 not above t, so thresholds are stored as w and the comparison
 * stays in float32. Leaf values are added per row in tree order, in
 * double, as scikit-learn's forests do.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The largest float32 that is <= t. */
static float f32_floor(double t)
{
    float f = (float)t;
    if ((double)f > t)
        f = nextafterf(f, -INFINITY);
    return f;
}

/* The largest float32 below t: x < t exactly when x <= it, for float32 x. */
static float f32_below(double t)
{
    float f = f32_floor(t);
    return (double)f == t ? nextafterf(f, -INFINITY) : f;
}

/* Writes node i of either layout. Float32 nodes hold the largest float32
 * not above the threshold (exact for float32 x), or below it for "<"
 * comparisons; float64 nodes hold it as is, or for "<" on rows rounded to
 * float32 (round_rows), the float32 below it. Leaves: thr NaN, left =
 * value slot, right = themselves. */
static void set_node(sks__forest *f, sks_compare cmp, int32_t i, double thr, uint32_t feature, int32_t left,
                     int32_t right, int32_t cat)
{
    bool lt = cmp == SKS_CMP_F32_LT && !isnan(thr);
    if (f->nodes64 != NULL)
        f->nodes64[i] = (sks__node64){lt ? (double)f32_below(thr) : thr, feature, left, right, cat};
    else
        f->nodes[i] = (sks__node){isnan(thr) ? NAN : lt ? f32_below(thr) : f32_floor(thr), feature, left, right};
}

/* Adds a leaf's lw values to a row's sums: in float64, or rounded to
 * float32 after the add (XGBoost's float32 sum; the float64 sum of two
 * float32 numbers is exact, so rounding it gives the float32 sum). */
static inline void add_leaf(double *a, const double *v, int32_t lw, bool f32)
{
    if (f32)
        for (int32_t k = 0; k < lw; k++)
            a[k] = (float)(a[k] + v[k]);
    else
        for (int32_t k = 0; k < lw; k++)
            a[k] += v[k];
}

int sks__forest_compile(const sks_desc *d, sks__forest *f, sks_error *err)
{
    memset(f, 0, sizeof(*f));
    int64_t total = 0, slots = 0;
    for (int32_t t = 0; t < d->n_trees; t++) {
        total += d->trees[t].n_nodes;
        for (int32_t i = 0; i < d->trees[t].n_nodes; i++)
            slots += d->trees[t].left[i] == -1;
    }
    if (total > INT32_MAX)
        return sks__fail(err, SKS_EINVALID, "the forest has %lld nodes, more than 2^31 - 1", (long long)total);
    f->n_trees = d->n_trees;
    f->n_values = d->n_values;
    f->leaf_width = d->tree_output != NULL ? 1 : d->n_values;
    f->aggregation = d->aggregation;
    f->sum_f32 = d->sum_f32 != 0;
    const int32_t lw = f->leaf_width;
    /* Categorical splits walk the float64 layout; XGBoost's compare its
     * float32 rows there. */
    f->round_rows = d->compare == SKS_CMP_F32_LT && d->n_cat_bitsets > 0;
    if (d->compare == SKS_CMP_F64_LE || f->round_rows)
        f->nodes64 = malloc((size_t)total * sizeof(sks__node64));
    else
        f->nodes = malloc((size_t)total * sizeof(sks__node));
    f->roots = malloc((size_t)d->n_trees * sizeof(int32_t));
    f->values = malloc((size_t)slots * (size_t)lw * sizeof(double));
    bool fail = false;
    if (d->tree_output != NULL) {
        f->tree_col = malloc((size_t)d->n_trees * sizeof(int32_t));
        if (f->tree_col != NULL)
            memcpy(f->tree_col, d->tree_output, (size_t)d->n_trees * sizeof(int32_t));
        fail |= f->tree_col == NULL;
    }
    if (d->n_cat_bitsets > 0) {
        size_t words = (size_t)d->n_cat_bitsets * 16;
        f->cat_rule = d->cat_rule;
        f->cat_bitsets = malloc(words * sizeof(uint32_t));
        if (f->cat_bitsets != NULL)
            memcpy(f->cat_bitsets, d->cat_bitsets, words * sizeof(uint32_t));
        fail |= f->cat_bitsets == NULL;
    }
    if (d->base != NULL) {
        f->base = malloc((size_t)d->n_values * sizeof(double));
        if (f->base != NULL)
            memcpy(f->base, d->base, (size_t)d->n_values * sizeof(double));
        fail |= f->base == NULL;
    }
    int32_t max_n = 0;
    for (int32_t t = 0; t < d->n_trees; t++)
        if (d->trees[t].n_nodes > max_n)
            max_n = d->trees[t].n_nodes;
    /* Pre-order walk: stack of (source node, depth). */
    int32_t *stack = malloc((size_t)max_n * 2 * sizeof(int32_t));
    int32_t *fix = malloc((size_t)max_n * sizeof(int32_t)); /* new index of a parent awaiting its right child */
    if (fail || (f->nodes == NULL && f->nodes64 == NULL) || f->roots == NULL || f->values == NULL || stack == NULL || fix == NULL) {
        free(stack);
        free(fix);
        sks__forest_dispose(f);
        return sks__fail(err, SKS_ENOMEM, "out of memory compiling %lld tree nodes", (long long)total);
    }
    int32_t next = 0;
    int64_t slot = 0;
    for (int32_t t = 0; t < d->n_trees; t++) {
        const sks_tree_desc *tr = &d->trees[t];
        f->roots[t] = next;
        /* Iterative pre-order: a node's left child is the next index; its
         * right child's index is patched in when the walk reaches it. */
        int32_t top = 0;
        stack[top * 2] = 0;
        stack[top * 2 + 1] = 0;
        fix[top] = -1;
        top++;
        while (top > 0) {
            top--;
            int32_t src = stack[top * 2], depth = stack[top * 2 + 1], parent = fix[top];
            int32_t me = next++;
            if (parent >= 0) {
                if (f->nodes64 != NULL)
                    f->nodes64[parent].right = me;
                else
                    f->nodes[parent].right = me;
            }
            if (depth > f->max_depth)
                f->max_depth = depth;
            if (tr->left[src] == -1) {
                set_node(f, d->compare, me, NAN, 0, (int32_t)slot, me, -1);
                memcpy(&f->values[slot * lw], &tr->value[(size_t)src * (size_t)lw], (size_t)lw * sizeof(double));
                slot++;
                continue;
            }
            uint32_t feature = (uint32_t)tr->feature[src];
            if (tr->missing_left != NULL && tr->missing_left[src])
                feature |= SKS__MISSING_LEFT;
            int32_t cat = tr->cat != NULL ? tr->cat[src] : -1;
            set_node(f, d->compare, me, cat >= 0 ? 0.0 : tr->threshold[src], feature, me + 1, -1, cat);
            /* Right first on the stack, so the left subtree comes next. */
            stack[top * 2] = tr->right[src];
            stack[top * 2 + 1] = depth + 1;
            fix[top] = me;
            top++;
            stack[top * 2] = tr->left[src];
            stack[top * 2 + 1] = depth + 1;
            fix[top] = -1;
            top++;
        }
    }
    free(stack);
    free(fix);
    f->n_nodes = next;
    f->n_slots = slot;
    return 0;
}

void sks__forest_dispose(sks__forest *f)
{
    free(f->nodes);
    free(f->nodes64);
    free(f->roots);
    free(f->values);
    free(f->tree_col);
    free(f->base);
    free(f->cat_bitsets);
    memset(f, 0, sizeof(*f));
}

/* Lanes walked together: enough node loads in flight to hide memory
 * latency, few enough to keep the lane state in registers and L1. */
enum { LANES = 16 };

/*
 * The kernels, generated for both node layouts: sks__node with float32
 * rows (scikit-learn trees) and sks__node64 with float64 rows
 * (HistGradientBoosting). NODES is the forest's array for that layout.
 *
 * next_node: the next node for row at nd; leaves return their own index.
 *
 * tree_rows: one tree over rows [0, n): each lane walks a row; a lane that
 * reaches a leaf adds its values to that row's sum and takes the next row,
 * so no lane idles while deeper ones finish. Every row gets this tree's
 * value before any row sees the next tree: per row, trees are summed in
 * order.
 *
 * row_trees: one row through every tree: lanes are trees; leaves are noted
 * per tree and summed afterwards in tree order. leaf holds n_trees slots.
 */
#define DEFINE_KERNELS(SUFFIX, NODE, T, NODES)                                                 \
    static inline int32_t next_node_##SUFFIX(const NODE *nd, const T *row, bool has_nan)      \
    {                                                                                          \
        T x = row[nd->feature & SKS__FEATURE_MASK];                                            \
        int32_t go_left = x <= nd->thr;                                                        \
        if (has_nan)                                                                           \
            go_left |= (x != x) & (int32_t)(nd->feature >> 31);                                \
        return go_left ? nd->left : nd->right;                                                 \
    }                                                                                          \
                                                                                               \
    static void tree_rows_##SUFFIX(const sks__forest *f, int32_t t, const T *x, int32_t n,     \
                                   int32_t nf, bool has_nan, double *acc)                      \
    {                                                                                          \
        const NODE *nodes = f->NODES;                                                          \
        const int32_t nv = f->n_values, lw = f->leaf_width;                                    \
        const int32_t root = f->roots[t], col = f->tree_col != NULL ? f->tree_col[t] : 0;      \
        int32_t idx[LANES], row[LANES];                                                        \
        int32_t active = n < LANES ? n : LANES, next = active;                                 \
        for (int32_t l = 0; l < active; l++) {                                                 \
            idx[l] = root;                                                                     \
            row[l] = l;                                                                        \
        }                                                                                      \
        while (active > 0) {                                                                   \
            for (int32_t l = 0; l < active;) {                                                 \
                const NODE *nd = &nodes[idx[l]];                                               \
                int32_t nx = next_node_##SUFFIX(nd, x + (size_t)row[l] * (size_t)nf, has_nan); \
                if (nx != idx[l]) {                                                            \
                    idx[l++] = nx;                                                             \
                    continue;                                                                  \
                }                                                                              \
                add_leaf(&acc[(size_t)row[l] * (size_t)nv + col],                             \
                         &f->values[(size_t)nd->left * (size_t)lw], lw, f->sum_f32);           \
                if (next < n) {                                                                \
                    row[l] = next++;                                                           \
                    idx[l++] = root;                                                           \
                } else {                                                                       \
                    active--;                                                                  \
                    row[l] = row[active];                                                      \
                    idx[l] = idx[active];                                                      \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    static void row_trees_##SUFFIX(const sks__forest *f, const T *row, bool has_nan,           \
                                   int32_t *leaf)                                              \
    {                                                                                          \
        const NODE *nodes = f->NODES;                                                          \
        const int32_t nt = f->n_trees;                                                         \
        int32_t idx[LANES], tree[LANES];                                                       \
        int32_t active = nt < LANES ? nt : LANES, next = active;                               \
        for (int32_t l = 0; l < active; l++) {                                                 \
            idx[l] = f->roots[l];                                                              \
            tree[l] = l;                                                                       \
        }                                                                                      \
        while (active > 0) {                                                                   \
            for (int32_t l = 0; l < active;) {                                                 \
                const NODE *nd = &nodes[idx[l]];                                               \
                int32_t nx = next_node_##SUFFIX(nd, row, has_nan);                             \
                if (nx != idx[l]) {                                                            \
                    idx[l++] = nx;                                                             \
                    continue;                                                                  \
                }                                                                              \
                leaf[tree[l]] = nd->left;                                                      \
                if (next < nt) {                                                               \
                    tree[l] = next;                                                            \
                    idx[l++] = f->roots[next++];                                               \
                } else {                                                                       \
                    active--;                                                                  \
                    tree[l] = tree[active];                                                    \
                    idx[l] = idx[active];                                                      \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_KERNELS(f32, sks__node, float, nodes)
DEFINE_KERNELS(f64, sks__node64, double, nodes64)

/* Forests with categorical splits: one (row, tree) at a time, the way
 * scikit-learn's _predict_one_from_raw_data walks. Returns the leaf's
 * value slot. */
static int32_t walk_cat(const sks__forest *f, int32_t t, const double *row)
{
    const sks__node64 *nodes = f->nodes64;
    int32_t i = f->roots[t];
    for (;;) {
        const sks__node64 *nd = &nodes[i];
        if (nd->right == i)
            return nd->left;
        double x = row[nd->feature & SKS__FEATURE_MASK];
        bool missing_left = nd->feature >> 31;
        if (isnan(x)) {
            i = missing_left ? nd->left : nd->right;
        } else if (nd->cat < 0) {
            i = x <= nd->thr ? nd->left : nd->right;
        } else if (f->cat_rule == SKS_CAT_XGBOOST) {
            /* common::Decision: out of range goes left; else right when
             * (int32_t)x is in the set (x is a float32 here) */
            bool in = false;
            if (x >= 0 && x < 16777216.0) {
                int32_t c = (int32_t)x;
                in = c < 256 && ((f->cat_bitsets[(size_t)nd->cat * 16 + (size_t)c / 32] >> (c % 32)) & 1);
            }
            i = in ? nd->right : nd->left;
        } else if (f->cat_rule == SKS_CAT_LIGHTGBM) {
            /* static_cast<int>(x): truncation; out of range is INT32_MIN on x86-64 */
            int32_t c = x > -2147483649.0 && x < 2147483648.0 ? (int32_t)x : INT32_MIN;
            const uint32_t *bits = &f->cat_bitsets[(size_t)nd->cat * 16];
            i = c >= 0 && c < 256 && ((bits[c / 32] >> (c % 32)) & 1) ? nd->left : nd->right;
        } else if (x < 0) {
            i = missing_left ? nd->left : nd->right;
        } else {
            /* Cython's <uint8_t>x: a truncating int32 conversion (x86-64's
             * cvttsd2si, whose out-of-range answer is INT32_MIN), low byte. */
            uint8_t c = (uint8_t)(uint32_t)(x < 2147483648.0 ? (int32_t)x : INT32_MIN);
            const uint32_t *bits = &f->cat_bitsets[(size_t)nd->cat * 16];
            if ((bits[c / 32] >> (c % 32)) & 1)
                i = nd->left;
            else if ((bits[8 + c / 32] >> (c % 32)) & 1)
                i = nd->right;
            else
                i = missing_left ? nd->left : nd->right;
        }
    }
}

/* Adds the noted leaves to one row's sums, in tree order. */
static void add_leaves(const sks__forest *f, const int32_t *leaf, double *acc)
{
    const int32_t lw = f->leaf_width;
    for (int32_t t = 0; t < f->n_trees; t++)
        add_leaf(acc + (f->tree_col != NULL ? f->tree_col[t] : 0), &f->values[(size_t)leaf[t] * (size_t)lw], lw,
                 f->sum_f32);
}

void sks__forest_score(const sks__forest *f, const void *x, int32_t n, int32_t n_features,
                       bool has_nan, int32_t *scratch, double *out)
{
    const int32_t nv = f->n_values;
    const bool f64 = f->nodes64 != NULL;
    const float *x32 = x;
    const double *x64 = x;
    memset(out, 0, (size_t)n * (size_t)nv * sizeof(double));
    if (f->aggregation == SKS_AGG_SINGLE) {
        /* -0.0 + v is v, for every v (0 + v would turn -0.0 into +0.0). */
        for (int32_t i = 0; i < n * nv; i++)
            out[i] = -0.0;
        if (f64)
            tree_rows_f64(f, 0, x64, n, n_features, has_nan, out);
        else
            tree_rows_f32(f, 0, x32, n, n_features, has_nan, out);
        return;
    }
    if (f->base != NULL)
        for (int32_t r = 0; r < n; r++)
            memcpy(&out[(size_t)r * (size_t)nv], f->base, (size_t)nv * sizeof(double));
    if (f->cat_bitsets != NULL) {
        for (int32_t r = 0; r < n; r++) {
            for (int32_t t = 0; t < f->n_trees; t++)
                scratch[t] = walk_cat(f, t, x64 + (size_t)r * (size_t)n_features);
            add_leaves(f, scratch, &out[(size_t)r * nv]);
        }
    } else if (n < LANES / 2) {
        for (int32_t r = 0; r < n; r++) {
            size_t at = (size_t)r * (size_t)n_features;
            if (f64)
                row_trees_f64(f, x64 + at, has_nan, scratch);
            else
                row_trees_f32(f, x32 + at, has_nan, scratch);
            add_leaves(f, scratch, &out[(size_t)r * nv]);
        }
    } else {
        for (int32_t t = 0; t < f->n_trees; t++) {
            if (f64)
                tree_rows_f64(f, t, x64, n, n_features, has_nan, out);
            else
                tree_rows_f32(f, t, x32, n, n_features, has_nan, out);
        }
    }
    if (f->aggregation == SKS_AGG_MEAN) {
        double div = (double)f->n_trees;
        for (size_t i = 0; i < (size_t)n * (size_t)nv; i++)
            out[i] /= div;
    }
}
