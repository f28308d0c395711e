/*
 * tree.c -- compiling tree ensembles into a scoring plan, and walking it.
 *
 * Owns the forest's memory layout (sks__node, see internal.h) and the
 * kernels that walk it. The kernels walk several independent (row, tree)
 * lanes at once, one step per lane per pass, so that many node loads are
 * in flight; a step is computed with masks rather than branches (left or
 * right is a coin flip), and leaves step to themselves, so a pass needs
 * no per-lane branch. Deep forests, too large for the cache, are walked
 * tree by tree over all rows; forests that fit (boosted ones, mostly) in
 * blocks of rows through every tree (see "Five ways to walk").
 *
 * Exactness: scikit-learn casts X to float32 and compares with a float64
 * threshold t. For a float32 x, x <= t exactly when x <= w, w the largest
 * float32 not above t, so thresholds are stored as w and the comparison
 * stays in float32. XGBoost goes left when x < t (float32): x <= w, w the
 * largest float32 below t. Leaf values are added per row in tree order, in
 * double, as scikit-learn's forests do, or rounded to float32 after each
 * add, as XGBoost's are (sum_f32).
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

/* Writes internal node i of either layout. Float32 nodes hold the largest
 * float32 not above the threshold (exact for float32 x), or below it for
 * "<" comparisons; float64 nodes hold it as is, or for "<" on rows rounded
 * to float32 (round_rows), the float32 below it. */
static void set_node(sks__forest *f, sks_compare cmp, int32_t i, double thr, uint32_t feature, int32_t skip)
{
    bool lt = cmp == SKS_CMP_F32_LT;
    if (f->nodes64 != NULL)
        f->nodes64[i] = (sks__node64){lt ? (double)f32_below(thr) : thr, feature, skip};
    else
        f->nodes[i] = (sks__node){lt ? f32_below(thr) : f32_floor(thr), feature, skip, 0};
}

/* Writes leaf i: thr NaN, feature 0, skip -1, and its value slot. */
static void set_leaf(sks__forest *f, int32_t i, int32_t slot)
{
    if (f->nodes64 != NULL) {
        uint64_t bits = 0x7ff8000000000000ull | (uint32_t)slot; /* a quiet NaN */
        double thr;
        memcpy(&thr, &bits, sizeof thr);
        f->nodes64[i] = (sks__node64){thr, 0, -1};
    } else {
        f->nodes[i] = (sks__node){NAN, 0, -1, slot};
    }
}

static void build_complete(sks__forest *f);

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
    f->depth = calloc((size_t)d->n_trees, sizeof(int32_t));
    f->shallow = malloc((size_t)d->n_trees * sizeof(int32_t));
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
        f->node_cat = malloc((size_t)total * sizeof(int32_t));
        fail |= f->cat_bitsets == NULL || f->node_cat == NULL;
    }
    if (d->tree_cover != NULL) {
        f->cover = malloc((size_t)total * sizeof(double));
        fail |= f->cover == NULL;
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
    if (fail || (f->nodes == NULL && f->nodes64 == NULL) || f->roots == NULL || f->depth == NULL || f->shallow == NULL || f->values == NULL || stack == NULL || fix == NULL) {
        free(stack);
        free(fix);
        sks__forest_dispose(f);
        return sks__fail(err, SKS_ENOMEM, "out of memory compiling %lld tree nodes", (long long)total);
    }
    int32_t next = 0;
    for (int32_t t = 0; t < d->n_trees; t++) {
        const sks_tree_desc *tr = &d->trees[t];
        f->roots[t] = next;
        f->shallow[t] = INT32_MAX;
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
                    f->nodes64[parent].skip = me - parent - 1;
                else
                    f->nodes[parent].skip = me - parent - 1;
            }
            if (f->node_cat != NULL)
                f->node_cat[me] = tr->left[src] != -1 && tr->cat != NULL ? tr->cat[src] : -1;
            if (f->cover != NULL)
                f->cover[me] = d->tree_cover[t][src];
            if (depth > f->depth[t])
                f->depth[t] = depth;
            if (depth > f->max_depth)
                f->max_depth = depth;
            if (tr->left[src] == -1) {
                if (depth < f->shallow[t])
                    f->shallow[t] = depth;
                set_leaf(f, me, (int32_t)f->n_slots);
                memcpy(&f->values[(size_t)f->n_slots * (size_t)lw], &tr->value[(size_t)src * (size_t)lw],
                       (size_t)lw * sizeof(double));
                f->n_slots++;
                continue;
            }
            uint32_t feature = (uint32_t)tr->feature[src];
            if (tr->missing_left != NULL && tr->missing_left[src])
                feature |= SKS__MISSING_LEFT;
            int32_t cat = tr->cat != NULL ? tr->cat[src] : -1;
            set_node(f, d->compare, me, cat >= 0 ? 0.0 : tr->threshold[src], feature, 0); /* skip: patched */
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
    build_complete(f);
    return f->cover != NULL ? sks__forest_expected(f, err) : 0;
}

/* Frees the leaf masks layout (build_masks), leaving it NULL. */
static void free_masks(sks__forest *f)
{
    free(f->qthr);
    free(f->qcol);
    free(f->qoff);
    free(f->qslot);
    free(f->qmiss);
    free(f->qkeep);
    f->qthr = NULL;
    f->qcol = f->qoff = f->qslot = NULL;
    f->qmiss = NULL;
    f->qkeep = NULL;
}

/* Frees the complete and leaf masks layouts (build_complete), leaving them
 * NULL. */
static void free_complete(sks__forest *f)
{
    free(f->cthr);
    free(f->cfoff);
    free(f->ccols);
    free(f->cmiss);
    free_masks(f);
    free(f->cleaf);
    free(f->ctop);
    free(f->clevels);
    free(f->cnode_off);
    free(f->cleaf_off);
    f->cthr = NULL;
    f->cfoff = f->ccols = NULL;
    f->cmiss = NULL;
    f->cleaf = NULL;
    f->ctop = f->clevels = f->cnode_off = f->cleaf_off = NULL;
}

