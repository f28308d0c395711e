/*
 * tree_kernels.h -- the tree walks, written once for each node layout:
 * tree.c includes this file twice, with float32 nodes and thresholds
 * (scikit-learn, XGBoost) and with float64 ones (LightGBM, float64
 * comparisons). See tree.c, "Five ways to walk", for what each does.
 *
 * Before including, define KERNEL_SUFFIX (f32 or f64: the functions are
 * named step_f32, block_trees_f32, ...), KERNEL_NODE (the node type),
 * KERNEL_T (the input's element type), KERNEL_NODES (the forest's node
 * array of that type); right_<suffix> and slot_<suffix> must exist. Every
 * copy does the same operations in the same order.
 * No include guard: it is a template, included once per layout.
 */
#define K_CAT2(a, b) a##_##b
#define K_CAT(a, b) K_CAT2(a, b)
#define K(name) K_CAT(name, KERNEL_SUFFIX)

/* How far to move from node nd for the row at row: 1 (left), 1 + skip
 * (right), 0 in a leaf (thr NaN: "right", skip -1). */
static inline int32_t K(step)(const KERNEL_NODE *nd, const KERNEL_T *row, bool has_nan)
{
    int32_t right = K(right)(&row[nd->feature & SKS__FEATURE_MASK], &nd->thr, (int32_t)nd->feature >> 31, has_nan);
    return 1 + (nd->skip & right);
}

/* xr[r] = the row r of the nb rows of nf values at xb, for r < nb rounded
 * up to CGROUP; the rows past nb repeat row nb - 1 (padding lanes). */
static inline void K(row_pointers)(const KERNEL_T *xb, int32_t nb, int32_t nf, const KERNEL_T **xr)
{
    const int32_t end = (nb + CGROUP - 1) / CGROUP * CGROUP;
    for (int32_t r = 0; r < end; r++)
        xr[r] = xb + (size_t)(r < nb ? r : nb - 1) * (size_t)nf;
}

/* The nb rows of nf values at xb transposed into xt, as the complete
 * walks and mask_trees read them: column k (f->ccols[k]) from xt + k *
 * f->cstride, for rows up to nb rounded up to CPAD (a multiple of their
 * groups; those past nb repeat row nb - 1). */
static inline void K(transpose)(const sks__forest *f, const KERNEL_T *xb, int32_t nb, int32_t nf, KERNEL_T *xt)
{
    const int32_t end = (nb + CPAD - 1) / CPAD * CPAD, nc = f->n_ccols, stride = f->cstride;
    const int32_t *cols = f->ccols;
    for (int32_t r = 0; r < end; r++) {
        const KERNEL_T *row = xb + (size_t)(r < nb ? r : nb - 1) * (size_t)nf;
        for (int32_t k = 0; k < nc; k++)
            xt[(size_t)k * (size_t)stride + (size_t)r] = row[cols[k]];
    }
}

/* CGROUP rows of a transposed block (xt: its first one's column 0)
 * through the first levels of a complete layout (thresholds thr, columns
 * times the stride foff, NaN sides miss): the position each reaches on
 * level `levels`, counted from that level's first. Lane g's value of a
 * column is at xt + foff + g: a node's column and threshold are each one
 * load, indexed by the lane's position. */
static inline __attribute__((always_inline)) void K(complete_walk)(
    const KERNEL_T *thr, const int32_t *foff, const int8_t *miss, const KERNEL_T *xt, int32_t levels, bool has_nan,
    intptr_t *idx)
{
    for (int32_t g = 0; g < CGROUP; g++)
        idx[g] = 0;
    if (levels > 0) {
        const KERNEL_T *x0 = xt + foff[0];
        const intptr_t m0 = miss[0];
        for (int32_t g = 0; g < CGROUP; g++)
            idx[g] = 1 - K(right)(&x0[g], &thr[0], m0, has_nan); /* right: 0 or -1 */
    }
    for (int32_t s = 1; s < levels; s++) {
        for (int32_t g = 0; g < CGROUP; g++) {
            const intptr_t k = idx[g];
            idx[g] = 2 * k + 1 - K(right)(&xt[foff[k] + g], &thr[k], has_nan ? miss[k] : 0, has_nan);
        }
    }
    for (int32_t g = 0; g < CGROUP; g++)
        idx[g] -= ((intptr_t)1 << levels) - 1;
}

