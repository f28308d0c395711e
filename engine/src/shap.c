/*
 * shap.c -- contributions: path-dependent TreeSHAP over a compiled forest.
 *
 * For one row, the Shapley value of each estimator feature to each raw
 * score column, with the "path-dependent" expectation of Lundberg et al.,
 * "From local explanations to global understanding with explainable AI for
 * trees" (Nature Machine Intelligence, 2020): a feature left out of a
 * coalition sends the row down both sides of its splits, weighed by the
 * training cover that went each way (format 1.3's node covers). The bias
 * of each column is the forest's expected raw score under the same
 * weights, so that bias + the contributions = the raw score.
 *
 * The sums are those of algorithm 2, reorganised as in Linear TreeSHAP
 * (Yu et al., NeurIPS 2022) so that a tree costs O(nodes x depth / 2) per
 * row instead of O(leaves x depth^2):
 *
 * On the path to a leaf l, each feature j met has a zero fraction z_j (the
 * product of its splits' cover shares on the path) and a one fraction o_j
 * (1 if the row takes every one of those splits' way, else 0). The Shapley
 * weight of a subset S of the other d - 1 path features, |S|!(d-1-|S|)!/d!,
 * is the integral over [0,1] of t^|S| (1-t)^(d-1-|S|), so the leaf adds to
 * feature i
 *
 *     (o_i - z_i) * integral of v_l * prod_{j != i} g_j(t) dt,
 *     g_j(t) = z_j (1 - t) + o_j t,
 *
 * a polynomial of degree < d under the integral. Let P_l = v_l * prod_j
 * g_j. Summing over the leaves below the deepest split on i that leads to
 * them, the division by g_i happens once per edge, not once per leaf:
 * an edge adds (o - z) * integral (S - X) / g, where S is the sum of P_l
 * over the leaves below it, and X that over the leaves below the next
 * split on the same feature (those count with the later, combined
 * fractions). Every polynomial is held by its values at the Q
 * Gauss-Legendre points of [0,1], which integrate a polynomial of degree
 * < 2Q exactly: Q = ceil(U / 2), U the most distinct features on a path,
 * padded to an even number (a point of weight 0) so that the points go in
 * pairs through SSE2. With o = 0 the edge's weight needs no division at
 * all: (0 - z) / g = -1 / (1 - t), whatever z (also z = 0: a side no
 * training row reached, where algorithm 2 divides by 0).
 *
 * The decisions are the kernels' own (tree.c: sks__node_left), on the
 * row the kernels would read; the sums are float64 (also for forests that
 * sum in float32, where bias + contributions then differ from the raw
 * score by the float32 roundings of the sum). Nothing here allocates:
 * the caller gives sks__shap_scratch(f) doubles.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Two of the Gauss points' values: GCC's vector extension, SSE2 on
 * x86-64 (the points are padded to an even number with weight 0). Loaded
 * and stored through memcpy, so any double array holds them. */
typedef double v2 __attribute__((vector_size(16)));