void sks__forest_dispose(sks__forest *f)
{
    free(f->nodes);
    free(f->nodes64);
    free(f->roots);
    free(f->depth);
    free(f->shallow);
    free(f->values);
    free(f->tree_col);
    free(f->base);
    free(f->cat_bitsets);
    free(f->node_cat);
    free_complete(f);
    free(f->cover);
    free(f->expected);
    free(f->shap_t);
    free(f->shap_share);
    free(f->shap_up);
    memset(f, 0, sizeof(*f));
}

/* A leaf's value slot, in either layout. */
static inline int32_t slot_f32(const sks__node *nd) { return nd->slot; }
static inline int32_t slot_f64(const sks__node64 *nd)
{
    uint64_t bits;
    memcpy(&bits, &nd->thr, sizeof bits);
    return (int32_t)(uint32_t)bits;
}

static int32_t node_slot(const sks__forest *f, int32_t i)
{
    return f->nodes64 != NULL ? slot_f64(&f->nodes64[i]) : slot_f32(&f->nodes[i]);
}

/* Adds the values of a leaf (its value slot) to one row's sums at acc.
 * Every leaf value that reaches a row's sums goes through here, in tree
 * order: in float64, or rounded to float32 after the add (XGBoost's
 * float32 sum: float64 has more than 2 x 24 + 2 bits, so rounding the
 * float64 sum of two float32 numbers to float32 gives their float32 sum). */
static inline void add_values(const sks__forest *f, const double *v, double *acc)
{
    const int32_t lw = f->leaf_width;
    if (f->sum_f32)
        for (int32_t k = 0; k < lw; k++)
            acc[k] = (float)(acc[k] + v[k]);
    else
        for (int32_t k = 0; k < lw; k++)
            acc[k] += v[k];
}

static inline void add_leaf(const sks__forest *f, int32_t slot, double *acc)
{
    add_values(f, &f->values[(size_t)slot * (size_t)f->leaf_width], acc);
}

/* Where tree t's leaf values go in a row's sums. */
static inline double *tree_acc(const sks__forest *f, int32_t t, double *row_acc)
{
    return f->tree_col != NULL ? row_acc + f->tree_col[t] : row_acc;
}

/* Adds each of nb rows' leaf values (value slots slot[r]) to its sums, the
 * rows nv doubles apart from acc, for tree t: add_values, with the common
 * cases (one value per leaf) spelled out so the loop has no inner one. */
static inline void add_slots(const sks__forest *f, int32_t t, const int32_t *slot, int32_t nb, double *acc)
{
    const size_t nv = (size_t)f->n_values, lw = (size_t)f->leaf_width;
    const double *values = f->values;
    double *a = tree_acc(f, t, acc);
    if (lw == 1 && !f->sum_f32)
        for (int32_t r = 0; r < nb; r++)
            a[(size_t)r * nv] += values[slot[r]];
    else if (lw == 1)
        for (int32_t r = 0; r < nb; r++)
            a[(size_t)r * nv] = (float)(a[(size_t)r * nv] + values[slot[r]]);
    else
        for (int32_t r = 0; r < nb; r++)
            add_values(f, &values[(size_t)slot[r] * lw], a + (size_t)r * nv);
}

/*
 * Five ways to walk (sks__forest_score picks):
 *
 * - mask_trees: batches, on float64 forests (LightGBM, HistGradientBoosting)
 *   whose trees have at most 64 leaves (build_masks): no walk, every split
 *   compared for 16 or 32 rows at once, each row's leaf the lowest bit of
 *   its leaf mask (QuickScorer; see mask_trees). With AVX2 always (vectors
 *   of 4 rows); with SSE2 only (vectors of 2) when the forest is not
 *   walked whole by complete_trees. LightGBM's 1,500 trees of 31 leaves,
 *   10,000 rows: 140 -> 53 ms (AVX2), 85 ms (SSE2); HistGradientBoosting
 *   57 -> 23 ms (AVX2), 34 ms (SSE2).
 * - complete_trees: batches, on shallow forests (build_complete): as
 *   block_trees, but each tree padded to a complete binary tree of its
 *   depth, so that CGROUP rows walk it in lockstep for exactly its depth,
 *   node k's children at 2k + 1 and 2k + 2: no leaf test, no queue, no
 *   skip or value slot to load, the root's split read once. XGBoost,
 *   1,500 trees of depth 6, 10,000 rows: 2.2x block_trees. CGROUP 16
 *   measured faster than 4, 6, 8, 24 or 32 (docs/ENGINE.md).
 * - block_trees: batches, on forests that fit in the cache (at most
 *   BLOCK_FOREST_BYTES of nodes). Rows go in blocks (about BLOCK_BYTES of
 *   values, so they stay in L1/L2), each block through every tree in
 *   order. A tree walks the block's rows GROUP at a time in rounds of
 *   ROUND steps in lockstep, without a branch per node or per leaf (leaves
 *   come every few steps at random, and a branch on them is mispredicted
 *   at about every leaf); after each round the rows not yet at a leaf are
 *   queued for the next one, with no branch either. So lanes idle at most
 *   ROUND - 1 steps at a leaf, where a walk to the deepest lane's leaf
 *   would have them idle half the time (boosted trees of 31 leaves: ~4
 *   steps on average, ~8 for the deepest of 8 rows). ROUND 2 measured
 *   faster than 3 or 4. Each tree's first TOP_LEVELS levels are walked in
 *   the complete layout first (as complete_trees does), and only the rows
 *   not at a leaf there are queued: LightGBM's 1,500 trees of 31 leaves,
 *   10,000 rows, 169 -> 146 ms; HistGradientBoosting 80 -> 63 ms (4 to 6
 *   levels measured alike, 8 slower).
 * - tree_rows: batches on larger (deep) forests: one tree over all the
 *   rows, so that tree stays cached while every row walks it; LANES rows
 *   in flight, and a lane that reaches its leaf takes the next row.
 * - row_groups: one row (or a few) on forests walked in blocks, GROUP
 *   trees at a time in lockstep.
 * - row_trees: one row (or a few) on larger forests: LANES trees in
 *   flight, a lane that reaches its leaf notes it and takes the next tree
 *   (deep trees: lockstep would wait long for the deepest lane).
 */