static inline __attribute__((always_inline)) void K(block_trees)(
    const sks__forest *f, const KERNEL_T *x, int32_t n, int32_t nf, bool has_nan, void *scratch,
    double *acc)
{
    const KERNEL_NODE *nodes = f->KERNEL_NODES;
    const int32_t nv = f->n_values, rows = block_rows(f, nf), cap = rows + GROUP;
    const KERNEL_T **xrows = scratch;
    KERNEL_T *xt = (KERNEL_T *)(xrows + rows + CGROUP);
    int32_t *queues = (int32_t *)(xt + (size_t)f->n_ccols * (size_t)f->cstride);
    int32_t *leaf = queues + 4 * (size_t)cap;
    for (int32_t r0 = 0; r0 < n; r0 += rows) {
        const int32_t nb = n - r0 < rows ? n - r0 : rows;
        K(row_pointers)(x + (size_t)r0 * (size_t)nf, nb, nf, xrows);
        if (f->ctop != NULL)
            K(transpose)(f, x + (size_t)r0 * (size_t)nf, nb, nf, xt);
        for (int32_t t = 0; t < f->n_trees; t++) {
            int32_t *a_node = queues, *a_row = a_node + cap;
            int32_t *b_node = a_row + cap, *b_row = b_node + cap;
            const int32_t root = f->roots[t];
            int32_t na = nb, steps = f->shallow[t] > ROUND ? f->shallow[t] : ROUND, todo = f->depth[t];
            if (f->ctop != NULL) {
                /* The tree's top levels in the complete layout; the rows not
                 * at a leaf there are queued from the node they reached. */
                const KERNEL_T *thr = (const KERNEL_T *)f->cthr + f->cnode_off[t];
                const int32_t *foff = f->cfoff + f->cnode_off[t];
                const int8_t *miss = f->cmiss + f->cnode_off[t];
                const int32_t *at = f->ctop + f->cleaf_off[t], levels = f->clevels[t];
                na = 0;
                for (int32_t c = 0; c < nb; c += CGROUP) {
                    intptr_t idx[CGROUP];
                    K(complete_walk)(thr, foff, miss, xt + c, levels, has_nan, idx);
                    const int32_t lanes = nb - c < CGROUP ? nb - c : CGROUP;
                    for (int32_t g = 0; g < lanes; g++) {
                        const int32_t node = at[idx[g]];
                        leaf[c + g] = K(slot)(&nodes[node]);
                        a_node[na] = node;
                        a_row[na] = c + g;
                        na += nodes[node].skip >= 0;
                    }
                }
                steps = ROUND;
                todo -= levels;
            } else {
                for (int32_t r = 0; r < nb; r++) {
                    a_node[r] = root;
                    a_row[r] = r;
                }
            }
            while (na > 0) {
                for (int32_t g = 0; g < GROUP; g++) {
                    a_node[na + g] = a_node[na - 1];
                    a_row[na + g] = a_row[na - 1];
                }
                const bool last = steps >= todo; /* every lane at a leaf after */
                todo -= steps;
                int32_t nq = 0;
                for (int32_t c = 0; c < na; c += GROUP) {
                    int32_t idx[GROUP];
                    const KERNEL_T *xr[GROUP];
                    for (int32_t g = 0; g < GROUP; g++) {
                        idx[g] = a_node[c + g];
                        xr[g] = xrows[a_row[c + g]];
                    }
                    for (int32_t s = 0; s < steps; s++)
                        for (int32_t g = 0; g < GROUP; g++)
                            idx[g] += K(step)(&nodes[idx[g]], xr[g], has_nan);
                    if (last) {
                        for (int32_t g = 0; g < GROUP; g++)
                            leaf[a_row[c + g]] = K(slot)(&nodes[idx[g]]);
                        continue;
                    }
                    for (int32_t g = 0; g < GROUP; g++) {
                        int32_t r = a_row[c + g];
                        leaf[r] = K(slot)(&nodes[idx[g]]); /* a split's is overwritten later */
                        b_node[nq] = idx[g];
                        b_row[nq] = r;
                        nq += (c + g < na) & (nodes[idx[g]].skip >= 0);
                    }
                }
                int32_t *swap = a_node;
                a_node = b_node;
                b_node = swap;
                swap = a_row;
                a_row = b_row;
                b_row = swap;
                na = nq;
                steps = ROUND;
            }
            add_slots(f, t, leaf, nb, &acc[(size_t)r0 * (size_t)nv]);
        }
    }
}

static inline __attribute__((always_inline)) void K(tree_rows)(
    const sks__forest *f, int32_t t, const KERNEL_T *x, int32_t n, int32_t nf, bool has_nan,
    double *acc, int32_t *slots)
{
    const KERNEL_NODE *nodes = f->KERNEL_NODES;
    const int32_t nv = f->n_values, root = f->roots[t];
    int32_t idx[LANES], row[LANES];
    int32_t active = n < LANES ? n : LANES, next = active;
    for (int32_t l = 0; l < active; l++) {
        idx[l] = root;
        row[l] = l;
    }
    while (active > 0) {
        for (int32_t l = 0; l < active;) {
            const KERNEL_NODE *nd = &nodes[idx[l]];
            int32_t step = K(step)(nd, x + (size_t)row[l] * (size_t)nf, has_nan);
            if (__builtin_expect(step != 0, 1)) {
                idx[l++] += step;
                continue;
            }
            if (slots != NULL)
                slots[row[l]] = K(slot)(nd);
            else
                add_leaf(f, K(slot)(nd), tree_acc(f, t, &acc[(size_t)row[l] * (size_t)nv]));
            if (next < n) {
                row[l] = next++;
                idx[l++] = root;
            } else {
                active--;
                row[l] = row[active];
                idx[l] = idx[active];
            }
        }
    }
}