static inline v2 ld(const double *p)
{
    v2 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void st(double *p, v2 v) { memcpy(p, &v, sizeof v); }

static inline v2 splat(double x) { return (v2){x, x}; }

/* One edge of the walk's path (the split above the level's node). */
typedef struct edge_t {
    double z;   /* combined zero fraction of the feature on the path */
    bool one;   /* combined one fraction (0 or 1) */
    bool below; /* X holds the leaves below a later split on the feature */
} edge_t;

typedef struct walk {
    const sks__forest *f;
    const void *row;
    double *phi;       /* the tree's columns: leaf_width runs of stride */
    int32_t stride;    /* n_features + 1 */
    int32_t q, w;      /* Gauss points (even); values per leaf */
    edge_t *e;         /* per level */
    double *A;         /* per level, q: prod of g_j at the level's node */
    double *R;         /* per level, q: 1 / g of the level's edge, when one */
    double *S, *X;     /* per level, w x q: sum of P_l below; below the next
                          split on the same feature */
} walk;

typedef void visit_fn(const walk *wk, int32_t i, int32_t L);

/* The edge from a split at level L on feature to child, whose feature was
 * split on last by the edge at level prev (0: none, the root's edge, whose
 * R is 1): adds the edge's share to phi, its leaves to S[L]
 * (the first edge of a split: sets S[L]) and to X[prev]. one, prev_one and
 * first are constants where this is inlined (visit), and so are q and w;
 * next visits a split child. */
static inline __attribute__((always_inline)) void edge(const walk *wk, int32_t child, int32_t L, int32_t prev,
                                                       int32_t feature, const bool one, const bool prev_one,
                                                       const bool first, const int32_t q, const int32_t w,
                                                       visit_fn *next)
{
    const sks__forest *f = wk->f;
    const int32_t wq = w * q;
    const double *t = f->shap_t, *u = f->shap_u, *a = f->shap_a, *b = f->shap_b;
    const double *A = wk->A + (size_t)L * (size_t)q, *Rp = wk->R + (size_t)prev * (size_t)q;
    double *A1 = wk->A + (size_t)(L + 1) * (size_t)q, *R1 = wk->R + (size_t)(L + 1) * (size_t)q;
    double *S = wk->S + (size_t)L * (size_t)wq, *S1 = S + wq;
    double *Xp = wk->X + (size_t)prev * (size_t)wq, *X1 = wk->X + (size_t)(L + 1) * (size_t)wq;
    double *phi = wk->phi + feature;
    const size_t stride = (size_t)wk->stride;
    const double ze = f->shap_share[child], z = ze * wk->e[prev].z;
    const v2 zv = splat(z);
    if (prev > 0 && !wk->e[prev].below) {
        memset(Xp, 0, (size_t)wq * sizeof(double));
        wk->e[prev].below = true;
    }
    if (!prev_one) { /* g / g_prev = z (1-t) / (z_prev (1-t)) */
        for (int32_t k = 0; k < q; k += 2)
            st(A1 + k, ld(A + k) * splat(ze));
    } else { /* g / g_prev, g = z (1-t) + one t */
        for (int32_t k = 0; k < q; k += 2)
            st(A1 + k, ld(A + k) * (one ? zv * ld(u + k) + ld(t + k) : zv * ld(u + k)) * ld(Rp + k));
    }
    if (sks__node_skip(f, child) < 0) {
        /* The edge's share: (o - z) * v * integral A1 / g. */
        const double *v = sks__leaf_values(f, child);
        v2 acc = splat(0);
        if (one)
            for (int32_t k = 0; k < q; k += 2)
                acc += ld(a + k) * ld(A + k) * ld(Rp + k);
        else
            for (int32_t k = 0; k < q; k += 2)
                acc += ld(b + k) * ld(A1 + k);
        const double sum = acc[0] + acc[1], scale = one ? (1 - z) * sum : -sum;
        for (int32_t c = 0; c < w; c++) {
            phi[(size_t)c * stride] += scale * v[c];
            const v2 vc = splat(v[c]);
            for (int32_t k = 0; k < q; k += 2) {
                v2 p = vc * ld(A1 + k);
                st(S + c * q + k, first ? p : ld(S + c * q + k) + p);
                if (prev > 0)
                    st(Xp + c * q + k, ld(Xp + c * q + k) + p);
            }
        }
        return;
    }
    if (one)
        for (int32_t k = 0; k < q; k += 2)
            st(R1 + k, splat(1) / (zv * ld(u + k) + ld(t + k)));
    wk->e[L + 1] = (edge_t){.z = z, .one = one, .below = false};
    next(wk, child, L + 1);
    /* The edge's share: (o - z) * integral (S1 - X1) / g. */
    const bool below = wk->e[L + 1].below;
    for (int32_t c = 0; c < w; c++) {
        const double *s = S1 + c * q, *x = X1 + c * q;
        v2 acc = splat(0);
        for (int32_t k = 0; k < q; k += 2)
            acc += (one ? ld(a + k) * ld(R1 + k) : ld(b + k)) * (below ? ld(s + k) - ld(x + k) : ld(s + k));
        const double sum = acc[0] + acc[1];
        phi[(size_t)c * stride] += one ? (1 - z) * sum : -sum;
    }
    for (int32_t k = 0; k < wq; k += 2) {
        v2 s1 = ld(S1 + k);
        st(S + k, first ? s1 : ld(S + k) + s1);
        if (prev > 0)
            st(Xp + k, ld(Xp + k) + s1);
    }
}

/* Split i at level L, A[L] set by the caller: fills S[L] and adds its
 * edges' shares to phi, the row's side first. Inlined into one function
 * per number of points q and leaf width w (below), where the loops are
 * unrolled; next is that function, for the children. */
static inline __attribute__((always_inline)) void visit(const walk *wk, int32_t i, int32_t L, const int32_t q,
                                                        const int32_t w, visit_fn *next)
{
    const sks__forest *f = wk->f;
    const int32_t skip = sks__node_skip(f, i), feature = sks__node_feature(f, i);
    const bool go_left = sks__node_left(f, i, wk->row);
    const int32_t hot = go_left ? i + 1 : i + 1 + skip, cold = go_left ? i + 1 + skip : i + 1;
    const int32_t up = f->shap_up[i], prev = up > 0 ? L + 1 - up : 0;
    if (wk->e[prev].one) {
        edge(wk, hot, L, prev, feature, true, true, true, q, w, next);
        edge(wk, cold, L, prev, feature, false, true, false, q, w, next);
    } else {
        edge(wk, hot, L, prev, feature, false, false, true, q, w, next);
        edge(wk, cold, L, prev, feature, false, false, false, q, w, next);
    }
}

/* One walk per number of points q <= 8 and leaf width w (1, 2, or any:
 * 0), and one for any q and w. */
#define VISIT(n, m)                                                                                  \
    static void visit_##n##_##m(const walk *wk, int32_t i, int32_t L)                                \
    {                                                                                                \
        visit(wk, i, L, n, m > 0 ? m : wk->w, visit_##n##_##m);                                      \
    }
#define VISIT_Q(n) VISIT(n, 0) VISIT(n, 1) VISIT(n, 2)
VISIT_Q(2)
VISIT_Q(4)
VISIT_Q(6)
VISIT_Q(8)
static void visit_any(const walk *wk, int32_t i, int32_t L) { visit(wk, i, L, wk->q, wk->w, visit_any); }

size_t sks__shap_scratch(const sks__forest *f)
{
    /* Levels 0 .. max_depth: an edge, A and R (q each), S and X (w x q). */
    size_t levels = (size_t)f->max_depth + 1, q = (size_t)f->shap_q, w = (size_t)f->leaf_width;
    size_t edge_doubles = (sizeof(edge_t) + sizeof(double) - 1) / sizeof(double);
    return levels * (edge_doubles + 2 * q + 2 * w * q);
}

void sks__shap_row(const sks__forest *f, const void *row, int32_t n_features, double *scratch, double *out)
{
    const int32_t stride = n_features + 1, nv = f->n_values, q = f->shap_q, w = f->leaf_width;
    const size_t levels = (size_t)f->max_depth + 1;
    memset(out, 0, (size_t)nv * (size_t)stride * sizeof(double));
    walk wk = {.f = f, .row = row, .stride = stride, .q = q, .w = w};
    wk.e = (edge_t *)scratch;
    wk.A = scratch + levels * ((sizeof(edge_t) + sizeof(double) - 1) / sizeof(double));
    wk.R = wk.A + levels * (size_t)q;
    wk.S = wk.R + levels * (size_t)q;
    wk.X = wk.S + levels * (size_t)(w * q);
    wk.e[0] = (edge_t){.z = 1, .one = true, .below = true};
    for (int32_t k = 0; k < q; k++)
        wk.A[k] = wk.R[k] = 1;
#define BY_W(n) {visit_##n##_0, visit_##n##_1, visit_##n##_2}
    static visit_fn *const by_q[][3] = {BY_W(2), BY_W(4), BY_W(6), BY_W(8)};
#undef BY_W
    visit_fn *fn = q <= 8 ? by_q[q / 2 - 1][w < 3 ? w : 0] : visit_any;
    for (int32_t t = 0; t < f->n_trees; t++) {
        int32_t col = f->tree_col != NULL ? f->tree_col[t] : 0;
        wk.phi = out + (size_t)col * (size_t)stride;
        if (sks__node_skip(f, f->roots[t]) >= 0) /* a lone leaf adds nothing */
            fn(&wk, f->roots[t], 0);
    }
    for (int32_t c = 0; c < nv; c++) {
        double *phi = out + (size_t)c * (size_t)stride;
        if (f->aggregation == SKS_AGG_MEAN)
            for (int32_t j = 0; j < n_features; j++)
                phi[j] /= (double)f->n_trees;
        phi[n_features] = f->expected[c];
    }
}

/* The expected raw score of tree t's column(s) under its covers: a leaf's
 * values, a split's children weighed by their share of its cover (the
 * walk's zero fractions, so that local accuracy holds). */
static void tree_expected(const sks__forest *f, int32_t i, double *acc, double weight)
{
    for (;;) {
        int32_t skip = sks__node_skip(f, i);
        if (skip < 0) {
            const double *v = sks__leaf_values(f, i);
            for (int32_t c = 0; c < f->leaf_width; c++)
                acc[c] += weight * v[c];
            return;
        }
        int32_t left = i + 1, right = i + 1 + skip;
        tree_expected(f, left, acc, weight * (f->cover[left] / f->cover[i]));
        weight *= f->cover[right] / f->cover[i];
        i = right;
    }
}

/* The walk's row-independent parts, from split i at level d down, with
 * path[0..d) the features of the edges above it: per child, its share of
 * the split's cover; per split, how many levels up the path met its
 * feature last (0: not met). Returns the most distinct features on a
 * path, u of them above i. */
static int32_t prepare(sks__forest *f, int32_t i, int32_t *path, int32_t d, int32_t u)
{
    int32_t skip = sks__node_skip(f, i);
    if (skip < 0)
        return u;
    int32_t feature = sks__node_feature(f, i), up = 0, left = i + 1, right = i + 1 + skip;
    for (int32_t k = d - 1; k >= 0 && up == 0; k--)
        if (path[k] == feature)
            up = d - k;
    path[d] = feature;
    f->shap_up[i] = up;
    f->shap_share[left] = f->cover[left] / f->cover[i];
    f->shap_share[right] = f->cover[right] / f->cover[i];
    int32_t l = prepare(f, left, path, d + 1, u + (up == 0)), r = prepare(f, right, path, d + 1, u + (up == 0));
    return l > r ? l : r;
}

/* P_n(x) and P_n'(x), the Legendre polynomial of degree n >= 1. */
static double legendre(int32_t n, double x, double *dp)
{
    double p0 = 1, p1 = x;
    for (int32_t k = 2; k <= n; k++) {
        double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
    }
    *dp = n * (x * p1 - p0) / (x * x - 1);
    return p1;
}

/* The n Gauss-Legendre points of [0,1] and their weights: Newton's method
 * on P_n from Tricomi's first guess, mapped from [-1,1]. */
static void gauss_legendre(int32_t n, double *t, double *a)
{
    const double pi = 3.14159265358979323846;
    for (int32_t i = 0; i < (n + 1) / 2; i++) {
        double x = cos(pi * (i + 0.75) / (n + 0.5)), dp;
        for (int it = 0; it < 100; it++) {
            double dx = legendre(n, x, &dp) / dp;
            x -= dx;
            if (fabs(dx) <= 1e-16)
                break;
        }
        legendre(n, x, &dp);
        t[i] = (1 - x) / 2;
        t[n - 1 - i] = (1 + x) / 2;
        a[i] = a[n - 1 - i] = 1 / ((1 - x * x) * dp * dp);
    }
}

int sks__forest_expected(sks__forest *f, sks_error *err)
{
    int32_t *path = malloc(((size_t)f->max_depth + 1) * sizeof(int32_t));
    f->expected = calloc((size_t)f->n_values, sizeof(double));
    double *acc = calloc((size_t)f->leaf_width, sizeof(double));
    f->shap_share = malloc((size_t)f->n_nodes * sizeof(double));
    f->shap_up = malloc((size_t)f->n_nodes * sizeof(int32_t));
    if (f->expected == NULL || acc == NULL || path == NULL || f->shap_share == NULL || f->shap_up == NULL)
        goto nomem;
    if (f->base != NULL)
        memcpy(f->expected, f->base, (size_t)f->n_values * sizeof(double));
    int32_t u = 1;
    for (int32_t t = 0; t < f->n_trees; t++) {
        memset(acc, 0, (size_t)f->leaf_width * sizeof(double));
        tree_expected(f, f->roots[t], acc, 1.0);
        double *dst = f->tree_col != NULL ? f->expected + f->tree_col[t] : f->expected;
        for (int32_t c = 0; c < f->leaf_width; c++)
            dst[c] += acc[c];
        int32_t ut = prepare(f, f->roots[t], path, 0, 0);
        if (ut > u)
            u = ut;
    }
    if (f->aggregation == SKS_AGG_MEAN)
        for (int32_t c = 0; c < f->n_values; c++)
            f->expected[c] /= (double)f->n_trees;
    /* Integrands of degree < U: exact with n = ceil(U / 2) points, padded
     * to an even number (shap.c's v2) with a point of weight 0. */
    int32_t n = (u + 1) / 2 > 0 ? (u + 1) / 2 : 1, q = (n + 1) / 2 * 2;
    f->shap_q = q;
    f->shap_t = malloc(4 * (size_t)q * sizeof(double));
    if (f->shap_t == NULL)
        goto nomem;
    f->shap_u = f->shap_t + q;
    f->shap_a = f->shap_u + q;
    f->shap_b = f->shap_a + q;
    gauss_legendre(n, f->shap_t, f->shap_a);
    for (int32_t k = n; k < q; k++) {
        f->shap_t[k] = 0.5;
        f->shap_a[k] = 0;
    }
    for (int32_t k = 0; k < q; k++) {
        f->shap_u[k] = 1 - f->shap_t[k];
        f->shap_b[k] = f->shap_a[k] / f->shap_u[k];
    }
    free(acc);
    free(path);
    return 0;
nomem:
    free(acc);
    free(path);
    return sks__fail(err, SKS_ENOMEM, "out of memory");
}