enum { GROUP = 8, CGROUP = 16, CPAD = 32, ROUND = 2, LANES = 16, BLOCK_FOREST_BYTES = 4 << 20, BLOCK_BYTES = 32 << 10 };

/* A tree's node i, at position pos of level level of its complete layout
 * (last level: depth), into the thresholds ct, columns co (col: each
 * feature's column in the transposed block) and NaN sides cm; at the last
 * level, the node's values into cl, or with at, the node itself (a leaf,
 * or the split the rest of the walk starts from). A leaf above the last
 * level becomes a split whose two sides both lead to it (threshold 0 on
 * the block's first column). */
static void fill_complete(const sks__forest *f, void *ct, int32_t *co, int8_t *cm, double *cl, int32_t *at,
                          const int32_t *col, int32_t i, int32_t pos, int32_t level, int32_t depth)
{
    if (level == depth) {
        const size_t lw = (size_t)f->leaf_width, k = (size_t)(pos - ((1 << depth) - 1));
        if (at != NULL)
            at[k] = i;
        else
            memcpy(&cl[k * lw], &f->values[(size_t)node_slot(f, i) * lw], lw * sizeof(double));
        return;
    }
    int32_t skip = f->nodes64 != NULL ? f->nodes64[i].skip : f->nodes[i].skip;
    uint32_t feature = skip < 0 ? 0 : f->nodes64 != NULL ? f->nodes64[i].feature : f->nodes[i].feature;
    if (f->nodes64 != NULL)
        ((double *)ct)[pos] = skip < 0 ? 0 : f->nodes64[i].thr;
    else
        ((float *)ct)[pos] = skip < 0 ? 0 : f->nodes[i].thr;
    co[pos] = (skip < 0 ? 0 : col[feature & SKS__FEATURE_MASK]) * f->cstride;
    cm[pos] = feature & SKS__MISSING_LEFT ? -1 : 0;
    fill_complete(f, ct, co, cm, cl, at, col, skip < 0 ? i : i + 1, 2 * pos + 1, level + 1, depth);
    fill_complete(f, ct, co, cm, cl, at, col, skip < 0 ? i : i + 1 + skip, 2 * pos + 2, level + 1, depth);
}

static bool walks_blocks(const sks__forest *f)
{
    size_t node = f->nodes64 != NULL ? sizeof(sks__node64) : sizeof(sks__node);
    return (size_t)f->n_nodes * node <= BLOCK_FOREST_BYTES;
}

bool sks__forest_walks_blocks(const sks__forest *f)
{
    return f->cat_bitsets != NULL || walks_blocks(f);
}

/* The complete layout (f->cnodes), for forests without categorical splits
 * that fit in BLOCK_FOREST_BYTES. Shallow forests, whose trees are at
 * most 12 deep and padded to their depth add at most a quarter to the
 * steps of an average walk (the mean leaf depth), are kept whole: every
 * row walks exactly its depth in each tree, with no test for a leaf and no
 * queue (tree_kernels.h: complete_trees), and finds the leaf's values where
 * it ends. Other forests keep each tree's top TOP_LEVELS levels (f->ctop):
 * block_trees walks them so, and queues the rows not at a leaf there from
 * the node they reached. Without memory the layout is left out. */
enum { TOP_LEVELS = 5, CSTRIDE_MAX = 4096 };

/* The first leaf, left to right, under node i. */
static int32_t first_leaf(const sks__forest *f, int32_t i)
{
    while (f->nodes64[i].skip >= 0)
        i++;
    return i;
}

/* The leaf masks layout (f->qthr: see internal.h), for float64 forests
 * whose trees have at most 64 leaves, each split's column from col. The
 * compiled trees give their leaves value slots left to right (pre-order),
 * so leaf k of tree t is slot qslot[t] + k. Without memory it is left
 * out. */
static void build_masks(sks__forest *f, const int32_t *col)
{
    int64_t splits = 0;
    for (int32_t t = 0; t < f->n_trees; t++) {
        int32_t end = t + 1 < f->n_trees ? f->roots[t + 1] : (int32_t)f->n_nodes, leaves = 0;
        for (int32_t i = f->roots[t]; i < end; i++)
            leaves += f->nodes64[i].skip < 0;
        if (leaves > 64)
            return;
        splits += end - f->roots[t] - leaves;
    }
    f->qthr = malloc((size_t)splits * sizeof(double) + 1);
    f->qcol = malloc((size_t)splits * sizeof(int32_t) + 1);
    f->qmiss = malloc((size_t)splits * sizeof(int64_t) + 1);
    f->qkeep = malloc((size_t)splits * sizeof(uint64_t) + 1);
    f->qoff = malloc(((size_t)f->n_trees + 1) * sizeof(int32_t));
    f->qslot = malloc((size_t)f->n_trees * sizeof(int32_t));
    if (f->qthr == NULL || f->qcol == NULL || f->qmiss == NULL || f->qkeep == NULL || f->qoff == NULL ||
        f->qslot == NULL) {
        free_masks(f);
        return;
    }
    int32_t q = 0;
    for (int32_t t = 0; t < f->n_trees; t++) {
        int32_t end = t + 1 < f->n_trees ? f->roots[t + 1] : (int32_t)f->n_nodes;
        const int32_t base = slot_f64(&f->nodes64[first_leaf(f, f->roots[t])]);
        f->qoff[t] = q;
        f->qslot[t] = base;
        for (int32_t i = f->roots[t]; i < end; i++) {
            const sks__node64 *nd = &f->nodes64[i];
            if (nd->skip < 0)
                continue;
            /* The left subtree's leaves: from its first to the right one's. */
            int32_t a = slot_f64(&f->nodes64[first_leaf(f, i + 1)]) - base;
            int32_t b = slot_f64(&f->nodes64[first_leaf(f, i + 1 + nd->skip)]) - base;
            uint64_t left = (b >= 64 ? ~0ull : (1ull << b) - 1) & ~((1ull << a) - 1);
            f->qthr[q] = nd->thr;
            f->qcol[q] = col[nd->feature & SKS__FEATURE_MASK] * f->cstride;
            f->qmiss[q] = nd->feature & SKS__MISSING_LEFT ? -1 : 0;
            f->qkeep[q] = ~left;
            q++;
        }
    }
    f->qoff[f->n_trees] = q;
}