static inline __attribute__((always_inline)) void K(complete_trees)(
    const sks__forest *f, const KERNEL_T *x, int32_t n, int32_t nf, bool has_nan, void *scratch, double *acc)
{
    const int32_t nv = f->n_values, rows = block_rows(f, nf), lw = f->leaf_width;
    KERNEL_T *xt = (KERNEL_T *)((const KERNEL_T **)scratch + rows + CGROUP);
    for (int32_t r0 = 0; r0 < n; r0 += rows) {
        const int32_t nb = n - r0 < rows ? n - r0 : rows;
        K(transpose)(f, x + (size_t)r0 * (size_t)nf, nb, nf, xt);
        for (int32_t t = 0; t < f->n_trees; t++) {
            const KERNEL_T *thr = (const KERNEL_T *)f->cthr + f->cnode_off[t];
            const int32_t *foff = f->cfoff + f->cnode_off[t];
            const int8_t *miss = f->cmiss + f->cnode_off[t];
            const double *values = f->cleaf + (size_t)f->cleaf_off[t] * (size_t)lw;
            const int32_t depth = f->depth[t];
            double *a = tree_acc(f, t, &acc[(size_t)r0 * (size_t)nv]);
            for (int32_t c = 0; c < nb; c += CGROUP) {
                intptr_t idx[CGROUP];
                K(complete_walk)(thr, foff, miss, xt + c, depth, has_nan, idx);
                const int32_t lanes = nb - c < CGROUP ? nb - c : CGROUP;
                for (int32_t g = 0; g < lanes; g++)
                    add_values(f, values + (size_t)idx[g] * (size_t)lw, a + (size_t)(c + g) * (size_t)nv);
            }
        }
    }
}

static inline __attribute__((always_inline)) void K(row_groups)(
    const sks__forest *f, const KERNEL_T *row, bool has_nan, double *acc)
{
    const KERNEL_NODE *nodes = f->KERNEL_NODES;
    const int32_t nt = f->n_trees;
    for (int32_t t0 = 0; t0 < nt; t0 += GROUP) {
        /* Lanes past the last tree walk it again (not added). Every */
        /* lane is at a leaf after max_depth steps. */
        int32_t idx[GROUP], moved, steps = f->max_depth;
        for (int32_t g = 0; g < GROUP; g++)
            idx[g] = f->roots[t0 + g < nt ? t0 + g : nt - 1];
        do {
            moved = 0;
            for (int32_t g = 0; g < GROUP; g++) {
                int32_t step = K(step)(&nodes[idx[g]], row, has_nan);
                moved |= step;
                idx[g] += step;
            }
        } while (moved && --steps > 0);
        for (int32_t g = 0; g < GROUP && t0 + g < nt; g++)
            add_leaf(f, K(slot)(&nodes[idx[g]]), tree_acc(f, t0 + g, acc));
    }
}

static inline __attribute__((always_inline)) void K(row_trees)(
    const sks__forest *f, const KERNEL_T *row, bool has_nan, int32_t *leaf)
{
    const KERNEL_NODE *nodes = f->KERNEL_NODES;
    const int32_t nt = f->n_trees;
    int32_t idx[LANES], tree[LANES];
    int32_t active = nt < LANES ? nt : LANES, next = active;
    for (int32_t l = 0; l < active; l++) {
        idx[l] = f->roots[l];
        tree[l] = l;
    }
    while (active > 0) {
        for (int32_t l = 0; l < active;) {
            const KERNEL_NODE *nd = &nodes[idx[l]];
            int32_t step = K(step)(nd, row, has_nan);
            if (step != 0) {
                idx[l++] += step;
                continue;
            }
            leaf[tree[l]] = K(slot)(nd);
            if (next < nt) {
                tree[l] = next;
                idx[l++] = f->roots[next++];
            } else {
                active--;
                tree[l] = tree[active];
                idx[l] = idx[active];
            }
        }
    }
}

#undef K
#undef K_CAT
#undef K_CAT2
#undef KERNEL_SUFFIX
#undef KERNEL_NODE
#undef KERNEL_T
#undef KERNEL_NODES