/* Each tree's levels in the complete layout, whole or its tops: sets
 * f->clevels, the nodes and last-level positions they take, and returns
 * their bytes. */
static size_t complete_levels(sks__forest *f, bool whole, int64_t *n_nodes, int64_t *n_leaves)
{
    *n_nodes = *n_leaves = 0;
    for (int32_t t = 0; t < f->n_trees; t++) {
        f->clevels[t] = whole || f->depth[t] < TOP_LEVELS ? f->depth[t] : TOP_LEVELS;
        *n_nodes += ((int64_t)1 << f->clevels[t]) - 1;
        *n_leaves += (int64_t)1 << f->clevels[t];
    }
    const size_t node = (f->nodes64 != NULL ? sizeof(double) : sizeof(float)) + sizeof(int32_t) + 1;
    const size_t last = whole ? (size_t)f->leaf_width * sizeof(double) : sizeof(int32_t);
    return (size_t)*n_nodes * node + (size_t)*n_leaves * last;
}

static void build_complete(sks__forest *f)
{
    if (f->cat_bitsets != NULL || f->aggregation == SKS_AGG_SINGLE || f->n_trees <= 0 || !walks_blocks(f))
        return;
    const size_t elem = f->nodes64 != NULL ? sizeof(double) : sizeof(float);
    int64_t n_nodes, n_leaves;
    double padded = 0, walked = 0;
    bool whole = true;
    for (int32_t t = 0; t < f->n_trees; t++) {
        whole &= f->depth[t] <= 12;
        padded += f->depth[t];
    }
    /* The mean leaf depth of each tree, from the compiled pre-order walk. */
    for (int32_t t = 0; t < f->n_trees && whole; t++) {
        int32_t end = t + 1 < f->n_trees ? f->roots[t + 1] : (int32_t)f->n_nodes, stack[16], top = 0, leaves = 0;
        double depths = 0;
        for (int32_t i = f->roots[t]; i < end; i++) {
            /* pre-order: a node's depth is the number of splits open above it */
            int32_t skip = f->nodes64 != NULL ? f->nodes64[i].skip : f->nodes[i].skip;
            if (skip < 0) {
                depths += top;
                leaves++;
                while (top > 0 && stack[top - 1] == 1) /* both sides done */
                    top--;
                if (top > 0)
                    stack[top - 1] = 1;
            } else {
                stack[top++] = 0;
            }
        }
        walked += depths / leaves;
    }
    whole &= padded <= 1.25 * walked;
    f->clevels = malloc((size_t)f->n_trees * sizeof(int32_t));
    if (f->clevels == NULL)
        return;
    size_t bytes = complete_levels(f, whole, &n_nodes, &n_leaves);
    if (whole && bytes > BLOCK_FOREST_BYTES) { /* too large whole: its tops then */
        whole = false;
        complete_levels(f, whole, &n_nodes, &n_leaves);
    }
    const size_t last = whole ? (size_t)f->leaf_width * sizeof(double) : sizeof(int32_t);
    /* The transposed block: the features the forest's splits read (or the
     * first, when none does; padding splits read its column 0), as many
     * rows of them as fill BLOCK_BYTES (a multiple of CPAD, at least CPAD
     * and at most CSTRIDE_MAX). */
    int32_t n_features = 1; /* the estimator's columns the splits read: up to the last one */
    for (int32_t i = 0; i < (int32_t)f->n_nodes; i++)
        if (sks__node_skip(f, i) >= 0 && sks__node_feature(f, i) >= n_features)
            n_features = sks__node_feature(f, i) + 1;
    bool *used = calloc((size_t)n_features, sizeof(bool));
    int32_t *col = malloc((size_t)n_features * sizeof(int32_t));
    f->ccols = malloc((size_t)n_features * sizeof(int32_t));
    if (used == NULL || col == NULL || f->ccols == NULL) {
        free(used);
        free(col);
        free_complete(f);
        return;
    }
    for (int32_t i = 0; i < (int32_t)f->n_nodes; i++)
        if (sks__node_skip(f, i) >= 0)
            used[sks__node_feature(f, i)] = true;
    f->n_ccols = 0;
    for (int32_t j = 0; j < n_features; j++)
        if (used[j]) {
            col[j] = f->n_ccols;
            f->ccols[f->n_ccols++] = j;
        }
    if (f->n_ccols == 0)
        f->ccols[f->n_ccols++] = 0;
    free(used);
    size_t stride = BLOCK_BYTES / ((size_t)f->n_ccols * elem) / CPAD * CPAD;
    f->cstride = stride < CPAD ? CPAD : stride > CSTRIDE_MAX ? CSTRIDE_MAX : (int32_t)stride;
    if ((int64_t)f->n_ccols * f->cstride > INT32_MAX) {
        free(col);
        free_complete(f);
        return;
    }
    f->cthr = malloc((size_t)n_nodes * elem + 1);
    f->cfoff = malloc((size_t)n_nodes * sizeof(int32_t) + 1);
    f->cmiss = malloc((size_t)n_nodes + 1);
    f->cnode_off = malloc((size_t)f->n_trees * sizeof(int32_t));
    f->cleaf_off = malloc((size_t)f->n_trees * sizeof(int32_t));
    if (whole)
        f->cleaf = malloc((size_t)n_leaves * last);
    else
        f->ctop = malloc((size_t)n_leaves * last);
    if (f->cthr == NULL || f->cfoff == NULL || f->cmiss == NULL || f->cnode_off == NULL || f->cleaf_off == NULL ||
        (f->cleaf == NULL && f->ctop == NULL)) {
        free(col);
        free_complete(f);
        return;
    }
    int32_t no = 0, lo = 0;
    for (int32_t t = 0; t < f->n_trees; t++) {
        f->cnode_off[t] = no;
        f->cleaf_off[t] = lo;
        fill_complete(f, (char *)f->cthr + (size_t)no * elem, f->cfoff + no, f->cmiss + no,
                      whole ? f->cleaf + (size_t)lo * (size_t)f->leaf_width : NULL, whole ? NULL : f->ctop + lo, col,
                      f->roots[t], 0, 0, f->clevels[t]);
        no += (1 << f->clevels[t]) - 1;
        lo += 1 << f->clevels[t];
    }
    if (f->nodes64 != NULL)
        build_masks(f, col);
    free(col);
}

/* Rows per block of block_trees and complete_trees: the transposed
 * block's with the complete layout, else about BLOCK_BYTES of rows. */
static int32_t block_rows(const sks__forest *f, int32_t nf)
{
    if (f->cthr != NULL)
        return f->cstride;
    size_t rows = BLOCK_BYTES / ((size_t)nf * (f->nodes64 != NULL ? sizeof(double) : sizeof(float)));
    return rows < GROUP ? GROUP : (int32_t)rows;
}

size_t sks__forest_scratch(const sks__forest *f, int32_t n_features)
{
    /* block_trees' and complete_trees' row pointers (row_pointers) and
     * transposed block (transpose), then block_trees' two queues (node,
     * row) and a leaf per row, each with room for a group's padding lanes;
     * or row_trees' leaf per tree. */
    const size_t rows = (size_t)block_rows(f, n_features);
    const size_t elem = f->nodes64 != NULL ? sizeof(double) : sizeof(float);
    size_t blocks = (rows + CGROUP) * sizeof(void *) + (size_t)f->n_ccols * (size_t)f->cstride * elem +
                    5 * (rows + GROUP) * sizeof(int32_t);
    size_t trees = (size_t)f->n_trees * sizeof(int32_t);
    return blocks > trees ? blocks : trees;
}

/* right_*: all ones when *x <= *t fails (x > t, or either is NaN), else
 * 0, with miss (0 or -1: NaN goes left) clearing it for a NaN x when
 * has_nan. x and t are read through pointers so that SSE2's compare takes
 * t straight from memory: a load, a compare and a move give the mask (on
 * x86-64 the float64 compare's 64 bits: no sign extension to an index);
 * the plain C one costs a few more instructions per step. */
#ifdef __SSE2__
#include <emmintrin.h>
#ifdef __x86_64__
#define MASK_F64(m) ((intptr_t)_mm_cvtsi128_si64(_mm_castpd_si128(m)))
#else
#define MASK_F64(m) ((intptr_t)_mm_cvtsi128_si32(_mm_castpd_si128(m)))
#endif
static inline intptr_t right_f64(const double *x, const double *t, intptr_t miss, bool has_nan)
{
    __m128d v = _mm_load_sd(x);
    intptr_t right = MASK_F64(_mm_cmpnle_sd(v, _mm_load_sd(t)));
    if (has_nan)
        right &= ~(MASK_F64(_mm_cmpunord_sd(v, v)) & miss);
    return right;
}
static inline intptr_t right_f32(const float *x, const float *t, intptr_t miss, bool has_nan)
{
    __m128 v = _mm_load_ss(x);
    int32_t right = _mm_cvtsi128_si32(_mm_castps_si128(_mm_cmpnle_ss(v, _mm_load_ss(t))));
    if (has_nan)
        right &= ~(_mm_cvtsi128_si32(_mm_castps_si128(_mm_cmpunord_ss(v, v))) & (int32_t)miss);
    return right;
}
#else
static inline intptr_t right_f64(const double *x, const double *t, intptr_t miss, bool has_nan)
{
    return -(intptr_t)!(*x <= *t) & ~(has_nan ? -(intptr_t)(*x != *x) & miss : 0);
}
static inline intptr_t right_f32(const float *x, const float *t, intptr_t miss, bool has_nan)
{
    return -(intptr_t)!(*x <= *t) & ~(has_nan ? -(intptr_t)(*x != *x) & miss : 0);
}
#endif

/*
 * The kernels, generated for both node layouts: sks__node with float32
 * rows (scikit-learn trees) and sks__node64 with float64 rows
 * (HistGradientBoosting, LightGBM). NODES is the forest's array for that
 * layout. The callers below fix has_nan, so each kernel has a copy
 * without the NaN test.
 *
 * step: how far to move from node nd for the row at row: 1 (left), 1 + skip
 * (right), 0 in a leaf (thr NaN: "right", skip -1). Computed with masks,
 * not a branch: left or right is a coin flip.
 *
 * block_trees: rows [0, n) of x; scratch holds sks__forest_scratch bytes.
 * Per tree and block: queue a holds (node, row) of the lanes still
 * walking, b receives those that are not at a leaf after this round;
 * leaf[row] is written every round, a row's last write is its leaf. With
 * the tree's top levels in the complete layout (f->ctop), every row walks
 * them first and only those not at a leaf there are queued; otherwise the
 * first round takes the tree's shallowest leaf depth in steps, which every
 * row walks (all of them, when the tree is balanced). Padding lanes repeat
 * the last lane of the queue (same walk, same leaf) and are not queued
 * again. Each tree adds its leaves to the block's rows before the next
 * tree starts: per row, trees are summed in order.
 *
 * complete_walk: CGROUP rows of the transposed block (transpose) through a
 * complete layout's first levels, in lockstep, 2k + 1 or 2k + 2 at each
 * step; complete_trees: rows [0, n) in blocks as block_trees, each tree
 * walked whole so, its leaves' values added where the walks end.
 *
 * tree_rows: one tree over rows [0, n): each lane walks a row; a lane that
 * reaches a leaf adds its values to that row's sum and takes the next row.
 * Every row gets this tree's value before any row sees the next tree.
 *
 * row_groups: one row through every tree, GROUP trees at a time, each
 * group's leaves added in tree order.
 *
 * row_trees: one row through every tree; leaf[t] (n_trees slots) gets
 * the value slot of tree t's leaf, to be added afterwards in tree order.
 */
#define KERNEL_SUFFIX f32
#define KERNEL_NODE sks__node
#define KERNEL_T float
#define KERNEL_NODES nodes
#include "tree_kernels.h"

#define KERNEL_SUFFIX f64
#define KERNEL_NODE sks__node64
#define KERNEL_T double
#define KERNEL_NODES nodes64
#include "tree_kernels.h"

/*
 * mask_trees: float64 forests with the leaf masks layout (build_masks).
 * Each row keeps a 64-bit mask of the leaves it may still reach, all ones
 * at first; every split of the tree is compared for CGROUP rows of the
 * transposed block at once (a vector of MV rows at a time, read
 * contiguously), and a row that goes right at a split drops the leaves of
 * its left subtree (qkeep). The row's leaf is then the lowest bit left
 * (QuickScorer, Lucchese et al. 2015: every leaf left of it lies in the
 * left subtree of a split on its path where the row went right, and
 * splits off its path drop only leaves off its path). The comparisons are
 * the walks' (x <= t goes left; NaN goes right, or left where the split
 * sends it there), so the leaf is the same; leaves are added per tree,
 * per row in tree order (add_slots).
 */
typedef double v2d __attribute__((vector_size(2 * sizeof(double))));
typedef int64_t v2i __attribute__((vector_size(2 * sizeof(int64_t))));
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t v4i __attribute__((vector_size(4 * sizeof(int64_t))));

/* CGROUP rows from c of the transposed block xt through splits j0 .. j1 -
 * 1: each row's leaf, base + its lowest bit, into leaf. With vectors VD of
 * MV doubles (VI: their masks): v2d for SSE2 (wider ones would be split
 * into scalar compares there), v4d for AVX2. */
#define MASK_GROUP(VD, VI, MV, MG)                                                                                 \
    static inline __attribute__((always_inline)) void mask_group_##VD(const sks__forest *f, const double *xt,       \
                                                                      int32_t j0, int32_t j1, int32_t base,        \
                                                                      bool has_nan, int32_t *leaf)                 \
    {                                                                                                              \
        VI keep[MG];                                                                                               \
        __asm__("" : "+r"(xt));                                                                                    \
        for (int32_t g = 0; g < MG; g++)                                                                           \
            keep[g] = (VI){0} - 1;                                                                                 \
        for (int32_t j = j0; j < j1; j++) {                                                                        \
            const double *xj = xt + f->qcol[j]; /* xt is opaque: xj[k] is one load from xt, qcol[j] */           \
            VD thr;                                                                                                \
            VI kp, miss;                                                                                           \
            for (int32_t l = 0; l < MV; l++) {                                                                     \
                thr[l] = f->qthr[j];                                                                               \
                kp[l] = (int64_t)f->qkeep[j];                                                                      \
                miss[l] = f->qmiss[j];                                                                             \
            }                                                                                                      \
            for (int32_t g = 0; g < MG; g++) {                                                                     \
                VD v;                                                                                              \
                memcpy(&v, xj + g * MV, sizeof v);                                                                 \
                VI left = (VI)(v <= thr);                                                                          \
                if (has_nan)                                                                                       \
                    left |= (VI)(v != v) & miss;                                                                   \
                keep[g] &= left | kp;                                                                              \
            }                                                                                                      \
        }                                                                                                          \
        for (int32_t g = 0; g < MG; g++)                                                                           \
            for (int32_t l = 0; l < MV; l++)                                                                       \
                leaf[g * MV + l] = base + __builtin_ctzll((uint64_t)keep[g][l]);                                   \
    }
MASK_GROUP(v2d, v2i, 2, 8)
MASK_GROUP(v4d, v4i, 4, 8)

static inline __attribute__((always_inline)) void mask_trees_body(const sks__forest *f, const double *x, int32_t n,
                                                                  int32_t nf, bool has_nan, bool wide,
                                                                  void *scratch, double *acc)
{
    const int32_t nv = f->n_values, rows = f->cstride;
    double *xt = (double *)((const double **)scratch + rows + CGROUP);
    int32_t *leaf = (int32_t *)(xt + (size_t)f->n_ccols * (size_t)rows);
    for (int32_t r0 = 0; r0 < n; r0 += rows) {
        const int32_t nb = n - r0 < rows ? n - r0 : rows;
        transpose_f64(f, x + (size_t)r0 * (size_t)nf, nb, nf, xt);
        for (int32_t t = 0; t < f->n_trees; t++) {
            const int32_t j0 = f->qoff[t], j1 = f->qoff[t + 1], base = f->qslot[t];
            for (int32_t c = 0; c < nb; c += wide ? 32 : 16) {
                if (wide)
                    mask_group_v4d(f, xt + c, j0, j1, base, has_nan, leaf + c);
                else
                    mask_group_v2d(f, xt + c, j0, j1, base, has_nan, leaf + c);
            }
            add_slots(f, t, leaf, nb, &acc[(size_t)r0 * (size_t)nv]);
        }
    }
}

static void mask_trees_base(const sks__forest *f, const double *x, int32_t n, int32_t nf, bool has_nan,
                            void *scratch, double *acc)
{
    if (has_nan)
        mask_trees_body(f, x, n, nf, true, false, scratch, acc);
    else
        mask_trees_body(f, x, n, nf, false, false, scratch, acc);
}

/* The same compiled for AVX2 (a vector per instruction, not two), taken
 * when the CPU has it (cpu.c). */
#if defined(__x86_64__) && defined(__GNUC__)
#define SKS_HAVE_AVX2 1
__attribute__((target("avx2"))) static void mask_trees_avx2(const sks__forest *f, const double *x, int32_t n,
                                                            int32_t nf, bool has_nan, void *scratch, double *acc)
{
    if (has_nan)
        mask_trees_body(f, x, n, nf, true, true, scratch, acc);
    else
        mask_trees_body(f, x, n, nf, false, true, scratch, acc);
}
#endif

static void mask_trees(const sks__forest *f, const double *x, int32_t n, int32_t nf, bool has_nan, void *scratch,
                       double *acc)
{
#ifdef SKS_HAVE_AVX2
    if (sks__cpu_avx2()) {
        mask_trees_avx2(f, x, n, nf, has_nan, scratch, acc);
        return;
    }
#endif
    mask_trees_base(f, x, n, nf, has_nan, scratch, acc);
}

/* Whether x goes left at split i of a float64-layout forest with
 * categorical splits, the way scikit-learn's _predict_one_from_raw_data
 * (and LightGBM's, XGBoost's deciders) read it. */
static bool cat_left(const sks__forest *f, int32_t i, double x)
{
    const sks__node64 *nd = &f->nodes64[i];
    bool missing_left = nd->feature >> 31;
    int32_t cat = f->node_cat[i];
    if (isnan(x))
        return missing_left;
    if (cat < 0)
        return x <= nd->thr;
    if (f->cat_rule == SKS_CAT_XGBOOST) {
        /* common::Decision: out of range goes left; else right when
         * (int32_t)x is in the set (x is a float32 here) */
        bool in = false;
        if (x >= 0 && x < 16777216.0) {
            int32_t c = (int32_t)x;
            in = c < 256 && ((f->cat_bitsets[(size_t)cat * 16 + (size_t)c / 32] >> (c % 32)) & 1);
        }
        return !in;
    }
    if (f->cat_rule == SKS_CAT_LIGHTGBM) {
        /* static_cast<int>(x): truncation; out of range is INT32_MIN on x86-64 */
        int32_t c = x > -2147483649.0 && x < 2147483648.0 ? (int32_t)x : INT32_MIN;
        const uint32_t *bits = &f->cat_bitsets[(size_t)cat * 16];
        return c >= 0 && c < 256 && ((bits[c / 32] >> (c % 32)) & 1);
    }
    if (x < 0)
        return missing_left;
    /* Cython's <uint8_t>x: a truncating int32 conversion (x86-64's
     * cvttsd2si, whose out-of-range answer is INT32_MIN), low byte. */
    uint8_t c = (uint8_t)(uint32_t)(x < 2147483648.0 ? (int32_t)x : INT32_MIN);
    const uint32_t *bits = &f->cat_bitsets[(size_t)cat * 16];
    if ((bits[c / 32] >> (c % 32)) & 1)
        return true;
    if ((bits[8 + c / 32] >> (c % 32)) & 1)
        return false;
    return missing_left;
}

/* Forests with categorical splits: one (row, tree) at a time. Returns the
 * leaf. */
static int32_t walk_cat(const sks__forest *f, int32_t t, const double *row)
{
    const sks__node64 *nodes = f->nodes64;
    int32_t i = f->roots[t];
    while (nodes[i].skip >= 0)
        i = cat_left(f, i, row[nodes[i].feature & SKS__FEATURE_MASK]) ? i + 1 : i + 1 + nodes[i].skip;
    return i;
}

bool sks__node_left(const sks__forest *f, int32_t i, const void *row)
{
    if (f->nodes64 != NULL) {
        const sks__node64 *nd = &f->nodes64[i];
        double x = ((const double *)row)[nd->feature & SKS__FEATURE_MASK];
        if (f->node_cat != NULL)
            return cat_left(f, i, x);
        return x <= nd->thr || (isnan(x) && (nd->feature >> 31));
    }
    const sks__node *nd = &f->nodes[i];
    float x = ((const float *)row)[nd->feature & SKS__FEATURE_MASK];
    return x <= nd->thr || (isnan(x) && (nd->feature >> 31));
}



/* The kernels with has_nan fixed, one copy each way: calls kernel_f64 or
 * kernel_f32 (by the forest's nodes) with has_nan a constant placed between
 * the arguments `before` and `after` (each a parenthesised list). */
#define UNPAREN(...) __VA_ARGS__
#define BY_LAYOUT(kernel, f, has_nan, before, after)                          \
    do {                                                                      \
        if ((f)->nodes64 != NULL) {                                           \
            if (has_nan)                                                      \
                kernel##_f64(UNPAREN before, true, UNPAREN after);            \
            else                                                              \
                kernel##_f64(UNPAREN before, false, UNPAREN after);           \
        } else if (has_nan) {                                                 \
            kernel##_f32(UNPAREN before, true, UNPAREN after);                \
        } else {                                                              \
            kernel##_f32(UNPAREN before, false, UNPAREN after);               \
        }                                                                     \
    } while (0)

static void block_trees(const sks__forest *f, const void *x, int32_t n, int32_t nf, bool has_nan, void *scratch,
                        double *acc)
{
    BY_LAYOUT(block_trees, f, has_nan, (f, x, n, nf), (scratch, acc));
}

static void complete_trees(const sks__forest *f, const void *x, int32_t n, int32_t nf, bool has_nan, void *scratch,
                           double *acc)
{
    BY_LAYOUT(complete_trees, f, has_nan, (f, x, n, nf), (scratch, acc));
}

/* Tree t over n rows: each leaf's values added to the rows' sums in acc,
 * or, when slots is not NULL, each row's leaf value slot stored at
 * slots[row] instead (sks__forest_leaves). */
static void tree_rows(const sks__forest *f, int32_t t, const void *x, int32_t n, int32_t nf, bool has_nan,
                      double *acc, int32_t *slots)
{
    if (slots != NULL)
        BY_LAYOUT(tree_rows, f, has_nan, (f, t, x, n, nf), (NULL, slots));
    else
        BY_LAYOUT(tree_rows, f, has_nan, (f, t, x, n, nf), (acc, NULL));
}

static void row_groups(const sks__forest *f, const void *row, bool has_nan, double *acc)
{
    BY_LAYOUT(row_groups, f, has_nan, (f, row), (acc));
}

static void row_trees(const sks__forest *f, const void *row, bool has_nan, int32_t *leaf)
{
    BY_LAYOUT(row_trees, f, has_nan, (f, row), (leaf));
}

/* Every row's sums before the first tree: the base scores, or 0; -0.0 for
 * a single tree (-0.0 + v is v for every v, where 0 + v would turn -0.0
 * into +0.0). */
void sks__forest_begin(const sks__forest *f, int32_t n, double *out)
{
    const int32_t nv = f->n_values;
    if (f->aggregation == SKS_AGG_SINGLE) {
        for (size_t i = 0; i < (size_t)n * (size_t)nv; i++)
            out[i] = -0.0;
    } else if (f->base != NULL) {
        for (int32_t r = 0; r < n; r++)
            memcpy(&out[(size_t)r * (size_t)nv], f->base, (size_t)nv * sizeof(double));
    } else {
        memset(out, 0, (size_t)n * (size_t)nv * sizeof(double));
    }
}

void sks__forest_end(const sks__forest *f, int32_t n, double *out)
{
    if (f->aggregation == SKS_AGG_MEAN) {
        double div = (double)f->n_trees;
        for (size_t i = 0; i < (size_t)n * (size_t)f->n_values; i++)
            out[i] /= div;
    }
}

/* Which walk takes a batch of rows (no categorical splits): the leaf masks
 * where they beat the complete layout (with AVX2) or there is none; else
 * the complete layout, the blocks or tree by tree. */
/* Whether a batch takes the leaf masks: where they beat the complete
 * layout (with AVX2) or there is none. */
static bool walks_masks(const sks__forest *f)
{
    return f->qthr != NULL && (f->cleaf == NULL || sks__cpu_avx2());
}

void sks__forest_leaves(const sks__forest *f, const void *x, int32_t n, int32_t n_features, bool has_nan,
                        int32_t t0, int32_t t1, int32_t *slots)
{
    for (int32_t t = t0; t < t1; t++)
        tree_rows(f, t, x, n, n_features, has_nan, NULL, slots + (size_t)t * (size_t)n);
}

void sks__forest_add(const sks__forest *f, const int32_t *slots, int32_t n, int32_t t0, int32_t t1, double *out)
{
    const int32_t nv = f->n_values, lw = f->leaf_width;
    for (int32_t t = t0; t < t1; t++) {
        const int32_t *st = slots + (size_t)t * (size_t)n;
        for (int32_t r = 0; r < n; r++)
            add_values(f, f->values + (size_t)st[r] * (size_t)lw, tree_acc(f, t, &out[(size_t)r * (size_t)nv]));
    }
}

void sks__forest_score(const sks__forest *f, const void *x, int32_t n, int32_t n_features,
                       bool has_nan, void *scratch, double *out)
{
    const int32_t nv = f->n_values;
    const size_t row_bytes = (size_t)n_features * (f->nodes64 != NULL ? sizeof(double) : sizeof(float));
    sks__forest_begin(f, n, out);
    if (f->aggregation == SKS_AGG_SINGLE) {
        tree_rows(f, 0, x, n, n_features, has_nan, out, NULL);
        return;
    }
    if (f->cat_bitsets != NULL) {
        for (int32_t r = 0; r < n; r++)
            for (int32_t t = 0; t < f->n_trees; t++)
                add_leaf(f, slot_f64(&f->nodes64[walk_cat(f, t, (const double *)x + (size_t)r * (size_t)n_features)]),
                         tree_acc(f, t, &out[(size_t)r * (size_t)nv]));
    } else if (n < 2 * GROUP && walks_blocks(f)) {
        /* Too few rows to keep block_trees' lanes busy (measured: row by
         * row is as fast or faster up to about 16 rows). */
        for (int32_t r = 0; r < n; r++)
            row_groups(f, (const char *)x + (size_t)r * row_bytes, has_nan, &out[(size_t)r * (size_t)nv]);
    } else if (n < 2 * LANES && !walks_blocks(f)) {
        /* The same for tree_rows (measured: up to about 32 rows of deep
         * random forests and extra trees; tree_rows was used from 8). */
        for (int32_t r = 0; r < n; r++) {
            int32_t *leaf = scratch;
            row_trees(f, (const char *)x + (size_t)r * row_bytes, has_nan, leaf);
            for (int32_t t = 0; t < f->n_trees; t++)
                add_leaf(f, leaf[t], tree_acc(f, t, &out[(size_t)r * (size_t)nv]));
        }
    } else if (walks_masks(f)) {
        mask_trees(f, x, n, n_features, has_nan, scratch, out);
    } else if (f->cleaf != NULL) {
        complete_trees(f, x, n, n_features, has_nan, scratch, out);
    } else if (walks_blocks(f)) {
        block_trees(f, x, n, n_features, has_nan, scratch, out);
    } else {
        for (int32_t t = 0; t < f->n_trees; t++)
            tree_rows(f, t, x, n, n_features, has_nan, out, NULL);
    }
    sks__forest_end(f, n, out);
}
